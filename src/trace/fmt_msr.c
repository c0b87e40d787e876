/* MSR Cambridge block traces (Narayanan et al., "Write off-loading",
 * FAST 2008; distributed by SNIA IOTTA), one I/O per CSV line:
 *
 *   Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime
 *   128166372003061629,hm,1,Read,3525915648,4096,8339
 *
 * Timestamp (Windows filetime, 100 ns ticks) and ResponseTime are decimal
 * and unused; Hostname is any text without ',' (unused); DiskNumber
 * (decimal u32) becomes the asid, so the volumes of a merged file stay
 * apart; Type is Read or Write (any case); Offset and Size are bytes
 * (decimal u64 and u32, size >= 1). A header line starting "Timestamp,"
 * is skipped, as are blank and '#' lines.
 *
 * How a line becomes references (opts.block_map): VMM_BLOCK_BYTES (the
 * default) gives one reference over [Offset, Offset + Size), which the
 * engine splits into each page it touches; VMM_BLOCK_ID makes the 512-byte
 * sector number Offset / 512 the page number (a 1-byte reference at
 * sector * page_size), as block-number tools do, like vscsi's default.
 *
 * The writer prints the seven fields (Timestamp = record number, Hostname
 * "vmmsim", DiskNumber = asid, ResponseTime 0) in the bytes mapping, so it
 * carries the address, size, asid and read/write (an ifetch is a Read). */
#include "trace/trace_int.h"
#include <string.h>
#include <strings.h>

typedef struct msr {
    int id;   /* VMM_BLOCK_ID */
} msr;

#define SECTOR 512

/* Does q start with the lower-case letters `w` in any case? c | 0x20 maps
 * exactly the two cases of a letter onto the lower one (and stops at the
 * '\n', which maps to '*'), so no strncasecmp call per line. */
static inline int word_is(const char *q, const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((q[i] | 0x20) != w[i])
            return 0;
    return 1;
}

static inline int msr_parse(const vmm_trace_t *t, const char *p, const char *lim,
                            const char **next, vmm_ref_t *r)
{
    const msr *m = t->st;
    const char *q = vmm_skip_sep(p);
    uint64_t ts, disk, off, size, rt, addr;
    uint8_t op;
    int st;
    if ((unsigned)((unsigned char)*q - '0') > 9) {
        if (!strncasecmp(q, "Timestamp,", 10)) {
            *next = (const char *)memchr(q, '\n', (size_t)(lim - q)) + 1;
            return VMM_TP_SKIP;
        }
        return vmm_text_skip(p, lim, next);
    }
    if ((st = vmm_parse_dec(&q, UINT64_MAX, 19, VMM_TP_RANGE64, &ts)))
        goto bad;
    st = VMM_TP_SYNTAX;
    if (*q != ',' || q[1] == ',')
        goto bad;
    q++;
    while (*q != ',' && *q != '\n')   /* Hostname */
        q++;
    if (*q++ != ',')
        goto bad;
    if ((st = vmm_parse_dec(&q, UINT32_MAX, 9, VMM_TP_RANGE32, &disk)))
        goto bad;
    st = VMM_TP_SYNTAX;
    if (*q++ != ',')
        goto bad;
    if (word_is(q, "read", 4) && q[4] == ',') {
        op = VMM_OP_READ;
        q += 5;
    } else if (word_is(q, "write", 5) && q[5] == ',') {
        op = VMM_OP_WRITE;
        q += 6;
    } else {
        goto bad;
    }
    if ((st = vmm_parse_dec(&q, UINT64_MAX, 19, VMM_TP_RANGE64, &off)))
        goto bad;
    st = VMM_TP_SYNTAX;
    if (*q++ != ',')
        goto bad;
    if ((st = vmm_parse_dec(&q, UINT32_MAX, 9, VMM_TP_RANGE32, &size)))
        goto bad;
    st = VMM_TP_SYNTAX;
    if (*q++ != ',')
        goto bad;
    if ((st = vmm_parse_dec(&q, UINT64_MAX, 19, VMM_TP_RANGE64, &rt)))
        goto bad;
    const char *e = vmm_text_eol(q);
    st = VMM_TP_SYNTAX;
    if (!e)
        goto bad;
    st = VMM_TP_SIZE0;
    if (!size)
        goto bad;
    addr = off;
    if (m && m->id) {
        st = VMM_TP_PAGEOVF;
        if (__builtin_mul_overflow(off / SECTOR, (uint64_t)t->page_size, &addr))
            goto bad;
        size = 1;
    }
    *next = e;
    *r = (vmm_ref_t){.addr = addr, .asid = (uint32_t)disk, .size = (uint32_t)size, .op = op};
    return VMM_TP_REC;
bad:
    *next = q;
    return st;
}

VMM_TEXT_READ_FN msr_read(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err)
{
    return vmm_text_read(t, buf, n, err, msr_parse);
}

static int msr_open(vmm_trace_t *t, const vmm_trace_opts_t *o, vmm_err_t *err)
{
    msr *m = t->st;
    if (o->block_map < VMM_BLOCK_AUTO || o->block_map > VMM_BLOCK_BYTES)
        return vmm_err_set(err, VMM_EINVAL, t->src.name, 0, -1, "bad block map %d",
                           o->block_map);
    m->id = o->block_map == VMM_BLOCK_ID;
    t->paged = m->id;
    return 0;
}

static long msr_encode(const vmm_ref_t *r, uint32_t page_size, uint64_t seq, unsigned char *d,
                       const char **why)
{
    (void)page_size;
    (void)why;
    size_t n = vmm_put_dec(d, seq);
    memcpy(d + n, ",vmmsim,", 8);
    n += 8;
    n += vmm_put_dec(d + n, r->asid);
    if (r->op == VMM_OP_WRITE) {
        memcpy(d + n, ",Write,", 7);
        n += 7;
    } else {
        memcpy(d + n, ",Read,", 6);
        n += 6;
    }
    n += vmm_put_dec(d + n, r->addr);
    d[n++] = ',';
    n += vmm_put_dec(d + n, r->size);
    memcpy(d + n, ",0\n", 3);
    return (long)(n + 3);
}

const vmm_fmt_ops_t vmm_fmt_msr = {
    .name = "msr",
    .shape = "Timestamp,Hostname,DiskNumber,Read|Write,Offset,Size,ResponseTime",
    .flags = VMM_FMT_KEEPS_SIZE,
    .state_size = sizeof(msr),
    .parse = msr_parse,
    .open = msr_open,
    .read = msr_read,
    .max_rec = 20 + 8 + 10 + 7 + 20 + 1 + 10 + 3,
    .encode = msr_encode,
};
