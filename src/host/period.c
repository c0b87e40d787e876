/* Work the hypervisor does besides translating references: the two
 * samplers that run inside the MMU, and once per period the balancer.
 *
 * The patent MRC sampler (US 9,223,722, docs/mrc-patent.md): S pages of
 * each VM, chosen by a hash of their guest-physical page number, are traced
 * (unmapped); their next walk traps into the VMM, which updates the chunked
 * LRU list and leaves the page untraced for one sampling period.
 *
 * ESX active-memory sampling (Waldspurger, OSDI'02, section 5.3): at the
 * start of each period `host.active_sample` random pages of each VM's
 * allocation are unmapped; a page touched during the period traps once and
 * counts as active, allocated memory the VM leaves unused counts as idle. The fraction feeds the idle memory tax through the fast/slow
 * moving averages of balance.h.
 *
 * Every period (host.period of simulated time) the balancer sees each VM's
 * allocation, bounds, shares, active fraction, reference rate and MRC and
 * returns new allocations; a VM that must shrink gives up pages at once
 * (balloon or host swap), a VM that grows takes free frames as it faults. */
#include "host_int.h"
#include "mrc/patent.h"
#include "util/alloc.h"
#include <string.h>

/* --- patent MRC sampler ---------------------------------------------------- */

int host_smp_select(host_t *h, host_vm_t *vm, uint32_t pid)
{
    host_page_t *pg = &h->pages[pid];
    uint32_t gone;
    int rc = vmm_patent_offer(vm->smp, pid, vmm_hash64(pg->gpn ^ h->smp_salt), &gone);
    if (rc <= 0)
        return rc;
    pg->flags |= HP_SAMPLED | HP_TRACED;
    if (gone != UINT32_MAX)
        h->pages[gone].flags &= (uint8_t)~(HP_SAMPLED | HP_TRACED);
    return 0;
}

static void charge(host_vm_t *vm, double ns, double *t)
{
    vm->r.sampler_ns += ns;
    *t += ns;
}

/* A walk reached a page one of the samplers watches: it traps. */
int host_smp_walk(host_t *h, host_vcpu_t *v, host_page_t *pg, uint32_t pid, double now,
                  double *t)
{
    host_vm_t *vm = &h->vms[v->vm];
    /* both samplers' traps are a sample of the pages this vCPU uses, by
     * node: its per-node working sets (FIG. 8, step 810) */
    if (pg->frame != VMM_NOFRAME)
        v->ws[pg->node]++;
    if (pg->flags & HP_ACT_SAMPLED) {
        pg->flags = (uint8_t)((pg->flags & ~HP_ACT_SAMPLED) | HP_ACT_TOUCHED);
        vm->act_touched++;
        vm->r.active_faults++;
        charge(vm, HOST_TRAP_NS, t);
    }
    if (!(pg->flags & HP_TRACED)) {
        /* an untraced sampled page faulting back in: the VMM sees it while
         * handling the fault, at no extra cost (an extension of the patent's
         * trace faults; its re-trace is already queued) */
        if ((pg->flags & HP_SAMPLED) && pg->tier != HOST_TIER_NONE) {
            vmm_patent_touch(vm->smp, pid);
            vm->r.fault_detections++;
        }
        return 0;
    }
    pg->flags &= (uint8_t)~HP_TRACED;
    vm->r.trace_faults++;
    charge(vm, HOST_TRAP_NS, t);
    vmm_patent_touch(vm->smp, pid);
    double due = now + h->hs->mrc_period_ns;
    if (vmm_patent_defer(vm->smp, pid, due))
        return VMM_ENOMEM;
    if (due < vm->smp_due)
        vm->smp_due = due;
    return 0;
}

/* Re-install the traces that are due by `now`; returns their cost. */
double host_smp_tick(host_t *h, host_vm_t *vm, double now)
{
    double t = 0;
    while (vmm_patent_next_due(vm->smp) <= now) {
        uint32_t pid = vmm_patent_pop_due(vm->smp);
        host_page_t *pg = &h->pages[pid];
        if ((pg->flags & (HP_SAMPLED | HP_TRACED)) != HP_SAMPLED)
            continue;
        pg->flags |= HP_TRACED;
        host_shootdown(h, pg);
        charge(vm, HOST_RETRACE_NS, &t);
    }
    vm->smp_due = vmm_patent_next_due(vm->smp);
    return t;
}

/* The VM's MRC so far: the patent sampler's, a builder's, or none. */
static int vm_mrc(host_vm_t *vm, vmm_mrc_t *out)
{
    memset(out, 0, sizeof *out);
    if (vm->smp)
        return vmm_patent_curve(vm->smp, vm->r.refs, out);
    if (vm->mrcb.st)
        return vm->mrcb.ops->curve(vm->mrcb.st, out);
    return 0;
}

/* --- active-memory sampling -------------------------------------------------- */

/* Unmap this period's sample: random slots of the VM's allocation (ESX
 * samples the memory the VM holds). A slot beyond the resident pages is
 * memory the VM has been given and does not use: idle by definition. */
static void act_begin(host_t *h, uint32_t i)
{
    host_vm_t *vm = &h->vms[i];
    for (uint32_t k = 0; k < vm->act_n; k++)
        if (vm->act_pick[k] != VMM_NOFRAME)
            h->pages[vm->act_pick[k]].flags &= (uint8_t)~(HP_ACT_SAMPLED | HP_ACT_TOUCHED);
    uint64_t seed = h->hs->seed ^ vmm_hash64(i + 1);
    vm->act_n = vmm_active_pick(seed, h->period, vm->alloc, h->acfg.samples, vm->act_pick);
    vm->act_touched = 0;
    for (uint32_t k = 0; k < vm->act_n; k++) {
        uint64_t slot = vm->act_pick[k];
        if (slot >= vm->resident) {
            vm->act_pick[k] = VMM_NOFRAME;
            continue;
        }
        uint32_t pid = h->frame_page[vm->res_list[slot]];
        vm->act_pick[k] = pid;
        h->pages[pid].flags |= HP_ACT_SAMPLED;
        host_shootdown(h, &h->pages[pid]);
    }
}

static void act_end(host_t *h, host_vm_t *vm)
{
    vm->act = vmm_active_update(vm->act, &h->acfg, vm->act_touched, vm->act_n);
    vm->r.active = vmm_active_estimate(vm->act, &h->acfg, 0, 0);
}

/* --- the balancer -------------------------------------------------------------- */

static int log_decisions(host_t *h, const vmm_balance_result_t *br, double now)
{
    vmm_host_result_t *res = h->res;
    for (size_t k = 0; k < br->nlog; k++) {
        if (vmm_grow(&res->log, &h->log_cap, res->nlog + 1, sizeof *res->log))
            return VMM_ENOMEM;
        res->log[res->nlog++] = (vmm_host_decision_t){.t_ns = now, .period = h->period,
                                                      .move = br->log[k]};
    }
    return 0;
}

static int sample_alloc(host_t *h, double now)
{
    vmm_host_result_t *res = h->res;
    if (vmm_grow(&res->alloc, &h->alloc_cap, res->nalloc + h->nvms, sizeof *res->alloc))
        return VMM_ENOMEM;
    for (uint32_t i = 0; i < h->nvms; i++) {
        host_vm_t *vm = &h->vms[i];
        uint64_t refs = vm->r.refs - vm->refs0, faults = vm->r.faults - vm->faults0;
        double mr = refs ? (double)faults / (double)refs : 0;
        res->alloc[res->nalloc++] = (vmm_alloc_sample_t){
            .t_ns = now, .vm = i, .alloc = vm->alloc, .resident = vm->resident,
            .active = vm->r.active, .miss_ratio = mr};
        vm->refs0 = vm->r.refs;
        vm->faults0 = vm->r.faults;
    }
    return 0;
}

/* Shrink first (freeing frames), then grow. */
static int apply_targets(host_t *h, const uint64_t *target)
{
    int balloon = h->hs->reclaim == VMM_RECLAIM_BALLOON;
    for (uint32_t i = 0; i < h->nvms; i++) {
        host_vm_t *vm = &h->vms[i];
        if (target[i] >= vm->alloc)
            continue;
        if (vm->resident > target[i]) {
            int rc = host_reclaim(h, i, vm->resident - target[i], balloon);
            if (rc)
                return rc;
        }
        vm->alloc = target[i];
    }
    for (uint32_t i = 0; i < h->nvms; i++) {
        host_vm_t *vm = &h->vms[i];
        if (target[i] > vm->alloc)
            vm->alloc = target[i];
        if (vm->alloc < vm->r.min_alloc)
            vm->r.min_alloc = vm->alloc;
        if (vm->alloc > vm->r.max_alloc)
            vm->r.max_alloc = vm->alloc;
    }
    return 0;
}

static int decide(host_t *h, const vmm_balance_ops *ops, double now, vmm_err_t *err)
{
    vmm_balance_vm_t *bv = vmm_calloc(h->nvms, sizeof *bv);
    vmm_mrc_t *mrc = vmm_calloc(h->nvms, sizeof *mrc);
    vmm_balance_result_t br = {0};
    int rc = bv && mrc ? 0 : VMM_ENOMEM;
    double secs = h->hs->period_ns * 1e-9;
    for (uint32_t i = 0; i < h->nvms && !rc; i++) {
        host_vm_t *vm = &h->vms[i];
        rc = vm_mrc(vm, &mrc[i]);
        bv[i] = (vmm_balance_vm_t){
            .alloc = vm->alloc, .size = vm->r.memory,
            .reservation = vm->r.reservation ? vm->r.reservation : 1,
            .limit = vm->r.limit, .shares = vm->r.shares, .active = vm->r.active,
            .ref_rate = (double)(vm->r.refs - vm->refs0) / secs,
            .mrc = mrc[i].npoints ? &mrc[i] : NULL, .priority = (int)vm->spec->priority};
    }
    if (!rc)
        rc = vmm_balance_run(ops, &h->bcfg, bv, h->nvms, h->nframes, &br, err);
    if (!rc)
        rc = log_decisions(h, &br, now);
    if (!rc)
        rc = apply_targets(h, br.target);
    vmm_balance_result_fini(&br);
    for (uint32_t i = 0; mrc && i < h->nvms; i++)
        vmm_mrc_free(&mrc[i]);
    vmm_free(mrc);
    vmm_free(bv);
    return rc;
}

/* Time 0: the static split (configured sizes scaled to fit the host, within
 * reservations and limits), whatever the balancer, then the first sample. */
int host_period_start(host_t *h, vmm_err_t *err)
{
    for (uint32_t i = 0; i < h->nvms; i++) {
        h->vms[i].r.min_alloc = UINT64_MAX;
        h->vms[i].act = vmm_active_start(1.0);
        h->vms[i].r.active = 1.0;
    }
    int rc = decide(h, vmm_balance_find("static"), 0, err);
    for (uint32_t i = 0; i < h->nvms && !rc; i++)
        act_begin(h, i);
    return rc;
}

/* Seed 003 FIG. 8 steps 812-814: a vCPU whose largest sampled working set
 * is on another node than the one it ran on moves to that node's pCPUs
 * (within its VM's affinity). */
static void numa_vcpus(host_t *h)
{
    for (uint32_t i = 0; i < h->nvcpus; i++) {
        host_vcpu_t *v = &h->vcpus[i];
        uint32_t best = v->node;
        for (uint32_t k = 0; k < h->nnodes; k++)
            if (v->ws[k] > v->ws[best])
                best = k;
        memset(v->ws, 0, sizeof v->ws);
        if (best == v->node || v->done)
            continue;
        uint64_t mask = 0;
        for (uint32_t c = 0; c < h->npcpus; c++)
            if (h->pcpus[c].node == best)
                mask |= UINT64_C(1) << c;
        mask &= h->sc->vms[v->vm].affinity[0];
        if (mask && vmm_sched_set_affinity(h->sched, i, mask) == 0) {
            v->node = best;
            h->vms[v->vm].r.vcpu_migrations++;
        }
    }
}

/* The period that ended at `now`. */
int host_period(host_t *h, double now, vmm_err_t *err)
{
    for (uint32_t i = 0; i < h->nvms; i++)
        act_end(h, &h->vms[i]);
    h->period++;
    int rc = decide(h, h->bal, now, err);
    if (!rc)
        rc = sample_alloc(h, now);
    if (!rc && h->nnodes > 1 && h->hs->numa_migrate == VMM_MIGRATE_VCPUS)
        numa_vcpus(h);
    for (uint32_t i = 0; i < h->nvms && !rc; i++)
        act_begin(h, i);
    h->res->periods = h->period;
    return rc;
}

/* Smallest size of the final curve whose miss ratio is at most the target;
 * when cold misses keep every size above it, the smallest size that reaches
 * the curve's floor. */
static uint64_t recommend(const vmm_mrc_t *c, double target)
{
    if (!c->npoints || !c->refs)
        return 0;
    double floor = c->misses[c->npoints - 1] / (double)c->refs;
    double goal = target > floor ? target : floor * (1 + 1e-9);
    for (uint32_t k = 0; k < c->npoints; k++)
        if (c->misses[k] / (double)c->refs <= goal)
            return c->frames[k];
    return c->frames[c->npoints - 1];
}

int host_final_mrc(host_vm_t *vm)
{
    int rc = vm_mrc(vm, &vm->r.mrc);
    if (!rc)
        vm->r.recommended = recommend(&vm->r.mrc, vm->r.target_miss_ratio);
    return rc;
}
