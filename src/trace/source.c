/* Byte source for trace readers: a file or stdin, plain or compressed
 * (zstd, gzip or xz: codec_*.c), read in blocks of VMM_SRC_BLOCK bytes so
 * the whole trace is never in memory.
 *
 * A compression is recognised by its magic on any input, whatever its
 * name; a name ending in a codec's extension (".zst", ".gz", ".xz") must
 * hold that codec's data. One loop (cfill) drives every decoder.
 *
 * Invariants: unread decoded bytes are buf[pos..len), len <= VMM_SRC_BLOCK,
 * and buf has one spare byte after VMM_SRC_BLOCK (text readers put a '\n'
 * there for a final line without one) and VMM_SRC_PAD zeroed bytes after
 * that, so parsers may read a few bytes past a line. `base` is the stream
 * offset of buf[0], so error offsets count decoded bytes, as
 * vmmsim/error.h says. */
#include "trace/trace_int.h"
#include "util/alloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZIN_BLOCK (256u << 10)   /* compressed bytes read per call */
#define HEAD 6                   /* bytes read to look for a magic (xz's is 6) */

static const vmm_codec_ops_t *const codecs[] = {
    &vmm_codec_zstd, &vmm_codec_gzip, &vmm_codec_xz, NULL,
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

const vmm_codec_ops_t *vmm_codec_by_ext(const char *path)
{
    for (size_t i = 0; codecs[i]; i++)
        if (ends_with(path, codecs[i]->ext))
            return codecs[i];
    return NULL;
}

/* Bytes every source of the process has read, for progress displays. */
static _Atomic uint64_t bytes_read;

uint64_t vmm_trace_bytes_read(void) { return atomic_load_explicit(&bytes_read, memory_order_relaxed); }

/* read(2) that retries on EINTR. Returns bytes, 0 at EOF, -1 on error. */
static ssize_t read_some(int fd, void *p, size_t n)
{
    for (;;) {
        ssize_t r = read(fd, p, n);
        if (r > 0)
            atomic_fetch_add_explicit(&bytes_read, (uint64_t)r, memory_order_relaxed);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

static int read_error(vmm_src_t *s, vmm_err_t *err)
{
    return vmm_err_set(err, VMM_EIO, s->name, 0, (int64_t)(s->base + s->len),
                       "read failed: %s", strerror(errno));
}

static int codec_error(vmm_src_t *s, int r, const char *why, vmm_err_t *err)
{
    const char *name = s->codec->name;
    int64_t at = (int64_t)(s->base + s->len);
    if (r == VMM_C_NOMEM)
        return vmm_err_set(err, VMM_ENOMEM, s->name, 0, -1, "out of memory in %s", name);
    if (r == VMM_C_TRUNC)
        return vmm_err_set(err, VMM_EFORMAT, s->name, 0, at,
                           "truncated %s stream (input ends inside a %s)", name,
                           s->codec->unit);
    return vmm_err_set(err, VMM_EFORMAT, s->name, 0, at,
                       "corrupt %s stream (compressed byte %llu): %s", name,
                       (unsigned long long)(s->zin_off + s->zin_pos), why);
}

/* Refill the compressed buffer when it is empty. */
static int zin_refill(vmm_src_t *s, vmm_err_t *err)
{
    if (s->zin_pos < s->zin_len || s->zin_eof)
        return 0;
    ssize_t r = read_some(s->fd, s->zin, ZIN_BLOCK);
    if (r < 0)
        return read_error(s, err);
    s->zin_off += s->zin_len;
    s->zin_pos = 0;
    s->zin_len = (size_t)r;
    s->zin_eof = r == 0;
    return 0;
}

/* Decompress into buf[len..BLOCK) until it is full or the stream ends. A
 * stream that ends inside a frame (member, stream) is an error, not a
 * short trace. */
static long cfill(vmm_src_t *s, vmm_err_t *err)
{
    vmm_cout_t out = {(unsigned char *)s->buf, VMM_SRC_BLOCK, s->len};
    size_t start = s->len;
    while (out.pos < out.size && !s->cend) {
        int rc = zin_refill(s, err);
        if (rc)
            return rc;
        int finish = s->zin_eof && s->zin_pos == s->zin_len;
        vmm_cin_t in = {s->zin, s->zin_len, s->zin_pos};
        const char *why = "";
        int r = s->codec->decode(s->cst, &in, &out, finish, &why);
        s->zin_pos = in.pos;
        s->len = out.pos;
        if (r < 0)
            return codec_error(s, r, why, err);
        if (r == VMM_C_END)
            s->cend = 1;
    }
    size_t got = s->len - start;
    if (got == 0)
        s->eof = 1;
    return (long)got;
}

long vmm_src_fill(vmm_src_t *s, vmm_err_t *err)
{
    if (s->pos) {
        memmove(s->buf, s->buf + s->pos, s->len - s->pos);
        s->base += s->pos;
        s->len -= s->pos;
        s->pos = 0;
    }
    if (s->eof || s->len == VMM_SRC_BLOCK)
        return 0;
    if (s->codec)
        return cfill(s, err);
    ssize_t r = read_some(s->fd, s->buf + s->len, VMM_SRC_BLOCK - s->len);
    if (r < 0)
        return read_error(s, err);
    s->len += (size_t)r;
    s->eof = r == 0;
    return (long)r;
}

static int open_fd(vmm_src_t *s, const char *path, vmm_err_t *err)
{
    if (!strcmp(path, "-")) {
        s->fd = STDIN_FILENO;
        return 0;
    }
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        if (errno == ENOENT)
            return vmm_err_set(err, VMM_ENOENT, s->name, 0, -1, "no such file");
        /* a name that cannot be a trace is bad input, not a failed read */
        int bad_input = errno == EACCES || errno == EPERM || errno == ENOTDIR ||
                        errno == ELOOP || errno == ENAMETOOLONG;
        return vmm_err_set(err, bad_input ? VMM_EINVAL : VMM_EIO, s->name, 0, -1,
                           "cannot open: %s", strerror(errno));
    }
    s->own_fd = 1;
    struct stat st;
    if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode))
        return vmm_err_set(err, VMM_EINVAL, s->name, 0, -1, "is a directory, not a trace");
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    return 0;
}

/* Read the first HEAD bytes (or fewer at EOF) into buf to look for a magic. */
static int read_head(vmm_src_t *s, vmm_err_t *err)
{
    while (s->len < HEAD) {
        ssize_t r = read_some(s->fd, s->buf + s->len, HEAD - s->len);
        if (r < 0)
            return read_error(s, err);
        if (r == 0) {
            s->eof = 1;
            break;
        }
        s->len += (size_t)r;
    }
    return 0;
}

/* The head starts a compressed stream: move it to the compressed buffer. */
static int start_codec(vmm_src_t *s, const vmm_codec_ops_t *c, vmm_err_t *err)
{
    s->codec = c;
    s->zin = vmm_malloc(ZIN_BLOCK);
    s->cst = c->dec_create();
    if (!s->zin || !s->cst)
        return vmm_err_set(err, VMM_ENOMEM, s->name, 0, -1, "out of memory");
    memcpy(s->zin, s->buf, s->len);
    s->zin_len = s->len;
    s->zin_eof = s->eof;
    s->len = 0;
    s->eof = 0;   /* the compressed stream decides */
    return 0;
}

int vmm_src_open(vmm_src_t *s, const char *path, vmm_err_t *err)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    const char *shown = strcmp(path, "-") ? path : "<stdin>";
    size_t n = strlen(shown) < sizeof s->name ? strlen(shown) : sizeof s->name - 1;
    memcpy(s->name, shown, n);   /* zeroed by memset: stays terminated */
    int rc = open_fd(s, path, err);
    if (!rc) {
        s->buf = vmm_calloc(1, VMM_SRC_BLOCK + 1 + VMM_SRC_PAD);
        rc = s->buf ? 0 : vmm_err_set(err, VMM_ENOMEM, s->name, 0, -1, "out of memory");
    }
    if (!rc)
        rc = read_head(s, err);
    const vmm_codec_ops_t *c = NULL;
    for (size_t i = 0; !rc && codecs[i] && !c; i++)
        if (codecs[i]->is_magic((const unsigned char *)s->buf, s->len))
            c = codecs[i];
    const vmm_codec_ops_t *named = rc ? NULL : vmm_codec_by_ext(path);
    if (!rc && named && named != c && s->len > 0)
        rc = vmm_err_set(err, VMM_EFORMAT, s->name, 0, 0, "not a%s %s stream (expected magic %s)",
                         named->name[0] == 'x' ? "n" : "", named->name, named->magic_text);
    if (!rc && c) {
        rc = start_codec(s, c, err);
        long r = rc ? 0 : cfill(s, err);
        rc = r < 0 ? (int)r : rc;
    } else if (!rc && !s->eof) {
        long r = vmm_src_fill(s, err);
        rc = r < 0 ? (int)r : 0;
    }
    if (rc)
        vmm_src_close(s);
    return rc;
}

void vmm_src_close(vmm_src_t *s)
{
    if (s->own_fd && s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->own_fd = 0;
    if (s->codec && s->cst)
        s->codec->dec_free(s->cst);
    s->cst = NULL;
    s->codec = NULL;
    vmm_free(s->zin);
    s->zin = NULL;
    vmm_free(s->buf);
    s->buf = NULL;
}
