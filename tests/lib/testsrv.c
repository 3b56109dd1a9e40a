/*
 * tests/lib/testsrv.c — server processes, connections and reply rendering for
 * integration tests. The contract is in testsrv.h; this file is laid out as:
 *
 *   1. text buffer (tsb_) and escaping
 *   2. canonical rendering: hiredis replies, raw RESP2/RESP3 parser
 *   3. child processes: spawn with PDEATHSIG, ts_run
 *   4. server lifecycle: port choice, start/readiness, stop, restart, destroy
 *   5. hiredis helpers and the ts_cmd_expect_* support
 *   6. raw connections
 *
 * Out-of-memory aborts (this is test code). Nothing here exits the process or
 * produces TAP checks: failures are diag lines plus NULL / -errno returns.
 */
#include "tests/lib/testsrv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- 1. text */

typedef struct tsb {
    char *p;
    size_t len, cap;
} tsb;

static void tsb_reserve(tsb *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) abort();
    b->p = p;
    b->cap = cap;
}

static void tsb_add(tsb *b, const void *d, size_t n) {
    tsb_reserve(b, n);
    if (n) memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void tsb_adds(tsb *b, const char *s) { tsb_add(b, s, strlen(s)); }

static void tsb_addf(tsb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tsb_addf(tsb *b, const char *fmt, ...) {
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        tsb_add(b, small, (size_t)n);
        return;
    }
    tsb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void tsb_esc(tsb *b, const char *p, size_t n) {
    tsb_reserve(b, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            tsb_add(b, e, 2);
        } else if (c == '\r') {
            tsb_add(b, "\\r", 2);
        } else if (c == '\n') {
            tsb_add(b, "\\n", 2);
        } else if (c == '\t') {
            tsb_add(b, "\\t", 2);
        } else if (c < 0x20 || c > 0x7e) {
            tsb_addf(b, "\\x%02x", c);
        } else {
            tsb_add(b, &p[i], 1);
        }
    }
}

static void tsb_quoted(tsb *b, const char *p, size_t n) {
    tsb_add(b, "\"", 1);
    tsb_esc(b, p, n);
    tsb_add(b, "\"", 1);
}

static char *tsb_take(tsb *b) {
    tsb_reserve(b, 0);
    b->p[b->len] = '\0';
    char *p = b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

char *ts_escape(const char *p, size_t len) {
    tsb b = {0};
    tsb_esc(&b, p, len);
    return tsb_take(&b);
}

static int plain_word(const char *p, size_t n) {
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '\'') return 0;
    }
    return 1;
}

char *ts_argv_repr(int argc, const char *const *argv, const size_t *lens) {
    tsb b = {0};
    for (int i = 0; i < argc; i++) {
        size_t n = lens ? lens[i] : strlen(argv[i]);
        if (i) tsb_add(&b, " ", 1);
        if (plain_word(argv[i], n)) tsb_add(&b, argv[i], n);
        else tsb_quoted(&b, argv[i], n);
    }
    return tsb_take(&b);
}

/* ------------------------------------------------------- 2. rendering */

static void repr_reply(tsb *b, const redisReply *r);

static void repr_elems(tsb *b, const redisReply *r, const char *open, const char *close,
                       int pairs) {
    tsb_adds(b, open);
    for (size_t i = 0; i < r->elements; i++) {
        if (i) tsb_adds(b, pairs && (i % 2) ? ": " : ", ");
        repr_reply(b, r->element[i]);
    }
    tsb_adds(b, close);
}

static void repr_reply(tsb *b, const redisReply *r) {
    if (!r) {
        tsb_adds(b, "(no reply)");
        return;
    }
    switch (r->type) {
    case REDIS_REPLY_STRING: tsb_quoted(b, r->str, r->len); return;
    case REDIS_REPLY_STATUS: tsb_add(b, "+", 1); tsb_esc(b, r->str, r->len); return;
    case REDIS_REPLY_ERROR: tsb_add(b, "-", 1); tsb_esc(b, r->str, r->len); return;
    case REDIS_REPLY_INTEGER: tsb_addf(b, ":%lld", r->integer); return;
    case REDIS_REPLY_NIL: tsb_adds(b, "nil"); return;
    case REDIS_REPLY_ARRAY: repr_elems(b, r, "[", "]", 0); return;
#ifdef REDIS_REPLY_DOUBLE
    case REDIS_REPLY_DOUBLE: tsb_add(b, ",", 1); tsb_esc(b, r->str, r->len); return;
#endif
#ifdef REDIS_REPLY_BOOL
    case REDIS_REPLY_BOOL: tsb_adds(b, r->integer ? "#t" : "#f"); return;
#endif
#ifdef REDIS_REPLY_MAP
    case REDIS_REPLY_MAP: repr_elems(b, r, "{", "}", 1); return;
#endif
#ifdef REDIS_REPLY_SET
    case REDIS_REPLY_SET: repr_elems(b, r, "~{", "}", 0); return;
#endif
#ifdef REDIS_REPLY_PUSH
    case REDIS_REPLY_PUSH: repr_elems(b, r, ">[", "]", 0); return;
#endif
#ifdef REDIS_REPLY_ATTR
    case REDIS_REPLY_ATTR: repr_elems(b, r, "|{", "}", 1); return;
#endif
#ifdef REDIS_REPLY_BIGNUM
    case REDIS_REPLY_BIGNUM: tsb_add(b, "(", 1); tsb_esc(b, r->str, r->len); return;
#endif
#ifdef REDIS_REPLY_VERB
    case REDIS_REPLY_VERB:
        tsb_addf(b, "=%.3s:", r->vtype);
        tsb_quoted(b, r->str, r->len);
        return;
#endif
    default: tsb_addf(b, "?type%d", r->type); return;
    }
}

char *ts_reply_repr(const redisReply *r) {
    tsb b = {0};
    repr_reply(&b, r);
    return tsb_take(&b);
}

/* Raw RESP parser: each function consumes from p[*pos..len) and appends the
 * canonical text. Returns 1 complete, 0 need more bytes, -EPROTO malformed. */

#define RESP_MAX_DEPTH 64

static int resp_line(const char *p, size_t len, size_t *pos, const char **line, size_t *n) {
    const char *s = p + *pos;
    const char *e = memchr(s, '\r', len - *pos);
    if (!e) return 0;
    if ((size_t)(e - p) + 1 >= len) return 0;
    if (e[1] != '\n') return -EPROTO;
    *line = s;
    *n = (size_t)(e - s);
    *pos = (size_t)(e - p) + 2;
    return 1;
}

static int resp_ll(const char *s, size_t n, long long *v) {
    char tmp[32];
    if (n == 0 || n >= sizeof tmp) return -EPROTO;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    *v = strtoll(tmp, &end, 10);
    if (errno || *end || !(isdigit((unsigned char)tmp[0]) || tmp[0] == '-')) return -EPROTO;
    return 1;
}

/* A length-prefixed payload: *data, *dlen set; *isnull when the length is -1. */
static int resp_blob(const char *p, size_t len, size_t *pos, const char **data, size_t *dlen,
                     int *isnull) {
    const char *line;
    size_t n;
    long long v;
    int rc = resp_line(p, len, pos, &line, &n);
    if (rc <= 0) return rc;
    if (resp_ll(line, n, &v) < 0 || v < -1) return -EPROTO;
    *isnull = v == -1;
    if (v == -1) return 1;
    if (len - *pos < (size_t)v + 2) return 0;
    if (p[*pos + (size_t)v] != '\r' || p[*pos + (size_t)v + 1] != '\n') return -EPROTO;
    *data = p + *pos;
    *dlen = (size_t)v;
    *pos += (size_t)v + 2;
    return 1;
}

static int resp_value(const char *p, size_t len, size_t *pos, tsb *out, int depth);

static int resp_aggregate(const char *p, size_t len, size_t *pos, tsb *out, int depth,
                          char type) {
    const char *line;
    size_t n;
    long long count;
    int rc = resp_line(p, len, pos, &line, &n);
    if (rc <= 0) return rc;
    if (resp_ll(line, n, &count) < 0 || count < -1) return -EPROTO;
    if (count == -1) {
        if (type != '*') return -EPROTO;
        tsb_adds(out, "nil");
        return 1;
    }
    int pairs = type == '%' || type == '|';
    const char *open = type == '*' ? "[" : type == '>' ? ">[" : type == '~' ? "~{"
                     : type == '|' ? "|{" : "{";
    const char *close = (type == '*' || type == '>') ? "]" : "}";
    long long items = pairs ? count * 2 : count;
    tsb_adds(out, open);
    for (long long i = 0; i < items; i++) {
        if (i) tsb_adds(out, pairs && (i % 2) ? ": " : ", ");
        rc = resp_value(p, len, pos, out, depth + 1);
        if (rc <= 0) return rc;
    }
    tsb_adds(out, close);
    if (type == '|') {
        tsb_adds(out, " ");
        return resp_value(p, len, pos, out, depth + 1);
    }
    return 1;
}

static int resp_simple(const char *p, size_t len, size_t *pos, tsb *out, char type) {
    const char *line;
    size_t n;
    long long v;
    int rc = resp_line(p, len, pos, &line, &n);
    if (rc <= 0) return rc;
    switch (type) {
    case ':':
        if (resp_ll(line, n, &v) < 0) return -EPROTO;
        tsb_addf(out, ":%lld", v);
        return 1;
    case '_':
        if (n) return -EPROTO;
        tsb_adds(out, "null");
        return 1;
    case '#':
        if (n != 1 || (line[0] != 't' && line[0] != 'f')) return -EPROTO;
        tsb_adds(out, line[0] == 't' ? "#t" : "#f");
        return 1;
    default: /* + - , ( */
        tsb_add(out, &type, 1);
        tsb_esc(out, line, n);
        return 1;
    }
}

static int resp_bulkish(const char *p, size_t len, size_t *pos, tsb *out, char type) {
    const char *data = NULL;
    size_t dlen = 0;
    int isnull = 0;
    int rc = resp_blob(p, len, pos, &data, &dlen, &isnull);
    if (rc <= 0) return rc;
    if (isnull) {
        if (type != '$') return -EPROTO;
        tsb_adds(out, "nil");
        return 1;
    }
    if (type == '$') {
        tsb_quoted(out, data, dlen);
    } else if (type == '!') {
        tsb_add(out, "-", 1);
        tsb_esc(out, data, dlen);
    } else { /* '=' verbatim: "xxx:" then the text */
        if (dlen < 4 || data[3] != ':') return -EPROTO;
        tsb_add(out, "=", 1);
        tsb_esc(out, data, 3);
        tsb_add(out, ":", 1);
        tsb_quoted(out, data + 4, dlen - 4);
    }
    return 1;
}

static int resp_value(const char *p, size_t len, size_t *pos, tsb *out, int depth) {
    if (depth > RESP_MAX_DEPTH) return -EPROTO;
    if (*pos >= len) return 0;
    char type = p[(*pos)++];
    switch (type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
        return resp_simple(p, len, pos, out, type);
    case '$': case '!': case '=':
        return resp_bulkish(p, len, pos, out, type);
    case '*': case '%': case '~': case '>': case '|':
        return resp_aggregate(p, len, pos, out, depth, type);
    default:
        return -EPROTO;
    }
}

int ts_resp_parse(const char *buf, size_t len, size_t *used, char **repr) {
    tsb out = {0};
    size_t pos = 0;
    int rc = resp_value(buf, len, &pos, &out, 0);
    if (rc == 1) {
        *used = pos;
        *repr = tsb_take(&out);
        return 1;
    }
    free(out.p);
    return rc;
}

/* ----------------------------------------------------- 3. processes */

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static void ignore_sigpipe(void) {
    static int done;
    if (done) return;
    signal(SIGPIPE, SIG_IGN);
    done = 1;
}

/* In the child: die with the parent, std fds as given, nothing else open. */
static void child_setup(pid_t parent, int in_fd, int out_fd, int err_fd) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    signal(SIGPIPE, SIG_DFL);
    if (in_fd >= 0 && dup2(in_fd, 0) < 0) _exit(127);
    if (out_fd >= 0 && dup2(out_fd, 1) < 0) _exit(127);
    if (err_fd >= 0 && dup2(err_fd, 2) < 0) _exit(127);
    if (close_range(3, ~0U, 0) < 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = 3; fd < (max > 0 ? max : 1024); fd++) close((int)fd);
    }
}

static void child_exec(const char *const *argv) {
    execvp(argv[0], (char *const *)argv);
    dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static int open_in(const char *in_file) {
    return open(in_file ? in_file : "/dev/null", O_RDONLY | O_CLOEXEC);
}

static void drain_fd(int *fd, tsb *b) {
    char buf[4096];
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n > 0) {
        tsb_add(b, buf, (size_t)n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(*fd);
        *fd = -1;
    }
}

static int reap_with_deadline(pid_t pid, long long deadline, int *status) {
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid) return 0;
        if (w < 0 && errno != EINTR) return -errno;
        if (now_ms() >= deadline) return -ETIMEDOUT;
        sleep_ms(5);
    }
}

int ts_run(const char *const *argv, const char *in_file, char **out, char **err,
           int timeout_ms) {
    int po[2], pe[2];
    tsb bo = {0}, be = {0};
    int in = open_in(in_file);
    if (in < 0) return -errno;
    if (pipe2(po, O_CLOEXEC) < 0) {
        int e = -errno;
        close(in);
        return e;
    }
    if (pipe2(pe, O_CLOEXEC) < 0) {
        int e = -errno;
        close(in), close(po[0]), close(po[1]);
        return e;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        child_setup(parent, in, po[1], pe[1]);
        child_exec(argv);
    }
    close(in), close(po[1]), close(pe[1]);
    if (pid < 0) {
        int e = -errno;
        close(po[0]), close(pe[0]);
        return e;
    }
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 60000);
    int fo = po[0], fe = pe[0], timed_out = 0;
    while (fo >= 0 || fe >= 0) {
        struct pollfd pf[2] = {{fo, POLLIN, 0}, {fe, POLLIN, 0}};
        long long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        int n = poll(pf, 2, (int)(left > 1000 ? 1000 : left));
        if (n < 0 && errno != EINTR) break;
        if (n <= 0) continue;
        if (fo >= 0 && pf[0].revents) drain_fd(&fo, &bo);
        if (fe >= 0 && pf[1].revents) drain_fd(&fe, &be);
    }
    if (fo >= 0) close(fo);
    if (fe >= 0) close(fe);
    int status = 0;
    if (timed_out || reap_with_deadline(pid, deadline, &status) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        timed_out = 1;
    }
    if (out) *out = tsb_take(&bo);
    else free(bo.p);
    if (err) *err = tsb_take(&be);
    else free(be.p);
    return timed_out ? -ETIMEDOUT : status;
}

/* ------------------------------------------------------ 4. servers */

const char *ts_strata_bin(void) {
    const char *e = getenv("STRATA_SERVER");
    return e && *e ? e : "./bin/strata-server";
}

const char *ts_redis_bin(void) {
    const char *e = getenv("REDIS_SERVER");
    return e && *e ? e : "redis-server";
}

const char *ts_cli_bin(void) {
    const char *e = getenv("REDIS_CLI");
    return e && *e ? e : "redis-cli";
}

const char *ts_benchmark_bin(void) {
    const char *e = getenv("REDIS_BENCHMARK");
    return e && *e ? e : "redis-benchmark";
}

static char *xstrdup(const char *s) {
    char *p = strdup(s);
    if (!p) abort();
    return p;
}

static char *path_join(const char *dir, const char *name) {
    tsb b = {0};
    tsb_addf(&b, "%s/%s", dir, name);
    return tsb_take(&b);
}

int ts_pick_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    int rc = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) < 0)
        rc = -errno;
    close(fd);
    return rc ? rc : ntohs(a.sin_port);
}

static void free_argv(char **argv) {
    if (!argv) return;
    for (char **p = argv; *p; p++) free(*p);
    free(argv);
}

static void argv_push(ts_server *s, const char *word) {
    char **v = realloc(s->argv, sizeof(char *) * (size_t)(s->argc + 2));
    if (!v) abort();
    s->argv = v;
    s->argv[s->argc++] = xstrdup(word);
    s->argv[s->argc] = NULL;
}

static int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return -errno;
    size_t n = strlen(text);
    int rc = fwrite(text, 1, n, f) == n ? 0 : -EIO;
    if (fclose(f) != 0 && rc == 0) rc = -errno;
    return rc;
}

static int build_argv(ts_server *s, const ts_opts *o, int port) {
    char num[16];
    free_argv(s->argv);
    s->argv = NULL;
    s->argc = 0;
    argv_push(s, s->bin);
    if (o->conf_text) {
        char *conf = path_join(s->dir, "server.conf");
        int rc = write_file(conf, o->conf_text);
        if (rc == 0) argv_push(s, conf);
        free(conf);
        if (rc < 0) return rc;
    } else if (o->conf_file) {
        argv_push(s, o->conf_file);
    }
    snprintf(num, sizeof num, "%d", port);
    const char *fixed[] = {"--port", num, "--bind", "127.0.0.1", "--daemonize", "no",
                           "--dir", s->dir, "--logfile", s->logpath, NULL};
    for (const char *const *w = fixed; *w; w++) argv_push(s, *w);
    if (!o->persist) {
        const char *off[] = {"--save", "", "--appendonly", "no", NULL};
        for (const char *const *w = off; *w; w++) argv_push(s, *w);
    }
    for (const char *const *w = o->args; w && *w; w++) argv_push(s, *w);
    s->port = port;
    return 0;
}

static off_t file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : 0;
}

/* Does the file mention "in use" after byte `from`? (bind collisions) */
static int log_says_in_use(const char *path, off_t from) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[1024];
    int hit = 0;
    if (fseeko(f, from, SEEK_SET) == 0) {
        while (!hit && fgets(line, sizeof line, f)) {
            for (char *c = line; *c; c++) *c = (char)tolower((unsigned char)*c);
            hit = strstr(line, "in use") != NULL;
        }
    }
    fclose(f);
    return hit;
}

static int spawn_server(ts_server *s) {
    int fd = open(s->stdiopath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return -errno;
    int in = open_in(NULL);
    if (in < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        child_setup(parent, in, fd, fd);
        child_exec((const char *const *)s->argv);
    }
    int e = pid < 0 ? -errno : 0;
    close(fd);
    close(in);
    if (pid > 0) s->pid = pid;
    return e;
}

int ts_alive(ts_server *s) {
    if (!s || s->pid <= 0) return 0;
    int status;
    pid_t w = waitpid(s->pid, &status, WNOHANG);
    if (w == s->pid || (w < 0 && errno == ECHILD)) {
        s->pid = 0;
        return 0;
    }
    return 1;
}

/* INFO server's process_id, or -1 when absent. */
static long info_pid(redisContext *c) {
    redisReply *r = redisCommand(c, "INFO server");
    long pid = -1;
    if (r && r->type == REDIS_REPLY_STRING) {
        const char *p = strstr(r->str, "process_id:");
        if (p) pid = strtol(p + 11, NULL, 10);
    }
    if (r) freeReplyObject(r);
    return pid;
}

/* 1 ready, 0 not yet, -EADDRINUSE someone else's server. */
static int probe_ready(ts_server *s, char **last) {
    struct timeval tv = {0, 300000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
    int rc = 0;
    if (!c || c->err) goto out;
    redisSetTimeout(c, (struct timeval){2, 0});
    redisReply *r = redisCommand(c, "PING");
    if (r) {
        free(*last);
        *last = ts_reply_repr(r);
        int pong = r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
        int noauth = r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOAUTH", 6) == 0;
        freeReplyObject(r);
        if (pong || noauth) {
            long pid = pong ? info_pid(c) : -1;
            rc = (pid > 0 && pid != (long)s->pid) ? -EADDRINUSE : 1;
        }
    }
out:
    if (c) redisFree(c);
    return rc;
}

static void stop_child_hard(ts_server *s) {
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

/* Start argv and wait until ready. 0, -EADDRINUSE (retry elsewhere), or an
 * error with diag printed. */
static int launch(ts_server *s) {
    off_t log0 = file_size(s->logpath), stdio0 = file_size(s->stdiopath);
    char *last = NULL;
    int rc = spawn_server(s);
    if (rc < 0) {
        diag("testsrv: fork: %s", strerror(-rc));
        return rc;
    }
    long long deadline = now_ms() + s->start_timeout_ms;
    for (;;) {
        if (!ts_alive(s)) {
            rc = (log_says_in_use(s->logpath, log0) || log_says_in_use(s->stdiopath, stdio0))
                     ? -EADDRINUSE : -ECHILD;
            if (rc == -ECHILD) diag("testsrv: %s exited during start (port %d)", s->bin, s->port);
            break;
        }
        rc = probe_ready(s, &last);
        if (rc == 1) {
            rc = 0;
            break;
        }
        if (rc == -EADDRINUSE) {
            stop_child_hard(s);
            break;
        }
        if (now_ms() >= deadline) {
            diag("testsrv: %s not ready on port %d after %d ms (last PING reply: %s)", s->bin,
                 s->port, s->start_timeout_ms, last ? last : "none");
            stop_child_hard(s);
            rc = -ETIMEDOUT;
            break;
        }
        sleep_ms(20);
    }
    free(last);
    return rc;
}

static void free_server(ts_server *s) {
    free(s->bin);
    free(s->dir);
    free(s->logpath);
    free(s->stdiopath);
    free_argv(s->argv);
    free(s);
}

static char *make_scratch_dir(void) {
    const char *tmp = getenv("TMPDIR");
    tsb b = {0};
    tsb_addf(&b, "%s/strata-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    char *dir = tsb_take(&b);
    if (!mkdtemp(dir)) {
        diag("testsrv: mkdtemp %s: %s", dir, strerror(errno));
        free(dir);
        return NULL;
    }
    return dir;
}

ts_server *ts_start(const ts_opts *opts) {
    ts_opts none = {0};
    const ts_opts *o = opts ? opts : &none;
    ignore_sigpipe();
    ts_server *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->bin = xstrdup(o->bin ? o->bin : ts_strata_bin());
    s->start_timeout_ms = o->start_timeout_ms > 0 ? o->start_timeout_ms : 15000;
    s->dir = make_scratch_dir();
    if (!s->dir) {
        free_server(s);
        return NULL;
    }
    s->logpath = path_join(s->dir, "server.log");
    s->stdiopath = path_join(s->dir, "stdio.log");
    int rc = -EADDRINUSE;
    for (int attempt = 0; attempt < 8 && rc == -EADDRINUSE; attempt++) {
        int port = ts_pick_port();
        if (port < 0) {
            rc = port;
            diag("testsrv: cannot pick a port: %s", strerror(-port));
            break;
        }
        rc = build_argv(s, o, port);
        if (rc == 0) rc = launch(s);
    }
    if (rc < 0) {
        diag("testsrv: failed to start %s: %s", s->bin,
             rc == -ECHILD ? "it exited" : strerror(-rc));
        ts_log_tail(s, 20);
        ts_destroy(s, 1);
        return NULL;
    }
    return s;
}

ts_server *ts_start_args(const char *bin, ...) {
    const char *words[64];
    int n = 0;
    va_list ap;
    va_start(ap, bin);
    for (const char *w; (w = va_arg(ap, const char *)) && n < 63;) words[n++] = w;
    va_end(ap);
    words[n] = NULL;
    ts_opts o = {.bin = bin, .args = words};
    return ts_start(&o);
}

int ts_wait_exit(ts_server *s, int timeout_ms) {
    if (!s || s->pid <= 0) return -ESRCH;
    int status = 0;
    int rc = reap_with_deadline(s->pid, now_ms() + timeout_ms, &status);
    if (rc < 0) return rc;
    s->pid = 0;
    return status;
}

int ts_stop(ts_server *s, int timeout_ms) {
    if (!s || s->pid <= 0) return -ESRCH;
    if (kill(s->pid, SIGTERM) < 0 && errno != ESRCH) return -errno;
    int rc = ts_wait_exit(s, timeout_ms > 0 ? timeout_ms : 10000);
    if (rc == -ETIMEDOUT) {
        diag("testsrv: %s (pid %d) ignored SIGTERM, sending SIGKILL", s->bin, (int)s->pid);
        return ts_kill9(s);
    }
    return rc;
}

int ts_kill9(ts_server *s) {
    if (!s || s->pid <= 0) return -ESRCH;
    int status = 0;
    kill(s->pid, SIGKILL);
    if (waitpid(s->pid, &status, 0) < 0) status = -errno;
    s->pid = 0;
    return status;
}

int ts_restart(ts_server *s, const char *const *extra_args) {
    if (!s) return -EINVAL;
    if (ts_alive(s)) {
        diag("testsrv: restart of a running server (pid %d)", (int)s->pid);
        return -EBUSY;
    }
    for (const char *const *w = extra_args; w && *w; w++) argv_push(s, *w);
    int rc = -EADDRINUSE;
    /* The old socket may linger briefly; a bind failure is retried on the
     * same port since data files and clients expect it. */
    for (int attempt = 0; attempt < 20 && rc == -EADDRINUSE; attempt++) {
        if (attempt) sleep_ms(250);
        rc = launch(s);
    }
    if (rc < 0) {
        diag("testsrv: restart of %s failed: %s", s->bin,
             rc == -ECHILD ? "it exited" : strerror(-rc));
        ts_log_tail(s, 20);
    }
    return rc;
}

static void tail_file(const char *path, const char *label, int lines) {
    FILE *f = fopen(path, "r");
    if (!f) return;
    off_t size = fseeko(f, 0, SEEK_END) == 0 ? ftello(f) : 0;
    off_t start = size > 65536 ? size - 65536 : 0;
    tsb b = {0};
    char buf[4096];
    size_t n;
    fseeko(f, start, SEEK_SET);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) tsb_add(&b, buf, n);
    fclose(f);
    if (!b.len) {
        free(b.p);
        return;
    }
    size_t i = b.len, seen = 0;
    if (b.p[i - 1] == '\n') i--;
    while (i > 0 && seen < (size_t)lines) {
        if (b.p[--i] == '\n') seen++;
    }
    if (b.p[i] == '\n') i++;
    for (char *line = b.p + i; line && *line;) {
        char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        printf("#   [%s] %.*s\n", label, len > 300 ? 300 : len, line);
        line = nl ? nl + 1 : NULL;
    }
    fflush(stdout);
    free(b.p);
}

void ts_log_tail(const ts_server *s, int lines) {
    if (!s) return;
    tail_file(s->logpath, "server.log", lines);
    tail_file(s->stdiopath, "stdio.log", lines);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    return remove(path);
}

void ts_destroy(ts_server *s, int keep_dir) {
    if (!s) return;
    if (s->pid > 0) ts_stop(s, 10000);
    if (s->dir) {
        if (keep_dir) diag("kept scratch dir: %s", s->dir);
        else nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    free_server(s);
}

/* -------------------------------------------------- 5. hiredis helpers */

redisContext *ts_connect(const ts_server *s) {
    ignore_sigpipe();
    if (!s) return NULL;
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, (struct timeval){5, 0});
    if (!c || c->err) {
        diag("testsrv: connect to port %d: %s", s->port, c ? c->errstr : "out of memory");
        if (c) redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, (struct timeval){30, 0});
    return c;
}

static void diag_conn_error(redisContext *c) {
    diag("testsrv: no reply: %s", c->err ? c->errstr : "unknown error");
}

redisReply *ts_vcmd(redisContext *c, const char *fmt, va_list ap) {
    if (!c) return NULL;
    redisReply *r = redisvCommand(c, fmt, ap);
    if (!r) diag_conn_error(c);
    return r;
}

redisReply *ts_cmd(redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = ts_vcmd(c, fmt, ap);
    va_end(ap);
    return r;
}

redisReply *ts_cmd_argv(redisContext *c, int argc, const char **argv, const size_t *lens) {
    if (!c) return NULL;
    redisReply *r = redisCommandArgv(c, argc, argv, lens);
    if (!r) diag_conn_error(c);
    return r;
}

/* Command text of a formatted multibulk (what hiredis built). */
static char *multibulk_repr(const char *cmd, size_t len) {
    size_t pos = 1;
    const char *line, *data = NULL;
    size_t n, dlen = 0;
    long long argc;
    int isnull = 0;
    tsb b = {0};
    if (len < 1 || cmd[0] != '*' || resp_line(cmd, len, &pos, &line, &n) != 1 ||
        resp_ll(line, n, &argc) != 1)
        return xstrdup("(unparsable command)");
    for (long long i = 0; i < argc; i++) {
        if (pos >= len || cmd[pos++] != '$' ||
            resp_blob(cmd, len, &pos, &data, &dlen, &isnull) != 1 || isnull)
            break;
        if (i) tsb_add(&b, " ", 1);
        if (plain_word(data, dlen)) tsb_add(&b, data, dlen);
        else tsb_quoted(&b, data, dlen);
    }
    return tsb_take(&b);
}

static int reply_matches(const redisReply *r, int kind, const char *want_s, long long want_i) {
    if (!r) return 0;
    switch (kind) {
    case TS_EXP_STATUS:
        return r->type == REDIS_REPLY_STATUS && want_s && strcmp(r->str, want_s) == 0;
    case TS_EXP_INT: return r->type == REDIS_REPLY_INTEGER && r->integer == want_i;
    case TS_EXP_STR:
        if (!want_s) return r->type == REDIS_REPLY_NIL;
        return r->type == REDIS_REPLY_STRING && r->len == strlen(want_s) &&
               memcmp(r->str, want_s, r->len) == 0;
    case TS_EXP_ERR:
        return r->type == REDIS_REPLY_ERROR && want_s &&
               strncmp(r->str, want_s, strlen(want_s)) == 0;
    default: return 0;
    }
}

int ts_expect_run_(redisContext *c, int kind, const char *want_s, long long want_i,
                   char **desc, char **got, const char *fmt, va_list ap) {
    char *cmd = NULL;
    int len = redisvFormatCommand(&cmd, fmt, ap);
    if (len < 0) {
        *desc = xstrdup(fmt);
        *got = xstrdup("(bad command format)");
        return 0;
    }
    *desc = multibulk_repr(cmd, (size_t)len);
    redisReply *r = NULL;
    if (c && redisAppendFormattedCommand(c, cmd, (size_t)len) == REDIS_OK &&
        redisGetReply(c, (void **)&r) == REDIS_OK) {
        *got = ts_reply_repr(r);
    } else {
        tsb b = {0};
        tsb_addf(&b, "(no reply: %s)", c ? c->errstr : "no connection");
        *got = tsb_take(&b);
    }
    redisFreeCommand(cmd);
    int pass = reply_matches(r, kind, want_s, want_i);
    if (r) freeReplyObject(r);
    return pass;
}

/* -------------------------------------------------- 6. raw connections */

struct ts_raw {
    int fd;
    tsb in;
    size_t off; /* parsed prefix of in */
};

ts_raw *ts_raw_connect(const ts_server *s) {
    ignore_sigpipe();
    if (!s) return NULL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return NULL;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        diag("testsrv: raw connect to port %d: %s", s->port, strerror(errno));
        close(fd);
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ts_raw *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->fd = fd;
    return r;
}

void ts_raw_close(ts_raw *r) {
    if (!r) return;
    close(r->fd);
    free(r->in.p);
    free(r);
}

int ts_raw_fd(const ts_raw *r) { return r ? r->fd : -1; }

int ts_raw_write(ts_raw *r, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        ssize_t n = write(r->fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ts_raw_cmd(ts_raw *r, int argc, const char *const *argv, const size_t *lens) {
    tsb b = {0};
    tsb_addf(&b, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        size_t n = lens ? lens[i] : strlen(argv[i]);
        tsb_addf(&b, "$%zu\r\n", n);
        tsb_add(&b, argv[i], n);
        tsb_add(&b, "\r\n", 2);
    }
    int rc = ts_raw_write(r, b.p, b.len);
    free(b.p);
    return rc;
}

int ts_raw_read(ts_raw *r, int timeout_ms, char **repr) {
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 30000);
    for (;;) {
        size_t used = 0;
        if (r->in.len > r->off) {
            int rc = ts_resp_parse(r->in.p + r->off, r->in.len - r->off, &used, repr);
            if (rc < 0) return rc;
            if (rc == 1) {
                r->off += used;
                if (r->off == r->in.len) r->off = r->in.len = 0;
                return 1;
            }
        }
        long long left = deadline - now_ms();
        if (left <= 0) return -ETIMEDOUT;
        struct pollfd pf = {r->fd, POLLIN, 0};
        int n = poll(&pf, 1, (int)left);
        if (n < 0 && errno != EINTR) return -errno;
        if (n <= 0) continue;
        char buf[16384];
        ssize_t got = read(r->fd, buf, sizeof buf);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return -errno;
        }
        if (got == 0) return r->in.len > r->off ? -EPROTO : 0;
        tsb_add(&r->in, buf, (size_t)got);
    }
}

long long ts_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ts_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

char *ts_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)(n < 0 ? 0 : n) + 1);
    if (!b) abort();
    size_t got = fread(b, 1, (size_t)(n < 0 ? 0 : n), f);
    b[got] = 0;
    if (len) *len = got;
    fclose(f);
    return b;
}
