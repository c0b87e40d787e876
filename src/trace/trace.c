/* Trace readers: the format registry, opening with format detection,
 * batched reading and closing (see vmmsim/trace.h).
 *
 * Detection (docs/trace-formats.md): a compressed stream is unwrapped
 * first by the byte source; options that only one format takes (csv_cols)
 * select it; then the bin magic selects "bin"; then a file name containing
 * a format's hint (".vscsi", ".oracleGeneral") selects it, since a name is
 * the user's word; then each binary format's sniff looks at the first
 * bytes (vscsi's version fields);
 * otherwise the first meaningful text line (not blank, '#', "==" or
 * "--pid--") goes to each text format's line parser in registry order and
 * the first that accepts it wins; if none does, the first whose parser
 * only objected to a number's range (or a size 0) is chosen, so the error
 * the first read gives names that number.
 *
 * Errors are sticky: once a read fails, every later read returns the same
 * code and message. Records decoded before an error in the same call are
 * returned first and the error comes with the next call, so the records a
 * caller sees do not depend on its batch size. */
#include "trace/trace_int.h"
#include "util/alloc.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Every format, in the order vmm_trace_formats() lists them; text formats
 * are offered the first line in this order. */
static const vmm_fmt_ops_t *const registry[] = {
    &vmm_fmt_vmm, &vmm_fmt_lackey, &vmm_fmt_pages, &vmm_fmt_din, &vmm_fmt_bin,
    &vmm_fmt_vscsi, &vmm_fmt_oracle, &vmm_fmt_msr, &vmm_fmt_perf, &vmm_fmt_hex,
    &vmm_fmt_csv, NULL,
};

#define NFMT (sizeof registry / sizeof registry[0] - 1)

static const char *names[NFMT + 1], *wnames[NFMT + 1];
static char list[2][256];

/* Fill the name arrays and lists from the registry (idempotent: every
 * caller writes the same bytes, so a race between threads is benign). */
static void init_names(void)
{
    size_t k = 0, w = 0, o[2] = {0, 0};
    for (size_t i = 0; i < NFMT; i++) {
        names[k++] = registry[i]->name;
        o[0] += (size_t)snprintf(list[0] + o[0], sizeof list[0] - o[0], "%s%s",
                                 i ? ", " : "", registry[i]->name);
        if (registry[i]->encode) {
            o[1] += (size_t)snprintf(list[1] + o[1], sizeof list[1] - o[1], "%s%s",
                                     w ? ", " : "", registry[i]->name);
            wnames[w++] = registry[i]->name;
        }
    }
}

const char *const *vmm_trace_formats(void)
{
    init_names();
    return names;
}

const char *const *vmm_trace_writable(void)
{
    init_names();
    return wnames;
}

const char *vmm_fmt_list(int writable)
{
    init_names();
    return list[writable != 0];
}

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

long vmm_rec_read(vmm_trace_t *t, vmm_ref_t *out, size_t n, size_t rec, vmm_rec_fn dec,
                  vmm_err_t *err)
{
    vmm_src_t *s = &t->src;
    size_t k = 0;
    while (k < n) {
        size_t avail = s->len - s->pos;
        if (avail < rec) {
            if (s->eof) {
                if (!avail)
                    break;
                int rc = vmm_err_set(err, VMM_EFORMAT, s->name, 0, (int64_t)vmm_src_offset(s),
                                     "truncated record: %zu of %zu bytes", avail, rec);
                return vmm_trace_defer(t, (long)k, rc, err);
            }
            long r = vmm_src_fill(s, err);
            if (r < 0)
                return vmm_trace_defer(t, (long)k, (int)r, err);
            continue;
        }
        size_t m = avail / rec, bad = m;
        int code = VMM_EFORMAT;
        if (m > n - k)
            m = n - k;
        const unsigned char *p = (const unsigned char *)s->buf + s->pos;
        k += dec(t, p, m, vmm_src_offset(s), out + k, &bad, &code, err);
        if (bad < m) {
            s->pos += bad * rec;
            return vmm_trace_defer(t, (long)k, code, err);
        }
        s->pos += m * rec;
    }
    return (long)k;
}

static int empty_trace(vmm_trace_t *t, vmm_err_t *err)
{
    return vmm_err_set(err, VMM_EFORMAT, t->src.name, 0, (int64_t)vmm_src_offset(&t->src),
                       "empty trace: no records");
}

int vmm_src_want(vmm_src_t *s, size_t n, vmm_err_t *err)
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

static int start_text(vmm_trace_t *t, vmm_err_t *err)
{
    const char *p, *lim;
    return text_start(t, &p, &lim, err);
}

/* The last path component. */
static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static int detect(vmm_trace_t *t, const char *path, vmm_err_t *err)
{
    vmm_src_t *s = &t->src;
    int rc = vmm_src_want(s, VMM_SNIFF_BYTES, err);
    if (rc)
        return rc;
    const unsigned char *head = (const unsigned char *)s->buf + s->pos;
    size_t have = s->len - s->pos;
    /* "\x89VMM" is never text: a damaged magic after it is reported by bin */
    if (have >= 4 && !memcmp(head, VMM_BIN_MAGIC, 4)) {
        t->ops = &vmm_fmt_bin;
        return 0;
    }
    for (size_t i = 0; registry[i]; i++)
        if (registry[i]->hint && strstr(base_name(path), registry[i]->hint)) {
            t->ops = registry[i];
            return registry[i]->parse ? start_text(t, err) : 0;
        }
    for (size_t i = 0; registry[i]; i++)
        if (registry[i]->sniff && have && registry[i]->sniff(head, have)) {
            t->ops = registry[i];
            return 0;
        }
    const char *p, *lim, *next;
    rc = text_start(t, &p, &lim, err);
    if (rc)
        return rc;
    const vmm_fmt_ops_t *shape_only = NULL;   /* right shape, bad number */
    for (size_t i = 0; registry[i]; i++) {
        const vmm_fmt_ops_t *f = registry[i];
        vmm_ref_t scratch;
        int r;
        if (f->detect)
            r = f->detect(p, lim) ? VMM_TP_REC : VMM_TP_SYNTAX;
        else if (f->parse)
            r = f->parse(t, p, lim, &next, &scratch);
        else
            continue;
        if (r >= 0) {
            t->ops = f;
            return 0;
        }
        if (r != VMM_TP_SYNTAX && r != VMM_TP_LABEL && !shape_only)
            shape_only = f;
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
    return start_text(t, err);
}

static int is_auto(const char *format)
{
    return !format || !*format || !strcasecmp(format, "auto");
}

/* Allocate a reader with the options that every format shares. */
static int new_reader(const char *path, const vmm_trace_opts_t *o, vmm_trace_t **out,
                      vmm_err_t *err)
{
    vmm_trace_t *t = vmm_calloc(1, sizeof *t);
    if (!t)
        return vmm_err_set(err, VMM_ENOMEM, path, 0, -1, "out of memory");
    t->src.fd = -1;
    t->page_size = o->page_size ? o->page_size : 4096;
    t->data_only = o->data_only;
    *out = t;
    return 0;
}

/* Give a chosen format its state and let it check its header/options. */
static int start_format(vmm_trace_t *t, const vmm_trace_opts_t *o, vmm_err_t *err)
{
    t->shown = t->ops->name;
    t->paged = (t->ops->flags & VMM_FMT_PAGED) != 0;
    if (t->ops->state_size && !(t->st = vmm_calloc(1, t->ops->state_size)))
        return vmm_err_set(err, VMM_ENOMEM, t->src.name, 0, -1, "out of memory");
    return t->ops->open ? t->ops->open(t, o, err) : 0;
}

int vmm_trace_open(const char *path, const vmm_trace_opts_t *opts, vmm_trace_t **out,
                   vmm_err_t *err)
{
    static const vmm_trace_opts_t none;
    vmm_err_clear(err);
    if (out)
        *out = NULL;
    if (!path || !out)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "no trace path");
    const vmm_trace_opts_t *o = opts ? opts : &none;
    const vmm_fmt_ops_t *forced = NULL;
    if (!is_auto(o->format) && !(forced = vmm_fmt_find(o->format)))
        return vmm_err_set(err, VMM_ENOENT, path, 0, -1, "unknown trace format '%s' (known: %s)",
                           o->format, vmm_fmt_list(0));
    if (!forced && o->csv_cols)   /* a column mapping only means something to csv */
        forced = &vmm_fmt_csv;
    vmm_trace_t *t = NULL;
    int rc = new_reader(path, o, &t, err);
    if (rc)
        return rc;
    rc = vmm_src_open(&t->src, path, err);
    if (!rc)
        rc = forced ? start_forced(t, forced, err) : detect(t, path, err);
    if (!rc)
        rc = start_format(t, o, err);
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

const char *vmm_trace_format_name(const vmm_trace_t *t) { return t ? t->shown : NULL; }

uint32_t vmm_trace_page_size(const vmm_trace_t *t)
{
    return t && t->paged ? t->page_size : 0;
}

void vmm_trace_close(vmm_trace_t *t)
{
    if (!t)
        return;
    if (t->ops && t->ops->fini)
        t->ops->fini(t);
    vmm_src_close(&t->src);
    vmm_free(t->st);
    vmm_free(t);
}
