/* Stages: mechanisms that plug into the one data path (docs/architecture.md).
 *
 * A stage is an ops table like every other family: a name, a state the
 * library allocates (`state_size` zeroed bytes), init/fini, and hooks the
 * data path calls: on every reference, on a page walk, on a fault, when a
 * page leaves DRAM and once per period (the hypervisor's). Every hook is
 * optional; a hook that adds simulated time adds it to *cost. A stage
 * reports its own counters through `stats`. The same stage serves `vmmsim
 * sim` (config `stages`), every VM of `vmmsim run` (scenario key
 * host.stages) and the library alike, without touching either.
 *
 * Built-in stages are in the registry; a library user adds one with
 * vmm_stage_register() before naming it in a config. */
#ifndef VMMSIM_STAGE_H
#define VMMSIM_STAGE_H

#include <stdint.h>
#include <stddef.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VMM_STAGE_ABI 1

/* The reference a hook is called for. */
typedef struct vmm_stage_ref {
    uint32_t as;        /* address-space index (in order of first reference) */
    uint32_t page;      /* dense page id */
    uint64_t vpn;       /* page number in its address space */
    unsigned op;        /* enum vmm_op */
    int tlb_hit;        /* translated by a TLB */
} vmm_stage_ref_t;

/* One counter of a stage. */
typedef struct vmm_stage_stat {
    const char *name;   /* static */
    double value;
} vmm_stage_stat_t;

typedef struct vmm_stage_ops {
    const char *name;        /* first: the registries find entries by it */
    unsigned abi;            /* VMM_STAGE_ABI */
    const char *summary;
    size_t state_size;
    /* params: "k=v,..." or NULL. 0, VMM_EINVAL (err) or VMM_ENOMEM. */
    int (*init)(void *st, const char *params, vmm_err_t *err);
    void (*fini)(void *st);
    int (*on_ref)(void *st, const vmm_stage_ref_t *r, double *cost);
    int (*on_walk)(void *st, const vmm_stage_ref_t *r, unsigned walk_refs, double *cost);
    int (*on_fault)(void *st, const vmm_stage_ref_t *r, int major, double *cost);
    void (*on_evict)(void *st, uint32_t page);
    int (*on_period)(void *st, double now);
    /* Up to `max` counters into out[]; returns how many it has. */
    size_t (*stats)(const void *st, vmm_stage_stat_t *out, size_t max);
} vmm_stage_ops;

/* Add a stage kind (static ops, unique name, abi VMM_STAGE_ABI). 0,
 * VMM_EINVAL or VMM_ERANGE (the table of user stages is full). Not
 * thread-safe: register before creating simulators. */
VMM_API int vmm_stage_register(const vmm_stage_ops *ops);
/* A stage kind by name (case-insensitive), or NULL. */
VMM_API const vmm_stage_ops *vmm_stage_find(const char *name);
/* The built-in and registered stage kinds, NULL-terminated. */
VMM_API const vmm_stage_ops *const *vmm_stage_all(void);

#ifdef __cplusplus
}
#endif

#endif
