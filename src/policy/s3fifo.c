/* S3-FIFO replacement: Yang, Zhang, Qiu, Yue and Rashmi, "FIFO Queues are
 * All You Need for Cache Eviction", SOSP 2023 (Algorithm 1), as in the
 * paper's own implementation (libCacheSim's S3FIFOv0, which is what
 * libCacheSim's published S3-FIFO results on our reference traces use).
 *
 * Parameters (cfg->params), the paper's and libCacheSim's defaults:
 *   small=0.10   share of the capacity c for the small FIFO S, floor(small * c)
 *   ghost=0.90   length of the ghost FIFO G in keys, floor(ghost * c)
 *   move=2       hits a page needs while in S to be promoted into M
 * The main FIFO M gets the rest of the frames: S's share is a target that
 * steers evictions, not a hard limit, so S may hold up to every frame.
 *
 * New pages enter S (quick demotion: most pages are used once and leave
 * soon); a page whose key is still in G was reused after leaving S and
 * enters M. A hit only bumps the page's counter (lazy promotion: nothing
 * moves on a hit). To make room: if M holds more than its share, or S is
 * empty, M's oldest pages are reinserted at M's head with their counter
 * less one (counters saturate at 3, a 2-bit clock) until one with counter 0
 * is evicted; otherwise S's oldest pages move to M while they have `move`
 * hits, until one without is evicted and its key goes to G (forgetting
 * G's oldest key when G is full). Only when S empties does the search
 * switch to M.
 *
 * As in libCacheSim, a page is admitted to S only if S can hold more than
 * one page (libCacheSim refuses an object as large as the small queue), so
 * with fewer than 2/small frames (20 by default) nothing is ever cached and
 * every reference faults; libCacheSim's results on the gzip trace at 8 and
 * 16 frames are exactly that.
 *
 * Resize to c': the three sizes are shares of the cache, so S's and M's
 * targets and G's length are recomputed from c' as at creation, and G
 * forgets its oldest keys down to the new length at once. Pages stay in
 * their queues: on a shrink the engine's victims (no page coming in, so no
 * G lookup) run the eviction above against the new targets (M first while
 * it is over its share, then S's one-hit wonders into G); on a growth the
 * new frames fill with misses. Below 2/small frames nothing more is
 * admitted, as for a cache created that small.
 *
 * Lists hold dense page ids; a victim search is O(1) amortised (each move
 * or reinsertion spends a hit), and per-page arrays grow in reserve_pages.
 * A removed frame's page comes with on_remove, so no frame -> page map is
 * kept. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include "util/dlist.h"
#include <string.h>

enum { S3_NONE = 0, S3_SMALL, S3_MAIN, S3_GHOST };

typedef struct s3_state {
    uint32_t nsmall;          /* S's share in frames */
    uint32_t nmain;           /* M's share in frames */
    uint32_t nghost;          /* G's length in keys */
    uint32_t move;            /* hits in S that earn promotion to M */
    double fsmall, fghost;    /* small and ghost, the shares of the capacity */
    uint32_t nframes;         /* frame numbers are below it */
    vmm_dlist_t small, main, ghost;   /* head = newest */
    uint32_t *page_frame;     /* per page: frame while resident */
    uint32_t *prev, *next;    /* per page: list links */
    uint8_t *where;           /* per page: S3_* list it is on */
    uint8_t *freq;            /* per page: hits counted (saturating) */
    size_t cap;               /* pages the per-page arrays hold */
    int looked;               /* G lookup done for reference looked_now */
    uint64_t looked_now;
    int ghost_hit;            /* that reference's key was in G */
} s3_state;

static const char *const s3_params[] = {"small", "ghost", "move", NULL};

static vmm_dlist_t *s3_list(s3_state *s, uint8_t w)
{
    return w == S3_SMALL ? &s->small : w == S3_MAIN ? &s->main : &s->ghost;
}

static void s3_unlink(s3_state *s, uint32_t pg)
{
    vmm_dl_remove(s3_list(s, s->where[pg]), s->prev, s->next, pg);
    s->where[pg] = S3_NONE;
}

static void s3_push(s3_state *s, uint32_t pg, uint8_t w)
{
    vmm_dl_push_front(s3_list(s, w), s->prev, s->next, pg);
    s->where[pg] = w;
}

/* The targets for a capacity of c frames; truncation, as libCacheSim
 * sizes its sub-queues. */
static void s3_size(s3_state *s, uint32_t c)
{
    s->nsmall = (uint32_t)(c * s->fsmall);
    s->nmain = c - s->nsmall;
    s->nghost = (uint32_t)(c * s->fghost);
}

static void s3_fini(void *st)
{
    s3_state *s = st;
    vmm_free(s->page_frame);
    vmm_free(s->prev);
    vmm_free(s->next);
    vmm_free(s->where);
    vmm_free(s->freq);
    memset(s, 0, sizeof *s);
}

static int s3_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    s3_state *s = st;
    double small, ghost, move;
    int rc = vmm_params_check(cfg->params, s3_params, "s3fifo", err);
    if (!rc)
        rc = vmm_params_get_range(cfg->params, "s3fifo", "small", 0.10, 0, 1, &small, err);
    if (!rc)
        rc = vmm_params_get_range(cfg->params, "s3fifo", "ghost", 0.90, 0, 16, &ghost, err);
    if (!rc)
        rc = vmm_params_get_range(cfg->params, "s3fifo", "move", 2, 1, 4, &move, err);
    if (rc)
        return rc;
    if (move != (uint32_t)move)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "policy s3fifo: move must be a whole number, got %g", move);
    s->fsmall = small;
    s->fghost = ghost;
    s->nframes = cfg->nframes;
    s3_size(s, cfg->capacity);
    s->move = (uint32_t)move;
    vmm_dl_init(&s->small);
    vmm_dl_init(&s->main);
    vmm_dl_init(&s->ghost);
    return 0;
}

/* Grow the per-page arrays; `cap` moves only when all of them grew. */
static int s3_reserve(void *st, uint32_t npages)
{
    s3_state *s = st;
    const vmm_soa_t arrs[] = {{&s->page_frame, sizeof *s->page_frame}, {&s->prev, sizeof *s->prev},
                              {&s->next, sizeof *s->next}, {&s->freq, sizeof *s->freq},
                              {&s->where, sizeof *s->where}};
    return vmm_grow_soa(&s->cap, npages, arrs, sizeof arrs / sizeof arrs[0]);   /* where: S3_NONE */
}

/* Once per missing reference: is its key in G? Consumes the key. */
static void s3_lookup(s3_state *s, const vmm_pref_t *r)
{
    if (s->looked && s->looked_now == r->now)
        return;
    s->looked = 1;
    s->looked_now = r->now;
    s->ghost_hit = s->where[r->page] == S3_GHOST;
    if (s->ghost_hit)
        s3_unlink(s, r->page);
}

static void s3_remember(s3_state *s, uint32_t pg)
{
    if (!s->nghost)
        return;
    if (s->ghost.size >= s->nghost)
        s3_unlink(s, s->ghost.tail);
    s3_push(s, pg, S3_GHOST);
}

/* Pop S's oldest page: promote it into M, or evict it (key into G).
 * Returns the evicted page or VMM_DL_NIL when it was promoted. */
static uint32_t s3_evict_small(s3_state *s)
{
    uint32_t pg = s->small.tail;
    s3_unlink(s, pg);
    if (s->freq[pg] >= s->move) {
        s->freq[pg] = 0;
        s3_push(s, pg, S3_MAIN);
        return VMM_DL_NIL;
    }
    s3_remember(s, pg);
    return pg;
}

/* Pop M's oldest page: reinsert it one count poorer if it has hits left,
 * else evict it. Returns the evicted page or VMM_DL_NIL. */
static uint32_t s3_evict_main(s3_state *s)
{
    uint32_t pg = s->main.tail;
    if (!s->freq[pg]) {
        s3_unlink(s, pg);
        return pg;
    }
    s->freq[pg] = (s->freq[pg] < 3 ? s->freq[pg] : 3) - 1;
    vmm_dl_move_front(&s->main, s->prev, s->next, pg);
    return VMM_DL_NIL;
}

/* Like libCacheSim, a pass over S or M runs until it evicts or empties its
 * queue; only then is the choice between S and M made again. */
static uint32_t s3_victim(void *st, const vmm_pref_t *in)
{
    s3_state *s = st;
    if (in->page != VMM_NOFRAME)
        s3_lookup(s, in);
    uint32_t pg = VMM_DL_NIL;
    while (pg == VMM_DL_NIL) {
        if (!s->small.size && !s->main.size)
            return VMM_NOFRAME;
        if (s->main.size > s->nmain || !s->small.size) {
            while (pg == VMM_DL_NIL && s->main.size)
                pg = s3_evict_main(s);
        } else {
            while (pg == VMM_DL_NIL && s->small.size)
                pg = s3_evict_small(s);
        }
    }
    return s->page_frame[pg];
}

static int s3_on_insert(void *st, const vmm_pref_t *r)
{
    s3_state *s = st;
    s3_lookup(s, r);
    s->looked = 0;
    if (!s->nsmall)
        return VMM_POLICY_BYPASS;   /* libCacheSim's can_insert: S holds nothing */
    if (!s->ghost_hit && s->nsmall <= 1)
        return VMM_POLICY_BYPASS;   /* a page may not fill S on its own */
    uint8_t to = s->ghost_hit ? S3_MAIN : S3_SMALL;
    s->freq[r->page] = 0;
    s3_push(s, r->page, to);
    s->page_frame[r->page] = r->frame;
    return VMM_POLICY_ADMIT;
}

/* Counters saturate well above 3; only "at least 3" matters. */
static void s3_on_hit(void *st, const vmm_pref_t *r)
{
    s3_state *s = st;
    if (s->freq[r->page] < UINT8_MAX)
        s->freq[r->page]++;
}

static void s3_on_remove(void *st, uint32_t frame, uint32_t page)
{
    s3_state *s = st;
    if (page < s->cap && (s->where[page] == S3_SMALL || s->where[page] == S3_MAIN) &&
        s->page_frame[page] == frame)
        s3_unlink(s, page);
}

/* See the top of the file: new targets, G cut to its new length. */
static int s3_resize(void *st, uint32_t capacity)
{
    s3_state *s = st;
    s3_size(s, capacity);
    while (s->ghost.size > s->nghost)
        s3_unlink(s, s->ghost.tail);
    return 0;
}

typedef struct s3_check_ctx {
    const s3_state *s;
    uint8_t list;
} s3_check_ctx;

static int s3_check_page(void *ctx, uint32_t pg, char *why, size_t len)
{
    const s3_check_ctx *c = ctx;
    const s3_state *s = c->s;
    if (s->where[pg] != c->list)
        return vmm_check_fail(why, len, "s3fifo: page %u on list %u, tagged %u", pg, c->list,
                              s->where[pg]);
    if (c->list != S3_GHOST && s->page_frame[pg] >= s->nframes)
        return vmm_check_fail(why, len, "s3fifo: resident page %u in frame %u", pg,
                              s->page_frame[pg]);
    return 0;
}

int vmm_s3fifo_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const s3_state *s = st;
    const vmm_dlist_t *lists[] = {&s->small, &s->main, &s->ghost};
    static const char *const names[] = {"s3fifo S", "s3fifo M", "s3fifo G"};
    uint64_t tagged = 0, total = 0;
    for (uint8_t i = 0; i < 3; i++) {
        s3_check_ctx ctx = {s, (uint8_t)(S3_SMALL + i)};
        if (vmm_check_dlist(lists[i], s->prev, s->next, s->cap, names[i], s3_check_page, &ctx,
                            why, len))
            return -1;
        total += lists[i]->size;
    }
    for (size_t pg = 0; pg < s->cap; pg++)
        tagged += s->where[pg] != S3_NONE;
    if (tagged != total)
        return vmm_check_fail(why, len, "s3fifo: %llu pages tagged, %llu on lists",
                              (unsigned long long)tagged, (unsigned long long)total);
    *held = s->small.size + s->main.size;
    if (s->ghost.size > s->nghost)
        return vmm_check_fail(why, len, "s3fifo: G holds %u keys, its length is %u",
                              s->ghost.size, s->nghost);
    return 0;
}

const vmm_policy_ops vmm_policy_s3fifo = {
    .abi = VMM_POLICY_ABI,
    .name = "s3fifo",
    .summary = "S3-FIFO (SOSP'23): small, main and ghost FIFO queues",
    .state_size = sizeof(s3_state),
    .flags = 0,
    .init = s3_init,
    .fini = s3_fini,
    .reserve_pages = s3_reserve,
    .on_hit = s3_on_hit,
    .victim = s3_victim,
    .on_insert = s3_on_insert,
    .on_remove = s3_on_remove,
    .resize = s3_resize,
};
