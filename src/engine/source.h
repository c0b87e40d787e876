/* A reference source: a trace file or a generator, behind one read call.
 * Used by everything that walks a whole stream (the engine's vmm_run, the
 * MRC builders' vmm_mrc_run). */
#ifndef VMM_ENGINE_SOURCE_H
#define VMM_ENGINE_SOURCE_H

#include "vmmsim/vmmsim.h"

typedef struct vmm_source {
    vmm_trace_t *trace;
    vmm_gen_t *gen;
} vmm_source_t;

/* Open spec->trace (with spec->topts) or create spec->gen. 0 or a VMM_E*
 * code with err filled. */
int vmm_source_open(vmm_source_t *s, const vmm_source_spec_t *spec, vmm_err_t *err);
/* Up to n records: count, 0 at the end, or a negative code. */
long vmm_source_read(vmm_source_t *s, vmm_ref_t *buf, size_t n, vmm_err_t *err);
const char *vmm_source_format(const vmm_source_t *s);
void vmm_source_close(vmm_source_t *s);

#endif
