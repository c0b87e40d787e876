/* gzip for trace input and output (zlib's inflate/deflate with the gzip
 * wrapper, RFC 1952).
 *
 * Recognised by the member magic 1f 8b. Several concatenated members are
 * one stream, as gzip -d reads them: after a member ends, the decoder
 * starts the next one if any byte follows (bytes that are not a gzip
 * member are then reported as corrupt, where gzip(1) would warn about
 * "trailing garbage"). The input is complete when it ends exactly at the
 * end of a member. The encoder writes one member at zlib's default level
 * (6). zlib allocates through vmm_malloc. */
#include "trace/trace_int.h"
#include "util/alloc.h"
#include <zlib.h>

static voidpf zalloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    size_t n;
    if (__builtin_mul_overflow((size_t)items, (size_t)size, &n))
        return Z_NULL;
    return vmm_malloc(n);
}

static void zfree(voidpf opaque, voidpf p)
{
    (void)opaque;
    vmm_free(p);
}

typedef struct gz {
    z_stream z;
    int live;        /* inflateInit2/deflateInit2 succeeded */
    int member_end;  /* decoder: the last member is complete */
} gz;

#define GZIP_WBITS (15 + 16)   /* a 32 KiB window, gzip wrapper only */

static int is_magic(const unsigned char *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static void dec_free(void *st)
{
    gz *g = st;
    if (!g)
        return;
    if (g->live)
        inflateEnd(&g->z);
    vmm_free(g);
}

static void *dec_create(void)
{
    gz *g = vmm_calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->z.zalloc = zalloc;
    g->z.zfree = zfree;
    if (inflateInit2(&g->z, GZIP_WBITS) != Z_OK) {
        dec_free(g);
        return NULL;
    }
    g->live = 1;
    return g;
}

static int decode(void *st, vmm_cin_t *in, vmm_cout_t *out, int finish, const char **why)
{
    gz *g = st;
    if (g->member_end) {
        if (in->pos == in->size)
            return finish ? VMM_C_END : VMM_C_OK;
        if (inflateReset(&g->z) != Z_OK) {
            *why = "inflateReset failed";
            return VMM_C_CORRUPT;
        }
        g->member_end = 0;
    }
    g->z.next_in = (Bytef *)(uintptr_t)(in->p + in->pos);
    g->z.avail_in = (uInt)(in->size - in->pos);
    g->z.next_out = out->p + out->pos;
    g->z.avail_out = (uInt)(out->size - out->pos);
    int r = inflate(&g->z, Z_NO_FLUSH);
    in->pos = in->size - g->z.avail_in;
    out->pos = out->size - g->z.avail_out;
    switch (r) {
    case Z_STREAM_END:
        g->member_end = 1;
        return VMM_C_OK;
    case Z_OK:
        return VMM_C_OK;
    case Z_BUF_ERROR:   /* no progress possible: more input needed */
        return finish && in->pos == in->size ? VMM_C_TRUNC : VMM_C_OK;
    case Z_MEM_ERROR:
        *why = "out of memory";
        return VMM_C_NOMEM;
    default:   /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
        *why = g->z.msg ? g->z.msg : "invalid data";
        return VMM_C_CORRUPT;
    }
}

static void enc_free(void *st)
{
    gz *g = st;
    if (!g)
        return;
    if (g->live)
        deflateEnd(&g->z);
    vmm_free(g);
}

static void *enc_create(void)
{
    gz *g = vmm_calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->z.zalloc = zalloc;
    g->z.zfree = zfree;
    if (deflateInit2(&g->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        enc_free(g);
        return NULL;
    }
    g->live = 1;
    return g;
}

static int encode(void *st, vmm_cin_t *in, vmm_cout_t *out, int end, const char **why)
{
    gz *g = st;
    g->z.next_in = (Bytef *)(uintptr_t)(in->p + in->pos);
    g->z.avail_in = (uInt)(in->size - in->pos);
    g->z.next_out = out->p + out->pos;
    g->z.avail_out = (uInt)(out->size - out->pos);
    int r = deflate(&g->z, end ? Z_FINISH : Z_NO_FLUSH);
    in->pos = in->size - g->z.avail_in;
    out->pos = out->size - g->z.avail_out;
    if (r == Z_STREAM_END)
        return VMM_C_END;
    if (r == Z_OK || r == Z_BUF_ERROR)
        return VMM_C_OK;
    *why = g->z.msg ? g->z.msg : "deflate failed";
    return r == Z_MEM_ERROR ? VMM_C_NOMEM : VMM_C_FAIL;
}

const vmm_codec_ops_t vmm_codec_gzip = {
    .name = "gzip",
    .ext = ".gz",
    .magic_text = "1f 8b",
    .unit = "member",
    .is_magic = is_magic,
    .dec_create = dec_create,
    .decode = decode,
    .dec_free = dec_free,
    .enc_create = enc_create,
    .encode = encode,
    .enc_free = enc_free,
};
