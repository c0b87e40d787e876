/* Memory that options make the library allocate up front, checked before
 * it is allocated.
 *
 * Most memory grows with the pages a trace touches. Some is sized by an
 * option before the first reference: the engine's and the policy's per-frame
 * arrays (--frames, -r), the TLB (-T), the miniature caches of mrc --method
 * mini (--max-frames). For those the estimate is measured rather than
 * assumed: the same object is built at a few small sizes, the heap growth is
 * read (glibc's mallinfo2), and a line (for mini, a power law of exponent 1
 * to 2) through those points is extrapolated to the size asked for. So the estimate
 * follows the library as it changes (an engine that grows its arrays lazily
 * measures as nearly nothing). An estimate above the memory the process can
 * get (physical memory available now, ulimit -v, ulimit -d) is refused
 * with exit 2;
 * one above CLI_BUDGET_NOTE bytes is reported on stderr and goes ahead.
 * Without mallinfo2 (not glibc, or under a sanitizer's allocator) nothing
 * is measured and nothing refused. */
#ifndef VMM_CLI_BUDGET_H
#define VMM_CLI_BUDGET_H

#include "cli.h"

#define CLI_BUDGET_NOTE (512.0 * 1048576)   /* say so above this */

/* vmm_create(cfg) at cfg->frames frames and cfg->tlb. `what` names the
 * option ("--frames 4294967294"). 0, or EXIT_USAGE after printing why. */
int cli_budget_engine(const vmm_config_t *cfg, const char *what);

/* vmm_mrc_builder_init of `ops` with cfg (its max_frames). 0 or EXIT_USAGE. */
int cli_budget_mrc(const vmm_mrc_ops *ops, const vmm_mrc_cfg_t *cfg, const char *what);

#endif
