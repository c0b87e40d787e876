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

/* the cycle is sequential's (gen_cycle_fill); only the default differs */
static const gen_key thr_keys[] = {
    {"pages", NULL, GEN_COUNT, offsetof(gen_cycle_conf, pages), "512", 1, 0, 0, 0},
    {NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

const gen_pattern gen_thrashing = {
    .name = "thrashing",
    .keys = thr_keys,
    .conf_size = sizeof(gen_cycle_conf),
    .state_size = sizeof(gen_cycle_state),
    .footprint = gen_cycle_footprint,
    .fill = gen_cycle_fill,
};
