/* Engine tests: counts through the whole pipeline (TLB, page table,
 * frames, policy) against a naive reference model written here, hand-checked
 * tiny traces, every registered policy against OPT, and error paths. */
#include <criterion/criterion.h>
#include "vmmsim/vmmsim.h"
#include "util/rng.h"
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* --- naive reference: O(n*F) exact LRU with the engine's page semantics */

#define NAIVE_MAXPAGES 4096

typedef struct naive {
    uint32_t frames, used;
    uint64_t key[256], last[256];
    uint8_t dirty[256];
    uint8_t written[NAIVE_MAXPAGES], loaded[NAIVE_MAXPAGES];
    uint64_t faults, minor, major, evictions, writebacks, refs, t;
} naive_t;

static void naive_page(naive_t *n, uint64_t key, int write)
{
    n->refs++;
    n->t++;
    for (uint32_t i = 0; i < n->used; i++)
        if (n->key[i] == key) {
            n->last[i] = n->t;
            if (write) {
                n->dirty[i] = 1;
                n->written[key] = 1;
            }
            return;
        }
    n->faults++;
    if (n->loaded[key])
        n->major++;
    else
        n->minor++;
    uint32_t slot;
    if (n->used < n->frames) {
        slot = n->used++;
    } else {
        slot = 0;
        for (uint32_t i = 1; i < n->used; i++)
            if (n->last[i] < n->last[slot])
                slot = i;
        uint64_t old = n->key[slot];
        n->evictions++;
        n->loaded[old] = 1;
        if (n->dirty[slot])
            n->writebacks++;
    }
    n->key[slot] = key;
    n->last[slot] = n->t;
    n->dirty[slot] = write;
    if (write)
        n->written[key] = 1;
}

/* Random references over `pages` pages in each of `nas` address spaces,
 * with accesses that sometimes span two pages. */
static vmm_ref_t *random_refs(uint64_t seed, size_t n, unsigned nas, unsigned pages)
{
    vmm_rng_t r;
    vmm_rng_seed(&r, seed);
    vmm_ref_t *refs = calloc(n, sizeof *refs);
    for (size_t i = 0; i < n; i++) {
        uint64_t page = vmm_rng_below(&r, pages);
        /* skew: half the references go to the first eighth of the pages */
        if (vmm_rng_below(&r, 2))
            page = vmm_rng_below(&r, pages / 8 + 1);
        refs[i].asid = 100 + (uint32_t)vmm_rng_below(&r, nas);
        refs[i].addr = page * 4096 + vmm_rng_below(&r, 4096);
        refs[i].size = vmm_rng_below(&r, 10) ? 8 : 4096;
        refs[i].op = (uint8_t)vmm_rng_below(&r, 3);
    }
    return refs;
}

static void naive_run(naive_t *n, const vmm_ref_t *refs, size_t count, unsigned pages)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t first = refs[i].addr >> 12, last = (refs[i].addr + refs[i].size - 1) >> 12;
        for (uint64_t p = first; p <= last; p++)
            naive_page(n, (refs[i].asid - 100) * (pages + 1) + p, refs[i].op == VMM_OP_WRITE);
    }
}

static vmm_t *make(const char *policy, uint32_t frames, const char *pt, uint32_t tlb)
{
    vmm_config_t cfg;
    vmm_config_default(&cfg);
    cfg.policy = policy;
    cfg.frames = frames;
    cfg.pt_type = pt;
    cfg.tlb.entries = tlb;
    cfg.tlb.ways = tlb ? 4 : 0;
    vmm_t *m = NULL;
    vmm_err_t err;
    int rc = vmm_create(&cfg, &m, &err);
    cr_assert_eq(rc, 0, "vmm_create(%s): %s", policy, err.msg);
    return m;
}

/* Run refs through the engine, with the prepass when the policy needs it. */
static void feed(vmm_t *m, const vmm_ref_t *refs, size_t n)
{
    vmm_err_t err;
    if (vmm_needs_prepass(m)) {
        cr_assert_eq(vmm_prepass(m, refs, n, &err), 0);
        cr_assert_eq(vmm_prepass_end(m, &err), 0);
    }
    cr_assert_eq(vmm_access(m, refs, n, &err), 0, "%s", err.msg);
}

Test(engine, lru_equals_naive_reference_on_random_traces)
{
    static const char *pts[] = {"radix4", "radix3", "2level", "single", "hashed", "inverted"};
    static const uint32_t tlbs[] = {0, 8, 64};
    for (uint64_t seed = 1; seed <= 24; seed++) {
        unsigned nas = 1 + seed % 3, pages = 40 + (unsigned)seed * 7;
        uint32_t frames = 4 + (uint32_t)(seed * 13 % 90);
        size_t n = 3000;
        vmm_ref_t *refs = random_refs(seed, n, nas, pages);
        naive_t *ref = calloc(1, sizeof *ref);
        ref->frames = frames;
        naive_run(ref, refs, n, pages);
        vmm_t *m = make("lru", frames, pts[seed % 6], tlbs[seed % 3]);
        feed(m, refs, n);
        vmm_stats_t st;
        vmm_get_stats(m, &st);
        cr_assert_eq(st.total.refs, ref->refs, "seed %llu refs", (unsigned long long)seed);
        cr_assert_eq(st.total.faults, ref->faults, "seed %llu faults", (unsigned long long)seed);
        cr_assert_eq(st.total.minor_faults, ref->minor, "seed %llu minor", (unsigned long long)seed);
        cr_assert_eq(st.total.major_faults, ref->major, "seed %llu major", (unsigned long long)seed);
        cr_assert_eq(st.total.evictions, ref->evictions);
        cr_assert_eq(st.total.dirty_writebacks, ref->writebacks);
        cr_assert_eq(st.total.tlb_hits + st.total.tlb_misses, st.total.refs);
        cr_assert_eq(st.nas, nas);
        vmm_destroy(m);
        free(ref);
        free(refs);
    }
}

Test(engine, every_policy_at_least_opt)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        size_t n = 4000;
        vmm_ref_t *refs = random_refs(seed * 77, n, 2, 120);
        uint32_t frames = 10 + (uint32_t)seed * 9;
        vmm_t *o = make("opt", frames, "radix4", 64);
        feed(o, refs, n);
        vmm_stats_t ost;
        vmm_get_stats(o, &ost);
        for (const vmm_policy_ops *const *p = vmm_policy_all(); *p; p++) {
            vmm_t *m = make((*p)->name, frames, "radix4", 64);
            feed(m, refs, n);
            vmm_stats_t st;
            vmm_get_stats(m, &st);
            cr_assert_geq(st.total.faults, ost.total.faults, "%s below OPT", (*p)->name);
            cr_assert_eq(st.total.refs, ost.total.refs);
            /* every fault brings a page in; the policy frees exactly the overflow */
            cr_assert_eq(st.total.faults - st.total.evictions, st.frames_used, "%s frames", (*p)->name);
            vmm_destroy(m);
        }
        vmm_destroy(o);
        free(refs);
    }
}

static vmm_ref_t R(uint32_t asid, uint64_t addr, uint32_t size, int op)
{
    return (vmm_ref_t){.asid = asid, .addr = addr, .size = size, .op = (uint8_t)op};
}

Test(engine, hand_checked_tiny_trace)
{
    /* 2 frames, FIFO. Pages: A=0x0000, B=0x1000, C=0x2000 (pid 1).
     *  W A  minor fault (first touch)  frames [A]
     *  R B  minor fault                frames [A B]
     *  R C  minor, evict A (dirty: write-back to swap)
     *  R A  major (was in memory before), evict B (clean: dropped)
     *  R B  major, evict C
     *  R 0x1ffe size 4 spans B and C: B hit, C major (evict A, clean) */
    vmm_ref_t refs[] = {R(1, 0x0, 8, VMM_OP_WRITE), R(1, 0x1000, 8, 0), R(1, 0x2000, 8, 0),
                        R(1, 0x10, 8, 0), R(1, 0x1008, 8, 0), R(1, 0x1ffe, 4, 0)};
    vmm_t *m = make("fifo", 2, "radix4", 0);
    feed(m, refs, 6);
    vmm_stats_t st;
    vmm_get_stats(m, &st);
    cr_assert_eq(st.total.refs, 7);
    cr_assert_eq(st.total.faults, 6);
    cr_assert_eq(st.total.minor_faults, 3);
    cr_assert_eq(st.total.major_faults, 3);
    cr_assert_eq(st.total.evictions, 4);
    cr_assert_eq(st.total.dirty_writebacks, 1);
    cr_assert_eq(st.total.swap_outs, 1);
    cr_assert_eq(st.total.swap_ins, 3);
    cr_assert_eq(st.total.writes, 1);
    cr_assert_eq(st.total.pages_touched, 3);
    /* no TLB: every reference walks 4 levels (the first touch walks
     * partially: 1 ref for the empty top level, then 4 for the others) */
    cr_assert_eq(st.total.tlb_misses, 7);
    /* time: 7 x (1 + 100) + walks x 100 + 3 x 1us + 3 x 1ms */
    double want = 7 * 101.0 + st.total.walk_refs * 100.0 + 3 * 1000.0 + 3e6;
    cr_assert_float_eq(st.total.time_ns, want, 1e-6);
    vmm_destroy(m);
}

Test(engine, tlb_counts_and_shootdown)
{
    /* 64-entry TLB, 1 frame: alternating pages always fault, and the
     * evicted page's TLB entry must be gone (a stale hit would be a bug). */
    vmm_ref_t refs[6];
    for (int i = 0; i < 6; i++)
        refs[i] = R(0, (uint64_t)(i % 2) << 12, 8, 0);
    vmm_t *m = make("lru", 1, "radix4", 64);
    feed(m, refs, 6);
    vmm_stats_t st;
    vmm_get_stats(m, &st);
    cr_assert_eq(st.total.faults, 6);
    cr_assert_eq(st.total.tlb_hits, 0);
    vmm_destroy(m);
    /* enough frames: the second pass over 3 pages hits the TLB every time */
    vmm_ref_t r2[6] = {R(0, 0, 8, 0), R(0, 0x1000, 8, 0), R(0, 0x2000, 8, 0),
                       R(0, 0, 8, 0), R(0, 0x1000, 8, 0), R(0, 0x2000, 8, 0)};
    m = make("lru", 8, "radix4", 64);
    feed(m, r2, 6);
    vmm_get_stats(m, &st);
    cr_assert_eq(st.total.faults, 3);
    cr_assert_eq(st.total.tlb_hits, 3);
    cr_assert_eq(st.total.tlb_misses, 3);
    vmm_destroy(m);
}

Test(engine, address_spaces_are_separate)
{
    /* the same address in two pids is two pages */
    vmm_ref_t refs[] = {R(7, 0x5000, 8, 0), R(9, 0x5000, 8, 0), R(7, 0x5000, 8, 0)};
    vmm_t *m = make("lru", 4, "hashed", 16);
    feed(m, refs, 3);
    vmm_stats_t st;
    vmm_get_stats(m, &st);
    cr_assert_eq(st.total.faults, 2);
    cr_assert_eq(st.nas, 2);
    cr_assert_eq(st.as[0].asid, 7);
    cr_assert_eq(st.as[0].c.refs, 2);
    cr_assert_eq(st.as[1].asid, 9);
    cr_assert_eq(st.as[1].c.faults, 1);
    vmm_destroy(m);
}

Test(engine, swap_full_is_an_error)
{
    vmm_config_t cfg;
    vmm_config_default(&cfg);
    cfg.frames = 1;
    cfg.swap_pages = 1;
    cfg.policy = "fifo";
    vmm_t *m;
    vmm_err_t err;
    cr_assert_eq(vmm_create(&cfg, &m, &err), 0);
    vmm_ref_t refs[] = {R(0, 0, 8, 1), R(0, 0x1000, 8, 1), R(0, 0x2000, 8, 1)};
    cr_assert_eq(vmm_access(m, refs, 3, &err), VMM_EIO);
    cr_assert(strstr(err.msg, "swap full"), "%s", err.msg);
    cr_assert(strstr(err.msg, "reference 3"), "%s", err.msg);
    vmm_destroy(m);
}

Test(engine, virtual_space_limit)
{
    vmm_config_t cfg;
    vmm_config_default(&cfg);
    cfg.va_limit = 1 << 20;
    vmm_t *m;
    vmm_err_t err;
    cr_assert_eq(vmm_create(&cfg, &m, &err), 0);
    vmm_ref_t refs[] = {R(0, 0xff000, 8, 0), R(0, 0x100000, 8, 0)};
    cr_assert_eq(vmm_access(m, refs, 2, &err), VMM_ERANGE);
    cr_assert(strstr(err.msg, "reference 2"), "%s", err.msg);
    vmm_destroy(m);
    /* beyond the 48-bit space of a 4-level table */
    vmm_config_default(&cfg);
    cr_assert_eq(vmm_create(&cfg, &m, &err), 0);
    vmm_ref_t big = R(0, 1ull << 50, 8, 0);
    cr_assert_eq(vmm_access(m, &big, 1, &err), VMM_ERANGE);
    vmm_destroy(m);
}

Test(engine, bad_configs)
{
    vmm_config_t cfg;
    vmm_t *m = (vmm_t *)1;
    vmm_err_t err;
    vmm_config_default(&cfg);
    cfg.frames = 0;
    cr_assert_eq(vmm_create(&cfg, &m, &err), VMM_EINVAL);
    cr_assert_null(m);
    vmm_config_default(&cfg);
    cfg.page_size = 3000;
    cr_assert_eq(vmm_create(&cfg, &m, &err), VMM_EINVAL);
    vmm_config_default(&cfg);
    cfg.policy = "nosuch";
    cr_assert_eq(vmm_create(&cfg, &m, &err), VMM_ENOENT);
    cr_assert(strstr(err.msg, "nosuch"));
    vmm_config_default(&cfg);
    cfg.pt_type = "nosuch";
    cr_assert_eq(vmm_create(&cfg, &m, &err), VMM_ENOENT);
    vmm_config_default(&cfg);
    cfg.policy = "opt";
    cr_assert_eq(vmm_create(&cfg, &m, &err), 0);
    vmm_ref_t r = R(0, 0, 8, 0);
    cr_assert_eq(vmm_access(m, &r, 1, &err), VMM_EINVAL, "OPT without a prepass");
    vmm_destroy(m);
    vmm_destroy(NULL);
}

Test(engine, allocation_failures_are_clean)
{
    vmm_ref_t *refs = random_refs(5, 2000, 2, 300);
    for (const vmm_policy_ops *const *p = vmm_policy_all(); *p; p++) {
        int ok = 0;
        for (long k = 0; k < 10000 && !ok; k++) {
            vmm_config_t cfg;
            vmm_config_default(&cfg);
            cfg.policy = (*p)->name;
            cfg.frames = 50;
            vmm_t *m = NULL;
            vmm_err_t err;
            vmm_alloc_fail_after(k);
            int rc = vmm_create(&cfg, &m, &err);
            if (!rc && vmm_needs_prepass(m)) {
                rc = vmm_prepass(m, refs, 2000, &err);
                if (!rc)
                    rc = vmm_prepass_end(m, &err);
            }
            if (!rc)
                rc = vmm_access(m, refs, 2000, &err);
            vmm_alloc_fail_after(-1);
            if (rc)
                cr_assert_eq(rc, VMM_ENOMEM, "%s k=%ld: %s", (*p)->name, k, vmm_strerror(rc));
            else
                ok = 1;
            vmm_destroy(m);
        }
        cr_assert(ok, "%s never succeeded", (*p)->name);
    }
    free(refs);
    VMM_ASSERT_NO_LEAKS();
}

Test(engine, deterministic)
{
    vmm_ref_t *refs = random_refs(9, 5000, 3, 500);
    for (const vmm_policy_ops *const *p = vmm_policy_all(); *p; p++) {
        vmm_stats_t a, b;
        vmm_t *m1 = make((*p)->name, 60, "radix4", 64), *m2 = make((*p)->name, 60, "radix4", 64);
        feed(m1, refs, 5000);
        feed(m2, refs, 5000);
        vmm_get_stats(m1, &a);
        vmm_get_stats(m2, &b);
        cr_assert_eq(memcmp(&a.total, &b.total, sizeof a.total), 0, "%s", (*p)->name);
        vmm_destroy(m1);
        vmm_destroy(m2);
    }
    free(refs);
}
