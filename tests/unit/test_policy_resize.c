/* Every policy in the registry under a quota that changes (issue #8), and
 * policies a library user registers.
 *
 * - a property test over vmm_policy_all(), OPT included (next_use comes
 *   from a precomputed array): random traces with random resizes (shrinks
 *   and growths between 1 and nframes), balloons and removals interleaved,
 *   driven by the reference driver in policy_sim.h; after every step the
 *   frames in use stay within the capacity, every victim was a frame in
 *   use, and the policy's own invariants hold (policy/check.h, a test-only
 *   hook) with the frames it says it holds equal to the driver's count;
 * - at a fixed capacity c below nframes, with scattered frame numbers, the
 *   same faults, victims and write-backs as with nframes == c;
 * - a resize to the capacity already in force changes nothing;
 * - every policy but those needing the future now runs inside a VM;
 * - vmm_policy_register(): its checks, and a tiny user policy (MRU) run
 *   through vmm_create()/vmm_access() and a scenario file.
 * Hand-checked resizes of ARC and LIRS are in test_policy_adaptive.c. */
#include <criterion/criterion.h>
#include "policy_sim.h"
#include "policy/check.h"
#include "vmmsim/vmmsim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parameters that make a policy do more at small sizes (2Q and S3-FIFO
 * admit nothing below 4 and 20 frames by default), run besides the
 * defaults. Keyed by name so a policy added to the registry is covered by
 * the defaults without being listed here. */
static const struct {
    const char *name, *params;
} rz_extra[] = {
    {"2q", "kin=0.5,kout=1"},        {"s3fifo", "small=0.3,ghost=1,move=1"},
    {"lirs", "hir=0.25,stack=3"},    {"clockpro", "cold=0.5"},
    {"aging", "bits=4,interval=13"}, {"wsclock", "tau=6"},
};

/* The parameter sets to run `ops` with: NULL, then its extra set if any. */
static size_t rz_params(const vmm_policy_ops *ops, const char *out[2])
{
    size_t n = 0;
    out[n++] = NULL;
    for (size_t i = 0; i < sizeof rz_extra / sizeof rz_extra[0]; i++)
        if (!strcmp(rz_extra[i].name, ops->name))
            out[n++] = rz_extra[i].params;
    return n;
}

/* A trace over `pages` pages with locality: a hot window that moves now
 * and then, and references anywhere; about one reference in five writes. */
static void rz_trace(uint64_t seed, uint64_t *keys, uint8_t *writes, size_t n, uint64_t pages)
{
    vmm_rng_t rng;
    vmm_rng_seed(&rng, seed);
    uint64_t base = 0, width = pages / 4 + 1;
    for (size_t i = 0; i < n; i++) {
        if (vmm_rng_below(&rng, 64) == 0)
            base = vmm_rng_below(&rng, pages);
        uint64_t k = vmm_rng_below(&rng, 4) ? base + vmm_rng_below(&rng, width)
                                            : vmm_rng_below(&rng, pages);
        keys[i] = 7000 + k % pages;
        writes[i] = vmm_rng_below(&rng, 5) == 0;
    }
}

/* After every step: no contract violation, within the quota, and the
 * policy's invariants (when it has a checker) with its frames counted. */
static void rz_check(policy_sim *s, const char *params, const char *what, uint64_t step)
{
    cr_assert(!s->err[0], "%s:%s step %llu (%s): %s", s->ops->name, params ? params : "",
              (unsigned long long)step, what, s->err);
    cr_assert_leq(s->in_use, s->capacity, "%s: %u frames in use, capacity %u", s->ops->name,
                  s->in_use, s->capacity);
    uint32_t held = 0;
    char why[256];
    int rc = vmm_policy_check(s->ops, s->p.st, &held, why, sizeof why);
    cr_assert_geq(rc, 0, "%s:%s step %llu (%s): %s", s->ops->name, params ? params : "",
                  (unsigned long long)step, what, why);
    if (rc == 0)
        cr_assert_eq(held, s->in_use, "%s:%s step %llu (%s): holds %u frames, %u in use",
                     s->ops->name, params ? params : "", (unsigned long long)step, what, held,
                     s->in_use);
}

/* One random run: references of a trace with resizes, balloons and
 * removals in between, then a shrink to one frame and a growth back. */
static void rz_run(const vmm_policy_ops *ops, const char *params, uint64_t seed)
{
    enum { N = 2500 };
    static uint64_t keys[N];
    static uint8_t writes[N];
    vmm_rng_t rng;
    vmm_rng_seed(&rng, seed * 7919 + 1);
    uint32_t nframes = 1 + (uint32_t)vmm_rng_below(&rng, 48);
    uint32_t cap0 = 1 + (uint32_t)vmm_rng_below(&rng, nframes);
    rz_trace(seed, keys, writes, N, 2 + nframes * 3);
    uint64_t *next = policy_sim_next_uses(keys, N);
    policy_sim s;
    cr_assert_eq(policy_sim_open(&s, ops, nframes, cap0, params, seed, seed + 1), 0, "%s",
                 ops->name);
    rz_check(&s, params, "init", 0);
    size_t i = 0;
    for (uint64_t step = 1; i < N; step++) {
        unsigned ev = (unsigned)vmm_rng_below(&rng, 1000);
        if (ev < 25) {
            /* growths and shrinks alike; a quarter of them to the extremes */
            uint32_t c = vmm_rng_below(&rng, 4) ? 1 + (uint32_t)vmm_rng_below(&rng, nframes)
                         : vmm_rng_below(&rng, 2) ? 1 : nframes;
            policy_sim_resize(&s, c);
            rz_check(&s, params, "resize", step);
        } else if (ev < 40) {
            policy_sim_remove(&s, (uint32_t)vmm_rng_below(&rng, nframes));
            rz_check(&s, params, "remove", step);
        } else if (ev < 50) {
            policy_sim_balloon(&s);
            rz_check(&s, params, "balloon", step);
        } else {
            policy_sim_ref(&s, keys[i], writes[i], next[i]);
            i++;
            rz_check(&s, params, "reference", step);
        }
    }
    policy_sim_resize(&s, 1);
    rz_check(&s, params, "final shrink", N + 1);
    policy_sim_resize(&s, nframes);
    for (i = 0; i < 200; i++) {
        policy_sim_ref(&s, keys[i], writes[i], next[i]);
        rz_check(&s, params, "after growth", N + 2 + i);
    }
    cr_assert_gt(s.faults, 0);
    policy_sim_close(&s);
    free(next);
}

Test(policy_resize, registry_property, .timeout = 120)
{
    for (const vmm_policy_ops *const *o = vmm_policy_all(); *o; o++) {
        const char *params[2];
        size_t np = rz_params(*o, params);
        for (size_t k = 0; k < np; k++)
            for (uint64_t seed = 1; seed <= 100; seed++)
                rz_run(*o, params[k], seed);
    }
}

/* The outcome of one run, for comparing two. */
typedef struct rz_outcome {
    long long faults, evictions;
    uint64_t hash, cleaned;
} rz_outcome;

/* Run keys through ops with nframes frame numbers at capacity `cap`
 * (frames scattered when frame_seed != 0), resizing to the same capacity
 * every `same_every` references if that is nonzero. */
static rz_outcome rz_fixed(const vmm_policy_ops *ops, const char *params, uint32_t nframes,
                           uint32_t cap, uint64_t frame_seed, const uint64_t *keys,
                           const uint8_t *writes, const uint64_t *next, size_t n,
                           size_t same_every)
{
    policy_sim s;
    cr_assert_eq(policy_sim_open(&s, ops, nframes, cap, params, 3, frame_seed), 0);
    for (size_t i = 0; i < n; i++) {
        if (same_every && i % same_every == same_every - 1)
            policy_sim_resize(&s, s.capacity);
        policy_sim_ref(&s, keys[i], writes[i], next[i]);
        cr_assert(!s.err[0], "%s", s.err);
    }
    rz_outcome r = {s.faults, s.evictions, s.evict_hash, s.cleaned};
    policy_sim_close(&s);
    return r;
}

#define RZ_SAME(a, b, ...)                                                                  \
    cr_assert((a).faults == (b).faults && (a).evictions == (b).evictions &&                \
                  (a).hash == (b).hash && (a).cleaned == (b).cleaned,                       \
              __VA_ARGS__)

/* With capacity c fixed and frame numbers scattered over nframes > c, a
 * policy must make the very choices it makes with nframes == c: the
 * numbering is the host's business, not the policy's. */
Test(policy_resize, frame_numbers_do_not_change_results, .timeout = 120)
{
    enum { N = 3000 };
    static uint64_t keys[N];
    static uint8_t writes[N];
    static const uint32_t caps[] = {1, 2, 5, 13, 30, 64};
    for (const vmm_policy_ops *const *o = vmm_policy_all(); *o; o++) {
        const char *params[2];
        size_t np = rz_params(*o, params);
        for (size_t k = 0; k < np; k++)
            for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++) {
                uint32_t c = caps[ci], nframes = c + 1 + (uint32_t)(ci * 17 % 50);
                rz_trace(100 + ci, keys, writes, N, 3 + c * 5 / 2);
                uint64_t *next = policy_sim_next_uses(keys, N);
                rz_outcome a = rz_fixed(*o, params[k], c, 0, 0, keys, writes, next, N, 0);
                rz_outcome b =
                    rz_fixed(*o, params[k], nframes, c, 77 + ci, keys, writes, next, N, 0);
                RZ_SAME(a, b, "%s:%s capacity %u: %lld faults with %u frames, %lld with %u",
                        (*o)->name, params[k] ? params[k] : "", c, a.faults, c, b.faults,
                        nframes);
                cr_assert_gt(a.faults, 0);
                free(next);
            }
    }
}

/* resize(c) with c the capacity in force is a no-op, for every policy. */
Test(policy_resize, same_capacity_is_a_no_op)
{
    enum { N = 3000 };
    static uint64_t keys[N];
    static uint8_t writes[N];
    static const uint32_t caps[] = {1, 4, 11, 40};
    for (const vmm_policy_ops *const *o = vmm_policy_all(); *o; o++) {
        const char *params[2];
        size_t np = rz_params(*o, params);
        for (size_t k = 0; k < np; k++)
            for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++) {
                uint32_t c = caps[ci];
                rz_trace(300 + ci, keys, writes, N, 2 + c * 3);
                uint64_t *next = policy_sim_next_uses(keys, N);
                rz_outcome a = rz_fixed(*o, params[k], c + 5, c, 9, keys, writes, next, N, 0);
                rz_outcome b = rz_fixed(*o, params[k], c + 5, c, 9, keys, writes, next, N, 37);
                RZ_SAME(a, b, "%s:%s capacity %u: %lld faults, %lld with resizes", (*o)->name,
                        params[k] ? params[k] : "", c, a.faults, b.faults);
                free(next);
            }
    }
}

/* ---- inside a VM ---------------------------------------------------------- */

/* The hypervisor takes every policy (OPT through a prepass of each vCPU). */
Test(policy_resize, vms_take_every_policy)
{
    for (const vmm_policy_ops *const *o = vmm_policy_all(); *o; o++) {
        char text[512];
        snprintf(text, sizeof text,
                 "[host]\nmemory = 1M\n"
                 "[vm a]\ngenerate = locality:pages=600,n=20000\nmemory = 1M\nmrc = none\n"
                 "policy = %s\n"
                 "[vm b]\ngenerate = sequential:pages=300,n=20000\nmemory = 1M\nmrc = none\n",
                 (*o)->name);
        vmm_scenario_t *sc = NULL;
        vmm_err_t err;
        cr_assert_eq(vmm_scenario_load_string(text, "t", &sc, &err), 0, "%s", err.msg);
        vmm_host_result_t res;
        int rc = vmm_host_run(sc, NULL, &res, &err);
        cr_assert_eq(rc, 0, "%s: %s", (*o)->name, err.msg);
        cr_assert_gt(res.vms[0].c.faults, 0);
        vmm_host_result_fini(&res);
        vmm_scenario_destroy(sc);
    }
}

/* ---- user policies ---------------------------------------------------------- */

/* MRU, a policy no one ships: evict the most recently used frame. Per
 * frame a stamp (0 = not held); a victim is a linear scan, fine here. */
typedef struct mru_state {
    uint64_t *stamp;
    uint64_t clock;
    uint32_t nframes;
} mru_state;

static int mru_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    (void)err;
    mru_state *s = st;
    s->nframes = cfg->nframes;
    s->stamp = calloc(cfg->nframes, sizeof *s->stamp);
    return s->stamp ? 0 : VMM_ENOMEM;
}

static void mru_fini(void *st) { free(((mru_state *)st)->stamp); }

static void mru_touch(void *st, const vmm_pref_t *r)
{
    mru_state *s = st;
    s->stamp[r->frame] = ++s->clock;
}

static int mru_insert(void *st, const vmm_pref_t *r)
{
    mru_touch(st, r);
    return VMM_POLICY_ADMIT;
}

static uint32_t mru_victim(void *st, const vmm_pref_t *in)
{
    (void)in;
    mru_state *s = st;
    uint32_t v = VMM_NOFRAME;
    for (uint32_t f = 0; f < s->nframes; f++)
        if (s->stamp[f] && (v == VMM_NOFRAME || s->stamp[f] > s->stamp[v]))
            v = f;
    if (v != VMM_NOFRAME)
        s->stamp[v] = 0;
    return v;
}

static void mru_remove(void *st, uint32_t frame, uint32_t page)
{
    (void)page;
    ((mru_state *)st)->stamp[frame] = 0;
}

static const vmm_policy_ops mru_ops = {
    .name = "mru",
    .abi = VMM_POLICY_ABI,
    .summary = "most recently used (a test's own policy)",
    .state_size = sizeof(mru_state),
    .init = mru_init,
    .fini = mru_fini,
    .on_hit = mru_touch,
    .victim = mru_victim,
    .on_insert = mru_insert,
    .on_remove = mru_remove,
};

/* Criterion runs each test in a process of its own, so what one test
 * registers is gone in the next. */
Test(policy_user, registered_policy_runs_in_the_engine)
{
    cr_assert_null(vmm_policy_find("mru"));
    cr_assert_eq(vmm_policy_register(&mru_ops), 0);
    cr_assert_eq(vmm_policy_find("MRU"), &mru_ops);
    const vmm_policy_ops *const *all = vmm_policy_all(), *last = NULL;
    for (; *all; all++)
        last = *all;
    cr_assert_eq(last, &mru_ops, "registered policies come after the built-in ones");

    /* 3 frames, pages 1 2 3 4 1 2 3 4: 1-3 fault; 4 evicts 3 (the most
     * recent); 1 and 2 hit; 3 evicts 2; 4 hits: 5 faults (LRU: 8). */
    vmm_config_t cfg;
    vmm_config_default(&cfg);
    cfg.frames = 3;
    cfg.policy = "mru";
    vmm_t *m;
    vmm_err_t err;
    cr_assert_eq(vmm_create(&cfg, &m, &err), 0, "%s", err.msg);
    static const uint64_t pages[] = {1, 2, 3, 4, 1, 2, 3, 4};
    vmm_ref_t refs[8];
    for (size_t i = 0; i < 8; i++)
        refs[i] = (vmm_ref_t){.addr = pages[i] << 12, .asid = 1, .size = 8, .op = VMM_OP_READ};
    cr_assert_eq(vmm_access(m, refs, 8, &err), 0, "%s", err.msg);
    vmm_stats_t st;
    vmm_get_stats(m, &st);
    cr_assert_eq(st.total.faults, 5);
    cr_assert_str_eq(vmm_get_config(m)->policy, "mru");
    vmm_destroy(m);

    /* The same policy through the reference driver, and a scenario file
     * that names it (the host runs it inside a VM). */
    cr_assert_eq(policy_sim_run(&mru_ops, 3, NULL, pages, NULL, 8), 5);
    vmm_scenario_t *sc = NULL;
    cr_assert_eq(vmm_scenario_load_string("[host]\nmemory = 1M\n[vm a]\n"
                                          "generate = sequential:pages=300,n=2000\n"
                                          "memory = 1M\nmrc = none\npolicy = mru\n",
                                          "t", &sc, &err),
                 0, "%s", err.msg);
    vmm_host_result_t res;
    cr_assert_eq(vmm_host_run(sc, NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_gt(res.vms[0].c.faults, 0);
    vmm_host_result_fini(&res);
    vmm_scenario_destroy(sc);
}

Test(policy_user, registration_checks)
{
    size_t builtin = 0;
    for (const vmm_policy_ops *const *o = vmm_policy_all(); *o; o++)
        builtin++;
    vmm_policy_ops bad = mru_ops;
    cr_assert_eq(vmm_policy_register(NULL), VMM_EINVAL);
    bad.abi = VMM_POLICY_ABI - 1;
    cr_assert_eq(vmm_policy_register(&bad), VMM_EUNSUP);
    static const char *const bad_names[] = {"", "two words", "a,b", "x:y",
                                            "0123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        bad = mru_ops;
        bad.name = bad_names[i];
        cr_assert_eq(vmm_policy_register(&bad), VMM_EINVAL, "'%s'", bad_names[i]);
    }
    bad = mru_ops;
    bad.victim = NULL;
    cr_assert_eq(vmm_policy_register(&bad), VMM_EINVAL);
    bad = mru_ops;
    bad.summary = NULL;
    cr_assert_eq(vmm_policy_register(&bad), VMM_EINVAL);
    bad = mru_ops;
    bad.flags = 1u << 7;
    cr_assert_eq(vmm_policy_register(&bad), VMM_EINVAL);
    /* names are unique, case-insensitively, aliases included */
    static const char *const taken[] = {"lru", "LRU", "approx_lru"};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
        bad = mru_ops;
        bad.name = taken[i];
        cr_assert_eq(vmm_policy_register(&bad), VMM_EINVAL, "%s", taken[i]);
    }
    cr_assert_eq(vmm_policy_find("lru")->victim != mru_victim, 1);
    /* optional ops may be missing; a failed call changed nothing */
    cr_assert_eq(vmm_policy_register(&mru_ops), 0);
    cr_assert_eq(vmm_policy_register(&mru_ops), VMM_EINVAL);
    /* the table has VMM_POLICY_USER_MAX slots */
    static vmm_policy_ops more[VMM_POLICY_USER_MAX];
    static char names[VMM_POLICY_USER_MAX][16];
    for (int i = 0; i < VMM_POLICY_USER_MAX; i++) {
        more[i] = mru_ops;
        snprintf(names[i], sizeof names[i], "mru%d", i);
        more[i].name = names[i];
        cr_assert_eq(vmm_policy_register(&more[i]), i < VMM_POLICY_USER_MAX - 1 ? 0 : VMM_ENOMEM,
                     "%d", i);
    }
    size_t n = 0;
    for (const vmm_policy_ops *const *o = vmm_policy_all(); *o; o++)
        n++;
    cr_assert_eq(n, builtin + VMM_POLICY_USER_MAX);
    cr_assert_null(vmm_policy_find(names[VMM_POLICY_USER_MAX - 1]));
}
