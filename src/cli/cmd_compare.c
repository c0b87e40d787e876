/* vmmsim compare: every policy (or a chosen few) at several memory sizes
 * over one trace, as a table of faults and average memory access time.
 * Without --frames the sizes are 10%, 25% and 50% of the distinct pages. */
#include "cli.h"
#include "sim_opts.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZES 16
#define MAX_POLICIES 32

static const char compare_help[] =
    "usage: vmmsim compare -t TRACE [--frames N,N,...] [--policies P,P,...] [options]\n"
    "\n"
    "Run each policy at each memory size over the trace and print faults, fault\n"
    "rate and average memory access time. Without --frames: 10%, 25% and 50% of\n"
    "the trace's distinct pages.\n"
    "\n"
    SIM_OPTS_HELP
    "output:\n"
    "      --csv FILE       also write the table as CSV (- = stdout)\n"
    "  -h, --help           this help\n";

enum { C_FRAMES = 3000, C_POLICIES, C_CSV };

typedef struct row {
    const char *policy;
    uint32_t frames;
    vmm_counters_t c;
} row_t;

static int parse_list(char *s, const char *what, uint64_t *out, int *n)
{
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n == MAX_SIZES)
            return cli_usage_error("%s: at most %d sizes", what, MAX_SIZES);
        if (cli_count(tok, what, &out[(*n)++]))
            return EXIT_USAGE;
        if (!out[*n - 1] || out[*n - 1] >= VMM_NOFRAME)
            return cli_usage_error("%s: expected 1 to %u frames, got '%s'", what, VMM_NOFRAME - 1, tok);
    }
    return *n ? 0 : cli_usage_error("%s: expected a list of frame counts", what);
}

/* One run; fills *c. Returns an exit status. */
static int run_one(sim_opts_t *so, const char *policy, uint32_t frames, vmm_counters_t *c)
{
    vmm_config_t cfg = so->cfg;
    cfg.policy = policy;
    cfg.frames = frames;
    vmm_err_t err;
    vmm_err_clear(&err);
    vmm_t *m = NULL;
    int rc = vmm_create(&cfg, &m, &err);
    if (!rc)
        rc = vmm_run(m, &so->src, NULL, &err);
    if (rc) {
        vmm_destroy(m);
        return cli_fail(rc, &err);
    }
    vmm_stats_t st;
    vmm_get_stats(m, &st);
    *c = st.total;
    vmm_destroy(m);
    return 0;
}

/* One line per policy; for each memory size its faults and AMT. Rows are
 * stored size-major (all policies at size 0, then size 1...). */
static void print_table(FILE *f, const row_t *rows, int npol, int nsizes)
{
    fprintf(f, "%-9s", "");
    for (int s = 0; s < nsizes; s++)
        fprintf(f, " | %14u frames", rows[s * npol].frames);
    fprintf(f, "\n%-9s", "policy");
    for (int s = 0; s < nsizes; s++)
        fprintf(f, " | %10s %10s", "faults", "AMT ns");
    fputc('\n', f);
    for (int p = 0; p < npol; p++) {
        fprintf(f, "%-9s", rows[p].policy);
        for (int s = 0; s < nsizes; s++) {
            const row_t *r = &rows[s * npol + p];
            fprintf(f, " | %10llu %10.1f", (unsigned long long)r->c.faults, vmm_amt_ns(&r->c));
        }
        fputc('\n', f);
    }
}

/* The table as CSV, for cli_write_file. */
typedef struct rows_out {
    const row_t *rows;
    int n;
} rows_out_t;

static int fill_csv(FILE *f, const void *arg)
{
    const rows_out_t *o = arg;
    fputs("policy,frames,references,faults,fault_rate,evictions,avg_memory_access_time_ns\n", f);
    for (int i = 0; i < o->n; i++) {
        const row_t *r = &o->rows[i];
        fprintf(f, "%s,%u,%llu,%llu,%.6f,%llu,%.4f\n", r->policy, r->frames,
                (unsigned long long)r->c.refs, (unsigned long long)r->c.faults,
                vmm_fault_rate(&r->c), (unsigned long long)r->c.evictions, vmm_amt_ns(&r->c));
    }
    return 0;
}

static int write_csv(const char *path, const row_t *rows, int n)
{
    rows_out_t o = {rows, n};
    return cli_write_file(path, fill_csv, &o);
}

int cmd_compare(int argc, char **argv)
{
    sim_opts_t so;
    sim_opts_init(&so);
    static const struct option extra[] = {
        {"frames", required_argument, 0, C_FRAMES}, {"policies", required_argument, 0, C_POLICIES},
        {"csv", required_argument, 0, C_CSV}, {"help", no_argument, 0, 'h'}};
    struct option longopts[64];
    sim_opts_longopts(longopts, extra, sizeof extra / sizeof extra[0]);
    uint64_t sizes[MAX_SIZES];
    int nsizes = 0, npol = 0;
    const char *policies[MAX_POLICIES], *csv = NULL;
    char *polbuf = NULL;
    int c, rc = 0;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, SIM_OPTS_SHORT "h", longopts, NULL)) != -1) {
        switch (c) {
        case C_FRAMES: rc = parse_list(optarg, "--frames", sizes, &nsizes); break;
        case C_POLICIES:
            free(polbuf);
            polbuf = strdup(optarg);
            npol = 0;
            for (char *s = NULL, *p = strtok_r(polbuf, ",", &s); p && !rc; p = strtok_r(NULL, ",", &s)) {
                if (npol == MAX_POLICIES || !vmm_policy_find(p))
                    rc = cli_usage_error("--policies: unknown policy '%s'", p);
                else
                    policies[npol++] = vmm_policy_find(p)->name;
            }
            break;
        case C_CSV: csv = optarg; break;
        case 'h': fputs(compare_help, stdout); free(polbuf); return EXIT_OK;
        default: rc = sim_opts_parse(&so, c, optarg);
        }
    }
    if (!rc && optind < argc)
        rc = cli_usage_error("compare: unexpected argument '%s'", argv[optind]);
    if (!rc)
        rc = sim_opts_finish(&so);
    if (!rc && so.src.trace && !strcmp(so.src.trace, "-"))
        rc = cli_usage_error("compare reads the trace once per run; give a file, not stdin");
    if (rc) {
        free(polbuf);
        return rc;
    }
    if (!npol)
        for (const vmm_policy_ops *const *p = vmm_policy_all(); *p && npol < MAX_POLICIES; p++)
            policies[npol++] = (*p)->name;
    if (!nsizes) {
        /* one cheap pass to count distinct pages */
        vmm_counters_t probe;
        if ((rc = run_one(&so, "fifo", 1, &probe))) {
            free(polbuf);
            return rc;
        }
        static const int pct[] = {10, 25, 50};
        for (int i = 0; i < 3; i++) {
            uint64_t f = probe.pages_touched * pct[i] / 100;
            sizes[nsizes++] = f ? f : 1;
        }
    }
    row_t *rows = calloc((size_t)npol * nsizes, sizeof *rows);
    int n = 0;
    for (int s = 0; rows && !rc && s < nsizes; s++)
        for (int p = 0; !rc && p < npol; p++, n++) {
            rows[n].policy = policies[p];
            rows[n].frames = (uint32_t)sizes[s];
            rc = run_one(&so, policies[p], (uint32_t)sizes[s], &rows[n].c);
        }
    if (!rows) {
        fputs("vmmsim: out of memory\n", stderr);
        rc = EXIT_RUNTIME;
    }
    if (!rc) {
        printf("trace %s: %llu page references\n", so.src.trace ? so.src.trace : so.src.gen,
               (unsigned long long)(n ? rows[0].c.refs : 0));
        print_table(stdout, rows, npol, nsizes);
        if (csv)
            rc = write_csv(csv, rows, n);
    }
    free(rows);
    free(polbuf);
    return rc;
}
