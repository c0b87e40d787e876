/* zstd for trace input and output (libzstd's streaming API).
 *
 * Recognised by the frame magic 28 b5 2f fd or a skippable frame
 * (ZSTD_isFrame); several concatenated frames are one stream. The decoder
 * tells a complete stream from a truncated one by ZSTD_decompressStream's
 * hint, which is 0 exactly when a frame has been decoded and flushed. The
 * encoder writes level 3 with a content checksum, so readers can tell a
 * damaged file from a short trace. Both go through vmm_malloc (a
 * ZSTD_customMem), so allocation-failure tests reach zstd's buffers. */
#define ZSTD_STATIC_LINKING_ONLY
#include "trace/trace_int.h"
#include "util/alloc.h"
#include <zstd.h>
#include <zstd_errors.h>

static void *zalloc(void *opaque, size_t n)
{
    (void)opaque;
    return vmm_malloc(n);
}

static void zfree(void *opaque, void *p)
{
    (void)opaque;
    vmm_free(p);
}

static const ZSTD_customMem zmem = {zalloc, zfree, NULL};

typedef struct zdec {
    ZSTD_DStream *ds;
    size_t hint;   /* last ZSTD_decompressStream result; 0 = frame complete */
} zdec;

static int is_magic(const unsigned char *p, size_t n)
{
    return n >= 4 && ZSTD_isFrame(p, 4);
}

static void dec_free(void *st)
{
    zdec *z = st;
    if (!z)
        return;
    ZSTD_freeDStream(z->ds);
    vmm_free(z);
}

static void *dec_create(void)
{
    zdec *z = vmm_calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->ds = ZSTD_createDStream_advanced(zmem);
    z->hint = 1;   /* a frame has started */
    if (!z->ds) {
        dec_free(z);
        return NULL;
    }
    return z;
}

static int decode(void *st, vmm_cin_t *in, vmm_cout_t *out, int finish, const char **why)
{
    zdec *z = st;
    if (finish && in->pos == in->size && z->hint == 0)
        return VMM_C_END;   /* every frame complete */
    size_t before = out->pos;
    ZSTD_inBuffer zi = {in->p, in->size, in->pos};
    ZSTD_outBuffer zo = {out->p, out->size, out->pos};
    size_t r = ZSTD_decompressStream(z->ds, &zo, &zi);
    in->pos = zi.pos;
    out->pos = zo.pos;
    if (ZSTD_isError(r)) {
        *why = ZSTD_getErrorName(r);
        return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? VMM_C_NOMEM
                                                                    : VMM_C_CORRUPT;
    }
    z->hint = r;
    if (finish && in->pos == in->size && out->pos == before && r != 0)
        return VMM_C_TRUNC;
    return VMM_C_OK;
}

static void enc_free(void *st) { ZSTD_freeCCtx(st); }

static void *enc_create(void)
{
    ZSTD_CCtx *c = ZSTD_createCCtx_advanced(zmem);
    if (c)
        ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    return c;
}

static int encode(void *st, vmm_cin_t *in, vmm_cout_t *out, int end, const char **why)
{
    ZSTD_inBuffer zi = {in->p, in->size, in->pos};
    ZSTD_outBuffer zo = {out->p, out->size, out->pos};
    size_t r = ZSTD_compressStream2(st, &zo, &zi, end ? ZSTD_e_end : ZSTD_e_continue);
    in->pos = zi.pos;
    out->pos = zo.pos;
    if (ZSTD_isError(r)) {
        *why = ZSTD_getErrorName(r);
        return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? VMM_C_NOMEM : VMM_C_FAIL;
    }
    return end && r == 0 ? VMM_C_END : VMM_C_OK;
}

const vmm_codec_ops_t vmm_codec_zstd = {
    .name = "zstd",
    .ext = ".zst",
    .magic_text = "28 b5 2f fd",
    .unit = "frame",
    .is_magic = is_magic,
    .dec_create = dec_create,
    .decode = decode,
    .dec_free = dec_free,
    .enc_create = enc_create,
    .encode = encode,
    .enc_free = enc_free,
};
