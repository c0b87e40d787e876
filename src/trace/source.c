/* Byte source for trace readers: a file or stdin, plain or zstd-compressed,
 * read in blocks of VMM_SRC_BLOCK bytes so the whole trace is never in
 * memory.
 *
 * zstd is recognised by its frame magic (28 B5 2F FD, or a skippable
 * frame) on any input, whatever its name; a name ending in ".zst" must
 * hold zstd data. Decompression uses libzstd's streaming API with the
 * library's allocator, so allocation-failure tests reach zstd's buffers.
 *
 * Invariants: unread decoded bytes are buf[pos..len), len <= VMM_SRC_BLOCK,
 * and buf has one spare byte after VMM_SRC_BLOCK (text readers put a '\n'
 * there for a final line without one) and VMM_SRC_PAD zeroed bytes after
 * that, so parsers may read a few bytes past a line. `base` is the stream offset of
 * buf[0], so error offsets count decoded bytes, as vmmsim/error.h says. */
#define ZSTD_STATIC_LINKING_ONLY
#include "trace/trace_int.h"
#include "util/alloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#define ZIN_BLOCK (256u << 10)   /* compressed bytes read per call */

void *vmm_zstd_alloc(void *opaque, size_t n)
{
    (void)opaque;
    return vmm_malloc(n);
}

void vmm_zstd_free(void *opaque, void *p)
{
    (void)opaque;
    vmm_free(p);
}

static const ZSTD_customMem zmem = {vmm_zstd_alloc, vmm_zstd_free, NULL};

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

static int zstd_error(vmm_src_t *s, size_t r, vmm_err_t *err)
{
    if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
        return vmm_err_set(err, VMM_ENOMEM, s->name, 0, -1, "out of memory in zstd");
    return vmm_err_set(err, VMM_EFORMAT, s->name, 0, (int64_t)(s->base + s->len),
                       "corrupt zstd stream (compressed byte %llu): %s",
                       (unsigned long long)(s->zin_off + s->zin_pos), ZSTD_getErrorName(r));
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

/* Decompress into buf[len..cap) until it is full or the input ends. A
 * stream that ends inside a frame is an error, not a short trace. */
static long zfill(vmm_src_t *s, vmm_err_t *err)
{
    ZSTD_outBuffer out = {s->buf + s->len, VMM_SRC_BLOCK - s->len, 0};
    while (out.pos < out.size) {
        int rc = zin_refill(s, err);
        if (rc)
            return rc;
        int at_end = s->zin_pos == s->zin_len;   /* only when zin_eof */
        if (at_end && s->zret == 0)
            break;   /* every frame complete */
        size_t before = out.pos;
        ZSTD_inBuffer in = {s->zin, s->zin_len, s->zin_pos};
        size_t r = ZSTD_decompressStream(s->zs, &out, &in);
        s->zin_pos = in.pos;
        if (ZSTD_isError(r)) {
            s->len += out.pos;
            return zstd_error(s, r, err);
        }
        s->zret = r;
        if (at_end && out.pos == before && r != 0) {
            s->len += out.pos;
            return vmm_err_set(err, VMM_EFORMAT, s->name, 0, (int64_t)(s->base + s->len),
                               "truncated zstd stream (input ends inside a frame)");
        }
    }
    s->len += out.pos;
    if (out.pos == 0)
        s->eof = 1;
    return (long)out.pos;
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
    if (s->zs)
        return zfill(s, err);
    ssize_t r = read_some(s->fd, s->buf + s->len, VMM_SRC_BLOCK - s->len);
    if (r < 0)
        return read_error(s, err);
    s->len += (size_t)r;
    s->eof = r == 0;
    return (long)r;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
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

/* Read the first 4 bytes (or fewer at EOF) into buf to look for zstd. */
static int read_head(vmm_src_t *s, vmm_err_t *err)
{
    while (s->len < 4) {
        ssize_t r = read_some(s->fd, s->buf + s->len, 4 - s->len);
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

/* The head is a zstd frame: move it to the compressed buffer. */
static int start_zstd(vmm_src_t *s, vmm_err_t *err)
{
    s->zin = vmm_malloc(ZIN_BLOCK);
    s->zs = ZSTD_createDStream_advanced(zmem);
    if (!s->zin || !s->zs)
        return vmm_err_set(err, VMM_ENOMEM, s->name, 0, -1, "out of memory");
    memcpy(s->zin, s->buf, s->len);
    s->zin_len = s->len;
    s->len = 0;
    s->zret = 1;   /* a frame has started */
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
    if (!rc && s->len == 4 && ZSTD_isFrame(s->buf, 4))
        rc = start_zstd(s, err);
    else if (!rc && ends_with(path, ".zst") && s->len > 0)
        rc = vmm_err_set(err, VMM_EFORMAT, s->name, 0, 0,
                         "not a zstd stream (expected magic 28 b5 2f fd)");
    if (!rc && s->zs) {
        s->eof = 0;   /* the compressed stream decides */
        long r = zfill(s, err);
        rc = r < 0 ? (int)r : 0;
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
    ZSTD_freeDStream(s->zs);
    s->zs = NULL;
    vmm_free(s->zin);
    s->zin = NULL;
    vmm_free(s->buf);
    s->buf = NULL;
}
