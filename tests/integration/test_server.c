/*
 * tests/integration/test_server.c — the network and protocol layer of the
 * real bin/strata-server, seen from outside.
 *
 * Design
 *   One strata server (persistence off) serves most sections; sections that
 *   need their own settings (requirepass, unix socket) start their own. When
 *   $REDIS_SERVER runs, a reference redis-server (persistence off, DEBUG
 *   enabled) is started too and the byte-level sections are differential:
 *   the same bytes go to both and the replies must be the same.
 *
 *   Sections (each a function, each check a TAP line that can fail):
 *     inline       telnet-style commands, quoting, escapes, bare "\n"
 *     pipeline     10,000 mixed inline/multibulk commands in one write()
 *     bigarg       a 64 MiB argument: SET, STRLEN, GETRANGE, GET
 *     proto_errors every "-ERR Protocol error: ..." text, then the close
 *     slow_writer  a command sent one byte at a time
 *     diff_bytes   byte streams to strata and redis, transcripts compared
 *     half_bulk    a client stalls half-way through a 10 MB bulk; another
 *                  client's PINGs are answered promptly
 *     non_reader   a client pipelines MGETs and never reads; others unaffected
 *     auth         requirepass, NOAUTH, WRONGPASS, AUTH, AUTH default,
 *                  HELLO 3 AUTH, the unauthenticated request limits (diff)
 *     unix_socket  --port 0 --unixsocket: hiredis over the socket, flags=U
 *     resp3        HELLO 3, DEBUG PROTOCOL of every type, real commands (diff)
 *     monitor      MONITOR line format (diff), CLIENT LIST fields,
 *                  CLIENT KILL ID, QUIT
 *     redis_cli    --pipe 100k SETs, --scan --pattern, info keyspace
 *
 *   Transcript: bytes are written on a fresh connection, the write side is
 *   shut down, and every reply up to the server's close is rendered with
 *   ts_resp_parse, one per line, ending in "<closed>" (EOF or reset) or
 *   "<timeout>". Both servers process what they read before they see EOF,
 *   so a transcript is deterministic.
 *
 * hiredis here is 0.14 (no RESP3 types), so RESP3 is read raw.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/testsrv.h"
#include "tests/tap.h"

#define REPLY_MS 10000 /* generous: ASAN builds and a busy 2-core machine */

/* ------------------------------------------------------------ helpers */

/* The longest another client may wait on a hostile one. Measured on the
 * 2-core machine: < 10 ms for a stalled bulk, 250-450 ms for a non-reader
 * piling up 100 MB of replies (one realloc of its output buffer), which
 * redis-server (reply blocks) keeps under 70 ms. */
static long long stall_limit_ms(void) { return getenv("STRATA_ASAN") ? 3000 : 1500; }

/* A growable text buffer (test code: abort on out-of-memory). */
typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void buf_add(buf *b, const void *d, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p) abort();
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_adds(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

__attribute__((format(printf, 2, 3))) static void buf_addf(buf *b, const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof tmp) abort(); /* helpers format short things only */
    buf_add(b, tmp, (size_t)n);
}

/* Append one command as a RESP multibulk. */
static void buf_cmd(buf *b, int argc, const char *const *argv) {
    buf_addf(b, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        buf_addf(b, "$%zu\r\n", strlen(argv[i]));
        buf_add(b, argv[i], strlen(argv[i]));
        buf_add(b, "\r\n", 2);
    }
}

/* Read the next reply on r and compare its canonical text. */
static int raw_is(ts_raw *r, const char *want, const char *what) {
    char *got = NULL;
    int rc = ts_raw_read(r, REPLY_MS, &got);
    int pass = is_str(rc == 1 ? got : NULL, want, "%s", what);
    if (rc != 1) diag("read status %d (%s)", rc, rc < 0 ? strerror(-rc) : "EOF");
    free(got);
    return pass;
}

/* 1 when the peer closed (EOF or reset) within timeout_ms with no more
 * replies, 0 otherwise (a stray reply is printed). */
static int raw_closed(ts_raw *r, int timeout_ms) {
    char *got = NULL;
    int rc = ts_raw_read(r, timeout_ms, &got);
    if (rc == 1) diag("unexpected reply: %s", got);
    free(got);
    return rc == 0 || rc == -ECONNRESET || rc == -EPIPE;
}

/* Write bytes on a new connection, half-close, collect the replies (see the
 * design comment). Returns malloc'd text. */
static char *transcript(const ts_server *s, const void *bytes, size_t len) {
    buf out = {0};
    ts_raw *r = ts_raw_connect(s);
    if (!r) return strdup("<connect failed>");
    if (ts_raw_write(r, bytes, len) < 0) buf_adds(&out, "<write failed>\n");
    shutdown(ts_raw_fd(r), SHUT_WR);
    for (;;) {
        char *rep = NULL;
        int rc = ts_raw_read(r, REPLY_MS, &rep);
        if (rc == 1) {
            buf_adds(&out, rep);
            buf_adds(&out, "\n");
            free(rep);
            continue;
        }
        buf_adds(&out, rc == 0 || rc == -ECONNRESET ? "<closed>"
                       : rc == -ETIMEDOUT          ? "<timeout>"
                                                   : "<bad reply>");
        break;
    }
    ts_raw_close(r);
    return out.p;
}

/* Replace the digits after each occurrence of `key` by "N" (connection ids,
 * ports, timestamps differ between servers). In place. */
static void mask_after(char *s, const char *key) {
    size_t kl = strlen(key);
    for (char *p = strstr(s, key); p; p = strstr(p + kl, key)) {
        char *d = p + kl, *e = d;
        while (*e >= '0' && *e <= '9') e++;
        if (e == d) continue;
        *d = 'N';
        memmove(d + 1, e, strlen(e) + 1);
    }
}

static int regex_match(const char *re, const char *s) {
    regex_t rx;
    if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0) return 0;
    int m = regexec(&rx, s, 0, NULL, 0) == 0;
    regfree(&rx);
    return m;
}

/* A hiredis reply's string (status/bulk/error) or NULL. */
static const char *rstr(const redisReply *r) {
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
                 r->type == REDIS_REPLY_ERROR) ? r->str : NULL;
}

static long long rint_or(const redisReply *r, long long dflt) {
    return r && r->type == REDIS_REPLY_INTEGER ? r->integer : dflt;
}

/* The value of `key=` in a CLIENT LIST line, copied into out. */
static const char *client_field(const char *line, const char *key, char *out, size_t n) {
    size_t kl = strlen(key);
    out[0] = '\0';
    for (const char *p = line; p && *p;) {
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            const char *v = p + kl + 1;
            size_t vl = strcspn(v, " \n");
            if (vl >= n) vl = n - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return out;
        }
        p = strchr(p, ' ');
        if (p) p++;
    }
    return NULL;
}

/* The CLIENT LIST line (malloc'd) of the client with this id, or NULL. */
static char *client_line(redisContext *c, long long id) {
    redisReply *r = ts_cmd(c, "CLIENT LIST");
    char *line = NULL;
    char want[48];
    snprintf(want, sizeof want, "id=%lld ", id);
    for (const char *p = rstr(r); p && *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (strncmp(p, want, strlen(want)) == 0) {
            line = strndup(p, n);
            break;
        }
        p = e ? e + 1 : NULL;
    }
    if (r) freeReplyObject(r);
    return line;
}

static long long client_id(redisContext *c) {
    redisReply *r = ts_cmd(c, "CLIENT ID");
    long long id = rint_or(r, -1);
    if (r) freeReplyObject(r);
    return id;
}

/* "127.0.0.1:port" of a socket's local end. */
static void local_addr(int fd, char *out, size_t n) {
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
        snprintf(out, n, "?");
        return;
    }
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
    snprintf(out, n, "%s:%d", ip, ntohs(a.sin_port));
}

/* A blocking TCP connection to 127.0.0.1:port, or -1. */
static int tcp_connect(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Read until `b` holds at least `lines` CRLF-terminated lines or the time
 * is up. Returns the number of complete lines held. */
static int read_lines(int fd, buf *b, int lines, int timeout_ms) {
    long long deadline = ts_now_ms() + timeout_ms;
    for (;;) {
        int have = 0;
        for (const char *p = b->p; p && (p = strstr(p, "\r\n")); p += 2) have++;
        if (have >= lines) return have;
        long long left = deadline - ts_now_ms();
        if (left <= 0) return have;
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, (int)left) <= 0) continue;
        char tmp[4096];
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n <= 0) return have;
        buf_add(b, tmp, (size_t)n);
    }
}

/* --------------------------------------------------------- inline */

static void test_inline(ts_server *s) {
    ts_raw *r = ts_raw_connect(s);
    ok(r != NULL, "inline: raw connection");
    if (!r) return;
    /* exactly what a person types into telnet (CRLF) or nc (bare LF) */
    const char typed[] = "SET \"a b\" \"c\\x41d\\n\"\r\n"
                         "GET \"a b\"\r\n"
                         "  ECHO   'single quoted \"inner\"'  \n"
                         "\r\n"
                         "   \r\n"
                         "ECHO \"tab\\there\" plain\r\n"
                         "ECHO \"\"\r\n"
                         "set Lower case\n"
                         "get Lower\r\n"
                         "NOSUCHCMD x \"y z\"\r\n"
                         "ping\n";
    ok(ts_raw_write(r, typed, sizeof typed - 1) == 0, "inline: wrote the typed lines");
    raw_is(r, "+OK", "inline: SET with double-quoted args and \\x escapes");
    raw_is(r, "\"cAd\\n\"", "inline: GET \"a b\" gives the unescaped value");
    raw_is(r, "\"single quoted \\\"inner\\\"\"", "inline: single quotes keep inner double quotes");
    raw_is(r, "-ERR wrong number of arguments for 'echo' command",
           "inline: blank lines skipped; ECHO with 2 args is an arity error");
    raw_is(r, "\"\"", "inline: ECHO \"\" is an empty bulk");
    raw_is(r, "+OK", "inline: lower-case command, bare LF");
    raw_is(r, "\"case\"", "inline: get Lower");
    raw_is(r, "-ERR unknown command 'NOSUCHCMD', with args beginning with: 'x' 'y z' ",
           "inline: unknown command error names the quoted args");
    raw_is(r, "+PONG", "inline: ping with bare LF");
    ts_raw_close(r);
}

/* -------------------------------------------------------- pipeline */

static void test_pipeline(ts_server *s) {
    enum { N = 10000 };
    buf req = {0};
    char **want = calloc(N, sizeof *want);
    if (!want) abort();
    long long counter = 0;
    for (int i = 0; i < N; i++) {
        char k[32], v[32], line[96];
        buf w = {0};
        switch (i % 5) {
        case 0: /* multibulk SET */
            snprintf(k, sizeof k, "pk:%d", i);
            snprintf(v, sizeof v, "val:%d", i * 7);
            buf_cmd(&req, 3, (const char *[]){"SET", k, v});
            buf_adds(&w, "+OK");
            break;
        case 1: /* inline INCR */
            buf_adds(&req, "INCR pcounter\r\n");
            buf_addf(&w, ":%lld", ++counter);
            break;
        case 2: /* multibulk GET of the key set two commands ago */
            snprintf(k, sizeof k, "pk:%d", i - 2);
            buf_cmd(&req, 2, (const char *[]){"GET", k});
            buf_addf(&w, "\"val:%d\"", (i - 2) * 7);
            break;
        case 3: /* inline ECHO with a quoted argument */
            snprintf(line, sizeof line, "ECHO \"e %d\"\r\n", i);
            buf_adds(&req, line);
            buf_addf(&w, "\"e %d\"", i);
            break;
        default: /* multibulk DEL */
            snprintf(k, sizeof k, "pk:%d", i - 4);
            buf_cmd(&req, 2, (const char *[]){"DEL", k});
            buf_adds(&w, ":1");
        }
        want[i] = w.p;
    }
    ts_raw *r = ts_raw_connect(s);
    ok(r != NULL, "pipeline: raw connection");
    if (!r) goto out;
    long long t0 = ts_now_ms();
    ssize_t nw = write(ts_raw_fd(r), req.p, req.len);
    ok(nw == (ssize_t)req.len, "pipeline: %d commands (%zu bytes) in one write()", N, req.len);
    if (nw >= 0 && (size_t)nw < req.len) ts_raw_write(r, req.p + nw, req.len - (size_t)nw);
    int good = 0, first_bad = -1;
    char *first_got = NULL;
    for (int i = 0; i < N; i++) {
        char *got = NULL;
        int rc = ts_raw_read(r, REPLY_MS, &got);
        if (rc != 1) {
            diag("pipeline: reply %d: read status %d", i, rc);
            break;
        }
        if (strcmp(got, want[i]) == 0) {
            good++;
            free(got);
        } else if (first_bad < 0) {
            first_bad = i;
            first_got = got;
        } else {
            free(got);
        }
    }
    is_int(good, N, "pipeline: all %d replies correct and in order (%lld ms)", N, ts_now_ms() - t0);
    if (first_bad >= 0) diag("first wrong reply #%d: got %s, want %s", first_bad, first_got, want[first_bad]);
    free(first_got);
    ts_raw_cmd(r, 2, (const char *[]){"GET", "pcounter"}, NULL);
    raw_is(r, "\"2000\"", "pipeline: no extra replies; the counter saw every INCR");
    ts_raw_close(r);
out:
    for (int i = 0; i < N; i++) free(want[i]);
    free(want);
    free(req.p);
}

/* ---------------------------------------------------------- bigarg */

static void test_bigarg(ts_server *s, redisContext *c) {
    const size_t N = 64u << 20;
    char *val = malloc(N);
    if (!val) abort();
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < N; i++) { /* xorshift: no repetition a bug could hide in */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        val[i] = (char)(x & 0xff);
    }
    ts_raw *r = ts_raw_connect(s);
    ok(r != NULL, "bigarg: raw connection");
    if (!r) goto out;
    char hdr[80];
    int hl = snprintf(hdr, sizeof hdr, "*3\r\n$3\r\nSET\r\n$6\r\nbigarg\r\n$%zu\r\n", N);
    long long t0 = ts_now_ms();
    int wr = ts_raw_write(r, hdr, (size_t)hl) == 0 && ts_raw_write(r, val, N) == 0 &&
             ts_raw_write(r, "\r\n", 2) == 0;
    ok(wr, "bigarg: wrote SET with a 64 MiB argument");
    raw_is(r, "+OK", "bigarg: SET of 64 MiB answers +OK");
    long long ms = ts_now_ms() - t0;
    ok(ms < 20000, "bigarg: the 64 MiB SET took %lld ms (linear, not quadratic)", ms);
    ts_raw_close(r);

    ts_cmd_expect_int(c, (long long)N, "STRLEN bigarg");
    struct { size_t from, to; } ranges[] = {{0, 15}, {N / 2 - 3, N / 2 + 12}, {N - 16, N - 1}};
    for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
        /* hiredis 0.14's format knows no %zu */
        redisReply *rep = ts_cmd(c, "GETRANGE bigarg %lld %lld", (long long)ranges[i].from,
                                 (long long)ranges[i].to);
        is_mem(rep && rep->type == REDIS_REPLY_STRING ? rep->str : NULL, rep ? rep->len : 0,
               val + ranges[i].from, ranges[i].to - ranges[i].from + 1, "bigarg: GETRANGE %zu %zu",
               ranges[i].from, ranges[i].to);
        if (rep) freeReplyObject(rep);
    }
    redisReply *rep = ts_cmd(c, "GET bigarg");
    ok(rep && rep->type == REDIS_REPLY_STRING && rep->len == N && memcmp(rep->str, val, N) == 0,
       "bigarg: GET returns the 64 MiB byte for byte");
    if (rep) freeReplyObject(rep);
    ts_cmd_expect_int(c, 1, "DEL bigarg");
out:
    free(val);
}

/* ---------------------------------------------------- proto errors */

typedef struct err_case {
    const char *name;
    const char *bytes; /* NULL: generated, see make_case() */
    const char *want;  /* the whole transcript */
} err_case;

static char *make_case(const char *name, size_t *len) {
    buf b = {0};
    if (strcmp(name, "too big inline request") == 0) {
        for (int i = 0; i < 70000; i++) buf_add(&b, "A", 1);
    } else if (strcmp(name, "too big mbulk count string") == 0) {
        buf_add(&b, "*", 1);
        for (int i = 0; i < 70000; i++) buf_add(&b, "1", 1);
    } else if (strcmp(name, "too big bulk count string") == 0) {
        buf_adds(&b, "*1\r\n$");
        for (int i = 0; i < 70000; i++) buf_add(&b, "1", 1);
    }
    *len = b.len;
    return b.p;
}

static const err_case err_cases[] = {
    {"multibulk count not a number", "*abc\r\n",
     "-ERR Protocol error: invalid multibulk length\n<closed>"},
    {"multibulk count with '+'", "*+1\r\n", "-ERR Protocol error: invalid multibulk length\n<closed>"},
    {"multibulk count above INT_MAX", "*3000000000\r\n",
     "-ERR Protocol error: invalid multibulk length\n<closed>"},
    {"bulk length not a number", "*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\n<closed>"},
    {"negative bulk length", "*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\n<closed>"},
    {"bulk length above proto-max-bulk-len", "*1\r\n$600000000\r\n",
     "-ERR Protocol error: invalid bulk length\n<closed>"},
    {"expected '$'", "*2\r\n$4\r\nECHO\r\nfoo\r\n",
     "-ERR Protocol error: expected '$', got 'f'\n<closed>"},
    {"expected '$' at a CR", "*1\r\n\r\n", "-ERR Protocol error: expected '$', got ' '\n<closed>"},
    {"unbalanced double quote", "SET \"a b\r\n",
     "-ERR Protocol error: unbalanced quotes in request\n<closed>"},
    {"closing quote followed by a letter", "SET 'a'b c\r\n",
     "-ERR Protocol error: unbalanced quotes in request\n<closed>"},
    {"too big inline request", NULL, "-ERR Protocol error: too big inline request\n<closed>"},
    {"too big mbulk count string", NULL, "-ERR Protocol error: too big mbulk count string\n<closed>"},
    {"too big bulk count string", NULL, "-ERR Protocol error: too big bulk count string\n<closed>"},
    {"commands before the error are answered", "PING\r\n*1\r\n$4\r\nECHO\r\n*x\r\nPING\r\n",
     "+PONG\n-ERR wrong number of arguments for 'echo' command\n"
     "-ERR Protocol error: invalid multibulk length\n<closed>"},
};

static void test_proto_errors(ts_server *s, redisContext *c) {
    for (size_t i = 0; i < sizeof err_cases / sizeof *err_cases; i++) {
        const err_case *e = &err_cases[i];
        size_t len = 0;
        char *gen = e->bytes ? NULL : make_case(e->name, &len);
        const char *bytes = e->bytes ? e->bytes : gen;
        if (e->bytes) len = strlen(e->bytes);
        /* Not half-closed: the server must close by itself. */
        ts_raw *r = ts_raw_connect(s);
        buf got = {0};
        if (r && ts_raw_write(r, bytes, len) == 0) {
            for (;;) {
                char *rep = NULL;
                int rc = ts_raw_read(r, 5000, &rep);
                if (rc != 1) {
                    buf_adds(&got, rc == 0 || rc == -ECONNRESET ? "<closed>" : "<still open>");
                    break;
                }
                buf_adds(&got, rep);
                buf_adds(&got, "\n");
                free(rep);
            }
        }
        is_str(got.p, e->want, "protocol error: %s -> exact text, connection closed", e->name);
        free(got.p);
        ts_raw_close(r);
        free(gen);
    }
    ts_cmd_expect_status(c, "PONG", "PING"); /* the server is fine after them */
}

/* ------------------------------------------------------ slow writer */

static void test_slow_writer(ts_server *s, redisContext *c) {
    const char req[] = "*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$10\r\nbyte\r\nbyte\r\n"
                       "GET slow\r\n";
    ts_raw *r = ts_raw_connect(s);
    ok(r != NULL, "slow writer: raw connection");
    if (!r) return;
    int wrote = 1;
    for (size_t i = 0; i < sizeof req - 1; i++) {
        wrote &= ts_raw_write(r, req + i, 1) == 0;
        if (i % 8 == 0) {
            redisReply *p = ts_cmd(c, "PING"); /* others are served meanwhile */
            wrote &= rstr(p) && strcmp(rstr(p), "PONG") == 0;
            if (p) freeReplyObject(p);
        }
        ts_sleep_ms(1);
    }
    ok(wrote, "slow writer: %zu single-byte writes, other client served in between", sizeof req - 1);
    raw_is(r, "+OK", "slow writer: SET assembled from single bytes");
    raw_is(r, "\"byte\\r\\nbyte\"", "slow writer: inline GET assembled from single bytes");
    ts_raw_close(r);
}

/* ------------------------------------------------ differential bytes */

static const char *const diff_streams[] = {
    "PING\r\n",
    "set \"a b\" \"c\\x41d\"\r\nget \"a b\"\r\n",
    "  ECHO   'x y'  \n\r\n\r\nping\n",
    "echo \"\\xZZ\" \"\\q\" \"\\n\"\r\n",
    "*-1\r\n*0\r\nPING\r\n",
    "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
    "*abc\r\n", "*+1\r\n", "*3000000000\r\n", "*1\r\n$x\r\n", "*1\r\n$-1\r\n",
    "*1\r\n$600000000\r\n", "*1\r\nfoo\r\n", "*1\r\n\r\n", "SET \"a b\r\n", "SET 'a'b c\r\n",
    "PING\r\n*1\r\n$4\r\nECHO\r\n*x\r\nPING\r\n",
    "*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n*1\r\n$4\r\nPING", /* trailing partial */
    "NOSUCHCMD x \"y z\"\r\nGET\r\nSET k v EX 0\r\nSET k v EX -5\r\n",
    "ECHO \"unterminated\r\n",
    "MULTI\r\nSET a 1\r\nINCR a\r\nEXEC\r\n",
    "QUIT\r\nPING\r\n",
    "RESET\r\nSELECT 99\r\nCLIENT SETNAME \"bad name\"\r\nCLIENT GETNAME\r\n",
};

static void diff_one(ts_server *st, ts_server *rd, const char *bytes, size_t len, const char *label) {
    char *a = transcript(st, bytes, len), *b = transcript(rd, bytes, len);
    is_str(a, b, "differential: %s", label);
    free(a);
    free(b);
}

static void test_diff_bytes(ts_server *s, ts_server *ref) {
    if (!ref) {
        skip("differential byte streams", "no redis-server");
        return;
    }
    for (size_t i = 0; i < sizeof diff_streams / sizeof *diff_streams; i++) {
        char *label = ts_escape(diff_streams[i], strlen(diff_streams[i]) > 50 ? 50 : strlen(diff_streams[i]));
        diff_one(s, ref, diff_streams[i], strlen(diff_streams[i]), label);
        free(label);
    }
    const char *gen[] = {"too big inline request", "too big mbulk count string", "too big bulk count string"};
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        char *b = make_case(gen[i], &len);
        diff_one(s, ref, b, len, gen[i]);
        free(b);
    }
    /* A 100-command mixed pipeline, byte for byte. */
    buf p = {0};
    for (int i = 0; i < 100; i++) {
        if (i % 3 == 0) buf_addf(&p, "INCRBY n %d\r\n", i);
        else if (i % 3 == 1) buf_cmd(&p, 2, (const char *[]){"GET", "n"});
        else buf_addf(&p, "APPEND s \"%d,\"\r\n", i);
    }
    buf_adds(&p, "GET s\r\nDEL n s\r\n");
    diff_one(s, ref, p.p, p.len, "100-command mixed pipeline");
    free(p.p);
}

/* -------------------------------------------------- hostile clients */

static void test_half_bulk(ts_server *s, redisContext *c) {
    enum { TOTAL = 10000000, SENT = 5000000 };
    ts_raw *a = ts_raw_connect(s);
    ok(a != NULL, "half bulk: stalling client connected");
    if (!a) return;
    char *data = malloc(TOTAL);
    if (!data) abort();
    memset(data, 'h', TOTAL);
    const char hdr[] = "*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$10000000\r\n";
    ok(ts_raw_write(a, hdr, sizeof hdr - 1) == 0 && ts_raw_write(a, data, SENT) == 0,
       "half bulk: sent the header and %d of %d bytes, then stopped", SENT, TOTAL);
    long long worst = 0, t0 = ts_now_ms();
    int pongs = 0;
    for (int i = 0; i < 100; i++) {
        long long t = ts_now_ms();
        redisReply *r = ts_cmd(c, "PING");
        if (rstr(r) && strcmp(rstr(r), "PONG") == 0) pongs++;
        if (r) freeReplyObject(r);
        if (ts_now_ms() - t > worst) worst = ts_now_ms() - t;
    }
    is_int(pongs, 100, "half bulk: another client's 100 PINGs all answered");
    ok(worst < stall_limit_ms(), "half bulk: slowest PING took %lld ms (all 100 in %lld ms)", worst,
       ts_now_ms() - t0);
    ts_cmd_expect_int(c, 0, "EXISTS half (nothing applied yet)");
    ok(ts_raw_write(a, data + SENT, TOTAL - SENT) == 0 && ts_raw_write(a, "\r\n", 2) == 0,
       "half bulk: the rest of the bulk sent");
    raw_is(a, "+OK", "half bulk: the stalled SET completes");
    ts_cmd_expect_int(c, TOTAL, "STRLEN half");
    ts_cmd_expect_int(c, 1, "DEL half");
    ts_raw_close(a);
    free(data);
}

/* Queue `count` copies of req on fd without reading any reply, PINGing on
 * c after each; returns how many were queued, sets *pongs and *worst. */
static int queue_unread(int fd, const buf *req, int count, redisContext *c, int *pongs, long long *worst) {
    int sent = 0;
    *pongs = 0;
    *worst = 0;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    for (int i = 0; i < count; i++) {
        size_t off = 0;
        long long t0 = ts_now_ms();
        while (off < req->len && ts_now_ms() - t0 < REPLY_MS) {
            ssize_t n = send(fd, req->p + off, req->len - off, MSG_NOSIGNAL);
            if (n > 0) off += (size_t)n;
            else if (n < 0 && errno != EAGAIN) break;
            else ts_sleep_ms(1);
        }
        if (off < req->len) break;
        sent++;
        long long t = ts_now_ms();
        redisReply *r = ts_cmd(c, "PING");
        if (rstr(r) && strcmp(rstr(r), "PONG") == 0) (*pongs)++;
        if (r) freeReplyObject(r);
        if (ts_now_ms() - t > *worst) *worst = ts_now_ms() - t;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return sent;
}

static int wait_clients(redisContext *c, int want) {
    char needle[48];
    snprintf(needle, sizeof needle, "connected_clients:%d\r\n", want);
    for (long long t0 = ts_now_ms(); ts_now_ms() - t0 < 5000; ts_sleep_ms(20)) {
        redisReply *r = ts_cmd(c, "INFO clients");
        int hit = rstr(r) && strstr(rstr(r), needle);
        if (r) freeReplyObject(r);
        if (hit) return 1;
    }
    return 0;
}

static void test_non_reader(ts_server *s, redisContext *c) {
    enum { KEYS = 100, VLEN = 10000, MGETS = 100 };
    char *v = malloc(VLEN + 1);
    if (!v) abort();
    for (int i = 0; i < VLEN; i++) v[i] = (char)('a' + i % 26);
    v[VLEN] = '\0';
    buf mget = {0}, one = {0};
    buf_adds(&mget, "MGET");
    buf_addf(&one, "*%d\r\n", KEYS);
    for (int i = 0; i < KEYS; i++) {
        v[0] = (char)('A' + i % 26); /* each value differs: misordered output shows */
        redisReply *r = ts_cmd(c, "SET nr:%d %s", i, v);
        if (r) freeReplyObject(r);
        buf_addf(&mget, " nr:%d", i);
        buf_addf(&one, "$%d\r\n", VLEN);
        buf_add(&one, v, VLEN);
        buf_adds(&one, "\r\n");
    }
    buf_adds(&mget, "\r\n");
    free(v);

    int fd = tcp_connect(s->port);
    ok(fd >= 0, "non-reader: connected");
    if (fd < 0) goto out;
    /* No SO_RCVBUF games: shrinking it on a connected socket can leave the
     * window at zero for the whole persist-timer backoff. 100 MB of replies
     * overflow any default buffer anyway. */
    int pongs;
    long long worst;
    int sent = queue_unread(fd, &mget, MGETS, c, &pongs, &worst);
    is_int(sent, MGETS, "non-reader: queued %d MGETs (%zu-byte replies) without reading", MGETS, one.len);
    is_int(pongs, sent, "non-reader: another client's PING after each was answered");
    ok(worst < stall_limit_ms(), "non-reader: slowest of those PINGs took %lld ms", worst);
    /* The server holds the unread replies, it did not block on them. */
    redisReply *r = ts_cmd(c, "CLIENT LIST");
    long long most = 0;
    for (const char *p = rstr(r); p && (p = strstr(p, " omem=")); p++) {
        long long m = atoll(p + 6);
        if (m > most) most = m;
    }
    if (r) freeReplyObject(r);
    ok(most > 1000000, "non-reader: CLIENT LIST shows its pending output (omem=%lld)", most);
    /* Now read everything: byte for byte the replies, in order. */
    size_t total = one.len * (size_t)sent, got = 0, first_diff = (size_t)-1;
    char chunk[65536];
    long long t_read = ts_now_ms();
    while (got < total && ts_now_ms() - t_read < 30000) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, REPLY_MS) <= 0) break;
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0) break;
        for (ssize_t i = 0; i < n && first_diff == (size_t)-1; i++) {
            size_t at = got + (size_t)i;
            if (at >= total || chunk[i] != one.p[at % one.len]) first_diff = at;
        }
        got += (size_t)n;
    }
    ok(got == total && first_diff == (size_t)-1,
       "non-reader: reading late, it gets all %zu bytes of its replies intact and in order (%lld ms)", total,
       ts_now_ms() - t_read);
    if (first_diff != (size_t)-1) diag("first wrong byte at %zu of %zu", first_diff, total);
    if (got != total) diag("got %zu of %zu bytes", got, total);
    close(fd);

    /* A second one closes with its output still pending: it is freed. */
    fd = tcp_connect(s->port);
    sent = fd >= 0 ? queue_unread(fd, &mget, 20, c, &pongs, &worst) : 0;
    is_int(sent, 20, "non-reader 2: queued 20 MGETs");
    if (fd >= 0) close(fd);
    ok(wait_clients(c, 1), "non-reader 2: closed with output pending, its connection is freed");
    ts_cmd_expect_status(c, "PONG", "PING");
out:
    free(mget.p);
    free(one.p);
    r = ts_cmd(c, "FLUSHALL");
    if (r) freeReplyObject(r);
}

/* ------------------------------------------------------------- auth */

static const char *const auth_streams[] = {
    "PING\r\nGET k\r\nSET k v\r\nCLIENT SETNAME x\r\n",
    "AUTH wrong\r\nAUTH default wrong\r\nAUTH nouser secret\r\nAUTH a b c\r\n",
    "AUTH secret\r\nPING\r\nAUTH default secret\r\nSET k v\r\nGET k\r\n",
    "HELLO 3 AUTH default wrong\r\nPING\r\n",
    "HELLO 2 AUTH default secret\r\nPING\r\n",
    "HELLO 2\r\n",
    "*11\r\n",
    "*2\r\n$4\r\nAUTH\r\n$20000\r\n",
    "*2\r\n$4\r\nECHO\r\n$16384\r\n",
    "AUTH secret\r\n*11\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
    "$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\nMGET a e\r\n",
    "AUTH secret\r\nRESET\r\nPING\r\n",
    "QUIT\r\n",
};

static void test_auth(int have_ref) {
    const char *args[] = {"--requirepass", "secret", NULL};
    ts_server *s = ts_start(&(ts_opts){.args = args});
    ok(s != NULL, "auth: server with requirepass started");
    if (!s) return;
    redisContext *c = ts_connect(s);
    if (c) {
        ts_cmd_expect_err(c, "NOAUTH Authentication required.", "PING");
        ts_cmd_expect_err(c, "NOAUTH Authentication required.", "GET k");
        ts_cmd_expect_err(c, "WRONGPASS invalid username-password pair or user is disabled.", "AUTH wrong");
        ts_cmd_expect_err(c, "WRONGPASS invalid username-password pair or user is disabled.",
                          "AUTH default wrong");
        ts_cmd_expect_err(c, "NOAUTH Authentication required.", "SET k v"); /* still */
        ts_cmd_expect_status(c, "OK", "AUTH secret");
        ts_cmd_expect_status(c, "PONG", "PING");
        ts_cmd_expect_status(c, "OK", "AUTH default secret");
        redisFree(c);
    }
    ts_raw *r = ts_raw_connect(s);
    if (r) {
        ts_raw_cmd(r, 5, (const char *[]){"HELLO", "3", "AUTH", "default", "secret"}, NULL);
        char *rep = NULL;
        int rc = ts_raw_read(r, REPLY_MS, &rep);
        ok(rc == 1 && rep[0] == '{' && strstr(rep, "\"proto\": :3"), "HELLO 3 AUTH default secret: a RESP3 map");
        if (rc == 1 && rep[0] != '{') diag("got %s", rep);
        free(rep);
        ts_raw_cmd(r, 2, (const char *[]){"GET", "nokey"}, NULL);
        raw_is(r, "null", "after HELLO 3 AUTH: authenticated, RESP3 null");
        ts_raw_close(r);
    }
    r = ts_raw_connect(s);
    if (r) {
        ts_raw_write(r, "*11\r\n", 5);
        raw_is(r, "-ERR Protocol error: unauthenticated multibulk length",
               "unauthenticated: *11 refused");
        ok(raw_closed(r, 5000), "unauthenticated: connection closed after *11");
        ts_raw_close(r);
    }
    r = ts_raw_connect(s);
    if (r) {
        const char big[] = "*2\r\n$4\r\nAUTH\r\n$16385\r\n";
        ts_raw_write(r, big, sizeof big - 1);
        raw_is(r, "-ERR Protocol error: unauthenticated bulk length", "unauthenticated: $16385 refused");
        ok(raw_closed(r, 5000), "unauthenticated: connection closed after a big bulk");
        ts_raw_close(r);
    }
    /* The same streams against redis-server with the same password. */
    ts_server *ref = NULL;
    if (have_ref) {
        const char *rargs[] = {"--requirepass", "secret", NULL};
        ref = ts_start(&(ts_opts){.bin = ts_redis_bin(), .args = rargs});
    }
    if (!ref) skip("auth differential", "no redis-server");
    for (size_t i = 0; ref && i < sizeof auth_streams / sizeof *auth_streams; i++) {
        size_t n = strlen(auth_streams[i]);
        char *a = transcript(s, auth_streams[i], n), *b = transcript(ref, auth_streams[i], n);
        mask_after(a, "\"id\", :");
        mask_after(b, "\"id\", :");
        char *label = ts_escape(auth_streams[i], n > 40 ? 40 : n);
        is_str(a, b, "auth differential: %s", label);
        free(label);
        free(a);
        free(b);
    }
    ts_free(ref);
    ts_free(s);
}

/* ------------------------------------------------------ unix socket */

static void test_unix_socket(void) {
    char dir[] = "/tmp/strata-unix-XXXXXX";
    if (!mkdtemp(dir)) {
        ok(0, "unix socket: mkdtemp: %s", strerror(errno));
        return;
    }
    char sock[96], logf[96], stdio[96];
    snprintf(sock, sizeof sock, "%s/s.sock", dir);
    snprintf(logf, sizeof logf, "%s/server.log", dir);
    snprintf(stdio, sizeof stdio, "%s/stdio.log", dir);
    const char *argv[] = {ts_strata_bin(), "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
                          "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", logf, NULL};
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);
        int fd = open(stdio, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    redisContext *c = NULL;
    for (long long t0 = ts_now_ms(); pid > 0 && ts_now_ms() - t0 < 15000; ts_sleep_ms(20)) {
        c = redisConnectUnixWithTimeout(sock, (struct timeval){5, 0});
        if (c && !c->err) break;
        if (c) redisFree(c);
        c = NULL;
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            pid = 0;
            break;
        }
    }
    ok(c != NULL, "unix socket: redisConnectUnix to --port 0 --unixsocket %s", sock);
    struct stat st;
    ok(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0700,
       "unix socket: the socket file exists with unixsocketperm 700");
    if (c) {
        redisSetTimeout(c, (struct timeval){REPLY_MS / 1000, 0});
        ts_cmd_expect_status(c, "PONG", "PING"); /* over the unix socket */
        ts_cmd_expect_status(c, "OK", "SET u 1");
        ts_cmd_expect_str(c, "1", "GET u");
        long long id = client_id(c);
        char *line = client_line(c, id);
        char flags[32] = "", addr[128] = "", laddr[128] = "";
        client_field(line ? line : "", "flags", flags, sizeof flags);
        client_field(line ? line : "", "addr", addr, sizeof addr);
        client_field(line ? line : "", "laddr", laddr, sizeof laddr);
        is_str(flags, "U", "unix socket: CLIENT LIST flags=U");
        char want[128];
        snprintf(want, sizeof want, "%s:0", sock); /* what redis-server 7.0 shows */
        is_str(addr, want, "unix socket: CLIENT LIST addr= is the socket path, :0");
        is_str(laddr, want, "unix socket: CLIENT LIST laddr= is the socket path, :0");
        if (!line) diag("no CLIENT LIST line for id %lld", id);
        free(line);
        redisReply *r = ts_cmd(c, "CONFIG GET port");
        ok(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && strcmp(r->element[1]->str, "0") == 0,
           "unix socket: CONFIG GET port is 0");
        if (r) freeReplyObject(r);
        redisFree(c);
    }
    if (pid > 0) {
        kill(pid, SIGTERM);
        int status = -1;
        for (long long t0 = ts_now_ms(); ts_now_ms() - t0 < 10000; ts_sleep_ms(10))
            if (waitpid(pid, &status, WNOHANG) == pid) break;
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "unix socket: SIGTERM exit 0");
        if (!(WIFEXITED(status))) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
    }
    ok(access(sock, F_OK) != 0, "unix socket: socket file removed at shutdown");
    remove(sock);
    remove(logf);
    remove(stdio);
    rmdir(dir);
}

/* ------------------------------------------------------------ RESP3 */

typedef struct resp3_case {
    const char *cmd;  /* inline */
    const char *want; /* canonical text; NULL: only compared with redis */
    int replies;      /* replies it produces (push + reply = 2); 0 means 1 */
} resp3_case;

static const resp3_case resp3_cases[] = {
    {"DEBUG PROTOCOL map", "{:0: #f, :1: #t, :2: #f}", 0},
    {"DEBUG PROTOCOL set", "~{:0, :1, :2}", 0},
    {"DEBUG PROTOCOL double", ",3.141", 0},
    {"DEBUG PROTOCOL null", "null", 0},
    {"DEBUG PROTOCOL true", "#t", 0},
    {"DEBUG PROTOCOL false", "#f", 0},
    {"DEBUG PROTOCOL bignum", "(1234567999999999999999999999999999999", 0},
    {"DEBUG PROTOCOL verbatim", "=txt:\"This is a verbatim\\nstring\"", 0},
    {"DEBUG PROTOCOL attrib",
     "|{\"key-popularity\": [\"key:123\", :90]} \"Some real reply following the attribute\"", 0},
    {"DEBUG PROTOCOL push", ">[\"server-cpu-usage\", :42]\n\"Some real reply following the push reply\"", 2},
    {"DEBUG PROTOCOL string", "\"Hello World\"", 0},
    {"DEBUG PROTOCOL integer", ":12345", 0},
    {"GET resp3:none", "null", 0},
    {"CONFIG GET maxmemory", "{\"maxmemory\": \"0\"}", 0},
    {"SET resp3:f 1.5", "+OK", 0},
    {"INCRBYFLOAT resp3:f 0.25", "\"1.75\"", 0},
    {"MGET resp3:f resp3:none", "[\"1.75\", null]", 0},
    {"EXISTS resp3:f resp3:none", ":1", 0},
    {"SET resp3:f 2 GET", "\"1.75\"", 0},
    {"CONFIG GET hz", "{\"hz\": \"10\"}", 0},
    {"ECHO \"\"", "\"\"", 0},
    /* type commands: compared with redis when strata has them */
    {"HSET resp3:h a 1 b 2", NULL, 0},
    {"HGETALL resp3:h", NULL, 0},
    {"SADD resp3:s x", NULL, 0},
    {"SMEMBERS resp3:s", NULL, 0},
    {"ZADD resp3:z 1.5 a 2 b", NULL, 0},
    {"ZSCORE resp3:z a", NULL, 0},
    {"ZRANGE resp3:z 0 -1 WITHSCORES", NULL, 0},
    {"ZINCRBY resp3:z 1 a", NULL, 0},
    {"HELLO 2", NULL, 0},
    {"DEBUG PROTOCOL map", "[:0, :0, :1, :1, :2, :0]", 0},
    {"DEBUG PROTOCOL set", "[:0, :1, :2]", 0},
    {"DEBUG PROTOCOL double", "\"3.141\"", 0},
    {"DEBUG PROTOCOL null", "nil", 0},
    {"DEBUG PROTOCOL true", ":1", 0},
    {"CONFIG GET maxmemory", "[\"maxmemory\", \"0\"]", 0},
    {"GET resp3:none", "nil", 0},
};

/* Run every case on a raw connection after HELLO 3. Returns one malloc'd
 * text per case in out[] (the replies, '\n'-joined). */
static void resp3_run(ts_server *s, char **out, size_t n) {
    ts_raw *r = ts_raw_connect(s);
    char *rep = NULL;
    if (r) {
        ts_raw_write(r, "HELLO 3\r\n", 9);
        if (ts_raw_read(r, REPLY_MS, &rep) != 1) rep = NULL;
    }
    free(rep);
    for (size_t i = 0; i < n; i++) {
        buf b = {0};
        int replies = resp3_cases[i].replies ? resp3_cases[i].replies : 1;
        if (r) {
            ts_raw_write(r, resp3_cases[i].cmd, strlen(resp3_cases[i].cmd));
            ts_raw_write(r, "\r\n", 2);
        }
        for (int k = 0; r && k < replies; k++) {
            rep = NULL;
            int rc = ts_raw_read(r, REPLY_MS, &rep);
            if (k) buf_adds(&b, "\n");
            buf_adds(&b, rc == 1 ? rep : "<no reply>");
            free(rep);
        }
        buf_adds(&b, "");
        out[i] = b.p;
    }
    ts_raw_close(r);
}

static void test_resp3(ts_server *s, ts_server *ref) {
    ts_raw *r = ts_raw_connect(s);
    if (r) {
        ts_raw_write(r, "HELLO 3\r\n", 9);
        char *rep = NULL;
        int rc = ts_raw_read(r, REPLY_MS, &rep);
        if (rc == 1) mask_after(rep, "\"id\": :");
        is_str(rc == 1 ? rep : NULL,
               "{\"server\": \"redis\", \"version\": \"7.0.15\", \"proto\": :3, \"id\": :N, \"mode\": "
               "\"standalone\", \"role\": \"master\", \"modules\": []}",
               "RESP3: HELLO 3 is a map");
        free(rep);
        ts_raw_close(r);
    }
    enum { N = sizeof resp3_cases / sizeof *resp3_cases };
    char *got[N], *ref_got[N];
    resp3_run(s, got, N);
    if (ref) resp3_run(ref, ref_got, N);
    for (size_t i = 0; i < N; i++) {
        const resp3_case *k = &resp3_cases[i];
        int unknown = strncmp(got[i], "-ERR unknown command", 20) == 0;
        if (k->want) is_str(got[i], k->want, "RESP3 phase: %s", k->cmd);
        if (!ref) skip(k->cmd, "no redis-server for the RESP3 comparison");
        else if (unknown && !k->want) skip(k->cmd, "the type is not in strata yet");
        else {
            if (strncmp(k->cmd, "HELLO", 5) == 0) {
                mask_after(got[i], "\"id\", :");
                mask_after(ref_got[i], "\"id\", :");
            }
            is_str(got[i], ref_got[i], "RESP3 phase vs redis: %s", k->cmd);
        }
    }
    for (size_t i = 0; i < N; i++) {
        free(got[i]);
        if (ref) free(ref_got[i]);
    }
}

/* -------------------------------------------------- monitor, client */

/* MONITOR lines for a fixed command sequence sent on a second connection,
 * with the timestamp and the client's port masked. */
static char *monitor_lines(ts_server *s) {
    int mon = tcp_connect(s->port);
    redisContext *c = ts_connect(s);
    buf lines = {0};
    if (mon < 0 || !c) {
        if (mon >= 0) close(mon);
        if (c) redisFree(c);
        return strdup("<connect failed>");
    }
    char caddr[64];
    local_addr(c->fd, caddr, sizeof caddr);
    (void)!write(mon, "MONITOR\r\n", 9);
    read_lines(mon, &lines, 1, REPLY_MS);
    const char *bin[] = {"SET", "mon:bin", "a\"b\\c\x01\xff d"};
    size_t binlen[] = {3, 7, 9};
    redisReply *r;
    if ((r = ts_cmd(c, "set mon:k %s", "v w"))) freeReplyObject(r);
    if ((r = ts_cmd_argv(c, 3, bin, binlen))) freeReplyObject(r);
    if ((r = ts_cmd(c, "SELECT 5"))) freeReplyObject(r);
    if ((r = ts_cmd(c, "INCR mon:n"))) freeReplyObject(r);
    if ((r = ts_cmd(c, "GET nosuch extra"))) freeReplyObject(r); /* arity error: not shown */
    if ((r = ts_cmd(c, "PING"))) freeReplyObject(r);
    if ((r = ts_cmd(c, "MULTI"))) freeReplyObject(r);
    if ((r = ts_cmd(c, "INCR mon:n"))) freeReplyObject(r);
    if ((r = ts_cmd(c, "EXEC"))) freeReplyObject(r);
    if ((r = ts_cmd(c, "ECHO done"))) freeReplyObject(r);
    read_lines(mon, &lines, 10, REPLY_MS);
    char *out = lines.p ? strdup(lines.p) : strdup("");
    /* "+1700000000.123456 [0 127.0.0.1:54321] ..." -> "+T [0 127.0.0.1:P] ..." */
    buf m = {0};
    for (char *p = out; *p;) {
        char *e = strstr(p, "\r\n");
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(n < 500 ? n : 500), p);
        char *sp = strchr(line, ' ');
        if (line[0] == '+' && sp && strstr(line, caddr)) {
            buf_adds(&m, regex_match("^\\+[0-9]{10}\\.[0-9]{6} \\[[0-9]+ ", line) ? "+T" : "+BADTIME");
            char *addr = strstr(line, caddr);
            buf_add(&m, sp, (size_t)(addr - sp));
            buf_adds(&m, "127.0.0.1:P");
            buf_adds(&m, addr + strlen(caddr));
        } else {
            buf_adds(&m, line);
        }
        buf_adds(&m, "\n");
        p = e ? e + 2 : p + n;
    }
    free(out);
    free(lines.p);
    close(mon);
    redisFree(c);
    buf_adds(&m, "");
    return m.p;
}

static void test_monitor(ts_server *s, ts_server *ref) {
    char *got = monitor_lines(s);
    const char *want = "+OK\n"
                       "+T [0 127.0.0.1:P] \"set\" \"mon:k\" \"v w\"\n"
                       "+T [0 127.0.0.1:P] \"SET\" \"mon:bin\" \"a\\\"b\\\\c\\x01\\xff d\"\n"
                       "+T [5 127.0.0.1:P] \"SELECT\" \"5\"\n"
                       "+T [5 127.0.0.1:P] \"INCR\" \"mon:n\"\n"
                       "+T [5 127.0.0.1:P] \"PING\"\n"
                       "+T [5 127.0.0.1:P] \"MULTI\"\n"
                       "+T [5 127.0.0.1:P] \"INCR\" \"mon:n\"\n"
                       "+T [5 127.0.0.1:P] \"EXEC\"\n"
                       "+T [5 127.0.0.1:P] \"ECHO\" \"done\"\n";
    is_str(got, want, "MONITOR: a second connection's commands in Redis's line format");
    if (ref) {
        char *rg = monitor_lines(ref);
        is_str(got, rg, "MONITOR: the same lines as redis-server");
        free(rg);
    } else {
        skip("MONITOR vs redis", "no redis-server");
    }
    free(got);
}

static const char *const client_list_keys[] = {
    "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub", "multi", "qbuf",
    "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem", "events", "cmd",
    "user", "redir", "resp", NULL};

static void test_client_cmds(ts_server *s) {
    redisContext *a = ts_connect(s), *b = ts_connect(s);
    ok(a && b, "client: two connections");
    if (!a || !b) goto out;
    ts_cmd_expect_status(b, "OK", "CLIENT SETNAME victim");
    ts_cmd_expect_status(b, "OK", "SELECT 3");
    long long bid = client_id(b);
    ok(bid > 0, "CLIENT ID of the victim: %lld", bid);
    redisReply *r = ts_cmd(b, "CLIENT INFO");
    char *line = rstr(r) ? strdup(rstr(r)) : NULL;
    if (r) freeReplyObject(r);
    /* field names, in Redis 7.0's order */
    buf keys = {0}, want = {0};
    for (const char *p = line; p && *p && *p != '\n';) {
        size_t kl = strcspn(p, "=");
        buf_add(&keys, p, kl);
        buf_adds(&keys, " ");
        p = strchr(p, ' ');
        if (p) p++;
    }
    for (int i = 0; client_list_keys[i]; i++) buf_addf(&want, "%s ", client_list_keys[i]);
    is_str(keys.p, want.p, "CLIENT INFO: Redis 7.0's fields in order");
    free(keys.p);
    free(want.p);
    char v[128], baddr[64], saddr[64];
    local_addr(b->fd, baddr, sizeof baddr);
    snprintf(saddr, sizeof saddr, "127.0.0.1:%d", s->port);
    const char *l = line ? line : "";
    is_str(client_field(l, "addr", v, sizeof v), baddr, "CLIENT INFO addr= is the client's address");
    is_str(client_field(l, "laddr", v, sizeof v), saddr, "CLIENT INFO laddr= is the server's address");
    is_str(client_field(l, "name", v, sizeof v), "victim", "CLIENT INFO name=");
    is_str(client_field(l, "db", v, sizeof v), "3", "CLIENT INFO db=");
    is_str(client_field(l, "flags", v, sizeof v), "N", "CLIENT INFO flags=N");
    is_str(client_field(l, "cmd", v, sizeof v), "client|info", "CLIENT INFO cmd=client|info");
    is_str(client_field(l, "resp", v, sizeof v), "2", "CLIENT INFO resp=2");
    ok(regex_match("^[0-9]+$", client_field(l, "fd", v, sizeof v) ? v : ""), "CLIENT INFO fd= numeric");
    free(line);
    char *bl = client_line(a, bid);
    ok(bl && strstr(bl, " name=victim ") && strstr(bl, " cmd=client|info "),
       "CLIENT LIST from another connection shows the victim's name and last command");
    free(bl);

    ts_cmd_expect_int(a, 1, "CLIENT KILL ID %lld", bid);
    r = redisCommand(b, "PING");
    ok(r == NULL && b->err, "the killed client's next command fails: connection closed (%s)", b->errstr);
    if (r) freeReplyObject(r);
    bl = client_line(a, bid);
    ok(bl == NULL, "the killed client is gone from CLIENT LIST");
    free(bl);
    ts_cmd_expect_int(a, 0, "CLIENT KILL ID %lld", bid); /* again: no such client now */

    ts_raw *q = ts_raw_connect(s);
    if (q) {
        ts_raw_write(q, "QUIT\r\nPING\r\n", 12);
        raw_is(q, "+OK", "QUIT replies +OK");
        ok(raw_closed(q, 5000), "QUIT: then the connection is closed, the PING after it not run");
        ts_raw_close(q);
    }
out:
    if (a) redisFree(a);
    if (b) redisFree(b);
}

/* ------------------------------------------------------- redis-cli */

static int cli_run(const ts_server *s, const char *in_file, char **out, const char *const *words) {
    const char *argv[16];
    char port[16];
    int n = 0;
    snprintf(port, sizeof port, "%d", s->port);
    argv[n++] = ts_cli_bin();
    argv[n++] = "-p";
    argv[n++] = port;
    for (; *words && n < 15; words++) argv[n++] = *words;
    argv[n] = NULL;
    char *err = NULL;
    int st = ts_run(argv, in_file, out, &err, 60000);
    if (err && *err) diag("redis-cli stderr: %.300s", err);
    free(err);
    return st;
}

static void test_redis_cli(ts_server *s, redisContext *c) {
    enum { N = 100000 };
    char path[512];
    snprintf(path, sizeof path, "%s/mass.resp", s->dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        ok(0, "redis-cli: write %s", path);
        return;
    }
    for (int i = 0; i < N; i++) {
        char k[16], v[24];
        int kl = snprintf(k, sizeof k, "k%d", i), vl = snprintf(v, sizeof v, "value-%d", i);
        fprintf(f, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", kl, k, vl, v);
    }
    fclose(f);
    redisReply *fl = ts_cmd(c, "FLUSHALL");
    if (fl) freeReplyObject(fl);
    for (int i = 0; i < 100; i++) {
        redisReply *r = ts_cmd(c, "SET other%d x", i);
        if (r) freeReplyObject(r);
    }
    char *out = NULL;
    long long t0 = ts_now_ms();
    int st = cli_run(s, path, &out, (const char *[]){"--pipe", NULL});
    ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "redis-cli --pipe exits 0 (%lld ms)", ts_now_ms() - t0);
    ok(out && strstr(out, "errors: 0, replies: 100000"), "redis-cli --pipe: 0 errors, 100000 replies");
    if (out && !strstr(out, "errors: 0, replies: 100000")) diag("output: %.500s", out);
    free(out);
    ts_cmd_expect_str(c, "value-99999", "GET k99999");
    ts_cmd_expect_int(c, N + 100, "DBSIZE");

    out = NULL;
    st = cli_run(s, NULL, &out, (const char *[]){"--scan", "--pattern", "k*", NULL});
    unsigned char *seen = calloc(N, 1);
    if (!seen) abort();
    int lines = 0, bad = 0, dups = 0;
    for (char *p = out; p && *p;) {
        char *e = strchr(p, '\n');
        if (e) *e = '\0';
        char *end;
        long i = p[0] == 'k' ? strtol(p + 1, &end, 10) : -1;
        if (i < 0 || i >= N || *end) {
            if (bad++ < 3) diag("unexpected --scan line: %s", p);
        } else if (seen[i]++) {
            dups++; /* SCAN may repeat a key; count distinct ones */
        }
        lines++;
        p = e ? e + 1 : NULL;
    }
    int distinct = 0;
    for (int i = 0; i < N; i++) distinct += seen[i] != 0;
    ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "redis-cli --scan exits 0");
    is_int(distinct, N, "redis-cli --scan --pattern 'k*' lists every k key (%d lines, %d repeats)", lines, dups);
    is_int(bad, 0, "redis-cli --scan --pattern 'k*' lists no other key");
    free(seen);
    free(out);

    out = NULL;
    st = cli_run(s, NULL, &out, (const char *[]){"info", "keyspace", NULL});
    ok(out && strstr(out, "# Keyspace") && strstr(out, "db0:keys=100100,expires=0,avg_ttl=0"),
       "redis-cli info keyspace: db0:keys=100100,expires=0,avg_ttl=0");
    if (out && !strstr(out, "db0:keys=100100")) diag("output: %.300s", out);
    free(out);
    redisReply *r = ts_cmd(c, "FLUSHALL");
    if (r) freeReplyObject(r);
}

/* ------------------------------------------------------------- main */

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    ts_server *s = ts_start(NULL);
    ok(s != NULL, "started %s", ts_strata_bin());
    if (!s) return done_testing();
    const char *rargs[] = {"--enable-debug-command", "yes", NULL};
    ts_server *ref = ts_start(&(ts_opts){.bin = ts_redis_bin(), .args = rargs});
    if (!ref) diag("no reference redis-server: differential checks are skipped");
    redisContext *c = ts_connect(s);
    ok(c != NULL, "hiredis connected on port %d", s->port);
    if (c) {
        test_inline(s);
        test_pipeline(s);
        test_bigarg(s, c);
        test_proto_errors(s, c);
        test_slow_writer(s, c);
        test_diff_bytes(s, ref);
        test_half_bulk(s, c);
        test_non_reader(s, c);
        test_resp3(s, ref);
        test_monitor(s, ref);
        test_client_cmds(s);
        test_redis_cli(s, c);
        redisFree(c);
    }
    test_auth(ref != NULL);
    test_unix_socket();
    ok(ts_alive(s), "the server is still running after everything");
    ts_free(ref);
    ts_free(s);
    return done_testing();
}
