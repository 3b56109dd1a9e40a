/*
 * engine/util.h — number/string conversions and glob matching with
 * Redis's exact rules (they decide replies such as "value is not an integer").
 */
#ifndef STRATA_UTIL_H
#define STRATA_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Strict: optional '-', no '+', no leading zeros (except "0"), no spaces,
 * fits in long long.  Returns 1 on success, 0 otherwise. */
int str_to_ll(const char *s, size_t len, long long *out); /* "-0" rejected, as Redis */
int str_to_ull(const char *s, size_t len, unsigned long long *out); /* same rules, no '-' */
/* Like strtold-based Redis parsing: no spaces, no empty, no "nan"; inf ok.
 * Returns 1 on success. */
int str_to_ld(const char *s, size_t len, long double *out);
int str_to_d(const char *s, size_t len, double *out);

/* Writes the decimal form (no '\0' needed by callers but written if room);
 * returns length, or 0 if buf too small. */
int ll_to_str(char *buf, size_t size, long long v);
int ull_to_str(char *buf, size_t size, unsigned long long v);
/* Redis's double formatting for replies (%.17g, "inf"/"-inf"). */
int d_to_str(char *buf, size_t size, double v);
/* Redis's long double formatting for INCRBYFLOAT: %.17Lf with trailing
 * zeros (and '.') removed; "humanfriendly" mode; "-0" prints as "0".
 * Returns length, 0 on error: nan/inf, or buf too small for the unstripped
 * %.17Lf form plus '\0' (up to ~5000 bytes for huge values). */
int ld_to_str(char *buf, size_t size, long double v);

/* Glob-style match (*, ?, [..] with ^ and ranges, \ escape), as Redis,
 * including its corners: "*" does not match "" (callers special-case a lone
 * "*"), an unterminated "[..." runs to the end of the pattern, more than
 * 1000 nested '*' give up.  Returns 1 on match. */
int str_match(const char *pat, size_t patlen, const char *s, size_t slen, int nocase);

/* Memory units: "1k"=1000 "1kb"=1024 "1m" "1mb" "1g" "1gb", case-insensitive,
 * plain number or "b" = bytes.  A leading '-' is allowed (caller validates);
 * no spaces, no fractions, overflow fails.  Returns 1 on success. */
int str_to_memory(const char *s, long long *out);

/* Little-endian integers of n bytes (n <= 8) in the byte formats (listpack,
 * intset, ziplist, zipmap, RDB); unaligned access is fine. */
static inline uint64_t util_load_le(const unsigned char *p, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
}

static inline void util_store_le(unsigned char *p, uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; i++, v >>= 8) p[i] = (unsigned char)(v & 0xff);
}

uint64_t util_ustime(void);  /* wall clock, microseconds */
uint64_t util_mstime(void);  /* wall clock, milliseconds */
uint64_t util_monotonic_us(void);
void util_random_bytes(void *buf, size_t len); /* /dev/urandom, fallback clock-seeded */
void util_random_hex(char *out, size_t len);   /* len hex chars + '\0' (out has len+1) */

#endif
