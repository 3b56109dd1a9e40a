/*
 * tests/integration/test_rdb_interop.c — dump.rdb both ways between strata
 * and the real redis-server 7.0, and the snapshot lifecycle of a running
 * strata-server.
 *
 *   1. redis -> strata: a dataset of strings (int-encoded, 64-bit numbers,
 *      number-like text, embstr/raw boundaries, LZF-compressible, 1 MB,
 *      binary keys and values, empty), lists (small, many nodes, an element
 *      bigger than a node), hashes (listpack, hashtable), sets
 *      (intset, hashtable), sorted sets (listpack, skiplist), with expiries,
 *      in several dbs is built in redis-server, SAVEd, copied into strata's
 *      dir and loaded at boot; compared key by key (type, value, PEXPIRETIME,
 *      OBJECT ENCODING, DBSIZE per db; hash and set contents sorted);
 *   2. strata -> redis: the same dataset built in strata, SAVEd (LZF and
 *      checksum on; then rdbcompression no + rdbchecksum no; then BGSAVE),
 *      loaded by redis-server at boot and compared; redis-check-rdb accepts
 *      strata's files and refuses the STRATAL (lz4) variant;
 *   3. boot: a corrupt or truncated dump stops strata (exit 1) with a
 *      message naming the file, the offset and strata-check-rdb; the dump
 *      is left untouched; appendonly yes without AOF files still loads the
 *      dump (recovery/ decides, rdb_boot_load loads); strata-check-rdb exits 0 / 1 on good / bad files;
 *   4. SIGTERM with save rules saves; SHUTDOWN NOSAVE does not; SHUTDOWN
 *      SAVE does without rules;
 *   5. kill -9 of the server and its BGSAVE child mid-write leaves the old
 *      dump intact and loadable;
 *   DUMP payloads byte-identical to redis-server's, RESTORE across servers;
 *   6. the legacy fixtures ($STRATA_SHARED/fixtures/legacy-rdb, skipped when
 *      absent): each one strata boots on is also loaded by redis-server and
 *      the two are compared key by key; corrupt_ziplist.rdb stops the boot
 *      with a message naming the file, the offset, the key and
 *      strata-check-rdb.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/testsrv.h"
#include "tests/tap.h"

static int contains(const char *hay, const char *needle) { return hay && needle && strstr(hay, needle) != NULL; }

static char *path_in(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) abort();
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static int copy_file(const char *from, const char *to) {
    size_t n;
    char *b = ts_slurp(from, &n);
    if (!b) return -1;
    FILE *f = fopen(to, "wb");
    int rc = f && fwrite(b, 1, n, f) == n ? 0 : -1;
    if (f) fclose(f);
    free(b);
    return rc;
}

static int exited_with(int st, int code) { return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == code; }

/* ---- the dataset ------------------------------------------------------------------ */

static int cmdv(redisContext *c, int argc, const char **argv, const size_t *lens) {
    redisReply *r = ts_cmd_argv(c, argc, argv, lens);
    int okr = r && r->type != REDIS_REPLY_ERROR;
    if (r && r->type == REDIS_REPLY_ERROR) diag("error: %s", r->str);
    if (r) freeReplyObject(r);
    return okr;
}

static int cmdf(redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = ts_vcmd(c, fmt, ap);
    va_end(ap);
    int okr = r && r->type != REDIS_REPLY_ERROR;
    if (r && r->type == REDIS_REPLY_ERROR) diag("error: %s", r->str);
    if (r) freeReplyObject(r);
    return okr;
}

/* One deadline base for every server of the run, so datasets built in
 * different servers are equal. */
static long long future_ms(void) {
    static long long base;
    if (!base) base = (long long)time(NULL) * 1000 + 86400000LL * 30;
    return base;
}

static int populate(redisContext *c) {
    static const int dbs[] = {0, 1, 7, 15};
    static const char *const texts[] = {"0", "-1", "127", "-128", "32767", "40000", "2147483647", "-2147483648",
                                        "2147483648", "9223372036854775807", "-9223372036854775808",
                                        "007", "-0", "+1", " 1", "1.5", "1e3", "0x10", "12345678901234567890"};
    int good = 1;
    long long base = future_ms();
    char *big = malloc(1 << 20);
    if (!big) abort();
    for (int i = 0; i < (1 << 20); i++) big[i] = (char)("abcdefgh"[i % 8] + (i / 4096) % 3);
    for (size_t d = 0; d < sizeof dbs / sizeof dbs[0]; d++) {
        good &= cmdf(c, "SELECT %d", dbs[d]);
        for (int i = 0; i < 60; i++) {
            good &= cmdf(c, "SET int:%d %lld", i, (long long)i * 37 - 1000);
            good &= cmdf(c, "SET big:%d %lld", i, 90000000000000LL + i * 1234567LL);
            good &= cmdf(c, "SET str:%d value-%d-in-db-%d", i, i, dbs[d]);
            char lz[2000];
            snprintf(lz, sizeof lz, "%0*d", 21 + i * 31, i); /* zero-padded: compressible */
            good &= cmdf(c, "SET lzf:%d %s", i, lz);
            good &= cmdf(c, "SET ttl:%d t%d PXAT %lld", i, i, base + i * 1000 + (long long)dbs[d]);
            char k[32], v[64];
            int kl = snprintf(k, sizeof k, "bin\r\n%c%c:%d", 0, 0xff, i);
            int vl = snprintf(v, sizeof v, "%c\x01\x02%cline\r\nend%d", 0, 0xfe, i);
            const char *argv[3] = {"SET", k, v};
            size_t lens[3] = {3, (size_t)kl, (size_t)vl};
            good &= cmdv(c, 3, argv, lens);
        }
        for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) good &= cmdf(c, "SET num:%d %s", (int)t, texts[t]);
        good &= cmdf(c, "SET emb44 %s", "00000000000000000000000000000000000000000004");
        good &= cmdf(c, "SET raw45 %s", "000000000000000000000000000000000000000000005");
        good &= cmdf(c, "SET empty %s", "");
        good &= cmdf(c, "SET 12345 key-is-a-number");
        good &= cmdf(c, "SET sec:ttl v EXAT %lld", base / 1000 + 7);
        const char *argv[3] = {"SET", "megabyte", big};
        size_t lens[3] = {3, 8, 1 << 20};
        good &= cmdv(c, 3, argv, lens);
        good &= cmdf(c, "APPEND appended %s", "raw-after-append");
        /* collections, compact and not (Redis 7.0.15 thresholds: hash 512,
         * intset 512, zset 128 entries; 64-byte values) */
        for (int i = 0; i < 20; i++) {
            good &= cmdf(c, "HSET hsmall:%d f1 v1 f2 %d bin %b", i, i, "a\0b", (size_t)3);
            good &= cmdf(c, "SADD sint:%d 1 2 3 %d -70000 3000000000", i, i * 1000);
            good &= cmdf(c, "SADD sstr:%d a b c member-%d", i, i);
            good &= cmdf(c, "ZADD zsmall:%d 1 a 2.5 b -inf c inf d %d e 0.1 f", i, i);
            good &= cmdf(c, "RPUSH list:%d a %d -3 %b 3000000000", i, i, "x\0y", (size_t)3);
        }
        for (int i = 0; i < 2000; i++) good &= cmdf(c, "RPUSH lbig element-%d-with-some-padding", i);
        good &= cmdf(c, "RPUSH lhuge %b", big, (size_t)20000); /* an element bigger than a node */
        good &= cmdf(c, "HSET hlongval f %b", big, (size_t)100); /* > 64 bytes: hashtable */
        good &= cmdf(c, "PEXPIREAT hsmall:3 %lld", base + 5000);
        for (int i = 0; i < 600; i++) {
            good &= cmdf(c, "HSET hbig field%d %d", i, i * 3);
            good &= cmdf(c, "SADD sbig %d", i * 7);
            if (i < 200) good &= cmdf(c, "ZADD zbig %d.25 member%d", i - 100, i);
        }
    }
    free(big);
    return good;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* A reply rendered canonically; with pairs/sort: hashes and sets, whose
 * order depends on the encoding, become a sorted list. */
static char *canon(redisReply *r, int pairs, int sort) {
    if (!r || r->type != REDIS_REPLY_ARRAY || !sort) return ts_reply_repr(r);
    size_t n = r->elements / (pairs ? 2 : 1), total = 3;
    char **items = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        char *a = ts_reply_repr(r->element[pairs ? 2 * i : i]);
        if (pairs) {
            char *b = ts_reply_repr(r->element[2 * i + 1]);
            items[i] = malloc(strlen(a) + strlen(b) + 2);
            sprintf(items[i], "%s=%s", a, b);
            free(a);
            free(b);
        } else {
            items[i] = a;
        }
        total += strlen(items[i]) + 2;
    }
    qsort(items, n, sizeof(char *), cmp_str);
    char *out = malloc(total);
    strcpy(out, "[");
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(out, ", ");
        strcat(out, items[i]);
        free(items[i]);
    }
    strcat(out, "]");
    free(items);
    return out;
}

/* The probes for a key of a type: command words before the key. */
static int probes_for(const char *type, const char *probes[4][3]) {
    int n = 0;
    if (!strcmp(type, "string")) probes[n][0] = "GET", probes[n++][1] = NULL;
    else if (!strcmp(type, "hash")) probes[n][0] = "HGETALL", probes[n++][1] = NULL;
    else if (!strcmp(type, "set")) probes[n][0] = "SMEMBERS", probes[n++][1] = NULL;
    else if (!strcmp(type, "zset")) probes[n][0] = "ZRANGE", probes[n][1] = "WITHSCORES", n++;
    else if (!strcmp(type, "list")) probes[n][0] = "LRANGE", probes[n++][1] = NULL;
    probes[n][0] = "PEXPIRETIME", probes[n++][1] = NULL;
    probes[n][0] = "OBJECT", probes[n][1] = "ENCODING", probes[n++][2] = "before";
    return n;
}

static redisReply *probe(redisContext *c, const char *const *p, const redisReply *k) {
    const char *argv[6];
    size_t lens[6];
    int n = 0;
    argv[n] = p[0];
    lens[n] = strlen(p[0]);
    n++;
    if (p[1] && p[2]) { /* OBJECT ENCODING key */
        argv[n] = p[1];
        lens[n] = strlen(p[1]);
        n++;
    }
    argv[n] = k->str;
    lens[n] = k->len;
    n++;
    if (!strcmp(p[0], "ZRANGE") || !strcmp(p[0], "LRANGE")) {
        argv[n] = "0", lens[n++] = 1;
        argv[n] = "-1", lens[n++] = 2;
        if (p[0][0] == 'Z') argv[n] = "WITHSCORES", lens[n++] = 10;
    }
    return ts_cmd_argv(c, n, argv, lens);
}

/* Compare every key of every db of a (the reference) with b; at least
 * min_keys keys must be seen. */
static void compare_all_min(redisContext *a, redisContext *b, const char *what, long long min_keys) {
    long long keys = 0, diffs = 0;
    for (int db = 0; db < 16; db++) {
        cmdf(a, "SELECT %d", db);
        cmdf(b, "SELECT %d", db);
        redisReply *ra = ts_cmd(a, "DBSIZE"), *rb = ts_cmd(b, "DBSIZE");
        if (!ra || !rb || ra->integer != rb->integer) {
            diffs++;
            diag("%s: db %d DBSIZE %lld vs %lld", what, db, ra ? ra->integer : -1, rb ? rb->integer : -1);
        }
        if (ra) freeReplyObject(ra);
        if (rb) freeReplyObject(rb);
        char cursor[32] = "0";
        do {
            redisReply *s = ts_cmd(a, "SCAN %s COUNT 500", cursor);
            if (!s || s->type != REDIS_REPLY_ARRAY || s->elements != 2) {
                if (s) freeReplyObject(s);
                diffs++;
                break;
            }
            snprintf(cursor, sizeof cursor, "%s", s->element[0]->str);
            for (size_t i = 0; i < s->element[1]->elements; i++) {
                redisReply *k = s->element[1]->element[i];
                const char *tp[3] = {"TYPE", NULL, NULL};
                redisReply *ta = probe(a, tp, k), *tb = probe(b, tp, k);
                char type[32] = "?";
                if (ta && ta->type == REDIS_REPLY_STATUS) snprintf(type, sizeof type, "%s", ta->str);
                if (!ta || !tb || !tb->str || strcmp(type, tb->str)) diffs++;
                if (ta) freeReplyObject(ta);
                if (tb) freeReplyObject(tb);
                const char *probes[4][3] = {{0}};
                int np = probes_for(type, probes);
                keys++;
                for (int p = 0; p < np; p++) {
                    redisReply *x = probe(a, probes[p], k), *y = probe(b, probes[p], k);
                    int unordered = !strcmp(type, "hash") || !strcmp(type, "set");
                    char *sx = canon(x, !strcmp(type, "hash"), unordered && p == 0);
                    char *sy = canon(y, !strcmp(type, "hash"), unordered && p == 0);
                    if (strcmp(sx, sy) != 0) {
                        diffs++;
                        if (diffs < 10) {
                            char *kr = ts_escape(k->str, k->len);
                            diag("%s: db %d key \"%s\" %s: %.80s vs %.80s", what, db, kr, probes[p][0], sx, sy);
                            free(kr);
                        }
                    }
                    free(sx);
                    free(sy);
                    if (x) freeReplyObject(x);
                    if (y) freeReplyObject(y);
                }
            }
            freeReplyObject(s);
        } while (strcmp(cursor, "0") != 0);
    }
    cmdf(a, "SELECT 0");
    cmdf(b, "SELECT 0");
    ok(keys >= min_keys && diffs == 0,
       "%s: %lld keys compared (type, value, PEXPIRETIME, encoding), %lld differences", what, keys, diffs);
}

static void compare_all(redisContext *a, redisContext *b, const char *what) { compare_all_min(a, b, what, 1000); }

/* Restart s (stopped) with file copied in as its dump.rdb. */
static int boot_with(ts_server *s, const char *file) {
    char *dst = path_in(s->dir, "dump.rdb");
    int rc = copy_file(file, dst);
    free(dst);
    if (rc) return -1;
    return ts_restart(s, NULL);
}

/* ---- 1 + 2 -------------------------------------------------------------------------- */

static void test_interop(void) {
    ts_opts ro = {.bin = ts_redis_bin()};
    ts_server *redis = ts_start(&ro);
    ts_server *strata = ts_start(NULL);
    if (!redis || !strata) {
        ok(0, "servers started");
        ts_free(redis);
        ts_free(strata);
        return;
    }
    redisContext *rc = ts_connect(redis);
    ok(populate(rc), "dataset built in redis-server");
    ts_cmd_expect_status(rc, "OK", "SAVE");
    char *rdump = path_in(redis->dir, "dump.rdb");

    /* redis -> strata */
    ts_stop(strata, 0);
    ok(boot_with(strata, rdump) == 0, "strata boots on redis's dump.rdb");
    redisContext *sc = ts_connect(strata);
    if (sc) compare_all(rc, sc, "redis -> strata");
    char *log = NULL;
    size_t n;
    log = ts_slurp(strata->logpath, &n);
    ok(contains(log, "Loading RDB produced by version 7.0") && contains(log, "Done loading RDB"),
       "strata logs the load");
    free(log);

    /* strata -> redis: strata builds its own copy */
    ts_cmd_expect_status(sc, "OK", "FLUSHALL");
    ok(populate(sc), "dataset built in strata");
    char *sdump = path_in(strata->dir, "dump.rdb");
    for (int v = 0; v < 3; v++) {
        if (v == 1) { /* rdbchecksum is immutable (as in Redis): restart with it off */
            cmdf(sc, "CONFIG SET rdbcompression no");
            ts_cmd_expect_status(sc, "OK", "SAVE");
            redisFree(sc);
            ts_stop(strata, 0);
            ok(ts_restart(strata, (const char *[]){"--rdbchecksum", "no", "--rdbcompression", "no", NULL}) == 0,
               "strata restarted with rdbchecksum no");
            sc = ts_connect(strata);
        }
        if (v < 2) {
            ts_cmd_expect_status(sc, "OK", "SAVE");
        } else {
            cmdf(sc, "CONFIG SET rdbcompression yes");
            ts_cmd_expect_status(sc, "Background saving started", "BGSAVE");
            for (int i = 0; i < 200; i++) {
                redisReply *r = ts_cmd(sc, "INFO persistence");
                int busy = r && strstr(r->str, "rdb_bgsave_in_progress:1");
                if (r) freeReplyObject(r);
                if (!busy) break;
                usleep(50000);
            }
        }
        if (v == 1) {
            size_t dl;
            char *d = ts_slurp(sdump, &dl);
            static const char zero[8];
            ok(d && dl > 8 && !memcmp(d + dl - 8, zero, 8), "rdbchecksum no: the trailer is zero");
            free(d);
        }
        const char *chk[] = {"redis-check-rdb", sdump, NULL};
        char *out = NULL;
        int st = ts_run(chk, NULL, &out, NULL, 30000);
        ok(exited_with(st, 0) && contains(out, "RDB looks OK"), "redis-check-rdb accepts strata's file (variant %d)", v);
        if (!exited_with(st, 0)) diag("%s", out ? out : "");
        free(out);
        ts_stop(redis, 0);
        redisFree(rc);
        rc = NULL;
        if (boot_with(redis, sdump) != 0) {
            ok(0, "redis-server boots on strata's dump (variant %d)", v);
            continue;
        }
        rc = ts_connect(redis);
        if (rc) compare_all(sc, rc, v == 0 ? "strata -> redis (LZF, checksum)"
                                   : v == 1 ? "strata -> redis (plain, no checksum)"
                                            : "strata BGSAVE -> redis");
    }

    /* the lz4 variant is strata's own: Redis's tools refuse it, strata loads it */
    cmdf(sc, "CONFIG SET rdbcompression lz4");
    ts_cmd_expect_status(sc, "OK", "SAVE"); /* rdbcompression lz4 */
    size_t len;
    char *b = ts_slurp(sdump, &len);
    ok(b && !memcmp(b, "STRATAL0010", 11), "lz4 dump starts with STRATAL0010");
    free(b);
    const char *chk[] = {"redis-check-rdb", sdump, NULL};
    char *out = NULL;
    int st = ts_run(chk, NULL, &out, NULL, 30000);
    ok(!exited_with(st, 0), "redis-check-rdb refuses the STRATAL file");
    free(out);
    redisFree(sc);
    ts_stop(strata, 0);
    ok(ts_restart(strata, NULL) == 0, "strata boots on its lz4 dump");
    sc = ts_connect(strata);
    if (sc && rc) compare_all(rc, sc, "strata lz4 -> strata");
    if (sc) redisFree(sc);
    if (rc) redisFree(rc);
    free(rdump);
    free(sdump);
    ts_free(redis);
    ts_free(strata);
}

/* ---- DUMP / RESTORE between the two ------------------------------------------------ */

static void test_dump_restore(void) {
    ts_opts ro = {.bin = ts_redis_bin()};
    ts_server *redis = ts_start(&ro), *strata = ts_start(NULL);
    redisContext *rc = redis ? ts_connect(redis) : NULL, *sc = strata ? ts_connect(strata) : NULL;
    if (!rc || !sc) {
        ok(0, "servers started");
        goto out;
    }
    ok(populate(rc) && populate(sc), "the dataset in both");
    /* compact encodings first: their payloads must be byte-identical; the
     * hashtable/skiplist ones depend on iteration order (RESTORE only) */
    static const char *const keys[] = {"int:3",   "big:7",   "str:1",    "lzf:50",   "num:9",     "num:11",
                                       "emb44",   "raw45",   "empty",    "megabyte", "appended",  "hsmall:1",
                                       "sint:2",  "zsmall:3", "list:5", "sstr:4",  "hbig",     "sbig",
                                       "zbig",    "hlongval", "lbig",   "lhuge"};
    const size_t nsame = 15;
    int same = 1, moved = 1;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        redisReply *a = ts_cmd(rc, "DUMP %s", keys[i]), *b = ts_cmd(sc, "DUMP %s", keys[i]);
        int eq = a && b && a->type == REDIS_REPLY_STRING && b->type == REDIS_REPLY_STRING && a->len == b->len &&
                 !memcmp(a->str, b->str, a->len);
        if (!eq && i < nsame) {
            same = 0;
            diag("DUMP %s differs (%zu vs %zu bytes)", keys[i], a ? a->len : 0, b ? b->len : 0);
        }
        /* cross RESTORE: redis's payload into strata, strata's into redis */
        redisReply *x = a ? ts_cmd(sc, "RESTORE copy:%s 0 %b", keys[i], a->str, a->len) : NULL;
        redisReply *y = b ? ts_cmd(rc, "RESTORE copy:%s 0 %b", keys[i], b->str, b->len) : NULL;
        if (!x || x->type != REDIS_REPLY_STATUS || !y || y->type != REDIS_REPLY_STATUS) moved = 0;
        if (x) freeReplyObject(x);
        if (y) freeReplyObject(y);
        if (a) freeReplyObject(a);
        if (b) freeReplyObject(b);
    }
    ok(same, "DUMP payloads of strings and compact encodings are byte-identical to redis-server's");
    ok(moved, "RESTORE accepts the other server's payloads");
    compare_all(rc, sc, "after DUMP/RESTORE across servers");
    redisReply *e1 = ts_cmd(sc, "RESTORE x 0 %b", "\x00\x01a\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x01", (size_t)13);
    redisReply *e2 = ts_cmd(rc, "RESTORE x 0 %b", "\x00\x01a\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x01", (size_t)13);
    char *r1 = ts_reply_repr(e1), *r2 = ts_reply_repr(e2);
    is_str(r1, r2, "same error for a bad checksum");
    free(r1);
    free(r2);
    freeReplyObject(e1);
    freeReplyObject(e2);
out:
    if (rc) redisFree(rc);
    if (sc) redisFree(sc);
    ts_free(redis);
    ts_free(strata);
}

/* ---- 3. boot refusals -------------------------------------------------------------- */

/* Run strata-server on dir/file with --port 0 (it loads the dump, then
 * exits as it has nothing to listen on): returns the exit status, *out the
 * log (stdout). */
static int boot_direct(const char *dir, const char *file, char **out, const char *extra) {
    const char *argv[16];
    int n = 0;
    argv[n++] = ts_strata_bin();
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--dir";
    argv[n++] = dir;
    argv[n++] = "--dbfilename";
    argv[n++] = file;
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--appendonly";
    argv[n++] = extra ? extra : "no";
    argv[n] = NULL;
    return ts_run(argv, NULL, out, NULL, 10000);
}

static const char *check_bin(void) {
    static char buf[4096];
    const char *bin = getenv("STRATA_BIN");
    snprintf(buf, sizeof buf, "%s/strata-check-rdb", bin ? bin : "./bin");
    return buf;
}

static void test_boot_refusals(void) {
    ts_server *s = ts_start(NULL);
    if (!s) {
        ok(0, "strata started");
        return;
    }
    redisContext *c = ts_connect(s);
    cmdf(c, "SET a 1");
    cmdf(c, "SET b hello");
    cmdf(c, "SET c %s", "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003");
    ts_cmd_expect_status(c, "OK", "SAVE");
    redisFree(c);
    ts_stop(s, 0);
    char *dump = path_in(s->dir, "dump.rdb");
    size_t len;
    char *good = ts_slurp(dump, &len);

    const char *cargv[] = {check_bin(), dump, NULL};
    char *out = NULL;
    int st = ts_run(cargv, NULL, &out, NULL, 10000);
    ok(exited_with(st, 0) && contains(out, "RDB looks OK") && contains(out, "string (string): 3"),
       "strata-check-rdb on a good file: exit 0, per-type counts");
    if (!exited_with(st, 0)) diag("%s", out ? out : "(none)");
    free(out);

    /* corrupt a byte in the middle, then truncate */
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(dump, "wb");
        if (k == 0) {
            char *bad = malloc(len);
            memcpy(bad, good, len);
            bad[len / 2] ^= 0x5a;
            fwrite(bad, 1, len, f);
            free(bad);
        } else {
            fwrite(good, 1, len - 11, f);
        }
        fclose(f);
        out = NULL;
        st = boot_direct(s->dir, "dump.rdb", &out, NULL);
        const char *what = k == 0 ? "corrupt dump" : "truncated dump";
        ok(exited_with(st, 1), "%s: strata refuses to start (exit 1)", what);
        ok(contains(out, "dump.rdb") && contains(out, "offset") && contains(out, "strata-check-rdb"),
           "%s: the log names the file, the offset and strata-check-rdb", what);
        if (!contains(out, "offset")) diag("%s", out ? out : "(none)");
        free(out);
        size_t nl;
        char *now = ts_slurp(dump, &nl);
        ok(now && nl == (k == 0 ? len : len - 11), "%s: file left untouched", what);
        free(now);
        out = NULL;
        const char *c2[] = {check_bin(), dump, NULL};
        st = ts_run(c2, NULL, &out, NULL, 10000);
        ok(exited_with(st, 1) && contains(out, "RDB ERROR DETECTED") && contains(out, "offset"),
           "%s: strata-check-rdb exit 1 with the offset", what);
        free(out);
    }
    /* appendonly yes with no AOF machinery: the dump still loads */
    FILE *f = fopen(dump, "wb");
    fwrite(good, 1, len, f);
    fclose(f);
    ok(ts_restart(s, (const char *[]){"--appendonly", "yes", NULL}) == 0, "boot with appendonly yes");
    c = ts_connect(s);
    ts_cmd_expect_str(c, "hello", "GET b"); /* the dump was loaded */
    redisFree(c);
    char *log = ts_slurp(s->logpath, &len);
    ok(contains(log, "appendonly yes") && contains(log, "RDB"), "the log says why the RDB was loaded");
    free(log);
    free(good);
    free(dump);
    ts_free(s);
}

/* ---- 4. shutdown saving -------------------------------------------------------------------- */

static void test_shutdown_saving(void) {
    ts_opts o = {.persist = 1, .args = (const char *[]){"--save", "3600", "1", "--appendonly", "no", NULL}};
    ts_server *s = ts_start(&o);
    if (!s) {
        ok(0, "strata started with save rules");
        return;
    }
    redisContext *c = ts_connect(s);
    cmdf(c, "SET persisted yes");
    redisFree(c);
    int st = ts_stop(s, 0);
    ok(exited_with(st, 0), "SIGTERM: clean exit");
    char *dump = path_in(s->dir, "dump.rdb");
    struct stat sb;
    ok(stat(dump, &sb) == 0, "SIGTERM with save rules wrote dump.rdb");
    ok(ts_restart(s, NULL) == 0, "restart");
    c = ts_connect(s);
    ts_cmd_expect_str(c, "yes", "GET persisted");
    cmdf(c, "SET lost 1");
    redisReply *r = ts_cmd(c, "SHUTDOWN NOSAVE");
    if (r) freeReplyObject(r);
    redisFree(c);
    ok(ts_wait_exit(s, 10000) >= 0, "SHUTDOWN NOSAVE exits");
    ok(ts_restart(s, NULL) == 0, "restart");
    c = ts_connect(s);
    ts_cmd_expect_str(c, NULL, "GET lost"); /* NOSAVE did not save */
    cmdf(c, "CONFIG SET save %s", "");
    cmdf(c, "SET saved-by-shutdown-save 1");
    r = ts_cmd(c, "SHUTDOWN SAVE");
    if (r) freeReplyObject(r);
    redisFree(c);
    ts_wait_exit(s, 10000);
    ok(ts_restart(s, NULL) == 0, "restart");
    c = ts_connect(s);
    ts_cmd_expect_str(c, "1", "GET saved-by-shutdown-save");
    redisFree(c);
    free(dump);
    ts_free(s);
}

/* ---- 5. kill -9 during BGSAVE ---------------------------------------------------------------- */

static pid_t find_temp(const char *dir) {
    DIR *d = opendir(dir);
    pid_t pid = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, "temp-", 5)) pid = (pid_t)atoi(e->d_name + 5);
    if (d) closedir(d);
    return pid;
}

static void test_kill9_during_bgsave(void) {
    ts_server *s = ts_start(NULL);
    if (!s) {
        ok(0, "strata started");
        return;
    }
    redisContext *c = ts_connect(s);
    cmdf(c, "CONFIG SET rdbcompression no");
    cmdf(c, "DEBUG POPULATE 400000 key 200");
    ts_cmd_expect_status(c, "OK", "SAVE"); /* the old dump */
    char *dump = path_in(s->dir, "dump.rdb");
    size_t oldlen;
    char *old = ts_slurp(dump, &oldlen);
    cmdf(c, "SET after-save 1");
    ts_cmd_expect_status(c, "Background saving started", "BGSAVE");
    pid_t child = 0;
    for (int i = 0; i < 20000 && !(child = find_temp(s->dir)); i++) usleep(100);
    usleep(20000);
    ts_kill9(s);
    if (child > 0) kill(child, SIGKILL);
    usleep(100000);
    ok(child > 0, "the BGSAVE child was writing temp-%d.rdb when killed", (int)child);
    size_t nowlen;
    char *now = ts_slurp(dump, &nowlen);
    ok(now && nowlen == oldlen && !memcmp(now, old, oldlen), "dump.rdb is the old one, byte for byte");
    free(now);
    free(old);
    redisFree(c);
    ok(ts_restart(s, NULL) == 0, "restart after kill -9");
    c = ts_connect(s);
    ts_cmd_expect_int(c, 400000, "DBSIZE"); /* the old dump loaded */
    ts_cmd_expect_str(c, NULL, "GET after-save"); /* not in the old dump */
    redisFree(c);
    free(dump);
    ts_free(s);
}

/* ---- 6. legacy fixtures ------------------------------------------------------------------------ */

/* Boot redis-server and strata on the same fixture; compare when both load. */
static void compare_fixture(const char *fdir, const char *name) {
    ts_opts ro = {.bin = ts_redis_bin()};
    ts_server *redis = ts_start(&ro), *strata = ts_start(NULL);
    if (!redis || !strata) {
        ok(0, "%s: servers started", name);
        ts_free(redis);
        ts_free(strata);
        return;
    }
    char *src = path_in(fdir, name);
    ts_stop(redis, 0);
    ts_stop(strata, 0);
    int r1 = boot_with(redis, src), r2 = boot_with(strata, src);
    free(src);
    if (r1 != 0 || r2 != 0) {
        ok(0, "%s: both servers boot on it (redis %d, strata %d)", name, r1, r2);
    } else {
        redisContext *a = ts_connect(redis), *b = ts_connect(strata);
        if (a && b) compare_all_min(a, b, name, 0);
        if (a) redisFree(a);
        if (b) redisFree(b);
    }
    ts_free(redis);
    ts_free(strata);
}

static void test_fixtures(void) {
    const char *shared = getenv("STRATA_SHARED");
    char fdir[2048];
    snprintf(fdir, sizeof fdir, "%s/fixtures/legacy-rdb", shared ? shared : "../shared");
    struct stat sb;
    if (stat(fdir, &sb) != 0) {
        ok(1, "# SKIP legacy fixtures absent (%s)", fdir);
        return;
    }
    char tmpl[] = "/tmp/strata-rdb-fixtures-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!dir) {
        ok(0, "mkdtemp");
        return;
    }
    DIR *d = opendir(fdir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".rdb")) continue;
        char *src = path_in(fdir, e->d_name), *dst = path_in(dir, e->d_name);
        copy_file(src, dst);
        char *out = NULL;
        int st = boot_direct(dir, e->d_name, &out, NULL);
        /* --port 0: a server that loaded its dump then exits ("not listening") */
        int started = contains(out, "Done loading RDB");
        n++;
        if (!strcmp(e->d_name, "corrupt_ziplist.rdb")) {
            ok(!started && exited_with(st, 1) && contains(out, "Fatal error loading") && contains(out, e->d_name) &&
                   contains(out, "offset") && contains(out, "strata-check-rdb") && contains(out, "(key "),
               "%s: boot refused with a message naming the file, offset and key", e->d_name);
            if (!contains(out, "offset")) diag("%s", out ? out : "(none)");
        } else if (started) {
            ok(1, "%s boots", e->d_name);
            compare_fixture(fdir, e->d_name);
        } else {
            ok(exited_with(st, 1) && contains(out, "Fatal error loading") && contains(out, e->d_name) &&
                   contains(out, "offset") && contains(out, "strata-check-rdb") &&
                   (contains(out, "(key ") || contains(out, "invalid")),
               "%s: boot refused with a message naming the file, offset and key", e->d_name);
        }
        free(out);
        unlink(dst);
        free(src);
        free(dst);
    }
    if (d) closedir(d);
    rmdir(dir);
    ok(n >= 5, "%d fixtures tried", n);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    test_interop();
    test_dump_restore();
    test_boot_refusals();
    test_shutdown_saving();
    test_kill9_during_bgsave();
    test_fixtures();
    return done_testing();
}
