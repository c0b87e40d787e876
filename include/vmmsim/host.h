/* The hypervisor: several VMs sharing one host's memory and CPUs.
 *
 * vmm_host_run() simulates a scenario (scenario.h) end to end. pCPUs run
 * vCPUs in time slices chosen by a scheduler (sched.h); each vCPU's trace
 * advances by the simulated time its references cost, so a VM slowed by
 * faults falls behind. Every reference goes through a TLB tagged by VM and
 * address space, a two-dimensional walk (guest table, then the nested
 * EPT/NPT table for every guest level and for the result, with optional
 * page-walk caches) or a shadow table, and the VM's memory: machine frames
 * up to the VM's allocation, replaced by the VM's policy, with tiers below
 * DRAM (compressed memory, then the SSD or disk swap device). Once per
 * period a balancer (balance.h) moves memory between VMs; shrinking a VM
 * inflates its balloon (the guest's policy gives up pages) or, with
 * host.reclaim = swap, lets the host swap random pages out. NUMA nodes
 * split memory and pCPUs; references are counted local or remote.
 * docs/host.md describes the model; docs/scenario.md every key.
 *
 *   vmm_host_result_t res;
 *   if (vmm_host_run(sc, NULL, &res, &err) == 0) {
 *       ... res.vms[i].major_faults, res.alloc[], res.log[] ...
 *       vmm_host_result_fini(&res);
 *   }
 */
#ifndef VMMSIM_HOST_H
#define VMMSIM_HOST_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include "error.h"
#include "vmmsim.h"   /* vmm_counters_t, VMM_TIERS */
#include "scenario.h"
#include "balance.h"
#include "mrc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "compressed", "ssd", "disk", "swap" (VMM_TIER_* in vmmsim.h). */
VMM_API const char *vmm_tier_name(int tier);

typedef struct vmm_host_opts {
    int alone;              /* also run each VM alone with all its memory (slowdown); default 1 */
    uint64_t limit;         /* stop each source after this many records; 0 = all */
    /* Progress, or NULL (default): called from the main loop once per
     * period with the simulated time reached and the page references
     * simulated so far (all VMs); the runs of each VM alone start again
     * from time 0. The length of a run is not known in simulated time; the
     * records of the scenario's sources are (vmm_gen_length, the files'
     * sizes against vmm_trace_bytes_read). */
    void (*progress)(void *arg, double sim_ns, uint64_t refs);
    void *progress_arg;
} vmm_host_opts_t;

VMM_API void vmm_host_opts_default(vmm_host_opts_t *o);

/* What one VM did. Page counts are in pages of host.page_size. */
typedef struct vmm_vm_result {
    const char *name;               /* the scenario's VM name (not owned) */
    uint32_t vcpus;
    vmm_counters_t c;               /* its address spaces' counters summed
                                       (time_ns: the references' own cost) */
    uint64_t vcpu_migrations;       /* NUMA: vCPUs moved to the node of their working set */
    double run_ns;                  /* simulated CPU time of its vCPUs */
    double wait_ns;                 /* runnable but waiting for a pCPU */
    double finish_ns;               /* when its last vCPU finished */
    double amt_ns;                  /* run_ns / refs */
    double alone_run_ns;            /* run_ns alone with all its memory; 0 = not measured */
    double slowdown;                /* run_ns / alone_run_ns; 0 = not measured */
    uint64_t alone_major_faults;    /* major faults alone with all its memory */
    uint64_t alloc, resident;       /* pages at the end */
    uint64_t min_alloc, max_alloc;  /* over the run */
    uint64_t reservation, limit, memory; /* pages, from the scenario */
    double shares;                  /* effective shares */
    double active;                  /* last active-fraction estimate */
    vmm_mrc_t mrc;                  /* final MRC (npoints 0 when vm.mrc = none) */
    uint64_t recommended;           /* pages for the target miss ratio; 0 = unknown */
    double target_miss_ratio;
} vmm_vm_result_t;

/* One point of the allocation time series: VM `vm` at the end of a period. */
typedef struct vmm_alloc_sample {
    double t_ns;
    uint32_t vm;
    uint64_t alloc, resident;
    double active;                  /* active-fraction estimate then */
    double miss_ratio;              /* misses / references in the period just ended */
} vmm_alloc_sample_t;

/* One balancer decision (merged moves, as balance.h logs them). */
typedef struct vmm_host_decision {
    double t_ns;
    uint64_t period;
    vmm_balance_move_t move;        /* from/to are VM indices or VMM_BALANCE_FREE */
} vmm_host_decision_t;

typedef struct vmm_host_result {
    uint32_t nvms;
    vmm_vm_result_t *vms;
    vmm_alloc_sample_t *alloc;      /* nalloc samples, time order, VM order within a time */
    size_t nalloc;
    vmm_host_decision_t *log;       /* nlog decisions */
    size_t nlog;
    uint64_t host_pages;            /* machine frames */
    uint64_t periods;               /* balancer periods run */
    uint64_t refs, faults, major_faults;
    double weighted_faults;         /* sum of major faults x shares / mean shares */
    double amt_ns;                  /* all VMs' run time / all references */
    double end_ns;                  /* simulated time when the last vCPU finished */
    const char *balancer, *scheduler, *nested; /* names in effect (static) */
} vmm_host_result_t;

/* Simulate the scenario. `opts` may be NULL for the defaults. Opens every
 * VM's sources (trace files relative to the scenario, generators). On
 * success fills *res and returns 0; free it with vmm_host_result_fini().
 * On failure returns a VMM_E* code with err naming the file and line of the
 * trace, or the scenario line of the setting that cannot be used (e.g. a
 * policy that cannot change size), and leaves *res zeroed. */
VMM_API int vmm_host_run(const vmm_scenario_t *sc, const vmm_host_opts_t *opts,
                         vmm_host_result_t *res, vmm_err_t *err);

VMM_API void vmm_host_result_fini(vmm_host_result_t *res);

/* Reports (src/report/host_report.c). Each returns 0, VMM_EIO or VMM_ENOMEM. */
VMM_API int vmm_host_report_text(FILE *f, const vmm_scenario_t *sc, const vmm_host_result_t *r);
VMM_API int vmm_host_report_json(FILE *f, const vmm_scenario_t *sc, const vmm_host_result_t *r);
/* Allocation over time: t_ms,vm,alloc_pages,resident_pages,active,miss_ratio */
VMM_API int vmm_host_alloc_csv(FILE *f, const vmm_host_result_t *r);
/* Balancer log: t_ms,period,from,to,pages,reason,benefit */
VMM_API int vmm_host_log_csv(FILE *f, const vmm_host_result_t *r);

#ifdef __cplusplus
}
#endif

#endif
