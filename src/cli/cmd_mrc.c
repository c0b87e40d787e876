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
    "  shards   hash-sampled stack distances (SHARDS, FAST'15): fixed size, at most\n"
    "           --max-pages S (8192) sampled pages, so exact on smaller footprints;\n"
    "           or fixed rate --rate R\n"
    "  mini     miniature simulation of --policy P (ATC'17) on a sampled trace\n"
    "  patent   the online method of US 9,223,722 inside the simulated MMU: S sampled\n"
    "           pages (--max-pages, default 1024) traced by trace faults or --scan,\n"
    "           re-traced every --period (100ms); reports its overhead\n"
    "Sampled curves come with the sample's size, a 95% band per point and the\n"
    "smallest size they can be trusted at; a warning on stderr says when a curve\n"
    "cannot be trusted at small sizes or at all. Only computed points are printed.\n"
    "\n"
    "options:\n"
    "  -t, --trace FILE      trace (- = stdin); -f/--format, --data-only, -n N as for sim\n"
    "  -p, --page-size B     page size (default 4096)\n"
    "      --method M        exact (default), shards, mini or patent\n"
    "      --rate R          sampling rate: shards fixed rate; mini (default on a file:\n"
    "                        1 when the trace has at most 8192 pages, else 0.01)\n"
    "      --max-pages S     shards fixed-size mode: at most S sampled pages (8192);\n"
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
    "      --compare M,M...  build these methods too and report each one's mean and\n"
    "                        maximum error against exact, memory and time\n"
    "      --csv FILE        the curve as CSV: frames,miss_ratio,misses,miss_ratio_lo,\n"
    "                        miss_ratio_hi,trusted (- = stdout)\n"
    "      --json FILE       the curve and summary as JSON (- = stdout)\n"
    "      --plot FILE       plot the curve(s) with gnuplot (.svg or .png)\n"
    "      --progress        progress on stderr even when it is not a terminal\n"
    "  -q, --quiet           no summary on stdout, no progress\n"
    "  -h, --help            this help\n"
    "\n"
    "Every method but patent reads the trace once per method (mini without --max-frames\n"
    "or --rate once more, to count the pages); patent runs the whole simulator (TLB,\n"
    "page table, frames with -a/--policy... defaults of vmmsim sim).\n"
    "Output files are written whole or not at all; at most one of them can be -.\n"
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
    int pages_known, pages_exact;   /* job_sizes: the trace's pages counted (exactly) */
    double pages;
} mrc_job_t;

/* mini simulates a footprint this small whole (R = 1): the fixed size of
 * SHARDS's default, under which it too is exact. */
#define MINI_WHOLE_PAGES 8192

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
        if (!method_name(m)) {
            char names[128];
            return cli_usage_error("--compare: unknown method '%s' (%s)", m,
                                   cli_names((const void *const *)vmm_mrc_all(), "patent", names,
                                             sizeof names));
        }
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
    if (!method_name(method)) {
        char names[128];
        return cli_usage_error("mrc: unknown method '%s' (%s)", method,
                               cli_names((const void *const *)vmm_mrc_all(), "patent", names,
                                         sizeof names));
    }
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

/* The distinct pages of the trace and whether that count is exact: from
 * an exact curve already built, or from a first pass of fixed-size SHARDS
 * (constant memory, exact up to 8192 pages). 0, or an exit status. */
static int count_pages(const mrc_job_t *j, const mrc_result_t *done, int n, double *pages,
                       int *exact)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(done[i].method, "exact")) {
            *pages = done[i].curve.distinct;
            *exact = 1;
            return 0;
        }
    vmm_err_t err;
    vmm_err_clear(&err);
    vmm_mrc_builder_t b;
    vmm_mrc_cfg_t cfg = {.seed = j->cfg.seed, .step = UINT32_MAX};
    vmm_mrc_t c = {0};
    int rc = vmm_mrc_builder_init(&b, vmm_mrc_find("shards"), &cfg, &err);
    if (!rc && !(rc = vmm_mrc_run(&j->src, (uint32_t)j->page_size, &b, 1, NULL, NULL, &err)) &&
        (rc = b.ops->curve(b.st, &c)))
        vmm_err_set(&err, rc, NULL, 0, -1, "out of memory");
    *pages = c.distinct;
    *exact = c.rate >= 1;
    vmm_mrc_free(&c);
    vmm_mrc_builder_fini(&b);
    return rc ? cli_fail(rc, &err) : 0;
}

/* mini fixes its sizes and rate before the first reference. On a file,
 * without --max-frames or --rate, count the pages first (issue #9 item 5):
 * the sizes then run up to the distinct pages, and a footprint of at most
 * 8192 pages is simulated whole (R = 1), as fixed-size SHARDS would be
 * exact on it. On stdin the builder's own defaults apply (its sizes grow
 * with the pages, R = 0.01). */
static int job_sizes(mrc_job_t *j, const mrc_result_t *done, int n, const char *method,
                     vmm_mrc_cfg_t *cfg)
{
    *cfg = j->cfg;
    if (strcmp(method, "mini") || (cfg->max_frames && cfg->rate) || !strcmp(j->src.trace, "-"))
        return 0;
    if (!j->pages_known) {
        int rc = count_pages(j, done, n, &j->pages, &j->pages_exact);
        if (rc)
            return rc;
        j->pages_known = 1;
    }
    if (!cfg->max_frames && j->pages >= 1)
        cfg->max_frames = j->pages > UINT32_MAX ? UINT32_MAX : (uint32_t)llround(j->pages);
    if (!cfg->rate && j->pages_exact && j->pages <= MINI_WHOLE_PAGES)
        cfg->rate = 1;
    return 0;
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
static int build(const mrc_job_t *j, const vmm_mrc_cfg_t *cfg, mrc_result_t *r, uint64_t *refs)
{
    if (!strcmp(r->method, PATENT))
        return build_patent(j, r);
    vmm_err_t err;
    vmm_err_clear(&err);
    vmm_mrc_builder_t b;
    int rc = vmm_mrc_builder_init(&b, vmm_mrc_find(r->method), cfg, &err);
    if (rc)
        return cli_fail(rc, &err);
    vmm_mrc_split_t split = {.ops = b.ops, .cfg = *cfg};
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

/* --- what a curve says about its own trust ------------------------------- */

static int curve_sampled(const vmm_mrc_t *c) { return c->lo || (c->rate > 0 && c->rate < 1); }

/* The sample a curve came from, in words: "246 pages and 1509009
 * references at R = 1". */
static void sample_words(const vmm_mrc_t *c, char *buf, size_t n)
{
    snprintf(buf, n, "%llu pages and %llu references at R = %.3g",
             (unsigned long long)c->sample_pages, (unsigned long long)c->sample_refs,
             c->rate > 0 ? c->rate : 1);
}

/* A warning when the curve cannot be trusted everywhere it has points;
 * 0 and buf empty if none. */
static int curve_warning(const char *method, const vmm_mrc_t *c, char *buf, size_t n)
{
    char smp[128];
    buf[0] = 0;
    if (!c->npoints || c->min_trusted_frames <= 1 || c->min_trusted_frames <= c->frames[0])
        return 0;
    sample_words(c, smp, sizeof smp);
    if (c->min_trusted_frames == VMM_MRC_NOWHERE)
        snprintf(buf, n, "%s: the sample (%s) is too small to trust the curve at any size", method,
                 smp);
    else
        snprintf(buf, n, "%s: the curve is not to be trusted below %u frames (sample: %s)", method,
                 c->min_trusted_frames, smp);
    return 1;
}

static void warn_curve(const char *method, const vmm_mrc_t *c)
{
    char w[320];
    if (curve_warning(method, c, w, sizeof w))
        fprintf(stderr, "vmmsim: warning: %s\n", w);
}

/* The point of the curve before `f` (0 if f is the first). */
static uint32_t point_before(const vmm_mrc_t *c, uint32_t f)
{
    uint32_t before = 0;
    for (uint32_t i = 0; i < c->npoints && c->frames[i] < f; i++)
        before = c->frames[i];
    return before;
}

/* The memory for the target as the summary shows it: the point, "<=" when
 * the points are too far apart to say more, "?" where the curve is not
 * trusted, "never". */
static void target_words(const vmm_mrc_t *c, double target, char *buf, size_t n)
{
    uint32_t ws = vmm_mrc_size_for_ratio(c, target);
    if (ws == UINT32_MAX) {
        snprintf(buf, n, "never");
        return;
    }
    snprintf(buf, n, "%s%u%s", point_before(c, ws) + 1 < ws ? "<=" : "", ws,
             vmm_mrc_trusted_at(c, ws) ? "" : "?");
}

static void knee_words(const vmm_mrc_t *c, char *buf, size_t n)
{
    uint32_t k = vmm_mrc_knee(c);
    snprintf(buf, n, "%s%u%s", k && point_before(c, k) + 1 < k ? "~" : "", k,
             !k || vmm_mrc_trusted_at(c, k) ? "" : "?");
}

static void trusted_words(const vmm_mrc_t *c, char *buf, size_t n)
{
    if (!c->npoints || c->min_trusted_frames == VMM_MRC_NOWHERE)
        snprintf(buf, n, "none");
    else
        snprintf(buf, n, "%u", c->min_trusted_frames > 1 ? c->min_trusted_frames : 1);
}

/* Up to ten points of the curve, the last at or below each tenth of its
 * last size: only points it computed. */
static void coarse_view(const vmm_mrc_t *c)
{
    int band = c->lo && c->hi;
    printf("\n%10s %12s%s\n", "frames", "miss ratio", band ? "       95% band   trusted" : "");
    uint32_t last = c->npoints ? c->frames[c->npoints - 1] : 0, shown = 0;
    for (int k = 1; k <= 10 && last; k++) {
        uint64_t want = (uint64_t)last * k / 10;
        uint32_t i = 0;
        while (i + 1 < c->npoints && c->frames[i + 1] <= want)
            i++;
        if (c->frames[i] > want || c->frames[i] <= shown)
            continue;
        shown = c->frames[i];
        double N = c->refs ? (double)c->refs : 1;
        printf("%10u %12.6f", c->frames[i], c->misses[i] / N);
        if (band)
            printf("  %.4f-%.4f %9s", c->lo[i] / N, c->hi[i] / N,
                   vmm_mrc_trusted_at(c, c->frames[i]) ? "yes" : "no");
        putchar('\n');
    }
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
    int cmp = exact && n > 1;
    printf("%-8s %9s %10s %11s %10s %10s%s\n", "method", "time s", "memory KiB", "knee frames",
           "frames@", "trusted>=", cmp ? "        MAE   max error" : "");
    for (int i = 0; i < n; i++) {
        const vmm_mrc_t *cv = &res[i].curve;
        char wsb[32], knee[32], tr[32];
        char mem[32] = "-";   /* the online sampler's memory is the engine's */
        target_words(cv, j->target, wsb, sizeof wsb);
        knee_words(cv, knee, sizeof knee);
        trusted_words(cv, tr, sizeof tr);
        if (!res[i].online)
            snprintf(mem, sizeof mem, "%.1f", res[i].mem_bytes / 1024.0);
        printf("%-8s %9.3f %10s %11s %10s %10s", res[i].method, res[i].seconds, mem, knee, wsb, tr);
        if (cmp) {
            uint32_t at;
            double mx = vmm_mrc_max_error(cv, &exact->curve, &at);
            printf(" %10.5f %8.4f@%u", vmm_mrc_mae(cv, &exact->curve), mx, at);
        }
        putchar('\n');
    }
    printf("(frames@ = memory for a miss ratio of %g; trusted>= = smallest size the curve is\n"
           " trusted at; <=N, ~N: between the point before and N; ?: not trusted there)\n",
           j->target);
    for (int i = 0; i < n; i++) {
        const vmm_mrc_t *cv = &res[i].curve;
        if (!curve_sampled(cv) && strcmp(res[i].method, "exact") && cv->rate >= 1)
            printf("%s: every page sampled (%llu pages, %llu references): exact\n", res[i].method,
                   (unsigned long long)cv->sample_pages, (unsigned long long)cv->sample_refs);
        else if (curve_sampled(cv)) {
            char smp[128];
            sample_words(cv, smp, sizeof smp);
            printf("%s: sample of %s\n", res[i].method, smp);
        }
    }
    const mrc_result_t *pr = &res[primary_index(j, res, n)];
    if (pr->pp) {
        printf("\n%s per process:\n%10s %14s %10s %12s %12s %10s\n", pr->method, "pid",
               "references", "distinct", "knee frames", "frames@", "trusted>=");
        for (uint32_t i = 0; i < pr->npp; i++) {
            char wsb[32], knee[32], tr[32];
            target_words(&pr->pp[i], j->target, wsb, sizeof wsb);
            knee_words(&pr->pp[i], knee, sizeof knee);
            trusted_words(&pr->pp[i], tr, sizeof tr);
            printf("%10u %14llu %10.0f %12s %12s %10s\n", pr->pp_asid[i],
                   (unsigned long long)pr->pp[i].refs, pr->pp[i].distinct, knee, wsb, tr);
        }
    }
    for (int i = 0; i < n; i++)
        if (res[i].online)
            printf("%s: %.1f detected accesses per million references, %.3f%% of simulated "
                   "time\n", res[i].method,
                   res[i].curve.refs ? 1e6 * res[i].trace_faults / res[i].curve.refs : 0,
                   100 * res[i].overhead);
    coarse_view(c);
}

static void csv_rows(FILE *f, const char *pid, const vmm_mrc_t *c)
{
    double N = c->refs ? (double)c->refs : 1;
    for (uint32_t i = 0; i < c->npoints; i++)
        fprintf(f, "%s%s%u,%.6f,%.0f,%.6f,%.6f,%d\n", pid ? pid : "", pid ? "," : "",
                c->frames[i], c->misses[i] / N, c->misses[i], (c->lo ? c->lo : c->misses)[i] / N,
                (c->hi ? c->hi : c->misses)[i] / N, vmm_mrc_trusted_at(c, c->frames[i]));
}

#define CSV_COLS "frames,miss_ratio,misses,miss_ratio_lo,miss_ratio_hi,trusted\n"

/* The curve as CSV; with per-process curves, a pid column and "all" for
 * the whole trace. */
static int fill_csv(FILE *f, const void *arg)
{
    const mrc_result_t *r = arg;
    fputs(r->pp ? "pid," CSV_COLS : CSV_COLS, f);
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

/* A curve's shape: references, distinct pages, knee, memory for the target,
 * its points as [frames, miss ratio], and how far it can be trusted (the
 * sample, the band, the smallest trusted size, warnings). */
static void shape_json(json_t *o, const mrc_job_t *j, const char *method, const vmm_mrc_t *c)
{
    uint32_t ws = vmm_mrc_size_for_ratio(c, j->target), knee = vmm_mrc_knee(c);
    double N = c->refs ? (double)c->refs : 1;
    json_t *pts = json_array(), *band = c->lo && c->hi ? json_array() : NULL;
    json_object_set_new(o, "references", json_integer((json_int_t)c->refs));
    json_object_set_new(o, "distinct_pages", json_real(round(c->distinct)));
    json_object_set_new(o, "knee_frames", json_integer(knee));
    json_object_set_new(o, "knee_after_frames", json_integer(knee ? point_before(c, knee) : 0));
    json_object_set_new(o, "frames_for_target", ws == UINT32_MAX ? json_null() : json_integer(ws));
    json_object_set_new(o, "frames_for_target_after",
                        ws == UINT32_MAX ? json_null() : json_integer(point_before(c, ws)));
    for (uint32_t p = 0; p < c->npoints; p++) {
        json_t *pt = json_array();
        json_array_append_new(pt, json_integer(c->frames[p]));
        json_array_append_new(pt, json_real(c->misses[p] / N));
        json_array_append_new(pts, pt);
        if (band) {
            json_t *b = json_array();
            json_array_append_new(b, json_real(c->lo[p] / N));
            json_array_append_new(b, json_real(c->hi[p] / N));
            json_array_append_new(band, b);
        }
    }
    json_object_set_new(o, "points", pts);
    json_t *smp = json_object();
    json_object_set_new(smp, "rate", json_real(c->rate > 0 ? c->rate : 1));
    json_object_set_new(smp, "pages", json_integer((json_int_t)c->sample_pages));
    json_object_set_new(smp, "references", json_integer((json_int_t)c->sample_refs));
    json_object_set_new(o, "sample", smp);
    json_object_set_new(o, "exact", json_boolean(!curve_sampled(c)));
    json_object_set_new(o, "band", band ? band : json_null());
    uint32_t from = c->min_trusted_frames > 1 ? c->min_trusted_frames : 1;
    json_object_set_new(o, "min_trusted_frames",
                        !c->npoints || from == VMM_MRC_NOWHERE ? json_null() : json_integer(from));
    int everywhere = c->npoints && from != VMM_MRC_NOWHERE && from <= c->frames[0];
    json_object_set_new(o, "trusted", json_boolean(everywhere));
    json_t *warn = json_array();
    char w[320];
    if (curve_warning(method, c, w, sizeof w))
        json_array_append_new(warn, json_string(w));
    json_object_set_new(o, "warnings", warn);
}

static json_t *curve_json(const mrc_job_t *j, const mrc_result_t *r, const mrc_result_t *exact)
{
    json_t *o = json_object();
    json_object_set_new(o, "method", json_string(r->method));
    if (!r->online)
        json_object_set_new(o, "memory_bytes", json_integer((json_int_t)r->mem_bytes));
    if (exact) {
        uint32_t at;
        double mx = vmm_mrc_max_error(&r->curve, &exact->curve, &at);
        json_object_set_new(o, "mae", json_real(vmm_mrc_mae(&r->curve, &exact->curve)));
        json_object_set_new(o, "max_error", json_real(mx));
        json_object_set_new(o, "max_error_frames", json_integer(at));
    }
    if (r->online) {
        json_object_set_new(o, "detected_accesses", json_integer((json_int_t)r->trace_faults));
        json_object_set_new(o, "overhead_share", json_real(r->overhead));
    }
    shape_json(o, j, r->method, &r->curve);
    if (r->pp) {
        json_t *pp = json_array();
        for (uint32_t i = 0; i < r->npp; i++) {
            json_t *one = json_object();
            char what[64];
            snprintf(what, sizeof what, "%s pid %u", r->method, r->pp_asid[i]);
            json_object_set_new(one, "pid", json_integer(r->pp_asid[i]));
            shape_json(one, j, what, &r->pp[i]);
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
        vmm_mrc_cfg_t cfg;
        res[n].method = j.methods[n];
        if (!(rc = job_sizes(&j, res, n, res[n].method, &cfg)))
            rc = build(&j, &cfg, &res[n], NULL);
    }
    cli_progress_stop();
    for (int i = 0; !rc && i < n; i++)
        warn_curve(res[i].method, &res[i].curve);
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
