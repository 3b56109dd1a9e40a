/*
 * engine/object.h — values stored in the keyspace.
 *
 * A kv_obj is 16 bytes: type (4 bits), encoding (4 bits), a 24-bit LRU clock
 * or LFU (ldt:16 | counter:8) word, a refcount and a pointer.  Type and
 * encoding numbers are Redis's, so OBJECT ENCODING and the RDB type bytes
 * line up.
 *
 * Strings have three encodings, as in Redis:
 *   OBJ_ENC_INT     ptr holds a long long directly (values fitting in 64 bits
 *                   written in canonical decimal, at most 20 chars);
 *   OBJ_ENC_EMBSTR  small (<= 44 bytes) immutable string; ptr is an sds;
 *   OBJ_ENC_RAW     any other string; ptr is an sds that may be modified in
 *                   place (APPEND, SETRANGE, SETBIT) once unshared.
 * Integers 0..9999 use shared objects (refcount OBJ_SHARED_REFCOUNT) unless
 * an LRU/LFU maxmemory policy needs per-object clocks.
 *
 * Other types register their free/dup/size functions in obj_type_ops[] so
 * this file does not need to know their layout.
 *
 * Ownership: obj_new_* return a new reference (refcount 1); obj_decr_ref()
 * releases one and frees at zero.  The keyspace holds one reference per key.
 */
#ifndef STRATA_OBJECT_H
#define STRATA_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "sds.h"

enum { OBJ_STRING = 0, OBJ_LIST = 1, OBJ_SET = 2, OBJ_ZSET = 3, OBJ_HASH = 4, OBJ_MODULE = 5, OBJ_STREAM = 6 };
#define OBJ_TYPE_MAX 7

enum {
    OBJ_ENC_RAW = 0,
    OBJ_ENC_INT = 1,
    OBJ_ENC_HT = 2,
    OBJ_ENC_ZIPMAP = 3,
    OBJ_ENC_LINKEDLIST = 4,
    OBJ_ENC_ZIPLIST = 5,
    OBJ_ENC_INTSET = 6,
    OBJ_ENC_SKIPLIST = 7,
    OBJ_ENC_EMBSTR = 8,
    OBJ_ENC_QUICKLIST = 9,
    OBJ_ENC_STREAM = 10,
    OBJ_ENC_LISTPACK = 11,
};

#define OBJ_SHARED_REFCOUNT 0x7fffffff
#define OBJ_SHARED_INTEGERS 10000
#define OBJ_EMBSTR_LIMIT 44

typedef struct kv_obj {
    unsigned type : 4;
    unsigned enc : 4;
    unsigned lru : 24;
    int refcount;
    void *ptr;
} kv_obj;

typedef struct obj_type_ops {
    void (*free)(kv_obj *o);             /* free o->ptr */
    kv_obj *(*dup)(const kv_obj *o);     /* deep copy (COPY command) */
    size_t (*mem)(const kv_obj *o);      /* approximate bytes (MEMORY USAGE) */
} obj_type_ops;

/* Indexed by type; filled by each type module at startup via obj_register_type. */
void obj_register_type(int type, const obj_type_ops *ops);

kv_obj *obj_new(int type, int enc, void *ptr);
kv_obj *obj_new_string(const void *p, size_t len); /* embstr or raw by length */
kv_obj *obj_new_string_sds(sds s);                 /* takes s; raw/embstr tag by length */
kv_obj *obj_new_raw(const void *p, size_t len);    /* always raw (modifiable) */
kv_obj *obj_new_ll(long long v);                   /* int encoded, shared when small */
kv_obj *obj_new_ll_unshared(long long v);
/* Best compact encoding for a string just built from client input: takes
 * ownership of s.  Integer-looking strings <= 20 chars become INT. */
kv_obj *obj_new_string_encoded(sds s);

void obj_incr_ref(kv_obj *o);
void obj_decr_ref(kv_obj *o); /* NULL ok */
void obj_decr_ref_void(void *o);
kv_obj *obj_dup(const kv_obj *o); /* deep copy, refcount 1 */

/* Strings.  obj_str gives the bytes of a string object: for INT it formats
 * into buf (>= 32 bytes).  The pointer is borrowed: valid while o lives
 * unchanged (or while buf lives). */
const char *obj_str(const kv_obj *o, char *buf, size_t *len);
size_t obj_strlen(const kv_obj *o);
sds obj_to_sds(const kv_obj *o); /* new sds copy of a string object's bytes */
int obj_get_ll(const kv_obj *o, long long *v);      /* 0 ok, -1 not an integer */
int obj_get_ld(const kv_obj *o, long double *v);    /* 0 ok, -1 not a float */
/* Make o's string modifiable in place: returns a RAW, unshared object
 * (possibly a new one: caller must store it back in the keyspace). */
kv_obj *obj_unshare_raw(kv_obj *o);
int obj_string_eq(const kv_obj *a, const kv_obj *b);

const char *obj_type_name(const kv_obj *o); /* "string", "list", ... */
const char *obj_enc_name(int enc);
size_t obj_mem_usage(const kv_obj *o);

/* LRU/LFU clock (engine keeps a cached clock, updated by the cron). */
#define OBJ_LRU_BITS 24
#define OBJ_LRU_MAX ((1u << OBJ_LRU_BITS) - 1)
#define OBJ_LRU_RESOLUTION_MS 1000
unsigned obj_lru_clock_now(void);  /* cached value */
void obj_lru_clock_update(uint64_t now_ms);
unsigned long long obj_idle_ms(const kv_obj *o);
void obj_touch(kv_obj *o, int lfu);   /* on access: refresh LRU or bump LFU */
unsigned obj_lfu_count(const kv_obj *o); /* decayed counter, OBJECT FREQ */
void obj_lfu_params(int log_factor, int decay_minutes);
void obj_set_shared_integers(int enabled); /* off under LRU/LFU maxmemory */
void obj_set_lfu_mode(int on);             /* new objects start with LFU counter 5 */

#endif
