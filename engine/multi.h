/*
 * engine/multi.h — MULTI/EXEC/DISCARD and WATCH.
 *
 * WATCH records (db, key) pairs per client and, per db, the clients watching
 * each key.  db_touch_key()/db_touch_all() call multi_touch_key() which marks
 * every watcher CLIENT_DIRTY_CAS; EXEC then answers a null array.
 */
#ifndef STRATA_MULTI_H
#define STRATA_MULTI_H

#include "kv.h"

void multi_queue(kv_client *c);         /* queue c->argv (argv taken) */
void multi_discard(kv_client *c);       /* drop queue and MULTI state */
void multi_unwatch_all(kv_client *c);
void multi_touch_key(kv_db *db, const sds key);
void multi_touch_all(kv_db *db);        /* FLUSHDB and friends */
/* Mark watchers of keys in db that are expired now (EXEC checks this). */
int multi_watched_expired(kv_client *c);

#endif
