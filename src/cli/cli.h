/* The vmmsim command: argument parsing only; everything else is the
 * library's. Exit status: 0 success, 1 runtime failure, 2 bad usage or
 * bad input. */
#ifndef VMM_CLI_H
#define VMM_CLI_H

#include <stdio.h>
#include "vmmsim/vmmsim.h"
#include <stdint.h>

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

typedef struct cli_cmd {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv);
} cli_cmd_t;

int cmd_sim(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_mrc(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_policies(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* Print "vmmsim: <msg>" to stderr; returns EXIT_USAGE for use in returns. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report a library error: input errors (format, range, not found, invalid)
 * exit 2, the rest 1. */
int cli_fail(int code, const vmm_err_t *err);

/* Write the output file `path` ("-": stdout) whole or not at all: `fn`
 * fills it (returning 0 or a VMM_E* code). Returns 0, or the exit status
 * after printing why. */
int cli_write_file(const char *path, int (*fn)(FILE *f, const void *arg), const void *arg);

/* An output file option: its name ("--json") and the path given (NULL:
 * not given). */
typedef struct cli_output {
    const char *opt;
    const char *path;
} cli_output_t;

/* Before any work: every output given can be created (its directory exists
 * and is writable, it is not a directory) and at most one is "-" (stdout).
 * 0, or EXIT_USAGE after printing which and why. */
int cli_check_outputs(const char *cmd, const cli_output_t *outs, size_t n);

/* Parse numbers with optional suffixes. `what` names the option for the
 * error message. Return 0 or EXIT_USAGE after printing the error. */
int cli_u64(const char *s, const char *what, uint64_t *out);
int cli_size(const char *s, const char *what, uint64_t *out);     /* K/M/G = 2^10.. */
int cli_u32(const char *s, const char *what, uint32_t *out);      /* a count up to 2^32-1 */
int cli_count(const char *s, const char *what, uint64_t *out);    /* K/M/G = 10^3.. */
int cli_ns(const char *s, const char *what, double *out);         /* ns/us/ms/s, default ns */
/* A page size: a power of two from 512 to 1G, with K/M/G. */
int cli_page_size(const char *s, const char *what, uint32_t *out);
/* "tlb=1,mem=100,minor=1us,major=1ms,swapout=0" */
int cli_latency(const char *s, vmm_latency_t *lat);

/* From a signal handler: erase a progress line being drawn (progress.c). */
void cli_progress_abort(void);

/* The names of a registry (ops tables that begin with their name),
 * "a, b, c" into buf, after `first` when not NULL; returns buf. Messages
 * list choices from here, never by hand. */
const char *cli_names(const void *const *all, const char *first, char *buf, size_t len);

#endif
