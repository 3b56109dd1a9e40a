/* tests/unit/test_intset.c — engine/intset against hand-built byte vectors of
 * Redis's intset layout, encoding upgrades (16 -> 32 -> 64, prepend and
 * append), find/get/remove/random, a random operation sequence checked
 * against a model, and is_validate on malformed blobs, every truncation and
 * every single-byte corruption.
 *
 * Seed: STRATA_TEST_SEED=<n> reproduces a run (printed as a diagnostic). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/intset.h"
#include "tests/tap.h"

static uint64_t rng_state;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned char *exact(const unsigned char *b, size_t n) {
    unsigned char *c = malloc(n ? n : 1);
    memcpy(c, b, n);
    return c;
}

static void test_vectors(void) {
    intset *is = is_new();
    is_int(is_blob_len(is), 8, "new intset is an 8-byte header");
    is_mem(is_blob(is), 8, "\x02\0\0\0\0\0\0\0", 8, "encoding 2, length 0");
    int added;
    is = is_add(is, 3, &added);
    ok(added, "add 3 is new");
    is = is_add(is, 1, NULL);
    is = is_add(is, 2, NULL);
    is = is_add(is, 3, &added);
    ok(!added, "add 3 again is not new");
    static const unsigned char v16[] = {0x02, 0, 0, 0, 0x03, 0, 0, 0, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00};
    is_mem(is_blob(is), is_blob_len(is), v16, sizeof(v16), "{1,2,3}: int16 little-endian, sorted");
    is_int(is_validate(v16, sizeof(v16)), 0, "the vector validates");

    is = is_add(is, 65536, NULL);
    static const unsigned char v32[] = {0x04, 0, 0, 0, 0x04, 0, 0, 0, 0x01, 0, 0, 0, 0x02, 0, 0, 0,
                                        0x03, 0, 0, 0, 0x00, 0x00, 0x01, 0x00};
    is_mem(is_blob(is), is_blob_len(is), v32, sizeof(v32), "adding 65536 upgrades to int32, appended");
    is_int(is_encoding(is), 4, "encoding 4");

    is = is_add(is, -5000000000LL, NULL);
    static const unsigned char v64[] = {
        0x08, 0, 0, 0, 0x05, 0, 0, 0,
        0x00, 0x0E, 0xFA, 0xD5, 0xFE, 0xFF, 0xFF, 0xFF, /* -5000000000 */
        0x01, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 0,
        0x00, 0x00, 0x01, 0x00, 0, 0, 0, 0};
    is_mem(is_blob(is), is_blob_len(is), v64, sizeof(v64),
           "adding -5000000000 upgrades to int64, prepended");

    int removed;
    is = is_remove(is, -5000000000LL, &removed);
    is = is_remove(is, 65536, NULL);
    ok(removed, "remove reports removal");
    is_int(is_encoding(is), 8, "removing the wide values keeps encoding 8 (as Redis)");
    is_int(is_length(is), 3, "length 3");
    is = is_remove(is, 99, &removed);
    ok(!removed, "removing a missing value");
    is = is_remove(is, INT64_MAX, &removed);
    ok(!removed, "removing a missing wide value");
    is_free(is);
    is_free(NULL);

    /* negative int16 upgrade to int32, prepended */
    is = is_new();
    is = is_add(is, -2, NULL);
    is = is_add(is, 7, NULL);
    is = is_add(is, -40000, NULL);
    static const unsigned char vneg[] = {0x04, 0, 0, 0, 0x03, 0, 0, 0, 0xC0, 0x63, 0xFF, 0xFF,
                                         0xFE, 0xFF, 0xFF, 0xFF, 0x07, 0, 0, 0};
    is_mem(is_blob(is), is_blob_len(is), vneg, sizeof(vneg), "{-40000,-2,7}: int32, prepended");
    is_free(is);

    /* straight from 16 to 64 */
    is = is_add(is_new(), 5, NULL);
    is = is_add(is, INT64_MAX, NULL);
    is = is_add(is, INT64_MIN, NULL);
    int64_t a, b, c;
    ok(is_get(is, 0, &a) && is_get(is, 1, &b) && is_get(is, 2, &c) && a == INT64_MIN && b == 5 &&
           c == INT64_MAX && is_encoding(is) == 8,
       "16 -> 64 upgrade keeps order with both extremes");
    ok(!is_get(is, 3, &a), "is_get out of range");
    ok(is_find(is, INT64_MIN) && is_find(is, 5) && !is_find(is, 6) && !is_find(is, INT64_MIN + 1),
       "is_find");
    intset *d = is_dup(is);
    ok(is_blob_len(d) == is_blob_len(is) && memcmp(d, is, is_blob_len(is)) == 0, "is_dup");
    is_free(d);
    is_free(is);

    is = is_new();
    ok(!is_find(is, 0) && !is_find(is, INT64_MAX), "find in an empty set");
    is_free(is);
}

static void test_random_member(void) {
    intset *is = is_new();
    for (int i = 0; i < 5; i++) is = is_add(is, i * 100000, NULL);
    int seen[5] = {0}, bad = 0;
    for (int i = 0; i < 2000; i++) {
        int64_t v = is_random(is);
        if (v % 100000 || v < 0 || v > 400000) bad++;
        else seen[v / 100000]++;
    }
    ok(!bad && seen[0] && seen[1] && seen[2] && seen[3] && seen[4],
       "is_random returns members and reaches all of them");
    is_free(is);
}

/* Model: a sorted array. */
static int model_find(const int64_t *m, int n, int64_t v) {
    for (int i = 0; i < n; i++)
        if (m[i] == v) return i;
    return -1;
}

static int64_t gen(void) {
    switch (rnd() % 4) {
    case 0: return (int64_t)(rnd() % 200) - 100;
    case 1: return (int64_t)(rnd() % 200000) - 100000;
    case 2: return (int64_t)(rnd() % 20) + INT32_MAX - 10;
    default: return (int64_t)rnd();
    }
}

static void test_random_model(void) {
    const char *e = getenv("STRATA_TEST_SEED");
    uint64_t seed = e ? strtoull(e, NULL, 10) : (uint64_t)time(NULL);
    diag("seed %llu (STRATA_TEST_SEED to reproduce)", (unsigned long long)seed);
    rng_state = seed * 2654435761u + 0x9E3779B97F4A7C15ull;
    int cap = 3000, n = 0, failed = 0, ops = 20000;
    int64_t *m = malloc(sizeof(*m) * (size_t)cap);
    intset *is = is_new();
    for (int op = 0; op < ops && !failed; op++) {
        int64_t v = (n && rnd() % 3 == 0) ? m[rnd() % (uint64_t)n] : gen();
        int r = (int)(rnd() % 10), flag;
        int at = model_find(m, n, v);
        if (r < 5 && n < cap) {
            is = is_add(is, v, &flag);
            if (flag != (at < 0)) failed = 1;
            if (at < 0) {
                int k = n;
                while (k > 0 && m[k - 1] > v) m[k] = m[k - 1], k--;
                m[k] = v;
                n++;
            }
        } else if (r < 8) {
            is = is_remove(is, v, &flag);
            if (flag != (at >= 0)) failed = 1;
            if (at >= 0) memmove(m + at, m + at + 1, sizeof(*m) * (size_t)(n - at - 1)), n--;
        } else if (is_find(is, v) != (at >= 0)) {
            failed = 1;
        }
        if (failed) diag("op %d: result flag wrong for %lld", op, (long long)v);
        if (!failed && (is_length(is) != (uint32_t)n ||
                        (n && is_validate(is_blob(is), is_blob_len(is)) != 0))) {
            diag("op %d: length or validation wrong", op);
            failed = 1;
        }
        for (int i = 0; i < n && !failed; i++) {
            int64_t g;
            if (!is_get(is, (uint32_t)i, &g) || g != m[i]) {
                diag("op %d: element %d differs", op, i);
                failed = 1;
            }
        }
    }
    ok(!failed, "%d random add/remove/find operations agree with a sorted-array model", ops);
    free(m);
    is_free(is);
}

static void test_validate(void) {
    struct {
        const char *what;
        unsigned char b[24];
        size_t n;
    } bad[] = {
        {"too short", {0x02, 0, 0, 0, 0x01, 0, 0}, 7},
        {"encoding 0", {0x00, 0, 0, 0, 0x01, 0, 0, 0, 0x01, 0x00}, 10},
        {"encoding 1", {0x01, 0, 0, 0, 0x01, 0, 0, 0, 0x01}, 9},
        {"encoding 3", {0x03, 0, 0, 0, 0x01, 0, 0, 0, 0x01, 0, 0}, 11},
        {"encoding 2 in the high byte", {0, 0, 0, 0x02, 0x01, 0, 0, 0, 0x01, 0x00}, 10},
        {"empty (Redis never saves one)", {0x02, 0, 0, 0, 0, 0, 0, 0}, 8},
        {"length larger than the data", {0x02, 0, 0, 0, 0x02, 0, 0, 0, 0x01, 0x00}, 10},
        {"length smaller than the data", {0x02, 0, 0, 0, 0x01, 0, 0, 0, 0x01, 0x00, 0x02, 0x00}, 12},
        {"huge length", {0x08, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 0, 0, 0, 0, 0, 0}, 16},
        {"duplicate", {0x02, 0, 0, 0, 0x02, 0, 0, 0, 0x05, 0x00, 0x05, 0x00}, 12},
        {"descending", {0x02, 0, 0, 0, 0x02, 0, 0, 0, 0x05, 0x00, 0x04, 0x00}, 12},
        {"negative after positive", {0x02, 0, 0, 0, 0x02, 0, 0, 0, 0x05, 0x00, 0xFF, 0xFF}, 12},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *c = exact(bad[i].b, bad[i].n);
        ok(is_validate(c, bad[i].n) != 0, "rejects: %s", bad[i].what);
        free(c);
    }
    ok(is_validate(NULL, 0) != 0, "rejects NULL");
    ok(is_from_blob(bad[0].b, bad[0].n) == NULL, "is_from_blob returns NULL on invalid bytes");

    /* a wider encoding than needed is valid (Redis keeps it after removals) */
    static const unsigned char wide[] = {0x08, 0, 0, 0, 0x01, 0, 0, 0, 0x07, 0, 0, 0, 0, 0, 0, 0};
    is_int(is_validate(wide, sizeof(wide)), 0, "int64 encoding holding a small value is valid");
    intset *is = is_from_blob(wide, sizeof(wide));
    int64_t v;
    ok(is && is_get(is, 0, &v) && v == 7, "is_from_blob copies it");
    is = is_add(is, 3, NULL);
    ok(is_get(is, 0, &v) && v == 3 && is_encoding(is) == 8, "and adds in its encoding");
    is_free(is);

    /* every truncation and single-byte corruption of a three-width history */
    is = is_new();
    int64_t vals[] = {-70000, -3, 0, 9, 300, 65536, 1LL << 40};
    for (int i = 0; i < 7; i++) is = is_add(is, vals[i], NULL);
    size_t n = is_blob_len(is);
    const unsigned char *orig = is_blob(is);
    int trunc_ok = 0;
    for (size_t len = 0; len < n; len++) {
        unsigned char *t = exact(orig, len);
        if (is_validate(t, len) == 0) trunc_ok++;
        free(t);
    }
    is_int(trunc_ok, 0, "every truncation (0..%zu bytes) rejected", n - 1);
    unsigned char *c = exact(orig, n);
    int rejected = 0, accepted = 0, bad_accept = 0, hdr_missed = 0;
    for (size_t i = 0; i < n; i++) {
        for (int b = 0; b < 256; b++) {
            if (b == orig[i]) continue;
            c[i] = (unsigned char)b;
            if (is_validate(c, n) != 0) {
                rejected++;
                continue;
            }
            accepted++;
            if (i < 8) hdr_missed++;
            intset *x = is_from_blob(c, n);
            int64_t prev = 0, cur;
            for (uint32_t k = 0; x && k < is_length(x); k++) {
                if (!is_get(x, k, &cur) || (k && cur <= prev) || !is_find(x, cur)) bad_accept++;
                prev = cur;
            }
            if (!x || is_length(x) != 7) bad_accept++;
            is_free(x);
        }
        c[i] = orig[i];
    }
    is_int(hdr_missed, 0, "every change to the header rejected");
    is_int(bad_accept, 0,
           "%d single-byte corruptions rejected, %d accepted (data still strictly ascending, "
           "findable)",
           rejected, accepted);
    free(c);
    is_free(is);
}

int main(void) {
    test_vectors();
    test_random_member();
    test_random_model();
    test_validate();
    return done_testing();
}
