/*
 * rdb/stream.c — the stream vtable and its four backends (see stream.h).
 *
 * Layout.  struct strm holds what every stream has (mode, sticky error,
 * counters, checksum hook, chunk limit) and a union with the backend's
 * state.  The generic layer (strm_write/strm_read) owns the all-or-nothing
 * loop, chunking, checksumming and error stickiness; a backend only moves
 * bytes:
 *
 *   write(s, p, n)  all n bytes or -errno
 *   read(s, p, n)   1..n bytes, 0 at the end, or -errno
 *   flush(s)        push buffered bytes down, 0 or -errno
 *   sync(s)         make them durable (file only), 0 or -errno
 *   tell(s)         the backend position
 *   destroy(s)      free backend memory (never closes the fd)
 *
 * The file and fd backends share one buffered-descriptor core ("fdc"):
 * a buffer used for writes or for reads (a stream has one mode), syscalls
 * through fio_* and capped at max_chunk.  They differ in what the fd is:
 * a file may be synced (and autosynced); a socket may say EAGAIN (wait
 * with poll up to the timeout) and may carry bytes beyond the payload
 * (the read limit).
 *
 * Invariants:
 *   (1) s->err != 0 => no backend call is made again, every API call
 *       returns s->err.
 *   (2) processed counts only bytes of completed strm_write/strm_read
 *       chunks; the checksum covers exactly those bytes, in order.
 *   (3) fdc write mode: buf[0..len) are accepted but not yet written;
 *       fdc read mode: buf[pos..len) are read but not yet consumed.
 *   (4) autosync: unsynced < autosync between calls; a raw write never
 *       crosses an autosync boundary, so at most autosync bytes written to
 *       the fd are ever waiting for their fdatasync.
 */
#include "rdb/stream.h"

#include "engine/mem.h"
#include "rdb/fio.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define FDC_BUFSIZE (64 * 1024)

struct strm_backend {
    const char *name;
    int (*write)(strm *s, const void *p, size_t n);
    ssize_t (*read)(strm *s, void *p, size_t n);
    int (*flush)(strm *s);
    int (*sync)(strm *s);
    uint64_t (*tell)(const strm *s);
    void (*destroy)(strm *s);
};

struct fdc {
    int fd;
    int is_file;
    unsigned char *buf;
    size_t cap, len, pos;
    uint64_t base;              /* fd offset when the stream was made (file) */
    uint64_t autosync, unsynced;
    int timeout_ms;
    uint64_t limit, fromfd;     /* read limit and bytes read from the fd */
};

struct membuf {
    unsigned char *buf;
    size_t len, cap;
};

struct memread {
    const unsigned char *buf;
    size_t len, pos;
};

struct strm {
    const struct strm_backend *be;
    int mode;
    int err;
    char errstr[192];
    uint64_t processed;
    strm_cksum_fn ck;
    uint64_t crc;
    size_t max_chunk;
    union {
        struct fdc fd;
        struct membuf mb;
        struct memread mr;
    } u;
};

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

static size_t chunk_cap(const strm *s, size_t n) {
    return s->max_chunk && n > s->max_chunk ? s->max_chunk : n;
}

static strm *strm_new(const struct strm_backend *be, int mode) {
    strm *s = mem_calloc(sizeof *s);
    s->be = be;
    s->mode = mode;
    return s;
}

/* ---- the buffered-descriptor core (file and fd backends) ------------- */

/* Wait until fd is ready for `events`; 0, -ETIMEDOUT or -errno. */
static int fdc_wait(const struct fdc *f, short events) {
    struct pollfd p = {.fd = f->fd, .events = events};
    for (;;) {
        int r = poll(&p, 1, f->timeout_ms);
        if (r > 0) return 0;
        if (r == 0) return -ETIMEDOUT;
        if (errno != EINTR) return -errno;
    }
}

static int fdc_raw_write(strm *s, const unsigned char *p, size_t n) {
    struct fdc *f = &s->u.fd;
    while (n) {
        size_t k = chunk_cap(s, n);
        if (f->is_file && f->autosync && k > f->autosync - f->unsynced)
            k = (size_t)(f->autosync - f->unsynced); /* sync exactly every autosync bytes */
        ssize_t r = fio_write(f->fd, p, k);
        if ((r == -EAGAIN || r == -EWOULDBLOCK) && !f->is_file) {
            int err = fdc_wait(f, POLLOUT);
            if (err) return err;
            continue;
        }
        if (r < 0) return (int)r;
        if (r == 0) return -EIO;
        p += r;
        n -= (size_t)r;
        if (f->is_file && f->autosync && (f->unsynced += (uint64_t)r) >= f->autosync) {
            int err = fio_fdatasync(f->fd);
            if (err) return err;
            f->unsynced = 0;
        }
    }
    return 0;
}

static int fdc_flush(strm *s) {
    struct fdc *f = &s->u.fd;
    if (!(s->mode & STRM_WRITE) || f->len == 0) return 0;
    int err = fdc_raw_write(s, f->buf, f->len);
    f->len = 0; /* on error the stream is dead anyway (invariant 1) */
    return err;
}

static int fdc_write(strm *s, const void *p, size_t n) {
    struct fdc *f = &s->u.fd;
    if (n <= f->cap - f->len) {
        memcpy(f->buf + f->len, p, n);
        f->len += n;
        return 0;
    }
    int err = fdc_flush(s);
    if (err) return err;
    if (n >= f->cap) return fdc_raw_write(s, p, n);
    memcpy(f->buf, p, n);
    f->len = n;
    return 0;
}

static ssize_t fdc_raw_read(strm *s, void *p, size_t n) {
    struct fdc *f = &s->u.fd;
    if (f->limit) {
        if (f->fromfd >= f->limit) return 0;
        n = (size_t)min_sz(n, (size_t)(f->limit - f->fromfd));
    }
    n = chunk_cap(s, n);
    for (;;) {
        ssize_t r = fio_read(f->fd, p, n);
        if ((r == -EAGAIN || r == -EWOULDBLOCK) && !f->is_file) {
            int err = fdc_wait(f, POLLIN);
            if (err) return err;
            continue;
        }
        if (r > 0) f->fromfd += (uint64_t)r;
        return r;
    }
}

static ssize_t fdc_read(strm *s, void *p, size_t n) {
    struct fdc *f = &s->u.fd;
    if (f->pos == f->len) {
        if (n >= f->cap) return fdc_raw_read(s, p, n); /* big reads bypass the buffer */
        ssize_t r = fdc_raw_read(s, f->buf, f->cap);
        if (r <= 0) return r;
        f->pos = 0;
        f->len = (size_t)r;
    }
    size_t k = min_sz(n, f->len - f->pos);
    memcpy(p, f->buf + f->pos, k);
    f->pos += k;
    return (ssize_t)k;
}

static int fdc_sync(strm *s) {
    struct fdc *f = &s->u.fd;
    if (!f->is_file || !(s->mode & STRM_WRITE)) return 0;
    int err = fio_fdatasync(f->fd);
    if (!err) f->unsynced = 0;
    return err;
}

static uint64_t fdc_tell(const strm *s) { return s->u.fd.base + s->processed; }

static void fdc_destroy(strm *s) { mem_free(s->u.fd.buf); }

static const struct strm_backend file_backend = {
    "file", fdc_write, fdc_read, fdc_flush, fdc_sync, fdc_tell, fdc_destroy,
};

static const struct strm_backend fd_backend = {
    "fd", fdc_write, fdc_read, fdc_flush, fdc_sync, fdc_tell, fdc_destroy,
};

static strm *fdc_new(const struct strm_backend *be, int fd, int mode, int is_file) {
    strm *s = strm_new(be, mode);
    struct fdc *f = &s->u.fd;
    f->fd = fd;
    f->is_file = is_file;
    f->cap = FDC_BUFSIZE;
    f->buf = mem_alloc(f->cap);
    f->timeout_ms = -1;
    if (is_file) {
        off_t pos = fio_lseek(fd, 0, SEEK_CUR);
        f->base = pos > 0 ? (uint64_t)pos : 0;
    }
    return s;
}

strm *strm_file(int fd, enum strm_mode mode) { return fdc_new(&file_backend, fd, (int)mode, 1); }

strm *strm_fd(int fd, enum strm_mode mode) { return fdc_new(&fd_backend, fd, (int)mode, 0); }

/* ---- growable memory buffer ------------------------------------------- */

static int mb_write(strm *s, const void *p, size_t n) {
    struct membuf *m = &s->u.mb;
    if (n > SIZE_MAX - m->len) return -ENOMEM;
    if (m->len + n > m->cap) {
        size_t cap = m->cap ? m->cap : 64;
        while (cap < m->len + n) cap = cap > SIZE_MAX / 2 ? m->len + n : cap * 2;
        m->buf = mem_realloc(m->buf, cap);
        m->cap = cap;
    }
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    return 0;
}

static ssize_t no_read(strm *s, void *p, size_t n) { return -EBADF; }
static int no_op(strm *s) { return 0; }
static uint64_t mb_tell(const strm *s) { return s->u.mb.len; }
static void mb_destroy(strm *s) { mem_free(s->u.mb.buf); }

static const struct strm_backend membuf_backend = {
    "memory", mb_write, no_read, no_op, no_op, mb_tell, mb_destroy,
};

strm *strm_membuf(size_t initial_capacity) {
    strm *s = strm_new(&membuf_backend, STRM_WRITE);
    if (initial_capacity) {
        s->u.mb.buf = mem_alloc(initial_capacity);
        s->u.mb.cap = initial_capacity;
    }
    return s;
}

const void *strm_membuf_data(const strm *s, size_t *len) {
    if (!s || s->be != &membuf_backend) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = s->u.mb.len;
    return s->u.mb.buf ? s->u.mb.buf : (const void *)"";
}

void *strm_membuf_take(strm *s, size_t *len) {
    if (!s || s->be != &membuf_backend) {
        if (len) *len = 0;
        return NULL;
    }
    void *p = s->u.mb.buf ? s->u.mb.buf : mem_alloc(1);
    if (len) *len = s->u.mb.len;
    s->u.mb.buf = NULL;
    s->u.mb.len = s->u.mb.cap = 0;
    return p;
}

/* ---- read-only memory --------------------------------------------------- */

static int no_write(strm *s, const void *p, size_t n) { return -EBADF; }

static ssize_t mr_read(strm *s, void *p, size_t n) {
    struct memread *m = &s->u.mr;
    size_t k = min_sz(n, m->len - m->pos);
    if (k) memcpy(p, m->buf + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

static uint64_t mr_tell(const strm *s) { return s->u.mr.pos; }
static void mr_destroy(strm *s) {}

static const struct strm_backend memread_backend = {
    "memory", no_write, mr_read, no_op, no_op, mr_tell, mr_destroy,
};

strm *strm_memread(const void *buf, size_t len) {
    strm *s = strm_new(&memread_backend, STRM_READ);
    s->u.mr.buf = buf;
    s->u.mr.len = buf ? len : 0;
    return s;
}

/* ---- the generic layer -------------------------------------------------- */

int strm_set_error(strm *s, int err, const char *fmt, ...) {
    if (s->err) return s->err;
    s->err = err > 0 ? -err : err ? err : -EIO;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errstr, sizeof s->errstr, fmt, ap);
    va_end(ap);
    return s->err;
}

static int io_error(strm *s, int err, const char *what, uint64_t at) {
    return strm_set_error(s, err, "%s %s: %s at offset %llu", s->be->name, what, strerror(-err),
                          (unsigned long long)at);
}

int strm_write(strm *s, const void *buf, size_t len) {
    const unsigned char *p = buf;
    if (s->err) return s->err;
    if (!(s->mode & STRM_WRITE)) return strm_set_error(s, -EBADF, "%s stream is not open for writing", s->be->name);
    while (len) {
        size_t k = chunk_cap(s, len);
        int err = s->be->write(s, p, k);
        if (err) return io_error(s, err, "write", strm_tell(s));
        if (s->ck) s->crc = s->ck(s->crc, p, k);
        s->processed += k;
        p += k;
        len -= k;
    }
    return 0;
}

int strm_read(strm *s, void *buf, size_t len) {
    unsigned char *p = buf;
    if (s->err) return s->err;
    if (!(s->mode & STRM_READ)) return strm_set_error(s, -EBADF, "%s stream is not open for reading", s->be->name);
    while (len) {
        size_t k = chunk_cap(s, len), got = 0;
        while (got < k) {
            ssize_t r = s->be->read(s, p + got, k - got);
            if (r < 0) return io_error(s, (int)r, "read", strm_tell(s) + got);
            if (r == 0)
                return strm_set_error(s, -ENODATA, "%s read: unexpected end of stream at offset %llu (%zu more bytes wanted)",
                                      s->be->name, (unsigned long long)(strm_tell(s) + got), len - got);
            got += (size_t)r;
        }
        if (s->ck) s->crc = s->ck(s->crc, p, k);
        s->processed += k;
        p += k;
        len -= k;
    }
    return 0;
}

int strm_flush(strm *s) {
    if (s->err) return s->err;
    int err = s->be->flush(s);
    return err ? io_error(s, err, "flush", strm_tell(s)) : 0;
}

int strm_sync(strm *s) {
    int err = strm_flush(s);
    if (err) return err;
    err = s->be->sync(s);
    return err ? io_error(s, err, "sync", strm_tell(s)) : 0;
}

int strm_close(strm *s) {
    if (!s) return 0;
    int err = s->err;
    if (!err && (s->mode & STRM_WRITE)) err = strm_flush(s);
    s->be->destroy(s);
    mem_free(s);
    return err;
}

uint64_t strm_tell(const strm *s) { return s->be->tell(s); }
uint64_t strm_processed(const strm *s) { return s->processed; }
int strm_error(const strm *s) { return s->err; }
const char *strm_errstr(const strm *s) { return s->err ? s->errstr : ""; }

void strm_set_checksum(strm *s, strm_cksum_fn fn, uint64_t init) {
    s->ck = fn;
    s->crc = init;
}

uint64_t strm_checksum(const strm *s) { return s->crc; }

void strm_set_max_chunk(strm *s, size_t n) { s->max_chunk = n; }

void strm_set_autosync(strm *s, size_t bytes) {
    if (s->be == &file_backend) s->u.fd.autosync = bytes;
}

void strm_set_timeout(strm *s, int ms) {
    if (s->be == &fd_backend) s->u.fd.timeout_ms = ms < 0 ? -1 : ms;
}

void strm_set_read_limit(strm *s, uint64_t max) {
    if (s->be == &fd_backend || s->be == &file_backend) s->u.fd.limit = max;
}
