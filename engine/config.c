/*
 * engine/config.c — the directive table and everything that reads or writes
 * a strata_config: the redis.conf parser, command-line options, CONFIG
 * GET / SET / REWRITE.
 *
 * Design
 * ------
 * The table `directives[]` is data: one row per directive with its name, an
 * optional alias (the pre-7.0 "ziplist"/"slave" spellings), a type, flags,
 * the offset of its field in strata_config, bounds and default.  Every
 * operation is a walk over the table plus a switch on the type:
 *
 *   parse_value()   argv -> cval       validate, no side effect
 *   cval_get()      config -> cval     deep copy of the current value
 *   cval_put()      cval -> config     frees the old value, takes the cval
 *   render()        config -> sds      CONFIG GET's text
 *   rewrite_line()  config -> line     CONFIG REWRITE's text
 *
 * A cval ("config value") holds one directive's value outside the struct,
 * which is what makes CONFIG SET atomic: all new values are parsed into
 * cvals first, the old ones are copied out, and only then is anything
 * stored; a failing apply hook puts the old cvals back.
 *
 * Field storage by type: bool / enum / notify -> int; int / memory / octal
 * -> long long; string -> char* (never NULL); save, bind and replicaof use
 * their fixed fields (save/save_count, bind/bind_count, replicaof_*).
 *
 * Loading keeps a small context (loadctx): the include stack (file and line
 * of every level, for error messages and the depth limit) and whether this
 * load has seen a `save` line yet (the first replaces the rules in force,
 * later ones accumulate).  Errors are formatted once, by load_error(), into
 * Redis's "*** FATAL CONFIG FILE ERROR ***" block.
 *
 * Invariants
 *   (1) config_set() changes nothing unless every name and value is valid.
 *   (2) config_rewrite() replaces the file only by rename() of a complete,
 *       fsynced temp file in the same directory, then fsyncs the directory.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "rdb/fio.h"
#include "util.h"

/* ------------------------------------------------------------------------
 * The directive table
 * ------------------------------------------------------------------------ */

enum { T_BOOL, T_INT, T_MEM, T_OCTAL, T_ENUM, T_STRING, T_NOTIFY, T_SAVE, T_BIND, T_REPLICAOF };

#define F_IMMUTABLE 0x01 /* CONFIG SET refuses it */
#define F_SENSITIVE 0x02 /* value must not reach logs */
#define F_PROTECTED 0x04 /* CONFIG SET only with enable-protected-configs */
#define F_HZ 0x08        /* accepted 0..INT_MAX, stored clamped to 1..500 */
#define F_BASENAME 0x10  /* string: a file name, not a path */
#define F_NONEMPTY 0x20  /* string: must not be empty */

typedef struct cenum {
    const char *name;
    int value;
} cenum;

typedef struct directive {
    const char *name, *alias;
    int type;
    unsigned flags;
    size_t off;         /* field offset (not used by save, bind, replicaof) */
    long long lo, hi;   /* bounds of numbers */
    long long def;      /* default of bool / enum / numbers */
    const char *defstr; /* default of strings and special types */
    const cenum *names; /* enum values, NULL-terminated */
} directive;

/* Enum names in Redis 7.0's order: its error message lists them so. */
static const cenum loglevel_names[] = {{"debug", CONFIG_LOGLEVEL_DEBUG},
                                       {"verbose", CONFIG_LOGLEVEL_VERBOSE},
                                       {"notice", CONFIG_LOGLEVEL_NOTICE},
                                       {"warning", CONFIG_LOGLEVEL_WARNING},
                                       {"nothing", CONFIG_LOGLEVEL_NOTHING},
                                       {NULL, 0}};
static const cenum policy_names[] = {{"volatile-lru", CONFIG_MAXMEMORY_VOLATILE_LRU},
                                     {"volatile-lfu", CONFIG_MAXMEMORY_VOLATILE_LFU},
                                     {"volatile-random", CONFIG_MAXMEMORY_VOLATILE_RANDOM},
                                     {"volatile-ttl", CONFIG_MAXMEMORY_VOLATILE_TTL},
                                     {"allkeys-lru", CONFIG_MAXMEMORY_ALLKEYS_LRU},
                                     {"allkeys-lfu", CONFIG_MAXMEMORY_ALLKEYS_LFU},
                                     {"allkeys-random", CONFIG_MAXMEMORY_ALLKEYS_RANDOM},
                                     {"noeviction", CONFIG_MAXMEMORY_NOEVICTION},
                                     {NULL, 0}};
static const cenum fsync_names[] = {{"everysec", CONFIG_APPENDFSYNC_EVERYSEC},
                                    {"always", CONFIG_APPENDFSYNC_ALWAYS},
                                    {"no", CONFIG_APPENDFSYNC_NO},
                                    {NULL, 0}};
static const cenum rdbcomp_names[] = {{"yes", CONFIG_RDBCOMPRESSION_YES},
                                      {"no", CONFIG_RDBCOMPRESSION_NO},
                                      {"lz4", CONFIG_RDBCOMPRESSION_LZ4},
                                      {NULL, 0}};
static const cenum supervised_names[] = {{"upstart", CONFIG_SUPERVISED_UPSTART},
                                         {"systemd", CONFIG_SUPERVISED_SYSTEMD},
                                         {"auto", CONFIG_SUPERVISED_AUTO},
                                         {"no", CONFIG_SUPERVISED_NO},
                                         {NULL, 0}};
static const cenum sanitize_names[] = {{"no", CONFIG_SANITIZE_NO},
                                       {"yes", CONFIG_SANITIZE_YES},
                                       {"clients", CONFIG_SANITIZE_CLIENTS},
                                       {NULL, 0}};
static const cenum diskless_load_names[] = {{"disabled", CONFIG_DISKLESS_LOAD_DISABLED},
                                            {"on-empty-db", CONFIG_DISKLESS_LOAD_ON_EMPTY_DB},
                                            {"swapdb", CONFIG_DISKLESS_LOAD_SWAPDB},
                                            {NULL, 0}};
static const cenum protected_names[] = {{"no", CONFIG_PROTECTED_NO},
                                        {"yes", CONFIG_PROTECTED_YES},
                                        {"local", CONFIG_PROTECTED_LOCAL},
                                        {NULL, 0}};

#define OFF(f) offsetof(strata_config, f)
#define BOOL(n, a, fl, f, d) {n, a, T_BOOL, fl, OFF(f), 0, 1, d, NULL, NULL}
#define INT(n, a, fl, f, lo, hi, d) {n, a, T_INT, fl, OFF(f), lo, hi, d, NULL, NULL}
#define MEM(n, a, fl, f, lo, hi, d) {n, a, T_MEM, fl, OFF(f), lo, hi, d, NULL, NULL}
#define OCTAL(n, a, fl, f, lo, hi, d) {n, a, T_OCTAL, fl, OFF(f), lo, hi, d, NULL, NULL}
#define ENUM(n, a, fl, f, names, d) {n, a, T_ENUM, fl, OFF(f), 0, 0, d, NULL, names}
#define STR(n, a, fl, f, d) {n, a, T_STRING, fl, OFF(f), 0, 0, 0, d, NULL}
#define SPECIAL(n, a, t, fl, d) {n, a, t, fl, 0, 0, 0, 0, d, NULL} /* fixed fields */

#define MB (1024LL * 1024)
#define UINT_MAX_LL 4294967295LL

static const directive directives[] = {
    /* network */
    SPECIAL("bind", NULL, T_BIND, 0, "127.0.0.1 -::1"),
    INT("port", NULL, 0, port, 0, 65535, 6379),
    INT("tcp-backlog", NULL, F_IMMUTABLE, tcp_backlog, 0, INT_MAX, 511),
    STR("unixsocket", NULL, F_IMMUTABLE, unixsocket, ""),
    OCTAL("unixsocketperm", NULL, F_IMMUTABLE, unixsocketperm, 0, 0777, 0),
    INT("timeout", NULL, 0, timeout, 0, INT_MAX, 0),
    INT("tcp-keepalive", NULL, 0, tcp_keepalive, 0, INT_MAX, 300),
    BOOL("protected-mode", NULL, 0, protected_mode, 1),
    ENUM("enable-protected-configs", NULL, F_IMMUTABLE, enable_protected_configs,
         protected_names, CONFIG_PROTECTED_NO),
    /* general */
    BOOL("daemonize", NULL, F_IMMUTABLE, daemonize, 0),
    ENUM("supervised", NULL, F_IMMUTABLE, supervised, supervised_names, CONFIG_SUPERVISED_NO),
    STR("pidfile", NULL, F_IMMUTABLE, pidfile, ""),
    ENUM("loglevel", NULL, 0, loglevel, loglevel_names, CONFIG_LOGLEVEL_NOTICE),
    STR("logfile", NULL, F_IMMUTABLE, logfile, ""),
    INT("databases", NULL, F_IMMUTABLE, databases, 1, INT_MAX, 16),
    BOOL("always-show-logo", NULL, F_IMMUTABLE, always_show_logo, 0),
    BOOL("set-proc-title", NULL, F_IMMUTABLE, set_proc_title, 1),
    BOOL("crash-log-enabled", NULL, 0, crash_log_enabled, 1),
    /* snapshotting */
    SPECIAL("save", NULL, T_SAVE, 0, "3600 1 300 100 60 10000"),
    BOOL("stop-writes-on-bgsave-error", NULL, 0, stop_writes_on_bgsave_error, 1),
    ENUM("rdbcompression", NULL, 0, rdbcompression, rdbcomp_names, CONFIG_RDBCOMPRESSION_YES),
    BOOL("rdbchecksum", NULL, F_IMMUTABLE, rdbchecksum, 1),
    ENUM("sanitize-dump-payload", NULL, 0, sanitize_dump_payload, sanitize_names,
         CONFIG_SANITIZE_NO),
    STR("dbfilename", NULL, F_PROTECTED | F_BASENAME, dbfilename, "dump.rdb"),
    BOOL("rdb-del-sync-files", NULL, 0, rdb_del_sync_files, 0),
    BOOL("rdb-save-incremental-fsync", NULL, 0, rdb_save_incremental_fsync, 1),
    STR("dir", NULL, F_PROTECTED | F_NONEMPTY, dir, "./"),
    /* replication */
    SPECIAL("replicaof", "slaveof", T_REPLICAOF, F_IMMUTABLE, NULL),
    STR("masterauth", NULL, F_SENSITIVE, masterauth, ""),
    STR("masteruser", NULL, F_SENSITIVE, masteruser, ""),
    BOOL("replica-serve-stale-data", "slave-serve-stale-data", 0, replica_serve_stale_data, 1),
    BOOL("replica-read-only", "slave-read-only", 0, replica_read_only, 1),
    BOOL("repl-diskless-sync", NULL, 0, repl_diskless_sync, 1),
    INT("repl-diskless-sync-delay", NULL, 0, repl_diskless_sync_delay, 0, INT_MAX, 5),
    ENUM("repl-diskless-load", NULL, 0, repl_diskless_load, diskless_load_names,
         CONFIG_DISKLESS_LOAD_DISABLED),
    INT("repl-ping-replica-period", "repl-ping-slave-period", 0, repl_ping_replica_period, 1,
        INT_MAX, 10),
    INT("repl-timeout", NULL, 0, repl_timeout, 1, INT_MAX, 60),
    MEM("repl-backlog-size", NULL, 0, repl_backlog_size, 1, LLONG_MAX, 1 * MB),
    INT("repl-backlog-ttl", NULL, 0, repl_backlog_ttl, 0, LONG_MAX, 3600),
    INT("replica-priority", "slave-priority", 0, replica_priority, 0, INT_MAX, 100),
    INT("min-replicas-to-write", "min-slaves-to-write", 0, min_replicas_to_write, 0, INT_MAX, 0),
    INT("min-replicas-max-lag", "min-slaves-max-lag", 0, min_replicas_max_lag, 0, INT_MAX, 10),
    /* security, clients */
    STR("requirepass", NULL, F_SENSITIVE, requirepass, ""),
    INT("maxclients", NULL, 0, maxclients, 1, UINT_MAX_LL, 10000),
    /* memory management */
    MEM("maxmemory", NULL, 0, maxmemory, 0, LLONG_MAX, 0),
    ENUM("maxmemory-policy", NULL, 0, maxmemory_policy, policy_names, CONFIG_MAXMEMORY_NOEVICTION),
    INT("maxmemory-samples", NULL, 0, maxmemory_samples, 1, INT_MAX, 5),
    INT("maxmemory-eviction-tenacity", NULL, 0, maxmemory_eviction_tenacity, 0, 100, 10),
    INT("active-expire-effort", NULL, 0, active_expire_effort, 1, 10, 1),
    /* lazy freeing */
    BOOL("lazyfree-lazy-eviction", NULL, 0, lazyfree_lazy_eviction, 0),
    BOOL("lazyfree-lazy-expire", NULL, 0, lazyfree_lazy_expire, 0),
    BOOL("lazyfree-lazy-server-del", NULL, 0, lazyfree_lazy_server_del, 0),
    BOOL("lazyfree-lazy-user-del", NULL, 0, lazyfree_lazy_user_del, 0),
    BOOL("lazyfree-lazy-user-flush", NULL, 0, lazyfree_lazy_user_flush, 0),
    BOOL("replica-lazy-flush", "slave-lazy-flush", 0, replica_lazy_flush, 0),
    /* threaded I/O */
    INT("io-threads", NULL, F_IMMUTABLE, io_threads, 1, 128, 1),
    BOOL("io-threads-do-reads", NULL, F_IMMUTABLE, io_threads_do_reads, 0),
    /* append only file */
    BOOL("appendonly", NULL, 0, appendonly, 1),
    STR("appendfilename", NULL, F_IMMUTABLE | F_BASENAME | F_NONEMPTY, appendfilename,
        "appendonly.aof"),
    STR("appenddirname", NULL, F_IMMUTABLE | F_BASENAME | F_NONEMPTY, appenddirname,
        "appendonlydir"),
    ENUM("appendfsync", NULL, 0, appendfsync, fsync_names, CONFIG_APPENDFSYNC_EVERYSEC),
    BOOL("no-appendfsync-on-rewrite", NULL, 0, no_appendfsync_on_rewrite, 0),
    INT("auto-aof-rewrite-percentage", NULL, 0, auto_aof_rewrite_percentage, 0, INT_MAX, 100),
    MEM("auto-aof-rewrite-min-size", NULL, 0, auto_aof_rewrite_min_size, 0, LLONG_MAX, 64 * MB),
    BOOL("aof-load-truncated", NULL, 0, aof_load_truncated, 1),
    BOOL("aof-use-rdb-preamble", NULL, 0, aof_use_rdb_preamble, 1),
    BOOL("aof-timestamp-enabled", NULL, 0, aof_timestamp_enabled, 0),
    BOOL("aof-rewrite-incremental-fsync", NULL, 0, aof_rewrite_incremental_fsync, 1),
    BOOL("aof-disable-auto-gc", NULL, 0, aof_disable_auto_gc, 0),
    /* shutdown, long-running commands */
    INT("shutdown-timeout", NULL, 0, shutdown_timeout, 0, INT_MAX, 10),
    INT("busy-reply-threshold", "lua-time-limit", 0, busy_reply_threshold, 0, LONG_MAX, 5000),
    /* slow log, latency monitor, events */
    INT("slowlog-log-slower-than", NULL, 0, slowlog_log_slower_than, -1, LLONG_MAX, 10000),
    INT("slowlog-max-len", NULL, 0, slowlog_max_len, 0, LONG_MAX, 128),
    INT("latency-monitor-threshold", NULL, 0, latency_monitor_threshold, 0, LLONG_MAX, 0),
    {"notify-keyspace-events", NULL, T_NOTIFY, 0, OFF(notify_keyspace_events), 0, 0, 0, "", NULL},
    /* advanced: compact encodings, rehashing, hz, limits, LFU */
    INT("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, hash_max_listpack_entries, 0,
        LONG_MAX, 512),
    MEM("hash-max-listpack-value", "hash-max-ziplist-value", 0, hash_max_listpack_value, 0,
        LONG_MAX, 64),
    INT("list-max-listpack-size", "list-max-ziplist-size", 0, list_max_listpack_size, INT_MIN,
        INT_MAX, -2),
    INT("list-compress-depth", NULL, 0, list_compress_depth, 0, INT_MAX, 0),
    INT("set-max-intset-entries", NULL, 0, set_max_intset_entries, 0, LONG_MAX, 512),
    INT("set-max-listpack-entries", NULL, 0, set_max_listpack_entries, 0, LONG_MAX, 128),
    MEM("set-max-listpack-value", NULL, 0, set_max_listpack_value, 0, LONG_MAX, 64),
    INT("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, zset_max_listpack_entries, 0,
        LONG_MAX, 128),
    MEM("zset-max-listpack-value", "zset-max-ziplist-value", 0, zset_max_listpack_value, 0,
        LONG_MAX, 64),
    MEM("hll-sparse-max-bytes", NULL, 0, hll_sparse_max_bytes, 0, LONG_MAX, 3000),
    MEM("stream-node-max-bytes", NULL, 0, stream_node_max_bytes, 0, LONG_MAX, 4096),
    INT("stream-node-max-entries", NULL, 0, stream_node_max_entries, 0, LLONG_MAX, 100),
    BOOL("activerehashing", NULL, 0, activerehashing, 1),
    MEM("client-query-buffer-limit", NULL, 0, client_query_buffer_limit, 1 * MB, LONG_MAX,
        1024 * MB),
    MEM("proto-max-bulk-len", NULL, 0, proto_max_bulk_len, 1 * MB, LONG_MAX, 512 * MB),
    INT("hz", NULL, F_HZ, hz, 0, INT_MAX, 10),
    BOOL("dynamic-hz", NULL, 0, dynamic_hz, 1),
    INT("lfu-log-factor", NULL, 0, lfu_log_factor, 0, INT_MAX, 10),
    INT("lfu-decay-time", NULL, 0, lfu_decay_time, 0, INT_MAX, 1),
};

#define NDIRECTIVES ((int)(sizeof(directives) / sizeof(directives[0])))

/* Accepted in a file and ignored, as Redis 7.0 does (name, argc incl. name). */
static const struct {
    const char *name;
    int argc;
} ignored_directives[] = {
    {"list-max-ziplist-entries", 2}, {"list-max-ziplist-value", 2}, {"lua-replicate-commands", 2}};

#define INCLUDE_MAX_DEPTH 16
#define REWRITE_SIGNATURE "# Generated by CONFIG REWRITE"
#define NOTIFY_LETTERS "Ag$lshzxeKEtmdn"

struct config_hook {
    config_hook_fn *fn;
    void *ctx;
};

#define FIELD(c, d, T) ((T *)(void *)((char *)(c) + (d)->off))
#define CFIELD(c, d, T) ((const T *)(const void *)((const char *)(c) + (d)->off))

static const directive *lookup(const char *name) {
    for (int i = 0; i < NDIRECTIVES; i++) {
        const directive *d = &directives[i];
        if (!strcasecmp(d->name, name) || (d->alias && !strcasecmp(d->alias, name))) return d;
    }
    return NULL;
}

static int is_multi_arg(const directive *d) {
    return d->type == T_SAVE || d->type == T_BIND || d->type == T_REPLICAOF;
}

/* ------------------------------------------------------------------------
 * Values: parse, copy, store, free
 * ------------------------------------------------------------------------ */

typedef struct cval {
    long long n;            /* bool, enum, notify, numbers; replicaof port */
    char *s;                /* string; replicaof host (NULL = none) */
    char **v;               /* bind */
    int nv;
    config_save_rule *rules; /* save */
    int nrules;
} cval;

static void cval_free(cval *v) {
    mem_free(v->s);
    for (int i = 0; i < v->nv; i++) mem_free(v->v[i]);
    mem_free(v->v);
    mem_free(v->rules);
    memset(v, 0, sizeof(*v));
}

static sds enum_error(const cenum *names) {
    sds e = sds_new("argument(s) must be one of the following: ");
    for (const cenum *p = names; p->name; p++)
        e = sds_catprintf(e, "%s%s", p->name, p[1].name ? ", " : "");
    return e;
}

static int parse_bool(const char *s) {
    if (!strcasecmp(s, "yes")) return 1;
    if (!strcasecmp(s, "no")) return 0;
    return -1;
}

/* Strict octal: [0-7]+, no sign, no spaces. */
static int parse_octal(const char *s, long long *out) {
    long long v = 0;
    if (!*s) return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '7' || v > (LLONG_MAX >> 3)) return 0;
        v = v * 8 + (*s - '0');
    }
    *out = v;
    return 1;
}

static int parse_number(const directive *d, const char *s, long long *out, sds *why) {
    int ok;
    if (d->type == T_MEM) ok = s[0] != '-' && str_to_memory(s, out); /* Redis: no sign */
    else if (d->type == T_OCTAL) ok = parse_octal(s, out);
    else ok = str_to_ll(s, strlen(s), out);
    if (!ok) {
        *why = sds_new(d->type == T_MEM     ? "argument must be a memory value"
                       : d->type == T_OCTAL ? "argument couldn't be parsed as an octal number"
                                            : "argument couldn't be parsed into an integer");
        return -1;
    }
    if (*out < d->lo || *out > d->hi) {
        *why = d->type == T_OCTAL
                   ? sds_catprintf(sds_empty(), "argument must be between %llo and %llo inclusive",
                                   (unsigned long long)d->lo, (unsigned long long)d->hi)
                   : sds_catprintf(sds_empty(), "argument must be between %lld and %lld inclusive",
                                   d->lo, d->hi);
        return -1;
    }
    if (d->flags & F_HZ) *out = *out < 1 ? 1 : *out > 500 ? 500 : *out;
    return 0;
}

static int notify_bit(char ch) {
    static const struct {
        char ch;
        int bits;
    } map[] = {{'A', CONFIG_NOTIFY_ALL},     {'g', CONFIG_NOTIFY_GENERIC},
               {'$', CONFIG_NOTIFY_STRING},  {'l', CONFIG_NOTIFY_LIST},
               {'s', CONFIG_NOTIFY_SET},     {'h', CONFIG_NOTIFY_HASH},
               {'z', CONFIG_NOTIFY_ZSET},    {'x', CONFIG_NOTIFY_EXPIRED},
               {'e', CONFIG_NOTIFY_EVICTED}, {'K', CONFIG_NOTIFY_KEYSPACE},
               {'E', CONFIG_NOTIFY_KEYEVENT}, {'t', CONFIG_NOTIFY_STREAM},
               {'m', CONFIG_NOTIFY_KEY_MISS}, {'d', CONFIG_NOTIFY_MODULE},
               {'n', CONFIG_NOTIFY_NEW}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].ch == ch) return map[i].bits;
    return -1;
}

sds config_notify_flags_to_string(int flags) {
    static const struct {
        int bit;
        char ch;
    } order[] = {{CONFIG_NOTIFY_GENERIC, 'g'}, {CONFIG_NOTIFY_STRING, '$'},
                 {CONFIG_NOTIFY_LIST, 'l'},    {CONFIG_NOTIFY_SET, 's'},
                 {CONFIG_NOTIFY_HASH, 'h'},    {CONFIG_NOTIFY_ZSET, 'z'},
                 {CONFIG_NOTIFY_EXPIRED, 'x'}, {CONFIG_NOTIFY_EVICTED, 'e'},
                 {CONFIG_NOTIFY_STREAM, 't'},  {CONFIG_NOTIFY_MODULE, 'd'}};
    sds s = sds_empty();
    if ((flags & CONFIG_NOTIFY_ALL) == CONFIG_NOTIFY_ALL) {
        s = sds_cat(s, "A");
    } else {
        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
            if (flags & order[i].bit) s = sds_catlen(s, &order[i].ch, 1);
    }
    if (flags & CONFIG_NOTIFY_NEW) s = sds_cat(s, "n");
    if (flags & CONFIG_NOTIFY_KEYSPACE) s = sds_cat(s, "K");
    if (flags & CONFIG_NOTIFY_KEYEVENT) s = sds_cat(s, "E");
    if (flags & CONFIG_NOTIFY_KEY_MISS) s = sds_cat(s, "m");
    return s;
}

static int parse_save(int argc, char *const *argv, cval *out, sds *why) {
    if (argc == 1 && argv[0][0] == '\0') argc = 0; /* save "" */
    if (argc % 2) goto bad;
    out->rules = argc ? mem_alloc(sizeof(config_save_rule) * (size_t)(argc / 2)) : NULL;
    for (int j = 0; j < argc; j += 2) {
        config_save_rule *r = &out->rules[j / 2];
        if (!str_to_ll(argv[j], strlen(argv[j]), &r->seconds) || r->seconds < 1) goto bad;
        if (!str_to_ll(argv[j + 1], strlen(argv[j + 1]), &r->changes) || r->changes < 0) goto bad;
        out->nrules++;
    }
    return 0;
bad:
    *why = sds_new("Invalid save parameters");
    return -1;
}

static int parse_bind(int argc, char *const *argv, cval *out, sds *why) {
    if (argc > CONFIG_BIND_MAX) {
        *why = sds_new("Too many bind addresses specified.");
        return -1;
    }
    if (argc == 1 && argv[0][0] == '\0') argc = 0; /* bind "" */
    out->v = argc ? mem_alloc(sizeof(char *) * (size_t)argc) : NULL;
    for (out->nv = 0; out->nv < argc; out->nv++) out->v[out->nv] = mem_strdup(argv[out->nv]);
    return 0;
}

static int parse_replicaof(int argc, char *const *argv, cval *out, sds *why) {
    if (argc != 2) {
        *why = sds_new("wrong number of arguments");
        return -1;
    }
    if (!strcasecmp(argv[0], "no") && !strcasecmp(argv[1], "one")) return 0;
    if (!str_to_ll(argv[1], strlen(argv[1]), &out->n) || out->n < 0 || out->n > 65535) {
        *why = sds_new("Invalid master port");
        return -1;
    }
    out->s = mem_strdup(argv[0]);
    return 0;
}

static int parse_string(const directive *d, const char *s, cval *out, sds *why) {
    const char *what = strcmp(d->name, "appenddirname") ? "filename" : "dirname";
    if ((d->flags & F_NONEMPTY) && !*s) {
        *why = sds_catprintf(sds_empty(), "%s can't be empty", d->name);
        return -1;
    }
    if ((d->flags & F_BASENAME) && strchr(s, '/')) {
        *why = sds_catprintf(sds_empty(), "%s can't be a path, just a %s", d->name, what);
        return -1;
    }
    out->s = mem_strdup(s);
    return 0;
}

static int parse_notify(const char *s, cval *out, sds *why) {
    int flags = 0;
    for (; *s; s++) {
        int bit = notify_bit(*s);
        if (bit < 0) {
            *why = sds_new("Invalid event class character. Use '" NOTIFY_LETTERS "'.");
            return -1;
        }
        flags |= bit;
    }
    out->n = flags;
    return 0;
}

static int parse_typed(const directive *d, int argc, char *const *argv, cval *out, sds *why) {
    switch (d->type) {
    case T_BOOL:
        if ((out->n = parse_bool(argv[0])) < 0) {
            *why = sds_new("argument must be 'yes' or 'no'");
            return -1;
        }
        return 0;
    case T_INT:
    case T_MEM:
    case T_OCTAL: return parse_number(d, argv[0], &out->n, why);
    case T_ENUM:
        for (const cenum *p = d->names; p->name; p++) {
            if (!strcasecmp(p->name, argv[0])) {
                out->n = p->value;
                return 0;
            }
        }
        *why = enum_error(d->names);
        return -1;
    case T_STRING: return parse_string(d, argv[0], out, why);
    case T_NOTIFY: return parse_notify(argv[0], out, why);
    case T_SAVE: return parse_save(argc, argv, out, why);
    case T_BIND: return parse_bind(argc, argv, out, why);
    case T_REPLICAOF: return parse_replicaof(argc, argv, out, why);
    }
    return -1;
}

/* argv: the values only.  On success *out is owned by the caller; on
 * failure *why is set and *out holds nothing. */
static int parse_value(const directive *d, int argc, char *const *argv, cval *out, sds *why) {
    memset(out, 0, sizeof(*out));
    if (!is_multi_arg(d) && argc != 1) {
        *why = sds_new("wrong number of arguments");
        return -1;
    }
    if (parse_typed(d, argc, argv, out, why) == 0) return 0;
    cval_free(out);
    return -1;
}

/* Deep copy of d's current value. */
static void cval_get(const directive *d, const strata_config *c, cval *out) {
    memset(out, 0, sizeof(*out));
    switch (d->type) {
    case T_BOOL:
    case T_ENUM:
    case T_NOTIFY: out->n = *CFIELD(c, d, int); break;
    case T_INT:
    case T_MEM:
    case T_OCTAL: out->n = *CFIELD(c, d, long long); break;
    case T_STRING: out->s = mem_strdup(*CFIELD(c, d, char *)); break;
    case T_SAVE:
        out->nrules = c->save_count;
        if (c->save_count) {
            out->rules = mem_alloc(sizeof(config_save_rule) * (size_t)c->save_count);
            memcpy(out->rules, c->save, sizeof(config_save_rule) * (size_t)c->save_count);
        }
        break;
    case T_BIND:
        out->v = c->bind_count ? mem_alloc(sizeof(char *) * (size_t)c->bind_count) : NULL;
        for (out->nv = 0; out->nv < c->bind_count; out->nv++)
            out->v[out->nv] = mem_strdup(c->bind[out->nv]);
        break;
    case T_REPLICAOF:
        out->s = c->replicaof_host ? mem_strdup(c->replicaof_host) : NULL;
        out->n = c->replicaof_port;
        break;
    }
}

/* Store v into c (the config takes what v owns; v is left empty). */
static void cval_put(const directive *d, strata_config *c, cval *v) {
    switch (d->type) {
    case T_BOOL:
    case T_ENUM:
    case T_NOTIFY: *FIELD(c, d, int) = (int)v->n; break;
    case T_INT:
    case T_MEM:
    case T_OCTAL: *FIELD(c, d, long long) = v->n; break;
    case T_STRING:
        mem_free(*FIELD(c, d, char *));
        *FIELD(c, d, char *) = v->s;
        v->s = NULL;
        break;
    case T_SAVE:
        mem_free(c->save);
        c->save = v->rules;
        c->save_count = v->nrules;
        v->rules = NULL;
        v->nrules = 0;
        break;
    case T_BIND:
        for (int i = 0; i < c->bind_count; i++) mem_free(c->bind[i]);
        mem_free(c->bind);
        c->bind = v->v;
        c->bind_count = v->nv;
        v->v = NULL;
        v->nv = 0;
        break;
    case T_REPLICAOF:
        mem_free(c->replicaof_host);
        c->replicaof_host = v->s;
        c->replicaof_port = v->n;
        v->s = NULL;
        break;
    }
    cval_free(v);
}

/* A config-file `save` line after the first of a load adds to the rules. */
static void save_append(const directive *d, strata_config *c, cval *v) {
    if (v->nrules == 0) { /* save "" clears */
        cval_put(d, c, v);
        return;
    }
    size_t n = (size_t)(c->save_count + v->nrules);
    c->save = mem_realloc(c->save, sizeof(config_save_rule) * n);
    memcpy(c->save + c->save_count, v->rules, sizeof(config_save_rule) * (size_t)v->nrules);
    c->save_count = (int)n;
    cval_free(v);
}

/* ------------------------------------------------------------------------
 * Rendering: CONFIG GET values and CONFIG REWRITE lines
 * ------------------------------------------------------------------------ */

static const char *enum_name(const cenum *names, long long value) {
    for (const cenum *p = names; p->name; p++)
        if (p->value == value) return p->name;
    return NULL;
}

static sds render(const directive *d, const strata_config *c) {
    sds s = sds_empty();
    const char *name;
    switch (d->type) {
    case T_BOOL: return sds_cat(s, *CFIELD(c, d, int) ? "yes" : "no");
    case T_INT:
    case T_MEM: return sds_catprintf(s, "%lld", *CFIELD(c, d, long long));
    case T_OCTAL: return sds_catprintf(s, "%llo", (unsigned long long)*CFIELD(c, d, long long));
    case T_ENUM:
        name = enum_name(d->names, *CFIELD(c, d, int));
        return sds_cat(s, name ? name : "unknown");
    case T_STRING: return sds_cat(s, *CFIELD(c, d, char *));
    case T_NOTIFY: sds_free(s); return config_notify_flags_to_string(*CFIELD(c, d, int));
    case T_SAVE:
        for (int i = 0; i < c->save_count; i++)
            s = sds_catprintf(s, "%s%lld %lld", i ? " " : "", c->save[i].seconds,
                              c->save[i].changes);
        return s;
    case T_BIND:
        for (int i = 0; i < c->bind_count; i++)
            s = sds_catprintf(s, "%s%s", i ? " " : "", c->bind[i]);
        return s;
    case T_REPLICAOF:
        if (c->replicaof_host)
            s = sds_catprintf(s, "%s %lld", c->replicaof_host, c->replicaof_port);
        return s;
    }
    return s;
}

/* "1gb" / "64mb" / "3kb" when exact, else plain bytes. */
static sds cat_memory(sds s, long long v) {
    static const struct {
        long long unit;
        const char *suffix;
    } units[] = {{1024LL * 1024 * 1024, "gb"}, {1024LL * 1024, "mb"}, {1024, "kb"}};
    for (size_t i = 0; v && i < sizeof(units) / sizeof(units[0]); i++)
        if (v % units[i].unit == 0)
            return sds_catprintf(s, "%lld%s", v / units[i].unit, units[i].suffix);
    return sds_catprintf(s, "%lld", v);
}

/* The line that expresses d's current value in a config file, or NULL when
 * the directive must not appear (replicaof of a master).  Caller frees. */
static sds rewrite_line(const directive *d, const strata_config *c) {
    if (d->type == T_REPLICAOF && !c->replicaof_host) return NULL;
    sds l = sds_catprintf(sds_empty(), "%s ", d->name);
    if (d->type == T_MEM) return cat_memory(l, *CFIELD(c, d, long long));
    sds v = d->type == T_NOTIFY ? config_notify_flags_to_string(*CFIELD(c, d, int)) : render(d, c);
    if (d->type == T_STRING || d->type == T_NOTIFY) l = sds_catrepr(l, v, sds_len(v));
    else if (sds_len(v) == 0) l = sds_cat(l, "\"\""); /* save "" / bind "" */
    else l = sds_catsds(l, v);                          /* save: all pairs on one line */
    sds_free(v);
    return l;
}

/* ------------------------------------------------------------------------
 * init / free / small accessors
 * ------------------------------------------------------------------------ */

/* Split a space-separated default or CONFIG SET value into an argv (""
 * stays one empty argument, so save "" / bind "" mean "none"). */
static sds *split_spaces(const char *s, int *argc) {
    sds *v = mem_alloc(sizeof(sds) * (strlen(s) / 2 + 2));
    *argc = 0;
    if (!*s) {
        v[(*argc)++] = sds_empty();
        return v;
    }
    while (*s) {
        while (*s == ' ') s++;
        if (!*s) break;
        const char *e = strchr(s, ' ');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        v[(*argc)++] = sds_newlen(s, len);
        s += len;
    }
    return v;
}

static void set_default(const directive *d, strata_config *c) {
    cval v;
    memset(&v, 0, sizeof(v));
    if (d->type == T_STRING) {
        v.s = mem_strdup(d->defstr);
    } else if (d->type == T_SAVE || d->type == T_BIND || d->type == T_NOTIFY) {
        int argc;
        sds why = NULL;
        sds *argv = split_spaces(d->defstr, &argc);
        if (parse_value(d, argc, argv, &v, &why) < 0) abort(); /* a bad table row */
        sds_freesplit(argv, argc);
    } else if (d->type != T_REPLICAOF) {
        v.n = d->def;
    }
    cval_put(d, c, &v);
}

void config_init(strata_config *c) {
    memset(c, 0, sizeof(*c));
    for (int i = 0; i < NDIRECTIVES; i++) set_default(&directives[i], c);
}

void config_free(strata_config *c) {
    if (!c) return;
    for (int i = 0; i < NDIRECTIVES; i++) {
        const directive *d = &directives[i];
        if (d->type == T_STRING) mem_free(*FIELD(c, d, char *));
    }
    for (int i = 0; i < c->bind_count; i++) mem_free(c->bind[i]);
    mem_free(c->bind);
    mem_free(c->save);
    mem_free(c->replicaof_host);
    mem_free(c->file);
    mem_free(c->hooks);
    memset(c, 0, sizeof(*c));
}

const char *config_file_path(const strata_config *c) {
    return c->file;
}

const char *config_enum_name(const char *directive_name, int value) {
    const directive *d = lookup(directive_name);
    return d && d->type == T_ENUM ? enum_name(d->names, value) : NULL;
}

int config_is_sensitive(const char *name) {
    const directive *d = lookup(name);
    return d && (d->flags & F_SENSITIVE);
}

void config_set_hook(strata_config *c, const char *name, config_hook_fn *fn, void *ctx) {
    const directive *d = lookup(name);
    if (!d) return;
    if (!c->hooks) c->hooks = mem_calloc(sizeof(struct config_hook) * NDIRECTIVES);
    c->hooks[d - directives].fn = fn;
    c->hooks[d - directives].ctx = ctx;
}

/* ------------------------------------------------------------------------
 * Loading: files, strings, includes, command-line options
 * ------------------------------------------------------------------------ */

typedef struct loadframe {
    const char *origin; /* file name, or NULL for the command line */
    int line;           /* line number, or option number on the command line */
} loadframe;

typedef struct loadctx {
    strata_config *c;
    int save_seen;                             /* this load has had a save line */
    int depth;                                 /* frames in use */
    loadframe frames[INCLUDE_MAX_DEPTH + 2];
} loadctx;

/* The fatal block: where (with the include chain), the text, and why. */
static sds load_error(const loadctx *x, const char *text, const char *directive_name,
                      const char *why) {
    const loadframe *f = &x->frames[x->depth - 1];
    sds e = sds_new("*** FATAL CONFIG FILE ERROR ***\n");
    if (f->origin) e = sds_catprintf(e, "Reading the configuration file '%s', at line %d\n",
                                     f->origin, f->line);
    else e = sds_catprintf(e, "Reading the command line, at option %d\n", f->line);
    for (int i = x->depth - 2; i >= 0; i--) {
        if (x->frames[i].origin)
            e = sds_catprintf(e, "(included from '%s', line %d)\n", x->frames[i].origin,
                              x->frames[i].line);
        else
            e = sds_catprintf(e, "(included from the command line, option %d)\n",
                              x->frames[i].line);
    }
    if (text) e = sds_catprintf(e, ">>> '%s'\n", text);
    if (directive_name) e = sds_catprintf(e, "%s: ", directive_name);
    return sds_cat(e, why);
}

static int load_text(loadctx *x, const char *text, const char *origin, sds *err);

static int read_file(const char *path, sds *out) {
    FILE *fp = fopen(path, "r");
    if (!fp) return -errno;
    sds s = sds_empty();
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) s = sds_catlen(s, buf, n);
    int rc = ferror(fp) ? -(errno ? errno : EIO) : 0;
    fclose(fp);
    if (rc < 0) {
        sds_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Load one included file as a new level.  -1 with *why set when it cannot
 * be read, -1 with *err set when a line in it is bad. */
static int include_file(loadctx *x, const char *path, sds *why, sds *err) {
    sds text;
    int rc = read_file(path, &text);
    if (rc < 0) {
        *why = sds_catprintf(sds_empty(), "can't open config file '%s': %s", path, strerror(-rc));
        return -1;
    }
    rc = load_text(x, text, path, err);
    sds_free(text);
    return rc;
}

static int do_include(loadctx *x, const char *pattern, sds *why, sds *err) {
    if (x->depth > INCLUDE_MAX_DEPTH) {
        *why = sds_catprintf(sds_empty(),
                             "include nesting deeper than %d levels (does a file include itself?)",
                             INCLUDE_MAX_DEPTH);
        return -1;
    }
    if (!strpbrk(pattern, "*?[")) return include_file(x, pattern, why, err);
    glob_t g;
    int rc = 0;
    if (glob(pattern, 0, NULL, &g) != 0) return 0; /* no match: nothing to include */
    for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
        rc = include_file(x, g.gl_pathv[i], why, err);
    globfree(&g);
    return rc;
}

static int is_ignored(int argc, char *const *argv) {
    for (size_t i = 0; i < sizeof(ignored_directives) / sizeof(ignored_directives[0]); i++)
        if (!strcasecmp(argv[0], ignored_directives[i].name) && argc == ignored_directives[i].argc)
            return 1;
    return 0;
}

/* Apply one directive line (argv[0] = name).  Returns 0, or -1 with either
 * *why set (this line is at fault) or *err already set (a nested include
 * failed and formatted its own message). */
static int apply_argv(loadctx *x, int argc, char *const *argv, sds *why, sds *err) {
    if (!strcasecmp(argv[0], "include")) {
        if (argc != 2) {
            *why = sds_new("wrong number of arguments");
            return -1;
        }
        return do_include(x, argv[1], why, err);
    }
    if (is_ignored(argc, argv)) return 0;
    const directive *d = lookup(argv[0]);
    if (!d) {
        *why = sds_new("Bad directive or wrong number of arguments");
        return -1;
    }
    cval v;
    if (parse_value(d, argc - 1, argv + 1, &v, why) < 0) return -1;
    if (d->type == T_SAVE && x->save_seen) save_append(d, x->c, &v);
    else cval_put(d, x->c, &v);
    if (d->type == T_SAVE) x->save_seen = 1;
    return 0;
}

/* Apply argv from `text` at the current frame; format the error if any. */
static int apply_line(loadctx *x, int argc, char *const *argv, const char *text, sds *err) {
    sds why = NULL;
    if (apply_argv(x, argc, argv, &why, err) == 0) return 0;
    if (why) { /* else a nested level already wrote *err */
        *err = load_error(x, text, argv[0], why);
        sds_free(why);
    }
    return -1;
}

/* The first word of a line (for naming the directive of an unparsable one). */
static sds first_word(const char *line) {
    size_t n = strcspn(line, " \t");
    return sds_newlen(line, n);
}

static int load_text(loadctx *x, const char *text, const char *origin, sds *err) {
    loadframe *f = &x->frames[x->depth++];
    f->origin = origin;
    f->line = 0;
    int rc = 0;
    const char *p = text;
    while (rc == 0 && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        sds line = sds_trim(sds_newlen(p, len), " \t\r\n");
        p += len + (nl ? 1 : 0);
        f->line++;
        if (line[0] == '#' || line[0] == '\0') {
            sds_free(line);
            continue;
        }
        int argc;
        sds *argv = sds_splitargs(line, &argc);
        if (!argv) {
            sds name = first_word(line);
            *err = load_error(x, line, name, "Unbalanced quotes in configuration line");
            sds_free(name);
            rc = -1;
        } else if (argc > 0) {
            rc = apply_line(x, argc, argv, line, err);
        }
        sds_freesplit(argv, argc);
        sds_free(line);
    }
    x->depth--;
    return rc;
}

static void loadctx_init(loadctx *x, strata_config *c) {
    memset(x, 0, sizeof(*x));
    x->c = c;
}

int config_load_string(strata_config *c, const char *text, const char *origin, sds *err) {
    loadctx x;
    loadctx_init(&x, c);
    return load_text(&x, text, origin ? origin : "(string)", err);
}

static char *absolute_path(const char *path) {
    if (path[0] == '/') return mem_strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd))) return mem_strdup(path);
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *abs = mem_alloc(n);
    snprintf(abs, n, "%s/%s", cwd, path);
    return abs;
}

int config_load_file(strata_config *c, const char *path, sds *err) {
    loadctx x;
    loadctx_init(&x, c);
    sds text;
    int rc = read_file(path, &text);
    if (rc < 0) {
        *err = sds_catprintf(sds_new("*** FATAL CONFIG FILE ERROR ***\n"),
                             "Can't open config file '%s': %s", path, strerror(-rc));
        return -1;
    }
    rc = load_text(&x, text, path, err);
    sds_free(text);
    if (rc == 0) {
        mem_free(c->file);
        c->file = absolute_path(path);
    }
    return rc;
}

/* ">>> 'port 7000'" text for a command-line option. */
static sds option_text(int argc, char *const *argv) {
    sds s = sds_new(argv[0]);
    for (int i = 1; i < argc; i++) {
        s = sds_cat(s, " ");
        if (argv[i][0] && !strpbrk(argv[i], " \t\"'\\")) s = sds_cat(s, argv[i]);
        else s = sds_catrepr(s, argv[i], strlen(argv[i]));
    }
    return s;
}

static int apply_option(loadctx *x, sds *opt, int n, sds *err) {
    sds text = option_text(n, opt);
    int rc = apply_line(x, n, opt, text, err);
    sds_free(text);
    return rc;
}

int config_load_args(strata_config *c, int argc, char **argv, sds *err) {
    loadctx x;
    loadctx_init(&x, c);
    x.depth = 1; /* frames[0]: the command line, origin NULL */
    sds *opt = NULL;
    int n = 0, rc = 0;
    for (int j = 0; j < argc && rc == 0; j++) {
        const char *a = argv[j];
        int is_name = a[0] == '-' && a[1] == '-' && (!opt || n > 1);
        if (is_name) {
            if (opt) rc = apply_option(&x, opt, n, err);
            sds_freesplit(opt, n);
            opt = NULL;
            n = 0;
            if (rc) break;
            x.frames[0].line++;
            opt = sds_splitargs(a + 2, &n);
            if (!opt || n == 0) {
                *err = load_error(&x, a, NULL, "Invalid option: expected --name [value ...]");
                rc = -1;
                break;
            }
            int next_is_name = j + 1 == argc || (argv[j + 1][0] == '-' && argv[j + 1][1] == '-');
            if (n == 1 && !strcasecmp(opt[0], "save") && next_is_name) {
                opt = mem_realloc(opt, sizeof(sds) * 2); /* --save alone = save "" */
                opt[n++] = sds_empty();
            }
        } else if (!opt) {
            x.frames[0].line = 1;
            *err = load_error(&x, a, NULL, "Invalid argument: options must start with --");
            rc = -1;
        } else {
            opt = mem_realloc(opt, sizeof(sds) * (size_t)(n + 1));
            opt[n++] = sds_new(a);
        }
    }
    if (rc == 0 && opt) rc = apply_option(&x, opt, n, err);
    sds_freesplit(opt, n);
    return rc;
}

/* ------------------------------------------------------------------------
 * CONFIG GET
 * ------------------------------------------------------------------------ */

static int pattern_matches(const char *pat, const char *name) {
    if (!strpbrk(pat, "*?[")) return !strcasecmp(pat, name);
    return str_match(pat, strlen(pat), name, strlen(name), 1);
}

/* Emit name (or an exact pattern spelling it) if any pattern matches. */
static void get_one(const strata_config *c, const directive *d, const char *name, int np,
                    char *const *pats, config_emit_fn *emit, void *priv) {
    for (int i = 0; i < np; i++) {
        if (!pattern_matches(pats[i], name)) continue;
        emit(priv, strpbrk(pats[i], "*?[") ? name : pats[i], render(d, c));
        return;
    }
}

void config_get_many(const strata_config *c, int npatterns, char *const *patterns,
                     config_emit_fn *emit, void *priv) {
    for (int i = 0; i < NDIRECTIVES; i++) {
        const directive *d = &directives[i];
        get_one(c, d, d->name, npatterns, patterns, emit, priv);
        if (d->alias) get_one(c, d, d->alias, npatterns, patterns, emit, priv);
    }
}

void config_get(const strata_config *c, const char *pattern, config_emit_fn *emit, void *priv) {
    char *p = (char *)pattern;
    config_get_many(c, 1, &p, emit, priv);
}

sds config_get_value(const strata_config *c, const char *name) {
    const directive *d = lookup(name);
    return d ? render(d, c) : NULL;
}

/* ------------------------------------------------------------------------
 * CONFIG SET
 * ------------------------------------------------------------------------ */

typedef struct setitem {
    const directive *d;
    const char *given; /* the name as the client spelled it */
    cval newv, oldv;
    int changed, hooked;
} setitem;

static sds set_failed(const char *name, const char *why) {
    sds e = sds_catprintf(sds_empty(), "ERR CONFIG SET failed (possibly related to argument '%s')",
                          name);
    return why ? sds_catprintf(e, " - %s", why) : e;
}

/* Check names: unknown, immutable, protected, duplicate.  First error wins. */
static int set_check_names(const strata_config *c, setitem *it, int n, int flags, sds *err) {
    for (int i = 0; i < n; i++) {
        const directive *d = it[i].d = lookup(it[i].given);
        if (!d) {
            *err = sds_catprintf(sds_empty(),
                                 "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                                 it[i].given);
            return -1;
        }
        const char *why = NULL;
        int protected_ok = c->enable_protected_configs == CONFIG_PROTECTED_YES ||
                           (c->enable_protected_configs == CONFIG_PROTECTED_LOCAL &&
                            (flags & CONFIG_SET_LOCAL_CLIENT));
        if (d->flags & F_IMMUTABLE) why = "can't set immutable config";
        else if ((d->flags & F_PROTECTED) && !protected_ok) why = "can't set protected config";
        for (int j = 0; j < i && !why; j++)
            if (it[j].d == d) why = "duplicate parameter";
        if (why) {
            *err = set_failed(it[i].given, why);
            return -1;
        }
    }
    return 0;
}

static int set_parse_values(setitem *it, int n, sds *argv, sds *err) {
    for (int i = 0; i < n; i++) {
        int vc = 0;
        sds why = NULL;
        const directive *d = it[i].d;
        sds *vv = is_multi_arg(d) ? split_spaces(argv[2 * i + 1], &vc) : NULL;
        int rc = vv ? parse_value(d, vc, vv, &it[i].newv, &why)
                    : parse_value(d, 1, &argv[2 * i + 1], &it[i].newv, &why);
        sds_freesplit(vv, vc);
        if (rc < 0) {
            *err = set_failed(it[i].given, why);
            sds_free(why);
            return -1;
        }
    }
    return 0;
}

/* Put the old values back and re-run the hooks that ran (errors ignored:
 * there is nothing better to restore). */
static void set_rollback(strata_config *c, setitem *it, int n) {
    for (int i = 0; i < n; i++) cval_put(it[i].d, c, &it[i].oldv);
    for (int i = 0; i < n; i++) {
        if (!it[i].hooked) continue;
        struct config_hook *h = &c->hooks[it[i].d - directives];
        sds ignored = NULL;
        h->fn(h->ctx, it[i].d->name, &ignored);
        sds_free(ignored);
    }
}

static int set_apply(strata_config *c, setitem *it, int n, sds *err) {
    for (int i = 0; i < n; i++) {
        sds before = render(it[i].d, c);
        cval_get(it[i].d, c, &it[i].oldv);
        cval_put(it[i].d, c, &it[i].newv);
        sds after = render(it[i].d, c);
        it[i].changed = sds_cmp(before, after) != 0;
        sds_free(before);
        sds_free(after);
    }
    for (int i = 0; c->hooks && i < n; i++) {
        struct config_hook *h = &c->hooks[it[i].d - directives];
        if (!it[i].changed || !h->fn) continue;
        sds why = NULL;
        it[i].hooked = 1;
        if (h->fn(h->ctx, it[i].d->name, &why) != 0) {
            set_rollback(c, it, n);
            *err = set_failed(it[i].given, why);
            sds_free(why);
            return -1;
        }
        sds_free(why);
    }
    return 0;
}

int config_set_ex(strata_config *c, int argc, sds *argv, int flags, sds *err) {
    if (argc < 2) {
        *err = sds_new("ERR wrong number of arguments for 'config|set' command");
        return -1;
    }
    if (argc % 2) {
        *err = sds_new("ERR syntax error");
        return -1;
    }
    int n = argc / 2, rc;
    setitem *it = mem_calloc(sizeof(setitem) * (size_t)n);
    for (int i = 0; i < n; i++) it[i].given = argv[2 * i];
    rc = set_check_names(c, it, n, flags, err);
    if (rc == 0) rc = set_parse_values(it, n, argv, err);
    if (rc == 0) rc = set_apply(c, it, n, err);
    for (int i = 0; i < n; i++) {
        cval_free(&it[i].newv);
        cval_free(&it[i].oldv);
    }
    mem_free(it);
    return rc;
}

int config_set(strata_config *c, int argc, sds *argv, sds *err) {
    return config_set_ex(c, argc, argv, 0, err);
}

/* ------------------------------------------------------------------------
 * CONFIG REWRITE
 * ------------------------------------------------------------------------ */

typedef struct rwline {
    sds text;
    int dir;  /* index of the directive it sets, -1 for anything else */
    int drop; /* no longer needed */
} rwline;

typedef struct rwstate {
    rwline *lines;
    int n;
    sds *tail; /* appended after the signature */
    int ntail;
    int has_signature;
} rwstate;

static void rw_push_line(rwstate *st, sds text, int dir) {
    st->lines = mem_realloc(st->lines, sizeof(rwline) * (size_t)(st->n + 1));
    st->lines[st->n++] = (rwline){text, dir, 0};
}

/* Classify one line of the old file. */
static void rw_read_line(rwstate *st, const char *raw, size_t len) {
    sds text = sds_newlen(raw, len);
    if (len && text[len - 1] == '\r') sds_setlen(text, len - 1);
    sds t = sds_trim(sds_dup(text), " \t");
    int argc = 0, dir = -1;
    sds *argv = (t[0] && t[0] != '#') ? sds_splitargs(t, &argc) : NULL;
    if (!strcmp(t, REWRITE_SIGNATURE)) st->has_signature = 1;
    if (t[0] && t[0] != '#') {
        const directive *d = argv && argc ? lookup(argv[0]) : NULL;
        if (d) dir = (int)(d - directives);
        else if (!argv || (argc && strcasecmp(argv[0], "include") && !is_ignored(argc, argv))) {
            sds c = sds_catsds(sds_new("# ??? "), t); /* unparsable: keep as a comment */
            sds_free(text);
            text = c;
        }
    }
    sds_freesplit(argv, argc);
    sds_free(t);
    rw_push_line(st, text, dir);
}

static int rw_read_file(rwstate *st, const char *path) {
    sds content;
    int rc = read_file(path, &content);
    if (rc == -ENOENT) return 0;
    if (rc < 0) return rc;
    const char *p = content, *end = content + sds_len(content);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        rw_read_line(st, p, len);
        p += len + 1;
    }
    sds_free(content);
    return 0;
}

static void rw_add_tail(rwstate *st, sds line) {
    st->tail = mem_realloc(st->tail, sizeof(sds) * (size_t)(st->ntail + 1));
    st->tail[st->ntail++] = line;
}

/* Put directive i into the state: its first old line gets the new text,
 * other old lines are dropped; with no old line, a non-default value is
 * appended at the end. */
static void rw_directive(rwstate *st, int i, const strata_config *c, const strata_config *def) {
    const directive *d = &directives[i];
    sds line = rewrite_line(d, c);
    for (int k = 0; k < st->n; k++) {
        if (st->lines[k].dir != i) continue;
        if (line) {
            sds_free(st->lines[k].text);
            st->lines[k].text = line;
            line = NULL;
        } else {
            st->lines[k].drop = 1;
        }
    }
    if (!line) return;
    sds now = render(d, c), was = render(d, def);
    if (sds_cmp(now, was) != 0) rw_add_tail(st, line);
    else sds_free(line);
    sds_free(now);
    sds_free(was);
}

static sds rw_content(const rwstate *st) {
    sds s = sds_empty();
    int last_blank = 1;
    for (int k = 0; k < st->n; k++) {
        const rwline *l = &st->lines[k];
        if (l->drop) continue;
        s = sds_catprintf(s, "%s\n", l->text);
        last_blank = l->text[0] == '\0';
    }
    if (st->ntail && !st->has_signature)
        s = sds_catprintf(s, "%s%s\n", last_blank ? "" : "\n", REWRITE_SIGNATURE);
    for (int k = 0; k < st->ntail; k++) s = sds_catprintf(s, "%s\n", st->tail[k]);
    return s;
}

static void rw_free(rwstate *st) {
    for (int k = 0; k < st->n; k++) sds_free(st->lines[k].text);
    mem_free(st->lines);
    sds_freesplit(st->tail, st->ntail);
}

/* Durable replace through the shared file layer, keeping the file's mode. */
static int replace_file(const char *path, const char *data, size_t len) {
    struct stat st;
    mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644;
    return fio_write_file_durably_mode(path, data, len, mode);
}

int config_rewrite(const strata_config *c, sds *err) {
    if (!c->file) {
        *err = sds_new("ERR The server is running without a config file");
        return -1;
    }
    char real[PATH_MAX];
    const char *path = realpath(c->file, real) ? real : c->file; /* write through symlinks */
    rwstate st;
    memset(&st, 0, sizeof(st));
    int rc = rw_read_file(&st, path);
    if (rc == 0) {
        strata_config def;
        config_init(&def);
        for (int i = 0; i < NDIRECTIVES; i++) rw_directive(&st, i, c, &def);
        config_free(&def);
        sds content = rw_content(&st);
        rc = replace_file(path, content, sds_len(content));
        sds_free(content);
    }
    rw_free(&st);
    if (rc < 0) {
        *err = sds_catprintf(sds_empty(), "ERR Rewriting config file: %s", strerror(-rc));
        return -1;
    }
    return 0;
}
