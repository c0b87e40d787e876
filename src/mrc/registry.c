/* The MRC-builder registry and builder instances (vmmsim/mrc.h): one line
 * per builder. Tests loop over this table, so a builder added here is
 * covered by the conformance tests (bad cfg, allocation failure) without
 * being named in them. The patent's online method (US 9,223,722) is not a
 * builder: it runs inside the simulated MMU (vmm_sampler). */
#include "vmmsim/mrc.h"
#include "util/alloc.h"
#include <string.h>
#include <strings.h>

extern const vmm_mrc_ops vmm_mrc_exact, vmm_mrc_shards, vmm_mrc_mini;

static const vmm_mrc_ops *const registry[] = {
    &vmm_mrc_exact, &vmm_mrc_shards, &vmm_mrc_mini, NULL,
};

const vmm_mrc_ops *const *vmm_mrc_all(void) { return registry; }

const vmm_mrc_ops *vmm_mrc_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; registry[i]; i++)
        if (!strcasecmp(name, registry[i]->name))
            return registry[i];
    return NULL;
}

/* Allocate and init a builder; cfg NULL means every default. On failure
 * *b is zeroed (vmm_mrc_builder_fini is then a no-op) and err says why. */
int vmm_mrc_builder_init(vmm_mrc_builder_t *b, const vmm_mrc_ops *ops,
                         const vmm_mrc_cfg_t *cfg, vmm_err_t *err)
{
    static const vmm_mrc_cfg_t defaults;
    memset(b, 0, sizeof *b);
    if (!ops)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "no MRC builder given");
    b->st = vmm_calloc(1, ops->state_size);
    if (!b->st)
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    int rc = ops->init(b->st, cfg ? cfg : &defaults, err);
    if (rc) {
        vmm_free(b->st);
        b->st = NULL;
        if (rc == VMM_ENOMEM)
            vmm_err_set(err, rc, NULL, 0, -1, "out of memory");
        return rc;
    }
    b->ops = ops;
    return 0;
}

void vmm_mrc_builder_fini(vmm_mrc_builder_t *b)
{
    if (b->ops && b->st)
        b->ops->fini(b->st);
    vmm_free(b->st);
    b->st = NULL;
    b->ops = NULL;
}
