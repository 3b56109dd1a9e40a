/*
 * engine/ziplist.c — reading Redis's ziplist (RDB < 10), never writing it.
 *
 * LAYOUT
 *
 *   <zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE> <entry> ... <0xFF>
 *
 * zlbytes is the whole blob, zltail the offset of the last entry (Redis
 * writes 10, the header size, when empty; like Redis we accept any offset
 * inside the blob there), zllen the entry count or 65535 = "count them".
 * An entry is <prevlen> <encoding> <data>:
 *
 *   prevlen: the whole size of the previous entry (0 for the first); one
 *   byte if < 254, else 0xFE followed by a u32 LE.  (Redis may keep the
 *   5-byte form for small values after a cascade update: accepted.)
 *
 *   encoding:
 *     00pppppp                         string, length 0..63
 *     01pppppp qqqqqqqq                string, 14-bit length, BIG-endian
 *     10______ <u32 BIG-endian>        string, 32-bit length (Redis writes
 *                                      10000000; like Redis we ignore the
 *                                      low six bits when reading)
 *     11000000 <i16 LE>   11010000 <i32 LE>   11100000 <i64 LE>
 *     11110000 <i24 LE>   11111110 <i8>
 *     1111xxxx, xxxx = 0001..1101      immediate 0..12 (xxxx - 1), no data
 *     any other 11xxxxxx               invalid
 *
 * A byte 0xFF where an entry would start is the end marker; it must be the
 * blob's last byte.
 *
 * SAFETY: the iterator carries the caller's length and checks every byte it
 * touches against the terminator's offset, so even zl_next alone never reads
 * outside the buffer; it also checks each prevlen against the entry before,
 * which makes a full iteration an entry-level validation.  zl_validate adds
 * the tail offset and the count.  Nothing here allocates.
 */
#include "engine/ziplist.h"

#include <stdint.h>
#include <string.h>

#include "engine/util.h"

#define ZL_END 0xFF
#define ZL_BIG_PREVLEN 0xFE
#define ZL_COUNT_UNKNOWN 65535u

static uint64_t rd_be(const unsigned char *p, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

static long long sign_extend(uint64_t uv, unsigned bits) {
    uint64_t mask = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    uv &= mask;
    if (uv >> (bits - 1)) return -(long long)(~uv & mask) - 1;
    return (long long)uv;
}

/* One decoded entry. */
typedef struct {
    size_t prevlen;
    size_t size;       /* prevlen field + encoding + data */
    const unsigned char *str; /* NULL for integers */
    size_t slen;
    long long ival;
} zl_entry;

/* Width of an integer encoding's data, or -1 if `enc` (>= 0xC0) is invalid. */
static int int_width(unsigned char enc) {
    switch (enc) {
    case 0xC0: return 2;
    case 0xD0: return 4;
    case 0xE0: return 8;
    case 0xF0: return 3;
    case 0xFE: return 1;
    default: return enc >= 0xF1 && enc <= 0xFD ? 0 : -1;
    }
}

static long long int_value(unsigned char enc, const unsigned char *d) {
    switch (enc) {
    case 0xC0: return sign_extend(util_load_le(d, 2), 16);
    case 0xD0: return sign_extend(util_load_le(d, 4), 32);
    case 0xE0: return sign_extend(util_load_le(d, 8), 64);
    case 0xF0: return sign_extend(util_load_le(d, 3), 24);
    case 0xFE: return sign_extend(d[0], 8);
    default: return (enc & 0x0F) - 1;
    }
}

/* Decodes the entry at zl[off], which must end at or before zl[end] (the
 * terminator).  Returns 0, or -1 if it is malformed or too long. */
static int decode_entry(const unsigned char *zl, size_t off, size_t end, zl_entry *e) {
    const unsigned char *p = zl + off;
    size_t avail = end - off, h;
    if (p[0] < ZL_BIG_PREVLEN) {
        e->prevlen = p[0];
        h = 1;
    } else if (p[0] == ZL_BIG_PREVLEN) {
        if (avail < 5) return -1;
        e->prevlen = (size_t)util_load_le(p + 1, 4);
        h = 5;
    } else {
        return -1;
    }
    if (avail < h + 1) return -1;
    unsigned char enc = p[h];
    uint64_t datalen;
    unsigned enclen;
    switch (enc >> 6) {
    case 0: enclen = 1; datalen = enc & 0x3f; break;
    case 1: enclen = 2; break;
    case 2: enclen = 5; break;
    default: {
        int w = int_width(enc);
        if (w < 0) return -1;
        enclen = 1;
        datalen = (uint64_t)w;
    }
    }
    if (avail - h < enclen) return -1;
    if (enclen == 2) datalen = ((uint64_t)(enc & 0x3f) << 8) | p[h + 1];
    else if (enclen == 5) datalen = rd_be(p + h + 1, 4);
    if (datalen > avail - h - enclen) return -1;
    const unsigned char *d = p + h + enclen;
    if ((enc >> 6) != 3) {
        e->str = d;
        e->slen = (size_t)datalen;
    } else {
        e->str = NULL;
        e->ival = int_value(enc, d);
    }
    e->size = h + enclen + (size_t)datalen;
    return 0;
}

void zl_iter_init(zl_iter *it, const void *buf, size_t len) {
    memset(it, 0, sizeof(*it));
    it->zl = buf;
    it->len = len;
    it->pos = ZL_HDR_SIZE;
    if (!buf || len < ZL_HDR_SIZE + 1 || util_load_le(it->zl, 4) != len || it->zl[len - 1] != ZL_END)
        it->state = -1;
}

int zl_next(zl_iter *it, const unsigned char **str, size_t *len, long long *ival) {
    if (it->state) return it->state > 0 ? 0 : -1;
    size_t end = it->len - 1;
    if (it->zl[it->pos] == ZL_END) {
        it->state = it->pos == end ? 1 : -1;
        return it->state > 0 ? 0 : -1;
    }
    zl_entry e;
    if (decode_entry(it->zl, it->pos, end, &e) != 0 || e.prevlen != it->prev_size) {
        it->state = -1;
        return -1;
    }
    *str = e.str;
    if (e.str) *len = e.slen;
    else *ival = e.ival;
    it->last = it->pos;
    it->prev_size = e.size;
    it->pos += e.size;
    it->count++;
    return 1;
}

int zl_validate(const void *buf, size_t len) {
    zl_iter it;
    const unsigned char *s;
    size_t sl;
    long long v;
    int rc;
    zl_iter_init(&it, buf, len);
    while ((rc = zl_next(&it, &s, &sl, &v)) == 1) {}
    if (rc < 0) return -1;
    const unsigned char *zl = buf;
    size_t tail = (size_t)util_load_le(zl + 4, 4);
    if (it.count ? tail != it.last : tail > len - 1) return -1; /* Redis: any in-range tail when empty */
    unsigned hc = (unsigned)util_load_le(zl + 8, 2);
    if (hc != ZL_COUNT_UNKNOWN && hc != it.count) return -1;
    return 0;
}

unsigned long zl_length(const void *buf, size_t len) {
    const unsigned char *zl = buf;
    unsigned hc = (unsigned)util_load_le(zl + 8, 2);
    if (hc != ZL_COUNT_UNKNOWN) return hc;
    zl_iter it;
    const unsigned char *s;
    size_t sl;
    long long v;
    zl_iter_init(&it, buf, len);
    while (zl_next(&it, &s, &sl, &v) == 1) {}
    return it.count;
}
