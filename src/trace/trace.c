/* Trace readers: the format registry, opening with format detection,
 * batched reading and closing (see vmmsim/trace.h).
 *
 * Detection (docs/trace-formats.md): a zstd stream is unwrapped first by
 * the byte source; then the binary magic selects "bin"; otherwise the first
 * meaningful text line (not blank, '#' or "==") goes to each text format's
 * line parser in registry order and the first that accepts it wins; if none
 * does, the first whose parser only objected to a number's range (or a
 * size 0) is chosen, so the error the first read gives names that number.
 *
 * Errors are sticky: once a read fails, every later read returns the same
 * code and message. Records decoded before an error in the same call are
 * returned first and the error comes with the next call, so the records a
 * caller sees do not depend on its batch size. */
#include "trace/trace_int.h"
#include "util/alloc.h"
#include <string.h>
#include <strings.h>

/* Detection order for text formats; bin is recognised by its magic. */
static const vmm_fmt_ops_t *const registry[] = {
    &vmm_fmt_vmm, &vmm_fmt_lackey, &vmm_fmt_pages, &vmm_fmt_din, &vmm_fmt_bin, NULL,
};

static const char *const names[] = {"vmm", "lackey", "pages", "din", "bin", NULL};

const char *const *vmm_trace_formats(void) { return names; }

const vmm_fmt_ops_t *vmm_fmt_find(const char *name)
{
    for (size_t i = 0; name && registry[i]; i++)
        if (!strcasecmp(name, registry[i]->name))
            return registry[i];
    return NULL;
}

long vmm_trace_defer(vmm_trace_t *t, long k, int code, vmm_err_t *err)
{
    (void)err;   /* readers write into t->saved, which is `err` */
    t->failed = code;
    return k > 0 ? k : code;
}

static int empty_trace(vmm_trace_t *t, vmm_err_t *err)
{
    return vmm_err_set(err, VMM_EFORMAT, t->src.name, 0, (int64_t)vmm_src_offset(&t->src),
                       "empty trace: no records");
}

/* Make sure `n` unread bytes are buffered, unless the input is shorter. */
static int want_bytes(vmm_src_t *s, size_t n, vmm_err_t *err)
{
    while (s->len - s->pos < n && !s->eof) {
        long r = vmm_src_fill(s, err);
        if (r < 0)
            return (int)r;
    }
    return 0;
}

/* Position a text reader at its first meaningful line. */
static int text_start(vmm_trace_t *t, const char **p, const char **lim, vmm_err_t *err)
{
    vmm_text_begin(t);
    int rc = vmm_text_first(t, p, lim, err);
    if (rc == 0)
        return empty_trace(t, err);
    return rc < 0 ? rc : 0;
}

static int detect(vmm_trace_t *t, vmm_err_t *err)
{
    vmm_src_t *s = &t->src;
    int rc = want_bytes(s, VMM_BIN_MAGIC_LEN, err);
    if (rc)
        return rc;
    /* "\x89VMM" is never text: a damaged magic after it is reported by bin */
    if (s->len - s->pos >= 4 && !memcmp(s->buf + s->pos, VMM_BIN_MAGIC, 4)) {
        t->ops = &vmm_fmt_bin;
        return 0;
    }
    const char *p, *lim, *next;
    rc = text_start(t, &p, &lim, err);
    if (rc)
        return rc;
    const vmm_fmt_ops_t *shape_only = NULL;   /* right shape, bad number */
    for (size_t i = 0; registry[i]; i++) {
        vmm_ref_t scratch;
        if (!registry[i]->parse)
            continue;
        int r = registry[i]->parse(t, p, lim, &next, &scratch);
        if (r >= 0) {
            t->ops = registry[i];
            return 0;
        }
        if (r != VMM_TP_SYNTAX && r != VMM_TP_LABEL && !shape_only)
            shape_only = registry[i];
    }
    if (shape_only) {   /* the first read reports the number precisely */
        t->ops = shape_only;
        return 0;
    }
    return vmm_text_error(t, p, lim, VMM_TP_SYNTAX, err);   /* t->ops NULL: undetected */
}

static int start_forced(vmm_trace_t *t, const vmm_fmt_ops_t *f, vmm_err_t *err)
{
    t->ops = f;
    if (!f->parse)
        return 0;   /* binary: its open() checks the header */
    const char *p, *lim;
    return text_start(t, &p, &lim, err);
}

static int is_auto(const char *format)
{
    return !format || !*format || !strcasecmp(format, "auto");
}

int vmm_trace_open(const char *path, const vmm_trace_opts_t *opts, vmm_trace_t **out,
                   vmm_err_t *err)
{
    vmm_err_clear(err);
    if (out)
        *out = NULL;
    if (!path || !out)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "no trace path");
    const char *format = opts ? opts->format : NULL;
    const vmm_fmt_ops_t *forced = NULL;
    if (!is_auto(format) && !(forced = vmm_fmt_find(format)))
        return vmm_err_set(err, VMM_ENOENT, path, 0, -1,
                           "unknown trace format '%s' (known: vmm, lackey, pages, din, bin)",
                           format);
    vmm_trace_t *t = vmm_calloc(1, sizeof *t);
    if (!t)
        return vmm_err_set(err, VMM_ENOMEM, path, 0, -1, "out of memory");
    t->src.fd = -1;
    t->page_size = opts && opts->page_size ? opts->page_size : 4096;
    t->data_only = opts && opts->data_only;
    int rc = vmm_src_open(&t->src, path, err);
    if (!rc)
        rc = forced ? start_forced(t, forced, err) : detect(t, err);
    if (!rc && t->ops->open)
        rc = t->ops->open(t, err);
    if (rc) {
        vmm_trace_close(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* Remove instruction fetches in place; returns the records kept. */
static long drop_ifetch(vmm_ref_t *buf, long k)
{
    long j = 0;
    for (long i = 0; i < k; i++)
        if (buf[i].op != VMM_OP_IFETCH)
            buf[j++] = buf[i];
    return j;
}

long vmm_trace_read(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err)
{
    if (!t || (!buf && n))
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "no reader or buffer");
    for (;;) {
        if (t->failed) {
            if (err)
                *err = t->saved;
            return t->failed;
        }
        if (n == 0)
            return 0;
        long k = t->ops->read(t, buf, n, &t->saved);
        if (k < 0) {
            t->failed = (int)k;
            continue;
        }
        if (k == 0 || !t->data_only)
            return k;
        k = drop_ifetch(buf, k);
        if (k > 0)
            return k;
    }
}

const char *vmm_trace_format_name(const vmm_trace_t *t) { return t ? t->ops->name : NULL; }

uint32_t vmm_trace_page_size(const vmm_trace_t *t)
{
    if (!t)
        return 0;
    return t->ops == &vmm_fmt_pages || t->ops == &vmm_fmt_bin ? t->page_size : 0;
}

void vmm_trace_close(vmm_trace_t *t)
{
    if (!t)
        return;
    vmm_src_close(&t->src);
    vmm_free(t);
}
