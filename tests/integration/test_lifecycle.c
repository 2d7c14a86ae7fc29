/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The full lifecycle of a container (issue 3): state after each operation
 * (runtime-spec runtime.md "State", "Lifecycle", "Operations"), the pid
 * file, a terminal through --console-socket, the errors of start, kill and
 * delete in the wrong state, ps, list, pause, resume, update, events,
 * features, the JSON log of a failed command, and many containers at once.
 *
 * Runs against $OU_RUNTIME if set (runc works for comparison), else the
 * built ociunion.
 */
#include <config.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/integration/harness.h"

#define T_TIMEOUT 30

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_ARGS	  ((const char *const[]){ NULL })

TestSuite(lifecycle, .init = ou_harness_init, .fini = ou_harness_fini);

/* A process that runs until the test creates /go in the rootfs. */
static void config_wait_for_go(void)
{
	ou_harness_config_args(ou_harness_config(), "sh", "-c",
			       "while [ ! -e /go ]; do sleep 0.05; done", NULL);
}

static void config_sleep(void)
{
	ou_harness_config_args(ou_harness_config(), "sleep", "1000", NULL);
}

/* `state ID` is schema-valid with this status, id and bundle; its pid. */
static long long check_state(const char *id, const char *status)
{
	struct ou_harness_result res;
	struct ou_harness_json *state;
	long long pid = 0;

	ou_harness_rt(&res, "state", id, NULL);
	cr_assert_eq(res.status, 0, "state: %s", res.err);
	state = ou_harness_json_parse(res.out);
	cr_assert_not_null(state, "state is not JSON: %s", res.out);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(state, "status")), status,
			 "state: %s", res.out);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(state, "id")), id);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(state, "bundle")),
			 ou_harness_bundle());
	/* runtime.md "State": pid is REQUIRED when created or running */
	if (strcmp(status, "stopped") != 0)
		cr_assert(ou_harness_json_int(ou_harness_json_get(state, "pid"), &pid) && pid > 0,
			  "no pid in state: %s", res.out);
	cr_assert(ou_harness_schema_valid(res.out, "state-schema.json"),
		  "state does not match state-schema.json: %s", res.out);
	ou_harness_json_free(state);
	ou_harness_result_release(&res);
	return pid;
}

static void rt_ok(const char *what, const char *const args[])
{
	struct ou_harness_result res;

	ou_harness_rtv(&res, OU_HARNESS_TIMEOUT, args);
	cr_assert_eq(res.status, 0, "%s failed (%d): %s", what, res.status, res.err);
	ou_harness_result_release(&res);
}

/* Wait up to 2 s for pid to be gone (the runtime's child may need reaping). */
static bool pid_gone(int pid)
{
	for (int i = 0; i < 200; i++) {
		if (!ou_harness_pid_alive(pid))
			return true;
		usleep(10 * 1000);
	}
	return false;
}

/* ---- state after every step ---- */

/*
 * runtime.md "Lifecycle" and "State": "creating" lasts only while create
 * runs, so after create returns the status is "created"; after start it is
 * "running"; once the process exits it is "stopped"; after delete the
 * container does not exist.  The pid file must be there when create
 * returns (it is read before anything else) and equal to state's pid.
 */
Test(lifecycle, state_after_every_step, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *pidfile = ou_harness_path("container.pid");
	char *go = ou_harness_path("bundle/rootfs/go");
	char *text;
	long long pid;

	config_wait_for_go();
	ou_harness_create_args(&res, id, ARGS("--pid-file", pidfile));
	cr_assert_eq(res.status, 0, "create: %s", res.err);
	text = ou_harness_read(pidfile);
	ou_harness_result_release(&res);
	pid = check_state(id, "created");
	cr_assert_eq(atoll(text), pid, "pid file '%s', state pid %lld", text, pid);
	cr_assert(ou_harness_pid_alive((int)pid), "created container has no process");

	rt_ok("start", ARGS("start", id));
	cr_assert_eq(check_state(id, "running"), pid, "pid changed at start");

	ou_harness_write(go, "");
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "process did not stop");
	check_state(id, "stopped");

	rt_ok("delete", ARGS("delete", id));
	ou_harness_rt(&res, "state", id, NULL);
	cr_assert_neq(res.status, 0, "state of a deleted container succeeded: %s", res.out);
	cr_assert_not_null(strstr(res.err, "does not exist"), "stderr: %s", res.err);
	ou_harness_result_release(&res);
	free(text);
	free(go);
	free(pidfile);
}

Test(lifecycle, killed_process_gives_stopped_state, .timeout = T_TIMEOUT)
{
	const char *id = ou_harness_new_id();
	long long pid;

	config_sleep();
	ou_harness_create_start(id);
	pid = check_state(id, "running");
	rt_ok("kill", ARGS("kill", id, "KILL"));
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "killed process not stopped");
	check_state(id, "stopped");
	cr_assert(pid_gone((int)pid), "process %lld still alive", pid);
}

/* ---- terminal through --console-socket ---- */

/* config.md "Process": terminal; runc's --console-socket receives the master. */
Test(lifecycle, terminal_through_console_socket, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *sock = ou_harness_path("console.sock");
	char *out = ou_harness_path("console.out");
	char *text;
	int tty;

	ou_harness_json_setf(ou_harness_config(), "process.terminal", "true");
	ou_harness_config_args(ou_harness_config(), "sh", NULL);
	tty = ou_harness_recvtty_start(sock, "test -t 0 && echo tty-$((6*7)); exit 3\n", out);
	ou_harness_create_args(&res, id, ARGS("--console-socket", sock));
	cr_assert_eq(res.status, 0, "create: %s", res.err);
	ou_harness_result_release(&res);
	rt_ok("start", ARGS("start", id));
	cr_assert(ou_harness_wait_status(id, "stopped", 10000), "shell did not exit");
	cr_assert_eq(ou_harness_recvtty_wait(tty, 10000), 0, "recvtty failed");
	text = ou_harness_read(out);
	cr_assert_not_null(strstr(text, "tty-42"), "terminal output: '%s'", text);
	free(text);
	free(out);
	free(sock);
}

/* ---- start ---- */

Test(lifecycle, start_of_running_container_fails, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *status;

	config_sleep();
	ou_harness_create_start(id);
	/* runtime.md "Start": attempting to start a container that is not created MUST error */
	ou_harness_rt(&res, "start", id, NULL);
	cr_assert_eq(res.status, 1, "second start: status %d: %s", res.status, res.err);
	cr_assert_neq(res.err[0], '\0', "no error message");
	ou_harness_result_release(&res);
	status = ou_harness_state_status(id);
	cr_assert_str_eq(status, "running");
	free(status);
}

/* config.md "Process": process is OPTIONAL; start then has nothing to run. */
Test(lifecycle, create_without_process_then_start_fails, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	ou_harness_json_unset(ou_harness_config(), "process");
	ou_harness_create(&res, id);
	cr_assert_eq(res.status, 0, "create without process: %s", res.err);
	ou_harness_result_release(&res);
	check_state(id, "created");
	ou_harness_rt(&res, "start", id, NULL);
	cr_assert_eq(res.status, 1, "start without process: status %d", res.status);
	if (ou_harness_is_ociunion()) {
		cr_assert_eq(ou_harness_count_lines(res.err), 1, "stderr: %s", res.err);
		cr_assert(strncmp(res.err, "ociunion: ", 10) == 0, "stderr: %s", res.err);
		cr_assert_not_null(strstr(res.err, "process"), "stderr: %s", res.err);
	}
	ou_harness_result_release(&res);
	rt_ok("delete", ARGS("delete", "--force", id));
}

/*
 * A process.args[0] that start could not execute fails create, with the
 * phrases engines map to exit statuses, and leaves nothing behind.
 */
static void create_fails_with(const char *phrase)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	ou_harness_create(&res, id);
	ou_harness_assert_clean_failure(&res, id);
	cr_assert_not_null(strcasestr(res.err, phrase), "stderr: %s", res.err);
	ou_harness_result_release(&res);
}

Test(lifecycle, create_fails_for_command_not_in_path, .timeout = T_TIMEOUT)
{
	ou_harness_config_args(ou_harness_config(), "no-such-command", NULL);
	create_fails_with("exec 'no-such-command': executable file not found in $PATH");
}

/* The search uses the PATH of process.env, not the runtime's. */
Test(lifecycle, create_searches_the_path_of_process_env, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = ou_harness_config();

	ou_harness_config_args(cfg, "sh", "-c", "true", NULL);
	ou_harness_config_env(cfg, "PATH=/no-such-dir", NULL);
	create_fails_with("exec 'sh': executable file not found in $PATH");
}

Test(lifecycle, create_fails_for_missing_path, .timeout = T_TIMEOUT)
{
	ou_harness_config_args(ou_harness_config(), "/no/such/file", NULL);
	create_fails_with("exec '/no/such/file': no such file or directory");
}

Test(lifecycle, create_fails_for_directory_as_command, .timeout = T_TIMEOUT)
{
	ou_harness_config_args(ou_harness_config(), "/etc", NULL);
	create_fails_with("exec '/etc': permission denied");
}

/*
 * The container process drops the bounding set after start: its warning
 * about an unknown capability name is logged by start, on start's stderr
 * and, with --log, in the log file too.
 */
Test(lifecycle, warnings_of_the_container_process_reach_start, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = ou_harness_config();
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *log = ou_harness_path("start.log");
	const char *want = "warning: ignore unknown capability 'CAP_NO_SUCH' in "
			   "process.capabilities.bounding";
	char *text;

	ou_harness_config_args(cfg, "true", NULL);
	ou_harness_json_appendf(cfg, "process.capabilities.bounding", "\"CAP_NO_SUCH\"");
	ou_harness_create(&res, id);
	cr_assert_eq(res.status, 0, "create: %s", res.err);
	ou_harness_result_release(&res);
	ou_harness_rtv(&res, 30, ARGS("--log", log, "--log-level", "warning", "start", id));
	cr_assert_eq(res.status, 0, "start: %s", res.err);
	cr_assert_not_null(strstr(res.err, want), "start's stderr: '%s'", res.err);
	text = ou_harness_read(log);
	cr_assert_not_null(strstr(text, want), "log: '%s'", text);
	ou_harness_result_release(&res);
	free(text);
	free(log);
}

/*
 * A container ID names its state directory, so NAME_MAX (255 bytes) is the
 * limit: one more is refused up front with one line, nothing made.
 */
Test(lifecycle, container_id_at_most_255_bytes, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char id[257];

	memset(id, 'a', 256);
	id[256] = '\0';
	config_sleep();
	ou_harness_create(&res, id);
	ou_harness_assert_clean_failure(&res, id);
	cr_assert_not_null(strstr(res.err, "container id must be 1 to 255 bytes"), "%s", res.err);
	ou_harness_result_release(&res);
	id[255] = '\0';
	ou_harness_track_id(id);
	ou_harness_create(&res, id);
	cr_assert_eq(res.status, 0, "create with a 255-byte id: %s", res.err);
	ou_harness_result_release(&res);
	rt_ok("delete", ARGS("delete", "--force", id));
}

/* ---- options ---- */

/*
 * Run the runtime with args as they are (no --root in front); assert the
 * one-line error of a refused option: status 1, one line naming want, and
 * only printable characters (the name of a long option is not a char).
 */
static void assert_option_refused(const char *const args[], const char *want)
{
	const char *argv[16] = { ou_harness_runtime() };
	struct ou_harness_result res;
	size_t n = 1;

	for (; args[n - 1] != NULL; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	ou_harness_exec(&res, OU_HARNESS_TIMEOUT, argv);
	cr_assert_eq(res.status, 1, "%s: status %d", args[0], res.status);
	cr_assert_eq(ou_harness_count_lines(res.err), 1, "stderr: %s", res.err);
	for (const char *p = res.err; *p != '\0' && *p != '\n'; p++)
		cr_assert(*p >= ' ' && *p < 0x7f, "unprintable byte 0x%02x in: %s",
			  (unsigned char)*p, res.err);
	cr_assert_not_null(strstr(res.err, want), "stderr lacks \"%s\": %s", want, res.err);
	ou_harness_result_release(&res);
}

/*
 * A long option without its value, a value given to an option that takes
 * none, and an unknown option are each one line naming the option as
 * given, for the global options and for a command's.
 */
Test(lifecycle, refused_options_are_named, .timeout = T_TIMEOUT)
{
	const char *root = ou_harness_state_root();

	if (!ou_harness_is_ociunion())
		cr_skip_test("the wording is ociunion's");
	assert_option_refused(ARGS("--root"), "ociunion: option '--root' needs a value");
	assert_option_refused(ARGS("--log-format"), "option '--log-format' needs a value");
	assert_option_refused(ARGS("--debug=3", "list"), "option '--debug' takes no value");
	assert_option_refused(ARGS("--bogus", "list"), "ociunion: unknown option '--bogus'");
	assert_option_refused(ARGS("--root", root, "create", "--pid-file"),
			      "ociunion: create: option '--pid-file' needs a value");
	assert_option_refused(ARGS("--root", root, "create", "-b"), "option '-b' needs a value");
	assert_option_refused(ARGS("--root", root, "ps", "--format"),
			      "ps: option '--format' needs a value");
	assert_option_refused(ARGS("--root", root, "delete", "--force=yes", "x"),
			      "delete: option '--force' takes no value");
	assert_option_refused(ARGS("--root", root, "kill", "-x", "x"), "kill: unknown option '-x'");
}

/* --rootless takes true, false or auto; anything else is refused, not taken as false. */
Test(lifecycle, rootless_value_is_checked, .timeout = T_TIMEOUT)
{
	const char *root = ou_harness_state_root();
	struct ou_harness_result res;

	if (!ou_harness_is_ociunion())
		cr_skip_test("--rootless values are ociunion's");
	assert_option_refused(ARGS("--root", root, "--rootless", "maybe", "list"),
			      "--rootless: 'maybe' is not true, false or auto");
	assert_option_refused(ARGS("--root", root, "--rootless", "", "list"), "--rootless");
	ou_harness_exec(&res, OU_HARNESS_TIMEOUT,
			ARGS(ou_harness_runtime(), "--root", root, "--rootless", "auto", "list"));
	cr_assert_eq(res.status, 0, "--rootless auto: %s", res.err);
	ou_harness_result_release(&res);
}

/*
 * A second container whose cgroup (here a cgroupsPath given twice; also
 * the same ID under another --root) already holds the first one's process
 * is refused, leaving the first running in its cgroup: sharing it, either
 * delete would have killed the other.
 */
Test(lifecycle, create_refuses_a_cgroup_in_use, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *one = ou_harness_new_id();
	const char *two = ou_harness_new_id();
	const char *cg = ou_harness_new_cgroup_path();

	config_sleep();
	ou_harness_json_set_str(ou_harness_config(), "linux.cgroupsPath", cg);
	ou_harness_create_start(one);
	ou_harness_create(&res, two);
	ou_harness_assert_clean_failure(&res, two);
	ou_harness_result_release(&res);
	check_state(one, "running");
	cr_assert(ou_harness_cgroup_exists(cg), "the first container's cgroup was removed");
}

/* ---- kill ---- */

/* runtime.md "Kill": kill of a container that is not created or running MUST error */
Test(lifecycle, kill_of_stopped_container_fails, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	ou_harness_config_args(ou_harness_config(), "true", NULL);
	ou_harness_create_start(id);
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "process did not stop");
	ou_harness_rt(&res, "kill", id, "KILL", NULL);
	cr_assert_eq(res.status, 1, "kill of stopped: status %d", res.status);
	cr_assert_not_null(strstr(res.err, "container not running"), "stderr: %s", res.err);
	ou_harness_result_release(&res);
}

/*
 * Signal 0 sends nothing and tells whether the process exists: kill of a
 * live container succeeds and leaves it running; of a stopped one it is
 * the usual "container not running" error.
 */
Test(lifecycle, kill_signal_zero_probes_liveness, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *go = ou_harness_path("bundle/rootfs/go");

	config_wait_for_go();
	ou_harness_create_start(id);
	rt_ok("kill 0", ARGS("kill", id, "0"));
	check_state(id, "running");
	ou_harness_write(go, "");
	free(go);
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "process did not stop");
	ou_harness_rt(&res, "kill", id, "0", NULL);
	cr_assert_eq(res.status, 1, "kill 0 of stopped: status %d", res.status);
	cr_assert_not_null(strstr(res.err, "container not running"), "stderr: %s", res.err);
	ou_harness_result_release(&res);
}

/* Send sig, then wait for the payload to log its name. */
static void kill_and_see(const char *id, const char *sig, const char *log, const char *seen)
{
	rt_ok("kill", ARGS("kill", id, sig));
	cr_assert(ou_harness_wait_file(log, seen, 5000), "signal %s not received", sig);
}

Test(lifecycle, kill_by_name_and_number, .timeout = T_TIMEOUT)
{
	const char *id = ou_harness_new_id();
	char *log = ou_harness_path("bundle/rootfs/sig.log");

	ou_harness_config_args(ou_harness_config(), "sh", "-c",
			       "exec /bin/payload signal-wait 4 > /sig.log", NULL);
	ou_harness_create_start(id);
	cr_assert(ou_harness_wait_file(log, "ready\n", 5000), "payload not ready");
	kill_and_see(id, "USR1", log, "ready\nSIGUSR1\n");
	kill_and_see(id, "SIGUSR2", log, "ready\nSIGUSR1\nSIGUSR2\n");
	kill_and_see(id, "10", log, "ready\nSIGUSR1\nSIGUSR2\nSIGUSR1\n");
	kill_and_see(id, "TERM", log, "ready\nSIGUSR1\nSIGUSR2\nSIGUSR1\nSIGTERM\n");
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "not stopped after TERM");
	free(log);
}

Test(lifecycle, kill_default_signal_is_sigterm, .timeout = T_TIMEOUT)
{
	const char *id = ou_harness_new_id();
	char *log = ou_harness_path("bundle/rootfs/sig.log");

	ou_harness_config_args(ou_harness_config(), "sh", "-c",
			       "exec /bin/payload signal-wait 5 > /sig.log", NULL);
	ou_harness_create_start(id);
	cr_assert(ou_harness_wait_file(log, "ready\n", 5000), "payload not ready");
	rt_ok("kill", ARGS("kill", id));
	cr_assert(ou_harness_wait_file(log, "ready\nSIGTERM\n", 5000), "no SIGTERM");
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "not stopped after TERM");
	free(log);
}

/* The host pids of `ps --format json ID`; asserts it is an array of pids. */
static size_t ps_pids(const char *id, int *pids, size_t max)
{
	struct ou_harness_result res;
	struct ou_harness_json *arr;
	size_t n;

	ou_harness_rt(&res, "ps", "--format", "json", id, NULL);
	cr_assert_eq(res.status, 0, "ps: %s", res.err);
	arr = ou_harness_json_parse(res.out);
	cr_assert_not_null(arr, "ps output is not JSON: %s", res.out);
	n = ou_harness_json_len(arr);
	cr_assert(n > 0 && n <= max, "ps: %s", res.out);
	for (size_t i = 0; i < n; i++) {
		char key[32];
		long long pid;

		snprintf(key, sizeof(key), "%zu", i);
		cr_assert(ou_harness_json_int(ou_harness_json_get(arr, key), &pid) && pid > 0,
			  "ps element %zu is not a pid: %s", i, res.out);
		pids[i] = (int)pid;
	}
	ou_harness_json_free(arr);
	ou_harness_result_release(&res);
	return n;
}

/* Wait until ps lists want processes; fills pids. */
static void wait_ps_count(const char *id, int *pids, size_t want)
{
	for (int i = 0; i < 250; i++) {
		if (ps_pids(id, pids, 16) == want)
			return;
		usleep(20 * 1000);
	}
	cr_assert_fail("ps never listed %zu processes", want);
}

static void config_three_processes(void)
{
	ou_harness_config_args(ou_harness_config(), "sh", "-c", "sleep 1000 & sleep 1000 & wait",
			       NULL);
}

Test(lifecycle, kill_all_signals_every_process, .timeout = T_TIMEOUT)
{
	const char *id = ou_harness_new_id();
	int pids[16];

	config_three_processes();
	ou_harness_create_start(id);
	wait_ps_count(id, pids, 3);
	rt_ok("kill --all", ARGS("kill", "--all", id, "KILL"));
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "not stopped after kill --all");
	for (int i = 0; i < 3; i++)
		cr_assert(pid_gone(pids[i]), "process %d survived kill --all", pids[i]);
}

/*
 * A container without its own pid namespace whose pid 1 exits can leave
 * processes in its cgroup.  kill --all still reaches them although the
 * container is stopped (containerd's shim relies on it); plain kill of
 * the same container stays an error.
 */
Test(lifecycle, kill_all_of_stopped_container_kills_what_is_left, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *pidfile = ou_harness_path("bundle/rootfs/bg.pid");
	char *text;
	int pid;

	ou_harness_config_args(ou_harness_config(), "sh", "-c", "sleep 1000 & echo $! > /bg.pid",
			       NULL);
	ou_harness_config_remove_namespace(ou_harness_config(), "pid");
	ou_harness_create_start(id);
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "pid 1 did not exit");
	cr_assert(ou_harness_wait_file(pidfile, "\n", 5000), "no background pid written");
	text = ou_harness_read(pidfile);
	pid = atoi(text);
	cr_assert(ou_harness_pid_alive(pid), "background process %d not running", pid);

	ou_harness_rt(&res, "kill", id, "9", NULL);
	cr_assert_eq(res.status, 1, "kill without --all of stopped: status %d", res.status);
	cr_assert_not_null(strstr(res.err, "container not running"), "stderr: %s", res.err);
	ou_harness_result_release(&res);
	cr_assert(ou_harness_pid_alive(pid), "kill without --all reached process %d", pid);

	rt_ok("kill --all of stopped", ARGS("kill", "--all", id, "9"));
	cr_assert(pid_gone(pid), "process %d survived kill --all", pid);
	rt_ok("delete", ARGS("delete", id));
	free(text);
	free(pidfile);
}

/* ---- delete ---- */

/* runtime.md "Delete": deleting a container that is not stopped MUST error */
Test(lifecycle, delete_of_running_container_fails_and_changes_nothing, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	const char *cg = ou_harness_new_cgroup_path();
	char *dir = ou_harness_path("state/%s", id);
	int pid;

	config_sleep();
	ou_harness_json_set_str(ou_harness_config(), "linux.cgroupsPath", cg);
	ou_harness_create_start(id);
	pid = ou_harness_state_pid(id);
	ou_harness_rt(&res, "delete", id, NULL);
	cr_assert_eq(res.status, 1, "delete of running: status %d", res.status);
	cr_assert_neq(res.err[0], '\0', "no error message");
	ou_harness_result_release(&res);
	check_state(id, "running");
	cr_assert(ou_harness_pid_alive(pid), "process killed by a failed delete");
	cr_assert(ou_harness_cgroup_exists(cg), "cgroup removed by a failed delete");
	cr_assert(ou_harness_exists(dir), "state directory removed by a failed delete");
	free(dir);
}

Test(lifecycle, delete_force_removes_running_container, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	const char *cg = ou_harness_new_cgroup_path();
	char *dir = ou_harness_path("state/%s", id);
	int pid;

	config_sleep();
	ou_harness_json_set_str(ou_harness_config(), "linux.cgroupsPath", cg);
	ou_harness_create_start(id);
	pid = ou_harness_state_pid(id);
	rt_ok("delete --force", ARGS("delete", "--force", id));
	cr_assert(!ou_harness_exists(dir), "state directory '%s' left", dir);
	cr_assert(!ou_harness_cgroup_exists(cg), "cgroup '%s' left", cg);
	cr_assert(pid_gone(pid), "process %d left", pid);
	ou_harness_rt(&res, "state", id, NULL);
	cr_assert_neq(res.status, 0, "state after delete --force: %s", res.out);
	ou_harness_result_release(&res);
	free(dir);
}

/*
 * delete --force of a paused container: its frozen process dies of the
 * SIGKILL only once thawed, so delete thaws it rather than waiting for a
 * process that cannot exit (it waited about 5 s, then thawed).
 */
Test(lifecycle, delete_force_of_paused_container_is_prompt, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	struct timespec t0, t1;
	long long pid;
	double secs;

	config_sleep();
	ou_harness_create_start(id);
	pid = check_state(id, "running");
	rt_ok("pause", ARGS("pause", id));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ou_harness_rt(&res, "delete", "--force", id, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(res.status, 0, "delete --force: %s", res.err);
	ou_harness_result_release(&res);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert_lt(secs, 3.0, "delete --force of a paused container took %.1f s", secs);
	cr_assert(pid_gone((int)pid), "process %lld left", pid);
	ou_harness_rt(&res, "state", id, NULL);
	cr_assert_eq(res.status, 1, "state after delete: %s", res.out);
	ou_harness_result_release(&res);
}

/* A paused container's process still runs: delete needs --force. */
Test(lifecycle, delete_of_paused_container_fails, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *status;
	int pid;

	config_sleep();
	ou_harness_create_start(id);
	pid = ou_harness_state_pid(id);
	rt_ok("pause", ARGS("pause", id));
	ou_harness_rt(&res, "delete", id, NULL);
	cr_assert_eq(res.status, 1, "delete of paused: status %d", res.status);
	ou_harness_result_release(&res);
	status = ou_harness_state_status(id);
	cr_assert_str_eq(status, "paused");
	free(status);
	cr_assert(ou_harness_pid_alive(pid), "process killed by a failed delete");
	rt_ok("delete --force", ARGS("delete", "--force", id));
}

Test(lifecycle, delete_force_of_missing_container_succeeds, .timeout = T_TIMEOUT)
{
	rt_ok("delete --force", ARGS("delete", "--force", "ou-no-such-container"));
}

/* ---- the config copy ---- */

/*
 * Child: feed first to the first reader of the FIFO and wait for it to
 * close; then, for up to 3 s, feed second to any later reader.  Exits 0
 * if there was a later reader.  Opening for writing without blocking
 * fails (ENXIO) only while nobody has the FIFO open for reading.
 */
static void feed_config_fifo(const char *fifo, const char *first, const char *second)
{
	int fd = open(fifo, O_WRONLY);

	if (fd < 0 || write(fd, first, strlen(first)) != (ssize_t)strlen(first))
		_exit(2);
	close(fd);
	while ((fd = open(fifo, O_WRONLY | O_NONBLOCK)) >= 0) {
		close(fd);
		usleep(1000);
	}
	for (int i = 0; i < 300; i++) {
		fd = open(fifo, O_WRONLY | O_NONBLOCK);
		if (fd >= 0) {
			if (write(fd, second, strlen(second)) < 0)
				_exit(2);
			_exit(0);
		}
		usleep(10 * 1000);
	}
	_exit(1);
}

/*
 * The config copy in the state directory, which start, exec and delete use,
 * holds the bytes create parsed and applied.  config.json is a FIFO whose
 * second reader gets another document: create used to read it twice.
 */
Test(lifecycle, create_saves_the_config_it_parsed, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	const char *bundle = ou_harness_bundle();
	char *path = NULL;
	char *copy = NULL;
	char *applied;
	char *saved;
	int status;
	pid_t pid;

	cr_assert(asprintf(&path, "%s/config.json", bundle) > 0);
	config_sleep();
	ou_harness_config_write(ou_harness_config(), bundle);
	applied = ou_harness_read(path);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(mkfifo(path, 0600), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0)
		feed_config_fifo(path, applied, "{\"ociVersion\": \"1.0.2\", \"edited\": true}");
	ou_harness_rt(&res, "create", "--bundle", bundle, id, NULL);
	cr_assert(waitpid(pid, &status, 0) == pid);
	cr_assert_eq(res.status, 0, "create failed (%d): %s", res.status, res.err);
	ou_harness_result_release(&res);
	cr_assert(asprintf(&copy, "%s/%s/config.json", ou_harness_state_root(), id) > 0);
	saved = ou_harness_read(copy);
	cr_assert_str_eq(saved, applied, "the config copy is not what create parsed");
	cr_assert_eq(WEXITSTATUS(status), 1, "create opened config.json a second time");
	check_state(id, "created");
	free(saved);
	free(copy);
	free(applied);
	free(path);
}

/* ---- a cgroup the container did not make ---- */

/* Create id with the harness config plus a mount the kernel has no type for. */
static void create_with_bogus_mount(struct ou_harness_result *res, const char *id)
{
	struct ou_harness_json *cfg = ou_harness_config();

	char last[32];

	ou_harness_config_add_mount(cfg, "/bogus", "bogusfs", "none", NULL);
	snprintf(last, sizeof(last), "mounts.%zu",
		 ou_harness_json_len(ou_harness_json_get(cfg, "mounts")) - 1);
	ou_harness_create(res, id);
	ou_harness_json_unset(cfg, last);
}

/*
 * A create naming the cgroup of a running container is refused with one
 * line that names the cgroup, and its undo leaves that container and its
 * cgroup alone (before, the undo SIGKILLed everything in the cgroup).
 */
static void check_busy_cgroup_refused(void)
{
	struct ou_harness_result res;
	const char *a = ou_harness_new_id();
	const char *b = ou_harness_new_id();
	const char *cg = ou_harness_new_cgroup_path();
	int pid;

	config_sleep();
	ou_harness_json_set_str(ou_harness_config(), "linux.cgroupsPath", cg);
	ou_harness_create_start(a);
	pid = ou_harness_state_pid(a);
	create_with_bogus_mount(&res, b);
	cr_assert_eq(res.status, 1, "create in a busy cgroup: status %d", res.status);
	cr_assert_eq(ou_harness_count_lines(res.err), 1, "stderr: %s", res.err);
	cr_assert_not_null(strstr(res.err, cg), "error does not name the cgroup: %s", res.err);
	cr_assert_not_null(strstr(res.err, "already holds processes"), "stderr: %s", res.err);
	ou_harness_result_release(&res);
	usleep(100 * 1000);
	cr_assert(ou_harness_pid_alive(pid), "the failed create killed the other container");
	cr_assert(ou_harness_cgroup_exists(cg), "the failed create removed the other's cgroup");
	check_state(a, "running");
}

Test(lifecycle, create_in_busy_cgroup_refused_and_kills_nothing, .timeout = T_TIMEOUT)
{
	check_busy_cgroup_refused();
}

Test(lifecycle, create_in_busy_cgroup_refused_and_kills_nothing_v2, .timeout = T_TIMEOUT)
{
	if (!ou_harness_simulate_cgroup_v2())
		cr_skip_test("the host has no cgroup2 hierarchy to simulate a v2 host with");
	check_busy_cgroup_refused();
}

/*
 * An empty cgroup that exists already (a stopped container's) may be used,
 * but neither a failed create nor delete of the borrower removes it: its
 * maker does.
 */
static void check_borrowed_cgroup_kept(void)
{
	struct ou_harness_result res;
	const char *a = ou_harness_new_id();
	const char *b = ou_harness_new_id();
	const char *c = ou_harness_new_id();
	const char *cg = ou_harness_new_cgroup_path();

	config_sleep();
	ou_harness_json_set_str(ou_harness_config(), "linux.cgroupsPath", cg);
	ou_harness_create_start(a);
	rt_ok("kill", ARGS("kill", a, "KILL"));
	cr_assert(ou_harness_wait_status(a, "stopped", 5000), "container did not stop");
	create_with_bogus_mount(&res, b);
	cr_assert_eq(res.status, 1, "create with a bogusfs mount: status %d", res.status);
	ou_harness_result_release(&res);
	cr_assert(ou_harness_cgroup_exists(cg), "a failed create removed a cgroup it did not make");
	ou_harness_create_start(c);
	check_state(c, "running");
	rt_ok("delete --force", ARGS("delete", "--force", c));
	cr_assert(ou_harness_cgroup_exists(cg),
		  "delete removed a cgroup the container did not make");
	rt_ok("delete", ARGS("delete", a));
	cr_assert(!ou_harness_cgroup_exists(cg), "the cgroup's maker left it");
}

Test(lifecycle, borrowed_cgroup_kept_by_undo_and_delete, .timeout = T_TIMEOUT)
{
	check_borrowed_cgroup_kept();
}

Test(lifecycle, borrowed_cgroup_kept_by_undo_and_delete_v2, .timeout = T_TIMEOUT)
{
	if (!ou_harness_simulate_cgroup_v2())
		cr_skip_test("the host has no cgroup2 hierarchy to simulate a v2 host with");
	check_borrowed_cgroup_kept();
}

/* ---- ps, list ---- */

Test(lifecycle, ps_json_lists_host_pids, .timeout = T_TIMEOUT)
{
	const char *id = ou_harness_new_id();
	int pids[16];
	int init;
	char *want;
	bool has_init = false;

	config_three_processes();
	ou_harness_create_start(id);
	init = ou_harness_state_pid(id);
	wait_ps_count(id, pids, 3);
	want = ou_harness_ns(init, "pid");
	for (int i = 0; i < 3; i++) {
		char *ns = ou_harness_ns(pids[i], "pid");

		/* host pids: readable under the host's /proc, in the container's pid namespace */
		cr_assert_str_eq(ns, want, "pid %d is not in the container", pids[i]);
		has_init = has_init || pids[i] == init;
		free(ns);
	}
	cr_assert(has_init, "ps does not list the init pid %d", init);
	free(want);
}

Test(lifecycle, list_shows_containers, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *one = ou_harness_new_id();
	const char *two = ou_harness_new_id();
	struct ou_harness_json *arr;
	char *quiet;

	config_sleep();
	ou_harness_create_start(one);
	ou_harness_create(&res, two);
	cr_assert_eq(res.status, 0, "create: %s", res.err);
	ou_harness_result_release(&res);

	ou_harness_rt(&res, "list", "--format", "json", NULL);
	cr_assert_eq(res.status, 0, "list: %s", res.err);
	arr = ou_harness_json_parse(res.out);
	cr_assert_eq(ou_harness_json_len(arr), 2, "list: %s", res.out);
	for (int i = 0; i < 2; i++) {
		char idkey[32], stkey[32];
		const char *got;

		snprintf(idkey, sizeof(idkey), "%d.id", i);
		snprintf(stkey, sizeof(stkey), "%d.status", i);
		got = ou_harness_json_str(ou_harness_json_get(arr, idkey));
		cr_assert_not_null(got, "list: %s", res.out);
		cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(arr, stkey)),
				 strcmp(got, one) == 0 ? "running" : "created", "list: %s",
				 res.out);
	}
	ou_harness_json_free(arr);
	ou_harness_result_release(&res);

	ou_harness_rt(&res, "list", "-q", NULL);
	cr_assert_eq(res.status, 0, "list -q: %s", res.err);
	quiet = res.out;
	cr_assert_eq(ou_harness_count_lines(quiet), 2, "list -q: %s", quiet);
	cr_assert(strstr(quiet, one) != NULL && strstr(quiet, two) != NULL, "list -q: %s", quiet);
	ou_harness_result_release(&res);
}

/*
 * The ociVersion of a list entry is that of the container's config, as in
 * its state (runc lists the config's version too), not a fixed one.
 */
Test(lifecycle, list_json_has_the_config_oci_version, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	struct ou_harness_json *arr;

	config_sleep();
	ou_harness_json_set_str(ou_harness_config(), "ociVersion", "1.0.2");
	ou_harness_create(&res, id);
	cr_assert_eq(res.status, 0, "create: %s", res.err);
	ou_harness_result_release(&res);

	ou_harness_rt(&res, "list", "--format", "json", NULL);
	cr_assert_eq(res.status, 0, "list: %s", res.err);
	arr = ou_harness_json_parse(res.out);
	cr_assert_eq(ou_harness_json_len(arr), 1, "list: %s", res.out);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(arr, "0.ociVersion")), "1.0.2",
			 "list: %s", res.out);
	ou_harness_json_free(arr);
	ou_harness_result_release(&res);
}

/*
 * A container whose state.json is corrupt is left out of list, but not
 * silently: a warning names it, and the others are listed.
 */
Test(lifecycle, list_warns_of_an_unreadable_container, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *good = ou_harness_new_id();
	const char *bad = ou_harness_new_id();
	char *path = NULL;

	if (!ou_harness_is_ociunion())
		cr_skip_test("--log-level and the warning are ociunion's");
	config_sleep();
	ou_harness_create(&res, good);
	cr_assert_eq(res.status, 0, "create: %s", res.err);
	ou_harness_result_release(&res);
	ou_harness_create(&res, bad);
	cr_assert_eq(res.status, 0, "create: %s", res.err);
	ou_harness_result_release(&res);
	cr_assert(asprintf(&path, "%s/%s/state.json", ou_harness_state_root(), bad) > 0);
	ou_harness_write(path, "{garbage");

	ou_harness_rt(&res, "--log-level", "warning", "list", "-q", NULL);
	cr_assert_eq(res.status, 0, "list: %s", res.err);
	cr_assert_eq(ou_harness_count_lines(res.out), 1, "list: %s", res.out);
	cr_assert(strncmp(res.out, good, strlen(good)) == 0, "list: %s", res.out);
	cr_assert_not_null(strstr(res.err, bad), "no warning naming '%s': %s", bad, res.err);
	ou_harness_result_release(&res);
	free(path);
}

/* ---- pause, resume, update, events ---- */

/* The state letter of /proc/PID/status ("S", "D", ...). */
static char proc_state(int pid)
{
	char *path = NULL;
	char *text;
	char *line;
	char c;

	cr_assert(asprintf(&path, "/proc/%d/status", pid) > 0);
	text = ou_harness_read(path);
	line = strstr(text, "\nState:");
	cr_assert_not_null(line, "%s", text);
	line += strlen("\nState:");
	while (*line == ' ' || *line == '\t')
		line++;
	c = *line;
	free(text);
	free(path);
	return c;
}

/* The content of FILE in the cgroup path of one v1 hierarchy (or the v2 tree). */
static char *cgroup_file(const char *controller, const char *cg, const char *file)
{
	char *path = NULL;
	char *text;

	if (ou_harness_exists("/sys/fs/cgroup/cgroup.controllers"))
		cr_assert(asprintf(&path, "/sys/fs/cgroup%s/%s", cg, file) > 0);
	else
		cr_assert(asprintf(&path, "/sys/fs/cgroup/%s%s/%s", controller, cg, file) > 0);
	text = ou_harness_read(path);
	free(path);
	return text;
}

Test(lifecycle, pause_freezes_and_resume_thaws, .timeout = T_TIMEOUT)
{
	const char *id = ou_harness_new_id();
	int pid;
	char *status;

	config_sleep();
	ou_harness_create_start(id);
	pid = ou_harness_state_pid(id);
	rt_ok("pause", ARGS("pause", id));
	status = ou_harness_state_status(id);
	cr_assert_str_eq(status, "paused");
	free(status);
	/* a frozen task sleeps uninterruptibly in the freezer */
	cr_assert_eq(proc_state(pid), 'D', "paused process is not frozen");

	rt_ok("resume", ARGS("resume", id));
	status = ou_harness_state_status(id);
	cr_assert_str_eq(status, "running");
	free(status);
	for (int i = 0; i < 100 && proc_state(pid) == 'D'; i++)
		usleep(10 * 1000);
	cr_assert_eq(proc_state(pid), 'S', "resumed process is not sleeping normally");
}

Test(lifecycle, update_changes_memory_limit, .timeout = T_TIMEOUT)
{
	const char *id = ou_harness_new_id();
	const char *cg = ou_harness_new_cgroup_path();
	char *res_file = ou_harness_path("resources.json");
	bool v2 = ou_harness_exists("/sys/fs/cgroup/cgroup.controllers");
	const char *file = v2 ? "memory.max" : "memory.limit_in_bytes";
	char *text;

	config_sleep();
	ou_harness_json_set_str(ou_harness_config(), "linux.cgroupsPath", cg);
	ou_harness_create_start(id);
	ou_harness_write(res_file, "{\"memory\": {\"limit\": 67108864}}");
	rt_ok("update", ARGS("update", "--resources", res_file, id));
	text = cgroup_file("memory", cg, file);
	cr_assert_str_eq(text, "67108864\n", "%s after update: %s", file, text);
	free(text);
	free(res_file);
}

/* ociunion's default cgroup (no cgroupsPath) is /ociunion/<id>. */
Test(lifecycle, update_uses_default_cgroup, .timeout = T_TIMEOUT)
{
	const char *id = ou_harness_new_id();
	char *res_file = ou_harness_path("resources.json");
	char *cg = NULL;
	char *text;
	char *procs;
	char pidline[32];

	/* Criterion does not run .fini after a skip in the test body */
	if (!ou_harness_is_ociunion()) {
		ou_harness_fini();
		cr_skip_test("the default cgroup path is ociunion's own choice");
	}
	if (ou_harness_exists("/sys/fs/cgroup/cgroup.controllers")) {
		ou_harness_fini();
		cr_skip_test("the check reads v1 hierarchies");
	}
	config_sleep();
	ou_harness_create_start(id);
	cr_assert(asprintf(&cg, "/ociunion/%s", id) > 0);
	procs = cgroup_file("pids", cg, "cgroup.procs");
	snprintf(pidline, sizeof(pidline), "%d\n", ou_harness_state_pid(id));
	cr_assert_not_null(strstr(procs, pidline), "init not in '%s': %s", cg, procs);
	ou_harness_write(res_file, "{\"memory\": {\"limit\": 33554432}}");
	rt_ok("update", ARGS("update", "--resources", res_file, id));
	text = cgroup_file("memory", cg, "memory.limit_in_bytes");
	cr_assert_str_eq(text, "33554432\n", "memory.limit_in_bytes after update: %s", text);
	free(text);
	free(procs);
	free(cg);
	free(res_file);
}

Test(lifecycle, events_stats_prints_one_stats_object, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	struct ou_harness_json *ev;

	config_sleep();
	ou_harness_create_start(id);
	ou_harness_rt(&res, "events", "--stats", id, NULL);
	cr_assert_eq(res.status, 0, "events --stats: %s", res.err);
	cr_assert_eq(ou_harness_count_lines(res.out), 1, "events --stats: %s", res.out);
	ev = ou_harness_json_parse(res.out);
	cr_assert_not_null(ev, "not one JSON object: %s", res.out);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(ev, "type")), "stats");
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(ev, "id")), id);
	cr_assert_gt(ou_harness_json_len(ou_harness_json_get(ev, "data")), 0, "%s", res.out);
	ou_harness_json_free(ev);
	ou_harness_result_release(&res);
}

/*
 * --interval takes runc's form "1s" (a Go duration) as well as plain
 * seconds: the records come until the container stops.  A fraction of a
 * second is refused with one line.
 */
Test(lifecycle, events_interval_takes_seconds_with_unit, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	ou_harness_config_args(ou_harness_config(), "sleep", "2", NULL);
	ou_harness_create_start(id);
	ou_harness_rt(&res, "events", "--interval", "500ms", id, NULL);
	cr_assert_eq(res.status, 1, "events --interval 500ms: status %d", res.status);
	cr_assert_eq(ou_harness_count_lines(res.err), 1, "stderr: %s", res.err);
	ou_harness_result_release(&res);
	ou_harness_rt(&res, "events", "--interval", "1s", id, NULL);
	cr_assert_eq(res.status, 0, "events --interval 1s: %s", res.err);
	cr_assert_geq(ou_harness_count_lines(res.out), 1, "events: %s", res.out);
	cr_assert_not_null(strstr(res.out, "\"type\":\"stats\""), "events: %s", res.out);
	ou_harness_result_release(&res);
}

/* features.md: the output validates against schema/features-schema.json */
Test(lifecycle, features_match_schema, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	ou_harness_rt(&res, "features", NULL);
	cr_assert_eq(res.status, 0, "features: %s", res.err);
	cr_assert_not_null(ou_harness_json_get(ou_harness_json_parse(res.out), "ociVersionMax"),
			   "features: %s", res.out);
	cr_assert(ou_harness_schema_valid(res.out, "features-schema.json"),
		  "features do not match features-schema.json: %s", res.out);
	ou_harness_result_release(&res);
}

/* ---- the JSON log ---- */

/* STYLE 3.6: a failed command writes exactly one error object to --log. */
Test(lifecycle, failed_create_logs_one_json_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *log = ou_harness_path("log.json");
	char *missing = ou_harness_path("no-such-bundle");
	struct ou_harness_json *rec;
	const char *msg;
	const char *time;
	char *text;

	ou_harness_rt(&res, "--log", log, "--log-format", "json", "create", "-b", missing, id,
		      NULL);
	cr_assert_eq(res.status, 1, "create of a missing bundle: status %d", res.status);
	cr_assert_neq(res.err[0], '\0', "the error did not reach stderr");
	text = ou_harness_read(log);
	cr_assert_eq(ou_harness_count_lines(text), 1, "log: %s", text);
	rec = ou_harness_json_parse(text);
	cr_assert_not_null(rec, "log line is not one JSON object: %s", text);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(rec, "level")), "error");
	msg = ou_harness_json_str(ou_harness_json_get(rec, "msg"));
	time = ou_harness_json_str(ou_harness_json_get(rec, "time"));
	cr_assert(msg != NULL && *msg != '\0', "no msg: %s", text);
	/* RFC 3339: 2006-01-02T15:04:05... */
	cr_assert(time != NULL && strlen(time) >= 20 && time[4] == '-' && time[10] == 'T',
		  "time: %s", text);
	if (ou_harness_is_ociunion())
		cr_assert_not_null(strstr(res.err, msg), "stderr '%s' lacks '%s'", res.err, msg);
	ou_harness_json_free(rec);
	ou_harness_result_release(&res);
	free(text);
	free(missing);
	free(log);
}

/* ---- many containers at once ---- */

#define N_PARALLEL 20

/* Run the runtime with args (after --root) in a child; stderr to errfd. */
static int run_plain(const char *const args[], int errfd)
{
	const char *argv[16] = { ou_harness_runtime(), "--root", ou_harness_state_root() };
	size_t n = 3;
	int st = 0;
	pid_t pid;

	for (size_t i = 0; args[i] != NULL && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (dup2(errfd, STDERR_FILENO) < 0 || dup2(errfd, STDOUT_FILENO) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* One worker: create, start, wait for stopped, delete; 0 on success. */
static int worker(const char *id, int errfd)
{
	if (run_plain(ARGS("create", "-b", ou_harness_bundle(), id), errfd) != 0)
		return 1;
	if (run_plain(ARGS("start", id), errfd) != 0)
		return 2;
	if (run_plain(ARGS("delete", "--force", id), errfd) != 0)
		return 3;
	return 0;
}

static pid_t spawn_worker(const char *id, const char *errpath)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	cr_assert(pid >= 0, "fork");
	if (pid == 0) {
		FILE *f = fopen(errpath, "we");

		if (f == NULL)
			_exit(100);
		_exit(worker(id, fileno(f)));
	}
	return pid;
}

Test(lifecycle, twenty_containers_in_parallel, .timeout = 120)
{
	struct ou_harness_result res;
	pid_t pids[N_PARALLEL];
	char *ids[N_PARALLEL];
	char *errs[N_PARALLEL];

	ou_harness_config_args(ou_harness_config(), "true", NULL);
	ou_harness_config_write(ou_harness_config(), ou_harness_bundle());
	for (int i = 0; i < N_PARALLEL; i++) {
		cr_assert(asprintf(&ids[i], "ou-par-%d-%d", (int)getpid(), i) > 0);
		ou_harness_track_id(ids[i]);
		errs[i] = ou_harness_path("worker-%d.err", i);
	}
	for (int i = 0; i < N_PARALLEL; i++)
		pids[i] = spawn_worker(ids[i], errs[i]);
	for (int i = 0; i < N_PARALLEL; i++) {
		int st = 0;
		char *text;

		cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
		text = ou_harness_read(errs[i]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d failed at step %d: %s",
			  i, WEXITSTATUS(st), text);
		cr_assert_null(strcasestr(text, "lock"), "worker %d: %s", i, text);
		free(text);
	}
	ou_harness_rt(&res, "list", "-q", NULL);
	cr_assert_eq(res.status, 0, "list -q: %s", res.err);
	cr_assert_str_eq(res.out, "", "containers left: %s", res.out);
	ou_harness_result_release(&res);
	for (int i = 0; i < N_PARALLEL; i++) {
		char *dir = ou_harness_path("state/%s", ids[i]);
		char *cg = NULL;

		cr_assert(asprintf(&cg, "/ociunion/%s", ids[i]) > 0);
		cr_assert(!ou_harness_exists(dir), "state '%s' left", dir);
		cr_assert(!ou_harness_cgroup_exists(cg), "cgroup '%s' left", cg);
		cr_assert(!ou_harness_cgroup_exists(cg + strlen("/ociunion")),
			  "cgroup of '%s' left", ids[i]);
		free(cg);
		free(dir);
		free(errs[i]);
		free(ids[i]);
	}
}
