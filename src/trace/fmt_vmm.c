/* The seed simulator's text format: one reference per line, `pid R|W addr`
 * (for example `0 R 0x1000`). pid is a decimal u32 and becomes the asid;
 * R/W may be lower case; addr is hex after a 0x/0X prefix, decimal
 * otherwise (as the seed's own reader did); size is always 1. Fields are
 * separated by spaces or tabs; blank, '#' and "==" lines are skipped.
 *
 * The writer prints `pid R|W 0xaddr`; it loses the size, and instruction
 * fetches come back as reads. */
#include "trace/trace_int.h"

static inline int vmm_parse(const vmm_trace_t *t, const char *p, const char *lim, const char **next,
                     vmm_ref_t *r)
{
    (void)t;
    const char *q = vmm_skip_sep(p);
    uint64_t pid, addr;
    int st;
    if ((unsigned)((unsigned char)*q - '0') > 9)
        return vmm_text_skip(p, lim, next);
    if ((st = vmm_parse_dec(&q, UINT32_MAX, 9, VMM_TP_RANGE32, &pid)))
        goto bad;
    st = VMM_TP_SYNTAX;
    if (!vmm_is_sep(*q))
        goto bad;
    q = vmm_skip_sep(q);
    uint8_t op;
    switch (*q) {
    case 'R': case 'r': op = VMM_OP_READ; break;
    case 'W': case 'w': op = VMM_OP_WRITE; break;
    default: goto bad;
    }
    q++;
    if (!vmm_is_sep(*q))
        goto bad;
    q = vmm_skip_sep(q);
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
        q += 2;
        st = vmm_parse_hex(&q, &addr);
    } else {
        st = vmm_parse_dec(&q, UINT64_MAX, 19, VMM_TP_RANGE64, &addr);
    }
    if (st)
        goto bad;
    const char *e = vmm_text_eol(q);
    if (!e) {
        st = VMM_TP_SYNTAX;
        goto bad;
    }
    *next = e;
    *r = (vmm_ref_t){.addr = addr, .asid = (uint32_t)pid, .size = 1, .op = op};
    return VMM_TP_REC;
bad:
    *next = q;
    return st;
}

VMM_TEXT_READ_FN vmm_read(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err)
{
    return vmm_text_read(t, buf, n, err, vmm_parse);
}

static long vmm_encode(const vmm_ref_t *r, uint32_t page_size, uint64_t seq,
                       unsigned char *d, const char **why)
{
    (void)seq;
    (void)page_size;
    (void)why;
    size_t n = vmm_put_dec(d, r->asid);
    d[n++] = ' ';
    d[n++] = r->op == VMM_OP_WRITE ? 'W' : 'R';
    d[n++] = ' ';
    d[n++] = '0';
    d[n++] = 'x';
    n += vmm_put_hex(d + n, r->addr, 1);
    d[n++] = '\n';
    return (long)n;
}

const vmm_fmt_ops_t vmm_fmt_vmm = {
    .name = "vmm",
    .shape = "pid R|W addr",
    .parse = vmm_parse,
    .read = vmm_read,
    .max_rec = 10 + 3 + 2 + 16 + 1,
    .encode = vmm_encode,
};
