/* Miss-ratio curves as values (vmmsim/mrc.h): allocation, reading a curve
 * between its points, and the measures reports use.
 *
 * Between points a curve is read linearly; below its first point it runs
 * from (0 frames, every reference misses) to that point; beyond its last
 * point it stays flat (only cold misses remain). The MAE is the measure of
 * SHARDS (Waldspurger et al., FAST'15, section 5): the mean over sizes of
 * |miss ratio - exact miss ratio|, here over every point of the reference
 * curve. The knee follows the "Kneedle" idea (Satopaa et al., ICDCS
 * workshops 2011): on axes normalised to [0, 1] (frames / last frames,
 * misses / largest misses), the point farthest below the chord from the
 * first to the last point. */
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

double vmm_mrc_misses_at(const vmm_mrc_t *c, double frames)
{
    if (!c->npoints || !(frames > 0))
        return (double)c->refs;
    uint32_t i = first_at_least(c, frames);
    if (i == c->npoints)
        return c->misses[c->npoints - 1];
    if ((double)c->frames[i] == frames)
        return c->misses[i];
    double x0 = i ? c->frames[i - 1] : 0, y0 = i ? c->misses[i - 1] : (double)c->refs;
    double x1 = c->frames[i], y1 = c->misses[i];
    return y0 + (y1 - y0) * (frames - x0) / (x1 - x0);
}

double vmm_mrc_ratio_at(const vmm_mrc_t *c, double frames)
{
    return c->refs ? vmm_mrc_misses_at(c, frames) / (double)c->refs : 0;
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

/* Smallest whole size in (x0, x1] whose interpolated misses are <= goal,
 * given misses(x0) > goal >= misses(x1). */
static uint32_t solve_segment(const vmm_mrc_t *c, double x0, double y0, uint32_t x1, double y1,
                              double goal)
{
    double x = x0 + (y0 - goal) / (y0 - y1) * ((double)x1 - x0);
    double f = ceil(x);
    if (f < x0 + 1)
        f = x0 + 1;
    if (f > x1)
        f = x1;
    /* Rounding can put the answer one off either way; settle it. */
    while (f > x0 + 1 && vmm_mrc_misses_at(c, f - 1) <= goal)
        f--;
    while (f < x1 && vmm_mrc_misses_at(c, f) > goal)
        f++;
    return (uint32_t)f;
}

uint32_t vmm_mrc_size_for_ratio(const vmm_mrc_t *c, double target)
{
    double goal = target * (double)c->refs;
    uint32_t i = 0;
    while (i < c->npoints && c->misses[i] > goal)
        i++;
    if (i == c->npoints)
        return UINT32_MAX;
    double x0 = i ? c->frames[i - 1] : 0, y0 = i ? c->misses[i - 1] : (double)c->refs;
    if (y0 <= goal)   /* i == 0 and even 0 frames meet the target */
        return 1;
    return solve_segment(c, x0, y0, c->frames[i], c->misses[i], goal);
}

/* Returns 0 when the curve has fewer than 3 points or no point lies below
 * its chord (a straight or concave curve has no knee). */
uint32_t vmm_mrc_knee(const vmm_mrc_t *c)
{
    uint32_t n = c->npoints;
    if (n < 3)
        return 0;
    double ymax = 0;
    for (uint32_t i = 0; i < n; i++)
        ymax = c->misses[i] > ymax ? c->misses[i] : ymax;
    if (!(ymax > 0))
        return 0;
    double xn = c->frames[n - 1];
    double x0 = c->frames[0] / xn, y0 = c->misses[0] / ymax, x1 = 1, y1 = c->misses[n - 1] / ymax;
    double best = 1e-12;
    uint32_t knee = 0;
    for (uint32_t i = 1; i + 1 < n; i++) {
        double x = c->frames[i] / xn, y = c->misses[i] / ymax;
        double below = y0 + (y1 - y0) * (x - x0) / (x1 - x0) - y;
        if (below > best) {
            best = below;
            knee = c->frames[i];
        }
    }
    return knee;
}
