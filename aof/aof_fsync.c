/*
 * aof/aof_fsync.c — the syncer: asynchronous fdatasyncs, completed through
 * an eventfd the event loop watches (DESIGN.md "Write path" 4 and 8).
 *
 * States of a slot:  FREE --submit--> BUSY --completion, reaped--> FREE
 * AIO mode has AOF_SYNC_SLOTS slots (the writer uses several when writes
 * keep coming while an fdatasync runs: a new one starts at once instead of
 * waiting for the running one); THREAD mode has one, served by one thread.
 *
 * Invariants:
 *   (1) a result is reported exactly once, by aof_syncer_reap or
 *       aof_syncer_wait, with the request it was submitted with, and only
 *       after the kernel's fdatasync returned;
 *   (2) the fd of a busy slot is never touched by this file after the
 *       submission; the caller keeps it open until the result was reaped;
 *   (3) AIO -> THREAD is one-way, decided when io_submit refuses an fdsync
 *       (logged once) while nothing else is in flight in AIO.
 */
#include "aof/aof_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "engine/log.h"
#include "rdb/fio.h"

static void *sync_thread(void *arg) {
    aof_syncer *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->job_ready && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
        if (!s->job_ready && s->stop) break;
        int fd = s->job_fd;
        s->job_ready = 0;
        pthread_mutex_unlock(&s->mu);
        int rc = fio_fdatasync(fd);
        pthread_mutex_lock(&s->mu);
        s->job_result = rc;
        s->job_done = 1;
        pthread_cond_broadcast(&s->cv);
        uint64_t one = 1;
        (void)!write(s->efd, &one, sizeof(one));
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int start_thread(aof_syncer *s) {
    if (s->th_started) return 0;
    int rc = pthread_create(&s->th, NULL, sync_thread, s);
    if (rc) return -rc;
    s->th_started = 1;
    return 0;
}

static int choose_mode(int mode) {
    if (mode) return mode;
    const char *env = getenv("STRATA_AOF_FSYNC");
    if (env && !strcmp(env, "thread")) return AOF_SYNC_THREAD;
    if (env && !strcmp(env, "aio")) return AOF_SYNC_AIO;
    /* A test file layer must see every sync (aof.h "How tests see
     * durability"): libaio would go around it. */
    if (fio_ops_current() != fio_ops_default()) return AOF_SYNC_THREAD;
    return AOF_SYNC_AIO;
}

int aof_syncer_init(aof_syncer *s, int mode) {
    memset(s, 0, sizeof(*s));
    s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->efd < 0) return -errno;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->mode = choose_mode(mode);
    if (s->mode == AOF_SYNC_AIO) {
        int rc = io_setup(AOF_SYNC_SLOTS, &s->ctx);
        if (rc == 0) {
            s->ctx_ok = 1;
        } else {
            log_msg(LOG_WARNING, "AOF: io_setup failed (%s): fsyncs run in a background thread instead",
                    strerror(-rc));
            s->mode = AOF_SYNC_THREAD;
        }
    }
    if (s->mode == AOF_SYNC_THREAD) {
        int rc = start_thread(s);
        if (rc) {
            close(s->efd);
            s->efd = -1;
            return rc;
        }
    }
    return 0;
}

static void drain_eventfd(aof_syncer *s) {
    uint64_t v;
    while (read(s->efd, &v, sizeof(v)) > 0) {
    }
}

void aof_syncer_free(aof_syncer *s) {
    if (!s || s->efd < 0) return;
    int res;
    aof_sync_req req;
    while (aof_syncer_wait(s, &res, &req)) {
    }
    if (s->th_started) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->th, NULL);
        s->th_started = 0;
    }
    if (s->ctx_ok) io_destroy(s->ctx);
    s->ctx_ok = 0;
    close(s->efd);
    s->efd = -1;
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
}

int aof_syncer_free_slot(const aof_syncer *s) {
    int n = s->mode == AOF_SYNC_AIO ? AOF_SYNC_SLOTS : 1;
    for (int i = 0; i < n; i++)
        if (!s->slot[i].busy) return i;
    return -1;
}

static int submit_thread(aof_syncer *s, int fd) {
    int rc = start_thread(s);
    if (rc) return rc;
    pthread_mutex_lock(&s->mu);
    s->job_fd = fd;
    s->job_done = 0;
    s->job_ready = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

int aof_syncer_submit(aof_syncer *s, int slot, int fd, const aof_sync_req *req) {
    if (slot < 0 || slot >= AOF_SYNC_SLOTS || s->slot[slot].busy) return -EBUSY;
    aof_sync_slot *sl = &s->slot[slot];
    if (s->mode == AOF_SYNC_AIO) {
        struct iocb *cbs[1] = {&sl->cb};
        io_prep_fdsync(&sl->cb, fd);
        io_set_eventfd(&sl->cb, s->efd);
        sl->cb.data = sl;
        int rc = io_submit(s->ctx, 1, cbs);
        if (rc == 1) {
            sl->busy = 1;
            sl->req = *req;
            s->inflight++;
            return 0;
        }
        if (rc == -EAGAIN || s->inflight > 0) return rc == -EAGAIN ? rc : -EBUSY;
        /* Invariant (3): the kernel cannot do it here, for good. */
        log_msg(LOG_WARNING,
                "AOF: the kernel refused an asynchronous fdatasync (io_submit: %s): fsyncs run in a background "
                "thread from now on",
                strerror(rc < 0 ? -rc : EIO));
        s->mode = AOF_SYNC_THREAD;
        slot = 0;
        sl = &s->slot[0];
    }
    if (slot != 0) return -EBUSY;
    int rc = submit_thread(s, fd);
    if (rc) return rc;
    sl->busy = 1;
    sl->req = *req;
    s->inflight++;
    return 0;
}

static int reap_aio(aof_syncer *s, int *result, aof_sync_req *req, int block) {
    struct io_event ev;
    struct timespec zero = {0, 0};
    int n;
    do n = io_getevents(s->ctx, block ? 1 : 0, 1, &ev, block ? NULL : &zero);
    while (n == -EINTR);
    if (n <= 0) {
        if (n < 0) log_msg(LOG_WARNING, "AOF: io_getevents: %s", strerror(-n));
        return 0;
    }
    aof_sync_slot *sl = ev.data;
    long res = (long)ev.res;
    *result = res < 0 ? (int)res : 0;
    *req = sl->req;
    sl->busy = 0;
    s->inflight--;
    return 1;
}

static int reap_thread(aof_syncer *s, int *result, aof_sync_req *req, int block) {
    pthread_mutex_lock(&s->mu);
    while (block && !s->job_done) pthread_cond_wait(&s->cv, &s->mu);
    int done = s->job_done;
    if (done) {
        *result = s->job_result;
        s->job_done = 0;
    }
    pthread_mutex_unlock(&s->mu);
    if (done) {
        *req = s->slot[0].req;
        s->slot[0].busy = 0;
        s->inflight--;
    }
    return done;
}

/* The slots of the AIO mode that are busy when the mode is THREAD can only
 * be slot 0 (invariant (3)). */
static int reap(aof_syncer *s, int *result, aof_sync_req *req, int block) {
    if (s->efd < 0 || s->inflight == 0) return 0;
    return s->mode == AOF_SYNC_AIO ? reap_aio(s, result, req, block) : reap_thread(s, result, req, block);
}

int aof_syncer_reap(aof_syncer *s, int *result, aof_sync_req *req) {
    if (s->efd < 0) return 0;
    drain_eventfd(s);
    return reap(s, result, req, 0);
}

int aof_syncer_wait(aof_syncer *s, int *result, aof_sync_req *req) {
    int rc = reap(s, result, req, 1);
    if (s->efd >= 0) drain_eventfd(s);
    return rc;
}

const char *aof_syncer_mode_name(const aof_syncer *s) {
    if (s->efd < 0) return "none";
    return s->mode == AOF_SYNC_AIO ? "aio" : "thread";
}
