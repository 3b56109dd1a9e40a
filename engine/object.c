/*
 * engine/object.c — kv_obj lifecycle, string encodings, LRU/LFU clocks.
 *
 * Invariants:
 *  (1) a shared object (refcount OBJ_SHARED_REFCOUNT) is never modified or
 *      freed; obj_incr_ref/obj_decr_ref leave it alone.
 *  (2) OBJ_ENC_INT strings hold exactly the value whose canonical decimal
 *      form is the string; obj_str() recreates it byte for byte.
 *  (3) only OBJ_ENC_RAW strings with refcount 1 are modified in place.
 */
#include "object.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "util.h"

static obj_type_ops type_ops[OBJ_TYPE_MAX];
static kv_obj shared_ints[OBJ_SHARED_INTEGERS];
static int shared_ready;
static int shared_enabled = 1;
static unsigned lru_clock;
static int lfu_log_factor = 10, lfu_decay_minutes = 1;
static int lfu_mode;
static unsigned lfu_minutes(void);

void obj_register_type(int type, const obj_type_ops *ops) {
    assert(type >= 0 && type < OBJ_TYPE_MAX);
    type_ops[type] = *ops;
}

static void init_shared(void) {
    for (int i = 0; i < OBJ_SHARED_INTEGERS; i++) {
        shared_ints[i].type = OBJ_STRING;
        shared_ints[i].enc = OBJ_ENC_INT;
        shared_ints[i].refcount = OBJ_SHARED_REFCOUNT;
        shared_ints[i].ptr = (void *)(intptr_t)i;
        shared_ints[i].lru = lru_clock;
    }
    shared_ready = 1;
}

void obj_set_shared_integers(int enabled) { shared_enabled = enabled; }

kv_obj *obj_new(int type, int enc, void *ptr) {
    kv_obj *o = mem_alloc(sizeof(*o));
    o->type = type;
    o->enc = enc;
    o->refcount = 1;
    o->ptr = ptr;
    o->lru = lfu_mode ? (lfu_minutes() << 8) | 5 : lru_clock;
    return o;
}

void obj_set_lfu_mode(int on) { lfu_mode = on; }

/* EMBSTR: the object and its (immutable) sds in one allocation, as Redis
 * does; a 10-byte value costs one 32-byte block instead of two. */
static kv_obj *new_embstr(const void *p, size_t len) {
    kv_obj *o = mem_alloc(sizeof(kv_obj) + sds_embedded_size(len));
    o->type = OBJ_STRING;
    o->enc = OBJ_ENC_EMBSTR;
    o->refcount = 1;
    o->lru = lfu_mode ? (lfu_minutes() << 8) | 5 : lru_clock;
    o->ptr = sds_init_embedded(o + 1, p, len);
    return o;
}

kv_obj *obj_new_string_sds(sds s) {
    if (sds_len(s) <= OBJ_EMBSTR_LIMIT) {
        kv_obj *o = new_embstr(s, sds_len(s));
        sds_free(s);
        return o;
    }
    return obj_new(OBJ_STRING, OBJ_ENC_RAW, s);
}

kv_obj *obj_new_string(const void *p, size_t len) {
    if (len <= OBJ_EMBSTR_LIMIT) return new_embstr(p, len);
    return obj_new(OBJ_STRING, OBJ_ENC_RAW, sds_newlen(p, len));
}

kv_obj *obj_new_raw(const void *p, size_t len) { return obj_new(OBJ_STRING, OBJ_ENC_RAW, sds_newlen(p, len)); }

kv_obj *obj_new_ll_unshared(long long v) { return obj_new(OBJ_STRING, OBJ_ENC_INT, (void *)(intptr_t)v); }

kv_obj *obj_new_ll(long long v) {
    if (shared_enabled && v >= 0 && v < OBJ_SHARED_INTEGERS) {
        if (!shared_ready) init_shared();
        return &shared_ints[v];
    }
    return obj_new_ll_unshared(v);
}

kv_obj *obj_new_string_encoded(sds s) {
    size_t len = sds_len(s);
    long long v;
    if (len <= 20 && str_to_ll(s, len, &v)) {
        sds_free(s);
        return obj_new_ll(v);
    }
    if (len > OBJ_EMBSTR_LIMIT && sds_avail(s) > len / 10) s = sds_remove_free(s);
    return obj_new_string_sds(s);
}

void obj_incr_ref(kv_obj *o) {
    if (o->refcount != OBJ_SHARED_REFCOUNT) o->refcount++;
}

static void free_value(kv_obj *o) {
    if (o->type == OBJ_STRING) {
        if (o->enc == OBJ_ENC_RAW) sds_free(o->ptr); /* EMBSTR lives in o's block */
    } else if (type_ops[o->type].free) {
        type_ops[o->type].free(o);
    }
}

void obj_decr_ref(kv_obj *o) {
    if (!o || o->refcount == OBJ_SHARED_REFCOUNT) return;
    assert(o->refcount > 0);
    if (--o->refcount == 0) {
        free_value(o);
        mem_free(o);
    }
}

void obj_decr_ref_void(void *o) { obj_decr_ref(o); }

kv_obj *obj_dup(const kv_obj *o) {
    if (o->type == OBJ_STRING) {
        if (o->enc == OBJ_ENC_INT) return obj_new_ll_unshared((long long)(intptr_t)o->ptr);
        if (o->enc == OBJ_ENC_EMBSTR) return new_embstr(o->ptr, sds_len(o->ptr));
        return obj_new(OBJ_STRING, OBJ_ENC_RAW, sds_dup(o->ptr));
    }
    assert(type_ops[o->type].dup);
    return type_ops[o->type].dup(o);
}

const char *obj_str(const kv_obj *o, char *buf, size_t *len) {
    assert(o->type == OBJ_STRING);
    if (o->enc == OBJ_ENC_INT) {
        *len = (size_t)ll_to_str(buf, 32, (long long)(intptr_t)o->ptr);
        return buf;
    }
    *len = sds_len(o->ptr);
    return o->ptr;
}

size_t obj_strlen(const kv_obj *o) {
    char buf[32];
    size_t len;
    obj_str(o, buf, &len);
    return len;
}

sds obj_to_sds(const kv_obj *o) {
    char buf[32];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    return sds_newlen(p, len);
}

int obj_get_ll(const kv_obj *o, long long *v) {
    if (o->type != OBJ_STRING) return -1;
    if (o->enc == OBJ_ENC_INT) {
        *v = (long long)(intptr_t)o->ptr;
        return 0;
    }
    return str_to_ll(o->ptr, sds_len(o->ptr), v) ? 0 : -1;
}

int obj_get_ld(const kv_obj *o, long double *v) {
    if (o->type != OBJ_STRING) return -1;
    if (o->enc == OBJ_ENC_INT) {
        *v = (long double)(long long)(intptr_t)o->ptr;
        return 0;
    }
    return str_to_ld(o->ptr, sds_len(o->ptr), v) ? 0 : -1;
}

kv_obj *obj_unshare_raw(kv_obj *o) {
    assert(o->type == OBJ_STRING);
    if (o->refcount == 1 && o->enc == OBJ_ENC_RAW) return o;
    char buf[32];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    return obj_new_raw(p, len);
}

int obj_string_eq(const kv_obj *a, const kv_obj *b) {
    char ba[32], bb[32];
    size_t la, lb;
    const char *pa = obj_str(a, ba, &la), *pb = obj_str(b, bb, &lb);
    return la == lb && memcmp(pa, pb, la) == 0;
}

const char *obj_type_name(const kv_obj *o) {
    static const char *names[] = {"string", "list", "set", "zset", "hash", "module", "stream"};
    return o->type < OBJ_TYPE_MAX ? names[o->type] : "unknown";
}

const char *obj_enc_name(int enc) {
    static const char *names[] = {"raw",    "int",        "hashtable", "zipmap", "linkedlist", "ziplist",
                                  "intset", "skiplist",   "embstr",    "quicklist", "stream", "listpack"};
    return enc >= 0 && enc <= OBJ_ENC_LISTPACK ? names[enc] : "unknown";
}

size_t obj_mem_usage(const kv_obj *o) {
    size_t n = sizeof(*o);
    if (o->type == OBJ_STRING) {
        if (o->enc == OBJ_ENC_EMBSTR) n += sds_embedded_size(sds_len(o->ptr));
        else if (o->enc == OBJ_ENC_RAW) n += sds_alloc_size(o->ptr);
    } else if (type_ops[o->type].mem) {
        n += type_ops[o->type].mem(o);
    }
    return n;
}

/* ---- LRU / LFU ---------------------------------------------------------- */

unsigned obj_lru_clock_now(void) { return lru_clock; }

void obj_lru_clock_update(uint64_t now_ms) { lru_clock = (unsigned)((now_ms / OBJ_LRU_RESOLUTION_MS) & OBJ_LRU_MAX); }

unsigned long long obj_idle_ms(const kv_obj *o) {
    unsigned now = lru_clock;
    unsigned long long d = now >= o->lru ? now - o->lru : (OBJ_LRU_MAX - o->lru) + now;
    return d * OBJ_LRU_RESOLUTION_MS;
}

void obj_lfu_params(int log_factor, int decay_minutes) {
    lfu_log_factor = log_factor;
    lfu_decay_minutes = decay_minutes;
}

/* LFU word: 16 bits of "last decrement time" in minutes, 8 bits counter. */
static unsigned lfu_minutes(void) { return (unsigned)((util_mstime() / 60000) & 0xffff); }

static unsigned lfu_decayed(const kv_obj *o) {
    unsigned ldt = o->lru >> 8, counter = o->lru & 0xff;
    unsigned now = lfu_minutes();
    unsigned elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
    unsigned periods = lfu_decay_minutes ? elapsed / (unsigned)lfu_decay_minutes : 0;
    return periods > counter ? 0 : counter - periods;
}

unsigned obj_lfu_count(const kv_obj *o) { return lfu_decayed(o); }

/* Shared integers are touched too, as Redis does: their clock is global, so
 * OBJECT IDLETIME of any key holding one reads the last access to any. */
void obj_touch(kv_obj *o, int lfu) {
    if (!lfu) {
        o->lru = lru_clock;
        return;
    }
    unsigned counter = lfu_decayed(o);
    if (counter < 255) {
        double r = (double)rand() / RAND_MAX;
        double base = counter > 5 ? counter - 5 : 0;
        if (r < 1.0 / (base * lfu_log_factor + 1)) counter++;
    }
    o->lru = (lfu_minutes() << 8) | counter;
}
