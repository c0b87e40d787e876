/* FIFO replacement: evict the page that was loaded longest ago, whatever
 * happened to it since. The baseline every other policy is measured against,
 * and the one that shows Belady's anomaly (Belady, Nelson and Shedler, "An
 * anomaly in space-time characteristics of certain programs running in a
 * paging machine", CACM 12(6), 1969). No parameters.
 *
 * Invariant: the resident frames form one intrusive list in load order, head
 * = newest, tail = oldest. Every operation is O(1). Nothing depends on the
 * capacity, so there is no resize: a shrink's victims are the oldest loads. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include "util/dlist.h"
#include <string.h>

typedef struct fifo_state {
    vmm_dlist_t q;      /* resident frames, head = newest load */
    uint32_t *prev;     /* per frame: list links */
    uint32_t *next;
    uint32_t nframes;   /* frame numbers are below it */
} fifo_state;

static const char *const fifo_params[] = {NULL};

static void fifo_fini(void *st)
{
    fifo_state *s = st;
    vmm_free(s->prev);
    vmm_free(s->next);
    s->prev = s->next = NULL;
}

static int fifo_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    fifo_state *s = st;
    int rc = vmm_params_check(cfg->params, fifo_params, "fifo", err);
    if (rc)
        return rc;
    vmm_dl_init(&s->q);
    s->nframes = cfg->nframes;
    s->prev = vmm_malloc(cfg->nframes * sizeof *s->prev);
    s->next = vmm_malloc(cfg->nframes * sizeof *s->next);
    if (!s->prev || !s->next) {
        fifo_fini(s);
        return VMM_ENOMEM;
    }
    /* NIL links mark "not on the list", so on_remove can ignore strangers. */
    memset(s->prev, 0xff, cfg->nframes * sizeof *s->prev);
    memset(s->next, 0xff, cfg->nframes * sizeof *s->next);
    return 0;
}

static void fifo_on_hit(void *st, const vmm_pref_t *r)
{
    (void)st;   /* a hit changes nothing: that is what makes it FIFO */
    (void)r;
}

static uint32_t fifo_victim(void *st, const vmm_pref_t *incoming)
{
    fifo_state *s = st;
    (void)incoming;
    return vmm_dl_pop_back(&s->q, s->prev, s->next);
}

static int fifo_on_insert(void *st, const vmm_pref_t *r)
{
    fifo_state *s = st;
    vmm_dl_push_front(&s->q, s->prev, s->next, r->frame);
    return VMM_POLICY_ADMIT;
}

static void fifo_on_remove(void *st, uint32_t frame, uint32_t page)
{
    (void)page;
    fifo_state *s = st;
    if (s->prev[frame] == VMM_DL_NIL && s->q.head != frame)
        return;   /* not resident */
    vmm_dl_remove(&s->q, s->prev, s->next, frame);
}

int vmm_fifo_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const fifo_state *s = st;
    *held = s->q.size;
    return vmm_check_dlist(&s->q, s->prev, s->next, s->nframes, "fifo queue", NULL, NULL, why,
                           len);
}

const vmm_policy_ops vmm_policy_fifo = {
    .abi = VMM_POLICY_ABI,
    .name = "fifo",
    .summary = "first in, first out: evict the page loaded longest ago",
    .state_size = sizeof(fifo_state),
    .flags = 0,
    .init = fifo_init,
    .fini = fifo_fini,
    .reserve_pages = NULL,
    .on_hit = fifo_on_hit,
    .victim = fifo_victim,
    .on_insert = fifo_on_insert,
    .on_remove = fifo_on_remove,
};
