/*
 * rdb/fio.h — the file layer: every byte strata persists goes through here.
 *
 * RDB files, AOF incr/base files, the manifest, temp files, and the
 * directories that hold them are opened, written, synced, renamed and
 * removed only through fio_*.  Underneath is one table of syscalls
 * (struct fio_ops).  Production uses the libc table; a test swaps in
 * another (rdb/fio_fault.h installs one that injects EIO/ENOSPC, short
 * writes, slow fsyncs and simulated power loss).  This is the
 * fault-injection seam of STYLE #6 (model: SQLite's aSyscall[]).
 *
 * Conventions.
 *   - Table entries follow the libc convention (-1 and errno), so the
 *     default table is libc itself and a fault layer can wrap it trivially.
 *   - The fio_* wrappers return 0 (or a count / fd) on success and -errno on
 *     failure, and retry EINTR where the call is restartable (everything but
 *     close).
 *   - fio_open always adds O_CLOEXEC.
 *   - Ownership: paths and buffers are borrowed for the call only; an fd
 *     from fio_open and a DIR from fio_opendir belong to the caller, who
 *     releases them with fio_close / fio_closedir.
 *   - The table is swapped only while no other thread is inside fio (tests
 *     do it between phases).  Calls themselves are thread-safe as far as the
 *     installed table is (libc's is; fio_fault's locks).
 *
 * Durability rules (the numbered invariants every persistence module relies
 * on; fio.c's helpers implement them):
 *   (1) Data is durable only after an fsync/fdatasync of its file returned 0.
 *   (2) A name (create, rename, unlink, mkdir) is durable only after an fsync
 *       of the directory holding it returned 0 (both directories for a
 *       rename across directories).
 *   (3) A failed write or fsync is never ignored and never retried as if the
 *       data were safe: after a failed fsync the file's unsynced contents are
 *       unknown (Linux may drop the dirty pages and report success next
 *       time).  The caller rewrites from data it still holds, or gives up.
 *   (4) Replacing a file is always temp -> fsync -> rename -> fsync dir
 *       (fio_replace_durably): at every instant, including after a crash at
 *       any point, `final` names either the complete old file or the
 *       complete, synced new one.
 */
#ifndef STRATA_FIO_H
#define STRATA_FIO_H

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* One id per table entry, for fault rules and call counters. */
enum fio_op {
    FIO_OP_OPEN,
    FIO_OP_CLOSE,
    FIO_OP_READ,
    FIO_OP_PREAD,
    FIO_OP_WRITE,
    FIO_OP_PWRITE,
    FIO_OP_LSEEK,
    FIO_OP_FSYNC,
    FIO_OP_FDATASYNC,
    FIO_OP_FTRUNCATE,
    FIO_OP_RENAME,
    FIO_OP_UNLINK,
    FIO_OP_MKDIR,
    FIO_OP_OPENDIR,
    FIO_OP_READDIR,
    FIO_OP_CLOSEDIR,
    FIO_OP_STAT,
    FIO_OP_FSTAT,
    FIO_OP_FSYNC_DIR,
    FIO_OP__COUNT
};

/* The syscall table (libc convention: -1 and errno on failure). */
struct fio_ops {
    int (*open)(const char *path, int flags, mode_t mode);
    int (*close)(int fd);
    ssize_t (*read)(int fd, void *buf, size_t n);
    ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
    ssize_t (*write)(int fd, const void *buf, size_t n);
    ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
    off_t (*lseek)(int fd, off_t off, int whence);
    int (*fsync)(int fd);
    int (*fdatasync)(int fd);
    int (*ftruncate)(int fd, off_t len);
    int (*rename)(const char *from, const char *to);
    int (*unlink)(const char *path);
    int (*mkdir)(const char *path, mode_t mode);
    DIR *(*opendir)(const char *path);
    struct dirent *(*readdir)(DIR *d); /* NULL at end (errno unchanged) or error */
    int (*closedir)(DIR *d);
    int (*stat)(const char *path, struct stat *st);
    int (*fstat)(int fd, struct stat *st);
    int (*fsync_dir)(const char *path); /* make the directory's entries durable */
};

/* The libc table (static storage, never freed). */
const struct fio_ops *fio_ops_default(void);
/* Install `ops` (NULL = the libc table); returns the table it replaced.
 * `ops` is borrowed until it is replaced again. */
const struct fio_ops *fio_set_ops(const struct fio_ops *ops);
/* The table in use. */
const struct fio_ops *fio_ops_current(void);

/* ---- thin wrappers: result or -errno ---------------------------------- */

int fio_open(const char *path, int flags, mode_t mode); /* fd >= 0 or -errno */
int fio_close(int fd);                                  /* never retried; -1 fd ok (no-op) */
ssize_t fio_read(int fd, void *buf, size_t n);          /* bytes (0 = EOF) */
ssize_t fio_pread(int fd, void *buf, size_t n, off_t off);
ssize_t fio_write(int fd, const void *buf, size_t n);   /* bytes written, maybe short */
ssize_t fio_pwrite(int fd, const void *buf, size_t n, off_t off);
off_t fio_lseek(int fd, off_t off, int whence);
int fio_fsync(int fd);
int fio_fdatasync(int fd);
int fio_ftruncate(int fd, off_t len);
int fio_rename(const char *from, const char *to);
int fio_unlink(const char *path);
int fio_mkdir(const char *path, mode_t mode);
int fio_stat(const char *path, struct stat *st);
int fio_fstat(int fd, struct stat *st);
/* fsync a directory so the names in it are durable (invariant 2).  The libc
 * implementation treats EINVAL from fsync (file systems that cannot sync a
 * directory) as success. */
int fio_fsync_dir(const char *path);

/* Directory listing.  fio_opendir returns NULL and sets *err (may be NULL)
 * to -errno.  fio_readdir returns the next entry (skipping "." and ".."),
 * NULL at the end; the entry lives until the next readdir/closedir. */
DIR *fio_opendir(const char *path, int *err);
struct dirent *fio_readdir(DIR *d);
int fio_closedir(DIR *d); /* NULL ok */

/* ---- helpers ------------------------------------------------------------ */

/* Write all n bytes (loops over short writes and EINTR).  0 or -errno.  On
 * failure a prefix of buf may already be in the file: the caller truncates
 * back to its own offset (AOF) or discards the file (RDB temp).  A write
 * that returns 0 for n > 0 fails with -EIO.  EAGAIN is returned, not
 * waited for (non-blocking sockets belong to rdb/stream.h's fd backend). */
int fio_write_all(int fd, const void *buf, size_t n);
int fio_pwrite_all(int fd, const void *buf, size_t n, off_t off);

/* Read up to n bytes, looping over short reads and EINTR until n bytes or
 * end of file.  Returns the count (< n only at EOF) or -errno.  A caller
 * that needs all n bytes checks the count. */
ssize_t fio_read_all(int fd, void *buf, size_t n);
ssize_t fio_pread_all(int fd, void *buf, size_t n, off_t off);

/* Read a whole file into a new buffer (mem_alloc, NUL-terminated past
 * *len; caller mem_free()s *out).  Refuses files over maxlen bytes with
 * -EFBIG.  0 or -errno; *out untouched on failure. */
int fio_read_file(const char *path, size_t maxlen, char **out, size_t *len);

/* The name a temp file for `final` gets: "<final>.tmp-<pid>-<n>", in the
 * same directory, so the rename that replaces `final` is atomic.  Writes
 * at most cap bytes including the NUL; 0 or -ENAMETOOLONG. */
int fio_tmp_path(const char *final, char *out, size_t cap);

/* Copy the directory part of path into out ("." when there is none, "/"
 * for a file at the root).  0 or -ENAMETOOLONG. */
int fio_dirname(const char *path, char *out, size_t cap);

/* The durable-replace dance (invariant 4): fsync tmp_path, rename it over
 * final_path, fsync the directory of final_path (and of tmp_path when it
 * differs).  Before the rename, any failure unlinks tmp_path and leaves
 * final_path untouched.  When the rename succeeded but the directory fsync
 * failed, the new file is in place (and complete, and synced) but its name
 * may not survive a power loss: the error is returned, nothing is unlinked
 * (unlinking would destroy the only copy).  0 or -errno. */
int fio_replace_durably(const char *tmp_path, const char *final_path);

/* Write buf to a temp file next to path (mode 0644), fsync it, and replace
 * path with it by fio_replace_durably.  0 or -errno; on failure path is
 * untouched (see fio_replace_durably for the one exception) and no temp
 * file is left behind.  buf is borrowed for the call. */
int fio_write_file_durably(const char *path, const void *buf, size_t len);
/* The same with the new file's permission bits set exactly to mode (not
 * subject to the umask), e.g. to keep those of the file being replaced. */
int fio_write_file_durably_mode(const char *path, const void *buf, size_t len, mode_t mode);

#endif
