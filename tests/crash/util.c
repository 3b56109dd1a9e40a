/*
 * tests/crash/util.c — small shared pieces of strata-crashtest: clocks, the
 * seeded PRNG, growable buffers, key names and the deterministic values the
 * workload writes and verify.c recomputes. See crash.h for the design.
 */
#include "tests/crash/crash.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ names */

const char *ct_policy_name(int policy) {
    static const char *const names[] = {"always", "everysec", "no"};
    return policy >= 0 && policy <= CT_NO ? names[policy] : "?";
}

const char *ct_phase_name(int phase) {
    static const char *const names[] = {"random", "bgsave", "rewrite", "fsync", "loading",
                                        "mixed"};
    return phase >= 0 && phase <= CT_PH_MIXED ? names[phase] : "?";
}

/* ------------------------------------------------------------ clocks */

int64_t ct_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t ct_real_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ct_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

int64_t ct_cycle_rt(const ct_cycle *cy, int64_t us) {
    return cy->rt0_ms + (us - cy->mono0_us) / 1000;
}

/* -------------------------------------------------------------- PRNG */

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ct_rng_seed(ct_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t ct_rng_next(ct_rng *r) {
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint64_t ct_rng_range(ct_rng *r, uint64_t lo, uint64_t hi) {
    if (hi <= lo) return lo;
    uint64_t span = hi - lo + 1;
    return span == 0 ? ct_rng_next(r) : lo + ct_rng_next(r) % span;
}

uint64_t ct_mix(uint64_t a, uint64_t b) {
    uint64_t x = a ^ rotl(b, 32) ^ 0x6a09e667f3bcc909ULL;
    splitmix64(&x);
    x ^= b * 0x9e3779b97f4a7c15ULL;
    return splitmix64(&x);
}

/* ------------------------------------------------------------ memory */

void *ct_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

void *ct_xcalloc(size_t n, size_t m) {
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) abort();
    return p;
}

void *ct_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) abort();
    return q;
}

char *ct_xstrdup(const char *s) { return ct_xmemdup(s, strlen(s)); }

char *ct_xmemdup(const void *p, size_t n) {
    char *q = ct_xmalloc(n + 1);
    if (n) memcpy(q, p, n);
    q[n] = '\0';
    return q;
}

char *ct_fmt(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = ct_xmalloc((size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ------------------------------------------------------------ buffers */

static void buf_reserve(ct_buf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    b->p = ct_xrealloc(b->p, cap);
    b->cap = cap;
}

void ct_buf_add(ct_buf *b, const void *d, size_t n) {
    buf_reserve(b, n);
    if (n) memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void ct_buf_addf(ct_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0) return;
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ct_buf_cmd(ct_buf *b, int argc, const char *const *argv, const size_t *lens) {
    ct_buf_addf(b, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        size_t n = lens ? lens[i] : strlen(argv[i]);
        ct_buf_addf(b, "$%zu\r\n", n);
        ct_buf_add(b, argv[i], n);
        ct_buf_add(b, "\r\n", 2);
    }
}

void ct_buf_free(ct_buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ------------------------------------------------------------- values */

size_t ct_value(char *buf, size_t cap, uint64_t cseed, int client, uint32_t op, int max_pad) {
    uint64_t h = ct_mix(ct_mix(cseed, (uint64_t)client), op);
    int n = snprintf(buf, cap, "v%u.", op);
    size_t len = n > 0 ? (size_t)n : 0;
    size_t pad = max_pad > 0 ? (size_t)(h % (uint64_t)(max_pad + 1)) : 0;
    for (size_t i = 0; i < pad && len + 1 < cap; i++) {
        if (i % 12 == 0) h = ct_mix(h, i);
        buf[len++] = (char)('a' + (h >> ((i % 12) * 5)) % 26);
    }
    buf[len] = '\0';
    return len;
}

/* ------------------------------------------------------------ history */

uint32_t ct_client_push(ct_client *c, int kind, uint32_t arg) {
    if (c->nops == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->ops = ct_xrealloc(c->ops, sizeof *c->ops * c->cap);
    }
    ct_op *op = &c->ops[c->nops];
    memset(op, 0, sizeof *op);
    op->kind = (uint8_t)kind;
    op->state = CT_SENT;
    op->arg = arg;
    return c->nops++;
}

void ct_client_reset_ops(ct_client *c) { c->nops = 0; }

void ct_oldkeys_free(ct_oldkey *v, size_t n) {
    if (!v) return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].key);
        free(v[i].val);
    }
    free(v);
}

const ct_oldkey *ct_client_find_old(const ct_client *c, const char *key) {
    size_t lo = 0, hi = c->nold;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(c->old[mid].key, key);
        if (cmp == 0) return &c->old[mid];
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* ------------------------------------------------------------- keys */

const char *ct_key_ctr(char *buf, int client) {
    snprintf(buf, CT_KEY_MAX, "ct:c%d:ctr", client);
    return buf;
}

const char *ct_key_log(char *buf, int cycle, int client) {
    snprintf(buf, CT_KEY_MAX, "ct:%d:c%d:log", cycle, client);
    return buf;
}

const char *ct_key_u(char *buf, int cycle, int client, uint32_t op) {
    snprintf(buf, CT_KEY_MAX, "ct:%d:c%d:u:%u", cycle, client, op);
    return buf;
}

const char *ct_key_x(char *buf, int cycle, int client, uint32_t op) {
    snprintf(buf, CT_KEY_MAX, "ct:%d:c%d:x:%u", cycle, client, op);
    return buf;
}

const char *ct_key_m(char *buf, int cycle, int client, const char *which) {
    snprintf(buf, CT_KEY_MAX, "ct:%d:c%d:m:%s", cycle, client, which);
    return buf;
}

const char *ct_key_l(char *buf, int cycle, int client) {
    snprintf(buf, CT_KEY_MAX, "ct:%d:c%d:l", cycle, client);
    return buf;
}

/* ------------------------------------------------------------ reports */

void ct_violation(ct_report *r, const char *fmt, ...) {
    r->violations++;
    if (r->printed >= (r->limit ? r->limit : 10)) return;
    r->printed++;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    char *line = ct_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(line, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ct_buf_addf(&r->text, "  VIOLATION %s\n", line);
    free(line);
}
