/* Miss-ratio curves (MRCs): for every memory size, the misses a reference
 * stream would take. Builders are a pluggable family (one file each in
 * src/mrc/, one registry): exact (Mattson's LRU stack distances in
 * O(log M)), shards (Waldspurger et al., FAST'15: hash-sampled, fixed rate
 * or fixed size), mini (miniature simulation, ATC'17: any replacement
 * policy on a sampled stream). The patent's online method (US 9,223,722)
 * runs inside the simulated MMU instead; see vmm_sampler in vmmsim.h.
 *
 * A builder is fed page keys one reference at a time, or a batch at a time
 * (O(log n) or O(1) each, no allocation except when a new page is first
 * seen) and produces a vmm_mrc_t on demand. */
#ifndef VMMSIM_MRC_H
#define VMMSIM_MRC_H

#include <stdint.h>
#include <stddef.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A curve: misses[i] is the number of misses (cold misses included) with
 * frames[i] frames, for ascending frames[]. Sampled builders scale their
 * counts back to the whole stream, so misses are real numbers. */
typedef struct vmm_mrc {
    uint64_t refs;        /* references the curve covers */
    double distinct;      /* distinct pages (estimated by sampled builders) */
    uint32_t npoints;
    uint32_t *frames;     /* npoints sizes, ascending, >= 1 */
    double *misses;       /* npoints miss counts */
} vmm_mrc_t;

typedef struct vmm_mrc_cfg {
    double rate;          /* shards/mini: sampling rate R in (0, 1]; 0 = default (0.01) */
    uint64_t max_pages;   /* shards fixed-size mode: at most this many sampled pages (0 = fixed rate) */
    const char *policy;   /* mini: replacement policy to emulate (default "lru") */
    const char *params;   /* mini: that policy's parameters, or NULL */
    uint32_t step;        /* curve resolution in frames (0 or 1 = every size) */
    uint32_t max_frames;  /* largest size of interest; 0 = up to the distinct pages */
    uint64_t seed;        /* hash seed for sampling */
} vmm_mrc_cfg_t;

typedef struct vmm_mrc_ops {
    const char *name;     /* "exact" */
    const char *summary;
    size_t state_size;
    /* 0, VMM_EINVAL (bad cfg, message in err) or VMM_ENOMEM. */
    int (*init)(void *st, const vmm_mrc_cfg_t *cfg, vmm_err_t *err);
    void (*fini)(void *st);
    /* One page reference. 0 or VMM_ENOMEM. */
    int (*access)(void *st, uint64_t key);
    /* Optional (NULL: callers loop over access): the references keys[0..n)
     * in order, as n calls of access would, without an indirect call per
     * key and with room to look ahead (prefetch). 0 or VMM_ENOMEM; after
     * a failure some first part of keys[] has been taken and the builder
     * is still valid (curve, fini), but callers should give up, as
     * vmm_mrc_run does. */
    int (*access_many)(void *st, const uint64_t *keys, size_t n);
    /* Build the curve into *out (the builder allocates; free with
     * vmm_mrc_free). 0 or VMM_ENOMEM. The builder can keep going after. */
    int (*curve)(void *st, vmm_mrc_t *out);
    /* Host bytes the builder holds now. */
    size_t (*mem_bytes)(const void *st);
} vmm_mrc_ops;

VMM_API const vmm_mrc_ops *vmm_mrc_find(const char *name);
VMM_API const vmm_mrc_ops *const *vmm_mrc_all(void);

/* An instance: ops plus state, like vmm_policy_t. */
typedef struct vmm_mrc_builder {
    const vmm_mrc_ops *ops;
    void *st;
} vmm_mrc_builder_t;

VMM_API int vmm_mrc_builder_init(vmm_mrc_builder_t *b, const vmm_mrc_ops *ops,
                                 const vmm_mrc_cfg_t *cfg, vmm_err_t *err);
VMM_API void vmm_mrc_builder_fini(vmm_mrc_builder_t *b);

/* --- curves ------------------------------------------------------------ */

/* Allocate a curve of n points (zeroed). 0 or VMM_ENOMEM. */
VMM_API int vmm_mrc_alloc(vmm_mrc_t *c, uint32_t n);
VMM_API void vmm_mrc_free(vmm_mrc_t *c);
/* Misses at `frames` frames, interpolating linearly between points (and
 * flat beyond the last: only cold misses remain). */
VMM_API double vmm_mrc_misses_at(const vmm_mrc_t *c, double frames);
/* Miss ratio at `frames`: misses / refs. */
VMM_API double vmm_mrc_ratio_at(const vmm_mrc_t *c, double frames);
/* Mean absolute error of the miss ratio of `c` against `ref` over every
 * point of `ref` (the measure SHARDS reports). */
VMM_API double vmm_mrc_mae(const vmm_mrc_t *c, const vmm_mrc_t *ref);
/* Smallest size whose miss ratio is <= target (the working-set size at that
 * target); UINT32_MAX if none. */
VMM_API uint32_t vmm_mrc_size_for_ratio(const vmm_mrc_t *c, double target);
/* The knee: the size where the curve bends most (largest distance below
 * the chord from the first to the last point, on normalised axes). */
VMM_API uint32_t vmm_mrc_knee(const vmm_mrc_t *c);

/* --- feeding a whole trace ----------------------------------------------- */

struct vmm_source_spec;   /* vmmsim.h */

/* One builder per address space, made alike (`ops`, `cfg`) as address
 * spaces appear in the trace, in order of first reference. Zero it, set ops
 * and cfg, pass it to vmm_mrc_run, then read b[i] (for the trace's address
 * space asid[i]); vmm_mrc_split_fini frees the builders. */
typedef struct vmm_mrc_split {
    const vmm_mrc_ops *ops;
    vmm_mrc_cfg_t cfg;
    vmm_mrc_builder_t *b;   /* n builders */
    uint32_t *asid;         /* n address-space ids, as in the trace */
    uint32_t n;
    size_t cap_b, cap_asid;
} vmm_mrc_split_t;

VMM_API void vmm_mrc_split_fini(vmm_mrc_split_t *s);

/* Feed every page reference of `src` to the `n` builders (the whole
 * trace), and, when `split` is not NULL, to the builder of its address
 * space too; the source is read once. Page keys are (address space, page
 * number) as in the engine, with pages of `page_size` bytes. *refs_out (may
 * be NULL) gets the number of page references. 0 or a negative code with
 * err naming the file and line. */
VMM_API int vmm_mrc_run(const struct vmm_source_spec *src, uint32_t page_size,
                        vmm_mrc_builder_t *b, size_t n, vmm_mrc_split_t *split,
                        uint64_t *refs_out, vmm_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
