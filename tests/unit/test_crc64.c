/* tests/unit/test_crc64.c — rdb/crc64: the check value, incremental equals
 * one-shot, the sliced implementation equals the bitwise reference on random
 * lengths and alignments, and a throughput line for the log. */
#include "rdb/crc64.h"
#include "tests/tap.h"

#include <stdint.h>
#include <time.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_check_value(void) {
    is_int(crc64(0, "123456789", 9), (long long)0xe9c6d914c4b8d9caULL, "crc64 check value");
    is_int(crc64_slow(0, "123456789", 9), (long long)0xe9c6d914c4b8d9caULL, "reference check value");
    is_int(crc64(0, NULL, 0), 0, "empty input leaves 0");
    is_int(crc64(0x1234, "", 0), 0x1234, "empty input leaves the register");
    ok(crc64(0, "\0", 1) == 0, "a zero byte into a zero register stays 0 (no init/xorout)");
    ok(crc64(0, "a", 1) != crc64(0, "b", 1), "different bytes differ");
}

static void test_incremental(void) {
    static unsigned char buf[10000];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)rng();
    uint64_t whole = crc64(0, buf, sizeof buf);
    int good = 1;
    for (int t = 0; t < 500 && good; t++) {
        size_t a = rng() % sizeof buf, b = a + rng() % (sizeof buf - a);
        uint64_t c = crc64(0, buf, a);
        c = crc64(c, buf + a, b - a);
        c = crc64(c, buf + b, sizeof buf - b);
        if (c != whole) {
            diag("split %zu/%zu: %016llx != %016llx", a, b, (unsigned long long)c,
                 (unsigned long long)whole);
            good = 0;
        }
    }
    ok(good, "three-way split at 500 random points == one-shot");
    uint64_t c = 0;
    for (size_t i = 0; i < sizeof buf; i++) c = crc64(c, buf + i, 1);
    is_int(c, (long long)whole, "byte-at-a-time == one-shot");
}

static void test_against_reference(void) {
    static unsigned char buf[4096 + 16];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)rng();
    int good = 1;
    for (int t = 0; t < 2000 && good; t++) {
        size_t off = rng() % 16, len = rng() % 4096;
        uint64_t seed = (t & 1) ? rng() : 0;
        uint64_t f = crc64(seed, buf + off, len), s = crc64_slow(seed, buf + off, len);
        if (f != s) {
            diag("off %zu len %zu: fast %016llx slow %016llx", off, len, (unsigned long long)f,
                 (unsigned long long)s);
            good = 0;
        }
    }
    ok(good, "2000 random (alignment, length, seed): sliced == bitwise reference");
    for (size_t len = 0; len <= 64; len++) {
        if (crc64(0, buf + 3, len) != crc64_slow(0, buf + 3, len)) {
            good = 0;
            diag("len %zu differs", len);
        }
    }
    ok(good, "every length 0..64 at an odd address");
}

static void test_speed(void) {
    size_t n = 64u << 20;
    unsigned char *big = malloc(n);
    if (!big) {
        ok(0, "malloc for the speed run");
        return;
    }
    for (size_t i = 0; i < n; i++) big[i] = (unsigned char)(i * 31 + 7);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uint64_t c = crc64(0, big, n);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double sec = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    diag("crc64 over 64 MiB: %.1f ms, %.0f MB/s (crc %016llx)", sec * 1e3, (double)n / sec / 1e6,
         (unsigned long long)c);
    ok(c == crc64(0, big, n), "deterministic over 64 MiB");
    free(big);
}

int main(void) {
    test_check_value();
    test_incremental();
    test_against_reference();
    test_speed();
    return done_testing();
}
