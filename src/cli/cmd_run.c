/* vmmsim run: simulate a hypervisor scenario (several VMs on one host) and
 * report. The scenario is an INI file (docs/scenario.md) or, without one,
 * the embedded demo; --set overrides its keys in the order given. Output:
 * a text report on stdout, --json, and the allocation and balancer-log time
 * series as CSV (docs/json-schema.md, "host report"). */
#include "cli.h"
#include "progress.h"
#include "vmmsim/host.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char run_help[] =
    "usage: vmmsim run [SCENARIO.ini] [options]\n"
    "\n"
    "Simulate a host running several VMs: vCPUs scheduled on pCPUs, a TLB and\n"
    "two-dimensional (or shadow) page walks, each VM's memory with tiers below\n"
    "DRAM, and a balancer moving memory between VMs every period. The scenario\n"
    "file is described in docs/scenario.md; without one, the embedded demo runs\n"
    "(three VMs on an overcommitted host; see --print-demo).\n"
    "\n"
    "scenario:\n"
    "      --set S.KEY=VALUE  override a key: host.KEY=VALUE or vm.NAME.KEY=VALUE\n"
    "                         (e.g. host.balancer=mrc, vm.web.memory=128M);\n"
    "                         repeatable, applied in order after loading\n"
    "      --no-alone         skip the runs of each VM alone (no slowdown figures)\n"
    "      --limit N          stop each trace or generator after N records (K/M/G)\n"
    "      --print-demo       print the demo scenario as INI text and exit\n"
    "      --keys             print every scenario key as a Markdown table and exit\n"
    "\n"
    "output:\n"
    "      --json FILE        the whole result as JSON; - = stdout\n"
    "      --alloc-csv FILE   each VM's allocation at every period's end:\n"
    "                         t_ms,vm,alloc_pages,resident_pages,active,miss_ratio\n"
    "      --log-csv FILE     the balancer's decisions:\n"
    "                         t_ms,period,from,to,pages,reason,benefit\n"
    "      --progress         progress on stderr even when it is not a terminal\n"
    "  -q, --quiet            no text report on stdout, no progress\n"
    "  -h, --help             this help\n"
    "\n"
    "Output files are written whole or not at all. The text report goes to stdout\n"
    "unless -q is given or an output is - (stdout).\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n";

enum { R_SET = 5000, R_JSON, R_ALLOC_CSV, R_LOG_CSV, R_NO_ALONE, R_LIMIT, R_PRINT_DEMO, R_KEYS,
       R_PROGRESS };

typedef struct run_job {
    const char *file;           /* scenario file, or NULL for the demo */
    const char **sets;          /* --set overrides, in order (point into argv) */
    int nsets;
    const char *json, *alloc_csv, *log_csv;
    int quiet, print_demo, keys, progress;
    vmm_host_opts_t opts;
} run_job_t;

/* Parse the arguments into *j. Returns 0, -1 after --help (exit 0), or
 * EXIT_USAGE after printing the error. */
static int parse_args(run_job_t *j, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"set", required_argument, 0, R_SET}, {"json", required_argument, 0, R_JSON},
        {"alloc-csv", required_argument, 0, R_ALLOC_CSV},
        {"log-csv", required_argument, 0, R_LOG_CSV}, {"no-alone", no_argument, 0, R_NO_ALONE},
        {"limit", required_argument, 0, R_LIMIT}, {"print-demo", no_argument, 0, R_PRINT_DEMO},
        {"keys", no_argument, 0, R_KEYS}, {"quiet", no_argument, 0, 'q'},
        {"progress", no_argument, 0, R_PROGRESS},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, rc = 0;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        switch (c) {
        case R_SET: j->sets[j->nsets++] = optarg; break;
        case R_JSON: j->json = optarg; break;
        case R_ALLOC_CSV: j->alloc_csv = optarg; break;
        case R_LOG_CSV: j->log_csv = optarg; break;
        case R_NO_ALONE: j->opts.alone = 0; break;
        case R_LIMIT: rc = cli_count(optarg, "--limit", &j->opts.limit); break;
        case R_PRINT_DEMO: j->print_demo = 1; break;
        case R_KEYS: j->keys = 1; break;
        case 'q': j->quiet = 1; break;
        case R_PROGRESS: j->progress = 1; break;
        case 'h': fputs(run_help, stdout); return -1;
        default: rc = cli_usage_error("run: unknown option (see vmmsim run --help)");
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        j->file = argv[optind++];
    if (optind < argc)
        return cli_usage_error("run: unexpected argument '%s' (one scenario file at most)",
                               argv[optind]);
    cli_output_t outs[] = {{"--json", j->json}, {"--alloc-csv", j->alloc_csv},
                           {"--log-csv", j->log_csv}};
    return cli_check_outputs("run", outs, sizeof outs / sizeof outs[0]);
}

/* The scenario: the file or the demo, then every --set in order. */
static int load(const run_job_t *j, vmm_scenario_t **sc)
{
    vmm_err_t err;
    vmm_err_clear(&err);
    int rc = j->file ? vmm_scenario_load_file(j->file, sc, &err)
                     : vmm_scenario_load_string(vmm_scenario_demo_text(), "demo", sc, &err);
    if (rc)
        return cli_fail(rc, &err);
    for (int i = 0; i < j->nsets; i++) {
        if ((rc = vmm_scenario_set(*sc, j->sets[i], &err))) {
            vmm_scenario_destroy(*sc);
            *sc = NULL;
            return cli_fail(rc, &err);
        }
    }
    return 0;
}

/* Open every trace the VMs will read, before the run: a missing or
 * unreadable trace, or one in no known format, is reported with the VM, and
 * the scenario line that names it. 0 or the exit status. */
static int check_traces(const vmm_scenario_t *sc)
{
    for (uint32_t i = 0; i < sc->nvms; i++) {
        const vmm_vm_spec_t *vm = &sc->vms[i];
        for (uint32_t k = 0; k < vm->nsources; k++) {
            const vmm_scn_source_t *src = &vm->sources[k];
            if (src->kind != VMM_SRC_TRACE)
                continue;
            vmm_trace_opts_t o = {.format = strcmp(vm->format, "auto") ? vm->format : NULL,
                                  .page_size = sc->host.page_size};
            vmm_trace_t *t;
            vmm_err_t err, where;
            int rc = vmm_trace_open(src->text, &o, &t, &err);
            if (!rc) {
                vmm_trace_close(t);
                continue;
            }
            char why[sizeof err.msg + sizeof err.file + 32];
            vmm_err_format(&err, why, sizeof why);
            vmm_err_set(&where, rc, sc->file, src->line, -1, "[vm %s] trace: %s", vm->name, why);
            return cli_fail(rc, &where);
        }
    }
    return 0;
}

typedef enum { OUT_JSON, OUT_ALLOC, OUT_LOG } out_kind_t;

/* One output of a run, for cli_write_file. */
typedef struct run_out {
    out_kind_t kind;
    const vmm_scenario_t *sc;
    const vmm_host_result_t *res;
} run_out_t;

static int fill_out(FILE *f, const void *arg)
{
    const run_out_t *o = arg;
    switch (o->kind) {
    case OUT_JSON: return vmm_host_report_json(f, o->sc, o->res);
    case OUT_ALLOC: return vmm_host_alloc_csv(f, o->res);
    case OUT_LOG: return vmm_host_log_csv(f, o->res);
    }
    return VMM_EINVAL;
}

static int write_out(const char *path, out_kind_t kind, const vmm_scenario_t *sc,
                     const vmm_host_result_t *res)
{
    run_out_t o = {kind, sc, res};
    return cli_write_file(path, fill_out, &o);
}

/* The MRC balancer moves memory by the VMs' curves: with none it keeps the
 * static split, which the user should hear of rather than find out. */
static void warn_no_curves(const vmm_scenario_t *sc)
{
    if (sc->host.balancer != VMM_BAL_MRC)
        return;
    for (uint32_t i = 0; i < sc->nvms; i++)
        if (strcmp(sc->vms[i].mrc, "none"))
            return;
    fprintf(stderr, "vmmsim: warning: host.balancer = mrc, but every VM has mrc = none: "
                    "with no curve to read the balancer keeps the static split\n");
}

int cmd_run(int argc, char **argv)
{
    run_job_t j;
    memset(&j, 0, sizeof j);
    vmm_host_opts_default(&j.opts);
    j.sets = calloc((size_t)argc + 1, sizeof *j.sets);
    if (!j.sets) {
        cli_usage_error("out of memory");
        return EXIT_RUNTIME;
    }
    int rc = parse_args(&j, argc, argv);
    if (rc) {
        free(j.sets);
        return rc < 0 ? EXIT_OK : rc;
    }
    if (j.print_demo || j.keys) {
        if (j.print_demo)
            fputs(vmm_scenario_demo_text(), stdout);
        int bad = j.keys && vmm_scenario_keys_markdown(stdout);
        bad |= fflush(stdout) != 0;
        free(j.sets);
        if (bad) {
            cli_usage_error("cannot write to stdout");
            return EXIT_RUNTIME;
        }
        return EXIT_OK;
    }

    vmm_scenario_t *sc = NULL;
    if ((rc = load(&j, &sc)) || (rc = check_traces(sc))) {
        vmm_scenario_destroy(sc);
        free(j.sets);
        return rc;
    }
    warn_no_curves(sc);
    vmm_host_result_t res;
    vmm_err_t err;
    vmm_err_clear(&err);
    memset(&res, 0, sizeof res);
    if (cli_progress_init(j.progress, j.quiet)) {
        cli_progress_scenario(sc, &j.opts);
        cli_progress_start();
    }
    int code = vmm_host_run(sc, &j.opts, &res, &err);
    cli_progress_stop();
    if (code) {
        rc = cli_fail(code, &err);
    } else {
        int to_stdout = (j.json && !strcmp(j.json, "-")) ||
                        (j.alloc_csv && !strcmp(j.alloc_csv, "-")) ||
                        (j.log_csv && !strcmp(j.log_csv, "-"));
        if (!j.quiet && !to_stdout &&
            (vmm_host_report_text(stdout, sc, &res) || fflush(stdout))) {
            cli_usage_error("cannot write the report to stdout");
            rc = EXIT_RUNTIME;
        }
        if (j.json && !rc)
            rc = write_out(j.json, OUT_JSON, sc, &res);
        if (j.alloc_csv && !rc)
            rc = write_out(j.alloc_csv, OUT_ALLOC, sc, &res);
        if (j.log_csv && !rc)
            rc = write_out(j.log_csv, OUT_LOG, sc, &res);
        vmm_host_result_fini(&res);
    }
    vmm_scenario_destroy(sc);
    free(j.sets);
    return rc;
}
