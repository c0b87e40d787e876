/* Intrusive doubly linked lists over 32-bit indices.
 *
 * The links live in caller-owned arrays `prev` and `next` indexed by node
 * number (a frame, or a page id); several lists can share one pair of
 * arrays as long as a node is on at most one of them. VMM_DL_NIL ends a
 * list. Everything is O(1) and allocation-free. Head = most recent end by
 * convention (push_front for "insert at MRU"), tail = the eviction end. */
#ifndef VMM_UTIL_DLIST_H
#define VMM_UTIL_DLIST_H

#include <stdint.h>

#define VMM_DL_NIL UINT32_MAX

typedef struct vmm_dlist {
    uint32_t head, tail, size;
} vmm_dlist_t;

static inline void vmm_dl_init(vmm_dlist_t *l)
{
    l->head = l->tail = VMM_DL_NIL;
    l->size = 0;
}

static inline void vmm_dl_push_front(vmm_dlist_t *l, uint32_t *prev, uint32_t *next, uint32_t n)
{
    prev[n] = VMM_DL_NIL;
    next[n] = l->head;
    if (l->head != VMM_DL_NIL)
        prev[l->head] = n;
    else
        l->tail = n;
    l->head = n;
    l->size++;
}

static inline void vmm_dl_push_back(vmm_dlist_t *l, uint32_t *prev, uint32_t *next, uint32_t n)
{
    next[n] = VMM_DL_NIL;
    prev[n] = l->tail;
    if (l->tail != VMM_DL_NIL)
        next[l->tail] = n;
    else
        l->head = n;
    l->tail = n;
    l->size++;
}

static inline void vmm_dl_remove(vmm_dlist_t *l, uint32_t *prev, uint32_t *next, uint32_t n)
{
    uint32_t p = prev[n], x = next[n];
    if (p != VMM_DL_NIL)
        next[p] = x;
    else
        l->head = x;
    if (x != VMM_DL_NIL)
        prev[x] = p;
    else
        l->tail = p;
    prev[n] = next[n] = VMM_DL_NIL;
    l->size--;
}

/* Remove and return the tail (VMM_DL_NIL if empty). */
static inline uint32_t vmm_dl_pop_back(vmm_dlist_t *l, uint32_t *prev, uint32_t *next)
{
    uint32_t n = l->tail;
    if (n != VMM_DL_NIL)
        vmm_dl_remove(l, prev, next, n);
    return n;
}

/* Move n (already on l) to the front. */
static inline void vmm_dl_move_front(vmm_dlist_t *l, uint32_t *prev, uint32_t *next, uint32_t n)
{
    if (l->head == n)
        return;
    vmm_dl_remove(l, prev, next, n);
    vmm_dl_push_front(l, prev, next, n);
}

#endif
