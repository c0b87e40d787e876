/* Building a core and its address spaces; the memory layer's callback into
 * translation (see core.h). */
#include "core.h"
#include "mrc/patent.h"
#include "util/alloc.h"
#include <math.h>
#include <string.h>

/* A page entered DRAM or left it: the one place that tells the page tables
 * (tables that index frames, inverted, keep only resident pages), shoots
 * down every CPU's TLB entries and tells the stages. Resident pages per
 * address space are counted when a report asks (vmm_get_stats), not here. */
static void core_map(void *arg, uint32_t pid, uint32_t frame)
{
    core_t *k = arg;
    const vmm_pt_ops *g = k->xl.cfg.gpt_ops, *n = k->xl.cfg.npt_ops;
    /* a page entering DRAM concerns only tables that index frames: the
     * others are not told, and its mapping (a cache miss) is not read */
    if (frame != VMM_NOFRAME && !g->resident && !(n && n->resident))
        return;
    const mem_pinfo_t *i = &k->mem.info[pid];
    if (g->resident)
        g->resident(k->xl.as[i->as].gpt, i->vpn, pid, frame);
    if (n && n->resident)
        n->resident(k->xl.npt[i->dom], i->gpn, pid, frame);
    if (frame != VMM_NOFRAME)
        return;
    xl_shootdown(&k->xl, i->as, i->vpn);
    if (k->stages.n)
        vmm_stages_evict(&k->stages, pid);
}

static vmm_counters_t *core_counters(void *arg, uint32_t pid)
{
    core_t *k = arg;
    return &k->ctr[k->mem.info[pid].as];
}

static int grow_units(core_t *k, size_t need)
{
    size_t cap = k->units_cap;
    if (need <= cap)
        return 0;
    if (vmm_grow(&k->units, &k->units_cap, need, sizeof *k->units))
        return VMM_ENOMEM;
    for (size_t u = cap; u < k->units_cap; u++)
        k->units[u].due = INFINITY;
    return 0;
}

int core_smp_add(core_t *k, uint32_t u)
{
    const core_sampler_cfg_t *s = &k->cfg.smp;
    if (grow_units(k, (size_t)u + 1))
        return VMM_ENOMEM;
    if (vmm_patent_create(s->pages, k->smp_chunks, &k->units[u].smp))
        return VMM_ENOMEM;
    k->units[u].due = s->mode == VMM_SAMPLER_SCAN ? s->period_ns : INFINITY;
    return 0;
}

/* C defaults to sqrt(S): a trace fault walks one chunk (S/C pages) and
 * rebalances up to C chunk tails, so sqrt(S) minimises the sum. */
static int sampler_init(core_t *k)
{
    const core_sampler_cfg_t *s = &k->cfg.smp;
    if (s->mode == VMM_SAMPLER_OFF || !s->pages)
        return 0;
    k->smp_chunks = s->chunks ? s->chunks : (uint32_t)lround(sqrt((double)s->pages));
    if (!k->smp_chunks)
        k->smp_chunks = 1;
    k->smp_salt = vmm_hash64(s->seed ^ 0x5851f42d4c957f2dULL);
    /* scan mode reads accessed bits that every walk of a sampled page sets */
    k->walk_trap = SF_TRACED | SF_ACT_SAMPLED | (s->mode == VMM_SAMPLER_SCAN ? SF_SAMPLED : 0);
    if (grow_units(k, s->per_as ? 1 : (k->cfg.ndoms ? k->cfg.ndoms : 1)))
        return VMM_ENOMEM;
    if (s->global && vmm_patent_create(s->pages, k->smp_chunks, &k->gsmp))
        return VMM_ENOMEM;
    return 0;
}

int core_init(core_t *k, const core_cfg_t *cfg, vmm_err_t *err)
{
    memset(k, 0, sizeof *k);
    k->cfg = *cfg;
    k->walk_trap = SF_ACT_SAMPLED;
    mem_cfg_t mc = {.nframes = cfg->nframes, .nnodes = cfg->nnodes, .ndomains = cfg->ndoms,
                    .info = 1, .minor_ns = cfg->minor_ns, .map = core_map, .map_arg = k,
                    .counters = core_counters};
    k->doms = vmm_calloc(cfg->ndoms ? cfg->ndoms : 1, sizeof *k->doms);
    if (!k->doms || mem_init(&k->mem, &mc))
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    int rc = xl_init(&k->xl, &cfg->xl, err);
    if (rc)
        return rc;
    if (sampler_init(k))
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    return 0;
}

void core_fini(core_t *k)
{
    for (size_t u = 0; k->units && u < k->units_cap; u++)
        vmm_patent_destroy(k->units[u].smp);
    vmm_patent_destroy(k->gsmp);
    vmm_stages_fini(&k->stages);
    mem_fini(&k->mem);
    xl_fini(&k->xl);
    vmm_free(k->units);
    vmm_free(k->ctr);
    vmm_free(k->doms);
    memset(k, 0, sizeof *k);
}

int core_domain(core_t *k, uint32_t d, const vmm_policy_ops *ops, const char *params,
                uint64_t seed, uint64_t quota, vmm_err_t *err)
{
    return mem_domain_init(&k->mem, d, ops, params, seed, quota, err);
}

int core_as_new(core_t *k, uint32_t dom, uint32_t asid, uint32_t *idx)
{
    size_t cap = k->ctr_cap;
    if (vmm_grow(&k->ctr, &cap, (size_t)k->xl.nas + 1, sizeof *k->ctr))
        return VMM_ENOMEM;
    k->ctr_cap = cap;
    int rc = xl_as_new(&k->xl, dom, asid, idx);
    if (!rc && k->cfg.smp.per_as && k->cfg.smp.mode != VMM_SAMPLER_OFF && k->cfg.smp.pages)
        rc = core_smp_add(k, *idx);
    return rc;
}

void core_sum(const core_t *k, uint32_t d, vmm_counters_t *out)
{
    memset(out, 0, sizeof *out);
    for (uint32_t a = 0; a < k->xl.nas; a++)
        if (d == UINT32_MAX || k->xl.as[a].dom == d)
            vmm_counters_add(out, &k->ctr[a]);
    core_fix_local(k, out);
}

void vmm_counters_add(vmm_counters_t *t, const vmm_counters_t *c)
{
#define ADD_(type, name, n, flags, text) \
    for (size_t i_ = 0; i_ < sizeof t->name / sizeof(type); i_++) \
        ((type *)&t->name)[i_] += ((const type *)&c->name)[i_];
    VMM_COUNTERS(ADD_)
#undef ADD_
}

