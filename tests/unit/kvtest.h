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
 *
 * Propagation checks: kvt_start_prop() also subscribes kvt_prop_record, which
 * appends one line per propagated op to kvt_prop_log ("arg arg ...\n"; with
 * KVT_PROP_DB in kvt_prop_flags "<db> arg ...", with KVT_PROP_ESCAPE bytes
 * outside printable ASCII as \xNN and empty args as "").  KVT_PROP(want)
 * compares and clears it; KVT_CHECK(c, line, want) runs a line and compares
 * the reply with a literal.
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
#include "engine/db.h"
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

/* ---- propagation log ----------------------------------------------------- */

#define KVT_PROP_DB 1
#define KVT_PROP_ESCAPE 2

__attribute__((unused)) static sds kvt_prop_log;
__attribute__((unused)) static int kvt_prop_flags;

static inline sds kvt_cat_escaped(sds out, const char *s, size_t len) {
    if (len == 0) return sds_cat(out, "\"\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 32 || ch > 126) out = sds_catprintf(out, "\\x%02x", ch);
        else out = sds_catlen(out, s + i, 1);
    }
    return out;
}

static inline void kvt_prop_record(void *priv, int dbid, int argc, sds *argv) {
    (void)priv;
    if (kvt_prop_flags & KVT_PROP_DB) kvt_prop_log = sds_catprintf(kvt_prop_log, "%d ", dbid);
    for (int i = 0; i < argc; i++) {
        if (i) kvt_prop_log = sds_cat(kvt_prop_log, " ");
        if (kvt_prop_flags & KVT_PROP_ESCAPE) kvt_prop_log = kvt_cat_escaped(kvt_prop_log, argv[i], sds_len(argv[i]));
        else kvt_prop_log = sds_cat(kvt_prop_log, argv[i]);
    }
    kvt_prop_log = sds_cat(kvt_prop_log, "\n");
}

/* Subscribe the recorder to e's propagation point and empty the log. */
static inline void kvt_prop_attach(kvt_env *e) {
    if (!kvt_prop_log) kvt_prop_log = sds_empty();
    cmd_prop_subscribe(e->srv, kvt_prop_record, NULL);
    sds_clear(kvt_prop_log);
}

/* ---- running commands ------------------------------------------------------ */

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

static inline kvt_env *kvt_start_prop(void) {
    kvt_env *e = kvt_start();
    kvt_prop_attach(e);
    return e;
}

/* want as one line for a TAP description: "a\nb\n" -> "a | b". */
static inline const char *kvt_oneline(const char *want) {
    static char buf[512];
    size_t n = 0;
    for (const char *p = want; *p && n + 4 < sizeof(buf); p++) {
        if (*p != '\n') buf[n++] = *p;
        else if (p[1]) buf[n++] = ' ', buf[n++] = '|', buf[n++] = ' ';
    }
    buf[n] = '\0';
    return n ? buf : "(nothing)";
}

/* The value at key in c's db, no expiry or stats (borrowed). */
static inline kv_obj *kvt_find(kv_client *c, const char *key) {
    sds k = sds_new(key);
    kv_obj *o = db_find(c->db, k);
    sds_free(k);
    return o;
}

/* Run line on c and compare the reply with the literal want. */
#define KVT_CHECK(c, line, want)                                                          \
    do {                                                                                  \
        kvt_run((c), (line));                                                             \
        is_mem((c)->out, sds_len((c)->out), (want), sizeof(want) - 1, "%s", (line));     \
    } while (0)

/* What was propagated since the last call (then forgotten). */
#define KVT_PROP(want)                                                                                        \
    do {                                                                                                      \
        is_mem(kvt_prop_log, sds_len(kvt_prop_log), (want), strlen(want), "propagated: %s", kvt_oneline(want)); \
        sds_clear(kvt_prop_log);                                                                              \
    } while (0)

#define KVT_WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

#endif
