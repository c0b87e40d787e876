/* The data path of one page reference in a VM (docs/host.md):
 *
 *   TLB levels of the pCPU (tagged by global address space, so by VM and
 *   guest process) -> on a miss, the guest table and the nested table
 *   (walk.c) -> the page's machine frame -> on a fault, a frame from the
 *   host's free frames while the VM is below its allocation, else a victim
 *   chosen by the VM's replacement policy; the victim's contents go to the
 *   compressed tier when there is one, else to the swap device.
 *
 * Invariants: frame_page[f] == p <=> pages[p].frame == f; a VM holds at
 * most max(alloc, 1) frames; the VM's policy knows exactly the VM's
 * frames; a TLB entry exists only for a page in DRAM (evictions and
 * migrations shoot it down on every pCPU). */
#include "host_int.h"
#include "mrc/patent.h"
#include "util/alloc.h"
#include <string.h>

/* --- frames and tiers -------------------------------------------------- */

int host_frames_init(host_t *h)
{
    uint32_t n = h->nframes;
    h->frame_page = vmm_malloc((size_t)n * sizeof *h->frame_page);
    h->res_pos = vmm_malloc((size_t)n * sizeof *h->res_pos);
    h->frame_dirty = vmm_calloc(n, 1);
    h->node_free = vmm_calloc(h->nnodes, sizeof *h->node_free);
    h->node_nfree = vmm_calloc(h->nnodes, sizeof *h->node_nfree);
    if (!h->frame_page || !h->res_pos || !h->frame_dirty || !h->node_free || !h->node_nfree)
        return VMM_ENOMEM;
    for (uint32_t k = 0; k < h->nnodes; k++)
        if (!(h->node_free[k] = vmm_malloc((size_t)n * sizeof **h->node_free)))
            return VMM_ENOMEM;
    /* each node hands out its frames lowest first */
    for (uint32_t f = n; f-- > 0;) {
        uint32_t k = host_node_of(h, f);
        h->frame_page[f] = VMM_NOFRAME;
        h->node_free[k][h->node_nfree[k]++] = f;
    }
    return 0;
}

int host_grow_pages(host_t *h, size_t need)
{
    size_t cap = h->page_cap;
    if (need <= cap)
        return 0;
    if (h->tier_cap[VMM_TIER_COMPRESSED]) {
        /* the links grow first: `page_cap` moves only when all three did */
        size_t c1 = cap, c2 = cap;
        if (vmm_grow(&h->cq_prev, &c1, need, sizeof *h->cq_prev) ||
            vmm_grow(&h->cq_next, &c2, need, sizeof *h->cq_next))
            return VMM_ENOMEM;
        need = c1 < c2 ? c1 : c2;
    }
    if (vmm_grow(&h->pages, &h->page_cap, need, sizeof *h->pages))
        return VMM_ENOMEM;
    memset(h->pages + cap, 0, (h->page_cap - cap) * sizeof *h->pages);
    for (uint32_t i = 0; i < h->nvms; i++) {
        const vmm_policy_ops *o = h->vms[i].pol.ops;
        if (o && o->reserve_pages && o->reserve_pages(h->vms[i].pol.st, (uint32_t)h->page_cap))
            return VMM_ENOMEM;
    }
    return 0;
}

/* Drop every cached translation of the page: TLBs of every pCPU. */
void host_shootdown(host_t *h, const host_page_t *pg)
{
    for (uint32_t c = 0; c < h->npcpus; c++)
        for (uint32_t l = 0; l < h->ntlb; l++)
            vmm_tlb_invalidate(&h->pcpus[c].tlb[l], pg->as, pg->vpn);
}

/* Put the contents of page `pid` (just out of DRAM) in `tier`. */
static void tier_put(host_t *h, uint32_t pid, int tier)
{
    host_page_t *pg = &h->pages[pid];
    pg->tier = (uint8_t)tier;
    h->tier_used[tier]++;
    h->vms[pg->vm].r.to_tier[tier]++;
    if (tier == VMM_TIER_COMPRESSED)
        vmm_dl_push_front(&h->cq, h->cq_prev, h->cq_next, pid);
}

/* Write page `pid` below DRAM: to the compressed tier when allowed and it
 * exists (pushing its oldest page down to the swap device when full), else
 * to the swap device. VMM_EIO when nothing has room. */
static int tier_store(host_t *h, uint32_t pid, int compress)
{
    if (compress && h->tier_cap[VMM_TIER_COMPRESSED]) {
        if (h->tier_used[VMM_TIER_COMPRESSED] >= h->tier_cap[VMM_TIER_COMPRESSED]) {
            int s = h->swap_tier;
            if (s < 0 || h->tier_used[s] >= h->tier_cap[s])
                return VMM_EIO;
            uint32_t old = vmm_dl_pop_back(&h->cq, h->cq_prev, h->cq_next);
            h->tier_used[VMM_TIER_COMPRESSED]--;
            h->vms[h->pages[old].vm].r.demoted++;
            tier_put(h, old, s);
        }
        tier_put(h, pid, VMM_TIER_COMPRESSED);
        return 0;
    }
    int s = h->swap_tier;
    if (s < 0 || h->tier_used[s] >= h->tier_cap[s])
        return VMM_EIO;
    tier_put(h, pid, s);
    return 0;
}

/* Bring page `pid` back from its tier: the fault's cost. */
static double tier_take(host_t *h, host_page_t *pg, uint32_t pid)
{
    int t = pg->tier;
    if (t == VMM_TIER_COMPRESSED)
        vmm_dl_remove(&h->cq, h->cq_prev, h->cq_next, pid);
    h->tier_used[t]--;
    pg->tier = HOST_TIER_NONE;
    h->vms[pg->vm].r.major_by_tier[t]++;
    return h->tier_ns[t];
}

/* --- a VM's frames ------------------------------------------------------ */

static void res_add(host_t *h, host_vm_t *vm, uint32_t f)
{
    h->res_pos[f] = (uint32_t)vm->resident;
    vm->res_list[vm->resident++] = f;
}

static void res_del(host_t *h, host_vm_t *vm, uint32_t f)
{
    uint32_t i = h->res_pos[f], last = vm->res_list[--vm->resident];
    vm->res_list[i] = last;
    h->res_pos[last] = i;
}

/* A free frame on `node`, or on the next node that has one. */
static uint32_t take_free(host_t *h, uint32_t node)
{
    for (uint32_t k = 0; k < h->nnodes; k++) {
        uint32_t n = (node + k) % h->nnodes;
        if (h->node_nfree[n])
            return h->node_free[n][--h->node_nfree[n]];
    }
    return VMM_NOFRAME;
}

static void give_free(host_t *h, uint32_t f)
{
    uint32_t n = host_node_of(h, f);
    h->node_free[n][h->node_nfree[n]++] = f;
}

/* Take the page out of frame f (the policy has forgotten the frame) and
 * store its contents below DRAM. */
static int evict_frame(host_t *h, uint32_t f, int compress)
{
    uint32_t pid = h->frame_page[f];
    host_page_t *pg = &h->pages[pid];
    host_vm_t *vm = &h->vms[pg->vm];
    host_shootdown(h, pg);
    res_del(h, vm, f);
    vm->r.evictions++;
    int rc = tier_store(h, pid, compress);
    h->frame_page[f] = VMM_NOFRAME;
    h->frame_dirty[f] = 0;
    pg->frame = VMM_NOFRAME;
    give_free(h, f);
    return rc;
}

/* Reclaim `pages` of the VM's resident pages: through its balloon (the
 * guest's policy picks, contents go to the swap device: the guest pages
 * them out to its own disk) or by host swapping (random pages, ESX's choice
 * since the host cannot see the guest's recency; compressed first). */
int host_reclaim(host_t *h, uint32_t vmi, uint64_t pages, int balloon)
{
    host_vm_t *vm = &h->vms[vmi];
    vmm_pref_t none = {.key = 0, .page = VMM_NOFRAME, .frame = VMM_NOFRAME,
                       .next_use = VMM_NEVER};
    for (uint64_t i = 0; i < pages && vm->resident; i++) {
        uint32_t f;
        if (balloon) {
            f = vm->pol.ops->victim(vm->pol.st, &none);
            vm->r.ballooned++;
        } else {
            f = vm->res_list[vmm_rng_below(&h->rng, vm->resident)];
            vm->pol.ops->on_remove(vm->pol.st, f, h->frame_page[f]);
            vm->r.host_swapped++;
        }
        int rc = evict_frame(h, f, !balloon);
        if (rc)
            return rc;
    }
    return 0;
}

/* The node a VM's new page goes to (vm.numa). */
static uint32_t place(const host_t *h, const host_vm_t *vm, const host_pcpu_t *p, uint32_t gpn)
{
    switch (vm->spec->numa) {
    case VMM_NUMA_INTERLEAVE: return gpn % h->nnodes;
    case VMM_NUMA_PREFERRED: return vm->spec->numa_node;
    default: return p->node;
    }
}

static int fault(host_t *h, host_vm_t *vm, host_pcpu_t *p, vmm_pref_t *r, double *t)
{
    host_page_t *pg = &h->pages[r->page];
    double cost = h->hs->minor_fault_ns;
    vm->r.faults++;
    if (pg->tier != HOST_TIER_NONE) {
        vm->r.major_faults++;
        cost = tier_take(h, pg, r->page);
    } else {
        vm->r.minor_faults++;
    }
    if (vm->resident >= vm->alloc && vm->resident) {
        uint32_t victim = vm->pol.ops->victim(vm->pol.st, r);
        int rc = evict_frame(h, victim, 1);
        if (rc)
            return rc;
    }
    uint32_t f = take_free(h, place(h, vm, p, pg->gpn));
    if (f == VMM_NOFRAME)
        return VMM_EIO;   /* cannot happen while allocations fit the host */
    h->frame_page[f] = r->page;
    pg->frame = f;
    pg->node = (uint8_t)host_node_of(h, f);
    res_add(h, vm, f);
    r->frame = f;
    vm->r.fault_ns += cost;
    *t += cost;
    if (vm->pol.ops->on_insert(vm->pol.st, r) == VMM_POLICY_BYPASS) {
        int rc = evict_frame(h, f, 1);
        r->frame = VMM_NOFRAME;
        return rc;
    }
    return 0;
}

/* --- first touch and translation ---------------------------------------- */

/* The guest maps a page it touches for the first time: a guest-physical
 * page (the next gpn of the VM), its guest PTE and its nested entry. */
static int first_touch(host_t *h, host_vm_t *vm, uint32_t as, uint64_t vpn, uint32_t *pid)
{
    if (h->npages == VMM_NOFRAME - 1 || vpn >> 52)
        return VMM_ERANGE;
    int rc = host_grow_pages(h, (size_t)h->npages + 1);
    if (rc)
        return rc;
    uint32_t id = h->npages;
    host_page_t *pg = &h->pages[id];
    pg->vpn = vpn;
    pg->as = as;
    pg->vm = (uint16_t)(vm - h->vms);
    pg->gpn = vm->npages;
    pg->frame = VMM_NOFRAME;
    pg->tier = HOST_TIER_NONE;
    if ((rc = h->gpt_ops->insert(h->as[as].gpt, vpn, id)) ||
        (rc = h->npt_ops->insert(vm->npt, pg->gpn, id)))
        return rc;
    h->npages++;
    vm->npages++;
    vm->r.pages_touched++;
    *pid = id;
    return vm->smp ? host_smp_select(h, vm, id) : 0;
}

int host_as_index(host_t *h, host_vcpu_t *v, uint32_t asid, uint32_t *idx)
{
    if (v->last_as != UINT32_MAX && asid == v->last_asid) {
        *idx = v->last_as;
        return 0;
    }
    uint64_t key = (uint64_t)v->vm << 32 | asid;
    uint32_t i = vmm_hm_get(&h->as_map, key);
    if (i == VMM_HM_NONE) {
        if (vmm_grow(&h->as, &h->as_cap, (size_t)h->nas + 1, sizeof *h->as))
            return VMM_ENOMEM;
        host_as_t *a = &h->as[h->nas];
        a->vm = v->vm;
        a->gpt = vmm_calloc(1, h->gpt_ops->state_size);
        vmm_pt_cfg_t pc = {.page_shift = h->shift, .va_bits = 0, .nframes = h->nframes};
        if (!a->gpt || h->gpt_ops->init(a->gpt, &pc)) {
            vmm_free(a->gpt);
            return VMM_ENOMEM;
        }
        if (vmm_hm_put(&h->as_map, key, h->nas)) {
            h->gpt_ops->fini(a->gpt);
            vmm_free(a->gpt);
            return VMM_ENOMEM;
        }
        i = h->nas++;
    }
    v->last_asid = asid;
    v->last_as = i;
    *idx = i;
    return 0;
}

/* TLB levels first to last; a hit in a lower level refills the upper ones. */
static inline int tlb_lookup(host_t *h, host_pcpu_t *p, uint32_t as, uint64_t vpn,
                             uint32_t *pid, double *t)
{
    for (uint32_t l = 0; l < h->ntlb; l++) {
        *t += h->hs->tlb_ns;
        if (vmm_tlb_lookup(&p->tlb[l], as, vpn, pid)) {
            for (uint32_t u = 0; u < l; u++)
                vmm_tlb_fill(&p->tlb[u], as, vpn, *pid);
            return 1;
        }
    }
    return 0;
}

static inline void tlb_fill(host_t *h, host_pcpu_t *p, uint32_t as, uint64_t vpn, uint32_t pid)
{
    for (uint32_t l = 0; l < h->ntlb; l++)
        vmm_tlb_fill(&p->tlb[l], as, vpn, pid);
}

/* Automatic NUMA balancing: a resident page walked twice in a row from the
 * same remote node moves to that node when it has a free frame (a page
 * copy, charged like a minor fault). Walks are where the hardware would
 * take NUMA hinting faults. */
static void numa_check(host_t *h, host_vm_t *vm, host_pcpu_t *p, uint32_t pid, double *t)
{
    host_page_t *pg = &h->pages[pid];
    if (pg->node == p->node) {
        pg->remote = 0;
        return;
    }
    if (pg->remote_node != p->node) {
        pg->remote_node = (uint8_t)p->node;
        pg->remote = 0;
    }
    if (++pg->remote < 2 || !h->node_nfree[p->node])
        return;
    uint32_t old = pg->frame, f = h->node_free[p->node][--h->node_nfree[p->node]];
    vmm_pref_t r = {.key = pid, .page = pid, .frame = f, .next_use = VMM_NEVER};
    vm->pol.ops->on_remove(vm->pol.st, old, pid);
    host_shootdown(h, pg);
    res_del(h, vm, old);
    h->frame_page[old] = VMM_NOFRAME;
    give_free(h, old);
    h->frame_page[f] = pid;
    h->frame_dirty[f] = 0;
    pg->frame = f;
    pg->node = (uint8_t)p->node;
    pg->remote = 0;
    res_add(h, vm, f);
    vm->pol.ops->on_insert(vm->pol.st, &r);
    vm->r.page_migrations++;
    *t += h->hs->minor_fault_ns;
}

/* TLB miss: walk the guest table (and the nested one), mapping the page on
 * first touch; the samplers trap here. */
static int translate_miss(host_t *h, host_vcpu_t *v, host_pcpu_t *p, host_vm_t *vm,
                          uint32_t as, uint64_t vpn, uint32_t *pid, double *t)
{
    unsigned grefs = 0, nrefs = 0;
    int rc;
    *pid = h->gpt_ops->lookup(h->as[as].gpt, vpn, &grefs);
    if (*pid == VMM_PT_NONE) {
        if ((rc = first_touch(h, vm, as, vpn, pid)))
            return rc;
        if (h->shadow) {
            vm->r.shadow_syncs++;   /* the guest's PTE write traps */
            *t += h->hs->shadow_sync_ns;
        }
    }
    host_page_t *pg = &h->pages[*pid];
    /* Every touched gpn is mapped, and a radix walk of a mapped entry reads
     * one entry per level: its cost is known without the lookup (which would
     * return `*pid` again), a dependent chain of cache misses saved. */
    if (!h->shadow && !(nrefs = h->nlevels))
        h->npt_ops->lookup(vm->npt, pg->gpn, &nrefs);
    unsigned w = host_walk_refs(h, p, vm, as, vpn, grefs, nrefs);
    *t += w * h->hs->numa_local_ns[p->node];
    /* traced pages, and sampled pages about to come back from a tier (the
     * VMM handles that fault anyway), are accesses the samplers see */
    if ((pg->flags & (HP_TRACED | HP_ACT_SAMPLED)) ||
        ((pg->flags & HP_SAMPLED) && pg->tier != HOST_TIER_NONE))
        if ((rc = host_smp_walk(h, v, pg, *pid, v->t + *t, t)))
            return rc;
    if (h->nnodes > 1 && h->hs->numa_migrate == VMM_MIGRATE_PAGES && pg->frame != VMM_NOFRAME)
        numa_check(h, vm, p, *pid, t);
    return 0;
}

int host_access_page(host_t *h, host_vcpu_t *v, host_pcpu_t *p, uint32_t as, uint64_t vpn,
                     unsigned op)
{
    host_vm_t *vm = &h->vms[v->vm];
    vmm_vm_result_t *r = &vm->r;
    double t = 0;
    uint32_t pid;
    int rc;
    if (vm->smp && v->t >= vm->smp_due)
        t += host_smp_tick(h, vm, v->t);
    r->refs++;
    r->reads += op != VMM_OP_WRITE;
    r->writes += op == VMM_OP_WRITE;
    int hit = tlb_lookup(h, p, as, vpn, &pid, &t);
    if (hit) {
        r->tlb_hits++;
    } else {
        r->tlb_misses++;
        if ((rc = translate_miss(h, v, p, vm, as, vpn, &pid, &t)))
            return rc;
    }
    host_page_t *pg = &h->pages[pid];
    vmm_pref_t pr = {.key = pid, .now = r->refs - 1, .page = pid, .frame = pg->frame,
                     .write = op == VMM_OP_WRITE, .next_use = VMM_NEVER};
    if (pr.frame != VMM_NOFRAME) {
        vm->pol.ops->on_hit(vm->pol.st, &pr);
    } else if ((rc = fault(h, vm, p, &pr, &t))) {
        return rc;
    }
    if (vm->mrcb.st && (rc = vm->mrcb.ops->access(vm->mrcb.st, pid)))
        return rc;
    int local = pg->node == p->node;
    r->local_refs += local;
    r->remote_refs += !local;
    t += local ? h->hs->numa_local_ns[p->node] : h->hs->numa_remote_ns[pg->node];
    if (pr.frame != VMM_NOFRAME) {
        if (pr.write)
            h->frame_dirty[pr.frame] = 1;
        if (!hit)
            tlb_fill(h, p, as, vpn, pid);
    }
    v->t += t;
    return 0;
}
