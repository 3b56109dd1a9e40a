/*
 * engine/quicklist.c — a doubly linked list of listpack nodes (see
 * quicklist.h), with Redis 7.0's node-size and merge rules and LZ4
 * compression of interior nodes.
 *
 * LAYOUT
 *   quicklist: head, tail, count (elements), len (nodes), fill, depth.
 *   ql_node (32 bytes): prev, next, data, sz (listpack bytes), count
 *   (elements) and three flags:
 *     compressed  data is a ql_lz block {u32 csz; bytes[csz]} holding the
 *                 LZ4-compressed listpack of sz bytes; else data is the
 *                 listpack itself;
 *     recompress  the node was decompressed in place for an access (or
 *                 changed by an iterator) and must be settled (compressed
 *                 again if interior) when the access ends;
 *     tried       a compression attempt since the last change failed (too
 *                 small, or LZ4 saved < 8 bytes): do not retry until the
 *                 node changes.
 *
 * INVARIANTS (checked by ql_check after every public call in the tests)
 *   (1) count == sum of node counts; len == number of nodes; no node is
 *       empty; prev/next links and head/tail agree;
 *   (2) every node's sz and count match its listpack;
 *   (3) with depth d > 0, the first d and the last d nodes are raw, and
 *       every other ("interior") node is compressed unless `tried`; with
 *       d == 0 no node is compressed.  Only an iterator may hold one
 *       interior node decompressed (recompress set) while it is on it.
 *
 * NODE SIZE (Redis 7.0 _quicklistNodeAllowInsert / AllowMerge)
 *   A node accepts an element of len bytes when its estimated new size
 *   sz + len + 8 is within the byte limit of a negative fill (4/8/16/32/64
 *   KiB for -1..-5); otherwise only if that estimate is <= 8 KiB and its
 *   count is below a positive fill.  Two neighbours merge when
 *   a.sz + b.sz - 7 passes the same test with count a + b <= fill.
 *   Pushes add to the end node when it accepts, else open a new node.
 *   Inserting in the middle of a full node splits it (Redis's
 *   _quicklistInsert cases, then _quicklistMergeNodes around the split).
 *   Deletions never merge; replacements happen in place (7.0).
 *
 * COMPRESSION: settle(ql, node) is Redis's __quicklistCompress: make the
 * first and last d nodes raw, compress `node` when it is interior, and
 * compress the first interior node from each side (the ones an insertion
 * or deletion at the ends may have pushed inside).  Every structural
 * change calls it, which keeps invariant (3).
 */
#include "quicklist.h"

#include <stdlib.h>
#include <string.h>

#include "listpack.h"
#include "mem.h"
#include "rdb/compress.h"
#include "util.h"

#define SIZE_SAFETY_LIMIT 8192
#define SIZE_ESTIMATE_OVERHEAD 8
#define MIN_COMPRESS_BYTES 48
#define MIN_COMPRESS_IMPROVE 8
#define NODE_MAX_COUNT ((1u << 29) - 1)
#define LP_EOF_BYTE 0xFF
#define LP_COUNT_UNKNOWN 65535u

static const size_t fill_bytes[5] = {4096, 8192, 16384, 32768, 65536};

struct ql_node {
    ql_node *prev, *next;
    unsigned char *data;
    uint32_t sz;
    uint32_t count : 29;
    uint32_t compressed : 1;
    uint32_t recompress : 1;
    uint32_t tried : 1;
};

typedef struct ql_lz {
    uint32_t csz;
    unsigned char buf[];
} ql_lz;

struct quicklist {
    ql_node *head, *tail;
    unsigned long count, len;
    int fill;
    int depth;
};

/* ---- nodes ---------------------------------------------------------------- */

static ql_node *node_new(unsigned char *lp) {
    ql_node *n = mem_calloc(sizeof(*n));
    n->data = lp;
    n->sz = (uint32_t)lp_bytes(lp);
    n->count = (uint32_t)lp_length(lp);
    return n;
}

static void node_free(ql_node *n) {
    mem_free(n->data);
    mem_free(n);
}

/* After changing a raw node's listpack. */
static void node_changed(ql_node *n, unsigned char *lp, long count_delta) {
    n->data = lp;
    n->sz = (uint32_t)lp_bytes(lp);
    n->count = (uint32_t)((long)n->count + count_delta);
    n->tried = 0;
}

/* Compress a raw node if worth it.  No-op on compressed or `tried` nodes. */
static void node_compress(ql_node *n) {
    n->recompress = 0;
    if (n->compressed || n->tried) return;
    n->tried = 1;
    if (n->sz < MIN_COMPRESS_BYTES) return;
    size_t cap = cmp_lz4_bound(n->sz);
    if (cap == 0) return;
    ql_lz *lz = mem_alloc(sizeof(*lz) + cap);
    size_t clen = cmp_lz4_compress(n->data, n->sz, lz->buf, cap);
    if (clen == 0 || clen + MIN_COMPRESS_IMPROVE >= n->sz) {
        mem_free(lz);
        return;
    }
    lz = mem_realloc(lz, sizeof(*lz) + clen);
    lz->csz = (uint32_t)clen;
    mem_free(n->data);
    n->data = (unsigned char *)lz;
    n->compressed = 1;
    n->tried = 0;
}

/* Decompress into a new buffer of n->sz bytes (the node is unchanged). */
static unsigned char *lz_expand(const ql_node *n) {
    const ql_lz *lz = (const ql_lz *)n->data;
    unsigned char *lp = mem_alloc(n->sz);
    if (cmp_lz4_decompress(lz->buf, lz->csz, lp, n->sz) != 0) abort(); /* our own memory is corrupt */
    return lp;
}

static void node_decompress(ql_node *n) {
    if (!n->compressed) return;
    unsigned char *lp = lz_expand(n);
    mem_free(n->data);
    n->data = lp;
    n->compressed = 0;
    n->tried = 0;
}

/* The node's listpack for an access; a compressed node is decompressed in
 * place and flagged to be compressed again when the access ends. */
static unsigned char *node_access(ql_node *n) {
    if (n->compressed) {
        node_decompress(n);
        n->recompress = 1;
    }
    return n->data;
}

/* ---- compression placement ---------------------------------------------- */

/* See the file comment (COMPRESSION).  node may be NULL. */
static void settle(quicklist *ql, ql_node *node) {
    if (node) node->recompress = 0;
    if (ql->depth == 0 || ql->len == 0) return;
    ql_node *f = ql->head, *r = ql->tail;
    int in_ends = 0;
    for (int i = 0; i < ql->depth; i++) {
        node_decompress(f);
        node_decompress(r);
        f->recompress = r->recompress = 0;
        if (f == node || r == node) in_ends = 1;
        if (f == r || f->next == r) return; /* the ends met: nothing is interior */
        f = f->next;
        r = r->prev;
    }
    if (node && !in_ends) node_compress(node);
    node_compress(f);
    node_compress(r);
}

/* ---- linking -------------------------------------------------------------- */

/* Link n after (after = 1) or before old; old NULL: n becomes the only node. */
static void link_node(quicklist *ql, ql_node *old, ql_node *n, int after) {
    if (!old) {
        ql->head = ql->tail = n;
        n->prev = n->next = NULL;
    } else if (after) {
        n->prev = old;
        n->next = old->next;
        if (old->next) old->next->prev = n;
        else ql->tail = n;
        old->next = n;
    } else {
        n->next = old;
        n->prev = old->prev;
        if (old->prev) old->prev->next = n;
        else ql->head = n;
        old->prev = n;
    }
    ql->len++;
    ql->count += n->count;
}

static void unlink_node(quicklist *ql, ql_node *n) {
    if (n->prev) n->prev->next = n->next;
    else ql->head = n->next;
    if (n->next) n->next->prev = n->prev;
    else ql->tail = n->prev;
    ql->len--;
    ql->count -= n->count;
    node_free(n);
}

/* ---- size rules ----------------------------------------------------------- */

static int size_within_fill(size_t sz, int fill) {
    return fill < 0 && sz <= fill_bytes[-fill - 1];
}

static int node_accepts(const quicklist *ql, const ql_node *n, size_t len) {
    if (!n) return 0;
    size_t est = (size_t)n->sz + len + SIZE_ESTIMATE_OVERHEAD;
    if (size_within_fill(est, ql->fill)) return 1;
    if (est > SIZE_SAFETY_LIMIT) return 0;
    return (long)n->count < (long)ql->fill;
}

static int nodes_may_merge(const quicklist *ql, const ql_node *a, const ql_node *b) {
    if (!a || !b) return 0;
    size_t est = (size_t)a->sz + b->sz - 7;
    if (size_within_fill(est, ql->fill)) return 1;
    if (est > SIZE_SAFETY_LIMIT) return 0;
    return (long)a->count + (long)b->count <= (long)ql->fill;
}

/* ---- life cycle ----------------------------------------------------------- */

static int clamp_fill(int fill) { return fill > QL_FILL_MAX ? QL_FILL_MAX : fill < QL_FILL_MIN ? QL_FILL_MIN : fill; }
static int clamp_depth(int depth) { return depth < 0 ? 0 : depth > QL_DEPTH_MAX ? QL_DEPTH_MAX : depth; }

quicklist *ql_new(int fill, int depth) {
    quicklist *ql = mem_calloc(sizeof(*ql));
    ql->fill = clamp_fill(fill);
    ql->depth = clamp_depth(depth);
    return ql;
}

void ql_free(quicklist *ql) {
    if (!ql) return;
    ql_node *n = ql->head;
    while (n) {
        ql_node *next = n->next;
        node_free(n);
        n = next;
    }
    mem_free(ql);
}

static unsigned char *data_dup(const ql_node *n) {
    size_t bytes = n->compressed ? sizeof(ql_lz) + ((const ql_lz *)n->data)->csz : n->sz;
    unsigned char *d = mem_alloc(bytes);
    memcpy(d, n->data, bytes);
    return d;
}

quicklist *ql_dup(const quicklist *ql) {
    quicklist *copy = ql_new(ql->fill, ql->depth);
    for (const ql_node *n = ql->head; n; n = n->next) {
        ql_node *c = mem_calloc(sizeof(*c));
        c->data = data_dup(n);
        c->sz = n->sz;
        c->count = n->count;
        c->compressed = n->compressed;
        c->tried = n->tried;
        link_node(copy, copy->tail, c, 1);
    }
    return copy;
}

void ql_set_options(quicklist *ql, int fill, int depth) {
    ql->fill = clamp_fill(fill);
    ql->depth = clamp_depth(depth);
    /* Re-place compression for the new depth: everything raw, then settle
     * each node (O(len * depth), only ever done on fresh lists). */
    for (ql_node *n = ql->head; n; n = n->next) {
        node_decompress(n);
        n->recompress = 0;
    }
    for (ql_node *n = ql->head; n; n = n->next) settle(ql, n);
}

/* ---- size ------------------------------------------------------------------- */

unsigned long ql_count(const quicklist *ql) { return ql->count; }
unsigned long ql_node_count(const quicklist *ql) { return ql->len; }

size_t ql_mem(const quicklist *ql) {
    size_t total = sizeof(*ql);
    for (const ql_node *n = ql->head; n; n = n->next)
        total += sizeof(*n) + (n->compressed ? sizeof(ql_lz) + ((const ql_lz *)n->data)->csz : n->sz);
    return total;
}

/* ---- values ------------------------------------------------------------------ */

static void val_at(const unsigned char *p, ql_val *v) {
    size_t len = 0;
    long long ll = 0;
    unsigned char *s = lp_get(p, &len, &ll);
    v->s = s;
    v->len = s ? len : 0;
    v->ll = s ? 0 : ll;
}

int ql_val_eq(const ql_val *v, const void *s, size_t len) {
    if (v->s) return v->len == len && (len == 0 || memcmp(v->s, s, len) == 0);
    char buf[32];
    size_t n = (size_t)ll_to_str(buf, sizeof(buf), v->ll);
    return n == len && memcmp(buf, s, len) == 0;
}

/* ---- ends ------------------------------------------------------------------- */

void ql_push(quicklist *ql, int where, const void *s, size_t len) {
    ql_node *end = where == QL_HEAD ? ql->head : ql->tail;
    if (node_accepts(ql, end, len)) {
        unsigned char *lp = node_access(end);
        lp = where == QL_HEAD ? lp_prepend(lp, s, len) : lp_append(lp, s, len);
        node_changed(end, lp, 1);
        ql->count++;
        settle(ql, end);
        return;
    }
    ql_node *n = node_new(lp_append(lp_new(), s, len));
    link_node(ql, end, n, where == QL_TAIL);
    settle(ql, n);
}

int ql_peek(quicklist *ql, int where, ql_val *v) {
    ql_node *end = where == QL_HEAD ? ql->head : ql->tail;
    if (!end) return 0;
    unsigned char *lp = node_access(end);
    end->recompress = 0; /* an end node stays raw (invariant 3) */
    val_at(where == QL_HEAD ? lp_first(lp) : lp_last(lp), v);
    return 1;
}

int ql_pop_discard(quicklist *ql, int where) {
    ql_node *end = where == QL_HEAD ? ql->head : ql->tail;
    if (!end) return 0;
    if (end->count == 1) {
        unlink_node(ql, end);
        settle(ql, NULL);
        return 1;
    }
    unsigned char *lp = node_access(end);
    lp = lp_delete(lp, where == QL_HEAD ? lp_first(lp) : lp_last(lp), NULL);
    node_changed(end, lp, -1);
    ql->count--;
    settle(ql, end);
    return 1;
}

/* ---- locating an index ---------------------------------------------------- */

/* Normalise index (negative from the tail); 0 and *node / *off (offset in
 * the node) set, or -1 when out of range.  Walks from the nearer end. */
static int locate(const quicklist *ql, long index, ql_node **node, unsigned long *off) {
    unsigned long i;
    if (index < 0) {
        if ((unsigned long)-(index + 1) >= ql->count) return -1;
        i = ql->count - (unsigned long)-(index + 1) - 1;
    } else {
        if ((unsigned long)index >= ql->count) return -1;
        i = (unsigned long)index;
    }
    if (i < ql->count / 2) {
        ql_node *n = ql->head;
        while (i >= n->count) {
            i -= n->count;
            n = n->next;
        }
        *node = n;
        *off = i;
    } else {
        unsigned long back = ql->count - 1 - i; /* from the tail */
        ql_node *n = ql->tail;
        while (back >= n->count) {
            back -= n->count;
            n = n->prev;
        }
        *node = n;
        *off = n->count - 1 - back;
    }
    return 0;
}

/* ---- by index ------------------------------------------------------------- */

int ql_replace_at(quicklist *ql, long index, const void *s, size_t len) {
    ql_node *n;
    unsigned long off;
    if (locate(ql, index, &n, &off) < 0) return 0;
    unsigned char *lp = node_access(n);
    unsigned char *p = lp_seek(lp, (long)off);
    lp = lp_replace(lp, &p, s, len);
    node_changed(n, lp, 0);
    settle(ql, n);
    return 1;
}

unsigned long ql_del_range(quicklist *ql, long index, unsigned long count) {
    ql_node *n;
    unsigned long off;
    if (count == 0 || locate(ql, index, &n, &off) < 0) return 0;
    unsigned long start = index < 0 ? ql->count - (unsigned long)-(index + 1) - 1 : (unsigned long)index;
    unsigned long left = count > ql->count - start ? ql->count - start : count, done = 0;
    while (left > 0 && n) {
        ql_node *next = n->next;
        unsigned long del = n->count - off < left ? n->count - off : left;
        if (off == 0 && del == n->count) {
            unlink_node(ql, n);
        } else {
            unsigned char *lp = node_access(n);
            lp = lp_delete_range(lp, (long)off, del);
            node_changed(n, lp, -(long)del);
            ql->count -= del;
            settle(ql, n);
        }
        left -= del;
        done += del;
        off = 0;
        n = next;
    }
    settle(ql, NULL);
    return done;
}

/* ---- splitting, merging, inserting ---------------------------------------- */

/* Concatenate b's elements onto a (b == a->next, both raw); b is unlinked
 * and freed.  Listpack entries are self-contained, so the result is a's
 * entries then b's, under a header with the summed size and count. */
static ql_node *merge_into(quicklist *ql, ql_node *a, ql_node *b) {
    node_access(a);
    node_access(b);
    size_t abytes = a->sz, bbytes = b->sz;
    size_t total = abytes + bbytes - LP_HDR_SIZE - 1;
    unsigned char *lp = mem_realloc(a->data, total);
    memcpy(lp + abytes - 1, b->data + LP_HDR_SIZE, bbytes - LP_HDR_SIZE);
    unsigned long cnt = (unsigned long)a->count + b->count;
    unsigned hdr = cnt < LP_COUNT_UNKNOWN ? (unsigned)cnt : LP_COUNT_UNKNOWN;
    for (int i = 0; i < 4; i++) lp[i] = (unsigned char)(total >> (8 * i));
    lp[4] = (unsigned char)(hdr & 0xff);
    lp[5] = (unsigned char)(hdr >> 8);
    unsigned long bcount = b->count;
    a->data = lp;
    a->sz = (uint32_t)total;
    a->count = (uint32_t)cnt;
    a->tried = 0;
    unlink_node(ql, b);  /* subtracts b's count from ql->count ... */
    ql->count += bcount; /* ... but its elements live on in a */
    settle(ql, a);
    return a;
}

/* Redis's _quicklistMergeNodes around center. */
static void merge_around(quicklist *ql, ql_node *center) {
    ql_node *prev = center->prev, *next = center->next;
    ql_node *prev_prev = prev ? prev->prev : NULL, *next_next = next ? next->next : NULL;
    if (nodes_may_merge(ql, prev_prev, prev)) merge_into(ql, prev_prev, prev);
    if (nodes_may_merge(ql, next, next_next)) merge_into(ql, next, next_next);
    ql_node *target = center;
    if (nodes_may_merge(ql, center->prev, center)) target = merge_into(ql, center->prev, center);
    if (nodes_may_merge(ql, target, target->next)) merge_into(ql, target, target->next);
}

static unsigned long offset_of(const unsigned char *lp, const unsigned char *p) {
    unsigned long i = 0;
    for (unsigned char *q = lp_first(lp); q && q != p; q = lp_next(lp, q)) i++;
    return i;
}

/* Split raw node n at element off: after = 1 -> n keeps [0, off], the new
 * node (linked after n) gets (off, end]; after = 0 -> n keeps [off, end],
 * the new node (linked before n) gets [0, off). */
static ql_node *split_node(quicklist *ql, ql_node *n, unsigned long off, int after) {
    unsigned long cnt = n->count;
    unsigned char *mine = n->data, *other = lp_dup(mine);
    unsigned long keep_from = after ? 0 : off, keep_n = after ? off + 1 : cnt - off;
    unsigned long give_from = after ? off + 1 : 0, give_n = cnt - keep_n;
    mine = lp_delete_range(mine, (long)(keep_from + keep_n), cnt - keep_from - keep_n);
    mine = lp_delete_range(mine, 0, keep_from);
    other = lp_delete_range(other, (long)(give_from + give_n), cnt - give_from - give_n);
    other = lp_delete_range(other, 0, give_from);
    node_changed(n, mine, -(long)give_n);
    ql->count -= give_n; /* link_node adds them back */
    ql_node *nn = node_new(other);
    link_node(ql, n, nn, after);
    return nn;
}

/* Insert s before/after the element at p of raw node n (Redis's
 * _quicklistInsert). */
static void insert_at(quicklist *ql, ql_node *n, unsigned char *p, int after, const void *s, size_t len) {
    unsigned char *lp = n->data;
    int full = !node_accepts(ql, n, len);
    int at_tail = after && lp_next(lp, p) == NULL;
    int at_head = !after && lp_prev(lp, p) == NULL;
    int avail_next = at_tail && node_accepts(ql, n->next, len);
    int avail_prev = at_head && node_accepts(ql, n->prev, len);

    if (!full) {
        lp = lp_insert(lp, p, after ? LP_AFTER : LP_BEFORE, s, len, NULL);
        node_changed(n, lp, 1);
        ql->count++;
        settle(ql, n);
    } else if (after && avail_next) {
        ql_node *t = n->next;
        node_changed(t, lp_prepend(node_access(t), s, len), 1);
        ql->count++;
        settle(ql, t);
        settle(ql, n);
    } else if (!after && avail_prev) {
        ql_node *t = n->prev;
        node_changed(t, lp_append(node_access(t), s, len), 1);
        ql->count++;
        settle(ql, t);
        settle(ql, n);
    } else if ((at_tail && n->next) || (at_head && n->prev)) {
        ql_node *nn = node_new(lp_append(lp_new(), s, len));
        link_node(ql, n, nn, after);
        settle(ql, nn);
        settle(ql, n);
    } else {
        ql_node *nn = split_node(ql, n, offset_of(lp, p), after);
        unsigned char *nlp = after ? lp_prepend(nn->data, s, len) : lp_append(nn->data, s, len);
        node_changed(nn, nlp, 1);
        ql->count++;
        settle(ql, nn);
        settle(ql, n);
        merge_around(ql, n);
    }
}

/* ---- iteration ---------------------------------------------------------------- */

/* The iterator leaves its node: compress it again if the access
 * decompressed it. */
static void iter_leave(ql_iter *it) {
    ql_node *n = it->node;
    if (n && n->recompress) settle(it->ql, n);
}

void ql_iter_init(ql_iter *it, quicklist *ql, int dir) {
    memset(it, 0, sizeof(*it));
    it->ql = ql;
    it->dir = dir;
    it->node = dir == QL_TAIL ? ql->head : ql->tail;
}

int ql_iter_init_at(ql_iter *it, quicklist *ql, int dir, long index) {
    ql_node *n;
    unsigned long off;
    memset(it, 0, sizeof(*it));
    it->ql = ql;
    it->dir = dir;
    if (locate(ql, index, &n, &off) < 0) return 0;
    it->node = n;
    it->p = lp_seek(node_access(n), (long)off);
    it->pending = 1;
    return 1;
}

int ql_iter_next(ql_iter *it, ql_val *v) {
    while (it->node) {
        unsigned char *lp = node_access(it->node), *p;
        if (it->pending) p = it->p;
        else if (!it->p) p = it->dir == QL_TAIL ? lp_first(lp) : lp_last(lp);
        else p = it->dir == QL_TAIL ? lp_next(lp, it->p) : lp_prev(lp, it->p);
        it->pending = 0;
        if (p) {
            it->p = p;
            val_at(p, v);
            return 1;
        }
        iter_leave(it);
        it->node = it->dir == QL_TAIL ? it->node->next : it->node->prev;
        it->p = NULL;
    }
    return 0;
}

void ql_iter_delete(ql_iter *it) {
    quicklist *ql = it->ql;
    ql_node *n = it->node;
    if (n->count == 1) {
        ql_node *following = it->dir == QL_TAIL ? n->next : n->prev;
        unlink_node(ql, n);
        settle(ql, NULL);
        it->node = following;
        it->p = NULL;
        it->pending = 0;
        return;
    }
    unsigned char *next = NULL;
    unsigned char *lp = lp_delete(n->data, it->p, &next);
    node_changed(n, lp, -1);
    n->recompress = 1; /* changed: settle it when the iterator leaves */
    ql->count--;
    it->p = it->dir == QL_TAIL ? next : (next ? lp_prev(lp, next) : lp_last(lp));
    it->pending = 1;
}

void ql_iter_insert(ql_iter *it, int after, const void *s, size_t len) {
    ql_node *n = it->node;
    n->recompress = 0; /* insert_at settles it */
    insert_at(it->ql, n, it->p, after, s, len);
    it->node = NULL;
    it->p = NULL;
    it->pending = 0;
}

void ql_iter_release(ql_iter *it) {
    iter_leave(it);
    it->node = NULL;
    it->p = NULL;
}

/* ---- nodes: RDB export/import -------------------------------------------------- */

ql_node *ql_first_node(const quicklist *ql) { return ql->head; }
ql_node *ql_node_next(const ql_node *n) { return n->next; }
unsigned long ql_node_elements(const ql_node *n) { return n->count; }

const unsigned char *ql_node_listpack(const ql_node *n, size_t *len, unsigned char **owned) {
    *len = n->sz;
    if (!n->compressed) {
        *owned = NULL;
        return n->data;
    }
    *owned = lz_expand(n);
    return *owned;
}

void ql_append_listpack(quicklist *ql, unsigned char *lp) {
    unsigned long cnt = lp_length(lp);
    if (cnt == 0) {
        lp_free(lp);
        return;
    }
    if (cnt > NODE_MAX_COUNT) { /* more than a node can count: add one by one */
        unsigned char buf[LP_INTBUF_SIZE];
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
            size_t l;
            unsigned char *s = lp_get_str(p, &l, buf);
            ql_push(ql, QL_TAIL, s, l);
        }
        lp_free(lp);
        return;
    }
    ql_node *n = node_new(lp);
    link_node(ql, ql->tail, n, 1);
    settle(ql, n);
}

/* ---- testing ------------------------------------------------------------------- */

unsigned long ql_compressed_nodes(const quicklist *ql) {
    unsigned long k = 0;
    for (const ql_node *n = ql->head; n; n = n->next) k += n->compressed;
    return k;
}

static int check_node(const ql_node *n, const char **why) {
    unsigned char *owned = NULL;
    size_t len;
    const unsigned char *lp = ql_node_listpack(n, &len, &owned);
    int bad = lp_validate(lp, len) != 0 ? 1 : lp_length(lp) != n->count ? 2 : n->count == 0 ? 3 : 0;
    mem_free(owned);
    static const char *const msg[] = {NULL, "node listpack invalid", "node count mismatch", "empty node"};
    if (bad) *why = msg[bad];
    return bad ? -1 : 0;
}

int ql_check(const quicklist *ql, const char **why) {
    unsigned long count = 0, len = 0, idx = 0;
    const ql_node *prev = NULL;
    *why = NULL;
    for (const ql_node *n = ql->head; n; prev = n, n = n->next, idx++) {
        if (n->prev != prev) return *why = "prev link broken", -1;
        if (check_node(n, why) < 0) return -1;
        count += n->count;
        len++;
    }
    if (prev != ql->tail) return *why = "tail mismatch", -1;
    if (count != ql->count) return *why = "element count mismatch", -1;
    if (len != ql->len) return *why = "node count mismatch", -1;
    idx = 0;
    for (const ql_node *n = ql->head; n; n = n->next, idx++) {
        int interior = ql->depth > 0 && idx >= (unsigned long)ql->depth && idx + ql->depth < len;
        if (n->recompress) return *why = "node left decompressed", -1;
        if (!interior && n->compressed) return *why = "end node compressed", -1;
        if (interior && !n->compressed && !n->tried) return *why = "interior node not compressed", -1;
    }
    return 0;
}
