/* vmmsim gen: write a synthetic trace. Takes the seed's trace_gen options
 * (-t PATTERN -n N -p PROCS -a MB -s SEED -o FILE) or a full spec. */
#include "cli.h"
#include "copy.h"
#include "progress.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char gen_help[] =
    "usage: vmmsim gen [SPEC] [-t PATTERN] [-n N] [-p PROCS] [-a MB] [-s SEED]\n"
    "                  [-o FILE] [--format FMT] [--progress] [-q]\n"
    "\n"
    "Write a synthetic trace. SPEC is 'pattern:key=value,...'; the options add keys\n"
    "(as the seed simulator's trace_gen does). The same spec and seed always give\n"
    "the same trace.\n"
    "\n"
    "options:\n"
    "  -t, --pattern P      the pattern, when no SPEC is given\n"
    "  -n N, -p PROCS, -a MB, -s SEED\n"
    "                       the keys n, p, a and s (below)\n"
    "  -o, --output FILE    where to write (default - = stdout); written whole or not\n"
    "                       at all; a name ending in .zst is compressed\n"
    "  -F, --format FMT     vmm, lackey, pages, din or bin (default: from FILE's\n"
    "                       extension, x.bin or x.din.zst, else vmm text)\n"
    "      --progress       progress on stderr even when it is not a terminal\n"
    "  -q, --quiet          no progress\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n\n";

int cmd_gen(int argc, char **argv)
{
    enum { G_PROGRESS = 1000 };
    static const struct option longopts[] = {
        {"pattern", required_argument, 0, 't'}, {"output", required_argument, 0, 'o'},
        {"format", required_argument, 0, 'F'}, {"progress", no_argument, 0, G_PROGRESS},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    char spec[1024] = "", keys[512] = "";
    const char *pattern = NULL, *out = "-", *fmt = NULL;
    size_t kl = 0;
    int c, progress = 0, quiet = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:n:p:a:s:o:F:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 't': pattern = optarg; break;
        case 'o': out = optarg; break;
        case 'F': fmt = optarg; break;
        case G_PROGRESS: progress = 1; break;
        case 'q': quiet = 1; break;
        case 'n': case 'p': case 'a': case 's':
            kl += (size_t)snprintf(keys + kl, kl < sizeof keys ? sizeof keys - kl : 0, "%s%c=%s",
                                   kl ? "," : "", c, optarg);
            if (kl >= sizeof keys)
                return cli_usage_error("gen: options too long");
            break;
        case 'h':
            fputs(gen_help, stdout);
            fputs(vmm_gen_help(), stdout);
            return EXIT_OK;
        default: return cli_usage_error("gen: unknown option (see vmmsim gen --help)");
        }
    }
    if (optind < argc - 1)
        return cli_usage_error("gen: unexpected argument '%s'", argv[optind + 1]);
    const char *base = optind < argc ? argv[optind] : pattern;
    if (!base)
        return cli_usage_error("gen: give a pattern (-t) or a spec; see vmmsim gen --help");
    if (optind < argc && pattern)
        return cli_usage_error("gen: give either -t or a spec, not both");
    int n = snprintf(spec, sizeof spec, "%s%s%s", base,
                     kl ? (strchr(base, ':') ? "," : ":") : "", keys);
    if (n >= (int)sizeof spec)
        return cli_usage_error("gen: spec too long");
    if (!fmt)
        fmt = cli_format_of_name(out);
    cli_output_t outs[] = {{"-o", out}};
    if (cli_check_outputs("gen", outs, 1))
        return EXIT_USAGE;
    vmm_source_spec_t src = {.gen = spec};
    cli_progress_setup(&src, progress, quiet);
    return cli_copy(&src, out, fmt ? fmt : "vmm", 0);
}
