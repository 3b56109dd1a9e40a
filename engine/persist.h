/*
 * engine/persist.h — the one question the dispatch asks the persistence
 * modules: may writes be accepted now?  RDB (stop-writes-on-bgsave-error)
 * and AOF (failed write/fsync) register a checker; the first non-NULL
 * answer is the error sent to the client (Redis's MISCONF wording).
 */
#ifndef STRATA_PERSIST_H
#define STRATA_PERSIST_H

#include "kv.h"

/* Asked for one server: answers for that server's own state only. */
typedef const char *persist_check_fn(kv_server *srv, void *priv);

void persist_register_check(persist_check_fn *fn, void *priv);
/* NULL when writes are allowed, otherwise a static error text. */
const char *persist_write_error(kv_server *srv);

#endif
