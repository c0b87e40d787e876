/* Copy references from a source (trace or generator) to a trace writer,
 * in batches, writing the output whole or not at all. */
#ifndef VMM_CLI_COPY_H
#define VMM_CLI_COPY_H

#include "cli.h"

/* Returns an exit status, having printed any error. */
int cli_copy(const vmm_source_spec_t *src, const char *out, const char *fmt, uint32_t page_size);

#endif
