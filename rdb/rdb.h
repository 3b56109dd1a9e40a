/*
 * rdb/rdb.h — Redis's RDB snapshot format: decoder, encoder, and the
 * server's snapshot machinery (SAVE, BGSAVE by fork, `save` rules, boot
 * load, DEBUG RELOAD, SHUTDOWN saving).
 *
 * Three layers, each usable without the next:
 *
 *   1. Format (rdb_decode / rdb_encode and the rdb_read_* / rdb_write_*
 *      primitives).  Pure functions of a strm (rdb/stream.h) and explicit
 *      options: no server globals, no exit(), no logging (STYLE #3, #7).
 *      The decoder hands what it reads to a caller-supplied sink (hiredis
 *      style), so the server loader and strata-check-rdb share it.  Every
 *      failure is a return value plus an rdb_err naming the offset and the
 *      key being read.
 *   2. Files (rdb_save_file / rdb_load_file): temp file -> fsync -> rename
 *      -> fsync dir through rdb/fio.h; loading into fresh databases that
 *      replace the live ones only when the whole file was read.
 *   3. Server (rdb_save, rdb_bgsave, rdb_cron, rdb_boot_load, ...): per
 *      kv_server state (last save, child process, INFO fields), driven by
 *      the cron and the commands in rdb_cmds.c.
 *
 * Format facts (docs/persistence.md has the full description):
 *   - read: "REDIS" + 4-digit version 1..12, and strata's own variant
 *     "STRATAL" + 4 digits (LZ4-compressed strings, rdbcompression lz4);
 *   - written: version 10 (Redis 7.0), AUX redis-ver "7.0.15", redis-bits,
 *     ctime, used-mem, aof-base, strata-ver; SELECTDB + RESIZEDB per
 *     non-empty db; EXPIRETIME_MS, IDLE/FREQ (under LRU/LFU policies) per
 *     key; strings int-encoded when they are canonical 32-bit integers and
 *     LZF-compressed over 20 bytes when rdbcompression yes; EOF; CRC-64
 *     (or 0 with rdbchecksum no).
 *
 * Value types other than strings plug in with rdb_register_codec(): a
 * codec says which RDB type bytes it loads and how it saves an object of
 * its kv type.  rdb/rdb_types.c holds the codecs of the list, hash, set and
 * zset types (registered by rdb_types_init(), which rdb_server_init()
 * calls).  A value whose RDB type no codec claims is a load error naming
 * the key, the type and the offset (streams, modules, 7.4 field TTLs).
 *
 * Ownership is written on each function.  Nothing here is thread-safe
 * (one server, one thread; the BGSAVE child is a separate process).
 */
#ifndef STRATA_RDB_H
#define STRATA_RDB_H

#include <stddef.h>
#include <stdint.h>

#include "engine/kv.h"
#include "rdb/stream.h"

/* ---- format constants -------------------------------------------------- */

#define RDB_VERSION 10     /* what strata writes (Redis 7.0) */
#define RDB_VERSION_MAX 12 /* newest version the decoder reads (Redis 7.4) */
#define RDB_REDIS_VER "7.0.15" /* the redis-ver AUX field strata writes */

/* RDB type bytes (Redis's numbers). */
enum {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3,
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_MODULE_PRE_GA = 6,
    RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19,
    RDB_TYPE_SET_LISTPACK = 20,
    RDB_TYPE_STREAM_LISTPACKS_3 = 21,
    RDB_TYPE_HASH_METADATA_PRE_GA = 22,
    RDB_TYPE_HASH_LISTPACK_EX_PRE_GA = 23,
    RDB_TYPE_HASH_METADATA = 24,
    RDB_TYPE_HASH_LISTPACK_EX = 25,
    RDB_TYPE__COUNT = 26
};

/* Opcodes. */
#define RDB_OPCODE_SLOT_INFO 244
#define RDB_OPCODE_FUNCTION2 245
#define RDB_OPCODE_FUNCTION_PRE_GA 246
#define RDB_OPCODE_MODULE_AUX 247
#define RDB_OPCODE_IDLE 248
#define RDB_OPCODE_FREQ 249
#define RDB_OPCODE_AUX 250
#define RDB_OPCODE_RESIZEDB 251
#define RDB_OPCODE_EXPIRETIME_MS 252
#define RDB_OPCODE_EXPIRETIME 253
#define RDB_OPCODE_SELECTDB 254
#define RDB_OPCODE_EOF 255

/* Compression of strings when writing. */
enum { RDB_COMPRESS_NONE = 0, RDB_COMPRESS_LZF = 1, RDB_COMPRESS_LZ4 = 2 };

/* "string", "list", ... for an RDB type byte; "unknown" otherwise. */
const char *rdb_type_name(int rdbtype);
/* Redis's name of an RDB type byte ("quicklist-v2", "listpack" ...). */
const char *rdb_type_encoding_name(int rdbtype);

/* ---- errors ---------------------------------------------------------------- */

/* What went wrong, where.  code: -EBADMSG corrupt data (bad length,
 * unknown opcode, checksum mismatch, ...), -ENODATA truncated,
 * -ENOTSUP valid data strata cannot hold (stream, module, a type whose
 * module has not landed), -ERANGE a db index beyond `databases`, -EEXIST a
 * duplicated key, or the -errno of a failed read/write/open.
 * text: the whole message, e.g.
 *   "dump.rdb: unexpected end of file while reading the value at offset
 *    1234 (key \"user:1\")". */
typedef struct rdb_err {
    int code;
    uint64_t offset;  /* where the failing item starts in the stream */
    int has_key;      /* key holds the key being read (printable form) */
    char key[80];
    char text[512];
} rdb_err;

/* ---- decoding ---------------------------------------------------------------- */

typedef struct rdb_reader rdb_reader;

typedef struct rdb_load_opts {
    const char *name;   /* for messages ("dump.rdb"); NULL: no prefix */
    uint64_t size;      /* bytes available from the current position (0 =
                         * unknown); lengths beyond it fail at once instead
                         * of allocating */
    int no_checksum;    /* 1: do not verify the CRC-64 trailer */
    int deep;           /* deep validation of compact encodings (codecs) */
    /* Encoding thresholds for the codecs (hash-max-listpack-entries ...);
     * NULL: Redis's defaults.  Borrowed for the decode. */
    const strata_config *cfg;
    /* Called about every 1024 keys with the stream position; may be NULL. */
    void (*progress)(void *priv, uint64_t pos, long long keys);
} rdb_load_opts;

/* Metadata read before a key (opcodes EXPIRETIME*, IDLE, FREQ). */
typedef struct rdb_key_meta {
    long long expire_ms; /* -1 none */
    long long idle_s;    /* -1 none */
    int freq;            /* -1 none */
} rdb_key_meta;

/* The sink gets what the decoder reads.  Every callback may be NULL
 * (ignored) and returns 0, or an error made with rdb_fail(r, ...) which
 * stops the decoding.  Strings are borrowed for the call, except in `key`,
 * which takes ownership of key and val whatever it returns. */
typedef struct rdb_sink {
    int (*aux)(void *priv, rdb_reader *r, const sds field, const sds value);
    int (*selectdb)(void *priv, rdb_reader *r, uint64_t dbid);
    int (*resizedb)(void *priv, rdb_reader *r, uint64_t keys, uint64_t expires);
    int (*key)(void *priv, rdb_reader *r, uint64_t dbid, int rdbtype, sds key, kv_obj *val,
               const rdb_key_meta *meta);
    int (*function)(void *priv, rdb_reader *r, const sds code);
    void *priv;
} rdb_sink;

enum { RDB_CKSUM_NONE = 0,  /* version < 5: no trailer */
       RDB_CKSUM_ZERO = 1,  /* written with rdbchecksum no */
       RDB_CKSUM_OK = 2,    /* verified */
       RDB_CKSUM_SKIPPED = 3 /* present, not verified (no_checksum) */ };

typedef struct rdb_info {
    int version;
    int strata_lz4;       /* the STRATAL variant */
    int checksum_state;   /* RDB_CKSUM_* */
    uint64_t checksum;    /* the stored trailer */
    uint64_t bytes;       /* bytes consumed (header to trailer) */
    long long keys;       /* keys delivered to the sink */
} rdb_info;

/* Decode one RDB from s: header, items, EOF, checksum; stops right after
 * the trailer (an AOF may follow).  Returns 0, or the error code with *err
 * filled (err may be NULL).  info may be NULL.  s is borrowed; its
 * checksum hook is used and cleared.  Never exits, never crashes on any
 * input; memory allocated for a bad file is released before returning. */
int rdb_decode(strm *s, const rdb_load_opts *o, const rdb_sink *sink, rdb_info *info, rdb_err *err);

/* Primitives for codecs (and DUMP/RESTORE).  Each returns 0 or the error
 * (already recorded on r, with the offset of the item). */
int rdb_read_u8(rdb_reader *r, uint8_t *v);
int rdb_read_len(rdb_reader *r, uint64_t *len);
/* A string in any of its encodings (plain, int8/16/32, LZF/LZ4) as a new
 * sds; NULL on error. */
sds rdb_read_sds(rdb_reader *r);
/* A string as a new mem_alloc buffer (for listpack/ziplist/intset blobs);
 * NULL on error. */
unsigned char *rdb_read_blob(rdb_reader *r, size_t *len);
/* The value of a string key: int-encoded when it looks like one, as
 * Redis's tryObjectEncoding.  NULL on error. */
kv_obj *rdb_read_string_obj(rdb_reader *r);
int rdb_read_double_bin(rdb_reader *r, double *d); /* ZSET_2: 8 bytes LE */
int rdb_read_double_str(rdb_reader *r, double *d); /* ZSET (v1): length-prefixed text */
/* Record an error (first one wins) and return its code.  code 0 = -EBADMSG. */
int rdb_fail(rdb_reader *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The file's RDB version, and whether deep checks were asked for. */
int rdb_reader_version(const rdb_reader *r);
int rdb_reader_deep(const rdb_reader *r);
/* Offset of the item being read (where its opcode or type byte is). */
uint64_t rdb_reader_offset(const rdb_reader *r);
/* The configuration whose encoding thresholds apply (NULL: defaults). */
const strata_config *rdb_reader_config(const rdb_reader *r);
/* A codec that read a valid but empty collection calls this and returns
 * NULL: the key is skipped (Redis does the same), not an error. */
void rdb_reader_empty_key(rdb_reader *r);

/* ---- encoding ---------------------------------------------------------------- */

typedef struct rdb_writer rdb_writer;

typedef struct rdb_save_opts {
    int compression;      /* RDB_COMPRESS_* */
    int checksum;         /* 1: CRC-64 trailer, 0: eight zero bytes */
    int write_idle;       /* IDLE before each key (LRU policies) */
    int write_freq;       /* FREQ before each key (LFU policies) */
    long long used_mem;   /* the used-mem AUX field */
    int aof_base;         /* the aof-base AUX field */
    /* Called about every 1024 keys; may be NULL. */
    void (*progress)(void *priv, long long keys);
    void *priv;
} rdb_save_opts;

/* Write a whole RDB (header to checksum) for dbs[0..dbnum) to s.  Keys
 * are written as they are, including expired ones (as Redis).  0 or the
 * error (*err filled; err may be NULL).  *keys (may be NULL) = keys
 * written.  Borrows everything. */
int rdb_encode(strm *s, kv_db *dbs, int dbnum, const rdb_save_opts *o, long long *keys, rdb_err *err);

/* Write one value: its RDB type byte and payload (a DUMP body). */
int rdb_encode_value(strm *s, const kv_obj *o, int compression, rdb_err *err);

/* Primitives for codecs: 0 or -errno (the stream's sticky error). */
int rdb_write_u8(rdb_writer *w, uint8_t v);
int rdb_write_len(rdb_writer *w, uint64_t len);
/* A string: int-encoded when canonical and 32-bit, compressed when the
 * writer compresses and len > 20, else plain. */
int rdb_write_string(rdb_writer *w, const void *p, size_t len);
int rdb_write_string_obj(rdb_writer *w, const kv_obj *o); /* OBJ_STRING */
int rdb_write_ll(rdb_writer *w, long long v);            /* as a string */
int rdb_write_double_bin(rdb_writer *w, double d);

/* ---- DUMP / RESTORE payloads ---------------------------------------------------- */

/* Redis's DUMP format: <type byte><value><RDB version u16le><CRC-64 u64le
 * of everything before it>.  strata writes version 10 and never LZ4
 * (compression RDB_COMPRESS_LZ4 is written as LZF, so Redis can read it).
 * Returns a new sds, or NULL when o has no codec. */
sds rdb_dump_payload(const kv_obj *o, int compression);

/* Check and decode a payload: footer (version 1..RDB_VERSION_MAX, CRC-64,
 * as strict as Redis), then the value, which must use every byte.  Returns a
 * new object (refcount 1), or NULL with *why set to Redis's reply text
 * ("DUMP payload version or checksum are wrong" / "Bad data format") and
 * *detail (may be NULL) to the decoder's message.  p is borrowed. */
kv_obj *rdb_restore_payload(const void *p, size_t len, int deep, const strata_config *cfg, const char **why,
                            rdb_err *detail);

/* ---- type codecs ------------------------------------------------------------- */

typedef struct rdb_codec {
    int obj_type;  /* OBJ_LIST ... */
    /* Load a value whose type byte is rdbtype (one this codec claimed).
     * Returns a new object, or NULL after rdb_fail() or
     * rdb_reader_empty_key(). */
    kv_obj *(*load)(rdb_reader *r, int rdbtype);
    /* The type byte o is saved with. */
    int (*save_type)(const kv_obj *o);
    /* Write o's payload (the type byte and key are already written). */
    int (*save)(rdb_writer *w, const kv_obj *o);
} rdb_codec;

/* Claim the RDB type bytes rdbtypes[0..n) for loading, and c->obj_type for
 * saving.  c is borrowed for the life of the process (static storage).  A
 * later registration of the same byte or type replaces the earlier one.
 * Returns 0 or -EINVAL. */
int rdb_register_codec(const rdb_codec *c, const uint8_t *rdbtypes, int n);
/* The same for every type byte rdb_type_bytes() lists for c->obj_type. */
void rdb_register_codec_for_type(const rdb_codec *c);

/* Register strata's codecs for the types the engine has (list, hash, set,
 * zset).  Idempotent.  Tools that only verify files (strata-check-rdb) use their
 * own codecs instead. */
/* The RDB type bytes (every version) that hold values of obj_type (OBJ_LIST,
 * OBJ_SET, OBJ_HASH, OBJ_ZSET, OBJ_MODULE, OBJ_STREAM): *bytes points at a
 * static table; returns its length (0 for any other type). */
int rdb_type_bytes(int obj_type, const uint8_t **bytes);
void rdb_types_init(void);

/* ---- files ------------------------------------------------------------------- */

/* Save dbs to path: write tmp_path (mode 0644; NULL = "<dir of
 * path>/temp-<pid>.rdb"), fdatasync every 4 MB when incremental_fsync, fsync,
 * rename over path, fsync the directory.  On failure the old path is
 * untouched and the temp file removed.  0 or -errno (*err filled). */
int rdb_save_file(const char *path, const char *tmp_path, kv_db *dbs, int dbnum, const rdb_save_opts *o,
                  int incremental_fsync, long long *keys, rdb_err *err);

/* ---- the server ------------------------------------------------------------ */

/* Load results for INFO and the boot log. */
typedef struct rdb_load_stats {
    long long keys_loaded, keys_expired;
    int version;
    uint64_t bytes;
    double seconds;
} rdb_load_stats;

/* Create / free the per-server RDB state (server_create / server_free call
 * them); registers the INFO parts and the MISCONF write check once per
 * process.  rdb_server_free kills a running BGSAVE child. NULL ok. */
void rdb_server_init(kv_server *srv);
void rdb_server_free(kv_server *srv);

/* Cron work, called from server_cron: reap a finished BGSAVE child and
 * report its result, start a BGSAVE when a `save` rule is due (or one was
 * scheduled). */
void rdb_cron(kv_server *srv);

/* Load path into srv: the file is decoded into fresh databases which
 * replace srv's only when it was read completely (WATCHed keys of the old
 * ones are touched); on any failure srv is unchanged.  Expired keys are
 * skipped (this is a master).  0, -ENOENT when the file does not exist,
 * or the error (*err filled).  st may be NULL. */
int rdb_load_file(kv_server *srv, const char *path, rdb_load_stats *st, rdb_err *err);

/* Boot (called by recovery/ when it chose the RDB): load cfg->dbfilename
 * (relative to the working directory, which is cfg->dir) when it exists,
 * logging the progress.  Returns 0 (loaded, or
 * no file), or -1 after logging why the server must not start (a corrupt
 * or unreadable file: the message names the file, the offset, and
 * strata-check-rdb). */
int rdb_boot_load(kv_server *srv);

/* SAVE: a blocking save to dbfilename.  0 or -errno (logged). */
int rdb_save(kv_server *srv);
/* BGSAVE: fork a child that saves.  0 started, -EALREADY (a BGSAVE child
 * is running), -EBUSY (another child, see rdb_set_busy_check), or -errno
 * (fork failed; logged). */
int rdb_bgsave(kv_server *srv);
/* 1 while a BGSAVE child runs. */
int rdb_child_active(kv_server *srv);
/* Tell the RDB module about another kind of child process (an AOF
 * rewrite): while busy(priv) returns non-zero, BGSAVE answers Redis's
 * "Another child process is active (AOF?)" error (or is scheduled with
 * SCHEDULE / inside EXEC) and the cron starts no BGSAVE.  fn NULL removes
 * it; priv is borrowed until then. */
void rdb_set_busy_check(kv_server *srv, int (*busy)(void *priv), void *priv);
/* Kill a running child (SIGUSR1), reap it, remove its temp file. */
void rdb_kill_child(kv_server *srv);

/* DEBUG RELOAD: save, then load the file back (replacing the dataset).
 * 0, or -1 with *err a new sds (Redis's reply text). */
int rdb_debug_reload(kv_server *srv, sds *err);

/* Shutdown: kill a BGSAVE child; save when SHUTDOWN SAVE, or when `save`
 * rules exist and not SHUTDOWN NOSAVE.  flags: SHUTDOWN_* of
 * engine/server_cmds.h.  0: the server may exit; -1: the save failed
 * (logged) and SHUTDOWN_FORCE was not given. */
int rdb_shutdown(kv_server *srv, int flags);

/* Unix time of the last successful save (LASTSAVE). */
long long rdb_lastsave(kv_server *srv);

#endif
