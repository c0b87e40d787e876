/* Exact MRC builder ("exact"): the LRU miss count at every size in one
 * pass, from Mattson's stack distances (Mattson, Gecsei, Slutz and
 * Traiger, IBM Systems Journal 9(2), 1970), computed in O(log M) per
 * reference with a Fenwick tree over time (stackdist.c) in place of
 * Olken's balanced tree (1981). Issue #3 item 1.
 *
 * With c frames LRU hits a reference iff its stack distance (the number of
 * distinct pages referenced since its previous reference, + 1) is <= c;
 * a first reference always misses. So misses(c) = refs - sum of the
 * histogram up to c, and it equals the fault count of an LRU run with c
 * frames exactly (tests/unit/test_mrc.c checks every size).
 *
 * Memory is O(distinct pages): the stack-distance engine, plus one bin per
 * possible distance (or per size up to cfg->max_frames, when set; longer
 * distances then only count as misses). Points: every size 1..D, D = the
 * distinct pages or cfg->max_frames, or every cfg->step frames.
 *
 * With a step, bins are w frames wide, w the largest power of two dividing
 * the step: every point but the last is then a bin edge, so its count is a
 * sum of whole bins and still exact, and the last point (D) has every
 * distance counted below it. This keeps the histogram w times smaller (on
 * 1M pages at step 64: 128 KB, in cache, instead of 8 MB, one cache miss a
 * reference).
 *
 * The batch op (access_many) prefetches the hash slot of the key
 * EXACT_AHEAD references ahead, which hides the table's cache miss on
 * footprints larger than the caches. */
#include "mrc_int.h"
#include "util/alloc.h"

/* References between a slot's prefetch and its lookup: at ~70 ns a
 * reference on the zipf trace, 8 already covers a DRAM access; 16 was no
 * better (4.1 s against 3.7 s on that trace). */
#define EXACT_AHEAD 8

typedef struct exact_state {
    mrc_sd_t sd;
    mrc_hist_t hist;       /* width 1, unbounded */
    uint64_t near[MRC_SD_TOP + 1];   /* counts of distances 1..MRC_SD_TOP not
                                        yet in hist: integer adds keep the
                                        commonest case off the FP chain */
    uint64_t refs;
    uint32_t step;
    uint32_t max_frames;
} exact_state;

static void exact_fini(void *st)
{
    exact_state *s = st;
    mrc_sd_fini(&s->sd);
    mrc_hist_fini(&s->hist);
}

static int exact_init(void *st, const vmm_mrc_cfg_t *cfg, vmm_err_t *err)
{
    exact_state *s = st;
    (void)err;   /* every cfg is valid: exact has no rate or policy */
    mrc_sd_init(&s->sd);
    mrc_hist_init(&s->hist, 0, cfg->max_frames);
    if (cfg->step > 1) {
        /* Bins as wide as the largest power of two dividing the step. */
        s->hist.shift = (unsigned)__builtin_ctz(cfg->step);
        s->hist.width = (uint64_t)1 << s->hist.shift;
    }
    s->step = cfg->step;
    s->max_frames = cfg->max_frames;
    return 0;
}

static int exact_access(void *st, uint64_t key)
{
    exact_state *s = st;
    uint64_t d;
    /* A distance is at most the keys present; room first, so a failure
     * changes nothing. */
    int rc = 0;
    if ((uint64_t)s->sd.live + 1 > ((uint64_t)s->hist.cap << s->hist.shift))
        rc = mrc_hist_reserve(&s->hist, (uint64_t)s->sd.live + 1);
    if (!rc)
        rc = mrc_sd_access(&s->sd, key, &d);
    if (rc)
        return rc;
    s->refs++;
    if (d && d <= MRC_SD_TOP)
        s->near[d]++;
    else if (d)
        mrc_hist_add(&s->hist, d, 1.0);
    else
        s->hist.cold += 1.0;
    return 0;
}

static int exact_access_many(void *st, const uint64_t *keys, size_t n)
{
    exact_state *s = st;
    for (size_t i = 0; i < n; i++) {
        if (i + EXACT_AHEAD < n)
            __builtin_prefetch(mrc_sd_home(&s->sd, keys[i + EXACT_AHEAD]));
        int rc = exact_access(s, keys[i]);
        if (rc)
            return rc;
    }
    return 0;
}

static int exact_curve(void *st, vmm_mrc_t *out)
{
    exact_state *s = st;
    for (uint64_t d = 1; d <= MRC_SD_TOP; d++) {
        if (s->near[d])
            mrc_hist_add(&s->hist, d, (double)s->near[d]);
        s->near[d] = 0;
    }
    uint64_t dmax = s->max_frames ? s->max_frames : (uint64_t)s->hist.cold;
    int rc = mrc_hist_curve(&s->hist, s->refs, 0, dmax, s->step, out);
    if (rc)
        return rc;
    out->rate = 1;
    out->sample_pages = (uint64_t)s->hist.cold;
    out->sample_refs = s->refs;
    out->min_trusted_frames = out->npoints ? 1 : VMM_MRC_NOWHERE;
    if (dmax < (uint64_t)s->hist.cold)
        out->flags |= VMM_MRC_CUT;
    if (!out->npoints || s->hist.width == 1)
        return 0;
    /* The last point need not be a bin edge, where mrc_hist_curve would
     * interpolate; every distance in the bins is <= dmax, so it is exact
     * as all references minus all of them. */
    double hits = 0;
    for (uint32_t i = 0; i < s->hist.nb; i++)
        hits += s->hist.bin[i];
    out->misses[out->npoints - 1] = (double)s->refs - hits;
    return 0;
}

static size_t exact_mem(const void *st)
{
    const exact_state *s = st;
    return sizeof *s + mrc_sd_mem(&s->sd) + mrc_hist_mem(&s->hist);
}

const vmm_mrc_ops vmm_mrc_exact = {
    .name = "exact",
    .summary = "exact LRU curve at every size (Mattson stack distances, O(log M))",
    .state_size = sizeof(exact_state),
    .init = exact_init,
    .fini = exact_fini,
    .access = exact_access,
    .access_many = exact_access_many,
    .curve = exact_curve,
    .mem_bytes = exact_mem,
};
