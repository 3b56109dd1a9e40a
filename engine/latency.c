/*
 * engine/latency.c — latency monitor samples and the LATENCY command.
 *
 * Layout: up to LATENCY_MAX_EVENTS events in a small array (linear search:
 * there are a handful of event names).  Each event has a ring of
 * LATENCY_HISTORY_LEN {unix seconds, ms} samples; `idx` is the next slot
 * to write, `count` the slots in use.  Invariants:
 *   (1) samples in the ring are in time order, oldest at idx - count;
 *   (2) at most one sample per second: a second sample in the same second
 *       raises the newest one's value instead of adding a slot;
 *   (3) max_ms >= every sample ever recorded since the last reset.
 */
#include "latency.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "reply.h"

typedef struct latency_sample {
    long long time_s, ms;
} latency_sample;

typedef struct latency_event {
    char name[48];
    latency_sample ring[LATENCY_HISTORY_LEN];
    int idx, count;
    long long max_ms;
} latency_event;

static latency_event events[LATENCY_MAX_EVENTS];
static int nevents;

static latency_event *find_event(const char *name) {
    for (int i = 0; i < nevents; i++)
        if (strcasecmp(events[i].name, name) == 0) return &events[i];
    return NULL;
}

static latency_event *get_event(const char *name) {
    latency_event *e = find_event(name);
    if (e || nevents == LATENCY_MAX_EVENTS) return e;
    e = &events[nevents++];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    return e;
}

static const latency_sample *newest(const latency_event *e) {
    return e->count ? &e->ring[(e->idx + LATENCY_HISTORY_LEN - 1) % LATENCY_HISTORY_LEN] : NULL;
}

/* The i-th sample, oldest first. */
static const latency_sample *nth(const latency_event *e, int i) {
    return &e->ring[(e->idx - e->count + i + 2 * LATENCY_HISTORY_LEN) % LATENCY_HISTORY_LEN];
}

void latency_add_sample(kv_server *srv, const char *event, long long ms) {
    long long threshold = srv->cfg->latency_monitor_threshold;
    if (threshold <= 0 || ms < threshold) return;
    latency_event *e = get_event(event);
    if (!e) return;
    long long now = (long long)time(NULL);
    if (ms > e->max_ms) e->max_ms = ms;
    latency_sample *last = (latency_sample *)newest(e);
    if (last && last->time_s == now) {
        if (ms > last->ms) last->ms = ms;
        return;
    }
    e->ring[e->idx].time_s = now;
    e->ring[e->idx].ms = ms;
    e->idx = (e->idx + 1) % LATENCY_HISTORY_LEN;
    if (e->count < LATENCY_HISTORY_LEN) e->count++;
}

void latency_reset(kv_server *srv) {
    (void)srv;
    nevents = 0;
}

int latency_event_stats(const char *event, long long *latest_ms, long long *max_ms) {
    const latency_event *e = find_event(event);
    if (!e || !e->count) return -1;
    *latest_ms = newest(e)->ms;
    *max_ms = e->max_ms;
    return 0;
}

/* ---- LATENCY command ------------------------------------------------------ */

static void latency_latest_command(kv_client *c) {
    reply_array(c, nevents);
    for (int i = 0; i < nevents; i++) {
        const latency_event *e = &events[i];
        const latency_sample *s = newest(e);
        reply_array(c, 4);
        reply_bulk_cstr(c, e->name);
        reply_int(c, s ? s->time_s : 0);
        reply_int(c, s ? s->ms : 0);
        reply_int(c, e->max_ms);
    }
}

static void latency_history_command(kv_client *c) {
    const latency_event *e = find_event(c->argv[2]);
    int n = e ? e->count : 0;
    reply_array(c, n);
    for (int i = 0; i < n; i++) {
        const latency_sample *s = nth(e, i);
        reply_array(c, 2);
        reply_int(c, s->time_s);
        reply_int(c, s->ms);
    }
}

/* LATENCY RESET [event ...]: the number of events forgotten. */
static void latency_reset_command(kv_client *c) {
    if (c->argc == 2) {
        int n = nevents;
        latency_reset(c->srv);
        reply_int(c, n);
        return;
    }
    long long n = 0;
    for (int j = 2; j < c->argc; j++) {
        latency_event *e = find_event(c->argv[j]);
        if (!e) continue;
        *e = events[--nevents];
        n++;
    }
    reply_int(c, n);
}

/* Average and mean deviation of an event's samples; period between them. */
static void event_summary(const latency_event *e, double *avg, double *mdev, double *period) {
    double sum = 0;
    for (int i = 0; i < e->count; i++) sum += (double)nth(e, i)->ms;
    *avg = e->count ? sum / e->count : 0;
    double dev = 0;
    for (int i = 0; i < e->count; i++) dev += fabs((double)nth(e, i)->ms - *avg);
    *mdev = e->count ? dev / e->count : 0;
    long long span = e->count ? newest(e)->time_s - nth(e, 0)->time_s : 0;
    *period = e->count > 1 ? (double)span / (e->count - 1) : 1.0;
}

static sds doctor_report(kv_server *srv) {
    long long threshold = srv->cfg->latency_monitor_threshold;
    if (threshold <= 0)
        return sds_new("The latency monitor is disabled: no latency data is collected. Enable it with "
                       "'CONFIG SET latency-monitor-threshold <milliseconds>' and ask again later.\n");
    if (nevents == 0)
        return sds_catprintf(sds_empty(),
                             "No latency spike was observed since the latency monitor was enabled "
                             "(threshold %lld ms).\n",
                             threshold);
    sds s = sds_catprintf(sds_empty(), "Latency spikes observed (threshold %lld ms):\n\n", threshold);
    for (int i = 0; i < nevents; i++) {
        const latency_event *e = &events[i];
        double avg, mdev, period;
        event_summary(e, &avg, &mdev, &period);
        s = sds_catprintf(s,
                          "%d. %s: %d latency spikes (average %.0fms, mean deviation %.0fms, period %.2f sec). "
                          "Worst all time event %lldms.\n",
                          i + 1, e->name, e->count, avg, mdev, period, e->max_ms);
    }
    s = sds_cat(s, "\nAdvice:\n\n- Use SLOWLOG GET to see which commands were slow; set slowlog-log-slower-than "
                   "at or below the latency threshold so the two views agree.\n"
                   "- Deleting, expiring or evicting very large values blocks the server: split such values "
                   "into several smaller keys.\n");
    return s;
}

static void latency_doctor_command(kv_client *c) {
    sds s = doctor_report(c->srv);
    reply_verbatim(c, s, sds_len(s), "txt");
    sds_free(s);
}

static void latency_help_command(kv_client *c) {
    static const char *const help[] = {
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        NULL,
    };
    reply_help(c, help);
}

#define LATENCY_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

const kv_command latency_subcommands[] = {
    {"latest", latency_latest_command, 2, LATENCY_FLAGS, 0, 0, 0, "server", "2.8.13",
     "Return the latest latency samples for all events.", "O(1)", "", NULL},
    {"history", latency_history_command, 3, LATENCY_FLAGS, 0, 0, 0, "server", "2.8.13",
     "Return timestamp-latency samples for an event.", "O(1)", "event", NULL},
    {"reset", latency_reset_command, -2, LATENCY_FLAGS, 0, 0, 0, "server", "2.8.13",
     "Reset latency data for one or more events.", "O(1)", "[event [event ...]]", NULL},
    {"doctor", latency_doctor_command, 2, LATENCY_FLAGS, 0, 0, 0, "server", "2.8.13",
     "Return a human readable latency analysis report.", "O(1)", "", NULL},
    {"help", latency_help_command, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "2.8.13",
     "Show helpful text about the different subcommands.", "O(1)", "", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
