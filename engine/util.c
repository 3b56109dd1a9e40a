/*
 * engine/util.c — number parsing/formatting, glob matching, clocks, random
 * bytes.
 *
 * The parsing and formatting rules are Redis's, byte for byte, because they
 * decide replies ("value is not an integer or out of range") and what is
 * written to the AOF:
 *   - integers are canonical: [-]digits, no '+', no leading zeros, no
 *     spaces, "-0" rejected, range checked without overflow;
 *   - floats go through strtod/strtold on a terminated copy and are rejected
 *     if empty, if they start with a space, if bytes are left over (trailing
 *     space, embedded NUL), if they overflow or underflow to zero, or if NaN;
 *     "inf" spellings are accepted;
 *   - replies print doubles with %.17g; INCRBYFLOAT prints long doubles with
 *     %.17Lf minus trailing zeros.
 * str_match is a backtracking glob; a '*' that failed against every suffix
 * tells the enclosing '*'s to stop too (they can only offer shorter
 * suffixes), which keeps patterns like "a*a*a*a*b" linear-ish, and nesting
 * is capped at 1000 levels like Redis.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"

#define LD_MAX_CHARS (5 * 1024) /* longest long double string we parse */
#define GLOB_MAX_NESTING 1000

/* ---- integers ----------------------------------------------------------- */

int str_to_ull(const char *s, size_t len, unsigned long long *out) {
    if (len == 0 || len > 20) return 0;
    if (len == 1 && s[0] == '0') {
        if (out) *out = 0;
        return 1;
    }
    if (s[0] < '1' || s[0] > '9') return 0;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (out) *out = v;
    return 1;
}

int str_to_ll(const char *s, size_t len, long long *out) {
    int neg = len > 0 && s[0] == '-';
    unsigned long long u;
    if (!str_to_ull(s + neg, len - (size_t)neg, &u)) return 0;
    long long v;
    if (neg) {
        if (u == 0 || u > (unsigned long long)LLONG_MAX + 1) return 0; /* "-0" is not canonical */
        v = u == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)u;
    } else {
        if (u > (unsigned long long)LLONG_MAX) return 0;
        v = (long long)u;
    }
    if (out) *out = v;
    return 1;
}

/* Copy n bytes to buf; '\0' added when it fits.  0 when buf is too small. */
static int put(char *buf, size_t size, const char *src, size_t n) {
    if (n > size) return 0;
    memcpy(buf, src, n);
    if (n < size) buf[n] = '\0';
    return (int)n;
}

int ull_to_str(char *buf, size_t size, unsigned long long v) {
    char tmp[24], *p = tmp + sizeof(tmp);
    do *--p = (char)('0' + v % 10);
    while (v /= 10);
    return put(buf, size, p, (size_t)(tmp + sizeof(tmp) - p));
}

int ll_to_str(char *buf, size_t size, long long v) {
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    char tmp[24], *p = tmp + sizeof(tmp);
    do *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0) *--p = '-';
    return put(buf, size, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* ---- floating point ----------------------------------------------------- */

/* strtold over exactly s[0..len), with Redis's rejections (see top). */
static int parse_float(const char *s, size_t len, long double *out, int as_double) {
    char stack[128], *buf = stack;
    if (len == 0 || isspace((unsigned char)s[0])) return 0;
    if (!as_double && len >= LD_MAX_CHARS) return 0;
    if (len >= sizeof(stack)) buf = mem_alloc(len + 1);
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long double v = as_double ? strtod(buf, &end) : strtold(buf, &end);
    int good = (size_t)(end - buf) == len && !isnan(v) &&
               !(errno == ERANGE && (isinf(v) || v == 0));
    if (buf != stack) mem_free(buf);
    if (good && out) *out = v;
    return good;
}

int str_to_ld(const char *s, size_t len, long double *out) { return parse_float(s, len, out, 0); }

int str_to_d(const char *s, size_t len, double *out) {
    long double v;
    if (!parse_float(s, len, &v, 1)) return 0;
    if (out) *out = (double)v; /* exact: it came from strtod */
    return 1;
}

int d_to_str(char *buf, size_t size, double v) {
    char tmp[40];
    int n;
    if (isnan(v)) n = snprintf(tmp, sizeof(tmp), "nan");
    else if (isinf(v)) n = snprintf(tmp, sizeof(tmp), "%s", v > 0 ? "inf" : "-inf");
    else n = snprintf(tmp, sizeof(tmp), "%.17g", v);
    return put(buf, size, tmp, (size_t)n);
}

/* Needs room for the '\0' as well (snprintf); 1e4932 takes ~4950 bytes. */
int ld_to_str(char *buf, size_t size, long double v) {
    if (isnan(v) || isinf(v) || size == 0) return 0;
    int n = snprintf(buf, size, "%.17Lf", v);
    if (n < 0 || (size_t)n + 1 > size) return 0;
    if (strchr(buf, '.')) {
        while (buf[n - 1] == '0') n--;
        if (buf[n - 1] == '.') n--;
    }
    if (n == 2 && buf[0] == '-' && buf[1] == '0') { /* -0 prints as 0 */
        buf[0] = '0';
        n = 1;
    }
    buf[n] = '\0';
    return n;
}

/* ---- glob --------------------------------------------------------------- */

static int fold(unsigned char c, int nocase) { return nocase ? tolower(c) : c; }

/* Match c against the class at *pp (just after '[').  On return *pp and *plen
 * are past the closing ']', or at the end of an unterminated class (which
 * then extends to the end of the pattern).  Inside the class: "^" first
 * negates, "\x" is a literal x (compared case-sensitively, as Redis does),
 * "a-z" is a range (ends in either order), anything else is a literal. */
static int glob_class(const char **pp, size_t *plen, unsigned char c, int nocase) {
    const char *p = *pp;
    size_t n = *plen;
    int neg = n > 0 && *p == '^', match = 0;
    if (neg) p++, n--;
    for (;;) {
        if (n == 0) break; /* unterminated */
        if (p[0] == '\\' && n >= 2) {
            p++, n--;
            if ((unsigned char)p[0] == c) match = 1;
        } else if (p[0] == ']') {
            p++, n--;
            break;
        } else if (n >= 3 && p[1] == '-') {
            int lo = (unsigned char)p[0], hi = (unsigned char)p[2];
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (nocase) lo = tolower(lo), hi = tolower(hi);
            int x = fold(c, nocase);
            if (x >= lo && x <= hi) match = 1;
            p += 2, n -= 2;
        } else if (fold((unsigned char)p[0], nocase) == fold(c, nocase)) {
            match = 1;
        }
        p++, n--;
    }
    *pp = p;
    *plen = n;
    return neg ? !match : match;
}

static int glob(const char *p, size_t plen, const char *s, size_t slen, int nocase, int *give_up,
                int nesting) {
    if (nesting > GLOB_MAX_NESTING) return 0;
    while (plen && slen) {
        switch (*p) {
        case '*':
            while (plen > 1 && p[1] == '*') p++, plen--;
            if (plen == 1) return 1; /* trailing '*' eats the rest */
            for (; slen; s++, slen--) {
                if (glob(p + 1, plen - 1, s, slen, nocase, give_up, nesting + 1)) return 1;
                if (*give_up) return 0;
            }
            *give_up = 1; /* no suffix matched: shorter ones won't either */
            return 0;
        case '?':
            p++, plen--;
            s++, slen--;
            break;
        case '[':
            p++, plen--;
            if (!glob_class(&p, &plen, (unsigned char)*s, nocase)) return 0;
            s++, slen--;
            break;
        default:
            if (*p == '\\' && plen >= 2) p++, plen--; /* escaped: a literal */
            if (fold((unsigned char)*p, nocase) != fold((unsigned char)*s, nocase)) return 0;
            p++, plen--;
            s++, slen--;
            break;
        }
        if (slen == 0) { /* only '*'s may be left */
            while (plen && *p == '*') p++, plen--;
            break;
        }
    }
    return plen == 0 && slen == 0;
}

/* Note, as Redis: an empty string matches no pattern but the empty one
 * ("*" does not match ""; callers special-case a lone "*"). */
int str_match(const char *pat, size_t patlen, const char *s, size_t slen, int nocase) {
    int give_up = 0;
    return glob(pat, patlen, s, slen, nocase, &give_up, 0);
}

/* ---- memory units ------------------------------------------------------- */

/* [-]digits followed by nothing, b, k, kb, m, mb, g or gb (any case).
 * k/m/g are powers of 1000, kb/mb/gb of 1024.  Leading zeros are fine (as
 * strtoull), overflow fails.  Unlike Redis 7's memtoull, a negative value
 * parses (the caller decides) and a unit without digits ("kb") is an error
 * rather than 0. */
int str_to_memory(const char *s, long long *out) {
    static const struct {
        const char *unit;
        long long mul;
    } units[] = {{"", 1},           {"b", 1},
                 {"k", 1000},       {"kb", 1024},
                 {"m", 1000000},    {"mb", 1024 * 1024},
                 {"g", 1000000000}, {"gb", 1024LL * 1024 * 1024}};
    int neg = *s == '-';
    const char *p = s + neg, *digits = p;
    unsigned long long v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (unsigned long long)LLONG_MAX / 10) return 0;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (p == digits) return 0;
    long long mul = 0;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && !mul; i++)
        if (strcasecmp(p, units[i].unit) == 0) mul = units[i].mul;
    if (!mul || v > (unsigned long long)(LLONG_MAX / mul)) return 0;
    if (out) *out = (neg ? -1 : 1) * (long long)v * mul;
    return 1;
}

/* ---- clocks ------------------------------------------------------------- */

static uint64_t clock_us(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t util_ustime(void) { return clock_us(CLOCK_REALTIME); }
uint64_t util_mstime(void) { return clock_us(CLOCK_REALTIME) / 1000; }
uint64_t util_monotonic_us(void) { return clock_us(CLOCK_MONOTONIC); }

/* ---- random ------------------------------------------------------------- */

static int urandom(void *buf, size_t len) {
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    return got == len ? 0 : -1;
}

/* Fallback when /dev/urandom is unavailable: xorshift64* seeded from the
 * clocks and pid.  Not cryptographic; good enough for run ids. */
static void weak_random(void *buf, size_t len) {
    static uint64_t x;
    x ^= util_ustime() ^ (util_monotonic_us() << 20) ^ ((uint64_t)getpid() << 40);
    if (!x) x = 0x9e3779b97f4a7c15ULL;
    unsigned char *p = buf;
    for (size_t i = 0; i < len; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        p[i] = (unsigned char)((x * 0x2545F4914F6CDD1DULL) >> 56);
    }
}

void util_random_bytes(void *buf, size_t len) {
    if (urandom(buf, len) < 0) weak_random(buf, len);
}

void util_random_hex(char *out, size_t len) {
    static const char hex[] = "0123456789abcdef";
    unsigned char b[64];
    for (size_t done = 0; done < len;) {
        size_t chunk = len - done < sizeof(b) ? len - done : sizeof(b);
        util_random_bytes(b, chunk);
        for (size_t i = 0; i < chunk; i++) out[done + i] = hex[b[i] & 15];
        done += chunk;
    }
    out[len] = '\0';
}
