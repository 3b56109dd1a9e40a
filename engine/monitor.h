/*
 * engine/monitor.h — MONITOR: clients that see every command as it runs.
 *
 * Monitors live in srv->monitors[] (at most 64) and carry CLIENT_MONITOR.
 * The dispatch calls monitor_feed() for each command it runs (except
 * CMD_ADMIN and CMD_SKIP_MONITOR ones, and never while loading); each
 * monitor receives one status line in Redis's format:
 *
 *   +1700000000.123456 [0 127.0.0.1:5555] "set" "a" "b"
 *   +1700000000.123456 [0 unix:/tmp/strata.sock] "get" "a"
 *
 * Arguments are quoted like sds_catrepr(); AUTH's arguments and HELLO's
 * AUTH username/password are shown as "(redacted)", as in Redis 7.
 * Implemented in engine/server_cmds.c.
 */
#ifndef STRATA_MONITOR_H
#define STRATA_MONITOR_H

#include "kv.h"

#define MONITOR_MAX 64

/* Send c's command (argv borrowed) to every monitor. */
void monitor_feed(kv_server *srv, kv_client *c, int dbid, int argc, sds *argv);
/* Make c a monitor: 0, or -1 when MONITOR_MAX monitors already exist. */
int monitor_add(kv_server *srv, kv_client *c);
/* Stop c being a monitor (RESET); no-op when it is not one. */
void monitor_remove(kv_server *srv, kv_client *c);

#endif
