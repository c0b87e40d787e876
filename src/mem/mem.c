/* Frames, pages, domains, faults and eviction: see mem.h. */
#include "mem.h"
#include "util/alloc.h"
#include <string.h>

int mem_init(mem_t *m, const mem_cfg_t *cfg)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->nframes = cfg->nframes;
    m->nnodes = cfg->nnodes ? cfg->nnodes : 1;
    m->frames_per_node = m->nframes / m->nnodes;
    m->first_tier = m->swap_tier = -1;
    uint32_t n = m->nframes;
    m->frame_page = vmm_malloc((size_t)n * sizeof *m->frame_page);
    m->res_pos = vmm_malloc((size_t)n * sizeof *m->res_pos);
    m->frame_dirty = vmm_calloc(n, 1);
    m->node_free = vmm_calloc(m->nnodes, sizeof *m->node_free);
    m->node_nfree = vmm_calloc(m->nnodes, sizeof *m->node_nfree);
    m->doms = vmm_calloc(cfg->ndomains ? cfg->ndomains : 1, sizeof *m->doms);
    if (!m->frame_page || !m->res_pos || !m->frame_dirty || !m->node_free || !m->node_nfree ||
        !m->doms)
        return VMM_ENOMEM;
    m->ndoms = cfg->ndomains;
    for (uint32_t k = 0; k < m->nnodes; k++) {
        uint32_t size = k + 1 < m->nnodes ? m->frames_per_node
                                          : n - m->frames_per_node * (m->nnodes - 1);
        if (!(m->node_free[k] = vmm_malloc((size_t)(size ? size : 1) * sizeof **m->node_free)))
            return VMM_ENOMEM;
    }
    /* each node hands out its frames lowest first */
    for (uint32_t f = n; f-- > 0;) {
        uint32_t k = mem_node_of(m, f);
        m->frame_page[f] = VMM_NOFRAME;
        m->node_free[k][m->node_nfree[k]++] = f;
    }
    return 0;
}

void mem_fini(mem_t *m)
{
    for (uint32_t d = 0; m->doms && d < m->ndoms; d++) {
        vmm_policy_fini(&m->doms[d].pol);
        vmm_free(m->doms[d].res_list);
    }
    for (uint32_t i = 0; i < m->ntiers; i++)
        if (m->tiers[i].ops->fini)
            m->tiers[i].ops->fini(&m->tiers[i]);
    for (uint32_t k = 0; m->node_free && k < m->nnodes; k++)
        vmm_free(m->node_free[k]);
    vmm_free(m->node_free);
    vmm_free(m->node_nfree);
    vmm_free(m->frame_page);
    vmm_free(m->res_pos);
    vmm_free(m->frame_dirty);
    vmm_free(m->pg);
    vmm_free(m->doms);
    memset(m, 0, sizeof *m);
}

int mem_domain_init(mem_t *m, uint32_t d, const vmm_policy_ops *ops, const char *params,
                    uint64_t seed, uint64_t quota, vmm_err_t *err)
{
    mem_domain_t *dm = &m->doms[d];
    dm->res_list = vmm_malloc((size_t)m->nframes * sizeof *dm->res_list);
    if (!dm->res_list)
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    dm->quota = quota;
    uint32_t cap = quota && quota < m->nframes ? (uint32_t)quota : m->nframes;
    vmm_policy_cfg_t pc = {.nframes = m->nframes, .capacity = cap, .seed = seed,
                           .params = params,
                           .env = {.dirty = m->frame_dirty, .cleaned = &m->cleaned,
                                   .frame_page = m->frame_page}};
    int rc = vmm_policy_init(&dm->pol, ops, &pc, err);
    if (!rc && ops->reserve_pages && m->page_cap &&
        ops->reserve_pages(dm->pol.st, (uint32_t)m->page_cap))
        rc = vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    return rc;
}

int mem_tier_add(mem_t *m, const mem_tier_t *t)
{
    if (m->ntiers >= MEM_MAX_TIERS)
        return VMM_ERANGE;
    mem_tier_t *n = &m->tiers[m->ntiers];
    *n = *t;
    vmm_dl_init(&n->fifo);
    if (n->ops->reserve && m->page_cap && n->ops->reserve(n, m->page_cap))
        return VMM_ENOMEM;
    return (int)m->ntiers++;
}

/* --- pages ---------------------------------------------------------------- */

static int grow_pages(mem_t *m, size_t need)
{
    size_t cap = m->page_cap;
    if (need <= cap)
        return 0;
    /* the tiers' and policies' per-page arrays grow first: `page_cap`
     * moves only when everything did */
    size_t want = cap ? cap : 64;
    while (want < need)
        want *= 2;
    for (uint32_t i = 0; i < m->ntiers; i++)
        if (m->tiers[i].ops->reserve && m->tiers[i].ops->reserve(&m->tiers[i], want))
            return VMM_ENOMEM;
    for (uint32_t d = 0; d < m->ndoms; d++) {
        const vmm_policy_ops *o = m->doms[d].pol.ops;
        if (o && o->reserve_pages && o->reserve_pages(m->doms[d].pol.st, (uint32_t)want))
            return VMM_ENOMEM;
    }
    size_t c1 = cap;
    if (vmm_grow(&m->pg, &c1, want, sizeof *m->pg))
        return VMM_ENOMEM;
    m->info = m->cfg.info ? m->pg : NULL;
    m->page_cap = want;
    return 0;
}

int mem_new_page(mem_t *m, uint32_t *pid)
{
    if (m->npages == VMM_NOFRAME - 1)
        return VMM_ERANGE;
    int rc = grow_pages(m, (size_t)m->npages + 1);
    if (rc)
        return rc;
    uint32_t id = m->npages++;
    m->pg[id] = (mem_page_t){.frame = VMM_NOFRAME, .tier = MEM_TIER_NONE};
    *pid = id;
    return 0;
}

/* --- frames --------------------------------------------------------------- */

static void res_add(mem_t *m, mem_domain_t *dm, uint32_t f)
{
    m->res_pos[f] = (uint32_t)dm->resident;
    dm->res_list[dm->resident++] = f;
}

static void res_del(mem_t *m, mem_domain_t *dm, uint32_t f)
{
    uint32_t i = m->res_pos[f], last = dm->res_list[--dm->resident];
    dm->res_list[i] = last;
    m->res_pos[last] = i;
}

/* A free frame on `node`, or on the next node that has one. */
static uint32_t take_free(mem_t *m, uint32_t node)
{
    for (uint32_t k = 0; k < m->nnodes; k++) {
        uint32_t n = (node + k) % m->nnodes;
        if (m->node_nfree[n])
            return m->node_free[n][--m->node_nfree[n]];
    }
    return VMM_NOFRAME;
}

static void give_free(mem_t *m, uint32_t f)
{
    uint32_t n = mem_node_of(m, f);
    m->node_free[n][m->node_nfree[n]++] = f;
}

static vmm_counters_t *counters_of(mem_t *m, uint32_t pid)
{
    return m->cfg.counters ? m->cfg.counters(m->cfg.map_arg, pid) : &m->scratch;
}

static uint32_t domain_of(const mem_t *m, uint32_t pid)
{
    return m->info ? m->info[pid].dom : 0;
}

/* Page pid goes into free frame f of domain dm. */
static void place(mem_t *m, mem_domain_t *dm, uint32_t pid, uint32_t f)
{
    mem_page_t *pg = &m->pg[pid];
    m->frame_page[f] = pid;
    pg->frame = f;
    pg->node = (uint8_t)mem_node_of(m, f);
    res_add(m, dm, f);
    if (m->cfg.map)
        m->cfg.map(m->cfg.map_arg, pid, f);
}

int mem_evict(mem_t *m, uint32_t f, int to, double *t)
{
    uint32_t pid = m->frame_page[f];
    mem_page_t *pg = &m->pg[pid];
    mem_domain_t *dm = &m->doms[domain_of(m, pid)];
    vmm_counters_t *c = counters_of(m, pid);
    if (m->cfg.map)
        m->cfg.map(m->cfg.map_arg, pid, VMM_NOFRAME);
    res_del(m, dm, f);
    c->evictions++;
    int dirty = m->frame_dirty[f];
    m->frame_dirty[f] = 0;
    m->frame_page[f] = VMM_NOFRAME;
    pg->frame = VMM_NOFRAME;
    give_free(m, f);
    if (to < 0)
        to = m->first_tier;
    if (to < 0)
        return 0;   /* nowhere to keep contents (miniature caches): dropped */
    double cost = 0;
    int rc = m->tiers[to].ops->store(m, &m->tiers[to], pid, dirty, c, &cost);
    if (t)
        *t += cost;
    return rc;
}

/* Pages the policy wrote back while choosing a victim (WSClock cleans):
 * they are write-outs of the faulting reference. */
static void charge_cleaned(mem_t *m, uint64_t d, vmm_counters_t *c, double *t)
{
    c->dirty_writebacks += d;
    c->swap_outs += d;
    if (m->swap_tier >= 0)
        *t += (double)d * m->tiers[m->swap_tier].store_ns;
}

int mem_fault(mem_t *m, uint32_t d, vmm_pref_t *r, uint32_t node, vmm_counters_t *c, double *t)
{
    mem_domain_t *dm = &m->doms[d];
    mem_page_t *pg = &m->pg[r->page];
    double cost;
    c->faults++;
    if (pg->tier != MEM_TIER_NONE) {
        mem_tier_t *tr = &m->tiers[pg->tier];
        c->major_faults++;
        cost = tr->ops->load(m, tr, r->page, c);
    } else {
        c->minor_faults++;
        cost = m->cfg.minor_ns;
    }
    c->fault_ns += cost;
    *t += cost;
    if (dm->resident >= dm->quota && dm->resident) {
        uint64_t cleaned = m->cleaned;
        uint32_t v = dm->pol.ops->victim(dm->pol.st, r);
        if (m->cleaned != cleaned)
            charge_cleaned(m, m->cleaned - cleaned, c, t);
        int rc = mem_evict(m, v, -1, t);
        if (rc)
            return rc;
    }
    uint32_t f = take_free(m, node);
    if (f == VMM_NOFRAME)
        return VMM_EIO;   /* cannot happen while quotas fit the pool */
    place(m, dm, r->page, f);
    r->frame = f;
    if (dm->pol.ops->on_insert(dm->pol.st, r) == VMM_POLICY_BYPASS) {
        /* the policy declined the page: it was used once and dropped */
        r->frame = VMM_NOFRAME;
        return mem_evict(m, f, -1, t);
    }
    return 0;
}

/* --- reclaim, quotas, migration ------------------------------------------ */

int mem_reclaim(mem_t *m, uint32_t d, uint64_t pages, int balloon, vmm_rng_t *rng)
{
    mem_domain_t *dm = &m->doms[d];
    vmm_pref_t none = {.key = 0, .now = dm->now, .page = VMM_NOFRAME, .frame = VMM_NOFRAME,
                       .next_use = VMM_NEVER};
    for (uint64_t i = 0; i < pages && dm->resident; i++) {
        uint32_t f;
        if (balloon) {
            /* the guest's policy picks; the guest pages out to its own disk */
            f = dm->pol.ops->victim(dm->pol.st, &none);
            counters_of(m, m->frame_page[f])->ballooned++;
        } else {
            /* the host cannot see the guest's recency: random frames (ESX) */
            f = dm->res_list[vmm_rng_below(rng, dm->resident)];
            dm->pol.ops->on_remove(dm->pol.st, f, m->frame_page[f]);
            counters_of(m, m->frame_page[f])->host_swapped++;
        }
        int rc = mem_evict(m, f, balloon ? m->swap_tier : -1, NULL);
        if (rc)
            return rc;
    }
    return 0;
}

int mem_set_quota(mem_t *m, uint32_t d, uint64_t quota, int balloon, vmm_rng_t *rng)
{
    mem_domain_t *dm = &m->doms[d];
    if (quota == dm->quota)
        return 0;
    uint64_t cap = quota < 1 ? 1 : quota > m->nframes ? m->nframes : quota;
    if (dm->pol.ops->resize && dm->pol.ops->resize(dm->pol.st, (uint32_t)cap))
        return VMM_ENOMEM;
    if (dm->resident > quota) {
        int rc = mem_reclaim(m, d, dm->resident - quota, balloon, rng);
        if (rc)
            return rc;
    }
    dm->quota = quota;
    return 0;
}

int mem_migrate(mem_t *m, uint32_t d, uint32_t pid, uint32_t node)
{
    if (!m->node_nfree[node])
        return 0;
    mem_domain_t *dm = &m->doms[d];
    mem_page_t *pg = &m->pg[pid];
    uint32_t old = pg->frame, f = m->node_free[node][--m->node_nfree[node]];
    uint8_t dirty = m->frame_dirty[old];
    dm->pol.ops->on_remove(dm->pol.st, old, pid);
    if (m->cfg.map)
        m->cfg.map(m->cfg.map_arg, pid, VMM_NOFRAME);
    res_del(m, dm, old);
    m->frame_page[old] = VMM_NOFRAME;
    m->frame_dirty[old] = 0;
    give_free(m, old);
    place(m, dm, pid, f);
    m->frame_dirty[f] = dirty;   /* the copy is as dirty as the original */
    vmm_pref_t r = {.key = pid, .now = dm->now, .page = pid, .frame = f, .next_use = VMM_NEVER};
    if (dm->pol.ops->on_insert(dm->pol.st, &r) == VMM_POLICY_BYPASS)
        mem_evict(m, f, -1, NULL);
    counters_of(m, pid)->page_migrations++;
    return 1;
}
