/*
 * engine/zipmap.h — read-only decoder of Redis's ancient zipmap format.
 *
 * RDB files written by Redis 2.x (RDB version < 4 in practice) store small
 * hashes as zipmaps.  The loader validates the blob, walks it with zm_next
 * and rebuilds the hash; duplicate fields are a type-level question (check
 * them when rebuilding, e.g. lp_check_unique on the converted listpack).
 * Layout and rules: top of engine/zipmap.c.
 *
 * Safe on hostile bytes: the iterator checks every read against the length
 * it was given.  Nothing is allocated; pointers borrow from the caller's
 * buffer and live as long as it does.
 */
#ifndef STRATA_ZIPMAP_H
#define STRATA_ZIPMAP_H

#include <stddef.h>

/* Iterator; fields are private (on the stack, no cleanup). */
typedef struct zm_iter {
    const unsigned char *zm;
    size_t len;
    size_t pos;          /* offset of the next field's length */
    unsigned long count; /* pairs yielded so far */
    int state;           /* 0 walking, 1 at end, -1 corrupt */
} zm_iter;

/* Starts iterating the zipmap in buf[0..len); buf must outlive the
 * iterator and what it yields. */
void zm_iter_init(zm_iter *it, const void *buf, size_t len);
/* Next field/value pair: returns 1 and sets the four out-parameters
 * (pointers into the buffer, not '\0'-terminated), 0 at the end, -1 if the
 * bytes are corrupt.  Once 0 or -1 was returned, later calls return the same. */
int zm_next(zm_iter *it, const unsigned char **field, size_t *flen, const unsigned char **val,
            size_t *vlen);

/* Deep check of untrusted bytes: every length, free-space byte and string
 * inside the blob, the end marker as the last byte, at least one pair (as
 * Redis), and the count byte equal to the number of pairs unless it is 254
 * ("count them").  Returns 0 if valid, -1 if not.  Never reads outside
 * buf[0..len). */
int zm_validate(const void *buf, size_t len);
/* Number of pairs of a zipmap that passed zm_validate. */
unsigned long zm_length(const void *buf, size_t len);

#endif
