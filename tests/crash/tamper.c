/*
 * tests/crash/tamper.c — --tamper: damage the AOF between the kill and the
 * restart, so the checks can be seen to fire (ct_tamper).
 *
 * Design
 *   The target is the newest incr file named by the manifest
 *   DIR/<appenddirname>/<appendfilename>.manifest (the `type i` line with
 *   the highest seq), or DIR/<appendfilename> for a single-file AOF. The
 *   file is parsed as RESP multibulk commands (`#...` annotation lines are
 *   skipped). Modes:
 *     truncate[:N]  drop the last N bytes (default: random 1..64 KiB), what
 *                   a power loss does to unsynced appends. Under always it
 *                   loses acknowledged writes -> (a); under everysec/no it
 *                   is an allowed loss, reported as such.
 *     hole          cut 1..16 whole commands out of the middle (pages
 *                   written back out of order) -> (b) gaps, or a MULTI
 *                   without EXEC the server must refuse -> (d).
 *     zero          zero one 4 KiB page in the middle (torn page) -> (d) or
 *                   (b), depending on what the server makes of it.
 *     noexpire      overwrite every absolute expiry (SET ... PXAT/EXAT,
 *                   PEXPIREAT/EXPIREAT) with 9s, same length -> (c).
 *   Only bytes written during the current cycle are touched (the file's
 *   size at the cycle's start is the mark), so earlier cycles' data, which
 *   the model treats as settled, stays intact. The file is rewritten in
 *   place and fsynced; the untouched copy is in DIR/at-kill, the
 *   description in DIR/tamper.txt.
 */
#include "tests/crash/crash.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ARGS 16
#define HOLE_MIN 4
#define HOLE_MAX 16

/* ------------------------------------------------------------ finding */

/* Path of the newest incr file (malloc'd) or NULL. */
static char *newest_incr(const ct_srv *s) {
    char *man = ct_fmt("%s/%s/%s.manifest", s->dir, s->aofdir, s->aofname);
    FILE *f = fopen(man, "r");
    free(man);
    if (!f) {
        char *single = ct_fmt("%s/%s", s->dir, s->aofname);
        if (access(single, F_OK) == 0) return single;
        free(single);
        return NULL;
    }
    char line[1024], best[512] = "";
    long best_seq = -1;
    while (fgets(line, sizeof line, f)) {
        char name[512], type[8];
        long seq;
        if (sscanf(line, "file %511s seq %ld type %7s", name, &seq, type) == 3 &&
            !strcmp(type, "i") && seq > best_seq) {
            best_seq = seq;
            snprintf(best, sizeof best, "%s", name);
        }
    }
    fclose(f);
    return best[0] ? ct_fmt("%s/%s/%s", s->dir, s->aofdir, best) : NULL;
}

void ct_tamper_mark_set(const ct_srv *s, ct_tamper_mark *m) {
    ct_tamper_mark_free(m);
    m->path = newest_incr(s);
    struct stat st;
    m->size = m->path && stat(m->path, &st) == 0 ? (long long)st.st_size : 0;
}

void ct_tamper_mark_free(ct_tamper_mark *m) {
    free(m->path);
    m->path = NULL;
    m->size = 0;
}

static int read_all(const char *path, ct_buf *b) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) ct_buf_add(b, chunk, (size_t)n);
    int e = n < 0 ? -errno : 0;
    close(fd);
    return e;
}

static int write_all(const char *path, const char *p, size_t len) {
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0;) {
        ssize_t n = pwrite(fd, p + off, len - off, (off_t)off);
        if (n < 0 && errno != EINTR) rc = -errno;
        if (n > 0) off += (size_t)n;
    }
    if (rc == 0 && fsync(fd) < 0) rc = -errno;
    close(fd);
    return rc;
}

/* ------------------------------------------------------------ parsing */

typedef struct cmd {
    size_t start, end;            /* byte range of the command */
    int argc;
    size_t off[MAX_ARGS], len[MAX_ARGS];
} cmd;

static int parse_num(const char *p, size_t n, size_t *pos, long *out) {
    size_t i = *pos;
    long v = 0;
    if (i >= n || !isdigit((unsigned char)p[i])) return -1;
    while (i < n && isdigit((unsigned char)p[i]) && v < 1000000000L) v = v * 10 + (p[i++] - '0');
    if (i + 1 >= n || p[i] != '\r' || p[i + 1] != '\n') return -1;
    *pos = i + 2;
    *out = v;
    return 0;
}

/* One command at *pos (annotations skipped). 1 parsed, 0 end, -1 bad. */
static int parse_cmd(const char *p, size_t n, size_t *pos, cmd *c) {
    while (*pos < n && p[*pos] == '#') {
        const char *nl = memchr(p + *pos, '\n', n - *pos);
        if (!nl) return 0;
        *pos = (size_t)(nl - p) + 1;
    }
    if (*pos >= n) return 0;
    size_t i = *pos;
    long argc, len;
    if (p[i++] != '*' || parse_num(p, n, &i, &argc) < 0 || argc < 1) return -1;
    c->start = *pos;
    c->argc = (int)argc;
    for (long a = 0; a < argc; a++) {
        if (i >= n || p[i++] != '$' || parse_num(p, n, &i, &len) < 0) return -1;
        if (i + (size_t)len + 2 > n) return -1;
        if (a < MAX_ARGS) {
            c->off[a] = i;
            c->len[a] = (size_t)len;
        }
        i += (size_t)len + 2;
    }
    c->end = i;
    *pos = i;
    return 1;
}

static cmd *parse_all(const ct_buf *b, size_t *n) {
    size_t cap = 1024, pos = 0;
    cmd *v = ct_xmalloc(sizeof *v * cap);
    *n = 0;
    for (;;) {
        if (*n == cap) v = ct_xrealloc(v, sizeof *v * (cap *= 2));
        if (parse_cmd(b->p, b->len, &pos, &v[*n]) != 1) break;
        (*n)++;
    }
    return v;
}

static int arg_is(const ct_buf *b, const cmd *c, int a, const char *word) {
    return a < c->argc && a < MAX_ARGS && c->len[a] == strlen(word) &&
           strncasecmp(b->p + c->off[a], word, c->len[a]) == 0;
}

/* -------------------------------------------------------------- modes */

static int do_truncate(const char *path, ct_buf *b, size_t from, const ct_opts *o, ct_rng *rng,
                       char *note, size_t cap) {
    if (b->len <= from) return 0;
    size_t max = o->tamper_bytes > 0 ? (size_t)o->tamper_bytes : 65536;
    size_t amount = o->tamper_bytes > 0 ? max : (size_t)ct_rng_range(rng, 1, max);
    if (amount > b->len - from) amount = b->len - from;
    if (truncate(path, (off_t)(b->len - amount)) < 0) return -errno;
    snprintf(note, cap, "truncated the last %zu of %zu bytes of %s", amount, b->len, path);
    return 1;
}

static int do_hole(const char *path, ct_buf *b, size_t from, ct_rng *rng, char *note,
                   size_t cap) {
    size_t n, lo = 0;
    cmd *c = parse_all(b, &n);
    int rc = 0;
    while (lo < n && c[lo].start < from) lo++;
    if (lo == 0) lo = 1; /* keep the first command (SELECT) */
    if (n >= lo + 3) {
        size_t avail = n - 1 - lo; /* commands in [lo, n-1) may go */
        size_t k = (size_t)ct_rng_range(rng, avail < HOLE_MIN ? avail : HOLE_MIN,
                                        avail < HOLE_MAX ? avail : HOLE_MAX);
        size_t first = (size_t)ct_rng_range(rng, lo, n - 1 - k);
        size_t cut = c[first].start, to = c[first + k - 1].end;
        memmove(b->p + cut, b->p + to, b->len - to);
        b->len -= to - cut;
        rc = write_all(path, b->p, b->len);
        if (rc == 0) {
            snprintf(note, cap, "cut commands %zu..%zu of %zu (bytes %zu..%zu) out of %s", first,
                     first + k - 1, n, cut, to, path);
            rc = 1;
        }
    }
    free(c);
    return rc;
}

static int do_zero(const char *path, ct_buf *b, size_t from, ct_rng *rng, char *note,
                   size_t cap) {
    if (b->len < from + 64) return 0;
    size_t off, len, span = b->len - from;
    size_t first_page = (from + 4095) / 4096;
    if (span >= 3 * 4096 && b->len / 4096 >= first_page + 2) {
        off = 4096 * (size_t)ct_rng_range(rng, first_page, b->len / 4096 - 2);
        len = 4096;
    } else {
        off = from + span / 3;
        len = span / 3;
    }
    memset(b->p + off, 0, len);
    int rc = write_all(path, b->p, b->len);
    if (rc < 0) return rc;
    snprintf(note, cap, "zeroed bytes %zu..%zu of %zu in %s", off, off + len, b->len, path);
    return 1;
}

static void nines(ct_buf *b, const cmd *c, int a) {
    if (a < c->argc && a < MAX_ARGS) memset(b->p + c->off[a], '9', c->len[a]);
}

static int do_noexpire(const char *path, ct_buf *b, size_t from, char *note, size_t cap) {
    size_t n, edits = 0;
    cmd *c = parse_all(b, &n);
    for (size_t i = 0; i < n; i++) {
        if (c[i].start < from) continue;
        if (arg_is(b, &c[i], 0, "PEXPIREAT") || arg_is(b, &c[i], 0, "EXPIREAT")) {
            nines(b, &c[i], 2);
            edits++;
        } else if (arg_is(b, &c[i], 0, "SET")) {
            for (int a = 3; a + 1 < c[i].argc && a + 1 < MAX_ARGS; a++) {
                if (arg_is(b, &c[i], a, "PXAT") || arg_is(b, &c[i], a, "EXAT")) {
                    nines(b, &c[i], a + 1);
                    edits++;
                }
            }
        }
    }
    free(c);
    if (!edits) return 0;
    int rc = write_all(path, b->p, b->len);
    if (rc < 0) return rc;
    snprintf(note, cap, "set %zu absolute expiry times to 9...9 in %s", edits, path);
    return 1;
}

int ct_tamper(const ct_srv *s, const ct_opts *o, const ct_tamper_mark *mark, ct_rng *rng,
              char *note, size_t cap) {
    char *path = newest_incr(s);
    snprintf(note, cap, "no AOF incr file found to tamper with");
    if (!path) return 0;
    ct_buf b = {0};
    int rc = read_all(path, &b);
    size_t from = mark->path && !strcmp(mark->path, path) ? (size_t)mark->size : 0;
    if (from > b.len) from = b.len;
    if (rc == 0) {
        snprintf(note, cap, "nothing to tamper with in %s (%zu bytes, %zu new)", path, b.len,
                 b.len - from);
        switch (o->tamper) {
        case CT_TAMPER_TRUNCATE: rc = do_truncate(path, &b, from, o, rng, note, cap); break;
        case CT_TAMPER_HOLE: rc = do_hole(path, &b, from, rng, note, cap); break;
        case CT_TAMPER_ZERO: rc = do_zero(path, &b, from, rng, note, cap); break;
        case CT_TAMPER_NOEXPIRE: rc = do_noexpire(path, &b, from, note, cap); break;
        default: rc = 0; break;
        }
    }
    if (rc < 0) snprintf(note, cap, "tampering with %s failed: %s", path, strerror(-rc));
    char *txt = ct_fmt("%s/tamper.txt", s->dir);
    FILE *f = fopen(txt, "a");
    if (f) {
        fprintf(f, "%s\n", note);
        fclose(f);
    }
    free(txt);
    free(path);
    ct_buf_free(&b);
    return rc;
}
