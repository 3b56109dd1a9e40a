/*
 * engine/ziplist.h — read-only decoder of Redis's old ziplist format.
 *
 * RDB files below version 10 (Redis < 7.0) store small lists (inside
 * quicklist nodes), hashes and sorted sets as ziplists.  strata never builds
 * ziplists: the RDB loader validates the blob, walks it with zl_next and
 * rebuilds the value (normally as a listpack, then lp_check_unique for
 * hashes, sets and zsets).  Layout and rules: top of engine/ziplist.c.
 *
 * Everything here is safe on hostile bytes: the iterator checks every read
 * against the length it was given and reports corruption instead of reading
 * past it.  zl_validate adds the whole-blob checks (element count, tail
 * offset).  Nothing is allocated; string pointers borrow from the caller's
 * buffer and live as long as it does.
 */
#ifndef STRATA_ZIPLIST_H
#define STRATA_ZIPLIST_H

#include <stddef.h>

#define ZL_HDR_SIZE 10 /* zlbytes u32 + zltail u32 + zllen u16, little-endian */

/* Forward iterator; fields are private (on the stack, no cleanup needed). */
typedef struct zl_iter {
    const unsigned char *zl;
    size_t len;          /* bytes the caller vouched for */
    size_t pos;          /* offset of the next entry */
    size_t prev_size;    /* whole size of the entry yielded last, 0 at start */
    size_t last;         /* offset of the entry yielded last, 0 at start */
    unsigned long count; /* entries yielded so far */
    int state;           /* 0 walking, 1 at end, -1 corrupt */
} zl_iter;

/* Starts iterating the ziplist in buf[0..len).  buf must outlive the
 * iterator and the strings it yields. */
void zl_iter_init(zl_iter *it, const void *buf, size_t len);
/* Next entry.  Returns 1 and sets either *str and *len (a string: *str points
 * into the buffer, not '\0'-terminated) or *str = NULL and *ival (an
 * integer); 0 at the end; -1 if the bytes are corrupt (header, encoding,
 * lengths, prevlen chain, or an entry reaching past the end).  Once 0 or -1
 * was returned, later calls return the same. */
int zl_next(zl_iter *it, const unsigned char **str, size_t *len, long long *ival);

/* Deep check of untrusted bytes: header (zlbytes == len, terminator, tail
 * offset), every entry (encoding, lengths, each prevlen equal to the size of
 * the entry before it), zltail pointing at the last entry (anywhere inside
 * the blob when empty, as Redis accepts), and zllen equal
 * to the number of entries unless it is 65535 ("count them").  An empty
 * ziplist is valid here (emptiness is the loader's call).  Returns 0 if
 * valid, -1 if not.  Never reads outside buf[0..len). */
int zl_validate(const void *buf, size_t len);
/* Number of entries of a ziplist that passed zl_validate (buf[0..len)). */
unsigned long zl_length(const void *buf, size_t len);

#endif
