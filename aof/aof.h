/*
 * aof/aof.h — the append-only file: Redis 7's multi-part layout, the
 * writer with group-committed fsync, the loader, the rewrite.
 *
 * Three layers, each usable without the next (as rdb/rdb.h):
 *
 *   1. Format.  The manifest (parse, format, the naming rules) and a
 *      command reader over an AOF byte stream that reports the first bad
 *      offset and whether the damage is a truncation.  No server, no
 *      logging, no exit(): strata-check-aof uses this layer alone.
 *   2. Files.  aof_load_dir() replays a manifest's base and incr files
 *      into a kv_server through cmd_replay(); options are arguments.
 *   3. Server.  aof_t: the per-server writer.  It subscribes to the
 *      propagation point, buffers every write in RESP, write()s the buffer
 *      to the current incr file once per event-loop iteration and fsyncs it
 *      by the `appendfsync` policy; it owns the manifest, BGREWRITEAOF and
 *      the INFO persistence aof_* fields.
 *
 * Layout on disk (Redis 7.0, byte for byte; <name> = appendfilename,
 * default "appendonly.aof", all inside appenddirname, default
 * "appendonlydir"):
 *
 *     <name>.manifest              one line per file, base first, then
 *                                  history, then incr, each
 *                                  "file <fname> seq <n> type <b|h|i>\n"
 *                                  (fname quoted like redis-cli when it
 *                                  holds spaces or unprintable bytes)
 *     <name>.<seq>.base.rdb        base written with an RDB preamble
 *     <name>.<seq>.base.aof        base written as commands
 *     <name>.<seq>.incr.aof        commands appended after that base
 *     temp-<name>.manifest         the manifest being replaced
 *     temp-rewriteaof-bg-<pid>.aof a rewrite child's new base
 *     temp-<name>.incr             incr written while `appendonly yes` was
 *                                  just switched on (before its rewrite)
 *
 * Offsets.  The writer numbers every byte it ever appended with a
 * monotonic "log offset" (not a file offset; it continues across incr
 * files and rewrites) and keeps three marks, appended >= written >= synced:
 *   appended  bytes handed to the AOF buffer by propagated commands;
 *   written   bytes the kernel accepted by write() into the incr file;
 *   synced    bytes an fdatasync that returned 0 covered (durable).
 * The network layer holds the reply of every write command until the
 * mark its policy needs covers the command (aof_release_offset), see
 * DESIGN.md "Write path" and net/conn.h.
 *
 * How tests see durability.  With `appendfsync always|everysec` the
 * fdatasyncs are submitted to the kernel with libaio (io_prep_fdsync), so
 * they bypass rdb/fio.h.  When a test file layer is installed
 * (fio_ops_current() != fio_ops_default(), e.g. rdb/fio_fault.h), the
 * writer uses the background-thread syncer instead, which calls
 * fio_fdatasync(): injected EIO, delays and the power-loss model then see
 * every sync.  STRATA_AOF_FSYNC=aio|thread in the environment forces a
 * mode (the crash harness uses "thread" with an LD_PRELOAD shim).
 *
 * Not thread-safe: one server, one thread (the syncer thread only ever
 * touches an fd and its own job slot).
 */
#ifndef STRATA_AOF_H
#define STRATA_AOF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/kv.h"

/* ---- layer 1: format ------------------------------------------------------ */

/* Manifest file types (the letters Redis writes). */
#define AOF_FILE_BASE 'b'
#define AOF_FILE_HIST 'h'
#define AOF_FILE_INCR 'i'

#define AOF_MANIFEST_MAX_LINE 1024

/* An error with where it happened.  code: -EBADMSG bad format, -ENODATA
 * truncated, -ENOENT a missing file, -EINVAL a bad manifest, or the
 * -errno of a failed I/O.  text: the whole message for the log or the
 * user, e.g. "appendonly.aof.3.incr.aof: bad format at offset 1234
 * (expected '*', got 'x')". */
typedef struct aof_err {
    int code;
    uint64_t offset;   /* where the failing item starts (when has_offset) */
    int has_offset;
    char file[256];    /* the file being read ("" when none) */
    char text[640];
} aof_err;

typedef struct aof_mfile {
    char *name;        /* owned (mem_strdup) */
    long long seq;
    char type;         /* AOF_FILE_* */
} aof_mfile;

/* The manifest in memory: at most one base, then history, then incr files
 * in the order they are replayed. */
typedef struct aof_manifest {
    aof_mfile base;
    int has_base;
    aof_mfile *hist;
    int nhist;
    aof_mfile *incr;
    int nincr;
    long long base_seq, incr_seq; /* the highest seq in use, per kind */
} aof_manifest;

void aof_manifest_init(aof_manifest *m);
void aof_manifest_free(aof_manifest *m); /* leaves it empty (re-init'd); NULL ok */
/* dst (uninitialised) becomes a deep copy of src. */
void aof_manifest_copy(aof_manifest *dst, const aof_manifest *src);

/* Parse manifest text with Redis 7.0's rules: '#' lines are comments; every
 * other line holds key/value pairs (file, seq, type; unknown keys are
 * ignored, at least 6 words); a file name is a basename; one base at most;
 * incr seqs strictly increasing; seq >= 1; type b, h or i.  Stricter than
 * Redis where Redis would accept nonsense: a duplicated seq among the
 * base/incr files, a seq that is not a number.  m must be initialised and
 * empty.  0, or -EINVAL with *err naming the line. */
int aof_manifest_parse(aof_manifest *m, const char *text, size_t len, aof_err *err);
/* The manifest text (caller sds_free()s). */
sds aof_manifest_format(const aof_manifest *m);

/* Read dir/<appendfilename>.manifest into m (initialised, empty).  0,
 * -ENOENT when the file does not exist, or the error (*err filled). */
int aof_manifest_load(aof_manifest *m, const char *dir, const char *appendfilename, aof_err *err);
/* Durably replace dir/<appendfilename>.manifest with m: write
 * dir/temp-<appendfilename>.manifest, fsync, rename, fsync dir
 * (fio_replace_durably).  0 or -errno (the old manifest is then intact). */
int aof_manifest_save(const aof_manifest *m, const char *dir, const char *appendfilename);

/* Add a new base "<appendfilename>.<base_seq+1>.base.<rdb|aof>", turning
 * the previous base (if any) into history.  Returns the new name
 * (borrowed from m). */
const char *aof_manifest_new_base(aof_manifest *m, const char *appendfilename, int rdb_preamble);
/* Append a new incr "<appendfilename>.<incr_seq+1>.incr.aof".  Returns its
 * name (borrowed from m). */
const char *aof_manifest_new_incr(aof_manifest *m, const char *appendfilename);
/* Turn every incr file except the last `keep` into history. */
void aof_manifest_incr_to_history(aof_manifest *m, int keep);
/* Forget the history entries (after their files were removed). */
void aof_manifest_clear_history(aof_manifest *m);

/* The command reader: AOF commands ("*<n>\r\n" then n times
 * "$<len>\r\n<bytes>\r\n"; lines starting with '#' are annotations such as
 * "#TS:<unix>") read from fd, from file offset `start` to `end` (the file
 * size when opened).  Reads go through rdb/fio.h. */
typedef struct aof_reader aof_reader;

/* fd is borrowed and must stay open until aof_reader_close. */
aof_reader *aof_reader_open(int fd, uint64_t start, uint64_t end);
void aof_reader_close(aof_reader *r); /* NULL ok */
/* The next command.  Returns 1 (argc/argv set; the caller owns argv and
 * its strings: free with aof_free_argv), 0 at a clean end (the file ends
 * right after a command), or an error:
 *   -ENODATA  the file ends inside a command (a truncated tail);
 *   -EBADMSG  bytes that are not an AOF command (corruption);
 *   -errno    a read error.
 * aof_reader_error_offset() is where the failing command starts;
 * aof_reader_errstr() says what was wrong. */
int aof_reader_next(aof_reader *r, int *argc, sds **argv);
/* Offset just after the last command returned (the last good offset). */
uint64_t aof_reader_good_offset(const aof_reader *r);
uint64_t aof_reader_error_offset(const aof_reader *r);
const char *aof_reader_errstr(const aof_reader *r);
void aof_free_argv(int argc, sds *argv);

/* 1 when every byte of fd from `from` to `end` is zero: what a torn append
 * leaves after a power loss (the size grew, the data never reached the
 * disk).  Such a tail counts as a truncation, not as corruption.  0 when
 * not (or on a read error). */
int aof_tail_is_zero(int fd, uint64_t from, uint64_t end);

/* Append one command in AOF form to dst (returns the new sds). */
sds aof_cat_command(sds dst, int argc, sds *argv);

/* ---- layer 2: loading files into a server -------------------------------- */

typedef struct aof_load_opts {
    int load_truncated;  /* aof-load-truncated: cut a truncated tail of the
                          * last file (the file itself is truncated) */
    /* Called every 1024 commands or so with the bytes done and the total;
     * may serve clients (they get -LOADING).  May be NULL. */
    void (*progress)(void *priv, uint64_t done, uint64_t total);
    void *priv;
} aof_load_opts;

typedef struct aof_load_result {
    long long commands;      /* commands replayed */
    uint64_t total_bytes;    /* base + incr sizes before any truncation */
    uint64_t base_size;
    int base_rdb;            /* the base (or preamble) was an RDB */
    int truncated;           /* a truncated tail was cut */
    uint64_t truncated_at;   /* ... at this offset of truncated_file */
    uint64_t truncated_bytes;
    char truncated_file[256];
    double seconds;
} aof_load_result;

/* Replay the AOF of dir (its manifest: base, then each incr in order) into
 * srv, whose databases should be empty.  srv->loading is 1 during the
 * replay.  A base (or any file) starting with "REDIS" is an RDB preamble
 * loaded through rdb/rdb.h, then the commands after it.  Returns 0 loaded
 * (res filled; res may be NULL; files that are all empty load nothing), 1
 * when there is no AOF (no manifest, or it lists no base and no incr), or
 * an error with *err (may be NULL) naming the file, the offset and what to
 * do: -ESTALE a file the manifest names is missing, -EINVAL a bad
 * manifest, -ENODATA truncated (and not repaired), -EBADMSG corrupt or a
 * command that cannot be replayed, -errno an I/O error.  On error srv may
 * hold a partial dataset: the caller must not serve it. */
int aof_load_dir(kv_server *srv, const char *dir, const char *appendfilename, const aof_load_opts *o,
                 aof_load_result *res, aof_err *err);

/* Replay one file (full path) into srv: RDB preamble if the file starts
 * with "REDIS", then commands.  display_name (NULL: path) names it in
 * messages.  last_file: a truncated tail may be cut (when
 * o->load_truncated).  done/total feed o->progress.  res (may be NULL)
 * accumulates commands, truncation, base_rdb.  0 (an empty file too), or
 * the error as for aof_load_dir. */
int aof_load_file(kv_server *srv, const char *path, const char *display_name, int last_file,
                  const aof_load_opts *o, uint64_t done, uint64_t total, aof_load_result *res, aof_err *err);

/* Redis 7.0's upgrade of an old single-file AOF: when cwd/<appendfilename>
 * exists and dir has no usable manifest, create dir, write a manifest
 * naming that file as base seq 1, and move the file into dir.  Every step
 * is durable and the sequence is safe to repeat after a crash.  Returns 1
 * upgraded, 0 nothing to do, or -errno (*err filled). */
int aof_upgrade_old_file(const char *dir, const char *appendfilename, aof_err *err);

/* 1 when dir holds an AOF (a manifest naming a base or an incr), or cwd
 * holds an old single-file <appendfilename>. */
int aof_exists(const char *dir, const char *appendfilename);

/* ---- layer 3: the server's writer ----------------------------------------- */

typedef struct aof aof_t;

/* The writer of srv, created with AOF off (`appendonly` is applied by
 * aof_start).  Subscribes to the propagation point, registers the
 * persistence write check (MISCONF), the INFO aof fields, the commands
 * (BGREWRITEAOF, WAITAOF) and the CONFIG SET hooks of appendonly and
 * appendfsync on srv->cfg.  One per server; the caller owns it. */
aof_t *aof_create(kv_server *srv);
/* Stop (flush, fsync, close, kill a rewrite child) and free.  NULL ok. */
void aof_free(aof_t *a);
/* The writer of srv, or NULL. */
aof_t *aof_of(const kv_server *srv);

/* Boot, after the dataset was loaded (recovery/): when appendonly yes,
 * create the directory, write a base from the current dataset when the
 * manifest has none and no incr (Redis 7.0 does the same; strata's base
 * then carries whatever an RDB seeded), open the last incr (or a new one)
 * for appending, persist the manifest.  0, or -errno with *err set (the
 * server must not start: it could not promise durability). */
int aof_start(aof_t *a, sds *err);

/* Event-loop integration (net/main.c).  before_sleep: write the buffer,
 * submit the fsync the policy asks for; call before the network flush.
 * cron: everysec timing, retrying failed writes/fsyncs, rewrite child,
 * automatic rewrites; call hz times a second.  event_fd: watch it for
 * reading and call aof_handle_event when it is readable (fsync
 * completions). */
void aof_before_sleep(aof_t *a);
void aof_cron(aof_t *a);
int aof_event_fd(const aof_t *a);
void aof_handle_event(aof_t *a);

/* The reply gate (net/conn.h): the log offset after everything appended so
 * far, and how far replies to writes may leave: synced under `always`,
 * written under `everysec` and `no`, everything when AOF is off or
 * still waiting for its first rewrite. */
uint64_t aof_appended_offset(const aof_t *a);
uint64_t aof_written_offset(const aof_t *a);
uint64_t aof_release_offset(const aof_t *a);
uint64_t aof_synced_offset(const aof_t *a);

/* Shutdown: flush the buffer and fdatasync synchronously, kill a rewrite
 * child.  0, or -errno (logged). */
int aof_shutdown(aof_t *a);

/* BGREWRITEAOF.  0 started, -EALREADY a rewrite runs, -EBUSY another child
 * runs (the rewrite is scheduled), or -errno. */
int aof_rewrite_background(aof_t *a);
/* 1 while a rewrite child runs. */
int aof_child_active(const aof_t *a);
/* Kill a running rewrite child and reap it. */
void aof_kill_child(aof_t *a);

/* Turn AOF on at runtime (CONFIG SET appendonly yes): start a rewrite;
 * writes go to a temp incr until it completes.  0 or -errno. */
int aof_enable(aof_t *a);
/* Turn AOF off at runtime: flush, fsync, close, kill the child. */
void aof_disable(aof_t *a);

/* DEBUG LOADAOF: flush and fsync the AOF, replay it into a scratch server
 * and, when it loaded completely, swap its dataset in (WATCHed keys are
 * touched).  0, or -1 with *err (a new sds, Redis error text) and the
 * dataset unchanged. */
int aof_debug_loadaof(kv_server *srv, sds *err);

/* For tests: the fsync mechanism in use ("aio", "thread", "none"). */
const char *aof_fsync_mode(const aof_t *a);

#endif
