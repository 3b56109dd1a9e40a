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

#include <stdint.h>

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

/* The reply gate (DESIGN.md "Write path" 4-5): replies to commands that
 * made the AOF grow leave only once the AOF says so.  All three return log
 * offsets (aof/aof.h "Offsets"): appended = after everything propagated so
 * far, written = accepted by write(), released = replies to writes up to
 * here may leave.  The functions are called on the loop's thread; priv is
 * borrowed.  g is copied; NULL turns holding off. */
typedef struct net_reply_gate {
    uint64_t (*appended)(void *priv);
    uint64_t (*written)(void *priv);
    uint64_t (*released)(void *priv);
    void *priv;
} net_reply_gate;
void net_set_reply_gate(net_ctx *n, const net_reply_gate *g);

#endif
