/* Copy references from a source (trace or generator) to a trace writer,
 * in batches, writing the output whole or not at all. */
#ifndef VMM_CLI_COPY_H
#define VMM_CLI_COPY_H

#include "cli.h"

/* Returns an exit status, having printed any error. page_size 0: the
 * source's (a bin header's), else 4096. Stops the progress display. */
int cli_copy(const vmm_source_spec_t *src, const char *out, const char *fmt, uint32_t page_size);

/* The trace format an output named `path` asks for by its extension (after
 * any .zst): "x.vmm" -> "vmm", "x.bin.zst" -> "bin", one of the names
 * vmm_trace_formats() lists; NULL when the name says none ("-", "x.dat"). */
const char *cli_format_of_name(const char *path);

#endif
