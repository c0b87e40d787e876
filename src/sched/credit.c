/* Xen's credit scheduler (credit1, xen/common/sched/credit.c; Cherkasova,
 * Gupta & Vahdat, "Comparison of the three CPU schedulers in Xen", SIGMETRICS
 * PER 2007), with Xen's defaults: weight 256 (1..65535), cap in % of one
 * pCPU (0 = none), 30 ms time slice, 30 ms accounting period, 10 ms ticks.
 *
 * Credit is kept in nanoseconds of pCPU time (Xen counts 100 credits per
 * 10 ms tick; the unit changes nothing). The algorithm:
 *
 * - Debit: a running vCPU pays exactly the time it ran (Xen's burn_credits()
 *   also debits by elapsed time). A vCPU still running at an accounting
 *   boundary pays up to the boundary there, so the refill sees its credit as
 *   Xen's accounting does; the rest is paid when it is accounted.
 * - Refill, every period_ns of simulated time (boundaries k * period): the
 *   period's capacity, P * period, is shared among the runnable vCPUs in
 *   proportion to weight; a capped vCPU gets at most cap% of one period.
 *   Credit is then bounded to [-slice, +slice] (Xen bounds below at minus
 *   one slice's credit, and halves and stops refilling above one slice).
 * - Priority: UNDER when credit >= 0, OVER when negative. A pCPU runs the
 *   UNDER vCPU that has queued longest, else the OVER one that has (FIFO
 *   within a priority, ties by index); OVER vCPUs still run when nothing
 *   UNDER waits, so uncapped vCPUs keep the machine busy.
 * - Cap: a capped vCPU with negative credit is parked (not eligible) until
 *   a refill brings its credit back to >= 0. Its slice ends at the first
 *   tick at which its credit is used up (at least one tick), the way Xen's
 *   tick notices the overrun; the overshoot is repaid from the next refill,
 *   so over time it gets exactly its cap.
 *
 * Simplified (documented in docs/sched.md): one global run queue instead of
 * per-pCPU queues with work stealing (which it approximates when stealing
 * always succeeds); no BOOST priority on wake-up and no preemption, so a
 * waking vCPU waits for the next slice end; weight and cap are per vCPU
 * (Xen's are per domain: the engine passes the VM's weight to each vCPU,
 * which is what Xen's split among active vCPUs gives, and divides a VM cap
 * among its vCPUs); credit withheld by a cap is not handed to others, but
 * the time is, as OVER time. Refills run lazily at the first call at or past
 * a boundary; O(V) per refill and per decision. */
#include "vmmsim/sched.h"
#include "util/alloc.h"
#include <math.h>

typedef struct credit {
    const vmm_sched_vcpu_t *vc;
    uint32_t n, np;
    double slice, period, tick;
    double next_refill;    /* time of the next accounting boundary */
    double *credit;        /* per vCPU, ns of pCPU time */
    double *burned;        /* per vCPU: debited at boundaries during this slice */
} credit_t;

static int credit_parked(const credit_t *c, uint32_t v)
{
    return c->vc[v].d.cap && c->credit[v] < 0;
}

/* Debit running vCPUs up to boundary b, then hand out the period's credit. */
static void credit_refill(credit_t *c, double b)
{
    double wsum = 0;
    for (uint32_t v = 0; v < c->n; v++) {
        const vmm_sched_vcpu_t *x = &c->vc[v];
        if (x->running_on != VMM_NONE) {
            double d = (b - x->run_start) - c->burned[v];
            if (d > 0) {
                c->credit[v] -= d;
                c->burned[v] += d;
            }
        }
        if (x->runnable)
            wsum += x->d.weight;
    }
    if (wsum == 0)
        return;
    double total = c->np * c->period;
    for (uint32_t v = 0; v < c->n; v++) {
        const vmm_sched_vcpu_t *x = &c->vc[v];
        if (!x->runnable)
            continue;
        double fair = total * x->d.weight / wsum;
        if (x->d.cap) {
            double capped = c->period * x->d.cap / 100.0;
            if (capped < fair)
                fair = capped;
        }
        double cr = c->credit[v] + fair;
        if (cr > c->slice)
            cr = c->slice;
        if (cr < -c->slice)
            cr = -c->slice;
        c->credit[v] = cr;
    }
}

static void credit_advance(credit_t *c, double now)
{
    while (now >= c->next_refill) {
        credit_refill(c, c->next_refill);
        c->next_refill += c->period;
    }
}

static int credit_init(void *st, const vmm_sched_cfg_t *cfg, const vmm_sched_vcpu_t *vc,
                       uint32_t nvcpus, uint32_t npcpus, vmm_err_t *err)
{
    (void)err;
    credit_t *c = st;
    c->vc = vc;
    c->n = nvcpus;
    c->np = npcpus;
    c->slice = cfg->slice_ns;
    c->period = cfg->period_ns;
    c->tick = cfg->tick_ns;
    c->next_refill = cfg->period_ns;
    /* Every vCPU starts at zero credit, UNDER, as a new Xen vCPU does. */
    c->credit = vmm_calloc(nvcpus, sizeof *c->credit);
    c->burned = vmm_calloc(nvcpus, sizeof *c->burned);
    if (!c->credit || !c->burned) {
        vmm_free(c->credit);
        vmm_free(c->burned);
        return VMM_ENOMEM;
    }
    return 0;
}

static void credit_fini(void *st)
{
    credit_t *c = st;
    vmm_free(c->credit);
    vmm_free(c->burned);
}

static uint32_t credit_pick(void *st, uint32_t p, double now, double *slice)
{
    credit_t *c = st;
    credit_advance(c, now);
    uint32_t best = VMM_NONE;
    int best_over = 0, parked = 0;
    for (uint32_t v = 0; v < c->n; v++) {
        if (!vmm_sched_eligible(&c->vc[v], p))
            continue;
        if (credit_parked(c, v)) {
            parked = 1;
            continue;
        }
        int over = c->credit[v] < 0;
        /* seq is unique, so (priority, seq) is a total, deterministic order. */
        if (best == VMM_NONE || over < best_over ||
            (over == best_over && c->vc[v].seq < c->vc[best].seq)) {
            best = v;
            best_over = over;
        }
    }
    if (best == VMM_NONE) {
        /* A parked vCPU may be refilled at the next boundary; otherwise only
         * a set_runnable or an account elsewhere changes the answer. */
        *slice = parked ? c->next_refill - now : INFINITY;
        return VMM_NONE;
    }
    double s = c->slice;
    if (c->vc[best].d.cap) {
        double ticks = ceil(c->credit[best] / c->tick);
        double until = (ticks < 1 ? 1 : ticks) * c->tick;
        if (until < s)
            s = until;
    }
    c->burned[best] = 0;
    *slice = s;
    return best;
}

static void credit_charge(void *st, uint32_t v, double ran, double now)
{
    credit_t *c = st;
    credit_advance(c, now);
    /* Boundaries inside the slice debited up to themselves; if the vCPU
     * stopped before one, this gives the difference back. */
    c->credit[v] -= ran - c->burned[v];
    c->burned[v] = 0;
}

static void credit_runnable(void *st, uint32_t v, double now)
{
    (void)v;
    credit_advance(st, now);
}

const vmm_sched_ops vmm_sched_credit = {
    .name = "credit",
    .summary = "Xen credit: weights (256), caps (% of a pCPU), 30 ms slice, UNDER/OVER",
    .state_size = sizeof(credit_t),
    .init = credit_init,
    .fini = credit_fini,
    .pick = credit_pick,
    .charge = credit_charge,
    .runnable = credit_runnable,
};
