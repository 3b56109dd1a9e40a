/*
 * engine/conn_cmds.c — connection commands: PING ECHO QUIT RESET HELLO AUTH
 * SELECT and the CLIENT container (ID SETNAME GETNAME LIST INFO KILL
 * NO-EVICT REPLY HELP).
 *
 * Replies and error texts are Redis 7.0's, checked against redis-server
 * 7.0.15.  HELLO reports server "redis" and version "7.0.15" so client
 * libraries that branch on the server version treat strata as the Redis it
 * is compatible with; strata's own version is INFO server's strata_version.
 *
 * Authentication: strata has one user, "default", whose password is
 * requirepass ("" = no password: every client starts authenticated and
 * AUTH default <anything> succeeds, as Redis's nopass default user).
 * Passwords are compared in constant time.
 *
 * CLIENT KILL never frees a client here: the caller itself gets
 * CLIENT_CLOSE_AFTER_REPLY, others CLIENT_CLOSE_ASAP and net/'s
 * close_client hook (when present), so the current command finishes on a
 * live client.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "blocking.h"
#include "args.h"
#include "cmd.h"
#include "config.h"
#include "mem.h"
#include "monitor.h"
#include "multi.h"
#include "reply.h"
#include "server.h"
#include "util.h"

#define ERR_WRONGPASS "-WRONGPASS invalid username-password pair or user is disabled."
#define ERR_BAD_NAME "Client names cannot contain spaces, newlines or special characters."

/* ---- helpers ------------------------------------------------------------ */

static int argis(const sds a, const char *word) { return strcasecmp(a, word) == 0; }

/* Constant-time comparison of two byte strings (length leaks, content not). */
static int secure_eq(const char *a, size_t alen, const char *b, size_t blen) {
    unsigned char diff = alen != blen;
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++) diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static int no_password(kv_server *srv) {
    return srv->cfg->requirepass == NULL || srv->cfg->requirepass[0] == '\0';
}

/* 1 when user/pass are the default user's credentials. */
static int auth_check(kv_server *srv, const char *user, const sds pass) {
    if (strcmp(user, "default") != 0) return 0;
    if (no_password(srv)) return 1;
    const char *rp = srv->cfg->requirepass;
    return secure_eq(pass, sds_len(pass), rp, strlen(rp));
}

/* Redis accepts '!'..'~' in client names; "" clears the name. */
static int valid_client_name(const sds name) {
    for (size_t i = 0; i < sds_len(name); i++)
        if (name[i] < '!' || name[i] > '~') return 0;
    return 1;
}

/* name NULL or "" clears the name. */
static void set_client_name(kv_client *c, const sds name) {
    sds_free(c->name);
    c->name = name && sds_len(name) ? sds_dup(name) : NULL;
}

/* ---- PING ECHO QUIT SELECT ---------------------------------------------- */

static void ping_command(kv_client *c) {
    if (c->argc > 2) {
        reply_error(c, "wrong number of arguments for 'ping' command");
        return;
    }
    if (c->argc == 2) reply_bulk(c, c->argv[1], sds_len(c->argv[1]));
    else reply_status(c, "PONG");
}

static void echo_command(kv_client *c) { reply_bulk(c, c->argv[1], sds_len(c->argv[1])); }

static void quit_command(kv_client *c) {
    reply_ok(c);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void select_command(kv_client *c) {
    long long id;
    if (!str_to_ll(c->argv[1], sds_len(c->argv[1]), &id) || id < INT32_MIN || id > INT32_MAX) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    if (client_select_db(c, id) < 0) {
        reply_error(c, ERR_DB_INDEX);
        return;
    }
    reply_ok(c);
}

/* ---- RESET -------------------------------------------------------------- */

static void reset_command(kv_client *c) {
    kv_server *srv = c->srv;
    if (c->flags & CLIENT_MULTI) multi_discard(c);
    multi_unwatch_all(c);
    if (c->flags & CLIENT_MONITOR) monitor_remove(srv, c);
    c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT | CLIENT_NO_EVICT |
                  CLIENT_NO_TOUCH | CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
    client_select_db(c, 0);
    c->resp = 2;
    set_client_name(c, NULL);
    if (!no_password(srv)) c->authenticated = 0;
    reply_status(c, "RESET");
}

/* ---- AUTH HELLO --------------------------------------------------------- */

static void auth_command(kv_client *c) {
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (c->argc == 2 && no_password(c->srv)) {
        reply_error(c, "ERR AUTH <password> called without any password configured for the default user. "
                       "Are you sure your configuration is correct?");
        return;
    }
    sds user = c->argc == 3 ? c->argv[1] : NULL;
    sds pass = c->argv[c->argc - 1];
    int good = user ? auth_check(c->srv, user, pass) : auth_check(c->srv, "default", pass);
    if (!good) {
        reply_error(c, ERR_WRONGPASS);
        return;
    }
    c->authenticated = 1;
    reply_ok(c);
}

static void hello_reply(kv_client *c) {
    reply_map(c, 7);
    reply_bulk_cstr(c, "server");
    reply_bulk_cstr(c, "redis");
    reply_bulk_cstr(c, "version");
    reply_bulk_cstr(c, STRATA_REDIS_COMPAT_VERSION);
    reply_bulk_cstr(c, "proto");
    reply_int(c, c->resp);
    reply_bulk_cstr(c, "id");
    reply_int(c, (long long)c->id);
    reply_bulk_cstr(c, "mode");
    reply_bulk_cstr(c, "standalone");
    reply_bulk_cstr(c, "role");
    reply_bulk_cstr(c, c->srv->cfg->replicaof_host ? "replica" : "master");
    reply_bulk_cstr(c, "modules");
    reply_empty_array(c);
}

/* HELLO [protover [AUTH username password] [SETNAME clientname]] */
static void hello_command(kv_client *c) {
    long long ver = 0;
    sds name = NULL;
    if (c->argc >= 2) {
        if (!str_to_ll(c->argv[1], sds_len(c->argv[1]), &ver)) {
            reply_error(c, "Protocol version is not an integer or out of range");
            return;
        }
        if (ver < 2 || ver > 3) {
            reply_error(c, "-NOPROTO unsupported protocol version");
            return;
        }
    }
    for (int j = 2; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (argis(c->argv[j], "auth") && more >= 2) {
            if (!auth_check(c->srv, c->argv[j + 1], c->argv[j + 2])) {
                reply_error(c, ERR_WRONGPASS);
                return;
            }
            c->authenticated = 1;
            j += 2;
        } else if (argis(c->argv[j], "setname") && more >= 1) {
            name = c->argv[++j];
            if (!valid_client_name(name)) {
                reply_error(c, ERR_BAD_NAME);
                return;
            }
        } else {
            reply_errorf(c, "Syntax error in HELLO option '%s'", c->argv[j]);
            return;
        }
    }
    if (!c->authenticated) {
        /* Word for word what redis-server 7.0.15 answers (checked by
         * tests/integration/test_server.c against the real binary). */
        reply_error(c, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                       "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
                       "select the RESP protocol version at the same time");
        return;
    }
    if (name) set_client_name(c, name);
    if (ver) c->resp = (int)ver;
    hello_reply(c);
}

/* ---- CLIENT ------------------------------------------------------------- */

enum { CTYPE_NORMAL, CTYPE_REPLICA, CTYPE_MASTER, CTYPE_PUBSUB };

/* "normal" "slave"/"replica" "master" "pubsub" -> CTYPE_*, or -1. */
static int client_type_by_name(const char *name) {
    if (!strcasecmp(name, "normal")) return CTYPE_NORMAL;
    if (!strcasecmp(name, "slave") || !strcasecmp(name, "replica")) return CTYPE_REPLICA;
    if (!strcasecmp(name, "master")) return CTYPE_MASTER;
    if (!strcasecmp(name, "pubsub")) return CTYPE_PUBSUB;
    return -1;
}

/* Every client is "normal" until replication and pub/sub land (monitors
 * are normal clients in Redis too). */
static int client_type(const kv_client *c) {
    (void)c;
    return CTYPE_NORMAL;
}

static void client_id_command(kv_client *c) { reply_int(c, (long long)c->id); }

static void client_setname_command(kv_client *c) {
    if (!valid_client_name(c->argv[2])) {
        reply_error(c, ERR_BAD_NAME);
        return;
    }
    set_client_name(c, c->argv[2]);
    reply_ok(c);
}

static void client_getname_command(kv_client *c) {
    if (c->name) reply_bulk(c, c->name, sds_len(c->name));
    else reply_null(c);
}

static void reply_text(kv_client *c, sds text) {
    reply_verbatim(c, text, sds_len(text), "txt");
    sds_free(text);
}

static void client_info_command(kv_client *c) {
    sds s = client_info_line(c, sds_empty());
    reply_text(c, sds_cat(s, "\n"));
}

/* Oldest client first, as Redis lists them. */
static kv_client *oldest_client(kv_server *srv) {
    kv_client *t = srv->clients;
    while (t && t->next) t = t->next;
    return t;
}

/* CLIENT LIST [TYPE type] | [ID id [id ...]] */
static void client_list_command(kv_client *c) {
    kv_server *srv = c->srv;
    sds out = sds_empty();
    if (c->argc == 4 && argis(c->argv[2], "type")) {
        int type = client_type_by_name(c->argv[3]);
        if (type < 0) {
            reply_errorf(c, "Unknown client type '%s'", c->argv[3]);
            sds_free(out);
            return;
        }
        for (kv_client *t = oldest_client(srv); t; t = t->prev)
            if (client_type(t) == type) out = sds_cat(client_info_line(t, out), "\n");
    } else if (c->argc > 3 && argis(c->argv[2], "id")) {
        for (int j = 3; j < c->argc; j++) {
            long long id;
            if (!str_to_ll(c->argv[j], sds_len(c->argv[j]), &id)) {
                reply_error(c, "Invalid client ID");
                sds_free(out);
                return;
            }
        }
        for (int j = 3; j < c->argc; j++) {
            long long id = 0;
            str_to_ll(c->argv[j], sds_len(c->argv[j]), &id);
            kv_client *t = id > 0 ? client_by_id(srv, (uint64_t)id) : NULL;
            if (t) out = sds_cat(client_info_line(t, out), "\n");
        }
    } else if (c->argc != 2) {
        reply_error(c, ERR_SYNTAX);
        sds_free(out);
        return;
    } else {
        for (kv_client *t = oldest_client(srv); t; t = t->prev) out = sds_cat(client_info_line(t, out), "\n");
    }
    reply_text(c, out);
}

/* Filter of the new CLIENT KILL form. */
typedef struct kill_filter {
    long long id; /* 0 = any */
    int type;     /* -1 = any */
    const char *addr, *laddr, *user;
    int skipme;
} kill_filter;

/* Parse "<option> <value> ..." pairs; replies and returns -1 on error. */
static int parse_kill_filter(kv_client *c, kill_filter *f) {
    memset(f, 0, sizeof(*f));
    f->type = -1;
    f->skipme = 1;
    for (int i = 2; i < c->argc; i += 2) {
        if (i + 1 >= c->argc) {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
        const sds opt = c->argv[i], val = c->argv[i + 1];
        if (argis(opt, "id")) {
            if (!str_to_ll(val, sds_len(val), &f->id) || f->id <= 0) {
                reply_error(c, "client-id should be greater than 0");
                return -1;
            }
        } else if (argis(opt, "type")) {
            if ((f->type = client_type_by_name(val)) < 0) {
                reply_errorf(c, "Unknown client type '%s'", val);
                return -1;
            }
        } else if (argis(opt, "addr")) {
            f->addr = val;
        } else if (argis(opt, "laddr")) {
            f->laddr = val;
        } else if (argis(opt, "user")) {
            if (strcmp(val, "default") != 0) {
                reply_errorf(c, "No such user '%s'", val);
                return -1;
            }
            f->user = val;
        } else if (argis(opt, "skipme")) {
            if (argis(val, "yes")) f->skipme = 1;
            else if (argis(val, "no")) f->skipme = 0;
            else {
                reply_error(c, ERR_SYNTAX);
                return -1;
            }
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

static int kill_matches(const kill_filter *f, kv_client *self, kv_client *t) {
    if (f->skipme && t == self) return 0;
    if (f->id && (uint64_t)f->id != t->id) return 0;
    if (f->type >= 0 && client_type(t) != f->type) return 0;
    if (f->addr && strcmp(f->addr, t->addr) != 0) return 0;
    if (f->laddr && strcmp(f->laddr, t->laddr) != 0) return 0;
    return 1; /* user: every client is "default" */
}

/* Close t: the caller after its reply, anyone else as soon as possible. */
static void kill_client(kv_client *self, kv_client *t) {
    kv_server *srv = self->srv;
    if (t == self) {
        t->flags |= CLIENT_CLOSE_AFTER_REPLY;
        return;
    }
    if (srv->net.close_client) srv->net.close_client(srv->net.netpriv, t); /* sets CLOSE_ASAP */
    else t->flags |= CLIENT_CLOSE_ASAP;
}

/* Kill every match; returns how many.  Matches are collected first so the
 * close hook may unlink clients while we are done walking the list. */
static long long kill_matching(kv_client *c, const kill_filter *f) {
    kv_server *srv = c->srv;
    long long n = 0, cap = srv->nclients > 0 ? srv->nclients : 1;
    kv_client **victims = mem_alloc(sizeof(*victims) * (size_t)cap);
    for (kv_client *t = srv->clients; t && n < cap; t = t->next)
        if (kill_matches(f, c, t)) victims[n++] = t;
    for (long long i = 0; i < n; i++) kill_client(c, victims[i]);
    mem_free(victims);
    return n;
}

static void client_kill_command(kv_client *c) {
    if (c->argc == 3) { /* old form: CLIENT KILL addr:port */
        kill_filter f = {.type = -1, .addr = c->argv[2], .skipme = 0};
        if (kill_matching(c, &f) == 0) reply_error(c, "No such client");
        else reply_ok(c);
        return;
    }
    kill_filter f;
    if (parse_kill_filter(c, &f) < 0) return;
    reply_int(c, kill_matching(c, &f));
}

static void client_no_evict_command(kv_client *c) {
    if (argis(c->argv[2], "on")) c->flags |= CLIENT_NO_EVICT;
    else if (argis(c->argv[2], "off")) c->flags &= ~CLIENT_NO_EVICT;
    else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    reply_ok(c);
}

/* ON replies +OK; OFF and SKIP reply nothing (SKIP silences the next
 * command: the dispatch turns CLIENT_REPLY_SKIP_NEXT into CLIENT_REPLY_SKIP). */
static void client_reply_command(kv_client *c) {
    if (argis(c->argv[2], "on")) {
        c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT);
        reply_ok(c);
    } else if (argis(c->argv[2], "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (argis(c->argv[2], "skip")) {
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        reply_error(c, ERR_SYNTAX);
    }
}

static void client_help_command(kv_client *c) {
    static const char *const help[] = {
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        NULL,
    };
    reply_help(c, help);
}

/* CLIENT UNBLOCK id [TIMEOUT|ERROR] */
static void client_unblock_command(kv_client *c) {
    long long id;
    int error = 0;
    if (c->argc == 4) {
        if (!strcasecmp(c->argv[3], "error")) error = 1;
        else if (strcasecmp(c->argv[3], "timeout")) {
            reply_error(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    if (arg_ll(c, c->argv[2], &id, NULL) < 0) return;
    reply_int(c, blocking_unblock_by_id(c->srv, (uint64_t)id, error));
}

#define CLIENT_SUB(name, fn, arity, flags, since, summary, args) \
    {name, fn, arity, (flags) | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL, 0, 0, 0, \
     "connection", since, summary, "O(1)", args, NULL}

static const kv_command client_subcommands[] = {
    CLIENT_SUB("id", client_id_command, 2, 0, "5.0.0", "Returns the client ID for the current connection", ""),
    CLIENT_SUB("setname", client_setname_command, 3, 0, "2.6.9", "Set the current connection name",
               "connection-name"),
    CLIENT_SUB("getname", client_getname_command, 2, 0, "2.6.9", "Get the current connection name", ""),
    CLIENT_SUB("info", client_info_command, 2, 0, "6.2.0",
               "Returns information about the current client connection.", ""),
    {"list", client_list_command, -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL, 0, 0, 0,
     "connection", "2.4.0", "Get the list of client connections", "O(N) where N is the number of client connections",
     "[TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID client-id [client-id ...]]", NULL},
    {"kill", client_kill_command, -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL, 0, 0, 0,
     "connection", "2.4.0", "Kill the connection of a client", "O(N) where N is the number of client connections",
     "ip:port|([ID client-id] [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [USER username] [ADDR ip:port] [LADDR ip:port] "
     "[SKIPME (YES|NO)])",
     NULL},
    CLIENT_SUB("no-evict", client_no_evict_command, 3, CMD_ADMIN, "7.0.0",
               "Set client eviction mode for the current connection", "ON|OFF"),
    CLIENT_SUB("unblock", client_unblock_command, -3, CMD_ADMIN, "5.0.0",
               "Unblock a client blocked in a blocking command from a different connection",
               "client-id [TIMEOUT|ERROR]"),
    CLIENT_SUB("reply", client_reply_command, 3, 0, "3.2.0", "Instruct the server whether to reply to commands",
               "ON|OFF|SKIP"),
    {"help", client_help_command, 2, CMD_LOADING | CMD_STALE | CMD_SENTINEL, 0, 0, 0, "connection", "5.0.0",
     "Show helpful text about the different subcommands", "O(1)", "", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

#define CONN_FLAGS_ANYTIME (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY)

const kv_command cmd_table_connection[] = {
    {"ping", ping_command, -1, CMD_FAST | CMD_SENTINEL, 0, 0, 0, "connection", "1.0.0", "Ping the server", "O(1)",
     "[message]", NULL},
    {"echo", echo_command, 2, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "connection", "1.0.0",
     "Echo the given string", "O(1)", "message", NULL},
    {"quit", quit_command, -1, CONN_FLAGS_ANYTIME, 0, 0, 0, "connection", "1.0.0", "Close the connection", "O(1)", "",
     NULL},
    {"reset", reset_command, 1, CONN_FLAGS_ANYTIME, 0, 0, 0, "connection", "6.2.0", "Reset the connection", "O(1)",
     "", NULL},
    {"hello", hello_command, -1, CONN_FLAGS_ANYTIME | CMD_SENTINEL, 0, 0, 0, "connection", "6.0.0",
     "Handshake with Redis", "O(1)", "[protover [AUTH username password] [SETNAME clientname]]", NULL},
    {"auth", auth_command, -2, CONN_FLAGS_ANYTIME | CMD_SENTINEL, 0, 0, 0, "connection", "1.0.0",
     "Authenticate to the server", "O(N) where N is the number of passwords defined for the user",
     "[username] password", NULL},
    {"select", select_command, 2, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "connection", "1.0.0",
     "Change the selected database for the current connection", "O(1)", "index", NULL},
    {"client", NULL, -2, CMD_SENTINEL, 0, 0, 0, "connection", "2.4.0", "A container for client connection commands",
     "Depends on subcommand.", "", client_subcommands},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
