/*
 * engine/intset.c — Redis's intset.
 *
 * LAYOUT (little-endian throughout)
 *
 *   <encoding u32> <length u32> <element> * length
 *
 * encoding is the width of every element in bytes: 2, 4 or 8 (int16,
 * int32, int64 two's complement).  Elements are sorted ascending.
 *
 * INVARIANTS (of every intset this module hands out or accepts):
 *   (1) encoding is 2, 4 or 8 and the block holds exactly 8 + length *
 *       encoding bytes;
 *   (2) elements are strictly ascending, hence distinct;
 *   (3) the encoding is wide enough for every element; it widens on an
 *       insert that needs it and never narrows (Redis keeps it too), so an
 *       intset may be wider than its elements need.
 *
 * Widening rewrites the array in place from the end towards the front (each
 * element's new slot lies at or after its old one, so nothing is overwritten
 * before it is read); the new value, being out of the old range, goes first
 * if negative and last otherwise.
 *
 * All access goes through byte loads/stores, so a blob at any alignment
 * (straight out of an RDB buffer) is fine.
 */
#include "engine/intset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mem.h"
#include "engine/util.h"

#define B(is) ((unsigned char *)(is))
#define CB(is) ((const unsigned char *)(is))

static int64_t sign_extend(uint64_t uv, unsigned bytes) {
    unsigned bits = bytes * 8;
    uint64_t mask = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    uv &= mask;
    if (uv >> (bits - 1)) return -(int64_t)(~uv & mask) - 1;
    return (int64_t)uv;
}

static unsigned enc_of(const unsigned char *b) { return (unsigned)util_load_le(b, 4); }
static uint32_t len_of(const unsigned char *b) { return (uint32_t)util_load_le(b + 4, 4); }
static void set_len(unsigned char *b, uint32_t n) { util_store_le(b + 4, n, 4); }

static int64_t get_at(const unsigned char *b, unsigned enc, uint32_t i) {
    return sign_extend(util_load_le(b + IS_HDR_SIZE + (size_t)i * enc, enc), enc);
}

static void set_at(unsigned char *b, unsigned enc, uint32_t i, int64_t v) {
    util_store_le(b + IS_HDR_SIZE + (size_t)i * enc, (uint64_t)v, enc);
}

static unsigned width_for(int64_t v) {
    if (v >= INT16_MIN && v <= INT16_MAX) return 2;
    if (v >= INT32_MIN && v <= INT32_MAX) return 4;
    return 8;
}

/* Binary search: 1 and *pos = index if found, else 0 and *pos = where v
 * would be inserted. */
static int search(const unsigned char *b, int64_t v, uint32_t *pos) {
    unsigned enc = enc_of(b);
    uint32_t lo = 0, hi = len_of(b);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t cur = get_at(b, enc, mid);
        if (cur == v) {
            *pos = mid;
            return 1;
        }
        if (cur < v) lo = mid + 1;
        else hi = mid;
    }
    *pos = lo;
    return 0;
}

static unsigned char *resize(unsigned char *b, unsigned enc, uint32_t n) {
    return mem_realloc(b, IS_HDR_SIZE + (size_t)n * enc);
}

intset *is_new(void) {
    unsigned char *b = mem_alloc(IS_HDR_SIZE);
    util_store_le(b, 2, 4);
    set_len(b, 0);
    return (intset *)b;
}

void is_free(intset *is) { mem_free(is); }

intset *is_dup(const intset *is) {
    size_t n = is_blob_len(is);
    unsigned char *b = mem_alloc(n);
    memcpy(b, is, n);
    return (intset *)b;
}

intset *is_from_blob(const void *buf, size_t len) {
    if (is_validate(buf, len) != 0) return NULL;
    unsigned char *b = mem_alloc(len);
    memcpy(b, buf, len);
    return (intset *)b;
}

/* Widens to `enc` and adds v, which lies outside the current range. */
static unsigned char *widen_and_add(unsigned char *b, unsigned enc, int64_t v) {
    unsigned old = enc_of(b);
    uint32_t n = len_of(b);
    unsigned shift = v < 0 ? 1 : 0;
    b = resize(b, enc, n + 1);
    util_store_le(b, enc, 4);
    for (uint32_t i = n; i-- > 0;) set_at(b, enc, i + shift, get_at(b, old, i));
    set_at(b, enc, shift ? 0 : n, v);
    set_len(b, n + 1);
    return b;
}

intset *is_add(intset *is, int64_t v, int *added) {
    unsigned char *b = B(is);
    unsigned enc = enc_of(b);
    uint32_t n = len_of(b), pos;
    if (added) *added = 0;
    if (n == UINT32_MAX) {
        fprintf(stderr, "strata: intset: too many elements\n");
        abort();
    }
    if (width_for(v) > enc) {
        if (added) *added = 1;
        return (intset *)widen_and_add(b, width_for(v), v);
    }
    if (search(b, v, &pos)) return is;
    b = resize(b, enc, n + 1);
    unsigned char *at = b + IS_HDR_SIZE + (size_t)pos * enc;
    memmove(at + enc, at, (size_t)(n - pos) * enc);
    set_at(b, enc, pos, v);
    set_len(b, n + 1);
    if (added) *added = 1;
    return (intset *)b;
}

intset *is_remove(intset *is, int64_t v, int *removed) {
    unsigned char *b = B(is);
    unsigned enc = enc_of(b);
    uint32_t n = len_of(b), pos;
    if (removed) *removed = 0;
    if (width_for(v) > enc || !search(b, v, &pos)) return is;
    unsigned char *at = b + IS_HDR_SIZE + (size_t)pos * enc;
    memmove(at, at + enc, (size_t)(n - pos - 1) * enc);
    set_len(b, n - 1);
    b = resize(b, enc, n - 1);
    if (removed) *removed = 1;
    return (intset *)b;
}

int is_find(const intset *is, int64_t v) {
    uint32_t pos;
    return width_for(v) <= enc_of(CB(is)) && search(CB(is), v, &pos);
}

int is_get(const intset *is, uint32_t idx, int64_t *v) {
    if (idx >= len_of(CB(is))) return 0;
    *v = get_at(CB(is), enc_of(CB(is)), idx);
    return 1;
}

int64_t is_random(const intset *is) {
    uint32_t n = len_of(CB(is));
    if (n == 0) {
        fprintf(stderr, "strata: intset: is_random on an empty set\n");
        abort();
    }
    uint64_t r = ((uint64_t)(uint32_t)random() << 31) ^ (uint64_t)(uint32_t)random();
    return get_at(CB(is), enc_of(CB(is)), (uint32_t)(r % n));
}

uint32_t is_length(const intset *is) { return len_of(CB(is)); }
uint32_t is_encoding(const intset *is) { return enc_of(CB(is)); }
size_t is_blob_len(const intset *is) {
    return IS_HDR_SIZE + (size_t)len_of(CB(is)) * enc_of(CB(is));
}
const unsigned char *is_blob(const intset *is) { return CB(is); }

int is_validate(const void *buf, size_t len) {
    const unsigned char *b = buf;
    if (!b || len < IS_HDR_SIZE) return -1;
    uint64_t enc = util_load_le(b, 4), n = len_of(b);
    if (enc != 2 && enc != 4 && enc != 8) return -1;
    if (n == 0 || IS_HDR_SIZE + n * enc != len) return -1;
    int64_t prev = get_at(b, (unsigned)enc, 0);
    for (uint32_t i = 1; i < n; i++) {
        int64_t cur = get_at(b, (unsigned)enc, i);
        if (cur <= prev) return -1;
        prev = cur;
    }
    return 0;
}
