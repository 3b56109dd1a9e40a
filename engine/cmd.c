/*
 * engine/cmd.c — command lookup, checks, execution and propagation.
 *
 * cmd_process() order of checks (as Redis 7.0 processCommand):
 *   unknown command / subcommand -> arity -> NOAUTH -> (MULTI: queue) ->
 *   loading -> OOM -> MISCONF (persistence broken) -> call.
 * A command refused while a MULTI is open flags the transaction so EXEC
 * aborts with EXECABORT.
 *
 * Propagation invariants:
 *  (1) ops reach subscribers in execution order, each tagged with its db;
 *  (2) everything one top-level command (or EXEC) propagates is delivered
 *      together after it returns; more than one op is wrapped in
 *      MULTI ... EXEC so a replay applies it atomically;
 *  (3) a command that changed nothing (srv->dirty unchanged) propagates
 *      nothing by default.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "blocking.h"
#include "client.h"
#include "db.h"
#include "evict.h"
#include "mem.h"
#include "monitor.h"
#include "multi.h"
#include "persist.h"
#include "reply.h"
#include "server.h"
#include "slowlog.h"
#include "util.h"

/* Per-command runtime data lives beside the (const) tables, in an
 * open-addressing map keyed by the row's address (looked up on every call:
 * O(1)): its stats, and for a subcommand row its container (for the
 * "config|get" full name). */
typedef struct cmd_slot {
    const kv_command *cmd;
    const kv_command *parent;
    kv_cmd_stats st;
} cmd_slot;

#define CMD_SLOTS 2048 /* power of two, well above the number of rows */
static cmd_slot slots[CMD_SLOTS];

static const dict_type commands_type = {dict_sds_case_hash, NULL, dict_sds_case_eq, dict_sds_free, NULL};

static size_t slot_of(const kv_command *cmd) {
    uintptr_t h = (uintptr_t)cmd;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 40) & (CMD_SLOTS - 1);
}

static cmd_slot *find_slot(const kv_command *cmd, int create) {
    size_t i = slot_of(cmd);
    for (size_t n = 0; n < CMD_SLOTS; n++, i = (i + 1) & (CMD_SLOTS - 1)) {
        if (slots[i].cmd == cmd) return &slots[i];
        if (!slots[i].cmd) {
            if (!create) return NULL;
            slots[i].cmd = cmd;
            return &slots[i];
        }
    }
    return NULL;
}

kv_cmd_stats *cmd_stats(const kv_command *cmd) {
    cmd_slot *sl = find_slot(cmd, 0);
    return sl ? &sl->st : NULL;
}

void cmd_reset_stats(kv_server *srv) {
    (void)srv;
    for (size_t i = 0; i < CMD_SLOTS; i++) memset(&slots[i].st, 0, sizeof(slots[i].st));
}

void cmd_register_table(kv_server *srv, const kv_command *table) {
    if (!srv->commands) srv->commands = dict_create(&commands_type);
    for (const kv_command *cmd = table; cmd->name; cmd++) {
        if (dict_add(srv->commands, sds_new(cmd->name), (void *)cmd) != 0) continue;
        find_slot(cmd, 1);
        if (cmd->subcommands)
            for (const kv_command *sub = cmd->subcommands; sub->name; sub++) find_slot(sub, 1)->parent = cmd;
    }
}

void cmd_register_all(kv_server *srv) {
    cmd_register_table(srv, cmd_table_generic);
    cmd_register_table(srv, cmd_table_expire);
    cmd_register_table(srv, cmd_table_string);
    cmd_register_table(srv, cmd_table_multi);
    cmd_register_table(srv, cmd_table_server);
    cmd_register_table(srv, cmd_table_connection);
    cmd_register_table(srv, cmd_table_list);
    cmd_register_table(srv, cmd_table_hash);
    cmd_register_table(srv, cmd_table_set);
    cmd_register_table(srv, cmd_table_zset);
    cmd_register_table(srv, cmd_table_rdb);
}

const kv_command *cmd_lookup_name(kv_server *srv, const char *name) {
    sds n = sds_new(name);
    const kv_command *cmd = dict_fetch_value(srv->commands, n);
    sds_free(n);
    return cmd;
}

static const kv_command *find_sub(const kv_command *parent, const sds name) {
    for (const kv_command *sub = parent->subcommands; sub->name; sub++)
        if (strcasecmp(sub->name, name) == 0) return sub;
    return NULL;
}

const kv_command *cmd_lookup(kv_server *srv, int argc, sds *argv) {
    const kv_command *cmd = dict_fetch_value(srv->commands, argv[0]);
    if (!cmd || !cmd->subcommands || argc < 2) return cmd;
    return find_sub(cmd, argv[1]);
}

/* The parent of a subcommand row, for its "parent|sub" full name. */
const char *cmd_fullname(const kv_command *cmd, char *buf, size_t size) {
    const cmd_slot *sl = find_slot(cmd, 0);
    const kv_command *p = sl ? sl->parent : NULL;
    if (p) snprintf(buf, size, "%s|%s", p->name, cmd->name);
    else snprintf(buf, size, "%s", cmd->name);
    return buf;
}

int cmd_is_write(const kv_command *cmd) { return (cmd->flags & CMD_WRITE) != 0; }

/* ---- propagation -------------------------------------------------------- */

void cmd_prop_subscribe(kv_server *srv, kv_prop_fn *fn, void *priv) {
    if (srv->nprop < 4) {
        srv->prop_fn[srv->nprop] = fn;
        srv->prop_priv[srv->nprop] = priv;
        srv->nprop++;
    }
}

static void push_op(kv_server *srv, int dbid, int argc, sds *argv_owned) {
    if (srv->nalso == srv->calso) {
        srv->calso = srv->calso ? srv->calso * 2 : 8;
        srv->also = mem_realloc(srv->also, sizeof(*srv->also) * (size_t)srv->calso);
    }
    srv->also[srv->nalso].dbid = dbid;
    srv->also[srv->nalso].argc = argc;
    srv->also[srv->nalso].argv = argv_owned;
    srv->nalso++;
}

void cmd_also_propagate(kv_server *srv, int dbid, int argc, sds *argv) {
    if (srv->loading || srv->nprop == 0) return; /* nobody listens: no copies */
    sds *copy = mem_alloc(sizeof(sds) * (size_t)argc);
    for (int i = 0; i < argc; i++) copy[i] = sds_dup(argv[i]);
    push_op(srv, dbid, argc, copy);
}

static void emit(kv_server *srv, int dbid, int argc, sds *argv) {
    for (int i = 0; i < srv->nprop; i++) srv->prop_fn[i](srv->prop_priv[i], dbid, argc, argv);
}

void cmd_flush_propagation(kv_server *srv) {
    int n = srv->nalso;
    if (n == 0) return;
    int wrap = n > 1;
    if (wrap) {
        sds m = sds_new("MULTI");
        emit(srv, srv->also[0].dbid, 1, &m);
        sds_free(m);
    }
    for (int i = 0; i < n; i++) {
        kv_prop_op *op = &srv->also[i];
        emit(srv, op->dbid, op->argc, op->argv);
        for (int j = 0; j < op->argc; j++) sds_free(op->argv[j]);
        mem_free(op->argv);
    }
    if (wrap) {
        sds e = sds_new("EXEC");
        emit(srv, srv->also[n - 1].dbid, 1, &e);
        sds_free(e);
    }
    srv->nalso = 0;
}

void cmd_rewrite_argv(kv_client *c, int argc, sds *argv) {
    client_set_argv(c, argc, argv);
}

/* ---- execution ---------------------------------------------------------- */

void cmd_call(kv_client *c, const kv_command *cmd) {
    kv_server *srv = c->srv;
    int toplevel = srv->in_nested_call++ == 0;
    kv_client *prev_current = srv->current;
    long long dirty_before = srv->dirty;
    uint64_t saved_prevent = c->flags & CLIENT_PREVENT_PROP;
    int dbid = c->db->id;

    if (toplevel) srv->cmd_time_ms = (int64_t)util_mstime();
    srv->current = c;
    c->flags &= ~CLIENT_PREVENT_PROP;
    c->cmd = cmd;
    c->lastcmd = cmd;
    /* MONITOR shows a command after it ran, with the db it left selected
     * (Redis: "SELECT 5" is shown as [5 ...]) but with its arguments as the
     * client sent them, so keep a copy in case the handler rewrites argv. */
    int mon_argc = 0;
    sds *mon_argv = NULL;
    if (srv->nmonitors && !(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)) && !srv->loading) {
        mon_argc = c->argc;
        mon_argv = mem_alloc(sizeof(sds) * (size_t)(mon_argc ? mon_argc : 1));
        for (int i = 0; i < mon_argc; i++) mon_argv[i] = sds_dup(c->argv[i]);
    }

    /* Keep the original argv for the slowlog in case the handler rewrites it. */
    long long errors_before = srv->stat.total_error_replies;
    uint64_t start = util_monotonic_us();
    cmd->proc(c);
    uint64_t dur = util_monotonic_us() - start;

    if (mon_argv) {
        monitor_feed(srv, c, c->db->id, mon_argc, mon_argv);
        for (int i = 0; i < mon_argc; i++) sds_free(mon_argv[i]);
        mem_free(mon_argv);
    }

    kv_cmd_stats *st = cmd_stats(cmd);
    if (st) {
        st->calls++;
        st->usec += (long long)dur;
        if (srv->stat.total_error_replies > errors_before) st->failed++;
    }
    srv->stat.numcommands++;
    if (!(cmd->flags & CMD_SKIP_SLOWLOG) && !(c->flags & CLIENT_FAKE)) slowlog_push(srv, c, (long long)dur);

    if (srv->dirty != dirty_before && !(c->flags & CLIENT_PREVENT_PROP) && !srv->loading &&
        (cmd->flags & CMD_WRITE))
        cmd_also_propagate(srv, dbid, c->argc, c->argv);
    c->flags = (c->flags & ~CLIENT_PREVENT_PROP) | saved_prevent;
    srv->current = prev_current;
    if (--srv->in_nested_call == 0) {
        cmd_flush_propagation(srv);
        srv->cmd_time_ms = 0;
        /* Serve clients blocked on keys this command made ready (Redis's
         * handleClientsBlockedOnKeys after call()); engine/blocking.h. */
        blocking_serve_ready(srv);
    }
}

static void reply_unknown_command(kv_client *c) {
    sds args = sds_empty();
    for (int i = 1; i < c->argc && sds_len(args) < 128; i++) {
        args = sds_catprintf(args, "'%.*s' ", (int)(128 - sds_len(args)), c->argv[i]);
    }
    reply_errorf(c, "unknown command '%.128s', with args beginning with: %s", c->argv[0], args);
    sds_free(args);
}

static int arity_ok(const kv_command *cmd, int argc) {
    return (cmd->arity > 0 && cmd->arity == argc) || (cmd->arity < 0 && argc >= -cmd->arity);
}

static void flag_multi_error(kv_client *c) {
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_DIRTY_EXEC;
}

static int queue_has_flag(kv_client *c, uint32_t flag) {
    for (int i = 0; i < c->mcount; i++)
        if (c->mqueue[i].cmd->flags & flag) return 1;
    return 0;
}

static void reject(kv_client *c, const kv_command *cmd) {
    kv_cmd_stats *st = cmd_stats(cmd);
    if (st) st->rejected++;
    flag_multi_error(c);
}

static int is_multi_control(const kv_command *cmd) {
    return cmd->proc && (strcmp(cmd->name, "exec") == 0 || strcmp(cmd->name, "discard") == 0 ||
                         strcmp(cmd->name, "multi") == 0 || strcmp(cmd->name, "watch") == 0 ||
                         strcmp(cmd->name, "quit") == 0 || strcmp(cmd->name, "reset") == 0);
}

static int process_command(kv_client *c);

static const kv_command *resolve(kv_server *srv, kv_client *c) {
    const kv_command *cmd = dict_fetch_value(srv->commands, c->argv[0]);
    if (cmd && cmd->subcommands && c->argc >= 2) {
        const kv_command *sub = find_sub(cmd, c->argv[1]);
        if (sub) cmd = sub;
        else if (!cmd->proc) cmd = NULL;
    }
    return cmd;
}

int cmd_replay(kv_client *c) {
    if (c->argc == 0) return 0;
    const kv_command *cmd = resolve(c->srv, c);
    if (!cmd) {
        reply_unknown_command(c);
        return -1;
    }
    if (!arity_ok(cmd, c->argc)) {
        char fname[128];
        reply_errorf(c, "wrong number of arguments for '%s' command", cmd_fullname(cmd, fname, sizeof(fname)));
        return -1;
    }
    if ((c->flags & CLIENT_MULTI) && !is_multi_control(cmd)) {
        c->cmd = cmd;
        multi_queue(c);
        return 0;
    }
    cmd_call(c, cmd);
    return 0;
}

/* CLIENT REPLY SKIP silences exactly the command after it. */
int cmd_process(kv_client *c) {
    int rc = process_command(c);
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
        c->flags |= CLIENT_REPLY_SKIP;
    } else {
        c->flags &= ~CLIENT_REPLY_SKIP;
    }
    return rc;
}

static int process_command(kv_client *c) {
    kv_server *srv = c->srv;
    if (c->argc == 0) return 0;
    const kv_command *cmd = dict_fetch_value(srv->commands, c->argv[0]);
    if (!cmd) {
        reply_unknown_command(c);
        flag_multi_error(c);
        return 0;
    }
    if (cmd->subcommands && c->argc >= 2) {
        const kv_command *sub = find_sub(cmd, c->argv[1]);
        if (!sub) {
            /* Containers answer HELP and unknown subcommands themselves when
             * they have a handler; otherwise this is the generic error. */
            if (!cmd->proc) {
                reply_subcommand_syntax(c);
                flag_multi_error(c);
                return 0;
            }
        } else {
            cmd = sub;
        }
    }
    char fname[128];
    if (!arity_ok(cmd, c->argc)) {
        reply_errorf(c, "wrong number of arguments for '%s' command", cmd_fullname(cmd, fname, sizeof(fname)));
        flag_multi_error(c);
        kv_cmd_stats *st = cmd_stats(cmd);
        if (st) st->rejected++;
        return 0;
    }
    if (!c->authenticated && !(cmd->flags & CMD_NO_AUTH)) {
        reply_error(c, "NOAUTH Authentication required.");
        flag_multi_error(c);
        return 0;
    }
    int is_exec = strcmp(cmd->name, "exec") == 0 && !cmd->subcommands;
    if (srv->loading && !(cmd->flags & CMD_LOADING)) {
        reply_error(c, "LOADING Redis is loading the dataset in memory");
        flag_multi_error(c);
        return 0;
    }
    if (srv->cfg->maxmemory > 0 && !srv->loading) {
        int over = evict_perform(srv) != 0;
        if (over && ((cmd->flags & CMD_DENYOOM) || (is_exec && queue_has_flag(c, CMD_DENYOOM)))) {
            reply_error(c, "-OOM command not allowed when used memory > 'maxmemory'.");
            reject(c, cmd);
            return 0;
        }
    }
    /* Like Redis, PING is refused too, so a health check notices broken persistence. */
    if ((cmd->flags & CMD_WRITE) || (is_exec && queue_has_flag(c, CMD_WRITE)) || strcmp(cmd->name, "ping") == 0) {
        const char *why = persist_write_error(srv);
        if (why) {
            reply_error(c, why);
            reject(c, cmd);
            return 0;
        }
    }
    if ((c->flags & CLIENT_MULTI) && !is_multi_control(cmd)) {
        if (cmd->flags & CMD_NO_MULTI) {
            reply_error(c, "Command not allowed inside a transaction");
            flag_multi_error(c);
            return 0;
        }
        c->cmd = cmd;
        multi_queue(c);
        reply_status(c, "QUEUED");
        return 0;
    }
    cmd_call(c, cmd);
    return (c->flags & CLIENT_CLOSE_ASAP) ? -1 : 0;
}
