/*
 * tests/unit/test_resp.c — net/resp request reader.
 *
 * Every case is fed whole, split in two at every byte, byte by byte, and in
 * random read()-like chunks through resp_reader_space/commit: all must give
 * the same commands and the same final status.  Then: Redis's error texts,
 * limits, pipelines, big and binary bulks (zero-copy for big ones), and a
 * differential fuzz over random buffers.
 */
#include "net/resp.h"

#include "engine/mem.h"
#include "tests/tap.h"

#include <stdint.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Canonical text of a command: "[arg][arg];", bytes outside 0x20..0x7e and
 * the brackets and backslash as \xNN. */
static sds canon_cmd(sds out, int argc, sds *argv) {
    for (int i = 0; i < argc; i++) {
        out = sds_cat(out, "[");
        for (size_t j = 0; j < sds_len(argv[i]); j++) {
            unsigned char c = (unsigned char)argv[i][j];
            if (c < 0x20 || c > 0x7e || c == '[' || c == ']' || c == '\\')
                out = sds_catprintf(out, "\\x%02x", c);
            else
                out = sds_catlen(out, &c, 1);
        }
        out = sds_cat(out, "]");
    }
    return sds_cat(out, ";");
}

/* Run next() until it wants input or fails; returns 0 or -1. */
static int drain(resp_reader *r, sds *out) {
    int argc, rc;
    sds *argv;
    const char *err;
    while ((rc = resp_reader_next(r, &argc, &argv, &err)) == 1) {
        if (argc < 1 || !argv) *out = sds_cat(*out, "<bad argc>");
        *out = canon_cmd(*out, argc, argv);
        resp_argv_free(argc, argv);
    }
    if (rc < 0) *out = sds_catprintf(*out, "|err=%s", err);
    else if (rc != 0) *out = sds_catprintf(*out, "|rc=%d", rc);
    else if (argc != 0 || argv) *out = sds_cat(*out, "<bad 0>");
    return rc;
}

static sds finish(resp_reader *r, sds out, int rc) {
    if (rc == 0) out = sds_cat(out, "|more");
    resp_reader_free(r);
    return out;
}

/* Feed through space/commit, pieces of at most `step` (0 = random). */
static int feed_space(resp_reader *r, const char *in, size_t n, size_t step, sds *out) {
    size_t off = 0;
    int rc = 0;
    while (off < n) {
        size_t avail;
        char *p = resp_reader_space(r, &avail);
        size_t k = step ? step : 1 + rnd() % 40000;
        if (k > avail) k = avail;
        if (k > n - off) k = n - off;
        memcpy(p, in + off, k);
        resp_reader_commit(r, k);
        off += k;
        if ((rc = drain(r, out)) < 0) break;
    }
    return rc;
}

static sds run_whole(const char *in, size_t n, const resp_limits *lim) {
    resp_reader r;
    resp_reader_init(&r, lim);
    sds out = sds_empty();
    resp_reader_feed(&r, in, n);
    return finish(&r, out, drain(&r, &out));
}

static sds run_split(const char *in, size_t n, size_t k, const resp_limits *lim) {
    resp_reader r;
    resp_reader_init(&r, lim);
    sds out = sds_empty();
    resp_reader_feed(&r, in, k);
    int rc = drain(&r, &out);
    if (rc == 0) {
        resp_reader_feed(&r, in + k, n - k);
        rc = drain(&r, &out);
    }
    return finish(&r, out, rc);
}

static sds run_bytes(const char *in, size_t n, const resp_limits *lim) {
    resp_reader r;
    resp_reader_init(&r, lim);
    sds out = sds_empty();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        resp_reader_feed(&r, in + i, 1);
        rc = drain(&r, &out);
    }
    return finish(&r, out, rc);
}

static sds run_space(const char *in, size_t n, size_t step, const resp_limits *lim) {
    resp_reader r;
    resp_reader_init(&r, lim);
    sds out = sds_empty();
    return finish(&r, out, feed_space(&r, in, n, step, &out));
}

/* The four feeding strategies agree with each other and with `want`. */
static void check_case(const char *name, const char *in, size_t n, const char *want,
                       const resp_limits *lim) {
    sds whole = run_whole(in, n, lim);
    is_str(whole, want, "%s: whole", name);
    int bad = 0;
    size_t step = n > 4096 ? n / 512 + 1 : 1;
    for (size_t k = 0; k <= n && !bad; k += step) {
        sds s = run_split(in, n, k, lim);
        if (strcmp(s, whole) != 0) {
            bad = 1;
            diag("split at %zu: %s", k, s);
        }
        sds_free(s);
    }
    ok(!bad, "%s: split in two at every point", name);
    sds b = run_bytes(in, n, lim);
    is_str(b, whole, "%s: byte by byte", name);
    sds c = run_space(in, n, 0, lim);
    sds d = run_space(in, n, 7, lim);
    ok(strcmp(c, whole) == 0 && strcmp(d, whole) == 0, "%s: through space/commit", name);
    if (strcmp(c, whole) != 0 || strcmp(d, whole) != 0) diag("%s / %s", c, d);
    sds_free(whole);
    sds_free(b);
    sds_free(c);
    sds_free(d);
}

#define CASE(name, lit, want) check_case(name, lit, sizeof(lit) - 1, want, NULL)

static void test_valid(void) {
    CASE("multibulk", "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", "[SET][key][value];|more");
    CASE("inline crlf", "PING\r\n", "[PING];|more");
    CASE("inline lf", "ping\n", "[ping];|more");
    CASE("inline spaces", "  set a   b \r\n", "[set][a][b];|more");
    CASE("inline quotes", "SET \"a b\" 'c d' \"\\x41\\n\"\r\n", "[SET][a b][c d][A\\x0a];|more");
    CASE("inline single quote escape", "SET 'it\\'s'\n", "[SET][it's];|more");
    CASE("inline empty quoted arg", "SET k \"\"\n", "[SET][k][];|more");
    CASE("blank lines skipped", "\r\n\n  \r\n\t\nPING\n", "[PING];|more");
    CASE("empty multibulk skipped", "*0\r\n*-1\r\n*-10\r\n*1\r\n$4\r\nPING\r\n", "[PING];|more");
    CASE("binary bulk", "*2\r\n$3\r\nGET\r\n$6\r\na\r\n\0b\r\r\n", "[GET][a\\x0d\\x0a\\x00b\\x0d];|more");
    CASE("empty bulk", "*2\r\n$3\r\nGET\r\n$0\r\n\r\n", "[GET][];|more");
    CASE("spaces in bulk", "*2\r\n$4\r\nECHO\r\n$5\r\na b c\r\n", "[ECHO][a b c];|more");
    CASE("mixed pipeline", "*1\r\n$4\r\nPING\r\nECHO hi\r\n*2\r\n$4\r\nECHO\r\n$2\r\nyo\r\n",
         "[PING];[ECHO][hi];[ECHO][yo];|more");
    CASE("cr inside inline", "SET a\rb c\n", "[SET][a][b][c];|more");
    CASE("lenient terminators (as Redis)", "*1\rx$4\rxPINGxx", "[PING];|more");
    CASE("NUL ends an inline line", "GET a\0b\r\nPING\r\n", "[GET][a];[PING];|more");
    CASE("inline starting with $", "$3\r\n", "[$3];|more");
    CASE("partial command", "*2\r\n$3\r\nGET\r\n$3\r\nke", "|more");
    CASE("partial inline", "PING", "|more");
    CASE("zero count then inline", "*0\r\nPING\r\n", "[PING];|more");
    CASE("max long long count is invalid", "*9223372036854775807\r\n",
         "|err=invalid multibulk length");
}

static void test_errors(void) {
    CASE("count not a number", "*abc\r\n", "|err=invalid multibulk length");
    CASE("count > INT_MAX", "*3000000000\r\n", "|err=invalid multibulk length");
    CASE("count -0", "*-0\r\n", "|err=invalid multibulk length");
    CASE("count leading zero", "*01\r\n", "|err=invalid multibulk length");
    CASE("count plus sign", "*+1\r\n", "|err=invalid multibulk length");
    CASE("count trailing space", "*1 \r\n", "|err=invalid multibulk length");
    CASE("count leading space", "* 1\r\n", "|err=invalid multibulk length");
    CASE("count empty", "*\r\n", "|err=invalid multibulk length");
    CASE("count overflow", "*9223372036854775808\r\n", "|err=invalid multibulk length");
    CASE("bulk negative", "*1\r\n$-1\r\n", "|err=invalid bulk length");
    CASE("bulk not a number", "*1\r\n$abc\r\n", "|err=invalid bulk length");
    CASE("bulk leading zero", "*1\r\n$01\r\n", "|err=invalid bulk length");
    CASE("bulk empty", "*1\r\n$\r\n", "|err=invalid bulk length");
    CASE("bulk > 512 MiB", "*1\r\n$536870913\r\n", "|err=invalid bulk length");
    CASE("expected $ got f", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
         "|err=expected '$', got 'f'");
    CASE("expected $ got :", "*2\r\n$4\r\nPING\r\n:1\r\n", "|err=expected '$', got ':'");
    CASE("expected $ got CR", "*1\r\n\r\n", "|err=expected '$', got ' '");
    CASE("expected $ got LF", "*1\r\n\n\r\n", "|err=expected '$', got ' '");
    CASE("expected $ got NUL", "*1\r\n\0\r\n", "|err=expected '$', got '");
    CASE("unbalanced dquote", "SET \"a\r\n", "|err=unbalanced quotes in request");
    CASE("unbalanced squote", "SET 'a\n", "|err=unbalanced quotes in request");
    CASE("closing quote then char", "SET \"a\"b\r\n", "|err=unbalanced quotes in request");
    CASE("commands before an error come first", "PING\r\n*x\r\nPING\r\n",
         "[PING];|err=invalid multibulk length");
    CASE("max long long bulk", "*1\r\n$9223372036854775807\r\n", "|err=invalid bulk length");
}

/* The "too big" errors fire only once more than inline_max_size bytes wait
 * without their line end, exactly as in Redis (> 64 KiB). */
static void test_too_big(void) {
    size_t big = RESP_INLINE_MAX;
    char *s = malloc(big + 100);
    const char *err;
    int argc;
    sds *argv;
    resp_reader r;

    memset(s, 'A', big + 100);
    resp_reader_init(&r, NULL);
    resp_reader_feed(&r, s, big);
    is_int(resp_reader_next(&r, &argc, &argv, &err), 0, "inline: 64 KiB without newline waits");
    is_int(resp_reader_buffered(&r), big, "buffered counts them");
    resp_reader_feed(&r, "A", 1);
    is_int(resp_reader_next(&r, &argc, &argv, &err), -1, "one more byte: error");
    is_str(err, "too big inline request", "too big inline request");
    is_int(resp_reader_next(&r, &argc, &argv, &err), -1, "error is sticky");
    ok(argc == 0 && argv == NULL, "no argv with an error");
    is_str(err, "too big inline request", "same message");
    resp_reader_free(&r);

    /* A long line whose newline arrives with it is fine (Redis too). */
    memcpy(s + big, "\r\n", 2);
    sds want = sds_empty();
    sds line = sds_newlen(s, big);
    want = canon_cmd(want, 1, &line);
    want = sds_cat(want, "|more");
    sds got = run_whole(s, big + 2, NULL);
    is_str(got, want, "64 KiB inline line with its newline parses");
    sds_free(got);
    got = run_space(s, big + 2, 0, NULL);
    is_str(got, want, "same through 16 KiB reads");
    sds_free(got);
    sds_free(want);
    sds_free(line);

    s[0] = '*';
    memset(s + 1, '1', big + 99);
    resp_reader_init(&r, NULL);
    resp_reader_feed(&r, s, big);
    is_int(resp_reader_next(&r, &argc, &argv, &err), 0, "count line: 64 KiB waits");
    resp_reader_feed(&r, s + big, 1);
    is_int(resp_reader_next(&r, &argc, &argv, &err), -1, "then fails");
    is_str(err, "too big mbulk count string", "too big mbulk count string");
    resp_reader_free(&r);

    memcpy(s, "*1\r\n$", 5);
    resp_reader_init(&r, NULL);
    resp_reader_feed(&r, s, big + 4);
    is_int(resp_reader_next(&r, &argc, &argv, &err), 0, "bulk count line: 64 KiB waits");
    resp_reader_feed(&r, s + big + 4, 1);
    is_int(resp_reader_next(&r, &argc, &argv, &err), -1, "then fails");
    is_str(err, "too big bulk count string", "too big bulk count string");
    resp_reader_free(&r);

    /* A long count line with its '\r' is just an invalid number. */
    memcpy(s + big + 10, "\r\n", 2);
    got = run_whole(s, big + 12, NULL);
    is_str(got, "|err=invalid bulk length", "long bulk count line with CR: invalid bulk length");
    sds_free(got);

    /* Byte-by-byte over a 60 KiB line stays linear (the scan is resumed). */
    memset(s, 'b', 60000);
    s[60000] = '\n';
    double t0 = now_s();
    got = run_bytes(s, 60001, NULL);
    double dt = now_s() - t0;
    ok(strncmp(got, "[bbbb", 5) == 0, "60 KiB inline line byte by byte parses");
    ok(dt < 2.0, "and is not quadratic (%.3f s)", dt);
    sds_free(got);
    free(s);
}

static void test_limits(void) {
    resp_limits lim;
    resp_limits_default(&lim);
    is_int(lim.proto_max_bulk_len, 512LL * 1024 * 1024, "default proto-max-bulk-len");
    is_int(lim.max_multibulk_len, 2147483647LL, "default multibulk count (INT_MAX)");
    is_int(lim.inline_max_size, 65536, "default inline max");
    is_int(lim.auth_required, 0, "no auth by default");

    lim.auth_required = 1;
    check_case("unauth 10 args ok",
               "*10\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
               "$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n",
               (size_t)strlen("*10\r\n") + 10 * 7, "[a][a][a][a][a][a][a][a][a][a];|more", &lim);
    check_case("unauth 11 args", "*11\r\n", 6, "|err=unauthenticated multibulk length", &lim);
    check_case("unauth invalid first", "*3000000000\r\n", 14, "|err=invalid multibulk length", &lim);
    check_case("unauth bulk 16385", "*1\r\n$16385\r\n", 13, "|err=unauthenticated bulk length",
               &lim);
    check_case("unauth bulk > max: invalid first", "*1\r\n$536870913\r\n", 17,
               "|err=invalid bulk length", &lim);

    /* AUTH lifts the limits for the next command of the same pipeline. */
    const char *pipe = "*2\r\n$4\r\nAUTH\r\n$1\r\np\r\n*11\r\n";
    resp_reader r;
    int argc;
    sds *argv;
    const char *err;
    resp_reader_init(&r, &lim);
    resp_reader_feed(&r, pipe, strlen(pipe));
    is_int(resp_reader_next(&r, &argc, &argv, &err), 1, "AUTH parsed under the limits");
    resp_argv_free(argc, argv);
    r.limits.auth_required = 0;
    is_int(resp_reader_next(&r, &argc, &argv, &err), 0, "*11 accepted after AUTH");
    resp_reader_free(&r);

    resp_limits_default(&lim);
    lim.proto_max_bulk_len = 10;
    lim.max_multibulk_len = 2;
    check_case("bulk at custom max", "*1\r\n$10\r\n0123456789\r\n", 22, "[0123456789];|more", &lim);
    check_case("bulk over custom max", "*1\r\n$11\r\n", 9, "|err=invalid bulk length", &lim);
    check_case("count at custom max", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", 18, "[a][b];|more", &lim);
    check_case("count over custom max", "*3\r\n", 4, "|err=invalid multibulk length", &lim);
    lim.inline_max_size = 8;
    check_case("inline at custom max", "12345678", 8, "|more", &lim);
    check_case("inline over custom max", "123456789", 9, "|err=too big inline request", &lim);
}

/* Space/commit: 16 KiB offers, exact offers during a big bulk, accounting. */
static void test_buffer(void) {
    resp_reader r;
    size_t avail;
    int argc;
    sds *argv;
    const char *err;
    resp_reader_init(&r, NULL);
    char *p = resp_reader_space(&r, &avail);
    is_int(avail, RESP_IOBUF_LEN, "space offers 16 KiB");
    const char *hdr = "*2\r\n$3\r\nSET\r\n$40000\r\nabc";
    memcpy(p, hdr, strlen(hdr));
    resp_reader_commit(&r, strlen(hdr));
    is_int(resp_reader_next(&r, &argc, &argv, &err), 0, "big bulk started");
    is_int(resp_reader_argv_bytes(&r), 3, "argv bytes of the partial command");
    is_int(resp_reader_buffered(&r), 3, "buffered: the bulk bytes only");
    char *start = r.buf;
    p = resp_reader_space(&r, &avail);
    is_int(avail, 40002 - 3, "space offers exactly the rest of the bulk");
    ok(p == start + 3, "in place after the bulk's first bytes");
    memset(p, 'x', avail);
    memcpy(p + avail - 2, "\r\n", 2);
    resp_reader_commit(&r, avail);
    is_int(resp_reader_next(&r, &argc, &argv, &err), 1, "big bulk complete");
    ok(argc == 2 && argv[1] == start, "the buffer became the argument (no copy)");
    ok(sds_len(argv[1]) == 40000 && memcmp(argv[1], "abcxxx", 6) == 0 && argv[1][39999] == 'x',
       "content");
    resp_argv_free(argc, argv);
    is_int(resp_reader_buffered(&r), 0, "nothing buffered");
    is_int(resp_reader_argv_bytes(&r), 0, "no partial argv");
    p = resp_reader_space(&r, &avail);
    is_int(avail, RESP_IOBUF_LEN, "back to 16 KiB offers");
    resp_reader_free(&r);
    resp_reader_free(NULL);

    /* Big bulk whose bytes are already all there: a plain copy. */
    sds in = sds_new("*1\r\n$40000\r\n");
    in = sds_growzero(in, sds_len(in) + 40000);
    in = sds_cat(in, "\r\n*1\r\n$4\r\nPING\r\n");
    resp_reader_init(&r, NULL);
    resp_reader_feed(&r, in, sds_len(in));
    is_int(resp_reader_next(&r, &argc, &argv, &err), 1, "big bulk present at once");
    ok(argc == 1 && sds_len(argv[0]) == 40000, "length");
    resp_argv_free(argc, argv);
    is_int(resp_reader_next(&r, &argc, &argv, &err), 1, "next command");
    ok(argc == 1 && strcmp(argv[0], "PING") == 0, "PING");
    resp_argv_free(argc, argv);
    resp_reader_free(&r);
    sds_free(in);

    /* Free with a partial command inside (ASan checks the leak). */
    resp_reader_init(&r, NULL);
    const char *part = "*3\r\n$1\r\na\r\n$1\r\nb\r\n$5\r\nab";
    resp_reader_feed(&r, part, strlen(part));
    is_int(resp_reader_next(&r, &argc, &argv, &err), 0, "partial");
    is_int(resp_reader_argv_bytes(&r), 2, "two args held");
    ok(resp_reader_mem(&r) > 0, "mem accounted");
    resp_reader_free(&r);
}

/* Build a multibulk command. */
static sds enc(sds out, int argc, sds *argv) {
    out = sds_catprintf(out, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        out = sds_catprintf(out, "$%zu\r\n", sds_len(argv[i]));
        out = sds_catlen(out, argv[i], sds_len(argv[i]));
        out = sds_cat(out, "\r\n");
    }
    return out;
}

static void test_pipeline(void) {
    int n = 100000;
    sds in = sds_empty(), want = sds_empty();
    for (int i = 0; i < n; i++) {
        if (i % 3 == 2) {
            in = sds_catprintf(in, "SET key:%d \"v %d\"\r\n", i, i);
        } else {
            sds a[3] = {sds_new("SET"), sds_catprintf(sds_empty(), "key:%d", i),
                        sds_catprintf(sds_empty(), "v %d", i)};
            in = enc(in, 3, a);
            for (int j = 0; j < 3; j++) sds_free(a[j]);
        }
        want = sds_catprintf(want, "[SET][key:%d][v %d];", i, i);
    }
    want = sds_cat(want, "|more");
    double t0 = now_s();
    sds got = run_whole(in, sds_len(in), NULL);
    double dt = now_s() - t0;
    ok(strcmp(got, want) == 0, "100k-command pipeline in one buffer");
    ok(dt < 3.0, "in linear time (%.3f s)", dt);
    sds_free(got);

    /* Same through 16 KiB reads; the buffer stays small. */
    resp_reader r;
    resp_reader_init(&r, NULL);
    got = sds_empty();
    size_t off = 0, maxmem = 0;
    int rc = 0;
    t0 = now_s();
    while (off < sds_len(in) && rc == 0) {
        size_t avail;
        char *p = resp_reader_space(&r, &avail);
        size_t k = avail < sds_len(in) - off ? avail : sds_len(in) - off;
        memcpy(p, in + off, k);
        resp_reader_commit(&r, k);
        off += k;
        rc = drain(&r, &got);
        if (resp_reader_mem(&r) > maxmem) maxmem = resp_reader_mem(&r);
    }
    dt = now_s() - t0;
    got = finish(&r, got, rc);
    ok(strcmp(got, want) == 0, "pipeline through 16 KiB reads");
    ok(maxmem < 128 * 1024, "consumed bytes do not accumulate (peak %zu bytes)", maxmem);
    ok(dt < 3.0, "linear (%.3f s)", dt);
    sds_free(got);

    /* 10k pipeline split at random points. */
    size_t cut = sds_len(in) / 10;
    int bad = 0;
    for (int i = 0; i < 20 && !bad; i++) {
        size_t k = rnd() % cut;
        sds s = run_split(in, cut, k, NULL);
        sds w = run_whole(in, cut, NULL);
        bad = strcmp(s, w) != 0;
        sds_free(s);
        sds_free(w);
    }
    ok(!bad, "10k pipeline split at 20 random points");
    sds_free(in);
    sds_free(want);
}

/* Every byte value inside bulks of sizes around the big-arg threshold,
 * through random reads. */
static void test_binary_and_sizes(void) {
    static const size_t sizes[] = {0, 1, 2, 255, 256, 16383, 16384, RESP_BIG_ARG - 1, RESP_BIG_ARG,
                                   RESP_BIG_ARG + 1, 100000, 1 << 20};
    int bad = 0;
    for (size_t si = 0; si < sizeof(sizes) / sizeof(*sizes); si++) {
        sds a[3];
        a[0] = sds_new("SET");
        a[1] = sds_newlen("k\r\n\0", 4);
        a[2] = sds_newlen(NULL, sizes[si]);
        for (size_t j = 0; j < sizes[si]; j++) a[2][j] = (char)(j * 7 + (j >> 8));
        sds in = enc(sds_empty(), 3, a);
        in = enc(in, 3, a);
        sds want = canon_cmd(sds_empty(), 3, a);
        want = canon_cmd(want, 3, a);
        want = sds_cat(want, "|more");
        for (int t = 0; t < 6; t++) {
            sds got = t == 0 ? run_whole(in, sds_len(in), NULL)
                             : t == 1 ? run_space(in, sds_len(in), 4096, NULL)
                                      : run_space(in, sds_len(in), 0, NULL);
            if (strcmp(got, want) != 0) {
                bad++;
                diag("size %zu mode %d mismatch", sizes[si], t);
            }
            sds_free(got);
        }
        if (sizes[si] <= RESP_BIG_ARG + 1 && sizes[si] >= RESP_BIG_ARG - 1) {
            sds got = run_bytes(in, sds_len(in), NULL);
            if (strcmp(got, want) != 0) bad++, diag("size %zu bytewise mismatch", sizes[si]);
            sds_free(got);
        }
        for (int j = 0; j < 3; j++) sds_free(a[j]);
        sds_free(in);
        sds_free(want);
    }
    is_int(bad, 0, "binary bulks of 0 B .. 1 MiB, whole / 4 KiB / random / bytewise reads");
}

/* 100 MB bulk: linear time, zero copy, exact content. */
static void test_huge_bulk(void) {
    const size_t n = 100u << 20;
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++) data[i] = (char)(i * 131 + (i >> 13));
    char hdr[64];
    int hl = snprintf(hdr, sizeof(hdr), "*2\r\n$3\r\nSET\r\n$%zu\r\n", n);
    resp_reader r;
    resp_reader_init(&r, NULL);
    int argc = 0, rc = 0;
    sds *argv = NULL;
    const char *err;
    double t0 = now_s();
    resp_reader_feed(&r, hdr, (size_t)hl);
    rc = resp_reader_next(&r, &argc, &argv, &err);
    is_int(rc, 0, "100 MB bulk: header parsed, waiting");
    char *start = r.buf;
    size_t off = 0, reads = 0;
    while (rc == 0) {
        size_t avail;
        char *p = resp_reader_space(&r, &avail);
        size_t k = avail < (1u << 20) ? avail : (1u << 20); /* reads of <= 1 MiB */
        if (off < n) {
            if (k > n - off) k = n - off;
            memcpy(p, data + off, k);
            off += k;
        } else {
            k = 2;
            memcpy(p, "\r\n", 2);
        }
        resp_reader_commit(&r, k);
        reads++;
        rc = resp_reader_next(&r, &argc, &argv, &err);
    }
    double dt = now_s() - t0;
    is_int(rc, 1, "100 MB bulk: command complete after %zu reads", reads);
    ok(dt < 5.0, "in linear time (%.3f s)", dt);
    ok(argc == 2 && sds_len(argv[1]) == n && memcmp(argv[1], data, n) == 0, "content intact");
    ok(argv[1] == start, "argument is the read buffer itself (no copy)");
    resp_argv_free(argc, argv);
    ok(resp_reader_mem(&r) < 64 * 1024, "reader memory back to small");
    resp_reader_free(&r);

    /* The same through feed() in 64 KiB pieces (copying path): linear too. */
    resp_reader_init(&r, NULL);
    t0 = now_s();
    resp_reader_feed(&r, hdr, (size_t)hl);
    rc = 0;
    for (off = 0; off < n && rc == 0; off += 65536) {
        resp_reader_feed(&r, data + off, n - off < 65536 ? n - off : 65536);
        rc = resp_reader_next(&r, &argc, &argv, &err);
    }
    resp_reader_feed(&r, "\r\n", 2);
    rc = resp_reader_next(&r, &argc, &argv, &err);
    dt = now_s() - t0;
    ok(rc == 1 && argc == 2 && sds_len(argv[1]) == n && memcmp(argv[1], data, n) == 0,
       "100 MB bulk through feed(): correct");
    ok(dt < 5.0, "linear (%.3f s)", dt);
    resp_argv_free(argc, argv);
    resp_reader_free(&r);
    free(data);
}

/* Random buffers made of protocol-ish tokens: never crash, end in 0 or -1
 * with a known message, and chunking never changes the outcome. */
static const char *const tokens[] = {
    "*", "$", "\r\n", "\r", "\n", "0", "1", "2", "3", "9", "-", "\"", "'", "\\", " ", "a",
    "SET", "*2\r\n", "$3\r\nfoo\r\n", "$0\r\n\r\n", "*1\r\n", "\\x4", "\\x41", "\t", "$-1\r\n",
    "*-1\r\n", "99999999999999999999", "PING\r\n", "\"a b\" ", "*0\r\n", "\0", "$1\r\n",
};
static const char *const known[] = {
    "too big inline request", "unbalanced quotes in request", "too big mbulk count string",
    "invalid multibulk length", "too big bulk count string", "expected '$', got '",
    "invalid bulk length",
};

static int known_outcome(const char *s) {
    const char *e = strstr(s, "|err=");
    if (!e) return strstr(s, "|more") != NULL && !strstr(s, "<bad");
    for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
        if (strncmp(e + 5, known[i], strlen(known[i])) == 0) return 1;
    return 0;
}

static void test_fuzz(void) {
    int iters = 300000, bad_outcome = 0, bad_diff = 0;
    char buf[512];
    double t0 = now_s();
    for (int it = 0; it < iters; it++) {
        size_t n = 0;
        int ntok = (int)(rnd() % 16);
        for (int t = 0; t < ntok; t++) {
            if (rnd() % 8 == 0) {
                buf[n++] = (char)rnd();
                continue;
            }
            size_t ti = rnd() % (sizeof(tokens) / sizeof(*tokens));
            size_t tl = tokens[ti][0] ? strlen(tokens[ti]) : 1; /* the "\0" token */
            memcpy(buf + n, tokens[ti], tl);
            n += tl;
        }
        sds a = run_whole(buf, n, NULL);
        sds b = (it & 1) ? run_bytes(buf, n, NULL) : run_split(buf, n, n ? rnd() % n : 0, NULL);
        if (!known_outcome(a) && bad_outcome++ < 5) diag("bad outcome: %s", a);
        if (strcmp(a, b) != 0 && bad_diff++ < 5) diag("chunking changed the outcome: %s vs %s", a, b);
        sds_free(a);
        sds_free(b);
    }
    is_int(bad_outcome, 0, "fuzz: %d random buffers end in a command list + 0 or a known error", iters);
    is_int(bad_diff, 0, "fuzz: chunking never changes the outcome");

    /* Mutations of valid pipelines. */
    sds base = sds_empty();
    for (int i = 0; i < 4; i++) {
        sds a[2] = {sds_new("ECHO"), sds_catprintf(sds_empty(), "x\r\ny%d", i)};
        base = enc(base, 2, a);
        base = sds_cat(base, "PING \"q\"\r\n");
        sds_free(a[0]);
        sds_free(a[1]);
    }
    bad_outcome = bad_diff = 0;
    for (int it = 0; it < 100000; it++) {
        sds m = sds_dup(base);
        int flips = 1 + (int)(rnd() % 3);
        for (int f = 0; f < flips; f++) m[rnd() % sds_len(m)] = (char)rnd();
        sds a = run_whole(m, sds_len(m), NULL);
        sds b = run_space(m, sds_len(m), 1 + rnd() % 9, NULL);
        if (!known_outcome(a)) bad_outcome++;
        if (strcmp(a, b) != 0 && bad_diff++ < 5) diag("mutation: %s vs %s", a, b);
        sds_free(a);
        sds_free(b);
        sds_free(m);
    }
    sds_free(base);
    is_int(bad_outcome, 0, "mutated pipelines: known outcomes");
    is_int(bad_diff, 0, "mutated pipelines: chunking never changes the outcome");
    diag("fuzz took %.1f s", now_s() - t0);
}

/* Random valid commands with random argument sizes, random reads. */
static void test_roundtrip(void) {
    int bad = 0;
    for (int it = 0; it < 200; it++) {
        sds in = sds_empty(), want = sds_empty();
        int ncmd = 1 + (int)(rnd() % 5);
        for (int c = 0; c < ncmd; c++) {
            int argc = 1 + (int)(rnd() % 5);
            sds a[5];
            for (int i = 0; i < argc; i++) {
                size_t len = rnd() % 4 == 0 ? rnd() % 70000 : rnd() % 20;
                a[i] = sds_newlen(NULL, len);
                for (size_t j = 0; j < len; j++) a[i][j] = (char)rnd();
            }
            in = enc(in, argc, a);
            want = canon_cmd(want, argc, a);
            for (int i = 0; i < argc; i++) sds_free(a[i]);
        }
        want = sds_cat(want, "|more");
        sds got = run_space(in, sds_len(in), 0, NULL);
        if (strcmp(got, want) != 0) bad++;
        sds_free(got);
        sds_free(in);
        sds_free(want);
    }
    is_int(bad, 0, "200 random pipelines (args up to 70 KB) survive random reads");
}

int main(void) {
    test_valid();
    test_errors();
    test_too_big();
    test_limits();
    test_buffer();
    test_pipeline();
    test_binary_and_sizes();
    test_huge_bulk();
    test_fuzz();
    test_roundtrip();
    return done_testing();
}
