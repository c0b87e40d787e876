/* thrashing: pages 0, 1, ..., pages-1 in a cycle, forever.
 *
 * The seed simulator's trace_gen "thrashing" pattern (seed 002), "more
 * pages than can fit in RAM, cycling through them", with its 512 pages as
 * the default. A cyclic reference string over N pages is the classic worst
 * case for LRU and FIFO (Belady 1966): with fewer than N frames every
 * reference misses, while OPT misses only about once per N-m references in
 * m frames. Set pages a little above the memory under test (e.g. 1.1x).
 * loop is the same cycle with a stride; this keeps the seed's name and
 * default. */
#include "gen_int.h"

typedef struct thr_conf {
    uint64_t pages;   /* key: length of the cycle */
} thr_conf;

typedef struct thr_state {
    uint64_t next;    /* page of the next reference */
} thr_state;

static const gen_key thr_keys[] = {
    {"pages", NULL, GEN_COUNT, offsetof(thr_conf, pages), "512", 1, 0, 0, 0},
    {NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

static uint64_t thr_footprint(const void *conf)
{
    return ((const thr_conf *)conf)->pages;
}

static void thr_fill(const void *conf, void *st, vmm_rng_t *rng, uint64_t *out, size_t n)
{
    uint64_t pages = ((const thr_conf *)conf)->pages;
    thr_state *s = st;
    uint64_t next = s->next;
    for (size_t i = 0; i < n; i++) {
        out[i] = next;
        next = next + 1 == pages ? 0 : next + 1;
    }
    s->next = next;
    (void)rng;
}

const gen_pattern gen_thrashing = {
    .name = "thrashing",
    .keys = thr_keys,
    .conf_size = sizeof(thr_conf),
    .state_size = sizeof(thr_state),
    .footprint = thr_footprint,
    .fill = thr_fill,
};
