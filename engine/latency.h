/*
 * engine/latency.h — the latency monitor (LATENCY LATEST/HISTORY/RESET/
 * DOCTOR/HELP), as Redis's: events ("command", "fast-command",
 * "expire-cycle", "eviction-cycle", "aof-fsync-always", ...) record samples
 * that reach latency-monitor-threshold milliseconds (0 = monitor off).
 * Each event keeps its all-time maximum and the last LATENCY_HISTORY_LEN
 * samples, one per second (two samples in the same second keep the larger).
 *
 * The state is process-wide (like the log): events are named by static
 * strings and there is one server per process; latency_reset() clears it.
 */
#ifndef STRATA_LATENCY_H
#define STRATA_LATENCY_H

#include "cmd.h"
#include "kv.h"

#define LATENCY_HISTORY_LEN 160
#define LATENCY_MAX_EVENTS 64

/* Record ms for event when the monitor is on and ms >= the threshold.
 * event is copied. */
void latency_add_sample(kv_server *srv, const char *event, long long ms);
/* Forget every event (LATENCY RESET, server_free). */
void latency_reset(kv_server *srv);
/* Latest / all-time max of an event: 0 found, -1 unknown (for INFO/tests). */
int latency_event_stats(const char *event, long long *latest_ms, long long *max_ms);

/* LATENCY subcommand rows (referenced by cmd_table_server). */
extern const kv_command latency_subcommands[];

#endif
