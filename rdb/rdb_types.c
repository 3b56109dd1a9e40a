/*
 * rdb/rdb_types.c — the RDB codecs of the list, hash, set and sorted-set
 * types, built on the object APIs the type modules export
 * (engine/t_list.h + quicklist.h, t_hash.h, t_set.h, t_zset.h).
 *
 * Loading accepts every encoding Redis ever wrote for the type and gives
 * the object the encoding Redis 7.0 would give it for the configured
 * thresholds (rdb_reader_config(); defaults without one):
 *
 *   set   SET (2) members           -> intset or hashtable (as SADD would)
 *         SET_INTSET (11) blob      -> adopted after is_validate
 *         SET_LISTPACK (20, 7.2)    -> rebuilt member by member
 *   hash  HASH (4) pairs            -> listpack or hashtable
 *         HASH_ZIPMAP (9), HASH_ZIPLIST (13) -> rebuilt pair by pair
 *         HASH_LISTPACK (16)        -> adopted after lp_validate
 *         22..25 (7.4 field TTLs)   -> refused (-ENOTSUP): no field expiry
 *   zset  ZSET (3) text scores, ZSET_2 (5) binary scores -> added, then fit
 *         ZSET_ZIPLIST (12)         -> rebuilt, then fit
 *         ZSET_LISTPACK (17)        -> adopted after lp_validate, then fit
 *   list  LIST (1), LIST_ZIPLIST (10), QUICKLIST (14, ziplist nodes)
 *                                   -> pushed element by element
 *         QUICKLIST_2 (18)          -> PACKED nodes adopted as listpack nodes
 *                                      after lp_validate, PLAIN nodes pushed
 *         (empty nodes are skipped, a list left empty is an empty key)
 *
 * Invariants: (1) every blob passes its validator before anything walks
 * it; (2) duplicated members/fields, odd pair counts, NaN scores, unsorted
 * listpack zsets are format errors naming the key (rdb_fail), never
 * silently merged; (3) a collection with no element is an "empty key"
 * (rdb_reader_empty_key), skipped as Redis does; (4) whatever a failed
 * load built is freed here.
 *
 * Saving writes what Redis 7.0 writes: SET_INTSET / SET, HASH_LISTPACK /
 * HASH, ZSET_LISTPACK / ZSET_2 (skiplist zsets from the highest score
 * down, as Redis, so a loader appending at the head rebuilds in order),
 * QUICKLIST_2 with one PACKED listpack per node (compressed nodes are
 * decompressed first; the string may then be LZF-compressed).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/intset.h"
#include "engine/listpack.h"
#include "engine/mem.h"
#include "engine/quicklist.h"
#include "engine/t_hash.h"
#include "engine/t_list.h"
#include "engine/t_set.h"
#include "engine/t_zset.h"
#include "engine/util.h"
#include "engine/ziplist.h"
#include "engine/zipmap.h"
#include "rdb/rdb.h"

/* ---- helpers ---------------------------------------------------------------------- */

static kv_obj *fail_obj(rdb_reader *r, kv_obj *o, const char *fmt, const char *what) {
    obj_decr_ref(o);
    rdb_fail(r, -EBADMSG, fmt, what);
    return NULL;
}

static kv_obj *empty_obj(rdb_reader *r, kv_obj *o) {
    obj_decr_ref(o);
    rdb_reader_empty_key(r);
    return NULL;
}

/* A blob checked by fn (0 = valid); NULL after rdb_fail. */
static unsigned char *read_valid_blob(rdb_reader *r, int (*fn)(const void *, size_t), const char *what,
                                      size_t *len) {
    unsigned char *b = rdb_read_blob(r, len);
    if (!b) return NULL;
    if (fn(b, *len) != 0) {
        mem_free(b);
        rdb_fail(r, -EBADMSG, "invalid %s", what);
        return NULL;
    }
    return b;
}

/* ---- sets -------------------------------------------------------------------------- */

static kv_obj *set_load_plain(rdb_reader *r, const set_limits *lim) {
    uint64_t n;
    if (rdb_read_len(r, &n)) return NULL;
    kv_obj *o = set_obj_new();
    for (uint64_t i = 0; i < n; i++) {
        sds m = rdb_read_sds(r);
        if (!m) return obj_decr_ref(o), NULL;
        int added = set_obj_add(o, m, sds_len(m), lim);
        sds_free(m);
        if (!added) return fail_obj(r, o, "duplicated %s member", "set");
    }
    return n ? o : empty_obj(r, o);
}

static kv_obj *set_load_intset(rdb_reader *r, const set_limits *lim) {
    size_t len;
    unsigned char *b = rdb_read_blob(r, &len);
    if (!b) return NULL;
    intset *is = is_from_blob(b, len);
    int empty = len == IS_HDR_SIZE && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0;
    mem_free(b);
    if (!is) {
        if (empty) return rdb_reader_empty_key(r), NULL;
        return rdb_fail(r, -EBADMSG, "invalid intset"), NULL;
    }
    return set_obj_from_intset(is, lim);
}

static kv_obj *set_load_listpack(rdb_reader *r, const set_limits *lim) {
    size_t len;
    unsigned char *lp = read_valid_blob(r, lp_validate, "set listpack", &len);
    if (!lp) return NULL;
    kv_obj *o = set_obj_new();
    unsigned char buf[LP_INTBUF_SIZE];
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
        size_t mlen;
        unsigned char *m = lp_get_str(p, &mlen, buf);
        if (!set_obj_add(o, m, mlen, lim)) {
            mem_free(lp);
            return fail_obj(r, o, "duplicated %s member", "set");
        }
    }
    mem_free(lp);
    return set_obj_len(o) ? o : empty_obj(r, o);
}

static kv_obj *set_load(rdb_reader *r, int t) {
    const strata_config *cfg = rdb_reader_config(r);
    set_limits lim = cfg ? set_limits_of(cfg) : (set_limits){0};
    const set_limits *l = cfg ? &lim : NULL; /* NULL: the type's defaults */
    if (t == RDB_TYPE_SET) return set_load_plain(r, l);
    if (t == RDB_TYPE_SET_INTSET) return set_load_intset(r, l);
    return set_load_listpack(r, l);
}

static int set_save_type(const kv_obj *o) { return o->enc == OBJ_ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET; }

static int set_save(rdb_writer *w, const kv_obj *o) {
    if (o->enc == OBJ_ENC_INTSET) return rdb_write_string(w, is_blob(o->ptr), is_blob_len(o->ptr));
    int rc = rdb_write_len(w, set_obj_len(o));
    set_iter it;
    const unsigned char *p;
    size_t len;
    set_iter_init(&it, o);
    while (!rc && set_iter_next(&it, &p, &len)) rc = rdb_write_string(w, p, len);
    set_iter_reset(&it);
    return rc;
}

/* ---- hashes -------------------------------------------------------------------------- */

static kv_obj *hash_add_pair(rdb_reader *r, kv_obj *o, const void *f, size_t flen, const void *v, size_t vlen,
                             const hash_limits *lim) {
    if (!hash_obj_set(o, f, flen, v, vlen, lim)) return fail_obj(r, o, "duplicated %s field", "hash");
    return o;
}

static kv_obj *hash_load_plain(rdb_reader *r, const hash_limits *lim) {
    uint64_t n;
    if (rdb_read_len(r, &n)) return NULL;
    kv_obj *o = hash_obj_new();
    for (uint64_t i = 0; i < n; i++) {
        sds f = rdb_read_sds(r);
        sds v = f ? rdb_read_sds(r) : NULL;
        if (!v) {
            sds_free(f);
            return obj_decr_ref(o), NULL;
        }
        o = hash_add_pair(r, o, f, sds_len(f), v, sds_len(v), lim);
        sds_free(f);
        sds_free(v);
        if (!o) return NULL;
    }
    return n ? o : empty_obj(r, o);
}

static kv_obj *hash_load_zipmap(rdb_reader *r, const hash_limits *lim) {
    size_t len;
    unsigned char *zm = read_valid_blob(r, zm_validate, "zipmap", &len);
    if (!zm) return NULL;
    kv_obj *o = hash_obj_new();
    zm_iter it;
    const unsigned char *f, *v;
    size_t flen, vlen;
    zm_iter_init(&it, zm, len);
    while (o && zm_next(&it, &f, &flen, &v, &vlen) == 1) o = hash_add_pair(r, o, f, flen, v, vlen, lim);
    mem_free(zm);
    return o;
}

/* One ziplist entry as bytes (an integer formatted into buf). */
static void zl_entry_str(const unsigned char **s, size_t *len, long long iv, char *buf) {
    if (*s) return;
    *len = (size_t)ll_to_str(buf, 32, iv);
    *s = (const unsigned char *)buf;
}

static kv_obj *hash_load_ziplist(rdb_reader *r, const hash_limits *lim) {
    size_t len;
    unsigned char *zl = read_valid_blob(r, zl_validate, "ziplist", &len);
    if (!zl) return NULL;
    if (zl_length(zl, len) % 2) {
        mem_free(zl);
        return rdb_fail(r, -EBADMSG, "hash ziplist with an odd number of entries"), NULL;
    }
    kv_obj *o = hash_obj_new();
    zl_iter it;
    const unsigned char *f, *v;
    size_t flen, vlen;
    long long fi, vi;
    char fb[32], vb[32];
    zl_iter_init(&it, zl, len);
    while (o && zl_next(&it, &f, &flen, &fi) == 1 && zl_next(&it, &v, &vlen, &vi) == 1) {
        zl_entry_str(&f, &flen, fi, fb);
        zl_entry_str(&v, &vlen, vi, vb);
        o = hash_add_pair(r, o, f, flen, v, vlen, lim);
    }
    mem_free(zl);
    if (o && hash_obj_len(o) == 0) return empty_obj(r, o);
    return o;
}

static kv_obj *hash_load_listpack(rdb_reader *r, const hash_limits *lim) {
    size_t len;
    unsigned char *lp = read_valid_blob(r, lp_validate, "hash listpack", &len);
    if (!lp) return NULL;
    if (lp_length(lp) == 0) {
        mem_free(lp);
        return rdb_reader_empty_key(r), NULL;
    }
    kv_obj *o = hash_obj_from_listpack(lp, lim);
    if (!o) {
        mem_free(lp);
        return rdb_fail(r, -EBADMSG, "hash listpack with an odd count or duplicated fields"), NULL;
    }
    return o;
}

static kv_obj *hash_load(rdb_reader *r, int t) {
    const strata_config *cfg = rdb_reader_config(r);
    hash_limits lim = cfg ? hash_limits_of(cfg) : (hash_limits){0, 0};
    const hash_limits *l = cfg ? &lim : NULL; /* NULL: the type's defaults */
    switch (t) {
    case RDB_TYPE_HASH: return hash_load_plain(r, l);
    case RDB_TYPE_HASH_ZIPMAP: return hash_load_zipmap(r, l);
    case RDB_TYPE_HASH_ZIPLIST: return hash_load_ziplist(r, l);
    case RDB_TYPE_HASH_LISTPACK: return hash_load_listpack(r, l);
    default:
        return rdb_fail(r, -ENOTSUP, "hashes with field expiry (RDB type %d, Redis 7.4) are not supported by strata",
                        t),
               NULL;
    }
}

static int hash_save_type(const kv_obj *o) {
    return o->enc == OBJ_ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
}

static int hash_save(rdb_writer *w, const kv_obj *o) {
    if (o->enc == OBJ_ENC_LISTPACK) return rdb_write_string(w, o->ptr, lp_bytes(o->ptr));
    int rc = rdb_write_len(w, hash_obj_len(o));
    hash_iter it;
    const unsigned char *f, *v;
    size_t flen, vlen;
    hash_iter_init(&it, o);
    while (!rc && hash_iter_next(&it, &f, &flen, &v, &vlen)) {
        rc = rdb_write_string(w, f, flen);
        if (!rc) rc = rdb_write_string(w, v, vlen);
    }
    hash_iter_reset(&it);
    return rc;
}

/* ---- sorted sets ------------------------------------------------------------------------ */

static kv_obj *zset_add_one(rdb_reader *r, kv_obj *o, const void *m, size_t mlen, double score) {
    int rc = zset_obj_add(o, m, mlen, score);
    if (rc == 1) return o;
    return fail_obj(r, o, rc == 0 ? "duplicated %s member" : "NaN score in a %s", "zset");
}

static kv_obj *zset_load_plain(rdb_reader *r, int t, const zset_limits *lim) {
    uint64_t n;
    if (rdb_read_len(r, &n)) return NULL;
    kv_obj *o = n > lim->max_entries ? zset_obj_new_skiplist(n < (1u << 20) ? (size_t)n : (1u << 20)) : zset_obj_new();
    for (uint64_t i = 0; o && i < n; i++) {
        double score;
        sds m = rdb_read_sds(r);
        int rc = !m ? -1 : t == RDB_TYPE_ZSET_2 ? rdb_read_double_bin(r, &score) : rdb_read_double_str(r, &score);
        if (rc) {
            sds_free(m);
            return obj_decr_ref(o), NULL;
        }
        o = zset_add_one(r, o, m, sds_len(m), score);
        sds_free(m);
    }
    if (!o) return NULL;
    if (n == 0) return empty_obj(r, o);
    zset_obj_fit(o, lim);
    return o;
}

static kv_obj *zset_load_ziplist(rdb_reader *r, const zset_limits *lim) {
    size_t len;
    unsigned char *zl = read_valid_blob(r, zl_validate, "ziplist", &len);
    if (!zl) return NULL;
    if (zl_length(zl, len) % 2) {
        mem_free(zl);
        return rdb_fail(r, -EBADMSG, "zset ziplist with an odd number of entries"), NULL;
    }
    kv_obj *o = zset_obj_new();
    zl_iter it;
    const unsigned char *m, *s;
    size_t mlen, slen;
    long long mi, si;
    char mb[32];
    zl_iter_init(&it, zl, len);
    while (o && zl_next(&it, &m, &mlen, &mi) == 1 && zl_next(&it, &s, &slen, &si) == 1) {
        double score = (double)si;
        zl_entry_str(&m, &mlen, mi, mb);
        if (s) {
            char sb[128];
            char *end;
            if (slen == 0 || slen >= sizeof(sb)) {
                obj_decr_ref(o);
                o = NULL;
                rdb_fail(r, -EBADMSG, "invalid zset score in a ziplist");
                break;
            }
            memcpy(sb, s, slen);
            sb[slen] = '\0';
            score = strtod(sb, &end);
            if (end != sb + slen) {
                obj_decr_ref(o);
                o = NULL;
                rdb_fail(r, -EBADMSG, "invalid zset score in a ziplist");
                break;
            }
        }
        o = zset_add_one(r, o, m, mlen, score);
    }
    mem_free(zl);
    if (!o) return NULL;
    if (zset_obj_length(o) == 0) return empty_obj(r, o);
    zset_obj_fit(o, lim);
    return o;
}

static kv_obj *zset_load_listpack(rdb_reader *r, const zset_limits *lim) {
    size_t len;
    unsigned char *lp = read_valid_blob(r, lp_validate, "zset listpack", &len);
    if (!lp) return NULL;
    if (lp_length(lp) == 0) {
        mem_free(lp);
        return rdb_reader_empty_key(r), NULL;
    }
    kv_obj *o = zset_obj_from_listpack(lp);
    if (!o) {
        mem_free(lp);
        return rdb_fail(r, -EBADMSG, "invalid zset listpack (count, duplicates, scores or order)"), NULL;
    }
    zset_obj_fit(o, lim);
    return o;
}

static kv_obj *zset_load(rdb_reader *r, int t) {
    /* zset_obj_fit needs real numbers: Redis 7.0's defaults without a config */
    zset_limits lim = rdb_reader_config(r) ? zset_limits_of(rdb_reader_config(r)) : (zset_limits){128, 64};
    if (t == RDB_TYPE_ZSET || t == RDB_TYPE_ZSET_2) return zset_load_plain(r, t, &lim);
    if (t == RDB_TYPE_ZSET_ZIPLIST) return zset_load_ziplist(r, &lim);
    return zset_load_listpack(r, &lim);
}

static int zset_save_type(const kv_obj *o) {
    return o->enc == OBJ_ENC_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
}

static int zset_save(rdb_writer *w, const kv_obj *o) {
    if (o->enc == OBJ_ENC_LISTPACK) return rdb_write_string(w, o->ptr, lp_bytes(o->ptr));
    int rc = rdb_write_len(w, zset_obj_length(o));
    zset_iter it;
    const char *m;
    size_t len;
    double score;
    zset_iter_init(&it, o, 0, 1);
    while (!rc && zset_iter_next(&it, &m, &len, &score)) {
        rc = rdb_write_string(w, m, len);
        if (!rc) rc = rdb_write_double_bin(w, score);
    }
    return rc;
}

/* ---- lists ---------------------------------------------------------------------------------- */

/* Push every element of a validated ziplist; returns the count pushed. */
static unsigned long push_ziplist(quicklist *ql, const unsigned char *zl, size_t len) {
    zl_iter it;
    const unsigned char *e;
    size_t elen;
    long long iv;
    char buf[32];
    unsigned long n = 0;
    zl_iter_init(&it, zl, len);
    while (zl_next(&it, &e, &elen, &iv) == 1) {
        zl_entry_str(&e, &elen, iv, buf);
        ql_push(ql, QL_TAIL, e, elen);
        n++;
    }
    return n;
}

static kv_obj *list_load_plain(rdb_reader *r, kv_obj *o) {
    uint64_t n;
    if (rdb_read_len(r, &n)) return obj_decr_ref(o), NULL;
    for (uint64_t i = 0; i < n; i++) {
        sds e = rdb_read_sds(r);
        if (!e) return obj_decr_ref(o), NULL;
        ql_push(o->ptr, QL_TAIL, e, sds_len(e));
        sds_free(e);
    }
    return o;
}

static kv_obj *list_load_ziplist(rdb_reader *r, kv_obj *o) {
    size_t len;
    unsigned char *zl = read_valid_blob(r, zl_validate, "list ziplist", &len);
    if (!zl) return obj_decr_ref(o), NULL;
    push_ziplist(o->ptr, zl, len);
    mem_free(zl);
    return o;
}

/* QUICKLIST (ziplist nodes) and QUICKLIST_2 (PLAIN / PACKED listpack
 * nodes).  Empty nodes are skipped, as Redis 7.0 does. */
static kv_obj *list_load_quicklist(rdb_reader *r, kv_obj *o, int t) {
    uint64_t n, container = 2;
    if (rdb_read_len(r, &n)) return obj_decr_ref(o), NULL;
    for (uint64_t i = 0; i < n; i++) {
        size_t len;
        if (t == RDB_TYPE_LIST_QUICKLIST_2) {
            if (rdb_read_len(r, &container)) return obj_decr_ref(o), NULL;
            if (container != 1 && container != 2)
                return fail_obj(r, o, "bad quicklist node container in a %s", "list");
        }
        if (container == 1) { /* PLAIN: one element */
            sds e = rdb_read_sds(r);
            if (!e) return obj_decr_ref(o), NULL;
            ql_push(o->ptr, QL_TAIL, e, sds_len(e));
            sds_free(e);
            continue;
        }
        int is_lp = t == RDB_TYPE_LIST_QUICKLIST_2;
        unsigned char *b = read_valid_blob(r, is_lp ? lp_validate : zl_validate,
                                           is_lp ? "quicklist listpack node" : "quicklist ziplist node", &len);
        if (!b) return obj_decr_ref(o), NULL;
        if (is_lp) {
            ql_append_listpack(o->ptr, b); /* takes b; an empty one is dropped */
        } else {
            push_ziplist(o->ptr, b, len);
            mem_free(b);
        }
    }
    return o;
}

/* The configuration whose list-max-listpack-size / list-compress-depth
 * apply: the reader's, or the defaults (built once, kept for the process). */
static const strata_config *list_config(rdb_reader *r) {
    static strata_config defaults;
    static int ready;
    if (rdb_reader_config(r)) return rdb_reader_config(r);
    if (!ready) {
        config_init(&defaults);
        ready = 1;
    }
    return &defaults;
}

static kv_obj *list_load(rdb_reader *r, int t) {
    kv_obj *o = list_obj_new(list_config(r));
    if (t == RDB_TYPE_LIST) o = list_load_plain(r, o);
    else if (t == RDB_TYPE_LIST_ZIPLIST) o = list_load_ziplist(r, o);
    else o = list_load_quicklist(r, o, t);
    if (o && ql_count(o->ptr) == 0) return empty_obj(r, o);
    return o;
}

static int list_save_type(const kv_obj *o) {
    (void)o;
    return RDB_TYPE_LIST_QUICKLIST_2;
}

static int list_save(rdb_writer *w, const kv_obj *o) {
    const quicklist *ql = o->ptr;
    int rc = rdb_write_len(w, ql_node_count(ql));
    for (ql_node *n = ql_first_node(ql); !rc && n; n = ql_node_next(n)) {
        size_t len;
        unsigned char *owned = NULL;
        const unsigned char *lp = ql_node_listpack(n, &len, &owned);
        rc = rdb_write_len(w, 2); /* PACKED */
        if (!rc) rc = rdb_write_string(w, lp, len);
        mem_free(owned);
    }
    return rc;
}

/* ---- registration ------------------------------------------------------------------------ */

int rdb_type_bytes(int obj_type, const uint8_t **bytes) {
    static const uint8_t lt[] = {RDB_TYPE_LIST, RDB_TYPE_LIST_ZIPLIST, RDB_TYPE_LIST_QUICKLIST,
                                 RDB_TYPE_LIST_QUICKLIST_2};
    static const uint8_t st[] = {RDB_TYPE_SET, RDB_TYPE_SET_INTSET, RDB_TYPE_SET_LISTPACK};
    static const uint8_t ht[] = {RDB_TYPE_HASH,
                                 RDB_TYPE_HASH_ZIPMAP,
                                 RDB_TYPE_HASH_ZIPLIST,
                                 RDB_TYPE_HASH_LISTPACK,
                                 RDB_TYPE_HASH_METADATA_PRE_GA,
                                 RDB_TYPE_HASH_LISTPACK_EX_PRE_GA,
                                 RDB_TYPE_HASH_METADATA,
                                 RDB_TYPE_HASH_LISTPACK_EX};
    static const uint8_t zt[] = {RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_ZIPLIST, RDB_TYPE_ZSET_LISTPACK};
    static const uint8_t mt[] = {RDB_TYPE_MODULE_PRE_GA, RDB_TYPE_MODULE_2};
    static const uint8_t xt[] = {RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2,
                                 RDB_TYPE_STREAM_LISTPACKS_3};
    switch (obj_type) {
    case OBJ_LIST: *bytes = lt; return (int)sizeof(lt);
    case OBJ_SET: *bytes = st; return (int)sizeof(st);
    case OBJ_HASH: *bytes = ht; return (int)sizeof(ht);
    case OBJ_ZSET: *bytes = zt; return (int)sizeof(zt);
    case OBJ_MODULE: *bytes = mt; return (int)sizeof(mt);
    case OBJ_STREAM: *bytes = xt; return (int)sizeof(xt);
    default: *bytes = NULL; return 0;
    }
}

/* Register c for every RDB type byte of its object type. */
void rdb_register_codec_for_type(const rdb_codec *c) {
    const uint8_t *bytes;
    int n = rdb_type_bytes(c->obj_type, &bytes);
    rdb_register_codec(c, bytes, n);
}

void rdb_types_init(void) {
    static int done;
    if (done) return;
    done = 1;
    static const rdb_codec set = {OBJ_SET, set_load, set_save_type, set_save};
    static const rdb_codec hash = {OBJ_HASH, hash_load, hash_save_type, hash_save};
    static const rdb_codec zset = {OBJ_ZSET, zset_load, zset_save_type, zset_save};
    static const rdb_codec list = {OBJ_LIST, list_load, list_save_type, list_save};
    rdb_register_codec_for_type(&set);
    rdb_register_codec_for_type(&hash);
    rdb_register_codec_for_type(&zset);
    rdb_register_codec_for_type(&list);
}
