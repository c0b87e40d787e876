/* Stage kinds (the registry: built-in and registered) and the stages of a
 * run: see vmmsim/stage.h and stages.h. The data path calls each hook
 * through a short loop over the instances that have it; a run with no
 * stages pays one load per reference (stages.n_ref). */
#include "stages.h"
#include "util/alloc.h"
#include "util/registry.h"
#include <stdio.h>
#include <string.h>

#define USER_STAGES 16

/* Built-in stages: none yet (the CPU cache model, prefetchers... will be
 * here); user stages follow them in the same table. */
static const vmm_stage_ops *registry[USER_STAGES + 1];
static size_t nregistry;

const vmm_stage_ops *const *vmm_stage_all(void) { return registry; }

const vmm_stage_ops *vmm_stage_find(const char *name)
{
    return vmm_registry_find((const void *const *)registry, NULL, 0, name);
}

int vmm_stage_register(const vmm_stage_ops *ops)
{
    if (!ops || !ops->name || !ops->name[0] || ops->abi != VMM_STAGE_ABI ||
        vmm_stage_find(ops->name))
        return VMM_EINVAL;
    if (nregistry >= USER_STAGES)
        return VMM_ERANGE;
    registry[nregistry++] = ops;
    return 0;
}

static int add_stage(vmm_stages_t *ss, const char *name, size_t len, const char *params,
                     vmm_err_t *err)
{
    char nm[64];
    if (len >= sizeof nm)
        len = sizeof nm - 1;
    memcpy(nm, name, len);
    nm[len] = 0;
    const vmm_stage_ops *ops = vmm_stage_find(nm);
    if (!ops)
        return vmm_err_set(err, VMM_ENOENT, NULL, 0, -1, "unknown stage '%s'", nm);
    if (ss->n >= VMM_MAX_STAGES)
        return vmm_err_set(err, VMM_ERANGE, NULL, 0, -1, "more than %d stages",
                           VMM_MAX_STAGES);
    vmm_stage_t *s = &ss->s[ss->n];
    s->st = vmm_calloc(1, ops->state_size ? ops->state_size : 1);
    if (!s->st)
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    int rc = ops->init ? ops->init(s->st, params, err) : 0;
    if (rc) {
        vmm_free(s->st);
        s->st = NULL;
        return rc;
    }
    s->ops = ops;
    ss->n++;
    ss->n_ref += ops->on_ref != NULL;
    return 0;
}

int vmm_stages_init(vmm_stages_t *ss, const char *spec, vmm_err_t *err)
{
    memset(ss, 0, sizeof *ss);
    char buf[256];
    for (const char *s = spec; s && *s;) {
        const char *end = strchr(s, ';');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        const char *colon = memchr(s, ':', n);
        const char *params = NULL;
        size_t nlen = colon ? (size_t)(colon - s) : n;
        if (colon) {
            size_t plen = n - nlen - 1;
            if (plen >= sizeof buf)
                plen = sizeof buf - 1;
            memcpy(buf, colon + 1, plen);
            buf[plen] = 0;
            params = buf;
        }
        int rc = nlen ? add_stage(ss, s, nlen, params, err) : 0;
        if (rc) {
            vmm_stages_fini(ss);
            return rc;
        }
        s = end ? end + 1 : NULL;
    }
    return 0;
}

void vmm_stages_fini(vmm_stages_t *ss)
{
    for (uint32_t i = 0; i < ss->n; i++) {
        if (ss->s[i].ops->fini)
            ss->s[i].ops->fini(ss->s[i].st);
        vmm_free(ss->s[i].st);
    }
    memset(ss, 0, sizeof *ss);
}

/* Call hook `h` of every stage that has it with (st, args...), stopping
 * at the first error. */
#define EACH_HOOK(ss, h, ...)                                                   \
    for (uint32_t i_ = 0; i_ < (ss)->n; i_++) {                                 \
        int rc_ = (ss)->s[i_].ops->h ? (ss)->s[i_].ops->h((ss)->s[i_].st, __VA_ARGS__) : 0; \
        if (rc_)                                                                \
            return rc_;                                                         \
    }                                                                           \
    return 0

int vmm_stages_ref(vmm_stages_t *ss, uint32_t as, uint64_t vpn, uint32_t page, unsigned op,
                   int hit, double *cost)
{
    vmm_stage_ref_t r = {.as = as, .page = page, .vpn = vpn, .op = op, .tlb_hit = hit};
    EACH_HOOK(ss, on_ref, &r, cost);
}

int vmm_stages_walk(vmm_stages_t *ss, const vmm_stage_ref_t *r, unsigned refs, double *cost)
{
    EACH_HOOK(ss, on_walk, r, refs, cost);
}

int vmm_stages_fault(vmm_stages_t *ss, const vmm_stage_ref_t *r, int major, double *cost)
{
    EACH_HOOK(ss, on_fault, r, major, cost);
}

int vmm_stages_period(vmm_stages_t *ss, double now)
{
    EACH_HOOK(ss, on_period, now);
}

void vmm_stages_evict(vmm_stages_t *ss, uint32_t page)
{
    for (uint32_t i = 0; i < ss->n; i++)
        if (ss->s[i].ops->on_evict)
            ss->s[i].ops->on_evict(ss->s[i].st, page);
}

const vmm_stage_t *vmm_stages_get(const vmm_stages_t *ss, const char *name)
{
    for (uint32_t i = 0; i < ss->n; i++)
        if (!strcasecmp(ss->s[i].ops->name, name))
            return &ss->s[i];
    return NULL;
}
