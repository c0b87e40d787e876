/* The simulation engine of `vmmsim sim` and the library's vmm_create /
 * vmm_access: a native machine built on the one data path (src/core,
 * docs/architecture.md): one domain holding every frame, one CPU with one
 * TLB level (tagged by address space, or flushed on a switch), the 1D
 * walker over each address space's page table, and the single machine's
 * swap device as the tier below DRAM.
 *
 * What this file adds to the core: the configuration and its checks,
 * address spaces by trace asid, the split of a record into page
 * references, the OPT prepass and the statistics.
 *
 * Faults: the first touch of a page is a minor fault (a frame is allocated
 * and zeroed); a page that has been in memory before comes back with a
 * major fault (a swap-in, or a re-read from its backing file: a trace does
 * not say which pages are file-backed, so both count as swap-ins). A dirty
 * page leaving memory is written back; a page that has ever been written
 * holds a swap slot from its first write-out on, which is what the swap
 * capacity limits (src/mem/tier_device.c, MEM_SLOTS_WRITTEN). */
#include "engine_int.h"
#include "mrc/patent.h"
#include "util/alloc.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

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


static int check_stages(const vmm_config_t *c, vmm_err_t *err)
{
    vmm_stages_t ss;
    int rc = vmm_stages_init(&ss, c->stages, err);
    vmm_stages_fini(&ss);
    return rc;
}

static void core_config(const vmm_config_t *c, const vmm_pt_ops *ptops, core_cfg_t *kc)
{
    memset(kc, 0, sizeof *kc);
    kc->nframes = c->frames;
    kc->nnodes = 1;
    kc->ndoms = 1;
    kc->xl = (xlate_cfg_t){.mode = XL_1D, .gpt_ops = ptops, .ptc = pt_cfg(c), .ntlb = 1,
                           .tlb = {c->tlb}, .ncpus = 1, .nnodes = 1, .ndoms = 1,
                           .max_as = VMM_MAX_AS};
    const vmm_latency_t *l = &c->lat;
    kc->tlb_ns = l->tlb_ns;
    kc->local_ns[0] = kc->remote_ns[0] = l->mem_ns;
    kc->minor_ns = l->minor_fault_ns;
    kc->trace_fault_ns = l->trace_fault_ns;
    kc->retrace_ns = l->retrace_ns;
    kc->scan_page_ns = l->scan_page_ns;
    const vmm_sampler_cfg_t *s = &c->sampler;
    kc->smp = (core_sampler_cfg_t){.mode = s->mode, .pages = s->pages, .chunks = s->chunks,
                                   .period_ns = s->period_ns, .per_as = 1, .by_gpn = 0,
                                   .global = 1, .seed = c->seed};
}

/* The single machine's swap device: slots for written pages, kept. */
static int add_swap(vmm_t *m)
{
    mem_tier_t t = {.ops = mem_tier_find("device"), .kind = VMM_TIER_SWAP,
                    .cap = m->cfg.swap_pages ? m->cfg.swap_pages : UINT64_MAX,
                    .load_ns = m->cfg.lat.major_fault_ns, .store_ns = m->cfg.lat.swap_out_ns,
                    .slots = MEM_SLOTS_WRITTEN, .below = -1};
    int i = mem_tier_add(&m->k.mem, &t);
    if (i < 0)
        return i;
    m->k.mem.first_tier = m->k.mem.swap_tier = i;
    return 0;
}

int vmm_create(const vmm_config_t *cfg, vmm_t **out, vmm_err_t *err)
{
    *out = NULL;
    int rc = check_config(cfg, err);
    if (rc)
        return rc;
    const vmm_policy_ops *pops = cfg->policy_ops ? cfg->policy_ops : vmm_policy_find(cfg->policy);
    if (!pops)
        return vmm_err_set(err, VMM_ENOENT, NULL, 0, -1, "unknown policy '%s'", cfg->policy);
    const vmm_pt_ops *ptops = vmm_pt_find(cfg->pt_type);
    if (!ptops)
        return vmm_err_set(err, VMM_ENOENT, NULL, 0, -1, "unknown page-table type '%s'",
                           cfg->pt_type);
    if ((rc = check_pt(ptops, cfg, err)) || (rc = check_stages(cfg, err)))
        return rc;
    vmm_t *m = vmm_calloc(1, sizeof *m);
    if (!m)
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    m->cfg = *cfg;
    m->cfg.policy = pops->name;
    m->cfg.pt_type = ptops->name;
    m->shift = (unsigned)__builtin_ctz(cfg->page_size);
    if (cfg->policy_params)
        snprintf(m->params, sizeof m->params, "%s", cfg->policy_params);
    m->cfg.policy_params = cfg->policy_params ? m->params : NULL;
    if (cfg->stages)
        snprintf(m->stages, sizeof m->stages, "%s", cfg->stages);
    m->cfg.stages = cfg->stages ? m->stages : NULL;
    m->x.as = UINT32_MAX;
    core_cfg_t kc;
    core_config(&m->cfg, ptops, &kc);
    m->k_ready = 1;
    rc = core_init(&m->k, &kc, err);
    if (!rc)
        rc = core_domain(&m->k, 0, pops, m->cfg.policy_params, cfg->seed, cfg->frames, err);
    if (!rc && (rc = add_swap(m)))
        vmm_err_set(err, rc, NULL, 0, -1, "out of memory");
    if (!rc)
        rc = vmm_stages_init(&m->k.stages, m->cfg.stages, err);
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
    if (m->k_ready)
        core_fini(&m->k);
    vmm_free(m->as_stats);
    vmm_nextuse_fini(&m->nu);
    vmm_free(m);
}

const vmm_config_t *vmm_get_config(const vmm_t *m) { return &m->cfg; }

/* Index of address space `asid`, creating it on first sight, and the
 * context of its references (m->x) made current: switching address space
 * (an untagged TLB flushes) and gathering it again, as a new address space
 * may have moved the counters. */
static CORE_COLD int as_switch(vmm_t *m, uint32_t asid, uint32_t *idx, vmm_err_t *err)
{
    core_t *k = &m->k;
    int rc = core_as(k, 0, asid, idx);
    if (rc == VMM_ERANGE)
        return vmm_err_set(err, rc, NULL, 0, -1, "more than %u address spaces", VMM_MAX_AS);
    if (rc)
        return vmm_err_set(err, rc, NULL, 0, -1, "out of memory");
    m->last_asid = asid;
    m->last_idx = *idx;
    xl_switch(&k->xl, &k->xl.cpus[0], *idx);
    core_ctx(k, 0, *idx, &m->x);
    return 0;
}

static inline int as_index(vmm_t *m, uint32_t asid, uint32_t *idx, vmm_err_t *err)
{
    if (m->x.as != UINT32_MAX && asid == m->last_asid) {
        *idx = m->last_idx;
        return 0;
    }
    return as_switch(m, asid, idx, err);
}

int vmm_get_mrc(vmm_t *m, uint32_t as, vmm_mrc_t *out)
{
    memset(out, 0, sizeof *out);
    if (as != UINT32_MAX && as >= m->k.xl.nas)
        return VMM_EINVAL;
    uint64_t refs = 0;
    for (uint32_t i = 0; i < m->k.xl.nas; i++)
        if (as == UINT32_MAX || i == as)
            refs += m->k.ctr[i].refs;
    return core_smp_curve(&m->k, as, refs, out);
}

/* --- the per-reference path ------------------------------------------ */

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
    core_t *k = &m->k;
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
        uint64_t vpn = r->addr >> m->shift, npg = vmm_ref_pages(r, m->shift);
        for (uint64_t p = 0; p < npg; p++) {
            uint64_t nu = VMM_NEVER;
            if (m->prepassed) {
                uint64_t now = m->x.dm->now;   /* page references so far */
                if (now >= m->nu.len)
                    return access_error(m, VMM_EINVAL, err);
                nu = vmm_nextuse_at(&m->nu, now);
            }
            double cost;
            /* the clock matters only to a sampler: not read otherwise, so
             * no reference waits on the last one's time */
            double now = m->x.u ? m->x.c->time_ns : 0;
            rc = core_access(k, &m->x, vpn + p, r->op, now, nu, &cost);
            if (rc)
                return access_error(m, rc, err);
        }
    }
    return 0;
}

/* --- OPT prepass ------------------------------------------------------ */

int vmm_needs_prepass(const vmm_t *m)
{
    return !!(m->k.mem.doms[0].pol.ops->flags & VMM_POLICY_FUTURE);
}

/* Record the page of every page reference; next-use indices are computed
 * from them in vmm_prepass_end() (src/core/nextuse.c). */
int vmm_prepass(vmm_t *m, const vmm_ref_t *refs, size_t n, vmm_err_t *err)
{
    if (!m->nu.ident.keys && !m->nu.len && vmm_nextuse_init(&m->nu))
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    for (size_t i = 0; i < n; i++) {
        uint32_t as;
        int rc = as_index(m, refs[i].asid, &as, err);
        if (rc)
            return rc;
        uint64_t vpn = refs[i].addr >> m->shift, npg = vmm_ref_pages(&refs[i], m->shift);
        for (uint64_t k = 0; k < npg; k++)
            if ((rc = vmm_nextuse_add(&m->nu, vmm_page_key(as, vpn + k))))
                return rc == VMM_ERANGE
                           ? vmm_err_set(err, rc, NULL, 0, -1,
                                         "trace too long for the OPT prepass (2^32 page references)")
                           : vmm_err_set(err, rc, NULL, 0, -1, "out of memory");
    }
    return 0;
}

int vmm_prepass_end(vmm_t *m, vmm_err_t *err)
{
    if (vmm_nextuse_finish(&m->nu))
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    m->prepassed = 1;
    return 0;
}

/* --- statistics ------------------------------------------------------- */

int vmm_get_stats(vmm_t *m, vmm_stats_t *st)
{
    memset(st, 0, sizeof *st);
    core_t *k = &m->k;
    uint32_t nas = k->xl.nas;
    int rc = vmm_grow(&m->as_stats, &m->as_stats_cap, nas, sizeof *m->as_stats);
    for (uint32_t i = 0; i < nas; i++) {
        vmm_as_stats_t a = {.asid = k->xl.as[i].asid, .c = k->ctr[i],
                            .pt_bytes = xl_pt_bytes(&k->xl, i)};
        core_fix_local(k, &a.c);
        struct vmm_patent *smp = core_smp_of(k, i);
        if (smp) {
            a.sampled_pages = vmm_patent_count(smp);
            a.sample_rate = vmm_patent_rate(smp);
        }
        vmm_counters_add(&st->total, &a.c);
        st->pt_bytes += a.pt_bytes;
        if (!rc)
            m->as_stats[i] = a;
    }
    for (uint32_t f = 0; !rc && f < k->mem.nframes; f++) {
        uint32_t pid = k->mem.frame_page[f];
        if (pid != VMM_NOFRAME)
            m->as_stats[k->mem.info[pid].as].resident++;
    }
    st->nas = rc ? 0 : nas;
    st->as = m->as_stats;
    st->frames_used = mem_frames_used(&k->mem);
    st->tlb_flushes = k->xl.cpus[0].tlb[0].flushes;
    return rc;
}

long vmm_get_stage_stats(vmm_t *m, const char *name, vmm_stage_stat_t *out, size_t max)
{
    const vmm_stage_t *s = vmm_stages_get(&m->k.stages, name);
    if (!s)
        return -1;
    return s->ops->stats ? (long)s->ops->stats(s->st, out, max) : 0;
}
