/*
 * engine/multi.c — transactions.
 *
 * Layout: c->mqueue holds queued (cmd, argv) in order.  c->watching is a
 * dict of "key" sds entries keyed per db: the key is "<dbid>\0<key>" so one
 * dict serves all dbs.  db->watched maps key -> kv_watchers (a small array
 * of clients).  Both sides are updated together so freeing a client never
 * leaves a dangling pointer in a db.
 *
 * Semantics (Redis 7.0): a command refused while queueing (unknown, arity,
 * and so on) flags the transaction CLIENT_DIRTY_EXEC and EXEC answers
 * "-EXECABORT Transaction discarded because of previous errors.".  A touched
 * watched key (write, expiry, flush, swapdb) makes EXEC answer null.  Keys
 * that were already expired when WATCHed and are still absent do not abort.
 */
#include "multi.h"

#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "db.h"
#include "mem.h"
#include "reply.h"

typedef struct kv_watchers {
    kv_client **c;
    int n, cap;
} kv_watchers;

void multi_queue(kv_client *c) {
    if (c->mcount == c->mcap) {
        c->mcap = c->mcap ? c->mcap * 2 : 8;
        c->mqueue = mem_realloc(c->mqueue, sizeof(*c->mqueue) * (size_t)c->mcap);
    }
    kv_queued_cmd *q = &c->mqueue[c->mcount++];
    q->cmd = c->cmd;
    q->argc = c->argc;
    q->argv = c->argv;
    c->argv = NULL;
    c->argc = 0;
}

void multi_discard(kv_client *c) {
    for (int i = 0; i < c->mcount; i++) {
        for (int j = 0; j < c->mqueue[i].argc; j++) sds_free(c->mqueue[i].argv[j]);
        mem_free(c->mqueue[i].argv);
    }
    mem_free(c->mqueue);
    c->mqueue = NULL;
    c->mcount = c->mcap = 0;
    c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
}

static void watchers_free(void *p) {
    kv_watchers *w = p;
    mem_free(w->c);
    mem_free(w);
}

static const dict_type watched_type = {dict_sds_hash, NULL, dict_sds_eq, dict_sds_free, watchers_free};
static const dict_type watching_type = {dict_sds_hash, NULL, dict_sds_eq, dict_sds_free, NULL};

static sds watch_id(int dbid, const sds key) {
    sds s = sds_catprintf(sds_empty(), "%d", dbid);
    s = sds_catlen(s, "", 1);
    return sds_catlen(s, key, sds_len(key));
}

static void watch_key(kv_client *c, const sds key) {
    kv_db *db = c->db;
    if (!c->watching) c->watching = dict_create(&watching_type);
    sds id = watch_id(db->id, key);
    if (dict_find(c->watching, id)) {
        sds_free(id);
        return;
    }
    /* value: whether the key was logically absent-by-expiry when watched */
    dict_add(c->watching, id, (void *)(intptr_t)(db_find(db, key) && db_key_is_expired(c->srv, db, key)));
    if (!db->watched) db->watched = dict_create(&watched_type);
    kv_watchers *w = dict_fetch_value(db->watched, key);
    if (!w) {
        w = mem_calloc(sizeof(*w));
        dict_add(db->watched, sds_dup(key), w);
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 4;
        w->c = mem_realloc(w->c, sizeof(*w->c) * (size_t)w->cap);
    }
    w->c[w->n++] = c;
}

static void unwatch_one(kv_client *c, int dbid, const sds key) {
    kv_db *db = &c->srv->dbs[dbid];
    if (!db->watched) return;
    dict_entry *de = dict_find(db->watched, key);
    if (!de) return;
    kv_watchers *w = de->v.val;
    for (int i = 0; i < w->n; i++) {
        if (w->c[i] == c) {
            w->c[i] = w->c[--w->n];
            break;
        }
    }
    if (w->n == 0) dict_delete(db->watched, key);
}

void multi_unwatch_all(kv_client *c) {
    if (!c->watching) return;
    dict_iter it;
    dict_entry *de;
    dict_iter_init(&it, c->watching, 0);
    while ((de = dict_next(&it))) {
        sds id = de->key;
        int dbid = atoi(id);
        size_t off = strlen(id) + 1;
        sds key = sds_newlen(id + off, sds_len(id) - off);
        unwatch_one(c, dbid, key);
        sds_free(key);
    }
    dict_iter_reset(&it);
    dict_release(c->watching);
    c->watching = NULL;
}

void multi_touch_key(kv_db *db, const sds key) {
    if (!db->watched || dict_size(db->watched) == 0) return;
    kv_watchers *w = dict_fetch_value(db->watched, key);
    if (!w) return;
    for (int i = 0; i < w->n; i++) w->c[i]->flags |= CLIENT_DIRTY_CAS;
}

void multi_touch_all(kv_db *db) {
    if (!db->watched) return;
    dict_iter it;
    dict_entry *de;
    dict_iter_init(&it, db->watched, 0);
    while ((de = dict_next(&it))) {
        /* Redis only invalidates watchers of keys that exist (or, on
         * SWAPDB, of keys whose existence changes); FLUSHDB of an empty db
         * does not touch anyone. */
        if (!db_find(db, de->key)) continue;
        kv_watchers *w = de->v.val;
        for (int i = 0; i < w->n; i++) w->c[i]->flags |= CLIENT_DIRTY_CAS;
    }
    dict_iter_reset(&it);
}

int multi_watched_expired(kv_client *c) {
    if (!c->watching) return 0;
    dict_iter it;
    dict_entry *de;
    int expired = 0;
    dict_iter_init(&it, c->watching, 0);
    while ((de = dict_next(&it)) && !expired) {
        if (de->v.val) continue; /* was already expired when watched */
        sds id = de->key;
        int dbid = atoi(id);
        size_t off = strlen(id) + 1;
        sds key = sds_newlen(id + off, sds_len(id) - off);
        kv_db *db = &c->srv->dbs[dbid];
        if (db_find(db, key) && db_key_is_expired(c->srv, db, key)) expired = 1;
        sds_free(key);
    }
    dict_iter_reset(&it);
    return expired;
}

/* ---- commands ----------------------------------------------------------- */

static void multi_cmd(kv_client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "MULTI calls can not be nested");
        return;
    }
    c->flags |= CLIENT_MULTI;
    reply_ok(c);
}

static void discard_cmd(kv_client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "DISCARD without MULTI");
        return;
    }
    multi_discard(c);
    multi_unwatch_all(c);
    reply_ok(c);
}

static void exec_cmd(kv_client *c) {
    kv_server *srv = c->srv;
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "EXEC without MULTI");
        return;
    }
    if (!(c->flags & CLIENT_DIRTY_CAS) && multi_watched_expired(c)) c->flags |= CLIENT_DIRTY_CAS;
    if (c->flags & CLIENT_DIRTY_EXEC) {
        reply_error(c, "EXECABORT Transaction discarded because of previous errors.");
        multi_discard(c);
        multi_unwatch_all(c);
        return;
    }
    if (c->flags & CLIENT_DIRTY_CAS) {
        reply_null_array(c);
        multi_discard(c);
        multi_unwatch_all(c);
        return;
    }
    multi_unwatch_all(c);
    /* Run the queue.  c->argv is swapped for each queued command so the
     * handlers see it as usual; propagation of all writes is collected by
     * cmd_call's nesting and wrapped in MULTI/EXEC at the top level. */
    int saved_argc = c->argc;
    sds *saved_argv = c->argv;
    const kv_command *saved_cmd = c->cmd;
    kv_queued_cmd *q = c->mqueue;
    int n = c->mcount;
    c->mqueue = NULL;
    c->mcount = c->mcap = 0;
    c->flags &= ~CLIENT_MULTI;
    c->flags |= CLIENT_DENY_BLOCKING;
    srv->in_exec = 1;
    reply_array(c, n);
    for (int i = 0; i < n; i++) {
        c->argc = q[i].argc;
        c->argv = q[i].argv;
        c->cmd = q[i].cmd;
        cmd_call(c, q[i].cmd);
        q[i].argc = c->argc; /* the handler may have rewritten argv */
        q[i].argv = c->argv;
    }
    srv->in_exec = 0;
    c->flags &= ~CLIENT_DENY_BLOCKING;
    c->argc = saved_argc;
    c->argv = saved_argv;
    c->cmd = saved_cmd;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < q[i].argc; j++) sds_free(q[i].argv[j]);
        mem_free(q[i].argv);
    }
    mem_free(q);
}

static void watch_cmd(kv_client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "WATCH inside MULTI is not allowed");
        return;
    }
    /* No point watching if the transaction is already doomed. */
    if (c->flags & CLIENT_DIRTY_CAS) {
        reply_ok(c);
        return;
    }
    for (int i = 1; i < c->argc; i++) watch_key(c, c->argv[i]);
    reply_ok(c);
}

static void unwatch_cmd(kv_client *c) {
    multi_unwatch_all(c);
    c->flags &= ~CLIENT_DIRTY_CAS;
    reply_ok(c);
}

const kv_command cmd_table_multi[] = {
    {"multi", multi_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, 0, 0, 0,
     "transactions", "1.2.0", "Starts a transaction.", "O(1)", "", NULL},
    {"exec", exec_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG, 0, 0, 0, "transactions",
     "1.2.0", "Executes all commands in a transaction.", "Depends on commands in the transaction", "", NULL},
    {"discard", discard_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, 0, 0, 0,
     "transactions", "2.0.0", "Discards a transaction.", "O(N) when N is the number of queued commands", "",
     NULL},
    {"watch", watch_cmd, -2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, 1, -1, 1,
     "transactions", "2.2.0", "Monitors changes to keys to determine the execution of a transaction.",
     "O(1) for every key.", "key [key ...]", NULL},
    {"unwatch", unwatch_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, 0, 0, 0,
     "transactions", "2.2.0", "Forgets about watched keys of a transaction.", "O(1)", "", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
