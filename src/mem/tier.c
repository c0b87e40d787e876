/* The registry of tier kinds below DRAM. A tier instance (mem.h) is one of
 * these kinds with a capacity and latencies: the single machine's swap and
 * the hypervisor's SSD and disk are devices; compressed memory is its own
 * kind. Adding a kind (remote memory, later) is one file and one line. */
#include "mem.h"
#include "util/registry.h"

extern const mem_tier_ops_t mem_tier_device, mem_tier_compressed;

static const mem_tier_ops_t *const registry[] = {&mem_tier_device, &mem_tier_compressed, NULL};

const mem_tier_ops_t *mem_tier_find(const char *name)
{
    return vmm_registry_find((const void *const *)registry, NULL, 0, name);
}

const char *vmm_tier_name(int tier)
{
    static const char *const names[VMM_TIERS] = {"compressed", "ssd", "disk", "swap"};
    return tier >= 0 && tier < VMM_TIERS ? names[tier] : "?";
}
