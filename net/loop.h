/*
 * net/loop.h — the single-threaded epoll event loop.
 *
 * One loop_t drives the server: file events (callbacks fired when an fd is
 * readable and/or writable), timers (one-shot or repeating, on the
 * monotonic clock) and two hooks around the sleep in epoll_wait.
 *
 * One iteration (loop_process):
 *   1. before_sleep hook (may add timers, fds, or ask for a non-blocking poll)
 *   2. epoll_wait, blocking until the nearest timer at most
 *   3. after_sleep hook
 *   4. file callbacks for the ready fds (per fd: readable, then writable)
 *   5. due timers, earliest first (ties: creation order)
 *
 * Safety inside callbacks: any callback may add or delete fds and timers,
 * close fds, resize the loop or stop it.  A deleted fd never gets a stale
 * callback later in the same iteration, even if its number is reused by a new
 * fd registered meanwhile.  A timer deleted by an earlier callback of the same
 * iteration does not fire; timers added (or rescheduled) during an iteration
 * fire in a later one.  Destroying the loop from a callback is not allowed.
 *
 * Nesting: a callback may call loop_process itself (e.g. to keep serving
 * clients during a long load).  The nested call runs hooks, fds and due
 * timers as usual; it may fire the very fd whose callback is running in
 * the outer call (the caller guards against that, as Redis's protectClient
 * does), never the running timer.  The outer batch is not disturbed (its
 * events may fire once more: level-triggered, handle EAGAIN).
 *
 * Ownership: the loop never owns `priv` pointers nor the fds; deleting an fd
 * or timer only forgets it (the caller frees priv and closes the fd).
 * Not thread-safe: call everything from the loop's thread.
 */
#ifndef STRATA_LOOP_H
#define STRATA_LOOP_H

typedef struct loop loop_t;

#define LOOP_NONE 0
#define LOOP_READABLE 1
#define LOOP_WRITABLE 2

/* loop_process flags */
#define LOOP_DONT_WAIT 1 /* poll without blocking */
#define LOOP_NO_TIMERS 2 /* do not run timers this iteration */
#define LOOP_NO_HOOKS 4  /* do not call before_sleep / after_sleep */

#define LOOP_NOMORE (-1LL) /* timer callback return: delete the timer */

/* mask: the events this call is for (never 0): the callback's own event,
 * or both when one function handles both.  An error or hangup on the fd is
 * reported as all watched events. */
typedef void loop_fd_fn(loop_t *l, int fd, void *priv, int mask);
/* Returns the delay in ms until the next call (>= 0), or LOOP_NOMORE. */
typedef long long loop_timer_fn(loop_t *l, long long id, void *priv);
typedef void loop_hook_fn(loop_t *l, void *priv);

/* A loop accepting fds 0..setsize-1 (setsize >= 1).  Returns NULL with
 * errno set if epoll_create1 fails.  Free with loop_destroy (NULL ok), which
 * forgets all fds and timers without calling anything. */
loop_t *loop_create(int setsize);
void loop_destroy(loop_t *l);

/* Fds 0..setsize-1 are accepted.  Growing always works; shrinking returns
 * -EBUSY if a registered fd would not fit.  0 on success. */
int loop_resize(loop_t *l, int setsize);
int loop_setsize(const loop_t *l);

/* Watch `mask` (LOOP_READABLE|LOOP_WRITABLE) on fd, OR-ed with what is
 * already watched; fn becomes the callback of the events in `mask` (the
 * other event keeps its own), priv (one per fd) replaces the stored one.
 * With one function for both events, a ready fd gets one call with both
 * bits; with two (a read handler and a write handler, as in Redis), the
 * readable one runs first, and the writable one only if the fd is still
 * watched for it.  Returns 0, -ERANGE if fd >= setsize, -EBADF if fd < 0,
 * -EINVAL for an empty mask or NULL fn, or -errno from epoll_ctl (state
 * unchanged). */
int loop_add_fd(loop_t *l, int fd, int mask, loop_fd_fn *fn, void *priv);
/* Stop watching `mask` on fd; when nothing is left the fd is forgotten.
 * Unknown fds are ignored; fine to call after close(fd). */
void loop_del_fd(loop_t *l, int fd, int mask);
/* The watched mask of fd (LOOP_NONE if unknown). */
int loop_fd_mask(const loop_t *l, int fd);

/* Call fn(l, id, priv) in `ms` milliseconds (< 0 counts as 0).  Returns the
 * timer id (>= 1, never reused).  Timers are kept in a binary heap. */
long long loop_add_timer(loop_t *l, long long ms, loop_timer_fn *fn, void *priv);
/* Cancel a timer (also from its own callback).  0, or -ENOENT. */
int loop_del_timer(loop_t *l, long long id);

/* Hooks (fn NULL to remove).  before_sleep runs before each epoll_wait,
 * after_sleep right after it returns. */
void loop_set_before_sleep(loop_t *l, loop_hook_fn *fn, void *priv);
void loop_set_after_sleep(loop_t *l, loop_hook_fn *fn, void *priv);
/* While on, every iteration polls without blocking (for work queued in
 * user space, e.g. clients with buffered commands). */
void loop_set_dont_wait(loop_t *l, int on);

/* One iteration (see above).  Returns the number of fd callbacks plus timer
 * callbacks run, or -errno if epoll_wait failed (EINTR is not a failure). */
int loop_process(loop_t *l, int flags);
/* Iterate until loop_stop.  Returns 0 after a stop, -errno on an epoll
 * failure. */
int loop_run(loop_t *l);
/* Make loop_run return after the current iteration. */
void loop_stop(loop_t *l);

#endif
