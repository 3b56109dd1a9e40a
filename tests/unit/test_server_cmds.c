/*
 * tests/unit/test_server_cmds.c — server and connection commands through the
 * real dispatch (fake clients, cmd_process, raw RESP replies): PING ECHO
 * QUIT RESET HELLO AUTH SELECT CLIENT INFO COMMAND CONFIG TIME DEBUG
 * SHUTDOWN MONITOR SLOWLOG LATENCY MEMORY; maxmemory eviction under every
 * policy; the dataset digest; the log format.  Error texts are Redis
 * 7.0.15's, checked against the real server.
 */
#include <regex.h>
#include <stdio.h>
#include <unistd.h>

#include "engine/cmd_docs.h"
#include "engine/db.h"
#include "engine/debug.h"
#include "engine/evict.h"
#include "engine/info.h"
#include "engine/latency.h"
#include "engine/log.h"
#include "engine/monitor.h"
#include "engine/server_cmds.h"
#include "engine/slowlog.h"
#include "engine/util.h"
#include "kvtest.h"
#include "tests/tap.h"

/* ---- helpers -------------------------------------------------------------- */

static int matches(const char *s, const char *re) {
    regex_t rx;
    if (regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE) != 0) return 0;
    int ok = regexec(&rx, s, 0, NULL, 0) == 0;
    regfree(&rx);
    return ok;
}

static int contains(const char *s, const char *needle) { return s && strstr(s, needle) != NULL; }

/* tap.h's is_str evaluates its arguments more than once: run the command
 * once, then compare. */
#define is_reply(c, line, want, ...)             \
    do {                                         \
        const char *want_ = (want);              \
        const char *got_ = kvt_run((c), (line)); \
        is_str(got_, want_, __VA_ARGS__);        \
    } while (0)

static int starts(const char *s, const char *prefix) { return s && strncmp(s, prefix, strlen(prefix)) == 0; }

/* A client that is not CLIENT_FAKE (so the slowlog sees it), with an address. */
static kv_client *real_client(kvt_env *e, const char *addr) {
    kv_client *c = kvt_client(e);
    c->flags &= ~CLIENT_FAKE;
    snprintf(c->addr, sizeof(c->addr), "%s", addr);
    snprintf(c->laddr, sizeof(c->laddr), "127.0.0.1:6379");
    return c;
}

typedef struct recorder {
    int ops, dels, sets;
    char last[256];
} recorder;

static void record(void *priv, int dbid, int argc, sds *argv) {
    recorder *r = priv;
    r->ops++;
    if (!strcasecmp(argv[0], "del") || !strcasecmp(argv[0], "unlink")) r->dels++;
    if (!strcasecmp(argv[0], "set")) r->sets++;
    snprintf(r->last, sizeof(r->last), "%s %s", argv[0], argc > 1 ? argv[1] : "");
}

/* ---- connection commands ---------------------------------------------------- */

static void test_ping_echo_select(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    is_reply(c, "PING", "+PONG\r\n", "PING");
    is_reply(c, "PING hello", "$5\r\nhello\r\n", "PING message");
    is_reply(c, "PING a b", "-ERR wrong number of arguments for 'ping' command\r\n", "PING arity");
    is_reply(c, "ECHO hi", "$2\r\nhi\r\n", "ECHO");
    is_reply(c, "ECHO", "-ERR wrong number of arguments for 'echo' command\r\n", "ECHO arity");
    is_reply(c, "SELECT 3", "+OK\r\n", "SELECT 3");
    is_int(c->db->id, 3, "db switched");
    is_reply(c, "SELECT x", "-ERR value is not an integer or out of range\r\n", "SELECT not int");
    is_reply(c, "SELECT 16", "-ERR DB index is out of range\r\n", "SELECT out of range");
    is_reply(c, "SELECT -1", "-ERR DB index is out of range\r\n", "SELECT negative");
    is_reply(c, "QUIT", "+OK\r\n", "QUIT");
    ok(c->flags & CLIENT_CLOSE_AFTER_REPLY, "QUIT closes after the reply");
    kvt_stop(e);
}

static void test_hello(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    char want[512];
    snprintf(want, sizeof(want),
             "%%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"
             "$2\r\nid\r\n:%llu\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
             "$7\r\nmodules\r\n*0\r\n",
             (unsigned long long)c->id);
    is_reply(c, "HELLO 3", want, "HELLO 3: Redis 7.0's map");
    is_int(c->resp, 3, "now RESP3");
    is_reply(c, "PING", "+PONG\r\n", "PING under RESP3");
    is_reply(c, "CLIENT GETNAME", "_\r\n", "RESP3 null");
    ok(starts(kvt_run(c, "HELLO 2"), "*14\r\n$6\r\nserver"), "HELLO 2: flat array");
    is_int(c->resp, 2, "back to RESP2");
    ok(starts(kvt_run(c, "HELLO"), "*14\r\n"), "HELLO with no version keeps the protocol");
    is_reply(c, "HELLO 4", "-NOPROTO unsupported protocol version\r\n", "HELLO 4");
    is_reply(c, "HELLO 1", "-NOPROTO unsupported protocol version\r\n", "HELLO 1");
    is_reply(c, "HELLO x", "-ERR Protocol version is not an integer or out of range\r\n", "HELLO x");
    is_reply(c, "HELLO 3 foo", "-ERR Syntax error in HELLO option 'foo'\r\n", "HELLO bad option");
    is_reply(c, "HELLO 3 auth a", "-ERR Syntax error in HELLO option 'auth'\r\n", "HELLO AUTH missing pass");
    is_reply(c, "HELLO 3 SETNAME \"a b\"",
           "-ERR Client names cannot contain spaces, newlines or special characters.\r\n", "HELLO bad name");
    is_int(c->resp, 2, "failed HELLO changes nothing");
    ok(contains(kvt_run(c, "HELLO 2 SETNAME conn1"), "standalone"), "HELLO SETNAME");
    is_reply(c, "CLIENT GETNAME", "$5\r\nconn1\r\n", "name set by HELLO");
    ok(contains(kvt_run(c, "HELLO 2 AUTH default whatever"), "server"), "HELLO AUTH default with no password");
    is_reply(c, "HELLO 3 AUTH bob pw", "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
           "HELLO AUTH unknown user");
    kvt_stop(e);
}

static void test_auth(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    is_reply(c, "AUTH x",
           "-ERR AUTH <password> called without any password configured for the default user. Are you sure "
           "your configuration is correct?\r\n",
           "AUTH with no requirepass");
    is_reply(c, "AUTH a b", "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
           "AUTH unknown user");
    is_reply(c, "AUTH default anything", "+OK\r\n", "AUTH default <any> with no password");
    is_reply(c, "AUTH a b c", "-ERR syntax error\r\n", "AUTH too many args");
    is_reply(c, "CONFIG SET requirepass s3cret", "+OK\r\n", "set requirepass");

    kv_client *d = kvt_client(e);
    ok(!d->authenticated, "new client starts unauthenticated");
    is_reply(d, "GET a", "-NOAUTH Authentication required.\r\n", "NOAUTH");
    ok(starts(kvt_run(d, "HELLO 3"), "-NOAUTH HELLO must be called with the client already authenticated"),
       "HELLO without AUTH refused");
    is_int(d->resp, 2, "refused HELLO keeps RESP2");
    is_reply(d, "AUTH wrong", "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
           "AUTH wrong password");
    is_reply(d, "AUTH s3cret", "+OK\r\n", "AUTH right password");
    is_reply(d, "GET a", "$-1\r\n", "commands allowed after AUTH");
    is_reply(d, "RESET", "+RESET\r\n", "RESET");
    ok(!d->authenticated, "RESET forgets AUTH when a password is set");
    is_reply(d, "AUTH default s3cret", "+OK\r\n", "AUTH default pass");
    kvt_run(d, "RESET");
    ok(contains(kvt_run(d, "HELLO 3 AUTH default s3cret"), "proto"), "HELLO 3 AUTH default pass");
    ok(d->authenticated && d->resp == 3, "HELLO AUTH authenticates and switches protocol");
    kvt_stop(e);
}

static void test_reset(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    kvt_run(c, "HELLO 3");
    kvt_run(c, "SELECT 5");
    kvt_run(c, "CLIENT SETNAME x");
    kvt_run(c, "CLIENT NO-EVICT on");
    kvt_run(c, "MULTI");
    is_reply(c, "RESET", "+RESET\r\n", "RESET inside MULTI");
    ok(!(c->flags & CLIENT_MULTI), "MULTI discarded");
    ok(!(c->flags & CLIENT_NO_EVICT), "NO-EVICT cleared");
    is_int(c->resp, 2, "RESP2 again");
    is_int(c->db->id, 0, "db 0 again");
    ok(c->name == NULL, "name cleared");
    kvt_stop(e);
}

static void test_client(void) {
    kvt_env *e = kvt_start();
    kv_client *c = real_client(e, "127.0.0.1:5555");
    kv_client *other = real_client(e, "127.0.0.1:6666");
    char want[64];
    snprintf(want, sizeof(want), ":%llu\r\n", (unsigned long long)c->id);
    is_reply(c, "CLIENT ID", want, "CLIENT ID");
    is_reply(c, "CLIENT ID x", "-ERR wrong number of arguments for 'client|id' command\r\n", "CLIENT ID arity");
    is_reply(c, "CLIENT", "-ERR wrong number of arguments for 'client' command\r\n", "CLIENT alone");
    is_reply(c, "CLIENT FOO", "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n", "CLIENT unknown");
    is_reply(c, "CLIENT GETNAME", "$-1\r\n", "no name");
    is_reply(c, "CLIENT SETNAME myname", "+OK\r\n", "SETNAME");
    is_reply(c, "CLIENT GETNAME", "$6\r\nmyname\r\n", "GETNAME");
    is_reply(c, "CLIENT SETNAME \"a b\"",
           "-ERR Client names cannot contain spaces, newlines or special characters.\r\n", "SETNAME space");
    is_reply(c, "CLIENT SETNAME \"\"", "+OK\r\n", "SETNAME empty clears");
    is_reply(c, "CLIENT GETNAME", "$-1\r\n", "name cleared");

    const char *line = kvt_run(c, "CLIENT INFO");
    ok(matches(line, "^\\$[0-9]+\r\nid=[0-9]+ addr=127\\.0\\.0\\.1:5555 laddr=127\\.0\\.0\\.1:6379 fd=-1 name= "
                     "age=[0-9]+ idle=[0-9]+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=[0-9]+ "
                     "qbuf-free=[0-9]+ argv-mem=[0-9]+ multi-mem=0( rbs=[0-9]+ rbp=[0-9]+)? obl=[0-9]+ oll=0 "
                     "omem=[0-9]+ tot-mem=[0-9]+ events=r cmd=[a-z|]+ user=default redir=-1 resp=2\n\r\n$"),
       "CLIENT INFO: Redis 7.0's field layout");
    const char *list = kvt_run(c, "CLIENT LIST");
    ok(contains(list, "addr=127.0.0.1:5555") && contains(list, "addr=127.0.0.1:6666"), "CLIENT LIST lists both");
    ok(strstr(list, "addr=127.0.0.1:5555") < strstr(list, "addr=127.0.0.1:6666"), "oldest first");
    char cmdline[128];
    snprintf(cmdline, sizeof(cmdline), "CLIENT LIST ID %llu", (unsigned long long)other->id);
    list = kvt_run(c, cmdline);
    ok(contains(list, "6666") && !contains(list, "5555"), "CLIENT LIST ID");
    is_reply(c, "CLIENT LIST ID x", "-ERR Invalid client ID\r\n", "LIST ID not a number");
    is_reply(c, "CLIENT LIST TYPE foo", "-ERR Unknown client type 'foo'\r\n", "LIST bad type");
    ok(contains(kvt_run(c, "CLIENT LIST TYPE normal"), "5555"), "LIST TYPE normal");
    is_reply(c, "CLIENT LIST TYPE pubsub", "$0\r\n\r\n", "LIST TYPE pubsub: none");
    is_reply(c, "CLIENT LIST foo", "-ERR syntax error\r\n", "LIST syntax");
    kvt_run(c, "HELLO 3");
    ok(starts(kvt_run(c, "CLIENT INFO"), "=") && contains(c->out, "txt:id="), "RESP3: verbatim txt");
    kvt_run(c, "HELLO 2");

    is_reply(c, "CLIENT NO-EVICT on", "+OK\r\n", "NO-EVICT on");
    ok(c->flags & CLIENT_NO_EVICT, "flag set");
    is_reply(c, "CLIENT NO-EVICT maybe", "-ERR syntax error\r\n", "NO-EVICT bad arg");
    is_reply(c, "CLIENT NO-EVICT off", "+OK\r\n", "NO-EVICT off");

    is_reply(c, "CLIENT REPLY OFF", "", "REPLY OFF answers nothing");
    is_reply(c, "PING", "", "replies suppressed");
    is_reply(c, "CLIENT REPLY ON", "+OK\r\n", "REPLY ON");
    is_reply(c, "CLIENT REPLY maybe", "-ERR syntax error\r\n", "REPLY bad arg");
    is_reply(c, "CLIENT REPLY SKIP", "", "REPLY SKIP answers nothing");
    is_reply(c, "PING", "", "the next command is silenced");
    is_reply(c, "PING", "+PONG\r\n", "and only that one");

    ok(contains(kvt_run(c, "CLIENT HELP"), "NO-EVICT (ON|OFF)"), "CLIENT HELP");

    /* KILL */
    is_reply(c, "CLIENT KILL 1.2.3.4:5", "-ERR No such client\r\n", "KILL old form, no match");
    is_reply(c, "CLIENT KILL ID 0", "-ERR client-id should be greater than 0\r\n", "KILL ID 0");
    is_reply(c, "CLIENT KILL ID abc", "-ERR client-id should be greater than 0\r\n", "KILL ID abc");
    is_reply(c, "CLIENT KILL ID 99999", ":0\r\n", "KILL ID none");
    is_reply(c, "CLIENT KILL TYPE foo", "-ERR Unknown client type 'foo'\r\n", "KILL bad type");
    is_reply(c, "CLIENT KILL USER foo", "-ERR No such user 'foo'\r\n", "KILL unknown user");
    is_reply(c, "CLIENT KILL USER default SKIPME maybe", "-ERR syntax error\r\n", "KILL bad skipme");
    is_reply(c, "CLIENT KILL foo bar", "-ERR syntax error\r\n", "KILL bad option");
    is_reply(c, "CLIENT KILL ID 5 TYPE", "-ERR syntax error\r\n", "KILL odd option count");
    is_reply(c, "CLIENT KILL ADDR 127.0.0.1:5555", ":0\r\n", "KILL ADDR skips me by default");
    ok(!(c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)), "caller untouched");
    is_reply(c, "CLIENT KILL 127.0.0.1:6666", "+OK\r\n", "KILL old form");
    ok(other->flags & CLIENT_CLOSE_ASAP, "victim marked to close");
    other->flags &= ~CLIENT_CLOSE_ASAP;
    snprintf(cmdline, sizeof(cmdline), "CLIENT KILL ID %llu", (unsigned long long)other->id);
    is_reply(c, cmdline, ":1\r\n", "KILL ID");
    other->flags &= ~CLIENT_CLOSE_ASAP;
    is_reply(c, "CLIENT KILL LADDR 127.0.0.1:6379 TYPE normal", ":1\r\n", "KILL LADDR + TYPE");
    ok(!(c->flags & CLIENT_CLOSE_AFTER_REPLY), "SKIPME yes by default");
    other->flags &= ~CLIENT_CLOSE_ASAP;
    is_reply(c, "CLIENT KILL ADDR 127.0.0.1:5555 SKIPME no", ":1\r\n", "KILL myself with SKIPME no");
    ok(c->flags & CLIENT_CLOSE_AFTER_REPLY, "self-kill closes after the reply");
    kvt_stop(e);
}

/* ---- INFO ---------------------------------------------------------------- */

static sds custom_part(kv_server *srv, sds out, void *priv) {
    return sds_catprintf(out, "custom_field:%d\r\n", *(int *)priv);
}

static void test_info(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    kvt_run(c, "SET a 1");
    kvt_run(c, "SET b 2 EX 100");
    const char *r = kvt_run(c, "INFO");
    ok(r[0] == '$', "INFO is a bulk string in RESP2");
    static const char *const sections[] = {"# Server\r\n", "# Clients\r\n", "# Memory\r\n", "# Persistence\r\n",
                                           "# Stats\r\n", "# Replication\r\n", "# CPU\r\n", "# Modules\r\n",
                                           "# Errorstats\r\n", "# Cluster\r\n", "# Keyspace\r\n", NULL};
    for (int i = 0; sections[i]; i++)
        ok(contains(r, sections[i]), "default INFO has %.*s", (int)strlen(sections[i]) - 2, sections[i]);
    ok(!contains(r, "# Commandstats"), "commandstats only on request");
    static const char *const fields[] = {
        "redis_version:7.0.15\r\n", "strata_version:", "redis_mode:standalone\r\n", "process_id:", "run_id:",
        "tcp_port:6379\r\n", "uptime_in_seconds:", "uptime_in_days:", "hz:", "lru_clock:", "connected_clients:",
        "maxclients:10000\r\n", "blocked_clients:0\r\n", "used_memory:", "used_memory_human:", "used_memory_rss:",
        "used_memory_peak:", "used_memory_peak_human:", "maxmemory:0\r\n", "maxmemory_policy:noeviction\r\n",
        "mem_fragmentation_ratio:", "mem_allocator:", "loading:0\r\n", "rdb_changes_since_last_save:",
        "rdb_bgsave_in_progress:0\r\n", "rdb_last_save_time:", "rdb_last_bgsave_status:ok\r\n", "aof_enabled:0\r\n",
        "aof_rewrite_in_progress:0\r\n", "aof_last_write_status:ok\r\n", "total_connections_received:",
        "total_commands_processed:", "instantaneous_ops_per_sec:", "total_net_input_bytes:", "expired_keys:",
        "evicted_keys:0\r\n", "keyspace_hits:", "keyspace_misses:", "total_error_replies:", "role:master\r\n",
        "connected_slaves:0\r\n", "master_replid:", "master_repl_offset:0\r\n", "used_cpu_sys:", "used_cpu_user:",
        "cluster_enabled:0\r\n", "db0:keys=2,expires=1,avg_ttl=", NULL};
    for (int i = 0; fields[i]; i++)
        ok(contains(r, fields[i]), "INFO field %.*s", (int)strcspn(fields[i], "\r"), fields[i]);
    ok(matches(r, "^used_memory:[0-9]+\r$"), "used_memory is a number");
    ok(matches(r, "^used_cpu_sys:[0-9]+\\.[0-9]{6}\r$"), "used_cpu_sys has 6 decimals");
    ok(matches(r, "^rdb_changes_since_last_save:2\r$"), "rdb_changes_since_last_save follows srv->dirty");
    ok(!matches(r, "\r\n\r\n\r\n"), "sections separated by exactly one empty line");

    r = kvt_run(c, "INFO keyspace");
    ok(matches(r, "^\\$[0-9]+\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=[0-9]+\r\n\r\n"), "INFO keyspace alone");
    is_reply(c, "INFO nosuchsection", "$0\r\n\r\n", "unknown section: empty");
    r = kvt_run(c, "INFO clients KEYSPACE");
    ok(contains(r, "# Clients\r\n") && contains(r, "# Keyspace\r\n") && !contains(r, "# Server"), "two sections");
    r = kvt_run(c, "INFO all");
    ok(contains(r, "# Commandstats\r\n") && contains(r, "cmdstat_set:calls=2,usec="), "INFO all: commandstats");
    ok(matches(r, "^cmdstat_set:calls=2,usec=[0-9]+,usec_per_call=[0-9]+\\.[0-9]{2},rejected_calls=0,"
                  "failed_calls=0\r$"),
       "cmdstat line format");
    r = kvt_run(c, "INFO commandstats");
    ok(contains(r, "cmdstat_info:calls="), "INFO counts itself");
    ok(contains(kvt_run(c, "INFO everything"), "# Commandstats"), "INFO everything");

    kvt_run(c, "CONFIG RESETSTAT");
    info_count_error(e->srv, "ERR x");
    info_count_error(e->srv, "-WRONGTYPE Operation against a key");
    info_count_error(e->srv, "wrong number of arguments");
    info_count_error(e->srv, "-NOPROTO unsupported");
    r = kvt_run(c, "INFO errorstats");
    ok(matches(r, "^errorstat_ERR:count=2\r$"), "errorstat_ERR counted (code-less text counts as ERR)");
    ok(contains(r, "errorstat_WRONGTYPE:count=1\r\n") && contains(r, "errorstat_NOPROTO:count=1\r\n"),
       "error codes taken from the reply");

    static int value = 42;
    is_int(info_register("persistence", "rdb", custom_part, &value, INFO_DEFAULT), 0, "register a part");
    r = kvt_run(c, "INFO persistence");
    ok(contains(r, "custom_field:42\r\n") && !contains(r, "rdb_bgsave_in_progress"), "a module replaces a part");
    ok(contains(r, "aof_enabled:0"), "other parts kept");
    info_register("persistence", "rdb", NULL, NULL, INFO_DEFAULT);
    is_int(info_register("strata", "main", custom_part, &value, 0), 0, "register a new section");
    ok(contains(kvt_run(c, "INFO strata"), "# Strata\r\ncustom_field:42"), "new section by name");
    ok(!contains(kvt_run(c, "INFO"), "# Strata"), "not in default");
    ok(contains(kvt_run(c, "INFO all"), "# Strata"), "but in all");
    info_register("strata", "main", NULL, NULL, 0);

    sds v = info_field(e->srv, "memory", "maxmemory_policy");
    is_str(v, "noeviction", "info_field");
    sds_free(v);
    kvt_run(c, "HELLO 3");
    ok(starts(kvt_run(c, "INFO server"), "=") && contains(c->out, "txt:# Server"), "RESP3: verbatim");
    kvt_stop(e);
}

/* ---- COMMAND ---------------------------------------------------------------- */

static void test_command(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    char want[64];
    snprintf(want, sizeof(want), ":%zu\r\n", dict_size(e->srv->commands));
    is_reply(c, "COMMAND COUNT", want, "COMMAND COUNT");
    is_reply(c, "COMMAND COUNT x", "-ERR wrong number of arguments for 'command|count' command\r\n",
           "COUNT arity");
    is_reply(c, "COMMAND FOO", "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n", "unknown sub");
    ok(starts(kvt_run(c, "COMMAND"), "*"), "COMMAND: an array");

    const char *r = kvt_run(c, "COMMAND INFO get nosuch");
    ok(starts(r, "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n"
                 "+@string\r\n+@fast\r\n*0\r\n*1\r\n"),
       "COMMAND INFO get: Redis 7.0 layout");
    ok(contains(r, "$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n"), "key spec");
    ok(r[strlen(r) - 5] == '$' && !strcmp(r + strlen(r) - 5, "$-1\r\n"), "unknown command: null");
    r = kvt_run(c, "COMMAND INFO config|get");
    ok(starts(r, "*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n"), "COMMAND INFO parent|sub");
    r = kvt_run(c, "COMMAND INFO config");
    ok(contains(r, "$10\r\nconfig|set\r\n") && contains(r, "+@dangerous"), "container lists its subcommands");

    r = kvt_run(c, "COMMAND LIST");
    ok(contains(r, "$3\r\nget\r\n") && contains(r, "$10\r\nconfig|get\r\n"), "LIST includes subcommands");
    r = kvt_run(c, "COMMAND LIST FILTERBY PATTERN cl*");
    ok(contains(r, "$6\r\nclient\r\n") && contains(r, "$9\r\nclient|id\r\n") && !contains(r, "\r\nget\r\n"),
       "LIST FILTERBY PATTERN");
    r = kvt_run(c, "COMMAND LIST FILTERBY ACLCAT connection");
    ok(contains(r, "\r\nping\r\n") && !contains(r, "\r\nget\r\n"), "LIST FILTERBY ACLCAT");
    is_reply(c, "COMMAND LIST FILTERBY MODULE x", "*0\r\n", "LIST FILTERBY MODULE");
    is_reply(c, "COMMAND LIST FILTERBY foo bar", "-ERR syntax error\r\n", "LIST bad filter");
    is_reply(c, "COMMAND LIST foo", "-ERR syntax error\r\n", "LIST syntax");

    is_reply(c, "COMMAND GETKEYS get a", "*1\r\n$1\r\na\r\n", "GETKEYS get");
    is_reply(c, "COMMAND GETKEYS mset a 1 b 2", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "GETKEYS mset (step 2)");
    is_reply(c, "COMMAND GETKEYS foo bar", "-ERR Invalid command specified\r\n", "GETKEYS unknown");
    is_reply(c, "COMMAND GETKEYS get a b", "-ERR Invalid number of arguments specified for command\r\n",
           "GETKEYS arity");
    is_reply(c, "COMMAND GETKEYS ping x", "-ERR The command has no key arguments\r\n", "GETKEYS no keys");
    is_reply(c, "COMMAND GETKEYSANDFLAGS set a b", "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+RW\r\n+update\r\n",
           "GETKEYSANDFLAGS");

    r = kvt_run(c, "COMMAND DOCS ping nosuch");
    is_str(r, "*2\r\n$4\r\nping\r\n*10\r\n$7\r\nsummary\r\n$15\r\nPing the server\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n"
              "$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n"
              "*6\r\n$4\r\nname\r\n$7\r\nmessage\r\n$4\r\ntype\r\n$6\r\nstring\r\n$5\r\nflags\r\n*1\r\n"
              "+optional\r\n",
           "COMMAND DOCS ping: Redis 7.0's map");
    kvt_run(c, "HELLO 3");
    r = kvt_run(c, "COMMAND DOCS client");
    ok(contains(r, "$11\r\nsubcommands\r\n%") && contains(r, "$9\r\nclient|id\r\n"), "DOCS subcommands map");
    ok(contains(r, "$4\r\nname\r\n$4\r\ntype\r\n$4\r\ntype\r\n$5\r\noneof\r\n$5\r\ntoken\r\n$4\r\nTYPE\r\n"),
       "TOKEN (a|b) becomes a oneof with a token");
    kvt_run(c, "HELLO 2");

    /* Every row of every table has a synopsis redis-cli can digest. */
    dict_iter it;
    dict_entry *de;
    int bad = 0, total = 0;
    dict_iter_init(&it, e->srv->commands, 0);
    while ((de = dict_next(&it))) {
        const kv_command *cmd = de->v.val;
        for (int k = -1; k < 0 || (cmd->subcommands && cmd->subcommands[k].name); k++) {
            const kv_command *row = k < 0 ? cmd : &cmd->subcommands[k];
            total++;
            if (cmddocs_check_synopsis(row->args) != 0) {
                diag("bad synopsis for %s: '%s'", row->name, row->args ? row->args : "(null)");
                bad++;
            }
            if (!row->summary || !row->since || !row->group) {
                diag("%s lacks summary/since/group", row->name);
                bad++;
            }
        }
    }
    dict_iter_reset(&it);
    is_int(bad, 0, "all %d command rows have valid docs", total);
    is_int(cmddocs_check_synopsis("key [key"), -1, "unbalanced bracket rejected");
    is_int(cmddocs_check_synopsis("a||b"), -1, "empty alternative rejected");
    is_int(cmddocs_check_synopsis("key value [NX|XX] [GET] [EX seconds|PX milliseconds|KEEPTTL]"), 0, "SET's synopsis");
    ok(starts(kvt_run(c, "COMMAND DOCS"), "*"), "COMMAND DOCS of everything");
    ok(contains(kvt_run(c, "COMMAND HELP"), "GETKEYS <full-command>"), "COMMAND HELP");
    kvt_stop(e);
}

/* ---- CONFIG / TIME ---------------------------------------------------------- */

static void test_config(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    is_reply(c, "CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n", "CONFIG GET");
    is_reply(c, "CONFIG SET maxmemory 10mb", "+OK\r\n", "CONFIG SET");
    is_reply(c, "CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n", "round trip");
    is_int(e->cfg.maxmemory, 10485760, "stored in the config");
    is_reply(c, "CONFIG SET maxmemory 0", "+OK\r\n", "back to 0");
    is_reply(c, "CONFIG SET foo bar", "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n",
           "unknown option");
    is_reply(c, "CONFIG SET maxmemory abc",
           "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n",
           "bad value");
    is_reply(c, "CONFIG SET maxmemory", "-ERR wrong number of arguments for 'config|set' command\r\n",
           "CONFIG SET arity");
    is_reply(c, "CONFIG SET maxmemory 1 hz", "-ERR syntax error\r\n", "CONFIG SET odd pairs");
    is_reply(c, "CONFIG SET hz 20 maxmemory-policy allkeys-lru", "+OK\r\n", "CONFIG SET two at once");
    is_int(e->srv->hz, 20, "hz applied to the running server");
    ok(contains(kvt_run(c, "CONFIG GET hz maxmemory-policy"), "allkeys-lru"), "CONFIG GET two patterns");
    is_reply(c, "CONFIG SET loglevel warning", "+OK\r\n", "loglevel");
    is_int(log_get_level(), LOG_WARNING, "log level applied");
    kvt_run(c, "CONFIG SET loglevel notice");
    kvt_run(c, "HELLO 3");
    ok(starts(kvt_run(c, "CONFIG GET maxmemory"), "%1\r\n"), "RESP3: a map");
    kvt_run(c, "HELLO 2");
    is_reply(c, "CONFIG FOO", "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n", "CONFIG unknown sub");
    is_reply(c, "CONFIG REWRITE", "-ERR The server is running without a config file\r\n",
           "REWRITE without a file");
    ok(contains(kvt_run(c, "CONFIG HELP"), "RESETSTAT"), "CONFIG HELP");

    /* REWRITE with a file: the change lands in the file, comments stay. */
    char path[] = "/tmp/strata-cfg-test-XXXXXX";
    int fd = mkstemp(path);
    const char text[] = "# my settings\nhz 10\nmaxmemory-policy noeviction\n";
    ok(fd >= 0 && write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1), "temp config written");
    close(fd);
    sds err = NULL;
    is_int(config_load_file(&e->cfg, path, &err), 0, "config loaded");
    sds_free(err);
    is_reply(c, "CONFIG SET hz 33", "+OK\r\n", "CONFIG SET hz");
    is_reply(c, "CONFIG REWRITE", "+OK\r\n", "CONFIG REWRITE");
    FILE *f = fopen(path, "r");
    char buf[4096] = "";
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    buf[n] = 0;
    if (f) fclose(f);
    ok(contains(buf, "# my settings\n") && contains(buf, "hz 33\n") && !contains(buf, "hz 10"),
       "file rewritten, comment kept");
    unlink(path);

    kvt_run(c, "SET a b");
    kvt_run(c, "GET a");
    ok(e->srv->stat.numcommands > 0 && e->srv->stat.keyspace_hits > 0, "stats counted");
    is_reply(c, "CONFIG RESETSTAT", "+OK\r\n", "RESETSTAT");
    is_int(e->srv->stat.keyspace_hits, 0, "hits reset");
    sds v = info_field(e->srv, "stats", "total_commands_processed");
    ok(v && atoll(v) <= 2, "total_commands_processed restarted (%s)", v ? v : "null");
    sds_free(v);
    ok(!contains(kvt_run(c, "INFO commandstats"), "cmdstat_get"), "commandstats reset");

    const char *r = kvt_run(c, "TIME");
    ok(matches(r, "^\\*2\r\n\\$10\r\n[0-9]{10}\r\n\\$[1-6]\r\n[0-9]{1,6}\r\n$"), "TIME: seconds and microseconds");
    ok(matches(kvt_run(c, "LASTSAVE"), "^:[0-9]+\r\n$"), "LASTSAVE answers an integer (rdb module)");
    kvt_stop(e);
}

/* ---- DEBUG ------------------------------------------------------------------ */

static sds digest_of(kv_client *c) {
    const char *r = kvt_run(c, "DEBUG DIGEST");
    return sds_newlen(r + 1, strlen(r) > 3 ? strlen(r) - 3 : 0);
}

static void test_debug(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    is_reply(c, "DEBUG DIGEST", "+0000000000000000000000000000000000000000\r\n", "empty dataset digest");
    is_reply(c, "DEBUG SLEEP 0", "+OK\r\n", "SLEEP 0");
    uint64_t t0 = util_monotonic_us();
    kvt_run(c, "DEBUG SLEEP 0.05");
    ok(util_monotonic_us() - t0 >= 45000, "SLEEP 0.05 sleeps");
    is_reply(c, "DEBUG SET-ACTIVE-EXPIRE 0", "+OK\r\n", "SET-ACTIVE-EXPIRE 0");
    is_int(e->srv->active_expire_enabled, 0, "active expire off");
    kvt_run(c, "DEBUG SET-ACTIVE-EXPIRE 1");
    is_int(e->srv->active_expire_enabled, 1, "active expire on");
    is_reply(c, "DEBUG OBJECT nokey", "-ERR no such key\r\n", "OBJECT missing");
    kvt_run(c, "SET s hello");
    kvt_run(c, "SET n 12345");
    ok(matches(kvt_run(c, "DEBUG OBJECT s"),
               "^\\+Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:6 lru:[0-9]+ "
               "lru_seconds_idle:[0-9]+\r\n$"),
       "DEBUG OBJECT line");
    ok(contains(kvt_run(c, "DEBUG OBJECT n"), "encoding:int serializedlength:3 "), "int: 16-bit RDB encoding");
    is_reply(c, "DEBUG FOO", "-ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP.\r\n",
           "unknown DEBUG subcommand");
    is_reply(c, "DEBUG SLEEP", "-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.\r\n",
           "DEBUG SLEEP arity");
    is_reply(c, "DEBUG ERROR oops", "-oops\r\n", "DEBUG ERROR: the text is the whole error line");
    is_reply(c, "DEBUG ERROR \"CUSTOM x\"", "-CUSTOM x\r\n", "DEBUG ERROR with a code");
    ok(contains(kvt_run(c, "DEBUG HELP"), "DIGEST-VALUE"), "DEBUG HELP");

    /* DIGEST */
    sds d1 = digest_of(c);
    is_int(sds_len(d1), 40, "digest is 40 hex chars");
    ok(strcmp(d1, "0000000000000000000000000000000000000000") != 0, "non-empty dataset, non-zero digest");
    kvt_run(c, "SET s hello2");
    sds d2 = digest_of(c);
    ok(strcmp(d1, d2) != 0, "digest changes when a value changes");
    kvt_run(c, "SET s hello");
    sds d3 = digest_of(c);
    is_str(d3, d1, "and comes back when the value does");
    kvt_run(c, "EXPIRE s 1000");
    sds d4 = digest_of(c);
    ok(strcmp(d4, d1) != 0, "a TTL is part of the digest");
    kvt_run(c, "PERSIST s");
    kvt_run(c, "SELECT 1");
    kvt_run(c, "SET s hello");
    sds d5 = digest_of(c);
    ok(strcmp(d5, d1) != 0, "the db number is part of the digest");
    kvt_run(c, "DEL s");
    kvt_run(c, "SELECT 0");

    sds dd[] = {d1, d2, d3, d4, d5};
    for (size_t i = 0; i < sizeof(dd) / sizeof(dd[0]); i++) sds_free(dd[i]);

    /* PROTOCOL */
    static const struct {
        const char *type, *resp2, *resp3;
    } proto[] = {
        {"string", "$11\r\nHello World\r\n", "$11\r\nHello World\r\n"},
        {"integer", ":12345\r\n", ":12345\r\n"},
        {"double", "$5\r\n3.141\r\n", ",3.141\r\n"},
        {"bignum", "$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n"},
        {"null", "$-1\r\n", "_\r\n"},
        {"array", "*3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n"},
        {"set", "*3\r\n:0\r\n:1\r\n:2\r\n", "~3\r\n:0\r\n:1\r\n:2\r\n"},
        {"map", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"},
        {"attrib", "$39\r\nSome real reply following the attribute\r\n",
         "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the "
         "attribute\r\n"},
        {"push", "-ERR RESP2 is not supported by this command\r\n",
         ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n"},
        {"verbatim", "$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n"},
        {"true", ":1\r\n", "#t\r\n"},
        {"false", ":0\r\n", "#f\r\n"},
    };
    for (size_t i = 0; i < sizeof(proto) / sizeof(proto[0]); i++) {
        kvt_run(c, "HELLO 2");
        const char *r2 = kvt_runf(c, "DEBUG PROTOCOL %s", proto[i].type);
        is_str(r2, proto[i].resp2, "PROTOCOL %s (RESP2)", proto[i].type);
        kvt_run(c, "HELLO 3");
        const char *r3 = kvt_runf(c, "DEBUG PROTOCOL %s", proto[i].type);
        is_str(r3, proto[i].resp3, "PROTOCOL %s (RESP3)", proto[i].type);
    }
    ok(starts(kvt_run(c, "DEBUG PROTOCOL xx"), "-ERR Wrong protocol type name."), "PROTOCOL bad type");
    kvt_run(c, "HELLO 2");

    /* POPULATE: keys created and propagated as SETs */
    recorder rec = {0};
    cmd_prop_subscribe(e->srv, record, &rec);
    kvt_run(c, "FLUSHALL");
    rec.sets = 0;
    is_reply(c, "DEBUG POPULATE 100 pk 20", "+OK\r\n", "POPULATE");
    is_reply(c, "DBSIZE", ":100\r\n", "100 keys");
    is_reply(c, "STRLEN pk:7", ":20\r\n", "padded to size");
    is_reply(c, "GETRANGE pk:7 0 6", "$7\r\nvalue:7\r\n", "value:N");
    is_int(rec.sets, 100, "each key propagated as SET");
    is_reply(c, "DEBUG POPULATE 10", "+OK\r\n", "POPULATE default prefix");
    is_reply(c, "EXISTS key:9", ":1\r\n", "key:N");
    is_reply(c, "DEBUG POPULATE -1", "-ERR value is out of range, must be positive\r\n", "POPULATE -1");
    kvt_stop(e);
}

/* Equal datasets built in different orders, in different servers (one at a
 * time: a server's dicts use the process-wide hash seed of its creation). */
static void test_digest_across_servers(void) {
    kvt_env *e = kvt_start();
    kvt_run(e->c, "SET s hello");
    kvt_run(e->c, "SET n 12345");
    kvt_run(e->c, "SET t x EX 1000");
    kvt_run(e->c, "PEXPIREAT t 99999999999999");
    sds d1 = digest_of(e->c);
    const char *dv = kvt_run(e->c, "DEBUG DIGEST-VALUE s nokey");
    ok(matches(dv, "^\\*2\r\n\\+[0-9a-f]{40}\r\n\\+0{40}\r\n$"), "DIGEST-VALUE: one per key, zeros when missing");
    sds dv1 = sds_new(dv);
    kvt_stop(e);

    e = kvt_start();
    for (int i = 0; i < 200; i++) kvt_runf(e->c, "SET filler:%d x", i); /* other table sizes */
    kvt_run(e->c, "SET t x");
    kvt_run(e->c, "PEXPIREAT t 99999999999999");
    kvt_run(e->c, "SET n 12");
    kvt_run(e->c, "APPEND n 345"); /* raw "12345" where the first had int 12345 */
    kvt_run(e->c, "SET s hello");
    for (int i = 0; i < 200; i++) kvt_runf(e->c, "DEL filler:%d", i);
    sds d2 = digest_of(e->c);
    is_str(d2, d1, "same dataset, other order, other encoding, other server: same digest");
    is_reply(e->c, "DEBUG DIGEST-VALUE s nokey", dv1, "DIGEST-VALUE equal across servers");
    kvt_run(e->c, "SET n 012345");
    sds d3 = digest_of(e->c);
    ok(strcmp(d3, d1) != 0, "a different value: a different digest");
    kvt_stop(e);
    sds_free(d1);
    sds_free(d2);
    sds_free(d3);
    sds_free(dv1);
}

/* ---- SHUTDOWN / MONITOR ------------------------------------------------------- */

static void test_shutdown(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    is_reply(c, "SHUTDOWN NOSAVE SAVE", "-ERR syntax error\r\n", "NOSAVE+SAVE");
    is_reply(c, "SHUTDOWN foo", "-ERR syntax error\r\n", "bad flag");
    is_reply(c, "SHUTDOWN ABORT NOW", "-ERR syntax error\r\n", "ABORT with a flag");
    is_reply(c, "SHUTDOWN ABORT", "-ERR No shutdown in progress.\r\n", "ABORT with nothing to abort");
    is_int(e->srv->shutdown_asap, 0, "nothing requested yet");
    is_reply(c, "SHUTDOWN NOSAVE NOW FORCE", "", "SHUTDOWN replies nothing");
    is_int(e->srv->shutdown_asap, 1, "shutdown requested");
    is_int(e->srv->shutdown_flags, SHUTDOWN_NOSAVE | SHUTDOWN_NOW | SHUTDOWN_FORCE, "flags recorded");
    is_reply(c, "SHUTDOWN ABORT", "+OK\r\n", "ABORT");
    is_int(e->srv->shutdown_asap, 0, "aborted");
    kvt_run(c, "SHUTDOWN SAVE");
    is_int(e->srv->shutdown_flags, SHUTDOWN_SAVE, "SAVE flag");
    e->srv->shutdown_asap = 0;
    kvt_run(c, "MULTI");
    is_reply(c, "SHUTDOWN", "-ERR Command not allowed inside a transaction\r\n", "not inside MULTI");
    kvt_run(c, "DISCARD");
    kvt_stop(e);
}

static void test_monitor(void) {
    kvt_env *e = kvt_start();
    kv_client *m = real_client(e, "127.0.0.1:7000");
    kv_client *c = real_client(e, "127.0.0.1:5555");
    is_reply(m, "MONITOR", "+OK\r\n", "MONITOR");
    ok(m->flags & CLIENT_MONITOR, "flag set");
    is_int(e->srv->nmonitors, 1, "registered");
    is_reply(m, "MONITOR", "", "MONITOR again: no reply");
    sds_clear(m->out);
    kvt_run(c, "SET a \"b c\"");
    ok(matches(m->out, "^\\+[0-9]{10}\\.[0-9]{6} \\[0 127\\.0\\.0\\.1:5555\\] \"SET\" \"a\" \"b c\"\r\n$"),
       "monitor line format");
    sds_clear(m->out);
    kvt_run(c, "SELECT 2");
    kvt_run(c, "AUTH default pw");
    ok(contains(m->out, "[2 127.0.0.1:5555] \"AUTH\" \"(redacted)\" \"(redacted)\""), "AUTH redacted, db shown");
    sds_clear(m->out);
    kvt_run(c, "HELLO 2 AUTH default pw SETNAME x");
    ok(contains(m->out, "\"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\" \"SETNAME\" \"x\""), "HELLO redacted");
    sds_clear(m->out);
    kvt_run(c, "SET bin \"a\\x00\\n\"");
    ok(contains(m->out, "\"a\\x00\\n\""), "binary quoted");
    sds_clear(m->out);
    kvt_run(c, "CONFIG GET hz");
    is_str(m->out, "", "admin commands are not shown");
    kvt_run(m, "RESET");
    is_int(e->srv->nmonitors, 0, "RESET leaves MONITOR mode");
    ok(!(m->flags & CLIENT_MONITOR), "flag cleared");
    kvt_run(m, "MONITOR");
    client_free(m);
    is_int(e->srv->nmonitors, 0, "freed monitor unregistered");
    kvt_run(c, "MULTI");
    kv_client *d = kvt_client(e);
    d->flags |= CLIENT_DENY_BLOCKING;
    is_reply(d, "MONITOR", "-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n", "DENY_BLOCKING");
    kvt_stop(e);
}

/* ---- SLOWLOG / LATENCY / MEMORY ----------------------------------------------- */

static void test_slowlog(void) {
    kvt_env *e = kvt_start();
    kv_client *c = real_client(e, "127.0.0.1:5555");
    is_reply(c, "SLOWLOG LEN", ":0\r\n", "empty by default (threshold 10ms)");
    kvt_run(c, "CONFIG SET slowlog-log-slower-than 0");
    kvt_run(c, "SLOWLOG RESET");
    kvt_run(c, "CLIENT SETNAME me");
    kvt_run(c, "SET k v");
    is_reply(c, "SLOWLOG LEN", ":3\r\n", "every command logged at threshold 0");
    const char *r = kvt_run(c, "SLOWLOG GET 1");
    ok(matches(r, "^\\*1\r\n\\*6\r\n:[0-9]+\r\n:[0-9]{10}\r\n:[0-9]+\r\n\\*2\r\n\\$7\r\nSLOWLOG\r\n\\$3\r\nLEN\r\n"
                  "\\$14\r\n127\\.0\\.0\\.1:5555\r\n\\$2\r\nme\r\n$"),
       "entry: id, time, duration, args, peer, name");
    r = kvt_run(c, "SLOWLOG GET");
    ok(starts(r, "*5\r\n"), "GET defaults to 10 (5 entries now)");
    ok(contains(r, "$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"), "SET recorded");
    ok(starts(kvt_run(c, "SLOWLOG GET -1"), "*6\r\n"), "GET -1: all");
    is_reply(c, "SLOWLOG GET -2", "-ERR count should be greater than or equal to -1\r\n", "GET -2");
    is_reply(c, "SLOWLOG GET x", "-ERR count should be greater than or equal to -1\r\n", "GET x");
    is_reply(c, "SLOWLOG FOO", "-ERR unknown subcommand 'FOO'. Try SLOWLOG HELP.\r\n", "unknown sub");
    ok(contains(kvt_run(c, "SLOWLOG HELP"), "+    Reset the slowlog.\r\n"), "SLOWLOG HELP");
    is_reply(c, "SLOWLOG RESET", "+OK\r\n", "RESET");
    is_reply(c, "SLOWLOG LEN", ":1\r\n", "only RESET itself after a reset");

    /* long arguments and many arguments are cut as Redis cuts them */
    kvt_run(c, "SLOWLOG RESET");
    char big[300];
    memset(big, 'x', 200);
    big[200] = 0;
    kvt_runf(c, "ECHO %s", big);
    r = kvt_run(c, "SLOWLOG GET 1");
    ok(contains(r, "$147\r\nxxxxxxxx") && contains(r, "... (72 more bytes)\r\n"), "argument cut at 128 bytes");
    sds line = sds_new("DEL");
    for (int i = 0; i < 40; i++) line = sds_catprintf(line, " k%d", i);
    kvt_run(c, line);
    sds_free(line);
    r = kvt_run(c, "SLOWLOG GET 1");
    ok(contains(r, "*32\r\n$3\r\nDEL\r\n") && contains(r, "... (10 more arguments)"), "argv cut at 32");

    kvt_run(c, "CONFIG SET slowlog-max-len 3");
    for (int i = 0; i < 10; i++) kvt_run(c, "PING");
    is_reply(c, "SLOWLOG LEN", ":3\r\n", "slowlog-max-len respected");
    kvt_run(c, "CONFIG SET slowlog-log-slower-than -1");
    kvt_run(c, "SLOWLOG RESET");
    kvt_run(c, "PING");
    is_reply(c, "SLOWLOG LEN", ":0\r\n", "negative threshold disables");
    kvt_run(c, "CONFIG SET slowlog-log-slower-than 1000000");
    kvt_run(c, "PING");
    is_reply(c, "SLOWLOG LEN", ":0\r\n", "fast commands not logged");
    kvt_stop(e);
}

static void test_latency(void) {
    kvt_env *e = kvt_start();
    kv_client *c = real_client(e, "127.0.0.1:5555");
    latency_reset(e->srv);
    is_reply(c, "LATENCY LATEST", "*0\r\n", "nothing yet");
    kvt_run(c, "DEBUG SLEEP 0.01");
    is_reply(c, "LATENCY LATEST", "*0\r\n", "monitor off by default");
    ok(contains(kvt_run(c, "LATENCY DOCTOR"), "disabled"), "DOCTOR says it is off");
    kvt_run(c, "CONFIG SET latency-monitor-threshold 5");
    kvt_run(c, "DEBUG SLEEP 0.02");
    kvt_run(c, "DEBUG SLEEP 0.03");
    const char *r = kvt_run(c, "LATENCY LATEST");
    ok(matches(r, "^\\*1\r\n\\*4\r\n\\$7\r\ncommand\r\n:[0-9]{10}\r\n:[0-9]+\r\n:(29|[3-9][0-9])\r\n$"),
       "LATEST: event, time, latest, max");
    r = kvt_run(c, "LATENCY HISTORY command");
    ok(matches(r, "^\\*[12]\r\n\\*2\r\n:[0-9]{10}\r\n:[0-9]+\r\n"), "HISTORY");
    is_reply(c, "LATENCY HISTORY nosuch", "*0\r\n", "HISTORY of an unknown event");
    latency_add_sample(e->srv, "expire-cycle", 7);
    latency_add_sample(e->srv, "expire-cycle", 3); /* under the threshold */
    long long latest = 0, max = 0;
    is_int(latency_event_stats("expire-cycle", &latest, &max), 0, "event recorded");
    is_int(max, 7, "max of the event");
    ok(contains(kvt_run(c, "LATENCY DOCTOR"), "expire-cycle"), "DOCTOR lists events");
    is_reply(c, "LATENCY RESET command nosuch", ":1\r\n", "RESET one event");
    is_reply(c, "LATENCY RESET", ":1\r\n", "RESET all");
    is_reply(c, "LATENCY LATEST", "*0\r\n", "empty after RESET");
    is_reply(c, "LATENCY HISTORY", "-ERR wrong number of arguments for 'latency|history' command\r\n",
           "HISTORY arity");
    ok(contains(kvt_run(c, "LATENCY HELP"), "LATEST"), "LATENCY HELP");
    kvt_stop(e);
}

static void test_memory(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    kvt_run(c, "SET k somevalue");
    ok(matches(kvt_run(c, "MEMORY USAGE k"), "^:[0-9]{2,4}\r\n$"), "MEMORY USAGE");
    is_reply(c, "MEMORY USAGE nokey", "$-1\r\n", "MEMORY USAGE missing key");
    ok(matches(kvt_run(c, "MEMORY USAGE k SAMPLES 5"), "^:[0-9]+\r\n$"), "MEMORY USAGE SAMPLES");
    is_reply(c, "MEMORY USAGE k SAMPLES x", "-ERR value is not an integer or out of range\r\n", "bad SAMPLES");
    is_reply(c, "MEMORY USAGE k FOO 1", "-ERR syntax error\r\n", "MEMORY USAGE syntax");
    const char *r = kvt_run(c, "MEMORY STATS");
    ok(contains(r, "$14\r\npeak.allocated\r\n:") && contains(r, "$10\r\nkeys.count\r\n:1\r\n") &&
           contains(r, "$4\r\ndb.0\r\n"),
       "MEMORY STATS");
    ok(starts(kvt_run(c, "MEMORY DOCTOR"), "$"), "MEMORY DOCTOR");
    ok(contains(kvt_run(c, "MEMORY MALLOC-STATS"), "not supported"), "MALLOC-STATS");
    is_reply(c, "MEMORY PURGE", "+OK\r\n", "PURGE");
    ok(contains(kvt_run(c, "MEMORY HELP"), "USAGE <key>"), "MEMORY HELP");
    kvt_stop(e);
}

/* ---- eviction ------------------------------------------------------------------ */

#define EV_KEYS 400

/* Fill db 0 (and a few keys in db 1) with 100-byte values; every odd key
 * gets a TTL when ttl_odd. */
static size_t fill(kv_client *c, int ttl_odd) {
    size_t before = mem_used();
    char val[101];
    memset(val, 'v', 100);
    val[100] = 0;
    for (int i = 0; i < EV_KEYS; i++) {
        if (ttl_odd && (i & 1)) kvt_runf(c, "SET key:%d %s EX %d", i, val, 10000 + i);
        else kvt_runf(c, "SET key:%d %s", i, val);
    }
    return (mem_used() - before) / EV_KEYS;
}

/* Lower maxmemory so that about `nkeys` keys' worth of memory must go, and
 * evict outside any command (so the DELs are flushed at once). */
static void squeeze(kvt_env *e, size_t per_key, int nkeys) {
    e->cfg.maxmemory_eviction_tenacity = 100;
    e->cfg.maxmemory = (long long)mem_used() - (long long)(per_key * (size_t)nkeys);
    evict_perform(e->srv);
}

static long long dbsize(kvt_env *e) { return (long long)dict_size(e->srv->dbs[0].keys); }

static int count_present(kvt_env *e, int parity) {
    int n = 0;
    for (int i = parity; i < EV_KEYS; i += 2) {
        char k[32];
        snprintf(k, sizeof(k), "key:%d", i);
        sds s = sds_new(k);
        n += db_find(&e->srv->dbs[0], s) != NULL;
        sds_free(s);
    }
    return n;
}

static void test_evict_policy(const char *policy, int volatile_only) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    recorder rec = {0};
    cmd_prop_subscribe(e->srv, record, &rec);
    kvt_runf(c, "CONFIG SET maxmemory-policy %s", policy);
    size_t per_key = fill(c, 1);
    rec.dels = 0;
    squeeze(e, per_key, 60);
    long long left = dbsize(e);
    ok(left < EV_KEYS && left > EV_KEYS / 3, "%s: some keys evicted (%lld left)", policy, left);
    ok(mem_used() <= (size_t)e->cfg.maxmemory, "%s: under maxmemory after eviction", policy);
    is_int(e->srv->stat.evictedkeys, EV_KEYS - left, "%s: evicted_keys counted", policy);
    is_int(rec.dels, EV_KEYS - left, "%s: every eviction propagated as DEL", policy);
    if (volatile_only) is_int(count_present(e, 0), EV_KEYS / 2, "%s: keys without TTL untouched", policy);
    else ok(count_present(e, 0) < EV_KEYS / 2 || count_present(e, 1) < EV_KEYS / 2, "%s: evicts from all", policy);
    is_reply(c, "SET another value", "+OK\r\n", "%s: writes still accepted", policy);
    kvt_stop(e);
}

static void test_evict_noeviction(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    size_t per_key = fill(c, 0);
    squeeze(e, per_key, 50);
    is_int(dbsize(e), EV_KEYS, "noeviction: nothing evicted");
    is_reply(c, "SET x y", "-OOM command not allowed when used memory > 'maxmemory'.\r\n",
           "noeviction: OOM error on a write");
    ok(starts(kvt_run(c, "GET key:1"), "$100\r\n"), "reads still work");
    is_reply(c, "DEL key:1", ":1\r\n", "DEL (not denyoom) still works");
    is_int(evict_perform(e->srv), -1, "evict_perform: -1 while over the limit");
    kvt_run(c, "CONFIG SET maxmemory 0");
    is_int(evict_perform(e->srv), 0, "maxmemory 0: nothing to do");
    is_int(evict_over_limit(e->srv), 0, "not over the limit");
    kvt_stop(e);

    e = kvt_start();
    c = e->c;
    kvt_run(c, "CONFIG SET maxmemory-policy volatile-lru");
    per_key = fill(c, 0); /* no TTLs at all */
    squeeze(e, per_key, 50);
    is_int(dbsize(e), EV_KEYS, "volatile-lru without TTL keys: nothing to evict");
    is_reply(c, "SET x y", "-OOM command not allowed when used memory > 'maxmemory'.\r\n",
           "volatile-lru without candidates: OOM");
    kvt_stop(e);
}

/* LRU: half the keys made idle for a long time must be the ones evicted. */
static void test_evict_lru_quality(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    kvt_run(c, "CONFIG SET maxmemory-policy allkeys-lru");
    kvt_run(c, "CONFIG SET maxmemory-samples 10");
    size_t per_key = fill(c, 0);
    unsigned now = obj_lru_clock_now();
    for (int i = 0; i < EV_KEYS; i++) {
        char k[32];
        snprintf(k, sizeof(k), "key:%d", i);
        sds s = sds_new(k);
        kv_obj *o = db_find(&e->srv->dbs[0], s);
        o->lru = (i & 1) ? now : ((now - 5000 - (unsigned)i) & OBJ_LRU_MAX); /* even = cold */
        sds_free(s);
    }
    squeeze(e, per_key, 60);
    int cold_gone = EV_KEYS / 2 - count_present(e, 0), hot_gone = EV_KEYS / 2 - count_present(e, 1);
    ok(cold_gone > 0 && hot_gone * 10 <= cold_gone, "allkeys-lru evicts idle keys (%d cold, %d hot)", cold_gone,
       hot_gone);
    kvt_stop(e);
}

/* LFU: keys read many times survive. */
static void test_evict_lfu_quality(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    kvt_run(c, "CONFIG SET maxmemory-policy allkeys-lfu");
    kvt_run(c, "CONFIG SET maxmemory-samples 10");
    size_t per_key = fill(c, 0);
    for (int r = 0; r < 50; r++)
        for (int i = 1; i < EV_KEYS; i += 2) kvt_runf(c, "GET key:%d", i); /* odd = hot */
    squeeze(e, per_key, 60);
    int cold_gone = EV_KEYS / 2 - count_present(e, 0), hot_gone = EV_KEYS / 2 - count_present(e, 1);
    ok(cold_gone > 0 && hot_gone * 10 <= cold_gone, "allkeys-lfu evicts rarely used keys (%d cold, %d hot)",
       cold_gone, hot_gone);
    kvt_stop(e);
}

/* volatile-ttl: the keys closest to expiring go first. */
static void test_evict_ttl_quality(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    kvt_run(c, "CONFIG SET maxmemory-policy volatile-ttl");
    kvt_run(c, "CONFIG SET maxmemory-samples 10");
    size_t per_key = fill(c, 1); /* key:i (odd) expires in 10000+i seconds */
    squeeze(e, per_key, 60);
    int early = 0, late = 0;
    for (int i = 1; i < EV_KEYS; i += 2) {
        char k[32];
        snprintf(k, sizeof(k), "key:%d", i);
        sds s = sds_new(k);
        if (!db_find(&e->srv->dbs[0], s)) {
            if (i < EV_KEYS / 2) early++;
            else late++;
        }
        sds_free(s);
    }
    ok(early > 0 && late * 5 <= early, "volatile-ttl evicts the soonest deadlines (%d early, %d late)", early, late);
    kvt_stop(e);
}

static void test_evict_cron_and_dbs(void) {
    kvt_env *e = kvt_start();
    kv_client *c = e->c;
    kvt_run(c, "CONFIG SET maxmemory-policy allkeys-random");
    kvt_run(c, "SELECT 3");
    fill(c, 0);
    kvt_run(c, "SELECT 0");
    kvt_run(c, "CONFIG SET maxmemory-eviction-tenacity 100");
    e->cfg.maxmemory = (long long)mem_used() - 5000; /* behind CONFIG SET's back */
    evict_cron(e->srv);
    ok(dict_size(e->srv->dbs[3].keys) < EV_KEYS, "evict_cron evicts from any db");
    ok(mem_used() <= (size_t)e->cfg.maxmemory, "under the limit after the cron");
    is_str(evict_policy_name(CONFIG_MAXMEMORY_VOLATILE_TTL), "volatile-ttl", "policy names");
    kvt_stop(e);
}

/* ---- log -------------------------------------------------------------------- */

static sds slurp(const char *path) {
    FILE *f = fopen(path, "r");
    sds s = sds_empty();
    char buf[4096];
    size_t n;
    if (!f) return s;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) s = sds_catlen(s, buf, n);
    fclose(f);
    return s;
}

static void test_log(void) {
    char path[] = "/tmp/strata-log-test-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    is_int(log_init(LOG_NOTICE, path, 'M'), 0, "log_init to a file");
    log_msg(LOG_NOTICE, "hello %d", 42);
    log_msg(LOG_DEBUG, "not shown");
    log_msg(LOG_WARNING, "careful\n");
    log_msg(LOG_VERBOSE, "not shown either");
    sds text = slurp(path);
    ok(matches(text, "^[0-9]+:M [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} \\* hello 42$"),
       "notice line in Redis's format");
    ok(matches(text, "^[0-9]+:M .* # careful$"), "warning level char, trailing newline not doubled");
    ok(!contains(text, "not shown"), "lower levels filtered");
    sds_free(text);
    log_set_level(LOG_DEBUG);
    log_set_role('C');
    log_msg(LOG_DEBUG, "dbg");
    log_msg(LOG_VERBOSE, "verb");
    text = slurp(path);
    ok(matches(text, "^[0-9]+:C .* \\. dbg$") && matches(text, "^[0-9]+:C .* - verb$"), "debug '.', verbose '-', role");
    sds_free(text);
    char moved[64];
    snprintf(moved, sizeof(moved), "%s.1", path);
    rename(path, moved);
    is_int(log_reopen(), 0, "log_reopen");
    log_msg(LOG_WARNING, "after rotate");
    text = slurp(path);
    ok(contains(text, "after rotate") && !contains(text, "hello"), "reopen writes to a new file");
    sds_free(text);
    log_set_level(LOG_NOTHING);
    log_msg(LOG_WARNING, "silence");
    text = slurp(path);
    ok(!contains(text, "silence"), "loglevel nothing");
    sds_free(text);
    is_int(log_level_from_name("Verbose"), LOG_VERBOSE, "level names");
    is_int(log_level_from_name("loud"), -1, "unknown level name");
    ok(log_init(LOG_NOTICE, "/nonexistent-dir/x.log", 'M') < 0, "unopenable file: error");
    log_close();
    log_set_level(LOG_NOTICE);
    log_set_role('M');
    unlink(path);
    unlink(moved);
}

int main(void) {
    log_init(LOG_WARNING, "/dev/null", 'M'); /* keep test output TAP-clean */
    test_ping_echo_select();
    test_hello();
    test_auth();
    test_reset();
    test_client();
    test_info();
    test_command();
    test_config();
    test_debug();
    test_digest_across_servers();
    test_shutdown();
    test_monitor();
    test_slowlog();
    test_latency();
    test_memory();
    test_evict_policy("allkeys-lru", 0);
    test_evict_policy("allkeys-lfu", 0);
    test_evict_policy("allkeys-random", 0);
    test_evict_policy("volatile-lru", 1);
    test_evict_policy("volatile-lfu", 1);
    test_evict_policy("volatile-random", 1);
    test_evict_policy("volatile-ttl", 1);
    test_evict_noeviction();
    test_evict_lru_quality();
    test_evict_lfu_quality();
    test_evict_ttl_quality();
    test_evict_cron_and_dbs();
    test_log();
    return done_testing();
}
