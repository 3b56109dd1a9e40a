/*
 * tests/crash/workload.c — the clients of one cycle and the moment of the
 * kill (ct_wl_).
 *
 * Design
 *   N non-blocking TCP connections, one per client, served by one poll()
 *   loop; hiredis is used only as a reply parser (redisReader). Each client
 *   keeps up to --pipeline ops in flight. An op is one command, or for a
 *   MULTI batch the five commands MULTI, INCR n1, INCR n2, APPEND m:log,
 *   EXEC; a FIFO of (op, part) entries matches replies to ops (replies on a
 *   connection come in request order).
 *
 *   Op choice per client comes from a PRNG seeded by (cycle seed, client),
 *   so a seed fixes each client's op sequence; how many ops run before the
 *   kill depends on timing. Mix: INCR 18%, APPEND 18%, SET unique 18%,
 *   DEL of an earlier unique key 8%, SET PX 15% (half with a TTL shorter
 *   than the cycle, half 10 minutes), MULTI batch 12%, RPUSH 11% (APPEND
 *   when the server has no lists). Op 0 is the DEL of the old set.
 *
 *   Every reply is checked against a model of the client's keys built from
 *   the replies before it (INCR must return previous+1, APPEND the new
 *   length, EXEC [n, n, len] ...). An error reply marks the op REJECTED (no
 *   effect) and is counted, not a violation; a wrong non-error reply is a
 *   violation. The first error text is kept for the progress line.
 *
 *   Phase controller (when to kill), on a control connection that only
 *   sends BGSAVE/BGREWRITEAOF/INFO:
 *     random/loading  kill at a uniform moment in [10%, 100%] of --duration-ms
 *     bgsave/rewrite  at a moment in [10%, 80%] send the command, then poll
 *                     INFO persistence; kill as soon as the in-progress field
 *                     reads 1 (hit). The command is re-sent every 50 ms until
 *                     it is seen. A server that does not know the command:
 *                     kill at once, phase marked unavailable.
 *     fsync           at a moment in [10%, 80%] every client's pipeline
 *                     grows to 32; kill right after the K-th acknowledgement
 *                     that follows (K random in [1, 16 * clients]).
 *   Whatever the phase, the kill happens by the end of --duration-ms.
 *
 *   After the SIGKILL the sockets are drained: replies the server wrote
 *   before it died are acknowledgements a client could have seen, so they
 *   count (marked late).
 */
#include "tests/crash/crash.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#define BURST_DEPTH 32
#define MULTI_PARTS 5
#define LONG_TTL_MS 600000

typedef struct wl_pend {
    uint32_t op;
    uint8_t part, nparts;
} wl_pend;

typedef struct wl_conn {
    ct_client *cl;
    int fd;
    int dead;
    redisReader *rd;
    ct_buf out;
    size_t ooff;
    wl_pend *q;                 /* ring of expected replies */
    size_t qcap, qhead, qlen;
    int inflight;
    ct_rng rng;
    /* model from the replies seen so far */
    long long ctr, mcount, llen;
    size_t loglen, mloglen;
    int multi_err;              /* an error inside the current MULTI */
    uint32_t *setu;             /* SETU ops no DELU targets yet */
    size_t nsetu, capsetu;
} wl_conn;

typedef struct wl_ctl {
    int phase;
    int64_t trigger_us, end_us;
    int state;                  /* 0 before trigger, 1 polling/burst, 2 kill */
    redisContext *c;
    int64_t last_cmd_us, last_poll_us;
    long long polls;
    long long burst_target, burst_acks;
} wl_ctl;

typedef struct wl {
    ct_srv *s;
    const ct_opts *o;
    ct_cycle *cy;
    wl_conn *conns;
    int n;
    int depth;
    wl_ctl ctl;
} wl;

/* ---------------------------------------------------------- the FIFO */

static void q_push(wl_conn *w, uint32_t op, int part, int nparts) {
    if (w->qlen == w->qcap) {
        size_t cap = w->qcap ? w->qcap * 2 : 64;
        wl_pend *q = ct_xmalloc(sizeof *q * cap);
        for (size_t i = 0; i < w->qlen; i++) q[i] = w->q[(w->qhead + i) % w->qcap];
        free(w->q);
        w->q = q;
        w->qcap = cap;
        w->qhead = 0;
    }
    w->q[(w->qhead + w->qlen) % w->qcap] = (wl_pend){op, (uint8_t)part, (uint8_t)nparts};
    w->qlen++;
}

static int q_pop(wl_conn *w, wl_pend *out) {
    if (!w->qlen) return 0;
    *out = w->q[w->qhead];
    w->qhead = (w->qhead + 1) % w->qcap;
    w->qlen--;
    return 1;
}

/* -------------------------------------------------------- generating */

static void send_cmd(wl_conn *w, uint32_t op, int part, int nparts, int argc,
                     const char *const *argv, const size_t *lens) {
    ct_buf_cmd(&w->out, argc, argv, lens);
    q_push(w, op, part, nparts);
}

static void gen_clean(wl_conn *w, uint32_t i) {
    ct_client *c = w->cl;
    const char **argv = ct_xmalloc(sizeof *argv * (c->nold + 1));
    argv[0] = "DEL";
    for (size_t k = 0; k < c->nold; k++) argv[k + 1] = c->old[k].key;
    send_cmd(w, i, 0, 1, (int)c->nold + 1, argv, NULL);
    free(argv);
}

static void gen_multi(wl_conn *w, const ct_cycle *cy, uint32_t i) {
    char k1[CT_KEY_MAX], k2[CT_KEY_MAX], kl[CT_KEY_MAX], tok[16];
    int id = w->cl->id;
    snprintf(tok, sizeof tok, "%u,", i);
    const char *multi[] = {"MULTI"};
    const char *incr1[] = {"INCR", ct_key_m(k1, cy->n, id, "n1")};
    const char *incr2[] = {"INCR", ct_key_m(k2, cy->n, id, "n2")};
    const char *app[] = {"APPEND", ct_key_m(kl, cy->n, id, "log"), tok};
    const char *exec[] = {"EXEC"};
    send_cmd(w, i, 0, MULTI_PARTS, 1, multi, NULL);
    send_cmd(w, i, 1, MULTI_PARTS, 2, incr1, NULL);
    send_cmd(w, i, 2, MULTI_PARTS, 2, incr2, NULL);
    send_cmd(w, i, 3, MULTI_PARTS, 3, app, NULL);
    send_cmd(w, i, 4, MULTI_PARTS, 1, exec, NULL);
}

static int pick_kind(wl_conn *w, const ct_cycle *cy) {
    int r = (int)(ct_rng_next(&w->rng) % 100);
    if (r < 18) return CT_OP_INCR;
    if (r < 36) return CT_OP_APPEND;
    if (r < 54) return CT_OP_SETU;
    if (r < 62) return w->nsetu ? CT_OP_DELU : CT_OP_SETU;
    if (r < 77) return CT_OP_SETX;
    if (r < 89) return CT_OP_MULTI;
    return cy->lists ? CT_OP_PUSH : CT_OP_APPEND;
}

/* Choose, record and queue the client's next op. */
static void gen_op(wl *x, wl_conn *w) {
    ct_client *c = w->cl;
    const ct_cycle *cy = x->cy;
    char key[CT_KEY_MAX], val[512], num[24];
    int kind = (c->nops == 0 && c->nold) ? CT_OP_CLEAN : pick_kind(w, cy);
    uint32_t arg = CT_NONE;
    if (kind == CT_OP_DELU) {
        size_t k = (size_t)(ct_rng_next(&w->rng) % w->nsetu);
        arg = w->setu[k];
        w->setu[k] = w->setu[--w->nsetu];
    } else if (kind == CT_OP_SETX) {
        arg = ct_rng_next(&w->rng) % 2 ? LONG_TTL_MS
                                       : (uint32_t)ct_rng_range(&w->rng, 1, x->o->duration_ms);
    }
    uint32_t i = ct_client_push(c, kind, arg);
    c->ops[i].send_us = ct_now_us();
    if (kind == CT_OP_DELU) c->ops[arg].arg = i;
    switch (kind) {
    case CT_OP_CLEAN: gen_clean(w, i); break;
    case CT_OP_INCR: {
        const char *a[] = {"INCR", ct_key_ctr(key, c->id)};
        send_cmd(w, i, 0, 1, 2, a, NULL);
        break;
    }
    case CT_OP_APPEND: {
        snprintf(val, sizeof val, "%u,", i);
        const char *a[] = {"APPEND", ct_key_log(key, cy->n, c->id), val};
        send_cmd(w, i, 0, 1, 3, a, NULL);
        break;
    }
    case CT_OP_SETU: {
        size_t vl = ct_value(val, sizeof val, cy->seed, c->id, i, x->o->value_size);
        const char *a[] = {"SET", ct_key_u(key, cy->n, c->id, i), val};
        size_t l[] = {3, strlen(a[1]), vl};
        send_cmd(w, i, 0, 1, 3, a, l);
        if (w->nsetu == w->capsetu) {
            w->capsetu = w->capsetu ? w->capsetu * 2 : 256;
            w->setu = ct_xrealloc(w->setu, sizeof *w->setu * w->capsetu);
        }
        w->setu[w->nsetu++] = i;
        break;
    }
    case CT_OP_DELU: {
        const char *a[] = {"DEL", ct_key_u(key, cy->n, c->id, arg)};
        send_cmd(w, i, 0, 1, 2, a, NULL);
        break;
    }
    case CT_OP_SETX: {
        size_t vl = ct_value(val, sizeof val, cy->seed, c->id, i, x->o->value_size);
        snprintf(num, sizeof num, "%u", arg);
        const char *a[] = {"SET", ct_key_x(key, cy->n, c->id, i), val, "PX", num};
        size_t l[] = {3, strlen(a[1]), vl, 2, strlen(num)};
        send_cmd(w, i, 0, 1, 5, a, l);
        break;
    }
    case CT_OP_MULTI: gen_multi(w, cy, i); break;
    case CT_OP_PUSH: {
        snprintf(val, sizeof val, "%u", i);
        const char *a[] = {"RPUSH", ct_key_l(key, cy->n, c->id), val};
        send_cmd(w, i, 0, 1, 3, a, NULL);
        break;
    }
    }
    w->inflight++;
    x->cy->sent++;
}

/* ----------------------------------------------------------- replies */

static const char *kind_name(int kind) {
    static const char *const n[] = {"DEL(old)", "INCR", "APPEND", "SET", "DEL", "SET PX",
                                    "MULTI", "RPUSH"};
    return kind >= 0 && kind < CT_OP_NKINDS ? n[kind] : "?";
}

static void describe(const redisReply *r, char *buf, size_t cap) {
    switch (r->type) {
    case REDIS_REPLY_INTEGER: snprintf(buf, cap, ":%lld", r->integer); break;
    case REDIS_REPLY_STATUS: snprintf(buf, cap, "+%.60s", r->str); break;
    case REDIS_REPLY_ERROR: snprintf(buf, cap, "-%.60s", r->str); break;
    case REDIS_REPLY_STRING: snprintf(buf, cap, "\"%.60s\"", r->str); break;
    case REDIS_REPLY_NIL: snprintf(buf, cap, "nil"); break;
    case REDIS_REPLY_ARRAY: snprintf(buf, cap, "array of %zu", r->elements); break;
    default: snprintf(buf, cap, "type %d", r->type); break;
    }
}

static int is_int(const redisReply *r, long long v) {
    return r->type == REDIS_REPLY_INTEGER && r->integer == v;
}

static int is_status(const redisReply *r, const char *s) {
    return r->type == REDIS_REPLY_STATUS && strcmp(r->str, s) == 0;
}

static size_t tok_len(uint32_t i, int comma) {
    char t[16];
    return (size_t)snprintf(t, sizeof t, comma ? "%u," : "%u", i);
}

/* Does the final reply match the model? Updates the model when it does. */
static int final_ok(wl_conn *w, uint32_t i, const redisReply *r) {
    ct_client *c = w->cl;
    const ct_op *op = &c->ops[i];
    switch (op->kind) {
    case CT_OP_CLEAN:
        return r->type == REDIS_REPLY_INTEGER && r->integer >= 0 &&
               (size_t)r->integer <= c->nold;
    case CT_OP_INCR:
        if (!is_int(r, w->ctr + 1)) return 0;
        w->ctr++;
        return 1;
    case CT_OP_APPEND:
        if (!is_int(r, (long long)(w->loglen + tok_len(i, 1)))) return 0;
        w->loglen += tok_len(i, 1);
        return 1;
    case CT_OP_SETU:
    case CT_OP_SETX: return is_status(r, "OK");
    case CT_OP_DELU: return is_int(r, c->ops[op->arg].state == CT_ACKED ? 1 : 0);
    case CT_OP_MULTI:
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
            !is_int(r->element[0], w->mcount + 1) || !is_int(r->element[1], w->mcount + 1) ||
            !is_int(r->element[2], (long long)(w->mloglen + tok_len(i, 1))))
            return 0;
        w->mcount++;
        w->mloglen += tok_len(i, 1);
        return 1;
    case CT_OP_PUSH:
        if (!is_int(r, w->llen + 1)) return 0;
        w->llen++;
        return 1;
    }
    return 0;
}

static void note_error(ct_cycle *cy, const redisReply *r) {
    if (!cy->first_error[0]) snprintf(cy->first_error, sizeof cy->first_error, "%.150s", r->str);
}

/* A reply to a MULTI part before EXEC. */
static void on_multi_part(wl *x, wl_conn *w, const wl_pend *p, const redisReply *r) {
    char got[96];
    if (r->type == REDIS_REPLY_ERROR) {
        note_error(x->cy, r);
        if (p->part == 0) {
            describe(r, got, sizeof got);
            ct_violation(&x->cy->rep, "client %d op %u: MULTI answered %s", w->cl->id, p->op,
                         got);
        }
        w->multi_err = 1;
        return;
    }
    if (!is_status(r, p->part == 0 ? "OK" : "QUEUED")) {
        describe(r, got, sizeof got);
        ct_violation(&x->cy->rep, "client %d op %u: MULTI part %d answered %s", w->cl->id,
                     p->op, p->part, got);
    }
}

static void on_reply(wl *x, wl_conn *w, const redisReply *r, int64_t now, int late) {
    wl_pend p;
    if (!q_pop(w, &p)) {
        ct_violation(&x->cy->rep, "client %d: a reply nobody asked for", w->cl->id);
        return;
    }
    if (p.part + 1 < p.nparts) {
        on_multi_part(x, w, &p, r);
        return;
    }
    ct_op *op = &w->cl->ops[p.op];
    int multi_err = op->kind == CT_OP_MULTI && w->multi_err;
    w->multi_err = 0;
    op->ack_us = now;
    op->late = (uint8_t)late;
    w->inflight--;
    x->cy->acked++;
    if (late) x->cy->late++;
    if (r->type == REDIS_REPLY_ERROR || (multi_err && r->type == REDIS_REPLY_NIL)) {
        op->state = CT_REJECTED;
        x->cy->rejected++;
        if (r->type == REDIS_REPLY_ERROR) note_error(x->cy, r);
        return;
    }
    op->state = CT_ACKED;
    if (!final_ok(w, p.op, r)) {
        char got[96];
        describe(r, got, sizeof got);
        ct_violation(&x->cy->rep, "client %d op %u (%s): unexpected reply %s", w->cl->id, p.op,
                     kind_name(op->kind), got);
    }
}

/* Read what is there; returns -1 on EOF/error (connection done). */
static int conn_read(wl *x, wl_conn *w, int late, long long *acks) {
    char buf[65536];
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n == 0) return -1;
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? 0 : -1;
        }
        int64_t now = ct_now_us();
        if (redisReaderFeed(w->rd, buf, (size_t)n) != REDIS_OK) return -1;
        for (;;) {
            void *rep = NULL;
            if (redisReaderGetReply(w->rd, &rep) != REDIS_OK) {
                ct_violation(&x->cy->rep, "client %d: protocol error in the server's reply",
                             w->cl->id);
                return -1;
            }
            if (!rep) break;
            long long before = x->cy->acked;
            on_reply(x, w, rep, now, late);
            if (acks) *acks += x->cy->acked - before;
            freeReplyObject(rep);
        }
        if ((size_t)n < sizeof buf) return 0;
    }
}

static int conn_flush(wl_conn *w) {
    while (w->ooff < w->out.len) {
        ssize_t n = write(w->fd, w->out.p + w->ooff, w->out.len - w->ooff);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? 0 : -1;
        }
        w->ooff += (size_t)n;
    }
    w->out.len = w->ooff = 0;
    return 0;
}

/* ------------------------------------------------- phase controller */

static const char *phase_cmd(int phase) { return phase == CT_PH_BGSAVE ? "BGSAVE" : "BGREWRITEAOF"; }

static const char *phase_field(int phase) {
    return phase == CT_PH_BGSAVE ? "rdb_bgsave_in_progress:" : "aof_rewrite_in_progress:";
}

static void ctl_init(wl *x) {
    wl_ctl *k = &x->ctl;
    ct_rng rng;
    ct_rng_seed(&rng, ct_mix(x->cy->seed, 0xC0FFEE));
    int64_t d = (int64_t)x->o->duration_ms * 1000;
    int64_t start = x->cy->start_us;
    memset(k, 0, sizeof *k);
    k->phase = x->cy->phase;
    k->end_us = start + d;
    if (k->phase == CT_PH_RANDOM || k->phase == CT_PH_LOADING)
        k->trigger_us = start + (int64_t)ct_rng_range(&rng, (uint64_t)d / 10, (uint64_t)d);
    else
        k->trigger_us = start + (int64_t)ct_rng_range(&rng, (uint64_t)d / 10, (uint64_t)d * 8 / 10);
    k->burst_target = (long long)ct_rng_range(&rng, 1, (uint64_t)x->n * 16);
}

static void ctl_send(wl *x, int64_t now) {
    wl_ctl *k = &x->ctl;
    k->last_cmd_us = now;
    redisReply *r = redisCommand(k->c, phase_cmd(k->phase));
    if (!r) return;
    if (r->type == REDIS_REPLY_ERROR && strncasecmp(r->str, "ERR unknown command", 19) == 0) {
        x->cy->phase_unavailable = 1;
        snprintf(x->cy->phase_note, sizeof x->cy->phase_note, "%s: %.80s", phase_cmd(k->phase),
                 r->str);
        k->state = 2;
    }
    freeReplyObject(r);
}

/* 1 when the INFO persistence field of the phase reads 1. */
static int ctl_poll(wl *x, int64_t now) {
    wl_ctl *k = &x->ctl;
    k->last_poll_us = now;
    k->polls++;
    redisReply *r = redisCommand(k->c, "INFO persistence");
    int hit = 0;
    if (r && r->type == REDIS_REPLY_STRING) {
        const char *f = strstr(r->str, phase_field(k->phase));
        hit = f && f[strlen(phase_field(k->phase))] == '1';
    }
    if (r) freeReplyObject(r);
    return hit;
}

/* Called often; returns 1 when the server must die now. */
static int ctl_step(wl *x, int64_t now) {
    wl_ctl *k = &x->ctl;
    if (k->state == 2) return 1;
    if (now < k->trigger_us) return now >= k->end_us;
    if (now >= k->end_us && k->phase != CT_PH_RANDOM && k->phase != CT_PH_LOADING) return 1;
    switch (k->phase) {
    case CT_PH_BGSAVE:
    case CT_PH_REWRITE:
        if (!k->c) {
            x->cy->phase_unavailable = 1;
            return 1;
        }
        if (k->state == 0 || now - k->last_cmd_us >= 50000) {
            k->state = 1;
            ctl_send(x, now);
            if (k->state == 2) return 1;
        }
        if (now - k->last_poll_us >= 200 && ctl_poll(x, now)) {
            x->cy->phase_hit = 1;
            k->state = 2;
            return 1;
        }
        return 0;
    case CT_PH_FSYNC:
        if (k->state == 0) {
            k->state = 1;
            k->burst_acks = 0;
            x->depth = x->depth > BURST_DEPTH ? x->depth : BURST_DEPTH;
        }
        if (k->burst_acks >= k->burst_target) {
            x->cy->phase_hit = 1;
            return 1;
        }
        return 0;
    default:
        x->cy->phase_hit = x->cy->phase == CT_PH_RANDOM;
        return 1;
    }
}

/* ------------------------------------------------------------ the loop */

static int conns_open(wl *x) {
    for (int i = 0; i < x->n; i++) {
        wl_conn *w = &x->conns[i];
        w->fd = ct_srv_connect(x->s);
        if (w->fd < 0) return w->fd;
        fcntl(w->fd, F_SETFL, fcntl(w->fd, F_GETFL) | O_NONBLOCK);
        w->rd = redisReaderCreate();
        if (!w->rd) abort();
        ct_rng_seed(&w->rng, ct_mix(x->cy->seed, (uint64_t)i + 1));
        w->ctr = w->cl->base_ctr;
    }
    if (x->cy->phase == CT_PH_BGSAVE || x->cy->phase == CT_PH_REWRITE) {
        x->ctl.c = redisConnectWithTimeout("127.0.0.1", x->s->port, (struct timeval){5, 0});
        if (x->ctl.c && x->ctl.c->err) {
            redisFree(x->ctl.c);
            x->ctl.c = NULL;
        }
        if (x->ctl.c) redisSetTimeout(x->ctl.c, (struct timeval){5, 0});
    }
    return 0;
}

static void conns_close(wl *x) {
    for (int i = 0; i < x->n; i++) {
        wl_conn *w = &x->conns[i];
        if (w->fd >= 0) close(w->fd);
        if (w->rd) redisReaderFree(w->rd);
        ct_buf_free(&w->out);
        free(w->q);
        free(w->setu);
    }
    if (x->ctl.c) redisFree(x->ctl.c);
    free(x->conns);
}

static void refill(wl *x, wl_conn *w) {
    while (!w->dead && w->inflight < x->depth) gen_op(x, w);
    if (!w->dead && conn_flush(w) < 0) w->dead = 1;
}

/* The server died or closed a connection on its own: say so. */
static void report_early_death(wl *x) {
    int status = 0;
    if (!ct_srv_alive(x->s, &status)) {
        if (WIFSIGNALED(status))
            ct_violation(&x->cy->rep, "(d) the server died during the workload (signal %d)",
                         WTERMSIG(status));
        else
            ct_violation(&x->cy->rep, "(d) the server exited during the workload (status %d)",
                         WEXITSTATUS(status));
    } else {
        ct_violation(&x->cy->rep, "the server closed a client connection during the workload");
    }
}

/* One poll round. Returns 1 when the server must be killed now, -1 when a
 * connection broke. */
static int loop_once(wl *x, struct pollfd *pf) {
    for (int i = 0; i < x->n; i++) {
        refill(x, &x->conns[i]);
        pf[i] = (struct pollfd){x->conns[i].fd, POLLIN, 0};
        if (x->conns[i].out.len) pf[i].events |= POLLOUT;
    }
    int n = poll(pf, (nfds_t)x->n, 1);
    if (n < 0 && errno != EINTR) return -1;
    for (int i = 0; n > 0 && i < x->n; i++) {
        wl_conn *w = &x->conns[i];
        if (!pf[i].revents) continue;
        if ((pf[i].revents & POLLOUT) && conn_flush(w) < 0) return -1;
        if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
            conn_read(x, w, 0, &x->ctl.burst_acks) < 0)
            return -1;
        if (x->ctl.phase == CT_PH_FSYNC && x->ctl.state == 1 && ctl_step(x, ct_now_us()))
            return 1;
    }
    return ctl_step(x, ct_now_us());
}

static void drain_after_kill(wl *x) {
    int64_t deadline = ct_now_us() + 2000000;
    for (int i = 0; i < x->n; i++) {
        wl_conn *w = &x->conns[i];
        while (!w->dead && w->qlen && ct_now_us() < deadline) {
            struct pollfd pf = {w->fd, POLLIN, 0};
            if (poll(&pf, 1, 100) <= 0) continue;
            if (conn_read(x, w, 1, NULL) < 0) w->dead = 1;
        }
    }
}

int ct_wl_run(ct_srv *s, const ct_opts *o, ct_client *cl, ct_cycle *cy) {
    wl x = {.s = s, .o = o, .cy = cy, .n = o->clients, .depth = o->pipeline};
    x.conns = ct_xcalloc((size_t)x.n, sizeof *x.conns);
    for (int i = 0; i < x.n; i++) {
        x.conns[i].cl = &cl[i];
        x.conns[i].fd = -1;
        ct_client_reset_ops(&cl[i]);
    }
    cy->start_us = ct_now_us();
    ctl_init(&x);
    int rc = conns_open(&x);
    if (rc < 0) {
        conns_close(&x);
        return rc;
    }
    /* The clock starts when the clients are ready. */
    int64_t shift = ct_now_us() - cy->start_us;
    cy->start_us += shift;
    x.ctl.trigger_us += shift;
    x.ctl.end_us += shift;
    cy->rt0_ms = ct_real_ms();
    cy->mono0_us = ct_now_us();
    struct pollfd *pf = ct_xcalloc((size_t)x.n, sizeof *pf);
    int64_t next_alive = 0;
    for (;;) {
        int r = loop_once(&x, pf);
        if (r > 0) break;
        int64_t now = ct_now_us();
        if (r < 0 || now >= next_alive) {
            if (r < 0 || !ct_srv_alive(s, NULL)) {
                report_early_death(&x);
                break;
            }
            next_alive = now + 5000;
        }
    }
    free(pf);
    cy->kill_us = ct_now_us();
    ct_srv_kill(s);
    drain_after_kill(&x);
    conns_close(&x);
    return 0;
}

int ct_wl_probe_lists(const ct_srv *s) {
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, (struct timeval){5, 0});
    if (!c || c->err) {
        if (c) redisFree(c);
        return 0;
    }
    redisSetTimeout(c, (struct timeval){5, 0});
    int ok = 0;
    redisReply *r = redisCommand(c, "RPUSH %s a b", CT_PROBE_KEY);
    if (r && r->type == REDIS_REPLY_INTEGER && r->integer == 2) {
        freeReplyObject(r);
        r = redisCommand(c, "LRANGE %s 0 -1", CT_PROBE_KEY);
        ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2;
    }
    if (r) freeReplyObject(r);
    r = redisCommand(c, "DEL %s", CT_PROBE_KEY);
    if (r) freeReplyObject(r);
    redisFree(c);
    return ok;
}
