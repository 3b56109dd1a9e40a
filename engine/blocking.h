/*
 * engine/blocking.h — clients blocked on keys (BLPOP BRPOP BLMOVE BRPOPLPUSH
 * BLMPOP, BZPOPMIN BZPOPMAX BZMPOP): Redis 7.0's blocking semantics behind
 * one small API that every type module uses the same way.
 *
 * How a blocking command uses it (the whole protocol):
 *
 *   1. Parse the timeout first with blocking_parse_timeout() (Redis's
 *      wording: "timeout is not a float or out of range", "timeout is
 *      negative"); it yields an absolute deadline in unix ms, 0 = forever.
 *   2. Try to serve the client at once from the keys (in argument order), as
 *      the non-blocking command would; if it could, reply and propagate as
 *      the non-blocking form (cmd_rewrite_argv: BLPOP -> LPOP key, ...).
 *   3. Else, if (c->flags & CLIENT_DENY_BLOCKING) (inside MULTI/EXEC, the
 *      AOF loader), reply what a timeout would (the command decides: most
 *      reply_null_array, BLMOVE/BRPOPLPUSH reply_null) and return.
 *   4. Else call blocking_block(c, keys, nkeys, deadline, type, serve,
 *      privdata, free_privdata) and return without replying.
 *
 * Afterwards the module calls serve(c, key, privdata) whenever a key the
 * client waits on may serve it (see "Readiness"):
 *   - serve looks the key up itself in c->db (the db the client blocked in;
 *     it cannot change while blocked), checks the type, and either does the
 *     work (pop, reply to c, db_touch_key, srv->dirty++, delete an emptied
 *     key, cmd_also_propagate(srv, c->db->id, ...) with the deterministic
 *     non-blocking form) and returns 1, or returns 0 ("not for me": key
 *     missing, empty, or of another type) and the client keeps waiting;
 *   - returning 1 also fits "answered with an error" (BLMOVE whose
 *     destination turned out to hold a string replies WRONGTYPE and is
 *     done): 1 means "c got its reply, unblock it";
 *   - serve runs outside any command (srv->in_nested_call == 0): what it
 *     queued with cmd_also_propagate is flushed right after it returns, one
 *     client at a time, as Redis's handleClientsBlockedOnKeys does;
 *   - serve must not call blocking_block() nor free c.
 * On timeout (or CLIENT UNBLOCK id TIMEOUT) the module itself replies a null
 * array (RESP2 *-1, RESP3 _), which is what Redis 7.0 sends for every
 * list/zset/stream blocking command, BLMOVE included.  CLIENT UNBLOCK id
 * ERROR replies "-UNBLOCKED client unblocked via CLIENT UNBLOCK".
 * free_privdata (may be NULL) is called once when the client is unblocked
 * for any reason (served, timeout, CLIENT UNBLOCK, disconnection).
 *
 * Readiness (Redis 7.0 signalKeyAsReady): a key becomes "ready" when a value
 * of a type that can serve blocked clients (list, zset, stream) is added
 * under it (db_add) or replaces its value (db_overwrite), or SWAPDB brings
 * it in, and only when clients of that block type are waiting.  After each
 * top-level command (EXEC counts as one) cmd_call() runs
 * blocking_serve_ready(): ready keys in the order they became ready, and
 * for each key its waiting clients in the order they blocked (FIFO
 * fairness), until the key can serve no more.  Serving may make further
 * keys ready (BLMOVE pushes): they are served in the same pass.  Clients
 * stay blocked when their key is deleted, flushed or gets another type, as
 * in Redis 7.0.
 *
 * Ownership: keys are copied by blocking_block; privdata is owned by the
 * blocking module from the call on (freed with free_privdata).  c->bstate
 * is this module's and is NULL whenever the client is not blocked.
 */
#ifndef STRATA_BLOCKING_H
#define STRATA_BLOCKING_H

#include "kv.h"

/* What a client is blocked for (Redis's BLOCKED_* types). */
enum { BLOCKED_NONE = 0, BLOCKED_LIST = 1, BLOCKED_ZSET = 2, BLOCKED_STREAM = 3 };
#define BLOCKED_TYPES 4

/* 1: c was served (or answered) and must be unblocked; 0: keep waiting. */
typedef int blocking_serve_fn(kv_client *c, const sds key, void *privdata);
typedef void blocking_free_fn(void *privdata);

/* Parse a timeout in seconds (a float: "0.5", "1e-3"; 0 = forever) as
 * Redis 7.0 does.  Returns 0 with *deadline_ms = absolute unix ms (0 for
 * forever), or -1 after replying the error. */
int blocking_parse_timeout(kv_client *c, const sds arg, long long *deadline_ms);

/* Block c on keys[0..nkeys) (duplicates ignored) until deadline_ms (0 =
 * forever).  Sets CLIENT_BLOCKED; net/ stops reading commands from c until
 * it is unblocked.  The caller must not reply.  keys are copied. */
void blocking_block(kv_client *c, sds *keys, int nkeys, long long deadline_ms, int type,
                    blocking_serve_fn *serve, void *privdata, blocking_free_fn *free_privdata);

/* ---- hooks for the engine (db.c, cmd.c, server.c) and net/ ----------- */

/* A value of object type objtype was stored under key (db_add,
 * db_overwrite): mark the key ready if clients of the matching block type
 * wait on it.  Cheap when nobody is blocked. */
void blocking_key_added(kv_server *srv, kv_db *db, const sds key, int objtype);
/* After SWAPDB: every key of db that clients wait on and that now holds a
 * list/zset/stream becomes ready. */
void blocking_scan_db(kv_server *srv, kv_db *db);
/* Serve clients blocked on ready keys (see "Readiness").  Called by
 * cmd_call() after each top-level command; a no-op when nothing is ready. */
void blocking_serve_ready(kv_server *srv);
/* Time out blocked clients whose deadline passed (server cron). */
void blocking_handle_timeouts(kv_server *srv);
/* CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if client id was blocked (it now
 * got the timeout reply, or the UNBLOCKED error when error != 0, and is
 * unblocked), 0 if there is no such client or it is not blocked. */
int blocking_unblock_by_id(kv_server *srv, uint64_t id, int error);
/* Forget c's blocked state without replying (the client is closing).
 * Safe on clients that are not blocked.  client_free() / the connection
 * close path must call it before freeing a client. */
void blocking_client_free(kv_client *c);
/* Clients blocked now, in total or by BLOCKED_* type. */
long long blocking_count(kv_server *srv, int type);

#endif
