/* Test-only hook: the replacement policies' internal invariants, checked
 * from outside after any call.
 *
 * Not part of the public API: nothing here is VMM_API, so the shared
 * library does not export it (the unit tests link the static library). A
 * checker walks the whole state, O(frames + pages): never on the fast
 * path. Each one checks what its file's top comment states: list links and
 * sizes, the flags that say which list an entry is on, the counts kept
 * beside them, and the policy's bounds (targets within the capacity, ghost
 * lists within theirs). */
#ifndef VMM_POLICY_CHECK_H
#define VMM_POLICY_CHECK_H

#include "vmmsim/policy.h"
#include "util/dlist.h"
#include "util/iheap.h"
#include <stdarg.h>

/* Check instance `st` of `ops`. Returns 0 when every invariant holds, with
 * *held set to the number of frames the policy holds; -1 with the first
 * broken invariant described in why[0..len); 1 if `ops` has no checker
 * (a user policy). */
int vmm_policy_check(const vmm_policy_ops *ops, const void *st, uint32_t *held, char *why,
                     size_t len);

/* For the checkers: format `why` and return -1. */
int vmm_check_fail(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Walk list `l` (links prev/next, nodes < limit) from head to tail,
 * checking that the links agree both ways, the tail and the size are
 * right and nothing loops; calls visit(ctx, node, why, len) on each node
 * (when not NULL), which returns 0 or fails the check with its own -1. */
typedef int vmm_check_visit_fn(void *ctx, uint32_t n, char *why, size_t len);
int vmm_check_dlist(const vmm_dlist_t *l, const uint32_t *prev, const uint32_t *next,
                    size_t limit, const char *name, vmm_check_visit_fn *visit,
                    void *ctx, char *why, size_t len);

/* Check heap `h` of items < limit: positions agree with slots, no item is
 * placed above one `before` puts first, and exactly `count` items have a
 * position. */
int vmm_check_iheap(const vmm_iheap_t *h, size_t limit, vmm_ih_before_fn before,
                    const void *ctx, const char *name, char *why, size_t len);

/* The checkers, one per policy file. */
typedef int vmm_policy_check_fn(const void *st, uint32_t *held, char *why, size_t len);
vmm_policy_check_fn vmm_fifo_check, vmm_lru_check, vmm_clock_check, vmm_aging_check,
    vmm_wsclock_check, vmm_opt_check, vmm_random_check, vmm_arc_check, vmm_2q_check,
    vmm_clockpro_check, vmm_lirs_check, vmm_s3fifo_check, vmm_sieve_check;

#endif
