/* CloudPhysics vscsi block traces (the binary format of the traces behind
 * the SHARDS paper, Waldspurger et al., FAST 2015; read by libCacheSim's
 * vscsi reader). Fixed little-endian records without a file header, in
 * one of two layouts told apart by the version byte (ver >> 8):
 *
 *   v1, 32 bytes: u32 sn | u32 len | u32 nSG | u16 cmd | u16 ver | u64 lbn | u64 ts
 *   v2, 40 bytes: u16 cmd | u16 ver | u32 sn | u32 len | u32 nSG | u64 lbn |
 *                 u64 ts | u64 rt
 *
 * lbn is the logical block (512-byte sector) number, len the bytes
 * transferred, cmd the SCSI opcode (WRITE(6/10/12/16) = 0a/2a/aa/8a are
 * writes, anything else reads), ts a time in microseconds; sn, nSG, ts and
 * rt do not affect references. Every record must carry the file's version
 * (a corrupt or misaligned file shows there first).
 *
 * How a record becomes references (opts.block_map, docs/trace-formats.md):
 * VMM_BLOCK_ID (the default) makes lbn the page number, one 1-byte read or
 * write at lbn * page_size: exactly what libCacheSim and the .txt form of
 * the CloudPhysics trace do (each block one object), so results match
 * theirs. VMM_BLOCK_BYTES makes it one reference over the bytes
 * [lbn * 512, lbn * 512 + len) (at least 1 byte), which the engine splits
 * into the pages it touches.
 *
 * Detection: the version byte of each of the first (up to 4) records,
 * which is a control byte (1 or 2) that no text trace holds; or a file
 * name containing ".vscsi". Once the format is chosen, the first record's
 * version byte decides the layout and every later record must match.
 *
 * The writer emits v1 records in the ID mapping (lbn = addr / page_size,
 * len = page_size, cmd 28/2a for reads/writes, sn and ts counting up), so
 * the default reader gives back the same pages; it loses the asid, the
 * size, the offset in the page and ifetch (written as a read). */
#include "trace/trace_int.h"
#include <string.h>

#define V1_REC 32
#define V2_REC 40
#define SECTOR 512
#define SNIFF_RECS 4

typedef struct vscsi {
    unsigned version;   /* 1 or 2 */
    size_t rec;         /* record bytes */
    int bytes;          /* VMM_BLOCK_BYTES */
} vscsi;

/* Offsets of the fields in each layout. */
static size_t ver_at(unsigned v) { return v == 1 ? 15 : 3; }

/* Do the first records all carry version v? */
static int all_version(const unsigned char *p, size_t n, unsigned v)
{
    size_t rec = v == 1 ? V1_REC : V2_REC, m = n / rec;
    if (m == 0)
        return 0;
    if (m > SNIFF_RECS)
        m = SNIFF_RECS;
    for (size_t i = 0; i < m; i++)
        if (p[i * rec + ver_at(v)] != v)
            return 0;
    return 1;
}

static int vscsi_sniff(const unsigned char *p, size_t n)
{
    return all_version(p, n, 1) || all_version(p, n, 2);
}

static int vscsi_open(vmm_trace_t *t, const vmm_trace_opts_t *o, vmm_err_t *err)
{
    vscsi *v = t->st;
    vmm_src_t *s = &t->src;
    if (o->block_map < VMM_BLOCK_AUTO || o->block_map > VMM_BLOCK_BYTES)
        return vmm_err_set(err, VMM_EINVAL, s->name, 0, -1, "bad block map %d", o->block_map);
    v->bytes = o->block_map == VMM_BLOCK_BYTES;
    t->paged = !v->bytes;
    int rc = vmm_src_want(s, VMM_SNIFF_BYTES, err);
    if (rc)
        return rc;
    const unsigned char *p = (const unsigned char *)s->buf + s->pos;
    size_t have = s->len - s->pos;
    if (have == 0)
        return vmm_err_set(err, VMM_EFORMAT, s->name, 0, 0, "empty trace: no records");
    /* the first record decides; each later one is checked as it is read */
    if (have < V1_REC)
        return vmm_err_set(err, VMM_EFORMAT, s->name, 0, (int64_t)have,
                           "truncated record: %zu of %d bytes", have, V1_REC);
    v->version = p[15] == 1 ? 1 : p[3] == 2 ? 2 : 0;
    if (!v->version) {
        return vmm_err_set(err, VMM_EFORMAT, s->name, 0, 15,
                           "not a vscsi trace: version byte 0x%02x (expected 01 at byte 15 "
                           "of 32-byte v1 records, or 02 at byte 3 of 40-byte v2 records)",
                           p[15]);
    }
    v->rec = v->version == 1 ? V1_REC : V2_REC;
    return 0;
}

static int is_write(unsigned cmd)
{
    return cmd == 0x0a || cmd == 0x2a || cmd == 0xaa || cmd == 0x8a;
}

static size_t vscsi_decode(vmm_trace_t *t, const unsigned char *p, size_t m, uint64_t off,
                           vmm_ref_t *out, size_t *bad, int *code, vmm_err_t *err)
{
    const vscsi *v = t->st;
    const size_t rec = v->rec, va = ver_at(v->version);
    const size_t cmd_at = v->version == 1 ? 12 : 0, len_at = v->version == 1 ? 4 : 8;
    const uint64_t scale = v->bytes ? SECTOR : t->page_size;
    for (size_t i = 0; i < m; i++, p += rec) {
        uint64_t lbn = vmm_le64(p + 16), addr;
        uint32_t len = vmm_le32(p + len_at);
        if (p[va] != v->version || __builtin_mul_overflow(lbn, scale, &addr)) {
            *bad = i;
            if (p[va] != v->version)
                *code = vmm_err_set(err, VMM_EFORMAT, t->src.name, 0,
                                    (int64_t)(off + i * rec + va),
                                    "version byte 0x%02x in a vscsi v%u trace (expected %02x)",
                                    p[va], v->version, v->version);
            else
                *code = vmm_err_set(err, VMM_ERANGE, t->src.name, 0,
                                    (int64_t)(off + i * rec + 16),
                                    "block %llu times %s %llu does not fit in 64 bits",
                                    (unsigned long long)lbn,
                                    v->bytes ? "sector size" : "page size",
                                    (unsigned long long)scale);
            return i;
        }
        out[i] = (vmm_ref_t){.addr = addr, .size = v->bytes && len ? len : 1,
                             .op = is_write(p[cmd_at]) ? VMM_OP_WRITE : VMM_OP_READ};
    }
    return m;
}

static long vscsi_read(vmm_trace_t *t, vmm_ref_t *out, size_t n, vmm_err_t *err)
{
    return vmm_rec_read(t, out, n, ((vscsi *)t->st)->rec, vscsi_decode, err);
}

static long vscsi_encode(const vmm_ref_t *r, uint32_t page_size, uint64_t seq,
                         unsigned char *d, const char **why)
{
    (void)why;
    vmm_st32(d, (uint32_t)seq);
    vmm_st32(d + 4, page_size);
    vmm_st32(d + 8, 1);
    vmm_st16(d + 12, r->op == VMM_OP_WRITE ? 0x2a : 0x28);
    vmm_st16(d + 14, 0x0100);
    vmm_st64(d + 16, r->addr / page_size);
    vmm_st64(d + 24, seq);
    return V1_REC;
}

const vmm_fmt_ops_t vmm_fmt_vscsi = {
    .name = "vscsi",
    .hint = ".vscsi",
    .flags = VMM_FMT_PAGED,
    .state_size = sizeof(vscsi),
    .sniff = vscsi_sniff,
    .open = vscsi_open,
    .read = vscsi_read,
    .max_rec = V1_REC,
    .encode = vscsi_encode,
};
