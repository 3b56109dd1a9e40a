/*
 * engine/sha1.h — SHA-1 (FIPS 180-4), for dataset digests (DEBUG DIGEST)
 * and, later, script ids.  Not for security.
 *
 *   sha1_ctx x; sha1_init(&x); sha1_update(&x, p, n); ...; sha1_final(&x, out);
 */
#ifndef STRATA_SHA1_H
#define STRATA_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_LEN 20

typedef struct sha1_ctx {
    uint32_t h[5];
    uint64_t nbytes;   /* total bytes hashed so far */
    uint8_t buf[64];   /* pending partial block */
    size_t buflen;
} sha1_ctx;

void sha1_init(sha1_ctx *x);
void sha1_update(sha1_ctx *x, const void *data, size_t len);
/* Writes the 20-byte digest; x must be re-initialised before reuse. */
void sha1_final(sha1_ctx *x, uint8_t out[SHA1_DIGEST_LEN]);
/* One-shot digest of data. */
void sha1_bytes(const void *data, size_t len, uint8_t out[SHA1_DIGEST_LEN]);
/* 40 lowercase hex chars + '\0' into hex (41 bytes). */
void sha1_to_hex(const uint8_t digest[SHA1_DIGEST_LEN], char hex[41]);

#endif
