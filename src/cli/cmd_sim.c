/* vmmsim sim: simulate one trace with one policy and report.
 *
 * Accepts the seed simulator's options (-t -r -p -s -v -a -T --tlb-policy
 * --pt-type -n --seed -o --csv -q -V -D) so its users can switch, plus
 * --frames, --policy and the rest of ours. */
#include "cli.h"
#include "progress.h"
#include "sim_opts.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char sim_help[] =
    "usage: vmmsim sim -t TRACE [options]\n"
    "       vmmsim sim --gen SPEC [options]\n"
    "\n"
    "Simulate a trace through the TLB, page table and frames with one replacement\n"
    "policy, and report counts and average memory access time.\n"
    "\n"
    SIM_OPTS_HELP
    "\n"
    "output:\n"
    "  -o, --json FILE      write the JSON report (docs/json-schema.md); - = stdout\n"
    "      --csv FILE       write per-process counters as CSV; - = stdout\n"
    "      --timing         include host time and throughput (not deterministic)\n"
    "  -q, --quiet          no summary on stdout, no progress\n"
    "      --progress       progress on stderr even when it is not a terminal (a line\n"
    "                       every few seconds); shown anyway on a terminal\n"
    "  -V, --verbose        the same as --progress (also -D, as in the seed simulator)\n"
    "  -h, --help           this help\n"
    "\n"
    "\n"
    "Output files are written whole or not at all; at most one of them can be -.\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n";

enum { OPT_CSV = 1000, OPT_TIMING, OPT_PROGRESS };

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The report a --json or --csv file gets, for cli_write_file. */
typedef struct sim_out {
    const vmm_stats_t *st;
    const vmm_config_t *cfg;
    const vmm_run_info_t *info;
} sim_out_t;

static int fill_json(FILE *f, const void *arg)
{
    const sim_out_t *o = arg;
    return vmm_report_json(f, o->st, o->cfg, o->info);
}

static int fill_csv(FILE *f, const void *arg)
{
    return vmm_report_csv(f, ((const sim_out_t *)arg)->st);
}

int cmd_sim(int argc, char **argv)
{
    sim_opts_t so;
    sim_opts_init(&so);
    const char *json = NULL, *csv = NULL;
    int quiet = 0, verbose = 0, timing = 0;
    static const struct option extra[] = {
        {"json", required_argument, 0, 'o'}, {"csv", required_argument, 0, OPT_CSV},
        {"timing", no_argument, 0, OPT_TIMING}, {"quiet", no_argument, 0, 'q'},
        {"verbose", no_argument, 0, 'V'}, {"progress", no_argument, 0, OPT_PROGRESS},
        {"help", no_argument, 0, 'h'},
    };
    struct option longopts[64];
    sim_opts_longopts(longopts, extra, sizeof extra / sizeof extra[0]);
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, SIM_OPTS_SHORT "o:qVDh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': json = optarg; break;
        case OPT_CSV: csv = optarg; break;
        case OPT_TIMING: timing = 1; break;
        case 'q': quiet = 1; break;
        case 'V': case 'D': case OPT_PROGRESS: verbose = 1; break;
        case 'h': fputs(sim_help, stdout); return EXIT_OK;
        default:
            if (sim_opts_parse(&so, c, optarg))
                return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage_error("sim: unexpected argument '%s' (see vmmsim sim --help)", argv[optind]);
    cli_output_t outs[] = {{"--json", json}, {"--csv", csv}};
    if (cli_check_outputs("sim", outs, sizeof outs / sizeof outs[0]))
        return EXIT_USAGE;
    int rc = sim_opts_finish(&so);
    if (rc)
        return rc;

    vmm_err_t err;
    vmm_err_clear(&err);
    vmm_t *m;
    rc = vmm_create(&so.cfg, &m, &err);
    if (rc)
        return cli_fail(rc, &err);
    vmm_run_info_t info;
    if (cli_progress_init(verbose, quiet)) {
        cli_progress_source(&so.src, vmm_needs_prepass(m) ? 2 : 1);
        cli_progress_start();
    }
    double t0 = now_seconds();
    rc = vmm_run(m, &so.src, &info, &err);
    double wall = now_seconds() - t0;
    cli_progress_stop();
    if (rc) {
        vmm_destroy(m);
        return cli_fail(rc, &err);
    }
    info.wall_seconds = timing ? wall : -1;
    vmm_stats_t st;
    vmm_get_stats(m, &st);
    int out = EXIT_OK;
    sim_out_t so_out = {&st, vmm_get_config(m), &info};
    int to_stdout = (json && !strcmp(json, "-")) || (csv && !strcmp(csv, "-"));
    if (!quiet && !to_stdout)
        vmm_report_text(stdout, &st, vmm_get_config(m), &info);
    if (json && !out)
        out = cli_write_file(json, fill_json, &so_out);
    if (csv && !out)
        out = cli_write_file(csv, fill_csv, &so_out);
    vmm_destroy(m);
    return out;
}
