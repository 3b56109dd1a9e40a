/* tests/unit/test_config.c — engine/config: defaults, the redis.conf grammar
 * (quotes, units, aliases, save lines, include), every load error path with
 * file + line + directive in the message, command-line overrides, CONFIG GET
 * globbing and rendering, CONFIG SET atomicity and hook rollback, CONFIG
 * REWRITE (comments and order kept, result re-parses to the same values). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/config.h"
#include "engine/mem.h"
#include "engine/sds.h"
#include "tests/tap.h"

static char tmpdir[64];

static char *path_in(const char *name) {
    static char buf[8][256];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    return p;
}

static const char *write_file(const char *name, const char *content) {
    const char *p = path_in(name);
    FILE *f = fopen(p, "w");
    if (!f) {
        perror(p);
        exit(1);
    }
    fputs(content, f);
    fclose(f);
    return p;
}

static sds slurp(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    sds s = sds_empty();
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) s = sds_catlen(s, buf, n);
    fclose(f);
    return s;
}

static int has(const char *hay, const char *needle) {
    return hay && strstr(hay, needle) != NULL;
}

/* Load text from a file named `name`; return the error (NULL on success). */
static sds load_err(strata_config *c, const char *name, const char *text) {
    sds err = NULL;
    const char *p = write_file(name, text);
    if (config_load_file(c, p, &err) == 0) {
        sds_free(err);
        return NULL;
    }
    return err ? err : sds_new("(rc -1 without message)");
}

/* A file whose line `line` is bad: the message names the file, the line
 * number, quotes the line, names the directive, and gives the reason. */
static void check_file_error(const char *text, int line, const char *quoted,
                             const char *directive, const char *reason) {
    strata_config c;
    config_init(&c);
    sds err = load_err(&c, "bad.conf", text);
    char where[300], q[300], dir[100];
    snprintf(where, sizeof(where), "'%s', at line %d", path_in("bad.conf"), line);
    snprintf(q, sizeof(q), ">>> '%s'", quoted);
    snprintf(dir, sizeof(dir), "%s: ", directive);
    int good = err && has(err, "*** FATAL CONFIG FILE ERROR ***") && has(err, where) &&
               has(err, q) && has(err, dir) && has(err, reason);
    ok(good, "error for '%s': file, line, directive, reason", quoted);
    if (!good) diag("message was:\n%s", err ? err : "(none)");
    sds_free(err);
    config_free(&c);
}

static void test_defaults(void) {
    strata_config c;
    config_init(&c);
    is_int(c.port, 6379, "port 6379");
    is_int(c.appendonly, 1, "appendonly yes (durable default)");
    is_int(c.appendfsync, CONFIG_APPENDFSYNC_EVERYSEC, "appendfsync everysec");
    is_int(c.save_count, 3, "three save rules");
    ok(c.save_count == 3 && c.save[0].seconds == 3600 && c.save[0].changes == 1 &&
           c.save[2].seconds == 60 && c.save[2].changes == 10000,
       "save 3600 1 300 100 60 10000");
    ok(c.bind_count == 2 && !strcmp(c.bind[0], "127.0.0.1") && !strcmp(c.bind[1], "-::1"),
       "bind 127.0.0.1 -::1");
    is_str(c.dir, "./", "dir ./");
    is_str(c.dbfilename, "dump.rdb", "dbfilename dump.rdb");
    is_int(c.protected_mode, 1, "protected-mode yes");
    is_int(c.databases, 16, "databases 16");
    is_int(c.maxmemory_policy, CONFIG_MAXMEMORY_NOEVICTION, "noeviction");
    is_int(c.hz, 10, "hz 10");
    is_int(c.proto_max_bulk_len, 512LL * 1024 * 1024, "proto-max-bulk-len 512mb");
    is_int(c.list_max_listpack_size, -2, "list-max-listpack-size -2");
    is_str(c.requirepass, "", "no password");
    ok(c.replicaof_host == NULL, "not a replica");
    is_int(c.rdbcompression, CONFIG_RDBCOMPRESSION_YES, "rdbcompression yes");
    ok(config_file_path(&c) == NULL, "no file loaded");
    config_free(&c);
    ok(c.bind == NULL && c.dir == NULL, "config_free zeroes");
    config_free(&c);
    ok(1, "config_free twice is harmless");
}

static void test_grammar(void) {
    strata_config c;
    config_init(&c);
    sds err = load_err(&c, "g.conf",
                       "# a comment\n"
                       "\n"
                       "   # indented comment\n"
                       "PORT 7000\n"
                       "port 7001\n"
                       "  Maxmemory   1GB  \r\n"
                       "dbfilename \"my dump.rdb\"\n"
                       "requirepass \"it's\"\n"
                       "masterauth \"a\\x41\\tb\"\n"
                       "logfile ''\n"
                       "hash-max-ziplist-entries 100\n"
                       "zset-max-ziplist-value 1kb\n"
                       "slaveof 10.0.0.1 6380\n"
                       "maxmemory-policy ALLKEYS-LRU\n"
                       "appendonly NO\n"
                       "unixsocketperm 700\n"
                       "notify-keyspace-events KEA\n"
                       "rdbcompression lz4\n"
                       "hz 1000\n"
                       "list-max-ziplist-entries 512\n");
    ok(err == NULL, "grammar file loads");
    if (err) diag("%s", err);
    sds_free(err);
    is_int(c.port, 7001, "names case-insensitive, later line wins");
    is_int(c.maxmemory, 1024LL * 1024 * 1024, "1GB, surrounding spaces and CR trimmed");
    is_str(c.dbfilename, "my dump.rdb", "double-quoted argument with a space");
    is_str(c.masterauth, "aA\tb", "escapes \\x41 and \\t");
    is_str(c.requirepass, "it's", "a single quote inside double quotes");
    is_str(c.logfile, "", "empty single-quoted argument");
    is_int(c.hash_max_listpack_entries, 100, "alias hash-max-ziplist-entries");
    is_int(c.zset_max_listpack_value, 1024, "alias zset-max-ziplist-value with kb");
    is_str(c.replicaof_host, "10.0.0.1", "slaveof alias: host");
    is_int(c.replicaof_port, 6380, "slaveof alias: port");
    is_int(c.maxmemory_policy, CONFIG_MAXMEMORY_ALLKEYS_LRU, "enum names case-insensitive");
    is_int(c.appendonly, 0, "bool NO");
    is_int(c.unixsocketperm, 0700, "unixsocketperm is octal");
    is_int(c.notify_keyspace_events,
           CONFIG_NOTIFY_ALL | CONFIG_NOTIFY_KEYSPACE | CONFIG_NOTIFY_KEYEVENT, "KEA flags");
    is_int(c.rdbcompression, CONFIG_RDBCOMPRESSION_LZ4, "rdbcompression lz4");
    is_int(c.hz, 500, "hz clamped to 500 like Redis");
    is_str(config_file_path(&c), path_in("g.conf"), "config_file_path is the absolute path");
    config_free(&c);

    /* 'single quotes' keep backslashes except \' */
    config_init(&c);
    err = load_err(&c, "q.conf", "requirepass 'a\\nb\\'c'\n");
    ok(err == NULL, "single-quoted with \\' loads");
    is_str(c.requirepass, "a\\nb'c", "single quotes: only \\' is an escape");
    sds_free(err);
    config_free(&c);
}

static void test_memory_units(void) {
    static const struct {
        const char *text;
        long long want;
    } cases[] = {{"1", 1},
                 {"1b", 1},
                 {"1k", 1000},
                 {"1kb", 1024},
                 {"1K", 1000},
                 {"1KB", 1024},
                 {"1m", 1000000},
                 {"1mb", 1048576},
                 {"1Mb", 1048576},
                 {"1g", 1000000000},
                 {"1gb", 1073741824},
                 {"2GB", 2147483648LL},
                 {"0", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        strata_config c;
        config_init(&c);
        char line[64];
        snprintf(line, sizeof(line), "maxmemory %s\n", cases[i].text);
        sds err = NULL;
        int rc = config_load_string(&c, line, "units", &err);
        ok(rc == 0 && c.maxmemory == cases[i].want, "maxmemory %s = %lld", cases[i].text,
           cases[i].want);
        sds_free(err);
        config_free(&c);
    }
}

static void test_save_lines(void) {
    strata_config c;
    config_init(&c);
    sds err = NULL;
    ok(config_load_string(&c, "save 900 1\nsave 300 10\n", "s", &err) == 0, "two save lines");
    ok(c.save_count == 2 && c.save[0].seconds == 900 && c.save[1].changes == 10,
       "save lines accumulate and replace the defaults");
    config_free(&c);

    config_init(&c);
    ok(config_load_string(&c, "save 900 1 300 10 60 10000\n", "s", &err) == 0, "pairs on one line");
    is_int(c.save_count, 3, "three rules from one line");
    config_free(&c);

    config_init(&c);
    ok(config_load_string(&c, "save 900 1\nsave \"\"\n", "s", &err) == 0, "save \"\"");
    is_int(c.save_count, 0, "save \"\" disables all saving");
    config_free(&c);

    config_init(&c);
    ok(config_load_string(&c, "save \"\"\nsave 10 1\n", "s", &err) == 0, "save \"\" then a rule");
    ok(c.save_count == 1 && c.save[0].seconds == 10, "a rule after save \"\" is kept");
    /* a second load (e.g. another source) replaces instead of appending */
    ok(config_load_string(&c, "save 20 2\n", "s2", &err) == 0, "second load");
    ok(c.save_count == 1 && c.save[0].seconds == 20, "a new load's first save line replaces");
    config_free(&c);
    sds_free(err);
}

static void test_error_paths(void) {
    check_file_error("# ok\nport abc\n", 2, "port abc", "port",
                     "argument couldn't be parsed into an integer");
    check_file_error("port 99999\n", 1, "port 99999", "port",
                     "argument must be between 0 and 65535 inclusive");
    check_file_error("port -1\n", 1, "port -1", "port", "between 0 and 65535");
    check_file_error("port 0x10\n", 1, "port 0x10", "port", "couldn't be parsed into an integer");
    check_file_error("\n\nmaxmemory-policy foo\n", 3, "maxmemory-policy foo", "maxmemory-policy",
                     "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
                     "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                     "noeviction");
    check_file_error("appendfsync sometimes\n", 1, "appendfsync sometimes", "appendfsync",
                     "everysec, always, no");
    check_file_error("appendonly maybe\n", 1, "appendonly maybe", "appendonly",
                     "argument must be 'yes' or 'no'");
    check_file_error("port 6379\nfoo bar\n", 2, "foo bar", "foo",
                     "Bad directive or wrong number of arguments");
    check_file_error("port 1 2\n", 1, "port 1 2", "port", "wrong number of arguments");
    check_file_error("port\n", 1, "port", "port", "wrong number of arguments");
    check_file_error("dbfilename \"abc\n", 1, "dbfilename \"abc", "dbfilename",
                     "Unbalanced quotes in configuration line");
    check_file_error("requirepass 'abc\n", 1, "requirepass 'abc", "requirepass",
                     "Unbalanced quotes");
    check_file_error("maxmemory 10x\n", 1, "maxmemory 10x", "maxmemory",
                     "argument must be a memory value");
    check_file_error("maxmemory -1\n", 1, "maxmemory -1", "maxmemory", "memory value");
    check_file_error("maxmemory 1.5gb\n", 1, "maxmemory 1.5gb", "maxmemory", "memory value");
    check_file_error("proto-max-bulk-len 1000\n", 1, "proto-max-bulk-len 1000",
                     "proto-max-bulk-len", "argument must be between 1048576 and");
    check_file_error("save 10\n", 1, "save 10", "save", "Invalid save parameters");
    check_file_error("save 0 1\n", 1, "save 0 1", "save", "Invalid save parameters");
    check_file_error("save 10 -1\n", 1, "save 10 -1", "save", "Invalid save parameters");
    check_file_error("save ten 1\n", 1, "save ten 1", "save", "Invalid save parameters");
    check_file_error("unixsocketperm 999\n", 1, "unixsocketperm 999", "unixsocketperm",
                     "argument couldn't be parsed as an octal number");
    check_file_error("unixsocketperm 1777\n", 1, "unixsocketperm 1777", "unixsocketperm",
                     "argument must be between 0 and 777 inclusive");
    check_file_error("dbfilename a/b.rdb\n", 1, "dbfilename a/b.rdb", "dbfilename",
                     "dbfilename can't be a path, just a filename");
    check_file_error("appenddirname \"\"\n", 1, "appenddirname \"\"", "appenddirname",
                     "appenddirname can't be empty");
    check_file_error("notify-keyspace-events KQ\n", 1, "notify-keyspace-events KQ",
                     "notify-keyspace-events", "Invalid event class character");
    check_file_error("replicaof host port\n", 1, "replicaof host port", "replicaof",
                     "Invalid master port");
    check_file_error("slaveof host\n", 1, "slaveof host", "slaveof", "wrong number of arguments");
    check_file_error("databases 0\n", 1, "databases 0", "databases",
                     "argument must be between 1 and 2147483647 inclusive");
    check_file_error("bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", 1,
                     "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "bind",
                     "Too many bind addresses specified.");
    check_file_error("include a b\n", 1, "include a b", "include", "wrong number of arguments");

    /* a bad line stops the load: lines after it are not applied */
    strata_config c;
    config_init(&c);
    sds err = load_err(&c, "stop.conf", "port 7000\nport x\nmaxmemory 5\n");
    ok(err && c.port == 7000 && c.maxmemory == 0, "load stops at the bad line");
    ok(config_file_path(&c) == NULL, "a failed load does not set the file path");
    sds_free(err);

    /* missing top-level file */
    err = NULL;
    ok(config_load_file(&c, path_in("nope.conf"), &err) == -1, "missing file fails");
    ok(has(err, "nope.conf") && has(err, "No such file or directory"),
       "missing file: message names it and errno");
    sds_free(err);
    config_free(&c);
}

static void test_include(void) {
    strata_config c;
    char text[600];

    /* a working include (absolute path) and a wildcard one */
    mkdir(path_in("conf.d"), 0755);
    write_file("inc.conf", "port 7100\nsave 50 5\n");
    write_file("conf.d/a.conf", "maxmemory 1mb\n");
    write_file("conf.d/b.conf", "maxmemory 2mb\n");
    snprintf(text, sizeof(text),
             "save 10 1\ninclude %s\ninclude %s/conf.d/*.conf\ninclude %s/none.d/*.conf\n"
             "timeout 5\n",
             path_in("inc.conf"), tmpdir, tmpdir);
    config_init(&c);
    sds err = load_err(&c, "main.conf", text);
    ok(err == NULL, "file with includes loads");
    if (err) diag("%s", err);
    sds_free(err);
    is_int(c.port, 7100, "included directive applied");
    ok(c.save_count == 2 && c.save[1].seconds == 50, "save lines accumulate across includes");
    is_int(c.maxmemory, 2 * 1024 * 1024, "wildcard include: files in sorted order");
    is_int(c.timeout, 5, "lines after the includes applied; empty wildcard is fine");
    config_free(&c);

    /* include of a missing file */
    snprintf(text, sizeof(text), "port 1\ninclude %s\n", path_in("missing.conf"));
    config_init(&c);
    err = load_err(&c, "incmiss.conf", text);
    char where[300];
    snprintf(where, sizeof(where), "'%s', at line 2", path_in("incmiss.conf"));
    ok(has(err, where) && has(err, "include: can't open config file") &&
           has(err, "missing.conf") && has(err, "No such file or directory"),
       "missing include: includer's file+line, directive, path and reason");
    sds_free(err);
    config_free(&c);

    /* error inside an included file names that file and the include chain */
    write_file("inner.conf", "\nmaxmemory-policy nope\n");
    snprintf(text, sizeof(text), "# x\ninclude %s\n", path_in("inner.conf"));
    config_init(&c);
    err = load_err(&c, "outer.conf", text);
    char inner[300], outer[300];
    snprintf(inner, sizeof(inner), "'%s', at line 2", path_in("inner.conf"));
    snprintf(outer, sizeof(outer), "(included from '%s', line 2)", path_in("outer.conf"));
    ok(has(err, inner) && has(err, outer) && has(err, "maxmemory-policy: argument(s)"),
       "error in an included file: its file+line and the include chain");
    sds_free(err);
    config_free(&c);

    /* include loop: a file including itself */
    snprintf(text, sizeof(text), "port 2\ninclude %s\n", path_in("loop.conf"));
    config_init(&c);
    err = load_err(&c, "loop.conf", text);
    snprintf(where, sizeof(where), "'%s', at line 2", path_in("loop.conf"));
    ok(has(err, where) && has(err, "include: include nesting deeper than 16 levels"),
       "include loop stopped by the depth limit, with file+line+directive");
    sds_free(err);
    config_free(&c);
}

static void test_args(void) {
    strata_config c;
    sds err = NULL;
    config_init(&c);
    sds e2 = load_err(&c, "base.conf", "port 7000\nsave 900 1\nsave 300 10\ndir /var/x\n");
    ok(e2 == NULL, "base file loads");
    sds_free(e2);
    char *argv1[] = {"--port", "7001", "--save", "60", "5", "--dir", "./data", "--bind",
                     "127.0.0.1", "::1", "--requirepass", "--looks-like-an-option"};
    ok(config_load_args(&c, 12, argv1, &err) == 0, "command-line options load");
    is_int(c.port, 7001, "--port overrides the file");
    ok(c.save_count == 1 && c.save[0].seconds == 60 && c.save[0].changes == 5,
       "--save replaces the file's rules");
    is_str(c.dir, "./data", "--dir overrides");
    ok(c.bind_count == 2 && !strcmp(c.bind[1], "::1"), "--bind takes several values");
    is_str(c.requirepass, "--looks-like-an-option", "the argument after a bare name is a value");

    char *argv2[] = {"--save", "--appendonly", "no"};
    ok(config_load_args(&c, 3, argv2, &err) == 0, "--save followed by an option");
    is_int(c.save_count, 0, "--save with no value = save \"\"");
    is_int(c.appendonly, 0, "and the next option applies");

    char *argv3[] = {"--save", "10", "1", "--save"};
    ok(config_load_args(&c, 4, argv3, &err) == 0, "trailing --save");
    is_int(c.save_count, 0, "trailing --save clears");

    char *argv4[] = {"--port 7002", "--maxmemory", "2mb"};
    ok(config_load_args(&c, 3, argv4, &err) == 0, "\"--port 7002\" in one argument");
    ok(c.port == 7002 && c.maxmemory == 2 * 1024 * 1024, "name+value in one argument");

    char *argv5[] = {"--maxmemory", "1mb", "--port", "99999"};
    ok(config_load_args(&c, 4, argv5, &err) == -1, "bad option value fails");
    ok(has(err, "command line, at option 2") && has(err, ">>> 'port 99999'") &&
           has(err, "port: argument must be between 0 and 65535 inclusive"),
       "command-line error names the option, text and reason");
    sds_free(err);
    err = NULL;

    char *argv6[] = {"7000"};
    ok(config_load_args(&c, 1, argv6, &err) == -1 && has(err, "options must start with --"),
       "a value without an option is refused");
    sds_free(err);
    err = NULL;

    char *argv7[] = {"--nosuch", "1"};
    ok(config_load_args(&c, 2, argv7, &err) == -1 &&
           has(err, "nosuch: Bad directive or wrong number of arguments"),
       "unknown option refused");
    sds_free(err);
    err = NULL;

    char *argv8[] = {"--save", ""};
    ok(config_load_args(&c, 2, argv8, &err) == 0 && c.save_count == 0, "--save \"\"");
    config_free(&c);
}

/* CONFIG GET collection */
typedef struct got {
    int n;
    char names[256][64];
    sds values[256];
} got;

static void collect(void *priv, const char *name, sds value) {
    got *g = priv;
    if (g->n < 256) {
        snprintf(g->names[g->n], 64, "%s", name);
        g->values[g->n++] = value;
    } else {
        sds_free(value);
    }
}

static void got_free(got *g) {
    for (int i = 0; i < g->n; i++) sds_free(g->values[i]);
    g->n = 0;
}

static const char *got_find(const got *g, const char *name) {
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->names[i], name)) return g->values[i];
    return NULL;
}

static void test_get(void) {
    strata_config c;
    config_init(&c);
    static got g;
    g.n = 0;

    config_get(&c, "port", collect, &g);
    ok(g.n == 1 && !strcmp(g.names[0], "port") && !strcmp(g.values[0], "6379"), "GET port");
    got_free(&g);
    config_get(&c, "PORT", collect, &g);
    ok(g.n == 1 && !strcmp(g.names[0], "PORT"), "exact lookup echoes the requested spelling");
    got_free(&g);
    config_get(&c, "PO*", collect, &g);
    ok(g.n == 1 && !strcmp(g.names[0], "port"), "glob is case-insensitive, canonical name");
    got_free(&g);
    config_get(&c, "save", collect, &g);
    is_str(got_find(&g, "save"), "3600 1 300 100 60 10000", "save rendered as pairs");
    got_free(&g);
    config_get(&c, "bind", collect, &g);
    is_str(got_find(&g, "bind"), "127.0.0.1 -::1", "bind rendered");
    got_free(&g);
    config_get(&c, "nosuch", collect, &g);
    is_int(g.n, 0, "unknown name: nothing");

    config_get(&c, "hash-max*", collect, &g);
    ok(g.n == 4 && got_find(&g, "hash-max-listpack-entries") &&
           got_find(&g, "hash-max-ziplist-entries") && got_find(&g, "hash-max-listpack-value") &&
           got_find(&g, "hash-max-ziplist-value"),
       "glob matches aliases too, as Redis 7");
    got_free(&g);
    config_get(&c, "slaveof", collect, &g);
    ok(g.n == 1 && !strcmp(g.values[0], ""), "slaveof of a master is empty");
    got_free(&g);

    char *patterns[] = {"max*", "maxmemory"};
    config_get_many(&c, 2, patterns, collect, &g);
    int dup = 0;
    for (int i = 0; i < g.n; i++)
        for (int j = i + 1; j < g.n; j++) dup |= !strcmp(g.names[i], g.names[j]);
    ok(g.n >= 5 && !dup, "several patterns: each name once (%d names)", g.n);
    got_free(&g);

    config_get(&c, "*", collect, &g);
    ok(g.n > 100, "GET * lists every directive and alias (%d)", g.n);
    got_free(&g);

    sds err = NULL;
    ok(config_load_string(&c,
                          "maxmemory 1gb\nunixsocketperm 750\nnotify-keyspace-events \"Ex$\"\n"
                          "maxmemory-policy volatile-ttl\nreplicaof 10.1.1.1 7000\n"
                          "appendonly no\n",
                          "x", &err) == 0,
       "values for rendering");
    config_get(&c, "*", collect, &g);
    is_str(got_find(&g, "maxmemory"), "1073741824", "memory rendered as bytes");
    is_str(got_find(&g, "unixsocketperm"), "750", "octal rendered as octal");
    is_str(got_find(&g, "notify-keyspace-events"), "$xE", "notify flags in Redis's order");
    is_str(got_find(&g, "maxmemory-policy"), "volatile-ttl", "enum rendered by name");
    is_str(got_find(&g, "replicaof"), "10.1.1.1 7000", "replicaof rendered");
    is_str(got_find(&g, "appendonly"), "no", "bool rendered yes/no");
    got_free(&g);

    sds v = config_get_value(&c, "slave-read-only");
    is_str(v, "yes", "config_get_value via an alias");
    sds_free(v);
    ok(config_get_value(&c, "nope") == NULL, "config_get_value unknown = NULL");
    is_str(config_enum_name("maxmemory-policy", CONFIG_MAXMEMORY_ALLKEYS_LFU), "allkeys-lfu",
           "config_enum_name");
    is_str(config_enum_name("loglevel", CONFIG_LOGLEVEL_NOTHING), "nothing", "loglevel nothing");
    ok(config_enum_name("port", 1) == NULL, "config_enum_name of a non-enum = NULL");
    ok(config_is_sensitive("requirepass") && config_is_sensitive("MASTERAUTH") &&
           !config_is_sensitive("port") && !config_is_sensitive("nope"),
       "config_is_sensitive");
    sds f = config_notify_flags_to_string(CONFIG_NOTIFY_ALL | CONFIG_NOTIFY_KEYSPACE |
                                          CONFIG_NOTIFY_KEYEVENT | CONFIG_NOTIFY_NEW);
    is_str(f, "AnKE", "A n K E order");
    sds_free(f);
    config_free(&c);
}

/* CONFIG SET helper: argv from C strings */
static int cset(strata_config *c, sds *err, int argc, ...) {
    sds argv[16];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) argv[i] = sds_new(va_arg(ap, const char *));
    va_end(ap);
    if (*err) sds_free(*err);
    *err = NULL;
    int rc = config_set(c, argc, argv, err);
    for (int i = 0; i < argc; i++) sds_free(argv[i]);
    return rc;
}

static void test_set(void) {
    strata_config c;
    config_init(&c);
    sds err = NULL;

    ok(cset(&c, &err, 2, "port", "7000") == 0 && c.port == 7000, "SET port");
    ok(cset(&c, &err, 6, "maxmemory", "100mb", "appendfsync", "ALWAYS", "hash-max-ziplist-entries",
            "64") == 0,
       "SET three pairs");
    ok(c.maxmemory == 100LL * 1024 * 1024 && c.appendfsync == CONFIG_APPENDFSYNC_ALWAYS &&
           c.hash_max_listpack_entries == 64,
       "all three applied");

    cset(&c, &err, 2, "foo", "1");
    is_str(err, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'", "unknown");
    cset(&c, &err, 2, "port", "99999");
    is_str(err,
           "ERR CONFIG SET failed (possibly related to argument 'port') - argument must be "
           "between 0 and 65535 inclusive",
           "out of range");
    cset(&c, &err, 2, "databases", "4");
    is_str(err,
           "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
           "immutable config",
           "immutable");
    cset(&c, &err, 2, "slaveof", "no one");
    is_str(err,
           "ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set "
           "immutable config",
           "replicaof is immutable (REPLICAOF command instead)");
    cset(&c, &err, 4, "port", "1", "PORT", "2");
    is_str(err,
           "ERR CONFIG SET failed (possibly related to argument 'PORT') - duplicate parameter",
           "duplicate");
    cset(&c, &err, 4, "hash-max-listpack-entries", "1", "hash-max-ziplist-entries", "2");
    ok(has(err, "duplicate parameter"), "name + its alias = duplicate");
    cset(&c, &err, 2, "maxmemory-policy", "foo");
    is_str(err,
           "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
           "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
           "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
           "bad enum");
    cset(&c, &err, 2, "appendonly", "maybe");
    ok(has(err, "argument must be 'yes' or 'no'"), "bad bool");
    cset(&c, &err, 2, "hash-max-ziplist-entries", "abc");
    ok(has(err, "argument 'hash-max-ziplist-entries') - argument couldn't be parsed into an "
                "integer"),
       "error names the argument as given");
    cset(&c, &err, 1, "port");
    is_str(err, "ERR wrong number of arguments for 'config|set' command", "one argument");
    cset(&c, &err, 3, "port", "1", "maxmemory");
    is_str(err, "ERR syntax error", "odd number of arguments");
    cset(&c, &err, 2, "dir", "/tmp");
    ok(has(err, "can't set protected config"), "dir is protected by default");
    cset(&c, &err, 2, "dbfilename", "x.rdb");
    ok(has(err, "can't set protected config"), "dbfilename is protected by default");

    /* atomicity: one bad pair and nothing changes */
    long long port = c.port, mm = c.maxmemory;
    int pol = c.maxmemory_policy;
    ok(cset(&c, &err, 6, "port", "7777", "maxmemory", "1gb", "maxmemory-policy", "bogus") == -1,
       "bad last pair fails");
    ok(c.port == port && c.maxmemory == mm && c.maxmemory_policy == pol,
       "nothing changed on a bad value");
    ok(cset(&c, &err, 4, "port", "7777", "nosuch", "1") == -1 && c.port == port,
       "nothing changed on an unknown name");
    ok(cset(&c, &err, 4, "timeout", "5", "databases", "2") == -1 && c.timeout == 0,
       "nothing changed on an immutable name");
    int nsave = c.save_count;
    ok(cset(&c, &err, 4, "save", "10 1", "port", "x") == -1 && c.save_count == nsave,
       "save unchanged when another pair is bad");

    /* special values */
    ok(cset(&c, &err, 2, "save", "100 1 200 2") == 0 && c.save_count == 2 &&
           c.save[1].seconds == 200,
       "SET save with pairs");
    ok(cset(&c, &err, 2, "save", "") == 0 && c.save_count == 0, "SET save \"\"");
    cset(&c, &err, 2, "save", "10");
    ok(has(err, "Invalid save parameters"), "SET save with an odd count");
    ok(cset(&c, &err, 2, "bind", "0.0.0.0 ::") == 0 && c.bind_count == 2, "SET bind two");
    ok(cset(&c, &err, 2, "bind", "") == 0 && c.bind_count == 0, "SET bind \"\"");
    ok(cset(&c, &err, 2, "hz", "1000") == 0 && c.hz == 500, "SET hz 1000 -> 500");
    ok(cset(&c, &err, 2, "hz", "0") == 0 && c.hz == 1, "SET hz 0 -> 1");
    ok(cset(&c, &err, 2, "requirepass", "s3cret") == 0 && !strcmp(c.requirepass, "s3cret"),
       "SET requirepass");
    ok(cset(&c, &err, 2, "notify-keyspace-events", "KEA") == 0, "SET notify");
    sds v = config_get_value(&c, "notify-keyspace-events");
    is_str(v, "AKE", "notify rendered canonically");
    sds_free(v);
    config_free(&c);

    /* enable-protected-configs */
    config_init(&c);
    ok(config_load_string(&c, "enable-protected-configs yes\n", "p", &err) == 0, "enable yes");
    ok(cset(&c, &err, 2, "dir", "/tmp") == 0 && !strcmp(c.dir, "/tmp"),
       "dir settable when enabled");
    config_free(&c);
    config_init(&c);
    ok(config_load_string(&c, "enable-protected-configs local\n", "p", &err) == 0, "enable local");
    sds a[2] = {sds_new("dbfilename"), sds_new("y.rdb")};
    sds_free(err);
    err = NULL;
    ok(config_set_ex(&c, 2, a, 0, &err) == -1, "local: refused for a remote client");
    sds_free(err);
    err = NULL;
    ok(config_set_ex(&c, 2, a, CONFIG_SET_LOCAL_CLIENT, &err) == 0 &&
           !strcmp(c.dbfilename, "y.rdb"),
       "local: allowed for a local client");
    sds_free(a[0]);
    sds_free(a[1]);
    config_free(&c);
    sds_free(err);
}

/* hooks */
typedef struct hookctx {
    strata_config *c;
    int calls;
    long long seen[8];
    int fail;
} hookctx;

static int port_hook(void *ctx, const char *name, sds *err) {
    hookctx *h = ctx;
    if (h->calls < 8) h->seen[h->calls] = h->c->port;
    h->calls++;
    return 0;
}

static int mm_hook(void *ctx, const char *name, sds *err) {
    hookctx *h = ctx;
    h->calls++;
    if (h->fail) {
        *err = sds_catprintf(sds_empty(), "nope for %s", name);
        return -1;
    }
    return 0;
}

static void test_hooks(void) {
    strata_config c;
    config_init(&c);
    hookctx ph = {&c, 0, {0}, 0}, mh = {&c, 0, {0}, 0};
    config_set_hook(&c, "port", port_hook, &ph);
    config_set_hook(&c, "maxmemory", mm_hook, &mh);
    sds err = NULL;

    ok(cset(&c, &err, 2, "port", "7000") == 0, "SET with a hook");
    ok(ph.calls == 1 && ph.seen[0] == 7000, "hook runs after the value is stored");
    ok(cset(&c, &err, 2, "port", "7000") == 0 && ph.calls == 1, "no hook when unchanged");

    mh.fail = 1;
    ph.calls = 0;
    ok(cset(&c, &err, 6, "port", "7001", "maxmemory", "5mb", "timeout", "9") == -1,
       "failing hook fails the SET");
    is_str(err,
           "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - nope for maxmemory",
           "hook's reason in Redis's wording");
    ok(c.port == 7000 && c.maxmemory == 0 && c.timeout == 0, "every value rolled back");
    ok(ph.calls == 2 && ph.seen[0] == 7001 && ph.seen[1] == 7000,
       "earlier hook re-run with the restored value");

    mh.fail = 0;
    ok(cset(&c, &err, 2, "maxmemory", "5mb") == 0 && c.maxmemory == 5 * 1024 * 1024,
       "hook succeeds again");
    config_set_hook(&c, "maxmemory", NULL, NULL);
    mh.calls = 0;
    ok(cset(&c, &err, 2, "maxmemory", "6mb") == 0 && mh.calls == 0, "hook removed");
    sds_free(err);
    config_free(&c);
}

static int dir_has_temp_files(void) {
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".tmp-")) found = 1;
    if (d) closedir(d);
    return found;
}

/* every directive's rendered value equal in a and b */
static int same_values(const strata_config *a, const strata_config *b) {
    static got ga, gb;
    ga.n = gb.n = 0;
    config_get(a, "*", collect, &ga);
    config_get(b, "*", collect, &gb);
    int same = ga.n == gb.n;
    for (int i = 0; same && i < ga.n; i++) {
        same = !strcmp(ga.names[i], gb.names[i]) && !strcmp(ga.values[i], gb.values[i]);
        if (!same) diag("%s: '%s' vs '%s'", ga.names[i], ga.values[i], gb.values[i]);
    }
    got_free(&ga);
    got_free(&gb);
    return same;
}

static void test_rewrite(void) {
    strata_config c;
    sds err = NULL;
    config_init(&c);
    ok(config_rewrite(&c, &err) == -1, "rewrite without a file fails");
    is_str(err, "ERR The server is running without a config file", "Redis's message");
    sds_free(err);
    err = NULL;

    write_file("extra.conf", "tcp-keepalive 60\n");
    char text[1200];
    snprintf(text, sizeof(text),
             "# strata test config\n"
             "\n"
             "# network\n"
             "port 7000\n"
             "bind 127.0.0.1\n"
             "\n"
             "# persistence\n"
             "save 900 1\n"
             "save 300 10\n"
             "save 60 10000\n"
             "# the one below is an alias\n"
             "hash-max-ziplist-entries 100\n"
             "slaveof 10.0.0.9 6379\n"
             "include %s\n"
             "maxmemory 1mb\n"
             "# trailing comment\n",
             path_in("extra.conf"));
    const char *path = write_file("rw.conf", text);
    chmod(path, 0640);
    ok(config_load_file(&c, path, &err) == 0, "rewrite source loads");
    sds_free(err);
    err = NULL;

    char *args[] = {"--replicaof", "no", "one", "--appendfsync", "always", "--maxmemory", "3mb",
                    "--save", "3600", "1", "--port", "7001", "--loglevel", "warning",
                    "--requirepass", "p w\"d"};
    ok(config_load_args(&c, 16, args, &err) == 0, "changes via the command line");
    ok(config_rewrite(&c, &err) == 0, "rewrite succeeds");
    if (err) diag("%s", err);
    sds_free(err);
    err = NULL;

    sds out = slurp(path);
    const char *want =
        "# strata test config\n"
        "\n"
        "# network\n"
        "port 7001\n"
        "bind 127.0.0.1\n"
        "\n"
        "# persistence\n"
        "save 3600 1\n"
        "# the one below is an alias\n"
        "hash-max-listpack-entries 100\n"
        "include %s\n"
        "maxmemory 3mb\n"
        "# trailing comment\n"
        "\n"
        "# Generated by CONFIG REWRITE\n"
        "tcp-keepalive 60\n"
        "loglevel warning\n"
        "requirepass \"p w\\\"d\"\n"
        "appendfsync always\n";
    char expect[1200];
    snprintf(expect, sizeof(expect), want, path_in("extra.conf"));
    const char *expected = expect;
    is_str(out, expected, "comments, blank lines, order, include kept; values replaced in place");
    struct stat st;
    ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640, "file mode kept");
    ok(!dir_has_temp_files(), "no temp file left behind");

    strata_config r;
    config_init(&r);
    ok(config_load_file(&r, path, &err) == 0, "rewritten file re-parses");
    if (err) diag("%s", err);
    sds_free(err);
    err = NULL;
    ok(same_values(&c, &r), "re-parsed values equal the running ones");
    config_free(&r);

    /* a second rewrite is a no-op; a default value keeps its line */
    ok(config_rewrite(&c, &err) == 0, "second rewrite");
    sds out2 = slurp(path);
    is_str(out2, out, "rewrite is idempotent (one signature)");
    sds_free(out2);
    sds_free(out);

    ok(cset(&c, &err, 4, "maxmemory", "0", "save", "100 1 200 2 300 3") == 0, "SET for rewrite");
    ok(config_rewrite(&c, &err) == 0, "third rewrite");
    out = slurp(path);
    ok(has(out, "\nmaxmemory 0\n"), "a directive back at its default keeps its line");
    ok(has(out, "# persistence\nsave 100 1 200 2 300 3\n# the one below"),
       "all save rules on the first save line");
    sds_free(out);
    config_init(&r);
    ok(config_load_file(&r, path, &err) == 0 && same_values(&c, &r), "and re-parses equal");
    config_free(&r);

    /* the file vanished: rewrite writes a complete new one */
    unlink(path);
    ok(config_rewrite(&c, &err) == 0, "rewrite when the file was deleted");
    out = slurp(path);
    ok(out && !strncmp(out, "# Generated by CONFIG REWRITE\n", 30),
       "new file starts with the signature");
    sds_free(out);
    config_init(&r);
    ok(config_load_file(&r, path, &err) == 0 && same_values(&c, &r), "new file re-parses equal");
    config_free(&r);

    /* a line that no longer parses is kept as a comment */
    write_file("rw.conf", "port 1\nfuture-directive 5\n");
    ok(config_rewrite(&c, &err) == 0, "rewrite over an edited file");
    out = slurp(path);
    ok(has(out, "# ??? future-directive 5\n") && !strncmp(out, "port 7001\n", 10),
       "unknown line commented out, known one replaced");
    sds_free(out);

    /* the directory vanished: a clear error */
    sds dirname = sds_new(path_in("gone"));
    mkdir(dirname, 0755);
    const char *gone = write_file("gone/g.conf", "port 1\n");
    strata_config g;
    config_init(&g);
    ok(config_load_file(&g, gone, &err) == 0, "load from a directory");
    unlink(gone);
    rmdir(dirname);
    ok(config_rewrite(&g, &err) == -1, "rewrite into a removed directory fails");
    is_str(err, "ERR Rewriting config file: No such file or directory", "errno in the error");
    sds_free(err);
    sds_free(dirname);
    config_free(&g);
    config_free(&c);
}

/* The shipped strata.conf: loads, equals the defaults except dir ./data,
 * and names every directive (replicaof in a comment). */
static void test_shipped_conf(void) {
    static const char *aliases[] = {"slaveof", "slave-serve-stale-data", "slave-read-only",
                                    "repl-ping-slave-period", "slave-priority",
                                    "min-slaves-to-write", "min-slaves-max-lag",
                                    "slave-lazy-flush", "lua-time-limit",
                                    "hash-max-ziplist-entries", "hash-max-ziplist-value",
                                    "list-max-ziplist-size", "zset-max-ziplist-entries",
                                    "zset-max-ziplist-value"};
    char path[512];
    const char *suffix = "tests/unit/test_config.c", *file = __FILE__;
    size_t root = strlen(file) - strlen(suffix);
    snprintf(path, sizeof(path), "%.*sstrata.conf", (int)root, file);
    sds text = slurp(path);
    if (!text) {
        ok(0, "shipped %s readable", path);
        return;
    }
    strata_config c, d;
    config_init(&c);
    config_init(&d);
    sds err = NULL;
    ok(config_load_file(&c, path, &err) == 0, "shipped strata.conf loads");
    if (err) diag("%s", err);
    sds_free(err);
    is_str(c.dir, "./data", "shipped dir is ./data");
    mem_free(d.dir);
    d.dir = mem_strdup("./data");
    ok(same_values(&c, &d), "shipped values are the built-in defaults");

    static got g;
    g.n = 0;
    config_get(&d, "*", collect, &g);
    int missing = 0;
    for (int i = 0; i < g.n; i++) {
        int alias = 0;
        for (size_t k = 0; k < sizeof(aliases) / sizeof(aliases[0]); k++)
            alias |= !strcmp(aliases[k], g.names[i]);
        char a[80], b[80];
        snprintf(a, sizeof(a), "\n%s ", g.names[i]);
        snprintf(b, sizeof(b), "\n# %s ", g.names[i]);
        if (!alias && !has(text, a) && !has(text, b)) {
            diag("strata.conf lacks %s", g.names[i]);
            missing++;
        }
    }
    ok(missing == 0, "strata.conf lists every directive");
    got_free(&g);
    sds_free(text);
    config_free(&c);
    config_free(&d);
}

static void rm_rf(const char *dir) {
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) diag("could not remove %s", dir);
}

int main(void) {
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/strata-config-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_defaults();
    test_grammar();
    test_memory_units();
    test_save_lines();
    test_error_paths();
    test_include();
    test_args();
    test_get();
    test_set();
    test_hooks();
    test_rewrite();
    test_shipped_conf();
    rm_rf(tmpdir);
    return done_testing();
}
