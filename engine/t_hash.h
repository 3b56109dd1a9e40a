/*
 * engine/t_hash.h — the hash type (OBJ_HASH) outside its commands: building
 * and reading hash objects for the RDB/DUMP code, COPY and tests.
 *
 * Encodings (Redis 7.0, one-way conversion):
 *   OBJ_ENC_LISTPACK  o->ptr is a listpack (engine/listpack.h) holding
 *                     field, value, field, value ... in insertion order;
 *                     its bytes are exactly Redis's RDB_TYPE_HASH_LISTPACK
 *                     payload.  Used while the hash has at most
 *                     max_entries pairs and no field or value is longer
 *                     than max_value bytes.
 *   OBJ_ENC_HT        o->ptr is a dict (engine/dict.h) of sds field -> sds
 *                     value, both owned by the dict.
 * A hash never goes back from HT to listpack.  The keyspace never holds an
 * empty hash (the commands delete the key with its last field); objects
 * built here may be empty, and storing them is the caller's decision.
 *
 * Limits are passed explicitly (the RDB loader has no server): NULL means
 * Redis's defaults (128 entries, 64 bytes).  hash_limits_of() reads them
 * from a configuration.
 *
 * Ownership: hash_obj_* return a new object (refcount 1) the caller owns
 * (obj_decr_ref frees it).  Bytes passed in are copied.  Bytes handed out by
 * the iterator are borrowed: valid until the next hash_iter_next/reset call
 * and only while the object is not modified.
 */
#ifndef STRATA_T_HASH_H
#define STRATA_T_HASH_H

#include <stddef.h>

#include "config.h"
#include "dict.h"
#include "listpack.h"
#include "object.h"

typedef struct hash_limits {
    size_t max_entries; /* hash-max-listpack-entries */
    size_t max_value;   /* hash-max-listpack-value (bytes of a field or value) */
} hash_limits;

/* The limits configured in cfg (cfg borrowed for the call). */
hash_limits hash_limits_of(const strata_config *cfg);

/* Registers the type's free/dup/mem functions and its DEBUG DIGEST feeder.
 * Called once from server_create(); idempotent. */
void hash_module_init(void);

/* A new empty hash, listpack encoded. */
kv_obj *hash_obj_new(void);
/* Adds or updates field -> value, converting to HT when lim says so (a
 * field/value longer than max_value converts before the insert, more than
 * max_entries pairs after it).  Returns 1 if the field was new, 0 if its
 * value was replaced.  lim NULL = defaults. */
int hash_obj_set(kv_obj *o, const void *field, size_t flen, const void *val, size_t vlen, const hash_limits *lim);
/* Number of field/value pairs. */
unsigned long hash_obj_len(const kv_obj *o);
/* The value of a field (SORT ... BY/GET key->field): 1 and *v, *vlen
 * (borrowed: valid until o changes; a listpack integer is formatted into
 * buf, which must hold LP_INTBUF_SIZE bytes), or 0 when absent. */
int hash_obj_get(const kv_obj *o, const void *field, size_t flen, const unsigned char **v, size_t *vlen,
                 unsigned char *buf);
/* A hash adopting lp: lp must pass lp_validate (the loader's job); this
 * checks the pair structure (even count, distinct fields) and returns NULL
 * without taking lp when it is wrong.  On success lp is owned by the
 * object (or freed after conversion to HT, when lim's thresholds are
 * exceeded by the count or by any element's length). */
kv_obj *hash_obj_from_listpack(unsigned char *lp, const hash_limits *lim);

/* Iteration over the pairs (listpack order, or dict order for HT).  The
 * object must not change while an iterator is open. */
typedef struct hash_iter {
    const kv_obj *o;
    unsigned char *p; /* listpack: next field position */
    dict_iter di;     /* HT */
    unsigned char fbuf[LP_INTBUF_SIZE], vbuf[LP_INTBUF_SIZE];
} hash_iter;

void hash_iter_init(hash_iter *it, const kv_obj *o);
/* 1 and the next pair's bytes in *f, *flen, *v, *vlen (borrowed, see top);
 * 0 when done. */
int hash_iter_next(hash_iter *it, const unsigned char **f, size_t *flen, const unsigned char **v, size_t *vlen);
/* Must be called when done (also after a partial walk). */
void hash_iter_reset(hash_iter *it);

#endif
