/*
 * engine/blocking.c — clients blocked on keys (API and semantics in
 * blocking.h).
 *
 * LAYOUT
 *   db->blocking   dict: key sds (owned) -> blk_queue, the clients waiting
 *                  on that key in the order they blocked (a doubly linked
 *                  list of blk_link, one link per (client, key));
 *   c->bstate      blk_client: deadline, type, serve callback, privdata and
 *                  the client's links (one per distinct key it waits on);
 *   srv->blk_ready_head/tail
 *                  queues signalled ready and not yet served, linked through
 *                  blk_queue.next_ready, in signalling order;
 *   srv->blocked_by_type[]
 *                  how many clients are blocked, per BLOCKED_* type.
 *
 * INVARIANTS
 *   (1) c->flags has CLIENT_BLOCKED iff c->bstate != NULL; then every link
 *       of c->bstate is in its queue, and every link of a queue belongs to
 *       a blocked client;
 *   (2) a queue is in db->blocking while it has links, is on the ready list
 *       (ready) or is being served (serving); it is freed by whoever clears
 *       the last of these three conditions;
 *   (3) a queue is on the ready list at most once (the ready flag);
 *   (4) serving never unblocks a client other than the one being served,
 *       so the next link of the queue stays valid across a serve call.
 * Timeouts are checked by the cron (blocking_handle_timeouts): a deadline
 * is honoured within one cron period (1000/hz ms), as in Redis.
 */
#include "blocking.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "args.h"
#include "client.h"
#include "cmd.h"
#include "db.h"
#include "mem.h"
#include "reply.h"
#include "server.h"
#include "util.h"

typedef struct blk_link {
    struct blk_link *prev, *next;
    kv_client *c;
    struct blk_queue *q;
} blk_link;

typedef struct blk_queue {
    blk_link *head, *tail;
    kv_db *db;
    sds key; /* the dict's own key */
    struct blk_queue *next_ready;
    unsigned ready : 1, serving : 1;
} blk_queue;

typedef struct blk_client {
    long long deadline; /* unix ms, 0 = forever */
    int type;
    blocking_serve_fn *serve;
    void *privdata;
    blocking_free_fn *free_privdata;
    int nlinks;
    blk_link *links[];
} blk_client;

/* Links still in a queue when its db is freed (server shutdown with
 * clients blocked) go with it; the clients themselves are freed by then. */
static void queue_free(void *p) {
    blk_queue *q = p;
    blk_link *l = q->head;
    while (l) {
        blk_link *next = l->next;
        mem_free(l);
        l = next;
    }
    mem_free(q);
}

static const dict_type blocking_type = {dict_sds_hash, NULL, dict_sds_eq, dict_sds_free, queue_free};

/* ---- timeouts --------------------------------------------------------------- */

/* Seconds -> ms as Redis 7.0 (a long double times 1000, rounded up so a
 * tiny positive timeout does not mean "forever"; values beyond the range of
 * a long long come out negative there, and are refused as negative here). */
int blocking_parse_timeout(kv_client *c, const sds arg, long long *deadline_ms) {
    long double secs;
    if (!str_to_ld(arg, sds_len(arg), &secs)) {
        reply_error(c, "ERR timeout is not a float or out of range");
        return -1;
    }
    long double ms = ceill(secs * 1000.0L);
    long long tval = (ms >= 9223372036854775807.0L || ms < -9223372036854775807.0L) ? LLONG_MIN : (long long)ms;
    if (tval < 0) {
        reply_error(c, "ERR timeout is negative");
        return -1;
    }
    if (tval > 0) {
        long long now = server_now_ms(c->srv);
        tval = tval > LLONG_MAX - now ? 0 : tval + now; /* beyond the end of time: forever */
    }
    *deadline_ms = tval;
    return 0;
}

/* ---- queues ----------------------------------------------------------------- */

static blk_queue *queue_get(kv_db *db, const sds key) {
    if (!db->blocking) db->blocking = dict_create(&blocking_type);
    blk_queue *q = dict_fetch_value(db->blocking, key);
    if (q) return q;
    q = mem_calloc(sizeof(*q));
    sds k = sds_dup(key);
    q->db = db;
    q->key = k;
    dict_add(db->blocking, k, q);
    return q;
}

/* Invariant (2): drop q when nothing holds it any more. */
static void queue_maybe_free(blk_queue *q) {
    if (q->head || q->ready || q->serving) return;
    dict_delete(q->db->blocking, q->key);
}

static void link_remove(blk_link *l) {
    blk_queue *q = l->q;
    if (l->prev) l->prev->next = l->next;
    else q->head = l->next;
    if (l->next) l->next->prev = l->prev;
    else q->tail = l->prev;
    mem_free(l);
    queue_maybe_free(q);
}

/* ---- block / unblock ---------------------------------------------------------- */

void blocking_block(kv_client *c, sds *keys, int nkeys, long long deadline_ms, int type,
                    blocking_serve_fn *serve, void *privdata, blocking_free_fn *free_privdata) {
    blk_client *bc = mem_calloc(sizeof(*bc) + sizeof(blk_link *) * (size_t)nkeys);
    bc->deadline = deadline_ms;
    bc->type = type;
    bc->serve = serve;
    bc->privdata = privdata;
    bc->free_privdata = free_privdata;
    for (int i = 0; i < nkeys; i++) {
        int dup = 0;
        for (int j = 0; j < i && !dup; j++) dup = sds_cmp(keys[i], keys[j]) == 0;
        if (dup) continue;
        blk_queue *q = queue_get(c->db, keys[i]);
        blk_link *l = mem_calloc(sizeof(*l));
        l->c = c;
        l->q = q;
        l->prev = q->tail;
        if (q->tail) q->tail->next = l;
        else q->head = l;
        q->tail = l;
        bc->links[bc->nlinks++] = l;
    }
    c->bstate = bc;
    c->flags |= CLIENT_BLOCKED;
    if (type >= 0 && type < BLOCKED_TYPES) c->srv->blocked_by_type[type]++;
}

/* Forget c's blocked state (no reply). */
static void unblock(kv_client *c) {
    blk_client *bc = c->bstate;
    if (!bc) return;
    for (int i = 0; i < bc->nlinks; i++) link_remove(bc->links[i]);
    if (bc->free_privdata) bc->free_privdata(bc->privdata);
    if (bc->type >= 0 && bc->type < BLOCKED_TYPES) c->srv->blocked_by_type[bc->type]--;
    mem_free(bc);
    c->bstate = NULL;
    c->flags &= ~CLIENT_BLOCKED;
}

/* Unblock after c got its reply, and let net/ resume reading from it. */
static void unblock_replied(kv_client *c) {
    kv_server *srv = c->srv;
    unblock(c);
    c->last_ms = (int64_t)util_mstime();
    if (srv->net.client_unblocked) srv->net.client_unblocked(srv->net.netpriv, c);
}

void blocking_client_free(kv_client *c) { unblock(c); }

static void reply_timeout(kv_client *c) { reply_null_array(c); }

int blocking_unblock_by_id(kv_server *srv, uint64_t id, int error) {
    kv_client *c = client_by_id(srv, id);
    if (!c || !(c->flags & CLIENT_BLOCKED)) return 0;
    if (error) reply_error(c, "-UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else reply_timeout(c);
    unblock_replied(c);
    return 1;
}

void blocking_handle_timeouts(kv_server *srv) {
    long long now = (long long)util_mstime();
    for (kv_client *c = srv->clients; c; c = c->next) {
        blk_client *bc = c->bstate;
        if (!(c->flags & CLIENT_BLOCKED) || !bc || bc->deadline == 0 || bc->deadline > now) continue;
        reply_timeout(c);
        unblock_replied(c);
    }
}

long long blocking_count(kv_server *srv, int type) {
    if (type >= 0 && type < BLOCKED_TYPES) return srv->blocked_by_type[type];
    long long n = 0;
    for (int i = 0; i < BLOCKED_TYPES; i++) n += srv->blocked_by_type[i];
    return n;
}

/* ---- readiness ------------------------------------------------------------------- */

static int block_type_of(int objtype) {
    switch (objtype) {
    case OBJ_LIST: return BLOCKED_LIST;
    case OBJ_ZSET: return BLOCKED_ZSET;
    case OBJ_STREAM: return BLOCKED_STREAM;
    default: return BLOCKED_NONE;
    }
}

static void signal_queue(kv_server *srv, blk_queue *q) {
    if (q->ready) return;
    q->ready = 1;
    q->next_ready = NULL;
    if (srv->blk_ready_tail) srv->blk_ready_tail->next_ready = q;
    else srv->blk_ready_head = q;
    srv->blk_ready_tail = q;
}

void blocking_key_added(kv_server *srv, kv_db *db, const sds key, int objtype) {
    int bt = block_type_of(objtype);
    if (!srv || bt == BLOCKED_NONE || srv->blocked_by_type[bt] == 0 || !db->blocking) return;
    blk_queue *q = dict_fetch_value(db->blocking, key);
    if (q) signal_queue(srv, q);
}

void blocking_scan_db(kv_server *srv, kv_db *db) {
    if (!db->blocking || dict_size(db->blocking) == 0) return;
    dict_iter it;
    dict_entry *de;
    dict_iter_init(&it, db->blocking, 0);
    while ((de = dict_next(&it))) { /* no lookups in db->blocking here: the iterator is unsafe */
        kv_obj *o = db_find(db, de->key);
        int bt = o ? block_type_of(o->type) : BLOCKED_NONE;
        if (bt != BLOCKED_NONE && srv->blocked_by_type[bt] > 0) signal_queue(srv, de->v.val);
    }
    dict_iter_reset(&it);
}

/* Offer q's key to its clients in the order they blocked. */
static void serve_queue(kv_server *srv, blk_queue *q) {
    q->serving = 1;
    blk_link *l = q->head;
    while (l && db_find(q->db, q->key)) {
        blk_link *next = l->next; /* invariant (4) */
        kv_client *c = l->c;
        blk_client *bc = c->bstate;
        if (bc->serve(c, q->key, bc->privdata)) {
            cmd_flush_propagation(srv);
            unblock_replied(c);
        }
        l = next;
    }
    q->serving = 0;
}

void blocking_serve_ready(kv_server *srv) {
    while (srv->blk_ready_head) {
        blk_queue *q = srv->blk_ready_head;
        srv->blk_ready_head = q->next_ready;
        if (!srv->blk_ready_head) srv->blk_ready_tail = NULL;
        q->next_ready = NULL;
        q->ready = 0;
        serve_queue(srv, q);
        queue_maybe_free(q);
    }
}
