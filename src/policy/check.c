/* The test-only invariant checks' dispatcher and helpers; see check.h. */
#include "policy/check.h"
#include <stdio.h>

extern const vmm_policy_ops vmm_policy_fifo, vmm_policy_lru, vmm_policy_clock,
    vmm_policy_aging, vmm_policy_wsclock, vmm_policy_opt, vmm_policy_random,
    vmm_policy_arc, vmm_policy_2q, vmm_policy_clockpro, vmm_policy_lirs,
    vmm_policy_s3fifo, vmm_policy_sieve;

/* Which checker goes with which table: a table beside the registry, not
 * an op in vmm_policy_ops, because the hook is for tests and must not
 * become part of the public ABI. A policy missing here is still tested
 * through its behaviour; vmm_policy_check() answers 1 for it. */
static const struct {
    const vmm_policy_ops *ops;
    vmm_policy_check_fn *check;
} checkers[] = {
    {&vmm_policy_fifo, vmm_fifo_check},       {&vmm_policy_lru, vmm_lru_check},
    {&vmm_policy_clock, vmm_clock_check},     {&vmm_policy_aging, vmm_aging_check},
    {&vmm_policy_wsclock, vmm_wsclock_check}, {&vmm_policy_opt, vmm_opt_check},
    {&vmm_policy_random, vmm_random_check},   {&vmm_policy_arc, vmm_arc_check},
    {&vmm_policy_2q, vmm_2q_check},           {&vmm_policy_clockpro, vmm_clockpro_check},
    {&vmm_policy_lirs, vmm_lirs_check},       {&vmm_policy_s3fifo, vmm_s3fifo_check},
    {&vmm_policy_sieve, vmm_sieve_check},
};

int vmm_policy_check(const vmm_policy_ops *ops, const void *st, uint32_t *held, char *why,
                     size_t len)
{
    for (size_t i = 0; i < sizeof checkers / sizeof checkers[0]; i++)
        if (checkers[i].ops == ops) {
            if (len)
                why[0] = 0;
            return checkers[i].check(st, held, why, len);
        }
    return 1;
}

int vmm_check_fail(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (len)
        vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}

int vmm_check_dlist(const vmm_dlist_t *l, const uint32_t *prev, const uint32_t *next,
                    size_t limit, const char *name, vmm_check_visit_fn *visit,
                    void *ctx, char *why, size_t len)
{
    uint32_t n = l->head, last = VMM_DL_NIL, count = 0;
    while (n != VMM_DL_NIL) {
        if (n >= limit)
            return vmm_check_fail(why, len, "%s: node %u out of range", name, n);
        if (prev[n] != last)
            return vmm_check_fail(why, len, "%s: node %u's prev is %u, not %u", name, n,
                                  prev[n], last);
        if (++count > l->size)
            return vmm_check_fail(why, len, "%s: more nodes than its size %u", name, l->size);
        if (visit && visit(ctx, n, why, len))
            return -1;
        last = n;
        n = next[n];
    }
    if (count != l->size)
        return vmm_check_fail(why, len, "%s: %u nodes, size %u", name, count, l->size);
    if (l->tail != last)
        return vmm_check_fail(why, len, "%s: tail %u, last node %u", name, l->tail, last);
    return 0;
}

int vmm_check_iheap(const vmm_iheap_t *h, size_t limit, vmm_ih_before_fn before,
                    const void *ctx, const char *name, char *why, size_t len)
{
    if (h->count > limit)
        return vmm_check_fail(why, len, "%s: %u items, room for %zu", name, h->count, limit);
    for (uint32_t i = 0; i < h->count; i++) {
        uint32_t x = h->heap[i];
        if (x >= limit || h->pos[x] != i)
            return vmm_check_fail(why, len, "%s: slot %u holds %u, whose position is wrong",
                                  name, i, x);
        if (i && before(ctx, x, h->heap[(i - 1) / 2]))
            return vmm_check_fail(why, len, "%s: item %u belongs above its parent", name, x);
    }
    uint32_t placed = 0;
    for (size_t x = 0; x < limit; x++)
        placed += h->pos[x] != VMM_IH_NONE;
    if (placed != h->count)
        return vmm_check_fail(why, len, "%s: %u items placed, %u counted", name, placed,
                              h->count);
    return 0;
}
