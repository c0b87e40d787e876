/* Trace copying for gen and convert; see copy.h. */
#include "copy.h"
#include "progress.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COPY_BATCH 4096

int cli_copy(const vmm_source_spec_t *src, const char *out, const char *fmt, uint32_t page_size)
{
    vmm_err_t err;
    vmm_err_clear(&err);
    vmm_source_t s;
    int rc = vmm_source_open(&s, src, &err);
    if (rc) {
        cli_progress_stop();
        return cli_fail(rc, &err);
    }
    if (!page_size)   /* not given: the input's (a bin header's), else 4096 */
        page_size = vmm_source_page_size(&s) ? vmm_source_page_size(&s) : 4096;
    vmm_trace_writer_t *w = NULL;
    rc = vmm_trace_writer_open(out, fmt, page_size, &w, &err);
    vmm_ref_t *buf = malloc(COPY_BATCH * sizeof *buf);
    if (!rc && !buf)
        rc = vmm_err_set(&err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    uint64_t done = 0;
    while (!rc) {
        size_t want = COPY_BATCH;
        if (src->limit && src->limit - done < want)
            want = (size_t)(src->limit - done);
        long got = want ? vmm_source_read(&s, buf, want, &err) : 0;
        if (got <= 0) {
            rc = (int)got;
            break;
        }
        done += (uint64_t)got;
        if (src->progress)
            src->progress(src->progress_arg, done);
        rc = vmm_trace_write(w, buf, (size_t)got, &err);
    }
    if (w) {
        vmm_err_t cerr;
        vmm_err_clear(&cerr);
        int crc = vmm_trace_writer_close(w, rc == 0, &cerr);
        if (!rc && crc) {
            rc = crc;
            err = cerr;
        }
    }
    free(buf);
    vmm_source_close(&s);
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
