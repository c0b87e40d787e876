/* The scheduler registry (one line per scheduler) and the generic layer
 * every scheduler shares (vmmsim/sched.h): argument checks, the per-vCPU
 * bookkeeping (which pCPU a vCPU runs on, queue order, statistics) and the
 * pick/account protocol. Tests loop over the registry, so a scheduler added
 * here is covered by the conformance tests without being named in them.
 *
 * Invariants: a vCPU runs on at most one pCPU and a pCPU runs at most one
 * vCPU (cur[p] == v iff vc[v].running_on == p); `seq` grows each time a vCPU
 * rejoins the queue, so ordering by (seq, index) is FIFO and deterministic;
 * a runnable vCPU that is not running accumulates wait time from
 * ready_since. */
#include "vmmsim/sched.h"
#include "util/alloc.h"
#include "util/registry.h"
#include <math.h>
#include <string.h>

extern const vmm_sched_ops vmm_sched_rr, vmm_sched_credit;

static const vmm_sched_ops *const registry[] = {
    &vmm_sched_rr, &vmm_sched_credit, NULL,
};

static const vmm_alias_t aliases[] = {
    {"round-robin", "rr"},
    {"roundrobin", "rr"},
    {"xen", "credit"},
};

const vmm_sched_ops *const *vmm_sched_all(void) { return registry; }

const vmm_sched_ops *vmm_sched_find(const char *name)
{
    return vmm_registry_find((const void *const *)registry, aliases,
                             sizeof aliases / sizeof aliases[0], name);
}

struct vmm_sched {
    const vmm_sched_ops *ops;
    void *st;                 /* the scheduler's state */
    vmm_sched_vcpu_t *vc;     /* nvcpus entries */
    uint32_t *cur;            /* per pCPU: running vCPU or VMM_NONE */
    uint32_t nvcpus, npcpus;
    uint64_t seq;             /* last queue sequence number handed out */
    double now;               /* latest time seen, so time never goes back */
};

/* A time argument, clamped so that simulated time never goes backwards. */
static double clock_at(vmm_sched_t *s, double now)
{
    if (now > s->now && isfinite(now)) /* also rejects NaN */
        s->now = now;
    return s->now;
}

/* A cfg field: 0 picks the default; anything else must be a positive,
 * finite number of nanoseconds. */
static int cfg_time(double in, double def, const char *what, double *out, vmm_err_t *err)
{
    if (in == 0) {
        *out = def;
        return 0;
    }
    if (!(in > 0) || !isfinite(in))
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "scheduler %s must be a positive time in ns (0 for the default)", what);
    *out = in;
    return 0;
}

static int check_args(const vmm_sched_ops *ops, const vmm_sched_cfg_t *in,
                      const vmm_vcpu_desc_t *vcpus, uint32_t nvcpus, uint32_t npcpus,
                      vmm_sched_cfg_t *cfg, vmm_err_t *err)
{
    static const vmm_sched_cfg_t defaults;
    if (!in)
        in = &defaults;
    if (!ops)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "no scheduler given");
    if (npcpus == 0 || npcpus > VMM_SCHED_MAX_PCPUS)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "pCPUs must be 1..%d, got %u",
                           VMM_SCHED_MAX_PCPUS, npcpus);
    if (nvcpus == 0 || !vcpus)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "at least one vCPU is needed");
    int rc;
    if ((rc = cfg_time(in->slice_ns, VMM_SCHED_SLICE_NS, "slice", &cfg->slice_ns, err)) ||
        (rc = cfg_time(in->period_ns, VMM_SCHED_PERIOD_NS, "period", &cfg->period_ns, err)) ||
        (rc = cfg_time(in->tick_ns, VMM_SCHED_TICK_NS, "tick", &cfg->tick_ns, err)))
        return rc;
    uint64_t all = npcpus == 64 ? UINT64_MAX : (UINT64_C(1) << npcpus) - 1;
    for (uint32_t v = 0; v < nvcpus; v++) {
        const vmm_vcpu_desc_t *d = &vcpus[v];
        if (d->weight > VMM_SCHED_WEIGHT_MAX)
            return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                               "vCPU %u: weight must be 1..%d, got %u", v, VMM_SCHED_WEIGHT_MAX,
                               d->weight);
        if (d->cap > 100)
            return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                               "vCPU %u: cap must be 0..100 (%% of one pCPU), got %u", v, d->cap);
        if (d->affinity && !(d->affinity & all))
            return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                               "vCPU %u: affinity names none of the %u pCPUs", v, npcpus);
    }
    return 0;
}

int vmm_sched_create(const vmm_sched_ops *ops, const vmm_sched_cfg_t *cfg_in,
                     const vmm_vcpu_desc_t *vcpus, uint32_t nvcpus, uint32_t npcpus,
                     vmm_sched_t **out, vmm_err_t *err)
{
    *out = NULL;
    vmm_sched_cfg_t cfg;
    int rc = check_args(ops, cfg_in, vcpus, nvcpus, npcpus, &cfg, err);
    if (rc)
        return rc;
    vmm_sched_t *s = vmm_calloc(1, sizeof *s);
    if (!s)
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    s->vc = vmm_calloc(nvcpus, sizeof *s->vc);
    s->cur = vmm_calloc(npcpus, sizeof *s->cur);
    s->st = vmm_calloc(1, ops->state_size);
    if (!s->vc || !s->cur || !s->st) {
        vmm_sched_destroy(s);
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    }
    s->nvcpus = nvcpus;
    s->npcpus = npcpus;
    uint64_t all = npcpus == 64 ? UINT64_MAX : (UINT64_C(1) << npcpus) - 1;
    for (uint32_t p = 0; p < npcpus; p++)
        s->cur[p] = VMM_NONE;
    for (uint32_t v = 0; v < nvcpus; v++) {
        vmm_sched_vcpu_t *c = &s->vc[v];
        c->d = vcpus[v];
        if (!c->d.weight)
            c->d.weight = VMM_SCHED_WEIGHT_DEFAULT;
        /* Masking once lets schedulers test one bit without knowing P. */
        c->d.affinity = c->d.affinity ? (c->d.affinity & all) : all;
        c->runnable = vcpus[v].runnable != 0;
        c->running_on = VMM_NONE;
        c->seq = ++s->seq; /* initial queue order is index order */
    }
    rc = ops->init(s->st, &cfg, s->vc, nvcpus, npcpus, err);
    if (rc) {
        vmm_sched_destroy(s); /* ops is still NULL, so fini is not called */
        if (rc == VMM_ENOMEM)
            vmm_err_set(err, rc, NULL, 0, -1, "out of memory");
        return rc;
    }
    s->ops = ops;
    *out = s;
    return 0;
}

void vmm_sched_destroy(vmm_sched_t *s)
{
    if (!s)
        return;
    if (s->ops && s->st)
        s->ops->fini(s->st);
    vmm_free(s->st);
    vmm_free(s->vc);
    vmm_free(s->cur);
    vmm_free(s);
}

int vmm_sched_pick(vmm_sched_t *s, uint32_t pcpu, double now_ns, uint32_t *vcpu_out,
                   double *slice_ns_out)
{
    *vcpu_out = VMM_NONE;
    *slice_ns_out = INFINITY;
    if (pcpu >= s->npcpus || s->cur[pcpu] != VMM_NONE)
        return VMM_EINVAL;
    double now = clock_at(s, now_ns);
    double slice = INFINITY;
    uint32_t v = s->ops->pick(s->st, pcpu, now, &slice);
    if (v != VMM_NONE) {
        vmm_sched_vcpu_t *c = &s->vc[v];
        c->st.wait_ns += now - c->ready_since;
        c->st.slices++;
        c->running_on = pcpu;
        c->run_start = now;
        s->cur[pcpu] = v;
    }
    *vcpu_out = v;
    *slice_ns_out = slice;
    return 0;
}

void vmm_sched_account(vmm_sched_t *s, uint32_t vcpu, double ran_ns, double now_ns)
{
    if (vcpu >= s->nvcpus || s->vc[vcpu].running_on == VMM_NONE)
        return;
    double now = clock_at(s, now_ns);
    vmm_sched_vcpu_t *c = &s->vc[vcpu];
    if (!(ran_ns > 0) || !isfinite(ran_ns))
        ran_ns = 0;
    if (s->ops->charge)
        s->ops->charge(s->st, vcpu, ran_ns, now);
    c->st.run_ns += ran_ns;
    s->cur[c->running_on] = VMM_NONE;
    c->running_on = VMM_NONE;
    /* Back of the queue whether or not the slice was used up: a slice cut
     * short (bandwidth quota, US 8,826,270) lowers no priority, but the
     * next vCPU still gets its turn. */
    c->seq = ++s->seq;
    c->ready_since = now;
}

void vmm_sched_set_runnable(vmm_sched_t *s, uint32_t vcpu, int runnable, double now_ns)
{
    if (vcpu >= s->nvcpus || s->vc[vcpu].runnable == (runnable != 0))
        return;
    double now = clock_at(s, now_ns);
    vmm_sched_vcpu_t *c = &s->vc[vcpu];
    if (s->ops->runnable)
        s->ops->runnable(s->st, vcpu, now);
    if (c->running_on == VMM_NONE) {
        if (runnable) {
            c->seq = ++s->seq;
            c->ready_since = now;
        } else {
            c->st.wait_ns += now - c->ready_since;
        }
    }
    c->runnable = runnable != 0;
}

int vmm_sched_stats(const vmm_sched_t *s, uint32_t vcpu, double now_ns, vmm_sched_stats_t *out)
{
    if (vcpu >= s->nvcpus)
        return VMM_EINVAL;
    const vmm_sched_vcpu_t *c = &s->vc[vcpu];
    *out = c->st;
    if (c->runnable && c->running_on == VMM_NONE && now_ns > c->ready_since)
        out->wait_ns += now_ns - c->ready_since;
    return 0;
}

uint32_t vmm_sched_running_on(const vmm_sched_t *s, uint32_t vcpu)
{
    return vcpu < s->nvcpus ? s->vc[vcpu].running_on : VMM_NONE;
}

int vmm_sched_set_affinity(vmm_sched_t *s, uint32_t vcpu, uint64_t affinity)
{
    uint64_t all = s->npcpus == 64 ? UINT64_MAX : (UINT64_C(1) << s->npcpus) - 1;
    if (vcpu >= s->nvcpus || !(affinity & all))
        return VMM_EINVAL;
    s->vc[vcpu].d.affinity = affinity & all;
    return 0;
}

const vmm_sched_ops *vmm_sched_get_ops(const vmm_sched_t *s) { return s->ops; }
