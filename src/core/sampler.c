/* The samplers that run inside the MMU, written once for every mode.
 *
 * The patent MRC sampler (US 9,223,722, docs/mrc-patent.md). Units: one
 * sampler per address space on a native machine (plus, optionally, one
 * machine-wide), one per domain in the hypervisor, which sees only
 * guest-physical pages and so selects by gpn. Its hooks, all off the
 * TLB-hit path:
 *   - first touch: spatial selection by hash (core_smp_select). A selected
 *     page starts traced (the patent installs traces when the VM starts);
 *     the page it displaces from the sample is untraced for good;
 *   - a walk of a traced page (a cleared present bit, claims 3-4) traps
 *     into the VMM, FIG. 4: the chunked LRU list is updated, the trace
 *     removed and its re-installation queued for one sampling period later
 *     (claim 2). In scan mode the walk sets the page's accessed bit
 *     instead. A sampled, untraced page faulting back from a tier is seen
 *     too, at no extra cost: the VMM handles that fault anyway (a fault
 *     detection, an extension of the patent's trace faults);
 *   - the start of a reference once the unit's clock passes its next
 *     period end, FIG. 5: re-install the due traces (unmap, shoot down the
 *     TLB entries), or in scan mode read and clear the accessed bits.
 * Costs come from the latency model (trace_fault_ns, retrace_ns,
 * scan_page_ns; docs/latency.md).
 *
 * ESX active-memory sampling (Waldspurger, OSDI'02, section 5.3): the
 * hypervisor unmaps a random sample of each VM's pages every period
 * (src/host/period.c); a sampled page's next walk traps once here and
 * counts as touched.
 *
 * Both samplers' traps are a sample of the pages the running vCPU uses, by
 * node: its per-node working sets (seed 003 FIG. 8, step 810), when the
 * host asks for them (core_t.ws). */
#include "sampler.h"
#include "mrc/patent.h"

static void charge(vmm_counters_t *c, double ns, double *t)
{
    c->sampler_ns += ns;
    *t += ns;
}

int core_smp_select(core_t *k, uint32_t as, uint32_t pid)
{
    vmm_patent_t *smp = k->units[core_unit_of(k, as)].smp;
    if (!smp)
        return 0;
    const mem_pinfo_t *i = &k->mem.info[pid];
    uint64_t key = k->cfg.smp.by_gpn ? i->gpn : ((uint64_t)as << 52 | i->vpn);
    uint64_t h = vmm_hash64(key ^ k->smp_salt);
    uint32_t gone, ggone;
    /* every new page is offered machine-wide too: the offers count the
     * pages sampled from, which sets that sampler's rate. Pages a unit
     * rejects are not among the machine-wide S smallest hashes either, so
     * the machine-wide sample is a subset of the traced pages. */
    int rc = vmm_patent_offer(smp, pid, h, &gone), grc = 0;
    if (rc < 0 || (k->gsmp && (grc = vmm_patent_offer(k->gsmp, pid, h, &ggone)) < 0))
        return rc < 0 ? rc : grc;
    if (!rc)
        return 0;
    mem_page_t *pg = &k->mem.pg[pid];
    pg->sflags |= SF_SAMPLED;
    if (k->cfg.smp.mode == VMM_SAMPLER_FAULT)
        pg->sflags |= SF_TRACED;
    if (gone != UINT32_MAX) {
        k->mem.pg[gone].sflags &= (uint8_t)~(SF_SAMPLED | SF_TRACED | SF_ACCESSED);
        if (k->gsmp)
            vmm_patent_remove(k->gsmp, gone);
    }
    return 0;
}

/* A detected access updates the unit's LRU list and the machine-wide one. */
static void detected(core_t *k, uint32_t u, uint32_t pid)
{
    vmm_patent_touch(k->units[u].smp, pid);
    if (k->gsmp)
        vmm_patent_touch(k->gsmp, pid);
}

int core_smp_walk(core_t *k, uint32_t as, uint32_t pid, double now, double *t)
{
    vmm_counters_t *c = &k->ctr[as];
    mem_page_t *pg = &k->mem.pg[pid];
    if (k->ws && pg->frame != VMM_NOFRAME)
        k->ws[pg->node]++;
    if (pg->sflags & SF_ACT_SAMPLED) {
        pg->sflags = (uint8_t)((pg->sflags & ~SF_ACT_SAMPLED) | SF_ACT_TOUCHED);
        k->doms[k->xl.as[as].dom].act_touched++;
        c->active_faults++;
        charge(c, k->cfg.trace_fault_ns, t);
    }
    uint32_t u = core_unit_of(k, as);
    if (!(pg->sflags & SF_SAMPLED) || !k->units || !k->units[u].smp)
        return 0;
    if (k->cfg.smp.mode == VMM_SAMPLER_SCAN) {
        pg->sflags |= SF_ACCESSED;
        return 0;
    }
    if (!(pg->sflags & SF_TRACED)) {
        if (pg->tier != MEM_TIER_NONE) {
            detected(k, u, pid);
            c->fault_detections++;
        }
        return 0;
    }
    pg->sflags &= (uint8_t)~SF_TRACED;
    c->trace_faults++;
    charge(c, k->cfg.trace_fault_ns, t);
    detected(k, u, pid);
    core_unit_t *un = &k->units[u];
    double due = now + k->cfg.smp.period_ns;
    if (vmm_patent_defer(un->smp, pid, due))
        return VMM_ENOMEM;
    if (due < un->due)
        un->due = due;
    return 0;
}

/* Scan mode, once per period: read and clear the sampled pages' accessed
 * bits (in the sample's slot order, a hash order: random as far as
 * addresses go). Pages seen accessed move to the top of the LRU list in
 * scan order, so the order of accesses within a period is lost. Clearing a
 * bit also drops the page's TLB entries, or a cached translation would let
 * later accesses go unseen. */
static double scan(core_t *k, uint32_t u, vmm_counters_t *c, double now)
{
    core_unit_t *un = &k->units[u];
    uint32_t n = vmm_patent_count(un->smp), seen = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pid = vmm_patent_page(un->smp, i);
        mem_page_t *pg = &k->mem.pg[pid];
        if (!(pg->sflags & SF_ACCESSED))
            continue;
        pg->sflags &= (uint8_t)~SF_ACCESSED;
        core_shootdown(k, pid);
        detected(k, u, pid);
        seen++;
    }
    c->scanned_pages += n;
    c->scan_hits += seen;
    c->sampler_tlb_invalidations += seen;
    double t = 0;
    charge(c, n * k->cfg.scan_page_ns + seen * k->cfg.retrace_ns, &t);
    un->due = now + t + k->cfg.smp.period_ns;
    return t;
}

double core_smp_tick(core_t *k, uint32_t u, uint32_t as, double now)
{
    vmm_counters_t *c = &k->ctr[as];
    if (k->cfg.smp.mode == VMM_SAMPLER_SCAN)
        return scan(k, u, c, now);
    core_unit_t *un = &k->units[u];
    double t = 0;
    while (vmm_patent_next_due(un->smp) <= now) {
        uint32_t pid = vmm_patent_pop_due(un->smp);
        mem_page_t *pg = &k->mem.pg[pid];
        /* a page that left the sample meanwhile stays untraced */
        if ((pg->sflags & (SF_SAMPLED | SF_TRACED)) != SF_SAMPLED)
            continue;
        pg->sflags |= SF_TRACED;
        core_shootdown(k, pid);
        c->trace_installs++;
        c->sampler_tlb_invalidations++;
        charge(c, k->cfg.retrace_ns, &t);
    }
    un->due = vmm_patent_next_due(un->smp);
    return t;
}

struct vmm_patent *core_smp_of(core_t *k, uint32_t u)
{
    if (u == UINT32_MAX)
        return k->gsmp;
    return k->units && u < k->units_cap ? k->units[u].smp : NULL;
}

int core_smp_curve(core_t *k, uint32_t u, uint64_t refs, vmm_mrc_t *out)
{
    vmm_patent_t *p = core_smp_of(k, u);
    if (!p)
        return VMM_EINVAL;
    return vmm_patent_curve(p, refs, out);
}
