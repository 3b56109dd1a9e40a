/*
 * recovery/recovery.c — the boot decision of recovery/recovery.h and the
 * loading it implies.  Loading progress goes to the log (every 5 s or so,
 * with the percentage and the bytes); srv->loading is set while loading
 * (INFO loading:1).
 */
#include "recovery/recovery.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "aof/aof.h"
#include "engine/db.h"
#include "engine/log.h"
#include "engine/util.h"
#include "rdb/fio.h"
#include "rdb/rdb.h"

static int file_exists(const char *path) {
    struct stat sb;
    return fio_stat(path, &sb) == 0;
}

int recovery_decide(const strata_config *cfg, char *why, size_t cap) {
    int aof = aof_exists(cfg->appenddirname, cfg->appendfilename);
    int rdb = file_exists(cfg->dbfilename);
    if (cfg->appendonly) {
        if (aof) {
            snprintf(why, cap, "appendonly yes and an AOF exists in %s: the AOF has priority%s", cfg->appenddirname,
                     rdb ? " (the RDB file is not read)" : "");
            return RECOVERY_AOF;
        }
        if (rdb) {
            snprintf(why, cap,
                     "appendonly yes but no AOF exists: loading the RDB file %s and seeding the AOF base from it (never "
                     "start empty while data is on disk)",
                     cfg->dbfilename);
            return RECOVERY_RDB_SEED;
        }
        snprintf(why, cap, "appendonly yes, no AOF and no RDB file: starting with an empty dataset");
        return RECOVERY_EMPTY;
    }
    if (rdb) {
        snprintf(why, cap, "appendonly no: loading the RDB file %s%s", cfg->dbfilename,
                 aof ? " (the AOF files are not read)" : "");
        return RECOVERY_RDB;
    }
    snprintf(why, cap, "appendonly no and no RDB file %s: starting with an empty dataset%s", cfg->dbfilename,
             aof ? " (the AOF files are not read)" : "");
    return RECOVERY_EMPTY;
}

typedef struct progress {
    long long start_ms, last_ms;
} progress;

static void aof_progress(void *priv, uint64_t done, uint64_t total) {
    progress *p = priv;
    long long now = (long long)util_mstime();
    if (now - p->last_ms < 5000) return;
    p->last_ms = now;
    double perc = total ? 100.0 * (double)done / (double)total : 100.0;
    double rate = now > p->start_ms ? (double)done / (double)(now - p->start_ms) : 0; /* bytes per ms */
    long long eta = rate > 0 ? (long long)((double)(total - done) / rate / 1000.0) : -1;
    log_msg(LOG_NOTICE, "Loading the AOF: %.2f%% (%llu of %llu bytes), about %lld seconds left", perc,
            (unsigned long long)done, (unsigned long long)total, eta);
}

static long long count_keys(kv_server *srv) {
    long long n = 0;
    for (int i = 0; i < srv->dbnum; i++) n += db_size(&srv->dbs[i]);
    return n;
}

static int load_aof(kv_server *srv) {
    const strata_config *cfg = srv->cfg;
    progress p = {(long long)util_mstime(), (long long)util_mstime()};
    aof_load_opts o = {cfg->aof_load_truncated, aof_progress, &p};
    aof_load_result res;
    aof_err err;
    int rc = aof_load_dir(srv, cfg->appenddirname, cfg->appendfilename, &o, &res, &err);
    if (rc == 0) {
        log_msg(LOG_NOTICE, "DB loaded from append only file: %.3f seconds (%lld commands, %llu bytes%s)", res.seconds,
                res.commands, (unsigned long long)res.total_bytes, res.base_rdb ? ", RDB base" : "");
        if (res.truncated)
            log_msg(LOG_WARNING, "The AOF file %s was truncated at offset %llu (%llu bytes of an unfinished write cut)",
                    res.truncated_file, (unsigned long long)res.truncated_at,
                    (unsigned long long)res.truncated_bytes);
        return 0;
    }
    if (rc == 1) return 0; /* raced with a removal: nothing to load */
    log_msg(LOG_WARNING, "Fatal error loading the AOF: %s", err.text);
    log_msg(LOG_WARNING, "Refusing to start: the AOF in '%s' could not be loaded and was not modified.",
            cfg->appenddirname);
    return -1;
}

int recovery_boot(kv_server *srv, recovery_result *res) {
    const strata_config *cfg = srv->cfg;
    recovery_result local;
    if (!res) res = &local;
    memset(res, 0, sizeof(*res));
    long long t0 = (long long)util_mstime();
    if (cfg->appendonly) {
        aof_err err;
        int up = aof_upgrade_old_file(cfg->appenddirname, cfg->appendfilename, &err);
        if (up < 0) {
            log_msg(LOG_WARNING, "Fatal error upgrading the old AOF file: %s", err.text);
            return -1;
        }
        res->upgraded = up;
    }
    char why[512];
    res->source = recovery_decide(cfg, why, sizeof(why));
    log_msg(LOG_NOTICE, "Boot: %s", why);
    int rc = 0;
    switch (res->source) {
    case RECOVERY_AOF:
        rc = load_aof(srv);
        break;
    case RECOVERY_RDB:
    case RECOVERY_RDB_SEED:
        rc = rdb_boot_load(srv);
        break;
    default:
        break;
    }
    if (rc < 0) return -1;
    res->keys = count_keys(srv);
    res->seconds = (double)((long long)util_mstime() - t0) / 1000.0;
    if (res->source != RECOVERY_EMPTY) log_msg(LOG_NOTICE, "Boot: %lld keys loaded", res->keys);
    return 0;
}
