/* Engine internals shared by the engine's files (not part of the API). */
#ifndef VMM_ENGINE_INT_H
#define VMM_ENGINE_INT_H

#include "vmmsim/vmmsim.h"
#include "util/hashmap.h"

struct vmm_patent;         /* the MRC sampler, src/mrc/patent.h */

#define VMM_MAX_AS 4096u   /* address spaces: the page key keeps 12 bits for them */

/* What the engine knows of a page. The fields are used together (a fault
 * reads all of the victim's), so they share one 16-byte record: one cache
 * miss instead of four when memory holds millions of pages. */
typedef struct vmm_page {
    uint64_t vpn;          /* page number in its address space */
    uint32_t frame;        /* frame holding it, VMM_NOFRAME if none */
    uint16_t as;           /* address-space index */
    uint8_t flags;         /* PG_* (engine.c) */
    uint8_t pad;
} vmm_page_t;

typedef struct vmm_as {
    vmm_as_stats_t st;     /* counters; st.resident kept up to date */
    void *pt_st;           /* this address space's page table */
    struct vmm_patent *smp; /* MRC sampler (US 9,223,722), NULL when off */
    double smp_due;        /* simulated time (st.c.time_ns) of its next periodic work */
} vmm_as_t;

struct vmm {
    vmm_config_t cfg;
    char params[256];      /* copy of cfg.policy_params */
    unsigned shift;        /* log2(page size) */
    const vmm_pt_ops *pt_ops;
    vmm_policy_t pol;
    vmm_tlb_t tlb;
    int tlb_ready;

    /* frames (struct of arrays) */
    uint32_t nframes;
    uint32_t *frame_page;  /* page id in the frame, VMM_NOFRAME if free */
    uint8_t *frame_dirty;  /* lent to the policy (WSClock cleans) */
    uint32_t *free_list, nfree;
    uint64_t cleaned;      /* write-backs done by the policy */

    /* pages, indexed by dense page id */
    uint32_t npages;
    size_t page_cap;
    vmm_page_t *pages;
    uint64_t swap_used;    /* swap slots in use */

    /* address spaces, in order of first reference */
    vmm_as_t *as;
    size_t as_cap;
    uint32_t nas;
    vmm_hashmap_t as_map;  /* trace asid -> index */
    uint32_t last_asid, last_idx, cur_as;
    vmm_as_stats_t *as_stats;
    size_t as_stats_cap;

    /* MRC sampler (US 9,223,722): on when cfg.sampler.mode and .pages are set */
    int smp_on;
    uint32_t smp_chunks;   /* C in effect */
    uint64_t smp_salt;     /* hash seed for page selection */
    struct vmm_patent *gsmp; /* machine-wide sampler: one LRU list over all address spaces */

    uint64_t now;          /* page references so far */
    uint64_t records;      /* trace records so far */

    /* OPT prepass: page identities and next-use indices */
    int prepassed;
    vmm_hashmap_t ident;
    uint32_t pre_pages;
    uint32_t *next_use;
    size_t next_len, next_cap;
};

/* Unique key of page `vpn` of address-space index `as` (vpn < 2^52). */
static inline uint64_t vmm_page_key(uint32_t as, uint64_t vpn)
{
    return ((uint64_t)as << 52) | vpn;
}

#endif
