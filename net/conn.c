/*
 * net/conn.c — accepting, reading, dispatching, writing.
 *
 * Per connection: a conn_t holds the fd, the resp_reader and the kv_client.
 * Read path: read() into the reader's buffer (up to 16 KiB, or exactly a big
 * bulk), then run every complete command it holds, in order, unless the
 * client is blocked or closing.  A protocol error is answered with Redis's
 * "-ERR Protocol error: ..." and the connection is closed after the reply.
 * Write path: replies accumulate in c->out; before the loop sleeps every
 * pending client is written directly; what the socket does not take waits
 * for a writable event.  At most NET_MAX_WRITE_PER_EVENT bytes go to one
 * client per event so a huge reply cannot starve the others.
 *
 * Reply holding (DESIGN.md "Write path" 4-5; the gate is set by net/main.c
 * from aof/aof.h): every byte of c->out has an absolute position (out_base
 * counts the bytes dropped from its front).  When a command made the AOF
 * grow (gate->appended moved), a hold (position where its reply starts,
 * AOF offset after it) is queued on the connection; write_out() sends only
 * up to the first hold whose offset gate->released has not reached.  Output
 * that appears without a command of this client (a blocked BLPOP served by
 * another client's push, MONITOR lines) is held behind everything appended
 * so far.  Holds of one event-loop iteration merge (same write(), same
 * fsync), so a connection has at most NET_MAX_HOLDS.  Other clients'
 * replies never wait: each connection has its own holds.
 *
 * Invariants:
 *  (1) a conn_t is freed only from close_conn(), never while its own
 *      callback is still using it (closing is deferred with CLIENT_CLOSE_ASAP);
 *  (2) client-query-buffer-limit bounds what one client may buffer;
 *  (3) no byte at or after a hold's position is written before
 *      gate->released() >= that hold's offset: a client never sees the
 *      reply to a write before the AOF made it as durable as the fsync
 *      policy promises (fdatasync'd under always, write()n otherwise).
 */
#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/blocking.h"
#include "engine/client.h"
#include "engine/cmd.h"
#include "engine/log.h"
#include "engine/mem.h"
#include "engine/reply.h"
#include "engine/util.h"
#include "resp.h"

#define NET_MAX_WRITE_PER_EVENT (1024 * 1024)
#define NET_MAX_LISTENERS 18

#define NET_MAX_HOLDS 8

typedef struct net_hold {
    uint64_t pos;  /* absolute position in the output stream */
    uint64_t need; /* AOF offset gate->released must reach */
} net_hold;

typedef struct conn {
    int fd;
    int writing; /* writable handler installed */
    resp_reader rd;
    kv_client *c;
    net_ctx *n;
    /* reply holding (see the top) */
    uint64_t out_base;      /* bytes removed from the front of c->out so far */
    uint64_t out_seen;      /* output position classified as held or free */
    net_hold holds[NET_MAX_HOLDS];
    int nholds;
    struct conn *held_prev, *held_next; /* n->held while nholds > 0 */
    int unblocked; /* on n->unblocked (engine/blocking.c let it go) */
} conn_t;

struct net_ctx {
    kv_server *srv;
    loop_t *loop;
    int lfd[NET_MAX_LISTENERS];
    int nl;
    int unix_fd;
    conn_t **closing;
    int nclosing, cclosing;
    net_reply_gate gate; /* appended == NULL: no holding */
    conn_t *held;        /* connections with holds */
    uint64_t last_released;
    /* Clients unblocked since the loop last slept: their buffered commands
     * run in net_before_sleep (Redis's processUnblockedClients). */
    conn_t **unblocked;
    int nunblocked, cunblocked;
};

static void read_handler(loop_t *l, int fd, void *priv, int mask);
static void write_handler(loop_t *l, int fd, void *priv, int mask);

/* ---- listeners ------------------------------------------------------------ */

static int listen_tcp(const char *addr, int port, int backlog, sds *err) {
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof(ss));
    if (strchr(addr, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1) goto bad_addr;
        len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        if (strcmp(addr, "*") == 0) s4->sin_addr.s_addr = htonl(INADDR_ANY);
        else if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1) goto bad_addr;
        len = sizeof(*s4);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = sds_catprintf(sds_empty(), "socket: %s", strerror(errno));
        return -errno;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0) {
        int e = errno;
        *err = sds_catprintf(sds_empty(), "Could not create server TCP listening socket %s:%d: %s", addr, port,
                             strerror(e));
        close(fd);
        return -e;
    }
    return fd;
bad_addr:
    *err = sds_catprintf(sds_empty(), "Invalid bind address '%s'", addr);
    return -EINVAL;
}

static int listen_unix(const char *path, int perm, int backlog, sds *err) {
    struct sockaddr_un sa;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        *err = sds_catprintf(sds_empty(), "unixsocket path too long: %s", path);
        return -ENAMETOOLONG;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = sds_catprintf(sds_empty(), "socket: %s", strerror(errno));
        return -errno;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, backlog) < 0) {
        int e = errno;
        *err = sds_catprintf(sds_empty(), "Failed opening Unix socket %s: %s", path, strerror(e));
        close(fd);
        return -e;
    }
    if (perm) chmod(path, (mode_t)perm);
    return fd;
}

/* ---- connections ---------------------------------------------------------- */

static void conn_limits(conn_t *cn) {
    strata_config *cfg = cn->n->srv->cfg;
    resp_limits lim;
    resp_limits_default(&lim);
    lim.proto_max_bulk_len = cfg->proto_max_bulk_len;
    lim.auth_required = !cn->c->authenticated;
    cn->rd.limits = lim;
}

/* ---- reply holding --------------------------------------------------------- */

static uint64_t out_end(const conn_t *cn) { return cn->out_base + sds_len(cn->c->out); }

static void held_unlink(conn_t *cn) {
    net_ctx *n = cn->n;
    if (cn->held_prev) cn->held_prev->held_next = cn->held_next;
    else if (n->held == cn) n->held = cn->held_next;
    if (cn->held_next) cn->held_next->held_prev = cn->held_prev;
    cn->held_prev = cn->held_next = NULL;
}

/* Hold output from pos on until the AOF offset `need` is released. */
static void hold_push(conn_t *cn, uint64_t pos, uint64_t need) {
    net_ctx *n = cn->n;
    if (cn->nholds > 0) {
        net_hold *last = &cn->holds[cn->nholds - 1];
        /* Invariant (3) stays true when a later hold merges into an earlier
         * one (earlier position, later offset): only more is held.  Merge
         * when both go out with the same write, or when the queue is full. */
        if (last->need > n->gate.written(n->gate.priv) || cn->nholds == NET_MAX_HOLDS) {
            if (need > last->need) last->need = need;
            return;
        }
    } else {
        cn->held_prev = NULL;
        cn->held_next = n->held;
        if (n->held) n->held->held_prev = cn;
        n->held = cn;
    }
    cn->holds[cn->nholds].pos = pos;
    cn->holds[cn->nholds].need = need;
    cn->nholds++;
}

/* Drop the holds the gate has released; 1 when any was dropped. */
static int holds_release(conn_t *cn, uint64_t released) {
    int k = 0;
    while (k < cn->nholds && cn->holds[k].need <= released) k++;
    if (k == 0) return 0;
    memmove(cn->holds, cn->holds + k, sizeof(net_hold) * (size_t)(cn->nholds - k));
    cn->nholds -= k;
    if (cn->nholds == 0) held_unlink(cn);
    return 1;
}

/* Output that appeared without a command of this client (see the top). */
static void hold_foreign_output(conn_t *cn) {
    net_ctx *n = cn->n;
    uint64_t end = out_end(cn);
    if (n->gate.appended && end > cn->out_seen) {
        uint64_t app = n->gate.appended(n->gate.priv);
        if (app > n->gate.released(n->gate.priv)) hold_push(cn, cn->out_seen, app);
    }
    cn->out_seen = end;
}

/* How many bytes of c->out may be written now. */
static size_t sendable(conn_t *cn) {
    size_t len = sds_len(cn->c->out);
    if (cn->nholds == 0) return len;
    holds_release(cn, cn->n->gate.released(cn->n->gate.priv));
    if (cn->nholds == 0) return len;
    uint64_t lim = cn->holds[0].pos - cn->out_base;
    return lim < len ? (size_t)lim : len;
}

void net_set_reply_gate(net_ctx *n, const net_reply_gate *g) {
    if (g) n->gate = *g;
    else memset(&n->gate, 0, sizeof(n->gate));
}

static void close_conn(conn_t *cn) {
    if (cn->nholds) held_unlink(cn);
    if (cn->unblocked) { /* not resumed yet (only on net_stop): forget it */
        net_ctx *n = cn->n;
        for (int i = 0; i < n->nunblocked; i++)
            if (n->unblocked[i] == cn) n->unblocked[i] = NULL;
    }
    blocking_client_free(cn->c);
    loop_del_fd(cn->n->loop, cn->fd, LOOP_READABLE | LOOP_WRITABLE);
    close(cn->fd);
    resp_reader_free(&cn->rd);
    client_free(cn->c);
    mem_free(cn);
}

static void schedule_close(conn_t *cn) {
    net_ctx *n = cn->n;
    if (cn->c->flags & CLIENT_CLOSE_ASAP) return;
    cn->c->flags |= CLIENT_CLOSE_ASAP;
    blocking_client_free(cn->c); /* a closing client is not served any more */
    if (n->nclosing == n->cclosing) {
        n->cclosing = n->cclosing ? n->cclosing * 2 : 16;
        n->closing = mem_realloc(n->closing, sizeof(*n->closing) * (size_t)n->cclosing);
    }
    n->closing[n->nclosing++] = cn;
}

static void hook_close_client(void *netpriv, kv_client *c) {
    (void)netpriv;
    if (c->conn) schedule_close(c->conn);
}

/* kv_net_hooks.client_unblocked: queue c to resume its buffered input. */
static void hook_client_unblocked(void *netpriv, kv_client *c) {
    net_ctx *n = netpriv;
    conn_t *cn = c->conn;
    if (!cn || cn->unblocked) return;
    if (n->nunblocked == n->cunblocked) {
        n->cunblocked = n->cunblocked ? n->cunblocked * 2 : 16;
        n->unblocked = mem_realloc(n->unblocked, sizeof(*n->unblocked) * (size_t)n->cunblocked);
    }
    cn->unblocked = 1;
    n->unblocked[n->nunblocked++] = cn;
}

static int is_loopback(const struct sockaddr_storage *ss) {
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
    }
    return 1; /* unix socket */
}

static void format_addr(const struct sockaddr_storage *ss, char *out, size_t size) {
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        port = ntohs(s4->sin_port);
        snprintf(out, size, "%s:%d", ip, port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
        port = ntohs(s6->sin6_port);
        snprintf(out, size, "%s:%d", ip, port);
    } else {
        snprintf(out, size, "/unixsocket:0");
    }
}

/* Word for word (typo included) what redis-server 7.0.15 sends; clients and
 * docs match on it. Checked by tests/integration/test_limits.c from a
 * non-loopback address in a network namespace. */
static const char protected_msg[] =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no password is "
    "set for the default user. In this mode connections are only accepted from the loopback interface. "
    "If you want to connect from external computers to Redis you may adopt one of the following "
    "solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from "
    "the loopback interface by connecting to Redis from the same host the server is running, however "
    "MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make "
    "this change permanent. 2) Alternatively you can just disable the protected mode by editing the "
    "Redis configuration file, and setting the protected mode option to 'no', and then restarting the "
    "server. 3) If you started the server manually just for testing, restart it with the "
    "'--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: "
    "You only need to do one of the above things in order for the server to start accepting connections "
    "from the outside.\r\n";

static void accept_one(net_ctx *n, int lfd, int is_unix) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            log_msg(LOG_WARNING, "Accepting client connection: %s", strerror(errno));
        return;
    }
    kv_server *srv = n->srv;
    strata_config *cfg = srv->cfg;
    if (is_unix) ss.ss_family = AF_UNIX;
    if (srv->nclients >= cfg->maxclients) {
        static const char msg[] = "-ERR max number of clients reached\r\n";
        (void)!write(fd, msg, sizeof(msg) - 1);
        close(fd);
        srv->stat.rejected_conn++;
        return;
    }
    if (cfg->protected_mode && (!cfg->requirepass || !cfg->requirepass[0]) && !is_loopback(&ss)) {
        (void)!write(fd, protected_msg, sizeof(protected_msg) - 1);
        close(fd);
        srv->stat.rejected_conn++;
        return;
    }
    if (!is_unix) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (cfg->tcp_keepalive > 0) {
            int idle = (int)cfg->tcp_keepalive, intvl = idle / 3 ? (int)idle / 3 : 1, cnt = 3;
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
            setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
            setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
            setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
        }
    }
    conn_t *cn = mem_calloc(sizeof(*cn));
    cn->fd = fd;
    cn->n = n;
    cn->c = client_create(srv, fd);
    cn->c->conn = cn;
    if (is_unix) cn->c->flags |= CLIENT_UNIX_SOCKET;
    format_addr(&ss, cn->c->addr, sizeof(cn->c->addr));
    /* A unix-socket peer has no address of its own: Redis 7.0 shows the
     * socket path for both ends (addr=/path/to.sock:0 laddr=/path/to.sock:0). */
    if (is_unix) snprintf(cn->c->addr, sizeof(cn->c->addr), "%s:0", cfg->unixsocket);
    struct sockaddr_storage ls;
    socklen_t ll = sizeof(ls);
    if (!is_unix && getsockname(fd, (struct sockaddr *)&ls, &ll) == 0) format_addr(&ls, cn->c->laddr, sizeof(cn->c->laddr));
    else snprintf(cn->c->laddr, sizeof(cn->c->laddr), "%s:0", cfg->unixsocket);
    resp_reader_init(&cn->rd, NULL);
    conn_limits(cn);
    if (loop_add_fd(n->loop, fd, LOOP_READABLE, read_handler, cn) < 0) {
        static const char msg[] = "-ERR max number of clients reached\r\n";
        (void)!write(fd, msg, sizeof(msg) - 1);
        srv->stat.rejected_conn++;
        close(fd);
        resp_reader_free(&cn->rd);
        client_free(cn->c);
        mem_free(cn);
        return;
    }
    srv->stat.numconnections++;
}

static void accept_handler(loop_t *l, int fd, void *priv, int mask) {
    net_ctx *n = priv;
    (void)l;
    (void)mask;
    for (int i = 0; i < 1000; i++) {
        int before = (int)n->srv->stat.numconnections + (int)n->srv->stat.rejected_conn;
        accept_one(n, fd, fd == n->unix_fd);
        if ((int)n->srv->stat.numconnections + (int)n->srv->stat.rejected_conn == before) break;
    }
}

/* Run every complete command buffered for this connection. */
static void process_input(conn_t *cn) {
    kv_client *c = cn->c;
    for (;;) {
        if (c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED)) return;
        int argc;
        sds *argv;
        const char *err;
        int rc = resp_reader_next(&cn->rd, &argc, &argv, &err);
        if (rc == 0) return;
        if (rc < 0) {
            reply_errorf(c, "Protocol error: %s", err);
            c->flags |= CLIENT_CLOSE_AFTER_REPLY;
            return;
        }
        c->last_ms = (int64_t)util_mstime();
        client_set_argv(c, argc, argv);
        int was_auth = c->authenticated;
        net_ctx *n = cn->n;
        uint64_t app = 0, pos = 0;
        if (n->gate.appended) {
            hold_foreign_output(cn);
            app = n->gate.appended(n->gate.priv);
            pos = out_end(cn);
        }
        cmd_process(c);
        if (n->gate.appended) {
            uint64_t now = n->gate.appended(n->gate.priv);
            if (now != app) hold_push(cn, pos, now); /* this command wrote */
            cn->out_seen = out_end(cn);
        }
        client_reset_argv(c);
        if (c->authenticated != was_auth) conn_limits(cn);
    }
}

static void read_handler(loop_t *l, int fd, void *priv, int mask) {
    conn_t *cn = priv;
    kv_client *c = cn->c;
    kv_server *srv = cn->n->srv;
    (void)l;
    (void)mask;
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    size_t avail;
    char *p = resp_reader_space(&cn->rd, &avail);
    ssize_t nr = read(fd, p, avail);
    if (nr < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        log_msg(LOG_VERBOSE, "Reading from client: %s", strerror(errno));
        schedule_close(cn);
        return;
    }
    if (nr == 0) {
        log_msg(LOG_VERBOSE, "Client closed connection id=%llu addr=%s", (unsigned long long)c->id, c->addr);
        schedule_close(cn);
        return;
    }
    resp_reader_commit(&cn->rd, (size_t)nr);
    srv->stat.net_input_bytes += nr;
    srv->stat.total_reads_processed++;
    c->tot_net_in += nr;
    process_input(cn);
    c->qbuf = resp_reader_buffered(&cn->rd);
    c->argv_mem = resp_reader_argv_bytes(&cn->rd);
    if (c->qbuf + c->argv_mem > (size_t)srv->cfg->client_query_buffer_limit) {
        log_msg(LOG_WARNING, "Closing client that reached max query buffer length: id=%llu addr=%s qbuf=%zu",
                (unsigned long long)c->id, c->addr, c->qbuf);
        srv->stat.client_qbuf_limit_disconnections++;
        schedule_close(cn);
    }
}

/* Write what the socket takes.  Returns 0, or -1 when the conn must close. */
static int write_out(conn_t *cn) {
    kv_client *c = cn->c;
    kv_server *srv = cn->n->srv;
    size_t written = 0, limit = sendable(cn);
    while (c->out_sent < limit && written < NET_MAX_WRITE_PER_EVENT) {
        ssize_t nw = write(cn->fd, c->out + c->out_sent, limit - c->out_sent);
        if (nw < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            log_msg(LOG_VERBOSE, "Error writing to client: %s", strerror(errno));
            return -1;
        }
        c->out_sent += (size_t)nw;
        written += (size_t)nw;
    }
    srv->stat.net_output_bytes += (long long)written;
    c->tot_net_out += (long long)written;
    if (written) srv->stat.total_writes_processed++;
    if (c->out_sent == sds_len(c->out)) {
        cn->out_base += c->out_sent;
        if (sds_alloc_size(c->out) > 64 * 1024) {
            sds_free(c->out);
            c->out = sds_empty();
        } else {
            sds_clear(c->out);
        }
        c->out_sent = 0;
    } else if (c->out_sent > 1024 * 1024 && c->out_sent >= sds_len(c->out) - c->out_sent) {
        /* Drop the sent prefix only once it is at least as big as what is
         * left, so each byte is moved O(1) times.  (Compacting after every
         * 1 MiB moved the whole remainder each time: quadratic for a slow
         * reader with 100 MB pending, and every other client waited.) */
        cn->out_base += c->out_sent;
        sds_range(c->out, (ssize_t)c->out_sent, -1);
        c->out_sent = 0;
    }
    return 0;
}

static void after_write(conn_t *cn) {
    kv_client *c = cn->c;
    int pending = c->out_sent < sendable(cn); /* held bytes wait for the gate, not for POLLOUT */
    if (pending && !cn->writing) {
        loop_add_fd(cn->n->loop, cn->fd, LOOP_WRITABLE, write_handler, cn);
        cn->writing = 1;
    } else if (!pending && cn->writing) {
        loop_del_fd(cn->n->loop, cn->fd, LOOP_WRITABLE);
        cn->writing = 0;
    }
    if (c->out_sent == sds_len(c->out) && (c->flags & CLIENT_CLOSE_AFTER_REPLY)) schedule_close(cn);
}

static void write_handler(loop_t *l, int fd, void *priv, int mask) {
    conn_t *cn = priv;
    (void)l;
    (void)fd;
    (void)mask;
    if (cn->c->flags & CLIENT_CLOSE_ASAP) return;
    if (write_out(cn) < 0) {
        schedule_close(cn);
        return;
    }
    after_write(cn);
}

/* The gate moved: connections whose first hold is now released get
 * written. */
static void release_held(net_ctx *n) {
    uint64_t rel = n->gate.released(n->gate.priv);
    if (rel == n->last_released) return;
    n->last_released = rel;
    conn_t *next;
    for (conn_t *cn = n->held; cn; cn = next) {
        next = cn->held_next;
        if (holds_release(cn, rel)) client_mark_pending(cn->c);
    }
}

/* Run what unblocked clients buffered while blocked, in unblocking order
 * (their commands may unblock more clients: those run in the same pass). */
static void resume_unblocked(net_ctx *n) {
    for (int i = 0; i < n->nunblocked; i++) {
        conn_t *cn = n->unblocked[i];
        if (!cn) continue;
        cn->unblocked = 0;
        if (cn->c->flags & (CLIENT_CLOSE_ASAP | CLIENT_BLOCKED)) continue;
        process_input(cn);
        cn->c->qbuf = resp_reader_buffered(&cn->rd);
        cn->c->argv_mem = resp_reader_argv_bytes(&cn->rd);
    }
    n->nunblocked = 0;
}

void net_before_sleep(net_ctx *n) {
    kv_client *c;
    resume_unblocked(n);
    if (n->gate.appended) release_held(n);
    while ((c = client_pop_pending(n->srv))) {
        conn_t *cn = c->conn;
        if (!cn || (c->flags & CLIENT_CLOSE_ASAP)) continue;
        if (n->gate.appended) hold_foreign_output(cn);
        if (!cn->writing && write_out(cn) < 0) {
            schedule_close(cn);
            continue;
        }
        after_write(cn);
    }
    /* Clients may have closed during the flush or in commands. */
    for (int i = 0; i < n->nclosing; i++) close_conn(n->closing[i]);
    n->nclosing = 0;
}

void net_cron(net_ctx *n) {
    kv_server *srv = n->srv;
    long long timeout = srv->cfg->timeout;
    if (timeout <= 0) return;
    int64_t now = (int64_t)util_mstime();
    for (kv_client *c = srv->clients; c; c = c->next) {
        if (!c->conn || (c->flags & (CLIENT_MONITOR | CLIENT_BLOCKED | CLIENT_CLOSE_ASAP))) continue;
        if (now - c->last_ms > timeout * 1000) {
            log_msg(LOG_VERBOSE, "Closing idle client id=%llu", (unsigned long long)c->id);
            schedule_close(c->conn);
        }
    }
}

static void info_clients(void *netpriv, sds *info) { (void)netpriv; (void)info; }

net_ctx *net_start(kv_server *srv, loop_t *loop, sds *err) {
    net_ctx *n = mem_calloc(sizeof(*n));
    strata_config *cfg = srv->cfg;
    n->srv = srv;
    n->loop = loop;
    n->unix_fd = -1;
    *err = NULL;
    if (cfg->port > 0) {
        for (int i = 0; i < cfg->bind_count && n->nl < NET_MAX_LISTENERS; i++) {
            const char *addr = cfg->bind[i];
            int optional = addr[0] == '-';
            if (optional) addr++;
            sds e = NULL;
            int fd = listen_tcp(addr, (int)cfg->port, (int)cfg->tcp_backlog, &e);
            if (fd < 0) {
                if (optional && (fd == -EADDRNOTAVAIL || fd == -EAFNOSUPPORT || fd == -EPROTONOSUPPORT)) {
                    log_msg(LOG_NOTICE, "Skipping optional bind address %s: %s", addr, e);
                    sds_free(e);
                    continue;
                }
                *err = e;
                net_stop(n);
                return NULL;
            }
            n->lfd[n->nl++] = fd;
        }
    }
    if (cfg->unixsocket && cfg->unixsocket[0]) {
        int fd = listen_unix(cfg->unixsocket, (int)cfg->unixsocketperm, (int)cfg->tcp_backlog, err);
        if (fd < 0) {
            net_stop(n);
            return NULL;
        }
        n->unix_fd = fd;
        n->lfd[n->nl++] = fd;
    }
    if (n->nl == 0) {
        *err = sds_new("Configured to not listen anywhere, exiting.");
        net_stop(n);
        return NULL;
    }
    for (int i = 0; i < n->nl; i++) loop_add_fd(loop, n->lfd[i], LOOP_READABLE, accept_handler, n);
    srv->net.close_client = hook_close_client;
    srv->net.info_clients = info_clients;
    srv->net.client_unblocked = hook_client_unblocked;
    srv->net.netpriv = n;
    return n;
}

void net_stop(net_ctx *n) {
    if (!n) return;
    for (int i = 0; i < n->nl; i++) {
        loop_del_fd(n->loop, n->lfd[i], LOOP_READABLE);
        close(n->lfd[i]);
    }
    if (n->unix_fd >= 0 && n->srv->cfg->unixsocket) unlink(n->srv->cfg->unixsocket);
    n->nl = 0;
    for (int i = 0; i < n->nclosing; i++) close_conn(n->closing[i]);
    n->nclosing = 0;
    kv_client *c = n->srv->clients;
    while (c) {
        kv_client *next = c->next;
        if (c->conn) close_conn(c->conn);
        c = next;
    }
    mem_free(n->closing);
    mem_free(n->unblocked);
    n->srv->net.close_client = NULL;
    n->srv->net.client_unblocked = NULL;
    mem_free(n);
}

int net_listener_count(const net_ctx *n) { return n->nl; }
