/* CLOCK replacement, in its "FIFO with reinsertion" (second chance) form:
 * Corbató, "A paging experiment with the Multics system", MIT Project MAC
 * report MAC-M-384, 1968; the one-bit variant that libCacheSim calls "Clock".
 * No parameters.
 *
 * Each resident frame has a reference bit. A newly loaded page starts with
 * the bit CLEAR (its load is not counted as a reuse), a hit sets it. To find
 * a victim the hand looks at the oldest frame: if its bit is set, the bit is
 * cleared and the frame goes to the back of the queue (a second chance);
 * the first frame found with a clear bit is evicted. The frames are kept as
 * a queue (head = back, tail = under the hand) rather than a ring with a
 * moving hand: the two orders are the same, and the queue makes removal of
 * an arbitrary frame O(1). A victim search is O(frames) in the worst case
 * (every bit set) but O(1) amortised, since each hit sets at most one bit
 * that the hand clears once. Nothing depends on the capacity, so there is
 * no resize: a shrink's victims come from the hand's usual sweep. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include "util/dlist.h"
#include <string.h>

typedef struct clock_state {
    vmm_dlist_t q;      /* resident frames, tail = next under the hand */
    uint32_t *prev;     /* per frame: list links */
    uint32_t *next;
    uint8_t *ref;       /* per frame: reference bit */
    uint32_t nframes;   /* frame numbers are below it */
} clock_state;

static const char *const clock_params[] = {NULL};

static void clock_fini(void *st)
{
    clock_state *s = st;
    vmm_free(s->prev);
    vmm_free(s->next);
    vmm_free(s->ref);
    s->prev = s->next = NULL;
    s->ref = NULL;
}

static int clock_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    clock_state *s = st;
    int rc = vmm_params_check(cfg->params, clock_params, "clock", err);
    if (rc)
        return rc;
    vmm_dl_init(&s->q);
    s->nframes = cfg->nframes;
    s->prev = vmm_malloc(cfg->nframes * sizeof *s->prev);
    s->next = vmm_malloc(cfg->nframes * sizeof *s->next);
    s->ref = vmm_calloc(cfg->nframes, sizeof *s->ref);
    if (!s->prev || !s->next || !s->ref) {
        clock_fini(s);
        return VMM_ENOMEM;
    }
    /* NIL links mark "not on the list", so on_remove can ignore strangers. */
    memset(s->prev, 0xff, cfg->nframes * sizeof *s->prev);
    memset(s->next, 0xff, cfg->nframes * sizeof *s->next);
    return 0;
}

static void clock_on_hit(void *st, const vmm_pref_t *r)
{
    clock_state *s = st;
    s->ref[r->frame] = 1;
}

static uint32_t clock_victim(void *st, const vmm_pref_t *incoming)
{
    clock_state *s = st;
    (void)incoming;
    /* Terminates: each frame's bit is cleared the first time the hand
     * passes it, so at most one full turn is needed. */
    for (;;) {
        uint32_t f = s->q.tail;
        if (f == VMM_DL_NIL || !s->ref[f])
            break;
        s->ref[f] = 0;
        vmm_dl_move_front(&s->q, s->prev, s->next, f);
    }
    return vmm_dl_pop_back(&s->q, s->prev, s->next);
}

static int clock_on_insert(void *st, const vmm_pref_t *r)
{
    clock_state *s = st;
    s->ref[r->frame] = 0;
    vmm_dl_push_front(&s->q, s->prev, s->next, r->frame);
    return VMM_POLICY_ADMIT;
}

static void clock_on_remove(void *st, uint32_t frame, uint32_t page)
{
    (void)page;
    clock_state *s = st;
    if (s->prev[frame] == VMM_DL_NIL && s->q.head != frame)
        return;   /* not resident */
    vmm_dl_remove(&s->q, s->prev, s->next, frame);
    s->ref[frame] = 0;
}

int vmm_clock_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const clock_state *s = st;
    *held = s->q.size;
    return vmm_check_dlist(&s->q, s->prev, s->next, s->nframes, "clock queue", NULL, NULL, why,
                           len);
}

const vmm_policy_ops vmm_policy_clock = {
    .abi = VMM_POLICY_ABI,
    .name = "clock",
    .summary = "CLOCK / second chance: FIFO that spares pages referenced since loaded",
    .state_size = sizeof(clock_state),
    .flags = 0,
    .init = clock_init,
    .fini = clock_fini,
    .reserve_pages = NULL,
    .on_hit = clock_on_hit,
    .victim = clock_victim,
    .on_insert = clock_on_insert,
    .on_remove = clock_on_remove,
};
