/* Shared CLI helpers: error reporting and number parsing with units. */
#include "cli.h"
#include "progress.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

int cli_usage_error(const char *fmt, ...)
{
    cli_progress_stop();   /* the message gets a line of its own */
    va_list ap;
    va_start(ap, fmt);
    fputs("vmmsim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_fail(int code, const vmm_err_t *err)
{
    cli_progress_stop();
    char buf[1024];
    vmm_err_format(err, buf, sizeof buf);
    fprintf(stderr, "vmmsim: %s\n", buf[0] ? buf : vmm_strerror(code));
    switch (code) {
    case VMM_EFORMAT: case VMM_ERANGE: case VMM_ENOENT: case VMM_EINVAL: case VMM_EUNSUP:
        return EXIT_USAGE;
    default:
        return EXIT_RUNTIME;
    }
}

/* Digits, then an optional suffix from `units` (each with its multiplier). */
static int parse_with_units(const char *s, const char *what, const char *const *units,
                            const double *mult, double *out, const char *expect)
{
    char *end;
    errno = 0;
    if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
        return cli_usage_error("%s: expected %s, got '%s'", what, expect, s ? s : "");
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v))
        return cli_usage_error("%s: expected %s, got '%s'", what, expect, s);
    if (*end) {
        int found = 0;
        for (int i = 0; units[i]; i++)
            if (!strcasecmp(end, units[i])) {
                v *= mult[i];
                found = 1;
                break;
            }
        if (!found)
            return cli_usage_error("%s: expected %s, got '%s'", what, expect, s);
    }
    *out = v;
    return 0;
}

static int to_u64(double v, const char *s, const char *what, uint64_t *out, const char *expect)
{
    if (v < 0 || v >= 18446744073709551616.0 || v != floor(v))
        return cli_usage_error("%s: expected %s, got '%s'", what, expect, s);
    *out = (uint64_t)v;
    return 0;
}

int cli_u64(const char *s, const char *what, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !isdigit((unsigned char)*s))
        return cli_usage_error("%s: expected a whole number, got '%s'", what, s ? s : "");
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return cli_usage_error("%s: expected a whole number, got '%s'", what, s);
    *out = v;
    return 0;
}

int cli_size(const char *s, const char *what, uint64_t *out)
{
    static const char *const u[] = {"b", "k", "kb", "kib", "m", "mb", "mib", "g", "gb", "gib", "t", NULL};
    static const double m[] = {1, 1024, 1024, 1024, 1048576, 1048576, 1048576,
                               1073741824.0, 1073741824.0, 1073741824.0, 1099511627776.0};
    double v;
    const char *expect = "a size (bytes, or with K/M/G)";
    if (parse_with_units(s, what, u, m, &v, expect))
        return EXIT_USAGE;
    return to_u64(v, s, what, out, expect);
}

int cli_count(const char *s, const char *what, uint64_t *out)
{
    static const char *const u[] = {"k", "m", "g", NULL};
    static const double m[] = {1e3, 1e6, 1e9};
    double v;
    const char *expect = "a count (a whole number, or with K/M/G)";
    if (parse_with_units(s, what, u, m, &v, expect))
        return EXIT_USAGE;
    return to_u64(v, s, what, out, expect);
}

int cli_u32(const char *s, const char *what, uint32_t *out)
{
    uint64_t v;
    if (cli_count(s, what, &v))
        return EXIT_USAGE;
    if (v > UINT32_MAX)
        return cli_usage_error("%s: at most %u, got '%s'", what, UINT32_MAX, s);
    *out = (uint32_t)v;
    return 0;
}

int cli_page_size(const char *s, const char *what, uint32_t *out)
{
    uint64_t v;
    if (cli_size(s, what, &v))
        return EXIT_USAGE;
    if (v < 512 || v > (1u << 30) || (v & (v - 1)))
        return cli_usage_error("%s: expected a power of two from 512 to 1G (4096, 2M...), got '%s'",
                               what, s);
    *out = (uint32_t)v;
    return 0;
}

int cli_ns(const char *s, const char *what, double *out)
{
    static const char *const u[] = {"ns", "us", "ms", "s", NULL};
    static const double m[] = {1, 1e3, 1e6, 1e9};
    return parse_with_units(s, what, u, m, out, "a time (ns, or with ns/us/ms/s)");
}

int cli_latency(const char *s, vmm_latency_t *lat)
{
    static const struct { const char *k; size_t off; } keys[] = {
        {"tlb", offsetof(vmm_latency_t, tlb_ns)},
        {"mem", offsetof(vmm_latency_t, mem_ns)},
        {"minor", offsetof(vmm_latency_t, minor_fault_ns)},
        {"major", offsetof(vmm_latency_t, major_fault_ns)},
        {"swapout", offsetof(vmm_latency_t, swap_out_ns)},
        {"tracefault", offsetof(vmm_latency_t, trace_fault_ns)},
        {"retrace", offsetof(vmm_latency_t, retrace_ns)},
        {"scanpage", offsetof(vmm_latency_t, scan_page_ns)},
    };
    char buf[512];
    if (snprintf(buf, sizeof buf, "%s", s) >= (int)sizeof buf)
        return cli_usage_error("--lat: value too long");
    for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            return cli_usage_error("--lat: expected key=time, got '%s'", kv);
        *eq = 0;
        size_t i;
        for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (!strcmp(kv, keys[i].k))
                break;
        if (i == sizeof keys / sizeof keys[0])
            return cli_usage_error("--lat: unknown key '%s' (expected tlb, mem, minor, major, swapout, tracefault, retrace, scanpage)", kv);
        char what[64];
        snprintf(what, sizeof what, "--lat %s", kv);
        if (cli_ns(eq + 1, what, (double *)((char *)lat + keys[i].off)))
            return EXIT_USAGE;
    }
    return 0;
}

int cli_check_outputs(const char *cmd, const cli_output_t *outs, size_t n)
{
    const char *first_stdout = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!outs[i].path)
            continue;
        if (!strcmp(outs[i].path, "-")) {
            if (first_stdout)
                return cli_usage_error("%s: %s - and %s - would both write to stdout; give "
                                       "one of them a file name", cmd, first_stdout, outs[i].opt);
            first_stdout = outs[i].opt;
            continue;
        }
        vmm_err_t err;
        if (vmm_output_check(outs[i].path, &err))
            return cli_usage_error("%s %s: %s", outs[i].opt, outs[i].path, err.msg);
    }
    return 0;
}

int cli_write_file(const char *path, int (*fn)(FILE *f, const void *arg), const void *arg)
{
    vmm_outfile_t o;
    vmm_err_t err;
    vmm_err_clear(&err);
    int rc = vmm_outfile_open(&o, path, &err);
    if (rc)
        return cli_fail(rc, &err);
    rc = fn(o.f, arg);
    int rc2 = vmm_outfile_close(&o, rc == 0, &err);
    if (!rc && !rc2)
        return 0;
    if (!err.msg[0])
        vmm_err_set(&err, rc ? rc : rc2, path, 0, -1, "cannot write %s",
                    rc == VMM_ENOMEM ? "the output: out of memory" : "the output");
    cli_fail(VMM_EIO, &err);
    return EXIT_RUNTIME;
}

const char *cli_names(const void *const *all, const char *first, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "%s", first ? first : "");
    for (size_t i = 0; all[i] && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
                              *(const char *const *)all[i]);
    return buf;
}
