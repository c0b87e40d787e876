/* The MMU: a set-associative TLB and pluggable page tables.
 *
 * A page table maps a virtual page number of one address space to the
 * engine's dense page id. Like a real PTE that keeps a swap entry, the
 * mapping stays after the page is evicted; residency is the engine's. Each
 * lookup reports how many memory references the hardware walk made, which
 * the latency model charges. Page-table memory is reported in simulated
 * bytes (what the tables would occupy on the machine being simulated). */
#ifndef VMMSIM_MMU_H
#define VMMSIM_MMU_H

#include <stdint.h>
#include <stddef.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VMM_PT_NONE UINT32_MAX

typedef struct vmm_pt_cfg {
    unsigned page_shift;   /* log2(page size), 12 for 4 KiB */
    unsigned va_bits;      /* virtual address width, 48 for x86-64 */
    uint32_t nframes;      /* machine frames (sizes hashed/inverted tables) */
} vmm_pt_cfg_t;

typedef struct vmm_pt_ops {
    const char *name;       /* "radix4" */
    const char *summary;
    size_t state_size;
    /* x86-style radix tables (9 vpn bits per level): the levels, which every
     * walk to a mapped entry reads one each of; 0 for other kinds. Page-walk
     * caches and the nested walk's cost use it. */
    unsigned radix_levels;
    int (*init)(void *st, const vmm_pt_cfg_t *cfg);
    void (*fini)(void *st);
    /* Page id mapped at `vpn`, or VMM_PT_NONE; *refs = memory references
     * the walk made (for a miss, the references made before it stopped). */
    uint32_t (*lookup)(void *st, uint64_t vpn, unsigned *refs);
    /* Map vpn -> page (first touch). 0 or VMM_ENOMEM. */
    int (*insert)(void *st, uint64_t vpn, uint32_t page);
    /* The page at vpn became resident in `frame`, or left memory
     * (frame == VMM_NOFRAME). Only tables that index frames (inverted)
     * have it; NULL for the others, which the data path then does not
     * call (nor read the page's mapping for). */
    void (*resident)(void *st, uint64_t vpn, uint32_t page, uint32_t frame);
    /* Simulated bytes the table occupies now. */
    uint64_t (*bytes)(const void *st);
} vmm_pt_ops;

/* Registry: "single", "2level", "radix3", "radix4", "hashed", "inverted"
 * (aliases: SINGLE, TWO_LEVEL as in the seed simulator). NULL if unknown. */
VMM_API const vmm_pt_ops *vmm_pt_find(const char *name);
VMM_API const vmm_pt_ops *const *vmm_pt_all(void);

/* --- TLB -------------------------------------------------------------- */

enum { VMM_TLB_LRU = 0, VMM_TLB_FIFO = 1 };

typedef struct vmm_tlb_cfg {
    uint32_t entries;        /* total entries; 0 disables the TLB */
    uint32_t ways;           /* associativity; 0 = fully associative */
    int policy;              /* VMM_TLB_LRU or VMM_TLB_FIFO within a set */
    int flush_on_switch;     /* untagged TLB: flush when the address space changes */
} vmm_tlb_cfg_t;

typedef struct vmm_tlb {
    vmm_tlb_cfg_t cfg;
    uint32_t nsets, ways, set_mask;
    uint64_t *tag;           /* (asid, vpn) key + 1; 0 = invalid */
    uint32_t *val;           /* page id */
    uint32_t *stamp;         /* per entry: last use (LRU) or fill time (FIFO) */
    uint32_t clock;
    uint32_t cur_asid;
    uint64_t hits, misses, flushes, invalidations;
    struct vmm_tlb_index *index; /* private: O(1) lookup and replacement for many ways */
} vmm_tlb_t;

/* Set up `t` (caller-owned) for cfg. Returns 0, VMM_EINVAL (entries not a
 * multiple of ways, sets not a power of two) or VMM_ENOMEM. */
VMM_API int vmm_tlb_init(vmm_tlb_t *t, const vmm_tlb_cfg_t *cfg);
VMM_API void vmm_tlb_fini(vmm_tlb_t *t);
/* Returns 1 and the page id in *val on a hit, 0 on a miss (counted). */
VMM_API int vmm_tlb_lookup(vmm_tlb_t *t, uint32_t asid, uint64_t vpn, uint32_t *val);
/* Insert after a walk, replacing per the set's policy. */
VMM_API void vmm_tlb_fill(vmm_tlb_t *t, uint32_t asid, uint64_t vpn, uint32_t val);
/* Drop (asid, vpn) if present (shootdown on eviction). */
VMM_API void vmm_tlb_invalidate(vmm_tlb_t *t, uint32_t asid, uint64_t vpn);
/* The running address space changes; flushes when cfg.flush_on_switch. */
VMM_API void vmm_tlb_switch(vmm_tlb_t *t, uint32_t asid);
/* Parse "64" or "64:4" (entries[:ways]). Returns 0 or VMM_EINVAL. */
VMM_API int vmm_tlb_parse(const char *s, vmm_tlb_cfg_t *cfg);

#ifdef __cplusplus
}
#endif

#endif
