/*
 * rdb/fio_fault.c — the fault-injecting fio table (see fio_fault.h for
 * what it models and its limits).
 *
 * Layout.  One static state S under one mutex: call counters and rules,
 * the data model (an array of struct ffile, one per inode with unsynced
 * changes, each holding its own O_RDWR descriptor and an undo log), and
 * the name model (an ordered array of struct nsop).  The ff_* functions
 * are the table entries; each counts the call, applies rules, performs the
 * real libc call (fio_ops_default(), never fio_* — no recursion), updates
 * the model, then reports the crash point outside the lock.
 *
 * Invariants of the model (checked by tests/unit/test_fio.c):
 *   (1) For every inode with an ffile, undoing its log u[nu-1] .. u[0]
 *       turns the real file into its content at its last successful sync.
 *       Hence every change is logged with the size before it and the bytes
 *       it destroyed, and the log is dropped only on a successful sync.
 *   (2) lost[] ranges lie inside the file; a later write subtracts its
 *       range, a truncate clips them.  They survive successful syncs.
 *   (3) ns[] is in the order the changes happened; an entry leaves it only
 *       when every directory it touched was fsynced after it (its stash is
 *       then unlinked), at a crash, or when tracking stops.
 *   (4) Undo runs newest first, so each step restores exactly the state
 *       the logged change started from.
 *   (5) A stash name exists on disk exactly while its nsop is in ns[].
 */
#include "rdb/fio_fault.h"

#include "engine/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_RULES 32
#define STASH_PREFIX ".fio-stash-"
#define R (fio_ops_default())

struct rule {
    enum fio_op op;
    unsigned long from, to; /* call numbers, inclusive; to 0 = no end */
    int err;                /* errno to inject, or 0 for a short rule */
    size_t maxb;            /* short rule: bytes per call */
};

enum undo_kind { U_WRITE, U_TRUNC };
struct undo {
    enum undo_kind kind;
    uint64_t off, len;  /* write: the range written; trunc: new size, bytes cut */
    uint64_t old_size;  /* file size before the change */
    unsigned char *pre; /* bytes destroyed, from off (may be NULL) */
    size_t prelen;
};

struct range {
    uint64_t lo, hi;
};

struct ffile {
    dev_t dev;
    ino_t ino;
    int rfd; /* ours: O_RDWR (or a dup), closed when the record goes */
    struct undo *u;
    size_t nu, capu;
    struct range *lost;
    size_t nlost, caplost;
};

enum ns_kind { NS_CREATE, NS_RENAME, NS_UNLINK, NS_MKDIR };
struct dkey {
    dev_t dev;
    ino_t ino;
};
struct nsop {
    enum ns_kind kind;
    char *a, *b;  /* absolute paths: the name (rename: from, to) */
    char *stash;  /* where the replaced/removed file waits, or NULL */
    int was_dir;  /* rename replaced an (empty) directory */
    struct dkey d1, d2;
    int need;     /* bit 1: d1 not yet synced, bit 2: d2 not yet synced */
};

static struct {
    pthread_mutex_t mu;
    int installed;
    const struct fio_ops *prev;
    unsigned long calls[FIO_OP__COUNT];
    unsigned long injected;
    struct rule rules[MAX_RULES];
    int nrules;
    unsigned delay_ms;
    int track;
    struct ffile *files;
    size_t nfiles, capfiles;
    struct nsop *ns;
    size_t nns, capns;
    unsigned long stash_seq;
    unsigned long points;
    fio_fault_hook hook;
    void *hook_arg;
    unsigned long crash_at;
    enum fio_crash_mode crash_mode;
    unsigned long crash_seed;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void lock(void) { pthread_mutex_lock(&S.mu); }
static void unlock(void) { pthread_mutex_unlock(&S.mu); }

static void *grow(void *p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return p;
    size_t n = *cap ? *cap * 2 : 8;
    while (n < need) n *= 2;
    *cap = n;
    return mem_realloc(p, n * elem);
}

/* ---- rules and crash points ------------------------------------------- */

/* Count a call of op; return the errno to inject (0 = none) and lower
 * *limit (may be NULL) by matching short rules.  Under the lock. */
static int rules_check(enum fio_op op, size_t *limit) {
    unsigned long n = ++S.calls[op];
    for (int i = 0; i < S.nrules; i++) {
        struct rule *r = &S.rules[i];
        if (r->op != op || n < r->from || (r->to && n > r->to)) continue;
        if (r->err) {
            S.injected++;
            return r->err;
        }
        if (limit && r->maxb < *limit) {
            *limit = r->maxb;
            S.injected++;
        }
    }
    return 0;
}

/* A crash point has passed (called without the lock). */
static void point_passed(enum fio_op op) {
    lock();
    unsigned long p = ++S.points, at = S.crash_at, seed = S.crash_seed;
    enum fio_crash_mode mode = S.crash_mode;
    fio_fault_hook fn = S.hook;
    void *arg = S.hook_arg;
    unlock();
    if (at && p == at) {
        fio_fault_crash(mode, seed);
        _exit(FIO_FAULT_CRASH_EXIT);
    }
    if (fn) fn(op, p, arg);
}

static void sleep_ms(unsigned ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* ---- data model (all under the lock) ----------------------------------- */

static struct ffile *file_find(dev_t dev, ino_t ino) {
    for (size_t i = 0; i < S.nfiles; i++)
        if (S.files[i].dev == dev && S.files[i].ino == ino) return &S.files[i];
    return NULL;
}

/* The record for fd's inode, created on first use; NULL if we cannot hold
 * a descriptor (the change then goes unmodelled). */
static struct ffile *file_get(int fd, const struct stat *st) {
    struct ffile *f = file_find(st->st_dev, st->st_ino);
    if (f) return f;
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int rfd = R->open(proc, O_RDWR | O_CLOEXEC, 0); /* read access even if fd is O_WRONLY */
    if (rfd < 0) rfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (rfd < 0) return NULL;
    S.files = grow(S.files, &S.capfiles, S.nfiles + 1, sizeof *S.files);
    f = &S.files[S.nfiles++];
    memset(f, 0, sizeof *f);
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->rfd = rfd;
    return f;
}

static void file_clear_undo(struct ffile *f) {
    for (size_t i = 0; i < f->nu; i++) mem_free(f->u[i].pre);
    f->nu = 0;
}

static void file_release(size_t i) {
    struct ffile *f = &S.files[i];
    file_clear_undo(f);
    mem_free(f->u);
    mem_free(f->lost);
    R->close(f->rfd);
    S.files[i] = S.files[--S.nfiles];
}

static void file_release_if_clean(struct ffile *f) {
    if (f->nu == 0 && f->nlost == 0) file_release((size_t)(f - S.files));
}

static void undo_push(struct ffile *f, enum undo_kind kind, uint64_t off, uint64_t len,
                      uint64_t old_size, unsigned char *pre, size_t prelen) {
    f->u = grow(f->u, &f->capu, f->nu + 1, sizeof *f->u);
    f->u[f->nu++] = (struct undo){kind, off, len, old_size, pre, prelen};
}

/* Read len bytes at off through our descriptor; NULL (and *got 0) if none. */
static unsigned char *read_pre(int rfd, uint64_t off, size_t len, size_t *got) {
    *got = 0;
    if (len == 0) return NULL;
    unsigned char *p = mem_alloc(len);
    while (*got < len) {
        ssize_t r = R->pread(rfd, p + *got, len - *got, (off_t)(off + *got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        *got += (size_t)r;
    }
    if (*got == 0) {
        mem_free(p);
        return NULL;
    }
    return p;
}

static void lost_add(struct ffile *f, uint64_t lo, uint64_t hi) {
    if (lo >= hi) return;
    f->lost = grow(f->lost, &f->caplost, f->nlost + 1, sizeof *f->lost);
    f->lost[f->nlost++] = (struct range){lo, hi};
}

/* Remove [lo, hi) from every lost range (it was rewritten). */
static void lost_subtract(struct ffile *f, uint64_t lo, uint64_t hi) {
    size_t n = f->nlost;
    for (size_t i = 0; i < n;) {
        struct range r = f->lost[i];
        if (r.hi <= lo || r.lo >= hi) {
            i++;
            continue;
        }
        f->lost[i] = f->lost[--n]; /* drop it, re-add the pieces outside */
        f->nlost = n;
        if (r.lo < lo) lost_add(f, r.lo, lo);
        if (r.hi > hi) lost_add(f, hi, r.hi);
        n = f->nlost;
    }
}

static void lost_clip(struct ffile *f, uint64_t size) { lost_subtract(f, size, UINT64_MAX); }

/* A write of n bytes at off (or at the fd's position when !positional),
 * logged per invariant (1). */
static ssize_t tracked_write(int fd, const void *buf, size_t n, off_t off, int positional) {
    struct stat st;
    uint64_t at;
    if (!S.track || R->fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) goto plain;
    if (positional) {
        at = (uint64_t)off;
    } else {
        int fl = fcntl(fd, F_GETFL);
        off_t pos = lseek(fd, 0, SEEK_CUR);
        if (fl >= 0 && (fl & O_APPEND)) at = (uint64_t)st.st_size;
        else if (pos >= 0) at = (uint64_t)pos;
        else goto plain;
    }
    struct ffile *f = file_get(fd, &st);
    if (!f) goto plain;
    uint64_t old = (uint64_t)st.st_size;
    size_t overlap = at < old ? (size_t)(old - at < n ? old - at : n) : 0, prelen;
    unsigned char *pre = read_pre(f->rfd, at, overlap, &prelen);
    ssize_t r = positional ? R->pwrite(fd, buf, n, off) : R->write(fd, buf, n);
    int saved = errno;
    if (r > 0) {
        if (prelen > (size_t)r) prelen = (size_t)r;
        undo_push(f, U_WRITE, at, (uint64_t)r, old, pre, prelen);
        pre = NULL;
        lost_subtract(f, at, at + (uint64_t)r);
    }
    mem_free(pre);
    if (r <= 0) file_release_if_clean(f);
    errno = saved;
    return r;
plain:
    return positional ? R->pwrite(fd, buf, n, off) : R->write(fd, buf, n);
}

static int tracked_ftruncate(int fd, off_t len) {
    struct stat st;
    struct ffile *f;
    if (!S.track || R->fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(f = file_get(fd, &st)))
        return R->ftruncate(fd, len);
    uint64_t old = (uint64_t)st.st_size, nl = (uint64_t)len;
    size_t prelen = 0;
    unsigned char *pre = nl < old ? read_pre(f->rfd, nl, (size_t)(old - nl), &prelen) : NULL;
    int r = R->ftruncate(fd, len);
    int saved = errno;
    if (r == 0) {
        undo_push(f, U_TRUNC, nl, nl < old ? old - nl : 0, old, pre, prelen);
        pre = NULL;
        lost_clip(f, nl);
    }
    mem_free(pre);
    if (r != 0) file_release_if_clean(f);
    errno = saved;
    return r;
}

static void names_synced(const struct stat *st);

/* fsync of fd succeeded: everything logged for its inode is durable (for a
 * directory: the names in it). */
static void file_synced(int fd) {
    struct stat st;
    struct ffile *f;
    if (R->fstat(fd, &st) < 0) return;
    if (S_ISDIR(st.st_mode)) {
        names_synced(&st);
        return;
    }
    if (!(f = file_find(st.st_dev, st.st_ino))) return;
    file_clear_undo(f);
    file_release_if_clean(f);
}

/* fsync of fd failed: what was unsynced is lost (Linux drops the pages). */
static void file_sync_failed(int fd) {
    struct stat st;
    struct ffile *f;
    if (R->fstat(fd, &st) < 0 || !(f = file_find(st.st_dev, st.st_ino))) return;
    for (size_t i = 0; i < f->nu; i++)
        if (f->u[i].kind == U_WRITE) lost_add(f, f->u[i].off, f->u[i].off + f->u[i].len);
    file_clear_undo(f);
    struct stat now;
    if (R->fstat(f->rfd, &now) == 0) lost_clip(f, (uint64_t)now.st_size);
    file_release_if_clean(f);
}

/* ---- name model (under the lock) ---------------------------------------- */

static char *abs_path(const char *p) {
    char cwd[PATH_MAX];
    if (p[0] == '/' || !getcwd(cwd, sizeof cwd)) return mem_strdup(p);
    size_t n = strlen(cwd) + strlen(p) + 2;
    char *s = mem_alloc(n);
    snprintf(s, n, "%s/%s", cwd, p);
    return s;
}

static int dir_key(const char *path, struct dkey *k) {
    char d[PATH_MAX];
    struct stat st;
    if (fio_dirname(path, d, sizeof d) < 0 || R->stat(d, &st) < 0) return -1;
    k->dev = st.st_dev;
    k->ino = st.st_ino;
    return 0;
}

static char *stash_name(const char *abs_target) {
    char d[PATH_MAX];
    if (fio_dirname(abs_target, d, sizeof d) < 0) return NULL;
    size_t n = strlen(d) + sizeof STASH_PREFIX + 48;
    char *s = mem_alloc(n);
    snprintf(s, n, "%s/" STASH_PREFIX "%ld-%lu", d, (long)getpid(), ++S.stash_seq);
    return s;
}

static void ns_push(enum ns_kind kind, char *a, char *b, char *stash, int was_dir) {
    struct nsop op = {.kind = kind, .a = a, .b = b, .stash = stash, .was_dir = was_dir, .need = 1};
    if (dir_key(a, &op.d1) < 0) op.need = 0;
    if (b) {
        if (dir_key(b, &op.d2) == 0 && (op.d2.dev != op.d1.dev || op.d2.ino != op.d1.ino)) op.need |= 2;
    }
    if (!op.need) op.need = 1; /* unknown directory: only a crash or stop removes it */
    S.ns = grow(S.ns, &S.capns, S.nns + 1, sizeof *S.ns);
    S.ns[S.nns++] = op;
}

static void ns_free(struct nsop *op) {
    mem_free(op->a);
    mem_free(op->b);
    mem_free(op->stash);
}

/* The change became durable (or survived a crash): drop the stash. */
static void ns_commit(struct nsop *op) {
    if (op->stash) R->unlink(op->stash);
    ns_free(op);
}

static void ns_remove(size_t i) {
    memmove(&S.ns[i], &S.ns[i + 1], (S.nns - i - 1) * sizeof *S.ns);
    S.nns--;
}

/* The directory (dev, ino) of st was fsynced: its entries are durable. */
static void names_synced(const struct stat *st) {
    for (size_t i = 0; i < S.nns;) {
        struct nsop *op = &S.ns[i];
        if (op->d1.dev == st->st_dev && op->d1.ino == st->st_ino) op->need &= ~1;
        if (op->d2.dev == st->st_dev && op->d2.ino == st->st_ino) op->need &= ~2;
        if (op->need == 0) {
            ns_commit(op);
            ns_remove(i);
        } else {
            i++;
        }
    }
}

/* ---- crash ------------------------------------------------------------- */

static uint64_t rnd_next(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int keep_err(int err, int r) { return err ? err : (r < 0 ? -errno : 0); }

static int pwrite_full(int fd, const unsigned char *p, size_t n, uint64_t off) {
    while (n) {
        ssize_t r = R->pwrite(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

/* Undo one change; for a write keep its first `keep` bytes (invariant 4). */
static int undo_one(struct ffile *f, const struct undo *u, uint64_t keep) {
    int err = 0;
    if (u->kind == U_WRITE) {
        if (u->prelen > keep) err = keep_err(err, pwrite_full(f->rfd, u->pre + keep, u->prelen - keep, u->off + keep));
        uint64_t size = u->old_size;
        if (keep && u->off + keep > size) size = u->off + keep;
        err = keep_err(err, R->ftruncate(f->rfd, (off_t)size));
    } else {
        err = keep_err(err, R->ftruncate(f->rfd, (off_t)u->old_size));
        if (u->prelen) err = keep_err(err, pwrite_full(f->rfd, u->pre, u->prelen, u->off));
    }
    return err;
}

static int zero_fill(int fd, uint64_t lo, uint64_t hi) {
    static const unsigned char zeros[4096];
    while (lo < hi) {
        size_t n = hi - lo < sizeof zeros ? (size_t)(hi - lo) : sizeof zeros;
        if (pwrite_full(fd, zeros, n, lo) < 0) return -1;
        lo += n;
    }
    return 0;
}

static int crash_file(struct ffile *f, enum fio_crash_mode mode, uint64_t *rs) {
    int err = 0;
    size_t k = 0; /* u[0..k) survive whole */
    uint64_t p = 0; /* bytes of u[k] that survive */
    if (mode == FIO_CRASH_TEAR && f->nu) {
        k = (size_t)(rnd_next(rs) % (f->nu + 1));
        if (k < f->nu && f->u[k].kind == U_WRITE && f->u[k].len) p = rnd_next(rs) % f->u[k].len;
    }
    for (size_t i = f->nu; i-- > k;) err = keep_err(err, undo_one(f, &f->u[i], i == k ? p : 0));
    struct stat st;
    if (f->nlost && R->fstat(f->rfd, &st) == 0) {
        for (size_t i = 0; i < f->nlost; i++) {
            uint64_t hi = f->lost[i].hi < (uint64_t)st.st_size ? f->lost[i].hi : (uint64_t)st.st_size;
            if (f->lost[i].lo < hi) err = keep_err(err, zero_fill(f->rfd, f->lost[i].lo, hi));
        }
    }
    return err;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)remove(path); /* best effort: keep walking */
    return 0;
}

static int undo_name(const struct nsop *op) {
    int err = 0;
    switch (op->kind) {
    case NS_CREATE:
        if (R->unlink(op->a) < 0 && errno != ENOENT) err = -errno;
        break;
    case NS_MKDIR:
        nftw(op->a, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        break;
    case NS_RENAME:
        err = keep_err(err, R->rename(op->b, op->a));
        if (op->stash) err = keep_err(err, R->rename(op->stash, op->b));
        else if (op->was_dir) err = keep_err(err, R->mkdir(op->b, 0755));
        break;
    case NS_UNLINK:
        if (op->stash) err = keep_err(err, R->rename(op->stash, op->a));
        break;
    }
    return err;
}

/* ---- teardown helpers (under the lock) ------------------------------ */

static void forget_all(void) {
    while (S.nfiles) file_release(S.nfiles - 1);
    for (size_t i = 0; i < S.nns; i++) ns_commit(&S.ns[i]);
    S.nns = 0;
    mem_free(S.files);
    mem_free(S.ns);
    S.files = NULL;
    S.ns = NULL;
    S.capfiles = S.capns = 0;
}

/* ---- the table --------------------------------------------------------- */

static int is_creating_open(int flags) { return (flags & (O_CREAT | O_TRUNC)) != 0; }

static int ff_open(const char *path, int flags, mode_t mode) {
    struct stat st;
    int err, fd, saved;
    lock();
    if ((err = rules_check(FIO_OP_OPEN, NULL))) {
        fd = -1;
        saved = err;
        goto out;
    }
    if (!S.track) {
        fd = R->open(path, flags, mode);
        saved = errno;
        goto out;
    }
    int existed = stat(path, &st) == 0;
    int acc = flags & O_ACCMODE;
    int trunc = (flags & O_TRUNC) && existed && S_ISREG(st.st_mode) && st.st_size > 0 && acc != O_RDONLY;
    fd = R->open(path, trunc ? flags & ~O_TRUNC : flags, mode);
    saved = errno;
    if (fd < 0) goto out;
    if (!existed && (flags & O_CREAT)) ns_push(NS_CREATE, abs_path(path), NULL, NULL, 0);
    if (trunc && tracked_ftruncate(fd, 0) < 0) {
        saved = errno;
        R->close(fd);
        fd = -1;
    }
out:
    unlock();
    if (is_creating_open(flags)) point_passed(FIO_OP_OPEN);
    errno = saved;
    return fd;
}

static int ff_close(int fd) {
    lock();
    int err = rules_check(FIO_OP_CLOSE, NULL);
    unlock();
    if (err) {
        R->close(fd); /* like Linux: the descriptor is gone even on error */
        errno = err;
        return -1;
    }
    return R->close(fd);
}

static ssize_t ff_read(int fd, void *buf, size_t n) {
    lock();
    int err = rules_check(FIO_OP_READ, &n);
    unlock();
    if (err) {
        errno = err;
        return -1;
    }
    return R->read(fd, buf, n);
}

static ssize_t ff_pread(int fd, void *buf, size_t n, off_t off) {
    lock();
    int err = rules_check(FIO_OP_PREAD, &n);
    unlock();
    if (err) {
        errno = err;
        return -1;
    }
    return R->pread(fd, buf, n, off);
}

static ssize_t ff_write_common(enum fio_op op, int fd, const void *buf, size_t n, off_t off) {
    ssize_t r;
    int saved;
    lock();
    int err = rules_check(op, &n);
    if (err) {
        r = -1;
        saved = err;
    } else {
        r = tracked_write(fd, buf, n, off, op == FIO_OP_PWRITE);
        saved = errno;
    }
    unlock();
    point_passed(op);
    errno = saved;
    return r;
}

static ssize_t ff_write(int fd, const void *buf, size_t n) {
    return ff_write_common(FIO_OP_WRITE, fd, buf, n, 0);
}

static ssize_t ff_pwrite(int fd, const void *buf, size_t n, off_t off) {
    return ff_write_common(FIO_OP_PWRITE, fd, buf, n, off);
}

static off_t ff_lseek(int fd, off_t off, int whence) {
    lock();
    int err = rules_check(FIO_OP_LSEEK, NULL);
    unlock();
    if (err) {
        errno = err;
        return -1;
    }
    return R->lseek(fd, off, whence);
}

static void fsync_delay(void) {
    lock();
    unsigned ms = S.delay_ms;
    unlock();
    if (ms) sleep_ms(ms);
}

static int ff_sync_common(enum fio_op op, int fd) {
    int r, saved;
    fsync_delay();
    lock();
    int err = rules_check(op, NULL);
    if (err) {
        if (S.track) file_sync_failed(fd);
        r = -1;
        saved = err;
    } else {
        r = op == FIO_OP_FSYNC ? R->fsync(fd) : R->fdatasync(fd);
        saved = errno;
        if (S.track) {
            if (r == 0) file_synced(fd);
            else file_sync_failed(fd);
        }
    }
    unlock();
    point_passed(op);
    errno = saved;
    return r;
}

static int ff_fsync(int fd) { return ff_sync_common(FIO_OP_FSYNC, fd); }
static int ff_fdatasync(int fd) { return ff_sync_common(FIO_OP_FDATASYNC, fd); }

static int ff_ftruncate(int fd, off_t len) {
    int r, saved;
    lock();
    int err = rules_check(FIO_OP_FTRUNCATE, NULL);
    if (err) {
        r = -1;
        saved = err;
    } else {
        r = tracked_ftruncate(fd, len);
        saved = errno;
    }
    unlock();
    point_passed(FIO_OP_FTRUNCATE);
    errno = saved;
    return r;
}

static int ff_rename(const char *from, const char *to) {
    int r, saved;
    struct stat st;
    lock();
    int err = rules_check(FIO_OP_RENAME, NULL);
    if (err) {
        r = -1;
        saved = err;
        goto out;
    }
    if (!S.track) {
        r = R->rename(from, to);
        saved = errno;
        goto out;
    }
    char *a = abs_path(from), *b = abs_path(to), *stash = NULL;
    int was_dir = 0;
    if (lstat(b, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            was_dir = 1;
        } else if ((stash = stash_name(b)) && link(b, stash) < 0) {
            mem_free(stash); /* cannot keep the old file: its loss is not undoable */
            stash = NULL;
        }
    }
    r = R->rename(from, to);
    saved = errno;
    if (r == 0) {
        ns_push(NS_RENAME, a, b, stash, was_dir);
    } else {
        if (stash) R->unlink(stash);
        mem_free(a);
        mem_free(b);
        mem_free(stash);
    }
out:
    unlock();
    point_passed(FIO_OP_RENAME);
    errno = saved;
    return r;
}

static int ff_unlink(const char *path) {
    int r, saved;
    struct stat st;
    lock();
    int err = rules_check(FIO_OP_UNLINK, NULL);
    if (err) {
        r = -1;
        saved = err;
        goto out;
    }
    if (S.track && lstat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
        char *a = abs_path(path), *stash = stash_name(a);
        if (stash && R->rename(path, stash) == 0) { /* an undoable unlink */
            ns_push(NS_UNLINK, a, NULL, stash, 0);
            r = 0;
            saved = 0;
            goto out;
        }
        mem_free(a);
        mem_free(stash);
    }
    r = R->unlink(path);
    saved = errno;
out:
    unlock();
    point_passed(FIO_OP_UNLINK);
    errno = saved;
    return r;
}

static int ff_mkdir(const char *path, mode_t mode) {
    int r, saved;
    lock();
    int err = rules_check(FIO_OP_MKDIR, NULL);
    if (err) {
        r = -1;
        saved = err;
    } else {
        r = R->mkdir(path, mode);
        saved = errno;
        if (r == 0 && S.track) ns_push(NS_MKDIR, abs_path(path), NULL, NULL, 0);
    }
    unlock();
    point_passed(FIO_OP_MKDIR);
    errno = saved;
    return r;
}

static DIR *ff_opendir(const char *path) {
    lock();
    int err = rules_check(FIO_OP_OPENDIR, NULL);
    unlock();
    if (err) {
        errno = err;
        return NULL;
    }
    return R->opendir(path);
}

static struct dirent *ff_readdir(DIR *d) {
    lock();
    int err = rules_check(FIO_OP_READDIR, NULL);
    unlock();
    if (err) {
        errno = err;
        return NULL;
    }
    struct dirent *e;
    do e = R->readdir(d);
    while (e && strncmp(e->d_name, STASH_PREFIX, sizeof STASH_PREFIX - 1) == 0);
    return e;
}

static int ff_closedir(DIR *d) {
    lock();
    int err = rules_check(FIO_OP_CLOSEDIR, NULL);
    unlock();
    if (err) {
        R->closedir(d);
        errno = err;
        return -1;
    }
    return R->closedir(d);
}

static int ff_stat(const char *path, struct stat *st) {
    lock();
    int err = rules_check(FIO_OP_STAT, NULL);
    unlock();
    if (err) {
        errno = err;
        return -1;
    }
    return R->stat(path, st);
}

static int ff_fstat(int fd, struct stat *st) {
    lock();
    int err = rules_check(FIO_OP_FSTAT, NULL);
    unlock();
    if (err) {
        errno = err;
        return -1;
    }
    return R->fstat(fd, st);
}

static int ff_fsync_dir(const char *path) {
    int r, saved;
    fsync_delay();
    lock();
    int err = rules_check(FIO_OP_FSYNC_DIR, NULL);
    if (err) {
        r = -1;
        saved = err;
    } else {
        r = R->fsync_dir(path);
        saved = errno;
        struct stat st;
        if (r == 0 && S.track && R->stat(path, &st) == 0) names_synced(&st);
    }
    unlock();
    point_passed(FIO_OP_FSYNC_DIR);
    errno = saved;
    return r;
}

static const struct fio_ops fault_ops = {
    .open = ff_open,
    .close = ff_close,
    .read = ff_read,
    .pread = ff_pread,
    .write = ff_write,
    .pwrite = ff_pwrite,
    .lseek = ff_lseek,
    .fsync = ff_fsync,
    .fdatasync = ff_fdatasync,
    .ftruncate = ff_ftruncate,
    .rename = ff_rename,
    .unlink = ff_unlink,
    .mkdir = ff_mkdir,
    .opendir = ff_opendir,
    .readdir = ff_readdir,
    .closedir = ff_closedir,
    .stat = ff_stat,
    .fstat = ff_fstat,
    .fsync_dir = ff_fsync_dir,
};

/* ---- public API --------------------------------------------------------- */

int fio_fault_install(void) {
    lock();
    if (S.installed) {
        unlock();
        return -EBUSY;
    }
    forget_all();
    memset(S.calls, 0, sizeof S.calls);
    S.injected = 0;
    S.nrules = 0;
    S.delay_ms = 0;
    S.track = 0;
    S.points = 0;
    S.hook = NULL;
    S.hook_arg = NULL;
    S.crash_at = 0;
    S.installed = 1;
    S.prev = fio_set_ops(&fault_ops);
    unlock();
    return 0;
}

void fio_fault_uninstall(void) {
    lock();
    if (S.installed) {
        fio_set_ops(S.prev);
        forget_all();
        S.installed = 0;
        S.track = 0;
        S.nrules = 0;
        S.delay_ms = 0;
        S.hook = NULL;
        S.crash_at = 0;
    }
    unlock();
}

void fio_fault_clear(void) {
    lock();
    S.nrules = 0;
    S.delay_ms = 0;
    unlock();
}

static int add_rule(enum fio_op op, unsigned long nth, unsigned long count, int err, size_t maxb) {
    int rc = 0;
    if ((unsigned)op >= FIO_OP__COUNT || nth == 0) return -EINVAL;
    lock();
    if (S.nrules == MAX_RULES) {
        rc = -ENOSPC;
    } else {
        unsigned long from = S.calls[op] + nth;
        S.rules[S.nrules++] = (struct rule){op, from, count ? from + count - 1 : 0, err, maxb};
    }
    unlock();
    return rc;
}

int fio_fault_fail(enum fio_op op, unsigned long nth, unsigned long count, int err) {
    if (err <= 0) return -EINVAL;
    return add_rule(op, nth, count, err, 0);
}

int fio_fault_short(enum fio_op op, unsigned long nth, unsigned long count, size_t maxbytes) {
    if (maxbytes == 0 ||
        (op != FIO_OP_WRITE && op != FIO_OP_PWRITE && op != FIO_OP_READ && op != FIO_OP_PREAD))
        return -EINVAL;
    return add_rule(op, nth, count, 0, maxbytes);
}

void fio_fault_fsync_delay(unsigned ms) {
    lock();
    S.delay_ms = ms;
    unlock();
}

unsigned long fio_fault_calls(enum fio_op op) {
    if ((unsigned)op >= FIO_OP__COUNT) return 0;
    lock();
    unsigned long n = S.calls[op];
    unlock();
    return n;
}

unsigned long fio_fault_injected(void) {
    lock();
    unsigned long n = S.injected;
    unlock();
    return n;
}

void fio_fault_track(int on) {
    lock();
    if (!on) forget_all();
    S.track = !!on;
    unlock();
}

uint64_t fio_fault_unsynced_bytes(void) {
    uint64_t n = 0;
    lock();
    for (size_t i = 0; i < S.nfiles; i++)
        for (size_t j = 0; j < S.files[i].nu; j++)
            if (S.files[i].u[j].kind == U_WRITE) n += S.files[i].u[j].len;
    unlock();
    return n;
}

size_t fio_fault_unsynced_names(void) {
    lock();
    size_t n = S.nns;
    unlock();
    return n;
}

int fio_fault_crash(enum fio_crash_mode mode, unsigned long seed) {
    int err = 0;
    uint64_t rs = seed;
    lock();
    for (size_t i = 0; i < S.nfiles; i++) err = keep_err(err, crash_file(&S.files[i], mode, &rs));
    size_t k = mode == FIO_CRASH_TEAR ? (size_t)(rnd_next(&rs) % (S.nns + 1)) : 0;
    for (size_t i = S.nns; i-- > k;) {
        err = keep_err(err, undo_name(&S.ns[i]));
        ns_free(&S.ns[i]);
    }
    S.nns = k; /* the survivors are durable now: forget_all drops their stashes */
    forget_all();
    unlock();
    return err;
}

unsigned long fio_fault_points(void) {
    lock();
    unsigned long n = S.points;
    unlock();
    return n;
}

void fio_fault_set_hook(fio_fault_hook fn, void *arg) {
    lock();
    S.hook = fn;
    S.hook_arg = arg;
    unlock();
}

void fio_fault_crash_at(unsigned long point, enum fio_crash_mode mode, unsigned long seed) {
    lock();
    S.crash_at = point;
    S.crash_mode = mode;
    S.crash_seed = seed;
    unlock();
}
