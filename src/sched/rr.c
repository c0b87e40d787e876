/* Round robin with a fixed quantum (cfg slice_ns, default 30 ms, the same as
 * Xen credit's time slice so the two schedulers compare on equal slices).
 *
 * One global FIFO queue: a pCPU takes the vCPU that has waited in the queue
 * longest (smallest seq, then smallest index) among those it may run
 * (runnable, not running elsewhere, affinity allows it). A vCPU goes to the
 * back when its slice ends, early or not, and when it becomes runnable.
 * Weights and caps are ignored. A single queue rather than one per pCPU
 * means no pCPU idles while a vCPU it may run waits (work conservation),
 * which per-pCPU queues reach only through balancing. O(V) per decision;
 * decisions happen per slice, not per reference. */
#include "vmmsim/sched.h"
#include <math.h>

typedef struct rr {
    const vmm_sched_vcpu_t *vc;
    uint32_t n;
    double quantum;
} rr_t;

static int rr_init(void *st, const vmm_sched_cfg_t *cfg, const vmm_sched_vcpu_t *vc,
                   uint32_t nvcpus, uint32_t npcpus, vmm_err_t *err)
{
    (void)npcpus;
    (void)err;
    rr_t *r = st;
    r->vc = vc;
    r->n = nvcpus;
    r->quantum = cfg->slice_ns;
    return 0;
}

static void rr_fini(void *st) { (void)st; }

static uint32_t rr_pick(void *st, uint32_t p, double now, double *slice)
{
    (void)now;
    rr_t *r = st;
    uint32_t best = VMM_NONE;
    for (uint32_t v = 0; v < r->n; v++)
        if (vmm_sched_eligible(&r->vc[v], p) &&
            (best == VMM_NONE || r->vc[v].seq < r->vc[best].seq))
            best = v;
    *slice = best == VMM_NONE ? INFINITY : r->quantum;
    return best;
}

const vmm_sched_ops vmm_sched_rr = {
    .name = "rr",
    .summary = "round robin, one FIFO queue, fixed quantum (slice, 30 ms)",
    .state_size = sizeof(rr_t),
    .init = rr_init,
    .fini = rr_fini,
    .pick = rr_pick,
};
