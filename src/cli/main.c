/* vmmsim: command dispatch. Each subcommand lives in its own file. */
#include "cli.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const cli_cmd_t commands[] = {
    {"sim", "simulate a trace with one policy and report counts and AMT", cmd_sim},
    {"compare", "run several policies and memory sizes over one trace", cmd_compare},
    {"mrc", "miss-ratio curves: exact, SHARDS, miniature simulation, the patent's online method", cmd_mrc},
    {"run", "simulate a hypervisor scenario: several VMs sharing one host's memory", cmd_run},
    {"gen", "generate a synthetic trace", cmd_gen},
    {"convert", "convert a trace between formats (e.g. to the compact binary)", cmd_convert},
    {"policies", "list the replacement policies", cmd_policies},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: vmmsim COMMAND [options]   (vmmsim help COMMAND, or vmmsim COMMAND --help)\n\n"
               "vmmsim %s: a trace-driven simulator of hypervisor memory management.\n\n"
               "commands:\n", VMM_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\nvmmsim -t TRACE [options] is vmmsim sim, as the seed simulator took it.\n"
          "\nExit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n", f);
}

static const cli_cmd_t *find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return &commands[i];
    return NULL;
}

/* Interrupted (SIGINT, SIGTERM, SIGHUP, SIGPIPE): remove the temporary
 * output files, then die of the same signal, so the shell sees why.
 * SA_RESETHAND has restored the default action, and the signal, blocked
 * while this runs, is delivered when it returns. Only async-signal-safe
 * calls. */
static void on_fatal_signal(int sig)
{
    vmm_output_cleanup();
    cli_progress_abort();
    raise(sig);
}

static void catch_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        /* a signal ignored by whoever started us (nohup, a background job)
         * stays ignored */
        if (sigaction(sigs[i], NULL, &old) || old.sa_handler == SIG_IGN)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sa.sa_flags = SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

int main(int argc, char **argv)
{
    catch_signals();
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "help") && argc > 2) {   /* vmmsim help sim = vmmsim sim --help */
        const cli_cmd_t *c = find(argv[2]);
        if (!c) {
            cli_usage_error("help: unknown command '%s'", argv[2]);
            usage(stderr);
            return EXIT_USAGE;
        }
        char *args[] = {argv[2], "--help", NULL};
        return c->main(2, args);
    }
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("vmmsim %s\n", VMM_VERSION);
        return EXIT_OK;
    }
    const cli_cmd_t *c = find(name);
    if (c)
        return c->main(argc - 1, argv + 1);
    /* The seed simulator took its options without a subcommand. */
    if (name[0] == '-')
        return cmd_sim(argc, argv);
    cli_usage_error("unknown command '%s'", name);
    usage(stderr);
    return EXIT_USAGE;
}
