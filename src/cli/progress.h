/* Progress on stderr for the commands that read traces or run scenarios.
 *
 * Shown when stderr is a terminal (one line redrawn in place, erased at the
 * end), or when forced (--progress, sim -V): then, if stderr is not a
 * terminal, a plain line every few seconds and no escape sequences. -q
 * silences it unless it is forced. The line says what is done (records, or simulated time for
 * run), the rate, and the share done with an ETA when the total is known:
 * from the trace files' sizes against the bytes the readers have read
 * (vmm_trace_bytes_read), or from the records the sources will give
 * (vmm_gen_length, -n, --limit).
 *
 * The library reports through callbacks (vmm_source_spec_t.progress,
 * vmm_host_opts_t.progress) that only store counts; a thread draws, so the
 * line moves at a steady pace however rarely the callbacks come (vmm_run
 * calls every 2^20 records; the MRC builders never do, and the bytes read
 * still move). There is one progress display per process. The environment
 * variable VMMSIM_PROGRESS_MS sets the interval in ms (for tests). */
#ifndef VMM_CLI_PROGRESS_H
#define VMM_CLI_PROGRESS_H

#include "cli.h"

/* Decide whether progress is shown: on a terminal unless `quiet` (-q), and
 * anywhere when `forced` (--progress). Returns nonzero when it will be. */
int cli_progress_init(int forced, int quiet);

/* The command will read `src` `passes` times: add its size (bytes of a
 * trace file, records of a generator or of -n) to the totals the share
 * done is measured against, and point src->progress at the display. */
void cli_progress_source(vmm_source_spec_t *src, unsigned passes);

/* A scenario run: every VM's sources, read twice when each VM also runs
 * alone; points opts->progress at the display. */
void cli_progress_scenario(const vmm_scenario_t *sc, vmm_host_opts_t *opts);

/* Start drawing (after the set-up above), and stop: the line is erased
 * (terminal) so what the command prints next starts clean. Both are
 * no-ops when progress is off; stop may be called more than once. */
void cli_progress_start(void);
void cli_progress_stop(void);

/* The callbacks, for the library: records read so far in the current pass,
 * and a host run's simulated time and page references. */
void cli_progress_records(void *arg, uint64_t records);
void cli_progress_host(void *arg, double sim_ns, uint64_t refs);

/* cli_progress_init + cli_progress_source(src, 1) + cli_progress_start,
 * for the commands that read one source once (gen, convert). */
void cli_progress_setup(vmm_source_spec_t *src, int forced, int quiet);

#endif
