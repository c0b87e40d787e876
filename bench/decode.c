/* Decode-only pass: read a trace with the library's reader and count its
 * records and page references, doing nothing else. bench/bench.py divides
 * each policy's throughput by this one's, measured in the same run.
 *   usage: decode TRACE [PAGE_SIZE]
 * Prints: records page_refs seconds */
#include "vmmsim/vmmsim.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: decode TRACE [PAGE_SIZE]\n");
        return 2;
    }
    unsigned shift = (unsigned)__builtin_ctz(argc > 2 ? (unsigned)atoi(argv[2]) : 4096u);
    vmm_trace_t *t;
    vmm_err_t err;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (vmm_trace_open(argv[1], NULL, &t, &err)) {
        char msg[512];
        vmm_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "decode: %s\n", msg);
        return 2;
    }
    static vmm_ref_t buf[4096];
    unsigned long long records = 0, pages = 0;
    long n;
    while ((n = vmm_trace_read(t, buf, 4096, &err)) > 0) {
        records += (unsigned long long)n;
        for (long i = 0; i < n; i++)
            pages += vmm_ref_pages(&buf[i], shift);
    }
    vmm_trace_close(t);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (n < 0) {
        fprintf(stderr, "decode: error %s\n", err.msg);
        return 2;
    }
    printf("%llu %llu %.6f\n", records, pages,
           (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
