/* Trace copying for gen and convert; see copy.h. */
#include "copy.h"
#include <stdlib.h>

#define COPY_BATCH 4096

int cli_copy(const vmm_source_spec_t *src, const char *out, const char *fmt, uint32_t page_size)
{
    vmm_err_t err;
    vmm_err_clear(&err);
    vmm_trace_t *t = NULL;
    vmm_gen_t *g = NULL;
    int rc = src->trace ? vmm_trace_open(src->trace, &src->topts, &t, &err)
                        : vmm_gen_create(src->gen, &g, &err);
    if (rc)
        return cli_fail(rc, &err);
    if (t && vmm_trace_page_size(t))
        page_size = vmm_trace_page_size(t);
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
        long got = !want ? 0 : t ? vmm_trace_read(t, buf, want, &err) : vmm_gen_read(g, buf, want);
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
    vmm_trace_close(t);
    vmm_gen_destroy(g);
    return rc ? cli_fail(rc, &err) : EXIT_OK;
}
