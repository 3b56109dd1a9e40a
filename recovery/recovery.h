/*
 * recovery/recovery.h — the boot decision: which files strata loads, in
 * what order, and why (DESIGN.md "Recovery" 1-5).  The one place that
 * decides; the loaders (aof/aof.h, rdb/rdb.h) only load what they are told.
 *
 * Decision table (cwd is `dir`; AOF = appenddirname/<appendfilename>.manifest
 * naming a base or an incr, or an old single-file <appendfilename>):
 *
 *   appendonly  AOF    dump.rdb  loads                       then
 *   yes         yes    any       the AOF (RDB ignored)       append to it
 *   yes         no     yes       the RDB                     seed the AOF base
 *                                                            from it (aof_start)
 *   yes         no     no        nothing (empty)             create the AOF
 *   no          any    yes       the RDB (AOF ignored)       -
 *   no          any    no        nothing (empty)             -
 *
 * An old single-file AOF (Redis <= 6) is first moved into the multi-part
 * layout (aof_upgrade_old_file), exactly as Redis 7.0 does.  Redis 7.0 starts
 * empty in the second row and later overwrites the RDB; strata never starts
 * empty while durable data sits on disk.
 *
 * Anything that cannot be loaded stops the boot with a message naming the
 * file, the offset and the repair command (strata-check-aof /
 * strata-check-rdb); a truncated AOF tail is cut when aof-load-truncated yes.
 */
#ifndef STRATA_RECOVERY_H
#define STRATA_RECOVERY_H

#include "engine/kv.h"

/* What was loaded (for the log, INFO and tests). */
enum recovery_source {
    RECOVERY_EMPTY = 0, /* nothing on disk */
    RECOVERY_AOF = 1,
    RECOVERY_RDB = 2,         /* appendonly no */
    RECOVERY_RDB_SEED = 3     /* appendonly yes, no AOF: the RDB seeds it */
};

typedef struct recovery_result {
    int source;          /* RECOVERY_* */
    int upgraded;        /* an old single-file AOF was moved in */
    long long keys;      /* keys in the dataset after loading */
    double seconds;
} recovery_result;

/* Load the dataset into srv (empty) from the files in the working directory
 * following the table above, logging the decision and its reason.  Returns
 * 0, or -1 after logging why the server must not start.  res may be NULL. */
int recovery_boot(kv_server *srv, recovery_result *res);

/* The decision alone, without loading (for tests and tools): one of
 * RECOVERY_*, and a one-line reason in why (cap bytes). */
int recovery_decide(const strata_config *cfg, char *why, size_t cap);

#endif
