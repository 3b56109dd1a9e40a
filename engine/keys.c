/*
 * engine/keys.c — type-independent key commands: DEL UNLINK EXISTS TYPE
 * KEYS SCAN RENAME RENAMENX MOVE COPY RANDOMKEY DBSIZE FLUSHDB FLUSHALL
 * SWAPDB TOUCH OBJECT.
 *
 * Every handler that changes the keyspace bumps srv->dirty once per changed
 * key and calls db_touch_key() for each key it changed (WATCH, blocked
 * clients).  FLUSHDB/FLUSHALL propagate even when nothing was removed, as
 * Redis does, so a replica or the AOF sees the intent.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "client.h"
#include "cmd.h"
#include "db.h"
#include "mem.h"
#include "reply.h"
#include "server.h"
#include "util.h"

static void del_generic(kv_client *c) {
    long long deleted = 0;
    for (int i = 1; i < c->argc; i++) {
        db_expire_if_needed(c->srv, c->db, c->argv[i]);
        if (db_delete(c->srv, c->db, c->argv[i])) {
            db_touch_key(c->srv, c->db, c->argv[i]);
            c->srv->dirty++;
            deleted++;
        }
    }
    reply_int(c, deleted);
}

static void del_cmd(kv_client *c) { del_generic(c); }
static void unlink_cmd(kv_client *c) { del_generic(c); }

static void exists_cmd(kv_client *c) {
    long long n = 0;
    for (int i = 1; i < c->argc; i++)
        if (db_lookup_read(c, c->db, c->argv[i], LOOKUP_NOTOUCH)) n++;
    reply_int(c, n);
}

static void touch_cmd(kv_client *c) {
    long long n = 0;
    for (int i = 1; i < c->argc; i++)
        if (db_lookup_read(c, c->db, c->argv[i], LOOKUP_NOSTATS)) n++;
    reply_int(c, n);
}

static void type_cmd(kv_client *c) {
    kv_obj *o = db_lookup_read(c, c->db, c->argv[1], LOOKUP_NOTOUCH);
    reply_status(c, o ? obj_type_name(o) : "none");
}

static void dbsize_cmd(kv_client *c) { reply_int(c, db_size(c->db)); }

static void keys_cmd(kv_client *c) {
    sds pat = c->argv[1];
    int all = sds_len(pat) == 1 && pat[0] == '*';
    reply_slot slot = reply_defer(c);
    long n = 0;
    dict_iter it;
    dict_entry *de;
    dict_iter_init(&it, c->db->keys, 1);
    while ((de = dict_next(&it))) {
        sds key = de->key;
        if (!all && !str_match(pat, sds_len(pat), key, sds_len(key), 0)) continue;
        if (db_key_is_expired(c->srv, c->db, key)) continue;
        reply_bulk(c, key, sds_len(key));
        n++;
    }
    dict_iter_reset(&it);
    reply_set_defer_array(c, slot, n);
}

/* ---- SCAN ----------------------------------------------------------------- */

static void scan_collect(void *priv, const dict_entry *de) { sds_vec_push(priv, sds_dup(de->key)); }

/* Redis parses cursors with strtoul: "", "-1", "+2" and "007" are valid;
 * a leading space, trailing junk or overflow is not. */
static int parse_cursor(kv_client *c, const sds arg, unsigned long *cursor) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (isspace((unsigned char)arg[0]) || *end != '\0' || (size_t)(end - arg) != sds_len(arg) || errno == ERANGE) {
        reply_error(c, "ERR invalid cursor");
        return -1;
    }
    *cursor = v;
    return 0;
}

static int type_by_name(const sds name) {
    static const char *names[] = {"string", "list", "set", "zset", "hash", NULL, "stream"};
    for (int i = 0; i < OBJ_TYPE_MAX; i++)
        if (names[i] && strcasecmp(names[i], name) == 0) return i;
    return -1;
}

static void scan_cmd(kv_client *c) {
    unsigned long cursor;
    long long count = 10;
    sds pat = NULL;
    int type = -2;
    if (parse_cursor(c, c->argv[1], &cursor) < 0) return;
    for (int i = 2; i < c->argc; i += 2) {
        if (i + 1 >= c->argc) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        if (arg_is(c->argv[i], "count")) {
            if (arg_ll(c, c->argv[i + 1], &count, NULL) < 0) return;
            if (count < 1) {
                reply_error(c, ERR_SYNTAX);
                return;
            }
        } else if (arg_is(c->argv[i], "match")) {
            pat = c->argv[i + 1];
        } else if (arg_is(c->argv[i], "type")) {
            type = type_by_name(c->argv[i + 1]);
            if (type < 0) type = -1; /* unknown type: matches nothing (Redis 7.0) */
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    sds_vec acc = {NULL, 0, 0};
    long maxiter = count * 10;
    do {
        cursor = dict_scan(c->db->keys, cursor, scan_collect, &acc);
    } while (cursor && maxiter-- && acc.n < count);

    int match_all = !pat || (sds_len(pat) == 1 && pat[0] == '*');
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)cursor);
    reply_slot slot = reply_defer(c);
    long out = 0;
    for (long i = 0; i < acc.n; i++) {
        sds k = acc.v[i];
        int keep = match_all || str_match(pat, sds_len(pat), k, sds_len(k), 0);
        if (keep && db_expire_if_needed(c->srv, c->db, k)) keep = 0;
        if (keep && type != -2) {
            kv_obj *o = db_find(c->db, k);
            keep = o && (int)o->type == type;
        }
        if (keep) {
            reply_bulk(c, k, sds_len(k));
            out++;
        }
        sds_free(k);
    }
    mem_free(acc.v);
    reply_set_defer_array(c, slot, out);
}

/* ---- RENAME / MOVE / COPY ------------------------------------------------- */

static void rename_generic(kv_client *c, int nx) {
    sds src = c->argv[1], dst = c->argv[2];
    kv_obj *o = db_lookup_write(c, c->db, src);
    if (!o) {
        reply_error(c, ERR_NO_KEY);
        return;
    }
    if (sds_cmp(src, dst) == 0) {
        if (nx) reply_int(c, 0);
        else reply_ok(c);
        return;
    }
    long long expire = db_get_expire(c->db, src);
    if (db_lookup_write(c, c->db, dst)) {
        if (nx) {
            reply_int(c, 0);
            return;
        }
        db_delete(c->srv, c->db, dst);
    }
    obj_incr_ref(o);
    db_delete(c->srv, c->db, src);
    db_add(c->srv, c->db, dst, o);
    if (expire != -1) db_set_expire(c->srv, c->db, dst, expire);
    db_touch_key(c->srv, c->db, src);
    db_touch_key(c->srv, c->db, dst);
    c->srv->dirty++;
    if (nx) reply_int(c, 1);
    else reply_ok(c);
}

static void rename_cmd(kv_client *c) { rename_generic(c, 0); }
static void renamenx_cmd(kv_client *c) { rename_generic(c, 1); }

static int parse_db_index(kv_client *c, const sds arg, long long *id) {
    if (!str_to_ll(arg, sds_len(arg), id)) {
        reply_error(c, ERR_NOT_INT);
        return -1;
    }
    if (*id < 0 || *id >= c->srv->dbnum) {
        reply_error(c, ERR_DB_INDEX);
        return -1;
    }
    return 0;
}

static void move_cmd(kv_client *c) {
    long long id;
    if (parse_db_index(c, c->argv[2], &id) < 0) return;
    kv_db *src = c->db, *dst = &c->srv->dbs[id];
    if (src == dst) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    kv_obj *o = db_lookup_write(c, src, c->argv[1]);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    if (db_lookup_write(c, dst, c->argv[1])) {
        reply_int(c, 0);
        return;
    }
    long long expire = db_get_expire(src, c->argv[1]);
    obj_incr_ref(o);
    db_add(c->srv, dst, c->argv[1], o);
    if (expire != -1) db_set_expire(c->srv, dst, c->argv[1], expire);
    db_delete(c->srv, src, c->argv[1]);
    db_touch_key(c->srv, src, c->argv[1]);
    db_touch_key(c->srv, dst, c->argv[1]);
    c->srv->dirty++;
    reply_int(c, 1);
}

static void copy_cmd(kv_client *c) {
    kv_db *dst = c->db;
    int replace = 0;
    for (int i = 3; i < c->argc; i++) {
        if (arg_is(c->argv[i], "replace")) {
            replace = 1;
        } else if (arg_is(c->argv[i], "db") && i + 1 < c->argc) {
            long long id;
            if (!str_to_ll(c->argv[i + 1], sds_len(c->argv[i + 1]), &id)) {
                reply_error(c, ERR_NOT_INT);
                return;
            }
            if (id < 0 || id >= c->srv->dbnum) {
                reply_error(c, ERR_DB_INDEX);
                return;
            }
            dst = &c->srv->dbs[id];
            i++;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    sds src = c->argv[1], dkey = c->argv[2];
    if (dst == c->db && sds_cmp(src, dkey) == 0) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    kv_obj *o = db_lookup_write(c, c->db, src);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    if (db_lookup_write(c, dst, dkey)) {
        if (!replace) {
            reply_int(c, 0);
            return;
        }
        db_delete(c->srv, dst, dkey);
    }
    long long expire = db_get_expire(c->db, src);
    db_add(c->srv, dst, dkey, obj_dup(o));
    if (expire != -1) db_set_expire(c->srv, dst, dkey, expire);
    db_touch_key(c->srv, dst, dkey);
    c->srv->dirty++;
    reply_int(c, 1);
}

static void randomkey_cmd(kv_client *c) {
    sds key;
    if (!db_random_key_obj(c, c->db, &key)) {
        reply_null(c);
        return;
    }
    reply_bulk_sds(c, key);
}

/* ---- FLUSH / SWAPDB ------------------------------------------------------- */

static int flush_flags_ok(kv_client *c) {
    if (c->argc > 2 || (c->argc == 2 && !arg_is(c->argv[1], "sync") && !arg_is(c->argv[1], "async"))) {
        reply_error(c, ERR_SYNTAX);
        return 0;
    }
    return 1;
}

static void force_propagate(kv_client *c) {
    cmd_also_propagate(c->srv, c->db->id, c->argc, c->argv);
    c->flags |= CLIENT_PREVENT_PROP;
}

static void flushdb_cmd(kv_client *c) {
    if (!flush_flags_ok(c)) return;
    c->srv->dirty += db_flush(c->srv, c->db);
    force_propagate(c);
    reply_ok(c);
}

static void flushall_cmd(kv_client *c) {
    if (!flush_flags_ok(c)) return;
    for (int i = 0; i < c->srv->dbnum; i++) c->srv->dirty += db_flush(c->srv, &c->srv->dbs[i]);
    c->srv->dirty++;
    force_propagate(c);
    reply_ok(c);
}

static void swapdb_cmd(kv_client *c) {
    long long a, b;
    if (!str_to_ll(c->argv[1], sds_len(c->argv[1]), &a)) {
        reply_error(c, "ERR invalid first DB index");
        return;
    }
    if (!str_to_ll(c->argv[2], sds_len(c->argv[2]), &b)) {
        reply_error(c, "ERR invalid second DB index");
        return;
    }
    if (a < 0 || a >= c->srv->dbnum || b < 0 || b >= c->srv->dbnum) {
        reply_error(c, ERR_DB_INDEX);
        return;
    }
    if (a != b) db_swap(c->srv, (int)a, (int)b);
    c->srv->dirty++;
    reply_ok(c);
}

/* ---- OBJECT --------------------------------------------------------------- */

static int lfu_selected(kv_client *c) {
    int p = c->srv->cfg->maxmemory_policy;
    return p == CONFIG_MAXMEMORY_ALLKEYS_LFU || p == CONFIG_MAXMEMORY_VOLATILE_LFU;
}

static kv_obj *object_target(kv_client *c) {
    kv_obj *o = db_lookup_read(c, c->db, c->argv[2], LOOKUP_NOTOUCH | LOOKUP_NOSTATS);
    if (!o) reply_null(c);
    return o;
}

static void object_encoding_cmd(kv_client *c) {
    kv_obj *o = object_target(c);
    if (o) reply_bulk_cstr(c, obj_enc_name(o->enc));
}

static void object_refcount_cmd(kv_client *c) {
    kv_obj *o = object_target(c);
    if (o) reply_int(c, o->refcount);
}

static void object_idletime_cmd(kv_client *c) {
    kv_obj *o = object_target(c);
    if (!o) return;
    if (lfu_selected(c)) {
        reply_error(c, "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
                       "switching between policies at runtime LRU and LFU data will take some time to adjust.");
        return;
    }
    reply_int(c, (long long)(obj_idle_ms(o) / 1000));
}

static void object_freq_cmd(kv_client *c) {
    kv_obj *o = object_target(c);
    if (!o) return;
    if (!lfu_selected(c)) {
        reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
                       "that when switching between policies at runtime LRU and LFU data will take some time to "
                       "adjust.");
        return;
    }
    reply_int(c, obj_lfu_count(o));
}

static void object_help_cmd(kv_client *c) {
    static const char *const help[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        NULL};
    reply_help(c, help);
}

static const kv_command object_subcommands[] = {
    {"encoding", object_encoding_cmd, 3, CMD_READONLY, 2, 2, 1, "generic", "2.2.3",
     "Returns the internal encoding of a Redis object.", "O(1)", "key", NULL},
    {"freq", object_freq_cmd, 3, CMD_READONLY, 2, 2, 1, "generic", "4.0.0",
     "Returns the logarithmic access frequency counter of a Redis object.", "O(1)", "key", NULL},
    {"idletime", object_idletime_cmd, 3, CMD_READONLY, 2, 2, 1, "generic", "2.2.3",
     "Returns the time since the last access to a Redis object.", "O(1)", "key", NULL},
    {"refcount", object_refcount_cmd, 3, CMD_READONLY, 2, 2, 1, "generic", "2.2.3",
     "Returns the reference count of a value of a key.", "O(1)", "key", NULL},
    {"help", object_help_cmd, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "generic", "6.2.0",
     "Returns helpful text about the different subcommands.", "O(1)", "", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

#define W CMD_WRITE
#define R CMD_READONLY
#define F CMD_FAST
const kv_command cmd_table_generic[] = {
    {"del", del_cmd, -2, W, 1, -1, 1, "generic", "1.0.0", "Deletes one or more keys.",
     "O(N) where N is the number of keys that will be removed.", "key [key ...]", NULL},
    {"unlink", unlink_cmd, -2, W | F, 1, -1, 1, "generic", "4.0.0",
     "Asynchronously deletes one or more keys.", "O(1) for each key removed regardless of its size.",
     "key [key ...]", NULL},
    {"exists", exists_cmd, -2, R | F, 1, -1, 1, "generic", "1.0.0", "Determines whether one or more keys exist.",
     "O(N) where N is the number of keys to check.", "key [key ...]", NULL},
    {"touch", touch_cmd, -2, R | F, 1, -1, 1, "generic", "3.2.1",
     "Returns the number of existing keys out of those specified after updating the time they were last "
     "accessed.",
     "O(N) where N is the number of keys that will be touched.", "key [key ...]", NULL},
    {"type", type_cmd, 2, R | F, 1, 1, 1, "generic", "1.0.0", "Determines the type of value stored at a key.",
     "O(1)", "key", NULL},
    {"dbsize", dbsize_cmd, 1, R | F, 0, 0, 0, "server", "1.0.0", "Returns the number of keys in the database.",
     "O(1)", "", NULL},
    {"keys", keys_cmd, 2, R, 0, 0, 0, "generic", "1.0.0", "Returns all key names that match a pattern.",
     "O(N) with N being the number of keys in the database", "pattern", NULL},
    {"scan", scan_cmd, -2, R, 0, 0, 0, "generic", "2.8.0", "Iterates over the key names in the database.",
     "O(1) for every call. O(N) for a complete iteration.",
     "cursor [MATCH pattern] [COUNT count] [TYPE type]", NULL},
    {"rename", rename_cmd, 3, W, 1, 2, 1, "generic", "1.0.0", "Renames a key and overwrites the destination.",
     "O(1)", "key newkey", NULL},
    {"renamenx", renamenx_cmd, 3, W | F, 1, 2, 1, "generic", "1.0.0",
     "Renames a key only when the target key name doesn't exist.", "O(1)", "key newkey", NULL},
    {"move", move_cmd, 3, W | F, 1, 1, 1, "generic", "1.0.0", "Moves a key to another database.", "O(1)",
     "key db", NULL},
    {"copy", copy_cmd, -3, W | CMD_DENYOOM, 1, 2, 1, "generic", "6.2.0", "Copies the value of a key to a new key.",
     "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
     "source destination [DB destination-db] [REPLACE]", NULL},
    {"randomkey", randomkey_cmd, 1, R, 0, 0, 0, "generic", "1.0.0", "Returns a random key name from the database.",
     "O(1)", "", NULL},
    {"flushdb", flushdb_cmd, -1, W, 0, 0, 0, "server", "1.0.0", "Removes all keys from the current database.",
     "O(N) where N is the number of keys in the selected database", "[ASYNC|SYNC]", NULL},
    {"flushall", flushall_cmd, -1, W, 0, 0, 0, "server", "1.0.0", "Removes all keys from all databases.",
     "O(N) where N is the total number of keys in all databases", "[ASYNC|SYNC]", NULL},
    {"swapdb", swapdb_cmd, 3, W | F, 0, 0, 0, "server", "4.0.0", "Swaps two Redis databases.",
     "O(N) where N is the count of clients watching or blocking on keys from both databases.", "index1 index2",
     NULL},
    {"object", NULL, -2, 0, 0, 0, 0, "generic", "2.2.3", "A container for object introspection commands.",
     "Depends on subcommand.", "", object_subcommands},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
