/* vmmsim policies: list the registry. */
#include "cli.h"
#include <stdio.h>
#include <string.h>

int cmd_policies(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        puts("usage: vmmsim policies\n\nList the replacement policies and page-table kinds.\n\n"
             "Exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.");
        return EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("policies: unexpected argument '%s'", argv[1]);
    puts("replacement policies (-a/--policy):");
    for (const vmm_policy_ops *const *p = vmm_policy_all(); *p; p++)
        printf("  %-9s %s\n", (*p)->name, (*p)->summary);
    puts("page tables (--pt-type):");
    for (const vmm_pt_ops *const *p = vmm_pt_all(); *p; p++)
        printf("  %-9s %s\n", (*p)->name, (*p)->summary);
    return EXIT_OK;
}
