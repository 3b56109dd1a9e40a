/*
 * engine/log.h — the server log, in Redis's line format:
 *
 *     <pid>:<role> <dd Mon YYYY HH:MM:SS.mmm> <level char> <message>
 *     12345:M 22 Nov 2026 04:15:01.123 * Ready to accept connections
 *
 * role: 'M' master, 'S' replica, 'C' forked child, 'X' sentinel.
 * level chars: debug '.', verbose '-', notice '*', warning '#'.
 *
 * One process-wide logger (the log is a property of the process, not of a
 * kv_server).  Before log_init() messages go to stderr at level notice, so
 * any module may log at any time, including config parsing errors.  Each
 * line is written with a single write(2) on an O_APPEND descriptor, so
 * lines from a forked child and the parent never interleave mid-line.
 */
#ifndef STRATA_LOG_H
#define STRATA_LOG_H

/* Levels (the values of CONFIG_LOGLEVEL_* in config.h).  LOG_NOTHING is
 * only a threshold: the log is silent. */
enum { LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3, LOG_NOTHING = 4 };

/* Open the log.  path "" or NULL = stdout; otherwise the file is opened
 * for append (created 0644).  path is copied.  Returns 0, or -errno when
 * the file cannot be opened (the logger then keeps writing to stderr). */
int log_init(int level, const char *path, char role);
/* Reopen the file (after logrotate moved it).  0 or -errno. */
int log_reopen(void);
/* Close the file; later messages go to stderr again. */
void log_close(void);

void log_set_level(int level);
int log_get_level(void);
void log_set_role(char role);  /* 'C' in a forked child, 'S' when a replica */
/* Would a message at this level be written?  Skip expensive formatting. */
int log_enabled(int level);

/* "debug" "verbose" "notice" "warning" "nothing" (case-insensitive) ->
 * LOG_*, or -1. */
int log_level_from_name(const char *name);
const char *log_level_name(int level);

/* Write one line (a trailing newline in fmt is not needed). */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write text as is, no prefix (the startup banner). */
void log_raw(int level, const char *text);

#endif
