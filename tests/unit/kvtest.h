/*
 * tests/unit/kvtest.h — drive the engine without sockets: a kv_server with
 * the default configuration, fake clients, and commands given as a vector
 * or as one line split like redis-cli (quotes and \x escapes work).
 *
 *   kvt_env *e = kvt_start();            // server + one client (e->c)
 *   const char *r = kvt_run(e->c, "SET k v EX 10");   // raw RESP reply
 *   is_str(r, "+OK\r\n", "SET");
 *   kvt_stop(e);
 *
 * The reply string is owned by the client's buffer and valid until the next
 * kvt_run on that client.
 */
#ifndef STRATA_KVTEST_H
#define STRATA_KVTEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/client.h"
#include "engine/cmd.h"
#include "engine/config.h"
#include "engine/mem.h"
#include "engine/server.h"

typedef struct kvt_env {
    strata_config cfg;
    kv_server *srv;
    kv_client *c;
} kvt_env;

static inline kvt_env *kvt_start(void) {
    kvt_env *e = calloc(1, sizeof(*e));
    config_init(&e->cfg);
    e->cfg.appendonly = 0;
    e->srv = server_create(&e->cfg);
    e->c = client_create(e->srv, -1);
    return e;
}

static inline kv_client *kvt_client(kvt_env *e) { return client_create(e->srv, -1); }

static inline void kvt_stop(kvt_env *e) {
    server_free(e->srv);
    config_free(&e->cfg);
    free(e);
}

/* Run argv (copied) on c; returns the RESP bytes it produced. */
static inline const char *kvt_runv(kv_client *c, int argc, const char **argv, const size_t *lens) {
    sds *v = mem_alloc(sizeof(sds) * (size_t)(argc ? argc : 1));
    for (int i = 0; i < argc; i++) v[i] = sds_newlen(argv[i], lens ? lens[i] : strlen(argv[i]));
    sds_clear(c->out);
    c->out_sent = 0;
    client_set_argv(c, argc, v);
    cmd_process(c);
    client_reset_argv(c);
    return c->out;
}

/* Run one command line (split like redis-cli); returns the RESP reply. */
static inline const char *kvt_run(kv_client *c, const char *line) {
    int argc;
    sds *v = sds_splitargs(line, &argc);
    if (!v) return "(unbalanced quotes)";
    sds_clear(c->out);
    c->out_sent = 0;
    client_set_argv(c, argc, v);
    cmd_process(c);
    client_reset_argv(c);
    return c->out;
}

static inline const char *kvt_runf(kv_client *c, const char *fmt, ...) {
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    return kvt_run(c, line);
}

#endif
