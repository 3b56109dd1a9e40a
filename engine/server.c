/*
 * engine/server.c — the engine context: databases, command table, cron.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "db.h"
#include "evict.h"
#include "latency.h"
#include "mem.h"
#include "rdb/rdb.h"
#include "server_cmds.h"
#include "slowlog.h"
#include "blocking.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_set.h"
#include "t_zset.h"
#include "util.h"

/* CONFIG SET dir: Redis changes the working directory, so later saves and
 * AOF files go to the new place. */
static int apply_dir(void *ctx, const char *name, sds *err) {
    kv_server *srv = ctx;
    (void)name;
    if (chdir(srv->cfg->dir) < 0) {
        *err = sds_new(strerror(errno)); /* as Redis: "... - No such file or directory" */
        return -1;
    }
    return 0;
}

kv_server *server_create(strata_config *cfg) {
    static int seeded; /* the hash seed is process-wide: set it once */
    kv_server *srv = mem_calloc(sizeof(*srv));
    if (!seeded) {
        uint8_t seed[16];
        util_random_bytes(seed, sizeof(seed));
        dict_set_hash_seed(seed);
        seeded = 1;
    }
    srv->cfg = cfg;
    srv->dbnum = cfg->databases;
    srv->dbs = mem_calloc(sizeof(kv_db) * (size_t)srv->dbnum);
    for (int i = 0; i < srv->dbnum; i++) db_init(srv, &srv->dbs[i], i);
    srv->pid = getpid();
    util_random_hex(srv->runid, 40);
    srv->active_expire_enabled = 1;
    srv->hz = cfg->hz;
    srv->stat.start_ms = (long long)util_mstime();
    obj_lru_clock_update(util_mstime());
    list_module_init();
    hash_module_init();
    set_module_init();
    zset_module_init();
    cmd_register_all(srv);
    server_cmds_apply_config(srv);
    config_set_hook(cfg, "dir", apply_dir, srv);
    rdb_server_init(srv); /* snapshot state, INFO persistence, MISCONF check */
    return srv;
}

void server_free(kv_server *srv) {
    if (!srv) return;
    rdb_server_free(srv); /* kills a BGSAVE child */
    while (srv->clients) client_free(srv->clients);
    srv->nalso = 0;
    cmd_flush_propagation(srv);
    mem_free(srv->also);
    for (int i = 0; i < srv->dbnum; i++) db_free(&srv->dbs[i]);
    mem_free(srv->dbs);
    dict_release(srv->commands);
    slowlog_free(srv);
    latency_reset(srv);
    mem_free(srv);
}

int64_t server_now_ms(kv_server *srv) {
    return srv->cmd_time_ms ? srv->cmd_time_ms : (int64_t)util_mstime();
}

static void sample_instantaneous(kv_server *srv) {
    kv_stats *st = &srv->stat;
    long long now = (long long)util_mstime();
    long long dt = now - st->inst_last_ms;
    if (dt < 100) return;
    if (st->inst_last_ms) {
        int i = st->inst_idx;
        st->inst_ops[i] = (st->numcommands - st->inst_last_cmds) * 1000 / dt;
        st->inst_in[i] = (st->net_input_bytes - st->inst_last_in) * 1000 / dt;
        st->inst_out[i] = (st->net_output_bytes - st->inst_last_out) * 1000 / dt;
        st->inst_idx = (i + 1) % 16;
    }
    st->inst_last_ms = now;
    st->inst_last_cmds = st->numcommands;
    st->inst_last_in = st->net_input_bytes;
    st->inst_last_out = st->net_output_bytes;
}

void server_cron(kv_server *srv) {
    srv->cron_loops++;
    obj_lru_clock_update(util_mstime());
    size_t used = mem_used();
    if (used > srv->stat.peak_memory) srv->stat.peak_memory = used;
    sample_instantaneous(srv);
    db_active_expire_cycle(srv, 1);
    db_cron(srv);
    blocking_handle_timeouts(srv); /* BLPOP & co. whose timeout passed */
    if (srv->cfg->maxmemory > 0) evict_perform(srv);
    rdb_cron(srv); /* reap the BGSAVE child, `save` rules */
}
