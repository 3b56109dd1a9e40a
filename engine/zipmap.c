/*
 * engine/zipmap.c — reading Redis's zipmap (hashes in RDB files of Redis 2.x).
 *
 * LAYOUT
 *
 *   <zmlen> <len>field <len><free>value<free bytes> ... <0xFF>
 *
 *   zmlen  one byte: the number of pairs when below 254; 254 means "count
 *          them" (Redis stops incrementing it there).
 *   len    one byte 0..253 = the length; 254 = a u32 length follows (Redis
 *          wrote it in host order; every platform that shipped zipmaps was
 *          little-endian, so we read LE); 255 in a field's place is the end
 *          marker and invalid in a value's place.  The 5-byte form for a
 *          length below 254 is rejected: Redis never wrote it and its own
 *          loader misparses it (RESTORE answers "Bad data format").
 *   free   one byte: unused bytes after the value (left by an update that
 *          shrank it), skipped.
 *
 * The end marker must be the last byte of the blob (Redis saves exactly
 * the zipmap's bytes).  Like Redis, an empty zipmap is rejected.
 *
 * SAFETY: every read is checked against the caller's length; nothing here
 * allocates.
 */
#include "engine/zipmap.h"

#include <stdint.h>
#include <string.h>

#define ZM_END 0xFF
#define ZM_BIGLEN 0xFE

/* Reads a length at zm[*pos] that must end before zm[end]; advances *pos.
 * Returns 0, or -1 if it does not fit, is the 255 marker or is non-minimal. */
static int read_len(const unsigned char *zm, size_t *pos, size_t end, size_t *out) {
    size_t p = *pos;
    if (p >= end || zm[p] == ZM_END) return -1;
    if (zm[p] < ZM_BIGLEN) {
        *out = zm[p];
        *pos = p + 1;
        return 0;
    }
    if (end - p < 5) return -1;
    *out = (size_t)zm[p + 1] | (size_t)zm[p + 2] << 8 | (size_t)zm[p + 3] << 16 |
           (size_t)zm[p + 4] << 24;
    if (*out < ZM_BIGLEN) return -1; /* non-minimal: Redis never wrote it, misreads it */
    *pos = p + 5;
    return 0;
}

void zm_iter_init(zm_iter *it, const void *buf, size_t len) {
    memset(it, 0, sizeof(*it));
    it->zm = buf;
    it->len = len;
    it->pos = 1;
    if (!buf || len < 2 || it->zm[len - 1] != ZM_END) it->state = -1;
}

static int fail(zm_iter *it) {
    it->state = -1;
    return -1;
}

int zm_next(zm_iter *it, const unsigned char **field, size_t *flen, const unsigned char **val,
            size_t *vlen) {
    if (it->state) return it->state > 0 ? 0 : -1;
    const unsigned char *zm = it->zm;
    size_t end = it->len - 1, pos = it->pos, fl, vl;
    if (zm[pos] == ZM_END) {
        if (pos != end) return fail(it);
        it->state = 1;
        return 0;
    }
    if (read_len(zm, &pos, end, &fl) != 0 || fl > end - pos) return fail(it);
    const unsigned char *f = zm + pos;
    pos += fl;
    if (read_len(zm, &pos, end, &vl) != 0 || pos >= end) return fail(it);
    size_t freeb = zm[pos++];
    if (vl > end - pos || freeb > end - pos - vl) return fail(it);
    *field = f;
    *flen = fl;
    *val = zm + pos;
    *vlen = vl;
    it->pos = pos + vl + freeb;
    it->count++;
    return 1;
}

int zm_validate(const void *buf, size_t len) {
    zm_iter it;
    const unsigned char *f, *v;
    size_t fl, vl;
    int rc;
    zm_iter_init(&it, buf, len);
    while ((rc = zm_next(&it, &f, &fl, &v, &vl)) == 1) {}
    if (rc < 0 || it.count == 0) return -1;
    unsigned hc = ((const unsigned char *)buf)[0];
    if (hc != ZM_BIGLEN && hc != it.count) return -1;
    return 0;
}

unsigned long zm_length(const void *buf, size_t len) {
    unsigned hc = ((const unsigned char *)buf)[0];
    if (hc < ZM_BIGLEN) return hc;
    zm_iter it;
    const unsigned char *f, *v;
    size_t fl, vl;
    zm_iter_init(&it, buf, len);
    while (zm_next(&it, &f, &fl, &v, &vl) == 1) {}
    return it.count;
}
