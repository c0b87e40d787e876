/* Trace copying for gen and convert; see copy.h. */
#include "copy.h"
#include <stdlib.h>

#define COPY_BATCH 4096

int cli_copy(const vmm_source_spec_t *src, const char *out, const char *fmt, uint32_t page_size)
{
    vmm_err_t err;
    vmm_err_clear(&err);
    vmm_source_t s;
    int rc = vmm_source_open(&s, src, &err);
    if (rc)
        return cli_fail(rc, &err);
    if (vmm_source_page_size(&s))
        page_size = vmm_source_page_size(&s);
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
    return rc ? cli_fail(rc, &err) : EXIT_OK;
}
