/* The slow paths of the per-reference data path (core.h): a TLB miss (the
 * walk, first touch, the samplers' traps, NUMA balancing) and a fault. */
#include "core.h"
#include "sampler.h"

/* The guest (or the machine) maps a page it touches for the first time: a
 * page id, a guest-physical page (the next gpn of its domain), its PTE and
 * in nested mode its nested entry; the samplers may select it. */
static int first_touch(core_t *k, uint32_t as, uint64_t vpn, uint32_t *pid)
{
    if (vpn >> 52)
        return VMM_ERANGE;   /* the page key keeps 52 bits for the page number */
    xl_as_t *a = &k->xl.as[as];
    core_dom_t *cd = &k->doms[a->dom];
    int rc = mem_new_page(&k->mem, pid);
    if (rc)
        return rc;
    mem_pinfo_t *i = &k->mem.info[*pid];
    i->vpn = vpn;
    i->as = as;
    i->dom = (uint16_t)a->dom;
    i->gpn = cd->npages;
    if ((rc = k->xl.cfg.gpt_ops->insert(a->gpt, vpn, *pid)))
        return rc;
    if (k->xl.npt && (rc = k->xl.cfg.npt_ops->insert(k->xl.npt[a->dom], i->gpn, *pid)))
        return rc;
    cd->npages++;
    k->ctr[as].pages_touched++;
    return k->units ? core_smp_select(k, as, *pid) : 0;
}

/* Automatic NUMA balancing: a resident page walked twice in a row from the
 * same remote node moves to that node when it has a free frame (a page
 * copy, charged like a minor fault). Walks are where the hardware would
 * take NUMA hinting faults. */
static void numa_check(core_t *k, xl_cpu_t *p, uint32_t d, uint32_t pid, double *t)
{
    mem_page_t *pg = &k->mem.pg[pid];
    mem_pinfo_t *i = &k->mem.info[pid];
    if (pg->node == p->node) {
        i->remote = 0;
        return;
    }
    if (i->remote_node != p->node) {
        i->remote_node = (uint8_t)p->node;
        i->remote = 0;
    }
    if (++i->remote < 2)
        return;
    if (mem_migrate(&k->mem, d, pid, p->node)) {
        i->remote = 0;
        *t += k->cfg.minor_ns;
    }
}

int core_translate_miss(core_t *k, xl_cpu_t *p, uint32_t as, uint64_t vpn, uint32_t *pid,
                        double now, double *t)
{
    vmm_counters_t *c = &k->ctr[as];
    xl_as_t *a = &k->xl.as[as];
    unsigned grefs = 0;
    int rc;
    c->tlb_misses++;
    *pid = k->xl.cfg.gpt_ops->lookup(a->gpt, vpn, &grefs);
    if (*pid == VMM_PT_NONE) {
        if ((rc = first_touch(k, as, vpn, pid)))
            return rc;
        if (k->xl.cfg.mode == XL_SHADOW) {
            c->shadow_syncs++;   /* the guest's PTE write traps */
            *t += k->cfg.shadow_sync_ns;
        }
    }
    /* only a nested table that must be looked up needs the gpn: reading it
     * otherwise would be a cache miss on every TLB miss */
    uint32_t gpn = k->xl.npt && !k->xl.nlevels ? k->mem.info[*pid].gpn : 0;
    unsigned w = xl_walk(&k->xl, p, as, vpn, a->dom, gpn, grefs, c);
    *t += w * k->cfg.local_ns[p->node];
    mem_page_t *pg = &k->mem.pg[*pid];
    /* traced pages, and sampled pages about to come back from a tier (the
     * VMM handles that fault anyway), are accesses the samplers see */
    if ((pg->sflags & k->walk_trap) || ((pg->sflags & SF_SAMPLED) && pg->tier != MEM_TIER_NONE))
        if ((rc = core_smp_walk(k, as, *pid, now + *t, t)))
            return rc;
    if (k->cfg.numa_migrate && k->mem.nnodes > 1 && pg->frame != VMM_NOFRAME)
        numa_check(k, p, a->dom, *pid, t);
    if (k->stages.n) {
        vmm_stage_ref_t r = {.as = as, .page = *pid, .vpn = vpn};
        if ((rc = vmm_stages_walk(&k->stages, &r, w, t)))
            return rc;
    }
    return 0;
}

/* The node a domain's new page goes to. */
static uint32_t place(const core_t *k, uint32_t d, const xl_cpu_t *p, uint32_t pid)
{
    const core_dom_t *cd = &k->doms[d];
    switch (cd->numa) {
    case VMM_NUMA_INTERLEAVE: return k->mem.info[pid].gpn % k->mem.nnodes;
    case VMM_NUMA_PREFERRED: return cd->numa_node;
    default: return p->node;
    }
}

int core_fault(core_t *k, xl_cpu_t *p, uint32_t as, vmm_pref_t *r, double *t)
{
    uint32_t d = k->xl.as[as].dom;
    int major = k->mem.pg[r->page].tier != MEM_TIER_NONE;
    int rc = mem_fault(&k->mem, d, r, place(k, d, p, r->page), &k->ctr[as], t);
    if (!rc && k->stages.n) {
        vmm_stage_ref_t sr = {.as = as, .page = r->page, .vpn = k->mem.info[r->page].vpn};
        rc = vmm_stages_fault(&k->stages, &sr, major, t);
    }
    return rc;
}

int core_access_fault(core_t *k, const core_ctx_t *x, uint64_t vpn, uint32_t pid, unsigned op,
                      uint64_t next_use, int hit, double *t)
{
    mem_page_t *pg = &k->mem.pg[pid];
    vmm_pref_t r = {.key = ((uint64_t)x->as << 52) ^ vpn, .now = x->dm->now++,
                    .next_use = next_use, .page = pid, .frame = VMM_NOFRAME,
                    .write = op == VMM_OP_WRITE};
    int rc = core_fault(k, x->p, x->as, &r, t);
    if (rc)
        return rc;
    /* a bypassed page is not resident: nothing to mark or cache, but the
     * data access is still made, from wherever its frame was */
    *t += r.frame != VMM_NOFRAME ? core_data(k, x, vpn, pid, pg, op, hit) : core_dram(k, x, pg);
    return x->extra ? core_access_extra(k, x, vpn, pid, op, hit, t) : 0;
}

int core_access_extra(core_t *k, const core_ctx_t *x, uint64_t vpn, uint32_t pid, unsigned op,
                      int hit, double *t)
{
    int rc = x->b ? x->b->ops->access(x->b->st, pid) : 0;
    if (!rc && k->stages.n_ref)
        rc = vmm_stages_ref(&k->stages, x->as, vpn, pid, op, hit, t);
    return rc;
}
