/*
 * tests/crash/server.c — the server process under test (ct_srv_).
 *
 * Design
 *   The command line is the one a user would type for Redis:
 *       SERVER [CONFIG] --port P --bind 127.0.0.1 --daemonize no --dir DIR
 *              --logfile DIR/server.log --appendonly yes --appendfsync POLICY
 *              [extra flags after "--" on our command line]
 *   so the extra flags override everything before them. The working
 *   directory is DIR; stdout/stderr go to DIR/stdio.log; stdin is /dev/null.
 *
 *   The server runs in its own process group (pgid = its pid). A kill is
 *   SIGKILL to the whole group: the server and any child it forked for
 *   BGSAVE or a rewrite die together, as on a machine crash, so no orphan
 *   keeps writing into DIR while the next server starts. main.c makes the
 *   harness a child subreaper so those children are reaped here too. The
 *   server gets PR_SET_PDEATHSIG SIGKILL, and main.c kills the group on any
 *   exit path, so no server outlives the harness.
 *
 *   Readiness: a fresh loopback connection sends PING; +PONG = ready,
 *   -LOADING = loading, anything else or no connection = not yet. The first
 *   +PONG also checks INFO's process_id (when the server reports one) so a
 *   foreign server that holds the port is never mistaken for ours; a port
 *   that turned out to be taken makes the start pick a new one.
 *
 *   Recovery time = from fork() to the first +PONG.
 */
#include "tests/crash/crash.h"
#include "tests/lib/testsrv.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#define START_ATTEMPTS 6
#define PROBE_TIMEOUT_MS 3000

/* ------------------------------------------------------------- ports */

/* 1 if somebody else listens on (or holds) the port. */
static int port_taken(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int taken = bind(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno == EADDRINUSE;
    close(fd);
    return taken;
}

int ct_srv_connect(const ct_srv *s) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* ------------------------------------------------------------ setup */

int ct_srv_init(ct_srv *s, const ct_opts *o) {
    memset(s, 0, sizeof *s);
    s->o = o;
    const char *tmp = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
    char *dir = ct_fmt("%s/strata-crash-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        int e = -errno;
        fprintf(stderr, "strata-crashtest: mkdtemp %s: %s\n", dir, strerror(errno));
        free(dir);
        return e;
    }
    s->dir = dir;
    s->logpath = ct_fmt("%s/server.log", dir);
    s->stdiopath = ct_fmt("%s/stdio.log", dir);
    s->aofdir = ct_xstrdup("appendonlydir");
    s->aofname = ct_xstrdup("appendonly.aof");
    int port = ts_pick_port();
    if (port < 0) return port;
    s->port = port;
    return 0;
}

static char **build_argv(const ct_srv *s) {
    const ct_opts *o = s->o;
    char **v = ct_xcalloc((size_t)(24 + o->nextra), sizeof *v);
    int n = 0;
    v[n++] = ct_xstrdup(o->server);
    if (o->config) v[n++] = ct_xstrdup(o->config);
    const char *fixed[] = {"--port", NULL, "--bind", "127.0.0.1", "--daemonize", "no", "--dir",
                           s->dir, "--logfile", s->logpath, "--appendonly", "yes",
                           "--appendfsync", ct_policy_name(o->policy)};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        v[n++] = fixed[i] ? ct_xstrdup(fixed[i]) : ct_fmt("%d", s->port);
    for (int i = 0; i < o->nextra; i++) v[n++] = ct_xstrdup(o->extra[i]);
    v[n] = NULL;
    return v;
}

static void free_argv(char **v) {
    for (char **p = v; p && *p; p++) free(*p);
    free(v);
}

/* In the child: own process group, die with the harness, fds as documented. */
static void child_exec(const ct_srv *s, char **argv, pid_t parent) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    int in = open("/dev/null", O_RDONLY);
    int out = open(s->stdiopath, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0 || chdir(s->dir) < 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    if (close_range(3, ~0U, 0) < 0) {
        for (int fd = 3; fd < 1024; fd++) close(fd);
    }
    execvp(argv[0], argv);
    dprintf(2, "strata-crashtest: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int ct_srv_spawn(ct_srv *s) {
    char **argv = build_argv(s);
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) child_exec(s, argv, parent);
    free_argv(argv);
    if (pid < 0) return -errno;
    setpgid(pid, pid); /* also in the child: whichever runs first */
    s->pid = pid;
    s->started_us = ct_now_us();
    return 0;
}

/* ------------------------------------------------------- readiness */

/* Read one line (up to \r\n) with a deadline. Returns its length or -errno. */
static int read_line(int fd, char *buf, size_t cap, int timeout_ms) {
    size_t len = 0;
    int64_t deadline = ct_now_us() + (int64_t)timeout_ms * 1000;
    while (len + 1 < cap) {
        int64_t left = (deadline - ct_now_us()) / 1000;
        if (left <= 0) return -ETIMEDOUT;
        struct pollfd pf = {fd, POLLIN, 0};
        int n = poll(&pf, 1, (int)left);
        if (n < 0 && errno != EINTR) return -errno;
        if (n <= 0) continue;
        ssize_t got = read(fd, buf + len, cap - 1 - len);
        if (got == 0) return -ECONNRESET;
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return -errno;
        }
        len += (size_t)got;
        buf[len] = '\0';
        char *crlf = strstr(buf, "\r\n");
        if (crlf) return (int)(crlf - buf);
    }
    return (int)len;
}

/* The process_id INFO reports, or -1 if it does not say. */
static long info_process_id(int fd) {
    static const char cmd[] = "*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n";
    if (write(fd, cmd, sizeof cmd - 1) != (ssize_t)(sizeof cmd - 1)) return -1;
    char buf[16384];
    size_t len = 0;
    int64_t deadline = ct_now_us() + PROBE_TIMEOUT_MS * 1000LL;
    while (len + 1 < sizeof buf && ct_now_us() < deadline) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 100) <= 0) continue;
        ssize_t got = read(fd, buf + len, sizeof buf - 1 - len);
        if (got <= 0) return -1;
        len += (size_t)got;
        buf[len] = '\0';
        const char *crlf = strstr(buf, "\r\n");
        if (!crlf) continue;
        if (buf[0] != '$') return -1; /* an error: INFO not supported */
        size_t hdr = (size_t)(crlf + 2 - buf);
        size_t blen = (size_t)strtoul(buf + 1, NULL, 10);
        if (len < hdr + blen && len + 1 < sizeof buf) continue;
        const char *p = strstr(buf + hdr, "process_id:");
        return p ? strtol(p + 11, NULL, 10) : -1;
    }
    return -1;
}

int ct_srv_probe(ct_srv *s) {
    if (!ct_srv_alive(s, NULL)) return -ECHILD;
    int fd = ct_srv_connect(s);
    if (fd < 0) return 0;
    static const char ping[] = "*1\r\n$4\r\nPING\r\n";
    int rc = 0;
    char line[512];
    if (write(fd, ping, sizeof ping - 1) == (ssize_t)(sizeof ping - 1) &&
        read_line(fd, line, sizeof line, PROBE_TIMEOUT_MS) > 0) {
        if (strncmp(line, "+PONG", 5) == 0) {
            long pid = info_process_id(fd);
            rc = (pid < 0 || pid == (long)s->pid) ? 1 : -EADDRINUSE;
        } else if (strncmp(line, "-LOADING", 8) == 0) {
            rc = 2;
        }
    }
    close(fd);
    return rc;
}

int ct_srv_start(ct_srv *s, int64_t *boot_us, int *saw_loading) {
    int rc = -ECHILD;
    if (saw_loading) *saw_loading = 0;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        if ((rc = ct_srv_spawn(s)) < 0) return rc;
        int64_t deadline = s->started_us + (int64_t)s->o->boot_timeout_ms * 1000;
        for (;;) {
            rc = ct_srv_probe(s);
            if (rc == 1) {
                if (boot_us) *boot_us = ct_now_us() - s->started_us;
                return 0;
            }
            if (rc == 2 && saw_loading) *saw_loading = 1;
            if (rc < 0) break;
            if (ct_now_us() >= deadline) {
                ct_srv_kill(s);
                return -ETIMEDOUT;
            }
            ct_sleep_ms(1);
        }
        /* Died, or a foreign server answered: was the port the reason? */
        if (rc == -EADDRINUSE) ct_srv_kill(s);
        if (rc != -EADDRINUSE && !port_taken(s->port)) return rc;
        int port = ts_pick_port();
        if (port < 0) return port;
        fprintf(stderr, "strata-crashtest: port %d is taken, moving to %d\n", s->port, port);
        s->port = port;
    }
    return rc;
}

/* ---------------------------------------------------------- stopping */

int ct_srv_alive(ct_srv *s, int *status) {
    if (s->pid <= 0) return 0;
    int st = 0;
    pid_t w = waitpid(s->pid, &st, WNOHANG);
    if (w == 0) return 1;
    if (w == s->pid && status) *status = st;
    /* The leader is gone; children it forked may still be in the group. */
    kill(-s->pid, SIGKILL);
    s->pid = 0;
    return 0;
}

/* Reap whatever is left in the group (children reparented to us). */
static void reap_group(pid_t pgid) {
    int64_t deadline = ct_now_us() + 10000000;
    while (kill(-pgid, 0) == 0 && ct_now_us() < deadline) {
        kill(-pgid, SIGKILL);
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        ct_sleep_ms(1);
    }
}

void ct_srv_kill(ct_srv *s) {
    if (s->pid <= 0) return;
    kill(-s->pid, SIGKILL);
    kill(s->pid, SIGKILL);
    while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR) {
    }
    reap_group(s->pid);
    s->pid = 0;
}

void ct_srv_stop(ct_srv *s) {
    if (s->pid <= 0) return;
    kill(s->pid, SIGTERM);
    int64_t deadline = ct_now_us() + 10000000;
    while (ct_now_us() < deadline) {
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            pid_t pg = s->pid;
            s->pid = 0;
            reap_group(pg);
            return;
        }
        ct_sleep_ms(5);
    }
    ct_srv_kill(s);
}

/* -------------------------------------------------------------- logs */

static void tail_file(const char *path, const char *label, int lines) {
    FILE *f = fopen(path, "r");
    if (!f) return;
    ct_buf b = {0};
    char chunk[4096];
    size_t n;
    if (fseeko(f, 0, SEEK_END) == 0) {
        off_t size = ftello(f);
        fseeko(f, size > 32768 ? size - 32768 : 0, SEEK_SET);
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) ct_buf_add(&b, chunk, n);
    fclose(f);
    if (!b.len) return;
    size_t i = b.len, seen = 0;
    if (b.p[i - 1] == '\n') i--;
    while (i > 0 && seen < (size_t)lines)
        if (b.p[--i] == '\n') seen++;
    if (b.p[i] == '\n') i++;
    for (char *line = b.p + i; line && *line;) {
        char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        printf("    [%s] %.*s\n", label, len > 300 ? 300 : len, line);
        line = nl ? nl + 1 : NULL;
    }
    ct_buf_free(&b);
}

void ct_srv_log_tail(const ct_srv *s, int lines) {
    tail_file(s->logpath, "server.log", lines);
    tail_file(s->stdiopath, "stdio.log", lines);
    fflush(stdout);
}

/* ---------------------------------------------------------- snapshot */

static int copy_file(const char *src, const char *dst) {
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) return errno == ENOENT ? 0 : -errno; /* raced with an unlink */
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        int e = -errno;
        close(in);
        return e;
    }
    int rc = 0;
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 20, 0);
        if (n == 0) break;
        if (n > 0) continue;
        if (errno == EINTR) continue;
        /* Not supported here: plain read/write. */
        char buf[65536];
        ssize_t r;
        while ((r = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)r) != r) {
                rc = -EIO;
                break;
            }
        if (r < 0) rc = -errno;
        break;
    }
    close(in);
    if (close(out) < 0 && rc == 0) rc = -errno;
    return rc;
}

static int skip_entry(const char *name, int top) {
    if (!strcmp(name, ".") || !strcmp(name, "..")) return 1;
    return top && (!strcmp(name, "server.log") || !strcmp(name, "stdio.log") ||
                   !strcmp(name, "at-kill") || !strcmp(name, "tamper.txt"));
}

static int copy_tree(const char *src, const char *dst, int depth) {
    DIR *d = opendir(src);
    if (!d) return -errno;
    if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
        int e = -errno;
        closedir(d);
        return e;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (skip_entry(e->d_name, depth == 0)) continue;
        char *from = ct_fmt("%s/%s", src, e->d_name);
        char *to = ct_fmt("%s/%s", dst, e->d_name);
        struct stat st;
        if (lstat(from, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < 2) rc = copy_tree(from, to, depth + 1);
            else if (S_ISREG(st.st_mode)) rc = copy_file(from, to);
        }
        free(from);
        free(to);
    }
    closedir(d);
    return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    return remove(path);
}

static void rm_tree(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

int ct_srv_snapshot(const ct_srv *s) {
    char *dst = ct_fmt("%s/at-kill", s->dir);
    rm_tree(dst);
    int rc = copy_tree(s->dir, dst, 0);
    free(dst);
    return rc;
}

void ct_srv_destroy(ct_srv *s, int keep) {
    if (!s->dir) return;
    ct_srv_kill(s);
    if (!keep) rm_tree(s->dir);
    free(s->dir);
    free(s->logpath);
    free(s->stdiopath);
    free(s->aofdir);
    free(s->aofname);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ config */

static void config_get(redisContext *c, const char *name, char **out) {
    redisReply *r = redisCommand(c, "CONFIG GET %s", name);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[1]->type == REDIS_REPLY_STRING && r->element[1]->len > 0) {
        free(*out);
        *out = ct_xmemdup(r->element[1]->str, r->element[1]->len);
    }
    if (r) freeReplyObject(r);
}

void ct_srv_read_config(ct_srv *s) {
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, (struct timeval){5, 0});
    if (!c || c->err) {
        if (c) redisFree(c);
        return;
    }
    redisSetTimeout(c, (struct timeval){5, 0});
    config_get(c, "appenddirname", &s->aofdir);
    config_get(c, "appendfilename", &s->aofname);
    redisFree(c);
}
