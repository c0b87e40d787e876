/* Trace copying for gen and convert; see copy.h. */
#include "copy.h"
#include "progress.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COPY_BATCH 4096

/* Either a source or a merged trace. */
typedef struct input {
    vmm_source_t s;
    vmm_trace_t *merged;
} input;

static long input_read(input *in, vmm_ref_t *buf, size_t n, vmm_err_t *err)
{
    return in->merged ? vmm_trace_read(in->merged, buf, n, err)
                      : vmm_source_read(&in->s, buf, n, err);
}

/* Say what the output lost, once, at the end of a successful copy. */
static void warn_dropped(const vmm_trace_writer_t *w, const char *out, const char *fmt,
                         uint64_t done)
{
    uint64_t spanning, n = vmm_trace_writer_dropped_sizes(w, &spanning);
    if (!n)
        return;
    fprintf(stderr,
            "vmmsim: warning: %s: the %s format drops the access size: %llu of %llu records "
            "were larger than one byte; ",
            strcmp(out, "-") ? out : "<stdout>", fmt, (unsigned long long)n,
            (unsigned long long)done);
    if (spanning)
        fprintf(stderr, "the %llu that crossed a page boundary now count one page each\n",
                (unsigned long long)spanning);
    else
        fprintf(stderr, "none crossed a page boundary, so page counts are unchanged\n");
}

static int copy(input *in, const vmm_source_spec_t *src, uint32_t page_size, const char *out,
                const char *fmt, vmm_err_t *err)
{
    vmm_trace_writer_t *w = NULL;
    int rc = vmm_trace_writer_open(out, fmt, page_size, &w, err);
    vmm_ref_t *buf = malloc(COPY_BATCH * sizeof *buf);
    if (!rc && !buf)
        rc = vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    uint64_t done = 0;
    while (!rc) {
        size_t want = COPY_BATCH;
        if (src->limit && src->limit - done < want)
            want = (size_t)(src->limit - done);
        long got = want ? input_read(in, buf, want, err) : 0;
        if (got <= 0) {
            rc = (int)got;
            break;
        }
        done += (uint64_t)got;
        if (src->progress)
            src->progress(src->progress_arg, done);
        rc = vmm_trace_write(w, buf, (size_t)got, err);
    }
    if (w) {
        if (!rc)
            warn_dropped(w, out, fmt, done);
        vmm_err_t cerr;
        vmm_err_clear(&cerr);
        int crc = vmm_trace_writer_close(w, rc == 0, &cerr);
        if (!rc && crc) {
            rc = crc;
            *err = cerr;
        }
    }
    free(buf);
    return rc;
}

int cli_copy(const vmm_source_spec_t *src, const char *out, const char *fmt, uint32_t page_size)
{
    vmm_err_t err;
    vmm_err_clear(&err);
    input in = {0};
    int rc = vmm_source_open(&in.s, src, &err);
    if (rc) {
        cli_progress_stop();
        return cli_fail(rc, &err);
    }
    if (!page_size)   /* not given: the input's (a bin header's), else 4096 */
        page_size = vmm_source_page_size(&in.s) ? vmm_source_page_size(&in.s) : 4096;
    rc = copy(&in, src, page_size, out, fmt, &err);
    vmm_source_close(&in.s);
    cli_progress_stop();
    return rc ? cli_fail(rc, &err) : EXIT_OK;
}

int cli_copy_merged(const vmm_source_spec_t *src, const char *const *paths, size_t n,
                    const char *out, const char *fmt, uint32_t page_size)
{
    vmm_err_t err;
    vmm_err_clear(&err);
    input in = {0};
    int rc = vmm_trace_open_merged(paths, n, &src->topts, &in.merged, &err);
    if (rc) {
        cli_progress_stop();
        return cli_fail(rc, &err);
    }
    if (!page_size)
        page_size = vmm_trace_page_size(in.merged) ? vmm_trace_page_size(in.merged) : 4096;
    rc = copy(&in, src, page_size, out, fmt, &err);
    vmm_trace_close(in.merged);
    cli_progress_stop();
    return rc ? cli_fail(rc, &err) : EXIT_OK;
}

const char *cli_format_of_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && !strcasecmp(base + n - 4, ".zst"))
        n -= 4;
    const char *dot = NULL;
    for (size_t i = 0; i < n; i++)
        if (base[i] == '.')
            dot = base + i;
    if (!dot || dot == base)
        return NULL;
    size_t el = n - (size_t)(dot + 1 - base);
    for (const char *const *f = vmm_trace_formats(); *f; f++)
        if (strlen(*f) == el && !strncasecmp(dot + 1, *f, el))
            return *f;
    return NULL;
}
