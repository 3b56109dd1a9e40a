/*
 * net/loop.c — epoll event loop (see loop.h for the contract).
 *
 * Layout:
 *   fds[setsize]     one slot per fd: watched mask, a callback per event,
 *                    priv, and the registration tag `gen`.
 *   events[ev_cap]   epoll_wait's output for the outermost loop_process;
 *                    ev_cap >= setsize and never shrinks, so a loop_resize
 *                    from a callback cannot invalidate the batch being
 *                    dispatched.  A nested loop_process (called from a
 *                    callback) polls into its own temporary array.
 *   heap[ntimers]    timers by value, a binary min-heap on (when, id).
 *
 * Invariants:
 *   (1) fds[fd].mask != 0  <=>  fd is in the epoll set (as far as we know: a
 *       caller may close an fd before deleting it; the kernel then drops it
 *       and a later ADD/MOD/DEL copes, see fd_ctl()).
 *   (2) Every new epoll registration gets a fresh tag from l->next_gen, kept
 *       in the slot and in epoll_data (fd in the low 32 bits, tag in the high
 *       32).  An event is dispatched only if its tag equals the slot's tag and
 *       the slot still watches one of the fired events: an fd deleted, closed
 *       and even re-registered by an earlier callback of the same batch never
 *       receives the old registration's event.
 *   (3) maxfd is the highest fd with a non-zero mask, or -1.
 *   (4) While timers run, every timer (re)armed gets when > timer_now (the
 *       clock read at the start of the innermost run), so one run is finite
 *       even for timers returning 0.
 *   (5) A timer being run is out of the heap; it is named by a run_frame on
 *       the C stack of run_timers (a list: runs may nest), where
 *       loop_del_timer marks it deleted so it is not re-armed.
 */
#include "net/loop.h"

#include "engine/mem.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

typedef struct fd_slot {
    int mask;
    uint32_t gen;
    loop_fd_fn *rfn, *wfn; /* NULL when the event is not watched */
    void *priv;
} fd_slot;

typedef struct timer {
    uint64_t when; /* monotonic microseconds */
    long long id;
    loop_timer_fn *fn;
    void *priv;
} timer;

typedef struct run_frame {
    long long id; /* the timer running in this frame, 0 between timers */
    int deleted;
    struct run_frame *up;
} run_frame;

struct loop {
    int epfd;
    int setsize;
    int maxfd;
    uint32_t next_gen;
    fd_slot *fds;
    struct epoll_event *events;
    int ev_cap;

    timer *heap;
    int ntimers, heap_cap;
    long long next_id;
    uint64_t timer_now; /* valid while frames != NULL */
    run_frame *frames;
    int depth;          /* loop_process nesting */

    loop_hook_fn *before, *after;
    void *before_priv, *after_priv;
    int stop;
    int dont_wait;
};

#define MAX_DELAY_MS (1000LL * 86400 * 365 * 100) /* clamp: a century */

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---------------------------------------------------------------- setup */

loop_t *loop_create(int setsize) {
    if (setsize < 1) {
        errno = EINVAL;
        return NULL;
    }
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) return NULL;
    loop_t *l = mem_calloc(sizeof(*l));
    l->epfd = epfd;
    l->setsize = setsize;
    l->maxfd = -1;
    l->fds = mem_calloc(sizeof(fd_slot) * (size_t)setsize);
    l->ev_cap = setsize;
    l->events = mem_alloc(sizeof(struct epoll_event) * (size_t)setsize);
    l->next_id = 1;
    return l;
}

void loop_destroy(loop_t *l) {
    if (!l) return;
    close(l->epfd);
    mem_free(l->fds);
    mem_free(l->events);
    mem_free(l->heap);
    mem_free(l);
}

int loop_setsize(const loop_t *l) { return l->setsize; }

int loop_resize(loop_t *l, int setsize) {
    if (setsize < 1) return -EINVAL;
    if (setsize == l->setsize) return 0;
    if (l->maxfd >= setsize) return -EBUSY;
    l->fds = mem_realloc(l->fds, sizeof(fd_slot) * (size_t)setsize);
    if (setsize > l->setsize)
        memset(l->fds + l->setsize, 0, sizeof(fd_slot) * (size_t)(setsize - l->setsize));
    if (setsize > l->ev_cap) {
        l->events = mem_realloc(l->events, sizeof(struct epoll_event) * (size_t)setsize);
        l->ev_cap = setsize;
    }
    l->setsize = setsize;
    return 0;
}

void loop_set_before_sleep(loop_t *l, loop_hook_fn *fn, void *priv) {
    l->before = fn;
    l->before_priv = priv;
}

void loop_set_after_sleep(loop_t *l, loop_hook_fn *fn, void *priv) {
    l->after = fn;
    l->after_priv = priv;
}

void loop_set_dont_wait(loop_t *l, int on) { l->dont_wait = !!on; }

void loop_stop(loop_t *l) { l->stop = 1; }

/* ------------------------------------------------------------ file events */

static uint32_t to_epoll(int mask) {
    return ((mask & LOOP_READABLE) ? EPOLLIN : 0u) | ((mask & LOOP_WRITABLE) ? EPOLLOUT : 0u);
}

/* Register fd with `mask` (ADD when it was not watched, else MOD).  An fd
 * the caller closed behind our back (ENOENT on MOD: the kernel dropped it)
 * is registered anew.  A new registration gets a new tag (invariant 2). */
static int fd_ctl(loop_t *l, int fd, int mask) {
    fd_slot *s = &l->fds[fd];
    struct epoll_event ev = {.events = to_epoll(mask)};
    uint32_t gen = s->gen;
    int op = s->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    for (;;) {
        if (op == EPOLL_CTL_ADD) gen = ++l->next_gen;
        ev.data.u64 = (uint64_t)(uint32_t)fd | ((uint64_t)gen << 32);
        if (epoll_ctl(l->epfd, op, fd, &ev) == 0) break;
        if (op == EPOLL_CTL_MOD && errno == ENOENT) {
            op = EPOLL_CTL_ADD;
            continue;
        }
        return -errno;
    }
    s->gen = gen;
    return 0;
}

int loop_add_fd(loop_t *l, int fd, int mask, loop_fd_fn *fn, void *priv) {
    if (fd < 0) return -EBADF;
    if (fd >= l->setsize) return -ERANGE;
    mask &= LOOP_READABLE | LOOP_WRITABLE;
    if (!mask || !fn) return -EINVAL;
    fd_slot *s = &l->fds[fd];
    int want = s->mask | mask;
    /* Always tell the kernel, even if the mask is unchanged: the fd may be a
     * new file under an old number that was closed without loop_del_fd. */
    int rc = fd_ctl(l, fd, want);
    if (rc < 0) return rc;
    s->mask = want;
    if (mask & LOOP_READABLE) s->rfn = fn;
    if (mask & LOOP_WRITABLE) s->wfn = fn;
    s->priv = priv;
    if (fd > l->maxfd) l->maxfd = fd;
    return 0;
}

void loop_del_fd(loop_t *l, int fd, int mask) {
    if (fd < 0 || fd >= l->setsize) return;
    fd_slot *s = &l->fds[fd];
    if (!s->mask) return;
    int left = s->mask & ~mask;
    if (left == s->mask) return;
    if (left) {
        /* Cannot fail for a live fd; for a closed one, forget it below. */
        if (fd_ctl(l, fd, left) == 0) {
            s->mask = left;
            if (!(left & LOOP_READABLE)) s->rfn = NULL;
            if (!(left & LOOP_WRITABLE)) s->wfn = NULL;
            return;
        }
    } else {
        struct epoll_event ev = {0}; /* non-NULL for pre-2.6.9 kernels */
        (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, &ev); /* EBADF if closed: fine */
    }
    s->mask = LOOP_NONE;
    s->rfn = s->wfn = NULL;
    s->priv = NULL;
    s->gen = ++l->next_gen; /* invariant 2: old events never match again */
    if (fd == l->maxfd)
        while (l->maxfd >= 0 && !l->fds[l->maxfd].mask) l->maxfd--;
}

int loop_fd_mask(const loop_t *l, int fd) {
    if (fd < 0 || fd >= l->setsize) return LOOP_NONE;
    return l->fds[fd].mask;
}

static int fired_mask(uint32_t ev) {
    int m = 0;
    if (ev & EPOLLIN) m |= LOOP_READABLE;
    if (ev & EPOLLOUT) m |= LOOP_WRITABLE;
    if (ev & (EPOLLERR | EPOLLHUP)) m |= LOOP_READABLE | LOOP_WRITABLE;
    return m;
}

/* Call the callback of `event` on fd if it fired and the registration
 * `gen` still watches it (invariant 2).  Returns the mask delivered (one
 * function for both events gets both bits in one call), 0 if not called. */
static int fire(loop_t *l, int fd, uint32_t gen, int event, int fired) {
    if (fd >= l->setsize) return 0; /* shrunk by a callback */
    fd_slot *s = &l->fds[fd];
    if (s->gen != gen || !(fired & event & s->mask)) return 0;
    loop_fd_fn *fn = event == LOOP_READABLE ? s->rfn : s->wfn;
    int m = s->rfn == s->wfn ? fired & s->mask : event;
    fn(l, fd, s->priv, m);
    return m;
}

/* Run the callbacks of the first n events of *evs: readable, then
 * writable.  *evs is re-read at every step: a callback may resize the loop
 * and move l->events (the array only grows, contents kept). */
static int dispatch_fds(loop_t *l, struct epoll_event *const *evs, int n) {
    int ran = 0;
    for (int i = 0; i < n; i++) {
        uint64_t data = (*evs)[i].data.u64;
        int fd = (int)(uint32_t)data;
        uint32_t gen = (uint32_t)(data >> 32);
        int fired = fired_mask((*evs)[i].events);
        int done = fire(l, fd, gen, LOOP_READABLE, fired);
        ran += done != 0;
        ran += fire(l, fd, gen, LOOP_WRITABLE, fired & ~done) != 0;
    }
    return ran;
}

/* ----------------------------------------------------------------- timers */

static int timer_less(const timer *a, const timer *b) {
    return a->when < b->when || (a->when == b->when && a->id < b->id);
}

static void heap_swap(timer *h, int i, int j) {
    timer t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static void sift_up(timer *h, int i) {
    while (i > 0 && timer_less(&h[i], &h[(i - 1) / 2])) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void sift_down(timer *h, int n, int i) {
    for (;;) {
        int c = 2 * i + 1;
        if (c >= n) return;
        if (c + 1 < n && timer_less(&h[c + 1], &h[c])) c++;
        if (!timer_less(&h[c], &h[i])) return;
        heap_swap(h, i, c);
        i = c;
    }
}

static void heap_push(loop_t *l, const timer *t) {
    if (l->ntimers == l->heap_cap) {
        l->heap_cap = l->heap_cap ? l->heap_cap * 2 : 8;
        l->heap = mem_realloc(l->heap, sizeof(timer) * (size_t)l->heap_cap);
    }
    l->heap[l->ntimers] = *t;
    sift_up(l->heap, l->ntimers++);
}

static void heap_remove(loop_t *l, int i) {
    l->ntimers--;
    if (i == l->ntimers) return;
    l->heap[i] = l->heap[l->ntimers];
    sift_up(l->heap, i);
    sift_down(l->heap, l->ntimers, i);
}

/* Absolute deadline `ms` from now; never inside the current timer run. */
static uint64_t deadline(const loop_t *l, long long ms) {
    if (ms < 0) ms = 0;
    if (ms > MAX_DELAY_MS) ms = MAX_DELAY_MS;
    uint64_t when = now_us() + (uint64_t)ms * 1000u;
    if (l->frames && when <= l->timer_now) when = l->timer_now + 1;
    return when;
}

long long loop_add_timer(loop_t *l, long long ms, loop_timer_fn *fn, void *priv) {
    timer t = {.when = deadline(l, ms), .id = l->next_id++, .fn = fn, .priv = priv};
    heap_push(l, &t);
    return t.id;
}

int loop_del_timer(loop_t *l, long long id) {
    for (run_frame *f = l->frames; id > 0 && f; f = f->up) {
        if (f->id != id) continue;
        if (f->deleted) return -ENOENT;
        f->deleted = 1;
        return 0;
    }
    for (int i = 0; i < l->ntimers; i++) {
        if (l->heap[i].id == id) {
            heap_remove(l, i);
            return 0;
        }
    }
    return -ENOENT;
}

/* Run every timer due at the start of the call, earliest first. */
static int run_timers(loop_t *l) {
    int ran = 0;
    run_frame f = {.up = l->frames};
    uint64_t outer_now = l->timer_now, now = now_us();
    l->frames = &f;
    l->timer_now = now; /* a nested run restores it when it returns */
    while (l->ntimers && l->heap[0].when <= now) {
        timer t = l->heap[0];
        heap_remove(l, 0);
        f.id = t.id;
        f.deleted = 0;
        long long next = t.fn(l, t.id, t.priv);
        f.id = 0;
        ran++;
        if (next >= 0 && !f.deleted) {
            t.when = deadline(l, next);
            heap_push(l, &t);
        }
    }
    l->frames = f.up;
    l->timer_now = outer_now;
    return ran;
}

/* epoll_wait timeout in ms: 0, -1 (forever) or until the nearest timer,
 * rounded up so we never wake before it is due. */
static int poll_timeout(const loop_t *l, int flags) {
    if ((flags & LOOP_DONT_WAIT) || l->dont_wait) return 0;
    if ((flags & LOOP_NO_TIMERS) || !l->ntimers) return -1;
    uint64_t now = now_us(), when = l->heap[0].when;
    if (when <= now) return 0;
    uint64_t ms = (when - now + 999) / 1000;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* ------------------------------------------------------------------- run */

int loop_process(loop_t *l, int flags) {
    if (!(flags & LOOP_NO_HOOKS) && l->before) l->before(l, l->before_priv);
    /* A nested call must not overwrite the batch its caller is dispatching. */
    struct epoll_event *mine = NULL, **evs = &l->events;
    if (l->depth > 0) {
        mine = mem_alloc(sizeof(struct epoll_event) * (size_t)l->setsize);
        evs = &mine;
    }
    int n = epoll_wait(l->epfd, *evs, l->setsize, poll_timeout(l, flags));
    int err = n < 0 ? errno : 0;
    if (n < 0) n = 0;
    if (!(flags & LOOP_NO_HOOKS) && l->after) l->after(l, l->after_priv);
    int ran = 0;
    if (!err || err == EINTR) {
        l->depth++;
        ran = dispatch_fds(l, evs, n);
        if (!(flags & LOOP_NO_TIMERS)) ran += run_timers(l);
        l->depth--;
    }
    mem_free(mine);
    return err && err != EINTR ? -err : ran;
}

int loop_run(loop_t *l) {
    l->stop = 0;
    while (!l->stop) {
        int rc = loop_process(l, 0);
        if (rc < 0) return rc;
    }
    return 0;
}
