/*
 * engine/slowlog.c — slow command log and the SLOWLOG command.
 *
 * Layout: srv->slowlog is an array of srv->slowlog_len entries, newest at
 * index 0.  Pushing shifts the array by one (memmove of at most
 * slowlog-max-len small structs, and only for slow commands); the array's
 * capacity is the power of two at or above slowlog_len, so growth is
 * amortised without a capacity field.
 * Invariants:
 *   (1) ids are strictly decreasing from index 0 (slowlog_next_id only grows,
 *       and RESET does not rewind it, as in Redis);
 *   (2) after a push, slowlog_len <= slowlog-max-len (a smaller limit set by
 *       CONFIG SET takes effect at the next push, as in Redis);
 *   (3) each entry owns its argv strings, peer and name.
 * slowlog_push() also feeds the latency monitor's "command"/"fast-command"
 * events (Redis's call() does both), so the dispatch has one hook.
 */
#include "slowlog.h"

#include <string.h>
#include <time.h>

#include "config.h"
#include "latency.h"
#include "mem.h"
#include "reply.h"
#include "util.h"

static size_t capacity_for(long long n) {
    size_t cap = 4;
    while ((long long)cap < n) cap *= 2;
    return cap;
}

static void entry_free(kv_slowlog_entry *e) {
    for (int i = 0; i < e->argc; i++) sds_free(e->argv[i]);
    mem_free(e->argv);
    sds_free(e->peer);
    sds_free(e->name);
}

/* Copy of one argument, cut at SLOWLOG_ENTRY_MAX_STRING bytes. */
static sds trimmed_arg(const sds a) {
    size_t len = sds_len(a);
    if (len <= SLOWLOG_ENTRY_MAX_STRING) return sds_newlen(a, len);
    sds s = sds_newlen(a, SLOWLOG_ENTRY_MAX_STRING);
    return sds_catprintf(s, "... (%zu more bytes)", len - SLOWLOG_ENTRY_MAX_STRING);
}

static void entry_fill(kv_slowlog_entry *e, kv_server *srv, kv_client *c, int argc, sds *argv,
                       long long duration_us) {
    int n = argc > SLOWLOG_ENTRY_MAX_ARGC ? SLOWLOG_ENTRY_MAX_ARGC : argc;
    e->argc = n;
    e->argv = mem_alloc(sizeof(sds) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        if (i == n - 1 && n < argc)
            e->argv[i] = sds_catprintf(sds_empty(), "... (%d more arguments)", argc - n + 1);
        else
            e->argv[i] = trimmed_arg(argv[i]);
    }
    e->id = srv->slowlog_next_id++;
    e->time_s = (long long)time(NULL);
    e->duration_us = duration_us;
    e->peer = sds_new(c ? c->addr : "");
    e->name = sds_new(c && c->name ? c->name : "");
}

static void trim_to(kv_server *srv, long long maxlen) {
    if (maxlen < 0) maxlen = 0;
    while (srv->slowlog_len > maxlen) entry_free(&srv->slowlog[--srv->slowlog_len]);
    if (srv->slowlog_len == 0) {
        mem_free(srv->slowlog);
        srv->slowlog = NULL;
    }
}

void slowlog_push_argv(kv_server *srv, kv_client *c, int argc, sds *argv, long long duration_us) {
    long long threshold = srv->cfg->slowlog_log_slower_than;
    long long maxlen = srv->cfg->slowlog_max_len;
    if (threshold < 0 || duration_us < threshold || maxlen <= 0) {
        if (maxlen <= 0 && srv->slowlog_len) trim_to(srv, 0);
        return;
    }
    /* Make room for one more, then shift everything one slot down. */
    size_t need = (size_t)srv->slowlog_len + 1;
    if (!srv->slowlog || capacity_for(srv->slowlog_len) < need)
        srv->slowlog = mem_realloc(srv->slowlog, capacity_for((long long)need) * sizeof(kv_slowlog_entry));
    memmove(&srv->slowlog[1], &srv->slowlog[0], (size_t)srv->slowlog_len * sizeof(kv_slowlog_entry));
    entry_fill(&srv->slowlog[0], srv, c, argc, argv, duration_us);
    srv->slowlog_len++;
    trim_to(srv, maxlen);
}

void slowlog_push(kv_server *srv, kv_client *c, long long duration_us) {
    if (!c || c->argc == 0) return;
    if (c->cmd) latency_add_sample(srv, (c->cmd->flags & CMD_FAST) ? "fast-command" : "command", duration_us / 1000);
    slowlog_push_argv(srv, c, c->argc, c->argv, duration_us);
}

void slowlog_reset(kv_server *srv) { trim_to(srv, 0); }

void slowlog_free(kv_server *srv) { slowlog_reset(srv); }

/* ---- SLOWLOG command --------------------------------------------------- */

static void reply_entry(kv_client *c, const kv_slowlog_entry *e) {
    reply_array(c, 6);
    reply_int(c, e->id);
    reply_int(c, e->time_s);
    reply_int(c, e->duration_us);
    reply_array(c, e->argc);
    for (int i = 0; i < e->argc; i++) reply_bulk(c, e->argv[i], sds_len(e->argv[i]));
    reply_bulk(c, e->peer, sds_len(e->peer));
    reply_bulk(c, e->name, sds_len(e->name));
}

/* SLOWLOG GET [count]: count defaults to 10; -1 means all. */
static void slowlog_get_command(kv_client *c) {
    long long count = 10;
    if (c->argc == 3) {
        if (!str_to_ll(c->argv[2], sds_len(c->argv[2]), &count) || count < -1) {
            reply_error(c, "count should be greater than or equal to -1");
            return;
        }
        if (count == -1) count = c->srv->slowlog_len;
    } else if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    kv_server *srv = c->srv;
    long long n = count < srv->slowlog_len ? count : srv->slowlog_len;
    reply_array(c, (long)n);
    for (long long i = 0; i < n; i++) reply_entry(c, &srv->slowlog[i]);
}

static void slowlog_len_command(kv_client *c) { reply_int(c, c->srv->slowlog_len); }

static void slowlog_reset_command(kv_client *c) {
    slowlog_reset(c->srv);
    reply_ok(c);
}

static void slowlog_help_command(kv_client *c) {
    static const char *const help[] = {
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        NULL,
    };
    reply_help(c, help);
}

const kv_command slowlog_subcommands[] = {
    {"get", slowlog_get_command, -2, CMD_ADMIN | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "2.2.12",
     "Get the slow log's entries", "O(N) where N is the number of entries returned", "[count]", NULL},
    {"len", slowlog_len_command, 2, CMD_ADMIN | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "2.2.12",
     "Get the slow log's length", "O(1)", "", NULL},
    {"reset", slowlog_reset_command, 2, CMD_ADMIN | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "2.2.12",
     "Clear all entries from the slow log", "O(N) where N is the number of entries in the slowlog", "", NULL},
    {"help", slowlog_help_command, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "6.2.0",
     "Show helpful text about the different subcommands", "O(1)", "", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
