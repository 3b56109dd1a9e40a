/*
 * engine/cmd.h — the command table and dispatch.
 *
 * The table is data: each module exports a NULL-terminated array of
 * kv_command rows (one row per command: name, handler, arity, flags, key
 * positions, doc fields) and cmd_register_table() adds them.  Containers
 * with subcommands (CONFIG, CLIENT, OBJECT, ...) have a `subcommands` table;
 * dispatch resolves "config|get" before the arity check, as Redis 7 does.
 *
 * cmd_process(c) runs one complete command held in c->argc/argv: lookup,
 * arity, AUTH, OOM/MISCONF checks, MULTI queueing, then cmd_call().
 * cmd_call() runs the handler and propagates the write (see below).
 *
 * Propagation (DESIGN.md "Write path"): every write reaches subscribers in a
 * canonical, replayable form through one point.  By default a command that
 * changed the dataset (srv->dirty grew) propagates its argv as is.  A
 * handler that must propagate something else either rewrites its argv
 * (cmd_rewrite_argv) or calls cmd_also_propagate() and sets
 * CLIENT_PREVENT_PROP.  Everything a top-level command propagates is
 * emitted after it returns; more than one op is wrapped in MULTI/EXEC.
 */
#ifndef STRATA_CMD_H
#define STRATA_CMD_H

#include "kv.h"

/* Command flags (Redis 7 names in COMMAND INFO) */
#define CMD_WRITE (1u << 0)
#define CMD_READONLY (1u << 1)
#define CMD_DENYOOM (1u << 2)
#define CMD_ADMIN (1u << 3)
#define CMD_PUBSUB (1u << 4)
#define CMD_NOSCRIPT (1u << 5)
#define CMD_BLOCKING (1u << 6)
#define CMD_LOADING (1u << 7)   /* allowed while loading */
#define CMD_STALE (1u << 8)
#define CMD_SKIP_MONITOR (1u << 9)
#define CMD_SKIP_SLOWLOG (1u << 10)
#define CMD_FAST (1u << 11)
#define CMD_NO_AUTH (1u << 12)
#define CMD_MAY_REPLICATE (1u << 13)
#define CMD_NO_MULTI (1u << 14)
#define CMD_ALLOW_BUSY (1u << 15)
#define CMD_SENTINEL (1u << 16)
#define CMD_MOVABLE_KEYS (1u << 17)

typedef void kv_cmd_fn(kv_client *c);

typedef struct kv_command {
    const char *name;     /* lowercase; for subcommands just the sub name */
    kv_cmd_fn *proc;
    int arity;            /* >0 exact argc, <0 at least -arity */
    uint32_t flags;
    int first_key, last_key, key_step; /* last_key -1 = last arg, -2 = one before */
    const char *group;    /* "string", "generic", "server", "connection", "transactions", ... */
    const char *since;
    const char *summary;
    const char *complexity;
    const char *args;     /* argument synopsis for COMMAND DOCS / redis-cli hints,
                           * e.g. "key value [NX|XX] [GET] [EX seconds|PX milliseconds|KEEPTTL]" */
    const struct kv_command *subcommands; /* NULL-name-terminated, or NULL */
} kv_command;

/* Runtime statistics per command (INFO commandstats). */
typedef struct kv_cmd_stats {
    long long calls, usec, rejected, failed;
} kv_cmd_stats;

void cmd_register_table(kv_server *srv, const kv_command *table);
void cmd_register_all(kv_server *srv); /* every built-in module's table */
const kv_command *cmd_lookup(kv_server *srv, int argc, sds *argv);
const kv_command *cmd_lookup_name(kv_server *srv, const char *name);
kv_cmd_stats *cmd_stats(const kv_command *cmd);
void cmd_reset_stats(kv_server *srv);
/* "get", or "config|get" for subcommands, in buf. */
const char *cmd_fullname(const kv_command *cmd, char *buf, size_t size);
int cmd_is_write(const kv_command *cmd);

/* Run the command in c->argc/argv (argv freed afterwards by the caller,
 * via client_reset_argv).  Returns 0, or -1 when the client must be closed. */
int cmd_process(kv_client *c);
void cmd_call(kv_client *c, const kv_command *cmd);
/* Replay one command from a persisted stream (AOF loader, tests): lookup and
 * arity only, no AUTH/OOM/MULTI-queue checks; MULTI/EXEC in the stream work.
 * Returns 0, or -1 when the command is unknown or has a wrong arity (the
 * error is in c->out as for a client). */
int cmd_replay(kv_client *c);

/* Propagation */
void cmd_prop_subscribe(kv_server *srv, kv_prop_fn *fn, void *priv);
/* Queue an op to propagate when the current top-level command returns. */
void cmd_also_propagate(kv_server *srv, int dbid, int argc, sds *argv); /* argv copied */
/* Replace what this command propagates (and what MONITOR/slowlog see stays
 * the original).  argv is taken; the old argv is freed.  */
void cmd_rewrite_argv(kv_client *c, int argc, sds *argv);
/* Propagate the queued ops now (used outside commands: active expiry). */
void cmd_flush_propagation(kv_server *srv);

/* The built-in tables (one per module). */
extern const kv_command cmd_table_generic[];     /* keys.c */
extern const kv_command cmd_table_expire[];      /* expire.c */
extern const kv_command cmd_table_string[];      /* t_string.c */
extern const kv_command cmd_table_multi[];       /* multi.c */
extern const kv_command cmd_table_server[];      /* server_cmds.c */
extern const kv_command cmd_table_connection[];  /* conn_cmds.c */
extern const kv_command cmd_table_list[];        /* t_list.c */
extern const kv_command cmd_table_hash[];        /* t_hash.c */
extern const kv_command cmd_table_set[];         /* t_set.c */
extern const kv_command cmd_table_zset[];        /* t_zset.c */
extern const kv_command cmd_table_rdb[];         /* rdb/rdb_cmds.c */

#endif
