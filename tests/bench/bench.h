/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_TESTS_BENCH_H
#define OU_TESTS_BENCH_H

/*
 * The benchmark driver (tests/bench/README.md): ociunion against crun, runc
 * and the util-linux floor, interleaved round by round.  Files:
 *   bench.c    options, the round loop, cleanup on exit and on signals
 *   spawn.c    timed fork/exec/wait4, the mount-namespace helper for crun
 *   prep.c     bundles, layer and volume trees, configs through jq
 *   procmem.c  the processes a created container keeps, their Pss
 *   stats.c    samples, median/min/max and the printed tables
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum bench_rt {
	RT_OCIUNION,
	RT_CRUN,
	RT_RUNC,
	RT_FLOOR,
	RT_COUNT
};

/* One runtime under test; path NULL means not installed or not selected. */
struct bench_runtime {
	const char *name;
	char *path;
	char *root;	 /* private --root state directory */
	bool via_helper; /* exec'd by the mount-namespace helper (crun) */
};

/* The outcome of one timed command. */
struct bench_result {
	int status;	/* exit code, 128+N for signal N, -1 not started or timed out */
	double ms;	/* CLOCK_MONOTONIC from spawn to wait4 */
	long maxrss_kb; /* wait4's ru_maxrss */
};

/* Where a spawned command's output goes; NULL is /dev/null. */
struct bench_io {
	const char *out;
	const char *err;
};

/* ---- spawn.c ---- */

/* Set by the SIGINT/SIGTERM/SIGHUP handler; the round loop stops on it. */
extern volatile int bench_stop;

/* Block SIGCHLD (for sigtimedwait), install the stop handler, subreaper. */
void spawn_setup(void);

/*
 * Run argv (argv[0] a path or a name looked up in PATH) in its own process
 * group with stdin /dev/null, killing it after timeout_s seconds.  Fills res;
 * returns 0 if it ran and exited 0, -1 otherwise.
 */
int spawn_timed(char *const argv[], const struct bench_io *io, int timeout_s,
		struct bench_result *res);

/*
 * Start the helper for crun: a child that unshares a mount namespace once,
 * makes it a slave of the host, unmounts /sys/fs/cgroup/unified and then
 * runs spawn_timed() for every request.  Returns -1 if it could not start.
 */
int spawn_helper_start(char *msg, size_t len);

/* spawn_timed() inside the helper's mount namespace. */
int spawn_helper_run(char *const argv[], const struct bench_io *io, int timeout_s,
		     struct bench_result *res);

/* Stop the helper and reap it. */
void spawn_helper_stop(void);

/* Pid of the helper or 0. */
pid_t spawn_helper_pid(void);

/* Reap any exited children (orphans reparented to the subreaper). */
void spawn_reap_orphans(void);

/* Last non-empty line of a file into buf ("" if none); returns buf. */
char *spawn_last_line(const char *path, char *buf, size_t len);

/* ---- procmem.c ---- */

/* A snapshot of /proc: pid, parent, state and whether argv holds an ID. */
struct procmem_table;

/* Read /proc; NULL on failure. */
struct procmem_table *procmem_scan(void);

void procmem_free(struct procmem_table *t);

/*
 * Mark the processes a created container keeps alive: its process pid,
 * the descendants of it, its ancestors below the benchmark and pid 1, and
 * every process with an argument equal to id.  Returns how many are marked.
 */
int procmem_mark(struct procmem_table *t, pid_t pid, const char *id, pid_t stop1, pid_t stop2);

/* Sum of Pss (KiB) of the marked processes, each counted once; -1 if none. */
long procmem_pss_kb(const struct procmem_table *t);

/* Pid of a pid file, or -1. */
pid_t procmem_read_pidfile(const char *path);

/* Wait (bounded by timeout_ms) until pid has exited or is a zombie. */
bool procmem_wait_exit(pid_t pid, int timeout_ms);

/* ---- stats.c ---- */

/* The samples of one row of a table. */
struct stats_series {
	char label[64];
	double *v;
	int n;
	int cap;
	char *error; /* set: the row failed once and is "not available" */
};

void stats_init(struct stats_series *s, const char *label, int cap);

void stats_release(struct stats_series *s);

/* Add a sample. */
void stats_add(struct stats_series *s, double v);

/* Mark the row failed with a message (only the first one is kept). */
void stats_fail(struct stats_series *s, const char *msg);

/* Usable: not failed. */
bool stats_ok(const struct stats_series *s);

double stats_median(const struct stats_series *s);

/*
 * Print a table: title, then for each row median, min, max and the ratio of
 * its median to the median of rows[ref] (ref < 0: no ratio column).  With
 * delta >= 0 a column "added" is the median minus the median of rows[delta].
 */
void stats_print(const char *title, const char *unit, struct stats_series *rows, int nrows, int ref,
		 int delta);

/* ---- prep.c ---- */

struct bench_prep {
	char *work;	/* private temporary directory */
	char *mkrootfs; /* tests/lib/mkrootfs.sh */
	char *ociunion; /* for `ociunion spec` */
	char *bundle;	/* work/b: plain busybox rootfs */
	char *storage;	/* work/storage: ociunion --storage-root */
	int timeout_s;
};

/* Make the plain bundle; -1 with msg set on failure. */
int prep_base(struct bench_prep *p, char *msg, size_t len);

/*
 * Make bundle work/ovN with a rootfs that is an overlay of N layers (the
 * busybox tree at the bottom, N-1 one-file layers above); returns the bundle
 * path (malloc'd) or NULL with msg set.
 */
char *prep_layers(struct bench_prep *p, int nlayers, char *msg, size_t len);

/*
 * Make bundle work/NAME whose rootfs has /data with nfiles files of size
 * bytes (100 per directory) and the org.ociunion.volumes annotation for
 * /data.  Its process is a busybox sh that fails unless /data is a mount
 * point holding the last file, so a runtime that ignores the annotation
 * shows as "not available".  Returns the bundle path (malloc'd) or NULL
 * with msg set.
 */
char *prep_volume(struct bench_prep *p, const char *name, int nfiles, size_t size, char *msg,
		  size_t len);

/*
 * The baseline of the volume figure, bundle work/v0: the plain rootfs, no
 * annotation, the same shell check whose result is ignored (exit 0).
 */
char *prep_volume_base(struct bench_prep *p, char *msg, size_t len);

/* rm -rf --one-file-system path (after unmounting what is below it). */
void prep_remove(const char *path);

/* Unmount everything mounted at or below dir, deepest first. */
void prep_unmount_below(const char *dir);

#endif
