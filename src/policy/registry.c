/* The replacement-policy registry: one line per built-in policy, then up
 * to VMM_POLICY_USER_MAX slots that vmm_policy_register() fills. Tests loop
 * over vmm_policy_all(), so a policy added here is covered by the
 * conformance tests without being named in them.
 *
 * One table serves both: the built-in entries are its initialiser, the
 * user slots follow and stay NULL until filled, so the table is always
 * NULL-terminated and vmm_policy_find() and vmm_policy_all() need no second
 * list. */
#include "vmmsim/policy.h"
#include "util/registry.h"
#include <ctype.h>
#include <string.h>

extern const vmm_policy_ops vmm_policy_fifo, vmm_policy_lru, vmm_policy_clock,
    vmm_policy_aging, vmm_policy_wsclock, vmm_policy_opt, vmm_policy_random,
    vmm_policy_arc, vmm_policy_2q, vmm_policy_clockpro, vmm_policy_lirs,
    vmm_policy_s3fifo, vmm_policy_sieve;

/* The built-in policies, in the order --help lists them. */
#define BUILTIN                                                                          \
    &vmm_policy_fifo, &vmm_policy_lru, &vmm_policy_clock, &vmm_policy_aging,             \
    &vmm_policy_wsclock, &vmm_policy_opt, &vmm_policy_random, &vmm_policy_arc,           \
    &vmm_policy_2q, &vmm_policy_clockpro, &vmm_policy_lirs, &vmm_policy_s3fifo,          \
    &vmm_policy_sieve
#define NBUILTIN (sizeof (const vmm_policy_ops *[]){BUILTIN} / sizeof(const vmm_policy_ops *))

/* Built-in entries, the user slots, the NULL end. */
static const vmm_policy_ops *registry[NBUILTIN + VMM_POLICY_USER_MAX + 1] = {BUILTIN};

static unsigned nuser;   /* user slots filled */

/* Names the seed simulator's -a option accepts, mapped to ours. */
static const vmm_alias_t aliases[] = {
    {"APPROX_LRU", "aging"},
};

const vmm_policy_ops *const *vmm_policy_all(void) { return registry; }

const vmm_policy_ops *vmm_policy_find(const char *name)
{
    return vmm_registry_find((const void *const *)registry, aliases,
                             sizeof aliases / sizeof aliases[0], name);
}

/* 1 to 31 of [A-Za-z0-9_-]: what the CLI's comma lists, `name:params`
 * forms and scenario files can carry. */
static int name_ok(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++)
        if (n >= 31 || !(isalnum((unsigned char)name[n]) || name[n] == '_' || name[n] == '-'))
            return 0;
    return n > 0;
}

int vmm_policy_register(const vmm_policy_ops *ops)
{
    if (!ops)
        return VMM_EINVAL;
    if (ops->abi != VMM_POLICY_ABI)
        return VMM_EUNSUP;
    if (!ops->name || !name_ok(ops->name) || !ops->summary || !ops->init || !ops->fini ||
        !ops->on_hit || !ops->victim || !ops->on_insert || !ops->on_remove ||
        (ops->flags & ~(unsigned)VMM_POLICY_FUTURE))
        return VMM_EINVAL;
    if (vmm_policy_find(ops->name))
        return VMM_EINVAL;
    if (nuser == VMM_POLICY_USER_MAX)
        return VMM_ENOMEM;
    registry[NBUILTIN + nuser++] = ops;
    return 0;
}
