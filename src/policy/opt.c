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
 * not change the fault count. */
#include "vmmsim/policy.h"
#include "util/alloc.h"
#include <string.h>

#define OPT_NONE UINT32_MAX

typedef struct opt_state {
    uint32_t *heap;     /* frames; heap[0] has the largest key */
    uint32_t *pos;      /* per frame: index in heap, or OPT_NONE */
    uint64_t *key;      /* per frame: index of the next reference */
    uint32_t count;     /* frames in the heap */
} opt_state;

static const char *const opt_params[] = {NULL};

static void opt_fini(void *st)
{
    opt_state *s = st;
    vmm_free(s->heap);
    vmm_free(s->pos);
    vmm_free(s->key);
    s->heap = s->pos = NULL;
    s->key = NULL;
}

static int opt_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    opt_state *s = st;
    int rc = vmm_params_check(cfg->params, opt_params, "opt", err);
    if (rc)
        return rc;
    s->heap = vmm_malloc(cfg->nframes * sizeof *s->heap);
    s->pos = vmm_malloc(cfg->nframes * sizeof *s->pos);
    s->key = vmm_calloc(cfg->nframes, sizeof *s->key);
    if (!s->heap || !s->pos || !s->key) {
        opt_fini(s);
        return VMM_ENOMEM;
    }
    memset(s->pos, 0xff, cfg->nframes * sizeof *s->pos);
    s->count = 0;
    return 0;
}

static void opt_place(opt_state *s, uint32_t i, uint32_t f)
{
    s->heap[i] = f;
    s->pos[f] = i;
}

static void opt_sift_up(opt_state *s, uint32_t i)
{
    uint32_t f = s->heap[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (s->key[s->heap[p]] >= s->key[f])
            break;
        opt_place(s, i, s->heap[p]);
        i = p;
    }
    opt_place(s, i, f);
}

static void opt_sift_down(opt_state *s, uint32_t i)
{
    uint32_t f = s->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= s->count)
            break;
        if (c + 1 < s->count && s->key[s->heap[c + 1]] > s->key[s->heap[c]])
            c++;
        if (s->key[s->heap[c]] <= s->key[f])
            break;
        opt_place(s, i, s->heap[c]);
        i = c;
    }
    opt_place(s, i, f);
}

/* Take frame f out of the heap: move the last entry into its slot and
 * restore the order in whichever direction it is broken. */
static void opt_take(opt_state *s, uint32_t f)
{
    uint32_t i = s->pos[f], last = s->heap[--s->count];
    s->pos[f] = OPT_NONE;
    if (last == f)
        return;
    opt_place(s, i, last);
    opt_sift_up(s, i);
    opt_sift_down(s, s->pos[last]);
}

static void opt_on_hit(void *st, const vmm_pref_t *r)
{
    opt_state *s = st;
    uint32_t f = r->frame;
    if (s->pos[f] == OPT_NONE)
        return;
    /* The old key was this very reference, so the new one is larger and
     * the frame can only move up; sifting both ways costs nothing extra and
     * keeps the heap sound even if the engine's next_use were off. */
    s->key[f] = r->next_use;
    opt_sift_up(s, s->pos[f]);
    opt_sift_down(s, s->pos[f]);
}

static uint32_t opt_victim(void *st, const vmm_pref_t *incoming)
{
    opt_state *s = st;
    (void)incoming;
    if (!s->count)
        return VMM_NOFRAME;
    uint32_t f = s->heap[0];
    opt_take(s, f);
    return f;
}

static int opt_on_insert(void *st, const vmm_pref_t *r)
{
    opt_state *s = st;
    uint32_t f = r->frame;
    s->key[f] = r->next_use;
    opt_place(s, s->count++, f);
    opt_sift_up(s, s->pos[f]);
    return VMM_POLICY_ADMIT;
}

static void opt_on_remove(void *st, uint32_t frame)
{
    opt_state *s = st;
    if (s->pos[frame] != OPT_NONE)
        opt_take(s, frame);
}

const vmm_policy_ops vmm_policy_opt = {
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
