/*
 * engine/mem.c — accounting wrappers over the libc allocator.
 *
 * used_memory is the sum of malloc_usable_size() of live blocks, kept in one
 * counter.  The event loop is single-threaded; the counter is still atomic
 * (relaxed) because the fsync fallback thread may free buffers.
 */
#include "mem.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic size_t used_bytes;

static void oom(size_t size) {
    fprintf(stderr, "strata: out of memory allocating %zu bytes\n", size);
    fflush(stderr);
    abort();
}

void *mem_alloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) oom(size);
    used_bytes += malloc_usable_size(p);
    return p;
}

void *mem_calloc(size_t size) {
    void *p = calloc(1, size ? size : 1);
    if (!p) oom(size);
    used_bytes += malloc_usable_size(p);
    return p;
}

void *mem_realloc(void *ptr, size_t size) {
    if (!ptr) return mem_alloc(size);
    size_t old = malloc_usable_size(ptr);
    void *p = realloc(ptr, size ? size : 1);
    if (!p) oom(size);
    used_bytes += malloc_usable_size(p);
    used_bytes -= old;
    return p;
}

void mem_free(void *ptr) {
    if (!ptr) return;
    used_bytes -= malloc_usable_size(ptr);
    free(ptr);
}

char *mem_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = mem_alloc(n);
    memcpy(p, s, n);
    return p;
}

size_t mem_usable(void *ptr) { return ptr ? malloc_usable_size(ptr) : 0; }

size_t mem_used(void) { return used_bytes; }

/* The server links jemalloc (like Redis) when available; tests and the
 * sanitizer build use libc.  jemalloc exports mallctl(): ask it. */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen) __attribute__((weak));

const char *mem_allocator_name(void) {
    static char name[64];
    if (!mallctl) return "libc";
    const char *v = NULL;
    size_t sz = sizeof(v);
    if (mallctl("version", &v, &sz, NULL, 0) == 0 && v) {
        snprintf(name, sizeof(name), "jemalloc-%.*s", (int)strcspn(v, "-"), v);
        return name;
    }
    return "jemalloc";
}
