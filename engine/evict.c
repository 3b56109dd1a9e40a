/*
 * engine/evict.c — maxmemory eviction (see evict.h for the contract).
 *
 * One eviction round:
 *   1. pool policies (LRU, LFU, TTL): for every database with candidates,
 *      sample maxmemory-samples entries of its keys dict (allkeys-*) or its
 *      expires dict (volatile-*) and offer each to the pool with a score:
 *        LRU  score = idle time in ms (obj_idle_ms)
 *        LFU  score = 255 - decayed access counter (obj_lfu_count)
 *        TTL  score = UINT64_MAX - expire time (soonest deadline = highest)
 *      The pool keeps the EVICT_POOL_SIZE highest scores, sorted ascending,
 *      each with a copy of its key name and its db id.  The victim is the
 *      highest-scored entry whose key still exists (for volatile-*: still
 *      has a TTL); entries whose key vanished are dropped.
 *   2. random policies: a random key of the keys (or expires) dict, visiting
 *      the databases round-robin from a random start.
 *   3. delete the victim, propagate DEL, count it; until under the limit.
 * The pool lives for one evict_perform() call (rounds within the call
 * share it, as Redis's global pool is shared between rounds); a key that a
 * later round finds already gone is skipped.
 *
 * Budget: one call spends at most evict_budget_us() (Redis's
 * maxmemory-eviction-tenacity 10 = 500 us) unless nothing is left to evict;
 * running out of budget after freeing something answers 0 (the cron keeps
 * going), like Redis's EVICT_RUNNING.
 */
#include "evict.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "db.h"
#include "mem.h"
#include "object.h"
#include "util.h"

#define EVICT_BUDGET_US 500
#define EVICT_SAMPLES_MAX 64

typedef struct pool_entry {
    uint64_t score; /* higher = better victim */
    sds key;        /* owned copy; NULL = empty slot */
    int dbid;
} pool_entry;

typedef struct evict_pool {
    pool_entry e[EVICT_POOL_SIZE]; /* filled slots first, ascending score */
    int n;
} evict_pool;

const char *evict_policy_name(int policy) {
    const char *n = config_enum_name("maxmemory-policy", policy);
    return n ? n : "unknown";
}

static int policy_volatile(int p) {
    return p == CONFIG_MAXMEMORY_VOLATILE_LRU || p == CONFIG_MAXMEMORY_VOLATILE_LFU ||
           p == CONFIG_MAXMEMORY_VOLATILE_RANDOM || p == CONFIG_MAXMEMORY_VOLATILE_TTL;
}

static int policy_random(int p) {
    return p == CONFIG_MAXMEMORY_ALLKEYS_RANDOM || p == CONFIG_MAXMEMORY_VOLATILE_RANDOM;
}

size_t evict_over_limit(kv_server *srv) {
    long long max = srv->cfg->maxmemory;
    size_t used = mem_used();
    if (max <= 0 || used <= (size_t)max) return 0;
    return used - (size_t)max;
}

/* ---- the candidate pool ------------------------------------------------- */

static void pool_clear(evict_pool *p) {
    for (int i = 0; i < p->n; i++) sds_free(p->e[i].key);
    p->n = 0;
}

static int pool_find(const evict_pool *p, int dbid, const sds key) {
    for (int i = 0; i < p->n; i++)
        if (p->e[i].dbid == dbid && sds_cmp(p->e[i].key, key) == 0) return i;
    return -1;
}

/* Offer a candidate: keep it if the pool has room or it beats the worst. */
static void pool_offer(evict_pool *p, int dbid, const sds key, uint64_t score) {
    if (pool_find(p, dbid, key) >= 0) return;
    if (p->n == EVICT_POOL_SIZE) {
        if (score <= p->e[0].score) return;
        sds_free(p->e[0].key); /* drop the worst */
        memmove(&p->e[0], &p->e[1], sizeof(pool_entry) * (size_t)(p->n - 1));
        p->n--;
    }
    int pos = p->n;
    while (pos > 0 && p->e[pos - 1].score > score) pos--;
    memmove(&p->e[pos + 1], &p->e[pos], sizeof(pool_entry) * (size_t)(p->n - pos));
    p->e[pos].score = score;
    p->e[pos].key = sds_dup(key);
    p->e[pos].dbid = dbid;
    p->n++;
}

static uint64_t score_of(kv_server *srv, int policy, kv_obj *o, const dict_entry *de, int from_expires) {
    switch (policy) {
    case CONFIG_MAXMEMORY_ALLKEYS_LRU:
    case CONFIG_MAXMEMORY_VOLATILE_LRU:
        return obj_idle_ms(o);
    case CONFIG_MAXMEMORY_ALLKEYS_LFU:
    case CONFIG_MAXMEMORY_VOLATILE_LFU:
        return 255u - obj_lfu_count(o);
    case CONFIG_MAXMEMORY_VOLATILE_TTL:
        return from_expires ? UINT64_MAX - (uint64_t)de->v.s64 : 0;
    default:
        return 0;
    }
}

static void pool_populate(kv_server *srv, evict_pool *pool, kv_db *db, int policy) {
    dict *d = policy_volatile(policy) ? db->expires : db->keys;
    dict_entry *samples[EVICT_SAMPLES_MAX];
    long long want = srv->cfg->maxmemory_samples;
    if (want < 1) want = 1;
    if (want > EVICT_SAMPLES_MAX) want = EVICT_SAMPLES_MAX;
    unsigned got = dict_sample(d, samples, (unsigned)want);
    for (unsigned i = 0; i < got; i++) {
        sds key = samples[i]->key;
        kv_obj *o = d == db->keys ? samples[i]->v.val : db_find(db, key);
        if (!o) continue;
        pool_offer(pool, db->id, key, score_of(srv, policy, o, samples[i], d == db->expires));
    }
}

/* The best victim still present: its db and a copy of its name in *key. */
static kv_db *pool_pick(kv_server *srv, evict_pool *pool, int policy, sds *key) {
    while (pool->n > 0) {
        pool_entry *e = &pool->e[--pool->n];
        kv_db *db = e->dbid < srv->dbnum ? &srv->dbs[e->dbid] : NULL;
        dict *d = db ? (policy_volatile(policy) ? db->expires : db->keys) : NULL;
        if (d && dict_find(d, e->key)) {
            *key = e->key;
            return db;
        }
        sds_free(e->key);
    }
    return NULL;
}

static kv_db *pick_pooled(kv_server *srv, evict_pool *pool, int policy, sds *key) {
    for (int j = 0; j < srv->dbnum; j++) {
        kv_db *db = &srv->dbs[j];
        dict *d = policy_volatile(policy) ? db->expires : db->keys;
        if (dict_size(d)) pool_populate(srv, pool, db, policy);
    }
    return pool_pick(srv, pool, policy, key);
}

static kv_db *pick_random(kv_server *srv, int policy, sds *key) {
    int start = srv->dbnum ? rand() % srv->dbnum : 0;
    for (int j = 0; j < srv->dbnum; j++) {
        kv_db *db = &srv->dbs[(start + j) % srv->dbnum];
        dict *d = policy_volatile(policy) ? db->expires : db->keys;
        dict_entry *de = dict_size(d) ? dict_random_entry(d) : NULL;
        if (de) {
            *key = sds_dup(de->key);
            return db;
        }
    }
    return NULL;
}

/* ---- deleting a victim ---------------------------------------------------- */

static void evict_key(kv_server *srv, kv_db *db, sds key) {
    sds argv[2] = {sds_new(srv->cfg->lazyfree_lazy_eviction ? "UNLINK" : "DEL"), key};
    db_delete(srv, db, key);
    srv->stat.evictedkeys++;
    cmd_also_propagate(srv, db->id, 2, argv);
    db_touch_key(srv, db, key);
    sds_free(argv[0]);
}

static uint64_t evict_budget_us(kv_server *srv) {
    long long t = srv->cfg->maxmemory_eviction_tenacity;
    if (t >= 100) return UINT64_MAX;
    if (t <= 10) return (uint64_t)(t > 0 ? t : 1) * (EVICT_BUDGET_US / 10);
    uint64_t us = EVICT_BUDGET_US; /* grows ~15% per step above 10 */
    for (long long i = 10; i < t; i++) us += us * 15 / 100;
    return us;
}

int evict_perform(kv_server *srv) {
    if (evict_over_limit(srv) == 0) return 0;
    int policy = srv->cfg->maxmemory_policy;
    if (policy == CONFIG_MAXMEMORY_NOEVICTION) return -1;

    evict_pool pool = {.n = 0};
    uint64_t start = util_monotonic_us(), budget = evict_budget_us(srv);
    long long evicted = 0;
    int result = 0;
    while (evict_over_limit(srv) > 0) {
        sds key = NULL;
        kv_db *db = policy_random(policy) ? pick_random(srv, policy, &key)
                                          : pick_pooled(srv, &pool, policy, &key);
        if (!db) {
            result = -1; /* nothing left that this policy may evict */
            break;
        }
        evict_key(srv, db, key);
        sds_free(key);
        evicted++;
        if ((evicted & 15) == 0 && util_monotonic_us() - start > budget) break;
    }
    pool_clear(&pool);
    /* Propagate now, so the DELs precede the command about to run; inside
     * a command (evict_perform called from a handler) the command's own
     * flush delivers them. */
    if (!srv->current) cmd_flush_propagation(srv);
    return result;
}

void evict_cron(kv_server *srv) {
    if (srv->cfg->maxmemory > 0 && !srv->loading) (void)evict_perform(srv);
}
