/* Unit tests for the memory balancers (vmmsim/balance.h):
 *
 * - each policy's decision on hand-built cases, the numbers worked out by
 *   hand in the comments (static scaling, ESX shares with the idle memory
 *   tax, the MRC balancer on linear, convex and step curves for both goals
 *   and with and without lookahead);
 * - on random inputs, for every registered balancer and both goals: bounds,
 *   conservation (targets never exceed the host), the log replays to the
 *   targets, and the same inputs give the same decision;
 * - bad configuration and bad VM views give VMM_EINVAL with a message;
 * - every allocation failure gives VMM_ENOMEM, a zeroed result, no leak;
 * - the active-fraction estimator rises fast and decays slowly, and its
 *   page picks are distinct, sorted and reproducible. */
#include <criterion/criterion.h>
#include "vmmsim/balance.h"
#include "util/rng.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"

#define NOLIMIT UINT64_MAX

static vmm_balance_vm_t bvm(uint64_t alloc, uint64_t res, uint64_t limit, double shares,
                            double active, double rate, const vmm_mrc_t *mrc)
{
    return (vmm_balance_vm_t){.alloc = alloc, .size = alloc, .reservation = res, .limit = limit,
                              .shares = shares, .active = active, .ref_rate = rate, .mrc = mrc};
}

static vmm_balance_cfg_t bcfg(uint64_t step, uint64_t max_move)
{
    vmm_balance_cfg_t c;
    vmm_balance_cfg_default(&c);
    c.step = step;
    c.max_move = max_move;
    return c;
}

/* A curve over 1000 references from (frames, miss ratio) points. */
static vmm_mrc_t bmrc(uint32_t n, const uint32_t *frames, const double *ratio)
{
    vmm_mrc_t c;
    cr_assert_eq(vmm_mrc_alloc(&c, n), 0);
    c.refs = 1000;
    for (uint32_t i = 0; i < n; i++) {
        c.frames[i] = frames[i];
        c.misses[i] = ratio[i] * 1000;
    }
    return c;
}

/* Bounds, conservation, and the log replayed from the allocations gives
 * the targets (so the report's log tells the whole story). */
static void check_result(const vmm_balance_vm_t *vms, size_t n, uint64_t host,
                         const vmm_balance_result_t *res, const char *what)
{
    cr_assert_eq(res->n, n, "%s", what);
    uint64_t sum = 0, replay[16];
    cr_assert(n <= 16);
    for (size_t i = 0; i < n; i++) {
        cr_assert_geq(res->target[i], vms[i].reservation, "%s: VM %zu below reservation", what, i);
        cr_assert_leq(res->target[i], vms[i].limit, "%s: VM %zu above limit", what, i);
        sum += res->target[i];
        replay[i] = vms[i].alloc;
    }
    cr_assert_leq(sum, host, "%s: %llu pages on a host of %llu", what, (unsigned long long)sum,
                  (unsigned long long)host);
    for (size_t k = 0; k < res->nlog; k++) {
        const vmm_balance_move_t *m = &res->log[k];
        cr_assert(m->pages > 0, "%s: empty move", what);
        cr_assert(m->from != m->to, "%s", what);
        cr_assert(m->from >= VMM_BALANCE_FREE && m->from < (int)n, "%s", what);
        cr_assert(m->to >= VMM_BALANCE_FREE && m->to < (int)n, "%s", what);
        cr_assert(isfinite(m->benefit), "%s: benefit %g", what, m->benefit);
        cr_assert_str_neq(vmm_balance_reason_name(m->reason), "?", "%s", what);
        if (m->from >= 0) {
            cr_assert_geq(replay[m->from], m->pages, "%s", what);
            replay[m->from] -= m->pages;
        }
        if (m->to >= 0)
            replay[m->to] += m->pages;
    }
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(replay[i], res->target[i], "%s: log does not replay to VM %zu's target", what,
                     i);
}

static void run(const char *name, const vmm_balance_cfg_t *cfg, const vmm_balance_vm_t *vms,
                size_t n, uint64_t host, vmm_balance_result_t *res)
{
    vmm_err_t err;
    vmm_err_clear(&err);
    int rc = vmm_balance_run(vmm_balance_find(name), cfg, vms, n, host, res, &err);
    cr_assert_eq(rc, 0, "%s: rc %d: %s", name, rc, err.msg);
    check_result(vms, n, host, res, name);
}

/* --- registry -------------------------------------------------------------- */

Test(balance_registry, names)
{
    const vmm_balance_ops *const *all = vmm_balance_all();
    size_t n = 0;
    while (all[n])
        n++;
    cr_assert_eq(n, 3);
    cr_assert_eq(vmm_balance_find("STATIC"), all[0]);
    cr_assert_eq(vmm_balance_find("esx"), vmm_balance_find("shares"));
    cr_assert_not_null(vmm_balance_find("mrc"));
    cr_assert_null(vmm_balance_find("nope"));
    cr_assert_null(vmm_balance_find(NULL));
    cr_assert_str_eq(vmm_balance_reason_name(VMM_BALANCE_R_EQUALIZE), "equalize");
    cr_assert_str_eq(vmm_balance_reason_name(99), "?");
}

/* --- static ---------------------------------------------------------------- */

Test(balance_static, fits_clamped_sizes)
{
    /* Sizes 300, 50 (reservation 100), 900 (limit 500) on 2000 pages:
     * nothing to scale, targets = 300, 100, 500. */
    vmm_balance_vm_t v[3] = {bvm(0, 0, NOLIMIT, 1000, 1, 0, NULL),
                             bvm(0, 100, NOLIMIT, 1000, 1, 0, NULL),
                             bvm(0, 0, 500, 1000, 1, 0, NULL)};
    v[0].size = 300, v[1].size = 50, v[2].size = 900;
    vmm_balance_cfg_t cfg = bcfg(1, 0);
    vmm_balance_result_t r;
    run("static", &cfg, v, 3, 2000, &r);
    cr_assert_eq(r.target[0], 300);
    cr_assert_eq(r.target[1], 100);
    cr_assert_eq(r.target[2], 500);
    cr_assert_eq(r.nlog, 3);   /* three grants from the free pool */
    vmm_balance_result_fini(&r);
}

Test(balance_static, scales_above_reservations)
{
    /* Sizes 600, 400, 200, reservations 100, 0, 150, host 900:
     * R = 250, C = 1200, (H-R)/(C-R) = 650/950.
     * Excess 500, 400, 50 scaled: 342.105, 273.684, 34.210 -> floors 342,
     * 273, 34 (sum 649), one page left goes to the largest fraction (.684,
     * VM 1): targets 100+342 = 442, 274, 150+34 = 184; sum 900. */
    vmm_balance_vm_t v[3] = {bvm(600, 100, NOLIMIT, 1, 1, 0, NULL),
                             bvm(400, 0, NOLIMIT, 1, 1, 0, NULL),
                             bvm(200, 150, NOLIMIT, 1, 1, 0, NULL)};
    vmm_balance_cfg_t cfg = bcfg(1, 0);
    vmm_balance_result_t r;
    run("static", &cfg, v, 3, 900, &r);
    cr_assert_eq(r.target[0], 442);
    cr_assert_eq(r.target[1], 274);
    cr_assert_eq(r.target[2], 184);
    /* Shrinks are logged before grants. */
    cr_assert_eq(r.nlog, 3);
    cr_assert_eq(r.log[0].from, 0);
    cr_assert_eq(r.log[0].pages, 158);
    vmm_balance_result_fini(&r);
}

/* --- shares ---------------------------------------------------------------- */

Test(balance_shares, idle_tax_two_vms)
{
    /* tau 0.75: k = 1/(1-0.75) = 4. Host 1000, both VMs at 500 pages.
     * A: S 2000, f 1.0: rho = 2000 / (500 * (1 + 4*0)) = 4.0.
     * B: S 1000, f 0.2: rho = 1000 / (500 * (0.2 + 4*0.8)) = 1000/1700 = 0.588.
     * B has the lowest rho, A the highest: pages go from B to A.
     * Active pages stay: a_A = 500, a_B = 100. With x pages for A (>= 500)
     * and 1000-x for B (>= 100):
     *   rho_A(x) = 2000 / (500 + 4(x-500)) = 2000 / (4x - 1500)
     *   rho_B(y) = 1000 / (100 + 4(y-100)) = 1000 / (4y - 300)
     * A step of 10 from x happens while rho_A(x+10) >= rho_B(990-x):
     *   2000 (4(990-x) - 300) >= 1000 (4(x+10) - 1500)
     *   7320 - 8x >= 4x - 1460  ->  x <= 731.67
     * so steps start at x = 500, 510, ..., 730: 24 steps, A ends at 740,
     * B at 260 (rho_A(740) = 1.370, rho_B(260) = 1.351: nearly equal). */
    vmm_balance_vm_t v[2] = {bvm(500, 0, NOLIMIT, 2000, 1.0, 0, NULL),
                             bvm(500, 0, NOLIMIT, 1000, 0.2, 0, NULL)};
    vmm_balance_cfg_t cfg = bcfg(10, 0);
    cr_assert_float_eq(cfg.tau, 0.75, 1e-12);
    vmm_balance_result_t r;
    run("shares", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 740);
    cr_assert_eq(r.target[1], 260);
    cr_assert_eq(r.nlog, 1);
    cr_assert_eq(r.log[0].from, 1);
    cr_assert_eq(r.log[0].to, 0);
    cr_assert_eq(r.log[0].pages, 240);
    cr_assert_eq(r.log[0].reason, VMM_BALANCE_R_SHARES);
    /* The gap closed telescopes: (4.0 - 0.588) - (1.370 - 1.351). */
    double gap0 = 4.0 - 1000.0 / 1700, gap1 = 2000.0 / 1460 - 1000.0 / 740;
    cr_assert_float_eq(r.log[0].benefit, gap0 - gap1, 1e-9);
    vmm_balance_result_fini(&r);

    /* At most 100 pages per period: A 600, B 400. */
    cfg.max_move = 100;
    run("shares", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 600);
    cr_assert_eq(r.target[1], 400);
    cr_assert_eq(r.moved, 100);
    vmm_balance_result_fini(&r);

    /* B's reservation of 300 stops it there. */
    v[1].reservation = 300;
    cfg.max_move = 0;
    run("shares", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 700);
    cr_assert_eq(r.target[1], 300);
    vmm_balance_result_fini(&r);
}

Test(balance_shares, no_tax_is_proportional)
{
    /* tau 0: k = 1, f does not matter, rho = S / P. Shares 2000 vs 1000 on
     * 900 pages meet at 600 / 300 (rho 3.33 each); step 10 from 450/450:
     * rho_A(x+10) >= rho_B(890-x) <=> 2(890-x) >= x+10 <=> x <= 590. */
    vmm_balance_vm_t v[2] = {bvm(450, 0, NOLIMIT, 2000, 0.1, 0, NULL),
                             bvm(450, 0, NOLIMIT, 1000, 1.0, 0, NULL)};
    vmm_balance_cfg_t cfg = bcfg(10, 0);
    cfg.tau = 0;
    vmm_balance_result_t r;
    run("shares", &cfg, v, 2, 900, &r);
    cr_assert_eq(r.target[0], 600);
    cr_assert_eq(r.target[1], 300);
    vmm_balance_result_fini(&r);
}

Test(balance_shares, overcommit_reclaims_idle_first)
{
    /* Equal shares, host 1000, both at 600 (200 too many). f = 1 and 0:
     * rho_0 = 1000/600 = 1.67, rho_1 = 1000/(4*600) = 0.42, so the fit
     * takes all 200 from VM 1 (600/400). Then with a_0 = 600, a_1 = 0 the
     * costs are 4x - 1800 and 4(1000-x); they meet at x = 725, and steps of
     * 10 go on while 4(x+10) - 1800 <= 4(990-x), i.e. x <= 715: the last
     * step is from 710, so 720 / 280 (120 pages moved by shares). */
    vmm_balance_vm_t v[2] = {bvm(600, 0, NOLIMIT, 1000, 1.0, 0, NULL),
                             bvm(600, 0, NOLIMIT, 1000, 0.0, 0, NULL)};
    vmm_balance_cfg_t cfg = bcfg(10, 0);
    vmm_balance_result_t r;
    run("shares", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 720);
    cr_assert_eq(r.target[1], 280);
    cr_assert_eq(r.nlog, 2);
    cr_assert_eq(r.log[0].reason, VMM_BALANCE_R_FIT);
    cr_assert_eq(r.log[0].from, 1);
    cr_assert_eq(r.log[0].pages, 200);
    cr_assert_eq(r.log[1].reason, VMM_BALANCE_R_SHARES);
    cr_assert_eq(r.log[1].pages, 120);
    cr_assert_eq(r.moved, 120);   /* the fit does not count against max_move */
    vmm_balance_result_fini(&r);
}

Test(balance_shares, free_pages_and_limits)
{
    /* 1000 free pages; VM 0 (rho 2000/100 = 20) is limited to 300, so it
     * gets 200 and the rest goes to VM 1; bounds: VM 1 starts below its
     * reservation of 150 and is raised first. */
    vmm_balance_vm_t v[2] = {bvm(100, 0, 300, 2000, 1.0, 0, NULL),
                             bvm(100, 150, NOLIMIT, 1000, 1.0, 0, NULL)};
    vmm_balance_cfg_t cfg = bcfg(50, 0);
    vmm_balance_result_t r;
    run("shares", &cfg, v, 2, 1200, &r);
    cr_assert_eq(r.target[0], 300);
    cr_assert_eq(r.target[1], 900);
    cr_assert_eq(r.log[0].reason, VMM_BALANCE_R_BOUNDS);
    cr_assert_eq(r.log[0].to, 1);
    cr_assert_eq(r.log[0].pages, 50);
    vmm_balance_result_fini(&r);
}

/* --- mrc ------------------------------------------------------------------- */

/* Convex two-piece curves, 1000 refs/s each:
 *   VM 0: ratio 1 at 0, 0.2 at 400, 0 at 800 (slopes 0.002, then 0.0005)
 *   VM 1: ratio 1 at 0, 0.4 at 200, 0 at 600 (slopes 0.003, then 0.001) */
static const uint32_t cvx0_f[] = {400, 800}, cvx1_f[] = {200, 600};
static const double cvx0_r[] = {0.2, 0.0}, cvx1_r[] = {0.4, 0.0};

Test(balance_mrc, min_misses_convex)
{
    /* At 500/500 VM 0 loses 0.0005*1000 = 0.5 misses/s per page given up
     * (down to 400), VM 1 gains 0.001*1000 = 1 per page (up to 600). So 100
     * pages go from VM 0 to VM 1 in two steps of 50; then VM 0 would lose 2
     * per page and VM 1 gain 0. Misses/s: before 150 + 100 = 250, after
     * 200 + 0 = 200: benefit 50. */
    vmm_mrc_t m0 = bmrc(2, cvx0_f, cvx0_r), m1 = bmrc(2, cvx1_f, cvx1_r);
    vmm_balance_vm_t v[2] = {bvm(500, 0, NOLIMIT, 1000, 1, 1000, &m0),
                             bvm(500, 0, NOLIMIT, 1000, 1, 1000, &m1)};
    vmm_balance_cfg_t cfg = bcfg(50, 0);
    vmm_balance_result_t r;
    run("mrc", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 400);
    cr_assert_eq(r.target[1], 600);
    cr_assert_eq(r.nlog, 1);
    cr_assert_eq(r.log[0].from, 0);
    cr_assert_eq(r.log[0].reason, VMM_BALANCE_R_MISSES);
    cr_assert_float_eq(r.log[0].benefit, 50, 1e-9);
    vmm_balance_result_fini(&r);
    vmm_mrc_free(&m0);
    vmm_mrc_free(&m1);
}

Test(balance_mrc, linear_against_flat)
{
    /* VM 0: linear from ratio 1 at 0 to 0 at 1000 (1 miss/s per page at
     * 1000 refs/s). VM 1: flat at 0.1 from 1 frame on, so it loses nothing:
     * it gives down to its reservation of 100. 400 pages move; benefit
     * 400 misses/s. */
    static const uint32_t f0[] = {1000}, f1[] = {1, 1000};
    static const double r0[] = {0.0}, r1[] = {0.1, 0.1};
    vmm_mrc_t m0 = bmrc(1, f0, r0), m1 = bmrc(2, f1, r1);
    vmm_balance_vm_t v[2] = {bvm(500, 0, NOLIMIT, 1000, 1, 1000, &m0),
                             bvm(500, 100, NOLIMIT, 1000, 1, 1000, &m1)};
    vmm_balance_cfg_t cfg = bcfg(50, 0);
    vmm_balance_result_t r;
    run("mrc", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 900);
    cr_assert_eq(r.target[1], 100);
    cr_assert_float_eq(r.log[0].benefit, 400, 1e-9);
    vmm_balance_result_fini(&r);
    vmm_mrc_free(&m0);
    vmm_mrc_free(&m1);
}

Test(balance_mrc, shares_weight_the_misses)
{
    /* Identical linear curves (1 miss/s per page each), shares 2000 vs
     * 1000: weights 4/3 and 2/3, so a page is worth 1.33 to VM 0 and 0.67
     * to VM 1. Pages go to VM 0 up to its limit of 800; benefit
     * 300 * (4/3 - 2/3) = 200 weighted misses/s. */
    static const uint32_t f[] = {1000};
    static const double ra[] = {0.0};
    vmm_mrc_t m = bmrc(1, f, ra);
    vmm_balance_vm_t v[2] = {bvm(500, 0, 800, 2000, 1, 1000, &m),
                             bvm(500, 0, NOLIMIT, 1000, 1, 1000, &m)};
    vmm_balance_cfg_t cfg = bcfg(50, 0);
    vmm_balance_result_t r;
    run("mrc", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 800);
    cr_assert_eq(r.target[1], 200);
    cr_assert_float_eq(r.log[0].benefit, 200, 1e-9);
    vmm_balance_result_fini(&r);
    /* Equal shares: slopes tie, nothing moves. */
    v[0].shares = 1000;
    run("mrc", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 500);
    cr_assert_eq(r.nlog, 0);
    vmm_balance_result_fini(&r);
    vmm_mrc_free(&m);
}

Test(balance_mrc, equal_miss_ratio)
{
    /* The convex curves: ratio_0(x) = 0.4 - 0.0005x (400..800),
     * ratio_1(y) = 0.4 - 0.001(y - 200) (200..600). At 500/500: 0.15 vs
     * 0.10, so pages go from VM 1 to VM 0; they meet at x = 533.3.
     * Step 50: 550/450 gives 0.125/0.150 (gap 0.05 -> 0.025); the way back
     * would give a gap of 0.05 again: stop at 550/450.
     * Step 10: 510 (.145/.110), 520 (.14/.12), 530 (.135/.13, gap .005);
     * 540 would give .13/.14 (gap .01): stop at 530/470. */
    vmm_mrc_t m0 = bmrc(2, cvx0_f, cvx0_r), m1 = bmrc(2, cvx1_f, cvx1_r);
    vmm_balance_vm_t v[2] = {bvm(500, 0, NOLIMIT, 1000, 1, 1000, &m0),
                             bvm(500, 0, NOLIMIT, 1000, 1, 1000, &m1)};
    vmm_balance_cfg_t cfg = bcfg(50, 0);
    cfg.goal = VMM_BALANCE_EQUAL_RATIO;
    vmm_balance_result_t r;
    run("mrc", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 550);
    cr_assert_eq(r.target[1], 450);
    cr_assert_eq(r.nlog, 1);
    cr_assert_eq(r.log[0].reason, VMM_BALANCE_R_EQUALIZE);
    cr_assert_float_eq(r.log[0].benefit, 0.025, 1e-9);
    vmm_balance_result_fini(&r);

    cfg.step = 10;
    run("mrc", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 530);
    cr_assert_eq(r.target[1], 470);
    cr_assert_float_eq(r.log[0].benefit, 0.05 - 0.005, 1e-9);
    vmm_balance_result_fini(&r);

    /* Shares 2:1 (weights 4/3, 2/3): equal weighted ratios mean VM 0's
     * ratio is half of VM 1's: 0.4 - 0.0005x = 0.5 (-0.4 + 0.001x) at
     * x = 600. Step 10 from 500: the gap |4/3 r0 - 2/3 r1| shrinks by
     * 0.01 per step (4/3*0.005 + 2/3*0.01 = 0.01333) from 0.1333 and hits
     * 0 at 600. */
    cfg.step = 10;
    v[0].shares = 2000;
    run("mrc", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 600);
    cr_assert_eq(r.target[1], 400);
    vmm_balance_result_fini(&r);
    vmm_mrc_free(&m0);
    vmm_mrc_free(&m1);
}

Test(balance_mrc, lookahead_sees_past_a_plateau)
{
    /* VM 0 loops over 600 pages: ratio 1.0 up to 599 frames, 0 at 600.
     * VM 1: ratio 0.3 at 100 falling linearly to 0 at 1000 (0.333 misses/s
     * per page at 1000 refs/s). Both at 500.
     * Lookahead 1: a step of 50 gains VM 0 nothing, and VM 0 loses nothing
     * either (it misses every time below 600), so VM 1 takes all its pages:
     * 0/1000, 1000 misses/s in all.
     * Lookahead 4: VM 0's best chunk is 2 steps (100 pages): 1000 misses/s
     * saved, 10 per page; VM 1 loses 0.2 - 0.1667 = 33.3 misses/s for
     * them: 600/400, 200 misses/s in all, benefit 966.7. */
    static const uint32_t f0[] = {500, 599, 600}, f1[] = {100, 1000};
    static const double r0[] = {1.0, 1.0, 0.0}, r1[] = {0.3, 0.0};
    vmm_mrc_t m0 = bmrc(3, f0, r0), m1 = bmrc(2, f1, r1);
    vmm_balance_vm_t v[2] = {bvm(500, 0, NOLIMIT, 1000, 1, 1000, &m0),
                             bvm(500, 0, NOLIMIT, 1000, 1, 1000, &m1)};
    vmm_balance_cfg_t cfg = bcfg(50, 0);
    cfg.lookahead = 1;
    vmm_balance_result_t r;
    run("mrc", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 0);
    cr_assert_eq(r.target[1], 1000);
    vmm_balance_result_fini(&r);

    cfg.lookahead = 4;
    run("mrc", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 600);
    cr_assert_eq(r.target[1], 400);
    cr_assert_eq(r.nlog, 1);
    cr_assert_float_eq(r.log[0].benefit, 1000 - 100.0 / 3, 1e-6);
    vmm_balance_result_fini(&r);
    vmm_mrc_free(&m0);
    vmm_mrc_free(&m1);
}

Test(balance_mrc, vm_without_curve_is_left_alone)
{
    /* VM 1 has no MRC yet: no transfer touches it, and when the host is
     * 200 pages short the fit takes them from VM 0 (which has a curve)
     * first: 400/600. VM 0's loss: its ratio goes from 0.1 at 600 to 0.2
     * at 400, at 1000 refs/s 100 misses/s, logged as a benefit of -100. */
    vmm_mrc_t m0 = bmrc(2, cvx0_f, cvx0_r);
    vmm_balance_vm_t v[2] = {bvm(600, 0, NOLIMIT, 1000, 1, 1000, &m0),
                             bvm(600, 0, NOLIMIT, 1000, 1, 1000, NULL)};
    vmm_balance_cfg_t cfg = bcfg(50, 0);
    vmm_balance_result_t r;
    run("mrc", &cfg, v, 2, 1000, &r);
    cr_assert_eq(r.target[0], 400);
    cr_assert_eq(r.target[1], 600);
    cr_assert_eq(r.nlog, 1);
    cr_assert_eq(r.log[0].reason, VMM_BALANCE_R_FIT);
    cr_assert_float_eq(r.log[0].benefit, -100, 1e-9);
    vmm_balance_result_fini(&r);
    vmm_mrc_free(&m0);
}

Test(balance_mrc, free_pages_go_where_they_help)
{
    /* 400 free pages: VM 1 gains 1 miss/s per page up to 600, VM 0 only
     * 0.5; VM 1 gets 100 (to 600), then VM 0 gains 0.5/page up to 800 and
     * VM 1 nothing: VM 0 gets 300 -> 800/600, all misses gone but cold. */
    vmm_mrc_t m0 = bmrc(2, cvx0_f, cvx0_r), m1 = bmrc(2, cvx1_f, cvx1_r);
    vmm_balance_vm_t v[2] = {bvm(500, 0, NOLIMIT, 1000, 1, 1000, &m0),
                             bvm(500, 0, NOLIMIT, 1000, 1, 1000, &m1)};
    vmm_balance_cfg_t cfg = bcfg(50, 0);
    vmm_balance_result_t r;
    run("mrc", &cfg, v, 2, 1400, &r);
    cr_assert_eq(r.target[0], 800);
    cr_assert_eq(r.target[1], 600);
    cr_assert_eq(r.log[0].to, 1);
    cr_assert_eq(r.log[0].reason, VMM_BALANCE_R_FREE);
    cr_assert_float_eq(r.log[0].benefit, 100, 1e-9);
    vmm_balance_result_fini(&r);
    /* More host than anyone can use: 200 pages stay free. */
    run("mrc", &cfg, v, 2, 1600, &r);
    cr_assert_eq(r.target[0] + r.target[1], 1400);
    vmm_balance_result_fini(&r);
    vmm_mrc_free(&m0);
    vmm_mrc_free(&m1);
}

/* --- properties on random inputs -------------------------------------------- */

/* A random non-increasing curve over 1000 references. */
static void random_mrc(vmm_rng_t *g, vmm_mrc_t *c)
{
    uint32_t n = 1 + (uint32_t)vmm_rng_below(g, 8);
    cr_assert_eq(vmm_mrc_alloc(c, n), 0);
    c->refs = 1000;
    uint32_t f = 0;
    double m = 1000;
    for (uint32_t i = 0; i < n; i++) {
        f += 1 + (uint32_t)vmm_rng_below(g, 300);
        /* Sometimes flat, sometimes a cliff: non-convex on purpose. */
        if (vmm_rng_below(g, 3))
            m *= vmm_rng_double(g);
        c->frames[i] = f;
        c->misses[i] = m;
    }
}

static void random_case(vmm_rng_t *g, vmm_balance_vm_t *v, size_t *n, uint64_t *host,
                        vmm_mrc_t *curves, vmm_balance_cfg_t *cfg)
{
    *n = 1 + (size_t)vmm_rng_below(g, 6);
    uint64_t reserved = 0;
    for (size_t i = 0; i < *n; i++) {
        uint64_t res = vmm_rng_below(g, 4) ? vmm_rng_below(g, 200) : 0;
        uint64_t lim = vmm_rng_below(g, 3) ? res + vmm_rng_below(g, 1500) : NOLIMIT;
        random_mrc(g, &curves[i]);
        v[i] = bvm(vmm_rng_below(g, 1200), res, lim, 1 + (double)vmm_rng_below(g, 4000),
                   vmm_rng_double(g), (double)vmm_rng_below(g, 100000),
                   vmm_rng_below(g, 5) ? &curves[i] : NULL);
        v[i].size = vmm_rng_below(g, 1500);
        v[i].priority = (int)vmm_rng_below(g, 3);
        reserved += res;
    }
    *host = reserved + vmm_rng_below(g, 3000);
    vmm_balance_cfg_default(cfg);
    cfg->tau = vmm_rng_double(g) * 0.99;
    cfg->step = 1 + vmm_rng_below(g, 100);
    cfg->max_move = vmm_rng_below(g, 2) ? 0 : vmm_rng_below(g, 800);
    cfg->lookahead = 1 + (uint32_t)vmm_rng_below(g, 8);
    cfg->goal = (int)vmm_rng_below(g, 2);
}

Test(balance_props, bounds_conservation_determinism)
{
    vmm_rng_t g;
    vmm_rng_seed(&g, 42);
    for (int iter = 0; iter < 1500; iter++) {
        vmm_balance_vm_t v[6];
        vmm_mrc_t curves[6];
        size_t n;
        uint64_t host;
        vmm_balance_cfg_t cfg;
        random_case(&g, v, &n, &host, curves, &cfg);
        for (const vmm_balance_ops *const *ops = vmm_balance_all(); *ops; ops++) {
            vmm_balance_result_t a, b;
            char what[64];
            snprintf(what, sizeof what, "%s case %d", (*ops)->name, iter);
            cr_assert_eq(vmm_balance_run(*ops, &cfg, v, n, host, &a, NULL), 0, "%s", what);
            check_result(v, n, host, &a, what);
            cr_assert_eq(vmm_balance_run(*ops, &cfg, v, n, host, &b, NULL), 0, "%s", what);
            cr_assert_eq(a.nlog, b.nlog, "%s", what);
            cr_assert(!memcmp(a.target, b.target, n * sizeof *a.target), "%s", what);
            cr_assert(!a.nlog || !memcmp(a.log, b.log, a.nlog * sizeof *a.log), "%s", what);
            if (cfg.max_move && strcmp((*ops)->name, "static"))
                cr_assert_leq(a.moved, cfg.max_move, "%s", what);
            vmm_balance_result_fini(&a);
            vmm_balance_result_fini(&b);
        }
        for (size_t i = 0; i < n; i++)
            vmm_mrc_free(&curves[i]);
    }
}

Test(balance_props, min_misses_never_worse)
{
    /* Goal min-weighted-misses on a host that fits the allocations: every
     * transfer lowers the weighted misses, so the total never rises. */
    vmm_rng_t g;
    vmm_rng_seed(&g, 7);
    for (int iter = 0; iter < 500; iter++) {
        vmm_balance_vm_t v[6];
        vmm_mrc_t curves[6];
        size_t n;
        uint64_t host;
        vmm_balance_cfg_t cfg;
        random_case(&g, v, &n, &host, curves, &cfg);
        cfg.goal = VMM_BALANCE_MIN_MISSES;
        uint64_t sum = 0;
        double wsum = 0, before = 0, after = 0;
        for (size_t i = 0; i < n; i++) {
            v[i].mrc = &curves[i];
            if (v[i].alloc < v[i].reservation)
                v[i].alloc = v[i].reservation;
            if (v[i].alloc > v[i].limit)
                v[i].alloc = v[i].limit;
            sum += v[i].alloc;
            wsum += v[i].shares;
        }
        if (host < sum)
            host = sum;
        vmm_balance_result_t r;
        cr_assert_eq(vmm_balance_run(vmm_balance_find("mrc"), &cfg, v, n, host, &r, NULL), 0);
        for (size_t i = 0; i < n; i++) {
            double w = v[i].shares * (double)n / wsum * v[i].ref_rate;
            before += w * vmm_mrc_ratio_at(&curves[i], (double)v[i].alloc);
            after += w * vmm_mrc_ratio_at(&curves[i], (double)r.target[i]);
        }
        cr_assert_leq(after, before * (1 + 1e-9) + 1e-9, "case %d: %g -> %g", iter, before, after);
        vmm_balance_result_fini(&r);
        for (size_t i = 0; i < n; i++)
            vmm_mrc_free(&curves[i]);
    }
}

/* --- bad input ------------------------------------------------------------- */

static void expect_einval(const vmm_balance_cfg_t *cfg, const vmm_balance_vm_t *v, size_t n,
                          uint64_t host, const char *word)
{
    vmm_err_t err;
    vmm_err_clear(&err);
    vmm_balance_result_t r;
    int rc = vmm_balance_run(vmm_balance_find("shares"), cfg, v, n, host, &r, &err);
    cr_assert_eq(rc, VMM_EINVAL, "want EINVAL for '%s', got %d", word, rc);
    cr_assert(strstr(err.msg, word), "message '%s' lacks '%s'", err.msg, word);
    cr_assert_null(r.target);
    cr_assert_null(r.log);
}

Test(balance_cfg, bad_config_and_views)
{
    vmm_balance_vm_t v[2] = {bvm(100, 0, NOLIMIT, 1000, 1, 0, NULL),
                             bvm(100, 0, NOLIMIT, 1000, 1, 0, NULL)};
    vmm_balance_cfg_t cfg = bcfg(10, 0);
    cfg.tau = 1.0;
    expect_einval(&cfg, v, 2, 1000, "tau");
    cfg.tau = -0.1;
    expect_einval(&cfg, v, 2, 1000, "tau");
    cfg.tau = NAN;
    expect_einval(&cfg, v, 2, 1000, "tau");
    cfg = bcfg(10, 0);
    cfg.goal = 5;
    expect_einval(&cfg, v, 2, 1000, "goal");
    cfg = bcfg(0, 0);
    expect_einval(&cfg, v, 2, 1000, "step");
    cfg = bcfg(10, 0);
    cfg = bcfg(10, 0);
    expect_einval(NULL, v, 2, 1000, "configuration");
    expect_einval(&cfg, NULL, 2, 1000, "no VMs");

    v[1].reservation = 200, v[1].limit = 100;
    expect_einval(&cfg, v, 2, 1000, "VM 1: reservation");
    v[1].limit = NOLIMIT;
    expect_einval(&cfg, v, 2, 150, "reservations (200 pages) exceed");
    v[1].reservation = 0;
    v[0].shares = 0;
    expect_einval(&cfg, v, 2, 1000, "VM 0: shares");
    v[0].shares = 1000, v[0].active = 1.5;
    expect_einval(&cfg, v, 2, 1000, "active");
    v[0].active = 0.5, v[0].ref_rate = -1;
    expect_einval(&cfg, v, 2, 1000, "reference rate");
    v[0].ref_rate = 0;

    /* No VMs is a valid, empty decision. */
    vmm_balance_result_t r;
    cr_assert_eq(vmm_balance_run(vmm_balance_find("mrc"), &cfg, v, 0, 10, &r, NULL), 0);
    cr_assert_eq(r.nlog, 0);
    vmm_balance_result_fini(&r);
    vmm_balance_result_fini(NULL);
}

/* --- allocation failure ---------------------------------------------------- */

Test(balance_alloc, every_failure_is_enomem_and_harmless)
{
    /* Three VMs whose decisions log several entries (bounds, fit, moves),
     * so the log grows while failures are injected. */
    vmm_mrc_t m0 = bmrc(2, cvx0_f, cvx0_r), m1 = bmrc(2, cvx1_f, cvx1_r);
    vmm_balance_vm_t v[3] = {bvm(700, 0, NOLIMIT, 1000, 1, 1000, &m0),
                             bvm(300, 350, NOLIMIT, 2000, 0.3, 1000, &m1),
                             bvm(300, 0, 250, 500, 0.1, 1000, &m1)};
    for (const vmm_balance_ops *const *ops = vmm_balance_all(); *ops; ops++)
        for (int goal = 0; goal < 2; goal++) {
            vmm_balance_cfg_t cfg = bcfg(5, 0);
            cfg.goal = goal;
            vmm_balance_result_t want, r;
            cr_assert_eq(vmm_balance_run(*ops, &cfg, v, 3, 1100, &want, NULL), 0);
            long k = 0;
            for (;; k++) {
                vmm_alloc_fail_after(k);
                int rc = vmm_balance_run(*ops, &cfg, v, 3, 1100, &r, NULL);
                vmm_alloc_fail_after(-1);
                if (!rc)
                    break;
                cr_assert_eq(rc, VMM_ENOMEM, "%s k=%ld rc=%d", (*ops)->name, k, rc);
                cr_assert_null(r.target);
                cr_assert_null(r.log);
                cr_assert(k < 100, "%s never succeeds", (*ops)->name);
            }
            cr_assert_gt(k, 0);
            cr_assert_eq(r.nlog, want.nlog);
            cr_assert(!memcmp(r.target, want.target, 3 * sizeof *r.target));
            vmm_balance_result_fini(&r);
            vmm_balance_result_fini(&want);
        }
    vmm_mrc_free(&m0);
    vmm_mrc_free(&m1);
    VMM_ASSERT_NO_LEAKS();
}

/* --- active-fraction estimator ----------------------------------------------- */

Test(balance_active, rises_fast_decays_slowly)
{
    vmm_active_cfg_t cfg;
    vmm_active_cfg_default(&cfg);
    cr_assert_eq(cfg.samples, 100);
    cr_assert_eq(vmm_active_cfg_check(&cfg, NULL), 0);

    /* From idle (0), half the samples touched so far: the in-period fast
     * average already says 0 + 0.5*(0.5 - 0) = 0.25. */
    vmm_active_t s = vmm_active_start(0);
    cr_assert_float_eq(vmm_active_estimate(s, &cfg, 0, 0), 0, 1e-12);
    cr_assert_float_eq(vmm_active_estimate(s, &cfg, 50, 100), 0.25, 1e-12);
    /* One fully active period: fast 0.5, slow 0.125 -> 0.5 at once. */
    s = vmm_active_update(s, &cfg, 100, 100);
    cr_assert_float_eq(s.fast, 0.5, 1e-12);
    cr_assert_float_eq(s.slow, 0.125, 1e-12);
    cr_assert_float_eq(vmm_active_estimate(s, &cfg, 0, 0), 0.5, 1e-12);
    cr_assert_eq(s.periods, 1);

    /* From fully active (1), idle periods: fast halves (0.5, 0.25), slow
     * loses 1/8 a period (0.875, 0.765625): the estimate follows the slow
     * one. */
    s = vmm_active_start(1);
    s = vmm_active_update(s, &cfg, 0, 100);
    cr_assert_float_eq(vmm_active_estimate(s, &cfg, 0, 0), 0.875, 1e-12);
    s = vmm_active_update(s, &cfg, 0, 100);
    cr_assert_float_eq(vmm_active_estimate(s, &cfg, 0, 0), 0.765625, 1e-12);
    /* And a burst comes back fast: 80 touched -> fast 0.25 + 0.5*(0.8 -
     * 0.25) = 0.525; slow 0.765625 + (0.8 - 0.765625)/8 = 0.76992. */
    s = vmm_active_update(s, &cfg, 80, 100);
    cr_assert_float_eq(s.fast, 0.525, 1e-12);
    cr_assert_float_eq(vmm_active_estimate(s, &cfg, 0, 0), 0.765625 + 0.034375 / 8, 1e-12);
    /* A period without samples changes nothing; touched > sampled is 1. */
    vmm_active_t same = vmm_active_update(s, &cfg, 5, 0);
    cr_assert(!memcmp(&same, &s, sizeof s));
    s = vmm_active_update(vmm_active_start(0), &cfg, 200, 100);
    cr_assert_float_eq(s.fast, 0.5, 1e-12);
    cr_assert_float_eq(vmm_active_start(7).fast, 1, 1e-12);
}

Test(balance_active, bad_config)
{
    vmm_active_cfg_t cfg;
    vmm_err_t err;
    vmm_active_cfg_default(&cfg);
    cfg.samples = 0;
    cr_assert_eq(vmm_active_cfg_check(&cfg, &err), VMM_EINVAL);
    cr_assert(strstr(err.msg, "samples"));
    vmm_active_cfg_default(&cfg);
    cfg.fast_gain = 0;
    cr_assert_eq(vmm_active_cfg_check(&cfg, &err), VMM_EINVAL);
    cr_assert(strstr(err.msg, "fast gain"));
    vmm_active_cfg_default(&cfg);
    cfg.slow_gain = 1.5;
    cr_assert_eq(vmm_active_cfg_check(&cfg, &err), VMM_EINVAL);
    vmm_active_cfg_default(&cfg);
    cfg.slow_gain = 0.9;
    cr_assert_eq(vmm_active_cfg_check(&cfg, &err), VMM_EINVAL);
    cr_assert(strstr(err.msg, "above fast gain"));
}

Test(balance_active, picks_distinct_pages)
{
    uint64_t a[100], b[100];
    for (uint64_t period = 0; period < 50; period++) {
        uint32_t n = vmm_active_pick(9, period, 1000, 100, a);
        cr_assert_eq(n, 100);
        for (uint32_t i = 0; i < n; i++) {
            cr_assert_lt(a[i], 1000);
            if (i)
                cr_assert_lt(a[i - 1], a[i], "not sorted or not distinct");
        }
        cr_assert_eq(vmm_active_pick(9, period, 1000, 100, b), 100);
        cr_assert(!memcmp(a, b, sizeof a), "not reproducible");
    }
    cr_assert_eq(vmm_active_pick(9, 1, 1000, 100, b), 100);
    cr_assert(memcmp(a, b, sizeof a), "periods should differ");
    /* Fewer pages than samples: all of them. */
    cr_assert_eq(vmm_active_pick(1, 0, 5, 100, a), 5);
    for (uint64_t i = 0; i < 5; i++)
        cr_assert_eq(a[i], i);
    cr_assert_eq(vmm_active_pick(1, 0, 0, 100, a), 0);

    /* Uniform: over many periods every page of 10 is picked about k/10 of
     * the time (3 of 10 per period, 3000 periods: 900 each, sd ~25). */
    unsigned count[10] = {0};
    for (uint64_t period = 0; period < 3000; period++) {
        cr_assert_eq(vmm_active_pick(3, period, 10, 3, a), 3);
        for (int i = 0; i < 3; i++)
            count[a[i]]++;
    }
    for (int i = 0; i < 10; i++)
        cr_assert(count[i] > 780 && count[i] < 1020, "page %d picked %u times", i, count[i]);
}
