/*
 * engine/reply.c — RESP2/RESP3 reply encoding into c->out.
 *
 * Every reply function appends complete protocol elements to c->out and
 * puts the client on the server's pending-write list, so net/ flushes it
 * before the loop sleeps.  Fake clients (AOF loader) keep their output in
 * c->out too; the loader discards it.  CLIENT REPLY OFF/SKIP suppress output.
 */
#include "reply.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "info.h"
#include "util.h"

static int reply_suppressed(kv_client *c) {
    return (c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP)) != 0;
}

/* c->out can reach hundreds of MB for a client that pipelines big reads
 * and does not read its replies.  Above 1 MiB sds grows in 1 MiB steps and
 * a step may realloc-copy the whole buffer: quadratic, and every other
 * client waits meanwhile.  Past REPLY_GEOMETRIC bytes, reserve by doubling
 * instead.  Measured (100 pipelined 1 MB MGETs, never read): other clients'
 * PINGs stalled 1.9 s in total, now 0.55 s.  The largest single stall
 * (~0.3 s: one copy of the buffer into fresh pages) stays; only a list of
 * reply blocks, as Redis keeps, would remove it. */
#define REPLY_GEOMETRIC (1024 * 1024)

static void out_reserve(kv_client *c, size_t add) {
    size_t len = sds_len(c->out);
    if (len < REPLY_GEOMETRIC || sds_avail(c->out) >= add) return;
    c->out = sds_makeroom_exact(c->out, add > len ? add : len);
}

void reply_raw(kv_client *c, const char *p, size_t len) {
    if (reply_suppressed(c)) return;
    out_reserve(c, len);
    c->out = sds_catlen(c->out, p, len);
    client_mark_pending(c);
}

static void reply_header(kv_client *c, char type, long long n) {
    char buf[40];
    buf[0] = type;
    int len = ll_to_str(buf + 1, sizeof(buf) - 3, n);
    buf[len + 1] = '\r';
    buf[len + 2] = '\n';
    reply_raw(c, buf, (size_t)len + 3);
}

void reply_ok(kv_client *c) { reply_raw(c, "+OK\r\n", 5); }

void reply_status(kv_client *c, const char *s) {
    if (reply_suppressed(c)) return;
    out_reserve(c, strlen(s) + 3);
    c->out = sds_catlen(c->out, "+", 1);
    c->out = sds_cat(c->out, s);
    c->out = sds_catlen(c->out, "\r\n", 2);
    client_mark_pending(c);
}

/* Redis's error codes a caller may pass without the leading '-'
 * ("WRONGTYPE ...").  Any other text gets "-ERR " in front. */
static int has_error_code(const char *msg) {
    static const char *const codes[] = {"ERR",     "WRONGTYPE", "NOAUTH",   "WRONGPASS", "EXECABORT", "LOADING",
                                        "OOM",     "MISCONF",   "NOPROTO",  "BUSY",      "NOSCRIPT",  "READONLY",
                                        "BUSYKEY", "NOPERM",    "UNBLOCKED", "NOREPLICAS", "MASTERDOWN",
                                        "NOTBUSY", "CROSSSLOT", "DENIED",   "NOGOODSLAVE", NULL};
    for (int i = 0; codes[i]; i++) {
        size_t n = strlen(codes[i]);
        if (strncmp(msg, codes[i], n) == 0 && msg[n] == ' ') return 1;
    }
    return 0;
}

void reply_error(kv_client *c, const char *msg) {
    c->srv->stat.total_error_replies++;
    info_count_error(c->srv, msg);
    if (reply_suppressed(c)) return;
    sds e = sds_empty();
    if (msg[0] == '-') e = sds_cat(e, msg);
    else if (has_error_code(msg)) e = sds_cat(sds_cat(e, "-"), msg);
    else e = sds_cat(sds_cat(e, "-ERR "), msg);
    for (size_t i = 0; i < sds_len(e); i++)
        if (e[i] == '\r' || e[i] == '\n') e[i] = ' ';
    e = sds_catlen(e, "\r\n", 2);
    out_reserve(c, sds_len(e));
    c->out = sds_catsds(c->out, e);
    sds_free(e);
    client_mark_pending(c);
}

void reply_errorf(kv_client *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sds s = sds_catvprintf(sds_empty(), fmt, ap);
    va_end(ap);
    reply_error(c, s);
    sds_free(s);
}

void reply_int(kv_client *c, long long v) { reply_header(c, ':', v); }

void reply_bulk(kv_client *c, const void *p, size_t len) {
    if (reply_suppressed(c)) return;
    reply_header(c, '$', (long long)len);
    out_reserve(c, len + 2);
    c->out = sds_catlen(c->out, p, len);
    c->out = sds_catlen(c->out, "\r\n", 2);
}

void reply_bulk_cstr(kv_client *c, const char *s) {
    if (!s) reply_null(c);
    else reply_bulk(c, s, strlen(s));
}

void reply_bulk_sds(kv_client *c, sds s) {
    reply_bulk(c, s, sds_len(s));
    sds_free(s);
}

void reply_bulk_ll(kv_client *c, long long v) {
    char buf[32];
    int len = ll_to_str(buf, sizeof(buf), v);
    reply_bulk(c, buf, (size_t)len);
}

void reply_bulk_obj(kv_client *c, const kv_obj *o) {
    char buf[32];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    reply_bulk(c, p, len);
}

void reply_null(kv_client *c) {
    if (c->resp >= 3) reply_raw(c, "_\r\n", 3);
    else reply_raw(c, "$-1\r\n", 5);
}

void reply_null_array(kv_client *c) {
    if (c->resp >= 3) reply_raw(c, "_\r\n", 3);
    else reply_raw(c, "*-1\r\n", 5);
}

void reply_empty_array(kv_client *c) { reply_raw(c, "*0\r\n", 4); }

void reply_array(kv_client *c, long n) { reply_header(c, '*', n); }

void reply_map(kv_client *c, long n) {
    if (c->resp >= 3) reply_header(c, '%', n);
    else reply_header(c, '*', 2 * (long long)n);
}

void reply_set(kv_client *c, long n) { reply_header(c, c->resp >= 3 ? '~' : '*', n); }

void reply_push(kv_client *c, long n) { reply_header(c, c->resp >= 3 ? '>' : '*', n); }

void reply_double(kv_client *c, double d) {
    char buf[128];
    int len;
    if (c->resp >= 3) {
        buf[0] = ',';
        if (isinf(d)) len = snprintf(buf + 1, sizeof(buf) - 1, "%s", d > 0 ? "inf" : "-inf");
        else if (isnan(d)) len = snprintf(buf + 1, sizeof(buf) - 1, "nan");
        else len = d_to_str(buf + 1, sizeof(buf) - 3, d);
        buf[len + 1] = '\r';
        buf[len + 2] = '\n';
        reply_raw(c, buf, (size_t)len + 3);
        return;
    }
    len = d_to_str(buf, sizeof(buf), d);
    reply_bulk(c, buf, (size_t)len);
}

void reply_long_double(kv_client *c, long double d) {
    char buf[5600];
    int len = ld_to_str(buf, sizeof(buf), d);
    reply_bulk(c, buf, (size_t)len);
}

void reply_bool(kv_client *c, int b) {
    if (c->resp >= 3) reply_raw(c, b ? "#t\r\n" : "#f\r\n", 4);
    else reply_raw(c, b ? ":1\r\n" : ":0\r\n", 4);
}

void reply_verbatim(kv_client *c, const char *p, size_t len, const char *ext) {
    if (c->resp < 3) {
        reply_bulk(c, p, len);
        return;
    }
    if (reply_suppressed(c)) return;
    reply_header(c, '=', (long long)len + 4);
    out_reserve(c, len + 6);
    c->out = sds_catlen(c->out, ext, 3);
    c->out = sds_catlen(c->out, ":", 1);
    c->out = sds_catlen(c->out, p, len);
    c->out = sds_catlen(c->out, "\r\n", 2);
}

void reply_help(kv_client *c, const char *const *lines) {
    char name[64];
    size_t i, n = 0;
    while (lines[n]) n++;
    snprintf(name, sizeof(name), "%s", c->argv[0]);
    for (i = 0; name[i]; i++) name[i] = (char)toupper((unsigned char)name[i]);
    reply_array(c, (long)n + 3);
    sds head = sds_catprintf(sds_empty(), "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", name);
    reply_status(c, head);
    sds_free(head);
    for (i = 0; i < n; i++) reply_status(c, lines[i]);
    reply_status(c, "HELP");
    reply_status(c, "    Prints this help.");
}

void reply_subcommand_syntax(kv_client *c) {
    char name[64];
    size_t i;
    snprintf(name, sizeof(name), "%s", c->argv[0]);
    for (i = 0; name[i]; i++) name[i] = (char)toupper((unsigned char)name[i]);
    /* Redis quotes the subcommand with single quotes, trimmed to 128 chars. */
    reply_errorf(c, "unknown subcommand '%.128s'. Try %s HELP.", c->argv[1], name);
}

/* Deferred aggregate headers: remember the offset, splice the header in later. */
reply_slot reply_defer(kv_client *c) { return reply_suppressed(c) ? (size_t)-1 : sds_len(c->out); }

static void set_defer(kv_client *c, reply_slot slot, char type, long long n) {
    if (slot == (size_t)-1 || reply_suppressed(c)) return;
    char buf[40];
    buf[0] = type;
    int len = ll_to_str(buf + 1, sizeof(buf) - 3, n);
    buf[len + 1] = '\r';
    buf[len + 2] = '\n';
    size_t hl = (size_t)len + 3, old = sds_len(c->out);
    c->out = sds_makeroom(c->out, hl);
    memmove(c->out + slot + hl, c->out + slot, old - slot);
    memcpy(c->out + slot, buf, hl);
    sds_setlen(c->out, old + hl);
    client_mark_pending(c);
}

void reply_set_defer_array(kv_client *c, reply_slot slot, long n) { set_defer(c, slot, '*', n); }

void reply_set_defer_map(kv_client *c, reply_slot slot, long n) {
    if (c->resp >= 3) set_defer(c, slot, '%', n);
    else set_defer(c, slot, '*', 2 * (long long)n);
}

void reply_set_defer_set(kv_client *c, reply_slot slot, long n) { set_defer(c, slot, c->resp >= 3 ? '~' : '*', n); }
