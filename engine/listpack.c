/*
 * engine/listpack.c — Redis 7's listpack byte format.
 *
 * LAYOUT (all multi-byte numbers little-endian)
 *
 *   <total bytes u32> <count u16> <entry> ... <entry> <0xFF>
 *
 * count is the number of entries, or 65535 meaning "65535 or more, count
 * them".  An entry is <encoding+data> <backlen>:
 *
 *   0xxxxxxx                      7-bit unsigned int 0..127
 *   10xxxxxx <data>               string, length 0..63 in the 6 bits
 *   110xxxxx yyyyyyyy             13-bit signed int (two's complement,
 *                                 high bits first) -4096..4095
 *   1110xxxx yyyyyyyy <data>      string, 12-bit length (high bits first)
 *   11110000 <len u32> <data>     string, 32-bit length
 *   11110001 <i16>                16-bit signed int
 *   11110010 <i24>                24-bit signed int
 *   11110011 <i32>                32-bit signed int
 *   11110100 <i64>                64-bit signed int
 *   11110101 .. 11111110          unused (invalid)
 *   11111111                      terminator, never an entry
 *
 * backlen is the size L of <encoding+data>, written so it can be read from
 * its last byte backwards: the rightmost byte holds L's low 7 bits, each byte
 * to its left the next 7 bits, and every byte but the leftmost has bit 7
 * set.  Its width follows Redis's thresholds exactly (1 byte for L <= 127,
 * 2 for L < 16383, 3 for L < 2097151, 4 for L < 268435455, else 5; note the
 * strict '<': L = 16383 takes 3 bytes), so our bytes equal Redis's.
 *
 * WHAT WE WRITE (identical to Redis): a string that is a canonical integer
 * of at most 20 characters becomes the narrowest integer encoding that holds
 * it (0..127 7-bit, then 13, 16, 24, 32, 64 bits); other strings take the
 * narrowest string encoding (< 64, < 4096, else 32-bit length).
 *
 * WHAT WE READ: anything Redis's validator accepts, except for corrupt
 * backlens that Redis would read sloppily (we require the exact bytes Redis
 * writes).  Non-canonical encodings (an integer in a wider encoding, a
 * numeric string stored as a string, a short string with a 32-bit length)
 * are accepted and handled everywhere.
 *
 * INVARIANTS of a listpack this module hands out (and of any that passed
 * lp_validate):
 *   (1) header total bytes == allocation's used size; last byte is 0xFF and
 *       no entry starts with 0xFF;
 *   (2) every entry's backlen encodes its <encoding+data> size in Redis's
 *       width, so lp_prev is exact;
 *   (3) header count == number of entries when below 65535, else 65535.
 *       Our own deletions recount when the header said 65535, so after any
 *       deletion here the header is exact whenever it can be.
 *
 * OWNERSHIP: a listpack is a mem_alloc'd block owned by whoever holds the
 * pointer; mutations realloc it and return the new pointer.  Positions and
 * lp_get strings borrow from it and die with the next mutation.
 *
 * Navigation and reading trust the listpack (it is ours, or validated);
 * only lp_validate is written for hostile bytes.
 */
#include "engine/listpack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mem.h"
#include "engine/util.h"

#define LP_EOF 0xFF
#define LP_COUNT_UNKNOWN 65535u
#define LP_MAX_BYTES UINT32_MAX

/* Sign-extend the low `bits` bits of uv, without implementation-defined
 * conversions. */
static long long sign_extend(uint64_t uv, unsigned bits) {
    uint64_t mask = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    uv &= mask;
    if (uv >> (bits - 1)) return -(long long)(~uv & mask) - 1;
    return (long long)uv;
}

/* ---- encodings ---------------------------------------------------------- */

typedef enum {
    K_UINT7, K_STR6, K_INT13, K_STR12, K_STR32,
    K_INT16, K_INT24, K_INT32, K_INT64, K_EOF, K_BAD
} lp_kind;

static lp_kind kind_of(unsigned char b) {
    if (b < 0x80) return K_UINT7;
    if (b < 0xC0) return K_STR6;
    if (b < 0xE0) return K_INT13;
    if (b < 0xF0) return K_STR12;
    switch (b) {
    case 0xF0: return K_STR32;
    case 0xF1: return K_INT16;
    case 0xF2: return K_INT24;
    case 0xF3: return K_INT32;
    case 0xF4: return K_INT64;
    case 0xFF: return K_EOF;
    default: return K_BAD;
    }
}

/* Bytes of an entry's header needed before its length is known. */
static unsigned header_bytes(lp_kind k) {
    switch (k) {
    case K_STR12: return 2;
    case K_STR32: return 5;
    default: return 1;
    }
}

/* Size of <encoding+data>, reading only header_bytes() bytes. */
static uint64_t enc_size_of(const unsigned char *p, lp_kind k) {
    switch (k) {
    case K_UINT7: return 1;
    case K_STR6: return 1 + (uint64_t)(p[0] & 0x3f);
    case K_INT13: return 2;
    case K_STR12: return 2 + (((uint64_t)(p[0] & 0x0f) << 8) | p[1]);
    case K_STR32: return 5 + util_load_le(p + 1, 4);
    case K_INT16: return 3;
    case K_INT24: return 4;
    case K_INT32: return 5;
    case K_INT64: return 9;
    default: return 0;
    }
}

static unsigned backlen_width(uint64_t l) {
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    if (l < 268435455) return 4;
    return 5;
}

static void backlen_write(unsigned char *dst, uint64_t l) {
    unsigned n = backlen_width(l);
    for (unsigned i = 0; i < n; i++) {
        unsigned char b = (unsigned char)((l >> (7 * (n - 1 - i))) & 127);
        dst[i] = i ? (unsigned char)(b | 128) : b;
    }
}

/* Reads a backlen whose last byte is at `last` (trusted). */
static uint64_t backlen_read(const unsigned char *last) {
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        v |= (uint64_t)(*last & 127) << shift;
        if (!(*last & 128) || shift >= 28) break;
        shift += 7;
        last--;
    }
    return v;
}

/* Whole size of the (trusted) entry at p: encoding, data and backlen. */
static size_t entry_size(const unsigned char *p) {
    uint64_t enc = enc_size_of(p, kind_of(p[0]));
    return (size_t)(enc + backlen_width(enc));
}

/* ---- header ------------------------------------------------------------- */

static unsigned hdr_count(const unsigned char *lp) { return (unsigned)util_load_le(lp + 4, 2); }
static void set_hdr_count(unsigned char *lp, unsigned long n) {
    util_store_le(lp + 4, n >= LP_COUNT_UNKNOWN ? LP_COUNT_UNKNOWN : n, 2);
}

static unsigned long count_entries(const unsigned char *lp) {
    unsigned long n = 0;
    for (const unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) n++;
    return n;
}

static void count_add(unsigned char *lp, long delta) {
    unsigned n = hdr_count(lp);
    if (n != LP_COUNT_UNKNOWN) set_hdr_count(lp, (unsigned long)((long)n + delta));
    else if (delta < 0) set_hdr_count(lp, count_entries(lp));
}

/* ---- life cycle and size ------------------------------------------------ */

unsigned char *lp_new(void) {
    unsigned char *lp = mem_alloc(LP_HDR_SIZE + 1);
    util_store_le(lp, LP_HDR_SIZE + 1, 4);
    util_store_le(lp + 4, 0, 2);
    lp[LP_HDR_SIZE] = LP_EOF;
    return lp;
}

void lp_free(unsigned char *lp) { mem_free(lp); }

unsigned char *lp_dup(const unsigned char *lp) {
    size_t n = lp_bytes(lp);
    unsigned char *c = mem_alloc(n);
    memcpy(c, lp, n);
    return c;
}

unsigned char *lp_from_blob(const void *buf, size_t len) {
    if (lp_validate(buf, len) != 0) return NULL;
    unsigned char *c = mem_alloc(len);
    memcpy(c, buf, len);
    return c;
}

size_t lp_bytes(const unsigned char *lp) { return (size_t)util_load_le(lp, 4); }

unsigned long lp_length(const unsigned char *lp) {
    unsigned n = hdr_count(lp);
    return n != LP_COUNT_UNKNOWN ? n : count_entries(lp);
}

int lp_safe_to_add(const unsigned char *lp, size_t add) {
    size_t cur = lp ? lp_bytes(lp) : LP_HDR_SIZE + 1;
    return add <= LP_SAFETY_SIZE && cur + add <= LP_SAFETY_SIZE;
}

/* ---- navigation ---------------------------------------------------------- */

unsigned char *lp_first(const unsigned char *lp) {
    const unsigned char *p = lp + LP_HDR_SIZE;
    return *p == LP_EOF ? NULL : (unsigned char *)p;
}

unsigned char *lp_next(const unsigned char *lp, const unsigned char *p) {
    (void)lp;
    if (!p) return NULL;
    p += entry_size(p);
    return *p == LP_EOF ? NULL : (unsigned char *)p;
}

/* p may also be the terminator (used by lp_last). */
unsigned char *lp_prev(const unsigned char *lp, const unsigned char *p) {
    if (!p || p <= lp + LP_HDR_SIZE) return NULL;
    uint64_t enc = backlen_read(p - 1);
    return (unsigned char *)(p - backlen_width(enc) - enc);
}

unsigned char *lp_last(const unsigned char *lp) { return lp_prev(lp, lp + lp_bytes(lp) - 1); }

unsigned char *lp_seek(const unsigned char *lp, long index) {
    unsigned long n = lp_length(lp), i;
    if (index < 0) {
        unsigned long back = (unsigned long)(-(index + 1)); /* no overflow at LONG_MIN */
        if (back >= n) return NULL;
        i = n - 1 - back;
    } else {
        if ((unsigned long)index >= n) return NULL;
        i = (unsigned long)index;
    }
    unsigned char *p;
    if (i <= n / 2) {
        p = lp_first(lp);
        while (i--) p = lp_next(lp, p);
    } else {
        p = lp_last(lp);
        for (unsigned long k = n - 1 - i; k; k--) p = lp_prev(lp, p);
    }
    return p;
}

/* ---- reading -------------------------------------------------------------- */

unsigned char *lp_get(const unsigned char *p, size_t *len, long long *ival) {
    lp_kind k = kind_of(p[0]);
    switch (k) {
    case K_UINT7: *ival = p[0]; return NULL;
    case K_INT13: *ival = sign_extend(((uint64_t)(p[0] & 0x1f) << 8) | p[1], 13); return NULL;
    case K_INT16: *ival = sign_extend(util_load_le(p + 1, 2), 16); return NULL;
    case K_INT24: *ival = sign_extend(util_load_le(p + 1, 3), 24); return NULL;
    case K_INT32: *ival = sign_extend(util_load_le(p + 1, 4), 32); return NULL;
    case K_INT64: *ival = sign_extend(util_load_le(p + 1, 8), 64); return NULL;
    default: break;
    }
    unsigned h = header_bytes(k);
    *len = (size_t)(enc_size_of(p, k) - h);
    return (unsigned char *)p + h;
}

unsigned char *lp_get_str(const unsigned char *p, size_t *len, unsigned char *buf) {
    long long v;
    unsigned char *s = lp_get(p, len, &v);
    if (s) return s;
    *len = (size_t)ll_to_str((char *)buf, LP_INTBUF_SIZE, v);
    return buf;
}

int lp_get_int(const unsigned char *p, long long *v) {
    size_t len;
    unsigned char *s = lp_get(p, &len, v);
    if (!s) return 1;
    return len > 0 && str_to_ll((const char *)s, len, v);
}

/* Comparison state for a query string: parsed as an integer at most once. */
typedef struct {
    const unsigned char *s;
    size_t len;
    int int_state; /* 0 not tried, 1 is an integer (ival), -1 is not */
    long long ival;
} lp_query;

static int query_matches(const unsigned char *p, lp_query *q) {
    size_t len;
    long long v;
    unsigned char *s = lp_get(p, &len, &v);
    if (s) return len == q->len && (len == 0 || memcmp(s, q->s, len) == 0);
    if (q->int_state == 0)
        q->int_state = q->len > 0 && str_to_ll((const char *)q->s, q->len, &q->ival) ? 1 : -1;
    return q->int_state == 1 && q->ival == v;
}

int lp_compare(const unsigned char *p, const void *s, size_t len) {
    lp_query q = {s, len, 0, 0};
    return query_matches(p, &q);
}

unsigned char *lp_find(const unsigned char *lp, const unsigned char *p, const void *s, size_t len,
                       unsigned skip) {
    lp_query q = {s, len, 0, 0};
    unsigned left = 0;
    for (; p; p = lp_next(lp, p)) {
        if (left) {
            left--;
            continue;
        }
        if (query_matches(p, &q)) return (unsigned char *)p;
        left = skip;
    }
    return NULL;
}

/* ---- encoding a new entry ------------------------------------------------ */

/* An entry about to be written: a header (the whole thing for integers)
 * followed by datalen bytes of data. */
typedef struct {
    unsigned char hdr[9];
    unsigned hdrlen;
    const unsigned char *data;
    size_t datalen;
} lp_plan;

static void plan_int(lp_plan *e, long long v) {
    uint64_t uv = (uint64_t)v;
    e->data = NULL;
    e->datalen = 0;
    if (v >= 0 && v <= 127) {
        e->hdr[0] = (unsigned char)v;
        e->hdrlen = 1;
    } else if (v >= -4096 && v <= 4095) {
        uv &= 0x1fff;
        e->hdr[0] = (unsigned char)(0xC0 | (uv >> 8));
        e->hdr[1] = (unsigned char)(uv & 0xff);
        e->hdrlen = 2;
    } else {
        unsigned n;
        if (v >= INT16_MIN && v <= INT16_MAX) e->hdr[0] = 0xF1, n = 2;
        else if (v >= -8388608 && v <= 8388607) e->hdr[0] = 0xF2, n = 3;
        else if (v >= INT32_MIN && v <= INT32_MAX) e->hdr[0] = 0xF3, n = 4;
        else e->hdr[0] = 0xF4, n = 8;
        util_store_le(e->hdr + 1, uv, n);
        e->hdrlen = 1 + n;
    }
}

static void fatal(const char *what) {
    fprintf(stderr, "strata: listpack: %s\n", what);
    fflush(stderr);
    abort();
}

/* Plans s[0..len).  If s points into lp, it is copied to *tmp (which the
 * caller frees) because the listpack's bytes are about to move. */
static void plan_str(lp_plan *e, const unsigned char *lp, const void *s, size_t len,
                     unsigned char **tmp) {
    long long v;
    *tmp = NULL;
    if (len > 0 && len <= 20 && str_to_ll(s, len, &v)) {
        plan_int(e, v);
        return;
    }
    if (len > LP_MAX_BYTES) fatal("string too long");
    if (len < 64) {
        e->hdr[0] = (unsigned char)(0x80 | len);
        e->hdrlen = 1;
    } else if (len < 4096) {
        e->hdr[0] = (unsigned char)(0xE0 | (len >> 8));
        e->hdr[1] = (unsigned char)(len & 0xff);
        e->hdrlen = 2;
    } else {
        e->hdr[0] = 0xF0;
        util_store_le(e->hdr + 1, len, 4);
        e->hdrlen = 5;
    }
    uintptr_t a = (uintptr_t)s, lo = (uintptr_t)lp, hi = lo + lp_bytes(lp);
    if (len && a < hi && a + len > lo) {
        *tmp = mem_alloc(len);
        memcpy(*tmp, s, len);
        s = *tmp;
    }
    e->data = s;
    e->datalen = len;
}

static size_t plan_size(const lp_plan *e) {
    uint64_t enc = e->hdrlen + (uint64_t)e->datalen;
    return (size_t)(enc + backlen_width(enc));
}

static void plan_write(const lp_plan *e, unsigned char *dst) {
    memcpy(dst, e->hdr, e->hdrlen);
    if (e->datalen) memcpy(dst + e->hdrlen, e->data, e->datalen);
    backlen_write(dst + e->hdrlen + e->datalen, e->hdrlen + (uint64_t)e->datalen);
}

/* ---- the one byte-moving primitive -------------------------------------- */

/* Replaces bytes [off, off+dellen) with an uninitialised gap of inslen
 * bytes, fixing the total-bytes header.  Returns the new listpack. */
static unsigned char *make_gap(unsigned char *lp, size_t off, size_t dellen, size_t inslen) {
    size_t old = lp_bytes(lp), tail = old - off - dellen;
    if (inslen > dellen && inslen - dellen > LP_MAX_BYTES - old) fatal("listpack over 4 GB");
    size_t size = old - dellen + inslen;
    if (inslen > dellen) {
        lp = mem_realloc(lp, size);
        memmove(lp + off + inslen, lp + off + dellen, tail);
    } else if (inslen < dellen) {
        memmove(lp + off + inslen, lp + off + dellen, tail);
        lp = mem_realloc(lp, size);
    }
    util_store_le(lp, size, 4);
    return lp;
}

static unsigned char *insert_plan(unsigned char *lp, size_t off, const lp_plan *e,
                                  unsigned char **newp) {
    lp = make_gap(lp, off, 0, plan_size(e));
    plan_write(e, lp + off);
    count_add(lp, 1);
    if (newp) *newp = lp + off;
    return lp;
}

/* Offset at which an insertion relative to p lands. */
static size_t insert_offset(const unsigned char *lp, const unsigned char *p, int where) {
    if (!p) return lp_bytes(lp) - 1;
    if (where == LP_AFTER) p += entry_size(p);
    return (size_t)(p - lp);
}

/* ---- mutations ------------------------------------------------------------ */

unsigned char *lp_insert(unsigned char *lp, unsigned char *p, int where, const void *s, size_t len,
                         unsigned char **newp) {
    lp_plan e;
    unsigned char *tmp;
    size_t off = insert_offset(lp, p, where);
    plan_str(&e, lp, s, len, &tmp);
    lp = insert_plan(lp, off, &e, newp);
    mem_free(tmp);
    return lp;
}

unsigned char *lp_insert_int(unsigned char *lp, unsigned char *p, int where, long long v,
                             unsigned char **newp) {
    lp_plan e;
    plan_int(&e, v);
    return insert_plan(lp, insert_offset(lp, p, where), &e, newp);
}

unsigned char *lp_append(unsigned char *lp, const void *s, size_t len) {
    return lp_insert(lp, NULL, LP_AFTER, s, len, NULL);
}

unsigned char *lp_append_int(unsigned char *lp, long long v) {
    return lp_insert_int(lp, NULL, LP_AFTER, v, NULL);
}

unsigned char *lp_prepend(unsigned char *lp, const void *s, size_t len) {
    return lp_insert(lp, lp_first(lp), LP_BEFORE, s, len, NULL);
}

unsigned char *lp_prepend_int(unsigned char *lp, long long v) {
    return lp_insert_int(lp, lp_first(lp), LP_BEFORE, v, NULL);
}

static unsigned char *replace_plan(unsigned char *lp, unsigned char **p, const lp_plan *e) {
    size_t off = (size_t)(*p - lp);
    lp = make_gap(lp, off, entry_size(*p), plan_size(e));
    plan_write(e, lp + off);
    *p = lp + off;
    return lp;
}

unsigned char *lp_replace(unsigned char *lp, unsigned char **p, const void *s, size_t len) {
    lp_plan e;
    unsigned char *tmp;
    plan_str(&e, lp, s, len, &tmp);
    lp = replace_plan(lp, p, &e);
    mem_free(tmp);
    return lp;
}

unsigned char *lp_replace_int(unsigned char *lp, unsigned char **p, long long v) {
    lp_plan e;
    plan_int(&e, v);
    return replace_plan(lp, p, &e);
}

unsigned char *lp_delete_range_at(unsigned char *lp, unsigned char **p, unsigned long count) {
    size_t off = (size_t)(*p - lp), span = 0;
    unsigned long n = 0;
    while (n < count && lp[off + span] != LP_EOF) {
        span += entry_size(lp + off + span);
        n++;
    }
    lp = make_gap(lp, off, span, 0);
    count_add(lp, -(long)n);
    *p = lp[off] == LP_EOF ? NULL : lp + off;
    return lp;
}

unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **next) {
    lp = lp_delete_range_at(lp, &p, 1);
    if (next) *next = p;
    return lp;
}

unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long count) {
    unsigned char *p = lp_seek(lp, index);
    if (!p || !count) return lp;
    return lp_delete_range_at(lp, &p, count);
}

/* ---- validation of untrusted bytes --------------------------------------- */

/* Checks the entry at p with `avail` bytes before the terminator; sets
 * *size to its whole size.  Reads only p[0..avail). */
static int check_entry(const unsigned char *p, size_t avail, size_t *size) {
    lp_kind k = kind_of(p[0]);
    if (k == K_BAD || k == K_EOF) return -1;
    if (header_bytes(k) > avail) return -1;
    uint64_t enc = enc_size_of(p, k);
    unsigned bw = backlen_width(enc);
    if (enc > avail || bw > avail - enc) return -1;
    const unsigned char *b = p + enc;
    uint64_t v = 0;
    for (unsigned i = 0; i < bw; i++) {
        if (!(b[i] & 128) != (i == 0)) return -1; /* only the leftmost lacks bit 7 */
        v = (v << 7) | (b[i] & 127);
    }
    if (v != enc) return -1;
    *size = (size_t)(enc + bw);
    return 0;
}

int lp_validate(const void *buf, size_t len) {
    const unsigned char *lp = buf;
    if (!lp || len < LP_HDR_SIZE + 1) return -1;
    if (util_load_le(lp, 4) != len || lp[len - 1] != LP_EOF) return -1;
    size_t off = LP_HDR_SIZE, end = len - 1;
    unsigned long count = 0;
    while (off < end) {
        size_t size;
        if (check_entry(lp + off, end - off, &size) != 0) return -1;
        off += size;
        count++;
    }
    unsigned hc = hdr_count(lp);
    if (hc != LP_COUNT_UNKNOWN && hc != count) return -1;
    return 0;
}

/* ---- uniqueness check for loaders ---------------------------------------- */

typedef struct {
    const unsigned char *s; /* NULL: integer */
    size_t len;
    long long v;
} lp_item;

static const unsigned char *item_text(const lp_item *it, size_t *len, char *buf) {
    if (it->s) {
        *len = it->len;
        return it->s;
    }
    *len = (size_t)ll_to_str(buf, LP_INTBUF_SIZE, it->v);
    return (const unsigned char *)buf;
}

static int item_cmp(const void *a, const void *b) {
    char ba[LP_INTBUF_SIZE], bb[LP_INTBUF_SIZE];
    size_t la, lb;
    const unsigned char *sa = item_text(a, &la, ba), *sb = item_text(b, &lb, bb);
    size_t m = la < lb ? la : lb;
    int c = m ? memcmp(sa, sb, m) : 0;
    if (c) return c;
    return la < lb ? -1 : la > lb;
}

int lp_check_unique(const unsigned char *lp, unsigned stride) {
    if (stride == 0) return -1;
    unsigned long n = lp_length(lp);
    if (n % stride) return -1;
    unsigned long m = n / stride, i = 0;
    if (m < 2) return 0;
    lp_item *items = mem_alloc(m * sizeof(*items));
    unsigned long idx = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p), idx++) {
        if (idx % stride) continue;
        items[i].s = lp_get(p, &items[i].len, &items[i].v);
        i++;
    }
    qsort(items, m, sizeof(*items), item_cmp);
    int rc = 0;
    for (i = 1; i < m && rc == 0; i++)
        if (item_cmp(&items[i - 1], &items[i]) == 0) rc = -1;
    mem_free(items);
    return rc;
}
