/* tests/unit/test_fio.c — rdb/fio and rdb/fio_fault: the -errno wrappers and
 * helpers, each kind of injected fault, the durable replace leaving the old
 * file intact whatever step fails, the power-loss model (unsynced data,
 * overwrites, truncates, creates, renames, unlinks, mkdirs, tears, lost
 * pages after a failed fsync), and a crash-point sweep of the durable
 * replace in forked children. */
#include "engine/mem.h"
#include "rdb/fio.h"
#include "rdb/fio_fault.h"
#include "tests/tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[256];

static const char *P(const char *name) {
    static char buf[4][PATH_MAX];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
    return buf[i];
}

/* Plain libc helpers: the tests' view of the disk, independent of fio. */
static void put(const char *path, const char *s) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(s, f);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
}

/* The file's content as a static string, or "<missing>". */
static const char *get(const char *path) {
    static char buf[8][65536];
    static int i;
    i = (i + 1) % 8;
    FILE *f = fopen(path, "rb");
    if (!f) return "<missing>";
    size_t n = fread(buf[i], 1, sizeof buf[i] - 1, f);
    buf[i][n] = 0;
    fclose(f);
    return buf[i];
}

static long fsize(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Entries in dir (plain readdir) whose name starts with prefix. */
static int count_entries(const char *prefix) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) n++;
    closedir(d);
    return n;
}

static int rm_cb(const char *p, const struct stat *st, int t, struct FTW *f) {
    (void)remove(p);
    return 0;
}

static void wipe_dir(void) {
    nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    mkdir(dir, 0755);
}

static void sync_dir_plain(void) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    fsync(fd);
    close(fd);
}

/* ---- the plain layer ---------------------------------------------------- */

static void test_wrappers(void) {
    is_int(fio_open(P("nope/x"), O_RDONLY, 0), -ENOENT, "open of a missing path: -ENOENT");
    is_int(fio_close(-1), 0, "close(-1) is a no-op");
    int fd = fio_open(P("a"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    ok(fd >= 0, "open creates");
    ok((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "open adds O_CLOEXEC");
    is_int(fio_write_all(fd, "hello world", 11), 0, "write_all");
    is_int(fio_pwrite_all(fd, "W", 1, 6), 0, "pwrite_all");
    char buf[32] = {0};
    is_int(fio_pread_all(fd, buf, sizeof buf, 0), 11, "pread_all stops at EOF with the count");
    is_mem(buf, 11, "hello World", 11, "pread_all bytes");
    is_int(fio_lseek(fd, 0, SEEK_SET), 0, "lseek");
    is_int(fio_read_all(fd, buf, 5), 5, "read_all exact");
    struct stat st;
    is_int(fio_fstat(fd, &st), 0, "fstat");
    is_int(st.st_size, 11, "fstat size");
    is_int(fio_ftruncate(fd, 5), 0, "ftruncate");
    is_int(fio_fsync(fd), 0, "fsync");
    is_int(fio_fdatasync(fd), 0, "fdatasync");
    is_int(fio_close(fd), 0, "close");
    is_str(get(P("a")), "hello", "file content after truncate");
    is_int(fio_stat(P("a"), &st), 0, "stat");
    is_int(fio_stat(P("zz"), &st), -ENOENT, "stat of a missing file: -ENOENT");
    is_int(fio_rename(P("a"), P("b")), 0, "rename");
    is_int(fio_unlink(P("a")), -ENOENT, "unlink of the old name: -ENOENT");
    is_int(fio_mkdir(P("sub"), 0755), 0, "mkdir");
    is_int(fio_mkdir(P("sub"), 0755), -EEXIST, "mkdir again: -EEXIST");
    is_int(fio_fsync_dir(dir), 0, "fsync_dir");
    is_int(fio_fsync_dir(P("nodir")), -ENOENT, "fsync_dir of a missing dir: -ENOENT");

    int err = 1;
    DIR *d = fio_opendir(dir, &err);
    ok(d && err == 0, "opendir");
    int seen = 0, dots = 0;
    struct dirent *e;
    while ((e = fio_readdir(d))) {
        seen++;
        if (e->d_name[0] == '.' && (e->d_name[1] == 0 || e->d_name[1] == '.')) dots++;
    }
    is_int(fio_closedir(d), 0, "closedir");
    is_int(seen, 2, "readdir lists b and sub");
    is_int(dots, 0, "readdir skips . and ..");
    ok(fio_opendir(P("nodir"), &err) == NULL && err == -ENOENT, "opendir of a missing dir: -ENOENT");
    is_int(fio_closedir(NULL), 0, "closedir(NULL)");

    char *data = NULL;
    size_t len = 0;
    is_int(fio_read_file(P("b"), 100, &data, &len), 0, "read_file");
    is_mem(data, len, "hello", 5, "read_file bytes");
    ok(data && data[len] == 0, "read_file NUL-terminates");
    mem_free(data);
    data = NULL;
    is_int(fio_read_file(P("b"), 4, &data, &len), -EFBIG, "read_file over maxlen: -EFBIG");
    ok(data == NULL, "read_file leaves *out alone on failure");
    is_int(fio_read_file(P("zz"), 4, &data, &len), -ENOENT, "read_file of a missing file");
    wipe_dir();
}

static void test_paths(void) {
    char outbuf[64], *out = outbuf;
    fio_dirname("a/b/c", out, sizeof outbuf);
    is_str(out, "a/b", "dirname a/b/c");
    fio_dirname("c", out, sizeof outbuf);
    is_str(out, ".", "dirname of a bare name");
    fio_dirname("/c", out, sizeof outbuf);
    is_str(out, "/", "dirname at the root");
    fio_dirname("a//c", out, sizeof outbuf);
    is_str(out, "a", "dirname collapses slashes");
    is_int(fio_dirname("abcdef/x", out, 4), -ENAMETOOLONG, "dirname too long");
    char t1[128], t2[128];
    fio_tmp_path("dir/dump.rdb", t1, sizeof t1);
    fio_tmp_path("dir/dump.rdb", t2, sizeof t2);
    ok(strncmp(t1, "dir/dump.rdb.tmp-", 17) == 0, "tmp path next to the file: %s", t1);
    ok(strcmp(t1, t2) != 0, "tmp paths are unique");
    is_int(fio_tmp_path("dir/dump.rdb", t1, 10), -ENAMETOOLONG, "tmp path too long");
}

static void test_write_file_durably(void) {
    is_int(fio_write_file_durably(P("f"), "one", 3), 0, "write_file_durably creates");
    is_str(get(P("f")), "one", "content");
    is_int(fio_write_file_durably(P("f"), "two!", 4), 0, "write_file_durably replaces");
    is_str(get(P("f")), "two!", "new content");
    is_int(count_entries("f.tmp"), 0, "no temp file left");
    put(P("t"), "tmpdata");
    is_int(fio_replace_durably(P("t"), P("f")), 0, "replace_durably");
    is_str(get(P("f")), "tmpdata", "replaced");
    is_str(get(P("t")), "<missing>", "temp gone");
    is_int(fio_replace_durably(P("nothere"), P("f")), -ENOENT, "replace with a missing temp fails");
    is_str(get(P("f")), "tmpdata", "final untouched");
    is_int(fio_write_file_durably(P("nodir/f"), "x", 1), -ENOENT, "write_file_durably into a missing dir");
    wipe_dir();
}

/* ---- injected faults ---------------------------------------------------- */

static void test_fail_rules(void) {
    ok(fio_fault_install() == 0, "install");
    is_int(fio_fault_install(), -EBUSY, "install twice: -EBUSY");
    ok(fio_ops_current() != fio_ops_default(), "the fault table is current");
    int fd = fio_open(P("x"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    is_int(fio_fault_fail(FIO_OP_WRITE, 2, 1, EIO), 0, "arm: the 2nd write fails with EIO");
    is_int(fio_write(fd, "a", 1), 1, "1st write ok");
    is_int(fio_write(fd, "b", 1), -EIO, "2nd write: -EIO");
    is_int(fio_write(fd, "c", 1), 1, "3rd write ok");
    is_str(get(P("x")), "ac", "the failed write did not reach the file");
    is_int(fio_fault_fail(FIO_OP_WRITE, 1, 0, ENOSPC), 0, "arm: every write from now: ENOSPC");
    is_int(fio_write_all(fd, "dddd", 4), -ENOSPC, "write_all: -ENOSPC");
    is_int(fio_write(fd, "d", 1), -ENOSPC, "still -ENOSPC");
    ok(fio_fault_injected() >= 3, "injected count: %lu", fio_fault_injected());
    fio_fault_clear();
    is_int(fio_write(fd, "e", 1), 1, "clear: writes work again");
    is_int(fio_fault_fail(FIO_OP_PWRITE, 2, 2, EIO), 0, "arm: pwrite calls 2..3 fail");
    int r1 = (int)fio_pwrite(fd, "1", 1, 10), r2 = (int)fio_pwrite(fd, "2", 1, 10),
        r3 = (int)fio_pwrite(fd, "3", 1, 10), r4 = (int)fio_pwrite(fd, "4", 1, 10);
    ok(r1 == 1 && r2 == -EIO && r3 == -EIO && r4 == 1, "window of two failures: %d %d %d %d", r1, r2, r3, r4);
    is_int(fio_fault_calls(FIO_OP_PWRITE), 4, "pwrite calls counted");

    fio_fault_fail(FIO_OP_FSYNC, 1, 1, EIO);
    is_int(fio_fsync(fd), -EIO, "fsync: -EIO");
    is_int(fio_fsync(fd), 0, "next fsync ok");
    fio_fault_fail(FIO_OP_FDATASYNC, 1, 1, EIO);
    is_int(fio_fdatasync(fd), -EIO, "fdatasync: -EIO");
    fio_fault_fail(FIO_OP_FTRUNCATE, 1, 1, ENOSPC);
    is_int(fio_ftruncate(fd, 100), -ENOSPC, "ftruncate: -ENOSPC");
    fio_fault_fail(FIO_OP_CLOSE, 1, 1, EIO);
    is_int(fio_close(fd), -EIO, "close: -EIO");
    ok(fcntl(fd, F_GETFD) < 0, "...and the descriptor is gone anyway");
    fio_fault_fail(FIO_OP_OPEN, 1, 1, EACCES);
    is_int(fio_open(P("x"), O_RDONLY, 0), -EACCES, "open: -EACCES");
    fio_fault_fail(FIO_OP_RENAME, 1, 1, EIO);
    is_int(fio_rename(P("x"), P("y")), -EIO, "rename: -EIO");
    is_str(get(P("x")), "ace", "the failed rename did nothing");
    fio_fault_fail(FIO_OP_UNLINK, 1, 1, EIO);
    is_int(fio_unlink(P("x")), -EIO, "unlink: -EIO");
    fio_fault_fail(FIO_OP_MKDIR, 1, 1, ENOSPC);
    is_int(fio_mkdir(P("d"), 0755), -ENOSPC, "mkdir: -ENOSPC");
    fio_fault_fail(FIO_OP_FSYNC_DIR, 1, 1, EIO);
    is_int(fio_fsync_dir(dir), -EIO, "fsync_dir: -EIO");
    fio_fault_fail(FIO_OP_STAT, 1, 1, EIO);
    struct stat st;
    is_int(fio_stat(P("x"), &st), -EIO, "stat: -EIO");
    fio_fault_fail(FIO_OP_READ, 1, 1, EIO);
    fd = fio_open(P("x"), O_RDONLY, 0);
    char b[8];
    is_int(fio_read(fd, b, 8), -EIO, "read: -EIO");
    fio_close(fd);
    int err = 0;
    fio_fault_fail(FIO_OP_OPENDIR, 1, 1, EMFILE);
    ok(fio_opendir(dir, &err) == NULL && err == -EMFILE, "opendir: -EMFILE");

    is_int(fio_fault_fail(FIO_OP__COUNT, 1, 1, EIO), -EINVAL, "arm: bad op");
    is_int(fio_fault_fail(FIO_OP_WRITE, 0, 1, EIO), -EINVAL, "arm: nth 0");
    is_int(fio_fault_fail(FIO_OP_WRITE, 1, 1, 0), -EINVAL, "arm: errno 0");
    is_int(fio_fault_short(FIO_OP_FSYNC, 1, 1, 3), -EINVAL, "arm short: not a transfer op");
    is_int(fio_fault_short(FIO_OP_WRITE, 1, 1, 0), -EINVAL, "arm short: 0 bytes");
    fio_fault_clear();
    fio_fault_uninstall();
    ok(fio_ops_current() == fio_ops_default(), "uninstall restores libc");
    wipe_dir();
}

static void test_short_and_slow(void) {
    fio_fault_install();
    int fd = fio_open(P("s"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    fio_fault_short(FIO_OP_WRITE, 1, 0, 3);
    is_int(fio_write(fd, "abcdefgh", 8), 3, "a short write moves 3 bytes");
    unsigned long before = fio_fault_calls(FIO_OP_WRITE);
    is_int(fio_write_all(fd, "0123456789", 10), 0, "write_all completes over short writes");
    is_int(fio_fault_calls(FIO_OP_WRITE) - before, 4, "...in 4 calls of 3 bytes");
    is_str(get(P("s")), "abc0123456789", "content");
    fio_fault_clear();
    fio_fault_short(FIO_OP_READ, 1, 0, 2);
    fio_lseek(fd, 0, SEEK_SET);
    char bbuf[32] = {0}, *b = bbuf;
    is_int(fio_read(fd, b, 10), 2, "a short read moves 2 bytes");
    is_int(fio_read_all(fd, b + 2, 20), 11, "read_all loops over short reads to EOF");
    is_str(b, "abc0123456789", "read back");
    fio_fault_clear();
    fio_fault_short(FIO_OP_PWRITE, 1, 0, 1);
    is_int(fio_pwrite_all(fd, "XYZ", 3, 0), 0, "pwrite_all over 1-byte writes");
    is_str(get(P("s")), "XYZ0123456789", "pwrite content");
    fio_fault_clear();

    /* short write then ENOSPC: what a filling disk does */
    fio_fault_short(FIO_OP_WRITE, 1, 1, 4);
    fio_fault_fail(FIO_OP_WRITE, 2, 0, ENOSPC);
    fio_lseek(fd, 0, SEEK_END);
    is_int(fio_write_all(fd, "0123456789", 10), -ENOSPC, "short write then ENOSPC: -ENOSPC");
    is_int(fsize(P("s")), 17, "a 4-byte prefix reached the file (caller must truncate)");
    fio_fault_clear();

    fio_fault_fsync_delay(120);
    struct timespec a, z;
    clock_gettime(CLOCK_MONOTONIC, &a);
    is_int(fio_fdatasync(fd), 0, "delayed fdatasync succeeds");
    clock_gettime(CLOCK_MONOTONIC, &z);
    long ms = (z.tv_sec - a.tv_sec) * 1000 + (z.tv_nsec - a.tv_nsec) / 1000000;
    ok(ms >= 115, "fdatasync took %ld ms (delay 120)", ms);
    clock_gettime(CLOCK_MONOTONIC, &a);
    fio_fsync_dir(dir);
    clock_gettime(CLOCK_MONOTONIC, &z);
    ms = (z.tv_sec - a.tv_sec) * 1000 + (z.tv_nsec - a.tv_nsec) / 1000000;
    ok(ms >= 115, "fsync_dir delayed too (%ld ms)", ms);
    fio_fault_clear();
    fio_close(fd);
    fio_fault_uninstall();
    wipe_dir();
}

/* The durable replace: whichever step fails, the old file is intact and
 * no temp file is left. */
static void test_replace_failures(void) {
    static const struct {
        enum fio_op op;
        int err;
        const char *what;
    } steps[] = {
        {FIO_OP_OPEN, EACCES, "open of the temp file"},
        {FIO_OP_WRITE, EIO, "write EIO"},
        {FIO_OP_WRITE, ENOSPC, "write ENOSPC"},
        {FIO_OP_FSYNC, EIO, "fsync of the temp file"},
        {FIO_OP_CLOSE, EIO, "close of the temp file"},
        {FIO_OP_RENAME, EIO, "rename"},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        put(P("dump.rdb"), "OLD CONTENT");
        sync_dir_plain();
        fio_fault_install();
        fio_fault_fail(steps[i].op, 1, 1, steps[i].err);
        int r = fio_write_file_durably(P("dump.rdb"), "NEW CONTENT, LONGER", 19);
        fio_fault_uninstall();
        is_int(r, -steps[i].err, "write_file_durably, %s fails: the error is returned", steps[i].what);
        is_str(get(P("dump.rdb")), "OLD CONTENT", "...the old file is intact");
        is_int(count_entries("dump.rdb.tmp"), 0, "...and no temp file is left");
    }
    /* short writes alone are not a failure */
    fio_fault_install();
    fio_fault_short(FIO_OP_WRITE, 1, 0, 2);
    is_int(fio_write_file_durably(P("dump.rdb"), "NEW CONTENT", 11), 0, "short writes: still succeeds");
    fio_fault_uninstall();
    is_str(get(P("dump.rdb")), "NEW CONTENT", "...with the whole content");

    /* fio_replace_durably on a caller's temp file */
    put(P("dump.rdb"), "OLD CONTENT");
    put(P("mytmp"), "NEW");
    fio_fault_install();
    fio_fault_fail(FIO_OP_FSYNC, 1, 1, EIO);
    is_int(fio_replace_durably(P("mytmp"), P("dump.rdb")), -EIO, "replace_durably: fsync fails");
    fio_fault_uninstall();
    is_str(get(P("dump.rdb")), "OLD CONTENT", "...old file intact");
    is_str(get(P("mytmp")), "<missing>", "...temp unlinked");

    /* the directory fsync fails after the rename: the error is reported,
     * the new file stays (nothing to unlink), and a power loss brings back
     * the old one because the rename was never made durable */
    fio_fault_install();
    fio_fault_track(1);
    fio_fault_fail(FIO_OP_FSYNC_DIR, 1, 0, EIO);
    int r = fio_write_file_durably(P("dump.rdb"), "NEW CONTENT", 11);
    is_int(r, -EIO, "dir fsync fails: -EIO");
    is_str(get(P("dump.rdb")), "NEW CONTENT", "...the renamed file is in place");
    is_int(count_entries("dump.rdb.tmp"), 0, "...no temp file visible");
    is_int(fio_fault_crash(FIO_CRASH_DROP, 1), 0, "power loss");
    fio_fault_uninstall();
    is_str(get(P("dump.rdb")), "OLD CONTENT", "...after it the old file is back, intact");
    is_int(count_entries(".fio-stash"), 0, "...no stash left");
    is_int(count_entries("dump.rdb.tmp"), 0, "...no temp file either (its create was not durable)");
    wipe_dir();
}

/* ---- the power-loss model ------------------------------------------------ */

static int open_tracked(const char *name, int flags) {
    return fio_open(P(name), flags, 0644);
}

static void test_powerloss_data(void) {
    put(P("log"), "durable|");
    sync_dir_plain();
    fio_fault_install();
    fio_fault_track(1);
    int fd = open_tracked("log", O_WRONLY | O_APPEND);
    fio_write_all(fd, "synced|", 7);
    fio_fdatasync(fd);
    is_int(fio_fault_unsynced_bytes(), 0, "after fdatasync nothing is unsynced");
    fio_write_all(fd, "lost1|", 6);
    fio_write_all(fd, "lost2|", 6);
    is_int(fio_fault_unsynced_bytes(), 12, "12 unsynced bytes");
    is_str(get(P("log")), "durable|synced|lost1|lost2|", "before the crash the page cache shows all");
    is_int(fio_fault_crash(FIO_CRASH_DROP, 1), 0, "crash");
    fio_close(fd);
    is_str(get(P("log")), "durable|synced|", "unsynced appends are dropped");
    is_int(fio_fault_unsynced_bytes(), 0, "model empty after the crash");

    /* overwrite in the middle, then extend, then truncate: all undone */
    fio_fault_track(1);
    fd = open_tracked("log", O_RDWR);
    fio_pwrite_all(fd, "XXXXXXX", 7, 4);
    fio_pwrite_all(fd, "tail-tail", 9, 15);
    fio_ftruncate(fd, 3);
    fio_pwrite_all(fd, "ZZ", 2, 1);
    fio_fault_crash(FIO_CRASH_DROP, 2);
    fio_close(fd);
    is_str(get(P("log")), "durable|synced|", "overwrite + extend + truncate + overwrite undone");

    /* O_TRUNC of an existing file is undone too */
    fio_fault_track(1);
    fd = open_tracked("log", O_WRONLY | O_TRUNC);
    fio_write_all(fd, "new", 3);
    fio_fault_crash(FIO_CRASH_DROP, 3);
    fio_close(fd);
    is_str(get(P("log")), "durable|synced|", "open(O_TRUNC) + write undone");

    /* synced changes survive, including a synced truncate */
    fio_fault_track(1);
    fd = open_tracked("log", O_RDWR);
    fio_ftruncate(fd, 7);
    fio_fsync(fd);
    fio_pwrite_all(fd, "!!", 2, 0);
    fio_fault_crash(FIO_CRASH_DROP, 4);
    fio_close(fd);
    is_str(get(P("log")), "durable", "synced truncate stays, later write dropped");

    /* fsync through another descriptor of the same inode counts */
    fio_fault_track(1);
    fd = open_tracked("log", O_WRONLY | O_APPEND);
    int fd2 = open_tracked("log", O_RDONLY);
    fio_write_all(fd, "+more", 5);
    fio_fsync(fd2);
    fio_fault_crash(FIO_CRASH_DROP, 5);
    fio_close(fd);
    fio_close(fd2);
    is_str(get(P("log")), "durable+more", "fsync on another fd of the inode makes it durable");
    fio_fault_uninstall();
    wipe_dir();
}

static void test_powerloss_tear(void) {
    put(P("aof"), "HEAD");
    sync_dir_plain();
    const char *tail = "0123456789abcdefghijklmnopqrstuvwxyz";
    int prefix_ok = 1, partial = 0, none = 0, all = 0;
    for (unsigned long seed = 1; seed <= 200; seed++) {
        fio_fault_install();
        fio_fault_track(1);
        int fd = open_tracked("aof", O_WRONLY | O_APPEND);
        for (int i = 0; i < 6; i++) fio_write_all(fd, tail + 6 * i, 6);
        fio_fault_crash(FIO_CRASH_TEAR, seed);
        fio_close(fd);
        fio_fault_uninstall();
        const char *got = get(P("aof"));
        size_t n = strlen(got);
        if (n < 4 || memcmp(got, "HEAD", 4) != 0 || memcmp(got + 4, tail, n - 4) != 0) prefix_ok = 0;
        if (n == 4) none++;
        else if (n == 40) all++;
        else partial++;
        put(P("aof"), "HEAD");
    }
    ok(prefix_ok, "TEAR always leaves the synced part plus a prefix of the unsynced appends");
    ok(partial > 100 && none > 0 && all > 0, "tears vary: %d torn, %d none kept, %d all kept", partial, none, all);
    int same = 1;
    for (int k = 0; k < 2; k++) {
        fio_fault_install();
        fio_fault_track(1);
        int fd = open_tracked("aof", O_WRONLY | O_APPEND);
        fio_write_all(fd, tail, 36);
        fio_fault_crash(FIO_CRASH_TEAR, 42);
        fio_close(fd);
        fio_fault_uninstall();
        static char first[64];
        if (k == 0) snprintf(first, sizeof first, "%s", get(P("aof")));
        else same = strcmp(first, get(P("aof"))) == 0;
        put(P("aof"), "HEAD");
    }
    ok(same, "the same seed gives the same tear");
    wipe_dir();
}

static void test_powerloss_lost_pages(void) {
    put(P("aof"), "AAAA");
    sync_dir_plain();
    fio_fault_install();
    fio_fault_track(1);
    int fd = open_tracked("aof", O_WRONLY | O_APPEND);
    fio_write_all(fd, "BBBB", 4);
    fio_fault_fail(FIO_OP_FDATASYNC, 1, 1, EIO);
    is_int(fio_fdatasync(fd), -EIO, "fdatasync fails");
    fio_write_all(fd, "CCCC", 4);
    is_int(fio_fdatasync(fd), 0, "the next fdatasync succeeds");
    fio_fault_crash(FIO_CRASH_DROP, 1);
    fio_close(fd);
    is_mem(get(P("aof")), 12, "AAAA\0\0\0\0CCCC", 12, "bytes that failed their fsync are lost despite the later success");

    /* the fix: rewrite the range after a failed fsync */
    put(P("aof"), "AAAA");
    fio_fault_track(1);
    fd = open_tracked("aof", O_RDWR);
    fio_pwrite_all(fd, "BBBB", 4, 4);
    fio_fault_fail(FIO_OP_FSYNC, 1, 1, EIO);
    fio_fsync(fd);
    fio_ftruncate(fd, 4); /* what the AOF does: truncate back ... */
    fio_pwrite_all(fd, "BBBB", 4, 4); /* ... and write again from its buffer */
    fio_fsync(fd);
    fio_fault_crash(FIO_CRASH_DROP, 2);
    fio_close(fd);
    is_str(get(P("aof")), "AAAABBBB", "rewritten after the failed fsync: durable");

    /* rewriting part of a lost range in place saves just that part */
    put(P("aof"), "AAAA");
    fio_fault_track(1);
    fd = open_tracked("aof", O_RDWR);
    fio_pwrite_all(fd, "BBBBBBBB", 8, 4);
    fio_fault_fail(FIO_OP_FSYNC, 1, 1, EIO);
    fio_fsync(fd);
    fio_pwrite_all(fd, "CC", 2, 7);
    fio_fsync(fd);
    fio_fault_crash(FIO_CRASH_DROP, 3);
    fio_close(fd);
    is_mem(get(P("aof")), 12, "AAAA\0\0\0CC\0\0\0", 12, "only the rewritten middle of a lost range survives");
    fio_fault_uninstall();
    wipe_dir();
}

static void test_powerloss_names(void) {
    fio_fault_install();
    fio_fault_track(1);
    /* create without a directory fsync: gone */
    int fd = open_tracked("new1", O_WRONLY | O_CREAT | O_EXCL);
    fio_write_all(fd, "data", 4);
    fio_fsync(fd);
    fio_close(fd);
    is_int(fio_fault_unsynced_names(), 1, "one unsynced name");
    fio_fault_crash(FIO_CRASH_DROP, 1);
    is_str(get(P("new1")), "<missing>", "a created file whose directory was not synced vanishes");

    /* directory synced, data not: an empty file */
    fio_fault_track(1);
    fd = open_tracked("new2", O_WRONLY | O_CREAT | O_EXCL);
    fio_fsync_dir(dir);
    fio_write_all(fd, "data", 4);
    fio_close(fd);
    fio_fault_crash(FIO_CRASH_DROP, 2);
    is_str(get(P("new2")), "", "name durable, data not: an empty file");

    /* unlink undone; durable once the directory is synced */
    put(P("keep"), "kept");
    put(P("gone"), "gone");
    sync_dir_plain();
    fio_fault_track(1);
    is_int(fio_unlink(P("keep")), 0, "unlink");
    is_str(get(P("keep")), "<missing>", "unlinked");
    int hidden = 1;
    DIR *d = fio_opendir(dir, NULL);
    struct dirent *e;
    while ((e = fio_readdir(d)))
        if (strncmp(e->d_name, ".fio-stash", 10) == 0) hidden = 0;
    fio_closedir(d);
    ok(hidden, "fio_readdir hides the stash");
    is_int(count_entries(".fio-stash"), 1, "(the stash exists on disk)");
    fio_fault_crash(FIO_CRASH_DROP, 3);
    is_str(get(P("keep")), "kept", "an unsynced unlink is undone by a crash");
    fio_fault_track(1);
    fio_unlink(P("gone"));
    fio_fsync_dir(dir);
    is_int(count_entries(".fio-stash"), 0, "dir fsync commits the unlink (stash removed)");
    fio_fault_crash(FIO_CRASH_DROP, 4);
    is_str(get(P("gone")), "<missing>", "a synced unlink survives the crash");

    /* rename over an existing file, without and with the dir fsync */
    put(P("final"), "old");
    put(P("tmp"), "new");
    sync_dir_plain();
    fio_fault_track(1);
    fio_rename(P("tmp"), P("final"));
    is_str(get(P("final")), "new", "renamed");
    fio_fault_crash(FIO_CRASH_DROP, 5);
    is_str(get(P("final")), "old", "an unsynced rename is undone: the old file is back");
    is_str(get(P("tmp")), "new", "...and the source name too");
    fio_fault_track(1);
    fio_rename(P("tmp"), P("final"));
    fio_fsync_dir(dir);
    fio_fault_crash(FIO_CRASH_DROP, 6);
    is_str(get(P("final")), "new", "a synced rename survives");
    is_str(get(P("tmp")), "<missing>", "...the source name is gone");

    /* rename across directories needs both synced */
    fio_fault_track(1);
    fio_mkdir(P("d1"), 0755);
    fio_fsync_dir(dir);
    put(P("d1/f"), "moved");
    sync_dir_plain();
    fio_rename(P("d1/f"), P("f2"));
    fio_fsync_dir(dir);
    is_int(fio_fault_unsynced_names(), 1, "a cross-dir rename waits for its second directory");
    fio_fsync_dir(P("d1"));
    is_int(fio_fault_unsynced_names(), 0, "both synced: durable");

    /* a directory fsynced through an fd counts too */
    fd = open_tracked("viafd", O_WRONLY | O_CREAT);
    fio_close(fd);
    is_int(fio_fault_unsynced_names(), 1, "create pending");
    int dfd = fio_open(dir, O_RDONLY | O_DIRECTORY, 0);
    is_int(fio_fsync(dfd), 0, "fsync of a directory fd");
    fio_close(dfd);
    is_int(fio_fault_unsynced_names(), 0, "...makes its names durable");

    /* mkdir undone, with what was created inside */
    fio_mkdir(P("d2"), 0755);
    fd = open_tracked("d2/inner", O_WRONLY | O_CREAT);
    fio_close(fd);
    fio_fsync_dir(P("d2"));
    fio_fault_crash(FIO_CRASH_DROP, 7);
    ok(fsize(P("d2")) < 0, "an unsynced mkdir is undone with its contents");
    ok(fsize(P("d1")) >= 0, "a synced mkdir stays");

    /* relative paths still undo after a chdir */
    char cwd[PATH_MAX];
    ok(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    ok(chdir(dir) == 0, "chdir into the scratch dir");
    fio_fault_track(1);
    fd = fio_open("rel", O_WRONLY | O_CREAT, 0644);
    fio_close(fd);
    ok(chdir("/") == 0, "chdir away");
    fio_fault_crash(FIO_CRASH_DROP, 8);
    ok(chdir(cwd) == 0, "chdir back");
    is_str(get(P("rel")), "<missing>", "relative create undone after a chdir");

    /* uninstall makes everything durable */
    put(P("u"), "u");
    sync_dir_plain();
    fio_fault_track(1);
    fio_unlink(P("u"));
    fio_fault_uninstall();
    is_int(count_entries(".fio-stash"), 0, "uninstall removes stashes (as if synced)");
    is_str(get(P("u")), "<missing>", "...and keeps the unlink");
    wipe_dir();
}

/* ---- crash points ------------------------------------------------------- */

struct hook_log {
    unsigned long n;
    int ops[64];
};

static void hook(enum fio_op op, unsigned long point, void *arg) {
    struct hook_log *h = arg;
    if (h->n < 64) h->ops[h->n] = op;
    h->n++;
}

static void test_crash_sweep(void) {
    put(P("dump.rdb"), "OLD");
    sync_dir_plain();
    struct hook_log h = {0};
    fio_fault_install();
    fio_fault_set_hook(hook, &h);
    fio_write_file_durably(P("dump.rdb"), "NEW-FILE-CONTENT", 16);
    unsigned long points = fio_fault_points();
    fio_fault_uninstall();
    is_int(h.n, points, "the hook saw every crash point (%lu)", points);
    ok(points >= 5 && h.ops[0] == FIO_OP_OPEN && h.ops[points - 1] == FIO_OP_FSYNC_DIR,
       "points run from the temp create to the dir fsync");

    int bad = 0;
    for (int mode = FIO_CRASH_DROP; mode <= FIO_CRASH_TEAR; mode++) {
        for (unsigned long k = 1; k <= points + 1; k++) {
            put(P("dump.rdb"), "OLD");
            sync_dir_plain();
            pid_t pid = fork();
            if (pid == 0) {
                fio_fault_install();
                fio_fault_track(1);
                fio_fault_crash_at(k, (enum fio_crash_mode)mode, k);
                int r = fio_write_file_durably(P("dump.rdb"), "NEW-FILE-CONTENT", 16);
                _exit(r == 0 ? 0 : 1);
            }
            int status = 0;
            waitpid(pid, &status, 0);
            int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            const char *got = get(P("dump.rdb"));
            int crashed = code == FIO_FAULT_CRASH_EXIT;
            int good = crashed ? (strcmp(got, "OLD") == 0 || strcmp(got, "NEW-FILE-CONTENT") == 0)
                               : (code == 0 && strcmp(got, "NEW-FILE-CONTENT") == 0);
            if (k == points) good = good && crashed && strcmp(got, "NEW-FILE-CONTENT") == 0;
            if (k < points - 1 && crashed && strcmp(got, "OLD") != 0) good = 0; /* before the dir fsync */
            if (!good) {
                bad++;
                diag("mode %d point %lu: exit %d, content \"%s\"", mode, k, code, got);
            }
            if (count_entries(".fio-stash") || (!crashed && count_entries("dump.rdb.tmp"))) {
                bad++;
                diag("mode %d point %lu: leftovers", mode, k);
            }
            wipe_dir();
        }
    }
    is_int(bad, 0, "crash at every point of the durable replace (drop and tear): dump.rdb is OLD or NEW, "
                   "NEW once the dir fsync returned");
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/strata-fio-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_wrappers();
    test_paths();
    test_write_file_durably();
    test_fail_rules();
    test_short_and_slow();
    test_replace_failures();
    test_powerloss_data();
    test_powerloss_tear();
    test_powerloss_lost_pages();
    test_powerloss_names();
    test_crash_sweep();
    nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return done_testing();
}
