/*
 * engine/listpack.h — Redis 7's listpack, byte for byte: a sequence of
 * strings and integers in one allocation, the compact node of lists and the
 * compact encoding of hashes, sets and sorted sets.  The bytes are exactly
 * what Redis writes into an RDB file, so a listpack is saved and loaded
 * as-is (after lp_validate on the way in).
 *
 * The full layout, invariants and ownership rules are at the top of
 * engine/listpack.c; the short version:
 *
 *   - A listpack is an `unsigned char *` to mem_alloc'd bytes.  Every
 *     function that changes it may reallocate: it takes the listpack and
 *     returns the new pointer, the old one is invalid (lp = lp_append(lp, ..)).
 *   - An element is addressed by a pointer to its first byte (a "position",
 *     `p`).  Positions come from lp_first/lp_last/lp_next/lp_prev/lp_seek/
 *     lp_find or from the `newp`/`p` out-parameters of mutations; every
 *     mutation invalidates every position and every string pointer obtained
 *     from lp_get except the ones it hands back.  NULL means "no element".
 *   - Strings that are canonical integers ("-12", not "012", "+1" or "-0";
 *     the rules of str_to_ll in engine/util.h, as Redis's string2ll) are
 *     stored as integers; lp_get gives them back as integers and
 *     lp_get_str as their decimal text, so the text always round-trips.
 *   - Strings passed in may point into the listpack itself (for example a
 *     value just read with lp_get); mutations copy them before moving bytes.
 *   - The total size is limited to UINT32_MAX bytes by the format; exceeding
 *     it is a fatal error (abort), like running out of memory.  Types keep
 *     their listpacks far smaller: check lp_safe_to_add() before growing
 *     one with data of unbounded size, and convert to a big encoding when
 *     it says no (Redis does the same at 1 GB).
 *
 * Positions and returned string pointers are `unsigned char *` even when
 * the listpack argument is const (as strchr does): the caller decides
 * whether it may write through them (normally never).
 */
#ifndef STRATA_LISTPACK_H
#define STRATA_LISTPACK_H

#include <stddef.h>
#include <stdint.h>

#define LP_HDR_SIZE 6            /* total bytes u32 LE + element count u16 LE */
#define LP_INTBUF_SIZE 21        /* "-9223372036854775808" plus '\0' */
#define LP_SAFETY_SIZE (1u << 30) /* lp_safe_to_add's limit, as Redis */

#define LP_BEFORE 0
#define LP_AFTER 1

/* ---- life cycle ---------------------------------------------------------- */

/* A new empty listpack (7 bytes).  Caller owns it; free with lp_free(). */
unsigned char *lp_new(void);
/* Frees a listpack; NULL is a no-op. */
void lp_free(unsigned char *lp);
/* A copy the caller owns. */
unsigned char *lp_dup(const unsigned char *lp);
/* Validates untrusted bytes (lp_validate) and returns a copy the caller
 * owns, or NULL when they are not a valid listpack.  buf is not kept. */
unsigned char *lp_from_blob(const void *buf, size_t len);

/* ---- size ------------------------------------------------------------------ */

/* Total bytes of the blob (header, entries, terminator): what to write out. */
size_t lp_bytes(const unsigned char *lp);
/* Number of elements.  O(1) while below 65535, else O(n) (the header then
 * holds 65535, "unknown", as the format prescribes). */
unsigned long lp_length(const unsigned char *lp);
/* 1 if lp (NULL counts as empty) may grow by `add` bytes and stay within
 * LP_SAFETY_SIZE, else 0. */
int lp_safe_to_add(const unsigned char *lp, size_t add);

/* ---- navigation (O(1) each except lp_seek, O(n)) ----------------------- */

unsigned char *lp_first(const unsigned char *lp);   /* NULL when empty */
unsigned char *lp_last(const unsigned char *lp);    /* NULL when empty */
unsigned char *lp_next(const unsigned char *lp, const unsigned char *p); /* NULL after the last */
unsigned char *lp_prev(const unsigned char *lp, const unsigned char *p); /* NULL before the first */
/* Element at `index`, 0-based; negative counts from the end (-1 = last).
 * NULL when out of range.  Walks from the nearer end. */
unsigned char *lp_seek(const unsigned char *lp, long index);

/* ---- reading an element ------------------------------------------------- */

/* String element: returns a pointer to its bytes (inside the listpack, valid
 * until the next mutation; not '\0'-terminated) and sets *len.  Integer
 * element: returns NULL and sets *ival.  The other out-parameter is not
 * touched.  len and ival must not be NULL. */
unsigned char *lp_get(const unsigned char *p, size_t *len, long long *ival);
/* The element as text: a string element's bytes (inside the listpack), or an
 * integer formatted in decimal into buf (LP_INTBUF_SIZE bytes provided by
 * the caller, '\0'-terminated) and buf returned.  Sets *len. */
unsigned char *lp_get_str(const unsigned char *p, size_t *len, unsigned char *buf);
/* 1 and *v set if the element is an integer, or a string that parses as a
 * canonical integer; else 0. */
int lp_get_int(const unsigned char *p, long long *v);
/* 1 if the element equals the string s[0..len) (an integer element equals
 * its canonical decimal text), else 0. */
int lp_compare(const unsigned char *p, const void *s, size_t len);

/* First element at or after p equal to s[0..len) (as lp_compare), looking
 * only at p and then every (skip+1)-th element: skip 1 from lp_first()
 * searches the fields of a hash / members of a zset stored as pairs.
 * NULL when not found (or p is NULL). */
unsigned char *lp_find(const unsigned char *lp, const unsigned char *p, const void *s, size_t len,
                       unsigned skip);

/* ---- mutations: each returns the new listpack; the old pointer and all
 * positions are invalid afterwards (except those handed back). ---------- */

unsigned char *lp_append(unsigned char *lp, const void *s, size_t len);
unsigned char *lp_append_int(unsigned char *lp, long long v);
unsigned char *lp_prepend(unsigned char *lp, const void *s, size_t len);
unsigned char *lp_prepend_int(unsigned char *lp, long long v);
/* Inserts before (LP_BEFORE) or after (LP_AFTER) the element at p; p NULL
 * means the end (the element is appended, whatever `where`).  *newp (if
 * newp is not NULL) is set to the new element's position. */
unsigned char *lp_insert(unsigned char *lp, unsigned char *p, int where, const void *s, size_t len,
                         unsigned char **newp);
unsigned char *lp_insert_int(unsigned char *lp, unsigned char *p, int where, long long v,
                             unsigned char **newp);
/* Replaces the element at *p; *p is updated to the replacement's position. */
unsigned char *lp_replace(unsigned char *lp, unsigned char **p, const void *s, size_t len);
unsigned char *lp_replace_int(unsigned char *lp, unsigned char **p, long long v);
/* Deletes the element at p.  *next (if next is not NULL) is set to the
 * element that followed it, or NULL if it was the last. */
unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **next);
/* Deletes up to `count` elements starting at index (negative from the end);
 * fewer if the listpack ends first; nothing if index is out of range. */
unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long count);
/* Deletes up to `count` elements starting at *p; *p is set to the element
 * after the last deleted one, or NULL. */
unsigned char *lp_delete_range_at(unsigned char *lp, unsigned char **p, unsigned long count);

/* ---- untrusted input ------------------------------------------------------ */

/* Deep check of bytes from outside (an RDB file, RESTORE payload): header
 * total bytes == len, the terminator, every entry's encoding (unused
 * encodings rejected), lengths within the blob, every backlen exactly as
 * Redis encodes it, and the element count (unless the header says 65535).
 * Never reads outside buf[0..len).  Returns 0 if valid, -1 if not.  An empty
 * listpack is valid here; whether an empty key is acceptable is the
 * loader's decision.  After a 0 the reading functions are safe on buf
 * itself; mutations need a mem_alloc'd copy (lp_from_blob makes one).
 * Stricter than Redis in one corner only: a backlen that is not byte for
 * byte what Redis writes (e.g. a stray continuation bit) is rejected. */
int lp_validate(const void *buf, size_t len);
/* Type-level check for loaders: the element count is a multiple of stride
 * (>= 1), and the elements at indexes 0, stride, 2*stride, ... (hash
 * fields, zset members, set members) are pairwise distinct as text (an
 * integer 7 and a string "7" are the same).  O(n log n), allocates
 * temporarily.  Returns 0 if so, -1 if not. */
int lp_check_unique(const unsigned char *lp, unsigned stride);

#endif
