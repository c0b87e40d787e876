/* LIRS replacement: Jiang and Zhang, "LIRS: An Efficient Low Inter-reference
 * Recency Set Replacement Policy to Improve Buffer Cache Performance",
 * SIGMETRICS 2002 (section 3), with the details of libCacheSim's LIRS, the
 * simulator our real-trace results come from.
 *
 * Parameters (cfg->params), libCacheSim's defaults:
 *   hir=0.01     share of the capacity c for resident HIR pages, at least
 *                one page (the paper suggests 1%); at most 0.5
 *   stack=2      stack S holds at most stack * c entries; beyond that
 *                the entries that became non-resident first are dropped
 *                (the paper bounds S but leaves the bound open)
 *
 * The algorithm. Pages are LIR (low inter-reference recency: reused soon
 * after their last use) or HIR. LIR pages stay resident and fill all frames
 * but the HIR share; resident HIR pages wait in the LRU queue Q, whose LRU
 * end is the next victim. Stack S orders pages by recency: every LIR page
 * and the HIR pages (resident or not) more recent than the oldest LIR page,
 * which sits at its bottom ("stack pruning" drops HIR entries that fall
 * below it). An HIR page referenced while still in S was reused within the
 * LIR pages' recency, so it becomes LIR and the bottom LIR page is demoted
 * to Q. Until the LIR share is full, new pages become LIR directly.
 *
 * libCacheSim's details, kept so results agree with it: a hit on a resident
 * HIR page that is not in S also demotes the bottom LIR page (when the LIR
 * share is full), which may push Q's LRU page out on a hit; if that page is
 * the one hit (Q holds one page below 200 frames) it stays referenceable
 * through S without being counted (a "zombie") until referenced again or
 * pruned. That model can hold a page or two more than there are frames,
 * which real memory cannot. So this file runs the model exactly and maps it
 * onto the frames: a page the model has dropped but that still has a frame
 * is the first victim (the `lost` list), and when the model holds more
 * pages than frames, the framed page at Q's LRU end gives up its frame (the
 * model still counts it resident: a reference to it faults here but hits in
 * libCacheSim). Fault counts equal libCacheSim's on the CloudPhysics trace
 * and are within 1.3% of them on the gzip trace except at 48 frames
 * (+5.7%): there the model holds 49 or 50 pages during 5% of the
 * references, and the curve is steep (47 to 49 frames: 9.7k to 4.4k).
 * With a single frame the LIR share is empty and libCacheSim admits nothing;
 * neither does this policy.
 *
 * Resize to c': the shares are recomputed from c' as at creation (Lhirs =
 * max(1, floor(hir * c')), Llirs = c' - Lhirs, S's bound stack * c'). On a
 * shrink, while there are more LIR pages than Llirs the bottom LIR page of
 * S is demoted to HIR at Q's MRU end, as the paper does when a HIR page
 * becomes LIR (evicting Q's LRU pages while Q is full, so a page with the
 * largest recency goes first, its entry staying in S as a non-resident
 * HIR page); then Q's LRU pages are evicted until Q fits Lhirs, and S's
 * oldest non-resident entries are forgotten until S fits its bound. The
 * model then holds at most c' pages (plus the rare uncounted one), and the
 * pages it dropped are the engine's victims (the lost list). On a growth
 * the LIR share grows, and new pages become LIR until it is full, as in the
 * paper's start-up; nothing is dropped.
 *
 * A victim with no page coming in (after a shrink, or a balloon) takes a
 * page the model has dropped; if there is none, the model evicts one as on
 * a miss: Q's LRU page (demoting S's bottom LIR page first when Q is
 * empty), until a framed page is dropped.
 *
 * Per-page state (links on S, Q, the non-resident list and the lost list;
 * flags) is indexed by dense page id and grows in reserve_pages. Every
 * operation is O(1) amortised: pruning spends entries added earlier, and a
 * victim search only steps over the few pages the model holds frameless.
 * A removed frame's page comes with on_remove, so no frame -> page map is
 * kept. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include "util/dlist.h"
#include <string.h>

enum {
    LI_S = 1,       /* on stack S */
    LI_Q = 2,       /* on queue Q */
    LI_LIR = 4,     /* LIR (else HIR) */
    LI_RES = 8,     /* resident in the model (S entry's view) */
    LI_NR = 16,     /* on the non-resident list */
    LI_MODEL = 31,  /* all of the above */
    LI_LOST = 32,   /* framed but dropped by the model: on the lost list */
};

typedef struct lirs_state {
    uint32_t c;               /* capacity in frames */
    uint32_t nlir;            /* LIR share in frames */
    uint32_t nhir;            /* resident HIR share in frames */
    uint64_t smax;            /* bound on S's entries */
    double fhir, fstack;      /* hir and stack, the shares of the capacity */
    uint32_t nframes;         /* frame numbers are below it */
    uint32_t lirs;            /* LIR pages now */
    vmm_dlist_t s;            /* stack S, head = most recent */
    vmm_dlist_t q;            /* queue Q, head = MRU */
    vmm_dlist_t nr;           /* non-resident pages in S, head = newest */
    vmm_dlist_t lost;         /* framed pages the model dropped, head = newest */
    uint32_t *page_frame;     /* per page: frame, UINT32_MAX if none */
    uint32_t *sp, *sn;        /* per page: links on S */
    uint32_t *qp, *qn;        /* per page: links on Q */
    uint32_t *np, *nn;        /* per page: links on the non-resident list */
    uint32_t *lp, *ln;        /* per page: links on the lost list */
    uint8_t *fl;              /* per page: LI_* flags */
    size_t cap;               /* pages the per-page arrays hold */
    int looked;               /* model updated for reference looked_now */
    uint64_t looked_now;
} lirs_state;

static const char *const lirs_params[] = {"hir", "stack", NULL};

static void lirs_fini(void *st)
{
    lirs_state *s = st;
    vmm_free(s->page_frame);
    vmm_free(s->sp);
    vmm_free(s->sn);
    vmm_free(s->qp);
    vmm_free(s->qn);
    vmm_free(s->np);
    vmm_free(s->nn);
    vmm_free(s->lp);
    vmm_free(s->ln);
    vmm_free(s->fl);
    memset(s, 0, sizeof *s);
}

/* The shares for a capacity of c frames. */
static void lirs_size(lirs_state *s, uint32_t c)
{
    s->c = c;
    s->nhir = (uint32_t)(s->fhir * c);   /* truncated, as libCacheSim */
    if (s->nhir < 1)
        s->nhir = 1;
    s->nlir = c > s->nhir ? c - s->nhir : 0;
    s->smax = (uint64_t)(s->fstack * c);
}

static int lirs_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    lirs_state *s = st;
    double hir, stack;
    int rc = vmm_params_check(cfg->params, lirs_params, "lirs", err);
    if (!rc)
        rc = vmm_params_get_range(cfg->params, "lirs", "hir", 0.01, 0, 0.5, &hir, err);
    if (!rc)
        rc = vmm_params_get_range(cfg->params, "lirs", "stack", 2, 1, 1000, &stack, err);
    if (rc)
        return rc;
    s->fhir = hir;
    s->fstack = stack;
    s->nframes = cfg->nframes;
    lirs_size(s, cfg->capacity);
    vmm_dl_init(&s->s);
    vmm_dl_init(&s->q);
    vmm_dl_init(&s->nr);
    vmm_dl_init(&s->lost);
    return 0;
}

/* Grow the per-page arrays; `cap` moves only when all of them grew. */
static int lirs_reserve(void *st, uint32_t npages)
{
    lirs_state *s = st;
    size_t old = s->cap;
    const size_t u = sizeof(uint32_t);
    const vmm_soa_t arrs[] = {{&s->page_frame, u}, {&s->sp, u}, {&s->sn, u}, {&s->qp, u},
                              {&s->qn, u}, {&s->np, u}, {&s->nn, u}, {&s->lp, u}, {&s->ln, u},
                              {&s->fl, 1}};
    int rc = vmm_grow_soa(&s->cap, npages, arrs, sizeof arrs / sizeof arrs[0]);
    if (!rc)   /* no frame yet */
        memset(s->page_frame + old, 0xff, (s->cap - old) * sizeof *s->page_frame);
    return rc;
}

/* ---- list primitives ---- */

static void s_del(lirs_state *s, uint32_t pg)
{
    vmm_dl_remove(&s->s, s->sp, s->sn, pg);
    s->fl[pg] &= ~LI_S;
}

static void s_push(lirs_state *s, uint32_t pg)
{
    vmm_dl_push_front(&s->s, s->sp, s->sn, pg);
    s->fl[pg] |= LI_S;
}

static void q_del(lirs_state *s, uint32_t pg)
{
    vmm_dl_remove(&s->q, s->qp, s->qn, pg);
    s->fl[pg] &= ~LI_Q;
}

static void q_push(lirs_state *s, uint32_t pg)
{
    vmm_dl_push_front(&s->q, s->qp, s->qn, pg);
    s->fl[pg] |= LI_Q;
}

static void nr_del(lirs_state *s, uint32_t pg)
{
    if (s->fl[pg] & LI_NR) {
        vmm_dl_remove(&s->nr, s->np, s->nn, pg);
        s->fl[pg] &= ~LI_NR;
    }
}

static void lost_del(lirs_state *s, uint32_t pg)
{
    if (s->fl[pg] & LI_LOST) {
        vmm_dl_remove(&s->lost, s->lp, s->ln, pg);
        s->fl[pg] &= ~LI_LOST;
    }
}

/* ---- the model ---- */

/* Can the page be hit in the model? */
static int lirs_held(const lirs_state *s, uint32_t pg)
{
    uint8_t f = s->fl[pg];
    return (f & LI_S) ? (f & (LI_LIR | LI_RES)) != 0 : (f & LI_Q) != 0;
}

/* The model dropped `pg`: if it still has a frame, that frame is the next
 * victim. */
static void lirs_lose(lirs_state *s, uint32_t pg)
{
    if (s->page_frame[pg] == UINT32_MAX || (s->fl[pg] & LI_LOST))
        return;
    vmm_dl_push_front(&s->lost, s->lp, s->ln, pg);
    s->fl[pg] |= LI_LOST;
}

/* Evict Q's LRU page; it stays in S, if there, as a non-resident entry. */
static void lirs_evict_hir(lirs_state *s)
{
    uint32_t z = s->q.tail;
    q_del(s, z);
    s->fl[z] &= ~LI_RES;
    if (s->fl[z] & LI_S) {
        vmm_dl_push_front(&s->nr, s->np, s->nn, z);
        s->fl[z] |= LI_NR;
    } else {
        s->fl[z] &= ~LI_MODEL;
    }
    lirs_lose(s, z);
}

/* Stack pruning: drop HIR entries below the oldest LIR page (never the
 * top entry). A non-resident or uncounted page dropped from S is gone. */
static void lirs_prune(lirs_state *s)
{
    uint32_t b;
    while ((b = s->s.tail) != s->s.head && !(s->fl[b] & LI_LIR)) {
        nr_del(s, b);
        s_del(s, b);
        if (!(s->fl[b] & LI_RES) || !(s->fl[b] & LI_Q)) {
            s->fl[b] &= ~LI_MODEL;
            lirs_lose(s, b);
        }
    }
}

/* Demote the bottom LIR page of S to Q's MRU end, making room in Q. */
static void lirs_evict_lir(lirs_state *s)
{
    uint32_t y = s->s.tail;
    s_del(s, y);
    s->fl[y] &= ~LI_LIR;
    s->lirs--;
    while (s->q.size >= s->nhir)
        lirs_evict_hir(s);
    q_push(s, y);
    lirs_prune(s);
}

/* libCacheSim demotes whenever the LIR share is full, even on a hit. The
 * bottom of S is LIR whenever there are LIR pages (pruning keeps it so). */
static void lirs_make_lir_room(lirs_state *s)
{
    while (s->lirs >= s->nlir && s->lirs && s->s.tail != VMM_DL_NIL)
        lirs_evict_lir(s);
}

/* `pg`, at the top of S, becomes LIR. Pruning keeps S's bottom LIR while
 * there are LIR pages; when the first one arrives (the set emptied: a
 * demotion with a LIR share of one page, removals, a shrink) HIR entries
 * may sit below it, and pruning drops them, so the bottom is LIR again
 * before a demotion takes it (with neither removals nor resizes this
 * needs a LIR share of one page: two frames). */
static void lirs_promote(lirs_state *s, uint32_t pg)
{
    s->fl[pg] |= LI_LIR | LI_RES;
    if (++s->lirs == 1)
        lirs_prune(s);
}

/* Bound S: forget the pages that have been non-resident longest. */
static void lirs_limit(lirs_state *s)
{
    uint32_t z;
    while (s->s.size > s->smax && (z = s->nr.tail) != VMM_DL_NIL) {
        nr_del(s, z);
        s_del(s, z);
        s->fl[z] &= ~LI_MODEL;
    }
}

/* A miss in the model. Returns 0 if the page cannot be admitted. */
static int lirs_model_miss(lirs_state *s, uint32_t pg, int in_s)
{
    if (in_s) {   /* non-resident HIR page still in S: becomes LIR */
        lirs_make_lir_room(s);
        nr_del(s, pg);
        lirs_promote(s, pg);
        return 1;
    }
    if (!s->nlir)
        return 0;
    if (s->lirs >= s->nlir && s->q.size >= s->nhir)
        while (s->q.size >= s->nhir)
            lirs_evict_hir(s);
    s_push(s, pg);
    s->fl[pg] |= LI_RES;
    if (s->lirs < s->nlir) {
        lirs_promote(s, pg);
    } else {
        q_push(s, pg);
    }
    return 1;
}

/* Run reference `pg` through the model; returns 1 if the model holds the
 * page afterwards. */
static int lirs_model(lirs_state *s, uint32_t pg)
{
    uint8_t f = s->fl[pg];
    if (f & LI_S)
        vmm_dl_move_front(&s->s, s->sp, s->sn, pg);
    if (f & LI_Q)
        vmm_dl_move_front(&s->q, s->qp, s->qn, pg);
    if ((f & LI_S) && (f & LI_LIR)) {
        lirs_prune(s);
    } else if ((f & LI_S) && (f & LI_RES)) {   /* resident HIR in S */
        if (f & LI_Q)
            q_del(s, pg);
        lirs_make_lir_room(s);
        lirs_promote(s, pg);
    } else if (f & LI_Q) {   /* resident HIR only in Q */
        lirs_make_lir_room(s);
        s_push(s, pg);
        s->fl[pg] |= LI_RES;
    } else {
        lirs_model_miss(s, pg, (f & LI_S) != 0);
    }
    lirs_limit(s);
    return lirs_held(s, pg);
}

/* Update the model once per reference, whichever op sees it first. */
static int lirs_access(lirs_state *s, const vmm_pref_t *r)
{
    if (!(s->looked && s->looked_now == r->now)) {
        s->looked = 1;
        s->looked_now = r->now;
        lirs_model(s, r->page);
    }
    int held = lirs_held(s, r->page);
    if (held)
        lost_del(s, r->page);
    return held;
}

/* ---- the ops ---- */

static void lirs_on_hit(void *st, const vmm_pref_t *r)
{
    lirs_access(st, r);
    ((lirs_state *)st)->looked = 0;
}

static uint32_t lirs_take(lirs_state *s, uint32_t pg)
{
    uint32_t f = s->page_frame[pg];
    s->page_frame[pg] = UINT32_MAX;
    return f;
}

/* No page is coming in: unless the model has dropped a framed page
 * already, let it evict as on a miss (Q's LRU page; with Q empty, S's
 * bottom LIR page is demoted into Q first) until it drops one. Each round
 * takes a page out of the model or out of the LIR set, so this ends; it
 * stops early only when the model's framed pages are all uncounted ones. */
static void lirs_shed(lirs_state *s)
{
    while (s->lost.tail == VMM_DL_NIL) {
        if (s->q.size)
            lirs_evict_hir(s);
        else if (s->lirs && s->s.tail != VMM_DL_NIL)
            lirs_evict_lir(s);
        else
            return;
    }
}

/* First a page the model has dropped; else (the model holds more pages than
 * there are frames) the framed page nearest Q's LRU end, then S's bottom. */
static uint32_t lirs_victim(void *st, const vmm_pref_t *in)
{
    lirs_state *s = st;
    if (in->page != VMM_NOFRAME)
        lirs_access(s, in);
    else
        lirs_shed(s);
    uint32_t pg = s->lost.tail;
    if (pg != VMM_DL_NIL) {
        lost_del(s, pg);
        return lirs_take(s, pg);
    }
    for (pg = s->q.tail; pg != VMM_DL_NIL; pg = s->qp[pg])
        if (s->page_frame[pg] != UINT32_MAX)
            return lirs_take(s, pg);
    for (pg = s->s.tail; pg != VMM_DL_NIL; pg = s->sp[pg])
        if (s->page_frame[pg] != UINT32_MAX)
            return lirs_take(s, pg);
    return VMM_NOFRAME;
}

static int lirs_on_insert(void *st, const vmm_pref_t *r)
{
    lirs_state *s = st;
    int held = lirs_access(s, r);
    s->looked = 0;
    if (!held)
        return VMM_POLICY_BYPASS;
    s->page_frame[r->page] = r->frame;
    return VMM_POLICY_ADMIT;
}

/* External removal: the model forgets the page (libCacheSim's remove). */
static void lirs_forget(lirs_state *s, uint32_t pg)
{
    uint8_t f = s->fl[pg];
    if (f & LI_S)
        s_del(s, pg);
    if (f & LI_Q)
        q_del(s, pg);
    nr_del(s, pg);
    if (f & LI_LIR) {
        s->lirs--;
        lirs_prune(s);
    }
    s->fl[pg] &= ~LI_MODEL;
}

static void lirs_on_remove(void *st, uint32_t frame, uint32_t page)
{
    lirs_state *s = st;
    if (page >= s->cap || s->page_frame[page] != frame)
        return;
    lirs_take(s, page);
    lost_del(s, page);
    lirs_forget(s, page);
}

/* See the top of the file: new shares, then the model is fitted to them
 * (too many LIR pages demoted, Q cut to Lhirs, S to its bound). */
static int lirs_resize(void *st, uint32_t capacity)
{
    lirs_state *s = st;
    lirs_size(s, capacity);
    while (s->lirs > s->nlir && s->s.tail != VMM_DL_NIL)
        lirs_evict_lir(s);
    while (s->q.size > s->nhir)
        lirs_evict_hir(s);
    lirs_limit(s);
    return 0;
}

/* One list's entries carry its flag, and the flags that go with it. */
typedef struct lirs_check_ctx {
    const lirs_state *s;
    uint8_t flag;
} lirs_check_ctx;

static int lirs_check_page(void *ctx, uint32_t pg, char *why, size_t len)
{
    const lirs_check_ctx *c = ctx;
    uint8_t f = c->s->fl[pg];
    int ok = (f & c->flag) != 0;
    switch (c->flag) {
    case LI_Q: ok = ok && (f & LI_RES) && !(f & (LI_LIR | LI_NR)); break;
    case LI_NR: ok = ok && (f & LI_S) && !(f & (LI_RES | LI_LIR | LI_Q)); break;
    case LI_LOST: ok = ok && c->s->page_frame[pg] != UINT32_MAX && !lirs_held(c->s, pg); break;
    default: break;
    }
    if (!ok)
        return vmm_check_fail(why, len, "lirs: page %u on list %#x has flags %#x", pg, c->flag,
                              f);
    return 0;
}

/* Lists and flags agree; LIR pages are resident and in S, and one is at
 * S's bottom while any exists; the counts and shares hold; a framed page
 * is held by the model or on the lost list, never both. */
int vmm_lirs_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const lirs_state *s = st;
    static const struct { uint8_t flag; const char *name; } lists[] = {
        {LI_S, "lirs S"}, {LI_Q, "lirs Q"}, {LI_NR, "lirs non-resident"}, {LI_LOST, "lirs lost"}};
    const vmm_dlist_t *l[] = {&s->s, &s->q, &s->nr, &s->lost};
    const uint32_t *prev[] = {s->sp, s->qp, s->np, s->lp}, *next[] = {s->sn, s->qn, s->nn, s->ln};
    uint64_t flagged[4] = {0}, lir = 0, framed = 0;
    for (size_t i = 0; i < 4; i++) {
        lirs_check_ctx ctx = {s, lists[i].flag};
        if (vmm_check_dlist(l[i], prev[i], next[i], s->cap, lists[i].name, lirs_check_page,
                            &ctx, why, len))
            return -1;
    }
    for (uint32_t pg = 0; pg < s->cap; pg++) {
        uint8_t f = s->fl[pg];
        for (size_t i = 0; i < 4; i++)
            flagged[i] += (f & lists[i].flag) != 0;
        if (f & LI_LIR) {
            lir++;
            if ((f & (LI_S | LI_RES)) != (LI_S | LI_RES))
                return vmm_check_fail(why, len, "lirs: LIR page %u has flags %#x", pg, f);
        }
        if (s->page_frame[pg] != UINT32_MAX) {
            framed++;
            if (s->page_frame[pg] >= s->nframes || !lirs_held(s, pg) == !(f & LI_LOST))
                return vmm_check_fail(why, len, "lirs: page %u in frame %u, flags %#x", pg,
                                      s->page_frame[pg], f);
        }
    }
    for (size_t i = 0; i < 4; i++)
        if (flagged[i] != l[i]->size)
            return vmm_check_fail(why, len, "%s: %llu pages flagged, size %u", lists[i].name,
                                  (unsigned long long)flagged[i], l[i]->size);
    if (lir != s->lirs || s->lirs > (s->nlir ? s->nlir : 1) ||
        (s->lirs && !(s->fl[s->s.tail] & LI_LIR)))
        return vmm_check_fail(why, len, "lirs: %u LIR pages (%llu flagged), share %u", s->lirs,
                              (unsigned long long)lir, s->nlir);
    if (s->q.size > s->nhir || (s->s.size > s->smax && s->nr.size))
        return vmm_check_fail(why, len, "lirs: |Q| %u of %u, |S| %u of %llu", s->q.size,
                              s->nhir, s->s.size, (unsigned long long)s->smax);
    *held = (uint32_t)framed;
    return 0;
}

const vmm_policy_ops vmm_policy_lirs = {
    .abi = VMM_POLICY_ABI,
    .name = "lirs",
    .summary = "LIRS (SIGMETRICS'02): keeps pages with short reuse distance",
    .state_size = sizeof(lirs_state),
    .flags = 0,
    .init = lirs_init,
    .fini = lirs_fini,
    .reserve_pages = lirs_reserve,
    .on_hit = lirs_on_hit,
    .victim = lirs_victim,
    .on_insert = lirs_on_insert,
    .on_remove = lirs_on_remove,
    .resize = lirs_resize,
};
