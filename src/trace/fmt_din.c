/* Dinero IV "din" text: `label address` per line. Labels: 0 read, 1 write,
 * 2 instruction fetch; 3 (escape) and 4 (cache flush) mean nothing to a
 * page-level simulator, so those lines are skipped whatever follows the
 * label; any other label is an error. The address is hex, with or without
 * 0x. asid 0, size 1.
 *
 * The writer prints `label hexaddr`; it loses the asid and the size. */
#include "trace/trace_int.h"
#include <string.h>

static inline int din_parse(const vmm_trace_t *t, const char *p, const char *lim, const char **next,
                     vmm_ref_t *r)
{
    (void)t;
    const char *q = vmm_skip_sep(p);
    unsigned label = (unsigned)((unsigned char)*q - '0');
    int st = VMM_TP_LABEL;
    if (label > 9)
        return vmm_text_skip(p, lim, next);
    q++;
    if (label > 4 || (unsigned)((unsigned char)*q - '0') <= 9)
        goto bad;
    if (label >= 3) {
        *next = (const char *)memchr(q, '\n', (size_t)(lim - q)) + 1;
        return VMM_TP_SKIP;
    }
    if (!vmm_is_sep(*q)) {
        *next = q;
        return VMM_TP_SYNTAX;
    }
    return vmm_text_addr_rec(vmm_skip_sep(q), label, next, r);
bad:
    *next = q;
    return st;
}

VMM_TEXT_READ_FN din_read(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err)
{
    return vmm_text_read(t, buf, n, err, din_parse);
}

static long din_encode(const vmm_ref_t *r, uint32_t page_size, uint64_t seq,
                       unsigned char *d, const char **why)
{
    (void)seq;
    (void)page_size;
    (void)why;
    d[0] = (unsigned char)('0' + r->op);   /* VMM_OP_* match din labels 0..2 */
    d[1] = ' ';
    size_t n = 2 + vmm_put_hex(d + 2, r->addr, 1);
    d[n++] = '\n';
    return (long)n;
}

const vmm_fmt_ops_t vmm_fmt_din = {
    .name = "din",
    .shape = "label addr",
    .parse = din_parse,
    .read = din_read,
    .max_rec = 2 + 16 + 1,
    .encode = din_encode,
};
