/* zipf: page ranks drawn from a Zipf distribution, P(rank k) ~ 1/k^alpha.
 *
 * Breslau et al. (INFOCOM 1999) found web and cache references Zipf-like
 * with alpha from 0.64 to 0.83; storage and memory traces show the same
 * skew. Rank k (1-based) is page k-1, or with scatter=1 the page a fixed
 * permutation of [0, pages) drawn from the seed assigns to it, so hot pages
 * are not all adjacent.
 *
 * Memory does not grow with pages: the head, ranks 1..ZIPF_HEAD (2^20), is
 * sampled in O(1) with Walker's alias method in Vose's linear-time
 * construction (Vose, IEEE TSE 1991), and the tail, ranks ZIPF_HEAD+1 ..
 * pages, by rejection-inversion (Hoermann and Derflinger, "Rejection-
 * inversion to generate variates from monotone discrete distributions",
 * ACM TOMACS 6(3), 1996), as Apache Commons RNG's
 * RejectionInversionZipfSampler does, in O(1) expected time and memory.
 * The tail is one more outcome of the alias table, with the tail's whole
 * mass, so one draw picks a head rank or "the tail" and the mixture is
 * exact. With pages <= ZIPF_HEAD there is no tail and the sampler is the
 * alias table alone (the table, and so every sequence, as before the tail
 * existed). The table holds at most ZIPF_HEAD + 1 columns of 8 bytes
 * (8 MiB; 20 bytes per column while building, 0.1 s): 2^20 because the
 * alias table samples at memory speed and the tail costs some 100 ns a
 * reference, so the head should hold most references (with alpha = 0.9
 * over 10M pages, 80% of them).
 *
 * Alias table: N columns of equal width, column c keeps its own outcome with
 * probability thresh[c]/2^32 and gives the rest to alias[c]. One 64-bit draw
 * x gives both the column (the high word of x*N, Lemire's multiply-shift) and
 * the 32-bit fraction compared with thresh (the next 32 bits of the
 * product), so a head reference costs one random number and one table read
 * (prefetched a chunk ahead when there is no tail).
 *
 * Rejection-inversion, on ranks [L, n] (L = ZIPF_HEAD + 1): with h(x) =
 * x^-alpha and H its antiderivative, H(x) = (x^(1-alpha) - 1)/(1-alpha)
 * (log x at alpha = 1), draw u uniform in (H(L + 1/2) - h(L), H(n + 1/2)],
 * take x = H^-1(u) and k = x rounded into [L, n], and accept k when
 * u >= H(k + 1/2) - h(k), which happens with probability h(k) over the
 * width of k's interval; the first interval has width h(L) exactly. Since h
 * is convex every interval is at least h(k) wide, so most draws are
 * accepted, and most of those by the cheaper squeeze k - x <= s of the
 * paper (s = 2 - H^-1(H(2.5) - h(2)), valid for every k >= 2). The tail's
 * mass, the sum of k^-alpha over [L, n], comes from the Euler-Maclaurin
 * formula to the third derivative (error below 1e-15 of the sum at L).
 *
 * scatter=1: without a tail, the table's columns are shuffled once
 * (Fisher-Yates from the seed), which costs nothing per reference; with
 * one, ranks go past the table, so a four-round Feistel network on the
 * smallest even number of bits that holds pages, with keys from the seed,
 * walked again while the result is >= pages (under four steps expected),
 * permutes [0, pages) per reference, needing no table either.
 *
 * Determinism: the weights k^-alpha, H and its inverse come from our own
 * log and exp below, which use only IEEE-754 +, -, *, / (each correctly
 * rounded, hence the same everywhere), where libm's pow() may differ in the
 * last bit between C libraries. The head's weights are scaled to integer
 * masses summing exactly to N*2^32 and Vose's pairing runs on those
 * integers, so the table, and every sample, is identical on every machine
 * with IEEE doubles evaluated in double precision (FLT_EVAL_METHOD 0). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF   /* no fused multiply-add: keep every rounding */
#endif
#include <math.h>
#include <string.h>
#include "gen_int.h"
#include "util/alloc.h"

#define ZIPF_MAX_PAGES (1ull << 31)
#define ZIPF_HEAD (1u << 20)   /* ranks in the alias table; more go to the tail */
#define COLUMN (1ull << 32)    /* mass of one alias column */

typedef struct zipf_cell {
    uint32_t thresh;   /* keep the column's outcome when the fraction is below */
    uint32_t alias;    /* outcome otherwise */
} zipf_cell;

typedef struct zipf_conf {
    double alpha;      /* key: skew, > 0 */
    uint64_t pages;    /* key: ranks; 0 = the whole address space */
    int scatter;       /* key: permute ranks over pages */
    zipf_cell *tab;    /* ncols cells, owned */
    uint64_t ncols;    /* head ranks, plus one for the tail when there is one */
    int tail;          /* outcome ncols - 1 is "a rank above ZIPF_HEAD" */
    double u_lo, u_hi; /* tail: u is drawn in (u_lo, u_hi] */
    double squeeze;    /* tail: s, accept when k - x <= s */
    unsigned half;     /* scatter: bits of each Feistel half */
    uint64_t keys[4];  /* scatter: round keys */
} zipf_conf;

static const gen_key zipf_keys[] = {
    {"alpha", NULL, GEN_POS, offsetof(zipf_conf, alpha), "1", 0, 0, 0, 0},
    {"pages", NULL, GEN_COUNT, offsetof(zipf_conf, pages), NULL, 1, ZIPF_MAX_PAGES, 0, 0},
    {"scatter", NULL, GEN_BOOL, offsetof(zipf_conf, scatter), "0", 0, 0, 0, 0},
    {NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

/* --- deterministic log and exp ------------------------------------------ */

static const double ln2_hi = 6.93147180369123816490e-01;   /* fdlibm's split of ln 2 */
static const double ln2_lo = 1.90821492927058770002e-10;

/* ln x for x > 0: x = m*2^e with m in [sqrt(1/2), sqrt(2)), then
 * ln m = 2 atanh(s) = 2(s + s^3/3 + s^5/5 + ...), s = (m-1)/(m+1), |s| < 0.172;
 * eleven terms leave an error below 1e-17 relative. */
static double det_log(double x)
{
    static const double odd_inv[] = {1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11,
                                      1.0 / 9,  1.0 / 7,  1.0 / 5,  1.0 / 3,  1.0};
    int e;
    double m = frexp(x, &e);
    if (m < 0.70710678118654752440) {
        m = m * 2.0;
        e--;
    }
    double s = (m - 1.0) / (m + 1.0);
    double s2 = s * s;
    double poly = 0.0;
    for (size_t k = 0; k < sizeof odd_inv / sizeof odd_inv[0]; k++) {   /* Horner in s^2 */
        poly = poly * s2;
        poly = poly + odd_inv[k];
    }
    double hi = (double)e * ln2_hi;
    double lo = (double)e * ln2_lo;
    double t = s * poly;
    return hi + (lo + 2.0 * t);
}

/* e^y for y <= 700: y = k ln 2 + r, |r| <= ln2/2, then the Taylor
 * polynomial of e^r to degree 14 (error below 1e-17 relative) and a scale
 * by 2^k. */
static double det_exp(double y)
{
    static const double inv_fact[] = {
        1.0 / 87178291200.0, 1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0,
        1.0 / 3628800.0,     1.0 / 362880.0,     1.0 / 40320.0,     1.0 / 5040.0,
        1.0 / 720.0,         1.0 / 120.0,        1.0 / 24.0,        1.0 / 6.0,
        1.0 / 2.0,           1.0,                1.0,
    };
    if (y < -745.0)
        return 0.0;
    double kf = floor(y * 1.44269504088896340736 + 0.5);
    double hi = kf * ln2_hi;
    double r = (y - hi) - kf * ln2_lo;
    double poly = 0.0;
    for (size_t k = 0; k < sizeof inv_fact / sizeof inv_fact[0]; k++) {
        poly = poly * r;
        poly = poly + inv_fact[k];
    }
    return ldexp(poly, (int)kf);
}

/* log1p and expm1 from them, accurate near 0 (Goldberg's and Kahan's
 * tricks: the rounding of 1 + t, or of e^y - 1, is divided out). */
static double det_log1p(double t)
{
    double u = 1.0 + t;
    return u == 1.0 ? t : det_log(u) * (t / (u - 1.0));
}

static double det_expm1(double y)
{
    double u = det_exp(y);
    if (u == 1.0)
        return y;
    double um1 = u - 1.0;
    return um1 == -1.0 ? -1.0 : um1 * (y / det_log(u));
}

/* log1p(x)/x and expm1(x)/x, with their series near 0 (as Commons RNG). */
static double helper1(double x)
{
    if (fabs(x) > 1e-8)
        return det_log1p(x) / x;
    return 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}

static double helper2(double x)
{
    if (fabs(x) > 1e-8)
        return det_expm1(x) / x;
    return 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
}

/* h(x) = x^-alpha, H(x) = its integral from 1, and the inverse of H. */
static double zipf_h(double alpha, double x)
{
    return det_exp(-alpha * det_log(x));
}

static double zipf_H(double alpha, double x)
{
    double lx = det_log(x);
    return helper2((1.0 - alpha) * lx) * lx;
}

static double zipf_H_inv(double alpha, double y)
{
    double t = y * (1.0 - alpha);
    if (t < -1.0)
        t = -1.0;   /* rounding: H stays above -1/(1-alpha) */
    return det_exp(helper1(t) * y);
}

/* Sum of k^-alpha for k in [a, b] by Euler-Maclaurin: the integral, half
 * the end values, and the B2 and B4 terms (the first and third derivatives
 * at the ends); with a > 2^20 the rest is below 1e-15 of f(a). */
static double zipf_tail_sum(double alpha, double a, double b)
{
    double fa = zipf_h(alpha, a), fb = zipf_h(alpha, b);
    double d1a = -alpha * fa / a, d1b = -alpha * fb / b;
    double k3 = -alpha * (alpha + 1.0) * (alpha + 2.0);
    double d3a = k3 * fa / (a * a * a), d3b = k3 * fb / (b * b * b);
    double integral = zipf_H(alpha, b) - zipf_H(alpha, a);
    return integral + (fa + fb) / 2.0 + (d1b - d1a) / 12.0 - (d3b - d3a) / 720.0;
}

/* --- the alias table ------------------------------------------------------ */

/* A column's weight while the masses are computed, then its integer mass. */
typedef union zipf_mass {
    double w;
    uint64_t m;
} zipf_mass;

/* Integer masses ~ N*2^32 * weight / sum, summing exactly to N*2^32
 * (rounding is settled on column 0, the largest): ranks 1..n_head weigh
 * k^-alpha, and with a tail, column n_head weighs the tail's sum. */
static void zipf_masses(double alpha, uint64_t n_head, uint64_t ncols, uint64_t pages,
                        zipf_mass *z)
{
    double total = 0.0;
    for (uint64_t k = 0; k < n_head; k++) {
        z[k].w = det_exp(-alpha * det_log((double)(k + 1)));
        total = total + z[k].w;
    }
    if (ncols > n_head) {
        z[n_head].w = zipf_tail_sum(alpha, (double)n_head + 1.0, (double)pages);
        total = total + z[n_head].w;
    }
    uint64_t want = ncols * COLUMN, sum = 0;
    double scale = (double)want / total;
    for (uint64_t k = 0; k < ncols; k++) {
        double v = z[k].w * scale;
        z[k].m = v >= (double)want ? want : (uint64_t)v;
        sum += z[k].m;
    }
    if (sum > want)
        z[0].m -= sum - want;
    else
        z[0].m += want - sum;
}

/* Vose's pairing on integer masses: each small column (mass < 2^32) is
 * topped up from a large one, which shrinks by what it gave. wl holds the
 * small stack from the front and the large stack from the back. */
static void zipf_vose(uint64_t n, zipf_mass *z, uint32_t *wl, zipf_cell *tab)
{
    size_t ns = 0, nl = 0;
    for (uint64_t k = 0; k < n; k++) {
        tab[k] = (zipf_cell){UINT32_MAX, (uint32_t)k};
        if (z[k].m < COLUMN)
            wl[ns++] = (uint32_t)k;
        else
            wl[n - 1 - nl++] = (uint32_t)k;
    }
    while (ns && nl) {
        uint32_t s = wl[--ns], l = wl[n - nl];
        tab[s] = (zipf_cell){(uint32_t)z[s].m, l};
        z[l].m -= COLUMN - z[s].m;
        if (z[l].m < COLUMN) {
            nl--;
            wl[ns++] = l;
        }
    }
}

/* --- scatter --------------------------------------------------------------- */

/* Without a tail: move rank r's column to page perm[r], a Fisher-Yates
 * shuffle. Columns are chosen uniformly, so reordering them leaves the
 * distribution as it was, and a reference costs nothing more. */
static void zipf_scatter(uint64_t n, uint32_t *perm, const zipf_cell *tab, zipf_cell *out,
                         uint64_t seed)
{
    vmm_rng_t r;
    vmm_rng_seed(&r, seed);
    for (uint64_t k = 0; k < n; k++)
        perm[k] = (uint32_t)k;
    for (uint64_t k = n - 1; k > 0; k--) {   /* Fisher-Yates */
        uint64_t j = vmm_rng_below(&r, k + 1);
        uint32_t t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
    }
    for (uint64_t k = 0; k < n; k++)
        out[perm[k]] = (zipf_cell){tab[k].thresh, perm[tab[k].alias]};
}

/* With a tail, ranks go beyond the table: a keyed permutation of
 * [0, pages) computed per reference. */

static void zipf_perm_setup(zipf_conf *c, uint64_t seed)
{
    unsigned bits = 2;
    while (bits < 64 && (1ull << bits) < c->pages)
        bits++;
    bits += bits & 1;
    c->half = bits / 2;
    for (int i = 0; i < 4; i++)
        c->keys[i] = vmm_splitmix64(&seed);
}

static uint64_t zipf_permute(const zipf_conf *c, uint64_t x)
{
    uint64_t mask = (1ull << c->half) - 1;
    do {   /* cycle-walking: the network permutes [0, 4^half); stay below pages */
        uint64_t l = x >> c->half, r = x & mask;
        for (int i = 0; i < 4; i++) {
            /* the round function need not be strong: any function makes the
             * network a permutation; one multiply spreads hot ranks apart */
            uint64_t f = (((r ^ c->keys[i]) * UINT64_C(0x9E3779B97F4A7C15)) >> 29) & mask;
            uint64_t t = r;
            r = l ^ f;
            l = t;
        }
        x = l << c->half | r;
    } while (x >= c->pages);
    return x;
}

/* --- set-up and sampling ------------------------------------------------- */

static uint64_t zipf_footprint(const void *conf)
{
    return ((const zipf_conf *)conf)->pages;
}

static int zipf_build(zipf_conf *c, uint64_t seed, vmm_err_t *err)
{
    uint64_t head = c->pages < ZIPF_HEAD ? c->pages : ZIPF_HEAD;
    c->tail = c->pages > ZIPF_HEAD;
    c->ncols = head + (uint64_t)c->tail;
    uint64_t n = c->ncols;
    int shuffle = c->scatter && !c->tail;
    zipf_mass *m = vmm_malloc(n * sizeof *m);
    uint32_t *wl = vmm_malloc(n * sizeof *wl);
    zipf_cell *tab = vmm_malloc(n * sizeof *tab);
    zipf_cell *out = shuffle ? vmm_malloc(n * sizeof *out) : tab;
    if (!m || !wl || !tab || !out) {
        vmm_free(m);
        vmm_free(wl);
        vmm_free(tab);
        if (out != tab)
            vmm_free(out);
        return vmm_err_set(err, VMM_ENOMEM, "", 0, -1, "zipf: out of memory");
    }
    zipf_masses(c->alpha, head, n, c->pages, m);
    zipf_vose(n, m, wl, tab);
    if (shuffle) {
        zipf_scatter(n, wl, tab, out, seed);
        vmm_free(tab);
    }
    vmm_free(m);
    vmm_free(wl);
    c->tab = out;
    if (c->tail) {
        double a = c->alpha, lo = (double)head + 1.0;
        c->u_lo = zipf_H(a, lo + 0.5) - zipf_h(a, lo);
        c->u_hi = zipf_H(a, (double)c->pages + 0.5);
        c->squeeze = 2.0 - zipf_H_inv(a, zipf_H(a, 2.5) - zipf_h(a, 2.0));
    }
    if (c->scatter && c->tail)
        zipf_perm_setup(c, seed);
    return 0;
}

static int zipf_prepare(void *conf, const gen_env *env, vmm_err_t *err)
{
    zipf_conf *c = conf;
    if (!c->pages)
        c->pages = env->span;
    if (c->pages > ZIPF_MAX_PAGES)
        return gen_bad(err, -1, "zipf: pages: at most %llu, got %llu (the address space); "
                       "give pages", (unsigned long long)ZIPF_MAX_PAGES,
                       (unsigned long long)c->pages);
    return zipf_build(c, env->seed, err);
}

static void zipf_release(void *conf)
{
    zipf_conf *c = conf;
    vmm_free(c->tab);
    c->tab = NULL;
}

/* A rank above the head by rejection-inversion (0-based: page rank-1). */
static uint64_t zipf_tail_rank(const zipf_conf *c, vmm_rng_t *rng)
{
    double a = c->alpha, lo = (double)ZIPF_HEAD + 1.0, hi = (double)c->pages;
    for (;;) {
        double u = c->u_hi + vmm_rng_double(rng) * (c->u_lo - c->u_hi);   /* (u_lo, u_hi] */
        double x = zipf_H_inv(a, u);
        double k = floor(x + 0.5);
        if (k < lo)
            k = lo;
        else if (k > hi)
            k = hi;
        if (k - x <= c->squeeze || u >= zipf_H(a, k + 0.5) - zipf_h(a, k))
            return (uint64_t)k - 1;
    }
}

/* Per process: the random stream of the tail, apart from the main one so
 * that the main stream gives exactly one number per reference (and the
 * chunk's columns can be drawn, and their cells prefetched, ahead). */
typedef struct zipf_state {
    vmm_rng_t tail;
} zipf_state;

static void zipf_start(const void *conf, void *st, vmm_rng_t *rng)
{
    const zipf_conf *c = conf;
    if (c->tail)   /* (without a tail the main stream is untouched) */
        vmm_rng_seed(&((zipf_state *)st)->tail, vmm_rng_next(rng));
}

/* Two passes over the chunk: draw every column first and prefetch its
 * cell, then resolve them, so a table larger than the caches costs
 * overlapped memory reads instead of one full miss per reference; a
 * reference that lands on the tail column then draws from the tail's own
 * stream, in reference order. */
static void zipf_fill(const void *conf, void *st, vmm_rng_t *rng, uint64_t *out, size_t n)
{
    const zipf_conf *c = conf;
    const zipf_cell *tab = c->tab;
    uint64_t cols = c->ncols;
    uint32_t frac[GEN_CHUNK];
    for (size_t i = 0; i < n; i++) {
        __uint128_t x = (__uint128_t)vmm_rng_next(rng) * cols;
        out[i] = (uint64_t)(x >> 64);
        frac[i] = (uint32_t)((uint64_t)x >> 32);
        __builtin_prefetch(&tab[out[i]]);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t col = out[i], alias = tab[col].alias;
        uint64_t keep = -(uint64_t)(frac[i] < tab[col].thresh);   /* no branch to mispredict */
        out[i] = alias ^ ((col ^ alias) & keep);
    }
    if (c->tail)
        for (size_t i = 0; i < n; i++)
            if (out[i] == cols - 1)
                out[i] = zipf_tail_rank(c, &((zipf_state *)st)->tail);
    if (c->scatter && c->tail)
        for (size_t i = 0; i < n; i++)
            out[i] = zipf_permute(c, out[i]);
}

const gen_pattern gen_zipf = {
    .name = "zipf",
    .keys = zipf_keys,
    .conf_size = sizeof(zipf_conf),
    .state_size = sizeof(zipf_state),
    .footprint = zipf_footprint,
    .prepare = zipf_prepare,
    .release = zipf_release,
    .start = zipf_start,
    .fill = zipf_fill,
};
