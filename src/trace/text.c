/* Line machinery shared by the text formats (vmm, lackey, pages, din, msr,
 * perf, hex, csv):
 * a window of whole lines over the byte source, the common skip rules
 * (blank lines, '#' comments, valgrind's "==pid==" banner lines and the
 * "--pid--" lines of valgrind -v) and the error messages for bad lines.
 *
 * The window is found once per block with memrchr for the last '\n', so
 * the per-line parsers never look for line ends or check bounds; a line
 * cut by the block boundary is moved to the front of the buffer and
 * completed by the next read. A line longer than VMM_TEXT_MAXLINE is an
 * error wherever it falls, so the result does not depend on block size. */
#include "trace/trace_int.h"
#include <stdio.h>
#include <string.h>

/* Hex digit values, -1 for every other byte (including '\n', so digit
 * loops stop at the end of a line). Built by macros to stay a constant. */
#define D(c) (int8_t)((c) >= '0' && (c) <= '9' ? (c) - '0'                 \
                      : (c) >= 'a' && (c) <= 'f' ? (c) - 'a' + 10           \
                      : (c) >= 'A' && (c) <= 'F' ? (c) - 'A' + 10 : -1)
#define D4(c) D(c), D(c + 1), D(c + 2), D(c + 3)
#define D16(c) D4(c), D4(c + 4), D4(c + 8), D4(c + 12)
#define D64(c) D16(c), D16(c + 16), D16(c + 32), D16(c + 48)

const int8_t vmm_hexval[256] = {D64(0), D64(64), D64(128), D64(192)};

int vmm_parse_hex_slow(const char **pp, uint64_t *v)
{
    const char *s = *pp, *p = s;
    uint64_t x = 0;
    int d;
    while ((d = vmm_hexval[(unsigned char)*p]) >= 0) {
        x = x << 4 | (uint64_t)d;
        p++;
    }
    *pp = p;
    *v = x;
    if (p == s)
        return VMM_TP_SYNTAX;
    if (p - s > 16) {   /* only leading zeros can make this fit */
        while (*s == '0')
            s++;
        if (p - s > 16)
            return VMM_TP_RANGE64;
    }
    return 0;
}

void vmm_text_begin(vmm_trace_t *t)
{
    vmm_src_t *s = &t->src;
    const char *nl = memrchr(s->buf + s->pos, '\n', s->len - s->pos);
    t->lim = nl ? (size_t)(nl - s->buf) + 1 : s->pos;
}

int vmm_text_window(vmm_trace_t *t, const char **p, const char **lim, vmm_err_t *err)
{
    vmm_src_t *s = &t->src;
    for (;;) {
        if (s->pos < t->lim) {
            *p = s->buf + s->pos;
            *lim = s->buf + t->lim;
            return 1;
        }
        if (s->pos == s->len && s->eof)
            return 0;
        if (s->eof) {   /* last line has no '\n': complete it in the spare byte */
            s->buf[s->len++] = '\n';
            t->lim = s->len;
            continue;
        }
        size_t keep = s->len - s->pos;   /* a partial line, no '\n' in it */
        if (keep > VMM_TEXT_MAXLINE)
            return vmm_err_set(err, VMM_EFORMAT, s->name, t->line + 1,
                               (int64_t)vmm_src_offset(s), "line longer than %d bytes",
                               VMM_TEXT_MAXLINE);
        long r = vmm_src_fill(s, err);
        if (r < 0)
            return (int)r;
        const char *nl = memrchr(s->buf + keep, '\n', s->len - keep);
        t->lim = nl ? (size_t)(nl - s->buf) + 1 : 0;
    }
}

int vmm_text_skip(const char *p, const char *lim, const char **next)
{
    const char *q = p;
    while (*q == ' ' || *q == '\t' || *q == '\r')
        q++;
    if (*q == '\n') {
        *next = q + 1;
        return VMM_TP_SKIP;
    }
    int skip = *q == '#' || (q[0] == '=' && q[1] == '=');
    if (!skip && q[0] == '-' && q[1] == '-') {   /* valgrind -v: "--1234-- ..." */
        const char *d = q + 2;
        while ((unsigned)((unsigned char)*d - '0') <= 9)
            d++;
        skip = d > q + 2 && d[0] == '-' && d[1] == '-';
    }
    if (skip) {
        const char *nl = memchr(q, '\n', (size_t)(lim - q));
        *next = nl + 1;
        return VMM_TP_SKIP;
    }
    *next = q;
    return VMM_TP_SYNTAX;
}

int vmm_text_first(vmm_trace_t *t, const char **pp, const char **plim, vmm_err_t *err)
{
    for (;;) {
        const char *p, *lim, *next;
        int rc = vmm_text_window(t, &p, &lim, err);
        if (rc <= 0)
            return rc;
        while (p < lim) {
            if (vmm_text_skip(p, lim, &next) != VMM_TP_SKIP) {
                *pp = p;
                *plim = lim;
                return 1;
            }
            if (next - p > VMM_TEXT_MAXLINE + 1)   /* + its '\n' */
                return vmm_text_error(t, p, lim, VMM_TP_SKIP, err);
            t->line++;
            t->src.pos += (size_t)(next - p);
            p = next;
        }
    }
}

/* Quote at most 48 bytes of a line, escaping what is not printable. */
static void excerpt(const char *p, size_t len, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    for (; i < len && o + 8 < cap && i < 48; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    if (i < len)
        o += (size_t)snprintf(out + o, cap - o, "...");
    out[o] = 0;
}

/* First byte that cannot appear in a text trace, or -1. */
static long binary_byte(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
            return (long)i;
    }
    return -1;
}

int vmm_text_error(vmm_trace_t *t, const char *p, const char *lim, int kind, vmm_err_t *err)
{
    const char *name = t->src.name, *eol = memchr(p, '\n', (size_t)(lim - p));
    size_t len = (size_t)(eol - p);
    uint64_t line = t->line + 1;
    int64_t off = (int64_t)(t->src.base + (uint64_t)(p - t->src.buf));
    if (len > VMM_TEXT_MAXLINE)
        return vmm_err_set(err, VMM_EFORMAT, name, line, off, "line longer than %d bytes",
                           VMM_TEXT_MAXLINE);
    while (len && p[len - 1] == '\r')
        len--;
    long bin = binary_byte(p, len);
    if (bin >= 0)
        return vmm_err_set(err, VMM_EFORMAT, name, line, off,
                           "binary data in a text trace (byte 0x%02x at column %ld)",
                           (unsigned char)p[bin], bin + 1);
    char ex[96];
    excerpt(p, len, ex, sizeof ex);
    if (!t->ops)
        return vmm_err_set(err, VMM_EFORMAT, name, line, off,
                           "cannot detect the trace format from '%s' (known: %s)%s", ex,
                           vmm_fmt_list(0),
                           memchr(p, ',', len) || memchr(p, '\t', len)
                               ? "; csv needs a header naming its columns, or --csv-cols"
                               : "");
    switch (kind) {
    case VMM_TP_RANGE64:
        return vmm_err_set(err, VMM_ERANGE, name, line, off,
                           "number does not fit in 64 bits in '%s'", ex);
    case VMM_TP_RANGE32:
        return vmm_err_set(err, VMM_ERANGE, name, line, off,
                           "number does not fit in 32 bits in '%s'", ex);
    case VMM_TP_SIZE0:
        return vmm_err_set(err, VMM_ERANGE, name, line, off,
                           "size 0 in '%s' (expected a size >= 1)", ex);
    case VMM_TP_LABEL:
        return vmm_err_set(err, VMM_EFORMAT, name, line, off,
                           "unknown din label in '%s' (expected 0 read, 1 write, 2 ifetch, "
                           "3 or 4 ignored)", ex);
    case VMM_TP_PAGEOVF:
        return vmm_err_set(err, VMM_ERANGE, name, line, off,
                           "page number times page size %u does not fit in 64 bits in '%s'",
                           t->page_size, ex);
    default:
        return vmm_err_set(err, VMM_EFORMAT, name, line, off, "expected '%s', got '%s'",
                           t->ops->shape, ex);
    }
}
