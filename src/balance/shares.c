/* The shares balancer: VMware ESX's min-funding revocation with an idle
 * memory tax (Waldspurger, "Memory Resource Management in VMware ESX
 * Server", OSDI'02, sections 5.1-5.2).
 *
 * A VM with S shares holding P pages of which a fraction f is active pays
 * for its pages through the adjusted shares-per-page ratio
 *
 *     rho = S / (P * (f + k * (1 - f))),   k = 1 / (1 - tau),
 *
 * so an idle page costs k active ones (tau = 0.75: k = 4). Memory is taken
 * from the VM with the lowest rho and given to the one with the highest.
 *
 * f is measured on the current allocation, so the VM has a = f * alloc
 * active pages. When the plan takes pages away it takes idle ones first (as
 * ballooning does: the guest gives up what it does not use), so the active
 * pages stay: the cost of P pages is min(P, a) + k * max(0, P - a), which
 * is P * (f + k(1 - f)) at P = alloc. Holding f itself fixed instead would
 * let the plan strip a VM of active pages at the idle price.
 *
 * Steps, each of at most cfg->step pages: (1) clamp to [reservation,
 * limit]; (2) while the targets exceed the host, reclaim from the lowest
 * rho; (3) hand free host pages to the highest rho; (4) move pages from the
 * lowest rho to the highest while the move keeps rho(receiver) >=
 * rho(donor) afterwards, i.e. until the ratios meet, which is ESX's
 * equilibrium. Steps 3 and 4 stop when cfg->max_move pages have moved. */
#include "vmmsim/balance.h"
#include <math.h>

/* The adjusted shares-per-page ratio of VM i if it held `pages` pages. */
static double rho(const vmm_balance_plan_t *p, size_t i, uint64_t pages)
{
    const vmm_balance_vm_t *v = &p->vms[i];
    double k = 1.0 / (1.0 - p->cfg->tau);
    double a = v->active * (double)v->alloc, P = (double)pages;
    double cost = (P < a ? P : a) + k * (P > a ? P - a : 0);
    return cost > 0 ? v->shares / cost : HUGE_VAL;
}

/* The VM that gives next: lowest rho among those above their reservation
 * (p->n if none). */
static size_t donor(const vmm_balance_plan_t *p)
{
    size_t best = p->n;
    double best_rho = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (p->target[i] <= p->vms[i].reservation)
            continue;
        double r = rho(p, i, p->target[i]);
        if (best == p->n || r < best_rho || (r == best_rho && vmm_balance_gives_before(p, i, best)))
            best = i, best_rho = r;
    }
    return best;
}

/* The VM that gets next: highest rho among those below their limit. */
static size_t receiver(const vmm_balance_plan_t *p)
{
    size_t best = p->n;
    double best_rho = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (p->target[i] >= p->vms[i].limit)
            continue;
        double r = rho(p, i, p->target[i]);
        if (best == p->n || r > best_rho || (r == best_rho && vmm_balance_gives_before(p, best, i)))
            best = i, best_rho = r;
    }
    return best;
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static int shares_decide(vmm_balance_plan_t *p)
{
    uint64_t step = p->cfg->step;
    int rc = vmm_balance_clamp(p);
    for (uint64_t total = vmm_balance_total(p); !rc && total > p->host_pages;) {
        size_t d = donor(p);   /* exists: reservations fit the host */
        uint64_t amt = min_u64(min_u64(step, total - p->host_pages),
                               p->target[d] - p->vms[d].reservation);
        rc = vmm_balance_apply(p, (int)d, VMM_BALANCE_FREE, amt, VMM_BALANCE_R_FIT, 0);
        total -= amt;
    }
    for (uint64_t total = vmm_balance_total(p); !rc && total < p->host_pages && p->budget;) {
        size_t r = receiver(p);
        if (r == p->n)
            break;
        uint64_t amt = min_u64(min_u64(step, p->host_pages - total),
                               min_u64(p->vms[r].limit - p->target[r], p->budget));
        rc = vmm_balance_apply(p, VMM_BALANCE_FREE, (int)r, amt, VMM_BALANCE_R_FREE, 0);
        total += amt;
    }
    while (!rc && p->budget && p->iters) {
        p->iters--;
        size_t d = donor(p), r = receiver(p);
        if (d == p->n || r == p->n || d == r)
            break;
        uint64_t amt = min_u64(min_u64(step, p->budget),
                               min_u64(p->target[d] - p->vms[d].reservation,
                                       p->vms[r].limit - p->target[r]));
        double rd = rho(p, d, p->target[d]), rr = rho(p, r, p->target[r]);
        double rd2 = rho(p, d, p->target[d] - amt), rr2 = rho(p, r, p->target[r] + amt);
        /* Move while the receiver stays at least as well funded as the
         * donor afterwards: the ratios then meet (ESX's equilibrium) and the
         * next move would only swap who is poorer. */
        if (!(rr2 >= rd2))
            break;
        double closed = isfinite(rr) ? (rr - rd) - (rr2 - rd2) : 0;
        rc = vmm_balance_apply(p, (int)d, (int)r, amt, VMM_BALANCE_R_SHARES, closed);
    }
    return rc;
}

const vmm_balance_ops vmm_balance_shares = {
    .name = "shares",
    .summary = "ESX shares with an idle memory tax (min-funding revocation, OSDI'02)",
    .decide = shares_decide,
};
