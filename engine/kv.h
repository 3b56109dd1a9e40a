/*
 * engine/kv.h — the engine's core types: the server context, a database,
 * a client.  Functions over them live in db.h, reply.h, cmd.h, client.h.
 *
 * There is no global server: every command handler reaches the context
 * through its client (c->srv, c->db).  The engine does not know sockets:
 * net/ creates clients, feeds them argv, and writes out c->out; everything
 * the engine needs from the network layer goes through kv_net_hooks.
 */
#ifndef STRATA_KV_H
#define STRATA_KV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "dict.h"
#include "object.h"
#include "sds.h"

struct kv_command;
struct kv_client;
struct kv_server;

typedef struct kv_db {
    dict *keys;     /* sds -> kv_obj* (the dict owns both) */
    dict *expires;  /* sds (the same pointer as in keys, not owned) -> s64 unix ms */
    dict *watched;  /* sds (owned) -> kv_watchers* : clients WATCHing the key */
    dict *blocking; /* sds (owned) -> clients blocked on the key (lists, zsets) */
    int id;
    long long avg_ttl;
    unsigned long expires_cursor; /* active expire scan position */
} kv_db;

/* Client flags */
#define CLIENT_MULTI (1ULL << 0)          /* inside MULTI */
#define CLIENT_DIRTY_CAS (1ULL << 1)      /* a WATCHed key was touched */
#define CLIENT_DIRTY_EXEC (1ULL << 2)     /* EXEC will fail: a queued command was refused */
#define CLIENT_CLOSE_AFTER_REPLY (1ULL << 3)
#define CLIENT_CLOSE_ASAP (1ULL << 4)
#define CLIENT_MONITOR (1ULL << 5)
#define CLIENT_PENDING_WRITE (1ULL << 6)  /* on srv->pending_writes */
#define CLIENT_FAKE (1ULL << 7)           /* no connection (AOF loader, tests) */
#define CLIENT_BLOCKED (1ULL << 8)
#define CLIENT_NO_EVICT (1ULL << 9)
#define CLIENT_PREVENT_PROP (1ULL << 10)  /* the running command propagates by itself */
#define CLIENT_EXECUTING (1ULL << 11)
#define CLIENT_UNIX_SOCKET (1ULL << 12)
#define CLIENT_NO_TOUCH (1ULL << 13)
#define CLIENT_DENY_BLOCKING (1ULL << 14) /* inside MULTI/EXEC or the AOF loader */
#define CLIENT_REPLY_OFF (1ULL << 15)
#define CLIENT_REPLY_SKIP_NEXT (1ULL << 16)
#define CLIENT_REPLY_SKIP (1ULL << 17)

typedef struct kv_queued_cmd {
    const struct kv_command *cmd;
    int argc;
    sds *argv;
} kv_queued_cmd;

typedef struct kv_client {
    uint64_t id;
    struct kv_server *srv;
    kv_db *db;
    int resp;        /* 2 or 3 */
    uint64_t flags;
    int authenticated;

    int argc;
    sds *argv;       /* owned; handlers may steal an element by setting it NULL */
    const struct kv_command *cmd, *lastcmd;

    sds out;         /* pending reply bytes */
    size_t out_sent; /* bytes of out already written to the socket */
    size_t out_peak;

    sds name;
    int64_t ctime_ms, last_ms;  /* created, last command */

    /* MULTI/EXEC */
    kv_queued_cmd *mqueue;
    int mcount, mcap;
    dict *watching;  /* sds "dbid:key" — see multi.c; NULL when none */

    /* Blocking (lists, zsets): filled by the blocking module. */
    void *bstate;

    /* Set by net/: */
    int fd;
    char addr[64], laddr[64];
    void *conn;
    size_t qbuf, qbuf_free;
    int64_t tot_net_in, tot_net_out;
    size_t argv_mem;

    struct kv_client *prev, *next;   /* srv->clients */
    struct kv_client *pend_next;     /* srv->pending_writes */
} kv_client;

typedef struct kv_stats {
    long long numcommands, numconnections, rejected_conn;
    long long expiredkeys, expired_stale_perc, evictedkeys;
    long long keyspace_hits, keyspace_misses;
    long long net_input_bytes, net_output_bytes;
    long long total_error_replies, unexpected_error_replies;
    long long expire_cycle_time_used_us;
    long long total_reads_processed, total_writes_processed;
    long long client_qbuf_limit_disconnections;
    long long io_threaded_reads_processed;
    /* instantaneous ops/sec: a ring of samples taken by the cron */
    long long inst_last_ms, inst_last_cmds, inst_last_in, inst_last_out;
    long long inst_ops[16], inst_in[16], inst_out[16];
    int inst_idx;
    size_t peak_memory;
    long long start_ms;
} kv_stats;

/* A subscriber to the propagation point (AOF, replication, tests). argv is
 * borrowed for the call.  dbid is the db the command applies to. */
typedef void kv_prop_fn(void *priv, int dbid, int argc, sds *argv);

typedef struct kv_prop_op {
    int dbid, argc;
    sds *argv; /* owned */
} kv_prop_op;

/* What the engine needs from net/ (all optional; NULL when absent). */
typedef struct kv_net_hooks {
    void (*close_client)(void *netpriv, kv_client *c);  /* close asap (CLIENT KILL) */
    void (*info_clients)(void *netpriv, sds *info);     /* extra INFO lines */
    /* A blocked client was unblocked (engine/blocking.c): resume reading its
     * buffered commands (net/ does that before the loop sleeps). */
    void (*client_unblocked)(void *netpriv, kv_client *c);
    void *netpriv;
} kv_net_hooks;

typedef struct kv_slowlog_entry {
    long long id, time_s, duration_us;
    int argc;
    sds *argv;
    sds peer, name;
} kv_slowlog_entry;

typedef struct kv_server {
    strata_config *cfg;
    kv_db *dbs;
    int dbnum;

    kv_client *clients;        /* all clients, newest first */
    long long nclients;
    kv_client *pending_writes; /* clients with output to flush */
    kv_client *monitors[64];
    int nmonitors;
    uint64_t next_client_id;
    kv_client *current;        /* client whose command is executing */

    dict *commands;            /* lowercase name -> const kv_command* */

    long long dirty;           /* changes since the last successful save */
    int64_t cmd_time_ms;       /* time snapshot for the command being run */
    int in_exec, in_nested_call;
    int loading;

    /* propagation */
    kv_prop_fn *prop_fn[4];
    void *prop_priv[4];
    int nprop;
    kv_prop_op *also;          /* ops queued by the running command */
    int nalso, calso;

    kv_stats stat;
    kv_net_hooks net;

    /* Blocking (engine/blocking.c): per-key wait queues signalled ready and
     * not yet served, in signalling order; blocked clients by BLOCKED_* type. */
    struct blk_queue *blk_ready_head, *blk_ready_tail;
    long long blocked_by_type[4];

    /* slowlog, latency */
    kv_slowlog_entry *slowlog;  /* ring */
    long long slowlog_len, slowlog_next_id;

    int shutdown_asap;
    int shutdown_flags;
    pid_t pid;
    char runid[41];
    int active_expire_enabled;
    int hz;
    uint64_t cron_loops;
    const char *executable, *config_file;
} kv_server;

#endif
