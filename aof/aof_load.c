/*
 * aof/aof_load.c — layer 2 of aof/aof.h: replaying AOF files into a
 * server, and Redis 7.0's upgrade of an old single-file AOF.
 *
 * Replay (Redis's loadAppendOnlyFiles, read for behaviour):
 *   - the manifest names the files; every base/incr file must exist before
 *     anything is loaded (a missing file is an error, not an empty AOF);
 *   - a file starting with "REDIS" holds an RDB first (a base .rdb, an old
 *     preamble AOF, or a .base.aof Redis wrote with a preamble); it is
 *     decoded with rdb/rdb.h straight into the server's databases, keeping
 *     keys whose TTL has passed (the commands after it may still touch them;
 *     active expiry removes them after the load), then commands follow;
 *   - commands run through cmd_replay() on a fake client (CLIENT_FAKE |
 *     CLIENT_DENY_BLOCKING) with srv->loading set: no propagation, no
 *     expiry while loading, replies discarded;
 *   - an unknown command or a wrong arity stops the load (the file is from
 *     a newer server, or corrupt).
 *
 * Damage, decided here and only here for the server (the check tool uses
 * the same reader and the same rules):
 *   truncated    the last file ends inside a command, or inside a MULTI
 *                whose EXEC never came, or ends in zero bytes from the last
 *                whole command on (a torn append): with aof-load-truncated
 *                yes the file is cut at the last whole command (and synced),
 *                logged, and loading succeeds; otherwise refused;
 *   truncated in a file that is not the last one: refused (data after it
 *                would be replayed on top of a hole);
 *   corrupt      anything else: refused, naming the file, the offset and
 *                what to do.
 */
#include "aof/aof_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/client.h"
#include "engine/cmd.h"
#include "engine/db.h"
#include "engine/log.h"
#include "engine/mem.h"
#include "engine/util.h"
#include "rdb/fio.h"
#include "rdb/rdb.h"
#include "rdb/stream.h"

#define AOF_REPLAY_PROGRESS_EVERY 1024

/* ---- the RDB part ---------------------------------------------------------------- */

typedef struct preamble_ctx {
    kv_server *srv;
    const aof_load_opts *o;
    uint64_t done, total;
} preamble_ctx;

static int pre_key(void *priv, rdb_reader *r, uint64_t dbid, int rdbtype, sds key, kv_obj *val,
                   const rdb_key_meta *meta) {
    preamble_ctx *p = priv;
    (void)rdbtype;
    int rc = 0;
    if (dbid >= (uint64_t)p->srv->dbnum) {
        rc = rdb_fail(r, -ERANGE, "key in DB %llu beyond 'databases %d'", (unsigned long long)dbid, p->srv->dbnum);
    } else {
        kv_db *db = &p->srv->dbs[dbid];
        if (db_find(db, key)) {
            rc = rdb_fail(r, -EEXIST, "duplicated key");
        } else {
            db_add(p->srv, db, key, val);
            val = NULL;
            if (meta->expire_ms >= 0) db_set_expire(p->srv, db, key, meta->expire_ms);
        }
    }
    obj_decr_ref(val);
    sds_free(key);
    return rc;
}

static void pre_progress(void *priv, uint64_t pos, long long keys) {
    preamble_ctx *p = priv;
    (void)keys;
    if (p->o && p->o->progress) p->o->progress(p->o->priv, p->done + pos, p->total);
}

/* Decode the RDB at the start of fd into srv; *used = its length. */
static int load_preamble(kv_server *srv, int fd, uint64_t size, const char *name, const aof_load_opts *o,
                         uint64_t done, uint64_t total, uint64_t *used, aof_err *err) {
    preamble_ctx p = {srv, o, done, total};
    rdb_load_opts ro;
    memset(&ro, 0, sizeof(ro));
    ro.name = name;
    ro.size = size;
    ro.deep = srv->cfg->sanitize_dump_payload == CONFIG_SANITIZE_YES;
    ro.progress = pre_progress;
    rdb_sink sink = {NULL, NULL, NULL, pre_key, NULL, &p};
    rdb_info info;
    rdb_err rerr;
    memset(&info, 0, sizeof(info));
    memset(&rerr, 0, sizeof(rerr));
    strm *s = strm_file(fd, STRM_READ);
    int rc = rdb_decode(s, &ro, &sink, &info, &rerr);
    strm_close(s);
    if (rc) {
        aof_err_set(err, rc == -ENODATA ? -ENODATA : -EBADMSG, name, 1, rerr.offset,
                "Error reading the RDB preamble of the AOF file %s: %s", name, rerr.text);
        return err->code;
    }
    *used = info.bytes;
    return 0;
}

/* ---- the commands ------------------------------------------------------------------ */

static int is_cmd(const sds s, const char *name) { return strcasecmp(s, name) == 0; }

/* Cut path at `at` and make the cut durable. */
static int truncate_file(const char *path, uint64_t at) {
    int fd = fio_open(path, O_WRONLY, 0);
    if (fd < 0) return fd;
    int rc = fio_ftruncate(fd, (off_t)at);
    if (rc == 0) rc = fio_fsync(fd);
    fio_close(fd);
    return rc;
}

static int handle_truncated(const char *path, const char *name, int last_file, const aof_load_opts *o,
                            uint64_t good, uint64_t size, const char *why, aof_load_result *res, aof_err *err) {
    if (last_file && o && o->load_truncated) {
        log_msg(LOG_WARNING, "!!! Warning: short read while loading the AOF file %s!!! (%s)", name, why);
        log_msg(LOG_WARNING, "!!! Truncating the AOF %s at offset %llu !!!", name, (unsigned long long)good);
        int rc = truncate_file(path, good);
        if (rc < 0) {
            aof_err_set(err, rc, name, 1, good, "Error truncating the AOF file %s: %s", name, strerror(-rc));
            return rc;
        }
        log_msg(LOG_WARNING, "AOF %s loaded anyway because aof-load-truncated is enabled", name);
        if (res) {
            res->truncated = 1;
            res->truncated_at = good;
            res->truncated_bytes = size - good;
            snprintf(res->truncated_file, sizeof(res->truncated_file), "%s", name);
        }
        return 0;
    }
    if (!last_file) {
        aof_err_set(err, -ENODATA, name, 1, good,
                "Fatal error: the AOF file %s is truncated at offset %llu (%s) but it is not the last file of the "
                "manifest. Inspect it with strata-check-aof <dir>/<appendfilename>.manifest",
                name, (unsigned long long)good, why);
        return -ENODATA;
    }
    aof_err_set(err, -ENODATA, name, 1, good,
            "Unexpected end of file reading the append only file %s at offset %llu (%s). You can: 1) Make a "
            "backup of your AOF directory, then use strata-check-aof --fix <dir>/<appendfilename>.manifest. 2) "
            "Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
            name, (unsigned long long)good, why);
    return -ENODATA;
}

typedef struct replay_state {
    kv_server *srv;
    kv_client *c;
    long long commands;
    uint64_t before_multi; /* good offset before the open MULTI */
} replay_state;

static int replay_one(replay_state *st, int argc, sds *argv, uint64_t good_before, const char *name,
                      aof_err *err) {
    kv_client *c = st->c;
    if (is_cmd(argv[0], "multi") && !(c->flags & CLIENT_MULTI)) st->before_multi = good_before;
    client_set_argv(c, argc, argv);
    int rc = cmd_replay(c);
    if (rc < 0) {
        sds msg = sds_newlen(c->out, sds_len(c->out));
        msg = sds_trim(msg, "\r\n-");
        aof_err_set(err, -EBADMSG, name, 1, good_before,
                "Can't replay the command at offset %llu of the append only file %s: %s",
                (unsigned long long)good_before, name, msg);
        sds_free(msg);
    }
    client_reset_argv(c);
    sds_clear(c->out);
    c->out_sent = 0;
    st->commands++;
    return rc < 0 ? -EBADMSG : 0;
}

static int replay_commands(kv_server *srv, int fd, const char *path, const char *name, uint64_t start,
                           uint64_t size, int last_file, const aof_load_opts *o, uint64_t done, uint64_t total,
                           aof_load_result *res, aof_err *err) {
    replay_state st = {srv, client_create(srv, -1), 0, start};
    st.c->flags |= CLIENT_FAKE | CLIENT_DENY_BLOCKING;
    aof_reader *r = aof_reader_open(fd, start, size);
    int rc;
    for (;;) {
        int argc;
        sds *argv;
        uint64_t before = aof_reader_good_offset(r);
        rc = aof_reader_next(r, &argc, &argv);
        if (rc <= 0) break;
        rc = replay_one(&st, argc, argv, before, name, err);
        if (rc < 0) break;
        if (o && o->progress && st.commands % AOF_REPLAY_PROGRESS_EVERY == 0)
            o->progress(o->priv, done + aof_reader_good_offset(r), total);
    }
    uint64_t good = aof_reader_good_offset(r);
    if (rc == 0 && (st.c->flags & CLIENT_MULTI)) {
        log_msg(LOG_WARNING, "Revert incomplete MULTI/EXEC transaction in AOF file %s", name);
        rc = handle_truncated(path, name, last_file, o, st.before_multi, size, "MULTI without EXEC", res, err);
    } else if (rc == -ENODATA) {
        uint64_t at = (st.c->flags & CLIENT_MULTI) ? st.before_multi : good;
        rc = handle_truncated(path, name, last_file, o, at, size, aof_reader_errstr(r), res, err);
    } else if (rc == -EBADMSG && err->code == 0) {
        uint64_t bad = aof_reader_error_offset(r);
        if (aof_tail_is_zero(fd, bad, size)) {
            uint64_t at = (st.c->flags & CLIENT_MULTI) ? st.before_multi : good;
            rc = handle_truncated(path, name, last_file, o, at, size, "zero bytes after the last command (torn write)",
                                  res, err);
        } else {
            aof_err_set(err, -EBADMSG, name, 1, bad,
                    "Bad file format reading the append only file %s at offset %llu: %s. The file is corrupt before "
                    "its end, strata will not start on it. Inspect it with: strata-check-aof "
                    "<dir>/<appendfilename>.manifest. To start anyway, losing every write from that offset on: back "
                    "up the directory, then truncate -s %llu %s (and remove the later incr files from the manifest).",
                    name, (unsigned long long)bad, aof_reader_errstr(r), (unsigned long long)bad, path);
        }
    } else if (rc < 0 && rc != -EBADMSG && err->code == 0) {
        aof_err_set(err, rc, name, 1, aof_reader_error_offset(r), "Unrecoverable error reading the append only file %s: %s",
                name, aof_reader_errstr(r));
    }
    aof_reader_close(r);
    client_free(st.c);
    if (res) res->commands += st.commands;
    if (o && o->progress) o->progress(o->priv, done + size, total);
    return rc;
}

int aof_load_file(kv_server *srv, const char *path, const char *display_name, int last_file,
                  const aof_load_opts *o, uint64_t done, uint64_t total, aof_load_result *res, aof_err *err) {
    aof_err local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    const char *name = display_name ? display_name : path;
    int fd = fio_open(path, O_RDONLY, 0);
    if (fd < 0) {
        aof_err_set(err, fd, name, 0, 0, "Fatal error: can't open the append log file %s for reading: %s", name,
                strerror(-fd));
        return fd;
    }
    struct stat sb;
    int rc = fio_fstat(fd, &sb);
    if (rc < 0) {
        aof_err_set(err, rc, name, 0, 0, "Can't stat the append log file %s: %s", name, strerror(-rc));
        fio_close(fd);
        return rc;
    }
    uint64_t size = (uint64_t)sb.st_size, start = 0;
    if (size == 0) {
        fio_close(fd);
        return 0;
    }
    char sig[5];
    ssize_t n = fio_pread_all(fd, sig, sizeof(sig), 0);
    if (n == (ssize_t)sizeof(sig) && memcmp(sig, "REDIS", 5) == 0) {
        log_msg(LOG_NOTICE, "Reading RDB %s %s...", strstr(name, ".base.") ? "base file" : "preamble from AOF file",
                name);
        rc = load_preamble(srv, fd, size, name, o, done, total, &start, err);
        if (rc < 0) {
            fio_close(fd);
            return rc;
        }
        if (res && strstr(name, ".base.")) res->base_rdb = 1;
        if (start < size) log_msg(LOG_NOTICE, "Reading the remaining AOF tail...");
    }
    if (start < size) rc = replay_commands(srv, fd, path, name, start, size, last_file, o, done, total, res, err);
    fio_close(fd);
    return rc;
}

/* ---- the directory ------------------------------------------------------------------- */

static int file_path(char *out, size_t cap, const char *dir, const char *name) {
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= cap) ? -ENAMETOOLONG : 0;
}

/* Stat every file the manifest names; the total size. */
static int check_files(const char *dir, const aof_manifest *m, const char *mname, uint64_t *total, aof_err *err) {
    *total = 0;
    int n = (m->has_base ? 1 : 0) + m->nincr;
    for (int i = 0; i < n; i++) {
        const aof_mfile *f = (m->has_base && i == 0) ? &m->base : &m->incr[i - (m->has_base ? 1 : 0)];
        char path[PATH_MAX];
        struct stat sb;
        int rc = file_path(path, sizeof(path), dir, f->name);
        if (rc == 0) rc = fio_stat(path, &sb);
        if (rc < 0) {
            aof_err_set(err, rc == -ENOENT ? -ESTALE : rc, f->name, 0, 0,
                    "The AOF manifest %s names the file %s (seq %lld, type %c), which %s: refusing to load a partial "
                    "AOF. Restore the file, or inspect with strata-check-aof %s",
                    mname, f->name, f->seq, f->type, rc == -ENOENT ? "does not exist" : strerror(-rc), mname);
            return err->code;
        }
        *total += (uint64_t)sb.st_size;
    }
    return 0;
}

int aof_load_dir(kv_server *srv, const char *dir, const char *appendfilename, const aof_load_opts *o,
                 aof_load_result *res, aof_err *err) {
    aof_manifest m;
    aof_load_result local;
    aof_err lerr;
    char mname[PATH_MAX];
    if (!res) res = &local;
    if (!err) err = &lerr;
    memset(res, 0, sizeof(*res));
    memset(err, 0, sizeof(*err));
    snprintf(mname, sizeof(mname), "%s/%s.manifest", dir, appendfilename);
    aof_manifest_init(&m);
    int rc = aof_manifest_load(&m, dir, appendfilename, err);
    if (rc == -ENOENT) return 1;
    if (rc < 0) return rc;
    if (!m.has_base && m.nincr == 0) {
        aof_manifest_free(&m);
        return 1;
    }
    uint64_t total = 0;
    rc = check_files(dir, &m, mname, &total, err);
    if (rc < 0) {
        aof_manifest_free(&m);
        return rc;
    }
    res->total_bytes = total;
    long long t0 = (long long)util_monotonic_us();
    int was_loading = srv->loading;
    srv->loading = 1;
    int nfiles = (m.has_base ? 1 : 0) + m.nincr;
    uint64_t done = 0;
    for (int i = 0; i < nfiles && rc == 0; i++) {
        const aof_mfile *f = (m.has_base && i == 0) ? &m.base : &m.incr[i - (m.has_base ? 1 : 0)];
        char path[PATH_MAX];
        struct stat sb;
        file_path(path, sizeof(path), dir, f->name);
        uint64_t size = fio_stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
        if (f->type == AOF_FILE_BASE) res->base_size = size;
        long long f0 = (long long)util_monotonic_us();
        rc = aof_load_file(srv, path, f->name, i == nfiles - 1, o, done, total, res, err);
        if (rc == 0)
            log_msg(LOG_NOTICE, "DB loaded from %s file %s: %.3f seconds", f->type == AOF_FILE_BASE ? "base" : "incr",
                    f->name, (double)((long long)util_monotonic_us() - f0) / 1e6);
        done += size;
    }
    srv->loading = was_loading;
    res->seconds = (double)((long long)util_monotonic_us() - t0) / 1e6;
    aof_manifest_free(&m);
    return rc;
}

/* ---- old single-file AOF -------------------------------------------------------------- */

static int exists(const char *path) {
    struct stat sb;
    return fio_stat(path, &sb) == 0;
}

int aof_upgrade_old_file(const char *dir, const char *appendfilename, aof_err *err) {
    if (!exists(appendfilename)) return 0;
    aof_manifest m;
    aof_manifest_init(&m);
    char inside[PATH_MAX];
    if (file_path(inside, sizeof(inside), dir, appendfilename) < 0) return -ENAMETOOLONG;
    int rc = exists(dir) ? aof_manifest_load(&m, dir, appendfilename, err) : -ENOENT;
    if (rc < 0 && rc != -ENOENT) return rc;
    /* Redis 7.0's three cases: no dir; a manifest with no files; a manifest
     * naming only the old file as its base, which is not moved in yet (a
     * crash in the middle of a previous upgrade). */
    int upgrade = rc == -ENOENT || (!m.has_base && m.nincr == 0) ||
                  (m.has_base && m.nincr == 0 && !strcmp(m.base.name, appendfilename) && !exists(inside));
    aof_manifest_free(&m);
    if (!upgrade) return 0;
    rc = fio_mkdir(dir, 0755);
    if (rc == 0) rc = fio_fsync_dir(".");
    if (rc < 0 && rc != -EEXIST) {
        aof_err_set(err, rc, dir, 0, 0, "Can't open or create append-only dir %s: %s", dir, strerror(-rc));
        return rc;
    }
    aof_manifest_init(&m);
    m.base.name = mem_strdup(appendfilename);
    m.base.seq = 1;
    m.base.type = AOF_FILE_BASE;
    m.has_base = 1;
    m.base_seq = 1;
    rc = aof_manifest_save(&m, dir, appendfilename);
    aof_manifest_free(&m);
    if (rc == 0) rc = fio_rename(appendfilename, inside);
    if (rc == 0) rc = fio_fsync_dir(dir);
    if (rc == 0) rc = fio_fsync_dir(".");
    if (rc < 0) {
        aof_err_set(err, rc, appendfilename, 0, 0, "Error trying to move the old AOF file %s into dir %s: %s",
                appendfilename, dir, strerror(-rc));
        return rc;
    }
    log_msg(LOG_NOTICE, "Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", appendfilename,
            dir);
    return 1;
}

int aof_exists(const char *dir, const char *appendfilename) {
    if (exists(appendfilename)) return 1;
    aof_manifest m;
    aof_manifest_init(&m);
    int rc = aof_manifest_load(&m, dir, appendfilename, NULL);
    int has = rc == 0 && (m.has_base || m.nincr > 0);
    if (rc < 0 && rc != -ENOENT) has = 1; /* a manifest we cannot read still means an AOF is there */
    aof_manifest_free(&m);
    return has;
}
