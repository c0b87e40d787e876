/* The native binary format "bin": a 32-byte header, then fixed 16-byte
 * little-endian records (layout in docs/trace-formats.md):
 *
 *   header: magic "\x89VMMTRC\n" (8) | u16 version = 1 | u16 header_size
 *           = 32 | u16 record_size = 16 | u16 flags = 0 | u32 page_size |
 *           u32 reserved | u64 reserved
 *   record: u64 addr | u32 asid | u16 size (0 means 65536) | u8 op | u8 vm
 *
 * The magic starts with a non-ASCII byte and ends with '\n', so it is never
 * taken for text and shows damage from text-mode transfers (as PNG's does).
 * Records decode with plain loads from the block buffer, no per-field
 * branching; the only check is op <= 2. A reader accepts a larger
 * header_size (skipping what it does not know) but refuses other record
 * sizes, unknown flags, other versions and a page size that is neither 0
 * (unknown) nor a power of two from 512 to 1G. A file ending inside a record
 * is an error at the record's byte offset.
 *
 * The writer carries every field except sizes above 65536 and vm ids above
 * 255, which it refuses with VMM_ERANGE. */
#include "trace/trace_int.h"
#include <string.h>

/* Check the fixed fields of a header that is wholly buffered at h. */
static int check_header(vmm_trace_t *t, const unsigned char *h, uint64_t off, vmm_err_t *err)
{
    const char *name = t->src.name;
    unsigned v = vmm_le16(h + 8), hsize = vmm_le16(h + 10), rsize = vmm_le16(h + 12),
             flags = vmm_le16(h + 14);
    if (v != VMM_BIN_VERSION)
        return vmm_err_set(err, VMM_EFORMAT, name, 0, (int64_t)off + 8,
                           "unsupported bin version %u (this reader knows version %d)", v,
                           VMM_BIN_VERSION);
    if (hsize < VMM_BIN_HEADER || hsize > VMM_BIN_MAX_HEADER)
        return vmm_err_set(err, VMM_EFORMAT, name, 0, (int64_t)off + 10,
                           "bad bin header size %u (expected 32..4096)", hsize);
    if (rsize != VMM_BIN_RECORD)
        return vmm_err_set(err, VMM_EFORMAT, name, 0, (int64_t)off + 12,
                           "unsupported bin record size %u (expected %d)", rsize,
                           VMM_BIN_RECORD);
    if (flags)
        return vmm_err_set(err, VMM_EFORMAT, name, 0, (int64_t)off + 14,
                           "unknown bin header flags 0x%x (expected 0)", flags);
    /* 0 is "unknown"; anything else is what the simulator could use */
    uint32_t ps = vmm_le32(h + 16);
    if (ps && (ps < 512 || ps > (1u << 30) || (ps & (ps - 1))))
        return vmm_err_set(err, VMM_EFORMAT, name, 0, (int64_t)off + 16,
                           "bad page size %u in bin header (expected 0 for unknown, or a "
                           "power of two from 512 to 1G)", ps);
    t->page_size = ps;
    return 0;
}

static int bin_open(vmm_trace_t *t, const vmm_trace_opts_t *o, vmm_err_t *err)
{
    (void)o;
    vmm_src_t *s = &t->src;
    uint64_t off = vmm_src_offset(s);
    int rc = vmm_src_want(s, VMM_BIN_HEADER, err);
    if (rc)
        return rc;
    size_t have = s->len - s->pos;
    const unsigned char *h = (const unsigned char *)s->buf + s->pos;
    if (have == 0)
        return vmm_err_set(err, VMM_EFORMAT, s->name, 0, (int64_t)off, "empty trace: no records");
    if (have < VMM_BIN_MAGIC_LEN || memcmp(h, VMM_BIN_MAGIC, VMM_BIN_MAGIC_LEN))
        return vmm_err_set(err, VMM_EFORMAT, s->name, 0, (int64_t)off,
                           "bad magic: not a bin trace (expected 89 56 4d 4d 54 52 43 0a)");
    if (have < VMM_BIN_HEADER)
        return vmm_err_set(err, VMM_EFORMAT, s->name, 0, (int64_t)(off + have),
                           "truncated bin header: %zu of %d bytes", have, VMM_BIN_HEADER);
    if ((rc = check_header(t, h, off, err)))
        return rc;
    size_t hsize = vmm_le16(h + 10);
    if ((rc = vmm_src_want(s, hsize, err)))
        return rc;
    if (s->len - s->pos < hsize)
        return vmm_err_set(err, VMM_EFORMAT, s->name, 0, (int64_t)(off + (s->len - s->pos)),
                           "truncated bin header: %zu of %zu bytes", s->len - s->pos, hsize);
    s->pos += hsize;
    if ((rc = vmm_src_want(s, 1, err)))
        return rc;
    if (s->len == s->pos)
        return vmm_err_set(err, VMM_EFORMAT, s->name, 0, (int64_t)vmm_src_offset(s),
                           "empty trace: no records");
    return 0;
}

/* Decode m records with plain loads; one check (op <= 2) per record, and
 * the bad record is looked for only when some check failed. */
static size_t bin_decode(vmm_trace_t *t, const unsigned char *p, size_t m, uint64_t off,
                         vmm_ref_t *out, size_t *bad, int *code, vmm_err_t *err)
{
    unsigned wrong = 0;
    const unsigned char *q = p;
    for (size_t i = 0; i < m; i++, q += VMM_BIN_RECORD) {
        uint32_t size = vmm_le16(q + 12);
        out[i] = (vmm_ref_t){.addr = vmm_le64(q), .asid = vmm_le32(q + 8),
                             .size = size ? size : 65536, .vm = q[15], .op = q[14]};
        wrong |= q[14] > VMM_OP_IFETCH;
    }
    if (!wrong)
        return m;
    size_t i = 0;
    while (p[i * VMM_BIN_RECORD + 14] <= VMM_OP_IFETCH)
        i++;
    *bad = i;
    *code = vmm_err_set(err, VMM_EFORMAT, t->src.name, 0,
                        (int64_t)(off + i * VMM_BIN_RECORD + 14),
                        "bad op %u in record (expected 0 read, 1 write, 2 ifetch)",
                        p[i * VMM_BIN_RECORD + 14]);
    return i;
}

static long bin_read(vmm_trace_t *t, vmm_ref_t *out, size_t n, vmm_err_t *err)
{
    return vmm_rec_read(t, out, n, VMM_BIN_RECORD, bin_decode, err);
}

static size_t bin_header(uint32_t page_size, unsigned char *d)
{
    memset(d, 0, VMM_BIN_HEADER);
    memcpy(d, VMM_BIN_MAGIC, VMM_BIN_MAGIC_LEN);
    vmm_st16(d + 8, VMM_BIN_VERSION);
    vmm_st16(d + 10, VMM_BIN_HEADER);
    vmm_st16(d + 12, VMM_BIN_RECORD);
    vmm_st32(d + 16, page_size);
    return VMM_BIN_HEADER;
}

static long bin_encode(const vmm_ref_t *r, uint32_t page_size, uint64_t seq, unsigned char *d,
                       const char **why)
{
    (void)page_size;
    (void)seq;
    if (r->size > 65536) {
        *why = "size above 65536 does not fit the bin format's 16-bit size";
        return -1;
    }
    if (r->vm > 255) {
        *why = "vm id above 255 does not fit the bin format's 8-bit vm";
        return -1;
    }
    vmm_st64(d, r->addr);
    vmm_st32(d + 8, r->asid);
    vmm_st16(d + 12, (uint16_t)r->size);   /* 65536 wraps to 0, as documented */
    d[14] = r->op;
    d[15] = (unsigned char)r->vm;
    return VMM_BIN_RECORD;
}

const vmm_fmt_ops_t vmm_fmt_bin = {
    .name = "bin",
    .flags = VMM_FMT_PAGED | VMM_FMT_KEEPS_SIZE,
    .open = bin_open,
    .read = bin_read,
    .max_rec = VMM_BIN_RECORD,
    .header = bin_header,
    .encode = bin_encode,
};
