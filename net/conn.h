/*
 * net/conn.h — listeners and client connections on top of net/loop.h.
 *
 * net_start() opens the TCP listeners (every `bind` address; a leading '-'
 * marks an address that may be unavailable, as "-::1") and the unix socket,
 * and registers the before-sleep flush and the client cron.  Each accepted
 * connection gets a kv_client (engine/client.h) and a resp_reader; complete
 * commands go to cmd_process(); replies in c->out are written before the
 * loop sleeps, directly when the socket takes them, else on writability.
 */
#ifndef STRATA_CONN_H
#define STRATA_CONN_H

#include "engine/kv.h"
#include "loop.h"

typedef struct net_ctx net_ctx;

/* Open listeners; 0, or -1 with *err set (caller frees). */
net_ctx *net_start(kv_server *srv, loop_t *loop, sds *err);
/* Close listeners and every client connection. */
void net_stop(net_ctx *n);
/* Flush pending replies and close clients marked to close (before sleep). */
void net_before_sleep(net_ctx *n);
/* Once a second or so: idle timeouts, buffer housekeeping. */
void net_cron(net_ctx *n);
/* Whether all listeners that had to open are open. */
int net_listener_count(const net_ctx *n);

#endif
