/*
 * engine/sort.c — SORT and SORT_RO (Redis 7.0 semantics) over lists, sets
 * and sorted sets.  Prefix sort_; the handlers' rows sit in cmd_table_zset
 * (t_zset.h declares them).
 *
 *   SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
 *        [ALPHA] [STORE destination]
 *
 * How it runs (the order decides which error wins, as in Redis):
 *   1. parse the options (syntax errors, LIMIT integers);
 *   2. look the key up: a list, set or zset (else WRONGTYPE); a missing key
 *      sorts as an empty list.  A zset is converted to its skiplist
 *      encoding, even by SORT_RO: Redis does that too, and OBJECT ENCODING
 *      shows it;
 *   3. clamp LIMIT to the length; load the elements.  With a constant BY
 *      pattern (no '*': "nosort") lists and zsets keep their order (DESC
 *      walks backwards) and only the LIMIT window is loaded; a set has no
 *      order, so with STORE it is sorted ALPHA instead (deterministic);
 *   4. unless nosort, compute each element's key: the element or the value
 *      BY names (numeric: strtod of the whole text, else "One or more
 *      scores can't be converted into double"; ALPHA: the bytes), and sort
 *      stably (Redis's glibc qsort is a merge sort) comparing numbers with
 *      ties broken by the element bytes, or bytes (memcmp order when
 *      storing; strcmp order, i.e. strcoll in the C locale, for a reply),
 *      elements without a BY value first;
 *   5. reply the window, each element followed by (or, with GETs, replaced
 *      by) the GET values (null when missing); or store it as a list
 *      (missing GET values stored as "") in destination, replacing it, or
 *      delete destination for an empty result.
 *
 * Patterns: "#" is the element itself; otherwise the first '*' is replaced
 * by the element to form a key name, and "key->field" reads a hash field;
 * a pattern without '*' reads nothing.  Keys are looked up like reads
 * (expiry, hit/miss stats); only strings (or hashes with ->) give values.
 *
 * Propagation (DESIGN.md "Write path"): SORT ... STORE is replicated as its
 * result, not as SORT: DEL destination, then RPUSH destination with the
 * stored elements in chunks of SORT_PROP_CHUNK, so a replay does not
 * depend on hash-table orders or on the keys the patterns read.  An empty
 * result propagates DEL destination when it deleted something, else
 * nothing.  SORT without STORE and SORT_RO propagate nothing.
 *
 * Deliberate differences from Redis 7.0: Redis's numeric SORT tests errno
 * after strtod without clearing it first, so it fails ("One or more scores
 * can't be converted") whenever errno was left at ERANGE before, e.g. by its
 * own conversion of a listpack zset holding a subnormal score (5e-324); we
 * clear errno first and sort.  ALPHA without STORE compares in
 * the C locale (Redis uses strcoll in the locale it was started with); ties
 * of ALPHA BY values keep the input order also with LIMIT (Redis then uses
 * an unstable partial quicksort); a zset's elements are sorted in score
 * order of input rather than hash order (only ALPHA BY ties can tell).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "db.h"
#include "kv.h"
#include "mem.h"
#include "quicklist.h"
#include "reply.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_set.h"
#include "t_zset.h"

#define SORT_PROP_CHUNK 1024
#define ERR_SCORES "ERR One or more scores can't be converted into double"

typedef struct sort_opts {
    int desc, alpha, nosort, readonly;
    long long offset, count; /* LIMIT; count -1 = all */
    sds by, store;           /* borrowed from argv, NULL when absent */
    sds *gets;               /* borrowed from argv */
    int ngets;
} sort_opts;

typedef struct sort_elem {
    sds ele;      /* the element (owned) */
    double score; /* numeric sort key */
    sds cmp;      /* ALPHA BY value (owned), NULL when there is none */
} sort_elem;

/* ---- options -------------------------------------------------------------- */

static int sort_parse(kv_client *c, sort_opts *o, int readonly) {
    memset(o, 0, sizeof(*o));
    o->readonly = readonly;
    o->count = -1;
    o->gets = mem_alloc(sizeof(sds) * (size_t)c->argc);
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        sds w = c->argv[j];
        if (arg_is(w, "asc")) {
            o->desc = 0;
        } else if (arg_is(w, "desc")) {
            o->desc = 1;
        } else if (arg_is(w, "alpha")) {
            o->alpha = 1;
        } else if (arg_is(w, "limit") && left >= 2) {
            if (arg_ll(c, c->argv[j + 1], &o->offset, NULL) < 0 || arg_ll(c, c->argv[j + 2], &o->count, NULL) < 0)
                return -1;
            j += 2;
        } else if (!o->readonly && arg_is(w, "store") && left >= 1) {
            o->store = c->argv[++j];
        } else if (arg_is(w, "by") && left >= 1) {
            o->by = c->argv[++j];
            /* A constant pattern means "don't sort"; like Redis, that sticks
             * even if a later BY gives a real pattern. */
            if (strchr(o->by, '*') == NULL) o->nosort = 1;
        } else if (arg_is(w, "get") && left >= 1) {
            o->gets[o->ngets++] = c->argv[++j];
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

/* ---- patterns -------------------------------------------------------------- */

/* The value a pattern names for element subst, as a new sds, or NULL. */
static sds sort_lookup(kv_client *c, const sds pat, const sds subst) {
    if (pat[0] == '#' && pat[1] == '\0') return sds_dup(subst);
    const char *star = strchr(pat, '*');
    if (!star) return NULL;
    const char *arrow = strstr(star + 1, "->");
    size_t fieldlen = 0;
    if (arrow && arrow[2] != '\0') fieldlen = sds_len(pat) - (size_t)(arrow - pat) - 2;
    size_t prefix = (size_t)(star - pat);
    size_t postfix = sds_len(pat) - prefix - 1 - (fieldlen ? fieldlen + 2 : 0);
    sds key = sds_newlen(pat, prefix);
    key = sds_catlen(key, subst, sds_len(subst));
    key = sds_catlen(key, star + 1, postfix);
    kv_obj *o = db_lookup_read(c, c->db, key, LOOKUP_NONE);
    sds val = NULL;
    if (o && fieldlen && o->type == OBJ_HASH) {
        const unsigned char *v;
        size_t vlen;
        unsigned char buf[LP_INTBUF_SIZE];
        if (hash_obj_get(o, arrow + 2, fieldlen, &v, &vlen, buf)) val = sds_newlen(v, vlen);
    } else if (o && !fieldlen && o->type == OBJ_STRING) {
        val = obj_to_sds(o);
    }
    sds_free(key);
    return val;
}

/* ---- loading the elements -------------------------------------------------- */

typedef struct sort_vec {
    sort_elem *v;
    long n, cap;
} sort_vec;

static void vec_push(sort_vec *vec, sds ele) {
    if (vec->n == vec->cap) {
        vec->cap = vec->cap ? vec->cap * 2 : 16;
        vec->v = mem_realloc(vec->v, sizeof(sort_elem) * (size_t)vec->cap);
    }
    vec->v[vec->n].ele = ele;
    vec->v[vec->n].score = 0;
    vec->v[vec->n].cmp = NULL;
    vec->n++;
}

static sds ql_val_sds(const ql_val *v) { return v->s ? sds_newlen(v->s, v->len) : sds_fromll(v->ll); }

/* n list elements from index start (counted from the tail with desc). */
static void load_list(sort_vec *vec, const kv_obj *o, long start, long n, int desc) {
    quicklist *ql = o->ptr;
    ql_iter it;
    ql_val v;
    long len = (long)ql_count(ql);
    if (n <= 0) return;
    if (!ql_iter_init_at(&it, ql, desc ? QL_HEAD : QL_TAIL, desc ? len - start - 1 : start)) return;
    while (n-- > 0 && ql_iter_next(&it, &v)) vec_push(vec, ql_val_sds(&v));
    ql_iter_release(&it);
}

static void load_set(sort_vec *vec, const kv_obj *o) {
    set_iter it;
    const unsigned char *p;
    size_t len;
    set_iter_init(&it, o);
    while (set_iter_next(&it, &p, &len)) vec_push(vec, sds_newlen(p, len));
    set_iter_reset(&it);
}

static void load_zset(sort_vec *vec, const kv_obj *o, long start, long n, int desc) {
    zset_iter it;
    const char *m;
    size_t len;
    double score;
    zset_iter_init(&it, o, (unsigned long)start, desc);
    while (n-- > 0 && zset_iter_next(&it, &m, &len, &score)) vec_push(vec, sds_newlen(m, len));
}

/* ---- sorting ---------------------------------------------------------------- */

static int bytes_cmp(const sds a, const sds b, int binary) {
    if (!binary) return strcmp(a, b);
    size_t al = sds_len(a), bl = sds_len(b), n = al < bl ? al : bl;
    int r = n ? memcmp(a, b, n) : 0;
    if (r) return r;
    return al < bl ? -1 : al > bl ? 1 : 0;
}

static int elem_cmp(const sort_elem *a, const sort_elem *b, const sort_opts *o) {
    int cmp, binary = o->store != NULL;
    if (!o->alpha) {
        if (a->score != b->score) cmp = a->score > b->score ? 1 : -1;
        else cmp = bytes_cmp(a->ele, b->ele, 1);
    } else if (o->by) {
        if (!a->cmp || !b->cmp) cmp = a->cmp == b->cmp ? 0 : !a->cmp ? -1 : 1;
        else cmp = bytes_cmp(a->cmp, b->cmp, binary);
    } else {
        cmp = bytes_cmp(a->ele, b->ele, binary);
    }
    return o->desc ? -cmp : cmp;
}

/* Stable merge sort of v[0..n) using tmp (n elements). */
static void merge_sort(sort_elem *v, sort_elem *tmp, long n, const sort_opts *o) {
    if (n < 2) return;
    long mid = n / 2;
    merge_sort(v, tmp, mid, o);
    merge_sort(v + mid, tmp, n - mid, o);
    long i = 0, j = mid, k = 0;
    while (i < mid && j < n) tmp[k++] = elem_cmp(&v[j], &v[i], o) < 0 ? v[j++] : v[i++];
    while (i < mid) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, sizeof(sort_elem) * (size_t)n);
}

/* Fills the sort keys; returns -1 when a numeric key is not a number. */
static int sort_keys(kv_client *c, sort_vec *vec, const sort_opts *o) {
    int bad = 0;
    for (long j = 0; j < vec->n; j++) {
        sort_elem *e = &vec->v[j];
        sds val = o->by ? sort_lookup(c, o->by, e->ele) : e->ele;
        if (!val) continue;
        if (o->alpha) {
            if (o->by) e->cmp = val;
            continue;
        }
        char *end;
        errno = 0;
        e->score = strtod(val, &end);
        if (*end != '\0' || errno == ERANGE || isnan(e->score)) bad = 1;
        if (o->by) sds_free(val);
    }
    return bad ? -1 : 0;
}

/* ---- output ------------------------------------------------------------------ */

static void sort_reply(kv_client *c, const sort_vec *vec, long start, long end, const sort_opts *o) {
    long n = end - start + 1;
    reply_array(c, o->ngets ? o->ngets * n : n);
    for (long j = start; j <= end; j++) {
        if (!o->ngets) reply_bulk(c, vec->v[j].ele, sds_len(vec->v[j].ele));
        for (int g = 0; g < o->ngets; g++) {
            sds val = sort_lookup(c, o->gets[g], vec->v[j].ele);
            if (val) reply_bulk_sds(c, val);
            else reply_null(c);
        }
    }
}

/* The propagated form of a stored result (see the top). */
static void sort_propagate(kv_client *c, const sds dst, sds *items, long n) {
    sds del[2] = {sds_new("DEL"), sds_dup(dst)};
    cmd_also_propagate(c->srv, c->db->id, 2, del);
    sds_free(del[0]);
    sds_free(del[1]);
    for (long i = 0; i < n; i += SORT_PROP_CHUNK) {
        long k = n - i < SORT_PROP_CHUNK ? n - i : SORT_PROP_CHUNK;
        sds *v = mem_alloc(sizeof(sds) * (size_t)(k + 2));
        v[0] = sds_new("RPUSH");
        v[1] = dst;
        memcpy(v + 2, items + i, sizeof(sds) * (size_t)k);
        cmd_also_propagate(c->srv, c->db->id, (int)k + 2, v);
        sds_free(v[0]);
        mem_free(v);
    }
}

static void sort_store(kv_client *c, const sort_vec *vec, long start, long end, const sort_opts *o) {
    long n = (end - start + 1) * (o->ngets ? o->ngets : 1), k = 0;
    sds *items = mem_alloc(sizeof(sds) * (size_t)(n ? n : 1));
    for (long j = start; j <= end; j++) {
        if (!o->ngets) items[k++] = sds_dup(vec->v[j].ele);
        for (int g = 0; g < o->ngets; g++) {
            sds val = sort_lookup(c, o->gets[g], vec->v[j].ele);
            items[k++] = val ? val : sds_empty();
        }
    }
    c->flags |= CLIENT_PREVENT_PROP;
    if (n) {
        kv_obj *list = list_obj_new(c->srv->cfg);
        for (long i = 0; i < n; i++) ql_push(list->ptr, QL_TAIL, items[i], sds_len(items[i]));
        db_set(c->srv, c->db, o->store, list, 0);
        db_touch_key(c->srv, c->db, o->store);
        c->srv->dirty += n;
        sort_propagate(c, o->store, items, n);
    } else if (db_delete(c->srv, c->db, o->store)) {
        db_touch_key(c->srv, c->db, o->store);
        c->srv->dirty++;
        sort_propagate(c, o->store, NULL, 0);
    }
    for (long i = 0; i < n; i++) sds_free(items[i]);
    mem_free(items);
    reply_int(c, n);
}

/* ---- the command ----------------------------------------------------------------- */

static long sort_length(const kv_obj *o) {
    if (!o) return 0;
    if (o->type == OBJ_LIST) return (long)ql_count(o->ptr);
    if (o->type == OBJ_SET) return (long)set_obj_len(o);
    return (long)zset_obj_length(o);
}

/* Loads n elements of val from start (a window only with nosort: lists and
 * zsets keep their order, DESC walking from the end). */
static void sort_load(sort_vec *vec, const kv_obj *val, long start, long n, const sort_opts *o) {
    if (!val) return;
    if (val->type == OBJ_SET) load_set(vec, val);
    else if (val->type == OBJ_LIST) load_list(vec, val, o->nosort ? start : 0, n, o->nosort && o->desc);
    else load_zset(vec, val, o->nosort ? start : 0, n, o->nosort && o->desc);
}

static void sort_generic(kv_client *c, int readonly) {
    sort_opts o;
    sort_vec vec = {NULL, 0, 0};
    if (sort_parse(c, &o, readonly) < 0) goto done;
    kv_obj *val = db_lookup_read(c, c->db, c->argv[1], LOOKUP_NONE);
    if (val && val->type != OBJ_SET && val->type != OBJ_LIST && val->type != OBJ_ZSET) {
        reply_error(c, ERR_WRONGTYPE);
        goto done;
    }
    if (o.nosort && val && val->type == OBJ_SET && o.store) { /* sets have no order of their own */
        o.nosort = 0;
        o.alpha = 1;
        o.by = NULL;
    }
    if (val && val->type == OBJ_ZSET) zset_obj_convert(val, OBJ_ENC_SKIPLIST);
    long len = sort_length(val), start, end, count;
    start = o.offset < 0 ? 0 : o.offset > len ? len : (long)o.offset;
    count = o.count < -1 ? -1 : o.count > len ? len : (long)o.count;
    end = count < 0 ? len - 1 : start + count - 1;
    if (start >= len) {
        start = len - 1;
        end = len - 2;
    }
    if (end >= len) end = len - 1;
    long n = len;
    if (val && val->type != OBJ_SET && o.nosort) {
        n = end - start + 1;
        sort_load(&vec, val, start, n, &o);
        end -= start;
        start = 0;
    } else {
        sort_load(&vec, val, 0, n, &o);
    }
    int bad = 0;
    if (!o.nosort) {
        bad = sort_keys(c, &vec, &o) < 0;
        sort_elem *tmp = mem_alloc(sizeof(sort_elem) * (size_t)(vec.n ? vec.n : 1));
        merge_sort(vec.v, tmp, vec.n, &o);
        mem_free(tmp);
    }
    if (bad) reply_error(c, ERR_SCORES);
    else if (!o.store) sort_reply(c, &vec, start, end, &o);
    else sort_store(c, &vec, start, end, &o);
done:
    for (long j = 0; j < vec.n; j++) {
        sds_free(vec.v[j].ele);
        sds_free(vec.v[j].cmp);
    }
    mem_free(vec.v);
    mem_free(o.gets);
}

void sort_command(kv_client *c) { sort_generic(c, 0); }
void sort_ro_command(kv_client *c) { sort_generic(c, 1); }
