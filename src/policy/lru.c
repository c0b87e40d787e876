/* Exact LRU replacement: evict the page whose last reference is oldest.
 * The stack algorithm of Mattson, Gecsei, Slutz and Traiger, "Evaluation
 * techniques for storage hierarchies", IBM Systems Journal 9(2), 1970.
 * No parameters.
 *
 * Invariant: the resident frames form one intrusive list in recency order,
 * head = most recently used, tail = least. Because the engine reports every
 * hit, moving the frame to the head keeps the order exact; every operation
 * is O(1). Nothing depends on the capacity, so there is no resize: a
 * shrink's victims are the least recently used pages. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include "util/dlist.h"
#include <string.h>

typedef struct lru_state {
    vmm_dlist_t q;      /* resident frames, head = most recently used */
    uint32_t *prev;     /* per frame: list links */
    uint32_t *next;
    uint32_t nframes;   /* frame numbers are below it */
} lru_state;

static const char *const lru_params[] = {NULL};

static void lru_fini(void *st)
{
    lru_state *s = st;
    vmm_free(s->prev);
    vmm_free(s->next);
    s->prev = s->next = NULL;
}

static int lru_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    lru_state *s = st;
    int rc = vmm_params_check(cfg->params, lru_params, "lru", err);
    if (rc)
        return rc;
    vmm_dl_init(&s->q);
    s->nframes = cfg->nframes;
    s->prev = vmm_malloc(cfg->nframes * sizeof *s->prev);
    s->next = vmm_malloc(cfg->nframes * sizeof *s->next);
    if (!s->prev || !s->next) {
        lru_fini(s);
        return VMM_ENOMEM;
    }
    /* NIL links mark "not on the list", so on_remove can ignore strangers. */
    memset(s->prev, 0xff, cfg->nframes * sizeof *s->prev);
    memset(s->next, 0xff, cfg->nframes * sizeof *s->next);
    return 0;
}

static void lru_on_hit(void *st, const vmm_pref_t *r)
{
    lru_state *s = st;
    vmm_dl_move_front(&s->q, s->prev, s->next, r->frame);
}

static uint32_t lru_victim(void *st, const vmm_pref_t *incoming)
{
    lru_state *s = st;
    (void)incoming;
    return vmm_dl_pop_back(&s->q, s->prev, s->next);
}

static int lru_on_insert(void *st, const vmm_pref_t *r)
{
    lru_state *s = st;
    vmm_dl_push_front(&s->q, s->prev, s->next, r->frame);
    return VMM_POLICY_ADMIT;
}

static void lru_on_remove(void *st, uint32_t frame, uint32_t page)
{
    (void)page;
    lru_state *s = st;
    if (s->prev[frame] == VMM_DL_NIL && s->q.head != frame)
        return;   /* not resident */
    vmm_dl_remove(&s->q, s->prev, s->next, frame);
}

int vmm_lru_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const lru_state *s = st;
    *held = s->q.size;
    return vmm_check_dlist(&s->q, s->prev, s->next, s->nframes, "lru queue", NULL, NULL, why,
                           len);
}

const vmm_policy_ops vmm_policy_lru = {
    .abi = VMM_POLICY_ABI,
    .name = "lru",
    .summary = "least recently used (exact): evict the page unused for longest",
    .state_size = sizeof(lru_state),
    .flags = 0,
    .init = lru_init,
    .fini = lru_fini,
    .reserve_pages = NULL,
    .on_hit = lru_on_hit,
    .victim = lru_victim,
    .on_insert = lru_on_insert,
    .on_remove = lru_on_remove,
};
