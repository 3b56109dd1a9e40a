/*
 * engine/log.c — Redis-format log lines (see log.h for the format).
 *
 * State: one descriptor (log_fd), the minimum level, the role char, and a
 * copy of the path for log_reopen().  Invariants:
 *   (1) log_fd is always writable: stderr before log_init() and after a
 *       failed open, stdout for an empty path, else the file.
 *   (2) a line is formatted into one buffer and written with one write(2)
 *       (O_APPEND for files), so concurrent writers (a fork child, the fsync
 *       fallback thread) never interleave inside a line.
 *   (3) log_reopen() swaps the file under the same descriptor number with
 *       dup2(), so a writer racing with it writes to the old or the new
 *       file, never to a closed descriptor.
 * Messages longer than LOG_MAX_LINE are truncated (with "...").
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_MAX_LINE 8192
#define LOG_PATH_MAX 4096

static _Atomic int log_level = LOG_NOTICE;
static _Atomic int log_fd = STDERR_FILENO;
static _Atomic char log_role = 'M';
static char log_path[LOG_PATH_MAX]; /* "" = stdout */

static const char level_chars[] = ".-*#";
static const char *const level_names[] = {"debug", "verbose", "notice", "warning", "nothing"};

static int open_log_file(const char *path) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    return fd < 0 ? -errno : fd;
}

int log_init(int level, const char *path, char role) {
    log_set_level(level);
    log_role = role ? role : 'M';
    log_close();
    if (!path || !path[0]) {
        log_path[0] = '\0';
        log_fd = STDOUT_FILENO;
        return 0;
    }
    snprintf(log_path, sizeof(log_path), "%s", path);
    int fd = open_log_file(log_path);
    if (fd < 0) {
        log_path[0] = '\0';
        return fd;
    }
    log_fd = fd;
    return 0;
}

int log_reopen(void) {
    if (!log_path[0]) return 0;
    int fd = open_log_file(log_path);
    if (fd < 0) return fd;
    int cur = log_fd;
    if (cur > STDERR_FILENO) {
        int rc = dup2(fd, cur) < 0 ? -errno : 0;
        close(fd);
        return rc;
    }
    log_fd = fd;
    return 0;
}

void log_close(void) {
    int cur = log_fd;
    log_fd = STDERR_FILENO;
    if (cur > STDERR_FILENO) close(cur);
}

void log_set_level(int level) {
    if (level < LOG_DEBUG) level = LOG_DEBUG;
    if (level > LOG_NOTHING) level = LOG_NOTHING;
    log_level = level;
}

int log_get_level(void) { return log_level; }

void log_set_role(char role) { log_role = role; }

int log_enabled(int level) { return level >= log_level; }

int log_level_from_name(const char *name) {
    for (int i = LOG_DEBUG; i <= LOG_NOTHING; i++)
        if (name && strcasecmp(name, level_names[i]) == 0) return i;
    return -1;
}

const char *log_level_name(int level) {
    return level >= LOG_DEBUG && level <= LOG_NOTHING ? level_names[level] : "unknown";
}

/* Write all of buf; retry on EINTR and short writes.  Errors are dropped:
 * there is nowhere left to report a failing log. */
static void write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* "12345:M 22 Nov 2026 04:15:01.123 * " into buf; returns its length. */
static size_t format_prefix(char *buf, size_t size, int level) {
    struct timeval tv;
    struct tm tm;
    char date[64];
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(date, sizeof(date), "%d %b %Y %H:%M:%S", &tm);
    date[n] = '\0';
    int len = snprintf(buf, size, "%d:%c %s.%03d %c ", (int)getpid(), (char)log_role, date,
                       (int)(tv.tv_usec / 1000), level_chars[level]);
    return len < 0 ? 0 : (size_t)len;
}

static void emit(int level, const char *text, size_t tlen, int prefix) {
    char line[LOG_MAX_LINE];
    size_t n = prefix ? format_prefix(line, sizeof(line), level) : 0;
    size_t room = sizeof(line) - n - 1; /* keep one byte for '\n' */
    if (tlen > room) {
        memcpy(line + n, text, room - 3);
        memcpy(line + n + room - 3, "...", 3);
        n += room;
    } else {
        memcpy(line + n, text, tlen);
        n += tlen;
    }
    if (n == 0 || line[n - 1] != '\n') line[n++] = '\n';
    write_all(log_fd, line, n);
}

void log_msg(int level, const char *fmt, ...) {
    if (level < LOG_DEBUG || level > LOG_WARNING || !log_enabled(level)) return;
    char msg[LOG_MAX_LINE];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (len < 0) return;
    size_t mlen = (size_t)len < sizeof(msg) ? (size_t)len : sizeof(msg) - 1;
    while (mlen > 0 && msg[mlen - 1] == '\n') mlen--;
    emit(level, msg, mlen, 1);
}

void log_raw(int level, const char *text) {
    if (level < LOG_DEBUG || level > LOG_WARNING || !log_enabled(level) || !text) return;
    write_all(log_fd, text, strlen(text));
}
