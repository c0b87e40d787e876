/* The static balancer: every VM gets its configured size, as a host without
 * a balancer would give it, clamped to [reservation, limit].
 *
 * When the clamped sizes c_i do not fit the host's H pages, only the part
 * above the reservations is scaled, so reservations stay whole:
 *
 *     t_i = r_i + floor((c_i - r_i) * (H - R) / (C - R))
 *
 * with R = sum r_i and C = sum c_i; the pages lost to rounding (fewer than
 * one per VM) then go one each to the VMs with the largest fractional
 * parts (ties: lower index), so the targets sum to exactly H. Scaling the
 * whole sizes instead could push a VM below its reservation. */
#include "vmmsim/balance.h"
#include "util/alloc.h"

static int static_decide(vmm_balance_plan_t *p)
{
    size_t n = p->n;
    uint64_t *want = vmm_calloc(n ? n : 1, sizeof *want);
    double *frac = vmm_calloc(n ? n : 1, sizeof *frac);
    int rc = VMM_ENOMEM;
    if (!want || !frac)
        goto out;
    uint64_t sum_r = 0, sum_c = 0;
    for (size_t i = 0; i < n; i++) {
        const vmm_balance_vm_t *v = &p->vms[i];
        uint64_t c = v->size < v->reservation ? v->reservation : v->size;
        want[i] = c > v->limit ? v->limit : c;
        sum_r += v->reservation;
        sum_c += want[i];
    }
    if (sum_c > p->host_pages) {
        /* long double keeps (c - r) * (H - R) exact for page counts up to
         * 2^32 each, where a double product could round. */
        long double scale = (long double)(p->host_pages - sum_r) / (long double)(sum_c - sum_r);
        uint64_t sum_t = 0;
        for (size_t i = 0; i < n; i++) {
            long double x = (long double)(want[i] - p->vms[i].reservation) * scale;
            uint64_t fl = (uint64_t)x;
            frac[i] = (double)(x - (long double)fl);
            want[i] = p->vms[i].reservation + fl;
            sum_t += want[i];
        }
        /* Largest remainders; a VM gets at most one page, so its target
         * never passes its clamped size. */
        for (uint64_t left = p->host_pages - sum_t; left; left--) {
            size_t best = n;
            for (size_t i = 0; i < n; i++)
                if (frac[i] > 0 && (best == n || frac[i] > frac[best]))
                    best = i;
            if (best == n)
                break;
            want[best]++;
            frac[best] = 0;
        }
    }
    /* Log shrinking VMs first so that the host never hands out pages it has
     * not yet got back. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            uint64_t t = p->target[i];
            if (pass == 0 && want[i] < t)
                rc = vmm_balance_apply(p, (int)i, VMM_BALANCE_FREE, t - want[i],
                                       VMM_BALANCE_R_STATIC, 0);
            else if (pass == 1 && want[i] > t)
                rc = vmm_balance_apply(p, VMM_BALANCE_FREE, (int)i, want[i] - t,
                                       VMM_BALANCE_R_STATIC, 0);
            else
                rc = 0;
            if (rc)
                goto out;
        }
    rc = 0;
out:
    vmm_free(want);
    vmm_free(frac);
    return rc;
}

const vmm_balance_ops vmm_balance_static = {
    .name = "static",
    .summary = "configured sizes within reservation and limit, scaled to fit the host",
    .decide = static_decide,
};
