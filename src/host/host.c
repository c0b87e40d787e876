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
#include "mrc/patent.h"
#include "util/alloc.h"
#include <math.h>
#include <string.h>

#define VCPU_BUF 4096   /* references read ahead per vCPU */

const char *vmm_tier_name(int tier)
{
    static const char *const names[VMM_TIERS] = {"compressed", "ssd", "disk"};
    return tier >= 0 && tier < VMM_TIERS ? names[tier] : "?";
}

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

static int init_pcpus(host_t *h, vmm_err_t *err)
{
    const vmm_host_spec_t *hs = h->hs;
    h->pcpus = vmm_calloc(h->npcpus, sizeof *h->pcpus);
    if (!h->pcpus)
        return VMM_ENOMEM;
    for (uint32_t c = 0; c < h->npcpus; c++) {
        host_pcpu_t *p = &h->pcpus[c];
        p->node = (uint32_t)((uint64_t)c * h->nnodes / h->npcpus);
        p->running = VMM_NONE;
        for (uint32_t l = 0; l < h->ntlb; l++) {
            vmm_tlb_cfg_t tc = {.entries = hs->tlb[l].entries, .ways = hs->tlb[l].ways};
            int rc = vmm_tlb_init(&p->tlb[l], &tc);
            if (rc)
                return rc == VMM_ENOMEM ? rc : scn_err(h, VMM_EINVAL, hs->line, err,
                    "host.tlb: entries must be a multiple of ways with a power-of-two number of sets", NULL);
        }
        for (unsigned k = 0; k + 1 < h->glevels; k++) {
            /* 4-way when the sets come out a power of two, else fully
             * associative (a linear scan: fine for the usual 16-32) */
            vmm_tlb_cfg_t tc = {.entries = hs->pwc_entries, .ways = 4};
            int rc = vmm_tlb_init(&p->pwc[k], &tc);
            if (rc == VMM_EINVAL) {
                tc.ways = 0;
                rc = vmm_tlb_init(&p->pwc[k], &tc);
            }
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int init_vm(host_t *h, uint32_t i, vmm_err_t *err)
{
    const vmm_vm_spec_t *s = &h->sc->vms[i];
    host_vm_t *vm = &h->vms[i];
    vm->spec = s;
    /* a VM's allocation changes at run time: policies that size their
     * lists once, or need the future, cannot follow it */
    const vmm_policy_ops *pops = vmm_policy_find(s->policy);
    if (pops->flags & (VMM_POLICY_SIZED | VMM_POLICY_FUTURE)) {
        char ok[256] = "";
        for (const vmm_policy_ops *const *o = vmm_policy_all(); *o; o++)
            if (!((*o)->flags & (VMM_POLICY_SIZED | VMM_POLICY_FUTURE)))
                snprintf(ok + strlen(ok), sizeof ok - strlen(ok), "%s%s", ok[0] ? ", " : "",
                         (*o)->name);
        return vmm_err_set(err, VMM_EINVAL, h->sc->file, s->line, -1,
                           "%s: policy %s cannot change size (a VM's allocation does): use one of %s",
                           s->name, pops->name, ok);
    }
    vmm_policy_cfg_t pc = {.nframes = h->nframes, .seed = h->hs->seed ^ vmm_hash64(i + 1),
                           .params = s->policy_params,
                           .env = {.dirty = h->frame_dirty, .cleaned = &h->cleaned,
                                   .frame_page = h->frame_page}};
    int rc = vmm_policy_init(&vm->pol, pops, &pc, err);
    if (rc)
        return rc;
    vm->npt = vmm_calloc(1, h->npt_ops->state_size);
    vm->res_list = vmm_malloc((size_t)h->nframes * sizeof *vm->res_list);
    vm->act_pick = vmm_malloc((size_t)h->acfg.samples * sizeof *vm->act_pick);
    vmm_pt_cfg_t ptc = {.page_shift = h->shift, .va_bits = 0, .nframes = h->nframes};
    if (!vm->npt || !vm->res_list || !vm->act_pick)
        return VMM_ENOMEM;
    if (h->npt_ops->init(vm->npt, &ptc)) {
        vmm_free(vm->npt);
        vm->npt = NULL;
        return VMM_ENOMEM;
    }
    vmm_vm_result_t *r = &vm->r;
    r->name = s->name;
    r->vcpus = s->vcpus;
    r->memory = s->memory >> h->shift;
    r->reservation = s->reservation >> h->shift;
    r->limit = s->eff_limit >> h->shift;
    r->shares = (double)s->eff_shares;
    r->target_miss_ratio = s->target_miss_ratio;
    vm->smp_due = INFINITY;
    if (!strcmp(s->mrc, "patent")) {
        uint32_t S = h->hs->mrc_pages, C = (uint32_t)lround(sqrt((double)S));
        if (vmm_patent_create(S, C ? C : 1, &vm->smp))
            return VMM_ENOMEM;
    } else if (strcmp(s->mrc, "none")) {
        vmm_mrc_cfg_t mc = {.seed = h->hs->seed};
        if ((rc = vmm_mrc_builder_init(&vm->mrcb, vmm_mrc_find(s->mrc), &mc, err)))
            return rc;
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
        const char *name = h->hs->scheduler == VMM_SCHED_RR ? "rr" : "credit";
        rc = vmm_sched_create(vmm_sched_find(name), &sc, d, h->nvcpus, h->npcpus, &h->sched, err);
    }
    vmm_free(d);
    return rc;
}

static void init_balancer(host_t *h)
{
    static const char *const names[] = {"static", "shares", "mrc"};
    const vmm_host_spec_t *hs = h->hs;
    h->bal = vmm_balance_find(names[hs->balancer]);
    vmm_balance_cfg_default(&h->bcfg);
    h->bcfg.tau = hs->tau;
    h->bcfg.goal = hs->goal == VMM_GOAL_EQUAL_MISS_RATIO ? VMM_BALANCE_EQUAL_RATIO
                                                         : VMM_BALANCE_MIN_MISSES;
    h->bcfg.step = hs->step >> h->shift ? hs->step >> h->shift : 1;
    h->bcfg.max_move = hs->max_move >> h->shift;
    h->bcfg.lookahead = 0;   /* see past any plateau, up to the limit */
    vmm_active_cfg_default(&h->acfg);
    h->acfg.samples = hs->active_sample;
    h->res->balancer = names[hs->balancer];
    h->res->scheduler = hs->scheduler == VMM_SCHED_RR ? "rr" : "credit";
    h->res->nested = h->shadow ? "shadow" : "ept";
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
    h->gpt_ops = vmm_pt_find(hs->guest_pt);
    h->npt_ops = vmm_pt_find(hs->nested_pt);
    h->shadow = hs->nested == VMM_NESTED_SHADOW;
    h->glevels = hs->pwc_entries && !h->shadow ? h->gpt_ops->radix_levels : 0;
    h->nlevels = h->npt_ops->radix_levels;
    h->ntlb = hs->tlb_levels;
    uint64_t frames = hs->memory >> h->shift;
    if (!frames || frames >= VMM_NOFRAME)
        return scn_err(h, VMM_EINVAL, hs->line, err, "host.memory: expected 1 to 2^32-2 pages", NULL);
    h->nframes = (uint32_t)frames;
    h->nnodes = hs->numa_nodes;
    if (h->nnodes > h->nframes)
        return scn_err(h, VMM_EINVAL, hs->line, err, "host.numa_nodes: more nodes than pages", NULL);
    h->frames_per_node = h->nframes / h->nnodes;
    h->npcpus = hs->pcpus;
    if (h->npcpus > HOST_MAX_PCPUS)
        return scn_err(h, VMM_EINVAL, hs->line, err, "host.pcpus: the scheduler handles at most 64", NULL);
    h->tier_cap[VMM_TIER_COMPRESSED] = hs->compressed >> h->shift;
    h->tier_ns[VMM_TIER_COMPRESSED] = hs->compressed_ns;
    h->tier_cap[VMM_TIER_SSD] = hs->ssd_capacity ? hs->ssd_capacity >> h->shift : UINT64_MAX;
    h->tier_ns[VMM_TIER_SSD] = hs->ssd_ns;
    h->tier_cap[VMM_TIER_DISK] = hs->disk_capacity ? hs->disk_capacity >> h->shift : UINT64_MAX;
    h->tier_ns[VMM_TIER_DISK] = hs->disk_ns;
    h->swap_tier = hs->swap == VMM_SWAP_SSD ? VMM_TIER_SSD : hs->swap == VMM_SWAP_DISK ? VMM_TIER_DISK : -1;
    vmm_dl_init(&h->cq);
    h->smp_salt = vmm_hash64(hs->seed ^ 0x5851f42d4c957f2dULL);
    vmm_rng_seed(&h->rng, hs->seed);
    h->nvms = sc->nvms;
    res->nvms = sc->nvms;
    res->host_pages = h->nframes;
    res->vms = vmm_calloc(sc->nvms, sizeof *res->vms);
    h->vms = vmm_calloc(sc->nvms, sizeof *h->vms);
    if (!res->vms || !h->vms || host_frames_init(h) || vmm_hm_init(&h->as_map, 16))
        return VMM_ENOMEM;
    init_balancer(h);
    int rc = init_pcpus(h, err);
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
        host_vm_t *vm = &h->vms[i];
        vmm_policy_fini(&vm->pol);
        if (vm->npt) {
            h->npt_ops->fini(vm->npt);
            vmm_free(vm->npt);
        }
        vmm_patent_destroy(vm->smp);
        vmm_mrc_builder_fini(&vm->mrcb);
        vmm_free(vm->res_list);
        vmm_free(vm->act_pick);
    }
    for (uint32_t i = 0; h->vcpus && i < h->nvcpus; i++) {
        vmm_source_close(&h->vcpus[i].src);
        vmm_free(h->vcpus[i].buf);
    }
    for (uint32_t i = 0; i < h->nas; i++) {
        h->gpt_ops->fini(h->as[i].gpt);
        vmm_free(h->as[i].gpt);
    }
    for (uint32_t c = 0; h->pcpus && c < h->npcpus; c++) {
        for (uint32_t l = 0; l < h->ntlb; l++)
            vmm_tlb_fini(&h->pcpus[c].tlb[l]);
        for (unsigned k = 0; k + 1 < h->glevels; k++)
            vmm_tlb_fini(&h->pcpus[c].pwc[k]);
    }
    for (uint32_t k = 0; h->node_free && k < h->nnodes; k++)
        vmm_free(h->node_free[k]);
    vmm_sched_destroy(h->sched);
    vmm_hm_fini(&h->as_map);
    vmm_free(h->node_free);
    vmm_free(h->node_nfree);
    vmm_free(h->frame_page);
    vmm_free(h->res_pos);
    vmm_free(h->frame_dirty);
    vmm_free(h->pages);
    vmm_free(h->cq_prev);
    vmm_free(h->cq_next);
    vmm_free(h->as);
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
    uint32_t as;
    if (host_as_index(h, v, r->asid, &as))
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    if (h->shadow && as != v->cur_as && v->cur_as != UINT32_MAX) {
        h->vms[v->vm].r.shadow_syncs++;   /* the guest's CR3 write traps */
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
    unsigned long long n = (unsigned long long)h->vms[v->vm].r.refs;
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
    while (v->t < end) {
        if (v->pg == v->npg) {
            int rc = next_record(h, v, err);
            if (rc <= 0)
                return rc == 0 ? 1 : rc;
        }
        const vmm_ref_t *r = &v->buf[v->pos];
        int rc = host_access_page(h, v, p, v->cur_as, (r->addr >> h->shift) + v->pg, r->op);
        if (rc)
            return access_error(h, v, rc, err);
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
                uint64_t refs = 0;
                for (uint32_t i = 0; i < h->nvms; i++)
                    refs += h->vms[i].r.refs;
                h->opts->progress(h->opts->progress_arg, h->next_period, refs);
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
        r->amt_ns = r->refs ? r->run_ns / (double)r->refs : 0;
        r->alloc = vm->alloc;
        r->resident = vm->resident;
        if (r->min_alloc == UINT64_MAX)
            r->min_alloc = vm->alloc;
        int rc = host_final_mrc(vm);
        if (rc)
            return rc;
        res->refs += r->refs;
        res->faults += r->faults;
        res->major_faults += r->major_faults;
        res->weighted_faults += (double)r->major_faults * r->shares * h->nvms / ssum;
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
        v->alone_major_faults = r1.vms[0].major_faults;
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
