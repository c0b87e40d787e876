/* CLOCK-Pro replacement: Jiang, Chen and Zhang, "CLOCK-Pro: An Effective
 * Improvement of the CLOCK Replacement", USENIX ATC 2005 (section 3).
 *
 * Parameters (cfg->params):
 *   cold=1.0     initial target share of the capacity m for resident cold
 *                pages (m_c / m); it then adapts within [1 page, m]. 1.0
 *                is what the authors' companions start from (pyclockpro,
 *                libCacheSim's ClockPro): every page starts cold and hot
 *                space is earned as test periods expire unused.
 *
 * CLOCK-Pro approximates LIRS with clock hands. Resident pages are hot
 * (small reuse distance) or cold; a cold page gets a "test period" when it
 * enters at the list head, and stays on the clock after eviction as a
 * non-resident test page until the period ends, so a re-reference within it
 * is recognised. All pages (hot, cold, non-resident) sit on one circular
 * list in order of last movement; the list head is just behind HAND_hot.
 * A hit only sets the page's reference bit. Three hands move the same way:
 *
 *  - HAND_cold looks for a victim among resident cold pages. An unreferenced
 *    one is evicted (kept as a non-resident test page if in its test period,
 *    else dropped). A referenced one in its test period becomes hot (its
 *    reuse distance beat the oldest hot page's recency); one outside its
 *    test period starts a new one; either way it moves to the list head.
 *  - HAND_hot demotes the first unreferenced hot page to cold (clearing the
 *    bits of referenced ones) whenever hot pages exceed m - m_c. On its way
 *    it ends the test period of the cold pages it passes and drops the
 *    non-resident ones, doing HAND_test's work.
 *  - HAND_test ends test periods (dropping non-resident pages) whenever
 *    more than m non-resident pages are remembered.
 *
 * Adaptation: a cold page re-referenced in its test period (resident and
 * found by HAND_cold, or non-resident and faulted on) grows m_c by one; a
 * test period that ends unused shrinks it by one.
 *
 * Resize to m': the paper leaves it open; we keep what the adaptation has
 * learnt, as ARC does with p: m_c becomes m_c * m'/m (at least 1, at most
 * m'), then HAND_hot runs until the hot pages fit the new m' - m_c (on a
 * shrink it demotes the unreferenced hot pages it meets to cold, as when
 * m_c grows), and HAND_test ends test periods until at most m'
 * non-resident pages are remembered. On a shrink the engine's victims (no
 * page coming in: no test-period lookup) then run HAND_cold as on a fault,
 * so the cold pages go first; on a growth the new frames fill with cold
 * pages in their test period, and hot space is earned as before.
 * A victim that finds no resident cold page (possible below the quota,
 * when every resident page is hot) runs HAND_hot until one is demoted.
 *
 * Per-page state (clock links and flags) is indexed by dense page id and
 * grows in reserve_pages. Hands sweep a list of at most 2m entries; each
 * step clears a bit or moves a page, so the work is O(1) amortised. A
 * removed frame's page comes with on_remove, so no frame -> page map is
 * kept. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include <string.h>

#define CP_NIL UINT32_MAX

enum {
    CP_ON = 1,     /* on the clock */
    CP_RES = 2,    /* resident */
    CP_HOT = 4,    /* hot (always resident) */
    CP_TEST = 8,   /* cold page in its test period */
    CP_REF = 16,   /* reference bit */
};

typedef struct cp_state {
    uint32_t c;               /* frames (m) */
    uint32_t cold_target;     /* m_c, in [1, m] */
    uint32_t nhot, ncold, nnr;    /* hot, resident cold, non-resident pages */
    uint32_t hand_hot, hand_cold, hand_test;   /* pages, or CP_NIL */
    uint32_t nframes;         /* frame numbers are below it */
    uint32_t *page_frame;     /* per page: frame while resident */
    uint32_t *prev, *next;    /* per page: clock links; next = hands' way */
    uint8_t *fl;              /* per page: CP_* flags */
    size_t cap;               /* pages the per-page arrays hold */
    int looked;               /* lookup done for reference looked_now */
    uint64_t looked_now;
    int test_hit;             /* that reference hit a non-resident test page */
} cp_state;

static const char *const cp_params[] = {"cold", NULL};

static void cp_fini(void *st)
{
    cp_state *s = st;
    vmm_free(s->page_frame);
    vmm_free(s->prev);
    vmm_free(s->next);
    vmm_free(s->fl);
    memset(s, 0, sizeof *s);
}

static int cp_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    cp_state *s = st;
    double cold = 1.0;
    int rc = vmm_params_check(cfg->params, cp_params, "clockpro", err);
    if (!rc && vmm_params_get_double(cfg->params, "cold", &cold, err) < 0)
        rc = VMM_EINVAL;
    if (rc)
        return rc;
    if (cold < 0 || cold > 1)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "policy clockpro: cold must be in [0, 1], got %g", cold);
    s->c = cfg->capacity;
    s->nframes = cfg->nframes;
    s->cold_target = (uint32_t)(cold * cfg->capacity);
    if (s->cold_target < 1)
        s->cold_target = 1;
    s->hand_hot = s->hand_cold = s->hand_test = CP_NIL;
    return 0;
}

/* Grow the per-page arrays; `cap` moves only when all of them grew. */
static int cp_reserve(void *st, uint32_t npages)
{
    cp_state *s = st;
    const vmm_soa_t arrs[] = {{&s->page_frame, sizeof *s->page_frame}, {&s->prev, sizeof *s->prev},
                              {&s->next, sizeof *s->next}, {&s->fl, sizeof *s->fl}};
    return vmm_grow_soa(&s->cap, npages, arrs, sizeof arrs / sizeof arrs[0]);
}

/* ---- the clock ---- */

/* Insert at the list head: just behind HAND_hot, so that it is the last
 * page every hand reaches. */
static void cp_link_head(cp_state *s, uint32_t pg)
{
    s->fl[pg] |= CP_ON;
    if (s->hand_hot == CP_NIL) {
        s->prev[pg] = s->next[pg] = pg;
        s->hand_hot = s->hand_cold = s->hand_test = pg;
        return;
    }
    uint32_t h = s->hand_hot, p = s->prev[h];
    s->prev[pg] = p;
    s->next[pg] = h;
    s->next[p] = pg;
    s->prev[h] = pg;
}

static void cp_unlink(cp_state *s, uint32_t pg)
{
    uint32_t n = s->next[pg];
    if (n == pg) {
        s->hand_hot = s->hand_cold = s->hand_test = CP_NIL;
    } else {
        uint32_t p = s->prev[pg];
        s->next[p] = n;
        s->prev[n] = p;
        if (s->hand_hot == pg)
            s->hand_hot = n;
        if (s->hand_cold == pg)
            s->hand_cold = n;
        if (s->hand_test == pg)
            s->hand_test = n;
    }
    s->fl[pg] &= ~CP_ON;
}

static void cp_to_head(cp_state *s, uint32_t pg)
{
    cp_unlink(s, pg);
    cp_link_head(s, pg);
}

static void cp_shrink_cold(cp_state *s)
{
    if (s->cold_target > 1)
        s->cold_target--;
}

static void cp_grow_cold(cp_state *s)
{
    if (s->cold_target < s->c)
        s->cold_target++;
}

/* End the test period of cold page `pg`, which the hands found unused (a
 * set reference bit means it was used: HAND_cold will handle it). Returns 1
 * if the page left the clock. */
static int cp_end_test(cp_state *s, uint32_t pg)
{
    uint8_t f = s->fl[pg];
    if (!(f & CP_TEST))
        return 0;
    s->fl[pg] &= ~CP_TEST;
    if (!(f & CP_REF))
        cp_shrink_cold(s);
    if (f & CP_RES)
        return 0;
    cp_unlink(s, pg);
    s->fl[pg] = 0;
    s->nnr--;
    return 1;
}

/* HAND_test: end one cold page's test period. */
static void cp_run_test(cp_state *s)
{
    for (;;) {
        uint32_t pg = s->hand_test;
        if (pg == CP_NIL)
            return;
        if (s->fl[pg] & CP_HOT || !(s->fl[pg] & CP_TEST)) {
            s->hand_test = s->next[pg];
            continue;
        }
        if (!cp_end_test(s, pg))
            s->hand_test = s->next[pg];
        return;
    }
}

/* One step of HAND_hot: spare a referenced hot page (clearing its bit),
 * demote an unreferenced one to cold, end the test period of a cold page. */
static void cp_hot_step(cp_state *s)
{
    uint32_t pg = s->hand_hot;
    if (s->hand_test == pg)
        s->hand_test = s->next[pg];   /* HAND_test never lags behind */
    if (!(s->fl[pg] & CP_HOT)) {
        if (!cp_end_test(s, pg))
            s->hand_hot = s->next[pg];
        return;
    }
    s->hand_hot = s->next[pg];
    if (s->fl[pg] & CP_REF) {
        s->fl[pg] &= ~CP_REF;
        return;
    }
    s->fl[pg] &= ~CP_HOT;
    s->nhot--;
    s->ncold++;
}

/* Run HAND_hot while hot pages exceed their target m - m_c (which test
 * periods ending on the way may raise). */
static void cp_balance_hot(cp_state *s)
{
    while (s->nhot > s->c - s->cold_target)
        cp_hot_step(s);
}

/* HAND_cold met a referenced cold page: promote it (in its test period) or
 * start a new test period; either way it moves to the list head. */
static void cp_cold_referenced(cp_state *s, uint32_t pg)
{
    s->hand_cold = s->next[pg];
    s->fl[pg] &= ~CP_REF;
    if (s->fl[pg] & CP_TEST) {
        s->fl[pg] = (s->fl[pg] & ~CP_TEST) | CP_HOT;
        s->ncold--;
        s->nhot++;
        cp_grow_cold(s);
        cp_to_head(s, pg);
        cp_balance_hot(s);
    } else {
        s->fl[pg] |= CP_TEST;
        cp_to_head(s, pg);
    }
}

/* HAND_cold: evict a resident cold page; returns its frame. With every
 * frame in use there is always one (hot pages are at most m - m_c); below
 * the quota every resident page may be hot, or become so as the hand
 * promotes, and then HAND_hot demotes one first. */
static uint32_t cp_run_cold(cp_state *s)
{
    for (;;) {
        uint32_t pg = s->hand_cold;
        if (pg == CP_NIL)
            return VMM_NOFRAME;
        if (!s->ncold) {
            cp_hot_step(s);
            continue;
        }
        uint8_t f = s->fl[pg];
        if ((f & CP_HOT) || !(f & CP_RES)) {
            s->hand_cold = s->next[pg];
        } else if (f & CP_REF) {
            cp_cold_referenced(s, pg);
        } else {
            s->hand_cold = s->next[pg];
            s->ncold--;
            s->fl[pg] &= ~CP_RES;
            if (f & CP_TEST) {
                s->nnr++;   /* stays on the clock as a non-resident test page */
            } else {
                cp_unlink(s, pg);
                s->fl[pg] = 0;
            }
            return s->page_frame[pg];
        }
    }
}

/* Once per missing reference: was it a non-resident page in its test
 * period? If so it leaves the clock, to come back hot. */
static void cp_lookup(cp_state *s, const vmm_pref_t *r)
{
    if (s->looked && s->looked_now == r->now)
        return;
    s->looked = 1;
    s->looked_now = r->now;
    s->test_hit = (s->fl[r->page] & (CP_ON | CP_RES)) == CP_ON;
    if (s->test_hit) {
        cp_unlink(s, r->page);
        s->fl[r->page] = 0;
        s->nnr--;
        cp_grow_cold(s);
    }
}

/* ---- the ops ---- */

static void cp_on_hit(void *st, const vmm_pref_t *r)
{
    cp_state *s = st;
    s->fl[r->page] |= CP_REF;
}

static uint32_t cp_victim(void *st, const vmm_pref_t *in)
{
    cp_state *s = st;
    if (in->page != VMM_NOFRAME)
        cp_lookup(s, in);
    uint32_t fr = cp_run_cold(s);
    while (s->nnr > s->c)
        cp_run_test(s);
    return fr;
}

static int cp_on_insert(void *st, const vmm_pref_t *r)
{
    cp_state *s = st;
    uint32_t pg = r->page;
    cp_lookup(s, r);
    s->looked = 0;
    s->page_frame[pg] = r->frame;
    if (s->test_hit) {
        s->fl[pg] = CP_RES | CP_HOT;
        s->nhot++;
        cp_link_head(s, pg);
        cp_balance_hot(s);
    } else {
        s->fl[pg] = CP_RES | CP_TEST;
        s->ncold++;
        cp_link_head(s, pg);
    }
    return VMM_POLICY_ADMIT;
}

/* External removal: the page leaves the clock without a test entry. */
static void cp_on_remove(void *st, uint32_t frame, uint32_t page)
{
    cp_state *s = st;
    uint32_t pg = page;
    if (pg >= s->cap || !(s->fl[pg] & CP_RES) || s->page_frame[pg] != frame)
        return;
    if (s->fl[pg] & CP_HOT)
        s->nhot--;
    else
        s->ncold--;
    cp_unlink(s, pg);
    s->fl[pg] = 0;
}

/* See the top of the file: m_c scaled, hot pages and test pages fitted. */
static int cp_resize(void *st, uint32_t capacity)
{
    cp_state *s = st;
    uint64_t ct = (uint64_t)s->cold_target * capacity / s->c;
    s->cold_target = ct < 1 ? 1 : ct > capacity ? capacity : (uint32_t)ct;
    s->c = capacity;
    cp_balance_hot(s);
    while (s->nnr > s->c)
        cp_run_test(s);
    return 0;
}

/* The clock from HAND_hot: links agree, every entry is flagged on it, hot
 * pages are resident and not in a test period, non-resident ones are; the
 * counts agree with the flags and every hand is on the clock. */
int vmm_clockpro_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const cp_state *s = st;
    uint64_t nhot = 0, ncold = 0, nnr = 0, on = 0;
    int hc = s->hand_cold == CP_NIL, ht = s->hand_test == CP_NIL;
    uint32_t pg = s->hand_hot;
    for (uint64_t i = 0; pg != CP_NIL; i++) {
        if (pg >= s->cap || i > (uint64_t)s->cap)
            return vmm_check_fail(why, len, "clockpro: clock broken at page %u", pg);
        uint32_t n = s->next[pg];
        uint8_t f = s->fl[pg];
        if (n >= s->cap || s->prev[n] != pg)
            return vmm_check_fail(why, len, "clockpro: links broken after page %u", pg);
        if (!(f & CP_ON) || ((f & CP_HOT) && (f & (CP_TEST | CP_RES)) != CP_RES) ||
            (!(f & CP_RES) && !(f & CP_TEST)))
            return vmm_check_fail(why, len, "clockpro: page %u has flags %#x", pg, f);
        if ((f & CP_RES) && s->page_frame[pg] >= s->nframes)
            return vmm_check_fail(why, len, "clockpro: resident page %u in frame %u", pg,
                                  s->page_frame[pg]);
        nhot += (f & CP_HOT) != 0;
        ncold += (f & (CP_HOT | CP_RES)) == CP_RES;
        nnr += !(f & CP_RES);
        hc |= pg == s->hand_cold;
        ht |= pg == s->hand_test;
        if (n == s->hand_hot)
            break;
        pg = n;
    }
    for (size_t p = 0; p < s->cap; p++)
        on += (s->fl[p] & CP_ON) != 0;
    if (on != nhot + ncold + nnr || nhot != s->nhot || ncold != s->ncold || nnr != s->nnr)
        return vmm_check_fail(why, len,
                              "clockpro: %llu on the clock; hot %u/%llu, cold %u/%llu, "
                              "non-resident %u/%llu (counted/found)",
                              (unsigned long long)on, s->nhot, (unsigned long long)nhot, s->ncold,
                              (unsigned long long)ncold, s->nnr, (unsigned long long)nnr);
    if (!hc || !ht)
        return vmm_check_fail(why, len, "clockpro: a hand is off the clock");
    *held = s->nhot + s->ncold;
    if (s->cold_target < 1 || s->cold_target > s->c || s->nnr > s->c)
        return vmm_check_fail(why, len, "clockpro: m=%u, m_c=%u, %u non-resident", s->c,
                              s->cold_target, s->nnr);
    return 0;
}

const vmm_policy_ops vmm_policy_clockpro = {
    .abi = VMM_POLICY_ABI,
    .name = "clockpro",
    .summary = "CLOCK-Pro (USENIX ATC'05): hot/cold clock with test periods",
    .state_size = sizeof(cp_state),
    .flags = 0,
    .init = cp_init,
    .fini = cp_fini,
    .reserve_pages = cp_reserve,
    .on_hit = cp_on_hit,
    .victim = cp_victim,
    .on_insert = cp_on_insert,
    .on_remove = cp_on_remove,
    .resize = cp_resize,
};
