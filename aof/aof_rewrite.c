/*
 * aof/aof_rewrite.c — writing a base, BGREWRITEAOF, automatic rewrites,
 * turning the AOF on and off at runtime.
 *
 * A rewrite (DESIGN.md "Files"; Redis 7.0's procedure, read for
 * behaviour):
 *   1. parent: flush and fdatasync the current incr, open a new incr and
 *      persist a manifest naming it (state ON) — or open the temp incr
 *      "temp-<name>.incr" (state WAIT_REWRITE, AOF just switched on);
 *      writes go there from now on, no rewrite buffer is needed;
 *   2. fork; the child writes its point-in-time view of the dataset to
 *      <dir>/temp-rewriteaof-bg-<pid>.aof (an RDB preamble, or commands),
 *      fdatasyncs it and exits 0 (2 when it had to write the other format:
 *      a type with no command form or no RDB codec yet);
 *   3. parent, on success: rename the temp base to
 *      <name>.<seq+1>.base.<rdb|aof>, under WAIT_REWRITE rename the temp
 *      incr to the next incr name, turn the old base and all incr files but
 *      the current one into history, persist the manifest (temp, fsync,
 *      rename, fsync dir: this also makes the renames durable), then
 *      delete the history files (unless aof-disable-auto-gc) and persist
 *      the manifest without them;
 *      on failure: remove the temp base; the manifest still lists every
 *      file needed (base + all incr), so nothing is lost; automatic
 *      retries back off (1, 2, 4 ... 60 minutes after 3 failures in a row).
 *
 * Invariants:
 *   (1) at every instant the manifest on disk names a complete, loadable
 *       set of files: a file is named only after it is durable (the base is
 *       fdatasync'd by the child, renamed, and the manifest save fsyncs the
 *       directory), and a file is deleted only after a manifest without it
 *       is durable;
 *   (2) the child never touches the parent's AOF fd, buffer or syncer; it
 *       leaves with _exit();
 *   (3) only one child at a time (RDB's BGSAVE included): a rewrite asked
 *       while another child runs is scheduled.
 */
#include "aof/aof_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/db.h"
#include "engine/dict.h"
#include "engine/log.h"
#include "engine/mem.h"
#include "engine/quicklist.h"
#include "engine/t_hash.h"
#include "engine/t_list.h"
#include "engine/t_set.h"
#include "engine/t_zset.h"
#include "engine/util.h"
#include "rdb/fio.h"
#include "rdb/rdb.h"
#include "rdb/stream.h"

#define AOF_REWRITE_ITEMS_PER_CMD 64
#define AOF_AUTOSYNC_BYTES (4u * 1024 * 1024)
#define AOF_REWRITE_LIMIT_THRESHOLD 3
#define AOF_REWRITE_LIMIT_MAX_MINUTES 60

/* ---- the base as commands -------------------------------------------------- */

static sds cat_bulk(sds s, const void *p, size_t len) {
    char hdr[32];
    int n = snprintf(hdr, sizeof(hdr), "$%zu\r\n", len);
    s = sds_catlen(s, hdr, (size_t)n);
    s = sds_catlen(s, p, len);
    return sds_catlen(s, "\r\n", 2);
}

static sds cat_bulk_ll(sds s, long long v) {
    char buf[32];
    int n = ll_to_str(buf, sizeof(buf), v);
    return cat_bulk(s, buf, (size_t)n);
}

static sds cat_header(sds s, long long argc, const char *cmd, const sds key) {
    s = sds_catprintf(s, "*%lld\r\n", argc);
    s = cat_bulk(s, cmd, strlen(cmd));
    return cat_bulk(s, key, sds_len(key));
}

/* Items of a collection in commands of at most 64 items each (Redis's
 * AOF_REWRITE_ITEMS_PER_CMD): RPUSH for lists, SADD for sets, HMSET for
 * hashes (field value), ZADD for sorted sets (score member). */
typedef struct emit_iter {
    int type;
    hash_iter hi;
    set_iter si;
    zset_iter zi;
    ql_iter li;
} emit_iter;

static void emit_iter_init(emit_iter *it, const kv_obj *o) {
    it->type = o->type;
    switch (o->type) {
    case OBJ_HASH: hash_iter_init(&it->hi, o); break;
    case OBJ_SET: set_iter_init(&it->si, o); break;
    case OBJ_ZSET: zset_iter_init(&it->zi, o, 0, 0); break;
    default: ql_iter_init(&it->li, o->ptr, QL_TAIL); break;
    }
}

static void emit_iter_reset(emit_iter *it) {
    switch (it->type) {
    case OBJ_HASH: hash_iter_reset(&it->hi); break;
    case OBJ_SET: set_iter_reset(&it->si); break;
    case OBJ_ZSET: break;
    default: ql_iter_release(&it->li); break;
    }
}

/* Append the next item's bulk(s) to *s; 0 at the end. */
static int emit_next(emit_iter *it, sds *s) {
    const unsigned char *f, *v;
    size_t fl, vl;
    switch (it->type) {
    case OBJ_HASH:
        if (!hash_iter_next(&it->hi, &f, &fl, &v, &vl)) return 0;
        *s = cat_bulk(*s, f, fl);
        *s = cat_bulk(*s, v, vl);
        return 1;
    case OBJ_SET:
        if (!set_iter_next(&it->si, &f, &fl)) return 0;
        *s = cat_bulk(*s, f, fl);
        return 1;
    case OBJ_ZSET: {
        const char *m;
        double score;
        char buf[64];
        if (!zset_iter_next(&it->zi, &m, &fl, &score)) return 0;
        int n = d_to_str(buf, sizeof(buf), score);
        *s = cat_bulk(*s, buf, (size_t)n);
        *s = cat_bulk(*s, m, fl);
        return 1;
    }
    default: {
        ql_val qv;
        if (!ql_iter_next(&it->li, &qv)) return 0;
        if (qv.s) *s = cat_bulk(*s, qv.s, qv.len);
        else *s = cat_bulk_ll(*s, qv.ll);
        return 1;
    }
    }
}

static unsigned long collection_len(const kv_obj *o) {
    switch (o->type) {
    case OBJ_HASH: return hash_obj_len(o);
    case OBJ_SET: return set_obj_len(o);
    case OBJ_ZSET: return zset_obj_length(o);
    default: return ql_count(o->ptr);
    }
}

static int emit_collection(strm *out, const sds key, const kv_obj *o, sds *scratch) {
    static const char *const cmd[OBJ_TYPE_MAX] = {[OBJ_LIST] = "RPUSH", [OBJ_SET] = "SADD", [OBJ_ZSET] = "ZADD",
                                                  [OBJ_HASH] = "HMSET"};
    int per = o->type == OBJ_HASH || o->type == OBJ_ZSET ? 2 : 1;
    unsigned long left = collection_len(o), in_cmd = 0;
    emit_iter it;
    emit_iter_init(&it, o);
    int rc = 0;
    for (;;) {
        if (in_cmd == 0 && left > 0) {
            unsigned long n = left > AOF_REWRITE_ITEMS_PER_CMD ? AOF_REWRITE_ITEMS_PER_CMD : left;
            *scratch = cat_header(*scratch, 2 + (long long)n * per, cmd[o->type], key);
        }
        if (!emit_next(&it, scratch)) break;
        left--;
        if (++in_cmd == AOF_REWRITE_ITEMS_PER_CMD) in_cmd = 0;
        if (sds_len(*scratch) > 65536) {
            rc = strm_write(out, *scratch, sds_len(*scratch));
            sds_clear(*scratch);
            if (rc) break;
        }
    }
    emit_iter_reset(&it);
    return rc;
}

/* 1 when every value of srv has a command form here. */
static int all_types_emittable(kv_server *srv) {
    for (int j = 0; j < srv->dbnum; j++) {
        dict_iter it;
        dict_entry *de;
        dict_iter_init(&it, srv->dbs[j].keys, 0);
        while ((de = dict_next(&it))) {
            const kv_obj *o = de->v.val;
            if (o->type != OBJ_STRING && o->type != OBJ_HASH && o->type != OBJ_SET && o->type != OBJ_ZSET &&
                !(o->type == OBJ_LIST && o->enc == OBJ_ENC_QUICKLIST)) {
                dict_iter_reset(&it);
                return 0;
            }
        }
        dict_iter_reset(&it);
    }
    return 1;
}

static int write_commands(kv_server *srv, strm *out) {
    sds s = sds_empty();
    int rc = 0;
    if (srv->cfg->aof_timestamp_enabled) s = sds_catprintf(s, "#TS:%lld\r\n", (long long)time(NULL));
    for (int j = 0; j < srv->dbnum && rc == 0; j++) {
        kv_db *db = &srv->dbs[j];
        if (dict_size(db->keys) == 0) continue;
        s = sds_cat(s, "*2\r\n$6\r\nSELECT\r\n");
        s = cat_bulk_ll(s, j);
        dict_iter it;
        dict_entry *de;
        dict_iter_init(&it, db->keys, 0);
        while (rc == 0 && (de = dict_next(&it))) {
            sds key = de->key;
            const kv_obj *o = de->v.val;
            if (o->type == OBJ_STRING) {
                char buf[32];
                size_t len;
                const char *p = obj_str(o, buf, &len);
                s = cat_header(s, 3, "SET", key);
                s = cat_bulk(s, p, len);
            } else {
                rc = emit_collection(out, key, o, &s);
            }
            long long when = db_get_expire(db, key);
            if (when >= 0) {
                s = cat_header(s, 3, "PEXPIREAT", key);
                s = cat_bulk_ll(s, when);
            }
            if (rc == 0 && sds_len(s) > 65536) {
                rc = strm_write(out, s, sds_len(s));
                sds_clear(s);
            }
        }
        dict_iter_reset(&it);
    }
    if (rc == 0 && sds_len(s)) rc = strm_write(out, s, sds_len(s));
    sds_free(s);
    return rc;
}

static void base_rdb_opts(kv_server *srv, rdb_save_opts *o) {
    memset(o, 0, sizeof(*o));
    /* LZF even under rdbcompression lz4: the base must stay loadable by
     * Redis (strata's dir is Redis's dir). */
    o->compression = srv->cfg->rdbcompression == CONFIG_RDBCOMPRESSION_NO ? RDB_COMPRESS_NONE : RDB_COMPRESS_LZF;
    o->checksum = srv->cfg->rdbchecksum;
    o->used_mem = (long long)mem_used();
    o->aof_base = 1;
}

static int write_base_as(kv_server *srv, int fd, int rdb, int incremental_fsync, char *whybuf, size_t whycap) {
    strm *s = strm_file(fd, STRM_WRITE);
    if (incremental_fsync) strm_set_autosync(s, AOF_AUTOSYNC_BYTES);
    int rc;
    if (rdb) {
        rdb_save_opts o;
        rdb_err e;
        memset(&e, 0, sizeof(e));
        base_rdb_opts(srv, &o);
        rc = rdb_encode(s, srv->dbs, srv->dbnum, &o, NULL, &e);
        if (rc) snprintf(whybuf, whycap, "%s", e.text[0] ? e.text : strerror(-rc));
    } else {
        rc = write_commands(srv, s);
        if (rc) snprintf(whybuf, whycap, "%s", strm_errstr(s));
    }
    if (rc == 0) {
        rc = strm_sync(s);
        if (rc) snprintf(whybuf, whycap, "%s", strm_errstr(s));
    }
    int crc = strm_close(s);
    return rc ? rc : crc;
}

int aof_write_base(kv_server *srv, const char *path, int rdb, int incremental_fsync, char *whybuf, size_t whycap) {
    /* Commands are asked for but a type has no command form yet: RDB. */
    int as_rdb = rdb || !all_types_emittable(srv);
    int fd = fio_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        snprintf(whybuf, whycap, "Opening the temp file for AOF rewrite %s: %s", path, strerror(-fd));
        return fd;
    }
    int rc = write_base_as(srv, fd, as_rdb, incremental_fsync, whybuf, whycap);
    if (rc == -ENOTSUP && as_rdb && all_types_emittable(srv)) {
        /* An RDB is asked for but a type has no RDB codec yet: commands. */
        whybuf[0] = '\0';
        rc = fio_ftruncate(fd, 0);
        if (rc == 0 && fio_lseek(fd, 0, SEEK_SET) < 0) rc = -EIO;
        if (rc == 0) rc = write_base_as(srv, fd, 0, incremental_fsync, whybuf, whycap);
        as_rdb = 0;
    }
    int cl = fio_close(fd);
    if (rc == 0) rc = cl;
    if (rc) {
        if (!whybuf[0]) snprintf(whybuf, whycap, "%s", strerror(-rc));
        fio_unlink(path);
        return rc;
    }
    return as_rdb != (rdb != 0) ? 1 : 0;
}

/* ---- BGREWRITEAOF ------------------------------------------------------------- */

void aof_child_temp_name(pid_t pid, char *out, size_t cap) { snprintf(out, cap, "temp-rewriteaof-bg-%d.aof", (int)pid); }

static int another_child_active(aof_t *a) { return rdb_child_active(a->srv); }

static void child_main(aof_t *a) {
    char name[64], path[PATH_MAX], why[512] = "";
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    log_set_role('C');
    aof_child_temp_name(getpid(), name, sizeof(name));
    int rc = aof_path(a, name, path, sizeof(path));
    if (rc == 0)
        rc = aof_write_base(a->srv, path, a->cfg->aof_use_rdb_preamble, a->cfg->aof_rewrite_incremental_fsync, why,
                            sizeof(why));
    if (rc < 0) {
        log_msg(LOG_WARNING, "Write error writing append only file on disk: %s", why);
        _exit(1);
    }
    log_msg(LOG_NOTICE, "Successfully created the temporary AOF base file %s", name);
    _exit(rc == 1 ? 2 : 0);
}

int aof_rewrite_background(aof_t *a) {
    if (a->child > 0) return -EALREADY;
    if (another_child_active(a)) {
        a->rw_scheduled = 1;
        return -EBUSY;
    }
    if (a->write_errno || a->fsync_errno) {
        log_msg(LOG_WARNING, "Can't rewrite the AOF while it can't be written: %s",
                strerror(a->write_errno ? a->write_errno : a->fsync_errno));
        a->rw_last_ok = 0;
        return -EIO;
    }
    int rc = fio_mkdir(a->dir, 0755);
    if (rc < 0 && rc != -EEXIST) {
        log_msg(LOG_WARNING, "Can't open or create append-only dir %s: %s", a->dir, strerror(-rc));
        a->rw_last_ok = 0;
        return rc;
    }
    if (a->state == AOF_OFF) {
        /* BGREWRITEAOF with appendonly no: the new base replaces every file
         * the manifest names (Redis does the same). */
        aof_err e;
        aof_manifest_free(&a->man);
        rc = aof_manifest_load(&a->man, a->dir, a->fname, &e);
        if (rc < 0 && rc != -ENOENT) {
            log_msg(LOG_WARNING, "%s", e.text);
            a->rw_last_ok = 0;
            return rc;
        }
    } else if ((rc = aof_switch_incr(a)) < 0) {
        a->rw_last_ok = 0;
        return rc;
    }
    dict_set_resize_enabled(0);
    pid_t pid = fork();
    if (pid < 0) {
        rc = -errno;
        dict_set_resize_enabled(1);
        log_msg(LOG_WARNING, "Can't rewrite append only file in background: fork: %s", strerror(-rc));
        a->rw_last_ok = 0;
        return rc;
    }
    if (pid == 0) child_main(a); /* never returns */
    a->child = pid;
    a->child_incr_temp = a->state == AOF_WAIT_REWRITE;
    a->rw_start_ms = aof_now_ms();
    a->rw_scheduled = 0;
    a->rw_count++;
    log_msg(LOG_NOTICE, "Background append only file rewriting started by pid %ld", (long)pid);
    return 0;
}

int aof_child_active(const aof_t *a) { return a && a->child > 0; }

static void remove_child_temp(aof_t *a, pid_t pid) {
    char name[64], path[PATH_MAX];
    aof_child_temp_name(pid, name, sizeof(name));
    if (aof_path(a, name, path, sizeof(path)) == 0) fio_unlink(path);
}

void aof_kill_child(aof_t *a) {
    if (!a || a->child <= 0) return;
    log_msg(LOG_NOTICE, "Killing running AOF rewrite child: %ld", (long)a->child);
    int st;
    if (kill(a->child, SIGUSR1) == 0)
        while (waitpid(a->child, &st, 0) < 0 && errno == EINTR) {
        }
    remove_child_temp(a, a->child);
    a->child = 0;
    a->rw_start_ms = 0;
    dict_set_resize_enabled(1);
}

static uint64_t size_of(aof_t *a, const char *name) {
    char path[PATH_MAX];
    struct stat st;
    if (aof_path(a, name, path, sizeof(path)) < 0 || fio_stat(path, &st) < 0) return 0;
    return (uint64_t)st.st_size;
}

static void delete_history(aof_t *a) {
    if (a->cfg->aof_disable_auto_gc || a->man.nhist == 0) return;
    for (int i = 0; i < a->man.nhist; i++) {
        char path[PATH_MAX];
        log_msg(LOG_NOTICE, "Removing the history file %s in the background", a->man.hist[i].name);
        if (aof_path(a, a->man.hist[i].name, path, sizeof(path)) == 0) fio_unlink(path);
    }
    aof_manifest_clear_history(&a->man);
    int rc = aof_manifest_save(&a->man, a->dir, a->fname);
    if (rc < 0) log_msg(LOG_WARNING, "Can't persist the AOF manifest after removing history: %s", strerror(-rc));
}

static int rename_into(aof_t *a, const char *from_name, const char *to_name) {
    char from[PATH_MAX], to[PATH_MAX];
    int rc = aof_path(a, from_name, from, sizeof(from));
    if (rc == 0) rc = aof_path(a, to_name, to, sizeof(to));
    if (rc == 0) rc = fio_rename(from, to);
    if (rc < 0)
        log_msg(LOG_WARNING, "Error trying to rename the temporary AOF file %s into %s: %s", from_name, to_name,
                strerror(-rc));
    return rc;
}

/* Step 3 on success.  0 or -errno (nothing changed on disk that matters). */
static int install_new_base(aof_t *a, pid_t pid, int rdb) {
    char tname[64];
    aof_child_temp_name(pid, tname, sizeof(tname));
    aof_manifest tmp;
    aof_manifest_copy(&tmp, &a->man);
    const char *base = aof_manifest_new_base(&tmp, a->fname, rdb);
    int rc = rename_into(a, tname, base);
    if (rc < 0) goto fail;
    const char *incr = NULL;
    if (a->state == AOF_WAIT_REWRITE) {
        char temp_incr[PATH_MAX];
        aof_temp_incr_name(a, temp_incr, sizeof(temp_incr));
        incr = aof_manifest_new_incr(&tmp, a->fname);
        rc = rename_into(a, temp_incr, incr);
        if (rc < 0) goto fail_base;
        aof_path(a, incr, a->incr_path, sizeof(a->incr_path)); /* the open fds follow the rename */
    }
    aof_manifest_incr_to_history(&tmp, a->fd >= 0 ? 1 : 0);
    rc = aof_manifest_save(&tmp, a->dir, a->fname);
    if (rc < 0) {
        log_msg(LOG_WARNING, "Can't persist the AOF manifest after the rewrite: %s", strerror(-rc));
        if (incr) {
            char temp_incr[PATH_MAX];
            aof_temp_incr_name(a, temp_incr, sizeof(temp_incr));
            if (rename_into(a, incr, temp_incr) == 0) aof_path(a, temp_incr, a->incr_path, sizeof(a->incr_path));
        }
        goto fail_base;
    }
    log_msg(LOG_NOTICE, "Successfully renamed the temporary AOF base file %s into %s", tname, base);
    aof_manifest_free(&a->man);
    a->man = tmp;
    return 0;
fail_base: {
    char path[PATH_MAX];
    if (aof_path(a, base, path, sizeof(path)) == 0) fio_unlink(path);
}
fail:
    aof_manifest_free(&tmp);
    return rc;
}

static void rewrite_failed(aof_t *a) {
    a->rw_last_ok = 0;
    a->rw_fail_streak++;
    if (a->state == AOF_WAIT_REWRITE) a->rw_scheduled = 1;
}

static void rewrite_done(aof_t *a, pid_t pid, int status) {
    a->rw_last_time_s = (aof_now_ms() - a->rw_start_ms) / 1000;
    a->rw_start_ms = 0;
    if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 2)) {
        /* exit 2: the child wrote the other format (aof_write_base). */
        int rdb = (a->cfg->aof_use_rdb_preamble != 0) ^ (WEXITSTATUS(status) == 2);
        log_msg(LOG_NOTICE, "Background AOF rewrite terminated with success");
        if (install_new_base(a, pid, rdb) < 0) {
            rewrite_failed(a);
            remove_child_temp(a, pid);
            return;
        }
        a->base_size = size_of(a, a->man.base.name);
        a->old_incr_size = 0;
        if (a->state == AOF_WAIT_REWRITE) a->state = AOF_ON; /* the temp incr, renamed, goes on */
        a->rewrite_base_size = a->base_size + a->incr_size;
        delete_history(a);
        a->rw_last_ok = 1;
        a->rw_fail_streak = 0;
        log_msg(LOG_NOTICE, "Background AOF rewrite finished successfully");
        return;
    }
    if (WIFSIGNALED(status)) {
        log_msg(LOG_WARNING, "Background AOF rewrite terminated by signal %d", WTERMSIG(status));
        if (WTERMSIG(status) != SIGUSR1) rewrite_failed(a);
    } else {
        log_msg(LOG_WARNING, "Background AOF rewrite terminated with error");
        rewrite_failed(a);
    }
    remove_child_temp(a, pid);
}

/* Redis's limit: after 3 failed rewrites in a row, automatic ones wait 1,
 * 2, 4 ... 60 minutes. */
static int rewrite_limited(aof_t *a) {
    if (a->rw_fail_streak < AOF_REWRITE_LIMIT_THRESHOLD) {
        a->rw_delay_min = 0;
        a->rw_next_try_ms = 0;
        return 0;
    }
    long long now = aof_now_ms();
    if (a->rw_next_try_ms) {
        if (now < a->rw_next_try_ms) return 1;
        a->rw_next_try_ms = 0;
        return 0;
    }
    a->rw_delay_min = a->rw_delay_min ? a->rw_delay_min * 2 : 1;
    if (a->rw_delay_min > AOF_REWRITE_LIMIT_MAX_MINUTES) a->rw_delay_min = AOF_REWRITE_LIMIT_MAX_MINUTES;
    a->rw_next_try_ms = now + (long long)a->rw_delay_min * 60000;
    log_msg(LOG_WARNING, "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in %d minutes",
            a->rw_delay_min);
    return 1;
}

static int auto_rewrite_due(aof_t *a) {
    if (a->state != AOF_ON || a->cfg->auto_aof_rewrite_percentage <= 0) return 0;
    uint64_t cur = a->base_size + a->old_incr_size + a->incr_size;
    if (cur < (uint64_t)a->cfg->auto_aof_rewrite_min_size) return 0;
    uint64_t base = a->rewrite_base_size ? a->rewrite_base_size : 1;
    long long growth = (long long)((cur * 100) / base) - 100;
    if (growth < a->cfg->auto_aof_rewrite_percentage) return 0;
    if (rewrite_limited(a)) return 0;
    log_msg(LOG_NOTICE, "Starting automatic rewriting of AOF on %lld%% growth", growth);
    return 1;
}

void aof_rewrite_cron(aof_t *a) {
    if (a->child > 0) {
        int status;
        pid_t r = waitpid(a->child, &status, WNOHANG);
        if (r == a->child) {
            pid_t pid = a->child;
            a->child = 0;
            dict_set_resize_enabled(1);
            rewrite_done(a, pid, status);
        }
        return;
    }
    if (another_child_active(a)) return;
    if (a->rw_scheduled && a->state != AOF_OFF) {
        if (a->state == AOF_WAIT_REWRITE || !rewrite_limited(a)) (void)aof_rewrite_background(a);
        return;
    }
    if (auto_rewrite_due(a)) (void)aof_rewrite_background(a);
}

/* ---- appendonly yes/no at runtime ------------------------------------------------ */

int aof_enable(aof_t *a) {
    if (a->state != AOF_OFF) return 0;
    if (!a->syncer_ok) return -ENOMEM;
    aof_err e;
    aof_manifest_free(&a->man);
    int rc = aof_manifest_load(&a->man, a->dir, a->fname, &e);
    if (rc < 0 && rc != -ENOENT) {
        log_msg(LOG_WARNING, "%s", e.text);
        return rc;
    }
    a->state = AOF_WAIT_REWRITE;
    a->write_errno = a->fsync_errno = 0;
    aof_set_healthy(a);
    if (a->child > 0) {
        log_msg(LOG_WARNING,
                "AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and "
                "starting a rewrite now.");
        aof_kill_child(a);
    }
    rc = aof_rewrite_background(a);
    if (rc == -EBUSY) {
        log_msg(LOG_WARNING,
                "AOF was enabled but there is already another background operation. An AOF background was scheduled "
                "to start when possible.");
        return 0;
    }
    if (rc < 0) {
        aof_close_fd(a);
        a->state = AOF_OFF;
        log_msg(LOG_WARNING,
                "strata needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above "
                "logs for more info about the error.");
        return rc;
    }
    return 0;
}

void aof_disable(aof_t *a) {
    if (a->state == AOF_OFF) return;
    (void)aof_sync_now(a);
    aof_close_fd(a);
    aof_kill_child(a);
    if (a->state == AOF_WAIT_REWRITE) {
        char temp_incr[PATH_MAX], path[PATH_MAX];
        aof_temp_incr_name(a, temp_incr, sizeof(temp_incr));
        if (aof_path(a, temp_incr, path, sizeof(path)) == 0) fio_unlink(path);
    }
    a->state = AOF_OFF;
    a->rw_scheduled = 0;
    a->selected_db = -1;
    a->write_errno = a->fsync_errno = 0;
    aof_set_healthy(a);
}
