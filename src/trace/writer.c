/* Trace writers (see vmmsim/trace.h): records are encoded by the format's
 * ops into a block buffer, optionally compressed (a path ending in ".zst",
 * ".gz" or ".xz": codec_*.c), and written to an output destination
 * (util/dest.h, shared with the report files): a regular file, or a
 * symbolic link's target, through a temporary file beside it that
 * vmm_trace_writer_close() renames into place, so a trace file is either
 * complete or absent; stdout ("-"), devices and FIFOs in place.
 *
 * Invariants: buf holds at most WBUF bytes and always has room for one
 * more record (max_rec) after a flush; once a write fails the writer is
 * failed for good, and closing it with commit removes the partial file
 * and returns the first error. */
#include "trace/trace_int.h"
#include "util/alloc.h"
#include "util/dest.h"
#include "util/dest.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define WBUF (1u << 20)   /* encoded bytes per write */

struct vmm_trace_writer {
    const vmm_fmt_ops_t *ops;
    char name[256];            /* destination, for messages */
    vmm_dest_t dest;           /* where the bytes go; dest.fd -1 when closed */
    const vmm_codec_ops_t *codec;  /* non-NULL when compressing */
    void *cst;                 /* its encoder state */
    unsigned char *buf;        /* encoded bytes not yet written */
    size_t len;
    unsigned char *zbuf;       /* compressed output block */
    size_t zcap;
    uint32_t page_size;        /* header, and the divisor for "pages" */
    uint64_t nrec;             /* records accepted, for messages */
    uint64_t dropped;          /* records of size > 1 whose size the format drops */
    uint64_t spanning;         /* of those, the ones that crossed a page boundary */
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

static int codec_fail(vmm_trace_writer_t *w, int r, const char *why, vmm_err_t *err)
{
    int code = r == VMM_C_NOMEM ? VMM_ENOMEM : VMM_EIO;
    vmm_err_set(&w->saved, code, w->name, 0, -1, "%s compression failed: %s", w->codec->name,
                why);
    return fail(w, code, err);
}

/* Write out the buffer; `end` also finishes the compressed stream. */
static int flush(vmm_trace_writer_t *w, int end, vmm_err_t *err)
{
    if (!w->codec) {
        int rc = write_all(w, w->buf, w->len, err);
        w->len = 0;
        return rc;
    }
    vmm_cin_t in = {w->buf, w->len, 0};
    for (;;) {
        vmm_cout_t out = {w->zbuf, w->zcap, 0};
        const char *why = "";
        int r = w->codec->encode(w->cst, &in, &out, end, &why);
        if (r < 0)
            return codec_fail(w, r, why, err);
        int rc = write_all(w, w->zbuf, out.pos, err);
        if (rc)
            return rc;
        if (end ? r == VMM_C_END : in.pos == in.size)
            break;
    }
    w->len = 0;
    return 0;
}

#define ZBUF (128u << 10)   /* compressed bytes per write */

static int start_codec(vmm_trace_writer_t *w, const vmm_codec_ops_t *c, vmm_err_t *err)
{
    w->codec = c;
    w->zcap = ZBUF;
    w->zbuf = vmm_malloc(w->zcap);
    w->cst = c->enc_create();
    if (!w->zbuf || !w->cst)
        return vmm_err_set(err, VMM_ENOMEM, w->name, 0, -1, "out of memory");
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
    const vmm_codec_ops_t *c = is_stdout ? NULL : vmm_codec_by_ext(path);
    if (c && (rc = start_codec(w, c, err)))
        return rc;
    if (w->ops->header)
        w->len = w->ops->header(w->page_size, w->buf);
    return 0;
}

static void destroy(vmm_trace_writer_t *w)
{
    vmm_dest_close(&w->dest, 0, 0, w->name, NULL);   /* no-op once committed */
    if (w->codec && w->cst)
        w->codec->enc_free(w->cst);
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
                           "unknown trace format '%s' (writable: %s)",
                           format ? format : "(null)", vmm_fmt_list(1));
    if (!f->encode)
        return vmm_err_set(err, VMM_EUNSUP, path, 0, -1,
                           "the %s format is read only (writable: %s)", f->name,
                           vmm_fmt_list(1));
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
        long b = f->encode(r, w->page_size, w->nrec, w->buf + w->len, &why);
        if (b < 0)
            return bad_record(w, VMM_ERANGE, why, err);
        w->len += (size_t)b;
        w->nrec++;
        if (r->size > 1 && !(f->flags & VMM_FMT_KEEPS_SIZE)) {
            w->dropped++;
            w->spanning += (r->addr % w->page_size) + (r->size - 1) >= w->page_size;
        }
    }
    return 0;
}

uint64_t vmm_trace_writer_dropped_sizes(const vmm_trace_writer_t *w, uint64_t *spanning)
{
    if (spanning)
        *spanning = w ? w->spanning : 0;
    return w ? w->dropped : 0;
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
