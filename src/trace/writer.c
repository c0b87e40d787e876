/* Trace writers (see vmmsim/trace.h): records are encoded by the format's
 * ops into a block buffer, optionally compressed with libzstd (a path
 * ending in ".zst"), and written to an output destination (util/dest.h,
 * shared with the report files): a regular file, or a symbolic link's
 * target, through a temporary file beside it that vmm_trace_writer_close()
 * renames into place, so a trace file is either complete or absent; stdout
 * ("-"), devices and FIFOs in place.
 *
 * Invariants: buf holds at most WBUF bytes and always has room for one
 * more record (max_rec) after a flush; once a write fails the writer is
 * failed for good, and closing it with commit removes the partial file
 * and returns the first error. */
#define ZSTD_STATIC_LINKING_ONLY
#include "trace/trace_int.h"
#include "util/alloc.h"
#include "util/dest.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#define WBUF (1u << 20)   /* encoded bytes per write */

struct vmm_trace_writer {
    const vmm_fmt_ops_t *ops;
    char name[256];            /* destination, for messages */
    vmm_dest_t dest;           /* where the bytes go; dest.fd -1 when closed */
    ZSTD_CCtx *zc;             /* non-NULL when compressing */
    unsigned char *buf;        /* encoded bytes not yet written */
    size_t len;
    unsigned char *zbuf;       /* compressed output block */
    size_t zcap;
    uint32_t page_size;        /* header, and the divisor for "pages" */
    uint64_t nrec;             /* records accepted, for messages */
    int failed;                /* sticky error code, 0 none */
    vmm_err_t saved;           /* its message */
};

static int fail(vmm_trace_writer_t *w, int code, vmm_err_t *err)
{
    w->failed = code;
    if (err)
        *err = w->saved;
    return code;
}

static int write_all(vmm_trace_writer_t *w, const unsigned char *p, size_t n, vmm_err_t *err)
{
    while (n) {
        ssize_t r = write(w->dest.fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            vmm_err_set(&w->saved, VMM_EIO, w->name, 0, -1, "write failed: %s",
                        strerror(errno));
            return fail(w, VMM_EIO, err);
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int zstd_fail(vmm_trace_writer_t *w, size_t r, vmm_err_t *err)
{
    int code = ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? VMM_ENOMEM : VMM_EIO;
    vmm_err_set(&w->saved, code, w->name, 0, -1, "zstd compression failed: %s",
                ZSTD_getErrorName(r));
    return fail(w, code, err);
}

/* Write out the buffer; `end` also finishes the zstd frame. */
static int flush(vmm_trace_writer_t *w, int end, vmm_err_t *err)
{
    if (!w->zc) {
        int rc = write_all(w, w->buf, w->len, err);
        w->len = 0;
        return rc;
    }
    ZSTD_inBuffer in = {w->buf, w->len, 0};
    for (;;) {
        ZSTD_outBuffer out = {w->zbuf, w->zcap, 0};
        size_t r = ZSTD_compressStream2(w->zc, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(r))
            return zstd_fail(w, r, err);
        int rc = write_all(w, w->zbuf, out.pos, err);
        if (rc)
            return rc;
        if (end ? r == 0 : in.pos == in.size)
            break;
    }
    w->len = 0;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static int start_zstd(vmm_trace_writer_t *w, vmm_err_t *err)
{
    ZSTD_customMem mem = {vmm_zstd_alloc, vmm_zstd_free, NULL};
    w->zcap = ZSTD_CStreamOutSize();
    w->zbuf = vmm_malloc(w->zcap);
    w->zc = ZSTD_createCCtx_advanced(mem);
    if (!w->zbuf || !w->zc)
        return vmm_err_set(err, VMM_ENOMEM, w->name, 0, -1, "out of memory");
    /* a checksum lets readers tell a damaged file from a short trace */
    ZSTD_CCtx_setParameter(w->zc, ZSTD_c_checksumFlag, 1);
    return 0;
}

static int start(vmm_trace_writer_t *w, const char *path, vmm_err_t *err)
{
    w->buf = vmm_malloc(WBUF);
    if (!w->buf)
        return vmm_err_set(err, VMM_ENOMEM, w->name, 0, -1, "out of memory");
    int is_stdout = !strcmp(path, "-");
    if (is_stdout)
        fflush(stdout);   /* keep order with anything the caller printed */
    int rc = vmm_dest_open(&w->dest, path, w->name, err);
    if (rc)
        return rc;
    if (!is_stdout && ends_with(path, ".zst") && (rc = start_zstd(w, err)))
        return rc;
    if (w->ops->header)
        w->len = w->ops->header(w->page_size, w->buf);
    return 0;
}

static void destroy(vmm_trace_writer_t *w)
{
    vmm_dest_close(&w->dest, 0, 0, w->name, NULL);   /* no-op once committed */
    ZSTD_freeCCtx(w->zc);
    vmm_free(w->zbuf);
    vmm_free(w->buf);
    vmm_free(w);
}

int vmm_trace_writer_open(const char *path, const char *format, uint32_t page_size,
                          vmm_trace_writer_t **out, vmm_err_t *err)
{
    vmm_err_clear(err);
    if (out)
        *out = NULL;
    if (!path || !out)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "no output path");
    const vmm_fmt_ops_t *f = vmm_fmt_find(format);
    if (!f)
        return vmm_err_set(err, VMM_ENOENT, path, 0, -1,
                           "unknown trace format '%s' (known: vmm, lackey, pages, din, bin)",
                           format ? format : "(null)");
    if (page_size && (page_size < 512 || page_size > (1u << 30) || (page_size & (page_size - 1))))
        return vmm_err_set(err, VMM_EINVAL, path, 0, -1,
                           "page size %u: expected a power of two from 512 to 1G", page_size);
    vmm_trace_writer_t *w = vmm_calloc(1, sizeof *w);
    if (!w)
        return vmm_err_set(err, VMM_ENOMEM, path, 0, -1, "out of memory");
    w->ops = f;
    w->dest.fd = -1;
    w->dest.slot = -1;
    w->page_size = page_size ? page_size : 4096;
    snprintf(w->name, sizeof w->name, "%s", strcmp(path, "-") ? path : "<stdout>");
    int rc = start(w, path, err);
    if (rc) {
        destroy(w);
        return rc;
    }
    *out = w;
    return 0;
}

static int bad_record(vmm_trace_writer_t *w, int code, const char *what, vmm_err_t *err)
{
    vmm_err_set(&w->saved, code, w->name, 0, -1, "record %llu: %s",
                (unsigned long long)w->nrec + 1, what);
    return fail(w, code, err);
}

int vmm_trace_write(vmm_trace_writer_t *w, const vmm_ref_t *refs, size_t n, vmm_err_t *err)
{
    if (!w || (!refs && n))
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "no writer or records");
    if (w->failed)
        return fail(w, w->failed, err);
    const vmm_fmt_ops_t *f = w->ops;
    for (size_t i = 0; i < n; i++) {
        const vmm_ref_t *r = &refs[i];
        const char *why = "";
        if (r->op > VMM_OP_IFETCH)
            return bad_record(w, VMM_EINVAL, "op is not 0 read, 1 write or 2 ifetch", err);
        if (r->size == 0)
            return bad_record(w, VMM_EINVAL, "size 0", err);
        if (w->len + f->max_rec > WBUF && flush(w, 0, err))
            return w->failed;
        long b = f->encode(r, w->page_size, w->buf + w->len, &why);
        if (b < 0)
            return bad_record(w, VMM_ERANGE, why, err);
        w->len += (size_t)b;
        w->nrec++;
    }
    return 0;
}

/* Flush, close and rename; returns 0 or the first error. */
static int commit(vmm_trace_writer_t *w, vmm_err_t *err)
{
    if (w->failed)
        return fail(w, w->failed, err);
    int rc = flush(w, 1, err);
    if (rc)
        return rc;
    if ((rc = vmm_dest_close(&w->dest, 1, 0, w->name, &w->saved)))
        return fail(w, rc, err);
    return 0;
}

int vmm_trace_writer_close(vmm_trace_writer_t *w, int do_commit, vmm_err_t *err)
{
    if (!w)
        return 0;
    int rc = do_commit ? commit(w, err) : 0;
    destroy(w);
    return rc;
}
