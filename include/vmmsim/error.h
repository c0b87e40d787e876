/* vmmsim error codes and input-error locations.
 *
 * Every library function that can fail returns 0 on success or a negative
 * VMM_E* code. Functions that read user input also fill a vmm_err_t saying
 * where the problem is (file, line or byte offset) and what was expected, so
 * the CLI can print one precise message and exit with status 2. */
#ifndef VMMSIM_ERROR_H
#define VMMSIM_ERROR_H

#include <stddef.h>
#include <stdint.h>

#if defined(VMM_BUILDING) && defined(__GNUC__)
#define VMM_API __attribute__((visibility("default")))
#else
#define VMM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum {
    VMM_OK = 0,
    VMM_EINVAL = -1,   /* bad argument or configuration */
    VMM_ENOMEM = -2,   /* allocation failed */
    VMM_EIO = -3,      /* read or write failed */
    VMM_EFORMAT = -4,  /* malformed input (see vmm_err_t for where) */
    VMM_ENOENT = -5,   /* no such file, policy, format... */
    VMM_ERANGE = -6,   /* value out of range */
    VMM_EUNSUP = -7,   /* operation not supported for this input */
};

/* Where an input error happened and what was expected. `line` is 1-based
 * for text formats (0 when unknown); `offset` is a byte offset into the
 * (decompressed) stream, -1 when unknown. */
typedef struct vmm_err {
    char file[256];
    uint64_t line;
    int64_t offset;
    char msg[256];
} vmm_err_t;

/* Return a static string describing error code `code`. Never NULL. */
VMM_API const char *vmm_strerror(int code);

/* Reset `e` to "no error" (safe on NULL). */
VMM_API void vmm_err_clear(vmm_err_t *e);

/* Fill `e` (if not NULL) with a location and printf-style message; returns
 * `code` so callers can write `return vmm_err_set(e, VMM_EFORMAT, ...)`. */
VMM_API int vmm_err_set(vmm_err_t *e, int code, const char *file, uint64_t line,
                        int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Format `e` as "file:line: msg" / "file: byte N: msg" into buf. */
VMM_API void vmm_err_format(const vmm_err_t *e, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
