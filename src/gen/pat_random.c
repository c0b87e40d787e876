/* random (rand): every reference on a page drawn uniformly at random.
 *
 * The seed simulator's trace_gen "random" pattern (seed 002), which drew a
 * page over the whole address space; `pages` may narrow the range to pages
 * 0..pages-1. Draws use Lemire's unbiased multiply-shift (vmm_rng_below),
 * so every page is exactly equally likely. It is the worst case for any
 * replacement policy: the hit ratio of a memory of m frames is m/pages. */
#include "gen_int.h"

typedef struct rand_conf {
    uint64_t pages;   /* key; 0 = the whole address space */
} rand_conf;

static const gen_key rand_keys[] = {
    {"pages", NULL, GEN_COUNT, offsetof(rand_conf, pages), NULL, 1, 0, 0, 0},
    {NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

static uint64_t rand_footprint(const void *conf)
{
    return ((const rand_conf *)conf)->pages;
}

static int rand_prepare(void *conf, const gen_env *env, vmm_err_t *err)
{
    rand_conf *c = conf;
    if (!c->pages)
        c->pages = env->span;
    (void)err;
    return 0;
}

static void rand_fill(const void *conf, void *st, vmm_rng_t *rng, uint64_t *out, size_t n)
{
    uint64_t pages = ((const rand_conf *)conf)->pages;
    for (size_t i = 0; i < n; i++)
        out[i] = vmm_rng_below(rng, pages);
    (void)st;
}

const gen_pattern gen_random = {
    .name = "random",
    .alias = "rand",
    .keys = rand_keys,
    .conf_size = sizeof(rand_conf),
    .state_size = 0,
    .footprint = rand_footprint,
    .prepare = rand_prepare,
    .fill = rand_fill,
};
