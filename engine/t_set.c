/*
 * engine/t_set.c — the set type of Redis 7.0 and its commands: SADD SREM
 * SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER SPOP SMOVE SINTER
 * SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
 *
 * What it owns: the OBJ_SET value layout (encodings in t_set.h), the type's
 * free/dup/mem/digest functions, the construction/iteration API of t_set.h
 * and the rows of cmd_table_set[].
 *
 * Layout of the file: an encoding layer (sx_* : membership, add, remove,
 * random pick, iteration over either encoding; the only code that looks
 * inside o->ptr), the public API, the commands, the table.  Members move
 * between sets as `elem`s: an integer (from an intset) or a borrowed sds
 * (a dict key or an argument), so intset-to-intset work never formats
 * numbers.
 *
 * Encoding rules, as Redis 7.0 (t_set.c setTypeCreate/setTypeAdd):
 *  (1) a set created for a first member is an intset if that member is a
 *      canonical integer, else HT; result sets of SINTERSTORE, SUNION(STORE),
 *      SDIFF(STORE) and the rebuilt set of a big SPOP start as intsets;
 *  (2) a non-integer member, or more than min(set-max-intset-entries, 2^30)
 *      members, converts to HT; conversion is one-way;
 *  (3) so that OBJECT ENCODING answers as Redis does, the commands build
 *      their results in the same way Redis does: SDIFF picks Redis's
 *      algorithm (iterate-and-test, or add-then-remove, whose temporary
 *      set may have converted), SPOP with a count of at least 5/6 of the
 *      set rebuilds the set from the members that stay.
 *
 * Invariants every write handler keeps:
 *  (1) db_touch_key() and srv->dirty growth for every changed key;
 *  (2) a set whose last member goes is deleted with it; *STORE with an
 *      empty result deletes the destination (whatever its type);
 *  (3) propagation replays to the same keyspace: SPOP becomes SREM of the
 *      popped members (batches of SPOP_PROP_BATCH members per SREM, a
 *      MULTI/EXEC around them when there is more than one), or DEL when
 *      the whole set was popped (Redis 7.0 sends one SREM per member:
 *      same effect, fewer commands); everything else is deterministic and
 *      propagates as given; SRANDMEMBER only reads.
 *
 * Replies, errors and the order in which arguments are validated follow
 * redis-server 7.0.15 (checked against it).  Reply kinds under RESP3:
 * SMEMBERS SINTER SUNION SDIFF and SPOP with a count answer sets (~),
 * SRANDMEMBER with a count an array (it may repeat members).
 */
#include "t_set.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
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

#define SET_DEFAULT_MAX_INTSET 512
#define SET_INTSET_CAP (1u << 30) /* Redis: intset internals limit */
#define SPOP_MOVE_STRATEGY_MUL 5  /* SPOP rebuilds when remaining*5 <= count */
#define SPOP_PROP_BATCH 1024

#define ERR_RAND_RANGE "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
#define ERR_POSITIVE "ERR value is out of range, must be positive"

static const dict_type set_dict_type = {dict_sds_hash, NULL, dict_sds_eq, dict_sds_free, NULL};

static const set_limits default_limits = {SET_DEFAULT_MAX_INTSET};

set_limits set_limits_of(const strata_config *cfg) {
    set_limits l = {(size_t)cfg->set_max_intset_entries};
    return l;
}

static size_t intset_max(const set_limits *lim) {
    return lim->max_intset_entries > SET_INTSET_CAP ? SET_INTSET_CAP : lim->max_intset_entries;
}

/* ---- random numbers --------------------------------------------------------- */

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

/* ---- elements ------------------------------------------------------------------ */

/* A member in transit: an intset integer, or a borrowed sds. */
typedef struct elem {
    int is_int;
    long long v;
    sds s;
} elem;

static elem elem_sds(sds s) {
    elem e = {0, 0, s};
    return e;
}

static elem elem_int(long long v) {
    elem e = {1, v, NULL};
    return e;
}

/* The bytes of e (an integer formatted into buf, >= 24 bytes). */
static const char *elem_bytes(const elem *e, char *buf, size_t *len) {
    if (!e->is_int) {
        *len = sds_len(e->s);
        return e->s;
    }
    *len = (size_t)ll_to_str(buf, 24, e->v);
    return buf;
}

static void reply_elem(kv_client *c, const elem *e) {
    if (e->is_int) reply_bulk_ll(c, e->v);
    else reply_bulk(c, e->s, sds_len(e->s));
}

/* ---- encoding layer -------------------------------------------------------------- */

unsigned long set_obj_len(const kv_obj *o) {
    if (o->enc == OBJ_ENC_INTSET) return is_length(o->ptr);
    return (unsigned long)dict_size(o->ptr);
}

/* Intset -> HT, presized; one-way. */
static void sx_convert(kv_obj *o) {
    if (o->enc != OBJ_ENC_INTSET) return;
    intset *is = o->ptr;
    dict *d = dict_create(&set_dict_type);
    dict_expand(d, is_length(is));
    int64_t v;
    for (uint32_t i = 0; is_get(is, i, &v); i++) dict_add(d, sds_fromll(v), NULL);
    is_free(is);
    o->ptr = d;
    o->enc = OBJ_ENC_HT;
}

static int sx_add_int(kv_obj *o, long long v, const set_limits *lim) {
    if (o->enc == OBJ_ENC_INTSET) {
        int added;
        o->ptr = is_add(o->ptr, v, &added);
        if (added && is_length(o->ptr) > intset_max(lim)) sx_convert(o);
        return added;
    }
    sds m = sds_fromll(v);
    if (dict_add(o->ptr, m, NULL) == 0) return 1;
    sds_free(m);
    return 0;
}

/* Adds member m (copied when stored); 1 if new. */
static int sx_add(kv_obj *o, const sds m, const set_limits *lim) {
    long long v;
    if (o->enc == OBJ_ENC_INTSET) {
        if (str_to_ll(m, sds_len(m), &v)) return sx_add_int(o, v, lim);
        sx_convert(o);
    }
    if (dict_find(o->ptr, m)) return 0;
    dict_add(o->ptr, sds_dup(m), NULL);
    return 1;
}

static int sx_add_elem(kv_obj *o, const elem *e, const set_limits *lim) {
    return e->is_int ? sx_add_int(o, e->v, lim) : sx_add(o, e->s, lim);
}

static int sx_has(const kv_obj *o, const sds m) {
    long long v;
    if (o->enc == OBJ_ENC_INTSET) return str_to_ll(m, sds_len(m), &v) && is_find(o->ptr, v);
    return dict_find(o->ptr, m) != NULL;
}

/* Membership of e; *scratch is a reusable sds for integers tested
 * against an HT (the caller frees it). */
static int sx_has_elem(const kv_obj *o, const elem *e, sds *scratch) {
    if (!e->is_int) return sx_has(o, e->s);
    if (o->enc == OBJ_ENC_INTSET) return is_find(o->ptr, e->v);
    char buf[24];
    size_t len;
    const char *p = elem_bytes(e, buf, &len);
    sds_clear(*scratch);
    *scratch = sds_catlen(*scratch, p, len);
    return dict_find(o->ptr, *scratch) != NULL;
}

static int sx_remove(kv_obj *o, const sds m) {
    long long v;
    if (o->enc == OBJ_ENC_INTSET) {
        int removed = 0;
        if (str_to_ll(m, sds_len(m), &v)) o->ptr = is_remove(o->ptr, v, &removed);
        return removed;
    }
    if (dict_delete(o->ptr, m) != 0) return 0;
    dict_shrink_if_needed(o->ptr);
    return 1;
}

static int sx_remove_elem(kv_obj *o, const elem *e, sds *scratch) {
    if (!e->is_int) return sx_remove(o, e->s);
    if (o->enc == OBJ_ENC_INTSET) {
        int removed;
        o->ptr = is_remove(o->ptr, e->v, &removed);
        return removed;
    }
    char buf[24];
    size_t len;
    const char *p = elem_bytes(e, buf, &len);
    sds_clear(*scratch);
    *scratch = sds_catlen(*scratch, p, len);
    return sx_remove(o, *scratch);
}

/* A uniformly chosen member (o not empty); a borrowed dict key for HT. */
static elem sx_random(const kv_obj *o) {
    if (o->enc == OBJ_ENC_INTSET) return elem_int(is_random(o->ptr));
    return elem_sds(dict_random_entry(o->ptr)->key);
}

/* Element iteration (internal form of set_iter). */
static int sx_next(set_iter *it, elem *e) {
    if (it->o->enc == OBJ_ENC_INTSET) {
        int64_t v;
        if (!is_get(it->o->ptr, it->i, &v)) return 0;
        it->i++;
        *e = elem_int(v);
        return 1;
    }
    dict_entry *de = dict_next(&it->di);
    if (!de) return 0;
    *e = elem_sds(de->key);
    return 1;
}

/* ---- public API (t_set.h) ---------------------------------------------------------- */

kv_obj *set_obj_new(void) { return obj_new(OBJ_SET, OBJ_ENC_INTSET, is_new()); }

kv_obj *set_obj_new_for(const void *p, size_t len) {
    long long v;
    if (str_to_ll(p, len, &v)) return set_obj_new();
    return obj_new(OBJ_SET, OBJ_ENC_HT, dict_create(&set_dict_type));
}

int set_obj_add(kv_obj *o, const void *p, size_t len, const set_limits *lim) {
    sds m = sds_newlen(p, len);
    int added = sx_add(o, m, lim ? lim : &default_limits);
    sds_free(m);
    return added;
}

int set_obj_remove(kv_obj *o, const void *p, size_t len) {
    sds m = sds_newlen(p, len);
    int removed = sx_remove(o, m);
    sds_free(m);
    return removed;
}

int set_obj_has(const kv_obj *o, const void *p, size_t len) {
    sds m = sds_newlen(p, len);
    int has = sx_has(o, m);
    sds_free(m);
    return has;
}

kv_obj *set_obj_from_intset(intset *is, const set_limits *lim) {
    kv_obj *o = obj_new(OBJ_SET, OBJ_ENC_INTSET, is);
    if (is_length(is) > intset_max(lim ? lim : &default_limits)) sx_convert(o);
    return o;
}

void set_iter_init(set_iter *it, const kv_obj *o) {
    it->o = o;
    it->i = 0;
    if (o->enc != OBJ_ENC_INTSET) dict_iter_init(&it->di, o->ptr, 0);
}

int set_iter_next(set_iter *it, const unsigned char **p, size_t *len) {
    elem e;
    if (!sx_next(it, &e)) return 0;
    *p = (const unsigned char *)elem_bytes(&e, it->buf, len);
    return 1;
}

void set_iter_reset(set_iter *it) {
    if (it->o && it->o->enc != OBJ_ENC_INTSET) dict_iter_reset(&it->di);
    it->o = NULL;
}

/* ---- type operations ---------------------------------------------------------------- */

static void set_free(kv_obj *o) {
    if (o->enc == OBJ_ENC_INTSET) is_free(o->ptr);
    else dict_release(o->ptr);
}

static kv_obj *set_dup(const kv_obj *o) {
    if (o->enc == OBJ_ENC_INTSET) return obj_new(OBJ_SET, OBJ_ENC_INTSET, is_dup(o->ptr));
    dict *d = dict_create(&set_dict_type);
    dict_expand(d, dict_size(o->ptr));
    dict_iter it;
    dict_entry *de;
    dict_iter_init(&it, o->ptr, 0);
    while ((de = dict_next(&it))) dict_add(d, sds_dup(de->key), NULL);
    dict_iter_reset(&it);
    return obj_new(OBJ_SET, OBJ_ENC_HT, d);
}

#define MEM_SAMPLES 64

static size_t set_mem(const kv_obj *o) {
    if (o->enc == OBJ_ENC_INTSET) return mem_usable(o->ptr);
    dict *d = o->ptr;
    size_t n = dict_size(d), sampled = 0, bytes = 0;
    dict_iter it;
    dict_entry *de;
    dict_iter_init(&it, d, 0);
    while (sampled < MEM_SAMPLES && (de = dict_next(&it))) {
        bytes += sds_alloc_size(de->key);
        sampled++;
    }
    dict_iter_reset(&it);
    size_t strings = sampled ? bytes / sampled * n : 0;
    return dict_buckets(d) * sizeof(void *) + n * sizeof(dict_entry) + strings;
}

/* V(set) = u64be(members) XOR-of SHA1(member text). */
static void set_digest(const kv_obj *o, sha1_ctx *x) {
    uint8_t acc[SHA1_DIGEST_LEN] = {0};
    unsigned char hdr[8];
    set_iter it;
    const unsigned char *p;
    size_t len;
    set_iter_init(&it, o);
    while (set_iter_next(&it, &p, &len)) debug_digest_xor(acc, p, len);
    set_iter_reset(&it);
    uint64_t n = set_obj_len(o);
    for (int i = 0; i < 8; i++) hdr[i] = (unsigned char)(n >> (56 - 8 * i));
    sha1_update(x, hdr, 8);
    sha1_update(x, acc, sizeof(acc));
}

void set_module_init(void) {
    static const obj_type_ops ops = {set_free, set_dup, set_mem};
    obj_register_type(OBJ_SET, &ops);
    debug_register_digest(OBJ_SET, set_digest);
}

/* ---- command helpers ----------------------------------------------------------------- */

static set_limits limits(kv_client *c) { return set_limits_of(c->srv->cfg); }

static int lookup_read(kv_client *c, const sds key, kv_obj **out) { return db_lookup_typed_read(c, key, OBJ_SET, out); }

static int lookup_write(kv_client *c, const sds key, kv_obj **out) { return db_lookup_typed_write(c, key, OBJ_SET, out); }

static void key_changed(kv_client *c, const sds key, long long changes) { db_key_changed(c, key, changes); }

/* Reply with every member of o (the caller sent the header). */
static void reply_members(kv_client *c, const kv_obj *o) {
    set_iter it;
    elem e;
    set_iter_init(&it, o);
    while (sx_next(&it, &e)) reply_elem(c, &e);
    set_iter_reset(&it);
}

/* *STORE: store a non-empty result at dst (replacing whatever is there,
 * TTL dropped) or delete dst for an empty one; replies with the size.
 * Takes res. */
static void store_result(kv_client *c, const sds dst, kv_obj *res) {
    unsigned long n = set_obj_len(res);
    if (n > 0) {
        db_set(c->srv, c->db, dst, res, 0);
        key_changed(c, dst, 1);
    } else {
        obj_decr_ref(res);
        if (db_delete(c->srv, c->db, dst)) key_changed(c, dst, 1);
    }
    reply_int(c, (long long)n);
}

/* ---- SADD SREM SMOVE -------------------------------------------------------------------- */

static void sadd_cmd(kv_client *c) {
    sds key = c->argv[1];
    kv_obj *o;
    long long added = 0;
    if (lookup_write(c, key, &o) < 0) return;
    if (!o) {
        o = set_obj_new_for(c->argv[2], sds_len(c->argv[2]));
        db_add(c->srv, c->db, key, o);
    }
    set_limits lim = limits(c);
    for (int i = 2; i < c->argc; i++) added += sx_add(o, c->argv[i], &lim);
    if (added) key_changed(c, key, added);
    reply_int(c, added);
}

static void srem_cmd(kv_client *c) {
    sds key = c->argv[1];
    kv_obj *o;
    long long removed = 0;
    if (lookup_write(c, key, &o) < 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    for (int i = 2; i < c->argc; i++) {
        if (!sx_remove(o, c->argv[i])) continue;
        removed++;
        if (set_obj_len(o) == 0) {
            db_delete(c->srv, c->db, key);
            break;
        }
    }
    if (removed) key_changed(c, key, removed);
    reply_int(c, removed);
}

static void smove_cmd(kv_client *c) {
    sds skey = c->argv[1], dkey = c->argv[2], m = c->argv[3];
    kv_obj *src = db_lookup_write(c, c->db, skey);
    kv_obj *dst = db_lookup_write(c, c->db, dkey);
    if (!src) {
        reply_int(c, 0);
        return;
    }
    if (src->type != OBJ_SET || (dst && dst->type != OBJ_SET)) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    if (src == dst) {
        reply_int(c, sx_has(src, m));
        return;
    }
    if (!sx_remove(src, m)) {
        reply_int(c, 0);
        return;
    }
    if (set_obj_len(src) == 0) db_delete(c->srv, c->db, skey);
    if (!dst) {
        dst = set_obj_new_for(m, sds_len(m));
        db_add(c->srv, c->db, dkey, dst);
    }
    key_changed(c, skey, 1);
    set_limits lim = limits(c);
    if (sx_add(dst, m, &lim)) key_changed(c, dkey, 1);
    reply_int(c, 1);
}

/* ---- SISMEMBER SMISMEMBER SCARD ----------------------------------------------------------- */

static void sismember_cmd(kv_client *c) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    reply_int(c, o && sx_has(o, c->argv[2]));
}

static void smismember_cmd(kv_client *c) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_int(c, o && sx_has(o, c->argv[i]));
}

static void scard_cmd(kv_client *c) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    reply_int(c, o ? (long long)set_obj_len(o) : 0);
}

/* ---- SPOP ------------------------------------------------------------------------------------ */

/* Collects popped members and emits them as SREM key m1 m2 ... batches
 * (invariant 3). */
typedef struct srem_prop {
    kv_client *c;
    sds *argv; /* "SREM", key, members... */
    int argc;
} srem_prop;

static void srem_prop_init(srem_prop *p, kv_client *c) {
    p->c = c;
    p->argv = mem_alloc(sizeof(sds) * (2 + SPOP_PROP_BATCH));
    p->argv[0] = sds_new("SREM");
    p->argv[1] = c->argv[1];
    p->argc = 2;
}

static void srem_prop_flush(srem_prop *p) {
    if (p->argc == 2) return;
    cmd_also_propagate(p->c->srv, p->c->db->id, p->argc, p->argv);
    for (int i = 2; i < p->argc; i++) sds_free(p->argv[i]);
    p->argc = 2;
}

static void srem_prop_add(srem_prop *p, const elem *e) {
    char buf[24];
    size_t len;
    const char *b = elem_bytes(e, buf, &len);
    p->argv[p->argc++] = sds_newlen(b, len);
    if (p->argc == 2 + SPOP_PROP_BATCH) srem_prop_flush(p);
}

static void srem_prop_done(srem_prop *p) {
    srem_prop_flush(p);
    sds_free(p->argv[0]);
    mem_free(p->argv);
    p->c->flags |= CLIENT_PREVENT_PROP;
}

/* Pop `count` random members one by one (count small against the set). */
static void spop_pick(kv_client *c, kv_obj *o, unsigned long count, srem_prop *prop) {
    sds scratch = sds_empty();
    while (count--) {
        elem e = sx_random(o);
        reply_elem(c, &e);
        srem_prop_add(prop, &e);
        if (e.is_int) {
            sx_remove_elem(o, &e, &scratch);
        } else {
            sds m = sds_dup(e.s); /* e.s is the dict's key: freed by the removal */
            sx_remove(o, m);
            sds_free(m);
        }
    }
    sds_free(scratch);
}

/* Pop all but `remaining` members: the members that stay move into a new
 * set (rule 3), the old set's members are the reply. */
static void spop_rebuild(kv_client *c, const sds key, kv_obj *o, unsigned long remaining, srem_prop *prop) {
    set_limits lim = limits(c);
    kv_obj *keep = set_obj_new();
    sds scratch = sds_empty();
    while (remaining--) {
        elem e = sx_random(o);
        sx_add_elem(keep, &e, &lim);
        if (e.is_int) {
            sx_remove_elem(o, &e, &scratch);
        } else {
            sds m = sds_dup(e.s);
            sx_remove(o, m);
            sds_free(m);
        }
    }
    sds_free(scratch);
    set_iter it;
    elem e;
    set_iter_init(&it, o);
    while (sx_next(&it, &e)) {
        reply_elem(c, &e);
        srem_prop_add(prop, &e);
    }
    set_iter_reset(&it);
    db_overwrite(c->srv, c->db, key, keep); /* keeps the TTL, frees o */
}

static void spop_count(kv_client *c) {
    sds key = c->argv[1];
    long long count;
    kv_obj *o;
    if (arg_nonneg(c, c->argv[2], &count, ERR_POSITIVE) < 0) return;
    if (lookup_write(c, key, &o) < 0) return;
    if (!o || count == 0) {
        reply_set(c, 0);
        return;
    }
    unsigned long size = set_obj_len(o);
    if ((unsigned long long)count >= size) {
        reply_set(c, (long)size);
        reply_members(c, o);
        db_delete(c->srv, c->db, key);
        key_changed(c, key, (long long)size);
        sds *nv = mem_alloc(sizeof(sds) * 2);
        nv[0] = sds_new("DEL");
        nv[1] = key;
        c->argv[1] = NULL;
        cmd_rewrite_argv(c, 2, nv);
        return;
    }
    unsigned long remaining = size - (unsigned long)count;
    srem_prop prop;
    srem_prop_init(&prop, c);
    reply_set(c, (long)count);
    if (remaining * SPOP_MOVE_STRATEGY_MUL > (unsigned long)count) spop_pick(c, o, (unsigned long)count, &prop);
    else spop_rebuild(c, key, o, remaining, &prop);
    key_changed(c, key, count);
    srem_prop_done(&prop);
}

static void spop_cmd(kv_client *c) {
    if (c->argc == 3) {
        spop_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    sds key = c->argv[1];
    kv_obj *o;
    if (lookup_write(c, key, &o) < 0) return;
    if (!o) {
        reply_null(c);
        return;
    }
    elem e = sx_random(o);
    char buf[24];
    size_t len;
    const char *b = elem_bytes(&e, buf, &len);
    sds m = sds_newlen(b, len);
    reply_bulk(c, m, len);
    sx_remove(o, m);
    if (set_obj_len(o) == 0) db_delete(c->srv, c->db, key);
    key_changed(c, key, 1);
    sds *nv = mem_alloc(sizeof(sds) * 3);
    nv[0] = sds_new("SREM");
    nv[1] = key;
    nv[2] = m;
    c->argv[1] = NULL;
    cmd_rewrite_argv(c, 3, nv);
}

/* ---- SRANDMEMBER ---------------------------------------------------------------------------- */

static uint64_t ptr_hash(const void *k) { return dict_hash_bytes(&k, sizeof(k)); }
static const dict_type seen_type = {ptr_hash, NULL, NULL, NULL, NULL};

/* count distinct random members out of a bigger set (count < size). */
static void srand_unique(kv_client *c, const kv_obj *o, unsigned long count) {
    unsigned long size = set_obj_len(o);
    reply_array(c, (long)count);
    if (o->enc == OBJ_ENC_HT && count * 3 <= size) {
        dict *seen = dict_create(&seen_type);
        for (unsigned long sent = 0; sent < count;) {
            dict_entry *de = dict_random_entry(o->ptr);
            if (dict_add(seen, de->key, NULL) != 0) continue;
            reply_bulk(c, de->key, sds_len(de->key));
            sent++;
        }
        dict_release(seen);
        return;
    }
    /* partial Fisher-Yates over the members */
    elem *all = mem_alloc(sizeof(elem) * size);
    set_iter it;
    unsigned long n = 0;
    set_iter_init(&it, o);
    while (n < size && sx_next(&it, &all[n])) n++;
    set_iter_reset(&it);
    for (unsigned long i = 0; i < count; i++) {
        unsigned long j = i + rng_below(n - i);
        elem t = all[i];
        all[i] = all[j];
        all[j] = t;
        reply_elem(c, &all[i]);
    }
    mem_free(all);
}

static void srandmember_count(kv_client *c) {
    long long l;
    kv_obj *o;
    if (arg_ll(c, c->argv[2], &l, NULL) < 0) return;
    if (l < -LLONG_MAX) {
        reply_error(c, ERR_RAND_RANGE);
        return;
    }
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o || l == 0) {
        reply_empty_array(c);
        return;
    }
    unsigned long count = l < 0 ? (unsigned long)-l : (unsigned long)l, size = set_obj_len(o);
    if (l < 0 || count == 1) {
        reply_array(c, (long)count);
        while (count-- && !(c->flags & CLIENT_CLOSE_ASAP)) {
            elem e = sx_random(o);
            reply_elem(c, &e);
        }
    } else if (count >= size) {
        reply_array(c, (long)size);
        reply_members(c, o);
    } else {
        srand_unique(c, o, count);
    }
}

static void srandmember_cmd(kv_client *c) {
    if (c->argc == 3) {
        srandmember_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_null(c);
        return;
    }
    elem e = sx_random(o);
    reply_elem(c, &e);
}

/* ---- SINTER SMEMBERS SINTERCARD SINTERSTORE ------------------------------------------------ */

/* Looks the source keys up for reading; missing keys are NULL.  Returns
 * the number of missing keys, or -1 after a WRONGTYPE reply. */
static int lookup_sources(kv_client *c, sds *keys, int n, kv_obj **sets) {
    int missing = 0;
    for (int i = 0; i < n; i++) {
        if (lookup_read(c, keys[i], &sets[i]) < 0) return -1;
        if (!sets[i]) missing++;
    }
    return missing;
}

static int by_size(const void *a, const void *b) {
    unsigned long x = set_obj_len(*(kv_obj *const *)a), y = set_obj_len(*(kv_obj *const *)b);
    return x < y ? -1 : x > y;
}

static int in_all(kv_obj **sets, int n, const elem *e, sds *scratch) {
    for (int j = 1; j < n; j++) {
        if (sets[j] == sets[0]) continue;
        if (!sx_has_elem(sets[j], e, scratch)) return 0;
    }
    return 1;
}

enum { INTER_REPLY, INTER_CARD, INTER_STORE };

/* mode INTER_REPLY: reply the members; INTER_CARD: the count (stopping at
 * limit, 0 = none); INTER_STORE: store at dst. */
static void sinter_generic(kv_client *c, sds *keys, int n, const sds dst, int mode, long long limit) {
    kv_obj **sets = mem_alloc(sizeof(kv_obj *) * (size_t)n);
    int missing = lookup_sources(c, keys, n, sets);
    if (missing < 0) goto done;
    if (missing > 0) {
        if (mode == INTER_STORE) store_result(c, dst, set_obj_new());
        else if (mode == INTER_CARD) reply_int(c, 0);
        else reply_set(c, 0);
        goto done;
    }
    qsort(sets, (size_t)n, sizeof(*sets), by_size);
    set_limits lim = limits(c);
    kv_obj *res = mode == INTER_STORE ? set_obj_new() : NULL;
    reply_slot slot = mode == INTER_REPLY ? reply_defer(c) : 0;
    long long card = 0;
    sds scratch = sds_empty();
    set_iter it;
    elem e;
    set_iter_init(&it, sets[0]);
    while (sx_next(&it, &e)) {
        if (!in_all(sets, n, &e, &scratch)) continue;
        card++;
        if (mode == INTER_REPLY) reply_elem(c, &e);
        else if (mode == INTER_STORE) sx_add_elem(res, &e, &lim);
        else if (limit && card >= limit) break;
    }
    set_iter_reset(&it);
    sds_free(scratch);
    if (mode == INTER_REPLY) reply_set_defer_set(c, slot, (long)card);
    else if (mode == INTER_CARD) reply_int(c, card);
    else store_result(c, dst, res);
done:
    mem_free(sets);
}

static void sinter_cmd(kv_client *c) { sinter_generic(c, c->argv + 1, c->argc - 1, NULL, INTER_REPLY, 0); }
static void smembers_cmd(kv_client *c) { sinter_generic(c, c->argv + 1, 1, NULL, INTER_REPLY, 0); }
static void sinterstore_cmd(kv_client *c) { sinter_generic(c, c->argv + 2, c->argc - 2, c->argv[1], INTER_STORE, 0); }

static void sintercard_cmd(kv_client *c) {
    long long numkeys, limit = 0;
    if (arg_ll_range(c, c->argv[1], 1, LLONG_MAX, &numkeys, "ERR numkeys should be greater than 0") < 0) return;
    if (numkeys > c->argc - 2) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (arg_is(c->argv[j], "limit") && j + 1 < c->argc) {
            if (arg_nonneg(c, c->argv[++j], &limit, "ERR LIMIT can't be negative") < 0) return;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    sinter_generic(c, c->argv + 2, (int)numkeys, NULL, INTER_CARD, limit);
}

/* ---- SUNION SDIFF and their STORE forms ------------------------------------------------------ */

enum { OP_UNION, OP_DIFF };

static int by_size_desc_null0(const void *a, const void *b) {
    const kv_obj *x = *(kv_obj *const *)a, *y = *(kv_obj *const *)b;
    unsigned long sx = x ? set_obj_len(x) : 0, sy = y ? set_obj_len(y) : 0;
    return sx < sy ? 1 : sx > sy ? -1 : 0;
}

/* Add every member of s to res; returns how many were new. */
static long long add_all(kv_obj *res, const kv_obj *s, const set_limits *lim) {
    long long added = 0;
    set_iter it;
    elem e;
    set_iter_init(&it, s);
    while (sx_next(&it, &e)) added += sx_add_elem(res, &e, lim);
    set_iter_reset(&it);
    return added;
}

/* Redis's algorithm 1: members of sets[0] found in no other set. */
static void diff_test_each(kv_obj *res, kv_obj **sets, int n, const set_limits *lim) {
    sds scratch = sds_empty();
    set_iter it;
    elem e;
    set_iter_init(&it, sets[0]);
    while (sx_next(&it, &e)) {
        int j;
        for (j = 1; j < n; j++) {
            if (!sets[j]) continue;
            if (sets[j] == sets[0] || sx_has_elem(sets[j], &e, &scratch)) break;
        }
        if (j == n) sx_add_elem(res, &e, lim);
    }
    set_iter_reset(&it);
    sds_free(scratch);
}

/* Redis's algorithm 2: add sets[0], remove the members of the others. */
static void diff_add_remove(kv_obj *res, kv_obj **sets, int n, const set_limits *lim) {
    sds scratch = sds_empty();
    long long card = add_all(res, sets[0], lim);
    for (int j = 1; j < n && card > 0; j++) {
        if (!sets[j]) continue;
        set_iter it;
        elem e;
        set_iter_init(&it, sets[j]);
        while (sx_next(&it, &e)) card -= sx_remove_elem(res, &e, &scratch);
        set_iter_reset(&it);
    }
    sds_free(scratch);
}

/* Which algorithm Redis 7.0 picks (it decides the result's encoding). */
static int diff_pick_algo(kv_obj **sets, int n) {
    long long one = 0, two = 0;
    for (int j = 0; j < n; j++) {
        if (!sets[j]) continue;
        one += (long long)set_obj_len(sets[0]);
        two += (long long)set_obj_len(sets[j]);
    }
    one /= 2;
    return one <= two ? 1 : 2;
}

static void sunion_diff_generic(kv_client *c, sds *keys, int n, const sds dst, int op) {
    kv_obj **sets = mem_alloc(sizeof(kv_obj *) * (size_t)n);
    int sameset = 0;
    if (lookup_sources(c, keys, n, sets) < 0) {
        mem_free(sets);
        return;
    }
    for (int j = 1; j < n; j++)
        if (sets[j] && sets[j] == sets[0]) sameset = 1;
    set_limits lim = limits(c);
    kv_obj *res = set_obj_new();
    if (op == OP_UNION) {
        for (int j = 0; j < n; j++)
            if (sets[j]) add_all(res, sets[j], &lim);
    } else if (sets[0] && !sameset) {
        if (diff_pick_algo(sets, n) == 1) {
            if (n > 1) qsort(sets + 1, (size_t)(n - 1), sizeof(*sets), by_size_desc_null0);
            diff_test_each(res, sets, n, &lim);
        } else {
            diff_add_remove(res, sets, n, &lim);
        }
    }
    mem_free(sets);
    if (dst) {
        store_result(c, dst, res);
        return;
    }
    reply_set(c, (long)set_obj_len(res));
    reply_members(c, res);
    obj_decr_ref(res);
}

static void sunion_cmd(kv_client *c) { sunion_diff_generic(c, c->argv + 1, c->argc - 1, NULL, OP_UNION); }
static void sdiff_cmd(kv_client *c) { sunion_diff_generic(c, c->argv + 1, c->argc - 1, NULL, OP_DIFF); }
static void sunionstore_cmd(kv_client *c) { sunion_diff_generic(c, c->argv + 2, c->argc - 2, c->argv[1], OP_UNION); }
static void sdiffstore_cmd(kv_client *c) { sunion_diff_generic(c, c->argv + 2, c->argc - 2, c->argv[1], OP_DIFF); }

/* ---- SSCAN ---------------------------------------------------------------------------------- */

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

/* COUNT and MATCH options; *pat NULL when everything matches. */
static int scan_parse(kv_client *c, int first, long long *count, sds *pat) {
    *count = 10;
    *pat = NULL;
    for (int i = first; i < c->argc; i += 2) {
        int more = c->argc - i >= 2;
        if (more && arg_is(c->argv[i], "count")) {
            if (arg_ll(c, c->argv[i + 1], count, NULL) < 0) return -1;
            if (*count < 1) {
                reply_error(c, ERR_SYNTAX);
                return -1;
            }
        } else if (more && arg_is(c->argv[i], "match")) {
            sds p = c->argv[i + 1];
            *pat = sds_len(p) == 1 && p[0] == '*' ? NULL : p;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

static void scan_collect(void *priv, const dict_entry *de) { sds_vec_push(priv, sds_dup(de->key)); }

static void sscan_cmd(kv_client *c) {
    unsigned long cursor;
    kv_obj *o;
    long long count;
    sds pat;
    if (scan_cursor(c, c->argv[2], &cursor) < 0) return;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_array(c, 2);
        reply_bulk(c, "0", 1);
        reply_empty_array(c);
        return;
    }
    if (scan_parse(c, 3, &count, &pat) < 0) return;
    sds_vec acc = {NULL, 0, 0};
    if (o->enc == OBJ_ENC_INTSET) {
        int64_t v;
        for (uint32_t i = 0; is_get(o->ptr, i, &v); i++) sds_vec_push(&acc, sds_fromll(v));
        cursor = 0;
    } else {
        long long maxiter = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
        do {
            cursor = dict_scan(o->ptr, cursor, scan_collect, &acc);
        } while (cursor && maxiter-- && acc.n < count);
    }
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)cursor);
    reply_slot slot = reply_defer(c);
    long out = 0;
    for (long i = 0; i < acc.n; i++) {
        sds m = acc.v[i];
        if (!pat || str_match(pat, sds_len(pat), m, sds_len(m), 0)) {
            reply_bulk(c, m, sds_len(m));
            out++;
        }
        sds_free(m);
    }
    mem_free(acc.v);
    reply_set_defer_array(c, slot, out);
}

/* ---- the command table ------------------------------------------------------------------------ */

#define W_DENY (CMD_WRITE | CMD_DENYOOM)
#define RO CMD_READONLY

const kv_command cmd_table_set[] = {
    {"sadd", sadd_cmd, -3, W_DENY | CMD_FAST, 1, 1, 1, "set", "1.0.0",
     "Adds one or more members to a set. Creates the key if it doesn't exist.",
     "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
     "key member [member ...]", NULL},
    {"srem", srem_cmd, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "set", "1.0.0",
     "Removes one or more members from a set. Deletes the set if the last member was removed.",
     "O(N) where N is the number of members to be removed.", "key member [member ...]", NULL},
    {"scard", scard_cmd, 2, RO | CMD_FAST, 1, 1, 1, "set", "1.0.0", "Returns the number of members in a set.", "O(1)",
     "key", NULL},
    {"sismember", sismember_cmd, 3, RO | CMD_FAST, 1, 1, 1, "set", "1.0.0",
     "Determines whether a member belongs to a set.", "O(1)", "key member", NULL},
    {"smismember", smismember_cmd, -3, RO | CMD_FAST, 1, 1, 1, "set", "6.2.0",
     "Determines whether multiple members belong to a set.", "O(N) where N is the number of elements being checked for membership",
     "key member [member ...]", NULL},
    {"smembers", smembers_cmd, 2, RO, 1, 1, 1, "set", "1.0.0", "Returns all members of a set.",
     "O(N) where N is the set cardinality.", "key", NULL},
    {"srandmember", srandmember_cmd, -2, RO, 1, 1, 1, "set", "1.0.0",
     "Get one or multiple random members from a set", "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
     "key [count]", NULL},
    {"spop", spop_cmd, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "set", "1.0.0",
     "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.",
     "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", "key [count]",
     NULL},
    {"smove", smove_cmd, 4, CMD_WRITE | CMD_FAST, 1, 2, 1, "set", "1.0.0", "Moves a member from one set to another.",
     "O(1)", "source destination member", NULL},
    {"sinter", sinter_cmd, -2, RO, 1, -1, 1, "set", "1.0.0", "Returns the intersect of multiple sets.",
     "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
     "key [key ...]", NULL},
    {"sintercard", sintercard_cmd, -3, RO | CMD_MOVABLE_KEYS, 0, 0, 0, "set", "7.0.0",
     "Returns the number of members of the intersect of multiple sets.",
     "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
     "numkeys key [key ...] [LIMIT limit]", NULL},
    {"sinterstore", sinterstore_cmd, -3, W_DENY, 1, -1, 1, "set", "1.0.0",
     "Stores the intersect of multiple sets in a key.",
     "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
     "destination key [key ...]", NULL},
    {"sunion", sunion_cmd, -2, RO, 1, -1, 1, "set", "1.0.0", "Returns the union of multiple sets.",
     "O(N) where N is the total number of elements in all given sets.", "key [key ...]", NULL},
    {"sunionstore", sunionstore_cmd, -3, W_DENY, 1, -1, 1, "set", "1.0.0", "Stores the union of multiple sets in a key.",
     "O(N) where N is the total number of elements in all given sets.", "destination key [key ...]", NULL},
    {"sdiff", sdiff_cmd, -2, RO, 1, -1, 1, "set", "1.0.0", "Returns the difference of multiple sets.",
     "O(N) where N is the total number of elements in all given sets.", "key [key ...]", NULL},
    {"sdiffstore", sdiffstore_cmd, -3, W_DENY, 1, -1, 1, "set", "1.0.0",
     "Stores the difference of multiple sets in a key.",
     "O(N) where N is the total number of elements in all given sets.", "destination key [key ...]", NULL},
    {"sscan", sscan_cmd, -3, RO, 1, 1, 1, "set", "2.8.0", "Iterates over members of a set.",
     "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return "
     "back to 0. N is the number of elements inside the collection.",
     "key cursor [MATCH pattern] [COUNT count]", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
