/* Unit tests for the host CPU schedulers (vmmsim/sched.h).
 *
 * - the registry and its aliases; bad configurations give VMM_EINVAL with a
 *   message; every allocation failure gives VMM_ENOMEM and leaks nothing;
 * - round robin: exact alternation with the quantum, affinity, wait times;
 * - credit: exact first picks worked out by hand (docs/sched.md), weight
 *   shares 1/3 : 2/3 over 3 simulated seconds, a 50% cap holding a lone vCPU
 *   to half a pCPU, a cap beside an uncapped vCPU, shares on two pCPUs;
 * - every scheduler: a non-runnable vCPU is skipped; on random scenarios
 *   (affinity, caps, weights, runnable flips, slices cut short) every pick
 *   is allowed and no pCPU idles while a runnable, allowed, uncapped vCPU
 *   waits (work conservation).
 *
 * The tests drive the schedulers with a small event loop (sched_drive) that
 * plays the engine's part: the pCPU with the earliest clock accounts its
 * vCPU and picks the next one. */
#include <criterion/criterion.h>
#include "vmmsim/sched.h"
#include "util/rng.h"
#include <math.h>
#include <string.h>

#include "test_util.h"

#define MS 1e6

static vmm_sched_t *sched_new(const char *name, const vmm_sched_cfg_t *cfg,
                              const vmm_vcpu_desc_t *d, uint32_t nv, uint32_t np)
{
    vmm_sched_t *s = NULL;
    vmm_err_t err = {0};
    const vmm_sched_ops *ops = vmm_sched_find(name);
    cr_assert(ops, "no scheduler %s", name);
    int rc = vmm_sched_create(ops, cfg, d, nv, np, &s, &err);
    cr_assert_eq(rc, 0, "%s: create rc=%d (%s)", name, rc, err.msg);
    return s;
}

/* Pick on pCPU p at `now`, checking the call succeeded. */
static uint32_t sched_pick1(vmm_sched_t *s, uint32_t p, double now, double *slice)
{
    uint32_t v;
    cr_assert_eq(vmm_sched_pick(s, p, now, &v, slice), 0);
    return v;
}

static double sched_run_ns(vmm_sched_t *s, uint32_t v, double now)
{
    vmm_sched_stats_t st;
    cr_assert_eq(vmm_sched_stats(s, v, now, &st), 0);
    return st.run_ns;
}

/* The engine's part, for up to 8 pCPUs: repeatedly take the pCPU with the
 * earliest clock (busy before idle, then lowest index), account what it ran
 * and pick again, until every clock reaches `until`. A slice that would
 * pass `until` is cut there, so run times add up to exactly the elapsed
 * time. Returns the number of picks that found nothing. */
typedef struct drive {
    double t[8];
    uint32_t cur[8];
    double ran[8];
} drive_t;

static void drive_init(drive_t *d)
{
    memset(d, 0, sizeof *d);
    for (int p = 0; p < 8; p++)
        d->cur[p] = VMM_NONE;
}

/* Advance the pCPU that is due; 0 when every pCPU has reached `until`. */
static int drive_step(drive_t *d, vmm_sched_t *s, uint32_t np, double until, uint32_t *p_out,
                      uint32_t *v_out, double *slice_out)
{
    uint32_t p = VMM_NONE;
    for (uint32_t q = 0; q < np; q++) {
        if (d->t[q] >= until)
            continue;
        if (p == VMM_NONE || d->t[q] < d->t[p] ||
            (d->t[q] == d->t[p] && d->cur[q] != VMM_NONE && d->cur[p] == VMM_NONE))
            p = q;
    }
    if (p == VMM_NONE)
        return 0;
    if (d->cur[p] != VMM_NONE) {
        vmm_sched_account(s, d->cur[p], d->ran[p], d->t[p]);
        d->cur[p] = VMM_NONE;
    }
    double slice;
    uint32_t v = sched_pick1(s, p, d->t[p], &slice);
    if (v != VMM_NONE) {
        cr_assert(slice > 0 && isfinite(slice));
        if (d->t[p] + slice > until)
            slice = until - d->t[p];
        d->cur[p] = v;
        d->ran[p] = slice;
        d->t[p] += slice;
    } else if (isfinite(slice)) {
        cr_assert(slice > 0);
        d->t[p] = fmin(d->t[p] + slice, until);
    } else {
        /* Nothing changes until a busy pCPU accounts: wait for the first. */
        double next = until;
        for (uint32_t q = 0; q < np; q++)
            if (d->cur[q] != VMM_NONE && d->t[q] < next)
                next = d->t[q];
        d->t[p] = next;
    }
    *p_out = p;
    *v_out = v;
    *slice_out = slice;
    return 1;
}

/* Run to `until` and account the last slices. */
static void drive_all(vmm_sched_t *s, uint32_t np, double until)
{
    drive_t d;
    drive_init(&d);
    uint32_t p, v;
    double slice;
    while (drive_step(&d, s, np, until, &p, &v, &slice))
        ;
    for (uint32_t q = 0; q < np; q++)
        if (d.cur[q] != VMM_NONE)
            vmm_sched_account(s, d.cur[q], d.ran[q], d.t[q]);
}

Test(sched_registry, names_and_aliases)
{
    const vmm_sched_ops *const *all = vmm_sched_all();
    size_t n = 0;
    for (; all[n]; n++) {
        cr_assert(all[n]->name && all[n]->summary && all[n]->state_size);
        cr_assert_eq(vmm_sched_find(all[n]->name), all[n]);
    }
    cr_assert_geq(n, 2);
    cr_assert_str_eq(vmm_sched_find("RR")->name, "rr");
    cr_assert_str_eq(vmm_sched_find("round-robin")->name, "rr");
    cr_assert_str_eq(vmm_sched_find("xen")->name, "credit");
    cr_assert_null(vmm_sched_find("bvt"));
    cr_assert_null(vmm_sched_find(NULL));
}

Test(sched_cfg, bad_configurations)
{
    static const vmm_vcpu_desc_t ok[2] = {{.runnable = 1}, {.runnable = 1}};
    struct {
        const char *why;
        vmm_sched_cfg_t cfg;
        vmm_vcpu_desc_t d;
        uint32_t nv, np;
    } bad[] = {
        {"no pCPU", {.slice_ns = 0}, {.runnable = 1}, 1, 0},
        {"65 pCPUs", {.slice_ns = 0}, {.runnable = 1}, 1, 65},
        {"no vCPU", {.slice_ns = 0}, {.runnable = 1}, 0, 1},
        {"weight 65536", {.slice_ns = 0}, {.weight = 65536}, 1, 1},
        {"cap 101", {.slice_ns = 0}, {.cap = 101}, 1, 1},
        {"affinity outside the pCPUs", {.slice_ns = 0}, {.affinity = 1u << 2}, 1, 2},
        {"negative slice", {.slice_ns = -1}, {.runnable = 1}, 1, 1},
        {"NaN period", {.period_ns = NAN}, {.runnable = 1}, 1, 1},
        {"infinite tick", {.tick_ns = INFINITY}, {.runnable = 1}, 1, 1},
    };
    for (const vmm_sched_ops *const *o = vmm_sched_all(); *o; o++)
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            vmm_err_t err = {0};
            vmm_sched_t *s = (vmm_sched_t *)&err; /* must be reset to NULL */
            int rc = vmm_sched_create(*o, &bad[i].cfg, &bad[i].d, bad[i].nv, bad[i].np, &s, &err);
            cr_assert_eq(rc, VMM_EINVAL, "%s, %s: rc=%d", (*o)->name, bad[i].why, rc);
            cr_assert_null(s);
            cr_assert_neq(err.msg[0], 0, "%s, %s: no message", (*o)->name, bad[i].why);
        }
    vmm_err_t err = {0};
    vmm_sched_t *s;
    cr_assert_eq(vmm_sched_create(NULL, NULL, ok, 2, 1, &s, &err), VMM_EINVAL);
    cr_assert_neq(err.msg[0], 0);
    cr_assert_eq(vmm_sched_create(vmm_sched_find("rr"), NULL, NULL, 2, 1, &s, &err), VMM_EINVAL);
    vmm_sched_destroy(NULL);
}

Test(sched_cfg, pick_arguments)
{
    static const vmm_vcpu_desc_t d[2] = {{.runnable = 1}, {.runnable = 1}};
    vmm_sched_t *s = sched_new("credit", NULL, d, 2, 1);
    uint32_t v;
    double slice;
    cr_assert_eq(vmm_sched_pick(s, 1, 0, &v, &slice), VMM_EINVAL);
    cr_assert_eq(vmm_sched_pick(s, 0, 0, &v, &slice), 0);
    cr_assert_eq(vmm_sched_running_on(s, v), 0);
    /* pCPU 0 still runs v: it must be accounted first. */
    cr_assert_eq(vmm_sched_pick(s, 0, 0, &v, &slice), VMM_EINVAL);
    vmm_sched_stats_t st;
    cr_assert_eq(vmm_sched_stats(s, 2, 0, &st), VMM_EINVAL);
    cr_assert_eq(vmm_sched_running_on(s, 7), VMM_NONE);
    vmm_sched_account(s, 9, 1, 1);   /* out of range: ignored */
    vmm_sched_account(s, 1, 1, 1);   /* not running: ignored */
    cr_assert_eq(sched_run_ns(s, 1, 1), 0);
    cr_assert_str_eq(vmm_sched_get_ops(s)->name, "credit");
    vmm_sched_destroy(s);
}

Test(sched_rr, alternates_with_the_quantum)
{
    static const vmm_vcpu_desc_t d[2] = {{.runnable = 1}, {.runnable = 1}};
    static const double quanta[] = {0, 5 * MS};
    for (size_t q = 0; q < 2; q++) {
        vmm_sched_cfg_t cfg = {.slice_ns = quanta[q]};
        double want = q ? 5 * MS : 30 * MS; /* 0 means the 30 ms default */
        vmm_sched_t *s = sched_new("rr", &cfg, d, 2, 1);
        double t = 0, slice;
        for (int i = 0; i < 10; i++) {
            uint32_t v = sched_pick1(s, 0, t, &slice);
            cr_assert_eq(v, (uint32_t)(i % 2), "pick %d: vCPU %u", i, v);
            cr_assert_eq(slice, want);
            t += slice;
            vmm_sched_account(s, v, slice, t);
        }
        vmm_sched_stats_t st;
        for (uint32_t v = 0; v < 2; v++) {
            cr_assert_eq(vmm_sched_stats(s, v, t, &st), 0);
            cr_assert_eq(st.slices, 5);
            cr_assert_eq(st.run_ns, 5 * want);
            cr_assert_eq(st.wait_ns, 5 * want);
        }
        vmm_sched_destroy(s);
    }
}

Test(sched_rr, affinity_respected)
{
    /* vCPU 0 only on pCPU 1, vCPU 1 only on pCPU 0, vCPU 2 anywhere. */
    static const vmm_vcpu_desc_t d[3] = {
        {.runnable = 1, .affinity = 2}, {.runnable = 1, .affinity = 1}, {.runnable = 1}};
    vmm_sched_t *s = sched_new("rr", NULL, d, 3, 2);
    double slice;
    cr_assert_eq(sched_pick1(s, 0, 0, &slice), 1);
    cr_assert_eq(sched_pick1(s, 1, 0, &slice), 0);
    vmm_sched_account(s, 1, 30 * MS, 30 * MS);
    /* vCPU 0 is busy on pCPU 1, so pCPU 0 takes vCPU 2 before vCPU 1. */
    cr_assert_eq(sched_pick1(s, 0, 30 * MS, &slice), 2);
    vmm_sched_account(s, 0, 30 * MS, 30 * MS);
    /* pCPU 1 may not run vCPU 1 and vCPU 2 is busy: vCPU 0 again... */
    cr_assert_eq(sched_pick1(s, 1, 30 * MS, &slice), 0);
    vmm_sched_set_runnable(s, 0, 0, 40 * MS);
    vmm_sched_account(s, 0, 10 * MS, 40 * MS);
    /* ...and once its trace has ended, pCPU 1 idles though vCPU 1 waits. */
    cr_assert_eq(sched_pick1(s, 1, 40 * MS, &slice), VMM_NONE);
    cr_assert(isinf(slice));
    /* pCPU 0 is the one that takes vCPU 1 when vCPU 2's slice ends. */
    vmm_sched_account(s, 2, 30 * MS, 60 * MS);
    cr_assert_eq(sched_pick1(s, 0, 60 * MS, &slice), 1);
    vmm_sched_destroy(s);
}

Test(sched_all, affinity_changes_at_run_time)
{
    /* NUMA vCPU migration: vCPU 0 starts on pCPU 0 only, then is moved to
     * pCPU 1; a mask with no pCPU of the host and an unknown vCPU are
     * refused and change nothing. */
    static const vmm_vcpu_desc_t d[1] = {{.runnable = 1, .affinity = 1}};
    for (const vmm_sched_ops *const *o = vmm_sched_all(); *o; o++) {
        vmm_sched_t *s = sched_new((*o)->name, NULL, d, 1, 2);
        double slice;
        cr_assert_eq(sched_pick1(s, 1, 0, &slice), VMM_NONE, "%s", (*o)->name);
        cr_assert_eq(sched_pick1(s, 0, 0, &slice), 0, "%s", (*o)->name);
        cr_assert_eq(vmm_sched_set_affinity(s, 0, 2), 0);
        cr_assert_eq(vmm_sched_set_affinity(s, 0, 4), VMM_EINVAL);
        cr_assert_eq(vmm_sched_set_affinity(s, 1, 2), VMM_EINVAL);
        /* still running where it was until accounted */
        cr_assert_eq(vmm_sched_running_on(s, 0), 0);
        vmm_sched_account(s, 0, 10 * MS, 10 * MS);
        cr_assert_eq(sched_pick1(s, 0, 10 * MS, &slice), VMM_NONE, "%s", (*o)->name);
        cr_assert_eq(sched_pick1(s, 1, 10 * MS, &slice), 0, "%s", (*o)->name);
        vmm_sched_destroy(s);
    }
}

Test(sched_all, non_runnable_is_skipped)
{
    static const vmm_vcpu_desc_t d[3] = {{.runnable = 0}, {.runnable = 1}, {.runnable = 1}};
    for (const vmm_sched_ops *const *o = vmm_sched_all(); *o; o++) {
        vmm_sched_t *s = sched_new((*o)->name, NULL, d, 3, 1);
        double t = 0, slice;
        for (int i = 0; i < 6; i++) {
            uint32_t v = sched_pick1(s, 0, t, &slice);
            cr_assert(v == 1 || v == 2, "%s: picked %u", (*o)->name, v);
            t += slice;
            vmm_sched_account(s, v, slice, t);
        }
        /* vCPU 1's trace ends while it runs; vCPU 0's work arrives. */
        uint32_t v = sched_pick1(s, 0, t, &slice);
        vmm_sched_set_runnable(s, 1, 0, t + 1 * MS);
        vmm_sched_set_runnable(s, 0, 1, t + 1 * MS);
        t += slice;
        vmm_sched_account(s, v, slice, t);
        for (int i = 0; i < 6; i++) {
            v = sched_pick1(s, 0, t, &slice);
            cr_assert(v == 0 || v == 2, "%s: picked %u after it ended", (*o)->name, v);
            t += slice;
            vmm_sched_account(s, v, slice, t);
        }
        vmm_sched_set_runnable(s, 0, 0, t);
        vmm_sched_set_runnable(s, 2, 0, t);
        cr_assert_eq(sched_pick1(s, 0, t, &slice), VMM_NONE, "%s", (*o)->name);
        cr_assert(isinf(slice), "%s: idle %g", (*o)->name, slice);
        vmm_sched_stats_t st;
        cr_assert_eq(vmm_sched_stats(s, 1, t, &st), 0);
        cr_assert_eq(st.run_ns + st.wait_ns, 7 * 30 * MS, "%s: %g + %g", (*o)->name, st.run_ns,
                     st.wait_ns);
        vmm_sched_destroy(s);
    }
}

Test(sched_credit, first_picks_by_hand)
{
    /* Weights 256 (A) and 512 (B) on one pCPU, 30 ms slices and periods:
     * each refill gives A 10 ms and B 20 ms of credit.
     *   t=0    A 0, B 0 (both UNDER, A first by index)      -> A
     *   t=30   A -30+10=-20 OVER, B 0+20=20 UNDER           -> B
     *   t=60   A -10 OVER, B 20-30+10=0 UNDER               -> B
     *   t=90   A 0 UNDER, B -30+20=-10 OVER                 -> A
     *   t=120  A -30+10=-20, B -10+20=10                    -> B
     *   t=150  A -10, B 10-30+20=0                           -> B */
    static const vmm_vcpu_desc_t d[2] = {{.runnable = 1}, {.runnable = 1, .weight = 512}};
    static const uint32_t want[] = {0, 1, 1, 0, 1, 1};
    vmm_sched_t *s = sched_new("credit", NULL, d, 2, 1);
    double t = 0, slice;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint32_t v = sched_pick1(s, 0, t, &slice);
        cr_assert_eq(v, want[i], "pick %zu at %g ms: vCPU %u", i, t / MS, v);
        cr_assert_eq(slice, 30 * MS);
        t += slice;
        vmm_sched_account(s, v, slice, t);
    }
    vmm_sched_destroy(s);
}

Test(sched_credit, weights_share_one_pcpu)
{
    static const vmm_vcpu_desc_t d[2] = {{.runnable = 1, .weight = 256},
                                         {.runnable = 1, .weight = 512}};
    vmm_sched_t *s = sched_new("credit", NULL, d, 2, 1);
    double total = 3000 * MS;
    drive_all(s, 1, total);
    double a = sched_run_ns(s, 0, total), b = sched_run_ns(s, 1, total);
    cr_assert_float_eq(a + b, total, 1);
    cr_assert_float_eq(a, total / 3, 30 * MS, "A ran %g ms", a / MS);
    cr_assert_float_eq(b, 2 * total / 3, 30 * MS, "B ran %g ms", b / MS);
    vmm_sched_destroy(s);
}

Test(sched_credit, weights_share_three_ways)
{
    static const vmm_vcpu_desc_t d[3] = {{.runnable = 1, .weight = 100},
                                         {.runnable = 1, .weight = 200},
                                         {.runnable = 1, .weight = 700}};
    vmm_sched_t *s = sched_new("credit", NULL, d, 3, 1);
    double total = 30000 * MS;
    drive_all(s, 1, total);
    for (uint32_t v = 0; v < 3; v++) {
        double r = sched_run_ns(s, v, total), want = total * d[v].weight / 1000;
        cr_assert_float_eq(r, want, 60 * MS, "vCPU %u ran %g ms, want %g", v, r / MS, want / MS);
    }
    vmm_sched_destroy(s);
}

Test(sched_credit, weights_share_two_pcpus)
{
    /* Weights 1:1:1:3 on 2 pCPUs: the heavy vCPU is entitled to one whole
     * pCPU, the three others share the second. */
    static const vmm_vcpu_desc_t d[4] = {
        {.runnable = 1}, {.runnable = 1}, {.runnable = 1}, {.runnable = 1, .weight = 768}};
    vmm_sched_t *s = sched_new("credit", NULL, d, 4, 2);
    double total = 3000 * MS;
    drive_all(s, 2, total);
    double sum = 0;
    for (uint32_t v = 0; v < 4; v++) {
        double r = sched_run_ns(s, v, total);
        double want = v == 3 ? total : total / 3;
        cr_assert_float_eq(r, want, 60 * MS, "vCPU %u ran %g ms, want %g", v, r / MS, want / MS);
        sum += r;
    }
    cr_assert_float_eq(sum, 2 * total, 1);
    vmm_sched_destroy(s);
}

Test(sched_credit, cap_holds_a_lone_vcpu)
{
    static const uint32_t caps[] = {50, 25, 100};
    for (size_t i = 0; i < 3; i++) {
        vmm_vcpu_desc_t d = {.runnable = 1, .cap = caps[i]};
        vmm_sched_t *s = sched_new("credit", NULL, &d, 1, 1);
        double total = 3000 * MS;
        drive_all(s, 1, total);
        double r = sched_run_ns(s, 0, total);
        cr_assert_float_eq(r, total * caps[i] / 100, 30 * MS, "cap %u: ran %g ms", caps[i],
                           r / MS);
        vmm_sched_destroy(s);
    }
}

Test(sched_credit, parked_until_refill)
{
    /* A lone 50%-capped vCPU: it starts with 0 credit, runs one tick and is
     * parked; the idle pCPU is told to wait for the refill at 30 ms. */
    vmm_vcpu_desc_t d = {.runnable = 1, .cap = 50};
    vmm_sched_t *s = sched_new("credit", NULL, &d, 1, 1);
    double slice;
    cr_assert_eq(sched_pick1(s, 0, 0, &slice), 0);
    cr_assert_eq(slice, 10 * MS);
    vmm_sched_account(s, 0, 10 * MS, 10 * MS);
    cr_assert_eq(sched_pick1(s, 0, 10 * MS, &slice), VMM_NONE);
    cr_assert_eq(slice, 20 * MS);
    /* Refill at 30 ms: -10 + 15 = 5 ms of credit, used up within a tick. */
    cr_assert_eq(sched_pick1(s, 0, 30 * MS, &slice), 0);
    cr_assert_eq(slice, 10 * MS);
    vmm_sched_destroy(s);
}

Test(sched_credit, cap_beside_uncapped)
{
    /* A 25% cap beside an uncapped vCPU on one pCPU: the capped one gets a
     * quarter, the other everything else, and the pCPU never idles. */
    static const vmm_vcpu_desc_t d[2] = {{.runnable = 1, .cap = 25}, {.runnable = 1}};
    vmm_sched_t *s = sched_new("credit", NULL, d, 2, 1);
    double total = 3000 * MS;
    drive_all(s, 1, total);
    double a = sched_run_ns(s, 0, total), b = sched_run_ns(s, 1, total);
    cr_assert_float_eq(a, total / 4, 30 * MS, "capped ran %g ms", a / MS);
    cr_assert_float_eq(a + b, total, 1);
    vmm_sched_destroy(s);
}

/* Random scenarios for one scheduler: every pick is allowed, and an idle
 * pCPU has no runnable, allowed, uncapped vCPU waiting. Returns how often a
 * pCPU idled while some runnable vCPU was not running (so the check bit). */
static long sched_check_random(const vmm_sched_ops *ops, uint64_t seed)
{
    long idle_waiting = 0;
    vmm_rng_t rng;
    vmm_rng_seed(&rng, seed);
    uint32_t np = 1 + (uint32_t)vmm_rng_below(&rng, 4);
    uint32_t nv = 1 + (uint32_t)vmm_rng_below(&rng, 8);
    vmm_vcpu_desc_t d[8];
    int runnable[8];
    for (uint32_t v = 0; v < nv; v++) {
        d[v] = (vmm_vcpu_desc_t){
            .vm = v / 2,
            .weight = 1 + (uint32_t)vmm_rng_below(&rng, 1000),
            .cap = vmm_rng_below(&rng, 3) ? 0 : 1 + (uint32_t)vmm_rng_below(&rng, 100),
            .affinity = vmm_rng_below(&rng, 2) ? 0 : 1 + vmm_rng_below(&rng, (1u << np) - 1),
            .runnable = (int)vmm_rng_below(&rng, 4) != 0,
        };
        runnable[v] = d[v].runnable;
    }
    vmm_sched_t *s = sched_new(ops->name, NULL, d, nv, np);
    int credit = !strcmp(ops->name, "credit");
    drive_t dr;
    drive_init(&dr);
    uint32_t p, v;
    double slice, until = 2000 * MS;
    while (drive_step(&dr, s, np, until, &p, &v, &slice)) {
        double now = dr.t[p] - (v != VMM_NONE ? slice : 0);
        if (v != VMM_NONE) {
            cr_assert(runnable[v], "%s seed %lu: picked non-runnable %u", ops->name,
                      (unsigned long)seed, v);
            cr_assert(!d[v].affinity || (d[v].affinity >> p & 1), "%s: affinity", ops->name);
            for (uint32_t q = 0; q < np; q++)
                cr_assert(q == p || dr.cur[q] != v, "%s: vCPU %u on two pCPUs", ops->name, v);
            /* Sometimes the slice is cut short (a bandwidth quota). */
            if (vmm_rng_below(&rng, 4) == 0) {
                dr.ran[p] = slice * (double)vmm_rng_below(&rng, 1000) / 1000.0;
                dr.t[p] = now + dr.ran[p];
            }
        } else {
            for (uint32_t w = 0; w < nv; w++) {
                int busy = 0;
                if (runnable[w])
                    idle_waiting++;
                for (uint32_t q = 0; q < np; q++)
                    busy |= dr.cur[q] == w;
                int allowed = !d[w].affinity || (d[w].affinity >> p & 1);
                cr_assert(!(runnable[w] && !busy && allowed && (!credit || !d[w].cap)),
                          "%s seed %lu: pCPU %u idles at %g ms while vCPU %u waits", ops->name,
                          (unsigned long)seed, p, now / MS, w);
            }
        }
        /* Now and then a trace ends or resumes. */
        if (vmm_rng_below(&rng, 8) == 0) {
            uint32_t w = (uint32_t)vmm_rng_below(&rng, nv);
            runnable[w] = !runnable[w];
            vmm_sched_set_runnable(s, w, runnable[w], dr.t[p] > now ? now : dr.t[p]);
        }
    }
    vmm_sched_destroy(s);
    return idle_waiting;
}

Test(sched_all, picks_allowed_and_work_conserving)
{
    for (const vmm_sched_ops *const *o = vmm_sched_all(); *o; o++) {
        long idle_waiting = 0;
        for (uint64_t seed = 1; seed <= 200; seed++)
            idle_waiting += sched_check_random(*o, seed);
        cr_assert_gt(idle_waiting, 0, "%s: the check never ran", (*o)->name);
    }
}

Test(sched_all, deterministic)
{
    static const vmm_vcpu_desc_t d[5] = {
        {.runnable = 1, .weight = 100}, {.runnable = 1, .cap = 30}, {.runnable = 1, .affinity = 1},
        {.runnable = 1, .weight = 900}, {.runnable = 1}};
    for (const vmm_sched_ops *const *o = vmm_sched_all(); *o; o++) {
        double run[2][5];
        for (int k = 0; k < 2; k++) {
            vmm_sched_t *s = sched_new((*o)->name, NULL, d, 5, 2);
            drive_all(s, 2, 1000 * MS);
            for (uint32_t v = 0; v < 5; v++)
                run[k][v] = sched_run_ns(s, v, 1000 * MS);
            vmm_sched_destroy(s);
        }
        cr_assert_arr_eq(run[0], run[1], sizeof run[0], "%s", (*o)->name);
    }
}

Test(sched_alloc, every_failure_is_enomem_and_harmless)
{
    static const vmm_vcpu_desc_t d[3] = {{.runnable = 1}, {.runnable = 1}, {.runnable = 1}};
    for (const vmm_sched_ops *const *o = vmm_sched_all(); *o; o++) {
        for (long k = 0;; k++) {
            vmm_sched_t *s = NULL;
            vmm_err_t err = {0};
            vmm_alloc_fail_after(k);
            int rc = vmm_sched_create(*o, NULL, d, 3, 2, &s, &err);
            vmm_alloc_fail_after(-1);
            if (rc == 0) {
                cr_assert_gt(k, 0, "%s allocates nothing?", (*o)->name);
                drive_all(s, 2, 200 * MS);
                vmm_sched_destroy(s);
                break;
            }
            cr_assert_eq(rc, VMM_ENOMEM, "%s k=%ld rc=%d", (*o)->name, k, rc);
            cr_assert_null(s);
            cr_assert_neq(err.msg[0], 0);
            cr_assert_lt(k, 100);
        }
    }
    VMM_ASSERT_NO_LEAKS();
}
