/*
 * rdb/compress.c — LZF and LZ4 block compression (see compress.h).
 *
 * Both libraries take int/unsigned lengths; anything that does not fit is
 * refused here (compress returns 0 = "store it plain", decompress -1), so
 * no length is ever truncated on the way in.
 *
 * Safety of decompression with hostile input rests on the libraries' own
 * checks: LZ4_decompress_safe bounds every read and write; liblzf 3.6 is
 * built with CHECK_INPUT (input bounds) and always checks output bounds and
 * back-references before the output start.  Both report the produced
 * length, which we compare with the exact expected size.
 */
#include "rdb/compress.h"

#include <limits.h>
#include <liblzf/lzf.h>
#include <lz4.h>

size_t cmp_lzf_compress(const void *in, size_t inlen, void *out, size_t outcap) {
    if (inlen < 2 || inlen > UINT_MAX || outcap == 0) return 0;
    size_t cap = outcap < inlen - 1 ? outcap : inlen - 1;
    return lzf_compress(in, (unsigned)inlen, out, (unsigned)cap);
}

int cmp_lzf_decompress(const void *in, size_t inlen, void *out, size_t outlen) {
    if (inlen > UINT_MAX || outlen > UINT_MAX) return -1;
    if (outlen == 0) return inlen == 0 ? 0 : -1;
    if (inlen == 0) return -1;
    unsigned got = lzf_decompress(in, (unsigned)inlen, out, (unsigned)outlen);
    return got == outlen ? 0 : -1;
}

size_t cmp_lz4_bound(size_t inlen) {
    if (inlen > LZ4_MAX_INPUT_SIZE) return 0;
    return (size_t)LZ4_compressBound((int)inlen);
}

size_t cmp_lz4_compress(const void *in, size_t inlen, void *out, size_t outcap) {
    if (inlen < 2 || inlen > LZ4_MAX_INPUT_SIZE || outcap == 0) return 0;
    /* With a full-bound buffer LZ4 skips its output checks; reject after. */
    size_t bound = cmp_lz4_bound(inlen);
    size_t cap = outcap >= bound ? bound : (outcap < inlen - 1 ? outcap : inlen - 1);
    if (cap > INT_MAX) cap = INT_MAX;
    int n = LZ4_compress_default(in, out, (int)inlen, (int)cap);
    if (n <= 0 || (size_t)n >= inlen) return 0;
    return (size_t)n;
}

int cmp_lz4_decompress(const void *in, size_t inlen, void *out, size_t outlen) {
    if (inlen > INT_MAX || outlen > INT_MAX) return -1;
    if (outlen == 0) return inlen == 0 ? 0 : -1;
    if (inlen == 0) return -1;
    int n = LZ4_decompress_safe(in, out, (int)inlen, (int)outlen);
    return n >= 0 && (size_t)n == outlen ? 0 : -1;
}
