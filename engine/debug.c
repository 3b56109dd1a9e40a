/*
 * engine/debug.c — DEBUG subcommands and the dataset digest (definition in
 * debug.h).
 *
 * Subcommands: SLEEP, OBJECT, SET-ACTIVE-EXPIRE, DIGEST, DIGEST-VALUE,
 * PROTOCOL, POPULATE, LOG, ERROR, HELP.  Dispatch is a table of
 * {name, min argc, max argc, handler}; a miss or a wrong count answers
 * Redis's "unknown subcommand or wrong number of arguments" error.
 *
 * DEBUG POPULATE writes keys, so unlike Redis it bumps srv->dirty and
 * propagates each key as a SET: what the AOF replays must be what clients
 * can see (DESIGN.md "Write path").
 */
#include "debug.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cmd.h"
#include "db.h"
#include "log.h"
#include "reply.h"
#include "util.h"
#include "aof/aof.h"
#include "rdb/rdb.h"

static debug_value_digest_fn *digest_fns[OBJ_TYPE_MAX];

void debug_register_digest(int type, debug_value_digest_fn *fn) {
    if (type >= 0 && type < OBJ_TYPE_MAX) digest_fns[type] = fn;
}

void debug_digest_xor(uint8_t acc[SHA1_DIGEST_LEN], const void *p, size_t len) {
    uint8_t d[SHA1_DIGEST_LEN];
    sha1_bytes(p, len, d);
    for (int i = 0; i < SHA1_DIGEST_LEN; i++) acc[i] ^= d[i];
}

/* ---- digest ------------------------------------------------------------------ */

static void feed_u32(sha1_ctx *x, uint32_t v) {
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    sha1_update(x, b, 4);
}

static void feed_u64(sha1_ctx *x, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (56 - 8 * i));
    sha1_update(x, b, 8);
}

/* u8(type) V(value) */
static void feed_value(sha1_ctx *x, const kv_obj *o) {
    uint8_t type = (uint8_t)o->type;
    sha1_update(x, &type, 1);
    if (o->type == OBJ_STRING) {
        char buf[32];
        size_t len;
        const char *p = obj_str(o, buf, &len);
        feed_u64(x, len);
        sha1_update(x, p, len);
    } else if (digest_fns[o->type]) {
        digest_fns[o->type](o, x);
    }
}

void debug_value_digest(const kv_obj *o, uint8_t out[SHA1_DIGEST_LEN]) {
    sha1_ctx x;
    sha1_init(&x);
    feed_value(&x, o);
    sha1_final(&x, out);
}

static void key_digest(kv_db *db, const dict_entry *de, uint8_t out[SHA1_DIGEST_LEN]) {
    sds key = de->key;
    sha1_ctx x;
    sha1_init(&x);
    sha1_update(&x, "db", 2);
    feed_u32(&x, (uint32_t)db->id);
    feed_u32(&x, (uint32_t)sds_len(key));
    sha1_update(&x, key, sds_len(key));
    feed_value(&x, de->v.val);
    long long when = db_get_expire(db, key);
    if (when < 0) {
        sha1_update(&x, "-", 1);
    } else {
        sha1_update(&x, "e", 1);
        feed_u64(&x, (uint64_t)when);
    }
    sha1_final(&x, out);
}

void debug_dataset_digest(kv_server *srv, char hex[41]) {
    uint8_t acc[SHA1_DIGEST_LEN] = {0}, d[SHA1_DIGEST_LEN];
    for (int i = 0; i < srv->dbnum; i++) {
        kv_db *db = &srv->dbs[i];
        dict_iter it;
        dict_entry *de;
        if (dict_size(db->keys) == 0) continue;
        dict_iter_init(&it, db->keys, 0);
        while ((de = dict_next(&it))) {
            key_digest(db, de, d);
            for (int j = 0; j < SHA1_DIGEST_LEN; j++) acc[j] ^= d[j];
        }
        dict_iter_reset(&it);
    }
    sha1_to_hex(acc, hex);
}

/* ---- subcommands ---------------------------------------------------------- */

static void debug_digest_cmd(kv_client *c) {
    char hex[41];
    debug_dataset_digest(c->srv, hex);
    reply_status(c, hex);
}

static void debug_digest_value_cmd(kv_client *c) {
    reply_array(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        uint8_t d[SHA1_DIGEST_LEN] = {0};
        char hex[41];
        kv_obj *o = db_find(c->db, c->argv[j]);
        if (o && !db_key_is_expired(c->srv, c->db, c->argv[j])) debug_value_digest(o, d);
        sha1_to_hex(d, hex);
        reply_status(c, hex);
    }
}

static void debug_sleep_cmd(kv_client *c) {
    double secs = strtod(c->argv[2], NULL);
    if (secs > 0) {
        struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
        while (nanosleep(&ts, &ts) != 0) {
        }
    }
    reply_ok(c);
}

static void debug_set_active_expire_cmd(kv_client *c) {
    c->srv->active_expire_enabled = atoi(c->argv[2]) != 0;
    reply_ok(c);
}

/* Bytes an RDB would need for a string: Redis's integer encodings for
 * short decimal strings, else a length prefix plus the bytes (compression
 * not counted).  Other types: the in-memory estimate, until rdb/ lands. */
static size_t serialized_length(const kv_obj *o) {
    if (o->type != OBJ_STRING) return obj_mem_usage(o);
    char buf[32];
    size_t len;
    long long v;
    const char *p = obj_str(o, buf, &len);
    if (len <= 11 && str_to_ll(p, len, &v)) {
        if (v >= -128 && v <= 127) return 2;
        if (v >= -32768 && v <= 32767) return 3;
        if (v >= -2147483648LL && v <= 2147483647LL) return 5;
    }
    size_t prefix = len < 64 ? 1 : len < 16384 ? 2 : len <= 0xffffffffu ? 5 : 9;
    return prefix + len;
}

static void debug_object_cmd(kv_client *c) {
    kv_obj *o = db_lookup_read(c, c->db, c->argv[2], LOOKUP_NOTOUCH | LOOKUP_NONOTIFY | LOOKUP_NOSTATS);
    if (!o) {
        reply_error(c, ERR_NO_KEY);
        return;
    }
    char line[256];
    snprintf(line, sizeof(line),
             "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%llu", (void *)o,
             o->refcount, obj_enc_name(o->enc), serialized_length(o), (unsigned)o->lru, obj_idle_ms(o) / 1000);
    reply_status(c, line);
}

/* Raw RESP3 bytes, or the RESP2 fallback through the normal helpers. */
static void debug_protocol_cmd(kv_client *c) {
    const char *t = c->argv[2];
    int r3 = c->resp >= 3;
    if (!strcasecmp(t, "string")) reply_bulk_cstr(c, "Hello World");
    else if (!strcasecmp(t, "integer")) reply_int(c, 12345);
    else if (!strcasecmp(t, "double")) reply_double(c, 3.141);
    else if (!strcasecmp(t, "bignum")) {
        static const char big[] = "1234567999999999999999999999999999999";
        if (r3) {
            reply_raw(c, "(", 1);
            reply_raw(c, big, sizeof(big) - 1);
            reply_raw(c, "\r\n", 2);
        } else {
            reply_bulk_cstr(c, big);
        }
    } else if (!strcasecmp(t, "null")) reply_null(c);
    else if (!strcasecmp(t, "array") || !strcasecmp(t, "set")) {
        if (!strcasecmp(t, "set")) reply_set(c, 3);
        else reply_array(c, 3);
        for (int i = 0; i < 3; i++) reply_int(c, i);
    } else if (!strcasecmp(t, "map")) {
        reply_map(c, 3);
        for (int i = 0; i < 3; i++) {
            reply_int(c, i);
            reply_bool(c, i == 1);
        }
    } else if (!strcasecmp(t, "attrib")) {
        if (r3) {
            static const char attr[] = "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n";
            reply_raw(c, attr, sizeof(attr) - 1);
        }
        reply_bulk_cstr(c, "Some real reply following the attribute");
    } else if (!strcasecmp(t, "push")) {
        if (!r3) {
            reply_error(c, "ERR RESP2 is not supported by this command");
            return;
        }
        reply_push(c, 2);
        reply_bulk_cstr(c, "server-cpu-usage");
        reply_int(c, 42);
        reply_bulk_cstr(c, "Some real reply following the push reply");
    } else if (!strcasecmp(t, "verbatim")) {
        static const char v[] = "This is a verbatim\nstring";
        reply_verbatim(c, v, sizeof(v) - 1, "txt");
    } else if (!strcasecmp(t, "true")) reply_bool(c, 1);
    else if (!strcasecmp(t, "false")) reply_bool(c, 0);
    else
        reply_error(c, "Wrong protocol type name. Please use one of the following: "
                       "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
}

/* DEBUG POPULATE count [prefix] [size]: keys prefix:0..count-1 with value
 * "value:N" (cut or zero-padded to size bytes); existing keys are kept. */
static void debug_populate_cmd(kv_client *c) {
    long long count, size = 0;
    if (!str_to_ll(c->argv[2], sds_len(c->argv[2]), &count) || count < 0) {
        reply_error(c, "value is out of range, must be positive");
        return;
    }
    if (c->argc == 5 && (!str_to_ll(c->argv[4], sds_len(c->argv[4]), &size) || size < 0)) {
        reply_error(c, "value is out of range, must be positive");
        return;
    }
    const char *prefix = c->argc >= 4 ? c->argv[3] : "key";
    kv_server *srv = c->srv;
    for (long long i = 0; i < count; i++) {
        sds key = sds_catprintf(sds_empty(), "%s:%lld", prefix, i);
        if (db_find(c->db, key)) {
            sds_free(key);
            continue;
        }
        sds val = sds_catprintf(sds_empty(), "value:%lld", i);
        if (size > 0) {
            size_t have = sds_len(val);
            if ((size_t)size < have) sds_setlen(val, (size_t)size);
            else val = sds_growzero(val, (size_t)size);
        }
        sds argv[3] = {sds_new("SET"), key, val};
        db_add(srv, c->db, key, obj_new_string(val, sds_len(val)));
        db_touch_key(srv, c->db, key);
        srv->dirty++;
        cmd_also_propagate(srv, c->db->id, 3, argv);
        sds_free(argv[0]);
        sds_free(key);
        sds_free(val);
    }
    reply_ok(c);
}

static void debug_log_cmd(kv_client *c) {
    log_msg(LOG_WARNING, "DEBUG LOG: %s", c->argv[2]);
    reply_ok(c);
}

/* The argument is the whole error line, as Redis sends it ("-" + text). */
static void debug_error_cmd(kv_client *c) { reply_errorf(c, "-%s", c->argv[2]); }

/* DEBUG RELOAD: save, then load the file back (rdb/rdb.h). */
static void debug_reload_cmd(kv_client *c) {
    sds err = NULL;
    if (rdb_debug_reload(c->srv, &err) == 0) reply_ok(c);
    else reply_error(c, err);
    sds_free(err);
}

/* DEBUG LOADAOF: replay the AOF into memory (aof/aof.h). */
static void debug_loadaof_cmd(kv_client *c) {
    sds err = NULL;
    if (aof_debug_loadaof(c->srv, &err) == 0) reply_ok(c);
    else reply_error(c, err);
    sds_free(err);
}

static void debug_help_cmd(kv_client *c) {
    static const char *const help[] = {
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "ERROR <string>",
        "    Return a Redis protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate Redis errors.",
        "LOADAOF",
        "    Flush the AOF buffers on disk and reload the AOF in memory.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. Each key is propagated as a SET.",
        "RELOAD",
        "    Save the RDB on disk and reload it back to memory.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        NULL,
    };
    reply_help(c, help);
}

typedef struct debug_sub {
    const char *name;
    int min_argc, max_argc; /* max -1 = unbounded */
    void (*fn)(kv_client *c);
} debug_sub;

static const debug_sub debug_subs[] = {
    {"help", 2, 2, debug_help_cmd},
    {"sleep", 3, 3, debug_sleep_cmd},
    {"object", 3, 3, debug_object_cmd},
    {"set-active-expire", 3, 3, debug_set_active_expire_cmd},
    {"digest", 2, 2, debug_digest_cmd},
    {"digest-value", 2, -1, debug_digest_value_cmd},
    {"protocol", 3, 3, debug_protocol_cmd},
    {"populate", 3, 5, debug_populate_cmd},
    {"log", 3, 3, debug_log_cmd},
    {"reload", 2, 2, debug_reload_cmd},
    {"loadaof", 2, 2, debug_loadaof_cmd},
    {"error", 3, 3, debug_error_cmd},
};

void debug_command(kv_client *c) {
    for (size_t i = 0; i < sizeof(debug_subs) / sizeof(debug_subs[0]); i++) {
        const debug_sub *s = &debug_subs[i];
        if (strcasecmp(c->argv[1], s->name) != 0) continue;
        if (c->argc < s->min_argc || (s->max_argc >= 0 && c->argc > s->max_argc)) break;
        s->fn(c);
        return;
    }
    reply_errorf(c, "unknown subcommand or wrong number of arguments for '%.128s'. Try DEBUG HELP.", c->argv[1]);
}
