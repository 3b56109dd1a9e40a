/*
 * tests/integration/test_crashtest.c — bin/strata-crashtest, short runs.
 *
 * Design
 *   The harness is run as a program (as users run it) and judged by its exit
 *   status and its summary table:
 *     1. against the real redis-server (Debian 7.0): a few kill -9 cycles per
 *        fsync policy and per phase (random, bgsave, rewrite, fsync,
 *        loading) must pass with zero violations and zero acknowledged
 *        writes lost under `always`;
 *     2. the checks can fail: --tamper truncate under `always` must report
 *        (a); the same damage under `no` is an allowed loss (exit 0, lost >
 *        0); hole must report (b) or (d); zero (d) or (b); noexpire (c); a
 *        server started with `appendonly no` must report (a); a failing run
 *        keeps its directory and prints the replay command;
 *     3. --seed fixes the kill points (the kill@ of a random-phase cycle);
 *        bad usage exits 2;
 *     4. against strata-server, the same short matrix — only once strata
 *        writes an AOF: the probe starts strata with appendonly yes, writes a
 *        key and looks for appendonlydir/ (or appendonly.aof) in its dir.
 *        Until then those checks are TAP skips.
 *   Each run is bounded (--time-limit, and ts_run kills it after a timeout).
 *   Failing runs leave scratch dirs by design; this test removes them.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/testsrv.h"
#include "tests/tap.h"

#define RUN_TIMEOUT_MS 120000

typedef struct summary {
    int found;
    int cycles;
    long long acked, rejected, lost, violations, worst_lost;
    double window, rec_med, rec_max;
} summary;

typedef struct run {
    int status;   /* exit status, or -1 */
    char *out;
    summary sum;
} run;

static char g_harness[4096];

static const char *harness_bin(void) {
    const char *dir = getenv("STRATA_BIN");
    snprintf(g_harness, sizeof g_harness, "%s/strata-crashtest", dir && *dir ? dir : "./bin");
    return g_harness;
}

static void parse_summary(run *r) {
    const char *h = r->out ? strstr(r->out, "recovery-max-ms\n") : NULL;
    if (!h) return;
    h = strchr(h, '\n') + 1;
    summary *s = &r->sum;
    s->found = sscanf(h, "%d %lld %lld %lld %lld %lf %lld %lf %lf", &s->cycles, &s->acked,
                      &s->rejected, &s->lost, &s->violations, &s->window, &s->worst_lost,
                      &s->rec_med, &s->rec_max) == 9;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    return remove(path);
}

/* Remove a directory the harness kept ("data dir kept: PATH (...)"). */
static void remove_kept(const run *r) {
    const char *k = r->out ? strstr(r->out, "data dir kept: ") : NULL;
    if (!k) k = r->out ? strstr(r->out, "\nkept ") : NULL;
    if (!k) return;
    k = strchr(k, '/');
    if (!k) return;
    char path[4096];
    size_t n = strcspn(k, " \n");
    if (n >= sizeof path || strncmp(k, "/tmp", 4) != 0) {
        const char *tmp = getenv("TMPDIR");
        if (!tmp || strncmp(k, tmp, strlen(tmp)) != 0) return;
    }
    snprintf(path, sizeof path, "%.*s", (int)n, k);
    if (strstr(path, "strata-crash-")) nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* strata-crashtest --server SERVER words... */
static run harness(const char *server, const char *const *words) {
    const char *argv[64];
    int n = 0;
    argv[n++] = harness_bin();
    argv[n++] = "--server";
    argv[n++] = server;
    argv[n++] = "--time-limit";
    argv[n++] = "90";
    for (; *words && n < 63; words++) argv[n++] = *words;
    argv[n] = NULL;
    run r = {.status = -1};
    char *err = NULL;
    char *cmd = ts_argv_repr(n, argv, NULL);
    int st = ts_run(argv, NULL, &r.out, &err, RUN_TIMEOUT_MS);
    if (st >= 0 && WIFEXITED(st)) r.status = WEXITSTATUS(st);
    parse_summary(&r);
    if (err && *err) diag("stderr: %s", err);
    diag("ran: %s -> exit %d", cmd, r.status);
    free(cmd);
    free(err);
    return r;
}

static void dump(const run *r) {
    if (!r->out) return;
    for (const char *line = r->out; *line;) {
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        printf("#   | %.*s\n", len > 240 ? 240 : len, line);
        if (!nl) break;
        line = nl + 1;
    }
}

static void run_free(run *r) {
    remove_kept(r);
    free(r->out);
}

/* A run that must pass: exit 0, summary found, cycles as asked, 0 violations. */
static void expect_pass(const char *server, const char *what, int cycles, int always,
                        const char *const *words) {
    run r = harness(server, words);
    int good = ok(r.status == 0 && r.sum.found && r.sum.violations == 0 && r.sum.cycles == cycles &&
                  r.sum.acked > 0, "%s: exit 0, %d cycles, 0 violations (acked %lld, lost %lld, "
                  "recovery median %.1f ms)", what, cycles, r.sum.acked, r.sum.lost, r.sum.rec_med);
    if (always) good &= ok(r.sum.lost == 0, "%s: no acknowledged write lost under always", what);
    if (!good) dump(&r);
    run_free(&r);
}

/* A run that must fail with one of the violation classes in `want`. */
static void expect_violation(const char *server, const char *what, const char *want,
                             const char *const *words) {
    run r = harness(server, words);
    int cls = 0;
    for (const char *w = want; *w; w++) {
        char tag[32];
        snprintf(tag, sizeof tag, "VIOLATION (%c)", *w);
        cls |= r.out && strstr(r.out, tag) != NULL;
    }
    int good = ok(r.status == 1 && cls, "%s: exit 1 with a violation of class (%s)", what, want);
    good &= ok(r.out && strstr(r.out, "replay (same workload") && strstr(r.out, "--seed ") &&
               strstr(r.out, "data dir kept: "), "%s: keeps the dir, prints the replay command",
               what);
    if (!good) dump(&r);
    run_free(&r);
}

/* ----------------------------------------------------------- redis */

#define SHORT "--clients", "4", "--duration-ms", "300"

typedef struct cell {
    const char *policy, *phase, *cycles, *pipeline;
} cell;

/* About 30 kill -9 cycles over every policy and phase. */
static const cell MATRIX[] = {
    {"always", "random", "6", "1"},   {"always", "fsync", "3", "2"},
    {"always", "rewrite", "2", "1"},  {"everysec", "random", "5", "4"},
    {"everysec", "rewrite", "3", "1"}, {"everysec", "loading", "3", "1"},
    {"no", "random", "5", "2"},       {"no", "bgsave", "3", "1"},
};

static void matrix(const char *server, const char *name) {
    for (size_t i = 0; i < sizeof MATRIX / sizeof *MATRIX; i++) {
        const cell *c = &MATRIX[i];
        char what[128];
        snprintf(what, sizeof what, "%s %s/%s", name, c->policy, c->phase);
        expect_pass(server, what, atoi(c->cycles), !strcmp(c->policy, "always"),
                    (const char *[]){"--policy", c->policy, "--phase", c->phase, "--cycles",
                                     c->cycles, "--pipeline", c->pipeline, SHORT, NULL});
    }
}

static void can_fail(const char *server) {
    expect_violation(server, "always + truncate:4096", "a",
                     (const char *[]){"--policy", "always", "--tamper", "truncate:4096", "--cycles",
                                      "1", SHORT, NULL});
    run r = harness(server, (const char *[]){"--policy", "no", "--tamper", "truncate:4096",
                                             "--cycles", "1", SHORT, NULL});
    if (!ok(r.status == 0 && r.sum.found && r.sum.violations == 0 && r.sum.lost > 0,
            "no + truncate:4096: an allowed loss (exit 0), reported: lost %lld, window %.1f ms",
            r.sum.lost, r.sum.window))
        dump(&r);
    run_free(&r);
    expect_violation(server, "no + hole", "bd",
                     (const char *[]){"--policy", "no", "--tamper", "hole", "--cycles", "3", SHORT,
                                      NULL});
    expect_violation(server, "no + zero", "db",
                     (const char *[]){"--policy", "no", "--tamper", "zero", "--cycles", "3", SHORT,
                                      NULL});
    expect_violation(server, "no + noexpire", "c",
                     (const char *[]){"--policy", "no", "--tamper", "noexpire", "--cycles", "3",
                                      SHORT, NULL});
    expect_violation(server, "a server without persistence (-- --appendonly no)", "a",
                     (const char *[]){"--policy", "always", "--cycles", "1", SHORT, "--",
                                      "--appendonly", "no", NULL});
}

/* kill@ of cycle 1 (random phase) in the output, or -1. */
static int first_kill_ms(const run *r) {
    const char *p = r->out ? strstr(r->out, "kill@") : NULL;
    return p ? atoi(p + 5) : -1;
}

static void seed_and_usage(const char *server) {
    const char *const w[] = {"--policy", "no", "--cycles", "1", SHORT, "--seed", "4242", NULL};
    run a = harness(server, w), b = harness(server, w);
    int ka = first_kill_ms(&a), kb = first_kill_ms(&b);
    ok(a.status == 0 && b.status == 0 && ka >= 0 && abs(ka - kb) <= 5,
       "--seed 4242 twice: kill points %d ms and %d ms", ka, kb);
    ok(a.out && strstr(a.out, "seed 4242"), "the seed is printed");
    run_free(&a);
    run_free(&b);

    const char *argv[] = {harness_bin(), "--cycles", "1", NULL};
    char *out = NULL, *err = NULL;
    int st = ts_run(argv, NULL, &out, &err, 10000);
    ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 2, "no --server: exit 2");
    free(out);
    free(err);
    const char *argv2[] = {harness_bin(), "--server", server, "--policy", "sometimes", NULL};
    st = ts_run(argv2, NULL, &out, &err, 10000);
    ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 2, "--policy sometimes: exit 2");
    free(out);
    free(err);
}

/* ----------------------------------------------------------- strata */

/* 1 if strata writes an AOF with appendonly yes, 0 if not, -1 if it did not
 * start at all. */
static int strata_has_aof(void) {
    const char *args[] = {"--appendonly", "yes", "--appendfsync", "always", NULL};
    ts_opts o = {.bin = ts_strata_bin(), .args = args, .persist = 1};
    ts_server *s = ts_start(&o);
    if (!s) return -1;
    redisContext *c = ts_connect(s);
    redisReply *r = c ? ts_cmd(c, "SET crashtest:probe 1") : NULL;
    if (r) freeReplyObject(r);
    if (c) redisFree(c);
    usleep(300 * 1000);
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/appendonlydir", s->dir);
    int yes = stat(path, &st) == 0;
    snprintf(path, sizeof path, "%s/appendonly.aof", s->dir);
    yes |= stat(path, &st) == 0;
    ts_destroy(s, 0);
    return yes;
}

static void strata_matrix(void) {
    const char *bin = ts_strata_bin();
    if (access(bin, X_OK) != 0) {
        printf("ok %d # skip %s not built\n", ++tap_n_, bin);
        return;
    }
    int aof = strata_has_aof();
    if (aof <= 0) {
        printf("ok %d # skip strata has no AOF yet (no appendonlydir after a write with "
               "appendonly yes%s)\n", ++tap_n_, aof < 0 ? "; it did not even start" : "");
        return;
    }
    matrix(bin, "strata");
}

int main(void) {
    struct stat st;
    if (stat(harness_bin(), &st) != 0) skip_all("bin/strata-crashtest not built");
    const char *redis = ts_redis_bin();
    char *which = NULL;
    const char *probe[] = {redis, "--version", NULL};
    int vs = ts_run(probe, NULL, &which, NULL, 10000);
    free(which);
    if (vs < 0 || !WIFEXITED(vs) || WEXITSTATUS(vs) != 0) {
        diag("no redis-server: the harness is checked against strata only");
    } else {
        matrix(redis, "redis");
        can_fail(redis);
        seed_and_usage(redis);
    }
    strata_matrix();
    return done_testing();
}
