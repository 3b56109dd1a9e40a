/*
 * tools/strata-check-aof.c — verify an AOF (Redis 7 multi-part or a single
 * file), report the first bad offset, and repair a truncated tail.
 *
 *   strata-check-aof [--fix] [--yes] FILE|MANIFEST
 *
 * FILE: one AOF file (an incr, a base, or an old single-file AOF, with or
 * without an RDB preamble).  MANIFEST: <appendfilename>.manifest; every
 * base and incr file it names is checked in order (a missing one is an
 * error).
 *
 * What is checked: the RDB preamble when the file starts with "REDIS"
 * (decoded with rdb/rdb.h, checksum included), then every command (the
 * reader of aof/aof.h: "*<n>", "$<len>", CRLFs), MULTI/EXEC pairing.
 * Values are not replayed.
 *
 * Verdicts (the same rules as the server's loader, aof/aof_load.c):
 *   valid      exit 0;
 *   truncated  the file ends inside a command or a MULTI, or only zero
 *              bytes follow the last whole command (a torn append): it can
 *              be fixed by cutting it at the last whole command (or before
 *              the unfinished MULTI).  With a manifest only the last file
 *              may be truncated;
 *   corrupt    anything else (bytes that are not a command, a damaged RDB
 *              preamble, a nested MULTI): exit 1 and never modified, since
 *              cutting there could drop valid writes that follow.
 * --fix asks before truncating a truncated file ("Continue? [y/N]"), or
 * does it at once with --yes; the cut is fsync'd.  Exit 0 when the file is
 * valid or was fixed, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof/aof.h"
#include "engine/config.h"
#include "engine/mem.h"
#include "engine/object.h"
#include "engine/server.h"
#include "rdb/fio.h"
#include "rdb/rdb.h"
#include "rdb/stream.h"

enum verdict { V_VALID = 0, V_TRUNCATED = 1, V_CORRUPT = 2 };

typedef struct check {
    int verdict;
    uint64_t size;
    uint64_t ok_up_to;   /* where a fix would cut */
    uint64_t bad_at;     /* where the damage starts */
    long long commands;
    long long line;      /* lines up to ok_up_to, as redis-check-aof counts */
    char why[600]; /* room for an rdb_err text (512) and a prefix */
} check;

/* ---- the RDB preamble ------------------------------------------------------------ */

static int discard_key(void *priv, rdb_reader *r, uint64_t dbid, int rdbtype, sds key, kv_obj *val,
                       const rdb_key_meta *meta) {
    (void)priv;
    (void)r;
    (void)dbid;
    (void)rdbtype;
    (void)meta;
    sds_free(key);
    obj_decr_ref(val);
    return 0;
}

static int check_preamble(int fd, uint64_t size, const char *name, uint64_t *used, check *ck) {
    rdb_load_opts o;
    memset(&o, 0, sizeof(o));
    o.name = name;
    o.size = size;
    o.deep = 1;
    rdb_sink sink = {NULL, NULL, NULL, discard_key, NULL, NULL};
    rdb_info info;
    rdb_err err;
    memset(&info, 0, sizeof(info));
    memset(&err, 0, sizeof(err));
    strm *s = strm_file(fd, STRM_READ);
    int rc = rdb_decode(s, &o, &sink, &info, &err);
    strm_close(s);
    if (rc) {
        ck->verdict = V_CORRUPT;
        ck->bad_at = err.offset;
        snprintf(ck->why, sizeof(ck->why), "RDB preamble: %s%s", err.text,
                 rc == -ENOTSUP ? " (a type this build cannot read: not verified)" : "");
        return -1;
    }
    printf("RDB preamble is OK (RDB version %d, %lld keys, %llu bytes)\n", info.version, info.keys,
           (unsigned long long)info.bytes);
    *used = info.bytes;
    return 0;
}

/* ---- the commands ------------------------------------------------------------------ */

static long long count_lines(int fd, uint64_t upto) {
    char buf[65536];
    long long lines = 0;
    uint64_t off = 0;
    while (off < upto) {
        size_t want = upto - off < sizeof(buf) ? (size_t)(upto - off) : sizeof(buf);
        ssize_t n = fio_pread(fd, buf, want, (off_t)off);
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] == '\n') lines++;
        off += (uint64_t)n;
    }
    return lines;
}

static void check_commands(int fd, uint64_t start, check *ck) {
    aof_reader *r = aof_reader_open(fd, start, ck->size);
    int in_multi = 0, rc, argc;
    uint64_t before_multi = start;
    sds *argv;
    for (;;) {
        uint64_t before = aof_reader_good_offset(r);
        rc = aof_reader_next(r, &argc, &argv);
        if (rc <= 0) break;
        ck->commands++;
        int multi = !strcasecmp(argv[0], "multi"), exec = !strcasecmp(argv[0], "exec");
        aof_free_argv(argc, argv);
        if (multi && in_multi) {
            ck->verdict = V_CORRUPT;
            ck->bad_at = before;
            snprintf(ck->why, sizeof(ck->why), "MULTI inside MULTI at offset %llu", (unsigned long long)before);
            aof_reader_close(r);
            return;
        }
        if (exec && !in_multi) {
            ck->verdict = V_CORRUPT;
            ck->bad_at = before;
            snprintf(ck->why, sizeof(ck->why), "EXEC without MULTI at offset %llu", (unsigned long long)before);
            aof_reader_close(r);
            return;
        }
        if (multi) {
            in_multi = 1;
            before_multi = before;
        }
        if (exec) in_multi = 0;
    }
    uint64_t good = aof_reader_good_offset(r);
    if (rc == 0 && in_multi) {
        ck->verdict = V_TRUNCATED;
        ck->ok_up_to = before_multi;
        ck->bad_at = before_multi;
        snprintf(ck->why, sizeof(ck->why), "a MULTI at offset %llu is never closed by EXEC",
                 (unsigned long long)before_multi);
    } else if (rc == 0) {
        ck->ok_up_to = good;
    } else if (rc == -ENODATA || (rc == -EBADMSG && aof_tail_is_zero(fd, aof_reader_error_offset(r), ck->size))) {
        ck->verdict = V_TRUNCATED;
        ck->ok_up_to = in_multi ? before_multi : good;
        ck->bad_at = aof_reader_error_offset(r);
        snprintf(ck->why, sizeof(ck->why), "%s", rc == -ENODATA ? aof_reader_errstr(r) : "zero bytes after the last command (torn write)");
    } else {
        ck->verdict = V_CORRUPT;
        ck->ok_up_to = good;
        ck->bad_at = aof_reader_error_offset(r);
        snprintf(ck->why, sizeof(ck->why), "%s", aof_reader_errstr(r));
    }
    aof_reader_close(r);
}

static int check_file(const char *path, check *ck) {
    memset(ck, 0, sizeof(*ck));
    int fd = fio_open(path, O_RDONLY, 0);
    if (fd < 0) {
        fprintf(stderr, "Cannot open file %s: %s\n", path, strerror(-fd));
        return fd;
    }
    struct stat sb;
    if (fio_fstat(fd, &sb) < 0) {
        fio_close(fd);
        return -EIO;
    }
    ck->size = (uint64_t)sb.st_size;
    uint64_t start = 0;
    char sig[5];
    if (fio_pread_all(fd, sig, 5, 0) == 5 && !memcmp(sig, "REDIS", 5)) {
        printf("The AOF appears to start with an RDB preamble.\nChecking the RDB preamble...\n");
        if (check_preamble(fd, ck->size, path, &start, ck) < 0) {
            fio_close(fd);
            return 0;
        }
    }
    if (start < ck->size) check_commands(fd, start, ck);
    else ck->ok_up_to = ck->size;
    ck->line = count_lines(fd, ck->ok_up_to) + 1;
    fio_close(fd);
    return 0;
}

/* ---- fixing -------------------------------------------------------------------------- */

static int ask(int yes) {
    if (yes) return 1;
    printf("Continue? [y/N]: ");
    fflush(stdout);
    char buf[16];
    if (!fgets(buf, sizeof(buf), stdin)) return 0;
    return buf[0] == 'y' || buf[0] == 'Y';
}

static int fix(const char *path, const check *ck, int yes) {
    printf("This will shrink the AOF %s from %llu bytes, with %llu bytes, to %llu bytes\n", path,
           (unsigned long long)ck->size, (unsigned long long)(ck->size - ck->ok_up_to),
           (unsigned long long)ck->ok_up_to);
    if (!ask(yes)) {
        printf("Aborting...\n");
        return 1;
    }
    int fd = fio_open(path, O_WRONLY, 0);
    int rc = fd < 0 ? fd : fio_ftruncate(fd, (off_t)ck->ok_up_to);
    if (rc == 0) rc = fio_fsync(fd);
    if (fd >= 0) fio_close(fd);
    if (rc < 0) {
        printf("Failed to truncate AOF %s: %s\n", path, strerror(-rc));
        return 1;
    }
    printf("Successfully truncated AOF %s\n", path);
    return 0;
}

/* Report one file; 0 valid or fixed, 1 otherwise. */
static int report(const char *path, const check *ck, int may_fix, int do_fix, int yes) {
    printf("AOF analyzed: filename=%s, size=%llu, ok_up_to=%llu, ok_up_to_line=%lld, diff=%llu\n", path,
           (unsigned long long)ck->size, (unsigned long long)ck->ok_up_to, ck->line,
           (unsigned long long)(ck->size - ck->ok_up_to));
    if (ck->verdict == V_VALID) {
        printf("AOF %s is valid (%lld commands)\n", path, ck->commands);
        return 0;
    }
    if (ck->verdict == V_CORRUPT) {
        printf("AOF %s is corrupt at offset %llu: %s\n", path, (unsigned long long)ck->bad_at, ck->why);
        printf("This is not a truncated tail: strata-check-aof will not modify the file (cutting it at offset %llu "
               "would drop every write after the damage). Restore it from a backup, or cut it yourself if those "
               "writes may be lost: truncate -s %llu %s\n",
               (unsigned long long)ck->bad_at, (unsigned long long)ck->ok_up_to, path);
        return 1;
    }
    printf("AOF %s is truncated at offset %llu: %s\n", path, (unsigned long long)ck->bad_at, ck->why);
    if (!may_fix) {
        printf("The truncated file is not the last one of the manifest: strata-check-aof will not modify it.\n");
        return 1;
    }
    if (!do_fix) {
        printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", path);
        return 1;
    }
    return fix(path, ck, yes);
}

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static int check_manifest(const char *mpath, int do_fix, int yes) {
    char dir[PATH_MAX], base[PATH_MAX];
    if (fio_dirname(mpath, dir, sizeof(dir)) < 0) return 1;
    const char *slash = strrchr(mpath, '/');
    snprintf(base, sizeof(base), "%s", slash ? slash + 1 : mpath);
    base[strlen(base) - strlen(".manifest")] = '\0';
    aof_manifest m;
    aof_err err;
    aof_manifest_init(&m);
    int rc = aof_manifest_load(&m, dir, base, &err);
    if (rc < 0) {
        printf("%s\n", rc == -ENOENT ? "The manifest file does not exist" : err.text);
        return 1;
    }
    printf("Start checking Multi Part AOF\n");
    int n = (m.has_base ? 1 : 0) + m.nincr, bad = 0;
    for (int i = 0; i < n && !bad; i++) {
        const aof_mfile *f = (m.has_base && i == 0) ? &m.base : &m.incr[i - (m.has_base ? 1 : 0)];
        char path[PATH_MAX + 256];
        snprintf(path, sizeof(path), "%s/%s", dir, f->name);
        struct stat sb;
        if (fio_stat(path, &sb) < 0) {
            printf("The manifest names %s (seq %lld, type %c), which does not exist\n", f->name, f->seq, f->type);
            bad = 1;
            break;
        }
        printf("Start to check %s AOF file %s\n", f->type == AOF_FILE_BASE ? "BASE" : "INCR", f->name);
        check ck;
        if (check_file(path, &ck) < 0) {
            bad = 1;
            break;
        }
        bad = report(path, &ck, i == n - 1, do_fix, yes);
    }
    if (!bad) printf("All AOF files and manifest are valid\n");
    aof_manifest_free(&m);
    return bad;
}

static void usage(void) {
    fprintf(stderr, "Usage: strata-check-aof [--fix] [--yes] <file.manifest|file.aof>\n");
    exit(1);
}

int main(int argc, char **argv) {
    int do_fix = 0, yes = 0;
    const char *target = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fix")) do_fix = 1;
        else if (!strcmp(argv[i], "--yes") || !strcmp(argv[i], "-y")) yes = 1;
        else if (argv[i][0] == '-' && argv[i][1]) usage();
        else if (!target) target = argv[i];
        else usage();
    }
    if (!target) usage();
    /* A server for the codecs the type modules register (RDB preambles). */
    strata_config cfg;
    config_init(&cfg);
    kv_server *srv = server_create(&cfg);
    int rc;
    if (ends_with(target, ".manifest")) {
        rc = check_manifest(target, do_fix, yes);
    } else {
        check ck;
        printf("Start checking Old-Style AOF\n");
        rc = check_file(target, &ck) < 0 ? 1 : report(target, &ck, 1, do_fix, yes);
    }
    server_free(srv);
    config_free(&cfg);
    return rc;
}
