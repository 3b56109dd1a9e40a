/* tests/unit/test_quicklist.c — engine/quicklist: node-size rules (count and
 * byte fills, the 8 KiB safety limit, oversized elements), LZ4 compression
 * of interior nodes at several depths, export/import of node listpacks, and
 * thousands of random operations per (fill, depth) pair checked against an
 * array model with ql_check's structural invariants after every operation.
 *
 * Seed: STRATA_TEST_SEED=<n> reproduces a run (printed as a diagnostic). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/listpack.h"
#include "engine/mem.h"
#include "engine/quicklist.h"
#include "tests/tap.h"

static uint64_t rng_state;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }

static void seed_rng(void) {
    const char *e = getenv("STRATA_TEST_SEED");
    uint64_t s = e ? strtoull(e, NULL, 10) : (uint64_t)time(NULL);
    diag("seed %llu (STRATA_TEST_SEED to reproduce)", (unsigned long long)s);
    rng_state = s * 2654435761u + 0x9E3779B97F4A7C15ull;
    if (!rng_state) rng_state = 1;
}

/* ---- model ------------------------------------------------------------------ */

typedef struct {
    char *p;
    size_t n;
} str;

typedef struct {
    str *v;
    long n, cap;
} model;

static void m_insert(model *m, long at, const char *p, size_t n) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = realloc(m->v, sizeof(str) * (size_t)m->cap);
    }
    memmove(m->v + at + 1, m->v + at, sizeof(str) * (size_t)(m->n - at));
    m->v[at].p = malloc(n + 1);
    memcpy(m->v[at].p, p, n);
    m->v[at].n = n;
    m->n++;
}

static void m_delete(model *m, long at, long cnt) {
    for (long i = at; i < at + cnt; i++) free(m->v[i].p);
    memmove(m->v + at, m->v + at + cnt, sizeof(str) * (size_t)(m->n - at - cnt));
    m->n -= cnt;
}

static void m_clear(model *m) {
    m_delete(m, 0, m->n);
    free(m->v);
    memset(m, 0, sizeof(*m));
}

/* Element text of a ql_val. */
static size_t val_text(const ql_val *v, char *buf, const char **p) {
    if (v->s) {
        *p = (const char *)v->s;
        return v->len;
    }
    *p = buf;
    return (size_t)snprintf(buf, 32, "%lld", v->ll);
}

/* Contents equal to the model, walked in both directions. */
static int same(quicklist *ql, const model *m) {
    if ((long)ql_count(ql) != m->n) return 0;
    for (int dir = 0; dir < 2; dir++) {
        ql_iter it;
        ql_val v;
        long i = dir == 0 ? 0 : m->n - 1;
        ql_iter_init(&it, ql, dir == 0 ? QL_TAIL : QL_HEAD);
        while (ql_iter_next(&it, &v)) {
            char buf[32];
            const char *p;
            size_t n = val_text(&v, buf, &p);
            if (i < 0 || i >= m->n || n != m->v[i].n || memcmp(p, m->v[i].p, n) != 0) {
                ql_iter_release(&it);
                return 0;
            }
            i += dir == 0 ? 1 : -1;
        }
        ql_iter_release(&it);
        if (i != (dir == 0 ? m->n : -1)) return 0;
    }
    return 1;
}

/* ---- values ----------------------------------------------------------------- */

static char big[70000];

/* A random element: small ints, short text, compressible or random blobs of
 * sizes around the node limits. */
static size_t gen(char *out) {
    switch (below(10)) {
    case 0: case 1: case 2: return (size_t)snprintf(out, 32, "%lld", (long long)below(100000) - 50000);
    case 3: return (size_t)snprintf(out, 32, "%lld", (long long)rnd());
    case 4: case 5: {
        size_t n = below(20);
        for (size_t i = 0; i < n; i++) out[i] = (char)('a' + below(26));
        return n;
    }
    case 6: {
        size_t n = 50 + below(500);
        memset(out, 'x', n);
        out[0] = (char)('a' + below(26));
        return n;
    }
    case 7: {
        size_t n = below(3000);
        for (size_t i = 0; i < n; i++) out[i] = (char)below(256);
        return n;
    }
    case 8: {
        size_t n = 5000 + below(5000); /* beyond the 4/8 KiB limits */
        memset(out, 'y', n);
        return n;
    }
    default: return (size_t)snprintf(out, 32, "e%llu", (unsigned long long)below(50));
    }
}

/* ---- random operations ------------------------------------------------------ */

static int random_ops(int fill, int depth, int ops) {
    quicklist *ql = ql_new(fill, depth);
    model m = {0};
    char *buf = big;
    const char *why = NULL;
    int bad = 0;
    for (int k = 0; k < ops && !bad; k++) {
        long r = (long)below(100);
        size_t n;
        if (r < 30 || m.n == 0) { /* push */
            n = gen(buf);
            int head = (int)below(2);
            ql_push(ql, head ? QL_HEAD : QL_TAIL, buf, n);
            m_insert(&m, head ? 0 : m.n, buf, n);
        } else if (r < 45) { /* pop */
            int head = (int)below(2);
            ql_val v;
            char tb[32];
            const char *p;
            if (!ql_peek(ql, head ? QL_HEAD : QL_TAIL, &v)) bad = 1;
            size_t tn = val_text(&v, tb, &p);
            long at = head ? 0 : m.n - 1;
            if (tn != m.v[at].n || memcmp(p, m.v[at].p, tn) != 0) bad = 2;
            ql_pop_discard(ql, head ? QL_HEAD : QL_TAIL);
            m_delete(&m, at, 1);
        } else if (r < 55) { /* replace */
            long at = (long)below((uint64_t)m.n);
            n = gen(buf);
            long idx = below(2) ? at : at - m.n;
            if (!ql_replace_at(ql, idx, buf, n)) bad = 3;
            m_delete(&m, at, 1);
            m_insert(&m, at, buf, n);
        } else if (r < 72) { /* insert before/after through an iterator */
            long at = (long)below((uint64_t)m.n);
            int after = (int)below(2);
            ql_iter it;
            ql_val v;
            n = gen(buf);
            if (!ql_iter_init_at(&it, ql, below(2) ? QL_TAIL : QL_HEAD, at) || !ql_iter_next(&it, &v)) bad = 4;
            ql_iter_insert(&it, after, buf, n);
            ql_iter_release(&it);
            m_insert(&m, at + after, buf, n);
        } else if (r < 80) { /* delete range */
            long at = (long)below((uint64_t)m.n);
            unsigned long cnt = below(below(4) ? 5 : 200);
            long idx = below(2) ? at : at - m.n;
            unsigned long got = ql_del_range(ql, idx, cnt);
            long want = (long)cnt > m.n - at ? m.n - at : (long)cnt;
            if ((long)got != want) bad = 5;
            m_delete(&m, at, want);
        } else if (r < 90) { /* delete matching elements while iterating (LREM) */
            int fwd = (int)below(2);
            long limit = (long)below(4);
            char tb[32];
            const char *p;
            const str target = m.v[below((uint64_t)m.n)];
            char *tp = malloc(target.n + 1);
            memcpy(tp, target.p, target.n);
            ql_iter it;
            ql_val v;
            long removed = 0;
            ql_iter_init(&it, ql, fwd ? QL_TAIL : QL_HEAD);
            while (ql_iter_next(&it, &v)) {
                size_t tn = val_text(&v, tb, &p);
                if (tn == target.n && memcmp(p, tp, tn) == 0 && ql_val_eq(&v, tp, target.n)) {
                    ql_iter_delete(&it);
                    if (++removed == limit) break;
                }
            }
            ql_iter_release(&it);
            long seen = 0;
            if (fwd) {
                for (long i = 0; i < m.n && (limit == 0 || seen < limit);)
                    if (m.v[i].n == target.n && memcmp(m.v[i].p, tp, target.n) == 0) m_delete(&m, i, 1), seen++;
                    else i++;
            } else {
                for (long i = m.n - 1; i >= 0 && (limit == 0 || seen < limit); i--)
                    if (m.v[i].n == target.n && memcmp(m.v[i].p, tp, target.n) == 0) m_delete(&m, i, 1), seen++;
            }
            if (seen != removed) bad = 6;
            free(tp);
        } else { /* read a random index window */
            long at = (long)below((uint64_t)m.n);
            ql_iter it;
            ql_val v;
            char tb[32];
            const char *p;
            int dir = (int)below(2);
            if (!ql_iter_init_at(&it, ql, dir ? QL_TAIL : QL_HEAD, at - (below(2) ? 0 : m.n))) bad = 7;
            for (long i = at; i >= 0 && i < m.n && i < at + 20 && i > at - 20 && ql_iter_next(&it, &v);
                 i += dir ? 1 : -1) {
                size_t tn = val_text(&v, tb, &p);
                if (tn != m.v[i].n || memcmp(p, m.v[i].p, tn) != 0) bad = 8;
            }
            ql_iter_release(&it);
        }
        if (!bad && ql_check(ql, &why) < 0) bad = 9;
        if (!bad && (k % 50 == 0) && !same(ql, &m)) bad = 10;
        if (bad) diag("fill %d depth %d: failure %d at op %d (%s)", fill, depth, bad, k, why ? why : "-");
    }
    if (!bad && !same(ql, &m)) bad = 11;
    ql_free(ql);
    m_clear(&m);
    return bad;
}

/* ---- targeted tests ----------------------------------------------------------- */

static void test_count_fill(void) {
    quicklist *ql = ql_new(5, 0);
    for (int i = 0; i < 12; i++) ql_push(ql, QL_TAIL, "abc", 3);
    is_int(ql_node_count(ql), 3, "fill 5: 12 pushes make 3 nodes");
    ql_node *n = ql_first_node(ql);
    ok(ql_node_elements(n) == 5 && ql_node_elements(ql_node_next(n)) == 5 &&
           ql_node_elements(ql_node_next(ql_node_next(n))) == 2,
       "fill 5: nodes of 5, 5, 2");
    ql_free(ql);

    /* Positive fill never passes the 8 KiB safety limit. */
    ql = ql_new(1000, 0);
    char v[1000];
    memset(v, 'q', sizeof(v));
    for (int i = 0; i < 50; i++) ql_push(ql, QL_TAIL, v, sizeof(v));
    int max_ok = 1;
    for (ql_node *x = ql_first_node(ql); x; x = ql_node_next(x)) {
        unsigned char *owned;
        size_t len;
        ql_node_listpack(x, &len, &owned);
        if (len > 8192) max_ok = 0;
        mem_free(owned);
    }
    ok(max_ok && ql_node_count(ql) > 1, "fill 1000 with 1000-byte elements: nodes stay <= 8 KiB (%lu nodes)",
       ql_node_count(ql));
    ql_free(ql);

    /* fill 0: every element in its own node, as Redis. */
    ql = ql_new(0, 0);
    for (int i = 0; i < 4; i++) ql_push(ql, QL_HEAD, "a", 1);
    is_int(ql_node_count(ql), 4, "fill 0: one element per node");
    ql_free(ql);
}

static void test_byte_fill(void) {
    static const size_t limits[5] = {4096, 8192, 16384, 32768, 65536};
    for (int f = -1; f >= -5; f--) {
        quicklist *ql = ql_new(f, 0);
        char v[100];
        memset(v, 'z', sizeof(v));
        for (int i = 0; i < 3000; i++) ql_push(ql, i % 2 ? QL_HEAD : QL_TAIL, v, sizeof(v));
        int ok_sz = 1, full = 1;
        for (ql_node *x = ql_first_node(ql); x; x = ql_node_next(x)) {
            unsigned char *owned;
            size_t len;
            ql_node_listpack(x, &len, &owned);
            if (len > limits[-f - 1]) ok_sz = 0;
            /* a node other than the two ends could not take one more */
            if (x != ql_first_node(ql) && ql_node_next(x) && len + 102 + 8 <= limits[-f - 1]) full = 0;
            mem_free(owned);
        }
        const char *why;
        ok(ok_sz && full && ql_check(ql, &why) == 0, "fill %d: nodes within %zu bytes and filled (%lu nodes)", f,
           limits[-f - 1], ql_node_count(ql));
        ql_free(ql);
    }

    /* An element bigger than the limit gets a node of its own. */
    quicklist *ql = ql_new(-1, 0);
    ql_push(ql, QL_TAIL, "a", 1);
    memset(big, 'B', 10000);
    ql_push(ql, QL_TAIL, big, 10000);
    ql_push(ql, QL_TAIL, "b", 1);
    is_int(ql_node_count(ql), 3, "oversized element: alone in its node");
    ql_val v;
    ql_iter it;
    ok(ql_iter_init_at(&it, ql, QL_TAIL, 1) && ql_iter_next(&it, &v) && v.s && v.len == 10000 && v.s[9999] == 'B',
       "oversized element reads back");
    ql_iter_release(&it);
    ql_free(ql);
}

static void fill_compressible(quicklist *ql, int n, int random_bytes) {
    char v[200];
    for (int i = 0; i < n; i++) {
        for (size_t j = 0; j < sizeof(v); j++) v[j] = random_bytes ? (char)rnd() : (char)('a' + (j % 3));
        ql_push(ql, QL_TAIL, v, sizeof(v));
    }
}

static void test_compression(void) {
    const char *why;
    for (int depth = 0; depth <= 3; depth++) {
        quicklist *ql = ql_new(5, depth); /* 5 x 200 bytes: ~1 KiB nodes */
        fill_compressible(ql, 50, 0);
        unsigned long want = depth ? 10 - 2 * (unsigned long)depth : 0;
        ok(ql_node_count(ql) == 10 && ql_compressed_nodes(ql) == want && ql_check(ql, &why) == 0,
           "depth %d: %lu of 10 nodes compressed", depth, want);
        /* read everything: nodes are recompressed afterwards */
        ql_iter it;
        ql_val v;
        long k = 0;
        ql_iter_init(&it, ql, QL_HEAD);
        while (ql_iter_next(&it, &v)) k += v.s && v.len == 200 && v.s[1] == 'b';
        ql_iter_release(&it);
        ok(k == 50 && ql_compressed_nodes(ql) == want && ql_check(ql, &why) == 0,
           "depth %d: iteration reads compressed nodes and leaves them compressed", depth);
        /* popping from the head moves nodes out of the interior */
        for (int i = 0; i < 25; i++) ql_pop_discard(ql, QL_HEAD);
        ok(ql_check(ql, &why) == 0, "depth %d: pops keep the ends raw (%s)", depth, why ? why : "ok");
        quicklist *copy = ql_dup(ql);
        ok(ql_count(copy) == 25 && ql_compressed_nodes(copy) == ql_compressed_nodes(ql) &&
               ql_check(copy, &why) == 0,
           "depth %d: dup copies compressed nodes", depth);
        ql_free(copy);
        ql_free(ql);
    }
    quicklist *ql = ql_new(5, 1);
    fill_compressible(ql, 50, 1);
    ok(ql_compressed_nodes(ql) == 0 && ql_check(ql, &why) == 0, "random bytes: nothing worth compressing");
    ql_free(ql);

    /* Changing the depth of a filled list re-places compression. */
    ql = ql_new(5, 0);
    fill_compressible(ql, 50, 0);
    ql_set_options(ql, 5, 2);
    ok(ql_compressed_nodes(ql) == 6 && ql_check(ql, &why) == 0, "set_options depth 2: 6 nodes compressed");
    ql_set_options(ql, 5, 0);
    ok(ql_compressed_nodes(ql) == 0 && ql_check(ql, &why) == 0, "set_options depth 0: none compressed");
    ql_free(ql);
}

static void test_export_import(void) {
    quicklist *ql = ql_new(-2, 1);
    model m = {0};
    char buf[16];
    for (int i = 0; i < 5000; i++) {
        size_t n = (size_t)snprintf(buf, sizeof(buf), i % 3 ? "v%d" : "%d", i);
        ql_push(ql, QL_TAIL, buf, n);
        m_insert(&m, m.n, buf, n);
    }
    quicklist *back = ql_new(-2, 1);
    int valid = 1;
    unsigned long nodes = 0;
    for (ql_node *x = ql_first_node(ql); x; x = ql_node_next(x), nodes++) {
        unsigned char *owned;
        size_t len;
        const unsigned char *lp = ql_node_listpack(x, &len, &owned);
        if (lp_validate(lp, len) != 0 || lp_length(lp) != ql_node_elements(x)) valid = 0;
        unsigned char *copy = lp_from_blob(lp, len);
        if (!copy) valid = 0;
        else ql_append_listpack(back, copy);
        mem_free(owned);
    }
    const char *why;
    ok(valid, "every exported node is a valid listpack (%lu nodes, %lu compressed)", nodes, ql_compressed_nodes(ql));
    ok(ql_node_count(back) == nodes && same(back, &m) && ql_check(back, &why) == 0,
       "rebuilt from node listpacks: same contents and nodes");
    ok(ql_compressed_nodes(back) == ql_compressed_nodes(ql), "imported interior nodes are compressed");
    ql_append_listpack(back, lp_new());
    is_int(ql_node_count(back), nodes, "an empty listpack adds nothing");
    /* the exported bytes are Redis's: the same elements pushed into a fresh
     * listpack give identical bytes */
    unsigned char *owned;
    size_t len;
    const unsigned char *lp = ql_node_listpack(ql_first_node(ql), &len, &owned);
    unsigned char *ref = lp_new();
    for (unsigned long i = 0; i < ql_node_elements(ql_first_node(ql)); i++)
        ref = lp_append(ref, m.v[i].p, m.v[i].n);
    ok(lp_bytes(ref) == len && memcmp(ref, lp, len) == 0, "node bytes equal a listpack built element by element");
    lp_free(ref);
    mem_free(owned);
    ql_free(back);
    ql_free(ql);
    m_clear(&m);
}

static void test_insert_split_merge(void) {
    /* fill 4: insert into the middle of full nodes, forcing splits and
     * merges, then compare with the model. */
    quicklist *ql = ql_new(4, 0);
    model m = {0};
    char buf[16];
    for (int i = 0; i < 16; i++) {
        size_t n = (size_t)snprintf(buf, sizeof(buf), "%d", i);
        ql_push(ql, QL_TAIL, buf, n);
        m_insert(&m, m.n, buf, n);
    }
    for (int i = 0; i < 40; i++) {
        long at = (long)below((uint64_t)m.n);
        int after = (int)below(2);
        size_t n = (size_t)snprintf(buf, sizeof(buf), "x%d", i);
        ql_iter it;
        ql_val v;
        ql_iter_init_at(&it, ql, QL_TAIL, at);
        ql_iter_next(&it, &v);
        ql_iter_insert(&it, after, buf, n);
        ql_iter_release(&it);
        m_insert(&m, at + after, buf, n);
    }
    const char *why;
    ok(same(ql, &m) && ql_check(ql, &why) == 0, "40 inserts into full fill-4 nodes keep order and invariants");
    unsigned long max = 0;
    for (ql_node *x = ql_first_node(ql); x; x = ql_node_next(x))
        if (ql_node_elements(x) > max) max = ql_node_elements(x);
    ok(max <= 4, "no node exceeds fill 4 after splits and merges (max %lu)", max);
    /* Delete most elements: many small nodes.  Inserting next to them
     * merges neighbours again. */
    ql_del_range(ql, 1, 50);
    m_delete(&m, 1, 50);
    ok(same(ql, &m) && ql_check(ql, &why) == 0, "delete range across nodes");
    ql_free(ql);
    m_clear(&m);
}

static void test_edges(void) {
    quicklist *ql = ql_new(-2, 0);
    ql_val v;
    ql_iter it;
    ok(!ql_peek(ql, QL_HEAD, &v) && !ql_pop_discard(ql, QL_TAIL), "empty: peek/pop fail");
    ok(!ql_iter_init_at(&it, ql, QL_TAIL, 0) && !ql_iter_next(&it, &v), "empty: init_at 0 out of range");
    ok(!ql_replace_at(ql, 0, "a", 1) && ql_del_range(ql, 0, 5) == 0, "empty: replace/delete nothing");
    ql_push(ql, QL_TAIL, "1", 1);
    ql_push(ql, QL_TAIL, "two", 3);
    ok(ql_peek(ql, QL_HEAD, &v) && !v.s && v.ll == 1, "integer element reads as integer");
    ok(ql_val_eq(&v, "1", 1) && !ql_val_eq(&v, "01", 2), "ql_val_eq compares integer text");
    ok(ql_peek(ql, QL_TAIL, &v) && v.s && v.len == 3 && ql_val_eq(&v, "two", 3), "string element");
    ok(!ql_iter_init_at(&it, ql, QL_TAIL, 2) && !ql_iter_init_at(&it, ql, QL_TAIL, -3), "index 2 / -3 out of range");
    ok(ql_iter_init_at(&it, ql, QL_HEAD, -1) && ql_iter_next(&it, &v) && v.s && ql_iter_next(&it, &v) && !v.s &&
           !ql_iter_next(&it, &v),
       "backwards from -1");
    ql_iter_release(&it);
    ok(ql_del_range(ql, -1, 100) == 1 && ql_count(ql) == 1, "delete range from -1 clips to the end");
    ok(ql_mem(ql) > 0, "ql_mem");
    ql_free(ql);
    ql_free(NULL);
}

int main(void) {
    seed_rng();
    test_count_fill();
    test_byte_fill();
    test_compression();
    test_export_import();
    test_insert_split_merge();
    test_edges();
    static const int fills[] = {-5, -2, -1, 0, 1, 2, 3, 4, 8, 128};
    for (size_t f = 0; f < sizeof(fills) / sizeof(*fills); f++) {
        for (int depth = 0; depth <= 2; depth++) {
            int bad = random_ops(fills[f], depth, 2500);
            ok(bad == 0, "2500 random ops, fill %d depth %d, match the model", fills[f], depth);
        }
    }
    return done_testing();
}
