/*
 * tests/unit/test_t_set.c — the set type (t_set.c): every command, its
 * options and error texts, the intset/hashtable encodings and their
 * conversions (including the encodings of *STORE, SPOP and SMOVE results),
 * propagation forms, RESP3 reply kinds, and the API of t_set.h.
 *
 * Expected replies are the exact RESP bytes redis-server 7.0.15 sends for
 * the same commands (recorded against it); replies whose order Redis
 * leaves to its hash table are compared sorted.  Random commands
 * (SRANDMEMBER, SPOP) are checked by shape: counts, membership,
 * distinctness.  The last test replays everything a random workload
 * propagated into a fresh server and compares the dataset digests.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/db.h"
#include "engine/debug.h"
#include "engine/intset.h"
#include "engine/object.h"
#include "engine/t_set.h"
#include "kvtest.h"
#include "tests/tap.h"

/* ---- helpers ------------------------------------------------------------------ */

static kvt_env *start(void) {
    kvt_env *e = kvt_start();
    kvt_prop_flags = KVT_PROP_ESCAPE;
    kvt_prop_attach(e);
    return e;
}

#define WRONGTYPE KVT_WRONGTYPE

static void check_enc(kv_client *c, const char *key, const char *name) {
    char want[64];
    snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(name), name);
    kvt_runf(c, "OBJECT ENCODING %s", key);
    is_str(c->out, want, "OBJECT ENCODING %s = %s", key, name);
}

/* SADD key <from>..<to> (integers). */
static void add_range(kv_client *c, const char *key, int from, int to) {
    sds line = sds_catprintf(sds_empty(), "SADD %s", key);
    for (int i = from; i <= to; i++) line = sds_catprintf(line, " %d", i);
    kvt_run(c, line);
    sds_free(line);
}

/* Minimal RESP reader: the bulk strings of one reply (one level of
 * aggregate), the aggregate's type byte and count. */
typedef struct flat {
    char type;
    int top, n;
    sds items[8192];
} flat;

static void flat_read(const char *p, flat *f) {
    f->type = *p;
    f->n = 0;
    f->top = -1;
    if (*p != '*' && *p != '~') return;
    f->top = atoi(p + 1);
    p = strstr(p, "\r\n") + 2;
    for (int i = 0; i < f->top && *p == '$'; i++) {
        long n = strtol(p + 1, NULL, 10);
        p = strstr(p, "\r\n") + 2;
        if (f->n < 8192) f->items[f->n++] = sds_newlen(p, (size_t)n);
        p += n + 2;
    }
}

static void flat_free(flat *f) {
    for (int i = 0; i < f->n; i++) sds_free(f->items[i]);
    f->n = 0;
}

static int cmp_sds(const void *a, const void *b) { return sds_cmp(*(const sds *)a, *(const sds *)b); }

/* The members of a reply sorted and joined with ' '. */
static sds sorted_members(const char *reply) {
    flat f;
    flat_read(reply, &f);
    qsort(f.items, (size_t)f.n, sizeof(sds), cmp_sds);
    sds s = sds_empty();
    for (int i = 0; i < f.n; i++) {
        if (i) s = sds_cat(s, " ");
        s = kvt_cat_escaped(s, f.items[i], sds_len(f.items[i]));
    }
    flat_free(&f);
    return s;
}

#define MEMBERS(c, line, want)                                                  \
    do {                                                                        \
        kvt_run((c), (line));                                                   \
        sds got_ = sorted_members((c)->out);                                    \
        is_str(got_, (want), "%s (sorted)", (line));                            \
        sds_free(got_);                                                         \
    } while (0)

static int flat_distinct(const flat *f) {
    for (int i = 0; i < f->n; i++)
        for (int j = i + 1; j < f->n; j++)
            if (sds_cmp(f->items[i], f->items[j]) == 0) return 0;
    return 1;
}

/* ---- basic commands ------------------------------------------------------------------ */

static void test_basic(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "SADD s 3 1 2 2", ":3\r\n");
    KVT_PROP("SADD s 3 1 2 2\n");
    KVT_CHECK(c, "SADD s 1 4", ":1\r\n");
    KVT_CHECK(c, "SADD s 1 4", ":0\r\n");
    KVT_PROP("SADD s 1 4\n");
    KVT_CHECK(c, "SMEMBERS s", "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    KVT_CHECK(c, "SCARD s", ":4\r\n");
    KVT_CHECK(c, "SCARD nokey", ":0\r\n");
    KVT_CHECK(c, "SISMEMBER s 2", ":1\r\n");
    KVT_CHECK(c, "SISMEMBER s 9", ":0\r\n");
    KVT_CHECK(c, "SISMEMBER s abc", ":0\r\n");
    KVT_CHECK(c, "SISMEMBER nokey 1", ":0\r\n");
    KVT_CHECK(c, "SMISMEMBER s 1 9 abc 4", "*4\r\n:1\r\n:0\r\n:0\r\n:1\r\n");
    KVT_CHECK(c, "SMISMEMBER nokey 1 2", "*2\r\n:0\r\n:0\r\n");
    KVT_CHECK(c, "SREM s 1 9 4", ":2\r\n");
    KVT_PROP("SREM s 1 9 4\n");
    KVT_CHECK(c, "SREM s 9", ":0\r\n");
    KVT_CHECK(c, "SREM nokey 9", ":0\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "SMEMBERS s", "*2\r\n$1\r\n2\r\n$1\r\n3\r\n");
    KVT_CHECK(c, "SMEMBERS nokey", "*0\r\n");
    KVT_CHECK(c, "SADD e -5 0 9223372036854775807 -9223372036854775808", ":4\r\n");
    KVT_CHECK(c, "SMEMBERS e",
          "*4\r\n$20\r\n-9223372036854775808\r\n$2\r\n-5\r\n$1\r\n0\r\n$19\r\n9223372036854775807\r\n");
    KVT_CHECK(c, "SADD t b a \"\\x00\\xff\" \"\"", ":4\r\n");
    MEMBERS(c, "SMEMBERS t", "\"\" \\x00\\xff a b");
    KVT_CHECK(c, "SISMEMBER t \"\\x00\\xff\"", ":1\r\n");
    KVT_CHECK(c, "SISMEMBER t \"\"", ":1\r\n");
    KVT_CHECK(c, "SREM t a b \"\\x00\\xff\" \"\"", ":4\r\n");
    KVT_CHECK(c, "EXISTS t", ":0\r\n");
    KVT_PROP("SADD e -5 0 9223372036854775807 -9223372036854775808\nSADD t b a \\x00\\xff \"\"\n"
         "SREM t a b \\x00\\xff \"\"\n");
    KVT_CHECK(c, "TYPE s", "+set\r\n");
    kvt_stop(e);
}

static void test_errors(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "SET str x", "+OK\r\n");
    KVT_CHECK(c, "SADD s 1", ":1\r\n");
    sds_clear(kvt_prop_log);
    static const char *const arity[] = {"SADD s", "SREM s", "SCARD", "SISMEMBER s", "SMISMEMBER s", "SMEMBERS",
                                        "SRANDMEMBER", "SPOP", "SMOVE a b", "SINTER", "SINTERCARD 1",
                                        "SINTERSTORE d", "SUNION", "SUNIONSTORE d", "SDIFF", "SDIFFSTORE d",
                                        "SSCAN s", NULL};
    for (int i = 0; arity[i]; i++) {
        char want[128], name[32];
        sscanf(arity[i], "%31s", name);
        for (char *p = name; *p; p++) *p = (char)(*p - 'A' + 'a');
        snprintf(want, sizeof(want), "-ERR wrong number of arguments for '%s' command\r\n", name);
        kvt_run(c, arity[i]);
        is_str(c->out, want, "%s", arity[i]);
    }
    static const char *const wt[] = {"SADD str 1", "SREM str 1", "SCARD str", "SISMEMBER str 1",
                                     "SMISMEMBER str 1", "SMEMBERS str", "SRANDMEMBER str", "SRANDMEMBER str 2",
                                     "SPOP str", "SPOP str 2", "SMOVE str s 1", "SMOVE s str 1",
                                     "SINTER s str", "SINTER nokey str", "SINTERCARD 2 s str",
                                     "SINTERSTORE d s str", "SUNION s str", "SUNIONSTORE d str", "SDIFF s str",
                                     "SDIFF str s", "SDIFFSTORE d nokey str", "SSCAN str 0", NULL};
    for (int i = 0; wt[i]; i++) KVT_CHECK(c, wt[i], WRONGTYPE);
    KVT_CHECK(c, "SMOVE nokey str 1", ":0\r\n"); /* a missing source wins over a wrong destination */
    KVT_CHECK(c, "SPOP s x", "-ERR value is out of range, must be positive\r\n");
    KVT_CHECK(c, "SPOP s -1", "-ERR value is out of range, must be positive\r\n");
    KVT_CHECK(c, "SPOP str -1", "-ERR value is out of range, must be positive\r\n");
    KVT_CHECK(c, "SPOP s 1 2", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SRANDMEMBER s 1 2", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SRANDMEMBER s x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "SRANDMEMBER str x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "SRANDMEMBER s -9223372036854775808",
          "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n");
    KVT_CHECK(c, "SINTERCARD 0 s", "-ERR numkeys should be greater than 0\r\n");
    KVT_CHECK(c, "SINTERCARD -1 s", "-ERR numkeys should be greater than 0\r\n");
    KVT_CHECK(c, "SINTERCARD abc s", "-ERR numkeys should be greater than 0\r\n");
    KVT_CHECK(c, "SINTERCARD 9223372036854775808 s", "-ERR numkeys should be greater than 0\r\n");
    KVT_CHECK(c, "SINTERCARD 2 s", "-ERR Number of keys can't be greater than number of args\r\n");
    KVT_CHECK(c, "SINTERCARD 1 s LIMIT -1", "-ERR LIMIT can't be negative\r\n");
    KVT_CHECK(c, "SINTERCARD 1 s LIMIT x", "-ERR LIMIT can't be negative\r\n");
    KVT_CHECK(c, "SINTERCARD 1 s LIMIT", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SINTERCARD 1 s FOO 1", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SINTERCARD 1 str LIMIT x", "-ERR LIMIT can't be negative\r\n");
    KVT_CHECK(c, "SSCAN s x", "-ERR invalid cursor\r\n");
    KVT_CHECK(c, "SSCAN str x", "-ERR invalid cursor\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "GET str", "$1\r\nx\r\n");
    kvt_stop(e);
}

/* ---- encodings ------------------------------------------------------------------------ */

static void test_encodings(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    add_range(c, "i511", 1, 511);
    add_range(c, "i512", 1, 512);
    add_range(c, "i513", 1, 513);
    check_enc(c, "i511", "intset");
    check_enc(c, "i512", "intset");
    check_enc(c, "i513", "hashtable");
    ok(kvt_find(c, "i512")->enc == OBJ_ENC_INTSET && kvt_find(c, "i513")->enc == OBJ_ENC_HT, "encodings in the keyspace");
    KVT_CHECK(c, "SADD i512 512", ":0\r\n");
    check_enc(c, "i512", "intset");
    KVT_CHECK(c, "SADD i512 -1", ":1\r\n"); /* the 513th member */
    check_enc(c, "i512", "hashtable");
    KVT_CHECK(c, "SREM i513 513", ":1\r\n");
    check_enc(c, "i513", "hashtable"); /* one-way */
    KVT_CHECK(c, "SCARD i513", ":512\r\n");
    KVT_CHECK(c, "SISMEMBER i513 512", ":1\r\n");
    /* a member that is not a canonical 64-bit integer */
    static const char *const strs[] = {"x", "007", "-0", "+1", "\" 1\"", "\"1 \"", "9223372036854775808",
                                       "-9223372036854775809", "1.0", "0x1", "\"\"", NULL};
    for (int i = 0; strs[i]; i++) {
        kvt_runf(c, "SADD n%d 1 %s", i, strs[i]);
        char key[16];
        snprintf(key, sizeof(key), "n%d", i);
        check_enc(c, key, "hashtable");
    }
    KVT_CHECK(c, "SADD first x 1", ":2\r\n"); /* created for a string member */
    check_enc(c, "first", "hashtable");
    KVT_CHECK(c, "SADD ints -9223372036854775808 9223372036854775807", ":2\r\n");
    check_enc(c, "ints", "intset");
    KVT_CHECK(c, "SADD i511 abc", ":1\r\n");
    check_enc(c, "i511", "hashtable");
    KVT_CHECK(c, "SISMEMBER i511 7", ":1\r\n");
    KVT_CHECK(c, "SREM i511 abc", ":1\r\n");
    check_enc(c, "i511", "hashtable");
    /* the limit comes from the configuration */
    KVT_CHECK(c, "CONFIG SET set-max-intset-entries 2", "+OK\r\n");
    KVT_CHECK(c, "SADD c2 1 2", ":2\r\n");
    check_enc(c, "c2", "intset");
    KVT_CHECK(c, "SADD c2 3", ":1\r\n");
    check_enc(c, "c2", "hashtable");
    KVT_CHECK(c, "CONFIG SET set-max-intset-entries 0", "+OK\r\n");
    KVT_CHECK(c, "SADD c0 1", ":1\r\n");
    check_enc(c, "c0", "hashtable");
    KVT_CHECK(c, "CONFIG SET set-max-intset-entries 512", "+OK\r\n");
    /* results are built from scratch: intset when they can be */
    KVT_CHECK(c, "SINTERSTORE r1 i513 i512", ":512\r\n");
    check_enc(c, "r1", "intset");
    KVT_CHECK(c, "SUNIONSTORE r2 c2 c0", ":3\r\n");
    check_enc(c, "r2", "intset");
    KVT_CHECK(c, "SUNIONSTORE r3 i513 ints", ":514\r\n");
    check_enc(c, "r3", "hashtable");
    KVT_CHECK(c, "SDIFFSTORE r4 i513 c2", ":509\r\n");
    check_enc(c, "r4", "intset");
    KVT_CHECK(c, "SDIFFSTORE r5 first nokey", ":2\r\n");
    check_enc(c, "r5", "hashtable");
    KVT_CHECK(c, "SMEMBERS r2", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
    KVT_CHECK(c, "SUNION c2 c0", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"); /* an intset result: sorted */
    /* SDIFF's add-then-remove algorithm (many small sets to subtract) keeps
     * the converted temporary set, as Redis does */
    add_range(c, "a600", 1, 600);
    for (int i = 1; i <= 10; i++) {
        char key[8];
        snprintf(key, sizeof(key), "b%d", i);
        add_range(c, key, i * 10, i * 10 + 9);
    }
    KVT_CHECK(c, "SDIFFSTORE r6 a600 b1 b2 b3 b4 b5 b6 b7 b8 b9 b10", ":500\r\n");
    check_enc(c, "r6", "hashtable");
    KVT_CHECK(c, "SDIFFSTORE r7 a600 b1", ":590\r\n");
    check_enc(c, "r7", "hashtable");
    add_range(c, "a520", 1, 520);
    KVT_CHECK(c, "SDIFFSTORE r8 a520 b1", ":510\r\n"); /* iterate-and-test: built from scratch */
    check_enc(c, "r8", "intset");
    /* SMOVE into a new key: created for the moved member */
    KVT_CHECK(c, "SMOVE first nk1 1", ":1\r\n");
    check_enc(c, "nk1", "intset");
    KVT_CHECK(c, "SMOVE first nk2 x", ":1\r\n");
    check_enc(c, "nk2", "hashtable");
    KVT_CHECK(c, "EXISTS first", ":0\r\n");
    /* COPY keeps the encoding */
    KVT_CHECK(c, "COPY i513 cp1", ":1\r\n");
    check_enc(c, "cp1", "hashtable");
    KVT_CHECK(c, "COPY ints cp2", ":1\r\n");
    check_enc(c, "cp2", "intset");
    KVT_CHECK(c, "SMEMBERS cp2", "*2\r\n$20\r\n-9223372036854775808\r\n$19\r\n9223372036854775807\r\n");
    kvt_stop(e);
}

/* ---- SINTER SUNION SDIFF and the STORE forms ------------------------------------------ */

static void test_algebra(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "SADD s 2 3", ":2\r\n");
    KVT_CHECK(c, "SADD e -5 0 2 9223372036854775807", ":4\r\n");
    KVT_CHECK(c, "SADD w a b 2", ":3\r\n");
    KVT_CHECK(c, "SINTER s e", "*1\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "SINTER s e w", "*1\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "SINTER s s", "*2\r\n$1\r\n2\r\n$1\r\n3\r\n");
    KVT_CHECK(c, "SINTER s nokey", "*0\r\n");
    KVT_CHECK(c, "SINTER nokey", "*0\r\n");
    MEMBERS(c, "SINTER w", "2 a b");
    KVT_CHECK(c, "SINTERCARD 2 s e", ":1\r\n");
    KVT_CHECK(c, "SINTERCARD 1 e", ":4\r\n");
    KVT_CHECK(c, "SINTERCARD 1 e LIMIT 2", ":2\r\n");
    KVT_CHECK(c, "SINTERCARD 1 e LIMIT 0", ":4\r\n");
    KVT_CHECK(c, "SINTERCARD 1 e LIMIT 9 LIMIT 3", ":3\r\n");
    KVT_CHECK(c, "SINTERCARD 2 e nokey", ":0\r\n");
    KVT_CHECK(c, "SUNION s e", "*5\r\n$2\r\n-5\r\n$1\r\n0\r\n$1\r\n2\r\n$1\r\n3\r\n$19\r\n9223372036854775807\r\n");
    MEMBERS(c, "SUNION s w nokey", "2 3 a b");
    KVT_CHECK(c, "SUNION nokey", "*0\r\n");
    KVT_CHECK(c, "SDIFF e s", "*3\r\n$2\r\n-5\r\n$1\r\n0\r\n$19\r\n9223372036854775807\r\n");
    MEMBERS(c, "SDIFF w s", "a b");
    KVT_CHECK(c, "SDIFF s e w", "*1\r\n$1\r\n3\r\n");
    KVT_CHECK(c, "SDIFF s s", "*0\r\n");
    KVT_CHECK(c, "SDIFF s nokey e", "*1\r\n$1\r\n3\r\n");
    KVT_CHECK(c, "SDIFF nokey s", "*0\r\n");
    sds_clear(kvt_prop_log);
    long long d0 = e->srv->dirty;
    KVT_CHECK(c, "SINTERSTORE d s e", ":1\r\n");
    KVT_PROP("SINTERSTORE d s e\n");
    KVT_CHECK(c, "SMEMBERS d", "*1\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "SUNIONSTORE d s w", ":4\r\n");
    MEMBERS(c, "SMEMBERS d", "2 3 a b");
    KVT_CHECK(c, "SDIFFSTORE d e s", ":3\r\n");
    KVT_CHECK(c, "SMEMBERS d", "*3\r\n$2\r\n-5\r\n$1\r\n0\r\n$19\r\n9223372036854775807\r\n");
    is_int(e->srv->dirty - d0, 3, "each STORE counts one change");
    /* empty results delete the destination, whatever it holds */
    KVT_CHECK(c, "SDIFFSTORE d s s", ":0\r\n");
    KVT_CHECK(c, "EXISTS d", ":0\r\n");
    KVT_PROP("SUNIONSTORE d s w\nSDIFFSTORE d e s\nSDIFFSTORE d s s\n");
    d0 = e->srv->dirty;
    KVT_CHECK(c, "SINTERSTORE d s nokey", ":0\r\n");
    KVT_CHECK(c, "SUNIONSTORE d nokey", ":0\r\n");
    is_int(e->srv->dirty - d0, 0, "deleting a missing destination changes nothing");
    KVT_PROP("");
    KVT_CHECK(c, "SET str x", "+OK\r\n");
    KVT_CHECK(c, "SINTERSTORE str s nokey", ":0\r\n");
    KVT_CHECK(c, "EXISTS str", ":0\r\n");
    KVT_CHECK(c, "SET str x", "+OK\r\n");
    KVT_CHECK(c, "SUNIONSTORE str s", ":2\r\n");
    KVT_CHECK(c, "TYPE str", "+set\r\n");
    /* the destination loses its TTL; a source may be the destination */
    KVT_CHECK(c, "EXPIRE str 1000", ":1\r\n");
    KVT_CHECK(c, "SUNIONSTORE str str e", ":5\r\n");
    KVT_CHECK(c, "TTL str", ":-1\r\n");
    KVT_CHECK(c, "SINTERSTORE str str s", ":2\r\n");
    KVT_CHECK(c, "SMEMBERS str", "*2\r\n$1\r\n2\r\n$1\r\n3\r\n");
    KVT_CHECK(c, "SET str2 x", "+OK\r\n");
    KVT_CHECK(c, "SINTERSTORE str2 s str2", WRONGTYPE);
    KVT_CHECK(c, "GET str2", "$1\r\nx\r\n");
    kvt_stop(e);
}

/* ---- SMOVE ------------------------------------------------------------------------------ */

static void test_smove(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "SADD a 1 2 3 x", ":4\r\n");
    KVT_CHECK(c, "SADD b 2", ":1\r\n");
    sds_clear(kvt_prop_log);
    long long d0 = e->srv->dirty;
    KVT_CHECK(c, "SMOVE a b 1", ":1\r\n");
    KVT_PROP("SMOVE a b 1\n");
    is_int(e->srv->dirty - d0, 2, "a move changes two keys");
    d0 = e->srv->dirty;
    KVT_CHECK(c, "SMOVE a b 2", ":1\r\n"); /* already in b: only a changes */
    is_int(e->srv->dirty - d0, 1, "a move onto an existing member changes one key");
    KVT_CHECK(c, "SMOVE a b 9", ":0\r\n");
    KVT_CHECK(c, "SMOVE nokey b 2", ":0\r\n");
    KVT_CHECK(c, "SMOVE b b 2", ":1\r\n");
    KVT_CHECK(c, "SMOVE b b 9", ":0\r\n");
    KVT_PROP("SMOVE a b 2\n");
    MEMBERS(c, "SMEMBERS a", "3 x");
    KVT_CHECK(c, "SMEMBERS b", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "SMOVE a b 3", ":1\r\n");
    KVT_CHECK(c, "SMOVE a b x", ":1\r\n");
    KVT_CHECK(c, "EXISTS a", ":0\r\n");
    check_enc(c, "b", "hashtable");
    /* WATCH sees both keys */
    kv_client *c2 = kvt_client(e);
    KVT_CHECK(c, "WATCH dst", "+OK\r\n");
    KVT_CHECK(c2, "SMOVE b dst 3", ":1\r\n");
    KVT_CHECK(c, "MULTI", "+OK\r\n");
    KVT_CHECK(c, "SCARD dst", "+QUEUED\r\n");
    KVT_CHECK(c, "EXEC", "*-1\r\n");
    KVT_CHECK(c, "WATCH b", "+OK\r\n");
    KVT_CHECK(c2, "SMOVE b dst 9", ":0\r\n");
    KVT_CHECK(c, "MULTI", "+OK\r\n");
    KVT_CHECK(c, "SCARD b", "+QUEUED\r\n");
    KVT_CHECK(c, "EXEC", "*1\r\n:3\r\n");
    kvt_stop(e);
}

/* ---- SPOP ------------------------------------------------------------------------------- */

static int prop_lines(void) {
    int n = 0;
    for (const char *p = kvt_prop_log; *p; p++) n += *p == '\n';
    return n;
}

/* The members named in the propagated SREMs, sorted. */
static sds prop_srem_members(void) {
    int nl;
    sds *lines = sds_splitlen(kvt_prop_log, (ssize_t)sds_len(kvt_prop_log), "\n", 1, &nl);
    sds all = sds_empty();
    sds items[8192];
    int n = 0;
    for (int i = 0; i < nl; i++) {
        int argc;
        sds *v = sds_splitargs(lines[i], &argc);
        if (v && argc >= 3 && strcmp(v[0], "SREM") == 0)
            for (int j = 2; j < argc && n < 8192; j++) items[n++] = sds_dup(v[j]);
        if (v) sds_freesplit(v, argc);
    }
    sds_freesplit(lines, nl);
    qsort(items, (size_t)n, sizeof(sds), cmp_sds);
    for (int i = 0; i < n; i++) {
        all = sds_catprintf(all, "%s%s", i ? " " : "", items[i]);
        sds_free(items[i]);
    }
    return all;
}

static void test_spop(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "SPOP nokey", "$-1\r\n");
    KVT_CHECK(c, "SPOP nokey 3", "*0\r\n");
    KVT_CHECK(c, "SADD one x", ":1\r\n");
    KVT_CHECK(c, "SPOP one 0", "*0\r\n");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "SPOP one", "$1\r\nx\r\n");
    KVT_PROP("SREM one x\n");
    KVT_CHECK(c, "EXISTS one", ":0\r\n");
    /* single pops: members, SREMs */
    add_range(c, "s", 1, 20);
    sds_clear(kvt_prop_log);
    int good = 1;
    for (int i = 0; i < 5; i++) {
        kvt_run(c, "SPOP s");
        flat f;
        int v = -1;
        good &= sscanf(c->out, "$%*d\r\n%d", &v) == 1 && v >= 1 && v <= 20;
        char want[64];
        snprintf(want, sizeof(want), "SREM s %d\n", v);
        good &= strcmp(kvt_prop_log, want) == 0;
        sds_clear(kvt_prop_log);
        (void)f;
    }
    ok(good, "SPOP returns a member and propagates SREM of it");
    KVT_CHECK(c, "SCARD s", ":15\r\n");
    /* a few out of many: picked one by one, one batched SREM */
    kvt_run(c, "SPOP s 3");
    flat f;
    flat_read(c->out, &f);
    ok(f.top == 3 && f.n == 3 && flat_distinct(&f), "SPOP s 3: three distinct members");
    sds popped = sorted_members(c->out);
    sds srem = prop_srem_members();
    is_str(srem, popped, "... propagated as SREM of exactly those");
    ok(strncmp(kvt_prop_log, "SREM s ", 7) == 0 && prop_lines() == 1, "... in one SREM");
    sds_free(popped);
    sds_free(srem);
    kvt_runf(c, "SMISMEMBER s %s %s %s", f.items[0], f.items[1], f.items[2]);
    is_str(c->out, "*3\r\n:0\r\n:0\r\n:0\r\n", "... and they are gone");
    flat_free(&f);
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "SCARD s", ":12\r\n");
    /* all of it: the whole set, DEL */
    kvt_run(c, "SPOP s 12");
    flat_read(c->out, &f);
    ok(f.top == 12 && flat_distinct(&f), "SPOP of the whole set returns everything");
    flat_free(&f);
    KVT_PROP("DEL s\n");
    KVT_CHECK(c, "EXISTS s", ":0\r\n");
    add_range(c, "s", 1, 5);
    sds_clear(kvt_prop_log);
    long long d0 = e->srv->dirty;
    KVT_CHECK(c, "SPOP s 100", "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n");
    KVT_PROP("DEL s\n");
    is_int(e->srv->dirty - d0, 5, "dirty grows by the members popped");
    /* most of a big set: the rest is rebuilt (intset again), TTL kept */
    add_range(c, "big", 1, 600);
    KVT_CHECK(c, "EXPIRE big 1000", ":1\r\n");
    check_enc(c, "big", "hashtable");
    sds_clear(kvt_prop_log);
    kvt_run(c, "SPOP big 550");
    flat_read(c->out, &f);
    ok(f.top == 550 && f.n == 550 && flat_distinct(&f), "SPOP big 550: 550 distinct members");
    popped = sorted_members(c->out);
    srem = prop_srem_members();
    is_str(srem, popped, "... all propagated as SREMs");
    ok(strcmp(kvt_prop_log, "MULTI\n") != 0 && prop_lines() == 1, "... one SREM (550 < batch)");
    sds_free(popped);
    sds_free(srem);
    flat_free(&f);
    KVT_CHECK(c, "SCARD big", ":50\r\n");
    check_enc(c, "big", "intset");
    KVT_CHECK(c, "TTL big", ":1000\r\n");
    /* a handful out of a big set stays a hashtable */
    add_range(c, "big2", 1, 600);
    kvt_run(c, "SPOP big2 10");
    check_enc(c, "big2", "hashtable");
    KVT_CHECK(c, "SCARD big2", ":590\r\n");
    /* more than one batch: SREMs inside MULTI/EXEC */
    add_range(c, "huge", 1, 3000);
    sds_clear(kvt_prop_log);
    kvt_run(c, "SPOP huge 2500");
    flat_read(c->out, &f);
    ok(f.top == 2500, "SPOP huge 2500");
    flat_free(&f);
    ok(strncmp(kvt_prop_log, "MULTI\nSREM huge ", 16) == 0 && prop_lines() == 5 &&
           strcmp(kvt_prop_log + sds_len(kvt_prop_log) - 5, "EXEC\n") == 0,
       "2500 members: three SREMs in MULTI/EXEC");
    srem = prop_srem_members();
    int nsrem = 1;
    for (const char *p = srem; *p; p++) nsrem += *p == ' ';
    is_int(nsrem, 2500, "... naming 2500 members");
    sds_free(srem);
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "SCARD huge", ":500\r\n");
    check_enc(c, "huge", "intset");
    /* strings */
    KVT_CHECK(c, "SADD str a b c d e f", ":6\r\n");
    kvt_run(c, "SPOP str 5");
    flat_read(c->out, &f);
    ok(f.top == 5 && flat_distinct(&f), "SPOP over a hashtable of strings");
    flat_free(&f);
    KVT_CHECK(c, "SCARD str", ":1\r\n");
    c->resp = 3;
    KVT_CHECK(c, "SPOP nokey 2", "~0\r\n");
    KVT_CHECK(c, "SPOP str 0", "~0\r\n");
    kvt_run(c, "SPOP str 1");
    ok(strncmp(c->out, "~1\r\n$1\r\n", 8) == 0, "RESP3: SPOP with a count answers a set");
    KVT_CHECK(c, "SPOP nokey", "_\r\n");
    c->resp = 2;
    kvt_stop(e);
}

/* ---- SRANDMEMBER ------------------------------------------------------------------------ */

static int member_ok(const sds s, int n, int strings) {
    int v;
    if (strings) return s[0] == 'm' && sscanf(s + 1, "%d", &v) == 1 && v >= 0 && v < n;
    return sscanf(s, "%d", &v) == 1 && v >= 1 && v <= n;
}

static void rand_shapes(kv_client *c, const char *key, int n, int strings, const char *enc) {
    static const long counts[] = {1, 2, 3, 5, 10, 50, 199, 200, 201, 600, 1000, -1, -3, -50, -1000};
    for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        long cnt = counts[k];
        kvt_runf(c, "SRANDMEMBER %s %ld", key, cnt);
        flat f;
        flat_read(c->out, &f);
        long want = cnt < 0 ? -cnt : (cnt > n ? n : cnt);
        int good = f.type == '*' && f.top == want && f.n == want;
        for (int i = 0; i < f.n; i++) good &= member_ok(f.items[i], n, strings);
        if (cnt > 0) good &= flat_distinct(&f);
        ok(good, "%s (%s, RESP%d): SRANDMEMBER %ld shape", key, enc, c->resp, cnt);
        flat_free(&f);
    }
}

static void test_srandmember(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    add_range(c, "ints", 1, 200);
    add_range(c, "hti", 1, 600);
    sds line = sds_new("SADD strs");
    for (int i = 0; i < 200; i++) line = sds_catprintf(line, " m%d", i);
    kvt_run(c, line);
    sds_free(line);
    check_enc(c, "ints", "intset");
    check_enc(c, "hti", "hashtable");
    sds_clear(kvt_prop_log);
    for (int resp = 2; resp <= 3; resp++) {
        c->resp = resp;
        rand_shapes(c, "ints", 200, 0, "intset");
        rand_shapes(c, "hti", 600, 0, "hashtable");
        rand_shapes(c, "strs", 200, 1, "hashtable");
    }
    c->resp = 2;
    KVT_PROP("");
    int seen[201] = {0}, all = 1;
    for (int i = 0; i < 40; i++) {
        kvt_run(c, "SRANDMEMBER ints -100");
        flat f;
        flat_read(c->out, &f);
        for (int j = 0; j < f.n; j++) seen[atoi(f.items[j])] = 1;
        flat_free(&f);
    }
    for (int i = 1; i <= 200; i++) all &= seen[i];
    ok(all, "negative counts reach every member");
    int good = 1;
    for (int i = 0; i < 30; i++) {
        kvt_run(c, i % 2 ? "SRANDMEMBER strs" : "SRANDMEMBER hti");
        int v;
        good &= i % 2 ? strncmp(c->out, "$", 1) == 0 && strstr(c->out, "\r\nm") != NULL
                      : sscanf(c->out, "$%*d\r\n%d", &v) == 1 && v >= 1 && v <= 600;
    }
    ok(good, "SRANDMEMBER key: one member");
    KVT_CHECK(c, "SRANDMEMBER nokey", "$-1\r\n");
    KVT_CHECK(c, "SRANDMEMBER nokey 5", "*0\r\n");
    KVT_CHECK(c, "SRANDMEMBER nokey -5", "*0\r\n");
    KVT_CHECK(c, "SRANDMEMBER ints 0", "*0\r\n");
    KVT_CHECK(c, "SADD one 7", ":1\r\n");
    KVT_CHECK(c, "SRANDMEMBER one", "$1\r\n7\r\n");
    KVT_CHECK(c, "SRANDMEMBER one -3", "*3\r\n$1\r\n7\r\n$1\r\n7\r\n$1\r\n7\r\n");
    KVT_CHECK(c, "SRANDMEMBER one 9223372036854775807", "*1\r\n$1\r\n7\r\n");
    c->resp = 3;
    KVT_CHECK(c, "SRANDMEMBER one 5", "*1\r\n$1\r\n7\r\n"); /* an array even in RESP3 */
    KVT_CHECK(c, "SRANDMEMBER nokey 5", "*0\r\n");
    KVT_CHECK(c, "SRANDMEMBER nokey", "_\r\n");
    c->resp = 2;
    kvt_stop(e);
}

/* ---- SSCAN ---------------------------------------------------------------------------------- */

static void test_sscan(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "SADD s 3 1 2 10", ":4\r\n");
    KVT_CHECK(c, "SSCAN s 0", "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n");
    KVT_CHECK(c, "SSCAN s 55 COUNT 1", "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n");
    KVT_CHECK(c, "SSCAN s 0 MATCH 1*", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$2\r\n10\r\n");
    KVT_CHECK(c, "SSCAN s 0 MATCH x", "*2\r\n$1\r\n0\r\n*0\r\n");
    KVT_CHECK(c, "SSCAN nokey 0", "*2\r\n$1\r\n0\r\n*0\r\n");
    KVT_CHECK(c, "SSCAN nokey 0 FOO", "*2\r\n$1\r\n0\r\n*0\r\n");
    KVT_CHECK(c, "SSCAN s 0 COUNT 0", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SSCAN s 0 COUNT x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "SSCAN s 0 MATCH", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SSCAN s 0 TYPE set", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SSCAN s \"\"", "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n");
    KVT_CHECK(c, "SSCAN s \"+0\"", "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n");
    KVT_CHECK(c, "SSCAN s \" 0\"", "-ERR invalid cursor\r\n");
    KVT_CHECK(c, "SSCAN s 0x", "-ERR invalid cursor\r\n");
    /* a hashtable: a full walk returns every member */
    add_range(c, "big", 1, 1000);
    int seen[1001] = {0}, calls = 0, good = 1;
    char cursor[32] = "0";
    do {
        kvt_runf(c, "SSCAN big %s COUNT 20", cursor);
        const char *p = c->out;
        int clen;
        sscanf(p, "*2\r\n$%d\r\n", &clen);
        p = strstr(p + 4, "\r\n") + 2;
        snprintf(cursor, sizeof(cursor), "%.*s", clen, p);
        p = strstr(p, "\r\n") + 2;
        flat f;
        flat_read(p, &f);
        for (int i = 0; i < f.n; i++) {
            int v = atoi(f.items[i]);
            if (v >= 1 && v <= 1000) seen[v] = 1;
            else good = 0;
        }
        flat_free(&f);
        calls++;
    } while (strcmp(cursor, "0") != 0 && calls < 2000);
    int all = 1;
    for (int i = 1; i <= 1000; i++) all &= seen[i];
    ok(all && good && calls > 10, "SSCAN over a hashtable returns every member (%d calls)", calls);
    c->resp = 3;
    KVT_CHECK(c, "SSCAN s 0 MATCH 2", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\n2\r\n");
    c->resp = 2;
    kvt_stop(e);
}

/* ---- RESP3 ------------------------------------------------------------------------------------ */

static void test_resp3(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    c->resp = 3;
    KVT_CHECK(c, "SADD s 1 2", ":2\r\n");
    KVT_CHECK(c, "SMEMBERS s", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "SMEMBERS nokey", "~0\r\n");
    KVT_CHECK(c, "SINTER s s", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "SINTER s nokey", "~0\r\n");
    KVT_CHECK(c, "SUNION s", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "SDIFF s", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "SDIFF nokey", "~0\r\n");
    KVT_CHECK(c, "SMISMEMBER s 1 3", "*2\r\n:1\r\n:0\r\n");
    KVT_CHECK(c, "SINTERCARD 1 s", ":2\r\n");
    KVT_CHECK(c, "SISMEMBER s 1", ":1\r\n");
    kvt_stop(e);
}

/* ---- digest -------------------------------------------------------------------------------------- */

static void test_digest(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "SADD a 1 2 3", ":3\r\n");
    KVT_CHECK(c, "SADD b 3 2 1 x", ":4\r\n");
    KVT_CHECK(c, "SREM b x", ":1\r\n");
    check_enc(c, "a", "intset");
    check_enc(c, "b", "hashtable");
    kvt_run(c, "DEBUG DIGEST-VALUE a b");
    ok(strncmp(c->out + 4, c->out + 4 + 43, 43) == 0, "same members, same digest: intset and hashtable");
    KVT_CHECK(c, "SADD b 4", ":1\r\n");
    kvt_run(c, "DEBUG DIGEST-VALUE a b");
    ok(strncmp(c->out + 4, c->out + 4 + 43, 43) != 0, "another member, another digest");
    kvt_stop(e);
}

/* ---- the API of t_set.h --------------------------------------------------------------------------- */

static void test_api(void) {
    set_module_init();
    set_limits lim = {3};
    kv_obj *o = set_obj_new();
    ok(o->type == OBJ_SET && o->enc == OBJ_ENC_INTSET && set_obj_len(o) == 0, "set_obj_new: empty intset");
    is_int(set_obj_add(o, "5", 1, &lim), 1, "add 5");
    is_int(set_obj_add(o, "5", 1, &lim), 0, "add 5 again");
    is_int(set_obj_add(o, "-7", 2, &lim), 1, "add -7");
    ok(set_obj_has(o, "-7", 2) && !set_obj_has(o, "7", 1) && !set_obj_has(o, "x", 1), "membership");
    set_iter it;
    const unsigned char *p;
    size_t len;
    sds got = sds_empty();
    set_iter_init(&it, o);
    while (set_iter_next(&it, &p, &len)) got = sds_catprintf(sds_catlen(got, p, len), ",");
    set_iter_reset(&it);
    is_str(got, "-7,5,", "iterator: ascending integers as text");
    is_int(set_obj_add(o, "1", 1, &lim), 1, "third member");
    ok(o->enc == OBJ_ENC_INTSET, "3 members under a limit of 3: intset");
    set_obj_add(o, "2", 1, &lim);
    ok(o->enc == OBJ_ENC_HT, "the 4th converts");
    ok(set_obj_has(o, "-7", 2) && set_obj_len(o) == 4, "members survive the conversion");
    is_int(set_obj_remove(o, "-7", 2), 1, "remove");
    is_int(set_obj_remove(o, "-7", 2), 0, "remove again");
    set_obj_add(o, "\0z", 2, &lim);
    ok(set_obj_has(o, "\0z", 2), "binary member");
    int n = 0;
    set_iter_init(&it, o);
    while (set_iter_next(&it, &p, &len)) n++;
    set_iter_reset(&it);
    is_int(n, 4, "iterator over the hashtable");
    obj_decr_ref(o);
    sds_free(got);

    o = set_obj_new_for("12", 2);
    ok(o->enc == OBJ_ENC_INTSET, "set_obj_new_for an integer: intset");
    obj_decr_ref(o);
    o = set_obj_new_for("012", 3);
    ok(o->enc == OBJ_ENC_HT, "set_obj_new_for a non-canonical integer: hashtable");
    set_obj_add(o, "1", 1, NULL);
    ok(set_obj_has(o, "1", 1) && !set_obj_has(o, "01", 2) && set_obj_len(o) == 1, "hashtable of strings");
    obj_decr_ref(o);
    o = set_obj_new();
    set_obj_add(o, "x", 1, NULL);
    ok(o->enc == OBJ_ENC_HT, "a string member converts");
    obj_decr_ref(o);

    intset *is = is_new();
    for (int i = 0; i < 3; i++) is = is_add(is, i * 1000000000LL, NULL);
    o = set_obj_from_intset(is, &lim);
    ok(o->enc == OBJ_ENC_INTSET && o->ptr == is && set_obj_len(o) == 3, "adopts an intset as is");
    obj_decr_ref(o);
    is = is_new();
    for (int i = 0; i < 4; i++) is = is_add(is, i, NULL);
    o = set_obj_from_intset(is, &lim);
    ok(o->enc == OBJ_ENC_HT && set_obj_len(o) == 4 && set_obj_has(o, "3", 1), "converts an intset over the limit");
    obj_decr_ref(o);
    strata_config cfg;
    config_init(&cfg);
    set_limits dl = set_limits_of(&cfg);
    ok(dl.max_intset_entries == 512, "set_limits_of: Redis's default 512");
    config_free(&cfg);
}

/* ---- replaying the propagated stream ---------------------------------------------------------------- */

typedef struct oplog {
    int n, cap;
    int *argc;
    sds **argv;
} oplog;

static void record_op(void *priv, int dbid, int argc, sds *argv) {
    oplog *l = priv;
    (void)dbid;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->argc = realloc(l->argc, sizeof(int) * (size_t)l->cap);
        l->argv = realloc(l->argv, sizeof(sds *) * (size_t)l->cap);
    }
    l->argc[l->n] = argc;
    l->argv[l->n] = malloc(sizeof(sds) * (size_t)argc);
    for (int i = 0; i < argc; i++) l->argv[l->n][i] = sds_dup(argv[i]);
    l->n++;
}

static uint64_t rs = 88172645463325252ULL;
static unsigned rnd(unsigned n) {
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (unsigned)(rs % n);
}

static void member(char *buf, size_t size) {
    if (rnd(3) == 0) snprintf(buf, size, "m%u", rnd(300));
    else snprintf(buf, size, "%d", (int)rnd(700) - 50);
}

static void test_replay(void) {
    kvt_env *e = kvt_start();
    oplog log = {0};
    cmd_prop_subscribe(e->srv, record_op, &log);
    kv_client *c = e->c;
    char line[256], m1[32], m2[32];
    for (int i = 0; i < 8000; i++) {
        int k = (int)rnd(6), k2 = (int)rnd(6);
        member(m1, sizeof(m1));
        member(m2, sizeof(m2));
        switch (rnd(14)) {
        case 0: case 1: case 2: case 3: snprintf(line, sizeof(line), "SADD s%d %s %s", k, m1, m2); break;
        case 4: snprintf(line, sizeof(line), "SREM s%d %s %s", k, m1, m2); break;
        case 5: snprintf(line, sizeof(line), "SPOP s%d", k); break;
        case 6: snprintf(line, sizeof(line), "SPOP s%d %u", k, rnd(40)); break;
        case 7: snprintf(line, sizeof(line), "SMOVE s%d s%d %s", k, k2, m1); break;
        case 8: snprintf(line, sizeof(line), "SINTERSTORE s%d s%d s%d", k, k2, (int)rnd(6)); break;
        case 9: snprintf(line, sizeof(line), "SUNIONSTORE s%d s%d s%d", k, k2, (int)rnd(6)); break;
        case 10: snprintf(line, sizeof(line), "SDIFFSTORE s%d s%d s%d", k, k2, (int)rnd(6)); break;
        case 11: snprintf(line, sizeof(line), "SRANDMEMBER s%d -5", k); break;
        case 12: snprintf(line, sizeof(line), "SPOP s%d 1000", k); break;
        default:
            snprintf(line, sizeof(line), "SADD s%d %d %d %d %d", k, (int)rnd(2000), (int)rnd(2000), (int)rnd(2000),
                     (int)rnd(2000));
            break;
        }
        kvt_run(c, line);
    }
    char before[41], after[41];
    debug_dataset_digest(e->srv, before);
    long long keys = db_size(c->db);
    kvt_stop(e);
    kvt_env *r = kvt_start();
    for (int i = 0; i < log.n; i++) {
        kvt_runv(r->c, log.argc[i], (const char **)log.argv[i], NULL);
        for (int j = 0; j < log.argc[i]; j++) sds_free(log.argv[i][j]);
        free(log.argv[i]);
    }
    debug_dataset_digest(r->srv, after);
    is_str(after, before, "replaying the propagated stream gives the same dataset digest");
    ok(keys > 0, "the workload left sets (%lld)", keys);
    ok(log.n > 4000, "the workload propagated (%d ops)", log.n);
    kvt_stop(r);
    free(log.argc);
    free(log.argv);
}

int main(void) {
    kvt_prop_log = sds_empty();
    test_basic();
    test_errors();
    test_encodings();
    test_algebra();
    test_smove();
    test_spop();
    test_srandmember();
    test_sscan();
    test_resp3();
    test_digest();
    test_api();
    test_replay();
    sds_free(kvt_prop_log);
    return done_testing();
}
