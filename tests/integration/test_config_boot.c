/*
 * tests/integration/test_config_boot.c — configuration at boot, CONFIG
 * SET/REWRITE, signals, shutdown, pidfile, daemonize and the log format of
 * the real bin/strata-server.
 *
 * Design
 *   bad files     each bad config (bad value, unknown directive, wrong
 *                 argument count, include of a missing file, a bad line in
 *                 an included file, bad quoting, a bad command-line flag, a
 *                 missing config file) is run with ts_run: the server must
 *                 exit non-zero within 5 s (it is given --port 0 and a unix
 *                 socket, so a server that wrongly starts binds nothing
 *                 public and is killed at the timeout) and its output must
 *                 name the file, the line number, the line and the reason
 *     good file     include, --flag overrides the file, `save ""` and several
 *                   save lines in CONFIG GET save
 *     CONFIG SET    bad values answer redis-server's exact error (compared
 *                   with a running redis-server when there is one) and
 *                   change nothing, even when other arguments were valid
 *     REWRITE       the real file is rewritten: comments and order kept,
 *                   changed values in place, new ones appended, no temp file
 *                   left; a restart reads the rewritten values
 *     signals       SIGTERM and SIGINT: exit 0, the log says why; SHUTDOWN
 *                   NOSAVE closes the connection and exits 0; the pidfile
 *                   holds the pid and is removed at exit
 *     daemonize     `daemonize yes`: the launcher exits 0 at once, the
 *                   pidfile names the daemon (a new session leader, not the
 *                   launched process), which serves and stops on SIGTERM
 *     log format    every log line is "pid:M dd Mon yyyy hh:mm:ss.mmm L msg"
 *                   with L one of . - * # and pid the server's
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/testsrv.h"
#include "tests/tap.h"

static char scratch[64]; /* this test's own directory for config files */

static char *path_in(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) abort();
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static int write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return -errno;
    fputs(text, f);
    return fclose(f) == 0 ? 0 : -errno;
}

/* Whole file as a malloc'd string, or NULL. */
static char *read_text(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *p = malloc(cap);
    if (!p) abort();
    size_t n;
    while ((n = fread(p + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 1024) {
            cap *= 2;
            p = realloc(p, cap);
            if (!p) abort();
        }
    }
    fclose(f);
    p[len] = '\0';
    return p;
}

static const char *rstr(const redisReply *r) {
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
                 r->type == REDIS_REPLY_ERROR) ? r->str : NULL;
}

/* CONFIG GET name's value (malloc'd), or NULL. */
static char *config_get(redisContext *c, const char *name) {
    redisReply *r = c ? ts_cmd(c, "CONFIG GET %s", name) : NULL;
    char *v = NULL;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->type == REDIS_REPLY_STRING)
        v = strdup(r->element[1]->str);
    if (r) freeReplyObject(r);
    return v;
}

static void config_is(redisContext *c, const char *name, const char *want) {
    char *got = config_get(c, name);
    is_str(got, want, "CONFIG GET %s is \"%s\"", name, want);
    free(got);
}

static int exited_with(int st, int code) { return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == code; }

/* ---------------------------------------------------------- bad files */

typedef struct bad_case {
    const char *name;
    const char *text;   /* the config file ("@INC@" = path of inc.conf) */
    const char *inc;    /* contents of inc.conf, or NULL */
    const char *file;   /* "main" or "inc": the file the error must name */
    int line;           /* line number it must name */
    const char *shown;  /* the line as shown */
    const char *reason; /* substring of the reason */
} bad_case;

static const bad_case bad_cases[] = {
    {"bad value", "# comment\nport 7000\nmaxmemory-policy bogus\n", NULL, "main", 3, "maxmemory-policy bogus",
     "argument(s) must be one of the following"},
    {"unknown directive", "# comment\n\nfoobar 1\n", NULL, "main", 3, "foobar 1",
     "Bad directive or wrong number of arguments"},
    {"wrong argument count", "hz 10\nport\n", NULL, "main", 2, "port", "wrong number of arguments"},
    {"too many arguments", "appendonly yes no\n", NULL, "main", 1, "appendonly yes no",
     "wrong number of arguments"},
    {"include of a missing file", "hz 10\ninclude /nonexistent/strata-missing.conf\n", NULL, "main", 2,
     "include /nonexistent/strata-missing.conf", "can't open config file '/nonexistent/strata-missing.conf'"},
    {"bad line inside an included file", "hz 10\ninclude @INC@\n", "# inc\nmaxmemory 10xb\n", "inc", 2,
     "maxmemory 10xb", "argument must be a memory value"},
    {"not yes/no", "appendonly maybe\n", NULL, "main", 1, "appendonly maybe", "argument must be 'yes' or 'no'"},
    {"out of range", "port 70000\n", NULL, "main", 1, "port 70000", "argument must be between 0 and 65535"},
    {"unbalanced quotes", "dir \"/tmp\n", NULL, "main", 1, "dir \"/tmp", "Unbalanced quotes"},
    {"odd save arguments", "save 100\n", NULL, "main", 1, "save 100", "Invalid save parameters"},
};

static void run_bad_case(const bad_case *k, int idx) {
    char name[32];
    snprintf(name, sizeof name, "bad%d.conf", idx);
    char *conf = path_in(scratch, name), *inc = path_in(scratch, "inc.conf");
    char *sock = path_in(scratch, "never.sock");
    /* substitute @INC@ */
    char text[512];
    const char *at = strstr(k->text, "@INC@");
    if (at) snprintf(text, sizeof text, "%.*s%s%s", (int)(at - k->text), k->text, inc, at + 5);
    else snprintf(text, sizeof text, "%s", k->text);
    write_text(conf, text);
    if (k->inc) write_text(inc, k->inc);
    const char *argv[] = {ts_strata_bin(), conf, "--port", "0", "--unixsocket", sock, "--save", "",
                          "--appendonly", "no", "--dir", scratch, NULL};
    char *out = NULL, *err = NULL;
    int st = ts_run(argv, NULL, &out, &err, 5000);
    size_t n = (out ? strlen(out) : 0) + (err ? strlen(err) : 0) + 2;
    char *all = malloc(n);
    if (!all) abort();
    snprintf(all, n, "%s%s", out ? out : "", err ? err : "");
    ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) != 0, "bad config (%s): exits non-zero (status %d)", k->name,
       st);
    const char *file = strcmp(k->file, "inc") == 0 ? inc : conf;
    char line_no[32], shown[256];
    snprintf(line_no, sizeof line_no, "line %d", k->line);
    snprintf(shown, sizeof shown, "'%s'", k->shown);
    int pass = strstr(all, file) && strstr(all, line_no) && strstr(all, shown) && strstr(all, k->reason);
    ok(pass, "bad config (%s): says file, %s, the line and why", k->name, line_no);
    if (!pass) diag("output: %.600s", all);
    free(all);
    free(out);
    free(err);
    remove(conf);
    remove(inc);
    remove(sock);
    free(conf);
    free(inc);
    free(sock);
}

static void test_bad_configs(void) {
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) run_bad_case(&bad_cases[i], (int)i);

    /* a bad command-line option, a missing config file */
    char *sock = path_in(scratch, "never.sock");
    const char *argv1[] = {ts_strata_bin(), "--port", "0", "--unixsocket", sock, "--hz", "abc", NULL};
    char *err = NULL, *out = NULL;
    int st = ts_run(argv1, NULL, &out, &err, 5000);
    ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) != 0, "bad command-line option --hz abc: exits non-zero");
    ok((err && strstr(err, "hz abc")) || (out && strstr(out, "hz abc")), "bad command-line option: names it");
    free(err);
    free(out);
    err = out = NULL;
    const char *argv2[] = {ts_strata_bin(), "/nonexistent/strata.conf", "--port", "0", "--unixsocket", sock, NULL};
    st = ts_run(argv2, NULL, &out, &err, 5000);
    ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) != 0, "missing config file: exits non-zero");
    ok((err && strstr(err, "/nonexistent/strata.conf")) || (out && strstr(out, "/nonexistent/strata.conf")),
       "missing config file: names it");
    free(err);
    free(out);
    remove(sock);
    free(sock);
}

/* ---------------------------------------------------------- good file */

static void test_good_config(void) {
    char *inc = path_in(scratch, "good-inc.conf");
    write_text(inc, "# included\nhz 17\nmaxmemory 3mb\nmaxmemory-policy allkeys-lru\n");
    char text[512];
    snprintf(text, sizeof text,
             "# main file\nport 1\nappendonly no\ninclude %s\nsave \"\"\nmaxmemory 2mb\ntimeout 5\n", inc);
    const char *args[] = {"--maxmemory", "7mb", NULL};
    ts_server *s = ts_start(&(ts_opts){.conf_text = text, .args = args, .persist = 1});
    ok(s != NULL, "good config with include starts");
    if (s) {
        redisContext *c = ts_connect(s);
        char port[16];
        snprintf(port, sizeof port, "%d", s->port);
        config_is(c, "port", port); /* --port on the command line beat "port 1" */
        config_is(c, "hz", "17");   /* from the included file */
        config_is(c, "maxmemory-policy", "allkeys-lru");
        config_is(c, "maxmemory", "7340032"); /* file said 3mb then 2mb, --maxmemory 7mb wins */
        config_is(c, "timeout", "5");
        config_is(c, "save", "");
        config_is(c, "appendonly", "no");
        if (c) redisFree(c);
    }
    ts_free(s);
    free(inc);

    const char *text2 = "save 100 1\nsave 50 2\nappendonly no\n";
    s = ts_start(&(ts_opts){.conf_text = text2, .persist = 1});
    ok(s != NULL, "config with two save lines starts");
    if (s) {
        redisContext *c = ts_connect(s);
        config_is(c, "save", "100 1 50 2");
        ts_cmd_expect_status(c, "OK", "CONFIG SET save %s", "");
        config_is(c, "save", "");
        if (c) redisFree(c);
    }
    ts_free(s);
}

/* --------------------------------------------------------- CONFIG SET */

static const char *const bad_sets[] = {
    "CONFIG SET hz 20 maxmemory-policy bogus",
    "CONFIG SET maxmemory 10xb",
    "CONFIG SET nosuch 1",
    "CONFIG SET hz",
    "CONFIG SET appendonly maybe",
    "CONFIG SET daemonize yes",
    "CONFIG SET port -1",
    "CONFIG SET save 100",
    "CONFIG SET hz 5 hz 6",
    "CONFIG SET hz abc",
    "CONFIG SET maxclients 0",
    "CONFIG SET timeout 5 tcp-keepalive -1",
    "CONFIG SET proto-max-bulk-len 10",
};

static void test_config_set(ts_server *ref) {
    ts_server *s = ts_start(NULL);
    ok(s != NULL, "CONFIG SET: server started");
    if (!s) return;
    redisContext *c = ts_connect(s), *rc = ref ? ts_connect(ref) : NULL;
    const char *watched[] = {"hz", "maxmemory", "maxmemory-policy", "appendonly", "port", "save", "timeout",
                             "tcp-keepalive", "maxclients", "proto-max-bulk-len", NULL};
    char *before[16] = {0};
    for (int i = 0; watched[i]; i++) before[i] = config_get(c, watched[i]);
    for (size_t i = 0; i < sizeof bad_sets / sizeof *bad_sets; i++) {
        redisReply *r = ts_cmd(c, bad_sets[i]);
        ok(r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "ERR ", 4) == 0, "%s -> an error (%s)", bad_sets[i],
           rstr(r) ? rstr(r) : "no reply");
        if (rc) {
            redisReply *rr = ts_cmd(rc, bad_sets[i]);
            is_str(rstr(r), rstr(rr), "%s: redis-server's error text", bad_sets[i]);
            if (rr) freeReplyObject(rr);
        }
        if (r) freeReplyObject(r);
    }
    if (!rc) skip("CONFIG SET errors vs redis", "no redis-server");
    int same = 1;
    for (int i = 0; watched[i]; i++) {
        char *now = config_get(c, watched[i]);
        if (!now || !before[i] || strcmp(now, before[i]) != 0) {
            same = 0;
            diag("%s changed: %s -> %s", watched[i], before[i] ? before[i] : "?", now ? now : "?");
        }
        free(now);
        free(before[i]);
    }
    ok(same, "no value changed after the refused CONFIG SETs (even their valid arguments)");
    ts_cmd_expect_status(c, "OK", "CONFIG SET hz 20 maxmemory-policy allkeys-lru");
    config_is(c, "hz", "20");
    config_is(c, "maxmemory-policy", "allkeys-lru");
    if (c) redisFree(c);
    if (rc) redisFree(rc);
    ts_free(s);
}

/* ----------------------------------------------------- CONFIG REWRITE */

static const char rewrite_conf[] = "# strata test config: first comment\n"
                                   "# second comment line\n"
                                   "\n"
                                   "# memory section\n"
                                   "maxmemory 5mb\n"
                                   "   # indented comment\n"
                                   "hz 10\n"
                                   "appendonly no\n"
                                   "# last comment\n";

/* The index of the first line equal to `line` in text, or -1. */
static int line_index(const char *text, const char *line) {
    int idx = 0;
    size_t n = strlen(line);
    for (const char *p = text; p && *p; idx++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, line, n) == 0) return idx;
        p = e ? e + 1 : NULL;
    }
    return -1;
}

static int dir_entries(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void test_rewrite(void) {
    ts_server *s = ts_start(&(ts_opts){.conf_text = rewrite_conf});
    ok(s != NULL, "REWRITE: server started from a commented file");
    if (!s) return;
    char *conf = path_in(s->dir, "server.conf");
    redisContext *c = ts_connect(s);
    int files_before = dir_entries(s->dir);
    ts_cmd_expect_status(c, "OK", "CONFIG SET maxmemory 10mb");
    ts_cmd_expect_status(c, "OK", "CONFIG SET hz 20");
    ts_cmd_expect_status(c, "OK", "CONFIG SET maxmemory-policy allkeys-lfu");
    ts_cmd_expect_status(c, "OK", "CONFIG REWRITE");
    if (c) redisFree(c);
    char *text = read_text(conf);
    ok(text != NULL, "REWRITE: the file is readable");
    const char *t = text ? text : "";
    const char *kept[] = {"# strata test config: first comment", "# second comment line", "# memory section",
                          "   # indented comment", "# last comment", NULL};
    int order_ok = 1, last = -1;
    for (int i = 0; kept[i]; i++) {
        int at = line_index(t, kept[i]);
        if (at <= last) order_ok = 0;
        last = at;
    }
    ok(order_ok, "REWRITE: every comment kept, in order");
    is_int(line_index(t, "maxmemory 10mb"), 4, "REWRITE: maxmemory rewritten in place as 'maxmemory 10mb'");
    is_int(line_index(t, "hz 20"), 6, "REWRITE: hz rewritten in place");
    ok(line_index(t, "maxmemory 5mb") < 0 && line_index(t, "hz 10") < 0, "REWRITE: the old values are gone");
    ok(line_index(t, "maxmemory-policy allkeys-lfu") > line_index(t, "# last comment"),
       "REWRITE: a directive that was not in the file is appended");
    is_int(dir_entries(s->dir), files_before, "REWRITE: no temporary file left in the directory");
    if (text && !order_ok) diag("file:\n%s", text);
    free(text);
    int st = ts_stop(s, 10000);
    ok(exited_with(st, 0), "REWRITE: SIGTERM exit 0");
    is_int(ts_restart(s, NULL), 0, "REWRITE: restart from the rewritten file");
    c = ts_connect(s);
    config_is(c, "maxmemory", "10485760");
    config_is(c, "hz", "20");
    config_is(c, "maxmemory-policy", "allkeys-lfu");
    if (c) redisFree(c);
    free(conf);
    ts_free(s);
}

/* ------------------------------------------------ signals, shutdown */

/* Every line of the log has Redis's format and the pid; returns the
 * number of bad lines (printed), or -1 when the log is empty. */
static int check_log_format(const char *path, long pid) {
    char *text = read_text(path);
    if (!text || !*text) {
        free(text);
        return -1;
    }
    regex_t rx;
    regcomp(&rx,
            "^([0-9]+):M [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
            "[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\\.[0-9]{3} [-.*#] [^ ].*$",
            REG_EXTENDED | REG_NEWLINE);
    int bad = 0;
    for (char *p = text; p && *p;) {
        char *e = strchr(p, '\n');
        if (e) *e = '\0';
        regmatch_t m[2];
        if (regexec(&rx, p, 2, m, 0) != 0 || strtol(p, NULL, 10) != pid) {
            if (bad++ < 3) diag("bad log line: %s", p);
        }
        p = e ? e + 1 : NULL;
    }
    regfree(&rx);
    free(text);
    return bad;
}

static int log_has(const ts_server *s, const char *needle) {
    char *text = read_text(s->logpath);
    int hit = text && strstr(text, needle);
    free(text);
    return hit;
}

static void test_signals(void) {
    char pidarg[128];
    ts_server *s = NULL;
    snprintf(pidarg, sizeof pidarg, "%s/strata.pid", scratch);
    const char *args[] = {"--pidfile", pidarg, "--loglevel", "verbose", NULL};
    s = ts_start(&(ts_opts){.args = args});
    ok(s != NULL, "signals: server started with a pidfile");
    if (!s) return;
    char *pidtext = read_text(pidarg);
    long filepid = pidtext ? strtol(pidtext, NULL, 10) : -1;
    is_int(filepid, s->pid, "pidfile holds the server's pid");
    free(pidtext);
    long pid = s->pid;
    int st = ts_stop(s, 10000);
    ok(exited_with(st, 0), "SIGTERM: exit status 0 (wait status %d)", st);
    ok(log_has(s, "Received SIGTERM scheduling shutdown..."), "SIGTERM: the log says 'Received SIGTERM scheduling shutdown...'");
    ok(log_has(s, "ready to exit, bye bye"), "SIGTERM: the log says it is ready to exit");
    ok(access(pidarg, F_OK) != 0, "SIGTERM: pidfile removed");
    int bad = check_log_format(s->logpath, pid);
    is_int(bad, 0, "log: every line is 'pid:M dd Mon yyyy hh:mm:ss.mmm L message'");

    is_int(ts_restart(s, NULL), 0, "restart for SIGINT");
    kill(s->pid, SIGINT);
    st = ts_wait_exit(s, 10000);
    ok(exited_with(st, 0), "SIGINT: exit status 0");
    ok(log_has(s, "Received SIGINT scheduling shutdown..."), "SIGINT: the log says so");

    is_int(ts_restart(s, NULL), 0, "restart for SHUTDOWN NOSAVE");
    redisContext *c = ts_connect(s);
    redisReply *r = c ? redisCommand(c, "SHUTDOWN NOSAVE") : NULL;
    ok(c && !r && c->err, "SHUTDOWN NOSAVE: no reply, the connection is closed (%s)", c ? c->errstr : "");
    if (r) freeReplyObject(r);
    if (c) redisFree(c);
    st = ts_wait_exit(s, 10000);
    ok(exited_with(st, 0), "SHUTDOWN NOSAVE: exit status 0");
    ok(log_has(s, "User requested shutdown..."), "SHUTDOWN: the log says 'User requested shutdown...'");
    ok(access(pidarg, F_OK) != 0, "SHUTDOWN: pidfile removed");
    ts_free(s);
}

static int pick_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &al) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

/* Field 6 (session id) of /proc/pid/stat, or -1. */
static long session_of(long pid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* comm may hold spaces */
    long ppid, pgrp, sid;
    char state;
    if (!p || sscanf(p + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp, &sid) != 4) return -1;
    return sid;
}

static void test_daemonize(void) {
    int port = pick_port();
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    char *pidf = path_in(scratch, "daemon.pid"), *logf = path_in(scratch, "daemon.log");
    const char *argv[] = {ts_strata_bin(), "--port", portbuf, "--bind", "127.0.0.1", "--daemonize", "yes",
                          "--pidfile", pidf, "--logfile", logf, "--dir", scratch, "--save", "",
                          "--appendonly", "no", NULL};
    long long t0 = ts_now_ms();
    char *out = NULL, *err = NULL;
    int st = ts_run(argv, NULL, &out, &err, 10000);
    ok(exited_with(st, 0), "daemonize yes: the launched process exits 0 (%lld ms)", ts_now_ms() - t0);
    free(out);
    free(err);
    long dpid = -1;
    for (long long t1 = ts_now_ms(); ts_now_ms() - t1 < 5000 && dpid <= 0; ts_sleep_ms(20)) {
        char *txt = read_text(pidf);
        if (txt && strchr(txt, '\n')) dpid = strtol(txt, NULL, 10);
        free(txt);
    }
    ok(dpid > 0 && kill((pid_t)dpid, 0) == 0, "daemonize: the pidfile names a running process (%ld)", dpid);
    if (dpid <= 0) goto out;
    is_int(session_of(dpid), dpid, "daemonize: the daemon leads its own session (setsid)");
    redisContext *c = NULL;
    for (long long t1 = ts_now_ms(); ts_now_ms() - t1 < 5000; ts_sleep_ms(20)) {
        c = redisConnectWithTimeout("127.0.0.1", port, (struct timeval){2, 0});
        if (c && !c->err) break;
        if (c) redisFree(c);
        c = NULL;
    }
    redisReply *r = c ? ts_cmd(c, "INFO server") : NULL;
    const char *pp = rstr(r) ? strstr(rstr(r), "process_id:") : NULL;
    is_int(pp ? strtol(pp + 11, NULL, 10) : -1, dpid, "daemonize: INFO process_id is the pidfile's pid");
    if (r) freeReplyObject(r);
    if (c) redisFree(c);
    kill((pid_t)dpid, SIGTERM);
    int gone = 0;
    for (long long t1 = ts_now_ms(); ts_now_ms() - t1 < 10000 && !gone; ts_sleep_ms(20))
        gone = kill((pid_t)dpid, 0) != 0 || session_of(dpid) < 0;
    ok(gone, "daemonize: SIGTERM stops the daemon");
    if (!gone) kill((pid_t)dpid, SIGKILL);
    ok(access(pidf, F_OK) != 0, "daemonize: pidfile removed at exit");
    is_int(check_log_format(logf, dpid), 0, "daemonize: the logfile has Redis-format lines with the daemon's pid");
out:
    remove(pidf);
    remove(logf);
    free(pidf);
    free(logf);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    snprintf(scratch, sizeof scratch, "/tmp/strata-boot-XXXXXX");
    if (!mkdtemp(scratch)) {
        ok(0, "mkdtemp: %s", strerror(errno));
        return done_testing();
    }
    ts_server *ref = ts_start(&(ts_opts){.bin = ts_redis_bin()});
    if (!ref) diag("no reference redis-server: CONFIG SET texts are not compared");
    test_bad_configs();
    test_good_config();
    test_config_set(ref);
    test_rewrite();
    test_signals();
    test_daemonize();
    ts_free(ref);
    if (tap_failed_ == 0) {
        DIR *d = opendir(scratch);
        for (struct dirent *e; d && (e = readdir(d));) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char *p = path_in(scratch, e->d_name);
            remove(p);
            free(p);
        }
        if (d) closedir(d);
        rmdir(scratch);
    } else {
        diag("kept %s", scratch);
    }
    return done_testing();
}
