/*
 * engine/t_string.c — the string and bitmap command family of Redis 7.0:
 * GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL GETEX APPEND
 * STRLEN GETRANGE SUBSTR SETRANGE INCR DECR INCRBY DECRBY INCRBYFLOAT
 * SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO LCS.
 *
 * What it owns: the handlers and their row in cmd_table_string[].  Values
 * are kv_obj strings (object.h) in one of three encodings: INT (canonical
 * decimal of a long long, at most 20 chars), EMBSTR (<= 44 bytes, never
 * modified) and RAW (an sds that may be modified in place once unshared).
 * Values set from client input go through obj_new_string_encoded() so they
 * come out int/embstr/raw exactly as Redis's tryObjectEncoding; APPEND,
 * SETRANGE, SETBIT and BITFIELD turn the value RAW first (str_writable);
 * INCRBYFLOAT stores a plain (embstr/raw) string, never INT, as Redis.
 *
 * Behaviour, reply bytes, error texts and the order in which arguments
 * are validated follow redis-server 7.0 (checked against 7.0.15), e.g. SET
 * validates its expire before GET replies, BITCOUNT/BITPOS look the key
 * up before parsing their range, GETEX parses options before the lookup
 * but validates the expire after it.
 *
 * Invariants every write handler keeps:
 *  (1) a changed key gets db_touch_key() and srv->dirty grows by one per
 *      changed key (MSET by its number of pairs, BITFIELD by the writes it
 *      made); a command that changed nothing leaves dirty alone, so it
 *      propagates nothing;
 *  (2) what is propagated replays to the same keyspace whenever it is
 *      replayed (DESIGN.md "Write path"): relative expiries become
 *      absolute (SET k v PXAT ms, PEXPIREAT k ms), INCRBYFLOAT becomes
 *      SET k <result> KEEPTTL, GETSET becomes SET, GETDEL becomes DEL
 *      (UNLINK under lazyfree-lazy-user-del),
 *      GETEX becomes PEXPIREAT / PERSIST / DEL, SET ... GET drops GET.
 *      Everything else is deterministic and propagates as typed;
 *  (3) size limits (proto-max-bulk-len) are enforced for clients but not
 *      while loading, so a replayed stream never fails on them.
 *
 * SET EXAT/PXAT with a deadline already in the past behaves as Redis 7.0: the
 * key is stored with that deadline and SET .. PXAT <past> propagated; the
 * first access (or the active cycle) deletes it and propagates DEL.  Only
 * GETEX EXAT/PXAT deletes at once (and propagates DEL), as Redis does.
 *
 * Deliberate differences from Redis 7.0:
 *  - a BITFIELD whose writes all failed (OVERFLOW FAIL) but which created
 *    or lengthened the string is propagated (Redis drops it, so its AOF no
 *    longer matches memory);
 *  - LCS LEN computes with two DP rows instead of the whole table, and the
 *    table for the LCS string / IDX is refused beyond 4 GiB with Redis's
 *    "Insufficient memory" error (Redis tries the allocation; mem_alloc
 *    cannot fail gracefully).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "cmd.h"
#include "config.h"
#include "db.h"
#include "mem.h"
#include "object.h"
#include "reply.h"
#include "server.h"
#include "util.h"

#define ERR_EXCEEDS_MAX "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
#define ERR_BIT_OFFSET "ERR bit offset is not an integer or out of range"
#define ERR_BIT_VALUE "ERR bit is not an integer or out of range"
#define ERR_OFFSET_RANGE "ERR offset is out of range"
#define ERR_NAN_INF "ERR increment would produce NaN or Infinity"

/* Longest INCRBYFLOAT result: %.17Lf of the largest long double. */
#define LD_STR_SIZE 5600
/* LCS keeps a (alen+1)*(blen+1) table of uint32; beyond this it refuses
 * with Redis's "Insufficient memory" error instead of aborting. */
#define LCS_TABLE_MAX_BYTES (1ULL << 32)

/* ---- shared helpers ----------------------------------------------------- */

/* Look key up for reading (hits/misses counted).  Returns 0 with *out set
 * (NULL when missing), or -1 after replying WRONGTYPE. */
static int lookup_str_read(kv_client *c, const sds key, kv_obj **out) { return db_lookup_typed_read(c, key, OBJ_STRING, out); }

/* The same for a command about to modify the key (no hit/miss stats). */
static int lookup_str_write(kv_client *c, const sds key, kv_obj **out) { return db_lookup_typed_write(c, key, OBJ_STRING, out); }

/* Invariant (1): signal the change and count it. */
static void key_changed(kv_client *c, const sds key, long long changes) { db_key_changed(c, key, changes); }

/* Invariant (3): may a string grow to offset+add bytes?  Replies when not. */
static int size_ok(kv_client *c, unsigned long long offset, size_t add) {
    if (c->srv->loading) return 1;
    if (offset + add > (unsigned long long)c->srv->cfg->proto_max_bulk_len) {
        reply_error(c, ERR_EXCEEDS_MAX);
        return 0;
    }
    return 1;
}

/* The value of key (string object o, stored in the keyspace) as a RAW
 * unshared object that may be modified in place; replaces it in the
 * keyspace (TTL kept) when a copy was needed. */
static kv_obj *str_writable(kv_client *c, const sds key, kv_obj *o) {
    kv_obj *w = obj_unshare_raw(o);
    if (w != o) db_overwrite(c->srv, c->db, key, w);
    return w;
}

/* New value object for bytes given by a client: int/embstr/raw as Redis. */
static kv_obj *str_from_arg(const sds arg) { return obj_new_string_encoded(sds_dup(arg)); }

/* Move s, one of c->argv, out of it (kv.h lets a handler steal an
 * argument by leaving NULL), so a rewrite reuses it without a copy. */
static sds take_arg(kv_client *c, sds s) {
    for (int i = 0; i < c->argc; i++) {
        if (c->argv[i] == s) {
            c->argv[i] = NULL;
            return s;
        }
    }
    return sds_dup(s);
}

/* Propagation rewrites (invariant 2).  Every sds passed is owned by the
 * new argv; c's old argv is freed by cmd_rewrite_argv, so arguments are
 * taken out of it (take_arg) or copied first. */
static void rewrite_argv(kv_client *c, int argc, sds a0, sds a1, sds a2, sds a3, sds a4) {
    sds *v = mem_alloc(sizeof(sds) * (size_t)argc);
    sds all[5] = {a0, a1, a2, a3, a4};
    for (int i = 0; i < argc; i++) v[i] = all[i];
    cmd_rewrite_argv(c, argc, v);
}

static void rewrite_key_cmd(kv_client *c, const char *name, const sds key) {
    rewrite_argv(c, 2, sds_new(name), take_arg(c, key), NULL, NULL, NULL);
}

static const char *del_name(int lazy) { return lazy ? "UNLINK" : "DEL"; }

/* ---- SET family option parsing ----------------------------------------- */

#define OPT_NX (1 << 0)
#define OPT_XX (1 << 1)
#define OPT_GET (1 << 2)
#define OPT_KEEPTTL (1 << 3)
#define OPT_PERSIST (1 << 4)
#define OPT_EX (1 << 5)
#define OPT_PX (1 << 6)
#define OPT_EXAT (1 << 7)
#define OPT_PXAT (1 << 8)
#define OPT_EXPIRES (OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT)

#define FOR_SET 1
#define FOR_GETEX 2

/* One row per option word: which commands take it, which options it
 * cannot be combined with (a repeated option is fine: EX 1 EX 2 sets 2),
 * whether a value follows. */
typedef struct str_opt_def {
    const char *name;
    int flag, conflicts, where, has_arg;
} str_opt_def;

static const str_opt_def str_opt_defs[] = {
    {"nx", OPT_NX, OPT_XX, FOR_SET, 0},
    {"xx", OPT_XX, OPT_NX, FOR_SET, 0},
    {"get", OPT_GET, 0, FOR_SET, 0},
    {"keepttl", OPT_KEEPTTL, OPT_PERSIST | OPT_EXPIRES, FOR_SET, 0},
    {"persist", OPT_PERSIST, OPT_KEEPTTL | OPT_EXPIRES, FOR_GETEX, 0},
    {"ex", OPT_EX, OPT_KEEPTTL | OPT_PERSIST | (OPT_EXPIRES & ~OPT_EX), FOR_SET | FOR_GETEX, 1},
    {"px", OPT_PX, OPT_KEEPTTL | OPT_PERSIST | (OPT_EXPIRES & ~OPT_PX), FOR_SET | FOR_GETEX, 1},
    {"exat", OPT_EXAT, OPT_KEEPTTL | OPT_PERSIST | (OPT_EXPIRES & ~OPT_EXAT), FOR_SET | FOR_GETEX, 1},
    {"pxat", OPT_PXAT, OPT_KEEPTTL | OPT_PERSIST | (OPT_EXPIRES & ~OPT_PXAT), FOR_SET | FOR_GETEX, 1},
    {NULL, 0, 0, 0, 0},
};

typedef struct str_opts {
    int flags;
    sds expire; /* borrowed from argv: the EX/PX/EXAT/PXAT value, or NULL */
} str_opts;

static const str_opt_def *find_opt(const sds word) {
    for (const str_opt_def *d = str_opt_defs; d->name; d++)
        if (strcasecmp(word, d->name) == 0) return d;
    return NULL;
}

/* Parse argv[first..] for SET or GETEX.  Replies "syntax error" and
 * returns -1 on an unknown, misplaced or conflicting option. */
static int parse_str_opts(kv_client *c, int first, int where, str_opts *o) {
    o->flags = 0;
    o->expire = NULL;
    for (int j = first; j < c->argc; j++) {
        const str_opt_def *d = find_opt(c->argv[j]);
        if (!d || !(d->where & where) || (o->flags & d->conflicts) || (d->has_arg && j + 1 >= c->argc)) {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
        o->flags |= d->flag;
        if (d->has_arg) o->expire = c->argv[++j];
    }
    return 0;
}

/* The absolute unix-ms deadline of o->expire, validated as Redis 7.0 does:
 * an integer > 0 that stays positive once scaled and made absolute.
 * Replies and returns -1 otherwise. */
static int expire_deadline(kv_client *c, const str_opts *o, long long *when) {
    long long v;
    if (arg_ll(c, o->expire, &v, NULL) < 0) return -1;
    int seconds = (o->flags & (OPT_EX | OPT_EXAT)) != 0;
    int relative = (o->flags & (OPT_EX | OPT_PX)) != 0;
    if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) goto bad;
    if (seconds) v *= 1000;
    if (relative) {
        long long now = server_now_ms(c->srv);
        if (v > LLONG_MAX - now) goto bad;
        v += now;
    }
    *when = v;
    return 0;
bad:
    reply_errorf(c, "ERR invalid expire time in '%s' command", c->cmd->name);
    return -1;
}

/* ---- GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX ---------------------- */

/* Reply with key's value (null when missing).  -1 after WRONGTYPE. */
static int get_generic(kv_client *c, const sds key) {
    kv_obj *o;
    if (lookup_str_read(c, key, &o) < 0) return -1;
    if (o) reply_bulk_obj(c, o);
    else reply_null(c);
    return 0;
}

static void get_cmd(kv_client *c) { get_generic(c, c->argv[1]); }

/* SET ... GET without an expire propagates its argv minus the GET words. */
static void rewrite_without_get(kv_client *c) {
    sds *v = mem_alloc(sizeof(sds) * (size_t)c->argc);
    int n = 0;
    for (int j = 0; j < c->argc; j++)
        if (j < 3 || strcasecmp(c->argv[j], "get") != 0) v[n++] = take_arg(c, c->argv[j]);
    cmd_rewrite_argv(c, n, v);
}

enum { SET_REPLY_OK, SET_REPLY_INT }; /* SET/SETEX answer +OK/null, SETNX :1/:0 */

static void set_generic(kv_client *c, const str_opts *o, const sds key, const sds val, int reply_mode) {
    long long when = 0;
    if (o->expire && expire_deadline(c, o, &when) < 0) return;
    if ((o->flags & OPT_GET) && get_generic(c, key) < 0) return;
    int found = db_lookup_write(c, c->db, key) != NULL;
    if (((o->flags & OPT_NX) && found) || ((o->flags & OPT_XX) && !found)) {
        if (o->flags & OPT_GET) return;
        if (reply_mode == SET_REPLY_INT) reply_int(c, 0);
        else reply_null(c);
        return;
    }
    db_set(c->srv, c->db, key, str_from_arg(val), (o->flags & OPT_KEEPTTL) != 0);
    if (o->expire) db_set_expire(c->srv, c->db, key, when);
    key_changed(c, key, 1);
    if (!(o->flags & OPT_GET)) {
        if (reply_mode == SET_REPLY_INT) reply_int(c, 1);
        else reply_ok(c);
    }
    if (o->expire)
        rewrite_argv(c, 5, sds_new("SET"), take_arg(c, key), take_arg(c, val), sds_new("PXAT"), sds_fromll(when));
    else if (o->flags & OPT_GET)
        rewrite_without_get(c);
}

static void set_cmd(kv_client *c) {
    str_opts o;
    if (parse_str_opts(c, 3, FOR_SET, &o) < 0) return;
    set_generic(c, &o, c->argv[1], c->argv[2], SET_REPLY_OK);
}

static void setnx_cmd(kv_client *c) {
    str_opts o = {OPT_NX, NULL};
    set_generic(c, &o, c->argv[1], c->argv[2], SET_REPLY_INT);
}

static void setex_cmd(kv_client *c) {
    str_opts o = {OPT_EX, c->argv[2]};
    set_generic(c, &o, c->argv[1], c->argv[3], SET_REPLY_OK);
}

static void psetex_cmd(kv_client *c) {
    str_opts o = {OPT_PX, c->argv[2]};
    set_generic(c, &o, c->argv[1], c->argv[3], SET_REPLY_OK);
}

static void getset_cmd(kv_client *c) {
    sds key = c->argv[1], val = c->argv[2];
    if (get_generic(c, key) < 0) return;
    db_set(c->srv, c->db, key, str_from_arg(val), 0);
    key_changed(c, key, 1);
    rewrite_argv(c, 3, sds_new("SET"), take_arg(c, key), take_arg(c, val), NULL, NULL);
}

static void getdel_cmd(kv_client *c) {
    sds key = c->argv[1];
    if (get_generic(c, key) < 0) return;
    if (!db_delete(c->srv, c->db, key)) return;
    key_changed(c, key, 1);
    rewrite_key_cmd(c, del_name(c->srv->cfg->lazyfree_lazy_user_del), key);
}

/* GETEX EXAT/PXAT with a deadline already passed deletes the key (not
 * while loading: the stream that follows says what happened). */
static int getex_already_expired(kv_client *c, const str_opts *o, long long when) {
    return (o->flags & (OPT_EXAT | OPT_PXAT)) && when <= server_now_ms(c->srv) && !c->srv->loading;
}

static void getex_apply(kv_client *c, const str_opts *o, long long when) {
    sds key = c->argv[1];
    if (o->expire && getex_already_expired(c, o, when)) {
        db_delete(c->srv, c->db, key);
        key_changed(c, key, 1);
        rewrite_key_cmd(c, del_name(c->srv->cfg->lazyfree_lazy_expire), key);
    } else if (o->expire) {
        db_set_expire(c->srv, c->db, key, when);
        key_changed(c, key, 1);
        rewrite_argv(c, 3, sds_new("PEXPIREAT"), take_arg(c, key), sds_fromll(when), NULL, NULL);
    } else if ((o->flags & OPT_PERSIST) && db_remove_expire(c->db, key)) {
        key_changed(c, key, 1);
        rewrite_key_cmd(c, "PERSIST", key);
    }
}

static void getex_cmd(kv_client *c) {
    str_opts o;
    kv_obj *v;
    long long when = 0;
    if (parse_str_opts(c, 2, FOR_GETEX, &o) < 0) return;
    if (lookup_str_read(c, c->argv[1], &v) < 0) return;
    if (!v) {
        reply_null(c);
        return;
    }
    if (o.expire && expire_deadline(c, &o, &when) < 0) return;
    reply_bulk_obj(c, v); /* before getex_apply may free v */
    getex_apply(c, &o, when);
}

/* ---- MGET MSET MSETNX --------------------------------------------------- */

static void mget_cmd(kv_client *c) {
    reply_array(c, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        kv_obj *o = db_lookup_read(c, c->db, c->argv[j], LOOKUP_NONE);
        if (o && o->type == OBJ_STRING) reply_bulk_obj(c, o);
        else reply_null(c);
    }
}

static void mset_generic(kv_client *c, int nx) {
    if (c->argc % 2 == 0) {
        reply_errorf(c, "ERR wrong number of arguments for '%s' command", c->cmd->name);
        return;
    }
    if (nx) {
        for (int j = 1; j < c->argc; j += 2) {
            if (db_lookup_write(c, c->db, c->argv[j])) {
                reply_int(c, 0);
                return;
            }
        }
    }
    for (int j = 1; j < c->argc; j += 2) {
        db_set(c->srv, c->db, c->argv[j], str_from_arg(c->argv[j + 1]), 0);
        db_touch_key(c->srv, c->db, c->argv[j]);
    }
    c->srv->dirty += (c->argc - 1) / 2;
    if (nx) reply_int(c, 1);
    else reply_ok(c);
}

static void mset_cmd(kv_client *c) { mset_generic(c, 0); }
static void msetnx_cmd(kv_client *c) { mset_generic(c, 1); }

/* ---- APPEND STRLEN GETRANGE SETRANGE ------------------------------------- */

static void append_cmd(kv_client *c) {
    sds key = c->argv[1], add = c->argv[2];
    kv_obj *o;
    size_t total;
    if (lookup_str_write(c, key, &o) < 0) return;
    if (!o) {
        o = str_from_arg(add);
        db_add(c->srv, c->db, key, o);
        total = obj_strlen(o);
    } else {
        if (!size_ok(c, obj_strlen(o), sds_len(add))) return;
        o = str_writable(c, key, o);
        o->ptr = sds_catlen(o->ptr, add, sds_len(add));
        total = sds_len(o->ptr);
    }
    key_changed(c, key, 1);
    reply_int(c, (long long)total);
}

static void strlen_cmd(kv_client *c) {
    kv_obj *o;
    if (lookup_str_read(c, c->argv[1], &o) < 0) return;
    reply_int(c, o ? (long long)obj_strlen(o) : 0);
}

/* Redis's index rule over n units (bytes or bits): negative indexes count
 * from the end, then both are clamped into [0, n-1].  Returns 1 when the
 * range is not empty. */
static int range_norm(long long *start, long long *end, long long n) {
    if (*start < 0) *start += n;
    if (*end < 0) *end += n;
    if (*start < 0) *start = 0;
    if (*end < 0) *end = 0;
    if (*end >= n) *end = n - 1;
    return n > 0 && *start <= *end;
}

/* GETRANGE and BITCOUNT first give up on two negative indexes in reverse
 * order (BITPOS does not: -100 -200 clamps to 0 0 there). */
static int reversed_negative(long long start, long long end) { return start < 0 && end < 0 && start > end; }

static void getrange_cmd(kv_client *c) {
    long long start, end;
    kv_obj *o;
    char buf[32];
    size_t len;
    if (arg_ll(c, c->argv[2], &start, NULL) < 0 || arg_ll(c, c->argv[3], &end, NULL) < 0) return;
    if (lookup_str_read(c, c->argv[1], &o) < 0) return;
    if (!o || reversed_negative(start, end)) {
        reply_bulk(c, "", 0);
        return;
    }
    const char *p = obj_str(o, buf, &len);
    if (!range_norm(&start, &end, (long long)len)) reply_bulk(c, "", 0);
    else reply_bulk(c, p + start, (size_t)(end - start + 1));
}

/* SETRANGE on a missing key: a zero-filled RAW string of the final size. */
static kv_obj *setrange_create(kv_client *c, const sds key, long long offset, const sds val) {
    if (!size_ok(c, (unsigned long long)offset, sds_len(val))) return NULL;
    kv_obj *o = obj_new(OBJ_STRING, OBJ_ENC_RAW, sds_newlen(NULL, (size_t)offset + sds_len(val)));
    db_add(c->srv, c->db, key, o);
    return o;
}

static void setrange_cmd(kv_client *c) {
    sds key = c->argv[1], val = c->argv[3];
    long long offset;
    kv_obj *o;
    if (arg_ll(c, c->argv[2], &offset, NULL) < 0) return;
    if (offset < 0) {
        reply_error(c, ERR_OFFSET_RANGE);
        return;
    }
    if (lookup_str_write(c, key, &o) < 0) return;
    if (sds_len(val) == 0) { /* nothing to write: report the length */
        reply_int(c, o ? (long long)obj_strlen(o) : 0);
        return;
    }
    if (!o) {
        if (!(o = setrange_create(c, key, offset, val))) return;
    } else {
        if (!size_ok(c, (unsigned long long)offset, sds_len(val))) return;
        o = str_writable(c, key, o);
        o->ptr = sds_growzero(o->ptr, (size_t)offset + sds_len(val));
    }
    memcpy((char *)o->ptr + offset, val, sds_len(val));
    key_changed(c, key, 1);
    reply_int(c, (long long)sds_len(o->ptr));
}

/* ---- INCR DECR INCRBY DECRBY INCRBYFLOAT --------------------------------- */

static void store_ll(kv_client *c, const sds key, kv_obj *o, long long v) {
    if (o && o->refcount == 1 && o->enc == OBJ_ENC_INT && (v < 0 || v >= OBJ_SHARED_INTEGERS))
        o->ptr = (void *)(intptr_t)v; /* in place: no allocation on the hot path */
    else if (o)
        db_overwrite(c->srv, c->db, key, obj_new_ll(v));
    else
        db_add(c->srv, c->db, key, obj_new_ll(v));
}

static void incr_generic(kv_client *c, long long incr) {
    sds key = c->argv[1];
    kv_obj *o;
    long long v = 0;
    if (lookup_str_write(c, key, &o) < 0) return;
    if (o && obj_get_ll(o, &v) < 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    if ((incr < 0 && v < 0 && incr < LLONG_MIN - v) || (incr > 0 && v > 0 && incr > LLONG_MAX - v)) {
        reply_error(c, ERR_OVERFLOW);
        return;
    }
    v += incr;
    store_ll(c, key, o, v);
    key_changed(c, key, 1);
    reply_int(c, v);
}

static void incr_cmd(kv_client *c) { incr_generic(c, 1); }
static void decr_cmd(kv_client *c) { incr_generic(c, -1); }

static void incrby_cmd(kv_client *c) {
    long long incr;
    if (arg_ll(c, c->argv[2], &incr, NULL) < 0) return;
    incr_generic(c, incr);
}

static void decrby_cmd(kv_client *c) {
    long long decr;
    if (arg_ll(c, c->argv[2], &decr, NULL) < 0) return;
    if (decr == LLONG_MIN) {
        reply_error(c, "ERR decrement would overflow");
        return;
    }
    incr_generic(c, -decr);
}

static void incrbyfloat_cmd(kv_client *c) {
    sds key = c->argv[1];
    kv_obj *o;
    long double v = 0, incr;
    char buf[LD_STR_SIZE];
    if (lookup_str_write(c, key, &o) < 0) return;
    if (o && obj_get_ld(o, &v) < 0) {
        reply_error(c, ERR_NOT_FLOAT);
        return;
    }
    if (arg_ldouble(c, c->argv[2], &incr, NULL) < 0) return;
    v += incr;
    int len = isnan(v) || isinf(v) ? 0 : ld_to_str(buf, sizeof(buf), v);
    if (len <= 0) {
        reply_error(c, ERR_NAN_INF);
        return;
    }
    kv_obj *n = obj_new_string(buf, (size_t)len);
    if (o) db_overwrite(c->srv, c->db, key, n); /* keeps the TTL */
    else db_add(c->srv, c->db, key, n);
    key_changed(c, key, 1);
    reply_bulk(c, buf, (size_t)len);
    rewrite_argv(c, 4, sds_new("SET"), take_arg(c, key), sds_newlen(buf, (size_t)len), sds_new("KEEPTTL"), NULL);
}

/* ---- bit helpers --------------------------------------------------------- */

/* A bit offset argument: a non-negative integer whose byte lies below
 * proto-max-bulk-len; with hash (BITFIELD) "#N" means N*bits. */
static int bit_offset_arg(kv_client *c, const sds arg, int hash, int bits, uint64_t *out) {
    size_t len = sds_len(arg);
    int usehash = hash && bits > 0 && len > 1 && arg[0] == '#';
    long long v;
    if (!str_to_ll(arg + usehash, len - (size_t)usehash, &v) || v < 0) goto bad;
    if (usehash) {
        if (v > LLONG_MAX / bits) goto bad;
        v *= bits;
    }
    if (!c->srv->loading && (v >> 3) >= c->srv->cfg->proto_max_bulk_len) goto bad;
    *out = (uint64_t)v;
    return 0;
bad:
    reply_error(c, ERR_BIT_OFFSET);
    return -1;
}

/* key's string made RAW and zero-extended so byte `byte` exists; created
 * when missing.  *grew = 1 when it was created or lengthened.  NULL after
 * a WRONGTYPE reply. */
static kv_obj *bits_writable(kv_client *c, const sds key, uint64_t byte, int *grew) {
    kv_obj *o;
    if (lookup_str_write(c, key, &o) < 0) return NULL;
    *grew = 0;
    if (!o) {
        o = obj_new(OBJ_STRING, OBJ_ENC_RAW, sds_newlen(NULL, (size_t)byte + 1));
        db_add(c->srv, c->db, key, o);
        *grew = 1;
        return o;
    }
    o = str_writable(c, key, o);
    if (sds_len(o->ptr) < byte + 1) {
        o->ptr = sds_growzero(o->ptr, (size_t)byte + 1);
        *grew = 1;
    }
    return o;
}

static int bit_at(const unsigned char *p, uint64_t bit) { return (p[bit >> 3] >> (7 - (bit & 7))) & 1; }

static void bit_put(unsigned char *p, uint64_t bit, int on) {
    unsigned char mask = (unsigned char)(1u << (7 - (bit & 7)));
    if (on) p[bit >> 3] |= mask;
    else p[bit >> 3] &= (unsigned char)~mask;
}

static long long popcount(const unsigned char *p, size_t n) {
    long long count = 0;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        count += __builtin_popcountll(w);
    }
    while (n--) count += __builtin_popcount(*p++);
    return count;
}

/* Set bits in the bit range [from, to] (inclusive) of p. */
static long long count_bits(const unsigned char *p, uint64_t from, uint64_t to) {
    uint64_t fb = from >> 3, tb = to >> 3;
    unsigned before = (0xff00u >> (from & 7)) & 0xffu; /* bits of p[fb] left of from */
    unsigned after = (1u << (7 - (to & 7))) - 1;         /* bits of p[tb] right of to */
    long long n = popcount(p + fb, (size_t)(tb - fb + 1));
    return n - __builtin_popcount(p[fb] & before) - __builtin_popcount(p[tb] & after);
}

/* First bit equal to `bit` in [from, to], or -1.  Skips whole words and
 * bytes that cannot hold it. */
static long long bit_find(const unsigned char *p, uint64_t from, uint64_t to, int bit) {
    const uint64_t skip_word = bit ? 0 : UINT64_MAX;
    const unsigned char skip_byte = bit ? 0x00 : 0xff;
    uint64_t i = from;
    while (i <= to) {
        if ((i & 7) == 0 && to - i >= 63) {
            uint64_t w;
            memcpy(&w, p + (i >> 3), 8);
            if (w == skip_word) {
                i += 64;
                continue;
            }
        }
        if ((i & 7) == 0 && to - i >= 7 && p[i >> 3] == skip_byte) {
            i += 8;
            continue;
        }
        if (bit_at(p, i) == bit) return (long long)i;
        i++;
    }
    return -1;
}

/* BYTE|BIT unit word of BITCOUNT/BITPOS: 1 for BIT, 0 for BYTE, -1 after
 * a syntax error reply. */
static int unit_arg(kv_client *c, const sds arg) {
    if (arg_is(arg, "bit")) return 1;
    if (arg_is(arg, "byte")) return 0;
    reply_error(c, ERR_SYNTAX);
    return -1;
}

/* ---- SETBIT GETBIT BITCOUNT BITPOS --------------------------------------- */

static void setbit_cmd(kv_client *c) {
    sds key = c->argv[1];
    uint64_t off;
    long long on;
    int grew;
    if (bit_offset_arg(c, c->argv[2], 0, 0, &off) < 0) return;
    if (arg_ll(c, c->argv[3], &on, ERR_BIT_VALUE) < 0) return;
    if (on & ~1LL) {
        reply_error(c, ERR_BIT_VALUE);
        return;
    }
    kv_obj *o = bits_writable(c, key, off >> 3, &grew);
    if (!o) return;
    unsigned char *p = (unsigned char *)o->ptr;
    int old = bit_at(p, off);
    if (grew || old != on) { /* an unchanged bit is not a write */
        bit_put(p, off, (int)on);
        key_changed(c, key, 1);
    }
    reply_int(c, old);
}

static void getbit_cmd(kv_client *c) {
    uint64_t off;
    kv_obj *o;
    char buf[32];
    size_t len;
    if (bit_offset_arg(c, c->argv[2], 0, 0, &off) < 0) return;
    if (lookup_str_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    const unsigned char *p = (const unsigned char *)obj_str(o, buf, &len);
    reply_int(c, (off >> 3) < len ? bit_at(p, off) : 0);
}

/* BITCOUNT's [start end [BYTE|BIT]] as an inclusive bit range.  Returns 1
 * with the range, 0 when it is empty, -1 after an error reply. */
static int bitcount_range(kv_client *c, size_t len, uint64_t *from, uint64_t *to) {
    long long start, end;
    int isbit = 0;
    if (arg_ll(c, c->argv[2], &start, NULL) < 0 || arg_ll(c, c->argv[3], &end, NULL) < 0) return -1;
    if (reversed_negative(start, end)) return 0;
    if (c->argc == 5 && (isbit = unit_arg(c, c->argv[4])) < 0) return -1;
    long long n = isbit ? (long long)len * 8 : (long long)len;
    if (!range_norm(&start, &end, n)) return 0;
    *from = isbit ? (uint64_t)start : (uint64_t)start * 8;
    *to = isbit ? (uint64_t)end : (uint64_t)end * 8 + 7;
    return 1;
}

static void bitcount_cmd(kv_client *c) {
    kv_obj *o;
    char buf[32];
    size_t len;
    uint64_t from = 0, to = 0;
    int has;
    if (lookup_str_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    const unsigned char *p = (const unsigned char *)obj_str(o, buf, &len);
    if (c->argc == 4 || c->argc == 5) {
        if ((has = bitcount_range(c, len, &from, &to)) < 0) return;
    } else if (c->argc == 2) {
        has = len > 0;
        to = (uint64_t)len * 8 - 1;
    } else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    reply_int(c, has ? count_bits(p, from, to) : 0);
}

/* BITPOS's [start [end [BYTE|BIT]]]: fills the inclusive bit range and
 * whether an end was given.  Returns as bitcount_range. */
static int bitpos_range(kv_client *c, size_t len, uint64_t *from, uint64_t *to, int *end_given) {
    long long start, end;
    int isbit = 0;
    *end_given = 0;
    if (c->argc == 3) {
        start = 0;
        end = (long long)len - 1;
        isbit = 0;
    } else if (c->argc <= 6) {
        if (arg_ll(c, c->argv[3], &start, NULL) < 0) return -1;
        if (c->argc == 6 && (isbit = unit_arg(c, c->argv[5])) < 0) return -1;
        if (c->argc >= 5) {
            if (arg_ll(c, c->argv[4], &end, NULL) < 0) return -1;
            *end_given = 1;
        } else {
            end = (long long)len - 1;
        }
    } else {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    if (!range_norm(&start, &end, isbit ? (long long)len * 8 : (long long)len)) return 0;
    *from = isbit ? (uint64_t)start : (uint64_t)start * 8;
    *to = isbit ? (uint64_t)end : (uint64_t)end * 8 + 7;
    return 1;
}

static void bitpos_cmd(kv_client *c) {
    long long bit, pos;
    kv_obj *o;
    char buf[32];
    size_t len;
    uint64_t from = 0, to = 0;
    int end_given, has;
    if (arg_ll(c, c->argv[2], &bit, NULL) < 0) return;
    if (bit != 0 && bit != 1) {
        reply_error(c, "ERR The bit argument must be 1 or 0.");
        return;
    }
    if (lookup_str_read(c, c->argv[1], &o) < 0) return;
    if (!o) { /* an endless run of zeros */
        reply_int(c, bit ? -1 : 0);
        return;
    }
    const unsigned char *p = (const unsigned char *)obj_str(o, buf, &len);
    if ((has = bitpos_range(c, len, &from, &to, &end_given)) < 0) return;
    if (!has) {
        reply_int(c, -1);
        return;
    }
    pos = bit_find(p, from, to, (int)bit);
    /* Looking for a 0 past an open-ended range: the string continues
     * with zeros, so the answer is the first bit after it. */
    if (pos < 0 && bit == 0 && !end_given) pos = (long long)to + 1;
    reply_int(c, pos);
}

/* ---- BITOP --------------------------------------------------------------- */

enum { BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT };

typedef struct bitop_src {
    const unsigned char *p;
    size_t len;
    char buf[32]; /* digits of an INT-encoded source */
} bitop_src;

static int bitop_parse_op(const sds name) {
    if (arg_is(name, "and")) return BITOP_AND;
    if (arg_is(name, "or")) return BITOP_OR;
    if (arg_is(name, "xor")) return BITOP_XOR;
    if (arg_is(name, "not")) return BITOP_NOT;
    return -1;
}

/* Look the sources up (missing = empty).  Returns the longest length, or
 * -1 after a WRONGTYPE reply. */
static long long bitop_sources(kv_client *c, bitop_src *src, int n) {
    size_t maxlen = 0;
    for (int j = 0; j < n; j++) {
        kv_obj *o;
        if (lookup_str_read(c, c->argv[j + 3], &o) < 0) return -1;
        src[j].len = 0;
        src[j].p = NULL;
        if (o) src[j].p = (const unsigned char *)obj_str(o, src[j].buf, &src[j].len);
        if (src[j].len > maxlen) maxlen = src[j].len;
    }
    return (long long)maxlen;
}

static unsigned char bitop_byte(const bitop_src *s, size_t i) { return i < s->len ? s->p[i] : 0; }

/* Result byte i: bytes past a source's end count as zero. */
static unsigned char bitop_combine(int op, const bitop_src *src, int n, size_t i) {
    unsigned char r = bitop_byte(&src[0], i);
    if (op == BITOP_NOT) return (unsigned char)~r;
    for (int j = 1; j < n; j++) {
        unsigned char b = bitop_byte(&src[j], i);
        if (op == BITOP_AND) r &= b;
        else if (op == BITOP_OR) r |= b;
        else r ^= b;
    }
    return r;
}

/* Fast path over the prefix every source covers, 8 bytes at a time;
 * returns how many bytes it did. */
static size_t bitop_words(int op, const bitop_src *src, int n, unsigned char *r) {
    size_t minlen = src[0].len, i;
    for (int j = 1; j < n; j++)
        if (src[j].len < minlen) minlen = src[j].len;
    for (i = 0; i + 8 <= minlen; i += 8) {
        uint64_t w, x;
        memcpy(&w, src[0].p + i, 8);
        if (op == BITOP_NOT) w = ~w;
        for (int j = 1; j < n; j++) {
            memcpy(&x, src[j].p + i, 8);
            if (op == BITOP_AND) w &= x;
            else if (op == BITOP_OR) w |= x;
            else w ^= x;
        }
        memcpy(r + i, &w, 8);
    }
    return i;
}

static sds bitop_compute(int op, const bitop_src *src, int n, size_t maxlen) {
    sds res = sds_newlen(NULL, maxlen);
    unsigned char *r = (unsigned char *)res;
    for (size_t i = bitop_words(op, src, n, r); i < maxlen; i++) r[i] = bitop_combine(op, src, n, i);
    return res;
}

static void bitop_cmd(kv_client *c) {
    sds target = c->argv[2];
    int op = bitop_parse_op(c->argv[1]), n = c->argc - 3;
    if (op < 0) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (op == BITOP_NOT && n != 1) {
        reply_error(c, "ERR BITOP NOT must be called with a single source key.");
        return;
    }
    bitop_src *src = mem_alloc(sizeof(*src) * (size_t)n);
    long long maxlen = bitop_sources(c, src, n);
    if (maxlen > 0) {
        sds res = bitop_compute(op, src, n, (size_t)maxlen);
        db_set(c->srv, c->db, target, obj_new(OBJ_STRING, OBJ_ENC_RAW, res), 0);
        key_changed(c, target, 1);
    } else if (maxlen == 0 && db_delete(c->srv, c->db, target)) {
        key_changed(c, target, 1);
    }
    mem_free(src);
    if (maxlen >= 0) reply_int(c, maxlen);
}

/* ---- BITFIELD BITFIELD_RO ------------------------------------------------ */

enum { BF_GET, BF_SET, BF_INCRBY };
enum { BF_WRAP, BF_SAT, BF_FAIL };

typedef struct bf_op {
    uint64_t offset;
    int64_t value; /* SET value or INCRBY increment */
    int opcode, overflow, bits, sign;
} bf_op;

typedef struct bf_plan {
    bf_op *ops;
    int nops;
    int readonly;          /* only GETs */
    uint64_t highest_bit;  /* last bit any write touches */
} bf_plan;

#define ERR_BF_TYPE "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."

/* "i1".."i64" or "u1".."u63" (C-string semantics, as Redis). */
static int bf_type_arg(kv_client *c, const sds arg, int *sign, int *bits) {
    long long n;
    if (arg[0] != 'i' && arg[0] != 'u') goto bad;
    *sign = arg[0] == 'i';
    if (!str_to_ll(arg + 1, strlen(arg + 1), &n) || n < 1 || n > (*sign ? 64 : 63)) goto bad;
    *bits = (int)n;
    return 0;
bad:
    reply_error(c, ERR_BF_TYPE);
    return -1;
}

static int bf_overflow_arg(kv_client *c, const sds arg, int *mode) {
    if (arg_is(arg, "wrap")) *mode = BF_WRAP;
    else if (arg_is(arg, "sat")) *mode = BF_SAT;
    else if (arg_is(arg, "fail")) *mode = BF_FAIL;
    else {
        reply_error(c, "ERR Invalid OVERFLOW type specified");
        return -1;
    }
    return 0;
}

static int bf_opcode(const sds word, int remaining) {
    if (arg_is(word, "get") && remaining >= 2) return BF_GET;
    if (arg_is(word, "set") && remaining >= 3) return BF_SET;
    if (arg_is(word, "incrby") && remaining >= 3) return BF_INCRBY;
    return -1;
}

/* Parse the GET/SET/INCRBY operation at argv[j] into op.  Returns the
 * number of arguments it used, or -1 after an error reply. */
static int bf_parse_op(kv_client *c, int j, int opcode, int overflow, bf_op *op) {
    op->opcode = opcode;
    op->overflow = overflow;
    op->value = 0;
    if (bf_type_arg(c, c->argv[j + 1], &op->sign, &op->bits) < 0) return -1;
    if (bit_offset_arg(c, c->argv[j + 2], 1, op->bits, &op->offset) < 0) return -1;
    if (opcode == BF_GET) return 3;
    long long v;
    if (arg_ll(c, c->argv[j + 3], &v, NULL) < 0) return -1;
    op->value = v;
    return 4;
}

/* Parse every argument before touching anything, as Redis. */
static int bf_parse(kv_client *c, bf_plan *plan) {
    int overflow = BF_WRAP;
    plan->ops = mem_alloc(sizeof(bf_op) * (size_t)(c->argc / 3 + 1));
    plan->nops = 0;
    plan->readonly = 1;
    plan->highest_bit = 0;
    for (int j = 2; j < c->argc;) {
        int remaining = c->argc - j - 1, opcode = bf_opcode(c->argv[j], remaining), used;
        if (opcode < 0 && arg_is(c->argv[j], "overflow") && remaining >= 1) {
            if (bf_overflow_arg(c, c->argv[j + 1], &overflow) < 0) return -1;
            j += 2;
            continue;
        }
        if (opcode < 0) {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
        bf_op *op = &plan->ops[plan->nops];
        if ((used = bf_parse_op(c, j, opcode, overflow, op)) < 0) return -1;
        plan->nops++;
        j += used;
        if (opcode == BF_GET) continue;
        plan->readonly = 0;
        if (op->offset + (uint64_t)op->bits - 1 > plan->highest_bit) plan->highest_bit = op->offset + (uint64_t)op->bits - 1;
    }
    return 0;
}

/* Field of `bits` bits at bit offset off, most significant first; bits
 * past len read as zero. */
static uint64_t bf_read(const unsigned char *p, size_t len, uint64_t off, int bits) {
    uint64_t v = 0;
    for (int i = 0; i < bits; i++) {
        uint64_t b = off + (uint64_t)i;
        v = (v << 1) | (uint64_t)((b >> 3) < len ? bit_at(p, b) : 0);
    }
    return v;
}

static void bf_write(unsigned char *p, uint64_t off, int bits, uint64_t v) {
    for (int i = 0; i < bits; i++) bit_put(p, off + (uint64_t)i, (int)((v >> (bits - 1 - i)) & 1));
}

/* The low `bits` bits of v as a signed number (two's complement). */
static int64_t bf_sign_extend(uint64_t v, int bits) {
    if (bits < 64) {
        uint64_t high = UINT64_MAX << bits;
        v = (v & (1ULL << (bits - 1))) ? v | high : v & ~high;
    }
    return (int64_t)v;
}

/* Redis 7.0 computes max - value in 64 bits for a signed SET; when that
 * wraps (bits < 64, value <= max - 2^63: near INT64_MIN) it takes it as
 * too big, so OVERFLOW SAT stores max there.  Kept for identical replies. */
static int bf_set_quirk(int64_t value, int64_t max) { return (uint64_t)max - (uint64_t)value > (uint64_t)INT64_MAX; }

/* value + incr in a signed field of `bits` bits.  For INCRBY value is the
 * field (in range); for SET incr is 0 and value anything.  Returns 0 and
 * the sum, or 1 (too big) / -1 (too small) and the wrapped or saturated
 * result as the overflow mode says (FAIL: nothing is stored anyway). */
static int bf_add_signed(int64_t value, int64_t incr, int bits, int mode, int64_t *res) {
    int64_t max = bits == 64 ? INT64_MAX : (int64_t)((1ULL << (bits - 1)) - 1), min = -max - 1;
    uint64_t sum = (uint64_t)value + (uint64_t)incr;
    int over = 0;
    if (incr == 0) over = value > max || (bits < 64 && bf_set_quirk(value, max)) ? 1 : value < min ? -1 : 0;
    else if (incr > 0 && (uint64_t)incr > (uint64_t)max - (uint64_t)value) over = 1;
    else if (incr < 0 && 0 - (uint64_t)incr > (uint64_t)value - (uint64_t)min) over = -1;
    if (!over || mode == BF_WRAP) *res = bf_sign_extend(sum, bits);
    else *res = over > 0 ? max : min;
    return over;
}

/* The same for an unsigned field (bits <= 63); value may be a SET value
 * that was negative (then far above max, as Redis sees it). */
static int bf_add_unsigned(uint64_t value, int64_t incr, int bits, int mode, uint64_t *res) {
    uint64_t max = (1ULL << bits) - 1;
    int over = 0;
    if (incr == 0) over = value > max;
    else if (incr > 0 && (uint64_t)incr > max - value) over = 1;
    else if (incr < 0 && 0 - (uint64_t)incr > value) over = -1;
    if (!over || mode == BF_WRAP) *res = (value + (uint64_t)incr) & max;
    else *res = over > 0 ? max : 0;
    return over;
}

/* Run one SET/INCRBY on the (writable) string; replies with the old (SET)
 * or new (INCRBY) value, or null when OVERFLOW FAIL refused it.  Returns
 * 1 when it wrote. */
static int bf_exec_write(kv_client *c, kv_obj *o, const bf_op *op) {
    unsigned char *p = (unsigned char *)o->ptr;
    uint64_t field = bf_read(p, sds_len(o->ptr), op->offset, op->bits), store;
    int incrby = op->opcode == BF_INCRBY, over;
    long long reply;
    if (op->sign) {
        int64_t old = bf_sign_extend(field, op->bits), nv;
        over = bf_add_signed(incrby ? old : op->value, incrby ? op->value : 0, op->bits, op->overflow, &nv);
        store = (uint64_t)nv;
        reply = incrby ? nv : old;
    } else {
        uint64_t nv;
        over = bf_add_unsigned(incrby ? field : (uint64_t)op->value, incrby ? op->value : 0, op->bits,
                               op->overflow, &nv);
        store = nv;
        reply = (long long)(incrby ? nv : field);
    }
    if (over && op->overflow == BF_FAIL) {
        reply_null(c);
        return 0;
    }
    bf_write(p, op->offset, op->bits, store);
    reply_int(c, reply);
    return 1;
}

static void bf_exec_get(kv_client *c, const kv_obj *o, const bf_op *op) {
    char buf[32];
    size_t len = 0;
    const unsigned char *p = o ? (const unsigned char *)obj_str(o, buf, &len) : NULL;
    uint64_t field = bf_read(p, len, op->offset, op->bits);
    reply_int(c, op->sign ? (long long)bf_sign_extend(field, op->bits) : (long long)field);
}

/* The key's object for the plan: read-only lookup when it only GETs, else
 * the writable string.  Returns -1 after an error reply. */
static int bf_target(kv_client *c, const bf_plan *plan, int ro_cmd, kv_obj **o, int *grew) {
    *grew = 0;
    if (plan->readonly) return lookup_str_read(c, c->argv[1], o);
    if (ro_cmd) {
        reply_error(c, "ERR BITFIELD_RO only supports the GET subcommand");
        return -1;
    }
    *o = bits_writable(c, c->argv[1], plan->highest_bit >> 3, grew);
    return *o ? 0 : -1;
}

static void bitfield_generic(kv_client *c, int ro_cmd) {
    bf_plan plan;
    kv_obj *o;
    int grew;
    long long writes = 0;
    if (bf_parse(c, &plan) < 0 || bf_target(c, &plan, ro_cmd, &o, &grew) < 0) {
        mem_free(plan.ops);
        return;
    }
    reply_array(c, plan.nops);
    for (int i = 0; i < plan.nops; i++) {
        if (plan.ops[i].opcode == BF_GET) bf_exec_get(c, o, &plan.ops[i]);
        else writes += bf_exec_write(c, o, &plan.ops[i]);
    }
    if (writes || grew) key_changed(c, c->argv[1], writes ? writes : 1);
    mem_free(plan.ops);
}

static void bitfield_cmd(kv_client *c) { bitfield_generic(c, 0); }
static void bitfield_ro_cmd(kv_client *c) { bitfield_generic(c, 1); }

/* ---- LCS ----------------------------------------------------------------- */

typedef struct lcs_args {
    int getlen, getidx, withmatchlen;
    long long minmatchlen;
} lcs_args;

static int lcs_parse(kv_client *c, lcs_args *a) {
    memset(a, 0, sizeof(*a));
    for (int j = 3; j < c->argc; j++) {
        if (arg_is(c->argv[j], "idx")) a->getidx = 1;
        else if (arg_is(c->argv[j], "len")) a->getlen = 1;
        else if (arg_is(c->argv[j], "withmatchlen")) a->withmatchlen = 1;
        else if (arg_is(c->argv[j], "minmatchlen") && j + 1 < c->argc) {
            if (arg_ll(c, c->argv[++j], &a->minmatchlen, NULL) < 0) return -1;
            if (a->minmatchlen < 0) a->minmatchlen = 0;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (a->getidx && a->getlen) {
        reply_error(c, "ERR If you want both the length and indexes, please just use IDX.");
        return -1;
    }
    return 0;
}

/* Length only: two rows of the DP table are enough. */
static uint32_t lcs_length(const char *a, uint32_t alen, const char *b, uint32_t blen) {
    uint32_t *prev = mem_calloc(sizeof(uint32_t) * ((size_t)blen + 1));
    uint32_t *cur = mem_calloc(sizeof(uint32_t) * ((size_t)blen + 1));
    for (uint32_t i = 1; i <= alen; i++) {
        for (uint32_t j = 1; j <= blen; j++) {
            if (a[i - 1] == b[j - 1]) cur[j] = prev[j - 1] + 1;
            else cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
        }
        uint32_t *t = prev;
        prev = cur;
        cur = t;
    }
    uint32_t n = prev[blen];
    mem_free(prev);
    mem_free(cur);
    return n;
}

/* dp[i*(blen+1)+j] = LCS length of a[0..i) and b[0..j). */
static uint32_t *lcs_table(const char *a, uint32_t alen, const char *b, uint32_t blen) {
    size_t w = (size_t)blen + 1;
    uint32_t *dp = mem_alloc(sizeof(uint32_t) * ((size_t)alen + 1) * w);
    for (uint32_t j = 0; j <= blen; j++) dp[j] = 0;
    for (uint32_t i = 1; i <= alen; i++) {
        uint32_t *row = dp + i * w, *up = row - w;
        row[0] = 0;
        for (uint32_t j = 1; j <= blen; j++) {
            if (a[i - 1] == b[j - 1]) row[j] = up[j - 1] + 1;
            else row[j] = up[j] > row[j - 1] ? up[j] : row[j - 1];
        }
    }
    return dp;
}

typedef struct lcs_range {
    uint32_t astart, aend, bstart, bend;
    int open;
} lcs_range;

static void lcs_emit(kv_client *c, const lcs_args *a, lcs_range *r, long *count) {
    uint32_t len = r->aend - r->astart + 1;
    r->open = 0;
    if (!a->getidx || (a->minmatchlen && len < (unsigned long long)a->minmatchlen)) return;
    reply_array(c, 2 + a->withmatchlen);
    reply_array(c, 2);
    reply_int(c, r->astart);
    reply_int(c, r->aend);
    reply_array(c, 2);
    reply_int(c, r->bstart);
    reply_int(c, r->bend);
    if (a->withmatchlen) reply_int(c, len);
    (*count)++;
}

/* Walk the table back from the end, as Redis does (on a tie, step in b),
 * writing the LCS string into out and emitting each run of matches (the
 * last runs first) for IDX.  Returns the number of ranges emitted. */
static long lcs_walk(kv_client *c, const lcs_args *args, const uint32_t *dp, const char *a, uint32_t alen,
                     const char *b, uint32_t blen, char *out) {
    size_t w = (size_t)blen + 1;
    uint32_t i = alen, j = blen, k = dp[alen * w + blen];
    lcs_range r = {0, 0, 0, 0, 0};
    long count = 0;
    while (i > 0 && j > 0) {
        if (a[i - 1] == b[j - 1]) {
            out[--k] = a[i - 1];
            if (!r.open) {
                r.aend = i - 1;
                r.bend = j - 1;
                r.open = 1;
            }
            r.astart = i - 1;
            r.bstart = j - 1;
            i--;
            j--;
            if (i == 0 || j == 0) lcs_emit(c, args, &r, &count);
            continue;
        }
        if (dp[(i - 1) * w + j] > dp[i * w + j - 1]) i--;
        else j--;
        if (r.open) lcs_emit(c, args, &r, &count);
    }
    return count;
}

static void lcs_reply(kv_client *c, const lcs_args *args, const char *a, uint32_t alen, const char *b, uint32_t blen) {
    if (args->getlen) {
        reply_int(c, lcs_length(a, alen, b, blen));
        return;
    }
    unsigned long long cells = ((unsigned long long)alen + 1) * ((unsigned long long)blen + 1);
    if (cells > LCS_TABLE_MAX_BYTES / sizeof(uint32_t)) {
        reply_error(c, "ERR Insufficient memory, failed allocating transient memory for LCS");
        return;
    }
    uint32_t *dp = lcs_table(a, alen, b, blen);
    uint32_t total = dp[(size_t)alen * ((size_t)blen + 1) + blen];
    char *out = mem_alloc((size_t)total + 1);
    reply_slot slot = 0;
    if (args->getidx) {
        reply_map(c, 2);
        reply_bulk_cstr(c, "matches");
        slot = reply_defer(c);
    }
    long ranges = lcs_walk(c, args, dp, a, alen, b, blen, out);
    if (args->getidx) {
        reply_bulk_cstr(c, "len");
        reply_int(c, total);
        reply_set_defer_array(c, slot, ranges);
    } else {
        reply_bulk(c, out, total);
    }
    mem_free(out);
    mem_free(dp);
}

static void lcs_cmd(kv_client *c) {
    kv_obj *oa = db_lookup_read(c, c->db, c->argv[1], LOOKUP_NONE);
    kv_obj *ob = db_lookup_read(c, c->db, c->argv[2], LOOKUP_NONE);
    char bufa[32], bufb[32];
    size_t alen = 0, blen = 0;
    lcs_args args;
    if ((oa && oa->type != OBJ_STRING) || (ob && ob->type != OBJ_STRING)) {
        reply_error(c, "ERR The specified keys must contain string values");
        return;
    }
    if (lcs_parse(c, &args) < 0) return;
    const char *a = oa ? obj_str(oa, bufa, &alen) : "";
    const char *b = ob ? obj_str(ob, bufb, &blen) : "";
    if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1) {
        reply_error(c, "ERR String too long for LCS");
        return;
    }
    lcs_reply(c, &args, a, (uint32_t)alen, b, (uint32_t)blen);
}

/* ---- the command table ---------------------------------------------------- */

#define W_DENY (CMD_WRITE | CMD_DENYOOM)

const kv_command cmd_table_string[] = {
    {"get", get_cmd, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "string", "1.0.0",
     "Returns the string value of a key.", "O(1)", "key", NULL},
    {"set", set_cmd, -3, W_DENY, 1, 1, 1, "string", "1.0.0",
     "Sets the string value of a key, optionally with an expiry, only if it does (not) exist, returning the old value.",
     "O(1)", "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]",
     NULL},
    {"setnx", setnx_cmd, 3, W_DENY | CMD_FAST, 1, 1, 1, "string", "1.0.0",
     "Sets the string value of a key only when the key does not exist.", "O(1)", "key value", NULL},
    {"setex", setex_cmd, 4, W_DENY, 1, 1, 1, "string", "2.0.0",
     "Sets the string value and the expiry in seconds of a key.", "O(1)", "key seconds value", NULL},
    {"psetex", psetex_cmd, 4, W_DENY, 1, 1, 1, "string", "2.6.0",
     "Sets the string value and the expiry in milliseconds of a key.", "O(1)", "key milliseconds value", NULL},
    {"mget", mget_cmd, -2, CMD_READONLY | CMD_FAST, 1, -1, 1, "string", "1.0.0",
     "Returns the string values of one or more keys.", "O(N) where N is the number of keys", "key [key ...]", NULL},
    {"mset", mset_cmd, -3, W_DENY, 1, -1, 2, "string", "1.0.1",
     "Sets the string values of one or more keys.", "O(N) where N is the number of keys", "key value [key value ...]",
     NULL},
    {"msetnx", msetnx_cmd, -3, W_DENY, 1, -1, 2, "string", "1.0.1",
     "Sets the string values of one or more keys, only when none of them exists.",
     "O(N) where N is the number of keys", "key value [key value ...]", NULL},
    {"getset", getset_cmd, 3, W_DENY | CMD_FAST, 1, 1, 1, "string", "1.0.0",
     "Returns the old string value of a key after setting a new one.", "O(1)", "key value", NULL},
    {"getdel", getdel_cmd, 2, CMD_WRITE | CMD_FAST, 1, 1, 1, "string", "6.2.0",
     "Returns the string value of a key and deletes the key.", "O(1)", "key", NULL},
    {"getex", getex_cmd, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "string", "6.2.0",
     "Returns the string value of a key after changing or removing its expiry.", "O(1)",
     "key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]", NULL},
    {"append", append_cmd, 3, W_DENY | CMD_FAST, 1, 1, 1, "string", "2.0.0",
     "Appends a string to the value of a key; creates the key when missing.", "O(1) amortized", "key value", NULL},
    {"strlen", strlen_cmd, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "string", "2.2.0",
     "Returns the length of a string value.", "O(1)", "key", NULL},
    {"getrange", getrange_cmd, 4, CMD_READONLY, 1, 1, 1, "string", "2.4.0",
     "Returns a substring of the string stored at a key.", "O(N) where N is the length of the result", "key start end",
     NULL},
    {"substr", getrange_cmd, 4, CMD_READONLY, 1, 1, 1, "string", "1.0.0",
     "Returns a substring of the string stored at a key (old name of GETRANGE).",
     "O(N) where N is the length of the result", "key start end", NULL},
    {"setrange", setrange_cmd, 4, W_DENY, 1, 1, 1, "string", "2.2.0",
     "Overwrites part of a string value from an offset; creates the key when missing.",
     "O(1) plus the copy of the value", "key offset value", NULL},
    {"incr", incr_cmd, 2, W_DENY | CMD_FAST, 1, 1, 1, "string", "1.0.0",
     "Increments the integer value of a key by one.", "O(1)", "key", NULL},
    {"decr", decr_cmd, 2, W_DENY | CMD_FAST, 1, 1, 1, "string", "1.0.0",
     "Decrements the integer value of a key by one.", "O(1)", "key", NULL},
    {"incrby", incrby_cmd, 3, W_DENY | CMD_FAST, 1, 1, 1, "string", "1.0.0",
     "Increments the integer value of a key by a number.", "O(1)", "key increment", NULL},
    {"decrby", decrby_cmd, 3, W_DENY | CMD_FAST, 1, 1, 1, "string", "1.0.0",
     "Decrements the integer value of a key by a number.", "O(1)", "key decrement", NULL},
    {"incrbyfloat", incrbyfloat_cmd, 3, W_DENY | CMD_FAST, 1, 1, 1, "string", "2.6.0",
     "Increments the floating point value of a key by a number.", "O(1)", "key increment", NULL},
    {"setbit", setbit_cmd, 4, W_DENY, 1, 1, 1, "bitmap", "2.2.0",
     "Sets or clears one bit of a string value; creates the key when missing.", "O(1)", "key offset value", NULL},
    {"getbit", getbit_cmd, 3, CMD_READONLY | CMD_FAST, 1, 1, 1, "bitmap", "2.2.0",
     "Returns one bit of a string value.", "O(1)", "key offset", NULL},
    {"bitcount", bitcount_cmd, -2, CMD_READONLY, 1, 1, 1, "bitmap", "2.6.0",
     "Counts the set bits of a string, or of a range of it.", "O(N)", "key [start end [BYTE|BIT]]", NULL},
    {"bitpos", bitpos_cmd, -3, CMD_READONLY, 1, 1, 1, "bitmap", "2.8.7",
     "Finds the first set or clear bit of a string, or of a range of it.", "O(N)",
     "key bit [start [end [BYTE|BIT]]]", NULL},
    {"bitop", bitop_cmd, -4, W_DENY, 2, -1, 1, "bitmap", "2.6.0",
     "Stores the bitwise AND, OR, XOR or NOT of strings in a key.", "O(N)",
     "AND|OR|XOR|NOT destkey key [key ...]", NULL},
    {"bitfield", bitfield_cmd, -2, W_DENY, 1, 1, 1, "bitmap", "3.2.0",
     "Reads, writes and increments integer fields of any width inside a string.", "O(1) for each operation",
     "key [GET encoding offset|[OVERFLOW WRAP|SAT|FAIL] SET encoding offset value|INCRBY encoding offset increment ...]",
     NULL},
    {"bitfield_ro", bitfield_ro_cmd, -2, CMD_READONLY | CMD_FAST, 1, 1, 1, "bitmap", "6.0.0",
     "Reads integer fields of any width inside a string.", "O(1) for each operation",
     "key [GET encoding offset ...]", NULL},
    {"lcs", lcs_cmd, -3, CMD_READONLY, 1, 2, 1, "string", "7.0.0",
     "Finds the longest common subsequence of two strings.", "O(N*M) for strings of lengths N and M",
     "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
