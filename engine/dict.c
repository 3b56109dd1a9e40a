/*
 * engine/dict.c — chained hash table with incremental rehash.
 *
 * Layout: two bucket arrays ht[0] and ht[1], each a power of two in size
 * (exp[i] = log2 of the size, -1 when the table is absent).  Normally only
 * ht[0] exists.  A resize allocates ht[1] and sets rehash_idx = 0; from then
 * on every lookup/insert/delete (and dict_rehash_ms from the cron) moves one
 * more bucket of ht[0] into ht[1], in index order; when ht[0] is empty it is
 * freed and ht[1] becomes ht[0].
 *
 * Invariants:
 *   (1) rehash_idx == -1  <=>  ht[1] is absent;
 *   (2) while rehashing, buckets of ht[0] below rehash_idx are empty and new
 *       entries go to ht[1] only, so each key lives in exactly one table;
 *   (3) while pause > 0 (a safe iterator is live) no bucket is moved, so an
 *       iteration sees every entry exactly once even if it adds or deletes;
 *   (4) used[i] is the number of entries in ht[i].
 *
 * Growth: when used >= buckets (load factor 1), or > 5x buckets while
 * resizing is disabled process-wide (a fork child is alive and moving memory
 * would copy pages), to the next power of two >= used + 1.  Shrinking is the
 * caller's decision (dict_shrink_if_needed: < 1/8 full, bigger than the
 * initial 4 buckets).  While resizing is disabled, rehash steps also stall
 * unless the two tables differ by 5x or more.
 *
 * dict_scan's cursor counts with its bits reversed (high bit first), so the
 * buckets visited so far are the same set of hash prefixes in a table of any
 * size; see scan_next().
 *
 * Keys with a key_dup callback: the dict stores key_dup(key) and never takes
 * the caller's pointer (the caller keeps and frees it).  Without key_dup the
 * dict takes the pointer itself.
 */
#include "dict.h"

#include <assert.h>
#include <string.h>
#include <time.h>

#include "mem.h"
#include "sds.h"

#define DICT_INIT_EXP 2 /* 4 buckets */
#define DICT_FORCE_RATIO 5
#define DICT_EMPTY_CB_EVERY 65536

struct dict {
    const dict_type *type;
    dict_entry **ht[2];
    unsigned long used[2];
    signed char exp[2];
    long rehash_idx; /* -1 when not rehashing */
    int pause;       /* live safe iterators / scans: no rehash steps */
};

static int resize_enabled = 1;
static uint8_t hash_seed[16];

/* ---- sizes -------------------------------------------------------------- */

static unsigned long ht_size(signed char exp) { return exp < 0 ? 0 : 1UL << exp; }
static unsigned long ht_mask(signed char exp) { return exp < 0 ? 0 : (1UL << exp) - 1; }

/* Exponent of the smallest power of two >= size, at least 4 buckets. */
static signed char exp_for(unsigned long size) {
    signed char e = DICT_INIT_EXP;
    while (e < (signed char)(sizeof(long) * 8 - 2) && (1UL << e) < size) e++;
    return e;
}

size_t dict_size(const dict *d) { return d->used[0] + d->used[1]; }
size_t dict_buckets(const dict *d) { return ht_size(d->exp[0]) + ht_size(d->exp[1]); }
int dict_is_rehashing(const dict *d) { return d->rehash_idx != -1; }

/* ---- keys and values ---------------------------------------------------- */

static uint64_t key_hash(const dict *d, const void *key) { return d->type->hash(key); }

static int key_eq(const dict *d, const void *a, const void *b) {
    if (a == b) return 1;
    return d->type->key_eq ? d->type->key_eq(a, b) : 0;
}

static void free_key(const dict *d, void *key) {
    if (d->type->key_free) d->type->key_free(key);
}

/* A value never set (dict_add_raw) is NULL: val_free never sees NULL. */
static void free_val(const dict *d, void *val) {
    if (val && d->type->val_free) d->type->val_free(val);
}

static void free_entry(const dict *d, dict_entry *de) {
    free_key(d, de->key);
    free_val(d, de->v.val);
    mem_free(de);
}

/* ---- create / release --------------------------------------------------- */

static void reset_table(dict *d, int t) {
    d->ht[t] = NULL;
    d->used[t] = 0;
    d->exp[t] = -1;
}

dict *dict_create(const dict_type *type) {
    dict *d = mem_alloc(sizeof(*d));
    d->type = type;
    reset_table(d, 0);
    reset_table(d, 1);
    d->rehash_idx = -1;
    d->pause = 0;
    return d;
}

static void clear_table(dict *d, int t, void (*cb)(dict *)) {
    unsigned long n = ht_size(d->exp[t]);
    for (unsigned long i = 0; i < n && d->used[t] > 0; i++) {
        if (cb && (i & (DICT_EMPTY_CB_EVERY - 1)) == 0) cb(d);
        dict_entry *de = d->ht[t][i];
        while (de) {
            dict_entry *next = de->next;
            free_entry(d, de);
            d->used[t]--;
            de = next;
        }
    }
    mem_free(d->ht[t]);
    reset_table(d, t);
}

void dict_empty(dict *d, void (*cb)(dict *d)) {
    clear_table(d, 0, cb);
    clear_table(d, 1, cb);
    d->rehash_idx = -1;
}

void dict_release(dict *d) {
    if (!d) return;
    dict_empty(d, NULL);
    mem_free(d);
}

/* ---- resize and rehash -------------------------------------------------- */

/* Start a resize to the power of two >= size.  -1 when rehashing already,
 * when size is below the entry count, or when the size would not change. */
static int resize(dict *d, unsigned long size) {
    if (dict_is_rehashing(d) || size < d->used[0]) return -1;
    signed char e = exp_for(size);
    if (e == d->exp[0]) return -1;
    dict_entry **t = mem_calloc(sizeof(dict_entry *) * (1UL << e));
    if (!d->ht[0]) { /* first table: nothing to move */
        d->ht[0] = t;
        d->exp[0] = e;
        return 0;
    }
    d->ht[1] = t;
    d->exp[1] = e;
    d->used[1] = 0;
    d->rehash_idx = 0;
    return 0;
}

int dict_expand(dict *d, unsigned long size) { return resize(d, size); }

void dict_set_resize_enabled(int enabled) { resize_enabled = enabled; }

static void expand_if_needed(dict *d) {
    if (dict_is_rehashing(d)) return;
    if (!d->ht[0]) {
        resize(d, 1UL << DICT_INIT_EXP);
        return;
    }
    unsigned long size = ht_size(d->exp[0]);
    if (d->used[0] < size) return;
    if (resize_enabled || d->used[0] / size > DICT_FORCE_RATIO) resize(d, d->used[0] + 1);
}

int dict_shrink_if_needed(dict *d) {
    if (!resize_enabled || dict_is_rehashing(d)) return -1;
    unsigned long size = ht_size(d->exp[0]);
    if (size <= (1UL << DICT_INIT_EXP) || d->used[0] * 8 >= size) return -1;
    return resize(d, d->used[0]);
}

/* While resizing is disabled, moving buckets is postponed unless the table
 * is badly out of shape. */
static int rehash_allowed(const dict *d) {
    if (resize_enabled) return 1;
    unsigned long s0 = ht_size(d->exp[0]), s1 = ht_size(d->exp[1]);
    return s0 > s1 ? s0 / s1 >= DICT_FORCE_RATIO : s1 / s0 >= DICT_FORCE_RATIO;
}

static void move_bucket(dict *d, unsigned long idx) {
    dict_entry *de = d->ht[0][idx];
    unsigned long mask = ht_mask(d->exp[1]);
    while (de) {
        dict_entry *next = de->next;
        unsigned long h = key_hash(d, de->key) & mask;
        de->next = d->ht[1][h];
        d->ht[1][h] = de;
        d->used[0]--;
        d->used[1]++;
        de = next;
    }
    d->ht[0][idx] = NULL;
}

static void finish_rehash(dict *d) {
    mem_free(d->ht[0]);
    d->ht[0] = d->ht[1];
    d->used[0] = d->used[1];
    d->exp[0] = d->exp[1];
    reset_table(d, 1);
    d->rehash_idx = -1;
}

/* Move n non-empty buckets (visiting at most 10n empty ones). Returns 1 if
 * more work remains. */
static int rehash(dict *d, int n) {
    if (!dict_is_rehashing(d)) return 0;
    if (!rehash_allowed(d)) return 1;
    int empty_budget = n * 10;
    unsigned long size0 = ht_size(d->exp[0]);
    while (n-- > 0 && d->used[0] != 0) {
        assert((unsigned long)d->rehash_idx < size0);
        while (!d->ht[0][d->rehash_idx]) {
            d->rehash_idx++;
            if (--empty_budget == 0) return 1;
        }
        move_bucket(d, (unsigned long)d->rehash_idx++);
    }
    if (d->used[0] == 0) {
        finish_rehash(d);
        return 0;
    }
    return 1;
}

static void rehash_step(dict *d) {
    if (d->pause == 0) rehash(d, 1);
}

int dict_rehash_steps(dict *d, int n) {
    if (d->pause > 0) return dict_is_rehashing(d);
    return rehash(d, n);
}

static long long ms_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dict_rehash_ms(dict *d, int ms) {
    if (d->pause > 0) return 0;
    long long start = ms_now();
    int steps = 0;
    while (rehash(d, 100)) {
        steps += 100;
        if (ms_now() - start > ms) break;
    }
    return steps;
}

/* ---- lookup, insert, delete --------------------------------------------- */

/* Lookup with a precomputed hash (dict_add_raw hashes once for both). */
static dict_entry *find_hashed(dict *d, const void *key, uint64_t h) {
    for (int t = 0; t <= 1; t++) {
        if (!d->ht[t]) break;
        for (dict_entry *de = d->ht[t][h & ht_mask(d->exp[t])]; de; de = de->next)
            if (key_eq(d, key, de->key)) return de;
        if (!dict_is_rehashing(d)) break;
    }
    return NULL;
}

dict_entry *dict_find(dict *d, const void *key) {
    if (dict_size(d) == 0) return NULL;
    if (dict_is_rehashing(d)) rehash_step(d);
    return find_hashed(d, key, key_hash(d, key));
}

void *dict_fetch_value(dict *d, const void *key) {
    dict_entry *de = dict_find(d, key);
    return de ? de->v.val : NULL;
}

dict_entry *dict_add_raw(dict *d, void *key, dict_entry **existing) {
    if (dict_is_rehashing(d)) rehash_step(d);
    uint64_t h = key_hash(d, key);
    dict_entry *de = dict_size(d) ? find_hashed(d, key, h) : NULL;
    if (de) {
        if (existing) *existing = de;
        return NULL;
    }
    expand_if_needed(d);
    int t = dict_is_rehashing(d) ? 1 : 0;
    unsigned long idx = h & ht_mask(d->exp[t]);
    de = mem_alloc(sizeof(*de));
    de->key = d->type->key_dup ? d->type->key_dup(key) : key;
    de->v.val = NULL;
    de->next = d->ht[t][idx];
    d->ht[t][idx] = de;
    d->used[t]++;
    return de;
}

int dict_add(dict *d, void *key, void *val) {
    dict_entry *de = dict_add_raw(d, key, NULL);
    if (!de) return -1;
    de->v.val = val;
    return 0;
}

void dict_set_val(dict *d, dict_entry *de, void *val) {
    void *old = de->v.val;
    de->v.val = val;
    if (old != val) free_val(d, old);
}

int dict_replace(dict *d, void *key, void *val) {
    dict_entry *existing = NULL;
    dict_entry *de = dict_add_raw(d, key, &existing);
    if (de) {
        de->v.val = val;
        return 1;
    }
    dict_set_val(d, existing, val);
    if (!d->type->key_dup && key != existing->key) free_key(d, key);
    return 0;
}

/* Detach the entry for key from its chain; NULL when absent. */
static dict_entry *unlink_entry(dict *d, const void *key) {
    if (dict_size(d) == 0) return NULL;
    if (dict_is_rehashing(d)) rehash_step(d);
    uint64_t h = key_hash(d, key);
    for (int t = 0; t <= 1; t++) {
        if (!d->ht[t]) break;
        dict_entry **pp = &d->ht[t][h & ht_mask(d->exp[t])];
        for (; *pp; pp = &(*pp)->next) {
            if (!key_eq(d, key, (*pp)->key)) continue;
            dict_entry *de = *pp;
            *pp = de->next;
            de->next = NULL;
            d->used[t]--;
            return de;
        }
        if (!dict_is_rehashing(d)) break;
    }
    return NULL;
}

int dict_delete(dict *d, const void *key) {
    dict_entry *de = unlink_entry(d, key);
    if (!de) return -1;
    free_entry(d, de);
    return 0;
}

dict_entry *dict_unlink(dict *d, const void *key) { return unlink_entry(d, key); }

void dict_free_unlinked(dict *d, dict_entry *de) {
    if (de) free_entry(d, de);
}

/* ---- iterators ---------------------------------------------------------- */

static uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Changes whenever the tables are modified in a way an unsafe iterator
 * would trip over (entries added/removed, tables swapped or resized). */
static uint64_t fingerprint(const dict *d) {
    uint64_t parts[6] = {(uint64_t)(uintptr_t)d->ht[0], (uint64_t)d->exp[0], d->used[0],
                         (uint64_t)(uintptr_t)d->ht[1], (uint64_t)d->exp[1], d->used[1]};
    uint64_t h = 0;
    for (int i = 0; i < 6; i++) h = mix64(h + parts[i]);
    return h;
}

void dict_iter_init(dict_iter *it, dict *d, int safe) {
    it->d = d;
    it->index = -1;
    it->table = 0;
    it->safe = safe;
    it->entry = it->next_entry = NULL;
    it->fingerprint = 0;
}

static int iter_started(const dict_iter *it) { return !(it->index == -1 && it->table == 0); }

dict_entry *dict_next(dict_iter *it) {
    dict *d = it->d;
    for (;;) {
        if (it->entry) {
            it->entry = it->next_entry;
        } else {
            if (!iter_started(it)) {
                if (it->safe) d->pause++;
                else it->fingerprint = fingerprint(d);
            }
            it->index++;
            if ((unsigned long)it->index >= ht_size(d->exp[it->table])) {
                if (it->table == 1 || !dict_is_rehashing(d)) {
                    it->index = (long)ht_size(d->exp[it->table]); /* stay at the end */
                    return NULL;
                }
                it->table = 1;
                it->index = 0;
            }
            it->entry = d->ht[it->table][it->index];
        }
        if (it->entry) {
            it->next_entry = it->entry->next;
            return it->entry;
        }
    }
}

void dict_iter_reset(dict_iter *it) {
    if (!iter_started(it)) return;
    if (it->safe) {
        assert(it->d->pause > 0);
        it->d->pause--;
    } else {
        /* an unsafe iterator's dict was modified during the walk */
        assert(it->fingerprint == fingerprint(it->d));
    }
    it->index = -1;
    it->table = 0;
    it->entry = it->next_entry = NULL;
}

/* ---- random ------------------------------------------------------------- */

static uint64_t rng_state;

/* xorshift64*, seeded lazily; not for anything security related. */
static uint64_t rng(void) {
    if (!rng_state) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        rng_state = mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uintptr_t)&ts) | 1;
    }
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

dict_entry *dict_random_entry(dict *d) {
    if (dict_size(d) == 0) return NULL;
    if (dict_is_rehashing(d)) rehash_step(d);
    dict_entry *head = NULL;
    if (dict_is_rehashing(d)) {
        /* pick an index over both tables, skipping ht[0]'s moved prefix */
        unsigned long s0 = ht_size(d->exp[0]), s1 = ht_size(d->exp[1]);
        unsigned long lo = (unsigned long)d->rehash_idx, span = s0 + s1 - lo;
        while (!head) {
            unsigned long i = lo + rng() % span;
            head = i < s0 ? d->ht[0][i] : d->ht[1][i - s0];
        }
    } else {
        unsigned long mask = ht_mask(d->exp[0]);
        while (!head) head = d->ht[0][rng() & mask];
    }
    unsigned long len = 0;
    for (dict_entry *de = head; de; de = de->next) len++;
    unsigned long pick = rng() % len;
    while (pick--) head = head->next;
    return head;
}

/* Walk consecutive bucket indexes from a random start, at most once round
 * the bigger table, so no entry is returned twice. */
unsigned dict_sample(dict *d, dict_entry **des, unsigned count) {
    if (count > dict_size(d)) count = (unsigned)dict_size(d);
    if (count == 0) return 0;
    for (unsigned j = 0; j < count && dict_is_rehashing(d); j++) rehash_step(d);
    int tables = dict_is_rehashing(d) ? 2 : 1;
    unsigned long maxmask = ht_mask(d->exp[0]);
    if (tables == 2 && ht_mask(d->exp[1]) > maxmask) maxmask = ht_mask(d->exp[1]);
    unsigned long steps = (unsigned long)count * 10;
    if (steps > maxmask + 1) steps = maxmask + 1;
    unsigned long i = rng() & maxmask;
    unsigned stored = 0;
    for (; steps > 0 && stored < count; steps--, i = (i + 1) & maxmask) {
        for (int t = 0; t < tables && stored < count; t++) {
            if (i > ht_mask(d->exp[t])) continue;
            if (t == 0 && tables == 2 && i < (unsigned long)d->rehash_idx) continue;
            for (dict_entry *de = d->ht[t][i]; de && stored < count; de = de->next) des[stored++] = de;
        }
    }
    return stored;
}

/* ---- scan --------------------------------------------------------------- */

static unsigned long rev_bits(unsigned long v) {
    unsigned long r = 0;
    for (unsigned i = 0; i < sizeof(v) * 8; i++, v >>= 1) r = (r << 1) | (v & 1);
    return r;
}

/* Increment the cursor's masked bits counting from the most significant one:
 * set the unmasked high bits so the carry runs through them, reverse, +1,
 * reverse back.  Visiting order in a table of 2^n buckets is then such that
 * bucket b of a smaller/bigger table covers exactly the prefixes already
 * visited, whichever size the table has at the next call. */
static unsigned long scan_next(unsigned long v, unsigned long mask) {
    v |= ~mask;
    v = rev_bits(v);
    v++;
    return rev_bits(v);
}

static void scan_bucket(dict_entry *de, dict_scan_fn *fn, void *priv) {
    while (de) {
        dict_entry *next = de->next;
        fn(priv, de);
        de = next;
    }
}

unsigned long dict_scan(dict *d, unsigned long v, dict_scan_fn *fn, void *priv) {
    if (dict_size(d) == 0) return 0;
    d->pause++;
    unsigned long m0;
    if (!dict_is_rehashing(d)) {
        m0 = ht_mask(d->exp[0]);
        scan_bucket(d->ht[0][v & m0], fn, priv);
    } else {
        int small = d->exp[0] <= d->exp[1] ? 0 : 1, big = !small;
        m0 = ht_mask(d->exp[small]);
        unsigned long m1 = ht_mask(d->exp[big]);
        scan_bucket(d->ht[small][v & m0], fn, priv);
        /* the big table's buckets that expand the small one's: same low
         * bits, every value of the extra high bits from the cursor's on */
        do {
            scan_bucket(d->ht[big][v & m1], fn, priv);
            v = (((v | m0) + 1) & ~m0) | (v & m0);
        } while (v & (m0 ^ m1));
    }
    d->pause--;
    return scan_next(v, m0);
}

/* ---- hashing: SipHash-1-2 ----------------------------------------------- */

void dict_set_hash_seed(const uint8_t seed[16]) { memcpy(hash_seed, seed, 16); }

static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static uint64_t load_le64(const uint8_t *p, size_t n, int nocase) {
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (nocase && c >= 'A' && c <= 'Z') c = (uint8_t)(c + 32);
        w |= (uint64_t)c << (8 * i);
    }
    return w;
}

#define SIP_ROUND(v0, v1, v2, v3) \
    do {                          \
        v0 += v1;                 \
        v1 = rotl(v1, 13);        \
        v1 ^= v0;                 \
        v0 = rotl(v0, 32);        \
        v2 += v3;                 \
        v3 = rotl(v3, 16);        \
        v3 ^= v2;                 \
        v0 += v3;                 \
        v3 = rotl(v3, 21);        \
        v3 ^= v0;                 \
        v2 += v1;                 \
        v1 = rotl(v1, 17);        \
        v1 ^= v2;                 \
        v2 = rotl(v2, 32);        \
    } while (0)

#ifndef DICT_SIP_CROUNDS /* overridable only to check against 2-4 vectors */
#define DICT_SIP_CROUNDS 1
#define DICT_SIP_DROUNDS 2
#endif

/* SipHash-c-d (Aumasson & Bernstein, 2012): 64-bit little-endian message
 * words, c compression rounds each, the last word carries len mod 256 in its
 * top byte, then d finalization rounds after v2 ^= 0xff. */
static uint64_t siphash(const uint8_t *p, size_t len, int nocase) {
    uint64_t k0 = load_le64(hash_seed, 8, 0), k1 = load_le64(hash_seed + 8, 8, 0);
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i <= full; i += 8) {
        uint64_t m = i < full ? load_le64(p + i, 8, nocase)
                              : load_le64(p + i, len - full, nocase) | ((uint64_t)len << 56);
        v3 ^= m;
        for (int r = 0; r < DICT_SIP_CROUNDS; r++) SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    v2 ^= 0xff;
    for (int r = 0; r < DICT_SIP_DROUNDS; r++) SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t dict_hash_bytes(const void *p, size_t len) { return siphash(p, len, 0); }

uint64_t dict_hash_bytes_nocase(const void *p, size_t len) { return siphash(p, len, 1); }

/* ---- sds helpers -------------------------------------------------------- */

uint64_t dict_sds_hash(const void *key) { return dict_hash_bytes(key, sds_len((const sds)key)); }

uint64_t dict_sds_case_hash(const void *key) {
    return dict_hash_bytes_nocase(key, sds_len((const sds)key));
}

int dict_sds_eq(const void *a, const void *b) {
    size_t la = sds_len((const sds)a);
    return la == sds_len((const sds)b) && memcmp(a, b, la) == 0;
}

static int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

int dict_sds_case_eq(const void *a, const void *b) {
    size_t la = sds_len((const sds)a);
    if (la != sds_len((const sds)b)) return 0;
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < la; i++)
        if (ascii_lower(x[i]) != ascii_lower(y[i])) return 0;
    return 1;
}

void dict_sds_free(void *key) { sds_free(key); }
