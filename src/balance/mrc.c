/* The MRC balancer: the cost/benefit reallocation of US 9,223,722 FIG. 6
 * (step 612: "a cost/benefit analysis is carried out to identify the VM
 * from which memory should be deallocated and the VM to which additional
 * memory should be allocated ... weighted by the importance of the VM, e.g.
 * based on their assigned shares"; FIGS. 7A-7D move memory from VM 1 to
 * VM 2; the goal may be "equalizing the miss-rates ... or scaling the miss
 * rates in accordance with the assigned shares").
 *
 * For VM i with weight w_i = S_i / mean(S), reference rate R_i and MRC
 * ratio m_i(P), its weighted misses per second at P pages are
 * W_i(P) = w_i * R_i * m_i(P): the slope of the MRC times the reference
 * rate is the benefit of one more page.
 *
 * Goal min-weighted-misses: the receiver is the VM with the largest gain
 * per page, the donor the VM with the smallest weighted loss for the same
 * number of pages; the move happens while gain > loss, so total weighted
 * misses fall with every move. Goal equal-miss-ratio: the shares-weighted
 * ratios q_i = w_i * m_i(P) are equalised (a VM with twice the shares ends
 * at half the miss ratio): pages go from the lowest q to the highest while
 * the gap between the two shrinks and the receiver's ratio falls.
 *
 * MRCs need not be convex (a loop slightly larger than the allocation gives
 * a plateau, then a cliff), so one step's gain can be zero just before a
 * large gain. The receiver side looks ahead: a VM's gain is its best
 * average gain per page over the next 1..cfg->lookahead steps (0: every
 * chunk up to the VM's limit, as UCP's lookahead does), and the move
 * takes that whole chunk (the lookahead of Qureshi and Patt's utility-based
 * cache partitioning, MICRO'06). The donor side uses the exact loss of the
 * chunk, which is what the move costs.
 *
 * A VM without an MRC (NULL, or one covering no references) has nothing to
 * say about its needs: it is neither donor nor receiver, and when the host
 * must reclaim it is taken from last. */
#include "vmmsim/balance.h"
#include <math.h>

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static int has_mrc(const vmm_balance_plan_t *p, size_t i)
{
    return p->vms[i].mrc && p->vms[i].mrc->refs > 0;
}

static double weight(const vmm_balance_plan_t *p, size_t i)
{
    double sum = 0;
    for (size_t j = 0; j < p->n; j++)
        sum += p->vms[j].shares;
    return p->vms[i].shares * (double)p->n / sum;
}

/* Shares-weighted miss ratio at `pages`. */
static double wratio(const vmm_balance_plan_t *p, size_t i, uint64_t pages)
{
    return weight(p, i) * vmm_mrc_ratio_at(p->vms[i].mrc, (double)pages);
}

/* Shares-weighted misses per second at `pages`. */
static double wmiss(const vmm_balance_plan_t *p, size_t i, uint64_t pages)
{
    return wratio(p, i, pages) * p->vms[i].ref_rate;
}

/* Best chunk for receiver i: the size (a multiple of step, capped by the
 * limit) with the largest weighted gain per page over the lookahead; the
 * smallest such chunk on ties. For equal-miss-ratio, the smallest chunk
 * that lowers the ratio at all. Returns 0 when no chunk helps. */
static uint64_t best_chunk(const vmm_balance_plan_t *p, size_t i, double *rate)
{
    uint64_t t = p->target[i], room = p->vms[i].limit - t, best = 0;
    double base = wmiss(p, i, t), qbase = wratio(p, i, t);
    *rate = 0;
    uint64_t steps = p->cfg->lookahead ? p->cfg->lookahead : UINT64_MAX;
    for (uint64_t j = 1; j <= steps; j++) {
        uint64_t c = p->cfg->step > room / j ? room : j * p->cfg->step;
        if (p->cfg->goal == VMM_BALANCE_EQUAL_RATIO) {
            if (wratio(p, i, t + c) < qbase) {
                *rate = (qbase - wratio(p, i, t + c)) / (double)c;
                return c;
            }
        } else {
            double g = (base - wmiss(p, i, t + c)) / (double)c;
            if (g > *rate)
                *rate = g, best = c;
        }
        if (c == room)
            break;
    }
    return best;
}

/* The VM that gets next, and its chunk (p->n if none). */
static size_t receiver(const vmm_balance_plan_t *p, uint64_t *chunk)
{
    size_t best = p->n;
    double best_key = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (!has_mrc(p, i) || p->target[i] >= p->vms[i].limit)
            continue;
        double rate;
        uint64_t c = best_chunk(p, i, &rate);
        if (!c)
            continue;
        /* min misses: the most gain per page; equalise: the worst ratio. */
        double key = p->cfg->goal == VMM_BALANCE_EQUAL_RATIO ? wratio(p, i, p->target[i]) : rate;
        if (best == p->n || key > best_key ||
            (key == best_key && vmm_balance_gives_before(p, best, i)))
            best = i, best_key = key, *chunk = c;
    }
    return best;
}

/* How much VM i would give, and at what cost per page, if asked for up to
 * `want` pages. A VM without an MRC costs +inf (asked last). */
static double give_cost(const vmm_balance_plan_t *p, size_t i, uint64_t want, uint64_t *amt)
{
    *amt = min_u64(want, p->target[i] - p->vms[i].reservation);
    if (!has_mrc(p, i))
        return HUGE_VAL;
    if (p->cfg->goal == VMM_BALANCE_EQUAL_RATIO)
        return wratio(p, i, p->target[i]);
    uint64_t t = p->target[i];
    return (wmiss(p, i, t - *amt) - wmiss(p, i, t)) / (double)*amt;
}

/* The VM that gives next, among those above their reservation other than
 * `skip`; `with_mrc` leaves out VMs without a curve. */
static size_t donor(const vmm_balance_plan_t *p, uint64_t want, size_t skip, int with_mrc,
                    uint64_t *amt)
{
    size_t best = p->n;
    double best_cost = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (i == skip || p->target[i] <= p->vms[i].reservation || (with_mrc && !has_mrc(p, i)))
            continue;
        uint64_t a;
        double cost = give_cost(p, i, want, &a);
        if (best == p->n || cost < best_cost ||
            (cost == best_cost && vmm_balance_gives_before(p, i, best)))
            best = i, best_cost = cost, *amt = a;
    }
    return best;
}

/* One move between two VMs, if it helps. Returns 1 if moved, 0 if the
 * plan is done, or VMM_ENOMEM. */
static int transfer(vmm_balance_plan_t *p)
{
    uint64_t chunk = 0, amt = 0;
    size_t r = receiver(p, &chunk);
    if (r == p->n)
        return 0;
    size_t d = donor(p, min_u64(chunk, p->budget), r, 1, &amt);
    if (d == p->n)
        return 0;
    uint64_t td = p->target[d], tr = p->target[r];
    if (p->cfg->goal == VMM_BALANCE_EQUAL_RATIO) {
        double qd = wratio(p, d, td), qr = wratio(p, r, tr);
        double qd2 = wratio(p, d, td - amt), qr2 = wratio(p, r, tr + amt);
        double gap = qr - qd, gap2 = fabs(qr2 - qd2);
        if (!(gap > 0 && gap2 < gap && qr2 < qr))
            return 0;
        int rc = vmm_balance_apply(p, (int)d, (int)r, amt, VMM_BALANCE_R_EQUALIZE, gap - gap2);
        return rc ? rc : 1;
    }
    double gain = wmiss(p, r, tr) - wmiss(p, r, tr + amt);
    double loss = wmiss(p, d, td - amt) - wmiss(p, d, td);
    /* The relative margin keeps rounding noise from trading pages back and
     * forth between two VMs with equal slopes. */
    if (!(gain > 0 && gain - loss > 1e-12 * (gain + loss)))
        return 0;
    int rc = vmm_balance_apply(p, (int)d, (int)r, amt, VMM_BALANCE_R_MISSES, gain - loss);
    return rc ? rc : 1;
}

static int mrc_decide(vmm_balance_plan_t *p)
{
    uint64_t step = p->cfg->step;
    int rc = vmm_balance_clamp(p);
    for (uint64_t total = vmm_balance_total(p); !rc && total > p->host_pages;) {
        uint64_t amt = 0;
        size_t d = donor(p, min_u64(step, total - p->host_pages), p->n, 0, &amt);
        double lost = has_mrc(p, d) ? wmiss(p, d, p->target[d] - amt) - wmiss(p, d, p->target[d]) : 0;
        rc = vmm_balance_apply(p, (int)d, VMM_BALANCE_FREE, amt, VMM_BALANCE_R_FIT, -lost);
        total -= amt;
    }
    /* Free pages go where they help most; pages nobody gains from stay free. */
    for (uint64_t total = vmm_balance_total(p); !rc && total < p->host_pages && p->budget;) {
        uint64_t chunk = 0;
        size_t r = receiver(p, &chunk);
        if (r == p->n)
            break;
        uint64_t amt = min_u64(min_u64(chunk, p->host_pages - total), p->budget);
        uint64_t t = p->target[r];
        rc = vmm_balance_apply(p, VMM_BALANCE_FREE, (int)r, amt, VMM_BALANCE_R_FREE,
                               wmiss(p, r, t) - wmiss(p, r, t + amt));
        total += amt;
    }
    while (!rc && p->budget && p->iters) {
        p->iters--;
        rc = transfer(p);
        if (rc == 1)
            rc = 0;
        else if (rc == 0)
            break;
    }
    return rc;
}

const vmm_balance_ops vmm_balance_mrc = {
    .name = "mrc",
    .summary = "MRC cost/benefit: move memory to the largest shares-weighted gain (US 9,223,722 FIG. 6)",
    .decide = mrc_decide,
};
