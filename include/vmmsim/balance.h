/* Memory balancers: how the hypervisor divides host memory among VMs.
 *
 * A balancer is pure decision logic. Once per period the engine describes
 * every VM (current allocation, reservation, limit, shares, active
 * fraction, reference rate, MRC) and the host's pages available to VMs; the
 * balancer returns a target allocation per VM and a log of every decision
 * (from, to, pages, reason, expected benefit) for the report. It keeps no
 * state between periods and never touches the engine, so the same inputs
 * always give the same decisions.
 *
 * Balancers are a pluggable family (one file each in src/balance/, one
 * registry): static (configured sizes, scaled to fit), shares (VMware ESX's
 * min-funding revocation with an idle memory tax, Waldspurger, OSDI'02,
 * section 5) and mrc (the cost/benefit reallocation of US 9,223,722 FIG. 6,
 * step 612). The active-fraction estimator that feeds the idle memory tax
 * (OSDI'02 section 5.3) is at the end of this header. docs/balance.md has
 * the formulas and worked examples.
 *
 * Invariants of every result: reservation <= target <= limit for each VM,
 * and the targets sum to at most the host's pages. */
#ifndef VMMSIM_BALANCE_H
#define VMMSIM_BALANCE_H

#include <stdint.h>
#include <stddef.h>
#include "error.h"
#include "mrc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the balancer knows about one VM. Sizes are in pages. */
typedef struct vmm_balance_vm {
    uint64_t alloc;         /* current allocation */
    uint64_t size;          /* configured memory size (the static balancer's target) */
    uint64_t reservation;   /* guaranteed minimum */
    uint64_t limit;         /* maximum (UINT64_MAX: none); >= reservation */
    double shares;          /* relative importance, > 0 */
    double active;          /* active fraction f of `alloc`, in [0, 1] */
    double ref_rate;        /* page references per simulated second, >= 0 */
    const vmm_mrc_t *mrc;   /* current MRC (not owned), or NULL when none yet */
    int priority;           /* breaks ties: a higher priority gives last, gets first */
} vmm_balance_vm_t;

/* Goal of the mrc balancer. */
enum {
    VMM_BALANCE_MIN_MISSES = 0,   /* minimise sum of shares-weighted misses per second */
    VMM_BALANCE_EQUAL_RATIO = 1,  /* equalise shares-weighted miss ratios */
};

typedef struct vmm_balance_cfg {
    double tau;             /* idle memory tax in [0, 1) (shares); default 0.75 */
    int goal;               /* VMM_BALANCE_MIN_MISSES or VMM_BALANCE_EQUAL_RATIO (mrc) */
    uint64_t step;          /* pages per move, >= 1; default 256 (1 MiB of 4 KiB pages) */
    uint64_t max_move;      /* pages that may change owner per period; 0 = no cap */
    uint32_t lookahead;     /* mrc: steps looked ahead past a plateau; 0 = up to the limit; default 8 */
} vmm_balance_cfg_t;

/* Fill `cfg` with the defaults above (max_move 0). */
VMM_API void vmm_balance_cfg_default(vmm_balance_cfg_t *cfg);

/* Why pages moved. */
enum {
    VMM_BALANCE_R_BOUNDS = 0,  /* allocation outside [reservation, limit] */
    VMM_BALANCE_R_FIT,         /* host overcommitted: pages taken back to fit */
    VMM_BALANCE_R_FREE,        /* free host pages handed out */
    VMM_BALANCE_R_STATIC,      /* static target */
    VMM_BALANCE_R_SHARES,      /* shares-per-page ratio (rho) */
    VMM_BALANCE_R_MISSES,      /* fewer weighted misses (mrc, min-weighted-misses) */
    VMM_BALANCE_R_EQUALIZE,    /* closer weighted miss ratios (mrc, equal-miss-ratio) */
};

/* "bounds", "fit", ...; "?" for an unknown code. */
VMM_API const char *vmm_balance_reason_name(int reason);

#define VMM_BALANCE_FREE (-1)   /* `from`/`to` of a move: the host's free pages */

/* One decision. Consecutive moves with the same from, to and reason are
 * merged into one entry (pages and benefit add up). */
typedef struct vmm_balance_move {
    int32_t from, to;   /* VM indices, or VMM_BALANCE_FREE */
    uint64_t pages;
    int reason;         /* VMM_BALANCE_R_* */
    double benefit;     /* expected benefit, in the policy's unit (docs/balance.md):
                           shares: rho gap closed; misses: weighted misses/s saved
                           (negative for a loss forced by fit); equalize: weighted
                           miss-ratio gap closed; otherwise 0 */
} vmm_balance_move_t;

/* A decision: targets and the log, allocated by vmm_balance_run(), freed by
 * vmm_balance_result_fini() (safe on a zeroed or failed result). */
typedef struct vmm_balance_result {
    uint64_t *target;         /* one per VM */
    size_t n;                 /* VMs */
    vmm_balance_move_t *log;  /* nlog decisions, in the order taken */
    size_t nlog, cap;
    uint64_t moved;           /* pages that changed owner, bounds and fit excluded */
} vmm_balance_result_t;

VMM_API void vmm_balance_result_fini(vmm_balance_result_t *res);

/* A decision in progress, handed to a balancer's decide(). */
typedef struct vmm_balance_plan {
    const vmm_balance_cfg_t *cfg;
    const vmm_balance_vm_t *vms;
    size_t n;
    uint64_t host_pages;
    uint64_t *target;         /* = res->target, starts at each VM's alloc */
    uint64_t budget;          /* pages that may still change owner (cfg->max_move) */
    uint64_t iters;           /* moves left before giving up (a safety net) */
    vmm_balance_result_t *res;
} vmm_balance_plan_t;

typedef struct vmm_balance_ops {
    const char *name;         /* "shares" */
    const char *summary;      /* one line for --help */
    /* Set plan->target[] (it starts at the current allocations) through
     * vmm_balance_apply(). 0 or VMM_ENOMEM. */
    int (*decide)(vmm_balance_plan_t *p);
} vmm_balance_ops;

/* Look up a balancer by name (case-insensitive); NULL if unknown. */
VMM_API const vmm_balance_ops *vmm_balance_find(const char *name);
/* The registry, NULL-terminated. */
VMM_API const vmm_balance_ops *const *vmm_balance_all(void);

/* Check the configuration alone: 0 or VMM_EINVAL with the reason in err. */
VMM_API int vmm_balance_cfg_check(const vmm_balance_cfg_t *cfg, vmm_err_t *err);

/* Decide the targets of `n` VMs on a host with `host_pages` pages for VMs.
 * Checks cfg and every VM (VMM_EINVAL, err says which field of which VM),
 * including that the reservations fit the host. On success fills *res (the
 * caller frees it with vmm_balance_result_fini) and returns 0; on failure
 * returns VMM_EINVAL or VMM_ENOMEM and leaves *res zeroed. */
VMM_API int vmm_balance_run(const vmm_balance_ops *ops, const vmm_balance_cfg_t *cfg,
                            const vmm_balance_vm_t *vms, size_t n, uint64_t host_pages,
                            vmm_balance_result_t *res, vmm_err_t *err);

/* --- helpers for balancer implementations -------------------------------- */

/* Move `pages` from `from` to `to` (VM indices or VMM_BALANCE_FREE) in the
 * plan's targets and log it. The caller keeps the bounds. 0 or VMM_ENOMEM. */
VMM_API int vmm_balance_apply(vmm_balance_plan_t *p, int from, int to, uint64_t pages,
                              int reason, double benefit);
/* Clamp every target into [reservation, limit] (reason "bounds"). */
VMM_API int vmm_balance_clamp(vmm_balance_plan_t *p);
/* Sum of the targets. */
VMM_API uint64_t vmm_balance_total(const vmm_balance_plan_t *p);
/* Tie-break for "who gives first": nonzero if VM a should give before VM b
 * when their scores tie (lower priority first, then the higher index). */
VMM_API int vmm_balance_gives_before(const vmm_balance_plan_t *p, size_t a, size_t b);

/* --- active-fraction estimation (ESX, OSDI'02 section 5.3) ---------------- */

/* Each period the hypervisor samples n random pages of a VM, counts the
 * touched ones t, and f = t/n. Estimates are smoothed with two
 * exponentially weighted moving averages, a fast and a slow one; the
 * estimate is the largest of the slow average, the fast average, and the
 * fast average updated with the current period's partial count, so it rises
 * within a period and decays at the slow average's pace. All functions are
 * pure: the state is a value. */
typedef struct vmm_active_cfg {
    uint32_t samples;     /* pages sampled per period; default 100 */
    double fast_gain;     /* weight of a new sample in the fast average; default 0.5 */
    double slow_gain;     /* same for the slow average; default 0.125 */
} vmm_active_cfg_t;

typedef struct vmm_active {
    double fast, slow;    /* the two moving averages of f */
    uint64_t periods;     /* completed periods */
} vmm_active_t;

VMM_API void vmm_active_cfg_default(vmm_active_cfg_t *cfg);
/* 0, or VMM_EINVAL (gains outside (0, 1], samples 0, slow_gain > fast_gain). */
VMM_API int vmm_active_cfg_check(const vmm_active_cfg_t *cfg, vmm_err_t *err);
/* The state before any sample: both averages at f0 (1.0 is the safe guess:
 * a VM just started is not taxed before it has been measured). */
VMM_API vmm_active_t vmm_active_start(double f0);
/* End of a period in which `touched` of `sampled` pages were touched. */
VMM_API vmm_active_t vmm_active_update(vmm_active_t s, const vmm_active_cfg_t *cfg,
                                       uint32_t touched, uint32_t sampled);
/* The estimate of f now, `touched` of `sampled` pages touched so far in the
 * current period (0, 0 at a period boundary). */
VMM_API double vmm_active_estimate(vmm_active_t s, const vmm_active_cfg_t *cfg,
                                   uint32_t touched, uint32_t sampled);
/* Choose min(k, npages) distinct pages uniformly from [0, npages) for period
 * `period` of a VM whose stream is `seed` (Floyd's algorithm; the same
 * arguments give the same pages). Writes them to out[] in ascending order
 * and returns how many. */
VMM_API uint32_t vmm_active_pick(uint64_t seed, uint64_t period, uint64_t npages, uint32_t k,
                                 uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif
