/*
 * engine/dict.h — chained hash table with incremental rehash.
 *
 * Two bucket arrays; while rehashing, every add/find/delete moves one bucket
 * from the old to the new table, and the server cron calls
 * dict_rehash_ms() so an idle table finishes too.  No single operation ever
 * resizes a whole table at once.  Tables grow at load factor 1 (forced at 5
 * while resizes are avoided, e.g. while a fork child is alive) and shrink
 * when fewer than 1/8 of the buckets are used (dict_shrink_if_needed).
 *
 * Keys and values are opaque; the dict_type says how to hash, compare,
 * duplicate and free them.  A NULL callback means "don't" (no dup, no free)
 * and pointer equality for key_cmp.
 *
 * Iteration: a safe iterator allows dict_add/dict_delete during the walk
 * (it pauses rehashing); an unsafe one forbids any modification and asserts
 * on a fingerprint at release.  dict_scan() gives Redis's SCAN guarantee:
 * every element present for the whole scan is returned at least once, even
 * across resizes (reverse-binary cursor).
 *
 * Ownership: the dict owns keys/values it was given (frees them with the
 * type's callbacks on delete/release; val_free is never called with NULL).
 * With a key_dup callback the dict stores key_dup(key) and the caller keeps
 * (and frees) the key it passed.  Pointers returned by find are borrowed and
 * valid until the entry is deleted.
 */
#ifndef STRATA_DICT_H
#define STRATA_DICT_H

#include <stddef.h>
#include <stdint.h>

typedef struct dict_entry {
    void *key;
    union {
        void *val;
        uint64_t u64;
        int64_t s64;
        double d;
    } v;
    struct dict_entry *next;
} dict_entry;

typedef struct dict_type {
    uint64_t (*hash)(const void *key);
    void *(*key_dup)(const void *key);
    int (*key_eq)(const void *a, const void *b); /* non-zero when equal */
    void (*key_free)(void *key);
    void (*val_free)(void *val);
} dict_type;

typedef struct dict dict;

typedef struct dict_iter {
    dict *d;
    long index;
    int table, safe;
    dict_entry *entry, *next_entry;
    uint64_t fingerprint;
} dict_iter;

dict *dict_create(const dict_type *type);
void dict_release(dict *d); /* NULL ok */
/* Remove everything; cb (may be NULL) is called every 65536 buckets. */
void dict_empty(dict *d, void (*cb)(dict *d));

size_t dict_size(const dict *d);
size_t dict_buckets(const dict *d);
int dict_is_rehashing(const dict *d);

int dict_add(dict *d, void *key, void *val); /* 0 ok, -1 key exists (nothing taken) */
/* Add key with no value set yet; returns the new entry, or NULL when it
 * exists (then *existing, if not NULL, is set to the existing entry). */
dict_entry *dict_add_raw(dict *d, void *key, dict_entry **existing);
/* Add or overwrite; returns 1 if added, 0 if the value was replaced.  The
 * dict always takes ownership of key and val: when the key existed, the old
 * value is freed with val_free and the passed key with key_free (unless the
 * type has key_dup: then the caller keeps the key, as for dict_add). */
int dict_replace(dict *d, void *key, void *val);
dict_entry *dict_find(dict *d, const void *key);
void *dict_fetch_value(dict *d, const void *key); /* NULL if absent */
int dict_delete(dict *d, const void *key);         /* 0 deleted, -1 absent */
/* Detach without freeing; free later with dict_free_unlinked (NULL ok). */
dict_entry *dict_unlink(dict *d, const void *key);
void dict_free_unlinked(dict *d, dict_entry *de);
void dict_set_val(dict *d, dict_entry *de, void *val); /* frees the old one */

/* Resize to the power of two >= size (min 4): 0 started, -1 when already
 * rehashing, size < entries, or no change. */
int dict_expand(dict *d, unsigned long size);
/* 0 when a shrink started; -1 when not needed, rehashing or resize disabled. */
int dict_shrink_if_needed(dict *d);
int dict_rehash_steps(dict *d, int n);       /* returns 1 if more work remains */
int dict_rehash_ms(dict *d, int ms);         /* returns steps done */
void dict_set_resize_enabled(int enabled);   /* process-wide, off while forked */

dict_entry *dict_random_entry(dict *d);      /* NULL when empty */
/* Up to count entries from consecutive buckets after a random one; never
 * the same entry twice, fewer than count possible.  Returns how many were
 * stored. */
unsigned dict_sample(dict *d, dict_entry **des, unsigned count);

/* fn must not add or delete entries (collect keys, act after the call).
 * Returns the next cursor; 0 when the scan is complete. */
typedef void dict_scan_fn(void *priv, const dict_entry *de);
unsigned long dict_scan(dict *d, unsigned long cursor, dict_scan_fn *fn, void *priv);

void dict_iter_init(dict_iter *it, dict *d, int safe);
dict_entry *dict_next(dict_iter *it);
void dict_iter_reset(dict_iter *it); /* must be called when done */

/* Hashing: SipHash-1-2 with a process-wide 16-byte seed. */
void dict_set_hash_seed(const uint8_t seed[16]);
uint64_t dict_hash_bytes(const void *p, size_t len);
uint64_t dict_hash_bytes_nocase(const void *p, size_t len);

/* Ready-made types over sds keys (engine/sds.h). */
uint64_t dict_sds_hash(const void *key);
int dict_sds_eq(const void *a, const void *b);
uint64_t dict_sds_case_hash(const void *key);
int dict_sds_case_eq(const void *a, const void *b);
void dict_sds_free(void *key);

#endif
