/*
 * engine/evict.h — maxmemory: evicting keys to stay under the limit.
 *
 * The dispatch calls evict_perform() before each command when maxmemory is
 * set; a -1 answer makes it refuse commands flagged CMD_DENYOOM with
 *   -OOM command not allowed when used memory > 'maxmemory'.
 * The cron calls evict_cron() so memory also comes down while idle.
 *
 * Memory is measured with mem_used() (engine/mem.h): every byte allocated
 * through mem_*, output buffers included.
 *
 * Policies (config maxmemory-policy): noeviction, allkeys-lru, volatile-lru,
 * allkeys-lfu, volatile-lfu, allkeys-random, volatile-random, volatile-ttl.
 * The LRU/LFU/TTL policies use Redis's approximation: sample
 * maxmemory-samples keys in every database, keep the EVICT_POOL_SIZE best
 * candidates (most idle, least frequently used, or soonest to expire) in a
 * pool across databases, evict the best one that still exists; repeat.
 * volatile-* policies only ever consider keys with a TTL.
 *
 * Each evicted key is deleted, WATCH-invalidated, counted in
 * stat.evictedkeys, and propagated as DEL (UNLINK under
 * lazyfree-lazy-eviction) through cmd_also_propagate/cmd_flush_propagation.
 */
#ifndef STRATA_EVICT_H
#define STRATA_EVICT_H

#include "kv.h"

#define EVICT_POOL_SIZE 16

/* Evict until used memory <= maxmemory.  Returns 0 when under the limit
 * (or maxmemory is 0), or when it freed memory but stopped at its time
 * budget (the cron carries on, as Redis's EVICT_RUNNING); -1 when still
 * over the limit and nothing (more) can be evicted: noeviction, or no
 * candidate key (e.g. volatile-* with no TTL keys). */
int evict_perform(kv_server *srv);
/* Periodic eviction from the server cron; no-op when under the limit. */
void evict_cron(kv_server *srv);
/* Bytes over the limit now (0 when under, or maxmemory is 0). */
size_t evict_over_limit(kv_server *srv);

/* CONFIG_MAXMEMORY_* (config.h) -> "allkeys-lru" ...; "unknown" otherwise. */
const char *evict_policy_name(int policy);

#endif
