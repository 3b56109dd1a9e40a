/*
 * rdb/rdb_cmds.c — SAVE, BGSAVE, LASTSAVE, DUMP, RESTORE (issue 4, in
 * progress: the table is filled as the commands land).
 */
#include "engine/cmd.h"

const kv_command cmd_table_rdb[] = {
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
