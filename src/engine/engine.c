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
 * swap capacity limits. */
#include "engine_int.h"
#include "util/alloc.h"
#include <stdio.h>
#include <string.h>

enum {
    PG_LOADED = 1,    /* has been in a frame before: the next fault is major */
    PG_WRITTEN = 2,   /* has been written: needs a swap slot once evicted */
    PG_SWAPPED = 4,   /* holds a swap slot */
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
                               .major_fault_ns = 1000000, .swap_out_ns = 0};
    cfg->seed = 1;
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
        l->swap_out_ns < 0)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "latencies must not be negative");
    return 0;
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
                           .env = {.dirty = m->frame_dirty, .cleaned = &m->cleaned}};
    rc = vmm_policy_init(&m->pol, pops, &pc, err);
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
    }
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
    if (vmm_hm_put(&m->as_map, asid, m->nas)) {
        m->pt_ops->fini(a->pt_st);
        vmm_free(a->pt_st);
        a->pt_st = NULL;
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    }
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
    return m->pt_ops->insert(a->pt_st, vpn, *pid);
}

static inline int access_page(vmm_t *m, uint32_t as, uint64_t vpn, unsigned op)
{
    vmm_as_t *a = &m->as[as];
    vmm_counters_t *c = &a->st.c;
    uint32_t pid;
    int tlb_hit, rc;
    c->refs++;
    c->reads += op == VMM_OP_READ;
    c->writes += op == VMM_OP_WRITE;
    c->ifetches += op == VMM_OP_IFETCH;
    c->time_ns += m->cfg.lat.tlb_ns + m->cfg.lat.mem_ns;
    if ((rc = translate(m, as, vpn, &pid, &tlb_hit)))
        return rc;
    vmm_pref_t r = {.key = vmm_page_key(as, vpn), .now = m->now, .page = pid,
                    .frame = m->pages[pid].frame, .write = op == VMM_OP_WRITE,
                    .next_use = m->next_use ? m->next_use[m->now] : VMM_NEVER};
    if (m->next_use && r.next_use == UINT32_MAX)
        r.next_use = VMM_NEVER;
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
