/* Output destinations: where every output file of the library goes (report
 * files through vmm_outfile_*, trace writers), so both write the same way.
 *
 * A destination is opened by name and is one of:
 *  - "-": standard output, written in place;
 *  - something that exists and is not a regular file (a device such as
 *    /dev/null or /dev/full, a FIFO, a process substitution's /dev/fd/N),
 *    and any path under /dev/ or /proc/: opened and written in place, since
 *    renaming over it would replace the device or the pipe;
 *  - otherwise a regular file, existing or not: written to a temporary
 *    "<target>.tmp.<pid>.<n>" beside it and renamed onto it on commit, so it
 *    is complete or absent. A symbolic link is followed to its final
 *    target (which need not exist yet) and the target is replaced, never
 *    the link. A replaced file keeps its permission bits; a new one gets
 *    0666 & ~umask.
 *
 * Temporaries are registered while they exist, so that a signal handler
 * can remove them with vmm_output_cleanup() (vmmsim/report.h), which only
 * calls unlink(2) on names published with atomic stores. */
#ifndef VMM_UTIL_DEST_H
#define VMM_UTIL_DEST_H

#include "vmmsim/error.h"

typedef struct vmm_dest {
    int fd;            /* open for writing; -1 once closed */
    int in_place;      /* written directly: stdout, a device, a FIFO... */
    int is_stdout;     /* fd is STDOUT_FILENO, never closed here */
    int slot;          /* cleanup registry slot of tmp, -1 for none */
    char *path;        /* the file written, or replaced on commit (a link's
                          target); NULL for stdout; owned */
    char *tmp;         /* temporary name, NULL when in place; owned */
} vmm_dest_t;

enum { VMM_DEST_SYNC = 1u << 0 };   /* fsync before the rename */

/* Open `path` for writing as described above. `name` names it in messages
 * (NULL: path). Returns 0, or VMM_ENOENT (no such directory), VMM_EINVAL
 * (a directory, a symlink loop, a path too long), VMM_EIO (cannot create
 * or open: err says why) or VMM_ENOMEM; *d is then closed. */
int vmm_dest_open(vmm_dest_t *d, const char *path, const char *name, vmm_err_t *err);

/* Finish: close the fd unless the caller already did (and set d->fd to -1),
 * then with `commit` rename the temporary onto the target (fsync first
 * with VMM_DEST_SYNC), without it remove the temporary. Returns 0 or
 * VMM_EIO (err names the file); the temporary is gone either way. Safe on
 * a destination already closed. */
int vmm_dest_close(vmm_dest_t *d, int commit, unsigned flags, const char *name, vmm_err_t *err);

/* vmm_output_check() and vmm_output_cleanup() (vmmsim/report.h) are
 * defined in dest.c too. */

#endif
