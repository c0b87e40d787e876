/* The replacement-policy registry: one line per policy. Tests loop over
 * this table, so a policy added here is covered by the conformance tests
 * without being named in them. */
#include "vmmsim/policy.h"
#include "util/registry.h"

extern const vmm_policy_ops vmm_policy_fifo, vmm_policy_lru, vmm_policy_clock,
    vmm_policy_aging, vmm_policy_wsclock, vmm_policy_opt, vmm_policy_random,
    vmm_policy_arc, vmm_policy_2q, vmm_policy_clockpro, vmm_policy_lirs,
    vmm_policy_s3fifo, vmm_policy_sieve;

static const vmm_policy_ops *const registry[] = {
    &vmm_policy_fifo,  &vmm_policy_lru,      &vmm_policy_clock, &vmm_policy_aging,
    &vmm_policy_wsclock, &vmm_policy_opt,    &vmm_policy_random, &vmm_policy_arc,
    &vmm_policy_2q,    &vmm_policy_clockpro, &vmm_policy_lirs,  &vmm_policy_s3fifo,
    &vmm_policy_sieve, NULL,
};

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
