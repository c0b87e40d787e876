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
 * seen, or when mini adds sizes) and produces a vmm_mrc_t on demand. A
 * sampled curve says how far it can be trusted: before sizing memory from
 * a curve, ask vmm_mrc_trusted_at() (docs/mrc.md, "How far a curve can be
 * trusted"). */
#ifndef VMMSIM_MRC_H
#define VMMSIM_MRC_H

#include <stdint.h>
#include <stddef.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A curve: misses[i] is the number of misses (cold misses included) with
 * frames[i] frames, for ascending frames[]. Every point is computed by the
 * builder, none interpolated. Sampled builders scale their counts back to
 * the whole stream, so misses are real numbers, and say how far the curve
 * can be believed (docs/mrc.md, "How far a curve can be trusted"): a 95%
 * band per point, the sample it came from, and the smallest size it is
 * trusted at. A zeroed curve with only frames and misses set (a
 * hand-made or exact one) reads as exact: no band, trusted everywhere. */
typedef struct vmm_mrc {
    uint64_t refs;        /* references the curve covers */
    double distinct;      /* distinct pages (estimated by sampled builders) */
    uint32_t npoints;
    uint32_t *frames;     /* npoints sizes, ascending, >= 1 */
    double *misses;       /* npoints miss counts */
    double *lo, *hi;      /* npoints: a 95% band on misses[], or NULL when the
                             curve is exact (the band is the point) */
    double rate;          /* spatial sampling rate R at the end; 0 = not said
                             (read as exact), 1 = every page */
    uint64_t sample_pages;  /* distinct pages the builder tracked (or saw) */
    uint64_t sample_refs;   /* references it measured (sampled pages' references seen) */
    uint32_t min_trusted_frames; /* the curve is trusted at this size and above
                                    (0 or 1: everywhere; VMM_MRC_NOWHERE: nowhere) */
    uint32_t flags;       /* VMM_MRC_CUT */
} vmm_mrc_t;

#define VMM_MRC_NOWHERE UINT32_MAX
/* The curve stops short of the footprint (cfg->max_frames below the
 * distinct pages): past its last point the misses are not known. */
#define VMM_MRC_CUT 1u

/* What a curve says at one size (vmm_mrc_read). */
#define VMM_MRC_COMPUTED 1u      /* the size is a point of the curve */
#define VMM_MRC_INTERPOLATED 2u  /* read linearly between two points (or from
                                    0 frames, where every reference misses) */
#define VMM_MRC_BEYOND 4u        /* past the last point: flat, as only cold misses
                                    remain, unless the curve is VMM_MRC_CUT */
#define VMM_MRC_UNTRUSTED 8u     /* vmm_mrc_trusted_at says no */

typedef struct vmm_mrc_reading {
    double misses;        /* the value read (as vmm_mrc_misses_at) */
    double lo, hi;        /* its 95% band (read the same way; = misses when exact) */
    unsigned flags;       /* VMM_MRC_COMPUTED | _INTERPOLATED | _BEYOND, | _UNTRUSTED */
} vmm_mrc_reading_t;

typedef struct vmm_mrc_cfg {
    double rate;          /* shards/mini: sampling rate R in (0, 1]; 0 = default
                             (mini 0.01; shards fixed size, starting at 1) */
    uint64_t max_pages;   /* shards fixed-size mode: at most this many sampled pages;
                             0 = 8192, or fixed rate when a rate is given */
    const char *policy;   /* mini: replacement policy to emulate (default "lru") */
    const char *params;   /* mini: that policy's parameters, or NULL */
    uint32_t step;        /* curve resolution in frames (0 or 1 = every size) */
    uint32_t max_frames;  /* largest size of interest; 0 = up to the distinct pages
                             (mini then adds sizes as pages arrive) */
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

/* Allocate a curve of n points (zeroed, no band). 0 or VMM_ENOMEM. */
VMM_API int vmm_mrc_alloc(vmm_mrc_t *c, uint32_t n);
/* Free every array of the curve (NULL ones included) and zero it. */
VMM_API void vmm_mrc_free(vmm_mrc_t *c);
/* Misses at `frames` frames, interpolating linearly between points (and
 * from 0 frames, where every reference misses, up to the first point), flat
 * beyond the last (only cold misses remain). An empty curve gives refs.
 * Only the points are computed: vmm_mrc_read says how a value was got. */
VMM_API double vmm_mrc_misses_at(const vmm_mrc_t *c, double frames);
/* Miss ratio at `frames`: misses / refs. */
VMM_API double vmm_mrc_ratio_at(const vmm_mrc_t *c, double frames);
/* Read the curve at `frames` into *out: the value, its band and how it was
 * obtained. Returns out->flags. */
VMM_API unsigned vmm_mrc_read(const vmm_mrc_t *c, double frames, vmm_mrc_reading_t *out);
/* Can the curve be trusted at `frames` frames? 1 iff it has points, frames
 * >= c->min_trusted_frames, and frames is not past the last point of a
 * VMM_MRC_CUT curve. A hypervisor should not size memory from a curve
 * where this says 0 (docs/mrc.md). */
VMM_API int vmm_mrc_trusted_at(const vmm_mrc_t *c, double frames);
/* Mean absolute error of the miss ratio of `c` against `ref` over every
 * point of `ref` (the measure SHARDS reports). */
VMM_API double vmm_mrc_mae(const vmm_mrc_t *c, const vmm_mrc_t *ref);
/* The largest absolute error of the miss ratio of `c` against `ref` at
 * the points `c` computed (`ref` read there, so give it every size); *at
 * (may be NULL) gets that point's size (0 when c has no points). */
VMM_API double vmm_mrc_max_error(const vmm_mrc_t *c, const vmm_mrc_t *ref, uint32_t *at);
/* Smallest point of the curve whose miss ratio is <= target (the
 * working-set size at that target); UINT32_MAX if no point gets there.
 * Never interpolated: with sparse points the true size lies between the
 * point before (or 0) and the one returned. */
VMM_API uint32_t vmm_mrc_size_for_ratio(const vmm_mrc_t *c, double target);
/* The knee: the point where the curve bends most (largest distance below
 * the chord from (0 frames, every reference misses) to the last point, on
 * normalised axes); 0 if none. A point of the curve, so with sparse points
 * the true knee lies between it and the point before. */
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
