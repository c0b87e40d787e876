/* Valgrind lackey `--trace-mem=yes` output:
 *
 *   I  0400d7d4,8      instruction fetch ('I' in column 0)
 *    L 1ffefffc40,8    load
 *    S 1ffefffc38,8    store
 *    M 0421e0e8,4      modify: one reference that writes
 *
 * Addresses are hex without 0x, sizes decimal (>= 1). I gives
 * VMM_OP_IFETCH, L VMM_OP_READ, S and M VMM_OP_WRITE; asid is 0. Valgrind's
 * "==pid==" lines, blank lines and '#' lines are skipped. Multi-page
 * accesses are left whole: the engine splits them.
 *
 * The parser is the hot loop of the commonest input, so the usual layout
 * ('I' or ' ' then the letter, two spaces...) is decoded with a table
 * lookup per hex digit and no search for the line end; other spacing is
 * still accepted. The writer prints I/L/S lines (M reads back as S, which
 * is the same record) and loses the asid. */
#include "trace/trace_int.h"

static inline int lackey_parse(const vmm_trace_t *t, const char *p, const char *lim,
                        const char **next, vmm_ref_t *r)
{
    (void)t;
    const char *q = p;
    uint8_t op;
    uint64_t addr, size;
    int st = VMM_TP_SYNTAX;
    if (*q != 'I')
        q = vmm_skip_sep(q);
    switch (*q) {
    case 'I': op = VMM_OP_IFETCH; break;
    case 'L': op = VMM_OP_READ; break;
    case 'S': case 'M': op = VMM_OP_WRITE; break;
    default: return vmm_text_skip(p, lim, next);
    }
    q++;
    if (!vmm_is_sep(*q))
        goto bad;
    q = vmm_skip_sep(q);
    if ((st = vmm_parse_hex(&q, &addr)))
        goto bad;
    st = VMM_TP_SYNTAX;
    if (*q != ',')
        goto bad;
    q++;
    if ((st = vmm_parse_dec(&q, UINT32_MAX, 9, VMM_TP_RANGE32, &size)))
        goto bad;
    const char *e = *q == '\n' ? q + 1 : vmm_text_eol(q);
    st = VMM_TP_SYNTAX;
    if (!e)
        goto bad;
    st = VMM_TP_SIZE0;
    if (!size)
        goto bad;
    *next = e;
    *r = (vmm_ref_t){.addr = addr, .size = (uint32_t)size, .op = op};
    return VMM_TP_REC;
bad:
    *next = q;
    return st;
}

VMM_TEXT_READ_FN lackey_read(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err)
{
    return vmm_text_read(t, buf, n, err, lackey_parse);
}

static long lackey_encode(const vmm_ref_t *r, uint32_t page_size, uint64_t seq,
                          unsigned char *d, const char **why)
{
    (void)seq;
    (void)page_size;
    (void)why;
    static const char lead[3][3] = {{' ', 'L', ' '}, {' ', 'S', ' '}, {'I', ' ', ' '}};
    d[0] = (unsigned char)lead[r->op][0];
    d[1] = (unsigned char)lead[r->op][1];
    d[2] = (unsigned char)lead[r->op][2];
    size_t n = 3 + vmm_put_hex(d + 3, r->addr, 8);
    d[n++] = ',';
    n += vmm_put_dec(d + n, r->size);
    d[n++] = '\n';
    return (long)n;
}

const vmm_fmt_ops_t vmm_fmt_lackey = {
    .name = "lackey",
    .flags = VMM_FMT_KEEPS_SIZE,
    .shape = "I|L|S|M addr,size",
    .parse = lackey_parse,
    .read = lackey_read,
    .max_rec = 3 + 16 + 1 + 10 + 1,
    .encode = lackey_encode,
};
