/*
 * engine/t_set.h — the set type (OBJ_SET) outside its commands: building
 * and reading set objects for the RDB/DUMP code, COPY and tests.
 *
 * Encodings (Redis 7.0: there are no listpack sets before 7.2):
 *   OBJ_ENC_INTSET  o->ptr is an intset (engine/intset.h): every member is
 *                   a canonical decimal integer (str_to_ll in util.h, as
 *                   Redis's string2ll) and there are at most
 *                   max_intset_entries of them.  Its bytes are exactly
 *                   Redis's RDB_TYPE_SET_INTSET payload.
 *   OBJ_ENC_HT      o->ptr is a dict (engine/dict.h) of sds member -> NULL,
 *                   members owned by the dict.
 * Adding a non-integer member, or one member too many, converts to HT; a
 * set never converts back in place (SPOP with a big count, the *STORE
 * commands and SMOVE into a new key build new sets, which start as
 * intsets again, exactly as Redis does).  The keyspace never holds an empty
 * set; objects built here may be empty and storing them is the caller's
 * decision.
 *
 * Limits are passed explicitly (the RDB loader has no server): NULL means
 * Redis's default (512).  Like Redis, the intset limit is capped at 2^30.
 *
 * Ownership: set_obj_* return a new object (refcount 1) the caller owns
 * (obj_decr_ref frees it).  Bytes passed in are copied.  Bytes handed out
 * by the iterator are borrowed: valid until the next set_iter_next/reset
 * call and only while the object is not modified.
 */
#ifndef STRATA_T_SET_H
#define STRATA_T_SET_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dict.h"
#include "intset.h"
#include "object.h"

typedef struct set_limits {
    size_t max_intset_entries; /* set-max-intset-entries */
} set_limits;

/* The limits configured in cfg (cfg borrowed for the call). */
set_limits set_limits_of(const strata_config *cfg);

/* Registers the type's free/dup/mem functions and its DEBUG DIGEST feeder.
 * Called once from server_create(); idempotent. */
void set_module_init(void);

/* A new empty set, intset encoded. */
kv_obj *set_obj_new(void);
/* A new empty set for a first member p: intset when p is an integer, else
 * HT (Redis's setTypeCreate). */
kv_obj *set_obj_new_for(const void *p, size_t len);
/* Adds a member; 1 if it was new, 0 if already there.  Converts to HT as
 * described above.  lim NULL = defaults. */
int set_obj_add(kv_obj *o, const void *p, size_t len, const set_limits *lim);
/* 1 if the member was there (and is gone now), else 0. */
int set_obj_remove(kv_obj *o, const void *p, size_t len);
int set_obj_has(const kv_obj *o, const void *p, size_t len);
unsigned long set_obj_len(const kv_obj *o);
/* A set adopting is, which must pass is_validate (the loader's job).  is
 * becomes the object's (or is freed after conversion to HT when it holds
 * more than lim's max_intset_entries members). */
kv_obj *set_obj_from_intset(intset *is, const set_limits *lim);

/* Iteration over the members (ascending for an intset, dict order for HT).
 * The object must not change while an iterator is open. */
typedef struct set_iter {
    const kv_obj *o;
    uint32_t i;   /* intset position */
    dict_iter di; /* HT */
    char buf[24]; /* an intset member as text */
} set_iter;

void set_iter_init(set_iter *it, const kv_obj *o);
/* 1 and the next member's bytes in *p, *len (borrowed, see top); 0 when
 * done. */
int set_iter_next(set_iter *it, const unsigned char **p, size_t *len);
/* Must be called when done (also after a partial walk). */
void set_iter_reset(set_iter *it);

#endif
