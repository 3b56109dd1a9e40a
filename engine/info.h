/*
 * engine/info.h — the INFO command and its extension points.
 *
 * INFO's text is built from sections ("# Server", "# Memory", ...), each
 * made of ordered parts; a part is a provider function that appends
 * "field:value\r\n" lines.  Modules that land later replace the built-in
 * defaults by registering a part under the same (section, part) name:
 *
 *   persistence / loading   loading:0 async_loading:0 current_cow_* ...
 *   persistence / rdb       rdb_changes_since_last_save ... rdb_last_load_*
 *   persistence / aof       aof_enabled ... aof_last_cow_size
 *   persistence / fork      module_fork_in_progress module_fork_last_cow_size
 *   replication / main      role:master ... repl_backlog_histlen
 *   clients / net           (empty; net/ adds its lines here, or through
 *                            srv->net.info_clients)
 *
 * or add a new section (e.g. "latencystats").  Field names are Redis 7.0's
 * so exporters and dashboards read strata as Redis; strata's own additions
 * are prefixed "strata_" (strata_version).
 *
 * Section selection, as Redis 7.0: no argument = "default"; "all" = every
 * section not flagged INFO_EVERYTHING_ONLY; "everything" = all sections;
 * several names may be given; unknown names add nothing.
 *
 * The registry is process-wide (callbacks + priv); registration is not
 * thread-safe (do it at startup, from the event-loop thread).
 */
#ifndef STRATA_INFO_H
#define STRATA_INFO_H

#include "kv.h"

/* Section flags */
#define INFO_DEFAULT 1         /* part of "INFO" with no argument */
#define INFO_EVERYTHING_ONLY 2 /* only "INFO everything" or by name */

/* Append lines ("name:value\r\n") to out and return it (it may move). */
typedef sds info_part_fn(kv_server *srv, sds out, void *priv);

/* Register (or replace) a part of a section; the section is created on
 * first use with `flags`, after the built-in ones, and shown with its name
 * capitalised as Redis does ("# Persistence"; "commandstats" ->
 * "# Commandstats").  section/part are copied; priv is borrowed and must
 * outlive the registration; fn NULL removes the part.
 * Returns 0, or -1 when the registry is full. */
int info_register(const char *section, const char *part, info_part_fn *fn, void *priv, int flags);

/* The INFO text for the given section names (argv borrowed; argc 0 =
 * "default").  Caller frees. */
sds info_generate(kv_server *srv, int argc, sds *argv);

/* One field's value from a generated section ("used_memory"), or NULL.
 * For tests and tools.  Caller frees. */
sds info_field(kv_server *srv, const char *section, const char *field);

/* Count an error reply for INFO errorstats: msg is the error text as given
 * to reply_error() ("ERR ...", "-WRONGTYPE ...", or text without a code,
 * which counts as ERR).  At most 128 distinct codes are tracked, as Redis. */
void info_count_error(kv_server *srv, const char *msg);
/* CONFIG RESETSTAT: clear errorstats. */
void info_reset_errors(kv_server *srv);

/* Bytes of bookkeeping that is not data (server and db structs, hash
 * table buckets and entries, clients and their buffers); *clients_mem gets
 * the clients' share.  INFO memory and MEMORY STATS use it. */
size_t info_memory_overhead(kv_server *srv, size_t *clients_mem);

/* "1.50M" style sizes as INFO's *_human fields show them. */
void info_bytes_human(char *buf, size_t size, unsigned long long n);

/* The INFO command. */
void info_command(kv_client *c);

#endif
