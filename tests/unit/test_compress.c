/* tests/unit/test_compress.c — rdb/compress: LZF and LZ4 round trips,
 * hand-made blocks in each documented format, incompressible and tiny
 * input, and decompression of corrupted / truncated / random blocks into
 * buffers that sit against PROT_NONE guard pages (the libraries are not
 * ASan-instrumented, so the guards are what catches a stray access). */
#include "rdb/compress.h"
#include "tests/tap.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

typedef size_t (*compress_fn)(const void *, size_t, void *, size_t);
typedef int (*decompress_fn)(const void *, size_t, void *, size_t);

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A buffer of n bytes between two PROT_NONE pages; `right` puts its end
 * against the trailing guard, otherwise its start against the leading one. */
struct gbuf {
    unsigned char *map, *p;
    size_t maplen;
};

static struct gbuf gbuf_new(size_t n, int right) {
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (n + pg - 1) / pg * pg;
    if (body == 0) body = pg;
    struct gbuf g = {0};
    g.maplen = body + 2 * pg;
    g.map = mmap(NULL, g.maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g.map == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    mprotect(g.map, pg, PROT_NONE);
    mprotect(g.map + pg + body, pg, PROT_NONE);
    g.p = right ? g.map + pg + body - n : g.map + pg;
    return g;
}

static void gbuf_free(struct gbuf *g) { munmap(g->map, g->maplen); }

static void fill_text(unsigned char *p, size_t n) {
    static const char *words[] = {"alpha ", "beta ", "gamma ", "delta ", "user:1000:", "session "};
    size_t i = 0;
    while (i < n) {
        const char *w = words[rng() % 6];
        for (size_t j = 0; w[j] && i < n; j++) p[i++] = (unsigned char)w[j];
    }
}

static void test_known_blocks(void) {
    char out[16];
    ok(cmp_lzf_decompress("\x02" "abc", 4, out, 3) == 0 && memcmp(out, "abc", 3) == 0,
       "lzf: literal run block");
    ok(cmp_lzf_decompress("\x00" "a" "\x40\x00", 4, out, 5) == 0 && memcmp(out, "aaaaa", 5) == 0,
       "lzf: literal + back-reference block");
    ok(cmp_lzf_decompress("\x00" "a" "\x40\x01", 4, out, 5) == -1, "lzf: reference before start rejected");
    ok(cmp_lzf_decompress("\x02" "abc", 4, out, 2) == -1, "lzf: output larger than declared rejected");
    ok(cmp_lzf_decompress("\x02" "abc", 4, out, 4) == -1, "lzf: output smaller than declared rejected");
    ok(cmp_lzf_decompress("\x05" "abc", 4, out, 6) == -1, "lzf: literal run past input end rejected");
    ok(cmp_lz4_decompress("\x30" "abc", 4, out, 3) == 0 && memcmp(out, "abc", 3) == 0,
       "lz4: literal-only block");
    ok(cmp_lz4_decompress("\x30" "abc", 4, out, 4) == -1, "lz4: wrong declared length rejected");
    ok(cmp_lzf_decompress("", 0, out, 0) == 0 && cmp_lz4_decompress("", 0, out, 0) == 0,
       "empty block to empty output");
    ok(cmp_lzf_decompress("x", 0, out, 1) == -1 && cmp_lz4_decompress("x", 0, out, 1) == -1,
       "empty block for non-empty output rejected");
}

static void roundtrip(const char *name, compress_fn c, decompress_fn d) {
    size_t sizes[] = {64, 100, 1000, 4096, 65536, 1u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        unsigned char *in = malloc(n), *cmp = malloc(n), *back = malloc(n);
        fill_text(in, n);
        size_t clen = c(in, n, cmp, n);
        ok(clen > 0 && clen < n, "%s: %zu text bytes compress (to %zu)", name, n, clen);
        ok(clen > 0 && d(cmp, clen, back, n) == 0 && memcmp(in, back, n) == 0,
           "%s: %zu bytes round trip", name, n);
        free(in);
        free(cmp);
        free(back);
    }
    /* all one byte: maximal compression */
    unsigned char z[100000], out[100000];
    memset(z, 'z', sizeof z);
    size_t clen = c(z, sizeof z, out, sizeof out);
    unsigned char back[100000];
    ok(clen > 0 && clen < 2000 && d(out, clen, back, sizeof back) == 0 && memcmp(z, back, sizeof z) == 0,
       "%s: 100000 equal bytes -> %zu bytes and back", name, clen);
}

static void test_not_smaller(const char *name, compress_fn c) {
    unsigned char in[4096], out[8192];
    for (size_t i = 0; i < sizeof in; i++) in[i] = (unsigned char)rng();
    is_int(c(in, sizeof in, out, sizeof out), 0, "%s: random bytes are not compressed", name);
    is_int(c("ab", 2, out, sizeof out), 0, "%s: 2 bytes are not compressed", name);
    is_int(c("a", 1, out, sizeof out), 0, "%s: 1 byte is not compressed", name);
    is_int(c("", 0, out, sizeof out), 0, "%s: 0 bytes are not compressed", name);
    unsigned char t[1000];
    fill_text(t, sizeof t);
    is_int(c(t, sizeof t, out, 10), 0, "%s: output capacity too small -> 0", name);
    size_t full = c(t, sizeof t, out, sizeof out);
    /* one byte short of what it needs: 0, and nothing written past outcap */
    struct gbuf g = gbuf_new(full - 1, 1);
    is_int(c(t, sizeof t, g.p, full - 1), 0, "%s: capacity one short of the output -> 0, no overrun", name);
    gbuf_free(&g);
}

/* Decompress `clen` bytes of `cmp` (copied against a guard page) into an
 * outlen buffer against a guard page.  Returns the function's result. */
static int guarded_decompress(decompress_fn d, const unsigned char *cmp, size_t clen, size_t outlen,
                              int side) {
    struct gbuf gi = gbuf_new(clen, side & 1), go = gbuf_new(outlen, (side >> 1) & 1);
    memcpy(gi.p, cmp, clen);
    int r = d(gi.p, clen, go.p, outlen);
    gbuf_free(&gi);
    gbuf_free(&go);
    return r;
}

static void test_corruption(const char *name, compress_fn c, decompress_fn d) {
    size_t n = 3000;
    unsigned char in[3000], cmp[3000], bad[3000 + 64];
    fill_text(in, n);
    size_t clen = c(in, n, cmp, n);
    ok(clen > 0, "%s: corpus block compressed to %zu bytes", name, clen);
    /* the guarded path itself works */
    is_int(guarded_decompress(d, cmp, clen, n, 3), 0, "%s: intact block decodes against guard pages", name);

    int rejected = 0, accepted = 0;
    for (int t = 0; t < 4000; t++) {
        size_t blen = clen;
        memcpy(bad, cmp, clen);
        switch (t % 4) {
        case 0: /* flip a few bytes */
            for (int k = 1 + (int)(rng() % 8); k > 0; k--) bad[rng() % clen] ^= (unsigned char)(1 + rng() % 255);
            break;
        case 1: /* truncate */
            blen = rng() % clen;
            break;
        case 2: /* random garbage */
            blen = 1 + rng() % (clen + 64);
            for (size_t i = 0; i < blen; i++) bad[i] = (unsigned char)rng();
            break;
        default: /* intact but wrong declared length */
            break;
        }
        size_t outlen = (t % 4 == 3) ? (rng() % 2 ? n + 1 : n - 1) : n;
        int r = guarded_decompress(d, bad, blen, outlen, (int)(rng() % 4));
        if (r == 0) accepted++;
        else if (r == -1) rejected++;
    }
    is_int(rejected + accepted, 4000, "%s: 4000 corrupted blocks: every call returned 0 or -1", name);
    diag("%s: %d rejected, %d decoded to the declared length", name, rejected, accepted);
    ok(rejected > 3000, "%s: most corruptions are detected", name);
}

int main(void) {
    test_known_blocks();
    roundtrip("lzf", cmp_lzf_compress, cmp_lzf_decompress);
    roundtrip("lz4", cmp_lz4_compress, cmp_lz4_decompress);
    test_not_smaller("lzf", cmp_lzf_compress);
    test_not_smaller("lz4", cmp_lz4_compress);
    ok(cmp_lz4_bound(1000) >= 1000 && cmp_lz4_bound((size_t)1 << 40) == 0, "lz4 bound");
    test_corruption("lzf", cmp_lzf_compress, cmp_lzf_decompress);
    test_corruption("lz4", cmp_lz4_compress, cmp_lz4_decompress);
    return done_testing();
}
