/* Trace input and output.
 *
 * A trace is a stream of memory references. Readers decode one format each
 * (see docs/trace-formats.md) and hand out records in batches; the bytes come
 * from a file, a zstd-compressed file or stdin, read in large blocks, so the
 * whole trace is never in memory. Records are at byte-address granularity;
 * the engine splits them into page references. */
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

typedef struct vmm_trace_opts {
    const char *format;   /* "vmm", "lackey", "pages", "din", "bin" or NULL/"auto" */
    uint32_t page_size;   /* page size for page-number formats; 0 = 4096 */
    int data_only;        /* drop instruction fetches */
} vmm_trace_opts_t;

/* Open `path` ("-" for stdin). A name ending in .zst is decompressed with
 * libzstd; a zstd stream on stdin is recognised by its magic. With format
 * NULL or "auto" the format is detected from the first bytes (binary magic,
 * then the first meaningful text line). On success *out owns the reader,
 * to be freed with vmm_trace_close(). On failure returns a VMM_E* code,
 * fills `err` and leaves *out NULL. `opts` may be NULL. */
VMM_API int vmm_trace_open(const char *path, const vmm_trace_opts_t *opts,
                           vmm_trace_t **out, vmm_err_t *err);

/* Decode up to `n` records into `buf`. Returns the number decoded (> 0),
 * 0 at end of trace, or a negative VMM_E* code with `err` naming the file,
 * line (text) or byte offset (binary) and what was expected. */
VMM_API long vmm_trace_read(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err);

/* Name of the format being read ("lackey", ...). */
VMM_API const char *vmm_trace_format_name(const vmm_trace_t *t);

/* Page size recorded in the trace (binary header, page formats), or 0. */
VMM_API uint32_t vmm_trace_page_size(const vmm_trace_t *t);

/* Close the reader and free it. NULL is a no-op. */
VMM_API void vmm_trace_close(vmm_trace_t *t);

/* Bytes read so far from trace files and stdin by every reader of this
 * process (compressed bytes for zstd): with the files' sizes, the share of
 * the input done, for progress displays. Safe to call from any thread. */
VMM_API uint64_t vmm_trace_bytes_read(void);

/* --- writing --------------------------------------------------------- */

typedef struct vmm_trace_writer vmm_trace_writer_t;

/* Create a writer for `format` ("bin", "vmm", "pages", "din" or "lackey")
 * into `path` ("-" for stdout; a .zst name is compressed). Output goes to a
 * temporary file renamed into place by vmm_trace_writer_close(), so a file
 * is written whole or not at all. `page_size` goes into the binary header
 * and converts addresses for "pages": 0 (4096) or a power of two from 512
 * to 1G, else VMM_EINVAL. */
VMM_API int vmm_trace_writer_open(const char *path, const char *format, uint32_t page_size,
                                  vmm_trace_writer_t **out, vmm_err_t *err);

/* Append `n` records. Returns 0 or a negative VMM_E* code. */
VMM_API int vmm_trace_write(vmm_trace_writer_t *w, const vmm_ref_t *refs, size_t n,
                            vmm_err_t *err);

/* Flush, close and (when `commit` is nonzero) move the file into place;
 * with commit 0 the partial output is removed. Frees `w`. Returns 0 or a
 * negative VMM_E* code. */
VMM_API int vmm_trace_writer_close(vmm_trace_writer_t *w, int commit, vmm_err_t *err);

/* The known formats, in detection order, NULL-terminated. */
VMM_API const char *const *vmm_trace_formats(void);

#ifdef __cplusplus
}
#endif

#endif
