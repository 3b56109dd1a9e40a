/*
 * tests/unit/test_t_string.c — the string and bitmap commands (t_string.c)
 * through the real dispatch with fake clients, no sockets.
 *
 * Expected replies are the exact RESP bytes redis-server 7.0.15 sends for
 * the same commands (recorded by hand against it).  The propagation
 * recorder turns each propagated op into one line "arg arg ...", so the
 * canonical forms (SET .. PXAT, PEXPIREAT, SET .. KEEPTTL, DEL, PERSIST)
 * are checked as text.  Encodings are read both through OBJECT ENCODING
 * and straight from the keyspace.
 */
#include <limits.h>
#include <stdint.h>

#include "engine/db.h"
#include "engine/object.h"
#include "engine/util.h"
#include "kvtest.h"
#include "tests/tap.h"

/* ---- helpers -------------------------------------------------------------- */

/* A key of another type (no list module needed: an empty list object). */
static void make_list(kv_client *c, const char *key) {
    sds k = sds_new(key);
    db_set(c->srv, c->db, k, obj_new(OBJ_LIST, OBJ_ENC_QUICKLIST, NULL), 0);
    sds_free(k);
}

static long long ttl_ms(kv_client *c, const char *key) {
    sds k = sds_new(key);
    long long when = db_get_expire(c->db, k);
    sds_free(k);
    return when;
}

static void check_enc(kv_client *c, const char *key, int enc, const char *name) {
    kv_obj *o = kvt_find(c, key);
    ok(o && o->enc == enc, "%s is %s in the keyspace", key, name);
    char want[64];
    const char *w = want;
    snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(name), name);
    kvt_runf(c, "OBJECT ENCODING %s", key);
    is_str(c->out, w, "OBJECT ENCODING %s = %s", key, name);
}

/* The number at the end of the one propagated line "... <ms>\n". */
static long long prop_last_number(void) {
    const char *sp = strrchr(kvt_prop_log, ' ');
    return sp ? strtoll(sp + 1, NULL, 10) : -1;
}

/* ---- GET SET and options -------------------------------------------------- */

static void test_get_set(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "GET nokey", "$-1\r\n");
    KVT_CHECK(c, "SET k v", "+OK\r\n");
    KVT_PROP("SET k v\n");
    KVT_CHECK(c, "GET k", "$1\r\nv\r\n");
    KVT_CHECK(c, "SET k v2 GET", "$1\r\nv\r\n");
    KVT_PROP("SET k v2\n");
    KVT_CHECK(c, "SET k v3 get GET", "$2\r\nv2\r\n");
    KVT_PROP("SET k v3\n");
    KVT_CHECK(c, "SET nk v GET", "$-1\r\n");
    KVT_PROP("SET nk v\n");
    KVT_CHECK(c, "SET k x NX", "$-1\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "SET k x NX GET", "$2\r\nv3\r\n");
    KVT_CHECK(c, "GET k", "$2\r\nv3\r\n");
    KVT_CHECK(c, "SET missing x XX", "$-1\r\n");
    KVT_CHECK(c, "SET missing x XX GET", "$-1\r\n");
    KVT_CHECK(c, "EXISTS missing", ":0\r\n");
    KVT_CHECK(c, "SET k x XX", "+OK\r\n");
    KVT_PROP("SET k x XX\n");
    KVT_CHECK(c, "SET k v NX NX", "$-1\r\n");
    KVT_CHECK(c, "SET k v NX XX", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SET k v XX NX", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SET k v foo", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SET k v EX", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SET k v PERSIST", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SET k v EX 10 PX 10", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SET k v EXAT 10 PXAT 10", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SET k v KEEPTTL EX 1", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SET k v EX 1 KEEPTTL", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SET k v EX 0", "-ERR invalid expire time in 'set' command\r\n");
    KVT_CHECK(c, "SET k v EX -1", "-ERR invalid expire time in 'set' command\r\n");
    KVT_CHECK(c, "SET k v PX 0", "-ERR invalid expire time in 'set' command\r\n");
    KVT_CHECK(c, "SET k v EXAT 0", "-ERR invalid expire time in 'set' command\r\n");
    KVT_CHECK(c, "SET k v EX abc", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "SET k v EX 9223372036854775", "-ERR invalid expire time in 'set' command\r\n");
    KVT_CHECK(c, "SET k v EX 9223372036854776", "-ERR invalid expire time in 'set' command\r\n");
    KVT_CHECK(c, "SET k v PX 9223372036854775807", "-ERR invalid expire time in 'set' command\r\n");
    KVT_CHECK(c, "SET k v EX 9223372036854775808", "-ERR value is not an integer or out of range\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "SET k v PXAT 9223372036854775807", "+OK\r\n");
    KVT_PROP("SET k v PXAT 9223372036854775807\n");
    KVT_CHECK(c, "SET k v EXAT 9223372036854775", "+OK\r\n");
    KVT_PROP("SET k v PXAT 9223372036854775000\n");
    is_int(ttl_ms(c, "k"), 9223372036854775000LL, "EXAT stored in ms");
    KVT_CHECK(c, "SET k v EX 10 EX 20", "+OK\r\n");
    KVT_CHECK(c, "SET k v ex 1 GET nx", "$1\r\nv\r\n"); /* case-insensitive, any order */
    sds_clear(kvt_prop_log);

    /* Relative expiries propagate as absolute PXAT. */
    long long before = (long long)util_mstime();
    KVT_CHECK(c, "SET t v EX 100", "+OK\r\n");
    long long after = (long long)util_mstime();
    long long when = prop_last_number();
    ok(strncmp(kvt_prop_log, "SET t v PXAT ", 13) == 0, "SET EX propagates as SET PXAT");
    ok(when >= before + 100000 && when <= after + 100000, "PXAT is now + 100 s (%lld)", when);
    is_int(ttl_ms(c, "t"), when, "stored deadline = propagated deadline");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "SET t v PX 1500 GET", "$1\r\nv\r\n");
    ok(strncmp(kvt_prop_log, "SET t v PXAT ", 13) == 0, "SET PX GET propagates as SET PXAT (no GET)");
    sds_clear(kvt_prop_log);

    /* KEEPTTL keeps, a plain SET clears. */
    KVT_CHECK(c, "SET t w KEEPTTL", "+OK\r\n");
    KVT_PROP("SET t w KEEPTTL\n");
    ok(ttl_ms(c, "t") > 0, "KEEPTTL kept the TTL");
    KVT_CHECK(c, "SET t w KEEPTTL GET", "$1\r\nw\r\n");
    KVT_PROP("SET t w KEEPTTL\n");
    KVT_CHECK(c, "SET t w", "+OK\r\n");
    is_int(ttl_ms(c, "t"), -1, "SET cleared the TTL");

    sds_clear(kvt_prop_log);
    /* A deadline in the past: set (as Redis 7.0), then expired on access. */
    KVT_CHECK(c, "SET p v PXAT 1", "+OK\r\n");
    KVT_PROP("SET p v PXAT 1\n");
    KVT_CHECK(c, "GET p", "$-1\r\n");
    KVT_PROP("DEL p\n");

    /* Wrong type. */
    make_list(c, "l");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "GET l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "SET l v GET", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "SET l v EX 0 GET", "-ERR invalid expire time in 'set' command\r\n");
    KVT_CHECK(c, "TYPE l", "+list\r\n");
    KVT_CHECK(c, "SET l v", "+OK\r\n");
    KVT_CHECK(c, "TYPE l", "+string\r\n");
    KVT_PROP("SET l v\n");

    /* Dirty counting. */
    long long d = e->srv->dirty;
    kvt_run(c, "SET a 1");
    kvt_run(c, "GET a");
    kvt_run(c, "SET a 1 NX");
    is_int(e->srv->dirty - d, 1, "SET counts 1, GET and a refused NX count 0");

    /* RESP3 nulls. */
    c->resp = 3;
    KVT_CHECK(c, "GET nokey", "_\r\n");
    KVT_CHECK(c, "SET a 1 NX", "_\r\n");
    c->resp = 2;
    kvt_stop(e);
}

static void test_setnx_setex(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "SETNX k v", ":1\r\n");
    KVT_PROP("SETNX k v\n");
    KVT_CHECK(c, "SETNX k w", ":0\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "GET k", "$1\r\nv\r\n");
    KVT_CHECK(c, "SETEX k 0 v", "-ERR invalid expire time in 'setex' command\r\n");
    KVT_CHECK(c, "SETEX k -3 v", "-ERR invalid expire time in 'setex' command\r\n");
    KVT_CHECK(c, "SETEX k abc v", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "PSETEX k -5 v", "-ERR invalid expire time in 'psetex' command\r\n");
    KVT_CHECK(c, "SETEX k", "-ERR wrong number of arguments for 'setex' command\r\n");
    KVT_PROP("");
    long long before = (long long)util_mstime();
    KVT_CHECK(c, "SETEX k 100 sv", "+OK\r\n");
    long long when = prop_last_number();
    ok(strncmp(kvt_prop_log, "SET k sv PXAT ", 14) == 0, "SETEX propagates as SET PXAT");
    ok(when >= before + 100000 && when <= (long long)util_mstime() + 100000, "SETEX deadline");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "PSETEX k 2500 pv", "+OK\r\n");
    when = prop_last_number();
    ok(strncmp(kvt_prop_log, "SET k pv PXAT ", 14) == 0, "PSETEX propagates as SET PXAT");
    ok(when >= before + 2500 && when <= (long long)util_mstime() + 2500, "PSETEX deadline");
    is_int(ttl_ms(c, "k"), when, "PSETEX deadline stored");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "GET k", "$2\r\npv\r\n");
    kvt_stop(e);
}

static void test_getset_getdel_getex(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "GETSET k v", "$-1\r\n");
    KVT_PROP("SET k v\n");
    KVT_CHECK(c, "SET k old EX 100", "+OK\r\n");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "getset k new", "$3\r\nold\r\n");
    KVT_PROP("SET k new\n");
    is_int(ttl_ms(c, "k"), -1, "GETSET clears the TTL");
    check_enc(c, "k", OBJ_ENC_EMBSTR, "embstr");
    KVT_CHECK(c, "GETSET k 123", "$3\r\nnew\r\n");
    check_enc(c, "k", OBJ_ENC_INT, "int");

    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "GETDEL k", "$3\r\n123\r\n");
    KVT_PROP("DEL k\n");
    KVT_CHECK(c, "GETDEL k", "$-1\r\n");
    KVT_PROP("");
    make_list(c, "l");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "GETDEL l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "GETSET l v", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "GETEX l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "GETEX l EX -1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_PROP("");

    /* GETEX: syntax first, then lookup, then the expire value. */
    KVT_CHECK(c, "GETEX missing EX -1", "$-1\r\n");
    KVT_CHECK(c, "GETEX missing KEEPTTL", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SET g v", "+OK\r\n");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "GETEX g", "$1\r\nv\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "GETEX g KEEPTTL", "-ERR syntax error\r\n");
    KVT_CHECK(c, "GETEX g NX", "-ERR syntax error\r\n");
    KVT_CHECK(c, "GETEX g GET", "-ERR syntax error\r\n");
    KVT_CHECK(c, "GETEX g EX 1 PX 1", "-ERR syntax error\r\n");
    KVT_CHECK(c, "GETEX g EX 1 PERSIST", "-ERR syntax error\r\n");
    KVT_CHECK(c, "GETEX g PERSIST EX 1", "-ERR syntax error\r\n");
    KVT_CHECK(c, "GETEX g EX", "-ERR syntax error\r\n");
    KVT_CHECK(c, "GETEX g EX -1", "-ERR invalid expire time in 'getex' command\r\n");
    KVT_CHECK(c, "GETEX g PX 0", "-ERR invalid expire time in 'getex' command\r\n");
    KVT_CHECK(c, "GETEX g EX x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "GETEX g PERSIST", "$1\r\nv\r\n");
    KVT_PROP(""); /* no TTL to remove: nothing changed */
    long long before = (long long)util_mstime();
    KVT_CHECK(c, "GETEX g EX 100", "$1\r\nv\r\n");
    long long when = prop_last_number();
    ok(strncmp(kvt_prop_log, "PEXPIREAT g ", 12) == 0, "GETEX EX propagates as PEXPIREAT");
    ok(when >= before + 100000 && when <= (long long)util_mstime() + 100000, "GETEX deadline");
    is_int(ttl_ms(c, "g"), when, "GETEX deadline stored");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "GETEX g PXAT 99999999999999", "$1\r\nv\r\n");
    KVT_PROP("PEXPIREAT g 99999999999999\n");
    KVT_CHECK(c, "GETEX g EXAT 99999999999", "$1\r\nv\r\n");
    KVT_PROP("PEXPIREAT g 99999999999000\n");
    is_int(ttl_ms(c, "g"), 99999999999000LL, "GETEX EXAT stored in ms");
    KVT_CHECK(c, "GETEX g persist", "$1\r\nv\r\n");
    KVT_PROP("PERSIST g\n");
    is_int(ttl_ms(c, "g"), -1, "GETEX PERSIST removed the TTL");
    KVT_CHECK(c, "GETEX g EX 1 EX 2", "$1\r\nv\r\n"); /* a repeated option is fine */
    sds_clear(kvt_prop_log);
    long long d = e->srv->dirty;
    KVT_CHECK(c, "GETEX g EXAT 1", "$1\r\nv\r\n");
    KVT_PROP("DEL g\n");
    is_int(e->srv->dirty - d, 1, "GETEX EXAT in the past: one change");
    KVT_CHECK(c, "EXISTS g", ":0\r\n");
    KVT_CHECK(c, "SET g v", "+OK\r\n");
    KVT_CHECK(c, "GETEX g PXAT 1", "$1\r\nv\r\n");
    KVT_CHECK(c, "EXISTS g", ":0\r\n");
    kvt_stop(e);
}

static void test_mget_mset(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "MSET a", "-ERR wrong number of arguments for 'mset' command\r\n");
    KVT_CHECK(c, "MSET a b c", "-ERR wrong number of arguments for 'mset' command\r\n");
    KVT_CHECK(c, "MSETNX a", "-ERR wrong number of arguments for 'msetnx' command\r\n");
    KVT_CHECK(c, "MSETNX a b c", "-ERR wrong number of arguments for 'msetnx' command\r\n");
    long long d = e->srv->dirty;
    KVT_CHECK(c, "MSET a 1 b 2 c 3", "+OK\r\n");
    is_int(e->srv->dirty - d, 3, "MSET counts one per pair");
    KVT_PROP("MSET a 1 b 2 c 3\n");
    check_enc(c, "a", OBJ_ENC_INT, "int");
    make_list(c, "l");
    KVT_CHECK(c, "MGET a nokey l c", "*4\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$1\r\n3\r\n");
    KVT_CHECK(c, "MSETNX a 9 z 9", ":0\r\n");
    KVT_CHECK(c, "GET z", "$-1\r\n");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "MSETNX x 1 y 2", ":1\r\n");
    KVT_PROP("MSETNX x 1 y 2\n");
    KVT_CHECK(c, "MSETNX q 1 q 2", ":1\r\n");
    KVT_CHECK(c, "GET q", "$1\r\n2\r\n");
    KVT_CHECK(c, "SET t v EX 100", "+OK\r\n");
    KVT_CHECK(c, "MSET t w", "+OK\r\n");
    is_int(ttl_ms(c, "t"), -1, "MSET clears the TTL");
    c->resp = 3;
    KVT_CHECK(c, "MGET a nokey", "*2\r\n$1\r\n1\r\n_\r\n");
    c->resp = 2;
    kvt_stop(e);
}

/* ---- encodings ------------------------------------------------------------- */

static void test_encodings(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    kvt_run(c, "SET n 12345");
    check_enc(c, "n", OBJ_ENC_INT, "int");
    kvt_run(c, "SET i20 -1234567890123456789");
    check_enc(c, "i20", OBJ_ENC_INT, "int");
    kvt_run(c, "SET imax 9223372036854775807");
    check_enc(c, "imax", OBJ_ENC_INT, "int");
    kvt_run(c, "SET imin -9223372036854775808");
    check_enc(c, "imin", OBJ_ENC_INT, "int");
    kvt_run(c, "SET big 12345678901234567890");
    check_enc(c, "big", OBJ_ENC_EMBSTR, "embstr");
    kvt_run(c, "SET lead 007");
    check_enc(c, "lead", OBJ_ENC_EMBSTR, "embstr");
    kvt_run(c, "SET sp \" 1\"");
    check_enc(c, "sp", OBJ_ENC_EMBSTR, "embstr");
    kvt_run(c, "SET e44 12345678901234567890123456789012345678901234");
    check_enc(c, "e44", OBJ_ENC_EMBSTR, "embstr");
    kvt_run(c, "SET r45 123456789012345678901234567890123456789012345");
    check_enc(c, "r45", OBJ_ENC_RAW, "raw");
    kvt_run(c, "SETRANGE e44 0 x");
    check_enc(c, "e44", OBJ_ENC_RAW, "raw");
    kvt_run(c, "APPEND n 6");
    check_enc(c, "n", OBJ_ENC_RAW, "raw");
    KVT_CHECK(c, "GET n", "$6\r\n123456\r\n");
    KVT_CHECK(c, "INCR n", ":123457\r\n");
    check_enc(c, "n", OBJ_ENC_INT, "int");
    kvt_run(c, "APPEND newn 42");
    check_enc(c, "newn", OBJ_ENC_INT, "int");
    kvt_run(c, "SET n2 5");
    KVT_CHECK(c, "SETBIT n2 0 0", ":0\r\n");
    check_enc(c, "n2", OBJ_ENC_RAW, "raw");
    KVT_CHECK(c, "GET n2", "$1\r\n5\r\n");
    kvt_run(c, "INCRBYFLOAT f 1");
    check_enc(c, "f", OBJ_ENC_EMBSTR, "embstr");
    kvt_run(c, "SET s 7");
    ok(kvt_find(c, "s") == obj_new_ll(7), "small integers are shared objects");
    kvt_run(c, "SET big 100000");
    ok(kvt_find(c, "big")->refcount == 1, "larger integers are not shared");
    kvt_stop(e);
}

/* ---- APPEND STRLEN GETRANGE SETRANGE ---------------------------------------- */

static void test_append_strlen_ranges(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "APPEND k hello", ":5\r\n");
    KVT_CHECK(c, "APPEND k \" world\"", ":11\r\n");
    KVT_PROP("APPEND k hello\nAPPEND k  world\n");
    KVT_CHECK(c, "GET k", "$11\r\nhello world\r\n");
    KVT_CHECK(c, "STRLEN k", ":11\r\n");
    KVT_CHECK(c, "STRLEN nokey", ":0\r\n");
    KVT_CHECK(c, "SET n -12345", "+OK\r\n");
    KVT_CHECK(c, "STRLEN n", ":6\r\n");
    KVT_CHECK(c, "APPEND k \"\"", ":11\r\n");
    KVT_PROP("SET n -12345\nAPPEND k \n"); /* an empty APPEND still counts as a write */
    KVT_CHECK(c, "SET t v EX 100", "+OK\r\n");
    KVT_CHECK(c, "APPEND t w", ":2\r\n");
    ok(ttl_ms(c, "t") > 0, "APPEND keeps the TTL");

    KVT_CHECK(c, "SET s hello", "+OK\r\n");
    KVT_CHECK(c, "GETRANGE nokey 0 -1", "$0\r\n\r\n");
    KVT_CHECK(c, "GETRANGE s 0 -1", "$5\r\nhello\r\n");
    KVT_CHECK(c, "GETRANGE s -1 -5", "$0\r\n\r\n");
    KVT_CHECK(c, "GETRANGE s -100 -200", "$0\r\n\r\n");
    KVT_CHECK(c, "GETRANGE s 5 3", "$0\r\n\r\n");
    KVT_CHECK(c, "GETRANGE s 0 -100", "$1\r\nh\r\n");
    KVT_CHECK(c, "GETRANGE s -100 -100", "$1\r\nh\r\n");
    KVT_CHECK(c, "GETRANGE s -100 -5", "$1\r\nh\r\n");
    KVT_CHECK(c, "GETRANGE s 2 100", "$3\r\nllo\r\n");
    KVT_CHECK(c, "GETRANGE s -3 -2", "$2\r\nll\r\n");
    KVT_CHECK(c, "GETRANGE s 9223372036854775807 -9223372036854775808", "$0\r\n\r\n");
    KVT_CHECK(c, "GETRANGE s -9223372036854775808 9223372036854775807", "$5\r\nhello\r\n");
    KVT_CHECK(c, "GETRANGE s a 1", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "GETRANGE nokey 0 b", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "SUBSTR s 1 2", "$2\r\nel\r\n");
    KVT_CHECK(c, "GETRANGE n -2 -1", "$2\r\n45\r\n");
    KVT_CHECK(c, "SET e \"\"", "+OK\r\n");
    KVT_CHECK(c, "GETRANGE e 0 -1", "$0\r\n\r\n");
    KVT_CHECK(c, "GETRANGE e 0 0", "$0\r\n\r\n");

    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "SETRANGE s -1 x", "-ERR offset is out of range\r\n");
    KVT_CHECK(c, "SETRANGE s x x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "SETRANGE s 0 \"\"", ":5\r\n");
    KVT_CHECK(c, "SETRANGE nokey 0 \"\"", ":0\r\n");
    KVT_CHECK(c, "SETRANGE nokey 3 \"\"", ":0\r\n");
    KVT_CHECK(c, "EXISTS nokey", ":0\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "SETRANGE s 1 ipp", ":5\r\n");
    KVT_CHECK(c, "GET s", "$5\r\nhippo\r\n");
    KVT_CHECK(c, "SETRANGE s 7 !", ":8\r\n");
    KVT_CHECK(c, "GET s", "$8\r\nhippo\0\0!\r\n");
    KVT_CHECK(c, "SETRANGE new 2 ab", ":4\r\n");
    KVT_CHECK(c, "GET new", "$4\r\n\0\0ab\r\n");
    check_enc(c, "new", OBJ_ENC_RAW, "raw");
    KVT_PROP("SETRANGE s 1 ipp\nSETRANGE s 7 !\nSETRANGE new 2 ab\n");
    KVT_CHECK(c, "SET i 123", "+OK\r\n");
    KVT_CHECK(c, "SETRANGE i 1 x", ":3\r\n");
    KVT_CHECK(c, "GET i", "$3\r\n1x3\r\n");
    KVT_CHECK(c, "SETRANGE t 0 X", ":2\r\n");
    ok(ttl_ms(c, "t") > 0, "SETRANGE keeps the TTL");

    make_list(c, "l");
    KVT_CHECK(c, "APPEND l x", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "STRLEN l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "GETRANGE l 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "SETRANGE l 0 x", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "SETRANGE l 0 \"\"", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    kvt_stop(e);
}

/* proto-max-bulk-len, lowered so the limits are cheap to reach; a loading
 * server (AOF replay) is not limited. */
static void run_loading(kvt_env *e, const char *line) {
    int argc;
    sds *v = sds_splitargs(line, &argc);
    sds_clear(e->c->out);
    client_set_argv(e->c, argc, v);
    e->srv->loading = 1;
    cmd_call(e->c, cmd_lookup(e->srv, argc, v));
    e->srv->loading = 0;
    client_reset_argv(e->c);
}

static void test_size_limits(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    e->cfg.proto_max_bulk_len = 100;
    KVT_CHECK(c, "SETRANGE k 100 x", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    KVT_CHECK(c, "SETRANGE k 9223372036854775807 x",
          "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    KVT_CHECK(c, "SETRANGE k 99 x", ":100\r\n");
    KVT_CHECK(c, "SETRANGE k 99 xy", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    KVT_CHECK(c, "APPEND k x", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    KVT_CHECK(c, "STRLEN k", ":100\r\n");
    KVT_CHECK(c, "SETBIT b 800 1", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "SETBIT b 799 1", ":0\r\n");
    KVT_CHECK(c, "GETBIT b 800", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITFIELD b GET u8 800", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITFIELD b GET u8 #100", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITFIELD b GET u8 #99", "*1\r\n:1\r\n");
    run_loading(e, "APPEND k x");
    is_str(c->out, ":101\r\n", "APPEND past the limit while loading");
    run_loading(e, "SETRANGE k 200 x");
    is_str(c->out, ":201\r\n", "SETRANGE past the limit while loading");
    run_loading(e, "SETBIT b 2000 1");
    is_str(c->out, ":0\r\n", "SETBIT past the limit while loading");
    KVT_CHECK(c, "STRLEN b", ":251\r\n");
    kvt_stop(e);
}

/* ---- counters ----------------------------------------------------------------- */

static void test_incr_decr(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "INCR n", ":1\r\n");
    KVT_CHECK(c, "INCR n", ":2\r\n");
    KVT_CHECK(c, "DECR n", ":1\r\n");
    KVT_CHECK(c, "INCRBY n 100", ":101\r\n");
    KVT_CHECK(c, "DECRBY n 1000", ":-899\r\n");
    KVT_PROP("INCR n\nINCR n\nDECR n\nINCRBY n 100\nDECRBY n 1000\n");
    KVT_CHECK(c, "INCRBY n x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "INCRBY n 1.5", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "DECRBY n -9223372036854775808", "-ERR decrement would overflow\r\n");
    KVT_CHECK(c, "SET big 9223372036854775807", "+OK\r\n");
    KVT_CHECK(c, "INCR big", "-ERR increment or decrement would overflow\r\n");
    KVT_CHECK(c, "INCRBY n 9223372036854775807", ":9223372036854774908\r\n");
    KVT_CHECK(c, "SET small -9223372036854775808", "+OK\r\n");
    KVT_CHECK(c, "DECR small", "-ERR increment or decrement would overflow\r\n");
    KVT_CHECK(c, "INCRBY small -1", "-ERR increment or decrement would overflow\r\n");
    KVT_CHECK(c, "INCRBY small 9223372036854775807", ":-1\r\n");
    KVT_CHECK(c, "SET s \" 1\"", "+OK\r\n");
    KVT_CHECK(c, "INCR s", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "SET s 1.5", "+OK\r\n");
    KVT_CHECK(c, "INCR s", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "SET s 007", "+OK\r\n");
    KVT_CHECK(c, "INCR s", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "SET s 12345678901234567890123456789012345678901234567890", "+OK\r\n");
    KVT_CHECK(c, "INCR s", "-ERR value is not an integer or out of range\r\n");
    make_list(c, "l");
    KVT_CHECK(c, "INCR l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "SET raw 41", "+OK\r\n");
    KVT_CHECK(c, "APPEND raw 0", ":3\r\n");
    KVT_CHECK(c, "INCR raw", ":411\r\n");
    KVT_CHECK(c, "SET t 10 EX 100", "+OK\r\n");
    KVT_CHECK(c, "INCR t", ":11\r\n");
    ok(ttl_ms(c, "t") > 0, "INCR keeps the TTL");
    KVT_CHECK(c, "SET z 9999", "+OK\r\n");
    KVT_CHECK(c, "INCR z", ":10000\r\n");
    KVT_CHECK(c, "INCR z", ":10001\r\n");
    KVT_CHECK(c, "DECRBY z 10001", ":0\r\n");
    ok(kvt_find(c, "z") == obj_new_ll(0), "INCR back into the shared range uses the shared object");
    KVT_CHECK(c, "GET z", "$1\r\n0\r\n");
    long long d = e->srv->dirty;
    kvt_run(c, "INCR z");
    kvt_run(c, "INCR l");
    is_int(e->srv->dirty - d, 1, "INCR counts one, a refused one none");
    kvt_stop(e);
}

static void test_incrbyfloat(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "INCRBYFLOAT f 1.5", "$3\r\n1.5\r\n");
    KVT_PROP("SET f 1.5 KEEPTTL\n");
    KVT_CHECK(c, "INCRBYFLOAT f 1e3", "$6\r\n1001.5\r\n");
    KVT_PROP("SET f 1001.5 KEEPTTL\n");
    KVT_CHECK(c, "INCRBYFLOAT f -1001.5", "$1\r\n0\r\n");
    KVT_PROP("SET f 0 KEEPTTL\n");
    KVT_CHECK(c, "INCRBYFLOAT f abc", "-ERR value is not a valid float\r\n");
    KVT_CHECK(c, "INCRBYFLOAT f \" 1\"", "-ERR value is not a valid float\r\n");
    KVT_CHECK(c, "INCRBYFLOAT f nan", "-ERR value is not a valid float\r\n");
    KVT_CHECK(c, "INCRBYFLOAT f \"\"", "-ERR value is not a valid float\r\n");
    KVT_CHECK(c, "INCRBYFLOAT f inf", "-ERR increment would produce NaN or Infinity\r\n");
    KVT_CHECK(c, "INCRBYFLOAT f -inf", "-ERR increment would produce NaN or Infinity\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "INCRBYFLOAT g 3.0e3", "$4\r\n3000\r\n");
    KVT_CHECK(c, "INCRBYFLOAT g 1.23456789012345678901", "$22\r\n3001.23456789012345669\r\n");
    KVT_CHECK(c, "SET h 10.50", "+OK\r\n");
    KVT_CHECK(c, "INCRBYFLOAT h 0", "$4\r\n10.5\r\n");
    KVT_CHECK(c, "SET h 5", "+OK\r\n");
    KVT_CHECK(c, "INCRBYFLOAT h 0.1", "$3\r\n5.1\r\n");
    KVT_CHECK(c, "INCRBYFLOAT h -5.1", "$1\r\n0\r\n");
    KVT_CHECK(c, "SET s \"1 \"", "+OK\r\n");
    KVT_CHECK(c, "INCRBYFLOAT s 1", "-ERR value is not a valid float\r\n");
    make_list(c, "l");
    KVT_CHECK(c, "INCRBYFLOAT l 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "SET t 1 EX 100", "+OK\r\n");
    KVT_CHECK(c, "INCRBYFLOAT t 1", "$1\r\n2\r\n");
    ok(ttl_ms(c, "t") > 0, "INCRBYFLOAT keeps the TTL");
    KVT_CHECK(c, "INCR t", ":3\r\n"); /* the float result "2" is still an integer */
    KVT_CHECK(c, "INCRBYFLOAT big 1e400", "$401\r\n1000000000000000000028188068394758651458645343362905203862591069353968553400862986"
                                      "2039363994848324160522094053927317616200295822777259255734023828976593340661017797447"
                                      "4345461739178624481166749717237789438243915933380474706750262466844013592375136038303"
                                      "4373548550524495596497902182503828009106841494740245689865304095101751265809261582758"
                                      "8920183472511643316591362664138176309734806343732497430221946880\r\n");
    check_enc(c, "big", OBJ_ENC_RAW, "raw");
    kvt_stop(e);
}

/* ---- bits ----------------------------------------------------------------------- */

static void test_setbit_getbit(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "SETBIT b -1 1", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "SETBIT b 4294967296 1", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "SETBIT b x 1", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "SETBIT b #1 1", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "SETBIT b 4294967295 2", "-ERR bit is not an integer or out of range\r\n");
    KVT_CHECK(c, "SETBIT b 0 -1", "-ERR bit is not an integer or out of range\r\n");
    KVT_CHECK(c, "SETBIT b 0 x", "-ERR bit is not an integer or out of range\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "SETBIT b 7 1", ":0\r\n");
    KVT_CHECK(c, "GET b", "$1\r\n\x01\r\n");
    KVT_CHECK(c, "SETBIT b 7 1", ":1\r\n");
    KVT_PROP("SETBIT b 7 1\n"); /* the second one changed nothing */
    KVT_CHECK(c, "SETBIT b 0 0", ":0\r\n");
    KVT_PROP("");
    KVT_CHECK(c, "SETBIT b 9 0", ":0\r\n");
    KVT_PROP("SETBIT b 9 0\n"); /* it lengthened the string */
    KVT_CHECK(c, "GET b", "$2\r\n\x01\x00\r\n");
    KVT_CHECK(c, "SETBIT z 0 0", ":0\r\n");
    KVT_PROP("SETBIT z 0 0\n"); /* it created the key */
    KVT_CHECK(c, "GETBIT b 7", ":1\r\n");
    KVT_CHECK(c, "GETBIT b 6", ":0\r\n");
    KVT_CHECK(c, "GETBIT b 100", ":0\r\n");
    KVT_CHECK(c, "GETBIT nokey 1", ":0\r\n");
    KVT_CHECK(c, "GETBIT b -1", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "GETBIT b 4294967296", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "GETBIT nokey x", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "SET n 5", "+OK\r\n"); /* '5' = 0x35 = 00110101 */
    KVT_CHECK(c, "GETBIT n 2", ":1\r\n");
    KVT_CHECK(c, "GETBIT n 4", ":0\r\n");
    KVT_CHECK(c, "GETBIT n 7", ":1\r\n");
    KVT_CHECK(c, "GETBIT n 8", ":0\r\n");
    KVT_CHECK(c, "SET t v EX 100", "+OK\r\n");
    KVT_CHECK(c, "SETBIT t 0 1", ":0\r\n");
    ok(ttl_ms(c, "t") > 0, "SETBIT keeps the TTL");
    make_list(c, "l");
    KVT_CHECK(c, "GETBIT l 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "SETBIT l 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    kvt_stop(e);
}

static void test_bitcount(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "BITCOUNT nokey", ":0\r\n");
    KVT_CHECK(c, "BITCOUNT nokey a b", ":0\r\n"); /* no key: arguments are not even parsed */
    KVT_CHECK(c, "BITCOUNT nokey 1", ":0\r\n");
    KVT_CHECK(c, "SET s foobar", "+OK\r\n");
    KVT_CHECK(c, "BITCOUNT s", ":26\r\n");
    KVT_CHECK(c, "BITCOUNT s 1", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITCOUNT s a b", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITCOUNT s 1 x foo", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITCOUNT s 0 0", ":4\r\n");
    KVT_CHECK(c, "BITCOUNT s 1 1", ":6\r\n");
    KVT_CHECK(c, "BITCOUNT s 1 1 bit", ":1\r\n");
    KVT_CHECK(c, "BITCOUNT s 5 30 BIT", ":17\r\n");
    KVT_CHECK(c, "BITCOUNT s 5 30 byte", ":4\r\n");
    KVT_CHECK(c, "BITCOUNT s 5 30 foo", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITCOUNT s -1 -5", ":0\r\n");
    KVT_CHECK(c, "BITCOUNT s -1 -5 foo", ":0\r\n"); /* Redis answers before the unit */
    KVT_CHECK(c, "BITCOUNT s -100 -200", ":0\r\n");
    KVT_CHECK(c, "BITCOUNT s -100 -100", ":4\r\n");
    KVT_CHECK(c, "BITCOUNT s 0 -1 bit", ":26\r\n");
    KVT_CHECK(c, "BITCOUNT s 0 -1 bit extra", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITCOUNT s -2 -1", ":7\r\n");
    KVT_CHECK(c, "BITCOUNT s 9 100 BIT", ":22\r\n");
    KVT_CHECK(c, "BITCOUNT s 3 3 BIT", ":0\r\n");
    KVT_CHECK(c, "BITCOUNT s 1 2 BIT", ":2\r\n");
    KVT_CHECK(c, "BITCOUNT s 47 47 BIT", ":0\r\n");
    KVT_CHECK(c, "BITCOUNT s 46 47 BIT", ":1\r\n");
    KVT_CHECK(c, "SET e \"\"", "+OK\r\n");
    KVT_CHECK(c, "BITCOUNT e", ":0\r\n");
    KVT_CHECK(c, "BITCOUNT e 0 -1", ":0\r\n");
    KVT_CHECK(c, "SET n 12345", "+OK\r\n");
    KVT_CHECK(c, "BITCOUNT n", ":17\r\n");
    KVT_CHECK(c, "SET w \"\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x01\"", "+OK\r\n");
    KVT_CHECK(c, "BITCOUNT w", ":129\r\n");
    KVT_CHECK(c, "BITCOUNT w 3 16", ":105\r\n");
    make_list(c, "l");
    KVT_CHECK(c, "BITCOUNT l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "BITCOUNT l x y", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    kvt_stop(e);
}

static void test_bitpos(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "BITPOS nokey 1", ":-1\r\n");
    KVT_CHECK(c, "BITPOS nokey 0", ":0\r\n");
    KVT_CHECK(c, "BITPOS nokey 2", "-ERR The bit argument must be 1 or 0.\r\n");
    KVT_CHECK(c, "BITPOS nokey x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITPOS nokey 1 a", ":-1\r\n");
    KVT_CHECK(c, "BITPOS nokey 1 0 1 foo", ":-1\r\n");
    KVT_CHECK(c, "SET s foobar", "+OK\r\n");
    KVT_CHECK(c, "BITPOS s 1 a", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITPOS s 1 0 x foo", "-ERR syntax error\r\n"); /* the unit is checked before end */
    KVT_CHECK(c, "BITPOS s 1 x 0 foo", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITPOS s 1 0 1 BIT x", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITPOS s 1", ":1\r\n");
    KVT_CHECK(c, "BITPOS s 0", ":0\r\n");
    KVT_CHECK(c, "SET e \"\"", "+OK\r\n");
    KVT_CHECK(c, "BITPOS e 0", ":-1\r\n");
    KVT_CHECK(c, "BITPOS e 1", ":-1\r\n");
    KVT_CHECK(c, "SET ff \"\\xff\\xff\\xff\"", "+OK\r\n");
    KVT_CHECK(c, "BITPOS ff 0", ":24\r\n");
    KVT_CHECK(c, "BITPOS ff 0 1", ":24\r\n");
    KVT_CHECK(c, "BITPOS ff 0 1 2", ":-1\r\n");
    KVT_CHECK(c, "BITPOS ff 0 0 -1 bit", ":-1\r\n");
    KVT_CHECK(c, "BITPOS ff 0 3 bit", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITPOS ff 1 3 10 bit", ":3\r\n");
    KVT_CHECK(c, "BITPOS ff 1 -100 -200", ":0\r\n"); /* no reversed-range shortcut here */
    KVT_CHECK(c, "BITPOS ff 0 -100 -200", ":-1\r\n");
    KVT_CHECK(c, "BITPOS ff 1 -1 -5", ":-1\r\n");
    KVT_CHECK(c, "BITPOS ff 1 1 2 foo", "-ERR syntax error\r\n");
    KVT_CHECK(c, "SET z \"\\x00\\x00\\xff\"", "+OK\r\n");
    KVT_CHECK(c, "BITPOS z 1", ":16\r\n");
    KVT_CHECK(c, "BITPOS z 1 0 1", ":-1\r\n");
    KVT_CHECK(c, "BITPOS z 1 3 20 bit", ":16\r\n");
    KVT_CHECK(c, "BITPOS z 0 16 23 bit", ":-1\r\n");
    KVT_CHECK(c, "BITPOS z 0 15 23 bit", ":15\r\n");
    KVT_CHECK(c, "BITPOS z 1 2 -1 byte", ":16\r\n");
    KVT_CHECK(c, "BITPOS z 0 2", ":24\r\n");
    KVT_CHECK(c, "BITPOS z 0 -1 -1", ":-1\r\n");
    KVT_CHECK(c, "SET n 5", "+OK\r\n");
    KVT_CHECK(c, "BITPOS n 1", ":2\r\n");
    /* 40 bytes of 0xff then 0xfe: the word and byte skipping paths. */
    sds big = sds_empty();
    for (int i = 0; i < 40; i++) big = sds_cat(big, "\\xff");
    big = sds_cat(big, "\\xfe");
    kvt_runf(c, "SET w \"%s\"", big);
    KVT_CHECK(c, "BITPOS w 0", ":327\r\n");
    KVT_CHECK(c, "BITPOS w 0 1", ":327\r\n");
    KVT_CHECK(c, "BITPOS w 0 5 39", ":-1\r\n");
    KVT_CHECK(c, "BITPOS w 0 9 327 BIT", ":327\r\n");
    KVT_CHECK(c, "BITPOS w 0 9 326 BIT", ":-1\r\n");
    KVT_CHECK(c, "BITPOS w 1 9 326 BIT", ":9\r\n");
    sds_free(big);
    make_list(c, "l");
    KVT_CHECK(c, "BITPOS l 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "BITPOS l 2", "-ERR The bit argument must be 1 or 0.\r\n");
    kvt_stop(e);
}

/* Sources longer than a word (the 8-byte fast path) and of unequal
 * lengths, checked against a byte-by-byte reference. */
static void test_bitop_long(kv_client *c) {
    unsigned char x[29], y[19], want[29];
    sds ex = sds_empty(), ey = sds_empty();
    for (int i = 0; i < 29; i++) x[i] = (unsigned char)(i * 37 + 11);
    for (int i = 0; i < 19; i++) y[i] = (unsigned char)(i * 91 + 5);
    for (int i = 0; i < 29; i++) ex = sds_catprintf(ex, "\\x%02x", x[i]);
    for (int i = 0; i < 19; i++) ey = sds_catprintf(ey, "\\x%02x", y[i]);
    kvt_runf(c, "SET x \"%s\"", ex);
    kvt_runf(c, "SET y \"%s\"", ey);
    static const char *ops[] = {"AND", "OR", "XOR", "NOT"};
    for (int op = 0; op < 4; op++) {
        for (int i = 0; i < 29; i++) {
            unsigned char b = i < 19 ? y[i] : 0;
            want[i] = op == 0 ? x[i] & b : op == 1 ? x[i] | b : op == 2 ? x[i] ^ b : (unsigned char)~x[i];
        }
        kvt_runf(c, op == 3 ? "BITOP %s dl x" : "BITOP %s dl x y", ops[op]);
        is_str(c->out, ":29\r\n", "BITOP %s of 29 and 19 bytes", ops[op]);
        kvt_run(c, "GET dl");
        ok(sds_len(c->out) == 36 && memcmp(c->out + 5, want, 29) == 0, "BITOP %s result bytes", ops[op]);
    }
    sds_free(ex);
    sds_free(ey);
}

static void test_bitop(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "BITOP foo d a", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITOP not d a b", "-ERR BITOP NOT must be called with a single source key.\r\n");
    KVT_CHECK(c, "BITOP not d", "-ERR wrong number of arguments for 'bitop' command\r\n");
    KVT_CHECK(c, "SET a \"\\x0f\\xf0\"", "+OK\r\n");
    KVT_CHECK(c, "SET b \"\\xff\"", "+OK\r\n");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "BITOP AND d a b", ":2\r\n");
    KVT_CHECK(c, "GET d", "$2\r\n\x0f\x00\r\n");
    check_enc(c, "d", OBJ_ENC_RAW, "raw");
    KVT_CHECK(c, "BITOP or d a b nokey", ":2\r\n");
    KVT_CHECK(c, "GET d", "$2\r\n\xff\xf0\r\n");
    KVT_CHECK(c, "BITOP XOR d a b", ":2\r\n");
    KVT_CHECK(c, "GET d", "$2\r\n\xf0\xf0\r\n");
    KVT_CHECK(c, "BITOP NOT d a", ":2\r\n");
    KVT_CHECK(c, "GET d", "$2\r\n\xf0\x0f\r\n");
    KVT_CHECK(c, "BITOP AND d a nokey", ":2\r\n");
    KVT_CHECK(c, "GET d", "$2\r\n\x00\x00\r\n");
    KVT_PROP("BITOP AND d a b\nBITOP or d a b nokey\nBITOP XOR d a b\nBITOP NOT d a\nBITOP AND d a nokey\n");
    KVT_CHECK(c, "BITOP XOR a a a", ":2\r\n"); /* the target may be a source */
    KVT_CHECK(c, "GET a", "$2\r\n\x00\x00\r\n");
    KVT_CHECK(c, "SET n 5", "+OK\r\n");
    KVT_CHECK(c, "BITOP NOT d n", ":1\r\n");
    KVT_CHECK(c, "GET d", "$1\r\n\xca\r\n");
    KVT_CHECK(c, "SET t v EX 100", "+OK\r\n");
    KVT_CHECK(c, "BITOP OR t b", ":1\r\n");
    is_int(ttl_ms(c, "t"), -1, "BITOP replaces the target and its TTL");
    sds_clear(kvt_prop_log);
    KVT_CHECK(c, "BITOP OR t nokey", ":0\r\n");
    KVT_CHECK(c, "EXISTS t", ":0\r\n");
    KVT_PROP("BITOP OR t nokey\n"); /* deleted the target */
    KVT_CHECK(c, "BITOP OR t nokey", ":0\r\n");
    KVT_PROP("");
    make_list(c, "l");
    KVT_CHECK(c, "BITOP AND d b l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "BITOP AND l b", ":1\r\n");
    KVT_CHECK(c, "TYPE l", "+string\r\n");
    test_bitop_long(c);
    kvt_stop(e);
}

static void test_bitfield(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    const char *type_err =
        "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n";
    KVT_CHECK(c, "BITFIELD k", "*0\r\n");
    KVT_CHECK(c, "EXISTS k", ":0\r\n");
    KVT_CHECK(c, "BITFIELD k get", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITFIELD k get i8", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITFIELD k get i8 0 extra", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITFIELD k foo", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITFIELD k set u8 0", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITFIELD k overflow", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITFIELD k get u8 0 overflow", "-ERR syntax error\r\n");
    kvt_run(c, "BITFIELD k get I8 0");
    is_str(c->out, type_err, "uppercase type refused");
    kvt_run(c, "BITFIELD k get i0 0");
    is_str(c->out, type_err, "i0 refused");
    kvt_run(c, "BITFIELD k get i65 0");
    is_str(c->out, type_err, "i65 refused");
    kvt_run(c, "BITFIELD k get u64 0");
    is_str(c->out, type_err, "u64 refused");
    kvt_run(c, "BITFIELD k get \"\" 0");
    is_str(c->out, type_err, "empty type refused");
    KVT_CHECK(c, "BITFIELD k get u63 0", "*1\r\n:0\r\n");
    KVT_CHECK(c, "BITFIELD k get i64 0", "*1\r\n:0\r\n");
    KVT_CHECK(c, "BITFIELD k get u8 -1", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITFIELD k get u8 #-1", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITFIELD k get u8 #", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITFIELD k get u8 #2", "*1\r\n:0\r\n");
    KVT_CHECK(c, "BITFIELD k get u8 4294967288", "*1\r\n:0\r\n");
    KVT_CHECK(c, "BITFIELD k get u8 4294967296", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITFIELD k get u8 #536870911", "*1\r\n:0\r\n");
    KVT_CHECK(c, "BITFIELD k get u8 #536870912", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITFIELD k get u8 #1152921504606846976", "-ERR bit offset is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITFIELD k set u8 0 x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITFIELD k incrby u8 0 x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "BITFIELD k overflow foo get u8 0", "-ERR Invalid OVERFLOW type specified\r\n");
    KVT_CHECK(c, "BITFIELD k overflow wrap", "*0\r\n");
    KVT_CHECK(c, "BITFIELD k overflow fail", "*0\r\n");
    KVT_CHECK(c, "EXISTS k", ":0\r\n");
    KVT_PROP("");

    /* Overflow modes (replies recorded from redis-server 7.0.15). */
    KVT_CHECK(c, "BITFIELD k set u8 0 -1", "*1\r\n:0\r\n");
    KVT_CHECK(c, "BITFIELD k overflow sat set u8 0 -1", "*1\r\n:255\r\n");
    KVT_CHECK(c, "BITFIELD k overflow sat set u8 0 256", "*1\r\n:255\r\n");
    KVT_CHECK(c, "BITFIELD k overflow fail set u8 0 256", "*1\r\n$-1\r\n");
    KVT_CHECK(c, "BITFIELD k set i8 0 128", "*1\r\n:-1\r\n");
    KVT_CHECK(c, "BITFIELD k overflow sat set i8 0 128 set i8 0 -200 get i8 0", "*3\r\n:-128\r\n:127\r\n:-128\r\n");
    KVT_CHECK(c, "BITFIELD k overflow wrap set i8 0 -129 get i8 0", "*2\r\n:-128\r\n:127\r\n");
    KVT_CHECK(c,
          "BITFIELD k set u8 8 250 overflow wrap incrby u8 8 10 overflow sat incrby u8 8 300 overflow fail "
          "incrby u8 8 1 incrby u8 8 -300 get u8 8",
          "*6\r\n:0\r\n:4\r\n:255\r\n$-1\r\n$-1\r\n:255\r\n");
    KVT_CHECK(c,
          "BITFIELD k set i64 0 9223372036854775807 incrby i64 0 1 overflow sat incrby i64 0 1 incrby i64 0 "
          "-9223372036854775808 overflow fail incrby i64 0 9223372036854775807 get i64 0",
          "*6\r\n:9223090561878065152\r\n:-9223372036854775808\r\n:-9223372036854775807\r\n"
          ":-9223372036854775808\r\n:-1\r\n:-1\r\n");
    KVT_CHECK(c, "BITFIELD k set u63 0 9223372036854775807 incrby u63 0 1 overflow sat incrby u63 0 5",
          "*3\r\n:9223372036854775807\r\n:0\r\n:5\r\n");
    KVT_CHECK(c, "BITFIELD k set i5 #3 15 get i5 #3 get u4 15 get i64 1", "*4\r\n:0\r\n:15\r\n:7\r\n:527765581332502\r\n");
    KVT_CHECK(c, "GET k", "$8\r\n\x00\x00\xf0\x00\x00\x00\x00\x0b\r\n");
    check_enc(c, "k", OBJ_ENC_RAW, "raw");
    KVT_CHECK(c, "BITFIELD k overflow sat incrby u2 100 -1 incrby i3 0 -100 overflow wrap incrby u2 100 -1",
          "*3\r\n:0\r\n:-4\r\n:3\r\n");
    KVT_CHECK(c, "BITFIELD k overflow sat incrby i64 0 -9223372036854775808 incrby i64 0 -1",
          "*2\r\n:-9223372036854775808\r\n:-9223372036854775808\r\n");
    KVT_CHECK(c, "BITFIELD k overflow wrap incrby i64 0 -1 incrby u63 1 -9223372036854775808",
          "*2\r\n:9223372036854775807\r\n:9223372036854775807\r\n");

    /* dirty and propagation */
    KVT_CHECK(c, "SET a x", "+OK\r\n");
    sds_clear(kvt_prop_log);
    long long d = e->srv->dirty;
    KVT_CHECK(c, "BITFIELD a set u8 0 1 set u8 8 2 get u8 0", "*3\r\n:120\r\n:0\r\n:1\r\n");
    is_int(e->srv->dirty - d, 2, "BITFIELD counts its writes");
    KVT_PROP("BITFIELD a set u8 0 1 set u8 8 2 get u8 0\n");
    KVT_CHECK(c, "BITFIELD a overflow fail set u8 0 256", "*1\r\n$-1\r\n");
    KVT_PROP(""); /* refused and nothing else changed */
    KVT_CHECK(c, "BITFIELD a overflow fail set u8 800 256", "*1\r\n$-1\r\n");
    KVT_CHECK(c, "STRLEN a", ":101\r\n");
    KVT_PROP("BITFIELD a overflow fail set u8 800 256\n"); /* it lengthened the string */
    KVT_CHECK(c, "BITFIELD a2 overflow fail incrby u8 0 256 get u8 0", "*2\r\n$-1\r\n:0\r\n");
    KVT_CHECK(c, "STRLEN a2", ":1\r\n");
    KVT_PROP("BITFIELD a2 overflow fail incrby u8 0 256 get u8 0\n"); /* it created the key */
    KVT_CHECK(c, "BITFIELD a get u8 0", "*1\r\n:1\r\n");
    KVT_PROP("");

    /* BITFIELD_RO and the read path on integers. */
    KVT_CHECK(c, "BITFIELD_RO k get u8 0 set u8 0 1", "-ERR BITFIELD_RO only supports the GET subcommand\r\n");
    KVT_CHECK(c, "BITFIELD_RO k set u8 0 1 foo", "-ERR syntax error\r\n");
    KVT_CHECK(c, "BITFIELD_RO k get u8 16", "*1\r\n:255\r\n");
    KVT_CHECK(c, "BITFIELD_RO nokey get u8 0", "*1\r\n:0\r\n");
    KVT_CHECK(c, "BITFIELD_RO k", "*0\r\n");
    KVT_CHECK(c, "SET n 123", "+OK\r\n");
    KVT_CHECK(c, "BITFIELD n get u8 0", "*1\r\n:49\r\n");
    check_enc(c, "n", OBJ_ENC_INT, "int");
    KVT_CHECK(c, "BITFIELD n set u8 0 49", "*1\r\n:49\r\n");
    KVT_CHECK(c, "GET n", "$3\r\n123\r\n");
    check_enc(c, "n", OBJ_ENC_RAW, "raw");
    make_list(c, "l");
    KVT_CHECK(c, "BITFIELD l get u8 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "BITFIELD l set u8 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "BITFIELD_RO l get u8 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    KVT_CHECK(c, "BITFIELD_RO l set u8 0 1", "-ERR BITFIELD_RO only supports the GET subcommand\r\n");
    c->resp = 3;
    KVT_CHECK(c, "BITFIELD a overflow fail incrby u8 0 255", "*1\r\n_\r\n");
    c->resp = 2;
    kvt_stop(e);
}

/* ---- LCS ------------------------------------------------------------------------- */

static void test_lcs(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    KVT_CHECK(c, "MSET key1 ohmytext key2 mynewtext", "+OK\r\n");
    KVT_CHECK(c, "LCS key1 key2", "$6\r\nmytext\r\n");
    KVT_CHECK(c, "LCS key1 key2 LEN", ":6\r\n");
    KVT_CHECK(c, "LCS key1 key2 IDX",
          "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n"
          ":1\r\n$3\r\nlen\r\n:6\r\n");
    KVT_CHECK(c, "LCS key1 key2 IDX MINMATCHLEN 4",
          "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n");
    KVT_CHECK(c, "LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN",
          "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n");
    KVT_CHECK(c, "LCS key1 key2 IDX WITHMATCHLEN",
          "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n"
          ":0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n");
    KVT_CHECK(c, "LCS key1 key2 MINMATCHLEN -5 idx",
          "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n"
          ":1\r\n$3\r\nlen\r\n:6\r\n");
    KVT_CHECK(c, "LCS key1 key2 LEN IDX", "-ERR If you want both the length and indexes, please just use IDX.\r\n");
    KVT_CHECK(c, "LCS key1 key2 MINMATCHLEN", "-ERR syntax error\r\n");
    KVT_CHECK(c, "LCS key1 key2 MINMATCHLEN x", "-ERR value is not an integer or out of range\r\n");
    KVT_CHECK(c, "LCS key1 key2 foo", "-ERR syntax error\r\n");
    KVT_CHECK(c, "LCS key1 key2 MINMATCHLEN 2", "$6\r\nmytext\r\n");
    KVT_CHECK(c, "LCS key1 key2 WITHMATCHLEN", "$6\r\nmytext\r\n");
    KVT_CHECK(c, "LCS key1 key2 len withmatchlen", ":6\r\n");
    KVT_CHECK(c, "LCS key1 nokey", "$0\r\n\r\n");
    KVT_CHECK(c, "LCS nokey nokey2 idx", "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
    KVT_CHECK(c, "LCS nokey nokey2 len", ":0\r\n");
    make_list(c, "l");
    KVT_CHECK(c, "LCS key1 l foo", "-ERR The specified keys must contain string values\r\n");
    KVT_CHECK(c, "LCS l key1", "-ERR The specified keys must contain string values\r\n");
    KVT_CHECK(c, "SET n1 12345", "+OK\r\n");
    KVT_CHECK(c, "SET n2 2345", "+OK\r\n");
    KVT_CHECK(c, "LCS n1 n2 idx withmatchlen",
          "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:1\r\n:4\r\n*2\r\n:0\r\n:3\r\n:4\r\n$3\r\nlen\r\n:4\r\n");
    KVT_CHECK(c, "LCS n1 n2", "$4\r\n2345\r\n");
    KVT_CHECK(c, "SETRANGE big1 33000 x", ":33001\r\n");
    KVT_CHECK(c, "SETRANGE big2 33000 y", ":33001\r\n");
    KVT_CHECK(c, "LCS big1 big2 IDX", "-ERR Insufficient memory, failed allocating transient memory for LCS\r\n");
    KVT_CHECK(c, "SET big2 \"\\x00\\x00\"", "+OK\r\n");
    KVT_CHECK(c, "LCS big1 big2 LEN", ":2\r\n");
    KVT_CHECK(c, "LCS big2 big1", "$2\r\n\x00\x00\r\n");
    c->resp = 3;
    KVT_CHECK(c, "LCS key1 key2 IDX WITHMATCHLEN",
          "%2\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n"
          ":0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n");
    c->resp = 2;
    kvt_stop(e);
}

/* ---- the table, MULTI, replay -------------------------------------------------- */

static void test_table_and_multi(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    static const char *names[] = {"get",      "set",      "setnx",    "setex",       "psetex", "mget",   "mset",
                                  "msetnx",   "getset",   "getdel",   "getex",       "append", "strlen", "getrange",
                                  "substr",   "setrange", "incr",     "decr",        "incrby", "decrby", "incrbyfloat",
                                  "setbit",   "getbit",   "bitcount", "bitpos",      "bitop",  "bitfield",
                                  "bitfield_ro", "lcs"};
    int found = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) found += cmd_lookup_name(e->srv, names[i]) != NULL;
    is_int(found, (long long)(sizeof(names) / sizeof(names[0])), "every string command is registered");
    KVT_CHECK(c, "GET", "-ERR wrong number of arguments for 'get' command\r\n");
    KVT_CHECK(c, "SET k", "-ERR wrong number of arguments for 'set' command\r\n");
    KVT_CHECK(c, "LCS a", "-ERR wrong number of arguments for 'lcs' command\r\n");
    KVT_CHECK(c, "BITOP and d", "-ERR wrong number of arguments for 'bitop' command\r\n");
    ok(cmd_is_write(cmd_lookup_name(e->srv, "getex")) && !cmd_is_write(cmd_lookup_name(e->srv, "bitfield_ro")),
       "write flags");
    KVT_CHECK(c, "MULTI", "+OK\r\n");
    KVT_CHECK(c, "INCRBYFLOAT f 2.5", "+QUEUED\r\n");
    KVT_CHECK(c, "SET k v EXAT 99999999999", "+QUEUED\r\n");
    KVT_CHECK(c, "EXEC", "*2\r\n$3\r\n2.5\r\n+OK\r\n");
    KVT_PROP("MULTI\nSET f 2.5 KEEPTTL\nSET k v PXAT 99999999999000\nEXEC\n");
    kvt_stop(e);
}

/* The propagated stream of a string workload, replayed into a fresh
 * server, rebuilds the same values and deadlines. */
typedef struct replay_log {
    int n;
    sds lines[256];
} replay_log;

static void record_replay(void *priv, int dbid, int argc, sds *argv) {
    replay_log *r = priv;
    (void)dbid;
    sds s = sds_empty();
    for (int i = 0; i < argc; i++) s = sds_catrepr(sds_cat(s, i ? " " : ""), argv[i], sds_len(argv[i]));
    if (r->n < 256) r->lines[r->n++] = s;
    else sds_free(s);
}

/* (Values and deadlines are snapshotted before the second server exists:
 * creating a server re-seeds the process-wide dict hash.) */
typedef struct key_snap {
    sds val;
    long long when;
} key_snap;

static void snapshot(kv_client *c, const char *keys, key_snap *snap) {
    for (int i = 0; keys[i]; i++) {
        char key[2] = {keys[i], 0};
        kv_obj *o = kvt_find(c, key);
        snap[i].val = o ? obj_to_sds(o) : NULL;
        snap[i].when = ttl_ms(c, key);
    }
}

static int snap_eq(const key_snap *a, const key_snap *b) {
    if (!a->val || !b->val) return a->val == b->val;
    return sds_cmp(a->val, b->val) == 0 && a->when == b->when;
}

static void test_replay(void) {
    static const char *workload[] = {
        "SET a 1 EX 1000", "INCRBYFLOAT a 0.25", "SETEX b 500 x", "PSETEX c 700 y", "GETEX b PX 900",
        "GETEX c PERSIST", "GETSET d 5", "INCRBY d 10", "SET e v GET PX 800", "APPEND e more",
        "SETRANGE f 3 zz", "SETBIT g 17 1", "BITFIELD h incrby i8 0 100 incrby i8 0 100", "BITOP XOR i f g",
        "MSET j 1 k 2", "GETDEL k", "SET l v KEEPTTL", "GETEX a EX 2000", "MSETNX m 1 n 2", "DECR m",
        "SET o \"\\x00\\xff\" GET", "SETNX p 1"};
    const char *keys = "abcdefghijklmnop";
    key_snap before[16], after[16];
    replay_log log = {0};
    kvt_env *e = kvt_start();
    cmd_prop_subscribe(e->srv, record_replay, &log);
    for (size_t i = 0; i < sizeof(workload) / sizeof(workload[0]); i++) kvt_run(e->c, workload[i]);
    snapshot(e->c, keys, before);
    kvt_stop(e);
    kvt_env *r = kvt_start();
    for (int i = 0; i < log.n; i++) kvt_run(r->c, log.lines[i]);
    snapshot(r->c, keys, after);
    kvt_stop(r);
    int same = 0;
    for (int i = 0; keys[i]; i++) {
        int eq = snap_eq(&before[i], &after[i]);
        if (!eq) diag("key %c differs after replay", keys[i]);
        same += eq;
        sds_free(before[i].val);
        sds_free(after[i].val);
    }
    is_int(same, (long long)strlen(keys), "replaying the propagated stream rebuilds every key and deadline");
    ok(log.n > 15, "the workload propagated (%d ops)", log.n);
    ok(before[0].when > 0 && before[5].val && before[5].when == -1 && !before[10].val, "the workload made values and deadlines");
    for (int i = 0; i < log.n; i++) sds_free(log.lines[i]);
}

int main(void) {
    kvt_prop_log = sds_empty();
    test_get_set();
    test_setnx_setex();
    test_getset_getdel_getex();
    test_mget_mset();
    test_encodings();
    test_append_strlen_ranges();
    test_size_limits();
    test_incr_decr();
    test_incrbyfloat();
    test_setbit_getbit();
    test_bitcount();
    test_bitpos();
    test_bitop();
    test_bitfield();
    test_lcs();
    test_table_and_multi();
    test_replay();
    sds_free(kvt_prop_log);
    return done_testing();
}
