/*
 * engine/db.h — keyspace operations on one database.
 *
 * Every read goes through db_lookup_read()/db_lookup_write(), which apply
 * lazy expiry (an expired key is deleted, its DEL propagated, and reported
 * as missing) and update hit/miss stats and LRU/LFU clocks.  Every write
 * that changes a key calls db_touch_key() (signalModifiedKey in Redis terms:
 * invalidates WATCH, wakes blocked clients) and bumps srv->dirty.
 *
 * Ownership: db_add/db_set take ownership of one reference of val; the key
 * sds is copied (callers keep theirs).  Lookups return borrowed pointers,
 * valid until the key is modified or deleted.
 */
#ifndef STRATA_DB_H
#define STRATA_DB_H

#include "kv.h"

/* Lookup flags */
#define LOOKUP_NONE 0
#define LOOKUP_NOTOUCH (1 << 0)  /* don't update LRU/LFU */
#define LOOKUP_NONOTIFY (1 << 1)
#define LOOKUP_NOSTATS (1 << 2)  /* don't count hits/misses */
#define LOOKUP_NOEXPIRE (1 << 3) /* don't delete expired keys (still reported missing) */

void db_init(kv_server *srv, kv_db *db, int id);
void db_free(kv_db *db);

kv_obj *db_lookup_read(kv_client *c, kv_db *db, const sds key, int flags);
kv_obj *db_lookup_write(kv_client *c, kv_db *db, const sds key);
/* Raw lookup: no expiry, no stats. */
kv_obj *db_find(kv_db *db, const sds key);

void db_add(kv_server *srv, kv_db *db, const sds key, kv_obj *val);        /* key must not exist */
void db_overwrite(kv_server *srv, kv_db *db, const sds key, kv_obj *val);  /* key must exist; keeps TTL */
/* SET semantics: add or overwrite; removes TTL unless keepttl. */
void db_set(kv_server *srv, kv_db *db, const sds key, kv_obj *val, int keepttl);
int db_delete(kv_server *srv, kv_db *db, const sds key);  /* 1 deleted, 0 absent */
long long db_size(kv_db *db);
long long db_flush(kv_server *srv, kv_db *db);  /* returns keys removed */
kv_obj *db_random_key_obj(kv_client *c, kv_db *db, sds *key_out); /* key_out: new sds */

/* Typed lookups for command handlers, on c->db: 0 with *out set (NULL when
 * the key is missing), or -1 after replying WRONGTYPE.  _read counts
 * hits/misses, _write does not (a write command's lookup is not a hit). */
int db_lookup_typed_read(kv_client *c, const sds key, int type, kv_obj **out);
int db_lookup_typed_write(kv_client *c, const sds key, int type, kv_obj **out);
/* After a handler changed key in c->db: WATCH/blocked clients, dirty += n. */
void db_key_changed(kv_client *c, const sds key, long long changes);

/* Expiry (unix ms).  db_get_expire returns -1 when none. */
void db_set_expire(kv_server *srv, kv_db *db, const sds key, long long when_ms);
long long db_get_expire(kv_db *db, const sds key);
int db_remove_expire(kv_db *db, const sds key);
int db_key_is_expired(kv_server *srv, kv_db *db, const sds key);
/* Delete key if expired (propagating DEL); returns 1 if it was deleted. */
int db_expire_if_needed(kv_server *srv, kv_db *db, const sds key);
/* Delete an expired key found by the active cycle, propagate DEL, count it. */
void db_delete_expired(kv_server *srv, kv_db *db, const sds key);

/* Signal that key changed (WATCH invalidation, blocked clients). */
void db_touch_key(kv_server *srv, kv_db *db, const sds key);
void db_touch_all(kv_server *srv, kv_db *db); /* FLUSHDB/SWAPDB: every watched key in db */

/* SWAPDB */
void db_swap(kv_server *srv, int a, int b);

/* The active expire cycle (time-boxed); called from the cron. */
void db_active_expire_cycle(kv_server *srv, int slow);

/* Cron housekeeping: incremental rehash, shrink. */
void db_cron(kv_server *srv);

#endif
