/* SIEVE replacement: Zhang, Yang, Yue, Vigfusson and Rashmi, "SIEVE is
 * Simpler than LRU: an Efficient Turn-Key Eviction Algorithm for Web
 * Caches", NSDI 2024 (Algorithm 1). No parameters. Matches libCacheSim's
 * "Sieve" eviction exactly (checked on the CloudPhysics trace).
 *
 * The resident frames form one queue in load order, head = newest. A new
 * page goes to the head with its visited bit clear; a hit sets the bit and
 * does not move the page. The hand walks from the tail toward the head:
 * a visited frame has its bit cleared and stays where it is, the first
 * unvisited frame is evicted, and the hand stops at the frame just newer
 * than the victim (or, past the head, starts again at the tail). Unlike
 * CLOCK, survivors are not moved, so new pages sit between the hand and the
 * head and are sifted out quickly if never reused. A victim search is
 * O(frames) worst case, O(1) amortised (each hit sets at most one bit).
 * Nothing depends on the capacity, so there is no resize: a shrink's
 * victims come from the hand's usual sweep. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include "util/dlist.h"
#include <string.h>

typedef struct sieve_state {
    vmm_dlist_t q;      /* resident frames, head = newest load */
    uint32_t *prev;     /* per frame: link toward the head (newer) */
    uint32_t *next;     /* per frame: link toward the tail (older) */
    uint8_t *visited;   /* per frame: hit since the hand last passed */
    uint32_t hand;      /* next frame to examine; NIL = start at the tail */
    uint32_t nframes;   /* frame numbers are below it */
} sieve_state;

static const char *const sieve_params[] = {NULL};

static void sieve_fini(void *st)
{
    sieve_state *s = st;
    vmm_free(s->prev);
    vmm_free(s->next);
    vmm_free(s->visited);
    s->prev = s->next = NULL;
    s->visited = NULL;
}

static int sieve_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    sieve_state *s = st;
    int rc = vmm_params_check(cfg->params, sieve_params, "sieve", err);
    if (rc)
        return rc;
    vmm_dl_init(&s->q);
    s->hand = VMM_DL_NIL;
    s->nframes = cfg->nframes;
    s->prev = vmm_malloc(cfg->nframes * sizeof *s->prev);
    s->next = vmm_malloc(cfg->nframes * sizeof *s->next);
    s->visited = vmm_calloc(cfg->nframes, sizeof *s->visited);
    if (!s->prev || !s->next || !s->visited) {
        sieve_fini(s);
        return VMM_ENOMEM;
    }
    /* NIL links mark "not on the list", so on_remove can ignore strangers. */
    memset(s->prev, 0xff, cfg->nframes * sizeof *s->prev);
    memset(s->next, 0xff, cfg->nframes * sizeof *s->next);
    return 0;
}

static void sieve_on_hit(void *st, const vmm_pref_t *r)
{
    sieve_state *s = st;
    s->visited[r->frame] = 1;
}

/* One step of the hand toward the head, wrapping to the tail. */
static uint32_t sieve_newer(const sieve_state *s, uint32_t f)
{
    return s->prev[f] != VMM_DL_NIL ? s->prev[f] : s->q.tail;
}

static uint32_t sieve_victim(void *st, const vmm_pref_t *incoming)
{
    sieve_state *s = st;
    (void)incoming;
    uint32_t f = s->hand != VMM_DL_NIL ? s->hand : s->q.tail;
    if (f == VMM_DL_NIL)
        return VMM_NOFRAME;
    /* Terminates within one turn plus one: every bit passed is cleared. */
    while (s->visited[f]) {
        s->visited[f] = 0;
        f = sieve_newer(s, f);
    }
    s->hand = s->prev[f];   /* NIL when f was the head: wrap next time */
    vmm_dl_remove(&s->q, s->prev, s->next, f);
    return f;
}

static int sieve_on_insert(void *st, const vmm_pref_t *r)
{
    sieve_state *s = st;
    s->visited[r->frame] = 0;
    vmm_dl_push_front(&s->q, s->prev, s->next, r->frame);
    return VMM_POLICY_ADMIT;
}

static void sieve_on_remove(void *st, uint32_t frame, uint32_t page)
{
    (void)page;
    sieve_state *s = st;
    if (s->prev[frame] == VMM_DL_NIL && s->q.head != frame)
        return;   /* not resident */
    if (s->hand == frame)
        s->hand = s->prev[frame];   /* keep the hand's place in the sweep */
    vmm_dl_remove(&s->q, s->prev, s->next, frame);
    s->visited[frame] = 0;
}

/* The hand, when set, is on the queue. */
typedef struct sieve_hand_seen {
    uint32_t hand;
    int seen;
} sieve_hand_seen;

static int sieve_check_hand(void *ctx, uint32_t f, char *why, size_t len)
{
    (void)why;
    (void)len;
    sieve_hand_seen *h = ctx;
    h->seen |= f == h->hand;
    return 0;
}

int vmm_sieve_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const sieve_state *s = st;
    sieve_hand_seen h = {s->hand, 0};
    *held = s->q.size;
    if (vmm_check_dlist(&s->q, s->prev, s->next, s->nframes, "sieve queue", sieve_check_hand,
                        &h, why, len))
        return -1;
    if (s->hand != VMM_DL_NIL && !h.seen)
        return vmm_check_fail(why, len, "sieve: hand %u is not on the queue", s->hand);
    return 0;
}

const vmm_policy_ops vmm_policy_sieve = {
    .abi = VMM_POLICY_ABI,
    .name = "sieve",
    .summary = "SIEVE (NSDI'24): FIFO queue, a hand that sifts out unvisited pages",
    .state_size = sizeof(sieve_state),
    .flags = 0,
    .init = sieve_init,
    .fini = sieve_fini,
    .reserve_pages = NULL,
    .on_hit = sieve_on_hit,
    .victim = sieve_victim,
    .on_insert = sieve_on_insert,
    .on_remove = sieve_on_remove,
};
