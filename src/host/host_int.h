/* Hypervisor internals shared by the files of src/host/ (not part of the
 * API). The per-reference data path is the core's (src/core: a domain per
 * VM, a CPU per pCPU, nested or shadow walks); this module adds the VMs,
 * their vCPUs and the scheduling loop (host.c) and the per-period work:
 * active sampling, the balancer, reclaim (period.c). docs/host.md has the
 * model these files implement. */
#ifndef VMM_HOST_INT_H
#define VMM_HOST_INT_H

#include "vmmsim/vmmsim.h"
#include "vmmsim/host.h"
#include "core/core.h"
#include "core/nextuse.h"
#include "util/rng.h"
#include "util/hashmap.h"

#define HOST_MAX_PCPUS VMM_SCHED_MAX_PCPUS

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
    int future;          /* its VM's policy needs next uses (OPT) */
    vmm_nextuse_t nu;    /* ... of each page reference of its stream (core/nextuse.h) */
    size_t nu_pos;
} host_vcpu_t;

/* One VM: domain `index` of the core. */
typedef struct host_vm {
    const vmm_vm_spec_t *spec;
    uint64_t alloc;      /* machine frames it may hold (its domain's quota) */
    uint32_t vcpu0;      /* its first vCPU; it has spec->vcpus of them */
    vmm_vm_result_t r;   /* filled at the end (counters: the core's, summed) */
    vmm_mrc_builder_t mrcb;  /* an MRC builder fed every reference (st NULL: none) */
    vmm_active_t act;
    uint32_t act_n;
    uint64_t *act_pick;  /* this period's sample: page ids, VMM_NOFRAME for an unused slot */
    uint64_t refs0, faults0; /* references and faults when the period began */
} host_vm_t;

/* One pCPU: core CPU of the same index (TLBs, page-walk caches, node). */
typedef struct host_pcpu {
    uint32_t node;
    double clock;
    uint32_t running;    /* vCPU or VMM_NONE */
    double slice_end, slice_start;
} host_pcpu_t;

typedef struct host {
    const vmm_scenario_t *sc;
    const vmm_host_spec_t *hs;
    unsigned shift;
    int shadow;
    core_t k;
    int k_ready;
    uint32_t nframes, nnodes;

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
    vmm_rng_t rng;

    vmm_host_result_t *res;
    size_t alloc_cap, log_cap;
    const vmm_host_opts_t *opts;
} host_t;

/* period.c */
int host_period(host_t *h, double now, vmm_err_t *err);
int host_period_start(host_t *h, vmm_err_t *err);
int host_final_mrc(host_t *h, uint32_t vm);

#endif
