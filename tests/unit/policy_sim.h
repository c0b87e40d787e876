/* A tiny, independent driver for policy ops, used by policy unit tests. It
 * follows the engine's contract in vmmsim/policy.h to the letter and shares
 * no code with the engine, so engine and policy are checked separately:
 *
 *   - a reference that hits calls on_hit; one that faults takes a free
 *     frame while fewer than `capacity` frames are in use, else asks
 *     victim(r) for one; then on_insert (a BYPASS gives the frame back);
 *   - resize(c) calls the policy's resize (if any), then victim(none)
 *     (page == VMM_NOFRAME) until at most c frames are in use;
 *   - a balloon asks victim(none) for one frame while below the quota;
 *   - a removal takes any frame in use away with on_remove(frame, page).
 *
 * Frames come from a free list that hands out 0, 1, 2, ... or, given a
 * frame seed, a random permutation of all nframes numbers (a host's
 * scattered machine frames). env.frame_page is the driver's own frame ->
 * page map, valid for frames in use; dirty bits follow writes. Every
 * contract violation the driver can see (a victim that is not a frame in
 * use, more frames in use than the capacity, a failed resize) stops it
 * with a message in `err`. */
#ifndef VMM_TEST_POLICY_SIM_H
#define VMM_TEST_POLICY_SIM_H

#include "vmmsim/policy.h"
#include "util/hashmap.h"
#include "util/rng.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLICY_SIM_KEEP 64   /* evicted keys remembered in order */

typedef struct policy_sim {
    const vmm_policy_ops *ops;
    vmm_policy_t p;
    int open;                /* p is initialised */
    uint32_t nframes, capacity, in_use;
    uint32_t *frame_page;    /* per frame: dense page id or VMM_NOFRAME (env) */
    uint64_t *frame_key;     /* per frame: key held */
    uint8_t *dirty;          /* per frame (env) */
    uint64_t cleaned;        /* write-backs the policy started (env) */
    uint32_t *freel, nfree;  /* free frames, the next one at the end */
    uint32_t *used, *upos;   /* frames in use, dense; per frame: index in used */
    vmm_hashmap_t where;     /* key -> frame while resident */
    vmm_hashmap_t dense;     /* key -> dense page id */
    uint32_t npages;
    uint64_t now;            /* references so far */
    long long faults, evictions;
    uint64_t evict_hash;     /* order-sensitive hash of every evicted key */
    uint64_t evicted[POLICY_SIM_KEEP];   /* the first evicted keys */
    size_t nevicted;
    char err[256];           /* the first contract violation, "" if none */
} policy_sim;

static inline int policy_sim_fail(policy_sim *s, const char *fmt, ...)
{
    if (!s->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->err, sizeof s->err, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static inline void policy_sim_close(policy_sim *s)
{
    if (s->open)
        vmm_policy_fini(&s->p);
    vmm_hm_fini(&s->where);
    vmm_hm_fini(&s->dense);
    free(s->frame_page);
    free(s->frame_key);
    free(s->dirty);
    free(s->freel);
    free(s->used);
    free(s->upos);
    memset(s, 0, sizeof *s);
}

/* Start `ops` with nframes frame numbers and `capacity` frames (0 =
 * nframes). frame_seed 0 hands out frames 0, 1, 2, ...; any other value a
 * random permutation of 0..nframes-1. Returns 0 or the init error (the
 * driver is then closed). */
static inline int policy_sim_open(policy_sim *s, const vmm_policy_ops *ops, uint32_t nframes,
                                  uint32_t capacity, const char *params, uint64_t seed,
                                  uint64_t frame_seed)
{
    memset(s, 0, sizeof *s);
    s->ops = ops;
    s->nframes = nframes;
    s->capacity = capacity ? capacity : nframes;
    s->frame_page = malloc(nframes * sizeof *s->frame_page);
    s->frame_key = calloc(nframes, sizeof *s->frame_key);
    s->dirty = calloc(nframes, 1);
    s->freel = malloc(nframes * sizeof *s->freel);
    s->used = malloc(nframes * sizeof *s->used);
    s->upos = malloc(nframes * sizeof *s->upos);
    for (uint32_t f = 0; f < nframes; f++) {
        s->frame_page[f] = VMM_NOFRAME;
        s->freel[f] = nframes - 1 - f;   /* pop order 0, 1, 2, ... */
    }
    if (frame_seed) {
        vmm_rng_t rng;
        vmm_rng_seed(&rng, frame_seed);
        for (uint32_t i = nframes; i > 1; i--) {
            uint32_t j = (uint32_t)vmm_rng_below(&rng, i), t = s->freel[i - 1];
            s->freel[i - 1] = s->freel[j];
            s->freel[j] = t;
        }
    }
    s->nfree = nframes;
    s->evict_hash = 1469598103934665603ull;
    vmm_policy_cfg_t cfg = {.nframes = nframes, .capacity = capacity, .seed = seed,
                            .params = params,
                            .env = {.dirty = s->dirty, .cleaned = &s->cleaned,
                                    .frame_page = s->frame_page}};
    int rc = vmm_policy_init(&s->p, ops, &cfg, NULL);
    if (rc) {
        policy_sim_close(s);
        return rc;
    }
    s->open = 1;
    return 0;
}

static inline uint32_t policy_sim_take_free(policy_sim *s)
{
    uint32_t f = s->freel[--s->nfree];
    s->upos[f] = s->in_use;
    s->used[s->in_use++] = f;
    return f;
}

/* The page in frame f leaves (a victim, a removal or a bypass). */
static inline void policy_sim_release(policy_sim *s, uint32_t f, int evicted)
{
    uint64_t key = s->frame_key[f];
    if (s->frame_page[f] != VMM_NOFRAME)
        vmm_hm_del(&s->where, key);
    if (evicted) {
        s->evictions++;
        s->evict_hash = (s->evict_hash ^ key) * 1099511628211ull;
        if (s->nevicted < POLICY_SIM_KEEP)
            s->evicted[s->nevicted++] = key;
    }
    s->frame_page[f] = VMM_NOFRAME;
    s->dirty[f] = 0;
    uint32_t i = s->upos[f], last = s->used[--s->in_use];
    s->used[i] = last;
    s->upos[last] = i;
    s->freel[s->nfree++] = f;
}

/* Ask the policy for a victim for `r` (or for none) and check it. */
static inline int policy_sim_victim(policy_sim *s, const vmm_pref_t *r, uint32_t *out)
{
    uint32_t f = *out = s->ops->victim(s->p.st, r);
    if (f >= s->nframes || s->frame_page[f] == VMM_NOFRAME)
        return policy_sim_fail(s, "%s: victim %u is not a frame in use (%u in use)",
                               s->ops->name, f, s->in_use);
    *out = f;
    return 0;
}

/* Reference `key` (a write if `write`); next_use is handed to the policy
 * as is. Returns 1 on a fault, 0 on a hit, -1 on a contract violation. */
static inline int policy_sim_ref(policy_sim *s, uint64_t key, unsigned write, uint64_t next_use)
{
    uint32_t pid = vmm_hm_get(&s->dense, key);
    if (pid == VMM_HM_NONE) {
        pid = s->npages++;
        vmm_hm_put(&s->dense, key, pid);
        if (s->ops->reserve_pages && s->ops->reserve_pages(s->p.st, s->npages))
            return policy_sim_fail(s, "%s: reserve_pages failed", s->ops->name);
    }
    vmm_pref_t r = {.key = key, .now = s->now++, .page = pid, .next_use = next_use,
                    .write = write};
    uint32_t f = vmm_hm_get(&s->where, key);
    if (f != VMM_HM_NONE) {
        r.frame = f;
        s->ops->on_hit(s->p.st, &r);
        if (write)
            s->dirty[f] = 1;
        return 0;
    }
    s->faults++;
    if (s->in_use < s->capacity) {
        f = policy_sim_take_free(s);
    } else {
        if (!s->in_use)
            return policy_sim_fail(s, "%s: no frame in use at capacity %u", s->ops->name,
                                   s->capacity);
        if (policy_sim_victim(s, &r, &f))
            return -1;
        policy_sim_release(s, f, 1);
        f = policy_sim_take_free(s);   /* the victim's frame: the last one freed */
    }
    r.frame = f;
    s->frame_page[f] = pid;
    s->frame_key[f] = key;
    int ins = s->ops->on_insert(s->p.st, &r);
    if (ins == VMM_POLICY_BYPASS) {
        policy_sim_release(s, f, 0);   /* declined: the frame stays free */
        return 1;
    }
    if (ins != VMM_POLICY_ADMIT)
        return policy_sim_fail(s, "%s: on_insert returned %d", s->ops->name, ins);
    vmm_hm_put(&s->where, key, f);
    if (write)
        s->dirty[f] = 1;
    return 1;
}

/* Take one frame back with victim(none). 0 or -1. */
static inline int policy_sim_shed(policy_sim *s)
{
    vmm_pref_t none = {.key = 0, .now = s->now, .page = VMM_NOFRAME, .frame = VMM_NOFRAME,
                       .next_use = VMM_NEVER};
    uint32_t f;
    if (policy_sim_victim(s, &none, &f))
        return -1;
    policy_sim_release(s, f, 1);
    return 0;
}

/* The quota becomes c (1..nframes): resize, then victims down to c. */
static inline int policy_sim_resize(policy_sim *s, uint32_t c)
{
    if (s->ops->resize) {
        int rc = s->ops->resize(s->p.st, c);
        if (rc)
            return policy_sim_fail(s, "%s: resize(%u) returned %d", s->ops->name, c, rc);
    }
    s->capacity = c;
    while (s->in_use > c)
        if (policy_sim_shed(s))
            return -1;
    return 0;
}

/* A balloon below the quota: one victim(none) if a frame is in use. */
static inline int policy_sim_balloon(policy_sim *s)
{
    return s->in_use ? policy_sim_shed(s) : 0;
}

/* Take the i-th frame in use (mod the count) away with on_remove. */
static inline void policy_sim_remove(policy_sim *s, uint32_t i)
{
    if (!s->in_use)
        return;
    uint32_t f = s->used[i % s->in_use];
    s->ops->on_remove(s->p.st, f, s->frame_page[f]);
    policy_sim_release(s, f, 0);
}

/* next_use for each of keys[0..n): the index of the key's next reference,
 * or VMM_NEVER. Caller frees. */
static inline uint64_t *policy_sim_next_uses(const uint64_t *keys, size_t n)
{
    vmm_hashmap_t last = {0};
    uint64_t *next = malloc((n ? n : 1) * sizeof *next);
    for (size_t i = n; i-- > 0;) {
        uint32_t j = vmm_hm_get(&last, keys[i]);   /* values are u32: indices fit */
        next[i] = j == VMM_HM_NONE ? VMM_NEVER : (uint64_t)j;
        vmm_hm_put(&last, keys[i], (uint32_t)i);
    }
    vmm_hm_fini(&last);
    return next;
}

/* Run `keys[0..n)` (writes where writes[i] != 0; writes may be NULL)
 * through `ops` with `nframes` frames. Returns faults, or -1 on init error
 * or a contract violation. */
static inline long long policy_sim_run(const vmm_policy_ops *ops, uint32_t nframes,
                                       const char *params, const uint64_t *keys,
                                       const uint8_t *writes, size_t n)
{
    policy_sim s;
    if (policy_sim_open(&s, ops, nframes, 0, params, 42, 0))
        return -1;
    uint64_t *next = ops->flags & VMM_POLICY_FUTURE ? policy_sim_next_uses(keys, n) : NULL;
    long long faults = 0;
    for (size_t i = 0; i < n && faults >= 0; i++)
        if (policy_sim_ref(&s, keys[i], writes ? writes[i] : 0, next ? next[i] : VMM_NEVER) < 0)
            faults = -1;
    if (faults >= 0)
        faults = s.faults;
    free(next);
    policy_sim_close(&s);
    return faults;
}

#endif
