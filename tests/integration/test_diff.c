/*
 * tests/integration/test_diff.c — differential test: strata vs the real
 * redis-server, the project's compatibility backbone.
 *
 * Design
 *   Both servers start with persistence off on their own free ports. A seeded
 *   PRNG drives a table of generator rows (ROWS below). Each row is a small
 *   function that appends one or more steps to the current group; a step is a
 *   command (argv) plus a compare mode, or a barrier (full SCAN iteration,
 *   sleep). The same steps go to both servers and every reply pair is compared
 *   after canonical rendering rules (ts_reply_repr) adjusted by the mode.
 *
 *   Keys come from one pool of 50 names shared by all families, so commands of
 *   different families collide on keys (wrong-type paths appear as soon as a
 *   second data type exists). Values mix small/negative/huge integers, floats,
 *   binary (\0, \r\n, non-UTF-8), empty, embstr-boundary and long strings.
 *
 *   Execution: steps on connection 0 are pipelined in batches (DIFF_BATCH) to
 *   both servers at once; a step on connection 1 (the "other client" of WATCH
 *   tests), a SCAN iteration or a sleep first flushes the batch, then runs
 *   synchronously, so the order of effects is the same on both servers. Every
 *   DIFF_STATE_EVERY commands the whole key space (db 0 and 1) is compared
 *   (KEYS, per key TYPE and the value fetch of STATE_DUMP for that type, TTL),
 *   then FLUSHALL keeps the space small. After a mismatch both servers are
 *   reset (DISCARD, UNWATCH, SELECT 0, FLUSHALL) at the next group boundary so
 *   later mismatches are independent; mismatches before that reset (the rest
 *   of the pipelined batch) are counted as "following" and not printed
 *   (DIFF_BATCH=1 makes each one primary). The first DIFF_SHOW primary
 *   mismatches are printed with the command, the four commands before it
 *   and both replies. A final phase repeats single-command rows over raw
 *   RESP3 connections (HELLO 3) and compares the exact replies.
 *
 *   Determinism rules the rows follow (a row that breaks one makes redis vs
 *   redis fail, which is how they were checked):
 *   (1) relative TTLs in the random stream are 0, negative, or >= 10000 s,
 *       never small positive: nothing expires by time except in the "timed"
 *       row, which sleeps well past its TTLs and then touches its keys;
 *   (2) absolute expiry times are in the past, on a fixed far-future grid
 *       (equal values for GT/LT), or random far future; a SET/GETEX with a
 *       past time is followed by EXISTS on the key (so DBSIZE does not depend
 *       on when active expiry reclaims it) and is not generated inside MULTI;
 *   (3) replies that depend on time or randomness carry a compare mode
 *       (TTL tolerance, sorted arrays, reply kind only, SCAN union).
 *
 * Extending: add rows to ROWS (family, name, weight, flags, generator); a
 * generator uses cmd()/add*() and the value helpers. Rows flagged R_SINGLE
 * emit exactly one connection-0 command when `nested` is set and are reused
 * inside MULTI, SELECT groups and the RESP3 phase. New data types add a line
 * to STATE_DUMP so the key-space comparison fetches their values.
 *
 * Environment: DIFF_SEED, DIFF_COUNT (commands; default 500000, 10-15 s
 * against redis on 2 cores, a quarter under STRATA_ASAN), DIFF_BATCH (200),
 * DIFF_STATE_EVERY (4000), DIFF_SHOW (10 mismatches printed), DIFF_TRACE
 * (file: every command and both replies), DIFF_RESP3_COUNT (DIFF_COUNT/10),
 * DIFF_MAX_SECONDS (300); STRATA_SERVER, REDIS_SERVER.
 *
 * Known limits: replies are read with hiredis (RESP2) in the main phase, so
 * RESP3-only differences show only in the RESP3 phase; WRONGTYPE paths need a
 * second data type; OBJECT REFCOUNT and RANDOMKEY compare the reply kind
 * only; LCS IDX output and INCRBYFLOAT formatting are compared exactly.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/testsrv.h"
#include "tests/tap.h"

/* ------------------------------------------------------------ settings */

static struct {
    uint64_t seed;
    long long count, state_every, resp3_count;
    int batch, show, max_seconds;
    FILE *trace;
} cfg;

static long long env_ll(const char *name, long long dflt) {
    const char *v = getenv(name);
    if (!v || !*v) return dflt;
    char *end;
    long long x = strtoll(v, &end, 10);
    return *end ? dflt : x;
}

/* ---------------------------------------------------------------- PRNG */

static uint64_t rng_state;

static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }
static int pct(int p) { return (int)below(100) < p; }
static long long rrange(long long lo, long long hi) {
    return lo + (long long)below((uint64_t)(hi - lo) + 1);
}

/* --------------------------------------------------------------- steps */

typedef enum {
    CMP_EXACT,  /* identical replies */
    CMP_SORTED, /* arrays with the same elements in any order (KEYS) */
    CMP_TTL_S,  /* integers: equal, or both >= 0 and within 2 (TTL, EXPIRETIME) */
    CMP_TTL_MS, /* integers: equal, or both >= 0 and within 2000 */
    CMP_KIND,   /* same reply type (RANDOMKEY, OBJECT REFCOUNT) */
    CMP_EXEC,   /* EXEC: element-wise with the queued commands' modes */
    CMP_PAIRS,  /* arrays of field, value pairs in any pair order (HGETALL) */
    CMP_SCAN_SORTED, /* [cursor, elements]: cursor exact, elements sorted (SSCAN) */
    CMP_SCAN_PAIRS,  /* [cursor, pairs]: cursor exact, pairs in any order (HSCAN) */
    CMP_SHAPE,  /* same kinds and counts, values free; errors exact (SRANDMEMBER) */
} cmp_mode;

typedef enum { STEP_CMD, STEP_SCAN, STEP_SLEEP } step_kind;

struct row;

typedef struct step {
    step_kind kind;
    int conn; /* 0: main connection (pipelined); 1: second client (synchronous) */
    cmp_mode mode;
    int argc, cap;
    char **argv;
    size_t *lens;
    cmp_mode *inner; /* CMP_EXEC: modes of the queued commands */
    int ninner;
    int sleep_ms;
    const struct row *row;
} step;

typedef void gen_fn(void);

enum { R_SINGLE = 1 };

typedef struct row {
    const char *family, *name;
    int weight;
    unsigned flags;
    gen_fn *gen;
} row;

/* The group being generated. */
static struct {
    step **v;
    int n, cap;
} G;
static const row *cur_row;
static int nested; /* generating inside MULTI / SELECT group / RESP3 phase */

static void step_free(step *s) {
    if (!s) return;
    for (int i = 0; i < s->argc; i++) free(s->argv[i]);
    free(s->argv);
    free(s->lens);
    free(s->inner);
    free(s);
}

static step *new_step(step_kind kind, int conn, cmp_mode mode) {
    step *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->kind = kind;
    s->conn = conn;
    s->mode = mode;
    s->row = cur_row;
    if (G.n == G.cap) {
        G.cap = G.cap ? G.cap * 2 : 16;
        G.v = realloc(G.v, sizeof *G.v * (size_t)G.cap);
        if (!G.v) abort();
    }
    G.v[G.n++] = s;
    return s;
}

static void add(step *s, const void *p, size_t n) {
    if (s->argc == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->argv = realloc(s->argv, sizeof *s->argv * (size_t)s->cap);
        s->lens = realloc(s->lens, sizeof *s->lens * (size_t)s->cap);
        if (!s->argv || !s->lens) abort();
    }
    char *c = malloc(n + 1);
    if (!c) abort();
    if (n) memcpy(c, p, n);
    c[n] = '\0';
    s->argv[s->argc] = c;
    s->lens[s->argc++] = n;
}

static void adds(step *s, const char *str) { add(s, str, strlen(str)); }

static void addf(step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(step *s, const char *fmt, ...) {
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    add(s, buf, n < 0 ? 0 : (size_t)n >= sizeof buf ? sizeof buf - 1 : (size_t)n);
}

static void addll(step *s, long long v) { addf(s, "%lld", v); }

/* Command name, in random letter case now and then. */
static void add_name(step *s, const char *name) {
    char buf[64];
    size_t n = strlen(name);
    if (n >= sizeof buf || !pct(8)) {
        adds(s, name);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z' && pct(50)) c = (char)(c - 'A' + 'a');
        else if (c >= 'a' && c <= 'z' && pct(50)) c = (char)(c - 'a' + 'A');
        buf[i] = c;
    }
    add(s, buf, n);
}

static step *cmd_on(int conn, cmp_mode mode, const char *name) {
    step *s = new_step(STEP_CMD, conn, mode);
    add_name(s, name);
    return s;
}

static step *cmd(cmp_mode mode, const char *name) { return cmd_on(0, mode, name); }

/* ------------------------------------------------------- keys and values */

typedef struct blob {
    const char *p;
    size_t n;
} blob;

#define B(lit) {lit, sizeof(lit) - 1}
#define NKEYS 50
#define HOT_KEYS 12

static const blob SPECIAL_KEYS[] = {B("k\0bin"), B(""), B("a b"), B("\r\n"), B("\xff\xfe"),
                                    B("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"), B("{t}1"), B("{t}2"),
                                    B("*"), B("k?")};
static char key_names[NKEYS - 10][16];
static blob key_pool[NKEYS];

/* k0..k10, the binary key (all hot), k11..k39, then the odd names. */
static void keys_init(void) {
    int n = 0;
    for (int i = 0; i < NKEYS - 10; i++) {
        snprintf(key_names[i], sizeof key_names[i], "k%d", i);
        if (n == HOT_KEYS - 1) key_pool[n++] = SPECIAL_KEYS[0];
        key_pool[n++] = (blob){key_names[i], strlen(key_names[i])};
    }
    for (int i = 1; i < 10; i++) key_pool[n++] = SPECIAL_KEYS[i];
}

static blob pick_key(void) {
    return key_pool[pct(70) ? below(HOT_KEYS) : below(NKEYS)];
}

static void add_key(step *s) {
    blob k = pick_key();
    add(s, k.p, k.n);
}

static void add_keys(step *s, int lo, int hi) {
    for (long long i = rrange(lo, hi); i > 0; i--) add_key(s);
}

static const blob NUMBERISH[] = {
    B("0"), B("1"), B("-1"), B("7"), B("42"), B("100"), B("9999"), B("10000"), B("10001"),
    B("-100"), B("123456789"), B("9223372036854775807"), B("-9223372036854775808"),
    B("9223372036854775808"), B("-9223372036854775809"), B("18446744073709551615"),
    B("007"), B("+1"), B(" 1"), B("1 "), B("0x10"), B("1e3"), B("3.14"), B("-0.0"),
    B("1.5e300"), B("inf"), B("-inf"), B("nan"), B("1e400"), B(".5"), B("5."), B("-0"),
    B("12345678901234567890"), B("1234567890123456789"), B("99999999999999999999")};

static const blob ODD_VALUES[] = {
    B(""), B("a"), B("hello"), B("foo bar"), B("\0"), B("a\0b"), B("\r\n"), B("x\r\ny"),
    B("\xff\xfe\xfd"), B("\xc3\x28"), B("\xc3\xbc" "n\xc3\xaf" "code"), B("OK"), B("-ERR not an error"),
    B("+PONG"), B(":1"), B("$3"), B("*1"), B("nil"), B("\x80"), B("    ")};

static void add_random_bytes(step *s, size_t n, int binary) {
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    char buf[512];
    if (n > sizeof buf) n = sizeof buf;
    for (size_t i = 0; i < n; i++)
        buf[i] = binary ? (char)below(256) : alnum[below(sizeof alnum - 1)];
    add(s, buf, n);
}

static void add_short(step *s) { add_random_bytes(s, (size_t)rrange(1, 6), 0); }

static void add_val(step *s) {
    blob b;
    switch (below(10)) {
    case 0: case 1: case 2:
        b = NUMBERISH[below(sizeof NUMBERISH / sizeof *NUMBERISH)];
        add(s, b.p, b.n);
        return;
    case 3: case 4: add_random_bytes(s, (size_t)rrange(1, 10), 0); return;
    case 5:
        b = ODD_VALUES[below(sizeof ODD_VALUES / sizeof *ODD_VALUES)];
        add(s, b.p, b.n);
        return;
    case 6: add_random_bytes(s, (size_t)rrange(100, 300), pct(40)); return;
    case 7:
        if (pct(50)) add_random_bytes(s, (size_t)rrange(43, 46), 0);
        else addll(s, (long long)(rnd() >> below(64)) * (pct(50) ? 1 : -1));
        return;
    case 8: addll(s, rrange(-1000, 100000)); return;
    default:
        addf(s, pct(50) ? "%.3f" : "%g", (double)rrange(-100000, 100000) / (double)rrange(1, 1000));
        return;
    }
}

static const char *const BAD_INTS[] = {"abc", "1.5", "", "9223372036854775808",
                                       "-9223372036854775809", " 1", "0x1", "1e3"};

/* An integer argument in [lo, hi], malformed 3% of the time. */
static void add_int(step *s, long long lo, long long hi) {
    if (pct(3)) adds(s, BAD_INTS[below(sizeof BAD_INTS / sizeof *BAD_INTS)]);
    else addll(s, rrange(lo, hi));
}

static void add_float(step *s) {
    static const char *const F[] = {"1.5", "-0.25", "3", "1e3", "1e-5", "0.1", "10.5e2",
                                    "-7", "5.0e+300", "inf", "-inf", "nan", "abc", "",
                                    "1e400", " 1", "0x10", "17.000000000000001"};
    if (pct(40)) adds(s, F[below(sizeof F / sizeof *F)]);
    else addf(s, "%.*f", (int)below(6), (double)rrange(-100000, 100000) / 100.0);
}

/* --------------------------------------------------- times (see rule 1, 2) */

static long long grid_s; /* far-future grid base, seconds */

static long long now_s(void) { return (long long)time(NULL); }

/* Time arguments are formatted into a caller's buffer (or are literals). */
typedef char numbuf[32];

static const char *fmt_ll(numbuf b, long long v) {
    snprintf(b, sizeof(numbuf), "%lld", v);
    return b;
}

static const char *bad_int(void) { return BAD_INTS[below(sizeof BAD_INTS / sizeof *BAD_INTS)]; }

/* Relative time, never small positive (rule 1): mostly far future, sometimes
 * 0, negative, malformed or overflowing. unit: 1 seconds, 1000 ms. */
static const char *rel_time(numbuf b, long long unit) {
    int r = (int)below(100);
    if (r < 5) return "0";
    if (r < 10) return fmt_ll(b, -rrange(1, 1000 * unit));
    if (r < 12) return bad_int();
    if (r < 13) return "9223372036854775807";
    return fmt_ll(b, rrange(10000 * unit, 10000000 * unit));
}

/* Absolute time (rule 2): past (only when allow_past; *past set), on the
 * far-future grid, overflowing, or random far future. */
static const char *abs_time(numbuf b, int ms, int allow_past, int *past) {
    long long unit = ms ? 1000 : 1;
    int r = (int)below(100);
    if (allow_past && r < 15) {
        *past = 1;
        return fmt_ll(b, pct(20) ? (long long)below(2) : (now_s() - rrange(1, 1000000)) * unit);
    }
    if (r < 60) return fmt_ll(b, (grid_s + (long long)below(8) * 1000) * unit);
    if (r < 62) return "9223372036854775807";
    return fmt_ll(b, (now_s() + rrange(10000, 10000000)) * unit + (ms ? (long long)below(1000) : 0));
}

static void add_rel_s(step *s) {
    numbuf b;
    adds(s, rel_time(b, 1));
}

static void add_rel_ms(step *s) {
    numbuf b;
    adds(s, rel_time(b, 1000));
}

static void add_abs(step *s, int ms, int allow_past, int *past) {
    numbuf b;
    adds(s, abs_time(b, ms, allow_past, past));
}

/* After a SET/GETEX that may have stored an already expired key: touch it so
 * it is gone everywhere before anything counts keys (rule 2). */
static void touch_after_past(const step *s) {
    step *e = cmd(CMP_EXACT, "EXISTS");
    add(e, s->argv[1], s->lens[1]);
}

/* ------------------------------------------------ option token shuffling */

typedef struct opt_tok {
    char w[2][64];
    int nw;
} opt_tok;

typedef struct opts {
    opt_tok t[8];
    int n;
} opts;

static void opt1(opts *o, const char *a) {
    if (o->n == 8) return;
    snprintf(o->t[o->n].w[0], sizeof o->t[0].w[0], "%s", a);
    o->t[o->n++].nw = 1;
}

static void opt2(opts *o, const char *a, const char *b) {
    if (o->n == 8) return;
    snprintf(o->t[o->n].w[0], sizeof o->t[0].w[0], "%s", a);
    snprintf(o->t[o->n].w[1], sizeof o->t[0].w[1], "%s", b);
    o->t[o->n++].nw = 2;
}

static void opts_emit(step *s, opts *o) {
    for (int i = o->n - 1; i > 0; i--) {
        int j = (int)below((uint64_t)i + 1);
        opt_tok tmp = o->t[i];
        o->t[i] = o->t[j];
        o->t[j] = tmp;
    }
    for (int i = 0; i < o->n; i++)
        for (int w = 0; w < o->t[i].nw; w++) adds(s, o->t[i].w[w]);
}

/* One expiry option for SET / GETEX. Returns 1 if it may be in the past. */
static int opt_expiry(opts *o, int getex) {
    numbuf b;
    int past = 0;
    switch (below(5)) {
    case 0: opt2(o, "EX", rel_time(b, 1)); break;
    case 1: opt2(o, "PX", rel_time(b, 1000)); break;
    case 2: opt2(o, "EXAT", abs_time(b, 0, !nested, &past)); break;
    case 3: opt2(o, "PXAT", abs_time(b, 1, !nested, &past)); break;
    default: opt1(o, getex ? "PERSIST" : "KEEPTTL"); break;
    }
    return past;
}

/* ------------------------------------------------------ strings family */

static void g_get(void) { add_key(cmd(CMP_EXACT, "GET")); }

static void g_set(void) {
    step *s = cmd(CMP_EXACT, "SET");
    opts o = {.n = 0};
    int past = 0;
    add_key(s);
    add_val(s);
    if (pct(50)) past |= opt_expiry(&o, 0);
    if (pct(25)) opt1(&o, pct(50) ? "NX" : "XX");
    if (pct(20)) opt1(&o, "GET");
    if (pct(5)) { /* invalid combinations and words */
        switch (below(5)) {
        case 0: past |= opt_expiry(&o, 0); break;
        case 1: opt1(&o, "NX"), opt1(&o, "XX"); break;
        case 2: opt1(&o, "FOO"); break;
        case 3: opt1(&o, "EX"); break;
        default: opt1(&o, "GET"), opt1(&o, "GET"); break;
        }
    }
    opts_emit(s, &o);
    if (past) touch_after_past(s);
}

static void g_setnx(void) {
    step *s = cmd(CMP_EXACT, "SETNX");
    add_key(s);
    add_val(s);
}

static void g_setex(void) {
    int ms = pct(30);
    step *s = cmd(CMP_EXACT, ms ? "PSETEX" : "SETEX");
    add_key(s);
    if (ms) add_rel_ms(s);
    else add_rel_s(s);
    add_val(s);
}

static void g_mget(void) { add_keys(cmd(CMP_EXACT, "MGET"), 1, 6); }

static void g_mset(void) {
    step *s = cmd(CMP_EXACT, pct(30) ? "MSETNX" : "MSET");
    for (long long i = rrange(1, 4); i > 0; i--) {
        add_key(s);
        add_val(s);
    }
    if (pct(4)) add_key(s); /* odd count: arity error */
}

static void g_getset(void) {
    step *s = cmd(CMP_EXACT, "GETSET");
    add_key(s);
    add_val(s);
}

static void g_getdel(void) { add_key(cmd(CMP_EXACT, "GETDEL")); }

static void g_getex(void) {
    step *s = cmd(CMP_EXACT, "GETEX");
    opts o = {.n = 0};
    int past = 0;
    add_key(s);
    if (pct(70)) past |= opt_expiry(&o, 1);
    if (pct(5)) past |= opt_expiry(&o, 1);
    opts_emit(s, &o);
    if (past) touch_after_past(s);
}

static void g_append(void) {
    step *s = cmd(CMP_EXACT, "APPEND");
    add_key(s);
    if (pct(70)) add_short(s);
    else add_val(s);
}

static void g_strlen(void) { add_key(cmd(CMP_EXACT, "STRLEN")); }

static void add_index(step *s) {
    if (pct(90)) add_int(s, -30, 30);
    else adds(s, pct(50) ? "9223372036854775807" : "-9223372036854775808");
}

static void g_getrange(void) {
    step *s = cmd(CMP_EXACT, pct(10) ? "SUBSTR" : "GETRANGE");
    add_key(s);
    add_index(s);
    add_index(s);
}

static void g_setrange(void) {
    step *s = cmd(CMP_EXACT, "SETRANGE");
    add_key(s);
    int r = (int)below(100);
    if (r < 80) add_int(s, 0, 64);
    else if (r < 95) add_int(s, 0, 1000);
    else adds(s, r < 97 ? "-1" : "536870912");
    if (pct(10)) adds(s, "");
    else add_short(s);
}

static void g_incr(void) {
    int r = (int)below(4);
    step *s = cmd(CMP_EXACT, r == 0 ? "INCR" : r == 1 ? "DECR" : r == 2 ? "INCRBY" : "DECRBY");
    add_key(s);
    if (r < 2) return;
    int k = (int)below(100);
    if (k < 75) add_int(s, -100, 100);
    else if (k < 85) adds(s, pct(50) ? "9223372036854775807" : "-9223372036854775808");
    else addll(s, (long long)(rnd() >> below(63)) * (pct(50) ? 1 : -1));
}

static void g_incrbyfloat(void) {
    step *s = cmd(CMP_EXACT, "INCRBYFLOAT");
    add_key(s);
    add_float(s);
}

static void add_bit_offset(step *s, int big) {
    int r = (int)below(100);
    if (r < 60) add_int(s, 0, 64);
    else if (r < 96) add_int(s, 0, big);
    else adds(s, r < 98 ? "-1" : "4294967296");
}

static void g_setbit(void) {
    step *s = cmd(CMP_EXACT, "SETBIT");
    add_key(s);
    add_bit_offset(s, 8000);
    adds(s, pct(97) ? (pct(50) ? "1" : "0") : (pct(50) ? "2" : "x"));
}

static void g_getbit(void) {
    step *s = cmd(CMP_EXACT, "GETBIT");
    add_key(s);
    add_bit_offset(s, 10000);
}

static void add_unit(step *s) {
    if (pct(50)) adds(s, pct(50) ? "BYTE" : "BIT");
    else if (pct(5)) adds(s, "WORD");
}

static void g_bitcount(void) {
    step *s = cmd(CMP_EXACT, "BITCOUNT");
    add_key(s);
    int r = (int)below(10);
    if (r < 3) return;
    add_index(s);
    if (r == 3) return; /* start without end: syntax error */
    add_index(s);
    add_unit(s);
}

static void g_bitpos(void) {
    step *s = cmd(CMP_EXACT, "BITPOS");
    add_key(s);
    adds(s, pct(97) ? (pct(50) ? "1" : "0") : "2");
    int r = (int)below(10);
    if (r < 3) return;
    add_index(s);
    if (r < 5) return;
    add_index(s);
    add_unit(s);
}

static void g_bitop(void) {
    static const char *const OPS[] = {"AND", "OR", "XOR", "NOT", "and", "NAND"};
    const char *op = OPS[below(sizeof OPS / sizeof *OPS)];
    step *s = cmd(CMP_EXACT, "BITOP");
    adds(s, op);
    add_key(s);
    add_keys(s, 1, strcmp(op, "NOT") == 0 && pct(90) ? 1 : 3);
}

static void add_bf_type(step *s, int *bits, int *sign) {
    static const char *const BAD[] = {"u64", "i65", "i0", "u0", "x8", "i", "8"};
    if (pct(4)) {
        adds(s, BAD[below(sizeof BAD / sizeof *BAD)]);
        *bits = 8, *sign = 1;
        return;
    }
    *sign = pct(50);
    *bits = (int)rrange(1, *sign ? 64 : 63);
    addf(s, "%c%d", *sign ? 'i' : 'u', *bits);
}

static void add_bf_offset(step *s) {
    int r = (int)below(100);
    if (r < 70) addll(s, rrange(0, 256));
    else if (r < 96) addf(s, "#%lld", rrange(0, 16));
    else adds(s, r < 98 ? "-1" : "abc");
}

static void add_bf_value(step *s, int bits, int sign) {
    if (pct(70)) {
        long long v = (long long)(rnd() >> (64 - (bits < 63 ? bits : 62)));
        addll(s, sign && pct(50) ? -v : v);
    } else {
        add_int(s, -200, 200);
    }
}

static void g_bitfield(void) {
    static const char *const OVF[] = {"WRAP", "SAT", "FAIL", "wrap", "NONE"};
    step *s = cmd(CMP_EXACT, "BITFIELD");
    int bits, sign;
    add_key(s);
    for (long long i = rrange(1, 4); i > 0; i--) {
        switch (below(7)) {
        case 0: case 1:
            adds(s, "GET");
            add_bf_type(s, &bits, &sign);
            add_bf_offset(s);
            break;
        case 2: case 3:
            adds(s, "SET");
            add_bf_type(s, &bits, &sign);
            add_bf_offset(s);
            add_bf_value(s, bits, sign);
            break;
        case 4: case 5:
            adds(s, "INCRBY");
            add_bf_type(s, &bits, &sign);
            add_bf_offset(s);
            add_bf_value(s, bits, sign);
            break;
        default:
            adds(s, "OVERFLOW");
            adds(s, OVF[below(sizeof OVF / sizeof *OVF)]);
            break;
        }
    }
}

static void g_lcs(void) {
    step *s = cmd(CMP_EXACT, "LCS");
    opts o = {.n = 0};
    char n[16];
    add_key(s);
    add_key(s);
    if (pct(30)) opt1(&o, "LEN");
    if (pct(30)) opt1(&o, "IDX");
    if (pct(20)) {
        snprintf(n, sizeof n, "%d", (int)rrange(0, 4));
        opt2(&o, "MINMATCHLEN", n);
    }
    if (pct(20)) opt1(&o, "WITHMATCHLEN");
    if (pct(3)) opt1(&o, "FOO");
    opts_emit(s, &o);
}

/* --------------------------------------------------------- keys family */

static void g_del(void) { add_keys(cmd(CMP_EXACT, pct(25) ? "UNLINK" : "DEL"), 1, 4); }
static void g_exists(void) { add_keys(cmd(CMP_EXACT, pct(30) ? "TOUCH" : "EXISTS"), 1, 4); }
static void g_type(void) { add_key(cmd(CMP_EXACT, "TYPE")); }
static void g_dbsize(void) { cmd(CMP_EXACT, "DBSIZE"); }
static void g_randomkey(void) { cmd(CMP_KIND, "RANDOMKEY"); }

static void g_rename(void) {
    step *s = cmd(CMP_EXACT, pct(30) ? "RENAMENX" : "RENAME");
    add_key(s);
    if (pct(10)) add(s, s->argv[1], s->lens[1]);
    else add_key(s);
}

static void g_copy(void) {
    step *s = cmd(CMP_EXACT, "COPY");
    opts o = {.n = 0};
    add_key(s);
    if (pct(5)) add(s, s->argv[1], s->lens[1]);
    else add_key(s);
    if (pct(40)) opt2(&o, "DB", pct(90) ? (pct(50) ? "1" : "0") : (pct(50) ? "16" : "x"));
    if (pct(40)) opt1(&o, "REPLACE");
    if (pct(3)) opt1(&o, "BAD");
    opts_emit(s, &o);
}

static void g_move(void) {
    step *s = cmd(CMP_EXACT, "MOVE");
    add_key(s);
    int r = (int)below(100);
    adds(s, r < 85 ? "1" : r < 93 ? "0" : r < 97 ? "16" : "x");
}

static const char *const PATTERNS[] = {
    "*", "k*", "k1*", "k?", "k??", "k[0-2]", "k[0-2]*", "k[^0-2]*", "k[!1]", "*1", "*\\**",
    "\\*", "k\\?", "{t}*", "[", "[a-", "k[", "*[", "?", "", "k\\", "*\xff*", "*\r*", "[k-m]*",
    "[z-a]*", "k[1-]", "**", "*?*?", "[\\]]", "k[\\-]*", "a b", "K*", "k3*9", "*\\"};

static const char *pick_pattern(void) { return PATTERNS[below(sizeof PATTERNS / sizeof *PATTERNS)]; }

static void g_keys(void) { adds(cmd(CMP_SORTED, "KEYS"), pick_pattern()); }

/* A full SCAN iteration (barrier step): argv holds the options only. */
static void g_scan(void) {
    step *s = new_step(STEP_SCAN, 0, CMP_SORTED);
    opts o = {.n = 0};
    char n[16];
    if (pct(50)) opt2(&o, "MATCH", pick_pattern());
    if (pct(50)) {
        snprintf(n, sizeof n, "%d", (int)rrange(1, 20));
        opt2(&o, "COUNT", n);
    }
    if (pct(20)) opt2(&o, "TYPE", pct(70) ? "string" : pct(50) ? "list" : "nosuchtype");
    opts_emit(s, &o);
}

/* SCAN calls whose single reply is deterministic: the error cases. */
static void g_scan_bad(void) {
    step *s = cmd(CMP_EXACT, "SCAN");
    switch (below(6)) {
    case 0: adds(s, "abc"); break;
    case 1: adds(s, "0"), adds(s, "COUNT"), adds(s, "0"); break;
    case 2: adds(s, "0"), adds(s, "MATCH"); break;
    case 3: adds(s, "0"), adds(s, "FOO"), adds(s, "bar"); break;
    case 4: adds(s, "0"), adds(s, "COUNT"), adds(s, "x"); break;
    default: adds(s, "18446744073709551616"); break;
    }
}

static void opt_expire_flags(opts *o) {
    static const char *const F[] = {"NX", "XX", "GT", "LT"};
    int r = (int)below(100);
    if (r < 50) return;
    opt1(o, F[below(4)]);
    if (r >= 95) opt1(o, r == 99 ? "FOO" : F[below(4)]);
}

static void g_expire(void) {
    static const char *const NAMES[] = {"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"};
    int which = (int)below(4), past = 0;
    step *s = cmd(CMP_EXACT, NAMES[which]);
    opts o = {.n = 0};
    add_key(s);
    if (which == 0) add_rel_s(s);
    else if (which == 1) add_rel_ms(s);
    else add_abs(s, which == 3, 1, &past); /* a past time deletes at once */
    opt_expire_flags(&o);
    opts_emit(s, &o);
}

static void g_ttl(void) {
    static const char *const NAMES[] = {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"};
    int which = (int)below(4);
    add_key(cmd(which % 2 ? CMP_TTL_MS : CMP_TTL_S, NAMES[which]));
}

static void g_persist(void) { add_key(cmd(CMP_EXACT, "PERSIST")); }

static void g_object(void) {
    int r = (int)below(100);
    step *s;
    if (r < 75) {
        s = cmd(CMP_EXACT, "OBJECT");
        adds(s, pct(90) ? "ENCODING" : "encoding");
    } else if (r < 85) {
        s = cmd(CMP_KIND, "OBJECT");
        adds(s, "REFCOUNT");
    } else if (r < 92) {
        s = cmd(CMP_TTL_S, "OBJECT");
        adds(s, "IDLETIME");
    } else if (r < 96) {
        s = cmd(CMP_EXACT, "OBJECT");
        adds(s, "FREQ");
    } else {
        s = cmd(CMP_EXACT, "OBJECT");
        adds(s, "NOSUCHSUB");
    }
    add_key(s);
}

static const row *pick_single(void);
static const char *row_label(const row *r);

static void gen_nested_single(void) {
    const row *saved = cur_row;
    const row *r = pick_single();
    int was = nested, before = G.n;
    nested = 1;
    cur_row = r;
    r->gen();
    cur_row = saved;
    nested = was;
    if (G.n != before + 1 || G.v[G.n - 1]->kind != STEP_CMD || G.v[G.n - 1]->conn != 0) {
        fprintf(stderr, "test_diff: row %s is flagged R_SINGLE but emitted %d steps\n",
                row_label(r), G.n - before);
        abort();
    }
}

static void g_select_group(void) {
    adds(cmd(CMP_EXACT, "SELECT"), "1");
    for (long long i = rrange(1, 4); i > 0; i--) gen_nested_single();
    adds(cmd(CMP_EXACT, "SELECT"), "0");
}

static void g_swapdb(void) {
    step *s = cmd(CMP_EXACT, "SWAPDB");
    adds(s, "0");
    adds(s, pct(90) ? "1" : pct(50) ? "16" : "x");
}

static void g_flushdb(void) {
    step *s = cmd(CMP_EXACT, "FLUSHDB");
    if (pct(30)) adds(s, pct(50) ? "SYNC" : "ASYNC");
    else if (pct(5)) adds(s, "LATER");
}

/* ------------------------------------------------- transactions family */

/* MULTI, n single commands (each reply +QUEUED or an error), then `end`. */
static void tx_body(const char *end, int inject_error) {
    cmd(CMP_EXACT, "MULTI");
    int n = (int)rrange(1, 5), at = inject_error ? (int)below((uint64_t)n + 1) : -1;
    cmp_mode *modes = calloc((size_t)n + 1, sizeof *modes);
    if (!modes) abort();
    int nm = 0;
    for (int i = 0; i <= n; i++) {
        if (i == at) {
            step *e = pct(50) ? cmd(CMP_EXACT, "GET") : cmd(CMP_EXACT, "NOSUCHCOMMAND");
            if (pct(50)) add_key(e), add_key(e);
            continue;
        }
        if (i == n) break;
        gen_nested_single();
        step *q = G.v[G.n - 1];
        modes[nm++] = q->mode;
        q->mode = CMP_EXACT; /* the queueing reply */
    }
    step *x = cmd(strcmp(end, "EXEC") == 0 ? CMP_EXEC : CMP_EXACT, end);
    x->inner = modes;
    x->ninner = nm;
}

static void g_multi_exec(void) { tx_body("EXEC", 0); }
static void g_multi_discard(void) { tx_body("DISCARD", 0); }
static void g_multi_abort(void) { tx_body("EXEC", 1); }

static void g_tx_misuse(void) {
    switch (below(4)) {
    case 0: cmd(CMP_EXACT, "EXEC"); break;
    case 1: cmd(CMP_EXACT, "DISCARD"); break;
    case 2:
        cmd(CMP_EXACT, "MULTI");
        cmd(CMP_EXACT, "MULTI");
        cmd(CMP_EXACT, pct(50) ? "EXEC" : "DISCARD");
        break;
    default:
        cmd(CMP_EXACT, "MULTI");
        add_key(cmd(CMP_EXACT, "WATCH"));
        add_key(cmd(CMP_EXACT, "GET"));
        cmd(CMP_EXACT, "EXEC");
        break;
    }
}

/* What the second client does between WATCH and EXEC. */
static void watch_side_action(const blob *k) {
    step *s;
    switch (below(10)) {
    case 0: case 1:
        s = cmd_on(1, CMP_EXACT, "SET");
        add(s, k->p, k->n);
        add_val(s);
        break;
    case 2:
        s = cmd_on(1, CMP_EXACT, "DEL");
        add(s, k->p, k->n);
        break;
    case 3:
        s = cmd_on(1, CMP_EXACT, "EXPIRE");
        add(s, k->p, k->n);
        addll(s, rrange(10000, 100000));
        break;
    case 4:
        s = cmd_on(1, CMP_EXACT, "GET");
        add(s, k->p, k->n);
        break;
    case 5:
        s = cmd_on(1, CMP_EXACT, "APPEND");
        add(s, k->p, k->n);
        add_short(s);
        break;
    case 6:
        s = cmd_on(1, CMP_EXACT, "SET");
        add_key(s);
        add_val(s);
        break;
    case 7:
        if (pct(20)) {
            cmd_on(1, CMP_EXACT, "FLUSHDB");
        } else if (pct(50)) {
            s = cmd_on(1, CMP_EXACT, "SWAPDB");
            adds(s, "0");
            adds(s, "1");
        }
        break;
    case 8: gen_nested_single(); break; /* the watcher itself writes (or reads) */
    default: break;
    }
}

static void g_watch(void) {
    blob k = pick_key();
    step *w = cmd(CMP_EXACT, "WATCH");
    add(w, k.p, k.n);
    if (pct(30)) add_keys(w, 1, 2);
    watch_side_action(&k);
    if (pct(10)) cmd(CMP_EXACT, "UNWATCH");
    tx_body(pct(90) ? "EXEC" : "DISCARD", 0);
}

/* ------------------------------------------------------- errors family */

static const struct {
    const char *name;
    int arity; /* Redis convention: n exact, -n at least n */
} ARITY[] = {
    {"GET", 2}, {"SET", -3}, {"SETNX", 3}, {"SETEX", 4}, {"PSETEX", 4}, {"MGET", -2},
    {"MSET", -3}, {"MSETNX", -3}, {"GETSET", 3}, {"GETDEL", 2}, {"GETEX", -2}, {"APPEND", 3},
    {"STRLEN", 2}, {"GETRANGE", 4}, {"SETRANGE", 4}, {"INCR", 2}, {"DECR", 2}, {"INCRBY", 3},
    {"DECRBY", 3}, {"INCRBYFLOAT", 3}, {"SETBIT", 4}, {"GETBIT", 3}, {"BITCOUNT", -2},
    {"BITPOS", -3}, {"BITOP", -4}, {"BITFIELD", -2}, {"LCS", -3}, {"DEL", -2}, {"UNLINK", -2},
    {"EXISTS", -2}, {"TYPE", 2}, {"RENAME", 3}, {"RENAMENX", 3}, {"COPY", -3}, {"MOVE", 3},
    {"DBSIZE", 1}, {"TOUCH", -2}, {"RANDOMKEY", 1}, {"KEYS", 2}, {"SCAN", -2}, {"EXPIRE", -3},
    {"PEXPIRE", -3}, {"EXPIREAT", -3}, {"PEXPIREAT", -3}, {"TTL", 2}, {"PTTL", 2},
    {"EXPIRETIME", 2}, {"PEXPIRETIME", 2}, {"PERSIST", 2}, {"ECHO", 2}, {"SELECT", 2},
    {"SWAPDB", 3}, {"WATCH", -2}, {"UNWATCH", 1}, {"OBJECT", -2}, {"SUBSTR", 4},
};

static void g_arity(void) {
    int i = (int)below(sizeof ARITY / sizeof *ARITY);
    int a = ARITY[i].arity, words;
    if (a > 0) words = (a == 1 || pct(50)) ? a + 1 : a - 1;
    else words = (int)rrange(1, -a - 1);
    step *s = cmd(CMP_EXACT, ARITY[i].name);
    for (int w = 1; w < words; w++) {
        if (pct(60)) add_key(s);
        else add_val(s);
    }
}

static void g_unknown(void) {
    static const blob NAMES[] = {B("FOO"), B("getx"), B("SETT"), B("x"), B("\xff"), B("GET\0"),
                                 B("a b"), B("EXPIRE_"), B("MULTIX"), B("\r\n")};
    blob n = NAMES[below(sizeof NAMES / sizeof *NAMES)];
    step *s = new_step(STEP_CMD, 0, CMP_EXACT);
    add(s, n.p, n.n);
    for (long long i = rrange(0, 3); i > 0; i--) {
        if (pct(70)) add_val(s);
        else add_random_bytes(s, (size_t)rrange(60, 200), 0);
    }
}

static void g_server(void) {
    step *s;
    switch (below(6)) {
    case 0: cmd(CMP_EXACT, "PING"); break;
    case 1: add_val(cmd(CMP_EXACT, "PING")); break;
    case 2: add_val(cmd(CMP_EXACT, "ECHO")); break;
    case 3:
        s = cmd(CMP_EXACT, "SELECT");
        adds(s, pct(40) ? "16" : pct(50) ? "-1" : "abc");
        break;
    case 4: add_keys(cmd(CMP_EXACT, "PING"), 2, 2); break;
    default: cmd(CMP_EXACT, "UNWATCH"); break;
    }
}

/* ------------------------------------------------------- expiry family */

/* Keys with TTLs of 10-40 ms, optionally WATCHed, a sleep of 120 ms (counted
 * from after both servers replied), then every key is touched (lazy expiry
 * on both) before counting. */
static void g_timed(void) {
    blob ks[3];
    int n = (int)rrange(1, 3), watched = pct(40);
    for (int i = 0; i < n; i++) {
        ks[i] = pick_key();
        step *s = cmd(CMP_EXACT, "SET");
        add(s, ks[i].p, ks[i].n);
        add_val(s);
        if (pct(50)) {
            adds(s, "PX");
            addll(s, rrange(10, 40));
        } else {
            s = cmd(CMP_EXACT, "PEXPIRE");
            add(s, ks[i].p, ks[i].n);
            addll(s, rrange(10, 40));
        }
    }
    if (watched) add(cmd(CMP_EXACT, "WATCH"), ks[0].p, ks[0].n);
    new_step(STEP_SLEEP, 0, CMP_EXACT)->sleep_ms = 120;
    if (watched) {
        cmd(CMP_EXACT, "MULTI");
        add_key(cmd(CMP_EXACT, "GET"));
        cmd(CMP_EXACT, "EXEC");
    }
    for (int i = 0; i < n; i++) {
        static const char *const READS[] = {"GET", "EXISTS", "TTL", "PTTL", "TYPE", "STRLEN"};
        add(cmd(CMP_EXACT, READS[below(6)]), ks[i].p, ks[i].n);
    }
    cmd(CMP_EXACT, "DBSIZE");
}

/* ---------------------------------------------------------- the table */

#include "diff_hash.h"
#include "diff_list.h"
#include "diff_set.h"
#include "diff_zset.h"

static const row ROWS[] = {
    /* strings */
    {"strings", "get", 300, R_SINGLE, g_get},
    {"strings", "set", 400, R_SINGLE, g_set},
    {"strings", "setnx", 60, R_SINGLE, g_setnx},
    {"strings", "setex/psetex", 60, R_SINGLE, g_setex},
    {"strings", "mget", 100, R_SINGLE, g_mget},
    {"strings", "mset/msetnx", 80, R_SINGLE, g_mset},
    {"strings", "getset", 40, R_SINGLE, g_getset},
    {"strings", "getdel", 50, R_SINGLE, g_getdel},
    {"strings", "getex", 80, R_SINGLE, g_getex},
    {"strings", "append", 100, R_SINGLE, g_append},
    {"strings", "strlen", 60, R_SINGLE, g_strlen},
    {"strings", "getrange", 60, R_SINGLE, g_getrange},
    {"strings", "setrange", 60, R_SINGLE, g_setrange},
    {"strings", "incr/decr/by", 250, R_SINGLE, g_incr},
    {"strings", "incrbyfloat", 80, R_SINGLE, g_incrbyfloat},
    {"strings", "setbit", 80, R_SINGLE, g_setbit},
    {"strings", "getbit", 50, R_SINGLE, g_getbit},
    {"strings", "bitcount", 60, R_SINGLE, g_bitcount},
    {"strings", "bitpos", 60, R_SINGLE, g_bitpos},
    {"strings", "bitop", 40, R_SINGLE, g_bitop},
    {"strings", "bitfield", 80, R_SINGLE, g_bitfield},
    {"strings", "lcs", 30, R_SINGLE, g_lcs},
    /* keys */
    {"keys", "del/unlink", 100, R_SINGLE, g_del},
    {"keys", "exists/touch", 80, R_SINGLE, g_exists},
    {"keys", "type", 50, R_SINGLE, g_type},
    {"keys", "rename/renamenx", 50, R_SINGLE, g_rename},
    {"keys", "copy", 40, R_SINGLE, g_copy},
    {"keys", "move", 40, R_SINGLE, g_move},
    {"keys", "dbsize", 30, R_SINGLE, g_dbsize},
    {"keys", "randomkey", 20, R_SINGLE, g_randomkey},
    {"keys", "keys", 40, R_SINGLE, g_keys},
    {"keys", "scan", 15, 0, g_scan},
    {"keys", "scan-errors", 10, R_SINGLE, g_scan_bad},
    {"keys", "expire*", 200, R_SINGLE, g_expire},
    {"keys", "ttl*/expiretime*", 150, R_SINGLE, g_ttl},
    {"keys", "persist", 50, R_SINGLE, g_persist},
    {"keys", "object", 60, R_SINGLE, g_object},
    {"keys", "select-group", 30, 0, g_select_group},
    {"keys", "swapdb", 4, R_SINGLE, g_swapdb},
    {"keys", "flushdb", 2, R_SINGLE, g_flushdb},
    /* transactions */
    {"transactions", "multi-exec", 60, 0, g_multi_exec},
    {"transactions", "multi-discard", 15, 0, g_multi_discard},
    {"transactions", "multi-queued-error", 20, 0, g_multi_abort},
    {"transactions", "misuse", 15, 0, g_tx_misuse},
    {"transactions", "watch", 60, 0, g_watch},
    /* errors */
    {"errors", "arity", 60, R_SINGLE, g_arity},
    {"errors", "unknown", 30, R_SINGLE, g_unknown},
    {"errors", "server", 30, R_SINGLE, g_server},
    /* expiry by time */
    {"expiry", "timed", 1, 0, g_timed},
    /* lists (diff_list.h) */
    {"lists", "lpush/rpush", 150, R_SINGLE, g_lpush},
    {"lists", "lpushx/rpushx", 30, R_SINGLE, g_lpushx},
    {"lists", "lpop/rpop", 80, R_SINGLE, g_lpop},
    {"lists", "llen", 30, R_SINGLE, g_llen},
    {"lists", "lrange", 80, R_SINGLE, g_lrange},
    {"lists", "lindex", 40, R_SINGLE, g_lindex},
    {"lists", "lset", 40, R_SINGLE, g_lset},
    {"lists", "linsert", 40, R_SINGLE, g_linsert},
    {"lists", "lrem", 40, R_SINGLE, g_lrem},
    {"lists", "ltrim", 30, R_SINGLE, g_ltrim},
    {"lists", "lpos", 40, R_SINGLE, g_lpos},
    {"lists", "lmove/rpoplpush", 40, R_SINGLE, g_lmove},
    {"lists", "lmpop", 30, R_SINGLE, g_lmpop},
    {"lists", "blocking", 25, 0, g_blocking},
    {"lists", "blocking-multi", 10, 0, g_blocking_multi},
    {"lists", "biglist", 2, R_SINGLE, g_biglist},
    /* hashes (diff_hash.h) */
    {"hashes", "hset/hmset", 150, R_SINGLE, g_hset},
    {"hashes", "hsetnx", 30, R_SINGLE, g_hsetnx},
    {"hashes", "hget", 80, R_SINGLE, g_hget},
    {"hashes", "hmget", 40, R_SINGLE, g_hmget},
    {"hashes", "hdel", 60, R_SINGLE, g_hdel},
    {"hashes", "hlen/hstrlen/hexists", 50, R_SINGLE, g_hlen_strlen_exists},
    {"hashes", "hgetall/hkeys/hvals", 40, R_SINGLE, g_hgetall},
    {"hashes", "hincrby", 50, R_SINGLE, g_hincrby},
    {"hashes", "hincrbyfloat", 40, R_SINGLE, g_hincrbyfloat},
    {"hashes", "hrandfield", 30, R_SINGLE, g_hrandfield},
    {"hashes", "hscan", 20, R_SINGLE, g_hscan},
    {"hashes", "bighash", 1, R_SINGLE, g_bighash},
    /* sets (diff_set.h) */
    {"sets", "sadd", 150, R_SINGLE, g_sadd},
    {"sets", "srem", 50, R_SINGLE, g_srem},
    {"sets", "scard/sismember/smismember", 60, R_SINGLE, g_sismember},
    {"sets", "smembers", 30, R_SINGLE, g_smembers},
    {"sets", "sinter/sunion/sdiff", 40, R_SINGLE, g_setop},
    {"sets", "*store", 40, R_SINGLE, g_setop_store},
    {"sets", "sintercard", 25, R_SINGLE, g_sintercard},
    {"sets", "smove", 40, R_SINGLE, g_smove},
    {"sets", "srandmember", 30, R_SINGLE, g_srandmember},
    {"sets", "spop", 25, R_SINGLE, g_spop_det},
    {"sets", "spop-scratch", 20, 0, g_spop_scratch},
    {"sets", "sscan", 20, R_SINGLE, g_sscan},
    {"sets", "bigset", 2, R_SINGLE, g_bigset},
    /* sorted sets and SORT (diff_zset.h) */
    {"zsets", "zadd", 150, R_SINGLE, g_zadd},
    {"zsets", "zadd-lex", 40, R_SINGLE, g_zlexadd},
    {"zsets", "zincrby", 30, R_SINGLE, g_zincrby},
    {"zsets", "zrem", 40, R_SINGLE, g_zrem},
    {"zsets", "zcard/zscore/zrank/zmscore", 60, R_SINGLE, g_zread},
    {"zsets", "zcount/zlexcount", 30, R_SINGLE, g_zcount},
    {"zsets", "zrange", 80, R_SINGLE, g_zrange},
    {"zsets", "zrangebyscore/bylex/zrevrange", 50, R_SINGLE, g_zrange_old},
    {"zsets", "zrangestore", 25, R_SINGLE, g_zrangestore},
    {"zsets", "zremrangeby*", 30, R_SINGLE, g_zremrange},
    {"zsets", "zpopmin/zpopmax", 30, R_SINGLE, g_zpop},
    {"zsets", "zmpop", 20, R_SINGLE, g_zmpop},
    {"zsets", "bzpop*", 3, R_SINGLE, g_bzpop},
    {"zsets", "zrandmember", 20, R_SINGLE, g_zrandmember},
    {"zsets", "zscan", 15, R_SINGLE, g_zscan},
    {"zsets", "zunion/zinter/zdiff", 40, R_SINGLE, g_zsetop},
    {"zsets", "*store", 35, R_SINGLE, g_zsetop_store},
    {"zsets", "zintercard", 15, R_SINGLE, g_zintercard},
    {"zsets", "bigzset", 2, R_SINGLE, g_bigzset},
    {"sort", "sort/sort_ro", 40, 0, g_sort},
};
#define NROWS ((int)(sizeof ROWS / sizeof *ROWS))

/* Full-state fetch per type: "@" is replaced by the key. */
static const struct {
    const char *type;
    const char *argv[6];
    cmp_mode mode;
} STATE_DUMP[] = {
    {"string", {"GET", "@"}, CMP_EXACT},
    {"string", {"OBJECT", "ENCODING", "@"}, CMP_EXACT},
    {"list", {"LRANGE", "@", "0", "-1"}, CMP_EXACT},
    {"list", {"OBJECT", "ENCODING", "@"}, CMP_EXACT},
    {"hash", {"HGETALL", "@"}, CMP_PAIRS},
    {"hash", {"OBJECT", "ENCODING", "@"}, CMP_EXACT},
    {"set", {"SMEMBERS", "@"}, CMP_SORTED},
    {"set", {"OBJECT", "ENCODING", "@"}, CMP_EXACT},
    {"zset", {"ZRANGE", "@", "0", "-1", "WITHSCORES"}, CMP_EXACT},
    {"zset", {"OBJECT", "ENCODING", "@"}, CMP_EXACT},
    {"*", {"PTTL", "@"}, CMP_TTL_MS},
};

static long long total_weight, single_weight;

static const row *pick_weighted(int single_only) {
    long long x = (long long)below((uint64_t)(single_only ? single_weight : total_weight));
    for (int i = 0; i < NROWS; i++) {
        if (single_only && !(ROWS[i].flags & R_SINGLE)) continue;
        x -= ROWS[i].weight;
        if (x < 0) return &ROWS[i];
    }
    return &ROWS[0];
}

static const row *pick_single(void) { return pick_weighted(1); }

/* ---------------------------------------------------------- comparison */

static int reply_eq(const redisReply *a, const redisReply *b);

static int repr_eq(const redisReply *a, const redisReply *b) {
    char *x = ts_reply_repr(a), *y = ts_reply_repr(b);
    int eq = strcmp(x, y) == 0;
    free(x);
    free(y);
    return eq;
}

static int reply_eq(const redisReply *a, const redisReply *b) {
    if (!a || !b) return a == b;
    if (a->type != b->type) return 0;
    switch (a->type) {
    case REDIS_REPLY_STRING: case REDIS_REPLY_STATUS: case REDIS_REPLY_ERROR:
        return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
    case REDIS_REPLY_INTEGER: return a->integer == b->integer;
    case REDIS_REPLY_NIL: return 1;
    case REDIS_REPLY_ARRAY:
        if (a->elements != b->elements) return 0;
        for (size_t i = 0; i < a->elements; i++)
            if (!reply_eq(a->element[i], b->element[i])) return 0;
        return 1;
    default: return repr_eq(a, b);
    }
}

static int cmp_str(const void *x, const void *y) {
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The elements of an array rendered and sorted (repeats dropped when
 * uniq), as one text "[a, b]". */
static char *sorted_repr(const redisReply *r, int uniq) {
    char **v = calloc(r->elements + 1, sizeof *v);
    size_t total = 3, nv = 0;
    if (!v) abort();
    for (size_t i = 0; i < r->elements; i++) v[i] = ts_reply_repr(r->element[i]);
    qsort(v, r->elements, sizeof *v, cmp_str);
    for (size_t i = 0; i < r->elements; i++) {
        if (uniq && nv && strcmp(v[nv - 1], v[i]) == 0) {
            free(v[i]);
            continue;
        }
        v[nv++] = v[i];
        total += strlen(v[i]) + 2;
    }
    char *out = malloc(total), *p = out;
    if (!out) abort();
    *p++ = '[';
    for (size_t i = 0; i < nv; i++) {
        size_t n = strlen(v[i]);
        if (i) *p++ = ',', *p++ = ' ';
        memcpy(p, v[i], n);
        p += n;
        free(v[i]);
    }
    *p++ = ']';
    *p = '\0';
    free(v);
    return out;
}

/* The pairs of a field, value, ... array rendered and sorted, as one text
 * (NULL for an odd count). */
static char *pairs_repr(const redisReply *r) {
    if (r->elements % 2) return NULL;
    size_t n = r->elements / 2;
    redisReply *pair = calloc(n + 1, sizeof *pair), **v = calloc(n + 1, sizeof *v);
    if (!pair || !v) abort();
    for (size_t i = 0; i < n; i++) {
        pair[i].type = REDIS_REPLY_ARRAY;
        pair[i].elements = 2;
        pair[i].element = r->element + 2 * i;
        v[i] = &pair[i];
    }
    redisReply all = {.type = REDIS_REPLY_ARRAY, .elements = n, .element = v};
    char *out = sorted_repr(&all, 0);
    free(pair);
    free(v);
    return out;
}

/* CMP_SHAPE: kinds and counts alike; errors, statuses, integers exact. */
static int same_shape(const redisReply *a, const redisReply *b) {
    if (a->type != b->type) return 0;
    if (a->type == REDIS_REPLY_ERROR || a->type == REDIS_REPLY_STATUS || a->type == REDIS_REPLY_INTEGER)
        return reply_eq(a, b);
    if (a->type != REDIS_REPLY_ARRAY) return 1;
    if (a->elements != b->elements) return 0;
    for (size_t i = 0; i < a->elements; i++)
        if (!same_shape(a->element[i], b->element[i])) return 0;
    return 1;
}

static int same(const redisReply *a, const redisReply *b, cmp_mode mode, const cmp_mode *inner,
                int ninner) {
    if (!a || !b) return 0;
    switch (mode) {
    case CMP_SORTED:
        if (a->type == REDIS_REPLY_ARRAY && b->type == REDIS_REPLY_ARRAY) {
            char *x = sorted_repr(a, 0), *y = sorted_repr(b, 0);
            int eq = strcmp(x, y) == 0;
            free(x);
            free(y);
            return eq;
        }
        return reply_eq(a, b);
    case CMP_TTL_S: case CMP_TTL_MS:
        if (a->type == REDIS_REPLY_INTEGER && b->type == REDIS_REPLY_INTEGER) {
            long long tol = mode == CMP_TTL_S ? 2 : 2000, d = a->integer - b->integer;
            if (a->integer == b->integer) return 1;
            return a->integer >= 0 && b->integer >= 0 && d <= tol && d >= -tol;
        }
        return reply_eq(a, b);
    case CMP_KIND: return a->type == b->type;
    case CMP_PAIRS:
        if (a->type == REDIS_REPLY_ARRAY && b->type == REDIS_REPLY_ARRAY) {
            char *x = pairs_repr(a), *y = pairs_repr(b);
            int eq = x && y ? strcmp(x, y) == 0 : reply_eq(a, b);
            free(x);
            free(y);
            return eq;
        }
        return reply_eq(a, b);
    case CMP_SCAN_SORTED: case CMP_SCAN_PAIRS:
        if (a->type == REDIS_REPLY_ARRAY && b->type == REDIS_REPLY_ARRAY && a->elements == 2 &&
            b->elements == 2)
            return reply_eq(a->element[0], b->element[0]) &&
                   same(a->element[1], b->element[1], mode == CMP_SCAN_PAIRS ? CMP_PAIRS : CMP_SORTED,
                        NULL, 0);
        return reply_eq(a, b);
    case CMP_SHAPE: return same_shape(a, b);
    case CMP_EXEC:
        if (a->type == REDIS_REPLY_ARRAY && b->type == REDIS_REPLY_ARRAY &&
            a->elements == b->elements && (int)a->elements == ninner && inner) {
            for (size_t i = 0; i < a->elements; i++)
                if (!same(a->element[i], b->element[i], inner[i], NULL, 0)) return 0;
            return 1;
        }
        return reply_eq(a, b);
    default: return reply_eq(a, b);
    }
}

/* ------------------------------------------------------------ execution */

typedef struct side {
    const char *label;
    ts_server *srv;
    redisContext *c0, *c1;
} side;

static side SD[2];

static struct {
    long long cmds, mismatches, state_mismatches, conn_errors, redis_errors, resyncs, groups;
    long long state_checks, state_keys, following;
    long long row_cmds[NROWS], row_mismatch[NROWS];
    int dirty;
} st;

static struct {
    step **v;
    int n, cap;
} batch;

static const char *row_label(const row *r) {
    static char buf[96];
    snprintf(buf, sizeof buf, "%s/%s", r ? r->family : "-", r ? r->name : "-");
    return buf;
}

static void diag_clip(const char *label, const char *text) {
    size_t n = strlen(text);
    diag("  %s %.*s%s", label, (int)(n > 400 ? 400 : n), text, n > 400 ? "..." : "");
}

static void diag_step(const char *label, const step *s) {
    char *c = ts_argv_repr(s->argc, (const char *const *)s->argv, s->lens);
    diag_clip(label, c);
    free(c);
}

/* Count a mismatch in *counter. A mismatch after another one in the same
 * batch (before the resync) is likely a consequence: it is counted as
 * following, not attributed to its row and not printed. The first DIFF_SHOW
 * primary mismatches are printed. */
static void report(long long *counter, const char *what, const step *s, const char *ra,
                   const char *rb, step *const *ctx, int nctx) {
    static long long shown;
    ++*counter;
    if (st.dirty) {
        st.following++;
        return;
    }
    st.dirty = 1;
    if (s && s->row) st.row_mismatch[s->row - ROWS]++;
    if (++shown > cfg.show) return;
    diag("MISMATCH %lld after %lld commands (%s, %s):", shown, st.cmds, what,
         row_label(s ? s->row : NULL));
    for (int i = nctx > 4 ? nctx - 4 : 0; i < nctx; i++) diag_step("  before:", ctx[i]);
    if (s && s->argc) diag_step("command:", s);
    diag_clip("strata: ", ra);
    diag_clip("redis:  ", rb);
}

static void trace(const step *s, const redisReply *a, const redisReply *b) {
    if (!cfg.trace) return;
    char *c = ts_argv_repr(s->argc, (const char *const *)s->argv, s->lens);
    char *x = ts_reply_repr(a), *y = ts_reply_repr(b);
    fprintf(cfg.trace, "%lld %s conn%d: %s\n  strata: %s\n  redis:  %s\n", st.cmds,
            row_label(s->row), s->conn, c, x, y);
    free(c);
    free(x);
    free(y);
}

static void check(const step *s, const redisReply *a, const redisReply *b, step *const *ctx,
                  int nctx) {
    st.cmds++;
    if (s->row) st.row_cmds[s->row - ROWS]++;
    if (b && b->type == REDIS_REPLY_ERROR) st.redis_errors++;
    trace(s, a, b);
    if (same(a, b, s->mode, s->inner, s->ninner)) return;
    char *x = ts_reply_repr(a), *y = ts_reply_repr(b);
    report(&st.mismatches, "reply", s, x, y, ctx, nctx);
    free(x);
    free(y);
}

static void conn_failed(int i, redisContext *c, step *const *v, int n) {
    st.conn_errors++;
    diag("connection to %s failed: %s", SD[i].label, c->errstr);
    diag("the batch in flight (%d commands):", n);
    for (int j = 0; j < n && j < 40; j++) diag_step("  ", v[j]);
    ts_log_tail(SD[i].srv, 30);
}

static int alive(void) { return st.conn_errors == 0; }

static void flush_batch(void) {
    int n = batch.n;
    redisReply **rep[2] = {calloc((size_t)n + 1, sizeof(redisReply *)),
                           calloc((size_t)n + 1, sizeof(redisReply *))};
    if (!rep[0] || !rep[1]) abort();
    for (int i = 0; i < 2 && alive() && n; i++) {
        for (int j = 0; j < n; j++) {
            step *s = batch.v[j];
            redisAppendCommandArgv(SD[i].c0, s->argc, (const char **)s->argv, s->lens);
        }
    }
    for (int i = 0; i < 2 && alive() && n; i++) {
        int done = 0;
        while (!done && alive())
            if (redisBufferWrite(SD[i].c0, &done) != REDIS_OK)
                conn_failed(i, SD[i].c0, batch.v, n);
    }
    for (int i = 0; i < 2 && alive() && n; i++) {
        for (int j = 0; j < n; j++) {
            void *r = NULL;
            if (redisGetReply(SD[i].c0, &r) != REDIS_OK) {
                conn_failed(i, SD[i].c0, batch.v, n);
                break;
            }
            rep[i][j] = r;
        }
    }
    for (int j = 0; j < n && alive(); j++) check(batch.v[j], rep[0][j], rep[1][j], batch.v, j);
    for (int j = 0; j < n; j++) {
        if (rep[0][j]) freeReplyObject(rep[0][j]);
        if (rep[1][j]) freeReplyObject(rep[1][j]);
        step_free(batch.v[j]);
    }
    free(rep[0]);
    free(rep[1]);
    batch.n = 0;
}

static void batch_push(step *s) {
    if (batch.n == batch.cap) {
        batch.cap = batch.cap ? batch.cap * 2 : 256;
        batch.v = realloc(batch.v, sizeof *batch.v * (size_t)batch.cap);
        if (!batch.v) abort();
    }
    batch.v[batch.n++] = s;
    if (batch.n >= cfg.batch) flush_batch();
}

/* Run argv on connection `conn` of both servers now; replies to *a, *b. */
static int run_sync(int conn, int argc, const char **argv, const size_t *lens, redisReply **a,
                    redisReply **b) {
    redisReply **out[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        redisContext *c = conn ? SD[i].c1 : SD[i].c0;
        *out[i] = alive() ? redisCommandArgv(c, argc, argv, lens) : NULL;
        if (!*out[i] && alive()) {
            step tmp = {.argc = argc, .argv = (char **)argv, .lens = (size_t *)lens};
            step *one = &tmp;
            conn_failed(i, c, &one, 1);
        }
    }
    return alive() ? 0 : -EIO;
}

static void exec_sync_step(step *s) {
    redisReply *a = NULL, *b = NULL;
    if (run_sync(s->conn, s->argc, (const char **)s->argv, s->lens, &a, &b) == 0)
        check(s, a, b, NULL, 0);
    if (a) freeReplyObject(a);
    if (b) freeReplyObject(b);
}

/* Full SCAN iteration on one server: sorted unique keys as one text, or the
 * first error / malformed reply. */
static char *scan_all(redisContext *c, const step *s) {
    const char *argv[16];
    size_t lens[16];
    char cursor[32] = "0";
    int argc = 0;
    argv[argc] = "SCAN", lens[argc++] = 4;
    argv[argc] = cursor, lens[argc++] = 1;
    for (int i = 0; i < s->argc && argc < 16; i++) argv[argc] = s->argv[i], lens[argc++] = s->lens[i];
    redisReply all = {.type = REDIS_REPLY_ARRAY};
    size_t cap = 0;
    char *result = NULL;
    for (int iter = 0; iter < 100000 && !result; iter++) {
        lens[1] = strlen(cursor);
        redisReply *r = redisCommandArgv(c, argc, argv, lens);
        if (!r) {
            result = strdup("(connection error)");
            break;
        }
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[0]->len >= sizeof cursor ||
            r->element[1]->type != REDIS_REPLY_ARRAY) {
            result = ts_reply_repr(r);
            freeReplyObject(r);
            break;
        }
        memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
        redisReply *keys = r->element[1];
        for (size_t i = 0; i < keys->elements; i++) {
            if (all.elements == cap) {
                cap = cap ? cap * 2 : 64;
                all.element = realloc(all.element, sizeof *all.element * cap);
                if (!all.element) abort();
            }
            all.element[all.elements++] = keys->element[i];
        }
        keys->elements = 0; /* elements now owned by `all` */
        free(keys->element);
        keys->element = NULL;
        freeReplyObject(r);
        if (strcmp(cursor, "0") == 0) break;
    }
    if (!result) result = sorted_repr(&all, 1);
    for (size_t i = 0; i < all.elements; i++) freeReplyObject(all.element[i]);
    free(all.element);
    return result;
}

static void exec_scan_step(step *s) {
    char *x = scan_all(SD[0].c0, s), *y = scan_all(SD[1].c0, s);
    st.cmds++;
    if (s->row) st.row_cmds[s->row - ROWS]++;
    if (strcmp(x, y) != 0) {
        step shown = *s;
        char *argv[18];
        size_t lens[18];
        argv[0] = "SCAN*", lens[0] = 5;
        for (int i = 0; i < s->argc && i < 17; i++) argv[i + 1] = s->argv[i], lens[i + 1] = s->lens[i];
        shown.argv = argv, shown.lens = lens, shown.argc = s->argc + 1;
        report(&st.mismatches, "full SCAN union", &shown, x, y, NULL, 0);
    }
    free(x);
    free(y);
}

static void run_group(void) {
    for (int i = 0; i < G.n; i++) {
        step *s = G.v[i];
        if (s->kind == STEP_CMD && s->conn == 0) {
            batch_push(s);
            continue;
        }
        flush_batch();
        if (s->kind == STEP_SCAN) exec_scan_step(s);
        else if (s->kind == STEP_SLEEP) ts_sleep_ms(s->sleep_ms);
        else exec_sync_step(s);
        step_free(s);
    }
    G.n = 0;
}

/* -------------------------------------------------- key-space comparison */

static void sync_ignore(int conn, const char *a0, const char *a1) {
    const char *argv[2] = {a0, a1};
    redisReply *a = NULL, *b = NULL;
    run_sync(conn, a1 ? 2 : 1, argv, NULL, &a, &b);
    if (a) freeReplyObject(a);
    if (b) freeReplyObject(b);
}

static int state_compare_cmd(const char *what, int argc, const char **argv, const size_t *lens,
                             cmp_mode mode, redisReply **keep_a) {
    redisReply *a = NULL, *b = NULL;
    int eq = 0;
    if (run_sync(1, argc, argv, lens, &a, &b) == 0) {
        eq = same(a, b, mode, NULL, 0);
        if (!eq) {
            char *x = ts_reply_repr(a), *y = ts_reply_repr(b);
            step shown = {.argc = argc, .argv = (char **)argv, .lens = (size_t *)lens};
            report(&st.state_mismatches, what, &shown, x, y, NULL, 0);
            free(x);
            free(y);
        }
    }
    if (keep_a && a) *keep_a = a;
    else if (a) freeReplyObject(a);
    if (b) freeReplyObject(b);
    return eq;
}

static void state_compare_key(const redisReply *key) {
    const char *argv[6];
    size_t lens[6];
    redisReply *type = NULL;
    argv[0] = "TYPE", lens[0] = 4;
    argv[1] = key->str, lens[1] = key->len;
    st.state_keys++;
    if (!state_compare_cmd("state: TYPE", 2, argv, lens, CMP_EXACT, &type) || !type ||
        type->type != REDIS_REPLY_STATUS) {
        if (type) freeReplyObject(type);
        return;
    }
    for (size_t d = 0; d < sizeof STATE_DUMP / sizeof *STATE_DUMP; d++) {
        if (strcmp(STATE_DUMP[d].type, "*") != 0 && strcmp(STATE_DUMP[d].type, type->str) != 0)
            continue;
        int argc = 0;
        for (; argc < 6 && STATE_DUMP[d].argv[argc]; argc++) {
            int is_key = strcmp(STATE_DUMP[d].argv[argc], "@") == 0;
            argv[argc] = is_key ? key->str : STATE_DUMP[d].argv[argc];
            lens[argc] = is_key ? key->len : strlen(argv[argc]);
        }
        state_compare_cmd("state: value", argc, argv, lens, STATE_DUMP[d].mode, NULL);
    }
    freeReplyObject(type);
}

/* Compare db 0 and db 1 of both servers through the second connection. */
static void state_compare(void) {
    flush_batch();
    st.state_checks++;
    for (int db = 0; db < 2 && alive(); db++) {
        sync_ignore(1, "SELECT", db ? "1" : "0");
        const char *argv[2] = {"KEYS", "*"};
        redisReply *keys = NULL;
        state_compare_cmd(db ? "state: KEYS * (db 1)" : "state: KEYS * (db 0)", 2, argv, NULL,
                          CMP_SORTED, &keys);
        if (keys && keys->type == REDIS_REPLY_ARRAY)
            for (size_t i = 0; i < keys->elements && alive(); i++)
                if (keys->element[i]->type == REDIS_REPLY_STRING) state_compare_key(keys->element[i]);
        if (keys) freeReplyObject(keys);
        const char *dbsize[1] = {"DBSIZE"};
        state_compare_cmd("state: DBSIZE", 1, dbsize, NULL, CMP_EXACT, NULL);
    }
    sync_ignore(1, "SELECT", "0");
}

static void flushall(void) { sync_ignore(1, "FLUSHALL", NULL); }

/* After a mismatch: put both servers back into the same known state. */
static void resync(void) {
    flush_batch();
    for (int i = 0; i < 2 && alive(); i++) {
        redisReply *r;
        const char *cmds[][2] = {{"DISCARD", NULL}, {"UNWATCH", NULL}, {"SELECT", "0"}};
        for (int j = 0; j < 3; j++) {
            r = redisCommand(SD[i].c0, cmds[j][1] ? "%s %s" : "%s", cmds[j][0], cmds[j][1]);
            if (r) freeReplyObject(r);
        }
    }
    flushall();
    st.resyncs++;
    st.dirty = 0;
}

/* ---------------------------------------------------------- main phase */

static long long mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_workload(void) {
    long long next_state = cfg.state_every, next_timed = 0, t0 = mono_ms();
    long long deadline = t0 + (long long)cfg.max_seconds * 1000;
    int in_time = 1;
    flushall();
    while (st.cmds < cfg.count && alive()) {
        /* the timed row sleeps: at most ~30 of them per run */
        do cur_row = pick_weighted(0);
        while (cur_row->gen == g_timed && st.cmds < next_timed);
        if (cur_row->gen == g_timed) next_timed = st.cmds + cfg.count / 30;
        nested = 0;
        cur_row->gen();
        cur_row = NULL;
        st.groups++;
        run_group();
        if (st.dirty) resync();
        if (st.cmds + batch.n >= next_state) {
            state_compare();
            flushall();
            next_state += cfg.state_every;
        }
        if (mono_ms() > deadline) {
            in_time = 0;
            diag("time budget of %d s used up after %lld commands", cfg.max_seconds, st.cmds);
            break;
        }
    }
    flush_batch();
    if (alive()) state_compare();
    diag("workload: %lld commands in %lld groups, %.1f s, %lld state checks over %lld keys, "
         "%lld redis error replies",
         st.cmds, st.groups, (double)(mono_ms() - t0) / 1000.0, st.state_checks, st.state_keys,
         st.redis_errors);
    if (st.mismatches + st.state_mismatches)
        diag("mismatches: %lld replies + %lld state, of which %lld follow an earlier one in the "
             "same batch (not shown; DIFF_BATCH=1 isolates them), %lld resyncs",
             st.mismatches, st.state_mismatches, st.following, st.resyncs);
    return in_time;
}

static void family_summary(void) {
    const char *fam = NULL;
    char line[1024];
    size_t len = 0;
    for (int i = 0; i <= NROWS; i++) {
        if (i == NROWS || !fam || strcmp(fam, ROWS[i].family) != 0) {
            if (fam) diag("%s", line);
            if (i == NROWS) break;
            fam = ROWS[i].family;
            len = (size_t)snprintf(line, sizeof line, "  %-13s", fam);
        }
        if (len < sizeof line)
            len += (size_t)snprintf(line + len, sizeof line - len, " %s=%lld%s", ROWS[i].name,
                                    st.row_cmds[i], st.row_mismatch[i] ? "(!)" : "");
    }
    for (int i = 0; i < NROWS; i++)
        if (st.row_mismatch[i])
            diag("  mismatches in %s: %lld", row_label(&ROWS[i]), st.row_mismatch[i]);
}

static int all_families_ran(void) {
    for (int i = 0; i < NROWS; i++) {
        int fam_total = 0;
        for (int j = 0; j < NROWS; j++)
            if (strcmp(ROWS[j].family, ROWS[i].family) == 0) fam_total += (int)st.row_cmds[j];
        if (fam_total == 0) {
            diag("family %s never ran", ROWS[i].family);
            return 0;
        }
    }
    return 1;
}

/* ---------------------------------------------------------- RESP3 phase */

/* Single-command rows over raw HELLO 3 connections, exact comparison of the
 * canonical text (RESP3 types: null, map, set, double... included). */
static long long resp3_phase(long long count, int *hello_ok) {
    ts_raw *r[2] = {ts_raw_connect(SD[0].srv), ts_raw_connect(SD[1].srv)};
    long long bad = 0, done = 0;
    char *hello[2] = {NULL, NULL};
    const char *h[2] = {"HELLO", "3"};
    *hello_ok = 0;
    for (int i = 0; i < 2; i++)
        if (!r[i] || ts_raw_cmd(r[i], 2, h, NULL) < 0 || ts_raw_read(r[i], 30000, &hello[i]) != 1)
            goto out;
    *hello_ok = hello[0][0] == '{' && hello[1][0] == '{';
    if (!*hello_ok) {
        diag_clip("HELLO 3 strata:", hello[0]);
        diag_clip("HELLO 3 redis: ", hello[1]);
        goto out;
    }
    while (done < count) {
        step *v[64];
        int n = 0;
        while (n < 64) {
            nested = 1;
            cur_row = pick_single();
            cur_row->gen();
            nested = 0;
            if (G.n == 1 && G.v[0]->kind == STEP_CMD && G.v[0]->mode == CMP_EXACT) v[n++] = G.v[0];
            else step_free(G.v[0]);
            for (int j = 1; j < G.n; j++) step_free(G.v[j]);
            G.n = 0;
        }
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < n; j++)
                ts_raw_cmd(r[i], v[j]->argc, (const char *const *)v[j]->argv, v[j]->lens);
        for (int j = 0; j < n; j++) {
            char *x = NULL, *y = NULL;
            int ra = ts_raw_read(r[0], 30000, &x), rb = ts_raw_read(r[1], 30000, &y);
            done++;
            if (ra != 1 || rb != 1 || strcmp(x, y) != 0) {
                if (++bad <= cfg.show) {
                    diag("RESP3 MISMATCH %lld (%s):", bad, row_label(v[j]->row));
                    diag_step("command:", v[j]);
                    diag_clip("strata: ", ra == 1 ? x : "(read error)");
                    diag_clip("redis:  ", rb == 1 ? y : "(read error)");
                }
            }
            free(x);
            free(y);
            if (ra != 1 || rb != 1) {
                done = count;
                bad += n - j - 1;
                for (int k = j; k < n; k++) step_free(v[k]);
                n = 0;
                break;
            }
            step_free(v[j]);
        }
    }
    diag("RESP3 phase: %lld commands, %lld mismatches", done, bad);
out:
    free(hello[0]);
    free(hello[1]);
    ts_raw_close(r[0]);
    ts_raw_close(r[1]);
    return bad;
}

/* ------------------------------------------------- self-checks */

static redisReply *mk(int type, const char *s, long long v) {
    redisReply *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->type = type;
    r->integer = v;
    if (s) {
        r->len = strlen(s);
        r->str = strdup(s);
    }
    return r;
}

static redisReply *mk_arr(int n, ...) {
    redisReply *r = mk(REDIS_REPLY_ARRAY, NULL, 0);
    va_list ap;
    r->elements = (size_t)n;
    r->element = calloc((size_t)n + 1, sizeof *r->element);
    va_start(ap, n);
    for (int i = 0; i < n; i++) r->element[i] = va_arg(ap, redisReply *);
    va_end(ap);
    return r;
}

#define S_(x) mk(REDIS_REPLY_STRING, x, 0)
#define I_(x) mk(REDIS_REPLY_INTEGER, NULL, x)

static void check_same(int want, redisReply *a, redisReply *b, cmp_mode m, const cmp_mode *inner,
                       int ninner, const char *what) {
    ok(same(a, b, m, inner, ninner) == want, "comparator: %s", what);
    freeReplyObject(a);
    freeReplyObject(b);
}

static void comparator_selfcheck(void) {
    static const cmp_mode EXEC_TTL[] = {CMP_EXACT, CMP_TTL_S}, EXEC_EX[] = {CMP_EXACT, CMP_EXACT};
    redisReply *bin_a = S_("a"), *bin_b = S_("a");
    free(bin_a->str), free(bin_b->str);
    bin_a->str = malloc(3), bin_b->str = malloc(3);
    memcpy(bin_a->str, "a\0b", 3), memcpy(bin_b->str, "a\0c", 3);
    bin_a->len = bin_b->len = 3;
    check_same(0, bin_a, bin_b, CMP_EXACT, NULL, 0, "binary strings differing after \\0");
    check_same(1, S_("x"), S_("x"), CMP_EXACT, NULL, 0, "equal strings");
    check_same(0, I_(1), I_(2), CMP_EXACT, NULL, 0, ":1 vs :2");
    check_same(0, S_("1"), I_(1), CMP_EXACT, NULL, 0, "\"1\" vs :1");
    check_same(0, mk(REDIS_REPLY_STATUS, "OK", 0), mk(REDIS_REPLY_STRING, "OK", 0), CMP_EXACT,
               NULL, 0, "+OK vs \"OK\"");
    check_same(0, mk_arr(2, S_("a"), mk_arr(1, I_(1))), mk_arr(2, S_("a"), mk_arr(1, I_(2))),
               CMP_EXACT, NULL, 0, "nested arrays differing deep");
    check_same(1, I_(100), I_(102), CMP_TTL_S, NULL, 0, "TTL 100 vs 102 within tolerance");
    check_same(0, I_(100), I_(103), CMP_TTL_S, NULL, 0, "TTL 100 vs 103 outside tolerance");
    check_same(0, I_(-1), I_(-2), CMP_TTL_S, NULL, 0, "TTL -1 vs -2");
    check_same(0, I_(-1), I_(1), CMP_TTL_S, NULL, 0, "TTL -1 vs 1");
    check_same(1, mk_arr(2, S_("a"), S_("b")), mk_arr(2, S_("b"), S_("a")), CMP_SORTED, NULL, 0,
               "sorted: same elements other order");
    check_same(0, mk_arr(1, S_("a")), mk_arr(2, S_("a"), S_("a")), CMP_SORTED, NULL, 0,
               "sorted: [a] vs [a, a]");
    check_same(1, S_("x"), S_("y"), CMP_KIND, NULL, 0, "kind: two strings");
    check_same(0, S_("x"), mk(REDIS_REPLY_NIL, NULL, 0), CMP_KIND, NULL, 0, "kind: string vs nil");
    check_same(1, mk_arr(2, I_(1), I_(100)), mk_arr(2, I_(1), I_(101)), CMP_EXEC, EXEC_TTL, 2,
               "EXEC with a TTL element within tolerance");
    check_same(0, mk_arr(2, I_(1), I_(100)), mk_arr(2, I_(1), I_(101)), CMP_EXEC, EXEC_EX, 2,
               "EXEC with exact elements differing");
    check_same(0, mk_arr(1, I_(1)), mk(REDIS_REPLY_NIL, NULL, 0), CMP_EXEC, EXEC_EX, 1,
               "EXEC results vs aborted (nil)");
    check_same(1, mk_arr(4, S_("a"), S_("1"), S_("b"), S_("2")), mk_arr(4, S_("b"), S_("2"), S_("a"), S_("1")),
               CMP_PAIRS, NULL, 0, "pairs: the same pairs in another order");
    check_same(0, mk_arr(4, S_("a"), S_("1"), S_("b"), S_("2")), mk_arr(4, S_("a"), S_("2"), S_("b"), S_("1")),
               CMP_PAIRS, NULL, 0, "pairs: values swapped between fields");
    check_same(1, mk_arr(2, S_("0"), mk_arr(2, S_("x"), S_("y"))), mk_arr(2, S_("0"), mk_arr(2, S_("y"), S_("x"))),
               CMP_SCAN_SORTED, NULL, 0, "scan: the same members in another order");
    check_same(0, mk_arr(2, S_("0"), mk_arr(1, S_("x"))), mk_arr(2, S_("5"), mk_arr(1, S_("x"))),
               CMP_SCAN_SORTED, NULL, 0, "scan: cursors differ");
    check_same(1, mk_arr(2, S_("a"), S_("b")), mk_arr(2, S_("c"), S_("d")), CMP_SHAPE, NULL, 0,
               "shape: two strings each");
    check_same(0, mk_arr(2, S_("a"), S_("b")), mk_arr(3, S_("a"), S_("b"), S_("c")), CMP_SHAPE, NULL, 0,
               "shape: counts differ");
    check_same(0, mk(REDIS_REPLY_ERROR, "ERR a", 0), mk(REDIS_REPLY_ERROR, "ERR b", 0), CMP_SHAPE, NULL, 0,
               "shape: errors compare exactly");
}

/* The raw parser and the hiredis reader must render RESP2 alike; RESP3
 * renders as documented; every strict prefix is incomplete; garbage fails. */
static void renderer_selfcheck(void) {
    static const char *const RESP2[] = {
        "+OK\r\n", "-ERR bad \"thing\"\r\n", ":-42\r\n", "$-1\r\n", "*-1\r\n", "$0\r\n\r\n",
        "$5\r\na\x00\r\n\xff\r\n", "*0\r\n", "*3\r\n:1\r\n*2\r\n$1\r\nx\r\n+y\r\n$-1\r\n",
        "$3\r\n\"\\\t\r\n"};
    int agree = 1;
    for (size_t i = 0; i < sizeof RESP2 / sizeof *RESP2; i++) {
        const char *in = RESP2[i];
        size_t len = strlen(in), used = 0;
        if (i == 6) len = 11; /* has a NUL */
        redisReader *rd = redisReaderCreate();
        void *reply = NULL;
        char *mine = NULL, *theirs;
        redisReaderFeed(rd, in, len);
        if (redisReaderGetReply(rd, &reply) != REDIS_OK || !reply) agree = 0;
        theirs = ts_reply_repr(reply);
        if (ts_resp_parse(in, len, &used, &mine) != 1 || used != len || strcmp(mine, theirs)) {
            diag("renderer: %s vs hiredis %s", mine ? mine : "(parse failed)", theirs);
            agree = 0;
        }
        for (size_t cut = 0; cut < len; cut++) {
            char *partial = NULL;
            if (ts_resp_parse(in, cut, &used, &partial) != 0) {
                diag("renderer: prefix %zu of sample %zu not incomplete", cut, i);
                agree = 0;
                free(partial);
            }
        }
        free(mine);
        free(theirs);
        if (reply) freeReplyObject(reply);
        redisReaderFree(rd);
    }
    ok(agree, "renderer: raw RESP2 parser agrees with hiredis, prefixes are incomplete");

    static const struct {
        const char *in, *want;
    } RESP3[] = {
        {"_\r\n", "null"},
        {",3.25\r\n", ",3.25"},
        {"#t\r\n", "#t"},
        {"(123456789012345678901234567890\r\n", "(123456789012345678901234567890"},
        {"=8\r\ntxt:ab\r\n\r\n", "=txt:\"ab\\r\\n\""},
        {"!5\r\nERR x\r\n", "-ERR x"},
        {"%2\r\n+a\r\n:1\r\n$1\r\nb\r\n_\r\n", "{+a: :1, \"b\": null}"},
        {"~2\r\n:1\r\n:2\r\n", "~{:1, :2}"},
        {">2\r\n+message\r\n$1\r\nx\r\n", ">[+message, \"x\"]"},
        {"|1\r\n+ttl\r\n:5\r\n+OK\r\n", "|{+ttl: :5} +OK"},
    };
    int good = 1;
    for (size_t i = 0; i < sizeof RESP3 / sizeof *RESP3; i++) {
        size_t used = 0, len = strlen(RESP3[i].in);
        char *got = NULL;
        if (ts_resp_parse(RESP3[i].in, len, &used, &got) != 1 || used != len ||
            strcmp(got, RESP3[i].want) != 0) {
            diag("renderer: RESP3 sample %zu rendered %s, want %s", i, got ? got : "(fail)",
                 RESP3[i].want);
            good = 0;
        }
        free(got);
    }
    ok(good, "renderer: RESP3 types render canonically");

    static const char *const GARBAGE[] = {"?x\r\n", ":12a\r\n", "$3\r\nabcd\r\n", "*1\r\n!x\r\n",
                                          "#x\r\n", "_1\r\n", "$-2\r\n", "+a\rb\r\n"};
    int rejected = 1;
    for (size_t i = 0; i < sizeof GARBAGE / sizeof *GARBAGE; i++) {
        size_t used;
        char *got = NULL;
        if (ts_resp_parse(GARBAGE[i], strlen(GARBAGE[i]), &used, &got) != -EPROTO) {
            diag("renderer: garbage sample %zu accepted", i);
            rejected = 0;
        }
        free(got);
    }
    ok(rejected, "renderer: malformed input is a protocol error");
}

/* ---------------------------------------------------------------- main */

static int start_side(int i, const char *label, const char *bin) {
    ts_opts o = {.bin = bin};
    SD[i].label = label;
    SD[i].srv = ts_start(&o);
    ok(SD[i].srv != NULL, "started %s (%s)", label, bin);
    if (!SD[i].srv) return -1;
    SD[i].c0 = ts_connect(SD[i].srv);
    SD[i].c1 = ts_connect(SD[i].srv);
    ok(SD[i].c0 && SD[i].c1, "two connections to %s", label);
    return SD[i].c0 && SD[i].c1 ? 0 : -1;
}

static void configure(void) {
    const char *seed = getenv("DIFF_SEED");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cfg.seed = seed && *seed ? strtoull(seed, NULL, 10)
                             : (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
    int asan = getenv("STRATA_ASAN") != NULL;
    cfg.count = env_ll("DIFF_COUNT", asan ? 125000 : 500000);
    cfg.batch = (int)env_ll("DIFF_BATCH", 200);
    cfg.state_every = env_ll("DIFF_STATE_EVERY", 4000);
    cfg.show = (int)env_ll("DIFF_SHOW", 10);
    cfg.resp3_count = env_ll("DIFF_RESP3_COUNT", cfg.count / 10);
    cfg.max_seconds = (int)env_ll("DIFF_MAX_SECONDS", 300);
    if (cfg.batch < 1) cfg.batch = 1;
    if (cfg.state_every < 100) cfg.state_every = 100;
    const char *tr = getenv("DIFF_TRACE");
    if (tr && *tr && !(cfg.trace = fopen(tr, "w"))) diag("cannot open DIFF_TRACE %s", tr);
    rng_state = cfg.seed;
    grid_s = (now_s() / 1000 + 5000) * 1000;
    keys_init();
    for (int i = 0; i < NROWS; i++) {
        total_weight += ROWS[i].weight;
        if (ROWS[i].flags & R_SINGLE) single_weight += ROWS[i].weight;
    }
}

int main(void) {
    configure();
    printf("# seed %" PRIu64 " \xe2\x80\x94 rerun with DIFF_SEED=%" PRIu64 "\n", cfg.seed, cfg.seed);
    fflush(stdout);
    comparator_selfcheck();
    renderer_selfcheck();
    if (start_side(0, "strata", ts_strata_bin()) < 0 || start_side(1, "redis", ts_redis_bin()) < 0) {
        diag("cannot run the differential test without both servers");
    } else {
        int in_time = run_workload();
        ok(alive(), "no connection errors");
        is_int(st.mismatches, 0, "%lld commands: strata and redis replies identical", st.cmds);
        is_int(st.state_mismatches, 0, "key space identical at %lld state checks", st.state_checks);
        ok(in_time, "workload finished within DIFF_MAX_SECONDS=%d", cfg.max_seconds);
        ok(st.cmds >= (in_time && alive() ? cfg.count : 1), "ran %lld of %lld commands", st.cmds,
           cfg.count);
        ok(st.redis_errors * 2 < st.cmds, "most replies are not errors (%lld of %lld)",
           st.redis_errors, st.cmds);
        ok(st.state_keys > 0, "state checks saw keys (%lld)", st.state_keys);
        ok(all_families_ran(), "every family ran");
        family_summary();
        if (alive() && cfg.resp3_count > 0) {
            int hello_ok;
            long long bad = resp3_phase(cfg.resp3_count, &hello_ok);
            ok(hello_ok, "HELLO 3 answers a map on both");
            is_int(bad, 0, "RESP3 replies identical");
            long long before = st.state_mismatches;
            state_compare();
            is_int(st.state_mismatches - before, 0, "key space identical after the RESP3 phase");
        }
        if (tap_failed_) diag("rerun with DIFF_SEED=%" PRIu64, cfg.seed);
    }
    for (int i = 0; i < 2; i++) {
        if (SD[i].c0) redisFree(SD[i].c0);
        if (SD[i].c1) redisFree(SD[i].c1);
        ts_free(SD[i].srv);
    }
    if (cfg.trace) fclose(cfg.trace);
    free(G.v);
    free(batch.v);
    return done_testing();
}
