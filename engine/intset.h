/*
 * engine/intset.h — Redis's intset, byte for byte: a sorted array of
 * distinct 64-bit integers stored in the narrowest width that holds them
 * all, the compact encoding of sets of integers.  The bytes are what Redis
 * writes into an RDB file (layout at the top of engine/intset.c).
 *
 * Ownership: an intset is one mem_alloc'd block; the `intset *` points at
 * its first byte and is_blob_len(is) bytes from there are exactly the
 * Redis blob (is_blob gives them as bytes).  is_add/is_remove may
 * reallocate: use the returned pointer, the old one is invalid.  is_free
 * accepts NULL.
 */
#ifndef STRATA_INTSET_H
#define STRATA_INTSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct intset intset; /* opaque: the bytes are the format */

#define IS_HDR_SIZE 8 /* encoding u32 LE + length u32 LE */

/* A new empty intset (16-bit encoding).  Caller owns it. */
intset *is_new(void);
void is_free(intset *is);
intset *is_dup(const intset *is);
/* Validates untrusted bytes (is_validate) and returns a copy the caller
 * owns, or NULL if they are not a valid intset.  buf is not kept. */
intset *is_from_blob(const void *buf, size_t len);

/* Adds v; *added (if not NULL) = 1 if it was new, 0 if already present.
 * Widens the encoding first when v does not fit (it never narrows again,
 * as Redis).  Returns the (possibly moved) intset. */
intset *is_add(intset *is, int64_t v, int *added);
/* Removes v; *removed (if not NULL) = 1 if it was there.  Returns the
 * (possibly moved) intset. */
intset *is_remove(intset *is, int64_t v, int *removed);

int is_find(const intset *is, int64_t v);                 /* 1 if present; O(log n) */
int is_get(const intset *is, uint32_t idx, int64_t *v);   /* 1 and *v if idx < length */
/* A uniformly chosen element (random()).  The intset must not be empty. */
int64_t is_random(const intset *is);
uint32_t is_length(const intset *is);
uint32_t is_encoding(const intset *is);                   /* 2, 4 or 8 bytes per element */
size_t is_blob_len(const intset *is);                     /* header + elements */
const unsigned char *is_blob(const intset *is);           /* the bytes, borrowed */

/* Deep check of untrusted bytes: len >= 8, encoding 2/4/8, 8 + length *
 * encoding == len, at least one element (as Redis: an empty set is never
 * saved), elements strictly ascending (so no duplicates).  Returns 0 if
 * valid, -1 if not.  Never reads outside buf[0..len). */
int is_validate(const void *buf, size_t len);

#endif
