/*
 * rdb/rdb_load.c — the RDB decoder (versions 1..12 and strata's STRATAL
 * variant), the codec registry, and loading a file into a server.
 *
 * Layout of a file (all versions; items appear in any order after the
 * header, EOF last):
 *
 *   header     "REDIS" dddd  |  "STRATAL" dddd          (dddd = version)
 *   items      AUX str str | SELECTDB len | RESIZEDB len len
 *              | EXPIRETIME u32le | EXPIRETIME_MS u64le | IDLE len | FREQ u8
 *              | FUNCTION2 str | SLOT_INFO len len len | MODULE_AUX ...
 *              | <type byte 0..25> key-string value
 *   EOF        0xff
 *   checksum   u64le CRC-64 of every byte before it (version >= 5; 0 = not
 *              computed by the writer)
 *
 *   len    00xxxxxx | 01xxxxxx xxxxxxxx | 0x80 u32be | 0x81 u64be
 *   string len bytes | 0xc0 i8 | 0xc1 i16le | 0xc2 i32le
 *          | 0xc3 clen ulen <clen bytes LZF (LZ4 in STRATAL files)>
 *
 * Decoding is a loop over items (decode_items) with one small function per
 * opcode; values dispatch on the type byte: strings here, every other type
 * through the codec table (rdb_register_codec).
 *
 * Invariants (the decoder's promises, tested by truncation/corruption
 * sweeps under ASan):
 *   (1) no input makes it crash, hang, leak or exit: every read is
 *       all-or-nothing through the strm, every length is checked against
 *       the bytes that remain (when the size is known) before anything is
 *       allocated for it, and a string of unknown bound grows as its bytes
 *       arrive, so a lying length fails at the end of the input;
 *   (2) the first error is the one reported: code, the offset of the item
 *       that failed, the key being read;
 *   (3) ownership passes to the sink only for complete keys; everything a
 *       failed item allocated is freed here.
 *
 * Loading into a server (rdb_load_file) decodes into fresh databases and
 * swaps them in only after the checksum verified: nothing half-loaded is
 * ever served.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/config.h"
#include "engine/db.h"
#include "engine/dict.h"
#include "engine/log.h"
#include "engine/mem.h"
#include "engine/multi.h"
#include "engine/object.h"
#include "engine/util.h"
#include "rdb/compress.h"
#include "rdb/crc64.h"
#include "rdb/fio.h"
#include "rdb/rdb_int.h"

/* A string with no known bound grows by this much as its bytes arrive. */
#define GROW_STEP (8u * 1024 * 1024)

/* ---- names ------------------------------------------------------------------ */

static const struct {
    const char *type, *enc;
} type_names[RDB_TYPE__COUNT] = {
    [RDB_TYPE_STRING] = {"string", "string"},
    [RDB_TYPE_LIST] = {"list", "linkedlist"},
    [RDB_TYPE_SET] = {"set", "hashtable"},
    [RDB_TYPE_ZSET] = {"zset", "skiplist"},
    [RDB_TYPE_HASH] = {"hash", "hashtable"},
    [RDB_TYPE_ZSET_2] = {"zset", "skiplist-v2"},
    [RDB_TYPE_MODULE_PRE_GA] = {"module", "module-pre-ga"},
    [RDB_TYPE_MODULE_2] = {"module", "module-v2"},
    [RDB_TYPE_HASH_ZIPMAP] = {"hash", "zipmap"},
    [RDB_TYPE_LIST_ZIPLIST] = {"list", "ziplist"},
    [RDB_TYPE_SET_INTSET] = {"set", "intset"},
    [RDB_TYPE_ZSET_ZIPLIST] = {"zset", "ziplist"},
    [RDB_TYPE_HASH_ZIPLIST] = {"hash", "ziplist"},
    [RDB_TYPE_LIST_QUICKLIST] = {"list", "quicklist"},
    [RDB_TYPE_STREAM_LISTPACKS] = {"stream", "stream-listpacks"},
    [RDB_TYPE_HASH_LISTPACK] = {"hash", "listpack"},
    [RDB_TYPE_ZSET_LISTPACK] = {"zset", "listpack"},
    [RDB_TYPE_LIST_QUICKLIST_2] = {"list", "quicklist-v2"},
    [RDB_TYPE_STREAM_LISTPACKS_2] = {"stream", "stream-listpacks-v2"},
    [RDB_TYPE_SET_LISTPACK] = {"set", "listpack"},
    [RDB_TYPE_STREAM_LISTPACKS_3] = {"stream", "stream-listpacks-v3"},
    [RDB_TYPE_HASH_METADATA_PRE_GA] = {"hash", "hash-with-field-ttls-pre-ga"},
    [RDB_TYPE_HASH_LISTPACK_EX_PRE_GA] = {"hash", "listpack-ex-pre-ga"},
    [RDB_TYPE_HASH_METADATA] = {"hash", "hash-with-field-ttls"},
    [RDB_TYPE_HASH_LISTPACK_EX] = {"hash", "listpack-ex"},
};

const char *rdb_type_name(int t) {
    return t >= 0 && t < RDB_TYPE__COUNT && type_names[t].type ? type_names[t].type : "unknown";
}

const char *rdb_type_encoding_name(int t) {
    return t >= 0 && t < RDB_TYPE__COUNT && type_names[t].enc ? type_names[t].enc : "unknown";
}

/* ---- codec registry --------------------------------------------------------- */

static const rdb_codec *codec_by_rdbtype[RDB_TYPE__COUNT];
static const rdb_codec *codec_by_objtype[OBJ_TYPE_MAX];

int rdb_register_codec(const rdb_codec *c, const uint8_t *rdbtypes, int n) {
    if (!c || c->obj_type <= OBJ_STRING || c->obj_type >= OBJ_TYPE_MAX || n < 0) return -EINVAL;
    for (int i = 0; i < n; i++)
        if (rdbtypes[i] >= RDB_TYPE__COUNT || rdbtypes[i] == RDB_TYPE_STRING) return -EINVAL;
    for (int i = 0; i < n; i++) codec_by_rdbtype[rdbtypes[i]] = c;
    codec_by_objtype[c->obj_type] = c;
    return 0;
}

const rdb_codec *rdb_codec_for_rdbtype(int t) {
    return t >= 0 && t < RDB_TYPE__COUNT ? codec_by_rdbtype[t] : NULL;
}

const rdb_codec *rdb_codec_for_objtype(int t) {
    return t >= 0 && t < OBJ_TYPE_MAX ? codec_by_objtype[t] : NULL;
}

/* ---- errors ------------------------------------------------------------------ */

static void printable_key(char *out, size_t cap, const char *key) {
    sds r = sds_catrepr(sds_empty(), key, sds_len((const sds)key) > 64 ? 64 : sds_len((const sds)key));
    if (sds_len((const sds)key) > 64) r = sds_cat(r, "...");
    snprintf(out, cap, "%s", r);
    sds_free(r);
}

void rdb_err_set(rdb_err *err, int code, uint64_t offset, const char *fmt, ...) {
    if (!err || err->code) return;
    memset(err, 0, sizeof(*err));
    err->code = code ? code : -EBADMSG;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
}

int rdb_fail(rdb_reader *r, int code, const char *fmt, ...) {
    if (code == 0) code = -EBADMSG;
    if (r->failed) return r->err ? r->err->code : code;
    r->failed = 1;
    if (!r->err) return code;
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rdb_err *e = r->err;
    memset(e, 0, sizeof(*e));
    e->code = code;
    e->offset = r->item_off;
    if (r->key) {
        e->has_key = 1;
        printable_key(e->key, sizeof(e->key), r->key);
    }
    const char *name = r->o && r->o->name ? r->o->name : NULL;
    snprintf(e->text, sizeof(e->text), "%s%s%s at offset %" PRIu64 "%s%s%s", name ? name : "", name ? ": " : "", msg,
             e->offset, e->has_key ? " (key " : "", e->has_key ? e->key : "", e->has_key ? ")" : "");
    return code;
}

/* A failed strm read: the end of the input or an I/O error. */
static int read_failed(rdb_reader *r, int rc) {
    if (rc == -ENODATA)
        return rdb_fail(r, -ENODATA, "unexpected end of file while reading %s", r->what ? r->what : "data");
    return rdb_fail(r, rc, "read error while reading %s: %s", r->what ? r->what : "data", strerror(-rc));
}

static int rd(rdb_reader *r, void *buf, size_t n) {
    if (r->failed) return r->err ? r->err->code : -EBADMSG;
    int rc = strm_read(r->s, buf, n);
    return rc ? read_failed(r, rc) : 0;
}

/* Bytes left in the input, UINT64_MAX when unknown. */
static uint64_t remaining(const rdb_reader *r) {
    if (!r->o || !r->o->size) return UINT64_MAX;
    uint64_t used = strm_tell(r->s) - r->start;
    return used >= r->o->size ? 0 : r->o->size - used;
}

void rdb_reader_init(rdb_reader *r, strm *s, const rdb_load_opts *o, rdb_err *err, int version) {
    memset(r, 0, sizeof(*r));
    r->s = s;
    r->o = o;
    r->err = err;
    r->version = version;
    r->start = strm_tell(s);
}

int rdb_reader_version(const rdb_reader *r) { return r->version; }
int rdb_reader_deep(const rdb_reader *r) { return r->o ? r->o->deep : 0; }
uint64_t rdb_reader_offset(const rdb_reader *r) { return r->item_off; }
const strata_config *rdb_reader_config(const rdb_reader *r) { return r->o ? r->o->cfg : NULL; }
void rdb_reader_empty_key(rdb_reader *r) { r->empty = 1; }

/* ---- primitives -------------------------------------------------------------- */

int rdb_read_u8(rdb_reader *r, uint8_t *v) { return rd(r, v, 1); }

static uint64_t le_u64(const uint8_t *b, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | b[i];
    return v;
}

static uint64_t be_u64(const uint8_t *b, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | b[i];
    return v;
}

/* A length, or (when enc is not NULL) a special string encoding: *enc = 1
 * and *len = the encoding number. */
static int read_len_enc(rdb_reader *r, uint64_t *len, int *enc) {
    uint8_t b[8];
    int rc = rd(r, b, 1);
    if (rc) return rc;
    if (enc) *enc = 0;
    switch (b[0] >> 6) {
    case 0:
        *len = b[0] & 0x3f;
        return 0;
    case 1: {
        uint8_t lo;
        if ((rc = rd(r, &lo, 1))) return rc;
        *len = ((uint64_t)(b[0] & 0x3f) << 8) | lo;
        return 0;
    }
    case 2:
        if (b[0] == 0x80) {
            if ((rc = rd(r, b, 4))) return rc;
            *len = be_u64(b, 4);
            return 0;
        }
        if (b[0] == 0x81) {
            if ((rc = rd(r, b, 8))) return rc;
            *len = be_u64(b, 8);
            return 0;
        }
        return rdb_fail(r, -EBADMSG, "bad length encoding 0x%02x", b[0]);
    default:
        if (!enc) return rdb_fail(r, -EBADMSG, "string encoding 0x%02x where a length was expected", b[0]);
        *enc = 1;
        *len = b[0] & 0x3f;
        return 0;
    }
}

int rdb_read_len(rdb_reader *r, uint64_t *len) { return read_len_enc(r, len, NULL); }

/* A plain string of len bytes into a new sds. */
static sds read_plain(rdb_reader *r, uint64_t len) {
    uint64_t left = remaining(r);
    if (len > left)
        return rdb_fail(r, left == UINT64_MAX ? -EBADMSG : -ENODATA,
                        "string length %" PRIu64 " runs past the end of the file (%" PRIu64 " bytes left)", len, left),
               NULL;
    if (len > (uint64_t)SIZE_MAX / 2) return rdb_fail(r, -EBADMSG, "string length %" PRIu64 " too large", len), NULL;
    /* Known bound (or small): one allocation.  Unknown: grow as bytes arrive. */
    if (left != UINT64_MAX || len <= GROW_STEP) {
        sds s = sds_newlen(NULL, (size_t)len);
        if (len && rd(r, s, (size_t)len)) {
            sds_free(s);
            return NULL;
        }
        return s;
    }
    sds s = sds_empty();
    size_t have = 0;
    while (have < len) {
        size_t n = (size_t)len - have < GROW_STEP ? (size_t)len - have : GROW_STEP;
        s = sds_makeroom_exact(s, n);
        if (rd(r, s + have, n)) {
            sds_free(s);
            return NULL;
        }
        have += n;
        sds_setlen(s, have);
    }
    return s;
}

static int read_int_enc(rdb_reader *r, uint64_t enc, long long *v) {
    uint8_t b[4];
    int n = enc == RDB_ENC_INT8 ? 1 : enc == RDB_ENC_INT16 ? 2 : 4;
    int rc = rd(r, b, (size_t)n);
    if (rc) return rc;
    if (n == 1) *v = (int8_t)b[0];
    else if (n == 2) *v = (int16_t)(uint16_t)le_u64(b, 2);
    else *v = (int32_t)(uint32_t)le_u64(b, 4);
    return 0;
}

static sds read_compressed(rdb_reader *r) {
    uint64_t clen, ulen;
    if (rdb_read_len(r, &clen) || rdb_read_len(r, &ulen)) return NULL;
    uint64_t left = remaining(r);
    if (clen > left || clen == 0)
        return rdb_fail(r, clen ? -ENODATA : -EBADMSG, "compressed string length %" PRIu64 " invalid (%" PRIu64 " bytes left)",
                        clen, left),
               NULL;
    /* LZF expands at most ~88x, LZ4 at most ~255x: a larger claim is a lie. */
    uint64_t maxratio = r->lz4 ? 256 : 100;
    if (clen > (uint64_t)SIZE_MAX / 512 || ulen > clen * maxratio + 64 || ulen > (uint64_t)SIZE_MAX / 2)
        return rdb_fail(r, -EBADMSG, "compressed string claims %" PRIu64 " bytes from %" PRIu64, ulen, clen), NULL;
    sds c = read_plain(r, clen);
    if (!c) return NULL;
    sds s = sds_makeroom_exact(sds_empty(), (size_t)ulen);
    int bad = r->lz4 ? cmp_lz4_decompress(c, (size_t)clen, s, (size_t)ulen)
                     : cmp_lzf_decompress(c, (size_t)clen, s, (size_t)ulen);
    sds_free(c);
    if (bad) {
        sds_free(s);
        return rdb_fail(r, -EBADMSG, "invalid %s compressed string", r->lz4 ? "LZ4" : "LZF"), NULL;
    }
    sds_setlen(s, (size_t)ulen);
    return s;
}

/* A string in any encoding; ints come back in *iv with *isint = 1 (no sds)
 * when isint is not NULL. */
static sds read_string(rdb_reader *r, int *isint, long long *iv) {
    uint64_t len;
    int enc;
    if (isint) *isint = 0;
    if (read_len_enc(r, &len, &enc)) return NULL;
    if (!enc) return read_plain(r, len);
    if (len == RDB_ENC_COMPRESSED) return read_compressed(r);
    if (len > RDB_ENC_INT32) return rdb_fail(r, -EBADMSG, "unknown string encoding %" PRIu64, len), NULL;
    long long v;
    if (read_int_enc(r, len, &v)) return NULL;
    if (isint) {
        *isint = 1;
        *iv = v;
        return NULL;
    }
    return sds_fromll(v);
}

sds rdb_read_sds(rdb_reader *r) { return read_string(r, NULL, NULL); }

unsigned char *rdb_read_blob(rdb_reader *r, size_t *len) {
    sds s = read_string(r, NULL, NULL);
    if (!s) return NULL;
    size_t n = sds_len(s);
    unsigned char *b = mem_alloc(n ? n : 1);
    memcpy(b, s, n);
    sds_free(s);
    *len = n;
    return b;
}

kv_obj *rdb_read_string_obj(rdb_reader *r) {
    int isint;
    long long v;
    sds s = read_string(r, &isint, &v);
    if (isint) return obj_new_ll(v);
    return s ? obj_new_string_encoded(s) : NULL;
}

int rdb_read_double_bin(rdb_reader *r, double *d) {
    uint8_t b[8];
    int rc = rd(r, b, 8);
    if (rc) return rc;
    uint64_t u = le_u64(b, 8);
    memcpy(d, &u, sizeof(*d));
    return 0;
}

int rdb_read_double_str(rdb_reader *r, double *d) {
    uint8_t n;
    char buf[256];
    int rc = rd(r, &n, 1);
    if (rc) return rc;
    if (n == 253) *d = NAN;
    else if (n == 254) *d = INFINITY;
    else if (n == 255) *d = -INFINITY;
    else {
        if ((rc = rd(r, buf, n))) return rc;
        buf[n] = '\0';
        char *end;
        *d = strtod(buf, &end);
        if (n == 0 || end != buf + n) return rdb_fail(r, -EBADMSG, "invalid double value \"%.40s\"", buf);
    }
    return 0;
}

/* ---- values -------------------------------------------------------------------- */

/* The 9-character name packed in a module type id (6 bits a character,
 * then 10 bits of encoding version). */
static void module_name(uint64_t id, char name[10]) {
    static const char cset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    id >>= 10;
    for (int j = 8; j >= 0; j--) {
        name[j] = cset[id & 63];
        id >>= 6;
    }
    name[9] = '\0';
}

static kv_obj *unsupported_value(rdb_reader *r, int t) {
    if (t == RDB_TYPE_MODULE_2 || t == RDB_TYPE_MODULE_PRE_GA) {
        uint64_t id;
        char name[10];
        if (rdb_read_len(r, &id)) return NULL;
        module_name(id, name);
        return rdb_fail(r, -ENOTSUP, "value of module type '%s' cannot be loaded: strata has no modules", name), NULL;
    }
    if (t == RDB_TYPE_STREAM_LISTPACKS || t == RDB_TYPE_STREAM_LISTPACKS_2 || t == RDB_TYPE_STREAM_LISTPACKS_3)
        return rdb_fail(r, -ENOTSUP, "stream values (RDB type %d) are not supported by strata yet", t), NULL;
    return rdb_fail(r, -ENOTSUP, "%s values (RDB type %d, %s encoding) are not supported by strata yet", rdb_type_name(t),
                    t, rdb_type_encoding_name(t)),
           NULL;
}

static int is_value_type(int t) { return (t >= 0 && t <= 7) || (t >= 9 && t < RDB_TYPE__COUNT); }

kv_obj *rdb_read_value(rdb_reader *r, int t) {
    r->empty = 0;
    r->what = "a value";
    if (t == RDB_TYPE_STRING) return rdb_read_string_obj(r);
    const rdb_codec *c = rdb_codec_for_rdbtype(t);
    if (!c || !c->load) return unsupported_value(r, t);
    kv_obj *o = c->load(r, t);
    if (!o && !r->empty && !r->failed) rdb_fail(r, -EBADMSG, "invalid %s value", rdb_type_name(t));
    if (o && r->failed) { /* a codec that failed and still returned something */
        obj_decr_ref(o);
        o = NULL;
    }
    return o;
}

/* ---- RESTORE payloads ------------------------------------------------------------ */

kv_obj *rdb_restore_payload(const void *p, size_t len, int deep, const strata_config *cfg, const char **why,
                            rdb_err *detail) {
    static const char bad_footer[] = "DUMP payload version or checksum are wrong";
    static const char bad_data[] = "Bad data format";
    const unsigned char *b = p;
    rdb_err local;
    if (!detail) detail = &local;
    memset(detail, 0, sizeof(*detail));
    if (len < 10) {
        *why = bad_footer;
        return NULL;
    }
    const unsigned char *foot = b + len - 10;
    int version = (int)le_u64(foot, 2);
    uint64_t crc = le_u64(foot + 2, 8);
    if (version < 1 || version > RDB_VERSION_MAX || crc64(0, b, len - 8) != crc) {
        *why = bad_footer;
        return NULL;
    }
    rdb_load_opts o = {.name = "DUMP payload", .size = len - 10, .deep = deep, .cfg = cfg};
    rdb_reader r;
    strm *s = strm_memread(b, len - 10);
    rdb_reader_init(&r, s, &o, detail, version);
    uint8_t t;
    kv_obj *val = NULL;
    r.what = "the type byte";
    if (rd(&r, &t, 1) == 0) {
        if (is_value_type(t)) val = rdb_read_value(&r, t);
        else rdb_fail(&r, -EBADMSG, "unknown value type %d", t);
    }
    if (val && strm_processed(s) != len - 10) {
        rdb_fail(&r, -EBADMSG, "%llu bytes follow the value", (unsigned long long)(len - 10 - strm_processed(s)));
        obj_decr_ref(val);
        val = NULL;
    }
    if (!val && !r.failed) rdb_fail(&r, -EBADMSG, "empty collection");
    strm_close(s);
    if (!val) *why = bad_data;
    return val;
}

/* ---- items ----------------------------------------------------------------------- */

typedef struct decode_state {
    rdb_reader r;
    const rdb_sink *sink;
    rdb_key_meta meta;
    uint64_t dbid;
    long long keys;
} decode_state;

static int read_header(decode_state *d, rdb_info *info) {
    rdb_reader *r = &d->r;
    char h[12];
    r->what = "the header";
    if (rd(r, h, 9)) return r->err ? r->err->code : -EBADMSG;
    const char *digits;
    if (memcmp(h, "REDIS", 5) == 0) {
        digits = h + 5;
    } else if (memcmp(h, RDB_STRATA_MAGIC, RDB_STRATA_MAGIC_LEN) == 0) {
        if (rd(r, h + 9, 2)) return r->err->code;
        digits = h + 7;
        r->lz4 = 1;
    } else {
        return rdb_fail(r, -EBADMSG, "not an RDB file (wrong signature)");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
        if (digits[i] < '0' || digits[i] > '9') return rdb_fail(r, -EBADMSG, "bad RDB version field");
        v = v * 10 + (digits[i] - '0');
    }
    if (v < 1 || v > RDB_VERSION_MAX)
        return rdb_fail(r, -ENOTSUP, "RDB version %d not supported (strata reads 1 to %d)", v, RDB_VERSION_MAX);
    r->version = v;
    if (info) {
        info->version = v;
        info->strata_lz4 = r->lz4;
    }
    return 0;
}

static int op_expiretime(decode_state *d, int ms) {
    uint8_t b[8];
    d->r.what = "an expire time";
    if (rd(&d->r, b, ms ? 8 : 4)) return d->r.err->code;
    d->meta.expire_ms = ms ? (long long)le_u64(b, 8) : (long long)(int32_t)(uint32_t)le_u64(b, 4) * 1000;
    return 0;
}

static int op_idle(decode_state *d) {
    uint64_t v;
    d->r.what = "an LRU idle time";
    if (rdb_read_len(&d->r, &v)) return d->r.err->code;
    d->meta.idle_s = v > (uint64_t)LLONG_MAX ? LLONG_MAX : (long long)v;
    return 0;
}

static int op_freq(decode_state *d) {
    uint8_t v;
    d->r.what = "an LFU frequency";
    if (rd(&d->r, &v, 1)) return d->r.err->code;
    d->meta.freq = v;
    return 0;
}

static int op_selectdb(decode_state *d) {
    uint64_t id;
    d->r.what = "a database number";
    if (rdb_read_len(&d->r, &id)) return d->r.err->code;
    d->dbid = id;
    return d->sink->selectdb ? d->sink->selectdb(d->sink->priv, &d->r, id) : 0;
}

static int op_resizedb(decode_state *d) {
    uint64_t a, b;
    d->r.what = "a RESIZEDB hint";
    if (rdb_read_len(&d->r, &a) || rdb_read_len(&d->r, &b)) return d->r.err->code;
    return d->sink->resizedb ? d->sink->resizedb(d->sink->priv, &d->r, a, b) : 0;
}

static int op_aux(decode_state *d) {
    d->r.what = "an AUX field";
    sds k = rdb_read_sds(&d->r);
    if (!k) return d->r.err ? d->r.err->code : -EBADMSG;
    sds v = rdb_read_sds(&d->r);
    int rc = v ? 0 : (d->r.err ? d->r.err->code : -EBADMSG);
    if (v && d->sink->aux) rc = d->sink->aux(d->sink->priv, &d->r, k, v);
    sds_free(k);
    sds_free(v);
    return rc;
}

static int op_function2(decode_state *d) {
    d->r.what = "a function library";
    sds code = rdb_read_sds(&d->r);
    if (!code) return d->r.err ? d->r.err->code : -EBADMSG;
    int rc = d->sink->function ? d->sink->function(d->sink->priv, &d->r, code) : 0;
    sds_free(code);
    return rc;
}

static int op_slot_info(decode_state *d) {
    uint64_t v;
    d->r.what = "a SLOT_INFO record";
    for (int i = 0; i < 3; i++)
        if (rdb_read_len(&d->r, &v)) return d->r.err->code;
    return 0;
}

static int op_module_aux(decode_state *d) {
    uint64_t id;
    char name[10];
    d->r.what = "module aux data";
    if (rdb_read_len(&d->r, &id)) return d->r.err->code;
    module_name(id, name);
    return rdb_fail(&d->r, -ENOTSUP, "module aux data of module '%s' cannot be loaded: strata has no modules", name);
}

static int read_key(decode_state *d, int type) {
    rdb_reader *r = &d->r;
    r->what = "a key";
    sds key = rdb_read_sds(r);
    if (!key) return r->err ? r->err->code : -EBADMSG;
    r->key = key;
    kv_obj *val = rdb_read_value(r, type);
    if (!val) {
        int rc = r->failed ? (r->err ? r->err->code : -EBADMSG) : 0; /* else: empty, skipped */
        sds_free(key);
        r->key = NULL;
        return rc;
    }
    d->keys++;
    int rc = 0;
    if (d->sink->key) {
        rc = d->sink->key(d->sink->priv, r, d->dbid, type, key, val, &d->meta);
    } else {
        sds_free(key);
        obj_decr_ref(val);
    }
    r->key = NULL;
    if (!rc && d->sink->key && d->r.o && d->r.o->progress && (d->keys & 1023) == 0)
        d->r.o->progress(d->sink->priv, strm_tell(r->s), d->keys);
    return rc;
}

static void reset_meta(decode_state *d) {
    d->meta.expire_ms = -1;
    d->meta.idle_s = -1;
    d->meta.freq = -1;
}

/* One item; *eof = 1 after the EOF opcode. */
static int decode_item(decode_state *d, int *eof) {
    rdb_reader *r = &d->r;
    uint8_t t;
    r->item_off = strm_tell(r->s);
    r->what = "an opcode";
    if (rd(r, &t, 1)) return r->err ? r->err->code : -EBADMSG;
    switch (t) {
    case RDB_OPCODE_EXPIRETIME: return op_expiretime(d, 0);
    case RDB_OPCODE_EXPIRETIME_MS: return op_expiretime(d, 1);
    case RDB_OPCODE_IDLE: return op_idle(d);
    case RDB_OPCODE_FREQ: return op_freq(d);
    case RDB_OPCODE_SELECTDB: return op_selectdb(d);
    case RDB_OPCODE_RESIZEDB: return op_resizedb(d);
    case RDB_OPCODE_AUX: return op_aux(d);
    case RDB_OPCODE_FUNCTION2: return op_function2(d);
    case RDB_OPCODE_SLOT_INFO: return op_slot_info(d);
    case RDB_OPCODE_MODULE_AUX: return op_module_aux(d);
    case RDB_OPCODE_FUNCTION_PRE_GA:
        return rdb_fail(r, -ENOTSUP, "pre-release (7.0 RC) function data is not supported");
    case RDB_OPCODE_EOF: *eof = 1; return 0;
    default: break;
    }
    if (!is_value_type(t)) return rdb_fail(r, -EBADMSG, "unknown RDB opcode or value type %d", t);
    int rc = read_key(d, t);
    reset_meta(d);
    return rc;
}

static int read_trailer(decode_state *d, rdb_info *info) {
    rdb_reader *r = &d->r;
    if (r->version < 5) {
        if (info) info->checksum_state = RDB_CKSUM_NONE;
        return 0;
    }
    uint64_t expect = strm_checksum(r->s);
    uint8_t b[8];
    r->item_off = strm_tell(r->s);
    r->what = "the checksum";
    if (rd(r, b, 8)) return r->err ? r->err->code : -EBADMSG;
    uint64_t got = le_u64(b, 8);
    if (info) info->checksum = got;
    if (got == 0) {
        if (info) info->checksum_state = RDB_CKSUM_ZERO;
        return 0;
    }
    if (r->o && r->o->no_checksum) {
        if (info) info->checksum_state = RDB_CKSUM_SKIPPED;
        return 0;
    }
    if (got != expect)
        return rdb_fail(r, -EBADMSG, "checksum mismatch (file says %016" PRIx64 ", data gives %016" PRIx64 ")", got,
                        expect);
    if (info) info->checksum_state = RDB_CKSUM_OK;
    return 0;
}

int rdb_decode(strm *s, const rdb_load_opts *o, const rdb_sink *sink, rdb_info *info, rdb_err *err) {
    static const rdb_sink none;
    decode_state d;
    rdb_err local;
    memset(&local, 0, sizeof(local));
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    if (info) memset(info, 0, sizeof(*info));
    memset(&d, 0, sizeof(d));
    rdb_reader_init(&d.r, s, o, err, 0);
    d.sink = sink ? sink : &none;
    reset_meta(&d);
    strm_set_checksum(s, crc64, 0);
    int rc = read_header(&d, info);
    int eof = 0;
    while (!rc && !eof) rc = decode_item(&d, &eof);
    if (!rc) rc = read_trailer(&d, info);
    strm_set_checksum(s, NULL, 0);
    if (info) {
        info->bytes = strm_tell(s) - d.r.start;
        info->keys = d.keys;
    }
    if (rc && !err->code) rdb_err_set(err, rc, d.r.item_off, "%s", strerror(-rc));
    return rc;
}

/* ---- loading into a server ----------------------------------------------------- */

typedef struct load_ctx {
    kv_server *srv;
    kv_db *dbs;   /* fresh databases, srv->dbnum of them */
    int dbnum;
    int cur;      /* the SELECTDB in effect */
    long long now_ms;
    int skip_expired;
    int lfu;      /* LFU policy: FREQ applies; otherwise IDLE does (as Redis) */
    long long loaded, expired;
    uint64_t total;
    long long start_ms, last_log_ms;
    const char *name;
} load_ctx;

static int sink_selectdb(void *priv, rdb_reader *r, uint64_t id) {
    load_ctx *c = priv;
    if (id >= (uint64_t)c->dbnum)
        return rdb_fail(r, -ERANGE,
                        "the file uses DB %" PRIu64 ", beyond this server's 'databases %d' setting", id, c->dbnum);
    c->cur = (int)id;
    return 0;
}

static int sink_resizedb(void *priv, rdb_reader *r, uint64_t keys, uint64_t expires) {
    load_ctx *c = priv;
    /* A hint only: never allocate for more keys than the file can hold
     * (a key takes at least 3 bytes). */
    uint64_t bound = r->o && r->o->size ? r->o->size / 3 : (1u << 20);
    if (c->cur >= c->dbnum) return 0;
    if (keys && keys <= bound) dict_expand(c->dbs[c->cur].keys, (unsigned long)keys);
    if (expires && expires <= keys && expires <= bound) dict_expand(c->dbs[c->cur].expires, (unsigned long)expires);
    return 0;
}

void rdb_apply_lru_lfu(kv_obj *val, int lfu_policy, long long idle_s, int freq) {
    if (val->refcount == OBJ_SHARED_REFCOUNT) return;
    if (lfu_policy) {
        if (freq < 0) return;
        unsigned minutes = (unsigned)((util_mstime() / 60000) & 0xffff);
        val->lru = (minutes << 8) | ((unsigned)freq & 0xff);
    } else if (idle_s >= 0) {
        unsigned long long ticks = (unsigned long long)idle_s * 1000 / OBJ_LRU_RESOLUTION_MS;
        unsigned now = obj_lru_clock_now();
        if (ticks > OBJ_LRU_MAX) ticks = OBJ_LRU_MAX;
        val->lru = (unsigned)((now + OBJ_LRU_MAX + 1 - ticks) & OBJ_LRU_MAX);
    }
}

static void apply_meta(load_ctx *c, kv_obj *val, const rdb_key_meta *m) {
    rdb_apply_lru_lfu(val, c->lfu, m->idle_s, m->freq);
}

static void load_progress(load_ctx *c, uint64_t pos) {
    rdb_state *st = rdb_state_of(c->srv);
    st->loading_loaded = pos;
    long long now = (long long)util_mstime();
    if (now - c->last_log_ms >= 2000) {
        c->last_log_ms = now;
        log_msg(LOG_NOTICE, "Loading %s: %lld keys, %.1f%% of %.1f MB", c->name, c->loaded,
                c->total ? 100.0 * (double)pos / (double)c->total : 0.0, (double)c->total / (1024.0 * 1024.0));
    }
}

static void sink_progress(void *priv, uint64_t pos, long long keys) {
    (void)keys;
    load_progress(priv, pos);
}

static int sink_key(void *priv, rdb_reader *r, uint64_t dbid, int rdbtype, sds key, kv_obj *val, const rdb_key_meta *m) {
    load_ctx *c = priv;
    (void)rdbtype;
    if (dbid >= (uint64_t)c->dbnum) { /* no SELECTDB: db 0, always valid */
        sds_free(key);
        obj_decr_ref(val);
        return rdb_fail(r, -ERANGE, "key in DB %" PRIu64 " beyond 'databases %d'", dbid, c->dbnum);
    }
    if (m->expire_ms >= 0 && c->skip_expired && m->expire_ms < c->now_ms) {
        sds_free(key);
        obj_decr_ref(val);
        c->expired++;
        return 0;
    }
    kv_db *db = &c->dbs[dbid];
    dict_entry *de = dict_add_raw(db->keys, key, NULL);
    if (!de) {
        int rc = rdb_fail(r, -EEXIST, "duplicated key in DB %" PRIu64, dbid);
        sds_free(key);
        obj_decr_ref(val);
        return rc;
    }
    de->v.val = val;
    apply_meta(c, val, m);
    if (m->expire_ms >= 0) {
        dict_entry *ee = dict_add_raw(db->expires, key, NULL);
        if (ee) ee->v.s64 = m->expire_ms;
    }
    c->loaded++;
    return 0;
}

static int sink_aux(void *priv, rdb_reader *r, const sds k, const sds v) {
    (void)priv;
    (void)r;
    if (!strcmp(k, "redis-ver")) {
        log_msg(LOG_NOTICE, "Loading RDB produced by version %s", v);
    } else if (!strcmp(k, "ctime")) {
        long long t = strtoll(v, NULL, 10);
        long long age = (long long)time(NULL) - t;
        log_msg(LOG_NOTICE, "RDB age %lld seconds", age < 0 ? 0 : age);
    } else if (!strcmp(k, "used-mem")) {
        log_msg(LOG_NOTICE, "RDB memory usage when created %.2f Mb", (double)strtoll(v, NULL, 10) / (1024 * 1024));
    } else if (!strcmp(k, "lua")) {
        log_msg(LOG_VERBOSE, "RDB holds a Lua script backup: ignored");
    } else {
        log_msg(LOG_DEBUG, "RDB AUX field '%s' = '%s'", k, v);
    }
    return 0;
}

static int sink_function(void *priv, rdb_reader *r, const sds code) {
    (void)priv;
    (void)r;
    log_msg(LOG_WARNING, "RDB holds a function library (%zu bytes of code): ignored, strata has no FUNCTION support",
            sds_len(code));
    return 0;
}

/* Replace srv's databases by the fresh ones (which receive the old data,
 * freed by the caller). */
static void swap_in(kv_server *srv, kv_db *fresh, int n) {
    for (int i = 0; i < n; i++) {
        kv_db *live = &srv->dbs[i];
        multi_touch_all(live);
        dict *k = live->keys, *e = live->expires;
        live->keys = fresh[i].keys;
        live->expires = fresh[i].expires;
        live->avg_ttl = 0;
        live->expires_cursor = 0;
        fresh[i].keys = k;
        fresh[i].expires = e;
    }
}

static int open_for_load(const char *path, int *fd, uint64_t *size, rdb_err *err) {
    struct stat sb;
    *fd = fio_open(path, O_RDONLY, 0);
    if (*fd < 0) {
        int rc = *fd;
        if (rc != -ENOENT) rdb_err_set(err, rc, 0, "%s: cannot open: %s", path, strerror(-rc));
        return rc;
    }
    int rc = fio_fstat(*fd, &sb);
    if (rc) {
        rdb_err_set(err, rc, 0, "%s: cannot stat: %s", path, strerror(-rc));
        fio_close(*fd);
        return rc;
    }
    *size = (uint64_t)sb.st_size;
    return 0;
}

int rdb_load_file(kv_server *srv, const char *path, rdb_load_stats *stats, rdb_err *err) {
    rdb_err local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    int fd;
    uint64_t size;
    int rc = open_for_load(path, &fd, &size, err);
    if (rc) return rc;

    load_ctx c;
    memset(&c, 0, sizeof(c));
    c.srv = srv;
    c.dbnum = srv->dbnum;
    c.dbs = mem_calloc(sizeof(kv_db) * (size_t)c.dbnum);
    for (int i = 0; i < c.dbnum; i++) db_init(srv, &c.dbs[i], i);
    c.now_ms = (long long)util_mstime();
    c.skip_expired = srv->cfg->replicaof_host == NULL;
    int pol = srv->cfg->maxmemory_policy;
    c.lfu = pol == CONFIG_MAXMEMORY_ALLKEYS_LFU || pol == CONFIG_MAXMEMORY_VOLATILE_LFU;
    c.total = size;
    c.name = path;
    c.start_ms = c.last_log_ms = (long long)util_mstime();

    rdb_state *st = rdb_state_of(srv);
    int was_loading = srv->loading;
    srv->loading = 1;
    st->loading = 1;
    st->loading_start = (long long)time(NULL);
    st->loading_start_ms = c.start_ms;
    st->loading_total = size;
    st->loading_loaded = 0;

    rdb_load_opts o = {.name = path,
                       .size = size,
                       .deep = srv->cfg->sanitize_dump_payload == CONFIG_SANITIZE_YES,
                       .cfg = srv->cfg,
                       .progress = sink_progress};
    rdb_sink sink = {sink_aux, sink_selectdb, sink_resizedb, sink_key, sink_function, &c};
    rdb_info info;
    strm *s = strm_file(fd, STRM_READ);
    rc = rdb_decode(s, &o, &sink, &info, err);
    strm_close(s);
    fio_close(fd);

    if (!rc) swap_in(srv, c.dbs, c.dbnum);
    for (int i = 0; i < c.dbnum; i++) db_free(&c.dbs[i]);
    mem_free(c.dbs);
    srv->loading = was_loading;
    st->loading = 0;
    if (!rc) {
        st->last_load_keys_loaded = c.loaded;
        st->last_load_keys_expired = c.expired;
    }
    if (stats) {
        stats->keys_loaded = c.loaded;
        stats->keys_expired = c.expired;
        stats->version = info.version;
        stats->bytes = info.bytes;
        stats->seconds = (double)((long long)util_mstime() - c.start_ms) / 1000.0;
    }
    return rc;
}
