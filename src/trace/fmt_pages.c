/* Page-number text (libCacheSim's txt format, as in the CloudPhysics
 * trace): one decimal page number per line. Each line is one read of one
 * byte at page * page_size (opts.page_size, default 4096) in asid 0.
 *
 * The writer prints addr / page_size: it loses the asid, the op, the size
 * and the offset within the page. */
#include "trace/trace_int.h"

static inline int pages_parse(const vmm_trace_t *t, const char *p, const char *lim,
                       const char **next, vmm_ref_t *r)
{
    const char *q = vmm_skip_sep(p);
    uint64_t page, addr;
    int st;
    if ((unsigned)((unsigned char)*q - '0') > 9)
        return vmm_text_skip(p, lim, next);
    if ((st = vmm_parse_dec(&q, UINT64_MAX, 19, VMM_TP_RANGE64, &page)))
        goto bad;
    const char *e = vmm_text_eol(q);
    st = VMM_TP_SYNTAX;
    if (!e)
        goto bad;
    st = VMM_TP_PAGEOVF;
    if (__builtin_mul_overflow(page, (uint64_t)t->page_size, &addr))
        goto bad;
    *next = e;
    *r = (vmm_ref_t){.addr = addr, .size = 1, .op = VMM_OP_READ};
    return VMM_TP_REC;
bad:
    *next = q;
    return st;
}

VMM_TEXT_READ_FN pages_read(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err)
{
    return vmm_text_read(t, buf, n, err, pages_parse);
}

static long pages_encode(const vmm_ref_t *r, uint32_t page_size, uint64_t seq,
                         unsigned char *d, const char **why)
{
    (void)seq;
    (void)why;
    size_t n = vmm_put_dec(d, r->addr / page_size);
    d[n++] = '\n';
    return (long)n;
}

const vmm_fmt_ops_t vmm_fmt_pages = {
    .name = "pages",
    .flags = VMM_FMT_PAGED,
    .shape = "page-number",
    .parse = pages_parse,
    .read = pages_read,
    .max_rec = 20 + 1,
    .encode = pages_encode,
};
