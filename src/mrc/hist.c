/* Distance histograms and curve construction shared by the exact and SHARDS
 * builders (mrc_int.h).
 *
 * With c frames an LRU cache hits a reference iff its stack distance is
 * <= c (Mattson et al. 1970: LRU is a stack algorithm, the c most recent
 * distinct pages are exactly its contents); first references always miss.
 * So misses(c) = refs - (weight of distances <= c). SHARDS (Waldspurger et
 * al., FAST'15) keeps such a histogram in fixed-width bins and, in its
 * fixed-size mode, coarsens it so memory stays bounded; we do the same by
 * doubling the bin width and merging neighbours when a distance falls past
 * the last bin. Within a bin of width w > 1 the weight is taken as spread
 * evenly, so sizes between bin edges interpolate linearly. */
#include "mrc_int.h"
#include "util/alloc.h"
#include <string.h>

int mrc_cfg_rate(const vmm_mrc_cfg_t *cfg, double dflt, double *rate, vmm_err_t *err)
{
    double r = cfg->rate == 0 ? dflt : cfg->rate;
    if (!(r > 0 && r <= 1))   /* also rejects NaN */
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "sampling rate must be in (0, 1], got %g", cfg->rate);
    *rate = r;
    return 0;
}

void mrc_hist_init(mrc_hist_t *h, uint32_t maxbins, uint64_t limit)
{
    memset(h, 0, sizeof *h);
    h->maxbins = maxbins;
    h->limit = limit;
    h->width = 1;
}

void mrc_hist_fini(mrc_hist_t *h)
{
    vmm_free(h->bin);
    h->bin = NULL;
    h->cap = h->nb = 0;
}

int mrc_hist_reserve(mrc_hist_t *h, uint64_t fmax)
{
    if (h->limit && fmax > h->limit)
        fmax = h->limit;
    uint64_t need = fmax ? (fmax - 1) / h->width + 1 : 0;
    if (h->maxbins && need > h->maxbins)
        need = h->maxbins;   /* merging makes room without allocating */
    if (need <= h->cap)
        return 0;
    return vmm_grow(&h->bin, &h->cap, need, sizeof *h->bin);
}

void mrc_hist_merge(mrc_hist_t *h, uint64_t f)
{
    while (((f - 1) >> h->shift) >= h->maxbins) {
        uint32_t nb = (h->nb + 1) / 2;
        for (uint32_t i = 0; i < nb; i++)
            h->bin[i] = h->bin[2 * i] + (2 * i + 1 < h->nb ? h->bin[2 * i + 1] : 0);
        memset(h->bin + nb, 0, (h->nb - nb) * sizeof *h->bin);
        h->nb = nb;
        h->width *= 2;
        h->shift++;
    }
}

size_t mrc_hist_mem(const mrc_hist_t *h) { return h->cap * sizeof *h->bin; }

int mrc_points(uint64_t dmax, uint32_t step, vmm_mrc_t *out)
{
    if (dmax > UINT32_MAX)
        dmax = UINT32_MAX;
    uint64_t s = step > 1 ? step : 1;
    uint32_t n = (uint32_t)(dmax / s + (dmax % s ? 1 : 0));
    int rc = vmm_mrc_alloc(out, n);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < n; i++)
        out->frames[i] = (uint32_t)((uint64_t)(i + 1) * s > dmax ? dmax : (uint64_t)(i + 1) * s);
    return 0;
}

/* Weight of bin i, with the SHARDS_adj correction in the first. */
static double bin_weight(const mrc_hist_t *h, uint64_t i, double adj)
{
    return (i < h->nb ? h->bin[i] : 0) + (i == 0 ? adj : 0);
}

int mrc_hist_curve(const mrc_hist_t *h, uint64_t refs, double adj, uint64_t dmax,
                   uint32_t step, vmm_mrc_t *out)
{
    vmm_mrc_t c;
    int rc = mrc_points(dmax, step, &c);
    if (rc)
        return rc;
    c.refs = refs;
    c.distinct = h->cold;
    double cum = 0, total = (double)refs;
    uint64_t full = 0, last = h->nb ? h->nb : 1;   /* bins summed into cum */
    for (uint32_t k = 0; k < c.npoints; k++) {
        uint64_t f = c.frames[k], whole = f / h->width;
        for (; full < whole && full < last; full++)
            cum += bin_weight(h, full, adj);
        double part = 0;
        if (f % h->width && whole < last)
            part = bin_weight(h, whole, adj) * (double)(f % h->width) / (double)h->width;
        double m = total - (cum + part);
        c.misses[k] = m < 0 ? 0 : m > total ? total : m;
    }
    *out = c;
    return 0;
}
