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
 * distinct pages or cfg->max_frames, or every cfg->step frames. */
#include "mrc_int.h"
#include "util/alloc.h"

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
    if ((size_t)s->sd.live + 1 > s->hist.cap)
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

static int exact_curve(void *st, vmm_mrc_t *out)
{
    exact_state *s = st;
    for (uint64_t d = 1; d <= MRC_SD_TOP; d++) {
        if (s->near[d])
            mrc_hist_add(&s->hist, d, (double)s->near[d]);
        s->near[d] = 0;
    }
    uint64_t dmax = s->max_frames ? s->max_frames : (uint64_t)s->hist.cold;
    return mrc_hist_curve(&s->hist, s->refs, 0, dmax, s->step, out);
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
    .curve = exact_curve,
    .mem_bytes = exact_mem,
};
