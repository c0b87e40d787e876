/* Next-use indices: see nextuse.h. */
#include "nextuse.h"
#include "vmmsim/error.h"
#include "util/alloc.h"
#include <string.h>

int vmm_nextuse_init(vmm_nextuse_t *n)
{
    memset(n, 0, sizeof *n);
    return vmm_hm_init(&n->ident, 1024) ? VMM_ENOMEM : 0;
}

int vmm_nextuse_add(vmm_nextuse_t *n, uint64_t key)
{
    uint32_t pid = vmm_hm_get(&n->ident, key);
    if (pid == VMM_HM_NONE) {
        pid = n->npages++;
        if (vmm_hm_put(&n->ident, key, pid))
            return VMM_ENOMEM;
    }
    if (n->len >= UINT32_MAX - 1)
        return VMM_ERANGE;
    if (vmm_grow(&n->next, &n->cap, n->len + 1, sizeof *n->next))
        return VMM_ENOMEM;
    n->next[n->len++] = pid;
    return 0;
}

int vmm_nextuse_finish(vmm_nextuse_t *n)
{
    uint32_t *last = vmm_malloc((size_t)(n->npages ? n->npages : 1) * sizeof *last);
    if (!last)
        return VMM_ENOMEM;
    memset(last, 0xff, (size_t)n->npages * sizeof *last);
    for (size_t i = n->len; i-- > 0;) {
        uint32_t pid = n->next[i];
        n->next[i] = last[pid];
        last[pid] = (uint32_t)i;
    }
    vmm_free(last);
    vmm_hm_fini(&n->ident);
    return 0;
}

void vmm_nextuse_fini(vmm_nextuse_t *n)
{
    vmm_hm_fini(&n->ident);
    vmm_free(n->next);
    memset(n, 0, sizeof *n);
}
