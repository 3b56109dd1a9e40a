/*
 * engine/t_zset.h — sorted sets: the object API for other modules (RDB
 * load/save, SORT, DEBUG) and the module's registration.
 *
 * A sorted set is a kv_obj of type OBJ_ZSET in one of two encodings, as in
 * Redis 7.0:
 *
 *   OBJ_ENC_LISTPACK  o->ptr is a listpack (engine/listpack.h) of
 *                     member,score,member,score,... pairs sorted by score,
 *                     then by member bytes (memcmp, shorter first).  A
 *                     score that is an integer in [-2^62, 2^62] is stored
 *                     as a listpack integer, any other as its %.17g text
 *                     ("inf", "-inf"); these are the bytes Redis writes, so
 *                     lp_bytes(o->ptr) bytes are an RDB ZSET_LISTPACK
 *                     payload as is.
 *   OBJ_ENC_SKIPLIST  a skiplist (engine/skiplist.h) plus a dict member ->
 *                     node; private to t_zset.c.
 *
 * Commands keep a zset in listpack form while it has at most
 * zset-max-listpack-entries elements and no member longer than
 * zset-max-listpack-value bytes, and convert at the same moments Redis 7.0
 * does (never back, except for the *STORE results and loaders that call
 * zset_obj_fit()).
 *
 * Ownership: functions returning kv_obj* return a new reference (refcount
 * 1) the caller owns.  Member pointers handed out by the iterator are
 * borrowed: valid until the next call on the iterator or any change to the
 * zset.  A zset is never empty in the keyspace (the last removal deletes
 * the key), but these functions accept empty ones.
 */
#ifndef STRATA_T_ZSET_H
#define STRATA_T_ZSET_H

#include <stddef.h>

#include "config.h"
#include "listpack.h"
#include "object.h"

/* The two conversion thresholds. */
typedef struct zset_limits {
    size_t max_entries; /* zset-max-listpack-entries */
    size_t max_value;   /* zset-max-listpack-value */
} zset_limits;

/* Registers the type's free/dup/mem and DEBUG DIGEST functions; called once
 * by server_create(). */
void zset_module_init(void);

/* The limits configured in cfg (borrowed). */
zset_limits zset_limits_of(const strata_config *cfg);

/* ---- building (RDB loader, tests) -------------------------------------- */

/* A new empty zset, listpack encoded. */
kv_obj *zset_obj_new(void);
/* A new empty zset in skiplist encoding, sized for about n elements. */
kv_obj *zset_obj_new_skiplist(size_t n);
/* Adds member[0..len) with score, or sets the score of an existing member.
 * Never converts for the limits (call zset_obj_fit() when done), except
 * that a listpack that would outgrow LP_SAFETY_SIZE becomes a skiplist.
 * Returns 1 added, 0 updated, -1 when score is NaN (nothing changed). */
int zset_obj_add(kv_obj *o, const void *member, size_t len, double score);
/* Gives o the encoding a freshly loaded zset has in Redis 7.0: listpack
 * when it fits lim (element count, longest member, LP_SAFETY_SIZE), else
 * skiplist. */
void zset_obj_fit(kv_obj *o, const zset_limits *lim);
/* Adopts lp (mem_alloc'd, already through lp_validate) as a listpack
 * encoded zset: checks an even element count, distinct members, scores
 * that parse as numbers (not NaN) and the sort order.  Returns the object
 * (owning lp), or NULL when a check fails (lp is then still the caller's).
 * Redis 7.0's loader then converts it to a skiplist only when it holds
 * more than zset-max-listpack-entries elements (member lengths are not
 * checked): zset_obj_length() and zset_obj_convert() do that. */
kv_obj *zset_obj_from_listpack(unsigned char *lp);
/* Converts o to OBJ_ENC_LISTPACK or OBJ_ENC_SKIPLIST (no-op if already). */
void zset_obj_convert(kv_obj *o, int enc);

/* ---- reading ------------------------------------------------------------- */

unsigned long zset_obj_length(const kv_obj *o);
/* 0 and *score set when member is present, -1 otherwise. */
int zset_obj_score(const kv_obj *o, const void *member, size_t len, double *score);

/* Walk in order (or reverse order) from a 0-based rank. */
typedef struct zset_iter {
    const kv_obj *o;
    int reverse;
    unsigned char *eptr;        /* listpack position (the member) */
    void *node;                 /* skiplist position */
    unsigned char buf[LP_INTBUF_SIZE];
} zset_iter;

/* Positions it at rank `start` (0 = lowest score, or highest with reverse).
 * A start beyond the end gives an exhausted iterator. */
void zset_iter_init(zset_iter *it, const kv_obj *o, unsigned long start, int reverse);
/* Next element: returns 1 and sets *member, *len (borrowed) and *score, or 0
 * at the end.  The zset must not change while iterating. */
int zset_iter_next(zset_iter *it, const char **member, size_t *len, double *score);

/* The score text Redis writes for a listpack entry (also ZSCAN's text for
 * listpack zsets): integer decimal when exact in [-2^62, 2^62], else %.17g,
 * "inf"/"-inf".  buf holds >= 32 bytes; returns the length. */
int zset_score_text(double score, char *buf);

/* SORT and SORT_RO (engine/sort.c); their rows are in cmd_table_zset. */
struct kv_client;
void sort_command(struct kv_client *c);
void sort_ro_command(struct kv_client *c);

#endif
