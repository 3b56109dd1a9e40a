/*
 * engine/cmd_docs.h — the COMMAND command: the command table described in
 * Redis 7.0's formats (COMMAND, COUNT, LIST, INFO, DOCS, GETKEYS,
 * GETKEYSANDFLAGS, HELP).
 *
 * Everything is derived from the kv_command rows: flags, key positions,
 * group, since, summary, complexity, and the argument synopsis `args`
 * ("key value [NX|XX] [GET] [EX seconds|PX milliseconds|KEEPTTL]"), which is
 * parsed into Redis's argument tree for COMMAND DOCS so redis-cli 7 builds
 * its hints and `help` pages from it.
 *
 * Synopsis grammar (what table authors may write):
 *   item     := WORD | word | TOKEN word | TOKEN '(' alts ')'
 *             | '[' alts ']' | '(' alts ')' | item '...'
 *   alts     := seq ('|' seq)*           a '|' list is a oneof
 *   seq      := item*                    more than one item is a block
 *   '|' binds loosest: "EX seconds|PX milliseconds" is a oneof of two
 *   token+value pairs; use parentheses to bind tighter:
 *   "[TYPE (NORMAL|MASTER|REPLICA|PUBSUB)]".
 *   UPPERCASE words are tokens (pure tokens alone, or followed by their
 *   lowercase value: "COUNT count"); lowercase words are arguments whose
 *   type comes from the name (key, count/seconds/... integer, pattern,
 *   unix-time-*, else string); "[x ...]" repeats what it contains, and
 *   "key [key ...]" / "field value [field value ...]" become one repeated
 *   argument, as in Redis's docs.
 */
#ifndef STRATA_CMD_DOCS_H
#define STRATA_CMD_DOCS_H

#include "cmd.h"
#include "kv.h"

/* COMMAND with no subcommand: every command's COMMAND INFO entry. */
void cmddocs_command(kv_client *c);
/* COMMAND's subcommand rows (referenced by cmd_table_server). */
extern const kv_command cmddocs_subcommands[];

/* 0 when the synopsis parses (balanced brackets, no empty alternative),
 * -1 otherwise.  For tests that check every table row. */
int cmddocs_check_synopsis(const char *synopsis);

#endif
