/*
 * tests/unit/test_t_hash.c â the hash type (t_hash.c): every command, its
 * options and error texts, the listpack/hashtable encodings and their
 * conversion thresholds, propagation forms, RESP3 reply shapes, and the
 * construction/iteration API of t_hash.h.
 *
 * Expected replies are the exact RESP bytes redis-server 7.0.15 sends for
 * the same commands (recorded against it).  Random commands (HRANDFIELD)
 * are checked by shape: counts, membership, distinctness.  The last test
 * replays everything a random workload propagated into a fresh server and
 * compares the dataset digests.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/db.h"
#include "engine/debug.h"
#include "engine/listpack.h"
#include "engine/object.h"
#include "engine/t_hash.h"
#include "kvtest.h"
#include "tests/tap.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Redis 7.0's compiled-in limits, whatever strata's defaults say. */
static kvt_env *start(void) {
    kvt_env *e = kvt_start();
    e->cfg.hash_max_listpack_entries = 128;
    e->cfg.hash_max_listpack_value = 64;
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

/* A string of n copies of ch (static buffer, valid until the next call). */
static const char *rep(char ch, int n) {
    static char buf[512];
    memset(buf, ch, (size_t)n);
    buf[n] = '\0';
    return buf;
}

/* Minimal RESP reader for shape checks: flattens every bulk string of one
 * reply (nested aggregates included) into items; returns the top-level
 * element count (-1 for a non-aggregate reply). */
typedef struct flat {
    int top;
    int n;
    sds items[4096];
    int nested; /* aggregates found inside the top one */
} flat;

static const char *flat_parse(const char *p, flat *f, int depth) {
    char t = *p++;
    long long n = strtoll(p, NULL, 10);
    p = strstr(p, "\r\n") + 2;
    if (t == '$') {
        if (n >= 0) {
            if (f->n < 4096) f->items[f->n++] = sds_newlen(p, (size_t)n);
            p += n + 2;
        }
        return p;
    }
    if (t == '*' || t == '~' || t == '%') {
        if (depth == 0) f->top = (int)n;
        else f->nested++;
        if (t == '%') n *= 2;
        for (long long i = 0; i < n; i++) p = flat_parse(p, f, depth + 1);
        return p;
    }
    return p;
}

static void flat_read(const char *reply, flat *f) {
    f->top = -1;
    f->n = 0;
    f->nested = 0;
    flat_parse(reply, f, 0);
}

static void flat_free(flat *f) {
    for (int i = 0; i < f->n; i++) sds_free(f->items[i]);
    f->n = 0;
}

static int flat_distinct(const flat *f, int stride) {
    for (int i = 0; i < f->n; i += stride)
        for (int j = i + stride; j < f->n; j += stride)
            if (sds_cmp(f->items[i], f->items[j]) == 0) return 0;
    return 1;
}

/* ---- basic commands --------------------------------------------------------------- */

static void test_basic(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "HSET h a 1 b 2 c 3", ":3\r\n");
    KVT_PROP("HSET h a 1 b 2 c 3\n");
    KVT_CHECK(c, "HSET h a 10 d 4", ":1\r\n");
    KVT_CHECK(c, "HGETALL h", "*8\r\n$1\r\na\r\n$2\r\n10\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n");
    KVT_CHECK(c, "HMSET h e 5", "+OK\r\n");
    KVT_PROP("HSET h a 10 d 4\nHMSET h e 5\n");
    KVT_CHECK(c, "HSETNX h a x", ":0\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "HSETNX h f 6", ":1\r\n");
    KVT_PROP("HSETNX h f 6\n");
    KVT_CHECK(c, "HGET h a", "$2\r\n10\r\n");
    KVT_CHECK(c, "HGET h nope", "$-1\r\n");
    KVT_CHECK(c, "HGET nokey a", "$-1\r\n");
    KVT_CHECK(c, "HMGET h a nope b", "*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "HMGET nokey a b", "*2\r\n$-1\r\n$-1\r\n");
    KVT_CHECK(c, "HLEN h", ":6\r\n");
    KVT_CHECK(c, "HLEN nokey", ":0\r\n");
    KVT_CHECK(c, "HSTRLEN h a", ":2\r\n");
    KVT_CHECK(c, "HSTRLEN h nope", ":0\r\n");
    KVT_CHECK(c, "HSTRLEN nokey a", ":0\r\n");
    KVT_CHECK(c, "HEXISTS h a", ":1\r\n");
    KVT_CHECK(c, "HEXISTS h nope", ":0\r\n");
    KVT_CHECK(c, "HEXISTS nokey a", ":0\r\n");
    KVT_CHECK(c, "HKEYS h", "*6\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n");
    KVT_CHECK(c, "HVALS h", "*6\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n");
    KVT_CHECK(c, "HKEYS nokey", "*0\r\n");
    KVT_CHECK(c, "HVALS nokey", "*0\r\n");
    KVT_CHECK(c, "HGETALL nokey", "*0\r\n");
    KVT_CHECK(c, "HDEL h a nope b", ":2\r\n");
    KVT_PROP("HDEL h a nope b\n");
    KVT_CHECK(c, "HDEL h nope", ":0\r\n");
    KVT_CHECK(c, "HDEL nokey a", ":0\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "HGETALL h", "*8\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n6\r\n");
    /* binary fields and values, integers kept as text */
    KVT_CHECK(c, "HSET b \"\\x00k\" \"v\\r\\n\" 007 -0 12 -12", ":3\r\n");
    KVT_CHECK(c, "HGET b \"\\x00k\"", "$3\r\nv\r\n\r\n");
    KVT_CHECK(c, "HGET b 007", "$2\r\n-0\r\n");
    KVT_CHECK(c, "HGET b 12", "$3\r\n-12\r\n");
    KVT_CHECK(c, "HSTRLEN b 12", ":3\r\n");
    KVT_CHECK(c, "HEXISTS b 7", ":0\r\n");
    /* the last field deleted deletes the key */
    KVT_CHECK(c, "HSET x f v", ":1\r\n");
    KVT_CHECK(c, "HDEL x f", ":1\r\n");
    KVT_CHECK(c, "EXISTS x", ":0\r\n");
    KVT_CHECK(c, "HSET x f v g w", ":2\r\n");
    KVT_CHECK(c, "HDEL x f g f", ":2\r\n");
    KVT_CHECK(c, "EXISTS x", ":0\r\n");
    KVT_CHECK(c, "TYPE h", "+hash\r\n");
    kvt_stop(e);
}

static void test_errors(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "SET s x", "+OK\r\n");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "HSET h a", "-ERR wrong number of arguments for 'hset' command\r\n");
    KVT_CHECK(c, "HSET h a 1 b", "-ERR wrong number of arguments for 'hset' command\r\n");
    KVT_CHECK(c, "HMSET h a 1 b", "-ERR wrong number of arguments for 'hmset' command\r\n");
    KVT_CHECK(c, "HSETNX h a", "-ERR wrong number of arguments for 'hsetnx' command\r\n");
    KVT_CHECK(c, "HGET h", "-ERR wrong number of arguments for 'hget' command\r\n");
    KVT_CHECK(c, "HMGET h", "-ERR wrong number of arguments for 'hmget' command\r\n");
    KVT_CHECK(c, "HDEL h", "-ERR wrong number of arguments for 'hdel' command\r\n");
    KVT_CHECK(c, "HINCRBY h f", "-ERR wrong number of arguments for 'hincrby' command\r\n");
    KVT_CHECK(c, "HSCAN h", "-ERR wrong number of arguments for 'hscan' command\r\n");
    KVT_CHECK(c, "HRANDFIELD", "-ERR wrong number of arguments for 'hrandfield' command\r\n");
    KVT_CHECK(c, "EXISTS h", ":0\r\n");
    static const char *const wt[] = {"HSET s a 1",       "HMSET s a 1",      "HSETNX s a 1",  "HGET s a",
                                     "HMGET s a",        "HDEL s a",         "HLEN s",        "HSTRLEN s a",
                                     "HEXISTS s a",      "HKEYS s",          "HVALS s",       "HGETALL s",
                                     "HINCRBY s a 1",    "HINCRBYFLOAT s a 1", "HRANDFIELD s", "HRANDFIELD s 2",
                                     "HRANDFIELD s -2 WITHVALUES", "HSCAN s 0", NULL};
    for (int i = 0; wt[i]; i++) KVT_CHECK(c, wt[i], WRONGTYPE);
    /* argument checks that come before the type check */
    KVT_CHECK(c, "HINCRBY s a x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT s a x", "-ERR value is not a valid float\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT s a inf", "-ERR value is NaN or Infinity\r\n");
    KVT_CHECK(c, "HRANDFIELD s x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "HSCAN s x", "-ERR invalid cursor\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "GET s", "$1\r\nx\r\n");
    kvt_stop(e);
}

/* ---- HINCRBY HINCRBYFLOAT ----------------------------------------------------------- */

static void test_incr(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "HINCRBY h c 5", ":5\r\n");
    KVT_PROP("HINCRBY h c 5\n");
    KVT_CHECK(c, "HINCRBY h c -7", ":-2\r\n");
    KVT_CHECK(c, "HINCRBY h c x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "HINCRBY h c 1.5", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "HSET h i 9223372036854775807 n -9223372036854775808 s \"  1\" z 1.5 e \"\"", ":5\r\n");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "HINCRBY h i 1", "-ERR increment or decrement would overflow\r\n");
    KVT_CHECK(c, "HINCRBY h n -1", "-ERR increment or decrement would overflow\r\n");
    KVT_CHECK(c, "HINCRBY h i -1", ":9223372036854775806\r\n");
    KVT_CHECK(c, "HINCRBY h s 1", "-ERR hash value is not an integer\r\n");
    KVT_CHECK(c, "HINCRBY h z 1", "-ERR hash value is not an integer\r\n");
    KVT_CHECK(c, "HINCRBY h e 1", "-ERR hash value is not an integer\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT h z 0.1", "$3\r\n1.6\r\n");
    KVT_PROP("HINCRBY h i -1\nHSET h z 1.6\n");
    KVT_CHECK(c, "HINCRBYFLOAT h z -1.6", "$1\r\n0\r\n");
    KVT_PROP("HSET h z 0\n");
    KVT_CHECK(c, "HINCRBYFLOAT h nf 3.0e3", "$4\r\n3000\r\n");
    KVT_PROP("HSET h nf 3000\n");
    KVT_CHECK(c, "HINCRBYFLOAT h n 1", "$20\r\n-9223372036854775807\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT h s 1", "-ERR hash value is not a float\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT h e 1", "-ERR hash value is not a float\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT h q nan", "-ERR value is not a valid float\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT h q -inf", "-ERR value is NaN or Infinity\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT h q 0x10", "$2\r\n16\r\n"); /* strtold reads hex, as in Redis */
    KVT_CHECK(c, "HINCRBYFLOAT h q 1.7e4932", "-ERR value is not a valid float\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT h nf 1e", "-ERR value is not a valid float\r\n");
    sds_clear(kvt_prop_log);
    check_enc(c, "h", "listpack");
    kvt_run(c, "HINCRBYFLOAT h big 1e4932");
    ok(strncmp(c->out, "$4933\r\n10000000000000000000060", 30) == 0, "HINCRBYFLOAT 1e4932: a 4933-digit value");
    ok(strncmp(kvt_prop_log, "HSET h big 10000000000", 22) == 0, "... propagated as HSET with the digits");
    KVT_CHECK(c, "HSTRLEN h big", ":4933\r\n");
    check_enc(c, "h", "hashtable"); /* a result longer than 64 bytes converts */
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "HINCRBYFLOAT h big 1e4932", "-ERR increment would produce NaN or Infinity\r\n");
    KVT_PROP("");
    /* a new key is only created by a successful increment */
    KVT_CHECK(c, "HINCRBY nk f 9223372036854775807", ":9223372036854775807\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT nk2 f x", "-ERR value is not a valid float\r\n");
    KVT_CHECK(c, "EXISTS nk2", ":0\r\n");
    /* the field name decides too: a long field converts */
    kvt_runf(c, "HINCRBY lf %s 1", rep('f', 65));
    check_enc(c, "lf", "hashtable");
    kvt_runf(c, "HINCRBYFLOAT lf2 %s 1", rep('f', 64));
    check_enc(c, "lf2", "listpack");
    kvt_stop(e);
}

/* ---- encodings ---------------------------------------------------------------------- */

static void fill(kv_client *c, const char *key, int n) {
    for (int i = 0; i < n; i++) kvt_runf(c, "HSET %s f%d v%d", key, i, i);
}

static void test_encodings(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    fill(c, "h127", 127);
    fill(c, "h128", 128);
    fill(c, "h129", 129);
    check_enc(c, "h127", "listpack");
    check_enc(c, "h128", "listpack");
    check_enc(c, "h129", "hashtable");
    ok(kvt_find(c, "h128")->enc == OBJ_ENC_LISTPACK && kvt_find(c, "h129")->enc == OBJ_ENC_HT, "encodings in the keyspace");
    KVT_CHECK(c, "HLEN h129", ":129\r\n");
    KVT_CHECK(c, "HGET h129 f0", "$2\r\nv0\r\n");
    KVT_CHECK(c, "HGET h129 f128", "$4\r\nv128\r\n");
    /* one-way: deleting back to a few fields keeps the hashtable */
    for (int i = 0; i < 128; i++) kvt_runf(c, "HDEL h129 f%d", i);
    KVT_CHECK(c, "HLEN h129", ":1\r\n");
    check_enc(c, "h129", "hashtable");
    KVT_CHECK(c, "HGETALL h129", "*2\r\n$4\r\nf128\r\n$4\r\nv128\r\n");
    /* adding the 129th field to a 128-field listpack */
    KVT_CHECK(c, "HSET h128 f0 again", ":0\r\n");
    check_enc(c, "h128", "listpack");
    KVT_CHECK(c, "HSETNX h128 new x", ":1\r\n");
    check_enc(c, "h128", "hashtable");
    /* value and field lengths: 64 stays, 65 converts */
    kvt_runf(c, "HSET v64 f %s", rep('x', 64));
    check_enc(c, "v64", "listpack");
    kvt_runf(c, "HSET v65 f %s", rep('x', 65));
    check_enc(c, "v65", "hashtable");
    kvt_runf(c, "HSET f64 %s v", rep('k', 64));
    check_enc(c, "f64", "listpack");
    kvt_runf(c, "HSET f65 %s v", rep('k', 65));
    check_enc(c, "f65", "hashtable");
    kvt_runf(c, "HSETNX n65 f %s", rep('x', 65));
    check_enc(c, "n65", "hashtable");
    kvt_runf(c, "HMSET m65 a 1 b %s c 3", rep('x', 65));
    check_enc(c, "m65", "hashtable");
    KVT_CHECK(c, "HGET m65 c", "$1\r\n3\r\n");
    /* an existing listpack converts when a long value replaces a short one */
    KVT_CHECK(c, "HSET up f short", ":1\r\n");
    kvt_runf(c, "HSET up f %s", rep('y', 65));
    check_enc(c, "up", "hashtable");
    kvt_runf(c, "HSTRLEN up f");
    is_str(c->out, ":65\r\n", "the long value is stored");
    /* the limits come from the configuration, old names included */
    KVT_CHECK(c, "CONFIG SET hash-max-ziplist-entries 2", "+OK\r\n");
    KVT_CHECK(c, "HSET c2 a 1 b 2", ":2\r\n");
    check_enc(c, "c2", "listpack");
    KVT_CHECK(c, "HSET c2 c 3", ":1\r\n");
    check_enc(c, "c2", "hashtable");
    KVT_CHECK(c, "CONFIG SET hash-max-listpack-entries 0", "+OK\r\n");
    KVT_CHECK(c, "HSET c0 a 1", ":1\r\n");
    check_enc(c, "c0", "hashtable");
    KVT_CHECK(c, "CONFIG SET hash-max-listpack-entries 128", "+OK\r\n");
    KVT_CHECK(c, "CONFIG SET hash-max-ziplist-value 3", "+OK\r\n");
    KVT_CHECK(c, "HSET c3 abc xyz", ":1\r\n");
    check_enc(c, "c3", "listpack");
    KVT_CHECK(c, "HSET c3 abcd x", ":1\r\n");
    check_enc(c, "c3", "hashtable");
    KVT_CHECK(c, "CONFIG SET hash-max-listpack-value 64", "+OK\r\n");
    /* COPY keeps the encoding and the contents */
    KVT_CHECK(c, "COPY h128 h128c", ":1\r\n");
    check_enc(c, "h128c", "hashtable");
    KVT_CHECK(c, "COPY v64 v64c", ":1\r\n");
    check_enc(c, "v64c", "listpack");
    kvt_run(c, "DEBUG DIGEST-VALUE h128 h128c v64 v64c");
    ok(strlen(c->out) > 100 && memcmp(c->out + 4, c->out + 4 + 43, 43) == 0 &&
           memcmp(c->out + 4 + 86, c->out + 4 + 129, 43) == 0,
       "copies digest like their originals");
    kvt_stop(e);
}

/* The digest of a hash does not depend on its encoding or field order. */
static void test_digest(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "HSET a x 1 y 2 z 3", ":3\r\n");
    KVT_CHECK(c, "HSET b z 3 y 2 x 1", ":3\r\n");
    kvt_runf(c, "HSET d %s 0 x 1 y 2 z 3", rep('L', 70));
    kvt_runf(c, "HDEL d %s", rep('L', 70));
    check_enc(c, "a", "listpack");
    check_enc(c, "d", "hashtable");
    kvt_run(c, "DEBUG DIGEST-VALUE a b d");
    const char *r = c->out; /* *3 then three "+<40 hex>\r\n" */
    ok(strncmp(r + 4, r + 4 + 43, 43) == 0 && strncmp(r + 4, r + 4 + 86, 43) == 0,
       "same pairs, same digest: listpack, other order, hashtable");
    KVT_CHECK(c, "HSET b z 4", ":0\r\n");
    kvt_run(c, "DEBUG DIGEST-VALUE a b");
    ok(strncmp(c->out + 4, c->out + 4 + 43, 43) != 0, "a changed value changes the digest");
    KVT_CHECK(c, "HSET b z 3 w \"\"", ":1\r\n");
    kvt_run(c, "DEBUG DIGEST-VALUE a b");
    ok(strncmp(c->out + 4, c->out + 4 + 43, 43) != 0, "an extra empty field changes the digest");
    kvt_stop(e);
}

/* ---- HRANDFIELD ---------------------------------------------------------------------- */

static int is_field(const sds s, int n) {
    int i;
    return sscanf(s, "f%d", &i) == 1 && i >= 0 && i < n;
}

/* every item at even positions a field f<i>, odd positions its value v<i> */
static int pairs_ok(const flat *f, int n, int withvalues) {
    int stride = withvalues ? 2 : 1;
    for (int i = 0; i < f->n; i += stride) {
        if (!is_field(f->items[i], n)) return 0;
        if (withvalues && !(f->items[i + 1][0] == 'v' && strcmp(f->items[i] + 1, f->items[i + 1] + 1) == 0)) return 0;
    }
    return 1;
}

static void rand_shapes(kv_client *c, const char *key, int n, const char *enc) {
    flat f;
    static const long counts[] = {1, 2, 3, 5, 10, 50, 199, 200, 201, 1000, -1, -3, -50, -1000};
    for (int w = 0; w < 2; w++) {
        for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
            long cnt = counts[k];
            kvt_runf(c, "HRANDFIELD %s %ld%s", key, cnt, w ? " WITHVALUES" : "");
            flat_read(c->out, &f);
            long want = cnt < 0 ? -cnt : (cnt > n ? n : cnt);
            int ok_shape = f.top == (w && c->resp == 2 ? 2 * want : want) && f.n == (w ? 2 : 1) * want &&
                           pairs_ok(&f, n, w) && (cnt < 0 || flat_distinct(&f, w ? 2 : 1)) &&
                           f.nested == (w && c->resp == 3 ? want : 0);
            ok(ok_shape, "%s (%s, RESP%d): HRANDFIELD %ld%s shape", key, enc, c->resp, cnt, w ? " WITHVALUES" : "");
            flat_free(&f);
        }
    }
}

static void test_hrandfield(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    fill(c, "small", 10);
    fill(c, "big", 200);
    check_enc(c, "small", "listpack");
    check_enc(c, "big", "hashtable");
    sds_clear(kvt_prop_log);
    for (int resp = 2; resp <= 3; resp++) {
        c->resp = resp;
        rand_shapes(c, "small", 10, "listpack");
        rand_shapes(c, "big", 200, "hashtable");
    }
    c->resp = 2;
    /* no count: one field */
    flat f;
    int good = 1;
    for (int i = 0; i < 50; i++) {
        kvt_run(c, i % 2 ? "HRANDFIELD big" : "HRANDFIELD small");
        flat_read(c->out, &f);
        good &= f.top == -1 && f.n == 1 && is_field(f.items[0], i % 2 ? 200 : 10);
        flat_free(&f);
    }
    ok(good, "HRANDFIELD key: a bulk field");
    /* every field shows up eventually (randomness reaches the whole hash) */
    int seen[10] = {0}, all = 1;
    for (int i = 0; i < 300; i++) {
        kvt_run(c, "HRANDFIELD small -1");
        flat_read(c->out, &f);
        int x;
        if (f.n == 1 && sscanf(f.items[0], "f%d", &x) == 1 && x >= 0 && x < 10) seen[x] = 1;
        flat_free(&f);
    }
    for (int i = 0; i < 10; i++) all &= seen[i];
    ok(all, "negative counts reach every field");
    KVT_CHECK(c, "HRANDFIELD small 0", "*0\r\n");
    KVT_CHECK(c, "HRANDFIELD small 0 WITHVALUES", "*0\r\n");
    KVT_CHECK(c, "HRANDFIELD nokey", "$-1\r\n");
    KVT_CHECK(c, "HRANDFIELD nokey 5", "*0\r\n");
    KVT_CHECK(c, "HRANDFIELD nokey -5 WITHVALUES", "*0\r\n");
    KVT_CHECK(c, "HRANDFIELD small 1 WITHVALUESX", "-ERR syntax error\r\n");
    KVT_CHECK(c, "HRANDFIELD small 1 WITHVALUES x", "-ERR syntax error\r\n");
    KVT_CHECK(c, "HRANDFIELD small x WITHVALUES", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "HRANDFIELD nokey -9223372036854775808",
          "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n");
    KVT_CHECK(c, "HRANDFIELD nokey 4611686018427387904 WITHVALUES", "-ERR value is out of range\r\n");
    KVT_CHECK(c, "HRANDFIELD nokey -4611686018427387904 WITHVALUES", "-ERR value is out of range\r\n");
    KVT_CHECK(c, "HRANDFIELD nokey 4611686018427387903 WITHVALUES", "*0\r\n");
    KVT_CHECK(c, "HRANDFIELD nokey 9223372036854775807", "*0\r\n");
    KVT_CHECK(c, "HSET one f v", ":1\r\n");
    KVT_CHECK(c, "HRANDFIELD one", "$1\r\nf\r\n");
    KVT_CHECK(c, "HRANDFIELD one -2 WITHVALUES", "*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nf\r\n$1\r\nv\r\n");
    KVT_CHECK(c, "HRANDFIELD one 9223372036854775807", "*1\r\n$1\r\nf\r\n");
    c->resp = 3;
    KVT_CHECK(c, "HRANDFIELD one 2 WITHVALUES", "*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    KVT_CHECK(c, "HRANDFIELD nokey", "_\r\n");
    c->resp = 2;
    sds_clear(kvt_prop_log);
    kvt_run(c, "HRANDFIELD big 5");
    KVT_PROP("");
    kvt_stop(e);
}

/* ---- HSCAN ----------------------------------------------------------------------------- */

static void test_hscan(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    KVT_CHECK(c, "HSET h a 1 b 2 c 3", ":3\r\n");
    KVT_CHECK(c, "HSCAN h 0", "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    /* a listpack answers everything at once, whatever the cursor */
    KVT_CHECK(c, "HSCAN h 123 COUNT 1", "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    KVT_CHECK(c, "HSCAN h 0 MATCH b", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "HSCAN h 0 MATCH [ac] COUNT 5 MATCH *", "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    KVT_CHECK(c, "HSCAN h 0 MATCH 1", "*2\r\n$1\r\n0\r\n*0\r\n"); /* values are never matched */
    KVT_CHECK(c, "HSCAN nokey 0", "*2\r\n$1\r\n0\r\n*0\r\n");
    KVT_CHECK(c, "HSCAN nokey 0 COUNT 0", "*2\r\n$1\r\n0\r\n*0\r\n");
    KVT_CHECK(c, "HSCAN h 0 COUNT 0", "-ERR syntax error\r\n");
    KVT_CHECK(c, "HSCAN h 0 COUNT -1", "-ERR syntax error\r\n");
    KVT_CHECK(c, "HSCAN h 0 COUNT x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "HSCAN h 0 MATCH", "-ERR syntax error\r\n");
    KVT_CHECK(c, "HSCAN h 0 TYPE hash", "-ERR syntax error\r\n");
    KVT_CHECK(c, "HSCAN h 0 FOO bar", "-ERR syntax error\r\n");
    KVT_CHECK(c, "HSCAN h x", "-ERR invalid cursor\r\n");
    KVT_CHECK(c, "HSCAN h \" 1\"", "-ERR invalid cursor\r\n");
    KVT_CHECK(c, "HSCAN h 18446744073709551616", "-ERR invalid cursor\r\n");
    KVT_CHECK(c, "HSCAN h 007", "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    KVT_CHECK(c, "HSCAN h -1", "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    /* a hashtable: a full cursor walk returns every pair, none torn apart */
    fill(c, "big", 300);
    check_enc(c, "big", "hashtable");
    int seen[300] = {0}, calls = 0, pairs_good = 1;
    char cursor[32] = "0";
    do {
        kvt_runf(c, "HSCAN big %s COUNT 7", cursor);
        flat f;
        flat_read(c->out, &f);
        snprintf(cursor, sizeof(cursor), "%s", f.items[0]);
        for (int i = 1; i + 1 < f.n; i += 2) {
            int x, y;
            if (sscanf(f.items[i], "f%d", &x) == 1 && sscanf(f.items[i + 1], "v%d", &y) == 1 && x == y && x >= 0 &&
                x < 300)
                seen[x] = 1;
            else pairs_good = 0;
        }
        flat_free(&f);
        calls++;
    } while (strcmp(cursor, "0") != 0 && calls < 1000);
    int all = 1;
    for (int i = 0; i < 300; i++) all &= seen[i];
    ok(all && pairs_good, "HSCAN over a hashtable returns every field with its value (%d calls)", calls);
    ok(calls > 5, "... in several steps");
    kvt_run(c, "HSCAN big 0 MATCH f1? COUNT 1000");
    flat f;
    flat_read(c->out, &f);
    is_int(f.n, 1 + 2 * 10, "MATCH f1? over a hashtable: f10..f19 with values");
    ok(strcmp(f.items[0], "0") == 0, "COUNT 1000 covers the whole table");
    flat_free(&f);
    c->resp = 3;
    KVT_CHECK(c, "HSCAN h 0 MATCH a", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    c->resp = 2;
    kvt_stop(e);
}

/* ---- RESP3 ----------------------------------------------------------------------------- */

static void test_resp3(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    c->resp = 3;
    KVT_CHECK(c, "HSET h a 1 b 2", ":2\r\n");
    KVT_CHECK(c, "HGETALL h", "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "HGETALL nokey", "%0\r\n");
    KVT_CHECK(c, "HKEYS h", "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    KVT_CHECK(c, "HVALS nokey", "*0\r\n");
    KVT_CHECK(c, "HGET h nope", "_\r\n");
    KVT_CHECK(c, "HMGET h a nope", "*2\r\n$1\r\n1\r\n_\r\n");
    KVT_CHECK(c, "HRANDFIELD h 5 WITHVALUES", "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "HRANDFIELD h 5", "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    KVT_CHECK(c, "HEXISTS h a", ":1\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT h a 1.5", "$3\r\n2.5\r\n");
    kvt_stop(e);
}

/* ---- propagation, dirty, WATCH ----------------------------------------------------------- */

static void test_propagation(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    long long d0 = e->srv->dirty;
    KVT_CHECK(c, "HSET h a 1 a 1 b 2", ":2\r\n");
    is_int(e->srv->dirty - d0, 3, "HSET counts every pair given");
    KVT_PROP("HSET h a 1 a 1 b 2\n");
    d0 = e->srv->dirty;
    KVT_CHECK(c, "HSET h a 1", ":0\r\n");
    KVT_PROP("HSET h a 1\n"); /* Redis propagates unchanged HSETs too */
    KVT_CHECK(c, "HDEL h zz", ":0\r\n");
    KVT_CHECK(c, "HSETNX h a 2", ":0\r\n");
    KVT_CHECK(c, "HGET h a", "$1\r\n1\r\n");
    KVT_CHECK(c, "HGETALL h", "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    KVT_CHECK(c, "HSCAN h 0", "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    is_int(e->srv->dirty - d0, 1, "no-op writes and reads do not count");
    KVT_PROP("");
    KVT_CHECK(c, "HINCRBYFLOAT h f 10.5", "$4\r\n10.5\r\n");
    KVT_PROP("HSET h f 10.5\n");
    KVT_CHECK(c, "HINCRBYFLOAT h f 1e-3", "$6\r\n10.501\r\n");
    KVT_PROP("HSET h f 10.501\n");
    KVT_CHECK(c, "HINCRBY h i 3", ":3\r\n");
    KVT_PROP("HINCRBY h i 3\n");
    KVT_CHECK(c, "HDEL h a b f i", ":4\r\n");
    KVT_PROP("HDEL h a b f i\n");
    KVT_CHECK(c, "EXISTS h", ":0\r\n");
    /* inside MULTI the propagated forms are wrapped */
    KVT_CHECK(c, "MULTI", "+OK\r\n");
    KVT_CHECK(c, "HINCRBYFLOAT m f 2", "+QUEUED\r\n");
    KVT_CHECK(c, "HSET m g 1", "+QUEUED\r\n");
    KVT_CHECK(c, "EXEC", "*2\r\n$1\r\n2\r\n:1\r\n");
    KVT_PROP("MULTI\nHSET m f 2\nHSET m g 1\nEXEC\n");
    /* WATCH sees hash writes */
    kv_client *c2 = kvt_client(e);
    KVT_CHECK(c, "WATCH m", "+OK\r\n");
    KVT_CHECK(c2, "HDEL m nope", ":0\r\n");
    KVT_CHECK(c, "MULTI", "+OK\r\n");
    KVT_CHECK(c, "HGET m g", "+QUEUED\r\n");
    KVT_CHECK(c, "EXEC", "*1\r\n$1\r\n1\r\n"); /* a no-op HDEL touches nothing */
    KVT_CHECK(c, "WATCH m", "+OK\r\n");
    KVT_CHECK(c2, "HINCRBY m g 1", ":2\r\n");
    KVT_CHECK(c, "MULTI", "+OK\r\n");
    KVT_CHECK(c, "HGET m g", "+QUEUED\r\n");
    KVT_CHECK(c, "EXEC", "*-1\r\n");
    kvt_stop(e);
}

/* ---- the API of t_hash.h ----------------------------------------------------------------- */

static void test_api(void) {
    hash_module_init();
    hash_limits lim = {4, 8};
    kv_obj *o = hash_obj_new();
    ok(o->type == OBJ_HASH && o->enc == OBJ_ENC_LISTPACK && hash_obj_len(o) == 0, "hash_obj_new: empty listpack");
    is_int(hash_obj_set(o, "a", 1, "1", 1, &lim), 1, "set a new field");
    is_int(hash_obj_set(o, "a", 1, "22", 2, &lim), 0, "replace its value");
    is_int(hash_obj_set(o, "\0b", 2, "", 0, &lim), 1, "binary field, empty value");
    is_int((long long)hash_obj_len(o), 2, "two pairs");
    hash_iter it;
    const unsigned char *f, *v;
    size_t flen, vlen;
    int n = 0, good = 1;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) {
        if (n == 0) good &= flen == 1 && f[0] == 'a' && vlen == 2 && memcmp(v, "22", 2) == 0;
        if (n == 1) good &= flen == 2 && memcmp(f, "\0b", 2) == 0 && vlen == 0;
        n++;
    }
    hash_iter_reset(&it);
    ok(good && n == 2, "iterator: listpack order, integers as text");
    unsigned char ibuf[LP_INTBUF_SIZE];
    ok(hash_obj_get(o, "a", 1, &v, &vlen, ibuf) && vlen == 2 && memcmp(v, "22", 2) == 0, "hash_obj_get (listpack)");
    ok(!hash_obj_get(o, "b", 1, &v, &vlen, ibuf), "hash_obj_get of a missing field");
    hash_obj_set(o, "c", 1, "123456789", 9, &lim);
    ok(hash_obj_get(o, "\0b", 2, &v, &vlen, ibuf) && vlen == 0, "hash_obj_get (hashtable)");
    ok(o->enc == OBJ_ENC_HT, "a 9-byte value over a limit of 8 converts");
    n = 0;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) n++;
    hash_iter_reset(&it);
    is_int(n, 3, "iterator over the hashtable");
    obj_decr_ref(o);

    o = hash_obj_new();
    for (int i = 0; i < 5; i++) {
        char k[8];
        int len = snprintf(k, sizeof(k), "k%d", i);
        hash_obj_set(o, k, (size_t)len, "v", 1, &lim);
        if (i == 3) ok(o->enc == OBJ_ENC_LISTPACK, "4 pairs under a limit of 4: listpack");
    }
    ok(o->enc == OBJ_ENC_HT, "the 5th pair converts");
    obj_decr_ref(o);

    o = hash_obj_new();
    hash_obj_set(o, "x", 1, "1", 1, NULL);
    for (int i = 0; i < 128; i++) {
        char k[8];
        int len = snprintf(k, sizeof(k), "k%d", i);
        hash_obj_set(o, k, (size_t)len, "v", 1, NULL);
    }
    ok(o->enc == OBJ_ENC_HT, "NULL limits are Redis's defaults (129 pairs convert)");
    obj_decr_ref(o);

    /* adopting a listpack */
    unsigned char *lp = lp_new();
    lp = lp_append(lp, "f", 1);
    lp = lp_append(lp, "1", 1);
    lp = lp_append(lp, "g", 1);
    lp = lp_append(lp, "2", 1);
    o = hash_obj_from_listpack(lp, &lim);
    ok(o && o->enc == OBJ_ENC_LISTPACK && o->ptr == lp && hash_obj_len(o) == 2, "adopts a valid listpack as is");
    obj_decr_ref(o);
    lp = lp_new();
    lp = lp_append(lp, "f", 1);
    lp = lp_append(lp, "1", 1);
    lp = lp_append(lp, "f", 1);
    lp = lp_append(lp, "2", 1);
    ok(hash_obj_from_listpack(lp, &lim) == NULL, "refuses duplicate fields (lp not taken)");
    lp = lp_append(lp, "odd", 3);
    ok(hash_obj_from_listpack(lp, &lim) == NULL, "refuses an odd element count");
    lp_free(lp);
    lp = lp_new();
    lp = lp_append(lp, "f", 1);
    lp = lp_append(lp, "a long value", 12);
    o = hash_obj_from_listpack(lp, &lim);
    ok(o && o->enc == OBJ_ENC_HT && hash_obj_len(o) == 1, "converts when a value exceeds the limit");
    obj_decr_ref(o);
    lp = lp_new();
    for (int i = 0; i < 5; i++) {
        lp = lp_append_int(lp, i);
        lp = lp_append(lp, "v", 1);
    }
    o = hash_obj_from_listpack(lp, &lim);
    ok(o && o->enc == OBJ_ENC_HT && hash_obj_len(o) == 5, "converts when there are too many pairs");
    sds k3 = sds_new("3");
    ok(dict_find(o->ptr, k3) != NULL, "integer fields become their text");
    sds_free(k3);
    obj_decr_ref(o);
    strata_config cfg;
    config_init(&cfg);
    hash_limits dl = hash_limits_of(&cfg);
    ok(dl.max_entries == (size_t)cfg.hash_max_listpack_entries && dl.max_value == (size_t)cfg.hash_max_listpack_value,
       "hash_limits_of: the configured values");
    if (cfg.hash_max_listpack_entries != 128)
        diag("note: default hash-max-listpack-entries is %lld; Redis 7.0's compiled default is 128",
             cfg.hash_max_listpack_entries);
    config_free(&cfg);
}

/* ---- replaying the propagated stream --------------------------------------------------------- */

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

static void test_replay(void) {
    kvt_env *e = kvt_start();
    oplog log = {0};
    cmd_prop_subscribe(e->srv, record_op, &log);
    kv_client *c = e->c;
    char line[1024];
    for (int i = 0; i < 6000; i++) {
        int k = (int)rnd(6), f = (int)rnd(150);
        switch (rnd(10)) {
        case 0: case 1: case 2:
            snprintf(line, sizeof(line), "HSET h%d f%d v%u", k, f, rnd(1000));
            break;
        case 3: snprintf(line, sizeof(line), "HINCRBYFLOAT h%d n%d %u.%u", k, f % 10, rnd(100), rnd(100)); break;
        case 4: snprintf(line, sizeof(line), "HINCRBY h%d i%d %d", k, f % 10, (int)rnd(200) - 100); break;
        case 5: snprintf(line, sizeof(line), "HDEL h%d f%d f%d", k, f, (int)rnd(150)); break;
        case 6: snprintf(line, sizeof(line), "HSETNX h%d f%d x", k, f); break;
        case 7:
            snprintf(line, sizeof(line), "HMSET h%d l%d %s", k, f % 5, rnd(4) == 0 ? rep('z', 70) : "short");
            break;
        case 8: snprintf(line, sizeof(line), "HRANDFIELD h%d -3", k); break;
        default: snprintf(line, sizeof(line), "HDEL h%d l0 l1 l2 l3 l4", k); break;
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
    ok(keys > 0 && strcmp(before, "0000000000000000000000000000000000000000") != 0, "the workload left hashes");
    ok(log.n > 3000, "the workload propagated (%d ops)", log.n);
    kvt_stop(r);
    free(log.argc);
    free(log.argv);
}

int main(void) {
    kvt_prop_log = sds_empty();
    test_basic();
    test_errors();
    test_incr();
    test_encodings();
    test_digest();
    test_hrandfield();
    test_hscan();
    test_resp3();
    test_propagation();
    test_api();
    test_replay();
    sds_free(kvt_prop_log);
    return done_testing();
}
