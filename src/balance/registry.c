/* The balancer registry and the bookkeeping every balancer shares: checking
 * the inputs, the plan (targets plus the decision log) and the helpers that
 * keep a decision within reservations and limits.
 *
 * A balancer only picks moves; vmm_balance_apply() changes the targets and
 * logs them, merging consecutive moves between the same two parties for
 * the same reason, so a long run of small steps prints as one line. Tests
 * loop over this table, so a balancer added here is covered by the property
 * tests (bounds, conservation, determinism) without being named in them. */
#include "vmmsim/balance.h"
#include "util/alloc.h"
#include "util/registry.h"
#include <math.h>
#include <string.h>

extern const vmm_balance_ops vmm_balance_static, vmm_balance_shares, vmm_balance_mrc;

static const vmm_balance_ops *const registry[] = {
    &vmm_balance_static, &vmm_balance_shares, &vmm_balance_mrc, NULL,
};

static const vmm_alias_t aliases[] = {
    {"esx", "shares"},
};

const vmm_balance_ops *const *vmm_balance_all(void) { return registry; }

const vmm_balance_ops *vmm_balance_find(const char *name)
{
    return vmm_registry_find((const void *const *)registry, aliases,
                             sizeof aliases / sizeof aliases[0], name);
}

const char *vmm_balance_reason_name(int reason)
{
    static const char *const names[] = {"bounds", "fit", "free", "static",
                                        "shares", "misses", "equalize"};
    if (reason < 0 || (size_t)reason >= sizeof names / sizeof names[0])
        return "?";
    return names[reason];
}

void vmm_balance_cfg_default(vmm_balance_cfg_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->tau = 0.75;     /* ESX's default (OSDI'02 section 5.2) */
    cfg->goal = VMM_BALANCE_MIN_MISSES;
    cfg->step = 256;
    cfg->max_move = 0;
    cfg->lookahead = 8;
}

int vmm_balance_cfg_check(const vmm_balance_cfg_t *cfg, vmm_err_t *err)
{
    if (!cfg)
        return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1, "no configuration");
    /* tau = 1 would make an idle page infinitely expensive (k = 1/(1-tau)). */
    if (!(cfg->tau >= 0 && cfg->tau < 1))
        return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1,
                           "tau must be in [0, 1), got %g", cfg->tau);
    if (cfg->goal != VMM_BALANCE_MIN_MISSES && cfg->goal != VMM_BALANCE_EQUAL_RATIO)
        return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1,
                           "goal must be min-weighted-misses (0) or equal-miss-ratio (1), got %d",
                           cfg->goal);
    if (!cfg->step)
        return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1, "step must be at least 1 page");
    return 0;
}

static int check_vms(const vmm_balance_vm_t *vms, size_t n, uint64_t host_pages, vmm_err_t *err)
{
    if (n && !vms)
        return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1, "no VMs given for n = %zu", n);
    uint64_t reserved = 0;
    for (size_t i = 0; i < n; i++) {
        const vmm_balance_vm_t *v = &vms[i];
        if (v->reservation > v->limit)
            return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1,
                               "VM %zu: reservation %llu pages above limit %llu", i,
                               (unsigned long long)v->reservation, (unsigned long long)v->limit);
        if (!(v->shares > 0) || !isfinite(v->shares))
            return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1,
                               "VM %zu: shares must be positive, got %g", i, v->shares);
        if (!(v->active >= 0 && v->active <= 1))
            return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1,
                               "VM %zu: active fraction must be in [0, 1], got %g", i, v->active);
        if (!(v->ref_rate >= 0) || !isfinite(v->ref_rate))
            return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1,
                               "VM %zu: reference rate must be >= 0, got %g", i, v->ref_rate);
        if (reserved + v->reservation < reserved)
            return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1, "reservations overflow");
        reserved += v->reservation;
    }
    /* Admission control belongs to the engine, but a plan that cannot keep
     * every reservation has no valid answer. */
    if (reserved > host_pages)
        return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1,
                           "reservations (%llu pages) exceed the host's %llu pages",
                           (unsigned long long)reserved, (unsigned long long)host_pages);
    return 0;
}

void vmm_balance_result_fini(vmm_balance_result_t *res)
{
    if (!res)
        return;
    vmm_free(res->target);
    vmm_free(res->log);
    memset(res, 0, sizeof *res);
}

int vmm_balance_run(const vmm_balance_ops *ops, const vmm_balance_cfg_t *cfg,
                    const vmm_balance_vm_t *vms, size_t n, uint64_t host_pages,
                    vmm_balance_result_t *res, vmm_err_t *err)
{
    if (res)
        memset(res, 0, sizeof *res);
    if (!ops || !res)
        return vmm_err_set(err, VMM_EINVAL, "balance", 0, -1, "no balancer or no result");
    int rc = vmm_balance_cfg_check(cfg, err);
    if (!rc)
        rc = check_vms(vms, n, host_pages, err);
    if (rc)
        return rc;
    res->n = n;
    res->target = vmm_calloc(n ? n : 1, sizeof *res->target);
    if (!res->target)
        return VMM_ENOMEM;
    for (size_t i = 0; i < n; i++)
        res->target[i] = vms[i].alloc;
    vmm_balance_plan_t p = {
        .cfg = cfg, .vms = vms, .n = n, .host_pages = host_pages, .target = res->target,
        .budget = cfg->max_move ? cfg->max_move : UINT64_MAX, .res = res,
    };
    /* Every move shifts at least one page towards a better plan, and no
     * policy needs more than a few passes over the host; the cap only
     * guards against a cycle that a bug or rounding could create. */
    p.iters = 4 * (host_pages / cfg->step + n) + 64;
    rc = ops->decide(&p);
    if (rc) {
        vmm_balance_result_fini(res);
        return rc;
    }
    return 0;
}

int vmm_balance_apply(vmm_balance_plan_t *p, int from, int to, uint64_t pages, int reason,
                      double benefit)
{
    if (!pages)
        return 0;
    vmm_balance_result_t *r = p->res;
    vmm_balance_move_t *last = r->nlog ? &r->log[r->nlog - 1] : NULL;
    if (!last || last->from != from || last->to != to || last->reason != reason) {
        if (vmm_grow(&r->log, &r->cap, r->nlog + 1, sizeof *r->log))
            return VMM_ENOMEM;
        last = &r->log[r->nlog++];
        *last = (vmm_balance_move_t){.from = from, .to = to, .reason = reason};
    }
    last->pages += pages;
    last->benefit += benefit;
    if (from >= 0)
        p->target[from] -= pages;
    if (to >= 0)
        p->target[to] += pages;
    if (reason != VMM_BALANCE_R_BOUNDS && reason != VMM_BALANCE_R_FIT) {
        r->moved += pages;
        p->budget = p->budget > pages ? p->budget - pages : 0;
    }
    return 0;
}

int vmm_balance_clamp(vmm_balance_plan_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const vmm_balance_vm_t *v = &p->vms[i];
        int rc = 0;
        if (p->target[i] < v->reservation)
            rc = vmm_balance_apply(p, VMM_BALANCE_FREE, (int)i, v->reservation - p->target[i],
                                   VMM_BALANCE_R_BOUNDS, 0);
        else if (p->target[i] > v->limit)
            rc = vmm_balance_apply(p, (int)i, VMM_BALANCE_FREE, p->target[i] - v->limit,
                                   VMM_BALANCE_R_BOUNDS, 0);
        if (rc)
            return rc;
    }
    return 0;
}

uint64_t vmm_balance_total(const vmm_balance_plan_t *p)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < p->n; i++)
        sum += p->target[i];
    return sum;
}

int vmm_balance_gives_before(const vmm_balance_plan_t *p, size_t a, size_t b)
{
    if (p->vms[a].priority != p->vms[b].priority)
        return p->vms[a].priority < p->vms[b].priority;
    return a > b;
}
