/* The one per-reference data path (docs/architecture.md).
 *
 * A core composes the memory layer (src/mem: pages, frames, domains,
 * tiers) and the translation layer (src/xlate: address spaces, TLBs,
 * walkers) with the samplers that live in the MMU (the patent's MRC
 * sampler and ESX active-memory sampling, sampler.c) and the stages a run
 * adds (stage.c). `vmmsim sim` is a core with one domain, one CPU, one TLB
 * level and the 1D walker; `vmmsim run` a core with a domain per VM and a
 * CPU per pCPU; both call core_access() for every page reference.
 *
 * For each reference: the samplers' periodic work when its time has come;
 * the TLB levels; on a miss the walk (mapping the page on first touch; the
 * samplers trap here; NUMA balancing looks here); the page's frame, or a
 * fault into the memory layer; the data access, local or remote; the dirty
 * bit and the TLB fill; the stages' hooks. Its cost in simulated ns is
 * added to the address space's time and returned. The TLB-hit path is
 * inline here; everything else is in access.c. */
#ifndef VMM_CORE_H
#define VMM_CORE_H

#include "mem/mem.h"
#include "xlate/xlate.h"
#include "core/stages.h"

struct vmm_patent;

/* mem_page_t.sflags: the samplers' bits */
enum {
    SF_SAMPLED = 1,      /* in the patent MRC sampler's sample */
    SF_TRACED = 2,       /* its trace is installed: the next walk traps */
    SF_ACCESSED = 4,     /* scan mode: accessed bit, set by a walk */
    SF_ACT_SAMPLED = 8,  /* in this period's ESX active-page sample (unmapped) */
    SF_ACT_TOUCHED = 16, /* ... and touched since it was picked */
};

typedef struct core_sampler_cfg {
    int mode;            /* VMM_SAMPLER_OFF, _FAULT or _SCAN */
    uint32_t pages;      /* S per sampler */
    uint32_t chunks;     /* C; 0 = round(sqrt(S)) */
    double period_ns;
    int per_as;          /* a sampler per address space (native), else per domain (VM) */
    int by_gpn;          /* select by guest-physical page (all a hypervisor sees), else
                            by (address space, virtual page) */
    int global;          /* also one machine-wide sampler (native) */
    uint64_t seed;
} core_sampler_cfg_t;

typedef struct core_cfg {
    uint32_t nframes, nnodes, ndoms;
    xlate_cfg_t xl;
    double tlb_ns;                        /* each TLB level looked up */
    double local_ns[MEM_MAX_NODES];       /* DRAM reference from a CPU of the node */
    double remote_ns[MEM_MAX_NODES];      /* DRAM reference of the node from elsewhere */
    double minor_ns;                      /* first touch */
    double shadow_sync_ns;                /* shadow mode: a trapped guest PTE write */
    double trace_fault_ns, retrace_ns, scan_page_ns; /* the samplers' traps */
    int numa_migrate;                     /* move pages walked twice from a remote node */
    core_sampler_cfg_t smp;
} core_cfg_t;

/* A sampling unit: an address space's or a domain's sampler. */
typedef struct core_unit {
    struct vmm_patent *smp;
    double due;          /* simulated time of its next periodic work */
} core_unit_t;

typedef struct core_dom {
    int numa;                 /* VMM_NUMA_* (scenario.h): placement of new pages */
    uint32_t numa_node;       /* VMM_NUMA_PREFERRED */
    uint32_t npages;          /* guest-physical pages touched (the next gpn) */
    vmm_mrc_builder_t *mrcb;  /* fed every reference, or NULL */
    uint32_t act_touched;     /* active sampling: sampled pages touched this period */
} core_dom_t;

typedef struct core {
    core_cfg_t cfg;
    mem_t mem;
    xlate_t xl;
    vmm_counters_t *ctr;      /* per address space */
    size_t ctr_cap;
    core_dom_t *doms;
    core_unit_t *units;       /* per address space or per domain */
    size_t units_cap;
    struct vmm_patent *gsmp;  /* machine-wide sampler, or NULL */
    uint64_t smp_salt;
    uint32_t smp_chunks;
    uint8_t walk_trap;        /* sflags that make a walk trap into the VMM */
    uint32_t *ws;             /* running vCPU's sampled pages per node (seed 003 FIG. 8), or NULL */
    vmm_stages_t stages;
} core_t;

/* Set up `k` (zeroed by the call) for cfg; domains follow with
 * core_domain(). 0 or a VMM_E* code (err). */
int core_init(core_t *k, const core_cfg_t *cfg, vmm_err_t *err);
void core_fini(core_t *k);

/* Domain d's policy and first quota (its policy starts sized for the whole
 * pool when quota is 0; mem_set_quota() resizes it). */
int core_domain(core_t *k, uint32_t d, const vmm_policy_ops *ops, const char *params,
                uint64_t seed, uint64_t quota, vmm_err_t *err);

/* Address space (dom, asid), created on first sight. 0, VMM_ERANGE or
 * VMM_ENOMEM. */
int core_as_new(core_t *k, uint32_t dom, uint32_t asid, uint32_t *idx);
static inline int core_as(core_t *k, uint32_t dom, uint32_t asid, uint32_t *idx)
{
    *idx = xl_as_find(&k->xl, dom, asid);
    return *idx == UINT32_MAX ? core_as_new(k, dom, asid, idx) : 0;
}

#define CORE_COLD __attribute__((noinline))
#define CORE_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* The slow paths of core_access (access.c). */
CORE_COLD int core_translate_miss(core_t *k, xl_cpu_t *p, uint32_t as, uint64_t vpn, uint32_t *pid,
                        double now, double *t);
int core_fault(core_t *k, xl_cpu_t *p, uint32_t as, vmm_pref_t *r, double *t);
CORE_COLD double core_smp_tick(core_t *k, uint32_t unit, uint32_t as, double now);

static inline uint32_t core_unit_of(const core_t *k, uint32_t as)
{
    return k->cfg.smp.per_as ? as : k->xl.as[as].dom;
}

/* What the references of one address space on one CPU share, gathered
 * once per trace record (core_ctx) rather than per page reference. */
typedef struct core_ctx {
    vmm_counters_t *c;        /* the address space's counters */
    xl_cpu_t *p;
    mem_domain_t *dm;         /* its domain's memory */
    vmm_mrc_builder_t *b;     /* its domain's MRC builder, or NULL */
    core_unit_t *u;           /* its sampler unit, or NULL */
    int extra;                /* a builder or a stage wants every reference */
    int numa;                 /* more than one node: count local and remote references */
    uint32_t as, dom;
    double local_ns;          /* a DRAM reference from p's node to its own */
} core_ctx_t;

static inline void core_ctx(core_t *k, uint32_t cpu, uint32_t as, core_ctx_t *x)
{
    uint32_t d = k->xl.as[as].dom;
    x->c = &k->ctr[as];
    x->p = &k->xl.cpus[cpu];
    x->dm = &k->mem.doms[d];
    x->b = k->doms[d].mrcb;
    x->u = k->units ? &k->units[core_unit_of(k, as)] : NULL;
    if (x->u && !x->u->smp)
        x->u = NULL;
    x->as = as;
    x->dom = d;
    x->local_ns = k->cfg.local_ns[x->p->node];
    x->extra = x->b || k->stages.n_ref;
    x->numa = k->mem.nnodes > 1;
}

/* On one node every reference is local: the hot path does not count them
 * (one increment fewer per reference), so readers of counters call this. */
static inline void core_fix_local(const core_t *k, vmm_counters_t *c)
{
    if (k->mem.nnodes == 1)
        c->local_refs = c->refs - c->remote_refs;
}

/* The DRAM access of a reference to page pg from x's CPU, local or remote:
 * its cost, counted. */
static inline double core_dram(const core_t *k, const core_ctx_t *x, const mem_page_t *pg)
{
    if (!x->numa)
        return x->local_ns;   /* one node: every reference is local (core_fix_local) */
    if (pg->node == x->p->node) {
        x->c->local_refs++;
        return x->local_ns;
    }
    x->c->remote_refs++;
    return k->cfg.remote_ns[pg->node];
}

/* The data access of a reference to page pg, its dirty bit and its TLB
 * fill, once the page is in a frame. */
static inline double core_data(core_t *k, const core_ctx_t *x, uint64_t vpn, uint32_t pid,
                               mem_page_t *pg, unsigned op, int hit)
{
    if (op == VMM_OP_WRITE) {
        k->mem.frame_dirty[pg->frame] = 1;
        pg->flags |= MP_WRITTEN;
    }
    if (!hit)
        xl_tlb_fill(&k->xl, x->p, x->as, vpn, pid);
    return core_dram(k, x, pg);
}

/* A reference whose page is not in a frame, and the MRC builder's and the
 * stages' look at every reference (access.c). */
CORE_COLD int core_access_extra(core_t *k, const core_ctx_t *x, uint64_t vpn, uint32_t pid, unsigned op,
                      int hit, double *t);
CORE_COLD int core_access_fault(core_t *k, const core_ctx_t *x, uint64_t vpn, uint32_t pid, unsigned op,
                      uint64_t next_use, int hit, double *t);

/* One page reference of context x (an address space on a CPU) at
 * simulated time `now`: 0 or a VMM_E* code; its cost in *cost.
 * `next_use` is the stream index of the page's next reference (policies
 * that need the future), VMM_NEVER otherwise. */
static inline int core_access(core_t *k, const core_ctx_t *x, uint64_t vpn, unsigned op,
                              double now, uint64_t next_use, double *cost)
{
    vmm_counters_t *c = x->c;
    /* t never has its address taken, so it stays in a register; the slow
     * paths add their costs through `slow` */
    double t = 0, slow = 0;
    uint32_t pid;
    int rc;
    if (CORE_UNLIKELY(x->u && now >= x->u->due))
        t += core_smp_tick(k, (uint32_t)(x->u - k->units), x->as, now);
    c->refs++;
    c->reads += op == VMM_OP_READ;
    c->writes += op == VMM_OP_WRITE;
    c->ifetches += op == VMM_OP_IFETCH;
    int hit = xl_tlb_lookup(&k->xl, x->p, x->as, vpn, &pid, k->cfg.tlb_ns, &t);
    if (hit)
        c->tlb_hits++;
    else if (CORE_UNLIKELY(rc = core_translate_miss(k, x->p, x->as, vpn, &pid, now + t, &slow)))
        return rc;
    mem_page_t *pg = &k->mem.pg[pid];
    if (CORE_UNLIKELY(pg->frame == VMM_NOFRAME)) {
        if ((rc = core_access_fault(k, x, vpn, pid, op, next_use, hit, &slow)))
            return rc;
    } else {
        /* A hit. Everything but the policy's call is done first: after an
         * indirect call every pointer would have to be loaded again. */
        mem_domain_t *dm = x->dm;
        vmm_pref_t r = {.key = ((uint64_t)x->as << 52) ^ vpn, .now = dm->now++,
                        .next_use = next_use, .page = pid, .frame = pg->frame,
                        .write = op == VMM_OP_WRITE};
        t += core_data(k, x, vpn, pid, pg, op, hit);
        int extra = x->extra;
        dm->pol.ops->on_hit(dm->pol.st, &r);
        if (CORE_UNLIKELY(extra) && (rc = core_access_extra(k, x, vpn, pid, op, hit, &slow)))
            return rc;
    }
    t += slow;
    c->time_ns += t;
    *cost = t;
    return 0;
}

/* Drop page pid's translations everywhere (its trace re-installed...). */
static inline void core_shootdown(core_t *k, uint32_t pid)
{
    const mem_pinfo_t *i = &k->mem.info[pid];
    xl_shootdown(&k->xl, i->as, i->vpn);
}

/* Give unit u (a domain, when samplers are per domain; address spaces get
 * theirs when created) a patent sampler. 0 or VMM_ENOMEM. */
int core_smp_add(core_t *k, uint32_t u);

/* The sampler of unit u: its curve over `refs` references (0, VMM_EINVAL
 * when it has none, VMM_ENOMEM), its pages and rate. u == UINT32_MAX: the
 * machine-wide one. */
int core_smp_curve(core_t *k, uint32_t u, uint64_t refs, vmm_mrc_t *out);
struct vmm_patent *core_smp_of(core_t *k, uint32_t u);

/* Sum of the counters of domain d's address spaces (all domains: UINT32_MAX). */
void core_sum(const core_t *k, uint32_t d, vmm_counters_t *out);

#endif
