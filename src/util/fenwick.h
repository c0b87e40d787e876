/* Fenwick tree (binary indexed tree) of 32-bit counts: point update and
 * prefix sum in O(log n), after P. M. Fenwick, "A new data structure for
 * cumulative frequency tables", Software: Practice and Experience 24(3),
 * 1994. Positions are 0-based for callers; the array is 1-based inside
 * (t[0] unused) so the lowest-set-bit arithmetic stays the textbook one.
 *
 * Used by the LRU stack-distance engine (src/mrc/stackdist.c) to count the
 * marks in each 64-bit word of a bit set over access times. Header-only:
 * add and prefix sit on the per-reference path. A zeroed struct is a valid
 * empty tree of size 0. */
#ifndef VMM_UTIL_FENWICK_H
#define VMM_UTIL_FENWICK_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "alloc.h"

typedef struct vmm_fenwick {
    uint32_t *t;   /* n + 1 partial sums, t[0] unused */
    size_t n;      /* positions 0..n-1 */
} vmm_fenwick_t;

/* Make `f` a tree of n positions, all zero, reusing its array when it is
 * big enough. On failure returns VMM_ENOMEM and leaves `f` as it was. */
static inline int vmm_fw_resize(vmm_fenwick_t *f, size_t n)
{
    if (n != f->n) {
        uint32_t *t = vmm_realloc(f->t, (n + 1) * sizeof *t);
        if (!t)
            return VMM_ENOMEM;
        f->t = t;
        f->n = n;
    }
    memset(f->t, 0, (f->n + 1) * sizeof *f->t);
    return 0;
}

static inline void vmm_fw_fini(vmm_fenwick_t *f)
{
    vmm_free(f->t);
    f->t = NULL;
    f->n = 0;
}

/* Add `delta` at position i (0 <= i < n). */
static inline void vmm_fw_add(vmm_fenwick_t *f, size_t i, int32_t delta)
{
    for (size_t j = i + 1; j <= f->n; j += j & (~j + 1))
        f->t[j] += (uint32_t)delta;
}

/* Sum of positions 0..i inclusive (i < n). */
static inline uint32_t vmm_fw_prefix(const vmm_fenwick_t *f, size_t i)
{
    uint32_t s = 0;
    for (size_t j = i + 1; j; j &= j - 1)
        s += f->t[j];
    return s;
}

/* Sum of positions 0..i-1 (i <= n); 0 for i = 0. */
static inline uint32_t vmm_fw_prefix_before(const vmm_fenwick_t *f, size_t i)
{
    uint32_t s = 0;
    for (size_t j = i; j; j &= j - 1)
        s += f->t[j];
    return s;
}

/* Make room for n positions without changing the tree (its size and sums
 * stay), so a caller can allocate before it starts rewriting anything. On
 * failure returns VMM_ENOMEM and leaves `f` as it was. */
static inline int vmm_fw_reserve(vmm_fenwick_t *f, size_t n)
{
    if (n <= f->n && f->t)
        return 0;
    uint32_t *t = vmm_realloc(f->t, (n + 1) * sizeof *t);
    if (!t)
        return VMM_ENOMEM;
    f->t = t;
    return 0;
}

/* Make `f` a tree of n positions whose values the caller has put in
 * t[1..n] (t[i + 1] = value at position i; room from vmm_fw_reserve), in
 * O(n): each node adds its sum into its parent, lowest index first. */
static inline void vmm_fw_build(vmm_fenwick_t *f, size_t n)
{
    f->n = n;
    for (size_t j = 1; j <= n; j++) {
        size_t up = j + (j & (~j + 1));
        if (up <= n)
            f->t[up] += f->t[j];
    }
}

/* Set positions 0..k-1 to one and the rest to zero in O(n): each node
 * holds the count of ones in its range (j - lowbit(j), j]. */
static inline void vmm_fw_fill_ones(vmm_fenwick_t *f, size_t k)
{
    for (size_t j = 1; j <= f->n; j++) {
        size_t lo = j - (j & (~j + 1));   /* range is positions lo..j-1 */
        f->t[j] = (uint32_t)(k <= lo ? 0 : (k >= j ? j - lo : k - lo));
    }
}

#endif
