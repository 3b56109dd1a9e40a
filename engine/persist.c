/*
 * engine/persist.c — the write gate the dispatch consults (see persist.h).
 * The checkers are process-wide (registered once per module); each answers
 * for the server it is asked about.
 */
#include "persist.h"

static persist_check_fn *checks[4];
static void *privs[4];
static int nchecks;

void persist_register_check(persist_check_fn *fn, void *priv) {
    if (nchecks < 4) {
        checks[nchecks] = fn;
        privs[nchecks] = priv;
        nchecks++;
    }
}

const char *persist_write_error(kv_server *srv) {
    for (int i = 0; i < nchecks; i++) {
        const char *e = checks[i](srv, privs[i]);
        if (e) return e;
    }
    return NULL;
}
