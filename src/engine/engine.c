/* The simulation engine: address spaces, frames, faults and accounting.
 *
 * For each page reference: probe the TLB (tagged by address space); on a
 * miss walk the address space's page table (charging each walk reference);
 * a page seen for the first time gets a dense page id; a page not in a
 * frame faults (minor on first touch, major when its contents come back
 * from swap), takes a free frame or asks the policy for a victim, and the
 * victim's page is unmapped (TLB shootdown) and written to swap if dirty.
 *
 * Invariants: pages[p].frame == f  <=>  frame_page[f] == p; a TLB entry
 * exists only for a resident page (evictions invalidate it); the policy
 * knows exactly the frames in use. Memory grows with pages touched (per-page
 * arrays) and frames, never with trace length, except for the OPT prepass.
 *
 * Faults: the first touch of a page is a minor fault (a frame is
 * allocated and zeroed); a page that has been in memory before comes back
 * with a major fault (swap-in, or a re-read from its backing file: a trace
 * does not say which pages are file-backed, so both count as swap-ins).
 * Evicting a dirty page writes it to swap; a page that has ever been
 * written holds a swap slot from its first write-out on, which is what the
 * swap capacity limits.
 *
 * The MRC sampler of US 9,223,722 (docs/mrc-patent.md) hooks in at three
 * places, all off the TLB-hit path: the first touch of a page (spatial
 * selection by hash), the page walk (a selected page whose trace is
 * installed — PG_TRACED, a cleared present bit in claims 3-4's terms —
 * takes a trace fault into the VMM, FIG. 4; in scan mode the walk sets the
 * page's accessed bit instead), and the start of a reference once the
 * address space's simulated clock passes the next period end (FIG. 5:
 * re-install due traces, or scan accessed bits). Installing a trace
 * invalidates the page's TLB entry, so its next access must walk. */
#include "engine_int.h"
#include "mrc/patent.h"
#include "util/alloc.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

enum {
    PG_LOADED = 1,    /* has been in a frame before: the next fault is major */
    PG_WRITTEN = 2,   /* has been written: needs a swap slot once evicted */
    PG_SWAPPED = 4,   /* holds a swap slot */
    PG_SAMPLED = 8,   /* selected by the MRC sampler */
    PG_TRACED = 16,   /* sampler trace installed: the next walk faults into the VMM */
    PG_ACCESSED = 32, /* scan mode: accessed bit, set by a walk of a sampled page */
};

void vmm_config_default(vmm_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->page_size = 4096;
    cfg->frames = 16384;
    cfg->va_bits = 0;    /* the page table's own width (48 for radix4) */
    cfg->policy = "clock";
    cfg->pt_type = "radix4";
    cfg->tlb = (vmm_tlb_cfg_t){.entries = 64, .ways = 4, .policy = VMM_TLB_LRU};
    cfg->lat = (vmm_latency_t){.tlb_ns = 1, .mem_ns = 100, .minor_fault_ns = 1000,
                               .major_fault_ns = 1000000, .swap_out_ns = 0,
                               .trace_fault_ns = 2000, .retrace_ns = 500,
                               .scan_page_ns = 50};
    cfg->sampler = (vmm_sampler_cfg_t){.mode = VMM_SAMPLER_OFF, .pages = 1024, .chunks = 0,
                                       .period_ns = 1e8};
    cfg->seed = 1;
}

static int check_sampler(const vmm_sampler_cfg_t *s, vmm_err_t *err)
{
    if (s->mode != VMM_SAMPLER_OFF && s->mode != VMM_SAMPLER_FAULT && s->mode != VMM_SAMPLER_SCAN)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "sampler mode %d: expected off, fault or scan", s->mode);
    if (!(s->period_ns >= 0) || !isfinite(s->period_ns))
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "sampler period: expected a finite time >= 0");
    if (s->mode == VMM_SAMPLER_SCAN && s->pages && s->period_ns <= 0)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "sampler mode scan needs a period > 0");
    if (s->pages > (1u << 26))
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "sampler pages %u: at most 2^26 (a sample, not a full LRU)", s->pages);
    if (s->pages && s->chunks > s->pages)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "sampler chunks %u: at most the %u sampled pages", s->chunks, s->pages);
    return 0;
}

static int check_config(const vmm_config_t *c, vmm_err_t *err)
{
    if (c->page_size < 512 || (c->page_size & (c->page_size - 1)))
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "page size %u: expected a power of two >= 512", c->page_size);
    if (!c->frames)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "frames: expected at least 1");
    if (c->frames >= VMM_NOFRAME)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "frames: at most %u", VMM_NOFRAME - 1);
    unsigned shift = (unsigned)__builtin_ctz(c->page_size);
    if (c->va_bits && (c->va_bits < 20 || c->va_bits - shift > 52))
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "va_bits %u: expected 20..%u for %u-byte pages", c->va_bits,
                           52 + shift, c->page_size);
    const vmm_latency_t *l = &c->lat;
    if (l->tlb_ns < 0 || l->mem_ns < 0 || l->minor_fault_ns < 0 || l->major_fault_ns < 0 ||
        l->swap_out_ns < 0 || l->trace_fault_ns < 0 || l->retrace_ns < 0 || l->scan_page_ns < 0)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "latencies must not be negative");
    return check_sampler(&c->sampler, err);
}

static vmm_pt_cfg_t pt_cfg(const vmm_config_t *c)
{
    return (vmm_pt_cfg_t){.page_shift = (unsigned)__builtin_ctz(c->page_size),
                          .va_bits = c->va_bits, .nframes = c->frames};
}

/* Build one page table to see that the kind accepts the geometry, so a bad
 * combination is reported now rather than at the first reference. */
static int check_pt(const vmm_pt_ops *ops, const vmm_config_t *c, vmm_err_t *err)
{
    void *st = vmm_calloc(1, ops->state_size);
    if (!st)
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    vmm_pt_cfg_t pc = pt_cfg(c);
    int rc = ops->init(st, &pc);
    if (!rc)
        ops->fini(st);
    vmm_free(st);
    if (rc == VMM_ENOMEM)
        return vmm_err_set(err, rc, NULL, 0, -1, "out of memory");
    if (rc)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "page table %s cannot map a %u-bit virtual space with %u-byte pages",
                           ops->name, c->va_bits, c->page_size);
    return 0;
}

static int alloc_frames(vmm_t *m)
{
    uint32_t n = m->nframes;
    m->frame_page = vmm_malloc((size_t)n * sizeof *m->frame_page);
    m->frame_dirty = vmm_calloc(n, 1);
    m->free_list = vmm_malloc((size_t)n * sizeof *m->free_list);
    if (!m->frame_page || !m->frame_dirty || !m->free_list)
        return VMM_ENOMEM;
    for (uint32_t f = 0; f < n; f++) {
        m->frame_page[f] = VMM_NOFRAME;
        m->free_list[f] = n - 1 - f;   /* frames are handed out 0, 1, 2, ... */
    }
    m->nfree = n;
    return 0;
}

/* C defaults to sqrt(S): a trace fault walks one chunk (S/C pages) and
 * rebalances up to C chunk tails, so sqrt(S) minimises the sum. */
static int sampler_init(vmm_t *m, vmm_err_t *err)
{
    const vmm_sampler_cfg_t *s = &m->cfg.sampler;
    if (s->mode == VMM_SAMPLER_OFF || !s->pages)
        return 0;
    m->smp_on = 1;
    m->smp_chunks = s->chunks ? s->chunks : (uint32_t)lround(sqrt((double)s->pages));
    if (!m->smp_chunks)
        m->smp_chunks = 1;
    m->smp_salt = vmm_hash64(m->cfg.seed ^ 0x5851f42d4c957f2dULL);
    if (vmm_patent_create(s->pages, m->smp_chunks, &m->gsmp))
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    return 0;
}

int vmm_create(const vmm_config_t *cfg, vmm_t **out, vmm_err_t *err)
{
    *out = NULL;
    int rc = check_config(cfg, err);
    if (rc)
        return rc;
    const vmm_policy_ops *pops = vmm_policy_find(cfg->policy);
    if (!pops)
        return vmm_err_set(err, VMM_ENOENT, NULL, 0, -1, "unknown policy '%s'", cfg->policy);
    const vmm_pt_ops *ptops = vmm_pt_find(cfg->pt_type);
    if (!ptops)
        return vmm_err_set(err, VMM_ENOENT, NULL, 0, -1, "unknown page-table type '%s'",
                           cfg->pt_type);
    if ((rc = check_pt(ptops, cfg, err)))
        return rc;
    vmm_t *m = vmm_calloc(1, sizeof *m);
    if (!m)
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    m->cfg = *cfg;
    m->cfg.policy = pops->name;
    m->cfg.pt_type = ptops->name;
    m->pt_ops = ptops;
    m->nframes = cfg->frames;
    m->shift = (unsigned)__builtin_ctz(cfg->page_size);
    m->cur_as = UINT32_MAX;
    rc = alloc_frames(m);
    if (!rc)
        rc = vmm_tlb_init(&m->tlb, &cfg->tlb);
    if (rc) {
        vmm_err_set(err, rc, NULL, 0, -1, rc == VMM_ENOMEM ? "out of memory"
                                          : "TLB: entries must be a multiple of ways with a power-of-two number of sets");
        vmm_destroy(m);
        return rc;
    }
    m->tlb_ready = 1;
    if (cfg->policy_params)
        snprintf(m->params, sizeof m->params, "%s", cfg->policy_params);
    m->cfg.policy_params = cfg->policy_params ? m->params : NULL;
    vmm_policy_cfg_t pc = {.nframes = m->nframes, .seed = cfg->seed,
                           .params = m->cfg.policy_params,
                           .env = {.dirty = m->frame_dirty, .cleaned = &m->cleaned,
                                   .frame_page = m->frame_page}};
    rc = vmm_policy_init(&m->pol, pops, &pc, err);
    if (!rc)
        rc = sampler_init(m, err);
    if (rc) {
        vmm_destroy(m);
        return rc;
    }
    *out = m;
    return 0;
}

void vmm_destroy(vmm_t *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < m->nas; i++) {
        if (m->as[i].pt_st) {
            m->pt_ops->fini(m->as[i].pt_st);
            vmm_free(m->as[i].pt_st);
        }
        vmm_patent_destroy(m->as[i].smp);
    }
    vmm_patent_destroy(m->gsmp);
    vmm_free(m->as);
    vmm_free(m->as_stats);
    vmm_hm_fini(&m->as_map);
    vmm_hm_fini(&m->ident);
    vmm_policy_fini(&m->pol);
    if (m->tlb_ready)
        vmm_tlb_fini(&m->tlb);
    vmm_free(m->frame_page);
    vmm_free(m->frame_dirty);
    vmm_free(m->free_list);
    vmm_free(m->pages);
    vmm_free(m->next_use);
    vmm_free(m);
}

const vmm_config_t *vmm_get_config(const vmm_t *m) { return &m->cfg; }

/* --- address spaces ------------------------------------------------- */

static int new_as(vmm_t *m, uint32_t asid, uint32_t *idx, vmm_err_t *err)
{
    if (m->nas >= VMM_MAX_AS)
        return vmm_err_set(err, VMM_ERANGE, NULL, 0, -1,
                           "more than %u address spaces", VMM_MAX_AS);
    if (vmm_grow(&m->as, &m->as_cap, m->nas + 1, sizeof *m->as))
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    vmm_as_t *a = &m->as[m->nas];
    memset(a, 0, sizeof *a);
    a->st.asid = asid;
    a->pt_st = vmm_calloc(1, m->pt_ops->state_size);
    vmm_pt_cfg_t pc = pt_cfg(&m->cfg);
    if (!a->pt_st || m->pt_ops->init(a->pt_st, &pc)) {
        vmm_free(a->pt_st);
        a->pt_st = NULL;
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    }
    a->smp_due = INFINITY;
    if ((m->smp_on && vmm_patent_create(m->cfg.sampler.pages, m->smp_chunks, &a->smp)) ||
        vmm_hm_put(&m->as_map, asid, m->nas)) {
        m->pt_ops->fini(a->pt_st);
        vmm_free(a->pt_st);
        a->pt_st = NULL;
        vmm_patent_destroy(a->smp);
        a->smp = NULL;
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    }
    if (m->smp_on && m->cfg.sampler.mode == VMM_SAMPLER_SCAN)
        a->smp_due = m->cfg.sampler.period_ns;
    *idx = m->nas++;
    return 0;
}

/* Index of address space `asid`, creating it on first sight. */
static inline int as_index(vmm_t *m, uint32_t asid, uint32_t *idx, vmm_err_t *err)
{
    if (m->nas && asid == m->last_asid) {
        *idx = m->last_idx;
        return 0;
    }
    uint32_t i = vmm_hm_get(&m->as_map, asid);
    if (i == VMM_HM_NONE) {
        int rc = new_as(m, asid, &i, err);
        if (rc)
            return rc;
    }
    m->last_asid = asid;
    m->last_idx = i;
    *idx = i;
    return 0;
}

/* --- pages ----------------------------------------------------------- */

static int grow_pages(vmm_t *m, size_t need)
{
    size_t cap = m->page_cap;
    if (need <= cap)
        return 0;
    if (vmm_grow(&m->pages, &m->page_cap, need, sizeof *m->pages))
        return VMM_ENOMEM;
    for (size_t p = cap; p < m->page_cap; p++)
        m->pages[p].frame = VMM_NOFRAME;
    if (m->pol.ops->reserve_pages && m->pol.ops->reserve_pages(m->pol.st, (uint32_t)m->page_cap))
        return VMM_ENOMEM;
    return 0;
}

/* A dense id for (as, vpn): the prepass's if there was one, else the next. */
static int page_id(vmm_t *m, uint32_t as, uint64_t vpn, uint32_t *pid)
{
    if (m->prepassed) {
        *pid = vmm_hm_get(&m->ident, vmm_page_key(as, vpn));
        if (*pid == VMM_HM_NONE)
            return VMM_EINVAL;
    } else {
        if (m->npages == VMM_NOFRAME - 1)
            return VMM_ERANGE;
        *pid = m->npages;
    }
    if (*pid >= m->npages)
        m->npages = *pid + 1;
    int rc = grow_pages(m, m->npages);
    if (rc)
        return rc;
    m->pages[*pid].as = (uint16_t)as;
    m->pages[*pid].vpn = vpn;
    return 0;
}

/* --- eviction and faults --------------------------------------------- */

/* Take the page out of frame f: shootdown, swap-out if it has contents
 * that are not in swap yet, and give the frame back to nobody. */
static int evict_frame(vmm_t *m, uint32_t f, vmm_counters_t *faulter)
{
    uint32_t pid = m->frame_page[f];
    vmm_page_t *pg = &m->pages[pid];
    vmm_as_t *owner = &m->as[pg->as];
    uint64_t vpn = pg->vpn;
    vmm_tlb_invalidate(&m->tlb, pg->as, vpn);
    m->pt_ops->resident(owner->pt_st, vpn, pid, VMM_NOFRAME);
    owner->st.c.evictions++;
    owner->st.resident--;
    if (m->frame_dirty[f]) {
        owner->st.c.dirty_writebacks++;
        owner->st.c.swap_outs++;
        faulter->time_ns += m->cfg.lat.swap_out_ns;
        pg->flags |= PG_WRITTEN;
    }
    /* A written page keeps its swap slot from its first write-out (a page
     * cleaned by the policy was written out already). */
    if ((pg->flags & (PG_WRITTEN | PG_SWAPPED)) == PG_WRITTEN) {
        if (m->cfg.swap_pages && m->swap_used >= m->cfg.swap_pages)
            return VMM_EIO;
        m->swap_used++;
        pg->flags |= PG_SWAPPED;
    }
    pg->flags |= PG_LOADED;
    m->frame_dirty[f] = 0;
    m->frame_page[f] = VMM_NOFRAME;
    pg->frame = VMM_NOFRAME;
    return 0;
}

static int take_frame(vmm_t *m, const vmm_pref_t *r, vmm_counters_t *c, uint32_t *f)
{
    if (m->nfree) {
        *f = m->free_list[--m->nfree];
        return 0;
    }
    uint64_t cleaned = m->cleaned;
    *f = m->pol.ops->victim(m->pol.st, r);
    if (m->cleaned != cleaned) {
        /* the policy wrote dirty pages back while looking for a victim */
        uint64_t d = m->cleaned - cleaned;
        c->dirty_writebacks += d;
        c->swap_outs += d;
        c->time_ns += (double)d * m->cfg.lat.swap_out_ns;
    }
    return evict_frame(m, *f, c);
}

static int fault(vmm_t *m, vmm_as_t *a, vmm_pref_t *r)
{
    vmm_counters_t *c = &a->st.c;
    uint32_t pid = r->page, f;
    c->faults++;
    vmm_page_t *pg = &m->pages[pid];
    if (pg->flags & PG_LOADED) {
        c->major_faults++;
        c->swap_ins++;
        c->time_ns += m->cfg.lat.major_fault_ns;
    } else {
        c->minor_faults++;
        c->time_ns += m->cfg.lat.minor_fault_ns;
    }
    int rc = take_frame(m, r, c, &f);
    if (rc)
        return rc;
    m->frame_page[f] = pid;
    pg->frame = f;
    a->st.resident++;
    r->frame = f;
    m->pt_ops->resident(a->pt_st, pg->vpn, pid, f);
    if (m->pol.ops->on_insert(m->pol.st, r) == VMM_POLICY_BYPASS) {
        /* the policy declined the page: it was used once and dropped */
        rc = evict_frame(m, f, c);
        m->free_list[m->nfree++] = f;
        r->frame = VMM_NOFRAME;
        return rc;
    }
    return 0;
}

/* --- the MRC sampler (US 9,223,722) ----------------------------------- */

/* Sampler work is charged to the address space it samples. */
static void smp_charge(vmm_counters_t *c, double ns)
{
    c->time_ns += ns;
    c->sampler_ns += ns;
}

/* First touch of a page: spatial sampling. A selected page starts traced
 * (the patent installs the traces when the VM starts, before any access);
 * the page it displaces from the sample is untraced for good. Pages the
 * per-address-space sample rejects are not among the machine-wide S
 * smallest hashes either (fewer rivals cannot push a page out), so the
 * machine-wide sample is always a subset of the traced pages. */
static int smp_select(vmm_t *m, uint32_t as, uint64_t vpn, uint32_t pid)
{
    vmm_as_t *a = &m->as[as];
    uint64_t h = vmm_hash64(vmm_page_key(as, vpn) ^ m->smp_salt);
    uint32_t gone, ggone;
    /* every new page is offered machine-wide too: the offers count the
     * pages sampled from, which sets that sampler's rate */
    int rc = vmm_patent_offer(a->smp, pid, h, &gone), grc = 0;
    if (rc < 0 || (grc = vmm_patent_offer(m->gsmp, pid, h, &ggone)) < 0)
        return rc < 0 ? rc : grc;
    if (!rc)
        return 0;
    m->pages[pid].flags |= PG_SAMPLED;
    if (m->cfg.sampler.mode == VMM_SAMPLER_FAULT)
        m->pages[pid].flags |= PG_TRACED;
    if (gone != UINT32_MAX) {
        m->pages[gone].flags &= (uint8_t)~(PG_SAMPLED | PG_TRACED | PG_ACCESSED);
        vmm_patent_remove(m->gsmp, gone);
    }
    return 0;
}

/* A detected access updates the address space's LRU list and the
 * machine-wide one (the same fault feeds both). */
static void smp_detected(vmm_t *m, vmm_as_t *a, uint32_t pid)
{
    vmm_patent_touch(a->smp, pid);
    vmm_patent_touch(m->gsmp, pid);
}

/* FIG. 4: the walk found a trace. The VMM updates the LRU list, removes
 * the trace (the page stays mapped and TLB-cacheable) and queues its
 * re-installation for the end of the sampling period (claim 2). */
static int smp_trace_fault(vmm_t *m, vmm_as_t *a, uint32_t pid)
{
    vmm_counters_t *c = &a->st.c;
    c->trace_faults++;
    smp_charge(c, m->cfg.lat.trace_fault_ns);
    m->pages[pid].flags &= (uint8_t)~PG_TRACED;
    smp_detected(m, a, pid);
    double due = c->time_ns + m->cfg.sampler.period_ns;
    if (vmm_patent_defer(a->smp, pid, due))
        return VMM_ENOMEM;
    if (due < a->smp_due)
        a->smp_due = due;
    return 0;
}

/* A walk of a sampled page: a trace fault, or in scan mode the hardware
 * setting the accessed bit. */
static int smp_walk(vmm_t *m, vmm_as_t *a, uint32_t pid)
{
    vmm_page_t *pg = &m->pages[pid];
    if (m->cfg.sampler.mode == VMM_SAMPLER_SCAN) {
        pg->flags |= PG_ACCESSED;
        return 0;
    }
    return pg->flags & PG_TRACED ? smp_trace_fault(m, a, pid) : 0;
}

/* FIG. 5 step 514: install the trace again (unmap, invalidate the TLB
 * entry). A page that left the sample meanwhile stays untraced. */
static void smp_retrace(vmm_t *m, uint32_t as, uint32_t pid)
{
    vmm_page_t *pg = &m->pages[pid];
    vmm_counters_t *c = &m->as[as].st.c;
    if ((pg->flags & (PG_SAMPLED | PG_TRACED)) != PG_SAMPLED)
        return;
    pg->flags |= PG_TRACED;
    vmm_tlb_invalidate(&m->tlb, as, pg->vpn);
    c->trace_installs++;
    c->sampler_tlb_invalidations++;
    smp_charge(c, m->cfg.lat.retrace_ns);
}

/* The alternative to faults: once per period read and clear the sampled
 * pages' accessed bits (in the sample's heap order, a hash order: random
 * as far as addresses go). Pages seen accessed move to the top of the LRU
 * list in scan order, so the order of accesses within a period is lost.
 * Clearing a bit also invalidates the TLB entry, or a cached translation
 * would let later accesses go unseen. */
static void smp_scan(vmm_t *m, uint32_t as)
{
    vmm_as_t *a = &m->as[as];
    vmm_counters_t *c = &a->st.c;
    uint32_t n = vmm_patent_count(a->smp), seen = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pid = vmm_patent_page(a->smp, i);
        vmm_page_t *pg = &m->pages[pid];
        if (!(pg->flags & PG_ACCESSED))
            continue;
        pg->flags &= (uint8_t)~PG_ACCESSED;
        vmm_tlb_invalidate(&m->tlb, as, pg->vpn);
        smp_detected(m, a, pid);
        seen++;
    }
    c->scanned_pages += n;
    c->scan_hits += seen;
    c->sampler_tlb_invalidations += seen;
    smp_charge(c, n * m->cfg.lat.scan_page_ns + seen * m->cfg.lat.retrace_ns);
    a->smp_due = c->time_ns + m->cfg.sampler.period_ns;
}

/* The address space's clock passed a period end: re-install the traces
 * now due (the FIFO holds them in due order), or scan. */
static void smp_tick(vmm_t *m, uint32_t as)
{
    vmm_as_t *a = &m->as[as];
    if (m->cfg.sampler.mode == VMM_SAMPLER_SCAN) {
        smp_scan(m, as);
        return;
    }
    double now = a->st.c.time_ns;
    while (vmm_patent_next_due(a->smp) <= now)
        smp_retrace(m, as, vmm_patent_pop_due(a->smp));
    a->smp_due = vmm_patent_next_due(a->smp);
}

int vmm_get_mrc(vmm_t *m, uint32_t as, vmm_mrc_t *out)
{
    memset(out, 0, sizeof *out);
    if (!m->smp_on || (as != UINT32_MAX && as >= m->nas))
        return VMM_EINVAL;
    if (as != UINT32_MAX)
        return vmm_patent_curve(m->as[as].smp, m->as[as].st.c.refs, out);
    uint64_t refs = 0;
    for (uint32_t i = 0; i < m->nas; i++)
        refs += m->as[i].st.c.refs;
    return vmm_patent_curve(m->gsmp, refs, out);
}

/* --- the per-reference path ------------------------------------------ */

/* Translate (as, vpn) to a page id through the TLB or a walk. */
static inline int translate(vmm_t *m, uint32_t as, uint64_t vpn, uint32_t *pid, int *tlb_hit)
{
    vmm_as_t *a = &m->as[as];
    if (vmm_tlb_lookup(&m->tlb, as, vpn, pid)) {
        *tlb_hit = 1;
        a->st.c.tlb_hits++;
        return 0;
    }
    *tlb_hit = 0;
    a->st.c.tlb_misses++;
    unsigned refs = 0;
    *pid = m->pt_ops->lookup(a->pt_st, vpn, &refs);
    a->st.c.walk_refs += refs;
    a->st.c.time_ns += refs * m->cfg.lat.mem_ns;
    if (*pid != VMM_PT_NONE)
        return 0;
    if (vpn >> 52)
        return VMM_ERANGE;   /* the page key keeps 52 bits for the page number */
    int rc = page_id(m, as, vpn, pid);
    if (rc)
        return rc;
    a->st.c.pages_touched++;
    if ((rc = m->pt_ops->insert(a->pt_st, vpn, *pid)))
        return rc;
    return a->smp ? smp_select(m, as, vpn, *pid) : 0;
}

/* Index of the current page reference's next use (the OPT prepass stores
 * UINT32_MAX for none), or VMM_NEVER without a prepass. */
static inline uint64_t next_use(const vmm_t *m)
{
    if (!m->next_use)
        return VMM_NEVER;
    uint32_t n = m->next_use[m->now];
    return n == UINT32_MAX ? VMM_NEVER : n;
}

static inline int access_page(vmm_t *m, uint32_t as, uint64_t vpn, unsigned op)
{
    vmm_as_t *a = &m->as[as];
    vmm_counters_t *c = &a->st.c;
    uint32_t pid;
    int tlb_hit, rc;
    if (a->smp && c->time_ns >= a->smp_due)
        smp_tick(m, as);
    c->refs++;
    c->reads += op == VMM_OP_READ;
    c->writes += op == VMM_OP_WRITE;
    c->ifetches += op == VMM_OP_IFETCH;
    c->time_ns += m->cfg.lat.tlb_ns + m->cfg.lat.mem_ns;
    if ((rc = translate(m, as, vpn, &pid, &tlb_hit)))
        return rc;
    if (!tlb_hit && a->smp && (m->pages[pid].flags & PG_SAMPLED) && (rc = smp_walk(m, a, pid)))
        return rc;
    vmm_pref_t r = {.key = vmm_page_key(as, vpn), .now = m->now, .page = pid,
                    .frame = m->pages[pid].frame, .write = op == VMM_OP_WRITE,
                    .next_use = next_use(m)};
    m->now++;
    if (r.frame != VMM_NOFRAME) {
        m->pol.ops->on_hit(m->pol.st, &r);
    } else {
        if ((rc = fault(m, a, &r)))
            return rc;
        if (r.frame == VMM_NOFRAME)
            return 0;     /* bypassed: not resident, nothing to cache */
    }
    if (r.write) {
        m->frame_dirty[r.frame] = 1;
        m->pages[pid].flags |= PG_WRITTEN;
    }
    if (!tlb_hit)
        vmm_tlb_fill(&m->tlb, as, vpn, pid);
    return 0;
}

static int access_error(vmm_t *m, int rc, vmm_err_t *err)
{
    switch (rc) {
    case VMM_ERANGE:
        return vmm_err_set(err, rc, NULL, 0, -1,
                           "reference %llu: address beyond the virtual space of page table %s",
                           (unsigned long long)m->records, m->cfg.pt_type);
    case VMM_EIO:
        return vmm_err_set(err, rc, NULL, 0, -1, "reference %llu: swap full (%llu pages)",
                           (unsigned long long)m->records,
                           (unsigned long long)m->cfg.swap_pages);
    case VMM_EINVAL:
        return vmm_err_set(err, rc, NULL, 0, -1,
                           "reference %llu: the trace differs from the one given to the prepass",
                           (unsigned long long)m->records);
    default:
        return vmm_err_set(err, rc, NULL, 0, -1, "reference %llu: %s",
                           (unsigned long long)m->records, vmm_strerror(rc));
    }
}

int vmm_access(vmm_t *m, const vmm_ref_t *refs, size_t n, vmm_err_t *err)
{
    if (vmm_needs_prepass(m) && !m->prepassed)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "policy %s needs a prepass over the trace", m->cfg.policy);
    for (size_t i = 0; i < n; i++) {
        const vmm_ref_t *r = &refs[i];
        uint32_t as;
        m->records++;
        if (m->cfg.va_limit && r->addr >= m->cfg.va_limit)
            return vmm_err_set(err, VMM_ERANGE, NULL, 0, -1,
                               "reference %llu: address 0x%llx beyond the virtual space (%llu bytes)",
                               (unsigned long long)m->records, (unsigned long long)r->addr,
                               (unsigned long long)m->cfg.va_limit);
        int rc = as_index(m, r->asid, &as, err);
        if (rc)
            return rc;
        if (as != m->cur_as) {
            vmm_tlb_switch(&m->tlb, as);
            m->cur_as = as;
        }
        uint64_t vpn = r->addr >> m->shift, npg = vmm_ref_pages(r, m->shift);
        for (uint64_t k = 0; k < npg; k++) {
            if (m->next_use && m->now >= m->next_len)
                return access_error(m, VMM_EINVAL, err);
            if ((rc = access_page(m, as, vpn + k, r->op)))
                return access_error(m, rc, err);
        }
    }
    return 0;
}

/* --- OPT prepass ------------------------------------------------------ */

int vmm_needs_prepass(const vmm_t *m) { return !!(m->pol.ops->flags & VMM_POLICY_FUTURE); }

/* Record the page id of every page reference; next-use times are computed
 * from them in vmm_prepass_end(). */
int vmm_prepass(vmm_t *m, const vmm_ref_t *refs, size_t n, vmm_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t as;
        int rc = as_index(m, refs[i].asid, &as, err);
        if (rc)
            return rc;
        uint64_t vpn = refs[i].addr >> m->shift, npg = vmm_ref_pages(&refs[i], m->shift);
        for (uint64_t k = 0; k < npg; k++) {
            uint64_t key = vmm_page_key(as, vpn + k);
            uint32_t pid = vmm_hm_get(&m->ident, key);
            if (pid == VMM_HM_NONE) {
                pid = m->pre_pages++;
                if (vmm_hm_put(&m->ident, key, pid))
                    return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
            }
            if (m->next_len >= UINT32_MAX - 1)
                return vmm_err_set(err, VMM_ERANGE, NULL, 0, -1,
                                   "trace too long for the OPT prepass (2^32 page references)");
            if (vmm_grow(&m->next_use, &m->next_cap, m->next_len + 1, sizeof *m->next_use))
                return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
            m->next_use[m->next_len++] = pid;
        }
    }
    return 0;
}

/* Replace each recorded page id by the index of that page's next reference
 * (UINT32_MAX for none), scanning backwards with one slot per page. */
int vmm_prepass_end(vmm_t *m, vmm_err_t *err)
{
    uint32_t *last = vmm_malloc((size_t)(m->pre_pages ? m->pre_pages : 1) * sizeof *last);
    if (!last)
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    memset(last, 0xff, (size_t)m->pre_pages * sizeof *last);
    for (size_t i = m->next_len; i-- > 0;) {
        uint32_t pid = m->next_use[i];
        m->next_use[i] = last[pid];
        last[pid] = (uint32_t)i;
    }
    vmm_free(last);
    m->prepassed = 1;
    return 0;
}

/* --- statistics ------------------------------------------------------- */

static void add_counters(vmm_counters_t *t, const vmm_counters_t *c)
{
    t->refs += c->refs;
    t->reads += c->reads;
    t->writes += c->writes;
    t->ifetches += c->ifetches;
    t->faults += c->faults;
    t->minor_faults += c->minor_faults;
    t->major_faults += c->major_faults;
    t->evictions += c->evictions;
    t->dirty_writebacks += c->dirty_writebacks;
    t->swap_ins += c->swap_ins;
    t->swap_outs += c->swap_outs;
    t->tlb_hits += c->tlb_hits;
    t->tlb_misses += c->tlb_misses;
    t->walk_refs += c->walk_refs;
    t->pages_touched += c->pages_touched;
    t->time_ns += c->time_ns;
    t->trace_faults += c->trace_faults;
    t->trace_installs += c->trace_installs;
    t->sampler_tlb_invalidations += c->sampler_tlb_invalidations;
    t->scanned_pages += c->scanned_pages;
    t->scan_hits += c->scan_hits;
    t->sampler_ns += c->sampler_ns;
}

void vmm_get_stats(vmm_t *m, vmm_stats_t *st)
{
    memset(st, 0, sizeof *st);
    size_t cap = m->as_stats_cap;
    if (vmm_grow(&m->as_stats, &cap, m->nas, sizeof *m->as_stats) == 0)
        m->as_stats_cap = cap;
    for (uint32_t i = 0; i < m->nas; i++) {
        vmm_as_t *a = &m->as[i];
        a->st.pt_bytes = m->pt_ops->bytes(a->pt_st);
        if (a->smp) {
            a->st.sampled_pages = vmm_patent_count(a->smp);
            a->st.sample_rate = vmm_patent_rate(a->smp);
        }
        add_counters(&st->total, &a->st.c);
        st->pt_bytes += a->st.pt_bytes;
        if (i < m->as_stats_cap)
            m->as_stats[i] = a->st;
    }
    st->nas = m->as_stats_cap >= m->nas ? m->nas : 0;
    st->as = m->as_stats;
    st->frames_used = m->nframes - m->nfree;
    st->tlb_flushes = m->tlb.flushes;
}
