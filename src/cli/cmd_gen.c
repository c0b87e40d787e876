/* vmmsim gen: write a synthetic trace. Takes the seed's trace_gen options
 * (-t PATTERN -n N -p PROCS -a MB -s SEED -o FILE) or a full spec. */
#include "cli.h"
#include "copy.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char gen_help[] =
    "usage: vmmsim gen [SPEC] [-t PATTERN] [-n N] [-p PROCS] [-a MB] [-s SEED]\n"
    "                  [-o FILE] [--format FMT]\n"
    "\n"
    "Write a synthetic trace. SPEC is 'pattern:key=value,...'; the options add keys\n"
    "(as the seed simulator's trace_gen does). Output: FILE (default stdout) in FMT\n"
    "(vmm text by default; bin, pages, din, lackey; a .zst name is compressed).\n"
    "The same spec and seed always give the same trace.\n\n";

int cmd_gen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pattern", required_argument, 0, 't'}, {"output", required_argument, 0, 'o'},
        {"format", required_argument, 0, 'F'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    char spec[1024] = "", keys[512] = "";
    const char *pattern = NULL, *out = "-", *fmt = "vmm";
    size_t kl = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:n:p:a:s:o:F:h", longopts, NULL)) != -1) {
        switch (c) {
        case 't': pattern = optarg; break;
        case 'o': out = optarg; break;
        case 'F': fmt = optarg; break;
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
    vmm_source_spec_t src = {.gen = spec};
    return cli_copy(&src, out, fmt, 4096);
}
