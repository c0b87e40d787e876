/* Plotting miss-ratio curves with gnuplot (SVG or PNG by the file name). */
#ifndef VMM_CLI_PLOT_H
#define VMM_CLI_PLOT_H

#include "vmmsim/mrc.h"

typedef struct plot_series {
    const char *label;
    const vmm_mrc_t *curve;
} plot_series_t;

/* Before any work: `path` names a .svg or .png that can be created, and
 * gnuplot is on PATH. 0, or the exit status after printing why. */
int plot_check(const char *path);

/* Plot the n curves into `path` (.svg or .png), written whole or not at
 * all. Returns an exit status, having printed any error. */
int plot_mrc(const char *path, const char *title, const plot_series_t *s, int n);

#endif
