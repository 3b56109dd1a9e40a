/* tests/unit/test_stream.c — rdb/stream: every backend (file, fd/socket,
 * growable memory, read-only memory), all-or-nothing reads and writes,
 * sticky errors when the file layer injects EIO/ENOSPC, the checksum hook
 * equal to crc64 of the bytes, chunking, autosync, read limits and
 * timeouts. */
#include "engine/mem.h"
#include "rdb/crc64.h"
#include "rdb/fio.h"
#include "rdb/fio_fault.h"
#include "rdb/stream.h"
#include "tests/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];
static char path[300];

static uint64_t rng_state = 0x853c49e6748fea9bULL;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned char *pattern(size_t n) {
    unsigned char *p = malloc(n);
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)rng();
    return p;
}

/* Read the whole file with plain libc into a malloc'd buffer. */
static unsigned char *slurp(const char *p, size_t *len) {
    FILE *f = fopen(p, "rb");
    if (!f) {
        *len = 0;
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static void test_membuf(void) {
    strm *s = strm_membuf(0);
    is_int(strm_write(s, "hello ", 6), 0, "membuf write");
    is_int(strm_write(s, "", 0), 0, "membuf empty write");
    unsigned char *big = pattern(100000);
    is_int(strm_write(s, big, 100000), 0, "membuf grows for 100000 bytes");
    size_t len;
    const unsigned char *d = strm_membuf_data(s, &len);
    is_int(len, 100006, "membuf length");
    ok(memcmp(d, "hello ", 6) == 0 && memcmp(d + 6, big, 100000) == 0, "membuf bytes");
    is_int(strm_tell(s), 100006, "membuf tell = length");
    is_int(strm_processed(s), 100006, "processed");
    char c;
    is_int(strm_read(s, &c, 1), -EBADF, "reading a write stream: -EBADF");
    is_int(strm_write(s, "x", 1), -EBADF, "...and the error is sticky");
    ok(strstr(strm_errstr(s), "not open for reading") != NULL, "errstr: %s", strm_errstr(s));
    is_int(strm_close(s), -EBADF, "close returns the sticky error");

    s = strm_membuf(16);
    strm_write(s, "abc", 3);
    void *taken = strm_membuf_take(s, &len);
    ok(len == 3 && memcmp(taken, "abc", 3) == 0, "take hands over the buffer");
    mem_free(taken);
    strm_membuf_data(s, &len);
    is_int(len, 0, "after take the stream is empty");
    strm_write(s, "de", 2);
    d = strm_membuf_data(s, &len);
    ok(len == 2 && memcmp(d, "de", 2) == 0, "and usable again");
    is_int(strm_close(s), 0, "close");
    ok(strm_membuf_data(NULL, &len) == NULL && len == 0, "membuf_data(NULL)");
    is_int(strm_close(NULL), 0, "close(NULL)");
    free(big);
}

static void test_memread(void) {
    const char *src = "0123456789";
    strm *s = strm_memread(src, 10);
    char b[16] = {0};
    is_int(strm_read(s, b, 4), 0, "memread 4");
    is_mem(b, 4, "0123", 4, "bytes");
    is_int(strm_tell(s), 4, "tell");
    is_int(strm_read(s, b, 6), 0, "memread to the exact end");
    is_mem(b, 6, "456789", 6, "bytes");
    is_int(strm_read(s, b, 0), 0, "a 0-byte read at the end is fine");
    is_int(strm_read(s, b, 1), -ENODATA, "past the end: -ENODATA");
    ok(strstr(strm_errstr(s), "unexpected end of stream at offset 10") != NULL, "errstr: %s", strm_errstr(s));
    is_int(strm_error(s), -ENODATA, "strm_error");
    is_int(strm_read(s, b, 0), -ENODATA, "sticky even for 0 bytes");
    is_int(strm_write(s, "x", 1), -ENODATA, "write on a failed stream returns the same error");
    strm_close(s);

    s = strm_memread(src, 10);
    is_int(strm_read(s, b, 11), -ENODATA, "a read longer than the data fails whole");
    strm_close(s);
    s = strm_memread(src, 10);
    is_int(strm_write(s, "x", 1), -EBADF, "writing a memread stream: -EBADF");
    strm_close(s);
    s = strm_memread(NULL, 5);
    is_int(strm_read(s, b, 1), -ENODATA, "memread(NULL) is empty");
    strm_close(s);

    s = strm_memread(src, 10);
    strm_read(s, b, 2);
    is_int(strm_set_error(s, EBADMSG, "bad length %d at offset %llu", 7, (unsigned long long)strm_tell(s)),
           -EBADMSG, "set_error normalises to -errno");
    is_str(strm_errstr(s), "bad length 7 at offset 2", "format error message");
    is_int(strm_set_error(s, -EIO, "later"), -EBADMSG, "the first error wins");
    is_int(strm_read(s, b, 1), -EBADMSG, "reads now fail");
    strm_close(s);
}

static void test_file_roundtrip(void) {
    size_t n = 1 << 20;
    unsigned char *data = pattern(n);
    int fd = fio_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    fio_write_all(fd, "PREFIX", 6);
    strm *s = strm_file(fd, STRM_WRITE);
    is_int(strm_tell(s), 6, "file tell starts at the fd offset");
    strm_set_checksum(s, crc64, 0);
    int good = 1;
    for (size_t off = 0; off < n;) {
        size_t k = (rng() % 4 == 0) ? rng() % 200000 : rng() % 300;
        if (k > n - off) k = n - off;
        good &= strm_write(s, data + off, k) == 0;
        off += k;
    }
    ok(good, "1 MiB written in random pieces (some larger than the buffer)");
    is_int(strm_processed(s), n, "processed");
    is_int(strm_tell(s), n + 6, "tell = start + processed");
    is_int(strm_checksum(s), (long long)crc64(0, data, n), "write checksum == crc64 of the bytes");
    is_int(strm_sync(s), 0, "sync");
    is_int(strm_close(s), 0, "close");
    fio_close(fd);
    size_t flen;
    unsigned char *f = slurp(path, &flen);
    ok(flen == n + 6 && memcmp(f, "PREFIX", 6) == 0 && memcmp(f + 6, data, n) == 0, "file holds the bytes");
    free(f);

    fd = fio_open(path, O_RDONLY, 0);
    s = strm_file(fd, STRM_READ);
    unsigned char pre[6];
    is_int(strm_read(s, pre, 6), 0, "read the prefix");
    strm_set_checksum(s, crc64, 0);
    unsigned char *back = malloc(n);
    good = 1;
    for (size_t off = 0; off < n;) {
        size_t k = (rng() % 4 == 0) ? rng() % 200000 : rng() % 300;
        if (k > n - off) k = n - off;
        good &= strm_read(s, back + off, k) == 0;
        off += k;
    }
    ok(good && memcmp(back, data, n) == 0, "read back in random pieces");
    is_int(strm_checksum(s), (long long)crc64(0, data, n), "read checksum == crc64 (started after the prefix)");
    is_int(strm_tell(s), n + 6, "read tell");
    char c;
    is_int(strm_read(s, &c, 1), -ENODATA, "EOF: -ENODATA");
    ok(strstr(strm_errstr(s), "file read: unexpected end") != NULL, "errstr: %s", strm_errstr(s));
    strm_close(s);
    fio_close(fd);

    /* read limit on a file */
    fd = fio_open(path, O_RDONLY, 0);
    s = strm_file(fd, STRM_READ);
    strm_set_read_limit(s, 100);
    is_int(strm_read(s, back, 100), 0, "read up to the limit");
    is_int(strm_read(s, &c, 1), -ENODATA, "past the limit: end of stream");
    strm_close(s);
    fio_close(fd);
    free(back);
    free(data);
}

static void test_chunk_and_autosync(void) {
    size_t n = 300000;
    unsigned char *data = pattern(n);
    fio_fault_install();
    int fd = fio_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    strm *s = strm_file(fd, STRM_WRITE);
    strm_set_max_chunk(s, 1000);
    unsigned long w0 = fio_fault_calls(FIO_OP_WRITE);
    is_int(strm_write(s, data, n), 0, "write 300000 bytes with max_chunk 1000");
    is_int(strm_flush(s), 0, "flush");
    unsigned long writes = fio_fault_calls(FIO_OP_WRITE) - w0;
    ok(writes >= 300, "every syscall moved at most 1000 bytes (%lu writes)", writes);
    strm_close(s);
    fio_close(fd);

    fd = fio_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    s = strm_file(fd, STRM_WRITE);
    strm_set_autosync(s, 65536);
    unsigned long f0 = fio_fault_calls(FIO_OP_FDATASYNC);
    for (int i = 0; i < 10; i++) strm_write(s, data, 30000);
    strm_flush(s);
    unsigned long syncs = fio_fault_calls(FIO_OP_FDATASYNC) - f0;
    ok(syncs == 4, "autosync every 64 KiB over 300000 bytes: %lu fdatasyncs", syncs);
    is_int(strm_sync(s), 0, "explicit sync");
    strm_close(s);
    fio_close(fd);

    /* with the page-cache model: never more than autosync bytes unsynced */
    fio_fault_track(1);
    fd = fio_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    s = strm_file(fd, STRM_WRITE);
    strm_set_autosync(s, 10000);
    uint64_t worst = 0;
    for (int i = 0; i < 50; i++) {
        strm_write(s, data, 1 + rng() % 20000);
        uint64_t u = fio_fault_unsynced_bytes();
        if (u > worst) worst = u;
    }
    strm_flush(s);
    ok(worst > 0 && worst < 10000, "autosync 10000: at most %llu bytes ever unsynced", (unsigned long long)worst);
    fio_fault_track(0);
    f0 = fio_fault_calls(FIO_OP_FDATASYNC);
    is_int(strm_sync(s), 0, "explicit sync");
    is_int(fio_fault_calls(FIO_OP_FDATASYNC) - f0, 1, "strm_sync is one fdatasync");
    strm_close(s);
    fio_close(fd);

    /* short reads under the stream are invisible */
    fd = fio_open(path, O_WRONLY | O_TRUNC, 0);
    fio_write_all(fd, data, 30000);
    fio_close(fd);
    fio_fault_short(FIO_OP_READ, 1, 0, 7);
    fd = fio_open(path, O_RDONLY, 0);
    s = strm_file(fd, STRM_READ);
    unsigned char *back = malloc(n);
    is_int(strm_read(s, back, 30000), 0, "read over 7-byte short reads");
    ok(memcmp(back, data, 30000) == 0, "bytes intact");
    strm_close(s);
    fio_close(fd);
    fio_fault_clear();
    fio_fault_uninstall();
    free(back);
    free(data);
}

static void test_sticky_faults(void) {
    unsigned char *data = pattern(200000);
    static const int errs[] = {EIO, ENOSPC};
    for (int i = 0; i < 2; i++) {
        fio_fault_install();
        int fd = fio_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        strm *s = strm_file(fd, STRM_WRITE);
        is_int(strm_write(s, data, 1000), 0, "buffered write succeeds before any syscall");
        fio_fault_fail(FIO_OP_WRITE, 1, 0, errs[i]);
        is_int(strm_write(s, data, 200000), -errs[i], "a write that reaches the fd fails: -%s",
               errs[i] == EIO ? "EIO" : "ENOSPC");
        ok(strstr(strm_errstr(s), strerror(errs[i])) != NULL, "errstr: %s", strm_errstr(s));
        unsigned long calls = fio_fault_calls(FIO_OP_WRITE);
        fio_fault_clear();
        is_int(strm_write(s, "x", 1), -errs[i], "sticky after the fault is gone");
        is_int(strm_flush(s), -errs[i], "flush returns it too");
        is_int(strm_sync(s), -errs[i], "sync returns it too");
        is_int(fio_fault_calls(FIO_OP_WRITE), calls, "no syscall after the error");
        is_int(strm_close(s), -errs[i], "close returns it");
        fio_close(fd);
        fio_fault_uninstall();
    }

    /* the error shows at flush when everything was buffered */
    fio_fault_install();
    int fd = fio_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    strm *s = strm_file(fd, STRM_WRITE);
    strm_write(s, data, 100);
    fio_fault_fail(FIO_OP_WRITE, 1, 0, ENOSPC);
    is_int(strm_close(s), -ENOSPC, "close flushes and reports ENOSPC");
    fio_fault_clear();
    fio_close(fd);

    /* fdatasync failure: sync, and autosync inside a write */
    fd = fio_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    s = strm_file(fd, STRM_WRITE);
    strm_write(s, data, 100);
    fio_fault_fail(FIO_OP_FDATASYNC, 1, 1, EIO);
    is_int(strm_sync(s), -EIO, "sync: fdatasync EIO");
    ok(strstr(strm_errstr(s), "file sync") != NULL, "errstr: %s", strm_errstr(s));
    is_int(strm_write(s, "x", 1), -EIO, "sticky");
    strm_close(s);
    fio_close(fd);
    fd = fio_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    s = strm_file(fd, STRM_WRITE);
    strm_set_autosync(s, 1000);
    fio_fault_fail(FIO_OP_FDATASYNC, 1, 1, EIO);
    is_int(strm_write(s, data, 200000), -EIO, "autosync failure fails the write");
    strm_close(s);
    fio_close(fd);

    /* read side */
    fd = fio_open(path, O_RDONLY, 0);
    s = strm_file(fd, STRM_READ);
    fio_fault_fail(FIO_OP_READ, 1, 1, EIO);
    char b[10];
    is_int(strm_read(s, b, 10), -EIO, "read: EIO");
    is_int(strm_read(s, b, 10), -EIO, "sticky though the next read would work");
    ok(strstr(strm_errstr(s), "file read") != NULL, "errstr: %s", strm_errstr(s));
    strm_close(s);
    fio_close(fd);
    fio_fault_clear();
    fio_fault_uninstall();
    free(data);
}

static void test_fd_backend(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        ok(0, "socketpair");
        return;
    }
    size_t n = 2 << 20;
    unsigned char *data = pattern(n);
    pid_t pid = fork();
    if (pid == 0) {
        /* child: read n bytes, answer with their crc64, then send a
         * payload of 5000 bytes followed by a trailer */
        close(sv[0]);
        unsigned char *buf = malloc(n);
        ssize_t got = fio_read_all(sv[1], buf, n);
        uint64_t c = got == (ssize_t)n ? crc64(0, buf, n) : 0;
        usleep(50000); /* make the parent's non-blocking read wait */
        fio_write_all(sv[1], &c, 8);
        fio_write_all(sv[1], buf, 5000);
        fio_write_all(sv[1], "TRAILER", 7);
        _exit(0);
    }
    close(sv[1]);
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    strm *w = strm_fd(sv[0], STRM_WRITE);
    strm_set_checksum(w, crc64, 0);
    is_int(strm_write(w, data, n), 0, "2 MiB to a non-blocking socket (waits on EAGAIN)");
    is_int(strm_flush(w), 0, "flush");
    uint64_t sent = strm_checksum(w);
    is_int(strm_close(w), 0, "close");

    strm *r = strm_fd(sv[0], STRM_READ);
    strm_set_read_limit(r, 8 + 5000);
    uint64_t peer = 0;
    is_int(strm_read(r, &peer, 8), 0, "read the peer's answer (after a wait)");
    is_int(peer, (long long)sent, "peer's crc64 == the write checksum");
    unsigned char *back = malloc(5000);
    strm_set_checksum(r, crc64, 0);
    is_int(strm_read(r, back, 5000), 0, "read the 5000-byte payload");
    ok(memcmp(back, data, 5000) == 0, "payload bytes");
    is_int(strm_checksum(r), (long long)crc64(0, data, 5000), "read checksum");
    char c;
    is_int(strm_read(r, &c, 1), -ENODATA, "the read limit ends the stream");
    strm_close(r);
    char trailer[8] = {0};
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) & ~O_NONBLOCK);
    is_int(fio_read_all(sv[0], trailer, 7), 7, "bytes past the limit are still in the socket");
    is_str(trailer, "TRAILER", "trailer intact");
    waitpid(pid, NULL, 0);
    close(sv[0]);

    /* timeout: nobody reads */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    w = strm_fd(sv[0], STRM_WRITE);
    strm_set_timeout(w, 50);
    int e = strm_write(w, data, n);
    if (!e) e = strm_flush(w);
    is_int(e, -ETIMEDOUT, "a write nobody reads times out");
    is_int(strm_write(w, "x", 1), -ETIMEDOUT, "sticky");
    strm_close(w);
    r = strm_fd(sv[0], STRM_READ);
    strm_set_timeout(r, 30);
    is_int(strm_read(r, &c, 1), -ETIMEDOUT, "a read with nothing to read times out");
    strm_close(r);
    close(sv[1]);
    close(sv[0]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    fio_write_all(sv[1], "ab", 2);
    close(sv[1]);
    r = strm_fd(sv[0], STRM_READ);
    is_int(strm_read(r, &c, 1), 0, "read what the peer sent before closing");
    is_int(strm_read(r, trailer, 2), -ENODATA, "peer closed: end of stream");
    strm_close(r);
    close(sv[0]);
    free(back);
    free(data);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/strata-stream-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(path, sizeof path, "%s/data", dir);
    test_membuf();
    test_memread();
    test_file_roundtrip();
    test_chunk_and_autosync();
    test_sticky_faults();
    test_fd_backend();
    unlink(path);
    rmdir(dir);
    return done_testing();
}
