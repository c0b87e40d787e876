/* Miniature-simulation MRC builder ("mini"): Waldspurger, Saemundsson,
 * Ahmad and Park, "Cache Modeling and Optimization using Miniature
 * Simulations", USENIX ATC'17. Issue #3 item 4.
 *
 * To emulate a cache of C frames under any replacement policy, simulate a
 * cache of max(1, round(R*C)) frames with that policy on the references to
 * pages sampled at rate R (the same hash sampling as SHARDS fixed rate,
 * mrc_int.h): the sample keeps 1/R of the pages and each has all its
 * references, so the small cache sees the big one's behaviour in
 * miniature. One mini-cache per point of the curve; each sampled reference
 * costs O(points) policy calls, unsampled ones a hash.
 *
 * The policy comes from the registry (cfg->policy, default "lru";
 * cfg->params its parameters). Each mini-cache is a domain of the memory
 * layer (src/mem: its own frames, no tiers below, page records without
 * mappings), so a miss is the same mem_fault() as in `vmmsim sim` and
 * `vmmsim run`: a free frame or the policy's victim, then on_insert, a
 * VMM_POLICY_BYPASS leaving the frame free. Pages get dense ids at first
 * sight, the same in every mini-cache; `now` counts sampled references,
 * since the sampled stream is the trace the mini-cache sees. Policies that need the
 * future (VMM_POLICY_FUTURE: opt) are refused: that would need a first pass
 * over the sampled stream, which an online builder does not have.
 *
 * Sizes. With cfg->max_frames the sizes are fixed before the first
 * reference: with cfg->step > 1 they are step, 2*step, ..., max_frames;
 * step = 1 asks for every size (expensive: one mini-cache each); step = 0
 * gives MINI_POINTS sizes evenly spaced up to max_frames, enough for the
 * curve helpers to interpolate (parameter chosen: 64, a compromise
 * between resolution and the O(points) cost of each sampled reference).
 * Inside a VM the VM's memory is the natural max_frames (the caller's).
 *
 * Without max_frames (issue #9 item 5: it used to be required, so the
 * default could never work) the sizes grow with the pages: they start at
 * MINI_POINTS sizes a sampled page apart (g = 1/R frames: mini-caches of
 * 1..64 frames), and whenever the largest mini-cache is full, before it
 * would evict, mini_grow adds sizes up to twice the largest (32 more at
 * step 0, step-multiples otherwise). A cache of F frames that has never
 * been full has missed exactly once per sampled page and holds every one
 * of them, whatever the policy, so a new cache larger than the sampled
 * pages can join late: it starts with misses = sampled pages and is filled
 * by re-inserting the pages in order of last use. That is the LRU state
 * exactly; for other policies the order kept by frequency or insertion
 * (FIFO, Clock's bits, ARC's lists) is lost for the pages seen so far,
 * which only shifts when some of them are evicted later. Points thus grow
 * as 64 + 32 log2(sampled pages / 64): O(log n) work per sampled
 * reference. The curve stops at the first size holding every page.
 *
 * Distinct pages are counted by a k-minimum-values sketch (mrc_int.h),
 * exact up to 2048 pages: the scaled count of sampled pages, npages / R,
 * is only an estimate, and a poor one on small traces (2 sampled pages of
 * 246 at R = 0.01 read as 200). The band and the smallest trusted size
 * come from trust.c: sideways, the size a mini-cache emulates, f/R frames
 * for f = max(1, round(R*C)), is not C (at R = 0.01 one frame stands for
 * every size below 150), plus the spread of sampled pages within C; up and
 * down, each point's misses are kept per hash group (random groups) by
 * mini_ref, which compares each point's miss count before and after a
 * sampled reference.
 *
 * A size's miss count is the mini-cache's misses scaled by 1/R (capped at
 * all references). We also tried the mini-cache's own miss ratio times all
 * references, which normalises by the sampled references seen; on the
 * CloudPhysics trace, where 43% of references are first references, it was
 * about twice as far off on average (docs/mrc.md), as the plain scaled
 * count estimates cold misses directly, like SHARDS with SHARDS_adj. */
#include "mrc_int.h"
#include "mem/mem.h"
#include "vmmsim/policy.h"
#include "util/alloc.h"
#include <string.h>

#define MINI_DEFAULT_RATE 0.01
#define MINI_POINTS 64
#define MINI_POLICY_FRAME_BYTES 16   /* estimate of a policy's per-frame arrays */

typedef struct mini_pt {
    mem_t mem;             /* one domain of `frames` frames, no tiers */
    int ready;             /* mem set up */
    uint32_t frames;       /* mini-cache size: max(1, round(R * C)) */
    uint64_t misses;
} mini_pt;

typedef struct mini_state {
    const vmm_policy_ops *ops;
    mini_pt *pts;
    uint32_t *sizes;       /* emulated size C of each point, ascending */
    uint32_t npts;
    vmm_hashmap_t ids;     /* sampled key -> dense page id */
    uint32_t npages;
    uint64_t seed, lim;
    double rate;
    uint64_t refs, srefs;  /* all references; sampled ones */
    vmm_mrc_cfg_t cfg;     /* for sizes added later (params must outlive the builder) */
    int grow;              /* no max_frames: sizes grow with the pages (mini_grow) */
    size_t pts_cap, sizes_cap, seen_cap, gmiss_cap;
    uint64_t *seen;        /* per point: its misses after the last sampled reference */
    double (*gmiss)[MRC_GROUPS];   /* per point: its misses by hash group */
    uint64_t gpages[MRC_GROUPS];   /* sampled pages by hash group */
    uint64_t *key_of;      /* page id -> key, to re-insert pages into new sizes */
    uint64_t *last;        /* page id -> sampled references when last referenced */
    size_t key_cap, last_cap;
    mrc_kmv_t kmv;         /* distinct pages of the whole stream */
} mini_state;

static void mini_fini(void *st)
{
    mini_state *s = st;
    for (uint32_t i = 0; s->pts && i < s->npts; i++)
        if (s->pts[i].ready)
            mem_fini(&s->pts[i].mem);
    vmm_free(s->pts);
    vmm_free(s->sizes);
    vmm_free(s->seen);
    vmm_free(s->gmiss);
    vmm_free(s->key_of);
    vmm_free(s->last);
    vmm_hm_fini(&s->ids);
    mrc_kmv_fini(&s->kmv);
    s->pts = NULL;
    s->sizes = NULL;
    s->seen = NULL;
    s->gmiss = NULL;
    s->key_of = s->last = NULL;
}

static int mini_check(const vmm_mrc_cfg_t *cfg, const vmm_policy_ops **ops, vmm_err_t *err)
{
    const char *name = cfg->policy ? cfg->policy : "lru";
    *ops = vmm_policy_find(name);
    if (!*ops)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "mini: unknown policy '%s'", name);
    if ((*ops)->flags & VMM_POLICY_FUTURE)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "mini: policy %s needs future references, which a sampled "
                           "online stream cannot give; not supported",
                           (*ops)->name);
    return 0;
}

/* Sizes a sampled page apart: the spacing of the first sizes when they
 * grow (max(1, round(1/R)) frames). */
static uint32_t mini_gap(const mini_state *s)
{
    double g = 1 / s->rate;
    return g < 1.5 ? 1 : g > (double)UINT32_MAX / (2 * MINI_POINTS) ? UINT32_MAX / (2 * MINI_POINTS)
                                                                    : (uint32_t)llround(g);
}

/* The emulated sizes (see the file comment): up to max_frames, or, when
 * the sizes grow, MINI_POINTS spacings of mini_gap (or of the step). */
static int mini_sizes(mini_state *s, const vmm_mrc_cfg_t *cfg)
{
    uint32_t m = cfg->max_frames, n = 0, step = cfg->step;
    if (!m) {
        step = step ? step : mini_gap(s);
        uint64_t top = (uint64_t)MINI_POINTS * step;
        m = top > UINT32_MAX ? UINT32_MAX : (uint32_t)top;
    }
    if (step || m <= MINI_POINTS) {
        vmm_mrc_t c;
        if (mrc_points(m, step, &c))
            return VMM_ENOMEM;
        s->sizes = c.frames;   /* keep the frames, drop the rest */
        vmm_free(c.misses);
        s->npts = s->sizes_cap = c.npoints;
        return 0;
    }
    s->sizes = vmm_malloc(MINI_POINTS * sizeof *s->sizes);
    if (!s->sizes)
        return VMM_ENOMEM;
    for (uint32_t i = 1; i <= MINI_POINTS; i++) {
        uint32_t c = (uint32_t)(((uint64_t)m * i + MINI_POINTS / 2) / MINI_POINTS);
        if (c && (!n || c > s->sizes[n - 1]))
            s->sizes[n++] = c;
    }
    s->npts = n;
    s->sizes_cap = MINI_POINTS;
    return 0;
}

static int mini_pt_init(mini_state *s, mini_pt *p, uint32_t size, const vmm_mrc_cfg_t *cfg,
                        vmm_err_t *err)
{
    double f = (double)size * s->rate;
    p->frames = f < 1.5 ? 1 : (uint32_t)llround(f);
    mem_cfg_t mc = {.nframes = p->frames, .nnodes = 1, .ndomains = 1};
    p->ready = 1;
    if (mem_init(&p->mem, &mc))
        return VMM_ENOMEM;
    return mem_domain_init(&p->mem, 0, s->ops, cfg->params, cfg->seed, p->frames, err);
}

static int mini_init(void *st, const vmm_mrc_cfg_t *cfg, vmm_err_t *err)
{
    mini_state *s = st;
    int rc = mrc_cfg_rate(cfg, MINI_DEFAULT_RATE, &s->rate, err);
    if (!rc)
        rc = mini_check(cfg, &s->ops, err);
    if (rc)
        return rc;
    s->seed = cfg->seed;
    s->lim = mrc_rate_limit(s->rate);
    s->cfg = *cfg;
    s->grow = !cfg->max_frames;
    rc = mini_sizes(s, cfg);
    if (!rc) {
        s->pts = vmm_calloc(s->npts, sizeof *s->pts);
        s->seen = vmm_calloc(s->npts, sizeof *s->seen);
        s->gmiss = vmm_calloc(s->npts, sizeof *s->gmiss);
        rc = s->pts && s->seen && s->gmiss ? 0 : VMM_ENOMEM;
        s->pts_cap = s->seen_cap = s->gmiss_cap = s->npts;
    }
    for (uint32_t i = 0; !rc && i < s->npts; i++)
        rc = mini_pt_init(s, &s->pts[i], s->sizes[i], cfg, err);
    if (!rc)
        rc = mrc_kmv_init(&s->kmv);
    if (rc)
        mini_fini(s);
    return rc;
}

/* First sight of a sampled page: its id in every point (the same one:
 * every point sees the same pages in the same order). */
static int mini_new_page(mini_state *s, uint64_t key, uint32_t *id)
{
    for (uint32_t i = 0; i < s->npts; i++) {
        uint32_t pid;
        if (mem_new_page(&s->pts[i].mem, &pid))
            return VMM_ENOMEM;
    }
    if (vmm_hm_put(&s->ids, key, s->npages))
        return VMM_ENOMEM;
    *id = s->npages++;
    return 0;
}

/* One sampled reference through one mini-cache: the data path's hit or
 * fault, without translation. */
static int mini_step(mini_pt *p, vmm_pref_t r)
{
    mem_domain_t *dm = &p->mem.doms[0];
    r.frame = p->mem.pg[r.page].frame;
    if (r.frame != VMM_NOFRAME) {
        dm->pol.ops->on_hit(dm->pol.st, &r);
        return 0;
    }
    p->misses++;
    double t = 0;
    return mem_fault(&p->mem, 0, &r, 0, &p->mem.scratch, &t);
}

static int mini_access(void *st, uint64_t key)
{
    mini_state *s = st;
    if (mrc_hash(key, s->seed) > s->lim) {
        s->refs++;
        return 0;
    }
    uint32_t id = vmm_hm_get(&s->ids, key);
    if (id == VMM_HM_NONE) {
        int rc = mini_new_page(s, key, &id);
        if (rc)
            return rc;
    }
    vmm_pref_t r = {.key = key, .now = s->srefs, .next_use = VMM_NEVER, .page = id};
    for (uint32_t i = 0; i < s->npts; i++) {
        int rc = mini_step(&s->pts[i], r);
        if (rc)
            return rc;
    }
    s->refs++;
    s->srefs++;
    return 0;
}

/* --- growing the sizes (no max_frames) ---------------------------------- */

typedef struct mini_use {
    uint64_t last;
    uint32_t id;
} mini_use;

static int mini_use_cmp(const void *a, const void *b)
{
    uint64_t x = ((const mini_use *)a)->last, y = ((const mini_use *)b)->last;
    return x < y ? -1 : x > y;
}

/* A new point p of `size` frames, larger than the sampled pages, as if it
 * had been there from the start (see the file comment): every page, in
 * order of last use. `order` lists the pages so. */
static int mini_pt_warm(mini_state *s, mini_pt *p, uint32_t size, const mini_use *order,
                        vmm_err_t *err)
{
    int rc = mini_pt_init(s, p, size, &s->cfg, err);
    for (uint32_t k = 0; !rc && k < s->npages; k++) {
        uint32_t pid;   /* the same ids as every other point's */
        if (mem_new_page(&p->mem, &pid))
            rc = VMM_ENOMEM;
    }
    for (uint32_t k = 0; !rc && k < s->npages; k++) {
        uint32_t id = order[k].id;
        vmm_pref_t r = {.key = s->key_of[id], .now = order[k].last ? order[k].last - 1 : 0,
                        .next_use = VMM_NEVER, .page = id};
        rc = mini_step(p, r);
    }
    p->misses = s->npages;
    return rc;
}

static void mini_pt_free(mini_pt *p)
{
    if (p->ready)
        mem_fini(&p->mem);
    memset(p, 0, sizeof *p);
}

/* The largest mini-cache is full: add sizes up to twice the largest, all
 * or nothing (on VMM_ENOMEM the builder is as it was). */
static int mini_grow(mini_state *s)
{
    uint32_t top = s->sizes[s->npts - 1], add = 0;
    if (top == UINT32_MAX)
        return 0;
    uint64_t want = 2 * (uint64_t)top, gap = s->cfg.step > 1 ? s->cfg.step : 1;
    if (s->cfg.step == 0)   /* MINI_POINTS / 2 more, evenly spaced */
        gap = (top + MINI_POINTS / 2 - 1) / (MINI_POINTS / 2);
    if (want > UINT32_MAX)
        want = UINT32_MAX;
    add = (uint32_t)((want - top + gap - 1) / gap);
    size_t need = (size_t)s->npts + add;
    if (vmm_grow(&s->pts, &s->pts_cap, need, sizeof *s->pts) ||
        vmm_grow(&s->sizes, &s->sizes_cap, need, sizeof *s->sizes) ||
        vmm_grow(&s->seen, &s->seen_cap, need, sizeof *s->seen) ||
        vmm_grow(&s->gmiss, &s->gmiss_cap, need, sizeof *s->gmiss))
        return VMM_ENOMEM;
    mini_use *order = s->npages ? vmm_malloc(s->npages * sizeof *order) : NULL;
    if (s->npages && !order)
        return VMM_ENOMEM;
    for (uint32_t id = 0; id < s->npages; id++)
        order[id] = (mini_use){.last = s->last[id], .id = id};
    qsort(order, s->npages, sizeof *order, mini_use_cmp);
    int rc = 0;
    uint32_t k = 0;
    for (; !rc && k < add; k++) {
        uint64_t size = top + (k + 1) * gap;
        uint32_t i = s->npts + k;
        s->sizes[i] = size > want ? (uint32_t)want : (uint32_t)size;
        rc = mini_pt_warm(s, &s->pts[i], s->sizes[i], order, NULL);
        s->seen[i] = s->pts[i].misses;
        for (unsigned g = 0; g < MRC_GROUPS; g++)
            s->gmiss[i][g] = (double)s->gpages[g];
    }
    vmm_free(order);
    if (rc) {
        for (uint32_t j = 0; j < k; j++)
            mini_pt_free(&s->pts[s->npts + j]);
        return rc;
    }
    s->npts += add;
    return 0;
}

/* One reference (the builder's access op): mini_access, with room made
 * first for what the bookkeeping below needs, so a failure changes
 * nothing; then, for a sampled reference, each point's new miss goes to
 * the page's hash group, and the page's last use is noted. Sizes grow
 * before a reference that could make the largest cache evict. */
static int mini_ref(void *st, uint64_t key)
{
    mini_state *s = st;
    int rc = 0;
    if (s->grow && s->npages >= s->pts[s->npts - 1].frames)
        rc = mini_grow(s);
    size_t need = (size_t)s->npages + 1;
    if (!rc && (need > s->key_cap || need > s->last_cap) &&
        (vmm_grow(&s->key_of, &s->key_cap, need, sizeof *s->key_of) ||
         vmm_grow(&s->last, &s->last_cap, need, sizeof *s->last)))
        rc = VMM_ENOMEM;
    uint64_t before = s->srefs;
    uint32_t pages = s->npages;
    if (!rc)
        rc = mini_access(s, key);
    if (rc)
        return rc;
    mrc_kmv_add(&s->kmv, vmm_hash64(key ^ 0x5bd1e9955bd1e995ull));
    if (s->srefs == before)
        return 0;
    unsigned g = mrc_group_of(mrc_hash(key, s->seed));
    uint32_t id = pages < s->npages ? pages : vmm_hm_get(&s->ids, key);
    if (pages < s->npages) {
        s->key_of[id] = key;
        s->gpages[g]++;
    }
    s->last[id] = s->srefs;
    for (uint32_t i = 0; i < s->npts; i++) {
        uint64_t m = s->pts[i].misses;
        s->gmiss[i][g] += (double)(m - s->seen[i]);
        s->seen[i] = m;
    }
    return 0;
}

static int mini_curve(void *st, vmm_mrc_t *out)
{
    mini_state *s = st;
    double R = s->rate, distinct = R >= 1 ? s->npages : mrc_kmv_estimate(&s->kmv);
    uint32_t n = s->npts;
    if (s->grow)   /* up to the first size that holds every page */
        for (n = 0; n < s->npts && (!n || (double)s->sizes[n - 1] < distinct); n++)
            ;
    vmm_mrc_t c;
    if (vmm_mrc_alloc(&c, n))
        return VMM_ENOMEM;
    c.refs = s->refs;
    c.distinct = distinct;
    if (!s->grow && (double)s->cfg.max_frames + 0.5 < distinct)
        c.flags |= VMM_MRC_CUT;
    double *var = n ? vmm_malloc(n * sizeof *var) : NULL;
    double *shift = n ? vmm_malloc(n * sizeof *shift) : NULL;
    if (n && (!var || !shift)) {
        vmm_free(var);
        vmm_free(shift);
        vmm_mrc_free(&c);
        return VMM_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        c.frames[i] = s->sizes[i];
        double m = (double)s->pts[i].misses / R, sum = 0, G = MRC_GROUPS;
        c.misses[i] = m < (double)s->refs ? m : (double)s->refs;
        for (unsigned g = 0; g < MRC_GROUPS; g++) {
            double d = G * s->gmiss[i][g] / R - m;
            sum += d * d;
        }
        var[i] = sum / (G * (G - 1));
        shift[i] = fabs((double)s->pts[i].frames / R - (double)s->sizes[i]);
    }
    mrc_trust_in_t in = {.rate = R, .var = var, .shift = shift, .pages = s->npages,
                         .refs = s->srefs};
    int rc = mrc_trust(&c, &in);
    vmm_free(var);
    vmm_free(shift);
    if (rc) {
        vmm_mrc_free(&c);
        return rc;
    }
    *out = c;
    return 0;
}

/* Ours exactly; the policies' own arrays estimated (they are private). */
static size_t mini_mem(const void *st)
{
    const mini_state *s = st;
    size_t m = sizeof *s + s->pts_cap * sizeof *s->pts + s->sizes_cap * sizeof *s->sizes +
               s->seen_cap * sizeof *s->seen + s->gmiss_cap * sizeof *s->gmiss +
               s->key_cap * sizeof *s->key_of + s->last_cap * sizeof *s->last +
               s->ids.cap * (sizeof *s->ids.keys + sizeof *s->ids.vals) + mrc_kmv_mem(&s->kmv);
    for (uint32_t i = 0; s->pts && i < s->npts; i++) {
        const mini_pt *p = &s->pts[i];
        m += p->mem.page_cap * sizeof *p->mem.pg + p->frames * MEM_FRAME_BYTES +
             s->ops->state_size + (size_t)p->frames * MINI_POLICY_FRAME_BYTES;
    }
    return m;
}

const vmm_mrc_ops vmm_mrc_mini = {
    .name = "mini",
    .summary = "miniature simulation (ATC'17): any policy's curve from a sampled stream",
    .state_size = sizeof(mini_state),
    .init = mini_init,
    .fini = mini_fini,
    .access = mini_ref,
    .curve = mini_curve,
    .mem_bytes = mini_mem,
};
