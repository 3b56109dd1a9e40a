/*
 * rdb/fio_fault.h — a fio table for tests: injected errors, short writes,
 * slow fsyncs, and a power-loss model.  Compiled into the engine library,
 * used only by tests and tools (strata-crashtest); the server never
 * installs it.
 *
 * What it can do once installed (fio_fault_install):
 *
 *   Errors      fio_fault_fail(op, nth, count, err): calls nth .. nth+count-1
 *               of op (counted from the moment the rule is armed, 1-based;
 *               count 0 = every call from nth on) fail with err before
 *               reaching the kernel (nothing happens on disk).
 *   Short I/O   fio_fault_short(op, nth, count, k): those calls of
 *               WRITE/PWRITE/READ/PREAD move at most k bytes.
 *   Slow disk   fio_fault_fsync_delay(ms): FSYNC, FDATASYNC and FSYNC_DIR
 *               sleep ms first (outside the layer's lock).
 *   Power loss  fio_fault_track(1) starts the page-cache model below;
 *               fio_fault_crash(mode, seed) applies a power loss to the
 *               real files: what was not durable is undone.
 *   Crash sweep fio_fault_points() counts crash points (one after every
 *               call of WRITE, PWRITE, FTRUNCATE, FSYNC, FDATASYNC, RENAME,
 *               UNLINK, MKDIR, FSYNC_DIR, and OPEN with O_CREAT or O_TRUNC);
 *               fio_fault_crash_at(k, ...) crashes right after point k and
 *               _exit()s with FIO_FAULT_CRASH_EXIT.  A sweep runs the
 *               workload once to count points, then once per point in a
 *               forked child, checking the files after each (SQLite
 *               crash9.test style).  fio_fault_set_hook() observes points.
 *
 * The power-loss model (the real files are the page cache; the layer keeps
 * what it needs to turn them back into "the disk"):
 *
 *   Data.  Per inode (not per fd or name) an undo log of unsynced changes:
 *   each write records the file size before it and the bytes it overwrote
 *   (appends record none), each ftruncate the size before it and the bytes
 *   it cut.  An fsync or fdatasync of any fd of the inode makes everything
 *   before it durable (the log is dropped).  A crash undoes the log in
 *   reverse order:
 *     FIO_CRASH_DROP  every unsynced change is undone;
 *     FIO_CRASH_TEAR  a random prefix (byte-exact, seed-driven) of the
 *                     inode's unsynced writes survives and the rest is
 *                     undone: the last surviving write is torn mid-way.
 *                     Stricter than real hardware (pages, sectors).
 *   A failed fsync (injected) models Linux's behaviour: the unsynced
 *   ranges are "lost" — a later successful fsync does not save them, and a
 *   crash fills whatever of them was not rewritten since with zeros.
 *
 *   Names.  create (open with O_CREAT of a missing file), rename, unlink
 *   and mkdir are logged with the directories they touch; an fsync of a
 *   directory makes the entries in it durable (a rename needs both of its
 *   directories).  A crash undoes the non-durable ones in reverse order
 *   (TEAR: a random prefix of them survives).  To be able to undo, a file
 *   replaced by rename or removed by unlink is kept under a hidden name
 *   ".fio-stash-<pid>-<n>" in its directory until the change is durable;
 *   fio_readdir never shows these names.  Paths are made absolute when
 *   logged, so a later chdir does not matter.
 *
 *   Order at a crash: file data first (through descriptors the layer holds,
 *   so renames do not matter), then lost ranges, then names.  Afterwards the
 *   model is empty.  The process must treat every fd it had as dead
 *   (close them and reopen, as a restarted server would).
 *
 * Limits (documented, not hidden): only regular files' data is modelled;
 * the model is per process (a forked child's unsynced writes are unknown
 * to the parent: crash inside the child, or sync there); memory holds the
 * overwritten/cut bytes of every unsynced change; the real rename/unlink
 * semantics of directories (rename over a non-empty dir etc.) are not
 * undone beyond recreating an empty directory; rmdir is not in the table.
 *
 * Thread-safe (one mutex; I/O runs under it).  Not async-signal-safe.
 */
#ifndef STRATA_FIO_FAULT_H
#define STRATA_FIO_FAULT_H

#include "rdb/fio.h"

#include <stddef.h>
#include <stdint.h>

enum fio_crash_mode { FIO_CRASH_DROP, FIO_CRASH_TEAR };

/* Exit code of a process ended by fio_fault_crash_at. */
#define FIO_FAULT_CRASH_EXIT 77

/* Install the fault table (remembering the previous one); resets counters,
 * rules and the model.  0, or -EBUSY when already installed. */
int fio_fault_install(void);
/* Restore the previous table.  Everything modelled counts as durable
 * (stashed files are removed, nothing is undone).  No-op when not
 * installed. */
void fio_fault_uninstall(void);

/* Remove every error/short rule and the fsync delay (counters and the model
 * stay). */
void fio_fault_clear(void);
/* Arm an error rule; nth >= 1.  0, -EINVAL (bad op/nth/err), -ENOSPC (too
 * many rules, 32 max). */
int fio_fault_fail(enum fio_op op, unsigned long nth, unsigned long count, int err);
/* Arm a short-transfer rule for WRITE/PWRITE/READ/PREAD; maxbytes >= 1. */
int fio_fault_short(enum fio_op op, unsigned long nth, unsigned long count, size_t maxbytes);
void fio_fault_fsync_delay(unsigned ms);

/* Calls of op seen since install; faults injected since install. */
unsigned long fio_fault_calls(enum fio_op op);
unsigned long fio_fault_injected(void);

/* Start (1) or stop (0) the power-loss model.  Stopping forgets everything
 * as if it had all been synced. */
void fio_fault_track(int on);
/* Bytes written but not yet durable; logged name changes not yet durable. */
uint64_t fio_fault_unsynced_bytes(void);
size_t fio_fault_unsynced_names(void);

/* Simulate a power loss now (see the model above).  The same seed gives the
 * same tear.  0, or the first -errno met while undoing (undo goes on). */
int fio_fault_crash(enum fio_crash_mode mode, unsigned long seed);

/* Crash points passed since install. */
unsigned long fio_fault_points(void);
/* Called (outside the lock) after each crash point, with the op and the
 * point number.  fn NULL removes it.  arg is borrowed. */
typedef void (*fio_fault_hook)(enum fio_op op, unsigned long point, void *arg);
void fio_fault_set_hook(fio_fault_hook fn, void *arg);
/* After crash point `point` (0 = off): fio_fault_crash(mode, seed), then
 * _exit(FIO_FAULT_CRASH_EXIT).  Meant for a forked child. */
void fio_fault_crash_at(unsigned long point, enum fio_crash_mode mode, unsigned long seed);

#endif
