/* working_set: references spread uniformly over a set of ws pages that
 * moves every `shift` references.
 *
 * Denning's working-set model (CACM 1968): a program's references within a
 * window fall on a small set of pages, and the set changes over time. The
 * seed simulator's trace_gen "working_set" (seed 002) used 64 pages drifting
 * by one page every 500 references with 10% of references anywhere; here
 * the set is pages base..base+ws-1 (mod the address space), base starts at
 * 0 and moves up by `step` pages (default ws: a wholly new set) after every
 * `shift` references of the process. With out=0 the k-th window of `shift`
 * references touches at most ws distinct pages, exactly the set
 * {k*step + j mod span : j < ws}; `out` sends that fraction of references to
 * a uniform page instead (step=1,shift=500,ws=64,out=0.1 is the seed's). */
#include "gen_int.h"

typedef struct ws_conf {
    uint64_t ws;      /* key: pages in the set */
    uint64_t shift;   /* key: references between moves; 0 = never */
    uint64_t step;    /* key: pages moved; 0 = ws */
    double out;       /* key: fraction of references outside the set */
    uint64_t span;    /* address-space pages */
    uint64_t outthr;  /* gen_prob32(out) */
} ws_conf;

typedef struct ws_state {
    uint64_t base;    /* first page of the set */
    uint64_t since;   /* references since the last move */
} ws_state;

static const gen_key ws_keys[] = {
    {"ws", NULL, GEN_COUNT, offsetof(ws_conf, ws), "1000", 1, 0, 0, 0},
    {"shift", NULL, GEN_COUNT, offsetof(ws_conf, shift), "10K", 0, 0, 0, 0},
    {"step", NULL, GEN_COUNT, offsetof(ws_conf, step), NULL, 1, 0, 0, 0},
    {"out", NULL, GEN_FRAC, offsetof(ws_conf, out), "0", 0, 0, 0, 0},
    {NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

static uint64_t ws_footprint(const void *conf)
{
    return ((const ws_conf *)conf)->ws;
}

static int ws_prepare(void *conf, const gen_env *env, vmm_err_t *err)
{
    ws_conf *c = conf;
    c->span = env->span;
    if (!c->step)
        c->step = c->ws;
    c->step %= c->span;   /* only the move modulo the space matters */
    c->outthr = gen_prob32(c->out);
    (void)err;
    return 0;
}

static uint64_t ws_page(const ws_conf *c, const ws_state *s, vmm_rng_t *rng)
{
    if (c->outthr && (vmm_rng_next(rng) >> 32) < c->outthr)
        return vmm_rng_below(rng, c->span);
    uint64_t p = s->base + vmm_rng_below(rng, c->ws);
    return p >= c->span ? p - c->span : p;
}

static void ws_fill(const void *conf, void *st, vmm_rng_t *rng, uint64_t *out, size_t n)
{
    const ws_conf *c = conf;
    ws_state *s = st;
    for (size_t i = 0; i < n; i++) {
        if (c->shift && s->since == c->shift) {
            s->base += c->step;
            if (s->base >= c->span)
                s->base -= c->span;
            s->since = 0;
        }
        s->since++;
        out[i] = ws_page(c, s, rng);
    }
}

const gen_pattern gen_working_set = {
    .name = "working_set",
    .keys = ws_keys,
    .conf_size = sizeof(ws_conf),
    .state_size = sizeof(ws_state),
    .footprint = ws_footprint,
    .prepare = ws_prepare,
    .fill = ws_fill,
};
