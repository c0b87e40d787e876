/* Trace format options; see trace_opts.h. The column mapping itself is
 * checked by the library when the trace opens. */
#include "trace_opts.h"
#include <string.h>
#include <strings.h>

int trace_opts_parse(vmm_trace_opts_t *o, int c, const char *arg)
{
    switch (c) {
    case O_CSV_COLS: o->csv_cols = arg; return 0;
    case O_CSV_DELIM:
        if (!strcasecmp(arg, "tab") || !strcmp(arg, "\\t"))
            o->csv_delim = '\t';
        else if (!strcasecmp(arg, "space"))
            o->csv_delim = ' ';
        else if (strlen(arg) == 1 && arg[0] != '\n' && arg[0] != '\r')
            o->csv_delim = arg[0];
        else
            return cli_usage_error("--csv-delim: expected one character, tab or space, got '%s'",
                                   arg);
        return 0;
    case O_CSV_HEADER:
        if (!strcasecmp(arg, "auto"))
            o->csv_header = VMM_CSV_HEADER_AUTO;
        else if (!strcasecmp(arg, "yes"))
            o->csv_header = VMM_CSV_HEADER_YES;
        else if (!strcasecmp(arg, "no"))
            o->csv_header = VMM_CSV_HEADER_NO;
        else
            return cli_usage_error("--csv-header: expected auto, yes or no, got '%s'", arg);
        return 0;
    case O_BLOCK_MAP:
        if (!strcasecmp(arg, "id"))
            o->block_map = VMM_BLOCK_ID;
        else if (!strcasecmp(arg, "bytes"))
            o->block_map = VMM_BLOCK_BYTES;
        else
            return cli_usage_error("--block-map: expected id or bytes, got '%s'", arg);
        return 0;
    default: return cli_usage_error("unknown option (see --help)");
    }
}
