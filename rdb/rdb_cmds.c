/*
 * rdb/rdb_cmds.c — the snapshot machinery of a running server: per-server
 * state, SAVE / BGSAVE [SCHEDULE] / LASTSAVE, `save <s> <n>` rules in the
 * cron, the BGSAVE child's result, stop-writes-on-bgsave-error (MISCONF),
 * INFO persistence, boot load, SHUTDOWN saving, DEBUG RELOAD.
 *
 * State.  There is no global server: each kv_server gets an rdb_state,
 * created by rdb_server_init() (server_create) and kept in a small
 * process-wide table keyed by the server pointer (kv_server has no slot
 * for modules).  INFO parts and the write check are registered once per
 * process; they find the state from the server they are given.  The
 * MISCONF check (engine/persist.h) is not given the server, so it answers
 * for every live server of the process (there is one, except in tests).
 *
 * Behaviour follows redis-server 7.0 (checked against 7.0.15):
 *   - SAVE with a BGSAVE child running: "ERR Background save already in
 *     progress"; a failed SAVE answers "-ERR" and does not change
 *     rdb_last_bgsave_status; a good one sets dirty 0, LASTSAVE, status ok;
 *   - BGSAVE: "Background saving started"; inside MULTI/EXEC or with
 *     SCHEDULE while another child (AOF rewrite, rdb_set_busy_check) runs:
 *     "Background saving scheduled"; without SCHEDULE: "Another child
 *     process is active (AOF?) ..."; fork failure: "-ERR" and status err;
 *     rdb_saves counts every save started;
 *   - rules: a rule fires when dirty >= changes and more than `seconds`
 *     passed since the last successful save, and (the last BGSAVE worked
 *     or 5 seconds passed since the last try); scheduled BGSAVEs likewise;
 *   - child result: success -> dirty -= dirty at fork, LASTSAVE = now,
 *     status ok; exit code != 0 -> status err; killed by a signal -> temp
 *     file removed, status err unless it was our SIGUSR1;
 *   - with stop-writes-on-bgsave-error yes, save rules set and status err:
 *     write commands get Redis's MISCONF text until a save succeeds;
 *   - RESTORE checks options (syntax, IDLETIME/FREQ ranges), then BUSYKEY,
 *     then the TTL, then the payload's footer ("DUMP payload version or
 *     checksum are wrong"), then decodes it completely ("Bad data format")
 *     before the keyspace is touched; a relative TTL is propagated as an
 *     absolute one with ABSTTL, a key restored already expired is not
 *     created (and, with REPLACE over an existing key, DEL is propagated).
 *     strata also accepts payloads of RDB versions 11 and 12 (Redis 7.0
 *     refuses them) when their types are ones it can hold, and refuses a
 *     payload with bytes after the value (Redis ignores them).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/args.h"
#include "engine/cmd.h"
#include "engine/config.h"
#include "engine/db.h"
#include "engine/info.h"
#include "engine/log.h"
#include "engine/mem.h"
#include "engine/persist.h"
#include "engine/reply.h"
#include "engine/server.h"
#include "engine/server_cmds.h"
#include "engine/util.h"
#include "rdb/fio.h"
#include "rdb/rdb_int.h"

#define BGSAVE_RETRY_DELAY 5 /* seconds after a failed BGSAVE before a rule retries */

#define MISCONF_TEXT                                                                                            \
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands " \
    "that may modify the data set are disabled, because this instance is configured to report errors during "  \
    "writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for "   \
    "details about the RDB error."

/* ---- state registry ------------------------------------------------------------ */

static rdb_state **states;
static int nstates, cstates;

static void register_process_hooks(void);

static rdb_state *find_state(kv_server *srv) {
    for (int i = 0; i < nstates; i++)
        if (states[i]->srv == srv) return states[i];
    return NULL;
}

rdb_state *rdb_state_of(kv_server *srv) {
    rdb_state *st = find_state(srv);
    if (st) return st;
    register_process_hooks();
    st = mem_calloc(sizeof(*st));
    st->srv = srv;
    st->lastsave = (long long)time(NULL);
    st->lastbgsave_ok = 1;
    st->last_bgsave_time_sec = -1;
    st->child_pipe = -1;
    if (nstates == cstates) {
        cstates = cstates ? cstates * 2 : 4;
        states = mem_realloc(states, sizeof(*states) * (size_t)cstates);
    }
    states[nstates++] = st;
    return st;
}

void rdb_server_init(kv_server *srv) {
    rdb_types_init();
    (void)rdb_state_of(srv);
}

static void remove_temp(rdb_state *st, pid_t pid) {
    char tmp[PATH_MAX];
    rdb_temp_path(st->srv->cfg->dbfilename, pid, tmp, sizeof(tmp));
    fio_unlink(tmp);
}

void rdb_kill_child(kv_server *srv) {
    rdb_state *st = find_state(srv);
    if (!st || !st->child) return;
    pid_t pid = st->child;
    kill(pid, SIGUSR1);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (st->child_pipe >= 0) close(st->child_pipe);
    st->child_pipe = -1;
    st->child = 0;
    remove_temp(st, pid);
    dict_set_resize_enabled(1);
}

void rdb_server_free(kv_server *srv) {
    if (!srv) return;
    rdb_state *st = find_state(srv);
    if (!st) return;
    rdb_kill_child(srv);
    for (int i = 0; i < nstates; i++)
        if (states[i] == st) states[i] = states[--nstates];
    mem_free(st);
    if (nstates == 0) {
        mem_free(states);
        states = NULL;
        cstates = 0;
    }
}

int rdb_child_active(kv_server *srv) {
    rdb_state *st = find_state(srv);
    return st && st->child != 0;
}

long long rdb_lastsave(kv_server *srv) { return rdb_state_of(srv)->lastsave; }

void rdb_set_busy_check(kv_server *srv, int (*busy)(void *priv), void *priv) {
    rdb_state *st = rdb_state_of(srv);
    st->busy = busy;
    st->busy_priv = busy ? priv : NULL;
}

static int other_child(const rdb_state *st) { return st->busy && st->busy(st->busy_priv); }

/* ---- MISCONF --------------------------------------------------------------------- */

static int writes_refused(const rdb_state *st) {
    const strata_config *cfg = st->srv->cfg;
    return cfg->stop_writes_on_bgsave_error && cfg->save_count > 0 && !st->lastbgsave_ok;
}

static const char *misconf_check(kv_server *srv, void *priv) {
    (void)priv;
    for (int i = 0; i < nstates; i++)
        if (states[i]->srv == srv && writes_refused(states[i])) return MISCONF_TEXT;
    return NULL;
}

/* ---- INFO ---------------------------------------------------------------------------- */

static sds info_loading(kv_server *srv, sds out, void *priv) {
    rdb_state *st = rdb_state_of(srv);
    (void)priv;
    out = sds_catprintf(out,
                        "loading:%d\r\n"
                        "async_loading:0\r\n"
                        "current_cow_peak:0\r\n"
                        "current_cow_size:0\r\n"
                        "current_cow_size_age:0\r\n"
                        "current_fork_perc:0.00\r\n"
                        "current_save_keys_processed:0\r\n"
                        "current_save_keys_total:0\r\n",
                        st->loading || srv->loading ? 1 : 0);
    if (!st->loading) return out;
    double perc = st->loading_total ? 100.0 * (double)st->loading_loaded / (double)st->loading_total : 0;
    long long elapsed = (long long)time(NULL) - st->loading_start;
    long long eta = st->loading_loaded && elapsed > 0
                        ? (long long)((double)(st->loading_total - st->loading_loaded) /
                                      ((double)st->loading_loaded / (double)elapsed))
                        : 1;
    return sds_catprintf(out,
                         "loading_start_time:%lld\r\n"
                         "loading_total_bytes:%llu\r\n"
                         "loading_rdb_used_mem:0\r\n"
                         "loading_loaded_bytes:%llu\r\n"
                         "loading_loaded_perc:%.2f\r\n"
                         "loading_eta_seconds:%lld\r\n",
                         st->loading_start, (unsigned long long)st->loading_total,
                         (unsigned long long)st->loading_loaded, perc, eta);
}

static sds info_rdb(kv_server *srv, sds out, void *priv) {
    rdb_state *st = rdb_state_of(srv);
    (void)priv;
    long long cur = st->child ? ((long long)util_mstime() - st->child_start_ms) / 1000 : -1;
    return sds_catprintf(out,
                         "rdb_changes_since_last_save:%lld\r\n"
                         "rdb_bgsave_in_progress:%d\r\n"
                         "rdb_last_save_time:%lld\r\n"
                         "rdb_last_bgsave_status:%s\r\n"
                         "rdb_last_bgsave_time_sec:%lld\r\n"
                         "rdb_current_bgsave_time_sec:%lld\r\n"
                         "rdb_saves:%lld\r\n"
                         "rdb_last_cow_size:%zu\r\n"
                         "rdb_last_load_keys_expired:%lld\r\n"
                         "rdb_last_load_keys_loaded:%lld\r\n",
                         srv->dirty, st->child ? 1 : 0, st->lastsave, st->lastbgsave_ok ? "ok" : "err",
                         st->last_bgsave_time_sec, cur, st->saves, st->last_cow, st->last_load_keys_expired,
                         st->last_load_keys_loaded);
}

static sds info_fork(kv_server *srv, sds out, void *priv) {
    rdb_state *st = rdb_state_of(srv);
    (void)priv;
    return sds_catprintf(out, "latest_fork_usec:%lld\r\ntotal_forks:%lld\r\n", st->latest_fork_usec,
                         st->total_forks);
}

static void register_process_hooks(void) {
    static int done;
    if (done) return;
    done = 1;
    info_register("persistence", "loading", info_loading, NULL, INFO_DEFAULT);
    info_register("persistence", "rdb", info_rdb, NULL, INFO_DEFAULT);
    info_register("stats", "fork", info_fork, NULL, INFO_DEFAULT);
    persist_register_check(misconf_check, NULL);
}

/* ---- saving ------------------------------------------------------------------------- */

int rdb_save(kv_server *srv) {
    rdb_state *st = rdb_state_of(srv);
    rdb_save_opts o;
    rdb_err err;
    rdb_save_opts_from(srv, &o);
    st->saves++;
    int rc = rdb_save_file(srv->cfg->dbfilename, NULL, srv->dbs, srv->dbnum, &o, srv->cfg->rdb_save_incremental_fsync,
                           NULL, &err);
    if (rc) {
        log_msg(LOG_WARNING, "%s", err.text);
        return rc;
    }
    log_msg(LOG_NOTICE, "DB saved on disk");
    srv->dirty = 0;
    st->lastsave = (long long)time(NULL);
    st->lastbgsave_ok = 1;
    return 0;
}

int rdb_bgsave(kv_server *srv) {
    rdb_state *st = rdb_state_of(srv);
    if (st->child) return -EALREADY;
    if (other_child(st)) return -EBUSY;
    st->dirty_before_bgsave = srv->dirty;
    st->lastbgsave_try = (long long)time(NULL);
    st->child_start_ms = (long long)util_mstime();
    st->saves++;
    int rc = rdb_fork_child(srv, st);
    if (rc) {
        st->lastbgsave_ok = 0;
        log_msg(LOG_WARNING, "Can't save in background: fork: %s", strerror(-rc));
        return rc;
    }
    log_msg(LOG_NOTICE, "Background saving started by pid %ld", (long)st->child);
    return 0;
}

static void bgsave_done(kv_server *srv, rdb_state *st, pid_t pid, int ok, int sig, size_t cow) {
    long long now = (long long)time(NULL);
    if (ok) {
        log_msg(LOG_NOTICE, "Background saving terminated with success");
        srv->dirty -= st->dirty_before_bgsave;
        if (srv->dirty < 0) srv->dirty = 0;
        st->lastsave = now;
        st->lastbgsave_ok = 1;
    } else if (!sig) {
        log_msg(LOG_WARNING, "Background saving error");
        st->lastbgsave_ok = 0;
    } else {
        log_msg(LOG_WARNING, "Background saving terminated by signal %d", sig);
        remove_temp(st, pid);
        if (sig != SIGUSR1) st->lastbgsave_ok = 0;
    }
    st->last_bgsave_time_sec = ((long long)util_mstime() - st->child_start_ms) / 1000;
    st->last_cow = cow;
}

static int may_retry(const rdb_state *st, long long now) {
    return st->lastbgsave_ok || now - st->lastbgsave_try > BGSAVE_RETRY_DELAY;
}

static void check_rules(kv_server *srv, rdb_state *st) {
    long long now = (long long)time(NULL);
    const strata_config *cfg = srv->cfg;
    if (st->bgsave_scheduled && may_retry(st, now)) {
        if (rdb_bgsave(srv) == 0) st->bgsave_scheduled = 0;
        return;
    }
    for (int i = 0; i < cfg->save_count; i++) {
        const config_save_rule *r = &cfg->save[i];
        if (srv->dirty >= r->changes && now - st->lastsave > r->seconds && may_retry(st, now)) {
            log_msg(LOG_NOTICE, "%lld changes in %lld seconds. Saving...", r->changes, r->seconds);
            rdb_bgsave(srv);
            return;
        }
    }
}

void rdb_cron(kv_server *srv) {
    rdb_state *st = rdb_state_of(srv);
    if (st->child) {
        pid_t pid = st->child;
        int ok, sig;
        size_t cow;
        if (rdb_child_poll(st, &ok, &sig, &cow)) bgsave_done(srv, st, pid, ok, sig, cow);
        return;
    }
    if (!srv->loading && !other_child(st)) check_rules(srv, st);
}

/* ---- loading ------------------------------------------------------------------------- */

int rdb_boot_load(kv_server *srv) {
    const char *path = srv->cfg->dbfilename;
    struct stat sb;
    int rc = fio_stat(path, &sb);
    if (rc == -ENOENT) return 0;
    if (rc == 0) log_msg(LOG_NOTICE, "Loading RDB file %s (%.2f MB)", path, (double)sb.st_size / (1024.0 * 1024.0));
    rdb_load_stats ls;
    rdb_err err;
    memset(&err, 0, sizeof(err));
    rc = rc ? rc : rdb_load_file(srv, path, &ls, &err);
    if (rc == 0) {
        log_msg(LOG_NOTICE, "Done loading RDB, keys loaded: %lld, keys expired: %lld.", ls.keys_loaded,
                ls.keys_expired);
        log_msg(LOG_NOTICE, "DB loaded from disk: %.3f seconds", ls.seconds);
        return 0;
    }
    if (rc == -ENOENT) return 0; /* removed between the stat and the open */
    if (err.code) log_msg(LOG_WARNING, "Fatal error loading the DB: %s", err.text);
    else log_msg(LOG_WARNING, "Fatal error loading the DB: %s: %s", path, strerror(-rc));
    log_msg(LOG_WARNING,
            "Refusing to start with the dataset in '%s' unread. The file was not modified: inspect it with "
            "'strata-check-rdb %s', repair or move it away, then restart.",
            path, path);
    return -1;
}

int rdb_debug_reload(kv_server *srv, sds *err) {
    if (rdb_save(srv) != 0) {
        *err = sds_new("-ERR");
        return -1;
    }
    rdb_err e;
    if (rdb_load_file(srv, srv->cfg->dbfilename, NULL, &e) != 0) {
        log_msg(LOG_WARNING, "DEBUG RELOAD: %s", e.text);
        *err = sds_new("Error trying to load the RDB dump, check server logs.");
        return -1;
    }
    log_msg(LOG_WARNING, "DB reloaded by DEBUG RELOAD");
    return 0;
}

int rdb_shutdown(kv_server *srv, int flags) {
    if (rdb_child_active(srv)) {
        log_msg(LOG_WARNING, "There is a child saving an .rdb. Killing it!");
        rdb_kill_child(srv);
    }
    int want = (flags & SHUTDOWN_SAVE) || (srv->cfg->save_count > 0 && !(flags & SHUTDOWN_NOSAVE));
    if (!want) return 0;
    log_msg(LOG_NOTICE, "Saving the final RDB snapshot before exiting.");
    if (rdb_save(srv) == 0) return 0;
    if (flags & SHUTDOWN_FORCE) {
        log_msg(LOG_WARNING, "Error trying to save the DB. Exit anyway.");
        return 0;
    }
    log_msg(LOG_WARNING, "Error trying to save the DB, can't exit.");
    return -1;
}

/* ---- commands -------------------------------------------------------------------------- */

static void save_command(kv_client *c) {
    if (rdb_child_active(c->srv)) {
        reply_error(c, "Background save already in progress");
        return;
    }
    if (rdb_save(c->srv) == 0) reply_ok(c);
    else reply_error(c, "-ERR");
}

static void bgsave_command(kv_client *c) {
    int schedule = 0;
    if (c->argc == 2 && arg_is(c->argv[1], "schedule")) schedule = 1;
    else if (c->argc > 1) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    rdb_state *st = rdb_state_of(c->srv);
    if (st->child) {
        reply_error(c, "Background save already in progress");
    } else if (other_child(st) || c->srv->in_exec) {
        if (schedule || c->srv->in_exec) {
            st->bgsave_scheduled = 1;
            reply_status(c, "Background saving scheduled");
        } else {
            reply_error(c, "Another child process is active (AOF?): can't BGSAVE right now. "
                           "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
        }
    } else if (rdb_bgsave(c->srv) == 0) {
        reply_status(c, "Background saving started");
    } else {
        reply_error(c, "-ERR");
    }
}

static void lastsave_command(kv_client *c) { reply_int(c, rdb_lastsave(c->srv)); }

/* DUMP key: the payload of the value (rdbcompression decides LZF or not). */
static void dump_command(kv_client *c) {
    kv_obj *o = db_lookup_read(c, c->db, c->argv[1], LOOKUP_NONE);
    if (!o) {
        reply_null(c);
        return;
    }
    sds p = rdb_dump_payload(o, c->srv->cfg->rdbcompression == CONFIG_RDBCOMPRESSION_NO ? RDB_COMPRESS_NONE
                                                                                      : RDB_COMPRESS_LZF);
    if (!p) {
        reply_error(c, "ERR this value cannot be serialized");
        return;
    }
    reply_bulk_sds(c, p);
}

typedef struct restore_opts {
    int replace, absttl;
    long long idle, freq;
} restore_opts;

/* The options after the payload, in Redis's order of checks. 0 or -1
 * (replied). */
static int restore_parse(kv_client *c, restore_opts *o) {
    o->replace = o->absttl = 0;
    o->idle = o->freq = -1;
    for (int j = 4; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (arg_is(c->argv[j], "replace")) {
            o->replace = 1;
        } else if (arg_is(c->argv[j], "absttl")) {
            o->absttl = 1;
        } else if (arg_is(c->argv[j], "idletime") && more >= 1 && o->freq == -1) {
            if (arg_ll(c, c->argv[j + 1], &o->idle, NULL) < 0) return -1;
            if (o->idle < 0) {
                reply_error(c, "Invalid IDLETIME value, must be >= 0");
                return -1;
            }
            j++;
        } else if (arg_is(c->argv[j], "freq") && more >= 1 && o->idle == -1) {
            if (arg_ll(c, c->argv[j + 1], &o->freq, NULL) < 0) return -1;
            if (o->freq < 0 || o->freq > 255) {
                reply_error(c, "Invalid FREQ value, must be >= 0 and <= 255");
                return -1;
            }
            j++;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

/* Propagate as RESTORE key <absolute ms> payload [REPLACE] ABSTTL ... */
static void restore_propagate_absttl(kv_client *c, long long when) {
    sds *nv = mem_alloc(sizeof(sds) * (size_t)(c->argc + 1));
    for (int i = 0; i < c->argc; i++) nv[i] = sds_dup(c->argv[i]);
    sds_free(nv[2]);
    nv[2] = sds_fromll(when);
    nv[c->argc] = sds_new("ABSTTL");
    cmd_rewrite_argv(c, c->argc + 1, nv);
}

/* RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]: the
 * payload is verified and decoded completely before the keyspace is
 * touched. */
static void restore_command(kv_client *c) {
    kv_server *srv = c->srv;
    restore_opts o;
    long long ttl;
    if (restore_parse(c, &o) < 0) return;
    if (!o.replace && db_lookup_write(c, c->db, c->argv[1])) {
        reply_error(c, "BUSYKEY Target key name already exists.");
        return;
    }
    if (arg_ll(c, c->argv[2], &ttl, NULL) < 0) return;
    if (ttl < 0) {
        reply_error(c, "Invalid TTL value, must be >= 0");
        return;
    }
    const char *why = NULL;
    rdb_err detail;
    kv_obj *val = rdb_restore_payload(c->argv[3], sds_len(c->argv[3]),
                                      srv->cfg->sanitize_dump_payload != CONFIG_SANITIZE_NO, srv->cfg, &why, &detail);
    if (!val) {
        if (detail.code) log_msg(LOG_VERBOSE, "RESTORE refused: %s", detail.text);
        reply_error(c, why);
        return;
    }
    int deleted = o.replace ? db_delete(srv, c->db, c->argv[1]) : 0;
    long long when = ttl && !o.absttl ? ttl + server_now_ms(srv) : ttl;
    if (when && when <= server_now_ms(srv)) { /* already expired: nothing to add */
        obj_decr_ref(val);
        if (deleted) {
            sds *nv = mem_alloc(sizeof(sds) * 2);
            nv[0] = sds_new("DEL");
            nv[1] = sds_dup(c->argv[1]);
            cmd_rewrite_argv(c, 2, nv);
            db_touch_key(srv, c->db, c->argv[1]);
            srv->dirty++;
        }
        reply_ok(c);
        return;
    }
    db_add(srv, c->db, c->argv[1], val);
    if (when) {
        db_set_expire(srv, c->db, c->argv[1], when);
        if (!o.absttl) restore_propagate_absttl(c, when);
    }
    int p = srv->cfg->maxmemory_policy;
    rdb_apply_lru_lfu(val, p == CONFIG_MAXMEMORY_ALLKEYS_LFU || p == CONFIG_MAXMEMORY_VOLATILE_LFU, o.idle,
                      (int)o.freq);
    db_touch_key(srv, c->db, c->argv[1]);
    srv->dirty++;
    reply_ok(c);
}

const kv_command cmd_table_rdb[] = {
    {"save", save_command, 1, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_MULTI, 0, 0, 0, "server", "1.0.0",
     "Synchronously save the dataset to disk", "O(N) where N is the total number of keys in all databases", "",
     NULL},
    {"bgsave", bgsave_command, -1, CMD_ADMIN | CMD_NOSCRIPT, 0, 0, 0, "server", "1.0.0",
     "Asynchronously save the dataset to disk", "O(1)", "[SCHEDULE]", NULL},
    {"lastsave", lastsave_command, 1, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "server", "1.0.0",
     "Get the UNIX time stamp of the last successful save to disk", "O(1)", "", NULL},
    {"dump", dump_command, 2, CMD_READONLY, 1, 1, 1, "generic", "2.6.0",
     "Return a serialized version of the value stored at the specified key.",
     "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects "
     "composing the value and M their average size. For small string values the time complexity is thus "
     "O(1)+O(1*M) where M is small, so simply O(1).",
     "key", NULL},
    {"restore", restore_command, -4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "generic", "2.6.0",
     "Create a key using the provided serialized value, previously obtained using DUMP.",
     "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the "
     "number of Redis objects composing the value and M their average size. For small string values the time "
     "complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the "
     "complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
     "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
