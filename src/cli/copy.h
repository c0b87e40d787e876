/* Copy references from a source (trace or generator), or from several
 * traces merged, to a trace writer, in batches, writing the output whole
 * or not at all. */
#ifndef VMM_CLI_COPY_H
#define VMM_CLI_COPY_H

#include "cli.h"

/* Returns an exit status, having printed any error. Warns on stderr when
 * the output format dropped the size of accesses larger than one byte. */
int cli_copy(const vmm_source_spec_t *src, const char *out, const char *fmt, uint32_t page_size);

/* The same from `n` traces read as one (vmm_trace_open_merged with
 * src->topts; src->limit applies to the merged stream). */
int cli_copy_merged(const vmm_source_spec_t *src, const char *const *paths, size_t n,
                    const char *out, const char *fmt, uint32_t page_size);

/* The trace format an output named `path` asks for by its extension (after
 * any .zst, .gz or .xz): "x.vmm" -> "vmm", "x.bin.zst" -> "bin", one of the
 * names vmm_trace_formats() lists; NULL when the name says none ("-",
 * "x.dat"). */
const char *cli_format_of_name(const char *path);

#endif
