/* Hypervisor internals shared by the files of src/host/ (not part of the
 * API). The data path of one reference is in memory.c, the 2D walk in
 * walk.c, the per-period work (samplers, balancer, reclaim) in period.c,
 * the vCPU scheduling loop and the results in host.c. docs/host.md has the
 * model these files implement. */
#ifndef VMM_HOST_INT_H
#define VMM_HOST_INT_H

#include "vmmsim/vmmsim.h"
#include "vmmsim/host.h"
#include "util/dlist.h"
#include "util/hashmap.h"
#include "util/rng.h"

struct vmm_patent;

#define HOST_TIER_NONE 255u      /* page contents are nowhere below DRAM */
#define HOST_PWC_MAX 4           /* upper guest levels with a page-walk cache (radix4: 3) */
#define HOST_MAX_PCPUS VMM_SCHED_MAX_PCPUS

/* Costs of the samplers' traps (the engine's defaults, docs/latency.md). */
#define HOST_TRAP_NS 2000.0      /* a sampled page's access faults into the VMM */
#define HOST_RETRACE_NS 500.0    /* unmapping a page again + TLB invalidation */

enum {
    HP_SAMPLED = 1,      /* in the patent MRC sampler's sample */
    HP_TRACED = 2,       /* patent trace installed: the next walk traps */
    HP_ACT_SAMPLED = 4,  /* in this period's ESX active-page sample */
    HP_ACT_TOUCHED = 8,  /* ... and touched since it was picked (unmapped again) */
};

/* A guest page, by global page id (dense over all VMs, in order of first
 * touch). Guest page tables map (address space, vpn) to this id, the
 * VM's nested table maps its guest-physical page number `gpn` to it. */
typedef struct host_page {
    uint64_t vpn;        /* guest-virtual page number in address space `as` */
    uint32_t frame;      /* machine frame, VMM_NOFRAME when not in DRAM */
    uint32_t gpn;        /* guest-physical page number in its VM */
    uint32_t as;         /* global address-space index (the TLB tag) */
    uint16_t vm;
    uint8_t flags;       /* HP_* */
    uint8_t tier;        /* VMM_TIER_* holding the contents, or HOST_TIER_NONE */
    uint8_t node;        /* NUMA node of `frame` */
    uint8_t remote;      /* walks in a row from one remote node (migration) */
    uint8_t remote_node; /* that node */
    uint8_t pad;
} host_page_t;          /* 32 bytes: two to a cache line */

/* A guest address space (a pid of a VM's trace). */
typedef struct host_as {
    uint32_t vm;
    void *gpt;           /* guest page table: vpn -> global page id */
} host_as_t;

/* A virtual CPU: a sequence of reference sources played in order. */
typedef struct host_vcpu {
    uint32_t vm;
    uint32_t next_src;   /* index into the VM's sources of the next one to open */
    vmm_source_t src;
    int open, done;
    uint64_t src_records; /* records read from the open source */
    vmm_ref_t *buf;      /* references read ahead */
    size_t pos, len;
    uint64_t npg, pg;    /* pages of buf[pos] and the next one to do */
    uint32_t last_asid, last_as; /* cache of the asid -> as lookup */
    uint32_t cur_as;     /* address space it ran last (shadow: CR3 writes trap) */
    double t;            /* simulated clock while it runs */
    uint32_t node;       /* NUMA node of the pCPU it last ran on */
    uint32_t ws[VMM_SCN_MAX_NODES]; /* sampled pages it touched this period, per node */
    double run_ns;
} host_vcpu_t;

/* One VM. */
typedef struct host_vm {
    const vmm_vm_spec_t *spec;
    vmm_policy_t pol;
    void *npt;           /* nested table: gpn -> global page id */
    uint32_t npages;     /* guest-physical pages touched (next gpn) */
    uint64_t alloc;      /* machine frames it may hold */
    uint64_t resident;
    uint32_t *res_list;  /* resident frames in any order (host swapping picks at random) */
    uint32_t vcpu0;      /* its first vCPU; it has spec->vcpus of them */
    vmm_vm_result_t r;   /* counters, filled as it runs */
    /* samplers */
    struct vmm_patent *smp; /* patent MRC sampler, or NULL */
    double smp_due;      /* next re-trace time */
    vmm_mrc_builder_t mrcb;  /* an MRC builder fed every reference (st NULL: none) */
    vmm_active_t act;
    uint32_t act_touched, act_n;
    uint64_t *act_pick;  /* this period's sample: page ids, VMM_NOFRAME for an unused slot */
    uint64_t refs0, faults0; /* r.refs and r.faults when the period began */
} host_vm_t;

/* One pCPU: its TLB levels and page-walk caches. */
typedef struct host_pcpu {
    vmm_tlb_t tlb[VMM_SCN_MAX_TLB];
    vmm_tlb_t pwc[HOST_PWC_MAX];  /* pwc[k]: entries covering 2^(9(k+1)) pages */
    uint32_t node;
    double clock;
    uint32_t running;    /* vCPU or VMM_NONE */
    double slice_end, slice_start;
} host_pcpu_t;

typedef struct host {
    const vmm_scenario_t *sc;
    const vmm_host_spec_t *hs;
    unsigned shift;
    const vmm_pt_ops *gpt_ops, *npt_ops;
    int shadow;
    unsigned glevels;    /* radix levels of the guest table (PWC); 0 = no PWC */
    unsigned nlevels;    /* radix levels of the nested table: the cost of every nested
                            walk, no lookup needed; 0 = look each one up */
    uint32_t ntlb;

    /* machine frames, split evenly among NUMA nodes */
    uint32_t nframes, nnodes, frames_per_node;
    uint32_t *frame_page;  /* global page id, VMM_NOFRAME if free */
    uint32_t *res_pos;     /* per frame: index in its VM's res_list */
    uint8_t *frame_dirty;  /* lent to the policies (write-backs are not charged here) */
    uint64_t cleaned;      /* ditto */
    uint32_t **node_free;  /* per node: stack of free frames */
    uint32_t *node_nfree;

    /* pages */
    host_page_t *pages;
    size_t page_cap;
    uint32_t npages;

    /* tiers below DRAM */
    uint64_t tier_cap[VMM_TIERS];   /* pages; UINT64_MAX = unlimited, 0 = absent */
    uint64_t tier_used[VMM_TIERS];
    double tier_ns[VMM_TIERS];
    int swap_tier;                   /* VMM_TIER_SSD, _DISK or -1 (none) */
    vmm_dlist_t cq;                  /* compressed tier, newest at the head */
    uint32_t *cq_prev, *cq_next;     /* its links per page id (only with the tier) */

    /* address spaces */
    host_as_t *as;
    size_t as_cap;
    uint32_t nas;
    vmm_hashmap_t as_map;            /* (vm << 32 | asid) -> index */

    host_vm_t *vms;
    uint32_t nvms;
    host_vcpu_t *vcpus;
    uint32_t nvcpus;
    host_pcpu_t *pcpus;
    uint32_t npcpus;
    vmm_sched_t *sched;

    /* periods */
    const vmm_balance_ops *bal;
    vmm_balance_cfg_t bcfg;
    vmm_active_cfg_t acfg;
    double next_period;
    uint64_t period;
    uint64_t smp_salt;
    vmm_rng_t rng;

    vmm_host_result_t *res;
    size_t alloc_cap, log_cap;
    const vmm_host_opts_t *opts;
} host_t;

static inline uint32_t host_node_of(const host_t *h, uint32_t frame)
{
    uint32_t n = frame / h->frames_per_node;
    return n < h->nnodes ? n : h->nnodes - 1;
}

/* memory.c */
int host_access_page(host_t *h, host_vcpu_t *v, host_pcpu_t *p, uint32_t as, uint64_t vpn,
                     unsigned op);
int host_reclaim(host_t *h, uint32_t vm, uint64_t pages, int balloon);
void host_shootdown(host_t *h, const host_page_t *pg);
int host_as_index(host_t *h, host_vcpu_t *v, uint32_t asid, uint32_t *idx);
int host_frames_init(host_t *h);
int host_grow_pages(host_t *h, size_t need);

/* walk.c: memory references of the walk that translated (as, vpn) on p,
 * `grefs` being the guest table's own walk; fills the guest/nested split. */
unsigned host_walk_refs(host_t *h, host_pcpu_t *p, host_vm_t *vm, uint32_t as, uint64_t vpn,
                        unsigned grefs, unsigned nrefs);

/* period.c */
int host_period(host_t *h, double now, vmm_err_t *err);
int host_period_start(host_t *h, vmm_err_t *err);
double host_smp_tick(host_t *h, host_vm_t *vm, double now);
int host_smp_walk(host_t *h, host_vcpu_t *v, host_page_t *pg, uint32_t pid, double now,
                  double *t);
int host_smp_select(host_t *h, host_vm_t *vm, uint32_t pid);
int host_final_mrc(host_vm_t *vm);

#endif
