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
 * Sizes are fixed before the first reference, so cfg->max_frames is
 * required. With cfg->step > 1 the sizes are step, 2*step, ..., max_frames;
 * step = 1 asks for every size (expensive: one mini-cache each); step = 0
 * gives MINI_POINTS sizes evenly spaced up to max_frames, enough for the
 * curve helpers to interpolate (parameter chosen: 64, a compromise
 * between resolution and the O(points) cost of each sampled reference).
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
} mini_state;

static void mini_fini(void *st)
{
    mini_state *s = st;
    for (uint32_t i = 0; s->pts && i < s->npts; i++)
        if (s->pts[i].ready)
            mem_fini(&s->pts[i].mem);
    vmm_free(s->pts);
    vmm_free(s->sizes);
    vmm_hm_fini(&s->ids);
    s->pts = NULL;
    s->sizes = NULL;
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
    if (!cfg->max_frames)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "mini: max_frames is required (the sizes to simulate are "
                           "fixed before the first reference)");
    return 0;
}

/* The emulated sizes (see the file comment). */
static int mini_sizes(mini_state *s, const vmm_mrc_cfg_t *cfg)
{
    uint32_t m = cfg->max_frames, n = 0;
    if (cfg->step || m <= MINI_POINTS) {
        vmm_mrc_t c;
        if (mrc_points(m, cfg->step, &c))
            return VMM_ENOMEM;
        s->sizes = c.frames;   /* keep the frames, drop the rest */
        vmm_free(c.misses);
        s->npts = c.npoints;
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
    rc = mini_sizes(s, cfg);
    if (!rc) {
        s->pts = vmm_calloc(s->npts, sizeof *s->pts);
        rc = s->pts ? 0 : VMM_ENOMEM;
    }
    for (uint32_t i = 0; !rc && i < s->npts; i++)
        rc = mini_pt_init(s, &s->pts[i], s->sizes[i], cfg, err);
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

static int mini_curve(void *st, vmm_mrc_t *out)
{
    mini_state *s = st;
    vmm_mrc_t c;
    if (vmm_mrc_alloc(&c, s->npts))
        return VMM_ENOMEM;
    c.refs = s->refs;
    c.distinct = s->npages / s->rate;
    for (uint32_t i = 0; i < s->npts; i++) {
        c.frames[i] = s->sizes[i];
        double m = (double)s->pts[i].misses / s->rate;
        c.misses[i] = m < (double)s->refs ? m : (double)s->refs;
    }
    *out = c;
    return 0;
}

/* Ours exactly; the policies' own arrays estimated (they are private). */
static size_t mini_mem(const void *st)
{
    const mini_state *s = st;
    size_t m = sizeof *s + s->npts * (sizeof *s->pts + sizeof *s->sizes) +
               s->ids.cap * (sizeof *s->ids.keys + sizeof *s->ids.vals);
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
    .access = mini_access,
    .curve = mini_curve,
    .mem_bytes = mini_mem,
};
