/*
 * net/main.c — strata-server: parse the configuration, start the engine and
 * the network, run the event loop, shut down cleanly on SIGTERM/SIGINT or
 * SHUTDOWN.
 *
 *   strata-server [config-file] [--directive value ...]
 *   strata-server -v | --version | -h | --help
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof/aof.h"
#include "conn.h"
#include "engine/client.h"
#include "engine/cmd.h"
#include "engine/config.h"
#include "engine/db.h"
#include "engine/log.h"
#include "engine/mem.h"
#include "engine/reply.h"
#include "engine/server.h"
#include "engine/server_cmds.h"
#include "engine/util.h"
#include "loop.h"
#include "rdb/rdb.h"
#include "recovery/recovery.h"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig) { got_signal = sig; }

typedef struct app {
    strata_config cfg;
    kv_server *srv;
    loop_t *loop;
    net_ctx *net;
    aof_t *aof;
    int stopping; /* prepare_shutdown succeeded: the loop is stopping */
} app_t;

static void usage(FILE *f) {
    fprintf(f,
            "Usage: ./strata-server [/path/to/strata.conf] [options]\n"
            "       ./strata-server - (read config from stdin)\n"
            "       ./strata-server -v or --version\n"
            "       ./strata-server -h or --help\n\n"
            "Examples:\n"
            "       ./strata-server (run the server with default config)\n"
            "       ./strata-server /etc/strata/6379.conf\n"
            "       ./strata-server --port 7777\n"
            "       ./strata-server /etc/mystrata.conf --loglevel verbose\n"
            "       ./strata-server --dir ./data --dbfilename dump.rdb\n");
}

/* The requester of a SHUTDOWN that could not be performed: the client whose
 * last command was SHUTDOWN most recently. */
static kv_client *shutdown_requester(kv_server *srv) {
    kv_client *best = NULL;
    for (kv_client *c = srv->clients; c; c = c->next)
        if (c->lastcmd && !strcmp(c->lastcmd->name, "shutdown") && (!best || c->last_ms > best->last_ms)) best = c;
    return best;
}

/* Shutdown was asked (SHUTDOWN or a signal): kill a BGSAVE child and save
 * as Redis does (rdb_shutdown).  Returns 1 when the loop may stop; 0 when
 * the save failed: the server keeps running and the requester is told. */
static int prepare_shutdown(app_t *a) {
    int flags = a->srv->shutdown_flags | (got_signal ? SHUTDOWN_SIGNAL : 0);
    if (a->stopping) return 1;
    aof_shutdown(a->aof); /* kill a rewrite child, write and fsync the AOF */
    if (rdb_shutdown(a->srv, flags) == 0) return a->stopping = 1;
    kv_client *c = (flags & SHUTDOWN_SIGNAL) ? NULL : shutdown_requester(a->srv);
    if (c) reply_error(c, "ERR Errors trying to SHUTDOWN. Check logs.");
    a->srv->shutdown_asap = 0;
    a->srv->shutdown_flags = 0;
    got_signal = 0;
    return 0;
}

static long long cron_timer(loop_t *l, long long id, void *priv) {
    app_t *a = priv;
    (void)l;
    (void)id;
    server_cron(a->srv);
    aof_cron(a->aof);
    if (a->srv->cron_loops % (unsigned)(a->srv->hz > 0 ? a->srv->hz : 10) == 0) net_cron(a->net);
    int hz = (int)a->srv->cfg->hz;
    if (hz <= 0) hz = 10;
    a->srv->hz = hz;
    return 1000 / hz;
}

static void before_sleep(loop_t *l, void *priv) {
    app_t *a = priv;
    (void)l;
    db_active_expire_cycle(a->srv, 0);
    aof_before_sleep(a->aof); /* write() the AOF before any reply leaves */
    net_before_sleep(a->net);
    /* Clients resumed inside net_before_sleep (unblocked ones) may have
     * written: write that now rather than after the next wakeup, or their
     * held replies would wait for it. */
    if (aof_appended_offset(a->aof) != aof_written_offset(a->aof)) {
        aof_before_sleep(a->aof);
        net_before_sleep(a->net);
    }
    /* The one place a shutdown (SHUTDOWN, SIGTERM, SIGINT) is acted on: a
     * signal interrupts epoll_wait, so this runs right after it too. */
    if (a->srv->shutdown_asap || got_signal) {
        if (!a->srv->shutdown_asap) {
            log_msg(LOG_WARNING, "Received %s scheduling shutdown...", got_signal == SIGINT ? "SIGINT" : "SIGTERM");
            a->srv->shutdown_asap = 1;
        }
        if (prepare_shutdown(a)) loop_stop(a->loop);
    }
}

/* The AOF's fsync completions (aof/aof.h) and the reply gate (net/conn.h). */
static void aof_event(loop_t *l, int fd, void *priv, int mask) {
    (void)l;
    (void)fd;
    (void)mask;
    aof_handle_event(priv);
}
static uint64_t gate_appended(void *priv) { return aof_appended_offset(priv); }
static uint64_t gate_written(void *priv) { return aof_written_offset(priv); }
static uint64_t gate_released(void *priv) { return aof_release_offset(priv); }

static int write_pidfile(const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) return -errno;
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
    return 0;
}

static void daemonize(void) {
    if (fork() != 0) exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
}

static int load_config(app_t *a, int argc, char **argv) {
    sds err = NULL;
    int first_opt = 1;
    config_init(&a->cfg);
    if (argc >= 2 && argv[1][0] != '-') {
        if (config_load_file(&a->cfg, argv[1], &err) < 0) goto fail;
        first_opt = 2;
    } else if (argc >= 2 && strcmp(argv[1], "-") == 0) {
        sds text = sds_empty();
        char buf[4096];
        size_t nr;
        while ((nr = fread(buf, 1, sizeof(buf), stdin)) > 0) text = sds_catlen(text, buf, nr);
        int rc = config_load_string(&a->cfg, text, "stdin", &err);
        sds_free(text);
        if (rc < 0) goto fail;
        first_opt = 2;
    }
    if (argc > first_opt && config_load_args(&a->cfg, argc - first_opt, argv + first_opt, &err) < 0) goto fail;
    return 0;
fail:
    fprintf(stderr, "%s\n", err ? err : "configuration error");
    sds_free(err);
    config_free(&a->cfg); /* a refused config must not show as a leak under ASAN */
    return -1;
}

static void shutdown_server(app_t *a) {
    log_msg(LOG_WARNING, "User requested shutdown...");
    net_stop(a->net);
    a->net = NULL;
    if (a->cfg.pidfile && a->cfg.pidfile[0]) unlink(a->cfg.pidfile);
    log_msg(LOG_WARNING, "strata is now ready to exit, bye bye...");
}

int main(int argc, char **argv) {
    app_t a;
    memset(&a, 0, sizeof(a));
    if (argc >= 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))) {
        printf("strata-server v=%s (Redis-compatible %s) bits=%d\n", STRATA_VERSION, STRATA_REDIS_COMPAT_VERSION,
               (int)(sizeof(long) * 8));
        return 0;
    }
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (load_config(&a, argc, argv) < 0) return 1;
    if (a.cfg.daemonize) daemonize();
    int level = a.cfg.loglevel;
    log_init(level > LOG_WARNING ? LOG_WARNING + 1 : level, a.cfg.logfile, 'M');
    if (a.cfg.dir && a.cfg.dir[0]) {
        mkdir(a.cfg.dir, 0755); /* make run's ./data; an existing dir is fine */
        if (chdir(a.cfg.dir) < 0) {
            log_msg(LOG_WARNING, "Can't chdir to '%s': %s", a.cfg.dir, strerror(errno));
            config_free(&a.cfg);
            return 1;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    log_msg(LOG_NOTICE, "strata %s starting (Redis protocol %s compatible), pid=%d", STRATA_VERSION,
            STRATA_REDIS_COMPAT_VERSION, (int)getpid());
    if (config_file_path(&a.cfg)) log_msg(LOG_NOTICE, "Configuration loaded from %s", config_file_path(&a.cfg));
    else log_msg(LOG_WARNING, "No config file specified, using the default config.");

    a.srv = server_create(&a.cfg);
    a.aof = aof_create(a.srv);
    /* The dataset is loaded before the port opens (recovery/recovery.h
     * decides AOF or RDB): an unloadable file stops the boot rather than
     * serving nothing.  Then the AOF is opened for appending (or created,
     * seeded from what was loaded). */
    sds aerr = NULL;
    if (recovery_boot(a.srv, NULL) < 0 || aof_start(a.aof, &aerr) < 0) {
        if (aerr) log_msg(LOG_WARNING, "%s", aerr);
        sds_free(aerr);
        aof_free(a.aof);
        server_free(a.srv);
        config_free(&a.cfg);
        return 1;
    }
    a.loop = loop_create((int)a.cfg.maxclients + 128);
    if (!a.loop) {
        log_msg(LOG_WARNING, "Failed creating the event loop: %s", strerror(errno));
        return 1;
    }
    sds err = NULL;
    a.net = net_start(a.srv, a.loop, &err);
    if (!a.net) {
        log_msg(LOG_WARNING, "%s", err ? err : "failed to start networking");
        sds_free(err);
        server_free(a.srv);
        loop_destroy(a.loop);
        config_free(&a.cfg);
        return 1;
    }
    net_reply_gate gate = {gate_appended, gate_written, gate_released, a.aof};
    net_set_reply_gate(a.net, &gate);
    if (aof_event_fd(a.aof) >= 0) loop_add_fd(a.loop, aof_event_fd(a.aof), LOOP_READABLE, aof_event, a.aof);
    if (a.cfg.pidfile && a.cfg.pidfile[0] && write_pidfile(a.cfg.pidfile) < 0)
        log_msg(LOG_WARNING, "Failed to write PID file %s: %s", a.cfg.pidfile, strerror(errno));
    loop_add_timer(a.loop, 1, cron_timer, &a);
    loop_set_before_sleep(a.loop, before_sleep, &a);
    log_msg(LOG_NOTICE, "Ready to accept connections tcp port %lld", a.cfg.port);

    loop_run(a.loop);

    shutdown_server(&a);
    aof_free(a.aof);
    server_free(a.srv);
    loop_destroy(a.loop);
    config_free(&a.cfg);
    log_close();
    return 0;
}
