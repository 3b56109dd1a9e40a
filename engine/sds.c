/*
 * engine/sds.c — binary-safe dynamic strings.
 *
 * Layout of one allocation:
 *
 *     [ len | alloc | type ][ bytes ... len ][ '\0' ][ spare ... ]
 *                           ^ the sds points here; type is s[-1]
 *
 * len and alloc are 8, 16, 32 or 64-bit wide depending on the type, chosen
 * from the size being allocated, so a short key costs 3 bytes of header.
 * Invariants:
 *   (1) len <= alloc <= max value of the header's width;
 *   (2) s[len] == '\0' and the allocation holds hdr + alloc + 1 bytes;
 *   (3) alloc never counts the terminator.
 * Growth is greedy (sds_makeroom): the new size is doubled below 1 MiB and
 * grows by 1 MiB above, so n appends cost O(n) amortised.  Any spare bytes the
 * allocator hands out (mem_usable) are added to alloc, capped by the type.
 */
#include "sds.h"

#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"

#define SDS_MAX_PREALLOC (1024 * 1024)

enum { SDS_T8 = 1, SDS_T16, SDS_T32, SDS_T64 };

struct __attribute__((packed)) hdr8 { uint8_t len, alloc; unsigned char type; char buf[]; };
struct __attribute__((packed)) hdr16 { uint16_t len, alloc; unsigned char type; char buf[]; };
struct __attribute__((packed)) hdr32 { uint32_t len, alloc; unsigned char type; char buf[]; };
struct __attribute__((packed)) hdr64 { uint64_t len, alloc; unsigned char type; char buf[]; };

#define HDR(T, s) ((struct hdr##T *)((s) - sizeof(struct hdr##T)))

static size_t hdr_size(int type) {
    switch (type) {
    case SDS_T8: return sizeof(struct hdr8);
    case SDS_T16: return sizeof(struct hdr16);
    case SDS_T32: return sizeof(struct hdr32);
    default: return sizeof(struct hdr64);
    }
}

static size_t type_max(int type) {
    switch (type) {
    case SDS_T8: return UINT8_MAX;
    case SDS_T16: return UINT16_MAX;
    case SDS_T32: return UINT32_MAX;
    default: return SIZE_MAX;
    }
}

/* Smallest type whose fields can hold `size`. */
static int type_for(size_t size) {
    if (size <= UINT8_MAX) return SDS_T8;
    if (size <= UINT16_MAX) return SDS_T16;
    if ((uint64_t)size <= UINT32_MAX) return SDS_T32;
    return SDS_T64;
}

static int sds_type(const sds s) { return (unsigned char)s[-1]; }

size_t sds_embedded_size(size_t len) { return sizeof(struct hdr8) + len + 1; }

sds sds_init_embedded(void *buf, const void *init, size_t len) {
    assert(len <= UINT8_MAX);
    struct hdr8 *h = buf;
    h->len = (uint8_t)len;
    h->alloc = (uint8_t)len;
    h->type = SDS_T8;
    if (len) memcpy(h->buf, init, len);
    h->buf[len] = '\0';
    return h->buf;
}

size_t sds_len(const sds s) {
    switch (sds_type(s)) {
    case SDS_T8: return HDR(8, s)->len;
    case SDS_T16: return HDR(16, s)->len;
    case SDS_T32: return HDR(32, s)->len;
    default: return HDR(64, s)->len;
    }
}

static size_t get_alloc(const sds s) {
    switch (sds_type(s)) {
    case SDS_T8: return HDR(8, s)->alloc;
    case SDS_T16: return HDR(16, s)->alloc;
    case SDS_T32: return HDR(32, s)->alloc;
    default: return HDR(64, s)->alloc;
    }
}

static void set_len(sds s, size_t len) {
    switch (sds_type(s)) {
    case SDS_T8: HDR(8, s)->len = (uint8_t)len; break;
    case SDS_T16: HDR(16, s)->len = (uint16_t)len; break;
    case SDS_T32: HDR(32, s)->len = (uint32_t)len; break;
    default: HDR(64, s)->len = len; break;
    }
}

static void set_alloc(sds s, size_t alloc) {
    switch (sds_type(s)) {
    case SDS_T8: HDR(8, s)->alloc = (uint8_t)alloc; break;
    case SDS_T16: HDR(16, s)->alloc = (uint16_t)alloc; break;
    case SDS_T32: HDR(32, s)->alloc = (uint32_t)alloc; break;
    default: HDR(64, s)->alloc = alloc; break;
    }
}

/* Record alloc from what the allocator really gave `base` (>= asked). */
static void set_alloc_usable(sds s, void *base, size_t asked) {
    size_t hs = hdr_size(sds_type(s));
    size_t usable = mem_usable(base) - hs - 1;
    if (usable < asked) usable = asked;
    size_t max = type_max(sds_type(s));
    set_alloc(s, usable > max ? max : usable);
}

size_t sds_avail(const sds s) { return get_alloc(s) - sds_len(s); }

size_t sds_alloc_size(const sds s) { return hdr_size(sds_type(s)) + get_alloc(s) + 1; }

void *sds_alloc_ptr(const sds s) { return s - hdr_size(sds_type(s)); }

sds sds_newlen(const void *init, size_t len) {
    int type = type_for(len);
    size_t hs = hdr_size(type);
    assert(hs + len + 1 > len); /* overflow */
    char *base = mem_alloc(hs + len + 1);
    sds s = base + hs;
    s[-1] = (char)type;
    set_len(s, len);
    set_alloc_usable(s, base, len);
    if (init) memcpy(s, init, len);
    else memset(s, 0, len);
    s[len] = '\0';
    return s;
}

sds sds_new(const char *cstr) { return sds_newlen(cstr ? cstr : "", cstr ? strlen(cstr) : 0); }

sds sds_empty(void) { return sds_newlen("", 0); }

sds sds_dup(const sds s) { return sds_newlen(s, sds_len(s)); }

sds sds_fromll(long long value) {
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%lld", value);
    return sds_newlen(buf, (size_t)n);
}

void sds_free(sds s) {
    if (s) mem_free(sds_alloc_ptr(s));
}

/* Reallocate s so alloc >= newalloc, switching header width if needed. */
static sds realloc_to(sds s, size_t newalloc) {
    size_t len = sds_len(s);
    int oldtype = sds_type(s), type = type_for(newalloc);
    size_t hs = hdr_size(type);
    assert(hs + newalloc + 1 > newalloc);
    char *base;
    if (type == oldtype) {
        base = mem_realloc(s - hs, hs + newalloc + 1);
        s = base + hs;
    } else {
        base = mem_alloc(hs + newalloc + 1);
        memcpy(base + hs, s, len + 1);
        mem_free(s - hdr_size(oldtype));
        s = base + hs;
        s[-1] = (char)type;
        set_len(s, len);
    }
    set_alloc_usable(s, base, newalloc);
    return s;
}

static sds makeroom(sds s, size_t addlen, int greedy) {
    if (sds_avail(s) >= addlen) return s;
    size_t len = sds_len(s), newlen = len + addlen;
    assert(newlen > len); /* overflow */
    if (greedy) {
        if (newlen < SDS_MAX_PREALLOC) newlen *= 2;
        else newlen += SDS_MAX_PREALLOC;
    }
    return realloc_to(s, newlen);
}

sds sds_makeroom(sds s, size_t addlen) { return makeroom(s, addlen, 1); }

sds sds_makeroom_exact(sds s, size_t addlen) { return makeroom(s, addlen, 0); }

void sds_incrlen(sds s, ssize_t incr) {
    size_t len = sds_len(s);
    if (incr >= 0) assert(sds_avail(s) >= (size_t)incr);
    else assert(len >= (size_t)-incr);
    len += (size_t)incr;
    set_len(s, len);
    s[len] = '\0';
}

void sds_setlen(sds s, size_t len) {
    assert(len <= get_alloc(s));
    set_len(s, len);
    s[len] = '\0';
}

sds sds_remove_free(sds s) {
    size_t len = sds_len(s);
    if (get_alloc(s) == len) return s;
    int type = type_for(len);
    size_t hs = hdr_size(type);
    char *base = mem_alloc(hs + len + 1);
    memcpy(base + hs, s, len + 1);
    mem_free(sds_alloc_ptr(s));
    s = base + hs;
    s[-1] = (char)type;
    set_len(s, len);
    set_alloc(s, len); /* exact on purpose: the caller asked for no spare */
    return s;
}

sds sds_growzero(sds s, size_t len) {
    size_t cur = sds_len(s);
    if (len <= cur) return s;
    s = sds_makeroom(s, len - cur);
    memset(s + cur, 0, len - cur + 1);
    set_len(s, len);
    return s;
}

sds sds_catlen(sds s, const void *t, size_t len) {
    size_t cur = sds_len(s);
    s = sds_makeroom(s, len);
    memcpy(s + cur, t, len);
    set_len(s, cur + len);
    s[cur + len] = '\0';
    return s;
}

sds sds_cat(sds s, const char *t) { return sds_catlen(s, t, strlen(t)); }

sds sds_catsds(sds s, const sds t) { return sds_catlen(s, t, sds_len(t)); }

sds sds_catvprintf(sds s, const char *fmt, va_list ap) {
    size_t cur = sds_len(s);
    for (;;) {
        va_list cp;
        va_copy(cp, ap);
        size_t room = sds_avail(s) + 1; /* the terminator slot is ours too */
        int n = vsnprintf(s + cur, room, fmt, cp);
        va_end(cp);
        if (n < 0) { /* encoding error: leave s as it was */
            s[cur] = '\0';
            return s;
        }
        if ((size_t)n < room) {
            set_len(s, cur + (size_t)n);
            return s;
        }
        s = sds_makeroom(s, (size_t)n);
    }
}

sds sds_catprintf(sds s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    s = sds_catvprintf(s, fmt, ap);
    va_end(ap);
    return s;
}

sds sds_catrepr(sds s, const char *p, size_t len) {
    s = sds_catlen(s, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        switch (c) {
        case '\\':
        case '"': s = sds_catprintf(s, "\\%c", c); break;
        case '\n': s = sds_catlen(s, "\\n", 2); break;
        case '\r': s = sds_catlen(s, "\\r", 2); break;
        case '\t': s = sds_catlen(s, "\\t", 2); break;
        case '\a': s = sds_catlen(s, "\\a", 2); break;
        case '\b': s = sds_catlen(s, "\\b", 2); break;
        default:
            if (isprint(c)) s = sds_catlen(s, &p[i], 1);
            else s = sds_catprintf(s, "\\x%02x", c);
        }
    }
    return sds_catlen(s, "\"", 1);
}

sds sds_cpylen(sds s, const char *t, size_t len) {
    if (get_alloc(s) < len) s = sds_makeroom(s, len - sds_len(s));
    memmove(s, t, len);
    s[len] = '\0';
    set_len(s, len);
    return s;
}

sds sds_cpy(sds s, const char *t) { return sds_cpylen(s, t, strlen(t)); }

/* Negative indexes count from the end; start is clamped to 0; an end that
 * is still negative after adding len, or start > end, or start >= len, gives
 * the empty string; end >= len is clamped to the last byte. */
void sds_range(sds s, ssize_t start, ssize_t end) {
    ssize_t len = (ssize_t)sds_len(s);
    if (start < 0 && (start += len) < 0) start = 0;
    if (end < 0) end += len;
    if (end >= len) end = len - 1;
    size_t newlen = 0;
    if (end >= 0 && start <= end && start < len) newlen = (size_t)(end - start + 1);
    if (newlen && start) memmove(s, s + start, newlen);
    sds_setlen(s, newlen);
}

void sds_clear(sds s) { sds_setlen(s, 0); }

void sds_tolower(sds s) {
    for (size_t i = 0, n = sds_len(s); i < n; i++) s[i] = (char)tolower((unsigned char)s[i]);
}

void sds_toupper(sds s) {
    for (size_t i = 0, n = sds_len(s); i < n; i++) s[i] = (char)toupper((unsigned char)s[i]);
}

sds sds_trim(sds s, const char *cset) {
    size_t len = sds_len(s), a = 0, b = len;
    while (a < b && strchr(cset, s[a]) && s[a]) a++;
    while (b > a && strchr(cset, s[b - 1]) && s[b - 1]) b--;
    if (a) memmove(s, s + a, b - a);
    sds_setlen(s, b - a);
    return s;
}

int sds_cmp(const sds a, const sds b) {
    size_t la = sds_len(a), lb = sds_len(b);
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c) return c;
    return la < lb ? -1 : la > lb;
}

/* ---- splitting ---------------------------------------------------------- */

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One "double quoted" word starting after the opening quote; *pp is left
 * after the closing quote.  Returns 0, or -1 on unbalanced quotes / a closing
 * quote followed by a non-space. */
static int split_dquoted(const char **pp, sds *cur) {
    const char *p = *pp;
    for (;; p++) {
        if (!*p) return -1;
        if (*p == '"') break;
        if (p[0] == '\\' && p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
            char c = (char)(hexval(p[2]) * 16 + hexval(p[3]));
            *cur = sds_catlen(*cur, &c, 1);
            p += 3;
        } else if (p[0] == '\\' && p[1]) {
            char c = *++p;
            switch (c) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'a': c = '\a'; break;
            default: break; /* \\ \" and any other char: itself */
            }
            *cur = sds_catlen(*cur, &c, 1);
        } else {
            *cur = sds_catlen(*cur, p, 1);
        }
    }
    p++;
    if (*p && !isspace((unsigned char)*p)) return -1;
    *pp = p;
    return 0;
}

static int split_squoted(const char **pp, sds *cur) {
    const char *p = *pp;
    for (;; p++) {
        if (!*p) return -1;
        if (*p == '\'') break;
        if (p[0] == '\\' && p[1] == '\'') p++;
        *cur = sds_catlen(*cur, p, 1);
    }
    p++;
    if (*p && !isspace((unsigned char)*p)) return -1;
    *pp = p;
    return 0;
}

/* One word; a quote may open after unquoted bytes ("ab"cd" -> error, but
 * ab"c d" -> "abc d"), as in Redis. */
static int split_word(const char **pp, sds *cur) {
    const char *p = *pp;
    for (;;) {
        switch (*p) {
        case ' ':
        case '\n':
        case '\r':
        case '\t':
        case '\0': *pp = p; return 0;
        case '"':
            p++;
            if (split_dquoted(&p, cur) < 0) return -1;
            *pp = p;
            return 0;
        case '\'':
            p++;
            if (split_squoted(&p, cur) < 0) return -1;
            *pp = p;
            return 0;
        default: *cur = sds_catlen(*cur, p++, 1);
        }
    }
}

sds *sds_splitargs(const char *line, int *argc) {
    const char *p = line;
    sds *v = mem_alloc(sizeof(sds));
    *argc = 0;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) return v;
        sds cur = sds_empty();
        if (split_word(&p, &cur) < 0) {
            sds_free(cur);
            sds_freesplit(v, *argc);
            *argc = 0;
            return NULL;
        }
        v = mem_realloc(v, sizeof(sds) * (size_t)(*argc + 1));
        v[(*argc)++] = cur;
    }
}

void sds_freesplit(sds *tokens, int count) {
    if (!tokens) return;
    for (int i = 0; i < count; i++) sds_free(tokens[i]);
    mem_free(tokens);
}

/* Returns NULL (and *count 0) when len < 0 or seplen < 1; an empty input
 * gives an empty array. */
sds *sds_splitlen(const char *s, ssize_t len, const char *sep, int seplen, int *count) {
    *count = 0;
    if (len < 0 || seplen < 1) return NULL;
    size_t slots = 5, n = 0, start = 0, ulen = (size_t)len, usep = (size_t)seplen;
    sds *v = mem_alloc(sizeof(sds) * slots);
    if (ulen == 0) return v;
    for (size_t j = 0; j + usep <= ulen; j++) {
        if (memcmp(s + j, sep, usep) != 0) continue;
        if (n + 2 > slots) v = mem_realloc(v, sizeof(sds) * (slots *= 2));
        v[n++] = sds_newlen(s + start, j - start);
        start = j + usep;
        j = start - 1;
    }
    if (n + 1 > slots) v = mem_realloc(v, sizeof(sds) * (slots + 1));
    v[n++] = sds_newlen(s + start, ulen - start);
    *count = (int)n;
    return v;
}

void sds_vec_push(sds_vec *a, sds s) {
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = mem_realloc(a->v, sizeof(sds) * (size_t)a->cap);
    }
    a->v[a->n++] = s;
}
