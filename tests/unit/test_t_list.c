/*
 * tests/unit/test_t_list.c — lists (t_list.c) and blocking (blocking.c)
 * through the real dispatch with fake clients, no sockets.
 *
 *  1. every command, option and error: the exact RESP bytes redis-server
 *     7.0.15 replied to the same command sequence (recorded against it with
 *     a raw RESP client; RESP2, and RESP3 for the null replies), including
 *     WRONGTYPE on every command, argument validation order, integer
 *     elements, MULTI making blocking commands non-blocking;
 *  2. the propagated forms (with their db) of every write, blocking
 *     commands served at once and served later;
 *  3. blocking: served by a later push from another client, FIFO fairness,
 *     several keys, BLMOVE chains and its WRONGTYPE destination, BLMPOP
 *     counts, timeouts, CLIENT UNBLOCK's function, type change and
 *     deletion keep clients blocked, SWAPDB, a push inside MULTI served
 *     after EXEC, cleanup of a client freed while blocked;
 *  4. a random workload (with blocked clients) whose propagated stream,
 *     replayed into a fresh server, gives the same DEBUG DIGEST;
 *  5. the object API for the RDB code: node export/import keeps the value
 *     digest, which does not depend on the node layout.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine/blocking.h"
#include "engine/db.h"
#include "engine/debug.h"
#include "engine/listpack.h"
#include "engine/object.h"
#include "engine/quicklist.h"
#include "engine/t_list.h"
#include "engine/util.h"
#include "kvtest.h"
#include "tests/tap.h"

/* ---- helpers -------------------------------------------------------------- */

static uint64_t seed;

static uint64_t rnd(void) {
    uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static long below(long n) { return n > 0 ? (long)(rnd() % (uint64_t)n) : 0; }

static kvt_env *start(void) {
    kvt_env *e = kvt_start();
    kvt_prop_flags = KVT_PROP_DB;
    kvt_prop_attach(e);
    return e;
}

/* What a blocked client got so far (its out buffer), then cleared. */
#define GOT(c, want, ...)                                                                \
    do {                                                                                 \
        is_mem((c)->out, sds_len((c)->out), (want), sizeof(want) - 1, __VA_ARGS__);      \
        sds_clear((c)->out);                                                             \
    } while (0)

static int blocked(kv_client *c) { return (c->flags & CLIENT_BLOCKED) != 0; }

/* ---- 1. exact replies ----------------------------------------------------- */

/* Recorded from redis-server 7.0.15 (a NULL reply: run, not compared). */
static const struct {
    const char *line, *want;
    size_t len;
} replies[] = {
    {"flushall", NULL, 5},
    {"lpush l a b c", ":3\r\n", 4},
    {"rpush l d e", ":5\r\n", 4},
    {"lrange l 0 -1", "*5\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n", 39},
    {"lpushx l x", ":6\r\n", 4},
    {"rpushx l y", ":7\r\n", 4},
    {"lpushx nolist x", ":0\r\n", 4},
    {"rpushx nolist x y z", ":0\r\n", 4},
    {"exists nolist", ":0\r\n", 4},
    {"rpush l \"\" \"\\x00bin\\xff\" \"a b\" 12 -7 007 9223372036854775807 -9223372036854775808 9223372036854775808 3.5", ":17\r\n", 5},
    {"lrange l 0 -1", "*17\r\n$1\r\nx\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\ny\r\n$0\r\n\r\n$5\r\n\x00""bin\xff""\r\n$3\r\na b\r\n$2\r\n12\r\n$2\r\n-7\r\n$3\r\n007\r\n$19\r\n9223372036854775807\r\n$20\r\n-9223372036854775808\r\n$19\r\n9223372036854775808\r\n$3\r\n3.5\r\n", 193},
    {"llen l", ":17\r\n", 5},
    {"llen nolist", ":0\r\n", 4},
    {"object encoding l", "$9\r\nquicklist\r\n", 15},
    {"type l", "+list\r\n", 7},
    {"set str v", "+OK\r\n", 5},
    {"lpush str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"rpush str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"lpushx str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"rpushx str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"llen str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"lrange str 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"lindex str 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"lset str 0 x", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"linsert str before a b", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"lrem str 0 a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"ltrim str 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"lpos str a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"lpop str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"rpop str 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"lmove str l left left", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"lmove l str left left", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"rpoplpush str l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"rpoplpush l str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"lmpop 1 str left", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"blpop str 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"brpop nolist str 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"blmove str l left right 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"brpoplpush str l 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"blmpop 0 1 str left", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"del l", ":1\r\n", 4},
    {"rpush l 0 1 2 3 4 5 6 7 8 9", ":10\r\n", 5},
    {"lrange l 0 0", "*1\r\n$1\r\n0\r\n", 11},
    {"lrange l -1 -1", "*1\r\n$1\r\n9\r\n", 11},
    {"lrange l -3 -1", "*3\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n", 25},
    {"lrange l 5 100", "*5\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n", 39},
    {"lrange l -100 2", "*3\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n", 25},
    {"lrange l 8 2", "*0\r\n", 4},
    {"lrange l 10 20", "*0\r\n", 4},
    {"lrange l -100 -50", "*0\r\n", 4},
    {"lrange l 9223372036854775807 -9223372036854775808", "*0\r\n", 4},
    {"lrange l -9223372036854775808 9223372036854775807", "*10\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n", 75},
    {"lrange l x 1", "-ERR value is not an integer or out of range\r\n", 46},
    {"lrange l 1 x", "-ERR value is not an integer or out of range\r\n", 46},
    {"lrange l 1.5 2", "-ERR value is not an integer or out of range\r\n", 46},
    {"lrange nolist 0 -1", "*0\r\n", 4},
    {"lrange nolist x 1", "-ERR value is not an integer or out of range\r\n", 46},
    {"lindex l 0", "$1\r\n0\r\n", 7},
    {"lindex l -1", "$1\r\n9\r\n", 7},
    {"lindex l 9", "$1\r\n9\r\n", 7},
    {"lindex l 10", "$-1\r\n", 5},
    {"lindex l -10", "$1\r\n0\r\n", 7},
    {"lindex l -11", "$-1\r\n", 5},
    {"lindex l x", "-ERR value is not an integer or out of range\r\n", 46},
    {"lindex nolist x", "$-1\r\n", 5},
    {"lindex l 9223372036854775807", "$-1\r\n", 5},
    {"lindex l -9223372036854775808", "$-1\r\n", 5},
    {"lset l 0 zero", "+OK\r\n", 5},
    {"lset l -1 nine", "+OK\r\n", 5},
    {"lset l 10 x", "-ERR index out of range\r\n", 25},
    {"lset l -11 x", "-ERR index out of range\r\n", 25},
    {"lset l x y", "-ERR value is not an integer or out of range\r\n", 46},
    {"lset nolist 0 x", "-ERR no such key\r\n", 18},
    {"lset nolist x x", "-ERR no such key\r\n", 18},
    {"lset l 3 \"a much longer value than before, well past 64 bytes so it becomes a 12-bit string entry.....\"", "+OK\r\n", 5},
    {"lrange l 0 -1", "*10\r\n$4\r\nzero\r\n$1\r\n1\r\n$1\r\n2\r\n$92\r\na much longer value than before, well past 64 bytes so it becomes a 12-bit string entry.....\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$4\r\nnine\r\n", 173},
    {"linsert l before zero first", ":11\r\n", 5},
    {"linsert l after nine last", ":12\r\n", 5},
    {"linsert l AFTER 5 five-b", ":13\r\n", 5},
    {"linsert l Before 5 five-a", ":14\r\n", 5},
    {"linsert l before nope x", ":-1\r\n", 5},
    {"linsert l middle 5 x", "-ERR syntax error\r\n", 19},
    {"linsert nolist before a b", ":0\r\n", 4},
    {"linsert nolist middle a b", "-ERR syntax error\r\n", 19},
    {"lrange l 0 -1", "*14\r\n$5\r\nfirst\r\n$4\r\nzero\r\n$1\r\n1\r\n$1\r\n2\r\n$92\r\na much longer value than before, well past 64 bytes so it becomes a 12-bit string entry.....\r\n$1\r\n4\r\n$6\r\nfive-a\r\n$1\r\n5\r\n$6\r\nfive-b\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$4\r\nnine\r\n$4\r\nlast\r\n", 218},
    {"linsert l after 5 5", ":15\r\n", 5},
    {"lrange l 4 8", "*5\r\n$92\r\na much longer value than before, well past 64 bytes so it becomes a 12-bit string entry.....\r\n$1\r\n4\r\n$6\r\nfive-a\r\n$1\r\n5\r\n$1\r\n5\r\n", 136},
    {"del r", ":0\r\n", 4},
    {"rpush r a b a c a d a", ":7\r\n", 4},
    {"lrem r 2 a", ":2\r\n", 4},
    {"lrange r 0 -1", "*5\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\na\r\n", 39},
    {"lrem r -1 a", ":1\r\n", 4},
    {"lrange r 0 -1", "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nd\r\n", 32},
    {"lrem r 0 a", ":1\r\n", 4},
    {"lrange r 0 -1", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", 25},
    {"lrem r 0 zz", ":0\r\n", 4},
    {"lrem r x a", "-ERR value is not an integer or out of range\r\n", 46},
    {"lrem nolist 1 a", ":0\r\n", 4},
    {"lrem nolist x a", "-ERR value is not an integer or out of range\r\n", 46},
    {"lrem r 0 b", ":1\r\n", 4},
    {"lrem r 0 c", ":1\r\n", 4},
    {"lrem r 0 d", ":1\r\n", 4},
    {"exists r", ":0\r\n", 4},
    {"rpush r 1 01 1 +1", ":4\r\n", 4},
    {"lrem r 0 1", ":2\r\n", 4},
    {"lrange r 0 -1", "*2\r\n$2\r\n01\r\n$2\r\n+1\r\n", 20},
    {"del t", ":0\r\n", 4},
    {"rpush t 0 1 2 3 4 5 6 7 8 9", ":10\r\n", 5},
    {"ltrim t 2 -3", "+OK\r\n", 5},
    {"lrange t 0 -1", "*6\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n", 46},
    {"ltrim t -100 100", "+OK\r\n", 5},
    {"lrange t 0 -1", "*6\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n", 46},
    {"ltrim t 1 0", "+OK\r\n", 5},
    {"exists t", ":0\r\n", 4},
    {"rpush t a b c", ":3\r\n", 4},
    {"ltrim t x 1", "-ERR value is not an integer or out of range\r\n", 46},
    {"ltrim t 0 x", "-ERR value is not an integer or out of range\r\n", 46},
    {"ltrim nolist 0 1", "+OK\r\n", 5},
    {"ltrim nolist x 1", "-ERR value is not an integer or out of range\r\n", 46},
    {"ltrim t 5 10", "+OK\r\n", 5},
    {"exists t", ":0\r\n", 4},
    {"rpush t a b c", ":3\r\n", 4},
    {"ltrim t -1 -1", "+OK\r\n", 5},
    {"lrange t 0 -1", "*1\r\n$1\r\nc\r\n", 11},
    {"del p", ":0\r\n", 4},
    {"rpush p 1 2 3 4 5 6 7", ":7\r\n", 4},
    {"lpop p", "$1\r\n1\r\n", 7},
    {"rpop p", "$1\r\n7\r\n", 7},
    {"lpop p 2", "*2\r\n$1\r\n2\r\n$1\r\n3\r\n", 18},
    {"rpop p 2", "*2\r\n$1\r\n6\r\n$1\r\n5\r\n", 18},
    {"lpop p 0", "*0\r\n", 4},
    {"rpop p 0", "*0\r\n", 4},
    {"lpop p -1", "-ERR value is out of range, must be positive\r\n", 46},
    {"lpop p x", "-ERR value is out of range, must be positive\r\n", 46},
    {"lpop p 1.0", "-ERR value is out of range, must be positive\r\n", 46},
    {"lpop p 9223372036854775808", "-ERR value is out of range, must be positive\r\n", 46},
    {"lpop p 1 2", "-ERR wrong number of arguments for 'lpop' command\r\n", 51},
    {"lpop nolist", "$-1\r\n", 5},
    {"rpop nolist", "$-1\r\n", 5},
    {"lpop nolist 0", "*-1\r\n", 5},
    {"rpop nolist 5", "*-1\r\n", 5},
    {"lpop nolist -1", "-ERR value is out of range, must be positive\r\n", 46},
    {"lpop p 100", "*1\r\n$1\r\n4\r\n", 11},
    {"exists p", ":0\r\n", 4},
    {"rpush p a", ":1\r\n", 4},
    {"rpop p 9223372036854775807", "*1\r\n$1\r\na\r\n", 11},
    {"exists p", ":0\r\n", 4},
    {"del q", ":0\r\n", 4},
    {"rpush q a b c 1 2 3 c c b", ":9\r\n", 4},
    {"lpos q c", ":2\r\n", 4},
    {"lpos q c rank 2", ":6\r\n", 4},
    {"lpos q c rank -1", ":7\r\n", 4},
    {"lpos q c rank -3", ":2\r\n", 4},
    {"lpos q c rank -4", "$-1\r\n", 5},
    {"lpos q c rank 4", "$-1\r\n", 5},
    {"lpos q c count 0", "*3\r\n:2\r\n:6\r\n:7\r\n", 16},
    {"lpos q c count 2", "*2\r\n:2\r\n:6\r\n", 12},
    {"lpos q c count 2 rank 2", "*2\r\n:6\r\n:7\r\n", 12},
    {"lpos q c count 0 rank -1", "*3\r\n:7\r\n:6\r\n:2\r\n", 16},
    {"lpos q c count 0 maxlen 3", "*1\r\n:2\r\n", 8},
    {"lpos q c count 0 maxlen 7", "*2\r\n:2\r\n:6\r\n", 12},
    {"lpos q c rank -1 maxlen 2", ":7\r\n", 4},
    {"lpos q c rank -1 maxlen 1", "$-1\r\n", 5},
    {"lpos q c maxlen 2", "$-1\r\n", 5},
    {"lpos q 1", ":3\r\n", 4},
    {"lpos q 01", "$-1\r\n", 5},
    {"lpos q zz", "$-1\r\n", 5},
    {"lpos q zz count 3", "*0\r\n", 4},
    {"lpos q c rank 0", "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n", 135},
    {"lpos q c rank x", "-ERR value is not an integer or out of range\r\n", 46},
    {"lpos q c rank -9223372036854775808", ":7\r\n", 4},
    {"lpos q c rank -9223372036854775807", "$-1\r\n", 5},
    {"lpos q c rank 9223372036854775807", "$-1\r\n", 5},
    {"lpos q c count -1", "-ERR COUNT can't be negative\r\n", 30},
    {"lpos q c count x", "-ERR COUNT can't be negative\r\n", 30},
    {"lpos q c maxlen -1", "-ERR MAXLEN can't be negative\r\n", 31},
    {"lpos q c maxlen x", "-ERR MAXLEN can't be negative\r\n", 31},
    {"lpos q c rank", "-ERR syntax error\r\n", 19},
    {"lpos q c count", "-ERR syntax error\r\n", 19},
    {"lpos q c foo bar", "-ERR syntax error\r\n", 19},
    {"lpos q c RANK 1 COUNT 1 MAXLEN 0 RANK 2", "*1\r\n:6\r\n", 8},
    {"lpos nolist c", "$-1\r\n", 5},
    {"lpos nolist c count 0", "*0\r\n", 4},
    {"lpos nolist c rank 0", "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n", 135},
    {"lpos nolist c count -1", "-ERR COUNT can't be negative\r\n", 30},
    {"lpos nolist c foo", "-ERR syntax error\r\n", 19},
    {"del m n", ":0\r\n", 4},
    {"rpush m 1 2 3", ":3\r\n", 4},
    {"lmove m n left left", "$1\r\n1\r\n", 7},
    {"lmove m n right right", "$1\r\n3\r\n", 7},
    {"lmove m n LEFT RIGHT", "$1\r\n2\r\n", 7},
    {"exists m", ":0\r\n", 4},
    {"lrange n 0 -1", "*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n2\r\n", 25},
    {"lmove n n left right", "$1\r\n1\r\n", 7},
    {"lrange n 0 -1", "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n", 25},
    {"lmove n n right left", "$1\r\n1\r\n", 7},
    {"lrange n 0 -1", "*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n2\r\n", 25},
    {"lmove nolist n left left", "$-1\r\n", 5},
    {"lmove n m up left", "-ERR syntax error\r\n", 19},
    {"lmove n m left down", "-ERR syntax error\r\n", 19},
    {"lmove nolist n up left", "-ERR syntax error\r\n", 19},
    {"rpoplpush n m", "$1\r\n2\r\n", 7},
    {"rpoplpush n m", "$1\r\n3\r\n", 7},
    {"rpoplpush n m", "$1\r\n1\r\n", 7},
    {"exists n", ":0\r\n", 4},
    {"lrange m 0 -1", "*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n2\r\n", 25},
    {"rpoplpush nolist m", "$-1\r\n", 5},
    {"rpoplpush m m", "$1\r\n2\r\n", 7},
    {"lrange m 0 -1", "*3\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n", 25},
    {"del a1 a2", ":0\r\n", 4},
    {"rpush a2 1 2 3 4 5", ":5\r\n", 4},
    {"lmpop 2 a1 a2 left", "*2\r\n$2\r\na2\r\n*1\r\n$1\r\n1\r\n", 23},
    {"lmpop 2 a1 a2 right count 2", "*2\r\n$2\r\na2\r\n*2\r\n$1\r\n5\r\n$1\r\n4\r\n", 30},
    {"lmpop 2 a1 a2 LEFT COUNT 10", "*2\r\n$2\r\na2\r\n*2\r\n$1\r\n2\r\n$1\r\n3\r\n", 30},
    {"lmpop 2 a1 a2 left", "*-1\r\n", 5},
    {"lmpop 0 a1 left", "-ERR numkeys should be greater than 0\r\n", 39},
    {"lmpop -1 a1 left", "-ERR numkeys should be greater than 0\r\n", 39},
    {"lmpop x a1 left", "-ERR numkeys should be greater than 0\r\n", 39},
    {"lmpop 1 a1", "-ERR wrong number of arguments for 'lmpop' command\r\n", 52},
    {"lmpop 1 a1 middle", "-ERR syntax error\r\n", 19},
    {"lmpop 2 a1 left", "-ERR syntax error\r\n", 19},
    {"lmpop 1 a1 left count", "-ERR syntax error\r\n", 19},
    {"lmpop 1 a1 left count 0", "-ERR count should be greater than 0\r\n", 37},
    {"lmpop 1 a1 left count -1", "-ERR count should be greater than 0\r\n", 37},
    {"lmpop 1 a1 left count x", "-ERR count should be greater than 0\r\n", 37},
    {"lmpop 1 a1 left count 1 count 1", "-ERR syntax error\r\n", 19},
    {"lmpop 1 a1 left foo", "-ERR syntax error\r\n", 19},
    {"lmpop 9223372036854775807 a1 left", "-ERR syntax error\r\n", 19},
    {"lmpop 2 a1 str left", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"rpush a1 x", ":1\r\n", 4},
    {"lmpop 2 a1 str left", "*2\r\n$2\r\na1\r\n*1\r\n$1\r\nx\r\n", 23},
    {"lmpop 2 str a1 left", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"del b1 b2", ":0\r\n", 4},
    {"rpush b2 x y z v w u t s r q p", ":11\r\n", 5},
    {"blpop b1 b2 0", "*2\r\n$2\r\nb2\r\n$1\r\nx\r\n", 19},
    {"brpop b1 b2 0.5", "*2\r\n$2\r\nb2\r\n$1\r\np\r\n", 19},
    {"blpop b2 b2 1", "*2\r\n$2\r\nb2\r\n$1\r\ny\r\n", 19},
    {"blpop b1 -1", "-ERR timeout is negative\r\n", 26},
    {"blpop b1 x", "-ERR timeout is not a float or out of range\r\n", 45},
    {"blpop b1 \"\"", "-ERR timeout is not a float or out of range\r\n", 45},
    {"blpop b1 nan", "-ERR timeout is not a float or out of range\r\n", 45},
    {"blpop b1 inf", "-ERR timeout is negative\r\n", 26},
    {"blpop b1 1e400", "-ERR timeout is negative\r\n", 26},
    {"blmpop 0 2 b1 b2 left count 5", "*2\r\n$2\r\nb2\r\n*5\r\n$1\r\nz\r\n$1\r\nv\r\n$1\r\nw\r\n$1\r\nu\r\n$1\r\nt\r\n", 51},
    {"blmpop 0 2 b1 b2 left", "*2\r\n$2\r\nb2\r\n*1\r\n$1\r\ns\r\n", 23},
    {"blmpop x 2 b1 b2 left", "-ERR timeout is not a float or out of range\r\n", 45},
    {"blmpop -1 2 b1 b2 left", "-ERR timeout is negative\r\n", 26},
    {"blmpop 0 0 b1 left", "-ERR numkeys should be greater than 0\r\n", 39},
    {"blmpop 0 3 b1 left", "-ERR syntax error\r\n", 19},
    {"blmpop 0 1 b1 foo", "-ERR syntax error\r\n", 19},
    {"blmpop 0 1 b1 left count 0", "-ERR count should be greater than 0\r\n", 37},
    {"rpush b1 1 2 3", ":3\r\n", 4},
    {"blmove b1 b2 left right 0", "$1\r\n1\r\n", 7},
    {"blmove b1 b2 left right -1", "-ERR timeout is negative\r\n", 26},
    {"blmove b1 b2 left right x", "-ERR timeout is not a float or out of range\r\n", 45},
    {"blmove b1 b2 up right 0", "-ERR syntax error\r\n", 19},
    {"blmove b1 b2 left down x", "-ERR syntax error\r\n", 19},
    {"brpoplpush b1 b2 0", "$1\r\n3\r\n", 7},
    {"brpoplpush b1 b2 -1", "-ERR timeout is negative\r\n", 26},
    {"brpoplpush b1 b2 x", "-ERR timeout is not a float or out of range\r\n", 45},
    {"lrange b2 0 -1", "*4\r\n$1\r\n3\r\n$1\r\nr\r\n$1\r\nq\r\n$1\r\n1\r\n", 32},
    {"brpoplpush b1 str 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"blmove b1 str left left 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 68},
    {"lrange b1 0 -1", "*1\r\n$1\r\n2\r\n", 11},
    {"multi", "+OK\r\n", 5},
    {"blpop nolist 0", "+QUEUED\r\n", 9},
    {"brpop nolist 0", "+QUEUED\r\n", 9},
    {"blmove nolist b2 left left 0", "+QUEUED\r\n", 9},
    {"brpoplpush nolist b2 0", "+QUEUED\r\n", 9},
    {"blmpop 0 1 nolist left", "+QUEUED\r\n", 9},
    {"blpop b1 0", "+QUEUED\r\n", 9},
    {"exec", "*6\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*2\r\n$2\r\nb1\r\n$1\r\n2\r\n", 48},
    {"lpush l", "-ERR wrong number of arguments for 'lpush' command\r\n", 52},
    {"lpop", "-ERR wrong number of arguments for 'lpop' command\r\n", 51},
    {"lrange l 0", "-ERR wrong number of arguments for 'lrange' command\r\n", 53},
    {"lpos l", "-ERR wrong number of arguments for 'lpos' command\r\n", 51},
    {"linsert l before a", "-ERR wrong number of arguments for 'linsert' command\r\n", 54},
    {"lmpop 1 a", "-ERR wrong number of arguments for 'lmpop' command\r\n", 52},
    {"blmpop 0 1 a", "-ERR wrong number of arguments for 'blmpop' command\r\n", 53},
    {"blpop l", "-ERR wrong number of arguments for 'blpop' command\r\n", 52},
    {"blmove a b left left", "-ERR wrong number of arguments for 'blmove' command\r\n", 53},
    {"brpoplpush a b", "-ERR wrong number of arguments for 'brpoplpush' command\r\n", 57},
    {"lmove a b left", "-ERR wrong number of arguments for 'lmove' command\r\n", 52},
    {"hello 3", NULL, 147},
    {"lpop nolist", "_\r\n", 3},
    {"lpop nolist 2", "_\r\n", 3},
    {"lindex nolist 0", "_\r\n", 3},
    {"lpos nolist a", "_\r\n", 3},
    {"lmove nolist x left left", "_\r\n", 3},
    {"lmpop 1 nolist left", "_\r\n", 3},
    {"multi", "+OK\r\n", 5},
    {"blpop nolist 0", "+QUEUED\r\n", 9},
    {"blmove nolist x left left 0", "+QUEUED\r\n", 9},
    {"exec", "*2\r\n_\r\n_\r\n", 10},
    {"rpush r3 a b", ":2\r\n", 4},
    {"lrange r3 0 -1", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", 18},
    {"lpop r3 1", "*1\r\n$1\r\na\r\n", 11},
    {"lmpop 1 r3 left count 3", "*2\r\n$2\r\nr3\r\n*1\r\n$1\r\nb\r\n", 23},
    {"hello 2", NULL, 148},
};

static void test_replies(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    for (size_t i = 0; i < sizeof(replies) / sizeof(*replies); i++) {
        kvt_run(c, replies[i].line);
        if (!replies[i].want) continue;
        is_mem(c->out, sds_len(c->out), replies[i].want, replies[i].len, "[%s] %s", c->resp == 3 ? "resp3" : "resp2",
               replies[i].line);
    }
    kvt_stop(e);
}

/* ---- 2. propagation --------------------------------------------------------- */

static void test_propagation(void) {
    kvt_env *e = start();
    kv_client *c = e->c;
    kvt_run(c, "RPUSH k a b 3");
    KVT_PROP("0 RPUSH k a b 3\n");
    kvt_run(c, "LPUSHX nokey a");
    kvt_run(c, "LPOP nokey");
    kvt_run(c, "LPOP k 0");
    kvt_run(c, "LTRIM k 0 -1");
    kvt_run(c, "LREM k 0 zz");
    kvt_run(c, "LINSERT k before nope x");
    kvt_run(c, "LSET k 9 x");
    kvt_run(c, "LMOVE nokey k left left");
    kvt_run(c, "LMPOP 1 nokey left");
    KVT_PROP("");
    kvt_run(c, "LPUSHX k x");
    kvt_run(c, "LSET k 0 y");
    kvt_run(c, "LINSERT k after y z");
    kvt_run(c, "LREM k 1 z");
    kvt_run(c, "LTRIM k 1 -1");
    KVT_PROP("0 LPUSHX k x\n0 LSET k 0 y\n0 LINSERT k after y z\n0 LREM k 1 z\n0 LTRIM k 1 -1\n");
    kvt_run(c, "RPUSH k 4 5 6 7 8");
    kvt_run(c, "LPOP k");
    kvt_run(c, "RPOP k 2");
    kvt_run(c, "LMOVE k m left right");
    kvt_run(c, "RPOPLPUSH k m");
    KVT_PROP("0 RPUSH k 4 5 6 7 8\n0 LPOP k\n0 RPOP k 2\n0 LMOVE k m left right\n0 RPOPLPUSH k m\n");
    kvt_run(c, "BLPOP nokey k 0");
    kvt_run(c, "BRPOP k 1.5");
    KVT_PROP("0 LPOP k\n0 RPOP k\n");
    kvt_run(c, "DEL k");
    kvt_run(c, "RPUSH k a b c");
    sds_clear(kvt_prop_log);
    kvt_run(c, "LMPOP 2 nokey k right count 2");
    kvt_run(c, "BLMPOP 0 1 k left count 10");
    KVT_PROP("0 RPOP k 2\n0 LPOP k 1\n");
    kvt_run(c, "RPUSH k a b");
    sds_clear(kvt_prop_log);
    kvt_run(c, "BLMOVE k m right left 0");
    kvt_run(c, "BRPOPLPUSH k m 0");
    KVT_PROP("0 LMOVE k m RIGHT LEFT\n0 RPOPLPUSH k m\n");
    kvt_run(c, "SELECT 3");
    kvt_run(c, "RPUSH x 1");
    kvt_run(c, "BLPOP x 0");
    KVT_PROP("3 RPUSH x 1\n3 LPOP x\n");
    kvt_run(c, "MULTI");
    kvt_run(c, "RPUSH x 1 2");
    kvt_run(c, "BLPOP x 0");
    kvt_run(c, "BLPOP nokey 0");
    kvt_run(c, "EXEC");
    KVT_PROP("3 MULTI\n3 RPUSH x 1 2\n3 LPOP x\n3 EXEC\n");
    kvt_stop(e);
}

/* ---- 3. blocking ------------------------------------------------------------ */

static void test_block_basic(void) {
    kvt_env *e = start();
    kv_client *a = kvt_client(e), *p = e->c;
    KVT_CHECK(a, "BLPOP k 0", "");
    ok(blocked(a), "BLPOP on a missing key blocks (no reply)");
    is_int(blocking_count(e->srv, BLOCKED_LIST), 1, "one client blocked on a list");
    kvt_run(p, "INFO clients");
    ok(strstr(p->out, "blocked_clients:1\r\n") != NULL, "INFO clients: blocked_clients:1");
    KVT_PROP("");
    KVT_CHECK(p, "RPUSH k v1 v2", ":2\r\n");
    GOT(a, "*2\r\n$1\r\nk\r\n$2\r\nv1\r\n", "served by a later RPUSH from another client");
    ok(!blocked(a) && a->bstate == NULL, "unblocked after being served");
    KVT_PROP("0 RPUSH k v1 v2\n0 LPOP k\n");
    KVT_CHECK(p, "LRANGE k 0 -1", "*1\r\n$2\r\nv2\r\n");
    kvt_run(p, "INFO clients");
    ok(strstr(p->out, "blocked_clients:0\r\n") != NULL, "INFO clients: blocked_clients:0");

    /* BRPOP over several keys, the second one gets the push. */
    KVT_CHECK(a, "BRPOP n1 n2 n3 0", "");
    KVT_CHECK(p, "LPUSH n2 x y", ":2\r\n");
    GOT(a, "*2\r\n$2\r\nn2\r\n$1\r\nx\r\n", "BRPOP served from the key that got elements");
    KVT_PROP("0 LPUSH n2 x y\n0 RPOP n2\n");
    /* The same key twice: served once. */
    KVT_CHECK(a, "BLPOP d d 0", "");
    KVT_CHECK(p, "RPUSH d 1 2", ":2\r\n");
    GOT(a, "*2\r\n$1\r\nd\r\n$1\r\n1\r\n", "BLPOP d d: served once");
    KVT_CHECK(p, "LLEN d", ":1\r\n");
    kvt_stop(e);
}

static void test_block_fifo(void) {
    kvt_env *e = start();
    kv_client *c1 = kvt_client(e), *c2 = kvt_client(e), *c3 = kvt_client(e), *p = e->c;
    kvt_run(c1, "BLPOP k 0");
    kvt_run(c2, "BLPOP other k 0");
    kvt_run(c3, "BRPOP k 0");
    ok(blocked(c1) && blocked(c2) && blocked(c3), "three clients blocked on k");
    KVT_CHECK(p, "RPUSH k a b", ":2\r\n");
    GOT(c1, "*2\r\n$1\r\nk\r\n$1\r\na\r\n", "first blocked, first served");
    GOT(c2, "*2\r\n$1\r\nk\r\n$1\r\nb\r\n", "second blocked, second served");
    ok(blocked(c3) && sds_len(c3->out) == 0, "third still waits (two elements for three clients)");
    KVT_CHECK(p, "EXISTS k", ":0\r\n");
    KVT_PROP("0 RPUSH k a b\n0 LPOP k\n0 LPOP k\n");
    KVT_CHECK(p, "LPUSH k c", ":1\r\n");
    GOT(c3, "*2\r\n$1\r\nk\r\n$1\r\nc\r\n", "third served by the next push");
    /* A push of several elements serves after the whole command, in
     * arrival order: LPUSH k x y z makes [z y x]. */
    kvt_run(c1, "BLPOP k 0");
    kvt_run(c2, "BRPOP k 0");
    KVT_CHECK(p, "LPUSH k x y z", ":3\r\n");
    GOT(c1, "*2\r\n$1\r\nk\r\n$1\r\nz\r\n", "BLPOP after LPUSH x y z gets z");
    GOT(c2, "*2\r\n$1\r\nk\r\n$1\r\nx\r\n", "BRPOP after it gets x");
    KVT_CHECK(p, "LRANGE k 0 -1", "*1\r\n$1\r\ny\r\n");
    kvt_stop(e);
}

static void test_block_move(void) {
    kvt_env *e = start();
    kv_client *c1 = kvt_client(e), *c2 = kvt_client(e), *p = e->c;
    /* BLMOVE into a key another client waits on: both served in one pass. */
    kvt_run(c1, "BLMOVE src dst left right 0");
    kvt_run(c2, "BLPOP dst 0");
    KVT_CHECK(p, "RPUSH src x", ":1\r\n");
    GOT(c1, "$1\r\nx\r\n", "BLMOVE served with the moved element");
    GOT(c2, "*2\r\n$3\r\ndst\r\n$1\r\nx\r\n", "the client waiting on the destination is served too");
    KVT_PROP("0 RPUSH src x\n0 LMOVE src dst LEFT RIGHT\n0 LPOP dst\n");
    KVT_CHECK(p, "DBSIZE", ":0\r\n");
    /* BRPOPLPUSH propagates RPOPLPUSH. */
    kvt_run(c1, "BRPOPLPUSH src dst 0");
    KVT_CHECK(p, "RPUSH src 1 2", ":2\r\n");
    GOT(c1, "$1\r\n2\r\n", "BRPOPLPUSH served from the tail");
    KVT_PROP("0 RPUSH src 1 2\n0 RPOPLPUSH src dst\n");
    KVT_CHECK(p, "LRANGE dst 0 -1", "*1\r\n$1\r\n2\r\n");
    /* Destination of the wrong type: WRONGTYPE, nothing moved, unblocked. */
    kvt_run(p, "DEL src dst");
    kvt_run(p, "SET dst string");
    sds_clear(kvt_prop_log);
    kvt_run(c1, "BLMOVE src dst right left 0");
    kvt_run(c2, "BLPOP src 0");
    KVT_CHECK(p, "RPUSH src v w", ":2\r\n");
    GOT(c1, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        "BLMOVE to a string destination: WRONGTYPE when served");
    ok(!blocked(c1), "and unblocked");
    GOT(c2, "*2\r\n$3\r\nsrc\r\n$1\r\nv\r\n", "the next client is served the element");
    KVT_PROP("0 RPUSH src v w\n0 LPOP src\n");
    /* BLMOVE src src rotates. */
    kvt_run(p, "DEL src");
    kvt_run(c1, "BLMOVE src src left right 0");
    KVT_CHECK(p, "RPUSH src a", ":1\r\n");
    GOT(c1, "$1\r\na\r\n", "BLMOVE src src");
    KVT_CHECK(p, "LRANGE src 0 -1", "*1\r\n$1\r\na\r\n");
    kvt_stop(e);
}

static void test_block_mpop(void) {
    kvt_env *e = start();
    kv_client *c1 = kvt_client(e), *c2 = kvt_client(e), *p = e->c;
    kvt_run(c1, "BLMPOP 0 2 k1 k2 right count 2");
    kvt_run(c2, "BLMPOP 0 1 k2 left count 5");
    KVT_CHECK(p, "RPUSH k2 a b c", ":3\r\n");
    GOT(c1, "*2\r\n$2\r\nk2\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n", "BLMPOP RIGHT COUNT 2 served");
    GOT(c2, "*2\r\n$2\r\nk2\r\n*1\r\n$1\r\na\r\n", "BLMPOP COUNT 5 gets the one left");
    KVT_PROP("0 RPUSH k2 a b c\n0 RPOP k2 2\n0 LPOP k2 1\n");
    KVT_CHECK(p, "EXISTS k2", ":0\r\n");
    kvt_stop(e);
}

static void test_block_timeouts(void) {
    kvt_env *e = start();
    kv_client *c1 = kvt_client(e), *c2 = kvt_client(e), *c3 = kvt_client(e), *p = e->c;
    kvt_run(c1, "BLPOP k 0.15");
    kvt_run(c2, "BLMOVE k d left left 0.2");
    kvt_run(c3, "BLMPOP 100 1 k left");
    c3->resp = 3;
    blocking_handle_timeouts(e->srv);
    ok(blocked(c1) && blocked(c2), "not timed out yet");
    usleep(250000);
    blocking_handle_timeouts(e->srv);
    GOT(c1, "*-1\r\n", "BLPOP timeout: null array");
    GOT(c2, "*-1\r\n", "BLMOVE timeout: null array too (as Redis 7.0)");
    ok(blocked(c3), "a 100 s timeout still waits");
    is_int(blocking_unblock_by_id(e->srv, c3->id, 0), 1, "unblock by id (TIMEOUT)");
    GOT(c3, "_\r\n", "timeout reply in RESP3: null");
    is_int(blocking_unblock_by_id(e->srv, c3->id, 0), 0, "not blocked any more: 0");
    is_int(blocking_unblock_by_id(e->srv, 999999, 1), 0, "no such client: 0");
    kvt_run(c3, "BLPOP k 0");
    is_int(blocking_unblock_by_id(e->srv, c3->id, 1), 1, "unblock by id (ERROR)");
    GOT(c3, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", "ERROR reply");
    KVT_PROP("");
    KVT_CHECK(p, "RPUSH k v", ":1\r\n");
    ok(!blocked(c1) && !blocked(c2) && !blocked(c3) && sds_len(c1->out) == 0, "nobody waits any more");
    kvt_stop(e);
}

static void test_block_keyspace_events(void) {
    kvt_env *e = start();
    kv_client *c1 = kvt_client(e), *p = e->c;
    /* Type change and deletion keep the client blocked (Redis 7.0). */
    kvt_run(c1, "BLPOP k 0");
    kvt_run(p, "SET k string");
    kvt_run(p, "DEL k");
    kvt_run(p, "ZADD k 1 a");
    kvt_run(p, "DEL k");
    kvt_run(p, "FLUSHALL");
    ok(blocked(c1) && sds_len(c1->out) == 0, "SET/DEL/ZADD/FLUSHALL on the key: still blocked");
    KVT_CHECK(p, "RPUSH k v", ":1\r\n");
    GOT(c1, "*2\r\n$1\r\nk\r\n$1\r\nv\r\n", "then served by a push");
    /* A push inside MULTI serves after EXEC. */
    kvt_run(c1, "BLPOP k 0");
    kvt_run(p, "MULTI");
    kvt_run(p, "RPUSH k a");
    kvt_run(p, "RPUSH k b");
    ok(blocked(c1), "queued pushes serve nobody");
    KVT_CHECK(p, "EXEC", "*2\r\n:1\r\n:2\r\n");
    GOT(c1, "*2\r\n$1\r\nk\r\n$1\r\na\r\n", "served after EXEC");
    /* SWAPDB brings a list into the client's db. */
    kvt_run(c1, "BLPOP s 0");
    kvt_run(p, "SELECT 1");
    kvt_run(p, "RPUSH s fromdb1");
    ok(blocked(c1), "a push in another db does not serve");
    kvt_run(p, "SWAPDB 0 1");
    GOT(c1, "*2\r\n$1\r\ns\r\n$7\r\nfromdb1\r\n", "SWAPDB serves the client in db 0");
    kvt_run(p, "SELECT 0");
    /* served in db 2: propagated with db 2 */
    kvt_run(c1, "SELECT 2");
    kvt_run(c1, "BLPOP q 0");
    kvt_run(p, "SELECT 2");
    sds_clear(kvt_prop_log);
    kvt_run(p, "RPUSH q 1");
    KVT_PROP("2 RPUSH q 1\n2 LPOP q\n");
    GOT(c1, "*2\r\n$1\r\nq\r\n$1\r\n1\r\n", "served in db 2");
    /* blocking denied (MULTI/EXEC, AOF loader) */
    c1->flags |= CLIENT_DENY_BLOCKING;
    KVT_CHECK(c1, "BLPOP q 0", "*-1\r\n");
    KVT_CHECK(c1, "BRPOPLPUSH q x 0", "$-1\r\n");
    c1->flags &= ~CLIENT_DENY_BLOCKING;
    /* a client freed while blocked is forgotten */
    kv_client *c2 = kvt_client(e);
    kvt_run(c2, "BLPOP gone 0");
    kvt_run(c1, "BLPOP gone 0");
    blocking_client_free(c2);
    client_free(c2);
    kvt_run(p, "RPUSH gone x y");
    GOT(c1, "*2\r\n$4\r\ngone\r\n$1\r\nx\r\n", "the next waiter is served");
    KVT_CHECK(p, "LLEN gone", ":1\r\n");
    is_int(blocking_count(e->srv, -1), 0, "no client blocked");
    kvt_stop(e);
}

/* ---- 4. random workload, replayed ------------------------------------------- */

static const char *const VALS[] = {"a", "b", "c", "1", "2", "-3", "007", "", "long-value-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
#define NV (sizeof(VALS) / sizeof(*VALS))

static sds gen_key(sds s) { return sds_catprintf(s, " k%ld", below(5)); }
static sds gen_val(sds s) { return sds_catprintf(s, " \"%s\"", VALS[below((long)NV)]); }
static const char *lr(void) { return below(2) ? "LEFT" : "RIGHT"; }

static sds gen_command(void) {
    sds s = sds_empty();
    switch (below(17)) {
    case 0: case 1: case 2:
        s = sds_cat(s, below(2) ? "RPUSH" : "LPUSH");
        s = gen_key(s);
        for (long i = 0, n = 1 + below(6); i < n; i++) s = gen_val(s);
        break;
    case 3: s = gen_val(gen_key(sds_cat(s, below(2) ? "LPUSHX" : "RPUSHX"))); break;
    case 4:
        s = gen_key(sds_cat(s, below(2) ? "LPOP" : "RPOP"));
        if (below(2)) s = sds_catprintf(s, " %ld", below(4));
        break;
    case 5: s = gen_val(sds_catprintf(gen_key(sds_cat(s, "LSET")), " %ld", below(8) - 4)); break;
    case 6: s = gen_val(gen_val(sds_catprintf(gen_key(sds_cat(s, "LINSERT")), " %s", below(2) ? "BEFORE" : "AFTER"))); break;
    case 7: s = gen_val(sds_catprintf(gen_key(sds_cat(s, "LREM")), " %ld", below(5) - 2)); break;
    case 8: s = sds_catprintf(gen_key(sds_cat(s, "LTRIM")), " %ld %ld", below(6) - 2, below(8) - 3); break;
    case 9: s = sds_catprintf(gen_key(gen_key(sds_cat(s, "LMOVE"))), " %s %s", lr(), lr()); break;
    case 10: s = gen_key(gen_key(sds_cat(s, "RPOPLPUSH"))); break;
    case 11:
        s = sds_catprintf(gen_key(gen_key(sds_cat(s, "LMPOP 2"))), " %s", lr());
        if (below(2)) s = sds_catprintf(s, " COUNT %ld", 1 + below(4));
        break;
    case 12: s = gen_key(sds_cat(s, below(4) ? "DEL" : "SET")); if (s[0] == 'S') s = sds_cat(s, " str"); break;
    case 13: s = sds_catprintf(s, "SELECT %ld", below(2)); break;
    case 14: s = gen_key(sds_cat(s, "LRANGE")); s = sds_cat(s, " 0 -1"); break;
    case 15: s = sds_catprintf(gen_key(gen_key(sds_cat(s, below(2) ? "BLPOP" : "BRPOP"))), " 0"); break;
    default: s = sds_catprintf(gen_key(gen_key(sds_cat(s, "BLMOVE"))), " %s %s 0", lr(), lr()); break;
    }
    return s;
}

static sds gen_blocking(void) {
    sds s = sds_empty();
    switch (below(5)) {
    case 0: return sds_catprintf(gen_key(gen_key(sds_cat(s, "BLPOP"))), " 0");
    case 1: return sds_catprintf(gen_key(sds_cat(s, "BRPOP")), " 0");
    case 2: return sds_catprintf(gen_key(gen_key(sds_cat(s, "BLMOVE"))), " %s %s 0", lr(), lr());
    case 3: return sds_cat(gen_key(gen_key(sds_cat(s, "BRPOPLPUSH"))), " 0");
    default: return sds_catprintf(gen_key(gen_key(sds_cat(s, "BLMPOP 0 2"))), " %s COUNT %ld", lr(), 1 + below(3));
    }
}

typedef struct op_log {
    int n, cap;
    int *db;
    int *argc;
    sds **argv;
} op_log;

static void log_op(void *priv, int dbid, int argc, sds *argv) {
    op_log *l = priv;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->db = realloc(l->db, sizeof(int) * (size_t)l->cap);
        l->argc = realloc(l->argc, sizeof(int) * (size_t)l->cap);
        l->argv = realloc(l->argv, sizeof(sds *) * (size_t)l->cap);
    }
    l->db[l->n] = dbid;
    l->argc[l->n] = argc;
    l->argv[l->n] = malloc(sizeof(sds) * (size_t)argc);
    for (int i = 0; i < argc; i++) l->argv[l->n][i] = sds_dup(argv[i]);
    l->n++;
}

static void test_random_replay(void) {
    kvt_env *a = kvt_start(), *b = kvt_start();
    op_log log = {0};
    a->cfg.list_max_listpack_size = 3; /* small nodes: splits, merges, compression */
    a->cfg.list_compress_depth = 1;
    cmd_prop_subscribe(a->srv, log_op, &log);
    kv_client *blockers[4];
    for (int i = 0; i < 4; i++) blockers[i] = kvt_client(a);
    int served = 0, wrong = 0;
    for (int i = 0; i < 20000; i++) {
        if (below(6) == 0) {
            kv_client *bc = blockers[below(4)];
            if (!blocked(bc)) {
                kvt_run(bc, below(3) ? "SELECT 0" : "SELECT 1");
                sds line = gen_blocking();
                kvt_run(bc, line);
                sds_free(line);
            }
        }
        sds line = gen_command();
        kv_client *c = a->c;
        if (!strncmp(line, "BL", 2) || !strncmp(line, "BR", 2)) {
            /* the main client must not block: run it inside MULTI */
            kvt_run(c, "MULTI");
            kvt_run(c, line);
            kvt_run(c, "EXEC");
        } else {
            kvt_run(c, line);
        }
        sds_free(line);
        for (int j = 0; j < 4; j++) {
            if (!blocked(blockers[j]) && sds_len(blockers[j]->out)) {
                served++;
                wrong += blockers[j]->out[0] == '-' && strncmp(blockers[j]->out, "-WRONGTYPE", 10) != 0;
                sds_clear(blockers[j]->out);
            }
        }
    }
    for (int j = 0; j < 4; j++) blocking_client_free(blockers[j]);
    ok(served > 100, "blocked clients were served during the workload (%d)", served);
    is_int(wrong, 0, "no unexpected error reply to a blocked client");
    int errors = 0, curdb = -1;
    b->srv->loading = 1;
    for (int i = 0; i < log.n; i++) {
        if (log.db[i] != curdb) {
            kvt_runf(b->c, "SELECT %d", log.db[i]);
            curdb = log.db[i];
        }
        sds *v = mem_alloc(sizeof(sds) * (size_t)log.argc[i]);
        for (int j = 0; j < log.argc[i]; j++) v[j] = sds_dup(log.argv[i][j]);
        sds_clear(b->c->out);
        client_set_argv(b->c, log.argc[i], v);
        cmd_replay(b->c);
        client_reset_argv(b->c);
        if (b->c->out[0] == '-' && errors++ < 5) diag("replay error on %s: %s", log.argv[i][0], b->c->out);
        if (!strcasecmp(log.argv[i][0], "BLPOP") || !strcasecmp(log.argv[i][0], "BRPOP") ||
            !strcasecmp(log.argv[i][0], "BLMOVE") || !strcasecmp(log.argv[i][0], "BLMPOP") ||
            !strcasecmp(log.argv[i][0], "BRPOPLPUSH"))
            errors += 1000;
        for (int j = 0; j < log.argc[i]; j++) sds_free(log.argv[i][j]);
        free(log.argv[i]);
    }
    b->srv->loading = 0;
    is_int(errors, 0, "the propagated stream (%d ops) replays without errors and without blocking commands", log.n);
    char da[41], db[41];
    debug_dataset_digest(a->srv, da);
    debug_dataset_digest(b->srv, db);
    is_str(db, da, "replayed dataset digest equals the original");
    diag("final keys: db 0 %lld, db 1 %lld", db_size(&a->srv->dbs[0]), db_size(&a->srv->dbs[1]));
    free(log.db);
    free(log.argc);
    free(log.argv);
    kvt_stop(a);
    kvt_stop(b);
}

/* ---- 5. object API ------------------------------------------------------------- */

static void test_object_api(void) {
    kvt_env *e = start();
    e->cfg.list_max_listpack_size = 4;
    e->cfg.list_compress_depth = 2;
    kv_client *c = e->c;
    sds elems = sds_empty();
    for (int i = 0; i < 500; i++) elems = sds_catprintf(elems, i % 2 ? " %d" : " value-%d-xxxxxxxxxxxxxxxxxxxxxx", i);
    sds cmd = sds_catsds(sds_new("RPUSH big"), elems);
    sds cmd2 = sds_catsds(sds_new("RPUSH big2"), elems);
    kvt_run(c, cmd); /* fill 4, depth 2 */
    e->cfg.list_max_listpack_size = -2;
    e->cfg.list_compress_depth = 0;
    kvt_run(c, cmd2); /* 8 KiB nodes, no compression */
    KVT_CHECK(c, "OBJECT ENCODING big", "$9\r\nquicklist\r\n");
    sds k1 = sds_new("big"), k2 = sds_new("big2");
    kv_obj *o1 = db_find(c->db, k1), *o2 = db_find(c->db, k2);
    ok(o1 && o2 && ql_node_count(o1->ptr) > 100 && ql_node_count(o2->ptr) < 10 && ql_compressed_nodes(o1->ptr) > 0,
       "same elements, different node layouts (%lu vs %lu nodes)", o1 ? ql_node_count(o1->ptr) : 0,
       o2 ? ql_node_count(o2->ptr) : 0);
    uint8_t d1[SHA1_DIGEST_LEN], d2[SHA1_DIGEST_LEN], d3[SHA1_DIGEST_LEN];
    debug_value_digest(o1, d1);
    debug_value_digest(o2, d2);
    ok(memcmp(d1, d2, sizeof(d1)) == 0, "value digest does not depend on the node layout");
    /* RDB-style export and import of node listpacks. */
    kv_obj *copy = list_obj_new(&e->cfg);
    int valid = 1;
    for (ql_node *n = ql_first_node(o1->ptr); n; n = ql_node_next(n)) {
        size_t len;
        unsigned char *owned;
        const unsigned char *lp = ql_node_listpack(n, &len, &owned);
        unsigned char *blob = lp_from_blob(lp, len);
        if (!blob) valid = 0;
        else ql_append_listpack(copy->ptr, blob);
        mem_free(owned);
    }
    debug_value_digest(copy, d3);
    ok(valid && memcmp(d1, d3, sizeof(d1)) == 0 && ql_node_count(copy->ptr) == ql_node_count(o1->ptr),
       "list rebuilt from exported node listpacks: same value, same nodes");
    obj_decr_ref(copy);
    kv_obj *dup = obj_dup(o1);
    debug_value_digest(dup, d3);
    ok(dup != o1 && memcmp(d1, d3, sizeof(d1)) == 0, "obj_dup (COPY) deep-copies a list");
    obj_decr_ref(dup);
    ok(obj_mem_usage(o1) > 500 * 10, "memory usage accounts the nodes");
    sds_free(k1);
    sds_free(k2);
    sds_free(cmd);
    sds_free(cmd2);
    sds_free(elems);
    kvt_stop(e);
}

int main(void) {
    const char *env = getenv("STRATA_TEST_SEED");
    seed = env ? strtoull(env, NULL, 10) : (uint64_t)util_mstime();
    diag("seed %llu (STRATA_TEST_SEED to reproduce)", (unsigned long long)seed);
    kvt_prop_log = sds_empty();
    test_replies();
    test_propagation();
    test_block_basic();
    test_block_fifo();
    test_block_move();
    test_block_mpop();
    test_block_timeouts();
    test_block_keyspace_events();
    test_random_replay();
    test_object_api();
    sds_free(kvt_prop_log);
    return done_testing();
}
