/* Miss-ratio curves as values (vmmsim/mrc.h): allocation, reading a curve
 * between its points, the measures reports use, and what a curve says
 * about its own trust.
 *
 * A curve's points are all computed; anything read between them is not.
 * Between points a curve is read linearly; below its first point it runs
 * from (0 frames, every reference misses: a fact, not a guess) to that
 * point; beyond its last point it stays flat (only cold misses remain),
 * unless the builder cut it short of the footprint (VMM_MRC_CUT).
 * vmm_mrc_read says which of these a value is, so that a report can print
 * only computed values or mark the others (issue #9 item 3: `--step 100`
 * once printed 0.76 at 24 frames, read from the line between 0 frames and
 * the first point at 100, where the exact value is 0.003). The measures
 * built on a curve use its points only: the size for a target miss ratio is
 * the first point that reaches it, the knee is a point.
 *
 * The MAE is the measure of SHARDS (Waldspurger et al., FAST'15, section
 * 5): the mean over sizes of |miss ratio - exact miss ratio|, here over
 * every point of the reference curve. The maximum error is taken over the
 * points the curve computed (a small MAE over many flat sizes can hide a
 * large error where the curve matters; and a value read between sparse
 * points is not the curve's error but the reader's). The knee follows the "Kneedle" idea (Satopaa
 * et al., ICDCS workshops 2011): on axes normalised to [0, 1] (frames /
 * last frames, misses / refs), the point farthest below the chord from
 * (0 frames, every reference misses) to the last point. */
#include "vmmsim/mrc.h"
#include "util/alloc.h"
#include <math.h>
#include <string.h>

int vmm_mrc_alloc(vmm_mrc_t *c, uint32_t n)
{
    memset(c, 0, sizeof *c);
    if (!n)
        return 0;
    c->frames = vmm_calloc(n, sizeof *c->frames);
    c->misses = vmm_calloc(n, sizeof *c->misses);
    if (!c->frames || !c->misses) {
        vmm_mrc_free(c);
        return VMM_ENOMEM;
    }
    c->npoints = n;
    return 0;
}

void vmm_mrc_free(vmm_mrc_t *c)
{
    vmm_free(c->frames);
    vmm_free(c->misses);
    vmm_free(c->lo);
    vmm_free(c->hi);
    memset(c, 0, sizeof *c);
}

/* Index of the first point with frames >= x (npoints if none). */
static uint32_t first_at_least(const vmm_mrc_t *c, double x)
{
    uint32_t lo = 0, hi = c->npoints;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((double)c->frames[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Read y[] (misses, lo or hi) at x frames as vmm_mrc_misses_at does;
 * *how gets VMM_MRC_COMPUTED, _INTERPOLATED or _BEYOND. */
static double read_at(const vmm_mrc_t *c, const double *y, double x, unsigned *how)
{
    *how = VMM_MRC_INTERPOLATED;
    if (!c->npoints || !(x > 0))
        return (double)c->refs;
    uint32_t i = first_at_least(c, x);
    if (i == c->npoints) {
        *how = VMM_MRC_BEYOND;
        return y[c->npoints - 1];
    }
    if ((double)c->frames[i] == x) {
        *how = VMM_MRC_COMPUTED;
        return y[i];
    }
    double x0 = i ? c->frames[i - 1] : 0, y0 = i ? y[i - 1] : (double)c->refs;
    double x1 = c->frames[i], y1 = y[i];
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

double vmm_mrc_misses_at(const vmm_mrc_t *c, double frames)
{
    unsigned how;
    return read_at(c, c->misses, frames, &how);
}

double vmm_mrc_ratio_at(const vmm_mrc_t *c, double frames)
{
    return c->refs ? vmm_mrc_misses_at(c, frames) / (double)c->refs : 0;
}

int vmm_mrc_trusted_at(const vmm_mrc_t *c, double frames)
{
    if (!c->npoints || !(frames >= 1) || frames < (double)c->min_trusted_frames)
        return 0;
    return !((c->flags & VMM_MRC_CUT) && frames > (double)c->frames[c->npoints - 1]);
}

unsigned vmm_mrc_read(const vmm_mrc_t *c, double frames, vmm_mrc_reading_t *out)
{
    unsigned how, unused;
    out->misses = read_at(c, c->misses, frames, &how);
    out->lo = c->lo ? read_at(c, c->lo, frames, &unused) : out->misses;
    out->hi = c->hi ? read_at(c, c->hi, frames, &unused) : out->misses;
    out->flags = how | (vmm_mrc_trusted_at(c, frames) ? 0 : VMM_MRC_UNTRUSTED);
    return out->flags;
}

double vmm_mrc_mae(const vmm_mrc_t *c, const vmm_mrc_t *ref)
{
    if (!ref->npoints)
        return 0;
    double sum = 0;
    for (uint32_t i = 0; i < ref->npoints; i++) {
        double want = ref->refs ? ref->misses[i] / (double)ref->refs : 0;
        sum += fabs(vmm_mrc_ratio_at(c, ref->frames[i]) - want);
    }
    return sum / ref->npoints;
}

double vmm_mrc_max_error(const vmm_mrc_t *c, const vmm_mrc_t *ref, uint32_t *at)
{
    double worst = 0;
    uint32_t where = 0;
    for (uint32_t i = 0; i < c->npoints; i++) {
        double got = c->refs ? c->misses[i] / (double)c->refs : 0;
        double e = fabs(got - vmm_mrc_ratio_at(ref, c->frames[i]));
        if (!i || e > worst) {
            worst = e;
            where = c->frames[i];
        }
    }
    if (at)
        *at = where;
    return worst;
}

uint32_t vmm_mrc_size_for_ratio(const vmm_mrc_t *c, double target)
{
    double goal = target * (double)c->refs;
    for (uint32_t i = 0; i < c->npoints; i++)
        if (c->misses[i] <= goal)
            return c->frames[i];
    return UINT32_MAX;
}

/* Returns 0 when the curve has no points, no references, or no point lies
 * below the chord (a straight or concave curve has no knee). */
uint32_t vmm_mrc_knee(const vmm_mrc_t *c)
{
    uint32_t n = c->npoints;
    if (!n || !c->refs || !c->frames[n - 1])
        return 0;
    double N = (double)c->refs, xn = c->frames[n - 1], y1 = c->misses[n - 1] / N;
    double best = 1e-12;
    uint32_t knee = 0;
    for (uint32_t i = 0; i + 1 < n; i++) {
        double x = c->frames[i] / xn, y = c->misses[i] / N;
        double below = 1 + (y1 - 1) * x - y;   /* chord from (0, 1) to (1, y1) */
        if (below > best) {
            best = below;
            knee = c->frames[i];
        }
    }
    return knee;
}
