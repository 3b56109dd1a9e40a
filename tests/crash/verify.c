/*
 * tests/crash/verify.c — what survived, and is it allowed (ct_verify).
 *
 * Design
 *   For each client the recovered keyspace must equal the state after some
 *   prefix of its op history (the ops of this cycle, on top of the state
 *   the previous check saw). Each key read yields a *fact*: the set of
 *   prefix lengths L in [0, S] (S = ops sent) it is compatible with, as at
 *   most two intervals:
 *
 *     counter = base + a      L covers exactly a INCRs (not rejected):
 *                             [pos(a-th INCR)+1, pos((a+1)-th INCR)]
 *     log, list, MULTI log    the same with their op kind, after checking
 *                             the content is the gap-free prefix of the
 *                             expected tokens (otherwise a violation)
 *     MULTI                   n1 == n2 == entries of m:log, else torn
 *     SET unique op j         present: j < L <= d (d = the DEL of it, if
 *                             any); absent: L <= j or L > d
 *     SET PX op j             present: L > j, and its expiry must not have
 *                             passed (c); absent: L <= j only if it cannot
 *                             have expired yet
 *     old key (op 0 = DEL)    present unchanged: L = 0; absent: L >= 1
 *
 *   A difference array counts, per L, the facts that allow it; valid L are
 *   those allowed by all. None valid = violation (b), reported with the L
 *   that most facts allow and the facts that disagree with it.
 *
 *   Then, with Lmin/Lmax the smallest/largest valid L of a client:
 *     lost      acknowledged (not rejected) ops at index >= Lmax; under
 *               appendfsync always any is violation (a)
 *     window    kill time minus the ack time of the first lost op
 *     order     client c certainly kept op Lmin-1 (sent at t); every op of
 *               any client d acknowledged before t must be kept, i.e. lie
 *               below Lmax_d (b). Send times are taken before the write and
 *               ack times after the read, so the check is never too strict.
 *   A final SCAN flags any key no history can explain (b), and the keys
 *   seen present become each client's old set for the next cycle (op 0 of
 *   the next cycle deletes them).
 *
 *   Times for expiry (c) use CLOCK_REALTIME, like the server; a slack of
 *   CHECK_SLACK_MS absorbs the server's cached clock.
 */
#include "tests/crash/crash.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#define CHECK_SLACK_MS 50
#define MGET_CHUNK 500
#define SHOW_FACTS 3

typedef struct fact {
    uint32_t lo1, hi1, lo2, hi2; /* [lo, hi] inclusive; lo > hi: empty */
    char what[112];
} fact;

typedef struct vctx {
    const ct_opts *o;
    ct_cycle *cy;
    redisContext *c;
    ct_client *cl;
    uint32_t S;
    fact *f;
    size_t nf, capf;
    uint32_t *pos[CT_OP_NKINDS]; /* indices of non-rejected ops per kind */
    uint32_t npos[CT_OP_NKINDS];
    int64_t check_rt, check_end_rt;
    ct_oldkey *next;             /* keys seen present: the next old set */
    size_t nnext, capnext;
    int bad;                     /* a violation already reported for the client */
    long long keys;
} vctx;

/* ------------------------------------------------------------- facts */

static void add_fact(vctx *v, uint32_t lo1, uint32_t hi1, uint32_t lo2, uint32_t hi2,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add_fact(vctx *v, uint32_t lo1, uint32_t hi1, uint32_t lo2, uint32_t hi2,
                     const char *fmt, ...) {
    if (v->nf == v->capf) {
        v->capf = v->capf ? v->capf * 2 : 256;
        v->f = ct_xrealloc(v->f, sizeof *v->f * v->capf);
    }
    fact *f = &v->f[v->nf++];
    f->lo1 = lo1;
    f->hi1 = hi1 > v->S ? v->S : hi1;
    f->lo2 = lo2;
    f->hi2 = hi2 > v->S ? v->S : hi2;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->what, sizeof f->what, fmt, ap);
    va_end(ap);
}

static int fact_allows(const fact *f, uint32_t L) {
    return (L >= f->lo1 && L <= f->hi1) || (L >= f->lo2 && L <= f->hi2);
}

#define NO_INTERVAL 1, 0

/* a ops of `kind` applied: L in [pos(a)+1, pos(a+1)]. */
static void count_fact(vctx *v, int kind, uint32_t a, const char *what) {
    uint32_t m = v->npos[kind];
    const uint32_t *p = v->pos[kind];
    uint32_t lo = a == 0 ? 0 : p[a - 1] + 1;
    uint32_t hi = a < m ? p[a] : v->S;
    add_fact(v, lo, hi, NO_INTERVAL, "%s holds %u of %u", what, a, m);
}

/* ------------------------------------------------------------ the old set */

static void keep_key(vctx *v, const char *key, const char *val, size_t vlen, int is_list,
                     int64_t deadline) {
    if (v->nnext == v->capnext) {
        v->capnext = v->capnext ? v->capnext * 2 : 64;
        v->next = ct_xrealloc(v->next, sizeof *v->next * v->capnext);
    }
    v->next[v->nnext++] = (ct_oldkey){ct_xstrdup(key), ct_xmemdup(val, vlen), vlen, is_list,
                                      deadline};
}

static int oldkey_cmp(const void *a, const void *b) {
    return strcmp(((const ct_oldkey *)a)->key, ((const ct_oldkey *)b)->key);
}

/* ------------------------------------------------------------ reading */

static redisReply *cmd_argv(vctx *v, int argc, const char **argv) {
    redisReply *r = redisCommandArgv(v->c, argc, argv, NULL);
    if (!r)
        ct_violation(&v->cy->rep, "(d) reading the recovered state failed: %s", v->c->errstr);
    return r;
}

/* GET-like reply → *val, *len (NULL when nil). 0 ok, -1 unusable reply. */
static int as_string(const redisReply *r, const char **val, size_t *len) {
    if (r->type == REDIS_REPLY_NIL) {
        *val = NULL;
        *len = 0;
        return 0;
    }
    if (r->type != REDIS_REPLY_STRING) return -1;
    *val = r->str;
    *len = r->len;
    return 0;
}

/* Decimal value of a string reply (nil = 0); -1 if it is not a number. */
static int as_ll(const redisReply *r, long long *out) {
    const char *s;
    size_t n;
    if (as_string(r, &s, &n) < 0) return -1;
    if (!s) {
        *out = 0;
        return 0;
    }
    char tmp[32], *end;
    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    *out = strtoll(tmp, &end, 10);
    return *end ? -1 : 0;
}

/* MGET of keys[0..n) in chunks; replies[i] set to each element (owned by
 * the returned array of top-level replies, which the caller frees). */
static redisReply **mget(vctx *v, char **keys, size_t n, redisReply ***elems, size_t *nchunks) {
    size_t chunks = (n + MGET_CHUNK - 1) / MGET_CHUNK;
    redisReply **top = ct_xcalloc(chunks ? chunks : 1, sizeof *top);
    *elems = ct_xcalloc(n ? n : 1, sizeof **elems);
    *nchunks = chunks;
    const char **argv = ct_xmalloc(sizeof *argv * (MGET_CHUNK + 1));
    for (size_t c = 0; c < chunks; c++) {
        size_t from = c * MGET_CHUNK, cnt = n - from < MGET_CHUNK ? n - from : MGET_CHUNK;
        argv[0] = "MGET";
        for (size_t i = 0; i < cnt; i++) argv[i + 1] = keys[from + i];
        top[c] = cmd_argv(v, (int)cnt + 1, argv);
        if (!top[c]) break;
        if (top[c]->type != REDIS_REPLY_ARRAY || top[c]->elements != cnt) {
            ct_violation(&v->cy->rep, "MGET returned %s", top[c]->type == REDIS_REPLY_ERROR ?
                         top[c]->str : "a malformed reply");
            break;
        }
        for (size_t i = 0; i < cnt; i++) (*elems)[from + i] = top[c]->element[i];
    }
    free(argv);
    v->keys += (long long)n;
    return top;
}

static void free_chunks(redisReply **top, size_t n, redisReply **elems) {
    for (size_t i = 0; i < n; i++)
        if (top[i]) freeReplyObject(top[i]);
    free(top);
    free(elems);
}

/* --------------------------------------------------- per-kind checks */

static void check_counter(vctx *v) {
    char key[CT_KEY_MAX];
    const char *argv[] = {"GET", ct_key_ctr(key, v->cl->id)};
    redisReply *r = cmd_argv(v, 2, argv);
    if (!r) return;
    long long val;
    v->keys++;
    if (as_ll(r, &val) < 0) {
        ct_violation(&v->cy->rep, "(b) client %d: %s is not a number", v->cl->id, key);
        v->bad = 1;
    } else {
        long long a = val - v->cl->base_ctr;
        if (a < 0 || a > v->npos[CT_OP_INCR]) {
            ct_violation(&v->cy->rep, "(b) client %d: %s = %lld, possible range [%lld, %lld]",
                         v->cl->id, key, val, v->cl->base_ctr,
                         v->cl->base_ctr + v->npos[CT_OP_INCR]);
            v->bad = 1;
        } else {
            count_fact(v, CT_OP_INCR, (uint32_t)a, key);
        }
        v->cl->base_ctr = val;
    }
    freeReplyObject(r);
}

/* Parse "i1,i2,...," (sep ',') or list elements against pos[kind]. Returns
 * the number of entries, or -1 after reporting a violation. */
static long check_tokens(vctx *v, int kind, const char *what, const char *s, size_t n) {
    uint32_t m = v->npos[kind];
    long t = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] >= '0' && s[j] <= '9') j++;
        if (j == i || j == n || s[j] != ',' || j - i > 10) {
            ct_violation(&v->cy->rep, "(b) client %d: %s is garbled at byte %zu", v->cl->id,
                         what, i);
            return -1;
        }
        unsigned long tok = strtoul(s + i, NULL, 10);
        if ((uint32_t)t >= m || tok != v->pos[kind][t]) {
            if ((uint32_t)t >= m)
                ct_violation(&v->cy->rep, "(b) client %d: %s has entry #%ld = %lu, but only %u "
                             "such ops were sent", v->cl->id, what, t, tok, m);
            else
                ct_violation(&v->cy->rep, "(b) client %d: %s is not a gap-free prefix: entry "
                             "#%ld is %lu, expected %u", v->cl->id, what, t, tok,
                             v->pos[kind][t]);
            return -1;
        }
        t++;
        i = j + 1;
    }
    return t;
}

static void check_log(vctx *v) {
    char key[CT_KEY_MAX];
    const char *argv[] = {"GET", ct_key_log(key, v->cy->n, v->cl->id)};
    redisReply *r = cmd_argv(v, 2, argv);
    if (!r) return;
    const char *s;
    size_t n;
    v->keys++;
    if (as_string(r, &s, &n) < 0) {
        ct_violation(&v->cy->rep, "(b) client %d: GET %s failed", v->cl->id, key);
        v->bad = 1;
    } else {
        long t = check_tokens(v, CT_OP_APPEND, key, s ? s : "", n);
        if (t < 0) v->bad = 1;
        else count_fact(v, CT_OP_APPEND, (uint32_t)t, key);
        if (s) keep_key(v, key, s, n, 0, 0);
    }
    freeReplyObject(r);
}

static void check_list(vctx *v) {
    char key[CT_KEY_MAX];
    const char *argv[] = {"LRANGE", ct_key_l(key, v->cy->n, v->cl->id), "0", "-1"};
    redisReply *r = cmd_argv(v, 4, argv);
    if (!r) return;
    v->keys++;
    if (r->type != REDIS_REPLY_ARRAY) {
        ct_violation(&v->cy->rep, "(b) client %d: LRANGE %s failed", v->cl->id, key);
        v->bad = 1;
        freeReplyObject(r);
        return;
    }
    ct_buf joined = {0};
    for (size_t i = 0; i < r->elements; i++) {
        if (r->element[i]->type == REDIS_REPLY_STRING)
            ct_buf_add(&joined, r->element[i]->str, r->element[i]->len);
        ct_buf_add(&joined, ",", 1);
    }
    long t = check_tokens(v, CT_OP_PUSH, key, joined.p ? joined.p : "", joined.len);
    if (t < 0) v->bad = 1;
    else count_fact(v, CT_OP_PUSH, (uint32_t)t, key);
    if (r->elements) keep_key(v, key, joined.p, joined.len, 1, 0);
    ct_buf_free(&joined);
    freeReplyObject(r);
}

static void check_multi(vctx *v) {
    char k1[CT_KEY_MAX], k2[CT_KEY_MAX], kl[CT_KEY_MAX];
    int id = v->cl->id, cyc = v->cy->n;
    const char *argv[] = {"MGET", ct_key_m(k1, cyc, id, "n1"), ct_key_m(k2, cyc, id, "n2"),
                          ct_key_m(kl, cyc, id, "log")};
    redisReply *r = cmd_argv(v, 4, argv);
    if (!r) return;
    v->keys += 3;
    long long n1, n2;
    const char *s;
    size_t n;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || as_ll(r->element[0], &n1) < 0 ||
        as_ll(r->element[1], &n2) < 0 || as_string(r->element[2], &s, &n) < 0) {
        ct_violation(&v->cy->rep, "(b) client %d: MULTI keys unreadable or garbled", id);
        v->bad = 1;
        freeReplyObject(r);
        return;
    }
    long t = check_tokens(v, CT_OP_MULTI, kl, s ? s : "", n);
    if (t < 0) {
        v->bad = 1;
    } else if (n1 != t || n2 != t) {
        ct_violation(&v->cy->rep, "(b) client %d: MULTI/EXEC not all-or-nothing: n1=%lld n2=%lld "
                     "log entries=%ld", id, n1, n2, t);
        v->bad = 1;
    } else {
        count_fact(v, CT_OP_MULTI, (uint32_t)t, "MULTI batches");
    }
    for (int i = 0; i < 3; i++)
        if (r->element[i]->type == REDIS_REPLY_STRING)
            keep_key(v, argv[i + 1], r->element[i]->str, r->element[i]->len, 0, 0);
    freeReplyObject(r);
}

/* The op that deleted SETU op j, if it can have had an effect. */
static uint32_t deleter(const vctx *v, uint32_t j) {
    uint32_t d = v->cl->ops[j].arg;
    if (d == CT_NONE || d >= v->S || v->cl->ops[d].state == CT_REJECTED) return CT_NONE;
    return d;
}

static int64_t deadline_max(const vctx *v, const ct_op *op) {
    int64_t us = op->ack_us ? op->ack_us : v->cy->kill_us;
    if (us > v->cy->kill_us) us = v->cy->kill_us; /* drained late: sent before the kill */
    return ct_cycle_rt(v->cy, us) + op->arg;
}

static void check_set_key(vctx *v, uint32_t j, const char *key, const redisReply *r) {
    const ct_op *op = &v->cl->ops[j];
    const char *s;
    size_t n;
    char want[512];
    if (!r || as_string(r, &s, &n) < 0) {
        ct_violation(&v->cy->rep, "(b) client %d: %s unreadable", v->cl->id, key);
        v->bad = 1;
        return;
    }
    if (op->state == CT_REJECTED) {
        if (s) {
            ct_violation(&v->cy->rep, "(b) client %d: %s exists but its SET was rejected",
                         v->cl->id, key);
            v->bad = 1;
        }
        return;
    }
    size_t wl = ct_value(want, sizeof want, v->cy->seed, v->cl->id, j, v->o->value_size);
    if (s && (n != wl || memcmp(s, want, n) != 0)) {
        ct_violation(&v->cy->rep, "(b) client %d: %s has a value no op wrote (%zu bytes)",
                     v->cl->id, key, n);
        v->bad = 1;
        return;
    }
    if (op->kind == CT_OP_SETU) {
        uint32_t d = deleter(v, j);
        if (s) add_fact(v, j + 1, d == CT_NONE ? v->S : d, NO_INTERVAL, "%s present", key);
        else if (d == CT_NONE) add_fact(v, 0, j, NO_INTERVAL, "%s absent", key);
        else add_fact(v, 0, j, d + 1, v->S, "%s absent (DEL by op %u)", key, d);
        if (s) keep_key(v, key, s, n, 0, 0);
        return;
    }
    /* SET ... PX */
    int64_t dmax = deadline_max(v, op);
    int64_t dmin = ct_cycle_rt(v->cy, op->send_us) + op->arg;
    if (s) {
        if (v->check_rt > dmax + CHECK_SLACK_MS) {
            ct_violation(&v->cy->rep, "(c) client %d: %s came back %lld ms after its expiry "
                         "(PX %u)", v->cl->id, key, (long long)(v->check_rt - dmax), op->arg);
            v->bad = 1;
        }
        add_fact(v, j + 1, v->S, NO_INTERVAL, "%s present", key);
        keep_key(v, key, s, n, 0, dmax);
    } else if (v->check_end_rt + CHECK_SLACK_MS < dmin) {
        add_fact(v, 0, j, NO_INTERVAL, "%s absent, not yet expired", key);
    }
}

static void check_set_keys(vctx *v) {
    size_t n = 0;
    uint32_t *idx = ct_xmalloc(sizeof *idx * (v->S ? v->S : 1));
    char **keys = ct_xmalloc(sizeof *keys * (v->S ? v->S : 1));
    for (uint32_t j = 0; j < v->S; j++) {
        int k = v->cl->ops[j].kind;
        if (k != CT_OP_SETU && k != CT_OP_SETX) continue;
        char buf[CT_KEY_MAX];
        if (k == CT_OP_SETU) ct_key_u(buf, v->cy->n, v->cl->id, j);
        else ct_key_x(buf, v->cy->n, v->cl->id, j);
        keys[n] = ct_xstrdup(buf);
        idx[n++] = j;
    }
    redisReply **elems;
    size_t nchunks;
    redisReply **top = mget(v, keys, n, &elems, &nchunks);
    v->check_end_rt = ct_real_ms(); /* an absent key was absent at or before this */
    for (size_t i = 0; i < n; i++) check_set_key(v, idx[i], keys[i], elems[i]);
    free_chunks(top, nchunks, elems);
    for (size_t i = 0; i < n; i++) free(keys[i]);
    free(keys);
    free(idx);
}

/* Old keys: unchanged and present (DEL at op 0 not applied) or absent. */
static void check_old_key(vctx *v, const ct_oldkey *k, const char *s, size_t n, int readable) {
    int cleaned = v->S > 0 && v->cl->ops[0].kind == CT_OP_CLEAN &&
                  v->cl->ops[0].state != CT_REJECTED;
    if (!readable) {
        ct_violation(&v->cy->rep, "(b) client %d: old key %s unreadable", v->cl->id, k->key);
        v->bad = 1;
        return;
    }
    if (s && (n != k->vlen || memcmp(s, k->val, n) != 0)) {
        ct_violation(&v->cy->rep, "(b) client %d: key %s of an earlier cycle changed", v->cl->id,
                     k->key);
        v->bad = 1;
        return;
    }
    if (k->deadline_ms) {
        if (s && v->check_rt > k->deadline_ms + CHECK_SLACK_MS) {
            ct_violation(&v->cy->rep, "(c) client %d: %s (earlier cycle) came back %lld ms "
                         "after its expiry", v->cl->id, k->key,
                         (long long)(v->check_rt - k->deadline_ms));
            v->bad = 1;
            return;
        }
        if (s && cleaned) add_fact(v, 0, 0, NO_INTERVAL, "%s (earlier cycle) present", k->key);
    } else if (s) {
        if (cleaned) add_fact(v, 0, 0, NO_INTERVAL, "%s (earlier cycle) present", k->key);
    } else if (cleaned) {
        add_fact(v, 1, v->S, NO_INTERVAL, "%s (earlier cycle) deleted", k->key);
    } else {
        ct_violation(&v->cy->rep, "(b) client %d: key %s of an earlier cycle vanished",
                     v->cl->id, k->key);
        v->bad = 1;
        return;
    }
    if (s) keep_key(v, k->key, s, n, k->is_list, k->deadline_ms);
}

static void check_old_list(vctx *v, const ct_oldkey *k) {
    const char *argv[] = {"LRANGE", k->key, "0", "-1"};
    redisReply *r = cmd_argv(v, 4, argv);
    if (!r) return;
    v->keys++;
    ct_buf joined = {0};
    int ok = r->type == REDIS_REPLY_ARRAY;
    for (size_t i = 0; ok && i < r->elements; i++) {
        if (r->element[i]->type == REDIS_REPLY_STRING)
            ct_buf_add(&joined, r->element[i]->str, r->element[i]->len);
        ct_buf_add(&joined, ",", 1);
    }
    check_old_key(v, k, ok && r->elements ? joined.p : NULL, joined.len, ok);
    ct_buf_free(&joined);
    freeReplyObject(r);
}

static void check_old(vctx *v) {
    const ct_client *c = v->cl;
    size_t n = 0;
    char **keys = ct_xmalloc(sizeof *keys * (c->nold ? c->nold : 1));
    size_t *which = ct_xmalloc(sizeof *which * (c->nold ? c->nold : 1));
    for (size_t i = 0; i < c->nold; i++) {
        if (c->old[i].is_list) {
            check_old_list(v, &c->old[i]);
            continue;
        }
        keys[n] = c->old[i].key;
        which[n++] = i;
    }
    redisReply **elems;
    size_t nchunks;
    redisReply **top = mget(v, keys, n, &elems, &nchunks);
    for (size_t i = 0; i < n; i++) {
        const char *s = NULL;
        size_t len = 0;
        int ok = elems[i] && as_string(elems[i], &s, &len) == 0;
        check_old_key(v, &c->old[which[i]], s, len, ok);
    }
    free_chunks(top, nchunks, elems);
    free(keys);
    free(which);
}

/* ------------------------------------------------------- the verdict */

typedef struct cres {
    int valid;
    uint32_t lmin, lmax, acked_prefix;
} cres;

static void explain_none(vctx *v, const uint32_t *cnt) {
    uint32_t best = 0;
    for (uint32_t L = 0; L <= v->S; L++)
        if (cnt[L] >= cnt[best]) best = L;
    ct_violation(&v->cy->rep, "(b) client %d: no prefix of its %u ops explains the recovered "
                 "state (%u of %zu facts agree on L=%u)", v->cl->id, v->S, cnt[best], v->nf,
                 best);
    int shown = 0;
    for (size_t i = 0; i < v->nf && shown < SHOW_FACTS; i++) {
        if (fact_allows(&v->f[i], best)) continue;
        ct_buf_addf(&v->cy->rep.text, "      disagrees: %s (allows L in [%u,%u]", v->f[i].what,
                    v->f[i].lo1, v->f[i].hi1);
        if (v->f[i].lo2 <= v->f[i].hi2)
            ct_buf_addf(&v->cy->rep.text, " or [%u,%u]", v->f[i].lo2, v->f[i].hi2);
        ct_buf_add(&v->cy->rep.text, ")\n", 2);
        shown++;
    }
}

static void solve(vctx *v, cres *res) {
    uint32_t *cnt = ct_xcalloc((size_t)v->S + 2, sizeof *cnt);
    int32_t *diff = ct_xcalloc((size_t)v->S + 2, sizeof *diff);
    for (size_t i = 0; i < v->nf; i++) {
        const fact *f = &v->f[i];
        if (f->lo1 <= f->hi1) diff[f->lo1]++, diff[f->hi1 + 1]--;
        if (f->lo2 <= f->hi2) diff[f->lo2]++, diff[f->hi2 + 1]--;
    }
    int64_t run = 0;
    res->valid = 0;
    for (uint32_t L = 0; L <= v->S; L++) {
        run += diff[L];
        cnt[L] = (uint32_t)run;
        if ((size_t)run == v->nf) {
            if (!res->valid) res->lmin = L;
            res->lmax = L;
            res->valid = 1;
        }
    }
    if (!res->valid && !v->bad) explain_none(v, cnt);
    if (!res->valid) v->bad = 1;
    free(cnt);
    free(diff);
}

static void build_positions(vctx *v) {
    for (int k = 0; k < CT_OP_NKINDS; k++) {
        free(v->pos[k]);
        v->pos[k] = ct_xmalloc(sizeof(uint32_t) * (v->S ? v->S : 1));
        v->npos[k] = 0;
    }
    for (uint32_t i = 0; i < v->S; i++) {
        const ct_op *op = &v->cl->ops[i];
        if (op->state != CT_REJECTED) v->pos[op->kind][v->npos[op->kind]++] = i;
    }
}

/* Loss and (a) for one client. */
static void account(vctx *v, const cres *res, ct_verdict *out) {
    const ct_client *c = v->cl;
    uint32_t A = 0;
    while (A < v->S && c->ops[A].state != CT_SENT) A++;
    out->inflight += v->S - A;
    if (res->lmin > A) out->inflight_kept += res->lmin - A;
    if (!res->valid) return;
    long long lost = 0;
    uint32_t first = CT_NONE;
    for (uint32_t i = res->lmax; i < A; i++) {
        if (c->ops[i].state != CT_ACKED) continue;
        if (first == CT_NONE) first = i;
        lost++;
    }
    if (!lost) return;
    out->lost += lost;
    int64_t ack = c->ops[first].ack_us < v->cy->kill_us ? c->ops[first].ack_us : v->cy->kill_us;
    double w = (double)(v->cy->kill_us - ack) / 1000.0;
    if (w > out->window_ms) out->window_ms = w;
    if (v->o->policy == CT_ALWAYS)
        ct_violation(&v->cy->rep, "(a) client %d: %lld acknowledged writes lost under "
                     "appendfsync always (first: op %u, acknowledged %.1f ms before the kill)",
                     c->id, lost, first, w);
}

/* Number of ops of d acknowledged strictly before t (acks are in order). */
static uint32_t acked_before(const ct_client *d, int64_t t) {
    uint32_t lo = 0, hi = d->nops;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const ct_op *op = &d->ops[mid];
        if (op->state != CT_SENT && op->ack_us < t) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void check_order(ct_cycle *cy, const ct_client *cl, const cres *res, int n) {
    for (int c = 0; c < n; c++) {
        if (!res[c].valid || res[c].lmin == 0) continue;
        const ct_op *kept = &cl[c].ops[res[c].lmin - 1];
        for (int d = 0; d < n; d++) {
            if (d == c || !res[d].valid) continue;
            uint32_t k = acked_before(&cl[d], kept->send_us);
            for (uint32_t i = res[d].lmax; i < k; i++) {
                if (cl[d].ops[i].state != CT_ACKED) continue;
                ct_violation(&cy->rep, "(b) order: client %d kept op %u, sent %.1f ms after client %d's "
                             "op %u was acknowledged, but that op is gone", c,
                             res[c].lmin - 1,
                             (double)(kept->send_us - cl[d].ops[i].ack_us) / 1000.0, d, i);
                return;
            }
        }
    }
}

/* ---------------------------------------------------------- SCAN */

/* 1 if the key can exist given the histories. */
static int key_known(const ct_cycle *cy, const ct_client *cl, int n, const char *key) {
    int id, cyc, off = 0;
    unsigned op;
    if (strcmp(key, CT_PROBE_KEY) == 0) return 1;
    if (sscanf(key, "ct:c%d:ctr%n", &id, &off) == 1 && key[off] == '\0') return id >= 0 && id < n;
    off = 0;
    if (sscanf(key, "ct:%d:c%d:%n", &cyc, &id, &off) != 2 || !off || id < 0 || id >= n) return 0;
    const char *rest = key + off;
    const ct_client *c = &cl[id];
    if (cyc < cy->n) return ct_client_find_old(c, key) != NULL;
    if (cyc > cy->n) return 0;
    if (!strcmp(rest, "log") || !strcmp(rest, "m:n1") || !strcmp(rest, "m:n2") ||
        !strcmp(rest, "m:log") || !strcmp(rest, "l"))
        return 1;
    char t;
    int used = 0;
    if (sscanf(rest, "%c:%u%n", &t, &op, &used) != 2 || rest[used] != '\0' || op >= c->nops)
        return 0;
    return (t == 'u' && c->ops[op].kind == CT_OP_SETU) ||
           (t == 'x' && c->ops[op].kind == CT_OP_SETX);
}

static void scan_unknown(redisContext *rc, ct_cycle *cy, const ct_client *cl, int n) {
    char cursor[32] = "0";
    int reported = 0;
    for (int round = 0; round < 1000000; round++) {
        redisReply *r = redisCommand(rc, "SCAN %s COUNT 1000", cursor);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING ||
            r->element[1]->type != REDIS_REPLY_ARRAY) {
            ct_violation(&cy->rep, "SCAN failed: %s", r && r->type == REDIS_REPLY_ERROR ?
                         r->str : "no or malformed reply");
            if (r) freeReplyObject(r);
            return;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const redisReply *k = r->element[1]->element[i];
            if (k->type != REDIS_REPLY_STRING || key_known(cy, cl, n, k->str)) continue;
            if (reported++ < 5)
                ct_violation(&cy->rep, "(b) key %.80s exists but no acknowledged-or-in-flight op "
                             "can have written it", k->str);
            else cy->rep.violations++;
        }
        freeReplyObject(r);
        if (!strcmp(cursor, "0")) return;
    }
}

/* ------------------------------------------------------------- entry */

static void verify_client(vctx *v, ct_client *c, cres *res) {
    v->cl = c;
    v->S = c->nops;
    v->nf = 0;
    v->bad = 0;
    v->nnext = v->capnext = 0;
    v->next = NULL;
    build_positions(v);
    check_old(v);
    check_counter(v);
    check_log(v);
    check_multi(v);
    if (v->cy->lists) check_list(v);
    check_set_keys(v);
    solve(v, res);
}

int ct_verify(const ct_srv *s, const ct_opts *o, ct_client *cl, ct_cycle *cy, ct_verdict *out) {
    memset(out, 0, sizeof *out);
    redisContext *rc = redisConnectWithTimeout("127.0.0.1", s->port, (struct timeval){10, 0});
    if (!rc || rc->err) {
        ct_violation(&cy->rep, "(d) cannot connect to the restarted server: %s",
                     rc ? rc->errstr : "out of memory");
        if (rc) redisFree(rc);
        return -ECONNREFUSED;
    }
    redisSetTimeout(rc, (struct timeval){60, 0});
    vctx v = {.o = o, .cy = cy, .c = rc};
    cres *res = ct_xcalloc((size_t)o->clients, sizeof *res);
    ct_oldkey **next = ct_xcalloc((size_t)o->clients, sizeof *next);
    size_t *nnext = ct_xcalloc((size_t)o->clients, sizeof *nnext);
    for (int i = 0; i < o->clients; i++) {
        v.check_rt = ct_real_ms(); /* a present key was present at or after this */
        verify_client(&v, &cl[i], &res[i]);
        next[i] = v.next;
        nnext[i] = v.nnext;
        account(&v, &res[i], out);
    }
    check_order(cy, cl, res, o->clients);
    scan_unknown(rc, cy, cl, o->clients);
    for (int i = 0; i < o->clients; i++) {
        ct_oldkeys_free(cl[i].old, cl[i].nold);
        if (nnext[i]) qsort(next[i], nnext[i], sizeof *next[i], oldkey_cmp);
        cl[i].old = next[i];
        cl[i].nold = nnext[i];
    }
    out->keys_checked = v.keys;
    for (int k = 0; k < CT_OP_NKINDS; k++) free(v.pos[k]);
    free(v.f);
    free(res);
    free(next);
    free(nnext);
    redisFree(rc);
    return 0;
}
