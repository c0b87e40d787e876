/* An indexed binary heap of 32-bit items (frame numbers): the item that
 * `before` puts first is at the top, and a position index lets any item's
 * key change, or the item leave, in O(log n). The keys live with the
 * caller; `before(ctx, a, b)` says whether a belongs above b. Header-only
 * and inline, so each user's comparison is inlined into its sifts.
 * Used by OPT (next use, largest first) and Aging (counter, smallest). */
#ifndef VMM_UTIL_IHEAP_H
#define VMM_UTIL_IHEAP_H

#include <stdint.h>
#include <string.h>
#include "alloc.h"

#define VMM_IH_NONE UINT32_MAX

typedef int (*vmm_ih_before_fn)(const void *ctx, uint32_t a, uint32_t b);

typedef struct vmm_iheap {
    uint32_t *heap;     /* items; heap[0] is the top */
    uint32_t *pos;      /* per item: index in heap, or VMM_IH_NONE */
    uint32_t count;     /* items in the heap */
} vmm_iheap_t;

/* Room for items 0..n-1. 0 or VMM_ENOMEM (nothing held). */
static inline int vmm_ih_init(vmm_iheap_t *h, uint32_t n)
{
    h->count = 0;
    h->heap = vmm_malloc((size_t)n * sizeof *h->heap);
    h->pos = vmm_malloc((size_t)n * sizeof *h->pos);
    if (!h->heap || !h->pos) {
        vmm_free(h->heap);
        vmm_free(h->pos);
        h->heap = h->pos = NULL;
        return VMM_ENOMEM;
    }
    memset(h->pos, 0xff, (size_t)n * sizeof *h->pos);
    return 0;
}

static inline void vmm_ih_fini(vmm_iheap_t *h)
{
    vmm_free(h->heap);
    vmm_free(h->pos);
    h->heap = h->pos = NULL;
    h->count = 0;
}

static inline int vmm_ih_has(const vmm_iheap_t *h, uint32_t x) { return h->pos[x] != VMM_IH_NONE; }

static inline void vmm_ih_place(vmm_iheap_t *h, uint32_t i, uint32_t x)
{
    h->heap[i] = x;
    h->pos[x] = i;
}

static inline void vmm_ih_sift_up(vmm_iheap_t *h, uint32_t i, vmm_ih_before_fn before,
                                  const void *ctx)
{
    uint32_t x = h->heap[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!before(ctx, x, h->heap[p]))
            break;
        vmm_ih_place(h, i, h->heap[p]);
        i = p;
    }
    vmm_ih_place(h, i, x);
}

static inline void vmm_ih_sift_down(vmm_iheap_t *h, uint32_t i, vmm_ih_before_fn before,
                                    const void *ctx)
{
    uint32_t x = h->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->count)
            break;
        if (c + 1 < h->count && before(ctx, h->heap[c + 1], h->heap[c]))
            c++;
        if (!before(ctx, h->heap[c], x))
            break;
        vmm_ih_place(h, i, h->heap[c]);
        i = c;
    }
    vmm_ih_place(h, i, x);
}

/* Add item x (not in the heap), its key already set. */
static inline void vmm_ih_push(vmm_iheap_t *h, uint32_t x, vmm_ih_before_fn before,
                               const void *ctx)
{
    vmm_ih_place(h, h->count++, x);
    vmm_ih_sift_up(h, h->pos[x], before, ctx);
}

/* Item x's key changed: restore the order in whichever direction it broke. */
static inline void vmm_ih_update(vmm_iheap_t *h, uint32_t x, vmm_ih_before_fn before,
                                 const void *ctx)
{
    vmm_ih_sift_up(h, h->pos[x], before, ctx);
    vmm_ih_sift_down(h, h->pos[x], before, ctx);
}

/* Take item x out: the last entry fills its slot and is sifted. */
static inline void vmm_ih_remove(vmm_iheap_t *h, uint32_t x, vmm_ih_before_fn before,
                                 const void *ctx)
{
    uint32_t i = h->pos[x], last = h->heap[--h->count];
    h->pos[x] = VMM_IH_NONE;
    if (last == x)
        return;
    vmm_ih_place(h, i, last);
    vmm_ih_update(h, last, before, ctx);
}

/* Restore the heap order of every item after all keys changed (Floyd). */
static inline void vmm_ih_rebuild(vmm_iheap_t *h, vmm_ih_before_fn before, const void *ctx)
{
    for (uint32_t i = h->count / 2; i-- > 0;)
        vmm_ih_sift_down(h, i, before, ctx);
}

#endif
