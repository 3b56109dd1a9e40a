/*
 * tests/unit/test_t_zset.c — sorted sets (skiplist.c, t_zset.c) through the
 * real dispatch with fake clients, no sockets.
 *
 *  1. the skiplist against a sorted-array model over thousands of random
 *     operations (ranks, spans, score and lex ranges, range deletions);
 *  2. the listpack bytes of a zset against the payload redis-server 7.0.15
 *     DUMPs for the same ZADD (integer scores as listpack integers, -0 as 0,
 *     2^62 as an integer, other scores as %.17g text);
 *  3. every command, option and error: the exact RESP bytes redis-server
 *     7.0.15 replied to the same command sequence (recorded against it;
 *     RESP2 and RESP3), including the encoding conversion thresholds and
 *     score formatting (1e300, -0, inf, 17 digits, denormals);
 *  4. ZRANDMEMBER by shape and distinctness;
 *  5. the propagated forms, and a random workload whose propagated stream,
 *     replayed into a fresh server, gives the same DEBUG DIGEST;
 *  6. the object API for the RDB code (build, fit, adopt a listpack,
 *     iterate).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <unistd.h>

#include "engine/blocking.h"
#include "engine/db.h"
#include "engine/listpack.h"
#include "engine/object.h"
#include "engine/skiplist.h"
#include "engine/t_zset.h"
#include "engine/util.h"
#include "kvtest.h"
#include "tests/tap.h"

/* ---- helpers -------------------------------------------------------------- */

static uint64_t seed = 0x5eed1234abcdULL;

static uint64_t rnd(void) {
    uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static long below(long n) { return n > 0 ? (long)(rnd() % (uint64_t)n) : 0; }

/* ---- 1. skiplist vs a model ------------------------------------------------ */

typedef struct melem {
    double score;
    char m[8];
    size_t len;
} melem;

static melem model[4096];
static int nmodel;

static int mcmp(double s1, const char *a, size_t al, double s2, const char *b, size_t bl) {
    if (s1 != s2) return s1 < s2 ? -1 : 1;
    return zsl_memcmp(a, al, b, bl);
}

static int model_find(const char *m, size_t len) {
    for (int i = 0; i < nmodel; i++)
        if (model[i].len == len && memcmp(model[i].m, m, len) == 0) return i;
    return -1;
}

static void model_insert(double score, const char *m, size_t len) {
    int i = 0;
    while (i < nmodel && mcmp(model[i].score, model[i].m, model[i].len, score, m, len) < 0) i++;
    memmove(&model[i + 1], &model[i], sizeof(melem) * (size_t)(nmodel - i));
    model[i].score = score;
    memcpy(model[i].m, m, len);
    model[i].len = len;
    nmodel++;
}

static void model_remove(int i) {
    memmove(&model[i], &model[i + 1], sizeof(melem) * (size_t)(nmodel - i - 1));
    nmodel--;
}

static void random_member(char *m, size_t *len) {
    *len = 1 + (size_t)below(3);
    for (size_t i = 0; i < *len; i++) m[i] = (char)("ab\0\xff"[below(4)]);
}

static int lex_mode; /* every score 0, as lex ranges are used */

static double random_score(void) {
    static const double special[] = {0.0, -0.0, 1.0, -1.0, INFINITY, -INFINITY, 0.5};
    if (lex_mode) return 0.0;
    if (below(10) == 0) return special[below(7)];
    return (double)below(20) / 2.0;
}

static void random_range(zsl_range *r) {
    r->min = random_score();
    r->max = random_score();
    r->minex = (int)below(2);
    r->maxex = (int)below(2);
}

static void random_lex_bound(zsl_lex_bound *b, char *buf) {
    long k = below(6);
    if (k == 0) {
        b->kind = ZSL_LEX_MINUS, b->ex = 1;
    } else if (k == 1) {
        b->kind = ZSL_LEX_PLUS, b->ex = 1;
    } else {
        b->kind = ZSL_LEX_VALUE;
        b->ex = (int)below(2);
        random_member(buf, &b->len);
        b->p = buf;
    }
}

static int model_in_range(int i, const zsl_range *r) {
    return zsl_gte_min(model[i].score, r) && zsl_lte_max(model[i].score, r);
}

static int model_in_lex(int i, const zsl_lexrange *r) {
    return zsl_lex_gte_min(model[i].m, model[i].len, r) && zsl_lex_lte_max(model[i].m, model[i].len, r);
}

static int same_elem(const zsl_node *n, int i) {
    if (!n) return i < 0;
    return i >= 0 && n->score == model[i].score && sds_len(n->ele) == model[i].len &&
           memcmp(n->ele, model[i].m, model[i].len) == 0;
}

static unsigned long removed_cb_count;
static void count_removed(void *priv, zsl_node *n) {
    (void)priv;
    (void)n;
    removed_cb_count++;
}

static int skiplist_step(zsl *z, long op) {
    char m[8];
    size_t len;
    random_member(m, &len);
    int at = model_find(m, len);
    if (op < 30) { /* insert or update */
        double s = random_score();
        if (at < 0) {
            zsl_insert(z, s, sds_newlen(m, len));
            model_insert(s, m, len);
        } else {
            zsl_update_score(z, model[at].score, (sds)zsl_by_rank(z, (unsigned long)at + 1)->ele, s);
            model_remove(at);
            model_insert(s, m, len);
        }
    } else if (op < 45) { /* delete */
        int ok_ = at < 0 ? !zsl_delete(z, 1.0, m, len, NULL) : zsl_delete(z, model[at].score, m, len, NULL);
        if (at >= 0) model_remove(at);
        if (!ok_) return 0;
    } else if (op < 60) { /* rank and by_rank */
        unsigned long rank = at < 0 ? 0 : zsl_rank(z, model[at].score, m, len);
        if (rank != (unsigned long)(at + 1)) return 0;
        long r = below(nmodel + 2);
        if (!same_elem(zsl_by_rank(z, (unsigned long)r), r >= 1 && r <= nmodel ? (int)r - 1 : -1)) return 0;
    } else if (op < 75) { /* score ranges */
        zsl_range r;
        random_range(&r);
        int first = -1, last = -1;
        for (int i = 0; i < nmodel; i++)
            if (model_in_range(i, &r)) {
                if (first < 0) first = i;
                last = i;
            }
        if (!same_elem(zsl_first_in_range(z, &r), first) || !same_elem(zsl_last_in_range(z, &r), last)) return 0;
    } else if (op < 88) { /* lex ranges (only meaningful with equal scores, checked as Redis does) */
        char b1[8], b2[8];
        zsl_lexrange r;
        random_lex_bound(&r.min, b1);
        random_lex_bound(&r.max, b2);
        int first = -1;
        for (int i = 0; i < nmodel && first < 0; i++)
            if (zsl_lex_gte_min(model[i].m, model[i].len, &r)) first = i;
        zsl_node *n = zsl_first_in_lex(z, &r);
        int want = first >= 0 && model_in_lex(first, &r) ? first : -1;
        /* with mixed scores the skiplist is not in member order: compare
         * only when every score is equal (how lex ranges are used) */
        int equal = 1;
        for (int i = 1; i < nmodel; i++) equal &= model[i].score == model[0].score;
        if (equal && !same_elem(n, want)) return 0;
    } else if (op < 93) { /* delete a score range */
        zsl_range r;
        random_range(&r);
        unsigned long want = 0;
        for (int i = nmodel - 1; i >= 0; i--)
            if (model_in_range(i, &r)) {
                model_remove(i);
                want++;
            }
        removed_cb_count = 0;
        if (zsl_delete_range_by_score(z, &r, count_removed, NULL) != want || removed_cb_count != want) return 0;
    } else { /* delete a rank range */
        long a = 1 + below(nmodel + 1), b = a + below(4);
        unsigned long want = 0;
        for (long i = b; i >= a; i--)
            if (i <= nmodel) {
                model_remove((int)i - 1);
                want++;
            }
        if (zsl_delete_range_by_rank(z, (unsigned long)a, (unsigned long)b, NULL, NULL) != want) return 0;
    }
    return 1;
}

static void skiplist_run(const char *what) {
    zsl *z = zsl_create();
    const char *why = NULL;
    int good = 1, steps = 0;
    nmodel = 0;
    for (steps = 0; steps < 20000 && good; steps++) {
        good = skiplist_step(z, below(100));
        if (good && z->length != (unsigned long)nmodel) good = 0;
        if (good && steps % 97 == 0 && zsl_check(z, &why) < 0) good = 0;
    }
    ok(good, "%s: skiplist matches the model over %d random operations%s%s", what, steps, why ? ": " : "",
       why ? why : "");
    ok(zsl_check(z, &why) == 0, "%s: skiplist invariants hold at the end", what);
    int same = 1, i = 0;
    for (zsl_node *n = z->header->level[0].forward; n; n = n->level[0].forward, i++) same &= same_elem(n, i);
    ok(same && i == nmodel, "%s: level 0 walks the model's order (%d elements)", what, nmodel);
    zsl_free(z);
}

static void test_skiplist_model(void) {
    const char *why = NULL;
    zsl *z;
    lex_mode = 0;
    skiplist_run("mixed scores");
    lex_mode = 1;
    skiplist_run("equal scores (lex)");
    lex_mode = 0;

    /* a big one: ranks of every element after many inserts */
    z = zsl_create();
    for (int k = 0; k < 5000; k++) zsl_insert(z, (double)(k % 100), sds_fromll(k));
    ok(zsl_check(z, &why) == 0, "5000-node skiplist is consistent");
    unsigned long bad = 0, rank = 0;
    for (zsl_node *n = z->header->level[0].forward; n; n = n->level[0].forward)
        bad += zsl_rank(z, n->score, n->ele, sds_len(n->ele)) != ++rank || zsl_by_rank(z, rank) != n;
    is_int(bad, 0, "rank and by_rank agree on all 5000 nodes");
    zsl_range all = {-INFINITY, INFINITY, 0, 0};
    is_int(zsl_delete_range_by_score(z, &all, NULL, NULL), 5000, "deleting -inf..+inf removes everything");
    is_int(z->length, 0, "and leaves it empty");
    ok(zsl_check(z, &why) == 0, "empty skiplist is consistent");
    zsl_free(z);
}

static void test_lex_rules(void) {
    zsl_lexrange r;
    r.min = (zsl_lex_bound){ZSL_LEX_MINUS, 1, NULL, 0};
    r.max = (zsl_lex_bound){ZSL_LEX_MINUS, 1, NULL, 0};
    ok(zsl_lexrange_empty(&r), "- - is empty");
    r.max = (zsl_lex_bound){ZSL_LEX_PLUS, 1, NULL, 0};
    ok(!zsl_lexrange_empty(&r), "- + is not empty");
    ok(zsl_lex_gte_min("", 0, &r) && zsl_lex_lte_max("\xff\xff", 2, &r), "- + holds every member");
    r.min = (zsl_lex_bound){ZSL_LEX_VALUE, 0, "a", 1};
    r.max = (zsl_lex_bound){ZSL_LEX_VALUE, 1, "a", 1};
    ok(zsl_lexrange_empty(&r), "[a (a is empty");
    r.max.ex = 0;
    ok(!zsl_lexrange_empty(&r) && zsl_lex_gte_min("a", 1, &r) && !zsl_lex_gte_min("", 0, &r), "[a [a holds a only");
    ok(zsl_memcmp("a", 1, "ab", 2) < 0 && zsl_memcmp("b", 1, "ab", 2) > 0 && zsl_memcmp("a\0", 2, "a", 1) > 0,
       "member order: memcmp, shorter first");
}

/* ---- 2. listpack bytes vs Redis ------------------------------------------- */

static void test_listpack_bytes(void) {
    kvt_env *e = kvt_start_prop();
    /* DUMP payload of redis-server 7.0.15 after this ZADD (RDB type 17,
     * length 76): the listpack only. */
    static const unsigned char want[] =
        "L\x00\x00\x00\x10\x00\x83neg\x04\x85-7.25\x06\x81" "c\x02\x00\x01\x81" "a\x02\x01\x01\x81"
        "b\x02\x83" "2.5\x04\xc1\xc8\x02{\x01\x81" "d\x02\xf4\x00\x00\x8a]xEc\x01\t\x81"
        "e\x02\xf4\x00\x00\x00\x00\x00\x00\x00@\t\x81" "f\x02\x83inf\x04\xff";
    kvt_run(e->c, "ZADD z 1 a 2.5 b -0 c 1e17 d 4611686018427387905 e inf f 123 456 -7.25 neg");
    kv_obj *o = kvt_find(e->c, "z");
    ok(o && o->enc == OBJ_ENC_LISTPACK, "small zset is a listpack");
    if (o) is_mem((const char *)o->ptr, lp_bytes(o->ptr), (const char *)want, sizeof(want) - 1,
                  "listpack bytes equal Redis's");
    char buf[32];
    is_int(zset_score_text(-0.0, buf), 1, "-0 is stored as the integer 0");
    buf[1] = 0;
    is_str(buf, "0", "-0 text");
    zset_score_text(4611686018427387904.0, buf);
    is_str(buf, "4611686018427387904", "2^62 stays an integer");
    zset_score_text(9223372036854775808.0, buf);
    is_str(buf, "9.2233720368547758e+18", "2^63 is %.17g text");
    zset_score_text(0.1, buf);
    is_str(buf, "0.10000000000000001", "0.1 is %.17g text");
    zset_score_text(-INFINITY, buf);
    is_str(buf, "-inf", "-inf text");
    kvt_stop(e);
}

/* ---- 3. commands vs redis-server 7.0.15 ----------------------------------- */

typedef struct tcase {
    const char *cmd, *want;
    size_t wlen;
} tcase;

#define C(cmd, want) {cmd, want, sizeof(want) - 1}
#define RUN(cmd) {cmd, NULL, 0}

static const tcase cases[] = {
    /* ZADD basics, options and errors */
    RUN("flushall"),
    C("zadd z 1 a 2 b 3 c", ":3\r\n"),
    C("zadd z 1 a", ":0\r\n"),
    C("zadd z ch 10 a 2 b 30 d", ":2\r\n"),
    C("zrange z 0 -1 withscores", "*8\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\na\r\n$2\r\n10\r\n$1\r\nd\r\n$2\r\n30\r\n"),
    C("zadd z nx 100 a 5 e", ":1\r\n"),
    C("zadd z xx 100 a 5 f", ":0\r\n"),
    C("zadd z xx ch 7 a 7 b", ":2\r\n"),
    C("zadd z gt ch 6 a 8 b", ":1\r\n"),
    C("zadd z lt ch 6 a 9 b", ":1\r\n"),
    C("zadd z gt xx ch 50 c 50 nonexist", ":1\r\n"),
    C("zadd z lt xx ch 1 c", ":1\r\n"),
    C("zrange z 0 -1 withscores", "*10\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nb\r\n$1\r\n8\r\n$1\r\nd\r\n$2\r\n30\r\n"),
    C("zadd z incr 5 a", "$2\r\n11\r\n"),
    C("zadd z incr gt -1 a", "$-1\r\n"),
    C("zadd z incr lt -1 a", "$2\r\n10\r\n"),
    C("zadd z incr nx 1 a", "$-1\r\n"),
    C("zadd z incr xx 1 nonexist", "$-1\r\n"),
    C("zadd z incr 1.5 newm", "$3\r\n1.5\r\n"),
    C("zadd z nx xx 1 a", "-ERR XX and NX options at the same time are not compatible\r\n"),
    C("zadd z nx gt 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
    C("zadd z nx lt 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
    C("zadd z gt lt 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
    C("zadd z incr 1 a 2 b", "-ERR INCR option supports a single increment-element pair\r\n"),
    C("zadd z 1 a 2", "-ERR syntax error\r\n"),
    C("zadd z nx", "-ERR wrong number of arguments for 'zadd' command\r\n"),
    C("zadd z 1 a 2 b nx", "-ERR syntax error\r\n"),
    C("zadd z abc a", "-ERR value is not a valid float\r\n"),
    C("zadd z 1 a nan b", "-ERR value is not a valid float\r\n"),
    C("zadd z nan a", "-ERR value is not a valid float\r\n"),
    C("zadd z \"\" a", "-ERR value is not a valid float\r\n"),
    C("zadd z \" 1\" a", "-ERR value is not a valid float\r\n"),
    C("zadd z \"1 \" a", "-ERR value is not a valid float\r\n"),
    C("zadd z 1e400 a", "-ERR value is not a valid float\r\n"),
    C("zadd z 0x10 hex", ":1\r\n"),
    C("zadd z inf posinf -inf neginf", ":2\r\n"),
    C("zadd z incr -inf posinf", "-ERR resulting score is not a number (NaN)\r\n"),
    C("zadd z incr inf neginf", "-ERR resulting score is not a number (NaN)\r\n"),
    C("zscore z posinf", "$3\r\ninf\r\n"),
    C("zadd z -0 negzero", ":1\r\n"),
    C("zscore z negzero", "$1\r\n0\r\n"),
    C("zadd z NX CH Incr 2 a", "$-1\r\n"),
    C("zincrby z 1 a", "$2\r\n11\r\n"),
    C("zincrby z abc a", "-ERR value is not a valid float\r\n"),
    C("zincrby z 1.5 brand", "$3\r\n1.5\r\n"),
    C("zincrby z inf posinf", "$3\r\ninf\r\n"),
    C("zincrby z -inf posinf", "-ERR resulting score is not a number (NaN)\r\n"),
    C("zincrby nokey 3 m", "$1\r\n3\r\n"),
    C("zscore nokey m", "$1\r\n3\r\n"),
    C("zincrby z 1 a b", "-ERR wrong number of arguments for 'zincrby' command\r\n"),
    C("zrange z 0 -1 withscores", "*22\r\n$6\r\nneginf\r\n$4\r\n-inf\r\n$7\r\nnegzero\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n1\r\n$5\r\nbrand\r\n$3\r\n1.5\r\n$4\r\nnewm\r\n$3\r\n1.5\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nb\r\n$1\r\n8\r\n$1\r\na\r\n$2\r\n11\r\n$3\r\nhex\r\n$2\r\n16\r\n$1\r\nd\r\n$2\r\n30\r\n$6\r\nposinf\r\n$3\r\ninf\r\n"),
    /* score formatting */
    RUN("flushall"),
    C("zadd f 1e300 big 0.1 pt1 17.000000000000001 x17 1.5 half 123456789012345678 huge 4611686018427387904 p62 4611686018427387905 p62b -4611686018427387905 m62 3.0000000000000004 near3 1e-300 tiny 5e-324 denorm", ":11\r\n"),
    C("zrange f 0 -1 withscores", "*22\r\n$3\r\nm62\r\n$23\r\n-4.6116860184273879e+18\r\n$6\r\ndenorm\r\n$23\r\n4.9406564584124654e-324\r\n$4\r\ntiny\r\n$6\r\n1e-300\r\n$3\r\npt1\r\n$19\r\n0.10000000000000001\r\n$4\r\nhalf\r\n$3\r\n1.5\r\n$5\r\nnear3\r\n$18\r\n3.0000000000000004\r\n$3\r\nx17\r\n$2\r\n17\r\n$4\r\nhuge\r\n$22\r\n1.2345678901234568e+17\r\n$3\r\np62\r\n$22\r\n4.6116860184273879e+18\r\n$4\r\np62b\r\n$22\r\n4.6116860184273879e+18\r\n$3\r\nbig\r\n$23\r\n1.0000000000000001e+300\r\n"),
    C("zscore f big", "$23\r\n1.0000000000000001e+300\r\n"),
    C("zscore f tiny", "$6\r\n1e-300\r\n"),
    C("zscore f denorm", "$23\r\n4.9406564584124654e-324\r\n"),
    C("zscore f huge", "$22\r\n1.2345678901234568e+17\r\n"),
    C("zscore f near3", "$18\r\n3.0000000000000004\r\n"),
    C("zmscore f big pt1 nope", "*3\r\n$23\r\n1.0000000000000001e+300\r\n$19\r\n0.10000000000000001\r\n$-1\r\n"),
    C("zscan f 0", "*2\r\n$1\r\n0\r\n*22\r\n$3\r\nm62\r\n$20\r\n-4611686018427387904\r\n$6\r\ndenorm\r\n$23\r\n4.9406564584124654e-324\r\n$4\r\ntiny\r\n$6\r\n1e-300\r\n$3\r\npt1\r\n$19\r\n0.10000000000000001\r\n$4\r\nhalf\r\n$3\r\n1.5\r\n$5\r\nnear3\r\n$18\r\n3.0000000000000004\r\n$3\r\nx17\r\n$2\r\n17\r\n$4\r\nhuge\r\n$18\r\n123456789012345680\r\n$3\r\np62\r\n$19\r\n4611686018427387904\r\n$4\r\np62b\r\n$19\r\n4611686018427387904\r\n$3\r\nbig\r\n$23\r\n1.0000000000000001e+300\r\n"),
    /* ZREM and empty keys */
    RUN("flushall"),
    C("zadd z 1 a 2 b 3 c", ":3\r\n"),
    C("zrem z a nope", ":1\r\n"),
    C("zrem z nope", ":0\r\n"),
    C("zrem z b c d", ":2\r\n"),
    C("exists z", ":0\r\n"),
    C("zrem nokey a", ":0\r\n"),
    C("zcard z", ":0\r\n"),
    C("zcard nokey", ":0\r\n"),
    /* ZCARD ZSCORE ZRANK ZREVRANK */
    RUN("flushall"),
    C("zadd z 1 a 2 b 3 c 3 d 0 \"\\x00bin\" 3 \"c\\x00\"", ":6\r\n"),
    C("zcard z", ":6\r\n"),
    C("zscore z a", "$1\r\n1\r\n"),
    C("zscore z nope", "$-1\r\n"),
    C("zscore nokey a", "$-1\r\n"),
    C("zrank z a", ":1\r\n"),
    C("zrank z d", ":5\r\n"),
    C("zrank z \"c\\x00\"", ":4\r\n"),
    C("zrank z \"\\x00bin\"", ":0\r\n"),
    C("zrevrank z a", ":4\r\n"),
    C("zrevrank z d", ":0\r\n"),
    C("zrank z nope", "$-1\r\n"),
    C("zrank nokey a", "$-1\r\n"),
    C("zrevrank nokey a", "$-1\r\n"),
    C("zrange z 0 -1 withscores", "*12\r\n$4\r\n\x00""bin\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nc\x00\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n3\r\n"),
    /* binary members and ties */
    RUN("flushall"),
    C("zadd t 1 b 1 a 1 ab 1 \"\" 1 \"\\xff\" 1 \"\\x00\" 1 \"a\\x00\" 1 A 1 aa", ":9\r\n"),
    C("zrange t 0 -1", "*9\r\n$0\r\n\r\n$1\r\n\x00\r\n$1\r\nA\r\n$1\r\na\r\n$2\r\na\x00\r\n$2\r\naa\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\n\xff\r\n"),
    C("zrangebylex t - +", "*9\r\n$0\r\n\r\n$1\r\n\x00\r\n$1\r\nA\r\n$1\r\na\r\n$2\r\na\x00\r\n$2\r\naa\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\n\xff\r\n"),
    C("zrangebylex t [a (b", "*4\r\n$1\r\na\r\n$2\r\na\x00\r\n$2\r\naa\r\n$2\r\nab\r\n"),
    C("zrangebylex t \"[a\\x00\" +", "*5\r\n$2\r\na\x00\r\n$2\r\naa\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\n\xff\r\n"),
    C("zrank t \"\"", ":0\r\n"),
    C("zrank t \"\\xff\"", ":8\r\n"),
    C("zscore t \"\"", "$1\r\n1\r\n"),
    /* ZCOUNT and ZLEXCOUNT */
    RUN("flushall"),
    C("zadd z 1 a 2 b 3 c 4 d 5 e", ":5\r\n"),
    C("zcount z -inf +inf", ":5\r\n"),
    C("zcount z 2 4", ":3\r\n"),
    C("zcount z (2 4", ":2\r\n"),
    C("zcount z 2 (4", ":2\r\n"),
    C("zcount z (2 (4", ":1\r\n"),
    C("zcount z (2 (2", ":0\r\n"),
    C("zcount z 2 2", ":1\r\n"),
    C("zcount z 4 2", ":0\r\n"),
    C("zcount z 6 10", ":0\r\n"),
    C("zcount z -10 0", ":0\r\n"),
    C("zcount z a b", "-ERR min or max is not a float\r\n"),
    C("zcount z 1 b", "-ERR min or max is not a float\r\n"),
    C("zcount z \"(\" 3", ":3\r\n"),
    C("zcount z \"\" 10", ":5\r\n"),
    C("zcount z nan 10", "-ERR min or max is not a float\r\n"),
    C("zcount z \"(nan\" 10", "-ERR min or max is not a float\r\n"),
    C("zcount nokey 0 1", ":0\r\n"),
    RUN("zadd l 0 a 0 b 0 c 0 d 0 e"),
    C("zlexcount l - +", ":5\r\n"),
    C("zlexcount l [b [d", ":3\r\n"),
    C("zlexcount l (b (d", ":1\r\n"),
    C("zlexcount l (b [d", ":2\r\n"),
    C("zlexcount l [d [b", ":0\r\n"),
    C("zlexcount l + -", ":0\r\n"),
    C("zlexcount l - -", ":0\r\n"),
    C("zlexcount l + +", ":0\r\n"),
    C("zlexcount l [a (a", ":0\r\n"),
    C("zlexcount l [a [a", ":1\r\n"),
    C("zlexcount l a c", "-ERR min or max not valid string range item\r\n"),
    C("zlexcount l [a c", "-ERR min or max not valid string range item\r\n"),
    C("zlexcount l \"\" +", "-ERR min or max not valid string range item\r\n"),
    C("zlexcount l -x +", "-ERR min or max not valid string range item\r\n"),
    C("zlexcount l - +x", "-ERR min or max not valid string range item\r\n"),
    C("zlexcount nokey - +", ":0\r\n"),
    C("zlexcount l - (c", ":2\r\n"),
    C("zlexcount l [c +", ":3\r\n"),
    /* ZRANGE by rank */
    RUN("flushall"),
    RUN("zadd z 1 a 2 b 3 c 4 d 5 e"),
    C("zrange z 0 -1", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
    C("zrange z 0 -1 withscores", "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"),
    C("zrange z 1 3", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
    C("zrange z -2 -1", "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"),
    C("zrange z -100 100", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
    C("zrange z 3 1", "*0\r\n"),
    C("zrange z 5 10", "*0\r\n"),
    C("zrange z -1 -2", "*0\r\n"),
    C("zrange z 0 0 withscores", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    C("zrange z 0 -1 rev", "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
    C("zrange z 1 2 rev withscores", "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n"),
    C("zrevrange z 0 1", "*2\r\n$1\r\ne\r\n$1\r\nd\r\n"),
    C("zrevrange z 0 -1 withscores", "*10\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    C("zrevrange z 0 -1 WITHSCORES", "*10\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    C("zrange z a b", "-ERR value is not an integer or out of range\r\n"),
    C("zrange z 0 b", "-ERR value is not an integer or out of range\r\n"),
    C("zrange z 0 -1 limit 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
    C("zrange z 0 -1 limit 0 -1", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
    C("zrange z 0 -1 limit 1", "-ERR syntax error\r\n"),
    C("zrange z 0 -1 foo", "-ERR syntax error\r\n"),
    C("zrange z 0 -1 rev rev", "-ERR syntax error\r\n"),
    C("zrevrange z 0 -1 rev", "-ERR syntax error\r\n"),
    C("zrange nokey 0 -1", "*0\r\n"),
    C("zrange nokey a b", "-ERR value is not an integer or out of range\r\n"),
    C("zrange z 0 -1 withscores withscores", "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"),
    /* ZRANGE by score */
    C("zrange z 2 4 byscore", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
    C("zrange z (2 4 byscore withscores", "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"),
    C("zrange z 4 2 byscore rev withscores", "*6\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n"),
    C("zrange z +inf -inf byscore rev", "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
    C("zrange z -inf +inf byscore limit 1 2", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    C("zrange z -inf +inf byscore limit 1 -1", "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
    C("zrange z -inf +inf byscore limit -1 2", "*0\r\n"),
    C("zrange z -inf +inf byscore limit 5 2", "*0\r\n"),
    C("zrange z -inf +inf byscore limit 4 2", "*1\r\n$1\r\ne\r\n"),
    C("zrange z -inf +inf byscore limit 0 0", "*0\r\n"),
    C("zrange z -inf +inf byscore rev limit 1 2 withscores", "*0\r\n"),
    C("zrange z a b byscore", "-ERR min or max is not a float\r\n"),
    C("zrange z 1 (b byscore", "-ERR min or max is not a float\r\n"),
    C("zrangebyscore z 2 4", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
    C("zrangebyscore z 2 4 withscores limit 1 1", "*2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
    C("zrangebyscore z 2 4 limit 1 1 withscores", "*2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
    C("zrangebyscore z 2 4 rev", "-ERR syntax error\r\n"),
    C("zrangebyscore z 2 4 byscore", "-ERR syntax error\r\n"),
    C("zrangebyscore z 2 4 limit 1", "-ERR syntax error\r\n"),
    C("zrangebyscore z 2 4 limit x 1", "-ERR value is not an integer or out of range\r\n"),
    C("zrevrangebyscore z 4 2", "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"),
    C("zrevrangebyscore z 4 2 withscores limit 0 2", "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n"),
    C("zrevrangebyscore z 2 4", "*0\r\n"),
    C("zrangebyscore nokey 0 1", "*0\r\n"),
    C("zrangebyscore z 0 1 nope", "-ERR syntax error\r\n"),
    C("zrangebyscore z (1 (1", "*0\r\n"),
    C("zrangebyscore z 1 1", "*1\r\n$1\r\na\r\n"),
    C("zrangebyscore z -inf -inf", "*0\r\n"),
    C("zrangebyscore z +inf +inf", "*0\r\n"),
    /* ZRANGE by lex */
    RUN("zadd l 0 a 0 b 0 c 0 d 0 e"),
    C("zrange l [b [d bylex", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
    C("zrange l (b (d bylex", "*1\r\n$1\r\nc\r\n"),
    C("zrange l [d [b bylex rev", "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"),
    C("zrange l - + bylex limit 1 2", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    C("zrange l + - bylex rev limit 1 2", "*2\r\n$1\r\nd\r\n$1\r\nc\r\n"),
    C("zrange l - + bylex withscores", "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
    C("zrange l a b bylex", "-ERR min or max not valid string range item\r\n"),
    C("zrangebylex l - +", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
    C("zrangebylex l [c +", "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
    C("zrangebylex l - (c", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
    C("zrangebylex l - + limit 2 10", "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
    C("zrangebylex l - + limit -1 10", "*0\r\n"),
    C("zrangebylex l - + withscores", "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
    C("zrevrangebylex l + -", "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
    C("zrevrangebylex l (d [b", "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"),
    C("zrevrangebylex l + - limit 1 1", "*1\r\n$1\r\nd\r\n"),
    C("zrevrangebylex l - +", "*0\r\n"),
    C("zrangebylex nokey - +", "*0\r\n"),
    C("zrangebylex l + +", "*0\r\n"),
    C("zrangebylex l - -", "*0\r\n"),
    C("zrangebylex l [aa [bb", "*1\r\n$1\r\nb\r\n"),
    /* ZRANGESTORE */
    C("zrangestore dst z 0 -1", ":5\r\n"),
    C("zrange dst 0 -1 withscores", "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"),
    C("object encoding dst", "$8\r\nlistpack\r\n"),
    C("zrangestore dst z 1 2 rev", ":2\r\n"),
    C("zrange dst 0 -1 withscores", "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"),
    C("zrangestore dst z (2 +inf byscore limit 1 5", ":2\r\n"),
    C("zrange dst 0 -1 withscores", "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"),
    C("zrangestore dst l [b [c bylex", ":2\r\n"),
    C("zrange dst 0 -1 withscores", "*4\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n"),
    C("zrangestore dst z 10 20", ":0\r\n"),
    C("exists dst", ":0\r\n"),
    C("zrangestore dst z 0 -1 withscores", "-ERR syntax error\r\n"),
    C("zrangestore dst nokey 0 -1", ":0\r\n"),
    C("zrangestore z z 0 1", ":2\r\n"),
    C("zrange z 0 -1 withscores", "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"),
    RUN("set str x"),
    C("zrangestore dst str 0 -1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zrangestore str z 0 -1", ":2\r\n"),
    C("type str", "+zset\r\n"),
    C("zrangestore dst z 0 -1 limit 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
    C("zrangestore dst z 0", "-ERR wrong number of arguments for 'zrangestore' command\r\n"),
    /* ZREMRANGEBY* */
    RUN("flushall"),
    RUN("zadd z 1 a 2 b 3 c 4 d 5 e 6 f"),
    C("zremrangebyrank z 0 0", ":1\r\n"),
    C("zremrangebyrank z -1 -1", ":1\r\n"),
    C("zremrangebyrank z 10 20", ":0\r\n"),
    C("zremrangebyrank z 2 1", ":0\r\n"),
    C("zremrangebyrank z a 1", "-ERR value is not an integer or out of range\r\n"),
    C("zrange z 0 -1", "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
    C("zremrangebyscore z (2 3", ":1\r\n"),
    C("zremrangebyscore z a 1", "-ERR min or max is not a float\r\n"),
    C("zremrangebyscore z 10 1", ":0\r\n"),
    C("zrange z 0 -1 withscores", "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"),
    C("zremrangebyscore z -inf +inf", ":3\r\n"),
    C("exists z", ":0\r\n"),
    C("zremrangebyrank nokey 0 -1", ":0\r\n"),
    RUN("zadd l 0 a 0 b 0 c 0 d"),
    C("zremrangebylex l [b (d", ":2\r\n"),
    C("zremrangebylex l a b", "-ERR min or max not valid string range item\r\n"),
    C("zremrangebylex l + -", ":0\r\n"),
    C("zrange l 0 -1", "*2\r\n$1\r\na\r\n$1\r\nd\r\n"),
    C("zremrangebylex l - +", ":2\r\n"),
    C("exists l", ":0\r\n"),
    C("zremrangebyscore nokey 0 1", ":0\r\n"),
    C("zremrangebylex nokey - +", ":0\r\n"),
    /* ZPOPMIN ZPOPMAX ZMPOP */
    RUN("flushall"),
    RUN("zadd z 1 a 2 b 3 c 4 d 5 e"),
    C("zpopmin z", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    C("zpopmax z", "*2\r\n$1\r\ne\r\n$1\r\n5\r\n"),
    C("zpopmin z 2", "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
    C("zpopmax z 0", "*0\r\n"),
    C("zpopmin z -1", "-ERR value is out of range, must be positive\r\n"),
    C("zpopmin z abc", "-ERR value is out of range, must be positive\r\n"),
    C("zpopmin z 1 2", "-ERR syntax error\r\n"),
    C("zpopmax z 10", "*2\r\n$1\r\nd\r\n$1\r\n4\r\n"),
    C("exists z", ":0\r\n"),
    C("zpopmin z", "*0\r\n"),
    C("zpopmin z 0", "*0\r\n"),
    C("zpopmax nokey 3", "*0\r\n"),
    RUN("zadd z 1 a 2 b 3 c"),
    C("zmpop 1 z min", "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    C("zmpop 2 nokey z max count 10", "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"),
    C("exists z", ":0\r\n"),
    C("zmpop 1 z min", "*-1\r\n"),
    C("zmpop 0 z min", "-ERR numkeys should be greater than 0\r\n"),
    C("zmpop -1 z min", "-ERR numkeys should be greater than 0\r\n"),
    C("zmpop abc z min", "-ERR numkeys should be greater than 0\r\n"),
    C("zmpop 1 z foo", "-ERR syntax error\r\n"),
    C("zmpop 1 z", "-ERR wrong number of arguments for 'zmpop' command\r\n"),
    C("zmpop 2 z min", "-ERR syntax error\r\n"),
    C("zmpop 1 z min count 0", "-ERR count should be greater than 0\r\n"),
    C("zmpop 1 z min count -1", "-ERR count should be greater than 0\r\n"),
    C("zmpop 1 z min count abc", "-ERR count should be greater than 0\r\n"),
    C("zmpop 1 z min count 1 count 2", "-ERR syntax error\r\n"),
    C("zmpop 1 z min count", "-ERR syntax error\r\n"),
    C("zmpop 1 z min foo", "-ERR syntax error\r\n"),
    RUN("zadd z 1 a"),
    RUN("set str x"),
    C("zmpop 2 str z min", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zmpop 2 z str min", "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    C("zpopmin str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    /* blocking pops served at once */
    RUN("flushall"),
    RUN("zadd z 1 a 2 b 3 c"),
    RUN("zadd y 9 x"),
    C("bzpopmin nokey z 0", "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"),
    C("bzpopmax nokey z y 0", "*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n"),
    C("bzpopmin z abc", "-ERR timeout is not a float or out of range\r\n"),
    C("bzpopmin z -1", "-ERR timeout is negative\r\n"),
    C("bzpopmin z inf", "-ERR timeout is negative\r\n"),
    C("bzpopmin z 1e30", "-ERR timeout is negative\r\n"),
    C("bzmpop 0 2 nokey y min", "*2\r\n$1\r\ny\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n9\r\n"),
    C("exists y", ":0\r\n"),
    C("bzmpop 0 1 z max count 10", "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"),
    C("bzmpop abc 1 z min", "-ERR timeout is not a float or out of range\r\n"),
    C("bzmpop 0 0 z min", "-ERR numkeys should be greater than 0\r\n"),
    C("bzmpop 0 1 z foo", "-ERR syntax error\r\n"),
    RUN("set str x"),
    C("bzpopmin str 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("bzmpop 0 1 str min", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    RUN("zadd z 1 a"),
    C("multi", "+OK\r\n"),
    C("bzpopmin nokey 0", "+QUEUED\r\n"),
    C("bzpopmax nokey 0", "+QUEUED\r\n"),
    C("bzmpop 0 1 nokey min", "+QUEUED\r\n"),
    C("bzpopmin z 0", "+QUEUED\r\n"),
    C("exec", "*4\r\n*-1\r\n*-1\r\n*-1\r\n*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"),
    /* ZUNION ZINTER ZDIFF and their STORE forms, ZINTERCARD */
    RUN("flushall"),
    RUN("zadd u1 1 a 2 b 3 c"),
    RUN("zadd u2 10 b 20 c 30 d"),
    RUN("sadd s1 a c x 1 2"),
    RUN("sadd si 1 2 3"),
    C("zunion 2 u1 u2", "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
    C("zunion 2 u1 u2 withscores", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n"),
    C("zunion 3 u1 u2 s1 withscores", "*14\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n24\r\n$1\r\nd\r\n$2\r\n30\r\n"),
    C("zunion 3 u1 u2 si withscores", "*14\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n"),
    C("zunion 3 u1 u2 s1 weights 1 2 3 withscores", "*14\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\nx\r\n$1\r\n3\r\n$1\r\na\r\n$1\r\n4\r\n$1\r\nb\r\n$2\r\n22\r\n$1\r\nc\r\n$2\r\n46\r\n$1\r\nd\r\n$2\r\n60\r\n"),
    C("zunion 3 u1 u2 s1 weights 1 2 3 aggregate min withscores", "*14\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nx\r\n$1\r\n3\r\n$1\r\nd\r\n$2\r\n60\r\n"),
    C("zunion 3 u1 u2 s1 aggregate max withscores", "*14\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\nc\r\n$2\r\n20\r\n$1\r\nd\r\n$2\r\n30\r\n"),
    C("zunion 2 u1 u2 aggregate sum withscores", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n"),
    C("zunion 2 u1 nokey withscores", "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
    C("zunion 2 u1 u2 weights 0.5 -1 withscores", "*8\r\n$1\r\nd\r\n$3\r\n-30\r\n$1\r\nc\r\n$5\r\n-18.5\r\n$1\r\nb\r\n$2\r\n-9\r\n$1\r\na\r\n$3\r\n0.5\r\n"),
    C("zunion 2 u1 u2 weights 1", "-ERR syntax error\r\n"),
    C("zunion 2 u1 u2 weights 1 x", "-ERR weight value is not a float\r\n"),
    C("zunion 2 u1 u2 weights 1 nan", "-ERR weight value is not a float\r\n"),
    C("zunion 2 u1 u2 aggregate foo", "-ERR syntax error\r\n"),
    C("zunion 2 u1 u2 aggregate", "-ERR syntax error\r\n"),
    C("zunion 2 u1 u2 withscores withscores", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n"),
    C("zunion 0 u1", "-ERR at least 1 input key is needed for 'zunion' command\r\n"),
    C("zunion -1 u1", "-ERR at least 1 input key is needed for 'zunion' command\r\n"),
    C("zunion abc u1", "-ERR value is not an integer or out of range\r\n"),
    C("zunion 3 u1 u2", "-ERR syntax error\r\n"),
    C("zunion 1 nokey", "*0\r\n"),
    C("zinter 2 u1 u2", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    C("zinter 2 u1 u2 withscores", "*4\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n"),
    C("zinter 3 u1 u2 s1 withscores", "*2\r\n$1\r\nc\r\n$2\r\n24\r\n"),
    C("zinter 2 u1 u1 weights 2 3 withscores", "*6\r\n$1\r\na\r\n$1\r\n5\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\nc\r\n$2\r\n15\r\n"),
    C("zinter 2 u1 s1 aggregate max withscores", "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n3\r\n"),
    C("zinter 2 u1 nokey", "*0\r\n"),
    C("zinter 1 u1 weights 3 withscores", "*6\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n6\r\n$1\r\nc\r\n$1\r\n9\r\n"),
    C("zdiff 2 u1 u2 withscores", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    C("zdiff 2 u1 s1 withscores", "*2\r\n$1\r\nb\r\n$1\r\n2\r\n"),
    C("zdiff 2 s1 u1 withscores", "*6\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n"),
    C("zdiff 2 u1 u1 withscores", "*0\r\n"),
    C("zdiff 1 u1", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    C("zdiff 2 nokey u1", "*0\r\n"),
    C("zdiff 2 u1 u2 weights 1 1", "-ERR syntax error\r\n"),
    C("zdiff 2 u1 u2 aggregate sum", "-ERR syntax error\r\n"),
    C("zintercard 2 u1 u2", ":2\r\n"),
    C("zintercard 3 u1 u2 s1", ":1\r\n"),
    C("zintercard 2 u1 u2 limit 1", ":1\r\n"),
    C("zintercard 2 u1 u2 limit 0", ":2\r\n"),
    C("zintercard 2 u1 u2 limit -1", "-ERR LIMIT can't be negative\r\n"),
    C("zintercard 2 u1 u2 limit abc", "-ERR LIMIT can't be negative\r\n"),
    C("zintercard 2 u1 u2 withscores", "-ERR syntax error\r\n"),
    C("zintercard 2 u1 u2 weights 1 1", "-ERR syntax error\r\n"),
    C("zintercard 0 u1", "-ERR at least 1 input key is needed for 'zintercard' command\r\n"),
    C("zunionstore d 2 u1 u2", ":4\r\n"),
    C("zrange d 0 -1 withscores", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n"),
    C("object encoding d", "$8\r\nlistpack\r\n"),
    C("zinterstore d 2 u1 u2 weights 2 0.5", ":2\r\n"),
    C("zrange d 0 -1 withscores", "*4\r\n$1\r\nb\r\n$1\r\n9\r\n$1\r\nc\r\n$2\r\n16\r\n"),
    C("zdiffstore d 2 u1 u2", ":1\r\n"),
    C("zrange d 0 -1 withscores", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    C("zinterstore d 2 u1 nokey", ":0\r\n"),
    C("exists d", ":0\r\n"),
    C("zinterstore d 2 u1 nokey", ":0\r\n"),
    C("zunionstore d 2 u1 u2 withscores", "-ERR syntax error\r\n"),
    C("zunionstore d 0 u1", "-ERR at least 1 input key is needed for 'zunionstore' command\r\n"),
    C("zdiffstore d 0 u1", "-ERR at least 1 input key is needed for 'zdiffstore' command\r\n"),
    C("zunionstore u1 2 u1 u2", ":4\r\n"),
    C("zrange u1 0 -1 withscores", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n"),
    RUN("set str x"),
    C("zunion 2 u1 str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zinter 2 str u1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zunionstore str 1 u2", ":3\r\n"),
    C("type str", "+zset\r\n"),
    C("zunionstore d 2 u2 str", ":3\r\n"),
    RUN("zadd inf1 inf a"),
    RUN("zadd inf2 -inf a"),
    C("zunion 2 inf1 inf2 withscores", "*2\r\n$1\r\na\r\n$1\r\n0\r\n"),
    C("zinter 2 inf1 inf2 withscores", "*2\r\n$1\r\na\r\n$1\r\n0\r\n"),
    C("zunion 2 inf1 inf2 weights 0 1 withscores", "*2\r\n$1\r\na\r\n$4\r\n-inf\r\n"),
    C("zinter 2 inf1 inf2 weights 0 0 withscores", "*2\r\n$1\r\na\r\n$1\r\n0\r\n"),
    C("zinter 2 inf1 inf2 aggregate min withscores", "*2\r\n$1\r\na\r\n$4\r\n-inf\r\n"),
    C("zinter 2 inf1 inf2 aggregate max withscores", "*2\r\n$1\r\na\r\n$3\r\ninf\r\n"),
    RUN("zadd w1 0.1 a"),
    RUN("zadd w2 0.2 a"),
    RUN("zadd w3 0.3 a"),
    C("zunion 3 w1 w2 w3 withscores", "*2\r\n$1\r\na\r\n$19\r\n0.60000000000000009\r\n"),
    C("zunion 3 w3 w2 w1 withscores", "*2\r\n$1\r\na\r\n$19\r\n0.59999999999999998\r\n"),
    C("zinter 3 w3 w1 w2 withscores", "*2\r\n$1\r\na\r\n$19\r\n0.60000000000000009\r\n"),
    /* ZSCAN */
    RUN("flushall"),
    RUN("zadd z 1 a 2 b 1.5 c 1e17 d -0 e inf f"),
    C("zscan z 0", "*2\r\n$1\r\n0\r\n*12\r\n$1\r\ne\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nd\r\n$18\r\n100000000000000000\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
    C("zscan z 0 count 1", "*2\r\n$1\r\n0\r\n*12\r\n$1\r\ne\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nd\r\n$18\r\n100000000000000000\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
    C("zscan z 0 match a*", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    C("zscan z 0 match * count 100", "*2\r\n$1\r\n0\r\n*12\r\n$1\r\ne\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nd\r\n$18\r\n100000000000000000\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
    C("zscan z 0 count 0", "-ERR syntax error\r\n"),
    C("zscan z 0 count abc", "-ERR value is not an integer or out of range\r\n"),
    C("zscan z 0 match", "-ERR syntax error\r\n"),
    C("zscan z 0 type zset", "-ERR syntax error\r\n"),
    C("zscan z abc", "-ERR invalid cursor\r\n"),
    C("zscan z -1", "*2\r\n$1\r\n0\r\n*12\r\n$1\r\ne\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nd\r\n$18\r\n100000000000000000\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
    C("zscan nokey 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
    C("zscan nokey abc", "-ERR invalid cursor\r\n"),
    RUN("set str x"),
    C("zscan str 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    /* ZRANDMEMBER (deterministic cases) */
    RUN("flushall"),
    RUN("zadd z 1 a 2 b 3 c"),
    C("zrandmember z 3", "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
    C("zrandmember z 5 withscores", "*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"),
    C("zrandmember z 0", "*0\r\n"),
    C("zrandmember z 0 withscores", "*0\r\n"),
    C("zrandmember nokey", "$-1\r\n"),
    C("zrandmember nokey 3", "*0\r\n"),
    C("zrandmember nokey 3 withscores", "*0\r\n"),
    C("zrandmember z abc", "-ERR value is not an integer or out of range\r\n"),
    C("zrandmember z 1 foo", "-ERR syntax error\r\n"),
    C("zrandmember z 1 withscores foo", "-ERR syntax error\r\n"),
    C("zrandmember nokey 1 foo", "-ERR syntax error\r\n"),
    C("zrandmember z -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
    C("zrandmember nokey 4611686018427387903 withscores", "*0\r\n"),
    C("zrandmember nokey 4611686018427387904 withscores", "-ERR value is out of range\r\n"),
    C("zrandmember nokey -4611686018427387904 withscores", "-ERR value is out of range\r\n"),
    C("zrandmember nokey -4611686018427387903 withscores", "*0\r\n"),
    C("zrandmember str 4611686018427387904 withscores", "-ERR value is out of range\r\n"),
    C("zrandmember str", "$-1\r\n"),
    C("zrandmember str 1", "*0\r\n"),
    RUN("zadd one 5 only"),
    C("zrandmember one", "$4\r\nonly\r\n"),
    C("zrandmember one -3", "*3\r\n$4\r\nonly\r\n$4\r\nonly\r\n$4\r\nonly\r\n"),
    C("zrandmember one -2 withscores", "*4\r\n$4\r\nonly\r\n$1\r\n5\r\n$4\r\nonly\r\n$1\r\n5\r\n"),
    C("zrandmember one 1 withscores", "*2\r\n$4\r\nonly\r\n$1\r\n5\r\n"),
    /* WRONGTYPE everywhere */
    RUN("flushall"),
    RUN("set str x"),
    C("zadd str 1 a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zincrby str 1 a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zrem str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zcard str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zscore str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zmscore str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zrank str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zrevrank str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zcount str 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zlexcount str - +", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zrange str 0 -1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zrangebyscore str 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zrangebylex str - +", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zrevrange str 0 -1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zremrangebyrank str 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zremrangebyscore str 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zremrangebylex str - +", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zpopmin str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zpopmax str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zmpop 1 str min", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zrandmember str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zscan str 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zunionstore d 1 str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    C("zintercard 1 str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    /* arity */
    C("zadd z", "-ERR wrong number of arguments for 'zadd' command\r\n"),
    C("zadd z 1", "-ERR wrong number of arguments for 'zadd' command\r\n"),
    C("zincrby z 1", "-ERR wrong number of arguments for 'zincrby' command\r\n"),
    C("zrem z", "-ERR wrong number of arguments for 'zrem' command\r\n"),
    C("zcard", "-ERR wrong number of arguments for 'zcard' command\r\n"),
    C("zscore z", "-ERR wrong number of arguments for 'zscore' command\r\n"),
    C("zmscore z", "-ERR wrong number of arguments for 'zmscore' command\r\n"),
    C("zrank z", "-ERR wrong number of arguments for 'zrank' command\r\n"),
    C("zcount z 1", "-ERR wrong number of arguments for 'zcount' command\r\n"),
    C("zrange z 0", "-ERR wrong number of arguments for 'zrange' command\r\n"),
    C("zrangebyscore z 0", "-ERR wrong number of arguments for 'zrangebyscore' command\r\n"),
    C("zpopmin", "-ERR wrong number of arguments for 'zpopmin' command\r\n"),
    C("zmpop 1", "-ERR wrong number of arguments for 'zmpop' command\r\n"),
    C("bzpopmin z", "-ERR wrong number of arguments for 'bzpopmin' command\r\n"),
    C("bzmpop 0 1 z", "-ERR wrong number of arguments for 'bzmpop' command\r\n"),
    C("zunion 1", "-ERR wrong number of arguments for 'zunion' command\r\n"),
    C("zunionstore d 1", "-ERR wrong number of arguments for 'zunionstore' command\r\n"),
    C("zintercard 1", "-ERR wrong number of arguments for 'zintercard' command\r\n"),
    C("zscan z", "-ERR wrong number of arguments for 'zscan' command\r\n"),
    C("zrandmember", "-ERR wrong number of arguments for 'zrandmember' command\r\n"),
    C("zremrangebyrank z 0", "-ERR wrong number of arguments for 'zremrangebyrank' command\r\n"),
    /* encodings at the thresholds (128 entries, 64 bytes) */
    RUN("flushall"),
    C("zadd big 0 m0 1 m1 2 m2 3 m3 4 m4 5 m5 6 m6 7 m7 8 m8 9 m9 10 m10 11 m11 12 m12 13 m13 14 m14 15 m15 16 m16 17 m17 18 m18 19 m19 20 m20 21 m21 22 m22 23 m23 24 m24 25 m25 26 m26 27 m27 28 m28 29 m29 30 m30 31 m31 32 m32 33 m33 34 m34 35 m35 36 m36 37 m37 38 m38 39 m39 40 m40 41 m41 42 m42 43 m43 44 m44 45 m45 46 m46 47 m47 48 m48 49 m49 50 m50 51 m51 52 m52 53 m53 54 m54 55 m55 56 m56 57 m57 58 m58 59 m59 60 m60 61 m61 62 m62 63 m63 64 m64 65 m65 66 m66 67 m67 68 m68 69 m69 70 m70 71 m71 72 m72 73 m73 74 m74 75 m75 76 m76 77 m77 78 m78 79 m79 80 m80 81 m81 82 m82 83 m83 84 m84 85 m85 86 m86 87 m87 88 m88 89 m89 90 m90 91 m91 92 m92 93 m93 94 m94 95 m95 96 m96 97 m97 98 m98 99 m99 100 m100 101 m101 102 m102 103 m103 104 m104 105 m105 106 m106 107 m107 108 m108 109 m109 110 m110 111 m111 112 m112 113 m113 114 m114 115 m115 116 m116 117 m117 118 m118 119 m119 120 m120 121 m121 122 m122 123 m123 124 m124 125 m125 126 m126 127 m127", ":128\r\n"),
    C("object encoding big", "$8\r\nlistpack\r\n"),
    C("zadd big 128 m128", ":1\r\n"),
    C("object encoding big", "$8\r\nskiplist\r\n"),
    C("zrem big m128 m127", ":2\r\n"),
    C("object encoding big", "$8\r\nskiplist\r\n"),
    C("zadd v 1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", ":1\r\n"),
    C("object encoding v", "$8\r\nlistpack\r\n"),
    C("zadd v 2 yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", ":1\r\n"),
    C("object encoding v", "$8\r\nskiplist\r\n"),
    C("zadd w 1 yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", ":1\r\n"),
    C("object encoding w", "$8\r\nskiplist\r\n"),
    C("zadd w2 1 a 2 yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", ":2\r\n"),
    C("object encoding w2", "$8\r\nskiplist\r\n"),
    C("zrangestore d big 0 127", ":127\r\n"),
    C("object encoding d", "$8\r\nlistpack\r\n"),
    C("zrangestore d big 0 126", ":127\r\n"),
    C("object encoding d", "$8\r\nlistpack\r\n"),
    C("zrangestore d w2 0 0", ":1\r\n"),
    C("object encoding d", "$8\r\nlistpack\r\n"),
    C("zunionstore d 1 w2", ":2\r\n"),
    C("object encoding d", "$8\r\nskiplist\r\n"),
    C("zremrangebyrank w2 1 1", ":1\r\n"),
    C("object encoding w2", "$8\r\nskiplist\r\n"),
    C("zunionstore d 1 w2", ":1\r\n"),
    C("object encoding d", "$8\r\nlistpack\r\n"),
    C("zinterstore d 2 big big", ":127\r\n"),
    C("object encoding d", "$8\r\nlistpack\r\n"),
    C("zdiffstore d 1 big", ":127\r\n"),
    C("object encoding d", "$8\r\nlistpack\r\n"),
    C("config set zset-max-listpack-entries 0", "+OK\r\n"),
    C("zadd e 1 a", ":1\r\n"),
    C("object encoding e", "$8\r\nskiplist\r\n"),
    C("zrangestore d e 0 -1", ":1\r\n"),
    C("object encoding d", "$8\r\nskiplist\r\n"),
    C("zunionstore d 1 e", ":1\r\n"),
    C("object encoding d", "$8\r\nskiplist\r\n"),
    C("config set zset-max-listpack-entries 128", "+OK\r\n"),
    C("config set zset-max-listpack-value 0", "+OK\r\n"),
    C("zadd e2 1 a", ":1\r\n"),
    C("object encoding e2", "$8\r\nskiplist\r\n"),
    C("zadd e3 1 \"\"", ":1\r\n"),
    C("object encoding e3", "$8\r\nlistpack\r\n"),
    C("config set zset-max-listpack-value 64", "+OK\r\n"),
    C("copy big bigcopy", ":1\r\n"),
    C("object encoding bigcopy", "$8\r\nskiplist\r\n"),
    C("zrange bigcopy 0 2 withscores", "*6\r\n$2\r\nm0\r\n$1\r\n0\r\n$2\r\nm1\r\n$1\r\n1\r\n$2\r\nm2\r\n$1\r\n2\r\n"),
    C("copy v vcopy", ":1\r\n"),
    C("object encoding vcopy", "$8\r\nskiplist\r\n"),
    C("zrange vcopy 0 -1 withscores", "*4\r\n$64\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n$1\r\n1\r\n$65\r\nyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n$1\r\n2\r\n"),
    /* RESP3 */
    RUN("flushall"),
    RUN("hello 3"),
    RUN("zadd z 1 a 2 b 3 c"),
    C("zrange z 0 -1", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    C("zrange z 0 -1 withscores", "*3\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"),
    C("zrange z 0 -1 rev withscores", "*3\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n"),
    C("zrangebyscore z -inf +inf withscores limit 0 2", "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n"),
    C("zrevrangebyscore z +inf -inf withscores", "*3\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n"),
    C("zrevrange z 0 -1 withscores", "*3\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n"),
    C("zrangebylex z - +", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    C("zscore z a", ",1\r\n"),
    C("zscore z nope", "_\r\n"),
    C("zscore nokey a", "_\r\n"),
    C("zmscore z a nope", "*2\r\n,1\r\n_\r\n"),
    C("zincrby z 1.5 a", ",2.5\r\n"),
    C("zadd z incr 1 a", ",3.5\r\n"),
    C("zadd z nx incr 1 a", "_\r\n"),
    C("zrank z nope", "_\r\n"),
    C("zrandmember nokey", "_\r\n"),
    C("zrandmember z 5 withscores", "*3\r\n*2\r\n$1\r\na\r\n,3.5\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n"),
    C("zrandmember z 0 withscores", "*0\r\n"),
    C("zunion 1 z withscores", "*3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\na\r\n,3.5\r\n"),
    C("zinter 1 z withscores", "*3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\na\r\n,3.5\r\n"),
    C("zdiff 1 z withscores", "*3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\na\r\n,3.5\r\n"),
    C("zunion 1 z", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n"),
    C("zpopmin z", "*2\r\n$1\r\nb\r\n,2\r\n"),
    C("zpopmin z 1", "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n"),
    C("zpopmax z 5", "*1\r\n*2\r\n$1\r\na\r\n,3.5\r\n"),
    C("zpopmin nokey", "*0\r\n"),
    C("zpopmin nokey 2", "*0\r\n"),
    RUN("zadd z 1 a 2 b 3 c inf x -inf y"),
    C("zmpop 1 z min count 2", "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\ny\r\n,-inf\r\n*2\r\n$1\r\na\r\n,1\r\n"),
    C("zmpop 1 z max", "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nx\r\n,inf\r\n"),
    C("zmpop 1 nokey min", "_\r\n"),
    C("bzpopmin z 0", "*3\r\n$1\r\nz\r\n$1\r\nb\r\n,2\r\n"),
    C("bzmpop 0 1 z max count 10", "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n,3\r\n"),
    C("zscan nokey 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
    RUN("zadd z 1.5 a"),
    C("zscan z 0", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$3\r\n1.5\r\n"),
    C("multi", "+OK\r\n"),
    C("bzpopmin nokey 0", "+QUEUED\r\n"),
    C("bzmpop 0 1 nokey min", "+QUEUED\r\n"),
    C("exec", "*2\r\n_\r\n_\r\n"),
    RUN("hello 2"),
};

static void test_recorded_replies(void) {
    kvt_env *e = kvt_start_prop();
    int failed = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const tcase *t = &cases[i];
        kvt_run(e->c, t->cmd);
        if (!t->want) continue;
        if (!is_mem(e->c->out, sds_len(e->c->out), t->want, t->wlen, "%s", t->cmd)) failed++;
    }
    if (failed) diag("%d recorded replies differ", failed);
    kvt_stop(e);
}

/* ---- 4. ZRANDMEMBER by shape ------------------------------------------------ */

/* Parses a flat RESP2 array of bulks into v (up to max); returns the count,
 * -1 on anything else. */
static int parse_bulks(const char *p, sds *v, int max) {
    if (*p != '*') return -1;
    int n = atoi(p + 1), got = 0;
    p = strchr(p, '\n') + 1;
    for (int i = 0; i < n; i++) {
        if (*p != '$') return -1;
        int len = atoi(p + 1);
        p = strchr(p, '\n') + 1;
        if (got < max) v[got++] = sds_newlen(p, (size_t)len);
        p += len + 2;
    }
    return n;
}

static void free_bulks(sds *v, int n) {
    for (int i = 0; i < n; i++) sds_free(v[i]);
}

/* count distinct members of z (members m0..m<size-1>, score = index) with
 * withscores; checks membership and scores. */
static int randmember_ok(kv_client *c, long count, int size, int unique) {
    sds v[1200];
    const char *r = kvt_runf(c, "ZRANDMEMBER z %ld WITHSCORES", count);
    int n = parse_bulks(r, v, 1200);
    long want = unique && count > size ? size : (count < 0 ? -count : count);
    int good = n == 2 * want;
    char seen[1000] = {0};
    for (int i = 0; good && i + 1 < n && i < 1200; i += 2) {
        int idx = atoi(v[i] + 1);
        good = v[i][0] == 'm' && idx >= 0 && idx < size && atoi(v[i + 1]) == idx;
        if (good && unique) good = !seen[idx]++;
    }
    free_bulks(v, n < 1200 ? n : 1200);
    return good;
}

static void test_randmember(void) {
    kvt_env *e = kvt_start_prop();
    int sizes[] = {10, 100, 600};
    for (int s = 0; s < 3; s++) {
        kvt_run(e->c, "DEL z");
        for (int i = 0; i < sizes[s]; i++) kvt_runf(e->c, "ZADD z %d m%d", i, i);
        const char *enc = kvt_find(e->c, "z")->enc == OBJ_ENC_LISTPACK ? "listpack" : "skiplist";
        ok(randmember_ok(e->c, 5, sizes[s], 1), "%s size %d: 5 distinct members", enc, sizes[s]);
        ok(randmember_ok(e->c, sizes[s] - 1, sizes[s], 1), "%s size %d: size-1 distinct members", enc, sizes[s]);
        ok(randmember_ok(e->c, sizes[s] / 2, sizes[s], 1), "%s size %d: size/2 distinct members", enc, sizes[s]);
        ok(randmember_ok(e->c, sizes[s] + 5, sizes[s], 1), "%s size %d: more than size gives all", enc, sizes[s]);
        ok(randmember_ok(e->c, -500, sizes[s], 0), "%s size %d: -500 with repetitions", enc, sizes[s]);
        const char *r = kvt_run(e->c, "ZRANDMEMBER z");
        ok(r[0] == '$' && r[strchr(r, '\n') - r + 1] == 'm', "%s size %d: one member as a bulk", enc, sizes[s]);
    }
    /* repetitions really happen, and every member shows up eventually */
    kvt_run(e->c, "DEL z");
    kvt_run(e->c, "ZADD z 1 a 2 b");
    sds v[200];
    int n = parse_bulks(kvt_run(e->c, "ZRANDMEMBER z -200"), v, 200), na = 0;
    for (int i = 0; i < n; i++) na += v[i][0] == 'a';
    ok(n == 200 && na > 50 && na < 150, "-200 over two members draws both (%d a's)", na);
    free_bulks(v, n);
    kvt_stop(e);
}

/* ---- 5. propagation ----------------------------------------------------------- */

static void test_propagation(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *c = e->c;
    kvt_run(c, "ZADD z 1 a 2 b 3 c");
    KVT_PROP("ZADD z 1 a 2 b 3 c\n");
    kvt_run(c, "ZADD z NX 5 a");
    KVT_PROP("");
    kvt_run(c, "ZADD z INCR 1.5 a");
    KVT_PROP("ZADD z INCR 1.5 a\n");
    kvt_run(c, "ZINCRBY z 0 a");
    KVT_PROP("");
    kvt_run(c, "ZINCRBY z 2 a");
    KVT_PROP("ZINCRBY z 2 a\n");
    kvt_run(c, "ZADD z GT 1 a");
    KVT_PROP("");
    kvt_run(c, "ZREM z nope");
    KVT_PROP("");
    kvt_run(c, "ZREM z nope b");
    KVT_PROP("ZREM z nope b\n");
    kvt_run(c, "ZREMRANGEBYSCORE z 100 200");
    KVT_PROP("");
    kvt_run(c, "ZPOPMIN z");
    KVT_PROP("ZPOPMIN z\n");
    kvt_run(c, "ZADD z 1 a 2 b 3 c");
    sds_clear(kvt_prop_log);
    kvt_run(c, "ZPOPMAX z 0");
    KVT_PROP("");
    kvt_run(c, "ZPOPMAX nokey 3");
    KVT_PROP("");
    kvt_run(c, "ZMPOP 2 nokey z MAX COUNT 10");
    KVT_PROP("ZPOPMAX z 3\n");
    kvt_run(c, "ZMPOP 1 z MIN");
    KVT_PROP("");
    kvt_run(c, "ZADD z 1 a 2 b 3 c");
    sds_clear(kvt_prop_log);
    kvt_run(c, "ZMPOP 1 z MIN");
    KVT_PROP("ZPOPMIN z 1\n");
    kvt_run(c, "BZPOPMIN nokey z 0");
    KVT_PROP("ZPOPMIN z\n");
    kvt_run(c, "BZPOPMAX z 0");
    KVT_PROP("ZPOPMAX z\n");
    kvt_run(c, "ZADD z 1 a 2 b 3 c");
    sds_clear(kvt_prop_log);
    kvt_run(c, "BZMPOP 0 2 nokey z MIN COUNT 2");
    KVT_PROP("ZPOPMIN z 2\n");
    kvt_run(c, "BZMPOP 0 1 z MAX COUNT 5");
    KVT_PROP("ZPOPMAX z 1\n");
    kvt_run(c, "ZADD z 1 a 2 b 3 c");
    sds_clear(kvt_prop_log);
    kvt_run(c, "ZUNIONSTORE d 1 z");
    KVT_PROP("ZUNIONSTORE d 1 z\n");
    kvt_run(c, "ZINTERSTORE d 2 z nokey");
    KVT_PROP("ZINTERSTORE d 2 z nokey\n");
    kvt_run(c, "ZINTERSTORE d 2 z nokey");
    KVT_PROP("");
    kvt_run(c, "ZRANGESTORE d z 0 0");
    KVT_PROP("ZRANGESTORE d z 0 0\n");
    kvt_run(c, "ZRANGESTORE d z 5 6");
    KVT_PROP("ZRANGESTORE d z 5 6\n");
    kvt_run(c, "ZRANGESTORE d z 5 6");
    KVT_PROP("");
    kvt_run(c, "ZRANDMEMBER z 2");
    kvt_run(c, "ZRANGE z 0 -1");
    kvt_run(c, "ZSCAN z 0");
    KVT_PROP("");
    kvt_stop(e);
}

/* Replay: everything a random workload propagates, applied to a fresh
 * server, gives the same dataset. */
typedef struct oplog {
    int n, cap;
    int *argc;
    sds **argv;
} oplog;

static void record_ops(void *priv, int dbid, int argc, sds *argv) {
    oplog *l = priv;
    (void)dbid;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->argc = realloc(l->argc, sizeof(int) * (size_t)l->cap);
        l->argv = realloc(l->argv, sizeof(sds *) * (size_t)l->cap);
    }
    l->argc[l->n] = argc;
    l->argv[l->n] = mem_alloc(sizeof(sds) * (size_t)argc);
    for (int i = 0; i < argc; i++) l->argv[l->n][i] = sds_dup(argv[i]);
    l->n++;
}

static void random_zset_command(kv_client *c) {
    static const char *keys[] = {"z1", "z2", "z3", "s1"};
    char member[96];
    const char *k = keys[below(3)], *k2 = keys[below(4)];
    if (below(12) == 0) {
        memset(member, 'x', 70);
        snprintf(member + 70, 20, "%ld", below(5));
    } else {
        snprintf(member, sizeof(member), "m%ld", below(40));
    }
    static const char *scores[] = {"1", "-2.5", "0.1", "inf", "-inf", "1e17", "-0", "3", "0.3333333333333333"};
    const char *s = scores[below(9)];
    switch (below(19)) {
    case 0: kvt_runf(c, "ZADD %s %s %s %s %s", k, s, member, scores[below(9)], "m1"); break;
    case 1:
        kvt_runf(c, "ZADD %s %s %s %s", k, (const char *[]){"NX", "XX", "GT", "LT", "CH"}[below(5)], s, member);
        break;
    case 2: kvt_runf(c, "ZADD %s INCR %s %s", k, s, member); break;
    case 3: kvt_runf(c, "ZINCRBY %s %s %s", k, s, member); break;
    case 4: kvt_runf(c, "ZREM %s %s m%ld", k, member, below(40)); break;
    case 5: kvt_runf(c, "ZREMRANGEBYRANK %s %ld %ld", k, below(5) - 2, below(5)); break;
    case 6: kvt_runf(c, "ZREMRANGEBYSCORE %s (%ld %ld", k, below(5), below(5)); break;
    case 7: kvt_runf(c, "ZREMRANGEBYLEX %s [m%ld (m%ld", k, below(40), below(40)); break;
    case 8: kvt_runf(c, "ZPOPMIN %s %ld", k, below(3)); break;
    case 9: kvt_runf(c, "ZPOPMAX %s", k); break;
    case 10: kvt_runf(c, "ZMPOP 2 %s %s %s COUNT %ld", k, k2, below(2) ? "MIN" : "MAX", 1 + below(3)); break;
    case 11: /* blocking pops run inside MULTI: served at once or nil, never blocked */
        kvt_run(c, "MULTI");
        kvt_runf(c, "BZPOPMIN %s %s 0", k, k2);
        kvt_run(c, "EXEC");
        break;
    case 12:
        kvt_run(c, "MULTI");
        kvt_runf(c, "BZMPOP 0 2 %s %s MAX COUNT 2", k, k2);
        kvt_run(c, "EXEC");
        break;
    case 13: kvt_runf(c, "ZUNIONSTORE %s 2 %s %s WEIGHTS 0.1 %s", k, k2, k, s); break;
    case 14: kvt_runf(c, "ZINTERSTORE %s 2 %s %s AGGREGATE MAX", k, k2, k); break;
    case 15: kvt_runf(c, "ZDIFFSTORE %s 2 %s %s", k, k2, k); break;
    case 16: kvt_runf(c, "ZRANGESTORE %s %s %ld %ld", k, k2, below(4) - 1, below(4)); break;
    case 17: kvt_runf(c, "SADD s1 m%ld 7", below(40)); break;
    default: kvt_runf(c, "ZRANGESTORE %s %s (1 +inf BYSCORE LIMIT %ld 3", k, k2, below(3)); break;
    }
}

static void test_replay(void) {
    oplog log = {0, 0, NULL, NULL};
    kvt_env *a = kvt_start(), *b = kvt_start();
    kvt_run(a->c, "CONFIG SET zset-max-listpack-entries 16");
    kvt_run(b->c, "CONFIG SET zset-max-listpack-entries 16");
    cmd_prop_subscribe(a->srv, record_ops, &log);
    for (int i = 0; i < 20000; i++) random_zset_command(a->c);
    for (int i = 0; i < log.n; i++) {
        client_set_argv(b->c, log.argc[i], log.argv[i]);
        cmd_replay(b->c);
        client_reset_argv(b->c);
    }
    sds da = sds_new(kvt_run(a->c, "DEBUG DIGEST"));
    const char *db = kvt_run(b->c, "DEBUG DIGEST");
    ok(log.n > 1000, "the workload propagated %d ops", log.n);
    is_str(db, da, "replaying the propagated stream gives the same digest");
    sds ka = sds_new(kvt_run(a->c, "DBSIZE"));
    is_str(kvt_run(b->c, "DBSIZE"), ka, "and the same number of keys");
    sds_free(ka);
    sds_free(da);
    free(log.argc);
    free(log.argv);
    kvt_stop(a);
    kvt_stop(b);
}

/* WATCH sees zset writes; a no-op write does not touch the key. */
static void test_watch(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *other = kvt_client(e);
    kvt_run(e->c, "ZADD z 1 a");
    kvt_run(e->c, "WATCH z");
    kvt_run(other, "ZADD z NX 5 a");
    kvt_run(e->c, "MULTI");
    kvt_run(e->c, "ZCARD z");
    KVT_CHECK(e->c, "EXEC", "*1\r\n:1\r\n");
    kvt_run(e->c, "WATCH z");
    kvt_run(other, "ZINCRBY z 1 a");
    kvt_run(e->c, "MULTI");
    kvt_run(e->c, "ZCARD z");
    KVT_CHECK(e->c, "EXEC", "*-1\r\n");
    kvt_run(e->c, "WATCH d");
    kvt_run(other, "ZUNIONSTORE d 1 z");
    kvt_run(e->c, "MULTI");
    kvt_run(e->c, "ZCARD d");
    KVT_CHECK(e->c, "EXEC", "*-1\r\n");
    kvt_stop(e);
}

/* The digest of a zset does not depend on its encoding. */
static void test_digest(void) {
    kvt_env *e = kvt_start_prop();
    kvt_run(e->c, "ZADD a 1 x 2.5 y inf z -0 w");
    kvt_run(e->c, "CONFIG SET zset-max-listpack-entries 0");
    kvt_run(e->c, "ZADD b 1 x 2.5 y inf z -0 w");
    ok(kvt_find(e->c, "a")->enc == OBJ_ENC_LISTPACK && kvt_find(e->c, "b")->enc == OBJ_ENC_SKIPLIST, "two encodings");
    sds da = sds_new(kvt_run(e->c, "DEBUG DIGEST-VALUE a"));
    is_str(kvt_run(e->c, "DEBUG DIGEST-VALUE b"), da, "same digest in both encodings");
    kvt_run(e->c, "ZADD b 3 y");
    ok(strcmp(kvt_run(e->c, "DEBUG DIGEST-VALUE b"), da) != 0, "a changed score changes the digest");
    sds_free(da);
    kvt_stop(e);
}

/* Clients blocked by BZPOPMIN/BZPOPMAX/BZMPOP, served by a later write. */
static void test_blocking(void) {
    kvt_env *e = kvt_start_prop();
    kv_client *a = e->c, *b = kvt_client(e), *c = kvt_client(e);
    KVT_CHECK(a, "BZPOPMIN k1 k2 0", "");
    ok(a->flags & CLIENT_BLOCKED, "BZPOPMIN on missing keys blocks");
    KVT_PROP("");
    KVT_CHECK(b, "ZADD k2 1 a 2 b", ":2\r\n");
    is_str(a->out, "*3\r\n$2\r\nk2\r\n$1\r\na\r\n$1\r\n1\r\n", "served from k2");
    ok(!(a->flags & CLIENT_BLOCKED), "and unblocked");
    KVT_PROP("ZADD k2 1 a 2 b\nZPOPMIN k2\n");

    KVT_CHECK(a, "BZMPOP 0 2 k3 k4 MAX COUNT 5", "");
    KVT_CHECK(b, "ZADD k4 1 x 2 y", ":2\r\n");
    is_str(a->out, "*2\r\n$2\r\nk4\r\n*2\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n",
           "BZMPOP served with up to COUNT elements");
    KVT_PROP("ZADD k4 1 x 2 y\nZPOPMAX k4 2\n");
    KVT_CHECK(b, "EXISTS k4", ":0\r\n");

    /* FIFO: the first blocked client is served first */
    KVT_CHECK(a, "BZPOPMAX k5 0", "");
    KVT_CHECK(c, "BZPOPMAX k5 0", "");
    KVT_CHECK(b, "ZADD k5 1 p", ":1\r\n");
    ok(sds_len(a->out) > 0 && sds_len(c->out) == 0 && (c->flags & CLIENT_BLOCKED), "first come, first served");
    KVT_CHECK(b, "ZADD k5 2 q 3 r", ":2\r\n");
    is_str(c->out, "*3\r\n$2\r\nk5\r\n$1\r\nr\r\n$1\r\n3\r\n", "the second one next (max)");
    sds_clear(kvt_prop_log);

    /* another type does not serve; the zset that replaces it does */
    KVT_CHECK(a, "BZPOPMIN k6 0", "");
    KVT_CHECK(b, "SET k6 str", "+OK\r\n");
    ok(a->flags & CLIENT_BLOCKED, "a string under the key does not serve");
    KVT_CHECK(b, "DEL k6", ":1\r\n");
    KVT_CHECK(b, "ZUNIONSTORE k6 1 k5", ":1\r\n");
    is_str(a->out, "*3\r\n$2\r\nk6\r\n$1\r\nq\r\n$1\r\n2\r\n", "a ZUNIONSTORE result serves");
    KVT_PROP("SET k6 str\nDEL k6\nZUNIONSTORE k6 1 k5\nZPOPMIN k6\n");

    /* timeout */
    KVT_CHECK(a, "BZPOPMIN k7 0.01", "");
    usleep(30000);
    blocking_handle_timeouts(e->srv);
    is_str(a->out, "*-1\r\n", "timeout replies a null array");
    ok(!(a->flags & CLIENT_BLOCKED), "and unblocks");

    /* RESP3, and a write inside MULTI serving after EXEC */
    kvt_run(a, "HELLO 3");
    KVT_CHECK(a, "BZMPOP 0 1 k8 MIN", "");
    kvt_run(b, "MULTI");
    kvt_run(b, "ZADD k8 1.5 m");
    ok(a->flags & CLIENT_BLOCKED, "still blocked while the MULTI is open");
    kvt_run(b, "EXEC");
    is_str(a->out, "*2\r\n$2\r\nk8\r\n*1\r\n*2\r\n$1\r\nm\r\n,1.5\r\n", "RESP3 nested reply after EXEC");
    kvt_stop(e);
}

/* ---- 6. the object API -------------------------------------------------------- */

static void test_object_api(void) {
    kv_obj *o = zset_obj_new();
    is_int(zset_obj_add(o, "b", 1, 2.0), 1, "add b");
    is_int(zset_obj_add(o, "a", 1, 1.0), 1, "add a");
    is_int(zset_obj_add(o, "c", 1, 2.0), 1, "add c");
    is_int(zset_obj_add(o, "a", 1, 3.0), 0, "update a");
    is_int(zset_obj_add(o, "x", 1, NAN), -1, "NaN refused");
    is_int(zset_obj_length(o), 3, "length 3");
    double s;
    ok(zset_obj_score(o, "a", 1, &s) == 0 && s == 3.0, "score of a");
    ok(zset_obj_score(o, "x", 1, &s) == -1, "x absent");

    zset_iter it;
    const char *m;
    size_t len;
    sds order = sds_empty();
    zset_iter_init(&it, o, 0, 0);
    while (zset_iter_next(&it, &m, &len, &s)) order = sds_catprintf(order, "%.*s=%g ", (int)len, m, s);
    is_str(order, "b=2 c=2 a=3 ", "iteration in order");
    sds_clear(order);
    zset_iter_init(&it, o, 1, 1);
    while (zset_iter_next(&it, &m, &len, &s)) order = sds_catprintf(order, "%.*s ", (int)len, m);
    is_str(order, "c b ", "reverse from rank 1");

    zset_obj_convert(o, OBJ_ENC_SKIPLIST);
    ok(o->enc == OBJ_ENC_SKIPLIST, "converted to skiplist");
    sds_clear(order);
    zset_iter_init(&it, o, 0, 0);
    while (zset_iter_next(&it, &m, &len, &s)) order = sds_catprintf(order, "%.*s=%g ", (int)len, m, s);
    is_str(order, "b=2 c=2 a=3 ", "same order as a skiplist");
    zset_iter_init(&it, o, 5, 0);
    ok(!zset_iter_next(&it, &m, &len, &s), "start past the end: nothing");

    zset_limits lim = {2, 64};
    zset_obj_fit(o, &lim);
    ok(o->enc == OBJ_ENC_SKIPLIST, "3 elements over a limit of 2 stay skiplist");
    zset_obj_fit(o, NULL);
    ok(o->enc == OBJ_ENC_LISTPACK, "fit with Redis's defaults: listpack");
    lim.max_entries = 128;
    lim.max_value = 0;
    zset_obj_fit(o, &lim);
    ok(o->enc == OBJ_ENC_SKIPLIST, "members longer than max_value: skiplist");
    zset_obj_convert(o, OBJ_ENC_LISTPACK);

    unsigned char *copy = lp_dup(o->ptr);
    kv_obj *adopted = zset_obj_from_listpack(copy);
    ok(adopted && zset_obj_length(adopted) == 3, "a valid listpack is adopted");
    obj_decr_ref(adopted);

    struct {
        const char *what;
        const char *items[6];
        int n;
    } bad[] = {
        {"odd count", {"a", "1", "b"}, 3},
        {"duplicate member", {"a", "1", "a", "2"}, 4},
        {"unsorted scores", {"a", "2", "b", "1"}, 4},
        {"unsorted members", {"b", "1", "a", "1"}, 4},
        {"score not a number", {"a", "abc"}, 2},
        {"NaN score", {"a", "nan"}, 2},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *lp = lp_new();
        for (int j = 0; j < bad[i].n; j++) lp = lp_append(lp, bad[i].items[j], strlen(bad[i].items[j]));
        kv_obj *x = zset_obj_from_listpack(lp);
        ok(x == NULL, "refused: %s", bad[i].what);
        if (x) obj_decr_ref(x);
        else lp_free(lp);
    }
    kv_obj *big = zset_obj_new_skiplist(10);
    for (int i = 0; i < 200; i++) {
        char b[16];
        int n = snprintf(b, sizeof(b), "e%d", i);
        zset_obj_add(big, b, (size_t)n, (double)(i % 7));
    }
    zset_obj_fit(big, NULL);
    ok(big->enc == OBJ_ENC_SKIPLIST && zset_obj_length(big) == 200, "200 elements fit as a skiplist");
    obj_decr_ref(big);
    sds_free(order);
    obj_decr_ref(o);
}

int main(void) {
    kvt_prop_log = sds_empty();
    test_skiplist_model();
    test_lex_rules();
    test_listpack_bytes();
    test_recorded_replies();
    test_randmember();
    test_propagation();
    test_replay();
    test_watch();
    test_blocking();
    test_digest();
    test_object_api();
    sds_free(kvt_prop_log);
    return done_testing();
}
