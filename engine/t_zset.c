/*
 * engine/t_zset.c — the zset type and its commands (issue 3, in progress: the
 * table is filled as the commands land).
 */
#include "cmd.h"

const kv_command cmd_table_zset[] = {
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
