/* Aging replacement: a software approximation of LRU with n-bit counters,
 * as described by Tanenbaum, "Modern Operating Systems" (Prentice Hall,
 * 1992; "Simulating LRU in software"), after the reference-bit sampling
 * schemes surveyed by Denning, "Virtual memory", ACM Computing Surveys
 * 2(3), 1970.
 *
 * Each resident frame has a reference bit R and a `bits`-bit counter.
 * Every `interval` references (the "clock tick") every counter is shifted
 * right by one and R is ORed into its top bit, then R is cleared; a hit
 * sets R, and a newly loaded page starts with counter 0 and R set (its load
 * is a reference). The victim is the frame with the smallest counter, where
 * R counts as one more, most significant bit: (R << bits) | counter is the
 * counter the frame would have if the tick came now, without dropping its
 * low bit. Ties go to the frame loaded longest ago, so with no information
 * aging degrades to FIFO rather than to an arbitrary order.
 *
 * Parameters ("bits=B,interval=I"):
 *   bits      counter width, 1..32, default 8 (Tanenbaum's example);
 *   interval  references between ticks, >= 1, default max(1000, c) for a
 *             capacity of c frames: a tick costs O(c), so an interval of at
 *             least c keeps it O(1) per reference however large memory is,
 *             and 8 ticks still separate a hot page from a cold one.
 *
 * Resize: the default interval follows the new capacity (max(1000, c));
 * one given as a parameter stays. Counters, R bits and load order are
 * per frame and untouched; on a shrink the engine's victims take the
 * smallest keys, as on any fault.
 *
 * Cost: frames are kept in a binary min-heap on (key, load order) with a
 * position index. A hit that sets R moves the frame down, O(log n), at most
 * once per frame per tick; insert and victim are O(log n). A tick shifts
 * every resident counter and re-heapifies, O(c), i.e. O(c / interval)
 * amortised per reference. (Shifting halves every key, which keeps the heap
 * order except between keys it makes equal; rebuilding restores the
 * load-order tie break.) */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include "util/iheap.h"
#include <math.h>
#include <string.h>

typedef struct aging_state {
    vmm_iheap_t heap;   /* resident frames, the next victim on top */
    uint32_t *counter;  /* per frame: the aging counter */
    uint8_t *ref;       /* per frame: referenced since the last tick */
    uint64_t *loaded;   /* per frame: load sequence number (tie break) */
    unsigned bits;      /* counter width */
    uint64_t interval;  /* references per tick */
    int interval_set;   /* interval given as a parameter (else it follows c) */
    uint32_t nframes;   /* frame numbers are below it */
    uint64_t since;     /* references since the last tick */
    uint64_t seq;       /* loads so far */
} aging_state;

static const char *const aging_params[] = {"bits", "interval", NULL};

/* Read an integer parameter in [lo, hi], or leave *out at its default. */
static int aging_param(const char *params, const char *key, double lo, double hi,
                       uint64_t *out, vmm_err_t *err)
{
    double d;
    int rc = vmm_params_get_range(params, "aging", key, (double)*out, lo, hi, &d, err);
    if (rc)
        return rc;
    if (d != floor(d))
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1,
                           "policy aging: parameter %s: expected an integer, got %g", key, d);
    *out = (uint64_t)d;
    return 0;
}

static void aging_fini(void *st)
{
    aging_state *s = st;
    vmm_ih_fini(&s->heap);
    vmm_free(s->counter);
    vmm_free(s->ref);
    vmm_free(s->loaded);
    s->counter = NULL;
    s->ref = NULL;
    s->loaded = NULL;
}

static int aging_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    aging_state *s = st;
    uint64_t bits = 8, interval = cfg->capacity > 1000 ? cfg->capacity : 1000;
    int rc = vmm_params_check(cfg->params, aging_params, "aging", err);
    if (!rc)
        rc = aging_param(cfg->params, "bits", 1, 32, &bits, err);
    if (!rc)
        rc = aging_param(cfg->params, "interval", 1, 1e15, &interval, err);
    if (rc)
        return rc;
    double given;
    s->interval_set = vmm_params_get_double(cfg->params, "interval", &given, NULL) == 1;
    s->bits = (unsigned)bits;
    s->interval = interval;
    uint32_t n = s->nframes = cfg->nframes;
    if (vmm_ih_init(&s->heap, n))
        return VMM_ENOMEM;
    s->counter = vmm_calloc(n, sizeof *s->counter);
    s->ref = vmm_calloc(n, sizeof *s->ref);
    s->loaded = vmm_calloc(n, sizeof *s->loaded);
    if (!s->counter || !s->ref || !s->loaded) {
        aging_fini(s);
        return VMM_ENOMEM;
    }
    return 0;
}

/* Does frame a go before frame b? */
static int aging_less(const void *ctx, uint32_t a, uint32_t b)
{
    const aging_state *s = ctx;
    uint64_t ka = (uint64_t)s->ref[a] << s->bits | s->counter[a];
    uint64_t kb = (uint64_t)s->ref[b] << s->bits | s->counter[b];
    return ka != kb ? ka < kb : s->loaded[a] < s->loaded[b];
}

/* The clock tick: age every resident counter, then rebuild the heap. */
static void aging_tick(aging_state *s)
{
    uint32_t top = s->bits - 1;
    for (uint32_t i = 0; i < s->heap.count; i++) {
        uint32_t f = s->heap.heap[i];
        s->counter[f] = s->counter[f] >> 1 | (uint32_t)s->ref[f] << top;
        s->ref[f] = 0;
    }
    vmm_ih_rebuild(&s->heap, aging_less, s);
}

/* Count one reference; tick when the interval is complete. */
static void aging_count(aging_state *s)
{
    if (++s->since >= s->interval) {
        s->since = 0;
        aging_tick(s);
    }
}

static void aging_on_hit(void *st, const vmm_pref_t *r)
{
    aging_state *s = st;
    uint32_t f = r->frame;
    if (vmm_ih_has(&s->heap, f) && !s->ref[f]) {
        s->ref[f] = 1;   /* the key only grows: move toward the leaves */
        vmm_ih_sift_down(&s->heap, s->heap.pos[f], aging_less, s);
    }
    aging_count(s);
}

static uint32_t aging_victim(void *st, const vmm_pref_t *incoming)
{
    aging_state *s = st;
    (void)incoming;
    if (!s->heap.count)
        return VMM_NOFRAME;
    uint32_t f = s->heap.heap[0];
    vmm_ih_remove(&s->heap, f, aging_less, s);
    return f;
}

static int aging_on_insert(void *st, const vmm_pref_t *r)
{
    aging_state *s = st;
    uint32_t f = r->frame;
    s->counter[f] = 0;
    s->ref[f] = 1;
    s->loaded[f] = s->seq++;
    vmm_ih_push(&s->heap, f, aging_less, s);
    aging_count(s);
    return VMM_POLICY_ADMIT;
}

static void aging_on_remove(void *st, uint32_t frame, uint32_t page)
{
    (void)page;
    aging_state *s = st;
    if (vmm_ih_has(&s->heap, frame))
        vmm_ih_remove(&s->heap, frame, aging_less, s);
}

static int aging_resize(void *st, uint32_t capacity)
{
    aging_state *s = st;
    if (!s->interval_set)
        s->interval = capacity > 1000 ? capacity : 1000;
    return 0;
}

int vmm_aging_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const aging_state *s = st;
    *held = s->heap.count;
    for (uint32_t i = 0; i < s->heap.count; i++) {
        uint32_t f = s->heap.heap[i];
        if (f < s->nframes && (s->ref[f] > 1 || (s->bits < 32 && s->counter[f] >> s->bits)))
            return vmm_check_fail(why, len, "aging: frame %u: R %u, counter %u of %u bits", f,
                                  s->ref[f], s->counter[f], s->bits);
    }
    return vmm_check_iheap(&s->heap, s->nframes, aging_less, s, "aging heap", why, len);
}

const vmm_policy_ops vmm_policy_aging = {
    .abi = VMM_POLICY_ABI,
    .name = "aging",
    .summary = "aging: n-bit counters shifted every interval, approximating LRU",
    .state_size = sizeof(aging_state),
    .flags = 0,
    .init = aging_init,
    .fini = aging_fini,
    .reserve_pages = NULL,
    .on_hit = aging_on_hit,
    .victim = aging_victim,
    .on_insert = aging_on_insert,
    .on_remove = aging_on_remove,
    .resize = aging_resize,
};
