/*
 * engine/mem.h — the allocator every module uses, with accounting.
 *
 * All heap memory owned by the keyspace and clients goes through mem_*, so
 * INFO's used_memory and maxmemory eviction see one number.  An allocation
 * failure is fatal (logged to stderr, abort()): like Redis, strata does not
 * try to limp on without memory.  mem_free(NULL) is a no-op.
 */
#ifndef STRATA_MEM_H
#define STRATA_MEM_H

#include <stddef.h>

void *mem_alloc(size_t size);                /* never NULL */
void *mem_calloc(size_t size);               /* zeroed, never NULL */
void *mem_realloc(void *ptr, size_t size);   /* ptr may be NULL */
void mem_free(void *ptr);                    /* NULL ok */
char *mem_strdup(const char *s);
size_t mem_usable(void *ptr);                /* bytes really reserved for ptr */
size_t mem_used(void);                       /* live bytes allocated through mem_* */
const char *mem_allocator_name(void);        /* "jemalloc-5.3.0" when linked with it, else "libc" */

#endif
