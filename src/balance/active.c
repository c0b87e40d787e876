/* Active-fraction estimation for the idle memory tax (Waldspurger, OSDI'02
 * section 5.3, "Measuring Idle Memory").
 *
 * At the start of each sampling period n pages of the VM (100 in ESX) are
 * chosen uniformly at random and their mappings invalidated; the next
 * access to each is intercepted and counts as touched, so f = t/n at the
 * end of the period. Estimates are smoothed with exponentially weighted
 * moving averages of different gains: a slow one for stability, a fast one
 * for agility, and the fast one again with the current period's partial
 * count folded in; the estimate is the largest of the three, so it rises
 * quickly when a VM starts using memory and decays slowly when it stops.
 * The paper gives no gains; ours (0.5 and 0.125, the latter TCP's
 * smoothed-RTT gain) are defaults a scenario can change.
 *
 * Everything here is a pure function of its arguments: the engine keeps a
 * vmm_active_t per VM and picks the sampled pages with vmm_active_pick(). */
#include "vmmsim/balance.h"
#include "util/rng.h"

void vmm_active_cfg_default(vmm_active_cfg_t *cfg)
{
    cfg->samples = 100;
    cfg->fast_gain = 0.5;
    cfg->slow_gain = 0.125;
}

int vmm_active_cfg_check(const vmm_active_cfg_t *cfg, vmm_err_t *err)
{
    if (!cfg->samples)
        return vmm_err_set(err, VMM_EINVAL, "active", 0, -1, "samples must be at least 1");
    if (!(cfg->fast_gain > 0 && cfg->fast_gain <= 1))
        return vmm_err_set(err, VMM_EINVAL, "active", 0, -1,
                           "fast gain must be in (0, 1], got %g", cfg->fast_gain);
    if (!(cfg->slow_gain > 0 && cfg->slow_gain <= 1))
        return vmm_err_set(err, VMM_EINVAL, "active", 0, -1,
                           "slow gain must be in (0, 1], got %g", cfg->slow_gain);
    /* Otherwise "slow" would react faster than "fast" and the estimate
     * would decay at the fast pace. */
    if (cfg->slow_gain > cfg->fast_gain)
        return vmm_err_set(err, VMM_EINVAL, "active", 0, -1,
                           "slow gain %g above fast gain %g", cfg->slow_gain, cfg->fast_gain);
    return 0;
}

vmm_active_t vmm_active_start(double f0)
{
    if (!(f0 >= 0))
        f0 = 0;
    if (f0 > 1)
        f0 = 1;
    return (vmm_active_t){.fast = f0, .slow = f0, .periods = 0};
}

static double fraction(uint32_t touched, uint32_t sampled)
{
    return touched >= sampled ? 1.0 : (double)touched / (double)sampled;
}

vmm_active_t vmm_active_update(vmm_active_t s, const vmm_active_cfg_t *cfg, uint32_t touched,
                               uint32_t sampled)
{
    if (!sampled)   /* a period without samples says nothing */
        return s;
    double f = fraction(touched, sampled);
    s.fast += cfg->fast_gain * (f - s.fast);
    s.slow += cfg->slow_gain * (f - s.slow);
    s.periods++;
    return s;
}

double vmm_active_estimate(vmm_active_t s, const vmm_active_cfg_t *cfg, uint32_t touched,
                           uint32_t sampled)
{
    double est = s.fast > s.slow ? s.fast : s.slow;
    if (sampled) {
        /* The partial count can only grow during the period, so folding it
         * in early can raise the estimate but never lower it. */
        double now = s.fast + cfg->fast_gain * (fraction(touched, sampled) - s.fast);
        if (now > est)
            est = now;
    }
    return est;
}

uint32_t vmm_active_pick(uint64_t seed, uint64_t period, uint64_t npages, uint32_t k,
                         uint64_t *out)
{
    if ((uint64_t)k > npages)
        k = (uint32_t)npages;
    vmm_rng_t r;
    vmm_rng_seed(&r, seed ^ (period * 0x9e3779b97f4a7c15ULL));
    /* Floyd's algorithm draws k distinct values with k random numbers; out[]
     * is kept sorted so membership is a binary search (k is small). */
    uint32_t m = 0;
    for (uint64_t j = npages - k; j < npages; j++) {
        uint64_t t = vmm_rng_below(&r, j + 1);
        uint32_t lo = 0, hi = m;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (out[mid] < t)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < m && out[lo] == t) {
            t = j;       /* j is larger than every value so far: append */
            lo = m;
        }
        for (uint32_t q = m; q > lo; q--)
            out[q] = out[q - 1];
        out[lo] = t;
        m++;
    }
    return m;
}
