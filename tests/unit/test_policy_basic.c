/* Unit tests for the basic replacement policies: FIFO, LRU, CLOCK, Aging,
 * WSClock, Random, SIEVE and OPT.
 *
 * - tiny sequences whose fault counts were worked out by hand (the classic
 *   Belady anomaly sequence, and one that tells CLOCK, SIEVE and LRU apart);
 * - LRU and OPT against naive O(n*F) reference models written here, on many
 *   seeded random sequences; aging and WSClock against the policies their
 *   parameters reduce them to;
 * - every policy never beats OPT; Random is reproducible for a seed;
 * - WSClock write-backs counted by hand; random interleavings of hits,
 *   loads, victims and on_remove checked against a model of the frames
 *   (exact victims for FIFO, LRU, OPT and Aging);
 * - every allocation failure in init gives VMM_ENOMEM (ASan checks leaks);
 * - the CloudPhysics trace against ../shared/traces/expected.tsv, which came
 *   from libCacheSim and an independent Belady, and must match exactly. */
#include <criterion/criterion.h>
#include "policy_sim.h"
#include "util/alloc.h"
#include "util/rng.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "real_traces.h"

extern const vmm_policy_ops vmm_policy_fifo, vmm_policy_lru, vmm_policy_clock,
    vmm_policy_aging, vmm_policy_wsclock, vmm_policy_random, vmm_policy_sieve,
    vmm_policy_opt;

static const vmm_policy_ops *const polA_all[] = {
    &vmm_policy_fifo,    &vmm_policy_lru,    &vmm_policy_clock, &vmm_policy_aging,
    &vmm_policy_wsclock, &vmm_policy_random, &vmm_policy_sieve, &vmm_policy_opt,
};
#define POLA_N (sizeof polA_all / sizeof polA_all[0])

static long long polA_run(const vmm_policy_ops *ops, uint32_t frames, const char *params,
                          const uint64_t *keys, size_t n)
{
    return policy_sim_run(ops, frames, params, keys, NULL, n);
}

/* ---- hand-checked sequences ------------------------------------------- */

static const uint64_t belady_seq[] = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};
#define BELADY_N (sizeof belady_seq / sizeof belady_seq[0])

/* 3 frames: FIFO keeps 1 through "2 3" and faults 5 times; LRU 7; CLOCK
 * moves the spared 1 to the back, then evicts it for 3 (7); SIEVE keeps 1
 * in place and the hand evicts 4 for 3 instead (6); OPT 5. */
static const uint64_t split_seq[] = {1, 2, 3, 1, 4, 2, 3, 1};
#define SPLIT_N (sizeof split_seq / sizeof split_seq[0])

Test(polA_hand, belady_anomaly)
{
    cr_assert_eq(polA_run(&vmm_policy_fifo, 3, NULL, belady_seq, BELADY_N), 9);
    cr_assert_eq(polA_run(&vmm_policy_fifo, 4, NULL, belady_seq, BELADY_N), 10);
    cr_assert_eq(polA_run(&vmm_policy_lru, 3, NULL, belady_seq, BELADY_N), 10);
    cr_assert_eq(polA_run(&vmm_policy_lru, 4, NULL, belady_seq, BELADY_N), 8);
    cr_assert_eq(polA_run(&vmm_policy_opt, 3, NULL, belady_seq, BELADY_N), 7);
    cr_assert_eq(polA_run(&vmm_policy_opt, 4, NULL, belady_seq, BELADY_N), 6);
    /* CLOCK and SIEVE, 3 frames: only the "1 2" hits set bits; both then
     * lose 5, 1 and 2 for 3, 4, 5: 10 faults. */
    cr_assert_eq(polA_run(&vmm_policy_clock, 3, NULL, belady_seq, BELADY_N), 10);
    cr_assert_eq(polA_run(&vmm_policy_sieve, 3, NULL, belady_seq, BELADY_N), 10);
}

Test(polA_hand, clock_sieve_lru_differ)
{
    cr_assert_eq(polA_run(&vmm_policy_fifo, 3, NULL, split_seq, SPLIT_N), 5);
    cr_assert_eq(polA_run(&vmm_policy_lru, 3, NULL, split_seq, SPLIT_N), 7);
    cr_assert_eq(polA_run(&vmm_policy_clock, 3, NULL, split_seq, SPLIT_N), 7);
    cr_assert_eq(polA_run(&vmm_policy_sieve, 3, NULL, split_seq, SPLIT_N), 6);
    cr_assert_eq(polA_run(&vmm_policy_opt, 3, NULL, split_seq, SPLIT_N), 5);
}

Test(polA_hand, aging)
{
    /* No tick ever: every key ties, so the oldest load goes (FIFO). */
    cr_assert_eq(polA_run(&vmm_policy_aging, 3, "interval=1000", belady_seq, BELADY_N), 9);
    cr_assert_eq(polA_run(&vmm_policy_aging, 4, "interval=1000", belady_seq, BELADY_N), 10);
    /* A tick per reference with 32 bits records the last 32 references
     * exactly: LRU on a 12-reference sequence. */
    cr_assert_eq(polA_run(&vmm_policy_aging, 3, "bits=32,interval=1", belady_seq, BELADY_N), 10);
    cr_assert_eq(polA_run(&vmm_policy_aging, 4, "bits=32,interval=1", belady_seq, BELADY_N), 8);
    /* One bit, a tick per reference: only "used by the previous reference"
     * survives. 4 evicts 2 (not 1), 2 evicts 1, the last 1 evicts 4: 6. */
    cr_assert_eq(polA_run(&vmm_policy_aging, 3, "bits=1,interval=1", split_seq, SPLIT_N), 6);
}

Test(polA_hand, trivial_bounds)
{
    /* With one frame every change of key faults; with room for every page
     * only cold misses do. True for any policy. */
    uint64_t keys[64];
    vmm_rng_t rng;
    vmm_rng_seed(&rng, 7);
    for (size_t i = 0; i < 64; i++)
        keys[i] = vmm_rng_below(&rng, 6);
    long long changes = 1, distinct = 0;
    for (size_t i = 1; i < 64; i++)
        changes += keys[i] != keys[i - 1];
    for (uint64_t k = 0; k < 6; k++)
        for (size_t i = 0; i < 64; i++)
            if (keys[i] == k) {
                distinct++;
                break;
            }
    for (size_t p = 0; p < POLA_N; p++) {
        cr_assert_eq(polA_run(polA_all[p], 1, NULL, keys, 64), changes, "%s", polA_all[p]->name);
        cr_assert_eq(polA_run(polA_all[p], 6, NULL, keys, 64), distinct, "%s", polA_all[p]->name);
    }
}

/* ---- a driver that exposes write-backs, victims and the seed ------------- */

typedef struct polA_drive {
    long long faults;
    uint64_t cleaned;
    uint64_t evicted[32];   /* first victims' keys, in order */
    size_t nevicted;
} polA_drive;

/* Run keys through ops with frames <= 16 (linear search; no next_use) and
 * the given seed; writes[i] marks a write. Returns 0 or the init error. */
static int polA_drive_run(const vmm_policy_ops *ops, uint32_t frames, const char *params,
                          uint64_t seed, const uint64_t *keys, const uint8_t *writes, size_t n,
                          polA_drive *out)
{
    uint64_t fkey[16];
    uint8_t dirty[16] = {0};
    uint32_t used = 0;
    vmm_policy_t p;
    vmm_policy_cfg_t cfg = {.nframes = frames, .seed = seed, .params = params,
                            .env = {.dirty = dirty, .cleaned = &out->cleaned}};
    memset(out, 0, sizeof *out);
    int rc = vmm_policy_init(&p, ops, &cfg, NULL);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        vmm_pref_t r = {.key = keys[i], .now = i, .page = (uint32_t)keys[i],
                        .write = writes ? writes[i] : 0};
        uint32_t f = 0;
        while (f < used && fkey[f] != keys[i])
            f++;
        r.frame = f;
        if (f < used) {
            ops->on_hit(p.st, &r);
        } else {
            out->faults++;
            if (used < frames) {
                f = used++;
            } else {
                f = ops->victim(p.st, &r);
                cr_assert_lt(f, frames);
                if (out->nevicted < 32)
                    out->evicted[out->nevicted++] = fkey[f];
                dirty[f] = 0;
            }
            r.frame = f;
            cr_assert_eq(ops->on_insert(p.st, &r), VMM_POLICY_ADMIT);
            fkey[f] = keys[i];
        }
        if (r.write)
            dirty[f] = 1;
    }
    vmm_policy_fini(&p);
    return 0;
}

Test(polA_wsclock, writebacks_counted)
{
    /* A=1 .. E=5; tau=2, 3 frames. Worked by hand:
     *  D: A is old and dirty -> written back; B, C in the window; a full
     *     turn found no clean old page, so A (first written back) goes.
     *  B hit. E: B's bit cleared; C old and dirty -> written back; D in
     *     the window; C goes.
     *  A: D is old and clean -> evicted at once.
     *  C: B, E, A all in the window and clean: the first seen, B, goes. */
    static const uint64_t keys[] = {1, 2, 3, 4, 2, 5, 1, 3};
    static const uint8_t writes[] = {1, 0, 1, 0, 0, 0, 0, 0};
    polA_drive d;
    cr_assert_eq(polA_drive_run(&vmm_policy_wsclock, 3, "tau=2", 0, keys, writes, 8, &d), 0);
    cr_assert_eq(d.faults, 7);
    cr_assert_eq(d.cleaned, 2);
    cr_assert_eq(d.nevicted, 4);
    cr_assert_eq(d.evicted[0], 1);
    cr_assert_eq(d.evicted[1], 3);
    cr_assert_eq(d.evicted[2], 4);
    cr_assert_eq(d.evicted[3], 2);
}

Test(polA_wsclock, all_dirty_in_window_evicts_oldest)
{
    /* tau huge, every page dirty: no write-back, no clean page; the oldest
     * last use goes, i.e. FIFO order, and nothing is cleaned. */
    static const uint64_t keys[] = {1, 2, 3, 4, 5, 1};
    static const uint8_t writes[] = {1, 1, 1, 1, 1, 1};
    polA_drive d;
    cr_assert_eq(polA_drive_run(&vmm_policy_wsclock, 3, "tau=1000", 0, keys, writes, 6, &d), 0);
    cr_assert_eq(d.faults, 6);
    cr_assert_eq(d.cleaned, 0);
    cr_assert_eq(d.evicted[0], 1);
    cr_assert_eq(d.evicted[1], 2);
    cr_assert_eq(d.evicted[2], 3);
}

/* ---- random sequences and reference models -------------------------------- */

/* A sequence over `pages` pages with some locality: mostly a sliding hot
 * window, sometimes anywhere. */
static void polA_gen(uint64_t seed, uint64_t *keys, size_t n, uint64_t pages)
{
    vmm_rng_t rng;
    vmm_rng_seed(&rng, seed);
    uint64_t base = 0;
    for (size_t i = 0; i < n; i++) {
        if (vmm_rng_below(&rng, 50) == 0)
            base = vmm_rng_below(&rng, pages);
        uint64_t k = vmm_rng_below(&rng, 10) < 7 ? base + vmm_rng_below(&rng, 6)
                                                 : vmm_rng_below(&rng, pages);
        keys[i] = 1000 + k % pages;
    }
}

static long long polA_naive_lru(const uint64_t *keys, size_t n, uint32_t frames)
{
    uint64_t *fk = malloc(frames * sizeof *fk);
    size_t *last = malloc(frames * sizeof *last);
    uint32_t used = 0;
    long long faults = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t f = 0;
        while (f < used && fk[f] != keys[i])
            f++;
        if (f == used) {
            faults++;
            if (used < frames) {
                used++;
            } else {
                f = 0;
                for (uint32_t j = 1; j < frames; j++)
                    if (last[j] < last[f])
                        f = j;
            }
            fk[f] = keys[i];
        }
        last[f] = i;
    }
    free(fk);
    free(last);
    return faults;
}

/* Belady: on a fault with memory full, evict the page whose next use
 * (found by scanning forward) is furthest away or never. */
static long long polA_naive_opt(const uint64_t *keys, size_t n, uint32_t frames)
{
    uint64_t *fk = malloc(frames * sizeof *fk);
    uint32_t used = 0;
    long long faults = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t f = 0;
        while (f < used && fk[f] != keys[i])
            f++;
        if (f < used)
            continue;
        faults++;
        if (used < frames) {
            fk[used++] = keys[i];
            continue;
        }
        size_t best_next = 0;
        for (uint32_t j = 0; j < frames; j++) {
            size_t t = i + 1;
            while (t < n && keys[t] != fk[j])
                t++;
            if (t > best_next) {
                best_next = t;
                f = j;
            }
        }
        fk[f] = keys[i];
    }
    free(fk);
    return faults;
}

Test(polA_cross, lru_matches_naive)
{
    static uint64_t keys[3000];
    for (uint64_t seed = 1; seed <= 40; seed++) {
        uint64_t pages = 5 + seed * 3;
        polA_gen(seed, keys, 3000, pages);
        for (uint32_t frames = 1; frames <= 33; frames += 4)
            cr_assert_eq(polA_run(&vmm_policy_lru, frames, NULL, keys, 3000),
                         polA_naive_lru(keys, 3000, frames), "seed %llu frames %u",
                         (unsigned long long)seed, frames);
    }
}

Test(polA_cross, opt_matches_naive)
{
    static uint64_t keys[1500];
    for (uint64_t seed = 1; seed <= 30; seed++) {
        uint64_t pages = 5 + seed * 2;
        polA_gen(seed * 977, keys, 1500, pages);
        for (uint32_t frames = 1; frames <= 25; frames += 3)
            cr_assert_eq(polA_run(&vmm_policy_opt, frames, NULL, keys, 1500),
                         polA_naive_opt(keys, 1500, frames), "seed %llu frames %u",
                         (unsigned long long)seed, frames);
    }
}

Test(polA_cross, aging_reduces_to_lru_and_fifo)
{
    uint64_t keys[2000];
    for (uint64_t seed = 1; seed <= 30; seed++) {
        polA_gen(seed + 500, keys, 2000, 4 + seed);
        for (uint32_t frames = 1; frames <= 10; frames += 3) {
            /* Within 32 references, 32 one-tick bits are exact recency. */
            cr_assert_eq(polA_run(&vmm_policy_aging, frames, "bits=32,interval=1", keys, 32),
                         polA_naive_lru(keys, 32, frames));
            /* No tick: all keys tie, oldest load goes. */
            cr_assert_eq(polA_run(&vmm_policy_aging, frames, "interval=1e12", keys, 2000),
                         polA_run(&vmm_policy_fifo, frames, NULL, keys, 2000));
        }
    }
}

Test(polA_cross, wsclock_reduces_to_clock_and_fifo)
{
    uint64_t keys[2000];
    for (uint64_t seed = 1; seed <= 30; seed++) {
        polA_gen(seed + 900, keys, 2000, 4 + 2 * seed);
        for (uint32_t frames = 1; frames <= 20; frames += 3) {
            cr_assert_eq(polA_run(&vmm_policy_wsclock, frames, "tau=0", keys, 2000),
                         polA_run(&vmm_policy_clock, frames, NULL, keys, 2000));
            cr_assert_eq(polA_run(&vmm_policy_wsclock, frames, "tau=1e9", keys, 2000),
                         polA_run(&vmm_policy_fifo, frames, NULL, keys, 2000));
        }
    }
}

Test(polA_cross, nothing_beats_opt)
{
    static uint64_t keys[2000];
    for (uint64_t seed = 1; seed <= 20; seed++) {
        polA_gen(seed * 31, keys, 2000, 10 + 4 * seed);
        for (uint32_t frames = 1; frames <= 40; frames += 6) {
            long long opt = polA_run(&vmm_policy_opt, frames, NULL, keys, 2000);
            for (size_t p = 0; p < POLA_N; p++) {
                long long f = polA_run(polA_all[p], frames, NULL, keys, 2000);
                cr_assert_geq(f, opt, "%s seed %llu frames %u", polA_all[p]->name,
                              (unsigned long long)seed, frames);
                cr_assert_leq(f, 2000);
            }
        }
    }
}

Test(polA_random, deterministic_per_seed)
{
    uint64_t keys[2000];
    polA_gen(4242, keys, 2000, 60);
    polA_drive a, b, c;
    cr_assert_eq(polA_drive_run(&vmm_policy_random, 12, NULL, 99, keys, NULL, 2000, &a), 0);
    cr_assert_eq(polA_drive_run(&vmm_policy_random, 12, NULL, 99, keys, NULL, 2000, &b), 0);
    cr_assert_eq(polA_drive_run(&vmm_policy_random, 12, NULL, 100, keys, NULL, 2000, &c), 0);
    cr_assert_eq(a.faults, b.faults);
    cr_assert_eq(memcmp(a.evicted, b.evicted, sizeof a.evicted), 0);
    /* A different seed picks different victims (checked for these seeds). */
    cr_assert_neq(memcmp(a.evicted, c.evicted, sizeof a.evicted), 0);
    cr_assert_eq(polA_run(&vmm_policy_random, 12, NULL, keys, 2000),
                 polA_run(&vmm_policy_random, 12, NULL, keys, 2000));
}

/* ---- on_remove ----------------------------------------------------------- */

static vmm_pref_t polA_ref(uint64_t key, uint32_t frame, uint64_t now, uint64_t next_use)
{
    vmm_pref_t r = {.key = key, .now = now, .next_use = next_use, .page = (uint32_t)key,
                    .frame = frame};
    return r;
}

Test(polA_remove, lru_sieve_orders)
{
    vmm_policy_t p;
    vmm_policy_cfg_t cfg = {.nframes = 3};
    vmm_pref_t r;
    /* LRU: A B C in frames 0 1 2; hit A; remove B; D into frame 1. The
     * least recent is C, then A. */
    cr_assert_eq(vmm_policy_init(&p, &vmm_policy_lru, &cfg, NULL), 0);
    for (uint32_t f = 0; f < 3; f++)
        r = polA_ref(f, f, f, 0), p.ops->on_insert(p.st, &r);
    r = polA_ref(0, 0, 3, 0), p.ops->on_hit(p.st, &r);
    p.ops->on_remove(p.st, 1, 1);
    p.ops->on_remove(p.st, 1, 1);   /* twice: ignored */
    r = polA_ref(3, 1, 4, 0), p.ops->on_insert(p.st, &r);
    cr_assert_eq(p.ops->victim(p.st, &r), 2);
    cr_assert_eq(p.ops->victim(p.st, &r), 0);
    vmm_policy_fini(&p);

    /* SIEVE: A B C; hit A; victim: A spared, B goes, hand at C. D in
     * frame 1 (list A C D). Remove C: the hand moves on to D. E in
     * frame 2. The hand finds D unvisited: frame 1. */
    cr_assert_eq(vmm_policy_init(&p, &vmm_policy_sieve, &cfg, NULL), 0);
    for (uint32_t f = 0; f < 3; f++)
        r = polA_ref(f, f, f, 0), p.ops->on_insert(p.st, &r);
    r = polA_ref(0, 0, 3, 0), p.ops->on_hit(p.st, &r);
    cr_assert_eq(p.ops->victim(p.st, &r), 1);
    r = polA_ref(3, 1, 4, 0), p.ops->on_insert(p.st, &r);
    p.ops->on_remove(p.st, 2, 2);
    r = polA_ref(4, 2, 5, 0), p.ops->on_insert(p.st, &r);
    cr_assert_eq(p.ops->victim(p.st, &r), 1);
    vmm_policy_fini(&p);
}

Test(polA_remove, opt_heap_after_remove)
{
    /* next uses 100 50 90 10 20 80 85 in frames 0..6 make the heap
     * [100 50 90 10 20 80 85]; removing frame 3 (10) moves 85 under 50,
     * where it must rise above 50. Refill frame 3 with next use 1; the
     * victims must then come in next-use order. */
    static const uint64_t next[] = {100, 50, 90, 10, 20, 80, 85};
    static const uint32_t order[] = {0, 2, 6, 5, 1};
    vmm_policy_t p;
    vmm_policy_cfg_t cfg = {.nframes = 7};
    vmm_pref_t r;
    cr_assert_eq(vmm_policy_init(&p, &vmm_policy_opt, &cfg, NULL), 0);
    for (uint32_t f = 0; f < 7; f++)
        r = polA_ref(f, f, f, next[f]), p.ops->on_insert(p.st, &r);
    p.ops->on_remove(p.st, 3, 3);
    r = polA_ref(3, 3, 7, 1), p.ops->on_insert(p.st, &r);
    for (size_t i = 0; i < 5; i++) {
        uint32_t v = p.ops->victim(p.st, &r);
        cr_assert_eq(v, order[i], "victim %zu: frame %u", i, v);
        r = polA_ref(10 + i, v, 8 + i, 2 + i), p.ops->on_insert(p.st, &r);
    }
    vmm_policy_fini(&p);
}

/* A naive model of the frames for the conformance test below: which are
 * resident, and enough history to name the exact victim of FIFO (oldest
 * load), LRU (oldest use), OPT (furthest next use) and Aging (smallest
 * counter, R as its top bit, then oldest load; scanned, not heaped). */
#define POLA_CF 40
typedef struct polA_model {
    uint8_t res[POLA_CF], ref[POLA_CF];
    uint64_t loaded[POLA_CF], used[POLA_CF], next[POLA_CF];
    uint32_t cnt[POLA_CF], page[POLA_CF];
    unsigned nres, bits, interval, since;
} polA_model;

static void polA_model_touch(polA_model *m, uint32_t f, uint64_t t, uint64_t next_use)
{
    m->used[f] = t, m->next[f] = next_use, m->ref[f] = 1;
    if (++m->since < m->interval)
        return;
    m->since = 0;
    for (uint32_t g = 0; g < POLA_CF; g++) {
        m->cnt[g] = m->cnt[g] >> 1 | (uint32_t)m->ref[g] << (m->bits - 1);
        m->ref[g] = 0;
    }
}

static int polA_model_before(const polA_model *m, const vmm_policy_ops *ops, uint32_t a,
                             uint32_t b)
{
    if (ops == &vmm_policy_fifo)
        return m->loaded[a] < m->loaded[b];
    if (ops == &vmm_policy_lru)
        return m->used[a] < m->used[b];
    if (ops == &vmm_policy_opt)
        return m->next[a] > m->next[b];
    uint64_t ka = (uint64_t)m->ref[a] << m->bits | m->cnt[a];
    uint64_t kb = (uint64_t)m->ref[b] << m->bits | m->cnt[b];
    return ka != kb ? ka < kb : m->loaded[a] < m->loaded[b];
}

/* A frame the model says may go, or POLA_CF if the policy has no exact
 * model here. */
static uint32_t polA_model_victim(const polA_model *m, const vmm_policy_ops *ops)
{
    if (ops != &vmm_policy_fifo && ops != &vmm_policy_lru && ops != &vmm_policy_opt &&
        ops != &vmm_policy_aging)
        return POLA_CF;
    uint32_t v = POLA_CF;
    for (uint32_t f = 0; f < POLA_CF; f++)
        if (m->res[f] && (v == POLA_CF || polA_model_before(m, ops, f, v)))
            v = f;
    return v;
}

/* Random interleavings of insert, hit, remove and victim, checked against
 * the model: victim always names a resident frame (exactly the right one
 * for FIFO, LRU, OPT and Aging), and removed frames can be reused. */
Test(polA_remove, conformance)
{
    for (size_t p = 0; p < POLA_N; p++) {
        const vmm_policy_ops *ops = polA_all[p];
        uint8_t dirty[POLA_CF] = {0};
        uint64_t cleaned = 0;
        polA_model m = {.bits = 3, .interval = 97};
        vmm_policy_cfg_t cfg = {.nframes = POLA_CF, .seed = 5, .env = {dirty, &cleaned},
                                .params = ops == &vmm_policy_aging ? "bits=3,interval=97" : NULL};
        vmm_policy_t pol;
        cr_assert_eq(vmm_policy_init(&pol, ops, &cfg, NULL), 0);
        vmm_rng_t rng;
        vmm_rng_seed(&rng, 11 + p);
        for (uint64_t t = 0; t < 50000; t++) {
            unsigned op = (unsigned)vmm_rng_below(&rng, 10);
            uint32_t f = (uint32_t)vmm_rng_below(&rng, POLA_CF);
            /* next_use in any order: OPT must cope with keys moving both ways */
            vmm_pref_t r = polA_ref(t, f, t, vmm_rng_below(&rng, 1000));
            if (op < 5 && m.res[f]) {
                ops->on_hit(pol.st, &r);
                dirty[f] |= op == 0;
                polA_model_touch(&m, f, t, r.next_use);
                continue;
            }
            if (op < 6 && m.res[f]) {
                ops->on_remove(pol.st, f, m.page[f]);
                m.res[f] = 0, m.nres--, dirty[f] = 0, m.ref[f] = 0, m.cnt[f] = 0;
                continue;
            }
            if (m.nres == POLA_CF) {
                uint32_t want = polA_model_victim(&m, ops), v = ops->victim(pol.st, &r);
                cr_assert(v < POLA_CF && m.res[v], "%s: victim %u", ops->name, v);
                /* not "v == want": OPT's next uses may tie here */
                cr_assert(want == POLA_CF || !polA_model_before(&m, ops, want, v),
                          "%s: victim %u, model %u", ops->name, v, want);
                r.frame = f = v;
                dirty[v] = 0;
            } else if (m.res[f]) {
                continue;
            } else {
                m.res[f] = 1, m.nres++;
            }
            ops->on_insert(pol.st, &r);
            m.loaded[f] = t, m.cnt[f] = 0, m.page[f] = r.page;
            polA_model_touch(&m, f, t, r.next_use);
        }
        vmm_policy_fini(&pol);
    }
}

/* ---- init: parameters and allocation failure ------------------------------- */

Test(polA_init, bad_params)
{
    vmm_policy_t p;
    vmm_err_t err;
    for (size_t i = 0; i < POLA_N; i++) {
        vmm_policy_cfg_t cfg = {.nframes = 4, .params = "bogus=1"};
        cr_assert_eq(vmm_policy_init(&p, polA_all[i], &cfg, &err), VMM_EINVAL, "%s",
                     polA_all[i]->name);
        cr_assert_neq(err.msg[0], 0);
    }
    static const char *const bad_aging[] = {"bits=0", "bits=33", "bits=2.5", "interval=0",
                                            "interval=x", "bits="};
    for (size_t i = 0; i < sizeof bad_aging / sizeof bad_aging[0]; i++) {
        vmm_policy_cfg_t cfg = {.nframes = 4, .params = bad_aging[i]};
        cr_assert_eq(vmm_policy_init(&p, &vmm_policy_aging, &cfg, &err), VMM_EINVAL, "%s",
                     bad_aging[i]);
    }
    static const char *const bad_ws[] = {"tau=-1", "tau=0.5", "tau=abc"};
    for (size_t i = 0; i < sizeof bad_ws / sizeof bad_ws[0]; i++) {
        vmm_policy_cfg_t cfg = {.nframes = 4, .params = bad_ws[i]};
        cr_assert_eq(vmm_policy_init(&p, &vmm_policy_wsclock, &cfg, &err), VMM_EINVAL, "%s",
                     bad_ws[i]);
    }
    vmm_policy_cfg_t ok1 = {.nframes = 4, .params = "bits=16,interval=50"};
    cr_assert_eq(vmm_policy_init(&p, &vmm_policy_aging, &ok1, &err), 0);
    vmm_policy_fini(&p);
    vmm_policy_cfg_t ok2 = {.nframes = 4, .params = "tau=100"};
    cr_assert_eq(vmm_policy_init(&p, &vmm_policy_wsclock, &ok2, &err), 0);
    vmm_policy_fini(&p);
}

Test(polA_init, alloc_failure_is_enomem)
{
    for (size_t i = 0; i < POLA_N; i++) {
        vmm_policy_cfg_t cfg = {.nframes = 1000, .seed = 1};
        long k;
        for (k = 0; k < 64; k++) {
            vmm_policy_t p;
            vmm_err_t err;
            vmm_alloc_fail_after(k);
            int rc = vmm_policy_init(&p, polA_all[i], &cfg, &err);
            vmm_alloc_fail_after(-1);
            if (rc == 0) {
                vmm_policy_fini(&p);
                break;
            }
            cr_assert_eq(rc, VMM_ENOMEM, "%s: k=%ld rc=%d", polA_all[i]->name, k, rc);
        }
        cr_assert(k > 1 && k < 64, "%s: init succeeded after %ld failures",
                  polA_all[i]->name, k);
    }
    VMM_ASSERT_NO_LEAKS();
}

/* ---- the CloudPhysics trace ------------------------------------------------ */

static const unsigned polA_sizes[] = {100, 1000, 5000, 10000, 20000};

/* Run `ops` over the trace at each size. If `as` names a row set in
 * expected.tsv, faults must equal it; otherwise they must lie between OPT's
 * and the trace length. */
static void polA_trace_check(const vmm_policy_ops *ops, const char *params, const char *as)
{
    size_t n;
    uint64_t *keys = vmm_test_load_cp(&n);
    if (!keys || vmm_test_expected("cloudPhysicsIO.txt", "opt", 100) < 0) {
        free(keys);
        cr_skip_test("CloudPhysics trace or expected.tsv not found");
    }
    cr_assert_eq(n, 113872);
    for (size_t i = 0; i < sizeof polA_sizes / sizeof polA_sizes[0]; i++) {
        long long got = polA_run(ops, polA_sizes[i], params, keys, n);
        cr_log_info("%s%s%s frames=%u faults=%lld", ops->name, params ? ":" : "",
                    params ? params : "", polA_sizes[i], got);
        if (as) {
            long long want = vmm_test_expected("cloudPhysicsIO.txt", as, polA_sizes[i]);
            cr_assert_geq(want, 0, "no %s row for %u frames", as, polA_sizes[i]);
            cr_expect_eq(got, want, "%s frames %u: %lld faults, expected %lld", ops->name,
                         polA_sizes[i], got, want);
        } else {
            cr_expect_geq(got, vmm_test_expected("cloudPhysicsIO.txt", "opt", polA_sizes[i]));
            cr_expect_leq(got, (long long)n);
        }
    }
    free(keys);
}

Test(polA_trace, lru, .timeout = 120) { polA_trace_check(&vmm_policy_lru, NULL, "lru"); }
Test(polA_trace, fifo, .timeout = 120) { polA_trace_check(&vmm_policy_fifo, NULL, "fifo"); }
Test(polA_trace, clock, .timeout = 120) { polA_trace_check(&vmm_policy_clock, NULL, "clock"); }
Test(polA_trace, sieve, .timeout = 120) { polA_trace_check(&vmm_policy_sieve, NULL, "sieve"); }
Test(polA_trace, opt, .timeout = 120) { polA_trace_check(&vmm_policy_opt, NULL, "opt"); }
Test(polA_trace, aging, .timeout = 120) { polA_trace_check(&vmm_policy_aging, NULL, NULL); }
Test(polA_trace, random, .timeout = 120) { polA_trace_check(&vmm_policy_random, NULL, NULL); }

Test(polA_trace, wsclock, .timeout = 120)
{
    polA_trace_check(&vmm_policy_wsclock, NULL, NULL);
    /* With tau=0 and a read-only trace WSClock is CLOCK. */
    polA_trace_check(&vmm_policy_wsclock, "tau=0", "clock");
}
