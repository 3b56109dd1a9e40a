/*
 * tests/unit/test_loop.c — net/loop: fd events over pipes and socketpairs,
 * deletion (and fd reuse) inside callbacks, timer order, rescheduling and
 * cancellation, hooks, stop, resize.
 */
#include "net/loop.h"

#include "tests/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *str(const char *p) { return p; } /* is_str on arrays */

/* A log of what ran, one char per event. */
static char trace[256];
static void tr(char c) {
    size_t n = strlen(trace);
    if (n + 1 < sizeof(trace)) trace[n] = c, trace[n + 1] = '\0';
}

/* ------------------------------------------------------------ fd basics */

static int calls, last_fd, last_mask;
static void *last_priv;

static void on_fd(loop_t *l, int fd, void *priv, int mask) {
    calls++;
    last_fd = fd;
    last_mask = mask;
    last_priv = priv;
    tr('F');
    if (mask & LOOP_READABLE) {
        char buf[64];
        (void)!read(fd, buf, sizeof(buf));
    }
}

static void test_args(void) {
    loop_t *l = loop_create(16);
    ok(l != NULL, "loop_create");
    int p[2];
    ok(pipe(p) == 0, "pipe");
    is_int(loop_add_fd(l, 16, LOOP_READABLE, on_fd, NULL), -ERANGE, "fd == setsize refused");
    is_int(loop_add_fd(l, 1000, LOOP_READABLE, on_fd, NULL), -ERANGE, "fd > setsize refused");
    is_int(loop_add_fd(l, -1, LOOP_READABLE, on_fd, NULL), -EBADF, "negative fd refused");
    is_int(loop_add_fd(l, p[0], 0, on_fd, NULL), -EINVAL, "empty mask refused");
    is_int(loop_add_fd(l, 15, LOOP_READABLE, on_fd, NULL), -EBADF, "closed fd: epoll's error");
    is_int(loop_fd_mask(l, 15), LOOP_NONE, "failed add leaves no mask");
    is_int(loop_fd_mask(l, 99), LOOP_NONE, "mask of out-of-range fd");
    is_int(loop_setsize(l), 16, "setsize");
    loop_del_fd(l, 99, LOOP_READABLE); /* ignored */
    loop_del_fd(l, p[0], LOOP_READABLE); /* unknown: ignored */
    is_int(loop_process(l, LOOP_DONT_WAIT), 0, "nothing to do");
    close(p[0]);
    close(p[1]);
    loop_destroy(l);
    loop_destroy(NULL);
    errno = 0;
    ok(loop_create(0) == NULL && errno == EINVAL, "setsize 0 refused");
}

static void test_fd_events(void) {
    loop_t *l = loop_create(64);
    int sv[2];
    ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    int tag;
    is_int(loop_add_fd(l, sv[0], LOOP_READABLE, on_fd, &tag), 0, "add readable");
    is_int(loop_fd_mask(l, sv[0]), LOOP_READABLE, "mask readable");
    calls = 0;
    is_int(loop_process(l, LOOP_DONT_WAIT), 0, "not readable yet");
    is_int(calls, 0, "no callback");
    ok(write(sv[1], "x", 1) == 1, "write");
    is_int(loop_process(l, LOOP_DONT_WAIT), 1, "one event");
    ok(calls == 1 && last_fd == sv[0] && last_mask == LOOP_READABLE && last_priv == &tag,
       "callback got fd, mask and priv");

    /* OR-ing a mask keeps one callback; the latest fn/priv win. */
    int tag2;
    is_int(loop_add_fd(l, sv[0], LOOP_WRITABLE, on_fd, &tag2), 0, "add writable");
    is_int(loop_fd_mask(l, sv[0]), LOOP_READABLE | LOOP_WRITABLE, "mask OR-ed");
    calls = 0;
    is_int(loop_process(l, LOOP_DONT_WAIT), 1, "writable fires once");
    ok(calls == 1 && last_mask == LOOP_WRITABLE && last_priv == &tag2, "writable, new priv");
    ok(write(sv[1], "y", 1) == 1, "write");
    calls = 0;
    loop_process(l, LOOP_DONT_WAIT);
    ok(calls == 1 && last_mask == (LOOP_READABLE | LOOP_WRITABLE), "both in one call");
    loop_del_fd(l, sv[0], LOOP_WRITABLE);
    is_int(loop_fd_mask(l, sv[0]), LOOP_READABLE, "writable removed");
    calls = 0;
    is_int(loop_process(l, LOOP_DONT_WAIT), 0, "no writable callback after removal");
    is_int(loop_add_fd(l, sv[0], LOOP_READABLE, on_fd, &tag), 0, "re-adding a watched mask");
    loop_del_fd(l, sv[0], LOOP_READABLE | LOOP_WRITABLE);
    is_int(loop_fd_mask(l, sv[0]), LOOP_NONE, "fd forgotten");
    ok(write(sv[1], "z", 1) == 1, "write");
    is_int(loop_process(l, LOOP_DONT_WAIT), 0, "no callback after del");

    /* Hangup: the peer closes, the reader sees READABLE. */
    loop_add_fd(l, sv[0], LOOP_READABLE, on_fd, NULL);
    close(sv[1]);
    calls = 0;
    loop_process(l, LOOP_DONT_WAIT);
    ok(calls == 1 && (last_mask & LOOP_READABLE), "hangup reported as readable");
    loop_del_fd(l, sv[0], LOOP_READABLE);
    close(sv[0]);

    /* An fd closed without loop_del_fd, its number reused: re-add works. */
    int p[2], q[2];
    ok(pipe(p) == 0, "pipe");
    loop_add_fd(l, p[0], LOOP_READABLE, on_fd, NULL);
    int num = p[0];
    close(p[0]);
    ok(pipe(q) == 0, "pipe");
    if (q[0] != num) {
        dup2(q[0], num);
        close(q[0]);
        q[0] = num;
    }
    is_int(loop_add_fd(l, q[0], LOOP_READABLE, on_fd, NULL), 0, "re-add a reused fd number");
    ok(write(q[1], "a", 1) == 1, "write");
    calls = 0;
    loop_process(l, LOOP_DONT_WAIT);
    ok(calls == 1 && last_fd == num, "reused fd number fires");
    loop_del_fd(l, q[0], LOOP_READABLE);
    close(q[0]);
    close(q[1]);
    close(p[1]);
    loop_destroy(l);
}

/* --------------------------------------- separate read/write handlers */

static int rw_kill; /* 1: read handler deletes the fd, 2: deletes WRITABLE */
static void on_r(loop_t *l, int fd, void *priv, int mask) {
    char buf[16];
    (void)!read(fd, buf, sizeof(buf));
    tr(mask == LOOP_READABLE ? 'R' : '?');
    if (rw_kill == 1) loop_del_fd(l, fd, LOOP_READABLE | LOOP_WRITABLE);
    if (rw_kill == 2) loop_del_fd(l, fd, LOOP_WRITABLE);
}
static void on_w(loop_t *l, int fd, void *priv, int mask) { tr(mask == LOOP_WRITABLE ? 'W' : '?'); }

static void test_two_handlers(void) {
    loop_t *l = loop_create(64);
    int sv[2];
    ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    loop_add_fd(l, sv[0], LOOP_READABLE, on_r, NULL);
    loop_add_fd(l, sv[0], LOOP_WRITABLE, on_w, NULL);
    ok(write(sv[1], "x", 1) == 1, "write");
    trace[0] = '\0';
    rw_kill = 0;
    is_int(loop_process(l, LOOP_DONT_WAIT), 2, "two handlers: two calls");
    is_str(str(trace), "RW", "read handler first, each with its own event");
    trace[0] = '\0';
    loop_process(l, LOOP_DONT_WAIT);
    is_str(str(trace), "W", "only writable now: write handler");

    ok(write(sv[1], "x", 1) == 1, "write");
    trace[0] = '\0';
    rw_kill = 2;
    is_int(loop_process(l, LOOP_DONT_WAIT), 1, "read handler removes WRITABLE");
    is_str(str(trace), "R", "write handler not called");
    loop_add_fd(l, sv[0], LOOP_WRITABLE, on_w, NULL);
    ok(write(sv[1], "x", 1) == 1, "write");
    trace[0] = '\0';
    rw_kill = 1;
    loop_process(l, LOOP_DONT_WAIT);
    is_str(str(trace), "R", "read handler deletes the fd: write handler not called");
    is_int(loop_fd_mask(l, sv[0]), LOOP_NONE, "fd gone");

    /* Removing READABLE keeps the write handler. */
    loop_add_fd(l, sv[0], LOOP_READABLE, on_r, NULL);
    loop_add_fd(l, sv[0], LOOP_WRITABLE, on_w, NULL);
    loop_del_fd(l, sv[0], LOOP_READABLE);
    ok(write(sv[1], "x", 1) == 1, "write");
    trace[0] = '\0';
    rw_kill = 0;
    loop_process(l, LOOP_DONT_WAIT);
    is_str(str(trace), "W", "READABLE removed: data ignored, write handler kept");
    /* Re-adding READABLE with the write handler's function: one call, both bits. */
    loop_add_fd(l, sv[0], LOOP_READABLE, on_fd, NULL);
    loop_add_fd(l, sv[0], LOOP_WRITABLE, on_fd, NULL);
    calls = 0;
    loop_process(l, LOOP_DONT_WAIT);
    ok(calls == 1 && last_mask == (LOOP_READABLE | LOOP_WRITABLE), "same function again: one call");
    is_int(loop_add_fd(l, sv[0], LOOP_READABLE, NULL, NULL), -EINVAL, "NULL fn refused");
    loop_del_fd(l, sv[0], LOOP_READABLE | LOOP_WRITABLE);
    close(sv[0]);
    close(sv[1]);
    loop_destroy(l);
}

/* ---------------------------------------- deletion inside the callbacks */

#define NPAIR 8
static int pr[NPAIR][2];
static int fired[NPAIR];
static int reused_calls;

static void on_reused(loop_t *l, int fd, void *priv, int mask) { reused_calls++; }

/* The first pair to fire deletes and closes every other read end, and puts
 * fresh empty pipes at the same fd numbers: no stale event may reach them. */
static void on_killer(loop_t *l, int fd, void *priv, int mask) {
    int me = (int)(long)priv;
    fired[me]++;
    for (int i = 0; i < NPAIR; i++) {
        if (i == me || pr[i][0] < 0) continue;
        int num = pr[i][0];
        loop_del_fd(l, num, LOOP_READABLE);
        close(num);
        close(pr[i][1]);
        int np[2];
        if (pipe(np) == 0) {
            if (np[0] != num) {
                dup2(np[0], num);
                close(np[0]);
            }
            pr[i][0] = num;
            pr[i][1] = np[1];
            loop_add_fd(l, num, LOOP_READABLE, on_reused, NULL);
        }
    }
    /* and itself */
    loop_del_fd(l, fd, LOOP_READABLE);
}

static void on_self_close(loop_t *l, int fd, void *priv, int mask) {
    fired[0]++;
    loop_del_fd(l, fd, LOOP_READABLE | LOOP_WRITABLE);
    close(fd);
}

static void test_delete_in_callback(void) {
    loop_t *l = loop_create(128);
    for (int i = 0; i < NPAIR; i++) {
        if (pipe(pr[i]) != 0) pr[i][0] = -1;
        loop_add_fd(l, pr[i][0], LOOP_READABLE, on_killer, (void *)(long)i);
        fired[i] = 0;
        ok(write(pr[i][1], "x", 1) == 1, "pipe %d ready", i);
    }
    reused_calls = 0;
    int n = loop_process(l, LOOP_DONT_WAIT);
    int total = 0;
    for (int i = 0; i < NPAIR; i++) total += fired[i];
    is_int(total, 1, "only the first callback ran; the deleted fds got nothing");
    is_int(n, 1, "one callback counted");
    is_int(reused_calls, 0, "fds re-registered under the same numbers got no stale event");
    is_int(loop_process(l, LOOP_DONT_WAIT), 0, "the new empty pipes stay quiet");
    for (int i = 0; i < NPAIR; i++) {
        loop_del_fd(l, pr[i][0], LOOP_READABLE);
        close(pr[i][0]);
        close(pr[i][1]);
    }

    /* A callback that closes its own fd, both events ready. */
    int sv[2];
    ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    ok(write(sv[1], "x", 1) == 1, "write");
    loop_add_fd(l, sv[0], LOOP_READABLE | LOOP_WRITABLE, on_self_close, NULL);
    fired[0] = 0;
    loop_process(l, LOOP_DONT_WAIT);
    loop_process(l, LOOP_DONT_WAIT);
    is_int(fired[0], 1, "self-closing callback ran once");
    is_int(loop_fd_mask(l, sv[0]), LOOP_NONE, "and is forgotten");
    close(sv[1]);
    loop_destroy(l);
}

/* ------------------------------------------------------------ timers */

static char order[64];
static long long stamp[8];

static long long on_mark(loop_t *l, long long id, void *priv) {
    size_t n = strlen(order);
    order[n] = (char)(long)priv;
    order[n + 1] = '\0';
    return LOOP_NOMORE;
}

static long long on_stop(loop_t *l, long long id, void *priv) {
    loop_stop(l);
    return LOOP_NOMORE;
}

static int resched_calls;
static long long on_resched(loop_t *l, long long id, void *priv) {
    stamp[resched_calls++] = mono_ms();
    return resched_calls < 4 ? 5 : LOOP_NOMORE;
}

static long long victim_id;
static long long on_kill_victim(loop_t *l, long long id, void *priv) {
    tr('K');
    is_int(loop_del_timer(l, victim_id), 0, "delete a due timer from another timer");
    return LOOP_NOMORE;
}
static long long on_victim(loop_t *l, long long id, void *priv) {
    tr('V');
    return LOOP_NOMORE;
}

static long long on_self_del(loop_t *l, long long id, void *priv) {
    resched_calls++;
    is_int(loop_del_timer(l, id), 0, "timer deletes itself");
    is_int(loop_del_timer(l, id), -ENOENT, "second delete: ENOENT");
    return 10; /* ignored: deleted */
}

static int zero_calls;
static long long on_zero(loop_t *l, long long id, void *priv) {
    zero_calls++;
    return 0;
}

static long long on_add_zero(loop_t *l, long long id, void *priv) {
    tr('a');
    loop_add_timer(l, 0, on_victim, NULL);
    return LOOP_NOMORE;
}

static void test_timers(void) {
    loop_t *l = loop_create(16);
    order[0] = '\0';
    loop_add_timer(l, 30, on_mark, (void *)'c');
    loop_add_timer(l, 10, on_mark, (void *)'a');
    loop_add_timer(l, 20, on_mark, (void *)'b');
    loop_add_timer(l, 0, on_mark, (void *)'0');
    loop_add_timer(l, -5, on_mark, (void *)'1');
    loop_add_timer(l, 0, on_mark, (void *)'2');
    loop_add_timer(l, 40, on_stop, NULL);
    long long t0 = mono_ms();
    is_int(loop_run(l), 0, "loop_run returns 0 after stop");
    long long dt = mono_ms() - t0;
    is_str(str(order), "012abc", "timers fire by deadline, ties by creation");
    ok(dt >= 40 && dt < 1000, "loop_run slept until the last timer (%lld ms)", dt);

    resched_calls = 0;
    loop_add_timer(l, 0, on_resched, NULL);
    loop_add_timer(l, 100, on_stop, NULL);
    loop_run(l);
    is_int(resched_calls, 4, "rescheduled 3 times then NOMORE");
    ok(stamp[1] - stamp[0] >= 5 && stamp[3] - stamp[2] >= 5, "rescheduled after >= 5 ms");

    /* Deleting a due timer from an earlier one of the same iteration. */
    trace[0] = '\0';
    loop_add_timer(l, 0, on_kill_victim, NULL);
    victim_id = loop_add_timer(l, 0, on_victim, NULL);
    usleep(1000);
    is_int(loop_process(l, LOOP_DONT_WAIT), 1, "only the killer ran");
    is_str(str(trace), "K", "victim never ran");
    is_int(loop_del_timer(l, victim_id), -ENOENT, "victim is gone");
    is_int(loop_del_timer(l, 12345), -ENOENT, "unknown id");

    resched_calls = 0;
    loop_add_timer(l, 0, on_self_del, NULL);
    usleep(1000);
    loop_process(l, LOOP_DONT_WAIT);
    usleep(20000);
    loop_process(l, LOOP_DONT_WAIT);
    is_int(resched_calls, 1, "self-deleted timer not rescheduled");

    /* A timer returning 0 runs once per iteration, never starves the loop;
     * a timer added during the run waits for the next iteration. */
    zero_calls = 0;
    long long zid = loop_add_timer(l, 0, on_zero, NULL);
    usleep(1000);
    loop_process(l, LOOP_DONT_WAIT);
    is_int(zero_calls, 1, "0-delay timer: one call per iteration");
    usleep(1000);
    loop_process(l, LOOP_DONT_WAIT);
    is_int(zero_calls, 2, "and again the next one");
    is_int(loop_del_timer(l, zid), 0, "delete it");
    trace[0] = '\0';
    loop_add_timer(l, 0, on_add_zero, NULL);
    usleep(1000);
    loop_process(l, LOOP_DONT_WAIT);
    is_str(str(trace), "a", "timer added by a timer does not run in the same pass");
    usleep(1000);
    loop_process(l, LOOP_DONT_WAIT);
    is_str(str(trace), "aV", "it runs in the next");

    /* Blocking wait honours the nearest timer. */
    loop_add_timer(l, 50, on_mark, (void *)'z');
    t0 = mono_ms();
    int n = loop_process(l, 0);
    dt = mono_ms() - t0;
    ok(n == 1 && dt >= 50 && dt < 1000, "blocked about 50 ms for the timer (%lld ms, n=%d)", dt, n);

    /* LOOP_NO_TIMERS leaves them alone. */
    loop_add_timer(l, 0, on_mark, (void *)'q');
    usleep(1000);
    is_int(loop_process(l, LOOP_DONT_WAIT | LOOP_NO_TIMERS), 0, "NO_TIMERS skips timers");
    is_int(loop_process(l, LOOP_DONT_WAIT), 1, "runs later");

    /* Many timers: heap order. */
    order[0] = '\0';
    static const char *const seq = "kfhadjbgcie";
    for (int i = 0; seq[i]; i++) loop_add_timer(l, (seq[i] - 'a') * 2, on_mark, (void *)(long)seq[i]);
    loop_add_timer(l, 30, on_stop, NULL);
    loop_run(l);
    is_str(str(order), "abcdefghijk", "heap order over 11 timers");

    /* Destroy with pending timers: no leak, nothing called. */
    loop_add_timer(l, 100000, on_mark, (void *)'x');
    loop_destroy(l);
}

/* ------------------------------------------------------------ hooks */

static int hook_loop_check;
static void before(loop_t *l, void *priv) {
    tr('B');
    hook_loop_check += priv == &hook_loop_check;
}
static void after(loop_t *l, void *priv) { tr('A'); }
static long long on_t(loop_t *l, long long id, void *priv) {
    tr('T');
    return LOOP_NOMORE;
}

static void test_hooks(void) {
    loop_t *l = loop_create(16);
    int p[2];
    ok(pipe(p) == 0, "pipe");
    loop_set_before_sleep(l, before, &hook_loop_check);
    loop_set_after_sleep(l, after, NULL);
    loop_add_fd(l, p[0], LOOP_READABLE, on_fd, NULL);
    ok(write(p[1], "x", 1) == 1, "write");
    loop_add_timer(l, 0, on_t, NULL);
    usleep(1000);
    trace[0] = '\0';
    hook_loop_check = 0;
    is_int(loop_process(l, 0), 2, "fd and timer in one iteration");
    is_str(str(trace), "BAFT", "before_sleep, wait, after_sleep, fd, timer");
    is_int(hook_loop_check, 1, "before_sleep got its priv");
    trace[0] = '\0';
    loop_process(l, LOOP_DONT_WAIT | LOOP_NO_HOOKS);
    is_str(str(trace), "", "NO_HOOKS");
    loop_set_dont_wait(l, 1);
    long long t0 = mono_ms();
    loop_process(l, 0);
    ok(mono_ms() - t0 < 500, "dont_wait: no blocking with nothing to do");
    is_str(str(trace), "BA", "hooks still run");
    loop_set_dont_wait(l, 0);
    loop_set_before_sleep(l, NULL, NULL);
    loop_set_after_sleep(l, NULL, NULL);
    trace[0] = '\0';
    loop_process(l, LOOP_DONT_WAIT);
    is_str(str(trace), "", "hooks removed");
    loop_del_fd(l, p[0], LOOP_READABLE);
    close(p[0]);
    close(p[1]);
    loop_destroy(l);
}

/* ------------------------------------------------------------ resize */

static int resize_calls;
static void on_grow(loop_t *l, int fd, void *priv, int mask) {
    char c;
    (void)!read(fd, &c, 1);
    resize_calls++;
    if (resize_calls == 1) is_int(loop_resize(l, 4096), 0, "grow from inside a callback");
}

static void test_resize(void) {
    int p[2];
    ok(pipe(p) == 0, "pipe");
    int hi = p[0] > p[1] ? p[0] : p[1];
    loop_t *l = loop_create(hi + 1);
    is_int(loop_add_fd(l, hi, LOOP_READABLE | LOOP_WRITABLE, on_fd, NULL), 0, "add highest fd");
    is_int(loop_resize(l, hi), -EBUSY, "cannot shrink below a registered fd");
    is_int(loop_resize(l, 0), -EINVAL, "setsize 0");
    loop_del_fd(l, hi, LOOP_READABLE | LOOP_WRITABLE);
    is_int(loop_resize(l, hi), 0, "shrink once it is gone");
    is_int(loop_add_fd(l, hi, LOOP_READABLE, on_fd, NULL), -ERANGE, "now out of range");
    is_int(loop_resize(l, 1024), 0, "grow");
    is_int(loop_setsize(l), 1024, "new setsize");
    is_int(loop_add_fd(l, hi, LOOP_READABLE, on_fd, NULL), 0, "fits again");
    loop_del_fd(l, hi, LOOP_READABLE);
    close(p[0]);
    close(p[1]);

    /* Grow while a batch of ready fds is being dispatched. */
    int q[6][2];
    for (int i = 0; i < 6; i++) {
        ok(pipe(q[i]) == 0 && write(q[i][1], "x", 1) == 1, "ready pipe %d", i);
        loop_add_fd(l, q[i][0], LOOP_READABLE, on_grow, NULL);
    }
    resize_calls = 0;
    is_int(loop_process(l, LOOP_DONT_WAIT), 6, "all six ran");
    is_int(resize_calls, 6, "callbacks after the resize still ran");
    for (int i = 0; i < 6; i++) {
        loop_del_fd(l, q[i][0], LOOP_READABLE);
        close(q[i][0]);
        close(q[i][1]);
    }
    loop_destroy(l);
}

/* ------------------------------------------------------ stop from fd cb */

static void on_stop_fd(loop_t *l, int fd, void *priv, int mask) {
    char c;
    (void)!read(fd, &c, 1);
    (*(int *)priv)++;
    loop_stop(l);
}

static void test_stop(void) {
    loop_t *l = loop_create(64);
    int p[2], n = 0;
    ok(pipe(p) == 0, "pipe");
    loop_add_fd(l, p[0], LOOP_READABLE, on_stop_fd, &n);
    ok(write(p[1], "xy", 2) == 2, "write");
    is_int(loop_run(l), 0, "run until stopped by an fd callback");
    is_int(n, 1, "stopped after one callback");
    is_int(loop_run(l), 0, "run again (stop flag reset)");
    is_int(n, 2, "second run");
    loop_del_fd(l, p[0], LOOP_READABLE);
    close(p[0]);
    close(p[1]);
    loop_destroy(l);
}

/* ------------------------------------------------------------ nesting */

static long long outer_id;
static int nest_pipe[2], fd_reads, outer_calls, inner_calls;

static void on_nested_fd(loop_t *l, int fd, void *priv, int mask) {
    char c;
    if (read(fd, &c, 1) == 1) fd_reads++;
}

static long long on_inner(loop_t *l, long long id, void *priv) {
    inner_calls++;
    is_int(loop_del_timer(l, outer_id), 0, "inner timer deletes the running outer one");
    return LOOP_NOMORE;
}

static long long on_outer(loop_t *l, long long id, void *priv) {
    outer_calls++;
    loop_add_fd(l, nest_pipe[0], LOOP_READABLE, on_nested_fd, NULL);
    loop_add_timer(l, 0, on_inner, NULL);
    usleep(2000);
    is_int(loop_process(l, LOOP_DONT_WAIT), 2, "nested loop_process: the ready fd and the due timer");
    return 5; /* ignored: deleted by the inner timer */
}

static int nested_done, nest_calls;
static void on_nest_from_fd(loop_t *l, int fd, void *priv, int mask) {
    char c;
    nest_calls++;
    if (read(fd, &c, 1) == 1) fd_reads++;
    if (!nested_done++) loop_process(l, LOOP_DONT_WAIT);
}

static void test_nested(void) {
    loop_t *l = loop_create(64);
    ok(pipe2(nest_pipe, O_NONBLOCK) == 0 && write(nest_pipe[1], "x", 1) == 1, "pipe with data");
    outer_id = loop_add_timer(l, 0, on_outer, NULL);
    usleep(1000);
    loop_process(l, LOOP_DONT_WAIT);
    ok(outer_calls == 1 && inner_calls == 1 && fd_reads == 1, "outer timer, nested fd and timer ran");
    is_int(loop_del_timer(l, outer_id), -ENOENT, "outer timer was not re-armed");
    loop_del_fd(l, nest_pipe[0], LOOP_READABLE);

    /* Nested from an fd callback in the middle of a batch of 3. */
    int p[3][2];
    fd_reads = nest_calls = nested_done = 0;
    for (int i = 0; i < 3; i++) {
        ok(pipe2(p[i], O_NONBLOCK) == 0 && write(p[i][1], "x", 1) == 1, "ready pipe %d", i);
        loop_add_fd(l, p[i][0], LOOP_READABLE, on_nest_from_fd, NULL);
    }
    loop_process(l, LOOP_DONT_WAIT);
    is_int(fd_reads, 3, "every byte read once");
    is_int(nest_calls, 5, "outer 3 + nested 2 (stale outer events only see EAGAIN)");
    is_int(loop_process(l, LOOP_DONT_WAIT), 0, "all quiet after");
    for (int i = 0; i < 3; i++) {
        loop_del_fd(l, p[i][0], LOOP_READABLE);
        close(p[i][0]);
        close(p[i][1]);
    }
    close(nest_pipe[0]);
    close(nest_pipe[1]);
    loop_destroy(l);
}

int main(void) {
    test_args();
    test_fd_events();
    test_two_handlers();
    test_delete_in_callback();
    test_timers();
    test_hooks();
    test_resize();
    test_stop();
    test_nested();
    return done_testing();
}
