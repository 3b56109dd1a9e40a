/*
 * engine/quicklist.h — the list type's storage: a doubly linked list of
 * listpack nodes (prefix ql_), as Redis 7.0's quicklist.
 *
 * Node size: `fill` (list-max-listpack-size) limits each node: negative
 * -1..-5 = at most 4/8/16/32/64 KiB of listpack bytes; positive n = at most
 * n elements (and never more than 8 KiB, Redis's safety limit).  An element
 * too big for any limit gets a node of its own.  Interior nodes (all but
 * `depth` nodes at each end, list-compress-depth; 0 = off) are kept LZ4
 * compressed when that saves at least 8 bytes of a >= 48 byte listpack, and
 * decompressed in place while accessed.  The split/merge rules are Redis's
 * (see quicklist.c), so node counts and memory match Redis.
 *
 * Elements are byte strings; listpacks store canonical integers as
 * integers, so an element reads back as either (ql_val).
 *
 * Indexes are 0-based; negative indexes count from the tail (-1 = last).
 * `where` is QL_HEAD or QL_TAIL.
 *
 * Ownership: ql_new/ql_dup return a quicklist the caller frees with
 * ql_free (NULL ok).  Strings passed in are copied.  A ql_val's s points
 * into a node and is valid until the next call on that quicklist or the
 * iterator moves on.  Iterators are stack objects: release them with
 * ql_iter_release before the next mutation not done through the iterator.
 * RDB export/import: ql_first_node/ql_node_next + ql_node_listpack give each
 * node's listpack bytes (Redis's QUICKLIST 2 encoding) without modifying
 * the quicklist (safe in a forked child); ql_append_listpack adopts a
 * validated listpack as a new tail node.
 */
#ifndef STRATA_QUICKLIST_H
#define STRATA_QUICKLIST_H

#include <stddef.h>
#include <stdint.h>

#define QL_HEAD 0
#define QL_TAIL 1

#define QL_FILL_MIN (-5)
#define QL_FILL_MAX 32767
#define QL_DEPTH_MAX 65535

typedef struct quicklist quicklist;
typedef struct ql_node ql_node;

/* One element: s != NULL -> the bytes s[0..len); s == NULL -> integer ll. */
typedef struct ql_val {
    const unsigned char *s;
    size_t len;
    long long ll;
} ql_val;

/* An iterator (fields private to quicklist.c). */
typedef struct ql_iter {
    quicklist *ql;
    ql_node *node;      /* node being walked (NULL at the end) */
    unsigned char *p;   /* element just returned, or the next one when pending */
    int dir;            /* QL_TAIL: head -> tail, QL_HEAD: tail -> head */
    int pending;        /* p is the next element to return (after init_at, delete) */
} ql_iter;

/* ---- life cycle --------------------------------------------------------- */

quicklist *ql_new(int fill, int depth);          /* values are clamped */
void ql_free(quicklist *ql);
quicklist *ql_dup(const quicklist *ql);          /* deep copy, same options */
void ql_set_options(quicklist *ql, int fill, int depth);

/* ---- size --------------------------------------------------------------- */

unsigned long ql_count(const quicklist *ql);      /* elements */
unsigned long ql_node_count(const quicklist *ql); /* nodes */
size_t ql_mem(const quicklist *ql);               /* approximate heap bytes */

/* ---- ends --------------------------------------------------------------- */

void ql_push(quicklist *ql, int where, const void *s, size_t len);
/* Read the element at an end: 1 and *v set (borrowed), 0 when empty. */
int ql_peek(quicklist *ql, int where, ql_val *v);
/* Remove the element at an end: 1, or 0 when empty. */
int ql_pop_discard(quicklist *ql, int where);

/* ---- by index ----------------------------------------------------------- */

/* Replace the element at index: 1, or 0 when out of range. */
int ql_replace_at(quicklist *ql, long index, const void *s, size_t len);
/* Delete up to count elements from index (negative from the tail) towards
 * the tail; returns how many were deleted. */
unsigned long ql_del_range(quicklist *ql, long index, unsigned long count);

/* ---- iteration -----------------------------------------------------------
 * ql_iter_init(it, ql, QL_TAIL) walks head to tail, QL_HEAD tail to head.
 * ql_iter_init_at starts at index (then walks in dir); returns 0 (and an
 * iterator that yields nothing) when index is out of range. */
void ql_iter_init(ql_iter *it, quicklist *ql, int dir);
int ql_iter_init_at(ql_iter *it, quicklist *ql, int dir, long index);
/* Next element: 1 and *v (borrowed until the next iterator call), 0 at end. */
int ql_iter_next(ql_iter *it, ql_val *v);
/* Delete the element just returned; iteration continues with the one after
 * it (in the iterator's direction). */
void ql_iter_delete(ql_iter *it);
/* Insert before (after = 0) or after (after = 1) the element just returned
 * (list order, whatever the direction).  Ends the iteration: only
 * ql_iter_release may follow. */
void ql_iter_insert(ql_iter *it, int after, const void *s, size_t len);
/* Recompress what the iterator decompressed.  Required before other calls
 * on the quicklist. */
void ql_iter_release(ql_iter *it);

/* 1 if v equals s[0..len) (an integer equals its decimal text). */
int ql_val_eq(const ql_val *v, const void *s, size_t len);

/* ---- nodes: RDB export/import ------------------------------------------- */

ql_node *ql_first_node(const quicklist *ql);
ql_node *ql_node_next(const ql_node *n);
unsigned long ql_node_elements(const ql_node *n);
/* The node's listpack bytes (Redis's format; *len = its total bytes).  A
 * raw node's bytes are returned borrowed (valid until the quicklist
 * changes) and *owned is NULL; a compressed node is decompressed into a
 * new buffer, returned and also stored in *owned, which the caller frees
 * with mem_free.  The quicklist is not modified. */
const unsigned char *ql_node_listpack(const ql_node *n, size_t *len, unsigned char **owned);
/* Adopt lp (a valid listpack, mem_alloc'd, e.g. from lp_from_blob) as a new
 * tail node, as is (not split or merged; compressed if interior).  Takes
 * ownership; an empty listpack is freed and nothing is added. */
void ql_append_listpack(quicklist *ql, unsigned char *lp);

/* ---- testing -------------------------------------------------------------- */

/* Check every structural invariant (counts, links, sizes, compression of
 * interior nodes, no empty node).  0 if all hold, else -1 with a static
 * message in *why. */
int ql_check(const quicklist *ql, const char **why);
/* Nodes currently compressed. */
unsigned long ql_compressed_nodes(const quicklist *ql);

#endif
