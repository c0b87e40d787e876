/* vmmsim convert: rewrite a trace in another format: the one --to names,
 * else the one OUT's extension names, else the compact binary format,
 * which reads at memory speed. With several inputs, they are merged into
 * one trace, each in its own address spaces. */
#include "cli.h"
#include "copy.h"
#include "progress.h"
#include "trace_opts.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char convert_help[] =
    "usage: vmmsim convert [options] IN... OUT\n"
    "\n"
    "Convert trace IN (- = stdin) to OUT (- = stdout) in format FMT. Writable\n"
    "formats: %s. Without --to, OUT's extension chooses (b.vmm is vmm text,\n"
    "b.din.zst compressed din...), and the binary format when it names none. An OUT\n"
    "name ending in .zst, .gz or .xz is compressed. OUT must not be an input (under\n"
    "any name). The output file appears only when the whole conversion succeeded. A\n"
    "format that cannot carry the access size says on stderr how many records lost it.\n"
    "\n"
    "With several inputs (a.lackey b.lackey ... OUT) they are merged into one trace:\n"
    "input i of n maps its asid a to a*n+i (so one-process logs get asids 0..n-1, in\n"
    "order) and the inputs take turns, --burst records each (default 1); an input\n"
    "that ends drops out. Write a format that keeps asids (bin, the default) to keep\n"
    "them apart (docs/trace-formats.md).\n"
    "\n"
    "options:\n"
    "  -f, --format FMT     input format (default: detect per input)\n"
    "      --to FMT         OUT's format (default: from OUT's name, else bin)\n"
    "      --data-only      drop instruction fetches (lackey I, din 2)\n"
    "  -p, --page-size B    page size for page-number formats and the bin header, a\n"
    "                       power of two from 512 to 1G (default 4096, or IN's bin header)\n"
    "  -n N                 stop after N records\n"
    "      --burst N        merging: records each input gives per turn (default 1)\n"
    "      --progress       progress on stderr even when it is not a terminal\n"
    "  -q, --quiet          no progress\n"
    "  -h, --help           this help\n"
    TRACE_OPTS_HELP
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n";

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

/* IN and OUT name the same file (st_dev and st_ino, through any links). */
static int same_file(const char *in, const char *out)
{
    struct stat a, b;
    if (!strcmp(in, "-") || !strcmp(out, "-"))
        return 0;
    return stat(in, &a) == 0 && stat(out, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

int cmd_convert(int argc, char **argv)
{
    enum { C_TO = 1000, C_DATA_ONLY, C_PROGRESS, C_BURST };
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'}, {"to", required_argument, 0, C_TO},
        {"data-only", no_argument, 0, C_DATA_ONLY}, {"page-size", required_argument, 0, 'p'},
        {"burst", required_argument, 0, C_BURST}, {"progress", no_argument, 0, C_PROGRESS},
        {"quiet", no_argument, 0, 'q'}, TRACE_OPTS_LONG,
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    vmm_source_spec_t src = {0};
    const char *to = NULL;
    uint32_t page = 0;
    uint64_t burst;
    int c, progress = 0, quiet = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:p:n:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': src.topts.format = optarg; break;
        case C_TO: to = optarg; break;
        case C_DATA_ONLY: src.topts.data_only = 1; break;
        case 'p':
            if (cli_page_size(optarg, "--page-size", &page))
                return EXIT_USAGE;
            break;
        case 'n':
            if (cli_count(optarg, "-n", &src.limit))
                return EXIT_USAGE;
            break;
        case C_BURST:
            if (cli_count(optarg, "--burst", &burst))
                return EXIT_USAGE;
            if (burst < 1 || burst > UINT32_MAX)
                return cli_usage_error("--burst: expected 1 to %u records", UINT32_MAX);
            src.topts.burst = (uint32_t)burst;
            break;
        case C_PROGRESS: progress = 1; break;
        case 'q': quiet = 1; break;
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
    const char *out = argv[argc - 1];
    if (!to)
        to = cli_format_of_name(out);
    if (!to)
        to = "bin";
    cli_output_t outs[] = {{"OUT", out}};
    if (cli_check_outputs("convert", outs, 1))
        return EXIT_USAGE;
    for (int i = 0; i < nin; i++)
        if (same_file(argv[optind + i], out))
            return cli_usage_error("convert: OUT %s is the input file %s; write to another file",
                                   out, argv[optind + i]);
    src.topts.page_size = page ? page : 4096;
    cli_progress_setup(&src, progress, quiet);
    if (nin == 1) {
        src.trace = argv[optind];
        return cli_copy(&src, out, to, page);
    }
    return cli_copy_merged(&src, (const char *const *)argv + optind, (size_t)nin, out, to, page);
}
