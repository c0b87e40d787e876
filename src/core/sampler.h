/* The samplers that run inside the MMU, for every mode (sampler.c). */
#ifndef VMM_CORE_SAMPLER_H
#define VMM_CORE_SAMPLER_H

#include "core.h"

/* First touch of page pid: spatial sampling. 0 or VMM_ENOMEM. */
int core_smp_select(core_t *k, uint32_t as, uint32_t pid);
/* A walk reached a page one of the samplers watches, at time `now`: it
 * traps (cost to *t). 0 or VMM_ENOMEM. */
int core_smp_walk(core_t *k, uint32_t as, uint32_t pid, double now, double *t);

#endif
