/*
 * engine/server_cmds.h — what the server commands share with the code that
 * drives the engine (net/main.c): SHUTDOWN's request flags, and applying a
 * changed configuration to the running engine.
 *
 * SHUTDOWN sets srv->shutdown_asap = 1 and srv->shutdown_flags to a mix of
 * the SHUTDOWN_* bits below, and sends no reply (as Redis, the client sees
 * the connection close).  The driver performs the shutdown: save unless
 * SHUTDOWN_NOSAVE (or no save rules and not SHUTDOWN_SAVE), fsync the AOF,
 * remove the pid file, exit.  When it cannot (a failed save without
 * SHUTDOWN_FORCE) it clears shutdown_asap and reports
 * "-ERR Errors trying to SHUTDOWN. Check logs." to whoever asked.
 */
#ifndef STRATA_SERVER_CMDS_H
#define STRATA_SERVER_CMDS_H

#include "kv.h"

#define SHUTDOWN_NOSAVE (1 << 0)
#define SHUTDOWN_SAVE (1 << 1)
#define SHUTDOWN_NOW (1 << 2)   /* skip waiting for replicas */
#define SHUTDOWN_FORCE (1 << 3) /* ignore errors (failed save) */
#define SHUTDOWN_SIGNAL (1 << 4) /* set by the driver for SIGTERM/SIGINT */

/* Make the running engine follow srv->cfg after a CONFIG SET: log level,
 * hz, LFU parameters, shared integers (off under LRU/LFU policies), and an
 * eviction pass when maxmemory is now exceeded.  Idempotent; also meant to
 * be called once after server_create(). */
void server_cmds_apply_config(kv_server *srv);

#endif
