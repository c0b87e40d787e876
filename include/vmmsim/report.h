/* Reports: a readable summary, JSON (versioned schema, docs/json-schema.md)
 * and CSV, from a vmm_stats_t. Output files are written whole or not at
 * all: vmm_outfile_open() writes to a temporary file that
 * vmm_outfile_close() renames into place. */
#ifndef VMMSIM_REPORT_H
#define VMMSIM_REPORT_H

#include <stdio.h>
#include "vmmsim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vmm_run_info {
    const char *trace;      /* trace path or generator spec */
    const char *format;     /* trace format name */
    uint64_t records;       /* trace records read */
    double wall_seconds;    /* host time spent; < 0 leaves it out (deterministic output) */
} vmm_run_info_t;

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
    FILE *f;
    char path[4096], tmp[4096];
    int is_stdout;
    int in_place;      /* not a regular file (a device, a FIFO): written directly */
} vmm_outfile_t;

/* Open `path` for writing ("-" is stdout). Returns 0 or VMM_EIO (err says
 * why). */
VMM_API int vmm_outfile_open(vmm_outfile_t *o, const char *path, vmm_err_t *err);
/* Finish: with `commit`, flush and rename into place (0 or VMM_EIO);
 * without, remove the temporary file. */
VMM_API int vmm_outfile_close(vmm_outfile_t *o, int commit, vmm_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
