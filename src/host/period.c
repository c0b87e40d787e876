/* Work the hypervisor does besides translating references: the two
 * samplers that run inside the MMU, and once per period the balancer.
 *
 * The patent MRC sampler (US 9,223,722, docs/mrc-patent.md) runs in the
 * data path (src/core/sampler.c): S pages of each VM, chosen by a hash of
 * their guest-physical page number, are traced; its curve is read here.
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
#include "util/alloc.h"
#include <string.h>

/* The VM's references and faults so far. */
static void vm_totals(const host_t *h, uint32_t i, uint64_t *refs, uint64_t *faults)
{
    vmm_counters_t c;
    core_sum(&h->k, i, &c);
    *refs = c.refs;
    *faults = c.faults;
}

/* The VM's MRC so far: the patent sampler's, a builder's, or none. */
static int vm_mrc(host_t *h, uint32_t i, vmm_mrc_t *out)
{
    host_vm_t *vm = &h->vms[i];
    memset(out, 0, sizeof *out);
    if (core_smp_of(&h->k, i)) {
        uint64_t refs, faults;
        vm_totals(h, i, &refs, &faults);
        return core_smp_curve(&h->k, i, refs, out);
    }
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
    if (!h->acfg.samples)
        return;
    host_vm_t *vm = &h->vms[i];
    mem_t *m = &h->k.mem;
    const mem_domain_t *dm = &m->doms[i];
    for (uint32_t k = 0; k < vm->act_n; k++)
        if (vm->act_pick[k] != VMM_NOFRAME)
            m->pg[vm->act_pick[k]].sflags &= (uint8_t)~(SF_ACT_SAMPLED | SF_ACT_TOUCHED);
    uint64_t seed = h->hs->seed ^ vmm_hash64(i + 1);
    vm->act_n = vmm_active_pick(seed, h->period, vm->alloc, h->acfg.samples, vm->act_pick);
    h->k.doms[i].act_touched = 0;
    for (uint32_t k = 0; k < vm->act_n; k++) {
        uint64_t slot = vm->act_pick[k];
        if (slot >= dm->resident) {
            vm->act_pick[k] = VMM_NOFRAME;
            continue;
        }
        uint32_t pid = m->frame_page[dm->res_list[slot]];
        vm->act_pick[k] = pid;
        m->pg[pid].sflags |= SF_ACT_SAMPLED;
        core_shootdown(&h->k, pid);
    }
}

static void act_end(host_t *h, uint32_t i)
{
    if (!h->acfg.samples)
        return;
    host_vm_t *vm = &h->vms[i];
    vm->act = vmm_active_update(vm->act, &h->acfg, h->k.doms[i].act_touched, vm->act_n);
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
        uint64_t r1, f1;
        vm_totals(h, i, &r1, &f1);
        uint64_t refs = r1 - vm->refs0, faults = f1 - vm->faults0;
        double mr = refs ? (double)faults / (double)refs : 0;
        res->alloc[res->nalloc++] = (vmm_alloc_sample_t){
            .t_ns = now, .vm = i, .alloc = vm->alloc, .resident = h->k.mem.doms[i].resident,
            .active = vm->r.active, .miss_ratio = mr};
        vm->refs0 = r1;
        vm->faults0 = f1;
    }
    return 0;
}

/* Shrink first (freeing frames: the balloon, or host swapping), then
 * grow; each VM's policy follows its new size (mem_set_quota). */
static int apply_targets(host_t *h, const uint64_t *target)
{
    int balloon = h->hs->reclaim == VMM_RECLAIM_BALLOON;
    for (int grow = 0; grow < 2; grow++)
        for (uint32_t i = 0; i < h->nvms; i++) {
            host_vm_t *vm = &h->vms[i];
            if (grow ? target[i] <= vm->alloc : target[i] >= vm->alloc)
                continue;
            int rc = mem_set_quota(&h->k.mem, i, target[i], balloon, &h->rng);
            if (rc)
                return rc;
            vm->alloc = target[i];
        }
    for (uint32_t i = 0; i < h->nvms; i++) {
        host_vm_t *vm = &h->vms[i];
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
        uint64_t refs, faults;
        vm_totals(h, i, &refs, &faults);
        rc = vm_mrc(h, i, &mrc[i]);
        bv[i] = (vmm_balance_vm_t){
            .alloc = vm->alloc, .size = vm->r.memory,
            .reservation = vm->r.reservation ? vm->r.reservation : 1,
            .limit = vm->r.limit, .shares = vm->r.shares, .active = vm->r.active,
            .ref_rate = (double)(refs - vm->refs0) / secs,
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
        act_end(h, i);
    h->period++;
    int rc = decide(h, h->bal, now, err);
    if (!rc)
        rc = sample_alloc(h, now);
    if (!rc && h->nnodes > 1 && h->hs->numa_migrate == VMM_MIGRATE_VCPUS)
        numa_vcpus(h);
    for (uint32_t i = 0; i < h->nvms && !rc; i++)
        act_begin(h, i);
    if (!rc && h->k.stages.n)
        rc = vmm_stages_period(&h->k.stages, now);
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

int host_final_mrc(host_t *h, uint32_t i)
{
    host_vm_t *vm = &h->vms[i];
    int rc = vm_mrc(h, i, &vm->r.mrc);
    if (!rc)
        vm->r.recommended = recommend(&vm->r.mrc, vm->r.target_miss_ratio);
    /* a sampled curve's last point can lie past the VM's memory, which is
     * all the VM can use */
    if (vm->r.recommended > vm->r.memory)
        vm->r.recommended = vm->r.memory;
    return rc;
}
