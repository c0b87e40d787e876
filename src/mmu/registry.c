/* The page-table registry: one line per table kind. Tests loop over this
 * table, so a table added here is cross-checked against a naive map without
 * being named in them. Names are matched case-insensitively. */
#include "pt_internal.h"
#include "util/registry.h"

static const vmm_pt_ops *const registry[] = {
    &vmm_pt_single, &vmm_pt_2level, &vmm_pt_radix3, &vmm_pt_radix4,
    &vmm_pt_hashed, &vmm_pt_inverted, NULL,
};

/* Names the seed simulator's --pt-type option accepts, mapped to ours. */
static const vmm_alias_t aliases[] = {
    {"SINGLE", "single"},
    {"TWO_LEVEL", "2level"},
};

const vmm_pt_ops *const *vmm_pt_all(void) { return registry; }

const vmm_pt_ops *vmm_pt_find(const char *name)
{
    return vmm_registry_find((const void *const *)registry, aliases,
                             sizeof aliases / sizeof aliases[0], name);
}
