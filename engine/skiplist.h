/*
 * engine/skiplist.h — the ordered half of a big sorted set: a skiplist of
 * (score, member) nodes ordered by score, then by member bytes (memcmp
 * order, a shorter member first on a common prefix), with a span on every
 * forward link so ranks are O(log n).  The other half (a dict member ->
 * node) lives in t_zset.c; this module knows nothing about it.
 *
 * Layout (W. Pugh's skiplist with Redis's three changes: equal scores are
 * allowed, ties are ordered by the member, and level 0 is doubly linked):
 *
 *   header --level[i].forward--> node --...--> NULL     (for each level i)
 *   node->backward: previous node at level 0 (NULL for the first node)
 *   level[i].span: how many level-0 steps the forward link jumps over
 *
 * Invariants (checked by zsl_check(), used by the tests):
 *  (1) at every level the nodes are in strictly increasing (score, member)
 *      order; no two nodes hold the same member;
 *  (2) the sum of spans along any level from the header to a node equals
 *      that node's 1-based rank; a link to NULL spans to length;
 *  (3) backward pointers mirror level 0; tail is the last node; length
 *      counts the nodes; level is the height of the tallest node (>= 1);
 *  (4) scores are never NaN.
 *
 * Ownership: a node owns its member sds (node->ele); zsl_insert() takes the
 * sds it is given; freeing a node (zsl_free, zsl_delete without an out
 * pointer, the range deletions) frees it.  Nodes are borrowed by callers
 * until they are deleted.  Memory comes from engine/mem.h.
 *
 * Ranges: zsl_range is a score interval with optionally exclusive ends;
 * zsl_lexrange a member interval whose ends are a member ("[a" inclusive,
 * "(a" exclusive) or the sentinels "-" / "+" (smaller / greater than every
 * member), with Redis's rules for which ranges are empty.
 */
#ifndef STRATA_SKIPLIST_H
#define STRATA_SKIPLIST_H

#include <stddef.h>

#include "sds.h"

#define ZSL_MAXLEVEL 32 /* enough for 2^64 elements with P = 1/4 */

typedef struct zsl_node {
    sds ele;
    double score;
    struct zsl_node *backward;
    struct zsl_level {
        struct zsl_node *forward;
        unsigned long span;
    } level[];
} zsl_node;

typedef struct zsl {
    zsl_node *header, *tail;
    unsigned long length;
    int level;
} zsl;

/* Score interval [min,max]; minex/maxex make an end exclusive. */
typedef struct zsl_range {
    double min, max;
    int minex, maxex;
} zsl_range;

enum { ZSL_LEX_MINUS = 0, ZSL_LEX_VALUE = 1, ZSL_LEX_PLUS = 2 };

/* One end of a lex interval: a member (p,len borrowed) or a sentinel. */
typedef struct zsl_lex_bound {
    int kind; /* ZSL_LEX_MINUS, ZSL_LEX_VALUE, ZSL_LEX_PLUS */
    int ex;   /* exclusive (always 1 for the sentinels) */
    const char *p;
    size_t len;
} zsl_lex_bound;

typedef struct zsl_lexrange {
    zsl_lex_bound min, max;
} zsl_lexrange;

/* memcmp order of two byte strings, the shorter first on a common prefix.
 * Returns <0, 0, >0. */
int zsl_memcmp(const char *a, size_t alen, const char *b, size_t blen);

/* ---- life cycle ----------------------------------------------------------- */

zsl *zsl_create(void);                 /* caller owns; free with zsl_free */
void zsl_free(zsl *z);                 /* frees every node and member; NULL ok */

/* ---- single elements ------------------------------------------------------ */

/* Inserts (score, ele); ele must not be present (the caller checks its
 * dict) and score must not be NaN.  Takes ownership of ele.  Returns the
 * new node. */
zsl_node *zsl_insert(zsl *z, double score, sds ele);
/* Removes the node holding exactly (score, ele[0..len)).  Returns 1 when
 * found.  With node NULL the node and its member are freed; otherwise the
 * node is only unlinked and handed back in *node (the caller frees it with
 * zsl_free_node, or keeps its ele and frees the node with mem_free). */
int zsl_delete(zsl *z, double score, const char *ele, size_t len, zsl_node **node);
void zsl_free_node(zsl_node *n); /* frees n and n->ele; NULL ok */
/* Changes the score of the existing element (curscore, ele) to newscore
 * (not NaN).  Returns the node now holding the element: the same node when
 * it stays in place, else a new one (the old node is freed, its member sds
 * moves to the new node). */
zsl_node *zsl_update_score(zsl *z, double curscore, const sds ele, double newscore);

/* 1-based rank of (score, ele), 0 when absent. */
unsigned long zsl_rank(const zsl *z, double score, const char *ele, size_t len);
/* Node at the 1-based rank, NULL when out of range. */
zsl_node *zsl_by_rank(const zsl *z, unsigned long rank);

/* ---- score ranges ---------------------------------------------------------- */

int zsl_gte_min(double value, const zsl_range *r);
int zsl_lte_max(double value, const zsl_range *r);
/* 1 when no score can fall in r (min > max, or equal with an exclusive end). */
int zsl_range_empty(const zsl_range *r);
zsl_node *zsl_first_in_range(const zsl *z, const zsl_range *r); /* NULL when none */
zsl_node *zsl_last_in_range(const zsl *z, const zsl_range *r);

/* ---- lex ranges ------------------------------------------------------------ */

int zsl_lex_gte_min(const char *p, size_t len, const zsl_lexrange *r);
int zsl_lex_lte_max(const char *p, size_t len, const zsl_lexrange *r);
int zsl_lexrange_empty(const zsl_lexrange *r);
zsl_node *zsl_first_in_lex(const zsl *z, const zsl_lexrange *r);
zsl_node *zsl_last_in_lex(const zsl *z, const zsl_lexrange *r);

/* ---- range deletion --------------------------------------------------------- */

/* Called for each node a range deletion removes, after it is unlinked and
 * before it (and its member) is freed: t_zset.c drops its dict entry. */
typedef void zsl_unlink_fn(void *priv, zsl_node *n);

unsigned long zsl_delete_range_by_score(zsl *z, const zsl_range *r, zsl_unlink_fn *fn, void *priv);
unsigned long zsl_delete_range_by_lex(zsl *z, const zsl_lexrange *r, zsl_unlink_fn *fn, void *priv);
/* Ranks start..end, 1-based and inclusive. */
unsigned long zsl_delete_range_by_rank(zsl *z, unsigned long start, unsigned long end, zsl_unlink_fn *fn,
                                       void *priv);

/* ---- checks ------------------------------------------------------------------ */

/* Verifies invariants (1)-(4).  Returns 0, or -1 with a reason in *why
 * (a static string).  O(n * level). */
int zsl_check(const zsl *z, const char **why);
/* Bytes used by the skiplist structure and nodes (not the members). */
size_t zsl_mem(const zsl *z);

#endif
