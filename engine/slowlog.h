/*
 * engine/slowlog.h — the slow log (SLOWLOG GET/LEN/RESET/HELP).
 *
 * The dispatch calls slowlog_push() after every command it ran (except
 * commands flagged CMD_SKIP_SLOWLOG, which the caller filters).  The entry
 * is kept when duration_us >= slowlog-log-slower-than (a negative threshold
 * disables the log, 0 logs everything); at most slowlog-max-len entries are
 * kept, newest first.  Entries are as Redis's: id, unix time, duration in
 * microseconds, the arguments (at most 32; the 32nd says "... (N more
 * arguments)"; each at most 128 bytes, then "... (N more bytes)"), the
 * client's address and name.
 *
 * Storage is srv->slowlog (an array, newest first), srv->slowlog_len and
 * srv->slowlog_next_id (kv.h).
 */
#ifndef STRATA_SLOWLOG_H
#define STRATA_SLOWLOG_H

#include "cmd.h"
#include "kv.h"

#define SLOWLOG_ENTRY_MAX_ARGC 32
#define SLOWLOG_ENTRY_MAX_STRING 128

/* Record c's current command (c->argv, c->cmd) if it was slow; argv is
 * copied.  Also feeds the latency monitor ("command" / "fast-command"). */
void slowlog_push(kv_server *srv, kv_client *c, long long duration_us);
/* Same with an explicit argv (e.g. a command inside EXEC); argv borrowed. */
void slowlog_push_argv(kv_server *srv, kv_client *c, int argc, sds *argv, long long duration_us);
void slowlog_reset(kv_server *srv);
/* Free every entry (server_free). */
void slowlog_free(kv_server *srv);

/* SLOWLOG subcommand rows (referenced by cmd_table_server). */
extern const kv_command slowlog_subcommands[];

#endif
