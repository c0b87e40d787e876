/* The real traces in ../shared/traces and their independent results
 * (expected.tsv), for the unit tests that check against them. Tests skip
 * when the folder is absent. */
#ifndef VMM_TEST_REAL_TRACES_H
#define VMM_TEST_REAL_TRACES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the traces are: $VMMSIM_TRACES, beside the repository (make test,
 * CI), or the workplace's copy. NULL when none holds expected.tsv. */
static inline const char *vmm_test_trace_dir(void)
{
    static char dir[512];
    const char *cands[] = {getenv("VMMSIM_TRACES"), "../shared/traces", "/work/shared/traces"};
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        if (!cands[i])
            continue;
        snprintf(dir, sizeof dir, "%s/expected.tsv", cands[i]);
        FILE *f = fopen(dir, "r");
        if (f) {
            fclose(f);
            snprintf(dir, sizeof dir, "%s", cands[i]);
            return dir;
        }
    }
    return NULL;
}

/* The CloudPhysics trace's page keys (one decimal block number a line);
 * NULL if absent. The caller frees. */
static inline uint64_t *vmm_test_load_cp(size_t *n)
{
    const char *dir = vmm_test_trace_dir();
    char path[600];
    if (!dir)
        return NULL;
    snprintf(path, sizeof path, "%s/cloudPhysicsIO.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 1 << 17, len = 0;
    uint64_t *keys = malloc(cap * sizeof *keys);
    unsigned long long v;
    while (fscanf(f, "%llu", &v) == 1) {
        if (len == cap)
            keys = realloc(keys, (cap *= 2) * sizeof *keys);
        keys[len++] = v;
    }
    fclose(f);
    *n = len;
    return keys;
}

/* Faults expected.tsv gives for (trace, policy, frames); -1 if absent. */
static inline long long vmm_test_expected(const char *trace, const char *policy, unsigned frames)
{
    const char *dir = vmm_test_trace_dir();
    char path[600], line[256];
    long long faults = -1;
    if (!dir)
        return -1;
    snprintf(path, sizeof path, "%s/expected.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char t[64], pol[32];
        unsigned fr;
        long long n;
        if (sscanf(line, "%63s %31s %u %lld", t, pol, &fr, &n) == 4 && !strcmp(t, trace) &&
            !strcmp(pol, policy) && fr == frames)
            faults = n;
    }
    fclose(f);
    return faults;
}

#endif
