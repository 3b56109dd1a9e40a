/*
 * tests/integration/diff_list.h — list generators for the differential test
 * (included by test_diff.c before its ROWS table; uses its helpers).
 *
 * Elements come from a small pool (a..e, small integers in several
 * spellings, "", a NUL byte, non-UTF-8) so LREM/LPOS/LINSERT find their
 * targets; now and then anything add_val makes (long and binary values),
 * and the "biglist" row pushes hundreds of elements at once (many quicklist
 * nodes: long ranges, deep indexes, LTRIM/LREM across nodes).  Indexes mix
 * small values with the extremes of a long long.
 *
 * Blocking commands must never actually block here (connection 0 is
 * pipelined and the servers' timeout granularity would stall the run): the
 * "blocking" row pushes to the first key it names right before the
 * blocking command, so it is served at once or fails (WRONGTYPE, bad
 * timeout, bad arguments); the "blocking-multi" row runs them inside
 * MULTI, where they never block.  Blocking itself (served later, FIFO,
 * timeouts) is compared with redis-server by test_blocking.c.
 */

static const blob LELEMS[] = {B("a"), B("b"), B("c"), B("d"), B("e"), B("1"), B("2"), B("-3"), B("007"),
                              B("10000"), B(""), B("\0"), B("\xff\xfe"), B("a b"),
                              B("9223372036854775807")};

static void add_elem(step *s) {
    if (pct(8)) {
        add_val(s);
        return;
    }
    blob b = LELEMS[below(sizeof LELEMS / sizeof *LELEMS)];
    add(s, b.p, b.n);
}

static void add_lindex(step *s) {
    int r = (int)below(100);
    if (r < 85) add_int(s, -12, 12);
    else if (r < 93) add_int(s, -600, 600);
    else adds(s, (const char *[]){"9223372036854775807", "-9223372036854775808", "x", "1.5"}[below(4)]);
}

static void add_lr(step *s) {
    if (pct(97)) adds(s, pct(50) ? (pct(80) ? "LEFT" : "left") : (pct(80) ? "RIGHT" : "Right"));
    else adds(s, "UP");
}

static void g_lpush(void) {
    step *s = cmd(CMP_EXACT, pct(50) ? "LPUSH" : "RPUSH");
    add_key(s);
    for (long long i = pct(80) ? rrange(1, 4) : rrange(5, 30); i > 0; i--) add_elem(s);
}

static void g_lpushx(void) {
    step *s = cmd(CMP_EXACT, pct(50) ? "LPUSHX" : "RPUSHX");
    add_key(s);
    for (long long i = rrange(1, 3); i > 0; i--) add_elem(s);
}

static void g_lpop(void) {
    step *s = cmd(CMP_EXACT, pct(50) ? "LPOP" : "RPOP");
    add_key(s);
    if (pct(50)) return;
    int r = (int)below(100);
    if (r < 80) addll(s, rrange(0, 5));
    else if (r < 90) addll(s, rrange(6, 1000));
    else adds(s, (const char *[]){"-1", "x", "9223372036854775807", "1.0"}[below(4)]);
    if (pct(3)) addll(s, 1); /* too many arguments */
}

static void g_llen(void) { add_key(cmd(CMP_EXACT, "LLEN")); }

static void g_lrange(void) {
    step *s = cmd(CMP_EXACT, "LRANGE");
    add_key(s);
    add_lindex(s);
    add_lindex(s);
}

static void g_lindex(void) {
    step *s = cmd(CMP_EXACT, "LINDEX");
    add_key(s);
    add_lindex(s);
}

static void g_lset(void) {
    step *s = cmd(CMP_EXACT, "LSET");
    add_key(s);
    add_lindex(s);
    add_elem(s);
}

static void g_linsert(void) {
    step *s = cmd(CMP_EXACT, "LINSERT");
    add_key(s);
    adds(s, pct(97) ? (pct(50) ? "BEFORE" : "after") : "MIDDLE");
    add_elem(s);
    add_elem(s);
}

static void g_lrem(void) {
    step *s = cmd(CMP_EXACT, "LREM");
    add_key(s);
    if (pct(95)) add_int(s, -3, 3);
    else adds(s, pct(50) ? "-9223372036854775808" : "9223372036854775807");
    add_elem(s);
}

static void g_ltrim(void) {
    step *s = cmd(CMP_EXACT, "LTRIM");
    add_key(s);
    add_lindex(s);
    add_lindex(s);
}

static void g_lpos(void) {
    step *s = cmd(CMP_EXACT, "LPOS");
    opts o = {.n = 0};
    numbuf b1, b2, b3;
    add_key(s);
    add_elem(s);
    if (pct(40)) opt2(&o, "RANK", pct(95) ? fmt_ll(b1, rrange(-4, 4)) : (pct(50) ? "-9223372036854775808" : "x"));
    if (pct(40)) opt2(&o, "COUNT", pct(95) ? fmt_ll(b2, rrange(0, 4)) : (pct(50) ? "-1" : "x"));
    if (pct(25)) opt2(&o, "MAXLEN", pct(95) ? fmt_ll(b3, rrange(0, 8)) : (pct(50) ? "-1" : "x"));
    if (pct(3)) opt1(&o, pct(50) ? "RANK" : "FOO");
    opts_emit(s, &o);
}

static void g_lmove(void) {
    int r = (int)below(100);
    step *s = cmd(CMP_EXACT, r < 70 ? "LMOVE" : "RPOPLPUSH");
    add_key(s);
    add_key(s);
    if (r >= 70) return;
    add_lr(s);
    add_lr(s);
}

/* numkeys key... LEFT|RIGHT [COUNT n], with malformed variants now and then. */
static void lmpop_args(step *s, int blocking_first_key_pushed) {
    int n = (int)rrange(1, 3), bad = pct(5);
    if (bad && pct(50)) adds(s, (const char *[]){"0", "-1", "x", "9223372036854775807"}[below(4)]);
    else addll(s, n);
    if (!blocking_first_key_pushed) add_keys(s, n, n);
    add_lr(s);
    if (pct(50)) {
        adds(s, "COUNT");
        if (pct(95)) addll(s, rrange(1, 6));
        else adds(s, (const char *[]){"0", "-1", "x"}[below(3)]);
    }
    if (bad && pct(30)) adds(s, "COUNT");
}

static void g_lmpop(void) { lmpop_args(cmd(CMP_EXACT, "LMPOP"), 0); }

/* Timeouts of commands that must not block: 0 or far, sometimes bad. */
static void add_nb_timeout(step *s) {
    int r = (int)below(100);
    if (r < 80) adds(s, "0");
    else if (r < 92) adds(s, pct(50) ? "1000" : "0.5");
    else adds(s, (const char *[]){"-1", "abc", "inf", "-0.5", ""}[below(5)]);
}

/* One blocking command whose first key k was just pushed to (never
 * blocks: served at once, or an error). */
static void blocking_cmd_on(const blob *k) {
    int which = (int)below(5);
    static const char *const NAMES[] = {"BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP"};
    step *s = cmd(CMP_EXACT, NAMES[which]);
    if (which == 4) {
        add_nb_timeout(s);
        int n = (int)rrange(1, 3);
        addll(s, n);
        add(s, k->p, k->n);
        add_keys(s, n - 1, n - 1);
        add_lr(s);
        if (pct(50)) {
            adds(s, "COUNT");
            addll(s, rrange(1, 6));
        }
        return;
    }
    add(s, k->p, k->n);
    if (which < 2) add_keys(s, 0, 2);
    else add_key(s);
    if (which == 2) {
        add_lr(s);
        add_lr(s);
    }
    add_nb_timeout(s);
}

static void g_blocking(void) {
    blob k = pick_key();
    step *p = cmd(CMP_EXACT, "RPUSH");
    add(p, k.p, k.n);
    for (long long i = rrange(1, 3); i > 0; i--) add_elem(p);
    blocking_cmd_on(&k);
}

/* Blocking commands inside MULTI behave as the non-blocking ones. */
static void g_blocking_multi(void) {
    cmd(CMP_EXACT, "MULTI");
    int n = (int)rrange(1, 3);
    cmp_mode *modes = calloc((size_t)n, sizeof *modes);
    if (!modes) abort();
    for (int i = 0; i < n; i++) {
        blob k = pick_key();
        blocking_cmd_on(&k);
        modes[i] = CMP_EXACT;
    }
    step *x = cmd(CMP_EXEC, "EXEC");
    x->inner = modes;
    x->ninner = n;
}

static void g_biglist(void) {
    step *s = cmd(CMP_EXACT, pct(50) ? "RPUSH" : "LPUSH");
    add_key(s);
    int big = pct(20);
    for (long long i = rrange(150, 700); i > 0; i--) {
        if (big && pct(5)) add_random_bytes(s, (size_t)rrange(300, 500), pct(50));
        else add_elem(s);
    }
}
