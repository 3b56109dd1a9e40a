/*
 * tests/integration/test_tools.c — the stock Redis tools against strata.
 *
 * Starts $STRATA_SERVER (persistence off) on a free port and checks that
 *   1. redis-cli works non-interactively: commands as arguments, commands on
 *      stdin, -x (value from stdin, binary), -r (repeat), -3 (RESP3 via
 *      HELLO 3), --no-raw quoting, error replies, --pipe mass insertion;
 *      every write is verified through hiredis as well;
 *   2. redis-benchmark -t set,get,incr,mset -n 20000 -q completes with exit
 *      code 0, no error output, a requests/sec figure on every test line, and
 *      the INCR counter ends at exactly 20000;
 *   3. the testsrv lifecycle the other integration tests rely on: SIGTERM is a
 *      clean exit, restart on the same port, kill -9, restart again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/testsrv.h"
#include "tests/tap.h"

#define CLI_TIMEOUT_MS 20000
#define BENCH_TIMEOUT_MS 180000

static int port_of(const ts_server *s, char *buf, size_t n) {
    return snprintf(buf, n, "%d", s->port);
}

/* Run redis-cli -p PORT words... with stdin from in_file (NULL: none).
 * Returns the wait status or -errno; *out malloc'd stdout. */
static int cli(const ts_server *s, const char *in_file, char **out, const char *const *words) {
    const char *argv[32];
    char port[16];
    int n = 0;
    port_of(s, port, sizeof port);
    argv[n++] = ts_cli_bin();
    argv[n++] = "-h";
    argv[n++] = "127.0.0.1";
    argv[n++] = "-p";
    argv[n++] = port;
    for (; *words && n < 31; words++) argv[n++] = *words;
    argv[n] = NULL;
    char *err = NULL;
    int st = ts_run(argv, in_file, out, &err, CLI_TIMEOUT_MS);
    if (err && *err) diag("redis-cli stderr: %s", err);
    free(err);
    return st;
}

static int exited_ok(int st) { return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0; }

/* One check: redis-cli WORDS exits 0 and prints exactly `want`. */
static void cli_is(const ts_server *s, const char *in_file, const char *want, const char *what,
                   const char *const *words) {
    char *out = NULL;
    int st = cli(s, in_file, &out, words);
    if (!exited_ok(st)) diag("redis-cli status %d", st);
    const char *got = exited_ok(st) ? out : NULL;
    is_str(got, want, "redis-cli %s", what);
    free(out);
}

static char *write_temp(const char *dir, const char *name, const void *data, size_t len) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    if (!path) abort();
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        diag("cannot write %s", path);
        if (f) fclose(f);
        free(path);
        return NULL;
    }
    fclose(f);
    return path;
}

static void test_cli(ts_server *s, redisContext *c) {
    cli_is(s, NULL, "PONG\n", "ping", (const char *[]){"ping", NULL});
    cli_is(s, NULL, "OK\n", "set a b", (const char *[]){"set", "a", "b", NULL});
    cli_is(s, NULL, "b\n", "get a", (const char *[]){"get", "a", NULL});
    ts_cmd_expect_str(c, "b", "GET a");
    cli_is(s, NULL, "\n", "get of a missing key prints an empty line",
           (const char *[]){"get", "no-such-key", NULL});
    cli_is(s, NULL, "\"b\"\n", "--no-raw quotes bulk strings",
           (const char *[]){"--no-raw", "get", "a", NULL});
    cli_is(s, NULL, "b\n", "-3 (HELLO 3) get a", (const char *[]){"-3", "get", "a", NULL});
    cli_is(s, NULL, "1\n2\n3\n", "-r 3 incr cnt", (const char *[]){"-r", "3", "incr", "cnt", NULL});
    ts_cmd_expect_str(c, "3", "GET cnt");

    char *out = NULL;
    int st = cli(s, NULL, &out, (const char *[]){"incr", "a", NULL});
    ok(exited_ok(st) && out && strncmp(out, "ERR value is not an integer or out of range", 43) == 0,
       "redis-cli shows the error text of INCR on a non-integer");
    if (out && strncmp(out, "ERR", 3) != 0) diag("got: %s", out);
    free(out);

    const char script[] = "set x 1\nincr x\nget x\nmset m1 v1 m2 \"v 2\"\nmget m1 m2\n";
    char *in = write_temp(s->dir, "cli-script.txt", script, sizeof script - 1);
    cli_is(s, in, "OK\n2\n2\nOK\nv1\nv 2\n", "commands on stdin", (const char *[]){NULL});
    free(in);

    const char blob[] = "a\0b\r\nc\xff";
    in = write_temp(s->dir, "blob.bin", blob, sizeof blob - 1);
    cli_is(s, in, "OK\n", "-x set blob < binary file", (const char *[]){"-x", "set", "blob", NULL});
    free(in);
    redisReply *r = ts_cmd(c, "GET blob");
    is_mem(r && r->type == REDIS_REPLY_STRING ? r->str : NULL, r ? r->len : 0, blob,
           sizeof blob - 1, "the -x value arrived byte for byte");
    if (r) freeReplyObject(r);
}

static void test_cli_pipe(ts_server *s, redisContext *c) {
    enum { N = 1000 };
    size_t cap = N * 64, len = 0;
    char *buf = malloc(cap);
    if (!buf) abort();
    for (int i = 0; i < N; i++) {
        char k[16], v[16];
        int kl = snprintf(k, sizeof k, "p%d", i), vl = snprintf(v, sizeof v, "%d", i * 7);
        len += (size_t)snprintf(buf + len, cap - len, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n",
                                kl, k, vl, v);
    }
    char *in = write_temp(s->dir, "pipe.resp", buf, len);
    free(buf);
    char *out = NULL;
    int st = in ? cli(s, in, &out, (const char *[]){"--pipe", NULL}) : -ENOENT;
    ok(exited_ok(st), "redis-cli --pipe exits 0");
    ok(out && strstr(out, "errors: 0, replies: 1000"), "redis-cli --pipe: 1000 replies, 0 errors");
    if (out && !strstr(out, "errors: 0, replies: 1000")) diag("got: %s", out);
    free(out);
    free(in);
    ts_cmd_expect_str(c, "6993", "GET p999");
}

/* redis-benchmark -q prints "\r"-overwritten progress, then one line per
 * test: "NAME: 12345.67 requests per second, p50=...". Returns the rps of
 * the test or -1. */
static double bench_rps(const char *out, const char *name) {
    size_t nl = strlen(name);
    for (const char *p = out; p && *p;) {
        const char *end = p + strcspn(p, "\r\n");
        if ((size_t)(end - p) > nl + 2 && strncmp(p, name, nl) == 0 && p[nl] == ':' &&
            p[nl + 1] == ' ') {
            char *e;
            double v = strtod(p + nl + 2, &e);
            if (e != p + nl + 2 && strncmp(e, " requests per second", 20) == 0) return v;
        }
        p = *end ? end + 1 : end;
    }
    return -1;
}

static void test_benchmark(ts_server *s, redisContext *c) {
    char port[16];
    port_of(s, port, sizeof port);
    const char *argv[] = {ts_benchmark_bin(), "-h", "127.0.0.1", "-p", port, "-t",
                          "set,get,incr,mset", "-n", "20000", "-q", NULL};
    char *out = NULL, *err = NULL;
    int st = ts_run(argv, NULL, &out, &err, BENCH_TIMEOUT_MS);
    ok(exited_ok(st), "redis-benchmark -t set,get,incr,mset -n 20000 exits 0");
    if (!exited_ok(st)) diag("status %d", st);
    ok(err && *err == '\0',
       "redis-benchmark printed nothing on stderr (no CONFIG warning, no errors)");
    if (err && *err) diag("stderr: %.500s", err);
    ok(out && !strstr(out, "rror"), "redis-benchmark output has no error");
    const char *tests[] = {"SET", "GET", "INCR", "MSET (10 keys)"};
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        double rps = out ? bench_rps(out, tests[i]) : -1;
        ok(rps > 0, "redis-benchmark reports %s: %.2f requests per second", tests[i], rps);
    }
    if (out && bench_rps(out, "SET") <= 0) diag("stdout: %.1000s", out);
    free(out);
    free(err);
    ts_cmd_expect_str(c, "20000", "GET counter:__rand_int__");
    redisReply *r = ts_cmd(c, "GET key:__rand_int__");
    is_int(r && r->type == REDIS_REPLY_STRING ? (long long)r->len : -1, 3,
           "SET payload (default -d 3) stored");
    if (r) freeReplyObject(r);
}

static void test_lifecycle(ts_server *s) {
    int port = s->port;
    int st = ts_stop(s, 10000);
    ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "SIGTERM: server exits with status 0");
    if (!(st >= 0 && WIFEXITED(st))) diag("wait status %d", st);
    ok(!ts_alive(s), "server is gone after ts_stop");
    is_int(ts_restart(s, NULL), 0, "restart on the same dir");
    is_int(s->port, port, "same port after restart");
    redisContext *c = ts_connect(s);
    ts_cmd_expect_status(c, "OK", "SET after-restart %s", "yes");
    ts_cmd_expect_str(c, "yes", "GET after-restart");
    if (c) redisFree(c);
    st = ts_kill9(s);
    ok(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == 9, "kill -9 reported as SIGKILL");
    is_int(ts_restart(s, NULL), 0, "restart after kill -9");
    c = ts_connect(s);
    ts_cmd_expect_status(c, "PONG", "PING");
    if (c) redisFree(c);
}

int main(void) {
    ts_server *s = ts_start(NULL);
    ok(s != NULL, "started %s", ts_strata_bin());
    if (!s) return done_testing();
    redisContext *c = ts_connect(s);
    ok(c != NULL, "hiredis connected on port %d", s->port);
    if (c) {
        test_cli(s, c);
        test_cli_pipe(s, c);
        test_benchmark(s, c);
        redisFree(c);
    }
    test_lifecycle(s);
    ts_free(s);
    return done_testing();
}
