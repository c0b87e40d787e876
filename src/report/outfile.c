/* Output files written whole or not at all: write to "<path>.tmp.XXXXXX"
 * in the same directory, then rename(2) over the target on success (atomic
 * on POSIX file systems); on failure the temporary file is removed and any
 * previous file at `path` is left as it was. A target that exists and is
 * not a regular file (/dev/null, a FIFO) is written in place: renaming
 * over it would replace the device. The file gets the usual 0666 & ~umask
 * mode, not mkstemp's 0600. */
#include "vmmsim/report.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vmm_outfile_open(vmm_outfile_t *o, const char *path, vmm_err_t *err)
{
    memset(o, 0, sizeof *o);
    if (!strcmp(path, "-")) {
        o->f = stdout;
        o->is_stdout = 1;
        return 0;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        o->f = fopen(path, "w");
        if (!o->f)
            return vmm_err_set(err, VMM_EIO, path, 0, -1, "cannot open output: %s",
                               strerror(errno));
        o->in_place = 1;
        snprintf(o->path, sizeof o->path, "%s", path);
        return 0;
    }
    if (snprintf(o->path, sizeof o->path, "%s", path) >= (int)sizeof o->path ||
        snprintf(o->tmp, sizeof o->tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof o->tmp)
        return vmm_err_set(err, VMM_EINVAL, path, 0, -1, "path too long");
    int fd = mkstemp(o->tmp);
    if (fd >= 0) {
        mode_t um = umask(0);
        umask(um);
        fchmod(fd, 0666 & ~um);
    }
    if (fd < 0)
        return vmm_err_set(err, VMM_EIO, path, 0, -1, "cannot create output: %s", strerror(errno));
    o->f = fdopen(fd, "w");
    if (!o->f) {
        close(fd);
        unlink(o->tmp);
        return vmm_err_set(err, VMM_EIO, path, 0, -1, "cannot open output: %s", strerror(errno));
    }
    return 0;
}

int vmm_outfile_close(vmm_outfile_t *o, int commit, vmm_err_t *err)
{
    if (!o->f)
        return 0;
    if (o->is_stdout) {
        o->f = NULL;
        return fflush(stdout) ? vmm_err_set(err, VMM_EIO, "-", 0, -1, "write failed") : 0;
    }
    if (o->in_place) {
        int bad = ferror(o->f) | fclose(o->f);
        o->f = NULL;
        return bad && commit ? vmm_err_set(err, VMM_EIO, o->path, 0, -1, "write failed") : 0;
    }
    int bad = ferror(o->f) | fflush(o->f) | fsync(fileno(o->f));
    int saved = errno;
    bad |= fclose(o->f);
    o->f = NULL;
    if (commit && !bad && rename(o->tmp, o->path) == 0)
        return 0;
    if (!saved)
        saved = errno;
    unlink(o->tmp);
    return commit ? vmm_err_set(err, VMM_EIO, o->path, 0, -1, "write failed: %s", strerror(saved)) : 0;
}
