/* libCacheSim's "oracleGeneral" binary traces: packed little-endian
 * 24-byte records without a file header,
 *
 *   u32 clock_time | u64 obj_id | u32 obj_size | i64 next_access_vtime
 *
 * (libCacheSim's traceReader/customizedReader/oracle/oracleGeneralBin.h).
 * Each record is one reference to object obj_id, which becomes page
 * obj_id: a 1-byte read at obj_id * page_size (VMM_ERANGE when that does
 * not fit 64 bits: ids of 2^52 and more need a page size below 4096).
 * Records with obj_size 0 are skipped, as libCacheSim's readers do by
 * default (ignore_size_zero_req), so page counts match its results. The
 * clock time and the next access time (an oracle for Belady's OPT, which
 * vmmsim computes itself) are not used.
 *
 * The format has no magic, so it is detected only from a file name
 * containing ".oracleGeneral" (libCacheSim's naming); elsewhere, stdin
 * included, give the format. There is no writer: a faithful file needs
 * every record's next access time, which takes a pass backwards over the
 * whole trace and memory for every page, against the module's
 * constant-memory streaming. */
#include "trace/trace_int.h"

#define ORACLE_REC 24

static int oracle_open(vmm_trace_t *t, const vmm_trace_opts_t *o, vmm_err_t *err)
{
    (void)o;
    vmm_src_t *s = &t->src;
    int rc = vmm_src_want(s, 1, err);
    if (rc)
        return rc;
    if (s->len == s->pos)
        return vmm_err_set(err, VMM_EFORMAT, s->name, 0, 0, "empty trace: no records");
    return 0;
}

static size_t oracle_decode(vmm_trace_t *t, const unsigned char *p, size_t m, uint64_t off,
                            vmm_ref_t *out, size_t *bad, int *code, vmm_err_t *err)
{
    size_t k = 0;
    const uint64_t ps = t->page_size;
    for (size_t i = 0; i < m; i++, p += ORACLE_REC) {
        uint64_t id = vmm_le64(p + 4), addr;
        if (__builtin_mul_overflow(id, ps, &addr)) {
            *bad = i;
            *code = vmm_err_set(err, VMM_ERANGE, t->src.name, 0, (int64_t)(off + i * ORACLE_REC + 4),
                                "object id %llu times page size %llu does not fit in 64 bits",
                                (unsigned long long)id, (unsigned long long)ps);
            return k;
        }
        out[k] = (vmm_ref_t){.addr = addr, .size = 1, .op = VMM_OP_READ};
        k += vmm_le32(p + 12) != 0;
    }
    return k;
}

static long oracle_read(vmm_trace_t *t, vmm_ref_t *out, size_t n, vmm_err_t *err)
{
    return vmm_rec_read(t, out, n, ORACLE_REC, oracle_decode, err);
}

const vmm_fmt_ops_t vmm_fmt_oracle = {
    .name = "oracleGeneral",
    .hint = ".oracleGeneral",
    .flags = VMM_FMT_PAGED,
    .open = oracle_open,
    .read = oracle_read,
};
