/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hooks (issue 3): runtime-spec config.md "POSIX-platform Hooks" and
 * runtime.md "Lifecycle" steps 3-13.  The order and the phase of every hook,
 * the namespace it runs in, the state it gets on stdin, and what a failing
 * or hanging hook does to the container.
 *
 * Runs against $OU_RUNTIME if set (runc works for comparison), else the
 * built ociunion.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/integration/harness.h"

#define T_TIMEOUT 40

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

TestSuite(hooks, .init = ou_harness_init, .fini = ou_harness_fini);

/* Write an executable shell script at path (a host path). */
static void write_script(const char *path, const char *body)
{
	char *text = NULL;

	cr_assert(asprintf(&text, "#!/bin/sh\n%s\n", body) > 0);
	ou_harness_write(path, text);
	cr_assert_eq(chmod(path, 0755), 0, "chmod '%s'", path);
	free(text);
}

/* A host hook script DIR/NAME.sh with body; returns its path (caller frees). */
static char *host_hook(const char *name, const char *body)
{
	char *path = ou_harness_path("%s.sh", name);

	write_script(path, body);
	return path;
}

/* A hook script in the rootfs at /NAME.sh; returns its container path. */
static char *container_hook(const char *name, const char *body)
{
	char *host = ou_harness_path("bundle/rootfs/%s.sh", name);
	char *path = NULL;

	write_script(host, body);
	cr_assert(asprintf(&path, "/%s.sh", name) > 0);
	free(host);
	return path;
}

/* Append {path, args: [path], timeout} (timeout 0: none) to hooks.PHASE. */
static void add_hook(const char *phase, const char *path, int timeout)
{
	char *where = NULL;

	cr_assert(asprintf(&where, "hooks.%s", phase) > 0);
	if (timeout > 0)
		ou_harness_json_appendf(ou_harness_config(), where,
					"{\"path\": \"%s\", \"args\": [\"%s\"], \"timeout\": %d}",
					path, path, timeout);
	else
		ou_harness_json_appendf(ou_harness_config(), where,
					"{\"path\": \"%s\", \"args\": [\"%s\"]}", path, path);
	free(where);
}

/* A hook in the runtime namespace that saves its state and logs its name. */
static void add_recording_hook(const char *phase, const char *log, const char *extra)
{
	char *body = NULL;
	char *state = ou_harness_path("state-%s.json", phase);
	char *path;

	cr_assert(asprintf(&body, "cat > '%s'\n%s\necho %s >> '%s'", state, extra, phase, log) > 0);
	path = host_hook(phase, body);
	add_hook(phase, path, 0);
	free(path);
	free(state);
	free(body);
}

/* The state a hook saved at DIR/rel: id and status checked. */
static void check_hook_state(const char *rel, const char *id, const char *status)
{
	char *file = ou_harness_path("%s", rel);
	char *text = ou_harness_read(file);
	struct ou_harness_json *state = ou_harness_json_parse(text);

	cr_assert_not_null(state, "hook stdin is not JSON: '%s'", text);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(state, "id")), id, "%s", text);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(state, "status")), status,
			 "state on stdin of the hook (%s): %s", file, text);
	ou_harness_json_free(state);
	free(text);
	free(file);
}

static void rt_ok(const char *const args[])
{
	struct ou_harness_result res;

	ou_harness_rtv(&res, OU_HARNESS_TIMEOUT, args);
	cr_assert_eq(res.status, 0, "%s failed (%d): %s", args[0], res.status, res.err);
	ou_harness_result_release(&res);
}

static void append(const char *path, const char *text)
{
	FILE *f = fopen(path, "ae");

	cr_assert_not_null(f, "open '%s'", path);
	fputs(text, f);
	fclose(f);
}

/* Hooks for every phase, logging to rootfs/order.log. */
static void set_up_all_phases(const char *log)
{
	char *uts = ou_harness_path("uts-createContainer");
	char *cmdline = ou_harness_path("poststart-cmdline");
	char *ps_state = ou_harness_path("state-poststart.json");
	char *cc_extra = NULL;
	char *ps_extra = NULL;
	char *start;

	cr_assert(asprintf(&cc_extra, "readlink /proc/self/ns/uts > '%s'", uts) > 0);
	/* poststart: the user process has been exec'd, so its cmdline is the user's */
	cr_assert(asprintf(&ps_extra,
			   "pid=$(sed -n 's/.*\"pid\": *\\([0-9]*\\).*/\\1/p' '%s')\n"
			   "tr '\\0' ' ' < /proc/$pid/cmdline > '%s'\nsleep 0.3",
			   ps_state, cmdline) > 0);
	add_recording_hook("prestart", log, "");
	add_recording_hook("createRuntime", log, "");
	add_recording_hook("createContainer", log, cc_extra);
	/* config.md: the startContainer path resolves in the container namespace */
	start = container_hook("ou-start-hook",
			       "cat > /state-startContainer.json\n"
			       "echo startContainer-begin >> /order.log\nsleep 0.3\n"
			       "echo startContainer-end >> /order.log");
	add_hook("startContainer", start, 0);
	add_recording_hook("poststart", log, ps_extra);
	add_recording_hook("poststop", log, "");
	ou_harness_config_args(ou_harness_config(), "sh", "-c",
			       "echo user >> /order.log; sleep 1000; : ou-user-marker", NULL);
	free(start);
	free(ps_extra);
	free(cc_extra);
	free(ps_state);
	free(cmdline);
	free(uts);
}

/* The file at DIR/rel, read. */
static char *read_rel(const char *rel)
{
	char *path = ou_harness_path("%s", rel);
	char *text = ou_harness_read(path);

	free(path);
	return text;
}

Test(hooks, run_in_order_with_state_on_stdin, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *log = ou_harness_path("bundle/rootfs/order.log");
	char *text;
	char *host_uts;
	char *init_uts;
	char *cc_uts;

	set_up_all_phases(log);
	ou_harness_create(&res, id);
	cr_assert_eq(res.status, 0, "create: %s", res.err);
	ou_harness_result_release(&res);
	/* runtime.md "Lifecycle" 3-5: prestart, createRuntime, createContainer at create */
	text = ou_harness_read(log);
	cr_assert_str_eq(text, "prestart\ncreateRuntime\ncreateContainer\n");
	free(text);

	/* config.md createContainer: executed in the container namespace */
	init_uts = ou_harness_ns(ou_harness_state_pid(id), "uts");
	host_uts = ou_harness_ns(getpid(), "uts");
	cc_uts = read_rel("uts-createContainer");
	cr_assert_str_neq(init_uts, host_uts);
	cr_assert(strncmp(cc_uts, init_uts, strlen(init_uts)) == 0,
		  "createContainer ran in uts '%s', the container's is '%s'", cc_uts, init_uts);

	/* 7-9: startContainer before the user process, poststart before start returns */
	rt_ok(ARGS("start", id));
	append(log, "start-returned\n");
	text = ou_harness_read(log);
	cr_assert_str_eq(text, "prestart\ncreateRuntime\ncreateContainer\nstartContainer-begin\n"
			       "startContainer-end\nuser\npoststart\nstart-returned\n");
	free(text);
	text = read_rel("poststart-cmdline");
	cr_assert_not_null(strstr(text, "ou-user-marker"),
			   "poststart ran before the user process was exec'd: '%s'", text);
	free(text);

	/* 11-13: poststop at delete */
	rt_ok(ARGS("delete", "--force", id));
	text = ou_harness_read(log);
	cr_assert(strstr(text, "start-returned\npoststop\n") != NULL, "log: %s", text);
	free(text);

	check_hook_state("state-prestart.json", id, "creating");
	check_hook_state("state-createRuntime.json", id, "creating");
	check_hook_state("state-createContainer.json", id, "creating");
	check_hook_state("bundle/rootfs/state-startContainer.json", id, "created");
	check_hook_state("state-poststart.json", id, "running");
	check_hook_state("state-poststop.json", id, "stopped");
	free(cc_uts);
	free(host_uts);
	free(init_uts);
	free(log);
}

/* ---- failing hooks ---- */

static bool is_create_phase(const char *phase)
{
	return strcmp(phase, "prestart") == 0 || strcmp(phase, "createRuntime") == 0 ||
	       strcmp(phase, "createContainer") == 0;
}

/* The failing hook of phase: its path; body fails with status 3 and a message. */
static char *failing_hook(const char *phase)
{
	char *body = NULL;
	char *pidstate = ou_harness_path("pid-state.json");
	char *path;

	/* a prestart hook sees the host pid of the container; it saves it */
	cr_assert(asprintf(&body, "cat > %s\necho hook-said-no >&2\nexit 3",
			   strcmp(phase, "prestart") == 0 ? pidstate : "/dev/null") > 0);
	if (strcmp(phase, "startContainer") == 0)
		path = container_hook("ou-fail-hook", body);
	else
		path = host_hook("ou-fail-hook", body);
	free(pidstate);
	free(body);
	return path;
}

/* A prestart hook that only saves the state (with the host pid). */
static void add_pid_recorder(void)
{
	char *body = NULL;
	char *pidstate = ou_harness_path("pid-state.json");
	char *path;

	cr_assert(asprintf(&body, "cat > '%s'", pidstate) > 0);
	path = host_hook("ou-pid-hook", body);
	add_hook("prestart", path, 0);
	free(path);
	free(pidstate);
	free(body);
}

static void add_poststop_recorder(void)
{
	char *body = NULL;
	char *log = ou_harness_path("poststop.log");
	char *path;

	cr_assert(asprintf(&body, "echo poststop >> '%s'", log) > 0);
	path = host_hook("ou-poststop-hook", body);
	add_hook("poststop", path, 0);
	free(path);
	free(log);
	free(body);
}

/* The error names the hook path and exit status and carries its stderr. */
static void check_hook_error(const struct ou_harness_result *res, const char *path)
{
	cr_assert_eq(res->status, 1, "status %d, stderr: %s", res->status, res->err);
	cr_assert_not_null(strstr(res->err, "status 3"), "stderr: %s", res->err);
	cr_assert_not_null(strstr(res->err, "hook-said-no"), "stderr: %s", res->err);
	/* runc's message gives the hook's index, not its path */
	if (ou_harness_is_ociunion())
		cr_assert_not_null(strstr(res->err, path), "stderr: %s", res->err);
}

/* runtime.md "Lifecycle": stop the container, continue at 12 (destroy), 13 (poststop). */
static void check_destroyed(const char *id, const char *cg)
{
	char *dir = ou_harness_path("state/%s", id);
	char *text = read_rel("pid-state.json");
	char *log = ou_harness_path("poststop.log");
	struct ou_harness_json *state = ou_harness_json_parse(text);
	long long pid = 0;

	cr_assert(ou_harness_json_int(ou_harness_json_get(state, "pid"), &pid) && pid > 0,
		  "no pid in the hook state: %s", text);
	cr_assert(!ou_harness_exists(dir), "state directory '%s' left", dir);
	cr_assert(!ou_harness_cgroup_exists(cg), "cgroup '%s' left", cg);
	for (int i = 0; i < 200 && ou_harness_pid_alive((int)pid); i++)
		usleep(10 * 1000);
	cr_assert(!ou_harness_pid_alive((int)pid), "container process %lld left", pid);
	cr_assert(ou_harness_wait_file(log, "poststop\n", 2000), "poststop hooks did not run");
	ou_harness_json_free(state);
	free(log);
	free(text);
	free(dir);
}

static void failing_hook_case(const char *phase)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	const char *cg = ou_harness_new_cgroup_path();
	char *path = failing_hook(phase);

	ou_harness_config_args(ou_harness_config(), "sleep", "1000", NULL);
	ou_harness_json_set_str(ou_harness_config(), "linux.cgroupsPath", cg);
	if (strcmp(phase, "prestart") != 0)
		add_pid_recorder();
	add_hook(phase, path, 0);
	add_poststop_recorder();
	ou_harness_create(&res, id);
	if (!is_create_phase(phase)) {
		cr_assert_eq(res.status, 0, "create: %s", res.err);
		ou_harness_result_release(&res);
		ou_harness_rt(&res, "start", id, NULL);
	}
	check_hook_error(&res, path);
	ou_harness_result_release(&res);
	check_destroyed(id, cg);
	free(path);
}

Test(hooks, failing_prestart_destroys_container, .timeout = T_TIMEOUT)
{
	failing_hook_case("prestart");
}

Test(hooks, failing_create_runtime_destroys_container, .timeout = T_TIMEOUT)
{
	failing_hook_case("createRuntime");
}

Test(hooks, failing_create_container_destroys_container, .timeout = T_TIMEOUT)
{
	failing_hook_case("createContainer");
}

Test(hooks, failing_start_container_destroys_container, .timeout = T_TIMEOUT)
{
	failing_hook_case("startContainer");
}

Test(hooks, failing_poststart_destroys_container, .timeout = T_TIMEOUT)
{
	failing_hook_case("poststart");
}

/* runtime.md "Lifecycle" 13: a failing poststop hook is a warning only. */
Test(hooks, failing_poststop_is_a_warning, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *dir = ou_harness_path("state/%s", id);
	char *fail = host_hook("ou-fail-hook", "echo hook-said-no >&2\nexit 3");
	char *log = ou_harness_path("poststop.log");

	ou_harness_config_args(ou_harness_config(), "true", NULL);
	add_hook("poststop", fail, 0);
	add_poststop_recorder();
	ou_harness_create_start(id);
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "process did not stop");
	ou_harness_rt(&res, "delete", id, NULL);
	cr_assert_eq(res.status, 0, "delete with a failing poststop hook: %s", res.err);
	ou_harness_result_release(&res);
	cr_assert(!ou_harness_exists(dir), "state directory '%s' left", dir);
	/* "the remaining hooks and lifecycle continue" */
	cr_assert(ou_harness_wait_file(log, "poststop\n", 2000), "later poststop hook skipped");
	free(log);
	free(fail);
	free(dir);
}

/* config.md: timeout is the number of seconds before aborting the hook. */
Test(hooks, hook_past_its_timeout_is_killed_and_fails, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	const char *cg = ou_harness_new_cgroup_path();
	char *pidfile = ou_harness_path("hook.pid");
	char *body = NULL;
	char *path;
	char *text;
	time_t t0;

	cr_assert(asprintf(&body, "echo $$ > '%s'\nexec sleep 30", pidfile) > 0);
	path = host_hook("ou-slow-hook", body);
	ou_harness_config_args(ou_harness_config(), "sleep", "1000", NULL);
	ou_harness_json_set_str(ou_harness_config(), "linux.cgroupsPath", cg);
	add_pid_recorder();
	add_hook("createRuntime", path, 1);
	add_poststop_recorder();
	t0 = time(NULL);
	ou_harness_create(&res, id);
	cr_assert(!res.timed_out, "create waited for the hook past its timeout");
	cr_assert_eq(res.status, 1, "create with a hanging hook: status %d: %s", res.status,
		     res.err);
	cr_assert_leq(time(NULL) - t0, 6, "the hook was not stopped after its timeout");
	if (ou_harness_is_ociunion())
		cr_assert_not_null(strstr(res.err, path), "stderr: %s", res.err);
	ou_harness_result_release(&res);
	text = ou_harness_read(pidfile);
	cr_assert(!ou_harness_pid_alive(atoi(text)), "hook process %s still runs", text);
	check_destroyed(id, cg);
	free(text);
	free(path);
	free(body);
	free(pidfile);
}
