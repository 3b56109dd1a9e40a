/*
 * engine/t_list.h — lists: the object API for other modules (RDB load and
 * save, SORT, DEBUG) and the module's registration.
 *
 * A list is a kv_obj of type OBJ_LIST, encoding OBJ_ENC_QUICKLIST (Redis
 * 7.0 reports every list as "quicklist"), o->ptr a quicklist
 * (engine/quicklist.h) created with the server's list-max-listpack-size and
 * list-compress-depth.  A list in the keyspace is never empty: the command
 * that removes the last element deletes the key.
 *
 * RDB: save each node with ql_first_node/ql_node_next/ql_node_listpack
 * (QUICKLIST 2, container PACKED); load with list_obj_new +
 * ql_append_listpack per node (or ql_push per element for older
 * encodings), and refuse an empty result.
 *
 * Ownership: list_obj_new returns a new reference (refcount 1).
 */
#ifndef STRATA_T_LIST_H
#define STRATA_T_LIST_H

#include "config.h"
#include "object.h"

/* Registers the type's free/dup/mem and DEBUG DIGEST functions; called
 * once by server_create(). */
void list_module_init(void);

/* A new empty list object with cfg's node options (cfg borrowed; NULL:
 * Redis's defaults, list-max-listpack-size -2, list-compress-depth 0). */
kv_obj *list_obj_new(const strata_config *cfg);

#endif
