/*
 * engine/server.h — creating and running the engine context (kv_server).
 *
 * server_create() builds the databases and the command table from a loaded
 * configuration; the caller (net/main.c, the AOF loader, unit tests) owns
 * the result and frees it with server_free().  server_cron() runs the
 * periodic work (active expiry, rehash, stats sampling, eviction) and is
 * called hz times a second by whoever drives the engine.
 */
#ifndef STRATA_SERVER_H
#define STRATA_SERVER_H

#include "kv.h"

#define STRATA_VERSION "0.1.0"
#define STRATA_REDIS_COMPAT_VERSION "7.0.15"

/* cfg is borrowed: it must outlive the server. */
kv_server *server_create(strata_config *cfg);
void server_free(kv_server *srv); /* NULL ok; frees clients too */
void server_cron(kv_server *srv);
/* Wall-clock ms now (cached per command while one runs). */
int64_t server_now_ms(kv_server *srv);

#endif
