/*
 * tests/crash/main.c — strata-crashtest: options, the cycle loop, progress
 * lines, the summary table and the replay command. The design of the whole
 * tool is in crash.h; docs/crash-testing.md is the user's guide.
 *
 * Exit status: 0 = every cycle ran and no violation; 1 = violations; 2 =
 * usage or setup error (bad flags, the server never started on an empty
 * dir); 3 = interrupted.
 */
#include "tests/crash/crash.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

static volatile sig_atomic_t g_stop;
static ct_srv *g_srv; /* for the exit paths */

static void on_signal(int sig) { g_stop = sig; }

static void kill_at_exit(void) {
    if (g_srv && g_srv->pid > 0) ct_srv_kill(g_srv);
}

/* ------------------------------------------------------------ options */

static void usage(FILE *f) {
    fprintf(f,
        "usage: strata-crashtest --server PATH [options] [-- extra server flags]\n"
        "  --server PATH        server binary taking Redis-style flags (required)\n"
        "  --config FILE        config file passed before the flags\n"
        "  --policy P           appendfsync: always | everysec | no  (always)\n"
        "  --phase P            random | bgsave | rewrite | fsync | loading | mixed  (random)\n"
        "  --cycles N           kill/restart cycles  (10)\n"
        "  --clients N          concurrent clients  (8)\n"
        "  --duration-ms MS     workload per cycle; the kill falls inside it  (1000)\n"
        "  --pipeline N         ops in flight per client  (1)\n"
        "  --seed S             reproduce a run (workload and kill points)\n"
        "  --time-limit SEC     start no cycle after SEC seconds, 0 = none  (3600)\n"
        "  --boot-timeout-ms MS a restart must answer PING within MS  (30000)\n"
        "  --value-size N       max padding bytes of SET values  (64)\n"
        "  --keep-dir           keep the scratch dir even when all is well\n"
        "  --keep-going         run every cycle even after a violation\n"
        "  --no-snapshot        do not copy the data files to DIR/at-kill\n"
        "  --tmpdir DIR         where the scratch dir goes ($TMPDIR or /tmp)\n"
        "  --tamper MODE        debug: damage the AOF before each restart:\n"
        "                       truncate[:BYTES] | hole | zero | noexpire\n"
        "  -v, --verbose        print every violation line in full\n");
}

static int parse_int(const char *name, const char *v, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long n = strtol(v ? v : "", &end, 10);
    if (!v || !*v || *end || errno || n < lo || n > hi) {
        fprintf(stderr, "strata-crashtest: %s wants an integer in [%ld, %ld], got '%s'\n", name,
                lo, hi, v ? v : "");
        return -1;
    }
    *out = n;
    return 0;
}

static int lookup(const char *v, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (v && !strcmp(v, names[i])) return i;
    return -1;
}

static int parse_tamper(ct_opts *o, const char *v) {
    static const char *const names[] = {"none", "truncate", "hole", "zero", "noexpire"};
    char mode[32];
    const char *colon = v ? strchr(v, ':') : NULL;
    snprintf(mode, sizeof mode, "%.*s", colon ? (int)(colon - v) : 31, v ? v : "");
    o->tamper = lookup(mode, names, 5);
    if (o->tamper < 0 || (colon && o->tamper != CT_TAMPER_TRUNCATE)) {
        fprintf(stderr, "strata-crashtest: bad --tamper '%s'\n", v ? v : "");
        return -1;
    }
    if (colon) return parse_int("--tamper truncate:BYTES", colon + 1, 1, 1L << 40, &o->tamper_bytes);
    return 0;
}

/* One option with its value. Returns 0, or -1 on error. */
static int set_opt(ct_opts *o, const char *name, const char *v) {
    static const char *const pol[] = {"always", "everysec", "no"};
    static const char *const ph[] = {"random", "bgsave", "rewrite", "fsync", "loading", "mixed"};
    long n;
    if (!strcmp(name, "--server")) o->server = v;
    else if (!strcmp(name, "--config")) {
        o->config = v ? realpath(v, NULL) : NULL;
        if (!o->config) {
            fprintf(stderr, "strata-crashtest: --config %s: %s\n", v ? v : "", strerror(errno));
            return -1;
        }
    } else if (!strcmp(name, "--policy")) {
        if ((o->policy = lookup(v, pol, 3)) < 0) return fprintf(stderr, "bad --policy\n"), -1;
    } else if (!strcmp(name, "--phase")) {
        if ((o->phase = lookup(v, ph, 6)) < 0) return fprintf(stderr, "bad --phase\n"), -1;
    } else if (!strcmp(name, "--cycles")) {
        if (parse_int(name, v, 1, 10000000, &n) < 0) return -1;
        o->cycles = (int)n;
    } else if (!strcmp(name, "--clients")) {
        if (parse_int(name, v, 1, 1000, &n) < 0) return -1;
        o->clients = (int)n;
    } else if (!strcmp(name, "--duration-ms")) {
        if (parse_int(name, v, 10, 3600000, &n) < 0) return -1;
        o->duration_ms = (int)n;
    } else if (!strcmp(name, "--pipeline")) {
        if (parse_int(name, v, 1, 1000, &n) < 0) return -1;
        o->pipeline = (int)n;
    } else if (!strcmp(name, "--seed")) {
        char *end;
        errno = 0;
        o->seed = strtoull(v ? v : "", &end, 10);
        if (!v || !*v || *end || errno) return fprintf(stderr, "bad --seed\n"), -1;
    } else if (!strcmp(name, "--time-limit")) {
        if (parse_int(name, v, 0, 100000000, &n) < 0) return -1;
        o->time_limit_s = (int)n;
    } else if (!strcmp(name, "--boot-timeout-ms")) {
        if (parse_int(name, v, 100, 3600000, &n) < 0) return -1;
        o->boot_timeout_ms = (int)n;
    } else if (!strcmp(name, "--value-size")) {
        if (parse_int(name, v, 0, 400, &n) < 0) return -1;
        o->value_size = (int)n;
    } else if (!strcmp(name, "--tmpdir")) o->tmpdir = v;
    else if (!strcmp(name, "--tamper")) return parse_tamper(o, v);
    else {
        fprintf(stderr, "strata-crashtest: unknown option %s\n", name);
        return -1;
    }
    return 0;
}

static int is_flag(const char *a) {
    return !strcmp(a, "--keep-dir") || !strcmp(a, "--keep-going") || !strcmp(a, "--no-snapshot") ||
           !strcmp(a, "-v") || !strcmp(a, "--verbose");
}

static void set_flag(ct_opts *o, const char *a) {
    if (!strcmp(a, "--keep-dir")) o->keep_dir = 1;
    else if (!strcmp(a, "--keep-going")) o->keep_going = 1;
    else if (!strcmp(a, "--no-snapshot")) o->snapshot = 0;
    else o->verbose = 1;
}

/* 0 ok, 1 help printed, -1 error. */
static int parse_args(ct_opts *o, int argc, char **argv, int *seeded) {
    *o = (ct_opts){.policy = CT_ALWAYS, .phase = CT_PH_RANDOM, .cycles = 10, .clients = 8,
                   .duration_ms = 1000, .pipeline = 1, .time_limit_s = 3600,
                   .boot_timeout_ms = 30000, .value_size = 64, .snapshot = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            o->extra = (const char **)&argv[i + 1];
            o->nextra = argc - i - 1;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        }
        if (is_flag(a)) {
            set_flag(o, a);
            continue;
        }
        const char *eq = strchr(a, '=');
        char name[64];
        const char *val;
        if (eq && a[0] == '-') {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
            val = i + 1 < argc ? argv[++i] : NULL;
        }
        if (!strcmp(name, "--seed")) *seeded = 1;
        if (set_opt(o, name, val) < 0) return -1;
    }
    if (!o->server) {
        fprintf(stderr, "strata-crashtest: --server is required\n");
        usage(stderr);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ output */

/* A shell word: as is when plain, else single-quoted. */
static void shell_word(ct_buf *b, const char *w) {
    int plain = *w != '\0';
    for (const char *p = w; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%", *p))
            plain = 0;
    if (plain) {
        ct_buf_add(b, w, strlen(w));
        return;
    }
    ct_buf_add(b, "'", 1);
    for (const char *p = w; *p; p++) {
        if (*p == '\'') ct_buf_add(b, "'\\''", 4);
        else ct_buf_add(b, p, 1);
    }
    ct_buf_add(b, "'", 1);
}

static void print_replay(const ct_opts *o, const char *self, int cycle) {
    static const char *const tam[] = {"none", "truncate", "hole", "zero", "noexpire"};
    ct_buf b = {0};
    shell_word(&b, self);
    ct_buf_add(&b, " --server ", 10);
    shell_word(&b, o->server);
    if (o->config) {
        ct_buf_add(&b, " --config ", 10);
        shell_word(&b, o->config);
    }
    ct_buf_addf(&b, " --policy %s --phase %s --clients %d --duration-ms %d --pipeline %d "
                "--value-size %d --seed %llu --cycles %d --keep-dir", ct_policy_name(o->policy),
                ct_phase_name(o->phase), o->clients, o->duration_ms, o->pipeline, o->value_size,
                (unsigned long long)o->seed, cycle);
    if (o->tamper == CT_TAMPER_TRUNCATE && o->tamper_bytes)
        ct_buf_addf(&b, " --tamper truncate:%ld", o->tamper_bytes);
    else if (o->tamper) ct_buf_addf(&b, " --tamper %s", tam[o->tamper]);
    if (o->nextra) {
        ct_buf_add(&b, " --", 3);
        for (int i = 0; i < o->nextra; i++) {
            ct_buf_add(&b, " ", 1);
            shell_word(&b, o->extra[i]);
        }
    }
    printf("replay (same workload and kill points; timing varies):\n  %s\n", b.p);
    ct_buf_free(&b);
}

typedef struct stats {
    int cycles, failed_cycles;
    long long sent, acked, rejected, late, lost, inflight, kept, violations, keys;
    double worst_window;
    long long worst_lost;
    int64_t *boot_us;
    int nboot;
    int ph_runs[CT_PH_NKILL], ph_hits[CT_PH_NKILL], ph_na[CT_PH_NKILL];
    int tampered;
} stats;

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void print_summary(const ct_opts *o, stats *st, int interrupted) {
    double med = 0, max = 0;
    if (st->nboot) {
        qsort(st->boot_us, (size_t)st->nboot, sizeof *st->boot_us, cmp_i64);
        med = (double)st->boot_us[st->nboot / 2] / 1000.0;
        if (st->nboot % 2 == 0)
            med = (double)(st->boot_us[st->nboot / 2 - 1] + st->boot_us[st->nboot / 2]) / 2000.0;
        max = (double)st->boot_us[st->nboot - 1] / 1000.0;
    }
    printf("\n== strata-crashtest summary ==\n");
    printf("server %s, appendfsync %s, phase %s, %d clients, %d ms per cycle, seed %llu\n",
           o->server, ct_policy_name(o->policy), ct_phase_name(o->phase), o->clients,
           o->duration_ms, (unsigned long long)o->seed);
    printf("%7s %11s %9s %8s %11s %16s %15s %19s %16s\n", "cycles", "acked-ops", "rejected",
           "lost", "violations", "worst-window-ms", "worst-lost-ops", "recovery-median-ms",
           "recovery-max-ms");
    printf("%7d %11lld %9lld %8lld %11lld %16.1f %15lld %19.1f %16.1f\n", st->cycles, st->acked,
           st->rejected, st->lost, st->violations, st->worst_window, st->worst_lost, med, max);
    printf("sent %lld ops; %lld acknowledged by replies read after the kill; %lld in flight at "
           "the kills (%lld of them kept); %lld key reads\n", st->sent, st->late, st->inflight,
           st->kept, st->keys);
    printf("phases:");
    for (int p = 0; p < CT_PH_NKILL; p++)
        if (st->ph_runs[p])
            printf(" %s %d (hit %d%s)", ct_phase_name(p), st->ph_runs[p], st->ph_hits[p],
                   st->ph_na[p] ? ", command unavailable" : "");
    printf("\n");
    if (o->tamper) printf("tamper: on (debug), %d cycles tampered\n", st->tampered);
    printf("result: %s\n", interrupted ? "INTERRUPTED"
                         : st->violations ? "FAIL" : "PASS");
    fflush(stdout);
}

/* ------------------------------------------------------------- cycles */

/* Phase loading: start the server again and kill it while it loads (or
 * just after it starts). */
static void kill_during_boot(ct_srv *s, ct_cycle *cy, int64_t last_boot_us) {
    ct_rng rng;
    ct_rng_seed(&rng, ct_mix(cy->seed, 0xB007));
    uint64_t span = last_boot_us > 0 ? (uint64_t)last_boot_us * 3 / 2 : 20000;
    if (span < 2000) span = 2000;
    int64_t delay = (int64_t)ct_rng_range(&rng, 0, span);
    if (ct_srv_spawn(s) < 0) return;
    int64_t deadline = s->started_us + delay;
    const char *when = "before it answered";
    for (;;) {
        int r = ct_srv_probe(s);
        if (r == 2) {
            cy->phase_hit = 1;
            when = "while it answered -LOADING";
            break;
        }
        if (r == 1) {
            when = "after it became ready";
            break;
        }
        if (r < 0) {
            ct_violation(&cy->rep, "(d) the server died by itself during boot");
            ct_srv_log_tail(s, 10);
            break;
        }
        if (ct_now_us() >= deadline) break;
    }
    int64_t at = ct_now_us() - s->started_us;
    ct_srv_kill(s);
    snprintf(cy->phase_note, sizeof cy->phase_note, "boot killed %.1f ms after start, %s",
             (double)at / 1000.0, when);
}

static int aof_present(const ct_srv *s) {
    char *d = ct_fmt("%s/%s", s->dir, s->aofdir);
    char *f = ct_fmt("%s/%s", s->dir, s->aofname);
    struct stat st;
    int yes = stat(d, &st) == 0 || stat(f, &st) == 0;
    free(d);
    free(f);
    return yes;
}

static const char *phase_label(const ct_cycle *cy, char *buf, size_t cap) {
    const char *how = cy->phase == CT_PH_RANDOM ? ""
                    : cy->phase_unavailable     ? "(n/a)"
                    : cy->phase_hit             ? "(hit)"
                                                : "(miss)";
    snprintf(buf, cap, "%s%s", ct_phase_name(cy->phase), how);
    return buf;
}

static void print_cycle(const ct_opts *o, const ct_cycle *cy, const ct_verdict *v,
                        int64_t boot_us, int booted) {
    char ph[32];
    printf("cycle %*d/%d %-15s kill@%4lldms sent %6lld acked %6lld inflight %3lld kept %3lld "
           "lost %5lld window %7.1fms boot %s%.1fms %s\n",
           o->cycles >= 1000 ? 5 : 3, cy->n, o->cycles, phase_label(cy, ph, sizeof ph),
           (long long)((cy->kill_us - cy->start_us) / 1000), cy->sent, cy->acked, v->inflight,
           v->inflight_kept, v->lost, v->window_ms, booted ? "" : "FAILED ",
           (double)boot_us / 1000.0, cy->rep.violations ? "VIOLATION" : "ok");
    if (cy->phase_note[0] && (o->verbose || cy->phase != CT_PH_RANDOM))
        printf("  note: %s\n", cy->phase_note);
    if (cy->rejected)
        printf("  %lld ops rejected with an error (first: %s)\n", cy->rejected, cy->first_error);
    if (cy->rep.text.len) fputs(cy->rep.text.p, stdout);
    if (cy->rep.violations > cy->rep.printed)
        printf("  ... and %d more violations\n", cy->rep.violations - cy->rep.printed);
    fflush(stdout);
}

/* The histories of a failing cycle, for a human: DIR/history-<cycle>.txt. */
static void dump_history(const ct_srv *s, const ct_client *cl, int n, const ct_cycle *cy) {
    static const char *const kinds[] = {"DEL-old", "INCR", "APPEND", "SET", "DEL", "SET-PX",
                                        "MULTI", "RPUSH"};
    static const char *const states[] = {"in-flight", "acked", "rejected"};
    char *path = ct_fmt("%s/history-%d.txt", s->dir, cy->n);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "# cycle %d, seed %llu, kill at %.3f ms; times in ms from the cycle start\n"
                "# client op kind state sent acked arg late\n", cy->n,
                (unsigned long long)cy->seed, (double)(cy->kill_us - cy->start_us) / 1000.0);
        for (int c = 0; c < n; c++)
            for (uint32_t i = 0; i < cl[c].nops; i++) {
                const ct_op *op = &cl[c].ops[i];
                fprintf(f, "%d %u %s %s %.3f %.3f %d %d\n", c, i, kinds[op->kind],
                        states[op->state], (double)(op->send_us - cy->start_us) / 1000.0,
                        op->ack_us ? (double)(op->ack_us - cy->start_us) / 1000.0 : -1.0,
                        op->arg == CT_NONE ? -1 : (int)op->arg, op->late);
            }
        fclose(f);
        printf("  history of the cycle: %s\n", path);
    }
    free(path);
}

/* One cycle on a running server. Returns 0 to continue, 1 to stop (the
 * server could not be brought back). */
static int run_cycle(ct_srv *s, const ct_opts *o, ct_client *cl, int n, stats *st,
                     int64_t *last_boot) {
    ct_cycle cy = {.n = n, .seed = ct_mix(o->seed, (uint64_t)n)};
    cy.rep.limit = o->verbose ? 1000 : 10;
    ct_tamper_mark mark = {0};
    if (o->tamper) ct_tamper_mark_set(s, &mark);
    ct_rng rng;
    ct_rng_seed(&rng, cy.seed);
    cy.phase = o->phase == CT_PH_MIXED ? (int)(ct_rng_next(&rng) % CT_PH_NKILL) : o->phase;
    static int lists = -1;
    if (lists < 0) lists = ct_wl_probe_lists(s);
    cy.lists = lists;
    ct_verdict v = {0};
    int rc = ct_wl_run(s, o, cl, &cy);
    if (rc < 0) ct_violation(&cy.rep, "(d) clients cannot connect: %s", strerror(-rc));
    if (n == 1 && !aof_present(s))
        printf("warning: no %s/ or %s in the data dir after the first cycle: does this server "
               "write an AOF?\n", s->aofdir, s->aofname);
    if (o->snapshot) ct_srv_snapshot(s);
    if (o->tamper) {
        char note[600];
        if (ct_tamper(s, o, &mark, &rng, note, sizeof note) > 0) st->tampered++;
        printf("  tamper: %s\n", note);
        ct_tamper_mark_free(&mark);
    }
    if (cy.phase == CT_PH_LOADING) kill_during_boot(s, &cy, *last_boot);
    int64_t boot_us = 0;
    int saw_loading = 0;
    int brc = ct_srv_start(s, &boot_us, &saw_loading);
    if (brc < 0) {
        ct_violation(&cy.rep, "(d) the server did not come back: %s",
                     brc == -ETIMEDOUT ? "no PONG within --boot-timeout-ms"
                     : brc == -ECHILD  ? "it exited"
                                       : strerror(-brc));
    } else {
        *last_boot = boot_us;
        st->boot_us = ct_xrealloc(st->boot_us, sizeof *st->boot_us * (size_t)(st->nboot + 1));
        st->boot_us[st->nboot++] = boot_us;
        ct_verify(s, o, cl, &cy, &v);
    }
    print_cycle(o, &cy, &v, boot_us, brc == 0);
    if (cy.rep.violations) dump_history(s, cl, o->clients, &cy);
    if (brc < 0) ct_srv_log_tail(s, 15);
    st->cycles++;
    st->sent += cy.sent;
    st->acked += cy.acked;
    st->rejected += cy.rejected;
    st->late += cy.late;
    st->lost += v.lost;
    st->inflight += v.inflight;
    st->kept += v.inflight_kept;
    st->keys += v.keys_checked;
    st->violations += cy.rep.violations;
    if (v.window_ms > st->worst_window) st->worst_window = v.window_ms;
    if (v.lost > st->worst_lost) st->worst_lost = v.lost;
    st->ph_runs[cy.phase]++;
    st->ph_hits[cy.phase] += cy.phase_hit;
    st->ph_na[cy.phase] += cy.phase_unavailable;
    if (cy.rep.violations) st->failed_cycles++;
    ct_buf_free(&cy.rep.text);
    return brc < 0;
}

static void clients_init(ct_client *cl, int n, const ct_srv *s) {
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, (struct timeval){5, 0});
    for (int i = 0; i < n; i++) {
        cl[i].id = i;
        if (!c || c->err) continue;
        char key[CT_KEY_MAX];
        redisReply *r = redisCommand(c, "GET %s", ct_key_ctr(key, i));
        if (r && r->type == REDIS_REPLY_STRING) cl[i].base_ctr = strtoll(r->str, NULL, 10);
        if (r) freeReplyObject(r);
    }
    if (c) redisFree(c);
}

static void clients_free(ct_client *cl, int n) {
    for (int i = 0; i < n; i++) {
        free(cl[i].ops);
        ct_oldkeys_free(cl[i].old, cl[i].nold);
    }
    free(cl);
}

int main(int argc, char **argv) {
    ct_opts o;
    int seeded = 0;
    int prc = parse_args(&o, argc, argv, &seeded);
    if (prc) return prc > 0 ? 0 : 2;
    if (!seeded) o.seed = (uint64_t)ct_real_ms() ^ ((uint64_t)getpid() << 32);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    struct rlimit rl; /* many clients: as many descriptors as allowed */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);

    ct_srv srv;
    if (ct_srv_init(&srv, &o) < 0) return 2;
    g_srv = &srv;
    atexit(kill_at_exit);
    printf("strata-crashtest: server %s, appendfsync %s, phase %s, %d cycles x %d ms, %d clients, "
           "seed %llu\n  dir %s\n", o.server, ct_policy_name(o.policy), ct_phase_name(o.phase),
           o.cycles, o.duration_ms, o.clients, (unsigned long long)o.seed, srv.dir);
    int64_t boot_us = 0;
    int rc = ct_srv_start(&srv, &boot_us, NULL);
    if (rc < 0) {
        printf("setup error: the server did not start on an empty dir: %s\n",
               rc == -ECHILD ? "it exited" : strerror(-rc));
        ct_srv_log_tail(&srv, 20);
        printf("kept %s\n", srv.dir);
        ct_srv_destroy(&srv, 1);
        return 2;
    }
    ct_srv_read_config(&srv);
    ct_client *cl = ct_xcalloc((size_t)o.clients, sizeof *cl);
    clients_init(cl, o.clients, &srv);

    stats st = {0};
    int64_t t0 = ct_now_us(), last_boot = boot_us;
    int failed_at = 0;
    for (int n = 1; n <= o.cycles && !g_stop; n++) {
        if (o.time_limit_s && ct_now_us() - t0 > (int64_t)o.time_limit_s * 1000000) {
            printf("time limit of %d s reached after %d cycles\n", o.time_limit_s, n - 1);
            break;
        }
        long long before = st.violations;
        int stop = run_cycle(&srv, &o, cl, n, &st, &last_boot);
        if (st.violations > before && !failed_at) failed_at = n;
        if (stop || (st.violations > before && !o.keep_going)) break;
    }
    ct_srv_stop(&srv);
    print_summary(&o, &st, g_stop != 0);
    int keep = o.keep_dir || st.violations;
    if (failed_at) {
        printf("first failing cycle: %d; data dir kept: %s (as recovered; at-kill/ holds the "
               "files as they were at the kill)\n", failed_at, srv.dir);
        print_replay(&o, argv[0], failed_at);
    } else if (keep) {
        printf("kept %s\n", srv.dir);
    }
    ct_srv_destroy(&srv, keep);
    g_srv = NULL;
    clients_free(cl, o.clients);
    free(st.boot_us);
    free(o.config);
    if (g_stop) return 3;
    return st.violations ? 1 : 0;
}
