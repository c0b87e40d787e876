/* vmmsim mrc: build a trace's miss-ratio curve with one method, or compare
 * several against the exact curve (--compare). Output: a summary on
 * stdout, --csv (frames,miss_ratio,misses), --json, --plot (gnuplot). */
#include "cli.h"
#include "budget.h"
#include "plot.h"
#include "progress.h"
#include "vmmsim/mrc.h"
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char mrc_help[] =
    "usage: vmmsim mrc -t TRACE [--method M] [options]\n"
    "\n"
    "Build the trace's miss-ratio curve: for every memory size, the share of page\n"
    "references that miss (cold misses included). Methods (docs/mrc.md):\n"
    "  exact    LRU stack distances, every size at once (Mattson; O(log n) each)\n"
    "  shards   hash-sampled stack distances (SHARDS, FAST'15): --rate R (0.01)\n"
    "           or fixed size --max-pages S\n"
    "  mini     miniature simulation of --policy P (ATC'17) on a sampled trace\n"
    "  patent   the online method of US 9,223,722 inside the simulated MMU: S sampled\n"
    "           pages (--max-pages, default 1024) traced by trace faults or --scan,\n"
    "           re-traced every --period (100ms); reports its overhead\n"
    "\n"
    "options:\n"
    "  -t, --trace FILE      trace (- = stdin); -f/--format, --data-only, -n N as for sim\n"
    "  -p, --page-size B     page size (default 4096)\n"
    "      --method M        exact (default), shards, mini or patent\n"
    "      --rate R          sampling rate for shards and mini (default 0.01)\n"
    "      --max-pages S     shards fixed-size mode: at most S sampled pages;\n"
    "                        patent: S sampled pages per process\n"
    "      --period T        patent: sampling period (ns/us/ms/s; default 100ms)\n"
    "      --scan            patent: scan accessed bits instead of trace faults\n"
    "      --per-process     also one curve per process (address space); --csv then\n"
    "                        has a pid column (pid 'all' for the whole trace)\n"
    "      --policy P        mini: the replacement policy to emulate (default lru)\n"
    "      --params K=V,...  mini: that policy's parameters\n"
    "      --step N          one curve point every N frames (default 1)\n"
    "      --max-frames N    largest size of interest (default: the distinct pages)\n"
    "      --seed N          hash seed for sampling (default 1)\n"
    "      --target R        report the memory needed for miss ratio R (default 0.1)\n"
    "      --compare M,M...  build these methods too and report each one's MAE\n"
    "                        against exact, memory and time\n"
    "      --csv FILE        the curve as CSV: frames,miss_ratio,misses (- = stdout)\n"
    "      --json FILE       the curve and summary as JSON (- = stdout)\n"
    "      --plot FILE       plot the curve(s) with gnuplot (.svg or .png)\n"
    "      --progress        progress on stderr even when it is not a terminal\n"
    "  -q, --quiet           no summary on stdout, no progress\n"
    "  -h, --help            this help\n"
    "\n"
    "Every method reads the trace once; patent runs the whole simulator (TLB, page\n"
    "table, frames: the defaults of vmmsim sim) with its sampler on. Output files\n"
    "are written whole or not at all; at most one of them can be -.\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n";

#define MAX_METHODS 8

enum { M_METHOD = 4000, M_RATE, M_MAXPAGES, M_POLICY, M_PARAMS, M_STEP, M_MAXFRAMES, M_SEED,
       M_TARGET, M_COMPARE, M_CSV, M_JSON, M_PLOT, M_DATAONLY, M_PERIOD, M_SCAN, M_PERPROC,
       M_PROGRESS };

typedef struct mrc_job {
    vmm_source_spec_t src;
    vmm_mrc_cfg_t cfg;
    uint64_t page_size;
    double target;
    double period_ns;    /* patent */
    int scan;            /* patent */
    int per_process;     /* also a curve per address space */
    int progress, quiet; /* --progress, -q */
    const char *methods[MAX_METHODS];
    int nmethods;
    const char *csv, *json, *plot;
    const char *primary;   /* the --method chosen: its curve goes to --csv */
    char *compare_buf;
} mrc_job_t;

/* The result of one method. */
typedef struct mrc_result {
    const char *method;
    vmm_mrc_t curve;
    double seconds;
    size_t mem_bytes;
    int online;             /* patent: the counters below are set */
    uint64_t trace_faults;  /* detected accesses (trace faults or scan hits) */
    double overhead;        /* share of simulated time the sampler cost */
    vmm_mrc_t *pp;          /* --per-process: one curve per address space */
    uint32_t *pp_asid;      /* their address-space ids (pids) */
    uint32_t npp;
} mrc_result_t;

#define PATENT "patent"

/* Methods: the builder registry, plus the patent's online sampler, which
 * runs inside the engine rather than as a builder. */
static const char *method_name(const char *m)
{
    if (!strcasecmp(m, PATENT))
        return PATENT;
    const vmm_mrc_ops *ops = vmm_mrc_find(m);
    return ops ? ops->name : NULL;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_ratio(const char *s, const char *what, double *out, double lo_excl, double hi)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > lo_excl && v <= hi))
        return cli_usage_error("%s: expected a number in (%g, %g], got '%s'", what, lo_excl, hi, s);
    *out = v;
    return 0;
}

static int parse_u32(const char *s, const char *what, uint32_t *out)
{
    uint64_t v;
    if (cli_count(s, what, &v))
        return EXIT_USAGE;
    if (v == 0 || v > UINT32_MAX)
        return cli_usage_error("%s: expected 1 to %u, got '%s'", what, UINT32_MAX, s);
    *out = (uint32_t)v;
    return 0;
}

static int add_methods(mrc_job_t *j, const char *list)
{
    free(j->compare_buf);
    j->compare_buf = strdup(list);
    for (char *s = NULL, *m = strtok_r(j->compare_buf, ",", &s); m; m = strtok_r(NULL, ",", &s)) {
        if (!method_name(m))
            return cli_usage_error("--compare: unknown method '%s' (exact, shards, mini, patent)", m);
        if (j->nmethods == MAX_METHODS)
            return cli_usage_error("--compare: at most %d methods", MAX_METHODS);
        j->methods[j->nmethods++] = method_name(m);
    }
    return 0;
}

static int parse_args(mrc_job_t *j, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"trace", required_argument, 0, 't'}, {"format", required_argument, 0, 'f'},
        {"page-size", required_argument, 0, 'p'}, {"data-only", no_argument, 0, M_DATAONLY},
        {"method", required_argument, 0, M_METHOD}, {"rate", required_argument, 0, M_RATE},
        {"max-pages", required_argument, 0, M_MAXPAGES}, {"policy", required_argument, 0, M_POLICY},
        {"params", required_argument, 0, M_PARAMS}, {"step", required_argument, 0, M_STEP},
        {"max-frames", required_argument, 0, M_MAXFRAMES}, {"seed", required_argument, 0, M_SEED},
        {"target", required_argument, 0, M_TARGET}, {"compare", required_argument, 0, M_COMPARE},
        {"csv", required_argument, 0, M_CSV}, {"json", required_argument, 0, M_JSON},
        {"plot", required_argument, 0, M_PLOT}, {"period", required_argument, 0, M_PERIOD},
        {"scan", no_argument, 0, M_SCAN}, {"per-process", no_argument, 0, M_PERPROC},
        {"progress", no_argument, 0, M_PROGRESS}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *method = "exact";
    int c, rc = 0;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, "t:f:p:n:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 't': j->src.trace = optarg; break;
        case 'f': j->src.topts.format = optarg; break;
        case M_DATAONLY: j->src.topts.data_only = 1; break;
        case 'n': rc = cli_count(optarg, "-n", &j->src.limit); break;
        case 'p': rc = cli_size(optarg, "--page-size", &j->page_size); break;
        case M_METHOD: method = optarg; break;
        case M_RATE: rc = parse_ratio(optarg, "--rate", &j->cfg.rate, 0, 1); break;
        case M_MAXPAGES: rc = cli_count(optarg, "--max-pages", &j->cfg.max_pages); break;
        case M_POLICY: j->cfg.policy = optarg; break;
        case M_PARAMS: j->cfg.params = optarg; break;
        case M_STEP: rc = parse_u32(optarg, "--step", &j->cfg.step); break;
        case M_MAXFRAMES: rc = parse_u32(optarg, "--max-frames", &j->cfg.max_frames); break;
        case M_SEED: rc = cli_u64(optarg, "--seed", &j->cfg.seed); break;
        case M_TARGET: rc = parse_ratio(optarg, "--target", &j->target, 0, 1); break;
        case M_COMPARE: rc = add_methods(j, optarg); break;
        case M_CSV: j->csv = optarg; break;
        case M_JSON: j->json = optarg; break;
        case M_PLOT: j->plot = optarg; break;
        case M_PERIOD: rc = cli_ns(optarg, "--period", &j->period_ns); break;
        case M_SCAN: j->scan = 1; break;
        case M_PERPROC: j->per_process = 1; break;
        case M_PROGRESS: j->progress = 1; break;
        case 'q': j->quiet = 1; break;
        case 'h': fputs(mrc_help, stdout); return -1;
        default: rc = cli_usage_error("mrc: unknown option (see vmmsim mrc --help)");
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return cli_usage_error("mrc: unexpected argument '%s'", argv[optind]);
    if (!j->src.trace)
        return cli_usage_error("mrc: no trace: give -t FILE; see --help");
    if (!method_name(method))
        return cli_usage_error("mrc: unknown method '%s' (exact, shards, mini, patent)", method);
    if (j->cfg.policy && !vmm_policy_find(j->cfg.policy))
        return cli_usage_error("--policy: unknown policy '%s'", j->cfg.policy);
    if (j->page_size < 512 || j->page_size > (1u << 30) || (j->page_size & (j->page_size - 1)))
        return cli_usage_error("--page-size: expected a power of two from 512 to 1G");
    /* every output can be written, before any work */
    cli_output_t outs[] = {{"--csv", j->csv}, {"--json", j->json}};
    if (cli_check_outputs("mrc", outs, sizeof outs / sizeof outs[0]))
        return EXIT_USAGE;
    if (j->plot && (rc = plot_check(j->plot)))
        return rc;
    /* exact first when comparing (the reference, and it sizes the others),
     * then the chosen method, then the rest, each once */
    const char *first = method_name(method);
    j->primary = first;
    int k = 0;
    const char *all[MAX_METHODS + 2];
    if (j->nmethods || !strcmp(first, "exact"))
        all[k++] = "exact";
    if (strcmp(first, "exact"))
        all[k++] = first;
    for (int i = 0; i < j->nmethods; i++) {
        int dup = 0;
        for (int q = 0; q < k; q++)
            dup |= !strcmp(all[q], j->methods[i]);
        if (!dup && k < MAX_METHODS)
            all[k++] = j->methods[i];
    }
    memcpy(j->methods, all, (size_t)k * sizeof *all);
    j->nmethods = k;
    /* methods whose state --max-frames sizes up front (mini): refuse what
     * cannot fit before any work */
    for (int i = 0; i < k && j->cfg.max_frames; i++) {
        char what[64];
        snprintf(what, sizeof what, "--method %s --max-frames %u", all[i], j->cfg.max_frames);
        if (strcmp(all[i], PATENT) && cli_budget_mrc(vmm_mrc_find(all[i]), &j->cfg, what))
            return EXIT_USAGE;
    }
    j->src.topts.page_size = (uint32_t)j->page_size;
    return 0;
}

/* Without --max-frames, size the curves after an exact curve already built
 * (the distinct pages), so mini can be compared with it. */
static void job_sizes(mrc_job_t *j, const mrc_result_t *done, int n)
{
    for (int i = 0; i < n && !j->cfg.max_frames; i++)
        if (!strcmp(done[i].method, "exact") && done[i].curve.distinct >= 1)
            j->cfg.max_frames = (uint32_t)done[i].curve.distinct;
}

/* Room for n per-process curves. 0 or VMM_ENOMEM. */
static int pp_alloc(mrc_result_t *r, uint32_t n)
{
    r->pp = calloc(n ? n : 1, sizeof *r->pp);
    r->pp_asid = calloc(n ? n : 1, sizeof *r->pp_asid);
    r->npp = n;
    return r->pp && r->pp_asid ? 0 : VMM_ENOMEM;
}

static void result_free(mrc_result_t *r)
{
    vmm_mrc_free(&r->curve);
    for (uint32_t i = 0; r->pp && i < r->npp; i++)
        vmm_mrc_free(&r->pp[i]);
    free(r->pp);
    free(r->pp_asid);
}

/* The patent's method: run the simulator with the sampler on and read the
 * machine-wide curve it built online. */
static int build_patent(const mrc_job_t *j, mrc_result_t *r)
{
    vmm_config_t cfg;
    vmm_config_default(&cfg);
    cfg.page_size = (uint32_t)j->page_size;
    cfg.seed = j->cfg.seed ? j->cfg.seed : 1;
    cfg.sampler.mode = j->scan ? VMM_SAMPLER_SCAN : VMM_SAMPLER_FAULT;
    if (j->cfg.max_pages)
        cfg.sampler.pages = j->cfg.max_pages > (1u << 26) ? (1u << 26) : (uint32_t)j->cfg.max_pages;
    if (j->period_ns >= 0)
        cfg.sampler.period_ns = j->period_ns;
    vmm_err_t err;
    vmm_err_clear(&err);
    vmm_t *m = NULL;
    double t0 = now_seconds();
    int rc = vmm_create(&cfg, &m, &err);
    if (!rc)
        rc = vmm_run(m, &j->src, NULL, &err);
    if (!rc && (rc = vmm_get_mrc(m, UINT32_MAX, &r->curve)))
        vmm_err_set(&err, rc, NULL, 0, -1, "cannot build the sampler's curve");
    r->seconds = now_seconds() - t0;
    if (!rc) {
        vmm_stats_t st;
        vmm_get_stats(m, &st);
        r->online = 1;
        r->trace_faults = st.total.trace_faults + st.total.scan_hits;
        r->overhead = st.total.time_ns > 0 ? st.total.sampler_ns / st.total.time_ns : 0;
        r->mem_bytes = 0;
        if (j->per_process && (rc = pp_alloc(r, st.nas)))
            vmm_err_set(&err, rc, NULL, 0, -1, "out of memory");
        for (uint32_t i = 0; !rc && j->per_process && i < st.nas; i++) {
            r->pp_asid[i] = st.as[i].asid;
            if ((rc = vmm_get_mrc(m, i, &r->pp[i])))
                vmm_err_set(&err, rc, NULL, 0, -1, "cannot build the sampler's curve");
        }
    }
    vmm_destroy(m);
    return rc ? cli_fail(rc, &err) : 0;
}

/* Build one method's curve in its own pass (so its time is its own). */
static int build(const mrc_job_t *j, mrc_result_t *r, uint64_t *refs)
{
    if (!strcmp(r->method, PATENT))
        return build_patent(j, r);
    vmm_err_t err;
    vmm_err_clear(&err);
    vmm_mrc_builder_t b;
    int rc = vmm_mrc_builder_init(&b, vmm_mrc_find(r->method), &j->cfg, &err);
    if (rc)
        return cli_fail(rc, &err);
    vmm_mrc_split_t split = {.ops = b.ops, .cfg = j->cfg};
    double t0 = now_seconds();
    rc = vmm_mrc_run(&j->src, (uint32_t)j->page_size, &b, 1, j->per_process ? &split : NULL,
                     refs, &err);
    if (!rc) {
        r->mem_bytes = b.ops->mem_bytes(b.st);
        rc = b.ops->curve(b.st, &r->curve);
    }
    if (!rc && j->per_process)
        rc = pp_alloc(r, split.n);
    for (uint32_t i = 0; !rc && j->per_process && i < split.n; i++) {
        r->pp_asid[i] = split.asid[i];
        rc = split.b[i].ops->curve(split.b[i].st, &r->pp[i]);
    }
    if (rc == VMM_ENOMEM)
        vmm_err_set(&err, rc, NULL, 0, -1, "out of memory");
    r->seconds = now_seconds() - t0;
    vmm_mrc_split_fini(&split);
    vmm_mrc_builder_fini(&b);
    return rc ? cli_fail(rc, &err) : 0;
}

static int primary_index(const mrc_job_t *j, const mrc_result_t *res, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(res[i].method, j->primary))
            return i;
    return 0;
}

static void print_summary(const mrc_job_t *j, const mrc_result_t *res, int n)
{
    const vmm_mrc_t *c = &res[primary_index(j, res, n)].curve;
    printf("trace      %s: %llu page references, %.0f distinct pages\n", j->src.trace,
           (unsigned long long)c->refs, c->distinct);
    const mrc_result_t *exact = NULL;
    for (int i = 0; i < n; i++)
        if (!strcmp(res[i].method, "exact"))
            exact = &res[i];
    printf("%-8s %10s %10s %12s %12s %10s\n", "method", "time s", "memory KiB", "knee frames",
           "frames@", exact && n > 1 ? "MAE" : "");
    for (int i = 0; i < n; i++) {
        const vmm_mrc_t *cv = &res[i].curve;
        uint32_t ws = vmm_mrc_size_for_ratio(cv, j->target);
        char wsb[32], mae[32] = "";
        if (ws == UINT32_MAX)
            snprintf(wsb, sizeof wsb, "never");
        else
            snprintf(wsb, sizeof wsb, "%u", ws);
        if (exact && n > 1)
            snprintf(mae, sizeof mae, "%.5f", vmm_mrc_mae(cv, &exact->curve));
        char mem[32] = "-";   /* the online sampler's memory is the engine's */
        if (!res[i].online)
            snprintf(mem, sizeof mem, "%.1f", res[i].mem_bytes / 1024.0);
        printf("%-8s %10.3f %10s %12u %12s %10s\n", res[i].method, res[i].seconds, mem,
               vmm_mrc_knee(cv), wsb, mae);
    }
    printf("(frames@ = memory for a miss ratio of %g)\n", j->target);
    const mrc_result_t *pr = &res[primary_index(j, res, n)];
    if (pr->pp) {
        printf("\n%s per process:\n%10s %14s %10s %12s %12s\n", pr->method, "pid", "references",
               "distinct", "knee frames", "frames@");
        for (uint32_t i = 0; i < pr->npp; i++) {
            uint32_t ws = vmm_mrc_size_for_ratio(&pr->pp[i], j->target);
            char wsb[32] = "never";
            if (ws != UINT32_MAX)
                snprintf(wsb, sizeof wsb, "%u", ws);
            printf("%10u %14llu %10.0f %12u %12s\n", pr->pp_asid[i],
                   (unsigned long long)pr->pp[i].refs, pr->pp[i].distinct,
                   vmm_mrc_knee(&pr->pp[i]), wsb);
        }
    }
    for (int i = 0; i < n; i++)
        if (res[i].online)
            printf("%s: %.1f detected accesses per million references, %.3f%% of simulated "
                   "time\n", res[i].method,
                   res[i].curve.refs ? 1e6 * res[i].trace_faults / res[i].curve.refs : 0,
                   100 * res[i].overhead);
    /* a coarse view of the first curve: ten sizes */
    printf("\n%10s %12s\n", "frames", "miss ratio");
    uint32_t last = c->npoints ? c->frames[c->npoints - 1] : 0;
    for (int k = 1; k <= 10 && last; k++) {
        uint32_t f = (uint32_t)((uint64_t)last * k / 10);
        if (f)
            printf("%10u %12.6f\n", f, vmm_mrc_ratio_at(c, f));
    }
}

static void csv_rows(FILE *f, const char *pid, const vmm_mrc_t *c)
{
    for (uint32_t i = 0; i < c->npoints; i++)
        fprintf(f, "%s%s%u,%.6f,%.0f\n", pid ? pid : "", pid ? "," : "", c->frames[i],
                c->refs ? c->misses[i] / (double)c->refs : 0, c->misses[i]);
}

/* The curve as CSV; with per-process curves, a pid column and "all" for
 * the whole trace. */
static int fill_csv(FILE *f, const void *arg)
{
    const mrc_result_t *r = arg;
    fputs(r->pp ? "pid,frames,miss_ratio,misses\n" : "frames,miss_ratio,misses\n", f);
    csv_rows(f, r->pp ? "all" : NULL, &r->curve);
    for (uint32_t i = 0; r->pp && i < r->npp; i++) {
        char pid[16];
        snprintf(pid, sizeof pid, "%u", r->pp_asid[i]);
        csv_rows(f, pid, &r->pp[i]);
    }
    return 0;
}

static int write_csv(const char *path, const mrc_result_t *r)
{
    return cli_write_file(path, fill_csv, r);
}

/* A curve's shape: references, distinct pages, knee, memory for the target
 * and its points as [frames, miss ratio]. */
static void shape_json(json_t *o, const mrc_job_t *j, const vmm_mrc_t *c)
{
    uint32_t ws = vmm_mrc_size_for_ratio(c, j->target);
    json_t *pts = json_array();
    json_object_set_new(o, "references", json_integer((json_int_t)c->refs));
    json_object_set_new(o, "distinct_pages", json_real(round(c->distinct)));
    json_object_set_new(o, "knee_frames", json_integer(vmm_mrc_knee(c)));
    json_object_set_new(o, "frames_for_target", ws == UINT32_MAX ? json_null() : json_integer(ws));
    for (uint32_t p = 0; p < c->npoints; p++) {
        json_t *pt = json_array();
        json_array_append_new(pt, json_integer(c->frames[p]));
        json_array_append_new(pt, json_real(c->refs ? c->misses[p] / (double)c->refs : 0));
        json_array_append_new(pts, pt);
    }
    json_object_set_new(o, "points", pts);
}

static json_t *curve_json(const mrc_job_t *j, const mrc_result_t *r, const mrc_result_t *exact)
{
    json_t *o = json_object();
    json_object_set_new(o, "method", json_string(r->method));
    if (!r->online)
        json_object_set_new(o, "memory_bytes", json_integer((json_int_t)r->mem_bytes));
    if (exact)
        json_object_set_new(o, "mae", json_real(vmm_mrc_mae(&r->curve, &exact->curve)));
    if (r->online) {
        json_object_set_new(o, "detected_accesses", json_integer((json_int_t)r->trace_faults));
        json_object_set_new(o, "overhead_share", json_real(r->overhead));
    }
    shape_json(o, j, &r->curve);
    if (r->pp) {
        json_t *pp = json_array();
        for (uint32_t i = 0; i < r->npp; i++) {
            json_t *one = json_object();
            json_object_set_new(one, "pid", json_integer(r->pp_asid[i]));
            shape_json(one, j, &r->pp[i]);
            json_array_append_new(pp, one);
        }
        json_object_set_new(o, "per_process", pp);
    }
    return o;
}

static int fill_json(FILE *f, const void *arg)
{
    int bad = json_dumpf((const json_t *)arg, f, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) ||
              fputc('\n', f) == EOF;
    return bad ? VMM_EIO : 0;
}

static int write_json(const char *path, const mrc_job_t *j, const mrc_result_t *res, int n)
{
    const mrc_result_t *exact = NULL;
    for (int i = 0; n > 1 && i < n; i++)
        if (!strcmp(res[i].method, "exact"))
            exact = &res[i];
    json_t *o = json_object(), *curves = json_array();
    json_object_set_new(o, "schema_version", json_integer(VMM_JSON_SCHEMA));
    json_object_set_new(o, "trace", json_string(j->src.trace));
    json_object_set_new(o, "target_miss_ratio", json_real(j->target));
    for (int i = 0; i < n; i++)
        json_array_append_new(curves, curve_json(j, &res[i], exact));
    json_object_set_new(o, "curves", curves);
    int rc = cli_write_file(path, fill_json, o);
    json_decref(o);
    return rc;
}

int cmd_mrc(int argc, char **argv)
{
    mrc_job_t j = {.page_size = 4096, .target = 0.1, .period_ns = -1};
    int rc = parse_args(&j, argc, argv);
    if (rc) {
        free(j.compare_buf);
        return rc < 0 ? EXIT_OK : rc;
    }
    mrc_result_t res[MAX_METHODS] = {{0}};
    int n = 0;
    if (cli_progress_init(j.progress, j.quiet)) {
        cli_progress_source(&j.src, (unsigned)j.nmethods);
        cli_progress_start();
    }
    for (; n < j.nmethods && !rc; n++) {
        res[n].method = j.methods[n];
        /* mini fixes its sizes before the first reference: take them from
         * the exact curve when there is one */
        job_sizes(&j, res, n);
        rc = build(&j, &res[n], NULL);
    }
    cli_progress_stop();
    if (!rc) {
        int to_stdout = (j.csv && !strcmp(j.csv, "-")) || (j.json && !strcmp(j.json, "-"));
        if (!to_stdout && !j.quiet)
            print_summary(&j, res, n);
        if (j.csv)
            rc = write_csv(j.csv, &res[primary_index(&j, res, n)]);
        if (!rc && j.json)
            rc = write_json(j.json, &j, res, n);
        if (!rc && j.plot) {
            plot_series_t s[MAX_METHODS];
            for (int i = 0; i < n; i++)
                s[i] = (plot_series_t){.label = res[i].method, .curve = &res[i].curve};
            rc = plot_mrc(j.plot, j.src.trace, s, n);
        }
    }
    for (int i = 0; i < n; i++)
        result_free(&res[i]);
    free(j.compare_buf);
    return rc;
}
