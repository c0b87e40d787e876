/* Synthetic trace generators.
 *
 * A generator is described by a spec string "pattern:key=value,..." (for
 * example "zipf:alpha=0.9,pages=400000,n=50M") and produces the same
 * records for the same spec and seed, on any machine. Patterns: the seed
 * simulator's sequential, random, working_set, locality and thrashing, plus
 * zipf, loop (cyclic scan), phases (phased working sets) and mix (several
 * processes with different patterns). docs/generators.md lists each key. */
#ifndef VMMSIM_GEN_H
#define VMMSIM_GEN_H

#include <stdint.h>
#include <stddef.h>
#include "error.h"
#include "trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vmm_gen vmm_gen_t;

/* Parse `spec` and create a generator. On failure returns VMM_EINVAL (or
 * VMM_ENOMEM) with `err` naming the bad key or value; *out stays NULL. */
VMM_API int vmm_gen_create(const char *spec, vmm_gen_t **out, vmm_err_t *err);

/* Produce up to `n` records; returns the count, 0 when done. */
VMM_API long vmm_gen_read(vmm_gen_t *g, vmm_ref_t *buf, size_t n);

/* Total records the generator will produce. */
VMM_API uint64_t vmm_gen_length(const vmm_gen_t *g);

/* Free. NULL is a no-op. */
VMM_API void vmm_gen_destroy(vmm_gen_t *g);

/* Pattern names, NULL-terminated, and a help text listing keys. */
VMM_API const char *const *vmm_gen_patterns(void);
VMM_API const char *vmm_gen_help(void);

#ifdef __cplusplus
}
#endif

#endif
