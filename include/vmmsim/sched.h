/* Host CPU schedulers: which vCPU runs on which pCPU, and for how long.
 *
 * A scheduler is decision logic driven by simulated time, independent of the
 * engine. There are P pCPUs and V vCPUs; each vCPU belongs to a VM and has a
 * weight, a cap, an affinity mask and a runnable flag (a vCPU whose trace is
 * finished is not runnable). The engine drives it like this:
 *
 *   for the pCPU whose clock is earliest (ties: lowest index):
 *       vmm_sched_pick(s, p, now, &v, &slice);
 *       if v == VMM_NONE: idle until now + slice (INFINITY: until a vCPU
 *           becomes runnable or another pCPU's vCPU is accounted);
 *       else run v's trace for up to `slice` ns of simulated time, stopping
 *           early if it must (trace finished, bandwidth quota hit...), then
 *           vmm_sched_account(s, v, ran, now + ran);
 *   vmm_sched_set_runnable() whenever a vCPU's trace finishes or resumes.
 *
 * Times are simulated nanoseconds (double) and must not go backwards from one
 * call to the next (a smaller `now` is treated as the latest one seen).
 *
 * The generic layer (src/sched/registry.c) owns the per-vCPU bookkeeping
 * every scheduler needs: which pCPU a vCPU runs on, its queue order, its
 * statistics. A scheduler (one file per scheduler, one line in the registry)
 * only decides order and slice length, reading that bookkeeping through the
 * vmm_sched_vcpu_t array it is given at init. */
#ifndef VMMSIM_SCHED_H
#define VMMSIM_SCHED_H

#include <stdint.h>
#include <stddef.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef VMM_NONE
#define VMM_NONE UINT32_MAX          /* no vCPU / no pCPU */
#endif

#define VMM_SCHED_MAX_PCPUS 64       /* affinity is a 64-bit mask */
#define VMM_SCHED_WEIGHT_DEFAULT 256 /* Xen credit default; valid 1..65535 */
#define VMM_SCHED_WEIGHT_MAX 65535
#define VMM_SCHED_SLICE_NS 30e6      /* Xen's 30 ms time slice; also the RR quantum */
#define VMM_SCHED_PERIOD_NS 30e6     /* Xen's 30 ms accounting period */
#define VMM_SCHED_TICK_NS 10e6       /* Xen's 10 ms tick */

/* One vCPU as the caller describes it. */
typedef struct vmm_vcpu_desc {
    uint32_t vm;        /* owning VM (informational; ties are broken by vCPU index) */
    uint32_t weight;    /* credit: relative share, 1..65535; 0 means 256 */
    uint32_t cap;       /* credit: at most cap% of one pCPU, 0..100; 0 = no cap */
    uint64_t affinity;  /* bit p set: may run on pCPU p; 0 = any pCPU */
    int runnable;       /* nonzero when it has work at time 0 */
} vmm_vcpu_desc_t;

/* Tuning; a zeroed struct (or NULL) means every default. */
typedef struct vmm_sched_cfg {
    double slice_ns;    /* RR quantum / credit time slice; 0 = 30 ms */
    double period_ns;   /* credit accounting (refill) period; 0 = 30 ms */
    double tick_ns;     /* credit tick: a capped vCPU is stopped on a tick; 0 = 10 ms */
} vmm_sched_cfg_t;

/* Per-vCPU statistics, kept by the generic layer. */
typedef struct vmm_sched_stats {
    double run_ns;      /* sum of `ran` passed to vmm_sched_account */
    double wait_ns;     /* runnable but not running (includes time parked by a cap) */
    uint64_t slices;    /* times it was picked */
} vmm_sched_stats_t;

/* Generic per-vCPU state, owned by the generic layer; schedulers read it. */
typedef struct vmm_sched_vcpu {
    vmm_vcpu_desc_t d;     /* as given, weight defaulted, affinity masked to P pCPUs */
    int runnable;          /* current runnable flag */
    uint32_t running_on;   /* pCPU it runs on, or VMM_NONE */
    uint64_t seq;          /* queue order: set when it (re)joins the queue */
    double run_start;      /* `now` of the pick that started the current slice */
    double ready_since;    /* when it last became runnable and not running */
    vmm_sched_stats_t st;
} vmm_sched_vcpu_t;

/* True when vCPU `v` may be picked on pCPU `p` as far as the generic state
 * goes (a scheduler may add conditions, e.g. credit's parking). */
static inline int vmm_sched_eligible(const vmm_sched_vcpu_t *v, uint32_t p)
{
    return v->runnable && v->running_on == VMM_NONE && ((v->d.affinity >> p) & 1u);
}

typedef struct vmm_sched_ops {
    const char *name;       /* "credit" */
    const char *summary;    /* one line for --help */
    size_t state_size;      /* the generic layer allocates it zeroed */
    /* Set up. `cfg` has every default filled in; `vc` (nvcpus entries) stays
     * valid and is updated by the generic layer until fini. Returns 0,
     * VMM_EINVAL (message in err) or VMM_ENOMEM. */
    int (*init)(void *st, const vmm_sched_cfg_t *cfg, const vmm_sched_vcpu_t *vc,
                uint32_t nvcpus, uint32_t npcpus, vmm_err_t *err);
    void (*fini)(void *st);
    /* Choose a vCPU for pCPU `p` among those vmm_sched_eligible() on it, and
     * its slice; or return VMM_NONE and set *slice to how long the pCPU
     * should idle before asking again (INFINITY: until something changes). */
    uint32_t (*pick)(void *st, uint32_t p, double now, double *slice);
    /* vCPU `v` ran `ran` ns of its slice and stops at `now`; called while
     * vc[v] still shows it running (run_start is the slice's start), before
     * the generic layer requeues it. Optional. */
    void (*charge)(void *st, uint32_t v, double ran, double now);
    /* vCPU `v`'s runnable flag is about to flip at `now` (vc[v] still shows
     * the old value), so time-driven state can first catch up to `now`.
     * Optional. */
    void (*runnable)(void *st, uint32_t v, double now);
} vmm_sched_ops;

/* Look up a scheduler by name (case-insensitive); NULL if unknown. */
VMM_API const vmm_sched_ops *vmm_sched_find(const char *name);

/* The registry, NULL-terminated, in the order --help lists it. */
VMM_API const vmm_sched_ops *const *vmm_sched_all(void);

typedef struct vmm_sched vmm_sched_t;

/* Create a scheduler of kind `ops` for `npcpus` pCPUs (1..64) and the
 * `nvcpus` (>= 1) vCPUs described by `vcpus` (copied; the caller keeps
 * ownership). `cfg` may be NULL for every default. On success returns 0 and
 * stores a scheduler in *out, to be freed with vmm_sched_destroy(). On
 * failure *out is NULL and the return is VMM_EINVAL (bad argument; err says
 * which) or VMM_ENOMEM. */
VMM_API int vmm_sched_create(const vmm_sched_ops *ops, const vmm_sched_cfg_t *cfg,
                             const vmm_vcpu_desc_t *vcpus, uint32_t nvcpus, uint32_t npcpus,
                             vmm_sched_t **out, vmm_err_t *err);

/* Free a scheduler; NULL is a no-op. */
VMM_API void vmm_sched_destroy(vmm_sched_t *s);

/* Decide what pCPU `pcpu` runs from time `now`. Stores the vCPU in
 * *vcpu_out and its slice (> 0 ns) in *slice_ns_out; the vCPU is then
 * running until vmm_sched_account(). When nothing may run there, stores
 * VMM_NONE and how long to idle before asking again (INFINITY when only a
 * set_runnable or an account can change the answer). Returns 0, or
 * VMM_EINVAL if pcpu is out of range or still has a vCPU not accounted. */
VMM_API int vmm_sched_pick(vmm_sched_t *s, uint32_t pcpu, double now_ns, uint32_t *vcpu_out,
                           double *slice_ns_out);

/* The running vCPU `vcpu` ran `ran_ns` (it may have stopped before its slice
 * ended) and its pCPU is free again at `now_ns`. Ignored if vcpu is out of
 * range or not running. */
VMM_API void vmm_sched_account(vmm_sched_t *s, uint32_t vcpu, double ran_ns, double now_ns);

/* Mark `vcpu` runnable or not at `now_ns`. A running vCPU keeps running
 * until it is accounted. A vCPU becoming runnable joins the back of the
 * queue. Ignored if vcpu is out of range or the flag does not change. */
VMM_API void vmm_sched_set_runnable(vmm_sched_t *s, uint32_t vcpu, int runnable, double now_ns);

/* Copy vCPU `vcpu`'s statistics to *out, with waiting time counted up to
 * `now_ns`. Returns 0 or VMM_EINVAL if vcpu is out of range. */
VMM_API int vmm_sched_stats(const vmm_sched_t *s, uint32_t vcpu, double now_ns,
                            vmm_sched_stats_t *out);

/* The pCPU running `vcpu`, or VMM_NONE (also for an out-of-range vcpu). */
VMM_API uint32_t vmm_sched_running_on(const vmm_sched_t *s, uint32_t vcpu);

/* Move `vcpu` to the pCPUs of `affinity` (NUMA vCPU migration). A running
 * vCPU finishes its slice where it is; its next pick obeys the new mask.
 * Returns 0, or VMM_EINVAL if vcpu is out of range or the mask names none
 * of the pCPUs. */
VMM_API int vmm_sched_set_affinity(vmm_sched_t *s, uint32_t vcpu, uint64_t affinity);

/* The scheduler's ops. */
VMM_API const vmm_sched_ops *vmm_sched_get_ops(const vmm_sched_t *s);

#ifdef __cplusplus
}
#endif

#endif
