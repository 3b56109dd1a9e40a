/*
 * aof/aof_format.c — layer 1 of aof/aof.h: the manifest and the command
 * reader.  Pure format code: no server, no logging, no exit().
 *
 * Manifest grammar (Redis 7.0's, read for behaviour only):
 *   - a line starting with '#' is a comment;
 *   - every other line is split like redis-cli arguments (so a quoted file
 *     name works) into key/value pairs: "file" <name> "seq" <n> "type"
 *     <b|h|i>, keys case-insensitive, unknown keys ignored (forward
 *     compatibility), at least 6 words, an even count;
 *   - a line longer than AOF_MANIFEST_MAX_LINE, an empty line, or a file
 *     name with a '/' is an error; so is a second base, an incr seq not
 *     above the previous one, an unknown type, and an empty manifest.
 *   Written back as "file <name> seq <n> type <t>\n" in the order base,
 *   history, incr, the name in double quotes with escapes when it holds a
 *   space, a quote, a backslash or an unprintable byte.
 *
 * Command reader invariants:
 *   (1) aof_reader_good_offset() is always the end of a complete command
 *       (or the start offset): truncating the file there leaves only whole
 *       commands;
 *   (2) EOF inside a command is -ENODATA (truncation), anything that cannot
 *       be the start of a command is -EBADMSG (corruption); both remember
 *       where the failing command starts;
 *   (3) a length field is checked against the bytes left in the file
 *       before anything is allocated, so a corrupt length cannot make the
 *       reader allocate gigabytes (it is a truncation: the file ends inside
 *       that argument).
 */
#include "aof/aof_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/mem.h"
#include "engine/util.h"
#include "rdb/fio.h"

/* strncpy that always terminates (and keeps -Wformat-truncation quiet). */
static void copy_trunc(char *dst, size_t cap, const char *src) {
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void aof_err_set(aof_err *err, int code, const char *file, int has_off, uint64_t off, const char *fmt, ...) {
    if (!err) return;
    memset(err, 0, sizeof(*err));
    err->code = code;
    err->has_offset = has_off;
    err->offset = off;
    if (file) copy_trunc(err->file, sizeof(err->file), file);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
}

/* ---- manifest ------------------------------------------------------------- */

void aof_manifest_init(aof_manifest *m) { memset(m, 0, sizeof(*m)); }

void aof_manifest_free(aof_manifest *m) {
    if (!m) return;
    mem_free(m->base.name);
    for (int i = 0; i < m->nhist; i++) mem_free(m->hist[i].name);
    for (int i = 0; i < m->nincr; i++) mem_free(m->incr[i].name);
    mem_free(m->hist);
    mem_free(m->incr);
    aof_manifest_init(m);
}

static aof_mfile *copy_files(const aof_mfile *src, int n) {
    if (n == 0) return NULL;
    aof_mfile *dst = mem_alloc(sizeof(*dst) * (size_t)n);
    for (int i = 0; i < n; i++) {
        dst[i] = src[i];
        dst[i].name = mem_strdup(src[i].name);
    }
    return dst;
}

void aof_manifest_copy(aof_manifest *dst, const aof_manifest *src) {
    *dst = *src;
    dst->base.name = src->has_base ? mem_strdup(src->base.name) : NULL;
    dst->hist = copy_files(src->hist, src->nhist);
    dst->incr = copy_files(src->incr, src->nincr);
}

static void push_file(aof_mfile **arr, int *n, const char *name, long long seq, char type) {
    *arr = mem_realloc(*arr, sizeof(**arr) * (size_t)(*n + 1));
    (*arr)[*n].name = mem_strdup(name);
    (*arr)[*n].seq = seq;
    (*arr)[*n].type = type;
    (*n)++;
}

static int is_basename(const char *s) { return s[0] && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, ".."); }

/* One parsed line: 0, or an error text (static). */
static const char *parse_line(aof_manifest *m, sds *argv, int argc, long long *maxseq) {
    const char *name = NULL, *type = NULL;
    long long seq = 0;
    int have_seq = 0;
    if (argc < 6 || argc % 2) return "Invalid AOF manifest file format";
    for (int i = 0; i < argc; i += 2) {
        if (!strcasecmp(argv[i], "file")) {
            name = argv[i + 1];
        } else if (!strcasecmp(argv[i], "seq")) {
            if (str_to_ll(argv[i + 1], sds_len(argv[i + 1]), &seq) < 0 || seq < 1)
                return "Invalid AOF manifest file format (seq is not a positive number)";
            have_seq = 1;
        } else if (!strcasecmp(argv[i], "type")) {
            type = argv[i + 1];
        }
    }
    if (!name || !have_seq || !type || !type[0]) return "Invalid AOF manifest file format";
    if (!is_basename(name)) return "File can't be a path, just a filename";
    if (strlen(type) != 1) return "Unknown AOF file type";
    switch (type[0]) {
    case AOF_FILE_BASE:
        if (m->has_base) return "Found duplicate base file information";
        m->base.name = mem_strdup(name);
        m->base.seq = seq;
        m->base.type = AOF_FILE_BASE;
        m->has_base = 1;
        if (seq > m->base_seq) m->base_seq = seq;
        return NULL;
    case AOF_FILE_HIST:
        push_file(&m->hist, &m->nhist, name, seq, AOF_FILE_HIST);
        return NULL;
    case AOF_FILE_INCR:
        if (seq == *maxseq) return "Found a duplicate sequence number";
        if (seq < *maxseq) return "Found a non-monotonic sequence number";
        push_file(&m->incr, &m->nincr, name, seq, AOF_FILE_INCR);
        *maxseq = seq;
        m->incr_seq = seq;
        return NULL;
    default:
        return "Unknown AOF file type";
    }
}

/* Two files of the manifest with the same name would be read twice. */
static const char *check_names(const aof_manifest *m) {
    const aof_mfile *all[3] = {m->has_base ? &m->base : NULL, m->hist, m->incr};
    int counts[3] = {m->has_base ? 1 : 0, m->nhist, m->nincr};
    for (int a = 0; a < 3; a++)
        for (int i = 0; i < counts[a]; i++)
            for (int b = a; b < 3; b++)
                for (int j = (a == b ? i + 1 : 0); j < counts[b]; j++)
                    if (!strcmp(all[a][i].name, all[b][j].name)) return "Found a file named twice";
    return NULL;
}

int aof_manifest_parse(aof_manifest *m, const char *text, size_t len, aof_err *err) {
    long long maxseq = 0;
    int linenum = 0, nentries = 0;
    size_t pos = 0;
    const char *why = NULL;
    sds line = NULL;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - (text + pos)) : len - pos;
        linenum++;
        if (llen + 1 > AOF_MANIFEST_MAX_LINE) {
            why = "The AOF manifest file contains too long line";
            line = sds_newlen(text + pos, 80);
            goto fail;
        }
        line = sds_newlen(text + pos, llen);
        pos += llen + (nl ? 1 : 0);
        if (line[0] == '#') {
            sds_free(line);
            line = NULL;
            continue;
        }
        if (!nl) {
            /* Redis refuses a last line without its newline: it may be a
             * torn write of the manifest (which strata never does: the
             * manifest is replaced by rename). */
            why = "The AOF manifest file contains too long line (no newline at the end)";
            goto fail;
        }
        line = sds_trim(line, " \t\r\n");
        if (sds_len(line) == 0) {
            why = "Invalid AOF manifest file format";
            goto fail;
        }
        int argc = 0;
        sds *argv = sds_splitargs(line, &argc);
        if (!argv) {
            why = "Invalid AOF manifest file format";
            goto fail;
        }
        why = parse_line(m, argv, argc, &maxseq);
        sds_freesplit(argv, argc);
        if (why) goto fail;
        nentries++;
        sds_free(line);
        line = NULL;
    }
    if (linenum == 0 || nentries == 0) {
        why = "Found an empty AOF manifest";
        goto fail;
    }
    if ((why = check_names(m)) != NULL) goto fail;
    return 0;
fail:
    if (line)
        aof_err_set(err, -EINVAL, NULL, 0, 0, "Bad AOF manifest at line %d: %s ('%.200s')", linenum, why, line);
    else
        aof_err_set(err, -EINVAL, NULL, 0, 0, "Bad AOF manifest: %s", why);
    sds_free(line);
    aof_manifest_free(m);
    return -EINVAL;
}

static int needs_repr(const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '\\' || *p == '"' || !isprint(*p) || isspace(*p)) return 1;
    return 0;
}

static sds cat_line(sds buf, const aof_mfile *f) {
    buf = sds_cat(buf, "file ");
    if (needs_repr(f->name)) buf = sds_catrepr(buf, f->name, strlen(f->name));
    else buf = sds_cat(buf, f->name);
    return sds_catprintf(buf, " seq %lld type %c\n", f->seq, f->type);
}

sds aof_manifest_format(const aof_manifest *m) {
    sds buf = sds_empty();
    if (m->has_base) buf = cat_line(buf, &m->base);
    for (int i = 0; i < m->nhist; i++) buf = cat_line(buf, &m->hist[i]);
    for (int i = 0; i < m->nincr; i++) buf = cat_line(buf, &m->incr[i]);
    return buf;
}

static int path_join(char *out, size_t cap, const char *dir, const char *prefix, const char *name,
                     const char *suffix) {
    int n = snprintf(out, cap, "%s/%s%s%s", dir, prefix, name, suffix);
    return (n < 0 || (size_t)n >= cap) ? -ENAMETOOLONG : 0;
}

int aof_manifest_load(aof_manifest *m, const char *dir, const char *appendfilename, aof_err *err) {
    char path[PATH_MAX];
    char *text = NULL;
    size_t len = 0;
    int rc = path_join(path, sizeof(path), dir, "", appendfilename, ".manifest");
    if (rc == 0) rc = fio_read_file(path, 16u << 20, &text, &len);
    if (rc == -ENOENT) return rc;
    if (rc < 0) {
        aof_err_set(err, rc, path, 0, 0, "Can't read the AOF manifest %s: %s", path, strerror(-rc));
        return rc;
    }
    rc = aof_manifest_parse(m, text, len, err);
    mem_free(text);
    if (rc < 0 && err) {
        sds msg = sds_catprintf(sds_empty(), "%s: %s", path, err->text);
        copy_trunc(err->text, sizeof(err->text), msg);
        copy_trunc(err->file, sizeof(err->file), path);
        sds_free(msg);
    }
    return rc;
}

int aof_manifest_save(const aof_manifest *m, const char *dir, const char *appendfilename) {
    char path[PATH_MAX], tmp[PATH_MAX];
    int rc = path_join(path, sizeof(path), dir, "", appendfilename, ".manifest");
    if (rc == 0) rc = path_join(tmp, sizeof(tmp), dir, "temp-", appendfilename, ".manifest");
    if (rc < 0) return rc;
    sds text = aof_manifest_format(m);
    int fd = fio_open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        sds_free(text);
        return fd;
    }
    rc = fio_write_all(fd, text, sds_len(text));
    int crc = fio_close(fd);
    sds_free(text);
    if (rc == 0) rc = crc;
    if (rc < 0) {
        fio_unlink(tmp);
        return rc;
    }
    return fio_replace_durably(tmp, path);
}

const char *aof_manifest_new_base(aof_manifest *m, const char *appendfilename, int rdb_preamble) {
    if (m->has_base) {
        m->base.type = AOF_FILE_HIST;
        /* The old base goes first in the history list, as Redis does. */
        m->hist = mem_realloc(m->hist, sizeof(*m->hist) * (size_t)(m->nhist + 1));
        memmove(m->hist + 1, m->hist, sizeof(*m->hist) * (size_t)m->nhist);
        m->hist[0] = m->base;
        m->nhist++;
    }
    m->base_seq++;
    sds name = sds_catprintf(sds_empty(), "%s.%lld.base.%s", appendfilename, m->base_seq, rdb_preamble ? "rdb" : "aof");
    m->base.name = mem_strdup(name);
    m->base.seq = m->base_seq;
    m->base.type = AOF_FILE_BASE;
    m->has_base = 1;
    sds_free(name);
    return m->base.name;
}

const char *aof_manifest_new_incr(aof_manifest *m, const char *appendfilename) {
    m->incr_seq++;
    sds name = sds_catprintf(sds_empty(), "%s.%lld.incr.aof", appendfilename, m->incr_seq);
    push_file(&m->incr, &m->nincr, name, m->incr_seq, AOF_FILE_INCR);
    sds_free(name);
    return m->incr[m->nincr - 1].name;
}

void aof_manifest_incr_to_history(aof_manifest *m, int keep) {
    int move = m->nincr - keep;
    if (move <= 0) return;
    for (int i = move - 1; i >= 0; i--) {
        /* Redis puts each at the head of the history list, last first. */
        m->hist = mem_realloc(m->hist, sizeof(*m->hist) * (size_t)(m->nhist + 1));
        memmove(m->hist + 1, m->hist, sizeof(*m->hist) * (size_t)m->nhist);
        m->hist[0] = m->incr[i];
        m->hist[0].type = AOF_FILE_HIST;
        m->nhist++;
    }
    memmove(m->incr, m->incr + move, sizeof(*m->incr) * (size_t)keep);
    m->nincr = keep;
}

void aof_manifest_clear_history(aof_manifest *m) {
    for (int i = 0; i < m->nhist; i++) mem_free(m->hist[i].name);
    mem_free(m->hist);
    m->hist = NULL;
    m->nhist = 0;
}

/* ---- commands --------------------------------------------------------------- */

static sds cat_count(sds dst, char prefix, long long n) {
    char buf[32];
    buf[0] = prefix;
    int len = 1 + ll_to_str(buf + 1, sizeof(buf) - 1, n);
    buf[len++] = '\r';
    buf[len++] = '\n';
    return sds_catlen(dst, buf, (size_t)len);
}

sds aof_cat_command(sds dst, int argc, sds *argv) {
    dst = cat_count(dst, '*', argc);
    for (int i = 0; i < argc; i++) {
        size_t len = sds_len(argv[i]);
        dst = cat_count(dst, '$', (long long)len);
        dst = sds_catlen(dst, argv[i], len);
        dst = sds_catlen(dst, "\r\n", 2);
    }
    return dst;
}

void aof_free_argv(int argc, sds *argv) {
    if (!argv) return;
    for (int i = 0; i < argc; i++) sds_free(argv[i]);
    mem_free(argv);
}

/* ---- the reader ------------------------------------------------------------ */

#define RD_BUF (64 * 1024)
#define RD_MAX_ARGC (1024 * 1024 * 1024) /* sanity bound on "*<n>" */

struct aof_reader {
    int fd;
    uint64_t end;      /* file size */
    uint64_t boff;     /* file offset of buf[0] */
    char *buf;
    size_t blen, bpos; /* valid bytes, read position */
    uint64_t good;     /* end of the last complete command */
    uint64_t err_off;
    int err;
    char errstr[200];
};

aof_reader *aof_reader_open(int fd, uint64_t start, uint64_t end) {
    aof_reader *r = mem_calloc(sizeof(*r));
    r->fd = fd;
    r->end = end;
    r->boff = start;
    r->good = start;
    r->buf = mem_alloc(RD_BUF);
    return r;
}

void aof_reader_close(aof_reader *r) {
    if (!r) return;
    mem_free(r->buf);
    mem_free(r);
}

uint64_t aof_reader_good_offset(const aof_reader *r) { return r->good; }
uint64_t aof_reader_error_offset(const aof_reader *r) { return r->err_off; }
const char *aof_reader_errstr(const aof_reader *r) { return r->errstr; }

static uint64_t rd_pos(const aof_reader *r) { return r->boff + r->bpos; }

/* Make at least `want` bytes available (fewer at EOF).  Returns the bytes
 * available, or -errno. */
static ssize_t rd_fill(aof_reader *r, size_t want) {
    if (r->blen - r->bpos >= want) return (ssize_t)(r->blen - r->bpos);
    if (r->bpos > 0) {
        memmove(r->buf, r->buf + r->bpos, r->blen - r->bpos);
        r->boff += r->bpos;
        r->blen -= r->bpos;
        r->bpos = 0;
    }
    while (r->blen < want && r->boff + r->blen < r->end) {
        size_t room = RD_BUF - r->blen;
        uint64_t left = r->end - (r->boff + r->blen);
        if (room > left) room = (size_t)left;
        if (room == 0) break;
        ssize_t n = fio_pread(r->fd, r->buf + r->blen, room, (off_t)(r->boff + r->blen));
        if (n < 0) return n;
        if (n == 0) {
            r->end = r->boff + r->blen; /* the file shrank under us */
            break;
        }
        r->blen += (size_t)n;
    }
    return (ssize_t)(r->blen - r->bpos);
}

static int rd_fail(aof_reader *r, int code, uint64_t cmd_start, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int rd_fail(aof_reader *r, int code, uint64_t cmd_start, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errstr, sizeof(r->errstr), fmt, ap);
    va_end(ap);
    r->err = code;
    r->err_off = cmd_start;
    return code;
}

/* Read one line ending in "\r\n" (at most 1024 bytes, as Redis's reader);
 * *line points into the buffer, valid until the next read. */
static int rd_line(aof_reader *r, uint64_t cmd_start, const char **line, size_t *len) {
    ssize_t avail = rd_fill(r, AOF_MANIFEST_MAX_LINE + 2);
    if (avail < 0) return rd_fail(r, (int)avail, cmd_start, "read error: %s", strerror((int)-avail));
    const char *p = r->buf + r->bpos;
    const char *nl = memchr(p, '\n', (size_t)avail);
    if (!nl) {
        if ((size_t)avail >= AOF_MANIFEST_MAX_LINE + 2)
            return rd_fail(r, -EBADMSG, cmd_start, "line too long at offset %llu",
                           (unsigned long long)rd_pos(r));
        return rd_fail(r, -ENODATA, cmd_start, "unexpected end of file");
    }
    size_t l = (size_t)(nl - p);
    if (l == 0 || p[l - 1] != '\r')
        return rd_fail(r, -EBADMSG, cmd_start, "line without \\r\\n at offset %llu",
                       (unsigned long long)rd_pos(r));
    *line = p;
    *len = l - 1;
    r->bpos += l + 1;
    return 0;
}

/* "<prefix><decimal>" -> value in [min, max]. */
static int rd_number(aof_reader *r, uint64_t cmd_start, char prefix, long long min, long long max,
                     long long *out) {
    const char *line = NULL;
    size_t len = 0;
    uint64_t at = rd_pos(r);
    int rc = rd_line(r, cmd_start, &line, &len);
    if (rc < 0) return rc;
    if (len < 2 || line[0] != prefix || str_to_ll(line + 1, len - 1, out) < 0 || *out < min || *out > max) {
        char shown[40];
        size_t n = len < 20 ? len : 20;
        for (size_t i = 0; i < n; i++) shown[i] = isprint((unsigned char)line[i]) ? line[i] : '?';
        shown[n] = '\0';
        return rd_fail(r, -EBADMSG, cmd_start, "expected '%c<number>' at offset %llu, got \"%s\"", prefix,
                       (unsigned long long)at, shown);
    }
    return 0;
}

/* Skip annotation lines ("#TS:..."): Redis reads them with a 1024-byte
 * line buffer; anything longer is not an annotation. */
static int rd_skip_annotations(aof_reader *r, int *eof) {
    for (;;) {
        ssize_t avail = rd_fill(r, 1);
        if (avail < 0) return rd_fail(r, (int)avail, rd_pos(r), "read error: %s", strerror((int)-avail));
        if (avail == 0) {
            *eof = 1;
            return 0;
        }
        if (r->buf[r->bpos] != '#') return 0;
        uint64_t start = rd_pos(r);
        avail = rd_fill(r, AOF_MANIFEST_MAX_LINE);
        if (avail < 0) return rd_fail(r, (int)avail, start, "read error: %s", strerror((int)-avail));
        const char *nl = memchr(r->buf + r->bpos, '\n', (size_t)avail);
        if (!nl) {
            if ((size_t)avail >= AOF_MANIFEST_MAX_LINE)
                return rd_fail(r, -EBADMSG, start, "annotation too long at offset %llu",
                               (unsigned long long)start);
            return rd_fail(r, -ENODATA, start, "unexpected end of file in an annotation");
        }
        r->bpos = (size_t)(nl - r->buf) + 1;
        r->good = rd_pos(r);
    }
}

static int rd_bulk(aof_reader *r, uint64_t cmd_start, sds *out) {
    long long len;
    int rc = rd_number(r, cmd_start, '$', 0, LLONG_MAX, &len);
    if (rc < 0) return rc;
    /* Invariant (3): never allocate past the end of the file. */
    uint64_t left = r->end - rd_pos(r);
    if ((uint64_t)len + 2 > left) return rd_fail(r, -ENODATA, cmd_start, "unexpected end of file in an argument");
    sds s = sds_newlen(NULL, (size_t)len);
    size_t got = 0;
    while (got < (size_t)len) {
        ssize_t avail = rd_fill(r, 1);
        if (avail <= 0) {
            sds_free(s);
            if (avail < 0) return rd_fail(r, (int)avail, cmd_start, "read error: %s", strerror((int)-avail));
            return rd_fail(r, -ENODATA, cmd_start, "unexpected end of file in an argument");
        }
        size_t n = (size_t)avail < (size_t)len - got ? (size_t)avail : (size_t)len - got;
        memcpy(s + got, r->buf + r->bpos, n);
        r->bpos += n;
        got += n;
    }
    ssize_t avail = rd_fill(r, 2);
    if (avail < 2) {
        sds_free(s);
        if (avail < 0) return rd_fail(r, (int)avail, cmd_start, "read error: %s", strerror((int)-avail));
        return rd_fail(r, -ENODATA, cmd_start, "unexpected end of file after an argument");
    }
    if (r->buf[r->bpos] != '\r' || r->buf[r->bpos + 1] != '\n') {
        sds_free(s);
        return rd_fail(r, -EBADMSG, cmd_start, "argument not followed by \\r\\n at offset %llu",
                       (unsigned long long)rd_pos(r));
    }
    r->bpos += 2;
    *out = s;
    return 0;
}

int aof_reader_next(aof_reader *r, int *argc_out, sds **argv_out) {
    if (r->err) return r->err;
    int eof = 0;
    int rc = rd_skip_annotations(r, &eof);
    if (rc < 0) return rc;
    if (eof) return 0;
    uint64_t start = rd_pos(r);
    if (r->buf[r->bpos] != '*') {
        unsigned char ch = (unsigned char)r->buf[r->bpos];
        if (isprint(ch))
            return rd_fail(r, -EBADMSG, start, "expected '*' at offset %llu, got '%c'", (unsigned long long)start, ch);
        return rd_fail(r, -EBADMSG, start, "expected '*' at offset %llu, got byte 0x%02x", (unsigned long long)start,
                       ch);
    }
    long long argc;
    rc = rd_number(r, start, '*', 1, RD_MAX_ARGC, &argc);
    if (rc < 0) return rc;
    /* Each argument takes at least 6 bytes ("$0\r\n\r\n"). */
    if ((uint64_t)argc * 6 > r->end - rd_pos(r))
        return rd_fail(r, -ENODATA, start, "unexpected end of file in a command");
    sds *argv = mem_alloc(sizeof(sds) * (size_t)argc);
    for (long long i = 0; i < argc; i++) {
        rc = rd_bulk(r, start, &argv[i]);
        if (rc < 0) {
            aof_free_argv((int)i, argv);
            return rc;
        }
    }
    r->good = rd_pos(r);
    *argc_out = (int)argc;
    *argv_out = argv;
    return 1;
}

int aof_tail_is_zero(int fd, uint64_t from, uint64_t end) {
    char buf[8192];
    while (from < end) {
        size_t want = end - from < sizeof(buf) ? (size_t)(end - from) : sizeof(buf);
        ssize_t n = fio_pread(fd, buf, want, (off_t)from);
        if (n <= 0) return 0;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i]) return 0;
        from += (uint64_t)n;
    }
    return 1;
}
