/*
 * engine/t_hash.c — the hash type of Redis 7.0 and its commands: HSET
 * HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL
 * HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
 *
 * What it owns: the OBJ_HASH value layout (encodings in t_hash.h), the
 * type's free/dup/mem/digest functions, the construction/iteration API of
 * t_hash.h, and the rows of cmd_table_hash[].
 *
 * Layout of the file: an encoding layer (hx_* : find/set/delete/convert on
 * either encoding, the only code that looks inside o->ptr), the public API
 * on top of it, then the commands, then the table.
 *
 * Encoding rules, as Redis 7.0 (t_hash.c hashTypeTryConversion/hashTypeSet):
 *  (1) a new hash starts as a listpack;
 *  (2) before a write, a field or value longer than hash-max-listpack-value
 *      bytes (or a write that would take the listpack past 1 GB) converts
 *      the whole hash to HT; HSET/HMSET/HSETNX check all their arguments
 *      first, HINCRBY/HINCRBYFLOAT the field and the new value;
 *  (3) after an insert, more than hash-max-listpack-entries pairs convert;
 *  (4) conversion is one-way; deleting fields never converts back.
 * In a listpack an update replaces the value in place and a new pair is
 * appended, so HGETALL/HKEYS/HVALS/HSCAN order on a listpack hash is the
 * same as Redis's (insertion order); on HT it is dict order.
 *
 * Invariants every write handler keeps:
 *  (1) db_touch_key() and srv->dirty growth for every change (HSET/HMSET
 *      count every pair given, changed or not, as Redis does);
 *  (2) a hash whose last field is deleted is deleted with it: the keyspace
 *      never holds an empty hash, and no error path leaves a new empty one;
 *  (3) propagation replays to the same keyspace: HINCRBYFLOAT propagates
 *      as HSET key field <result> (the formatted result, so float
 *      formatting never diverges); the other writes are deterministic and
 *      propagate as given; HRANDFIELD only reads.
 *
 * Replies, errors and the order in which arguments are validated follow
 * redis-server 7.0.15 (checked against it): e.g. HINCRBY parses its
 * increment before the WRONGTYPE check, HRANDFIELD parses count, then the
 * WITHVALUES word, then the count's range, before looking the key up.
 */
#include "t_hash.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "cmd.h"
#include "db.h"
#include "debug.h"
#include "mem.h"
#include "reply.h"
#include "util.h"

#define HASH_DEFAULT_MAX_ENTRIES 128
#define HASH_DEFAULT_MAX_VALUE 64
/* Longest HINCRBYFLOAT result: %.17Lf of the largest long double. */
#define LD_STR_SIZE 5600

#define ERR_RAND_RANGE "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"

static const dict_type hash_dict_type = {dict_sds_hash, NULL, dict_sds_eq, dict_sds_free, dict_sds_free};

static const hash_limits default_limits = {HASH_DEFAULT_MAX_ENTRIES, HASH_DEFAULT_MAX_VALUE};

hash_limits hash_limits_of(const strata_config *cfg) {
    hash_limits l = {(size_t)cfg->hash_max_listpack_entries, (size_t)cfg->hash_max_listpack_value};
    return l;
}

/* ---- random numbers (HRANDFIELD on a listpack) ---------------------------- */

static uint64_t rng_state;

static uint64_t rng(void) {
    if (!rng_state) {
        util_random_bytes(&rng_state, sizeof(rng_state));
        rng_state |= 1;
    }
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned long rng_below(unsigned long n) { return (unsigned long)(rng() % n); }

/* ---- encoding layer ------------------------------------------------------- */

/* Position of field f in listpack lp, or NULL. */
static unsigned char *lp_field(const unsigned char *lp, const void *f, size_t flen) {
    unsigned char *p = lp_first(lp);
    return p ? lp_find(lp, p, f, flen, 1) : NULL;
}

/* Fields are passed as sds (the commands' arguments; a dict lookup needs
 * one).  Value of field f: 1 and *v, *vlen (borrowed; a listpack integer is
 * formatted into buf, LP_INTBUF_SIZE bytes), or 0 when absent. */
static int hx_get(const kv_obj *o, const sds f, const unsigned char **v, size_t *vlen, unsigned char *buf) {
    if (o->enc == OBJ_ENC_LISTPACK) {
        unsigned char *p = lp_field(o->ptr, f, sds_len(f));
        if (!p) return 0;
        *v = lp_get_str(lp_next(o->ptr, p), vlen, buf);
        return 1;
    }
    sds val = dict_fetch_value(o->ptr, f);
    if (!val) return 0;
    *v = (const unsigned char *)val;
    *vlen = sds_len(val);
    return 1;
}

static int hx_exists(const kv_obj *o, const sds f) {
    const unsigned char *v;
    size_t vlen;
    unsigned char buf[LP_INTBUF_SIZE];
    return hx_get(o, f, &v, &vlen, buf);
}

unsigned long hash_obj_len(const kv_obj *o) {
    if (o->enc == OBJ_ENC_LISTPACK) return lp_length(o->ptr) / 2;
    return (unsigned long)dict_size(o->ptr);
}

/* Listpack -> HT, presized; one-way. */
static void hx_convert(kv_obj *o) {
    if (o->enc != OBJ_ENC_LISTPACK) return;
    unsigned char *lp = o->ptr;
    dict *d = dict_create(&hash_dict_type);
    dict_expand(d, lp_length(lp) / 2);
    unsigned char fb[LP_INTBUF_SIZE], vb[LP_INTBUF_SIZE];
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
        size_t flen, vlen;
        unsigned char *f = lp_get_str(p, &flen, fb);
        unsigned char *v = lp_get_str(lp_next(lp, p), &vlen, vb);
        dict_add(d, sds_newlen(f, flen), sds_newlen(v, vlen));
    }
    lp_free(lp);
    o->ptr = d;
    o->enc = OBJ_ENC_HT;
}

/* Rule (2) for a batch of strings about to be written. */
static void hx_convert_for(kv_obj *o, sds *args, int n, const hash_limits *lim) {
    if (o->enc != OBJ_ENC_LISTPACK) return;
    size_t sum = 0;
    for (int i = 0; i < n; i++) {
        size_t len = sds_len(args[i]);
        if (len > lim->max_value) {
            hx_convert(o);
            return;
        }
        sum += len;
    }
    if (!lp_safe_to_add(o->ptr, sum)) hx_convert(o);
}

static int hx_set_ht(kv_obj *o, const sds f, const void *v, size_t vlen) {
    dict_entry *de = dict_find(o->ptr, f);
    if (de) {
        dict_set_val(o->ptr, de, sds_newlen(v, vlen));
        return 0;
    }
    dict_add(o->ptr, sds_dup(f), sds_newlen(v, vlen));
    return 1;
}

/* Sets f -> v (rules 2 and 3); 1 if f is new, 0 if its value was replaced. */
static int hx_set(kv_obj *o, const sds f, const void *v, size_t vlen, const hash_limits *lim) {
    size_t flen = sds_len(f);
    if (o->enc == OBJ_ENC_LISTPACK &&
        (flen > lim->max_value || vlen > lim->max_value || !lp_safe_to_add(o->ptr, flen + vlen)))
        hx_convert(o);
    if (o->enc != OBJ_ENC_LISTPACK) return hx_set_ht(o, f, v, vlen);
    unsigned char *lp = o->ptr, *p = lp_field(lp, f, flen);
    if (p) {
        unsigned char *vp = lp_next(lp, p);
        o->ptr = lp_replace(lp, &vp, v, vlen);
        return 0;
    }
    lp = lp_append(lp, f, flen);
    o->ptr = lp_append(lp, v, vlen);
    if (lp_length(o->ptr) / 2 > lim->max_entries) hx_convert(o);
    return 1;
}

/* 1 if f was there and is now gone. */
static int hx_delete(kv_obj *o, const sds f) {
    if (o->enc == OBJ_ENC_LISTPACK) {
        unsigned char *p = lp_field(o->ptr, f, sds_len(f));
        if (!p) return 0;
        o->ptr = lp_delete_range_at(o->ptr, &p, 2);
        return 1;
    }
    if (dict_delete(o->ptr, f) != 0) return 0;
    dict_shrink_if_needed(o->ptr);
    return 1;
}

/* ---- public API (t_hash.h) ------------------------------------------------ */

kv_obj *hash_obj_new(void) { return obj_new(OBJ_HASH, OBJ_ENC_LISTPACK, lp_new()); }

int hash_obj_set(kv_obj *o, const void *field, size_t flen, const void *val, size_t vlen, const hash_limits *lim) {
    sds f = sds_newlen(field, flen);
    int added = hx_set(o, f, val, vlen, lim ? lim : &default_limits);
    sds_free(f);
    return added;
}

int hash_obj_get(const kv_obj *o, const void *field, size_t flen, const unsigned char **v, size_t *vlen,
                 unsigned char *buf) {
    sds f = sds_newlen(field, flen);
    int found = hx_get(o, f, v, vlen, buf);
    sds_free(f);
    return found;
}

kv_obj *hash_obj_from_listpack(unsigned char *lp, const hash_limits *lim) {
    if (!lim) lim = &default_limits;
    if (lp_check_unique(lp, 2) != 0) return NULL;
    kv_obj *o = obj_new(OBJ_HASH, OBJ_ENC_LISTPACK, lp);
    int convert = lp_length(lp) / 2 > lim->max_entries;
    for (unsigned char *p = lp_first(lp); p && !convert; p = lp_next(lp, p)) {
        size_t len;
        long long iv;
        if (lp_get(p, &len, &iv) && len > lim->max_value) convert = 1;
    }
    if (convert) hx_convert(o);
    return o;
}

void hash_iter_init(hash_iter *it, const kv_obj *o) {
    it->o = o;
    it->p = NULL;
    if (o->enc == OBJ_ENC_LISTPACK) it->p = lp_first(o->ptr);
    else dict_iter_init(&it->di, o->ptr, 0);
}

int hash_iter_next(hash_iter *it, const unsigned char **f, size_t *flen, const unsigned char **v, size_t *vlen) {
    if (it->o->enc == OBJ_ENC_LISTPACK) {
        if (!it->p) return 0;
        unsigned char *vp = lp_next(it->o->ptr, it->p);
        *f = lp_get_str(it->p, flen, it->fbuf);
        *v = lp_get_str(vp, vlen, it->vbuf);
        it->p = lp_next(it->o->ptr, vp);
        return 1;
    }
    dict_entry *de = dict_next(&it->di);
    if (!de) return 0;
    *f = (const unsigned char *)de->key;
    *flen = sds_len(de->key);
    *v = (const unsigned char *)de->v.val;
    *vlen = sds_len(de->v.val);
    return 1;
}

void hash_iter_reset(hash_iter *it) {
    if (it->o && it->o->enc != OBJ_ENC_LISTPACK) dict_iter_reset(&it->di);
    it->o = NULL;
}

/* ---- type operations ------------------------------------------------------ */

static void hash_free(kv_obj *o) {
    if (o->enc == OBJ_ENC_LISTPACK) lp_free(o->ptr);
    else dict_release(o->ptr);
}

static kv_obj *hash_dup(const kv_obj *o) {
    if (o->enc == OBJ_ENC_LISTPACK) return obj_new(OBJ_HASH, OBJ_ENC_LISTPACK, lp_dup(o->ptr));
    dict *d = dict_create(&hash_dict_type);
    dict_expand(d, dict_size(o->ptr));
    hash_iter it;
    const unsigned char *f, *v;
    size_t flen, vlen;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) dict_add(d, sds_newlen(f, flen), sds_newlen(v, vlen));
    hash_iter_reset(&it);
    return obj_new(OBJ_HASH, OBJ_ENC_HT, d);
}

/* HT: buckets plus entries, the entries' strings estimated from the first
 * few (MEMORY USAGE in Redis samples too). */
#define MEM_SAMPLES 64

static size_t hash_mem(const kv_obj *o) {
    if (o->enc == OBJ_ENC_LISTPACK) return mem_usable(o->ptr);
    dict *d = o->ptr;
    size_t n = dict_size(d), sampled = 0, bytes = 0;
    dict_iter it;
    dict_entry *de;
    dict_iter_init(&it, d, 0);
    while (sampled < MEM_SAMPLES && (de = dict_next(&it))) {
        bytes += sds_alloc_size(de->key) + sds_alloc_size(de->v.val);
        sampled++;
    }
    dict_iter_reset(&it);
    size_t strings = sampled ? bytes / sampled * n : 0;
    return dict_buckets(d) * sizeof(void *) + n * sizeof(dict_entry) + strings;
}

/* V(hash) = u64be(pairs) XOR-of SHA1(u64be(flen) f u64be(vlen) v). */
static void put_u64(unsigned char *b, uint64_t v) {
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (56 - 8 * i));
}

static void hash_digest(const kv_obj *o, sha1_ctx *x) {
    uint8_t acc[SHA1_DIGEST_LEN] = {0};
    unsigned char hdr[8];
    hash_iter it;
    const unsigned char *f, *v;
    size_t flen, vlen;
    sds buf = sds_empty();
    hash_iter_init(&it, o);
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) {
        sds_clear(buf);
        put_u64(hdr, flen);
        buf = sds_catlen(buf, hdr, 8);
        buf = sds_catlen(buf, f, flen);
        put_u64(hdr, vlen);
        buf = sds_catlen(buf, hdr, 8);
        buf = sds_catlen(buf, v, vlen);
        debug_digest_xor(acc, buf, sds_len(buf));
    }
    hash_iter_reset(&it);
    sds_free(buf);
    put_u64(hdr, hash_obj_len(o));
    sha1_update(x, hdr, 8);
    sha1_update(x, acc, sizeof(acc));
}

void hash_module_init(void) {
    static const obj_type_ops ops = {hash_free, hash_dup, hash_mem};
    obj_register_type(OBJ_HASH, &ops);
    debug_register_digest(OBJ_HASH, hash_digest);
}

/* ---- command helpers ------------------------------------------------------ */

static hash_limits limits(kv_client *c) { return hash_limits_of(c->srv->cfg); }

/* Key looked up for reading: 0 with *out (NULL when missing), or -1 after
 * a WRONGTYPE reply. */
static int lookup_read(kv_client *c, const sds key, kv_obj **out) { return db_lookup_typed_read(c, key, OBJ_HASH, out); }

static int lookup_write(kv_client *c, const sds key, kv_obj **out) { return db_lookup_typed_write(c, key, OBJ_HASH, out); }

/* o, or a new empty hash stored at key when o is NULL.  Callers add a
 * field right away (invariant 2). */
static kv_obj *hash_or_create(kv_client *c, const sds key, kv_obj *o) {
    if (o) return o;
    o = hash_obj_new();
    db_add(c->srv, c->db, key, o);
    return o;
}

static void key_changed(kv_client *c, const sds key, long long changes) { db_key_changed(c, key, changes); }

static void reply_value(kv_client *c, const kv_obj *o, const sds field) {
    const unsigned char *v;
    size_t vlen;
    unsigned char buf[LP_INTBUF_SIZE];
    if (o && hx_get(o, field, &v, &vlen, buf)) reply_bulk(c, v, vlen);
    else reply_null(c);
}

/* ---- HSET HMSET HSETNX ---------------------------------------------------- */

static void hset_generic(kv_client *c, int hmset) {
    sds key = c->argv[1];
    kv_obj *o;
    if (c->argc % 2 == 1) {
        reply_errorf(c, "ERR wrong number of arguments for '%s' command", c->cmd->name);
        return;
    }
    if (lookup_write(c, key, &o) < 0) return;
    hash_limits lim = limits(c);
    o = hash_or_create(c, key, o);
    hx_convert_for(o, c->argv + 2, c->argc - 2, &lim);
    long long created = 0;
    for (int i = 2; i < c->argc; i += 2)
        created += hx_set(o, c->argv[i], c->argv[i + 1], sds_len(c->argv[i + 1]), &lim);
    key_changed(c, key, (c->argc - 2) / 2);
    if (hmset) reply_ok(c);
    else reply_int(c, created);
}

static void hset_cmd(kv_client *c) { hset_generic(c, 0); }
static void hmset_cmd(kv_client *c) { hset_generic(c, 1); }

static void hsetnx_cmd(kv_client *c) {
    sds key = c->argv[1], field = c->argv[2];
    kv_obj *o;
    if (lookup_write(c, key, &o) < 0) return;
    if (o && hx_exists(o, field)) {
        reply_int(c, 0);
        return;
    }
    hash_limits lim = limits(c);
    o = hash_or_create(c, key, o);
    hx_convert_for(o, c->argv + 2, 2, &lim);
    hx_set(o, field, c->argv[3], sds_len(c->argv[3]), &lim);
    key_changed(c, key, 1);
    reply_int(c, 1);
}

/* ---- HGET HMGET HEXISTS HLEN HSTRLEN --------------------------------------- */

static void hget_cmd(kv_client *c) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    reply_value(c, o, c->argv[2]);
}

static void hmget_cmd(kv_client *c) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_value(c, o, c->argv[i]);
}

static void hexists_cmd(kv_client *c) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    reply_int(c, o && hx_exists(o, c->argv[2]));
}

static void hlen_cmd(kv_client *c) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    reply_int(c, o ? (long long)hash_obj_len(o) : 0);
}

static void hstrlen_cmd(kv_client *c) {
    kv_obj *o;
    const unsigned char *v;
    size_t vlen = 0;
    unsigned char buf[LP_INTBUF_SIZE];
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o || !hx_get(o, c->argv[2], &v, &vlen, buf)) vlen = 0;
    reply_int(c, (long long)vlen);
}

/* ---- HDEL ------------------------------------------------------------------ */

static void hdel_cmd(kv_client *c) {
    sds key = c->argv[1];
    kv_obj *o;
    long long deleted = 0;
    if (lookup_write(c, key, &o) < 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    for (int i = 2; i < c->argc; i++) {
        if (!hx_delete(o, c->argv[i])) continue;
        deleted++;
        if (hash_obj_len(o) == 0) {
            db_delete(c->srv, c->db, key);
            break;
        }
    }
    if (deleted) key_changed(c, key, deleted);
    reply_int(c, deleted);
}

/* ---- HKEYS HVALS HGETALL --------------------------------------------------- */

#define WANT_FIELDS 1
#define WANT_VALUES 2

static void getall_generic(kv_client *c, int what) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    long n = o ? (long)hash_obj_len(o) : 0;
    if (what == (WANT_FIELDS | WANT_VALUES)) reply_map(c, n);
    else reply_array(c, n);
    if (!o) return;
    hash_iter it;
    const unsigned char *f, *v;
    size_t flen, vlen;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) {
        if (what & WANT_FIELDS) reply_bulk(c, f, flen);
        if (what & WANT_VALUES) reply_bulk(c, v, vlen);
    }
    hash_iter_reset(&it);
}

static void hkeys_cmd(kv_client *c) { getall_generic(c, WANT_FIELDS); }
static void hvals_cmd(kv_client *c) { getall_generic(c, WANT_VALUES); }
static void hgetall_cmd(kv_client *c) { getall_generic(c, WANT_FIELDS | WANT_VALUES); }

/* ---- HINCRBY HINCRBYFLOAT ---------------------------------------------------- */

static void hincrby_cmd(kv_client *c) {
    sds key = c->argv[1], field = c->argv[2];
    long long incr, value = 0;
    kv_obj *o;
    const unsigned char *v;
    size_t vlen;
    unsigned char buf[LP_INTBUF_SIZE];
    if (arg_ll(c, c->argv[3], &incr, NULL) < 0) return;
    if (lookup_write(c, key, &o) < 0) return;
    if (o && hx_get(o, field, &v, &vlen, buf) && !str_to_ll((const char *)v, vlen, &value)) {
        reply_error(c, "ERR hash value is not an integer");
        return;
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) || (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        reply_error(c, ERR_OVERFLOW);
        return;
    }
    value += incr;
    char num[32];
    int len = ll_to_str(num, sizeof(num), value);
    hash_limits lim = limits(c);
    o = hash_or_create(c, key, o);
    hx_set(o, field, num, (size_t)len, &lim);
    key_changed(c, key, 1);
    reply_int(c, value);
}

/* Moves argv[i] out of c->argv so a rewrite reuses it without a copy. */
static sds take_arg(kv_client *c, int i) {
    sds s = c->argv[i];
    c->argv[i] = NULL;
    return s;
}

static void hincrbyfloat_cmd(kv_client *c) {
    sds key = c->argv[1], field = c->argv[2];
    long double incr, value = 0;
    kv_obj *o;
    const unsigned char *v;
    size_t vlen;
    unsigned char buf[LP_INTBUF_SIZE];
    if (arg_ldouble(c, c->argv[3], &incr, NULL) < 0) return;
    if (isnan(incr) || isinf(incr)) {
        reply_error(c, "ERR value is NaN or Infinity");
        return;
    }
    if (lookup_write(c, key, &o) < 0) return;
    if (o && hx_get(o, field, &v, &vlen, buf) && !str_to_ld((const char *)v, vlen, &value)) {
        reply_error(c, "ERR hash value is not a float");
        return;
    }
    value += incr;
    char *out = mem_alloc(LD_STR_SIZE);
    int len = isnan(value) || isinf(value) ? 0 : ld_to_str(out, LD_STR_SIZE, value);
    if (len <= 0) {
        mem_free(out);
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    hash_limits lim = limits(c);
    o = hash_or_create(c, key, o);
    hx_set(o, field, out, (size_t)len, &lim);
    key_changed(c, key, 1);
    reply_bulk(c, out, (size_t)len);
    /* Invariant (3): HSET key field <result>. */
    sds *nv = mem_alloc(sizeof(sds) * 4);
    nv[0] = sds_new("HSET");
    nv[1] = take_arg(c, 1);
    nv[2] = take_arg(c, 2);
    nv[3] = sds_newlen(out, (size_t)len);
    mem_free(out);
    cmd_rewrite_argv(c, 4, nv);
}

/* ---- HRANDFIELD -------------------------------------------------------------- */

/* A random access view of a hash: field positions of a listpack, or dict
 * entries of an HT, indexable 0..n-1. */
typedef struct pair_index {
    const kv_obj *o;
    unsigned long n;
    unsigned char **pos;   /* listpack field positions */
    dict_entry **ent;      /* HT entries */
    unsigned char fb[LP_INTBUF_SIZE], vb[LP_INTBUF_SIZE];
} pair_index;

static void pair_index_build(pair_index *x, const kv_obj *o) {
    x->o = o;
    x->n = hash_obj_len(o);
    x->pos = NULL;
    x->ent = NULL;
    unsigned long i = 0;
    if (o->enc == OBJ_ENC_LISTPACK) {
        x->pos = mem_alloc(sizeof(*x->pos) * (x->n ? x->n : 1));
        for (unsigned char *p = lp_first(o->ptr); p; p = lp_next(o->ptr, lp_next(o->ptr, p))) x->pos[i++] = p;
    } else {
        dict_iter it;
        dict_entry *de;
        x->ent = mem_alloc(sizeof(*x->ent) * (x->n ? x->n : 1));
        dict_iter_init(&it, o->ptr, 0);
        while ((de = dict_next(&it))) x->ent[i++] = de;
        dict_iter_reset(&it);
    }
}

static void pair_index_free(pair_index *x) {
    mem_free(x->pos);
    mem_free(x->ent);
}

/* Reply with pair i of the index (a field, or a field and its value: RESP3
 * nests each pair in an array of two). */
static void reply_pair_at(kv_client *c, pair_index *x, unsigned long i, int withvalues) {
    const unsigned char *f, *v;
    size_t flen, vlen;
    if (x->pos) {
        f = lp_get_str(x->pos[i], &flen, x->fb);
        v = withvalues ? lp_get_str(lp_next(x->o->ptr, x->pos[i]), &vlen, x->vb) : NULL;
    } else {
        f = (const unsigned char *)x->ent[i]->key;
        flen = sds_len(x->ent[i]->key);
        v = (const unsigned char *)x->ent[i]->v.val;
        vlen = sds_len(x->ent[i]->v.val);
    }
    if (withvalues && c->resp > 2) reply_array(c, 2);
    reply_bulk(c, f, flen);
    if (withvalues) reply_bulk(c, v, vlen);
}

static void reply_pair_entry(kv_client *c, const dict_entry *de, int withvalues) {
    if (withvalues && c->resp > 2) reply_array(c, 2);
    reply_bulk(c, de->key, sds_len(de->key));
    if (withvalues) reply_bulk(c, de->v.val, sds_len(de->v.val));
}

static void rand_header(kv_client *c, unsigned long n, int withvalues) {
    reply_array(c, (long)(withvalues && c->resp == 2 ? 2 * n : n));
}

/* Negative count (or 1): `count` independent picks, repeats allowed. */
static void hrandfield_repeat(kv_client *c, const kv_obj *o, unsigned long count, int withvalues) {
    rand_header(c, count, withvalues);
    if (o->enc == OBJ_ENC_HT) {
        while (count-- && !(c->flags & CLIENT_CLOSE_ASAP)) reply_pair_entry(c, dict_random_entry(o->ptr), withvalues);
        return;
    }
    pair_index x;
    pair_index_build(&x, o);
    while (count-- && !(c->flags & CLIENT_CLOSE_ASAP)) reply_pair_at(c, &x, rng_below(x.n), withvalues);
    pair_index_free(&x);
}

static uint64_t ptr_hash(const void *k) { return dict_hash_bytes(&k, sizeof(k)); }
static const dict_type seen_type = {ptr_hash, NULL, NULL, NULL, NULL};

/* count distinct pairs out of a bigger hash. */
static void hrandfield_unique(kv_client *c, const kv_obj *o, unsigned long count, int withvalues) {
    rand_header(c, count, withvalues);
    unsigned long size = hash_obj_len(o);
    if (o->enc == OBJ_ENC_HT && count * 3 <= size) {
        /* few out of many: random picks, repeats skipped via a set of the
         * entries already sent (keyed by the field pointer) */
        dict *seen = dict_create(&seen_type);
        unsigned long sent = 0;
        while (sent < count) {
            dict_entry *de = dict_random_entry(o->ptr);
            if (dict_add(seen, de->key, NULL) != 0) continue;
            reply_pair_entry(c, de, withvalues);
            sent++;
        }
        dict_release(seen);
        return;
    }
    /* partial Fisher-Yates over an index of all pairs */
    pair_index x;
    pair_index_build(&x, o);
    unsigned long *idx = mem_alloc(sizeof(*idx) * size);
    for (unsigned long i = 0; i < size; i++) idx[i] = i;
    for (unsigned long i = 0; i < count; i++) {
        unsigned long j = i + rng_below(size - i), t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        reply_pair_at(c, &x, idx[i], withvalues);
    }
    mem_free(idx);
    pair_index_free(&x);
}

static void hrandfield_all(kv_client *c, const kv_obj *o, int withvalues) {
    hash_iter it;
    const unsigned char *f, *v;
    size_t flen, vlen;
    rand_header(c, hash_obj_len(o), withvalues);
    hash_iter_init(&it, o);
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) {
        if (withvalues && c->resp > 2) reply_array(c, 2);
        reply_bulk(c, f, flen);
        if (withvalues) reply_bulk(c, v, vlen);
    }
    hash_iter_reset(&it);
}

static void hrandfield_count(kv_client *c, long long l, int withvalues) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o || l == 0) {
        reply_empty_array(c);
        return;
    }
    unsigned long count = l < 0 ? (unsigned long)-l : (unsigned long)l;
    if (l < 0 || count == 1) hrandfield_repeat(c, o, count, withvalues);
    else if (count >= hash_obj_len(o)) hrandfield_all(c, o, withvalues);
    else hrandfield_unique(c, o, count, withvalues);
}

static void hrandfield_cmd(kv_client *c) {
    if (c->argc >= 3) {
        long long l;
        if (arg_ll(c, c->argv[2], &l, NULL) < 0) return;
        if (l < -LLONG_MAX) {
            reply_error(c, ERR_RAND_RANGE);
            return;
        }
        int withvalues = c->argc == 4;
        if (c->argc > 4 || (withvalues && !arg_is(c->argv[3], "withvalues"))) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        if (withvalues && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) {
            reply_error(c, "ERR value is out of range");
            return;
        }
        hrandfield_count(c, l, withvalues);
        return;
    }
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_null(c);
        return;
    }
    if (o->enc == OBJ_ENC_HT) {
        dict_entry *de = dict_random_entry(o->ptr);
        reply_bulk(c, de->key, sds_len(de->key));
        return;
    }
    unsigned char buf[LP_INTBUF_SIZE];
    size_t len;
    unsigned char *f = lp_get_str(lp_seek(o->ptr, (long)(2 * rng_below(hash_obj_len(o)))), &len, buf);
    reply_bulk(c, f, len);
}

/* ---- HSCAN --------------------------------------------------------------------- */

/* Redis's cursor rule (strtoul): leading '+'/'-' and zeros accepted, no
 * leading space, nothing after the digits, no overflow. */
static int scan_cursor(kv_client *c, const sds arg, unsigned long *cursor) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (isspace((unsigned char)arg[0]) || *end != '\0' || errno == ERANGE) {
        reply_error(c, "ERR invalid cursor");
        return -1;
    }
    *cursor = v;
    return 0;
}

typedef struct scan_opts {
    long long count;
    sds pat; /* borrowed; NULL = everything */
} scan_opts;

static int scan_parse(kv_client *c, int first, scan_opts *so) {
    so->count = 10;
    so->pat = NULL;
    for (int i = first; i < c->argc; i += 2) {
        int more = c->argc - i >= 2;
        if (more && arg_is(c->argv[i], "count")) {
            if (arg_ll(c, c->argv[i + 1], &so->count, NULL) < 0) return -1;
            if (so->count < 1) {
                reply_error(c, ERR_SYNTAX);
                return -1;
            }
        } else if (more && arg_is(c->argv[i], "match")) {
            sds p = c->argv[i + 1];
            so->pat = sds_len(p) == 1 && p[0] == '*' ? NULL : p;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

static void scan_collect(void *priv, const dict_entry *de) {
    sds_vec *a = priv;
    sds_vec_push(a, sds_dup(de->key));
    sds_vec_push(a, sds_dup(de->v.val));
}

static void hscan_cmd(kv_client *c) {
    unsigned long cursor;
    kv_obj *o;
    scan_opts so;
    if (scan_cursor(c, c->argv[2], &cursor) < 0) return;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_array(c, 2);
        reply_bulk(c, "0", 1);
        reply_empty_array(c);
        return;
    }
    if (scan_parse(c, 3, &so) < 0) return;
    sds_vec acc = {NULL, 0, 0};
    if (o->enc == OBJ_ENC_LISTPACK) {
        hash_iter it;
        const unsigned char *f, *v;
        size_t flen, vlen;
        hash_iter_init(&it, o);
        while (hash_iter_next(&it, &f, &flen, &v, &vlen)) {
            sds_vec_push(&acc, sds_newlen(f, flen));
            sds_vec_push(&acc, sds_newlen(v, vlen));
        }
        hash_iter_reset(&it);
        cursor = 0;
    } else {
        long long maxiter = so.count > LLONG_MAX / 10 ? LLONG_MAX : so.count * 10;
        do {
            cursor = dict_scan(o->ptr, cursor, scan_collect, &acc);
        } while (cursor && maxiter-- && acc.n < so.count);
    }
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)cursor);
    reply_slot slot = reply_defer(c);
    long out = 0;
    for (long i = 0; i < acc.n; i += 2) {
        sds f = acc.v[i], v = acc.v[i + 1];
        if (!so.pat || str_match(so.pat, sds_len(so.pat), f, sds_len(f), 0)) {
            reply_bulk(c, f, sds_len(f));
            reply_bulk(c, v, sds_len(v));
            out += 2;
        }
        sds_free(f);
        sds_free(v);
    }
    mem_free(acc.v);
    reply_set_defer_array(c, slot, out);
}

/* ---- the command table ------------------------------------------------------- */

#define W_DENY (CMD_WRITE | CMD_DENYOOM)
#define RO CMD_READONLY

const kv_command cmd_table_hash[] = {
    {"hset", hset_cmd, -4, W_DENY | CMD_FAST, 1, 1, 1, "hash", "2.0.0",
     "Creates or modifies the value of a field in a hash.",
     "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with "
     "multiple field/value pairs.",
     "key field value [field value ...]", NULL},
    {"hsetnx", hsetnx_cmd, 4, W_DENY | CMD_FAST, 1, 1, 1, "hash", "2.0.0",
     "Sets the value of a field in a hash only when the field doesn't exist.", "O(1)", "key field value", NULL},
    {"hmset", hmset_cmd, -4, W_DENY | CMD_FAST, 1, 1, 1, "hash", "2.0.0",
     "Sets the values of multiple fields.", "O(N) where N is the number of fields being set.",
     "key field value [field value ...]", NULL},
    {"hget", hget_cmd, 3, RO | CMD_FAST, 1, 1, 1, "hash", "2.0.0", "Returns the value of a field in a hash.", "O(1)",
     "key field", NULL},
    {"hmget", hmget_cmd, -3, RO | CMD_FAST, 1, 1, 1, "hash", "2.0.0", "Returns the values of all fields in a hash.",
     "O(N) where N is the number of fields being requested.", "key field [field ...]", NULL},
    {"hdel", hdel_cmd, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "hash", "2.0.0",
     "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
     "O(N) where N is the number of fields to be removed.", "key field [field ...]", NULL},
    {"hlen", hlen_cmd, 2, RO | CMD_FAST, 1, 1, 1, "hash", "2.0.0", "Returns the number of fields in a hash.", "O(1)",
     "key", NULL},
    {"hstrlen", hstrlen_cmd, 3, RO | CMD_FAST, 1, 1, 1, "hash", "3.2.0",
     "Returns the length of the value of a field.", "O(1)", "key field", NULL},
    {"hexists", hexists_cmd, 3, RO | CMD_FAST, 1, 1, 1, "hash", "2.0.0",
     "Determines whether a field exists in a hash.", "O(1)", "key field", NULL},
    {"hkeys", hkeys_cmd, 2, RO, 1, 1, 1, "hash", "2.0.0", "Returns all fields in a hash.",
     "O(N) where N is the size of the hash.", "key", NULL},
    {"hvals", hvals_cmd, 2, RO, 1, 1, 1, "hash", "2.0.0", "Returns all values in a hash.",
     "O(N) where N is the size of the hash.", "key", NULL},
    {"hgetall", hgetall_cmd, 2, RO, 1, 1, 1, "hash", "2.0.0", "Returns all fields and values in a hash.",
     "O(N) where N is the size of the hash.", "key", NULL},
    {"hincrby", hincrby_cmd, 4, W_DENY | CMD_FAST, 1, 1, 1, "hash", "2.0.0",
     "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't "
     "exist.",
     "O(1)", "key field increment", NULL},
    {"hincrbyfloat", hincrbyfloat_cmd, 4, W_DENY | CMD_FAST, 1, 1, 1, "hash", "2.6.0",
     "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't "
     "exist.",
     "O(1)", "key field increment", NULL},
    {"hrandfield", hrandfield_cmd, -2, RO, 1, 1, 1, "hash", "6.2.0",
     "Returns one or more random fields from a hash.", "O(N) where N is the number of fields returned",
     "key [count [WITHVALUES]]", NULL},
    {"hscan", hscan_cmd, -3, RO, 1, 1, 1, "hash", "2.8.0", "Iterates over fields and values of a hash.",
     "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return "
     "back to 0. N is the number of elements inside the collection.",
     "key cursor [MATCH pattern] [COUNT count]", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
