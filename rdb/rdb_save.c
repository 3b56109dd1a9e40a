/*
 * rdb/rdb_save.c — the RDB encoder, saving a snapshot file durably, and
 * the BGSAVE child process.
 *
 * What a save writes (format in rdb_load.c's header comment):
 *   "REDIS0010" (or "STRATAL0010" when compressing with LZ4)
 *   AUX redis-ver 7.0.15, redis-bits, ctime, used-mem, aof-base, strata-ver
 *   per non-empty db: SELECTDB id, RESIZEDB keys expires, then per key:
 *     [EXPIRETIME_MS u64le] [IDLE len | FREQ u8] type key value
 *   EOF, CRC-64 of everything before (eight zero bytes with rdbchecksum no).
 * Strings: the 32-bit integer encodings when the bytes are a canonical
 * integer (<= 11 chars), LZF/LZ4 when compression is on, the string is over
 * 20 bytes and the block saves at least 4 bytes (Redis's rule), else plain.
 *
 * Durability (rdb/fio.h invariants, STYLE #8): the file is written to a
 * temp file in the destination's directory ("temp-<pid>.rdb", as Redis),
 * fdatasync'ed every 4 MB under rdb-save-incremental-fsync, synced, renamed
 * over the destination, and the directory synced (fio_replace_durably).
 *   (1) at every instant the destination names the complete old file or the
 *       complete, synced new one; a failure anywhere leaves the old one and
 *       removes the temp file;
 *   (2) a failed write or sync is returned, never retried or ignored.
 *
 * BGSAVE: fork(); the child closes every socket it inherited (so a
 * restarted server can bind the port while it finishes), writes the
 * snapshot of the databases as they were at fork time (copy-on-write),
 * sends a small report (its copy-on-write bytes, keys written) through a
 * pipe, and _exit()s 0 or 1.  The parent reaps it from the cron
 * (rdb_child_poll) and keeps dict resizing off while it lives so the pages
 * shared with the child stay shared.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/config.h"
#include "engine/dict.h"
#include "engine/log.h"
#include "engine/mem.h"
#include "engine/object.h"
#include "engine/server.h"
#include "engine/util.h"
#include "rdb/compress.h"
#include "rdb/crc64.h"
#include "rdb/fio.h"
#include "rdb/rdb_int.h"

#define CHILD_REPORT_MAGIC 0x5354524154415244ull /* "STRATARD" */

/* ---- writer primitives ----------------------------------------------------------- */

void rdb_writer_init(rdb_writer *w, strm *s, int compression) {
    memset(w, 0, sizeof(*w));
    w->s = s;
    w->compression = compression;
}

void rdb_writer_free(rdb_writer *w) {
    mem_free(w->cbuf);
    w->cbuf = NULL;
    w->ccap = 0;
}

static int wr(rdb_writer *w, const void *p, size_t n) { return strm_write(w->s, p, n); }

int rdb_write_u8(rdb_writer *w, uint8_t v) { return wr(w, &v, 1); }

static void put_le(uint8_t *b, uint64_t v, int n) {
    for (int i = 0; i < n; i++) b[i] = (uint8_t)(v >> (8 * i));
}

int rdb_write_len(rdb_writer *w, uint64_t len) {
    uint8_t b[9];
    size_t n;
    if (len < (1 << 6)) {
        b[0] = (uint8_t)len;
        n = 1;
    } else if (len < (1 << 14)) {
        b[0] = (uint8_t)(0x40 | (len >> 8));
        b[1] = (uint8_t)len;
        n = 2;
    } else if (len <= UINT32_MAX) {
        b[0] = 0x80;
        for (int i = 0; i < 4; i++) b[1 + i] = (uint8_t)(len >> (24 - 8 * i));
        n = 5;
    } else {
        b[0] = 0x81;
        for (int i = 0; i < 8; i++) b[1 + i] = (uint8_t)(len >> (56 - 8 * i));
        n = 9;
    }
    return wr(w, b, n);
}

/* The int8/16/32 encoding of v; 0 when v does not fit 32 bits. */
static size_t int_encoding(long long v, uint8_t *b) {
    if (v >= INT8_MIN && v <= INT8_MAX) {
        b[0] = 0xc0 | RDB_ENC_INT8;
        b[1] = (uint8_t)(int8_t)v;
        return 2;
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
        b[0] = 0xc0 | RDB_ENC_INT16;
        put_le(b + 1, (uint64_t)(uint16_t)(int16_t)v, 2);
        return 3;
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
        b[0] = 0xc0 | RDB_ENC_INT32;
        put_le(b + 1, (uint64_t)(uint32_t)(int32_t)v, 4);
        return 5;
    }
    return 0;
}

/* 1 written compressed, 0 not worth it, -errno. */
static int write_compressed(rdb_writer *w, const void *p, size_t len) {
    if (len <= 20) return 0;
    size_t cap = len - 4;
    if (w->compression == RDB_COMPRESS_LZ4) { /* the full bound is LZ4's fast path */
        size_t bound = cmp_lz4_bound(len);
        if (bound) cap = bound;
    }
    if (cap > w->ccap) {
        mem_free(w->cbuf);
        w->cbuf = mem_alloc(cap);
        w->ccap = cap;
    }
    size_t n = w->compression == RDB_COMPRESS_LZ4 ? cmp_lz4_compress(p, len, w->cbuf, cap)
                                                  : cmp_lzf_compress(p, len, w->cbuf, cap);
    if (n == 0 || n > len - 4) return 0; /* Redis's rule: save at least 4 bytes */
    uint8_t t = 0xc0 | RDB_ENC_COMPRESSED;
    int rc = wr(w, &t, 1);
    if (!rc) rc = rdb_write_len(w, n);
    if (!rc) rc = rdb_write_len(w, len);
    if (!rc) rc = wr(w, w->cbuf, n);
    return rc ? rc : 1;
}

int rdb_write_string(rdb_writer *w, const void *p, size_t len) {
    long long v;
    uint8_t b[5];
    if (len <= 11 && len > 0 && str_to_ll(p, len, &v)) {
        size_t n = int_encoding(v, b);
        if (n) return wr(w, b, n);
    }
    if (w->compression != RDB_COMPRESS_NONE) {
        int rc = write_compressed(w, p, len);
        if (rc) return rc < 0 ? rc : 0;
    }
    int rc = rdb_write_len(w, len);
    return rc || len == 0 ? rc : wr(w, p, len);
}

int rdb_write_ll(rdb_writer *w, long long v) {
    uint8_t b[5];
    size_t n = int_encoding(v, b);
    if (n) return wr(w, b, n);
    char buf[32];
    int len = ll_to_str(buf, sizeof(buf), v);
    int rc = rdb_write_len(w, (uint64_t)len);
    return rc ? rc : wr(w, buf, (size_t)len);
}

int rdb_write_string_obj(rdb_writer *w, const kv_obj *o) {
    if (o->enc == OBJ_ENC_INT) return rdb_write_ll(w, (long long)(intptr_t)o->ptr);
    return rdb_write_string(w, o->ptr, sds_len(o->ptr));
}

int rdb_write_double_bin(rdb_writer *w, double d) {
    uint64_t u;
    uint8_t b[8];
    memcpy(&u, &d, sizeof(u));
    put_le(b, u, 8);
    return wr(w, b, 8);
}

/* ---- values and keys ------------------------------------------------------------- */

static int value_type(const kv_obj *o) {
    if (o->type == OBJ_STRING) return RDB_TYPE_STRING;
    const rdb_codec *c = rdb_codec_for_objtype(o->type);
    return c && c->save_type && c->save ? c->save_type(o) : -1;
}

static int write_payload(rdb_writer *w, const kv_obj *o) {
    if (o->type == OBJ_STRING) return rdb_write_string_obj(w, o);
    return rdb_codec_for_objtype(o->type)->save(w, o);
}

int rdb_write_value(rdb_writer *w, const kv_obj *o) {
    int t = value_type(o);
    if (t < 0) return -ENOTSUP;
    int rc = rdb_write_u8(w, (uint8_t)t);
    return rc ? rc : write_payload(w, o);
}

static int write_aux(rdb_writer *w, const char *k, const char *v) {
    int rc = rdb_write_u8(w, RDB_OPCODE_AUX);
    if (!rc) rc = rdb_write_string(w, k, strlen(k));
    if (!rc) rc = rdb_write_string(w, v, strlen(v));
    return rc;
}

static int write_aux_ll(rdb_writer *w, const char *k, long long v) {
    char buf[32];
    ll_to_str(buf, sizeof(buf), v);
    return write_aux(w, k, buf);
}

static int write_header(rdb_writer *w, const rdb_save_opts *o) {
    char magic[16];
    if (o->compression == RDB_COMPRESS_LZ4) snprintf(magic, sizeof(magic), "%s%04d", RDB_STRATA_MAGIC, RDB_VERSION);
    else snprintf(magic, sizeof(magic), "REDIS%04d", RDB_VERSION);
    int rc = wr(w, magic, strlen(magic));
    if (!rc) rc = write_aux(w, "redis-ver", RDB_REDIS_VER);
    if (!rc) rc = write_aux_ll(w, "redis-bits", (long long)sizeof(void *) * 8);
    if (!rc) rc = write_aux_ll(w, "ctime", (long long)time(NULL));
    if (!rc) rc = write_aux_ll(w, "used-mem", o->used_mem);
    if (!rc) rc = write_aux_ll(w, "aof-base", o->aof_base);
    if (!rc) rc = write_aux(w, "strata-ver", STRATA_VERSION);
    return rc;
}

static int write_key(rdb_writer *w, const rdb_save_opts *o, const sds key, const kv_obj *val, long long expire) {
    int rc = 0;
    int t = value_type(val);
    if (t < 0) return -ENOTSUP;
    if (expire >= 0) {
        uint8_t b[9];
        b[0] = RDB_OPCODE_EXPIRETIME_MS;
        put_le(b + 1, (uint64_t)expire, 8);
        rc = wr(w, b, 9);
    }
    if (!rc && o->write_idle) {
        rc = rdb_write_u8(w, RDB_OPCODE_IDLE);
        if (!rc) rc = rdb_write_len(w, obj_idle_ms(val) / 1000);
    } else if (!rc && o->write_freq) {
        uint8_t b[2] = {RDB_OPCODE_FREQ, (uint8_t)obj_lfu_count(val)};
        rc = wr(w, b, 2);
    }
    if (!rc) rc = rdb_write_u8(w, (uint8_t)t);
    if (!rc) rc = rdb_write_string(w, key, sds_len(key));
    if (!rc) rc = write_payload(w, val);
    return rc;
}

static int write_db(rdb_writer *w, const rdb_save_opts *o, kv_db *db, long long *keys, const kv_obj **bad) {
    size_t n = dict_size(db->keys), ne = dict_size(db->expires);
    if (n == 0) return 0;
    int rc = rdb_write_u8(w, RDB_OPCODE_SELECTDB);
    if (!rc) rc = rdb_write_len(w, (uint64_t)db->id);
    if (!rc) rc = rdb_write_u8(w, RDB_OPCODE_RESIZEDB);
    if (!rc) rc = rdb_write_len(w, n);
    if (!rc) rc = rdb_write_len(w, ne);
    dict_iter it;
    dict_entry *de;
    dict_iter_init(&it, db->keys, 0);
    while (!rc && (de = dict_next(&it))) {
        long long expire = -1;
        if (ne) {
            dict_entry *ee = dict_find(db->expires, de->key);
            if (ee) expire = ee->v.s64;
        }
        rc = write_key(w, o, de->key, de->v.val, expire);
        if (rc == -ENOTSUP) *bad = de->v.val;
        (*keys)++;
        if (o->progress && (*keys & 1023) == 0) o->progress(o->priv, *keys);
    }
    dict_iter_reset(&it);
    return rc;
}

static void stream_error(rdb_err *err, strm *s, int rc, const kv_obj *bad) {
    if (rc == -ENOTSUP && bad)
        rdb_err_set(err, rc, strm_tell(s), "cannot save a value of type '%s': no RDB codec registered",
                    obj_type_name(bad));
    else
        rdb_err_set(err, rc, strm_tell(s), "%s", strm_error(s) ? strm_errstr(s) : strerror(-rc));
}

int rdb_encode(strm *s, kv_db *dbs, int dbnum, const rdb_save_opts *o, long long *keys, rdb_err *err) {
    rdb_writer w;
    long long nkeys = 0;
    const kv_obj *bad = NULL;
    rdb_writer_init(&w, s, o->compression);
    strm_set_checksum(s, crc64, 0);
    int rc = write_header(&w, o);
    for (int i = 0; !rc && i < dbnum; i++) rc = write_db(&w, o, &dbs[i], &nkeys, &bad);
    if (!rc) rc = rdb_write_u8(&w, RDB_OPCODE_EOF);
    uint64_t crc = o->checksum ? strm_checksum(s) : 0;
    strm_set_checksum(s, NULL, 0);
    if (!rc) {
        uint8_t b[8];
        put_le(b, crc, 8);
        rc = wr(&w, b, 8);
    }
    rdb_writer_free(&w);
    if (keys) *keys = nkeys;
    if (rc) stream_error(err, s, rc, bad);
    return rc;
}

int rdb_encode_value(strm *s, const kv_obj *o, int compression, rdb_err *err) {
    rdb_writer w;
    rdb_writer_init(&w, s, compression);
    int rc = rdb_write_value(&w, o);
    rdb_writer_free(&w);
    if (rc) stream_error(err, s, rc, o);
    return rc;
}

/* ---- DUMP payloads ------------------------------------------------------------------ */

sds rdb_dump_payload(const kv_obj *o, int compression) {
    strm *s = strm_membuf(64);
    if (compression == RDB_COMPRESS_LZ4) compression = RDB_COMPRESS_LZF; /* Redis must read it */
    int rc = rdb_encode_value(s, o, compression, NULL);
    uint8_t foot[10];
    size_t len;
    const unsigned char *data = strm_membuf_data(s, &len);
    put_le(foot, RDB_VERSION, 2);
    uint64_t crc = crc64(crc64(0, data, len), foot, 2);
    put_le(foot + 2, crc, 8);
    if (!rc) rc = strm_write(s, foot, sizeof(foot));
    sds out = NULL;
    if (!rc) {
        data = strm_membuf_data(s, &len);
        out = sds_newlen(data, len);
    }
    strm_close(s);
    return out;
}

/* ---- files ------------------------------------------------------------------------ */

void rdb_temp_path(const char *final_path, pid_t pid, char *out, size_t cap) {
    const char *slash = strrchr(final_path, '/');
    if (slash)
        snprintf(out, cap, "%.*s/temp-%d.rdb", (int)(slash - final_path), final_path, (int)pid);
    else
        snprintf(out, cap, "temp-%d.rdb", (int)pid);
}

int rdb_save_file(const char *path, const char *tmp_path, kv_db *dbs, int dbnum, const rdb_save_opts *o,
                  int incremental_fsync, long long *keys, rdb_err *err) {
    rdb_err local;
    char tmp[PATH_MAX];
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    if (!tmp_path) {
        rdb_temp_path(path, getpid(), tmp, sizeof(tmp));
        tmp_path = tmp;
    }
    int fd = fio_open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        char cwd[PATH_MAX];
        rdb_err_set(err, fd, 0, "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s", tmp_path,
                    getcwd(cwd, sizeof(cwd)) ? cwd : "unknown", strerror(-fd));
        return fd;
    }
    strm *s = strm_file(fd, STRM_WRITE);
    if (incremental_fsync) strm_set_autosync(s, RDB_AUTOSYNC_BYTES);
    int rc = rdb_encode(s, dbs, dbnum, o, keys, err);
    if (!rc && (rc = strm_sync(s)) != 0) rdb_err_set(err, rc, strm_tell(s), "%s", strm_errstr(s));
    int crc = strm_close(s);
    if (!rc && crc) {
        rc = crc;
        rdb_err_set(err, rc, 0, "write error: %s", strerror(-rc));
    }
    int cl = fio_close(fd);
    if (!rc && cl) {
        rc = cl;
        rdb_err_set(err, rc, 0, "close error: %s", strerror(-rc));
    }
    if (rc) {
        fio_unlink(tmp_path);
        static const char prefix[] = "Write error saving DB on disk: ";
        size_t plen = sizeof(prefix) - 1, tlen = strnlen(err->text, sizeof(err->text) - 1 - plen);
        memmove(err->text + plen, err->text, tlen);
        memcpy(err->text, prefix, plen);
        err->text[plen + tlen] = '\0';
        return rc;
    }
    rc = fio_replace_durably(tmp_path, path);
    if (rc) {
        memset(err, 0, sizeof(*err));
        rdb_err_set(err, rc, 0, "Error moving temp DB file %s on the final destination %s: %s", tmp_path, path,
                    strerror(-rc));
    }
    return rc;
}

/* ---- options from the server's configuration ------------------------------------ */

void rdb_save_opts_from(kv_server *srv, rdb_save_opts *o) {
    const strata_config *cfg = srv->cfg;
    memset(o, 0, sizeof(*o));
    o->compression = cfg->rdbcompression == CONFIG_RDBCOMPRESSION_YES   ? RDB_COMPRESS_LZF
                     : cfg->rdbcompression == CONFIG_RDBCOMPRESSION_LZ4 ? RDB_COMPRESS_LZ4
                                                                        : RDB_COMPRESS_NONE;
    o->checksum = cfg->rdbchecksum;
    int p = cfg->maxmemory_policy;
    o->write_idle = p == CONFIG_MAXMEMORY_ALLKEYS_LRU || p == CONFIG_MAXMEMORY_VOLATILE_LRU;
    o->write_freq = p == CONFIG_MAXMEMORY_ALLKEYS_LFU || p == CONFIG_MAXMEMORY_VOLATILE_LFU;
    o->used_mem = (long long)mem_used();
}

/* ---- the BGSAVE child -------------------------------------------------------------- */

typedef struct child_report {
    uint64_t magic;
    uint64_t cow;
    int64_t keys;
    int32_t ok;
    int32_t pad;
} child_report;

/* Bytes of this process's private dirty pages (what copy-on-write cost). */
static size_t private_dirty(void) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f) f = fopen("/proc/self/smaps", "r");
    if (!f) return 0;
    char line[256];
    size_t total = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long kb;
        if (sscanf(line, "Private_Dirty: %lu kB", &kb) == 1) total += (size_t)kb * 1024;
    }
    fclose(f);
    return total;
}

/* Close every inherited socket: listening ones above all, so a restarted
 * server can bind while this child finishes. */
static void close_sockets(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return;
    int dfd = dirfd(d);
    int fds[1024], n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 1024) {
        int fd = atoi(e->d_name);
        struct stat sb;
        if (e->d_name[0] == '.' || fd == dfd) continue;
        if (fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode)) fds[n++] = fd;
    }
    closedir(d);
    for (int i = 0; i < n; i++) close(fds[i]);
}

static void child_main(kv_server *srv, int wfd) {
    rdb_save_opts o;
    rdb_err err;
    long long keys = 0;
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    log_set_role('C');
    close_sockets();
    rdb_save_opts_from(srv, &o);
    int rc = rdb_save_file(srv->cfg->dbfilename, NULL, srv->dbs, srv->dbnum, &o, srv->cfg->rdb_save_incremental_fsync,
                           &keys, &err);
    if (rc) log_msg(LOG_WARNING, "%s", err.text);
    else log_msg(LOG_NOTICE, "DB saved on disk");
    child_report rep = {CHILD_REPORT_MAGIC, private_dirty(), keys, rc == 0, 0};
    if (rep.cow) log_msg(LOG_NOTICE, "Fork CoW for RDB: current %zu MB", (size_t)(rep.cow >> 20));
    ssize_t wn = write(wfd, &rep, sizeof(rep));
    (void)wn;
    _exit(rc ? 1 : 0);
}

int rdb_fork_child(kv_server *srv, rdb_state *st) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -errno;
    uint64_t t0 = util_monotonic_us();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return -e;
    }
    if (pid == 0) {
        close(p[0]);
        child_main(srv, p[1]); /* never returns */
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    st->latest_fork_usec = (long long)(util_monotonic_us() - t0);
    st->total_forks++;
    st->child = pid;
    st->child_pipe = p[0];
    dict_set_resize_enabled(0);
    return 0;
}

int rdb_child_poll(rdb_state *st, int *ok, int *bysignal, size_t *cow) {
    int status = 0;
    *ok = 0;
    *bysignal = 0;
    *cow = 0;
    if (!st->child) return 0;
    pid_t r = waitpid(st->child, &status, WNOHANG);
    if (r == 0) return 0;
    if (r < 0 && errno == EINTR) return 0;
    if (r > 0 && WIFEXITED(status)) *ok = WEXITSTATUS(status) == 0;
    else if (r > 0 && WIFSIGNALED(status)) *bysignal = WTERMSIG(status);
    child_report rep;
    if (st->child_pipe >= 0) {
        if (read(st->child_pipe, &rep, sizeof(rep)) == (ssize_t)sizeof(rep) && rep.magic == CHILD_REPORT_MAGIC)
            *cow = (size_t)rep.cow;
        close(st->child_pipe);
    }
    st->child_pipe = -1;
    st->child = 0;
    dict_set_resize_enabled(1);
    return 1;
}
