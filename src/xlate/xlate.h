/* The translation layer: address spaces with their page tables, CPUs with
 * their TLB levels and page-walk caches, and the walkers (docs/architecture.md).
 *
 * Three walkers: 1D (a native machine: the address space's table only),
 * nested (EPT/NPT: the guest table, every entry of which and the result
 * translated by the domain's nested table: g + (g + 1) n references for g
 * guest and n nested levels, 24 for 4 x 4, Bhargava et al. ASPLOS'08), and
 * shadow (the hardware walks a shadow table as deep as the guest's). `vmmsim
 * sim` is one CPU with one TLB level and the 1D walker.
 *
 * Page-walk caches (nested mode with radix guest tables): per CPU, one small
 * cache per upper guest level, keyed by address space and the guest-virtual
 * prefix that level covers, like Intel's paging-structure caches; a hit at
 * the level covering 2^(9k) pages leaves k guest reads and their nested
 * walks (1 + 2n = 9 references when the lowest level hits).
 *
 * TLB entries are tagged by address-space index; a hit in a lower level
 * refills the upper ones. Address spaces are named by (domain, asid) and
 * numbered in order of first reference. */
#ifndef VMM_XLATE_H
#define VMM_XLATE_H

#include "vmmsim/vmmsim.h"
#include "util/hashmap.h"

#define XL_MAX_TLB VMM_SCN_MAX_TLB
#define XL_PWC_MAX 4             /* upper guest levels with a page-walk cache (radix4: 3) */

enum { XL_1D = 0, XL_NESTED = 1, XL_SHADOW = 2 };

typedef struct xl_cpu {
    vmm_tlb_t tlb[XL_MAX_TLB];
    vmm_tlb_t pwc[XL_PWC_MAX];  /* pwc[k]: entries covering 2^(9(k+1)) pages */
    uint32_t node;              /* NUMA node */
    uint32_t cur_as;            /* address space running (untagged TLBs flush on a change) */
} xl_cpu_t;

typedef struct xl_as {
    uint32_t dom;       /* domain (VM) */
    uint32_t asid;      /* as the trace names it (pid) */
    void *gpt;          /* its page table: vpn -> page id */
} xl_as_t;

typedef struct xlate_cfg {
    int mode;                     /* XL_* */
    const vmm_pt_ops *gpt_ops;    /* the address spaces' tables */
    const vmm_pt_ops *npt_ops;    /* nested tables (XL_NESTED), else NULL */
    vmm_pt_cfg_t ptc;
    uint32_t ntlb;                /* TLB levels */
    vmm_tlb_cfg_t tlb[XL_MAX_TLB];
    uint32_t pwc_entries;         /* per level; 0 = no page-walk caches */
    uint32_t ncpus, nnodes, ndoms;
    uint32_t max_as;              /* address spaces allowed; 0 = no limit */
} xlate_cfg_t;

typedef struct xlate {
    xlate_cfg_t cfg;
    unsigned glevels;    /* radix levels of the guest table with PWCs; 0 = none */
    unsigned nlevels;    /* radix levels of the nested table: the cost of every nested
                            walk, no lookup needed; 0 = look each one up */
    xl_cpu_t *cpus;
    xl_as_t *as;
    size_t as_cap;
    uint32_t nas;
    vmm_hashmap_t as_map;  /* (dom << 32 | asid) -> index */
    void **npt;            /* per domain: nested table gpn -> page id (XL_NESTED) */
} xlate_t;

/* Set up `x` (zeroed by the call). 0, VMM_EINVAL (TLB geometry, err) or
 * VMM_ENOMEM. */
int xl_init(xlate_t *x, const xlate_cfg_t *cfg, vmm_err_t *err);
void xl_fini(xlate_t *x);

/* Add address space (dom, asid) with its table: 0, VMM_ERANGE (beyond
 * max_as) or VMM_ENOMEM. */
int xl_as_new(xlate_t *x, uint32_t dom, uint32_t asid, uint32_t *idx);

/* Index of address space (dom, asid), or UINT32_MAX if it has none yet. */
static inline uint32_t xl_as_find(const xlate_t *x, uint32_t dom, uint32_t asid)
{
    uint32_t i = vmm_hm_get(&x->as_map, (uint64_t)dom << 32 | asid);
    return i == VMM_HM_NONE ? UINT32_MAX : i;
}

/* CPU p now runs address space `as` (untagged TLBs flush). */
static inline void xl_switch(xlate_t *x, xl_cpu_t *p, uint32_t as)
{
    if (as == p->cur_as)
        return;
    for (uint32_t l = 0; l < x->cfg.ntlb; l++)
        vmm_tlb_switch(&p->tlb[l], as);
    p->cur_as = as;
}

/* TLB levels first to last, `tlb_ns` per level looked up; 1 on a hit. */
static inline int xl_tlb_lookup(xlate_t *x, xl_cpu_t *p, uint32_t as, uint64_t vpn,
                                uint32_t *pid, double tlb_ns, double *t)
{
    uint32_t n = x->cfg.ntlb;
    if (!n)
        return 0;
    /* the first level apart: most lookups end there */
    *t += tlb_ns;
    if (vmm_tlb_lookup(&p->tlb[0], as, vpn, pid))
        return 1;
    for (uint32_t l = 1; l < n; l++) {
        *t += tlb_ns;
        if (vmm_tlb_lookup(&p->tlb[l], as, vpn, pid)) {
            for (uint32_t u = 0; u < l; u++)
                vmm_tlb_fill(&p->tlb[u], as, vpn, *pid);
            return 1;
        }
    }
    return 0;
}

static inline void xl_tlb_fill(xlate_t *x, xl_cpu_t *p, uint32_t as, uint64_t vpn, uint32_t pid)
{
    for (uint32_t l = 0; l < x->cfg.ntlb; l++)
        vmm_tlb_fill(&p->tlb[l], as, vpn, pid);
}

/* Drop every cached translation of (as, vpn): every TLB level of every CPU. */
void xl_shootdown(xlate_t *x, uint32_t as, uint64_t vpn);

/* The walk that translated (as, vpn) on p after the guest table's own
 * walk of `grefs` references, for guest-physical page gpn of domain dom:
 * its memory references, counted into c. */
unsigned xl_walk(xlate_t *x, xl_cpu_t *p, uint32_t as, uint64_t vpn, uint32_t dom,
                 uint32_t gpn, unsigned grefs, vmm_counters_t *c);

/* Simulated bytes of every table (guest and nested). */
uint64_t xl_pt_bytes(const xlate_t *x, uint32_t as);

#endif
