/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Faults (issue 8): the runtime killed with SIGKILL in the middle of
 * create (inside a createRuntime hook, inside a createContainer hook,
 * while it pre-fills a large volume), the container process killed while
 * it waits for start, a corrupt state.json, and racing commands.  After
 * each, `delete --force` must leave nothing: no state directory, no mount
 * or cgroup that was not there before, no writable layer, no process.
 */
#include <config.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/integration/harness.h"
#include "tests/integration/reliability.h"

#define F_TIMEOUT 30
#define VOLUME	  "fault-vol"

TestSuite(faults, .init = ou_harness_init, .fini = ou_harness_fini);

static const char *storage(void)
{
	static char *s;

	if (s == NULL)
		s = ou_harness_path("storage");
	return s;
}

static int log_fd(void)
{
	static int fd = -1;

	if (fd < 0) {
		char *p = ou_harness_path("faults.log");

		fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		cr_assert_geq(fd, 0);
		free(p);
	}
	return fd;
}

/* A config with a union rootfs and the named volume at /data. */
static struct ou_harness_json *layered(const char *layers)
{
	struct ou_harness_json *cfg = ou_harness_config_new();

	ou_harness_json_set_str(cfg, "root.path", "merged");
	ou_harness_config_annotate(cfg, "org.ociunion.rootfs.layers", layers);
	ou_harness_config_args(cfg, "sleep", "600", NULL);
	ou_harness_config_add_mount(cfg, "/data", "volume", VOLUME, NULL);
	return cfg;
}

/* Nothing of id is left, and nothing new among the entries of the test. */
static void assert_clean(const char *id, const struct ou_rel_snapshot *before)
{
	const char *needles[] = { ou_harness_dir(), id, NULL };
	const char *kept[] = { VOLUME, NULL };
	struct ou_rel_snapshot after;
	char *state = NULL;
	char *containers = ou_harness_path("storage/containers");
	char *volumes = ou_harness_path("storage/volumes");

	cr_assert(asprintf(&state, "%s/%s", ou_harness_state_root(), id) > 0);
	/* an orphaned hook (sleep 2) may outlive the killed runtime briefly */
	for (int i = 0; i < 50; i++)
		usleep(100000);
	ou_rel_snapshot_take(&after);
	ou_rel_snapshot_assert_no_new(before, &after, needles);
	cr_assert(!ou_harness_exists(state), "'%s' left behind", state);
	ou_rel_assert_dir_only(containers, NULL);
	ou_rel_assert_dir_only(volumes, kept);
	ou_rel_assert_no_process_below(ou_harness_dir());
	ou_rel_snapshot_release(&after);
	free(state);
	free(containers);
	free(volumes);
}

/* delete --force; exit 0, or 1 when the container is already gone. */
static void force_delete(const char *id)
{
	const char *args[] = { "delete", "--force", id, NULL };
	int rc = ou_rel_rt(log_fd(), F_TIMEOUT, storage(), args);

	cr_assert(rc == 0 || rc == 1, "delete --force '%s' exited %d", id, rc);
	if (rc != 0)
		dprintf(log_fd(), "faults: delete --force '%s' exited %d\n", id, rc);
}

/*
 * Start `create` of cfg, wait until the file marker exists (written by the
 * step to interrupt), SIGKILL the runtime, then delete --force and check.
 */
static void kill_during_create(struct ou_harness_json *cfg, const char *marker)
{
	const char *bundle = ou_harness_new_bundle("fault-bundle");
	const char *id = ou_harness_new_id();
	const char *args[] = { "create", "--bundle", bundle, id, NULL };
	struct ou_rel_snapshot before;
	int status;
	pid_t pid;

	ou_harness_config_write(cfg, bundle);
	ou_rel_snapshot_take(&before);
	pid = ou_rel_rt_spawn(log_fd(), storage(), args);
	cr_assert_gt(pid, 0);
	cr_assert(ou_harness_wait_file(marker, "", 20000), "create never reached '%s'", marker);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	force_delete(id);
	assert_clean(id, &before);
	ou_rel_snapshot_release(&before);
}

static char *hook_json(const char *marker)
{
	char *j = NULL;

	cr_assert(asprintf(&j,
			   "{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo > %s; "
			   "exec sleep 2\"]}",
			   marker) > 0);
	return j;
}

Test(faults, sigkill_in_create_runtime_hook, .timeout = 120)
{
	char *marker = ou_harness_path("hook-ran");
	char *hook = hook_json(marker);
	struct ou_harness_json *cfg = layered(ou_harness_rootfs());

	ou_harness_json_appendf(cfg, "hooks.createRuntime", "%s", hook);
	kill_during_create(cfg, marker);
	ou_harness_json_free(cfg);
	free(hook);
	free(marker);
}

Test(faults, sigkill_in_create_container_hook, .timeout = 120)
{
	char *marker = ou_harness_path("hook-ran");
	char *hook = hook_json(marker);
	struct ou_harness_json *cfg = layered(ou_harness_rootfs());

	/* createContainer runs in the container's mount namespace: a host path */
	ou_harness_json_appendf(cfg, "hooks.createContainer", "%s", hook);
	kill_during_create(cfg, marker);
	ou_harness_json_free(cfg);
	free(hook);
	free(marker);
}

/* An image layer whose /data holds 64 MiB in 2048 files, to pre-fill. */
static char *big_layer(void)
{
	char *layer = ou_harness_path("big-layer");
	char *script = NULL;
	struct ou_harness_result res;
	const char *argv[] = { "/bin/sh", "-c", NULL, NULL };

	cr_assert(asprintf(&script,
			   "mkdir -p %s/data && cd %s/data && head -c 32768 /dev/zero > f0 && "
			   "i=1; while [ $i -lt 2048 ]; do cp f0 f$i; i=$((i+1)); done",
			   layer, layer) > 0);
	argv[2] = script;
	ou_harness_exec(&res, 120, argv);
	cr_assert_eq(res.status, 0, "make the layer: %s", res.err);
	ou_harness_result_release(&res);
	free(script);
	return layer;
}

/* The files of the volume's data that are whole copies of big_layer's. */
static int count_whole_files(void)
{
	char *dir = ou_harness_path("storage/volumes/%s/_data", VOLUME);
	int n = 0;

	for (int i = 0; i < 2048; i++) {
		char *f = NULL;
		struct stat st;

		cr_assert(asprintf(&f, "%s/f%d", dir, i) > 0);
		if (stat(f, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 32768)
			n++;
		free(f);
	}
	free(dir);
	return n;
}

/*
 * After the killed fill the volume is no longer used by the container,
 * and the next use finds it whole: a fill that did not complete is never
 * taken as done, so the next create fills it again.
 */
static void assert_refilled(struct ou_harness_json *cfg)
{
	char *meta_path = ou_harness_path("storage/volumes/%s/meta.json", VOLUME);
	char *meta = ou_harness_read(meta_path);
	const char *bundle = ou_harness_new_bundle("refill-bundle");
	const char *id = ou_harness_new_id();
	const char *args[] = { "create", "--bundle", bundle, id, NULL };

	cr_assert(strstr(meta, "\"usedBy\":[]") != NULL, "still in use: %s", meta);
	if (strstr(meta, "\"filled\":true") != NULL)
		cr_assert_eq(count_whole_files(), 2048, "marked filled, not whole: %s", meta);
	free(meta);
	ou_harness_config_write(cfg, bundle);
	cr_assert_eq(ou_rel_rt(log_fd(), F_TIMEOUT * 4, storage(), args), 0, "create '%s'", id);
	cr_assert_eq(count_whole_files(), 2048, "the next use did not fill the volume");
	meta = ou_harness_read(meta_path);
	cr_assert(strstr(meta, "\"filled\":true") != NULL, "%s", meta);
	free(meta);
	force_delete(id);
	free(meta_path);
}

Test(faults, sigkill_while_filling_a_volume, .timeout = 240)
{
	char *layer = big_layer();
	char *layers = NULL;
	char *marker = ou_harness_path("storage/volumes/%s/_data/f1", VOLUME);
	struct ou_harness_json *cfg;

	cr_assert(asprintf(&layers, "%s:%s", ou_harness_rootfs(), layer) > 0);
	cfg = layered(layers);
	kill_during_create(cfg, marker);
	assert_refilled(cfg);
	ou_harness_json_free(cfg);
	free(marker);
	free(layers);
	free(layer);
}

/* Create a container of the default config with a union rootfs; its id. */
static const char *create_layered(void)
{
	const char *bundle = ou_harness_new_bundle("fault-bundle");
	const char *id = ou_harness_new_id();
	const char *args[] = { "create", "--bundle", bundle, id, NULL };
	struct ou_harness_json *cfg = layered(ou_harness_rootfs());

	ou_harness_config_write(cfg, bundle);
	ou_harness_json_free(cfg);
	cr_assert_eq(ou_rel_rt(log_fd(), F_TIMEOUT, storage(), args), 0, "create '%s'", id);
	return id;
}

Test(faults, sigkill_while_waiting_for_start, .timeout = 120)
{
	struct ou_rel_snapshot before;
	const char *id;

	ou_rel_snapshot_take(&before);
	id = create_layered();
	cr_assert_eq(kill(ou_harness_state_pid(id), SIGKILL), 0);
	force_delete(id);
	assert_clean(id, &before);
	ou_rel_snapshot_release(&before);
}

/*
 * A truncated state.json: state fails with one clear line, and delete
 * --force still finds and removes what the container made.
 */
Test(faults, corrupt_state_json, .timeout = 120)
{
	struct ou_rel_snapshot before;
	struct ou_harness_result res;
	const char *id;
	char *path;

	ou_rel_snapshot_take(&before);
	id = create_layered();
	cr_assert(asprintf(&path, "%s/%s/state.json", ou_harness_state_root(), id) > 0);
	ou_harness_write(path, "{\"ociVersion\": \"1.0.2\", \"id\": \"");
	ou_harness_rt(&res, "state", id, NULL);
	cr_assert_eq(res.status, 1, "state of a corrupt state.json: exit %d, out %s", res.status,
		     res.out);
	cr_assert_eq(ou_harness_count_lines(res.err), 1, "stderr: %s", res.err);
	cr_assert(strncmp(res.err, "ociunion: ", 10) == 0, "stderr: %s", res.err);
	ou_harness_result_release(&res);
	force_delete(id);
	assert_clean(id, &before);
	ou_rel_snapshot_release(&before);
	free(path);
}

/* The messages a loser of a race may print (STYLE 3.6 phrases). */
static bool clear_loss(const char *err)
{
	return strstr(err, "already exists") != NULL || strstr(err, "does not exist") != NULL ||
	       strstr(err, "container not running") != NULL;
}

static void read_log_tail(char *buf, size_t size)
{
	char *p = ou_harness_path("faults.log");
	char *text = ou_harness_read(p);
	size_t n = strlen(text);

	snprintf(buf, size, "%s", n > size - 1 ? text + n - (size - 1) : text);
	free(text);
	free(p);
}

Test(faults, delete_races_kill, .timeout = 120)
{
	struct ou_rel_snapshot before;
	const char *id;
	const char *del[4] = { "delete", "--force", NULL, NULL };
	const char *kil[4] = { "kill", NULL, "KILL", NULL };
	int sd, sk;
	pid_t pd, pk;

	ou_rel_snapshot_take(&before);
	id = create_layered();
	del[2] = id;
	kil[1] = id;
	pd = ou_rel_rt_spawn(log_fd(), storage(), del);
	pk = ou_rel_rt_spawn(log_fd(), storage(), kil);
	cr_assert_eq(waitpid(pd, &sd, 0), pd);
	cr_assert_eq(waitpid(pk, &sk, 0), pk);
	cr_assert(WIFEXITED(sd) && WEXITSTATUS(sd) == 0, "delete --force lost: %#x", sd);
	if (!WIFEXITED(sk) || WEXITSTATUS(sk) != 0) {
		char tail[512];

		read_log_tail(tail, sizeof(tail));
		cr_assert(WIFEXITED(sk) && WEXITSTATUS(sk) == 1, "kill: %#x", sk);
		cr_assert(clear_loss(tail), "kill lost without a clear error: %s", tail);
	}
	assert_clean(id, &before);
	ou_rel_snapshot_release(&before);
}

Test(faults, create_same_id_twice_at_once, .timeout = 120)
{
	const char *b1 = ou_harness_new_bundle("race-1");
	const char *b2 = ou_harness_new_bundle("race-2");
	const char *id = ou_harness_new_id();
	const char *a1[] = { "create", "--bundle", b1, id, NULL };
	const char *a2[] = { "create", "--bundle", b2, id, NULL };
	struct ou_harness_json *cfg = layered(ou_harness_rootfs());
	struct ou_rel_snapshot before;
	int s1, s2;
	pid_t p1, p2;

	ou_harness_config_write(cfg, b1);
	ou_harness_config_write(cfg, b2);
	ou_harness_json_free(cfg);
	ou_rel_snapshot_take(&before);
	p1 = ou_rel_rt_spawn(log_fd(), storage(), a1);
	p2 = ou_rel_rt_spawn(log_fd(), storage(), a2);
	cr_assert_eq(waitpid(p1, &s1, 0), p1);
	cr_assert_eq(waitpid(p2, &s2, 0), p2);
	cr_assert(WIFEXITED(s1) && WIFEXITED(s2), "%#x %#x", s1, s2);
	cr_assert_eq(WEXITSTATUS(s1) + WEXITSTATUS(s2), 1, "exits %d and %d: exactly one wins",
		     WEXITSTATUS(s1), WEXITSTATUS(s2));
	{
		char tail[512];

		read_log_tail(tail, sizeof(tail));
		cr_assert(clear_loss(tail), "the loser's error is not clear: %s", tail);
	}
	cr_assert(ou_harness_wait_status(id, "created", 2000), "the winner is not created");
	force_delete(id);
	assert_clean(id, &before);
	ou_rel_snapshot_release(&before);
}
