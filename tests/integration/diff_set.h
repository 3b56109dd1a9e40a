/*
 * tests/integration/diff_set.h — set generators for the differential test
 * (included by test_diff.c before its ROWS table, after diff_hash.h whose
 * add_rand_count it shares; uses test_diff.c's helpers).
 *
 * Members are mostly small integers (intsets), then numbers that are not
 * canonical integers ("007", "-0", "+1", 2^63 ...), a small pool of words
 * and odd bytes, so sets convert to hashtables the way real data does; the
 * "bigset" row adds 400..600 integers at once (around the 512 limit).
 *
 * Determinism: SPOP of part of a set picks at random, so it runs on a
 * scratch copy ({x}spop, outside the key pool) that is checked by shape
 * and size and then deleted; SPOP with a count no set reaches pops
 * everything (deterministic).  Replies in hash-table order (SMEMBERS,
 * SINTER, SUNION, SDIFF, SSCAN of a hashtable, whole-set SPOP) are
 * compared sorted; SRANDMEMBER and scratch SPOPs by shape.
 */

#define SPOP_SCRATCH "{x}spop"

static void add_member(step *s) {
    int r = (int)below(100);
    if (r < 50) {
        addll(s, rrange(-20, 60));
    } else if (r < 60) {
        blob b = NUMBERISH[below(sizeof NUMBERISH / sizeof *NUMBERISH)];
        add(s, b.p, b.n);
    } else if (r < 78) {
        addf(s, "m%d", (int)below(30));
    } else if (r < 86) {
        blob b = ODD_VALUES[below(sizeof ODD_VALUES / sizeof *ODD_VALUES)];
        add(s, b.p, b.n);
    } else if (r < 94) {
        addll(s, (long long)(rnd() >> below(64)) * (pct(50) ? 1 : -1));
    } else {
        add_random_bytes(s, (size_t)rrange(1, 8), pct(50));
    }
}

static void g_sadd(void) {
    step *s = cmd(CMP_EXACT, "SADD");
    add_key(s);
    for (long long i = rrange(1, 5); i > 0; i--) add_member(s);
}

static void g_srem(void) {
    step *s = cmd(CMP_EXACT, "SREM");
    add_key(s);
    for (long long i = rrange(1, 4); i > 0; i--) add_member(s);
}

static void g_sismember(void) {
    int which = (int)below(3);
    step *s = cmd(CMP_EXACT, which == 0 ? "SCARD" : which == 1 ? "SISMEMBER" : "SMISMEMBER");
    add_key(s);
    if (which == 1) add_member(s);
    if (which == 2)
        for (long long i = rrange(1, 4); i > 0; i--) add_member(s);
}

static void g_smembers(void) { add_key(cmd(CMP_SORTED, "SMEMBERS")); }

static void g_setop(void) {
    static const char *const OPS[] = {"SINTER", "SUNION", "SDIFF"};
    step *s = cmd(CMP_SORTED, OPS[below(3)]);
    add_keys(s, 1, 4);
}

static void g_setop_store(void) {
    static const char *const OPS[] = {"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"};
    step *s = cmd(CMP_EXACT, OPS[below(3)]);
    add_key(s);
    if (pct(15)) add(s, s->argv[1], s->lens[1]); /* the destination is a source */
    add_keys(s, 1, 3);
}

static void g_sintercard(void) {
    step *s = cmd(CMP_EXACT, "SINTERCARD");
    int n = (int)rrange(1, 3), r = (int)below(100);
    if (r < 4) adds(s, pct(50) ? "0" : "x");
    else if (r < 7) addll(s, n + 1); /* more keys than given */
    else addll(s, n);
    for (int i = 0; i < n; i++) add_key(s);
    if (pct(40)) {
        adds(s, "LIMIT");
        if (pct(95)) add_int(s, -1, 6);
    } else if (pct(3)) {
        adds(s, "FOO");
    }
}

static void g_smove(void) {
    step *s = cmd(CMP_EXACT, "SMOVE");
    add_key(s);
    if (pct(10)) add(s, s->argv[1], s->lens[1]);
    else add_key(s);
    add_member(s);
}

static void g_srandmember(void) {
    step *s = cmd(CMP_SHAPE, "SRANDMEMBER");
    add_key(s);
    if (pct(25)) return;
    add_rand_count(s);
    if (pct(3)) add_int(s, 0, 5); /* syntax error */
}

/* SPOP whose outcome is deterministic: errors, count 0, or a count no set
 * reaches (the whole set, then the key is gone). */
static void g_spop_det(void) {
    step *s;
    switch (below(6)) {
    case 0: case 1: case 2:
        s = cmd(CMP_SORTED, "SPOP");
        add_key(s);
        adds(s, pct(50) ? "100000" : "9223372036854775807");
        break;
    case 3:
        s = cmd(CMP_EXACT, "SPOP");
        add_key(s);
        adds(s, "0");
        break;
    case 4:
        s = cmd(CMP_EXACT, "SPOP");
        add_key(s);
        adds(s, BAD_INTS[below(sizeof BAD_INTS / sizeof *BAD_INTS)]);
        break;
    default:
        s = cmd(CMP_EXACT, "SPOP");
        add_key(s);
        adds(s, pct(50) ? "-1" : "1");
        adds(s, "1"); /* syntax error */
        break;
    }
}

/* SPOP of part of a set, on a scratch copy: the popped reply by shape, then
 * what remains (size, and that it is part of the original) exactly. */
static void g_spop_scratch(void) {
    blob k = pick_key();
    step *s = cmd(CMP_EXACT, "SUNIONSTORE");
    adds(s, SPOP_SCRATCH);
    add(s, k.p, k.n);
    s = cmd(CMP_SHAPE, "SPOP");
    adds(s, SPOP_SCRATCH);
    if (pct(70)) addll(s, pct(70) ? rrange(1, 5) : rrange(1, 600));
    adds(cmd(CMP_EXACT, "SCARD"), SPOP_SCRATCH);
    s = cmd(CMP_EXACT, "SDIFF");
    adds(s, SPOP_SCRATCH);
    add(s, k.p, k.n);
    adds(cmd(CMP_EXACT, "DEL"), SPOP_SCRATCH);
}

static void g_sscan(void) {
    step *s;
    if (pct(85)) {
        s = cmd(CMP_SCAN_SORTED, "SSCAN");
        add_key(s);
        adds(s, pct(90) ? "0" : "00"); /* other cursors differ with the table layout */
        opts o = {.n = 0};
        opt2(&o, "COUNT", "100000");
        if (pct(40)) opt2(&o, "MATCH", pct(50) ? "1*" : pick_pattern());
        opts_emit(s, &o);
        return;
    }
    s = cmd(CMP_EXACT, "SSCAN");
    add_key(s);
    switch (below(6)) {
    case 0: adds(s, "abc"); break;
    case 1: adds(s, "0"), adds(s, "COUNT"), adds(s, "0"); break;
    case 2: adds(s, "0"), adds(s, "MATCH"); break;
    case 3: adds(s, "0"), adds(s, "TYPE"), adds(s, "set"); break;
    case 4: adds(s, "0"), adds(s, "COUNT"), adds(s, "-5"); break;
    default: adds(s, " 1"); break;
    }
}

/* 400..600 integers at once: around set-max-intset-entries. */
static void g_bigset(void) {
    step *s = cmd(CMP_EXACT, "SADD");
    add_key(s);
    long long base = rrange(-1000, 1000);
    for (long long i = rrange(400, 600); i > 0; i--) addll(s, base + i);
}
