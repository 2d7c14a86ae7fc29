/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `run` of a busybox bundle in the foreground (issue "Foundation"): exit
 * status, namespaces, process settings, mounts, limits and what is left
 * afterwards; and bad bundles, which must fail cleanly.
 *
 * Runs against $OU_RUNTIME if set (runc works for comparison), else the
 * built ociunion.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/integration/harness.h"

#define T_TIMEOUT 30

TestSuite(run, .init = ou_harness_init, .fini = ou_harness_fini);

/* Run the default bundle with the given args; the result is in *res. */
static const char *run_args(struct ou_harness_result *res, const char *const args[])
{
	struct ou_harness_json *cfg = ou_harness_config();
	const char *id = ou_harness_new_id();

	ou_harness_config_argv(cfg, args);
	ou_harness_run(res, id);
	cr_assert(!res->timed_out, "runtime timed out; stderr: %s", res->err);
	return id;
}

/* Run and require exit status 1 (payload's errno report); returns stdout. */
static const char *run_fail(struct ou_harness_result *res, const char *const args[])
{
	run_args(res, args);
	cr_assert_eq(res->status, 1, "exit status %d; stdout: %s; stderr: %s", res->status,
		     res->out, res->err);
	return res->out;
}

/* Run and require exit status 0; returns the container's stdout. */
static const char *run_ok(struct ou_harness_result *res, const char *const args[])
{
	run_args(res, args);
	cr_assert_eq(res->status, 0, "exit status %d; stdout: %s; stderr: %s", res->status,
		     res->out, res->err);
	return res->out;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- exit status ---- */

Test(run, exit_status_zero_is_passed_through, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	run_args(&res, ARGS("sh", "-c", "echo ran; exit 0"));
	cr_assert_eq(res.status, 0, "stderr: %s", res.err);
	cr_assert_str_eq(res.out, "ran\n");
}

Test(run, exit_status_seven_is_passed_through, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	run_args(&res, ARGS("/bin/payload", "exit", "7"));
	cr_assert_eq(res.status, 7, "stderr: %s", res.err);
}

Test(run, shell_exit_status_is_passed_through, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	run_args(&res, ARGS("sh", "-c", "exit 42"));
	cr_assert_eq(res.status, 42, "stderr: %s", res.err);
}

Test(run, status_of_child_killed_by_sigkill_is_passed_through, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	/* The shell is pid 1 and immune to its own SIGKILL; a child is not. */
	run_args(&res, ARGS("sh", "-c", "sh -c 'kill -9 $$'; exit $?"));
	cr_assert_eq(res.status, 137, "stderr: %s", res.err);
}

Test(run, process_killed_by_sigkill_gives_137, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	/* Without a pid namespace the process can kill itself. */
	ou_harness_config_remove_namespace(ou_harness_config(), "pid");
	run_args(&res, ARGS("sh", "-c", "kill -9 $$"));
	cr_assert_eq(res.status, 137, "stderr: %s", res.err);
}

/* ---- namespaces ---- */

Test(run, process_is_pid_one_in_new_pid_namespace, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	cr_assert_str_eq(run_ok(&res, ARGS("sh", "-c", "echo $$")), "1\n");
}

Test(run, hostname_is_set_in_new_uts_namespace, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	ou_harness_json_set_str(ou_harness_config(), "hostname", "ou-box-1");
	cr_assert_str_eq(run_ok(&res, ARGS("hostname")), "ou-box-1\n");
}

/* The interface names listed in /proc/net/dev output, one per line. */
static char *interfaces(const char *dev)
{
	char *names = calloc(1, strlen(dev) + 1);
	const char *line = dev;

	cr_assert_not_null(names);
	for (int n = 0; line != NULL && *line != '\0'; n++) {
		const char *colon = strchr(line, ':');
		const char *nl = strchr(line, '\n');

		if (n >= 2 && colon != NULL && (nl == NULL || colon < nl)) {
			const char *start = line;

			while (*start == ' ')
				start++;
			strncat(names, start, (size_t)(colon - start));
			strcat(names, "\n");
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return names;
}

Test(run, new_network_namespace_has_only_loopback, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *names;

	names = interfaces(run_ok(&res, ARGS("cat", "/proc/net/dev")));
	cr_assert_str_eq(names, "lo\n", "interfaces: %s", names);
	free(names);
}

/* ---- the process ---- */

Test(run, args_are_passed_exactly, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	cr_assert_str_eq(run_ok(&res, ARGS("printf", "[%s]\\n", "a b", "", "c")),
			 "[a b]\n[]\n[c]\n");
}

Test(run, env_is_set, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	ou_harness_config_env(ou_harness_config(), "PATH=/bin", "OU_ONE=first value",
			      "OU_TWO=", NULL);
	cr_assert_str_eq(run_ok(&res, ARGS("sh", "-c", "echo \"$OU_ONE|${OU_TWO-unset}|$PATH\"")),
			 "first value||/bin\n");
}

Test(run, cwd_is_set, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	ou_harness_json_set_str(ou_harness_config(), "process.cwd", "/home/test");
	cr_assert_str_eq(run_ok(&res, ARGS("pwd")), "/home/test\n");
}

Test(run, user_uid_and_gid_are_set, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *out;

	ou_harness_json_setf(ou_harness_config(), "process.user", "{\"uid\": 1000, \"gid\": 1000}");
	out = run_ok(&res, ARGS("/bin/payload", "ids"));
	cr_assert(strstr(out, "uid=1000 euid=1000 gid=1000 egid=1000 ") == out, "ids: %s", out);
}

Test(run, user_additional_gids_are_set, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *out;

	ou_harness_json_setf(ou_harness_config(), "process.user",
			     "{\"uid\": 1000, \"gid\": 1000, \"additionalGids\": [2000, 3000]}");
	out = run_ok(&res, ARGS("/bin/payload", "ids"));
	cr_assert_not_null(strstr(out, " groups="), "ids: %s", out);
	cr_assert_not_null(strstr(out, "2000"), "ids: %s", out);
	cr_assert_not_null(strstr(out, "3000"), "ids: %s", out);
}

Test(run, umask_is_set, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	/* 0027 octal is 23 */
	ou_harness_json_setf(ou_harness_config(), "process.user",
			     "{\"uid\": 0, \"gid\": 0, \"umask\": 23}");
	cr_assert_str_eq(run_ok(&res, ARGS("/bin/payload", "umask")), "0027\n");
}

Test(run, stdout_and_stderr_are_passed_through, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	run_ok(&res, ARGS("sh", "-c", "echo to-out; echo to-err >&2; echo more-out"));
	cr_assert_str_eq(res.out, "to-out\nmore-out\n");
	cr_assert_not_null(strstr(res.err, "to-err\n"), "stderr: %s", res.err);
	if (ou_harness_is_ociunion())
		cr_assert_str_eq(res.err, "to-err\n");
}

/* ---- root and mounts ---- */

Test(run, readonly_root_refuses_writes, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *host = NULL;

	ou_harness_json_setf(ou_harness_config(), "root.readonly", "true");
	cr_assert_str_eq(run_fail(&res, ARGS("/bin/payload", "write", "/new-file", "x")),
			 "EROFS\n");
	host = ou_harness_path("bundle/rootfs/new-file");
	cr_assert(!ou_harness_exists(host), "file created on the host");
	free(host);
}

Test(run, writable_root_accepts_writes, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *host = ou_harness_path("bundle/rootfs/new-file");
	char *text = NULL;

	cr_assert_str_eq(run_ok(&res, ARGS("/bin/payload", "write", "/new-file", "x")), "ok\n");
	text = ou_harness_read(host);
	cr_assert_str_eq(text, "x");
	free(text);
	free(host);
}

Test(run, readonly_bind_mount_refuses_writes, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *src = ou_harness_path("host-ro");
	char *file = ou_harness_path("host-ro/file");

	ou_harness_mkdir(src);
	ou_harness_config_add_mount(ou_harness_config(), "/mnt/ro", "bind", src, "rbind", "ro",
				    NULL);
	cr_assert_str_eq(run_fail(&res, ARGS("/bin/payload", "write", "/mnt/ro/file", "x")),
			 "EROFS\n");
	cr_assert(!ou_harness_exists(file), "file written through a read-only bind mount");
	free(file);
	free(src);
}

Test(run, bind_mount_writes_through_to_host, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *src = ou_harness_path("host-rw");
	char *file = ou_harness_path("host-rw/file");
	char *text = NULL;

	ou_harness_mkdir(src);
	ou_harness_config_add_mount(ou_harness_config(), "/mnt/rw", "bind", src, "rbind", "rw",
				    NULL);
	cr_assert_str_eq(run_ok(&res, ARGS("/bin/payload", "write", "/mnt/rw/file", "hello")),
			 "ok\n");
	text = ou_harness_read(file);
	cr_assert_str_eq(text, "hello");
	free(text);
	free(file);
	free(src);
}

Test(run, tmpfs_mount_is_mounted_and_writable, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *out;

	ou_harness_config_add_mount(ou_harness_config(), "/mnt/scratch", "tmpfs", "tmpfs", "nosuid",
				    "size=1m", "mode=1777", NULL);
	out = run_ok(&res,
		     ARGS("sh", "-c",
			  OU_HARNESS_PRINT_MOUNTS
			  " && "
			  "/bin/payload write /mnt/scratch/f x && /bin/payload stat /mnt/scratch"));
	ou_harness_assert_mount(out, "/mnt/scratch", "tmpfs", "nosuid", "ro", "size=1024k");
	cr_assert_not_null(strstr(out, "\nok\ntype=dir mode=1777 "), "output: %s", out);
}

/* ---- limits and capabilities ---- */

Test(run, rlimits_are_applied, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *out;

	ou_harness_config_add_rlimit(ou_harness_config(), "RLIMIT_NOFILE", 123, 456);
	ou_harness_config_add_rlimit(ou_harness_config(), "RLIMIT_CORE", 0, 4096);
	out = run_ok(&res, ARGS("sh", "-c", "cat /proc/self/limits; /bin/payload limits"));
	cr_assert_not_null(strstr(out, "Max open files            123                  456"),
			   "limits: %s", out);
	cr_assert_not_null(strstr(out, "Max core file size        0                    4096"),
			   "limits: %s", out);
	cr_assert_not_null(strstr(out, "\nRLIMIT_NOFILE 123 456\n"), "limits: %s", out);
}

Test(run, capabilities_are_limited_to_config, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *out;

	ou_harness_config_set_caps(ou_harness_config(), "CAP_CHOWN", "CAP_KILL", NULL);
	out = run_ok(&res, ARGS("/bin/payload", "caps"));
	/* CAP_CHOWN is bit 0, CAP_KILL bit 5 */
	cr_assert_not_null(strstr(out, "CapEff=0000000000000021\n"), "caps: %s", out);
	cr_assert_not_null(strstr(out, "CapPrm=0000000000000021\n"), "caps: %s", out);
	cr_assert_not_null(strstr(out, "CapBnd=0000000000000021\n"), "caps: %s", out);
}

Test(run, default_capabilities_exclude_sys_admin, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *out;

	/* The default set: CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29) */
	out = run_ok(&res, ARGS("/bin/payload", "caps"));
	cr_assert_not_null(strstr(out, "CapEff=0000000020000420\n"), "caps: %s", out);
	cr_assert_not_null(strstr(out, "CapBnd=0000000020000420\n"), "caps: %s", out);
}

/* ---- what is left after the run ---- */

Test(run, state_directory_is_removed_after_exit, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id;
	char *state;

	id = run_args(&res, ARGS("sh", "-c", "echo ran"));
	cr_assert_eq(res.status, 0, "stderr: %s", res.err);
	cr_assert_str_eq(res.out, "ran\n");
	state = ou_harness_path("state/%s", id);
	cr_assert(!ou_harness_exists(state), "'%s' left behind", state);
	free(state);
}

Test(run, cgroup_is_removed_after_exit, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *cg = ou_harness_new_cgroup_path();
	const char *out;

	ou_harness_json_set_str(ou_harness_config(), "linux.cgroupsPath", cg);
	out = run_ok(&res, ARGS("cat", "/proc/self/cgroup"));
	/* The process ran in the cgroup: "N:memory:/ou-test-...", or "0::/ou-test-..." on v2. */
	cr_assert_not_null(strstr(out, cg), "/proc/self/cgroup: %s", out);
	cr_assert(!ou_harness_cgroup_exists(cg), "cgroup '%s' left behind", cg);
}

/* ---- bad bundles fail cleanly ---- */

static void run_expecting_failure(void)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	ou_harness_run(&res, id);
	cr_assert(!res.timed_out, "runtime timed out");
	ou_harness_assert_clean_failure(&res, id);
}

Test(run, missing_bundle_fails_cleanly, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *missing = ou_harness_path("no-such-bundle");

	ou_harness_rt(&res, "run", "-b", missing, id, NULL);
	ou_harness_assert_clean_failure(&res, id);
	free(missing);
}

Test(run, missing_config_fails_cleanly, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	const char *bundle = ou_harness_new_bundle("no-config");

	ou_harness_rt(&res, "run", "-b", bundle, id, NULL);
	ou_harness_assert_clean_failure(&res, id);
}

Test(run, invalid_json_fails_cleanly, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *config = ou_harness_path("bundle/config.json");

	ou_harness_write(config, "{\"ociVersion\": \"1.0.2\", \"process\": {");
	ou_harness_rt(&res, "run", "-b", ou_harness_bundle(), id, NULL);
	ou_harness_assert_clean_failure(&res, id);
	free(config);
}

Test(run, empty_args_fail_cleanly, .timeout = T_TIMEOUT)
{
	ou_harness_json_setf(ou_harness_config(), "process.args", "[]");
	run_expecting_failure();
}

Test(run, relative_cwd_fails_cleanly, .timeout = T_TIMEOUT)
{
	ou_harness_json_set_str(ou_harness_config(), "process.cwd", "tmp");
	run_expecting_failure();
}

Test(run, unknown_namespace_type_fails_cleanly, .timeout = T_TIMEOUT)
{
	ou_harness_config_add_namespace(ou_harness_config(), "no-such-namespace", NULL);
	run_expecting_failure();
}

Test(run, missing_rootfs_fails_cleanly, .timeout = T_TIMEOUT)
{
	ou_harness_json_set_str(ou_harness_config(), "root.path", "no-such-rootfs");
	run_expecting_failure();
}

/*
 * config.md, Mounts: on Linux a relative destination is deprecated but
 * allowed, and is relative to "/"; missing directories are made.
 */
Test(run, relative_mount_destination_is_relative_to_root, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *out;

	ou_harness_config_add_mount(ou_harness_config(), "relative/scratch", "tmpfs", "tmpfs",
				    "size=1m", NULL);
	out = run_ok(&res, ARGS("cat", "/proc/self/mountinfo"));
	ou_harness_assert_mount(out, "/relative/scratch", "tmpfs", NULL, NULL, "size=1024k");
	ou_harness_result_release(&res);
}

Test(run, missing_executable_fails_with_not_found_phrase, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	/* Engines match this phrase (STYLE 3.4); runc writes it too. */
	ou_harness_config_args(ou_harness_config(), "no-such-command", NULL);
	ou_harness_run(&res, id);
	ou_harness_assert_clean_failure(&res, id);
	cr_assert_not_null(strstr(res.err, "executable file not found in $PATH"), "stderr: %s",
			   res.err);
}

Test(run, non_executable_file_fails_with_permission_denied, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	/* podman maps "permission denied" to exit status 126 */
	ou_harness_config_args(ou_harness_config(), "/etc/passwd", NULL);
	ou_harness_run(&res, id);
	ou_harness_assert_clean_failure(&res, id);
	cr_assert_not_null(strcasestr(res.err, "permission denied"), "stderr: %s", res.err);
}
