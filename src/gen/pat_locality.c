/* locality: a random walk over the pages, giving runs of nearby references
 * separated by jumps.
 *
 * The seed simulator's trace_gen "locality" pattern (seed 002): 70% of
 * references land within 8 pages (+-32 KiB) of the previous one, 30% jump
 * to a random address. Defined here exactly: the walk starts on a uniform
 * page; then for each reference, with probability `jump` the page is uniform
 * over 0..pages-1, otherwise it is the previous page plus d, d uniform in
 * -radius..+radius (d = 0 repeats the page: temporal locality), wrapping at
 * the ends. A run (the references between two jumps) thus has a geometric
 * length with mean 1/jump and stays within a few times radius*sqrt(length)
 * pages of where it began. */
#include "gen_int.h"

typedef struct loc_conf {
    double jump;      /* key: probability of a jump */
    uint64_t radius;  /* key: largest step, in pages */
    uint64_t pages;   /* key; 0 = the whole address space */
    uint64_t jthr;    /* gen_prob32(jump) */
    uint64_t back;    /* radius mod pages: a step is (+ u - back) mod pages */
} loc_conf;

typedef struct loc_state {
    uint64_t cur;     /* page of the last reference */
} loc_state;

static const gen_key loc_keys[] = {
    {"jump", NULL, GEN_FRAC, offsetof(loc_conf, jump), "0.3", 0, 0, 0, 0},
    {"radius", NULL, GEN_COUNT, offsetof(loc_conf, radius), "8", 0, 1ull << 40, 0, 0},
    {"pages", NULL, GEN_COUNT, offsetof(loc_conf, pages), NULL, 1, 0, 0, 0},
    {NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

static uint64_t loc_footprint(const void *conf)
{
    return ((const loc_conf *)conf)->pages;
}

static int loc_prepare(void *conf, const gen_env *env, vmm_err_t *err)
{
    loc_conf *c = conf;
    if (!c->pages)
        c->pages = env->span;
    c->jthr = gen_prob32(c->jump);
    c->back = c->radius % c->pages;
    (void)err;
    return 0;
}

static void loc_start(const void *conf, void *st, vmm_rng_t *rng)
{
    const loc_conf *c = conf;
    ((loc_state *)st)->cur = vmm_rng_below(rng, c->pages);
}

/* One step of the walk: u uniform in 0..2*radius, then cur + u - radius,
 * all modulo pages without going negative. */
static uint64_t loc_step(const loc_conf *c, uint64_t cur, vmm_rng_t *rng)
{
    uint64_t u = vmm_rng_below(rng, 2 * c->radius + 1) % c->pages;
    uint64_t p = cur + u;                 /* < 2*pages */
    p = p >= c->back ? p - c->back : p + c->pages - c->back;
    return p % c->pages;
}

static void loc_fill(const void *conf, void *st, vmm_rng_t *rng, uint64_t *out, size_t n)
{
    const loc_conf *c = conf;
    loc_state *s = st;
    uint64_t cur = s->cur;
    for (size_t i = 0; i < n; i++) {
        if ((vmm_rng_next(rng) >> 32) < c->jthr)
            cur = vmm_rng_below(rng, c->pages);
        else
            cur = loc_step(c, cur, rng);
        out[i] = cur;
    }
    s->cur = cur;
}

const gen_pattern gen_locality = {
    .name = "locality",
    .keys = loc_keys,
    .conf_size = sizeof(loc_conf),
    .state_size = sizeof(loc_state),
    .footprint = loc_footprint,
    .prepare = loc_prepare,
    .start = loc_start,
    .fill = loc_fill,
};
