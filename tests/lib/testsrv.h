/*
 * tests/lib/testsrv.h — start, talk to and stop a Redis-compatible server from
 * a TAP test (prefix ts_).
 *
 * Design
 *   A ts_server is one child process running a server binary (strata-server or
 *   the real redis-server: both take `binary [config-file] [--directive value
 *   ...]`) on a free loopback port, inside a fresh scratch directory
 *   (mkdtemp under $TMPDIR or /tmp). The command line is
 *       bin [DIR/server.conf | conf_file] --port P --bind 127.0.0.1
 *           --daemonize no --dir DIR --logfile DIR/server.log
 *           [--save "" --appendonly no]  (unless opts.persist)  extra-args...
 *   so extra args override everything before them. The child's stdout/stderr
 *   go to DIR/stdio.log (exec failures and sanitizer reports land there), its
 *   stdin is /dev/null, every other descriptor is closed, and it gets SIGKILL
 *   when the test process dies (PR_SET_PDEATHSIG).
 *
 *   The port comes from binding port 0 on 127.0.0.1 and closing; a server that
 *   dies at start saying the address is in use, or a PING answered by someone
 *   else's server (INFO process_id differs), makes ts_start pick another port
 *   (at most 8 tries). Readiness = the port accepts a connection and PING
 *   answers +PONG (or -NOAUTH when a password is set); -LOADING keeps waiting.
 *   On any start failure the tail of both logs is printed as TAP diag lines.
 *
 *   ts_stop sends SIGTERM and SIGKILL after a timeout; ts_restart starts the
 *   same command line again on the same dir and port (persistence tests);
 *   ts_free stops the server and removes the scratch dir when the calling
 *   test has no failed check so far, otherwise keeps it and prints its path.
 *
 *   Replies are rendered to a canonical text (ts_reply_repr for hiredis
 *   replies, ts_resp_parse for raw RESP2/RESP3 bytes; both give the same text
 *   for the same reply) used for comparisons and diagnostics:
 *       +OK            simple string        -ERR msg      error (simple or blob)
 *       :42            integer              "a\x00b"      bulk string
 *       nil            RESP2 null bulk/array (hiredis NIL of any protocol)
 *       null           RESP3 null `_` (raw parser only)
 *       ,3.5           double (text as sent) #t #f        boolean
 *       (123           big number           =txt:"..."    verbatim string
 *       [a, b]         array                ~{a, b}       set
 *       {k: v, k2: v2} map                  >[a, b]       push
 *       |{k: v} reply  attribute then the reply it annotates
 *   Inside strings and status/error text, `"` and `\` are backslash-escaped,
 *   \r \n \t are written so, other bytes outside 0x20..0x7e as \xNN.
 *
 *   The ts_cmd_expect_* checks are macros over static inline functions so they
 *   count in the including test's TAP state (tests/tap.h state is per file).
 *
 * Ownership: every char* returned by a ts_ function is malloc'd and freed by
 * the caller with free(); redisReply* with freeReplyObject(); redisContext*
 * with redisFree(); ts_server* with ts_free()/ts_destroy(); ts_raw* with
 * ts_raw_close(). All free functions accept NULL.
 */
#ifndef STRATA_TESTSRV_H
#define STRATA_TESTSRV_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "tests/tap.h"

typedef struct ts_opts {
    const char *bin;               /* NULL: ts_strata_bin() */
    const char *conf_text;         /* written to DIR/server.conf, passed first */
    const char *conf_file;         /* an existing file passed first (not with conf_text) */
    const char *const *args;       /* extra argv words, NULL-terminated; may be NULL */
    int persist;                   /* 0: add --save "" --appendonly no */
    int start_timeout_ms;          /* 0: 15000 */
} ts_opts;

/* Read-only for tests; owned by the ts_server. */
typedef struct ts_server {
    char *bin;
    char *dir;                     /* scratch directory */
    char *logpath;                 /* DIR/server.log */
    char *stdiopath;               /* DIR/stdio.log */
    int port;
    pid_t pid;                     /* 0 when not running */
    int start_timeout_ms;
    char **argv;                   /* full command line, NULL-terminated */
    int argc;
} ts_server;

/* $STRATA_SERVER, or "./bin/strata-server". Borrowed, static storage. */
const char *ts_strata_bin(void);
/* $REDIS_SERVER, or "redis-server" (found in PATH). Borrowed. */
const char *ts_redis_bin(void);
/* $REDIS_CLI / $REDIS_BENCHMARK, or the plain names. Borrowed. */
const char *ts_cli_bin(void);
const char *ts_benchmark_bin(void);

/* Start a server (opts may be NULL for all defaults). Returns a running
 * server or NULL (diag lines printed, scratch dir kept). Caller owns it. */
ts_server *ts_start(const ts_opts *opts);
/* Shorthand: ts_start with bin and a NULL-terminated list of extra args. */
ts_server *ts_start_args(const char *bin, ...);

/* SIGTERM, wait up to timeout_ms (<=0: 10000), then SIGKILL. Returns the
 * wait status (>= 0: use WIFEXITED/WEXITSTATUS; a server that needed SIGKILL
 * shows WIFSIGNALED), -ESRCH when not running, or -errno. */
int ts_stop(ts_server *s, int timeout_ms);
/* SIGKILL and reap. Returns the wait status or -errno. */
int ts_kill9(ts_server *s);
/* Wait for the server to exit on its own (SHUTDOWN, crash). Returns the wait
 * status or -ETIMEDOUT (still running). */
int ts_wait_exit(ts_server *s, int timeout_ms);
/* 1 if the process is still running (reaps it if it died). */
int ts_alive(ts_server *s);
/* Start the same command line again on the same dir and port, extra args
 * (NULL-terminated, may be NULL) appended after the original ones and kept
 * for later restarts. The server must be stopped. Returns 0 or -errno (diag
 * printed); a port still held is retried for ~5 s. */
int ts_restart(ts_server *s, const char *const *extra_args);
/* Print the last `lines` lines of the server log and of stdio.log as diag. */
void ts_log_tail(const ts_server *s, int lines);
/* Stop (if running) and free; remove the scratch dir unless keep_dir, in
 * which case print "# kept scratch dir: PATH". */
void ts_destroy(ts_server *s, int keep_dir);
/* ts_destroy keeping the dir iff a check of the calling test failed. */
#define ts_free(s) ts_destroy((s), tap_failed_ != 0)

/* hiredis connection to 127.0.0.1:port with 30 s I/O timeout. NULL on error
 * (diag printed). Caller frees with redisFree. */
redisContext *ts_connect(const ts_server *s);
/* redisCommand with a diag on failure (NULL reply: connection error). */
redisReply *ts_cmd(redisContext *c, const char *fmt, ...);
redisReply *ts_vcmd(redisContext *c, const char *fmt, va_list ap);
redisReply *ts_cmd_argv(redisContext *c, int argc, const char **argv, const size_t *lens);

/* Canonical text of a reply (see above). NULL reply renders as "(no reply)".
 * Returns malloc'd text (never NULL: aborts on out-of-memory). */
char *ts_reply_repr(const redisReply *r);
/* Parse one RESP2/RESP3 reply from buf[0..len). Returns 1 and sets *used and
 * *repr (malloc'd) when complete, 0 when more bytes are needed, -EPROTO on
 * malformed input. */
int ts_resp_parse(const char *buf, size_t len, size_t *used, char **repr);
/* Escape bytes as in the canonical form, without surrounding quotes. */
char *ts_escape(const char *p, size_t len);
/* Human-readable command line: args that are plain words as is, others
 * quoted and escaped, separated by spaces. malloc'd. */
char *ts_argv_repr(int argc, const char *const *argv, const size_t *lens);

/* Raw connection: write bytes of your choice, read replies as canonical text
 * (RESP2 or RESP3: use it for HELLO 3, inline commands, protocol errors). */
typedef struct ts_raw ts_raw;
ts_raw *ts_raw_connect(const ts_server *s);
void ts_raw_close(ts_raw *r);
int ts_raw_fd(const ts_raw *r);
/* Write all bytes. 0 or -errno. */
int ts_raw_write(ts_raw *r, const void *buf, size_t len);
/* Send one command as a RESP multibulk (lens NULL: strlen). 0 or -errno. */
int ts_raw_cmd(ts_raw *r, int argc, const char *const *argv, const size_t *lens);
/* Read the next reply. Returns 1 and *repr (malloc'd), 0 on EOF (peer
 * closed, no partial reply), -ETIMEDOUT, -EPROTO, or -errno. */
int ts_raw_read(ts_raw *r, int timeout_ms, char **repr);

/* Run a program (argv[0] looked up in PATH), stdin from in_file (NULL:
 * /dev/null), capturing stdout/stderr (out/err may be NULL to discard; set to
 * malloc'd NUL-terminated text). Killed after timeout_ms. Returns the wait
 * status, or -ETIMEDOUT (killed), or -errno. */
int ts_run(const char *const *argv, const char *in_file, char **out, char **err,
           int timeout_ms);

/* Check support for the ts_cmd_expect_* macros (not for direct use): runs the
 * command, returns 1 if the reply matches, sets *desc (command text) and
 * *got (reply text), both malloc'd. */
enum { TS_EXP_STATUS, TS_EXP_INT, TS_EXP_STR, TS_EXP_ERR };
int ts_expect_run_(redisContext *c, int kind, const char *want_s, long long want_i,
                   char **desc, char **got, const char *fmt, va_list ap);

static inline int ts_expect_check_(int kind, redisContext *c, const char *want_s,
                                   long long want_i, const char *file, int line,
                                   const char *fmt, ...) {
    char *desc = NULL, *got = NULL;
    va_list ap;
    va_start(ap, fmt);
    int pass = ts_expect_run_(c, kind, want_s, want_i, &desc, &got, fmt, ap);
    va_end(ap);
    if (kind == TS_EXP_INT)
        tap_ok_(pass, file, line, "%s -> :%lld", desc, want_i);
    else if (kind == TS_EXP_STR)
        tap_ok_(pass, file, line, "%s -> %s", desc, want_s ? want_s : "nil");
    else
        tap_ok_(pass, file, line, "%s -> %c%s", desc, kind == TS_EXP_ERR ? '-' : '+', want_s);
    if (!pass) printf("#     got: %s\n", got);
    fflush(stdout);
    free(desc);
    free(got);
    return pass;
}

/* One TAP check each: run the command (redisCommand format) and compare.
 *   status: reply is +want
 *   int:    reply is :want
 *   str:    reply is the bulk string want (NUL-free), or nil when want is NULL
 *   err:    reply is an error starting with want (e.g. "WRONGTYPE", "ERR syntax")
 */
#define ts_cmd_expect_status(c, want, ...) \
    ts_expect_check_(TS_EXP_STATUS, (c), (want), 0, __FILE__, __LINE__, __VA_ARGS__)
#define ts_cmd_expect_int(c, want, ...) \
    ts_expect_check_(TS_EXP_INT, (c), NULL, (want), __FILE__, __LINE__, __VA_ARGS__)
#define ts_cmd_expect_str(c, want, ...) \
    ts_expect_check_(TS_EXP_STR, (c), (want), 0, __FILE__, __LINE__, __VA_ARGS__)
#define ts_cmd_expect_err(c, want, ...) \
    ts_expect_check_(TS_EXP_ERR, (c), (want), 0, __FILE__, __LINE__, __VA_ARGS__)

/* Small helpers the integration tests (and strata-crashtest) share. */
int ts_pick_port(void);                         /* a loopback port free a moment ago, or -errno */
long long ts_now_ms(void);                      /* monotonic clock, ms */
void ts_sleep_ms(int ms);                       /* the whole time, despite EINTR */
/* The whole file, malloc'd and NUL-terminated (*len without the NUL);
 * NULL when it cannot be read.  len may be NULL.  Caller frees. */
char *ts_slurp(const char *path, size_t *len);

#endif
