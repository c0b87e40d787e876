/* The stages of one run and the data path's calls into them (stage.c). */
#ifndef VMM_CORE_STAGES_H
#define VMM_CORE_STAGES_H

#include "vmmsim/stage.h"

#define VMM_MAX_STAGES 8

typedef struct vmm_stage {
    const vmm_stage_ops *ops;
    void *st;
} vmm_stage_t;

typedef struct vmm_stages {
    vmm_stage_t s[VMM_MAX_STAGES];
    uint32_t n;
    uint32_t n_ref;      /* stages with on_ref: the per-reference test is one load */
} vmm_stages_t;

/* Instantiate "name[:params];name..." (NULL or "" for none). 0 or a VMM_E*
 * code with err naming the stage. */
int vmm_stages_init(vmm_stages_t *ss, const char *spec, vmm_err_t *err);
void vmm_stages_fini(vmm_stages_t *ss);

int vmm_stages_ref(vmm_stages_t *ss, uint32_t as, uint64_t vpn, uint32_t page, unsigned op,
                   int hit, double *cost);
int vmm_stages_walk(vmm_stages_t *ss, const vmm_stage_ref_t *r, unsigned refs, double *cost);
int vmm_stages_fault(vmm_stages_t *ss, const vmm_stage_ref_t *r, int major, double *cost);
void vmm_stages_evict(vmm_stages_t *ss, uint32_t page);
int vmm_stages_period(vmm_stages_t *ss, double now);
/* The stage named `name` of this run, or NULL. */
const vmm_stage_t *vmm_stages_get(const vmm_stages_t *ss, const char *name);

#endif
