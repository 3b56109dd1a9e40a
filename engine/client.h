/*
 * engine/client.h — client lifecycle and per-client state helpers.
 * net/ creates a client for each connection; the AOF loader and tests use
 * fake clients (CLIENT_FAKE) with no connection.
 */
#ifndef STRATA_CLIENT_H
#define STRATA_CLIENT_H

#include "kv.h"

/* New client registered in srv->clients; caller owns it, frees with
 * client_free (which unregisters it, releases MULTI/WATCH state). */
kv_client *client_create(kv_server *srv, int fd);
void client_free(kv_client *c);
void client_set_argv(kv_client *c, int argc, sds *argv); /* takes argv */
void client_reset_argv(kv_client *c);
/* Mark the client as having output to flush (put on srv->pending_writes). */
void client_mark_pending(kv_client *c);
kv_client *client_pop_pending(kv_server *srv);
int client_select_db(kv_client *c, long long id); /* 0 ok, -1 out of range */
/* One CLIENT LIST / CLIENT INFO line (no trailing newline). */
sds client_info_line(kv_client *c, sds s);
kv_client *client_by_id(kv_server *srv, uint64_t id);

#endif
