/* The trace readers' format options on the command line (csv columns,
 * delimiter and header, the block map of block traces), shared by the
 * commands that read traces through sim_opts and by convert. */
#ifndef VMM_CLI_TRACE_OPTS_H
#define VMM_CLI_TRACE_OPTS_H

#include "cli.h"
#include <getopt.h>

enum { O_CSV_COLS = 3000, O_CSV_DELIM, O_CSV_HEADER, O_BLOCK_MAP };

#define TRACE_OPTS_LONG                                             \
    {"csv-cols", required_argument, 0, O_CSV_COLS},                 \
    {"csv-delim", required_argument, 0, O_CSV_DELIM},               \
    {"csv-header", required_argument, 0, O_CSV_HEADER},             \
    {"block-map", required_argument, 0, O_BLOCK_MAP}

#define TRACE_OPTS_HELP                                                                   \
    "      --csv-cols K=N,..  csv columns (1-based): obj or addr, size, op, asid, time;\n" \
    "                       implies -f csv (default: named by the header line)\n"        \
    "      --csv-delim C    csv field separator: a character, or tab (default: the first\n" \
    "                       of , tab ; | in the first line)\n"                           \
    "      --csv-header H   auto (default), yes or no: is the first csv line a header\n"  \
    "      --block-map M    vscsi/msr records: id (block number = page number; vscsi\n"  \
    "                       default) or bytes (offset and length; msr default)\n"

/* Is `c` one of the options above? */
static inline int trace_opts_has(int c) { return c >= O_CSV_COLS && c <= O_BLOCK_MAP; }

/* Store option `c` into `o`. 0, or EXIT_USAGE after printing the error. */
int trace_opts_parse(vmm_trace_opts_t *o, int c, const char *arg);

#endif
