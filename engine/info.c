/*
 * engine/info.c — INFO: a registry of sections and parts, the built-in
 * providers with Redis 7.0's field names, errorstats bookkeeping.
 *
 * Layout: sections[] in display order; each holds parts[] in order.  The
 * built-in sections and parts are registered on first use (builtin_init),
 * so a module registering a replacement before or after that point wins
 * either way: builtin_init never overwrites an existing part.
 * Invariants:
 *   (1) every line a provider appends ends with "\r\n";
 *   (2) sections are joined with one empty line; a section with a title and
 *       no fields still shows its title (Redis shows "# Keyspace" empty);
 *   (3) values that later modules own (RDB, AOF, replication) have the
 *       values Redis shows with the feature idle, never invented numbers.
 */
#include "info.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "config.h"
#include "evict.h"
#include "mem.h"
#include "reply.h"
#include "server.h"
#include "util.h"

#define INFO_MAX_SECTIONS 32
#define INFO_MAX_PARTS 8
#define INFO_MAX_ERROR_CODES 128

typedef struct info_part {
    char name[32];
    info_part_fn *fn;
    void *priv;
} info_part;

typedef struct info_section {
    char name[32];  /* lowercase lookup name */
    char title[32]; /* "Server", "CPU" */
    int flags;
    info_part parts[INFO_MAX_PARTS];
    int nparts;
} info_section;

static info_section sections[INFO_MAX_SECTIONS];
static int nsections;
static int builtin_done;

typedef struct error_code {
    char code[32];
    long long count;
} error_code;

static error_code error_codes[INFO_MAX_ERROR_CODES];
static int nerror_codes;

/* ---- registry ------------------------------------------------------------ */

static info_section *find_section(const char *name) {
    for (int i = 0; i < nsections; i++)
        if (strcasecmp(sections[i].name, name) == 0) return &sections[i];
    return NULL;
}

static info_section *add_section(const char *name, const char *title, int flags) {
    info_section *s = find_section(name);
    if (s || nsections == INFO_MAX_SECTIONS) return s;
    s = &sections[nsections++];
    memset(s, 0, sizeof(*s));
    snprintf(s->name, sizeof(s->name), "%s", name);
    for (char *p = s->name; *p; p++) *p = (char)tolower((unsigned char)*p);
    snprintf(s->title, sizeof(s->title), "%s", title);
    s->flags = flags;
    return s;
}

static info_part *find_part(info_section *s, const char *part) {
    for (int i = 0; i < s->nparts; i++)
        if (strcasecmp(s->parts[i].name, part) == 0) return &s->parts[i];
    return NULL;
}

/* replace: overwrite an existing part (module registration) or not
 * (built-in defaults). */
static int set_part(info_section *s, const char *part, info_part_fn *fn, void *priv, int replace) {
    info_part *p = find_part(s, part);
    if (p && !replace) return 0;
    if (!p) {
        if (s->nparts == INFO_MAX_PARTS) return -1;
        p = &s->parts[s->nparts++];
        snprintf(p->name, sizeof(p->name), "%s", part);
    }
    p->fn = fn;
    p->priv = priv;
    return 0;
}

static void builtin_init(void);

int info_register(const char *section, const char *part, info_part_fn *fn, void *priv, int flags) {
    builtin_init();
    char title[32];
    snprintf(title, sizeof(title), "%s", section);
    title[0] = (char)toupper((unsigned char)title[0]);
    info_section *s = add_section(section, title, flags);
    return s ? set_part(s, part, fn, priv, 1) : -1;
}

/* ---- helpers ---------------------------------------------------------------- */

void info_bytes_human(char *buf, size_t size, unsigned long long n) {
    static const char units[] = "KMGTP";
    double d = (double)n;
    if (n < 1024) {
        snprintf(buf, size, "%lluB", n);
        return;
    }
    for (int i = 0; units[i]; i++) {
        d /= 1024;
        if (d < 1024 || !units[i + 1]) {
            snprintf(buf, size, "%.2f%c", d, units[i]);
            return;
        }
    }
}

static sds add_human(sds out, const char *name, unsigned long long n) {
    char h[32];
    info_bytes_human(h, sizeof(h), n);
    return sds_catprintf(out, "%s:%llu\r\n%s_human:%s\r\n", name, n, name, h);
}

static size_t rss_bytes(void) {
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
    fclose(f);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static double avg_of(const long long *ring, int n) {
    long long sum = 0;
    for (int i = 0; i < n; i++) sum += ring[i];
    return (double)sum / n;
}

static double timeval_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

/* ---- server / clients ------------------------------------------------------- */

static sds server_section(kv_server *srv, sds out, void *priv) {
    struct utsname un;
    if (uname(&un) != 0) memset(&un, 0, sizeof(un));
    long long now_ms = (long long)util_mstime();
    long long uptime = (now_ms - srv->stat.start_ms) / 1000;
    const char *cfgfile = config_file_path(srv->cfg);
    out = sds_catprintf(out,
                        "redis_version:%s\r\n"
                        "strata_version:%s\r\n"
                        "redis_git_sha1:00000000\r\n"
                        "redis_git_dirty:0\r\n"
                        "redis_build_id:0\r\n"
                        "redis_mode:standalone\r\n"
                        "os:%s %s %s\r\n"
                        "arch_bits:%d\r\n"
                        "monotonic_clock:POSIX clock_gettime\r\n"
                        "multiplexing_api:epoll\r\n"
                        "atomicvar_api:c11-builtin\r\n"
                        "gcc_version:%d.%d.%d\r\n"
                        "process_id:%lld\r\n"
                        "process_supervised:no\r\n"
                        "run_id:%s\r\n"
                        "tcp_port:%lld\r\n"
                        "server_time_usec:%llu\r\n"
                        "uptime_in_seconds:%lld\r\n"
                        "uptime_in_days:%lld\r\n"
                        "hz:%d\r\n"
                        "configured_hz:%lld\r\n"
                        "lru_clock:%u\r\n"
                        "executable:%s\r\n"
                        "config_file:%s\r\n"
                        "io_threads_active:0\r\n",
                        STRATA_REDIS_COMPAT_VERSION, STRATA_VERSION, un.sysname, un.release, un.machine,
                        (int)(sizeof(void *) * 8),
#ifdef __GNUC__
                        __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
                        0, 0, 0,
#endif
                        (long long)(srv->pid ? srv->pid : getpid()), srv->runid, srv->cfg->port,
                        (unsigned long long)util_ustime(), uptime, uptime / 86400, srv->hz, srv->cfg->hz,
                        obj_lru_clock_now(), srv->executable ? srv->executable : "", cfgfile ? cfgfile : "");
    return out;
}

static sds clients_section(kv_server *srv, sds out, void *priv) {
    long long connected = 0, blocked = 0;
    size_t max_in = 0, max_out = 0;
    for (kv_client *c = srv->clients; c; c = c->next) {
        if (!(c->flags & CLIENT_FAKE)) connected++;
        if (c->flags & CLIENT_BLOCKED) blocked++;
        if (c->qbuf + c->qbuf_free > max_in) max_in = c->qbuf + c->qbuf_free;
        if (c->out && sds_alloc_size(c->out) > max_out) max_out = sds_alloc_size(c->out);
    }
    return sds_catprintf(out,
                         "connected_clients:%lld\r\n"
                         "cluster_connections:0\r\n"
                         "maxclients:%lld\r\n"
                         "client_recent_max_input_buffer:%zu\r\n"
                         "client_recent_max_output_buffer:%zu\r\n"
                         "blocked_clients:%lld\r\n"
                         "tracking_clients:0\r\n"
                         "clients_in_timeout_table:0\r\n",
                         connected, srv->cfg->maxclients, max_in, max_out, blocked);
}

static sds clients_net_part(kv_server *srv, sds out, void *priv) {
    if (srv->net.info_clients) srv->net.info_clients(srv->net.netpriv, &out);
    return out;
}

/* ---- memory -------------------------------------------------------------- */

size_t info_memory_overhead(kv_server *srv, size_t *clients_mem) {
    size_t n = sizeof(*srv) + sizeof(kv_db) * (size_t)srv->dbnum;
    for (int i = 0; i < srv->dbnum; i++) {
        kv_db *db = &srv->dbs[i];
        n += (dict_buckets(db->keys) + dict_buckets(db->expires)) * sizeof(void *);
        n += (dict_size(db->keys) + dict_size(db->expires)) * sizeof(dict_entry);
    }
    size_t cm = 0;
    for (kv_client *c = srv->clients; c; c = c->next)
        cm += sizeof(*c) + (c->out ? sds_alloc_size(c->out) : 0) + c->argv_mem;
    *clients_mem = cm;
    return n + cm;
}

static sds memory_section(kv_server *srv, sds out, void *priv) {
    size_t used = mem_used(), rss = rss_bytes(), clients_mem = 0;
    if (used > srv->stat.peak_memory) srv->stat.peak_memory = used;
    size_t peak = srv->stat.peak_memory;
    size_t overhead = info_memory_overhead(srv, &clients_mem);
    size_t dataset = used > overhead ? used - overhead : 0;
    size_t total_sys = (size_t)sysconf(_SC_PHYS_PAGES) * (size_t)sysconf(_SC_PAGESIZE);
    long long maxmem = srv->cfg->maxmemory;

    out = add_human(out, "used_memory", used);
    out = add_human(out, "used_memory_rss", rss);
    out = add_human(out, "used_memory_peak", peak);
    out = sds_catprintf(out, "used_memory_peak_perc:%.2f%%\r\n", peak ? 100.0 * (double)used / (double)peak : 0.0);
    out = sds_catprintf(out, "used_memory_overhead:%zu\r\n", overhead);
    out = sds_catprintf(out, "used_memory_dataset:%zu\r\n", dataset);
    out = sds_catprintf(out, "used_memory_dataset_perc:%.2f%%\r\n",
                        used ? 100.0 * (double)dataset / (double)used : 0.0);
    out = add_human(out, "total_system_memory", total_sys);
    out = sds_cat(out, "used_memory_lua:0\r\nused_memory_vm_eval:0\r\nused_memory_lua_human:0B\r\n"
                       "used_memory_scripts_eval:0\r\nnumber_of_cached_scripts:0\r\nnumber_of_functions:0\r\n"
                       "number_of_libraries:0\r\nused_memory_vm_functions:0\r\nused_memory_vm_total:0\r\n"
                       "used_memory_vm_total_human:0B\r\nused_memory_functions:0\r\nused_memory_scripts:0\r\n"
                       "used_memory_scripts_human:0B\r\n");
    out = add_human(out, "maxmemory", maxmem > 0 ? (unsigned long long)maxmem : 0);
    out = sds_catprintf(out, "maxmemory_policy:%s\r\n", evict_policy_name(srv->cfg->maxmemory_policy));
    out = sds_catprintf(out, "mem_fragmentation_ratio:%.2f\r\n", used ? (double)rss / (double)used : 0.0);
    out = sds_catprintf(out, "mem_fragmentation_bytes:%lld\r\n", (long long)rss - (long long)used);
    out = sds_catprintf(out,
                        "mem_not_counted_for_evict:0\r\n"
                        "mem_replication_backlog:0\r\n"
                        "mem_total_replication_buffers:0\r\n"
                        "mem_clients_slaves:0\r\n"
                        "mem_clients_normal:%zu\r\n"
                        "mem_cluster_links:0\r\n"
                        "mem_aof_buffer:0\r\n"
                        "mem_allocator:%s\r\n"
                        "active_defrag_running:0\r\n"
                        "lazyfree_pending_objects:0\r\n"
                        "lazyfreed_objects:0\r\n",
                        clients_mem, mem_allocator_name());
    return out;
}

/* ---- persistence defaults (replaced by the RDB / AOF modules) ------------ */

static sds persistence_loading(kv_server *srv, sds out, void *priv) {
    return sds_catprintf(out,
                         "loading:%d\r\n"
                         "async_loading:0\r\n"
                         "current_cow_peak:0\r\n"
                         "current_cow_size:0\r\n"
                         "current_cow_size_age:0\r\n"
                         "current_fork_perc:0.00\r\n"
                         "current_save_keys_processed:0\r\n"
                         "current_save_keys_total:0\r\n",
                         srv->loading ? 1 : 0);
}

static sds persistence_rdb(kv_server *srv, sds out, void *priv) {
    return sds_catprintf(out,
                         "rdb_changes_since_last_save:%lld\r\n"
                         "rdb_bgsave_in_progress:0\r\n"
                         "rdb_last_save_time:%lld\r\n"
                         "rdb_last_bgsave_status:ok\r\n"
                         "rdb_last_bgsave_time_sec:-1\r\n"
                         "rdb_current_bgsave_time_sec:-1\r\n"
                         "rdb_saves:0\r\n"
                         "rdb_last_cow_size:0\r\n"
                         "rdb_last_load_keys_expired:0\r\n"
                         "rdb_last_load_keys_loaded:0\r\n",
                         srv->dirty, srv->stat.start_ms / 1000);
}

static sds persistence_aof(kv_server *srv, sds out, void *priv) {
    return sds_catprintf(out,
                         "aof_enabled:%d\r\n"
                         "aof_rewrite_in_progress:0\r\n"
                         "aof_rewrite_scheduled:0\r\n"
                         "aof_last_rewrite_time_sec:-1\r\n"
                         "aof_current_rewrite_time_sec:-1\r\n"
                         "aof_last_bgrewrite_status:ok\r\n"
                         "aof_rewrites:0\r\n"
                         "aof_rewrites_consecutive_failures:0\r\n"
                         "aof_last_write_status:ok\r\n"
                         "aof_last_cow_size:0\r\n",
                         srv->cfg->appendonly ? 1 : 0);
}

static sds persistence_fork(kv_server *srv, sds out, void *priv) {
    return sds_cat(out, "module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n");
}

/* ---- stats --------------------------------------------------------------- */

static sds stats_main(kv_server *srv, sds out, void *priv) {
    const kv_stats *st = &srv->stat;
    out = sds_catprintf(out,
                        "total_connections_received:%lld\r\n"
                        "total_commands_processed:%lld\r\n"
                        "instantaneous_ops_per_sec:%lld\r\n"
                        "total_net_input_bytes:%lld\r\n"
                        "total_net_output_bytes:%lld\r\n"
                        "instantaneous_input_kbps:%.2f\r\n"
                        "instantaneous_output_kbps:%.2f\r\n"
                        "rejected_connections:%lld\r\n"
                        "expired_keys:%lld\r\n"
                        "expired_stale_perc:%.2f\r\n"
                        "expired_time_cap_reached_count:0\r\n"
                        "expire_cycle_cpu_milliseconds:%lld\r\n"
                        "evicted_keys:%lld\r\n"
                        "evicted_clients:0\r\n"
                        "total_eviction_exceeded_time:0\r\n"
                        "current_eviction_exceeded_time:0\r\n"
                        "keyspace_hits:%lld\r\n"
                        "keyspace_misses:%lld\r\n"
                        "pubsub_channels:0\r\n"
                        "pubsub_patterns:0\r\n"
                        "pubsubshard_channels:0\r\n",
                        st->numconnections, st->numcommands, (long long)avg_of(st->inst_ops, 16),
                        st->net_input_bytes, st->net_output_bytes, avg_of(st->inst_in, 16) / 1024,
                        avg_of(st->inst_out, 16) / 1024, st->rejected_conn, st->expiredkeys,
                        (double)st->expired_stale_perc, st->expire_cycle_time_used_us / 1000, st->evictedkeys,
                        st->keyspace_hits, st->keyspace_misses);
    out = sds_catprintf(out,
                        "migrate_cached_sockets:0\r\n"
                        "slave_expires_tracked_keys:0\r\n"
                        "active_defrag_hits:0\r\n"
                        "active_defrag_misses:0\r\n"
                        "active_defrag_key_hits:0\r\n"
                        "active_defrag_key_misses:0\r\n"
                        "total_active_defrag_time:0\r\n"
                        "current_active_defrag_time:0\r\n"
                        "tracking_total_keys:0\r\n"
                        "tracking_total_items:0\r\n"
                        "tracking_total_prefixes:0\r\n"
                        "unexpected_error_replies:%lld\r\n"
                        "total_error_replies:%lld\r\n"
                        "dump_payload_sanitizations:0\r\n"
                        "total_reads_processed:%lld\r\n"
                        "total_writes_processed:%lld\r\n"
                        "io_threaded_reads_processed:%lld\r\n"
                        "io_threaded_writes_processed:0\r\n"
                        "client_query_buffer_limit_disconnections:%lld\r\n"
                        "reply_buffer_shrinks:0\r\n"
                        "reply_buffer_expands:0\r\n",
                        st->unexpected_error_replies, st->total_error_replies, st->total_reads_processed,
                        st->total_writes_processed, st->io_threaded_reads_processed,
                        st->client_qbuf_limit_disconnections);
    return out;
}

static sds stats_replication(kv_server *srv, sds out, void *priv) {
    return sds_cat(out, "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n"
                        "instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\n"
                        "sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n");
}

static sds stats_fork(kv_server *srv, sds out, void *priv) {
    return sds_cat(out, "latest_fork_usec:0\r\ntotal_forks:0\r\n");
}

/* ---- replication / cpu / modules / cluster -------------------------------- */

static sds replication_main(kv_server *srv, sds out, void *priv) {
    static char replid[41];
    if (!replid[0]) util_random_hex(replid, 40);
    return sds_catprintf(out,
                         "role:master\r\n"
                         "connected_slaves:0\r\n"
                         "master_failover_state:no-failover\r\n"
                         "master_replid:%s\r\n"
                         "master_replid2:0000000000000000000000000000000000000000\r\n"
                         "master_repl_offset:0\r\n"
                         "second_repl_offset:-1\r\n"
                         "repl_backlog_active:0\r\n"
                         "repl_backlog_size:%lld\r\n"
                         "repl_backlog_first_byte_offset:0\r\n"
                         "repl_backlog_histlen:0\r\n",
                         replid, srv->cfg->repl_backlog_size);
}

static sds cpu_section(kv_server *srv, sds out, void *priv) {
    struct rusage self, children, thread;
    memset(&thread, 0, sizeof(thread));
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
#ifdef RUSAGE_THREAD
    getrusage(RUSAGE_THREAD, &thread);
#endif
    return sds_catprintf(out,
                         "used_cpu_sys:%.6f\r\n"
                         "used_cpu_user:%.6f\r\n"
                         "used_cpu_sys_children:%.6f\r\n"
                         "used_cpu_user_children:%.6f\r\n"
                         "used_cpu_sys_main_thread:%.6f\r\n"
                         "used_cpu_user_main_thread:%.6f\r\n",
                         timeval_s(self.ru_stime), timeval_s(self.ru_utime), timeval_s(children.ru_stime),
                         timeval_s(children.ru_utime), timeval_s(thread.ru_stime), timeval_s(thread.ru_utime));
}

static sds cluster_section(kv_server *srv, sds out, void *priv) { return sds_cat(out, "cluster_enabled:0\r\n"); }

/* ---- commandstats / errorstats / keyspace ----------------------------------- */

static sds one_cmdstat(sds out, const kv_command *cmd) {
    kv_cmd_stats *st = cmd_stats(cmd);
    char name[128];
    if (!st || (!st->calls && !st->failed && !st->rejected)) return out;
    cmd_fullname(cmd, name, sizeof(name));
    return sds_catprintf(out,
                         "cmdstat_%s:calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,"
                         "failed_calls=%lld\r\n",
                         name, st->calls, st->usec, st->calls ? (double)st->usec / (double)st->calls : 0.0,
                         st->rejected, st->failed);
}

static sds commandstats_section(kv_server *srv, sds out, void *priv) {
    dict_iter it;
    dict_entry *de;
    if (!srv->commands) return out;
    dict_iter_init(&it, srv->commands, 0);
    while ((de = dict_next(&it))) {
        const kv_command *cmd = de->v.val;
        out = one_cmdstat(out, cmd);
        if (cmd->subcommands)
            for (const kv_command *sub = cmd->subcommands; sub->name; sub++) out = one_cmdstat(out, sub);
    }
    dict_iter_reset(&it);
    return out;
}

static sds errorstats_section(kv_server *srv, sds out, void *priv) {
    for (int i = 0; i < nerror_codes; i++)
        out = sds_catprintf(out, "errorstat_%s:count=%lld\r\n", error_codes[i].code, error_codes[i].count);
    return out;
}

static sds keyspace_section(kv_server *srv, sds out, void *priv) {
    for (int i = 0; i < srv->dbnum; i++) {
        kv_db *db = &srv->dbs[i];
        size_t keys = dict_size(db->keys);
        if (!keys) continue;
        out = sds_catprintf(out, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i, keys, dict_size(db->expires),
                            db->avg_ttl);
    }
    return out;
}

void info_count_error(kv_server *srv, const char *msg) {
    (void)srv;
    char code[32] = "ERR";
    const char *p = msg[0] == '-' ? msg + 1 : msg;
    const char *q = p;
    if (msg[0] == '-') {
        const char *sp = memchr(p, ' ', strnlen(p, 32));
        if (sp) q = sp;
    } else {
        while (*q >= 'A' && *q <= 'Z') q++;
        if (*q != ' ') q = p; /* no code: counts as ERR */
    }
    if (q > p && (size_t)(q - p) < sizeof(code)) {
        memcpy(code, p, (size_t)(q - p));
        code[q - p] = '\0';
    }
    for (int i = 0; i < nerror_codes; i++) {
        if (strcmp(error_codes[i].code, code) == 0) {
            error_codes[i].count++;
            return;
        }
    }
    if (nerror_codes == INFO_MAX_ERROR_CODES) return;
    snprintf(error_codes[nerror_codes].code, sizeof(error_codes[0].code), "%s", code);
    error_codes[nerror_codes++].count = 1;
}

void info_reset_errors(kv_server *srv) {
    (void)srv;
    nerror_codes = 0;
}

/* ---- built-in registration ------------------------------------------------ */

static void builtin_part(const char *section, const char *title, int flags, const char *part, info_part_fn *fn) {
    info_section *s = add_section(section, title, flags);
    if (s && fn) set_part(s, part, fn, NULL, 0);
}

static void builtin_init(void) {
    if (builtin_done) return;
    builtin_done = 1;
    builtin_part("server", "Server", INFO_DEFAULT, "main", server_section);
    builtin_part("clients", "Clients", INFO_DEFAULT, "main", clients_section);
    builtin_part("clients", "Clients", INFO_DEFAULT, "net", clients_net_part);
    builtin_part("memory", "Memory", INFO_DEFAULT, "main", memory_section);
    builtin_part("persistence", "Persistence", INFO_DEFAULT, "loading", persistence_loading);
    builtin_part("persistence", "Persistence", INFO_DEFAULT, "rdb", persistence_rdb);
    builtin_part("persistence", "Persistence", INFO_DEFAULT, "aof", persistence_aof);
    builtin_part("persistence", "Persistence", INFO_DEFAULT, "fork", persistence_fork);
    builtin_part("stats", "Stats", INFO_DEFAULT, "main", stats_main);
    builtin_part("stats", "Stats", INFO_DEFAULT, "replication", stats_replication);
    builtin_part("stats", "Stats", INFO_DEFAULT, "fork", stats_fork);
    builtin_part("replication", "Replication", INFO_DEFAULT, "main", replication_main);
    builtin_part("cpu", "CPU", INFO_DEFAULT, "main", cpu_section);
    builtin_part("modules", "Modules", INFO_DEFAULT, "main", NULL);
    builtin_part("commandstats", "Commandstats", 0, "main", commandstats_section);
    builtin_part("errorstats", "Errorstats", INFO_DEFAULT, "main", errorstats_section);
    builtin_part("cluster", "Cluster", INFO_DEFAULT, "main", cluster_section);
    builtin_part("keyspace", "Keyspace", INFO_DEFAULT, "main", keyspace_section);
}

/* ---- generation ------------------------------------------------------------ */

static int wanted(const info_section *s, int argc, sds *argv) {
    if (argc == 0) return (s->flags & INFO_DEFAULT) != 0;
    for (int i = 0; i < argc; i++) {
        if (!strcasecmp(argv[i], "everything")) return 1;
        if (!strcasecmp(argv[i], "all") && !(s->flags & INFO_EVERYTHING_ONLY)) return 1;
        if (!strcasecmp(argv[i], "default") && (s->flags & INFO_DEFAULT)) return 1;
        if (!strcasecmp(argv[i], s->name)) return 1;
    }
    return 0;
}

sds info_generate(kv_server *srv, int argc, sds *argv) {
    builtin_init();
    sds out = sds_empty();
    int shown = 0;
    for (int i = 0; i < nsections; i++) {
        const info_section *s = &sections[i];
        if (!wanted(s, argc, argv)) continue;
        if (shown++) out = sds_cat(out, "\r\n");
        out = sds_catprintf(out, "# %s\r\n", s->title);
        for (int j = 0; j < s->nparts; j++)
            if (s->parts[j].fn) out = s->parts[j].fn(srv, out, s->parts[j].priv);
    }
    return out;
}

sds info_field(kv_server *srv, const char *section, const char *field) {
    sds arg = sds_new(section);
    sds text = info_generate(srv, 1, &arg);
    sds_free(arg);
    size_t flen = strlen(field);
    sds val = NULL;
    for (const char *line = text; *line;) {
        const char *eol = strstr(line, "\r\n");
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > flen && memcmp(line, field, flen) == 0 && line[flen] == ':') {
            val = sds_newlen(line + flen + 1, len - flen - 1);
            break;
        }
        line += len + (eol ? 2 : 0);
    }
    sds_free(text);
    return val;
}

void info_command(kv_client *c) {
    sds text = info_generate(c->srv, c->argc - 1, c->argv + 1);
    reply_verbatim(c, text, sds_len(text), "txt");
    sds_free(text);
}
