/* Engine internals (not part of the API): a native machine is a core
 * (src/core) with one domain, one CPU, one TLB level and the 1D walker. */
#ifndef VMM_ENGINE_INT_H
#define VMM_ENGINE_INT_H

#include "vmmsim/vmmsim.h"
#include "core/core.h"
#include "core/nextuse.h"
#include "util/hashmap.h"

#define VMM_MAX_AS 4096u   /* address spaces: the page key keeps 12 bits for them */

struct vmm {
    vmm_config_t cfg;
    char params[256];      /* copy of cfg.policy_params */
    char stages[256];      /* copy of cfg.stages */
    unsigned shift;        /* log2(page size) */
    core_t k;
    int k_ready;

    uint32_t last_asid, last_idx; /* cache of the asid -> index lookup */
    core_ctx_t x;          /* context of address space last_idx; x.as UINT32_MAX: none yet */
    uint64_t records;      /* trace records so far */
    vmm_as_stats_t *as_stats;
    size_t as_stats_cap;

    /* OPT prepass: next-use indices of every page reference */
    int prepassed;
    vmm_nextuse_t nu;
};

/* Unique key of page `vpn` of address-space index `as` (vpn < 2^52). */
static inline uint64_t vmm_page_key(uint32_t as, uint64_t vpn)
{
    return ((uint64_t)as << 52) | vpn;
}

#endif
