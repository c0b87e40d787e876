/* gnuplot driver for MRC plots. The data go inline in the script (`$d <<
 * EOD` blocks), the image to a temporary file renamed into place when
 * gnuplot succeeds. */
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

static void write_script(FILE *g, const char *tmp, const char *term, const char *title,
                         const plot_series_t *s, int n)
{
    for (int i = 0; i < n; i++) {
        fprintf(g, "$d%d << EOD\n", i);
        const vmm_mrc_t *c = s[i].curve;
        for (uint32_t p = 0; p < c->npoints; p++)
            fprintf(g, "%u %.6f\n", c->frames[p], c->refs ? c->misses[p] / (double)c->refs : 0);
        fputs("EOD\n", g);
    }
    fprintf(g, "set terminal %s\nset output ", term);
    put_quoted(g, tmp);
    fputs("\nset title ", g);
    put_quoted(g, title);
    fputs(" noenhanced\nset xlabel 'memory (frames)'\nset ylabel 'miss ratio'\n"
          "set yrange [0:*]\nset grid\nset key top right noenhanced\nplot ", g);
    for (int i = 0; i < n; i++) {
        fprintf(g, "%s$d%d using 1:2 with lines lw 2 title ", i ? ", " : "", i);
        put_quoted(g, s[i].label);
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
