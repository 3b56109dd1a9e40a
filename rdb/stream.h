/*
 * rdb/stream.h — one stream abstraction for every persisted byte.
 *
 * RDB save/load, the AOF base written by a rewrite, DUMP/RESTORE payloads
 * and the replication transfer all read and write through a strm (STYLE
 * #5; Redis's rio plays this role there).  A strm is a small vtable over
 * one of four backends:
 *
 *   strm_file(fd, mode)     a regular file, through rdb/fio.h (so faults
 *                           can be injected), buffered (64 KiB) both ways,
 *                           optional fdatasync every N bytes written
 *                           (rdb-save-incremental-fsync / aof-rewrite-...);
 *   strm_fd(fd, mode)       a socket or pipe: buffered, EAGAIN waited for
 *                           with poll() up to a timeout, reads optionally
 *                           capped at a byte limit (never read past the
 *                           payload into what follows it);
 *   strm_membuf(initial)    a growable memory buffer (write only), e.g. a
 *                           DUMP payload being built;
 *   strm_memread(buf, len)  a read-only view of caller memory, e.g. the
 *                           RESTORE argument.
 *
 * Semantics shared by all backends:
 *   - strm_write/strm_read are all-or-nothing: 0 when every byte was
 *     written/read, else -errno.  Reading past the end is an error
 *     (-ENODATA, "unexpected end of stream"), so a decoder never checks
 *     counts.
 *   - The first error is sticky: every later call returns it without
 *     touching the backend.  strm_error()/strm_errstr() say what and where
 *     ("file write: No space left on device at offset 1234").  Format code
 *     records its own errors (-EBADMSG, "bad length ...") with
 *     strm_set_error so one place carries the reason.
 *   - strm_processed() counts bytes moved through the API;
 *     strm_tell() is the position in the backend (file: the fd's offset
 *     when the stream was made + processed; membuf: its length; memread:
 *     the read position).
 *   - Checksum hook: strm_set_checksum(s, crc64, 0) makes every byte
 *     written or read afterwards feed the checksum (rdb/crc64.h fits the
 *     hook type).  strm_checksum() reads it at any point, e.g. just before
 *     the trailing 8 bytes of an RDB file.
 *   - strm_set_max_chunk(s, n) splits every transfer into pieces of at most
 *     n bytes (and caps each syscall at n), bounding the time and memory
 *     one call takes.
 *   - A failed write leaves the backend with an unspecified prefix of the
 *     data (a file: the caller discards the temp file, see fio.h (3)).
 *
 * Ownership: a stream never closes the fd it was given; strm_close frees
 * the stream.  strm_memread borrows buf until strm_close.  Not thread-safe
 * (one stream, one thread).
 */
#ifndef STRATA_STREAM_H
#define STRATA_STREAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct strm strm;

enum strm_mode { STRM_READ = 1, STRM_WRITE = 2 };

/* Checksum update: continue crc over n bytes at p; the result is the new
 * value.  crc64() from rdb/crc64.h has this type. */
typedef uint64_t (*strm_cksum_fn)(uint64_t crc, const void *p, size_t n);

/* Backends.  Each returns a new stream (never NULL: allocation failure is
 * fatal, see engine/mem.h); the caller frees it with strm_close.  fd is
 * borrowed and must stay open until strm_close. */
strm *strm_file(int fd, enum strm_mode mode);
strm *strm_fd(int fd, enum strm_mode mode);
strm *strm_membuf(size_t initial_capacity);
strm *strm_memread(const void *buf, size_t len);

/* Flush pending writes (write streams without an error), free the stream.
 * Returns the sticky error, or the flush's error, or 0.  NULL ok (0).
 * Does not sync: call strm_sync first when the bytes must be durable. */
int strm_close(strm *s);

/* All-or-nothing transfer; 0 or -errno (sticky). */
int strm_write(strm *s, const void *buf, size_t len);
int strm_read(strm *s, void *buf, size_t len);

/* Push buffered writes to the backend (no-op for memory and read streams).
 * 0 or -errno (sticky). */
int strm_flush(strm *s);
/* strm_flush, then fdatasync through fio for a file stream (others: just
 * the flush).  0 or -errno (sticky). */
int strm_sync(strm *s);

uint64_t strm_tell(const strm *s);
uint64_t strm_processed(const strm *s);

/* 0 or the sticky -errno; the message ("" when none), valid until
 * strm_close. */
int strm_error(const strm *s);
const char *strm_errstr(const strm *s);
/* Record an error (err: -errno or errno; 0 means -EIO) with a printf-style
 * message, unless one is already recorded.  Returns the sticky error. */
int strm_set_error(strm *s, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Start checksumming from here with initial value init (fn NULL: stop). */
void strm_set_checksum(strm *s, strm_cksum_fn fn, uint64_t init);
uint64_t strm_checksum(const strm *s);

/* Split transfers into pieces of at most n bytes (0 = no limit). */
void strm_set_max_chunk(strm *s, size_t n);
/* File streams: fdatasync after every `bytes` written to the fd (0 = off). */
void strm_set_autosync(strm *s, size_t bytes);
/* fd streams: how long to wait for a would-block socket, per wait, in ms
 * (-1 = forever, the default); expiry fails with -ETIMEDOUT. */
void strm_set_timeout(strm *s, int ms);
/* fd read streams: read at most max bytes from the fd in total (0 = no
 * limit); past it the stream is at its end. */
void strm_set_read_limit(strm *s, uint64_t max);

/* Memory write streams.  data: the bytes written so far (borrowed; valid
 * until the next write or strm_close); NULL for other backends.  take:
 * hand the buffer to the caller (mem_free it), the stream becomes empty;
 * NULL for other backends. */
const void *strm_membuf_data(const strm *s, size_t *len);
void *strm_membuf_take(strm *s, size_t *len);

#endif
