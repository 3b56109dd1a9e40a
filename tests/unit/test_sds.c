/* tests/unit/test_sds.c — engine/sds: headers, growth, cat/cpy/printf,
 * range/trim/cmp, repr, splitargs grammar, splitlen. */
#include "engine/mem.h"
#include "engine/sds.h"
#include "tests/tap.h"

static void test_basics(void) {
    sds s = sds_new("foo");
    is_mem(s, sds_len(s), "foo", 3, "sds_new");
    is_int(s[3], 0, "terminated");
    sds_free(s);

    s = sds_newlen("a\0b", 3);
    is_int(sds_len(s), 3, "binary-safe length");
    is_mem(s, 3, "a\0b", 3, "binary-safe bytes");
    sds_free(s);

    s = sds_newlen(NULL, 4);
    is_mem(s, sds_len(s), "\0\0\0\0", 4, "NULL init zero-fills");
    sds_free(s);

    s = sds_new(NULL);
    is_int(sds_len(s), 0, "sds_new(NULL) is empty");
    sds_free(s);
    s = sds_empty();
    is_int(sds_len(s), 0, "sds_empty");
    sds d = sds_dup(s);
    ok(d != s && sds_len(d) == 0, "dup of empty");
    sds_free(d);
    sds_free(s);
    sds_free(NULL);
    ok(1, "sds_free(NULL) is a no-op");

    s = sds_fromll(-9223372036854775807LL - 1);
    is_str(s, "-9223372036854775808", "fromll LLONG_MIN");
    sds_free(s);
    s = sds_fromll(0);
    is_str(s, "0", "fromll 0");
    sds_free(s);
}

static void test_header_types(void) {
    size_t sizes[] = {0, 1, 200, 255, 256, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        sds s = sds_newlen(NULL, sizes[i]);
        size_t hs = (size_t)(s - (char *)sds_alloc_ptr(s));
        size_t want = sizes[i] <= 255 ? 3 : sizes[i] <= 65535 ? 5 : 9;
        is_int(hs, want, "header size for len %zu", sizes[i]);
        is_int(sds_len(s), sizes[i], "len %zu", sizes[i]);
        ok(sds_alloc_size(s) <= mem_usable(sds_alloc_ptr(s)), "alloc_size fits the block");
        sds_free(s);
    }
    /* grow across every header width, content preserved */
    sds s = sds_empty();
    for (int i = 0; i < 100000; i++) s = sds_catlen(s, &"0123456789"[i % 10], 1);
    int good = sds_len(s) == 100000;
    for (int i = 0; good && i < 100000; i++) good = s[i] == "0123456789"[i % 10];
    ok(good, "100000 one-byte appends across 8/16/32-bit headers");
    is_int(s[100000], 0, "terminated after growth");
    sds_free(s);
}

static void test_growth(void) {
    sds s = sds_new("abc");
    s = sds_makeroom(s, 10);
    ok(sds_avail(s) >= 10, "makeroom gives avail >= asked");
    ok(sds_avail(s) >= 13, "makeroom is greedy (doubles)");
    size_t before = sds_alloc_size(s);
    s = sds_makeroom(s, 1);
    is_int(sds_alloc_size(s), before, "makeroom no-op when room exists");
    memcpy(s + 3, "defg", 4);
    sds_incrlen(s, 4);
    is_str(s, "abcdefg", "incrlen after writing into avail");
    sds_incrlen(s, -2);
    is_str(s, "abcde", "negative incrlen");
    s = sds_remove_free(s);
    is_int(sds_avail(s), 0, "remove_free leaves avail 0");
    is_str(s, "abcde", "remove_free keeps bytes");
    s = sds_makeroom_exact(s, 5);
    ok(sds_avail(s) >= 5, "makeroom_exact");
    ok(sds_avail(s) < 5 + 32, "makeroom_exact is not greedy");
    sds_free(s);

    /* big strings grow by +1 MiB, not doubling */
    s = sds_newlen(NULL, 2 * 1024 * 1024);
    s = sds_makeroom(s, sds_avail(s) + 1);
    ok(sds_avail(s) >= 1024 * 1024 && sds_avail(s) < 1024 * 1024 + 8192, "+1 MiB growth above 1 MiB (avail %zu)",
       sds_avail(s));
    sds_free(s);

    /* remove_free can drop to a smaller header */
    s = sds_newlen(NULL, 300);
    sds_setlen(s, 10);
    s = sds_remove_free(s);
    is_int((size_t)(s - (char *)sds_alloc_ptr(s)), 3, "remove_free shrinks the header");
    is_int(sds_len(s), 10, "len kept");
    sds_free(s);

    s = sds_new("ab");
    s = sds_growzero(s, 6);
    is_mem(s, sds_len(s), "ab\0\0\0\0", 6, "growzero");
    s = sds_growzero(s, 2);
    is_int(sds_len(s), 6, "growzero never shrinks");
    sds_free(s);
}

static void test_cat_cpy(void) {
    sds s = sds_new("foo");
    s = sds_cat(s, "bar");
    is_str(s, "foobar", "cat");
    sds t = sds_newlen("\0x", 2);
    s = sds_catsds(s, t);
    is_mem(s, sds_len(s), "foobar\0x", 8, "catsds binary");
    sds_free(t);
    s = sds_cpy(s, "a");
    is_str(s, "a", "cpy shorter");
    s = sds_cpy(s, "xyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyz");
    is_str(s, "xyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyz", "cpy longer");
    sds_clear(s);
    is_int(sds_len(s), 0, "clear");
    is_int(s[0], 0, "clear terminates");
    s = sds_catprintf(s, "%d:%s:%lld", 42, "x", -1LL);
    is_str(s, "42:x:-1", "catprintf");
    s = sds_catprintf(s, "%0300d", 7);
    is_int(sds_len(s), 307, "catprintf grows past avail");
    is_int(s[306], '7', "catprintf last byte");
    sds_free(s);
    s = sds_catprintf(sds_empty(), "%s", "");
    is_int(sds_len(s), 0, "catprintf empty");
    sds_free(s);
}

static void test_range_trim_case(void) {
    struct {
        const char *in;
        long a, b;
        const char *out;
    } c[] = {
        {"hello world", 1, 1, "e"},     {"hello world", 1, -1, "ello world"},
        {"hello world", -2, -1, "ld"},  {"hello world", 2, 1, ""},
        {"hello world", 1, 100, "ello world"}, {"hello world", 100, 100, ""},
        {"hello world", 0, 0, "h"},     {"hello world", -100, -100, ""},
        {"hello world", -100, 2, "hel"}, {"", 0, -1, ""},
        {"hello world", 0, -1, "hello world"},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        sds s = sds_new(c[i].in);
        sds_range(s, c[i].a, c[i].b);
        is_str(s, c[i].out, "range(\"%s\", %ld, %ld)", c[i].in, c[i].a, c[i].b);
        sds_free(s);
    }
    sds s = sds_new("xxciaoyyy");
    s = sds_trim(s, "xy");
    is_str(s, "ciao", "trim");
    s = sds_trim(s, "ciao");
    is_str(s, "", "trim to empty");
    sds_free(s);
    s = sds_new("  a  ");
    s = sds_trim(s, " ");
    is_str(s, "a", "trim spaces");
    sds_free(s);
    s = sds_newlen("\0a\0", 3);
    s = sds_trim(s, "a");
    is_int(sds_len(s), 3, "trim never matches NUL via the cset terminator");
    sds_free(s);

    s = sds_new("MiXeD 123");
    sds_tolower(s);
    is_str(s, "mixed 123", "tolower");
    sds_toupper(s);
    is_str(s, "MIXED 123", "toupper");
    sds_free(s);
}

static void test_cmp(void) {
    sds a = sds_new("foo"), b = sds_new("foa"), c = sds_new("foo"), d = sds_new("fo");
    sds e = sds_newlen("fo\0", 3);
    ok(sds_cmp(a, b) > 0, "foo > foa");
    ok(sds_cmp(b, a) < 0, "foa < foo");
    is_int(sds_cmp(a, c), 0, "foo == foo");
    ok(sds_cmp(d, a) < 0, "prefix sorts first");
    ok(sds_cmp(a, d) > 0, "longer after prefix");
    ok(sds_cmp(d, e) < 0, "binary: fo < fo\\0");
    sds_free(a), sds_free(b), sds_free(c), sds_free(d), sds_free(e);
}

static void test_repr(void) {
    sds s = sds_catrepr(sds_empty(), "a\n\x01\"\\ \t\r\a\b\xff~", 12);
    is_str(s, "\"a\\n\\x01\\\"\\\\ \\t\\r\\a\\b\\xff~\"", "catrepr escapes");
    sds_free(s);
    s = sds_catrepr(sds_new("x="), "", 0);
    is_str(s, "x=\"\"", "catrepr empty appends to s");
    sds_free(s);
    s = sds_catrepr(sds_empty(), "\0", 1);
    is_str(s, "\"\\x00\"", "catrepr NUL");
    sds_free(s);
}

/* Compare sds_splitargs(line) to want[wantn], or expect NULL (wantn < 0). */
static void check_split(const char *line, const char *const *want, int wantn) {
    sds name = sds_catrepr(sds_empty(), line, strlen(line));
    int argc = -1;
    sds *v = sds_splitargs(line, &argc);
    if (wantn < 0) {
        ok(v == NULL, "splitargs(%s) -> NULL", name);
    } else if (ok(v != NULL, "splitargs(%s) parses", name)) {
        is_int(argc, wantn, "splitargs(%s) argc", name);
        for (int i = 0; i < argc && i < wantn; i++)
            is_mem(v[i], sds_len(v[i]), want[i], strlen(want[i]), "splitargs(%s) arg %d", name, i);
    }
    sds_freesplit(v, argc);
    sds_free(name);
}

static void test_splitargs(void) {
    check_split("", NULL, 0);
    check_split("   \t\n ", NULL, 0);
    const char *w1[] = {"set", "key", "value"};
    check_split("  set key   value  ", w1, 3);
    const char *w2[] = {"a b", "c\nd\te\r\\\"", "x"};
    check_split("\"a b\" \"c\\nd\\te\\r\\\\\\\"\" x", w2, 3);
    const char *w3[] = {"\x01\xff", "\\x1", "xzz"};
    check_split("\"\\x01\\xFf\" '\\x1' \"\\xzz\"", w3, 3);
    const char *w4[] = {"it's", "a\\nb"};
    check_split("'it\\'s' 'a\\nb'", w4, 2);
    const char *w5[] = {""};
    check_split("\"\"", w5, 1);
    const char *w5b[] = {"", ""};
    check_split("'' \"\"", w5b, 2);
    const char *w6[] = {"abc d"};
    check_split("ab\"c d\"", w6, 1);
    const char *w7[] = {"\a\b", "q"};
    check_split("\"\\a\\b\"\tq", w7, 2);
    const char *w8[] = {"a", "b"};
    check_split("\"a\"\n'b'", w8, 2);
    check_split("\"unbalanced", NULL, -1);
    check_split("'unbalanced", NULL, -1);
    check_split("\"foo\"bar", NULL, -1);
    check_split("'foo'bar", NULL, -1);
    check_split("ok \"trailing\\\"", NULL, -1);
    check_split("a \"b\"\"c\"", NULL, -1);
}

static void test_splitlen(void) {
    int n = -1;
    sds *v = sds_splitlen("a,b,,c", 6, ",", 1, &n);
    is_int(n, 4, "splitlen count");
    if (n == 4) {
        is_str(v[0], "a", "part 0");
        is_str(v[1], "b", "part 1");
        is_str(v[2], "", "part 2 empty");
        is_str(v[3], "c", "part 3");
    }
    sds_freesplit(v, n);
    v = sds_splitlen("xx--yy--", 8, "--", 2, &n);
    is_int(n, 3, "multi-byte sep, trailing sep gives trailing empty");
    if (n == 3) is_str(v[2], "", "trailing empty");
    sds_freesplit(v, n);
    v = sds_splitlen("", 0, ",", 1, &n);
    ok(v && n == 0, "empty input: empty array");
    sds_freesplit(v, n);
    v = sds_splitlen("abc", 3, "", 0, &n);
    ok(!v && n == 0, "seplen 0: NULL");
    v = sds_splitlen("abc", 3, "abcd", 4, &n);
    ok(v && n == 1 && strcmp(v[0], "abc") == 0, "sep longer than input");
    sds_freesplit(v, n);
    /* many parts: forces the array to grow */
    char buf[2000];
    for (int i = 0; i < 1000; i++) buf[2 * i] = 'a', buf[2 * i + 1] = ' ';
    v = sds_splitlen(buf, 2000, " ", 1, &n);
    is_int(n, 1001, "1001 parts");
    sds_freesplit(v, n);
}

int main(void) {
    size_t used0 = mem_used();
    test_basics();
    test_header_types();
    test_growth();
    test_cat_cpy();
    test_range_trim_case();
    test_cmp();
    test_repr();
    test_splitargs();
    test_splitlen();
    is_int(mem_used(), used0, "no leaks through mem_*");
    return done_testing();
}
