/*
 * net/resp.h — incremental reader of client requests (RESP2 multibulk and
 * inline commands), one per connection.
 *
 * Use:
 *   resp_reader r; resp_reader_init(&r, NULL);
 *   on readable:  size_t avail; char *p = resp_reader_space(&r, &avail);
 *                 n = read(fd, p, avail); if (n > 0) resp_reader_commit(&r, n);
 *                 (the caller checks resp_reader_buffered() against
 *                 client-query-buffer-limit)
 *                 while ((rc = resp_reader_next(&r, &argc, &argv, &err)) == 1) {
 *                     run(argc, argv); resp_argv_free(argc, argv);
 *                 }
 *                 if (rc < 0) reply "-ERR Protocol error: <err>\r\n", close.
 *
 * Grammar (Redis 7.0 processInputBuffer / processMultibulkBuffer /
 * processInlineBuffer, behaviour only):
 *   - A request starting with '*' is multibulk: "*<n>\r\n" then n times
 *     "$<len>\r\n<len bytes>\r\n".  n <= 0 is an empty request, skipped.
 *     As in Redis, the byte after each '\r' and the two bytes after bulk
 *     data are not checked (they are meant to be "\n" and "\r\n").
 *   - Anything else is inline: a line ended by "\n" or "\r\n", split by
 *     sds_splitargs (quotes, escapes; a NUL byte ends the line's content as
 *     in Redis).  Lines with no words are skipped.
 *   - Numbers follow Redis's string2ll: optional '-', no '+', no leading
 *     zeros, no spaces, fits in long long.
 *
 * Errors: *errmsg is Redis's text without the "Protocol error: " prefix;
 * the connection must be closed after replying.  The error is sticky.
 *   "too big inline request"        no "\n" within inline_max_size bytes
 *   "unbalanced quotes in request"  sds_splitargs refused the inline line
 *   "too big mbulk count string"    no '\r' within inline_max_size after '*'
 *   "invalid multibulk length"      count not a number, or > max_multibulk_len
 *   "unauthenticated multibulk length"  count > 10 while auth_required
 *   "too big bulk count string"     no '\r' within inline_max_size after an
 *                                   argument's start
 *   "expected '$', got 'X'"         X is the byte found ('\r'/'\n' shown as a
 *                                   space; a NUL byte ends the message, both as
 *                                   Redis prints them)
 *   "invalid bulk length"           length not a number, < 0, or
 *                                   > proto_max_bulk_len
 *   "unauthenticated bulk length"   length > 16384 while auth_required
 * The "too big ..." checks are made, as in Redis, only while the line's end
 * has not arrived: the caller should read at most the `avail` that
 * resp_reader_space offers (16 KiB, like Redis's reads).
 *
 * Big arguments: when a bulk of >= RESP_BIG_ARG bytes starts, the unparsed
 * bytes are moved to the start of the buffer, which is sized to hold exactly
 * that bulk plus its "\r\n"; resp_reader_space then offers only the bytes
 * missing, and the complete buffer becomes the argument (no copy).  Other
 * data is parsed in place; consumed bytes are dropped (memmove of the
 * unparsed tail) when the reader runs out of complete input, so a pipeline
 * costs linear time.
 *
 * Ownership: the reader owns its buffer and the arguments of a partial
 * command.  A returned argv (array + strings, from mem_alloc) belongs to the
 * caller: free it with resp_argv_free.  `limits` may be changed between
 * calls (e.g. clear auth_required after AUTH; the next command is parsed
 * with the new limits).  The other fields are private.
 */
#ifndef STRATA_RESP_H
#define STRATA_RESP_H

#include <stddef.h>

#include "engine/sds.h"

#define RESP_IOBUF_LEN (16 * 1024)        /* read size offered by resp_reader_space */
#define RESP_BIG_ARG (32 * 1024)          /* bulks this big are read in place */
#define RESP_INLINE_MAX (64 * 1024)       /* default inline_max_size */
#define RESP_MAX_BULK (512LL * 1024 * 1024) /* default proto_max_bulk_len */
#define RESP_MAX_MULTIBULK 2147483647LL   /* default max_multibulk_len (INT_MAX, Redis 7.0) */
#define RESP_UNAUTH_MAX_ARGS 10
#define RESP_UNAUTH_MAX_BULK 16384

typedef struct resp_limits {
    long long proto_max_bulk_len; /* "invalid bulk length" above it */
    long long max_multibulk_len;  /* "invalid multibulk length" above it (<= INT_MAX) */
    size_t inline_max_size;       /* the "too big ..." threshold */
    int auth_required;            /* apply the unauthenticated limits */
} resp_limits;

typedef struct resp_reader {
    resp_limits limits;

    /* private */
    sds buf;              /* input; bytes [pos, len) are not consumed yet */
    size_t pos;
    size_t scan;          /* bytes after pos known to hold no line end */
    int mode;             /* 0 between requests, 1 inline, 2 multibulk */
    long long args_left;  /* multibulk: arguments still to read */
    long long bulk_len;   /* multibulk: length of the current bulk, -1 unknown */
    int argc, argv_cap;   /* the partial command */
    sds *argv;
    size_t argv_bytes;    /* sum of the partial command's argument lengths */
    const char *err;      /* sticky error, NULL if none */
    char errbuf[32];
} resp_reader;

/* The defaults: 512 MiB bulks, INT_MAX arguments, 64 KiB lines, no auth. */
void resp_limits_default(resp_limits *lim);

/* Set up an empty reader; lim NULL = the defaults (copied).  Free with
 * resp_reader_free. */
void resp_reader_init(resp_reader *r, const resp_limits *lim);
/* Free the buffer and any partial command; r may then be init'ed again.
 * NULL ok. */
void resp_reader_free(resp_reader *r);

/* Where to read the next bytes into: returns a pointer to *avail >= 1
 * writable bytes inside the reader (valid until the next call on r).  Then
 * resp_reader_commit(r, n) with the n <= *avail bytes actually written. */
char *resp_reader_space(resp_reader *r, size_t *avail);
void resp_reader_commit(resp_reader *r, size_t n);
/* Append bytes (for tests, AOF loading, replication): copy into the buffer. */
void resp_reader_feed(resp_reader *r, const void *p, size_t n);

/* Parse the next command.  Returns
 *   1  a command: *argc >= 1, *argv owned by the caller (resp_argv_free);
 *   0  need more input (the partial command is kept);
 *  -1  protocol error: *errmsg is a string valid until resp_reader_free.
 * Commands before an error in the same input are returned first. */
int resp_reader_next(resp_reader *r, int *argc, sds **argv, const char **errmsg);

/* Bytes received but not consumed yet (Redis's qbuf: what the query buffer
 * limit is checked against), and the bytes of arguments already parsed for
 * the partial command (Redis's argv-mem). */
size_t resp_reader_buffered(const resp_reader *r);
size_t resp_reader_argv_bytes(const resp_reader *r);
/* Bytes allocated by the reader (buffer + partial command), for INFO. */
size_t resp_reader_mem(const resp_reader *r);

/* Free a command returned by resp_reader_next (argv NULL ok). */
void resp_argv_free(int argc, sds *argv);

#endif
