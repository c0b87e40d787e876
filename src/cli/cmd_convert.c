/* vmmsim convert: rewrite a trace in another format; by default the
 * compact binary format, which reads at memory speed. With several inputs,
 * they are merged into one trace, each in its own address spaces. */
#include "cli.h"
#include "copy.h"
#include "trace_opts.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char convert_help[] =
    "usage: vmmsim convert IN... OUT [-f INFMT] [--to FMT] [--data-only] [-p PAGE] [-n N]\n"
    "                      [--burst N] [csv and block options]\n"
    "\n"
    "Convert trace IN (- = stdin) to OUT (- = stdout) in format FMT, by default bin.\n"
    "Writable formats: %s.\n"
    "An OUT name ending in .zst, .gz or .xz is compressed. The output file appears\n"
    "only when the whole conversion succeeded. A format that cannot carry the access\n"
    "size says on stderr how many records lost it.\n"
    "\n"
    "With several inputs (a.lackey b.lackey ... OUT) they are merged into one trace:\n"
    "input i of n maps its asid a to a*n+i (so one-process logs get asids 0..n-1, in\n"
    "order) and the inputs take turns, --burst records each (default 1); an input\n"
    "that ends drops out. Write a format that keeps asids (bin, the default) to keep\n"
    "them apart (docs/trace-formats.md).\n"
    "\n"
    "  -f, --format FMT     input format (default: detect per input)\n"
    "      --to FMT         output format\n"
    "      --data-only      drop instruction fetches\n"
    "  -p, --page-size B    page size for page-number formats (default 4096)\n"
    "  -n N                 stop after N records\n"
    "      --burst N        merging: records each input gives per turn (default 1)\n"
    TRACE_OPTS_HELP;

/* Print the help with the writable formats from the registry. */
static int help(void)
{
    char list[256] = "";
    size_t n = 0;
    for (const char *const *f = vmm_trace_writable(); *f; f++)
        n += (size_t)snprintf(list + n, n < sizeof list ? sizeof list - n : 0, "%s%s",
                              n ? ", " : "", *f);
    printf(convert_help, list);
    return EXIT_OK;
}

enum { O_BURST = 2100 };

int cmd_convert(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'}, {"to", required_argument, 0, 'T'},
        {"data-only", no_argument, 0, 'D'}, {"page-size", required_argument, 0, 'p'},
        {"burst", required_argument, 0, O_BURST}, TRACE_OPTS_LONG,
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    vmm_source_spec_t src = {0};
    const char *to = "bin";
    uint64_t page = 4096, burst;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:p:n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': src.topts.format = optarg; break;
        case 'T': to = optarg; break;
        case 'D': src.topts.data_only = 1; break;
        case 'p':
            if (cli_size(optarg, "--page-size", &page) || page > (1u << 30))
                return cli_usage_error("--page-size: expected a size up to 1G");
            break;
        case 'n':
            if (cli_count(optarg, "-n", &src.limit))
                return EXIT_USAGE;
            break;
        case O_BURST:
            if (cli_count(optarg, "--burst", &burst))
                return EXIT_USAGE;
            if (burst < 1 || burst > UINT32_MAX)
                return cli_usage_error("--burst: expected 1 to %u records", UINT32_MAX);
            src.topts.burst = (uint32_t)burst;
            break;
        case 'h': return help();
        default:
            if (trace_opts_has(c)) {
                if (trace_opts_parse(&src.topts, c, optarg))
                    return EXIT_USAGE;
                break;
            }
            return cli_usage_error("convert: unknown option (see vmmsim convert --help)");
        }
    }
    int nin = argc - optind - 1;
    if (nin < 1)
        return cli_usage_error("convert: expected IN... and OUT (see vmmsim convert --help)");
    src.topts.page_size = (uint32_t)page;
    const char *out = argv[argc - 1];
    if (nin == 1) {
        src.trace = argv[optind];
        return cli_copy(&src, out, to, (uint32_t)page);
    }
    return cli_copy_merged(&src, (const char *const *)argv + optind, (size_t)nin, out, to,
                           (uint32_t)page);
}
