/* phases: a program that moves through phases, each with its own working
 * set, e.g. phases:ws=1000;5000;200,len=1M.
 *
 * Phase behaviour (Denning and Kahn, "A study of program locality and
 * lifetime functions", SOSP 1975; Batson and Madison 1976): programs spend
 * long stretches on one locality set, then switch abruptly to another; the
 * transitions are where most page faults happen. Phase k (0-based) lasts
 * len[k] references of the process and spreads them uniformly over its own
 * ws[k] pages, which follow those of the earlier phases: phase k uses pages
 * B_k .. B_k+ws[k]-1 with B_k = ws[0]+...+ws[k-1], so consecutive sets are
 * disjoint and every switch is visible. After the last phase the process
 * starts over with phase 0. `len` gives one length for all phases or one per
 * phase. */
#include "gen_int.h"

typedef struct ph_conf {
    gen_list ws;      /* key: pages of each phase's set */
    gen_list len;     /* key: references of each phase (or one for all) */
} ph_conf;

typedef struct ph_state {
    uint64_t k;       /* current phase */
    uint64_t since;   /* references made in it */
    uint64_t base;    /* its first page */
} ph_state;

static const gen_key ph_keys[] = {
    {"ws", NULL, GEN_LIST, offsetof(ph_conf, ws), "1000;5000;200", 1, 1ull << 40, 0, 0},
    {"len", NULL, GEN_LIST, offsetof(ph_conf, len), "100K", 1, 0, 0, 0},
    {NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

static uint64_t ph_footprint(const void *conf)
{
    const ph_conf *c = conf;
    uint64_t sum = 0;
    for (size_t k = 0; k < c->ws.n; k++)
        sum += c->ws.v[k];   /* each < 2^40 and at most 2^16 of them */
    return sum;
}

static int ph_prepare(void *conf, const gen_env *env, vmm_err_t *err)
{
    const ph_conf *c = conf;
    (void)env;
    if (c->len.n != 1 && c->len.n != c->ws.n)
        return gen_bad(err, -1, "phases: len: has %zu values but ws has %zu phases; give "
                       "one length for all phases or one per phase", c->len.n, c->ws.n);
    return 0;
}

static uint64_t ph_len(const ph_conf *c, uint64_t k)
{
    return c->len.n == 1 ? c->len.v[0] : c->len.v[k];
}

static void ph_next_phase(const ph_conf *c, ph_state *s)
{
    s->base += c->ws.v[s->k];
    if (++s->k == c->ws.n) {
        s->k = 0;
        s->base = 0;
    }
    s->since = 0;
}

static void ph_fill(const void *conf, void *st, vmm_rng_t *rng, uint64_t *out, size_t n)
{
    const ph_conf *c = conf;
    ph_state *s = st;
    for (size_t i = 0; i < n; i++) {
        if (s->since == ph_len(c, s->k))
            ph_next_phase(c, s);
        s->since++;
        out[i] = s->base + vmm_rng_below(rng, c->ws.v[s->k]);
    }
}

const gen_pattern gen_phases = {
    .name = "phases",
    .keys = ph_keys,
    .conf_size = sizeof(ph_conf),
    .state_size = sizeof(ph_state),
    .footprint = ph_footprint,
    .prepare = ph_prepare,
    .fill = ph_fill,
};
