/* Report output files written whole or not at all, as a stdio stream over
 * an output destination (src/util/dest.h, shared with the trace writers):
 * a regular file (or the target of a symbolic link) is written to a
 * temporary file beside it, fsync'ed and renamed over it on success; on
 * failure the temporary is removed and any previous file is left as it
 * was. Devices, FIFOs and stdout are written in place. */
#include "vmmsim/report.h"
#include "util/alloc.h"
#include "util/dest.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int vmm_outfile_open(vmm_outfile_t *o, const char *path, vmm_err_t *err)
{
    memset(o, 0, sizeof *o);
    vmm_dest_t *d = vmm_malloc(sizeof *d);
    if (!d)
        return vmm_err_set(err, VMM_ENOMEM, path, 0, -1, "out of memory");
    int rc = vmm_dest_open(d, path, NULL, err);
    if (rc) {
        vmm_free(d);
        return rc;
    }
    o->dest = d;
    o->is_stdout = d->is_stdout;
    o->in_place = d->in_place;
    if (d->is_stdout) {
        o->f = stdout;
        return 0;
    }
    /* The stream writes a duplicate of the descriptor, so fclose() leaves
     * the destination's own open for the fsync and close in
     * vmm_dest_close(). */
    int fd = dup(d->fd);
    o->f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!o->f) {
        if (fd >= 0)
            close(fd);
        vmm_dest_close(d, 0, 0, path, NULL);
        vmm_free(d);
        o->dest = NULL;
        return vmm_err_set(err, VMM_EIO, path, 0, -1, "cannot open output");
    }
    return 0;
}

int vmm_outfile_close(vmm_outfile_t *o, int commit, vmm_err_t *err)
{
    if (!o->f)
        return 0;
    vmm_dest_t *d = o->dest;
    char name[256];
    snprintf(name, sizeof name, "%s", o->is_stdout ? "<stdout>" : d->path);
    int bad, e = 0;
    errno = 0;
    if (o->is_stdout)
        bad = fflush(stdout) != 0 || ferror(stdout);
    else
        bad = (ferror(o->f) | fflush(o->f) | fclose(o->f)) != 0;
    if (bad)
        e = errno;
    o->f = NULL;
    o->dest = NULL;
    vmm_err_t derr;
    vmm_err_clear(&derr);
    int rc = vmm_dest_close(d, commit && !bad, VMM_DEST_SYNC, name, &derr);
    vmm_free(d);
    if (!commit)
        return 0;
    if (bad)
        return vmm_err_set(err, VMM_EIO, name, 0, -1, "write failed%s%s", e ? ": " : "",
                           e ? strerror(e) : "");
    if (rc && err)
        *err = derr;
    return rc;
}
