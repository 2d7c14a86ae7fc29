/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stress (issue 8): full lifecycles (create, start, exec, kill, delete) of
 * containers with a union rootfs, an anonymous volume and a shared named
 * volume, several at a time, then nothing left: no state directory, no
 * mount or cgroup that was not there before, no storage root entry but the
 * shared named volume (kept on purpose), no process.  The count is
 * $OU_STRESS_COUNT (default 500), the parallelism $OU_STRESS_JOBS
 * (default 8).
 */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/integration/harness.h"
#include "tests/integration/reliability.h"

#define S_TIMEOUT 30
#define SHARED	  "stress-shared"

TestSuite(stress, .init = ou_harness_init, .fini = ou_harness_fini);

static int env_int(const char *name, int dflt)
{
	const char *v = getenv(name);

	return v != NULL && atoi(v) > 0 ? atoi(v) : dflt;
}

/* Bundle NAME whose root is the union of the harness rootfs, with volumes. */
static const char *stress_bundle(int worker)
{
	char *name = NULL;
	const char *dir;
	struct ou_harness_json *cfg = ou_harness_config_new();

	cr_assert(asprintf(&name, "bundle-%d", worker) > 0);
	dir = ou_harness_new_bundle(name);
	ou_harness_json_set_str(cfg, "root.path", "merged");
	ou_harness_config_annotate(cfg, "org.ociunion.rootfs.layers", ou_harness_rootfs());
	ou_harness_config_args(cfg, "sleep", "600", NULL);
	ou_harness_config_add_mount(cfg, "/data", "volume", NULL, NULL);
	ou_harness_config_add_mount(cfg, "/shared", "volume", SHARED, NULL);
	ou_harness_config_write(cfg, dir);
	ou_harness_json_free(cfg);
	free(name);
	return dir;
}

#define STEP(...)                                                                       \
	do {                                                                            \
		const char *a_[] = { __VA_ARGS__, NULL };                               \
		int rc_ = ou_rel_rt(log_fd, S_TIMEOUT, storage, a_);                    \
		if (rc_ != 0) {                                                         \
			dprintf(log_fd, "stress: '%s %s' exited %d\n", a_[0], id, rc_); \
			return 1;                                                       \
		}                                                                       \
	} while (0)

/* One lifecycle; 0 on success, else a message is in the log. */
static int lifecycle(int log_fd, const char *storage, const char *bundle, const char *id)
{
	const char *del[] = { "delete", "--volumes", id, NULL };
	int rc = -1;

	STEP("create", "--bundle", bundle, id);
	STEP("start", id);
	STEP("exec", id, "sh", "-c", "echo x > /data/f && echo y > /shared/f && cat /data/f");
	STEP("kill", id, "KILL");
	/* delete fails while the container has not stopped yet */
	for (int i = 0; i < 500 && rc != 0; i++) {
		rc = ou_rel_rt(log_fd, S_TIMEOUT, storage, del);
		if (rc != 0)
			usleep(10000);
	}
	if (rc != 0)
		dprintf(log_fd, "stress: delete '%s' never succeeded (%d)\n", id, rc);
	return rc != 0;
}

static int worker(int w, int count, int jobs, const char *storage, const char *bundle)
{
	char *log = ou_harness_path("worker-%d.log", w);
	int log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	char id[128];

	if (log_fd < 0)
		return 1;
	for (int i = w; i < count; i += jobs) {
		snprintf(id, sizeof(id), "ou-stress-%d-%d", (int)getppid(), i);
		if (lifecycle(log_fd, storage, bundle, id) != 0)
			return 1;
	}
	return 0;
}

/* Wait for the workers; the log of the first one that failed, or NULL. */
static char *wait_workers(const pid_t *pids, int jobs)
{
	char *failed = NULL;

	for (int w = 0; w < jobs; w++) {
		int status;

		cr_assert_eq(waitpid(pids[w], &status, 0), pids[w]);
		if ((!WIFEXITED(status) || WEXITSTATUS(status) != 0) && failed == NULL) {
			char *path = ou_harness_path("worker-%d.log", w);

			failed = ou_harness_read(path);
			free(path);
		}
	}
	return failed;
}

Test(stress, lifecycles_leave_nothing_behind, .timeout = 1200)
{
	int count = env_int("OU_STRESS_COUNT", 500);
	int jobs = env_int("OU_STRESS_JOBS", 8);
	char *storage = ou_harness_path("storage");
	char *prefix = NULL;
	const char *needles[] = { ou_harness_dir(), NULL, NULL };
	const char *kept[] = { SHARED, NULL };
	struct ou_rel_snapshot before, after;
	const char *bundles[64];
	pid_t pids[64];
	char *failed;
	time_t t0 = time(NULL);

	cr_assert(jobs <= 64);
	cr_assert(asprintf(&prefix, "ou-stress-%d-", (int)getpid()) > 0);
	needles[1] = prefix;
	for (int w = 0; w < jobs; w++)
		bundles[w] = stress_bundle(w);
	ou_rel_snapshot_take(&before);
	for (int w = 0; w < jobs; w++) {
		pids[w] = fork();
		cr_assert_geq(pids[w], 0);
		if (pids[w] == 0)
			_exit(worker(w, count, jobs, storage, bundles[w]));
	}
	failed = wait_workers(pids, jobs);
	cr_log_info("stress: %d lifecycles, %d at a time, in %ld s", count, jobs,
		    (long)(time(NULL) - t0));
	cr_assert_null(failed, "a worker failed; its log:\n%s", failed);
	ou_rel_snapshot_take(&after);
	ou_rel_snapshot_assert_no_new(&before, &after, needles);
	ou_rel_assert_dir_only(ou_harness_state_root(), NULL);
	{
		char *c = ou_harness_path("storage/containers");
		char *v = ou_harness_path("storage/volumes");

		ou_rel_assert_dir_only(c, NULL);
		ou_rel_assert_dir_only(v, kept);
		free(c);
		free(v);
	}
	ou_rel_assert_no_process_below(ou_harness_dir());
	ou_rel_snapshot_release(&before);
	ou_rel_snapshot_release(&after);
	free(prefix);
	free(storage);
}
