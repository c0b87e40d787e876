/* Allocation wrappers. All library allocations go through these so tests
 * can make the Nth allocation fail (as Lua's test allocator does) and check
 * that every failure path returns VMM_ENOMEM cleanly without leaks. */
#ifndef VMM_UTIL_ALLOC_H
#define VMM_UTIL_ALLOC_H

#include <stddef.h>
#include "vmmsim/error.h"

void *vmm_malloc(size_t n);
void *vmm_calloc(size_t n, size_t size);
void *vmm_realloc(void *p, size_t n);
void vmm_free(void *p);

/* Grow *arr (elements of `size` bytes, capacity *cap) to hold at least
 * `need` elements, doubling; new elements are zeroed. 0 or VMM_ENOMEM. */
int vmm_grow(void *arr, size_t *cap, size_t need, size_t size);

/* One array of a struct of arrays: the address of its pointer, and the
 * size of its elements. */
typedef struct vmm_soa {
    void *arr;
    size_t size;
} vmm_soa_t;

/* Grow `n` parallel arrays to one new capacity of at least `need` elements
 * (doubling from *cap, 64 at first); new elements are zeroed. *cap moves
 * only when every array grew, so a failure leaves a consistent state that
 * a later call can grow again. 0 or VMM_ENOMEM. */
int vmm_grow_soa(size_t *cap, size_t need, const vmm_soa_t *arrs, size_t n);

/* Test hook: make the allocation after `n` more succeed fail (n < 0 turns
 * failure injection off). For the unit tests only, which link the library's
 * objects: hidden, so neither library exports it. */
void vmm_alloc_fail_after(long n);

#endif
