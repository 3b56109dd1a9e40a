/* tests/unit/test_listpack.c — engine/listpack against hand-built byte
 * vectors of Redis 7's documented format, every integer/string encoding and
 * backlen width, navigation, mutations, lp_find, the 65535 count, a random
 * operation sequence checked against a model, and lp_validate against every
 * single-byte corruption and every truncation of valid blobs.
 *
 * Seed: STRATA_TEST_SEED=<n> reproduces a run (printed as a diagnostic). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/listpack.h"
#include "tests/tap.h"

/* ---- helpers -------------------------------------------------------------- */

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
#define PUT(v, ...)                              \
    do {                                         \
        unsigned char t_[] = {__VA_ARGS__};      \
        put((v), t_, sizeof(t_));                \
    } while (0)
static void put_fill(bytes *v, unsigned char c, size_t n) {
    for (size_t i = 0; i < n; i++) put(v, &c, 1);
}
/* Writes the header of a listpack built in v (total bytes, count). */
static void patch_header(bytes *v, unsigned count) {
    uint32_t n = (uint32_t)v->n;
    v->b[0] = n & 0xff, v->b[1] = (n >> 8) & 0xff, v->b[2] = (n >> 16) & 0xff, v->b[3] = n >> 24;
    v->b[4] = count & 0xff, v->b[5] = (count >> 8) & 0xff;
}

static uint64_t rng_state;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static void seed_rng(void) {
    const char *e = getenv("STRATA_TEST_SEED");
    uint64_t s = e ? strtoull(e, NULL, 10) : (uint64_t)time(NULL);
    diag("seed %llu (STRATA_TEST_SEED to reproduce)", (unsigned long long)s);
    rng_state = s * 2654435761u + 0x9E3779B97F4A7C15ull;
    if (!rng_state) rng_state = 1;
}

/* Text of the element at p (static buffer per call site is avoided: copy). */
static size_t elem_text(const unsigned char *p, char *out, size_t cap) {
    unsigned char buf[LP_INTBUF_SIZE];
    size_t len;
    unsigned char *s = lp_get_str(p, &len, buf);
    if (len <= cap) memcpy(out, s, len);
    return len;
}

/* ---- the vector from the brief ----------------------------------------- */

static void test_vector_basic(void) {
    bytes v = {0};
    PUT(&v, 0x6A, 0x00, 0x00, 0x00, 0x06, 0x00); /* 106 bytes, 6 elements */
    PUT(&v, 0x85, 'h', 'e', 'l', 'l', 'o', 0x06); /* 6-bit string, backlen 6 */
    PUT(&v, 0x7F, 0x01);                          /* 127: 7-bit uint */
    PUT(&v, 0xDF, 0xFF, 0x02);                    /* -1: 13-bit int 0x1FFF */
    PUT(&v, 0xF1, 0x00, 0x10, 0x03);              /* 4096: 16-bit int */
    PUT(&v, 0xE0, 0x46);                          /* 12-bit string, length 70 */
    put_fill(&v, 'x', 70);
    PUT(&v, 0x48);                                           /* backlen 72 */
    PUT(&v, 0xF4, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x09); /* INT64_MAX */
    PUT(&v, 0xFF);
    is_int(v.n, 106, "hand-built vector is 106 bytes");

    char x70[70];
    memset(x70, 'x', 70);
    unsigned char *lp = lp_new();
    lp = lp_append(lp, "hello", 5);
    lp = lp_append(lp, "127", 3);
    lp = lp_append(lp, "-1", 2);
    lp = lp_append(lp, "4096", 4);
    lp = lp_append(lp, x70, 70);
    lp = lp_append(lp, "9223372036854775807", 19);
    is_mem(lp, lp_bytes(lp), v.b, v.n, "appending the six values gives Redis's exact bytes");
    is_int(lp_validate(v.b, v.n), 0, "hand-built vector validates");
    is_int(lp_length(lp), 6, "length 6");

    unsigned char *c = lp_from_blob(v.b, v.n);
    ok(c != NULL, "lp_from_blob accepts it");
    size_t len;
    long long iv;
    unsigned char *p = lp_first(c);
    unsigned char *s = lp_get(p, &len, &iv);
    ok(s && len == 5 && memcmp(s, "hello", 5) == 0, "elem 0 is the string hello");
    p = lp_next(c, p);
    ok(lp_get(p, &len, &iv) == NULL && iv == 127, "elem 1 is the integer 127");
    p = lp_next(c, p);
    ok(lp_get(p, &len, &iv) == NULL && iv == -1, "elem 2 is the integer -1");
    p = lp_next(c, p);
    ok(lp_get(p, &len, &iv) == NULL && iv == 4096, "elem 3 is the integer 4096");
    p = lp_next(c, p);
    s = lp_get(p, &len, &iv);
    ok(s && len == 70 && memcmp(s, x70, 70) == 0, "elem 4 is the 70-byte string");
    p = lp_next(c, p);
    ok(lp_get(p, &len, &iv) == NULL && iv == INT64_MAX, "elem 5 is INT64_MAX");
    ok(lp_next(c, p) == NULL, "then the end");
    unsigned char buf[LP_INTBUF_SIZE];
    s = lp_get_str(p, &len, buf);
    is_mem(s, len, "9223372036854775807", 19, "lp_get_str formats the integer");

    /* backwards */
    int n = 0;
    for (p = lp_last(c); p; p = lp_prev(c, p)) n++;
    is_int(n, 6, "backward walk sees 6 elements");
    s = lp_get(lp_last(c), &len, &iv);
    ok(!s && iv == INT64_MAX, "lp_last is INT64_MAX");
    lp_free(c);
    lp_free(lp);
    free(v.b);
}

/* ---- every integer encoding --------------------------------------------- */

typedef struct {
    long long v;
    const char *text;
    unsigned char enc[10];
    unsigned enclen;
} int_case;

static void test_int_encodings(void) {
    static const int_case cases[] = {
        {0, "0", {0x00}, 1},
        {127, "127", {0x7F}, 1},
        {128, "128", {0xC0, 0x80}, 2},
        {-1, "-1", {0xDF, 0xFF}, 2},
        {4095, "4095", {0xCF, 0xFF}, 2},
        {-4096, "-4096", {0xD0, 0x00}, 2},
        {4096, "4096", {0xF1, 0x00, 0x10}, 3},
        {-4097, "-4097", {0xF1, 0xFF, 0xEF}, 3},
        {32767, "32767", {0xF1, 0xFF, 0x7F}, 3},
        {-32768, "-32768", {0xF1, 0x00, 0x80}, 3},
        {32768, "32768", {0xF2, 0x00, 0x80, 0x00}, 4},
        {8388607, "8388607", {0xF2, 0xFF, 0xFF, 0x7F}, 4},
        {-8388608, "-8388608", {0xF2, 0x00, 0x00, 0x80}, 4},
        {8388608, "8388608", {0xF3, 0x00, 0x00, 0x80, 0x00}, 5},
        {2147483647, "2147483647", {0xF3, 0xFF, 0xFF, 0xFF, 0x7F}, 5},
        {-2147483648LL, "-2147483648", {0xF3, 0x00, 0x00, 0x00, 0x80}, 5},
        {2147483648LL, "2147483648", {0xF4, 0x00, 0x00, 0x00, 0x80, 0, 0, 0, 0}, 9},
        {INT64_MIN, "-9223372036854775808", {0xF4, 0, 0, 0, 0, 0, 0, 0, 0x80}, 9},
        {-5000000000LL, "-5000000000", {0xF4, 0x00, 0x0E, 0xFA, 0xD5, 0xFE, 0xFF, 0xFF, 0xFF}, 9},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const int_case *c = &cases[i];
        bytes v = {0};
        PUT(&v, 0, 0, 0, 0, 0, 0);
        put(&v, c->enc, c->enclen);
        PUT(&v, (unsigned char)c->enclen, 0xFF);
        patch_header(&v, 1);
        unsigned char *a = lp_append_int(lp_new(), c->v);
        unsigned char *b = lp_append(lp_new(), c->text, strlen(c->text));
        is_mem(a, lp_bytes(a), v.b, v.n, "int %s encodes as documented", c->text);
        is_mem(b, lp_bytes(b), v.b, v.n, "string \"%s\" is stored as that integer", c->text);
        long long got = 0;
        size_t len;
        ok(lp_get(lp_first(a), &len, &got) == NULL && got == c->v, "int %s decodes back", c->text);
        ok(lp_validate(v.b, v.n) == 0, "int %s vector validates", c->text);
        lp_free(a);
        lp_free(b);
        free(v.b);
    }
}

/* ---- every string encoding and backlen width ---------------------------- */

/* Expected single-string listpack: header, enc header, data of len 'a'..., backlen. */
static void check_string_vector(size_t len, const unsigned char *hdr, unsigned hdrlen,
                                const unsigned char *bl, unsigned bllen) {
    bytes v = {0};
    PUT(&v, 0, 0, 0, 0, 0, 0);
    put(&v, hdr, hdrlen);
    put_fill(&v, 'a', len);
    put(&v, bl, bllen);
    PUT(&v, 0xFF);
    patch_header(&v, 1);
    char *s = malloc(len + 1);
    memset(s, 'a', len);
    unsigned char *lp = lp_append(lp_new(), s, len);
    is_mem(lp, lp_bytes(lp), v.b, v.n, "string of %zu bytes: encoding and %u-byte backlen", len,
           bllen);
    ok(lp_validate(v.b, v.n) == 0, "string of %zu bytes: vector validates", len);
    size_t got;
    long long iv;
    unsigned char *p = lp_get(lp_first(lp), &got, &iv);
    ok(p && got == len && memcmp(p, s, len) == 0, "string of %zu bytes decodes back", len);
    ok(lp_prev(lp, lp_last(lp)) == NULL && lp_last(lp) == lp_first(lp),
       "string of %zu bytes: lp_last walks back over the backlen", len);
    lp_free(lp);
    free(s);
    free(v.b);
}

static void test_string_encodings(void) {
    check_string_vector(0, (unsigned char[]){0x80}, 1, (unsigned char[]){0x01}, 1);
    check_string_vector(63, (unsigned char[]){0xBF}, 1, (unsigned char[]){0x40}, 1);
    check_string_vector(126, (unsigned char[]){0xE0, 0x7E}, 2, (unsigned char[]){0x01, 0x80}, 2);
    check_string_vector(64, (unsigned char[]){0xE0, 0x40}, 2, (unsigned char[]){0x42}, 1);
    check_string_vector(125, (unsigned char[]){0xE0, 0x7D}, 2, (unsigned char[]){0x7F}, 1);
    check_string_vector(4095, (unsigned char[]){0xEF, 0xFF}, 2, (unsigned char[]){0x20, 0x81}, 2);
    check_string_vector(4096, (unsigned char[]){0xF0, 0x00, 0x10, 0x00, 0x00}, 5,
                        (unsigned char[]){0x20, 0x85}, 2);
    /* Redis's thresholds: 16382 still takes 2 bytes, 16383 takes 3. */
    check_string_vector(16377, (unsigned char[]){0xF0, 0xF9, 0x3F, 0x00, 0x00}, 5,
                        (unsigned char[]){0x7F, 0xFE}, 2);
    check_string_vector(16378, (unsigned char[]){0xF0, 0xFA, 0x3F, 0x00, 0x00}, 5,
                        (unsigned char[]){0x00, 0xFF, 0xFF}, 3);
    check_string_vector(2097146, (unsigned char[]){0xF0, 0xFA, 0xFF, 0x1F, 0x00}, 5,
                        (unsigned char[]){0x00, 0xFF, 0xFF, 0xFF}, 4);

    /* Not canonical integers: stay strings, byte for byte. */
    static const char *strs[] = {"-0", "01", "+1", " 1", "1 ", "1.5", "-", "0x10", "00",
                                 "9223372036854775808", "-9223372036854775809",
                                 "123456789012345678901"};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        size_t n = strlen(strs[i]), len;
        long long iv;
        unsigned char *lp = lp_append(lp_new(), strs[i], n);
        unsigned char *p = lp_first(lp);
        ok(p[0] == (0x80 | n), "\"%s\" keeps a 6-bit string encoding", strs[i]);
        unsigned char *s = lp_get(p, &len, &iv);
        ok(s && len == n && memcmp(s, strs[i], n) == 0, "\"%s\" reads back as a string", strs[i]);
        lp_free(lp);
    }
    /* binary bytes, including 0xFF inside a string */
    unsigned char bin[] = {0xFF, 0x00, 0xFE, 0xFF};
    unsigned char *lp = lp_append(lp_new(), bin, sizeof(bin));
    lp = lp_append_int(lp, 5);
    ok(lp_validate(lp, lp_bytes(lp)) == 0 && lp_length(lp) == 2, "0xFF bytes inside a string");
    long long iv;
    size_t len;
    ok(lp_get(lp_last(lp), &len, &iv) == NULL && iv == 5, "and the entry after it is intact");
    lp_free(lp);
}

/* ---- navigation ------------------------------------------------------------ */

static unsigned char *build_seq(int n) {
    unsigned char *lp = lp_new();
    char buf[32];
    for (int i = 0; i < n; i++) {
        int k = snprintf(buf, sizeof(buf), i % 3 ? "%d" : "s%d", i * 37 - 500);
        lp = lp_append(lp, buf, (size_t)k);
    }
    return lp;
}

static int elem_is(const unsigned char *p, int i) {
    char want[32], got[64];
    int k = snprintf(want, sizeof(want), i % 3 ? "%d" : "s%d", i * 37 - 500);
    size_t n = elem_text(p, got, sizeof(got));
    return n == (size_t)k && memcmp(got, want, n) == 0;
}

static void test_navigation(void) {
    unsigned char *e = lp_new();
    ok(lp_first(e) == NULL && lp_last(e) == NULL && lp_seek(e, 0) == NULL &&
           lp_seek(e, -1) == NULL && lp_length(e) == 0,
       "empty listpack: no elements anywhere");
    lp_free(e);

    int n = 101, bad = 0;
    unsigned char *lp = build_seq(n);
    for (int i = 0; i < n; i++) {
        if (!elem_is(lp_seek(lp, i), i)) bad++;
        if (!elem_is(lp_seek(lp, i - n), i)) bad++;
    }
    is_int(bad, 0, "lp_seek for every index, positive and negative");
    ok(lp_seek(lp, n) == NULL && lp_seek(lp, -n - 1) == NULL && lp_seek(lp, 1L << 40) == NULL &&
           lp_seek(lp, -(1L << 40)) == NULL,
       "lp_seek out of range is NULL");
    int i = 0;
    bad = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p), i++)
        if (!elem_is(p, i)) bad++;
    ok(i == n && bad == 0, "forward walk");
    i = n - 1;
    bad = 0;
    for (unsigned char *p = lp_last(lp); p; p = lp_prev(lp, p), i--)
        if (!elem_is(p, i)) bad++;
    ok(i == -1 && bad == 0, "backward walk");
    lp_free(lp);
}

/* ---- mutations ----------------------------------------------------------- */

static int lp_equals(const unsigned char *lp, const char *const *want, int n) {
    if (lp_validate(lp, lp_bytes(lp)) != 0 || lp_length(lp) != (unsigned long)n) return 0;
    int i = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p), i++) {
        char got[512];
        size_t len = elem_text(p, got, sizeof(got));
        if (len != strlen(want[i]) || memcmp(got, want[i], len) != 0) return 0;
    }
    return i == n;
}

static void test_mutations(void) {
    unsigned char *lp = lp_new(), *p, *q;
    lp = lp_append(lp, "b", 1);
    lp = lp_prepend(lp, "a", 1);
    lp = lp_append_int(lp, 3);
    lp = lp_prepend_int(lp, -7);
    ok(lp_equals(lp, (const char *[]){"-7", "a", "b", "3"}, 4), "append/prepend (string and int)");

    p = lp_seek(lp, 1);
    lp = lp_insert(lp, p, LP_BEFORE, "x", 1, &q);
    ok(lp_equals(lp, (const char *[]){"-7", "x", "a", "b", "3"}, 5) && elem_text(q, (char[8]){0}, 8) == 1 &&
           q == lp_seek(lp, 1),
       "insert before; newp is the new element");
    p = lp_seek(lp, -1);
    lp = lp_insert_int(lp, p, LP_AFTER, 1000000, &q);
    ok(lp_equals(lp, (const char *[]){"-7", "x", "a", "b", "3", "1000000"}, 6) &&
           q == lp_last(lp),
       "insert after the last element");
    lp = lp_insert(lp, NULL, LP_BEFORE, "end", 3, &q);
    ok(lp_equals(lp, (const char *[]){"-7", "x", "a", "b", "3", "1000000", "end"}, 7) &&
           q == lp_last(lp),
       "insert at NULL appends");

    char big[300];
    memset(big, 'B', sizeof(big));
    big[299] = 0;
    p = lp_seek(lp, 2);
    lp = lp_replace(lp, &p, big, 299);
    ok(lp_equals(lp, (const char *[]){"-7", "x", big, "b", "3", "1000000", "end"}, 7) &&
           p == lp_seek(lp, 2),
       "replace with a longer string (2-byte backlen); *p updated");
    lp = lp_replace_int(lp, &p, 42);
    ok(lp_equals(lp, (const char *[]){"-7", "x", "42", "b", "3", "1000000", "end"}, 7),
       "replace with a shorter integer");

    p = lp_seek(lp, 0);
    lp = lp_delete(lp, p, &q);
    ok(lp_equals(lp, (const char *[]){"x", "42", "b", "3", "1000000", "end"}, 6) &&
           q == lp_first(lp),
       "delete first; next is the new first");
    p = lp_last(lp);
    lp = lp_delete(lp, p, &q);
    ok(lp_equals(lp, (const char *[]){"x", "42", "b", "3", "1000000"}, 5) && q == NULL,
       "delete last; next is NULL");
    lp = lp_delete_range(lp, 1, 2);
    ok(lp_equals(lp, (const char *[]){"x", "3", "1000000"}, 3), "delete_range(1, 2)");
    lp = lp_delete_range(lp, -2, 100);
    ok(lp_equals(lp, (const char *[]){"x"}, 1), "delete_range past the end stops at the end");
    lp = lp_delete_range(lp, 5, 1);
    ok(lp_equals(lp, (const char *[]){"x"}, 1), "delete_range out of range: no-op");
    lp = lp_delete_range(lp, 0, 1);
    ok(lp_equals(lp, NULL, 0) && lp_bytes(lp) == 7, "back to the empty 7-byte listpack");

    /* Strings that point into the listpack itself. */
    lp = lp_append(lp, big, 299);
    lp = lp_append(lp, "tail", 4);
    size_t len;
    long long iv;
    unsigned char *s = lp_get(lp_first(lp), &len, &iv);
    lp = lp_insert(lp, lp_last(lp), LP_AFTER, s, len, NULL);
    s = lp_get(lp_first(lp), &len, &iv);
    p = lp_seek(lp, 1);
    lp = lp_replace(lp, &p, s, len);
    s = lp_get(lp_last(lp), &len, &iv);
    lp = lp_prepend(lp, s, len);
    ok(lp_equals(lp, (const char *[]){big, big, big, big}, 4),
       "insert/replace/prepend with strings taken from the same listpack");

    unsigned char *d = lp_dup(lp);
    ok(d != lp && lp_bytes(d) == lp_bytes(lp) && memcmp(d, lp, lp_bytes(lp)) == 0, "lp_dup");
    lp_free(d);
    lp_free(lp);
    lp_free(NULL);
    ok(lp_safe_to_add(NULL, 100) && !lp_safe_to_add(NULL, LP_SAFETY_SIZE) &&
           !lp_safe_to_add(NULL, SIZE_MAX),
       "lp_safe_to_add");
}

/* ---- find / compare / get_int ---------------------------------------------- */

static void test_find(void) {
    unsigned char *lp = lp_new();
    const char *kv[] = {"name", "age", "age", "42", "city", "name", "7", "seven", "big",
                        "-9223372036854775808"};
    for (int i = 0; i < 10; i++) lp = lp_append(lp, kv[i], strlen(kv[i]));
    unsigned char *f = lp_find(lp, lp_first(lp), "age", 3, 1);
    ok(f == lp_seek(lp, 2), "skip 1 finds the field 'age', not the value 'age'");
    f = lp_find(lp, lp_first(lp), "name", 4, 1);
    ok(f == lp_seek(lp, 0), "field 'name' at 0");
    f = lp_find(lp, lp_seek(lp, 1), "name", 4, 1);
    ok(f == lp_seek(lp, 5), "from a value position, skip 1 visits values");
    ok(lp_find(lp, lp_first(lp), "42", 2, 1) == NULL, "value '42' is not a field");
    ok(lp_find(lp, lp_first(lp), "42", 2, 0) == lp_seek(lp, 3), "skip 0 finds the integer 42");
    ok(lp_find(lp, lp_first(lp), "042", 3, 0) == NULL, "'042' does not match the integer 42");
    ok(lp_find(lp, lp_first(lp), "7", 1, 1) == lp_seek(lp, 6), "integer field 7");
    ok(lp_find(lp, lp_first(lp), "-9223372036854775808", 20, 0) == lp_seek(lp, 9),
       "INT64_MIN found by its text");
    ok(lp_find(lp, lp_first(lp), "", 0, 0) == NULL, "empty string not found");
    lp = lp_append(lp, "", 0);
    ok(lp_find(lp, lp_first(lp), "", 0, 0) == lp_last(lp), "empty string found once added");
    ok(lp_find(lp, NULL, "x", 1, 0) == NULL, "NULL start");

    ok(lp_compare(lp_seek(lp, 3), "42", 2) && !lp_compare(lp_seek(lp, 3), "43", 2) &&
           lp_compare(lp_seek(lp, 0), "name", 4) && !lp_compare(lp_seek(lp, 0), "nam", 3),
       "lp_compare on integers and strings");
    long long v;
    ok(lp_get_int(lp_seek(lp, 3), &v) && v == 42, "lp_get_int on an integer");
    ok(!lp_get_int(lp_seek(lp, 0), &v), "lp_get_int on a non-numeric string");
    lp_free(lp);

    /* A numeric string stored as a string (non-canonical but valid). */
    bytes b = {0};
    PUT(&b, 0, 0, 0, 0, 0, 0, 0x82, '4', '2', 0x03, 0xFF);
    patch_header(&b, 1);
    ok(lp_validate(b.b, b.n) == 0, "'42' stored as a string is valid");
    lp = lp_from_blob(b.b, b.n);
    ok(lp_find(lp, lp_first(lp), "42", 2, 0) == lp_first(lp), "and lp_find matches it");
    ok(lp_get_int(lp_first(lp), &v) && v == 42, "and lp_get_int parses it");
    lp_free(lp);
    free(b.b);
}

/* ---- the 65535 "unknown count" header ----------------------------------------- */

static void test_count_unknown(void) {
    /* 65535 elements appended one by one, then the 65536th: built by hand
     * first (appending 65536 times is slow under ASan's realloc) */
    bytes big = {0};
    PUT(&big, 0, 0, 0, 0, 0, 0);
    for (int i = 0; i < 65535; i++) PUT(&big, (unsigned char)(i & 127), 0x01);
    PUT(&big, 0xFF);
    patch_header(&big, 65535);
    unsigned char *lp = lp_from_blob(big.b, big.n);
    ok(lp != NULL, "hand-built 65535-element listpack validates");
    unsigned char *mine = lp_new();
    for (int i = 0; i < 65535; i += 5000) mine = lp_append_int(mine, i & 127);
    is_int(mine[4] | mine[5] << 8, 14, "header count tracks appends");
    lp_free(mine);
    lp = lp_append_int(lp, 65535 & 127);
    free(big.b);
    is_int(lp[4] | lp[5] << 8, 65535, "65536 elements: header count is 65535");
    is_int(lp_length(lp), 65536, "lp_length counts them");
    ok(lp_validate(lp, lp_bytes(lp)) == 0, "valid");
    unsigned char *p = lp_seek(lp, -1);
    long long iv;
    size_t len;
    ok(lp_get(p, &len, &iv) == NULL && iv == 127, "lp_seek(-1) with an unknown count");
    lp = lp_delete_range(lp, 0, 2);
    is_int(lp[4] | lp[5] << 8, 65534, "after deleting two the header is exact again");
    is_int(lp_length(lp), 65534, "lp_length 65534");
    lp_free(lp);

    bytes b = {0};
    PUT(&b, 0, 0, 0, 0, 0, 0, 0x01, 0x01, 0x02, 0x01, 0xFF);
    patch_header(&b, 65535);
    ok(lp_validate(b.b, b.n) == 0, "header 65535 with 2 elements is valid (Redis accepts it)");
    lp = lp_from_blob(b.b, b.n);
    is_int(lp_length(lp), 2, "and counts 2");
    lp = lp_append_int(lp, 3);
    is_int(lp_length(lp), 3, "append keeps counting");
    lp = lp_delete_range(lp, 0, 1);
    is_int(lp[4] | lp[5] << 8, 2, "a deletion makes the header exact");
    lp_free(lp);
    free(b.b);
}

/* ---- random operations against a model ------------------------------------- */

typedef struct {
    char *s;
    size_t len;
} mstr;

static mstr gen_value(void) {
    char buf[5000];
    size_t len = 0;
    switch (rnd() % 10) {
    case 0: len = (size_t)snprintf(buf, sizeof(buf), "%lld", (long long)(rnd() % 256) - 128); break;
    case 1: len = (size_t)snprintf(buf, sizeof(buf), "%lld", (long long)(rnd() % 20000) - 10000); break;
    case 2: {
        static const long long edges[] = {127, 128, 4095, 4096, -4096, -4097, 32767, 32768, -32769,
                                          8388607, 8388608, -8388609, 2147483647, 2147483648LL,
                                          INT64_MAX, INT64_MIN, 0, -1};
        len = (size_t)snprintf(buf, sizeof(buf), "%lld", edges[rnd() % 18]);
        break;
    }
    case 3: len = (size_t)snprintf(buf, sizeof(buf), "%lld", (long long)rnd()); break;
    case 4: len = (size_t)snprintf(buf, sizeof(buf), "0%d", (int)(rnd() % 100)); break; /* non-canonical */
    case 5:
        len = (rnd() % 8) ? 60 + rnd() % 8 : 4090 + rnd() % 10; /* around the string thresholds */
        for (size_t i = 0; i < len; i++) buf[i] = (char)('a' + rnd() % 26);
        break;
    default:
        len = rnd() % 40;
        for (size_t i = 0; i < len; i++) buf[i] = (char)(rnd() & 0xff);
        break;
    }
    mstr m = {malloc(len + 1), len};
    memcpy(m.s, buf, len);
    return m;
}

static int model_check(const unsigned char *lp, const mstr *m, int n, int op) {
    if (lp_validate(lp, lp_bytes(lp)) != 0) {
        diag("op %d: lp_validate failed", op);
        return 0;
    }
    if (lp_length(lp) != (unsigned long)n) {
        diag("op %d: length %lu, model %d", op, lp_length(lp), n);
        return 0;
    }
    int i = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p), i++) {
        unsigned char buf[LP_INTBUF_SIZE];
        size_t len;
        unsigned char *s = lp_get_str(p, &len, buf);
        if (len != m[i].len || (len && memcmp(s, m[i].s, len) != 0)) {
            diag("op %d: element %d differs", op, i);
            return 0;
        }
    }
    i = n;
    for (unsigned char *p = lp_last(lp); p; p = lp_prev(lp, p)) i--;
    if (i != 0) {
        diag("op %d: backward walk count wrong", op);
        return 0;
    }
    return 1;
}

static void test_random_model(void) {
    int cap = 400, n = 0, ops = 20000, failed = 0;
    mstr *m = calloc((size_t)cap + 1, sizeof(*m));
    unsigned char *lp = lp_new();
    for (int op = 0; op < ops && !failed; op++) {
        unsigned r = (unsigned)(rnd() % 100);
        int idx = n ? (int)(rnd() % (uint64_t)n) : 0;
        if (n < cap && r < 45) {
            mstr v = gen_value();
            int where = (int)(rnd() % 4);
            if (where == 0 || n == 0) {
                lp = lp_append(lp, v.s, v.len);
                m[n++] = v;
            } else if (where == 1) {
                lp = lp_prepend(lp, v.s, v.len);
                memmove(m + 1, m, sizeof(*m) * (size_t)n++);
                m[0] = v;
            } else {
                unsigned char *p = lp_seek(lp, idx), *np;
                int after = where == 3;
                lp = lp_insert(lp, p, after ? LP_AFTER : LP_BEFORE, v.s, v.len, &np);
                int at = idx + after;
                memmove(m + at + 1, m + at, sizeof(*m) * (size_t)(n - at));
                m[at] = v;
                n++;
                if (np != lp_seek(lp, at)) {
                    diag("op %d: newp wrong", op);
                    failed = 1;
                }
            }
        } else if (n && r < 65) {
            mstr v = gen_value();
            unsigned char *p = lp_seek(lp, idx);
            lp = lp_replace(lp, &p, v.s, v.len);
            free(m[idx].s);
            m[idx] = v;
        } else if (n && r < 85) {
            unsigned char *p = lp_seek(lp, idx - n), *next; /* negative index */
            lp = lp_delete(lp, p, &next);
            free(m[idx].s);
            memmove(m + idx, m + idx + 1, sizeof(*m) * (size_t)(n - idx - 1));
            n--;
            if (next != (idx < n ? lp_seek(lp, idx) : NULL)) {
                diag("op %d: next after delete wrong", op);
                failed = 1;
            }
        } else if (n && r < 92) {
            int cnt = (int)(rnd() % 6);
            lp = lp_delete_range(lp, idx, (unsigned long)cnt);
            int del = cnt < n - idx ? cnt : n - idx;
            for (int k = 0; k < del; k++) free(m[idx + k].s);
            memmove(m + idx, m + idx + del, sizeof(*m) * (size_t)(n - idx - del));
            n -= del;
        } else if (n) {
            /* lp_find must return the first equal element */
            mstr *t = &m[idx];
            int first = 0;
            while (first < n && !(m[first].len == t->len && memcmp(m[first].s, t->s, t->len) == 0))
                first++;
            if (lp_find(lp, lp_first(lp), t->s, t->len, 0) != lp_seek(lp, first)) {
                diag("op %d: lp_find wrong", op);
                failed = 1;
            }
        }
        if (!failed && !model_check(lp, m, n, op)) failed = 1;
    }
    ok(!failed, "%d random operations agree with the model (validate, length, contents, "
                "backward walk after each)",
       ops);
    for (int i = 0; i < n; i++) free(m[i].s);
    free(m);
    lp_free(lp);
}

/* ---- validation -------------------------------------------------------------- */

static int validates(const unsigned char *b, size_t n) {
    unsigned char *c = malloc(n ? n : 1); /* exact size, so ASan sees any overread */
    memcpy(c, b, n);
    int rc = lp_validate(c, n);
    free(c);
    return rc == 0;
}

static void test_validate_rejects(void) {
    ok(lp_validate(NULL, 0) != 0, "NULL");
    struct {
        const char *what;
        unsigned char b[16];
        size_t n;
    } bad[] = {
        {"too short", {0x06, 0, 0, 0, 0, 0}, 6},
        {"total bytes wrong", {0x08, 0, 0, 0, 0, 0, 0xFF}, 7},
        {"no terminator", {0x07, 0, 0, 0, 0, 0, 0x00}, 7},
        {"count wrong", {0x07, 0, 0, 0, 1, 0, 0xFF}, 7},
        {"unused encoding 0xF5", {0x09, 0, 0, 0, 1, 0, 0xF5, 0x01, 0xFF}, 9},
        {"unused encoding 0xFE", {0x09, 0, 0, 0, 1, 0, 0xFE, 0x01, 0xFF}, 9},
        {"0xFF inside", {0x0A, 0, 0, 0, 1, 0, 0x01, 0x01, 0xFF, 0xFF}, 10},
        {"backlen wrong", {0x09, 0, 0, 0, 1, 0, 0x05, 0x02, 0xFF}, 9},
        {"backlen with a continuation bit", {0x09, 0, 0, 0, 1, 0, 0x05, 0x81, 0xFF}, 9},
        {"string runs into the terminator", {0x0A, 0, 0, 0, 1, 0, 0x83, 'a', 0x04, 0xFF}, 10},
        {"12-bit header cut", {0x08, 0, 0, 0, 1, 0, 0xE0, 0xFF}, 8},
        {"32-bit string length huge", {0x0D, 0, 0, 0, 1, 0, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0x05, 0xFF}, 13},
        {"64-bit int cut", {0x0A, 0, 0, 0, 1, 0, 0xF4, 0, 0, 0xFF}, 10},
        {"count 2, one entry", {0x09, 0, 0, 0, 2, 0, 0x05, 0x01, 0xFF}, 9},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ok(!validates(bad[i].b, bad[i].n), "rejects: %s", bad[i].what);
    ok(lp_from_blob(bad[0].b, bad[0].n) == NULL, "lp_from_blob returns NULL on invalid bytes");

    /* a 2-byte backlen where Redis writes 1 byte is not Redis's format */
    bytes b = {0};
    PUT(&b, 0, 0, 0, 0, 0, 0, 0x05, 0x00, 0x81, 0xFF);
    patch_header(&b, 1);
    ok(!validates(b.b, b.n), "rejects: non-minimal backlen");
    free(b.b);
}

/* Walks an accepted blob fully (forward, backward, every value) and
 * returns the number of elements whose text differs from the original's. */
static int diff_elements(const unsigned char *orig, const unsigned char *cand) {
    unsigned long n = lp_length(orig);
    if (lp_length(cand) != n) return 1000;
    int diff = 0;
    unsigned char *p = lp_first(orig), *q = lp_first(cand);
    for (; p && q; p = lp_next(orig, p), q = lp_next(cand, q)) {
        unsigned char b1[LP_INTBUF_SIZE], b2[LP_INTBUF_SIZE];
        size_t l1, l2;
        unsigned char *s1 = lp_get_str(p, &l1, b1), *s2 = lp_get_str(q, &l2, b2);
        if (l1 != l2 || (l1 && memcmp(s1, s2, l1) != 0)) diff++;
    }
    if (p || q) return 1000;
    unsigned long back = 0;
    for (q = lp_last(cand); q; q = lp_prev(cand, q)) back++;
    return back == n ? diff : 1000;
}

static void corruption_sweep(const char *name, const unsigned char *orig, size_t n) {
    unsigned char *c = malloc(n);
    int trunc_ok = 0, accepted = 0, rejected = 0, bad_accept = 0;
    for (size_t len = 0; len < n; len++) {
        unsigned char *t = malloc(len ? len : 1);
        memcpy(t, orig, len);
        if (lp_validate(t, len) == 0) trunc_ok++;
        free(t);
    }
    is_int(trunc_ok, 0, "%s: every truncation (0..%zu bytes) rejected", name, n - 1);
    unsigned char *ext = malloc(n + 1);
    memcpy(ext, orig, n);
    ext[n] = 0xFF;
    ok(lp_validate(ext, n + 1) != 0, "%s: one extra byte rejected", name);
    free(ext);

    for (size_t i = 0; i < n; i++) {
        for (int v = 0; v < 256; v++) {
            if (v == orig[i]) continue;
            memcpy(c, orig, n);
            c[i] = (unsigned char)v;
            if (lp_validate(c, n) != 0) {
                rejected++;
                continue;
            }
            accepted++;
            /* accepted: must be safe to use and differ in one element only */
            if (diff_elements(orig, c) > 1) bad_accept++;
        }
    }
    is_int(bad_accept, 0,
           "%s: %d single-byte corruptions rejected, %d accepted and each of those changes "
           "exactly one element's value, never the structure",
           name, rejected, accepted);
    /* the header and terminator are always caught */
    int hdr_missed = 0;
    for (size_t i = 0; i < n; i++) {
        if (i >= 4 && i < n - 1) continue;
        for (int v = 0; v < 256; v++) {
            if (v == orig[i]) continue;
            memcpy(c, orig, n);
            c[i] = (unsigned char)v;
            if (lp_validate(c, n) == 0 && i < 4) hdr_missed++;
            if (lp_validate(c, n) == 0 && i == n - 1) hdr_missed++;
        }
    }
    is_int(hdr_missed, 0, "%s: every change to total bytes or the terminator rejected", name);
    int count_missed = 0;
    for (int v = 0; v < 65536; v++) {
        if (v == 65535 || v == (orig[4] | orig[5] << 8)) continue;
        memcpy(c, orig, n);
        c[4] = v & 0xff, c[5] = (unsigned char)(v >> 8);
        if (lp_validate(c, n) == 0) count_missed++;
    }
    is_int(count_missed, 0, "%s: every wrong element count rejected", name);
    free(c);
}

static void test_corruption(void) {
    unsigned char *lp = lp_new();
    char x70[70];
    memset(x70, 'x', 70);
    lp = lp_append(lp, "hello", 5);
    lp = lp_append_int(lp, 127);
    lp = lp_append_int(lp, -1);
    lp = lp_append_int(lp, 4096);
    lp = lp_append(lp, x70, 70);
    lp = lp_append_int(lp, INT64_MAX);
    corruption_sweep("brief vector", lp, lp_bytes(lp));
    lp_free(lp);

    lp = lp_new();
    long long ints[] = {0, -4096, 32767, -8388608, 2147483647, INT64_MIN};
    for (int i = 0; i < 6; i++) lp = lp_append_int(lp, ints[i]);
    lp = lp_append(lp, "", 0);
    char s200[200];
    memset(s200, 'y', sizeof(s200));
    lp = lp_append(lp, s200, 200); /* 2-byte backlen */
    lp = lp_append(lp, "z", 1);
    corruption_sweep("every int width + 2-byte backlen", lp, lp_bytes(lp));
    lp_free(lp);

    bytes b = {0}; /* 32-bit string length holding a short string (valid) */
    PUT(&b, 0, 0, 0, 0, 0, 0, 0xF0, 0x03, 0x00, 0x00, 0x00, 'a', 'b', 'c', 0x08, 0x07, 0x01, 0xFF);
    patch_header(&b, 2);
    ok(lp_validate(b.b, b.n) == 0, "short string in the 32-bit encoding is valid");
    corruption_sweep("32-bit string encoding", b.b, b.n);
    free(b.b);
}

static void test_check_unique(void) {
    unsigned char *lp = lp_new();
    const char *kv[] = {"a", "1", "b", "1", "7", "x", "c", "y"};
    for (int i = 0; i < 8; i++) lp = lp_append(lp, kv[i], strlen(kv[i]));
    is_int(lp_check_unique(lp, 2), 0, "fields unique (values may repeat)");
    is_int(lp_check_unique(lp, 1), -1, "as a set, '1' repeats");
    is_int(lp_check_unique(lp, 3), -1, "8 elements are not triples");
    is_int(lp_check_unique(lp, 0), -1, "stride 0 rejected");
    lp_free(lp);

    bytes b = {0}; /* "7" as a string and 7 as an integer: the same field */
    PUT(&b, 0, 0, 0, 0, 0, 0, 0x81, '7', 0x02, 0x01, 0x01, 0x07, 0x01, 0x02, 0x01, 0xFF);
    patch_header(&b, 4);
    ok(lp_validate(b.b, b.n) == 0, "vector with field \"7\" (string) and 7 (int) validates");
    is_int(lp_check_unique(b.b, 2), -1, "and lp_check_unique sees the duplicate");
    free(b.b);

    lp = lp_new();
    for (int i = 0; i < 1000; i++) lp = lp_append_int(lp, i * 7919 % 1000);
    is_int(lp_check_unique(lp, 1), 0, "1000 distinct integers");
    lp = lp_append(lp, "500", 3);
    is_int(lp_check_unique(lp, 1), -1, "plus a repeated one");
    lp_free(lp);
    lp = lp_new();
    is_int(lp_check_unique(lp, 2), 0, "empty is unique");
    lp_free(lp);
}

int main(void) {
    seed_rng();
    test_vector_basic();
    test_int_encodings();
    test_string_encodings();
    test_navigation();
    test_mutations();
    test_find();
    test_count_unknown();
    test_random_model();
    test_validate_rejects();
    test_corruption();
    test_check_unique();
    return done_testing();
}
