/* vmmsim compare: every policy (or a chosen few) at several memory sizes
 * over one trace, as a table of faults and average memory access time.
 * Without --frames the sizes are 10%, 25% and 50% of the distinct pages. */
#include "cli.h"
#include "budget.h"
#include "progress.h"
#include "sim_opts.h"
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZES 16
#define MAX_POLICIES 32

static const char compare_help[] =
    "usage: vmmsim compare -t TRACE [--frames N,N,...] [--policies P,P,...] [options]\n"
    "\n"
    "Run each policy at each memory size over the trace and print faults, fault\n"
    "rate and average memory access time. Without --frames (or -r): 10%, 25% and\n"
    "50% of the trace's distinct pages. -a P is --policies P, and -r MB or --frames N\n"
    "alone one memory size.\n"
    "\n"
    SIM_OPTS_HELP
    "sizes and policies:\n"
    "      --frames N,N,... memory sizes in frames (K/M/G), at most 16\n"
    "      --policies P,... the policies to run (default: all; vmmsim policies)\n"
    "output:\n"
    "      --csv FILE       also write the table as CSV (- = stdout, instead of the table)\n"
    "      --json FILE      also write it as JSON (- = stdout, instead of the table)\n"
    "      --progress       progress on stderr even when it is not a terminal\n"
    "  -q, --quiet          no table on stdout, no progress\n"
    "  -h, --help           this help\n"
    "\n"
    "Output files are written whole or not at all; at most one of them can be -.\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n";

enum { C_FRAMES = 3000, C_POLICIES, C_CSV, C_JSON, C_PROGRESS };

typedef struct row {
    const char *policy;
    uint32_t frames;
    vmm_counters_t c;
} row_t;

/* "16,32,64": each item a frame count; an empty item is an error. */
static int parse_list(const char *s, const char *what, uint64_t *out, int *n)
{
    *n = 0;
    for (const char *p = s;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char tok[64];
        if (!len)
            return cli_usage_error("%s: expected frame counts separated by commas, got '%s' "
                                   "(an empty item)", what, s);
        if (*n == MAX_SIZES)
            return cli_usage_error("%s: at most %d sizes", what, MAX_SIZES);
        if (len >= sizeof tok)
            return cli_usage_error("%s: expected a frame count, got '%.*s'", what, (int)len, p);
        memcpy(tok, p, len);
        tok[len] = 0;
        if (cli_count(tok, what, &out[*n]))
            return EXIT_USAGE;
        if (!out[*n] || out[*n] >= VMM_NOFRAME)
            return cli_usage_error("%s: expected 1 to %u frames, got '%s'", what, VMM_NOFRAME - 1, tok);
        (*n)++;
        if (!end)
            return 0;
        p = end + 1;
    }
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

/* The table as JSON (docs/json-schema.md, "vmmsim compare --json"). */
typedef struct json_out {
    const char *trace;
    const vmm_config_t *cfg;
    const row_t *rows;
    int n;
} json_out_t;

static int fill_json(FILE *f, const void *arg)
{
    const json_out_t *o = arg;
    json_t *doc = json_object(), *rows = json_array();
    int bad = !doc || !rows;
    bad |= json_object_set_new(doc, "schema_version", json_integer(VMM_JSON_SCHEMA));
    bad |= json_object_set_new(doc, "vmmsim_version", json_string(VMM_VERSION));
    bad |= json_object_set_new(doc, "trace", json_string(o->trace));
    bad |= json_object_set_new(doc, "page_size", json_integer(o->cfg->page_size));
    bad |= json_object_set_new(doc, "references",
                               json_integer(o->n ? (json_int_t)o->rows[0].c.refs : 0));
    for (int i = 0; i < o->n && !bad; i++) {
        const row_t *r = &o->rows[i];
        json_t *row = json_object();
        bad |= !row;
        bad |= json_object_set_new(row, "policy", json_string(r->policy));
        bad |= json_object_set_new(row, "frames", json_integer(r->frames));
        bad |= json_object_set_new(row, "faults", json_integer((json_int_t)r->c.faults));
        bad |= json_object_set_new(row, "fault_rate", json_real(vmm_fault_rate(&r->c)));
        bad |= json_object_set_new(row, "evictions", json_integer((json_int_t)r->c.evictions));
        bad |= json_object_set_new(row, "avg_memory_access_time_ns", json_real(vmm_amt_ns(&r->c)));
        bad |= json_array_append_new(rows, row);
    }
    bad |= json_object_set_new(doc, "rows", rows);
    bad = bad || json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) || fputc('\n', f) == EOF;
    json_decref(doc);
    return bad ? VMM_EIO : 0;
}

int cmd_compare(int argc, char **argv)
{
    sim_opts_t so;
    sim_opts_init(&so);
    static const struct option extra[] = {
        {"frames", required_argument, 0, C_FRAMES}, {"policies", required_argument, 0, C_POLICIES},
        {"csv", required_argument, 0, C_CSV}, {"json", required_argument, 0, C_JSON},
        {"progress", no_argument, 0, C_PROGRESS}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}};
    struct option longopts[64];
    sim_opts_longopts(longopts, extra, sizeof extra / sizeof extra[0]);
    uint64_t sizes[MAX_SIZES];
    int nsizes = 0, npol = 0, progress = 0, quiet = 0;
    const char *policies[MAX_POLICIES], *csv = NULL, *json = NULL;
    char *polbuf = NULL;
    int c, rc = 0;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, SIM_OPTS_SHORT "qh", longopts, NULL)) != -1) {
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
        case C_JSON: json = optarg; break;
        case C_PROGRESS: progress = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(compare_help, stdout); free(polbuf); return EXIT_OK;
        default: rc = sim_opts_parse(&so, c, optarg);
        }
    }
    if (!rc && optind < argc)
        rc = cli_usage_error("compare: unexpected argument '%s'", argv[optind]);
    /* -a and -r are the one-policy, one-size forms of --policies and --frames */
    if (!rc && so.have_policy && npol)
        rc = cli_usage_error("compare: give -a (one policy) or --policies, not both");
    if (!rc && (so.have_ram || so.have_frames) && nsizes)
        rc = cli_usage_error("compare: give -r (one size) or --frames N,N,..., not both");
    cli_output_t outs[] = {{"--csv", csv}, {"--json", json}};
    if (!rc)
        rc = cli_check_outputs("compare", outs, sizeof outs / sizeof outs[0]);
    if (!rc)
        rc = sim_opts_finish(&so);
    if (!rc && so.src.trace && !strcmp(so.src.trace, "-"))
        rc = cli_usage_error("compare reads the trace once per run; give a file, not stdin");
    if (!rc && so.have_policy)
        policies[npol++] = vmm_policy_find(so.cfg.policy)->name;
    if (!rc && (so.have_ram || so.have_frames))
        sizes[nsizes++] = so.cfg.frames;
    if (rc) {
        free(polbuf);
        return rc;
    }
    if (!npol)
        for (const vmm_policy_ops *const *p = vmm_policy_all(); *p && npol < MAX_POLICIES; p++)
            policies[npol++] = (*p)->name;
    /* the largest size with each policy, before any run */
    for (int p = 0; p < npol && nsizes; p++) {
        vmm_config_t big = so.cfg;
        big.policy = policies[p];
        for (int s = 0; s < nsizes; s++)
            if (sizes[s] > big.frames || s == 0)
                big.frames = (uint32_t)sizes[s];
        char what[64];
        snprintf(what, sizeof what, "--frames %u with policy %s", big.frames, policies[p]);
        if (cli_budget_engine(&big, what)) {
            free(polbuf);
            return EXIT_USAGE;
        }
    }
    if (cli_progress_init(progress, quiet)) {
        unsigned passes = nsizes ? 0 : 1;   /* the probe */
        for (int p = 0; p < npol; p++)
            passes += (vmm_policy_find(policies[p])->flags & VMM_POLICY_FUTURE ? 2 : 1) *
                      (unsigned)(nsizes ? nsizes : 3);
        cli_progress_source(&so.src, passes);
        cli_progress_start();
    }
    if (!nsizes) {
        /* one cheap pass to count distinct pages */
        vmm_counters_t probe;
        if ((rc = run_one(&so, "fifo", 1, &probe))) {
            cli_progress_stop();
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
    cli_progress_stop();
    if (!rows) {
        fputs("vmmsim: out of memory\n", stderr);
        rc = EXIT_RUNTIME;
    }
    if (!rc) {
        const char *name = so.src.trace ? so.src.trace : so.src.gen;
        int to_stdout = (csv && !strcmp(csv, "-")) || (json && !strcmp(json, "-"));
        if (!quiet && !to_stdout) {
            printf("trace %s: %llu page references\n", name,
                   (unsigned long long)(n ? rows[0].c.refs : 0));
            print_table(stdout, rows, npol, nsizes);
        }
        if (csv)
            rc = write_csv(csv, rows, n);
        json_out_t jo = {name, &so.cfg, rows, n};
        if (json && !rc)
            rc = cli_write_file(json, fill_json, &jo);
    }
    free(rows);
    free(polbuf);
    return rc;
}
