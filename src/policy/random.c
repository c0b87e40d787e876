/* Random replacement: evict a resident frame chosen uniformly at random.
 * The memoryless baseline of Belady, "A study of replacement algorithms for
 * a virtual-storage computer", IBM Systems Journal 5(2), 1966. No
 * parameters; the generator (xoshiro256**, util/rng.h) is seeded from
 * cfg->seed, so a run is reproducible bit for bit.
 *
 * Invariant: slot[0..count) lists the resident frames in no particular
 * order and pos[f] is f's index there (or NONE), so insertion, removal and
 * a random pick are all O(1) (removal swaps the last slot in). The slots
 * follow the order of loads, not frame numbers, so the victims do not
 * depend on which frames the engine hands out. Nothing depends on the
 * capacity, so there is no resize. */
#include "vmmsim/policy.h"
#include "policy/check.h"
#include "util/alloc.h"
#include "util/rng.h"
#include <string.h>

#define RANDOM_NONE UINT32_MAX

typedef struct random_state {
    uint32_t *slot;     /* resident frames, dense */
    uint32_t *pos;      /* per frame: index in slot, or RANDOM_NONE */
    uint32_t count;     /* resident frames */
    uint32_t nframes;   /* frame numbers are below it */
    vmm_rng_t rng;
} random_state;

static const char *const random_params[] = {NULL};

static void random_fini(void *st)
{
    random_state *s = st;
    vmm_free(s->slot);
    vmm_free(s->pos);
    s->slot = s->pos = NULL;
}

static int random_init(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err)
{
    random_state *s = st;
    int rc = vmm_params_check(cfg->params, random_params, "random", err);
    if (rc)
        return rc;
    s->slot = vmm_malloc(cfg->nframes * sizeof *s->slot);
    s->pos = vmm_malloc(cfg->nframes * sizeof *s->pos);
    if (!s->slot || !s->pos) {
        random_fini(s);
        return VMM_ENOMEM;
    }
    memset(s->pos, 0xff, cfg->nframes * sizeof *s->pos);
    s->count = 0;
    s->nframes = cfg->nframes;
    vmm_rng_seed(&s->rng, cfg->seed);
    return 0;
}

static void random_on_hit(void *st, const vmm_pref_t *r)
{
    (void)st;   /* history plays no part */
    (void)r;
}

static void random_take(random_state *s, uint32_t frame)
{
    uint32_t i = s->pos[frame], last = s->slot[--s->count];
    s->slot[i] = last;
    s->pos[last] = i;
    s->pos[frame] = RANDOM_NONE;
}

static uint32_t random_victim(void *st, const vmm_pref_t *incoming)
{
    random_state *s = st;
    (void)incoming;
    if (!s->count)
        return VMM_NOFRAME;
    uint32_t f = s->slot[vmm_rng_below(&s->rng, s->count)];
    random_take(s, f);
    return f;
}

static int random_on_insert(void *st, const vmm_pref_t *r)
{
    random_state *s = st;
    s->pos[r->frame] = s->count;
    s->slot[s->count++] = r->frame;
    return VMM_POLICY_ADMIT;
}

static void random_on_remove(void *st, uint32_t frame, uint32_t page)
{
    (void)page;
    random_state *s = st;
    if (s->pos[frame] != RANDOM_NONE)
        random_take(s, frame);
}

int vmm_random_check(const void *st, uint32_t *held, char *why, size_t len)
{
    const random_state *s = st;
    *held = s->count;
    if (s->count > s->nframes)
        return vmm_check_fail(why, len, "random: %u frames of %u", s->count, s->nframes);
    for (uint32_t i = 0; i < s->count; i++)
        if (s->slot[i] >= s->nframes || s->pos[s->slot[i]] != i)
            return vmm_check_fail(why, len, "random: slot %u holds frame %u, placed elsewhere",
                                  i, s->slot[i]);
    uint32_t placed = 0;
    for (uint32_t f = 0; f < s->nframes; f++)
        placed += s->pos[f] != RANDOM_NONE;
    if (placed != s->count)
        return vmm_check_fail(why, len, "random: %u frames placed, %u counted", placed, s->count);
    return 0;
}

const vmm_policy_ops vmm_policy_random = {
    .abi = VMM_POLICY_ABI,
    .name = "random",
    .summary = "random: evict a uniformly chosen page (seeded, reproducible)",
    .state_size = sizeof(random_state),
    .flags = 0,
    .init = random_init,
    .fini = random_fini,
    .reserve_pages = NULL,
    .on_hit = random_on_hit,
    .victim = random_victim,
    .on_insert = random_on_insert,
    .on_remove = random_on_remove,
};
