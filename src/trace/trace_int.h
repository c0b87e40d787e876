/* Private interface of the trace module: the byte source, the reader and
 * writer structs, the per-format ops table, and the text-line machinery
 * shared by the text formats (docs/trace-formats.md is the user's view).
 *
 * Invariants:
 * - A source holds at most VMM_SRC_BLOCK decoded bytes (plus one spare byte
 *   and VMM_SRC_PAD bytes of slack) and, for compressed input, one
 *   compressed block and the codec's state: memory is constant in the
 *   length of the trace.
 * - For text formats, buf[pos..lim) of the source always holds whole lines,
 *   each ending in '\n'; the last line of a file without a final newline
 *   gets one appended in the spare byte. Line parsers may therefore scan
 *   without bounds checks as long as every loop stops at '\n'.
 * - t->line counts the lines consumed so far, so an error in the line that
 *   starts at buf[pos] is on line t->line + 1. */
#ifndef VMM_TRACE_INT_H
#define VMM_TRACE_INT_H

#include "vmmsim/trace.h"
#include <stdint.h>
#include <stddef.h>

#define VMM_SRC_BLOCK (1u << 20)   /* decoded bytes read per block */
#define VMM_SRC_PAD 16             /* zeroed slack after the buffer (see vmm_parse_hex) */
#define VMM_TEXT_MAXLINE 4096      /* longest accepted text line, without '\n' */

/* A text format's read function: vmm_text_read and the line parser are
 * inlined into it, so the per-line call is direct and inlined. */
#define VMM_TEXT_READ_FN static __attribute__((flatten)) long

/* The native binary format (docs/trace-formats.md, "bin"). */
#define VMM_BIN_MAGIC "\x89VMMTRC\n"
#define VMM_BIN_MAGIC_LEN 8
#define VMM_BIN_VERSION 1
#define VMM_BIN_HEADER 32          /* header bytes written by version 1 */
#define VMM_BIN_RECORD 16          /* bytes per record */
#define VMM_BIN_MAX_HEADER 4096    /* larger header_size fields are rejected */

/* ---- compression codecs (codec_zstd.c, codec_gzip.c, codec_xz.c) ----- */

/* Bytes in and out of one codec step, as zstd's buffers: p[pos..size). */
typedef struct vmm_cin {
    const unsigned char *p;
    size_t size, pos;
} vmm_cin_t;

typedef struct vmm_cout {
    unsigned char *p;
    size_t size, pos;
} vmm_cout_t;

/* What a codec step returns. */
enum {
    VMM_C_OK = 0,        /* progress, or more input needed */
    VMM_C_END = 1,       /* decoder: the stream is complete; encoder: finished */
    VMM_C_TRUNC = -1,    /* decoder: the input ended inside a frame/member/stream */
    VMM_C_CORRUPT = -2,  /* decoder: bad data; *why says what */
    VMM_C_NOMEM = -3,    /* allocation failed */
    VMM_C_FAIL = -4,     /* encoder failure; *why says what */
};

/* One compression format: recognised by magic on input and by file-name
 * extension on both sides. A decoder is fed all the compressed bytes in
 * order; `finish` tells it that no bytes follow the ones it is given, so
 * it can tell a complete stream (END) from a truncated one (TRUNC).
 * Several concatenated frames, members or streams decode as one. States
 * are allocated through vmm_malloc, so allocation-failure tests reach them. */
typedef struct vmm_codec_ops {
    const char *name;            /* "zstd" */
    const char *ext;             /* ".zst" */
    const char *magic_text;      /* for messages: "28 b5 2f fd" */
    const char *unit;            /* what a truncated input ends inside: "frame" */
    /* do the first n (>= 6, or the whole input when shorter) bytes start a stream? */
    int (*is_magic)(const unsigned char *p, size_t n);
    void *(*dec_create)(void);                       /* NULL when out of memory */
    int (*decode)(void *st, vmm_cin_t *in, vmm_cout_t *out, int finish, const char **why);
    void (*dec_free)(void *st);
    void *(*enc_create)(void);                       /* NULL when out of memory */
    /* compress in; with `end`, finish the stream and return END when done */
    int (*encode)(void *st, vmm_cin_t *in, vmm_cout_t *out, int end, const char **why);
    void (*enc_free)(void *st);
} vmm_codec_ops_t;

extern const vmm_codec_ops_t vmm_codec_zstd, vmm_codec_gzip, vmm_codec_xz;

/* The codec whose extension ends `path`, or NULL. */
const vmm_codec_ops_t *vmm_codec_by_ext(const char *path);

/* ---- byte source (source.c) ------------------------------------------ */

typedef struct vmm_src {
    char name[256];              /* file name for messages ("<stdin>" for "-") */
    int fd;                      /* -1 when closed */
    int own_fd;                  /* close fd at the end (not stdin) */
    const vmm_codec_ops_t *codec;  /* non-NULL when the input is compressed */
    void *cst;                   /* the codec's decoder state */
    int cend;                    /* the compressed stream is complete */
    unsigned char *zin;          /* compressed bytes read, not yet decoded */
    size_t zin_pos, zin_len;
    uint64_t zin_off;            /* compressed bytes consumed before zin[0] */
    int zin_eof;                 /* no more compressed bytes */
    char *buf;                   /* decoded bytes; BLOCK + 1 + PAD allocated */
    size_t pos, len;             /* unread bytes are buf[pos..len) */
    uint64_t base;               /* stream offset of buf[0] */
    int eof;                     /* no more decoded bytes will come */
} vmm_src_t;

/* Open `path` ("-" = stdin), recognise a compression by its magic, and
 * read the first bytes. On failure the source is closed and err filled. */
int vmm_src_open(vmm_src_t *s, const char *path, vmm_err_t *err);

/* Move the unread bytes to the front of the buffer and append more: one
 * read(2) for plain input (a pipe may give little), until the block is full
 * or the stream ends for compressed input. Returns the number of bytes added, 0 at end
 * of input (or if the block is already full, which callers never let
 * happen), or a VMM_E* code. */
long vmm_src_fill(vmm_src_t *s, vmm_err_t *err);

/* Free the buffers and close the file. Safe on a zeroed or closed source. */
void vmm_src_close(vmm_src_t *s);

/* Stream offset of the next unread byte. */
static inline uint64_t vmm_src_offset(const vmm_src_t *s) { return s->base + s->pos; }

/* ---- reader ------------------------------------------------------------ */

typedef struct vmm_fmt_ops vmm_fmt_ops_t;

struct vmm_trace {
    const vmm_fmt_ops_t *ops;    /* the format being read */
    const char *shown;           /* format name reported (ops->name, or a merge's) */
    vmm_src_t src;
    void *st;                    /* the format's state (ops->state_size bytes, zeroed) */
    size_t lim;                  /* text: buf[pos..lim) holds whole lines */
    uint64_t line;               /* text: lines consumed so far */
    uint32_t page_size;          /* opts (page formats) or header (bin); 0 unknown */
    int paged;                   /* records are page numbers * page_size */
    int data_only;               /* drop VMM_OP_IFETCH records */
    int failed;                  /* sticky error code returned again, 0 none */
    vmm_err_t saved;             /* the error to repeat */
};

/* What a line parser returns. Negative values say why a line is bad. */
enum {
    VMM_TP_REC = 1,          /* one record decoded */
    VMM_TP_SKIP = 0,         /* blank, comment or ignored line */
    VMM_TP_SYNTAX = -1,      /* not the expected shape */
    VMM_TP_RANGE64 = -2,     /* number wider than 64 bits */
    VMM_TP_RANGE32 = -3,     /* number wider than 32 bits */
    VMM_TP_SIZE0 = -4,       /* access size 0 */
    VMM_TP_LABEL = -5,       /* din label other than 0..4 */
    VMM_TP_PAGEOVF = -6,     /* page number * page size overflows */
};

/* Parse the line starting at p; a '\n' exists in [p, lim). On VMM_TP_REC
 * fill *r (every field) and on REC or SKIP set *next past the '\n'; on an
 * error *next may point at the offending character. Detection calls it
 * before the format is chosen, with t->st NULL: a parser that has state
 * must then judge the line by its defaults (or the format sets detect). */
typedef int (*vmm_line_fn)(const vmm_trace_t *t, const char *p, const char *lim,
                           const char **next, vmm_ref_t *r);

/* Format flags. */
enum {
    VMM_FMT_PAGED = 1,        /* records are page numbers (vmm_trace_page_size) */
    VMM_FMT_KEEPS_SIZE = 2,   /* the writer carries the access size */
};

/* How many bytes detection buffers for sniff (at least, when the input
 * has them). */
#define VMM_SNIFF_BYTES 256

/* One trace format: its reader and its writer (either may be absent).
 * Detection (trace.c) tries, in registry order: the file name hint, sniff
 * on the first bytes, then the text parsers (or detect) on the first
 * meaningful line. */
struct vmm_fmt_ops {
    const char *name;            /* "lackey" */
    const char *shape;           /* text: line shape quoted in messages; NULL binary */
    const char *hint;            /* a file name containing this selects the format; NULL none */
    unsigned flags;              /* VMM_FMT_* */
    size_t state_size;           /* reader state t->st, allocated zeroed; 0 none */
    /* binary: do the first n bytes (VMM_SNIFF_BYTES, or the whole input)
     * look like this format? NULL: not recognised by content */
    int (*sniff)(const unsigned char *p, size_t n);
    vmm_line_fn parse;           /* text: one line (also used by detection) */
    /* text: does the first meaningful line select this format (a header
     * that parse cannot judge without state)? Used instead of parse for
     * detection when set. */
    int (*detect)(const char *p, const char *lim);
    /* header, checks, options; may be NULL. `o` is never NULL. */
    int (*open)(vmm_trace_t *t, const vmm_trace_opts_t *o, vmm_err_t *err);
    long (*read)(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err);
    void (*fini)(vmm_trace_t *t);  /* free what open took beyond t->st; may be NULL */
    size_t max_rec;              /* writer: most bytes one encoded record takes; 0 no writer */
    /* writer: header bytes for `page_size` into dst (<= VMM_BIN_HEADER); may be NULL */
    size_t (*header)(uint32_t page_size, unsigned char *dst);
    /* writer: encode one valid record (op <= 2, size >= 1) into dst; returns
     * the byte count, or -1 with *why saying what the format cannot carry.
     * `seq` counts the records written before this one (vscsi's sn). */
    long (*encode)(const vmm_ref_t *r, uint32_t page_size, uint64_t seq, unsigned char *dst,
                   const char **why);
};

extern const vmm_fmt_ops_t vmm_fmt_vmm, vmm_fmt_lackey, vmm_fmt_pages, vmm_fmt_din,
    vmm_fmt_bin, vmm_fmt_vscsi, vmm_fmt_oracle, vmm_fmt_msr, vmm_fmt_csv, vmm_fmt_hex,
    vmm_fmt_perf;

/* Registry lookup by name (case-insensitive); NULL when unknown. */
const vmm_fmt_ops_t *vmm_fmt_find(const char *name);

/* "vmm, lackey, ..." : the readable (or, with `writable`, the writable)
 * formats' names, for messages. Static storage. */
const char *vmm_fmt_list(int writable);

/* Make sure `n` unread bytes are buffered, unless the input is shorter.
 * Returns 0 or a VMM_E* code. */
int vmm_src_want(vmm_src_t *s, size_t n, vmm_err_t *err);

/* The fixed-size record reader shared by the binary formats (bin, vscsi,
 * oracle). `dec` decodes m >= 1 whole records of `rec` bytes at p (the
 * first at stream offset `off`) into out, returning how many references
 * it produced (it may skip records); when input record i is bad it sets
 * *bad = i and *code, fills err (at its offset) and returns the references
 * of the records before it; otherwise *bad = m. vmm_rec_read calls it over the
 * block buffer until n references are out or the input ends; a partial
 * record at the end is "truncated record: k of rec bytes" at its offset.
 * Errors are deferred as vmm_trace_defer says. */
typedef size_t (*vmm_rec_fn)(vmm_trace_t *t, const unsigned char *p, size_t m, uint64_t off,
                             vmm_ref_t *out, size_t *bad, int *code, vmm_err_t *err);
long vmm_rec_read(vmm_trace_t *t, vmm_ref_t *out, size_t n, size_t rec, vmm_rec_fn dec,
                  vmm_err_t *err);

/* Record a reader error so later reads return it again; when `k` records
 * were already decoded in this call, return k and report the error on the
 * next call, so no good record is lost. */
long vmm_trace_defer(vmm_trace_t *t, long k, int code, vmm_err_t *err);

/* ---- text lines (text.c) ---------------------------------------------- */

extern const int8_t vmm_hexval[256];   /* hex digit value, or -1 */

/* Start line reading over the bytes the source already holds. */
void vmm_text_begin(vmm_trace_t *t);

/* Make whole lines available: returns 1 with [*p, *lim) non-empty, 0 at
 * end of input, or a VMM_E* code (line too long, read error). */
int vmm_text_window(vmm_trace_t *t, const char **p, const char **lim, vmm_err_t *err);

/* Classify a line no format-specific rule matched: blank lines, lines
 * whose first non-blank characters are '#' or "==", and valgrind's verbose
 * lines "--<digits>--" are skipped (SKIP, *next set); anything else is
 * VMM_TP_SYNTAX. */
int vmm_text_skip(const char *p, const char *lim, const char **next);

/* Fill `err` for a bad line starting at p (kind from the parser, or
 * VMM_TP_REC/SKIP when the line is merely too long) and return the code. */
int vmm_text_error(vmm_trace_t *t, const char *p, const char *lim, int kind, vmm_err_t *err);

/* Consume skipped lines up to the first meaningful one. Returns 1 with *p
 * at it, 0 when the input holds none, or a VMM_E* code. */
int vmm_text_first(vmm_trace_t *t, const char **p, const char **lim, vmm_err_t *err);

static inline int vmm_is_sep(char c) { return c == ' ' || c == '\t'; }

static inline const char *vmm_skip_sep(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* End of a record line: optional blanks (and a '\r') then '\n'. Returns
 * the position after the '\n', or NULL. */
static inline const char *vmm_text_eol(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    return *p == '\n' ? p + 1 : NULL;
}

/* Parse hex digits at *pp (no prefix), the slow general way: one table
 * lookup per digit. Same contract as vmm_parse_hex. */
int vmm_parse_hex_slow(const char **pp, uint64_t *v);

/* Parse hex digits at *pp (no prefix). Returns 0, VMM_TP_SYNTAX (no digit)
 * or VMM_TP_RANGE64 (more than 16 significant digits); advances *pp.
 *
 * The text parsers' hot spot. Lackey prints addresses with at least 8
 * digits, so the first 8 bytes are looked up independently (no load-to-load
 * chain; measured 15% faster on the whole lackey decode than a plain loop,
 * and faster than a SWAR version) and merged when all are digits. This may
 * read 8 bytes past the '\n'; the source buffer has VMM_SRC_PAD zeroed
 * bytes of slack so the reads stay inside it, and a byte after a non-digit
 * never affects the result. The digit loop stops at '\n', not a digit. */
static inline int vmm_parse_hex(const char **pp, uint64_t *v)
{
    const unsigned char *s = (const unsigned char *)*pp, *p = s;
    const int8_t *hv = vmm_hexval;
    uint64_t x = 0;
    int d;
    int8_t h0 = hv[p[0]], h1 = hv[p[1]], h2 = hv[p[2]], h3 = hv[p[3]], h4 = hv[p[4]],
           h5 = hv[p[5]], h6 = hv[p[6]], h7 = hv[p[7]];
    if ((h0 | h1 | h2 | h3 | h4 | h5 | h6 | h7) >= 0) {
        x = (uint64_t)h0 << 28 | (uint64_t)h1 << 24 | (uint64_t)h2 << 20 |
            (uint64_t)h3 << 16 | (uint64_t)h4 << 12 | (uint64_t)h5 << 8 |
            (uint64_t)h6 << 4 | (uint64_t)h7;
        p += 8;
    }
    while ((d = hv[*p]) >= 0) {
        x = x << 4 | (uint64_t)d;
        p++;
    }
    if (p - s > 16)
        return vmm_parse_hex_slow(pp, v);   /* fits only with leading zeros */
    *pp = (const char *)p;
    *v = x;
    return p == s ? VMM_TP_SYNTAX : 0;
}

/* The end of a line that is a hex address, with or without 0x, then only
 * blanks: one `op` record of 1 byte in asid 0 (din, hex). Returns
 * VMM_TP_REC with *next after the line, or an error kind with *next at the
 * fault. */
static inline int vmm_text_addr_rec(const char *q, unsigned op, const char **next, vmm_ref_t *r)
{
    uint64_t addr;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
        q += 2;
    int st = vmm_parse_hex(&q, &addr);
    const char *e = st ? NULL : vmm_text_eol(q);
    if (!e) {
        *next = q;
        return st ? st : VMM_TP_SYNTAX;
    }
    *next = e;
    *r = (vmm_ref_t){.addr = addr, .size = 1, .op = (uint8_t)op};
    return VMM_TP_REC;
}

/* Parse decimal digits at *pp into a value <= max. Returns 0,
 * VMM_TP_SYNTAX (no digit) or `range` (too large); advances *pp. Up to
 * `safe` digits cannot exceed max, so the common case has no checks. */
static inline int vmm_parse_dec(const char **pp, uint64_t max, int safe, int range,
                                uint64_t *v)
{
    const char *s = *pp, *p = s;
    uint64_t x = 0;
    unsigned d;
    while ((d = (unsigned)((unsigned char)*p - '0')) <= 9) {
        x = x * 10 + d;
        p++;
    }
    *pp = p;
    *v = x;
    if (p == s)
        return VMM_TP_SYNTAX;
    if (p - s > safe) {   /* recompute with overflow checks */
        x = 0;
        for (; s < p; s++)
            if (__builtin_mul_overflow(x, 10, &x) ||
                __builtin_add_overflow(x, (uint64_t)(*s - '0'), &x) || x > max)
                return range;
        *v = x;
    }
    return 0;
}

/* The read loop shared by the text formats. It is inlined into each
 * format's read function (VMM_TEXT_READ_FN) with that format's parser, so
 * the per-line call is direct. Stops after `n` records or at end of input. */
static inline long vmm_text_read(vmm_trace_t *t, vmm_ref_t *out, size_t n, vmm_err_t *err,
                                 vmm_line_fn parse)
{
    size_t k = 0;
    while (k < n) {
        const char *p, *lim;
        int rc = vmm_text_window(t, &p, &lim, err);
        if (rc < 0)
            return vmm_trace_defer(t, (long)k, rc, err);
        if (rc == 0)
            break;
        const char *start = p;
        uint64_t line = t->line;
        while (k < n && p < lim) {
            const char *next = NULL;
            int r = parse(t, p, lim, &next, &out[k]);
            if (__builtin_expect(r < 0 || next - p > VMM_TEXT_MAXLINE + 1, 0)) {
                t->line = line;
                t->src.pos += (size_t)(p - start);
                rc = vmm_text_error(t, p, lim, r, err);
                return vmm_trace_defer(t, (long)k, rc, err);
            }
            k += (size_t)r;
            line++;
            p = next;
        }
        t->line = line;
        t->src.pos += (size_t)(p - start);
    }
    return (long)k;
}

/* ---- little-endian loads and stores (bin format) ---------------------- */

static inline uint16_t vmm_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t vmm_le32(const unsigned char *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline uint64_t vmm_le64(const unsigned char *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline void vmm_st16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void vmm_st32(unsigned char *p, uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    __builtin_memcpy(p, &v, 4);
}

static inline void vmm_st64(unsigned char *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    __builtin_memcpy(p, &v, 8);
}

/* ---- text output helpers (writers) ------------------------------------ */

/* Write v in lowercase hex with at least `min` digits; returns bytes. */
static inline size_t vmm_put_hex(unsigned char *d, uint64_t v, int min)
{
    static const char digits[] = "0123456789abcdef";
    int n = 1;
    while (n < 16 && (v >> (4 * n)))
        n++;
    if (n < min)
        n = min;
    for (int i = n - 1; i >= 0; i--, v >>= 4)
        d[i] = (unsigned char)digits[v & 15];
    return (size_t)n;
}

/* Write v in decimal; returns bytes (at most 20). */
static inline size_t vmm_put_dec(unsigned char *d, uint64_t v)
{
    unsigned char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (unsigned char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        d[i] = tmp[n - 1 - i];
    return n;
}

#endif
