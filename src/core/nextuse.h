/* Next-use indices for policies that need the future (OPT): a prepass
 * records the page of every page reference of a stream, then one backward
 * scan turns each into the index of that page's next reference
 * (UINT32_MAX for none), with one slot per distinct page. 4 bytes a page
 * reference: an offline yardstick's cost. Used by the engine (the whole
 * trace) and the hypervisor (each vCPU's stream). */
#ifndef VMM_CORE_NEXTUSE_H
#define VMM_CORE_NEXTUSE_H

#include <stddef.h>
#include <stdint.h>
#include "util/hashmap.h"

typedef struct vmm_nextuse {
    vmm_hashmap_t ident;   /* page key -> prepass page number (freed by finish) */
    uint32_t npages;
    uint32_t *next;        /* per page reference */
    size_t len, cap;
} vmm_nextuse_t;

/* 0 or VMM_ENOMEM. */
int vmm_nextuse_init(vmm_nextuse_t *n);
/* The stream's next page reference is to page `key`. 0, VMM_ENOMEM or
 * VMM_ERANGE (2^32 page references). */
int vmm_nextuse_add(vmm_nextuse_t *n, uint64_t key);
/* Turn the recorded pages into next-use indices. 0 or VMM_ENOMEM. */
int vmm_nextuse_finish(vmm_nextuse_t *n);
void vmm_nextuse_fini(vmm_nextuse_t *n);

/* The next use of page reference i, VMM_NEVER (policy.h) past the end or
 * when the page is not referenced again. */
static inline uint64_t vmm_nextuse_at(const vmm_nextuse_t *n, size_t i)
{
    uint32_t v = i < n->len ? n->next[i] : UINT32_MAX;
    return v == UINT32_MAX ? UINT64_MAX : v;
}

#endif
