/* OPT (Belady's MIN): evict the resident page whose next reference is
 * furthest in the future; with demand paging this gives the fewest faults
 * possible. Belady, "A study of replacement algorithms for a virtual-storage
 * computer", IBM Systems Journal 5(2), 1966; optimality proved by Mattson,
 * Gecsei, Slutz and Traiger, IBM Systems Journal 9(2), 1970. No parameters.
 * Sets VMM_POLICY_FUTURE, so the engine fills vmm_pref_t.next_use.
 *
 * State: a binary max-heap of the resident frames keyed by the index of
 * their next reference (VMM_NEVER = never again, the largest key), plus a
 * position index so that a frame's key can be changed in place. Every hit
 * and insert sets the key, O(log n); the victim is the root, O(log n).
 * Pages never referenced again tie at VMM_NEVER; which of them goes does
 * not change the fault count. Nothing depends on the capacity, so there is
 * no resize: a shrink's victims are the pages used furthest ahead. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include "util/iheap.h"

typedef struct opt_state {
    vmm_iheap_t heap;   /* resident frames, the largest key on top */
    uint64_t *key;      /* per frame: index of the next reference */
    uint32_t nframes;   /* frame numbers are below it */
} opt_state;

static const char *const opt_params[] = {NULL};

/* Max-heap order: the later next use goes first. */
static int opt_before(const void *ctx, uint32_t a, uint32_t b)
{
    const uint64_t *key = ctx;
    return key[a] > key[b];
}

static void opt_fini(void *st)
{
    opt_state *s = st;
    vmm_ih_fini(&s->heap);
    vmm_free(s->key);
    s->key = NULL;
}

static int opt_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    opt_state *s = st;
    int rc = vmm_params_check(cfg->params, opt_params, "opt", err);
    if (rc)
        return rc;
    s->nframes = cfg->nframes;
    if (vmm_ih_init(&s->heap, cfg->nframes))
        return VMM_ENOMEM;
    s->key = vmm_calloc(cfg->nframes, sizeof *s->key);
    if (!s->key) {
        opt_fini(s);
        return VMM_ENOMEM;
    }
    return 0;
}

static void opt_on_hit(void *st, const vmm_pref_t *r)
{
    opt_state *s = st;
    if (!vmm_ih_has(&s->heap, r->frame))
        return;
    /* The old key was this very reference, so the new one is larger and
     * the frame can only move up; updating both ways costs nothing extra and
     * keeps the heap sound even if the engine's next_use were off. */
    s->key[r->frame] = r->next_use;
    vmm_ih_update(&s->heap, r->frame, opt_before, s->key);
}

static uint32_t opt_victim(void *st, const vmm_pref_t *incoming)
{
    opt_state *s = st;
    (void)incoming;
    if (!s->heap.count)
        return VMM_NOFRAME;
    uint32_t f = s->heap.heap[0];
    vmm_ih_remove(&s->heap, f, opt_before, s->key);
    return f;
}

static int opt_on_insert(void *st, const vmm_pref_t *r)
{
    opt_state *s = st;
    s->key[r->frame] = r->next_use;
    vmm_ih_push(&s->heap, r->frame, opt_before, s->key);
    return VMM_POLICY_ADMIT;
}

static void opt_on_remove(void *st, uint32_t frame, uint32_t page)
{
    (void)page;
    opt_state *s = st;
    if (vmm_ih_has(&s->heap, frame))
        vmm_ih_remove(&s->heap, frame, opt_before, s->key);
}

int vmm_opt_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const opt_state *s = st;
    *held = s->heap.count;
    return vmm_check_iheap(&s->heap, s->nframes, opt_before, s->key, "opt heap", why, len);
}

const vmm_policy_ops vmm_policy_opt = {
    .abi = VMM_POLICY_ABI,
    .name = "opt",
    .summary = "Belady's OPT/MIN: evict the page used furthest in the future (offline)",
    .state_size = sizeof(opt_state),
    .flags = VMM_POLICY_FUTURE,
    .init = opt_init,
    .fini = opt_fini,
    .reserve_pages = NULL,
    .on_hit = opt_on_hit,
    .victim = opt_victim,
    .on_insert = opt_on_insert,
    .on_remove = opt_on_remove,
};
