/*
 * engine/reply.h — building replies in a client's output buffer, RESP2 or
 * RESP3 depending on c->resp.  Net/ flushes c->out.
 *
 * Error strings: reply_error(c, "msg") sends "-ERR msg" unless msg already
 * starts with '-' or with one of Redis's error codes followed by a space
 * ("ERR ...", "WRONGTYPE ...", "NOAUTH ...", "EXECABORT ...": the list is in
 * reply.c), in which case it is sent as is.  Newlines in
 * error text are replaced by spaces (a protocol error otherwise).
 *
 * Deferred lengths: reply_defer() reserves a slot for an aggregate header
 * whose count is not yet known; reply_set_defer_*() fills it later.
 */
#ifndef STRATA_REPLY_H
#define STRATA_REPLY_H

#include <stddef.h>

#include "kv.h"

void reply_raw(kv_client *c, const char *p, size_t len); /* bytes as is */
void reply_ok(kv_client *c);
void reply_status(kv_client *c, const char *s);        /* +s */
void reply_error(kv_client *c, const char *msg);
void reply_errorf(kv_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_int(kv_client *c, long long v);
void reply_bulk(kv_client *c, const void *p, size_t len);
void reply_bulk_cstr(kv_client *c, const char *s);      /* NULL -> null */
void reply_bulk_sds(kv_client *c, sds s);               /* takes and frees s */
void reply_bulk_ll(kv_client *c, long long v);
void reply_bulk_obj(kv_client *c, const kv_obj *o);     /* string object */
void reply_null(kv_client *c);          /* RESP2 $-1, RESP3 _ */
void reply_null_array(kv_client *c);    /* RESP2 *-1, RESP3 _ */
void reply_empty_array(kv_client *c);
void reply_array(kv_client *c, long n);
void reply_map(kv_client *c, long n);   /* n pairs; RESP2: array of 2n */
void reply_set(kv_client *c, long n);   /* RESP2: array */
void reply_push(kv_client *c, long n);  /* RESP2: array */
void reply_double(kv_client *c, double d);        /* RESP2 bulk, RESP3 ',' */
void reply_long_double(kv_client *c, long double d); /* as INCRBYFLOAT: always bulk */
void reply_bool(kv_client *c, int b);             /* RESP2 :1/:0 */
void reply_verbatim(kv_client *c, const char *p, size_t len, const char *ext); /* RESP2 bulk */
void reply_help(kv_client *c, const char *const *lines); /* "CMD <subcommand> ..." help */
void reply_subcommand_syntax(kv_client *c);              /* unknown subcommand error */

typedef size_t reply_slot;
reply_slot reply_defer(kv_client *c);
void reply_set_defer_array(kv_client *c, reply_slot slot, long n);
void reply_set_defer_map(kv_client *c, reply_slot slot, long n);
void reply_set_defer_set(kv_client *c, reply_slot slot, long n);

/* Canned errors with Redis's exact wording. */
#define ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define ERR_SYNTAX "ERR syntax error"
#define ERR_NOT_INT "ERR value is not an integer or out of range"
#define ERR_NOT_FLOAT "ERR value is not a valid float"
#define ERR_NO_KEY "ERR no such key"
#define ERR_OUT_OF_RANGE "ERR index out of range"
#define ERR_OVERFLOW "ERR increment or decrement would overflow"
#define ERR_DB_INDEX "ERR DB index is out of range"

#endif
