/* Options shared by the commands that simulate (sim, compare): trace
 * source, memory geometry, policy, TLB, page table and latencies. */
#ifndef VMM_CLI_SIM_OPTS_H
#define VMM_CLI_SIM_OPTS_H

#include "cli.h"
#include "trace_opts.h"
#include <getopt.h>

typedef struct sim_opts {
    vmm_config_t cfg;
    vmm_source_spec_t src;
    uint64_t ram_mb, frames, swap_mb, vspace_mb;
    int have_frames, have_swap, have_vspace, have_page, have_ram, have_policy;
} sim_opts_t;

#define SIM_OPTS_SHORT "t:f:r:p:s:v:a:T:n:"

#define SIM_OPTS_HELP                                                                    \
    "input:\n"                                                                           \
    "  -t, --trace FILE     trace file (- = stdin; zstd, gzip, xz are decompressed)\n"   \
    "      --gen SPEC       simulate a generator instead (vmmsim gen --help)\n"           \
    "  -f, --format FMT     trace format (default: detect; docs/trace-formats.md)\n"     \
    "      --data-only      drop instruction fetches (lackey I, din 2)\n"                \
    TRACE_OPTS_HELP                                                                      \
    "  -n N                 stop after N trace records\n"                                \
    "memory:\n"                                                                          \
    "  -r, --ram MB         machine memory in MiB (default 64)\n"                        \
    "      --frames N       machine memory in frames (overrides -r)\n"                   \
    "  -p, --page-size B    page size in bytes, a power of two from 512 to 1G (default\n" \
    "                       4096, or the page size in a bin trace's header)\n"         \
    "  -s, --swap MB        swap size in MiB (default and 0: unlimited)\n"              \
    "  -v, --vspace MB      virtual address space per process in MiB (default: the page\n" \
    "                       table's own, 48 bits for radix4); sizes the page tables\n" \
    "policy:\n"                                                                          \
    "  -a, --policy NAME    replacement policy (default clock; vmmsim policies lists them)\n" \
    "      --params K=V,..  policy parameters\n"                                          \
    "      --seed N         seed for randomised policies (default 1)\n"                  \
    "translation:\n"                                                                     \
    "  -T, --tlb N[:W]      TLB entries and ways (default 64:4; 0 = no TLB)\n"            \
    "      --tlb-policy P   FIFO or LRU within a set (default LRU)\n"                    \
    "      --tlb-flush      untagged TLB: flush on address-space switch\n"               \
    "      --pt-type T      single|2level|radix3|radix4|hashed|inverted (default radix4;\n" \
    "                       SINGLE and TWO_LEVEL as in the seed simulator)\n"           \
    "      --lat K=T,...    latencies: tlb, mem, minor, major, swapout (ns/us/ms/s;\n"   \
    "                       defaults 1ns, 100ns, 1us, 1ms, 0; see docs/latency.md);\n"  \
    "                       sampler costs tracefault, retrace, scanpage (2us, 500ns, 50ns)\n" \
    "online MRC sampler (US 9,223,722; docs/mrc.md):\n"                                  \
    "      --sampler MODE   off (default), fault (trace faults) or scan (accessed bits)\n" \
    "      --sample-pages S sampled pages per process (default 1024)\n"                 \
    "      --sample-chunks C  groups of the sampled LRU list (default sqrt(S))\n"       \
    "      --sample-period T  sampling period (default 100ms; 0 = re-trace at once)\n"

void sim_opts_init(sim_opts_t *so);
/* Fill `out` with `extra` (n of them, taking precedence) followed by the
 * shared long options and a terminator; `out` must hold 40 + n entries. */
void sim_opts_longopts(struct option *out, const struct option *extra, size_t n);
/* Handle option `c` (returned by getopt_long). 0, or EXIT_USAGE after
 * printing the error (also for an unknown option). */
int sim_opts_parse(sim_opts_t *so, int c, const char *arg);
/* Check and derive (frames from -r...); opens the trace once to check it
 * (and take a bin trace's page size). 0, or the exit status after printing
 * the error. */
int sim_opts_finish(sim_opts_t *so);

#endif
