/*
 * engine/sha1.c — SHA-1 as specified in FIPS 180-4 section 6.1: 512-bit
 * blocks, five 32-bit state words, 80 rounds over a message schedule kept
 * as a 16-word rolling window.  Padding: 0x80, zeros, then the message
 * length in bits as a big-endian 64-bit number.
 */
#include "sha1.h"

#include <string.h>

static uint32_t rol(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

static uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void compress(uint32_t h[5], const uint8_t block[64]) {
    uint32_t w[16];
    for (int i = 0; i < 16; i++) w[i] = load_be32(block + 4 * i);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; t++) {
        if (t >= 16) {
            uint32_t x = w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15];
            w[t & 15] = rol(x, 1);
        }
        uint32_t f, k;
        if (t < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999u;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1u;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdcu;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6u;
        }
        uint32_t tmp = rol(a, 5) + f + e + k + w[t & 15];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void sha1_init(sha1_ctx *x) {
    static const uint32_t iv[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
    memcpy(x->h, iv, sizeof(iv));
    x->nbytes = 0;
    x->buflen = 0;
}

void sha1_update(sha1_ctx *x, const void *data, size_t len) {
    const uint8_t *p = data;
    x->nbytes += len;
    if (x->buflen) {
        size_t take = 64 - x->buflen < len ? 64 - x->buflen : len;
        memcpy(x->buf + x->buflen, p, take);
        x->buflen += take;
        p += take;
        len -= take;
        if (x->buflen < 64) return;
        compress(x->h, x->buf);
        x->buflen = 0;
    }
    for (; len >= 64; p += 64, len -= 64) compress(x->h, p);
    memcpy(x->buf, p, len);
    x->buflen = len;
}

void sha1_final(sha1_ctx *x, uint8_t out[SHA1_DIGEST_LEN]) {
    uint64_t bits = x->nbytes * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (x->buflen < 56 ? 56 : 120) - x->buflen;
    for (int i = 0; i < 8; i++) pad[padlen + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    sha1_update(x, pad, padlen + 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(x->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(x->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(x->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)x->h[i];
    }
}

void sha1_bytes(const void *data, size_t len, uint8_t out[SHA1_DIGEST_LEN]) {
    sha1_ctx x;
    sha1_init(&x);
    sha1_update(&x, data, len);
    sha1_final(&x, out);
}

void sha1_to_hex(const uint8_t digest[SHA1_DIGEST_LEN], char hex[41]) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < SHA1_DIGEST_LEN; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[40] = '\0';
}
