/*
 * aof/aof_write.c — the writer: propagation -> AOF buffer -> write() ->
 * fdatasync by policy; failure handling; the boot-time open (aof_start);
 * the offsets the reply gate reads.  DESIGN.md "Write path and durability"
 * 1-8 are implemented here; the numbers below refer to them.
 *
 * One event-loop iteration:
 *   commands run; each propagated op is appended to `buf` in RESP (SELECT
 *   first when the db changes, "#TS:<unix>" when aof-timestamp-enabled and
 *   the second changed)                                     -> appended
 *   aof_before_sleep: one write() of everything new         -> written
 *     always:   submit an fdatasync now unless one is in flight (or, with
 *               STRATA_AOF_FSYNC_SLOTS=2..4, also while others run, each on
 *               its own open file description); a completion submits one
 *               for what was written meanwhile (group commit, 4)
 *     everysec: submit one when a second passed since the last (5); while
 *               one is in flight the write itself is postponed up to 2 s
 *               (Redis's rule; aof_delayed_fsync counts the times 2 s were
 *               exceeded), and the replies wait with it
 *     no:       nothing (6)
 *   the network flush sends replies up to aof_release_offset()
 *   fdatasync completion (eventfd)                          -> synced
 *
 * Invariants:
 *   (1) a reply to a write leaves only when aof_release_offset() covers the
 *       command's last byte: synced under always, written under everysec/no
 *       (net/conn.c holds it until then);
 *   (2) the incr file holds only whole commands at every write() boundary:
 *       a failed or short write is truncated away (ftruncate to incr_size)
 *       and the bytes stay in the buffer to be written again (7);
 *   (3) a failed fdatasync is never forgotten: the range it should have
 *       covered is written again from the buffer (which keeps every byte
 *       past `synced`), then synced again; until then writes are refused
 *       (MISCONF) and under always no reply to a write leaves (7);
 *   (4) synced only moves forward, and only when an fdatasync that was
 *       submitted after those bytes were written returned 0 (and, after a
 *       failed one, only through the repair's own fdatasync: syncs running
 *       at the time prove nothing about the rewritten range);
 *   (5) at boot every file the dataset was loaded from is fdatasync'd
 *       before the first client is served, so nothing served can vanish
 *       in a power loss that follows (a crashed predecessor may have left
 *       unsynced pages behind).
 */
#include "aof/aof_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/cmd.h"
#include "engine/log.h"
#include "engine/mem.h"
#include "engine/util.h"
#include "rdb/fio.h"

#define AOF_WRITE_LOG_ERROR_RATE_MS 30000
#define AOF_BUF_SHRINK 65536

long long aof_now_ms(void) { return (long long)util_mstime(); }

int aof_path(const aof_t *a, const char *name, char *out, size_t cap) {
    int n = snprintf(out, cap, "%s/%s", a->dir, name);
    return (n < 0 || (size_t)n >= cap) ? -ENAMETOOLONG : 0;
}

int aof_may_log_error(aof_t *a) {
    long long now = aof_now_ms();
    if (now - a->last_err_log_ms < AOF_WRITE_LOG_ERROR_RATE_MS) return 0;
    a->last_err_log_ms = now;
    return 1;
}

/* ---- feeding ------------------------------------------------------------------ */

static void feed(void *priv, int dbid, int argc, sds *argv) {
    aof_t *a = priv;
    if (a->state == AOF_OFF || a->fd < 0) return; /* fd -1: a first rewrite is only scheduled */
    if (a->cfg->aof_timestamp_enabled) {
        long long now = (long long)time(NULL);
        if (now > a->ts_last) {
            a->buf = sds_catprintf(a->buf, "#TS:%lld\r\n", now);
            a->ts_last = now;
        }
    }
    if (dbid != a->selected_db && dbid >= 0) {
        char num[24];
        int n = ll_to_str(num, sizeof(num), dbid);
        a->buf = sds_catprintf(a->buf, "*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n", n, num);
        a->selected_db = dbid;
    }
    a->buf = aof_cat_command(a->buf, argc, argv);
    a->appended = a->keep_from + sds_len(a->buf);
    a->cmds_appended++;
}

/* ---- buffer bookkeeping ---------------------------------------------------------- */

/* Drop the buffer's bytes below log offset `upto`. */
static void drop_below(aof_t *a, uint64_t upto) {
    if (upto <= a->keep_from) return;
    size_t n = (size_t)(upto - a->keep_from);
    if (n >= sds_len(a->buf)) {
        if (sds_alloc_size(a->buf) > AOF_BUF_SHRINK) {
            sds_free(a->buf);
            a->buf = sds_empty();
        } else {
            sds_clear(a->buf);
        }
    } else {
        sds_range(a->buf, (ssize_t)n, -1);
    }
    a->keep_from = upto;
}

/* What may be forgotten once written: under `no` nothing is ever synced by
 * us, so the written bytes go at once; otherwise they stay until synced. */
static void trim_buffer(aof_t *a) {
    if (a->cfg->appendfsync == CONFIG_APPENDFSYNC_NO) drop_below(a, a->written);
    else drop_below(a, a->synced);
}

void aof_set_healthy(aof_t *a) {
    a->written = a->appended;
    a->synced = a->appended;
    a->submitted = a->appended;
    drop_below(a, a->appended);
    a->keep_from = a->appended;
}

/* ---- write ------------------------------------------------------------------- */

static void set_misconf(aof_t *a, int err) {
    snprintf(a->misconf, sizeof(a->misconf), "-MISCONF Errors writing to the AOF file: %s", strerror(err));
}

/* Write buf[from..] at the end of the incr file.  Invariant (2). */
static int write_tail(aof_t *a) {
    size_t from = (size_t)(a->written - a->keep_from);
    size_t n = sds_len(a->buf) - from;
    const char *p = a->buf + from;
    size_t done = 0;
    int err = 0;
    while (done < n) {
        ssize_t w = fio_write(a->fd, p + done, n - done);
        if (w < 0) {
            err = (int)-w;
            break;
        }
        if (w == 0) {
            err = ENOSPC;
            break;
        }
        done += (size_t)w;
    }
    if (!err) {
        a->incr_size += n;
        a->written = a->appended;
        a->cmds_written = a->cmds_appended;
        return 0;
    }
    int logit = aof_may_log_error(a);
    if (done > 0) {
        int trc = fio_ftruncate(a->fd, (off_t)a->incr_size);
        if (trc < 0) {
            /* The partial bytes stay in the file: count them as written so
             * the next write continues right after them, as Redis does.
             * The file then ends in a partial command only if the process
             * dies before the rest is written. */
            if (logit)
                log_msg(LOG_WARNING,
                        "Could not remove short write from the append-only file. strata may refuse to load the "
                        "AOF the next time it starts. ftruncate: %s",
                        strerror(-trc));
            a->incr_size += done;
            a->written += done;
        }
    }
    if (logit) {
        if (done > 0)
            log_msg(LOG_WARNING, "Short write while writing to the AOF file: (nwritten=%zu, expected=%zu): %s", done,
                    n, strerror(err));
        else
            log_msg(LOG_WARNING, "Error writing to the AOF file: %s", strerror(err));
    }
    a->write_errno = err;
    set_misconf(a, err);
    return -err;
}

/* ---- fsync --------------------------------------------------------------------- */

/* Submit an fdatasync covering everything written so far, in a free slot
 * (each slot syncs through its own open file description, see
 * aof_int.h).  Nothing happens when no slot is free: the completion of a
 * running one submits again. */
static void submit_sync(aof_t *a, int repair) {
    int slot = aof_syncer_free_slot(&a->sync);
    if (slot < 0 || (slot > 0 && a->sfd[slot] < 0)) return; /* never two syncs on one description */
    int fd = slot == 0 ? a->fd : a->sfd[slot];
    aof_sync_req req = {a->written, a->cmds_written, (long long)util_monotonic_us(), repair};
    int rc = aof_syncer_submit(&a->sync, slot, fd, &req);
    if (rc == -EBUSY || rc == -EAGAIN) return; /* retried later */
    if (rc < 0) {
        if (aof_may_log_error(a)) log_msg(LOG_WARNING, "Can't submit the AOF fsync: %s", strerror(-rc));
        a->fsync_errno = -rc;
        set_misconf(a, -rc);
        return;
    }
    if (a->written > a->submitted) a->submitted = a->written;
    a->last_fsync_ms = aof_now_ms();
}

static void sync_done(aof_t *a, int res, const aof_sync_req *req) {
    long long us = (long long)util_monotonic_us() - req->start_us;
    if (res < 0) {
        /* Invariant (3): the pages may be gone; write them again. */
        if (aof_may_log_error(a) || !a->fsync_errno)
            log_msg(LOG_WARNING, "Fail to fsync the AOF file: %s", strerror(-res));
        a->fsync_errno = -res;
        set_misconf(a, -res);
        return;
    }
    /* After a failure only the repair's own sync may move `synced`: syncs
     * that were already running prove nothing about the rewritten range. */
    if (a->fsync_errno && !req->repair) return;
    if (req->off > a->synced) {
        long long group = req->cmds - a->cmds_synced;
        a->fsyncs++;
        a->fsync_cmds += group;
        if (group > a->fsync_group_max) a->fsync_group_max = group;
        a->fsync_usec += us;
        if (us > a->fsync_usec_max) a->fsync_usec_max = us;
        a->synced = req->off;
        a->cmds_synced = req->cmds;
    }
    if (req->repair && a->fsync_errno && a->synced == a->written) {
        log_msg(LOG_WARNING, "AOF fsync error looks solved, strata can write again.");
        a->fsync_errno = 0;
    }
    trim_buffer(a);
}

void aof_handle_event(aof_t *a) {
    int res, any = 0;
    aof_sync_req req;
    if (!a->syncer_ok) return;
    /* One eventfd wakeup may stand for several completions. */
    while (aof_syncer_reap(&a->sync, &res, &req)) {
        sync_done(a, res, &req);
        any = 1;
    }
    if (!any) return;
    aof_serve_waiters(a);
    /* Group commit: what was written while those syncs ran gets the next. */
    if (a->state != AOF_OFF && a->fd >= 0 && !a->fsync_errno && a->written > a->submitted &&
        a->cfg->appendfsync == CONFIG_APPENDFSYNC_ALWAYS)
        submit_sync(a, 0);
}

/* Reap everything in flight (blocking). */
static void wait_all_syncs(aof_t *a) {
    int res;
    aof_sync_req req;
    while (a->syncer_ok && aof_syncer_wait(&a->sync, &res, &req)) sync_done(a, res, &req);
}

static int rewrite_child_blocks_fsync(const aof_t *a) {
    return a->cfg->no_appendfsync_on_rewrite && a->child > 0 && a->cfg->appendfsync == CONFIG_APPENDFSYNC_EVERYSEC;
}

static void maybe_sync(aof_t *a) {
    if (a->fd < 0 || !a->syncer_ok || a->fsync_errno || a->written <= a->submitted) return;
    if (a->sync_asap) { /* WAITAOF: whatever the policy */
        a->sync_asap = 0;
        submit_sync(a, 0);
        return;
    }
    switch (a->cfg->appendfsync) {
    case CONFIG_APPENDFSYNC_ALWAYS:
        /* Do not wait for the running sync: start another at once. */
        submit_sync(a, 0);
        break;
    case CONFIG_APPENDFSYNC_EVERYSEC:
        if (!a->sync.inflight && !rewrite_child_blocks_fsync(a) && aof_now_ms() - a->last_fsync_ms >= 1000)
            submit_sync(a, 0);
        break;
    default:
        break;
    }
}

int aof_flush(aof_t *a, int force) {
    if (a->state == AOF_OFF || a->fd < 0) return 0;
    if (a->appended > a->written) {
        if (!force && a->cfg->appendfsync == CONFIG_APPENDFSYNC_EVERYSEC && a->sync.inflight) {
            long long now = aof_now_ms();
            if (a->postponed_since_ms == 0) {
                a->postponed_since_ms = now;
                return 0;
            }
            if (now - a->postponed_since_ms < 2000) return 0;
            a->delayed_fsync++;
            log_msg(LOG_NOTICE,
                    "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without "
                    "waiting for fsync to complete, this may slow down strata.");
        }
        a->postponed_since_ms = 0;
        int rc = write_tail(a);
        if (rc < 0) return rc;
        if (a->write_errno) {
            log_msg(LOG_WARNING, "AOF write error looks solved, strata can write again.");
            a->write_errno = 0;
        }
        trim_buffer(a);
    }
    maybe_sync(a);
    return 0;
}

void aof_before_sleep(aof_t *a) {
    if (!a || a->state == AOF_OFF) return;
    /* A failed write or fsync is dealt with by the cron, not in every
     * iteration; nothing new is written before an fsync is repaired. */
    if (a->write_errno || a->fsync_errno) return;
    aof_flush(a, 0);
}

/* Invariant (3): write [synced, written) again, in place, at the file
 * offsets it already has, then sync it.  In place (pwrite through a
 * second, non-append descriptor) rather than truncate-and-append: if this
 * write fails half-way, the file still holds every byte a reply was sent
 * for (under everysec that is the write()). */
static void repair_fsync(aof_t *a) {
    if (a->sync.inflight) return; /* the repair runs alone */
    uint64_t unsynced = a->written - a->synced;
    if (a->keep_from <= a->synced && unsynced > 0) {
        off_t pos = (off_t)(a->incr_size - unsynced);
        int fd = fio_open(a->incr_path, O_WRONLY, 0);
        int rc = fd;
        if (fd >= 0) {
            size_t from = (size_t)(a->synced - a->keep_from);
            rc = fio_pwrite_all(fd, a->buf + from, (size_t)unsynced, pos);
            fio_close(fd);
        }
        if (rc < 0) {
            if (aof_may_log_error(a)) log_msg(LOG_WARNING, "AOF fsync repair: rewrite failed: %s", strerror(-rc));
            a->fsync_errno = -rc;
            set_misconf(a, -rc);
            return;
        }
    }
    submit_sync(a, 1);
}

void aof_cron(aof_t *a) {
    if (!a) return;
    aof_handle_event(a); /* a lost eventfd wakeup must not stall syncs */
    if (a->state != AOF_OFF && a->fd >= 0) {
        if (a->write_errno) aof_flush(a, 1);
        if (!a->write_errno && a->fsync_errno) repair_fsync(a);
        if (!a->write_errno && !a->fsync_errno) aof_flush(a, 0);
    }
    aof_serve_waiters(a);
    aof_rewrite_cron(a);
}

int aof_event_fd(const aof_t *a) { return a && a->syncer_ok ? a->sync.efd : -1; }

uint64_t aof_appended_offset(const aof_t *a) { return a->appended; }
uint64_t aof_synced_offset(const aof_t *a) { return a->synced; }
uint64_t aof_written_offset(const aof_t *a) { return a->written; }

uint64_t aof_release_offset(const aof_t *a) {
    if (a->state != AOF_ON) return a->appended;
    if (a->cfg->appendfsync == CONFIG_APPENDFSYNC_ALWAYS) return a->synced;
    return a->written;
}

const char *aof_fsync_mode(const aof_t *a) { return a->syncer_ok ? aof_syncer_mode_name(&a->sync) : "none"; }

/* ---- synchronous sync, switching files -------------------------------------------- */

int aof_sync_now(aof_t *a) {
    if (a->fd < 0) return 0;
    int rc = aof_flush(a, 1);
    if (rc < 0) return rc;
    wait_all_syncs(a);
    if (a->fsync_errno) return -a->fsync_errno;
    if (a->written == a->synced) return 0;
    aof_sync_req req = {a->written, a->cmds_written, (long long)util_monotonic_us(), 0};
    rc = fio_fdatasync(a->fd);
    sync_done(a, rc, &req);
    if (a->written > a->submitted) a->submitted = a->written;
    return rc;
}

static void close_sync_fds(aof_t *a) {
    for (int i = 0; i < AOF_SYNC_SLOTS; i++) {
        if (a->sfd[i] >= 0) fio_close(a->sfd[i]);
        a->sfd[i] = -1;
    }
}

/* One more open file description of the incr per extra slot (slot 0 uses
 * the write fd).  Missing ones just mean fewer syncs in flight. */
static void open_sync_fds(aof_t *a, const char *path) {
    close_sync_fds(a);
    a->sfd[0] = -1;
    if (a->sync.mode != AOF_SYNC_AIO) return;
    /* One fdatasync in flight unless STRATA_AOF_FSYNC_SLOTS asks for more
     * (up to AOF_SYNC_SLOTS): on the 2-vCPU test machine more in flight
     * meant smaller groups and fewer writes/s (docs/persistence.md). */
    const char *env = getenv("STRATA_AOF_FSYNC_SLOTS");
    int slots = env ? atoi(env) : 1;
    for (int i = 1; i < AOF_SYNC_SLOTS && i < slots; i++) {
        int fd = fio_open(path, O_RDONLY, 0);
        if (fd < 0) break;
        a->sfd[i] = fd;
    }
}

void aof_close_fd(aof_t *a) {
    wait_all_syncs(a);
    close_sync_fds(a);
    if (a->fd >= 0) fio_close(a->fd);
    a->fd = -1;
}

void aof_temp_incr_name(const aof_t *a, char *out, size_t cap) { snprintf(out, cap, "temp-%s.incr", a->fname); }

static int open_new_file(aof_t *a, const char *name) {
    char path[PATH_MAX];
    int rc = aof_path(a, name, path, sizeof(path));
    if (rc < 0) return rc;
    int fd = fio_open(path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) log_msg(LOG_WARNING, "Can't open the append-only file %s: %s", name, strerror(-fd));
    return fd;
}

int aof_switch_incr(aof_t *a) {
    if (a->fd >= 0) {
        int rc = aof_sync_now(a);
        if (rc < 0) return rc;
    }
    aof_manifest tmp;
    int fd;
    const char *name;
    char tname[PATH_MAX];
    if (a->state == AOF_WAIT_REWRITE) {
        aof_temp_incr_name(a, tname, sizeof(tname));
        name = tname;
        fd = open_new_file(a, name);
        if (fd < 0) return fd;
        /* The file's name must survive a crash as much as its data. */
        (void)fio_fsync_dir(a->dir);
    } else {
        aof_manifest_copy(&tmp, &a->man);
        name = aof_manifest_new_incr(&tmp, a->fname);
        fd = open_new_file(a, name);
        if (fd < 0) {
            aof_manifest_free(&tmp);
            return fd;
        }
        int rc = aof_manifest_save(&tmp, a->dir, a->fname);
        if (rc < 0) {
            log_msg(LOG_WARNING, "Can't persist the AOF manifest: %s", strerror(-rc));
            fio_close(fd);
            aof_manifest_free(&tmp);
            return rc;
        }
        aof_manifest_free(&a->man);
        a->man = tmp;
    }
    log_msg(LOG_NOTICE, "Creating AOF incr file %s on background rewrite", name);
    aof_close_fd(a);
    a->old_incr_size += a->incr_size;
    a->fd = fd;
    if (aof_path(a, name, a->incr_path, sizeof(a->incr_path)) == 0) open_sync_fds(a, a->incr_path);
    a->incr_size = 0;
    a->selected_db = -1; /* the new file starts with a SELECT */
    return 0;
}

/* ---- creation, boot ------------------------------------------------------------ */

aof_t *aof_create(kv_server *srv) {
    aof_t *a = mem_calloc(sizeof(*a));
    a->srv = srv;
    a->cfg = srv->cfg;
    a->state = AOF_OFF;
    a->fd = -1;
    a->buf = sds_empty();
    a->selected_db = -1;
    a->dir = mem_strdup(srv->cfg->appenddirname);
    a->fname = mem_strdup(srv->cfg->appendfilename);
    a->rw_last_time_s = -1;
    a->rw_last_ok = 1;
    a->sync.efd = -1;
    for (int i = 0; i < AOF_SYNC_SLOTS; i++) a->sfd[i] = -1;
    aof_manifest_init(&a->man);
    int rc = aof_syncer_init(&a->sync, 0);
    if (rc < 0) log_msg(LOG_WARNING, "AOF: cannot create the fsync engine: %s", strerror(-rc));
    else a->syncer_ok = 1;
    cmd_prop_subscribe(srv, feed, a);
    aof_register(a);
    return a;
}

void aof_free(aof_t *a) {
    if (!a) return;
    aof_kill_child(a);
    if (a->state != AOF_OFF) (void)aof_sync_now(a);
    aof_close_fd(a);
    aof_unregister(a);
    /* The propagation point has no unsubscribe: make feed() a no-op. */
    for (int i = 0; i < a->srv->nprop; i++)
        if (a->srv->prop_priv[i] == a) {
            for (int j = i; j + 1 < a->srv->nprop; j++) {
                a->srv->prop_fn[j] = a->srv->prop_fn[j + 1];
                a->srv->prop_priv[j] = a->srv->prop_priv[j + 1];
            }
            a->srv->nprop--;
            break;
        }
    if (a->syncer_ok) aof_syncer_free(&a->sync);
    aof_manifest_free(&a->man);
    sds_free(a->buf);
    mem_free(a->dir);
    mem_free(a->fname);
    mem_free(a);
}

static uint64_t file_size(const aof_t *a, const char *name) {
    char path[PATH_MAX];
    struct stat st;
    if (aof_path(a, name, path, sizeof(path)) < 0 || fio_stat(path, &st) < 0) return 0;
    return (uint64_t)st.st_size;
}

/* Invariant (5). */
static int sync_file(const aof_t *a, const char *name) {
    char path[PATH_MAX];
    int rc = aof_path(a, name, path, sizeof(path));
    if (rc < 0) return rc;
    int fd = fio_open(path, O_RDONLY, 0);
    if (fd < 0) return fd;
    rc = fio_fsync(fd);
    fio_close(fd);
    return rc;
}

static int ensure_dir(const aof_t *a) {
    int rc = fio_mkdir(a->dir, 0755);
    if (rc == -EEXIST) return 0;
    if (rc == 0) rc = fio_fsync_dir(".");
    return rc;
}

/* Redis 7.0 creates a base at the first start; so does strata, from
 * whatever the dataset holds (an RDB may have seeded it: DESIGN Recovery 2). */
static int create_base(aof_t *a, sds *err) {
    int rdb = a->cfg->aof_use_rdb_preamble != 0;
    char tmppath[PATH_MAX], path[PATH_MAX], why[256] = "";
    snprintf(tmppath, sizeof(tmppath), "%s/temp-rewriteaof-%d.aof", a->dir, (int)getpid());
    int rc = aof_write_base(a->srv, tmppath, rdb, a->cfg->aof_rewrite_incremental_fsync, why, sizeof(why));
    if (rc == 1) rdb = !rdb;
    aof_manifest tmp;
    aof_manifest_copy(&tmp, &a->man);
    const char *name = aof_manifest_new_base(&tmp, a->fname, rdb);
    if (rc >= 0) rc = aof_path(a, name, path, sizeof(path));
    if (rc == 0) rc = fio_replace_durably(tmppath, path);
    if (rc < 0) {
        *err = sds_catprintf(sds_empty(), "Can't create the AOF base file %s: %s", name, why[0] ? why : strerror(-rc));
        fio_unlink(tmppath);
        aof_manifest_free(&tmp);
        return rc;
    }
    aof_manifest_free(&a->man);
    a->man = tmp;
    log_msg(LOG_NOTICE, "Creating AOF base file %s on server start", name);
    return 0;
}

int aof_start(aof_t *a, sds *err) {
    *err = NULL;
    if (!a->cfg->appendonly) return 0;
    if (!a->syncer_ok) {
        *err = sds_new("AOF: no fsync engine (eventfd/thread creation failed)");
        return -ENOMEM;
    }
    int rc = ensure_dir(a);
    if (rc < 0) {
        *err = sds_catprintf(sds_empty(), "Can't open or create append-only dir %s: %s", a->dir, strerror(-rc));
        return rc;
    }
    aof_err e;
    aof_manifest_free(&a->man);
    rc = aof_manifest_load(&a->man, a->dir, a->fname, &e);
    if (rc < 0 && rc != -ENOENT) {
        *err = sds_new(e.text);
        return rc;
    }
    if (!a->man.has_base && a->man.nincr == 0 && (rc = create_base(a, err)) < 0) return rc;
    int fresh = a->man.nincr == 0;
    const char *name = fresh ? aof_manifest_new_incr(&a->man, a->fname) : a->man.incr[a->man.nincr - 1].name;
    char path[PATH_MAX];
    rc = aof_path(a, name, path, sizeof(path));
    if (rc == 0) {
        rc = fio_open(path, O_WRONLY | O_APPEND | O_CREAT | (fresh ? O_TRUNC : 0), 0644);
        if (rc >= 0) {
            a->fd = rc;
            rc = 0;
            snprintf(a->incr_path, sizeof(a->incr_path), "%s", path);
            open_sync_fds(a, path);
        }
    }
    if (rc < 0) {
        *err = sds_catprintf(sds_empty(), "Can't open the append-only file %s: %s", name, strerror(-rc));
        return rc;
    }
    rc = aof_manifest_save(&a->man, a->dir, a->fname);
    if (rc < 0) {
        *err = sds_catprintf(sds_empty(), "Can't persist the AOF manifest: %s", strerror(-rc));
        aof_close_fd(a);
        return rc;
    }
    /* Invariant (5): base and incrs, as loaded, become durable now. */
    if (a->man.has_base && (rc = sync_file(a, a->man.base.name)) < 0) goto sync_fail;
    for (int i = 0; i < a->man.nincr; i++)
        if ((rc = sync_file(a, a->man.incr[i].name)) < 0) goto sync_fail;
    a->base_size = a->man.has_base ? file_size(a, a->man.base.name) : 0;
    a->old_incr_size = 0;
    for (int i = 0; i + 1 < a->man.nincr; i++) a->old_incr_size += file_size(a, a->man.incr[i].name);
    a->incr_size = file_size(a, name);
    a->rewrite_base_size = a->base_size;
    a->state = AOF_ON;
    a->selected_db = -1;
    aof_set_healthy(a);
    log_msg(LOG_NOTICE, "%s AOF incr file %s on server start (fsync: %s)", fresh ? "Creating" : "Opening", name,
            aof_fsync_mode(a));
    return 0;
sync_fail:
    *err = sds_catprintf(sds_empty(), "Can't fsync the AOF files at start: %s", strerror(-rc));
    aof_close_fd(a);
    return rc;
}

int aof_shutdown(aof_t *a) {
    if (!a) return 0;
    aof_kill_child(a);
    if (a->state == AOF_OFF) return 0;
    log_msg(LOG_NOTICE, "Calling fsync() on the AOF file.");
    int rc = aof_sync_now(a);
    if (rc < 0) log_msg(LOG_WARNING, "Error syncing the AOF file at shutdown: %s", strerror(-rc));
    return rc;
}
