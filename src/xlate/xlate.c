/* Address spaces, CPUs and walkers: see xlate.h. */
#include "xlate.h"
#include "util/alloc.h"
#include <string.h>

static int init_cpu(xlate_t *x, xl_cpu_t *p, uint32_t c, vmm_err_t *err)
{
    const xlate_cfg_t *cfg = &x->cfg;
    p->node = (uint32_t)((uint64_t)c * cfg->nnodes / cfg->ncpus);
    p->cur_as = UINT32_MAX;
    for (uint32_t l = 0; l < cfg->ntlb; l++) {
        int rc = vmm_tlb_init(&p->tlb[l], &cfg->tlb[l]);
        if (rc)
            return rc == VMM_ENOMEM
                       ? rc
                       : vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                                     "TLB: entries must be a multiple of ways with a power-of-two number of sets");
    }
    for (unsigned k = 0; k + 1 < x->glevels; k++) {
        /* 4-way when the sets come out a power of two, else fully
         * associative (fine for the usual 16-32 entries) */
        vmm_tlb_cfg_t tc = {.entries = cfg->pwc_entries, .ways = 4};
        int rc = vmm_tlb_init(&p->pwc[k], &tc);
        if (rc == VMM_EINVAL) {
            tc.ways = 0;
            rc = vmm_tlb_init(&p->pwc[k], &tc);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static void *new_table(const vmm_pt_ops *ops, const vmm_pt_cfg_t *c)
{
    void *st = vmm_calloc(1, ops->state_size);
    if (st && ops->init(st, c)) {
        vmm_free(st);
        return NULL;
    }
    return st;
}

static void free_table(const vmm_pt_ops *ops, void *st)
{
    if (st) {
        ops->fini(st);
        vmm_free(st);
    }
}

int xl_init(xlate_t *x, const xlate_cfg_t *cfg, vmm_err_t *err)
{
    memset(x, 0, sizeof *x);
    x->cfg = *cfg;
    if (!x->cfg.ncpus)
        x->cfg.ncpus = 1;
    if (!x->cfg.nnodes)
        x->cfg.nnodes = 1;
    x->glevels = cfg->pwc_entries && cfg->mode == XL_NESTED ? cfg->gpt_ops->radix_levels : 0;
    x->nlevels = cfg->npt_ops ? cfg->npt_ops->radix_levels : 0;
    x->cpus = vmm_calloc(x->cfg.ncpus, sizeof *x->cpus);
    if (!x->cpus || vmm_hm_init(&x->as_map, 16))
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    for (uint32_t c = 0; c < x->cfg.ncpus; c++) {
        int rc = init_cpu(x, &x->cpus[c], c, err);
        if (rc)
            return rc == VMM_ENOMEM ? vmm_err_set(err, rc, NULL, 0, -1, "out of memory") : rc;
    }
    if (cfg->mode == XL_NESTED) {
        x->npt = vmm_calloc(cfg->ndoms ? cfg->ndoms : 1, sizeof *x->npt);
        if (!x->npt)
            return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
        for (uint32_t d = 0; d < cfg->ndoms; d++)
            if (!(x->npt[d] = new_table(cfg->npt_ops, &cfg->ptc)))
                return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    }
    return 0;
}

void xl_fini(xlate_t *x)
{
    for (uint32_t i = 0; x->as && i < x->nas; i++)
        free_table(x->cfg.gpt_ops, x->as[i].gpt);
    for (uint32_t d = 0; x->npt && d < x->cfg.ndoms; d++)
        if (x->npt[d])
            free_table(x->cfg.npt_ops, x->npt[d]);
    for (uint32_t c = 0; x->cpus && c < x->cfg.ncpus; c++) {
        for (uint32_t l = 0; l < x->cfg.ntlb; l++)
            vmm_tlb_fini(&x->cpus[c].tlb[l]);
        for (unsigned k = 0; k + 1 < x->glevels; k++)
            vmm_tlb_fini(&x->cpus[c].pwc[k]);
    }
    vmm_hm_fini(&x->as_map);
    vmm_free(x->cpus);
    vmm_free(x->as);
    vmm_free(x->npt);
    memset(x, 0, sizeof *x);
}

int xl_as_new(xlate_t *x, uint32_t dom, uint32_t asid, uint32_t *idx)
{
    if (x->cfg.max_as && x->nas >= x->cfg.max_as)
        return VMM_ERANGE;
    if (vmm_grow(&x->as, &x->as_cap, (size_t)x->nas + 1, sizeof *x->as))
        return VMM_ENOMEM;
    xl_as_t *a = &x->as[x->nas];
    memset(a, 0, sizeof *a);
    a->dom = dom;
    a->asid = asid;
    if (!(a->gpt = new_table(x->cfg.gpt_ops, &x->cfg.ptc)))
        return VMM_ENOMEM;
    if (vmm_hm_put(&x->as_map, (uint64_t)dom << 32 | asid, x->nas)) {
        free_table(x->cfg.gpt_ops, a->gpt);
        a->gpt = NULL;
        return VMM_ENOMEM;
    }
    *idx = x->nas++;
    return 0;
}

void xl_shootdown(xlate_t *x, uint32_t as, uint64_t vpn)
{
    for (uint32_t c = 0; c < x->cfg.ncpus; c++)
        for (uint32_t l = 0; l < x->cfg.ntlb; l++)
            vmm_tlb_invalidate(&x->cpus[c].tlb[l], as, vpn);
}

/* Nested mode: the guest levels read, shortened by a page-walk cache hit
 * (which is then refilled for the levels below the one that hit). */
static unsigned pwc_levels(xlate_t *x, xl_cpu_t *p, uint32_t as, uint64_t vpn, unsigned grefs,
                           vmm_counters_t *c)
{
    if (!x->glevels || grefs != x->glevels)
        return grefs;
    unsigned k;
    uint32_t unused;
    for (k = 1; k < x->glevels; k++)
        if (vmm_tlb_lookup(&p->pwc[k - 1], as, vpn >> (9 * k), &unused))
            break;
    for (unsigned j = 1; j < k && j < x->glevels; j++)
        vmm_tlb_fill(&p->pwc[j - 1], as, vpn >> (9 * j), 0);
    if (k < x->glevels) {
        c->pwc_hits++;
        return k;
    }
    return grefs;
}

unsigned xl_walk(xlate_t *x, xl_cpu_t *p, uint32_t as, uint64_t vpn, uint32_t dom, uint32_t gpn,
                 unsigned grefs, vmm_counters_t *c)
{
    if (x->cfg.mode != XL_NESTED) {
        c->guest_walk_refs += grefs;
        c->walk_refs += grefs;
        return grefs;
    }
    unsigned n = x->nlevels;
    /* Every touched gpn is mapped, and a radix walk of a mapped entry reads
     * one entry per level: its cost is known without the lookup (which
     * would return the page again), a dependent chain of cache misses
     * saved. Other kinds are looked up. */
    if (!n)
        x->cfg.npt_ops->lookup(x->npt[dom], gpn, &n);
    unsigned g = pwc_levels(x, p, as, vpn, grefs, c);
    unsigned nested = (g + 1) * n;
    c->guest_walk_refs += g;
    c->nested_walk_refs += nested;
    c->walk_refs += g + nested;
    return g + nested;
}

uint64_t xl_pt_bytes(const xlate_t *x, uint32_t as)
{
    return x->cfg.gpt_ops->bytes(x->as[as].gpt);
}
