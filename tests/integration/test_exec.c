/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exec of a new process in a running container (issue 3): exit status,
 * the container's namespaces, cgroup and mounts, the process options
 * (-u, -e, --cwd, -d, --pid-file, --process, -t with --console-socket),
 * and the errors of a stopped container or a missing program.
 *
 * exec is not an operation of runtime-spec runtime.md; it follows runc's
 * command line (INTERFACE.md), and the process it starts is described by
 * config.md "Process".  Runs against $OU_RUNTIME if set, else ociunion.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/integration/harness.h"

#define T_TIMEOUT 30

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

TestSuite(exec, .init = ou_harness_init, .fini = ou_harness_fini);

/* A running container (sleep as init, a tmpfs at /mnt/scratch); its id. */
static const char *running(void)
{
	const char *id = ou_harness_new_id();

	ou_harness_config_args(ou_harness_config(), "sleep", "1000", NULL);
	ou_harness_config_add_mount(ou_harness_config(), "/mnt/scratch", "tmpfs", "tmpfs",
				    "size=1m", NULL);
	ou_harness_create_start(id);
	return id;
}

/* `exec OPTIONS... ID ARGS...` as one NULL-terminated vector; fills *res. */
static void exec_in(struct ou_harness_result *res, const char *const args[])
{
	const char *full[32] = { "exec" };
	size_t n = 1;

	for (size_t i = 0; args[i] != NULL && n < 31; i++)
		full[n++] = args[i];
	full[n] = NULL;
	ou_harness_rtv(res, OU_HARNESS_TIMEOUT, full);
	cr_assert(!res->timed_out, "exec timed out; stderr: %s", res->err);
}

/* exec that must exit 0; returns its stdout (owned by res). */
static const char *exec_ok(struct ou_harness_result *res, const char *const args[])
{
	exec_in(res, args);
	cr_assert_eq(res->status, 0, "exec: status %d; stdout: %s; stderr: %s", res->status,
		     res->out, res->err);
	return res->out;
}

static char *with_newline(const char *s)
{
	char *out = NULL;

	cr_assert(asprintf(&out, "%s\n", s) > 0);
	return out;
}

Test(exec, exit_status_is_passed_through, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = running();

	exec_in(&res, ARGS(id, "sh", "-c", "exit 5"));
	cr_assert_eq(res.status, 5, "exec exit 5 gave %d: %s", res.status, res.err);
	ou_harness_result_release(&res);
	exec_in(&res, ARGS(id, "/bin/payload", "exit", "0"));
	cr_assert_eq(res.status, 0, "exec exit 0 gave %d: %s", res.status, res.err);
	ou_harness_result_release(&res);
}

Test(exec, sees_the_container_hostname, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id;

	ou_harness_json_set_str(ou_harness_config(), "hostname", "ou-exec-host");
	id = running();
	cr_assert_str_eq(exec_ok(&res, ARGS(id, "hostname")), "ou-exec-host\n");
	ou_harness_result_release(&res);
}

/* The namespace the exec'd readlink reports is the one of the container init. */
static void check_same_ns(const char *name)
{
	struct ou_harness_result res;
	const char *id = running();
	char *want = ou_harness_ns(ou_harness_state_pid(id), name);
	char *line = with_newline(want);
	char *host = ou_harness_ns(getpid(), name);
	char *path = NULL;

	cr_assert(asprintf(&path, "/proc/self/ns/%s", name) > 0);
	cr_assert_str_neq(want, host, "the container shares the host's %s namespace", name);
	cr_assert_str_eq(exec_ok(&res, ARGS(id, "readlink", path)), line);
	ou_harness_result_release(&res);
	free(path);
	free(host);
	free(line);
	free(want);
}

Test(exec, joins_the_container_pid_namespace, .timeout = T_TIMEOUT)
{
	check_same_ns("pid");
}

Test(exec, joins_the_container_mount_namespace, .timeout = T_TIMEOUT)
{
	check_same_ns("mnt");
}

Test(exec, sees_the_container_mounts, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = running();
	const char *out = exec_ok(&res, ARGS(id, "/bin/cat", "/proc/self/mountinfo"));

	ou_harness_assert_mount(out, "/mnt/scratch", "tmpfs", NULL, NULL, NULL);
	ou_harness_result_release(&res);
	/* the container's root, not the host's: the payload is at /bin/payload */
	cr_assert_str_eq(exec_ok(&res, ARGS(id, "/bin/payload", "stat", "/bin/payload")),
			 "type=file mode=0755 uid=0 gid=0\n");
	ou_harness_result_release(&res);
}

Test(exec, user_option_sets_uid_and_gid, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = running();
	const char *out = exec_ok(&res, ARGS("-u", "1000:1000", id, "/bin/payload", "ids"));

	cr_assert(strstr(out, "uid=1000 euid=1000 gid=1000 egid=1000 ") == out, "ids: %s", out);
	ou_harness_result_release(&res);
}

/*
 * A uid or gid that is not decimal digits in 0..4294967294 is refused
 * with one line naming it, and nothing runs.  "-1" used to be read as
 * 4294967295, which setresuid takes as "no change": the process ran as
 * root.
 */
Test(exec, user_option_refuses_bad_ids, .timeout = T_TIMEOUT)
{
	static const char *const bad[][2] = {
		{ "-1", "-1" },
		{ "1000:-1", "-1" },
		{ "4294967295", "4294967295" },
		{ "0:4294967295", "4294967295" },
		{ "+5", "+5" },
		{ " 5", " 5" },
		{ "1000:", "''" },
		{ "1000:1:2", "1:2" },
		{ "x", "x" },
	};
	struct ou_harness_result res;
	const char *id = running();
	char *marker = NULL;

	cr_assert(asprintf(&marker, "%s/ran", ou_harness_rootfs()) > 0);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		exec_in(&res, ARGS("-u", bad[i][0], id, "/bin/payload", "write", "/ran", "x"));
		cr_assert_eq(res.status, 1, "exec -u '%s': status %d; stdout: %s", bad[i][0],
			     res.status, res.out);
		cr_assert_eq(ou_harness_count_lines(res.err), 1, "stderr: %s", res.err);
		cr_assert_not_null(strstr(res.err, bad[i][1]), "-u '%s': stderr: %s", bad[i][0],
				   res.err);
		ou_harness_result_release(&res);
		cr_assert(!ou_harness_exists(marker), "exec -u '%s' ran its process", bad[i][0]);
	}
	free(marker);
}

Test(exec, env_option_adds_variables, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = running();

	exec_ok(&res, ARGS("-e", "OU_ONE=first", "-e", "OU_TWO=a b", id, "sh", "-c",
			   "echo \"$OU_ONE|$OU_TWO|$PATH\""));
	cr_assert(strncmp(res.out, "first|a b|/", 11) == 0, "env: %s", res.out);
	ou_harness_result_release(&res);
}

Test(exec, cwd_option_sets_directory, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = running();

	cr_assert_str_eq(exec_ok(&res, ARGS("--cwd", "/home/test", id, "pwd")), "/home/test\n");
	ou_harness_result_release(&res);
}

/* True if ps --format json of id lists pid. */
static bool ps_lists(const char *id, int pid)
{
	struct ou_harness_result res;
	struct ou_harness_json *arr;
	bool found = false;

	ou_harness_rt(&res, "ps", "--format", "json", id, NULL);
	cr_assert_eq(res.status, 0, "ps: %s", res.err);
	arr = ou_harness_json_parse(res.out);
	cr_assert_not_null(arr, "ps output is not JSON: %s", res.out);
	for (size_t i = 0; i < ou_harness_json_len(arr); i++) {
		char key[32];
		long long p;

		snprintf(key, sizeof(key), "%zu", i);
		if (ou_harness_json_int(ou_harness_json_get(arr, key), &p) && p == pid)
			found = true;
	}
	ou_harness_json_free(arr);
	ou_harness_result_release(&res);
	return found;
}

Test(exec, detach_writes_pid_file_of_process_in_the_container, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = running();
	char *pidfile = ou_harness_path("exec.pid");
	char *text;
	char *want;
	char *ns;
	int pid;

	exec_ok(&res, ARGS("-d", "--pid-file", pidfile, id, "sleep", "1000"));
	ou_harness_result_release(&res);
	text = ou_harness_read(pidfile);
	pid = atoi(text);
	cr_assert(pid > 0 && ou_harness_pid_alive(pid), "pid file '%s': no live process", text);
	want = ou_harness_ns(ou_harness_state_pid(id), "pid");
	ns = ou_harness_ns(pid, "pid");
	cr_assert_str_eq(ns, want, "exec'd process is not in the container's pid namespace");
	/* in the container's cgroup: ps reads the cgroup's process list */
	cr_assert(ps_lists(id, pid), "ps does not list the exec'd pid %d", pid);
	free(ns);
	free(want);
	free(text);
	free(pidfile);
}

/*
 * A pid file that cannot be written fails exec with one line naming the
 * option and the path given (not a temporary name of the runtime's), and
 * the process it started is gone: ps lists the container's init alone.
 */
Test(exec, unwritable_pid_file_is_named_and_leaves_no_process, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = running();
	char *pidfile = ou_harness_path("missing/exec.pid");
	struct ou_harness_json *pids;
	char *want = NULL;

	exec_in(&res, ARGS("-d", "--pid-file", pidfile, id, "sleep", "1000"));
	cr_assert_eq(res.status, 1, "exec: status %d", res.status);
	cr_assert_eq(ou_harness_count_lines(res.err), 1, "stderr: %s", res.err);
	if (ou_harness_is_ociunion()) {
		cr_assert(asprintf(&want, "--pid-file: open '%s': ", pidfile) > 0);
		cr_assert_not_null(strstr(res.err, want), "stderr: %s", res.err);
	}
	ou_harness_result_release(&res);
	ou_harness_rt(&res, "ps", "--format", "json", id, NULL);
	cr_assert_eq(res.status, 0, "ps: %s", res.err);
	pids = ou_harness_json_parse(res.out);
	cr_assert_eq(ou_harness_json_len(pids), 1, "ps: %s", res.out);
	ou_harness_json_free(pids);
	ou_harness_result_release(&res);
	free(want);
	free(pidfile);
}

/* config.md "Process": the process object of --process FILE */
Test(exec, process_file_describes_the_process, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = running();
	char *file = ou_harness_path("process.json");

	ou_harness_write(file,
			 "{\"terminal\": false, \"user\": {\"uid\": 1000, \"gid\": 1000},"
			 " \"args\": [\"sh\", \"-c\", \"echo $OU_P $(id -u) $(pwd); exit 3\"],"
			 " \"env\": [\"PATH=/bin\", \"OU_P=from-json\"], \"cwd\": \"/tmp\"}");
	exec_in(&res, ARGS("--process", file, id));
	cr_assert_eq(res.status, 3, "exec --process: status %d: %s", res.status, res.err);
	cr_assert_str_eq(res.out, "from-json 1000 /tmp\n");
	ou_harness_result_release(&res);
	free(file);
}

Test(exec, terminal_through_console_socket, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = running();
	char *sock = ou_harness_path("exec-console.sock");
	char *out = ou_harness_path("exec-console.out");
	char *text;
	int tty;

	tty = ou_harness_recvtty_start(sock, NULL, out);
	/* runc takes --console-socket only with -d; the output comes through the master */
	exec_in(&res, ARGS("-d", "-t", "--console-socket", sock, id, "sh", "-c",
			   "test -t 0 && test -t 1 && echo tty-$((6*7))"));
	cr_assert_eq(res.status, 0, "exec -d -t: status %d: %s", res.status, res.err);
	ou_harness_result_release(&res);
	cr_assert_eq(ou_harness_recvtty_wait(tty, 10000), 0, "recvtty failed");
	text = ou_harness_read(out);
	cr_assert_not_null(strstr(text, "tty-42"), "terminal output: '%s'", text);
	free(text);
	free(out);
	free(sock);
}

Test(exec, in_stopped_container_fails, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	ou_harness_config_args(ou_harness_config(), "true", NULL);
	ou_harness_create_start(id);
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "process did not stop");
	exec_in(&res, ARGS(id, "true"));
	cr_assert_neq(res.status, 0, "exec in a stopped container succeeded");
	/* STYLE 3.4, 3.6: status 1 and the phrase engines match; runc differs in both */
	if (ou_harness_is_ociunion()) {
		cr_assert_eq(res.status, 1, "exec in stopped: status %d", res.status);
		cr_assert_not_null(strstr(res.err, "container not running"), "stderr: %s", res.err);
	}
	ou_harness_result_release(&res);
}

Test(exec, missing_executable_fails_with_not_found_phrase, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = running();

	exec_in(&res, ARGS(id, "no-such-command"));
	cr_assert_neq(res.status, 0, "exec of a missing program succeeded");
	cr_assert_not_null(strstr(res.err, "executable file not found in $PATH"), "stderr: %s",
			   res.err);
	ou_harness_result_release(&res);
	/* the container is untouched */
	cr_assert(ou_harness_wait_status(id, "running", 1000), "container not running after");
}

Test(exec, process_is_in_the_container_cgroup, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	const char *cg = ou_harness_new_cgroup_path();
	const char *out;

	ou_harness_config_args(ou_harness_config(), "sleep", "1000", NULL);
	ou_harness_json_set_str(ou_harness_config(), "linux.cgroupsPath", cg);
	ou_harness_create_start(id);
	out = exec_ok(&res, ARGS(id, "cat", "/proc/self/cgroup"));
	/* every hierarchy line names the container's cgroup ("N:memory:/ou-test-...") */
	cr_assert_not_null(strstr(out, cg), "/proc/self/cgroup: %s", out);
	ou_harness_result_release(&res);
}
