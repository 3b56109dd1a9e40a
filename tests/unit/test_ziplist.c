/* tests/unit/test_ziplist.c — engine/ziplist and engine/zipmap (read-only
 * decoders for old RDB files) against hand-built byte vectors of the
 * documented formats: every ziplist encoding and both prevlen widths, the
 * 65535 count, zipmaps with free space and 5-byte lengths; rejection of
 * malformed blobs, every truncation, and every single-byte corruption. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ziplist.h"
#include "engine/zipmap.h"
#include "tests/tap.h"

typedef struct {
    unsigned char *b;
    size_t n, cap;
} bytes;

static void put(bytes *v, const void *p, size_t n) {
    if (v->n + n > v->cap) {
        v->cap = (v->n + n) * 2 + 16;
        v->b = realloc(v->b, v->cap);
    }
    memcpy(v->b + v->n, p, n);
    v->n += n;
}
#define PUT(v, ...)                         \
    do {                                    \
        unsigned char t_[] = {__VA_ARGS__}; \
        put((v), t_, sizeof(t_));           \
    } while (0)
static void put_fill(bytes *v, unsigned char c, size_t n) {
    for (size_t i = 0; i < n; i++) put(v, &c, 1);
}
static void put_u32(unsigned char *p, uint32_t x) {
    p[0] = x & 0xff, p[1] = (x >> 8) & 0xff, p[2] = (x >> 16) & 0xff, p[3] = x >> 24;
}
/* Copy to an exact-size heap block so ASan catches any overread. */
static unsigned char *exact(const unsigned char *b, size_t n) {
    unsigned char *c = malloc(n ? n : 1);
    memcpy(c, b, n);
    return c;
}

/* ---- ziplist ------------------------------------------------------------- */

typedef struct {
    const char *str; /* NULL: integer */
    size_t len;      /* for str; (size_t)-1 = strlen */
    long long v;
    char fill;       /* if non-zero: str is len bytes of this char */
} want_t;

static int entry_is(const unsigned char *s, size_t len, long long v, const want_t *w) {
    if (!w->str && !w->fill) return s == NULL && v == w->v;
    if (!s) return 0;
    size_t wl = w->fill ? w->len : strlen(w->str);
    if (len != wl) return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != (w->fill ? (unsigned char)w->fill : (unsigned char)w->str[i])) return 0;
    return 1;
}

static int zl_matches(const unsigned char *zl, size_t n, const want_t *w, int count) {
    zl_iter it;
    const unsigned char *s;
    size_t len = 0;
    long long v = 0;
    int i = 0, rc;
    zl_iter_init(&it, zl, n);
    while ((rc = zl_next(&it, &s, &len, &v)) == 1) {
        if (i >= count || !entry_is(s, len, v, &w[i])) {
            diag("entry %d differs", i);
            return 0;
        }
        i++;
    }
    return rc == 0 && i == count;
}

/* Every encoding, in the order of the brief. */
static bytes build_all_encodings(void) {
    bytes v = {0};
    PUT(&v, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0); /* zlbytes, zltail patched below; zllen 10 */
    PUT(&v, 0x00, 0x02, 'a', 'b');           /* @10: 00pppppp "ab" */
    PUT(&v, 0x04, 0x40, 0x64);               /* @14: 01pppppp qqqqqqqq, 100 bytes */
    put_fill(&v, 'c', 100);
    PUT(&v, 0x67, 0x80, 0x00, 0x00, 0x40, 0x00); /* @117: prevlen 103; 10000000 + BE 16384 */
    put_fill(&v, 'd', 16384);
    PUT(&v, 0xFE, 0x06, 0x40, 0x00, 0x00, 0xC0, 0xE8, 0x03); /* @16507: prevlen 16390 (5 bytes); int16 1000 */
    PUT(&v, 0x08, 0xD0, 0x00, 0x00, 0x00, 0x01);             /* @16515: int32 16777216 */
    PUT(&v, 0x06, 0xE0, 0x00, 0x0E, 0xFA, 0xD5, 0xFE, 0xFF, 0xFF, 0xFF); /* @16521: int64 -5000000000 */
    PUT(&v, 0x0A, 0xF0, 0x60, 0x79, 0xFE);                   /* @16531: int24 -100000 */
    PUT(&v, 0x05, 0xFE, 0x85);                               /* @16536: int8 -123 */
    PUT(&v, 0x03, 0xF1);                                     /* @16539: immediate 0 */
    PUT(&v, 0x02, 0xFD);                                     /* @16541: immediate 12 */
    PUT(&v, 0xFF);
    put_u32(v.b, (uint32_t)v.n);
    put_u32(v.b + 4, 16541);
    return v;
}

static const want_t all_enc_want[] = {
    {"ab", 0, 0, 0},         {NULL, 100, 0, 'c'},      {NULL, 16384, 0, 'd'},
    {NULL, 0, 1000, 0},      {NULL, 0, 16777216, 0},   {NULL, 0, -5000000000LL, 0},
    {NULL, 0, -100000, 0},   {NULL, 0, -123, 0},       {NULL, 0, 0, 0},
    {NULL, 0, 12, 0},
};

static void test_zl_all_encodings(void) {
    bytes v = build_all_encodings();
    is_int(v.n, 16544, "vector is 16544 bytes");
    unsigned char *zl = exact(v.b, v.n);
    is_int(zl_validate(zl, v.n), 0, "every encoding: validates");
    ok(zl_matches(zl, v.n, all_enc_want, 10), "every encoding decodes to the documented values");
    is_int(zl_length(zl, v.n), 10, "zl_length 10");
    free(zl);

    /* every immediate 0..12 and int8 edges */
    bytes w = {0};
    PUT(&w, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0);
    want_t want[15];
    for (int i = 0; i < 13; i++) {
        PUT(&w, (unsigned char)(i ? 2 : 0), (unsigned char)(0xF1 + i));
        want[i] = (want_t){NULL, 0, i, 0};
    }
    PUT(&w, 0x02, 0xFE, 0x80);
    want[13] = (want_t){NULL, 0, -128, 0};
    PUT(&w, 0x03, 0xFE, 0x7F);
    want[14] = (want_t){NULL, 0, 127, 0};
    PUT(&w, 0xFF);
    put_u32(w.b, (uint32_t)w.n);
    put_u32(w.b + 4, (uint32_t)w.n - 4);
    is_int(zl_validate(w.b, w.n), 0, "immediates 0..12 and int8 -128/127 validate");
    ok(zl_matches(w.b, w.n, want, 15), "and decode");
    free(w.b);

    /* 16/32/64-bit extremes */
    bytes x = {0};
    PUT(&x, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0);
    PUT(&x, 0x00, 0xC0, 0x00, 0x80);                         /* -32768 */
    PUT(&x, 0x04, 0xD0, 0xFF, 0xFF, 0xFF, 0x7F);             /* INT32_MAX */
    PUT(&x, 0x06, 0xE0, 0, 0, 0, 0, 0, 0, 0, 0x80);          /* INT64_MIN */
    PUT(&x, 0x0A, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F); /* INT64_MAX */
    PUT(&x, 0x0A, 0xF0, 0xFF, 0xFF, 0x7F);                   /* 8388607 */
    PUT(&x, 0x05, 0xF0, 0x00, 0x00, 0x80);                   /* -8388608 */
    PUT(&x, 0xFF);
    put_u32(x.b, (uint32_t)x.n);
    put_u32(x.b + 4, (uint32_t)x.n - 6);
    want_t xw[] = {{NULL, 0, -32768, 0},   {NULL, 0, INT32_MAX, 0}, {NULL, 0, INT64_MIN, 0},
                   {NULL, 0, INT64_MAX, 0}, {NULL, 0, 8388607, 0},  {NULL, 0, -8388608, 0}};
    is_int(zl_validate(x.b, x.n), 0, "integer extremes validate");
    ok(zl_matches(x.b, x.n, xw, 6), "and decode with sign extension");
    free(x.b);
    free(v.b);
}

static void test_zl_small_and_special(void) {
    /* empty ziplist as Redis creates it */
    unsigned char empty[] = {0x0B, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0, 0xFF};
    is_int(zl_validate(empty, sizeof(empty)), 0, "empty ziplist validates");
    is_int(zl_length(empty, sizeof(empty)), 0, "empty: length 0");
    ok(zl_matches(empty, sizeof(empty), NULL, 0), "empty: iteration ends at once");

    /* a 5-byte prevlen holding a small value (left by a cascade update) */
    bytes v = {0};
    PUT(&v, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0);
    PUT(&v, 0x00, 0x02, 'h', 'i');               /* @10, size 4 */
    PUT(&v, 0xFE, 0x04, 0x00, 0x00, 0x00, 0xF2); /* @14, prevlen 4 in 5 bytes, imm 1 */
    PUT(&v, 0xFF);
    put_u32(v.b, (uint32_t)v.n);
    put_u32(v.b + 4, 14);
    is_int(zl_validate(v.b, v.n), 0, "large prevlen form with a small value validates");
    want_t w[] = {{"hi", 0, 0, 0}, {NULL, 0, 1, 0}};
    ok(zl_matches(v.b, v.n, w, 2), "and decodes");

    /* the count header 65535: count them */
    v.b[8] = 0xFF, v.b[9] = 0xFF;
    is_int(zl_validate(v.b, v.n), 0, "zllen 65535 validates");
    is_int(zl_length(v.b, v.n), 2, "and zl_length counts 2");
    free(v.b);

    /* iterator alone refuses a bad header */
    zl_iter it;
    const unsigned char *s;
    size_t len;
    long long iv;
    unsigned char badhdr[] = {0x0C, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0, 0xFF};
    zl_iter_init(&it, badhdr, sizeof(badhdr));
    is_int(zl_next(&it, &s, &len, &iv), -1, "iterator reports a wrong zlbytes");
    is_int(zl_next(&it, &s, &len, &iv), -1, "and keeps reporting it");
    zl_iter_init(&it, NULL, 0);
    is_int(zl_next(&it, &s, &len, &iv), -1, "iterator on NULL");
}

static void test_zl_rejects(void) {
    struct {
        const char *what;
        unsigned char b[24];
        size_t n;
    } bad[] = {
        {"too short", {0x0A, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0}, 10},
        {"zlbytes wrong", {0x0C, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0, 0xFF}, 11},
        {"no end byte", {0x0B, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0, 0x00}, 11},
        {"zltail past the end", {0x0B, 0, 0, 0, 0x0B, 0, 0, 0, 0, 0, 0xFF}, 11},
        {"count wrong (empty)", {0x0B, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0xFF}, 11},
        {"count wrong", {0x0D, 0, 0, 0, 0x0A, 0, 0, 0, 2, 0, 0x00, 0xF1, 0xFF}, 13},
        {"zltail not the last entry", {0x0F, 0, 0, 0, 0x0A, 0, 0, 0, 2, 0, 0x00, 0xF1, 0x02, 0xF2, 0xFF}, 15},
        {"first prevlen not 0", {0x0D, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0x01, 0xF1, 0xFF}, 13},
        {"prevlen chain broken", {0x0F, 0, 0, 0, 0x0C, 0, 0, 0, 2, 0, 0x00, 0xF1, 0x03, 0xF2, 0xFF}, 15},
        {"invalid int encoding 0xC1", {0x0D, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0x00, 0xC1, 0xFF}, 13},
        {"invalid int encoding 0xD5", {0x0D, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0x00, 0xD5, 0xFF}, 13},
        {"end marker as an encoding", {0x0D, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0x00, 0xFF, 0xFF}, 13},
        {"0xFF before the end", {0x0D, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0xFF, 0x00, 0xFF}, 13},
        {"string past the end", {0x0E, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0x00, 0x03, 'a', 0xFF}, 14},
        {"14-bit length cut", {0x0D, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0x00, 0x40, 0xFF}, 13},
        {"32-bit length huge", {0x12, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0x00, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 'a', 0xFF}, 18},
        {"int64 cut", {0x10, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0x00, 0xE0, 1, 2, 3, 0xFF}, 16},
        {"5-byte prevlen cut", {0x0E, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0xFE, 0, 0, 0xFF}, 14},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *c = exact(bad[i].b, bad[i].n);
        ok(zl_validate(c, bad[i].n) != 0, "ziplist rejects: %s", bad[i].what);
        free(c);
    }
    ok(zl_validate(NULL, 0) != 0, "ziplist rejects NULL");
}

/* Number of entries whose decoded value differs, or 1000 if the entry
 * count differs. */
static int zl_diff(const unsigned char *a, const unsigned char *b, size_t n) {
    zl_iter ia, ib;
    const unsigned char *sa, *sb;
    size_t la = 0, lb = 0;
    long long va = 0, vb = 0;
    int ra, rb, diff = 0;
    zl_iter_init(&ia, a, n);
    zl_iter_init(&ib, b, n);
    for (;;) {
        ra = zl_next(&ia, &sa, &la, &va);
        rb = zl_next(&ib, &sb, &lb, &vb);
        if (ra != rb) return 1000;
        if (ra != 1) break;
        if ((sa == NULL) != (sb == NULL)) diff++;
        else if (sa ? (la != lb || memcmp(sa, sb, la) != 0) : va != vb) diff++;
    }
    return ra == 0 ? diff : 1000;
}

/* Inside [lo, hi) (a long string payload, structurally inert) only a few
 * byte values are tried per position, to keep the sweep fast under ASan. */
static const unsigned char few[] = {0x00, 0x01, 0x40, 0x7F, 0x80, 0xFE, 0xFF, 'e'};

static void zl_sweep(const char *name, const unsigned char *orig, size_t n, size_t lo, size_t hi) {
    int trunc_ok = 0;
    for (size_t len = 0; len < n; len++) {
        unsigned char *t = exact(orig, len);
        if (zl_validate(t, len) == 0) trunc_ok++;
        /* the bare iterator must be safe on it too */
        zl_iter it;
        const unsigned char *s;
        size_t sl;
        long long v;
        zl_iter_init(&it, t, len);
        while (zl_next(&it, &s, &sl, &v) == 1) {}
        free(t);
    }
    is_int(trunc_ok, 0, "%s: every truncation (0..%zu bytes) rejected", name, n - 1);
    unsigned char *c = exact(orig, n);
    int rejected = 0, accepted = 0, bad_accept = 0;
    for (size_t i = 0; i < n; i++) {
        int inert = i >= lo && i < hi;
        for (int k = 0; k < (inert ? (int)sizeof(few) : 256); k++) {
            int v = inert ? few[k] : k;
            if (v == orig[i]) continue;
            c[i] = (unsigned char)v;
            if (zl_validate(c, n) != 0) {
                rejected++;
                zl_iter it; /* iterating rejected bytes must still be safe */
                const unsigned char *s;
                size_t sl;
                long long iv;
                zl_iter_init(&it, c, n);
                while (zl_next(&it, &s, &sl, &iv) == 1) {}
            } else {
                accepted++;
                if (zl_diff(orig, c, n) > 1) bad_accept++;
            }
        }
        c[i] = orig[i];
    }
    is_int(bad_accept, 0,
           "%s: %d single-byte corruptions rejected, %d accepted, each changing at most one "
           "entry's value",
           name, rejected, accepted);
    int hdr_missed = 0;
    for (size_t i = 0; i < 8; i++) {
        for (int v = 0; v < 256; v++) {
            if (v == orig[i]) continue;
            c[i] = (unsigned char)v;
            if (zl_validate(c, n) == 0) hdr_missed++;
        }
        c[i] = orig[i];
    }
    is_int(hdr_missed, 0, "%s: every change to zlbytes or zltail rejected", name);
    free(c);
}

static void test_zl_corruption(void) {
    bytes v = {0};
    PUT(&v, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0);
    PUT(&v, 0x00, 0x03, 'k', 'e', 'y');                       /* @10, 5 */
    PUT(&v, 0x05, 0xC0, 0xE8, 0x03);                          /* @15, 4 */
    PUT(&v, 0x04, 0x80, 0x00, 0x00, 0x00, 0x02, 'h', 'i');    /* @19, 8 */
    PUT(&v, 0x08, 0x41, 0x00);                                /* @27 14-bit len 256 */
    put_fill(&v, 'z', 256);                                   /* size 259 */
    PUT(&v, 0xFE, 0x03, 0x01, 0x00, 0x00, 0xD0, 1, 2, 3, 4);  /* @286 int32, size 10 */
    PUT(&v, 0x0A, 0xF0, 1, 2, 3);                             /* @296 int24, size 5 */
    PUT(&v, 0x05, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8);              /* @301 int64, size 10 */
    PUT(&v, 0x0A, 0xFE, 0x9C);                                /* @311 int8 -100 */
    PUT(&v, 0xFF);
    put_u32(v.b, (uint32_t)v.n);
    put_u32(v.b + 4, 311);
    is_int(zl_validate(v.b, v.n), 0, "sweep vector validates");
    zl_sweep("mixed ziplist", v.b, v.n, 0, 0);
    free(v.b);

    v = build_all_encodings();
    zl_sweep("every-encoding ziplist", v.b, v.n, 123, 123 + 16384);
    free(v.b);
}

/* ---- zipmap -------------------------------------------------------------- */

static void test_zipmap(void) {
    bytes v = {0};
    PUT(&v, 0x02);                                               /* 2 pairs */
    PUT(&v, 0x03, 'f', 'o', 'o', 0x03, 0x00, 'b', 'a', 'r');   /* foo => bar, no free */
    PUT(&v, 0x05, 'h', 'e', 'l', 'l', 'o', 0x05, 0x02, 'w', 'o', 'r', 'l', 'd', 0x00, 0x00);
    PUT(&v, 0xFF);
    unsigned char *zm = exact(v.b, v.n);
    is_int(zm_validate(zm, v.n), 0, "zipmap {foo: bar, hello: world (+2 free)} validates");
    is_int(zm_length(zm, v.n), 2, "zm_length 2");
    zm_iter it;
    const unsigned char *f, *val;
    size_t fl, vl;
    zm_iter_init(&it, zm, v.n);
    ok(zm_next(&it, &f, &fl, &val, &vl) == 1 && fl == 3 && !memcmp(f, "foo", 3) && vl == 3 &&
           !memcmp(val, "bar", 3),
       "first pair foo => bar");
    ok(zm_next(&it, &f, &fl, &val, &vl) == 1 && fl == 5 && !memcmp(f, "hello", 5) && vl == 5 &&
           !memcmp(val, "world", 5),
       "second pair hello => world, free bytes skipped");
    is_int(zm_next(&it, &f, &fl, &val, &vl), 0, "then the end");
    is_int(zm_next(&it, &f, &fl, &val, &vl), 0, "and stays at the end");

    /* sweep: truncations and single-byte corruptions */
    int trunc_ok = 0;
    for (size_t len = 0; len < v.n; len++) {
        unsigned char *t = exact(v.b, len);
        if (zm_validate(t, len) == 0) trunc_ok++;
        free(t);
    }
    is_int(trunc_ok, 0, "zipmap: every truncation rejected");
    int rejected = 0, accepted = 0, bad_accept = 0;
    for (size_t i = 0; i < v.n; i++) {
        for (int b = 0; b < 256; b++) {
            if (b == v.b[i]) continue;
            zm[i] = (unsigned char)b;
            if (zm_validate(zm, v.n) != 0) rejected++;
            else {
                accepted++;
                /* an accepted change iterates safely to the counted number of
                 * pairs.  (A zipmap has no redundancy: a field length can grow
                 * to swallow its value and still parse, e.g. 5 -> 12 here.) */
                zm_iter_init(&it, zm, v.n);
                int k = 0;
                while (zm_next(&it, &f, &fl, &val, &vl) == 1) k++;
                if ((unsigned long)k != zm_length(zm, v.n)) bad_accept++;
            }
        }
        zm[i] = v.b[i];
    }
    is_int(bad_accept, 0, "zipmap: %d corruptions rejected, %d accepted and each iterates safely to its count",
           rejected, accepted);
    free(zm);
    free(v.b);

    /* a 300-byte field (254 + u32 length), a 254-byte value (the smallest
     * 5-byte length) with one free byte */
    bytes w = {0};
    PUT(&w, 0x02);
    PUT(&w, 0xFE, 0x2C, 0x01, 0x00, 0x00);
    put_fill(&w, 'k', 300);
    PUT(&w, 0x01, 0x00, 'v');
    PUT(&w, 0x01, 'a', 0xFE, 0xFE, 0x00, 0x00, 0x00, 0x01);
    put_fill(&w, 'x', 254);
    PUT(&w, '_', 0xFF);
    zm = exact(w.b, w.n);
    is_int(zm_validate(zm, w.n), 0, "zipmap with 5-byte lengths validates");
    zm_iter_init(&it, zm, w.n);
    ok(zm_next(&it, &f, &fl, &val, &vl) == 1 && fl == 300 && f[0] == 'k' && f[299] == 'k' &&
           vl == 1 && val[0] == 'v',
       "300-byte field");
    ok(zm_next(&it, &f, &fl, &val, &vl) == 1 && fl == 1 && vl == 254 && val[0] == 'x' &&
           val[253] == 'x',
       "254-byte value (5-byte length) and one free byte");
    zm[0] = 0xFE;
    is_int(zm_validate(zm, w.n), 0, "count byte 254 ('count them') validates");
    is_int(zm_length(zm, w.n), 2, "and zm_length counts 2");
    free(zm);
    free(w.b);

    struct {
        const char *what;
        unsigned char b[16];
        size_t n;
    } bad[] = {
        {"too short", {0xFF}, 1},
        {"empty (Redis rejects)", {0x00, 0xFF}, 2},
        {"no end byte", {0x01, 0x01, 'a', 0x01, 0x00, 'b', 0x00}, 7},
        {"count wrong", {0x02, 0x01, 'a', 0x01, 0x00, 'b', 0xFF}, 7},
        {"value length 255", {0x01, 0x01, 'a', 0xFF, 0x00, 'b', 0xFF}, 7},
        {"free bytes past the end", {0x01, 0x01, 'a', 0x01, 0x05, 'b', 0xFF}, 7},
        {"field past the end", {0x01, 0x09, 'a', 0x01, 0x00, 'b', 0xFF}, 7},
        {"bytes after the end marker", {0x01, 0x01, 'a', 0x01, 0x00, 'b', 0xFF, 0x00, 0xFF}, 9},
        {"missing value", {0x01, 0x01, 'a', 0xFF}, 4},
        {"5-byte length cut", {0x01, 0xFE, 0x01, 0x00, 0xFF}, 5},
        {"non-minimal 5-byte field length", {0x01, 0xFE, 0x01, 0, 0, 0, 'a', 0x01, 0x00, 'b', 0xFF}, 11},
        {"non-minimal 5-byte value length", {0x01, 0x01, 'a', 0xFE, 0x01, 0, 0, 0, 0x00, 'b', 0xFF}, 11},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *c = exact(bad[i].b, bad[i].n);
        ok(zm_validate(c, bad[i].n) != 0, "zipmap rejects: %s", bad[i].what);
        free(c);
    }
    ok(zm_validate(NULL, 0) != 0, "zipmap rejects NULL");
}

int main(void) {
    test_zl_all_encodings();
    test_zl_small_and_special();
    test_zl_rejects();
    test_zl_corruption();
    test_zipmap();
    return done_testing();
}
