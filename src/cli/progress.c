/* Progress display; see progress.h.
 *
 * Counters are atomics written by the library's callbacks (on the thread
 * that runs the simulation) and read by the drawing thread. A pass (one
 * vmm_run, one MRC build) restarts its record count at 0, and a host run
 * (the shared run, then each VM alone) its simulated time, so a count that
 * goes down marks a new pass: the last count seen is banked in `base`. */
#include "progress.h"
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TTY_PERIOD_MS 250       /* redraw interval on a terminal */
#define PLAIN_PERIOD_MS 5000    /* a plain line this often otherwise */
#define FIRST_DRAW_MS 500       /* nothing for runs shorter than this */

enum { P_OFF, P_TTY, P_PLAIN };

static struct {
    int mode;
    int host;                     /* a scenario run: simulated time is shown */
    const vmm_scenario_t *sc;     /* its scenario: the names of the VMs run alone */
    unsigned nruns;               /* host runs in all: 1, or 1 + VMs (each alone) */
    uint64_t total_bytes;         /* of trace files, all passes; 0 unknown */
    uint64_t total_records;       /* all passes; 0 unknown */
    int bytes_complete;           /* every source's size is in total_bytes */
    int records_complete;         /* every source's length is in total_records */
    uint64_t bytes0;              /* vmm_trace_bytes_read() at the start */
    double t0;                    /* wall clock at the start */
    _Atomic uint64_t base, last;  /* records (host: page references) */
    _Atomic double sim_last;      /* host: simulated ns of the current run */
    _Atomic unsigned run;         /* host: runs started, 1 = the shared one */
    atomic_int drawn;             /* a terminal line is on screen */
    pthread_t thread;
    int running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
} P = {.mode = P_OFF, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
       .bytes_complete = 1, .records_complete = 1};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int cli_progress_init(int forced, int quiet)
{
    int tty = isatty(STDERR_FILENO);
    if (forced)   /* asked for by name: -q (no report) does not take it away */
        P.mode = tty ? P_TTY : P_PLAIN;
    else
        P.mode = tty && !quiet ? P_TTY : P_OFF;
    return P.mode != P_OFF;
}

/* Size of a trace file ("-": stdin when it is a regular file); 0 unknown. */
static uint64_t file_size(const char *path)
{
    struct stat st;
    int ok = !strcmp(path, "-") ? fstat(STDIN_FILENO, &st) == 0 : stat(path, &st) == 0;
    return ok && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

/* Records a source gives (a generator's length, or -n/--limit), 0 unknown. */
static uint64_t source_records(const char *gen, uint64_t limit)
{
    uint64_t n = 0;
    if (gen) {
        vmm_gen_t *g = NULL;
        vmm_err_t err;
        if (vmm_gen_create(gen, &g, &err) == 0)
            n = vmm_gen_length(g);
        vmm_gen_destroy(g);
    }
    return limit && (!n || limit < n) ? limit : n;
}

static void add_source(const char *trace, const char *gen, uint64_t limit, unsigned passes)
{
    uint64_t bytes = trace ? file_size(trace) : 0;
    uint64_t recs = source_records(gen, limit);
    if (trace && !bytes)
        P.bytes_complete = 0;
    if (!recs)
        P.records_complete = 0;
    P.total_bytes += bytes * passes;
    P.total_records += recs * passes;
}

void cli_progress_source(vmm_source_spec_t *src, unsigned passes)
{
    if (P.mode == P_OFF)
        return;
    add_source(src->trace, src->trace ? NULL : src->gen, src->limit, passes);
    src->progress = cli_progress_records;
    src->progress_arg = NULL;
}

void cli_progress_scenario(const vmm_scenario_t *sc, vmm_host_opts_t *opts)
{
    if (P.mode == P_OFF)
        return;
    P.host = 1;
    P.sc = sc;
    P.nruns = opts->alone ? 1 + sc->nvms : 1;
    for (uint32_t i = 0; i < sc->nvms; i++)
        for (uint32_t k = 0; k < sc->vms[i].nsources; k++) {
            const vmm_scn_source_t *s = &sc->vms[i].sources[k];
            int trace = s->kind == VMM_SRC_TRACE;
            add_source(trace ? s->text : NULL, trace ? NULL : s->text, opts->limit,
                       opts->alone ? 2 : 1);
        }
    opts->progress = cli_progress_host;
    opts->progress_arg = NULL;
}

void cli_progress_records(void *arg, uint64_t records)
{
    (void)arg;
    uint64_t last = atomic_load(&P.last);
    if (records < last)
        atomic_fetch_add(&P.base, last);   /* a new pass */
    atomic_store(&P.last, records);
}

void cli_progress_host(void *arg, double sim_ns, uint64_t refs)
{
    (void)arg;
    if (sim_ns < atomic_load(&P.sim_last) || !atomic_load(&P.run))
        atomic_fetch_add(&P.run, 1);
    atomic_store(&P.sim_last, sim_ns);
    cli_progress_records(NULL, refs);
}

/* "12.3M" */
static void human(char *buf, size_t n, double v)
{
    static const char *const suf[] = {"", "K", "M", "G", "T"};
    int k = 0;
    while (v >= 1000 && k < 4) {
        v /= 1000;
        k++;
    }
    snprintf(buf, n, k ? "%.1f%s" : "%.0f%s", v, suf[k]);
}

static void clock_text(char *buf, size_t n, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

/* The share done: by records when every source's count is known (exact
 * for generators and -n), else by the bytes of the trace files; < 0 when
 * neither is known. */
static double share_done(uint64_t recs)
{
    if (P.records_complete && P.total_records)
        return (double)recs / (double)P.total_records;
    if (P.bytes_complete && P.total_bytes)
        return (double)(vmm_trace_bytes_read() - P.bytes0) / (double)P.total_bytes;
    return -1;
}

static void draw(void)
{
    double el = now_s() - P.t0;
    uint64_t recs = atomic_load(&P.base) + atomic_load(&P.last);
    char line[256], n[32], rate[32];
    size_t k = 0;
    human(n, sizeof n, (double)recs);
    human(rate, sizeof rate, el > 0 ? recs / el : 0);
    if (P.host) {
        unsigned run = atomic_load(&P.run);
        char which[128] = "";
        if (run > 1 && run <= P.nruns)   /* runs after the first: each VM alone */
            snprintf(which, sizeof which, " (run %u of %u: %s alone)", run, P.nruns,
                     P.sc->vms[run - 2].name);
        k += (size_t)snprintf(line + k, sizeof line - k, "simulated %.2f s%s, %s page refs, %s/s",
                              atomic_load(&P.sim_last) / 1e9, which, n, rate);
    } else if (recs) {
        k += (size_t)snprintf(line + k, sizeof line - k, "%s records, %s/s", n, rate);
    } else {
        double mb = (double)(vmm_trace_bytes_read() - P.bytes0) / 1e6;
        k += (size_t)snprintf(line + k, sizeof line - k, "%.1f MB read, %.1f MB/s", mb,
                              el > 0 ? mb / el : 0);
    }
    double f = share_done(recs);
    if (f >= 0 && k < sizeof line) {
        if (f > 0.999)
            f = 0.999;   /* the totals are estimates; never claim done early */
        char eta[32];
        clock_text(eta, sizeof eta, f > 0 ? el * (1 - f) / f : 0);
        k += (size_t)snprintf(line + k, sizeof line - k, ", %.0f%%%s%s", 100 * f,
                              f > 0.01 ? ", ETA " : "", f > 0.01 ? eta : "");
    }
    char et[32];
    clock_text(et, sizeof et, el);
    if (P.mode == P_TTY) {
        fprintf(stderr, "\r%s (%s)\033[K", line, et);
        atomic_store(&P.drawn, 1);
    } else {
        fprintf(stderr, "vmmsim: %s (%s elapsed)\n", line, et);
    }
    fflush(stderr);
}

static void *ticker(void *arg)
{
    (void)arg;
    int period = P.mode == P_TTY ? TTY_PERIOD_MS : PLAIN_PERIOD_MS;
    const char *env = getenv("VMMSIM_PROGRESS_MS");   /* tests: a shorter interval */
    if (env && atoi(env) > 0)
        period = atoi(env);
    int wait_ms = P.mode == P_TTY && period > FIRST_DRAW_MS ? FIRST_DRAW_MS : period;
    pthread_mutex_lock(&P.mu);
    while (!P.stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += wait_ms / 1000;
        ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&P.cv, &P.mu, &ts) != 0 && !P.stop)
            draw();
        wait_ms = period;
    }
    pthread_mutex_unlock(&P.mu);
    return NULL;
}

void cli_progress_start(void)
{
    if (P.mode == P_OFF || P.running)
        return;
    P.t0 = now_s();
    P.bytes0 = vmm_trace_bytes_read();
    P.stop = 0;
    P.running = pthread_create(&P.thread, NULL, ticker, NULL) == 0;
}

void cli_progress_stop(void)
{
    if (!P.running)
        return;
    pthread_mutex_lock(&P.mu);
    P.stop = 1;
    pthread_cond_signal(&P.cv);
    pthread_mutex_unlock(&P.mu);
    pthread_join(P.thread, NULL);
    P.running = 0;
    if (atomic_exchange(&P.drawn, 0)) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

void cli_progress_abort(void)
{
    /* async-signal-safe: an atomic and write(2) */
    if (atomic_load(&P.drawn))
        (void)!write(STDERR_FILENO, "\r\033[K", 4);
}

void cli_progress_setup(vmm_source_spec_t *src, int forced, int quiet)
{
    if (cli_progress_init(forced, quiet)) {
        cli_progress_source(src, 1);
        cli_progress_start();
    }
}
