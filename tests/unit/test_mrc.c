/* Unit tests for the MRC builders (exact, shards, mini) and the curve
 * helpers (vmmsim/mrc.h).
 *
 * - exact equals, at every size 1..D, both the fault count of an LRU run
 *   (policy_sim_run, sharing no code with the builder) and a naive O(n*D)
 *   stack-distance model written here, on seeded random traces of several
 *   shapes, including one long enough to compact the time axis many times;
 *   and the LRU rows of ../shared/traces/expected.tsv for the CloudPhysics
 *   trace (skipped when absent);
 * - SHARDS at R = 1 (and fixed size with s_max >= D) equals exact exactly;
 *   on the CloudPhysics trace fixed-size s_max = 8K meets the MAE
 *   <= 0.005 and fixed rate R = 0.01 is within its documented sampling error;
 *   fixed size stays under 2 MB on the trace and on a generated trace of 2M
 *   references to 500k pages;
 *   mini at R = 1 equals exact (lru) and policy_sim_run (every policy in
 *   the registry that does not need the future) at its sizes;
 * - hand-made curves for misses_at, ratio_at, mae, size_for_ratio, knee;
 * - exact with wide bins (steps with a power-of-two factor) is still exact;
 *   access_many equals access for exact and shards, and leaves the builder
 *   usable after an allocation failure;
 * - bad configurations give VMM_EINVAL; every allocation failure gives
 *   VMM_ENOMEM, changes nothing (a retry gives the same curve as a run
 *   without failures), and leaks nothing (ASan). */
#include <criterion/criterion.h>
#include "vmmsim/mrc.h"
#include "vmmsim/vmmsim.h"
#include "policy_sim.h"
#include "util/rng.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "real_traces.h"

extern const vmm_policy_ops vmm_policy_lru;

/* ---- helpers ------------------------------------------------------------ */

/* Build `name`'s curve over keys[0..n) into *out; returns mem_bytes. */
static size_t mrc_build(const char *name, const vmm_mrc_cfg_t *cfg, const uint64_t *keys,
                        size_t n, vmm_mrc_t *out)
{
    vmm_mrc_builder_t b;
    vmm_err_t err = {0};
    int rc = vmm_mrc_builder_init(&b, vmm_mrc_find(name), cfg, &err);
    cr_assert_eq(rc, 0, "%s init: %d %s", name, rc, err.msg);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(b.ops->access(b.st, keys[i]), 0);
    cr_assert_eq(b.ops->curve(b.st, out), 0);
    size_t mem = b.ops->mem_bytes(b.st);
    vmm_mrc_builder_fini(&b);
    return mem;
}

/* Shapes of random traces: uniform, hot/cold, loops, drifting windows. */
static uint64_t *mrc_random_trace(uint64_t seed, size_t n, uint32_t pages)
{
    vmm_rng_t r;
    vmm_rng_seed(&r, seed);
    uint64_t *k = malloc(n * sizeof *k);
    unsigned shape = (unsigned)(seed % 4);
    for (size_t i = 0; i < n; i++) {
        uint64_t p;
        if (shape == 0)
            p = vmm_rng_below(&r, pages);
        else if (shape == 1)
            p = vmm_rng_double(&r) < 0.8 ? vmm_rng_below(&r, pages / 10 + 1)
                                         : vmm_rng_below(&r, pages);
        else if (shape == 2)
            p = vmm_rng_double(&r) < 0.9 ? i % (pages / 2 + 1) : vmm_rng_below(&r, pages);
        else
            p = (i / 7 + vmm_rng_below(&r, pages / 4 + 1)) % pages;
        k[i] = (seed << 52) ^ (p * 0x9e3779b97f4a7c15ull >> 12);   /* spread keys */
    }
    return k;
}

/* Naive LRU stack distances: misses[c] for c = 0..D (cold included), D
 * returned in *distinct; the caller frees. */
static uint64_t *mrc_naive(const uint64_t *keys, size_t n, uint32_t *distinct)
{
    uint64_t *stack = malloc((n + 1) * sizeof *stack), *hist = calloc(n + 2, sizeof *hist);
    size_t depth = 0, cold = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < depth && stack[j] != keys[i])
            j++;
        if (j == depth) {
            cold++;
            depth++;
        } else {
            hist[j + 1]++;
        }
        memmove(stack + 1, stack, j * sizeof *stack);
        stack[0] = keys[i];
    }
    uint64_t *misses = malloc((depth + 1) * sizeof *misses);
    uint64_t hits = 0;
    for (size_t c = 0; c <= depth; c++) {
        hits += hist[c];
        misses[c] = n - hits;
    }
    cr_assert_eq(misses[depth], cold);
    free(stack);
    free(hist);
    *distinct = (uint32_t)depth;
    return misses;
}

/* Same points, misses, band and trust (what a curve says about itself). */
static void mrc_assert_same(const vmm_mrc_t *a, const vmm_mrc_t *b, const char *what)
{
    cr_assert_eq(a->npoints, b->npoints, "%s: %u vs %u points", what, a->npoints, b->npoints);
    cr_assert_eq(a->refs, b->refs, "%s", what);
    cr_assert_eq(a->distinct, b->distinct, "%s: distinct %.1f vs %.1f", what, a->distinct,
                 b->distinct);
    cr_assert_eq(a->min_trusted_frames, b->min_trusted_frames, "%s: trusted from %u vs %u", what,
                 a->min_trusted_frames, b->min_trusted_frames);
    cr_assert_eq(a->flags, b->flags, "%s", what);
    cr_assert_eq(!a->lo, !b->lo, "%s: band", what);
    for (uint32_t i = 0; i < a->npoints; i++) {
        cr_assert_eq(a->frames[i], b->frames[i], "%s: point %u", what, i);
        cr_assert_eq(a->misses[i], b->misses[i], "%s: %u frames: %.3f vs %.3f", what,
                     a->frames[i], a->misses[i], b->misses[i]);
        if (a->lo && b->lo)
            cr_assert(a->lo[i] == b->lo[i] && a->hi[i] == b->hi[i], "%s: band at %u", what,
                      a->frames[i]);
    }
}

/* ---- the real traces ---------------------------------------------------- */

/* ---- exact ---------------------------------------------------------------- */

Test(mrc_exact, every_size_equals_lru_and_naive)
{
    for (uint64_t seed = 1; seed <= 12; seed++) {
        size_t n = 2500;
        uint64_t *keys = mrc_random_trace(seed, n, 40 + (uint32_t)seed * 12);
        uint32_t d;
        uint64_t *naive = mrc_naive(keys, n, &d);
        vmm_mrc_t c;
        mrc_build("exact", NULL, keys, n, &c);
        cr_assert_eq(c.npoints, d, "seed %llu", (unsigned long long)seed);
        cr_assert_eq(c.refs, n);
        cr_assert_eq(c.distinct, (double)d);
        for (uint32_t i = 0; i < d; i++) {
            uint32_t frames = i + 1;
            cr_assert_eq(c.frames[i], frames);
            long long lru = policy_sim_run(&vmm_policy_lru, frames, NULL, keys, NULL, n);
            cr_assert_eq(c.misses[i], (double)naive[frames], "seed %llu frames %u",
                         (unsigned long long)seed, frames);
            cr_assert_eq(c.misses[i], (double)lru, "seed %llu frames %u: %.0f vs LRU %lld",
                         (unsigned long long)seed, frames, c.misses[i], lru);
        }
        vmm_mrc_free(&c);
        free(naive);
        free(keys);
    }
}

/* Many compactions (a long trace over a few hundred pages) and step and
 * max_frames point sets. */
Test(mrc_exact, long_trace_steps_and_limit)
{
    size_t n = 120000;
    uint64_t *keys = mrc_random_trace(7, n, 700);
    uint32_t d;
    uint64_t *naive = mrc_naive(keys, n, &d);
    vmm_mrc_t c;
    mrc_build("exact", NULL, keys, n, &c);
    cr_assert_eq(c.npoints, d);
    for (uint32_t i = 0; i < d; i++)
        cr_assert_eq(c.misses[i], (double)naive[i + 1], "frames %u", i + 1);
    vmm_mrc_free(&c);

    vmm_mrc_cfg_t step = {.step = 7};
    mrc_build("exact", &step, keys, n, &c);
    cr_assert_eq(c.npoints, (d + 6) / 7);
    for (uint32_t i = 0; i < c.npoints; i++) {
        uint32_t f = i + 1 < c.npoints ? 7 * (i + 1) : d;
        cr_assert_eq(c.frames[i], f);
        cr_assert_eq(c.misses[i], (double)naive[f]);
    }
    vmm_mrc_free(&c);

    vmm_mrc_cfg_t lim = {.max_frames = 50};
    mrc_build("exact", &lim, keys, n, &c);
    cr_assert_eq(c.npoints, 50);
    for (uint32_t i = 0; i < 50; i++)
        cr_assert_eq(c.misses[i], (double)naive[i + 1]);
    vmm_mrc_free(&c);
    free(naive);
    free(keys);
}

/* Steps with a power-of-two factor make exact's bins wider (exact.c):
 * every point, the last one (not a bin edge) and a max_frames cut included,
 * must still equal the naive model. */
Test(mrc_exact, wide_bins_stay_exact)
{
    size_t n = 60000;
    uint64_t *keys = mrc_random_trace(11, n, 900);
    uint32_t d;
    uint64_t *naive = mrc_naive(keys, n, &d);
    static const vmm_mrc_cfg_t cfgs[] = {
        {.step = 2}, {.step = 12}, {.step = 64}, {.step = 8, .max_frames = 50},
        {.step = 4096},
    };
    for (size_t k = 0; k < sizeof cfgs / sizeof cfgs[0]; k++) {
        vmm_mrc_t c;
        mrc_build("exact", &cfgs[k], keys, n, &c);
        uint32_t top = cfgs[k].max_frames ? cfgs[k].max_frames : d, st = cfgs[k].step;
        cr_assert_eq(c.npoints, (top + st - 1) / st);
        for (uint32_t i = 0; i < c.npoints; i++) {
            uint32_t f = i + 1 < c.npoints ? st * (i + 1) : top;
            cr_assert_eq(c.frames[i], f);
            cr_assert_eq(c.misses[i], (double)naive[f], "step %u, %u frames", st, f);
        }
        vmm_mrc_free(&c);
    }
    free(naive);
    free(keys);
}

/* Memory grows with distinct pages, not with references. */
Test(mrc_exact, memory_follows_distinct_pages)
{
    vmm_mrc_builder_t b;
    cr_assert_eq(vmm_mrc_builder_init(&b, vmm_mrc_find("exact"), NULL, NULL), 0);
    vmm_rng_t r;
    vmm_rng_seed(&r, 3);
    size_t mem1 = 0;
    for (size_t i = 0; i < 2000000; i++) {
        cr_assert_eq(b.ops->access(b.st, vmm_rng_below(&r, 1000)), 0);
        if (i == 100000)
            mem1 = b.ops->mem_bytes(b.st);
    }
    cr_assert_eq(b.ops->mem_bytes(b.st), mem1);
    cr_assert_lt(mem1, 100000, "%zu bytes for 1000 pages", mem1);
    vmm_mrc_builder_fini(&b);
}

Test(mrc_exact, empty_and_single)
{
    vmm_mrc_t c;
    mrc_build("exact", NULL, NULL, 0, &c);
    cr_assert_eq(c.npoints, 0);
    cr_assert_eq(c.refs, 0);
    cr_assert_eq(vmm_mrc_ratio_at(&c, 10), 0);
    cr_assert_eq(vmm_mrc_size_for_ratio(&c, 0.5), UINT32_MAX);
    vmm_mrc_free(&c);
    uint64_t same[] = {5, 5, 5, 5};
    mrc_build("exact", NULL, same, 4, &c);
    cr_assert_eq(c.npoints, 1);
    cr_assert_eq(c.misses[0], 1);
    vmm_mrc_free(&c);
}

Test(mrc_exact, cloudphysics_matches_expected)
{
    size_t n;
    uint64_t *keys = vmm_test_load_cp(&n);
    if (!keys || vmm_test_expected("cloudPhysicsIO.txt", "lru", 100) < 0) {
        free(keys);
        cr_skip_test("CloudPhysics trace or expected.tsv not found");
    }
    vmm_mrc_t c;
    mrc_build("exact", NULL, keys, n, &c);
    cr_assert_eq(c.distinct, 48974);
    static const unsigned sizes[] = {100, 1000, 5000, 10000, 20000};
    for (size_t i = 0; i < 5; i++) {
        long long want = vmm_test_expected("cloudPhysicsIO.txt", "lru", sizes[i]);
        cr_assert_eq(c.frames[sizes[i] - 1], sizes[i]);
        cr_assert_eq(c.misses[sizes[i] - 1], (double)want, "%u frames: %.0f vs %lld", sizes[i],
                     c.misses[sizes[i] - 1], want);
        cr_assert_eq(vmm_mrc_misses_at(&c, sizes[i]), (double)want);
    }
    vmm_mrc_free(&c);
    free(keys);
}

/* ---- shards --------------------------------------------------------------- */

Test(mrc_shards, rate_one_and_large_smax_equal_exact)
{
    for (uint64_t seed = 1; seed <= 8; seed++) {
        size_t n = 20000;
        uint64_t *keys = mrc_random_trace(seed, n, 3000);
        vmm_mrc_t ex, r1, fs;
        vmm_mrc_cfg_t one = {.rate = 1, .seed = seed}, big = {.max_pages = 3000, .seed = seed};
        mrc_build("exact", NULL, keys, n, &ex);
        mrc_build("shards", &one, keys, n, &r1);
        mrc_build("shards", &big, keys, n, &fs);
        mrc_assert_same(&r1, &ex, "shards R=1");
        mrc_assert_same(&fs, &ex, "shards s_max >= D");
        vmm_mrc_free(&ex);
        vmm_mrc_free(&r1);
        vmm_mrc_free(&fs);
        free(keys);
    }
}

/* The accuracy targets on the CloudPhysics trace (113,872
 * references, 48,974 pages). Fixed size s_max = 8K: MAE 0.0047 with seed 0
 * (0.0046 on average over 100 seeds). Fixed rate R = 0.01 samples only
 * ~490 pages and ~1,100 references of this short trace, so its MAE is
 * sampling error, about 0.03 on average over seeds (docs/mrc.md shows the
 * trade-off); we check it stays within that and improves with R. */
Test(mrc_shards, cloudphysics_accuracy)
{
    size_t n;
    uint64_t *keys = vmm_test_load_cp(&n);
    if (!keys)
        cr_skip_test("CloudPhysics trace not found");
    vmm_mrc_t ex, fr, fr10, fs;
    mrc_build("exact", NULL, keys, n, &ex);
    vmm_mrc_cfg_t rate = {.rate = 0.01}, rate10 = {.rate = 0.1}, size = {.max_pages = 8192};
    mrc_build("shards", &rate, keys, n, &fr);
    mrc_build("shards", &rate10, keys, n, &fr10);
    size_t mem = mrc_build("shards", &size, keys, n, &fs);
    double mae_fr = vmm_mrc_mae(&fr, &ex), mae_fr10 = vmm_mrc_mae(&fr10, &ex);
    double mae_fs = vmm_mrc_mae(&fs, &ex);
    cr_log_info("cloudPhysics MAE: R=0.01 %.5f, R=0.1 %.5f, s_max=8192 %.5f (%zu bytes)", mae_fr,
                mae_fr10, mae_fs, mem);
    cr_assert_leq(mae_fs, 0.005, "fixed size MAE %.5f", mae_fs);
    cr_assert_leq(mae_fr, 0.05, "fixed rate MAE %.5f", mae_fr);
    cr_assert_leq(mae_fr10, 0.02, "R=0.1 MAE %.5f", mae_fr10);
    cr_assert_lt(mem, 2u << 20, "fixed size holds %zu bytes", mem);
    cr_assert(fabs(fs.distinct - 48974) < 0.05 * 48974, "distinct %.0f", fs.distinct);
    vmm_mrc_free(&ex);
    vmm_mrc_free(&fr);
    vmm_mrc_free(&fr10);
    vmm_mrc_free(&fs);
    free(keys);
}

/* 2M references, 500k distinct keys: a quarter are first references, the
 * rest reuse a recent key at a spread of distances. */
static uint64_t *mrc_big_trace(size_t n, uint64_t *distinct)
{
    vmm_rng_t r;
    vmm_rng_seed(&r, 11);
    uint64_t *k = malloc(n * sizeof *k), next = 0;
    for (size_t i = 0; i < n; i++) {
        if (!next || vmm_rng_double(&r) < 0.25) {
            k[i] = vmm_hash64(next++);
            continue;
        }
        double u = vmm_rng_double(&r);
        uint64_t back = (uint64_t)(u * u * u * (double)next);   /* skewed to recent */
        k[i] = vmm_hash64(next - 1 - (back < next ? back : next - 1));
    }
    *distinct = next;
    return k;
}

Test(mrc_shards, fixed_size_memory_bounded)
{
    size_t n = 2000000;
    uint64_t distinct;
    uint64_t *keys = mrc_big_trace(n, &distinct);
    cr_assert_gt(distinct, 480000);
    vmm_mrc_cfg_t size = {.max_pages = 8192};
    vmm_mrc_builder_t b;
    cr_assert_eq(vmm_mrc_builder_init(&b, vmm_mrc_find("shards"), &size, NULL), 0);
    size_t peak = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(b.ops->access(b.st, keys[i]), 0);
        if (i % 65536 == 0 || i + 1 == n) {
            size_t m = b.ops->mem_bytes(b.st);
            peak = m > peak ? m : peak;
        }
    }
    vmm_mrc_t fs, ex;
    cr_assert_eq(b.ops->curve(b.st, &fs), 0);
    vmm_mrc_builder_fini(&b);
    cr_assert_lt(peak, 2u << 20, "fixed size peaked at %zu bytes", peak);
    mrc_build("exact", NULL, keys, n, &ex);
    double mae = vmm_mrc_mae(&fs, &ex);
    cr_log_info("2M refs / %llu pages: s_max=8192 MAE %.5f, peak %zu bytes",
                (unsigned long long)distinct, mae, peak);
    cr_assert_leq(mae, 0.005, "MAE %.5f", mae);
    vmm_mrc_free(&fs);
    vmm_mrc_free(&ex);
    free(keys);
}

/* ---- mini ---------------------------------------------------------------- */

Test(mrc_mini, lru_rate_one_equals_exact)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        size_t n = 5000;
        uint64_t *keys = mrc_random_trace(seed, n, 400);
        vmm_mrc_t ex, mi, ms;
        mrc_build("exact", NULL, keys, n, &ex);
        uint32_t d = ex.npoints;
        vmm_mrc_cfg_t dflt = {.rate = 1, .max_frames = d}, step = {.rate = 1, .max_frames = d,
                                                                   .step = 9};
        mrc_build("mini", &dflt, keys, n, &mi);
        mrc_build("mini", &step, keys, n, &ms);
        cr_assert_eq(mi.npoints, d > 64 ? 64 : d);
        cr_assert_eq(mi.frames[mi.npoints - 1], d);
        cr_assert_eq(ms.npoints, (d + 8) / 9);
        for (int k = 0; k < 2; k++) {
            const vmm_mrc_t *c = k ? &ms : &mi;
            cr_assert_eq(c->refs, n);
            for (uint32_t i = 0; i < c->npoints; i++)
                cr_assert_eq(c->misses[i], ex.misses[c->frames[i] - 1], "%u frames: %.0f vs %.0f",
                             c->frames[i], c->misses[i], ex.misses[c->frames[i] - 1]);
        }
        vmm_mrc_free(&ex);
        vmm_mrc_free(&mi);
        vmm_mrc_free(&ms);
        free(keys);
    }
}

/* At R = 1 mini is a plain simulation: every policy that runs online gives
 * the same faults as the independent driver, at every size. */
Test(mrc_mini, every_policy_rate_one_equals_policy_sim)
{
    size_t n = 6000;
    uint64_t *keys = mrc_random_trace(2, n, 300);
    const vmm_policy_ops *const *all = vmm_policy_all();
    for (size_t p = 0; all[p]; p++) {
        if (all[p]->flags & VMM_POLICY_FUTURE)
            continue;
        vmm_mrc_cfg_t cfg = {.rate = 1, .policy = all[p]->name, .max_frames = 120, .step = 10,
                             .seed = 42};
        vmm_mrc_t c;
        mrc_build("mini", &cfg, keys, n, &c);
        cr_assert_eq(c.npoints, 12);
        for (uint32_t i = 0; i < c.npoints; i++) {
            long long want = policy_sim_run(all[p], c.frames[i], NULL, keys, NULL, n);
            cr_assert_eq(c.misses[i], (double)want, "%s %u frames: %.0f vs %lld", all[p]->name,
                         c.frames[i], c.misses[i], want);
        }
        vmm_mrc_free(&c);
    }
    free(keys);
}

Test(mrc_mini, sampled_arc_close_to_full)
{
    size_t n = 200000;
    uint64_t *keys = mrc_random_trace(5, n, 20000);
    vmm_mrc_cfg_t full = {.rate = 1, .policy = "arc", .max_frames = 8000, .step = 500},
                  samp = {.rate = 0.1, .policy = "arc", .max_frames = 8000, .step = 500};
    vmm_mrc_t f, s;
    mrc_build("mini", &full, keys, n, &f);
    mrc_build("mini", &samp, keys, n, &s);
    double mae = vmm_mrc_mae(&s, &f);
    cr_assert_leq(mae, 0.02, "mini arc R=0.1 MAE %.4f", mae);
    vmm_mrc_free(&f);
    vmm_mrc_free(&s);
    free(keys);
}

/* ---- trust: sample sizes, bands, the smallest trusted size (issue #9) --------- */

#define SORT_TRACE "examples/sort.lackey.zst"   /* 1,509,009 references, 246 pages */

/* `name`'s curve of a trace file, fed as vmmsim mrc feeds it. */
static void mrc_build_file(const char *name, const vmm_mrc_cfg_t *cfg, const char *path,
                           vmm_mrc_t *out)
{
    vmm_source_spec_t src = {.trace = path, .topts = {.page_size = 4096}};
    vmm_mrc_builder_t b;
    vmm_err_t err = {0};
    cr_assert_eq(vmm_mrc_builder_init(&b, vmm_mrc_find(name), cfg, &err), 0, "%s", err.msg);
    cr_assert_eq(vmm_mrc_run(&src, 4096, &b, 1, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(b.ops->curve(b.st, out), 0);
    vmm_mrc_builder_fini(&b);
}

/* The acceptance: on the 246-page sort trace the default sampled
 * method is within 0.02 of exact at every size. It is fixed-size SHARDS
 * (8192 pages), which samples every page of so small a trace and is then
 * exact; fixed rate 0.01, the default before, sampled 2 or 3 pages and was
 * off by 0.54 at 1 frame. */
Test(mrc_trust, sort_default_sampled_within_002)
{
    vmm_mrc_t ex, sh;
    mrc_build_file("exact", NULL, SORT_TRACE, &ex);
    mrc_build_file("shards", NULL, SORT_TRACE, &sh);
    cr_assert_eq(ex.npoints, 246);
    for (uint32_t f = 1; f <= 246; f++) {
        double want = vmm_mrc_ratio_at(&ex, f), got = vmm_mrc_ratio_at(&sh, f);
        cr_assert_leq(fabs(got - want), 0.02, "%u frames: %.4f, exact %.4f", f, got, want);
        cr_assert(vmm_mrc_trusted_at(&sh, f), "%u frames", f);
    }
    cr_assert_eq(sh.rate, 1);
    cr_assert_eq(sh.sample_pages, 246);
    cr_assert_eq(sh.sample_refs, ex.refs);
    cr_assert_null(sh.lo, "an exact curve has no band");
    vmm_mrc_free(&ex);
    vmm_mrc_free(&sh);
}

/* A sample too small says so: SHARDS at R = 0.01 on the sort trace samples
 * a few pages and read 0.0003 at 1 frame where exact is 0.57. The curve is
 * now trusted nowhere, its band there holds the truth, and its distinct
 * pages are counted, not scaled from the sample (which read 200 or 300). */
Test(mrc_trust, small_sample_not_trusted)
{
    vmm_mrc_t ex;
    mrc_build_file("exact", NULL, SORT_TRACE, &ex);
    double at1 = vmm_mrc_ratio_at(&ex, 1);
    cr_assert_gt(at1, 0.5);
    static const char *const names[] = {"shards", "mini"};
    for (size_t k = 0; k < 2; k++)
        for (uint64_t seed = 0; seed < 4; seed++) {
            vmm_mrc_cfg_t cfg = {.rate = 0.01, .seed = seed};
            vmm_mrc_t c;
            mrc_build_file(names[k], &cfg, SORT_TRACE, &c);
            cr_assert_eq(c.min_trusted_frames, VMM_MRC_NOWHERE, "%s seed %llu: from %u",
                         names[k], (unsigned long long)seed, c.min_trusted_frames);
            cr_assert(!vmm_mrc_trusted_at(&c, 1) && !vmm_mrc_trusted_at(&c, 246));
            cr_assert_lt(c.sample_pages, 10, "%s: %llu pages", names[k],
                         (unsigned long long)c.sample_pages);
            cr_assert_eq(c.distinct, 246, "%s: %.1f distinct", names[k], c.distinct);
            vmm_mrc_reading_t r;
            vmm_mrc_read(&c, c.frames[0], &r);
            double want = vmm_mrc_ratio_at(&ex, c.frames[0]) * (double)ex.refs;
            cr_assert(r.lo <= want && want <= r.hi, "%s at %u: %.0f not in [%.0f, %.0f]",
                      names[k], c.frames[0], want, r.lo, r.hi);
            vmm_mrc_free(&c);
        }
    vmm_mrc_free(&ex);
}

/* The band and the trust against exact on a real trace, over seeds: the
 * band holds the exact value at most sizes, and wherever a curve says it
 * can be trusted the exact value is within its tolerance (a quarter of the
 * size sideways, 0.02 of miss ratio up or down: mrc_int.h). */
Test(mrc_trust, band_and_trust_hold_on_cloudphysics)
{
    size_t n;
    uint64_t *keys = vmm_test_load_cp(&n);
    if (!keys)
        cr_skip_test("CloudPhysics trace not found");
    vmm_mrc_t ex;
    mrc_build("exact", NULL, keys, n, &ex);
    static const struct {
        const char *name;
        vmm_mrc_cfg_t cfg;
    } runs[] = {
        {"shards", {.rate = 0.1}}, {"shards", {.max_pages = 2048}}, {"shards", {.seed = 0}},
        {"mini", {.rate = 0.1, .max_frames = 48974}},
    };
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        double covered = 0, points = 0;
        int trusted_runs = 0;
        for (uint64_t seed = 0; seed < 6; seed++) {
            vmm_mrc_cfg_t cfg = runs[r].cfg;
            cfg.seed = seed;
            vmm_mrc_t c;
            mrc_build(runs[r].name, &cfg, keys, n, &c);
            cr_assert_gt(c.sample_pages, 1000);
            cr_assert(c.lo && c.hi, "a sampled curve has a band");
            trusted_runs += c.min_trusted_frames != VMM_MRC_NOWHERE;
            for (uint32_t i = 0; i < ex.npoints; i += 7) {
                double f = ex.frames[i], want = ex.misses[i], N = (double)ex.refs;
                vmm_mrc_reading_t rd;
                vmm_mrc_read(&c, f, &rd);
                covered += rd.lo <= want + 1e-9 && want <= rd.hi + 1e-9;
                points++;
                if (rd.flags & VMM_MRC_UNTRUSTED)
                    continue;
                double lo = vmm_mrc_misses_at(&c, 1.25 * f) - 0.02 * N;
                double hi = vmm_mrc_misses_at(&c, 0.75 * f) + 0.02 * N;
                cr_assert(lo <= want && want <= hi, "%s seed %llu, %.0f frames: exact %.4f, "
                          "curve %.4f, trusted from %u", runs[r].name, (unsigned long long)seed, f,
                          want / N, rd.misses / N, c.min_trusted_frames);
            }
            vmm_mrc_free(&c);
        }
        cr_log_info("%s: band holds exact at %.3f of the sizes", runs[r].name, covered / points);
        cr_assert_geq(covered / points, 0.85, "%s: band holds exact at %.3f of the sizes",
                      runs[r].name, covered / points);
        cr_assert_geq(trusted_runs, 3, "%s: trusted somewhere in %d of 6 runs", runs[r].name,
                      trusted_runs);
    }
    vmm_mrc_free(&ex);
    free(keys);
}

/* Issue #9 item 3 on a real trace: with --step 100 the sort trace's curve
 * has points at 100, 200 and 246 only; its knee and its memory for a miss
 * ratio of 0.1 are points (100: somewhere below), where reading from 0
 * frames once gave a knee of 200 (exact: 11) and 91 frames (exact: 4). */
Test(mrc_trust, step_answers_are_points)
{
    vmm_mrc_cfg_t cfg = {.step = 100};
    vmm_mrc_t c, ex;
    mrc_build_file("exact", &cfg, SORT_TRACE, &c);
    mrc_build_file("exact", NULL, SORT_TRACE, &ex);
    cr_assert_eq(c.npoints, 3);
    cr_assert(c.frames[0] == 100 && c.frames[1] == 200 && c.frames[2] == 246);
    cr_assert_eq(vmm_mrc_knee(&c), 100);
    cr_assert_eq(vmm_mrc_knee(&ex), 11);
    cr_assert_eq(vmm_mrc_size_for_ratio(&c, 0.1), 100);
    cr_assert_eq(vmm_mrc_size_for_ratio(&ex, 0.1), 4);
    for (uint32_t i = 0; i < c.npoints; i++)   /* the points themselves are exact */
        cr_assert_eq(c.misses[i], ex.misses[c.frames[i] - 1]);
    vmm_mrc_reading_t r;
    cr_assert_eq(vmm_mrc_read(&c, 24, &r), VMM_MRC_INTERPOLATED);
    cr_assert_eq(vmm_mrc_read(&c, 200, &r), VMM_MRC_COMPUTED);
    vmm_mrc_free(&c);
    vmm_mrc_free(&ex);
}

/* Issue #9 item 5: mini needs no max_frames. Its sizes grow with the pages
 * and a size added late starts as if it had been there (exact for LRU: at
 * R = 1 every point equals exact's); the curve reaches the distinct pages;
 * the points stay O(log pages). */
Test(mrc_mini, sizes_grow_without_max_frames)
{
    for (uint64_t seed = 1; seed <= 8; seed++) {
        size_t n = 30000;
        uint32_t pages = seed % 2 ? 700 : 3000;
        uint64_t *keys = mrc_random_trace(seed, n, pages);
        vmm_mrc_t ex, mi, ms;
        mrc_build("exact", NULL, keys, n, &ex);
        vmm_mrc_cfg_t grow = {.rate = 1}, step = {.rate = 1, .step = 7};
        mrc_build("mini", &grow, keys, n, &mi);
        mrc_build("mini", &step, keys, n, &ms);
        for (int k = 0; k < 2; k++) {
            const vmm_mrc_t *c = k ? &ms : &mi;
            cr_assert_eq(c->distinct, ex.distinct);
            cr_assert_geq(c->frames[c->npoints - 1], ex.npoints);
            cr_assert(c->npoints < 2 || c->frames[c->npoints - 2] < ex.npoints);
            for (uint32_t i = 0; i < c->npoints; i++) {
                double want = vmm_mrc_misses_at(&ex, c->frames[i]);
                cr_assert_eq(c->misses[i], want, "seed %llu step %d, %u frames: %.0f vs %.0f",
                             (unsigned long long)seed, k ? 7 : 0, c->frames[i], c->misses[i],
                             want);
            }
            cr_assert(vmm_mrc_trusted_at(c, 1), "R = 1: a whole simulation");
        }
        cr_assert_leq(mi.npoints, 64 + 32 * 7, "%u points", mi.npoints);
        vmm_mrc_free(&ex);
        vmm_mrc_free(&mi);
        vmm_mrc_free(&ms);
        free(keys);
    }
}

/* Sampled and growing, any policy: a curve to the footprint, and the
 * distinct pages counted right (mini's summary once said 200 for the sort
 * trace's 246: 2 sampled pages / R). */
Test(mrc_mini, sampled_default_counts_pages)
{
    vmm_mrc_t c;
    mrc_build_file("mini", NULL, SORT_TRACE, &c);
    cr_assert_eq(c.distinct, 246);
    cr_assert_geq(c.frames[c.npoints - 1], 246);
    cr_assert(!vmm_mrc_trusted_at(&c, 1), "2 sampled pages cannot be trusted");
    vmm_mrc_free(&c);
    const vmm_policy_ops *const *all = vmm_policy_all();
    uint64_t *keys = mrc_random_trace(3, 20000, 2500);
    for (size_t p = 0; all[p]; p++) {
        if (all[p]->flags & VMM_POLICY_FUTURE)
            continue;
        vmm_mrc_cfg_t cfg = {.rate = 0.5, .policy = all[p]->name};
        mrc_build("mini", &cfg, keys, 20000, &c);
        cr_assert_geq(c.frames[c.npoints - 1], c.distinct, "%s", all[p]->name);
        cr_assert_lt(fabs(c.distinct - 2500), 30, "%s: %.0f", all[p]->name, c.distinct);
        vmm_mrc_free(&c);
    }
    free(keys);
}

/* ---- configuration and registry -------------------------------------------- */

static int mrc_init_rc(const char *name, const vmm_mrc_cfg_t *cfg, vmm_err_t *err)
{
    vmm_mrc_builder_t b;
    int rc = vmm_mrc_builder_init(&b, vmm_mrc_find(name), cfg, err);
    if (!rc)
        vmm_mrc_builder_fini(&b);
    else
        cr_assert_null(b.st);
    return rc;
}

Test(mrc_cfg, registry)
{
    const vmm_mrc_ops *const *all = vmm_mrc_all();
    size_t n = 0;
    for (; all[n]; n++) {
        cr_assert_eq(vmm_mrc_find(all[n]->name), all[n]);
        cr_assert_not_null(all[n]->summary);
    }
    cr_assert_geq(n, 3);
    cr_assert_eq(vmm_mrc_find("EXACT"), vmm_mrc_find("exact"));
    cr_assert_not_null(vmm_mrc_find("shards"));
    cr_assert_not_null(vmm_mrc_find("mini"));
    cr_assert_null(vmm_mrc_find("nope"));
    cr_assert_null(vmm_mrc_find(NULL));
    vmm_mrc_builder_t b;
    cr_assert_eq(vmm_mrc_builder_init(&b, NULL, NULL, NULL), VMM_EINVAL);
    vmm_mrc_builder_fini(&b);   /* safe on a failed init */
}

Test(mrc_cfg, bad_configurations)
{
    vmm_err_t err;
    static const double bad_rates[] = {-0.1, 1.5, 2, -1e-9};
    for (size_t i = 0; i < 4; i++) {
        vmm_mrc_cfg_t c = {.rate = bad_rates[i], .max_frames = 10};
        cr_assert_eq(mrc_init_rc("shards", &c, &err), VMM_EINVAL);
        cr_assert(strstr(err.msg, "rate"), "%s", err.msg);
        cr_assert_eq(mrc_init_rc("mini", &c, &err), VMM_EINVAL);
        cr_assert_eq(mrc_init_rc("exact", &c, &err), 0);   /* exact has no rate */
    }
    vmm_mrc_cfg_t nan_rate = {.rate = NAN, .max_frames = 10};
    cr_assert_eq(mrc_init_rc("shards", &nan_rate, &err), VMM_EINVAL);
    vmm_mrc_cfg_t huge = {.max_pages = 1ull << 40};
    cr_assert_eq(mrc_init_rc("shards", &huge, &err), VMM_EINVAL);

    vmm_mrc_cfg_t opt = {.policy = "opt", .max_frames = 10};
    cr_assert_eq(mrc_init_rc("mini", &opt, &err), VMM_EINVAL);
    cr_assert(strstr(err.msg, "future"), "%s", err.msg);
    vmm_mrc_cfg_t unknown = {.policy = "nope", .max_frames = 10};
    cr_assert_eq(mrc_init_rc("mini", &unknown, &err), VMM_EINVAL);
    cr_assert(strstr(err.msg, "nope"), "%s", err.msg);
    vmm_mrc_cfg_t no_frames = {.policy = "lru"};   /* sizes grow with the pages */
    cr_assert_eq(mrc_init_rc("mini", &no_frames, &err), 0);
    vmm_mrc_cfg_t bad_params = {.policy = "lru", .params = "x=1", .max_frames = 100};
    cr_assert_eq(mrc_init_rc("mini", &bad_params, &err), VMM_EINVAL);
    vmm_mrc_cfg_t ok = {.policy = "ARC", .params = NULL, .max_frames = 100, .rate = 0.5};
    cr_assert_eq(mrc_init_rc("mini", &ok, &err), 0);
    cr_assert_eq(mrc_init_rc("shards", NULL, &err), 0);
}

/* ---- curve helpers ------------------------------------------------------ */

static vmm_mrc_t mrc_hand(uint64_t refs, uint32_t n, const uint32_t *frames, const double *misses)
{
    vmm_mrc_t c;
    cr_assert_eq(vmm_mrc_alloc(&c, n), 0);
    c.refs = refs;
    for (uint32_t i = 0; i < n; i++) {
        c.frames[i] = frames[i];
        c.misses[i] = misses[i];
    }
    return c;
}

Test(mrc_curve, misses_at_interpolates)
{
    vmm_mrc_t c = mrc_hand(100, 3, (uint32_t[]){2, 4, 8}, (double[]){80, 40, 10});
    cr_assert_eq(vmm_mrc_misses_at(&c, 0), 100);     /* nothing fits */
    cr_assert_eq(vmm_mrc_misses_at(&c, -3), 100);
    cr_assert_eq(vmm_mrc_misses_at(&c, 1), 90);      /* from (0, refs) */
    cr_assert_eq(vmm_mrc_misses_at(&c, 2), 80);
    cr_assert_eq(vmm_mrc_misses_at(&c, 3), 60);
    cr_assert_eq(vmm_mrc_misses_at(&c, 6), 25);
    cr_assert_eq(vmm_mrc_misses_at(&c, 8), 10);
    cr_assert_eq(vmm_mrc_misses_at(&c, 1000), 10);   /* flat beyond the last */
    cr_assert_float_eq(vmm_mrc_ratio_at(&c, 3), 0.6, 1e-12);
    vmm_mrc_free(&c);
    vmm_mrc_free(&c);   /* safe twice: zeroed */
    cr_assert_eq(vmm_mrc_alloc(&c, 0), 0);
    cr_assert_eq(c.npoints, 0);
    cr_assert_eq(vmm_mrc_misses_at(&c, 5), 0);
    vmm_mrc_free(&c);
}

Test(mrc_curve, mae)
{
    vmm_mrc_t ref = mrc_hand(100, 4, (uint32_t[]){1, 2, 3, 4}, (double[]){90, 70, 50, 30});
    vmm_mrc_t same = mrc_hand(100, 4, (uint32_t[]){1, 2, 3, 4}, (double[]){90, 70, 50, 30});
    cr_assert_eq(vmm_mrc_mae(&same, &ref), 0);
    /* |0.8-0.9| + |0.7-0.7| + |0.5-0.5| + |0.5-0.3| = 0.3, over 4 points */
    vmm_mrc_t c = mrc_hand(100, 4, (uint32_t[]){1, 2, 3, 4}, (double[]){80, 70, 50, 50});
    cr_assert_float_eq(vmm_mrc_mae(&c, &ref), 0.075, 1e-12);
    /* a coarser curve is read between its points: (2, 70) to (4, 30) */
    vmm_mrc_t coarse = mrc_hand(100, 2, (uint32_t[]){2, 4}, (double[]){70, 30});
    /* at 1: from (0, 100) to (2, 70) gives 85: |0.85-0.9| = 0.05; at 3: 50 */
    cr_assert_float_eq(vmm_mrc_mae(&coarse, &ref), 0.0125, 1e-12);
    /* the ratio uses each curve's own refs */
    vmm_mrc_t half = mrc_hand(200, 4, (uint32_t[]){1, 2, 3, 4}, (double[]){180, 140, 100, 60});
    cr_assert_float_eq(vmm_mrc_mae(&half, &ref), 0, 1e-12);
    vmm_mrc_free(&ref);
    vmm_mrc_free(&same);
    vmm_mrc_free(&c);
    vmm_mrc_free(&coarse);
    vmm_mrc_free(&half);
}

/* Only points are answers: the first point that reaches the target, never
 * a size read between points (issue #9 item 3: from the line between 0
 * frames and a first point at 100, --step 100 once answered 91 frames on a
 * trace that needs 4). */
Test(mrc_curve, size_for_ratio)
{
    vmm_mrc_t c = mrc_hand(100, 3, (uint32_t[]){2, 4, 8}, (double[]){80, 40, 10});
    cr_assert_eq(vmm_mrc_size_for_ratio(&c, 0.8), 2);
    cr_assert_eq(vmm_mrc_size_for_ratio(&c, 0.6), 4);    /* not 3: no point there */
    cr_assert_eq(vmm_mrc_size_for_ratio(&c, 0.5), 4);
    cr_assert_eq(vmm_mrc_size_for_ratio(&c, 0.9), 2);    /* somewhere in (0, 2] */
    cr_assert_eq(vmm_mrc_size_for_ratio(&c, 1.0), 2);
    cr_assert_eq(vmm_mrc_size_for_ratio(&c, 0.25), 8);
    cr_assert_eq(vmm_mrc_size_for_ratio(&c, 0.1), 8);
    cr_assert_eq(vmm_mrc_size_for_ratio(&c, 0.05), UINT32_MAX);
    vmm_mrc_free(&c);
}

/* The chord runs from (0 frames, every reference misses) to the last
 * point, on axes normalised by the last size and the references. */
Test(mrc_curve, knee)
{
    /* chord y = 1 - 0.96 x, x = f / 10: at 3 it is 0.712 (0.512 above the
     * curve's 0.2), at 4 0.616 (0.516 above 0.1), at 5 0.52 (0.43 above) */
    vmm_mrc_t c = mrc_hand(100, 10, (uint32_t[]){1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
                           (double[]){100, 50, 20, 10, 9, 8, 7, 6, 5, 4});
    cr_assert_eq(vmm_mrc_knee(&c), 4);
    /* on the line through (0, 100): no knee */
    vmm_mrc_t line = mrc_hand(100, 4, (uint32_t[]){10, 20, 30, 40}, (double[]){80, 60, 40, 20});
    cr_assert_eq(vmm_mrc_knee(&line), 0);
    vmm_mrc_t two = mrc_hand(100, 2, (uint32_t[]){1, 2}, (double[]){80, 10});
    cr_assert_eq(vmm_mrc_knee(&two), 0);   /* 0.8 lies above the chord's 0.55 */
    vmm_mrc_t wide = mrc_hand(1000, 5, (uint32_t[]){100, 200, 300, 400, 500},
                              (double[]){900, 850, 300, 250, 200});
    cr_assert_eq(vmm_mrc_knee(&wide), 300);
    /* sparse points: the first one, far below the chord from (0, 1), not a
     * later one (step 100 on the sort trace once gave 200 where it is 11) */
    vmm_mrc_t sparse = mrc_hand(1000, 3, (uint32_t[]){100, 200, 246}, (double[]){0.27, 0.17, 0.16});
    cr_assert_eq(vmm_mrc_knee(&sparse), 100);
    vmm_mrc_t none = {0};
    cr_assert_eq(vmm_mrc_knee(&none), 0);
    vmm_mrc_free(&c);
    vmm_mrc_free(&line);
    vmm_mrc_free(&two);
    vmm_mrc_free(&wide);
    vmm_mrc_free(&sparse);
}

/* vmm_mrc_read says how a value was got, and a zeroed (hand-made or exact)
 * curve is trusted wherever it has points. */
Test(mrc_curve, read_says_how)
{
    vmm_mrc_t c = mrc_hand(100, 3, (uint32_t[]){2, 4, 8}, (double[]){80, 40, 10});
    vmm_mrc_reading_t r;
    cr_assert_eq(vmm_mrc_read(&c, 4, &r), VMM_MRC_COMPUTED);
    cr_assert(r.misses == 40 && r.lo == 40 && r.hi == 40);
    cr_assert_eq(vmm_mrc_read(&c, 1, &r), VMM_MRC_INTERPOLATED);   /* from (0, 100) */
    cr_assert_eq(r.misses, 90);
    cr_assert_eq(vmm_mrc_read(&c, 6, &r), VMM_MRC_INTERPOLATED);
    cr_assert_eq(vmm_mrc_read(&c, 9, &r), VMM_MRC_BEYOND);
    cr_assert_eq(r.misses, 10);
    cr_assert(vmm_mrc_trusted_at(&c, 1) && vmm_mrc_trusted_at(&c, 1e6));
    cr_assert(!vmm_mrc_trusted_at(&c, 0.5));
    c.flags = VMM_MRC_CUT;   /* past the last point of a cut curve: unknown */
    cr_assert_eq(vmm_mrc_read(&c, 9, &r), VMM_MRC_BEYOND | VMM_MRC_UNTRUSTED);
    cr_assert(vmm_mrc_trusted_at(&c, 8));
    c.min_trusted_frames = 4;
    cr_assert(!vmm_mrc_trusted_at(&c, 2) && vmm_mrc_trusted_at(&c, 4));
    c.min_trusted_frames = VMM_MRC_NOWHERE;
    cr_assert(!vmm_mrc_trusted_at(&c, 8));
    vmm_mrc_t none = {0};
    cr_assert(!vmm_mrc_trusted_at(&none, 1));
    /* the maximum error is taken at the points the curve computed */
    vmm_mrc_t ref = mrc_hand(100, 8, (uint32_t[]){1, 2, 3, 4, 5, 6, 7, 8},
                             (double[]){95, 80, 50, 40, 30, 20, 15, 10});
    uint32_t at;
    /* 60 at 3 is read, not computed: no error */
    cr_assert_float_eq(vmm_mrc_max_error(&c, &ref, &at), 0, 1e-12);
    c.misses[1] = 45;
    cr_assert_float_eq(vmm_mrc_max_error(&c, &ref, &at), 0.05, 1e-12);
    cr_assert_eq(at, 4);
    vmm_mrc_free(&c);
    vmm_mrc_free(&ref);
}

/* ---- the batch op ------------------------------------------------------------ */

/* access_many over chunks of `chunk` keys gives the same curve, bit for
 * bit, as one access call per key. */
static void mrc_batch_same(const char *name, const vmm_mrc_cfg_t *cfg, const uint64_t *keys,
                           size_t n, size_t chunk)
{
    vmm_mrc_builder_t b;
    cr_assert_eq(vmm_mrc_builder_init(&b, vmm_mrc_find(name), cfg, NULL), 0);
    cr_assert(b.ops->access_many, "%s has no access_many", name);
    for (size_t i = 0; i < n; i += chunk)
        cr_assert_eq(b.ops->access_many(b.st, keys + i, n - i < chunk ? n - i : chunk), 0);
    vmm_mrc_t got, want;
    cr_assert_eq(b.ops->curve(b.st, &got), 0);
    vmm_mrc_builder_fini(&b);
    mrc_build(name, cfg, keys, n, &want);
    mrc_assert_same(&got, &want, name);
    vmm_mrc_free(&got);
    vmm_mrc_free(&want);
}

Test(mrc_batch, access_many_equals_access)
{
    size_t n = 50000;
    static const struct {
        const char *name;
        vmm_mrc_cfg_t cfg;
    } runs[] = {
        {"exact", {.step = 0}}, {"exact", {.step = 64}}, {"shards", {.rate = 0.5}},
        {"shards", {.rate = 0.01}}, {"shards", {.max_pages = 64}},
        {"shards", {.max_pages = 300, .rate = 0.3}},
    };
    static const size_t chunks[] = {1, 7, 4096, 50000};
    for (uint64_t seed = 0; seed < 4; seed++) {
        uint64_t *keys = mrc_random_trace(seed, n, 3000);
        for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++)
            for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
                mrc_batch_same(runs[r].name, &runs[r].cfg, keys, n, chunks[c]);
        free(keys);
    }
}

/* After a failed batch the builder stays usable and frees everything. */
Test(mrc_batch, failure_leaves_builder_valid)
{
    size_t n = 4000;
    uint64_t *keys = mrc_random_trace(2, n, 1500);
    static const char *const names[] = {"exact", "shards"};
    static const vmm_mrc_cfg_t cfgs[] = {{.step = 4}, {.max_pages = 64}};
    for (size_t r = 0; r < 2; r++) {
        int rc;
        long k = 0;
        do {
            vmm_mrc_builder_t b;
            vmm_alloc_fail_after(k++);
            rc = vmm_mrc_builder_init(&b, vmm_mrc_find(names[r]), &cfgs[r], NULL);
            if (rc) {
                vmm_alloc_fail_after(-1);
                cr_assert_eq(rc, VMM_ENOMEM);
                continue;
            }
            rc = b.ops->access_many(b.st, keys, n);
            vmm_alloc_fail_after(-1);
            cr_assert(rc == 0 || rc == VMM_ENOMEM, "%s rc=%d", names[r], rc);
            vmm_mrc_t c;
            cr_assert_eq(b.ops->curve(b.st, &c), 0);
            vmm_mrc_free(&c);
            vmm_mrc_builder_fini(&b);
        } while (rc);
        cr_assert_gt(k, 2);
    }
    free(keys);
    VMM_ASSERT_NO_LEAKS();
}

/* ---- allocation failure --------------------------------------------------- */

/* Run cfg over keys with the k-th allocation failing. Every failure must be
 * VMM_ENOMEM and change nothing: after it, injection is turned off, the
 * call retried, and the final curve must equal `want`. Returns 1 if an
 * allocation failed. */
static int mrc_fail_run(const char *name, const vmm_mrc_cfg_t *cfg, const uint64_t *keys,
                        size_t n, long k, const vmm_mrc_t *want)
{
    vmm_mrc_builder_t b;
    int failed = 0;
    vmm_alloc_fail_after(k);
    int rc = vmm_mrc_builder_init(&b, vmm_mrc_find(name), cfg, NULL);
    if (rc) {
        vmm_alloc_fail_after(-1);
        cr_assert_eq(rc, VMM_ENOMEM, "%s k=%ld init rc=%d", name, k, rc);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        rc = b.ops->access(b.st, keys[i]);
        if (rc) {
            cr_assert_eq(rc, VMM_ENOMEM, "%s k=%ld access rc=%d", name, k, rc);
            vmm_alloc_fail_after(-1);
            failed = 1;
            cr_assert_eq(b.ops->access(b.st, keys[i]), 0);
        }
    }
    vmm_mrc_t c;
    rc = b.ops->curve(b.st, &c);
    if (rc) {
        cr_assert_eq(rc, VMM_ENOMEM, "%s k=%ld curve rc=%d", name, k, rc);
        vmm_alloc_fail_after(-1);
        failed = 1;
        cr_assert_eq(b.ops->curve(b.st, &c), 0);
    }
    vmm_alloc_fail_after(-1);
    mrc_assert_same(&c, want, name);
    vmm_mrc_free(&c);
    vmm_mrc_builder_fini(&b);
    return failed;
}

Test(mrc_alloc, every_failure_is_enomem_and_harmless)
{
    size_t n = 4000;
    uint64_t *keys = mrc_random_trace(1, n, 1500);
    static const struct {
        const char *name;
        vmm_mrc_cfg_t cfg;
    } runs[] = {
        {"exact", {.step = 3}},
        {"shards", {.rate = 0.5}},
        {"shards", {.max_pages = 64}},
        {"mini", {.rate = 0.5, .max_frames = 200, .step = 25}},
        {"mini", {.rate = 0.5, .policy = "arc", .max_frames = 200, .step = 50}},
        {"shards", {.seed = 0}},              /* the default: fixed size 8192 */
        {"mini", {.rate = 0.5}},              /* sizes grow (mini_grow) */
        {"mini", {.rate = 1, .step = 40}},
    };
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        vmm_mrc_t want;
        mrc_build(runs[r].name, &runs[r].cfg, keys, n, &want);
        long k = 0;
        while (mrc_fail_run(runs[r].name, &runs[r].cfg, keys, n, k, &want))
            k++;
        cr_assert_gt(k, 2, "%s: only %ld allocations", runs[r].name, k);
        cr_log_info("%s: %ld allocation points", runs[r].name, k);
        vmm_mrc_free(&want);
    }
    free(keys);
    VMM_ASSERT_NO_LEAKS();
}
