/* libFuzzer target: arbitrary bytes as a trace file, auto-detected or in
 * a format of the registry chosen by the first byte, which also picks the
 * block map and, for csv, a column mapping. Every input must give records
 * or a clean error, never a crash, a leak or undefined behaviour. */
#include "vmmsim/vmmsim.h"
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *const *names = vmm_trace_formats();
    size_t nformats = 0;
    while (names[nformats])
        nformats++;
    size_t pick = data[0] % (nformats + 1);
    const char *format = pick ? names[pick - 1] : NULL;
    int fd = memfd_create("trace", 0);
    if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    vmm_trace_opts_t opts = {.format = format, .data_only = data[0] & 8,
                             .block_map = (data[0] >> 4) % 3,
                             .csv_cols = data[0] & 64 ? "op=1,addr=2,size=3,asid=4" : NULL};
    vmm_trace_t *t = NULL;
    vmm_err_t err;
    if (vmm_trace_open(path, &opts, &t, &err) == 0) {
        vmm_ref_t buf[256];
        while (vmm_trace_read(t, buf, 256, &err) > 0)
            ;
        vmm_trace_close(t);
    }
    close(fd);
    return 0;
}
