/*
 * engine/args.h — parsing command arguments with Redis's error replies.
 * Each returns 0 on success; on failure it has already replied with the
 * error (msg, or the default wording when msg is NULL) and returns -1.
 */
#ifndef STRATA_ARGS_H
#define STRATA_ARGS_H

#include "kv.h"

int arg_ll(kv_client *c, const sds arg, long long *out, const char *msg);
int arg_ll_range(kv_client *c, const sds arg, long long min, long long max, long long *out, const char *msg);
int arg_positive(kv_client *c, const sds arg, long long *out, const char *msg); /* > 0 */
int arg_nonneg(kv_client *c, const sds arg, long long *out, const char *msg);   /* >= 0 */
int arg_double(kv_client *c, const sds arg, double *out, const char *msg);
int arg_ldouble(kv_client *c, const sds arg, long double *out, const char *msg);
int arg_is(const sds arg, const char *word); /* case-insensitive equality */

#endif
