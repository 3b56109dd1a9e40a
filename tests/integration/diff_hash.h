/*
 * tests/integration/diff_hash.h — hash generators for the differential test
 * (included by test_diff.c before its ROWS table; uses its helpers).
 *
 * Fields come from a small pool (f0..f19, numbers, odd bytes) so commands
 * meet each other's fields; now and then a field or value is longer than
 * 64 bytes, which turns the hash into a hashtable, and the "bighash" row
 * writes more than 512 fields at once.  Hashes of 129..512 fields are
 * avoided on purpose: their encoding depends on hash-max-listpack-entries,
 * whose compiled-in default is 128 in Redis 7.0 but was 512 in strata's
 * config table when this was written.
 *
 * Compare modes: replies whose order is the hash table's (HKEYS, HVALS,
 * HGETALL, HSCAN of a hashtable) are compared sorted (CMP_SORTED) or as
 * sets of field/value pairs (CMP_PAIRS, CMP_SCAN_PAIRS: HSCAN with a COUNT
 * big enough to finish in one call, cursor 0 on both); HRANDFIELD by shape
 * (CMP_SHAPE: reply kinds and counts; errors exactly).
 */

static const char *const HFIELDS_ODD[] = {"", "1", "-1", "007", "0", "9223372036854775807", "a b",
                                          "\r\n", "\xff", "f"};

static void add_field(step *s) {
    int r = (int)below(100);
    if (r < 72) addf(s, "f%d", (int)below(20));
    else if (r < 88) adds(s, HFIELDS_ODD[below(sizeof HFIELDS_ODD / sizeof *HFIELDS_ODD)]);
    else if (r < 95) add_short(s);
    else if (r < 97) add(s, "b\0n", 3);
    else add_random_bytes(s, (size_t)rrange(63, 66), 0); /* 65, 66: converts */
}

/* Mostly short values (the hash stays a listpack), now and then anything
 * add_val makes, long ones included. */
static void add_hval(step *s) {
    if (pct(6)) {
        add_val(s);
        return;
    }
    switch (below(4)) {
    case 0: addll(s, rrange(-1000, 100000)); break;
    case 1: add_short(s); break;
    case 2: {
        blob b = ODD_VALUES[below(sizeof ODD_VALUES / sizeof *ODD_VALUES)];
        add(s, b.p, b.n);
        break;
    }
    default: add_random_bytes(s, (size_t)rrange(60, 64), 0); break; /* at the limit */
    }
}

static void g_hset(void) {
    int which = (int)below(10);
    step *s = cmd(CMP_EXACT, which == 0 ? "HMSET" : "HSET");
    add_key(s);
    for (long long i = rrange(1, 4); i > 0; i--) {
        add_field(s);
        add_hval(s);
    }
    if (pct(3)) add_field(s); /* odd: arity error */
}

static void g_hsetnx(void) {
    step *s = cmd(CMP_EXACT, "HSETNX");
    add_key(s);
    add_field(s);
    add_hval(s);
}

static void g_hget(void) {
    step *s = cmd(CMP_EXACT, "HGET");
    add_key(s);
    add_field(s);
}

static void g_hmget(void) {
    step *s = cmd(CMP_EXACT, "HMGET");
    add_key(s);
    for (long long i = rrange(1, 5); i > 0; i--) add_field(s);
}

static void g_hdel(void) {
    step *s = cmd(CMP_EXACT, "HDEL");
    add_key(s);
    for (long long i = rrange(1, 5); i > 0; i--) add_field(s);
}

static void g_hlen_strlen_exists(void) {
    int which = (int)below(3);
    step *s = cmd(CMP_EXACT, which == 0 ? "HLEN" : which == 1 ? "HSTRLEN" : "HEXISTS");
    add_key(s);
    if (which) add_field(s);
}

static void g_hgetall(void) {
    int which = (int)below(3);
    step *s = cmd(which == 0 ? CMP_PAIRS : CMP_SORTED, which == 0 ? "HGETALL" : which == 1 ? "HKEYS" : "HVALS");
    add_key(s);
}

static void g_hincrby(void) {
    step *s = cmd(CMP_EXACT, "HINCRBY");
    add_key(s);
    add_field(s);
    int k = (int)below(100);
    if (k < 75) add_int(s, -100, 100);
    else if (k < 85) adds(s, pct(50) ? "9223372036854775807" : "-9223372036854775808");
    else addll(s, (long long)(rnd() >> below(63)) * (pct(50) ? 1 : -1));
}

static void g_hincrbyfloat(void) {
    step *s = cmd(CMP_EXACT, "HINCRBYFLOAT");
    add_key(s);
    add_field(s);
    add_float(s);
}

/* Huge counts, never a huge negative one that is valid: that asks both
 * servers for billions of repeated elements. */
static const char *const BIG_COUNTS[] = {"9223372036854775807", "-9223372036854775808",
                                         "4611686018427387904", "4611686018427387903"};

/* A count for HRANDFIELD / SRANDMEMBER. */
static void add_rand_count(step *s) {
    int r = (int)below(100);
    if (r < 50) addll(s, rrange(-10, 10));
    else if (r < 80) addll(s, rrange(-300, 700));
    else if (r < 90) addll(s, pct(50) ? 1 : -1);
    else if (r < 94) adds(s, BAD_INTS[below(sizeof BAD_INTS / sizeof *BAD_INTS)]);
    else adds(s, BIG_COUNTS[below(sizeof BIG_COUNTS / sizeof *BIG_COUNTS)]);
}

static void g_hrandfield(void) {
    step *s = cmd(CMP_SHAPE, "HRANDFIELD");
    add_key(s);
    if (pct(20)) return;
    add_rand_count(s);
    if (pct(40)) adds(s, pct(95) ? "WITHVALUES" : "WITHSCORES");
}

/* HSCAN in one call (COUNT far above the hash's size: cursor 0 on both),
 * or its error paths. */
static void g_hscan(void) {
    step *s;
    if (pct(85)) {
        s = cmd(CMP_SCAN_PAIRS, "HSCAN");
        add_key(s);
        adds(s, pct(90) ? "0" : "00"); /* other cursors differ with the table layout */
        opts o = {.n = 0};
        opt2(&o, "COUNT", "100000");
        if (pct(40)) opt2(&o, "MATCH", pct(50) ? "f1*" : pick_pattern());
        opts_emit(s, &o);
        return;
    }
    s = cmd(CMP_EXACT, "HSCAN");
    add_key(s);
    switch (below(6)) {
    case 0: adds(s, "abc"); break;
    case 1: adds(s, "0"), adds(s, "COUNT"), adds(s, "0"); break;
    case 2: adds(s, "0"), adds(s, "MATCH"); break;
    case 3: adds(s, "0"), adds(s, "TYPE"), adds(s, "hash"); break;
    case 4: adds(s, "0"), adds(s, "COUNT"), adds(s, "x"); break;
    default: adds(s, "18446744073709551616"); break;
    }
}

/* More than 512 fields in one command: a hashtable on both. */
static void g_bighash(void) {
    step *s = cmd(CMP_EXACT, "HSET");
    add_key(s);
    for (long long i = rrange(520, 600); i > 0; i--) {
        addf(s, "f%lld", i);
        addll(s, i);
    }
}
