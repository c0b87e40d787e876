/* loop (scan): pages 0, stride, 2*stride, ..., (pages-1)*stride, repeated.
 *
 * A cyclic scan, the access pattern of a loop over an array larger than
 * memory (and of sequential scans in databases; LRU's weak spot, which is
 * why 2Q, LIRS and ARC were designed to resist it). Reference i of a process
 * is on page (i mod pages) * stride: the period is exactly `pages`
 * references, all on distinct pages, spread over (pages-1)*stride+1 pages of
 * the address space. stride > 1 touches one page in every `stride`, as a
 * loop over a large struct array does. */
#include "gen_int.h"

typedef struct loop_conf {
    uint64_t pages;    /* key: distinct pages, the period */
    uint64_t stride;   /* key: pages between consecutive references */
} loop_conf;

typedef struct loop_state {
    uint64_t idx;      /* position in the period */
} loop_state;

static const gen_key loop_keys[] = {
    {"pages", NULL, GEN_COUNT, offsetof(loop_conf, pages), "1000", 1, 0, 0, 0},
    {"stride", NULL, GEN_COUNT, offsetof(loop_conf, stride), "1", 1, 0, 0, 0},
    {NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

/* (pages-1)*stride + 1, saturating: gen.c rejects what does not fit. */
static uint64_t loop_footprint(const void *conf)
{
    const loop_conf *c = conf;
    if (c->pages - 1 > (UINT64_MAX - 1) / c->stride)
        return UINT64_MAX;
    return (c->pages - 1) * c->stride + 1;
}

static void loop_fill(const void *conf, void *st, vmm_rng_t *rng, uint64_t *out, size_t n)
{
    const loop_conf *c = conf;
    loop_state *s = st;
    uint64_t idx = s->idx;
    for (size_t i = 0; i < n; i++) {
        out[i] = idx * c->stride;
        idx = idx + 1 == c->pages ? 0 : idx + 1;
    }
    s->idx = idx;
    (void)rng;
}

const gen_pattern gen_loop = {
    .name = "loop",
    .alias = "scan",
    .keys = loop_keys,
    .conf_size = sizeof(loop_conf),
    .state_size = sizeof(loop_state),
    .footprint = loop_footprint,
    .fill = loop_fill,
};
