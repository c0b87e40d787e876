/* A plain list of hex addresses, one per line, with or without 0x/0X
 * (what many tools and ad-hoc scripts print). Each line is a 1-byte read
 * at that address in asid 0. Blank, '#', "==" and "--pid--" lines are
 * skipped.
 *
 * Detection offers lines to this format after `pages`, so a list whose
 * first address is all decimal digits (say 1000) is taken for page
 * numbers: give `hex` for such a list. The writer prints 0xaddr, which
 * detection always recognises; it loses the asid, op and size. */
#include "trace/trace_int.h"

static inline int hex_parse(const vmm_trace_t *t, const char *p, const char *lim,
                            const char **next, vmm_ref_t *r)
{
    (void)t;
    const char *q = vmm_skip_sep(p);
    if (!(q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) && vmm_hexval[(unsigned char)*q] < 0)
        return vmm_text_skip(p, lim, next);
    return vmm_text_addr_rec(q, VMM_OP_READ, next, r);
}

VMM_TEXT_READ_FN hex_read(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err)
{
    return vmm_text_read(t, buf, n, err, hex_parse);
}

static long hex_encode(const vmm_ref_t *r, uint32_t page_size, uint64_t seq, unsigned char *d,
                       const char **why)
{
    (void)page_size;
    (void)seq;
    (void)why;
    d[0] = '0';
    d[1] = 'x';
    size_t n = 2 + vmm_put_hex(d + 2, r->addr, 1);
    d[n++] = '\n';
    return (long)n;
}

const vmm_fmt_ops_t vmm_fmt_hex = {
    .name = "hex",
    .shape = "hex-address",
    .parse = hex_parse,
    .read = hex_read,
    .max_rec = 2 + 16 + 1,
    .encode = hex_encode,
};
