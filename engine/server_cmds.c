/*
 * engine/server_cmds.c — the server command table (cmd_table_server) and
 * the small server commands: TIME, MONITOR (+ monitor_feed), SHUTDOWN,
 * CONFIG GET/SET/RESETSTAT/REWRITE/HELP, MEMORY USAGE/STATS/DOCTOR/
 * MALLOC-STATS/PURGE/HELP.
 *
 * Larger commands live in their own files and are only listed here:
 * INFO (info.c), COMMAND (cmd_docs.c), DEBUG (debug.c), SLOWLOG
 * (slowlog.c), LATENCY (latency.c).  LASTSAVE belongs to the RDB issue and
 * is deliberately not registered.
 *
 * CONFIG SET goes through config_set_ex() (validate everything, then apply
 * everything, rolling back on a hook error), then
 * server_cmds_apply_config() makes the running engine follow the new
 * values.  Loopback and unix-socket clients (and fake ones) count as local
 * for enable-protected-configs.
 */
#include "server_cmds.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "cmd.h"
#include "cmd_docs.h"
#include "config.h"
#include "db.h"
#include "debug.h"
#include "evict.h"
#include "info.h"
#include "latency.h"
#include "log.h"
#include "mem.h"
#include "monitor.h"
#include "reply.h"
#include "slowlog.h"
#include "util.h"

static int argis(const sds a, const char *word) { return strcasecmp(a, word) == 0; }

/* ---- applying configuration ---------------------------------------------- */

static int policy_uses_clock(int p) {
    return p == CONFIG_MAXMEMORY_ALLKEYS_LRU || p == CONFIG_MAXMEMORY_VOLATILE_LRU ||
           p == CONFIG_MAXMEMORY_ALLKEYS_LFU || p == CONFIG_MAXMEMORY_VOLATILE_LFU;
}

void server_cmds_apply_config(kv_server *srv) {
    strata_config *cfg = srv->cfg;
    int lfu = cfg->maxmemory_policy == CONFIG_MAXMEMORY_ALLKEYS_LFU ||
              cfg->maxmemory_policy == CONFIG_MAXMEMORY_VOLATILE_LFU;
    log_set_level(cfg->loglevel);
    srv->hz = (int)cfg->hz;
    obj_lfu_params((int)cfg->lfu_log_factor, (int)cfg->lfu_decay_time);
    obj_set_lfu_mode(lfu);
    /* Shared integers have one clock for all keys: off when eviction needs
     * per-key clocks (Redis does the same). */
    obj_set_shared_integers(!(cfg->maxmemory > 0 && policy_uses_clock(cfg->maxmemory_policy)));
    if (cfg->maxmemory > 0 && !srv->loading) (void)evict_perform(srv);
}

/* ---- MONITOR ------------------------------------------------------------- */

int monitor_add(kv_server *srv, kv_client *c) {
    if (c->flags & CLIENT_MONITOR) return 0;
    if (srv->nmonitors >= MONITOR_MAX) return -1;
    srv->monitors[srv->nmonitors++] = c;
    c->flags |= CLIENT_MONITOR;
    return 0;
}

void monitor_remove(kv_server *srv, kv_client *c) {
    for (int i = 0; i < srv->nmonitors; i++) {
        if (srv->monitors[i] == c) {
            srv->monitors[i] = srv->monitors[--srv->nmonitors];
            break;
        }
    }
    c->flags &= ~CLIENT_MONITOR;
}

/* Arguments shown as "(redacted)": AUTH's, and HELLO's AUTH user/pass. */
static int redacted(int argc, sds *argv, int j) {
    if (argis(argv[0], "auth")) return j >= 1;
    if (argis(argv[0], "hello"))
        for (int i = 2; i + 2 < argc; i++)
            if (argis(argv[i], "auth") && (j == i + 1 || j == i + 2)) return 1;
    return 0;
}

static sds monitor_line(kv_server *srv, kv_client *c, int dbid, int argc, sds *argv) {
    uint64_t us = util_ustime();
    sds s = sds_catprintf(sds_empty(), "%llu.%06llu ", (unsigned long long)(us / 1000000),
                          (unsigned long long)(us % 1000000));
    if (c->flags & CLIENT_UNIX_SOCKET) s = sds_catprintf(s, "[%d unix:%s]", dbid, srv->cfg->unixsocket);
    else s = sds_catprintf(s, "[%d %s]", dbid, c->addr);
    for (int j = 0; j < argc; j++) {
        s = sds_cat(s, " ");
        if (redacted(argc, argv, j)) s = sds_cat(s, "\"(redacted)\"");
        else s = sds_catrepr(s, argv[j], sds_len(argv[j]));
    }
    return s;
}

void monitor_feed(kv_server *srv, kv_client *c, int dbid, int argc, sds *argv) {
    if (srv->nmonitors == 0 || argc == 0) return;
    sds line = monitor_line(srv, c, dbid, argc, argv);
    for (int i = 0; i < srv->nmonitors; i++) reply_status(srv->monitors[i], line);
    sds_free(line);
}

static void monitor_command(kv_client *c) {
    if (c->flags & CLIENT_DENY_BLOCKING) {
        reply_error(c, "ERR MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    if (c->flags & CLIENT_MONITOR) return; /* already one: no reply, as Redis */
    if (monitor_add(c->srv, c) < 0) {
        reply_error(c, "max number of monitors reached");
        return;
    }
    reply_ok(c);
}

/* ---- TIME / SHUTDOWN --------------------------------------------------------- */

static void time_command(kv_client *c) {
    uint64_t us = util_ustime();
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)(us / 1000000));
    reply_bulk_ll(c, (long long)(us % 1000000));
}

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] */
static void shutdown_command(kv_client *c) {
    int flags = 0, abort_req = 0;
    for (int j = 1; j < c->argc; j++) {
        if (argis(c->argv[j], "nosave")) flags |= SHUTDOWN_NOSAVE;
        else if (argis(c->argv[j], "save")) flags |= SHUTDOWN_SAVE;
        else if (argis(c->argv[j], "now")) flags |= SHUTDOWN_NOW;
        else if (argis(c->argv[j], "force")) flags |= SHUTDOWN_FORCE;
        else if (argis(c->argv[j], "abort")) abort_req = 1;
        else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if ((abort_req && flags) || ((flags & SHUTDOWN_NOSAVE) && (flags & SHUTDOWN_SAVE))) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    kv_server *srv = c->srv;
    if (abort_req) {
        if (!srv->shutdown_asap) {
            reply_error(c, "No shutdown in progress.");
            return;
        }
        srv->shutdown_asap = 0;
        srv->shutdown_flags = 0;
        log_msg(LOG_WARNING, "Shutdown manually aborted.");
        reply_ok(c);
        return;
    }
    srv->shutdown_asap = 1; /* the driver logs and performs it */
    srv->shutdown_flags = flags;
}

/* ---- CONFIG ------------------------------------------------------------------ */

typedef struct config_reply {
    kv_client *c;
    long n;
} config_reply;

static void config_emit(void *priv, const char *name, sds value) {
    config_reply *r = priv;
    reply_bulk_cstr(r->c, name);
    reply_bulk(r->c, value, sds_len(value));
    sds_free(value);
    r->n++;
}

static void config_get_command(kv_client *c) {
    config_reply r = {c, 0};
    reply_slot slot = reply_defer(c);
    config_get_many(c->srv->cfg, c->argc - 2, c->argv + 2, config_emit, &r);
    reply_set_defer_map(c, slot, r.n);
}

static int is_local_client(const kv_client *c) {
    return (c->flags & (CLIENT_FAKE | CLIENT_UNIX_SOCKET)) || strncmp(c->addr, "127.", 4) == 0 ||
           strncmp(c->addr, "::1:", 4) == 0 || strncmp(c->addr, "[::1]", 5) == 0;
}

static void config_set_command(kv_client *c) {
    if (c->argc % 2) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    sds err = NULL;
    int flags = is_local_client(c) ? CONFIG_SET_LOCAL_CLIENT : 0;
    if (config_set_ex(c->srv->cfg, c->argc - 2, c->argv + 2, flags, &err) != 0) {
        reply_error(c, err ? err : "ERR CONFIG SET failed");
        sds_free(err);
        return;
    }
    server_cmds_apply_config(c->srv);
    reply_ok(c);
}

/* Zero every counter INFO stats shows; keep the start time. */
static void reset_stats(kv_server *srv) {
    long long start = srv->stat.start_ms;
    memset(&srv->stat, 0, sizeof(srv->stat));
    srv->stat.start_ms = start;
    cmd_reset_stats(srv);
    info_reset_errors(srv);
}

static void config_resetstat_command(kv_client *c) {
    reset_stats(c->srv);
    reply_ok(c);
}

static void config_rewrite_command(kv_client *c) {
    sds err = NULL;
    if (config_rewrite(c->srv->cfg, &err) != 0) {
        log_msg(LOG_WARNING, "CONFIG REWRITE failed: %s", err ? err : "unknown error");
        reply_error(c, err ? err : "ERR Rewriting config file failed");
        sds_free(err);
        return;
    }
    log_msg(LOG_NOTICE, "CONFIG REWRITE executed with success.");
    reply_ok(c);
}

static void config_help_command(kv_client *c) {
    static const char *const help[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL,
    };
    reply_help(c, help);
}

#define CONFIG_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static const kv_command config_subcommands[] = {
    {"get", config_get_command, -3, CONFIG_FLAGS, 0, 0, 0, "server", "2.0.0",
     "Get the values of configuration parameters", "O(N) when N is the number of configuration parameters provided",
     "parameter [parameter ...]", NULL},
    {"set", config_set_command, -4, CONFIG_FLAGS, 0, 0, 0, "server", "2.0.0",
     "Set configuration parameters to the given values",
     "O(N) when N is the number of configuration parameters provided", "parameter value [parameter value ...]",
     NULL},
    {"resetstat", config_resetstat_command, 2, CONFIG_FLAGS, 0, 0, 0, "server", "2.0.0",
     "Reset the stats returned by INFO", "O(1)", "", NULL},
    {"rewrite", config_rewrite_command, 2, CONFIG_FLAGS, 0, 0, 0, "server", "2.8.0",
     "Rewrite the configuration file with the in memory configuration", "O(1)", "", NULL},
    {"help", config_help_command, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "5.0.0",
     "Show helpful text about the different subcommands", "O(1)", "", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

/* ---- MEMORY ------------------------------------------------------------------ */

static size_t key_overhead(const sds key) { return sizeof(dict_entry) + sds_alloc_size(key); }

/* MEMORY USAGE key [SAMPLES count] (samples accepted; sizes are exact). */
static void memory_usage_command(kv_client *c) {
    if (c->argc == 5 && argis(c->argv[3], "samples")) {
        long long samples;
        if (!str_to_ll(c->argv[4], sds_len(c->argv[4]), &samples)) {
            reply_error(c, ERR_NOT_INT);
            return;
        }
    } else if (c->argc != 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    kv_obj *o = db_lookup_read(c, c->db, c->argv[2], LOOKUP_NOTOUCH | LOOKUP_NONOTIFY | LOOKUP_NOSTATS);
    dict_entry *de = o ? dict_find(c->db->keys, c->argv[2]) : NULL;
    if (!de) {
        reply_null(c);
        return;
    }
    reply_int(c, (long long)(obj_mem_usage(o) + key_overhead(de->key)));
}

typedef struct mem_figures {
    size_t used, peak, overhead, clients, dataset;
    long long keys;
} mem_figures;

static void memory_figures(kv_server *srv, mem_figures *m) {
    memset(m, 0, sizeof(*m));
    m->used = mem_used();
    if (m->used > srv->stat.peak_memory) srv->stat.peak_memory = m->used;
    m->peak = srv->stat.peak_memory;
    m->overhead = info_memory_overhead(srv, &m->clients);
    for (int i = 0; i < srv->dbnum; i++) m->keys += (long long)dict_size(srv->dbs[i].keys);
    m->dataset = m->used > m->overhead ? m->used - m->overhead : 0;
}

static void stat_int(kv_client *c, const char *name, long long v) {
    reply_bulk_cstr(c, name);
    reply_int(c, v);
}

static void stat_double(kv_client *c, const char *name, double v) {
    reply_bulk_cstr(c, name);
    reply_double(c, v);
}

static void memory_stats_command(kv_client *c) {
    kv_server *srv = c->srv;
    mem_figures m;
    memory_figures(srv, &m);
    long dbs = 0;
    for (int i = 0; i < srv->dbnum; i++)
        if (dict_size(srv->dbs[i].keys)) dbs++;
    reply_map(c, 14 + dbs);
    stat_int(c, "peak.allocated", (long long)m.peak);
    stat_int(c, "total.allocated", (long long)m.used);
    stat_int(c, "replication.backlog", 0);
    stat_int(c, "clients.slaves", 0);
    stat_int(c, "clients.normal", (long long)m.clients);
    stat_int(c, "aof.buffer", 0);
    stat_int(c, "lua.caches", 0);
    stat_int(c, "functions.caches", 0);
    for (int i = 0; i < srv->dbnum; i++) {
        kv_db *db = &srv->dbs[i];
        if (!dict_size(db->keys)) continue;
        char name[32];
        snprintf(name, sizeof(name), "db.%d", i);
        reply_bulk_cstr(c, name);
        reply_map(c, 2);
        stat_int(c, "overhead.hashtable.main",
                 (long long)(dict_buckets(db->keys) * sizeof(void *) + dict_size(db->keys) * sizeof(dict_entry)));
        stat_int(c, "overhead.hashtable.expires", (long long)(dict_buckets(db->expires) * sizeof(void *) +
                                                              dict_size(db->expires) * sizeof(dict_entry)));
    }
    stat_int(c, "overhead.total", (long long)m.overhead);
    stat_int(c, "keys.count", m.keys);
    stat_int(c, "keys.bytes-per-key", m.keys ? (long long)(m.dataset / (size_t)m.keys) : 0);
    stat_int(c, "dataset.bytes", (long long)m.dataset);
    stat_double(c, "dataset.percentage", m.used ? 100.0 * (double)m.dataset / (double)m.used : 0.0);
    stat_double(c, "peak.percentage", m.peak ? 100.0 * (double)m.used / (double)m.peak : 0.0);
}

static sds doctor_text(kv_server *srv) {
    mem_figures m;
    memory_figures(srv, &m);
    if (m.used < 5 * 1024 * 1024)
        return sds_new("This instance uses less than 5 MB: too little memory for a meaningful analysis. "
                       "Ask again once it holds some data.\n");
    sds s = sds_empty();
    if (m.peak > m.used + m.used / 2)
        s = sds_catprintf(s, "* Peak memory: the peak (%zu bytes) was over 150%% of the memory used now (%zu "
                             "bytes); the allocator may hold on to freed pages (MEMORY PURGE asks it to "
                             "release them).\n",
                          m.peak, m.used);
    if (m.clients > m.used / 4)
        s = sds_catprintf(s, "* Client buffers use %zu bytes, more than a quarter of the memory: look for "
                             "slow readers or large pipelines (CLIENT LIST omem/tot-mem).\n",
                          m.clients);
    long long max = srv->cfg->maxmemory;
    if (max > 0 && m.used > (size_t)max)
        s = sds_catprintf(s, "* Used memory (%zu bytes) is over maxmemory (%lld bytes).\n", m.used, max);
    if (sds_len(s) == 0) s = sds_cat(s, "No memory problem detected.\n");
    return s;
}

static void memory_doctor_command(kv_client *c) {
    sds s = doctor_text(c->srv);
    reply_verbatim(c, s, sds_len(s), "txt");
    sds_free(s);
}

static void memory_malloc_stats_command(kv_client *c) {
    static const char msg[] = "Stats not supported for the current allocator";
    reply_verbatim(c, msg, sizeof(msg) - 1, "txt");
}

static void memory_purge_command(kv_client *c) {
    malloc_trim(0);
    reply_ok(c);
}

static void memory_help_command(kv_client *c) {
    static const char *const help[] = {
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        NULL,
    };
    reply_help(c, help);
}

static const kv_command memory_subcommands[] = {
    {"usage", memory_usage_command, -3, CMD_READONLY, 2, 2, 1, "server", "4.0.0",
     "Estimate the memory usage of a key", "O(N) where N is the number of samples.", "key [SAMPLES count]", NULL},
    {"stats", memory_stats_command, 2, 0, 0, 0, 0, "server", "4.0.0", "Show memory usage details", "O(1)", "", NULL},
    {"doctor", memory_doctor_command, 2, 0, 0, 0, 0, "server", "4.0.0", "Outputs memory problems report", "O(1)",
     "", NULL},
    {"malloc-stats", memory_malloc_stats_command, 2, 0, 0, 0, 0, "server", "4.0.0", "Show allocator internal stats",
     "Depends on how much memory is allocated, could be slow", "", NULL},
    {"purge", memory_purge_command, 2, 0, 0, 0, 0, "server", "4.0.0", "Ask the allocator to release memory",
     "Depends on how much memory is allocated, could be slow", "", NULL},
    {"help", memory_help_command, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "4.0.0",
     "Show helpful text about the different subcommands", "O(1)", "", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

/* ---- the table -------------------------------------------------------------- */

#define NONE_ARGS ""

const kv_command cmd_table_server[] = {
    {"info", info_command, -1, CMD_LOADING | CMD_STALE | CMD_SENTINEL, 0, 0, 0, "server", "1.0.0",
     "Get information and statistics about the server", "O(1)", "[section [section ...]]", NULL},
    {"command", cmddocs_command, -1, CMD_LOADING | CMD_STALE | CMD_SENTINEL, 0, 0, 0, "server", "2.8.13",
     "Get array of Redis command details", "O(N) where N is the total number of Redis commands", NONE_ARGS,
     cmddocs_subcommands},
    {"config", NULL, -2, 0, 0, 0, 0, "server", "2.0.0", "A container for server configuration commands",
     "Depends on subcommand.", NONE_ARGS, config_subcommands},
    {"time", time_command, 1, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "server", "2.6.0",
     "Return the current server time", "O(1)", NONE_ARGS, NULL},
    {"debug", debug_command, -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "1.0.0",
     "A container for debugging commands", "Depends on subcommand.", "subcommand [argument ...]", NULL},
    {"shutdown", shutdown_command, -1,
     CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NO_MULTI | CMD_SENTINEL | CMD_ALLOW_BUSY, 0, 0, 0,
     "server", "1.0.0", "Synchronously save the dataset to disk and then shut down the server",
     "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
     "[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]", NULL},
    {"monitor", monitor_command, 1, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "1.0.0",
     "Listen for all requests received by the server in real time", "", NONE_ARGS, NULL},
    {"slowlog", NULL, -2, 0, 0, 0, 0, "server", "2.2.12", "A container for slow log commands",
     "Depends on subcommand.", NONE_ARGS, slowlog_subcommands},
    {"latency", NULL, -2, 0, 0, 0, 0, "server", "2.8.13", "A container for latency diagnostics commands",
     "Depends on subcommand.", NONE_ARGS, latency_subcommands},
    {"memory", NULL, -2, 0, 0, 0, 0, "server", "4.0.0", "A container for memory diagnostics commands",
     "Depends on subcommand.", NONE_ARGS, memory_subcommands},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
