/*
 * rdb/crc64.h — the CRC-64 of RDB files and DUMP payloads.
 *
 * The checksum Redis uses: CRC-64/Jones (polynomial 0xad93d23594c935a9),
 * reflected input and output, initial value 0, no final xor.  Check value:
 * crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.  An RDB file stores the
 * value little-endian in its last 8 bytes; a DUMP payload likewise.
 *
 * crc64() is incremental: crc64(crc64(0, a, n), b, m) equals the one-shot
 * crc64 of a followed by b, so a stream can checksum as it goes.  Its
 * signature matches strm_cksum_fn (rdb/stream.h).  Thread-safe; the tables
 * are built once on first use.
 */
#ifndef STRATA_CRC64_H
#define STRATA_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Continue the CRC `crc` over len bytes at p (p may be NULL when len == 0).
 * Start a new checksum with crc = 0.  Borrows p for the call only. */
uint64_t crc64(uint64_t crc, const void *p, size_t len);

/* The bit-at-a-time reference implementation, for tests: same results,
 * much slower. */
uint64_t crc64_slow(uint64_t crc, const void *p, size_t len);

#endif
