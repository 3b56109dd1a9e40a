/*
 * tools/strata-check-rdb.c — verify an RDB file and say what it holds.
 *
 *   strata-check-rdb [-q] FILE
 *
 * Reads FILE with the server's own decoder (rdb/rdb.h) and prints the RDB
 * version, the AUX fields, FUNCTION libraries, keys per database, keys per
 * type and encoding, expiries (and how many have already passed), and the
 * checksum state.  On the first problem it prints the decoder's message —
 * the offset and the key being read — and exits 1; a good file exits 0.
 * -q prints only the verdict line (or the error).
 *
 * Every value type is verified structurally here, also the types whose
 * modules strata does not have yet: the tool installs its own "verify"
 * codecs (below) that walk each encoding with the public read primitives
 * and check compact blobs (ziplist, listpack, intset, zipmap) with the
 * engine's validators; the values themselves are not built.  Module values
 * are walked through their self-describing opcodes.  Hashes with field
 * TTLs (Redis 7.4 types 22-25) are walked as documented for 7.4.
 *
 * The file is never modified.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/intset.h"
#include "engine/listpack.h"
#include "engine/mem.h"
#include "engine/object.h"
#include "engine/util.h"
#include "engine/ziplist.h"
#include "engine/zipmap.h"
#include "rdb/fio.h"
#include "rdb/rdb.h"
#include "rdb/stream.h"

#define MAXDB 1024

typedef struct report {
    int quiet;
    long long keys, expires, expired, empty;
    long long per_db[MAXDB], per_db_exp[MAXDB];
    long long per_type[RDB_TYPE__COUNT];
    long long functions, aux;
    long long now_ms;
} report;

static report rep;

/* ---- verify codecs: walk a value, build nothing ------------------------------- */

static kv_obj *placeholder(void) { return obj_new_ll(0); }

static int read_n_strings(rdb_reader *r, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        sds s = rdb_read_sds(r);
        if (!s) return -1;
        sds_free(s);
    }
    return 0;
}

static int read_skip(rdb_reader *r, size_t n) {
    uint8_t b;
    for (size_t i = 0; i < n; i++)
        if (rdb_read_u8(r, &b)) return -1;
    return 0;
}

typedef int blob_check_fn(const unsigned char *b, size_t len);

static int check_ziplist(const unsigned char *b, size_t len) { return zl_validate(b, len); }
static int check_listpack(const unsigned char *b, size_t len) { return lp_validate(b, len); }
static int check_intset(const unsigned char *b, size_t len) { return is_validate(b, len); }
static int check_zipmap(const unsigned char *b, size_t len) { return zm_validate(b, len); }

/* One blob checked by fn; *empty when it holds no element. */
static int read_blob(rdb_reader *r, blob_check_fn *fn, const char *what, int *empty) {
    size_t len;
    unsigned char *b = rdb_read_blob(r, &len);
    if (!b) return -1;
    int bad = fn(b, len);
    if (!bad && empty) {
        if (fn == check_ziplist) *empty = zl_length(b, len) == 0;
        else if (fn == check_listpack) *empty = lp_length(b) == 0;
        else if (fn == check_zipmap) *empty = zm_length(b, len) == 0;
        else *empty = 0;
    }
    mem_free(b);
    if (bad) return rdb_fail(r, -EBADMSG, "invalid %s", what), -1;
    return 0;
}

static kv_obj *verify_plain(rdb_reader *r, int t) {
    uint64_t n;
    double d;
    if (rdb_read_len(r, &n)) return NULL;
    for (uint64_t i = 0; i < n; i++) {
        if (read_n_strings(r, t == RDB_TYPE_HASH ? 2 : 1)) return NULL;
        if (t == RDB_TYPE_ZSET && rdb_read_double_str(r, &d)) return NULL;
        if (t == RDB_TYPE_ZSET_2 && rdb_read_double_bin(r, &d)) return NULL;
    }
    if (n == 0) {
        rep.empty++;
        rdb_reader_empty_key(r);
        return NULL;
    }
    return placeholder();
}

static kv_obj *verify_blob(rdb_reader *r, int t) {
    int empty = 0;
    int rc;
    switch (t) {
    case RDB_TYPE_HASH_ZIPMAP: rc = read_blob(r, check_zipmap, "zipmap", &empty); break;
    case RDB_TYPE_SET_INTSET: rc = read_blob(r, check_intset, "intset", &empty); break;
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_HASH_ZIPLIST: rc = read_blob(r, check_ziplist, "ziplist", &empty); break;
    default: rc = read_blob(r, check_listpack, "listpack", &empty); break;
    }
    if (rc) return NULL;
    if (empty) {
        rep.empty++;
        rdb_reader_empty_key(r);
        return NULL;
    }
    return placeholder();
}

/* Quicklists: Redis skips empty nodes, and a list left with none is an
 * empty key. */
static kv_obj *verify_quicklist(rdb_reader *r, int t) {
    uint64_t n, container, nonempty = 0;
    if (rdb_read_len(r, &n)) return NULL;
    for (uint64_t i = 0; i < n; i++) {
        int empty = 0;
        if (t == RDB_TYPE_LIST_QUICKLIST_2) {
            if (rdb_read_len(r, &container)) return NULL;
            if (container != 1 && container != 2)
                return rdb_fail(r, -EBADMSG, "bad quicklist container %llu", (unsigned long long)container), NULL;
            if (container == 1) {
                if (read_n_strings(r, 1)) return NULL;
                nonempty++;
                continue;
            }
            if (read_blob(r, check_listpack, "quicklist listpack node", &empty)) return NULL;
        } else if (read_blob(r, check_ziplist, "quicklist ziplist node", &empty)) {
            return NULL;
        }
        if (!empty) nonempty++;
    }
    if (nonempty == 0) {
        rep.empty++;
        rdb_reader_empty_key(r);
        return NULL;
    }
    return placeholder();
}

static int read_lens(rdb_reader *r, int n) {
    uint64_t v;
    for (int i = 0; i < n; i++)
        if (rdb_read_len(r, &v)) return -1;
    return 0;
}

static int verify_consumers(rdb_reader *r, int t) {
    uint64_t nc, pel;
    if (rdb_read_len(r, &nc)) return -1;
    for (uint64_t i = 0; i < nc; i++) {
        if (read_n_strings(r, 1) || read_skip(r, t >= RDB_TYPE_STREAM_LISTPACKS_3 ? 16 : 8)) return -1;
        if (rdb_read_len(r, &pel)) return -1;
        for (uint64_t j = 0; j < pel; j++)
            if (read_skip(r, 16)) return -1;
    }
    return 0;
}

static kv_obj *verify_stream(rdb_reader *r, int t) {
    uint64_t nodes, groups, pel;
    if (rdb_read_len(r, &nodes)) return NULL;
    for (uint64_t i = 0; i < nodes; i++) {
        sds id = rdb_read_sds(r);
        if (!id) return NULL;
        size_t idlen = sds_len(id);
        sds_free(id);
        if (idlen != 16) return rdb_fail(r, -EBADMSG, "stream node key is not a 128-bit ID"), NULL;
        if (read_blob(r, check_listpack, "stream listpack", NULL)) return NULL;
    }
    if (read_lens(r, 3)) return NULL; /* length, last id ms, seq */
    if (t >= RDB_TYPE_STREAM_LISTPACKS_2 && read_lens(r, 5)) return NULL;
    if (rdb_read_len(r, &groups)) return NULL;
    for (uint64_t g = 0; g < groups; g++) {
        if (read_n_strings(r, 1) || read_lens(r, t >= RDB_TYPE_STREAM_LISTPACKS_2 ? 3 : 2)) return NULL;
        if (rdb_read_len(r, &pel)) return NULL;
        for (uint64_t j = 0; j < pel; j++)
            if (read_skip(r, 16 + 8) || read_lens(r, 1)) return NULL;
        if (verify_consumers(r, t)) return NULL;
    }
    return placeholder();
}

static kv_obj *verify_module(rdb_reader *r, int t) {
    uint64_t id, op;
    if (t == RDB_TYPE_MODULE_PRE_GA) return rdb_fail(r, -ENOTSUP, "pre-GA module value: cannot be walked"), NULL;
    if (rdb_read_len(r, &id)) return NULL;
    for (;;) {
        if (rdb_read_len(r, &op)) return NULL;
        if (op == 0) return placeholder();
        int rc = op == 1 || op == 2 ? read_lens(r, 1)
                 : op == 3          ? read_skip(r, 4)
                 : op == 4          ? read_skip(r, 8)
                 : op == 5          ? read_n_strings(r, 1)
                                    : rdb_fail(r, -EBADMSG, "bad module value opcode %llu", (unsigned long long)op);
        if (rc) return NULL;
    }
}

static kv_obj *verify_hash_ttl(rdb_reader *r, int t) {
    uint64_t n, ttl;
    if (t == RDB_TYPE_HASH_METADATA || t == RDB_TYPE_HASH_LISTPACK_EX)
        if (read_skip(r, 8)) return NULL; /* minimum expire time */
    if (t == RDB_TYPE_HASH_LISTPACK_EX || t == RDB_TYPE_HASH_LISTPACK_EX_PRE_GA)
        return read_blob(r, check_listpack, "listpack", NULL) ? NULL : placeholder();
    if (rdb_read_len(r, &n)) return NULL;
    for (uint64_t i = 0; i < n; i++)
        if (rdb_read_len(r, &ttl) || read_n_strings(r, 2)) return NULL;
    return placeholder();
}

static kv_obj *verify_value(rdb_reader *r, int t) {
    switch (t) {
    case RDB_TYPE_LIST:
    case RDB_TYPE_SET:
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_HASH: return verify_plain(r, t);
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: return verify_quicklist(r, t);
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3: return verify_stream(r, t);
    case RDB_TYPE_MODULE_PRE_GA:
    case RDB_TYPE_MODULE_2: return verify_module(r, t);
    case RDB_TYPE_HASH_METADATA_PRE_GA:
    case RDB_TYPE_HASH_LISTPACK_EX_PRE_GA:
    case RDB_TYPE_HASH_METADATA:
    case RDB_TYPE_HASH_LISTPACK_EX: return verify_hash_ttl(r, t);
    default: return verify_blob(r, t);
    }
}

static int no_save_type(const kv_obj *o) {
    (void)o;
    return -1;
}

static void install_verify_codecs(void) {
    static const rdb_codec list = {OBJ_LIST, verify_value, no_save_type, NULL};
    static const rdb_codec set = {OBJ_SET, verify_value, no_save_type, NULL};
    static const rdb_codec zset = {OBJ_ZSET, verify_value, no_save_type, NULL};
    static const rdb_codec hash = {OBJ_HASH, verify_value, no_save_type, NULL};
    static const rdb_codec module = {OBJ_MODULE, verify_value, no_save_type, NULL};
    static const rdb_codec stream = {OBJ_STREAM, verify_value, no_save_type, NULL};
    rdb_register_codec_for_type(&list);
    rdb_register_codec_for_type(&set);
    rdb_register_codec_for_type(&zset);
    rdb_register_codec_for_type(&hash);
    rdb_register_codec_for_type(&module);
    rdb_register_codec_for_type(&stream);
}

/* ---- the sink ------------------------------------------------------------------ */

static int on_aux(void *priv, rdb_reader *r, const sds k, const sds v) {
    (void)priv;
    rep.aux++;
    if (!rep.quiet) {
        sds rv = sds_catrepr(sds_empty(), v, sds_len(v) > 120 ? 120 : sds_len(v));
        printf("[offset %llu] AUX %s = %s\n", (unsigned long long)rdb_reader_offset(r), k, rv);
        sds_free(rv);
    }
    return 0;
}

static int on_selectdb(void *priv, rdb_reader *r, uint64_t id) {
    (void)priv;
    if (id >= MAXDB) return rdb_fail(r, -ERANGE, "DB number %llu too large", (unsigned long long)id);
    if (!rep.quiet) printf("[offset %llu] Selecting DB %llu\n", (unsigned long long)rdb_reader_offset(r),
                           (unsigned long long)id);
    return 0;
}

static int on_resizedb(void *priv, rdb_reader *r, uint64_t keys, uint64_t expires) {
    (void)priv;
    if (!rep.quiet)
        printf("[offset %llu] RESIZEDB hint: %llu keys, %llu with an expiry\n", (unsigned long long)rdb_reader_offset(r),
               (unsigned long long)keys, (unsigned long long)expires);
    return 0;
}

static int on_key(void *priv, rdb_reader *r, uint64_t dbid, int t, sds key, kv_obj *val, const rdb_key_meta *m) {
    (void)priv;
    (void)r;
    sds_free(key);
    obj_decr_ref(val);
    rep.keys++;
    if (dbid < MAXDB) rep.per_db[dbid]++;
    if (t >= 0 && t < RDB_TYPE__COUNT) rep.per_type[t]++;
    if (m->expire_ms >= 0) {
        rep.expires++;
        if (dbid < MAXDB) rep.per_db_exp[dbid]++;
        if (m->expire_ms < rep.now_ms) rep.expired++;
    }
    return 0;
}

static int on_function(void *priv, rdb_reader *r, const sds code) {
    (void)priv;
    rep.functions++;
    if (!rep.quiet)
        printf("[offset %llu] FUNCTION library, %zu bytes of code\n", (unsigned long long)rdb_reader_offset(r),
               sds_len(code));
    return 0;
}

/* ---- output -------------------------------------------------------------------- */

static const char *cksum_text(const rdb_info *info) {
    switch (info->checksum_state) {
    case RDB_CKSUM_OK: return "OK";
    case RDB_CKSUM_ZERO: return "not computed (written with rdbchecksum no)";
    case RDB_CKSUM_SKIPPED: return "not verified";
    default: return "none (RDB version < 5)";
    }
}

static void print_summary(const rdb_info *info) {
    printf("RDB version %d%s\n", info->version, info->strata_lz4 ? " (strata LZ4 variant, STRATAL header)" : "");
    printf("Keys per database:\n");
    for (int i = 0; i < MAXDB; i++)
        if (rep.per_db[i]) printf("  db %d: %lld keys, %lld with an expiry\n", i, rep.per_db[i], rep.per_db_exp[i]);
    if (!rep.keys) printf("  (none)\n");
    printf("Keys per type and encoding:\n");
    for (int t = 0; t < RDB_TYPE__COUNT; t++)
        if (rep.per_type[t]) printf("  %s (%s): %lld\n", rdb_type_name(t), rdb_type_encoding_name(t), rep.per_type[t]);
    printf("Expires: %lld (%lld already expired)\n", rep.expires, rep.expired);
    if (rep.empty) printf("Empty collections skipped (as Redis does): %lld\n", rep.empty);
    if (rep.functions) printf("Function libraries: %lld (strata ignores them when loading)\n", rep.functions);
    printf("Checksum: %s\n", cksum_text(info));
}

static void usage(void) {
    fprintf(stderr, "Usage: strata-check-rdb [-q] <rdb-file>\n");
}

int main(int argc, char **argv) {
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-q")) rep.quiet = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage();
            return 0;
        } else if (!path) path = argv[i];
        else {
            usage();
            return 1;
        }
    }
    if (!path) {
        usage();
        return 1;
    }
    rep.now_ms = (long long)util_mstime();
    install_verify_codecs();

    int fd = fio_open(path, O_RDONLY, 0);
    struct stat sb;
    if (fd < 0 || fio_fstat(fd, &sb) < 0) {
        printf("Cannot open %s: %s\n", path, strerror(fd < 0 ? -fd : errno));
        return 1;
    }
    if (!rep.quiet) printf("[offset 0] Checking RDB file %s (%lld bytes)\n", path, (long long)sb.st_size);
    rdb_load_opts o = {.name = path, .size = (uint64_t)sb.st_size, .deep = 1};
    rdb_sink sink = {on_aux, on_selectdb, on_resizedb, on_key, on_function, NULL};
    rdb_info info;
    rdb_err err;
    strm *s = strm_file(fd, STRM_READ);
    int rc = rdb_decode(s, &o, &sink, &info, &err);
    strm_close(s);
    fio_close(fd);
    if (rc) {
        printf("--- RDB ERROR DETECTED ---\n%s\n", err.text);
        printf("Keys read before the error: %lld\n", rep.keys);
        return 1;
    }
    if (!rep.quiet) print_summary(&info);
    uint64_t trailing = (uint64_t)sb.st_size - info.bytes;
    if (trailing && !rep.quiet)
        printf("Note: %llu bytes follow the RDB (e.g. the AOF part of an RDB-preamble AOF)\n",
               (unsigned long long)trailing);
    printf("RDB looks OK: version %d, %lld keys, %llu bytes\n", info.version, rep.keys,
           (unsigned long long)info.bytes);
    return 0;
}
