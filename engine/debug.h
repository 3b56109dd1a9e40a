/*
 * engine/debug.h — DEBUG (the subcommands tests need) and the dataset
 * digest.
 *
 * Dataset digest (DEBUG DIGEST), strata's own definition — stable across
 * processes, machines and versions, independent of hash-table order,
 * encodings (int/embstr/raw) and insertion order; not equal to Redis's:
 *
 *   D = XOR over every key k of every database of K(db, k),
 *       20 zero bytes when there are no keys (shown as 40 '0').
 *   K(db, k) = SHA1( "db" u32be(db id)  u32be(len(k)) k  u8(type)  V(value)
 *                    ( "-" when no TTL | "e" i64be(unix ms deadline) ) )
 *   V(string) = u64be(len) bytes         (the logical bytes, any encoding)
 *   V(other)  = what the type registered with debug_register_digest()
 *               feeds; a type without one feeds only its type byte (so
 *               keys are covered but not their contents: register one!).
 * Collections whose order is not part of their value (sets, hashes)
 * must feed an order-independent value: XOR the SHA1 of each element into
 * an accumulator (debug_digest_xor) and feed the accumulator.
 *
 * DEBUG DIGEST-VALUE key ...: SHA1( u8(type) V(value) ) per key (no name,
 * no TTL), 40 '0' for a missing key.
 */
#ifndef STRATA_DEBUG_H
#define STRATA_DEBUG_H

#include <stdint.h>

#include "kv.h"
#include "sha1.h"

/* Feed o's contents into ctx (see V(other) above). */
typedef void debug_value_digest_fn(const kv_obj *o, sha1_ctx *ctx);
void debug_register_digest(int type, debug_value_digest_fn *fn);

/* acc ^= SHA1(p, len) */
void debug_digest_xor(uint8_t acc[SHA1_DIGEST_LEN], const void *p, size_t len);

/* The dataset digest D (40 hex chars + '\0' into hex). */
void debug_dataset_digest(kv_server *srv, char hex[41]);
/* The value digest of one object (DIGEST-VALUE). */
void debug_value_digest(const kv_obj *o, uint8_t out[SHA1_DIGEST_LEN]);

/* The DEBUG command (registered by cmd_table_server). */
void debug_command(kv_client *c);

#endif
