/*
 * engine/t_list.c — the list type and the list command family of Redis
 * 7.0: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT
 * LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP and the blocking BLPOP BRPOP BLMOVE
 * BRPOPLPUSH BLMPOP.
 *
 * What it owns: the list object (t_list.h; storage in quicklist.c), the
 * handlers and their rows in cmd_table_list[], and the serve callback the
 * blocking module (blocking.h) calls for clients blocked on lists.
 *
 * Behaviour, reply bytes, error texts and the order in which arguments are
 * validated follow redis-server 7.0 (checked against 7.0.15): e.g. LINDEX
 * looks the key up before parsing the index, LRANGE/LTRIM/LREM parse their
 * numbers first; LPOP key count answers a null array for a missing key even
 * with count 0; LPOS RANK -9223372036854775808 behaves as RANK -1 (Redis
 * negates it and keeps the first match from the tail); BLPOP, BRPOP and
 * BRPOPLPUSH parse their timeout before anything else, BLMOVE checks its
 * two directions first and BLMPOP numkeys, the direction and COUNT.
 *
 * Invariants every write handler keeps:
 *  (1) a list in the keyspace is never empty: the command that removes
 *      the last element deletes the key;
 *  (2) a changed key gets db_touch_key() and srv->dirty grows by the number
 *      of elements added, removed or replaced (LMOVE: one), so a command
 *      that changed nothing propagates nothing.  LTRIM touches the key even
 *      when it trims nothing, as Redis;
 *  (3) what is propagated replays to the same keyspace: BLPOP/BRPOP served
 *      at once become LPOP/RPOP key, BLMPOP/LMPOP become LPOP/RPOP key n
 *      with n the number really popped, BLMOVE becomes LMOVE and BRPOPLPUSH
 *      RPOPLPUSH; a blocked client served later propagates the same forms
 *      (through cmd_also_propagate from the serve callback) in the db of
 *      the key.  Everything else propagates as typed.
 * Blocking commands behave as their non-blocking forms inside MULTI/EXEC
 * (CLIENT_DENY_BLOCKING): a null array, or a null bulk for BLMOVE and
 * BRPOPLPUSH, when nothing can be popped.
 */
#include "t_list.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "args.h"
#include "blocking.h"
#include "cmd.h"
#include "db.h"
#include "debug.h"
#include "mem.h"
#include "quicklist.h"
#include "reply.h"
#include "server.h"
#include "util.h"

#define ERR_RANK_ZERO                                                                                   \
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative " \
    "to start from the end of the list"

/* ---- the object ------------------------------------------------------------- */

kv_obj *list_obj_new(const strata_config *cfg) {
    int fill = cfg ? (int)cfg->list_max_listpack_size : -2; /* NULL: Redis's defaults */
    int depth = cfg ? (int)cfg->list_compress_depth : 0;
    quicklist *ql = ql_new(fill, depth);
    return obj_new(OBJ_LIST, OBJ_ENC_QUICKLIST, ql);
}

static void list_free(kv_obj *o) { ql_free(o->ptr); }
static kv_obj *list_dup(const kv_obj *o) { return obj_new(OBJ_LIST, OBJ_ENC_QUICKLIST, ql_dup(o->ptr)); }
static size_t list_mem(const kv_obj *o) { return ql_mem(o->ptr); }

static void put_u64(unsigned char *b, uint64_t v) {
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (56 - 8 * i));
}

/* V(list) = u64be(count) then, in order, u64be(len) bytes of each element
 * (integers as their decimal text). */
static void list_digest(const kv_obj *o, sha1_ctx *x) {
    quicklist *ql = o->ptr; /* iteration decompresses nodes in place and restores them */
    unsigned char hdr[8];
    char buf[32];
    ql_iter it;
    ql_val v;
    put_u64(hdr, ql_count(ql));
    sha1_update(x, hdr, 8);
    ql_iter_init(&it, ql, QL_TAIL);
    while (ql_iter_next(&it, &v)) {
        const void *p = v.s;
        size_t len = v.len;
        if (!v.s) {
            len = (size_t)ll_to_str(buf, sizeof(buf), v.ll);
            p = buf;
        }
        put_u64(hdr, len);
        sha1_update(x, hdr, 8);
        sha1_update(x, p, len);
    }
    ql_iter_release(&it);
}

void list_module_init(void) {
    static const obj_type_ops ops = {list_free, list_dup, list_mem};
    obj_register_type(OBJ_LIST, &ops);
    debug_register_digest(OBJ_LIST, list_digest);
}

/* ---- shared helpers ----------------------------------------------------------- */

static quicklist *ql_of(kv_obj *o) { return o->ptr; }

/* Key looked up for reading (hits/misses counted): 0 with *out (NULL when
 * missing), or -1 after replying WRONGTYPE. */
static int lookup_read(kv_client *c, const sds key, kv_obj **out) {
    kv_obj *o = db_lookup_read(c, c->db, key, LOOKUP_NONE);
    if (o && o->type != OBJ_LIST) {
        reply_error(c, ERR_WRONGTYPE);
        return -1;
    }
    *out = o;
    return 0;
}

/* The same for a command about to modify the key (no hit/miss stats). */
static int lookup_write(kv_client *c, const sds key, kv_obj **out) {
    kv_obj *o = db_lookup_write(c, c->db, key);
    if (o && o->type != OBJ_LIST) {
        reply_error(c, ERR_WRONGTYPE);
        return -1;
    }
    *out = o;
    return 0;
}

/* Invariant (2). */
static void list_changed(kv_client *c, const sds key, long long changes) {
    db_touch_key(c->srv, c->db, key);
    c->srv->dirty += changes;
}

/* Invariant (1): delete key when its list o is empty.  o is invalid after
 * a 1.  Returns 1 if deleted. */
static int delete_if_empty(kv_client *c, const sds key, kv_obj *o) {
    if (ql_count(ql_of(o)) != 0) return 0;
    db_delete(c->srv, c->db, key);
    return 1;
}

/* The list under key, created (empty) when missing. */
static kv_obj *list_create_if_missing(kv_client *c, const sds key, kv_obj *o) {
    if (o) return o;
    o = list_obj_new(c->srv->cfg);
    db_add(c->srv, c->db, key, o);
    return o;
}

static void reply_val(kv_client *c, const ql_val *v) {
    if (v->s) reply_bulk(c, v->s, v->len);
    else reply_bulk_ll(c, v->ll);
}

static sds val_to_sds(const ql_val *v) { return v->s ? sds_newlen(v->s, v->len) : sds_fromll(v->ll); }

/* "LEFT"/"RIGHT" -> QL_HEAD/QL_TAIL; -1 after a syntax error reply. */
static int parse_where(kv_client *c, const sds arg, int *where) {
    if (arg_is(arg, "left")) *where = QL_HEAD;
    else if (arg_is(arg, "right")) *where = QL_TAIL;
    else {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    return 0;
}

static const char *where_word(int where) { return where == QL_HEAD ? "LEFT" : "RIGHT"; }
static const char *pop_name(int where) { return where == QL_HEAD ? "LPOP" : "RPOP"; }

/* Replace what the command propagates (invariant 3).  The words are
 * copied. */
static void rewrite(kv_client *c, int argc, const char *const *words, const sds *args) {
    sds *v = mem_alloc(sizeof(sds) * (size_t)argc);
    for (int i = 0; i < argc; i++) v[i] = words[i] ? sds_new(words[i]) : sds_dup(args[i]);
    cmd_rewrite_argv(c, argc, v);
}

/* Queue an op for a blocked client served later (invariant 3). */
static void propagate(kv_client *c, int argc, const char *const *words, const sds *args) {
    sds v[5];
    for (int i = 0; i < argc; i++) v[i] = words[i] ? sds_new(words[i]) : sds_dup(args[i]);
    cmd_also_propagate(c->srv, c->db->id, argc, v);
    for (int i = 0; i < argc; i++) sds_free(v[i]);
}

/* Reply elements [start, end] (already clipped to the list), in list order
 * or reversed (from end down to start). */
static void reply_range(kv_client *c, quicklist *ql, long start, long end, int reverse) {
    long n = end - start + 1;
    ql_iter it;
    ql_val v;
    reply_array(c, n);
    ql_iter_init_at(&it, ql, reverse ? QL_HEAD : QL_TAIL, reverse ? end : start);
    while (n-- > 0 && ql_iter_next(&it, &v)) reply_val(c, &v);
    ql_iter_release(&it);
}

/* Redis's addListRangeReply: start/end may be negative or out of range. */
static void reply_range_clip(kv_client *c, quicklist *ql, long long start, long long end, int reverse) {
    long long llen = (long long)ql_count(ql);
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
        reply_empty_array(c);
        return;
    }
    if (end >= llen) end = llen - 1;
    reply_range(c, ql, (long)start, (long)end, reverse);
}

/* Pop up to count elements from where, replying them as an array (popped
 * order); then the key is deleted if emptied and touched.  Returns how many
 * were popped. */
static long pop_range_reply(kv_client *c, const sds key, kv_obj *o, int where, long long count) {
    quicklist *ql = ql_of(o);
    long llen = (long)ql_count(ql);
    long n = count > llen ? llen : (long)count;
    if (where == QL_HEAD) reply_range(c, ql, 0, n - 1, 0);
    else reply_range(c, ql, llen - n, llen - 1, 1);
    ql_del_range(ql, where == QL_HEAD ? 0 : -n, (unsigned long)n);
    delete_if_empty(c, key, o);
    list_changed(c, key, n);
    return n;
}

/* Pop one element from where (the list is not empty), reply it as a bulk
 * string (or [key, value] when with_key). */
static void pop_one_reply(kv_client *c, const sds key, kv_obj *o, int where, int with_key) {
    ql_val v;
    ql_peek(ql_of(o), where, &v);
    if (with_key) {
        reply_array(c, 2);
        reply_bulk(c, key, sds_len(key));
    }
    reply_val(c, &v);
    ql_pop_discard(ql_of(o), where);
    delete_if_empty(c, key, o);
    list_changed(c, key, 1);
}

/* ---- push ----------------------------------------------------------------------- */

static void push_generic(kv_client *c, int where, int only_existing) {
    kv_obj *o;
    sds key = c->argv[1];
    if (lookup_write(c, key, &o) < 0) return;
    if (!o && only_existing) {
        reply_int(c, 0);
        return;
    }
    o = list_create_if_missing(c, key, o);
    for (int j = 2; j < c->argc; j++) ql_push(ql_of(o), where, c->argv[j], sds_len(c->argv[j]));
    reply_int(c, (long long)ql_count(ql_of(o)));
    list_changed(c, key, c->argc - 2);
}

static void lpush_cmd(kv_client *c) { push_generic(c, QL_HEAD, 0); }
static void rpush_cmd(kv_client *c) { push_generic(c, QL_TAIL, 0); }
static void lpushx_cmd(kv_client *c) { push_generic(c, QL_HEAD, 1); }
static void rpushx_cmd(kv_client *c) { push_generic(c, QL_TAIL, 1); }

/* ---- pop ------------------------------------------------------------------------ */

static void pop_generic(kv_client *c, int where) {
    long long count = 0;
    int hascount = c->argc == 3;
    kv_obj *o;
    if (c->argc > 3) {
        reply_errorf(c, "ERR wrong number of arguments for '%s' command", c->cmd->name);
        return;
    }
    if (hascount && arg_nonneg(c, c->argv[2], &count, "ERR value is out of range, must be positive") < 0) return;
    if (lookup_write(c, c->argv[1], &o) < 0) return;
    if (!o) {
        if (hascount) reply_null_array(c);
        else reply_null(c);
        return;
    }
    if (hascount && count == 0) {
        reply_empty_array(c);
        return;
    }
    if (!hascount) pop_one_reply(c, c->argv[1], o, where, 0);
    else pop_range_reply(c, c->argv[1], o, where, count);
}

static void lpop_cmd(kv_client *c) { pop_generic(c, QL_HEAD); }
static void rpop_cmd(kv_client *c) { pop_generic(c, QL_TAIL); }

/* ---- read commands -------------------------------------------------------------- */

static void llen_cmd(kv_client *c) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    reply_int(c, o ? (long long)ql_count(ql_of(o)) : 0);
}

static void lrange_cmd(kv_client *c) {
    long long start, end;
    kv_obj *o;
    if (arg_ll(c, c->argv[2], &start, NULL) < 0 || arg_ll(c, c->argv[3], &end, NULL) < 0) return;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_empty_array(c);
        return;
    }
    reply_range_clip(c, ql_of(o), start, end, 0);
}

static void lindex_cmd(kv_client *c) {
    kv_obj *o;
    long long index;
    ql_iter it;
    ql_val v;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_null(c);
        return;
    }
    if (arg_ll(c, c->argv[2], &index, NULL) < 0) return;
    if (ql_iter_init_at(&it, ql_of(o), QL_TAIL, (long)index) && ql_iter_next(&it, &v)) reply_val(c, &v);
    else reply_null(c);
    ql_iter_release(&it);
}

typedef struct lpos_opts {
    long long rank, count, maxlen; /* count -1: no COUNT option */
} lpos_opts;

static int parse_lpos(kv_client *c, lpos_opts *o) {
    o->rank = 1;
    o->count = -1;
    o->maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (arg_is(c->argv[j], "rank") && more) {
            if (arg_ll(c, c->argv[++j], &o->rank, NULL) < 0) return -1;
            if (o->rank == 0) {
                reply_error(c, ERR_RANK_ZERO);
                return -1;
            }
        } else if (arg_is(c->argv[j], "count") && more) {
            if (arg_nonneg(c, c->argv[++j], &o->count, "ERR COUNT can't be negative") < 0) return -1;
        } else if (arg_is(c->argv[j], "maxlen") && more) {
            if (arg_nonneg(c, c->argv[++j], &o->maxlen, "ERR MAXLEN can't be negative") < 0) return -1;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

static void lpos_cmd(kv_client *c) {
    lpos_opts opt;
    kv_obj *o;
    if (parse_lpos(c, &opt) < 0) return;
    int dir = QL_TAIL; /* head to tail */
    if (opt.rank < 0) {
        dir = QL_HEAD;
        /* Redis negates the rank; LLONG_MIN stays negative there and every
         * match then qualifies: the first one from the tail. */
        opt.rank = opt.rank == LLONG_MIN ? 1 : -opt.rank;
    }
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        if (opt.count != -1) reply_empty_array(c);
        else reply_null(c);
        return;
    }
    quicklist *ql = ql_of(o);
    sds ele = c->argv[2];
    long long llen = (long long)ql_count(ql), index = 0, matches = 0, found = -1, emitted = 0;
    reply_slot slot = 0;
    if (opt.count != -1) slot = reply_defer(c);
    ql_iter it;
    ql_val v;
    ql_iter_init(&it, ql, dir);
    while ((opt.maxlen == 0 || index < opt.maxlen) && ql_iter_next(&it, &v)) {
        if (ql_val_eq(&v, ele, sds_len(ele)) && ++matches >= opt.rank) {
            long long pos = dir == QL_TAIL ? index : llen - index - 1;
            if (opt.count == -1) {
                found = pos;
                break;
            }
            reply_int(c, pos);
            emitted++;
            if (opt.count && matches - opt.rank + 1 >= opt.count) break;
        }
        index++;
    }
    ql_iter_release(&it);
    if (opt.count != -1) reply_set_defer_array(c, slot, (long)emitted);
    else if (found != -1) reply_int(c, found);
    else reply_null(c);
}

/* ---- in-place writes ------------------------------------------------------------ */

static void lset_cmd(kv_client *c) {
    kv_obj *o;
    long long index;
    o = db_lookup_write(c, c->db, c->argv[1]);
    if (!o) {
        reply_error(c, ERR_NO_KEY);
        return;
    }
    if (o->type != OBJ_LIST) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    if (arg_ll(c, c->argv[2], &index, NULL) < 0) return;
    if (!ql_replace_at(ql_of(o), (long)index, c->argv[3], sds_len(c->argv[3]))) {
        reply_error(c, ERR_OUT_OF_RANGE);
        return;
    }
    reply_ok(c);
    list_changed(c, c->argv[1], 1);
}

static void linsert_cmd(kv_client *c) {
    int after;
    kv_obj *o;
    if (arg_is(c->argv[2], "after")) after = 1;
    else if (arg_is(c->argv[2], "before")) after = 0;
    else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (lookup_write(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    quicklist *ql = ql_of(o);
    sds pivot = c->argv[3], ele = c->argv[4];
    ql_iter it;
    ql_val v;
    int inserted = 0;
    ql_iter_init(&it, ql, QL_TAIL);
    while (ql_iter_next(&it, &v)) {
        if (ql_val_eq(&v, pivot, sds_len(pivot))) {
            ql_iter_insert(&it, after, ele, sds_len(ele));
            inserted = 1;
            break;
        }
    }
    ql_iter_release(&it);
    if (!inserted) {
        reply_int(c, -1);
        return;
    }
    list_changed(c, c->argv[1], 1);
    reply_int(c, (long long)ql_count(ql));
}

static void lrem_cmd(kv_client *c) {
    long long toremove, removed = 0;
    kv_obj *o;
    if (arg_ll(c, c->argv[2], &toremove, NULL) < 0) return;
    if (lookup_write(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    sds ele = c->argv[3];
    int dir = toremove < 0 ? QL_HEAD : QL_TAIL;
    /* LLONG_MIN: Redis's negation overflows and it removes every match. */
    unsigned long long limit = toremove == LLONG_MIN ? 0 : (unsigned long long)(toremove < 0 ? -toremove : toremove);
    ql_iter it;
    ql_val v;
    ql_iter_init(&it, ql_of(o), dir);
    while (ql_iter_next(&it, &v)) {
        if (!ql_val_eq(&v, ele, sds_len(ele))) continue;
        ql_iter_delete(&it);
        removed++;
        if (limit && (unsigned long long)removed == limit) break;
    }
    ql_iter_release(&it);
    if (removed) list_changed(c, c->argv[1], removed);
    delete_if_empty(c, c->argv[1], o);
    reply_int(c, removed);
}

static void ltrim_cmd(kv_client *c) {
    long long start, end, ltrim, rtrim;
    kv_obj *o;
    if (arg_ll(c, c->argv[2], &start, NULL) < 0 || arg_ll(c, c->argv[3], &end, NULL) < 0) return;
    if (lookup_write(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_ok(c);
        return;
    }
    quicklist *ql = ql_of(o);
    long long llen = (long long)ql_count(ql);
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
        ltrim = llen;
        rtrim = 0;
    } else {
        if (end >= llen) end = llen - 1;
        ltrim = start;
        rtrim = llen - end - 1;
    }
    ql_del_range(ql, 0, (unsigned long)ltrim);
    ql_del_range(ql, -(long)rtrim, (unsigned long)rtrim);
    delete_if_empty(c, c->argv[1], o);
    list_changed(c, c->argv[1], ltrim + rtrim); /* touched even when nothing was trimmed */
    reply_ok(c);
}

/* ---- LMOVE / RPOPLPUSH and their blocking forms ------------------------------- */

/* Move one element from src (a non-empty list o) to dst and reply it.  The
 * destination's type is checked first (WRONGTYPE, nothing moved).  Returns
 * 0, or -1 after WRONGTYPE. */
static int move_element(kv_client *c, const sds src, kv_obj *o, const sds dst, int from, int to) {
    kv_obj *d = db_lookup_write(c, c->db, dst);
    if (d && d->type != OBJ_LIST) {
        reply_error(c, ERR_WRONGTYPE);
        return -1;
    }
    ql_val v;
    ql_peek(ql_of(o), from, &v);
    sds val = val_to_sds(&v);
    ql_pop_discard(ql_of(o), from);
    d = list_create_if_missing(c, dst, d);
    db_touch_key(c->srv, c->db, dst);
    ql_push(ql_of(d), to, val, sds_len(val));
    reply_bulk_sds(c, val);
    delete_if_empty(c, src, o); /* after the push: src may be dst */
    list_changed(c, src, 1);
    return 0;
}

enum { MOVE_LMOVE, MOVE_BLMOVE, MOVE_RPOPLPUSH, MOVE_BRPOPLPUSH };

/* The propagated form of a move (invariant 3). */
static int move_form(int kind, const sds src, const sds dst, int from, int to, const char **w, sds *a) {
    a[1] = src;
    a[2] = dst;
    w[1] = w[2] = NULL;
    if (kind == MOVE_RPOPLPUSH || kind == MOVE_BRPOPLPUSH) {
        w[0] = "RPOPLPUSH";
        return 3;
    }
    w[0] = "LMOVE";
    w[3] = where_word(from);
    w[4] = where_word(to);
    return 5;
}

static void move_generic(kv_client *c, int kind, int from, int to) {
    kv_obj *o;
    sds src = c->argv[1], dst = c->argv[2];
    if (lookup_write(c, src, &o) < 0) return;
    if (!o || ql_count(ql_of(o)) == 0) {
        reply_null(c);
        return;
    }
    if (move_element(c, src, o, dst, from, to) < 0) return;
    if (kind == MOVE_BLMOVE || kind == MOVE_BRPOPLPUSH) {
        const char *w[5];
        sds a[5] = {NULL, NULL, NULL, NULL, NULL};
        sds s = sds_dup(src), d = sds_dup(dst);
        int n = move_form(kind, s, d, from, to, w, a);
        rewrite(c, n, w, a);
        sds_free(s);
        sds_free(d);
    }
}

static void lmove_cmd(kv_client *c) {
    int from, to;
    if (parse_where(c, c->argv[3], &from) < 0 || parse_where(c, c->argv[4], &to) < 0) return;
    move_generic(c, MOVE_LMOVE, from, to);
}

static void rpoplpush_cmd(kv_client *c) { move_generic(c, MOVE_RPOPLPUSH, QL_TAIL, QL_HEAD); }

/* ---- blocking: the serve callback ------------------------------------------------ */

enum { BLK_POP, BLK_MPOP, BLK_MOVE };

typedef struct list_wait {
    int kind;        /* BLK_* */
    int move_kind;   /* MOVE_BLMOVE / MOVE_BRPOPLPUSH for BLK_MOVE */
    int from, to;    /* QL_HEAD / QL_TAIL */
    long long count; /* BLK_MPOP */
    sds target;      /* BLK_MOVE destination */
} list_wait;

static void list_wait_free(void *p) {
    list_wait *w = p;
    sds_free(w->target);
    mem_free(w);
}

/* blocking_serve_fn for lists (see blocking.h). */
static int list_serve(kv_client *c, const sds key, void *priv) {
    list_wait *w = priv;
    kv_obj *o = db_lookup_write(c, c->db, key);
    if (!o || o->type != OBJ_LIST || ql_count(ql_of(o)) == 0) return 0;
    const char *words[5] = {pop_name(w->from), NULL, NULL, NULL, NULL};
    sds args[5] = {NULL, key, NULL, NULL, NULL};
    if (w->kind == BLK_POP) {
        propagate(c, 2, words, args);
        pop_one_reply(c, key, o, w->from, 1);
    } else if (w->kind == BLK_MPOP) {
        long long llen = (long long)ql_count(ql_of(o));
        sds n = sds_fromll(w->count > llen ? llen : w->count);
        args[2] = n;
        propagate(c, 3, words, args);
        sds_free(n);
        reply_array(c, 2);
        reply_bulk(c, key, sds_len(key));
        pop_range_reply(c, key, o, w->from, w->count);
    } else {
        sds k = sds_dup(key); /* key may die with the source list */
        if (move_element(c, k, o, w->target, w->from, w->to) == 0) {
            int n = move_form(w->move_kind, k, w->target, w->from, w->to, words, args);
            propagate(c, n, words, args);
        }
        sds_free(k);
    }
    return 1;
}

static void block_on(kv_client *c, sds *keys, int nkeys, long long deadline, list_wait *tmpl) {
    list_wait *w = mem_alloc(sizeof(*w));
    *w = *tmpl;
    blocking_block(c, keys, nkeys, deadline, BLOCKED_LIST, list_serve, w, list_wait_free);
}

/* ---- BLPOP BRPOP BLMPOP LMPOP ---------------------------------------------------- */

/* Pop from the first non-empty list among keys (count -1: one element,
 * BLPOP-style reply; else up to count, LMPOP-style).  Returns 1 if it
 * popped (and rewrote the propagation), 0 if every key is missing, -1
 * after WRONGTYPE. */
static int pop_first_ready(kv_client *c, sds *keys, int nkeys, int where, long long count) {
    for (int j = 0; j < nkeys; j++) {
        kv_obj *o;
        sds key = keys[j];
        if (lookup_write(c, key, &o) < 0) return -1;
        if (!o || ql_count(ql_of(o)) == 0) continue;
        sds k = sds_dup(key);
        const char *words[3] = {pop_name(where), NULL, NULL};
        sds args[3] = {NULL, k, NULL};
        if (count == -1) {
            pop_one_reply(c, k, o, where, 1);
            rewrite(c, 2, words, args);
        } else {
            reply_array(c, 2);
            reply_bulk(c, k, sds_len(k));
            args[2] = sds_fromll(pop_range_reply(c, k, o, where, count));
            rewrite(c, 3, words, args);
            sds_free(args[2]);
        }
        sds_free(k);
        return 1;
    }
    return 0;
}

static void bpop_generic(kv_client *c, int where) {
    long long deadline;
    if (blocking_parse_timeout(c, c->argv[c->argc - 1], &deadline) < 0) return;
    int rc = pop_first_ready(c, c->argv + 1, c->argc - 2, where, -1);
    if (rc != 0) return;
    if (c->flags & CLIENT_DENY_BLOCKING) {
        reply_null_array(c);
        return;
    }
    list_wait w = {BLK_POP, 0, where, 0, 0, NULL};
    block_on(c, c->argv + 1, c->argc - 2, deadline, &w);
}

static void blpop_cmd(kv_client *c) { bpop_generic(c, QL_HEAD); }
static void brpop_cmd(kv_client *c) { bpop_generic(c, QL_TAIL); }

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]; BLMPOP has the
 * timeout before numkeys (numkeys_idx 2). */
static void mpop_generic(kv_client *c, int numkeys_idx, int blocking) {
    long long numkeys, count = -1, deadline = 0;
    int where;
    if (arg_ll_range(c, c->argv[numkeys_idx], 1, LLONG_MAX, &numkeys, "ERR numkeys should be greater than 0") < 0)
        return;
    if (numkeys >= c->argc - numkeys_idx - 1) { /* no room for the direction */
        reply_error(c, ERR_SYNTAX);
        return;
    }
    int where_idx = numkeys_idx + (int)numkeys + 1;
    if (parse_where(c, c->argv[where_idx], &where) < 0) return;
    for (int j = where_idx + 1; j < c->argc; j++) {
        if (count == -1 && arg_is(c->argv[j], "count") && j + 1 < c->argc) {
            if (arg_ll_range(c, c->argv[++j], 1, LLONG_MAX, &count, "ERR count should be greater than 0") < 0)
                return;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (count == -1) count = 1;
    if (blocking && blocking_parse_timeout(c, c->argv[1], &deadline) < 0) return;
    sds *keys = c->argv + numkeys_idx + 1;
    int rc = pop_first_ready(c, keys, (int)numkeys, where, count);
    if (rc != 0) return;
    if (!blocking || (c->flags & CLIENT_DENY_BLOCKING)) {
        reply_null_array(c);
        return;
    }
    list_wait w = {BLK_MPOP, 0, where, 0, count, NULL};
    block_on(c, keys, (int)numkeys, deadline, &w);
}

static void lmpop_cmd(kv_client *c) { mpop_generic(c, 1, 0); }
static void blmpop_cmd(kv_client *c) { mpop_generic(c, 2, 1); }

/* BLMOVE / BRPOPLPUSH: the source only is waited on. */
static void bmove_generic(kv_client *c, int kind, int from, int to, long long deadline) {
    kv_obj *o;
    if (lookup_write(c, c->argv[1], &o) < 0) return;
    if (o && ql_count(ql_of(o)) > 0) {
        move_generic(c, kind, from, to);
        return;
    }
    if (c->flags & CLIENT_DENY_BLOCKING) {
        reply_null(c);
        return;
    }
    list_wait w = {BLK_MOVE, kind, from, to, 0, sds_dup(c->argv[2])};
    block_on(c, c->argv + 1, 1, deadline, &w);
}

static void blmove_cmd(kv_client *c) {
    int from, to;
    long long deadline;
    if (parse_where(c, c->argv[3], &from) < 0 || parse_where(c, c->argv[4], &to) < 0) return;
    if (blocking_parse_timeout(c, c->argv[5], &deadline) < 0) return;
    bmove_generic(c, MOVE_BLMOVE, from, to, deadline);
}

static void brpoplpush_cmd(kv_client *c) {
    long long deadline;
    if (blocking_parse_timeout(c, c->argv[3], &deadline) < 0) return;
    bmove_generic(c, MOVE_BRPOPLPUSH, QL_TAIL, QL_HEAD, deadline);
}

/* ---- the table ---------------------------------------------------------------------- */

#define W (CMD_WRITE)
#define WD (CMD_WRITE | CMD_DENYOOM)
#define RO (CMD_READONLY)
#define PUSH_CX                                                                                     \
    "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
#define POP_CX "O(N) where N is the number of elements returned"
#define MPOP_CX "O(N+M) where N is the number of provided keys and M is the number of elements returned."
#define BMOVE_SUM "Pop an element from a list, push it to another list and return it; or block until one is available"

#define LROW(name, fn, arity, flags, fk, lk, step, since, summary, cx, args) \
    {name, fn, arity, flags, fk, lk, step, "list", since, summary, cx, args, NULL}

const kv_command cmd_table_list[] = {
    LROW("lpush", lpush_cmd, -3, WD | CMD_FAST, 1, 1, 1, "1.0.0", "Prepend one or multiple elements to a list",
         PUSH_CX, "key element [element ...]"),
    LROW("rpush", rpush_cmd, -3, WD | CMD_FAST, 1, 1, 1, "1.0.0", "Append one or multiple elements to a list",
         PUSH_CX, "key element [element ...]"),
    LROW("lpushx", lpushx_cmd, -3, WD | CMD_FAST, 1, 1, 1, "2.2.0",
         "Prepend an element to a list, only if the list exists", PUSH_CX, "key element [element ...]"),
    LROW("rpushx", rpushx_cmd, -3, WD | CMD_FAST, 1, 1, 1, "2.2.0",
         "Append an element to a list, only if the list exists", PUSH_CX, "key element [element ...]"),
    LROW("lpop", lpop_cmd, -2, W | CMD_FAST, 1, 1, 1, "1.0.0", "Remove and get the first elements in a list", POP_CX,
         "key [count]"),
    LROW("rpop", rpop_cmd, -2, W | CMD_FAST, 1, 1, 1, "1.0.0", "Remove and get the last elements in a list", POP_CX,
         "key [count]"),
    LROW("llen", llen_cmd, 2, RO | CMD_FAST, 1, 1, 1, "1.0.0", "Get the length of a list", "O(1)", "key"),
    LROW("lrange", lrange_cmd, 4, RO, 1, 1, 1, "1.0.0", "Get a range of elements from a list",
         "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or "
         "TAIL) for large lists; and N is the number of elements in the specified range.",
         "key start stop"),
    LROW("lindex", lindex_cmd, 3, RO, 1, 1, 1, "1.0.0", "Get an element from a list by its index",
         "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking "
         "for the first or the last element of the list O(1).",
         "key index"),
    LROW("lset", lset_cmd, 4, WD, 1, 1, 1, "1.0.0", "Set the value of an element in a list by its index",
         "O(N) where N is the length of the list. Setting either the first or the last element of the list is "
         "O(1).",
         "key index element"),
    LROW("linsert", linsert_cmd, 5, WD, 1, 1, 1, "2.2.0", "Insert an element before or after another element in a list",
         "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that "
         "inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere "
         "on the right end (tail) is O(N).",
         "key (BEFORE|AFTER) pivot element"),
    LROW("lrem", lrem_cmd, 4, W, 1, 1, 1, "1.0.0", "Remove elements from a list",
         "O(N+M) where N is the length of the list and M is the number of elements removed.", "key count element"),
    LROW("ltrim", ltrim_cmd, 4, W, 1, 1, 1, "1.0.0", "Trim a list to the specified range",
         "O(N) where N is the number of elements to be removed by the operation.", "key start stop"),
    LROW("lpos", lpos_cmd, -3, RO, 1, 1, 1, "6.0.6", "Return the index of matching elements on a list",
         "O(N) where N is the number of elements in the list, for the average case. When searching for elements "
         "near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in "
         "constant time.",
         "key element [RANK rank] [COUNT num-matches] [MAXLEN len]"),
    LROW("lmove", lmove_cmd, 5, WD, 1, 2, 1, "6.2.0",
         "Pop an element from a list, push it to another list and return it", "O(1)",
         "source destination (LEFT|RIGHT) (LEFT|RIGHT)"),
    LROW("rpoplpush", rpoplpush_cmd, 3, WD, 1, 2, 1, "1.2.0",
         "Remove the last element in a list, prepend it to another list and return it", "O(1)",
         "source destination"),
    LROW("lmpop", lmpop_cmd, -4, W | CMD_MOVABLE_KEYS, 0, 0, 0, "7.0.0", "Pop elements from a list", MPOP_CX,
         "numkeys key [key ...] (LEFT|RIGHT) [COUNT count]"),
    LROW("blpop", blpop_cmd, -3, W | CMD_NOSCRIPT | CMD_BLOCKING, 1, -2, 1, "2.0.0",
         "Remove and get the first element in a list, or block until one is available",
         "O(N) where N is the number of provided keys.", "key [key ...] timeout"),
    LROW("brpop", brpop_cmd, -3, W | CMD_NOSCRIPT | CMD_BLOCKING, 1, -2, 1, "2.0.0",
         "Remove and get the last element in a list, or block until one is available",
         "O(N) where N is the number of provided keys.", "key [key ...] timeout"),
    LROW("brpoplpush", brpoplpush_cmd, 4, WD | CMD_NOSCRIPT | CMD_BLOCKING, 1, 2, 1, "2.2.0", BMOVE_SUM, "O(1)",
         "source destination timeout"),
    LROW("blmove", blmove_cmd, 6, WD | CMD_NOSCRIPT | CMD_BLOCKING, 1, 2, 1, "6.2.0", BMOVE_SUM, "O(1)",
         "source destination (LEFT|RIGHT) (LEFT|RIGHT) timeout"),
    LROW("blmpop", blmpop_cmd, -5, W | CMD_BLOCKING | CMD_MOVABLE_KEYS, 0, 0, 0, "7.0.0",
         "Pop elements from a list, or block until one is available", MPOP_CX,
         "timeout numkeys key [key ...] (LEFT|RIGHT) [COUNT count]"),
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
