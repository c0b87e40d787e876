/* libvmmsim: a trace-driven simulator of (hypervisor) memory management.
 *
 * The top-level API follows the roadmap seed's sketch: vmm_create() builds a
 * simulated machine from a vmm_config_t, vmm_access() feeds it references,
 * vmm_get_stats() reads the counters, vmm_destroy() frees it. Every module
 * has its own header; this one includes them all.
 *
 *   vmm_config_t cfg;
 *   vmm_config_default(&cfg);
 *   cfg.frames = 1024; cfg.policy = "lru";
 *   vmm_t *m;
 *   if (vmm_create(&cfg, &m, &err) == 0) {
 *       vmm_access(m, refs, n, &err);
 *       vmm_stats_t st; vmm_get_stats(m, &st);
 *       vmm_destroy(m);
 *   }
 */
#ifndef VMMSIM_H
#define VMMSIM_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include "error.h"
#include "trace.h"
#include "policy.h"
#include "mmu.h"
#include "gen.h"
#include "sched.h"
#include "scenario.h"
#include "balance.h"
#include "mrc.h"
#include "stage.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VMM_VERSION "0.1.0"
#define VMM_JSON_SCHEMA 1

/* Latency model: simulated time charged per page reference. Defaults and
 * their sources are in docs/latency.md. */
typedef struct vmm_latency {
    double tlb_ns;          /* TLB lookup, every reference */
    double mem_ns;          /* one memory reference: the access itself and each walk reference */
    double minor_fault_ns;  /* first touch: allocate and zero a frame */
    double major_fault_ns;  /* page-in from swap */
    double swap_out_ns;     /* writing an evicted dirty page to swap (0: asynchronous) */
    /* MRC sampler (US 9,223,722; docs/mrc-patent.md), charged only when it is on: */
    double trace_fault_ns;  /* a traced page's access faults into the VMM: VM exit + handler */
    double retrace_ns;      /* re-installing a trace: unmap the page + invalidate its TLB entry */
    double scan_page_ns;    /* scan mode: reading and clearing one sampled page's accessed bit */
} vmm_latency_t;

/* The patent's online MRC sampler (US 9,223,722), per address space: S pages
 * selected by hash are traced (unmapped) so their accesses fault into the
 * VMM, which keeps them in a chunked LRU list and counts stack distances;
 * after a fault a page stays untraced for one sampling period. Mode "scan"
 * instead reads the sampled pages' accessed bits once per period. Off by
 * default; when off it costs nothing. See docs/mrc-patent.md. */
enum { VMM_SAMPLER_OFF = 0, VMM_SAMPLER_FAULT = 1, VMM_SAMPLER_SCAN = 2 };

typedef struct vmm_sampler_cfg {
    int mode;               /* VMM_SAMPLER_OFF (default), _FAULT or _SCAN */
    uint32_t pages;         /* S: sampled pages per address space; 0 = off; default 1024 */
    uint32_t chunks;        /* C: groups of the LRU list; 0 (default) = round(sqrt(S)) */
    double period_ns;       /* sampling period in simulated ns; default 100 ms; 0 = re-trace at once */
} vmm_sampler_cfg_t;

typedef struct vmm_config {
    uint32_t page_size;      /* bytes, a power of two >= 512; default 4096 */
    uint32_t frames;         /* machine frames; default 16384 (64 MiB of 4 KiB pages) */
    uint64_t swap_pages;     /* swap capacity in pages; 0 = unlimited */
    uint64_t va_limit;       /* highest virtual address + 1 allowed; 0 = no limit */
    unsigned va_bits;        /* virtual address width; 0 (default) = the page table's own (48 for radix4) */
    const char *policy;      /* replacement policy name; default "clock" */
    const char *policy_params; /* "k=v,..." or NULL */
    const vmm_policy_ops *policy_ops; /* a policy of the caller's own, used instead of
                                 looking `policy` up; NULL (default) = look it up */
    const char *stages;      /* stages to add: "name[:k=v,...];..." (stage.h); NULL = none */
    const char *pt_type;     /* page-table kind; default "radix4" */
    vmm_tlb_cfg_t tlb;       /* default 64 entries, 4 ways, LRU, tagged */
    vmm_latency_t lat;
    vmm_sampler_cfg_t sampler; /* online MRC sampler (US 9,223,722); off by default */
    uint64_t seed;           /* for randomised policies and the sampler's hash; default 1 */
} vmm_config_t;

/* Tiers below DRAM. The hypervisor's, in the order a reclaimed page tries
 * them (compressed memory, then its swap device: SSD or disk), and the
 * single machine's swap device. */
enum { VMM_TIER_COMPRESSED = 0, VMM_TIER_SSD = 1, VMM_TIER_DISK = 2, VMM_TIER_SWAP = 3,
       VMM_TIERS = 4 };

/* Counters of one address space (and their sums per VM and in total),
 * declared once: X(type, name, n, flags, text) with n = 1 for a scalar and
 * VMM_TIERS for one per tier, flags VMM_CTR_NATIVE for those the native
 * report (vmmsim sim's JSON and CSV) lists by name. The struct, the sums
 * (vmm_counters_add), the reports' fields and their docs
 * (vmm_counters_markdown) come from this list. */
#define VMM_CTR_NATIVE 1
#define VMM_COUNTERS(X) \
    X(uint64_t, refs, 1, 0, "page references") \
    X(uint64_t, faults, 1, 0, "references to a page not in DRAM") \
    X(uint64_t, reads, 1, VMM_CTR_NATIVE, "page references that read data") \
    X(uint64_t, writes, 1, VMM_CTR_NATIVE, "page references that write (lackey S and M)") \
    X(uint64_t, ifetches, 1, VMM_CTR_NATIVE, "page references that fetch instructions") \
    X(uint64_t, minor_faults, 1, VMM_CTR_NATIVE, "faults on a first touch (a frame allocated and zeroed)") \
    X(uint64_t, major_faults, 1, VMM_CTR_NATIVE, "faults whose contents come back from a tier") \
    X(uint64_t, evictions, 1, VMM_CTR_NATIVE, "pages taken out of DRAM, any reason") \
    X(uint64_t, dirty_writebacks, 1, VMM_CTR_NATIVE, "evicted (or cleaned) dirty pages written out") \
    X(uint64_t, swap_ins, 1, VMM_CTR_NATIVE, "pages read back from a swap device") \
    X(uint64_t, swap_outs, 1, VMM_CTR_NATIVE, "pages written to a swap device") \
    X(uint64_t, tlb_hits, 1, VMM_CTR_NATIVE, "translations found in a TLB level") \
    X(uint64_t, tlb_misses, 1, VMM_CTR_NATIVE, "translations that walked") \
    X(uint64_t, walk_refs, 1, VMM_CTR_NATIVE, "memory references of page walks, every dimension") \
    X(uint64_t, pages_touched, 1, VMM_CTR_NATIVE, "distinct pages referenced") \
    X(uint64_t, local_refs, 1, 0, "NUMA: DRAM references to the CPU's node") \
    X(uint64_t, remote_refs, 1, 0, "NUMA: DRAM references to another node") \
    X(double, time_ns, 1, 0, "simulated time of the references") \
    X(uint64_t, major_by_tier, VMM_TIERS, 0, "major faults served by each tier") \
    X(uint64_t, ballooned, 1, 0, "evictions: pages given up by the guest to the balloon") \
    X(uint64_t, host_swapped, 1, 0, "evictions: pages picked by the host (reclaim = swap)") \
    X(uint64_t, to_tier, VMM_TIERS, 0, "pages whose contents were stored in each tier") \
    X(uint64_t, demoted, 1, 0, "compressed pages pushed down to the swap device") \
    X(uint64_t, guest_walk_refs, 1, 0, "walk references: guest page-table entries read") \
    X(uint64_t, nested_walk_refs, 1, 0, "walk references: nested-table entries read") \
    X(uint64_t, pwc_hits, 1, 0, "walks shortened by a page-walk cache") \
    X(uint64_t, shadow_syncs, 1, 0, "shadow paging: guest page-table updates trapped") \
    X(uint64_t, page_migrations, 1, 0, "NUMA: pages moved to the node using them") \
    X(uint64_t, trace_faults, 1, 0, "MRC sampler: detected accesses that faulted into the VMM") \
    X(uint64_t, trace_installs, 1, 0, "MRC sampler: traces re-installed at a period end") \
    X(uint64_t, sampler_tlb_invalidations, 1, 0, "MRC sampler: TLB entries it invalidated") \
    X(uint64_t, scanned_pages, 1, 0, "MRC sampler, scan mode: accessed bits read") \
    X(uint64_t, scan_hits, 1, 0, "MRC sampler, scan mode: accessed bits found set") \
    X(uint64_t, fault_detections, 1, 0, "MRC sampler: sampled pages seen through their major fault") \
    X(uint64_t, active_faults, 1, 0, "ESX active-page sampling faults") \
    X(double, fault_ns, 1, 0, "simulated time in faults") \
    X(double, sampler_ns, 1, 0, "simulated time the samplers cost")

/* n = 1 declares a scalar, n = VMM_TIERS an array */
#define VMM_COUNTER_DIM_(n) VMM_COUNTER_DIM_I_(n)
#define VMM_COUNTER_DIM_I_(n) VMM_COUNTER_DIM_##n
#define VMM_COUNTER_DIM_1
#define VMM_COUNTER_DIM_VMM_TIERS [VMM_TIERS]
#define VMM_COUNTER_DECL_(type, name, n, flags, text) type name VMM_COUNTER_DIM_(n);
typedef struct vmm_counters {
    VMM_COUNTERS(VMM_COUNTER_DECL_)
} vmm_counters_t;

/* t += c, field by field. */
VMM_API void vmm_counters_add(vmm_counters_t *t, const vmm_counters_t *c);

typedef struct vmm_as_stats {
    uint32_t asid;            /* as in the trace (pid) */
    vmm_counters_t c;
    uint64_t pt_bytes;        /* simulated page-table memory */
    uint64_t resident;        /* pages resident at the end */
    uint32_t sampled_pages;   /* MRC sampler: pages in the sample now */
    double sample_rate;       /* MRC sampler: its rate R (0 when off) */
} vmm_as_stats_t;

typedef struct vmm_stats {
    vmm_counters_t total;
    uint64_t pt_bytes;
    uint32_t nas;              /* address spaces, in order of first reference */
    const vmm_as_stats_t *as;  /* owned by the simulator; valid until the next access */
    uint32_t frames_used;
    uint64_t tlb_flushes;
} vmm_stats_t;

typedef struct vmm vmm_t;

/* Fill `cfg` with the defaults documented in docs/latency.md and README. */
VMM_API void vmm_config_default(vmm_config_t *cfg);

/* Build a simulator. On success *out owns it (free with vmm_destroy()); on
 * failure returns VMM_EINVAL (err says which setting and why), VMM_ENOENT
 * (unknown policy or page-table kind) or VMM_ENOMEM, and *out is NULL. */
VMM_API int vmm_create(const vmm_config_t *cfg, vmm_t **out, vmm_err_t *err);

/* Free the simulator. NULL is a no-op. */
VMM_API void vmm_destroy(vmm_t *m);

/* Policies that need the future (OPT) are fed the whole reference stream
 * once with vmm_prepass() before any vmm_access(), then vmm_prepass_end().
 * Memory for that grows with the trace length (4 bytes per page
 * reference): OPT is an offline yardstick. */
VMM_API int vmm_needs_prepass(const vmm_t *m);
VMM_API int vmm_prepass(vmm_t *m, const vmm_ref_t *refs, size_t n, vmm_err_t *err);
VMM_API int vmm_prepass_end(vmm_t *m, vmm_err_t *err);

/* Simulate `n` references in order. Returns 0, or a negative code with err
 * saying which reference (counted from 1 over the run) and why: VMM_ERANGE
 * (address beyond the virtual space), VMM_ENOMEM, VMM_EIO (swap full). */
VMM_API int vmm_access(vmm_t *m, const vmm_ref_t *refs, size_t n, vmm_err_t *err);

/* Snapshot the counters into *st. Returns 0, or VMM_ENOMEM when the
 * per-address-space array could not grow (st->total is still right,
 * st->nas is then 0). */
VMM_API int vmm_get_stats(vmm_t *m, vmm_stats_t *st);

/* The MRC of address space `as` (its index in vmm_stats_t.as, i.e. in order
 * of first reference), or with as == UINT32_MAX of the whole machine (one
 * LRU list over every address space), from the online sampler. misses[] are
 * estimates scaled to every reference, cold misses included. *out is
 * allocated by the library; free it with vmm_mrc_free(). Returns 0,
 * VMM_EINVAL (the sampler is off, or no such address space) or
 * VMM_ENOMEM; *out is then left empty. The sampler keeps running after. */
VMM_API int vmm_get_mrc(vmm_t *m, uint32_t as, vmm_mrc_t *out);

/* The counters stage `name` of this simulator reports (its ops' stats
 * hook): up to `max` into out[]; returns how many it has, or -1 when the
 * simulator has no such stage. Names point into the stage (valid while
 * the simulator lives). */
VMM_API long vmm_get_stage_stats(vmm_t *m, const char *name, vmm_stage_stat_t *out, size_t max);

/* The configuration in use (policy, frames...). */
VMM_API const vmm_config_t *vmm_get_config(const vmm_t *m);

/* Number of page references a record makes under this page size (an access
 * spanning k pages makes k references, in address order). */
static inline uint64_t vmm_ref_pages(const vmm_ref_t *r, unsigned page_shift)
{
    uint64_t end = r->addr + (r->size ? r->size - 1 : 0);
    if (end < r->addr)
        end = UINT64_MAX;
    return (end >> page_shift) - (r->addr >> page_shift) + 1;
}

/* --- running a whole trace -------------------------------------------- */

/* Where references come from: a trace file (or "-") or a generator spec. */
typedef struct vmm_source_spec {
    const char *trace;          /* path, "-" for stdin; or NULL */
    const char *gen;            /* generator spec when trace is NULL */
    vmm_trace_opts_t topts;     /* format, data-only... */
    uint64_t limit;             /* stop after this many records; 0 = all */
    /* Called about every 2^20 records with the count so far; may be NULL. */
    void (*progress)(void *arg, uint64_t records);
    void *progress_arg;
} vmm_source_spec_t;

/* A reference source opened from a spec: a trace or a generator behind one
 * read call. vmm_source_open returns 0 or a VMM_E* code (err filled);
 * vmm_source_read returns a count, 0 at the end, or a negative code;
 * vmm_source_close(NULL-opened or closed source) is a no-op. */
typedef struct vmm_source {
    vmm_trace_t *trace;
    vmm_gen_t *gen;
} vmm_source_t;

VMM_API int vmm_source_open(vmm_source_t *s, const vmm_source_spec_t *spec, vmm_err_t *err);
VMM_API long vmm_source_read(vmm_source_t *s, vmm_ref_t *buf, size_t n, vmm_err_t *err);
VMM_API const char *vmm_source_format(const vmm_source_t *s);
/* Page size recorded by the source (a binary trace's header), or 0. */
VMM_API uint32_t vmm_source_page_size(const vmm_source_t *s);
VMM_API void vmm_source_close(vmm_source_t *s);

/* What a run read, for reports. */
typedef struct vmm_run_info vmm_run_info_t;

/* Feed every reference of `src` to `m`, doing the prepass first when the
 * policy needs one (reading the source twice; stdin cannot be read twice,
 * so that is VMM_EUNSUP). Fills *info (trace, format, records; wall time
 * left at -1). Returns 0 or a negative code with err naming the file, line
 * or reference. */
VMM_API int vmm_run(vmm_t *m, const vmm_source_spec_t *src, vmm_run_info_t *info,
                    vmm_err_t *err);

#ifdef __cplusplus
}
#endif

#include "report.h"
#include "host.h"

#endif
