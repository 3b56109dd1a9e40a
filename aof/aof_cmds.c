/*
 * aof/aof_cmds.c — the AOF's faces toward the rest of the server: the
 * commands (BGREWRITEAOF, WAITAOF), INFO persistence's aof fields, the
 * write gate (MISCONF), the CONFIG SET hooks of appendonly/appendfsync,
 * and the registry of writers (aof_of).
 *
 * WAITAOF numlocal numreplicas timeout (Redis 7.2): answers
 * [local, replicas] once every write appended before it is fsynced (when
 * numlocal > 0) or when the timeout (ms, 0 = none) expires.  A waiting
 * client is blocked through engine/blocking.h (net/ reads nothing more
 * from it) and remembered by id, so a client that disconnects is simply
 * not found.  CLIENT UNBLOCK answers it with the blocking module's timeout
 * reply (a null array; Redis answers the counts).
 * It waits for everything appended so far, a superset of the client's own
 * writes (strata does not track per-client write offsets).  An fsync is
 * requested at once whatever the policy.  strata has no replication:
 * numreplicas > 0 waits for the timeout and answers 0 replicas.
 */
#include "aof/aof_int.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "engine/args.h"
#include "engine/blocking.h"
#include "engine/client.h"
#include "engine/cmd.h"
#include "engine/info.h"
#include "engine/log.h"
#include "engine/mem.h"
#include "engine/multi.h"
#include "engine/persist.h"
#include "engine/reply.h"
#include "engine/server.h"
#include "engine/util.h"

/* ---- registry --------------------------------------------------------------- */

#define AOF_MAX_INSTANCES 8
static aof_t *instances[AOF_MAX_INSTANCES];

aof_t *aof_of(const kv_server *srv) {
    for (int i = 0; i < AOF_MAX_INSTANCES; i++)
        if (instances[i] && instances[i]->srv == srv) return instances[i];
    return NULL;
}

/* ---- the write gate ---------------------------------------------------------- */

static const char *write_check(kv_server *srv, void *priv) {
    (void)priv;
    for (int i = 0; i < AOF_MAX_INSTANCES; i++) {
        aof_t *a = instances[i];
        if (a && a->srv == srv && a->state != AOF_OFF && (a->write_errno || a->fsync_errno)) return a->misconf;
    }
    return NULL;
}

/* ---- INFO ---------------------------------------------------------------------- */

static sds info_aof(kv_server *srv, sds out, void *priv) {
    aof_t *a = aof_of(srv);
    (void)priv;
    if (!a)
        return sds_catprintf(out,
                             "aof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n"
                             "aof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\n"
                             "aof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\n"
                             "aof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\n"
                             "aof_last_cow_size:0\r\n");
    long long cur = a->child > 0 ? (aof_now_ms() - a->rw_start_ms) / 1000 : -1;
    return sds_catprintf(out,
                         "aof_enabled:%d\r\n"
                         "aof_rewrite_in_progress:%d\r\n"
                         "aof_rewrite_scheduled:%d\r\n"
                         "aof_last_rewrite_time_sec:%lld\r\n"
                         "aof_current_rewrite_time_sec:%lld\r\n"
                         "aof_last_bgrewrite_status:%s\r\n"
                         "aof_rewrites:%lld\r\n"
                         "aof_rewrites_consecutive_failures:%lld\r\n"
                         "aof_last_write_status:%s\r\n"
                         "aof_last_cow_size:0\r\n",
                         a->state != AOF_OFF, a->child > 0, a->rw_scheduled, a->rw_last_time_s, cur,
                         a->rw_last_ok ? "ok" : "err", a->rw_count, a->rw_fail_streak,
                         a->write_errno || a->fsync_errno ? "err" : "ok");
}

/* Redis prints these after the module_fork lines, only when AOF is on;
 * strata adds its own (prefixed strata_) right after. */
static sds info_aof_on(kv_server *srv, sds out, void *priv) {
    aof_t *a = aof_of(srv);
    (void)priv;
    if (!a || a->state == AOF_OFF) return out;
    out = sds_catprintf(out,
                        "aof_current_size:%llu\r\n"
                        "aof_base_size:%llu\r\n"
                        "aof_pending_rewrite:%d\r\n"
                        "aof_buffer_length:%llu\r\n"
                        "aof_pending_bio_fsync:%d\r\n"
                        "aof_delayed_fsync:%lld\r\n",
                        (unsigned long long)(a->base_size + a->old_incr_size + a->incr_size),
                        (unsigned long long)a->rewrite_base_size, a->rw_scheduled,
                        (unsigned long long)(a->appended - a->written), a->sync.inflight, a->delayed_fsync);
    double avg = a->fsyncs ? (double)a->fsync_cmds / (double)a->fsyncs : 0;
    long long avg_us = a->fsyncs ? a->fsync_usec / a->fsyncs : 0;
    return sds_catprintf(out,
                         "strata_aof_fsync_mode:%s\r\n"
                         "strata_aof_appended_offset:%llu\r\n"
                         "strata_aof_written_offset:%llu\r\n"
                         "strata_aof_durable_offset:%llu\r\n"
                         "strata_aof_commands:%lld\r\n"
                         "strata_aof_fsyncs:%lld\r\n"
                         "strata_aof_fsync_commands:%lld\r\n"
                         "strata_aof_fsync_group_avg:%.2f\r\n"
                         "strata_aof_fsync_group_max:%lld\r\n"
                         "strata_aof_fsync_avg_usec:%lld\r\n"
                         "strata_aof_fsync_max_usec:%lld\r\n"
                         "strata_aof_last_error:%s\r\n",
                         aof_fsync_mode(a), (unsigned long long)a->appended, (unsigned long long)a->written,
                         (unsigned long long)a->synced, a->cmds_appended, a->fsyncs, a->fsync_cmds, avg,
                         a->fsync_group_max, avg_us, a->fsync_usec_max,
                         a->write_errno   ? strerror(a->write_errno)
                         : a->fsync_errno ? strerror(a->fsync_errno)
                                          : "none");
}

/* ---- BGREWRITEAOF ------------------------------------------------------------------ */

static void bgrewriteaof_command(kv_client *c) {
    aof_t *a = aof_of(c->srv);
    if (!a) {
        reply_error(c, "Can't execute an AOF background rewriting. Please check the server logs for more information.");
        return;
    }
    if (a->child > 0) {
        reply_error(c, "Background append only file rewriting already in progress");
        return;
    }
    if (c->srv->in_exec) {
        a->rw_scheduled = 1;
        a->rw_fail_streak = 0;
        reply_status(c, "Background append only file rewriting scheduled");
        return;
    }
    int rc = aof_rewrite_background(a);
    if (rc == 0) {
        reply_status(c, "Background append only file rewriting started");
    } else if (rc == -EBUSY) {
        a->rw_fail_streak = 0; /* a manual rewrite is never rate limited */
        reply_status(c, "Background append only file rewriting scheduled");
    } else {
        reply_error(c, "Can't execute an AOF background rewriting. Please check the server logs for more information.");
    }
}

/* ---- WAITAOF ---------------------------------------------------------------------- */

/* One WAITAOF client.  The client is blocked through engine/blocking.h
 * (no keys, no deadline there: the timeout is ours), so CLIENT UNBLOCK and
 * disconnections go through one mechanism; the blocking module calls
 * waiter_gone() whenever the client stops being blocked, for any reason. */
typedef struct aof_waiter {
    uint64_t client_id;
    uint64_t need;
    long long numlocal, numreplicas;
    long long deadline_ms; /* 0 = none */
    int gone;              /* unblocked by someone else (or disconnected) */
} aof_waiter;

static int local_acked(const aof_t *a, uint64_t need) { return a && a->state == AOF_ON && a->synced >= need; }

static void reply_counts(kv_client *c, int local) {
    reply_array(c, 2);
    reply_int(c, local);
    reply_int(c, 0);
}

static int parse_timeout(kv_client *c, const sds arg, long long *ms) {
    long long v;
    if (str_to_ll(arg, sds_len(arg), &v) < 0) {
        reply_error(c, "timeout is not an integer or out of range");
        return -1;
    }
    if (v < 0) {
        reply_error(c, "timeout is negative");
        return -1;
    }
    *ms = v;
    return 0;
}

static void waiter_gone(void *privdata) { ((aof_waiter *)privdata)->gone = 1; }

static void waitaof_command(kv_client *c) {
    aof_t *a = aof_of(c->srv);
    long long numlocal, numreplicas, timeout;
    if (arg_nonneg(c, c->argv[1], &numlocal, NULL) < 0 || arg_nonneg(c, c->argv[2], &numreplicas, NULL) < 0 ||
        parse_timeout(c, c->argv[3], &timeout) < 0)
        return;
    if (c->srv->cfg->replicaof_host) {
        reply_error(c, "WAITAOF cannot be used with replica instances. Please also note that writes to replicas are "
                       "just local and are not propagated.");
        return;
    }
    if (numlocal && (!a || a->state == AOF_OFF)) {
        reply_error(c, "WAITAOF cannot be used when numlocal is set but appendonly is disabled.");
        return;
    }
    uint64_t need = a ? a->appended : 0;
    int local = local_acked(a, need);
    if (((numlocal == 0 || local) && numreplicas == 0) || (c->flags & (CLIENT_DENY_BLOCKING | CLIENT_MULTI)) ||
        c->srv->in_exec) {
        reply_counts(c, local);
        return;
    }
    aof_waiter *w = mem_calloc(sizeof(*w));
    w->client_id = c->id;
    w->need = need;
    w->numlocal = numlocal;
    w->numreplicas = numreplicas;
    w->deadline_ms = timeout ? aof_now_ms() + timeout : 0;
    if (a->nwaiters == a->cwaiters) {
        a->cwaiters = a->cwaiters ? a->cwaiters * 2 : 8;
        a->waiters = mem_realloc(a->waiters, sizeof(*a->waiters) * (size_t)a->cwaiters);
    }
    a->waiters[a->nwaiters++] = w;
    blocking_block(c, NULL, 0, 0, BLOCKED_NONE, NULL, w, waiter_gone);
    if (numlocal) a->sync_asap = 1;
}

/* Unblock c (it got its reply) and let net/ read its next commands. */
static void finish(kv_client *c, int local) {
    blocking_client_free(c); /* calls waiter_gone */
    reply_counts(c, local);
    client_mark_pending(c);
    if (c->srv->net.client_unblocked) c->srv->net.client_unblocked(c->srv->net.netpriv, c);
}

void aof_serve_waiters(aof_t *a) {
    long long now = a->nwaiters ? aof_now_ms() : 0;
    int kept = 0;
    for (int i = 0; i < a->nwaiters; i++) {
        aof_waiter *w = a->waiters[i];
        kv_client *c = w->gone ? NULL : client_by_id(a->srv, w->client_id);
        if (!c) {
            mem_free(w);
            continue;
        }
        int local = local_acked(a, w->need);
        int done = (w->numlocal == 0 || local) && w->numreplicas == 0;
        if (!done && !(w->deadline_ms && now >= w->deadline_ms)) {
            if (w->numlocal && !local) a->sync_asap = 1;
            a->waiters[kept++] = w;
            continue;
        }
        finish(c, local);
        mem_free(w);
    }
    a->nwaiters = kept;
}

/* ---- DEBUG LOADAOF ---------------------------------------------------------------- */

int aof_debug_loadaof(kv_server *srv, sds *err) {
    aof_t *a = aof_of(srv);
    *err = NULL;
    if (a && a->state != AOF_OFF && aof_sync_now(a) < 0) {
        *err = sds_new("ERR the AOF could not be flushed; see the log");
        return -1;
    }
    /* Replay into a scratch server: the live dataset is replaced only when
     * the whole AOF loaded (Redis exits on a failure here instead). */
    kv_server *tmp = server_create(srv->cfg);
    aof_err e;
    int rc = aof_load_dir(tmp, srv->cfg->appenddirname, srv->cfg->appendfilename, NULL, NULL, &e);
    if (rc < 0) {
        *err = sds_catprintf(sds_empty(), "ERR %s", e.text);
        server_free(tmp);
        return -1;
    }
    for (int i = 0; i < srv->dbnum && i < tmp->dbnum; i++) {
        kv_db *live = &srv->dbs[i], *fresh = &tmp->dbs[i];
        multi_touch_all(live);
        dict *k = live->keys, *x = live->expires;
        live->keys = fresh->keys;
        live->expires = fresh->expires;
        live->avg_ttl = 0;
        live->expires_cursor = 0;
        fresh->keys = k;
        fresh->expires = x;
    }
    server_free(tmp);
    log_msg(LOG_NOTICE, "Append Only File loaded by DEBUG LOADAOF");
    return 0;
}

static const kv_command aof_cmd_table[] = {
    {"bgrewriteaof", bgrewriteaof_command, 1, CMD_ADMIN | CMD_NOSCRIPT, 0, 0, 0, "server", "1.0.0",
     "Asynchronously rewrite the append-only file", "O(1)", "", NULL},
    {"waitaof", waitaof_command, 4, CMD_NOSCRIPT, 0, 0, 0, "generic", "7.2.0",
     "Wait for all write commands sent in the context of the current connection to be synced to AOF of local host "
     "and/or replicas",
     "O(1)", "numlocal numreplicas timeout", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

/* ---- CONFIG SET -------------------------------------------------------------------- */

static int appendonly_hook(void *ctx, const char *name, sds *err) {
    aof_t *a = ctx;
    (void)name;
    if (a->cfg->appendonly && a->state == AOF_OFF) {
        if (aof_enable(a) < 0) {
            *err = sds_new("Unable to turn on AOF. Check server logs.");
            return -1;
        }
    } else if (!a->cfg->appendonly && a->state != AOF_OFF) {
        aof_disable(a);
    }
    return 0;
}

static int appendfsync_hook(void *ctx, const char *name, sds *err) {
    aof_t *a = ctx;
    (void)name;
    (void)err;
    /* Switching to always: what is written now gets its sync at once. */
    if (a->state != AOF_OFF) aof_flush(a, 1);
    return 0;
}

/* ---- registration ------------------------------------------------------------------ */

void aof_register(aof_t *a) {
    static int process_done;
    if (!process_done) {
        process_done = 1;
        info_register("persistence", "aof", info_aof, NULL, INFO_DEFAULT);
        info_register("persistence", "aof_on", info_aof_on, NULL, INFO_DEFAULT);
        persist_register_check(write_check, NULL);
    }
    int found = 0;
    for (int i = 0; i < AOF_MAX_INSTANCES; i++)
        if (instances[i] && instances[i]->srv == a->srv) found = 1;
    for (int i = 0; i < AOF_MAX_INSTANCES; i++)
        if (!instances[i]) {
            instances[i] = a;
            break;
        }
    if (!found && !cmd_lookup_name(a->srv, "bgrewriteaof")) cmd_register_table(a->srv, aof_cmd_table);
    config_set_hook(a->cfg, "appendonly", appendonly_hook, a);
    config_set_hook(a->cfg, "appendfsync", appendfsync_hook, a);
}

void aof_unregister(aof_t *a) {
    for (int i = 0; i < AOF_MAX_INSTANCES; i++)
        if (instances[i] == a) instances[i] = NULL;
    config_set_hook(a->cfg, "appendonly", NULL, NULL);
    config_set_hook(a->cfg, "appendfsync", NULL, NULL);
    /* Whoever still waits is unblocked (the writer is going away). */
    for (int i = 0; i < a->nwaiters; i++) {
        aof_waiter *w = a->waiters[i];
        kv_client *c = w->gone ? NULL : client_by_id(a->srv, w->client_id);
        if (c) blocking_client_free(c);
        mem_free(w);
    }
    mem_free(a->waiters);
    a->waiters = NULL;
    a->nwaiters = a->cwaiters = 0;
}
