/*
 * rdb/compress.h — string compression for RDB values: LZF and LZ4.
 *
 * A four-function veneer over liblzf (what Redis writes for
 * `rdbcompression yes`) and liblz4 (strata's `rdbcompression lz4`).  Only
 * raw blocks: the caller (the RDB encoder) stores the compressed and the
 * original length next to the block, as the RDB format does, so a
 * decompressor is always told the exact output size and anything else is
 * an error.
 *
 * Contract shared by all four functions:
 *   - buffers never overlap; all pointers are borrowed for the call only;
 *   - compress returns the compressed length, or 0 when the block would not
 *     be smaller than the input (the caller then stores it uncompressed) or
 *     does not fit in outcap;
 *   - decompress returns 0 only when the block decodes to exactly outlen
 *     bytes, else -1.  It never reads outside [in, in+inlen) nor writes
 *     outside [out, out+outlen), whatever the input bytes are (tested with
 *     random corruptions against guard pages).  Output contents after a
 *     failure are unspecified.
 * Thread-safe (no shared state).
 */
#ifndef STRATA_COMPRESS_H
#define STRATA_COMPRESS_H

#include <stddef.h>

/* LZF: the compressed block Redis stores after RDB_ENC_LZF. */
size_t cmp_lzf_compress(const void *in, size_t inlen, void *out, size_t outcap);
int cmp_lzf_decompress(const void *in, size_t inlen, void *out, size_t outlen);

/* LZ4 raw block (LZ4_compress_default / LZ4_decompress_safe format). */
size_t cmp_lz4_compress(const void *in, size_t inlen, void *out, size_t outcap);
int cmp_lz4_decompress(const void *in, size_t inlen, void *out, size_t outlen);

/* The output capacity at which LZ4 always succeeds (and compresses
 * fastest); 0 when inlen exceeds what LZ4 accepts (about 2 GB). */
size_t cmp_lz4_bound(size_t inlen);

#endif
