/*
 * net/resp.c — incremental request reader (contract and grammar: resp.h).
 *
 * State machine (r->mode, r->args_left, r->bulk_len):
 *
 *   mode        args_left  bulk_len  waiting for
 *   ----------  ---------  --------  -----------------------------------
 *   IDLE        0          -1        the first byte of a request
 *   INLINE      0          -1        the "\n" ending the line
 *   MULTIBULK   0          -1        the "*<n>\r" line (+ one byte)
 *   MULTIBULK   > 0        -1        the "$<len>\r" line (+ one byte)
 *   MULTIBULK   > 0        >= 0      <len> bytes + 2
 *
 * Buffer invariants:
 *   (1) buf[0, pos) is consumed, buf[pos, len) is not; buf stays
 *       NUL-terminated (sds).
 *   (2) scan: no terminator ('\n' inline, '\r' otherwise) exists in
 *       buf[pos, pos + scan), so repeated calls over a growing partial line
 *       do not rescan it.  Reset whenever pos moves past a line.
 *   (3) A big bulk (bulk_len >= RESP_BIG_ARG) whose bytes were not all
 *       present when its header was parsed starts at buf[0] (pos == 0) and
 *       buf has room for exactly bulk_len + 2 bytes; resp_reader_space never
 *       offers more than what is missing, so on completion the whole sds is
 *       the argument.
 *   (4) Consumed bytes are dropped (compact) when next() runs out of input,
 *       and by space()/feed() once they are at least as many as the
 *       unconsumed ones, so each byte is moved O(1) times amortized.
 */
#include "net/resp.h"

#include "engine/mem.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

enum { MODE_IDLE, MODE_INLINE, MODE_MULTIBULK };

#define SHRINK_ABOVE (64 * 1024) /* an empty buffer bigger than this is freed */

void resp_limits_default(resp_limits *lim) {
    lim->proto_max_bulk_len = RESP_MAX_BULK;
    lim->max_multibulk_len = RESP_MAX_MULTIBULK;
    lim->inline_max_size = RESP_INLINE_MAX;
    lim->auth_required = 0;
}

void resp_reader_init(resp_reader *r, const resp_limits *lim) {
    memset(r, 0, sizeof(*r));
    if (lim) r->limits = *lim;
    else resp_limits_default(&r->limits);
    r->buf = sds_empty();
    r->bulk_len = -1;
}

void resp_argv_free(int argc, sds *argv) {
    if (!argv) return;
    for (int i = 0; i < argc; i++) sds_free(argv[i]);
    mem_free(argv);
}

void resp_reader_free(resp_reader *r) {
    if (!r) return;
    sds_free(r->buf);
    resp_argv_free(r->argc, r->argv);
    memset(r, 0, sizeof(*r));
    r->bulk_len = -1;
}

size_t resp_reader_buffered(const resp_reader *r) { return sds_len(r->buf) - r->pos; }

size_t resp_reader_argv_bytes(const resp_reader *r) { return r->argv_bytes; }

size_t resp_reader_mem(const resp_reader *r) {
    return sds_alloc_size(r->buf) + (size_t)r->argv_cap * sizeof(sds) + r->argv_bytes;
}

/* ------------------------------------------------------------- buffer */

/* Drop the consumed bytes (invariant 4); free a big empty buffer unless
 * its room is reserved for the bulk being read (invariant 3). */
static void compact(resp_reader *r) {
    size_t len = sds_len(r->buf);
    if (r->pos) {
        memmove(r->buf, r->buf + r->pos, len - r->pos);
        len -= r->pos;
        sds_setlen(r->buf, len);
        r->pos = 0;
    }
    if (len == 0 && r->bulk_len < 0 && sds_avail(r->buf) > SHRINK_ABOVE) {
        sds_free(r->buf);
        r->buf = sds_empty();
    }
}

static void compact_if_worth(resp_reader *r) {
    if (r->pos && r->pos >= sds_len(r->buf) - r->pos) compact(r);
}

/* A big bulk is being read in place (invariant 3). */
static int reading_big_bulk(const resp_reader *r) {
    return r->mode == MODE_MULTIBULK && r->bulk_len >= RESP_BIG_ARG && r->pos == 0 &&
           sds_len(r->buf) < (size_t)r->bulk_len + 2;
}

char *resp_reader_space(resp_reader *r, size_t *avail) {
    size_t want = RESP_IOBUF_LEN;
    if (reading_big_bulk(r)) {
        want = (size_t)r->bulk_len + 2 - sds_len(r->buf);
        r->buf = sds_makeroom_exact(r->buf, want);
    } else {
        compact_if_worth(r);
        r->buf = sds_makeroom(r->buf, want);
    }
    *avail = want;
    return r->buf + sds_len(r->buf);
}

void resp_reader_commit(resp_reader *r, size_t n) { sds_incrlen(r->buf, (ssize_t)n); }

void resp_reader_feed(resp_reader *r, const void *p, size_t n) {
    if (!reading_big_bulk(r)) compact_if_worth(r);
    r->buf = sds_catlen(r->buf, p, n);
}

/* ------------------------------------------------------------- parsing */

static int fail(resp_reader *r, const char *msg, const char **errmsg) {
    r->err = msg;
    *errmsg = msg;
    return -1;
}

/* Redis's string2ll rules: optional '-', then "0" or [1-9][0-9]*, no other
 * bytes, within long long.  Returns 1 and sets *out, or 0. */
static int parse_ll(const char *p, size_t n, long long *out) {
    size_t i = 0;
    int neg = 0;
    if (n == 0 || n > 20) return 0;
    if (n == 1 && p[0] == '0') {
        *out = 0;
        return 1;
    }
    if (p[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == n || p[i] < '1' || p[i] > '9') return 0;
    unsigned long long v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (ULLONG_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1) return 0;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX) return 0;
        *out = (long long)v;
    }
    return 1;
}

/* Find `c` in the unconsumed bytes, skipping the part known not to hold it
 * (invariant 2).  Returns its offset from buf, or -1. */
static long find_byte(resp_reader *r, char c) {
    size_t len = sds_len(r->buf), from = r->pos + r->scan;
    const char *hit = memchr(r->buf + from, c, len - from);
    if (!hit) {
        r->scan = len - r->pos;
        return -1;
    }
    r->scan = (size_t)(hit - r->buf) - r->pos;
    return (long)(hit - r->buf);
}

/* Consume up to buf[next) (a line and its terminator). */
static void consume_to(resp_reader *r, size_t next) {
    r->pos = next;
    r->scan = 0;
}

/* The header line of a multibulk element: "<prefix><digits>\r?".  Returns
 * 1 with the line's end in *nl, 0 if incomplete, -1 (after fail()) if the
 * line is too long without its '\r'. */
static int header_line(resp_reader *r, long *nl, const char *toobig, const char **errmsg) {
    *nl = find_byte(r, '\r');
    if (*nl < 0) {
        if (sds_len(r->buf) - r->pos > r->limits.inline_max_size)
            return fail(r, toobig, errmsg);
        return 0;
    }
    /* The byte after '\r' must be there (Redis does not check it is '\n'). */
    return (size_t)*nl + 1 < sds_len(r->buf);
}

/* INLINE: one line -> argv via sds_splitargs.  Returns 1 (command, maybe
 * with *argc == 0 for a blank line), 0 or -1. */
static int parse_inline(resp_reader *r, int *argc, sds **argv, const char **errmsg) {
    long nl = find_byte(r, '\n');
    if (nl < 0) {
        if (sds_len(r->buf) - r->pos > r->limits.inline_max_size)
            return fail(r, "too big inline request", errmsg);
        return 0;
    }
    size_t end = (size_t)nl;
    if (end > r->pos && r->buf[end - 1] == '\r') end--;
    char saved = r->buf[end];
    r->buf[end] = '\0'; /* splitargs reads a C string; the buffer is ours */
    sds *v = sds_splitargs(r->buf + r->pos, argc);
    r->buf[end] = saved;
    if (!v) return fail(r, "unbalanced quotes in request", errmsg);
    consume_to(r, (size_t)nl + 1);
    *argv = v;
    return 1;
}

/* MULTIBULK, args_left == 0: the "*<n>" line.  Returns 1 when the line was
 * consumed (args_left set, 0 for an empty request), 0 or -1. */
static int parse_count(resp_reader *r, const char **errmsg) {
    long nl;
    int rc = header_line(r, &nl, "too big mbulk count string", errmsg);
    if (rc <= 0) return rc;
    long long n;
    long long max = r->limits.max_multibulk_len;
    if (max > INT_MAX) max = INT_MAX;
    const char *p = r->buf + r->pos + 1;
    if (!parse_ll(p, (size_t)(r->buf + nl - p), &n) || n > max)
        return fail(r, "invalid multibulk length", errmsg);
    if (n > RESP_UNAUTH_MAX_ARGS && r->limits.auth_required)
        return fail(r, "unauthenticated multibulk length", errmsg);
    consume_to(r, (size_t)nl + 2);
    if (n <= 0) return 1;
    r->args_left = n;
    r->argv_cap = n < 1024 ? (int)n : 1024;
    r->argv = mem_alloc(sizeof(sds) * (size_t)r->argv_cap);
    return 1;
}

/* MULTIBULK, bulk_len == -1: the "$<len>" line.  Returns 1, 0 or -1. */
static int parse_bulk_header(resp_reader *r, const char **errmsg) {
    long nl;
    int rc = header_line(r, &nl, "too big bulk count string", errmsg);
    if (rc <= 0) return rc;
    char c = r->buf[r->pos];
    if (c != '$') {
        if (c == '\r' || c == '\n') c = ' ';
        snprintf(r->errbuf, sizeof(r->errbuf), "expected '$', got '%c'", c);
        return fail(r, r->errbuf, errmsg);
    }
    long long n;
    const char *p = r->buf + r->pos + 1;
    if (!parse_ll(p, (size_t)(r->buf + nl - p), &n) || n < 0 || n > r->limits.proto_max_bulk_len)
        return fail(r, "invalid bulk length", errmsg);
    if (n > RESP_UNAUTH_MAX_BULK && r->limits.auth_required)
        return fail(r, "unauthenticated bulk length", errmsg);
    consume_to(r, (size_t)nl + 2);
    r->bulk_len = n;
    if (n >= RESP_BIG_ARG && sds_len(r->buf) - r->pos <= (size_t)n + 2) {
        compact(r); /* invariant 3: the bulk starts at buf[0] ... */
        r->buf = sds_makeroom_exact(r->buf, (size_t)n + 2 - sds_len(r->buf)); /* ... and fits */
    }
    return 1;
}

static void push_arg(resp_reader *r, sds arg) {
    if (r->argc == r->argv_cap) {
        long long cap = (long long)r->argv_cap * 2, most = r->argc + r->args_left;
        r->argv_cap = (int)(cap < most ? cap : most);
        r->argv = mem_realloc(r->argv, sizeof(sds) * (size_t)r->argv_cap);
    }
    r->argv[r->argc++] = arg;
    r->argv_bytes += sds_len(arg);
}

/* MULTIBULK, bulk_len >= 0: the data.  Returns 1 when taken, 0 if short. */
static int take_bulk(resp_reader *r) {
    size_t n = (size_t)r->bulk_len, len = sds_len(r->buf);
    if (len - r->pos < n + 2) return 0;
    sds arg;
    if (r->pos == 0 && n >= RESP_BIG_ARG && len == n + 2) {
        arg = r->buf; /* the buffer is exactly this bulk: keep it, no copy */
        sds_setlen(arg, n);
        if (sds_avail(arg) > n / 8) arg = sds_remove_free(arg);
        r->buf = sds_empty();
    } else {
        arg = sds_newlen(r->buf + r->pos, n);
        r->pos += n + 2;
    }
    push_arg(r, arg);
    r->bulk_len = -1;
    r->args_left--;
    return 1;
}

/* MULTIBULK: returns 1 when the command is complete (argc may be 0 for an
 * empty request), 0 or -1. */
static int parse_multibulk(resp_reader *r, const char **errmsg) {
    int rc;
    if (r->args_left == 0 && r->argc == 0) {
        if ((rc = parse_count(r, errmsg)) <= 0) return rc;
    }
    while (r->args_left > 0) {
        if (r->bulk_len < 0 && (rc = parse_bulk_header(r, errmsg)) <= 0) return rc;
        if (!take_bulk(r)) return 0;
    }
    return 1;
}

int resp_reader_next(resp_reader *r, int *argc, sds **argv, const char **errmsg) {
    *argc = 0;
    *argv = NULL;
    if (r->err) return fail(r, r->err, errmsg);
    for (;;) {
        int rc = 0;
        if (r->mode == MODE_IDLE && r->pos < sds_len(r->buf))
            r->mode = r->buf[r->pos] == '*' ? MODE_MULTIBULK : MODE_INLINE;
        if (r->mode == MODE_INLINE) {
            rc = parse_inline(r, argc, argv, errmsg);
        } else if (r->mode == MODE_MULTIBULK) {
            rc = parse_multibulk(r, errmsg);
            if (rc == 1) {
                *argc = r->argc;
                *argv = r->argv;
                r->argc = r->argv_cap = 0;
                r->argv = NULL;
                r->argv_bytes = 0;
            }
        }
        if (rc < 0) return rc;
        if (rc == 0) {
            compact(r);
            return 0;
        }
        r->mode = MODE_IDLE;
        if (*argc > 0) return 1;
        resp_argv_free(*argc, *argv); /* blank line or empty multibulk: skip */
        *argv = NULL;
    }
}
