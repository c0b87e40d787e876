/* How far a sampled curve can be believed (mrc_int.h): its 95% band, the
 * smallest size it is trusted at, and a constant-memory count of distinct
 * pages. Shared by shards.c, mini.c and patent.c. Issue #9 item 4: sampled
 * curves once read 0.0024 at 1 frame where the exact miss ratio was 0.57,
 * and nothing said so.
 *
 * The band at a point of size c, for a curve M(.) built at sampling rate R:
 *
 *   delta = shift + z * sqrt(c * (1 - R) / R)      sideways, in frames
 *   s     = t * sqrt((1 - R) * v(c))               up and down, in misses
 *   lo    = M(c + delta) - s
 *   hi    = M(c - delta) + s + up(c)
 *
 * delta: of the c - 1 other pages referenced between a reference and the
 * previous one to its page, Binomial(c - 1, R) are sampled, so a scaled
 * distance 1 + (d - 1)/R stands for c within z standard deviations
 * sqrt(c (1 - R) / R) (z = 1.96); `shift` adds how far from c the size
 * is that mini's mini-cache really emulates. The curve is read sideways because an error in size is
 * what this is: where the curve is steep a small error in size is a large
 * one in miss ratio, where it is flat none. v(c): the random-groups variance
 * of M(c) (Wolter 2007, ch. 2): the sampled pages fall into MRC_GROUPS
 * groups by their hash, each group's misses times MRC_GROUPS estimates the
 * whole, v = sum (G m_g - M)^2 / (G (G - 1)), and 1 - R is the finite-
 * population factor of sampling pages at rate R (0 at R = 1: nothing was
 * left out). t = 2.131 is the 97.5% Student t for 15 degrees of freedom.
 * up(c): a builder's known one-sided error (the patent's temporal sampling
 * counts undetected references as hits).
 *
 * The SHARDS paper (Waldspurger et al., FAST'15) reports its error
 * empirically, as MAE against exact curves over many traces (section 5.2),
 * and notes that small rates give poor curves for traces with few pages;
 * these formulas make the same point per curve and per size, from the
 * sample itself. A point is trusted when delta <= 25% of c and s + up <=
 * 0.02 of miss ratio, from a sample of at least 32 pages (two per group);
 * min_trusted_frames is the smallest point from which every larger point
 * is trusted. Checked against exact curves in tests/unit/test_mrc.c. */
#include "mrc_int.h"
#include "util/alloc.h"
#include <math.h>
#include <string.h>

/* --- random groups ------------------------------------------------------- */

/* The distances bin b of mrc_gbin holds: [*lo, *hi]. */
static void gbin_range(unsigned b, double *lo, double *hi)
{
    if (b < 3) {
        *lo = *hi = b + 1;
        return;
    }
    unsigned e = 2 + (b - 3) / 4, sub = (b - 3) % 4;
    *lo = (double)((uint64_t)(4 + sub) << (e - 2));
    *hi = (double)((uint64_t)(5 + sub) << (e - 2)) - 1;
}

void mrc_groups_var(const mrc_groups_t *g, const vmm_mrc_t *c, double *var)
{
    static const double G = MRC_GROUPS;
    double cum[MRC_GROUPS][MRC_GBINS + 1], total[MRC_GROUPS];
    for (unsigned k = 0; k < MRC_GROUPS; k++) {
        cum[k][0] = 0;
        for (unsigned b = 0; b < MRC_GBINS; b++)
            cum[k][b + 1] = cum[k][b] + g->bin[k][b];
        total[k] = g->cold[k] + cum[k][MRC_GBINS];
    }
    for (uint32_t i = 0; i < c->npoints; i++) {
        double x = c->frames[i], lo, hi;
        unsigned b = mrc_gbin(c->frames[i]);
        gbin_range(b, &lo, &hi);
        double part = x >= hi ? 1 : (x - lo + 1) / (hi - lo + 1);
        double m[MRC_GROUPS], sum = 0, ss = 0;
        for (unsigned k = 0; k < MRC_GROUPS; k++) {
            m[k] = total[k] - (cum[k][b] + part * g->bin[k][b]);
            sum += m[k];
        }
        for (unsigned k = 0; k < MRC_GROUPS; k++)
            ss += (G * m[k] - sum) * (G * m[k] - sum);
        var[i] = ss / (G * (G - 1));
    }
}

/* --- the band and the trusted sizes --------------------------------------- */

static double clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* vmm_mrc_misses_at, searching from point *k (the first point >= x last
 * time): the sizes asked for move little from one point to the next, so a
 * curve's band costs O(points), not O(points log points). */
static double read_near(const vmm_mrc_t *c, double x, uint32_t *k)
{
    uint32_t n = c->npoints, i = *k < n ? *k : n;
    if (!(x > 0))
        return (double)c->refs;
    while (i > 0 && (double)c->frames[i - 1] >= x)
        i--;
    while (i < n && (double)c->frames[i] < x)
        i++;
    *k = i;
    if (i == n)
        return c->misses[n - 1];
    if ((double)c->frames[i] == x)
        return c->misses[i];
    double x0 = i ? c->frames[i - 1] : 0, y0 = i ? c->misses[i - 1] : (double)c->refs;
    return y0 + (c->misses[i] - y0) * (x - x0) / ((double)c->frames[i] - x0);
}

int mrc_trust(vmm_mrc_t *c, const mrc_trust_in_t *in)
{
    uint32_t n = c->npoints;
    double R = in->rate > 0 && in->rate < 1 ? in->rate : 1, N = (double)c->refs;
    double *lo = n ? vmm_malloc(n * sizeof *lo) : NULL, *hi = n ? vmm_malloc(n * sizeof *hi) : NULL;
    if (n && (!lo || !hi)) {
        vmm_free(lo);
        vmm_free(hi);
        return VMM_ENOMEM;
    }
    int enough = R >= 1 || in->pages >= MRC_MIN_PAGES, all_ok = 1, exact = 1;
    uint32_t from = VMM_MRC_NOWHERE, kl = n, kh = n;
    for (uint32_t i = n; i-- > 0;) {
        double x = c->frames[i];
        double side = (in->shift ? in->shift[i] : 0) + (R < 1 ? MRC_Z * sqrt(x * (1 - R) / R) : 0);
        double sd = in->var && R < 1 ? MRC_GROUPS_T * sqrt(fmax(0, in->var[i]) * (1 - R)) : 0;
        double up = in->up ? fmax(0, in->up[i]) : 0;
        double l = read_near(c, x + side, &kl) - sd, h = read_near(c, x - side, &kh) + sd + up;
        lo[i] = clamp(fmin(l, c->misses[i]), 0, N);
        hi[i] = clamp(fmax(h, c->misses[i]), 0, N);
        exact &= side == 0 && sd == 0 && up == 0;
        int ok = enough && side <= MRC_TRUST_SIZE_TOL * x && sd + up <= MRC_TRUST_RATIO_TOL * N;
        all_ok &= ok;
        if (all_ok)
            from = c->frames[i];
    }
    vmm_free(c->lo);
    vmm_free(c->hi);
    c->lo = exact ? (vmm_free(lo), NULL) : lo;
    c->hi = exact ? (vmm_free(hi), NULL) : hi;
    c->rate = R;
    c->sample_pages = in->pages;
    c->sample_refs = in->refs;
    /* an exact curve is trusted everywhere, a sampled one from the point
     * its trust begins (below its first point nothing was measured) */
    c->min_trusted_frames = n && exact && enough ? 1 : from;
    return 0;
}

/* --- distinct pages: k minimum values ------------------------------------- */

int mrc_kmv_init(mrc_kmv_t *k)
{
    memset(k, 0, sizeof *k);
    for (unsigned i = 0; i < MRC_KMV_RECENT; i++)
        k->recent[i] = UINT64_MAX;   /* never a hash (mrc_kmv_add) */
    k->heap = vmm_malloc(MRC_KMV_K * sizeof *k->heap);
    if (!k->heap || vmm_hm_init(&k->set, MRC_KMV_K + 1)) {
        mrc_kmv_fini(k);
        return VMM_ENOMEM;
    }
    return 0;
}

void mrc_kmv_fini(mrc_kmv_t *k)
{
    vmm_free(k->heap);
    vmm_hm_fini(&k->set);
    memset(k, 0, sizeof *k);
}

/* The map was sized for K + 1 keys at init and never holds more than K,
 * so neither put nor del allocates. */
void mrc_kmv_insert(mrc_kmv_t *k, uint64_t h)
{
    if (vmm_hm_get(&k->set, h) != VMM_HM_NONE)
        return;
    uint64_t *a = k->heap;
    uint32_t i;
    if (k->n < MRC_KMV_K) {
        i = k->n++;
        while (i && a[(i - 1) / 2] < h) {
            a[i] = a[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        a[i] = h;
    } else {
        vmm_hm_del(&k->set, a[0]);
        i = 0;
        for (;;) {
            uint32_t l = 2 * i + 1, r = l + 1, m = i;
            uint64_t big = h;
            if (l < k->n && a[l] > big)
                big = a[m = l];
            if (r < k->n && a[r] > big)
                m = r;
            if (m == i)
                break;
            a[i] = a[m];
            i = m;
        }
        a[i] = h;
    }
    (void)vmm_hm_put(&k->set, h, 0);
}

double mrc_kmv_estimate(const mrc_kmv_t *k)
{
    if (k->n < MRC_KMV_K)
        return k->n;
    return (MRC_KMV_K - 1) / ldexp((double)k->heap[0] + 1, -64);
}

size_t mrc_kmv_mem(const mrc_kmv_t *k)
{
    return (k->heap ? MRC_KMV_K * sizeof *k->heap : 0) +
           k->set.cap * (sizeof *k->set.keys + sizeof *k->set.vals);
}
