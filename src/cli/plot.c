/* gnuplot driver for MRC plots. The data go inline in the script (`$d <<
 * EOD` blocks), the image to a temporary file renamed into place when
 * gnuplot succeeds. A sampled curve is drawn with its 95% band shaded, and
 * dashed where it is not to be trusted; a curve of few points marks them,
 * as the lines between are only a reading aid (issue #9). */
#include "plot.h"
#include "cli.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *terminal_for(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && !strcasecmp(path + n - 4, ".svg"))
        return "svg size 900,560 dynamic font 'sans,12' background rgb 'white'";
    if (n > 4 && !strcasecmp(path + n - 4, ".png"))
        return "pngcairo size 900,560 font 'sans,11'";
    return NULL;
}

/* Quote s for a gnuplot single-quoted string. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        fputs(*s == '\'' ? "''" : (char[]){*s, 0}, f);
    fputc('\'', f);
}

/* Few enough points to mark each one. */
#define PLOT_MARK_POINTS 64

static void write_script(FILE *g, const char *tmp, const char *term, const char *title,
                         const plot_series_t *s, int n)
{
    int any_untrusted[64] = {0};
    for (int i = 0; i < n; i++) {
        fprintf(g, "$d%d << EOD\n", i);
        const vmm_mrc_t *c = s[i].curve;
        double N = c->refs ? (double)c->refs : 1;
        int prev = 1;
        for (uint32_t p = 0; p < c->npoints; p++) {
            int t = vmm_mrc_trusted_at(c, c->frames[p]);
            /* columns: frames, ratio, band, trusted, drawn dashed (the
             * untrusted points and the first trusted one, to join them) */
            fprintf(g, "%u %.6f %.6f %.6f %d %d\n", c->frames[p], c->misses[p] / N,
                    (c->lo ? c->lo : c->misses)[p] / N, (c->hi ? c->hi : c->misses)[p] / N, t,
                    !t || !prev);
            any_untrusted[i & 63] |= !t;
            prev = t;
        }
        fputs("EOD\n", g);
    }
    fprintf(g, "set terminal %s\nset output ", term);
    put_quoted(g, tmp);
    fputs("\nset title ", g);
    put_quoted(g, title);
    fputs(" noenhanced\nset xlabel 'memory (frames)'\nset ylabel 'miss ratio'\n"
          "set yrange [0:*]\nset grid\nset key top right noenhanced\n"
          "set style fill transparent solid 0.15 noborder\nplot ", g);
    const char *sep = "";
    for (int i = 0; i < n; i++) {
        const vmm_mrc_t *c = s[i].curve;
        const char *with = c->npoints <= PLOT_MARK_POINTS ? "linespoints pt 7 ps 0.5" : "lines";
        if (c->lo && c->hi) {
            fprintf(g, "%s$d%d using 1:3:4 with filledcurves lc %d notitle", sep, i, i + 1);
            sep = ", ";
        }
        fprintf(g, "%s$d%d using 1:($5 > 0 ? $2 : 1/0) with %s lw 2 lc %d title ", sep, i, with,
                i + 1);
        put_quoted(g, s[i].label);
        sep = ", ";
        if (any_untrusted[i & 63]) {
            fprintf(g, ", $d%d using 1:($6 > 0 ? $2 : 1/0) with %s lw 1 dt 2 lc %d title ", i, with,
                    i + 1);
            char lab[160];
            snprintf(lab, sizeof lab, "%s (not trusted)", s[i].label);
            put_quoted(g, lab);
        }
    }
    fputs("\nset output\n", g);
}

/* An executable `name` in a directory of $PATH. */
static int on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    for (const char *p = path;;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char full[4096];
        if (snprintf(full, sizeof full, "%.*s/%s", (int)len, len ? p : ".", name) <
                (int)sizeof full &&
            access(full, X_OK) == 0)
            return 1;
        if (!end)
            return 0;
        p = end + 1;
    }
}

int plot_check(const char *path)
{
    if (!terminal_for(path))
        return cli_usage_error("--plot %s: expected a .svg or .png file name", path);
    cli_output_t out = {"--plot", path};
    if (!strcmp(path, "-"))
        return cli_usage_error("--plot: expected a file name, not -");
    if (cli_check_outputs("mrc", &out, 1))
        return EXIT_USAGE;
    if (!on_path("gnuplot")) {
        fprintf(stderr, "vmmsim: --plot %s: gnuplot is not on PATH (install gnuplot-nox, or "
                        "make deps as root)\n", path);
        return EXIT_RUNTIME;
    }
    return 0;
}

int plot_mrc(const char *path, const char *title, const plot_series_t *s, int n)
{
    const char *term = terminal_for(path);
    if (!term)
        return cli_usage_error("--plot %s: expected a .svg or .png file name", path);
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp)
        return cli_usage_error("--plot: path too long");
    FILE *g = popen("gnuplot 2>&1", "w");
    if (!g) {
        fprintf(stderr, "vmmsim: --plot: cannot run gnuplot: %s\n", strerror(errno));
        return EXIT_RUNTIME;
    }
    /* gnuplot dying early must be an error here, not SIGPIPE */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    write_script(g, tmp, term, title, s, n);
    int st = pclose(g);
    sigaction(SIGPIPE, &old, NULL);
    if (st != 0 || access(tmp, F_OK) != 0) {
        unlink(tmp);
        fprintf(stderr, "vmmsim: --plot %s: gnuplot failed (is it installed? make deps)\n", path);
        return EXIT_RUNTIME;
    }
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "vmmsim: --plot %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
