/* xz for trace input and output (liblzma's .xz container).
 *
 * Recognised by the stream magic fd 37 7a 58 5a 00. The decoder runs with
 * LZMA_CONCATENATED, so several concatenated streams (and stream padding)
 * are one input, as xz -d reads them; it is told LZMA_FINISH once the
 * input has ended, and then LZMA_STREAM_END means complete and
 * LZMA_BUF_ERROR (no progress possible) means truncated. No memory limit
 * is set: xz -9 needs 65 MiB of dictionary, once, whatever the trace's
 * length. The encoder writes preset 6 with a CRC64 check. liblzma
 * allocates through vmm_malloc. */
#include "trace/trace_int.h"
#include "util/alloc.h"
#include <lzma.h>

static void *xalloc(void *opaque, size_t nmemb, size_t size)
{
    (void)opaque;
    size_t n;
    if (__builtin_mul_overflow(nmemb, size, &n))
        return NULL;
    return vmm_malloc(n);
}

static void xfree(void *opaque, void *p)
{
    (void)opaque;
    vmm_free(p);
}

static const lzma_allocator xmem = {xalloc, xfree, NULL};

typedef struct xz {
    lzma_stream s;
    int ended;   /* decoder: LZMA_STREAM_END seen */
} xz;

static int is_magic(const unsigned char *p, size_t n)
{
    static const unsigned char m[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
    for (size_t i = 0; i < 6; i++)
        if (i >= n || p[i] != m[i])
            return 0;
    return 1;
}

static void x_free(void *st)
{
    xz *x = st;
    if (!x)
        return;
    lzma_end(&x->s);
    vmm_free(x);
}

static xz *x_new(void)
{
    xz *x = vmm_calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->s = (lzma_stream)LZMA_STREAM_INIT;
    x->s.allocator = &xmem;
    return x;
}

static void *dec_create(void)
{
    xz *x = x_new();
    if (x && lzma_stream_decoder(&x->s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
        x_free(x);
        return NULL;
    }
    return x;
}

static int step(xz *x, vmm_cin_t *in, vmm_cout_t *out, lzma_action a)
{
    x->s.next_in = in->p + in->pos;
    x->s.avail_in = in->size - in->pos;
    x->s.next_out = out->p + out->pos;
    x->s.avail_out = out->size - out->pos;
    lzma_ret r = lzma_code(&x->s, a);
    in->pos = in->size - x->s.avail_in;
    out->pos = out->size - x->s.avail_out;
    return (int)r;
}

static const char *why_of(int r)
{
    switch (r) {
    case LZMA_FORMAT_ERROR: return "not in the .xz format";
    case LZMA_OPTIONS_ERROR: return "unsupported compression options";
    case LZMA_DATA_ERROR: return "compressed data is corrupt";
    case LZMA_BUF_ERROR: return "unexpected end of input";
    case LZMA_MEM_ERROR: return "out of memory";
    default: return "liblzma error";
    }
}

static int decode(void *st, vmm_cin_t *in, vmm_cout_t *out, int finish, const char **why)
{
    xz *x = st;
    if (x->ended)
        return VMM_C_END;
    int r = step(x, in, out, finish ? LZMA_FINISH : LZMA_RUN);
    if (r == LZMA_OK)
        return VMM_C_OK;
    if (r == LZMA_STREAM_END) {
        x->ended = 1;
        return out->pos < out->size ? VMM_C_END : VMM_C_OK;
    }
    if (r == LZMA_BUF_ERROR)
        return finish ? VMM_C_TRUNC : VMM_C_OK;
    *why = why_of(r);
    return r == LZMA_MEM_ERROR ? VMM_C_NOMEM : VMM_C_CORRUPT;
}

static void *enc_create(void)
{
    xz *x = x_new();
    if (x && lzma_easy_encoder(&x->s, 6, LZMA_CHECK_CRC64) != LZMA_OK) {
        x_free(x);
        return NULL;
    }
    return x;
}

static int encode(void *st, vmm_cin_t *in, vmm_cout_t *out, int end, const char **why)
{
    int r = step(st, in, out, end ? LZMA_FINISH : LZMA_RUN);
    if (r == LZMA_STREAM_END)
        return VMM_C_END;
    if (r == LZMA_OK || r == LZMA_BUF_ERROR)
        return VMM_C_OK;
    *why = why_of(r);
    return r == LZMA_MEM_ERROR ? VMM_C_NOMEM : VMM_C_FAIL;
}

const vmm_codec_ops_t vmm_codec_xz = {
    .name = "xz",
    .ext = ".xz",
    .magic_text = "fd 37 7a 58 5a 00",
    .unit = "stream",
    .is_magic = is_magic,
    .dec_create = dec_create,
    .decode = decode,
    .dec_free = x_free,
    .enc_create = enc_create,
    .encode = encode,
    .enc_free = x_free,
};
