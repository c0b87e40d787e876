/* The hypervisor's main loop: build the host from a scenario, let the
 * scheduler place vCPUs on pCPUs, advance each running vCPU's trace by the
 * simulated time its references cost, run the balancer at every period
 * boundary, and gather the results (docs/host.md).
 *
 * Time: each pCPU has a clock. The loop always advances the pCPU whose
 * clock is earliest (a busy one before an idle one on a tie, then the
 * lowest index), by one chunk: to the end of the running vCPU's slice or to
 * the next period boundary, whichever is first. The balancer runs when the
 * earliest clock reaches the boundary, so it sees every pCPU at or past it. */
#include "host_int.h"
#include "util/alloc.h"
#include <math.h>
#include <string.h>

#define VCPU_BUF 4096   /* references read ahead per vCPU */

void vmm_host_opts_default(vmm_host_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->alone = 1;
}

void vmm_host_result_fini(vmm_host_result_t *res)
{
    if (!res)
        return;
    for (uint32_t i = 0; res->vms && i < res->nvms; i++)
        vmm_mrc_free(&res->vms[i].mrc);
    vmm_free(res->vms);
    vmm_free(res->alloc);
    vmm_free(res->log);
    memset(res, 0, sizeof *res);
}

/* --- set-up ----------------------------------------------------------------- */

static int scn_err(const host_t *h, int rc, uint64_t line, vmm_err_t *err, const char *msg,
                   const char *what)
{
    return vmm_err_set(err, rc, h->sc->file, line, -1, "%s%s", msg, what ? what : "");
}

static int init_pcpus(host_t *h)
{
    h->pcpus = vmm_calloc(h->npcpus, sizeof *h->pcpus);
    if (!h->pcpus)
        return VMM_ENOMEM;
    for (uint32_t c = 0; c < h->npcpus; c++) {
        h->pcpus[c].node = h->k.xl.cpus[c].node;
        h->pcpus[c].running = VMM_NONE;
    }
    return 0;
}

static int init_vm(host_t *h, uint32_t i, vmm_err_t *err)
{
    const vmm_vm_spec_t *s = &h->sc->vms[i];
    host_vm_t *vm = &h->vms[i];
    vm->spec = s;
    /* every policy follows a changing allocation (resize); OPT gets its
     * next uses from a prepass of each vCPU (prepass_vcpu) */
    const vmm_policy_ops *pops = vmm_policy_find(s->policy);
    int rc = core_domain(&h->k, i, pops, s->policy_params, h->hs->seed ^ vmm_hash64(i + 1), 0,
                         err);
    if (rc)
        return rc;
    core_dom_t *cd = &h->k.doms[i];
    cd->numa = s->numa;
    cd->numa_node = s->numa_node;
    vm->act_pick = vmm_malloc((size_t)(h->acfg.samples ? h->acfg.samples : 1) * sizeof *vm->act_pick);
    if (!vm->act_pick)
        return VMM_ENOMEM;
    vmm_vm_result_t *r = &vm->r;
    r->name = s->name;
    r->vcpus = s->vcpus;
    r->memory = s->memory >> h->shift;
    r->reservation = s->reservation >> h->shift;
    r->limit = s->eff_limit >> h->shift;
    r->shares = (double)s->eff_shares;
    r->target_miss_ratio = s->target_miss_ratio;
    if (!strcmp(s->mrc, "patent")) {
        if (core_smp_add(&h->k, i))
            return VMM_ENOMEM;
    } else if (strcmp(s->mrc, "none")) {
        /* mini emulates sizes up to the VM's memory */
        vmm_mrc_cfg_t mc = {.seed = h->hs->seed,
                            .max_frames = r->memory < UINT32_MAX ? (uint32_t)r->memory : UINT32_MAX};
        if ((rc = vmm_mrc_builder_init(&vm->mrcb, vmm_mrc_find(s->mrc), &mc, err)))
            return rc;
        cd->mrcb = &vm->mrcb;
    }
    return 0;
}

static int init_vcpus(host_t *h, vmm_err_t *err)
{
    for (uint32_t i = 0; i < h->nvms; i++)
        h->nvcpus += h->sc->vms[i].vcpus;
    h->vcpus = vmm_calloc(h->nvcpus, sizeof *h->vcpus);
    vmm_vcpu_desc_t *d = vmm_calloc(h->nvcpus, sizeof *d);
    int rc = h->vcpus && d ? 0 : VMM_ENOMEM;
    uint64_t mask = h->npcpus == 64 ? UINT64_MAX : (1ULL << h->npcpus) - 1;
    uint32_t n = 0;
    for (uint32_t i = 0; i < h->nvms && !rc; i++) {
        const vmm_vm_spec_t *s = &h->sc->vms[i];
        h->vms[i].vcpu0 = n;
        for (uint32_t k = 0; k < s->vcpus; k++, n++) {
            host_vcpu_t *v = &h->vcpus[n];
            v->vm = i;
            v->next_src = k;     /* vCPU k plays sources k, k + vcpus, ... */
            v->last_as = UINT32_MAX;
            v->cur_as = UINT32_MAX;
            v->done = k >= s->nsources;
            if (!(v->buf = vmm_malloc(VCPU_BUF * sizeof *v->buf))) {
                rc = VMM_ENOMEM;
                break;
            }
            d[n] = (vmm_vcpu_desc_t){.vm = i, .weight = s->weight, .cap = s->cap,
                                     .affinity = s->affinity[0] & mask, .runnable = !v->done};
            if (!d[n].affinity)
                rc = scn_err(h, VMM_EINVAL, s->line, err, s->name,
                             ": affinity names no pCPU of the host");
        }
    }
    if (!rc) {
        vmm_sched_cfg_t sc = {.slice_ns = h->hs->slice_ns, .tick_ns = h->hs->tick_ns};
        /* host.scheduler is an index into the scheduler registry */
        rc = vmm_sched_create(vmm_sched_all()[h->hs->scheduler], &sc, d, h->nvcpus, h->npcpus,
                              &h->sched, err);
    }
    vmm_free(d);
    return rc;
}

static void init_balancer(host_t *h)
{
    const vmm_host_spec_t *hs = h->hs;
    h->bal = vmm_balance_all()[hs->balancer];   /* an index into the registry */
    vmm_balance_cfg_default(&h->bcfg);
    h->bcfg.tau = hs->tau;
    h->bcfg.goal = hs->goal == VMM_GOAL_EQUAL_MISS_RATIO ? VMM_BALANCE_EQUAL_RATIO
                                                         : VMM_BALANCE_MIN_MISSES;
    h->bcfg.step = hs->step >> h->shift ? hs->step >> h->shift : 1;
    h->bcfg.max_move = hs->max_move >> h->shift;
    h->bcfg.lookahead = 0;   /* see past any plateau, up to the limit */
    vmm_active_cfg_default(&h->acfg);
    h->acfg.samples = hs->active_sample;
    h->res->balancer = h->bal->name;
    h->res->scheduler = vmm_sched_all()[hs->scheduler]->name;
    h->res->nested = h->shadow ? "shadow" : "ept";
}

/* The core for the scenario: a domain per VM, a CPU per pCPU, nested (or
 * shadow) walks, the latency model of the host section. */
static void core_config(const host_t *h, core_cfg_t *kc)
{
    const vmm_host_spec_t *hs = h->hs;
    memset(kc, 0, sizeof *kc);
    kc->nframes = h->nframes;
    kc->nnodes = h->nnodes;
    kc->ndoms = h->nvms;
    const vmm_pt_ops *gpt = vmm_pt_find(hs->guest_pt);
    kc->xl = (xlate_cfg_t){.mode = h->shadow ? XL_SHADOW : XL_NESTED, .gpt_ops = gpt,
                           .npt_ops = h->shadow ? NULL : vmm_pt_find(hs->nested_pt),
                           .ptc = {.page_shift = h->shift, .va_bits = 0, .nframes = h->nframes},
                           .ntlb = hs->tlb_levels, .pwc_entries = hs->pwc_entries,
                           .ncpus = h->npcpus, .nnodes = h->nnodes, .ndoms = h->nvms};
    for (uint32_t l = 0; l < hs->tlb_levels; l++)
        kc->xl.tlb[l] = (vmm_tlb_cfg_t){.entries = hs->tlb[l].entries, .ways = hs->tlb[l].ways};
    kc->tlb_ns = hs->tlb_ns;
    for (uint32_t n = 0; n < VMM_SCN_MAX_NODES; n++) {
        kc->local_ns[n] = hs->numa_local_ns[n];
        kc->remote_ns[n] = hs->numa_remote_ns[n];
    }
    kc->minor_ns = hs->minor_fault_ns;
    kc->shadow_sync_ns = hs->shadow_sync_ns;
    kc->trace_fault_ns = hs->trace_fault_ns;
    kc->retrace_ns = hs->retrace_ns;
    kc->scan_page_ns = hs->scan_page_ns;
    kc->numa_migrate = hs->numa_migrate == VMM_MIGRATE_PAGES;
    int patent = 0;
    for (uint32_t i = 0; i < h->nvms; i++)
        patent |= !strcmp(h->sc->vms[i].mrc, "patent");
    kc->smp = (core_sampler_cfg_t){.mode = patent ? hs->mrc_mode : VMM_SAMPLER_OFF,
                                   .pages = hs->mrc_pages, .period_ns = hs->mrc_period_ns,
                                   .by_gpn = 1, .seed = hs->seed};
}

/* Tiers below DRAM: compressed memory (when configured) in front of the
 * swap device (SSD or disk; with swap = none a device of no capacity, so a
 * page with nowhere to go is the error it was). */
static int init_tiers(host_t *h)
{
    const vmm_host_spec_t *hs = h->hs;
    mem_t *m = &h->k.mem;
    int disk = hs->swap == VMM_SWAP_DISK;
    uint64_t cap = disk ? hs->disk_capacity : hs->ssd_capacity;
    mem_tier_t dev = {.ops = mem_tier_find("device"), .kind = disk ? VMM_TIER_DISK : VMM_TIER_SSD,
                      .cap = hs->swap == VMM_SWAP_NONE ? 0 : cap ? cap >> h->shift : UINT64_MAX,
                      .load_ns = disk ? hs->disk_ns : hs->ssd_ns, .store_ns = hs->swap_out_ns,
                      .slots = MEM_SLOTS_OUT, .below = -1};
    int d = mem_tier_add(m, &dev);
    if (d < 0)
        return d;
    m->first_tier = m->swap_tier = d;
    uint64_t ccap = hs->compressed >> h->shift;
    if (ccap) {
        mem_tier_t cq = {.ops = mem_tier_find("compressed"), .kind = VMM_TIER_COMPRESSED,
                         .cap = ccap, .load_ns = hs->compressed_ns, .below = d};
        int c = mem_tier_add(m, &cq);
        if (c < 0)
            return c;
        m->first_tier = c;
    }
    return 0;
}

static int host_init(host_t *h, const vmm_scenario_t *sc, const vmm_host_opts_t *o,
                     vmm_host_result_t *res, vmm_err_t *err)
{
    const vmm_host_spec_t *hs = &sc->host;
    h->sc = sc;
    h->hs = hs;
    h->opts = o;
    h->res = res;
    h->shift = (unsigned)__builtin_ctz(hs->page_size);
    h->shadow = hs->nested == VMM_NESTED_SHADOW;
    uint64_t frames = hs->memory >> h->shift;
    if (!frames || frames >= VMM_NOFRAME)
        return scn_err(h, VMM_EINVAL, hs->line, err, "host.memory: expected 1 to 2^32-2 pages", NULL);
    h->nframes = (uint32_t)frames;
    h->nnodes = hs->numa_nodes;
    if (h->nnodes > h->nframes)
        return scn_err(h, VMM_EINVAL, hs->line, err, "host.numa_nodes: more nodes than pages", NULL);
    h->npcpus = hs->pcpus;
    if (h->npcpus > HOST_MAX_PCPUS)
        return scn_err(h, VMM_EINVAL, hs->line, err, "host.pcpus: the scheduler handles at most 64", NULL);
    vmm_rng_seed(&h->rng, hs->seed);
    h->nvms = sc->nvms;
    res->nvms = sc->nvms;
    res->host_pages = h->nframes;
    res->vms = vmm_calloc(sc->nvms, sizeof *res->vms);
    h->vms = vmm_calloc(sc->nvms, sizeof *h->vms);
    if (!res->vms || !h->vms)
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    init_balancer(h);
    core_cfg_t kc;
    core_config(h, &kc);
    h->k_ready = 1;
    int rc = core_init(&h->k, &kc, err);
    if (rc == VMM_EINVAL)
        return scn_err(h, rc, hs->line, err,
                       "host.tlb: entries must be a multiple of ways with a power-of-two number of sets",
                       NULL);
    if (!rc)
        rc = init_tiers(h);
    if (!rc)
        rc = vmm_stages_init(&h->k.stages, hs->stages, err);
    if (!rc)
        rc = init_pcpus(h);
    for (uint32_t i = 0; i < h->nvms && !rc; i++)
        rc = init_vm(h, i, err);
    if (!rc)
        rc = init_vcpus(h, err);
    if (rc == VMM_ENOMEM)
        vmm_err_set(err, rc, NULL, 0, -1, "out of memory");
    return rc;
}

static void host_fini(host_t *h)
{
    for (uint32_t i = 0; h->vms && i < h->nvms; i++) {
        vmm_mrc_builder_fini(&h->vms[i].mrcb);
        vmm_free(h->vms[i].act_pick);
    }
    for (uint32_t i = 0; h->vcpus && i < h->nvcpus; i++) {
        vmm_source_close(&h->vcpus[i].src);
        vmm_free(h->vcpus[i].buf);
        vmm_nextuse_fini(&h->vcpus[i].nu);
    }
    if (h->k_ready)
        core_fini(&h->k);
    vmm_sched_destroy(h->sched);
    vmm_free(h->vms);
    vmm_free(h->vcpus);
    vmm_free(h->pcpus);
}

/* --- running vCPUs ---------------------------------------------------------------- */

/* Refill the vCPU's buffer, moving on to its next source at the end of one.
 * Returns the references read, 0 when it has no more, or an error. */
static long refill(host_t *h, host_vcpu_t *v, vmm_err_t *err)
{
    const vmm_vm_spec_t *s = &h->sc->vms[v->vm];
    for (;;) {
        if (!v->open) {
            if (v->next_src >= s->nsources)
                return 0;
            const vmm_scn_source_t *src = &s->sources[v->next_src];
            vmm_source_spec_t sp = {
                .trace = src->kind == VMM_SRC_TRACE ? src->text : NULL,
                .gen = src->kind == VMM_SRC_GENERATE ? src->text : NULL,
                .topts = {.format = strcmp(s->format, "auto") ? s->format : NULL,
                          .page_size = h->hs->page_size}};
            int rc = vmm_source_open(&v->src, &sp, err);
            if (rc)
                return rc;
            v->open = 1;
            v->src_records = 0;
        }
        size_t want = VCPU_BUF;
        uint64_t lim = h->opts->limit;
        if (lim && lim - v->src_records < want)
            want = (size_t)(lim - v->src_records);
        long n = vmm_source_read(&v->src, v->buf, want, err);
        if (n < 0)
            return n;
        if (n > 0) {
            v->src_records += (uint64_t)n;
            return n;
        }
        vmm_source_close(&v->src);
        v->open = 0;
        v->next_src += s->vcpus;
    }
}

/* OPT inside a VM: the vCPU's stream read once ahead, as the run will read
 * it (refill), and each page reference's next use stored as an index in
 * that stream (UINT32_MAX for none), 4 bytes a page reference. With one
 * vCPU a VM's stream is this one, so OPT is exact; with several, each
 * compares next uses within its own vCPU's stream. */
static int prepass_vcpu(host_t *h, host_vcpu_t *v, vmm_err_t *err)
{
    uint32_t first = v->next_src, nasids = 0;
    vmm_hashmap_t asids;
    int rc = vmm_nextuse_init(&v->nu) || vmm_hm_init(&asids, 16) ? VMM_ENOMEM : 0;
    while (!rc) {
        long n = refill(h, v, err);
        if (n <= 0) {
            rc = (int)n;
            break;
        }
        for (long i = 0; i < n && !rc; i++) {
            const vmm_ref_t *r = &v->buf[i];
            /* pages are keyed as the engine keys them: a small index per asid */
            uint32_t a = vmm_hm_get(&asids, r->asid);
            if (a == VMM_HM_NONE && vmm_hm_put(&asids, r->asid, (a = nasids++))) {
                rc = VMM_ENOMEM;
                break;
            }
            uint64_t vpn = r->addr >> h->shift, npg = vmm_ref_pages(r, h->shift);
            for (uint64_t k = 0; k < npg && !rc; k++)
                rc = vmm_nextuse_add(&v->nu, (uint64_t)a << 52 ^ (vpn + k));
        }
    }
    if (rc == VMM_ERANGE)
        vmm_err_set(err, rc, NULL, 0, -1,
                    "vm %s: stream too long for the OPT prepass (2^32 page references)",
                    h->sc->vms[v->vm].name);
    if (!rc)
        rc = vmm_nextuse_finish(&v->nu);
    vmm_hm_fini(&asids);
    v->next_src = first;   /* the run reads the same sources again */
    v->open = 0;
    v->future = 1;
    return rc;
}

static int prepass(host_t *h, vmm_err_t *err)
{
    for (uint32_t i = 0; i < h->nvcpus; i++) {
        host_vcpu_t *v = &h->vcpus[i];
        if (v->done || !(h->k.mem.doms[v->vm].pol.ops->flags & VMM_POLICY_FUTURE))
            continue;
        int rc = prepass_vcpu(h, v, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Move to the vCPU's next trace record: 1, 0 at its end, or an error. */
static int next_record(host_t *h, host_vcpu_t *v, vmm_err_t *err)
{
    if (++v->pos >= v->len) {
        long n = refill(h, v, err);
        if (n <= 0)
            return (int)n;
        v->len = (size_t)n;
        v->pos = 0;
    }
    const vmm_ref_t *r = &v->buf[v->pos];
    uint32_t as = v->last_as;
    if (as == UINT32_MAX || r->asid != v->last_asid) {
        if (core_as(&h->k, v->vm, r->asid, &as))
            return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
        v->last_asid = r->asid;
        v->last_as = as;
    }
    if (h->shadow && as != v->cur_as && v->cur_as != UINT32_MAX) {
        h->k.ctr[as].shadow_syncs++;   /* the guest's CR3 write traps */
        v->t += h->hs->shadow_sync_ns;
    }
    v->cur_as = as;
    v->npg = vmm_ref_pages(r, h->shift);
    v->pg = 0;
    return 1;
}

static int access_error(host_t *h, host_vcpu_t *v, int rc, vmm_err_t *err)
{
    const char *name = h->sc->vms[v->vm].name;
    vmm_counters_t c;
    core_sum(&h->k, v->vm, &c);
    unsigned long long n = (unsigned long long)c.refs;
    if (rc == VMM_EIO)
        return vmm_err_set(err, rc, NULL, 0, -1,
                           "vm %s, page reference %llu: no room below DRAM (host.swap and its capacity, host.compressed)",
                           name, n);
    if (rc == VMM_ERANGE)
        return vmm_err_set(err, rc, NULL, 0, -1,
                           "vm %s, page reference %llu: address beyond the guest page table's virtual space",
                           name, n);
    return vmm_err_set(err, rc, NULL, 0, -1, "vm %s, page reference %llu: %s", name, n,
                       vmm_strerror(rc));
}

/* Run vCPU v on p until its clock reaches `end` or its trace ends (returns
 * 1), or an error. */
static int run_vcpu(host_t *h, host_vcpu_t *v, host_pcpu_t *p, double end, vmm_err_t *err)
{
    uint32_t cpu = (uint32_t)(p - h->pcpus);
    core_ctx_t x = {.as = UINT32_MAX};
    h->k.ws = v->ws;
    while (v->t < end) {
        if (v->pg == v->npg) {
            int rc = next_record(h, v, err);
            if (rc <= 0)
                return rc == 0 ? 1 : rc;
            x.as = UINT32_MAX;   /* a new address space may have moved the counters */
        }
        if (x.as != v->cur_as)
            core_ctx(&h->k, cpu, v->cur_as, &x);
        const vmm_ref_t *r = &v->buf[v->pos];
        double cost;
        uint64_t nu = v->future ? vmm_nextuse_at(&v->nu, v->nu_pos++) : VMM_NEVER;
        int rc = core_access(&h->k, &x, (r->addr >> h->shift) + v->pg, r->op, v->t, nu, &cost);
        if (rc)
            return access_error(h, v, rc, err);
        v->t += cost;
        v->pg++;
    }
    return 0;
}

/* The pCPU to advance: earliest clock, busy before idle, lowest index. */
static host_pcpu_t *next_pcpu(host_t *h)
{
    host_pcpu_t *best = NULL;
    for (uint32_t c = 0; c < h->npcpus; c++) {
        host_pcpu_t *p = &h->pcpus[c];
        if (!best || p->clock < best->clock ||
            (p->clock == best->clock && best->running == VMM_NONE && p->running != VMM_NONE))
            best = p;
    }
    return best;
}

/* An idle pCPU with nothing to run waits until a running vCPU's slice ends
 * (the soonest a vCPU can be queued again: one whose trace ends is not), or
 * for good when none is running. */
static double idle_until(const host_t *h, double now)
{
    double t = INFINITY;
    for (uint32_t c = 0; c < h->npcpus; c++)
        if (h->pcpus[c].running != VMM_NONE && h->pcpus[c].slice_end < t)
            t = h->pcpus[c].slice_end;
    return t > now ? t : nextafter(now, INFINITY);
}

/* A vCPU never starts before it stopped last: the pCPU that picks it may
 * have been idle since a time before the vCPU's last slice ended (the loop
 * runs whole chunks), and then waits until it is ready. */
static int start_slice(host_t *h, host_pcpu_t *p, uint32_t c, double now, vmm_err_t *err)
{
    uint32_t v;
    double slice;
    int rc = vmm_sched_pick(h->sched, c, now, &v, &slice);
    if (rc)
        return vmm_err_set(err, rc, NULL, 0, -1, "scheduler: pick failed");
    if (v == VMM_NONE) {
        p->clock = isinf(slice) ? idle_until(h, now) : now + slice;
        return 0;
    }
    host_vcpu_t *vc = &h->vcpus[v];
    double start = vc->t > now ? vc->t : now;
    p->running = v;
    p->clock = start;
    vc->node = p->node;
    p->slice_start = start;
    p->slice_end = start + slice;
    vc->t = start;
    return 0;
}

static void end_slice(host_t *h, host_pcpu_t *p, int done, uint32_t *ndone)
{
    uint32_t v = p->running;
    host_vcpu_t *vc = &h->vcpus[v];
    double ran = vc->t - p->slice_start;
    vc->run_ns += ran;
    vmm_sched_account(h->sched, v, ran, vc->t);
    if (done) {
        vc->done = 1;
        (*ndone)++;
        vmm_sched_set_runnable(h->sched, v, 0, vc->t);
        host_vm_t *vm = &h->vms[vc->vm];
        if (vc->t > vm->r.finish_ns)
            vm->r.finish_ns = vc->t;
    }
    p->running = VMM_NONE;
}

static int run_loop(host_t *h, vmm_err_t *err)
{
    uint32_t ndone = 0;
    for (uint32_t i = 0; i < h->nvcpus; i++)
        ndone += h->vcpus[i].done;
    h->next_period = h->hs->period_ns;
    while (ndone < h->nvcpus) {
        host_pcpu_t *p = next_pcpu(h);
        uint32_t c = (uint32_t)(p - h->pcpus);
        if (isinf(p->clock))
            return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                               "scheduler: runnable vCPUs but no pCPU will run them (affinity?)");
        if (p->clock >= h->next_period) {
            int rc = host_period(h, h->next_period, err);
            if (rc)
                return rc;
            if (h->opts->progress) {
                vmm_counters_t all;
                core_sum(&h->k, UINT32_MAX, &all);
                h->opts->progress(h->opts->progress_arg, h->next_period, all.refs);
            }
            h->next_period += h->hs->period_ns;
            continue;
        }
        if (p->running == VMM_NONE) {
            int rc = start_slice(h, p, c, p->clock, err);
            if (rc)
                return rc;
            continue;
        }
        host_vcpu_t *vc = &h->vcpus[p->running];
        double end = p->slice_end < h->next_period ? p->slice_end : h->next_period;
        int rc = run_vcpu(h, vc, p, end, err);
        if (rc < 0)
            return rc;
        p->clock = vc->t;
        if (rc == 1 || vc->t >= p->slice_end)
            end_slice(h, p, rc == 1, &ndone);
    }
    return 0;
}

/* --- results --------------------------------------------------------------------- */

static int finish(host_t *h)
{
    vmm_host_result_t *res = h->res;
    double run = 0, ssum = 0;
    for (uint32_t i = 0; i < h->nvms; i++)
        ssum += h->vms[i].r.shares;
    for (uint32_t i = 0; i < h->nvms; i++) {
        host_vm_t *vm = &h->vms[i];
        vmm_vm_result_t *r = &vm->r;
        for (uint32_t k = 0; k < vm->spec->vcpus; k++) {
            vmm_sched_stats_t st;
            uint32_t v = vm->vcpu0 + k;
            r->run_ns += h->vcpus[v].run_ns;
            if (!vmm_sched_stats(h->sched, v, r->finish_ns, &st))
                r->wait_ns += st.wait_ns;
        }
        core_sum(&h->k, i, &r->c);
        r->amt_ns = r->c.refs ? r->run_ns / (double)r->c.refs : 0;
        r->alloc = vm->alloc;
        r->resident = h->k.mem.doms[i].resident;
        if (r->min_alloc == UINT64_MAX)
            r->min_alloc = vm->alloc;
        int rc = host_final_mrc(h, i);
        if (rc)
            return rc;
        res->refs += r->c.refs;
        res->faults += r->c.faults;
        res->major_faults += r->c.major_faults;
        res->weighted_faults += (double)r->c.major_faults * r->shares * h->nvms / ssum;
        run += r->run_ns;
        if (r->finish_ns > res->end_ns)
            res->end_ns = r->finish_ns;
        res->vms[i] = *r;
        memset(&vm->r.mrc, 0, sizeof vm->r.mrc);   /* now owned by res */
    }
    res->amt_ns = res->refs ? run / (double)res->refs : 0;
    return 0;
}

static int run_once(const vmm_scenario_t *sc, const vmm_host_opts_t *o, vmm_host_result_t *res,
                    vmm_err_t *err)
{
    host_t h;
    memset(&h, 0, sizeof h);
    memset(res, 0, sizeof *res);
    int rc = host_init(&h, sc, o, res, err);
    if (!rc)
        rc = prepass(&h, err);
    if (!rc)
        rc = host_period_start(&h, err);
    if (!rc)
        rc = run_loop(&h, err);
    if (!rc)
        rc = finish(&h);
    if (rc == VMM_ENOMEM)
        vmm_err_set(err, rc, NULL, 0, -1, "out of memory");
    host_fini(&h);
    if (rc)
        vmm_host_result_fini(res);
    return rc;
}

/* Each VM alone on a host with exactly its limit of memory, the static
 * balancer and the same CPUs: the baseline of its slowdown. */
static int run_alone(const vmm_scenario_t *sc, const vmm_host_opts_t *o, vmm_host_result_t *res,
                     vmm_err_t *err)
{
    vmm_host_opts_t ao = *o;
    ao.alone = 0;
    for (uint32_t i = 0; i < sc->nvms; i++) {
        vmm_scenario_t one = *sc;
        vmm_host_result_t r1;
        one.vms = &sc->vms[i];
        one.nvms = 1;
        one.host.memory = sc->vms[i].eff_limit;
        one.host.balancer = VMM_BAL_STATIC;
        int rc = run_once(&one, &ao, &r1, err);
        if (rc)
            return rc;
        vmm_vm_result_t *v = &res->vms[i];
        v->alone_run_ns = r1.vms[0].run_ns;
        v->alone_major_faults = r1.vms[0].c.major_faults;
        v->slowdown = v->alone_run_ns > 0 ? v->run_ns / v->alone_run_ns : 0;
        vmm_host_result_fini(&r1);
    }
    return 0;
}

int vmm_host_run(const vmm_scenario_t *sc, const vmm_host_opts_t *opts, vmm_host_result_t *res,
                 vmm_err_t *err)
{
    vmm_host_opts_t o;
    if (opts)
        o = *opts;
    else
        vmm_host_opts_default(&o);
    int rc = run_once(sc, &o, res, err);
    if (!rc && o.alone && (rc = run_alone(sc, &o, res, err)))
        vmm_host_result_fini(res);
    return rc;
}
