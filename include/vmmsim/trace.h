/* Trace input and output.
 *
 * A trace is a stream of memory references. Readers decode one format each
 * (see docs/trace-formats.md) and hand out records in batches; the bytes come
 * from a file or stdin, plain or compressed with zstd, gzip or xz, read in
 * large blocks, so the whole trace is never in memory. Records are at
 * byte-address granularity; the engine splits them into page references. */
#ifndef VMMSIM_TRACE_H
#define VMMSIM_TRACE_H

#include <stdint.h>
#include <stddef.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum vmm_op {
    VMM_OP_READ = 0,
    VMM_OP_WRITE = 1,   /* lackey S and M: one reference that writes */
    VMM_OP_IFETCH = 2,
};

/* One memory reference. 24 bytes; `vm` and `flags` leave room for VM ids
 * and events (later issues). */
typedef struct vmm_ref {
    uint64_t addr;   /* byte address (virtual, in address space `asid`) */
    uint32_t asid;   /* address space: the pid of the seed format */
    uint32_t size;   /* bytes touched, >= 1 */
    uint16_t vm;     /* VM id, 0 in native mode */
    uint8_t op;      /* enum vmm_op */
    uint8_t flags;   /* reserved, 0 */
    uint32_t pad;    /* reserved, 0 */
} vmm_ref_t;

typedef struct vmm_trace vmm_trace_t;

/* How a block trace's records (vscsi, msr) become references. */
enum vmm_block_map {
    VMM_BLOCK_AUTO = 0,    /* the format's default: id for vscsi, bytes for msr */
    VMM_BLOCK_ID = 1,      /* one reference per record; its block number is the page number */
    VMM_BLOCK_BYTES = 2,   /* one reference over the record's bytes; the engine splits it */
};

/* Whether a csv trace's first line is a header. */
enum vmm_csv_header {
    VMM_CSV_HEADER_AUTO = 0,   /* a first line whose mapped columns are not numbers */
    VMM_CSV_HEADER_YES = 1,
    VMM_CSV_HEADER_NO = 2,
};

typedef struct vmm_trace_opts {
    const char *format;   /* a name from vmm_trace_formats(), or NULL/"auto" */
    uint32_t page_size;   /* page size for page-number formats; 0 = 4096 */
    int data_only;        /* drop instruction fetches */
    int block_map;        /* enum vmm_block_map (vscsi, msr) */
    const char *csv_cols; /* csv: "obj=2,size=3,op=4,time=1" (1-based columns);
                           * NULL: named by the header line */
    char csv_delim;       /* csv: field separator; 0 = ',' */
    int csv_header;       /* csv: enum vmm_csv_header */
    uint32_t burst;       /* vmm_trace_open_merged: records per turn; 0 = 1 */
} vmm_trace_opts_t;

/* Open `path` ("-" for stdin). Input compressed with zstd, gzip or xz is
 * recognised by its magic and decompressed; a name ending in .zst, .gz or
 * .xz must hold that compression. With format NULL or "auto" the format is
 * detected (docs/trace-formats.md: binary magic, file name, then the first
 * meaningful text line). On success *out owns the reader, to be freed with
 * vmm_trace_close(). On failure returns a VMM_E* code, fills `err` and
 * leaves *out NULL. `opts` may be NULL; a bad option (csv_cols, block_map)
 * is VMM_EINVAL. */
VMM_API int vmm_trace_open(const char *path, const vmm_trace_opts_t *opts,
                           vmm_trace_t **out, vmm_err_t *err);

/* Open `n` >= 1 traces as one, each in its own address spaces: a record
 * of trace i with asid a gets asid a * n + i (so traces without asids,
 * such as lackey logs, get asids 0..n-1 in the order given). The traces
 * take turns round robin, opts->burst records each (0 means 1); a trace
 * that ends drops out and the others go on. Every trace is opened with
 * `opts` (format detected per file unless forced). Errors name the file
 * they come from; an asid that does not fit 32 bits after the mapping is
 * VMM_ERANGE. Ownership and failure as for vmm_trace_open(). */
VMM_API int vmm_trace_open_merged(const char *const *paths, size_t n,
                                  const vmm_trace_opts_t *opts, vmm_trace_t **out,
                                  vmm_err_t *err);

/* Decode up to `n` records into `buf`. Returns the number decoded (> 0),
 * 0 at end of trace, or a negative VMM_E* code with `err` naming the file,
 * line (text) or byte offset (binary) and what was expected. */
VMM_API long vmm_trace_read(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err);

/* Name of the format being read ("lackey", ...); for merged traces, the
 * format they share, or "mixed". */
VMM_API const char *vmm_trace_format_name(const vmm_trace_t *t);

/* Page size the trace's page numbers are scaled by (the bin header; the
 * page-number formats: pages, oracle, vscsi and msr with VMM_BLOCK_ID), or
 * 0 when its records are byte addresses. */
VMM_API uint32_t vmm_trace_page_size(const vmm_trace_t *t);

/* Close the reader and free it. NULL is a no-op. */
VMM_API void vmm_trace_close(vmm_trace_t *t);

/* Bytes read so far from trace files and stdin by every reader of this
 * process (compressed bytes for zstd): with the files' sizes, the share of
 * the input done, for progress displays. Safe to call from any thread. */
VMM_API uint64_t vmm_trace_bytes_read(void);

/* --- writing --------------------------------------------------------- */

typedef struct vmm_trace_writer vmm_trace_writer_t;

/* Create a writer for `format` (one of vmm_trace_writable()) into `path`
 * ("-" for stdout; a name ending in .zst, .gz or .xz is compressed that
 * way). Output goes to a temporary file renamed into place by
 * vmm_trace_writer_close(), so a file is written whole or not at all.
 * `page_size` goes into the binary header and converts addresses for the
 * page-number formats (pages, vscsi): 0 (4096) or a power of two from 512
 * to 1G, else VMM_EINVAL. */
VMM_API int vmm_trace_writer_open(const char *path, const char *format, uint32_t page_size,
                                  vmm_trace_writer_t **out, vmm_err_t *err);

/* Append `n` records. Returns 0 or a negative VMM_E* code. */
VMM_API int vmm_trace_write(vmm_trace_writer_t *w, const vmm_ref_t *refs, size_t n,
                            vmm_err_t *err);

/* Records written so far whose size (> 1 byte) the format could not carry
 * and dropped: 0 for formats that keep the size. When `spanning` is not
 * NULL it gets how many of those crossed a page boundary (page_size of the
 * writer): read back, each of them touches one page instead of two or
 * more. */
VMM_API uint64_t vmm_trace_writer_dropped_sizes(const vmm_trace_writer_t *w,
                                                uint64_t *spanning);

/* Flush, close and (when `commit` is nonzero) move the file into place;
 * with commit 0 the partial output is removed. Frees `w`. Returns 0 or a
 * negative VMM_E* code. */
VMM_API int vmm_trace_writer_close(vmm_trace_writer_t *w, int commit, vmm_err_t *err);

/* The formats that can be read, NULL-terminated (detection order is in
 * docs/trace-formats.md). The array is static. */
VMM_API const char *const *vmm_trace_formats(void);

/* The formats that can be written, NULL-terminated; static. */
VMM_API const char *const *vmm_trace_writable(void);

#ifdef __cplusplus
}
#endif

#endif
