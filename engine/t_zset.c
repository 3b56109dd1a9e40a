/*
 * engine/t_zset.c — the sorted-set type and the Redis 7.0 zset commands:
 * ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT
 * ZRANGE ZRANGESTORE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX
 * ZREVRANGEBYLEX ZREVRANGE ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX
 * ZPOPMIN ZPOPMAX ZMPOP BZPOPMIN BZPOPMAX BZMPOP ZRANDMEMBER ZUNION ZINTER
 * ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD ZSCAN.  SORT and
 * SORT_RO live in sort.c; their rows are at the end of cmd_table_zset.
 *
 * Layout (see t_zset.h for the two encodings):
 *   - "lpz_"  member,score pairs in a listpack: sorted insert, find, the
 *     first/last pair of a score or lex range, range deletions;
 *   - "zs_"   the encoding-independent object layer (add with Redis's
 *     NX/XX/GT/LT/INCR rules, delete, rank, conversion, dup) and "zpos",
 *     a cursor that walks either encoding in both directions;
 *   - commands, grouped as in Redis's t_zset.c, then the command table.
 *
 * Invariants:
 *  (1) a listpack zset is sorted by (score, member bytes) and its scores are
 *      stored exactly as Redis 7.0 stores them (t_zset.h), so its bytes are
 *      Redis's for the same contents;
 *  (2) a skiplist zset's dict and skiplist hold the same members; the dict
 *      key is the node's member sds (owned by the node, freed with it) and
 *      the value is the node, so a dict entry is always removed before its
 *      node is freed;
 *  (3) conversions happen where Redis 7.0 converts: listpack -> skiplist
 *      before an insert would exceed zset-max-listpack-entries / -value (or
 *      LP_SAFETY_SIZE); a new key starts as a skiplist when its first
 *      member is already too long; ZRANGESTORE builds its result from an
 *      empty listpack like ZADD; ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE give
 *      their result the encoding it fits (Redis builds a skiplist, then
 *      converts); zset_obj_fit() for loaders; SORT converts its input to a
 *      skiplist, as Redis does.  Nothing else converts back;
 *  (4) the keyspace never holds an empty zset; every change calls
 *      db_touch_key() and adds Redis's count to srv->dirty, so the default
 *      propagation (argv as is) applies exactly when something changed;
 *  (5) propagation is replayable: ZADD, ZINCRBY, ZPOPMIN, ZPOPMAX and the
 *      STORE variants are deterministic given the stream and go as typed;
 *      ZMPOP and the blocking pops served at once become ZPOPMIN/ZPOPMAX
 *      key [count]; pops served to a blocked client later are propagated
 *      the same way.
 *
 * Reply bytes, error texts and the order in which arguments are checked
 * follow redis-server 7.0.15 (parse options, parse ranges, then look the key
 * up, as Redis does command by command).  Scores are replied with
 * reply_double (%.17g, inf, -inf); ZSCAN prints skiplist scores with %.17g
 * and listpack scores as stored (t_zset.h), as Redis does.
 *
 * Differences from Redis 7.0: none known in replies for a given
 * skiplist shape.  The skiplist draws its node levels from its own
 * generator; results that depend on them differ, as they do between two
 * Redis processes: lex ranges on a skiplist zset whose members are not in
 * lex order (mixed scores: the walk that finds a range's first element is
 * only meaningful on sorted members).  ZRANDMEMBER and ZSCAN of a skiplist
 * zset follow our hash and random orders.  Like Redis 7.0.15, ZRANDMEMBER
 * with a huge negative count tries to build the whole reply.
 */
#include "t_zset.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "blocking.h"
#include "cmd.h"
#include "db.h"
#include "debug.h"
#include "dict.h"
#include "mem.h"
#include "reply.h"
#include "server.h"
#include "skiplist.h"
#include "t_set.h"
#include "util.h"

#define ERR_NAN "ERR resulting score is not a number (NaN)"
#define ERR_MINMAX "ERR min or max is not a float"
#define ERR_LEXRANGE "ERR min or max not valid string range item"
#define ERR_POSITIVE "ERR value is out of range, must be positive"

/* Redis's double2ll window: integral scores in [-2^62, 2^62] are listpack
 * integers. */
#define SCORE_LL_MAX 4611686018427387904.0

typedef struct zset {
    dict *dict; /* member sds (the node's) -> zsl_node* */
    zsl *zsl;
} zset;

static const dict_type zset_dict_type = {dict_sds_hash, NULL, dict_sds_eq, NULL, NULL};

static zset_limits default_limits = {128, 64};

zset_limits zset_limits_of(const strata_config *cfg) {
    zset_limits l = {(size_t)cfg->zset_max_listpack_entries, (size_t)cfg->zset_max_listpack_value};
    return l;
}

/* A private generator for ZRANDMEMBER (no need for crypto quality). */
static uint64_t rng_state;

static uint64_t rng_next(void) {
    if (!rng_state) {
        util_random_bytes(&rng_state, sizeof(rng_state));
        rng_state |= 1;
    }
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned long rng_below(unsigned long n) { return n ? (unsigned long)(rng_next() % n) : 0; }

/* ==== scores in listpacks ================================================= */

static int score_to_ll(double d, long long *out) {
    if (d < -SCORE_LL_MAX || d > SCORE_LL_MAX) return 0;
    long long ll = (long long)d;
    if ((double)ll != d) return 0;
    *out = ll;
    return 1;
}

int zset_score_text(double score, char *buf) {
    long long ll;
    if (score_to_ll(score, &ll)) return ll_to_str(buf, 32, ll);
    return d_to_str(buf, 32, score);
}

/* The score of a listpack entry (Redis's zzlGetScore: strtod of at most
 * 127 bytes of a string entry). */
static double lp_score(const unsigned char *sptr) {
    size_t len;
    long long v;
    unsigned char *s = lp_get(sptr, &len, &v);
    if (!s) return (double)v;
    char buf[128];
    if (len > sizeof(buf) - 1) len = sizeof(buf) - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return strtod(buf, NULL);
}

/* A listpack entry as text: its bytes, or an integer formatted into buf. */
static const char *lp_text(const unsigned char *p, unsigned char *buf, size_t *len) {
    return (const char *)lp_get_str(p, len, buf);
}

static int lp_entry_cmp(const unsigned char *p, const char *s, size_t len) {
    unsigned char buf[LP_INTBUF_SIZE];
    size_t elen;
    const char *e = lp_text(p, buf, &elen);
    return zsl_memcmp(e, elen, s, len);
}

/* ==== member,score pairs in a listpack ("lpz") ============================ */

static unsigned long lpz_length(const unsigned char *lp) { return lp_length(lp) / 2; }

/* The member position of the pair holding m, and its score; NULL when m is
 * absent. */
static unsigned char *lpz_find(const unsigned char *lp, const char *m, size_t len, double *score) {
    unsigned char *e = lp_first(lp);
    if (!e) return NULL;
    e = lp_find(lp, e, m, len, 1);
    if (e && score) *score = lp_score(lp_next(lp, e));
    return e;
}

/* Inserts the pair before the member at eptr (NULL: at the end). */
static unsigned char *lpz_insert_at(unsigned char *lp, unsigned char *eptr, const char *m, size_t len,
                                    double score) {
    long long ll;
    char buf[32];
    int n = 0, isll = score_to_ll(score, &ll);
    if (!isll) n = d_to_str(buf, sizeof(buf), score);
    if (!eptr) {
        lp = lp_append(lp, m, len);
        return isll ? lp_append_int(lp, ll) : lp_append(lp, buf, (size_t)n);
    }
    unsigned char *np;
    lp = lp_insert(lp, eptr, LP_BEFORE, m, len, &np);
    return isll ? lp_insert_int(lp, np, LP_AFTER, ll, NULL) : lp_insert(lp, np, LP_AFTER, buf, (size_t)n, NULL);
}

/* Sorted insert of a member known to be absent. */
static unsigned char *lpz_insert(unsigned char *lp, const char *m, size_t len, double score) {
    unsigned char *e = lp_first(lp);
    while (e) {
        unsigned char *s = lp_next(lp, e);
        double cur = lp_score(s);
        if (cur > score || (cur == score && lp_entry_cmp(e, m, len) > 0)) return lpz_insert_at(lp, e, m, len, score);
        e = lp_next(lp, s);
    }
    return lpz_insert_at(lp, NULL, m, len, score);
}

static unsigned char *lpz_delete(unsigned char *lp, unsigned char *eptr) {
    return lp_delete_range_at(lp, &eptr, 2);
}

/* The member before the one at eptr, or NULL. */
static unsigned char *lpz_prev(const unsigned char *lp, const unsigned char *eptr) {
    unsigned char *s = lp_prev(lp, eptr);
    return s ? lp_prev(lp, s) : NULL;
}

static unsigned char *lpz_next(const unsigned char *lp, const unsigned char *eptr) {
    return lp_next(lp, lp_next(lp, eptr));
}

static unsigned char *lpz_last(const unsigned char *lp) { return lp_seek(lp, -2); }

static int lpz_in_range(const unsigned char *lp, const zsl_range *r) {
    if (zsl_range_empty(r)) return 0;
    unsigned char *e = lp_last(lp);
    if (!e || !zsl_gte_min(lp_score(e), r)) return 0;
    e = lp_seek(lp, 1);
    return e && zsl_lte_max(lp_score(e), r);
}

static unsigned char *lpz_first_in_range(const unsigned char *lp, const zsl_range *r) {
    if (!lpz_in_range(lp, r)) return NULL;
    for (unsigned char *e = lp_first(lp); e; e = lpz_next(lp, e)) {
        double s = lp_score(lp_next(lp, e));
        if (zsl_gte_min(s, r)) return zsl_lte_max(s, r) ? e : NULL;
    }
    return NULL;
}

static unsigned char *lpz_last_in_range(const unsigned char *lp, const zsl_range *r) {
    if (!lpz_in_range(lp, r)) return NULL;
    for (unsigned char *e = lpz_last(lp); e; e = lpz_prev(lp, e)) {
        double s = lp_score(lp_next(lp, e));
        if (zsl_lte_max(s, r)) return zsl_gte_min(s, r) ? e : NULL;
    }
    return NULL;
}

static int lp_lex_gte_min(const unsigned char *e, const zsl_lexrange *r) {
    unsigned char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *p = lp_text(e, buf, &len);
    return zsl_lex_gte_min(p, len, r);
}

static int lp_lex_lte_max(const unsigned char *e, const zsl_lexrange *r) {
    unsigned char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *p = lp_text(e, buf, &len);
    return zsl_lex_lte_max(p, len, r);
}

static int lpz_in_lex(const unsigned char *lp, const zsl_lexrange *r) {
    if (zsl_lexrange_empty(r)) return 0;
    unsigned char *e = lpz_last(lp);
    if (!e || !lp_lex_gte_min(e, r)) return 0;
    e = lp_first(lp);
    return e && lp_lex_lte_max(e, r);
}

static unsigned char *lpz_first_in_lex(const unsigned char *lp, const zsl_lexrange *r) {
    if (!lpz_in_lex(lp, r)) return NULL;
    for (unsigned char *e = lp_first(lp); e; e = lpz_next(lp, e))
        if (lp_lex_gte_min(e, r)) return lp_lex_lte_max(e, r) ? e : NULL;
    return NULL;
}

static unsigned char *lpz_last_in_lex(const unsigned char *lp, const zsl_lexrange *r) {
    if (!lpz_in_lex(lp, r)) return NULL;
    for (unsigned char *e = lpz_last(lp); e; e = lpz_prev(lp, e))
        if (lp_lex_lte_max(e, r)) return lp_lex_gte_min(e, r) ? e : NULL;
    return NULL;
}

static unsigned char *lpz_delete_score_range(unsigned char *lp, const zsl_range *r, unsigned long *deleted) {
    unsigned char *e = lpz_first_in_range(lp, r);
    *deleted = 0;
    while (e && zsl_lte_max(lp_score(lp_next(lp, e)), r)) {
        lp = lp_delete_range_at(lp, &e, 2);
        (*deleted)++;
    }
    return lp;
}

static unsigned char *lpz_delete_lex_range(unsigned char *lp, const zsl_lexrange *r, unsigned long *deleted) {
    unsigned char *e = lpz_first_in_lex(lp, r);
    *deleted = 0;
    while (e && lp_lex_lte_max(e, r)) {
        lp = lp_delete_range_at(lp, &e, 2);
        (*deleted)++;
    }
    return lp;
}

/* ==== the object layer ("zs") ============================================== */

static zset *zset_new(void) {
    zset *zs = mem_alloc(sizeof(*zs));
    zs->dict = dict_create(&zset_dict_type);
    zs->zsl = zsl_create();
    return zs;
}

static void zset_free(zset *zs) {
    dict_release(zs->dict); /* keys belong to the nodes */
    zsl_free(zs->zsl);
    mem_free(zs);
}

static unsigned long zs_len(const kv_obj *o) {
    if (o->enc == OBJ_ENC_LISTPACK) return lpz_length(o->ptr);
    return ((const zset *)o->ptr)->zsl->length;
}

/* Adds a member known to be absent to a skiplist zset; takes ele. */
static zsl_node *zset_insert(zset *zs, double score, sds ele) {
    zsl_node *n = zsl_insert(zs->zsl, score, ele);
    dict_add(zs->dict, ele, n);
    return n;
}

static zsl_node *zset_find(const zset *zs, const sds m) { return dict_fetch_value(zs->dict, m); }

static void lp_to_skiplist(kv_obj *o) {
    unsigned char *lp = o->ptr;
    zset *zs = zset_new();
    dict_expand(zs->dict, lpz_length(lp));
    /* From the end: every insert then stops at the head, O(1). */
    for (unsigned char *e = lpz_last(lp); e; e = lpz_prev(lp, e)) {
        unsigned char buf[LP_INTBUF_SIZE];
        size_t len;
        const char *p = lp_text(e, buf, &len);
        zset_insert(zs, lp_score(lp_next(lp, e)), sds_newlen(p, len));
    }
    lp_free(lp);
    o->ptr = zs;
    o->enc = OBJ_ENC_SKIPLIST;
}

static void skiplist_to_lp(kv_obj *o) {
    zset *zs = o->ptr;
    unsigned char *lp = lp_new();
    for (zsl_node *n = zs->zsl->header->level[0].forward; n; n = n->level[0].forward)
        lp = lpz_insert_at(lp, NULL, n->ele, sds_len(n->ele), n->score);
    zset_free(zs);
    o->ptr = lp;
    o->enc = OBJ_ENC_LISTPACK;
}

void zset_obj_convert(kv_obj *o, int enc) {
    if (o->enc == enc) return;
    if (enc == OBJ_ENC_SKIPLIST) lp_to_skiplist(o);
    else skiplist_to_lp(o);
}

/* ZADD input flags and outcome flags (Redis's ZADD_IN_* / ZADD_OUT_*). */
#define ZIN_INCR (1 << 0)
#define ZIN_NX (1 << 1)
#define ZIN_XX (1 << 2)
#define ZIN_GT (1 << 3)
#define ZIN_LT (1 << 4)
#define ZOUT_NOP (1 << 0)
#define ZOUT_ADDED (1 << 1)
#define ZOUT_UPDATED (1 << 2)

/* The update rules shared by both encodings for an existing member with
 * score cur.  Returns 0 on a NaN increment, else 1 with *score the new
 * score and *out ZOUT_NOP when nothing is to be done. */
static int zs_update_rules(int flags, double cur, double *score, int *out) {
    if (flags & ZIN_NX) {
        *out |= ZOUT_NOP;
        return 1;
    }
    if (flags & ZIN_INCR) {
        *score += cur;
        if (isnan(*score)) return 0;
    }
    if (((flags & ZIN_LT) && *score >= cur) || ((flags & ZIN_GT) && *score <= cur)) *out |= ZOUT_NOP;
    return 1;
}

/* Adds or updates m[0..len) as Redis's zsetAdd: returns 0 on NaN (the
 * score, or an increment producing it), else 1 with *out telling what
 * happened and *newscore (if not NULL and something was done) the score. */
static int zs_add(kv_obj *o, const zset_limits *lim, double score, const sds m, int flags, int *out,
                  double *newscore) {
    size_t len = sds_len(m);
    double cur;
    *out = 0;
    if (isnan(score)) return 0;
    if (o->enc == OBJ_ENC_LISTPACK) {
        unsigned char *e = lpz_find(o->ptr, m, len, &cur);
        if (e) {
            if (!zs_update_rules(flags, cur, &score, out)) return 0;
            if (*out & ZOUT_NOP) return 1;
            if (newscore) *newscore = score;
            if (score != cur) {
                o->ptr = lpz_delete(o->ptr, e);
                o->ptr = lpz_insert(o->ptr, m, len, score);
                *out |= ZOUT_UPDATED;
            }
            return 1;
        }
        if (flags & ZIN_XX) {
            *out |= ZOUT_NOP;
            return 1;
        }
        if (lpz_length(o->ptr) + 1 <= lim->max_entries && len <= lim->max_value && lp_safe_to_add(o->ptr, len)) {
            o->ptr = lpz_insert(o->ptr, m, len, score);
            if (newscore) *newscore = score;
            *out |= ZOUT_ADDED;
            return 1;
        }
        lp_to_skiplist(o);
    }
    zset *zs = o->ptr;
    zsl_node *n = zset_find(zs, m);
    if (n) {
        cur = n->score;
        if (!zs_update_rules(flags, cur, &score, out)) return 0;
        if (*out & ZOUT_NOP) return 1;
        if (newscore) *newscore = score;
        if (score != cur) {
            dict_entry *de = dict_find(zs->dict, n->ele);
            zsl_node *moved = zsl_update_score(zs->zsl, cur, n->ele, score);
            de->v.val = moved;
            *out |= ZOUT_UPDATED;
        }
        return 1;
    }
    if (flags & ZIN_XX) {
        *out |= ZOUT_NOP;
        return 1;
    }
    zset_insert(zs, score, sds_newlen(m, len));
    if (newscore) *newscore = score;
    *out |= ZOUT_ADDED;
    return 1;
}

/* Removes a member from a skiplist zset; 1 if it was there. */
static int zset_remove(zset *zs, const sds m) {
    dict_entry *de = dict_unlink(zs->dict, m);
    if (!de) return 0;
    zsl_node *n = de->v.val;
    dict_free_unlinked(zs->dict, de);
    zsl_delete(zs->zsl, n->score, n->ele, sds_len(n->ele), NULL);
    return 1;
}

static int zs_del(kv_obj *o, const sds m) {
    if (o->enc == OBJ_ENC_LISTPACK) {
        unsigned char *e = lpz_find(o->ptr, m, sds_len(m), NULL);
        if (!e) return 0;
        o->ptr = lpz_delete(o->ptr, e);
        return 1;
    }
    zset *zs = o->ptr;
    if (!zset_remove(zs, m)) return 0;
    dict_shrink_if_needed(zs->dict);
    return 1;
}

static int zs_score(const kv_obj *o, const sds m, double *score) {
    if (o->enc == OBJ_ENC_LISTPACK) return lpz_find(o->ptr, m, sds_len(m), score) ? 1 : 0;
    zsl_node *n = zset_find(o->ptr, m);
    if (!n) return 0;
    *score = n->score;
    return 1;
}

/* 0-based rank (from the top with reverse), -1 when absent. */
static long zs_rank(const kv_obj *o, const sds m, int reverse) {
    unsigned long llen = zs_len(o), rank = 0;
    if (o->enc == OBJ_ENC_LISTPACK) {
        unsigned char *lp = o->ptr, *e;
        for (e = lp_first(lp); e; e = lpz_next(lp, e)) {
            rank++;
            if (lp_compare(e, m, sds_len(m))) break;
        }
        if (!e) return -1;
    } else {
        zset *zs = o->ptr;
        zsl_node *n = zset_find(zs, m);
        if (!n) return -1;
        rank = zsl_rank(zs->zsl, n->score, n->ele, sds_len(n->ele));
    }
    return reverse ? (long)(llen - rank) : (long)(rank - 1);
}

/* ==== zpos: a cursor over either encoding ================================= */

typedef struct zpos {
    const kv_obj *o;
    unsigned char *eptr; /* listpack member, NULL at the end */
    zsl_node *node;      /* skiplist node, NULL at the end */
} zpos;

static int zpos_ok(const zpos *p) { return p->o->enc == OBJ_ENC_LISTPACK ? p->eptr != NULL : p->node != NULL; }

static void zpos_step(zpos *p, int reverse) {
    if (p->o->enc == OBJ_ENC_LISTPACK) p->eptr = reverse ? lpz_prev(p->o->ptr, p->eptr) : lpz_next(p->o->ptr, p->eptr);
    else p->node = reverse ? p->node->backward : p->node->level[0].forward;
}

static double zpos_score(const zpos *p) {
    return p->o->enc == OBJ_ENC_LISTPACK ? lp_score(lp_next(p->o->ptr, p->eptr)) : p->node->score;
}

static const char *zpos_member(const zpos *p, unsigned char *buf, size_t *len) {
    if (p->o->enc == OBJ_ENC_LISTPACK) return lp_text(p->eptr, buf, len);
    *len = sds_len(p->node->ele);
    return p->node->ele;
}

/* Positioned at 0-based rank r counted from the start of the walk. */
static void zpos_at_rank(zpos *p, const kv_obj *o, unsigned long r, int reverse) {
    unsigned long llen = zs_len(o);
    p->o = o;
    p->eptr = NULL;
    p->node = NULL;
    if (r >= llen) return;
    if (o->enc == OBJ_ENC_LISTPACK) {
        p->eptr = lp_seek(o->ptr, reverse ? -2 - 2 * (long)r : 2 * (long)r);
        return;
    }
    zset *zs = o->ptr;
    if (r == 0) p->node = reverse ? zs->zsl->tail : zs->zsl->header->level[0].forward;
    else p->node = zsl_by_rank(zs->zsl, reverse ? llen - r : r + 1);
}

static void zpos_at_score(zpos *p, const kv_obj *o, const zsl_range *r, int reverse) {
    p->o = o;
    p->eptr = NULL;
    p->node = NULL;
    if (o->enc == OBJ_ENC_LISTPACK)
        p->eptr = reverse ? lpz_last_in_range(o->ptr, r) : lpz_first_in_range(o->ptr, r);
    else p->node = reverse ? zsl_last_in_range(((zset *)o->ptr)->zsl, r) : zsl_first_in_range(((zset *)o->ptr)->zsl, r);
}

static void zpos_at_lex(zpos *p, const kv_obj *o, const zsl_lexrange *r, int reverse) {
    p->o = o;
    p->eptr = NULL;
    p->node = NULL;
    if (o->enc == OBJ_ENC_LISTPACK) p->eptr = reverse ? lpz_last_in_lex(o->ptr, r) : lpz_first_in_lex(o->ptr, r);
    else p->node = reverse ? zsl_last_in_lex(((zset *)o->ptr)->zsl, r) : zsl_first_in_lex(((zset *)o->ptr)->zsl, r);
}

static int zpos_lex_gte_min(const zpos *p, const zsl_lexrange *r) {
    unsigned char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = zpos_member(p, buf, &len);
    return zsl_lex_gte_min(m, len, r);
}

static int zpos_lex_lte_max(const zpos *p, const zsl_lexrange *r) {
    unsigned char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = zpos_member(p, buf, &len);
    return zsl_lex_lte_max(m, len, r);
}

/* ==== public object API ===================================================== */

kv_obj *zset_obj_new(void) { return obj_new(OBJ_ZSET, OBJ_ENC_LISTPACK, lp_new()); }

kv_obj *zset_obj_new_skiplist(size_t n) {
    zset *zs = zset_new();
    if (n) dict_expand(zs->dict, n);
    return obj_new(OBJ_ZSET, OBJ_ENC_SKIPLIST, zs);
}

int zset_obj_add(kv_obj *o, const void *member, size_t len, double score) {
    zset_limits lim = {SIZE_MAX, SIZE_MAX};
    int out, ok;
    sds m = sds_newlen(member, len);
    ok = zs_add(o, &lim, score, m, 0, &out, NULL);
    sds_free(m);
    if (!ok) return -1;
    return (out & ZOUT_ADDED) ? 1 : 0;
}

void zset_obj_fit(kv_obj *o, const zset_limits *lim) {
    if (!lim) lim = &default_limits;
    size_t maxlen = 0, total = 0;
    zset_iter it;
    const char *m;
    size_t len;
    double score;
    zset_iter_init(&it, o, 0, 0);
    while (zset_iter_next(&it, &m, &len, &score)) {
        if (len > maxlen) maxlen = len;
        total += len;
    }
    int fits = zs_len(o) <= lim->max_entries && maxlen <= lim->max_value && lp_safe_to_add(NULL, total);
    zset_obj_convert(o, fits ? OBJ_ENC_LISTPACK : OBJ_ENC_SKIPLIST);
}

/* Checks a listpack from outside: pairs, distinct members, numeric scores
 * in order. */
static int lpz_valid(const unsigned char *lp) {
    if (lp_length(lp) % 2 || lp_check_unique(lp, 2) < 0) return 0;
    unsigned char *prev = NULL;
    double prevscore = 0;
    for (unsigned char *e = lp_first(lp); e; e = lpz_next(lp, e)) {
        unsigned char *s = lp_next(lp, e);
        size_t len;
        long long v;
        unsigned char *str = lp_get(s, &len, &v);
        if (str) {
            char buf[128], *end;
            if (len == 0 || len > sizeof(buf) - 1) return 0;
            memcpy(buf, str, len);
            buf[len] = '\0';
            double d = strtod(buf, &end);
            if (*end || isnan(d)) return 0;
        }
        double score = lp_score(s);
        if (prev) {
            unsigned char pbuf[LP_INTBUF_SIZE];
            size_t plen;
            const char *pm = lp_text(prev, pbuf, &plen);
            if (prevscore > score || (prevscore == score && lp_entry_cmp(e, pm, plen) <= 0)) return 0;
        }
        prev = e;
        prevscore = score;
    }
    return 1;
}

kv_obj *zset_obj_from_listpack(unsigned char *lp) {
    if (!lpz_valid(lp)) return NULL;
    return obj_new(OBJ_ZSET, OBJ_ENC_LISTPACK, lp);
}

unsigned long zset_obj_length(const kv_obj *o) { return zs_len(o); }

int zset_obj_score(const kv_obj *o, const void *member, size_t len, double *score) {
    sds m = sds_newlen(member, len);
    int found = zs_score(o, m, score);
    sds_free(m);
    return found ? 0 : -1;
}

void zset_iter_init(zset_iter *it, const kv_obj *o, unsigned long start, int reverse) {
    zpos p;
    zpos_at_rank(&p, o, start, reverse);
    it->o = o;
    it->reverse = reverse;
    it->eptr = p.eptr;
    it->node = p.node;
}

int zset_iter_next(zset_iter *it, const char **member, size_t *len, double *score) {
    zpos p = {it->o, it->eptr, it->node};
    if (!zpos_ok(&p)) return 0;
    *member = zpos_member(&p, it->buf, len);
    *score = zpos_score(&p);
    zpos_step(&p, it->reverse);
    it->eptr = p.eptr;
    it->node = p.node;
    return 1;
}

/* ==== type registration: free, dup, mem, digest ============================ */

static void zset_type_free(kv_obj *o) {
    if (o->enc == OBJ_ENC_LISTPACK) lp_free(o->ptr);
    else zset_free(o->ptr);
}

static kv_obj *zset_type_dup(const kv_obj *o) {
    if (o->enc == OBJ_ENC_LISTPACK) return obj_new(OBJ_ZSET, OBJ_ENC_LISTPACK, lp_dup(o->ptr));
    const zset *src = o->ptr;
    kv_obj *d = zset_obj_new_skiplist(dict_size(src->dict));
    for (zsl_node *n = src->zsl->tail; n; n = n->backward) zset_insert(d->ptr, n->score, sds_dup(n->ele));
    return d;
}

static size_t zset_type_mem(const kv_obj *o) {
    if (o->enc == OBJ_ENC_LISTPACK) return lp_bytes(o->ptr);
    const zset *zs = o->ptr;
    size_t n = sizeof(*zs) + zsl_mem(zs->zsl) + dict_buckets(zs->dict) * sizeof(void *) +
               dict_size(zs->dict) * sizeof(dict_entry);
    for (zsl_node *x = zs->zsl->header->level[0].forward; x; x = x->level[0].forward) n += sds_alloc_size(x->ele);
    return n;
}

static void put_u64be(sha1_ctx *x, uint64_t v) {
    unsigned char b[8];
    for (int i = 7; i >= 0; i--, v >>= 8) b[i] = (unsigned char)v;
    sha1_update(x, b, 8);
}

/* V(zset) = u64be(count), then per element in order u64be(len) member
 * u64be(len) score-text (%.17g, "inf", "-inf"; -0 feeds as "0" so the
 * digest does not depend on the encoding). */
static void zset_type_digest(const kv_obj *o, sha1_ctx *x) {
    zset_iter it;
    const char *m;
    size_t len;
    double score;
    put_u64be(x, zs_len(o));
    zset_iter_init(&it, o, 0, 0);
    while (zset_iter_next(&it, &m, &len, &score)) {
        char buf[32];
        int n = d_to_str(buf, sizeof(buf), score == 0 ? 0.0 : score);
        put_u64be(x, len);
        sha1_update(x, m, len);
        put_u64be(x, (uint64_t)n);
        sha1_update(x, buf, (size_t)n);
    }
}

void zset_module_init(void) {
    static const obj_type_ops ops = {zset_type_free, zset_type_dup, zset_type_mem};
    obj_register_type(OBJ_ZSET, &ops);
    debug_register_digest(OBJ_ZSET, zset_type_digest);
}

/* ==== command helpers ======================================================== */

/* The key's zset for reading (hits/misses counted): 0 with *out set (NULL
 * when missing), or -1 after replying WRONGTYPE. */
static int lookup_read(kv_client *c, const sds key, kv_obj **out) { return db_lookup_typed_read(c, key, OBJ_ZSET, out); }

static int lookup_write(kv_client *c, const sds key, kv_obj **out) { return db_lookup_typed_write(c, key, OBJ_ZSET, out); }

/* Invariant (4). */
static void key_changed(kv_client *c, const sds key, long long changes) { db_key_changed(c, key, changes); }

static zset_limits limits_of(kv_client *c) { return zset_limits_of(c->srv->cfg); }

/* Deletes key when o (its value) became empty; 1 if it did. */
static int delete_if_empty(kv_client *c, const sds key, kv_obj *o) {
    if (zs_len(o)) return 0;
    db_delete(c->srv, c->db, key);
    return 1;
}

/* Stores a non-empty result in dst (replacing any value, dropping the TTL),
 * or deletes dst for an empty one; replies with the length.  Takes o. */
static void store_result(kv_client *c, const sds dst, kv_obj *o) {
    unsigned long n = zs_len(o);
    if (n) {
        db_set(c->srv, c->db, dst, o, 0);
        key_changed(c, dst, 1);
    } else {
        obj_decr_ref(o);
        if (db_delete(c->srv, c->db, dst)) key_changed(c, dst, 1);
    }
    reply_int(c, (long long)n);
}

/* ---- range arguments (Redis's zslParseRange / zslParseLexRange) ----------- */

/* "(" makes an end exclusive; the rest goes through strtod, which must stop
 * at the string's end (a NUL byte ends it too, as in Redis); NaN refused. */
static int parse_score_item(const sds s, double *v, int *ex) {
    const char *p = s;
    char *end;
    *ex = 0;
    if (p[0] == '(') {
        p++;
        *ex = 1;
    }
    double d = strtod(p, &end);
    if (end[0] != '\0' || isnan(d)) return -1;
    *v = d;
    return 0;
}

static int parse_range(const sds min, const sds max, zsl_range *r) {
    if (parse_score_item(min, &r->min, &r->minex) < 0) return -1;
    return parse_score_item(max, &r->max, &r->maxex);
}

static int parse_lex_item(const sds s, zsl_lex_bound *b) {
    b->p = NULL;
    b->len = 0;
    switch (s[0]) {
    case '+':
    case '-':
        if (s[1] != '\0') return -1;
        b->kind = s[0] == '+' ? ZSL_LEX_PLUS : ZSL_LEX_MINUS;
        b->ex = 1;
        return 0;
    case '(':
    case '[':
        b->kind = ZSL_LEX_VALUE;
        b->ex = s[0] == '(';
        b->p = s + 1;
        b->len = sds_len(s) - 1;
        return 0;
    default:
        return -1;
    }
}

static int parse_lexrange(const sds min, const sds max, zsl_lexrange *r) {
    if (parse_lex_item(min, &r->min) < 0) return -1;
    return parse_lex_item(max, &r->max);
}

/* Replies [member, score] as a RESP3 pair or two RESP2 items. */
static void reply_member_score(kv_client *c, const char *m, size_t len, double score, int withscores) {
    if (withscores && c->resp > 2) reply_array(c, 2);
    reply_bulk(c, m, len);
    if (withscores) reply_double(c, score);
}

/* ==== ZADD ZINCRBY ZREM ====================================================== */

/* Parses the option words from argv[2]; returns the index of the first
 * score, flags in *flags, CH in *ch. */
static int zadd_options(kv_client *c, int *flags, int *ch) {
    static const struct {
        const char *name;
        int flag;
    } words[] = {{"nx", ZIN_NX}, {"xx", ZIN_XX}, {"gt", ZIN_GT}, {"lt", ZIN_LT}, {"incr", ZIN_INCR}, {"ch", 0}};
    int idx = 2;
    for (; idx < c->argc; idx++) {
        size_t w = 0;
        while (w < sizeof(words) / sizeof(words[0]) && !arg_is(c->argv[idx], words[w].name)) w++;
        if (w == sizeof(words) / sizeof(words[0])) break;
        if (words[w].flag) *flags |= words[w].flag;
        else *ch = 1;
    }
    return idx;
}

static int zadd_check(kv_client *c, int flags, int elements) {
    if (elements % 2 || !elements) {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    if ((flags & ZIN_NX) && (flags & ZIN_XX)) {
        reply_error(c, "ERR XX and NX options at the same time are not compatible");
        return -1;
    }
    if (((flags & ZIN_NX) && (flags & (ZIN_GT | ZIN_LT))) || ((flags & ZIN_GT) && (flags & ZIN_LT))) {
        reply_error(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return -1;
    }
    if ((flags & ZIN_INCR) && elements > 2) {
        reply_error(c, "ERR INCR option supports a single increment-element pair");
        return -1;
    }
    return 0;
}

/* A new zset for a first member of length len, as Redis's ZADD creates it. */
static kv_obj *zset_create_for(const zset_limits *lim, size_t len) {
    if (lim->max_entries == 0 || lim->max_value < len) return zset_obj_new_skiplist(0);
    return zset_obj_new();
}

static void zadd_generic(kv_client *c, int flags) {
    sds key = c->argv[1];
    int ch = 0, idx = zadd_options(c, &flags, &ch);
    int n = (c->argc - idx) / 2;
    if (zadd_check(c, flags, c->argc - idx) < 0) return;
    double *scores = mem_alloc(sizeof(double) * (size_t)n), score = 0;
    long long added = 0, updated = 0, processed = 0;
    kv_obj *o;
    for (int j = 0; j < n; j++)
        if (arg_double(c, c->argv[idx + 2 * j], &scores[j], NULL) < 0) goto cleanup;
    if (lookup_write(c, key, &o) < 0) goto cleanup;
    zset_limits lim = limits_of(c);
    if (!o && !(flags & ZIN_XX)) {
        o = zset_create_for(&lim, sds_len(c->argv[idx + 1]));
        db_add(c->srv, c->db, key, o);
    }
    for (int j = 0; o && j < n; j++) {
        int out;
        double newscore = scores[j];
        if (!zs_add(o, &lim, scores[j], c->argv[idx + 1 + 2 * j], flags, &out, &newscore)) {
            reply_error(c, ERR_NAN);
            goto cleanup;
        }
        if (out & ZOUT_ADDED) added++;
        if (out & ZOUT_UPDATED) updated++;
        if (!(out & ZOUT_NOP)) processed++;
        score = newscore;
    }
    c->srv->dirty += added + updated;
    if (!(flags & ZIN_INCR)) reply_int(c, ch ? added + updated : added);
    else if (processed) reply_double(c, score);
    else reply_null(c);
cleanup:
    mem_free(scores);
    if (added || updated) db_touch_key(c->srv, c->db, key);
}

static void zadd_cmd(kv_client *c) { zadd_generic(c, 0); }
static void zincrby_cmd(kv_client *c) { zadd_generic(c, ZIN_INCR); }

static void zrem_cmd(kv_client *c) {
    sds key = c->argv[1];
    kv_obj *o;
    long long deleted = 0;
    if (lookup_write(c, key, &o) < 0) return;
    for (int j = 2; o && j < c->argc; j++) {
        deleted += zs_del(o, c->argv[j]);
        if (delete_if_empty(c, key, o)) break;
    }
    if (deleted) key_changed(c, key, deleted);
    reply_int(c, deleted);
}

/* ==== ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT =================== */

static void zcard_cmd(kv_client *c) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    reply_int(c, o ? (long long)zs_len(o) : 0);
}

static void zscore_cmd(kv_client *c) {
    kv_obj *o;
    double score;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (o && zs_score(o, c->argv[2], &score)) reply_double(c, score);
    else reply_null(c);
}

static void zmscore_cmd(kv_client *c) {
    kv_obj *o;
    double score;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    reply_array(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        if (o && zs_score(o, c->argv[j], &score)) reply_double(c, score);
        else reply_null(c);
    }
}

static void zrank_generic(kv_client *c, int reverse) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    long rank = o ? zs_rank(o, c->argv[2], reverse) : -1;
    if (rank >= 0) reply_int(c, rank);
    else reply_null(c);
}

static void zrank_cmd(kv_client *c) { zrank_generic(c, 0); }
static void zrevrank_cmd(kv_client *c) { zrank_generic(c, 1); }

/* ZCOUNT / ZLEXCOUNT as Redis counts: a listpack is walked from the first
 * element in range while elements stay under max; a skiplist subtracts the
 * ranks of the first and last elements in range (unsigned, as Redis: on a
 * zset whose members are not in lex order the two walks may disagree, and
 * the result is what Redis's arithmetic gives). */
static unsigned long zs_count_range(const kv_obj *o, const zsl_range *r, const zsl_lexrange *lr) {
    if (o->enc == OBJ_ENC_LISTPACK) {
        unsigned char *lp = o->ptr, *e = r ? lpz_first_in_range(lp, r) : lpz_first_in_lex(lp, lr);
        unsigned long n = 0;
        for (; e; e = lpz_next(lp, e), n++)
            if (r ? !zsl_lte_max(lp_score(lp_next(lp, e)), r) : !lp_lex_lte_max(e, lr)) break;
        return n;
    }
    const zsl *z = ((const zset *)o->ptr)->zsl;
    zsl_node *first = r ? zsl_first_in_range(z, r) : zsl_first_in_lex(z, lr);
    if (!first) return 0;
    unsigned long count = z->length - (zsl_rank(z, first->score, first->ele, sds_len(first->ele)) - 1);
    zsl_node *last = r ? zsl_last_in_range(z, r) : zsl_last_in_lex(z, lr);
    if (last) count -= z->length - zsl_rank(z, last->score, last->ele, sds_len(last->ele));
    return count;
}

static void zcount_cmd(kv_client *c) {
    zsl_range r;
    kv_obj *o;
    if (parse_range(c->argv[2], c->argv[3], &r) < 0) {
        reply_error(c, ERR_MINMAX);
        return;
    }
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    reply_int(c, (long long)zs_count_range(o, &r, NULL));
}

static void zlexcount_cmd(kv_client *c) {
    zsl_lexrange r;
    kv_obj *o;
    if (parse_lexrange(c->argv[2], c->argv[3], &r) < 0) {
        reply_error(c, ERR_LEXRANGE);
        return;
    }
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    reply_int(c, (long long)zs_count_range(o, NULL, &r));
}

/* ==== the ZRANGE family ====================================================== */

enum { ZR_AUTO, ZR_RANK, ZR_SCORE, ZR_LEX };
enum { ZD_AUTO, ZD_FWD, ZD_REV };

/* Where range results go: the client, or a new zset stored at dst. */
typedef struct zr_sink {
    kv_client *c;
    int withscores;
    sds dst;       /* ZRANGESTORE destination, NULL for a reply */
    kv_obj *obj;   /* the zset being built for dst */
    zset_limits lim;
    reply_slot slot;
    long n;
} zr_sink;

static void sink_begin(zr_sink *s) {
    s->n = 0;
    if (s->dst) s->obj = zset_obj_new();
    else s->slot = reply_defer(s->c);
}

static void sink_emit(zr_sink *s, const char *m, size_t len, double score) {
    s->n++;
    if (!s->dst) {
        reply_member_score(s->c, m, len, score, s->withscores);
        return;
    }
    int out;
    sds ele = sds_newlen(m, len);
    zs_add(s->obj, &s->lim, score, ele, 0, &out, NULL);
    sds_free(ele);
}

static void sink_emit_pos(zr_sink *s, const zpos *p) {
    unsigned char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = zpos_member(p, buf, &len);
    sink_emit(s, m, len, s->withscores ? zpos_score(p) : 0);
}

static void sink_end(zr_sink *s) {
    if (s->dst) store_result(s->c, s->dst, s->obj);
    else reply_set_defer_array(s->c, s->slot, s->withscores && s->c->resp == 2 ? s->n * 2 : s->n);
}

static void range_by_rank(zr_sink *s, const kv_obj *o, long long start, long long end, int reverse) {
    long long llen = (long long)zs_len(o);
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    sink_begin(s);
    if (start <= end && start < llen) {
        if (end >= llen) end = llen - 1;
        zpos p;
        zpos_at_rank(&p, o, (unsigned long)start, reverse);
        for (long long n = end - start + 1; n > 0 && zpos_ok(&p); n--, zpos_step(&p, reverse)) sink_emit_pos(s, &p);
    }
    sink_end(s);
}

/* Skips offset elements (a negative offset skips them all, as Redis's
 * loop does); returns 0 when nothing is left. */
static int skip_offset(zpos *p, const kv_obj *o, long long offset, int reverse) {
    if (offset < 0 || (offset > 0 && (unsigned long long)offset >= zs_len(o))) return 0;
    while (zpos_ok(p) && offset-- > 0) zpos_step(p, reverse);
    return zpos_ok(p);
}

static void range_by_score(zr_sink *s, const kv_obj *o, const zsl_range *r, long long offset, long long limit,
                           int reverse) {
    zpos p;
    sink_begin(s);
    zpos_at_score(&p, o, r, reverse);
    if (skip_offset(&p, o, offset, reverse)) {
        for (long long k = 0; zpos_ok(&p) && (limit < 0 || k < limit); k++, zpos_step(&p, reverse)) {
            double score = zpos_score(&p);
            if (reverse ? !zsl_gte_min(score, r) : !zsl_lte_max(score, r)) break;
            sink_emit_pos(s, &p);
        }
    }
    sink_end(s);
}

static void range_by_lex(zr_sink *s, const kv_obj *o, const zsl_lexrange *r, long long offset, long long limit,
                         int reverse) {
    zpos p;
    sink_begin(s);
    zpos_at_lex(&p, o, r, reverse);
    if (skip_offset(&p, o, offset, reverse)) {
        for (long long k = 0; zpos_ok(&p) && (limit < 0 || k < limit); k++, zpos_step(&p, reverse)) {
            if (reverse ? !zpos_lex_gte_min(&p, r) : !zpos_lex_lte_max(&p, r)) break;
            sink_emit_pos(s, &p);
        }
    }
    sink_end(s);
}

typedef struct zr_args {
    int type, dir, withscores;
    long long offset, limit;
} zr_args;

/* Options after <src> <min> <max>. */
static int zrange_options(kv_client *c, int first, int store, zr_args *a) {
    for (int j = first + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        sds w = c->argv[j];
        if (!store && arg_is(w, "withscores")) {
            a->withscores = 1;
        } else if (arg_is(w, "limit") && left >= 2) {
            if (arg_ll(c, c->argv[j + 1], &a->offset, NULL) < 0 || arg_ll(c, c->argv[j + 2], &a->limit, NULL) < 0)
                return -1;
            j += 2;
        } else if (a->dir == ZD_AUTO && arg_is(w, "rev")) {
            a->dir = ZD_REV;
        } else if (a->type == ZR_AUTO && arg_is(w, "bylex")) {
            a->type = ZR_LEX;
        } else if (a->type == ZR_AUTO && arg_is(w, "byscore")) {
            a->type = ZR_SCORE;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (a->dir == ZD_AUTO) a->dir = ZD_FWD;
    if (a->type == ZR_AUTO) a->type = ZR_RANK;
    if (a->limit != -1 && a->type == ZR_RANK) {
        reply_error(c, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        return -1;
    }
    if (a->withscores && a->type == ZR_LEX) {
        reply_error(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return -1;
    }
    return 0;
}

/* ZRANGE, ZRANGESTORE and the older range commands: <src> at argv[first]. */
static void zrange_generic(kv_client *c, int first, int store, int type, int dir) {
    zr_args a = {type, dir, 0, 0, -1};
    long long start = 0, end = 0;
    zsl_range r;
    zsl_lexrange lr;
    kv_obj *o;
    if (zrange_options(c, first, store, &a) < 0) return;
    int reverse = a.dir == ZD_REV;
    sds min = c->argv[first + 1], max = c->argv[first + 2];
    if (reverse && a.type != ZR_RANK) {
        sds t = min;
        min = max;
        max = t;
    }
    if (a.type == ZR_RANK) {
        if (arg_ll(c, min, &start, NULL) < 0 || arg_ll(c, max, &end, NULL) < 0) return;
    } else if (a.type == ZR_SCORE && parse_range(min, max, &r) < 0) {
        reply_error(c, ERR_MINMAX);
        return;
    } else if (a.type == ZR_LEX && parse_lexrange(min, max, &lr) < 0) {
        reply_error(c, ERR_LEXRANGE);
        return;
    }
    zr_sink s = {c, a.withscores || store, store ? c->argv[1] : NULL, NULL, limits_of(c), 0, 0};
    if (lookup_read(c, c->argv[first], &o) < 0) return;
    if (!o) {
        if (!store) {
            reply_empty_array(c);
            return;
        }
        sink_begin(&s);
        sink_end(&s);
        return;
    }
    if (a.type == ZR_RANK) range_by_rank(&s, o, start, end, reverse);
    else if (a.type == ZR_SCORE) range_by_score(&s, o, &r, a.offset, a.limit, reverse);
    else range_by_lex(&s, o, &lr, a.offset, a.limit, reverse);
}

static void zrange_cmd(kv_client *c) { zrange_generic(c, 1, 0, ZR_AUTO, ZD_AUTO); }
static void zrangestore_cmd(kv_client *c) { zrange_generic(c, 2, 1, ZR_AUTO, ZD_AUTO); }
static void zrevrange_cmd(kv_client *c) { zrange_generic(c, 1, 0, ZR_RANK, ZD_REV); }
static void zrangebyscore_cmd(kv_client *c) { zrange_generic(c, 1, 0, ZR_SCORE, ZD_FWD); }
static void zrevrangebyscore_cmd(kv_client *c) { zrange_generic(c, 1, 0, ZR_SCORE, ZD_REV); }
static void zrangebylex_cmd(kv_client *c) { zrange_generic(c, 1, 0, ZR_LEX, ZD_FWD); }
static void zrevrangebylex_cmd(kv_client *c) { zrange_generic(c, 1, 0, ZR_LEX, ZD_REV); }

/* ==== ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ======================== */

static void unlink_from_dict(void *priv, zsl_node *n) { dict_delete(priv, n->ele); }

/* Ranks start..end are 0-based, already clamped to the zset. */
static unsigned long remove_rank_range(kv_obj *o, long long start, long long end) {
    if (o->enc == OBJ_ENC_LISTPACK) {
        o->ptr = lp_delete_range(o->ptr, 2 * (long)start, 2 * (unsigned long)(end - start + 1));
        return (unsigned long)(end - start + 1);
    }
    zset *zs = o->ptr;
    unsigned long n =
        zsl_delete_range_by_rank(zs->zsl, (unsigned long)start + 1, (unsigned long)end + 1, unlink_from_dict, zs->dict);
    dict_shrink_if_needed(zs->dict);
    return n;
}

static unsigned long remove_score_range(kv_obj *o, const zsl_range *r) {
    unsigned long n;
    if (o->enc == OBJ_ENC_LISTPACK) {
        o->ptr = lpz_delete_score_range(o->ptr, r, &n);
        return n;
    }
    zset *zs = o->ptr;
    n = zsl_delete_range_by_score(zs->zsl, r, unlink_from_dict, zs->dict);
    dict_shrink_if_needed(zs->dict);
    return n;
}

static unsigned long remove_lex_range(kv_obj *o, const zsl_lexrange *r) {
    unsigned long n;
    if (o->enc == OBJ_ENC_LISTPACK) {
        o->ptr = lpz_delete_lex_range(o->ptr, r, &n);
        return n;
    }
    zset *zs = o->ptr;
    n = zsl_delete_range_by_lex(zs->zsl, r, unlink_from_dict, zs->dict);
    dict_shrink_if_needed(zs->dict);
    return n;
}

static void zremrange_generic(kv_client *c, int type) {
    sds key = c->argv[1];
    long long start = 0, end = 0;
    zsl_range r;
    zsl_lexrange lr;
    kv_obj *o;
    if (type == ZR_RANK) {
        if (arg_ll(c, c->argv[2], &start, NULL) < 0 || arg_ll(c, c->argv[3], &end, NULL) < 0) return;
    } else if (type == ZR_SCORE && parse_range(c->argv[2], c->argv[3], &r) < 0) {
        reply_error(c, ERR_MINMAX);
        return;
    } else if (type == ZR_LEX && parse_lexrange(c->argv[2], c->argv[3], &lr) < 0) {
        reply_error(c, ERR_LEXRANGE);
        return;
    }
    if (lookup_write(c, key, &o) < 0) return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    unsigned long deleted;
    if (type == ZR_RANK) {
        long long llen = (long long)zs_len(o);
        if (start < 0) start += llen;
        if (end < 0) end += llen;
        if (start < 0) start = 0;
        if (start > end || start >= llen) {
            reply_int(c, 0);
            return;
        }
        if (end >= llen) end = llen - 1;
        deleted = remove_rank_range(o, start, end);
    } else if (type == ZR_SCORE) {
        deleted = remove_score_range(o, &r);
    } else {
        deleted = remove_lex_range(o, &lr);
    }
    delete_if_empty(c, key, o);
    if (deleted) key_changed(c, key, (long long)deleted);
    reply_int(c, (long long)deleted);
}

static void zremrangebyrank_cmd(kv_client *c) { zremrange_generic(c, ZR_RANK); }
static void zremrangebyscore_cmd(kv_client *c) { zremrange_generic(c, ZR_SCORE); }
static void zremrangebylex_cmd(kv_client *c) { zremrange_generic(c, ZR_LEX); }

/* ==== ZPOPMIN ZPOPMAX ZMPOP ================================================== */

/* The shapes of a pop reply (Redis's genericZpopCommand arguments). */
typedef struct zpop_shape {
    int emitkey;      /* the key name comes first (BZPOP*, ZMPOP, BZMPOP) */
    int nested;       /* [member, score] pairs (RESP3 with a count, ZMPOP) */
    int nil_if_empty; /* null array when nothing can be popped (ZMPOP) */
} zpop_shape;

/* What a pop did, for the propagated form. */
typedef struct zpop_result {
    sds key;        /* the key popped from (borrowed from the keys given) */
    long long llen; /* its length before the pop */
} zpop_result;

static void zpop_header(kv_client *c, const zpop_shape *sh, const sds key, long long n) {
    if (!sh->nested && !sh->emitkey) {
        reply_array(c, n * 2);
    } else if (sh->nested && !sh->emitkey) {
        reply_array(c, n);
    } else if (!sh->nested) {
        reply_array(c, n * 2 + 1);
        reply_bulk(c, key, sds_len(key));
    } else {
        reply_array(c, 2);
        reply_bulk(c, key, sds_len(key));
        reply_array(c, n);
    }
}

/* Pops n elements from the min (or max) end of o, stored at key. */
static void zpop_elements(kv_client *c, const sds key, kv_obj *o, long long n, int max, int nested) {
    for (long long i = 0; i < n; i++) {
        zpos p;
        unsigned char buf[LP_INTBUF_SIZE];
        size_t len;
        zpos_at_rank(&p, o, 0, max);
        const char *m = zpos_member(&p, buf, &len);
        double score = zpos_score(&p);
        sds ele = sds_newlen(m, len);
        zs_del(o, ele);
        c->srv->dirty++;
        if (i == 0) db_touch_key(c->srv, c->db, key);
        if (nested) reply_array(c, 2);
        reply_bulk(c, ele, sds_len(ele));
        reply_double(c, score);
        sds_free(ele);
    }
    delete_if_empty(c, key, o);
}

/* Pops up to count (-1: one) elements from the first of keys that exists.
 * Returns 1 with *res filled when it popped, 0 otherwise (replied). */
static int zpop_generic(kv_client *c, sds *keys, int nkeys, int max, long long count, const zpop_shape *sh,
                        zpop_result *res) {
    kv_obj *o = NULL;
    sds key = NULL;
    for (int i = 0; i < nkeys && !o; i++) {
        key = keys[i];
        if (lookup_write(c, key, &o) < 0) return 0;
    }
    if (!o) {
        if (sh->nil_if_empty) reply_null_array(c);
        else reply_empty_array(c);
        return 0;
    }
    if (count == 0) {
        reply_empty_array(c);
        return 0;
    }
    if (count < 0) count = 1;
    long long llen = (long long)zs_len(o), n = count > llen ? llen : count;
    res->key = key;
    res->llen = llen;
    zpop_header(c, sh, key, n);
    zpop_elements(c, key, o, n, max, sh->nested);
    return 1;
}

/* Propagate a pop as ZPOPMIN/ZPOPMAX key [count] (count < 0: none). */
static sds *pop_argv(int max, const sds key, long long count, int *argc) {
    sds *v = mem_alloc(sizeof(sds) * 3);
    v[0] = sds_new(max ? "ZPOPMAX" : "ZPOPMIN");
    v[1] = sds_dup(key);
    *argc = 2;
    if (count >= 0) v[(*argc)++] = sds_fromll(count);
    return v;
}

static void rewrite_as_pop(kv_client *c, int max, const zpop_result *res, long long count) {
    int argc;
    if (count >= 0 && count > res->llen) count = res->llen;
    sds *v = pop_argv(max, res->key, count, &argc);
    cmd_rewrite_argv(c, argc, v);
}

static void zpopminmax(kv_client *c, int max) {
    long long count = -1;
    zpop_result res;
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (c->argc == 3 && arg_nonneg(c, c->argv[2], &count, ERR_POSITIVE) < 0) return;
    zpop_shape sh = {0, c->resp > 2 && count != -1, 0};
    zpop_generic(c, &c->argv[1], 1, max, count, &sh, &res);
}

static void zpopmin_cmd(kv_client *c) { zpopminmax(c, 0); }
static void zpopmax_cmd(kv_client *c) { zpopminmax(c, 1); }

/* ZMPOP/BZMPOP arguments from numkeys at argv[idx]. */
typedef struct zmpop_args {
    long long numkeys, count;
    int max;
} zmpop_args;

static int zmpop_parse(kv_client *c, int idx, zmpop_args *a) {
    if (arg_ll_range(c, c->argv[idx], 1, LLONG_MAX, &a->numkeys, "ERR numkeys should be greater than 0") < 0)
        return -1;
    a->count = -1;
    if (a->numkeys >= c->argc - idx - 1) {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    int where = idx + (int)a->numkeys + 1;
    if (arg_is(c->argv[where], "min")) a->max = 0;
    else if (arg_is(c->argv[where], "max")) a->max = 1;
    else {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    for (int j = where + 1; j < c->argc; j++) {
        if (a->count == -1 && arg_is(c->argv[j], "count") && j + 1 < c->argc) {
            if (arg_ll_range(c, c->argv[++j], 1, LLONG_MAX, &a->count, "ERR count should be greater than 0") < 0)
                return -1;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (a->count == -1) a->count = 1;
    return 0;
}

static void zmpop_cmd(kv_client *c) {
    zmpop_args a;
    zpop_result res;
    static const zpop_shape sh = {1, 1, 1};
    if (zmpop_parse(c, 1, &a) < 0) return;
    if (zpop_generic(c, c->argv + 2, (int)a.numkeys, a.max, a.count, &sh, &res))
        rewrite_as_pop(c, a.max, &res, a.count);
}

/* ==== ZRANDMEMBER ============================================================== */

/* Every element's position, in order (for random access). */
static zpos *all_positions(const kv_obj *o, unsigned long *n) {
    *n = zs_len(o);
    zpos *v = mem_alloc(sizeof(zpos) * (*n ? *n : 1));
    zpos p;
    unsigned long i = 0;
    for (zpos_at_rank(&p, o, 0, 0); zpos_ok(&p) && i < *n; zpos_step(&p, 0)) v[i++] = p;
    return v;
}

static void reply_pos(kv_client *c, const zpos *p, int withscores) {
    unsigned char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = zpos_member(p, buf, &len);
    reply_member_score(c, m, len, withscores ? zpos_score(p) : 0, withscores);
}

/* A random element (uniform for a listpack; the dict's random entry for a
 * skiplist). */
static zpos random_pos(const kv_obj *o) {
    zpos p = {o, NULL, NULL};
    if (o->enc == OBJ_ENC_LISTPACK) p.eptr = lp_seek(o->ptr, 2 * (long)rng_below(zs_len(o)));
    else p.node = dict_random_entry(((zset *)o->ptr)->dict)->v.val;
    return p;
}

/* count elements, repetitions allowed. */
static void randmember_repeat(kv_client *c, const kv_obj *o, unsigned long count, int withscores) {
    reply_array(c, (long)(withscores && c->resp == 2 ? count * 2 : count));
    if (o->enc == OBJ_ENC_SKIPLIST) {
        while (count--) {
            zpos p = random_pos(o);
            reply_pos(c, &p, withscores);
        }
        return;
    }
    unsigned long n;
    zpos *all = all_positions(o, &n);
    while (count--) reply_pos(c, &all[rng_below(n)], withscores);
    mem_free(all);
}

static uint64_t ptr_hash(const void *k) { return dict_hash_bytes(&k, sizeof(k)); }
static const dict_type ptr_set_type = {ptr_hash, NULL, NULL, NULL, NULL};

/* count < size distinct elements of a big skiplist: sample until enough. */
static void randmember_sample(kv_client *c, const kv_obj *o, unsigned long count, int withscores) {
    dict *seen = dict_create(&ptr_set_type);
    while (dict_size(seen) < count) {
        zpos p = random_pos(o);
        if (dict_add(seen, p.node, NULL) == 0) reply_pos(c, &p, withscores);
    }
    dict_release(seen);
}

/* count < size distinct elements: a partial Fisher-Yates shuffle. */
static void randmember_shuffle(kv_client *c, const kv_obj *o, unsigned long count, int withscores) {
    unsigned long n;
    zpos *all = all_positions(o, &n);
    for (unsigned long i = 0; i < count; i++) {
        unsigned long j = i + rng_below(n - i);
        zpos t = all[i];
        all[i] = all[j];
        all[j] = t;
        reply_pos(c, &all[i], withscores);
    }
    mem_free(all);
}

static void randmember_count(kv_client *c, long long l, int withscores) {
    kv_obj *o;
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_empty_array(c);
        return;
    }
    unsigned long size = zs_len(o), count = l >= 0 ? (unsigned long)l : (unsigned long)-l;
    if (count == 0) {
        reply_empty_array(c);
        return;
    }
    if (l < 0 || count == 1) {
        randmember_repeat(c, o, count, withscores);
        return;
    }
    unsigned long n = count < size ? count : size;
    reply_array(c, (long)(withscores && c->resp == 2 ? n * 2 : n));
    if (count >= size) {
        /* The whole zset, from the highest score down (Redis's order). */
        zpos p;
        for (zpos_at_rank(&p, o, 0, 1); zpos_ok(&p); zpos_step(&p, 1)) reply_pos(c, &p, withscores);
    } else if (o->enc == OBJ_ENC_SKIPLIST && count * 3 <= size) {
        randmember_sample(c, o, count, withscores);
    } else {
        randmember_shuffle(c, o, count, withscores);
    }
}

static void zrandmember_cmd(kv_client *c) {
    kv_obj *o;
    if (c->argc >= 3) {
        long long l;
        if (arg_ll(c, c->argv[2], &l, NULL) < 0) return;
        if (l < -LLONG_MAX) {
            reply_error(c, "ERR value is out of range, value must between -9223372036854775807 and "
                           "9223372036854775807");
            return;
        }
        if (c->argc > 4 || (c->argc == 4 && !arg_is(c->argv[3], "withscores"))) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        if (c->argc == 4 && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) { /* count * 2 must fit */
            reply_error(c, "ERR value is out of range");
            return;
        }
        randmember_count(c, l, c->argc == 4);
        return;
    }
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_null(c);
        return;
    }
    zpos p = random_pos(o);
    reply_pos(c, &p, 0);
}

/* ==== ZUNION ZINTER ZDIFF (+STORE) ZINTERCARD ================================== */

enum { SETOP_UNION, SETOP_INTER, SETOP_DIFF };
enum { AGG_SUM, AGG_MIN, AGG_MAX };

/* An input: a zset, a set (every member scores 1) or a missing key. */
typedef struct zsrc {
    kv_obj *o;
    double weight;
    unsigned long len;
} zsrc;

static int zsrc_find(const zsrc *s, const sds m, double *score) {
    if (!s->o) return 0;
    if (s->o->type == OBJ_ZSET) return zs_score(s->o, m, score);
    if (!set_obj_has(s->o, m, sds_len(m))) return 0;
    *score = 1.0;
    return 1;
}

/* Calls fn for each element of s until it returns non-zero. */
typedef int zsrc_fn(void *priv, const char *m, size_t len, double score);

static void zsrc_each(const zsrc *s, zsrc_fn *fn, void *priv) {
    if (!s->o) return;
    if (s->o->type == OBJ_ZSET) {
        zpos p;
        unsigned char buf[LP_INTBUF_SIZE];
        size_t len;
        for (zpos_at_rank(&p, s->o, 0, 1); zpos_ok(&p); zpos_step(&p, 1)) {
            const char *m = zpos_member(&p, buf, &len);
            if (fn(priv, m, len, zpos_score(&p))) return;
        }
        return;
    }
    set_iter it;
    const unsigned char *m;
    size_t len;
    set_iter_init(&it, s->o);
    while (set_iter_next(&it, &m, &len))
        if (fn(priv, (const char *)m, len, 1.0)) break;
    set_iter_reset(&it);
}

/* Stable sort by length (Redis sorts with glibc's qsort, a merge sort:
 * the order of equal-sized inputs decides the order in which scores are
 * added up, which can change the last bits of a sum). */
static void zsrc_sort(zsrc *v, long n) {
    for (long i = 1; i < n; i++) {
        zsrc x = v[i];
        long j = i;
        while (j > 0 && v[j - 1].len > x.len) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void aggregate(double *target, double v, int agg) {
    if (agg == AGG_SUM) {
        *target += v;
        if (isnan(*target)) *target = 0.0; /* inf + -inf */
    } else if (agg == AGG_MIN) {
        *target = v < *target ? v : *target;
    } else {
        *target = v > *target ? v : *target;
    }
}

/* The result being built: elements with their scores, in no order. */
typedef struct zres {
    sds *ele;
    double *score;
    size_t n, cap, maxlen, totlen;
} zres;

static void zres_push(zres *r, sds ele, double score) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->ele = mem_realloc(r->ele, sizeof(sds) * r->cap);
        r->score = mem_realloc(r->score, sizeof(double) * r->cap);
    }
    r->ele[r->n] = ele;
    r->score[r->n++] = score;
    if (sds_len(ele) > r->maxlen) r->maxlen = sds_len(ele);
    r->totlen += sds_len(ele);
}

static void zres_free(zres *r) {
    for (size_t i = 0; i < r->n; i++) sds_free(r->ele[i]);
    mem_free(r->ele);
    mem_free(r->score);
}

typedef struct setop_ctx {
    zsrc *src;
    long n;
    int agg;
    zres res;
    dict *acc;       /* union: member -> score so far */
    long long limit; /* intercard */
    unsigned long card;
    int card_only;
} setop_ctx;

static int union_elem(void *priv, const char *m, size_t len, double score) {
    setop_ctx *x = priv;
    dict_entry *existing = NULL;
    sds ele = sds_newlen(m, len);
    dict_entry *de = dict_add_raw(x->acc, ele, &existing);
    if (de) {
        de->v.d = score;
    } else {
        sds_free(ele);
        aggregate(&existing->v.d, score, x->agg);
    }
    return 0;
}

/* union_elem with the input's weight applied. */
typedef struct weighted {
    setop_ctx *x;
    double w;
} weighted;

static int union_weighted(void *priv, const char *m, size_t len, double score) {
    weighted *wt = priv;
    double s = wt->w * score;
    if (isnan(s)) s = 0;
    return union_elem(wt->x, m, len, s);
}

static const dict_type acc_type = {dict_sds_hash, NULL, dict_sds_eq, dict_sds_free, NULL};

static void do_union(setop_ctx *x) {
    x->acc = dict_create(&acc_type);
    for (long i = 0; i < x->n; i++) {
        weighted wt = {x, x->src[i].weight};
        zsrc_each(&x->src[i], union_weighted, &wt);
    }
    dict_iter it;
    dict_entry *de;
    dict_iter_init(&it, x->acc, 0);
    while ((de = dict_next(&it))) {
        zres_push(&x->res, de->key, de->v.d);
        de->key = NULL; /* moved into the result */
    }
    dict_iter_reset(&it);
    dict_release(x->acc);
}

static int inter_elem(void *priv, const char *m, size_t len, double score) {
    setop_ctx *x = priv;
    sds ele = sds_newlen(m, len);
    double total = x->src[0].weight * score, v;
    if (isnan(total)) total = 0;
    long j;
    for (j = 1; j < x->n; j++) {
        if (x->src[j].o == x->src[0].o) v = score;
        else if (!zsrc_find(&x->src[j], ele, &v)) break;
        aggregate(&total, v * x->src[j].weight, x->agg);
    }
    if (j < x->n) {
        sds_free(ele);
        return 0;
    }
    if (x->card_only) {
        sds_free(ele);
        x->card++;
        return x->limit && x->card >= (unsigned long long)x->limit;
    }
    zres_push(&x->res, ele, total);
    return 0;
}

static int diff_elem(void *priv, const char *m, size_t len, double score) {
    setop_ctx *x = priv;
    sds ele = sds_newlen(m, len);
    double v;
    for (long j = 1; j < x->n; j++) {
        if (x->src[j].o == x->src[0].o || zsrc_find(&x->src[j], ele, &v)) {
            sds_free(ele);
            return 0;
        }
    }
    zres_push(&x->res, ele, score);
    return 0;
}

/* Sorts the result by score, then member, in place (both arrays). */
static int zres_cmp_idx(const zres *r, size_t a, size_t b) {
    if (r->score[a] != r->score[b]) return r->score[a] < r->score[b] ? -1 : 1;
    return zsl_memcmp(r->ele[a], sds_len(r->ele[a]), r->ele[b], sds_len(r->ele[b]));
}

static const zres *sort_ctx;

static int zres_qsort_cmp(const void *a, const void *b) {
    return zres_cmp_idx(sort_ctx, *(const size_t *)a, *(const size_t *)b);
}

static size_t *zres_order(const zres *r) {
    size_t *idx = mem_alloc(sizeof(size_t) * (r->n ? r->n : 1));
    for (size_t i = 0; i < r->n; i++) idx[i] = i;
    sort_ctx = r;
    qsort(idx, r->n, sizeof(size_t), zres_qsort_cmp);
    return idx;
}

/* The result as a zset object in the encoding Redis ends up with. */
static kv_obj *zres_object(zres *r, const size_t *idx, const zset_limits *lim) {
    if (r->n <= lim->max_entries && r->maxlen <= lim->max_value && lp_safe_to_add(NULL, r->totlen)) {
        kv_obj *o = zset_obj_new();
        for (size_t i = 0; i < r->n; i++)
            o->ptr = lpz_insert_at(o->ptr, NULL, r->ele[idx[i]], sds_len(r->ele[idx[i]]), r->score[idx[i]]);
        return o;
    }
    kv_obj *o = zset_obj_new_skiplist(r->n);
    for (size_t i = r->n; i-- > 0;) {
        zset_insert(o->ptr, r->score[idx[i]], r->ele[idx[i]]);
        r->ele[idx[i]] = NULL; /* moved */
    }
    return o;
}

static void setop_reply(kv_client *c, zres *r, int withscores, const sds dst) {
    size_t *idx = zres_order(r);
    if (dst) {
        zset_limits lim = limits_of(c);
        store_result(c, dst, zres_object(r, idx, &lim));
    } else {
        reply_array(c, (long)(withscores && c->resp == 2 ? r->n * 2 : r->n));
        for (size_t i = 0; i < r->n; i++)
            reply_member_score(c, r->ele[idx[i]], sds_len(r->ele[idx[i]]), r->score[idx[i]], withscores);
    }
    mem_free(idx);
}

/* The options after the keys.  Returns 0, or -1 after replying. */
static int setop_options(kv_client *c, int j, setop_ctx *x, int op, int store, int *withscores) {
    while (j < c->argc) {
        int remaining = c->argc - j;
        sds w = c->argv[j];
        if (op != SETOP_DIFF && !x->card_only && remaining >= x->n + 1 && arg_is(w, "weights")) {
            j++;
            for (long i = 0; i < x->n; i++, j++)
                if (arg_double(c, c->argv[j], &x->src[i].weight, "ERR weight value is not a float") < 0) return -1;
        } else if (op != SETOP_DIFF && !x->card_only && remaining >= 2 && arg_is(w, "aggregate")) {
            sds a = c->argv[j + 1];
            if (arg_is(a, "sum")) x->agg = AGG_SUM;
            else if (arg_is(a, "min")) x->agg = AGG_MIN;
            else if (arg_is(a, "max")) x->agg = AGG_MAX;
            else {
                reply_error(c, ERR_SYNTAX);
                return -1;
            }
            j += 2;
        } else if (!store && !x->card_only && arg_is(w, "withscores")) {
            *withscores = 1;
            j++;
        } else if (x->card_only && remaining >= 2 && arg_is(w, "limit")) {
            if (arg_nonneg(c, c->argv[j + 1], &x->limit, "ERR LIMIT can't be negative") < 0) return -1;
            j += 2;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

/* The inputs named after numkeys at argv[idx].  -1 after replying. */
static int setop_inputs(kv_client *c, int idx, setop_ctx *x) {
    long long n;
    if (arg_ll(c, c->argv[idx], &n, NULL) < 0) return -1;
    if (n < 1) {
        reply_errorf(c, "ERR at least 1 input key is needed for '%s' command", c->cmd->name);
        return -1;
    }
    if (n > c->argc - (idx + 1)) {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    x->n = (long)n;
    x->src = mem_calloc(sizeof(zsrc) * (size_t)n);
    for (long i = 0; i < x->n; i++) {
        kv_obj *o = db_lookup_read(c, c->db, c->argv[idx + 1 + i], LOOKUP_NONE);
        if (o && o->type != OBJ_ZSET && o->type != OBJ_SET) {
            reply_error(c, ERR_WRONGTYPE);
            return -1;
        }
        x->src[i].o = o;
        x->src[i].weight = 1.0;
        x->src[i].len = !o ? 0 : o->type == OBJ_ZSET ? zs_len(o) : set_obj_len(o);
    }
    return 0;
}

static void setop_generic(kv_client *c, sds dst, int idx, int op, int card_only) {
    setop_ctx x;
    int withscores = 0;
    memset(&x, 0, sizeof(x));
    x.agg = AGG_SUM;
    x.card_only = card_only;
    if (setop_inputs(c, idx, &x) < 0 || setop_options(c, idx + 1 + (int)x.n, &x, op, dst != NULL, &withscores) < 0)
        goto done;
    if (op != SETOP_DIFF) zsrc_sort(x.src, x.n);
    if (op == SETOP_UNION) do_union(&x);
    else if (x.src[0].len > 0) zsrc_each(&x.src[0], op == SETOP_INTER ? inter_elem : diff_elem, &x);
    if (card_only) reply_int(c, (long long)x.card);
    else setop_reply(c, &x.res, withscores, dst);
done:
    zres_free(&x.res);
    mem_free(x.src);
}

static void zunion_cmd(kv_client *c) { setop_generic(c, NULL, 1, SETOP_UNION, 0); }
static void zinter_cmd(kv_client *c) { setop_generic(c, NULL, 1, SETOP_INTER, 0); }
static void zdiff_cmd(kv_client *c) { setop_generic(c, NULL, 1, SETOP_DIFF, 0); }
static void zintercard_cmd(kv_client *c) { setop_generic(c, NULL, 1, SETOP_INTER, 1); }
static void zunionstore_cmd(kv_client *c) { setop_generic(c, c->argv[1], 2, SETOP_UNION, 0); }
static void zinterstore_cmd(kv_client *c) { setop_generic(c, c->argv[1], 2, SETOP_INTER, 0); }
static void zdiffstore_cmd(kv_client *c) { setop_generic(c, c->argv[1], 2, SETOP_DIFF, 0); }

/* ==== ZSCAN ===================================================================== */

static void scan_collect(void *priv, const dict_entry *de) {
    const zsl_node *n = de->v.val;
    char buf[32];
    int len = d_to_str(buf, sizeof(buf), n->score);
    sds_vec_push(priv, sds_dup(n->ele));
    sds_vec_push(priv, sds_newlen(buf, (size_t)len));
}

/* Redis's parseScanCursorOrReply: strtoul, so "-1", "+2", "007" and ""
 * are cursors; a leading space, trailing bytes or overflow are not. */
static int parse_cursor(const sds arg, unsigned long long *cursor) {
    char *end;
    errno = 0;
    *cursor = strtoull(arg, &end, 10);
    if (isspace((unsigned char)arg[0]) || *end != '\0' || errno == ERANGE) return -1;
    return 0;
}

static int zscan_options(kv_client *c, long long *count, sds *pat) {
    for (int i = 3; i < c->argc; i += 2) {
        if (i + 1 >= c->argc) {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
        if (arg_is(c->argv[i], "count")) {
            if (arg_ll(c, c->argv[i + 1], count, NULL) < 0) return -1;
            if (*count < 1) {
                reply_error(c, ERR_SYNTAX);
                return -1;
            }
        } else if (arg_is(c->argv[i], "match")) {
            *pat = c->argv[i + 1];
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

static void zscan_cmd(kv_client *c) {
    unsigned long long cursor;
    long long count = 10;
    sds pat = NULL;
    kv_obj *o;
    sds_vec acc = {NULL, 0, 0};
    if (parse_cursor(c->argv[2], &cursor) < 0) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    if (lookup_read(c, c->argv[1], &o) < 0) return;
    if (!o) {
        reply_array(c, 2);
        reply_bulk_cstr(c, "0");
        reply_empty_array(c);
        return;
    }
    if (zscan_options(c, &count, &pat) < 0) return;
    if (o->enc == OBJ_ENC_LISTPACK) {
        for (unsigned char *e = lp_first(o->ptr); e; e = lp_next(o->ptr, e)) {
            unsigned char buf[LP_INTBUF_SIZE];
            size_t len;
            const char *p = lp_text(e, buf, &len);
            sds_vec_push(&acc, sds_newlen(p, len));
        }
        cursor = 0;
    } else {
        long long maxiter = count * 10;
        dict *d = ((zset *)o->ptr)->dict;
        do cursor = dict_scan(d, (unsigned long)cursor, scan_collect, &acc);
        while (cursor && maxiter-- && acc.n / 2 < count);
    }
    int all = !pat || (sds_len(pat) == 1 && pat[0] == '*');
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)cursor);
    reply_slot slot = reply_defer(c);
    long out = 0;
    for (long i = 0; i < acc.n; i += 2) {
        sds m = acc.v[i], s = acc.v[i + 1];
        if (all || str_match(pat, sds_len(pat), m, sds_len(m), 0)) {
            reply_bulk(c, m, sds_len(m));
            reply_bulk(c, s, sds_len(s));
            out += 2;
        }
        sds_free(m);
        sds_free(s);
    }
    mem_free(acc.v);
    reply_set_defer_array(c, slot, out);
}

/* ==== BZPOPMIN BZPOPMAX BZMPOP ================================================= */

/* A client blocked by BZPOPMIN/BZPOPMAX/BZMPOP: what to pop when served. */
typedef struct zblock {
    int max;
    long long count; /* -1: BZPOPMIN/BZPOPMAX */
} zblock;

/* blocking_serve_fn: pop for c from key if it holds a non-empty zset,
 * reply as the blocking command, propagate ZPOPMIN/ZPOPMAX key [count]. */
static int zset_serve(kv_client *c, const sds key, void *privdata) {
    const zblock *b = privdata;
    kv_obj *o = db_lookup_write(c, c->db, key);
    if (!o || o->type != OBJ_ZSET || zs_len(o) == 0) return 0;
    int bzmpop = b->count != -1, argc;
    zpop_shape sh = {1, bzmpop, bzmpop};
    zpop_result res;
    sds k = key;
    zpop_generic(c, &k, 1, b->max, b->count, &sh, &res);
    sds *v = pop_argv(b->max, key, b->count < 0 ? -1 : (b->count > res.llen ? res.llen : b->count), &argc);
    cmd_also_propagate(c->srv, c->db->id, argc, v);
    for (int i = 0; i < argc; i++) sds_free(v[i]);
    mem_free(v);
    return 1;
}

/* Blocks c on keys until one holds a zset, or deadline (unix ms, 0 for
 * none) passes. */
static void zset_block(kv_client *c, sds *keys, int nkeys, int max, long long count, long long deadline) {
    zblock *b = mem_alloc(sizeof(*b));
    b->max = max;
    b->count = count;
    blocking_block(c, keys, nkeys, deadline, BLOCKED_ZSET, zset_serve, b, mem_free);
}

/* The blocking pops when an element is there (or blocking is refused):
 * served like ZPOP/ZMPOP and propagated as ZPOPMIN/ZPOPMAX.  Returns 1 when
 * the client has to block. */
static int bzpop_now(kv_client *c, sds *keys, int nkeys, int max, long long count, const zpop_shape *sh) {
    for (int j = 0; j < nkeys; j++) {
        kv_obj *o;
        zpop_result res;
        if (lookup_write(c, keys[j], &o) < 0) return 0;
        if (!o || zs_len(o) == 0) continue;
        if (zpop_generic(c, &keys[j], 1, max, count, sh, &res)) rewrite_as_pop(c, max, &res, count);
        return 0;
    }
    if (c->flags & CLIENT_DENY_BLOCKING) {
        reply_null_array(c);
        return 0;
    }
    return 1;
}

static void bzpopminmax(kv_client *c, int max) {
    long long deadline;
    static const zpop_shape sh = {1, 0, 0};
    if (blocking_parse_timeout(c, c->argv[c->argc - 1], &deadline) < 0) return;
    if (!bzpop_now(c, c->argv + 1, c->argc - 2, max, -1, &sh)) return;
    zset_block(c, c->argv + 1, c->argc - 2, max, -1, deadline);
}

static void bzpopmin_cmd(kv_client *c) { bzpopminmax(c, 0); }
static void bzpopmax_cmd(kv_client *c) { bzpopminmax(c, 1); }

static void bzmpop_cmd(kv_client *c) {
    zmpop_args a;
    long long deadline;
    static const zpop_shape sh = {1, 1, 1};
    if (zmpop_parse(c, 2, &a) < 0) return;
    if (blocking_parse_timeout(c, c->argv[1], &deadline) < 0) return;
    if (!bzpop_now(c, c->argv + 3, (int)a.numkeys, a.max, a.count, &sh)) return;
    zset_block(c, c->argv + 3, (int)a.numkeys, a.max, a.count, deadline);
}

/* ==== the command table ========================================================= */

#define W_DENY (CMD_WRITE | CMD_DENYOOM)
#define R_FAST (CMD_READONLY | CMD_FAST)
#define ZROW(name, fn, arity, flags, k1, k2, step, since, summary, complexity, args)                       \
    {name, fn, arity, flags, k1, k2, step, "sorted_set", since, summary, complexity, args, NULL}

const kv_command cmd_table_zset[] = {
    ZROW("zadd", zadd_cmd, -4, W_DENY | CMD_FAST, 1, 1, 1, "1.2.0",
         "Adds members to a sorted set, or updates their scores; creates the key when missing.",
         "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
         "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]"),
    ZROW("zincrby", zincrby_cmd, 4, W_DENY | CMD_FAST, 1, 1, 1, "1.2.0",
         "Increments the score of a member in a sorted set.", "O(log(N))", "key increment member"),
    ZROW("zrem", zrem_cmd, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "1.2.0",
         "Removes members from a sorted set; deletes the key when it becomes empty.",
         "O(M*log(N)) with N elements in the sorted set and M elements to remove.", "key member [member ...]"),
    ZROW("zremrangebyscore", zremrangebyscore_cmd, 4, CMD_WRITE, 1, 1, 1, "1.2.0",
         "Removes the members of a sorted set within a range of scores.",
         "O(log(N)+M) with N elements in the sorted set and M elements removed.", "key min max"),
    ZROW("zremrangebyrank", zremrangebyrank_cmd, 4, CMD_WRITE, 1, 1, 1, "2.0.0",
         "Removes the members of a sorted set within a range of indexes.",
         "O(log(N)+M) with N elements in the sorted set and M elements removed.", "key start stop"),
    ZROW("zremrangebylex", zremrangebylex_cmd, 4, CMD_WRITE, 1, 1, 1, "2.8.9",
         "Removes the members of a sorted set within a lexicographical range.",
         "O(log(N)+M) with N elements in the sorted set and M elements removed.", "key min max"),
    ZROW("zunionstore", zunionstore_cmd, -4, W_DENY | CMD_MOVABLE_KEYS, 1, 1, 1, "2.0.0",
         "Stores the union of sorted sets and sets in a key.",
         "O(N)+O(M log(M)) with N the sum of the input sizes and M the size of the result.",
         "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]"),
    ZROW("zinterstore", zinterstore_cmd, -4, W_DENY | CMD_MOVABLE_KEYS, 1, 1, 1, "2.0.0",
         "Stores the intersection of sorted sets and sets in a key.",
         "O(N*K)+O(M*log(M)) worst case with N the smallest input, K the number of inputs and M the result size.",
         "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]"),
    ZROW("zdiffstore", zdiffstore_cmd, -4, W_DENY | CMD_MOVABLE_KEYS, 1, 1, 1, "6.2.0",
         "Stores the difference of sorted sets and sets in a key.",
         "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of "
         "the first set, and K is the size of the result set.",
         "destination numkeys key [key ...]"),
    ZROW("zunion", zunion_cmd, -3, CMD_READONLY | CMD_MOVABLE_KEYS, 0, 0, 0, "6.2.0",
         "Returns the union of sorted sets and sets.",
         "O(N)+O(M*log(M)) with N the sum of the input sizes and M the size of the result.",
         "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]"),
    ZROW("zinter", zinter_cmd, -3, CMD_READONLY | CMD_MOVABLE_KEYS, 0, 0, 0, "6.2.0",
         "Returns the intersection of sorted sets and sets.",
         "O(N*K)+O(M*log(M)) worst case with N the smallest input, K the number of inputs and M the result size.",
         "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]"),
    ZROW("zintercard", zintercard_cmd, -3, CMD_READONLY | CMD_MOVABLE_KEYS, 0, 0, 0, "7.0.0",
         "Returns the number of members in the intersection of sorted sets and sets.",
         "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
         "numkeys key [key ...] [LIMIT limit]"),
    ZROW("zdiff", zdiff_cmd, -3, CMD_READONLY | CMD_MOVABLE_KEYS, 0, 0, 0, "6.2.0",
         "Returns the difference between sorted sets and sets.",
         "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of "
         "the first set, and K is the size of the result set.",
         "numkeys key [key ...] [WITHSCORES]"),
    ZROW("zrange", zrange_cmd, -4, CMD_READONLY, 1, 1, 1, "1.2.0",
         "Returns the members of a sorted set within a range of indexes, scores or members.",
         "O(log(N)+M) with N elements in the sorted set and M elements returned.",
         "key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]"),
    ZROW("zrangestore", zrangestore_cmd, -5, W_DENY, 1, 2, 1, "6.2.0",
         "Stores a range of members of a sorted set in a key.",
         "O(log(N)+M) with N elements in the sorted set and M elements stored.",
         "dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]"),
    ZROW("zrangebyscore", zrangebyscore_cmd, -4, CMD_READONLY, 1, 1, 1, "1.0.5",
         "Returns the members of a sorted set within a range of scores.",
         "O(log(N)+M) with N elements in the sorted set and M elements returned.",
         "key min max [WITHSCORES] [LIMIT offset count]"),
    ZROW("zrevrangebyscore", zrevrangebyscore_cmd, -4, CMD_READONLY, 1, 1, 1, "2.2.0",
         "Returns the members of a sorted set within a range of scores, highest first.",
         "O(log(N)+M) with N elements in the sorted set and M elements returned.",
         "key max min [WITHSCORES] [LIMIT offset count]"),
    ZROW("zrangebylex", zrangebylex_cmd, -4, CMD_READONLY, 1, 1, 1, "2.8.9",
         "Returns the members of a sorted set within a lexicographical range.",
         "O(log(N)+M) with N elements in the sorted set and M elements returned.", "key min max [LIMIT offset count]"),
    ZROW("zrevrangebylex", zrevrangebylex_cmd, -4, CMD_READONLY, 1, 1, 1, "2.8.9",
         "Returns the members of a sorted set within a lexicographical range, highest first.",
         "O(log(N)+M) with N elements in the sorted set and M elements returned.", "key max min [LIMIT offset count]"),
    ZROW("zcount", zcount_cmd, 4, R_FAST, 1, 1, 1, "2.0.0",
         "Counts the members of a sorted set within a range of scores.", "O(log(N))", "key min max"),
    ZROW("zlexcount", zlexcount_cmd, 4, R_FAST, 1, 1, 1, "2.8.9",
         "Counts the members of a sorted set within a lexicographical range.", "O(log(N))", "key min max"),
    ZROW("zrevrange", zrevrange_cmd, -4, CMD_READONLY, 1, 1, 1, "1.2.0",
         "Returns the members of a sorted set within a range of indexes, highest first.",
         "O(log(N)+M) with N elements in the sorted set and M elements returned.", "key start stop [WITHSCORES]"),
    ZROW("zcard", zcard_cmd, 2, R_FAST, 1, 1, 1, "1.2.0", "Returns the number of members in a sorted set.", "O(1)",
         "key"),
    ZROW("zscore", zscore_cmd, 3, R_FAST, 1, 1, 1, "1.2.0", "Returns the score of a member in a sorted set.", "O(1)",
         "key member"),
    ZROW("zmscore", zmscore_cmd, -3, R_FAST, 1, 1, 1, "6.2.0", "Returns the scores of members in a sorted set.",
         "O(N) where N is the number of members being requested.", "key member [member ...]"),
    ZROW("zrank", zrank_cmd, 3, R_FAST, 1, 1, 1, "2.0.0", "Returns the index of a member in a sorted set.",
         "O(log(N))", "key member"),
    ZROW("zrevrank", zrevrank_cmd, 3, R_FAST, 1, 1, 1, "2.0.0",
         "Returns the index of a member in a sorted set ordered from the highest score.", "O(log(N))", "key member"),
    ZROW("zscan", zscan_cmd, -3, CMD_READONLY, 1, 1, 1, "2.8.0",
         "Iterates over the members and scores of a sorted set.",
         "O(1) for every call. O(N) for a complete iteration.", "key cursor [MATCH pattern] [COUNT count]"),
    ZROW("zpopmin", zpopmin_cmd, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "5.0.0",
         "Removes and returns the members with the lowest scores of a sorted set.",
         "O(log(N)*M) with N elements in the sorted set and M elements popped.", "key [count]"),
    ZROW("zpopmax", zpopmax_cmd, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "5.0.0",
         "Removes and returns the members with the highest scores of a sorted set.",
         "O(log(N)*M) with N elements in the sorted set and M elements popped.", "key [count]"),
    ZROW("zmpop", zmpop_cmd, -4, CMD_WRITE | CMD_MOVABLE_KEYS, 0, 0, 0, "7.0.0",
         "Removes and returns the lowest or highest scoring members of the first non-empty sorted set.",
         "O(K) + O(M*log(N)) where K is the number of provided keys, N the number of elements in the sorted set, "
         "and M the number of elements popped.",
         "numkeys key [key ...] MIN|MAX [COUNT count]"),
    ZROW("bzpopmin", bzpopmin_cmd, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING | CMD_FAST, 1, -2, 1, "5.0.0",
         "Removes and returns the member with the lowest score of the first non-empty sorted set, or blocks "
         "until one is available.",
         "O(log(N)) with N being the number of elements in the sorted set.", "key [key ...] timeout"),
    ZROW("bzpopmax", bzpopmax_cmd, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING | CMD_FAST, 1, -2, 1, "5.0.0",
         "Removes and returns the member with the highest score of the first non-empty sorted set, or blocks "
         "until one is available.",
         "O(log(N)) with N being the number of elements in the sorted set.", "key [key ...] timeout"),
    ZROW("bzmpop", bzmpop_cmd, -5, CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS, 0, 0, 0, "7.0.0",
         "Removes and returns the lowest or highest scoring members of the first non-empty sorted set, or blocks "
         "until one is available.",
         "O(K) + O(M*log(N)) where K is the number of provided keys, N the number of elements in the sorted set, "
         "and M the number of elements popped.",
         "timeout numkeys key [key ...] MIN|MAX [COUNT count]"),
    ZROW("zrandmember", zrandmember_cmd, -2, CMD_READONLY, 1, 1, 1, "6.2.0",
         "Returns random members of a sorted set.", "O(N) where N is the number of members returned",
         "key [count [WITHSCORES]]"),
    {"sort", sort_command, -2, W_DENY | CMD_MOVABLE_KEYS, 1, 1, 1, "generic", "1.0.0",
     "Sorts the elements of a list, set or sorted set, optionally storing the result.",
     "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned "
     "elements.",
     "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA] [STORE destination]",
     NULL},
    {"sort_ro", sort_ro_command, -2, CMD_READONLY | CMD_MOVABLE_KEYS, 1, 1, 1, "generic", "7.0.0",
     "Sorts the elements of a list, set or sorted set (read-only variant of SORT).",
     "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned "
     "elements.",
     "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA]", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
