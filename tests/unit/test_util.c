/* tests/unit/test_util.c — engine/util: Redis's number parsing and
 * formatting, glob matching, memory units, clocks, random bytes.  The
 * expected values in the tables were checked against redis-server 7.0.15
 * (INCRBY, ZADD/ZSCORE, INCRBYFLOAT, KEYS). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <unistd.h>

#include "engine/util.h"
#include "tests/tap.h"

/* is_str on an array trips -Waddress in tap.h's NULL check */
static const char *S(const char *p) { return p; }

struct ll_case {
    const char *s;
    size_t len;
    int ok;
    long long v;
};
#define LL(s, ok, v) {s, sizeof(s) - 1, ok, v}

static void test_str_to_ll(void) {
    static const struct ll_case c[] = {
        LL("0", 1, 0), LL("1", 1, 1), LL("-1", 1, -1), LL("-0", 0, 0), LL("01", 0, 0), LL("-01", 0, 0),
        LL("00", 0, 0), LL("007", 0, 0), LL(" 1", 0, 0), LL("1 ", 0, 0), LL("\t1", 0, 0), LL("+1", 0, 0),
        LL("", 0, 0), LL("-", 0, 0), LL("--1", 0, 0), LL("1a", 0, 0), LL("a1", 0, 0), LL("0x10", 0, 0),
        LL("1e3", 0, 0), LL("1.0", 0, 0), LL("1\0", 0, 0), LL("123456789", 1, 123456789),
        LL("9223372036854775807", 1, INT64_MAX), LL("9223372036854775808", 0, 0),
        LL("-9223372036854775808", 1, INT64_MIN), LL("-9223372036854775809", 0, 0),
        LL("12345678901234567890", 0, 0), LL("18446744073709551615", 0, 0),
        LL("18446744073709551616", 0, 0), LL("99999999999999999999999", 0, 0),
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        long long v = 12345;
        int r = str_to_ll(c[i].s, c[i].len, &v);
        is_int(r, c[i].ok, "str_to_ll(\"%s\") %s", c[i].s, c[i].ok ? "accepts" : "rejects");
        if (c[i].ok) is_int(v, c[i].v, "str_to_ll(\"%s\") value", c[i].s);
        else is_int(v, 12345, "str_to_ll(\"%s\") leaves *out alone", c[i].s);
    }
    ok(str_to_ll("123", 2, NULL), "length bounds the input; out may be NULL");
    long long v;
    ok(str_to_ll("42xyz", 2, &v) && v == 42, "not NUL-terminated input");

    unsigned long long u;
    ok(str_to_ull("18446744073709551615", 20, &u) && u == UINT64_MAX, "str_to_ull max");
    ok(!str_to_ull("18446744073709551616", 20, &u), "str_to_ull overflow");
    ok(!str_to_ull("-1", 2, &u), "str_to_ull rejects '-'");
    ok(!str_to_ull("01", 2, &u), "str_to_ull rejects leading zero");
    ok(str_to_ull("0", 1, &u) && u == 0, "str_to_ull 0");
    ok(!str_to_ull("", 0, &u), "str_to_ull empty");
}

static void test_ll_to_str(void) {
    char buf[32];
    is_int(ll_to_str(buf, sizeof(buf), 0), 1, "ll_to_str 0 length");
    is_str(S(buf), "0", "ll_to_str 0");
    ll_to_str(buf, sizeof(buf), INT64_MIN);
    is_str(S(buf), "-9223372036854775808", "ll_to_str LLONG_MIN");
    ll_to_str(buf, sizeof(buf), INT64_MAX);
    is_str(S(buf), "9223372036854775807", "ll_to_str LLONG_MAX");
    ll_to_str(buf, sizeof(buf), -42);
    is_str(S(buf), "-42", "ll_to_str -42");
    ull_to_str(buf, sizeof(buf), UINT64_MAX);
    is_str(S(buf), "18446744073709551615", "ull_to_str max");
    is_int(ll_to_str(buf, 2, 123), 0, "too small: 0");
    memset(buf, 'x', sizeof(buf));
    is_int(ll_to_str(buf, 3, -12), 3, "exact fit without room for NUL");
    is_mem(buf, 4, "-12x", 4, "no NUL written when it does not fit");
    is_int(ull_to_str(buf, 0, 1), 0, "size 0");
}

struct d_case {
    const char *s;
    size_t len;
    const char *out; /* NULL: rejected */
};
#define DC(s, out) {s, sizeof(s) - 1, out}

static void test_doubles(void) {
    /* parse with str_to_d, print with d_to_str (what ZADD + ZSCORE reply) */
    static const struct d_case d[] = {
        DC("0", "0"), DC("1e5", "100000"), DC("inf", "inf"), DC("-inf", "-inf"), DC("+inf", "inf"),
        DC("Infinity", "inf"), DC("INF", "inf"), DC("nan", NULL), DC("-nan", NULL), DC("NaN", NULL),
        DC(" 1", NULL), DC("1 ", NULL), DC("", NULL), DC("1\0", NULL), DC("abc", NULL), DC("1e", NULL),
        DC("e5", NULL), DC("1.5", "1.5"), DC("+1.5", "1.5"), DC(".5", "0.5"), DC("5.", "5"),
        DC("1e309", NULL), DC("-1e309", NULL), DC("1e-400", NULL), DC("1e-320", "9.9998886718268301e-321"),
        DC("0x1p3", "8"), DC("1.1", "1.1000000000000001"), DC("0.1", "0.10000000000000001"), DC("3.0", "3"),
        DC("1e17", "1e+17"), DC("123456789012345678", "1.2345678901234568e+17"), DC("-1.5e-5", "-1.5e-05"),
        DC("100000000000000000000", "1e+20"), DC("0.30000000000000004", "0.30000000000000004"),
        DC("2.5e-1", "0.25"), DC("-0.0", "-0"),
    };
    for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
        double v = 0;
        char buf[64] = "";
        int r = str_to_d(d[i].s, d[i].len, &v);
        if (!d[i].out) {
            is_int(r, 0, "str_to_d(\"%s\") rejects", d[i].s);
            continue;
        }
        if (!is_int(r, 1, "str_to_d(\"%s\") accepts", d[i].s)) continue;
        d_to_str(buf, sizeof(buf), v);
        is_str(S(buf), d[i].out, "d_to_str(str_to_d(\"%s\"))", d[i].s);
    }
    char big[400];
    memset(big, '0', sizeof(big));
    big[0] = '1';
    double v;
    ok(!str_to_d(big, sizeof(big), &v), "400-digit integer (1e399) overflows and is rejected");
    big[1] = '.';
    ok(str_to_d(big, sizeof(big), &v) && v == 1.0, "400-char input (heap copy) parses");
    char buf[8];
    is_int(d_to_str(buf, 3, 1.5), 3, "d_to_str exact fit");
    is_int(d_to_str(buf, 2, 1.5), 0, "d_to_str too small");
    is_int(d_to_str(buf, sizeof(buf), NAN), 3, "d_to_str nan");
    is_str(S(buf), "nan", "d_to_str prints nan");
}

static void test_long_doubles(void) {
    /* parse with str_to_ld, print with ld_to_str (what INCRBYFLOAT k x on 0 replies) */
    static const struct d_case d[] = {
        DC("0", "0"), DC("-0", "0"), DC("1e5", "100000"), DC(" 1", NULL), DC("1 ", NULL), DC("", NULL),
        DC("nan", NULL), DC("NaN", NULL), DC("1\0", NULL), DC("1.5", "1.5"), DC("+1.5", "1.5"),
        DC(".5", "0.5"), DC("5.", "5"), DC("1e-400", "0"), DC("0x1p3", "8"), DC("1.1", "1.1"),
        DC("0.1", "0.1"), DC("1e17", "100000000000000000"), DC("123456789012345678", "123456789012345678"),
        DC("-1.5e-5", "-0.000015"), DC("0.30000000000000004", "0.30000000000000004"), DC("-0.0", "0"),
        DC("1e5000", NULL),
    };
    for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
        long double v = 0;
        char buf[64] = "";
        int r = str_to_ld(d[i].s, d[i].len, &v);
        if (!d[i].out) {
            is_int(r, 0, "str_to_ld(\"%s\") rejects", d[i].s);
            continue;
        }
        if (!is_int(r, 1, "str_to_ld(\"%s\") accepts", d[i].s)) continue;
        ok(ld_to_str(buf, sizeof(buf), v) > 0, "ld_to_str(\"%s\") formats", d[i].s);
        is_str(S(buf), d[i].out, "ld_to_str(str_to_ld(\"%s\"))", d[i].s);
    }
    long double v;
    ok(str_to_ld("inf", 3, &v) && isinf(v), "str_to_ld accepts inf");
    char buf[5200];
    is_int(ld_to_str(buf, sizeof(buf), v), 0, "ld_to_str rejects inf");
    is_int(ld_to_str(buf, sizeof(buf), -v), 0, "ld_to_str rejects -inf");
    is_int(ld_to_str(buf, sizeof(buf), NAN), 0, "ld_to_str rejects nan");
    str_to_ld("1e309", 5, &v);
    int n = ld_to_str(buf, sizeof(buf), v);
    ok(n == 309 && strncmp(buf, "99999999999999999998634942458125645", 35) == 0 && buf[n - 1] == '2',
       "1e309 as a long double prints all its digits (%d)", n);
    is_int(ld_to_str(buf, 10, v), 0, "ld_to_str too small");
    is_int(ld_to_str(buf, 20, 1.0L), 1, "ld_to_str needs room for \"1.00000000000000000\" + NUL");
    is_int(ld_to_str(buf, 19, 1.0L), 0, "one byte less fails (as Redis)");

    /* INCRBYFLOAT sums, as Redis replies them */
    static const struct {
        const char *a, *b, *out;
    } sums[] = {
        {"1.1", "2.2", "3.3"},     {"10.5", "0.1", "10.6"},   {"3.0e3", "1", "3001"},
        {"5.0e3", "2.0e2", "5200"}, {"1", "-1", "0"},          {"-0.5", "0.5", "0"},
        {"1e20", "1", "100000000000000000000"},               {"0.1", "0.2", "0.3"},
        {"1", "1e-17", "1.00000000000000001"}, {"12345678.123456789", "0", "12345678.12345678899964696"},
    };
    for (size_t i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
        long double a = 0, b = 0;
        str_to_ld(sums[i].a, strlen(sums[i].a), &a);
        str_to_ld(sums[i].b, strlen(sums[i].b), &b);
        ld_to_str(buf, sizeof(buf), a + b);
        is_str(S(buf), sums[i].out, "INCRBYFLOAT %s by %s", sums[i].a, sums[i].b);
    }
    char longnum[5120];
    memset(longnum, '1', sizeof(longnum));
    ok(!str_to_ld(longnum, sizeof(longnum), &v), "str_to_ld rejects >= 5120 chars");
    ok(str_to_ld(longnum, 5119, &v) == 0, "5119 digits overflow a long double too");
}

static const struct {
    const char *pat, *s;
    int match;
} globs[] = {
    {"*", "aaaa", 1}, {"*", "\\", 1}, {"*", "x[y", 1},
    {"**", "d", 1}, {"**", "ab", 1}, {"**", "e", 1}, {"**", "", 0},
    {"?", "A", 1}, {"?", "-", 1}, {"?", "a", 1}, {"?", "[a]", 0}, {"?", "hallo", 0},
    {"a*", "a", 1}, {"a*", "ab", 1}, {"a*", "aaaa", 1}, {"a*", "hxllo", 0}, {"a*", "c", 0},
    {"*a", "a", 1}, {"*a", "aaaa", 1}, {"*a", "[a]", 0}, {"*a", "d", 0},
    {"a*b", "aaab", 1}, {"a*b", "ab", 1}, {"a*b", "acb", 1}, {"a*b", "c", 0}, {"a*b", "a]", 0},
    {"a?c", "abc", 1}, {"a?c", "axc", 1}, {"a?c", "b", 0}, {"a?c", "\\", 0},
    {"[abc]", "b", 1}, {"[abc]", "c", 1}, {"[abc]", "a", 1}, {"[abc]", "\\", 0}, {"[abc]", "abde", 0},
    {"[^abc]", "A", 1}, {"[^abc]", "^", 1}, {"[^abc]", "\\", 1}, {"[^abc]", "c", 0}, {"[^abc]", "a]", 0},
    {"[a-c]", "c", 1}, {"[a-c]", "a", 1}, {"[a-c]", "b", 1}, {"[a-c]", "]", 0}, {"[a-c]", "axc", 0},
    {"[c-a]", "c", 1}, {"[c-a]", "a", 1}, {"[c-a]", "b", 1}, {"[c-a]", "^", 0}, {"[c-a]", "a-", 0},
    {"[a-]", "^", 1}, {"[a-]", "]", 1}, {"[a-]", "^", 1}, {"[a-]", "x[y", 0}, {"[a-]", "abde", 0},
    {"[]]", "^", 0}, {"[]]", "[", 0},
    {"[]a]", "^", 0}, {"[]a]", "ab", 0},
    {"[\\]]", "]", 1}, {"[\\]]", "^", 0}, {"[\\]]", "bab", 0},
    {"[\\", "\\", 1}, {"[\\", "[a]", 0}, {"[\\", "HELLO", 0},
    {"\\", "\\", 1}, {"\\", "axc", 0}, {"\\", "[abc", 0},
    {"a\\", "x[y", 0}, {"a\\", "\\", 0},
    {"\\*", "*", 1}, {"\\*", "]", 0}, {"\\*", "bab", 0},
    {"\\?", "?", 1}, {"\\?", "b", 0}, {"\\?", "d", 0},
    {"[abc", "c", 1}, {"[abc", "b", 1}, {"[abc", "a", 1}, {"[abc", "Z", 0}, {"[abc", "^", 0},
    {"[^", "e", 1}, {"[^", "b", 1}, {"[^", "^", 1}, {"[^", "abc", 0}, {"[^", "HELLO", 0},
    {"[", "a-", 0}, {"[", "d", 0},
    {"[^]", "b", 1}, {"[^]", "A", 1}, {"[^]", "e", 1}, {"[^]", "aaab", 0}, {"[^]", "*b", 0},
    {"*[", "a]", 0}, {"*[", "hxllo", 0},
    {"a[b-d]*e", "abcde", 1}, {"a[b-d]*e", "abde", 1}, {"a[b-d]*e", "a", 0}, {"a[b-d]*e", "*b", 0},
    {"*\\**", "*b", 1}, {"*\\**", "*", 1}, {"*\\**", "axc", 0}, {"*\\**", "[abc", 0},
    {"h[ae]llo", "hello", 1}, {"h[ae]llo", "hallo", 1}, {"h[ae]llo", "aaab", 0}, {"h[ae]llo", "acb", 0},
    {"h[^e]llo", "hallo", 1}, {"h[^e]llo", "hxllo", 1}, {"h[^e]llo", "xy", 0}, {"h[^e]llo", "[abc", 0},
    {"h*llo", "hello", 1}, {"h*llo", "hxllo", 1}, {"h*llo", "hallo", 1}, {"h*llo", "a]", 0}, {"h*llo", "aaab", 0},
    {"[\\-]", "-", 1}, {"[\\-]", "a]", 0}, {"[\\-]", "!", 0},
    {"[a\\-z]", "-", 1}, {"[a\\-z]", "a", 1}, {"[a\\-z]", "A", 0}, {"[a\\-z]", "x[y", 0},
    {"[!a]", "a", 1}, {"[!a]", "!", 1}, {"[!a]", "abc", 0}, {"[!a]", "*", 0},
    {"[[]", "[", 1}, {"[[]", "^", 0}, {"[[]", "", 0},
    {"[[a]]", "a]", 1}, {"[[a]]", "[", 0}, {"[[a]]", "hello", 0},
    {"[[]a]", "[a]", 1}, {"[[]a]", "", 0}, {"[[]a]", "]", 0},
    {"a*a*a*b", "aaab", 1}, {"a*a*a*b", "e", 0}, {"a*a*a*b", "A", 0},
    {"*?", "aaaa", 1}, {"*?", "]", 1}, {"*?", "[abc", 1}, {"*?", "", 0},
    {"?*", "a-", 1}, {"?*", "!", 1}, {"?*", "x[y", 1}, {"?*", "", 0},
    {"[A-Z]", "Z", 1}, {"[A-Z]", "A", 1}, {"[A-Z]", "abc", 0}, {"[A-Z]", "bab", 0},
    {"[a-z]", "d", 1}, {"[a-z]", "a", 1}, {"[a-z]", "e", 1}, {"[a-z]", "acb", 0}, {"[a-z]", "hallo", 0},
    {"\\a", "a", 1}, {"\\a", "[", 0}, {"\\a", "acb", 0},
    {"[\\a]", "a", 1}, {"[\\a]", "d", 0}, {"[\\a]", "axc", 0},
    {"x[y", "xy", 1}, {"x[y", "]", 0}, {"x[y", "e", 0},
    {"*[b]", "b", 1}, {"*[b]", "acb", 1}, {"*[b]", "bab", 1}, {"*[b]", "c", 0}, {"*[b]", "[abc", 0},
    {"[^a-c]*", "-", 1}, {"[^a-c]*", "^", 1}, {"[^a-c]*", "A", 1}, {"[^a-c]*", "b", 0}, {"[^a-c]*", "abde", 0},
    {"*b*", "aaab", 1}, {"*b*", "abde", 1}, {"*b*", "bab", 1}, {"*b*", "HELLO", 0}, {"*b*", "d", 0},
    {"a**b", "ab", 1}, {"a**b", "acb", 1}, {"a**b", "aaab", 1}, {"a**b", "[abc", 0}, {"a**b", "abde", 0},
    {"[-a]", "a", 1}, {"[-a]", "-", 1}, {"[-a]", "axc", 0}, {"[-a]", "abcde", 0},
    {"[a-c-e]", "c", 1}, {"[a-c-e]", "-", 1}, {"[a-c-e]", "e", 1}, {"[a-c-e]", "?", 0}, {"[a-c-e]", "d", 0},
    {"[--/]", "-", 1}, {"[--/]", "^", 0}, {"[--/]", "A", 0},
};;

static void test_glob(void) {
    for (size_t i = 0; i < sizeof(globs) / sizeof(globs[0]); i++)
        is_int(str_match(globs[i].pat, strlen(globs[i].pat), globs[i].s, strlen(globs[i].s), 0), globs[i].match,
               "match(\"%s\", \"%s\")", globs[i].pat, globs[i].s);
    ok(str_match("H*LLO", 5, "hello", 5, 1), "nocase literal");
    ok(!str_match("H*LLO", 5, "hello", 5, 0), "case matters without nocase");
    ok(str_match("[A-C]x", 6, "bX", 2, 1), "nocase range");
    ok(str_match("[a-c]", 5, "B", 1, 1), "nocase range folds the subject");
    ok(!str_match("[\\A]", 4, "a", 1, 1), "escaped byte in a class is compared case-sensitively (as Redis)");
    ok(str_match("[^a]", 4, "A", 1, 0) && !str_match("[^a]", 4, "A", 1, 1), "nocase negated class");
    ok(str_match("a\0b", 3, "a\0b", 3, 0), "binary-safe pattern and subject");
    ok(!str_match("a\0b", 3, "a", 1, 0), "NUL in the pattern is a literal byte");
    ok(str_match("a?c", 3, "a\0c", 3, 0), "? matches NUL");
    ok(str_match("", 0, "", 0, 0), "empty matches empty");
    ok(!str_match("*", 1, "", 0, 0), "'*' does not match the empty string (Redis: callers special-case it)");
    ok(!str_match("", 0, "a", 1, 0), "empty pattern vs non-empty");
    ok(str_match("[[]]", 4, "[]", 2, 0), "'[' inside a class, then a literal ']'");
    ok(str_match("[a-c][x-z]*[0-9]", 16, "bz--7", 5, 0), "classes and star");
    ok(str_match("\\[a\\]", 5, "[a]", 3, 0), "escaped brackets");
    ok(str_match("[\\^]", 4, "^", 1, 0) && !str_match("[\\^]", 4, "a", 1, 0), "escaped ^ is literal");
    ok(str_match("*\\*", 3, "ab*", 3, 0) && !str_match("*\\*", 3, "abc", 3, 0), "escaped star");

    /* many stars against a long non-matching string must stay fast */
    char s[4001];
    memset(s, 'a', 4000);
    s[4000] = 0;
    const char *evil = "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
    uint64_t t0 = util_monotonic_us();
    ok(!str_match(evil, strlen(evil), s, 4000, 0), "pathological pattern does not match");
    ok(util_monotonic_us() - t0 < 2000000, "and returns quickly (%llu us)",
       (unsigned long long)(util_monotonic_us() - t0));
    char deep[2100];
    for (int i = 0; i < 1050; i++) deep[2 * i] = '*', deep[2 * i + 1] = 'a';
    ok(!str_match(deep, 2100, s, 1100, 0), "nesting beyond 1000 stars gives up (as Redis)");
    ok(str_match(deep, 200, s, 1100, 0), "100 nested stars still match");
}

static void test_memory(void) {
    static const struct {
        const char *s;
        int ok;
        long long v;
    } c[] = {
        {"0", 1, 0},
        {"100", 1, 100},
        {"1b", 1, 1},
        {"1k", 1, 1000},
        {"1kb", 1, 1024},
        {"1K", 1, 1000},
        {"1KB", 1, 1024},
        {"1kB", 1, 1024},
        {"2m", 1, 2000000},
        {"2mb", 1, 2 * 1024 * 1024},
        {"3g", 1, 3000000000LL},
        {"3GB", 1, 3LL * 1024 * 1024 * 1024},
        {"-1", 1, -1},
        {"-5mb", 1, -5 * 1024 * 1024},
        {"010", 1, 10},
        {"", 0, 0},
        {"kb", 0, 0},
        {"-", 0, 0},
        {"1 kb", 0, 0},
        {" 1", 0, 0},
        {"1kbb", 0, 0},
        {"1t", 0, 0},
        {"1.5mb", 0, 0},
        {"+1", 0, 0},
        {"9223372036854775807", 1, INT64_MAX},
        {"9223372036854775808", 0, 0},
        {"9007199254740992kb", 0, 0},
        {"8589934591gb", 1, 8589934591LL * 1024 * 1024 * 1024},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        long long v = -7;
        int r = str_to_memory(c[i].s, &v);
        is_int(r, c[i].ok, "str_to_memory(\"%s\") %s", c[i].s, c[i].ok ? "accepts" : "rejects");
        if (c[i].ok) is_int(v, c[i].v, "str_to_memory(\"%s\") value", c[i].s);
    }
}

static void test_clocks_random(void) {
    uint64_t us = util_ustime(), ms = util_mstime();
    ok(us > 1600000000ULL * 1000000, "ustime is wall clock microseconds");
    ok(ms >= us / 1000 && ms - us / 1000 < 1000, "mstime agrees with ustime");
    uint64_t m0 = util_monotonic_us();
    usleep(2000);
    uint64_t m1 = util_monotonic_us();
    ok(m1 - m0 >= 2000 && m1 - m0 < 2000000, "monotonic advances by the sleep (%llu us)",
       (unsigned long long)(m1 - m0));

    unsigned char a[32] = {0}, b[32] = {0};
    util_random_bytes(a, sizeof(a));
    util_random_bytes(b, sizeof(b));
    ok(memcmp(a, b, sizeof(a)) != 0, "two random draws differ");
    int hist[256] = {0}, distinct = 0;
    unsigned char many[4096];
    util_random_bytes(many, sizeof(many));
    for (size_t i = 0; i < sizeof(many); i++) distinct += hist[many[i]]++ == 0;
    ok(distinct > 240, "random bytes cover the byte range (%d distinct of 256)", distinct);
    util_random_bytes(NULL, 0);
    ok(1, "zero-length random draw");

    char hex[41 + 1];
    memset(hex, 'Z', sizeof(hex));
    util_random_hex(hex, 40);
    int good = hex[40] == '\0' && hex[41] == 'Z';
    for (int i = 0; i < 40; i++) good &= (hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f');
    ok(good, "random_hex: 40 lowercase hex chars, terminated, no overrun");
    char bighex[201];
    util_random_hex(bighex, 200);
    is_int(strlen(bighex), 200, "random_hex longer than one chunk");
}

int main(void) {
    test_str_to_ll();
    test_ll_to_str();
    test_doubles();
    test_long_doubles();
    test_glob();
    test_memory();
    test_clocks_random();
    return done_testing();
}
