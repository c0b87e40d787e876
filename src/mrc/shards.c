/* SHARDS MRC builder ("shards"): Waldspurger, Park, Garthwaite and Ahmad,
 * "Efficient MRC Construction with SHARDS", USENIX FAST'15. Issue #3 item 2.
 *
 * Spatial sampling (section 3): a page is sampled iff hash(page) < T, with
 * the rate R = T / 2^64 (mrc_int.h: XXH3-64 of the key with cfg->seed, the
 * full 64-bit hash in place of the paper's hash mod P, so ties between
 * pages are practically impossible). Every reference to a sampled page
 * goes through the exact stack-distance engine restricted to sampled
 * pages, and its distance and count are scaled by 1/R.
 *
 * Scaling the distance: of the pages between two references only the
 * others are sampled, so a sampled distance d (the page itself + d-1
 * sampled others) stands for 1 + (d-1)/R, which is exact at R = 1 and
 * keeps an immediate re-reference at distance 1 at any rate (d/R would put
 * it at 1/R frames).
 *
 * Fixed rate (cfg->max_pages = 0; cfg->rate, default 0.01): the paper's
 * SHARDS_adj (section 3.2) adds N*R - N_s sampled references (N = all
 * references, N_s = sampled ones) to the smallest-distance bucket, so the
 * histogram sums to N after scaling: the excess or shortfall of a sample is
 * most likely in hot pages.
 *
 * Fixed size (cfg->max_pages = s_max > 0, section 4.2): at most s_max pages
 * are tracked; when one more is sampled, the page with the largest hash is
 * evicted (a max-heap over the tracked pages' hashes) and T is lowered to
 * that hash, so the rate falls as the footprint grows and memory stays
 * bounded. The paper rescales the histogram by R_new/R_old at each drop
 * and by 1/R_final at the end; adding each reference with weight 1/R of
 * its own time, as we do, gives the same numbers without touching the
 * histogram. The starting rate is cfg->rate if given, else 1 (every page
 * until s_max are seen). SHARDS_adj is applied in the same way (N minus the
 * summed weights): on the CloudPhysics trace it lowers the mean MAE at
 * s_max = 8K from 0.027 to 0.0045 (docs/mrc.md).
 *
 * Histogram: bins of one frame up to 2^16 bins; past that the bin width
 * doubles (hist.c), so memory is bounded whatever the trace: fixed-size
 * SHARDS with s_max = 8K stays near 1.5 MB. At R = 1 with at most 2^16
 * distinct pages (and whenever s_max covers every page at R = 1) the curve
 * equals the exact one. */
#include "mrc_int.h"
#include "util/alloc.h"

#define SHARDS_DEFAULT_RATE 0.01
#define SHARDS_DEFAULT_PAGES 8192
#define SHARDS_MAX_BINS (1u << 16)

typedef struct shards_ent {
    uint64_t hash, key;
} shards_ent;

typedef struct shards_state {
    mrc_sd_t sd;           /* stack distances among tracked pages */
    mrc_hist_t hist;       /* weighted, scaled distances */
    uint64_t seed;
    uint64_t lim;          /* sampled iff hash <= lim (lim = T - 1) */
    double rate;           /* R = T / 2^64 */
    uint64_t refs;         /* N */
    uint64_t srefs;        /* sampled references */
    uint64_t spages;       /* pages ever sampled */
    double sampled_w;      /* sum of the weights 1/R of sampled references */
    uint64_t smax;         /* 0 = fixed rate */
    shards_ent *heap;      /* fixed size: max-heap of tracked pages by hash */
    size_t heap_n, heap_cap;
    uint32_t step, max_frames;
    mrc_kmv_t kmv;         /* fixed rate: distinct pages (fixed size has its heap) */
    mrc_groups_t groups;   /* the sample split by hash, for the band (trust.c) */
} shards_state;

static void shards_fini(void *st)
{
    shards_state *s = st;
    mrc_sd_fini(&s->sd);
    mrc_hist_fini(&s->hist);
    mrc_kmv_fini(&s->kmv);
    vmm_free(s->heap);
    s->heap = NULL;
}

static int shards_init(void *st, const vmm_mrc_cfg_t *cfg, vmm_err_t *err)
{
    shards_state *s = st;
    /* no rate and no size: fixed size (exact on small footprints) */
    uint64_t smax = cfg->max_pages || cfg->rate ? cfg->max_pages : SHARDS_DEFAULT_PAGES;
    int rc = mrc_cfg_rate(cfg, smax ? 1.0 : SHARDS_DEFAULT_RATE, &s->rate, err);
    if (rc)
        return rc;
    if (cfg->max_pages > UINT32_MAX / 4)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "shards: max_pages must be at most %u, got %llu", UINT32_MAX / 4,
                           (unsigned long long)cfg->max_pages);
    mrc_sd_init(&s->sd);
    mrc_hist_init(&s->hist, SHARDS_MAX_BINS, cfg->max_frames);
    s->seed = cfg->seed;
    s->lim = mrc_rate_limit(s->rate);
    s->smax = smax;
    s->step = cfg->step;
    s->max_frames = cfg->max_frames;
    if (!smax && mrc_kmv_init(&s->kmv)) {
        shards_fini(s);
        return VMM_ENOMEM;
    }
    return 0;
}

/* --- the max-heap of tracked pages (fixed size) ---------------------------- */

static void heap_swap(shards_ent *a, shards_ent *b)
{
    shards_ent t = *a;
    *a = *b;
    *b = t;
}

static void heap_push(shards_state *s, uint64_t hash, uint64_t key)
{
    size_t i = s->heap_n++;
    s->heap[i] = (shards_ent){hash, key};
    while (i && s->heap[(i - 1) / 2].hash < s->heap[i].hash) {
        heap_swap(&s->heap[(i - 1) / 2], &s->heap[i]);
        i = (i - 1) / 2;
    }
}

static shards_ent heap_pop(shards_state *s)
{
    shards_ent top = s->heap[0];
    s->heap[0] = s->heap[--s->heap_n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->heap_n && s->heap[l].hash > s->heap[m].hash)
            m = l;
        if (r < s->heap_n && s->heap[r].hash > s->heap[m].hash)
            m = r;
        if (m == i)
            break;
        heap_swap(&s->heap[i], &s->heap[m]);
        i = m;
    }
    return top;
}

/* Over s_max pages: drop the largest hash and lower T to it (then any
 * page sharing that hash, which T no longer admits). */
static void shards_shrink(shards_state *s)
{
    while (s->heap_n && (s->heap_n > s->smax || s->heap[0].hash > s->lim)) {
        shards_ent e = heap_pop(s);
        mrc_sd_remove(&s->sd, e.key);
        if (e.hash <= s->lim) {
            s->lim = e.hash ? e.hash - 1 : 0;
            s->rate = e.hash ? ldexp((double)e.hash, -64) : 0x1p-64;
        }
    }
}

/* --- references ----------------------------------------------------------- */

/* Room for what one sampled reference may need, so a failure changes
 * nothing: a histogram bin for its scaled distance, a heap slot. */
static int shards_reserve(shards_state *s)
{
    double fmax = 2 + (double)s->sd.live / s->rate;
    int rc = mrc_hist_reserve(&s->hist, fmax < 0x1p62 ? (uint64_t)fmax : (uint64_t)1 << 62);
    if (!rc && s->smax)
        rc = vmm_grow(&s->heap, &s->heap_cap, s->heap_n + 1, sizeof *s->heap);
    return rc;
}

/* A sampled reference (h = its hash, <= lim). */
static int shards_sampled(shards_state *s, uint64_t key, uint64_t h)
{
    uint64_t d;
    int rc = shards_reserve(s);
    if (!rc)
        rc = mrc_sd_access(&s->sd, key, &d);
    if (rc)
        return rc;
    double w = 1 / s->rate;
    s->refs++;
    s->srefs++;
    s->sampled_w += w;
    if (d) {
        uint64_t f = (uint64_t)llround(1 + (double)(d - 1) * w);
        mrc_hist_add(&s->hist, f, w);
        mrc_groups_add(&s->groups, h, f, w);
        return 0;
    }
    s->hist.cold += w;
    s->spages++;
    mrc_groups_add(&s->groups, h, 0, w);
    if (s->smax) {
        heap_push(s, h, key);
        shards_shrink(s);
    }
    return 0;
}

static int shards_access(void *st, uint64_t key)
{
    shards_state *s = st;
    uint64_t h = mrc_hash(key, s->seed);
    if (!s->smax)
        mrc_kmv_add(&s->kmv, h);
    if (h > s->lim) {
        s->refs++;
        return 0;
    }
    return shards_sampled(s, key, h);
}

/* Most references are not sampled: here they cost a hash and a compare,
 * counted into N once per batch (or at a failure, so N covers exactly the
 * references taken). */
static int shards_access_many(void *st, const uint64_t *keys, size_t n)
{
    shards_state *s = st;
    uint64_t skipped = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        uint64_t h = mrc_hash(keys[i], s->seed);
        if (!s->smax)
            mrc_kmv_add(&s->kmv, h);
        if (h > s->lim)
            skipped++;
        else
            rc = shards_sampled(s, keys[i], h);
    }
    s->refs += skipped;
    return rc;
}

static int shards_curve(void *st, vmm_mrc_t *out)
{
    shards_state *s = st;
    double adj = (double)s->refs - s->sampled_w;   /* SHARDS_adj, scaled by 1/R */
    /* distinct pages: fixed size counts first references at the weight of
     * their time (exact while R = 1), fixed rate below 1 has its own count
     * (the sampled pages / R would read 200 for 2 pages of 246 at 0.01) */
    double distinct = s->smax || s->rate >= 1 ? s->hist.cold : mrc_kmv_estimate(&s->kmv);
    uint64_t dmax = s->max_frames ? s->max_frames : (uint64_t)llround(distinct);
    vmm_mrc_t c;
    int rc = mrc_hist_curve(&s->hist, s->refs, adj, dmax, s->step, &c);
    if (rc)
        return rc;
    c.distinct = distinct;
    if (s->max_frames && s->max_frames < llround(distinct))
        c.flags |= VMM_MRC_CUT;
    double *var = c.npoints ? vmm_malloc(c.npoints * sizeof *var) : NULL;
    if (c.npoints && !var) {
        vmm_mrc_free(&c);
        return VMM_ENOMEM;
    }
    if (var)
        mrc_groups_var(&s->groups, &c, var);
    mrc_trust_in_t in = {.rate = s->rate, .var = var, .pages = s->spages, .refs = s->srefs};
    rc = mrc_trust(&c, &in);
    vmm_free(var);
    if (rc) {
        vmm_mrc_free(&c);
        return rc;
    }
    *out = c;
    return 0;
}

static size_t shards_mem(const void *st)
{
    const shards_state *s = st;
    return sizeof *s + mrc_sd_mem(&s->sd) + mrc_hist_mem(&s->hist) +
           s->heap_cap * sizeof *s->heap + mrc_kmv_mem(&s->kmv);
}

const vmm_mrc_ops vmm_mrc_shards = {
    .name = "shards",
    .summary = "SHARDS (FAST'15): hash-sampled LRU curve, fixed rate or fixed size",
    .state_size = sizeof(shards_state),
    .init = shards_init,
    .fini = shards_fini,
    .access = shards_access,
    .access_many = shards_access_many,
    .curve = shards_curve,
    .mem_bytes = shards_mem,
};
