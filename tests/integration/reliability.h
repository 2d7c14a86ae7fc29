/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_TESTS_RELIABILITY_H
#define OU_TESTS_RELIABILITY_H

/*
 * Helpers of the reliability suites (issue 8: test_stress.c,
 * test_faults.c): snapshots of what a container can leave behind, and a
 * way to run the runtime from worker processes that must not call
 * cr_assert (only the test process may).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What is on the host: mount points, cgroup directories, live pids. */
struct ou_rel_snapshot {
	size_t n;
	char **items; /* "mount <point>", "cgroup <dir>", sorted */
};

/* Take a snapshot of the mount table and every cgroup hierarchy. */
void ou_rel_snapshot_take(struct ou_rel_snapshot *s);

/* Free what s holds. */
void ou_rel_snapshot_release(struct ou_rel_snapshot *s);

/*
 * Assert that after holds nothing that before lacks among the entries
 * that mention one of the needles (the test's directory, its ID prefix):
 * other tests may run on the same host, their entries do not count.
 */
void ou_rel_snapshot_assert_no_new(const struct ou_rel_snapshot *before,
				   const struct ou_rel_snapshot *after,
				   const char *const needles[]);

/* Assert that no process has its root or cwd below dir. */
void ou_rel_assert_no_process_below(const char *dir);

/* Assert that dir has no entries but the names listed (NULL-terminated). */
void ou_rel_assert_dir_only(const char *dir, const char *const allowed[]);

/*
 * Run RUNTIME --root ROOT --storage-root STORAGE ARG... (NULL-terminated
 * args) from any process: stdin /dev/null, stdout and stderr appended to
 * log_fd, killed after timeout seconds.  The exit status, 128+N for signal
 * N, -1 on timeout.  No Criterion call.
 */
int ou_rel_rt(int log_fd, int timeout, const char *storage, const char *const args[]);

/* Start the same command without waiting; its pid (-1 if fork failed). */
pid_t ou_rel_rt_spawn(int log_fd, const char *storage, const char *const args[]);

#endif
