/* vmmsim convert: rewrite a trace in another format: the one --to names,
 * else the one OUT's extension names, else the compact binary format,
 * which reads at memory speed. */
#include "cli.h"
#include "copy.h"
#include "progress.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char convert_help[] =
    "usage: vmmsim convert IN OUT [-f INFMT] [--to FMT] [--data-only] [-p PAGE] [-n N]\n"
    "\n"
    "Convert trace IN (- = stdin) to OUT (- = stdout) in format FMT: vmm, lackey,\n"
    "pages, din or bin. Without --to, OUT's extension chooses (b.vmm is vmm text,\n"
    "b.din.zst compressed din...), and the binary format when it names none. An OUT\n"
    "name ending in .zst is compressed. OUT must not be IN (under any name). The\n"
    "output file appears only when the whole conversion succeeded.\n"
    "\n"
    "options:\n"
    "  -f, --format FMT     IN's format (default: detect)\n"
    "      --to FMT         OUT's format (default: from OUT's name, else bin)\n"
    "      --data-only      drop instruction fetches (lackey I, din 2)\n"
    "  -p, --page-size B    page size for pages traces and the bin header, a power of\n"
    "                       two from 512 to 1G (default 4096, or IN's bin header)\n"
    "  -n N                 stop after N records\n"
    "      --progress       progress on stderr even when it is not a terminal\n"
    "  -q, --quiet          no progress\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n";

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
    enum { C_TO = 1000, C_DATA_ONLY, C_PROGRESS };
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'}, {"to", required_argument, 0, C_TO},
        {"data-only", no_argument, 0, C_DATA_ONLY}, {"page-size", required_argument, 0, 'p'},
        {"progress", no_argument, 0, C_PROGRESS}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    vmm_source_spec_t src = {0};
    const char *to = NULL;
    uint32_t page = 0;
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
        case C_PROGRESS: progress = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(convert_help, stdout); return EXIT_OK;
        default: return cli_usage_error("convert: unknown option (see vmmsim convert --help)");
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("convert: expected IN and OUT (see vmmsim convert --help)");
    const char *in = argv[optind], *out = argv[optind + 1];
    if (!to)
        to = cli_format_of_name(out);
    if (!to)
        to = "bin";
    cli_output_t outs[] = {{"OUT", out}};
    if (cli_check_outputs("convert", outs, 1))
        return EXIT_USAGE;
    if (same_file(in, out))
        return cli_usage_error("convert: OUT %s is the input file %s; write to another file", out,
                               in);
    src.trace = in;
    src.topts.page_size = page ? page : 4096;
    cli_progress_setup(&src, progress, quiet);
    return cli_copy(&src, out, to, page);
}
