/* Error codes and located input errors; see vmmsim/error.h. */
#include "vmmsim/error.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *vmm_strerror(int code)
{
    switch (code) {
    case VMM_OK: return "success";
    case VMM_EINVAL: return "invalid argument";
    case VMM_ENOMEM: return "out of memory";
    case VMM_EIO: return "input/output error";
    case VMM_EFORMAT: return "malformed input";
    case VMM_ENOENT: return "not found";
    case VMM_ERANGE: return "value out of range";
    case VMM_EUNSUP: return "not supported";
    default: return "unknown error";
    }
}

void vmm_err_clear(vmm_err_t *e)
{
    if (!e)
        return;
    memset(e, 0, sizeof *e);
    e->offset = -1;
}

int vmm_err_set(vmm_err_t *e, int code, const char *file, uint64_t line, int64_t offset,
                const char *fmt, ...)
{
    if (!e)
        return code;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    e->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

void vmm_err_format(const vmm_err_t *e, char *buf, size_t len)
{
    if (e->file[0] && e->line)
        snprintf(buf, len, "%s:%llu: %s", e->file, (unsigned long long)e->line, e->msg);
    else if (e->file[0] && e->offset >= 0)
        snprintf(buf, len, "%s: byte %lld: %s", e->file, (long long)e->offset, e->msg);
    else if (e->file[0])
        snprintf(buf, len, "%s: %s", e->file, e->msg);
    else
        snprintf(buf, len, "%s", e->msg);
}
