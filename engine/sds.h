/*
 * engine/sds.h — binary-safe dynamic strings.
 *
 * An `sds` is a char* pointing at the string bytes; a small header sits just
 * before it (type byte at s[-1]; 8/16/32/64-bit length+alloc variants chosen
 * by size so short keys cost 3 bytes of header).  The bytes are always
 * followed by a '\0', so an sds can be passed where a C string is expected,
 * but it may contain '\0' itself: use sds_len().
 *
 * Ownership: every function that returns an sds returns a string the caller
 * owns and must sds_free().  Functions taking `sds s` and returning sds may
 * reallocate: the argument is invalidated, use the returned pointer
 * (s = sds_cat(s, "x")).  sds_free(NULL) is a no-op.  All memory comes from
 * mem_alloc (engine/mem.h).
 */
#ifndef STRATA_SDS_H
#define STRATA_SDS_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

typedef char *sds;

sds sds_newlen(const void *init, size_t len); /* init NULL = zero-filled */
sds sds_new(const char *cstr);                /* cstr NULL = empty */
sds sds_empty(void);
sds sds_dup(const sds s);
sds sds_fromll(long long value);
void sds_free(sds s);
/* An sds living inside a caller's allocation (embedded strings): writes a
 * header and len bytes (+ '\0') at buf, which must have room for
 * sds_embedded_size(len) bytes; len must be < 256.  The result must never be
 * grown or sds_free()d: it is released with the enclosing block. */
size_t sds_embedded_size(size_t len);
sds sds_init_embedded(void *buf, const void *init, size_t len);

size_t sds_len(const sds s);
size_t sds_avail(const sds s);    /* spare bytes after len */
size_t sds_alloc_size(const sds s); /* whole allocation incl. header */
void *sds_alloc_ptr(const sds s); /* start of the allocation (for mem_usable) */

sds sds_makeroom(sds s, size_t addlen); /* ensure avail >= addlen (greedy growth) */
sds sds_makeroom_exact(sds s, size_t addlen);
void sds_incrlen(sds s, ssize_t incr);  /* after writing into the avail area */
void sds_setlen(sds s, size_t len);     /* len <= alloc; also writes the '\0' */
sds sds_remove_free(sds s);             /* shrink alloc to len */
sds sds_growzero(sds s, size_t len);    /* grow to len, new bytes zero */

sds sds_catlen(sds s, const void *t, size_t len);
sds sds_cat(sds s, const char *t);
sds sds_catsds(sds s, const sds t);
sds sds_catprintf(sds s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
sds sds_catvprintf(sds s, const char *fmt, va_list ap);
sds sds_catrepr(sds s, const char *p, size_t len); /* "quoted" with \n \xNN escapes */
sds sds_cpylen(sds s, const char *t, size_t len);
sds sds_cpy(sds s, const char *t);

/* Keep bytes [start, end] (inclusive, negative = from the end), in place.
 * start clamps to 0 and end to len-1; start > end, start >= len, or an end
 * still negative after adding len leave the string empty. */
void sds_range(sds s, ssize_t start, ssize_t end);
void sds_clear(sds s); /* len 0, keeps the allocation */
void sds_tolower(sds s);
void sds_toupper(sds s);
sds sds_trim(sds s, const char *cset); /* strip chars in cset from both ends */

/* memcmp order, shorter first on common prefix: <0, 0, >0 */
int sds_cmp(const sds a, const sds b);

/* Split a line by the redis.conf / inline-command grammar: whitespace
 * separated words, "double quoted" with \n \r \t \b \a \\ \" \xHH escapes,
 * 'single quoted' with only \' escaped.  A closing quote must be followed by
 * whitespace or the end.  Returns an array the caller frees with
 * sds_freesplit(); *argc set.  Unbalanced quotes: returns NULL. Empty line:
 * returns a non-NULL array with *argc = 0. */
sds *sds_splitargs(const char *line, int *argc);
void sds_freesplit(sds *tokens, int count);

/* Split by an exact separator; *count set; free with sds_freesplit. */
sds *sds_splitlen(const char *s, ssize_t len, const char *sep, int seplen, int *count);

/* A growable array of owned sds strings (SCAN-style result collection).
 * Start from {NULL, 0, 0}; the caller frees the strings and then v. */
typedef struct sds_vec {
    sds *v;
    long n, cap;
} sds_vec;

void sds_vec_push(sds_vec *a, sds s); /* takes s */

#endif
