/*
 * engine/expire.c — EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT), TTL
 * PTTL EXPIRETIME PEXPIRETIME PERSIST.
 *
 * Propagation: every relative form is propagated as PEXPIREAT with the
 * absolute deadline computed at execution, so replaying the stream later
 * gives the same deadline.  A deadline already in the past deletes the key
 * and propagates DEL (as Redis does), never an EXPIRE that a later replay
 * would interpret against a different clock.
 */
#include <limits.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "db.h"
#include "mem.h"
#include "reply.h"
#include "server.h"

#define EXPIRE_NX 1
#define EXPIRE_XX 2
#define EXPIRE_GT 4
#define EXPIRE_LT 8

static int parse_expire_flags(kv_client *c, int *flags) {
    *flags = 0;
    for (int i = 3; i < c->argc; i++) {
        if (arg_is(c->argv[i], "nx")) *flags |= EXPIRE_NX;
        else if (arg_is(c->argv[i], "xx")) *flags |= EXPIRE_XX;
        else if (arg_is(c->argv[i], "gt")) *flags |= EXPIRE_GT;
        else if (arg_is(c->argv[i], "lt")) *flags |= EXPIRE_LT;
        else {
            reply_errorf(c, "Unsupported option %s", c->argv[i]);
            return -1;
        }
    }
    if ((*flags & EXPIRE_NX) && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return -1;
    }
    if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
        reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return -1;
    }
    return 0;
}

static void propagate_as(kv_client *c, int argc, const char **words, const sds *args) {
    sds *argv = mem_alloc(sizeof(sds) * (size_t)argc);
    for (int i = 0; i < argc; i++) argv[i] = words[i] ? sds_new(words[i]) : sds_dup(args[i]);
    cmd_rewrite_argv(c, argc, argv);
}

/* basetime: 0 for the *AT forms, now for relative ones; unit 1000 for
 * seconds, 1 for ms.  Matches Redis 7.0 expireGenericCommand. */
static void expire_generic(kv_client *c, long long basetime, int unit) {
    kv_server *srv = c->srv;
    sds key = c->argv[1];
    long long when;
    int flags;
    if (parse_expire_flags(c, &flags) < 0) return; /* flags first, as Redis */
    if (arg_ll(c, c->argv[2], &when, NULL) < 0) return;
    /* Overflow checks, with Redis's wording. */
    if (when > LLONG_MAX / unit || when < LLONG_MIN / unit) goto invalid;
    when *= unit;
    if (when > LLONG_MAX - basetime) goto invalid;
    when += basetime;
    if (!db_lookup_write(c, c->db, key)) {
        reply_int(c, 0);
        return;
    }
    if (flags) {
        long long cur = db_get_expire(c->db, key);
        /* No TTL counts as infinite for GT/LT. */
        if ((flags & EXPIRE_NX) && cur != -1) goto zero;
        if ((flags & EXPIRE_XX) && cur == -1) goto zero;
        if ((flags & EXPIRE_GT) && (cur == -1 || when <= cur)) goto zero;
        if ((flags & EXPIRE_LT) && cur != -1 && when >= cur) goto zero;
    }
    if (when <= server_now_ms(srv) && !srv->loading) {
        db_delete(srv, c->db, key);
        db_touch_key(srv, c->db, key);
        srv->dirty++;
        const char *w[2] = {srv->cfg->lazyfree_lazy_expire ? "UNLINK" : "DEL", NULL};
        propagate_as(c, 2, w, c->argv);
        reply_int(c, 1);
        return;
    }
    db_set_expire(srv, c->db, key, when);
    db_touch_key(srv, c->db, key);
    srv->dirty++;
    {
        sds abs = sds_fromll(when);
        const char *w[3] = {"PEXPIREAT", NULL, NULL};
        sds argv3[3] = {NULL, key, abs};
        propagate_as(c, 3, w, argv3);
        sds_free(abs);
    }
    reply_int(c, 1);
    return;
zero:
    reply_int(c, 0);
    return;
invalid:
    reply_errorf(c, "invalid expire time in '%s' command", c->cmd ? c->cmd->name : "expire");
}

static void expire_cmd(kv_client *c) { expire_generic(c, server_now_ms(c->srv), 1000); }
static void pexpire_cmd(kv_client *c) { expire_generic(c, server_now_ms(c->srv), 1); }
static void expireat_cmd(kv_client *c) { expire_generic(c, 0, 1000); }
static void pexpireat_cmd(kv_client *c) { expire_generic(c, 0, 1); }

/* mode: 0 TTL, 1 PTTL, 2 EXPIRETIME, 3 PEXPIRETIME */
static void ttl_generic(kv_client *c, int mode) {
    if (!db_lookup_read(c, c->db, c->argv[1], LOOKUP_NOTOUCH)) {
        reply_int(c, -2);
        return;
    }
    long long when = db_get_expire(c->db, c->argv[1]);
    if (when == -1) {
        reply_int(c, -1);
        return;
    }
    long long ttl = when - server_now_ms(c->srv);
    if (ttl < 0) ttl = 0;
    switch (mode) {
    case 0: reply_int(c, (ttl + 500) / 1000); break;
    case 1: reply_int(c, ttl); break;
    case 2: reply_int(c, when / 1000); break;
    default: reply_int(c, when); break;
    }
}

static void ttl_cmd(kv_client *c) { ttl_generic(c, 0); }
static void pttl_cmd(kv_client *c) { ttl_generic(c, 1); }
static void expiretime_cmd(kv_client *c) { ttl_generic(c, 2); }
static void pexpiretime_cmd(kv_client *c) { ttl_generic(c, 3); }

static void persist_cmd(kv_client *c) {
    if (!db_lookup_write(c, c->db, c->argv[1])) {
        reply_int(c, 0);
        return;
    }
    if (!db_remove_expire(c->db, c->argv[1])) {
        reply_int(c, 0);
        return;
    }
    db_touch_key(c->srv, c->db, c->argv[1]);
    c->srv->dirty++;
    reply_int(c, 1);
}

#define W (CMD_WRITE | CMD_FAST)
#define R (CMD_READONLY | CMD_FAST)
const kv_command cmd_table_expire[] = {
    {"expire", expire_cmd, -3, W, 1, 1, 1, "generic", "1.0.0", "Sets the expiration time of a key in seconds.",
     "O(1)", "key seconds [NX|XX|GT|LT]", NULL},
    {"pexpire", pexpire_cmd, -3, W, 1, 1, 1, "generic", "2.6.0",
     "Sets the expiration time of a key in milliseconds.", "O(1)", "key milliseconds [NX|XX|GT|LT]", NULL},
    {"expireat", expireat_cmd, -3, W, 1, 1, 1, "generic", "1.2.0",
     "Sets the expiration time of a key to a Unix timestamp.", "O(1)", "key unix-time-seconds [NX|XX|GT|LT]",
     NULL},
    {"pexpireat", pexpireat_cmd, -3, W, 1, 1, 1, "generic", "2.6.0",
     "Sets the expiration time of a key to a Unix milliseconds timestamp.", "O(1)",
     "key unix-time-milliseconds [NX|XX|GT|LT]", NULL},
    {"ttl", ttl_cmd, 2, R, 1, 1, 1, "generic", "1.0.0", "Returns the expiration time in seconds of a key.",
     "O(1)", "key", NULL},
    {"pttl", pttl_cmd, 2, R, 1, 1, 1, "generic", "2.6.0", "Returns the expiration time in milliseconds of a key.",
     "O(1)", "key", NULL},
    {"expiretime", expiretime_cmd, 2, R, 1, 1, 1, "generic", "7.0.0",
     "Returns the expiration time of a key as a Unix timestamp.", "O(1)", "key", NULL},
    {"pexpiretime", pexpiretime_cmd, 2, R, 1, 1, 1, "generic", "7.0.0",
     "Returns the expiration time of a key as a Unix milliseconds timestamp.", "O(1)", "key", NULL},
    {"persist", persist_cmd, 2, W, 1, 1, 1, "generic", "2.2.0", "Removes the expiration time of a key.", "O(1)",
     "key", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
