/*
 * engine/config.h — strata's configuration: the redis.conf grammar, the
 * command-line overrides, CONFIG GET / SET / REWRITE.
 *
 * A strata_config is a plain struct with one typed field per directive, named
 * after the directive ('-' becomes '_'): cfg->port, cfg->maxmemory_policy,
 * cfg->appendfsync ...  Readers use the fields directly; writers go through
 * config_load_*() and config_set() so every value is validated.
 *
 *   numbers          long long (memory values in bytes)
 *   yes/no           int 0/1
 *   enums            int, CONFIG_<DIRECTIVE>_<NAME> constants below
 *   strings          char *, owned by the config, never NULL ("" = unset)
 *   bind             bind[bind_count], owned (an address may start with '-':
 *                    optional, as Redis: "-::1" = IPv6 loopback if available)
 *   save             save[save_count] rules; save_count 0 = RDB snapshots off
 *   replicaof        replicaof_host (NULL = this is a master) + replicaof_port
 *
 * Ownership: the config owns every string and array in it; config_free()
 * releases them.  A pointer read from a field stays valid until the next
 * config_load_*() / config_set() / config_free() that touches that field.
 * Error messages are returned as an sds in *err, which the caller frees.
 * Functions return 0 on success and -1 on error (*err set).
 */
#ifndef STRATA_CONFIG_H
#define STRATA_CONFIG_H

#include "sds.h"

/* loglevel (values match LOG_* in engine/log.h; "nothing" silences the log) */
enum {
    CONFIG_LOGLEVEL_DEBUG = 0,
    CONFIG_LOGLEVEL_VERBOSE = 1,
    CONFIG_LOGLEVEL_NOTICE = 2,
    CONFIG_LOGLEVEL_WARNING = 3,
    CONFIG_LOGLEVEL_NOTHING = 4
};

/* maxmemory-policy */
enum {
    CONFIG_MAXMEMORY_VOLATILE_LRU,
    CONFIG_MAXMEMORY_VOLATILE_LFU,
    CONFIG_MAXMEMORY_VOLATILE_RANDOM,
    CONFIG_MAXMEMORY_VOLATILE_TTL,
    CONFIG_MAXMEMORY_ALLKEYS_LRU,
    CONFIG_MAXMEMORY_ALLKEYS_LFU,
    CONFIG_MAXMEMORY_ALLKEYS_RANDOM,
    CONFIG_MAXMEMORY_NOEVICTION
};

/* appendfsync */
enum { CONFIG_APPENDFSYNC_NO, CONFIG_APPENDFSYNC_EVERYSEC, CONFIG_APPENDFSYNC_ALWAYS };

/* rdbcompression: yes = LZF (Redis's), lz4 = strata's faster variant */
enum { CONFIG_RDBCOMPRESSION_NO, CONFIG_RDBCOMPRESSION_YES, CONFIG_RDBCOMPRESSION_LZ4 };

/* supervised */
enum { CONFIG_SUPERVISED_NO, CONFIG_SUPERVISED_UPSTART, CONFIG_SUPERVISED_SYSTEMD,
       CONFIG_SUPERVISED_AUTO };

/* sanitize-dump-payload */
enum { CONFIG_SANITIZE_NO, CONFIG_SANITIZE_YES, CONFIG_SANITIZE_CLIENTS };

/* repl-diskless-load */
enum { CONFIG_DISKLESS_LOAD_DISABLED, CONFIG_DISKLESS_LOAD_ON_EMPTY_DB,
       CONFIG_DISKLESS_LOAD_SWAPDB };

/* enable-protected-configs: may CONFIG SET change dir / dbfilename? */
enum { CONFIG_PROTECTED_NO, CONFIG_PROTECTED_YES, CONFIG_PROTECTED_LOCAL };

/* notify-keyspace-events bits (Redis's values and letters) */
#define CONFIG_NOTIFY_KEYSPACE (1 << 0) /* K */
#define CONFIG_NOTIFY_KEYEVENT (1 << 1) /* E */
#define CONFIG_NOTIFY_GENERIC (1 << 2)  /* g */
#define CONFIG_NOTIFY_STRING (1 << 3)   /* $ */
#define CONFIG_NOTIFY_LIST (1 << 4)     /* l */
#define CONFIG_NOTIFY_SET (1 << 5)      /* s */
#define CONFIG_NOTIFY_HASH (1 << 6)     /* h */
#define CONFIG_NOTIFY_ZSET (1 << 7)     /* z */
#define CONFIG_NOTIFY_EXPIRED (1 << 8)  /* x */
#define CONFIG_NOTIFY_EVICTED (1 << 9)  /* e */
#define CONFIG_NOTIFY_STREAM (1 << 10)  /* t */
#define CONFIG_NOTIFY_KEY_MISS (1 << 11) /* m (not part of A) */
#define CONFIG_NOTIFY_MODULE (1 << 12)  /* d */
#define CONFIG_NOTIFY_NEW (1 << 13)     /* n (not part of A) */
#define CONFIG_NOTIFY_ALL                                                                    \
    (CONFIG_NOTIFY_GENERIC | CONFIG_NOTIFY_STRING | CONFIG_NOTIFY_LIST | CONFIG_NOTIFY_SET | \
     CONFIG_NOTIFY_HASH | CONFIG_NOTIFY_ZSET | CONFIG_NOTIFY_EXPIRED | CONFIG_NOTIFY_EVICTED | \
     CONFIG_NOTIFY_STREAM | CONFIG_NOTIFY_MODULE) /* A */

#define CONFIG_BIND_MAX 16

typedef struct config_save_rule {
    long long seconds; /* >= 1 */
    long long changes; /* >= 0 */
} config_save_rule;

struct config_hook; /* private */

typedef struct strata_config {
    /* network */
    char **bind;
    int bind_count;
    long long port;
    char *unixsocket;
    long long unixsocketperm; /* octal in the file: 700 = 0700 */
    long long tcp_backlog;
    long long timeout;
    long long tcp_keepalive;
    int protected_mode;
    char *requirepass;
    long long maxclients;
    long long client_query_buffer_limit;
    long long proto_max_bulk_len;
    int enable_protected_configs;

    /* general */
    int daemonize;
    int supervised;
    char *pidfile;
    int loglevel;
    char *logfile;
    long long databases;
    int always_show_logo;
    int set_proc_title;
    int crash_log_enabled;
    long long hz; /* 1..500: CONFIG SET hz 1000 stores 500, as Redis */
    int dynamic_hz;
    long long io_threads; /* stored; strata serves from one thread */
    int io_threads_do_reads;
    long long shutdown_timeout;
    long long busy_reply_threshold;

    /* snapshotting */
    config_save_rule *save;
    int save_count;
    int stop_writes_on_bgsave_error;
    int rdbcompression;
    int rdbchecksum;
    int sanitize_dump_payload;
    char *dbfilename;
    int rdb_del_sync_files;
    int rdb_save_incremental_fsync;
    char *dir;

    /* replication */
    char *replicaof_host; /* NULL: not a replica */
    long long replicaof_port;
    char *masterauth;
    char *masteruser;
    int replica_serve_stale_data;
    int replica_read_only;
    int repl_diskless_sync;
    long long repl_diskless_sync_delay;
    int repl_diskless_load;
    long long repl_ping_replica_period;
    long long repl_timeout;
    long long repl_backlog_size;
    long long repl_backlog_ttl;
    long long replica_priority;
    long long min_replicas_to_write;
    long long min_replicas_max_lag;

    /* memory management */
    long long maxmemory;
    int maxmemory_policy;
    long long maxmemory_samples;
    long long maxmemory_eviction_tenacity;
    long long lfu_log_factor;
    long long lfu_decay_time;
    long long active_expire_effort;
    int activerehashing;
    int lazyfree_lazy_eviction;
    int lazyfree_lazy_expire;
    int lazyfree_lazy_server_del;
    int lazyfree_lazy_user_del;
    int lazyfree_lazy_user_flush;
    int replica_lazy_flush;

    /* append only file */
    int appendonly;
    char *appendfilename;
    char *appenddirname;
    int appendfsync;
    int no_appendfsync_on_rewrite;
    long long auto_aof_rewrite_percentage;
    long long auto_aof_rewrite_min_size;
    int aof_load_truncated;
    int aof_use_rdb_preamble;
    int aof_timestamp_enabled;
    int aof_rewrite_incremental_fsync;
    int aof_disable_auto_gc;

    /* latency, slow log, events */
    long long slowlog_log_slower_than;
    long long slowlog_max_len;
    long long latency_monitor_threshold;
    int notify_keyspace_events; /* CONFIG_NOTIFY_* bits */

    /* compact encodings */
    long long hash_max_listpack_entries;
    long long hash_max_listpack_value;
    long long list_max_listpack_size;
    long long list_compress_depth;
    long long set_max_intset_entries;
    long long set_max_listpack_entries;
    long long set_max_listpack_value;
    long long zset_max_listpack_entries;
    long long zset_max_listpack_value;
    long long hll_sparse_max_bytes;
    long long stream_node_max_bytes;
    long long stream_node_max_entries;

    /* private to engine/config.c */
    char *file;                 /* absolute path of the loaded file, or NULL */
    struct config_hook *hooks;  /* one slot per directive, lazily allocated */
} strata_config;

/* Fill c with the defaults (Redis 7.0's, except strata's durable ones:
 * appendonly yes, save 3600 1 300 100 60 10000, bind 127.0.0.1 -::1).  c may
 * be uninitialised.  config_free() releases what c owns and leaves it zeroed
 * (config_free on a zeroed struct is a no-op). */
void config_init(strata_config *c);
void config_free(strata_config *c);

/* Load a redis.conf-style file on top of the current values and remember its
 * absolute path for CONFIG REWRITE.  The grammar: one directive a line, '#'
 * comments, arguments split like redis-cli (double quotes with \n \xHH
 * escapes, single quotes), directive names case-insensitive, a later line
 * overrides an earlier one; `save` lines accumulate (the first one of a
 * load replaces the previous rules, `save ""` clears them); `include PATH`
 * (relative to the working directory, wildcards allowed, nested at most 16
 * deep).  On error returns -1 with *err a multi-line "*** FATAL CONFIG FILE
 * ERROR ***" message naming the file, line, text, directive and reason; the
 * lines before the bad one have been applied. */
int config_load_file(strata_config *c, const char *path, sds *err);
/* Same grammar from memory; origin names the text in error messages. */
int config_load_string(strata_config *c, const char *text, const char *origin, sds *err);
/* Command-line options as Redis takes them: "--port 7000 --save '' --dir d".
 * argv holds only the options (not the program name or config file); an
 * option takes every following argument up to the next --name; the first
 * argument after a bare option name is always its value; a trailing or
 * valueless `--save` means save "".  Applied in order on top of the current
 * values, so call it after config_load_file(): the command line wins (its
 * first --save replaces the file's rules). */
int config_load_args(strata_config *c, int argc, char **argv, sds *err);

/* CONFIG GET: emit(priv, name, value) for every directive whose name or
 * alias matches a pattern (glob, case-insensitive; a pattern without glob
 * characters is an exact lookup and is echoed back as the name, as Redis
 * does).  Values are rendered as Redis renders them.  emit owns value (must
 * sds_free it); name is borrowed for the call.  Each name is emitted at most
 * once, in the table's order. */
typedef void config_emit_fn(void *priv, const char *name, sds value);
void config_get(const strata_config *c, const char *pattern, config_emit_fn *emit, void *priv);
void config_get_many(const strata_config *c, int npatterns, char *const *patterns,
                     config_emit_fn *emit, void *priv);
/* The rendered value of one directive (name or alias), or NULL if unknown.
 * Caller frees. */
sds config_get_value(const strata_config *c, const char *name);

/* CONFIG SET name value [name value ...] (argv are the pairs, argv borrowed).
 * Redis 7 semantics: every name and value is checked first (unknown,
 * immutable, protected, duplicate, bad value) and on any error nothing
 * changes; then all values are stored and the hooks of those that changed
 * run; if a hook fails, every value is restored (and the hooks that already
 * ran are called again) and its error is returned.  *err is Redis's error
 * text including the "ERR " prefix, ready to send after '-'.
 * config_set_ex: flags CONFIG_SET_LOCAL_CLIENT when the client connected
 * over loopback or the unix socket (for enable-protected-configs local). */
#define CONFIG_SET_LOCAL_CLIENT 1
int config_set(strata_config *c, int argc, sds *argv, sds *err);
int config_set_ex(strata_config *c, int argc, sds *argv, int flags, sds *err);

/* Apply hook for one directive (name or alias), run by config_set() after
 * the new value is stored in c.  Return 0, or -1 and set *err to a new sds
 * (the reason; config_set takes it) to refuse the change, which rolls the
 * whole CONFIG SET back.  fn NULL removes the hook; ctx is borrowed; an
 * unknown name is ignored.  Hooks run only for values that changed. */
typedef int config_hook_fn(void *ctx, const char *name, sds *err);
void config_set_hook(strata_config *c, const char *name, config_hook_fn *fn, void *ctx);

/* CONFIG REWRITE: rewrite the loaded file in place.  Comments, blank lines,
 * include lines and the order are kept; a directive's first line gets its
 * current value (also when that is the default; all save rules on one
 * line), its other lines are removed, and so is replicaof's when this is a
 * master; non-default directives that had no line are appended after a
 * "# Generated by CONFIG REWRITE" line.  Atomic: temp file in the same
 * directory, fsync, rename, fsync of the directory.  *err ("ERR ...") when
 * no file was loaded or the write fails (the old file is then untouched). */
int config_rewrite(const strata_config *c, sds *err);

/* The absolute path given to config_load_file(), or NULL.  Borrowed. */
const char *config_file_path(const strata_config *c);
/* "allkeys-lru" for ("maxmemory-policy", CONFIG_MAXMEMORY_ALLKEYS_LRU);
 * NULL when the directive is not an enum or the value is unknown. Static. */
const char *config_enum_name(const char *directive, int value);
/* 1 when the directive's value must not be logged (requirepass,
 * masterauth, masteruser), 0 otherwise (unknown names too). */
int config_is_sensitive(const char *name);
/* notify-keyspace-events flags rendered as Redis does ("AKE"); caller frees. */
sds config_notify_flags_to_string(int flags);

#endif
