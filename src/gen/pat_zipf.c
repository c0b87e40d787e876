/* zipf: page ranks drawn from a Zipf distribution, P(rank k) ~ 1/k^alpha.
 *
 * Breslau et al. (INFOCOM 1999) found web and cache references Zipf-like
 * with alpha from 0.64 to 0.83; storage and memory traces show the same
 * skew. Rank k (1-based) is page k-1, or with scatter=1 the page a fixed
 * random shuffle assigns to it, so hot pages are not all adjacent.
 *
 * Sampling is O(1) per reference with Walker's alias method in Vose's
 * linear-time construction (Vose, IEEE TSE 1991): N columns of equal width,
 * column c keeps its own rank with probability thresh[c]/2^32 and gives the
 * rest to alias[c]. One 64-bit draw x gives both the column (the high word
 * of x*N, Lemire's multiply-shift) and the 32-bit fraction compared with
 * thresh (the next 32 bits of the product), so a reference costs one random
 * number and one table read (prefetched a chunk ahead for large tables). Set-up is O(pages) time and 8 bytes per page
 * kept (20 bytes per page at peak).
 *
 * Determinism: the table is built in integers. The weights k^-alpha come
 * from our own log and exp below, which use only IEEE-754 +, -, *, / (each
 * correctly rounded, hence the same everywhere), where libm's pow() may
 * differ in the last bit between C libraries. The weights are scaled to
 * integer masses summing exactly to N*2^32 and Vose's pairing runs on those
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
#define COLUMN (1ull << 32)    /* mass of one alias column */

typedef struct zipf_cell {
    uint32_t thresh;   /* keep the column's page when the fraction is below */
    uint32_t alias;    /* page otherwise */
} zipf_cell;

typedef struct zipf_conf {
    double alpha;      /* key: skew, > 0 */
    uint64_t pages;    /* key: ranks; 0 = the whole address space */
    int scatter;       /* key: shuffle ranks over pages */
    zipf_cell *tab;    /* pages cells, owned */
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

/* ln x for x >= 1: x = m*2^e with m in [sqrt(1/2), sqrt(2)), then
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

/* e^y for y <= 0: y = k ln 2 + r, |r| <= ln2/2, then the Taylor polynomial
 * of e^r to degree 14 (error below 1e-17 relative) and a scale by 2^k. */
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

/* --- the alias table ------------------------------------------------------ */

/* A rank's weight while the masses are computed, then its integer mass. */
typedef union zipf_mass {
    double w;
    uint64_t m;
} zipf_mass;

/* Integer masses ~ N*2^32 * k^-alpha / sum, summing exactly to N*2^32
 * (rounding is settled on rank 1, the largest). */
static void zipf_masses(double alpha, uint64_t n, zipf_mass *z)
{
    double total = 0.0;
    for (uint64_t k = 0; k < n; k++) {
        z[k].w = det_exp(-alpha * det_log((double)(k + 1)));
        total = total + z[k].w;
    }
    uint64_t want = n * COLUMN, sum = 0;
    double scale = (double)want / total;
    for (uint64_t k = 0; k < n; k++) {
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

/* scatter=1: move rank r's column to page perm[r]. Columns are chosen
 * uniformly, so reordering them leaves the distribution as it was. */
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

static uint64_t zipf_footprint(const void *conf)
{
    return ((const zipf_conf *)conf)->pages;
}

static int zipf_nomem(vmm_err_t *err, uint64_t n)
{
    return vmm_err_set(err, VMM_ENOMEM, "", 0, -1, "zipf: out of memory for %llu pages",
                       (unsigned long long)n);
}

static int zipf_build(zipf_conf *c, uint64_t seed, vmm_err_t *err)
{
    uint64_t n = c->pages;
    zipf_mass *m = vmm_malloc(n * sizeof *m);
    uint32_t *wl = vmm_malloc(n * sizeof *wl);
    zipf_cell *tab = vmm_malloc(n * sizeof *tab);
    zipf_cell *out = c->scatter ? vmm_malloc(n * sizeof *out) : tab;
    if (!m || !wl || !tab || !out) {
        vmm_free(m);
        vmm_free(wl);
        vmm_free(tab);
        if (out != tab)
            vmm_free(out);
        return zipf_nomem(err, n);
    }
    zipf_masses(c->alpha, n, m);
    zipf_vose(n, m, wl, tab);
    if (c->scatter) {
        zipf_scatter(n, wl, tab, out, seed);
        vmm_free(tab);
    }
    vmm_free(m);
    vmm_free(wl);
    c->tab = out;
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

/* Two passes over the chunk: draw every column first and prefetch its
 * cell, then resolve them, so a table larger than the caches costs
 * overlapped memory reads instead of one full miss per reference. */
static void zipf_fill(const void *conf, void *st, vmm_rng_t *rng, uint64_t *out, size_t n)
{
    const zipf_conf *c = conf;
    const zipf_cell *tab = c->tab;
    uint64_t pages = c->pages;
    uint32_t frac[GEN_CHUNK];
    for (size_t i = 0; i < n; i++) {
        __uint128_t x = (__uint128_t)vmm_rng_next(rng) * pages;
        out[i] = (uint64_t)(x >> 64);
        frac[i] = (uint32_t)((uint64_t)x >> 32);
        __builtin_prefetch(&tab[out[i]]);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t col = out[i], alias = tab[col].alias;
        uint64_t keep = -(uint64_t)(frac[i] < tab[col].thresh);   /* no branch to mispredict */
        out[i] = alias ^ ((col ^ alias) & keep);
    }
    (void)st;
}

const gen_pattern gen_zipf = {
    .name = "zipf",
    .keys = zipf_keys,
    .conf_size = sizeof(zipf_conf),
    .state_size = 0,
    .footprint = zipf_footprint,
    .prepare = zipf_prepare,
    .release = zipf_release,
    .fill = zipf_fill,
};
