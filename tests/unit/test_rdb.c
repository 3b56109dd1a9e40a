/*
 * tests/unit/test_rdb.c — the RDB module: decoder, encoder, files, and the
 * server commands.
 *
 *   1. hand-built byte vectors: every length encoding (6/14/32/64-bit),
 *      every string encoding (plain, int8/16/32, LZF, LZ4 in STRATAL files),
 *      every opcode (AUX, SELECTDB, RESIZEDB, EXPIRETIME, EXPIRETIME_MS,
 *      IDLE, FREQ, FUNCTION2, SLOT_INFO, MODULE_AUX, FUNCTION_PRE_GA, EOF),
 *      checksum verified / zero / absent (v < 5) / mismatching, and the
 *      errors: unknown opcode, bad length, bad string encoding, bad version,
 *      bad magic, module and stream values, each naming offset and key;
 *   2. round trips through a memory stream (every compression mode,
 *      checksum on and off) and through files, compared by dataset digest;
 *   3. truncation at every byte and every single-byte corruption of a small
 *      file: an error, never a crash (run under ASan for leaks), with the
 *      size known and unknown;
 *   4. files: fio_fault ENOSPC / EIO / failed fsync / failed rename during a
 *      save leave the old dump byte-identical and no temp file; a crash-point
 *      sweep of a save (forked children, power-loss model) always leaves a
 *      loadable old or new dump;
 *   5. loading: nothing half-loaded (a bad file leaves the dataset as it
 *      was), DB index out of range, duplicated keys, expired keys skipped;
 *   6. the commands: SAVE, LASTSAVE, BGSAVE (+ already in progress, reaped
 *      by the cron), INFO persistence, MISCONF after a failed BGSAVE until a
 *      save succeeds, DEBUG RELOAD, save rules, rdb_shutdown;
 *   7. DUMP/RESTORE: Redis's payload bytes, every option and error, TTL
 *      handling; the hash/set/zset codecs: round trips of every encoding
 *      (encodings kept, digest equal, DEBUG RELOAD, DUMP/RESTORE) and
 *      hand-built vectors (SET of integers -> intset, SET_LISTPACK of 7.2,
 *      text and binary zset scores, duplicates, NaN, empty keys, 7.4 field
 *      TTLs refused);
 *   8. the legacy fixtures in $STRATA_SHARED/fixtures/legacy-rdb (skipped
 *      when absent): the ones whose types exist load with Redis 7.0.15's
 *      content and encodings, the others fail with -ENOTSUP naming the key;
 *      every truncation and single-byte corruption of every fixture through
 *      the server's codecs is refused (checksummed files) and never crashes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/db.h"
#include "engine/debug.h"
#include "engine/dict.h"
#include "engine/info.h"
#include "engine/listpack.h"
#include "engine/log.h"
#include "engine/server_cmds.h"
#include "rdb/compress.h"
#include "rdb/crc64.h"
#include "rdb/fio.h"
#include "rdb/fio_fault.h"
#include "rdb/rdb.h"
#include "tests/tap.h"
#include "tests/unit/kvtest.h"

static char dir[256];

static const char *P(const char *name) {
    static char buf[4][PATH_MAX];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
    return buf[i];
}

static int contains(const char *hay, const char *needle) { return hay && needle && strstr(hay, needle) != NULL; }

/* ---- a byte-vector builder -------------------------------------------------------- */

typedef struct vec {
    unsigned char *b;
    size_t n, cap;
} vec;

static void v_bytes(vec *v, const void *p, size_t n) {
    if (n == 0) return;
    if (v->n + n > v->cap) {
        v->cap = (v->n + n) * 2 + 64;
        v->b = realloc(v->b, v->cap);
    }
    memcpy(v->b + v->n, p, n);
    v->n += n;
}
static void v_u8(vec *v, unsigned x) {
    unsigned char c = (unsigned char)x;
    v_bytes(v, &c, 1);
}
static void v_cstr(vec *v, const char *s) { v_bytes(v, s, strlen(s)); }
static void v_le(vec *v, uint64_t x, int n) {
    for (int i = 0; i < n; i++) v_u8(v, (unsigned)(x >> (8 * i)) & 0xff);
}
/* A length in the given form: 6, 14, 32 or 64 bits. */
static void v_len_form(vec *v, uint64_t len, int form) {
    if (form == 6) v_u8(v, (unsigned)len);
    else if (form == 14) {
        v_u8(v, 0x40 | (unsigned)(len >> 8));
        v_u8(v, (unsigned)len & 0xff);
    } else if (form == 32) {
        v_u8(v, 0x80);
        for (int i = 3; i >= 0; i--) v_u8(v, (unsigned)(len >> (8 * i)) & 0xff);
    } else {
        v_u8(v, 0x81);
        for (int i = 7; i >= 0; i--) v_u8(v, (unsigned)(len >> (8 * i)) & 0xff);
    }
}
static void v_len(vec *v, uint64_t len) { v_len_form(v, len, len < 64 ? 6 : len < 16384 ? 14 : 32); }
static void v_str(vec *v, const char *s, size_t n) {
    v_len(v, n);
    v_bytes(v, s, n);
}
static void v_cs(vec *v, const char *s) { v_str(v, s, strlen(s)); }
static void v_header(vec *v, int version) {
    char h[16];
    snprintf(h, sizeof h, "REDIS%04d", version);
    v_cstr(v, h);
}
/* EOF and the trailer: the real CRC (mode 1), zero (0), or a wrong one (2). */
static void v_finish(vec *v, int mode) {
    v_u8(v, RDB_OPCODE_EOF);
    uint64_t crc = crc64(0, v->b, v->n);
    v_le(v, mode == 1 ? crc : mode == 2 ? crc ^ 1 : 0, 8);
}
static void v_free(vec *v) {
    free(v->b);
    memset(v, 0, sizeof *v);
}

/* ---- a collecting sink -------------------------------------------------------------- */

#define MAXK 64
typedef struct got {
    int n;
    uint64_t db[MAXK];
    char key[MAXK][64];
    char val[MAXK][256];
    size_t vlen[MAXK];
    int enc[MAXK];
    long long exp[MAXK], idle[MAXK];
    int freq[MAXK];
    int naux;
    char aux[8][2][64];
    int functions, selects, resizes;
    uint64_t last_resize[2];
} got;

static int c_aux(void *priv, rdb_reader *r, const sds k, const sds v) {
    got *g = priv;
    (void)r;
    if (g->naux < 8) {
        snprintf(g->aux[g->naux][0], 64, "%s", k);
        snprintf(g->aux[g->naux][1], 64, "%s", v);
    }
    g->naux++;
    return 0;
}
static int c_select(void *priv, rdb_reader *r, uint64_t id) {
    (void)r;
    (void)id;
    ((got *)priv)->selects++;
    return 0;
}
static int c_resize(void *priv, rdb_reader *r, uint64_t a, uint64_t b) {
    got *g = priv;
    (void)r;
    g->resizes++;
    g->last_resize[0] = a;
    g->last_resize[1] = b;
    return 0;
}
static int c_key(void *priv, rdb_reader *r, uint64_t db, int t, sds key, kv_obj *val, const rdb_key_meta *m) {
    got *g = priv;
    (void)r;
    (void)t;
    if (g->n < MAXK) {
        int i = g->n;
        char buf[32];
        size_t len = 0;
        const char *p = val->type == OBJ_STRING ? obj_str(val, buf, &len) : obj_type_name(val);
        if (val->type != OBJ_STRING) len = strlen(p);
        g->db[i] = db;
        snprintf(g->key[i], 64, "%s", key);
        g->vlen[i] = len;
        memcpy(g->val[i], p, len < 255 ? len : 255);
        g->val[i][len < 255 ? len : 255] = 0;
        g->enc[i] = val->enc;
        g->exp[i] = m->expire_ms;
        g->idle[i] = m->idle_s;
        g->freq[i] = m->freq;
    }
    g->n++;
    sds_free(key);
    obj_decr_ref(val);
    return 0;
}
static int c_func(void *priv, rdb_reader *r, const sds code) {
    (void)r;
    (void)code;
    ((got *)priv)->functions++;
    return 0;
}

static int decode_vec(const vec *v, got *g, rdb_info *info, rdb_err *err, int known_size) {
    memset(g, 0, sizeof *g);
    rdb_load_opts o = {.name = "vec.rdb", .size = known_size ? v->n : 0};
    rdb_sink sink = {c_aux, c_select, c_resize, c_key, c_func, g};
    strm *s = strm_memread(v->b, v->n);
    int rc = rdb_decode(s, &o, &sink, info, err);
    strm_close(s);
    return rc;
}

/* ---- 1. byte vectors ------------------------------------------------------------------ */

static void test_vectors_lengths_and_strings(void) {
    vec v = {0};
    got g;
    rdb_info info;
    rdb_err err;
    char big[70000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)('a' + i % 26);

    v_header(&v, 9);
    v_u8(&v, RDB_OPCODE_AUX);
    v_cs(&v, "redis-ver");
    v_cs(&v, "6.2.0");
    v_u8(&v, RDB_OPCODE_AUX); /* an int-encoded AUX value */
    v_cs(&v, "redis-bits");
    v_u8(&v, 0xc0);
    v_u8(&v, 64);
    v_u8(&v, RDB_OPCODE_SELECTDB);
    v_len(&v, 0);
    v_u8(&v, RDB_OPCODE_RESIZEDB);
    v_len_form(&v, 9, 14);
    v_len_form(&v, 2, 32);
    /* 6-bit plain */
    v_u8(&v, 0);
    v_cs(&v, "k6");
    v_cs(&v, "short");
    /* 14-bit */
    v_u8(&v, 0);
    v_cs(&v, "k14");
    v_len_form(&v, 100, 14);
    v_bytes(&v, big, 100);
    /* 32-bit */
    v_u8(&v, 0);
    v_cs(&v, "k32");
    v_len_form(&v, 70000, 32);
    v_bytes(&v, big, 70000);
    /* 64-bit form of a small length (valid, never written by Redis) */
    v_u8(&v, 0);
    v_cs(&v, "k64");
    v_len_form(&v, 3, 64);
    v_cstr(&v, "xyz");
    /* int8 / int16 / int32 */
    v_u8(&v, 0);
    v_cs(&v, "i8");
    v_u8(&v, 0xc0);
    v_u8(&v, 0x85); /* -123 */
    v_u8(&v, 0);
    v_cs(&v, "i16");
    v_u8(&v, 0xc1);
    v_le(&v, (uint16_t)-30000, 2);
    v_u8(&v, 0);
    v_cs(&v, "i32");
    v_u8(&v, 0xc2);
    v_le(&v, (uint32_t)2000000000, 4);
    /* LZF */
    unsigned char cbuf[1024];
    size_t clen = cmp_lzf_compress(big, 500, cbuf, sizeof cbuf);
    ok(clen > 0 && clen < 500, "LZF compresses the test string (%zu bytes)", clen);
    v_u8(&v, RDB_OPCODE_EXPIRETIME_MS);
    v_le(&v, 4102444800000ull, 8);
    v_u8(&v, 0);
    v_cs(&v, "lzf");
    v_u8(&v, 0xc3);
    v_len(&v, clen);
    v_len(&v, 500);
    v_bytes(&v, cbuf, clen);
    /* key with an int-encoded name, seconds expiry, IDLE, FREQ */
    v_u8(&v, RDB_OPCODE_EXPIRETIME);
    v_le(&v, 2000000000u, 4);
    v_u8(&v, RDB_OPCODE_IDLE);
    v_len(&v, 77);
    v_u8(&v, 0);
    v_u8(&v, 0xc0);
    v_u8(&v, 42);
    v_cs(&v, "");
    v_u8(&v, RDB_OPCODE_FREQ);
    v_u8(&v, 9);
    v_u8(&v, 0);
    v_cs(&v, "f");
    v_cs(&v, "1");
    /* FUNCTION2 and SLOT_INFO are skipped */
    v_u8(&v, RDB_OPCODE_FUNCTION2);
    v_cs(&v, "#!lua name=x\nredis.register_function('f', function() return 1 end)");
    v_u8(&v, RDB_OPCODE_SLOT_INFO);
    v_len(&v, 5);
    v_len(&v, 100);
    v_len(&v, 3);
    v_u8(&v, RDB_OPCODE_SELECTDB);
    v_len_form(&v, 7, 14);
    v_u8(&v, 0);
    v_cs(&v, "db7");
    v_cs(&v, "seven");
    v_finish(&v, 1);

    for (int known = 0; known <= 1; known++) {
        int rc = decode_vec(&v, &g, &info, &err, known);
        is_int(rc, 0, "vector decodes (size %s): %s", known ? "known" : "unknown", err.text);
        is_int(info.version, 9, "version 9");
        is_int(info.checksum_state, RDB_CKSUM_OK, "checksum verified");
        is_int(info.bytes, v.n, "every byte consumed");
    }
    is_int(g.n, 11, "11 keys");
    is_int(g.naux, 2, "2 AUX fields");
    is_str(g.aux[0][0], "redis-ver", "AUX name");
    is_str(g.aux[1][1], "64", "int-encoded AUX value");
    is_int(g.functions, 1, "FUNCTION2 delivered");
    is_int(g.resizes, 1, "RESIZEDB delivered");
    is_int(g.last_resize[0], 9, "RESIZEDB keys (14-bit)");
    is_int(g.last_resize[1], 2, "RESIZEDB expires (32-bit)");
    is_str(g.val[0], "short", "6-bit length");
    ok(g.vlen[1] == 100 && !memcmp(g.val[1], big, 100), "14-bit length");
    is_int(g.vlen[2], 70000, "32-bit length");
    is_str(g.val[3], "xyz", "64-bit length");
    is_str(g.val[4], "-123", "int8");
    is_int(g.enc[4], OBJ_ENC_INT, "int8 value is int-encoded");
    is_str(g.val[5], "-30000", "int16");
    is_str(g.val[6], "2000000000", "int32");
    ok(g.vlen[7] == 500 && !memcmp(g.val[7], big, 255), "LZF string");
    is_int(g.exp[7], 4102444800000ll, "EXPIRETIME_MS");
    is_int(g.exp[6], -1, "no expiry on the previous key");
    is_str(g.key[8], "42", "int-encoded key name");
    is_int(g.vlen[8], 0, "empty value");
    is_int(g.exp[8], 2000000000000ll, "EXPIRETIME in seconds");
    is_int(g.idle[8], 77, "IDLE");
    is_int(g.freq[9], 9, "FREQ");
    is_int(g.idle[9], -1, "IDLE applies to one key only");
    is_int(g.db[10], 7, "SELECTDB (14-bit form)");
    is_str(g.val[10], "seven", "key in db 7");
    v_free(&v);
}

static void test_vectors_checksums(void) {
    vec v = {0};
    got g;
    rdb_info info;
    rdb_err err;
    /* rdbchecksum no: zero trailer accepted */
    v_header(&v, 10);
    v_u8(&v, 0);
    v_cs(&v, "a");
    v_cs(&v, "b");
    v_finish(&v, 0);
    is_int(decode_vec(&v, &g, &info, &err, 1), 0, "zero checksum accepted");
    is_int(info.checksum_state, RDB_CKSUM_ZERO, "reported as not computed");
    v_free(&v);
    /* mismatch */
    v_header(&v, 10);
    v_u8(&v, 0);
    v_cs(&v, "a");
    v_cs(&v, "b");
    v_finish(&v, 2);
    int rc = decode_vec(&v, &g, &info, &err, 1);
    is_int(rc, -EBADMSG, "checksum mismatch refused");
    ok(contains(err.text, "checksum mismatch") && contains(err.text, "vec.rdb"), "message: %s", err.text);
    is_int(err.offset, v.n - 8, "offset of the trailer");
    v_free(&v);
    /* version 3: no trailer at all */
    v_header(&v, 3);
    v_u8(&v, RDB_OPCODE_SELECTDB);
    v_len(&v, 0);
    v_u8(&v, 0);
    v_cs(&v, "old");
    v_cs(&v, "v");
    v_u8(&v, RDB_OPCODE_EOF);
    is_int(decode_vec(&v, &g, &info, &err, 1), 0, "version 3 file: %s", err.text);
    is_int(info.checksum_state, RDB_CKSUM_NONE, "no checksum before version 5");
    is_int(g.n, 1, "its key");
    v_free(&v);
    /* STRATAL: LZ4 strings */
    char big[400];
    unsigned char cbuf[1024];
    memset(big, 'q', sizeof big);
    size_t clen = cmp_lz4_compress(big, sizeof big, cbuf, sizeof cbuf);
    v_cstr(&v, "STRATAL0010");
    v_u8(&v, 0);
    v_cs(&v, "z");
    v_u8(&v, 0xc3);
    v_len(&v, clen);
    v_len(&v, sizeof big);
    v_bytes(&v, cbuf, clen);
    v_finish(&v, 1);
    is_int(decode_vec(&v, &g, &info, &err, 1), 0, "STRATAL file: %s", err.text);
    ok(info.strata_lz4 && g.vlen[0] == sizeof big && g.val[0][254] == 'q', "LZ4 string decoded");
    v_free(&v);
}

/* One bad vector: header + body bytes + EOF; check code and message. */
static void bad_vector(const unsigned char *body, size_t n, int version, int code, const char *needle,
                       const char *what) {
    vec v = {0};
    got g;
    rdb_err err;
    v_header(&v, version);
    v_bytes(&v, body, n);
    v_finish(&v, 1);
    int rc = decode_vec(&v, &g, NULL, &err, 1);
    is_int(rc, code, "%s refused", what);
    ok(contains(err.text, needle) && contains(err.text, "offset"), "%s: %s", what, err.text);
    v_free(&v);
}

static void test_vectors_errors(void) {
    static const unsigned char unknown_op[] = {200};
    static const unsigned char bad_len[] = {0, 0x82, 0, 0, 0, 0, 'x'};
    static const unsigned char bad_enc[] = {0, 1, 'k', 0xc4};
    static const unsigned char pre_ga[] = {RDB_OPCODE_FUNCTION_PRE_GA, 1, 'x'};
    static const unsigned char stream_key[] = {RDB_TYPE_STREAM_LISTPACKS_2, 3, 'e', 'v', 't', 0};
    static const unsigned char bad_lzf[] = {0, 1, 'k', 0xc3, 3, 40, 0xff, 0xff, 0xff};
    static const unsigned char lying_lzf[] = {0, 1, 'k', 0xc3, 3, 0x80, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3};
    static const unsigned char huge_len[] = {0, 1, 'k', 0x81, 0x7f, 0, 0, 0, 0, 0, 0, 0};
    bad_vector(unknown_op, sizeof unknown_op, 10, -EBADMSG, "unknown RDB opcode or value type 200", "unknown opcode");
    bad_vector(bad_len, sizeof bad_len, 10, -EBADMSG, "bad length encoding 0x82", "bad length byte");
    bad_vector(bad_enc, sizeof bad_enc, 10, -EBADMSG, "unknown string encoding 4", "bad string encoding");
    bad_vector(pre_ga, sizeof pre_ga, 10, -ENOTSUP, "function", "FUNCTION_PRE_GA");
    bad_vector(stream_key, sizeof stream_key, 10, -ENOTSUP, "(key \"evt\")", "a stream value");
    bad_vector(bad_lzf, sizeof bad_lzf, 10, -EBADMSG, "invalid LZF", "corrupt LZF data");
    bad_vector(lying_lzf, sizeof lying_lzf, 10, -EBADMSG, "compressed string claims", "LZF claiming 2 GB");
    bad_vector(huge_len, sizeof huge_len, 10, -ENODATA, "runs past the end", "a 2^62-byte string");
    /* the module name is decoded from its 64-bit id */
    vec v = {0};
    got g;
    rdb_err err;
    char name[10];
    uint64_t id = 0;
    const char *cset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    snprintf(name, sizeof name, "ReJSON-RL");
    for (int i = 0; i < 9; i++) id = (id << 6) | (uint64_t)(strchr(cset, name[i]) - cset);
    id = (id << 10) | 3;
    v_header(&v, 10);
    v_u8(&v, RDB_OPCODE_MODULE_AUX);
    v_len_form(&v, id, 64);
    v_finish(&v, 1);
    is_int(decode_vec(&v, &g, NULL, &err, 1), -ENOTSUP, "MODULE_AUX refused");
    ok(contains(err.text, "'ReJSON-RL'"), "names the module: %s", err.text);
    v_free(&v);
    v_header(&v, 10);
    v_u8(&v, RDB_TYPE_MODULE_2);
    v_cs(&v, "doc");
    v_len_form(&v, id, 64);
    v_finish(&v, 1);
    is_int(decode_vec(&v, &g, NULL, &err, 1), -ENOTSUP, "module value refused");
    ok(contains(err.text, "'ReJSON-RL'") && contains(err.text, "\"doc\""), "names module and key: %s", err.text);
    is_int(err.offset, 9, "offset of the key's type byte");
    v_free(&v);
    /* header problems */
    v_cstr(&v, "REDIS0013");
    v_finish(&v, 1);
    is_int(decode_vec(&v, &g, NULL, &err, 1), -ENOTSUP, "version 13 refused");
    ok(contains(err.text, "RDB version 13 not supported"), "%s", err.text);
    v_free(&v);
    v_cstr(&v, "REDIS00x9");
    is_int(decode_vec(&v, &g, NULL, &err, 1), -EBADMSG, "bad version digits refused");
    v_free(&v);
    v_cstr(&v, "VALKEY080");
    is_int(decode_vec(&v, &g, NULL, &err, 1), -EBADMSG, "foreign magic refused");
    ok(contains(err.text, "wrong signature"), "%s", err.text);
    v_free(&v);
}

/* ---- 2. round trips ----------------------------------------------------------------------- */

static void fill(kvt_env *e) {
    kv_client *c = e->c;
    kvt_run(c, "SET small hello");
    kvt_run(c, "SET int 12345");
    kvt_run(c, "SET negint -7");
    kvt_run(c, "SET bigint 9223372036854775807");
    kvt_run(c, "SET notcanon 007");
    kvt_run(c, "SET empty \"\"");
    kvt_run(c, "SET bin \"a\\x00b\\xffc\\r\\n\"");
    kvt_runf(c, "SET compressible %0500d", 0);
    kvt_run(c, "SET withttl v PX 100000000");
    kvt_run(c, "SET \"\\x00binkey\" v");
    kvt_run(c, "SET 42 intkey");
    kvt_run(c, "SET k20 12345678901234567890");
    char rnd[3000];
    for (size_t i = 0; i < sizeof rnd; i++) rnd[i] = (char)('A' + (i * 7919 + i / 13) % 57);
    const char *argv[3] = {"SET", "random", rnd};
    size_t lens[3] = {3, 6, sizeof rnd};
    kvt_runv(c, 3, argv, lens);
    kvt_run(c, "SELECT 5");
    kvt_run(c, "SET indb5 five");
    kvt_run(c, "SET exp5 x EX 5000");
    kvt_run(c, "SELECT 15");
    kvt_run(c, "SET indb15 fifteen");
    kvt_run(c, "SELECT 0");
}

typedef struct load_into {
    kv_server *srv;
} load_into;

static int li_key(void *priv, rdb_reader *r, uint64_t dbid, int t, sds key, kv_obj *val, const rdb_key_meta *m) {
    load_into *l = priv;
    (void)r;
    (void)t;
    kv_db *db = &l->srv->dbs[dbid];
    db_add(l->srv, db, key, val);
    if (m->expire_ms >= 0) db_set_expire(l->srv, db, key, m->expire_ms);
    sds_free(key);
    return 0;
}

static void test_roundtrip_memory(void) {
    kvt_env *a = kvt_start();
    fill(a);
    char da[41], db[41];
    debug_dataset_digest(a->srv, da);
    static const char *names[] = {"none", "LZF", "LZ4"};
    for (int comp = 0; comp < 3; comp++) {
        for (int ck = 0; ck <= 1; ck++) {
            rdb_save_opts o = {.compression = comp, .checksum = ck, .used_mem = 1000};
            strm *s = strm_membuf(1024);
            rdb_err err;
            long long keys = 0;
            int rc = rdb_encode(s, a->srv->dbs, a->srv->dbnum, &o, &keys, &err);
            is_int(rc, 0, "encode (%s, checksum %d)", names[comp], ck);
            is_int(keys, 16, "16 keys written");
            size_t len;
            const void *data = strm_membuf_data(s, &len);
            ok(!memcmp(data, comp == 2 ? "STRATAL0010" : "REDIS0010", comp == 2 ? 11 : 9), "header");
            kvt_env *b = kvt_start();
            load_into l = {b->srv};
            rdb_sink sink = {NULL, NULL, NULL, li_key, NULL, &l};
            rdb_load_opts lo = {.size = len};
            rdb_info info;
            strm *in = strm_memread(data, len);
            rc = rdb_decode(in, &lo, &sink, &info, &err);
            strm_close(in);
            is_int(rc, 0, "decode back: %s", err.text);
            is_int(info.checksum_state, ck ? RDB_CKSUM_OK : RDB_CKSUM_ZERO, "checksum state");
            debug_dataset_digest(b->srv, db);
            is_str(db, da, "same dataset digest (%s, checksum %d)", names[comp], ck);
            kvt_stop(b);
            strm_close(s);
        }
    }
    /* int-encoding and compression are really used */
    rdb_save_opts o = {.compression = RDB_COMPRESS_LZF, .checksum = 1};
    strm *s = strm_membuf(1024);
    rdb_encode(s, a->srv->dbs, a->srv->dbnum, &o, NULL, NULL);
    size_t lzf_len;
    strm_membuf_data(s, &lzf_len);
    strm_close(s);
    o.compression = RDB_COMPRESS_NONE;
    s = strm_membuf(1024);
    rdb_encode(s, a->srv->dbs, a->srv->dbnum, &o, NULL, NULL);
    size_t plain_len;
    strm_membuf_data(s, &plain_len);
    strm_close(s);
    ok(lzf_len + 400 < plain_len, "LZF file smaller (%zu vs %zu)", lzf_len, plain_len);
    kvt_stop(a);
}

static void test_string_encodings_written(void) {
    /* what rdb_write_string emits for each kind of string */
    static const struct {
        const char *in;
        const char *out;
        size_t outlen;
    } cases[] = {
        {"0", "\xc0\x00", 2},
        {"-128", "\xc0\x80", 2},
        {"127", "\xc0\x7f", 2},
        {"128", "\xc1\x80\x00", 3},
        {"-32768", "\xc1\x00\x80", 3},
        {"32768", "\xc2\x00\x80\x00\x00", 5},
        {"2147483647", "\xc2\xff\xff\xff\x7f", 5},
        {"2147483648", "\x0a" "2147483648", 11},
        {"007", "\x03" "007", 4},
        {"-0", "\x02-0", 3},
        {"", "\x00", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kvt_env *e = kvt_start();
        strm *s = strm_membuf(64);
        /* through rdb_encode_value of a raw string object */
        kv_obj *o = obj_new_raw(cases[i].in, strlen(cases[i].in));
        rdb_encode_value(s, o, RDB_COMPRESS_LZF, NULL);
        size_t len;
        const unsigned char *d = strm_membuf_data(s, &len);
        ok(len == cases[i].outlen + 1 && d[0] == 0 && !memcmp(d + 1, cases[i].out, cases[i].outlen),
           "string \"%s\" written as Redis does", cases[i].in);
        obj_decr_ref(o);
        strm_close(s);
        kvt_stop(e);
    }
    /* an INT-encoded object beyond 32 bits is written as its decimal text */
    strm *s = strm_membuf(64);
    kv_obj *o = obj_new_ll(-5000000000LL);
    rdb_encode_value(s, o, RDB_COMPRESS_NONE, NULL);
    size_t len;
    const unsigned char *d = strm_membuf_data(s, &len);
    ok(len == 13 && d[1] == 11 && !memcmp(d + 2, "-5000000000", 11), "64-bit int object as text");
    obj_decr_ref(o);
    strm_close(s);
}

/* ---- 3. truncation and corruption sweeps ---------------------------------------------- */

static void test_truncation_and_corruption(void) {
    kvt_env *a = kvt_start();
    kvt_run(a->c, "SET alpha 1");
    kvt_run(a->c, "SET beta hello PX 99999999");
    kvt_runf(a->c, "SET gamma %050d", 7);
    kvt_run(a->c, "SELECT 2");
    kvt_run(a->c, "SET delta 70000");
    kvt_run(a->c, "HSET h f1 v1 f2 22");
    kvt_run(a->c, "SADD si 1 2 3");
    kvt_run(a->c, "SADD ss a b");
    kvt_run(a->c, "ZADD z 1 a 2.5 b");
    kvt_run(a->c, "CONFIG SET zset-max-listpack-entries 1");
    kvt_run(a->c, "ZADD zs 1 a 2 b");
    kvt_run(a->c, "RPUSH l a 7 bb");
    rdb_save_opts o = {.compression = RDB_COMPRESS_LZF, .checksum = 1};
    strm *s = strm_membuf(256);
    rdb_encode(s, a->srv->dbs, a->srv->dbnum, &o, NULL, NULL);
    size_t len;
    const unsigned char *full = strm_membuf_data(s, &len);
    unsigned char *buf = malloc(len);
    int trunc_ok = 1, corrupt_ok = 1, corrupt_unknown_ok = 1;
    for (size_t cut = 0; cut < len; cut++) {
        vec v = {(unsigned char *)full, cut, cut};
        got g;
        rdb_err err;
        int rc1 = decode_vec(&v, &g, NULL, &err, 1);
        int rc2 = decode_vec(&v, &g, NULL, &err, 0);
        if (rc1 == 0 || rc2 == 0 || !err.text[0]) {
            trunc_ok = 0;
            diag("truncated at %zu: rc %d/%d", cut, rc1, rc2);
        }
    }
    ok(trunc_ok, "truncation at each of %zu bytes is an error", len);
    for (size_t pos = 0; pos < len; pos++) {
        for (int k = 0; k < 3; k++) {
            static const unsigned char xors[] = {0x01, 0x80, 0xff};
            memcpy(buf, full, len);
            buf[pos] ^= xors[k];
            vec v = {buf, len, len};
            got g;
            rdb_err err;
            if (decode_vec(&v, &g, NULL, &err, 1) == 0) {
                corrupt_ok = 0;
                diag("byte %zu ^ %02x accepted", pos, xors[k]);
            }
            if (decode_vec(&v, &g, NULL, &err, 0) == 0) corrupt_unknown_ok = 0;
        }
    }
    ok(corrupt_ok, "every single-byte corruption is an error (size known)");
    ok(corrupt_unknown_ok, "every single-byte corruption is an error (size unknown)");
    free(buf);
    strm_close(s);
    kvt_stop(a);
}

/* ---- 4. files and faults -------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static int count_temp_files(void) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, "temp-", 5)) n++;
    if (d) closedir(d);
    return n;
}

static void test_files_and_faults(void) {
    kvt_env *a = kvt_start();
    fill(a);
    rdb_save_opts o = {.compression = RDB_COMPRESS_LZF, .checksum = 1};
    rdb_err err;
    const char *dump = P("dump.rdb");
    is_int(rdb_save_file(dump, NULL, a->srv->dbs, a->srv->dbnum, &o, 1, NULL, &err), 0, "save to a file: %s",
           err.text);
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/temp-%d.rdb", dir, (int)getpid());
    size_t oldlen;
    char *old = slurp(dump, &oldlen);
    ok(old && oldlen > 100, "dump written (%zu bytes)", oldlen);
    is_int(count_temp_files(), 0, "no temp file left");

    kvt_run(a->c, "SET changed yes");
    static const struct {
        enum fio_op op;
        int err;
        const char *what;
    } faults[] = {
        {FIO_OP_WRITE, ENOSPC, "ENOSPC on write"},
        {FIO_OP_WRITE, EIO, "EIO on write"},
        {FIO_OP_FDATASYNC, EIO, "EIO on fdatasync"},
        {FIO_OP_FSYNC, EIO, "EIO on fsync"},
        {FIO_OP_RENAME, EXDEV, "failed rename"},
        {FIO_OP_OPEN, EACCES, "failed open"},
    };
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        ok(fio_fault_install() == 0, "fault layer installed");
        fio_fault_fail(faults[i].op, 1, 0, faults[i].err);
        memset(&err, 0, sizeof err);
        int rc = rdb_save_file(dump, NULL, a->srv->dbs, a->srv->dbnum, &o, 1, NULL, &err);
        fio_fault_uninstall();
        is_int(rc, -faults[i].err, "%s: save fails", faults[i].what);
        ok(err.text[0] != 0, "%s: %s", faults[i].what, err.text);
        size_t nowlen;
        char *now = slurp(dump, &nowlen);
        ok(now && nowlen == oldlen && !memcmp(now, old, oldlen), "%s: old dump intact", faults[i].what);
        free(now);
        is_int(count_temp_files(), 0, "%s: temp file removed", faults[i].what);
    }
    /* a short write is not an error (fio_write_all loops) */
    fio_fault_install();
    fio_fault_short(FIO_OP_WRITE, 1, 0, 7);
    is_int(rdb_save_file(dump, NULL, a->srv->dbs, a->srv->dbnum, &o, 1, NULL, &err), 0, "short writes: save works");
    fio_fault_uninstall();

    /* load the file into a fresh server: same digest */
    kvt_env *b = kvt_start();
    rdb_load_stats st;
    is_int(rdb_load_file(b->srv, dump, &st, &err), 0, "load the file back: %s", err.text);
    char da[41], dbg[41];
    debug_dataset_digest(a->srv, da);
    debug_dataset_digest(b->srv, dbg);
    is_str(dbg, da, "same digest after a file round trip");
    is_int(st.keys_loaded, 17, "17 keys loaded");
    is_int(st.version, 10, "version 10");
    is_int(rdb_load_file(b->srv, P("missing.rdb"), NULL, &err), -ENOENT, "missing file: -ENOENT");
    kvt_stop(b);
    free(old);
    kvt_stop(a);
}

/* Crash after every fio crash point of a save (forked child, power-loss
 * model): the dump must then be the complete old or the complete new one. */
static void test_crash_sweep(void) {
    kvt_env *a = kvt_start();
    kvt_run(a->c, "SET one 1");
    rdb_save_opts o = {.compression = RDB_COMPRESS_LZF, .checksum = 1};
    const char *dump = P("crash.rdb");
    rdb_save_file(dump, NULL, a->srv->dbs, a->srv->dbnum, &o, 0, NULL, NULL);
    char d_old[41], d_new[41];
    debug_dataset_digest(a->srv, d_old);
    kvt_run(a->c, "SET two 2");
    kvt_runf(a->c, "SET three %0300d", 3);
    debug_dataset_digest(a->srv, d_new);
    /* count the points */
    fio_fault_install();
    fio_fault_track(1);
    unsigned long before = fio_fault_points();
    rdb_save_file(P("count.rdb"), NULL, a->srv->dbs, a->srv->dbnum, &o, 0, NULL, NULL);
    unsigned long points = fio_fault_points() - before;
    fio_fault_uninstall();
    unlink(P("count.rdb"));
    ok(points >= 4, "a save has %lu crash points", points);
    int all_ok = 1, saw_new = 0, saw_old = 0;
    for (unsigned long k = 1; k <= points; k++) {
        size_t oldlen;
        char *old = slurp(dump, &oldlen);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            fio_fault_install();
            fio_fault_track(1);
            fio_fault_crash_at(fio_fault_points() + k, k % 2 ? FIO_CRASH_DROP : FIO_CRASH_TEAR, k);
            rdb_save_file(dump, NULL, a->srv->dbs, a->srv->dbnum, &o, 0, NULL, NULL);
            _exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
        kvt_env *b = kvt_start();
        rdb_err err;
        int rc = rdb_load_file(b->srv, dump, NULL, &err);
        char d[41];
        debug_dataset_digest(b->srv, d);
        if (rc != 0 || (strcmp(d, d_old) && strcmp(d, d_new))) {
            all_ok = 0;
            diag("crash point %lu: rc %d %s", k, rc, err.text);
        }
        if (!strcmp(d, d_new)) saw_new = 1;
        if (!strcmp(d, d_old)) saw_old = 1;
        kvt_stop(b);
        /* back to the old dump for the next point */
        FILE *f = fopen(dump, "wb");
        fwrite(old, 1, oldlen, f);
        fclose(f);
        free(old);
        DIR *dd = opendir(dir);
        struct dirent *e;
        while (dd && (e = readdir(dd)))
            if (!strncmp(e->d_name, "temp-", 5) || !strncmp(e->d_name, ".fio-stash", 10)) unlink(P(e->d_name));
        if (dd) closedir(dd);
    }
    ok(all_ok, "after a crash at each of %lu points the dump is the old or the new one, complete", points);
    ok(saw_old && saw_new, "both outcomes seen (old %d, new %d)", saw_old, saw_new);
    kvt_stop(a);
}

/* ---- 5. loading into a server ---------------------------------------------------------------- */

static void write_vec(const char *path, const vec *v) {
    FILE *f = fopen(path, "wb");
    if (v->n) fwrite(v->b, 1, v->n, f);
    fclose(f);
}

static void test_load_semantics(void) {
    kvt_env *e = kvt_start();
    kvt_run(e->c, "SET keep me");
    char before[41], after[41];
    debug_dataset_digest(e->srv, before);
    rdb_err err;
    vec v = {0};
    /* a file that fails half-way: nothing of it is served */
    v_header(&v, 10);
    v_u8(&v, 0);
    v_cs(&v, "first");
    v_cs(&v, "1");
    v_u8(&v, 0);
    v_cs(&v, "second");
    v_u8(&v, 0xc4);
    v_finish(&v, 1);
    write_vec(P("bad.rdb"), &v);
    v_free(&v);
    ok(rdb_load_file(e->srv, P("bad.rdb"), NULL, &err) != 0, "bad file refused: %s", err.text);
    ok(contains(err.text, P("bad.rdb")) && contains(err.text, "\"second\""), "message names file and key");
    debug_dataset_digest(e->srv, after);
    is_str(after, before, "dataset unchanged after a failed load");
    /* db out of range */
    v_header(&v, 10);
    v_u8(&v, RDB_OPCODE_SELECTDB);
    v_len(&v, 16);
    v_u8(&v, 0);
    v_cs(&v, "x");
    v_cs(&v, "y");
    v_finish(&v, 1);
    write_vec(P("db16.rdb"), &v);
    v_free(&v);
    is_int(rdb_load_file(e->srv, P("db16.rdb"), NULL, &err), -ERANGE, "DB 16 with databases 16: refused");
    ok(contains(err.text, "databases 16"), "%s", err.text);
    /* duplicate key */
    v_header(&v, 10);
    for (int i = 0; i < 2; i++) {
        v_u8(&v, 0);
        v_cs(&v, "dup");
        v_cs(&v, "y");
    }
    v_finish(&v, 1);
    write_vec(P("dup.rdb"), &v);
    v_free(&v);
    is_int(rdb_load_file(e->srv, P("dup.rdb"), NULL, &err), -EEXIST, "duplicated key refused");
    ok(contains(err.text, "duplicated key") && contains(err.text, "\"dup\""), "%s", err.text);
    /* expired keys are skipped and counted, live ones loaded with their TTL */
    v_header(&v, 10);
    v_u8(&v, RDB_OPCODE_EXPIRETIME_MS);
    v_le(&v, 1000, 8);
    v_u8(&v, 0);
    v_cs(&v, "old");
    v_cs(&v, "gone");
    v_u8(&v, RDB_OPCODE_EXPIRETIME_MS);
    v_le(&v, 4102444800000ull, 8);
    v_u8(&v, 0);
    v_cs(&v, "future");
    v_cs(&v, "here");
    v_finish(&v, 1);
    write_vec(P("exp.rdb"), &v);
    v_free(&v);
    rdb_load_stats st;
    is_int(rdb_load_file(e->srv, P("exp.rdb"), &st, &err), 0, "load with expiries: %s", err.text);
    is_int(st.keys_loaded, 1, "one key loaded");
    is_int(st.keys_expired, 1, "one expired key skipped");
    is_str(kvt_run(e->c, "GET keep"), "$-1\r\n", "old dataset replaced");
    is_str(kvt_run(e->c, "PEXPIRETIME future"), ":4102444800000\r\n", "TTL kept");
    is_str(kvt_run(e->c, "EXISTS old"), ":0\r\n", "expired key absent");
    const char *info = kvt_run(e->c, "INFO persistence");
    ok(contains(info, "rdb_last_load_keys_expired:1\r\n") && contains(info, "rdb_last_load_keys_loaded:1\r\n"),
       "INFO rdb_last_load_keys_*");
    kvt_stop(e);
}

/* ---- 6. commands ------------------------------------------------------------------------------- */

/* Run the cron until the BGSAVE child is reaped (at most ~10 s). */
static void wait_child(kvt_env *e) {
    for (int i = 0; i < 1000 && rdb_child_active(e->srv); i++) {
        usleep(10000);
        rdb_cron(e->srv);
    }
}

/* A server whose dbfilename is cmd.rdb (the working directory is dir). */
static int busy_flag;
static int fake_busy(void *priv) { return *(int *)priv; }

static kvt_env *start_in_dir(void) {
    kvt_env *e = kvt_start();
    sds err = NULL;
    if (config_load_string(&e->cfg, "dbfilename cmd.rdb", "test", &err) != 0) diag("config: %s", err);
    sds_free(err);
    return e;
}

static void test_commands(void) {
    kvt_env *e = start_in_dir();
    kv_client *c = e->c;
    kvt_run(c, "SET a 1");
    kvt_run(c, "SET b 2");
    const char *r = kvt_run(c, "INFO persistence");
    ok(contains(r, "rdb_changes_since_last_save:2\r\n") && contains(r, "rdb_bgsave_in_progress:0\r\n") &&
           contains(r, "rdb_last_bgsave_status:ok\r\n") && contains(r, "rdb_saves:0\r\n") &&
           contains(r, "loading:0\r\n"),
       "INFO persistence before any save");
    is_str(kvt_run(c, "SAVE"), "+OK\r\n", "SAVE");
    struct stat sb;
    ok(stat(P("cmd.rdb"), &sb) == 0, "SAVE wrote the dump");
    r = kvt_run(c, "INFO persistence");
    ok(contains(r, "rdb_changes_since_last_save:0\r\n") && contains(r, "rdb_saves:1\r\n"), "dirty reset by SAVE");
    char want[64];
    snprintf(want, sizeof want, ":%lld\r\n", rdb_lastsave(e->srv));
    is_str(kvt_run(c, "LASTSAVE"), want, "LASTSAVE");
    ok(llabs(rdb_lastsave(e->srv) - (long long)time(NULL)) <= 2, "LASTSAVE is now");
    is_str(kvt_run(c, "BGSAVE foo"), "-ERR syntax error\r\n", "BGSAVE foo");
    is_str(kvt_run(c, "SAVE x"), "-ERR wrong number of arguments for 'save' command\r\n", "SAVE arity");

    kvt_run(c, "SET c 3");
    unlink(P("cmd.rdb"));
    is_str(kvt_run(c, "BGSAVE"), "+Background saving started\r\n", "BGSAVE");
    is_str(kvt_run(c, "BGSAVE"), "-ERR Background save already in progress\r\n", "second BGSAVE");
    is_str(kvt_run(c, "BGSAVE SCHEDULE"), "-ERR Background save already in progress\r\n", "BGSAVE SCHEDULE");
    is_str(kvt_run(c, "SAVE"), "-ERR Background save already in progress\r\n", "SAVE during BGSAVE");
    ok(contains(kvt_run(c, "INFO persistence"), "rdb_bgsave_in_progress:1\r\n"), "INFO: in progress");
    kvt_run(c, "SET d 4"); /* written after the fork: stays dirty */
    wait_child(e);
    ok(!rdb_child_active(e->srv), "child reaped by the cron");
    ok(stat(P("cmd.rdb"), &sb) == 0, "BGSAVE wrote the dump");
    r = kvt_run(c, "INFO persistence");
    ok(contains(r, "rdb_last_bgsave_status:ok\r\n") && contains(r, "rdb_changes_since_last_save:1\r\n") &&
           contains(r, "rdb_last_bgsave_time_sec:0\r\n"),
       "after BGSAVE: status ok, the write after the fork still counted");
    ok(contains(kvt_run(c, "INFO stats"), "total_forks:1\r\n"), "INFO total_forks");
    kvt_env *chk = kvt_start();
    rdb_err err;
    is_int(rdb_load_file(chk->srv, P("cmd.rdb"), NULL, &err), 0, "BGSAVE's dump loads");
    is_str(kvt_run(chk->c, "MGET a b c d"), "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$-1\r\n", "point-in-time content");
    kvt_stop(chk);

    /* a BGSAVE that fails (ENOSPC in the child): status err, MISCONF */
    fio_fault_install();
    fio_fault_fail(FIO_OP_WRITE, 1, 0, ENOSPC);
    is_str(kvt_run(c, "BGSAVE"), "+Background saving started\r\n", "BGSAVE with a full disk");
    wait_child(e);
    fio_fault_uninstall();
    ok(contains(kvt_run(c, "INFO persistence"), "rdb_last_bgsave_status:err\r\n"), "status err");
    r = kvt_run(c, "SET x 1");
    ok(!strncmp(r, "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
                95),
       "writes refused with MISCONF");
    is_str(kvt_run(c, "GET a"), "$1\r\n1\r\n", "reads still served");
    kvt_env *other = kvt_start();
    is_str(kvt_run(other->c, "SET x 1"), "+OK\r\n", "another server in the process is not gated by this one's MISCONF");
    kvt_stop(other);
    kvt_run(c, "CONFIG SET stop-writes-on-bgsave-error no");
    is_str(kvt_run(c, "SET x 1"), "+OK\r\n", "stop-writes-on-bgsave-error no: writes accepted");
    kvt_run(c, "CONFIG SET stop-writes-on-bgsave-error yes");
    ok(!strncmp(kvt_run(c, "SET x 1"), "-MISCONF", 8), "refused again");
    is_str(kvt_run(c, "SAVE"), "+OK\r\n", "a successful SAVE");
    is_str(kvt_run(c, "SET x 1"), "+OK\r\n", "writes accepted after the save");

    /* a failed SAVE: -ERR, status unchanged */
    fio_fault_install();
    fio_fault_fail(FIO_OP_FDATASYNC, 1, 0, EIO);
    fio_fault_fail(FIO_OP_FSYNC, 1, 0, EIO);
    is_str(kvt_run(c, "SAVE"), "-ERR\r\n", "SAVE with a failing disk: -ERR");
    fio_fault_uninstall();
    ok(contains(kvt_run(c, "INFO persistence"), "rdb_last_bgsave_status:ok\r\n"), "a failed SAVE keeps status ok");

    /* BGSAVE inside MULTI is scheduled, and the cron runs it */
    kvt_run(c, "MULTI");
    kvt_run(c, "BGSAVE");
    r = kvt_run(c, "EXEC");
    is_str(r, "*1\r\n+Background saving scheduled\r\n", "BGSAVE in EXEC is scheduled");
    rdb_cron(e->srv);
    ok(rdb_child_active(e->srv), "the cron starts the scheduled BGSAVE");
    wait_child(e);

    /* another child (an AOF rewrite) running: BGSAVE refused or scheduled */
    busy_flag = 1;
    rdb_set_busy_check(e->srv, fake_busy, &busy_flag);
    is_str(kvt_run(c, "BGSAVE"),
           "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to "
           "schedule a BGSAVE whenever possible.\r\n",
           "BGSAVE while another child runs");
    is_str(kvt_run(c, "BGSAVE SCHEDULE"), "+Background saving scheduled\r\n", "BGSAVE SCHEDULE while busy");
    rdb_cron(e->srv);
    ok(!rdb_child_active(e->srv), "not started while the other child runs");
    busy_flag = 0;
    rdb_cron(e->srv);
    ok(rdb_child_active(e->srv), "started once it is gone");
    wait_child(e);
    rdb_set_busy_check(e->srv, NULL, NULL);

    /* DEBUG RELOAD */
    char d1[41], d2[41];
    kvt_run(c, "SET reload yes EX 1000");
    debug_dataset_digest(e->srv, d1);
    is_str(kvt_run(c, "DEBUG RELOAD"), "+OK\r\n", "DEBUG RELOAD");
    debug_dataset_digest(e->srv, d2);
    is_str(d2, d1, "same dataset after DEBUG RELOAD");

    /* save rules: `save 1 1` fires after more than a second */
    kvt_run(c, "CONFIG SET save \"1 1\"");
    kvt_run(c, "SET rule 1");
    rdb_cron(e->srv);
    ok(!rdb_child_active(e->srv), "rule not due within the second");
    sleep(2);
    rdb_cron(e->srv);
    ok(rdb_child_active(e->srv), "rule fired: BGSAVE started");
    wait_child(e);
    ok(contains(kvt_run(c, "INFO persistence"), "rdb_changes_since_last_save:0\r\n"), "dirty back to 0");

    /* shutdown saves when rules exist, not with NOSAVE */
    unlink(P("cmd.rdb"));
    is_int(rdb_shutdown(e->srv, SHUTDOWN_NOSAVE), 0, "SHUTDOWN NOSAVE");
    ok(stat(P("cmd.rdb"), &sb) != 0, "NOSAVE: no dump");
    is_int(rdb_shutdown(e->srv, 0), 0, "SHUTDOWN with save rules");
    ok(stat(P("cmd.rdb"), &sb) == 0, "dump written at shutdown");
    fio_fault_install();
    fio_fault_fail(FIO_OP_OPEN, 1, 0, EACCES);
    is_int(rdb_shutdown(e->srv, 0), -1, "a failed shutdown save refuses to exit");
    is_int(rdb_shutdown(e->srv, SHUTDOWN_FORCE), 0, "FORCE exits anyway");
    fio_fault_uninstall();
    kvt_run(c, "CONFIG SET save \"\"");
    unlink(P("cmd.rdb"));
    is_int(rdb_shutdown(e->srv, 0), 0, "no rules: shutdown without saving");
    ok(stat(P("cmd.rdb"), &sb) != 0, "no dump without rules");
    is_int(rdb_shutdown(e->srv, SHUTDOWN_SAVE), 0, "SHUTDOWN SAVE without rules");
    ok(stat(P("cmd.rdb"), &sb) == 0, "SHUTDOWN SAVE writes the dump");

    /* a child killed by us does not count as a failure; by another signal it does */
    kvt_run(c, "DEBUG POPULATE 20000");
    kvt_run(c, "BGSAVE");
    rdb_kill_child(e->srv);
    ok(!rdb_child_active(e->srv), "rdb_kill_child");
    is_int(count_temp_files(), 0, "killed child's temp file removed");
    kvt_stop(e);
}

/* ---- DUMP / RESTORE ---------------------------------------------------------------------------- */

/* RESP bulk reply -> bytes (static buffer). */
static const char *bulk_body(const char *r, size_t *len) {
    static char buf[65536];
    if (!r || r[0] != '$') return NULL;
    long n = strtol(r + 1, NULL, 10);
    const char *p = strstr(r, "\r\n");
    if (n < 0 || !p || (size_t)n >= sizeof buf) return NULL;
    memcpy(buf, p + 2, (size_t)n);
    *len = (size_t)n;
    return buf;
}

static const char *restore(kv_client *c, const char *key, const char *ttl, const char *payload, size_t plen,
                           const char *opt1, const char *opt2) {
    const char *argv[7] = {"RESTORE", key, ttl, payload, opt1, opt2, NULL};
    size_t lens[7] = {7, strlen(key), strlen(ttl), plen, opt1 ? strlen(opt1) : 0, opt2 ? strlen(opt2) : 0, 0};
    int argc = 4 + (opt1 != NULL) + (opt2 != NULL);
    return kvt_runv(c, argc, argv, lens);
}

static void test_dump_restore(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    kvt_run(c, "SET s hello");
    size_t len;
    const char *p = bulk_body(kvt_run(c, "DUMP s"), &len);
    /* Redis 7.0: DUMP of "hello" */
    static const unsigned char want[] = {0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 0x0a, 0x00,
                                         0xf9, 0x25, 0xdf, 0x6a, 0x0d, 0xa8, 0x91, 0x1c};
    uint64_t crc = crc64(0, want, 9);
    unsigned char w2[17];
    memcpy(w2, want, 9);
    for (int i = 0; i < 8; i++) w2[9 + i] = (unsigned char)(crc >> (8 * i));
    ok(p && len == 17 && !memcmp(p, w2, 17), "DUMP s: type, string, version 10, CRC-64");
    char payload[4096];
    memcpy(payload, p, len);
    size_t plen = len;
    is_str(kvt_run(c, "DUMP nosuchkey"), "$-1\r\n", "DUMP of a missing key");
    is_str(restore(c, "s", "0", payload, plen, NULL, NULL), "-BUSYKEY Target key name already exists.\r\n",
           "RESTORE onto an existing key");
    is_str(restore(c, "s2", "0", payload, plen, NULL, NULL), "+OK\r\n", "RESTORE s2");
    is_str(kvt_run(c, "GET s2"), "$5\r\nhello\r\n", "restored value");
    is_str(restore(c, "s2", "0", payload, plen, "REPLACE", NULL), "+OK\r\n", "RESTORE REPLACE");
    is_str(restore(c, "t", "100000", payload, plen, NULL, NULL), "+OK\r\n", "RESTORE with a TTL");
    const char *pt = kvt_run(c, "PTTL t");
    long long ms = strtoll(pt + 1, NULL, 10);
    ok(ms > 90000 && ms <= 100000, "relative TTL applied (%lld)", ms);
    is_str(restore(c, "abs", "4102444800000", payload, plen, "ABSTTL", NULL), "+OK\r\n", "ABSTTL");
    is_str(kvt_run(c, "PEXPIRETIME abs"), ":4102444800000\r\n", "absolute TTL");
    is_str(restore(c, "past", "1000", payload, plen, "ABSTTL", NULL), "+OK\r\n", "already expired: OK");
    is_str(kvt_run(c, "EXISTS past"), ":0\r\n", "...and not created");
    is_str(restore(c, "idle", "0", payload, plen, "IDLETIME", "1000"), "+OK\r\n", "IDLETIME");
    pt = kvt_run(c, "OBJECT IDLETIME idle");
    ok(strtoll(pt + 1, NULL, 10) >= 999, "OBJECT IDLETIME after IDLETIME 1000: %s", pt);
    is_str(restore(c, "x", "-1", payload, plen, NULL, NULL), "-ERR Invalid TTL value, must be >= 0\r\n", "bad TTL");
    is_str(restore(c, "x", "0", payload, plen, "IDLETIME", "-1"), "-ERR Invalid IDLETIME value, must be >= 0\r\n",
           "bad IDLETIME");
    is_str(restore(c, "x", "0", payload, plen, "FREQ", "256"),
           "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n", "bad FREQ");
    is_str(restore(c, "x", "0", payload, plen, "BOGUS", NULL), "-ERR syntax error\r\n", "unknown option");
    payload[3] ^= 1;
    is_str(restore(c, "x", "0", payload, plen, NULL, NULL), "-ERR DUMP payload version or checksum are wrong\r\n",
           "corrupt payload");
    payload[3] ^= 1;
    /* bytes after the value (checksum fixed up): Bad data format */
    unsigned char odd[32];
    memcpy(odd, payload, 9);
    odd[9] = 'X';
    odd[10] = 10;
    odd[11] = 0;
    crc = crc64(0, odd, 12);
    for (int i = 0; i < 8; i++) odd[12 + i] = (unsigned char)(crc >> (8 * i));
    is_str(restore(c, "x", "0", (const char *)odd, 20, NULL, NULL), "-ERR Bad data format\r\n",
           "trailing bytes after the value");
    is_str(restore(c, "x", "0", "short", 5, NULL, NULL), "-ERR DUMP payload version or checksum are wrong\r\n",
           "too short");
    /* version 13: refused */
    memcpy(odd, payload, plen);
    odd[plen - 10] = 13;
    crc = crc64(0, odd, plen - 8);
    for (int i = 0; i < 8; i++) odd[plen - 8 + i] = (unsigned char)(crc >> (8 * i));
    is_str(restore(c, "x", "0", (const char *)odd, plen, NULL, NULL),
           "-ERR DUMP payload version or checksum are wrong\r\n", "version 13 payload");
    /* int, big and compressible values round-trip */
    kvt_run(c, "SET i 123456789");
    kvt_runf(c, "SET z %0300d", 1);
    kvt_run(c, "SET neg -9223372036854775808");
    static const char *keys[] = {"i", "z", "neg"};
    for (int k = 0; k < 3; k++) {
        char cmd[64], nk[16], v1[512];
        snprintf(cmd, sizeof cmd, "DUMP %s", keys[k]);
        p = bulk_body(kvt_run(c, cmd), &len);
        memcpy(payload, p, len);
        if (k == 1) ok(len < 100, "the 300-byte zero string is LZF-compressed in DUMP (%zu bytes)", len);
        snprintf(nk, sizeof nk, "%s-copy", keys[k]);
        is_str(restore(c, nk, "0", payload, len, NULL, NULL), "+OK\r\n", "RESTORE %s", nk);
        snprintf(cmd, sizeof cmd, "GET %s", keys[k]);
        snprintf(v1, sizeof v1, "%s", kvt_run(c, cmd));
        snprintf(cmd, sizeof cmd, "GET %s", nk);
        is_str(kvt_run(c, cmd), v1, "%s restored byte for byte", keys[k]);
    }
    kvt_stop(e);
}

/* ---- 7. legacy fixtures ---------------------------------------------------------------------- */

static void test_fixtures(void) {
    const char *shared = getenv("STRATA_SHARED");
    char fdir[PATH_MAX];
    snprintf(fdir, sizeof fdir, "%s/fixtures/legacy-rdb", shared ? shared : "../shared");
    struct stat sb;
    if (stat(fdir, &sb) != 0) {
        ok(1, "# SKIP legacy fixtures not found at %s", fdir);
        return;
    }
    static const struct {
        const char *file;
        int code;
        long long keys;
        const char *needle;
        const char *cmd, *want; /* checked when it loads */
        const char *enc;        /* OBJECT ENCODING of the command's key */
    } cases[] = {
        {"scriptbackup.rdb", 0, 0, NULL, "DBSIZE", ":0\r\n", NULL},
        {"hash-zipmap.rdb", 0, 1, NULL, "HGETALL hash", "*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n",
         "listpack"},
        {"hash-ziplist.rdb", 0, 1, NULL, "HGETALL hash",
         "*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n", "listpack"},
        {"zset-ziplist.rdb", 0, 1, NULL, "ZRANGE zset 0 -1 WITHSCORES",
         "*4\r\n$3\r\none\r\n$1\r\n1\r\n$3\r\ntwo\r\n$1\r\n2\r\n", "listpack"},
        {"encodings.rdb", 0, 13, NULL, "LRANGE list_zipped 0 -1",
         "*8\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$6\r\n100000\r\n$10\r\n6000000000\r\n",
         "quicklist"},
        {"list-quicklist.rdb", 0, 2, NULL, "LRANGE list 0 -1", "*1\r\n$1\r\n7\r\n", "quicklist"},
        {"corrupt_empty_keys.rdb", 0, 0, NULL, "DBSIZE", ":0\r\n", NULL},
        {"corrupt_ziplist.rdb", -EBADMSG, 0, "invalid", NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", fdir, cases[i].file);
        kvt_env *e = kvt_start();
        kvt_run(e->c, "SET sentinel 1");
        rdb_err err;
        rdb_load_stats st;
        int rc = rdb_load_file(e->srv, path, &st, &err);
        if (cases[i].code == 0) {
            is_int(rc, 0, "%s loads: %s", cases[i].file, err.text);
            is_int(st.keys_loaded, cases[i].keys, "%s: %lld keys", cases[i].file, cases[i].keys);
            is_str(kvt_run(e->c, cases[i].cmd), cases[i].want, "%s: %s", cases[i].file, cases[i].cmd);
            if (cases[i].enc) {
                const char *k = strchr(cases[i].cmd, ' ') + 1;
                char cmd[64], want[64];
                snprintf(cmd, sizeof cmd, "OBJECT ENCODING %.*s", (int)strcspn(k, " "), k);
                snprintf(want, sizeof want, "$%zu\r\n%s\r\n", strlen(cases[i].enc), cases[i].enc);
                is_str(kvt_run(e->c, cmd), want, "%s: encoding as Redis 7.0.15", cases[i].file);
            }
        } else if (rc == 0) {
            /* the type module landed since this test was written */
            ok(1, "%s now loads (%lld keys)", cases[i].file, st.keys_loaded);
            ok(1, "%s: (type support landed)", cases[i].file);
        } else {
            ok(rc == cases[i].code || rc == -EBADMSG, "%s fails cleanly (rc %d)", cases[i].file, rc);
            ok(contains(err.text, cases[i].needle) && contains(err.text, cases[i].file) &&
                   contains(err.text, "offset"),
               "%s: %s", cases[i].file, err.text);
            is_str(kvt_run(e->c, "GET sentinel"), "$1\r\n1\r\n", "%s: dataset untouched", cases[i].file);
        }
        kvt_stop(e);
    }
}

/* Every truncation and single-byte corruption of every fixture, loaded
 * through the server's codecs: never a crash or leak (ASan); truncations
 * always fail; with a checksum every corruption fails. */
static void test_fixture_sweeps(void) {
    const char *shared = getenv("STRATA_SHARED");
    char fdir[PATH_MAX];
    snprintf(fdir, sizeof fdir, "%s/fixtures/legacy-rdb", shared ? shared : "../shared");
    DIR *d = opendir(fdir);
    if (!d) {
        ok(1, "# SKIP legacy fixtures not found at %s", fdir);
        return;
    }
    kvt_env *e = kvt_start();
    struct dirent *de;
    long runs = 0;
    int trunc_ok = 1, corrupt_ok = 1;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".rdb")) continue;
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", fdir, de->d_name);
        size_t n;
        char *data = slurp(path, &n);
        if (!data) continue;
        int cksum = n > 9 && memcmp(data + 5, "0005", 4) >= 0 && memcmp(data + n - 8, "\0\0\0\0\0\0\0\0", 8);
        vec v = {0};
        for (size_t i = 0; i < n * 3; i++) {
            v.n = 0;
            v_bytes(&v, data, i < n ? i : n);
            if (i >= n) v.b[i % n] ^= (unsigned char)(i / n == 1 ? 0x01 : 0xff);
            write_vec(P("sweep.rdb"), &v);
            rdb_err err;
            int rc = rdb_load_file(e->srv, P("sweep.rdb"), NULL, &err);
            runs++;
            if (i < n && rc == 0) trunc_ok = 0, diag("%s truncated at %zu loads", de->d_name, i);
            if (i >= n && cksum && rc == 0) corrupt_ok = 0, diag("%s byte %zu corrupted loads", de->d_name, i % n);
        }
        v_free(&v);
        free(data);
    }
    closedir(d);
    ok(trunc_ok, "every truncation of every fixture refused (%ld loads)", runs);
    ok(corrupt_ok, "every corruption of a checksummed fixture refused");
    kvt_stop(e);
}

/* ---- the hash / set / zset codecs ---------------------------------------------------------------- */

static void test_collections_roundtrip(void) {
    kvt_env *a = kvt_start();
    kv_client *c = a->c;
    kvt_run(c, "HSET hsmall f1 v1 f2 2 f3 -3");
    kvt_run(c, "SADD sint 5 -7 100000 3000000000");
    kvt_run(c, "SADD sstr a b \"c d\" \"\\x00\"");
    kvt_run(c, "ZADD zsmall 1 a 2.5 b -inf c inf d 1e300 e");
    for (int i = 0; i < 600; i++) {
        kvt_runf(c, "HSET hbig field%d %d", i, i * 3);
        kvt_runf(c, "SADD sbig %d", i * 7);
        kvt_runf(c, "SADD shash m%d", i);
        kvt_runf(c, "ZADD zbig %d.5 member%d", i - 150, i);
    }
    kvt_run(c, "HSET hlong f 012345678901234567890123456789012345678901234567890123456789012345678901234567890");
    kvt_run(c, "RPUSH lsmall a 1 -2 \"\" 3000000000");
    kvt_run(c, "CONFIG SET list-compress-depth 1");
    for (int i = 0; i < 3000; i++) kvt_runf(c, "RPUSH lbig element-%d-%0*d", i, i % 50, 0);
    kvt_run(c, "CONFIG SET list-compress-depth 0");
    kvt_run(c, "SELECT 3");
    kvt_run(c, "ZADD zexp 1 x");
    kvt_run(c, "PEXPIRE zexp 100000000");
    kvt_run(c, "SELECT 0");
    char d1[41], d2[41];
    debug_dataset_digest(a->srv, d1);
    static const char *const enc[][2] = {{"hsmall", "listpack"}, {"hbig", "hashtable"}, {"hlong", "hashtable"},
                                         {"sint", "intset"},     {"sstr", "hashtable"}, {"sbig", "hashtable"},
                                         {"shash", "hashtable"}, {"zsmall", "listpack"}, {"zbig", "skiplist"},
                                         {"lsmall", "quicklist"}, {"lbig", "quicklist"}};
    enum { NENC = 11 };
    char before[NENC][64];
    for (int i = 0; i < NENC; i++) snprintf(before[i], 64, "%s", kvt_runf(c, "OBJECT ENCODING %s", enc[i][0]));
    for (int comp = 0; comp < 3; comp++) {
        rdb_save_opts o = {.compression = comp, .checksum = 1};
        strm *s = strm_membuf(1024);
        rdb_err err;
        is_int(rdb_encode(s, a->srv->dbs, a->srv->dbnum, &o, NULL, &err), 0, "encode collections (comp %d)", comp);
        size_t len;
        const void *data = strm_membuf_data(s, &len);
        FILE *f = fopen(P("coll.rdb"), "wb");
        fwrite(data, 1, len, f);
        fclose(f);
        strm_close(s);
        kvt_env *b = kvt_start();
        is_int(rdb_load_file(b->srv, P("coll.rdb"), NULL, &err), 0, "load collections: %s", err.text);
        debug_dataset_digest(b->srv, d2);
        is_str(d2, d1, "collections: same digest after a round trip (comp %d)", comp);
        for (int i = 0; i < NENC; i++)
            is_str(kvt_runf(b->c, "OBJECT ENCODING %s", enc[i][0]), before[i], "%s encoding kept (%s)", enc[i][0],
                   enc[i][1]);
        kvt_stop(b);
    }
    for (int i = 0; i < NENC; i++) {
        char want[64];
        snprintf(want, sizeof want, "$%zu\r\n%s\r\n", strlen(enc[i][1]), enc[i][1]);
        is_str(before[i], want, "%s is %s before saving", enc[i][0], enc[i][1]);
    }
    /* DUMP / RESTORE of each: same value digest */
    for (int i = 0; i < NENC; i++) {
        size_t len;
        const char *p = bulk_body(kvt_runf(c, "DUMP %s", enc[i][0]), &len);
        ok(p != NULL, "DUMP %s", enc[i][0]);
        if (!p) continue;
        char *payload = malloc(len);
        memcpy(payload, p, len);
        char nk[32], v1[128];
        snprintf(nk, sizeof nk, "%s:copy", enc[i][0]);
        is_str(restore(c, nk, "0", payload, len, NULL, NULL), "+OK\r\n", "RESTORE %s", nk);
        snprintf(v1, sizeof v1, "%s", kvt_runf(c, "DEBUG DIGEST-VALUE %s", enc[i][0]));
        is_str(kvt_runf(c, "DEBUG DIGEST-VALUE %s", nk), v1, "%s: same value after DUMP/RESTORE", enc[i][0]);
        kvt_runf(c, "DEL %s", nk);
        free(payload);
    }
    is_str(kvt_run(c, "DEBUG RELOAD"), "+OK\r\n", "DEBUG RELOAD with collections");
    debug_dataset_digest(a->srv, d2);
    is_str(d2, d1, "same digest after DEBUG RELOAD");
    kvt_stop(a);
}

static void collection_vector(const vec *body, int code, const char *cmd, const char *want, const char *what) {
    vec v = {0};
    v_header(&v, 11);
    v_bytes(&v, body->b, body->n);
    v_finish(&v, 1);
    FILE *f = fopen(P("vec.rdb"), "wb");
    fwrite(v.b, 1, v.n, f);
    fclose(f);
    v_free(&v);
    kvt_env *e = kvt_start();
    rdb_err err;
    int rc = rdb_load_file(e->srv, P("vec.rdb"), NULL, &err);
    is_int(rc, code, "%s: %s", what, rc ? err.text : "loaded");
    if (!rc && cmd) is_str(kvt_run(e->c, cmd), want, "%s: %s", what, cmd);
    kvt_stop(e);
}

static void test_collection_vectors(void) {
    vec b = {0};
    /* LIST (1) plain */
    v_u8(&b, RDB_TYPE_LIST);
    v_cs(&b, "l");
    v_len(&b, 3);
    v_cs(&b, "x");
    v_u8(&b, 0xc0);
    v_u8(&b, 5);
    v_cs(&b, "");
    collection_vector(&b, 0, "LRANGE l 0 -1", "*3\r\n$1\r\nx\r\n$1\r\n5\r\n$0\r\n\r\n", "LIST plain");
    v_free(&b);
    /* QUICKLIST_2: a PACKED node, an empty PACKED node (skipped), a PLAIN node */
    unsigned char *lp1 = lp_new(), *lp0 = lp_new();
    lp1 = lp_append(lp1, "a", 1);
    lp1 = lp_append_int(lp1, -9);
    v_u8(&b, RDB_TYPE_LIST_QUICKLIST_2);
    v_cs(&b, "q");
    v_len(&b, 3);
    v_len(&b, 2);
    v_str(&b, (const char *)lp1, lp_bytes(lp1));
    v_len(&b, 2);
    v_str(&b, (const char *)lp0, lp_bytes(lp0));
    v_len(&b, 1);
    v_cs(&b, "plain-node");
    collection_vector(&b, 0, "LRANGE q 0 -1", "*3\r\n$1\r\na\r\n$2\r\n-9\r\n$10\r\nplain-node\r\n",
                      "QUICKLIST_2 packed + empty + plain nodes");
    v_free(&b);
    /* a bad container number */
    v_u8(&b, RDB_TYPE_LIST_QUICKLIST_2);
    v_cs(&b, "q");
    v_len(&b, 1);
    v_len(&b, 3);
    v_str(&b, (const char *)lp1, lp_bytes(lp1));
    collection_vector(&b, -EBADMSG, NULL, NULL, "QUICKLIST_2 with container 3");
    v_free(&b);
    /* only empty nodes: an empty key, skipped */
    v_u8(&b, RDB_TYPE_LIST_QUICKLIST_2);
    v_cs(&b, "q");
    v_len(&b, 1);
    v_len(&b, 2);
    v_str(&b, (const char *)lp0, lp_bytes(lp0));
    collection_vector(&b, 0, "EXISTS q", ":0\r\n", "QUICKLIST_2 of empty nodes skipped");
    v_free(&b);
    lp_free(lp1);
    lp_free(lp0);
    /* SET (2) of integers -> intset */
    v_u8(&b, RDB_TYPE_SET);
    v_cs(&b, "s");
    v_len(&b, 3);
    v_cs(&b, "3");
    v_cs(&b, "1");
    v_cs(&b, "2");
    collection_vector(&b, 0, "OBJECT ENCODING s", "$6\r\nintset\r\n", "SET of integers");
    v_free(&b);
    /* duplicated member */
    v_u8(&b, RDB_TYPE_SET);
    v_cs(&b, "s");
    v_len(&b, 2);
    v_cs(&b, "x");
    v_cs(&b, "x");
    collection_vector(&b, -EBADMSG, NULL, NULL, "SET with a duplicated member");
    v_free(&b);
    /* empty set: skipped */
    v_u8(&b, RDB_TYPE_SET);
    v_cs(&b, "s");
    v_len(&b, 0);
    collection_vector(&b, 0, "EXISTS s", ":0\r\n", "empty SET skipped");
    v_free(&b);
    /* SET_LISTPACK (Redis 7.2) */
    unsigned char *lp = lp_new();
    lp = lp_append(lp, "a", 1);
    lp = lp_append_int(lp, 7);
    v_u8(&b, RDB_TYPE_SET_LISTPACK);
    v_cs(&b, "s");
    v_str(&b, (const char *)lp, lp_bytes(lp));
    collection_vector(&b, 0, "SMISMEMBER s a 7 b", "*3\r\n:1\r\n:1\r\n:0\r\n", "SET_LISTPACK");
    v_free(&b);
    lp_free(lp);
    /* HASH (4) plain */
    v_u8(&b, RDB_TYPE_HASH);
    v_cs(&b, "h");
    v_len(&b, 2);
    v_cs(&b, "f");
    v_cs(&b, "v");
    v_cs(&b, "g");
    v_u8(&b, 0xc0);
    v_u8(&b, 5);
    collection_vector(&b, 0, "HGETALL h", "*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\n5\r\n", "HASH plain");
    v_free(&b);
    /* HASH_LISTPACK with an odd count */
    lp = lp_new();
    lp = lp_append(lp, "f", 1);
    v_u8(&b, RDB_TYPE_HASH_LISTPACK);
    v_cs(&b, "h");
    v_str(&b, (const char *)lp, lp_bytes(lp));
    collection_vector(&b, -EBADMSG, NULL, NULL, "HASH_LISTPACK with an odd count");
    v_free(&b);
    lp_free(lp);
    /* HASH_LISTPACK_EX (7.4 field TTLs): refused */
    v_u8(&b, RDB_TYPE_HASH_LISTPACK_EX);
    v_cs(&b, "h");
    v_le(&b, 0, 8);
    collection_vector(&b, -ENOTSUP, NULL, NULL, "HASH_LISTPACK_EX");
    v_free(&b);
    /* ZSET (3) with text scores, inf, -inf */
    v_u8(&b, RDB_TYPE_ZSET);
    v_cs(&b, "z");
    v_len(&b, 3);
    v_cs(&b, "a");
    v_u8(&b, 3);
    v_cstr(&b, "1.5");
    v_cs(&b, "b");
    v_u8(&b, 254);
    v_cs(&b, "c");
    v_u8(&b, 255);
    collection_vector(&b, 0, "ZRANGE z 0 -1 WITHSCORES",
                      "*6\r\n$1\r\nc\r\n$4\r\n-inf\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$3\r\ninf\r\n",
                      "ZSET with text scores");
    v_free(&b);
    /* ZSET with a NaN score */
    v_u8(&b, RDB_TYPE_ZSET);
    v_cs(&b, "z");
    v_len(&b, 1);
    v_cs(&b, "a");
    v_u8(&b, 253);
    collection_vector(&b, -EBADMSG, NULL, NULL, "ZSET with a NaN score");
    v_free(&b);
    /* ZSET_2 (binary scores), more than 128 members -> skiplist */
    v_u8(&b, RDB_TYPE_ZSET_2);
    v_cs(&b, "z");
    v_len(&b, 200);
    for (int i = 0; i < 200; i++) {
        char m[16];
        snprintf(m, sizeof m, "m%d", i);
        v_cs(&b, m);
        double d = i * 0.5;
        uint64_t u;
        memcpy(&u, &d, 8);
        v_le(&b, u, 8);
    }
    collection_vector(&b, 0, "OBJECT ENCODING z", "$8\r\nskiplist\r\n", "ZSET_2 of 200 members");
    v_free(&b);
}

/* ---- main ---------------------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/strata-test-rdb-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    if (chdir(dir) != 0) return 2;      /* servers save cmd.rdb / temp-<pid>.rdb here */
    log_init(LOG_NOTICE, "test.log", 'M'); /* the servers' log, kept out of the TAP stream */
    test_vectors_lengths_and_strings();
    test_vectors_checksums();
    test_vectors_errors();
    test_roundtrip_memory();
    test_string_encodings_written();
    test_truncation_and_corruption();
    test_files_and_faults();
    test_crash_sweep();
    test_load_semantics();
    test_commands();
    test_dump_restore();
    test_collections_roundtrip();
    test_collection_vectors();
    test_fixtures();
    test_fixture_sweeps();
    if (!tap_failed_) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    else diag("kept %s", dir);
    return done_testing();
}
