/*
 * rdb/fio.c — the file layer (see fio.h for the contract and invariants).
 *
 * Layout: the libc table (thin static adapters, libc convention), the
 * current-table pointer, the -errno wrappers, then the helpers built only
 * on the wrappers, so everything the helpers do is visible to (and
 * faultable by) whatever table is installed.
 *
 * Invariants of the helpers, numbered as in fio.h:
 *   (1)(3) fio_write_file_durably fsyncs through the fd it wrote and checks
 *          close() too; any failure unlinks the temp file and returns.
 *   (4)    fio_replace_durably never renames an unsynced temp file, and only
 *          unlinks the temp file while the rename has not happened.
 *   (2)    after the rename, the directory of the destination (and of the
 *          source when it differs) is fsynced; a failure is returned.
 */
#include "rdb/fio.h"

#include "engine/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- the libc table ------------------------------------------------------ */

static int sys_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }
static ssize_t sys_pread(int fd, void *buf, size_t n, off_t off) { return pread(fd, buf, n, off); }
static ssize_t sys_pwrite(int fd, const void *buf, size_t n, off_t off) {
    return pwrite(fd, buf, n, off);
}
static off_t sys_lseek(int fd, off_t off, int whence) { return lseek(fd, off, whence); }
static int sys_ftruncate(int fd, off_t len) { return ftruncate(fd, len); }
static int sys_stat(const char *path, struct stat *st) { return stat(path, st); }
static int sys_fstat(int fd, struct stat *st) { return fstat(fd, st); }

static int sys_fsync_dir(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    int saved = errno;
    close(fd);
    if (r < 0 && saved == EINVAL) r = 0; /* the file system cannot sync a directory */
    errno = saved;
    return r;
}

static const struct fio_ops libc_ops = {
    .open = sys_open,
    .close = close,
    .read = read,
    .pread = sys_pread,
    .write = write,
    .pwrite = sys_pwrite,
    .lseek = sys_lseek,
    .fsync = fsync,
    .fdatasync = fdatasync,
    .ftruncate = sys_ftruncate,
    .rename = rename,
    .unlink = unlink,
    .mkdir = mkdir,
    .opendir = opendir,
    .readdir = readdir,
    .closedir = closedir,
    .stat = sys_stat,
    .fstat = sys_fstat,
    .fsync_dir = sys_fsync_dir,
};

static const struct fio_ops *cur = &libc_ops;

const struct fio_ops *fio_ops_default(void) { return &libc_ops; }
const struct fio_ops *fio_ops_current(void) { return cur; }

const struct fio_ops *fio_set_ops(const struct fio_ops *ops) {
    const struct fio_ops *old = cur;
    cur = ops ? ops : &libc_ops;
    return old;
}

/* ---- wrappers ---------------------------------------------------------- */

#define NEG_ERRNO() (errno ? -errno : -EIO)

int fio_open(const char *path, int flags, mode_t mode) {
    int fd;
    do fd = cur->open(path, flags | O_CLOEXEC, mode);
    while (fd < 0 && errno == EINTR);
    return fd < 0 ? NEG_ERRNO() : fd;
}

int fio_close(int fd) {
    if (fd < 0) return 0;
    /* Linux releases the fd even when close fails: never retry. */
    if (cur->close(fd) < 0 && errno != EINTR) return NEG_ERRNO();
    return 0;
}

ssize_t fio_read(int fd, void *buf, size_t n) {
    ssize_t r;
    do r = cur->read(fd, buf, n);
    while (r < 0 && errno == EINTR);
    return r < 0 ? NEG_ERRNO() : r;
}

ssize_t fio_pread(int fd, void *buf, size_t n, off_t off) {
    ssize_t r;
    do r = cur->pread(fd, buf, n, off);
    while (r < 0 && errno == EINTR);
    return r < 0 ? NEG_ERRNO() : r;
}

ssize_t fio_write(int fd, const void *buf, size_t n) {
    ssize_t r;
    do r = cur->write(fd, buf, n);
    while (r < 0 && errno == EINTR);
    return r < 0 ? NEG_ERRNO() : r;
}

ssize_t fio_pwrite(int fd, const void *buf, size_t n, off_t off) {
    ssize_t r;
    do r = cur->pwrite(fd, buf, n, off);
    while (r < 0 && errno == EINTR);
    return r < 0 ? NEG_ERRNO() : r;
}

off_t fio_lseek(int fd, off_t off, int whence) {
    off_t r = cur->lseek(fd, off, whence);
    return r < 0 ? NEG_ERRNO() : r;
}

int fio_fsync(int fd) {
    int r;
    do r = cur->fsync(fd);
    while (r < 0 && errno == EINTR);
    return r < 0 ? NEG_ERRNO() : 0;
}

int fio_fdatasync(int fd) {
    int r;
    do r = cur->fdatasync(fd);
    while (r < 0 && errno == EINTR);
    return r < 0 ? NEG_ERRNO() : 0;
}

int fio_ftruncate(int fd, off_t len) {
    int r;
    do r = cur->ftruncate(fd, len);
    while (r < 0 && errno == EINTR);
    return r < 0 ? NEG_ERRNO() : 0;
}

int fio_rename(const char *from, const char *to) {
    return cur->rename(from, to) < 0 ? NEG_ERRNO() : 0;
}

int fio_unlink(const char *path) { return cur->unlink(path) < 0 ? NEG_ERRNO() : 0; }

int fio_mkdir(const char *path, mode_t mode) { return cur->mkdir(path, mode) < 0 ? NEG_ERRNO() : 0; }

int fio_stat(const char *path, struct stat *st) { return cur->stat(path, st) < 0 ? NEG_ERRNO() : 0; }

int fio_fstat(int fd, struct stat *st) { return cur->fstat(fd, st) < 0 ? NEG_ERRNO() : 0; }

int fio_fsync_dir(const char *path) {
    int r;
    do r = cur->fsync_dir(path);
    while (r < 0 && errno == EINTR);
    return r < 0 ? NEG_ERRNO() : 0;
}

DIR *fio_opendir(const char *path, int *err) {
    DIR *d = cur->opendir(path);
    if (err) *err = d ? 0 : NEG_ERRNO();
    return d;
}

struct dirent *fio_readdir(DIR *d) {
    struct dirent *e;
    do e = cur->readdir(d);
    while (e && (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0));
    return e;
}

int fio_closedir(DIR *d) {
    if (!d) return 0;
    return cur->closedir(d) < 0 ? NEG_ERRNO() : 0;
}

/* ---- helpers ------------------------------------------------------------- */

int fio_write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t r = fio_write(fd, p, n);
        if (r < 0) return (int)r;
        if (r == 0) return -EIO;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int fio_pwrite_all(int fd, const void *buf, size_t n, off_t off) {
    const char *p = buf;
    while (n > 0) {
        ssize_t r = fio_pwrite(fd, p, n, off);
        if (r < 0) return (int)r;
        if (r == 0) return -EIO;
        p += r;
        n -= (size_t)r;
        off += r;
    }
    return 0;
}

ssize_t fio_read_all(int fd, void *buf, size_t n) {
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = fio_read(fd, p + got, n - got);
        if (r < 0) return r;
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

ssize_t fio_pread_all(int fd, void *buf, size_t n, off_t off) {
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = fio_pread(fd, p + got, n - got, off + (off_t)got);
        if (r < 0) return r;
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int fio_read_file(const char *path, size_t maxlen, char **out, size_t *len) {
    struct stat st;
    char *buf = NULL;
    size_t cap, got = 0;
    int err = 0, fd = fio_open(path, O_RDONLY, 0);
    if (fd < 0) return fd;
    if ((err = fio_fstat(fd, &st)) < 0) goto done;
    cap = (size_t)st.st_size < 256 ? 256 : (size_t)st.st_size + 1;
    if (cap > maxlen + 1) cap = maxlen + 1;
    buf = mem_alloc(cap + 1);
    for (;;) {
        ssize_t r = fio_read(fd, buf + got, cap - got);
        if (r < 0) {
            err = (int)r;
            goto done;
        }
        if (r == 0) break;
        got += (size_t)r;
        if (got > maxlen) {
            err = -EFBIG;
            goto done;
        }
        if (got == cap) {
            cap = cap * 2 > maxlen + 1 ? maxlen + 1 : cap * 2;
            buf = mem_realloc(buf, cap + 1);
        }
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    buf = NULL;
done:
    mem_free(buf);
    fio_close(fd);
    return err;
}

int fio_dirname(const char *path, char *out, size_t cap) {
    const char *slash = strrchr(path, '/');
    size_t n;
    if (!slash) {
        path = ".";
        n = 1;
    } else {
        n = (size_t)(slash - path);
        while (n > 0 && path[n - 1] == '/') n--; /* "a//b" -> "a" */
        if (n == 0) n = 1;                        /* "/b" -> "/" */
    }
    if (n + 1 > cap) return -ENAMETOOLONG;
    memcpy(out, path, n);
    out[n] = '\0';
    return 0;
}

int fio_tmp_path(const char *final, char *out, size_t cap) {
    static _Atomic unsigned long seq;
    unsigned long n = ++seq;
    int w = snprintf(out, cap, "%s.tmp-%ld-%lu", final, (long)getpid(), n);
    return (w < 0 || (size_t)w >= cap) ? -ENAMETOOLONG : 0;
}

/* rename tmp over final, then fsync the directories (invariants 2, 4). */
static int rename_and_sync_dirs(const char *tmp, const char *final) {
    char dfinal[PATH_MAX], dtmp[PATH_MAX];
    int err = fio_dirname(final, dfinal, sizeof dfinal);
    if (!err) err = fio_dirname(tmp, dtmp, sizeof dtmp);
    if (!err) err = fio_rename(tmp, final);
    if (err) {
        fio_unlink(tmp);
        return err;
    }
    /* From here the rename happened: never unlink anything. */
    err = fio_fsync_dir(dfinal);
    if (!err && strcmp(dfinal, dtmp) != 0) err = fio_fsync_dir(dtmp);
    return err;
}

int fio_replace_durably(const char *tmp_path, const char *final_path) {
    int err, fd = fio_open(tmp_path, O_RDONLY, 0);
    if (fd < 0) {
        err = fd;
        goto fail;
    }
    err = fio_fsync(fd);
    int cerr = fio_close(fd);
    if (!err) err = cerr;
    if (err) goto fail;
    return rename_and_sync_dirs(tmp_path, final_path);
fail:
    fio_unlink(tmp_path);
    return err;
}

int fio_write_file_durably(const char *path, const void *buf, size_t len) {
    return fio_write_file_durably_mode(path, buf, len, 0644);
}

int fio_write_file_durably_mode(const char *path, const void *buf, size_t len, mode_t mode) {
    char tmp[PATH_MAX];
    int err = fio_tmp_path(path, tmp, sizeof tmp);
    if (err) return err;
    /* O_TRUNC, not O_EXCL: a stale temp of a crashed process with the same
     * pid (containers reuse pids) must not make every first save fail. */
    int fd = fio_open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) return fd;
    err = fchmod(fd, mode) < 0 ? -errno : 0; /* exact bits, whatever the umask */
    if (!err) err = fio_write_all(fd, buf, len);
    if (!err) err = fio_fsync(fd);
    int cerr = fio_close(fd);
    if (!err) err = cerr;
    if (err) goto fail;
    return rename_and_sync_dirs(tmp, path);
fail:
    fio_unlink(tmp);
    return err;
}
