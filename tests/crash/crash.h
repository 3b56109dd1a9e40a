/*
 * tests/crash/crash.h — strata-crashtest, the kill -9 harness (prefix ct_).
 *
 * Design
 *   One process, one thread. It drives any RESP server that takes Redis-style
 *   flags (strata-server, redis-server) through cycles:
 *
 *     start server ──> N clients run the workload ──> SIGKILL (random moment
 *     or a chosen phase) ──> drain replies already sent ──> copy the data
 *     files to DIR/at-kill ──> [--tamper] ──> [phase loading: start, kill
 *     while loading] ──> restart, time until PING answers ──> read every key
 *     the workload could have written, check the invariants ──> next cycle
 *     (same dir, the data carried over).
 *
 *   Files:
 *     main.c      options, the cycle loop, progress lines, summary, replay
 *     server.c    server processes: argv, process group, start/readiness,
 *                 kill, recovery time, data-file snapshot (ct_srv_)
 *     workload.c  non-blocking clients, op generation, reply checking,
 *                 the phase controller that decides when to kill (ct_wl_)
 *     verify.c    reads the recovered keyspace, derives for each client the
 *                 set of history prefixes that explain it, checks (a)-(d)
 *                 and cross-client order (ct_verify)
 *     tamper.c    --tamper: damage the newest AOF incr file (ct_tamper)
 *     util.c      clocks, PRNG, growable buffers, deterministic values
 *
 *   The history model. Every client owns disjoint keys, so its recovered
 *   state depends only on which prefix of its own op sequence survived. A
 *   client's ops of one cycle are numbered 0,1,2,... in send order; op i is
 *   SENT (written, no reply yet), ACKED (reply as expected) or REJECTED (an
 *   error reply: the op had no effect). Keys (cycle C, client c):
 *       ct:c<c>:ctr            INCR counter, carried across cycles
 *       ct:<C>:c<c>:log        APPEND "<i>," per APPEND op i
 *       ct:<C>:c<c>:u:<i>      SET by op i (unique), maybe DEL'd by a later op
 *       ct:<C>:c<c>:x:<i>      SET ... PX ttl by op i (expiring)
 *       ct:<C>:c<c>:m:n1 / m:n2 / m:log
 *                              one MULTI/EXEC per batch op i: INCR n1, INCR n2,
 *                              APPEND m:log "<i>,", all or nothing
 *       ct:<C>:c<c>:l          RPUSH "<i>" (only when the server has lists)
 *   Op 0 of a cycle is one DEL of every key of earlier cycles the last check
 *   saw present (the "old" set), so the dataset stays bounded and deletions
 *   are tested too.
 *
 * Invariants (checked per cycle by verify.c; "L" = the length of the history
 * prefix of a client that the recovered state corresponds to):
 *   (a) policy always: some valid L is >= the number of acknowledged ops.
 *   (b) every policy: a valid L exists for every client (logs are gap-free
 *       prefixes, counters within [base, base + sent], MULTI batches all or
 *       nothing, no key or value the history cannot produce); and no client
 *       kept an op sent after another client's op was acknowledged while that
 *       acknowledged op is gone (a cut of one global order).
 *   (c) a key whose expiry time has passed is absent after the restart.
 *   (d) the server boots, on the same dir and flags, within --boot-timeout.
 *
 * Ownership: structures here are owned by whoever created them (main.c owns
 * the ct_run and its clients); functions document what they keep. Out of
 * memory aborts (this is a test tool). Plain libc allocation.
 */
#ifndef STRATA_CRASH_H
#define STRATA_CRASH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ------------------------------------------------------------ options */

enum ct_policy { CT_ALWAYS, CT_EVERYSEC, CT_NO };

enum ct_phase {
    CT_PH_RANDOM,  /* kill at a uniformly random moment of the workload */
    CT_PH_BGSAVE,  /* BGSAVE, kill while rdb_bgsave_in_progress:1 */
    CT_PH_REWRITE, /* BGREWRITEAOF, kill while aof_rewrite_in_progress:1 */
    CT_PH_FSYNC,   /* every client bursts; kill right after acks arrive */
    CT_PH_LOADING, /* random kill, then kill again during the restart */
    CT_PH_NKILL,   /* number of concrete phases */
    CT_PH_MIXED = CT_PH_NKILL /* one concrete phase per cycle, seeded */
};

enum ct_tamper { CT_TAMPER_NONE, CT_TAMPER_TRUNCATE, CT_TAMPER_HOLE, CT_TAMPER_ZERO,
                 CT_TAMPER_NOEXPIRE };

typedef struct ct_opts {
    const char *server;       /* server binary */
    char *config;             /* absolute path of --config, or NULL */
    const char **extra;       /* server flags after "--", NULL-terminated */
    int nextra;
    int policy;               /* enum ct_policy */
    int phase;                /* enum ct_phase */
    int cycles;
    int clients;
    int duration_ms;          /* workload length of one cycle */
    int pipeline;             /* ops in flight per client */
    uint64_t seed;
    int keep_dir;
    int keep_going;           /* do not stop at the first failing cycle */
    int tamper;               /* enum ct_tamper (debug: proves checks fire) */
    long tamper_bytes;        /* truncate: bytes (0 = random 1..64 KiB) */
    int time_limit_s;         /* no new cycle after this; 0 = none */
    int boot_timeout_ms;
    int value_size;           /* max padding of SET values */
    int snapshot;             /* copy data files to DIR/at-kill each cycle */
    const char *tmpdir;
    int verbose;
} ct_opts;

const char *ct_policy_name(int policy);
const char *ct_phase_name(int phase);

/* ------------------------------------------------------------- utils */

/* CLOCK_MONOTONIC in microseconds; CLOCK_REALTIME in milliseconds. */
int64_t ct_now_us(void);
int64_t ct_real_ms(void);
void ct_sleep_ms(int ms);

/* xoshiro256** seeded by splitmix64. */
typedef struct ct_rng { uint64_t s[4]; } ct_rng;
void ct_rng_seed(ct_rng *r, uint64_t seed);
uint64_t ct_rng_next(ct_rng *r);
/* Uniform in [lo, hi] (hi >= lo). */
uint64_t ct_rng_range(ct_rng *r, uint64_t lo, uint64_t hi);
/* A well-mixed 64-bit function of (a, b): seeds for cycles and clients. */
uint64_t ct_mix(uint64_t a, uint64_t b);

/* Growable byte buffer (always NUL-terminated when p != NULL). */
typedef struct ct_buf { char *p; size_t len, cap; } ct_buf;
void ct_buf_add(ct_buf *b, const void *d, size_t n);
void ct_buf_addf(ct_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append one command as a RESP multibulk. lens NULL: strlen. */
void ct_buf_cmd(ct_buf *b, int argc, const char *const *argv, const size_t *lens);
void ct_buf_free(ct_buf *b);

void *ct_xmalloc(size_t n);
void *ct_xcalloc(size_t n, size_t m);
void *ct_xrealloc(void *p, size_t n);
char *ct_xstrdup(const char *s);
char *ct_xmemdup(const void *p, size_t n); /* NUL-terminated copy */
/* malloc'd printf. */
char *ct_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The value op `op` of client `client` writes in a cycle whose seed is
 * `cseed`: "v<op>." + up to max_pad deterministic letters. Writes at most
 * cap-1 bytes plus a NUL into buf; returns the length. cap >= max_pad+32. */
size_t ct_value(char *buf, size_t cap, uint64_t cseed, int client, uint32_t op, int max_pad);

/* ---------------------------------------------------------- history */

enum ct_kind {
    CT_OP_CLEAN,  /* DEL of the old set */
    CT_OP_INCR,
    CT_OP_APPEND,
    CT_OP_SETU,
    CT_OP_DELU,   /* DEL of the key of an earlier SETU op (arg) */
    CT_OP_SETX,   /* SET ... PX arg */
    CT_OP_MULTI,
    CT_OP_PUSH,
    CT_OP_NKINDS
};

enum ct_opstate { CT_SENT, CT_ACKED, CT_REJECTED };

#define CT_NONE UINT32_MAX

typedef struct ct_op {
    uint8_t kind;      /* enum ct_kind */
    uint8_t state;     /* enum ct_opstate */
    uint8_t late;      /* reply read after the kill (drained) */
    uint32_t arg;      /* DELU: target op; SETU: deleting op or CT_NONE; SETX: ttl ms */
    int64_t send_us;   /* when its bytes were queued for writing (<= true send) */
    int64_t ack_us;    /* when its reply was parsed (>= true reply); 0 if none */
} ct_op;

/* A key of an earlier cycle seen present at the last check. */
typedef struct ct_oldkey {
    char *key;
    char *val;          /* string value, or list elements joined by ',' */
    size_t vlen;
    int is_list;
    int64_t deadline_ms; /* realtime expiry upper bound; 0 = no expiry */
} ct_oldkey;

typedef struct ct_client {
    int id;
    ct_op *ops;
    uint32_t nops, cap;
    long long base_ctr;        /* counter value when the cycle began */
    ct_oldkey *old;            /* sorted by key */
    size_t nold;
} ct_client;

/* Append an op (state SENT, times 0). Returns its index. */
uint32_t ct_client_push(ct_client *c, int kind, uint32_t arg);
void ct_client_reset_ops(ct_client *c);
void ct_oldkeys_free(ct_oldkey *v, size_t n);
/* Binary search in c->old; NULL if absent. */
const ct_oldkey *ct_client_find_old(const ct_client *c, const char *key);

/* Key names (written into buf, returned). */
#define CT_KEY_MAX 96
const char *ct_key_ctr(char *buf, int client);
const char *ct_key_log(char *buf, int cycle, int client);
const char *ct_key_u(char *buf, int cycle, int client, uint32_t op);
const char *ct_key_x(char *buf, int cycle, int client, uint32_t op);
/* which: "n1", "n2", "log" */
const char *ct_key_m(char *buf, int cycle, int client, const char *which);
const char *ct_key_l(char *buf, int cycle, int client);
#define CT_PROBE_KEY "ct:probe"

/* --------------------------------------------------------- a cycle run */

/* Violations and notes collected during a cycle. */
typedef struct ct_report {
    int violations;
    int printed;
    int limit;                /* lines kept in text (0: 10) */
    ct_buf text;              /* lines "  VIOLATION ..." */
} ct_report;
void ct_violation(ct_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------- server */

typedef struct ct_srv {
    const ct_opts *o;
    char *dir;                /* scratch dir (owned) */
    char *logpath, *stdiopath;
    int port;
    pid_t pid;                /* also the process group id; 0 = not running */
    int64_t started_us;
    char *aofdir;             /* appenddirname (CONFIG GET), owned */
    char *aofname;            /* appendfilename */
} ct_srv;

/* Create the scratch dir. 0 or -errno. */
int ct_srv_init(ct_srv *s, const ct_opts *o);
/* Start the server and wait until PING answers +PONG. Returns 0 and sets
 * *boot_us (spawn to first +PONG) and *saw_loading (a -LOADING reply was
 * seen); -ECHILD when it exited, -ETIMEDOUT, or -errno. */
int ct_srv_start(ct_srv *s, int64_t *boot_us, int *saw_loading);
/* Spawn only (no wait). 0 or -errno. */
int ct_srv_spawn(ct_srv *s);
/* One readiness probe: 1 = +PONG, 2 = -LOADING, 0 = not yet, -ECHILD died. */
int ct_srv_probe(ct_srv *s);
/* SIGKILL the whole process group and reap it. */
void ct_srv_kill(ct_srv *s);
/* SIGTERM, then SIGKILL after timeout. */
void ct_srv_stop(ct_srv *s);
/* 1 if running (reaps it if it died; *status then holds the wait status). */
int ct_srv_alive(ct_srv *s, int *status);
/* Print the last lines of the server's logs to stdout, prefixed. */
void ct_srv_log_tail(const ct_srv *s, int lines);
/* Copy the data files (everything but logs and at-kill) to DIR/at-kill. */
int ct_srv_snapshot(const ct_srv *s);
/* Remove the scratch dir (unless keep) and free. */
void ct_srv_destroy(ct_srv *s, int keep);
/* Read appenddirname/appendfilename with CONFIG GET (defaults if absent). */
void ct_srv_read_config(ct_srv *s);
/* Blocking hiredis-free helper: connect to the server, -errno on failure. */
int ct_srv_connect(const ct_srv *s);

/* ----------------------------------------------------------- workload */

typedef struct ct_cycle {
    int n;                    /* 1-based cycle number */
    uint64_t seed;            /* per-cycle seed */
    int phase;                /* concrete phase of this cycle */
    int lists;                /* server supports RPUSH/LRANGE */
    int64_t start_us, kill_us;
    int64_t rt0_ms, mono0_us; /* realtime at start_us: rt(mono) mapping */
    int phase_hit;            /* the phase condition was observed */
    int phase_unavailable;    /* server refused the phase command */
    char phase_note[128];
    long long sent, acked, rejected, late;
    char first_error[160];    /* first error reply of the cycle */
    ct_report rep;
} ct_cycle;

/* Run the workload of one cycle against the running server and kill it.
 * Clients' ops are filled in; replies still in socket buffers after the kill
 * are read (marked late). Bad replies go to cy->rep. Returns 0, or -errno when
 * the clients could not connect. */
int ct_wl_run(ct_srv *s, const ct_opts *o, ct_client *cl, ct_cycle *cy);
/* Does the server implement RPUSH/LRANGE? (writes and deletes ct:probe) */
int ct_wl_probe_lists(const ct_srv *s);

/* realtime ms of a monotonic µs timestamp of the cycle. */
int64_t ct_cycle_rt(const ct_cycle *cy, int64_t us);

/* ------------------------------------------------------------- verify */

typedef struct ct_verdict {
    long long lost;           /* acknowledged ops not in the recovered state */
    long long inflight;       /* sent, unacknowledged at the kill */
    long long inflight_kept;  /* of those, present after the restart */
    double window_ms;         /* kill time minus ack time of the oldest lost ack */
    long long keys_checked;
} ct_verdict;

/* Check the recovered state of every client after the restart. Fills *v,
 * adds violations to cy->rep, and replaces each client's old set and
 * base_ctr for the next cycle. 0, or -errno when the server could not be
 * read (a violation is recorded too). */
int ct_verify(const ct_srv *s, const ct_opts *o, ct_client *cl, ct_cycle *cy, ct_verdict *v);

/* ------------------------------------------------------------- tamper */

/* Where the newest AOF incr file ended when a cycle began: tampering stays
 * within the bytes the cycle wrote, so only its own history is damaged. */
typedef struct ct_tamper_mark {
    char *path;               /* newest incr file then (malloc'd), or NULL */
    long long size;
} ct_tamper_mark;
/* Record the mark (frees the previous path). */
void ct_tamper_mark_set(const ct_srv *s, ct_tamper_mark *m);
void ct_tamper_mark_free(ct_tamper_mark *m);

/* Damage the newest AOF incr file in s->dir as o->tamper says, within the
 * bytes written since mark (all of it if the file is not the marked one).
 * Writes a one-line description to note (cap bytes). Returns 1 if something
 * was changed, 0 if there was nothing to tamper with, -errno on I/O error. */
int ct_tamper(const ct_srv *s, const ct_opts *o, const ct_tamper_mark *mark, ct_rng *rng,
              char *note, size_t cap);

#endif
