/*
 * engine/client.c — client objects: creation, argv, pending-write list,
 * CLIENT LIST lines.  The network side (fd, addresses, query buffer sizes)
 * is filled in by net/; fake clients have fd -1.
 */
#include "client.h"

#include <stdio.h>
#include <string.h>

#include "blocking.h"
#include "cmd.h"
#include "mem.h"
#include "multi.h"
#include "util.h"

kv_client *client_create(kv_server *srv, int fd) {
    kv_client *c = mem_calloc(sizeof(*c));
    c->id = ++srv->next_client_id;
    c->srv = srv;
    c->db = &srv->dbs[0];
    c->resp = 2;
    c->fd = fd;
    c->out = sds_empty();
    c->ctime_ms = c->last_ms = (int64_t)util_mstime();
    c->authenticated = srv->cfg->requirepass == NULL || srv->cfg->requirepass[0] == '\0';
    if (fd < 0) c->flags |= CLIENT_FAKE;
    c->next = srv->clients;
    if (srv->clients) srv->clients->prev = c;
    srv->clients = c;
    srv->nclients++;
    return c;
}

void client_reset_argv(kv_client *c) {
    for (int i = 0; i < c->argc; i++) sds_free(c->argv[i]);
    mem_free(c->argv);
    c->argv = NULL;
    c->argc = 0;
    c->argv_mem = 0;
}

void client_set_argv(kv_client *c, int argc, sds *argv) {
    client_reset_argv(c);
    c->argc = argc;
    c->argv = argv;
}

static void unlink_pending(kv_client *c) {
    kv_server *srv = c->srv;
    if (!(c->flags & CLIENT_PENDING_WRITE)) return;
    for (kv_client **pp = &srv->pending_writes; *pp; pp = &(*pp)->pend_next) {
        if (*pp == c) {
            *pp = c->pend_next;
            break;
        }
    }
    c->flags &= ~CLIENT_PENDING_WRITE;
}

static void unlink_monitor(kv_client *c) {
    kv_server *srv = c->srv;
    for (int i = 0; i < srv->nmonitors; i++) {
        if (srv->monitors[i] == c) {
            srv->monitors[i] = srv->monitors[--srv->nmonitors];
            break;
        }
    }
}

void client_free(kv_client *c) {
    if (!c) return;
    kv_server *srv = c->srv;
    multi_discard(c);
    multi_unwatch_all(c);
    blocking_client_free(c);
    if (c->flags & CLIENT_MONITOR) unlink_monitor(c);
    unlink_pending(c);
    if (srv->current == c) srv->current = NULL;
    if (c->prev) c->prev->next = c->next;
    else srv->clients = c->next;
    if (c->next) c->next->prev = c->prev;
    srv->nclients--;
    client_reset_argv(c);
    sds_free(c->out);
    sds_free(c->name);
    mem_free(c);
}

void client_mark_pending(kv_client *c) {
    if (c->flags & (CLIENT_PENDING_WRITE | CLIENT_FAKE)) return;
    c->flags |= CLIENT_PENDING_WRITE;
    c->pend_next = c->srv->pending_writes;
    c->srv->pending_writes = c;
}

kv_client *client_pop_pending(kv_server *srv) {
    kv_client *c = srv->pending_writes;
    if (!c) return NULL;
    srv->pending_writes = c->pend_next;
    c->pend_next = NULL;
    c->flags &= ~CLIENT_PENDING_WRITE;
    return c;
}

int client_select_db(kv_client *c, long long id) {
    if (id < 0 || id >= c->srv->dbnum) return -1;
    c->db = &c->srv->dbs[id];
    return 0;
}

kv_client *client_by_id(kv_server *srv, uint64_t id) {
    for (kv_client *c = srv->clients; c; c = c->next)
        if (c->id == id) return c;
    return NULL;
}

static sds flags_string(kv_client *c, sds s) {
    size_t start = sds_len(s);
    if (c->flags & CLIENT_MONITOR) s = sds_cat(s, "O");
    if (c->flags & CLIENT_MULTI) s = sds_cat(s, "x");
    if (c->flags & CLIENT_BLOCKED) s = sds_cat(s, "b");
    if (c->flags & CLIENT_DIRTY_CAS) s = sds_cat(s, "d");
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY) s = sds_cat(s, "c");
    if (c->flags & CLIENT_UNIX_SOCKET) s = sds_cat(s, "U");
    if (c->flags & CLIENT_NO_EVICT) s = sds_cat(s, "e");
    if (c->flags & CLIENT_NO_TOUCH) s = sds_cat(s, "T");
    if (sds_len(s) == start) s = sds_cat(s, "N");
    return s;
}

sds client_info_line(kv_client *c, sds s) {
    int64_t now = (int64_t)util_mstime();
    char cmdname[128] = "NULL";
    if (c->lastcmd) cmd_fullname(c->lastcmd, cmdname, sizeof(cmdname));
    size_t obl = sds_len(c->out) - c->out_sent;
    s = sds_catprintf(s, "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=",
                      (unsigned long long)c->id, c->addr, c->laddr, c->fd, c->name ? c->name : "",
                      (long long)(now - c->ctime_ms) / 1000, (long long)(now - c->last_ms) / 1000);
    s = flags_string(c, s);
    s = sds_catprintf(s,
                      " db=%d sub=0 psub=0 ssub=0 multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=0 "
                      "rbs=%zu rbp=%zu obl=%zu oll=0 omem=%zu tot-mem=%zu events=r cmd=%s user=default "
                      "redir=-1 resp=%d",
                      c->db->id, (c->flags & CLIENT_MULTI) ? c->mcount : -1, c->qbuf, c->qbuf_free, c->argv_mem,
                      c->qbuf + c->qbuf_free, c->qbuf + c->qbuf_free, obl, sds_alloc_size(c->out),
                      sizeof(*c) + sds_alloc_size(c->out) + c->qbuf + c->qbuf_free, cmdname, c->resp);
    return s;
}
