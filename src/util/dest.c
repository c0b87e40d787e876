/* Output destinations; see dest.h for what goes where.
 *
 * The cleanup registry is a fixed table of atomic pointers to temporary
 * names: registering stores a pointer into a free slot (compare and swap),
 * unregistering stores NULL back before the name is freed. The signal
 * handler reads the slots with atomic loads and unlinks what it finds,
 * which is async-signal-safe because lock-free atomics and unlink(2) are.
 * A signal that arrives between the rename and the unregistering unlinks a
 * name that no longer exists, which is harmless. Outputs beyond the table
 * still work; they are only not removed on a signal. */
#include "util/dest.h"
#include "util/alloc.h"
#include "vmmsim/report.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEST_SLOTS 64          /* temporaries open at once that a signal removes */
#define DEST_MAX_LINKS 40      /* as the kernel's limit on a path's symlinks */

static _Atomic(char *) slots[DEST_SLOTS];

static int reg_tmp(char *name)
{
    for (int i = 0; i < DEST_SLOTS; i++) {
        char *expect = NULL;
        if (atomic_compare_exchange_strong(&slots[i], &expect, name))
            return i;
    }
    return -1;
}

static void unreg_tmp(int slot)
{
    if (slot >= 0)
        atomic_store(&slots[slot], NULL);
}

void vmm_output_cleanup(void)
{
    for (int i = 0; i < DEST_SLOTS; i++) {
        char *name = atomic_load(&slots[i]);
        if (name)
            unlink(name);
    }
}

static char *dup_str(const char *s, size_t n)
{
    char *d = vmm_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* Written in place whatever it is: standard streams and process
 * substitutions (/dev/stdout, /dev/fd/N, /proc/self/fd/N), devices. */
static int always_in_place(const char *path)
{
    return !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6);
}

/* Follow `path` through symbolic links to the file they finally name,
 * which need not exist. *out is owned by the caller. 0, VMM_EINVAL (a
 * loop) or VMM_ENOMEM. */
static int final_target(const char *path, char **out)
{
    char *cur = dup_str(path, strlen(path));
    if (!cur)
        return VMM_ENOMEM;
    for (int hops = 0; hops <= DEST_MAX_LINKS; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
            *out = cur;
            return 0;
        }
        char link[PATH_MAX];
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0) {
            *out = cur;   /* raced away: open() will say */
            return 0;
        }
        link[n] = 0;
        const char *slash = strrchr(cur, '/');
        size_t dl = link[0] == '/' || !slash ? 0 : (size_t)(slash - cur) + 1;
        char *next = vmm_malloc(dl + (size_t)n + 1);
        if (!next) {
            vmm_free(cur);
            return VMM_ENOMEM;
        }
        memcpy(next, cur, dl);
        memcpy(next + dl, link, (size_t)n + 1);
        vmm_free(cur);
        cur = next;
    }
    vmm_free(cur);
    return VMM_EINVAL;
}

/* The directory part of `path` ("." when none), into buf. */
static void dir_of(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, len, ".");
    else if (slash == path)
        snprintf(buf, len, "/");
    else
        snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

static int open_error(const char *name, const char *path, int e, vmm_err_t *err)
{
    if (e == ENOENT || e == ENOTDIR) {
        char dir[PATH_MAX];
        dir_of(path, dir, sizeof dir);
        return vmm_err_set(err, VMM_ENOENT, name, 0, -1, "cannot create: no such directory '%s'",
                           dir);
    }
    if (e == EISDIR)
        return vmm_err_set(err, VMM_EINVAL, name, 0, -1, "is a directory");
    return vmm_err_set(err, VMM_EIO, name, 0, -1, "cannot create: %s", strerror(e));
}

/* Create "<target>.tmp.<pid>.<n>" exclusively, beside the target so the
 * rename stays within one file system. */
static int open_tmp(vmm_dest_t *d, const char *name, vmm_err_t *err)
{
    static atomic_uint counter;
    size_t n = strlen(d->path) + 48;
    if (!(d->tmp = vmm_malloc(n)))
        return vmm_err_set(err, VMM_ENOMEM, name, 0, -1, "out of memory");
    struct stat old;
    int have_old = stat(d->path, &old) == 0;
    for (int tries = 0; tries < 100; tries++) {
        snprintf(d->tmp, n, "%s.tmp.%ld.%u", d->path, (long)getpid(), atomic_fetch_add(&counter, 1));
        d->slot = reg_tmp(d->tmp);   /* before it exists: a signal may come at once */
        d->fd = open(d->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (d->fd >= 0)
            break;
        int e = errno;
        unreg_tmp(d->slot);
        d->slot = -1;
        if (e != EEXIST) {
            vmm_free(d->tmp);
            d->tmp = NULL;
            return open_error(name, d->path, e, err);
        }
    }
    if (d->fd < 0) {
        vmm_free(d->tmp);
        d->tmp = NULL;
        return vmm_err_set(err, VMM_EIO, name, 0, -1, "cannot create a temporary file");
    }
    if (have_old)
        (void)fchmod(d->fd, old.st_mode & 07777);   /* best effort, as cp does */
    return 0;
}

int vmm_dest_open(vmm_dest_t *d, const char *path, const char *name, vmm_err_t *err)
{
    memset(d, 0, sizeof *d);
    d->fd = -1;
    d->slot = -1;
    if (!name)
        name = path;
    if (!strcmp(path, "-")) {
        d->fd = STDOUT_FILENO;
        d->in_place = d->is_stdout = 1;
        return 0;
    }
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode))
        return vmm_err_set(err, VMM_EINVAL, name, 0, -1, "is a directory");
    if ((exists && !S_ISREG(st.st_mode)) || always_in_place(path)) {
        d->in_place = 1;
        if (!(d->path = dup_str(path, strlen(path))))
            return vmm_err_set(err, VMM_ENOMEM, name, 0, -1, "out of memory");
        d->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (d->fd < 0) {
            int e = errno;
            vmm_free(d->path);
            d->path = NULL;
            return open_error(name, path, e, err);
        }
        return 0;
    }
    int rc = final_target(path, &d->path);
    if (rc == VMM_EINVAL)
        return vmm_err_set(err, rc, name, 0, -1, "too many levels of symbolic links");
    if (rc)
        return vmm_err_set(err, rc, name, 0, -1, "out of memory");
    if ((rc = open_tmp(d, name, err))) {
        vmm_free(d->path);
        d->path = NULL;
    }
    return rc;
}

int vmm_dest_close(vmm_dest_t *d, int commit, unsigned flags, const char *name, vmm_err_t *err)
{
    int bad = 0, e = 0;
    if (!name)
        name = d->path ? d->path : "<output>";
    if (d->fd >= 0 && !d->is_stdout) {
        if (commit && d->tmp && (flags & VMM_DEST_SYNC) && fsync(d->fd)) {
            bad = 1;
            e = errno;
        }
        if (close(d->fd) && !bad) {
            bad = 1;
            e = errno;
        }
    }
    d->fd = -1;
    int rc = 0;
    if (d->tmp) {
        if (commit && !bad && rename(d->tmp, d->path)) {
            bad = 1;
            e = errno;
        }
        if (!commit || bad)
            unlink(d->tmp);
        unreg_tmp(d->slot);   /* after the rename or unlink: see the top */
        d->slot = -1;
    }
    if (commit && bad)
        rc = vmm_err_set(err, VMM_EIO, name, 0, -1, "write failed: %s", strerror(e));
    vmm_free(d->tmp);
    vmm_free(d->path);
    d->tmp = d->path = NULL;
    return rc;
}

int vmm_output_check(const char *path, vmm_err_t *err)
{
    vmm_err_clear(err);
    if (!path || !*path)
        return vmm_err_set(err, VMM_EINVAL, "", 0, -1, "empty output file name");
    if (!strcmp(path, "-"))
        return 0;
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return vmm_err_set(err, VMM_EINVAL, path, 0, -1, "is a directory, not a file");
        if (!S_ISREG(st.st_mode) || always_in_place(path))
            return access(path, W_OK) ? vmm_err_set(err, VMM_EINVAL, path, 0, -1,
                                                    "cannot write: %s", strerror(errno))
                                      : 0;
    }
    char *target;
    int rc = final_target(path, &target);
    if (rc == VMM_EINVAL)
        return vmm_err_set(err, rc, path, 0, -1, "too many levels of symbolic links");
    if (rc)
        return vmm_err_set(err, rc, path, 0, -1, "out of memory");
    char dir[PATH_MAX];
    dir_of(target, dir, sizeof dir);
    vmm_free(target);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return vmm_err_set(err, VMM_ENOENT, path, 0, -1, "no such directory '%s'", dir);
    if (access(dir, W_OK | X_OK))
        return vmm_err_set(err, VMM_EINVAL, path, 0, -1, "cannot create files in '%s': %s", dir,
                           strerror(errno));
    return 0;
}
