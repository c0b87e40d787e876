/* sequential (seq): pages 0, 1, 2, ..., pages-1, then from 0 again.
 *
 * The seed simulator's trace_gen "sequential" pattern (seed 002): each
 * reference touches the next page and wraps at the end of the address space.
 * Here `pages` may set a shorter range; by default it is the whole space.
 * Each process walks its own address space from page 0, so process j's
 * records at its k-th reference are on page k mod pages. */
#include "gen_int.h"

/* gen_cycle_conf's pages: 0 = the whole address space */
static const gen_key seq_keys[] = {
    {"pages", NULL, GEN_COUNT, offsetof(gen_cycle_conf, pages), NULL, 1, 0, 0, 0},
    {NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

uint64_t gen_cycle_footprint(const void *conf)
{
    return ((const gen_cycle_conf *)conf)->pages;
}

static int seq_prepare(void *conf, const gen_env *env, vmm_err_t *err)
{
    gen_cycle_conf *c = conf;
    if (!c->pages)
        c->pages = env->span;
    (void)err;
    return 0;
}

void gen_cycle_fill(const void *conf, void *st, vmm_rng_t *rng, uint64_t *out, size_t n)
{
    uint64_t pages = ((const gen_cycle_conf *)conf)->pages;
    gen_cycle_state *s = st;
    uint64_t next = s->next;
    for (size_t i = 0; i < n; i++) {
        out[i] = next;
        next = next + 1 == pages ? 0 : next + 1;
    }
    s->next = next;
    (void)rng;
}

const gen_pattern gen_sequential = {
    .name = "sequential",
    .alias = "seq",
    .keys = seq_keys,
    .conf_size = sizeof(gen_cycle_conf),
    .state_size = sizeof(gen_cycle_state),
    .footprint = gen_cycle_footprint,
    .prepare = seq_prepare,
    .fill = gen_cycle_fill,
};
