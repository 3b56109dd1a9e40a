/*
 * tests/unit/test_sort.c — SORT and SORT_RO (engine/sort.c) through the real
 * dispatch with fake clients.
 *
 *  1. every option, error and type: the exact RESP bytes redis-server
 *     7.0.15 replied to the same command sequence (recorded against it).
 *     Redis 7.0 checks errno after strtod without clearing it first, so a
 *     stale ERANGE from an earlier command can make its numeric SORT fail;
 *     the recording ran "ZADD __r XX 0 x" (a no-op that clears errno in
 *     Redis) before each SORT, kept here as RUN lines;
 *  2. SORT ... STORE propagates as DEL + RPUSH chunks of its result (and a
 *     replay of that gives the same dataset); SORT and SORT_RO without
 *     STORE propagate nothing;
 *  3. a zset sorted by SORT_RO becomes a skiplist (as in Redis);
 *  4. our order for ALPHA BY ties under LIMIT (not Redis's: see sort.c).
 */
#include <stdio.h>
#include <string.h>

#include "engine/db.h"
#include "engine/object.h"
#include "kvtest.h"
#include "tests/tap.h"

typedef struct tcase {
    const char *cmd, *want;
    size_t wlen;
} tcase;

#define C(cmd, want) {cmd, want, sizeof(want) - 1}
#define RUN(cmd) {cmd, NULL, 0}

static const tcase cases[] = {
    RUN("flushall"),
    RUN("rpush l 3 1 2 10 -5 1.5"),
    RUN("zadd __r xx 0 x"),
    C("sort l", "*6\r\n$2\r\n-5\r\n$1\r\n1\r\n$3\r\n1.5\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l desc", "*6\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$3\r\n1.5\r\n$1\r\n1\r\n$2\r\n-5\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l alpha", "*6\r\n$2\r\n-5\r\n$1\r\n1\r\n$3\r\n1.5\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l alpha desc", "*6\r\n$1\r\n3\r\n$1\r\n2\r\n$2\r\n10\r\n$3\r\n1.5\r\n$1\r\n1\r\n$2\r\n-5\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l limit 1 2", "*2\r\n$1\r\n1\r\n$3\r\n1.5\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l limit 1 -1", "*5\r\n$1\r\n1\r\n$3\r\n1.5\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l limit -1 2", "*2\r\n$2\r\n-5\r\n$1\r\n1\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l limit 10 2", "*0\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l limit 0 0", "*0\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l limit a b", "-ERR value is not an integer or out of range\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l limit 1", "-ERR syntax error\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l foo", "-ERR syntax error\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l store", "-ERR syntax error\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort_ro l store d", "-ERR syntax error\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by nosort", "*6\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by nosort desc", "*6\r\n$3\r\n1.5\r\n$2\r\n-5\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by nosort limit 1 2", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by nosort desc limit 1 2", "*2\r\n$2\r\n-5\r\n$2\r\n10\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by nosort limit 4 10", "*2\r\n$2\r\n-5\r\n$3\r\n1.5\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by nosort limit 10 10", "*0\r\n"),
    RUN("set w_3 30"),
    RUN("set w_1 10"),
    RUN("set w_2 20"),
    RUN("set w_10 -1"),
    RUN("zadd __r xx 0 x"),
    C("sort l by w_*", "*6\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by w_* desc", "*6\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$3\r\n1.5\r\n$2\r\n-5\r\n$2\r\n10\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by w_* limit 0 2", "*2\r\n$2\r\n10\r\n$2\r\n-5\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by w_* get #", "*6\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by w_* get w_* get #", "*12\r\n$2\r\n-1\r\n$2\r\n10\r\n$-1\r\n$2\r\n-5\r\n$-1\r\n$3\r\n1.5\r\n$2\r\n10\r\n$1\r\n1\r\n$2\r\n20\r\n$1\r\n2\r\n$2\r\n30\r\n$1\r\n3\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l get w_*", "*6\r\n$-1\r\n$2\r\n10\r\n$-1\r\n$2\r\n20\r\n$2\r\n30\r\n$2\r\n-1\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l get nostar", "*6\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by w_* alpha", "*6\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$2\r\n10\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
    RUN("hset h_3 f x"),
    RUN("hset h_1 f y"),
    RUN("hset h_2 g z"),
    RUN("zadd __r xx 0 x"),
    C("sort l by h_*->f alpha", "*6\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$1\r\n3\r\n$1\r\n1\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by h_*->f alpha get h_*->f get #", "*12\r\n$-1\r\n$1\r\n2\r\n$-1\r\n$2\r\n10\r\n$-1\r\n$2\r\n-5\r\n$-1\r\n$3\r\n1.5\r\n$1\r\nx\r\n$1\r\n3\r\n$1\r\ny\r\n$1\r\n1\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l get h_*->", "*6\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l get h_*->f", "*6\r\n$-1\r\n$1\r\ny\r\n$-1\r\n$-1\r\n$1\r\nx\r\n$-1\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by h_*->f", "-ERR One or more scores can't be converted into double\r\n"),
    RUN("rpush la b a c \"a b\" \"\""),
    RUN("zadd __r xx 0 x"),
    C("sort la", "-ERR One or more scores can't be converted into double\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort la alpha", "*5\r\n$0\r\n\r\n$1\r\na\r\n$3\r\na b\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort la alpha desc", "*5\r\n$1\r\nc\r\n$1\r\nb\r\n$3\r\na b\r\n$1\r\na\r\n$0\r\n\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort la by nosort", "*5\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n$3\r\na b\r\n$0\r\n\r\n"),
    RUN("sadd s 5 3 1 2 4"),
    RUN("zadd __r xx 0 x"),
    C("sort s", "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort s desc limit 0 2", "*2\r\n$1\r\n5\r\n$1\r\n4\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort s alpha", "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort s by nosort store dst", ":5\r\n"),
    C("lrange dst 0 -1", "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"),
    C("type dst", "+list\r\n"),
    C("object encoding dst", "$9\r\nquicklist\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort s store dst", ":5\r\n"),
    C("lrange dst 0 -1", "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort s limit 0 1 store dst", ":1\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort nokey", "*0\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort nokey store dst", ":0\r\n"),
    C("exists dst", ":0\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort nokey store dst", ":0\r\n"),
    RUN("zadd z 3 c 1 a 2 b"),
    C("object encoding z", "$8\r\nlistpack\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort z", "-ERR One or more scores can't be converted into double\r\n"),
    C("object encoding z", "$8\r\nskiplist\r\n"),
    RUN("zadd z2 3 c 1 a 2 b"),
    RUN("zadd __r xx 0 x"),
    C("sort_ro z2 by nosort", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    C("object encoding z2", "$8\r\nskiplist\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort z2 by nosort desc", "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort z2 by nosort limit 1 1", "*1\r\n$1\r\nb\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort z2 by nosort desc limit 1 5", "*2\r\n$1\r\nb\r\n$1\r\na\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort z2 alpha", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort z2 alpha desc store dst", ":3\r\n"),
    C("lrange dst 0 -1", "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
    RUN("set str x"),
    RUN("zadd __r xx 0 x"),
    C("sort str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l store str", ":6\r\n"),
    C("type str", "+list\r\n"),
    C("lrange str 0 -1", "*6\r\n$2\r\n-5\r\n$1\r\n1\r\n$3\r\n1.5\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
    RUN("rpush lf 1e400"),
    RUN("zadd __r xx 0 x"),
    C("sort lf", "-ERR One or more scores can't be converted into double\r\n"),
    RUN("rpush lf2 1e-400 2"),
    RUN("zadd __r xx 0 x"),
    C("sort lf2", "-ERR One or more scores can't be converted into double\r\n"),
    RUN("rpush lf3 \"\" \" 3\" \"3 \" 0x10 nan inf -inf"),
    RUN("zadd __r xx 0 x"),
    C("sort lf3 by nosort", "*7\r\n$0\r\n\r\n$2\r\n 3\r\n$2\r\n3 \r\n$4\r\n0x10\r\n$3\r\nnan\r\n$3\r\ninf\r\n$4\r\n-inf\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort lf3", "-ERR One or more scores can't be converted into double\r\n"),
    RUN("rpush lf4 \" 3\" 0x10 inf -inf"),
    RUN("zadd __r xx 0 x"),
    C("sort lf4", "*4\r\n$4\r\n-inf\r\n$2\r\n 3\r\n$4\r\n0x10\r\n$3\r\ninf\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort lf4 desc", "*4\r\n$3\r\ninf\r\n$4\r\n0x10\r\n$2\r\n 3\r\n$4\r\n-inf\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by w_* store out", ":6\r\n"),
    C("lrange out 0 -1", "*6\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l get # get w_* store out", ":12\r\n"),
    C("lrange out 0 -1", "*12\r\n$2\r\n-5\r\n$0\r\n\r\n$1\r\n1\r\n$2\r\n10\r\n$3\r\n1.5\r\n$0\r\n\r\n$1\r\n2\r\n$2\r\n20\r\n$1\r\n3\r\n$2\r\n30\r\n$2\r\n10\r\n$2\r\n-1\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l limit 0 1 desc alpha asc", "*1\r\n$2\r\n-5\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by w_* by nosort", "*6\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l get", "-ERR syntax error\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort l by", "-ERR syntax error\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort_ro l by w_* get #", "*6\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
    RUN("zadd __r xx 0 x"),
    C("sort_ro l", "*6\r\n$2\r\n-5\r\n$1\r\n1\r\n$3\r\n1.5\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
    RUN("flushall"),
    RUN("rpush big 5 4 3 2 1 0 9 8 7 6 10 11 12 13 14 15 16 17 18 19 20"),
    RUN("set k_0 z"),
    RUN("set k_1 y"),
    RUN("set k_2 x"),
    C("sort big limit 0 5", "*5\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"),
    C("sort big limit 15 10 desc", "*6\r\n$1\r\n5\r\n$1\r\n4\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n0\r\n"),
    C("sort big by k_* limit 0 4", "-ERR One or more scores can't be converted into double\r\n"),
    C("sort big by k_* get k_* limit 0 4", "-ERR One or more scores can't be converted into double\r\n"),
    C("sort big by nosort get k_* limit 0 4", "*4\r\n$-1\r\n$-1\r\n$-1\r\n$1\r\nx\r\n"),
    C("sort big alpha limit 0 6", "*6\r\n$1\r\n0\r\n$1\r\n1\r\n$2\r\n10\r\n$2\r\n11\r\n$2\r\n12\r\n$2\r\n13\r\n"),
    RUN("sadd si 10 2 33 4"),
    C("sort si", "*4\r\n$1\r\n2\r\n$1\r\n4\r\n$2\r\n10\r\n$2\r\n33\r\n"),
    C("sort si alpha", "*4\r\n$2\r\n10\r\n$1\r\n2\r\n$2\r\n33\r\n$1\r\n4\r\n"),
    C("sort si desc limit 1 2", "*2\r\n$2\r\n10\r\n$1\r\n4\r\n"),
    C("sort si by nosort store d", ":4\r\n"),
    C("lrange d 0 -1", "*4\r\n$2\r\n10\r\n$1\r\n2\r\n$2\r\n33\r\n$1\r\n4\r\n"),
    RUN("rpush bin \"a\\x00b\" \"a\\x00a\" \"a\" \"b\""),
    C("sort bin alpha", "*4\r\n$3\r\na\x00""b\r\n$3\r\na\x00""a\r\n$1\r\na\r\n$1\r\nb\r\n"),
    C("sort bin alpha store d2", ":4\r\n"),
    C("lrange d2 0 -1", "*4\r\n$1\r\na\r\n$3\r\na\x00""a\r\n$3\r\na\x00""b\r\n$1\r\nb\r\n"),
    RUN("config set zset-max-listpack-entries 1"),
    RUN("zadd zs 1 b 2 a 3 c"),
    C("object encoding zs", "$8\r\nskiplist\r\n"),
    C("sort zs by nosort desc limit 0 2", "*2\r\n$1\r\nc\r\n$1\r\na\r\n"),
    C("sort zs alpha", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    RUN("config set zset-max-listpack-entries 128"),
};

static void test_recorded_replies(void) {
    kvt_env *e = kvt_start();
    int failed = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kvt_run(e->c, cases[i].cmd);
        if (!cases[i].want) continue;
        if (!is_mem(e->c->out, sds_len(e->c->out), cases[i].want, cases[i].wlen, "%s", cases[i].cmd)) failed++;
    }
    if (failed) diag("%d recorded replies differ", failed);
    kvt_stop(e);
}

static void test_propagation(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    kvt_prop_attach(e);
    kvt_run(c, "RPUSH l 3 1 2");
    kvt_run(c, "SET w_1 c");
    kvt_run(c, "SET w_2 b");
    kvt_run(c, "SET w_3 a");
    sds_clear(kvt_prop_log);
    kvt_run(c, "SORT l");
    kvt_run(c, "SORT_RO l BY w_* ALPHA");
    KVT_PROP("");
    kvt_run(c, "SORT l BY w_* ALPHA STORE dst");
    KVT_PROP("MULTI\nDEL dst\nRPUSH dst 3 2 1\nEXEC\n");
    kvt_run(c, "SORT l GET # GET w_* GET nokey_* STORE dst");
    KVT_PROP("MULTI\nDEL dst\nRPUSH dst 1 c  2 b  3 a \nEXEC\n");
    kvt_run(c, "SORT nokey STORE dst");
    KVT_PROP("DEL dst\n");
    kvt_run(c, "SORT nokey STORE dst");
    KVT_PROP("");
    kvt_run(c, "SORT l LIMIT 5 5 STORE dst");
    KVT_PROP("");
    /* a big result is propagated in chunks */
    for (int i = 0; i < 1500; i++) kvt_runf(c, "SADD s %d", i);
    sds_clear(kvt_prop_log);
    kvt_run(c, "SORT s STORE dst");
    int lines = 0, rpush = 0;
    for (const char *p = kvt_prop_log; *p; p++) lines += *p == '\n';
    for (const char *p = kvt_prop_log; (p = strstr(p, "RPUSH dst")); p++) rpush++;
    ok(lines == 5 && rpush == 2, "1500 elements: MULTI, DEL, two RPUSH, EXEC (%d lines)", lines);
    sds_clear(kvt_prop_log);
    kvt_stop(e);
}

typedef struct oplog {
    int n, cap;
    int *argc;
    sds **argv;
} oplog;

static void record_ops(void *priv, int dbid, int argc, sds *argv) {
    oplog *l = priv;
    (void)dbid;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->argc = realloc(l->argc, sizeof(int) * (size_t)l->cap);
        l->argv = realloc(l->argv, sizeof(sds *) * (size_t)l->cap);
    }
    l->argc[l->n] = argc;
    l->argv[l->n] = mem_alloc(sizeof(sds) * (size_t)argc);
    for (int i = 0; i < argc; i++) l->argv[l->n][i] = sds_dup(argv[i]);
    l->n++;
}

static void test_replay(void) {
    oplog log = {0, 0, NULL, NULL};
    kvt_env *a = kvt_start(), *b = kvt_start();
    cmd_prop_subscribe(a->srv, record_ops, &log);
    static const char *script[] = {
        "SADD s x y z 1 2 3",    "SET w_x 9",          "SET w_1 9",
        "HSET h_y f 1",          "RPUSH l b a c a",    "ZADD z 1 q 2 p",
        "SORT s BY w_* STORE d1", "SORT s BY h_*->f ALPHA STORE d2", "SORT s BY nosort STORE d3",
        "SORT l ALPHA DESC LIMIT 1 2 STORE d4", "SORT z BY nosort GET # GET w_* STORE d5",
        "SORT s STORE s",        "SORT nokey STORE d1", "SORT l GET nokey_* STORE d6",
    };
    for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) kvt_run(a->c, script[i]);
    for (int i = 0; i < log.n; i++) {
        client_set_argv(b->c, log.argc[i], log.argv[i]);
        cmd_replay(b->c);
        client_reset_argv(b->c);
    }
    sds da = sds_new(kvt_run(a->c, "DEBUG DIGEST"));
    is_str(kvt_run(b->c, "DEBUG DIGEST"), da, "replaying SORT ... STORE's propagation gives the same dataset");
    sds_free(da);
    free(log.argc);
    free(log.argv);
    kvt_stop(a);
    kvt_stop(b);
}

/* ALPHA BY ties (elements without a BY value, or equal values) keep the
 * input order, also with LIMIT (Redis 7.0 then uses an unstable partial
 * quicksort: its order of ties is not defined). */
static void test_alpha_by_ties(void) {
    kvt_env *e = kvt_start();
    kvt_run(e->c, "RPUSH big 5 4 3 2 1 0 9 8 7 6");
    kvt_run(e->c, "MSET k_0 z k_1 y k_2 x");
    is_str(kvt_run(e->c, "SORT big BY k_* ALPHA LIMIT 0 4"), "*4\r\n$1\r\n5\r\n$1\r\n4\r\n$1\r\n3\r\n$1\r\n9\r\n",
           "missing BY values first, in list order");
    is_str(kvt_run(e->c, "SORT big BY k_* ALPHA DESC LIMIT 0 4"),
           "*4\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n5\r\n", "DESC: values, then the ties in list order");
    kvt_stop(e);
}

static void test_zset_conversion(void) {
    kvt_env *e = kvt_start();
    kvt_run(e->c, "ZADD z 2 b 1 a");
    sds k = sds_new("z");
    ok(db_find(e->c->db, k)->enc == OBJ_ENC_LISTPACK, "small zset is a listpack");
    is_str(kvt_run(e->c, "SORT_RO z ALPHA"), "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "SORT_RO z ALPHA");
    ok(db_find(e->c->db, k)->enc == OBJ_ENC_SKIPLIST, "and SORT_RO made it a skiplist, as Redis does");
    is_str(kvt_run(e->c, "ZRANGE z 0 -1 WITHSCORES"), "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
           "contents unchanged");
    sds_free(k);
    kvt_stop(e);
}

int main(void) {
    kvt_prop_log = sds_empty();
    test_recorded_replies();
    test_propagation();
    test_replay();
    test_alpha_by_ties();
    test_zset_conversion();
    sds_free(kvt_prop_log);
    return done_testing();
}
