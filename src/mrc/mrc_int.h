/* Internals shared by the MRC builders (src/mrc/): the LRU stack-distance
 * engine (exact, shards), the binned distance histogram that turns
 * distances into a curve (exact, shards), the choice of curve points, and
 * the spatial-sampling hash (shards, mini). See docs/mrc.md. */
#ifndef VMM_MRC_INT_H
#define VMM_MRC_INT_H

#include "vmmsim/mrc.h"
#include "util/fenwick.h"
#include "util/hashmap.h"
#include <math.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

/* --- spatial sampling (SHARDS, FAST'15 section 3) ------------------------ */

/* The sampling hash of a page key: XXH3-64 of its 8 little-endian bytes,
 * so a key is sampled (or not) the same way on every platform. */
static inline uint64_t mrc_hash(uint64_t key, uint64_t seed)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    key = __builtin_bswap64(key);
#endif
    /* One 8-byte store: byte stores then a wider load stall the CPU. */
    unsigned char b[8];
    memcpy(b, &key, sizeof b);
    return XXH3_64bits_withSeed(b, sizeof b, seed);
}

/* A key is sampled iff mrc_hash(key) <= lim. The paper's test is
 * hash mod P < T with R = T/P; with P = 2^64 that is hash <= T - 1, and
 * R = 1 (T = 2^64) becomes lim = UINT64_MAX. */
static inline uint64_t mrc_rate_limit(double rate)
{
    if (rate >= 1.0)
        return UINT64_MAX;
    double t = ldexp(rate, 64);
    return t < 1.0 ? 0 : (uint64_t)t - 1;
}

/* Check cfg->rate: 0 means `dflt`, otherwise it must be in (0, 1].
 * Returns 0 with *rate set, or VMM_EINVAL with a message. */
int mrc_cfg_rate(const vmm_mrc_cfg_t *cfg, double dflt, double *rate, vmm_err_t *err);

/* --- LRU stack distances (Mattson et al. 1970, in O(log M)) --------------- */

#define MRC_SD_TOP 8   /* most recent keys kept in a small array */

/* A key's entry in the engine's own hash table: the key and the time
 * position of its mark, side by side so a lookup touches one cache line. */
typedef struct mrc_sd_ent {
    uint64_t key;
    uint32_t pos;          /* mark position, MRC_SD_POS_TOP or _EMPTY */
    uint32_t unused;       /* keeps entries 16 bytes, 4 to a line */
} mrc_sd_ent;

#define MRC_SD_POS_EMPTY UINT32_MAX         /* free slot */
#define MRC_SD_POS_TOP (UINT32_MAX - 1)     /* key is in the top array */

/* The LRU stack is split in two: its top MRC_SD_TOP keys in an array, in
 * order, and the rest as marks on a time axis, a bit set of one bit per
 * position with a Fenwick tree over its 64-bit words, so a key's stack
 * distance is ntop + 1 + the marks after its own. */
typedef struct mrc_sd {
    mrc_sd_ent *tab;       /* open addressing, linear probing, load <= 1/2 */
    size_t tab_cap;        /* slots, a power of two (0 before the first key) */
    uint64_t *bits;        /* the time axis: bit p of word p/64 = a mark */
    size_t bits_cap;       /* words allocated (>= fw.n) */
    vmm_fenwick_t fw;      /* marks per word; fw.n words in use */
    uint32_t now;          /* next position; == 64 * fw.n means compact */
    uint32_t live;         /* keys present (top and marked) */
    uint32_t ntop;         /* keys in the top array */
    uint64_t top_key[MRC_SD_TOP];   /* most recent first */
    uint32_t top_slot[MRC_SD_TOP];  /* their slots in tab */
} mrc_sd_t;

void mrc_sd_init(mrc_sd_t *sd);
void mrc_sd_fini(mrc_sd_t *sd);
/* Reference `key`: *dist = 0 for its first reference (a cold miss),
 * otherwise its stack distance (1 = re-referenced with nothing between).
 * Returns 0, or VMM_ENOMEM with the state as it was. */
int mrc_sd_access(mrc_sd_t *sd, uint64_t key, uint64_t *dist);
/* Forget `key` (SHARDS fixed-size eviction); 1 if it was present. */
int mrc_sd_remove(mrc_sd_t *sd, uint64_t key);

/* The hash slot `key` would probe first (NULL before the first key), for
 * batch callers to prefetch a few keys ahead: on footprints larger than
 * the caches the table lookup is the one memory access per reference left.
 * The caller issues __builtin_prefetch itself: GCC 12 finds a function
 * that only prefetches free of side effects and deletes calls to it before
 * inlining them. */
static inline const mrc_sd_ent *mrc_sd_home(const mrc_sd_t *sd, uint64_t key)
{
    return sd->tab_cap ? &sd->tab[vmm_hash64(key) & (sd->tab_cap - 1)] : NULL;
}
size_t mrc_sd_mem(const mrc_sd_t *sd);

/* --- distance histograms ------------------------------------------------- */

/* Weighted stack distances in bins of `width` frames: bin i holds the
 * distances in (i*width, (i+1)*width]. When maxbins is set and a distance
 * falls past the last bin, the width doubles and neighbouring bins merge,
 * so memory stays bounded whatever the distances. Distances above `limit`
 * (cfg->max_frames, 0 = none) only count as misses and go to `over`. */
typedef struct mrc_hist {
    double *bin;
    size_t cap;            /* bins allocated */
    uint32_t nb;           /* bins in use */
    uint32_t maxbins;      /* 0 = grow without bound (exact) */
    uint64_t width;        /* frames per bin, 1 << shift */
    unsigned shift;
    uint64_t limit;        /* 0 or the largest size of interest */
    double over;           /* weight of distances > limit */
    double cold;           /* weight of first references */
} mrc_hist_t;

void mrc_hist_init(mrc_hist_t *h, uint32_t maxbins, uint64_t limit);
void mrc_hist_fini(mrc_hist_t *h);
/* Make sure adding any distance <= fmax needs no allocation. 0 or
 * VMM_ENOMEM (histogram unchanged). */
int mrc_hist_reserve(mrc_hist_t *h, uint64_t fmax);
/* Double the width until distance f fits in maxbins bins (no allocation). */
void mrc_hist_merge(mrc_hist_t *h, uint64_t f);
/* Add weight w at distance f >= 1; f must be covered by a reserve. */
static inline void mrc_hist_add(mrc_hist_t *h, uint64_t f, double w)
{
    if (h->limit && f > h->limit) {
        h->over += w;
        return;
    }
    uint64_t i = (f - 1) >> h->shift;
    if (h->maxbins && i >= h->maxbins) {
        mrc_hist_merge(h, f);
        i = (f - 1) >> h->shift;
    }
    if (i >= h->nb)
        h->nb = (uint32_t)i + 1;
    h->bin[i] += w;
}
size_t mrc_hist_mem(const mrc_hist_t *h);

/* Build the curve of a histogram over `refs` references, with `adj` more
 * hits at the smallest distance (SHARDS_adj), for sizes chosen by
 * mrc_points(dmax, step). Misses are clamped to [0, refs]. 0 or VMM_ENOMEM
 * (out untouched). */
int mrc_hist_curve(const mrc_hist_t *h, uint64_t refs, double adj, uint64_t dmax,
                   uint32_t step, vmm_mrc_t *out);

/* Allocate `out` with the sizes of a curve up to dmax frames: every size
 * 1..dmax, or with step > 1 every step-th (step, 2*step, ...) and dmax
 * last. dmax 0 gives an empty curve. 0 or VMM_ENOMEM. */
int mrc_points(uint64_t dmax, uint32_t step, vmm_mrc_t *out);

/* --- trust: bands and the smallest trusted size (trust.c) ------------------
 *
 * A sampled estimate of misses(c) is off in two ways (docs/mrc.md, "How far
 * a curve can be trusted"). Sideways: a stack distance scaled from the
 * sample stands for a size known only to within its binomial spread (of the
 * c - 1 pages between two references, Binomial(c - 1, R) are sampled;
 * SHARDS section 3's scaling), so the value at c is that of some size in
 * c +- delta(c). Up and down: which pages the hash picked (each page brings
 * all its references, so pages, not references, are the sampling units);
 * its variance is estimated by random groups (Wolter, "Introduction to
 * Variance Estimation", 2nd ed. 2007, ch. 2): the sampled pages are split
 * by their hash into MRC_GROUPS groups, each group's misses scaled by
 * MRC_GROUPS is an estimate of the whole, and their spread gives the
 * variance. */

#define MRC_GROUPS 16        /* random groups (t quantile below: 15 degrees of freedom) */
#define MRC_GROUPS_T 2.131   /* Student t, 97.5%, 15 df: the groups' 95% half-width */
#define MRC_Z 1.96           /* normal, 97.5%: the sideways 95% half-width */
#define MRC_GBINS 159        /* per group: distances in bins, 4 per octave up to 2^41 */
/* Trust at a size: sideways half-width <= 25% of the size (about 60 sampled
 * pages within it) and up-down half-width <= 0.02 of miss ratio, from a
 * sample of at least MRC_MIN_PAGES pages. */
#define MRC_TRUST_SIZE_TOL 0.25
#define MRC_TRUST_RATIO_TOL 0.02
#define MRC_MIN_PAGES (2 * MRC_GROUPS)

/* Weights of sampled references by group: cold ones, and the others by
 * scaled stack distance in log-spaced bins (the variance needs no more
 * resolution than that). Zeroed = empty; no allocation. */
typedef struct mrc_groups {
    double cold[MRC_GROUPS];
    double bin[MRC_GROUPS][MRC_GBINS];
} mrc_groups_t;

static inline unsigned mrc_group_of(uint64_t hash) { return (unsigned)(hash & (MRC_GROUPS - 1)); }

/* Bin of distance f >= 1: 1, 2, 3 alone, then each octave [2^e, 2^(e+1))
 * in 4 equal parts. */
static inline unsigned mrc_gbin(uint64_t f)
{
    if (f < 4)
        return f ? (unsigned)f - 1 : 0;
    unsigned e = 63u - (unsigned)__builtin_clzll(f);
    unsigned b = 3 + (e - 2) * 4 + (unsigned)((f >> (e - 2)) & 3);
    return b < MRC_GBINS ? b : MRC_GBINS - 1;
}

/* A sampled reference of weight w from a page of hash `hash`: f = 0 for
 * a first reference (cold), else its scaled distance. */
static inline void mrc_groups_add(mrc_groups_t *g, uint64_t hash, uint64_t f, double w)
{
    unsigned k = mrc_group_of(hash);
    if (f)
        g->bin[k][mrc_gbin(f)] += w;
    else
        g->cold[k] += w;
}

/* var[i] = the random-groups variance of the misses at c->frames[i], with
 * no finite-population factor (mrc_trust applies 1 - R). */
void mrc_groups_var(const mrc_groups_t *g, const vmm_mrc_t *c, double *var);

/* What mrc_trust needs beyond the curve. */
typedef struct mrc_trust_in {
    double rate;          /* R at the end (1: every page, nothing to estimate) */
    const double *shift;  /* per point: more sideways uncertainty in frames, or NULL
                             (mini: how far its mini-cache's size is from the point) */
    const double *var;    /* per point: up-down variance of misses, or NULL */
    const double *up;     /* per point: one-sided upward uncertainty (patent), or NULL */
    uint64_t pages, refs; /* sample sizes: pages and references measured */
} mrc_trust_in_t;

/* Give the curve its band (lo, hi allocated here), rate, sample sizes and
 * min_trusted_frames from `in`. 0 or VMM_ENOMEM (c as it was). */
int mrc_trust(vmm_mrc_t *c, const mrc_trust_in_t *in);

/* --- distinct pages in constant memory (trust.c) -----------------------------
 *
 * The K smallest hashes of the keys seen ("k minimum values": Bar-Yossef et
 * al., RANDOM 2002; Beyer et al., SIGMOD 2007): exact up to K distinct
 * keys, then (K - 1) / (K-th smallest hash / 2^64), relative standard error
 * about 1/sqrt(K - 2), 2.2% at K = 2048. Any uniform 64-bit hash of the
 * key will do (shards passes its sampling hash, which it has computed
 * anyway). Memory is fixed at init (112 KB); adding never allocates. */
#define MRC_KMV_K 2048

#define MRC_KMV_RECENT 16   /* hashes just seen, skipped without a lookup */

typedef struct mrc_kmv {
    uint64_t *heap;       /* max-heap of the smallest hashes */
    uint32_t n;
    vmm_hashmap_t set;    /* the same hashes, for duplicates */
    uint64_t recent[MRC_KMV_RECENT];   /* by low bits: a program re-references
                                          its few recent pages most of the time */
} mrc_kmv_t;

int mrc_kmv_init(mrc_kmv_t *k);   /* 0 or VMM_ENOMEM */
void mrc_kmv_fini(mrc_kmv_t *k);
void mrc_kmv_insert(mrc_kmv_t *k, uint64_t h);
/* A key's hash of `h`: O(1), a compare when h is not among the smallest. */
static inline void mrc_kmv_add(mrc_kmv_t *k, uint64_t h)
{
    h = h == UINT64_MAX ? h - 1 : h;   /* the map's empty marker */
    uint64_t *r = &k->recent[h & (MRC_KMV_RECENT - 1)];
    if (*r == h)   /* inserted or turned away already: the same again */
        return;
    *r = h;
    if (k->n < MRC_KMV_K || h < k->heap[0])
        mrc_kmv_insert(k, h);
}
double mrc_kmv_estimate(const mrc_kmv_t *k);
size_t mrc_kmv_mem(const mrc_kmv_t *k);

#endif
