/* Allocation wrappers with failure injection; see alloc.h. */
#include "alloc.h"
#include <stdlib.h>
#include <string.h>

static long fail_countdown = -1;   /* <0: never fail */

void vmm_alloc_fail_after(long n) { fail_countdown = n; }

static int should_fail(void)
{
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0)
        return 1;
    fail_countdown--;
    return 0;
}

void *vmm_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n ? n : 1);
}

void *vmm_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *vmm_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void vmm_free(void *p) { free(p); }

int vmm_grow(void *arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void **pp = arr;
    char *np = vmm_realloc(*pp, ncap * size);
    if (!np)
        return VMM_ENOMEM;
    memset(np + *cap * size, 0, (ncap - *cap) * size);
    *pp = np;
    *cap = ncap;
    return 0;
}

int vmm_grow_soa(size_t *cap, size_t need, const vmm_soa_t *arrs, size_t n)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap *= 2;
    for (size_t i = 0; i < n; i++) {
        void **pp = arrs[i].arr;
        char *np = vmm_realloc(*pp, ncap * arrs[i].size);
        if (!np)
            return VMM_ENOMEM;
        memset(np + *cap * arrs[i].size, 0, (ncap - *cap) * arrs[i].size);
        *pp = np;
    }
    *cap = ncap;
    return 0;
}
