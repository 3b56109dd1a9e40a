/*
 * rdb/rdb_int.h — what rdb_load.c, rdb_save.c and rdb_cmds.c share and
 * nobody else sees: the reader and writer structs, the codec table, the
 * per-server snapshot state.
 */
#ifndef STRATA_RDB_INT_H
#define STRATA_RDB_INT_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "rdb/rdb.h"

/* The strata variant's magic: "STRATA" + 'L' (LZ4 strings) + 4 digits. */
#define RDB_STRATA_MAGIC "STRATAL"
#define RDB_STRATA_MAGIC_LEN 7

/* Redis's special string encodings (length byte 11xxxxxx). */
#define RDB_ENC_INT8 0
#define RDB_ENC_INT16 1
#define RDB_ENC_INT32 2
#define RDB_ENC_COMPRESSED 3 /* LZF in REDIS files, LZ4 in STRATAL files */

/* fdatasync interval under rdb-save-incremental-fsync (Redis: 4 MB). */
#define RDB_AUTOSYNC_BYTES (4u * 1024 * 1024)

struct rdb_reader {
    strm *s;
    const rdb_load_opts *o;
    rdb_err *err;
    int version;
    int lz4;             /* compressed strings are LZ4 (STRATAL file) */
    uint64_t start;      /* strm_tell() when decoding began */
    uint64_t item_off;   /* start of the item being read (for errors) */
    const char *what;    /* what is being read, for truncation messages */
    const char *key;     /* the key being read (borrowed sds) or NULL */
    int empty;           /* the codec found an empty collection */
    int failed;
};

struct rdb_writer {
    strm *s;
    int compression;     /* RDB_COMPRESS_* */
    unsigned char *cbuf; /* compression scratch (mem_alloc) */
    size_t ccap;
};

/* Codec lookup (rdb_load.c owns the table). */
const rdb_codec *rdb_codec_for_rdbtype(int rdbtype);
const rdb_codec *rdb_codec_for_objtype(int objtype);

/* Make a reader over s for one value (RESTORE) or a whole file. */
void rdb_reader_init(rdb_reader *r, strm *s, const rdb_load_opts *o, rdb_err *err, int version);
/* Load one value of rdbtype (the type byte already read).  NULL: error
 * recorded, or r->empty set. */
kv_obj *rdb_read_value(rdb_reader *r, int rdbtype);

/* Redis's objectSetLRUOrLFU: under an LFU policy set the counter to freq
 * (when >= 0), otherwise set the LRU clock idle_s seconds back (when >= 0).
 * Shared objects are left alone. */
void rdb_apply_lru_lfu(kv_obj *val, int lfu_policy, long long idle_s, int freq);

void rdb_writer_init(rdb_writer *w, strm *s, int compression);
void rdb_writer_free(rdb_writer *w);
/* Type byte + payload of o. */
int rdb_write_value(rdb_writer *w, const kv_obj *o);

/* Fill err from a stream error (write side / file side). */
void rdb_err_set(rdb_err *err, int code, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- per-server state (rdb_cmds.c) ---------------------------------- */

typedef struct rdb_state {
    kv_server *srv;
    long long lastsave;          /* unix s of the last successful save */
    long long lastbgsave_try;    /* unix s of the last BGSAVE attempt */
    int lastbgsave_ok;           /* rdb_last_bgsave_status */
    long long last_bgsave_time_sec; /* -1 never */
    long long saves;             /* rdb_saves: saves started */
    int bgsave_scheduled;
    int (*busy)(void *priv);     /* another child (AOF rewrite) runs */
    void *busy_priv;

    pid_t child;                 /* 0 when none */
    int child_pipe;              /* read end of the child's report, -1 */
    long long child_start_ms;
    long long dirty_before_bgsave;
    size_t last_cow;             /* rdb_last_cow_size */
    long long total_forks, latest_fork_usec;

    long long last_load_keys_loaded, last_load_keys_expired;

    /* loading (INFO loading fields) */
    int loading;
    long long loading_start;     /* unix s */
    uint64_t loading_total, loading_loaded;
    long long loading_start_ms, loading_last_log_ms;
} rdb_state;

/* The state of srv (created on first use). */
rdb_state *rdb_state_of(kv_server *srv);

/* rdb_save.c: the options srv's configuration asks for. */
void rdb_save_opts_from(kv_server *srv, rdb_save_opts *o);
/* The path of the temp file a save by process pid writes. */
void rdb_temp_path(const char *final_path, pid_t pid, char *out, size_t cap);
/* Fork the child; fills st->child/child_pipe. 0 or -errno. */
int rdb_fork_child(kv_server *srv, rdb_state *st);
/* Non-blocking check on the child: 1 when it was reaped (*ok set, *cow
 * from its report, *bysignal the signal that killed it or 0). */
int rdb_child_poll(rdb_state *st, int *ok, int *bysignal, size_t *cow);

#endif
