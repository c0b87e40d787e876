/* 2Q replacement (the "full version"): Johnson and Shasha, "2Q: A Low
 * Overhead High Performance Buffer Management Replacement Algorithm",
 * VLDB 1994 (Figure 3).
 *
 * Parameters (cfg->params), as in the paper's recommendation and in
 * libCacheSim's TwoQ defaults:
 *   kin=0.25   A1in, a FIFO of pages seen once, holds floor(kin * c)
 *   kout=0.5   A1out, a FIFO of keys evicted from A1in, floor(kout * c)
 * where c is the capacity in frames.
 * Am, an LRU of pages re-referenced after leaving A1in, gets the rest.
 *
 * A new page enters A1in; a hit there does nothing (correlated references
 * right after the first are not evidence of reuse). When frames run out, A1in
 * gives up its oldest page if it holds more than its share, and that page's
 * key goes to A1out; otherwise Am's LRU page goes, leaving no ghost. A miss
 * on a key still in A1out means the page was reused after a while, so it
 * goes straight into Am. Hits in Am move the page to the MRU end.
 *
 * Like libCacheSim, which the 2% tolerance in the real-trace checks refers
 * to, a page is admitted only when A1in can hold one page: with fewer than
 * 1/kin frames (4 by default) every page bypasses the cache. A page that
 * enters Am while frames are free (only after external removals) may leave
 * Am above its share until the next eviction.
 *
 * Resize to c': the paper sizes Kin and Kout as fractions of the buffer, so
 * both are recomputed from c' (floor(kin * c'), floor(kout * c')) and
 * A1out forgets its oldest keys down to the new Kout at once. Resident
 * pages stay where they are: on a shrink the engine's victims (no page
 * coming in, so no A1out lookup) take A1in's oldest while A1in is over the
 * new Kin (each leaving its key in A1out, as on any fault), then Am's LRU
 * pages; on a growth new pages enter A1in through free frames. A capacity
 * below 1/kin makes Kin 0, and from then on every page bypasses, as for a
 * cache created that small.
 *
 * Lists hold dense page ids; all operations are O(1) and allocation-free,
 * the per-page arrays grow in reserve_pages. A removed frame's page comes
 * with on_remove, so no frame -> page map is kept. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include "util/dlist.h"
#include <string.h>

enum { TQ_NONE = 0, TQ_IN, TQ_M, TQ_OUT };

typedef struct tq_state {
    uint32_t kin;            /* A1in's share in frames */
    uint32_t kout;           /* A1out's length in keys */
    double fin, fout;        /* kin and kout, the shares of the capacity */
    uint32_t nframes;        /* frame numbers are below it */
    vmm_dlist_t in, m, out;  /* A1in, Am, A1out; head = newest / MRU */
    uint32_t *page_frame;    /* per page: frame while resident */
    uint32_t *prev, *next;   /* per page: list links */
    uint8_t *where;          /* per page: TQ_* list it is on */
    size_t cap;              /* pages the per-page arrays hold */
    int looked;              /* A1out lookup done for reference looked_now */
    uint64_t looked_now;
    int ghost;               /* that reference's key was in A1out */
} tq_state;

static const char *const tq_params[] = {"kin", "kout", NULL};

static vmm_dlist_t *tq_list(tq_state *s, uint8_t w)
{
    return w == TQ_IN ? &s->in : w == TQ_M ? &s->m : &s->out;
}

static void tq_unlink(tq_state *s, uint32_t pg)
{
    vmm_dl_remove(tq_list(s, s->where[pg]), s->prev, s->next, pg);
    s->where[pg] = TQ_NONE;
}

static void tq_push(tq_state *s, uint32_t pg, uint8_t w)
{
    vmm_dl_push_front(tq_list(s, w), s->prev, s->next, pg);
    s->where[pg] = w;
}

/* Kin and Kout for a capacity of c frames; truncation, as libCacheSim
 * sizes its sub-queues. */
static void tq_size(tq_state *s, uint32_t c)
{
    s->kin = (uint32_t)(c * s->fin);
    s->kout = (uint32_t)(c * s->fout);
}

static void tq_fini(void *st)
{
    tq_state *s = st;
    vmm_free(s->page_frame);
    vmm_free(s->prev);
    vmm_free(s->next);
    vmm_free(s->where);
    memset(s, 0, sizeof *s);
}

static int tq_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    tq_state *s = st;
    double kin, kout;
    int rc = vmm_params_check(cfg->params, tq_params, "2q", err);
    if (!rc)
        rc = vmm_params_get_range(cfg->params, "2q", "kin", 0.25, 0, 1, &kin, err);
    if (!rc)
        rc = vmm_params_get_range(cfg->params, "2q", "kout", 0.5, 0, 1, &kout, err);
    if (rc)
        return rc;
    s->fin = kin;
    s->fout = kout;
    s->nframes = cfg->nframes;
    tq_size(s, cfg->capacity);
    vmm_dl_init(&s->in);
    vmm_dl_init(&s->m);
    vmm_dl_init(&s->out);
    return 0;
}

/* Grow the per-page arrays; `cap` moves only when all of them grew. */
static int tq_reserve(void *st, uint32_t npages)
{
    tq_state *s = st;
    const vmm_soa_t arrs[] = {{&s->page_frame, sizeof *s->page_frame}, {&s->prev, sizeof *s->prev},
                              {&s->next, sizeof *s->next}, {&s->where, sizeof *s->where}};
    return vmm_grow_soa(&s->cap, npages, arrs, sizeof arrs / sizeof arrs[0]);   /* where: TQ_NONE */
}

/* Once per missing reference: is its key in A1out? Consumes the key. */
static void tq_lookup(tq_state *s, const vmm_pref_t *r)
{
    if (s->looked && s->looked_now == r->now)
        return;
    s->looked = 1;
    s->looked_now = r->now;
    s->ghost = s->where[r->page] == TQ_OUT;
    if (s->ghost)
        tq_unlink(s, r->page);
}

/* Remember `pg` in A1out, forgetting its oldest key when full. */
static void tq_remember(tq_state *s, uint32_t pg)
{
    if (!s->kout)
        return;
    if (s->out.size >= s->kout)
        tq_unlink(s, s->out.tail);
    tq_push(s, pg, TQ_OUT);
}

static uint32_t tq_victim(void *st, const vmm_pref_t *in)
{
    tq_state *s = st;
    if (in->page != VMM_NOFRAME)
        tq_lookup(s, in);
    uint32_t pg;
    if (s->in.size > s->kin || !s->m.size) {
        pg = s->in.tail;
        if (pg == VMM_DL_NIL)
            return VMM_NOFRAME;
        tq_unlink(s, pg);
        tq_remember(s, pg);
    } else {
        pg = s->m.tail;
        tq_unlink(s, pg);
    }
    return s->page_frame[pg];
}

static int tq_on_insert(void *st, const vmm_pref_t *r)
{
    tq_state *s = st;
    tq_lookup(s, r);
    s->looked = 0;
    if (!s->kin)
        return VMM_POLICY_BYPASS;   /* A1in cannot hold even one page */
    tq_push(s, r->page, s->ghost ? TQ_M : TQ_IN);
    s->page_frame[r->page] = r->frame;
    return VMM_POLICY_ADMIT;
}

static void tq_on_hit(void *st, const vmm_pref_t *r)
{
    tq_state *s = st;
    if (s->where[r->page] == TQ_M)
        vmm_dl_move_front(&s->m, s->prev, s->next, r->page);
}

static void tq_on_remove(void *st, uint32_t frame, uint32_t page)
{
    tq_state *s = st;
    if (page < s->cap && (s->where[page] == TQ_IN || s->where[page] == TQ_M) &&
        s->page_frame[page] == frame)
        tq_unlink(s, page);
}

/* See the top of the file: new Kin and Kout, A1out cut to Kout. */
static int tq_resize(void *st, uint32_t capacity)
{
    tq_state *s = st;
    tq_size(s, capacity);
    while (s->out.size > s->kout)
        tq_unlink(s, s->out.tail);
    return 0;
}

typedef struct tq_check_ctx {
    const tq_state *s;
    uint8_t list;
} tq_check_ctx;

static int tq_check_page(void *ctx, uint32_t pg, char *why, size_t len)
{
    const tq_check_ctx *c = ctx;
    const tq_state *s = c->s;
    if (s->where[pg] != c->list)
        return vmm_check_fail(why, len, "2q: page %u on list %u, tagged %u", pg, c->list,
                              s->where[pg]);
    if (c->list != TQ_OUT && s->page_frame[pg] >= s->nframes)
        return vmm_check_fail(why, len, "2q: resident page %u in frame %u", pg,
                              s->page_frame[pg]);
    return 0;
}

int vmm_2q_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const tq_state *s = st;
    const vmm_dlist_t *lists[] = {&s->in, &s->m, &s->out};
    static const char *const names[] = {"2q A1in", "2q Am", "2q A1out"};
    uint64_t tagged = 0, total = 0;
    for (uint8_t i = 0; i < 3; i++) {
        tq_check_ctx ctx = {s, (uint8_t)(TQ_IN + i)};
        if (vmm_check_dlist(lists[i], s->prev, s->next, s->cap, names[i], tq_check_page, &ctx,
                            why, len))
            return -1;
        total += lists[i]->size;
    }
    for (size_t pg = 0; pg < s->cap; pg++)
        tagged += s->where[pg] != TQ_NONE;
    if (tagged != total)
        return vmm_check_fail(why, len, "2q: %llu pages tagged, %llu on lists",
                              (unsigned long long)tagged, (unsigned long long)total);
    *held = s->in.size + s->m.size;
    if (s->out.size > s->kout)
        return vmm_check_fail(why, len, "2q: A1out holds %u keys, Kout %u", s->out.size,
                              s->kout);
    return 0;
}

const vmm_policy_ops vmm_policy_2q = {
    .abi = VMM_POLICY_ABI,
    .name = "2q",
    .summary = "2Q (VLDB'94): FIFO for new pages, LRU for pages reused after leaving it",
    .state_size = sizeof(tq_state),
    .flags = 0,
    .init = tq_init,
    .fini = tq_fini,
    .reserve_pages = tq_reserve,
    .on_hit = tq_on_hit,
    .victim = tq_victim,
    .on_insert = tq_on_insert,
    .on_remove = tq_on_remove,
    .resize = tq_resize,
};
