/* WSClock replacement: Carr and Hennessy, "WSCLOCK — a simple and effective
 * algorithm for virtual memory management", SOSP 1981. A CLOCK hand that
 * evicts only pages outside the working set W(t, tau) (Denning, "The
 * working set model for program behavior", CACM 11(5), 1968) and prefers
 * clean pages, scheduling write-backs for dirty ones as it goes.
 *
 * Time is this instance's virtual time: the number of references it has
 * been told about (every hit and every load), so tau means the same thing
 * whatever else the engine simulates. Each resident frame has a reference
 * bit (set by a hit; clear on load) and a last-use time (set on load and
 * whenever the hand finds the bit set). The frames form a ring; a new page
 * goes just behind the hand. To find a victim the hand examines frames:
 *   - referenced: clear the bit, last use = now, move on;
 *   - unreferenced and age = now - last use > tau (outside the working set):
 *     if clean, evict it; if dirty, schedule its write-back (clear the
 *     engine's dirty byte, ++*env.cleaned) and move on;
 *   - otherwise (in the working set) move on.
 * If a full turn evicts nothing: write-backs complete at once in this model,
 * so the page whose write-back was scheduled first is evicted (it is what
 * the hand would find clean on its next turn); if none was scheduled, the
 * first clean page seen goes; if every page is dirty, the oldest (smallest
 * last use; first seen on ties).
 *
 * Parameter "tau=T": the window in references, an integer >= 0. Default:
 * half the capacity c (at least 1). A window of tau references holds at
 * most tau distinct pages, so any tau <= c keeps the working set in
 * memory; but during a run of faults the page under the hand was last used
 * about c references ago, so with tau near or above c few pages are old
 * enough and the hand keeps turning full circles. (On the CloudPhysics
 * trace tau = frames ran 20x slower than tau = frames/2, with faults
 * within 0.1%.) With tau=0 and no writes WSClock is exactly CLOCK (see
 * clock.c); with no writes and tau at least the run length, FIFO.
 *
 * The ring links frames by number through per-frame next/prev arrays, so
 * the frames need not be contiguous (a host's are scattered machine
 * frames); the clock order is the order frames were loaded, whatever their
 * numbers. Resize: the default tau follows the new capacity (c/2, at least
 * 1); one given as a parameter stays. The ring itself has no size to
 * change: on a shrink the engine's victims (no page coming in, so virtual
 * time does not advance) take frames from the ring by the same rule as on
 * a fault; on a growth new frames join it just behind the hand.
 *
 * Cost: O(1) per hit and insert. A victim search is O(frames) in the worst
 * case, a full turn when every page is in the working set; that is the
 * algorithm's own cost, which a tau below frames keeps rare. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include <math.h>
#include <string.h>

#define WS_NIL UINT32_MAX

typedef struct wsclock_state {
    uint32_t *next;     /* per frame: ring link in hand order; NIL = absent */
    uint32_t *prev;     /* per frame: ring link against hand order */
    uint8_t *ref;       /* per frame: reference bit */
    uint64_t *last;     /* per frame: last use, in virtual time */
    uint32_t hand;      /* next frame to examine, NIL when the ring is empty */
    uint32_t count;     /* frames in the ring */
    uint64_t tau;       /* working-set window, references */
    int tau_set;        /* tau given as a parameter (else it follows c) */
    uint32_t nframes;   /* frame numbers are below it */
    uint64_t vt;        /* references seen so far */
    vmm_policy_env_t env;
} wsclock_state;

static const char *const wsclock_params[] = {"tau", NULL};

static void wsclock_fini(void *st)
{
    wsclock_state *s = st;
    vmm_free(s->next);
    vmm_free(s->prev);
    vmm_free(s->ref);
    vmm_free(s->last);
    s->next = s->prev = NULL;
    s->ref = NULL;
    s->last = NULL;
}

static int wsclock_get_tau(const vmm_policy_cfg_t *cfg, uint64_t *tau, int *set, vmm_err_t *err)
{
    double d;
    int rc = vmm_params_check(cfg->params, wsclock_params, "wsclock", err);
    if (rc)
        return rc;
    *tau = cfg->capacity / 2 ? cfg->capacity / 2 : 1;
    rc = vmm_params_get_double(cfg->params, "tau", &d, err);
    if (rc <= 0)
        return rc;
    *set = 1;
    if (d < 0 || d > 1e18 || d != floor(d))
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "policy wsclock: parameter tau: expected an integer >= 0");
    *tau = (uint64_t)d;
    return 0;
}

static int wsclock_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    wsclock_state *s = st;
    int rc = wsclock_get_tau(cfg, &s->tau, &s->tau_set, err);
    if (rc)
        return rc;
    uint32_t n = s->nframes = cfg->nframes;
    s->next = vmm_malloc(n * sizeof *s->next);
    s->prev = vmm_malloc(n * sizeof *s->prev);
    s->ref = vmm_calloc(n, sizeof *s->ref);
    s->last = vmm_calloc(n, sizeof *s->last);
    if (!s->next || !s->prev || !s->ref || !s->last) {
        wsclock_fini(s);
        return VMM_ENOMEM;
    }
    memset(s->next, 0xff, n * sizeof *s->next);
    memset(s->prev, 0xff, n * sizeof *s->prev);
    s->hand = WS_NIL;
    s->env = cfg->env;
    return 0;
}

static int wsclock_dirty(const wsclock_state *s, uint32_t f)
{
    return s->env.dirty && s->env.dirty[f];
}

/* Start the write-back of dirty frame f; it counts as clean from now on. */
static void wsclock_clean(wsclock_state *s, uint32_t f)
{
    s->env.dirty[f] = 0;
    if (s->env.cleaned)
        ++*s->env.cleaned;
}

/* Unlink f from the ring; the hand moves on past it if it was there. */
static void wsclock_unlink(wsclock_state *s, uint32_t f)
{
    if (s->count == 1) {
        s->hand = WS_NIL;
    } else {
        s->next[s->prev[f]] = s->next[f];
        s->prev[s->next[f]] = s->prev[f];
        if (s->hand == f)
            s->hand = s->next[f];
    }
    s->next[f] = s->prev[f] = WS_NIL;
    s->ref[f] = 0;
    s->count--;
}

static uint32_t wsclock_evict(wsclock_state *s, uint32_t f)
{
    s->hand = f;   /* the hand stops at the victim, then passes it */
    wsclock_unlink(s, f);
    return f;
}

static uint32_t wsclock_victim(void *st, const vmm_pref_t *incoming)
{
    wsclock_state *s = st;
    if (!s->count)
        return VMM_NOFRAME;
    /* an incoming reference is counted at its load, just after */
    uint64_t now = s->vt + (incoming->page != VMM_NOFRAME);
    uint32_t f = s->hand, written = WS_NIL, clean = WS_NIL, oldest = WS_NIL;
    for (uint32_t i = 0; i < s->count; i++, f = s->next[f]) {
        if (s->ref[f]) {
            s->ref[f] = 0;
            s->last[f] = now;
        } else if (now - s->last[f] > s->tau) {
            if (!wsclock_dirty(s, f))
                return wsclock_evict(s, f);
            wsclock_clean(s, f);
            if (written == WS_NIL)
                written = f;
        }
        if (clean == WS_NIL && !wsclock_dirty(s, f))
            clean = f;
        if (oldest == WS_NIL || s->last[f] < s->last[oldest])
            oldest = f;
    }
    if (written != WS_NIL)
        return wsclock_evict(s, written);
    return wsclock_evict(s, clean != WS_NIL ? clean : oldest);
}

static void wsclock_on_hit(void *st, const vmm_pref_t *r)
{
    wsclock_state *s = st;
    s->vt++;
    if (s->next[r->frame] != WS_NIL)
        s->ref[r->frame] = 1;
}

static int wsclock_on_insert(void *st, const vmm_pref_t *r)
{
    wsclock_state *s = st;
    uint32_t f = r->frame;
    s->ref[f] = 0;
    s->last[f] = ++s->vt;
    if (s->hand == WS_NIL) {
        s->next[f] = s->prev[f] = f;
        s->hand = f;
    } else {   /* just behind the hand: the last frame it will reach */
        uint32_t p = s->prev[s->hand];
        s->next[p] = f;
        s->prev[f] = p;
        s->next[f] = s->hand;
        s->prev[s->hand] = f;
    }
    s->count++;
    return VMM_POLICY_ADMIT;
}

static void wsclock_on_remove(void *st, uint32_t frame, uint32_t page)
{
    (void)page;
    wsclock_state *s = st;
    if (s->next[frame] != WS_NIL)
        wsclock_unlink(s, frame);
}

static int wsclock_resize(void *st, uint32_t capacity)
{
    wsclock_state *s = st;
    if (!s->tau_set)
        s->tau = capacity / 2 ? capacity / 2 : 1;
    return 0;
}

/* The ring: `count` frames from the hand, links agreeing both ways, back
 * at the hand; no other frame linked. */
int vmm_wsclock_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const wsclock_state *s = st;
    *held = s->count;
    if (s->count > s->nframes || (s->hand == WS_NIL) != !s->count)
        return vmm_check_fail(why, len, "wsclock: %u frames, hand %u", s->count, s->hand);
    uint32_t f = s->hand;
    for (uint32_t i = 0; i < s->count; i++) {
        uint32_t n = s->next[f];
        if (f >= s->nframes || n >= s->nframes || s->prev[n] != f)
            return vmm_check_fail(why, len, "wsclock: ring broken after frame %u", f);
        if (s->last[f] > s->vt + 1)
            return vmm_check_fail(why, len, "wsclock: frame %u used at %llu, after now %llu", f,
                                  (unsigned long long)s->last[f], (unsigned long long)s->vt);
        f = n;
    }
    if (f != s->hand)
        return vmm_check_fail(why, len, "wsclock: %u steps from the hand do not close the ring",
                              s->count);
    uint32_t linked = 0;
    for (uint32_t g = 0; g < s->nframes; g++)
        linked += s->next[g] != WS_NIL;
    if (linked != s->count)
        return vmm_check_fail(why, len, "wsclock: %u frames linked, %u counted", linked,
                              s->count);
    return 0;
}

const vmm_policy_ops vmm_policy_wsclock = {
    .abi = VMM_POLICY_ABI,
    .name = "wsclock",
    .summary = "WSClock (SOSP'81): clock over the working set, cleaning dirty pages",
    .state_size = sizeof(wsclock_state),
    .flags = 0,
    .init = wsclock_init,
    .fini = wsclock_fini,
    .reserve_pages = NULL,
    .on_hit = wsclock_on_hit,
    .victim = wsclock_victim,
    .on_insert = wsclock_on_insert,
    .on_remove = wsclock_on_remove,
    .resize = wsclock_resize,
};
