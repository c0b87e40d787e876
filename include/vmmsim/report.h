/* Reports: a readable summary, JSON (versioned schema, docs/json-schema.md)
 * and CSV, from a vmm_stats_t. Output files are written whole or not at
 * all: vmm_outfile_open() writes to a temporary file that
 * vmm_outfile_close() renames into place (trace writers, trace.h, do the
 * same through the same code). */
#ifndef VMMSIM_REPORT_H
#define VMMSIM_REPORT_H

#include <stdio.h>
#include "vmmsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a run read (vmm_run_info_t, declared in vmmsim.h). */
struct vmm_run_info {
    const char *trace;      /* trace path or generator spec */
    const char *format;     /* trace format name */
    uint64_t records;       /* trace records read */
    double wall_seconds;    /* host time spent; < 0 leaves it out (deterministic output) */
};

/* The counters of VMM_COUNTERS as a Markdown table (docs/json-schema.md
 * carries it; a test checks it is current). 0 or VMM_EIO. */
VMM_API int vmm_counters_markdown(FILE *f);

/* Derived figures. */
VMM_API double vmm_amt_ns(const vmm_counters_t *c);        /* average time per reference */
VMM_API double vmm_fault_rate(const vmm_counters_t *c);    /* faults / references */
VMM_API double vmm_tlb_hit_rate(const vmm_counters_t *c);

/* Write the report to `f`. Return 0 or VMM_EIO / VMM_ENOMEM. */
VMM_API int vmm_report_text(FILE *f, const vmm_stats_t *st, const vmm_config_t *cfg,
                            const vmm_run_info_t *info);
VMM_API int vmm_report_json(FILE *f, const vmm_stats_t *st, const vmm_config_t *cfg,
                            const vmm_run_info_t *info);
/* CSV: a header line, one row per address space, then a "total" row. */
VMM_API int vmm_report_csv(FILE *f, const vmm_stats_t *st);

typedef struct vmm_outfile {
    FILE *f;           /* write the output here */
    int is_stdout;
    int in_place;      /* not a regular file (a device, a FIFO): written directly */
    struct vmm_dest *dest;   /* private */
} vmm_outfile_t;

/* Open `path` for writing ("-" is stdout). A regular file (or a symbolic
 * link to one, which is followed: the link stays) is written to a
 * temporary file renamed over it on close; a device, a FIFO or a path
 * under /dev/ or /proc/ is written in place. Returns 0, or VMM_ENOENT (no
 * such directory), VMM_EINVAL (a directory), VMM_EIO or VMM_ENOMEM, with
 * err saying why. */
VMM_API int vmm_outfile_open(vmm_outfile_t *o, const char *path, vmm_err_t *err);
/* Finish: with `commit`, flush and rename into place (0 or VMM_EIO);
 * without, remove the temporary file. Safe on a closed outfile. */
VMM_API int vmm_outfile_close(vmm_outfile_t *o, int commit, vmm_err_t *err);

/* Check, before any work, that an output file could be created at `path`
 * ("-" always can): its directory exists and is writable and it is not a
 * directory. Creates nothing. Returns 0, or VMM_ENOENT or VMM_EINVAL with
 * err saying why. */
VMM_API int vmm_output_check(const char *path, vmm_err_t *err);

/* Remove every temporary output file this process has open (report files
 * and trace writers alike). Async-signal-safe: call it from a SIGINT or
 * SIGTERM handler, then re-raise the signal; the outputs stay as they were
 * before the run. */
VMM_API void vmm_output_cleanup(void);

#ifdef __cplusplus
}
#endif

#endif
