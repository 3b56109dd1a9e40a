/*
 * tests/unit/test_keyspace.c — generic key commands, expiry (lazy and
 * active), MULTI/EXEC/WATCH, and the propagation point: a randomised
 * workload's propagated stream, replayed into a fresh server, must rebuild
 * exactly the same keyspace (values and absolute expiry times).
 */
#include <unistd.h>

#include "engine/db.h"
#include "engine/util.h"
#include "kvtest.h"
#include "tests/tap.h"

/* ---- propagation recorder ------------------------------------------------ */

typedef struct rec_op {
    int dbid, argc;
    sds *argv;
} rec_op;

typedef struct recorder {
    rec_op *ops;
    int n, cap;
} recorder;

static void record(void *priv, int dbid, int argc, sds *argv) {
    recorder *r = priv;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->ops = realloc(r->ops, sizeof(*r->ops) * (size_t)r->cap);
    }
    rec_op *op = &r->ops[r->n++];
    op->dbid = dbid;
    op->argc = argc;
    op->argv = malloc(sizeof(sds) * (size_t)argc);
    for (int i = 0; i < argc; i++) op->argv[i] = sds_dup(argv[i]);
}

static void recorder_clear(recorder *r) {
    for (int i = 0; i < r->n; i++) {
        for (int j = 0; j < r->ops[i].argc; j++) sds_free(r->ops[i].argv[j]);
        free(r->ops[i].argv);
    }
    free(r->ops);
    memset(r, 0, sizeof(*r));
}

static sds op_text(const rec_op *op) {
    sds s = sds_catprintf(sds_empty(), "[db%d]", op->dbid);
    for (int i = 0; i < op->argc; i++) s = sds_catprintf(s, " %s", op->argv[i]);
    return s;
}

/* ---- basic commands ------------------------------------------------------- */

static void test_generic(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    is_str(kvt_run(c, "SET a 1"), "+OK\r\n", "SET");
    is_str(kvt_run(c, "EXISTS a a b"), ":2\r\n", "EXISTS counts duplicates");
    is_str(kvt_run(c, "TYPE a"), "+string\r\n", "TYPE string");
    is_str(kvt_run(c, "TYPE nope"), "+none\r\n", "TYPE none");
    is_str(kvt_run(c, "RENAME nope x"), "-ERR no such key\r\n", "RENAME missing");
    is_str(kvt_run(c, "RENAME a b"), "+OK\r\n", "RENAME");
    is_str(kvt_run(c, "GET b"), "$1\r\n1\r\n", "renamed value");
    is_str(kvt_run(c, "SET c 2"), "+OK\r\n", "SET c");
    is_str(kvt_run(c, "RENAMENX b c"), ":0\r\n", "RENAMENX onto existing");
    is_str(kvt_run(c, "RENAME b b"), "+OK\r\n", "RENAME onto itself");
    is_str(kvt_run(c, "MOVE b 0"), "-ERR source and destination objects are the same\r\n", "MOVE same db");
    is_str(kvt_run(c, "MOVE b 99"), "-ERR DB index is out of range\r\n", "MOVE bad db");
    is_str(kvt_run(c, "MOVE b 1"), ":1\r\n", "MOVE");
    is_str(kvt_run(c, "EXISTS b"), ":0\r\n", "moved away");
    is_str(kvt_run(c, "COPY c d"), ":1\r\n", "COPY");
    is_str(kvt_run(c, "COPY c d"), ":0\r\n", "COPY onto existing");
    is_str(kvt_run(c, "COPY c d REPLACE"), ":1\r\n", "COPY REPLACE");
    is_str(kvt_run(c, "COPY c c"), "-ERR source and destination objects are the same\r\n", "COPY same");
    is_str(kvt_run(c, "DBSIZE"), ":2\r\n", "DBSIZE");
    is_str(kvt_run(c, "SELECT 1"), "+OK\r\n", "SELECT 1");
    is_str(kvt_run(c, "GET b"), "$1\r\n1\r\n", "found in db 1");
    is_str(kvt_run(c, "SWAPDB 0 1"), "+OK\r\n", "SWAPDB");
    is_str(kvt_run(c, "DBSIZE"), ":2\r\n", "db 1 now holds db 0's keys");
    is_str(kvt_run(c, "SWAPDB x 1"), "-ERR invalid first DB index\r\n", "SWAPDB bad index");
    is_str(kvt_run(c, "SELECT 0"), "+OK\r\n", "SELECT 0");
    is_str(kvt_run(c, "KEYS *"), "*1\r\n$1\r\nb\r\n", "KEYS");
    is_str(kvt_run(c, "DEL b b nope"), ":1\r\n", "DEL counts once");
    is_str(kvt_run(c, "RANDOMKEY"), "$-1\r\n", "RANDOMKEY on empty db");
    is_str(kvt_run(c, "OBJECT ENCODING nope"), "$-1\r\n", "OBJECT ENCODING missing");
    is_str(kvt_run(c, "OBJECT FOO x"), "-ERR unknown subcommand 'FOO'. Try OBJECT HELP.\r\n", "OBJECT unknown sub");
    is_str(kvt_run(c, "GETX a"), "-ERR unknown command 'GETX', with args beginning with: 'a' \r\n", "unknown command");
    is_str(kvt_run(c, "GET"), "-ERR wrong number of arguments for 'get' command\r\n", "arity");
    is_str(kvt_run(c, "FLUSHALL"), "+OK\r\n", "FLUSHALL");
    is_str(kvt_run(c, "FLUSHDB bogus"), "-ERR syntax error\r\n", "FLUSHDB bad flag");
    kvt_stop(e);
}

static void test_scan(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    char *seen = calloc(2000, 1);
    for (int i = 0; i < 2000; i++) kvt_runf(c, "SET key:%d %d", i, i);
    unsigned long long cursor = 0;
    int calls = 0, dups = 0, total = 0;
    do {
        const char *r = kvt_runf(c, "SCAN %llu COUNT 50", cursor);
        /* *2\r\n$N\r\n<cursor>\r\n*M\r\n($L\r\nkey:i\r\n)* */
        const char *p = strchr(r + 4, '\n') + 1;
        cursor = strtoull(p, NULL, 10);
        p = strchr(p, '\n') + 1;
        long m = strtol(p + 1, NULL, 10);
        p = strchr(p, '\n') + 1;
        for (long i = 0; i < m; i++) {
            p = strchr(p, '\n') + 1;
            if (strncmp(p, "key:", 4) == 0) {
                int k = atoi(p + 4);
                if (seen[k]) dups++;
                seen[k] = 1;
                total++;
            }
            p = strchr(p, '\n') + 1;
        }
        calls++;
        if (calls == 5) { /* grow the table mid-scan: SCAN must still see everyone */
            for (int j = 2000; j < 6000; j++) kvt_runf(c, "SET extra:%d x", j);
        }
    } while (cursor != 0 && calls < 100000);
    int missing = 0;
    for (int i = 0; i < 2000; i++) missing += !seen[i];
    is_int(missing, 0, "SCAN returned every key present for the whole scan, across a resize");
    ok(total >= 2000, "SCAN returned %d key:* entries (%d duplicates allowed)", total, dups);
    is_str(kvt_run(c, "SCAN 0 COUNT 0"), "-ERR syntax error\r\n", "COUNT 0 is a syntax error");
    is_str(kvt_run(c, "SCAN abc"), "-ERR invalid cursor\r\n", "bad cursor");
    free(seen);
    kvt_stop(e);
}

static void test_expire(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    kvt_run(c, "SET k v");
    is_str(kvt_run(c, "TTL k"), ":-1\r\n", "no TTL");
    is_str(kvt_run(c, "TTL nope"), ":-2\r\n", "missing key TTL");
    is_str(kvt_run(c, "EXPIRE k 100 XX"), ":0\r\n", "XX without TTL");
    is_str(kvt_run(c, "EXPIRE k 100 NX"), ":1\r\n", "NX sets");
    is_str(kvt_run(c, "EXPIRE k 50 GT"), ":0\r\n", "GT refuses smaller");
    is_str(kvt_run(c, "EXPIRE k 500 GT"), ":1\r\n", "GT accepts larger");
    is_str(kvt_run(c, "EXPIRE k 600 LT"), ":0\r\n", "LT refuses larger");
    is_str(kvt_run(c, "EXPIRE k 1 NX XX"),
           "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n", "NX+XX");
    is_str(kvt_run(c, "EXPIRE k 1 GT LT"), "-ERR GT and LT options at the same time are not compatible\r\n",
           "GT+LT");
    is_str(kvt_run(c, "EXPIRE k 1 FOO"), "-ERR Unsupported option FOO\r\n", "bad option");
    is_str(kvt_run(c, "EXPIRE k 9223372036854775807"), "-ERR invalid expire time in 'expire' command\r\n",
           "overflow");
    is_str(kvt_run(c, "TTL k"), ":500\r\n", "TTL");
    is_str(kvt_run(c, "PERSIST k"), ":1\r\n", "PERSIST");
    is_str(kvt_run(c, "PERSIST k"), ":0\r\n", "PERSIST again");
    long long at = (long long)util_mstime() + 100000;
    kvt_runf(c, "PEXPIREAT k %lld", at);
    char want[64];
    snprintf(want, sizeof(want), ":%lld\r\n", at);
    is_str(kvt_run(c, "PEXPIRETIME k"), want, "PEXPIRETIME is the absolute deadline");
    snprintf(want, sizeof(want), ":%lld\r\n", at / 1000);
    is_str(kvt_run(c, "EXPIRETIME k"), want, "EXPIRETIME in seconds");
    is_str(kvt_run(c, "EXPIRE k -1"), ":1\r\n", "negative TTL deletes");
    is_str(kvt_run(c, "EXISTS k"), ":0\r\n", "deleted by past expiry");

    /* Lazy expiry: a key past its deadline is never served. */
    kvt_run(c, "SET lazy v");
    kvt_run(c, "PEXPIRE lazy 1");
    usleep(5000);
    is_str(kvt_run(c, "GET lazy"), "$-1\r\n", "lazy expiry on GET");
    is_int(db_size(c->db), 0, "and the key is gone from the dict");

    /* Active expiry reclaims keys nobody reads. */
    for (int i = 0; i < 1000; i++) kvt_runf(c, "SET vol:%d x PX 1", i);
    for (int i = 0; i < 100; i++) kvt_runf(c, "SET keep:%d x", i);
    usleep(5000);
    long long before = e->srv->stat.expiredkeys;
    for (int i = 0; i < 50 && db_size(c->db) > 100; i++) db_active_expire_cycle(e->srv, 1);
    is_int(db_size(c->db), 100, "active expiry removed every expired key, kept the others");
    is_int(e->srv->stat.expiredkeys - before, 1000, "expired_keys counted");
    kvt_stop(e);
}

static void test_multi(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c, *other = kvt_client(e);
    is_str(kvt_run(c, "MULTI"), "+OK\r\n", "MULTI");
    is_str(kvt_run(c, "SET a 1"), "+QUEUED\r\n", "queued");
    is_str(kvt_run(c, "INCR a"), "+QUEUED\r\n", "queued");
    is_str(kvt_run(c, "MULTI"), "-ERR MULTI calls can not be nested\r\n", "nested MULTI");
    is_str(kvt_run(c, "EXEC"), "*2\r\n+OK\r\n:2\r\n", "EXEC runs the queue");
    is_str(kvt_run(c, "EXEC"), "-ERR EXEC without MULTI\r\n", "EXEC without MULTI");
    is_str(kvt_run(c, "DISCARD"), "-ERR DISCARD without MULTI\r\n", "DISCARD without MULTI");

    kvt_run(c, "MULTI");
    kvt_run(c, "SET a 5");
    is_str(kvt_run(c, "GET"), "-ERR wrong number of arguments for 'get' command\r\n", "bad arity queued");
    is_str(kvt_run(c, "EXEC"), "-EXECABORT Transaction discarded because of previous errors.\r\n", "EXECABORT");
    is_str(kvt_run(c, "GET a"), "$1\r\n2\r\n", "nothing ran");

    is_str(kvt_run(c, "WATCH a"), "+OK\r\n", "WATCH");
    kvt_run(other, "SET a 10");
    kvt_run(c, "MULTI");
    kvt_run(c, "SET a 20");
    is_str(kvt_run(c, "EXEC"), "*-1\r\n", "a touched watched key aborts EXEC");
    is_str(kvt_run(c, "GET a"), "$2\r\n10\r\n", "other client's value kept");

    kvt_run(c, "WATCH a");
    kvt_run(c, "MULTI");
    kvt_run(c, "SET a 30");
    is_str(kvt_run(c, "EXEC"), "*1\r\n+OK\r\n", "untouched watch lets EXEC run");

    kvt_run(c, "WATCH a");
    kvt_run(other, "FLUSHDB");
    kvt_run(c, "MULTI");
    kvt_run(c, "SET a 40");
    is_str(kvt_run(c, "EXEC"), "*-1\r\n", "FLUSHDB invalidates WATCH");

    kvt_run(c, "SET w v PX 1");
    kvt_run(c, "WATCH w");
    usleep(5000);
    kvt_run(c, "MULTI");
    kvt_run(c, "PING");
    is_str(kvt_run(c, "EXEC"), "*-1\r\n", "a watched key that expires aborts EXEC");
    kvt_run(c, "MULTI");
    is_str(kvt_run(c, "WATCH a"), "-ERR WATCH inside MULTI is not allowed\r\n", "WATCH inside MULTI");
    is_str(kvt_run(c, "DISCARD"), "+OK\r\n", "DISCARD");
    kvt_stop(e);
}

/* ---- propagation: replay rebuilds the same keyspace --------------------- */

static const char *rand_key(unsigned *seed) {
    static char buf[16];
    snprintf(buf, sizeof(buf), "k%u", rand_r(seed) % 40);
    return buf;
}

static void random_command(kv_client *c, unsigned *seed) {
    char a[16];
    snprintf(a, sizeof(a), "%s", rand_key(seed));
    const char *b = rand_key(seed);
    int r = (int)(rand_r(seed) % 22);
    switch (r) {
    case 0: kvt_runf(c, "SET %s v%u", a, rand_r(seed) % 100); break;
    case 1: kvt_runf(c, "SET %s %u EX %u", a, rand_r(seed) % 100, 1 + rand_r(seed) % 1000); break;
    case 2: kvt_runf(c, "EXPIRE %s %u", a, 1 + rand_r(seed) % 1000); break;
    case 3: kvt_runf(c, "PEXPIRE %s %d", a, (int)(rand_r(seed) % 3) - 1); break;
    case 4: kvt_runf(c, "DEL %s %s", a, b); break;
    case 5: kvt_runf(c, "RENAME %s %s", a, b); break;
    case 6: kvt_runf(c, "MOVE %s %u", a, rand_r(seed) % 3); break;
    case 7: kvt_runf(c, "COPY %s %s DB %u REPLACE", a, b, rand_r(seed) % 3); break;
    case 8: kvt_runf(c, "INCR %s", a); break;
    case 9: kvt_runf(c, "INCRBYFLOAT %s 1.5", a); break;
    case 10: kvt_runf(c, "APPEND %s xyz", a); break;
    case 11: kvt_runf(c, "SELECT %u", rand_r(seed) % 3); break;
    case 12: kvt_runf(c, "PERSIST %s", a); break;
    case 13: kvt_runf(c, "SETEX %s %u val", a, 1 + rand_r(seed) % 100); break;
    case 14: kvt_runf(c, "GETEX %s PX %u", a, 1 + rand_r(seed) % 100000); break;
    case 15: kvt_runf(c, "SWAPDB %u %u", rand_r(seed) % 3, rand_r(seed) % 3); break;
    case 16:
        kvt_run(c, "MULTI");
        kvt_runf(c, "SET %s m", a);
        kvt_runf(c, "EXPIRE %s 50", b);
        kvt_runf(c, "INCR %s", b);
        kvt_run(c, "EXEC");
        break;
    case 17: kvt_runf(c, "SETRANGE %s %u zz", a, rand_r(seed) % 10); break;
    case 18: kvt_runf(c, "RENAMENX %s %s", a, b); break;
    case 19: kvt_runf(c, "GETDEL %s", a); break;
    case 20: kvt_runf(c, "MSET %s 1 %s 2", a, b); break;
    default: if (rand_r(seed) % 50 == 0) kvt_run(c, "FLUSHDB"); break;
    }
}

/* Compare every db of two servers: same keys, values, absolute expiries. */
static int same_keyspace(kv_server *x, kv_server *y, sds *why) {
    for (int d = 0; d < x->dbnum; d++) {
        kv_db *dx = &x->dbs[d], *dy = &y->dbs[d];
        if (db_size(dx) != db_size(dy)) {
            *why = sds_catprintf(sds_empty(), "db%d: %lld keys vs %lld", d, db_size(dx), db_size(dy));
            return 0;
        }
        dict_iter it;
        dict_entry *de;
        dict_iter_init(&it, dx->keys, 0);
        while ((de = dict_next(&it))) {
            kv_obj *ox = de->v.val, *oy = db_find(dy, de->key);
            if (!oy || ox->type != oy->type || (ox->type == OBJ_STRING && !obj_string_eq(ox, oy)) ||
                db_get_expire(dx, de->key) != db_get_expire(dy, de->key)) {
                *why = sds_catprintf(sds_empty(), "db%d key %s differs", d, (char *)de->key);
                dict_iter_reset(&it);
                return 0;
            }
        }
        dict_iter_reset(&it);
    }
    return 1;
}

static void test_propagation_replay(void) {
    unsigned seed = (unsigned)(getenv("PROP_SEED") ? atoi(getenv("PROP_SEED")) : (int)util_mstime());
    diag("propagation seed %u (rerun with PROP_SEED=%u)", seed, seed);
    kvt_env *a = kvt_start(), *b = kvt_start();
    recorder rec = {0};
    cmd_prop_subscribe(a->srv, record, &rec);
    unsigned s = seed;
    for (int i = 0; i < 20000; i++) random_command(a->c, &s);

    /* Replay into b through the same dispatch, tracking the db like an AOF. */
    kv_client *rc = b->c;
    int curdb = -1, errors = 0;
    b->srv->loading = 1; /* as the AOF loader: nothing expires mid-replay */
    for (int i = 0; i < rec.n; i++) {
        rec_op *op = &rec.ops[i];
        if (op->dbid != curdb) {
            kvt_runf(rc, "SELECT %d", op->dbid);
            curdb = op->dbid;
        }
        size_t lens[64];
        for (int j = 0; j < op->argc && j < 64; j++) lens[j] = sds_len(op->argv[j]);
        sds *v = mem_alloc(sizeof(sds) * (size_t)op->argc);
        for (int j = 0; j < op->argc; j++) v[j] = sds_newlen(op->argv[j], lens[j]);
        sds_clear(rc->out);
        client_set_argv(rc, op->argc, v);
        cmd_replay(rc);
        client_reset_argv(rc);
        const char *r = rc->out;
        if (r[0] == '-') {
            if (errors++ < 5) {
                sds t = op_text(op);
                diag("replay error on %s: %s", t, r);
                sds_free(t);
            }
        }
    }
    b->srv->loading = 0;
    is_int(errors, 0, "the propagated stream replays without errors (%d ops)", rec.n);
    /* Forbidden forms: relative expiries never reach the stream. */
    int relative = 0;
    for (int i = 0; i < rec.n; i++) {
        const char *n = rec.ops[i].argv[0];
        if (!strcasecmp(n, "EXPIRE") || !strcasecmp(n, "PEXPIRE") || !strcasecmp(n, "SETEX") ||
            !strcasecmp(n, "INCRBYFLOAT") || !strcasecmp(n, "GETEX"))
            relative++;
        for (int j = 1; j < rec.ops[i].argc; j++)
            if (!strcasecmp(n, "SET") && (!strcasecmp(rec.ops[i].argv[j], "EX") || !strcasecmp(rec.ops[i].argv[j], "PX")))
                relative++;
    }
    is_int(relative, 0, "no relative-time or float-increment command is propagated");
    sds why = NULL;
    ok(same_keyspace(a->srv, b->srv, &why), "replayed keyspace equals the original%s%s", why ? ": " : "",
       why ? why : "");
    sds_free(why);
    recorder_clear(&rec);
    kvt_stop(a);
    kvt_stop(b);
}

int main(void) {
    test_generic();
    test_scan();
    test_expire();
    test_multi();
    test_propagation_replay();
    return done_testing();
}
