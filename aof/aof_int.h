/*
 * aof/aof_int.h — what the files of aof/ share and nobody else sees: the
 * writer's state (struct aof), the async fsync engine, the rewrite's base
 * writer.
 *
 * Files:
 *   aof_format.c   manifest, command reader (layer 1)
 *   aof_load.c     replaying files into a server (layer 2)
 *   aof_fsync.c    the syncer: one fdatasync in flight, libaio or a thread
 *   aof_write.c    the writer: feed, buffer, write, fsync policy, errors,
 *                  boot (aof_start), the reply gate offsets
 *   aof_rewrite.c  the base writer, BGREWRITEAOF, enable/disable at runtime
 *   aof_cmds.c     BGREWRITEAOF/WAITAOF commands, INFO, CONFIG SET hooks
 */
#ifndef STRATA_AOF_INT_H
#define STRATA_AOF_INT_H

#include <libaio.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "aof/aof.h"

enum aof_state { AOF_OFF = 0, AOF_ON = 1, AOF_WAIT_REWRITE = 2 };

/* ---- the syncer (aof_fsync.c) ------------------------------------------------
 *
 * Up to AOF_SYNC_SLOTS fdatasyncs are in flight (AIO; THREAD: one).  A
 * completion makes the eventfd readable; aof_syncer_reap() then collects
 * one result without blocking, with the request it belongs to.
 *   AIO     io_prep_fdsync + io_submit on a private io_context, each iocb
 *           tied to the eventfd (io_set_eventfd);
 *   THREAD  one background thread takes the job from a slot under a mutex,
 *           runs fio_fdatasync(fd), posts the result, writes the eventfd.
 * If io_submit refuses the fdsync (EINVAL, EOPNOTSUPP, ENOSYS: some file
 * systems and kernels cannot do it) the syncer switches to THREAD for good
 * and logs it once.
 *
 * Concurrent fdatasyncs must use different open file descriptions of the
 * file (the writer opens one per slot): Linux reports a writeback error
 * once per file description, so two fsyncs sharing one could see a lost
 * page reported to only one of them (invariant (4) of aof_write.c). */
enum { AOF_SYNC_AIO = 1, AOF_SYNC_THREAD = 2 };
#define AOF_SYNC_SLOTS 4

/* What a request covers (the caller's bookkeeping, handed back). */
typedef struct aof_sync_req {
    uint64_t off;       /* log offset written when it was submitted */
    long long cmds;     /* commands written by then */
    long long start_us;
    int repair;         /* the resync after a failed fsync */
} aof_sync_req;

typedef struct aof_sync_slot {
    int busy;
    struct iocb cb;
    aof_sync_req req;
} aof_sync_slot;

typedef struct aof_syncer {
    int mode;
    int efd;            /* eventfd, nonblocking; -1 before init */
    int inflight;       /* busy slots */
    aof_sync_slot slot[AOF_SYNC_SLOTS];
    io_context_t ctx;   /* AIO */
    int ctx_ok;
    pthread_t th;       /* THREAD: slot 0 only */
    int th_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int job_fd, job_ready, job_done, job_result, stop;
} aof_syncer;

/* mode 0 = choose (environment STRATA_AOF_FSYNC, then THREAD when a test
 * file layer is installed, else AIO, else THREAD).  0 or -errno. */
int aof_syncer_init(aof_syncer *s, int mode);
void aof_syncer_free(aof_syncer *s); /* waits for what is in flight */
/* A free slot (0..AOF_SYNC_SLOTS-1), or -1 when none (THREAD mode has one). */
int aof_syncer_free_slot(const aof_syncer *s);
/* Submit fdatasync(fd) in a free slot.  0, -EBUSY, -EAGAIN or -errno.  fd
 * must stay open until the request was reaped. */
int aof_syncer_submit(aof_syncer *s, int slot, int fd, const aof_sync_req *req);
/* 1 when a request completed (*result 0 or -errno, *req its request), 0
 * when none did (yet).  Never blocks. */
int aof_syncer_reap(aof_syncer *s, int *result, aof_sync_req *req);
/* Block until one in-flight request completes: 1 as reap, 0 when none was
 * in flight. */
int aof_syncer_wait(aof_syncer *s, int *result, aof_sync_req *req);
const char *aof_syncer_mode_name(const aof_syncer *s);

/* ---- the writer (aof_write.c) -------------------------------------------------
 *
 * The buffer holds log offsets [keep_from, appended): the tail not yet
 * written, and (under always/everysec) the written bytes no successful
 * fdatasync has covered yet, so a failed fsync can be repaired by writing
 * them again (fio.h invariant 3).  Offsets: appended >= written >= synced,
 * keep_from <= synced under always/everysec, keep_from == written under no.
 */
struct aof {
    kv_server *srv;
    strata_config *cfg;
    int state;
    char *dir;                 /* appenddirname (immutable at runtime) */
    char *fname;               /* appendfilename (immutable at runtime) */
    aof_manifest man;

    int fd;                    /* incr (or temp incr) being appended, -1 */
    char incr_path[PATH_MAX];  /* its path (dir/name) */
    uint64_t incr_size;        /* bytes of fd holding whole commands */
    uint64_t base_size;        /* size of the base file */
    uint64_t old_incr_size;    /* sizes of the manifest's other incr files */
    uint64_t rewrite_base_size;/* aof_base_size: total at the last rewrite */

    sds buf;
    uint64_t keep_from, appended, written, synced;
    int selected_db;
    long long ts_last;         /* the last #TS annotation's second */
    long long cmds_appended, cmds_written, cmds_synced;

    aof_syncer sync;
    int syncer_ok;
    int sfd[AOF_SYNC_SLOTS];   /* one open file description of fd per slot */
    uint64_t submitted;        /* the highest offset an fsync was submitted for */
    long long last_fsync_ms;   /* when the last fsync was submitted */
    long long postponed_since_ms; /* everysec: a write waits for a slow fsync */
    long long delayed_fsync;   /* aof_delayed_fsync */

    int write_errno;           /* a failed write (0 = healthy) */
    int fsync_errno;           /* a failed fsync (0 = healthy) */
    long long last_err_log_ms;
    char misconf[160];         /* the MISCONF text for the write gate */

    /* statistics: fsyncs and their group sizes (commands per fsync) */
    long long fsyncs, fsync_cmds, fsync_group_max, fsync_usec, fsync_usec_max;

    /* rewrite (aof_rewrite.c) */
    pid_t child;
    int child_incr_temp;       /* the child runs for AOF_WAIT_REWRITE */
    long long rw_start_ms;
    long long rw_last_time_s;  /* -1 never */
    int rw_last_ok;
    int rw_scheduled;
    long long rw_count, rw_fail_streak;
    long long rw_next_try_ms;  /* backoff after repeated failures */
    int rw_delay_min;

    /* WAITAOF clients (aof_cmds.c) */
    struct aof_waiter **waiters;
    int nwaiters, cwaiters;
    int sync_asap;             /* a WAITAOF wants an fsync now (everysec, no) */
};

/* aof_format.c: fill *err (NULL ok) with a printf-style message. */
void aof_err_set(aof_err *err, int code, const char *file, int has_off, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* aof_write.c */
int aof_path(const aof_t *a, const char *name, char *out, size_t cap); /* dir/name */
long long aof_now_ms(void);
/* Write the whole buffer now (force: even when everysec would postpone).
 * 0 or -errno (the write error state is set). */
int aof_flush(aof_t *a, int force);
/* Flush, wait for the in-flight sync and fdatasync fd synchronously, so
 * synced == written.  0 or -errno (fsync error state set). */
int aof_sync_now(aof_t *a);
/* Open a new incr for appending and make it current (manifest persisted
 * first when state is ON; a temp incr under WAIT_REWRITE).  The old fd is
 * synced and closed.  0 or -errno. */
int aof_switch_incr(aof_t *a);
/* Close the current fd (after a sync) and forget the buffer. */
void aof_close_fd(aof_t *a);
/* The logs of a write/fsync error, rate limited to one line per 30 s. */
int aof_may_log_error(aof_t *a);
/* Reset the offsets after a switch: synced == written == appended. */
void aof_set_healthy(aof_t *a);

/* aof_rewrite.c */
/* Write a base for the dataset of srv to path (a temp file: created,
 * written, fdatasync'd, closed; not renamed).  rdb: an RDB preamble, else
 * commands.  Returns 0, 1 when it had to write the other format (a value
 * type with no command form, or no RDB codec, yet), or -errno with the
 * reason in whybuf. */
int aof_write_base(kv_server *srv, const char *path, int rdb, int incremental_fsync, char *whybuf, size_t whycap);
/* Reap a finished child (cron); start a scheduled or automatic rewrite. */
void aof_rewrite_cron(aof_t *a);
/* The temp name of a rewrite child's base ("temp-rewriteaof-bg-<pid>.aof")
 * and of the temp incr used under WAIT_REWRITE. */
void aof_child_temp_name(pid_t pid, char *out, size_t cap);
void aof_temp_incr_name(const aof_t *a, char *out, size_t cap);

/* aof_cmds.c: register commands, INFO parts, the write check (once per
 * process) and the config hooks (per config). */
void aof_register(aof_t *a);
void aof_unregister(aof_t *a);
/* Answer WAITAOF clients that are satisfied or timed out. */
void aof_serve_waiters(aof_t *a);

#endif
