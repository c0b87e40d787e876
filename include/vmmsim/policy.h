/* Replacement policies: one ops table per policy, one registry.
 *
 * The engine owns the frame table (which page is in which frame, dirty
 * bits), the free list and all statistics; a policy only decides order. The
 * engine allocates `state_size` zeroed bytes for a policy's state, calls
 * init() with the configuration, then:
 *
 *   on a hit:   on_hit(r).
 *   on a fault: if fewer than `capacity` frames are in use, on_insert(r) on
 *               a free frame; otherwise victim(r) picks a frame in use,
 *               which the policy forgets at once (ghost lists may remember
 *               its page), the engine evicts that frame's page, then
 *               on_insert(r) on that frame.
 *   to take a frame back without a fault (after a shrink, or a balloon
 *               asking for pages while the domain is below its quota):
 *               victim(none), where none.page == VMM_NOFRAME (and its other
 *               fields describe no reference): no page is coming in, so the
 *               policy evicts by its own order and does no ghost lookup or
 *               adaptation for an incoming page. Allowed whenever at least
 *               one frame is in use.
 *   on removal by the engine, at any time, for any frame in use (host
 *               swapping picks random frames; NUMA migration removes a
 *               frame, then inserts the same page in another frame):
 *               on_remove(frame, page). The policy forgets the page without
 *               leaving a ghost; a page inserted again later is a new one.
 *   when the quota changes (a VM's allocation moves): resize(capacity),
 *               1 <= capacity <= nframes. On a shrink the engine then calls
 *               victim(none) until at most `capacity` frames are in use,
 *               before any other call; on a growth later faults take free
 *               frames (on_insert without victim) until `capacity` frames
 *               are in use. A policy with nothing to rescale leaves resize
 *               NULL; one that sets it states in its file's top comment what
 *               a resize does to its targets and ghost lists.
 *
 * Frame numbers are < cfg->nframes, the size of per-frame arrays: a host's
 * machine frames, so several domains' policies share one numbering, and the
 * frames a policy is given need not be contiguous or start at 0. Outside a
 * shrink's victims at most `capacity` of them are in use. A policy sizes
 * everything that is a cache size (lists, targets, ghost bounds, default
 * parameters) from `capacity`, never from nframes, and its results must not
 * depend on which frame numbers it is given: with a fixed capacity c, any
 * nframes >= c gives the same victims as nframes == c.
 *
 * Each call gets a vmm_pref_t describing the page reference being handled.
 * Per-frame data lives in the policy's own arrays indexed by frame number
 * (0..nframes-1); per-page data (ghosts) may be indexed by the dense page id,
 * which is < the last value passed to reserve_pages(). */
#ifndef VMMSIM_POLICY_H
#define VMMSIM_POLICY_H

#include <stdint.h>
#include <stddef.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VMM_NEVER UINT64_MAX    /* next_use of a page not referenced again */
#define VMM_NOFRAME UINT32_MAX

/* The page reference being handled. */
typedef struct vmm_pref {
    uint64_t key;       /* unique page identity (address space and page number) */
    uint64_t now;       /* index of this page reference in the run, from 0 */
    uint64_t next_use;  /* index of the next reference to this page or VMM_NEVER;
                           filled only for policies with VMM_POLICY_FUTURE */
    uint32_t page;      /* dense page id, assigned at first touch */
    uint32_t frame;     /* frame the page is in (on_hit, on_insert) */
    unsigned write;     /* nonzero for a write */
} vmm_pref_t;

/* What the engine lends a policy. */
typedef struct vmm_policy_env {
    uint8_t *dirty;       /* per frame, engine-owned: nonzero when dirty */
    uint64_t *cleaned;    /* the policy adds 1 each time it writes back a
                             dirty frame and clears its bit (WSClock) */
    const uint32_t *frame_page; /* per frame, engine-owned: the dense page id it
                             holds (valid for frames in use, victim() included;
                             in on_insert use r->page, the frame being filled
                             may not be set yet), so a policy needs no
                             frame -> page map of its own */
} vmm_policy_env_t;

typedef struct vmm_policy_cfg {
    uint32_t nframes;     /* frame numbers are < nframes, >= 1 */
    uint32_t capacity;    /* frames it may hold at first, 1..nframes; 0 = nframes
                             (init sees the value vmm_policy_init() filled in) */
    uint64_t seed;        /* for randomised policies */
    const char *params;   /* "key=value,key=value" tuning, or NULL for defaults */
    vmm_policy_env_t env;
} vmm_policy_cfg_t;

enum {
    VMM_POLICY_FUTURE = 1u << 0,   /* needs next_use: the engine does a first pass */
};

/* Version of vmm_policy_ops; an ops table carries the one it was written
 * for in `abi`, and vmm_policy_init() refuses any other. */
#define VMM_POLICY_ABI 2

/* Return of on_insert: the page was admitted, or the policy declined to keep
 * it (the engine then evicts it at once; frame stays free). */
enum { VMM_POLICY_ADMIT = 0, VMM_POLICY_BYPASS = 1 };

typedef struct vmm_policy_ops {
    const char *name;        /* "lru" (first: the registries find entries by it) */
    unsigned abi;            /* VMM_POLICY_ABI */
    const char *summary;     /* one line for --help */
    size_t state_size;
    unsigned flags;          /* VMM_POLICY_* */
    /* Set up for frame numbers < cfg->nframes and cfg->capacity frames
     * (1..nframes). Returns 0, VMM_EINVAL (bad params, with a message
     * through `err`) or VMM_ENOMEM. */
    int (*init)(void *st, const vmm_policy_cfg_t *cfg, vmm_err_t *err);
    void (*fini)(void *st);
    /* Optional: page ids up to npages-1 may now appear. 0 or VMM_ENOMEM. */
    int (*reserve_pages)(void *st, uint32_t npages);
    void (*on_hit)(void *st, const vmm_pref_t *r);
    /* Choose a frame in use to evict for `incoming` and forget it; when
     * incoming->page == VMM_NOFRAME no page is coming in (see the top of
     * this file). Called only when at least one frame is in use. */
    uint32_t (*victim)(void *st, const vmm_pref_t *incoming);
    int (*on_insert)(void *st, const vmm_pref_t *r);
    /* The engine takes `frame` (holding dense page id `page`) away. */
    void (*on_remove)(void *st, uint32_t frame, uint32_t page);
    /* Optional (NULL: nothing to rescale). The quota becomes `capacity`
     * frames (1..nframes); see the top of this file for what the engine does
     * next. Adaptive policies rescale their targets and ghost lists here
     * (each says how in its file's top comment). 0 or VMM_ENOMEM; on
     * failure the policy keeps working at its old capacity. */
    int (*resize)(void *st, uint32_t capacity);
} vmm_policy_ops;

/* Look up a policy by name (case-insensitive), built-in or registered with
 * vmm_policy_register(); NULL if unknown. */
VMM_API const vmm_policy_ops *vmm_policy_find(const char *name);

/* The registry, NULL-terminated, in the order --help lists it: the built-in
 * policies, then the registered ones in the order they were registered. */
VMM_API const vmm_policy_ops *const *vmm_policy_all(void);

/* How many policies vmm_policy_register() can add. */
#define VMM_POLICY_USER_MAX 16

/* Add a policy of the caller's own, as SQLite's sqlite3_config(
 * SQLITE_CONFIG_PCACHE2, &methods) installs an application's page cache:
 * from then on vmm_policy_find() and vmm_policy_all() see it, so vmm_create()
 * (vmm_config_t.policy), scenario files (`policy = NAME`), the CLI's
 * --policy and `vmmsim policies` can name it like a built-in one.
 *
 * The library keeps the pointer, not a copy: `ops` and the strings it
 * points to must stay valid and unchanged for the rest of the process
 * (a static const table, as the built-in policies use). There is no
 * unregistration. Not thread-safe: register before any other thread looks
 * policies up (SQLite likewise requires sqlite3_config() before
 * sqlite3_initialize()).
 *
 * `ops` must have abi == VMM_POLICY_ABI; a name of 1 to 31 letters, digits,
 * '_' or '-' that no policy (or alias) has yet, case-insensitively; a
 * summary; init, fini, on_hit, victim, on_insert and on_remove (reserve_pages
 * and resize are optional); flags within VMM_POLICY_FUTURE. Returns 0 on
 * success; VMM_EUNSUP if the table was written for another ABI version;
 * VMM_EINVAL if ops is NULL or malformed, or its name is taken (check with
 * vmm_policy_find() to tell the two apart); VMM_ENOMEM when
 * VMM_POLICY_USER_MAX policies are registered already. On failure nothing
 * changes. */
VMM_API int vmm_policy_register(const vmm_policy_ops *ops);

/* A policy instance: ops plus engine-allocated state. */
typedef struct vmm_policy {
    const vmm_policy_ops *ops;
    void *st;
} vmm_policy_t;

/* Allocate and init an instance of `ops`. Returns 0 or a VMM_E* code (err
 * says why). vmm_policy_fini() releases it; safe on a zeroed instance. */
VMM_API int vmm_policy_init(vmm_policy_t *p, const vmm_policy_ops *ops,
                            const vmm_policy_cfg_t *cfg, vmm_err_t *err);
VMM_API void vmm_policy_fini(vmm_policy_t *p);

/* Helper for policies: parse an unsigned or double parameter named `key`
 * out of "k=v,k=v". Returns 1 if found (value stored), 0 if absent, or
 * VMM_EINVAL (message in err) if present but malformed. Unknown keys are
 * reported by vmm_params_check(). */
VMM_API int vmm_params_get_double(const char *params, const char *key, double *out,
                                  vmm_err_t *err);
/* Parameter `key` of policy `policy` as a number in [lo, hi], or `def` when
 * absent. 0, or VMM_EINVAL with a message naming the policy, the key and
 * the range. */
VMM_API int vmm_params_get_range(const char *params, const char *policy, const char *key,
                                 double def, double lo, double hi, double *out, vmm_err_t *err);
/* Check that every key in `params` is in the NULL-terminated `known` list. */
VMM_API int vmm_params_check(const char *params, const char *const *known,
                             const char *policy, vmm_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
