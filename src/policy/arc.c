/* ARC replacement: Megiddo and Modha, "ARC: A Self-Tuning, Low Overhead
 * Replacement Cache", FAST 2003 (Figure 4). No parameters: the split
 * between recency and frequency adapts by itself.
 *
 * Four LRU lists of pages, head = most recent: T1 (resident, seen once
 * recently), T2 (resident, seen at least twice), and the ghost lists B1 and
 * B2 holding the pages most recently evicted from T1 and T2 (keys only).
 * A hit moves a page to the head of T2. A miss on a B1 ghost means T1 was
 * too small, so the target size p of T1 grows by max(|B2|/|B1|, 1); a miss
 * on a B2 ghost shrinks it by max(|B1|/|B2|, 1); either way the page comes
 * back into T2. REPLACE evicts T1's LRU page into B1 when T1 is larger than
 * p (or equal to p and the miss was on B2), otherwise T2's LRU page into B2.
 * On a miss on all four lists, L1 = T1+B1 is kept to c pages and L1+L2 to
 * 2c (case IV of the paper).
 *
 * Details follow libCacheSim's ARC so fault counts match it exactly: p is
 * a double (as in the reference Python implementation libCacheSim checked
 * against), REPLACE also takes T1 when T2 is empty, and when T1 alone fills
 * the cache (B1 empty) its LRU page is dropped without leaving a ghost.
 *
 * The directory bounds of the paper (Figure 4: |L1| = |T1|+|B1| <= c and
 * |L1|+|L2| <= 2c) are restored after every insert and every victim taken
 * with no page coming in, dropping B1's LRU ghosts for the first and B2's
 * (then B1's) for the second. In a run at a fixed c with no external
 * removal case IV keeps them already, so this changes nothing there; it
 * matters after a removal, whose frame a later fault refills without a
 * REPLACE, and after a resize.
 *
 * Resize to c': p becomes p * c'/c, so T1 keeps the share of the cache the
 * ghost hits earned it, and c becomes c'. On a shrink the engine's victims
 * (no page coming in: no ghost lookup, no adaptation) run REPLACE against
 * the scaled p, each evicted page becoming a ghost as on any miss, and the
 * bounds above trim the ghost lists, so once the engine is done the
 * directory is one a cache of c' frames could have: T1+T2 <= c',
 * T1+B1 <= c', and B1+B2 <= c' (ghosts beyond that are forgotten, LRU
 * first). On a growth nothing is dropped: the ghosts stay and the new
 * frames fill with misses, which go to T1 (or to T2 on a ghost hit) with
 * no eviction, as in the paper's cold start.
 *
 * State is per dense page id (list links, which list the page is on, its
 * frame while resident), so every operation is O(1) amortised (the bounds
 * drop at most one ghost per insert outside a resize) and allocation-free;
 * the per-page arrays grow in reserve_pages. A removed frame's page comes
 * with on_remove, so no frame -> page map is kept. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include "util/dlist.h"
#include <string.h>

enum { ARC_NONE = 0, ARC_T1, ARC_T2, ARC_B1, ARC_B2 };

typedef struct arc_state {
    uint32_t c;              /* capacity in frames */
    double p;                /* target size of T1 */
    vmm_dlist_t t1, t2, b1, b2;
    uint32_t nframes;        /* frame numbers are below it */
    uint32_t *page_frame;    /* per page: frame while resident */
    uint32_t *prev, *next;   /* per page: links on its list */
    uint8_t *where;          /* per page: ARC_* list it is on */
    size_t cap;              /* pages the per-page arrays hold */
    /* Ghost lookup for the reference being handled: done once, in victim()
     * when the cache is full, else in on_insert(). */
    int looked;              /* lookup done for looked_now */
    uint64_t looked_now;     /* reference index of that lookup */
    uint8_t ghost;           /* ARC_B1, ARC_B2 or ARC_NONE for it */
} arc_state;

static const char *const arc_params[] = {NULL};

static vmm_dlist_t *arc_list(arc_state *s, uint8_t w)
{
    switch (w) {
    case ARC_T1: return &s->t1;
    case ARC_T2: return &s->t2;
    case ARC_B1: return &s->b1;
    default: return &s->b2;
    }
}

static void arc_unlink(arc_state *s, uint32_t pg)
{
    vmm_dl_remove(arc_list(s, s->where[pg]), s->prev, s->next, pg);
    s->where[pg] = ARC_NONE;
}

static void arc_push(arc_state *s, uint32_t pg, uint8_t w)
{
    vmm_dl_push_front(arc_list(s, w), s->prev, s->next, pg);
    s->where[pg] = w;
}

static void arc_fini(void *st)
{
    arc_state *s = st;
    vmm_free(s->page_frame);
    vmm_free(s->prev);
    vmm_free(s->next);
    vmm_free(s->where);
    memset(s, 0, sizeof *s);
}

static int arc_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    arc_state *s = st;
    int rc = vmm_params_check(cfg->params, arc_params, "arc", err);
    if (rc)
        return rc;
    s->c = cfg->capacity;
    s->nframes = cfg->nframes;
    vmm_dl_init(&s->t1);
    vmm_dl_init(&s->t2);
    vmm_dl_init(&s->b1);
    vmm_dl_init(&s->b2);
    return 0;
}

/* Grow every per-page array to `ncap`. An array that grew before a later
 * one failed keeps its new block; `cap` only moves when all succeeded. */
static int arc_reserve(void *st, uint32_t npages)
{
    arc_state *s = st;
    const vmm_soa_t arrs[] = {{&s->page_frame, sizeof *s->page_frame}, {&s->prev, sizeof *s->prev},
                              {&s->next, sizeof *s->next}, {&s->where, sizeof *s->where}};
    return vmm_grow_soa(&s->cap, npages, arrs, sizeof arrs / sizeof arrs[0]);   /* where: ARC_NONE */
}

/* Cases II and III: a miss on a ghost adapts p and consumes the ghost. */
static void arc_lookup(arc_state *s, const vmm_pref_t *r)
{
    if (s->looked && s->looked_now == r->now)
        return;
    s->looked = 1;
    s->looked_now = r->now;
    s->ghost = s->where[r->page];
    if (s->ghost == ARC_B1) {
        double d = (double)s->b2.size / s->b1.size;
        s->p += d > 1 ? d : 1;
        if (s->p > s->c)
            s->p = s->c;
    } else if (s->ghost == ARC_B2) {
        double d = (double)s->b1.size / s->b2.size;
        s->p -= d > 1 ? d : 1;
        if (s->p < 0)
            s->p = 0;
    } else {
        s->ghost = ARC_NONE;
        return;
    }
    arc_unlink(s, r->page);
}

/* Evict the LRU page of `from` into ghost list `to` (or nowhere). */
static uint32_t arc_demote(arc_state *s, uint8_t from, uint8_t to)
{
    uint32_t pg = arc_list(s, from)->tail;
    arc_unlink(s, pg);
    if (to != ARC_NONE)
        arc_push(s, pg, to);
    return s->page_frame[pg];   /* the frame is the engine's again */
}

/* REPLACE(x, p) of the paper; `ghost` is where x was found (ARC_B2 breaks
 * the tie |T1| == p toward T1). */
static uint32_t arc_replace(arc_state *s, uint8_t ghost)
{
    double t1 = s->t1.size;
    if ((t1 > 0 && (t1 > s->p || (t1 == s->p && ghost == ARC_B2))) || !s->t2.size)
        return arc_demote(s, ARC_T1, ARC_B1);
    return arc_demote(s, ARC_T2, ARC_B2);
}

/* Restore |T1|+|B1| <= c and |T1|+|T2|+|B1|+|B2| <= 2c by forgetting
 * ghosts, LRU first (B1's for the first bound, B2's then B1's for the
 * second). Resident pages are never touched: while a shrink is under way
 * T1 alone may exceed c, and then B1 empties. */
static void arc_trim(arc_state *s)
{
    while ((uint64_t)s->t1.size + s->b1.size > s->c && s->b1.size)
        arc_unlink(s, s->b1.tail);
    while ((uint64_t)s->t1.size + s->t2.size + s->b1.size + s->b2.size > 2ull * s->c &&
           (s->b1.size || s->b2.size))
        arc_unlink(s, s->b2.size ? s->b2.tail : s->b1.tail);
}

/* Case IV: the incoming page is on no list. */
static uint32_t arc_make_room(arc_state *s)
{
    if ((uint64_t)s->t1.size + s->b1.size >= s->c) {
        if (!s->b1.size)
            return arc_demote(s, ARC_T1, ARC_NONE);
        arc_unlink(s, s->b1.tail);
    } else if ((uint64_t)s->t1.size + s->t2.size + s->b1.size + s->b2.size >= 2ull * s->c &&
               s->b2.size) {
        arc_unlink(s, s->b2.tail);
    }
    return arc_replace(s, ARC_NONE);
}

static uint32_t arc_victim(void *st, const vmm_pref_t *in)
{
    arc_state *s = st;
    if (!s->t1.size && !s->t2.size)
        return VMM_NOFRAME;
    if (in->page == VMM_NOFRAME) {   /* a shrink or a balloon: REPLACE only */
        uint32_t f = arc_replace(s, ARC_NONE);
        arc_trim(s);
        return f;
    }
    arc_lookup(s, in);
    return s->ghost != ARC_NONE ? arc_replace(s, s->ghost) : arc_make_room(s);
}

static int arc_on_insert(void *st, const vmm_pref_t *r)
{
    arc_state *s = st;
    arc_lookup(s, r);
    s->looked = 0;
    arc_push(s, r->page, s->ghost != ARC_NONE ? ARC_T2 : ARC_T1);
    s->page_frame[r->page] = r->frame;
    arc_trim(s);
    return VMM_POLICY_ADMIT;
}

/* Case I: any hit moves the page to the MRU end of T2. */
static void arc_on_hit(void *st, const vmm_pref_t *r)
{
    arc_state *s = st;
    if (s->where[r->page] == ARC_T2) {
        vmm_dl_move_front(&s->t2, s->prev, s->next, r->page);
    } else {
        arc_unlink(s, r->page);
        arc_push(s, r->page, ARC_T2);
    }
}

/* External removal forgets the page without leaving a ghost. */
static void arc_on_remove(void *st, uint32_t frame, uint32_t page)
{
    arc_state *s = st;
    if (page < s->cap && (s->where[page] == ARC_T1 || s->where[page] == ARC_T2) &&
        s->page_frame[page] == frame)
        arc_unlink(s, page);
}

/* See the top of the file: p scales with c, the bounds trim the ghosts. */
static int arc_resize(void *st, uint32_t capacity)
{
    arc_state *s = st;
    if (capacity != s->c) {   /* (p * c / c may differ from p in its last bit) */
        s->p = s->p * capacity / s->c;
        if (s->p > capacity)
            s->p = capacity;
        s->c = capacity;
    }
    arc_trim(s);
    return 0;
}

/* A page on list `list`: tagged so, and in a frame if resident. */
typedef struct arc_check_ctx {
    const arc_state *s;
    uint8_t list;
} arc_check_ctx;

static int arc_check_page(void *ctx, uint32_t pg, char *why, size_t len)
{
    const arc_check_ctx *c = ctx;
    const arc_state *s = c->s;
    if (s->where[pg] != c->list)
        return vmm_check_fail(why, len, "arc: page %u on list %u, tagged %u", pg, c->list,
                              s->where[pg]);
    if ((c->list == ARC_T1 || c->list == ARC_T2) && s->page_frame[pg] >= s->nframes)
        return vmm_check_fail(why, len, "arc: resident page %u in frame %u", pg,
                              s->page_frame[pg]);
    return 0;
}

int vmm_arc_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const arc_state *s = st;
    const vmm_dlist_t *lists[] = {&s->t1, &s->t2, &s->b1, &s->b2};
    static const char *const names[] = {"arc T1", "arc T2", "arc B1", "arc B2"};
    uint64_t tagged = 0, total = 0;
    for (uint8_t i = 0; i < 4; i++) {
        arc_check_ctx ctx = {s, (uint8_t)(ARC_T1 + i)};
        if (vmm_check_dlist(lists[i], s->prev, s->next, s->cap, names[i], arc_check_page, &ctx,
                            why, len))
            return -1;
        total += lists[i]->size;
    }
    for (size_t pg = 0; pg < s->cap; pg++)
        tagged += s->where[pg] != ARC_NONE;
    if (tagged != total)
        return vmm_check_fail(why, len, "arc: %llu pages tagged, %llu on lists",
                              (unsigned long long)tagged, (unsigned long long)total);
    *held = s->t1.size + s->t2.size;
    if (!(s->p >= 0 && s->p <= s->c))
        return vmm_check_fail(why, len, "arc: p = %g outside [0, %u]", s->p, s->c);
    /* the directory bounds hold whenever the engine is within the quota */
    if (*held <= s->c && ((uint64_t)s->t1.size + s->b1.size > s->c || total > 2ull * s->c))
        return vmm_check_fail(why, len, "arc: c=%u, |T1|=%u |T2|=%u |B1|=%u |B2|=%u", s->c,
                              s->t1.size, s->t2.size, s->b1.size, s->b2.size);
    return 0;
}

const vmm_policy_ops vmm_policy_arc = {
    .abi = VMM_POLICY_ABI,
    .name = "arc",
    .summary = "ARC (FAST'03): recency and frequency lists sized by ghost hits",
    .state_size = sizeof(arc_state),
    .flags = 0,
    .init = arc_init,
    .fini = arc_fini,
    .reserve_pages = arc_reserve,
    .on_hit = arc_on_hit,
    .victim = arc_victim,
    .on_insert = arc_on_insert,
    .on_remove = arc_on_remove,
    .resize = arc_resize,
};
