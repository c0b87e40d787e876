/* Policy instances and the "k=v,k=v" parameter helpers; see policy.h. */
#include "vmmsim/policy.h"
#include "util/alloc.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

int vmm_policy_init(vmm_policy_t *p, const vmm_policy_ops *ops, const vmm_policy_cfg_t *cfg,
                    vmm_err_t *err)
{
    memset(p, 0, sizeof *p);
    if (!cfg->nframes)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "frames must be at least 1");
    if (cfg->capacity > cfg->nframes)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "policy %s: capacity %u exceeds the %u frames", ops->name,
                           cfg->capacity, cfg->nframes);
    if (ops->abi != VMM_POLICY_ABI)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "policy %s: ops table version %u, this library takes %u", ops->name,
                           ops->abi, VMM_POLICY_ABI);
    /* a stateless user policy still gets a pointer of its own */
    p->st = vmm_calloc(1, ops->state_size ? ops->state_size : 1);
    if (!p->st)
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    vmm_policy_cfg_t c = *cfg;   /* init sees the capacity it will hold */
    if (!c.capacity)
        c.capacity = c.nframes;
    int rc = ops->init(p->st, &c, err);
    if (rc) {
        vmm_free(p->st);
        p->st = NULL;
        if (rc == VMM_ENOMEM)
            vmm_err_set(err, rc, NULL, 0, -1, "out of memory");
        return rc;
    }
    p->ops = ops;
    return 0;
}

void vmm_policy_fini(vmm_policy_t *p)
{
    if (p->ops && p->st)
        p->ops->fini(p->st);
    vmm_free(p->st);
    p->st = NULL;
    p->ops = NULL;
}

/* Find `key` in "k=v,k=v"; on success *val points at its value and *len is
 * the value's length. */
static int find_param(const char *params, const char *key, const char **val, size_t *len)
{
    size_t klen = strlen(key);
    for (const char *s = params; s && *s;) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        if (n > klen && !strncmp(s, key, klen) && s[klen] == '=') {
            *val = s + klen + 1;
            *len = n - klen - 1;
            return 1;
        }
        s = end ? end + 1 : NULL;
    }
    return 0;
}

int vmm_params_get_double(const char *params, const char *key, double *out, vmm_err_t *err)
{
    const char *v;
    size_t len;
    if (!find_param(params, key, &v, &len))
        return 0;
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "parameter %s: expected a number", key);
    memcpy(buf, v, len);
    buf[len] = 0;
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (*end || errno || !isfinite(d))
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "parameter %s: expected a number, got '%s'", key, buf);
    *out = d;
    return 1;
}

int vmm_params_get_range(const char *params, const char *policy, const char *key, double def,
                         double lo, double hi, double *out, vmm_err_t *err)
{
    *out = def;
    int rc = vmm_params_get_double(params, key, out, err);
    if (rc < 0)
        return rc;
    if (*out < lo || *out > hi)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "policy %s: %s must be in [%g, %g], got %g",
                           policy, key, lo, hi, *out);
    return 0;
}

int vmm_params_check(const char *params, const char *const *known, const char *policy,
                     vmm_err_t *err)
{
    for (const char *s = params; s && *s;) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', n);
        size_t klen = eq ? (size_t)(eq - s) : n;
        int ok = 0;
        for (size_t i = 0; eq && known[i]; i++)
            if (strlen(known[i]) == klen && !strncmp(known[i], s, klen))
                ok = 1;
        if (!ok) {
            char keys[160] = "";
            for (size_t i = 0, l = 0; known[i] && l < sizeof keys; i++)
                l += (size_t)snprintf(keys + l, sizeof keys - l, "%s%s=", i ? ", " : "", known[i]);
            return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                               "policy %s: unknown parameter '%.*s' (%s%s)", policy, (int)n, s,
                               known[0] ? "expected one of " : "it takes no parameters",
                               keys);
        }
        s = end ? end + 1 : NULL;
    }
    return 0;
}
