/* sequential (seq): pages 0, 1, 2, ..., pages-1, then from 0 again.
 *
 * The seed simulator's trace_gen "sequential" pattern (seed 002): each
 * reference touches the next page and wraps at the end of the address space.
 * Here `pages` may set a shorter range; by default it is the whole space.
 * Each process walks its own address space from page 0, so process j's
 * records at its k-th reference are on page k mod pages. */
#include "gen_int.h"

typedef struct seq_conf {
    uint64_t pages;   /* key; 0 = the whole address space */
} seq_conf;

typedef struct seq_state {
    uint64_t next;    /* page of the next reference */
} seq_state;

static const gen_key seq_keys[] = {
    {"pages", NULL, GEN_COUNT, offsetof(seq_conf, pages), NULL, 1, 0, 0, 0},
    {NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

static uint64_t seq_footprint(const void *conf)
{
    return ((const seq_conf *)conf)->pages;
}

static int seq_prepare(void *conf, const gen_env *env, vmm_err_t *err)
{
    seq_conf *c = conf;
    if (!c->pages)
        c->pages = env->span;
    (void)err;
    return 0;
}

static void seq_fill(const void *conf, void *st, vmm_rng_t *rng, uint64_t *out, size_t n)
{
    uint64_t pages = ((const seq_conf *)conf)->pages;
    seq_state *s = st;
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
    .conf_size = sizeof(seq_conf),
    .state_size = sizeof(seq_state),
    .footprint = seq_footprint,
    .prepare = seq_prepare,
    .fill = seq_fill,
};
