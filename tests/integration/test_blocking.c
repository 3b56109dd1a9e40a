/*
 * tests/integration/test_blocking.c — blocking list commands over real
 * connections (hiredis), strata next to the real redis-server.
 *
 * Design
 *   Each scenario is a function that drives one server through several
 *   hiredis connections and writes a transcript: every reply rendered with
 *   ts_reply_repr, tagged with the connection that received it.  A blocking
 *   command is sent without waiting (redisAppendCommand + flush); the
 *   scenario then waits until INFO clients shows the expected
 *   blocked_clients before the next step, so arrival order is certain.
 *   Every scenario runs against strata and against redis-server 7.0; the
 *   two transcripts must be identical, and strata's is also checked
 *   against the expected text written here (so the test still means
 *   something when redis-server is missing).
 *
 *   Scenarios: BLPOP served by a later LPUSH from another client; FIFO
 *   fairness of three waiting clients (BLPOP/BRPOP mixed); several keys;
 *   BLMOVE and BRPOPLPUSH; BLMPOP with COUNT; timeouts (elapsed time
 *   checked); blocking commands inside MULTI return at once; a client
 *   killed (CLIENT KILL) or disconnecting while blocked is forgotten and
 *   its element stays in the list; commands pipelined behind a blocking
 *   one run once it is served; a key deleted or retyped keeps clients
 *   blocked; RESP3 timeout reply.  strata only: blocked clients are exempt
 *   from the idle `timeout`; with appendonly yes, pops served to blocked
 *   clients survive a restart with the same DEBUG DIGEST.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/testsrv.h"
#include "tests/tap.h"

/* ---- transcripts ------------------------------------------------------------ */

typedef struct tr {
    char *s;
    size_t n, cap;
} tr;

static void tr_add(tr *t, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (k < 0) return;
    size_t len = (size_t)k < sizeof(buf) ? (size_t)k : sizeof(buf) - 1;
    if (t->n + len + 1 > t->cap) {
        t->cap = (t->n + len + 1) * 2;
        t->s = realloc(t->s, t->cap);
        if (!t->s) abort();
    }
    memcpy(t->s + t->n, buf, len);
    t->n += len;
    t->s[t->n] = '\0';
}

/* ---- connections --------------------------------------------------------------- */

/* Send without waiting for the reply. */
static void send_cmd(redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisvAppendCommand(c, fmt, ap);
    va_end(ap);
    int done = 0;
    while (!done && redisBufferWrite(c, &done) == REDIS_OK) {
    }
}

/* The next reply (waits up to the context timeout), rendered. */
static void got(tr *t, const char *who, redisContext *c) {
    redisReply *r = NULL;
    if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
        tr_add(t, "%s: (no reply: %s)\n", who, c->errstr);
        return;
    }
    char *s = ts_reply_repr(r);
    tr_add(t, "%s: %s\n", who, s);
    free(s);
    freeReplyObject(r);
}

/* Run a command and record its reply. */
static void run(tr *t, const char *who, redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    char *s = ts_reply_repr(r);
    tr_add(t, "%s: %s\n", who, s);
    free(s);
    if (r) freeReplyObject(r);
}

/* 1 if a reply is readable on c within ms (nothing is consumed). */
static int reply_pending(redisContext *c, int ms) {
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    return poll(&p, 1, ms) > 0;
}

static long long blocked_clients(redisContext *ctl) {
    redisReply *r = redisCommand(ctl, "INFO clients");
    long long n = -1;
    if (r && r->type == REDIS_REPLY_STRING) {
        const char *p = strstr(r->str, "blocked_clients:");
        if (p) n = atoll(p + strlen("blocked_clients:"));
    }
    if (r) freeReplyObject(r);
    return n;
}

/* Wait (up to 3 s) until exactly n clients are blocked. */
static void wait_blocked(tr *t, redisContext *ctl, long long n) {
    long long deadline = ts_now_ms() + 3000, k;
    while ((k = blocked_clients(ctl)) != n && ts_now_ms() < deadline) usleep(2000);
    if (k != n) tr_add(t, "(blocked_clients %lld, wanted %lld)\n", k, n);
}

typedef struct env {
    ts_server *s;
    redisContext *ctl, *a, *b, *c;
} env;

static int env_open(env *e, ts_server *s) {
    memset(e, 0, sizeof(*e));
    e->s = s;
    e->ctl = ts_connect(s);
    e->a = ts_connect(s);
    e->b = ts_connect(s);
    e->c = ts_connect(s);
    if (!e->ctl || !e->a || !e->b || !e->c) return -1;
    redisReply *r = redisCommand(e->ctl, "FLUSHALL");
    if (r) freeReplyObject(r);
    return 0;
}

static void env_close(env *e) {
    redisFree(e->ctl);
    redisFree(e->a);
    redisFree(e->b);
    redisFree(e->c);
}

/* ---- scenarios --------------------------------------------------------------------- */

static void sc_served_by_push(env *e, tr *t) {
    send_cmd(e->a, "BLPOP k 0");
    wait_blocked(t, e->ctl, 1);
    tr_add(t, "early reply: %d\n", reply_pending(e->a, 50));
    run(t, "b", e->b, "LPUSH k v1 v2");
    got(t, "a", e->a);
    wait_blocked(t, e->ctl, 0);
    run(t, "b", e->b, "LRANGE k 0 -1");
    run(t, "a", e->a, "PING");
}

static void sc_fairness(env *e, tr *t) {
    send_cmd(e->a, "BLPOP k 0");
    wait_blocked(t, e->ctl, 1);
    send_cmd(e->b, "BRPOP other k 0");
    wait_blocked(t, e->ctl, 2);
    send_cmd(e->c, "BLPOP k 0");
    wait_blocked(t, e->ctl, 3);
    run(t, "ctl", e->ctl, "RPUSH k x y");
    got(t, "a", e->a);
    got(t, "b", e->b);
    tr_add(t, "c served early: %d\n", reply_pending(e->c, 50));
    run(t, "ctl", e->ctl, "RPUSH k z");
    got(t, "c", e->c);
    run(t, "ctl", e->ctl, "EXISTS k");
}

static void sc_several_keys(env *e, tr *t) {
    send_cmd(e->a, "BRPOP k1 k2 k3 0");
    wait_blocked(t, e->ctl, 1);
    run(t, "ctl", e->ctl, "RPUSH k3 a b");
    got(t, "a", e->a);
    send_cmd(e->a, "BLMPOP 0 2 m1 m2 RIGHT COUNT 2");
    wait_blocked(t, e->ctl, 1);
    run(t, "ctl", e->ctl, "RPUSH m2 1 2 3");
    got(t, "a", e->a);
    run(t, "ctl", e->ctl, "LRANGE m2 0 -1");
}

static void sc_move(env *e, tr *t) {
    send_cmd(e->a, "BLMOVE src dst LEFT RIGHT 0");
    wait_blocked(t, e->ctl, 1);
    send_cmd(e->b, "BLPOP dst 0");
    wait_blocked(t, e->ctl, 2);
    run(t, "ctl", e->ctl, "RPUSH src a b");
    got(t, "a", e->a);
    got(t, "b", e->b);
    run(t, "ctl", e->ctl, "LRANGE src 0 -1");
    send_cmd(e->a, "BRPOPLPUSH empty dst 0");
    wait_blocked(t, e->ctl, 1);
    run(t, "ctl", e->ctl, "RPUSH empty 1 2");
    got(t, "a", e->a);
    run(t, "ctl", e->ctl, "LRANGE dst 0 -1");
    run(t, "ctl", e->ctl, "SET str x");
    send_cmd(e->a, "BLMOVE w str LEFT LEFT 0");
    wait_blocked(t, e->ctl, 1);
    run(t, "ctl", e->ctl, "RPUSH w v");
    got(t, "a", e->a);
    run(t, "ctl", e->ctl, "LLEN w");
}

static void sc_timeouts(env *e, tr *t) {
    long long t0 = ts_now_ms();
    run(t, "a", e->a, "BLPOP k 0.1");
    long long dt = ts_now_ms() - t0;
    tr_add(t, "BLPOP 0.1 took 50..1500 ms: %d\n", dt >= 50 && dt <= 1500);
    run(t, "a", e->a, "BRPOPLPUSH k d 0.05");
    run(t, "a", e->a, "BLMOVE k d LEFT LEFT 0.05");
    run(t, "a", e->a, "BLMPOP 0.05 1 k LEFT");
    run(t, "a", e->a, "BLPOP k -1");
    run(t, "a", e->a, "BLPOP k abc");
    run(t, "ctl", e->ctl, "DBSIZE");
}

static void sc_multi(env *e, tr *t) {
    run(t, "a", e->a, "MULTI");
    run(t, "a", e->a, "BLPOP k 0");
    run(t, "a", e->a, "BLMOVE k d LEFT LEFT 0");
    run(t, "a", e->a, "BLMPOP 0 1 k LEFT");
    run(t, "a", e->a, "RPUSH k v");
    run(t, "a", e->a, "BRPOP k 0");
    run(t, "a", e->a, "EXEC");
    /* A push inside MULTI serves a blocked client after EXEC. */
    send_cmd(e->b, "BLPOP q 0");
    wait_blocked(t, e->ctl, 1);
    run(t, "a", e->a, "MULTI");
    run(t, "a", e->a, "RPUSH q 1");
    run(t, "a", e->a, "RPUSH q 2");
    run(t, "a", e->a, "EXEC");
    got(t, "b", e->b);
    run(t, "a", e->a, "LRANGE q 0 -1");
}

static long long client_id(redisContext *c) {
    redisReply *r = redisCommand(c, "CLIENT ID");
    long long id = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r) freeReplyObject(r);
    return id;
}

static void sc_killed(env *e, tr *t) {
    long long id = client_id(e->a);
    send_cmd(e->a, "BLPOP k 0");
    send_cmd(e->b, "BLPOP k 0");
    wait_blocked(t, e->ctl, 2);
    run(t, "ctl", e->ctl, "CLIENT KILL ID %lld", id);
    wait_blocked(t, e->ctl, 1);
    redisFree(e->b); /* disconnects while blocked */
    e->b = NULL;
    wait_blocked(t, e->ctl, 0);
    run(t, "ctl", e->ctl, "RPUSH k v");
    run(t, "ctl", e->ctl, "LRANGE k 0 -1");
    redisFree(e->a);
    e->a = ts_connect(e->s);
    e->b = ts_connect(e->s);
}

static void sc_pipeline(env *e, tr *t) {
    send_cmd(e->a, "BLPOP k 0");
    send_cmd(e->a, "PING");
    send_cmd(e->a, "RPUSH k self");
    send_cmd(e->a, "LLEN k");
    wait_blocked(t, e->ctl, 1);
    tr_add(t, "reply before served: %d\n", reply_pending(e->a, 50));
    run(t, "ctl", e->ctl, "RPUSH k v");
    got(t, "a", e->a);
    got(t, "a", e->a);
    got(t, "a", e->a);
    got(t, "a", e->a);
}

static void sc_key_changes(env *e, tr *t) {
    send_cmd(e->a, "BLPOP k 0");
    wait_blocked(t, e->ctl, 1);
    run(t, "ctl", e->ctl, "SET k string");
    run(t, "ctl", e->ctl, "DEL k");
    run(t, "ctl", e->ctl, "ZADD k 1 m");
    run(t, "ctl", e->ctl, "DEL k");
    run(t, "ctl", e->ctl, "FLUSHALL");
    tr_add(t, "served early: %d\n", reply_pending(e->a, 50));
    wait_blocked(t, e->ctl, 1);
    run(t, "ctl", e->ctl, "RPUSH k v");
    got(t, "a", e->a);
    /* SWAPDB brings a list into the waiting client's db */
    send_cmd(e->a, "BLPOP s 0");
    wait_blocked(t, e->ctl, 1);
    run(t, "ctl", e->ctl, "SELECT 1");
    run(t, "ctl", e->ctl, "RPUSH s one");
    run(t, "ctl", e->ctl, "SWAPDB 0 1");
    got(t, "a", e->a);
    run(t, "ctl", e->ctl, "SELECT 0");
}

static void sc_resp3(env *e, tr *t) {
    ts_raw *r = ts_raw_connect(e->s);
    if (!r) {
        tr_add(t, "(no raw connection)\n");
        return;
    }
    const char *hello[] = {"HELLO", "3"};
    const char *bl[] = {"BLPOP", "k", "0.05"};
    const char *bm[] = {"BLMOVE", "k", "d", "LEFT", "LEFT", "0.05"};
    char *rep = NULL;
    ts_raw_cmd(r, 2, hello, NULL);
    if (ts_raw_read(r, 3000, &rep) == 1) free(rep);
    for (int i = 0; i < 2; i++) {
        ts_raw_cmd(r, i ? 6 : 3, i ? bm : bl, NULL);
        rep = NULL;
        int rc = ts_raw_read(r, 3000, &rep);
        tr_add(t, "resp3 %s: %s\n", i ? "BLMOVE" : "BLPOP", rc == 1 ? rep : "(no reply)");
        free(rep);
    }
    ts_raw_close(r);
}

typedef struct scenario {
    const char *name;
    void (*fn)(env *e, tr *t);
    const char *want; /* strata's transcript */
} scenario;

static const scenario SCENARIOS[] = {
    {"served by a later push", sc_served_by_push,
     "early reply: 0\nb: :2\na: [\"k\", \"v2\"]\nb: [\"v1\"]\na: +PONG\n"},
    {"FIFO fairness of three clients", sc_fairness,
     "ctl: :2\na: [\"k\", \"x\"]\nb: [\"k\", \"y\"]\nc served early: 0\nctl: :1\nc: [\"k\", \"z\"]\nctl: :0\n"},
    {"several keys, BLMPOP COUNT", sc_several_keys,
     "ctl: :2\na: [\"k3\", \"b\"]\nctl: :3\na: [\"m2\", [\"3\", \"2\"]]\nctl: [\"1\"]\n"},
    {"BLMOVE, BRPOPLPUSH, WRONGTYPE destination", sc_move,
     "ctl: :2\na: \"a\"\nb: [\"dst\", \"a\"]\nctl: [\"b\"]\nctl: :2\na: \"2\"\nctl: [\"2\"]\nctl: +OK\nctl: :1\n"
     "a: -WRONGTYPE Operation against a key holding the wrong kind of value\nctl: :1\n"},
    {"timeouts", sc_timeouts,
     "a: nil\nBLPOP 0.1 took 50..1500 ms: 1\na: nil\na: nil\na: nil\na: -ERR timeout is negative\n"
     "a: -ERR timeout is not a float or out of range\nctl: :0\n"},
    {"MULTI", sc_multi,
     "a: +OK\na: +QUEUED\na: +QUEUED\na: +QUEUED\na: +QUEUED\na: +QUEUED\na: [nil, nil, nil, :1, [\"k\", \"v\"]]\n"
     "a: +OK\na: +QUEUED\na: +QUEUED\na: [:1, :2]\nb: [\"q\", \"1\"]\na: [\"2\"]\n"},
    {"killed while blocked", sc_killed, "ctl: :1\nctl: :1\nctl: [\"v\"]\n"},
    {"pipelined after a blocking command", sc_pipeline,
     "reply before served: 0\nctl: :1\na: [\"k\", \"v\"]\na: +PONG\na: :1\na: :1\n"},
    {"key deleted, retyped, flushed, swapped", sc_key_changes,
     "ctl: +OK\nctl: :1\nctl: :1\nctl: :1\nctl: +OK\nserved early: 0\nctl: :1\na: [\"k\", \"v\"]\nctl: +OK\n"
     "ctl: :1\nctl: +OK\na: [\"s\", \"one\"]\nctl: +OK\n"},
    {"RESP3 timeout reply", sc_resp3, "resp3 BLPOP: null\nresp3 BLMOVE: null\n"},
};
#define NSC ((int)(sizeof(SCENARIOS) / sizeof(*SCENARIOS)))

static char *run_scenario(ts_server *s, const scenario *sc) {
    env e;
    tr t = {0};
    tr_add(&t, "%s", "");
    if (env_open(&e, s) < 0) {
        tr_add(&t, "(cannot connect)\n");
    } else {
        sc->fn(&e, &t);
        redisReply *r = redisCommand(e.ctl, "FLUSHALL");
        if (r) freeReplyObject(r);
    }
    env_close(&e);
    return t.s;
}

/* ---- strata only ------------------------------------------------------------------ */

/* Blocked clients are exempt from the idle timeout (1 s here). */
static void test_idle_timeout(void) {
    const char *args[] = {"--timeout", "1", NULL};
    ts_server *s = ts_start(&(ts_opts){.args = args});
    if (!s) {
        ok(0, "strata starts with --timeout 1");
        return;
    }
    redisContext *a = ts_connect(s), *b;
    send_cmd(a, "BLPOP k 0");
    usleep(2500000);
    b = ts_connect(s); /* connected now: an idle one would have been closed */
    redisReply *r = redisCommand(b, "RPUSH k v");
    if (r) freeReplyObject(r);
    tr t = {0};
    got(&t, "a", a);
    is_str(t.s, "a: [\"k\", \"v\"]\n", "a client blocked 2.5 s survives `timeout 1` and is served");
    free(t.s);
    redisFree(a);
    redisFree(b);
    ts_free(s);
}

static char *digest(redisContext *c) {
    redisReply *r = redisCommand(c, "DEBUG DIGEST");
    char *d = r && r->type == REDIS_REPLY_STATUS ? strdup(r->str) : strdup("(error)");
    if (r) freeReplyObject(r);
    return d;
}

/* Pops served later reach the AOF as LPOP/LMOVE/RPOP n: a restart reloads
 * the same dataset. */
static void test_aof_replay(void) {
    const char *args[] = {"--appendonly", "yes", "--appendfsync", "always", "--save", "", NULL};
    ts_server *s = ts_start(&(ts_opts){.args = args, .persist = 1});
    if (!s) {
        ok(0, "strata starts with appendonly yes");
        return;
    }
    redisContext *ctl = ts_connect(s), *a = ts_connect(s), *b = ts_connect(s), *c = ts_connect(s);
    tr t = {0};
    for (int round = 0; round < 20; round++) {
        redisReply *d = redisCommand(ctl, "DEL l0 l1 l2 m0 m1");
        if (d) freeReplyObject(d);
        send_cmd(a, "BLPOP l%d 0", round % 3);
        send_cmd(b, "BLMOVE l%d m%d RIGHT LEFT 0", round % 3, round % 2);
        send_cmd(c, "BLMPOP 0 2 m%d l%d LEFT COUNT 2", round % 2, (round + 1) % 3);
        wait_blocked(&t, ctl, 3);
        int l = round % 3;
        redisReply *r = redisCommand(ctl, "RPUSH l%d a%d b%d c%d d%d e%d", l, round, round, round, round, round);
        if (r) freeReplyObject(r);
        r = redisCommand(ctl, "RPUSH l%d f%d g%d h%d", (round + 1) % 3, round, round, round);
        if (r) freeReplyObject(r);
        r = redisCommand(ctl, "RPUSH m%d x%d", round % 2, round);
        if (r) freeReplyObject(r);
        got(&t, "a", a);
        got(&t, "b", b);
        got(&t, "c", c);
    }
    ok(strstr(t.s, "no reply") == NULL && strstr(t.s, "blocked_clients") == NULL, "60 blocked pops served");
    char *before = digest(ctl);
    redisFree(ctl);
    redisFree(a);
    redisFree(b);
    redisFree(c);
    ts_stop(s, 10000);
    if (ts_restart(s, NULL) != 0) {
        ok(0, "restart");
    } else {
        ctl = ts_connect(s);
        char *after = ctl ? digest(ctl) : strdup("(no connection)");
        is_str(after, before, "after a restart the AOF reloads the same dataset (DEBUG DIGEST)");
        free(after);
        redisFree(ctl);
    }
    free(before);
    free(t.s);
    ts_free(s);
}

int main(void) {
    if (access(ts_strata_bin(), X_OK) != 0) skip_all("no strata-server binary");
    ts_server *strata = ts_start(NULL);
    const char *rbin = ts_redis_bin();
    ts_server *redis = rbin[0] != '/' || access(rbin, X_OK) == 0 ? ts_start(&(ts_opts){.bin = rbin}) : NULL;
    ok(strata != NULL, "strata-server starts");
    if (!redis) diag("no redis-server: strata is checked against the expected transcripts only");
    for (int i = 0; strata && i < NSC; i++) {
        char *ts = run_scenario(strata, &SCENARIOS[i]);
        is_str(ts, SCENARIOS[i].want, "strata: %s", SCENARIOS[i].name);
        if (redis) {
            char *tr_redis = run_scenario(redis, &SCENARIOS[i]);
            is_str(ts, tr_redis, "strata and redis-server agree: %s", SCENARIOS[i].name);
            free(tr_redis);
        }
        free(ts);
    }
    ts_free(strata);
    ts_free(redis);
    test_idle_timeout();
    test_aof_replay();
    return done_testing();
}
