/* vmmsim convert: rewrite a trace in another format; by default the
 * compact binary format, which reads at memory speed. */
#include "cli.h"
#include "copy.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char convert_help[] =
    "usage: vmmsim convert IN OUT [-f INFMT] [--to FMT] [--data-only] [-p PAGE] [-n N]\n"
    "\n"
    "Convert trace IN (- = stdin) to OUT (- = stdout) in format FMT: bin (default),\n"
    "vmm, pages, din or lackey; an OUT name ending in .zst is compressed. The\n"
    "output file appears only when the whole conversion succeeded.\n";

int cmd_convert(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'}, {"to", required_argument, 0, 'T'},
        {"data-only", no_argument, 0, 'D'}, {"page-size", required_argument, 0, 'p'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    vmm_source_spec_t src = {0};
    const char *to = "bin";
    uint32_t page = 4096;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:p:n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': src.topts.format = optarg; break;
        case 'T': to = optarg; break;
        case 'D': src.topts.data_only = 1; break;
        case 'p':
            if (cli_page_size(optarg, "--page-size", &page))
                return EXIT_USAGE;
            break;
        case 'n':
            if (cli_count(optarg, "-n", &src.limit))
                return EXIT_USAGE;
            break;
        case 'h': fputs(convert_help, stdout); return EXIT_OK;
        default: return cli_usage_error("convert: unknown option (see vmmsim convert --help)");
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("convert: expected IN and OUT (see vmmsim convert --help)");
    src.trace = argv[optind];
    src.topts.page_size = page;
    return cli_copy(&src, argv[optind + 1], to, page);
}
