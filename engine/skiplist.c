/*
 * engine/skiplist.c — the skiplist of big sorted sets (design, invariants
 * and ownership in skiplist.h).
 *
 * Every search walks from the top level of the header down; at each level
 * it moves forward while the next node sorts before the target, recording
 * in update[i] the last node visited at level i (the one whose link a new
 * node splices into, or whose link a deleted node is removed from) and in
 * rank[i] the rank of update[i].  A new node's height is 1 plus the number
 * of successes of a 1/4 coin (at most ZSL_MAXLEVEL), from a private
 * xorshift generator seeded from /dev/urandom on first use.
 */
#include "skiplist.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"
#include "util.h"

/* ---- ordering ---------------------------------------------------------- */

int zsl_memcmp(const char *a, size_t alen, const char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* 1 when node n sorts strictly before (score, ele). */
static int node_before(const zsl_node *n, double score, const char *ele, size_t len) {
    if (n->score != score) return n->score < score;
    return zsl_memcmp(n->ele, sds_len(n->ele), ele, len) < 0;
}

static int node_is(const zsl_node *n, double score, const char *ele, size_t len) {
    return n && n->score == score && zsl_memcmp(n->ele, sds_len(n->ele), ele, len) == 0;
}

/* ---- nodes ----------------------------------------------------------------- */

static zsl_node *node_new(int height, double score, sds ele) {
    zsl_node *n = mem_alloc(sizeof(*n) + (size_t)height * sizeof(struct zsl_level));
    n->score = score;
    n->ele = ele;
    return n;
}

void zsl_free_node(zsl_node *n) {
    if (!n) return;
    sds_free(n->ele);
    mem_free(n);
}

static uint64_t rng_state;

static int random_level(void) {
    if (!rng_state) {
        util_random_bytes(&rng_state, sizeof(rng_state));
        rng_state |= 1;
    }
    int level = 1;
    for (;;) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        if ((rng_state & 0xFFFF) >= 0x4000 || level >= ZSL_MAXLEVEL) break;
        level++;
    }
    return level;
}

zsl *zsl_create(void) {
    zsl *z = mem_alloc(sizeof(*z));
    z->level = 1;
    z->length = 0;
    z->header = node_new(ZSL_MAXLEVEL, 0, NULL);
    for (int i = 0; i < ZSL_MAXLEVEL; i++) {
        z->header->level[i].forward = NULL;
        z->header->level[i].span = 0;
    }
    z->header->backward = NULL;
    z->tail = NULL;
    return z;
}

void zsl_free(zsl *z) {
    if (!z) return;
    zsl_node *n = z->header->level[0].forward;
    mem_free(z->header);
    while (n) {
        zsl_node *next = n->level[0].forward;
        zsl_free_node(n);
        n = next;
    }
    mem_free(z);
}

/* ---- insert / delete ------------------------------------------------------- */

/* Fills update[] and rank[] for the position of (score, ele). */
static void find_update(const zsl *z, double score, const char *ele, size_t len, zsl_node **update,
                        unsigned long *rank) {
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        if (rank) rank[i] = i == z->level - 1 ? 0 : rank[i + 1];
        while (x->level[i].forward && node_before(x->level[i].forward, score, ele, len)) {
            if (rank) rank[i] += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
}

zsl_node *zsl_insert(zsl *z, double score, sds ele) {
    zsl_node *update[ZSL_MAXLEVEL];
    unsigned long rank[ZSL_MAXLEVEL];
    assert(!isnan(score));
    find_update(z, score, ele, sds_len(ele), update, rank);
    int level = random_level();
    if (level > z->level) {
        for (int i = z->level; i < level; i++) {
            rank[i] = 0;
            update[i] = z->header;
            update[i]->level[i].span = z->length;
        }
        z->level = level;
    }
    zsl_node *x = node_new(level, score, ele);
    for (int i = 0; i < level; i++) {
        x->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = x;
        x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < z->level; i++) update[i]->level[i].span++;
    x->backward = update[0] == z->header ? NULL : update[0];
    if (x->level[0].forward) x->level[0].forward->backward = x;
    else z->tail = x;
    z->length++;
    return x;
}

/* Unlinks x, whose predecessors at every level are in update[]. */
static void unlink_node(zsl *z, zsl_node *x, zsl_node **update) {
    for (int i = 0; i < z->level; i++) {
        if (update[i]->level[i].forward == x) {
            update[i]->level[i].span += x->level[i].span - 1;
            update[i]->level[i].forward = x->level[i].forward;
        } else {
            update[i]->level[i].span -= 1;
        }
    }
    if (x->level[0].forward) x->level[0].forward->backward = x->backward;
    else z->tail = x->backward;
    while (z->level > 1 && z->header->level[z->level - 1].forward == NULL) z->level--;
    z->length--;
}

int zsl_delete(zsl *z, double score, const char *ele, size_t len, zsl_node **node) {
    zsl_node *update[ZSL_MAXLEVEL];
    find_update(z, score, ele, len, update, NULL);
    zsl_node *x = update[0]->level[0].forward;
    if (!node_is(x, score, ele, len)) return 0;
    unlink_node(z, x, update);
    if (node) *node = x;
    else zsl_free_node(x);
    return 1;
}

zsl_node *zsl_update_score(zsl *z, double curscore, const sds ele, double newscore) {
    zsl_node *update[ZSL_MAXLEVEL];
    assert(!isnan(newscore));
    find_update(z, curscore, ele, sds_len(ele), update, NULL);
    zsl_node *x = update[0]->level[0].forward;
    assert(node_is(x, curscore, ele, sds_len(ele)));
    /* Still in order with its neighbours: change the score in place. */
    if ((x->backward == NULL || x->backward->score < newscore) &&
        (x->level[0].forward == NULL || x->level[0].forward->score > newscore)) {
        x->score = newscore;
        return x;
    }
    unlink_node(z, x, update);
    zsl_node *n = zsl_insert(z, newscore, x->ele);
    mem_free(x);
    return n;
}

/* ---- rank -------------------------------------------------------------------- */

unsigned long zsl_rank(const zsl *z, double score, const char *ele, size_t len) {
    const zsl_node *x = z->header;
    unsigned long rank = 0;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               (node_before(x->level[i].forward, score, ele, len) || node_is(x->level[i].forward, score, ele, len))) {
            rank += x->level[i].span;
            x = x->level[i].forward;
        }
        if (x != z->header && node_is(x, score, ele, len)) return rank;
    }
    return 0;
}

zsl_node *zsl_by_rank(const zsl *z, unsigned long rank) {
    zsl_node *x = z->header;
    unsigned long traversed = 0;
    if (rank == 0 || rank > z->length) return NULL;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span <= rank) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (traversed == rank) return x;
    }
    return NULL;
}

/* ---- score ranges --------------------------------------------------------------- */

int zsl_gte_min(double value, const zsl_range *r) { return r->minex ? value > r->min : value >= r->min; }

int zsl_lte_max(double value, const zsl_range *r) { return r->maxex ? value < r->max : value <= r->max; }

int zsl_range_empty(const zsl_range *r) {
    return r->min > r->max || (r->min == r->max && (r->minex || r->maxex));
}

static int in_range(const zsl *z, const zsl_range *r) {
    if (zsl_range_empty(r)) return 0;
    if (!z->tail || !zsl_gte_min(z->tail->score, r)) return 0;
    zsl_node *first = z->header->level[0].forward;
    return first && zsl_lte_max(first->score, r);
}

zsl_node *zsl_first_in_range(const zsl *z, const zsl_range *r) {
    if (!in_range(z, r)) return NULL;
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward && !zsl_gte_min(x->level[i].forward->score, r)) x = x->level[i].forward;
    x = x->level[0].forward;
    return x && zsl_lte_max(x->score, r) ? x : NULL;
}

zsl_node *zsl_last_in_range(const zsl *z, const zsl_range *r) {
    if (!in_range(z, r)) return NULL;
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward && zsl_lte_max(x->level[i].forward->score, r)) x = x->level[i].forward;
    return x != z->header && zsl_gte_min(x->score, r) ? x : NULL;
}

/* ---- lex ranges -------------------------------------------------------------------- */

/* Compare a member with a bound: the sentinels sort before / after every
 * member.  Two bounds compare by kind, then bytes (Redis's sdscmplex). */
static int lex_cmp_value(const char *p, size_t len, const zsl_lex_bound *b) {
    if (b->kind == ZSL_LEX_MINUS) return 1;
    if (b->kind == ZSL_LEX_PLUS) return -1;
    return zsl_memcmp(p, len, b->p, b->len);
}

static int lex_cmp_bounds(const zsl_lex_bound *a, const zsl_lex_bound *b) {
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    if (a->kind != ZSL_LEX_VALUE) return 0;
    return zsl_memcmp(a->p, a->len, b->p, b->len);
}

int zsl_lex_gte_min(const char *p, size_t len, const zsl_lexrange *r) {
    int c = lex_cmp_value(p, len, &r->min);
    return r->min.ex ? c > 0 : c >= 0;
}

int zsl_lex_lte_max(const char *p, size_t len, const zsl_lexrange *r) {
    int c = lex_cmp_value(p, len, &r->max);
    return r->max.ex ? c < 0 : c <= 0;
}

int zsl_lexrange_empty(const zsl_lexrange *r) {
    int c = lex_cmp_bounds(&r->min, &r->max);
    return c > 0 || (c == 0 && (r->min.ex || r->max.ex));
}

static int node_gte_min(const zsl_node *n, const zsl_lexrange *r) {
    return zsl_lex_gte_min(n->ele, sds_len(n->ele), r);
}

static int node_lte_max(const zsl_node *n, const zsl_lexrange *r) {
    return zsl_lex_lte_max(n->ele, sds_len(n->ele), r);
}

static int in_lex_range(const zsl *z, const zsl_lexrange *r) {
    if (zsl_lexrange_empty(r)) return 0;
    if (!z->tail || !node_gte_min(z->tail, r)) return 0;
    zsl_node *first = z->header->level[0].forward;
    return first && node_lte_max(first, r);
}

zsl_node *zsl_first_in_lex(const zsl *z, const zsl_lexrange *r) {
    if (!in_lex_range(z, r)) return NULL;
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward && !node_gte_min(x->level[i].forward, r)) x = x->level[i].forward;
    x = x->level[0].forward;
    return x && node_lte_max(x, r) ? x : NULL;
}

zsl_node *zsl_last_in_lex(const zsl *z, const zsl_lexrange *r) {
    if (!in_lex_range(z, r)) return NULL;
    zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward && node_lte_max(x->level[i].forward, r)) x = x->level[i].forward;
    return x != z->header && node_gte_min(x, r) ? x : NULL;
}

/* ---- range deletion ------------------------------------------------------------------ */

/* Deletes from update[0]'s successor on while keep() says so. */
typedef int keep_fn(const zsl_node *n, const void *arg, unsigned long rank);

static unsigned long delete_while(zsl *z, zsl_node **update, unsigned long rank, keep_fn *in, const void *arg,
                                  zsl_unlink_fn *fn, void *priv) {
    unsigned long removed = 0;
    zsl_node *x = update[0]->level[0].forward;
    while (x && in(x, arg, rank + removed + 1)) {
        zsl_node *next = x->level[0].forward;
        unlink_node(z, x, update);
        if (fn) fn(priv, x);
        zsl_free_node(x);
        removed++;
        x = next;
    }
    return removed;
}

static int score_in(const zsl_node *n, const void *arg, unsigned long rank) {
    (void)rank;
    return zsl_lte_max(n->score, arg);
}

static int lex_in(const zsl_node *n, const void *arg, unsigned long rank) {
    (void)rank;
    return node_lte_max(n, arg);
}

static int rank_in(const zsl_node *n, const void *arg, unsigned long rank) {
    (void)n;
    return rank <= *(const unsigned long *)arg;
}

unsigned long zsl_delete_range_by_score(zsl *z, const zsl_range *r, zsl_unlink_fn *fn, void *priv) {
    zsl_node *update[ZSL_MAXLEVEL], *x = z->header;
    update[0] = x; /* the loop below sets it (level >= 1); gcc cannot tell */
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && !zsl_gte_min(x->level[i].forward->score, r)) x = x->level[i].forward;
        update[i] = x;
    }
    return delete_while(z, update, 0, score_in, r, fn, priv);
}

unsigned long zsl_delete_range_by_lex(zsl *z, const zsl_lexrange *r, zsl_unlink_fn *fn, void *priv) {
    zsl_node *update[ZSL_MAXLEVEL], *x = z->header;
    update[0] = x; /* the loop below sets it (level >= 1); gcc cannot tell */
    if (zsl_lexrange_empty(r)) return 0;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && !node_gte_min(x->level[i].forward, r)) x = x->level[i].forward;
        update[i] = x;
    }
    return delete_while(z, update, 0, lex_in, r, fn, priv);
}

unsigned long zsl_delete_range_by_rank(zsl *z, unsigned long start, unsigned long end, zsl_unlink_fn *fn,
                                       void *priv) {
    zsl_node *update[ZSL_MAXLEVEL], *x = z->header;
    update[0] = x; /* the loop below sets it (level >= 1); gcc cannot tell */
    unsigned long traversed = 0;
    if (start == 0 || start > end) return 0;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span < start) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    return delete_while(z, update, traversed, rank_in, &end, fn, priv);
}

/* ---- checks ------------------------------------------------------------------------------ */

int zsl_check(const zsl *z, const char **why) {
    const char *dummy;
    if (!why) why = &dummy;
    if (z->level < 1 || z->level > ZSL_MAXLEVEL) return *why = "level out of bounds", -1;
    for (int i = z->level; i < ZSL_MAXLEVEL; i++)
        if (z->header->level[i].forward) return *why = "link above the top level", -1;
    /* level 0: order, backward links, tail, length, no NaN */
    unsigned long n = 0;
    const zsl_node *prev = NULL;
    for (const zsl_node *x = z->header->level[0].forward; x; x = x->level[0].forward) {
        if (isnan(x->score)) return *why = "NaN score", -1;
        if (x->backward != prev) return *why = "bad backward link", -1;
        if (prev && !node_before(prev, x->score, x->ele, sds_len(x->ele))) return *why = "out of order", -1;
        prev = x;
        n++;
    }
    if (z->tail != prev) return *why = "bad tail", -1;
    if (n != z->length) return *why = "bad length", -1;
    /* every level: spans add up to ranks, order kept */
    for (int i = 0; i < z->level; i++) {
        unsigned long rank = 0;
        const zsl_node *x = z->header;
        while (x->level[i].forward) {
            rank += x->level[i].span;
            x = x->level[i].forward;
            if (zsl_rank(z, x->score, x->ele, sds_len(x->ele)) != rank) return *why = "span does not match rank", -1;
        }
        if (rank + x->level[i].span != z->length) return *why = "last span does not reach the end", -1;
    }
    return 0;
}

size_t zsl_mem(const zsl *z) {
    size_t n = sizeof(*z) + mem_usable(z->header);
    for (zsl_node *x = z->header->level[0].forward; x; x = x->level[0].forward) n += mem_usable(x);
    return n;
}
