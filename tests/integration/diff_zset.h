/*
 * tests/integration/diff_zset.h — sorted-set and SORT generators for the
 * differential test (included by test_diff.c before its ROWS table; uses
 * test_diff.c's helpers).
 *
 * Members: short words that share prefixes (lex ranges), small integers
 * (listpack integers), numberish and odd bytes, and now and then a member
 * of 60..70 bytes (around zset-max-listpack-value, 64); the "bigzset" row
 * adds 100..160 members at once (around zset-max-listpack-entries, 128).
 * Scores: integers, fractions, %.17g corners (0.1, 1e17, 2^62, 1e300,
 * denormals), -0, inf/-inf, and malformed ones (nan, "", " 1", 1e400, hex).
 * Range items cover "(" exclusivity, "-inf"/"+inf", strtod's leniency ("",
 * "(", " 1", hex) and lex items "[a" "(a" "-" "+" and the invalid ones.
 *
 * Determinism (test_diff.c rules):
 *   - every zset reply is ordered (score, then member bytes) and compared
 *     exactly, WITHSCORES included; ZSCAN runs in one call (COUNT far above
 *     any size: cursor 0) and compares pairs in any order; ZRANDMEMBER is
 *     compared by shape only, and never with a huge negative count (Redis
 *     7.0.15 then builds a reply of 2^63 elements until it dies);
 *   - lex ranges are defined on members in lex order, i.e. with equal
 *     scores; on a skiplist with mixed scores the result depends on the
 *     random node levels (it differs between two Redis processes too).  So
 *     the commands that read or write by lex range work on three keys of
 *     their own, {z}lex0..2, that only ever get score-0 members (and are
 *     skiplists once a 60..70 byte member lands); on the shared pool keys
 *     lex reads are compared by reply kind only and lex writes never go;
 *   - the blocking pops use 10..20 ms timeouts (never 0): on missing keys
 *     both servers reply nil after the timeout, inside MULTI at once;
 *   - SORT: replies whose order may depend on hash-table order are compared
 *     sorted (BY nosort on a set, ALPHA BY with ties, ALPHA without STORE
 *     whose strcoll ties "b" and "b\0"), or by reply kind when a LIMIT
 *     window picks from such an order.  Redis 7.0 reads errno after
 *     strtod without clearing it, so a stale ERANGE left by any earlier
 *     command (a 1e400 range item, a SORT of "1e-400") fails its next numeric
 *     SORT; every SORT is therefore preceded by "ZADD {z}errno XX 0 x", a
 *     no-op on both servers that clears errno in Redis (string2d), which is
 *     why the SORT row is not R_SINGLE.  No score here is subnormal: Redis
 *     7.0's SORT of a listpack zset holding one fails (see sort.c).
 */

#define ZSET_ERRNO_RESET "{z}errno"

/* One of the lex keys (see the top). */
static void add_lex_key(step *s) { addf(s, "{z}lex%d", (int)below(3)); }

/* A lex command's key: a lex key (compared exactly) or, now and then, a
 * pool key (reply kind only).  Returns the compare mode. */
static cmp_mode lex_target(step *s) {
    if (pct(85)) {
        add_lex_key(s);
        return CMP_EXACT;
    }
    add_key(s);
    return CMP_KIND;
}

static void add_zmember(step *s) {
    static const char *const WORDS[] = {"a", "b", "c", "aa", "ab", "abc", "b\0", "B", "", "zz", "m", "mm"};
    int r = (int)below(100);
    if (r < 35) {
        const char *w = WORDS[below(sizeof WORDS / sizeof *WORDS)];
        add(s, w, w[0] == 'b' && w[1] == '\0' && pct(50) ? 2 : strlen(w));
    } else if (r < 60) {
        addf(s, "m%d", (int)below(40));
    } else if (r < 75) {
        addll(s, rrange(-5, 30));
    } else if (r < 83) {
        blob b = NUMBERISH[below(sizeof NUMBERISH / sizeof *NUMBERISH)];
        add(s, b.p, b.n);
    } else if (r < 90) {
        blob b = ODD_VALUES[below(sizeof ODD_VALUES / sizeof *ODD_VALUES)];
        add(s, b.p, b.n);
    } else if (r < 95) {
        add_random_bytes(s, (size_t)rrange(60, 70), 0);
    } else {
        add_random_bytes(s, (size_t)rrange(1, 6), 1);
    }
}

static const char *const ZSCORES[] = {"0", "1", "-1", "2", "3", "1.5", "-2.25", "0.1", "100", "-0",
                                      "inf", "-inf", "+inf", "1e17", "4611686018427387904",
                                      "4611686018427387905", "1.5e300", "-1e300", "1e-300", "3.0000000000000004",
                                      "17.000000000000001", "0x10", "1e3"};
static const char *const ZSCORES_BAD[] = {"nan", "abc", "", " 1", "1 ", "1e400", "1e-400", "--1", "1,5"};

static void add_zscore(step *s) {
    int r = (int)below(100);
    if (r < 40) addll(s, rrange(-5, 10));
    else if (r < 85) adds(s, ZSCORES[below(sizeof ZSCORES / sizeof *ZSCORES)]);
    else if (r < 97) addf(s, "%.*f", (int)below(4), (double)rrange(-1000, 1000) / 7.0);
    else adds(s, ZSCORES_BAD[below(sizeof ZSCORES_BAD / sizeof *ZSCORES_BAD)]);
}

/* A score range item (zslParseRange: "(" exclusive, strtod's leniency). */
static void add_zbound(step *s) {
    static const char *const ODD[] = {"-inf", "+inf", "inf", "(-inf", "(+inf", "(", "", " 1", "0x2", "(1e400",
                                      "nan", "(nan", "abc", "1a", "((1"};
    int r = (int)below(100);
    if (r < 45) addf(s, "%s%lld", pct(35) ? "(" : "", rrange(-3, 10));
    else if (r < 65) addf(s, "%s%.1f", pct(35) ? "(" : "", (double)rrange(-30, 100) / 10.0);
    else if (r < 94) adds(s, ODD[below(6)]);
    else adds(s, ODD[below(sizeof ODD / sizeof *ODD)]);
}

/* A lex range item: "[a" "(a" "-" "+" or an invalid one. */
static void add_zlex(step *s) {
    static const char *const BAD[] = {"a", "", "-a", "+a", "*"};
    int r = (int)below(100);
    if (r < 25) {
        adds(s, pct(50) ? "-" : "+");
    } else if (r < 95) {
        char buf[16];
        buf[0] = pct(50) ? '[' : '(';
        static const char *const W[] = {"a", "aa", "ab", "b", "c", "m1", "m2", "m", "1", "2", "", "zz"};
        const char *w = W[below(sizeof W / sizeof *W)];
        size_t n = strlen(w);
        memcpy(buf + 1, w, n);
        add(s, buf, n + 1);
    } else {
        adds(s, BAD[below(sizeof BAD / sizeof *BAD)]);
    }
}

/* A rank index (ZRANGE, ZREMRANGEBYRANK). */
static void add_zrank(step *s) {
    int r = (int)below(100);
    if (r < 85) addll(s, rrange(-8, 8));
    else if (r < 95) addll(s, rrange(-300, 300));
    else if (r < 98) adds(s, (const char *[]){"9223372036854775807", "-9223372036854775808", "4611686018427387904",
                                            "-4611686018427387905"}[below(4)]);
    else adds(s, BAD_INTS[below(sizeof BAD_INTS / sizeof *BAD_INTS)]);
}

static void add_limit(step *s) {
    adds(s, "LIMIT");
    addll(s, pct(85) ? rrange(0, 5) : rrange(-2, 200));
    addll(s, pct(80) ? rrange(-1, 6) : rrange(-5, 200));
}

/* ---- ZADD ZINCRBY ZREM ------------------------------------------------ */

static void g_zadd(void) {
    step *s = cmd(CMP_EXACT, "ZADD");
    add_key(s);
    static const char *const FLAGS[] = {"NX", "XX", "GT", "LT", "CH", "INCR"};
    int r = (int)below(100), incr = 0;
    if (r < 45) {
        for (int i = 0; i < 3; i++) {
            if (!pct(20)) continue;
            const char *f = FLAGS[below(6)];
            incr |= strcmp(f, "INCR") == 0;
            adds(s, pct(85) ? f : "ch");
        }
    }
    long long n = incr && pct(90) ? 1 : rrange(1, 5);
    for (long long i = 0; i < n; i++) {
        add_zscore(s);
        add_zmember(s);
    }
    if (pct(2)) add_zscore(s); /* odd argument count */
}

static void g_zincrby(void) {
    step *s = cmd(CMP_EXACT, "ZINCRBY");
    add_key(s);
    add_zscore(s);
    add_zmember(s);
}

static void g_zrem(void) {
    step *s = cmd(CMP_EXACT, "ZREM");
    add_key(s);
    for (long long i = rrange(1, 4); i > 0; i--) add_zmember(s);
}

/* ZADD of score-0 members to a lex key. */
static void g_zlexadd(void) {
    step *s = cmd(CMP_EXACT, "ZADD");
    add_lex_key(s);
    if (pct(15)) adds(s, (const char *[]){"NX", "XX", "CH"}[below(3)]);
    for (long long i = rrange(1, 6); i > 0; i--) {
        adds(s, pct(90) ? "0" : "-0");
        add_zmember(s);
    }
}

/* ---- reads --------------------------------------------------------------- */

static void g_zread(void) {
    static const char *const ONE[] = {"ZSCORE", "ZRANK", "ZREVRANK"};
    int r = (int)below(100);
    step *s;
    if (r < 20) {
        add_key(cmd(CMP_EXACT, "ZCARD"));
    } else if (r < 75) {
        s = cmd(CMP_EXACT, ONE[below(3)]);
        add_key(s);
        add_zmember(s);
    } else {
        s = cmd(CMP_EXACT, "ZMSCORE");
        add_key(s);
        for (long long i = rrange(1, 4); i > 0; i--) add_zmember(s);
    }
}

static void g_zcount(void) {
    int lex = pct(40);
    step *s = cmd(CMP_EXACT, lex ? "ZLEXCOUNT" : "ZCOUNT");
    if (lex) s->mode = lex_target(s), add_zlex(s), add_zlex(s);
    else add_key(s), add_zbound(s), add_zbound(s);
}

/* Shuffled option words; a LIMIT offset count (three words, too wide for
 * an opt token) goes at a random place among them. */
static void zopts_emit(step *s, opts *o, int limit) {
    for (int i = o->n - 1; i > 0; i--) {
        int j = (int)below((uint64_t)i + 1);
        opt_tok tmp = o->t[i];
        o->t[i] = o->t[j];
        o->t[j] = tmp;
    }
    int at = limit ? (int)below((uint64_t)o->n + 1) : -1;
    for (int i = 0; i <= o->n; i++) {
        if (i == at) add_limit(s);
        if (i < o->n)
            for (int w = 0; w < o->t[i].nw; w++) adds(s, o->t[i].w[w]);
    }
}

/* The arguments after the source key of ZRANGE / ZRANGESTORE; type 0 by
 * rank, 1 BYSCORE, 2 BYLEX. */
static void zrange_args(step *s, int store, int type) {
    if (type == 0) add_zrank(s), add_zrank(s);
    else if (type == 1) add_zbound(s), add_zbound(s);
    else add_zlex(s), add_zlex(s);
    opts o = {.n = 0};
    if (type == 1 || pct(3)) opt1(&o, "BYSCORE");
    if (type == 2) opt1(&o, pct(97) ? "BYLEX" : "bylex");
    if (pct(35)) opt1(&o, "REV");
    if (pct(3)) opt1(&o, "REV");
    if (pct(store ? 2 : type == 2 ? 5 : 40)) opt1(&o, "WITHSCORES");
    zopts_emit(s, &o, pct(type ? 40 : 4));
}

static void g_zrange(void) {
    int type = (int)below(3);
    step *s = cmd(CMP_EXACT, "ZRANGE");
    if (type == 2) s->mode = lex_target(s);
    else add_key(s);
    zrange_args(s, 0, type);
}

static void g_zrangestore(void) {
    int type = (int)below(3);
    step *s = cmd(CMP_EXACT, "ZRANGESTORE");
    add_key(s);
    if (type == 2) add_lex_key(s);
    else if (pct(10)) add(s, s->argv[1], s->lens[1]);
    else add_key(s);
    zrange_args(s, 1, type);
}

static void g_zrange_old(void) {
    static const char *const CMDS[] = {"ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX",
                                       "ZREVRANGE"};
    int which = (int)below(5);
    step *s = cmd(CMP_EXACT, CMDS[which]);
    if (which == 2 || which == 3) s->mode = lex_target(s);
    else add_key(s);
    if (which < 2) add_zbound(s), add_zbound(s);
    else if (which < 4) add_zlex(s), add_zlex(s);
    else add_zrank(s), add_zrank(s);
    if (pct(which < 2 || which == 4 ? 40 : 3)) adds(s, "WITHSCORES");
    if (pct(which < 4 ? 35 : 3)) add_limit(s);
    if (pct(3)) adds(s, pct(50) ? "REV" : "BYSCORE");
}

static void g_zremrange(void) {
    static const char *const CMDS[] = {"ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX"};
    int which = (int)below(3);
    step *s = cmd(CMP_EXACT, CMDS[which]);
    if (which == 2) add_lex_key(s);
    else add_key(s);
    if (which == 0) add_zrank(s), add_zrank(s);
    else if (which == 1) add_zbound(s), add_zbound(s);
    else add_zlex(s), add_zlex(s);
}

/* ---- pops ------------------------------------------------------------------ */

static void add_pop_count(step *s) {
    int r = (int)below(100);
    if (r < 80) addll(s, rrange(0, 4));
    else if (r < 90) addll(s, rrange(5, 200));
    else if (r < 95) addll(s, -1);
    else adds(s, BAD_INTS[below(sizeof BAD_INTS / sizeof *BAD_INTS)]);
}

static void g_zpop(void) {
    step *s = cmd(CMP_EXACT, pct(50) ? "ZPOPMIN" : "ZPOPMAX");
    add_key(s);
    if (pct(60)) add_pop_count(s);
    if (pct(2)) adds(s, "1");
}

/* numkeys keys MIN|MAX [COUNT n] for ZMPOP / BZMPOP. */
static void zmpop_args(step *s) {
    long long n = rrange(1, 3);
    int r = (int)below(100);
    if (r < 3) adds(s, pct(50) ? "0" : "x");
    else if (r < 6) addll(s, n + 2);
    else addll(s, n);
    for (long long i = 0; i < n; i++) add_key(s);
    adds(s, pct(97) ? (pct(50) ? "MIN" : "max") : "MIDDLE");
    if (pct(50)) {
        adds(s, "COUNT");
        if (pct(96)) addll(s, pct(85) ? rrange(1, 4) : rrange(0, 200));
        else adds(s, pct(50) ? "-1" : "x");
    }
}

static void g_zmpop(void) {
    step *s = cmd(CMP_EXACT, "ZMPOP");
    zmpop_args(s);
}

static void add_block_timeout(step *s) {
    int r = (int)below(100);
    if (r < 90) adds(s, pct(50) ? "0.01" : "0.02");
    else adds(s, (const char *[]){"-1", "abc", "inf", "-0.5"}[below(4)]);
}

static void g_bzpop(void) {
    int which = (int)below(3);
    step *s = cmd(CMP_EXACT, which == 0 ? "BZPOPMIN" : which == 1 ? "BZPOPMAX" : "BZMPOP");
    if (which < 2) {
        add_keys(s, 1, 3);
        add_block_timeout(s);
    } else {
        add_block_timeout(s);
        zmpop_args(s);
    }
}

/* ---- random, scan ------------------------------------------------------------- */

static void g_zrandmember(void) {
    step *s = cmd(CMP_SHAPE, "ZRANDMEMBER");
    add_key(s);
    if (pct(20)) return;
    int r = (int)below(100);
    if (r < 50) addll(s, rrange(-10, 10));
    else if (r < 85) addll(s, rrange(-300, 300));
    else if (r < 92) adds(s, BAD_INTS[below(sizeof BAD_INTS / sizeof *BAD_INTS)]);
    else adds(s, pct(50) ? "9223372036854775807" : "-9223372036854775808");
    if (pct(40)) adds(s, pct(95) ? "WITHSCORES" : "WITHVALUES");
}

static void g_zscan(void) {
    step *s;
    if (pct(85)) {
        s = cmd(CMP_SCAN_PAIRS, "ZSCAN");
        add_key(s);
        adds(s, pct(90) ? "0" : "00");
        opts o = {.n = 0};
        opt2(&o, "COUNT", "100000");
        if (pct(40)) opt2(&o, "MATCH", pct(50) ? "m1*" : pick_pattern());
        opts_emit(s, &o);
        return;
    }
    s = cmd(CMP_EXACT, "ZSCAN");
    add_key(s);
    switch (below(7)) {
    case 0: adds(s, "abc"); break;
    case 1: adds(s, "0"), adds(s, "COUNT"), adds(s, "0"); break;
    case 2: adds(s, "0"), adds(s, "MATCH"); break;
    case 3: adds(s, "0"), adds(s, "TYPE"), adds(s, "zset"); break;
    case 4: adds(s, "0"), adds(s, "COUNT"), adds(s, "x"); break;
    case 5: adds(s, "18446744073709551616"); break;
    default: adds(s, " 1"); break;
    }
}

/* ---- ZUNION ZINTER ZDIFF (STORE) ZINTERCARD -------------------------------- */

static void setop_keys(step *s, int weights_ok, int store) {
    long long n = rrange(1, 3);
    int r = (int)below(100);
    if (r < 3) adds(s, pct(50) ? "0" : "x");
    else if (r < 6) addll(s, n + 3);
    else addll(s, n);
    for (long long i = 0; i < n; i++) {
        if (store && i == 0 && pct(15)) add(s, s->argv[1], s->lens[1]); /* dst is a source */
        else add_key(s);
    }
    if (weights_ok && pct(30)) {
        adds(s, "WEIGHTS");
        for (long long i = pct(95) ? n : n - 1; i > 0; i--) {
            if (pct(80)) addll(s, rrange(-2, 3));
            else adds(s, (const char *[]){"0.5", "0.1", "inf", "-inf", "0", "nan", "x"}[below(7)]);
        }
    }
    if (weights_ok && pct(25)) {
        adds(s, "AGGREGATE");
        adds(s, (const char *[]){"SUM", "MIN", "MAX", "max", "AVG"}[below(5)]);
    }
}

static void g_zsetop(void) {
    static const char *const OPS[] = {"ZUNION", "ZINTER", "ZDIFF"};
    int op = (int)below(3);
    step *s = cmd(CMP_EXACT, OPS[op]);
    setop_keys(s, op != 2, 0);
    if (pct(50)) adds(s, "WITHSCORES");
}

static void g_zsetop_store(void) {
    static const char *const OPS[] = {"ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"};
    int op = (int)below(3);
    step *s = cmd(CMP_EXACT, OPS[op]);
    add_key(s);
    setop_keys(s, op != 2, 1);
    if (pct(2)) adds(s, "WITHSCORES");
}

static void g_zintercard(void) {
    step *s = cmd(CMP_EXACT, "ZINTERCARD");
    setop_keys(s, 0, 0);
    if (pct(40)) {
        adds(s, "LIMIT");
        if (pct(95)) add_int(s, -1, 4);
    }
}

/* A zset around the listpack limit (128 entries), scores with ties. */
static void g_bigzset(void) {
    step *s = cmd(CMP_EXACT, "ZADD");
    add_key(s);
    long long n = rrange(100, 160);
    for (long long i = 0; i < n; i++) {
        addll(s, rrange(0, 20));
        addf(s, "m%lld", rrange(0, 200));
    }
}

/* ---- SORT / SORT_RO ------------------------------------------------------------ */

static const char *const SORT_PATTERNS[] = {"k*", "k*", "k1*", "*", "#", "k*->f1", "k*->f2", "k*->", "nosort",
                                            "k1", "*->f1", "x*y"};

static void g_sort(void) {
    step *r = cmd(CMP_EXACT, "ZADD"); /* clears Redis's errno (see the top) */
    adds(r, ZSET_ERRNO_RESET);
    adds(r, "XX");
    adds(r, "0");
    adds(r, "x");
    int ro = pct(20), limit = pct(30), alpha = pct(35), store = !ro && pct(30);
    const char *by = pct(45) ? SORT_PATTERNS[below(sizeof SORT_PATTERNS / sizeof *SORT_PATTERNS)] : NULL;
    int nosort = by && !strchr(by, '*'), alpha_by = alpha && by && !nosort;
    if (alpha_by) store = 0; /* ties among BY values keep hash-table order: not stored */
    /* BY nosort replies in the key's own order: hash order for a set */
    /* ALPHA without STORE compares with strcoll, which stops at a NUL byte:
     * "b" and "b\0" tie and keep hash-table order too */
    int hash_order = alpha_by || (nosort && !store) || (alpha && !store);
    cmp_mode mode = hash_order ? (limit ? CMP_KIND : CMP_SORTED) : CMP_EXACT;
    step *s = cmd(mode, ro ? "SORT_RO" : "SORT");
    add_key(s);
    opts o = {.n = 0};
    if (by) opt2(&o, "BY", by);
    for (long long g = pct(35) ? rrange(1, 3) : 0; g > 0; g--)
        opt2(&o, "GET", SORT_PATTERNS[below(sizeof SORT_PATTERNS / sizeof *SORT_PATTERNS)]);
    if (pct(40)) opt1(&o, pct(50) ? "DESC" : "ASC");
    if (alpha) opt1(&o, pct(95) ? "ALPHA" : "alpha");
    if (store) {
        blob k = pick_key();
        char key[64];
        size_t n = k.n < sizeof key - 1 ? k.n : sizeof key - 1;
        memcpy(key, k.p, n);
        key[n] = '\0';
        if (memchr(k.p, '\0', k.n)) opt2(&o, "STORE", "k1"); /* opt words are C strings */
        else opt2(&o, "STORE", key);
    }
    if (ro && pct(5)) opt2(&o, "STORE", "k2"); /* a syntax error for SORT_RO */
    if (pct(2)) {
        int lone_by = pct(50);
        opt1(&o, lone_by ? "BY" : "LIMIT");
        /* A lone BY may swallow the next word as a constant pattern: the
         * reply is then in the key's own (for a set: hash-table) order. */
        if (lone_by && s->mode == CMP_EXACT) s->mode = limit ? CMP_KIND : CMP_SORTED;
    }
    zopts_emit(s, &o, limit);
}
