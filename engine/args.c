/*
 * engine/args.c — argument parsing helpers (see args.h).
 */
#include "args.h"

#include <math.h>
#include <strings.h>

#include "reply.h"
#include "util.h"

int arg_ll(kv_client *c, const sds arg, long long *out, const char *msg) {
    if (str_to_ll(arg, sds_len(arg), out)) return 0;
    reply_error(c, msg ? msg : ERR_NOT_INT);
    return -1;
}

int arg_ll_range(kv_client *c, const sds arg, long long min, long long max, long long *out, const char *msg) {
    long long v;
    if (!str_to_ll(arg, sds_len(arg), &v)) {
        reply_error(c, msg ? msg : ERR_NOT_INT);
        return -1;
    }
    if (v < min || v > max) {
        if (msg) reply_error(c, msg);
        else reply_errorf(c, "value is out of range, must be between %lld and %lld", min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int arg_positive(kv_client *c, const sds arg, long long *out, const char *msg) {
    long long v;
    if (arg_ll(c, arg, &v, msg) < 0) return -1;
    if (v <= 0) {
        reply_error(c, msg ? msg : "ERR value is out of range, must be positive");
        return -1;
    }
    *out = v;
    return 0;
}

int arg_nonneg(kv_client *c, const sds arg, long long *out, const char *msg) {
    long long v;
    if (arg_ll(c, arg, &v, msg) < 0) return -1;
    if (v < 0) {
        reply_error(c, msg ? msg : "ERR value is out of range, must be positive");
        return -1;
    }
    *out = v;
    return 0;
}

int arg_double(kv_client *c, const sds arg, double *out, const char *msg) {
    if (str_to_d(arg, sds_len(arg), out)) return 0;
    reply_error(c, msg ? msg : ERR_NOT_FLOAT);
    return -1;
}

int arg_ldouble(kv_client *c, const sds arg, long double *out, const char *msg) {
    if (str_to_ld(arg, sds_len(arg), out)) return 0;
    reply_error(c, msg ? msg : ERR_NOT_FLOAT);
    return -1;
}

int arg_is(const sds arg, const char *word) { return strcasecmp(arg, word) == 0; }
