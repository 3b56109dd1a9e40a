/*
 * engine/db.c — the keyspace of one database: lookup with lazy expiry, add,
 * overwrite, delete, expiry bookkeeping, the active expire cycle.
 *
 * Layout: db->keys owns the key sds and one reference of each value;
 * db->expires maps the very same key pointer (not owned) to a unix-ms
 * deadline.  Invariants:
 *  (1) every key of db->expires is a key of db->keys (same pointer);
 *  (2) a key whose deadline has passed is never returned to a command: it is
 *      deleted on access (unless the server is loading) and its deletion is
 *      propagated as DEL, so a replay of the propagated stream converges;
 *  (3) commands see one clock per command (server_now_ms), so a command never
 *      sees a key expire half-way through.
 */
#include "db.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "cmd.h"
#include "mem.h"
#include "multi.h"
#include "reply.h"
#include "server.h"
#include "util.h"

static const dict_type keys_type = {dict_sds_hash, NULL, dict_sds_eq, dict_sds_free, obj_decr_ref_void};
static const dict_type expires_type = {dict_sds_hash, NULL, dict_sds_eq, NULL, NULL};

void db_init(kv_server *srv, kv_db *db, int id) {
    memset(db, 0, sizeof(*db));
    db->keys = dict_create(&keys_type);
    db->expires = dict_create(&expires_type);
    db->id = id;
}

void db_free(kv_db *db) {
    dict_release(db->expires);
    dict_release(db->keys);
    dict_release(db->watched);
    dict_release(db->blocking);
}

kv_obj *db_find(kv_db *db, const sds key) { return dict_fetch_value(db->keys, key); }

long long db_get_expire(kv_db *db, const sds key) {
    if (dict_size(db->expires) == 0) return -1;
    dict_entry *de = dict_find(db->expires, key);
    return de ? de->v.s64 : -1;
}

int db_key_is_expired(kv_server *srv, kv_db *db, const sds key) {
    /* While loading (AOF replay), nothing expires: the stream itself carries
     * the deletions, in order, so the replay converges to the same state. */
    if (srv->loading) return 0;
    long long when = db_get_expire(db, key);
    if (when < 0) return 0;
    return when <= server_now_ms(srv);
}

static void propagate_del(kv_server *srv, kv_db *db, const sds key) {
    sds argv[2] = {sds_new(srv->cfg->lazyfree_lazy_expire ? "UNLINK" : "DEL"), sds_dup(key)};
    cmd_also_propagate(srv, db->id, 2, argv);
    sds_free(argv[0]);
    sds_free(argv[1]);
    if (!srv->current) cmd_flush_propagation(srv);
}

void db_delete_expired(kv_server *srv, kv_db *db, const sds key) {
    sds k = sds_dup(key); /* key may be the dict's own copy */
    db_delete(srv, db, k);
    srv->stat.expiredkeys++;
    propagate_del(srv, db, k);
    db_touch_key(srv, db, k);
    sds_free(k);
}

int db_expire_if_needed(kv_server *srv, kv_db *db, const sds key) {
    if (!db_key_is_expired(srv, db, key)) return 0;
    db_delete_expired(srv, db, key);
    return 1;
}

static int lfu_policy(kv_server *srv) {
    int p = srv->cfg->maxmemory_policy;
    return p == CONFIG_MAXMEMORY_ALLKEYS_LFU || p == CONFIG_MAXMEMORY_VOLATILE_LFU;
}

kv_obj *db_lookup_read(kv_client *c, kv_db *db, const sds key, int flags) {
    kv_server *srv = c ? c->srv : NULL;
    kv_obj *o = NULL;
    if (srv) {
        int expired = (flags & LOOKUP_NOEXPIRE) ? db_key_is_expired(srv, db, key)
                                                : db_expire_if_needed(srv, db, key);
        if (!expired) o = db_find(db, key);
        if (!(flags & LOOKUP_NOSTATS)) {
            if (o) srv->stat.keyspace_hits++;
            else srv->stat.keyspace_misses++;
        }
        if (o && !(flags & LOOKUP_NOTOUCH) && !(c->flags & CLIENT_NO_TOUCH)) obj_touch(o, lfu_policy(srv));
    }
    return o;
}

kv_obj *db_lookup_write(kv_client *c, kv_db *db, const sds key) {
    return db_lookup_read(c, db, key, LOOKUP_NOSTATS);
}

static int typed(kv_client *c, kv_obj *o, int type, kv_obj **out) {
    if (o && (int)o->type != type) {
        reply_error(c, ERR_WRONGTYPE);
        return -1;
    }
    *out = o;
    return 0;
}

int db_lookup_typed_read(kv_client *c, const sds key, int type, kv_obj **out) {
    return typed(c, db_lookup_read(c, c->db, key, LOOKUP_NONE), type, out);
}

int db_lookup_typed_write(kv_client *c, const sds key, int type, kv_obj **out) {
    return typed(c, db_lookup_write(c, c->db, key), type, out);
}

void db_key_changed(kv_client *c, const sds key, long long changes) {
    db_touch_key(c->srv, c->db, key);
    c->srv->dirty += changes;
}

void db_add(kv_server *srv, kv_db *db, const sds key, kv_obj *val) {
    int rc = dict_add(db->keys, sds_dup(key), val);
    assert(rc == 0);
    (void)rc;
    blocking_key_added(srv, db, key, val->type); /* clients blocked on key may be served */
}

void db_overwrite(kv_server *srv, kv_db *db, const sds key, kv_obj *val) {
    dict_entry *de = dict_find(db->keys, key);
    assert(de);
    kv_obj *old = de->v.val;
    de->v.val = val;
    obj_decr_ref(old);
    blocking_key_added(srv, db, key, val->type); /* a list/zset replacing another value */
}

void db_set(kv_server *srv, kv_db *db, const sds key, kv_obj *val, int keepttl) {
    dict_entry *de = dict_find(db->keys, key); /* one lookup for both cases */
    if (!de) {
        db_add(srv, db, key, val);
        return;
    }
    kv_obj *old = de->v.val;
    de->v.val = val;
    obj_decr_ref(old);
    if (!keepttl) db_remove_expire(db, key);
    blocking_key_added(srv, db, key, val->type);
}

int db_delete(kv_server *srv, kv_db *db, const sds key) {
    (void)srv;
    if (dict_size(db->expires)) dict_delete(db->expires, key);
    return dict_delete(db->keys, key) == 0;
}

long long db_size(kv_db *db) { return (long long)dict_size(db->keys); }

long long db_flush(kv_server *srv, kv_db *db) {
    long long n = db_size(db);
    multi_touch_all(db);
    dict_empty(db->expires, NULL);
    dict_empty(db->keys, NULL);
    db->avg_ttl = 0;
    db->expires_cursor = 0;
    (void)srv;
    return n;
}

kv_obj *db_random_key_obj(kv_client *c, kv_db *db, sds *key_out) {
    kv_server *srv = c->srv;
    int tries = 0, all_volatile = dict_size(db->keys) == dict_size(db->expires);
    for (;;) {
        dict_entry *de = dict_random_entry(db->keys);
        if (!de) return NULL;
        sds key = sds_dup(de->key);
        if (db_key_is_expired(srv, db, key)) {
            if (all_volatile && ++tries >= 100) {
                /* Every key is expiring: give this one back rather than loop
                 * forever (Redis does the same). */
                *key_out = key;
                return de->v.val;
            }
            db_expire_if_needed(srv, db, key);
            sds_free(key);
            continue;
        }
        *key_out = key;
        return de->v.val;
    }
}

void db_set_expire(kv_server *srv, kv_db *db, const sds key, long long when_ms) {
    dict_entry *kde = dict_find(db->keys, key);
    assert(kde);
    dict_entry *existing;
    dict_entry *de = dict_add_raw(db->expires, kde->key, &existing);
    if (!de) de = existing;
    de->v.s64 = when_ms;
    (void)srv;
}

int db_remove_expire(kv_db *db, const sds key) {
    if (dict_size(db->expires) == 0) return 0;
    return dict_delete(db->expires, key) == 0;
}

void db_touch_key(kv_server *srv, kv_db *db, const sds key) {
    (void)srv;
    multi_touch_key(db, key);
}

void db_touch_all(kv_server *srv, kv_db *db) {
    (void)srv;
    multi_touch_all(db);
}

void db_swap(kv_server *srv, int a, int b) {
    kv_db *da = &srv->dbs[a], *dbb = &srv->dbs[b];
    multi_touch_all(da);
    multi_touch_all(dbb);
    dict *k = da->keys, *e = da->expires;
    long long avg = da->avg_ttl;
    unsigned long cur = da->expires_cursor;
    da->keys = dbb->keys;
    da->expires = dbb->expires;
    da->avg_ttl = dbb->avg_ttl;
    da->expires_cursor = dbb->expires_cursor;
    dbb->keys = k;
    dbb->expires = e;
    dbb->avg_ttl = avg;
    dbb->expires_cursor = cur;
    multi_touch_all(da);
    multi_touch_all(dbb);
    /* Blocked clients stay in their db; keys swapped in may serve them. */
    blocking_scan_db(srv, da);
    blocking_scan_db(srv, dbb);
}

/* ---- active expiry -------------------------------------------------------
 *
 * Each call visits the databases round-robin, scanning each expires dict
 * from its saved cursor in steps of ~20 keys; expired keys found are deleted
 * (and their DEL propagated).  A db keeps being scanned while more than 10%
 * of what was sampled had expired, until the time budget is spent: 25% of a
 * cron period for the slow cycle, 1 ms for the fast one run before sleeping.
 */

typedef struct expire_batch {
    sds keys[64];
    int n, sampled;
    long long now;
    long long ttl_sum, ttl_n;
} expire_batch;

static void expire_scan_cb(void *priv, const dict_entry *de) {
    expire_batch *b = priv;
    b->sampled++;
    long long ttl = de->v.s64 - b->now;
    if (ttl <= 0) {
        if (b->n < 64) b->keys[b->n++] = sds_dup(de->key);
    } else {
        b->ttl_sum += ttl;
        b->ttl_n++;
    }
}

static int expire_db_step(kv_server *srv, kv_db *db, int per_loop, long long deadline_us, int *timed_out) {
    int sampled = 0, expired = 0;
    while (sampled < per_loop) {
        expire_batch b;
        b.n = b.sampled = 0;
        b.ttl_sum = b.ttl_n = 0;
        b.now = (long long)util_mstime();
        db->expires_cursor = dict_scan(db->expires, db->expires_cursor, expire_scan_cb, &b);
        for (int i = 0; i < b.n; i++) {
            if (db_find(db, b.keys[i]) && db_key_is_expired(srv, db, b.keys[i])) {
                db_delete_expired(srv, db, b.keys[i]);
                expired++;
            }
            sds_free(b.keys[i]);
        }
        if (b.ttl_n) {
            long long avg = b.ttl_sum / b.ttl_n;
            db->avg_ttl = db->avg_ttl ? (db->avg_ttl / 50) * 49 + avg / 50 : avg;
        }
        sampled += b.sampled;
        if (db->expires_cursor == 0) break;
        if ((long long)util_monotonic_us() > deadline_us) {
            *timed_out = 1;
            break;
        }
    }
    return sampled ? (expired * 100 / sampled) : 0;
}

void db_active_expire_cycle(kv_server *srv, int slow) {
    static int next_db, slow_timed_out;
    static long long last_fast_us;
    if (!srv->active_expire_enabled || srv->loading) return;
    /* The fast cycle (before each sleep) only runs when the last slow one
     * ran out of time, i.e. when expired keys are piling up, and at most
     * once every 2 ms: otherwise it would tax every event-loop iteration. */
    if (!slow) {
        long long now_us = (long long)util_monotonic_us();
        if (!slow_timed_out || now_us - last_fast_us < 2000) return;
        last_fast_us = now_us;
    }
    int effort = srv->cfg->active_expire_effort - 1; /* 0..9 */
    int per_loop = 20 + 20 / 4 * effort;
    int hz = srv->hz > 0 ? srv->hz : 10;
    long long budget_us = slow ? (1000000LL * (25 + 2 * effort) / 100) / hz : 1000 + 250LL * effort;
    long long deadline = (long long)util_monotonic_us() + budget_us;
    int timed_out = 0;
    srv->cmd_time_ms = 0; /* use the live clock */
    for (int i = 0; i < srv->dbnum && !timed_out; i++) {
        kv_db *db = &srv->dbs[next_db];
        next_db = (next_db + 1) % srv->dbnum;
        if (dict_size(db->expires) == 0) continue;
        int pct;
        do {
            pct = expire_db_step(srv, db, per_loop, deadline, &timed_out);
        } while (!timed_out && pct > 10 - effort && dict_size(db->expires) > 0);
    }
    if (slow) slow_timed_out = timed_out;
    srv->stat.expire_cycle_time_used_us += (long long)util_monotonic_us() - (deadline - budget_us);
    cmd_flush_propagation(srv);
}

void db_cron(kv_server *srv) {
    static int next;
    for (int i = 0; i < srv->dbnum; i++) {
        kv_db *db = &srv->dbs[i];
        dict_shrink_if_needed(db->keys);
        dict_shrink_if_needed(db->expires);
    }
    /* Incremental rehash: 1 ms of work on a few databases per call. */
    for (int i = 0; i < 16 && i < srv->dbnum; i++) {
        kv_db *db = &srv->dbs[next];
        next = (next + 1) % srv->dbnum;
        if (dict_is_rehashing(db->keys)) {
            dict_rehash_ms(db->keys, 1);
            break;
        }
        if (dict_is_rehashing(db->expires)) {
            dict_rehash_ms(db->expires, 1);
            break;
        }
    }
}
