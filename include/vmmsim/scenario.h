/* Scenarios: a host and its VMs, read from an INI file.
 *
 * A scenario file is laid out like a fio job file: one [host] section and
 * one [vm NAME] section per VM. Every key lives in one registry table
 * (src/scenario/keys.c) that both parses the file and generates the
 * reference table of docs/scenario.md; vmm_scenario_keys() exposes it.
 * Loading fills every default, checks every value, then checks the
 * scenario as a whole (reservation <= limit <= memory, placement nodes and
 * affinity within the host, ...). Each error names file:line and what was
 * expected. The result is a plain struct the engine consumes; nothing here
 * opens a trace or starts a simulation.
 *
 *   vmm_scenario_t *sc;
 *   vmm_err_t err;
 *   if (vmm_scenario_load_file("mix.ini", &sc, &err) == 0) {
 *       vmm_scenario_set(sc, "host.balancer=mrc", &err);
 *       ... sc->host.memory, sc->vms[i].policy ...
 *       vmm_scenario_destroy(sc);
 *   }
 */
#ifndef VMMSIM_SCENARIO_H
#define VMMSIM_SCENARIO_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VMM_SCN_MAX_NODES 64    /* NUMA nodes */
#define VMM_SCN_MAX_PCPUS 256   /* physical CPUs (affinity is a bit mask) */
#define VMM_SCN_MAX_TLB 4       /* TLB levels */

enum { VMM_NESTED_EPT = 0, VMM_NESTED_SHADOW = 1 };            /* host.nested */
enum { VMM_SWAP_NONE = 0, VMM_SWAP_SSD = 1, VMM_SWAP_DISK = 2 }; /* host.swap */
/* host.scheduler and host.balancer are indices into their registries
 * (vmm_sched_all(), vmm_balance_all()); these name the built-in ones. */
enum { VMM_SCHED_RR = 0, VMM_SCHED_CREDIT = 1 };               /* host.scheduler */
enum { VMM_BAL_STATIC = 0, VMM_BAL_SHARES = 1, VMM_BAL_MRC = 2 }; /* host.balancer */
enum { VMM_GOAL_MIN_WEIGHTED_MISSES = 0, VMM_GOAL_EQUAL_MISS_RATIO = 1 }; /* host.goal */
enum { VMM_RECLAIM_BALLOON = 0, VMM_RECLAIM_SWAP = 1 };       /* host.reclaim */
enum { VMM_MIGRATE_OFF = 0, VMM_MIGRATE_PAGES = 1, VMM_MIGRATE_VCPUS = 2 }; /* host.numa_migrate */
enum { VMM_NUMA_FIRST_TOUCH = 0, VMM_NUMA_INTERLEAVE = 1, VMM_NUMA_PREFERRED = 2 }; /* vm.numa */
enum { VMM_SRC_TRACE = 0, VMM_SRC_GENERATE = 1 };              /* vmm_scn_source_t.kind */

/* One TLB level. */
typedef struct vmm_scn_tlb {
    uint32_t entries;          /* entries in this level */
    uint32_t ways;             /* associativity; 0 = fully associative */
} vmm_scn_tlb_t;

typedef struct vmm_host_spec {
    uint64_t line;             /* line of the [host] header; 0 when there is none */
    uint64_t memory;           /* machine memory, bytes */
    uint32_t page_size;        /* bytes, a power of two >= 512 */
    uint32_t numa_nodes;       /* >= 1 */
    double numa_local_ns[VMM_SCN_MAX_NODES];  /* per node: DRAM access from a local CPU */
    double numa_remote_ns[VMM_SCN_MAX_NODES]; /* per node: DRAM access from another node */
    uint32_t pcpus;            /* physical CPUs */
    uint32_t tlb_levels;       /* entries used in tlb[] (0: no TLB) */
    vmm_scn_tlb_t tlb[VMM_SCN_MAX_TLB];
    const char *guest_pt;      /* guest page-table kind (mmu registry name; static) */
    const char *nested_pt;     /* nested (EPT/NPT) table kind (mmu registry name; static) */
    int nested;                /* VMM_NESTED_EPT or _SHADOW */
    uint32_t pwc_entries;      /* page-walk cache entries per level; 0 = none */
    double shadow_sync_ns;     /* shadow mode: trapping a guest page-table update */
    double tlb_ns;             /* TLB lookup */
    double minor_fault_ns;     /* first touch: allocate and zero a frame */
    uint64_t compressed;       /* compressed-memory tier capacity, bytes; 0 = no tier */
    double compressed_ns;      /* fault from the compressed tier */
    int reclaim;               /* VMM_RECLAIM_*: who picks the pages a shrinking VM loses */
    int swap;                  /* VMM_SWAP_*: the swap device */
    uint64_t ssd_capacity;     /* bytes; 0 = unlimited */
    double ssd_ns;             /* fault from SSD swap */
    uint64_t disk_capacity;    /* bytes; 0 = unlimited */
    double disk_ns;            /* fault from disk swap */
    int scheduler;             /* VMM_SCHED_* */
    double slice_ns;           /* time slice (round-robin quantum, credit slice) */
    double tick_ns;            /* credit accounting tick */
    int balancer;              /* VMM_BAL_* */
    double period_ns;          /* balancer period, simulated time */
    int goal;                  /* VMM_GOAL_* (MRC balancer) */
    uint64_t step;             /* bytes the balancer moves at a time */
    uint64_t max_move;         /* bytes that may change owner per period; 0 = no cap */
    double tau;                /* idle memory tax rate, 0 <= tau < 1 */
    uint32_t active_sample;    /* pages sampled per period for the active fraction */
    uint32_t mrc_pages;        /* patent MRC sampler: pages sampled per VM (S) */
    double mrc_period_ns;      /* patent MRC sampler: sampling period */
    int mrc_mode;              /* VMM_SAMPLER_FAULT or _SCAN (vmmsim.h) */
    double trace_fault_ns;     /* a sampler's trap into the VMM */
    double retrace_ns;         /* re-installing a trace: unmap + TLB shootdown */
    double scan_page_ns;       /* scan mode: one accessed bit read and cleared */
    double swap_out_ns;        /* writing a page to the swap device (0: asynchronous) */
    char *stages;              /* stages added to every VM: "name[:k=v];..." or NULL; owned */
    int numa_migrate;          /* VMM_MIGRATE_*: what moves when memory is remote */
    uint64_t seed;             /* every random choice of the run */
} vmm_host_spec_t;

/* A reference source of a VM: a trace file or a generator spec. */
typedef struct vmm_scn_source {
    int kind;                  /* VMM_SRC_TRACE or VMM_SRC_GENERATE */
    char *text;                /* path (resolved against the file's folder) or spec; owned */
    uint64_t line;             /* where it was given (0: an override) */
} vmm_scn_source_t;

typedef struct vmm_vm_spec {
    char *name;                /* from [vm NAME]; owned */
    uint64_t line;             /* line of the section header */
    vmm_scn_source_t *sources; /* nsources >= 1, in file order; owned */
    uint32_t nsources;
    const char *format;        /* trace format name, or "auto" (static) */
    uint32_t vcpus;
    uint64_t memory;           /* guest-physical memory, bytes */
    uint64_t shares;           /* as given; 0 = ESX "normal" (see eff_shares) */
    uint64_t reservation;      /* bytes guaranteed */
    uint64_t limit;            /* as given, bytes; 0 = no limit below memory */
    uint32_t priority;         /* higher is more important */
    const char *policy;        /* replacement policy (registry name; static) */
    char *policy_params;       /* "k=v,..." or NULL; owned */
    const char *mrc;           /* "none", "patent" or an MRC builder name (static) */
    int numa;                  /* VMM_NUMA_* */
    uint32_t numa_node;        /* the node of VMM_NUMA_PREFERRED */
    uint64_t affinity[VMM_SCN_MAX_PCPUS / 64]; /* pCPUs the vCPUs may run on */
    uint32_t weight;           /* credit scheduler weight, 1..65535 */
    uint32_t cap;              /* credit cap, % of one pCPU; 0 = none */
    double target_miss_ratio;  /* for the recommended memory size */
    /* Filled by validation from the values above: */
    uint64_t eff_shares;       /* shares, or 10 per MiB of memory when 0 */
    uint64_t eff_limit;        /* limit, or memory when 0 */
} vmm_vm_spec_t;

typedef struct vmm_scenario {
    char *file;                /* file name used in messages; owned */
    vmm_host_spec_t host;
    vmm_vm_spec_t *vms;        /* nvms >= 1, in file order; owned */
    uint32_t nvms;
} vmm_scenario_t;

/* --- the key registry ---------------------------------------------------- */

enum { VMM_SCN_HOST = 0, VMM_SCN_VM = 1 };   /* sections */

/* How a key's value is written and checked. */
enum {
    VMM_KEY_SIZE,        /* bytes with K/M/G/T (powers of 1024) */
    VMM_KEY_TIME,        /* ns/us/ms/s */
    VMM_KEY_COUNT,       /* plain whole number */
    VMM_KEY_REAL,        /* decimal number */
    VMM_KEY_CHOICE,      /* one word of a fixed list */
    VMM_KEY_NAME,        /* a name from a library registry (policy, page table...) */
    VMM_KEY_STRING,      /* free text */
    VMM_KEY_TLB,         /* "entries:ways, entries:ways" */
    VMM_KEY_TIMES,       /* a time, or one per NUMA node, comma-separated */
    VMM_KEY_CPUS,        /* pCPU list "0-3,6" or "all" */
    VMM_KEY_PLACEMENT,   /* first-touch | interleave | preferred:N */
    VMM_KEY_SOURCE,      /* a trace path or generator spec; repeatable */
};

/* One key. `def` is the default written as in a file (it is parsed by the
 * same code, so the table cannot disagree with the loader); NULL when there
 * is none. `choices` (or `names`) lists the accepted words of CHOICE and
 * NAME keys. */
typedef struct vmm_scn_key {
    const char *name;          /* "memory" */
    const char *alias;         /* another accepted name, or NULL */
    int section;               /* VMM_SCN_HOST or VMM_SCN_VM */
    int type;                  /* VMM_KEY_* */
    const char *def;           /* default as text, or NULL */
    const char *unit;          /* "bytes", "ns", "%"... or "" */
    const char *choices;       /* "ept|shadow", or NULL (see names) */
    /* CHOICE and NAME keys whose words are a library registry's names (a
     * CHOICE key's value is then the registry index): writes them "a|b|c"
     * into buf; NULL when `choices` is fixed. */
    void (*names)(char *buf, size_t len);
    double min, max;           /* bounds of numeric values (after units) */
    size_t off;                /* offset of the field in its spec struct */
    size_t size;               /* bytes of that field (4 or 8 for integers) */
    const char *(*lookup)(const char *name); /* NAME keys: canonical static name, or NULL */
    const char *doc;           /* one line */
    const char *source;        /* where the default comes from, or NULL */
} vmm_scn_key_t;

/* The registry, terminated by an entry with name NULL; `*n` (when not
 * NULL) receives the number of keys. Static; never fails. */
VMM_API const vmm_scn_key_t *vmm_scenario_keys(size_t *n);

/* Write the registry as the Markdown table docs/scenario.md shows, one
 * row per key (section, key, type, default, unit, meaning and source).
 * Returns 0, or VMM_EIO if writing to `f` failed. */
VMM_API int vmm_scenario_keys_markdown(FILE *f);

/* --- loading -------------------------------------------------------------- */

/* Read and check the scenario file `path`. On success returns 0 and *out
 * owns a new scenario (free it with vmm_scenario_destroy()). On failure
 * *out is NULL and the return is VMM_ENOENT or VMM_EIO (the file cannot be
 * read), VMM_EFORMAT (syntax, unknown section or key, bad value; err names
 * file:line and what was expected), VMM_EINVAL (the values disagree, e.g.
 * reservation > limit; err names the line of the key or VM) or VMM_ENOMEM.
 * Relative trace paths are taken relative to the folder of `path`. */
VMM_API int vmm_scenario_load_file(const char *path, vmm_scenario_t **out, vmm_err_t *err);

/* As vmm_scenario_load_file(), from the NUL-terminated `text`; `name` is
 * the file name errors show (NULL: "<string>"). Trace paths are kept as
 * written. The text is not kept. */
VMM_API int vmm_scenario_load_string(const char *text, const char *name,
                                     vmm_scenario_t **out, vmm_err_t *err);

/* Apply one override "host.KEY=VALUE" or "vm.NAME.KEY=VALUE" (the CLI's
 * --set), checked like a line of the file and then with the whole
 * scenario. A source key (trace, generate) replaces the VM's sources.
 * Returns 0, VMM_EFORMAT (malformed, unknown key or bad value), VMM_ENOENT
 * (no such VM), VMM_EINVAL (the scenario no longer holds together) or
 * VMM_ENOMEM; err.file is "--set " followed by the override. On failure the
 * scenario is left as it was. */
VMM_API int vmm_scenario_set(vmm_scenario_t *sc, const char *override, vmm_err_t *err);

/* The VM named `name`, or NULL. */
VMM_API vmm_vm_spec_t *vmm_scenario_vm(const vmm_scenario_t *sc, const char *name);

/* Free the scenario and everything it owns. NULL is a no-op. */
VMM_API void vmm_scenario_destroy(vmm_scenario_t *sc);

/* The embedded demo: three VMs with different working sets on an
 * overcommitted host, as INI text. Static; load it with
 * vmm_scenario_load_string(vmm_scenario_demo_text(), "demo", ...). */
VMM_API const char *vmm_scenario_demo_text(void);

#ifdef __cplusplus
}
#endif

#endif
