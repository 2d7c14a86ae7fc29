/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Isolation and security of a running container (issue 5): cgroup limits,
 * seccomp (with a SCMP_ACT_NOTIFY listener), capabilities, masked and
 * read-only paths, sysctls, namespaces, user namespaces, hostile bundles
 * that try to reach the host, descriptors leaking out of the runtime, and
 * the limitations of the README pinned as clean errors.
 *
 * Every test proves its mechanism from inside a real container as root.
 * Errors of busybox applets are matched by their message text: the
 * payload has no mkdir, mknod or chown.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "tests/integration/harness.h"

#ifndef OU_SECCOMP_LISTENER
#error "OU_SECCOMP_LISTENER must name the built tests/integration/seccomp_listener"
#endif

#define T_TIMEOUT 30
#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

TestSuite(isolation, .init = ou_harness_init, .fini = ou_harness_fini);

/* ================= helpers ================= */

/* Run the current config with args in the foreground; returns the ID. */
static const char *run_args(struct ou_harness_result *res, const char *const args[])
{
	const char *id = ou_harness_new_id();

	ou_harness_config_argv(ou_harness_config(), args);
	ou_harness_run(res, id);
	cr_assert(!res->timed_out, "runtime timed out; stderr: %s", res->err);
	return id;
}

/* Run and require exit status 0; returns the container's stdout. */
static const char *run_ok(struct ou_harness_result *res, const char *const args[])
{
	run_args(res, args);
	cr_assert_eq(res->status, 0, "exit status %d; stdout: %s; stderr: %s", res->status,
		     res->out, res->err);
	return res->out;
}

/* Run the current config and require a clean failure of the runtime. */
static const char *run_clean_failure(struct ou_harness_result *res)
{
	const char *id = run_args(res, ARGS("true"));

	ou_harness_assert_clean_failure(res, id);
	return res->err;
}

/*
 * README, Limitations: ociunion's error names the field or option; other
 * runtimes word their errors their own way.
 */
static void assert_error_names(const char *err, const char *field)
{
	if (ou_harness_is_ociunion())
		cr_assert_not_null(strstr(err, field), "stderr: %s (want '%s' named)", err, field);
}

/*
 * Skip the test, saying why (and what, if not NULL).  Criterion does not
 * run .fini after a skip in the test body: clean up first.
 */
static void skip_test(const char *why, const char *what)
{
	ou_harness_fini();
	if (what != NULL)
		cr_skip_test("%s: %s", why, what);
	cr_skip_test("%s", why);
}

/* A file of the test's temporary directory with the text; returns its path. */
static char *test_file(const char *name, const char *text)
{
	char *path = ou_harness_path("%s", name);

	ou_harness_write(path, text);
	return path;
}

/* A file below the default rootfs; the caller frees the path. */
static char *rootfs_path(const char *rel)
{
	return ou_harness_path("bundle/rootfs/%s", rel);
}

/* Skip unless the kernel has the namespace type (its /proc/self/ns name). */
static void require_namespace(const char *name)
{
	char *path = NULL;

	cr_assert(asprintf(&path, "/proc/self/ns/%s", name) >= 0);
	if (access(path, F_OK) != 0) {
		free(path);
		skip_test("the kernel has no namespace of this type", name);
	}
	free(path);
}

/* True if a mount point at or below path exists in the host's mount namespace. */
static bool host_has_mount_under(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t len = strlen(path);
	char line[8192];
	char mnt[4096];
	bool found = false;

	cr_assert_not_null(f, "open /proc/self/mountinfo");
	while (!found && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    strncmp(mnt, path, len) == 0 && (mnt[len] == '\0' || mnt[len] == '/'))
			found = true;
	fclose(f);
	return found;
}

/* Number of lines in the host's /proc/self/mountinfo. */
/* Number of entries of a directory other than . and .. (-1 if unreadable). */
static int dir_entries(const char *path)
{
	struct ou_harness_result res;
	int n;

	ou_harness_exec(&res, 5, ARGS("/bin/sh", "-c", "ls -A \"$0\" | wc -l", path));
	n = res.status == 0 ? atoi(res.out) : -1;
	ou_harness_result_release(&res);
	return n;
}

/* ================= cgroups ================= */

/* Directory of the cgroup path in the v1 hierarchy of controller. */
static char *v1_cgroup_dir(const char *controller, const char *cgroup)
{
	char *dir = NULL;
	char *root = NULL;

	cr_assert(asprintf(&root, "/sys/fs/cgroup/%s", controller) >= 0);
	if (access(root, F_OK) != 0) {
		free(root);
		skip_test("no cgroup v1 hierarchy on this host for controller", controller);
	}
	cr_assert(asprintf(&dir, "%s%s", root, cgroup) >= 0);
	free(root);
	return dir;
}

/*
 * config-linux.md, Memory: "limit" sets the memory limit; an allocation
 * beyond it is met by the OOM killer (SIGKILL, exit status 137).
 */
Test(isolation, memory_limit_oom_kills_allocation_over_it, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	struct ou_harness_json *cfg = ou_harness_config();
	const char *cg = ou_harness_new_cgroup_path();

	free(v1_cgroup_dir("memory", ""));
	ou_harness_json_set_str(cfg, "linux.cgroupsPath", cg);
	ou_harness_json_setf(cfg, "linux.resources.memory", "{\"limit\": %d}", 32 << 20);
	/* Without memsw, swap could absorb the excess: there is none here, or it is limited */
	if (access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0)
		ou_harness_json_setf(cfg, "linux.resources.memory.swap", "%d", 32 << 20);
	/* busybox dd fills a 64 MiB buffer from /dev/zero: every page is touched */
	run_args(&res, ARGS("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"));
	cr_assert_eq(res.status, 137, "exit status %d (want SIGKILL); stderr: %s", res.status,
		     res.err);
}

Test(isolation, memory_allocation_below_limit_succeeds, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	struct ou_harness_json *cfg = ou_harness_config();

	/* The control of the test above: the same allocation with room for it */
	ou_harness_json_set_str(cfg, "linux.cgroupsPath", ou_harness_new_cgroup_path());
	ou_harness_json_setf(cfg, "linux.resources.memory", "{\"limit\": %d}", 256 << 20);
	run_ok(&res, ARGS("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"));
}

/* config-linux.md, PIDs: "limit" is the maximum number of tasks in the cgroup. */
Test(isolation, pids_limit_fails_fork, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	struct ou_harness_json *cfg = ou_harness_config();
	int started;

	ou_harness_json_set_str(cfg, "linux.cgroupsPath", ou_harness_new_cgroup_path());
	ou_harness_json_setf(cfg, "linux.resources.pids", "{\"limit\": 5}");
	run_args(&res, ARGS("sh", "-c",
			    "i=0; while [ $i -lt 10 ]; do sleep 30 & i=$((i+1)); echo $i; done"));
	/* The shell is one task: four sleeps fit, the fifth fork fails */
	cr_assert_neq(res.status, 0, "all forks succeeded; stdout: %s", res.out);
	started = (int)ou_harness_count_lines(res.out);
	cr_assert(started >= 1 && started < 5, "%d sleeps started; stdout: %s", started, res.out);
	cr_assert_not_null(strstr(res.err, "can't fork"), "stderr: %s", res.err);
}

/* config-linux.md, CPU: "quota" and "period" are the CFS bandwidth settings. */
Test(isolation, cpu_quota_is_written_to_cgroup, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	struct ou_harness_json *cfg = ou_harness_config();
	const char *cg = ou_harness_new_cgroup_path();
	const char *id = ou_harness_new_id();
	char *dir = v1_cgroup_dir("cpu", cg);
	char *quota_file = NULL;
	char *period_file = NULL;
	char *text = NULL;
	char *own = NULL;

	ou_harness_json_set_str(cfg, "linux.cgroupsPath", cg);
	ou_harness_json_setf(cfg, "linux.resources.cpu", "{\"quota\": 25000, \"period\": 50000}");
	ou_harness_config_args(cfg, "sleep", "30", NULL);
	ou_harness_create(&res, id);
	cr_assert_eq(res.status, 0, "create failed (%d): %s", res.status, res.err);
	cr_assert(asprintf(&quota_file, "%s/cpu.cfs_quota_us", dir) >= 0);
	cr_assert(asprintf(&period_file, "%s/cpu.cfs_period_us", dir) >= 0);
	text = ou_harness_read(quota_file);
	cr_assert_str_eq(text, "25000\n");
	free(text);
	text = ou_harness_read(period_file);
	cr_assert_str_eq(text, "50000\n");
	free(text);
	/* And the container's process is in that cgroup */
	cr_assert(asprintf(&own, "/proc/%d/cgroup", ou_harness_state_pid(id)) >= 0);
	text = ou_harness_read(own);
	cr_assert_not_null(strstr(text, cg), "/proc/PID/cgroup: %s", text);
	free(text);
	free(own);
	free(period_file);
	free(quota_file);
	free(dir);
}

/* config-linux.md, Cgroups Path: without cgroupsPath ociunion uses /ociunion/<id>. */
Test(isolation, default_cgroup_path_is_under_ociunion, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *want = NULL;

	if (!ou_harness_is_ociunion())
		skip_test("the default cgroup path is ociunion's choice", NULL);
	ou_harness_json_unset(ou_harness_config(), "linux.cgroupsPath");
	ou_harness_json_setf(ou_harness_config(), "linux.resources.pids", "{\"limit\": 50}");
	ou_harness_config_args(ou_harness_config(), "cat", "/proc/self/cgroup", NULL);
	ou_harness_run(&res, id);
	cr_assert_eq(res.status, 0, "exit %d; stderr: %s", res.status, res.err);
	cr_assert(asprintf(&want, ":pids:/ociunion/%s\n", id) >= 0);
	cr_assert_not_null(strstr(res.out, want), "/proc/self/cgroup: %s", res.out);
	free(want);
}

/*
 * The device script: mknod of /dev/null's numbers (a default device) and of
 * c 1:4 (not one), then open of two nodes the host made: c 1:5 (/dev/zero,
 * a default device) and c 10:200 (/dev/net/tun, not one).
 */
#define DEVICE_SCRIPT                                                    \
	"mknod /tmp/null c 1 3 && echo null-ok; "                        \
	"mknod /tmp/port c 1 4 && echo port-ok; "                        \
	"/bin/payload open /tmp/zero r; /bin/payload open /tmp/tun rw; " \
	"true"

/* Make the nodes the device script opens in the rootfs, from the host. */
static void make_device_nodes(void)
{
	char *zero = rootfs_path("tmp/zero");
	char *tun = rootfs_path("tmp/tun");

	cr_assert(mknod(zero, S_IFCHR | 0666, makedev(1, 5)) == 0, "mknod: %s", strerror(errno));
	cr_assert(mknod(tun, S_IFCHR | 0666, makedev(10, 200)) == 0, "mknod: %s", strerror(errno));
	chmod(zero, 0666);
	chmod(tun, 0666);
	free(tun);
	free(zero);
}

/*
 * config-linux.md, Allowed Device list: a deny-all rule ("allow": false,
 * access "rwm") leaves only the default devices (config-linux.md, Default
 * Devices): even with CAP_MKNOD, mknod of c 1:4 fails with EPERM, and a
 * node of another device cannot be opened.
 */
/*
 * Runs DEVICE_SCRIPT under the device rules given as JSON: /dev/null and
 * the default devices work, mknod of c 1:4 fails with EPERM, /tmp/port is
 * refused and not made.
 */
static void check_devices_denied(const char *rules)
{
	struct ou_harness_result res;
	struct ou_harness_json *cfg = ou_harness_config();
	char *port = rootfs_path("tmp/port");
	const char *out;

	make_device_nodes();
	ou_harness_config_set_caps(cfg, "CAP_MKNOD", "CAP_KILL", NULL);
	ou_harness_json_setf(cfg, "linux.resources.devices", "%s", rules);
	out = run_ok(&res, ARGS("sh", "-c", DEVICE_SCRIPT));
	cr_assert_str_eq(out, "null-ok\nok\nEPERM\n", "stdout: %s; stderr: %s", out, res.err);
	cr_assert_not_null(strstr(res.err, "/tmp/port: Operation not permitted"), "stderr: %s",
			   res.err);
	cr_assert(!ou_harness_exists(port), "the denied device node was made");
	free(port);
}

Test(isolation, device_cgroup_deny_all_refuses_mknod_and_open, .timeout = T_TIMEOUT)
{
	free(v1_cgroup_dir("devices", ""));
	check_devices_denied("[{\"allow\": false, \"access\": \"rwm\"}]");
}

Test(isolation, device_cgroup_without_rules_allows_mknod_and_open, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	struct ou_harness_json *cfg = ou_harness_config();

	/* The control of the test above: CAP_MKNOD alone lets everything pass */
	if (access("/dev/net/tun", F_OK) != 0)
		skip_test("the host has no /dev/net/tun to open", NULL);
	make_device_nodes();
	ou_harness_config_set_caps(cfg, "CAP_MKNOD", "CAP_KILL", NULL);
	ou_harness_json_unset(cfg, "linux.resources.devices");
	cr_assert_str_eq(run_ok(&res, ARGS("sh", "-c", DEVICE_SCRIPT)),
			 "null-ok\nport-ok\nok\nok\n", "stderr: %s", res.err);
}

/* ---- device rules on cgroup v2: an eBPF device program ---- */

/* Run the runtime with args and require exit status 0. */
static void rt_ok(const char *what, const char *const args[])
{
	struct ou_harness_result res;

	ou_harness_rtv(&res, OU_HARNESS_TIMEOUT, args);
	cr_assert_eq(res.status, 0, "%s: exit status %d; stderr: %s", what, res.status, res.err);
	ou_harness_result_release(&res);
}

/* Enter a simulated pure v2 host (see the harness), or skip. */
static void require_cgroup_v2(void)
{
	if (!ou_harness_simulate_cgroup_v2())
		skip_test("the host has no cgroup2 hierarchy to simulate a v2 host with", NULL);
}

static bool is_cgroup_mount(const struct ou_harness_mount *m)
{
	return strcmp(m->fstype, "cgroup") == 0 || strcmp(m->fstype, "cgroup2") == 0;
}

/*
 * A cgroup mount at /sys/fs/cgroup shows each cgroup hierarchy of the host
 * at the same place, of the same type and superblock options, read-only
 * as the entry asks; with more than one, on a tmpfs.  Both mount tables
 * are read by libmount here, apart from the runtime's own reader.
 */
static void check_cgroup_mounts_match_host(void)
{
	struct ou_harness_result res;
	ou_autofree char *host_text = ou_harness_read("/proc/self/mountinfo");
	struct ou_harness_mount *host = NULL, *inside = NULL;
	size_t n_host = ou_harness_mounts(host_text, &host);
	size_t n_inside, n_cgroup = 0, n_host_cgroup = 0;
	const char *out;

	ou_harness_config_add_mount(ou_harness_config(), "/sys/fs/cgroup", "cgroup", "cgroup",
				    "nosuid", "noexec", "nodev", "relatime", "ro", NULL);
	out = run_ok(&res, ARGS("cat", "/proc/self/mountinfo"));
	n_inside = ou_harness_mounts(out, &inside);
	for (size_t i = 0; i < n_host; i++) {
		if (!is_cgroup_mount(&host[i]))
			continue;
		n_host_cgroup++;
		ou_harness_assert_mount(out, host[i].target, host[i].fstype,
					"ro,nosuid,nodev,noexec", NULL, host[i].fs_options);
	}
	for (size_t i = 0; i < n_inside; i++)
		n_cgroup += is_cgroup_mount(&inside[i]);
	cr_assert_gt(n_host_cgroup, 0, "the host has no cgroup mount");
	cr_assert_eq(n_cgroup, n_host_cgroup, "cgroup mounts inside: %zu, on the host: %zu\n%s",
		     n_cgroup, n_host_cgroup, out);
	if (n_host_cgroup > 1)
		ou_harness_assert_mount(out, "/sys/fs/cgroup", "tmpfs", "ro,nosuid,nodev,noexec",
					NULL, "mode=755");
	ou_harness_mounts_free(inside, n_inside);
	ou_harness_mounts_free(host, n_host);
	ou_harness_result_release(&res);
}

Test(isolation, cgroup_mount_shows_the_host_hierarchies, .timeout = T_TIMEOUT)
{
	check_cgroup_mounts_match_host();
}

Test(isolation, cgroup_mount_on_a_v2_host_is_the_v2_hierarchy, .timeout = T_TIMEOUT)
{
	struct ou_harness_mount m;
	ou_autofree char *host = NULL;

	require_cgroup_v2();
	host = ou_harness_read("/proc/self/mountinfo");
	cr_assert(ou_harness_mount_find(host, "/sys/fs/cgroup", &m));
	cr_assert_str_eq(m.fstype, "cgroup2", "the simulated v2 host");
	ou_harness_mount_release(&m);
	check_cgroup_mounts_match_host();
}

/* The ids of the device programs attached to a cgroup2 directory itself. */
static size_t device_programs(const char *dir, uint32_t *ids, size_t cap)
{
	union bpf_attr a;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	cr_assert(fd >= 0, "open %s: %s", dir, strerror(errno));
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)fd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uintptr_t)ids;
	a.query.prog_cnt = (uint32_t)cap;
	cr_assert(syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof(a)) == 0, "BPF_PROG_QUERY %s: %s",
		  dir, strerror(errno));
	close(fd);
	return a.query.prog_cnt;
}

/* True if the kernel still has the program (attached or held open). */
static bool program_exists(uint32_t id)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	fd = (int)syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, &a, sizeof(a));
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* What `payload open PATH MODE` prints when exec'd in the container. */
static char *exec_open(const char *id, const char *path, const char *mode)
{
	struct ou_harness_result res;
	char *out;

	ou_harness_rt(&res, "exec", id, "/bin/payload", "open", path, mode, NULL);
	out = ou_xstrdup(res.out);
	ou_harness_result_release(&res);
	return out;
}

static void expect_open(const char *id, const char *path, const char *mode, const char *want)
{
	char *out = exec_open(id, path, mode);

	cr_assert_str_eq(out, want, "open %s %s in the container: %s (want %s)", path, mode, out,
			 want);
	free(out);
}

/*
 * config-linux.md, Allowed Device list, on a pure cgroup v2 host: the same
 * script as on v1 gives the same results, through the device program
 * (the container's v1 devices cgroup is the test's own, which allows all).
 */
Test(isolation, device_cgroup_v2_deny_all_refuses_mknod_and_open, .timeout = T_TIMEOUT)
{
	if (!ou_harness_is_ociunion())
		skip_test("the simulated v2 host is checked with ociunion only", NULL);
	require_cgroup_v2();
	check_devices_denied("[{\"allow\": false, \"access\": \"rwm\"},"
			     " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3,"
			     "  \"access\": \"rwm\"}]");
}

/*
 * update replaces the program: the old one is detached (a device only it
 * allowed is refused) and the new one grants what it lists.  delete
 * removes the cgroup, and the kernel frees the program with it.
 */
Test(isolation, device_cgroup_v2_update_replaces_program, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = ou_harness_config();
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	const char *cg = ou_harness_new_cgroup_path();
	char *res_file = ou_harness_path("resources.json");
	char *dir = NULL;
	uint32_t ids[8];
	uint32_t first;

	if (!ou_harness_is_ociunion())
		skip_test("the simulated v2 host is checked with ociunion only", NULL);
	require_cgroup_v2();
	make_device_nodes();
	cr_assert(asprintf(&dir, "/sys/fs/cgroup%s", cg) > 0);
	ou_harness_json_set_str(cfg, "linux.cgroupsPath", cg);
	ou_harness_json_setf(cfg, "linux.resources.devices",
			     "[{\"allow\": false, \"access\": \"rwm\"}]");
	ou_harness_config_args(cfg, "sleep", "30", NULL);
	ou_harness_create_start(id);
	cr_assert_eq(device_programs(dir, ids, 8), 1, "one device program after create");
	first = ids[0];
	expect_open(id, "/tmp/zero", "r", "ok\n");
	expect_open(id, "/tmp/tun", "rw", "EPERM\n");

	/* A refused update leaves the program as it was */
	ou_harness_write(res_file, "{\"devices\": [{\"allow\": true, \"type\": \"q\"}]}");
	ou_harness_rt(&res, "update", "--resources", res_file, id, NULL);
	cr_assert_eq(res.status, 1, "a bad rule was accepted: %s", res.err);
	assert_error_names(res.err, "linux.resources.devices[0].type");
	ou_harness_result_release(&res);
	cr_assert_eq(device_programs(dir, ids, 8), 1, "device programs after a failed update");
	cr_assert_eq(ids[0], first, "a failed update changed the program");

	ou_harness_write(res_file,
			 "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
			 " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3},"
			 " {\"allow\": true, \"type\": \"c\", \"major\": 10,"
			 "  \"minor\": 200, \"access\": \"rw\"}]}");
	rt_ok("update", ARGS("update", "--resources", res_file, id));
	cr_assert_eq(device_programs(dir, ids, 8), 1, "one device program after update");
	cr_assert_neq(ids[0], first, "update kept the old program");
	expect_open(id, "/tmp/tun", "rw", "ok\n");
	expect_open(id, "/tmp/zero", "r", "EPERM\n");

	rt_ok("delete", ARGS("delete", "--force", id));
	cr_assert(!ou_harness_cgroup_exists(cg), "cgroup '%s' left after delete", cg);
	for (int i = 0; i < 200 && program_exists(ids[0]); i++)
		usleep(10 * 1000);
	cr_assert(!program_exists(ids[0]), "device program %u left after delete", ids[0]);
	free(dir);
	free(res_file);
}

/* A bad rule is refused before anything is made, naming the rule. */
Test(isolation, device_cgroup_v2_bad_rule_is_refused_clearly, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	if (!ou_harness_is_ociunion())
		skip_test("the simulated v2 host is checked with ociunion only", NULL);
	require_cgroup_v2();
	ou_harness_json_setf(ou_harness_config(), "linux.resources.devices",
			     "[{\"allow\": true, \"type\": \"c\", \"access\": \"rwx\"}]");
	assert_error_names(run_clean_failure(&res), "linux.resources.devices[0].access");
}

/*
 * A hybrid host with a v1 devices hierarchy keeps using it: the rules are
 * in devices.list and no device program is attached in cgroup2.
 */
Test(isolation, device_cgroup_hybrid_uses_v1, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = ou_harness_config();
	const char *id = ou_harness_new_id();
	const char *cg = ou_harness_new_cgroup_path();
	char *v1 = v1_cgroup_dir("devices", cg);
	char *v2 = NULL;
	char *list = NULL;
	char *text = NULL;
	uint32_t ids[8];

	if (!ou_harness_exists("/sys/fs/cgroup/unified/cgroup.controllers"))
		skip_test("the host is not hybrid (no /sys/fs/cgroup/unified)", NULL);
	cr_assert(asprintf(&v2, "/sys/fs/cgroup/unified%s", cg) > 0);
	cr_assert(asprintf(&list, "%s/devices.list", v1) > 0);
	ou_harness_json_set_str(cfg, "linux.cgroupsPath", cg);
	ou_harness_json_setf(cfg, "linux.resources.devices",
			     "[{\"allow\": false, \"access\": \"rwm\"}]");
	ou_harness_config_args(cfg, "sleep", "30", NULL);
	ou_harness_create_start(id);
	text = ou_harness_read(list);
	cr_assert_not_null(strstr(text, "c 1:3 rwm"), "devices.list: %s", text);
	cr_assert_null(strstr(text, "a *:* rwm"), "devices.list: %s", text);
	cr_assert_eq(device_programs(v2, ids, 8), 0, "a device program in cgroup2 on hybrid");
	free(text);
	free(list);
	free(v2);
	free(v1);
}

/* README, Limitations: there is no systemd cgroup driver. */
Test(isolation, systemd_cgroup_is_refused_clearly, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	ou_harness_json_set_str(ou_harness_config(), "linux.cgroupsPath", "system.slice:ou:test");
	ou_harness_config_write(ou_harness_config(), ou_harness_bundle());
	ou_harness_rt(&res, "--systemd-cgroup", "run", "-b", ou_harness_bundle(), id, NULL);
	ou_harness_assert_clean_failure(&res, id);
	assert_error_names(res.err, "--systemd-cgroup");
}

/* ================= seccomp ================= */

/* linux.seccomp allowing everything but the rules (JSON array text). */
static void set_seccomp(const char *rules)
{
	ou_harness_json_setf(ou_harness_config(), "linux.seccomp",
			     "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": %s}", rules);
}

#define MKDIR_RULE(action_and_more) \
	"[{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": " action_and_more "}]"

/* Run mkdir /tmp/denied; require it failed with msg and made nothing. */
static void check_mkdir_denied(const char *msg)
{
	struct ou_harness_result res;
	char *host = rootfs_path("tmp/denied");

	run_args(&res, ARGS("mkdir", "/tmp/denied"));
	cr_assert_eq(res.status, 1, "exit status %d; stderr: %s", res.status, res.err);
	cr_assert_not_null(strstr(res.err, msg), "stderr: %s (want %s)", res.err, msg);
	cr_assert(!ou_harness_exists(host), "the directory was made");
	free(host);
}

/* config-linux.md, Seccomp: SCMP_ACT_ERRNO without errnoRet gives EPERM. */
Test(isolation, seccomp_errno_action_denies_mkdir_with_eperm, .timeout = T_TIMEOUT)
{
	set_seccomp(MKDIR_RULE("\"SCMP_ACT_ERRNO\""));
	check_mkdir_denied("Operation not permitted");
}

/* config-linux.md, Seccomp: errnoRet is the errno the call fails with. */
Test(isolation, seccomp_errno_ret_gives_custom_errno, .timeout = T_TIMEOUT)
{
	set_seccomp(MKDIR_RULE("\"SCMP_ACT_ERRNO\", \"errnoRet\": 38"));
	check_mkdir_denied("Function not implemented");
}

/*
 * config-linux.md, Seccomp: "args" narrow a rule to calls with those
 * arguments.  busybox linux32 calls personality(PER_LINUX32 = 8), linux64
 * personality(PER_LINUX = 0).
 */
Test(isolation, seccomp_argument_filter_denies_only_matching_calls, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	set_seccomp("[{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\","
		    " \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]");
	run_ok(&res,
	       ARGS("sh", "-c",
		    "linux64 true && echo per-linux-ok; linux32 true || echo per-linux32-denied"));
	cr_assert_str_eq(res.out, "per-linux-ok\nper-linux32-denied\n", "stdout: %s; stderr: %s",
			 res.out, res.err);
	cr_assert_not_null(strstr(res.err, "Operation not permitted"), "stderr: %s", res.err);
}

/*
 * A filter that denies calls the runtime itself makes before execve must
 * not hit the runtime, whatever noNewPrivileges says, and must hit the
 * process: the runtime opens files (openat) and sets the capability
 * bounding set and no_new_privs (prctl).  capset is left out: without
 * no_new_privs the filter needs CAP_SYS_ADMIN to be installed, so the
 * capabilities can only be set after it.
 * Config-linux.md, Seccomp; config.md, Linux Process (noNewPrivileges).
 */
static void set_no_new_privileges(bool on)
{
	ou_harness_json_setf(ou_harness_config(), "process.noNewPrivileges", "%s",
			     on ? "true" : "false");
}

static void check_openat_filter(bool no_new_privileges)
{
	struct ou_harness_result res;

	set_no_new_privileges(no_new_privileges);
	set_seccomp("[{\"names\": [\"openat\", \"open\"], \"action\": \"SCMP_ACT_ERRNO\"}]");
	run_args(&res, ARGS("sh", "-c", "echo started; cat /etc/passwd"));
	cr_assert_str_eq(res.out, "started\n", "exit %d; stderr: %s", res.status, res.err);
	cr_assert_eq(res.status, 1, "exit %d; stderr: %s", res.status, res.err);
	cr_assert_not_null(strstr(res.err, "'/etc/passwd': Operation not permitted"), "stderr: %s",
			   res.err);
}

static void check_prctl_filter(bool no_new_privileges)
{
	struct ou_harness_result res;

	set_no_new_privileges(no_new_privileges);
	set_seccomp("[{\"names\": [\"prctl\", \"personality\"],"
		    " \"action\": \"SCMP_ACT_ERRNO\"}]");
	run_args(&res, ARGS("sh", "-c", "echo started; linux32 true"));
	cr_assert_str_eq(res.out, "started\n", "exit %d; stderr: %s", res.status, res.err);
	cr_assert_eq(res.status, 1, "exit %d; stderr: %s", res.status, res.err);
	cr_assert_not_null(strstr(res.err, "Operation not permitted"), "stderr: %s", res.err);
}

Test(isolation, seccomp_denying_openat_with_no_new_privileges, .timeout = T_TIMEOUT)
{
	check_openat_filter(true);
}

/*
 * Without noNewPrivileges the filter needs CAP_SYS_ADMIN, so it comes
 * before the capability drop, but still after everything the container
 * process opens itself (its exec.fifo).
 */
Test(isolation, seccomp_denying_openat_without_no_new_privileges, .timeout = T_TIMEOUT)
{
	check_openat_filter(false);
}

Test(isolation, seccomp_denying_prctl_with_no_new_privileges, .timeout = T_TIMEOUT)
{
	check_prctl_filter(true);
}

/* The bounding set and keep-caps are done with prctl before the filter. */
Test(isolation, seccomp_denying_prctl_without_no_new_privileges, .timeout = T_TIMEOUT)
{
	check_prctl_filter(false);
}

/* ---- SCMP_ACT_NOTIFY ---- */

/* Start the listener on socket; its stdout goes to out. Returns its pid. */
static pid_t listener_start(const char *socket, const char *json_file, const char *out)
{
	const char *argv[] = { OU_SECCOMP_LISTENER, "-o", json_file, "-t", "20", socket, NULL };
	pid_t pid;

	fflush(NULL);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 500 && !ou_harness_exists(socket); i++)
		usleep(10 * 1000);
	if (!ou_harness_exists(socket)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		cr_assert_fail("seccomp_listener did not listen on '%s'", socket);
	}
	return pid;
}

/* Exit status of the listener, waiting up to 25 s (it stops after 20). */
static int listener_wait(pid_t pid)
{
	int st = 0;

	for (int i = 0; i < 2500; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* config-linux.md, The Container Process State: the fields the listener got. */
static void check_process_state(const char *json_file, const char *id)
{
	char *text = ou_harness_read(json_file);
	struct ou_harness_json *st = ou_harness_json_parse(text);
	long long pid = 0;

	cr_assert_not_null(st, "process state is not JSON: %s", text);
	cr_assert_not_null(ou_harness_json_str(ou_harness_json_get(st, "ociVersion")), "%s", text);
	cr_assert_eq(ou_harness_json_len(ou_harness_json_get(st, "fds")), 1, "%s", text);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(st, "fds.0")), "seccompFd");
	cr_assert(ou_harness_json_int(ou_harness_json_get(st, "pid"), &pid) && pid > 0, "%s", text);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(st, "metadata")), "ou-meta");
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(st, "state.id")), id);
	cr_assert_not_null(ou_harness_json_str(ou_harness_json_get(st, "state.status")), "%s",
			   text);
	cr_assert_not_null(ou_harness_json_str(ou_harness_json_get(st, "state.bundle")), "%s",
			   text);
	ou_harness_json_free(st);
	free(text);
}

/*
 * config-linux.md, Seccomp: SCMP_ACT_NOTIFY hands the call to the process
 * at listenerPath, which receives the seccomp fd with the container process
 * state and answers (here with EXDEV).
 */
Test(isolation, seccomp_notify_listener_answers_mkdir, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *socket = ou_harness_path("listener.sock");
	char *json_file = ou_harness_path("listener-state.json");
	char *out_file = ou_harness_path("listener.out");
	char *out = NULL;
	const char *id;
	pid_t pid;

	set_seccomp(MKDIR_RULE("\"SCMP_ACT_NOTIFY\""));
	ou_harness_json_set_str(ou_harness_config(), "linux.seccomp.listenerPath", socket);
	ou_harness_json_set_str(ou_harness_config(), "linux.seccomp.listenerMetadata", "ou-meta");
	pid = listener_start(socket, json_file, out_file);
	id = run_args(&res, ARGS("mkdir", "/tmp/denied"));
	cr_assert_eq(listener_wait(pid), 0, "seccomp_listener failed");
	cr_assert_eq(res.status, 1, "exit status %d; stderr: %s", res.status, res.err);
	cr_assert_not_null(strstr(res.err, "Invalid cross-device link"), "stderr: %s", res.err);
	check_process_state(json_file, id);
	out = ou_harness_read(out_file);
	cr_assert(strncmp(out, "notifications ", 14) == 0 && atoi(out + 14) >= 1, "listener: %s",
		  out);
	free(out);
	free(out_file);
	free(json_file);
	free(socket);
}

/* ================= capabilities ================= */

/* config.md, Linux Process: capabilities; without CAP_CHOWN root cannot chown. */
Test(isolation, dropped_cap_chown_refuses_chown, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *host = rootfs_path("tmp/owned");
	struct stat st;

	ou_harness_write(host, "x");
	ou_harness_config_set_caps(ou_harness_config(), "CAP_KILL", "CAP_FOWNER", NULL);
	run_args(&res, ARGS("chown", "1000:1000", "/tmp/owned"));
	cr_assert_eq(res.status, 1, "exit status %d; stderr: %s", res.status, res.err);
	cr_assert_not_null(strstr(res.err, "Operation not permitted"), "stderr: %s", res.err);
	cr_assert(stat(host, &st) == 0 && st.st_uid == 0, "owner changed");
	free(host);
}

Test(isolation, granted_cap_chown_allows_chown, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *host = rootfs_path("tmp/owned");
	struct stat st;

	/* The control of the test above */
	ou_harness_write(host, "x");
	ou_harness_config_set_caps(ou_harness_config(), "CAP_KILL", "CAP_CHOWN", NULL);
	run_ok(&res, ARGS("chown", "1000:1000", "/tmp/owned"));
	cr_assert(stat(host, &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000, "owner");
	free(host);
}

/* ================= masked and read-only paths ================= */

/* The first of the usual masked /proc files this kernel has, or NULL. */
static const char *proc_file_to_mask(void)
{
	static const char *const files[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list",
					     "/proc/sched_debug", "/proc/latency_stats" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (access(files[i], R_OK) == 0)
			return files[i];
	return NULL;
}

/* config-linux.md, Masked Paths: a masked file reads empty. */
Test(isolation, masked_file_reads_empty, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	struct ou_harness_json *cfg = ou_harness_config();
	const char *proc = proc_file_to_mask();
	char *secret = rootfs_path("etc/secret");
	char *script = NULL;
	char *text;

	if (proc == NULL)
		skip_test("none of the usual masked /proc files exists on this kernel", NULL);
	ou_harness_write(secret, "top secret\n");
	ou_harness_json_setf(cfg, "linux.maskedPaths", "[\"/etc/secret\", \"%s\"]", proc);
	cr_assert(asprintf(&script, "cat /etc/secret %s | wc -c; cat /etc/secret; echo end",
			   proc) >= 0);
	cr_assert_str_eq(run_ok(&res, ARGS("sh", "-c", script)), "0\nend\n", "stderr: %s", res.err);
	text = ou_harness_read(secret);
	cr_assert_str_eq(text, "top secret\n", "the host file changed");
	free(text);
	free(script);
	free(secret);
}

/* config-linux.md, Masked Paths: a masked directory is an empty read-only tmpfs. */
Test(isolation, masked_directory_is_empty_readonly_tmpfs, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *dir = rootfs_path("etc/secretdir");
	char *file = rootfs_path("etc/secretdir/file");
	const char *out;

	ou_harness_mkdir(dir);
	ou_harness_write(file, "hidden");
	ou_harness_json_setf(ou_harness_config(), "linux.maskedPaths", "[\"/etc/secretdir\"]");
	out = run_ok(&res, ARGS("sh", "-c",
				"ls -A /etc/secretdir | wc -l; " OU_HARNESS_PRINT_MOUNTS "; "
				"/bin/payload write /etc/secretdir/new x; true"));
	cr_assert(strncmp(out, "0\n", 2) == 0, "output: %s", out);
	ou_harness_assert_mount(out, "/etc/secretdir", "tmpfs", "ro", NULL, NULL);
	cr_assert_not_null(strstr(out, "\nEROFS\n"), "output: %s", out);
	cr_assert(dir_entries(dir) == 1, "host directory changed");
	free(file);
	free(dir);
}

/* config-linux.md, Readonly Paths: /proc/sys is read-only inside. */
Test(isolation, readonly_proc_sys_refuses_writes, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *out;

	ou_harness_config_set_caps(ou_harness_config(), "CAP_SYS_ADMIN", "CAP_KILL", NULL);
	ou_harness_json_setf(ou_harness_config(), "linux.readonlyPaths", "[\"/proc/sys\"]");
	out = run_ok(&res, ARGS("sh", "-c",
				OU_HARNESS_PRINT_MOUNTS
				"; "
				"/bin/payload write /proc/sys/kernel/hostname other; hostname"));
	ou_harness_assert_mount(out, "/proc/sys", "proc", "ro", NULL, NULL);
	cr_assert_not_null(strstr(out, "\nEROFS\nou-test\n"), "output: %s", out);
}

/* config.md, Mounts: the propagation options of a mount are applied. */
Test(isolation, mount_propagation_options_are_applied, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	struct ou_harness_mount m;
	const char *out;

	ou_harness_config_add_mount(ou_harness_config(), "/mnt/sh", "tmpfs", "tmpfs", "shared",
				    NULL);
	ou_harness_config_add_mount(ou_harness_config(), "/mnt/unb", "tmpfs", "tmpfs", "unbindable",
				    NULL);
	out = run_ok(&res, ARGS("cat", "/proc/self/mountinfo"));
	cr_assert(ou_harness_mount_find(out, "/mnt/sh", &m), "no /mnt/sh in:\n%s", out);
	cr_assert_eq(m.propagation, MS_SHARED, "/mnt/sh: propagation 0x%lx", m.propagation);
	ou_harness_mount_release(&m);
	cr_assert(ou_harness_mount_find(out, "/mnt/unb", &m), "no /mnt/unb in:\n%s", out);
	/* libmount adds MS_PRIVATE: an unbindable mount has no peers. */
	cr_assert(m.propagation & MS_UNBINDABLE, "/mnt/unb: propagation 0x%lx", m.propagation);
	cr_assert_not(m.propagation & (MS_SHARED | MS_SLAVE), "/mnt/unb: propagation 0x%lx",
		      m.propagation);
	ou_harness_mount_release(&m);
	ou_harness_result_release(&res);
}

/* ================= sysctl ================= */

/* config-linux.md, Sysctl: a key of the container's network namespace. */
Test(isolation, namespaced_sysctl_is_set_inside_only, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *key = "/proc/sys/net/ipv4/ip_forward";
	char *before = ou_harness_read(key);
	const char *want = before[0] == '1' ? "0" : "1";
	char *after;
	char *expect = NULL;

	ou_harness_json_setf(ou_harness_config(), "linux.sysctl",
			     "{\"net.ipv4.ip_forward\": \"%s\"}", want);
	cr_assert(asprintf(&expect, "%s\n", want) >= 0);
	cr_assert_str_eq(run_ok(&res, ARGS("cat", key)), expect);
	after = ou_harness_read(key);
	cr_assert_str_eq(after, before, "the host's value changed");
	free(expect);
	free(after);
	free(before);
}

/* config-linux.md, Sysctl: vm.* belongs to no namespace and must be refused. */
Test(isolation, non_namespaced_sysctl_is_refused, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *key = "/proc/sys/vm/swappiness";
	char *before = ou_harness_read(key);
	char *after;
	long value = atol(before);

	ou_harness_json_setf(ou_harness_config(), "linux.sysctl", "{\"vm.swappiness\": \"%d\"}",
			     value == 17 ? 18 : 17);
	assert_error_names(run_clean_failure(&res), "vm.swappiness");
	after = ou_harness_read(key);
	cr_assert_str_eq(after, before, "the host's vm.swappiness changed");
	free(after);
	free(before);
}

/*
 * A sysctl goes to procfs, never to a file a mount put over /proc (the
 * CVE-2019-16884 shape, where an LSM attribute written to such a file left
 * the process unconfined): a bind of a directory with the same names over
 * /proc/sys makes create fail, and the file is not written.
 */
Test(isolation, sysctl_is_not_written_through_a_mount_over_proc, .timeout = T_TIMEOUT)
{
	char *fake = ou_harness_path("fake-sys");
	char *file = ou_harness_path("fake-sys/kernel/domainname");
	struct ou_harness_result res;
	char *after;

	ou_harness_mkdir(ou_harness_path("fake-sys/kernel"));
	ou_harness_write(file, "untouched\n");
	ou_harness_json_setf(ou_harness_config(), "linux.sysctl",
			     "{\"kernel.domainname\": \"changed\"}");
	ou_harness_config_add_mount(ou_harness_config(), "/proc/sys", "bind", fake, "rbind", NULL);
	assert_error_names(
		run_clean_failure(&res),
		"linux.sysctl: set 'kernel.domainname': '/proc/sys/kernel/domainname' is "
		"not a file of procfs");
	after = ou_harness_read(file);
	cr_assert_str_eq(after, "untouched\n", "the file over /proc was written");
	free(after);
	free(file);
	free(fake);
}

/* ================= namespaces ================= */

/* config-linux.md, Namespaces: "path" joins an existing namespace. */
Test(isolation, network_namespace_is_joined_by_path, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *a = ou_harness_new_id();
	const char *b = ou_harness_new_id();
	const char *bundle_b = ou_harness_new_bundle("bundle-b");
	struct ou_harness_json *cfg_b = ou_harness_config_new();
	char *path = NULL;
	char *ns_a;
	char *want = NULL;
	int pid;

	ou_harness_config_args(ou_harness_config(), "sleep", "30", NULL);
	ou_harness_create(&res, a);
	cr_assert_eq(res.status, 0, "create A failed (%d): %s", res.status, res.err);
	ou_harness_result_release(&res);
	pid = ou_harness_state_pid(a);
	ns_a = ou_harness_ns(pid, "net");
	cr_assert(asprintf(&path, "/proc/%d/ns/net", pid) >= 0);
	ou_harness_config_add_namespace(cfg_b, "network", path);
	ou_harness_config_args(cfg_b, "readlink", "/proc/self/ns/net", NULL);
	ou_harness_config_write(cfg_b, bundle_b);
	ou_harness_rt(&res, "run", "-b", bundle_b, b, NULL);
	cr_assert_eq(res.status, 0, "run B failed (%d): %s", res.status, res.err);
	cr_assert(asprintf(&want, "%s\n", ns_a) >= 0);
	cr_assert_str_eq(res.out, want);
	cr_assert_str_neq(ns_a, ou_harness_ns(getpid(), "net"), "A shares the host's namespace");
	ou_harness_json_free(cfg_b);
	free(want);
	free(path);
	free(ns_a);
}

/* The seconds of clock in /proc/self/timens_offsets text ("monotonic 5 0"), or -1. */
static long clock_offset(const char *text, const char *clock)
{
	const char *line = strstr(text, clock);
	long secs = -1;
	long nsecs = -1;

	if (line == NULL || sscanf(line + strlen(clock), "%ld %ld", &secs, &nsecs) != 2 ||
	    nsecs != 0)
		return -1;
	return secs;
}

/* config-linux.md, Offset for Time Namespace: linux.timeOffsets. */
Test(isolation, time_namespace_offsets_are_applied, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	struct ou_harness_json *cfg = ou_harness_config();
	const char *out;
	const char *up;

	require_namespace("time");
	ou_harness_config_add_namespace(cfg, "time", NULL);
	ou_harness_json_setf(cfg, "linux.timeOffsets",
			     "{\"monotonic\": {\"secs\": 1000000, \"nanosecs\": 0},"
			     " \"boottime\": {\"secs\": 2000000, \"nanosecs\": 0}}");
	out = run_ok(&res,
		     ARGS("sh", "-c", "cat /proc/self/timens_offsets; echo; cat /proc/uptime"));
	cr_assert_eq(clock_offset(out, "monotonic"), 1000000, "output: %s", out);
	cr_assert_eq(clock_offset(out, "boottime"), 2000000, "output: %s", out);
	up = strstr(out, "\n\n");
	cr_assert_not_null(up, "output: %s", out);
	/* /proc/uptime counts boot time: the offset shows there */
	cr_assert(atol(up + 2) >= 2000000, "uptime: %s", up + 2);
}

/* config.md, Domainname */
Test(isolation, domainname_is_set, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	ou_harness_json_set_str(ou_harness_config(), "domainname", "ou-domain.test");
	cr_assert_str_eq(run_ok(&res, ARGS("cat", "/proc/sys/kernel/domainname")),
			 "ou-domain.test\n");
}

/* config.md, Linux Process: oomScoreAdj */
Test(isolation, oom_score_adj_is_set, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	ou_harness_json_setf(ou_harness_config(), "process.oomScoreAdj", "123");
	cr_assert_str_eq(run_ok(&res, ARGS("cat", "/proc/self/oom_score_adj")), "123\n");
}

/* runc's --no-pivot: the root is moved instead of pivoted; the run still works. */
Test(isolation, no_pivot_run_works, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *marker = rootfs_path("etc/ou-marker");
	const char *id = ou_harness_new_id();

	ou_harness_write(marker, "inside the rootfs\n");
	ou_harness_config_args(ou_harness_config(), "cat", "/etc/ou-marker", NULL);
	ou_harness_config_write(ou_harness_config(), ou_harness_bundle());
	ou_harness_rt(&res, "run", "--no-pivot", "-b", ou_harness_bundle(), id, NULL);
	cr_assert_eq(res.status, 0, "exit %d; stderr: %s", res.status, res.err);
	cr_assert_str_eq(res.out, "inside the rootfs\n");
	free(marker);
}

/* ================= user namespaces ================= */

/*
 * config-linux.md, User namespace mappings: container uid 0 is host uid
 * 100000; a file the container's root makes on a bind mount belongs to
 * host uid 100000.
 */
Test(isolation, user_namespace_maps_root_to_host_range, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	struct ou_harness_json *cfg = ou_harness_config();
	char *shared = ou_harness_path("shared");
	char *made = ou_harness_path("shared/made");
	struct stat st;
	const char *out;

	require_namespace("user");
	ou_harness_exec(&res, 30,
			ARGS("/bin/chown", "-R", "-h", "100000:100000", ou_harness_rootfs()));
	cr_assert_eq(res.status, 0, "chown rootfs: %s", res.err);
	ou_harness_result_release(&res);
	ou_harness_mkdir(shared);
	cr_assert(chown(shared, 100000, 100000) == 0, "chown shared");
	ou_harness_config_add_namespace(cfg, "user", NULL);
	ou_harness_json_setf(cfg, "linux.uidMappings",
			     "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]");
	ou_harness_json_setf(cfg, "linux.gidMappings",
			     "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]");
	ou_harness_config_add_mount(cfg, "/mnt/shared", "bind", shared, "rbind", "rw", NULL);
	out = run_ok(&res, ARGS("sh", "-c",
				"/bin/payload ids; cat /proc/self/uid_map; "
				"/bin/payload write /mnt/shared/made x"));
	cr_assert(strncmp(out, "uid=0 euid=0 gid=0 egid=0 ", 26) == 0, "output: %s", out);
	cr_assert_not_null(strstr(out, "\n         0     100000      65536\nok\n"), "output: %s",
			   out);
	cr_assert(stat(made, &st) == 0, "no file made on the bind mount");
	cr_assert(st.st_uid == 100000 && st.st_gid == 100000, "owner %u:%u", (unsigned)st.st_uid,
		  (unsigned)st.st_gid);
	free(made);
	free(shared);
}

/* ================= idmapped mounts ================= */

#define MAP_100000 "{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}"

/* Skip unless the kernel is at least major.minor, naming what needs it. */
static void require_kernel(int major, int minor, const char *what)
{
	struct utsname u;
	int ma = 0, mi = 0;

	cr_assert(uname(&u) == 0);
	sscanf(u.release, "%d.%d", &ma, &mi);
	if (ma < major || (ma == major && mi < minor))
		skip_test("the kernel is too old", what);
}

/*
 * A user namespace for the container, container ids 0-65535 on host ids
 * 100000-165535, and its rootfs owned by the container's root.
 */
static void use_user_namespace(void)
{
	struct ou_harness_json *cfg = ou_harness_config();
	struct ou_harness_result res;

	require_namespace("user");
	ou_harness_exec(&res, 30,
			ARGS("/bin/chown", "-R", "-h", "100000:100000", ou_harness_rootfs()));
	cr_assert_eq(res.status, 0, "chown rootfs: %s", res.err);
	ou_harness_result_release(&res);
	ou_harness_config_add_namespace(cfg, "user", NULL);
	ou_harness_json_setf(cfg, "linux.uidMappings", "[%s]", MAP_100000);
	ou_harness_json_setf(cfg, "linux.gidMappings", "[%s]", MAP_100000);
}

/* A host directory of the test with files owned as named: "NAME:UID" ... NULL. */
static char *owned_dir(const char *name, const char *file, ...)
{
	char *dir = ou_harness_path("%s", name);
	va_list ap;

	ou_harness_mkdir(dir);
	va_start(ap, file);
	for (const char *f = file; f != NULL; f = va_arg(ap, const char *)) {
		char *path = NULL;
		unsigned id = 0;
		const char *colon = strchr(f, ':');

		cr_assert_not_null(colon);
		cr_assert(asprintf(&path, "%s/%.*s", dir, (int)(colon - f), f) >= 0);
		id = (unsigned)strtoul(colon + 1, NULL, 10);
		ou_harness_write(path, "x");
		cr_assert(chown(path, id, id) == 0, "chown '%s': %s", path, strerror(errno));
		free(path);
	}
	va_end(ap);
	return dir;
}

static void assert_owner(const char *path, unsigned uid, unsigned gid)
{
	struct stat st;

	cr_assert(stat(path, &st) == 0, "'%s' was not made", path);
	cr_assert(st.st_uid == uid && st.st_gid == gid, "'%s' is owned by %u:%u, want %u:%u", path,
		  (unsigned)st.st_uid, (unsigned)st.st_gid, uid, gid);
}

static void assert_has(const char *out, const char *want)
{
	cr_assert_not_null(strstr(out, want), "want '%s' in the output: %s", want, out);
}

/* ================= rootless ================= */

/*
 * Issue 5, rootless use: an unprivileged host user (nobody, no entry of the
 * host's user database changes) runs containers from a config written by
 * `spec --rootless`.  The runtime is called without --root: its state goes
 * to $XDG_RUNTIME_DIR/ociunion, which is a link to the test's --root so that
 * .fini still finds and removes whatever a failed test leaves.
 */
#define NOBODY 65534

/* Skip where the kernel refuses user namespaces to unprivileged users. */
static void require_unprivileged_userns(void)
{
	char *text;

	require_namespace("user");
	if (access("/proc/sys/kernel/unprivileged_userns_clone", F_OK) == 0) {
		text = ou_harness_read("/proc/sys/kernel/unprivileged_userns_clone");
		if (text[0] == '0') {
			free(text);
			skip_test("the kernel forbids user namespaces to unprivileged users",
				  "kernel.unprivileged_userns_clone is 0");
		}
		free(text);
	}
	text = ou_harness_read("/proc/sys/user/max_user_namespaces");
	if (text[0] == '0') {
		free(text);
		skip_test("the kernel allows no user namespaces", "user.max_user_namespaces is 0");
	}
	free(text);
}

/*
 * Run the runtime as nobody with a clean environment (setpriv drops every
 * capability with the uid change): RUNTIME ARG... (NULL ends the list).
 */
static void rt_as_nobody(struct ou_harness_result *res, const char *arg, ...)
{
	char *xdg = ou_harness_path("xdg");
	char *xdg_env = NULL;
	char *home_env = NULL;
	const char *argv[32] = { "/usr/bin/setpriv",
				 "--reuid=65534",
				 "--regid=65534",
				 "--clear-groups",
				 "--",
				 "/usr/bin/env",
				 "-i",
				 "PATH=/usr/sbin:/usr/bin:/sbin:/bin" };
	size_t n = 8;
	va_list ap;

	cr_assert(asprintf(&xdg_env, "XDG_RUNTIME_DIR=%s", xdg) >= 0);
	cr_assert(asprintf(&home_env, "HOME=%s/home", ou_harness_dir()) >= 0);
	argv[n++] = xdg_env;
	argv[n++] = home_env;
	argv[n++] = ou_harness_runtime();
	va_start(ap, arg);
	for (const char *a = arg; a != NULL; a = va_arg(ap, const char *)) {
		cr_assert(n < sizeof(argv) / sizeof(argv[0]) - 1, "too many arguments");
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	ou_harness_exec(res, 20, argv);
	cr_assert(!res->timed_out, "runtime timed out; stderr: %s", res->err);
	free(home_env);
	free(xdg_env);
	free(xdg);
}

/* The bundle's config.json as it is on disk (the caller frees it). */
static struct ou_harness_json *bundle_config(void)
{
	char *config = ou_harness_path("bundle/config.json");
	char *text = ou_harness_read(config);
	struct ou_harness_json *cfg = ou_harness_json_parse(text);

	cr_assert_not_null(cfg, "'%s' is not JSON", config);
	free(text);
	free(config);
	return cfg;
}

/*
 * Give the bundle and the state root to nobody, make $XDG_RUNTIME_DIR, and
 * let nobody write the config with `spec --rootless`; the harness's config
 * becomes that one, with no terminal and a bind of a directory owned by
 * nobody at /mnt/shared.  Returns the host path of that directory.
 */
static char *rootless_setup(void)
{
	struct ou_harness_result res;
	char *xdg = ou_harness_path("xdg");
	char *link = ou_harness_path("xdg/ociunion");
	char *shared = ou_harness_path("shared");
	struct ou_harness_json *cfg;

	require_unprivileged_userns();
	cr_assert(ou_harness_is_ociunion(), "the rootless tests call ociunion's spec");
	ou_harness_mkdir(xdg);
	ou_harness_mkdir(shared);
	cr_assert(symlink(ou_harness_state_root(), link) == 0, "symlink '%s'", link);
	cr_assert(chmod(xdg, 0700) == 0);
	ou_harness_exec(&res, 30,
			ARGS("/bin/chown", "-R", "-h", "65534:65534", xdg, shared,
			     ou_harness_state_root(), ou_harness_bundle()));
	cr_assert_eq(res.status, 0, "chown: %s", res.err);
	ou_harness_result_release(&res);
	rt_as_nobody(&res, "spec", "--rootless", "-b", ou_harness_bundle(), NULL);
	cr_assert_eq(res.status, 0, "spec --rootless failed: %s", res.err);
	ou_harness_result_release(&res);
	cfg = bundle_config();
	ou_harness_json_setf(cfg, "process.terminal", "false");
	ou_harness_config_add_mount(cfg, "/mnt/shared", "bind", shared, "rbind", "rw", NULL);
	ou_harness_config_write(cfg, ou_harness_bundle());
	ou_harness_json_free(cfg);
	free(link);
	free(xdg);
	return shared;
}

/* Replace process.args of the bundle's config.json, keeping the rest. */
static void rootless_args(const char *const args[])
{
	struct ou_harness_json *cfg = bundle_config();

	ou_harness_config_argv(cfg, args);
	ou_harness_config_write(cfg, ou_harness_bundle());
	ou_harness_json_free(cfg);
}

/* The Uid: or Gid: line of /proc/PID/status, tabs as written. */
static char *status_line(int pid, const char *key)
{
	char *path = NULL;
	char *text;
	char *line;
	char *out;

	cr_assert(asprintf(&path, "/proc/%d/status", pid) >= 0);
	text = ou_harness_read(path);
	line = strstr(text, key);
	cr_assert_not_null(line, "no '%s' in %s", key, path);
	out = strndup(line, strcspn(line, "\n"));
	free(text);
	free(path);
	return out;
}

/* Nothing of the container is left: state, cgroup, mounts. */
static void assert_rootless_gone(const char *id)
{
	char *state = ou_harness_path("state/%s", id);
	char *plain = NULL;
	char *ours = NULL;

	cr_assert(asprintf(&plain, "/%s", id) >= 0 && asprintf(&ours, "/ociunion/%s", id) >= 0);
	cr_assert(!ou_harness_exists(state), "state directory '%s' left behind", state);
	cr_assert(!ou_harness_cgroup_exists(plain) && !ou_harness_cgroup_exists(ours),
		  "a cgroup was made for '%s'", id);
	cr_assert(!host_has_mount_under(ou_harness_dir()), "a mount left below '%s'",
		  ou_harness_dir());
	free(ours);
	free(plain);
	free(state);
}

/*
 * The container's root is the unprivileged user: uid 0 inside, and a file
 * it makes on a bind mount belongs to nobody on the host.
 */
Test(isolation, rootless_run_maps_root_to_the_unprivileged_user, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *shared = rootless_setup();
	char *made = ou_harness_path("shared/made");
	const char *id = ou_harness_new_id();

	rootless_args(ARGS("sh", "-c",
			   "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; "
			   "/bin/payload write /mnt/shared/made x"));
	rt_as_nobody(&res, "run", "-b", ou_harness_bundle(), id, NULL);
	cr_assert_eq(res.status, 0, "exit %d; stdout: %s; stderr: %s", res.status, res.out,
		     res.err);
	cr_assert_str_eq(res.out, "0\n0\n"
				  "         0      65534          1\n"
				  "         0      65534          1\n"
				  "ok\n");
	assert_owner(made, NOBODY, NOBODY);
	assert_rootless_gone(id);
	ou_harness_result_release(&res);
	free(made);
	free(shared);
}

/*
 * create, state, start, exec, kill and delete as nobody: the process runs
 * as host uid nobody in the cgroup of its caller (no cgroup is made, as
 * nobody can write none), and delete leaves nothing behind.
 */
Test(isolation, rootless_create_start_state_delete, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *shared = rootless_setup();
	char *state_dir = NULL;
	char *own_cgroup = ou_harness_read("/proc/self/cgroup");
	char *cgroup_file = NULL;
	char *text;
	char *line;
	const char *id = ou_harness_new_id();
	struct stat st;
	int pid;

	rootless_args(ARGS("/bin/payload", "sleep", "60"));
	rt_as_nobody(&res, "create", "-b", ou_harness_bundle(), id, NULL);
	cr_assert_eq(res.status, 0, "create failed (%d): %s", res.status, res.err);
	ou_harness_result_release(&res);
	state_dir = ou_harness_path("state/%s", id);
	cr_assert(stat(state_dir, &st) == 0, "no state under $XDG_RUNTIME_DIR/ociunion");
	cr_assert_eq(st.st_uid, NOBODY, "state directory owned by %u", (unsigned)st.st_uid);
	rt_as_nobody(&res, "state", id, NULL);
	cr_assert_eq(res.status, 0, "state failed: %s", res.err);
	cr_assert_not_null(strstr(res.out, "\"status\":\"created\""), "state: %s", res.out);
	ou_harness_result_release(&res);
	pid = ou_harness_state_pid(id);
	rt_as_nobody(&res, "start", id, NULL);
	cr_assert_eq(res.status, 0, "start failed (%d): %s", res.status, res.err);
	ou_harness_result_release(&res);
	rt_as_nobody(&res, "state", id, NULL);
	cr_assert_not_null(strstr(res.out, "\"status\":\"running\""), "state: %s", res.out);
	ou_harness_result_release(&res);
	line = status_line(pid, "Uid:");
	cr_assert_str_eq(line, "Uid:\t65534\t65534\t65534\t65534");
	free(line);
	line = status_line(pid, "Gid:");
	cr_assert_str_eq(line, "Gid:\t65534\t65534\t65534\t65534");
	free(line);
	cr_assert(asprintf(&cgroup_file, "/proc/%d/cgroup", pid) >= 0);
	text = ou_harness_read(cgroup_file);
	cr_assert_str_eq(text, own_cgroup, "the container was moved to another cgroup");
	free(text);
	rt_as_nobody(&res, "exec", id, "/bin/payload", "ids", NULL);
	cr_assert(strncmp(res.out, "uid=0 euid=0 gid=0 egid=0 ", 26) == 0, "exec: %s; stderr: %s",
		  res.out, res.err);
	ou_harness_result_release(&res);
	/* Without a cgroup ps cannot list the processes: a clean error. */
	rt_as_nobody(&res, "ps", id, NULL);
	cr_assert_eq(res.status, 1, "ps: status %d: %s", res.status, res.out);
	assert_error_names(res.err, "has no cgroup");
	ou_harness_result_release(&res);
	/* kill --all signals pid 1, which ends its pid namespace. */
	rt_as_nobody(&res, "kill", "--all", id, "KILL", NULL);
	cr_assert_eq(res.status, 0, "kill failed: %s", res.err);
	ou_harness_result_release(&res);
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "container did not stop");
	rt_as_nobody(&res, "delete", id, NULL);
	cr_assert_eq(res.status, 0, "delete failed (%d): %s", res.status, res.err);
	ou_harness_result_release(&res);
	cr_assert(!ou_harness_pid_alive(pid), "the container process %d is left", pid);
	assert_rootless_gone(id);
	free(cgroup_file);
	free(own_cgroup);
	free(state_dir);
	free(shared);
}

/*
 * Rootless, a cgroup nobody can write is skipped; a limit that needed it
 * is refused, never dropped: one line naming linux.resources, nothing left.
 */
Test(isolation, rootless_limit_without_writable_cgroup_is_a_clean_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *shared = rootless_setup();
	struct ou_harness_json *cfg = bundle_config();
	const char *id = ou_harness_new_id();

	ou_harness_json_setf(cfg, "linux.resources", "{\"pids\": {\"limit\": 100}}");
	ou_harness_config_write(cfg, ou_harness_bundle());
	rt_as_nobody(&res, "run", "-b", ou_harness_bundle(), id, NULL);
	ou_harness_assert_clean_failure(&res, id);
	assert_error_names(res.err, "linux.resources");
	ou_harness_result_release(&res);
	ou_harness_json_free(cfg);
	free(shared);
}

/*
 * Without a network namespace of its own, a user namespace cannot mount
 * sysfs: the host's /sys is bound read-only in its place.
 */
Test(isolation, rootless_sysfs_without_network_namespace_is_bound, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *shared = rootless_setup();
	struct ou_harness_json *cfg = bundle_config();
	const char *id = ou_harness_new_id();

	ou_harness_config_add_mount(cfg, "/mnt/sys", "sysfs", "sysfs", "nosuid", "ro", NULL);
	ou_harness_config_args(cfg, "sh", "-c", OU_HARNESS_PRINT_MOUNTS "; ls /mnt/sys", NULL);
	ou_harness_config_write(cfg, ou_harness_bundle());
	rt_as_nobody(&res, "run", "-b", ou_harness_bundle(), id, NULL);
	cr_assert_eq(res.status, 0, "exit %d; stdout: %s; stderr: %s", res.status, res.out,
		     res.err);
	ou_harness_assert_mount(res.out, "/mnt/sys", "sysfs", "ro", NULL, NULL);
	assert_has(res.out, "\nkernel\n");
	ou_harness_result_release(&res);
	ou_harness_json_free(cfg);
	free(shared);
}

/*
 * config.md, idmap: without mappings of its own the mount takes the
 * container's, so ids on the host disk read as the same ids inside the
 * container (host uid 1000 is uid 1000 inside, where a plain bind shows
 * nobody), and what the container's root makes is owned by host uid 0.
 * Host uid 100000, the container's root, is outside the mapping: nobody.
 */
Test(isolation, idmap_maps_a_bind_through_the_container_user_namespace, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *src = owned_dir("idmap-src", "by-root:0", "by-1000:1000", "by-100000:100000", NULL);
	char *made = ou_harness_path("idmap-src/made");
	const char *out;

	require_kernel(5, 12, "idmapped mounts");
	use_user_namespace();
	ou_harness_config_add_mount(ou_harness_config(), "/mnt/idmapped", "bind", src, "rbind",
				    "idmap", NULL);
	ou_harness_config_add_mount(ou_harness_config(), "/mnt/plain", "bind", src, "rbind", NULL);
	out = run_ok(&res,
		     ARGS("sh", "-c",
			  "cd /mnt/idmapped && stat -c '%n %u:%g' by-*; "
			  "cd /mnt/plain && stat -c 'plain %n %u:%g' by-*; "
			  "/bin/payload write /mnt/idmapped/made x; " OU_HARNESS_PRINT_MOUNTS));
	assert_has(out, "by-root 0:0\n");
	assert_has(out, "by-1000 1000:1000\n");
	assert_has(out, "by-100000 65534:65534\n");
	assert_has(out, "plain by-root 65534:65534\n");
	assert_has(out, "plain by-1000 65534:65534\n");
	assert_has(out, "plain by-100000 0:0\n");
	assert_has(out, "\nok\n");
	ou_harness_assert_mount(out, "/mnt/idmapped", "ext4", "rw,relatime,idmapped", NULL, NULL);
	assert_owner(made, 0, 0);
	ou_harness_result_release(&res);
	free(made);
	free(src);
}

/* config.md, ridmap: the mapping reaches the submounts of an rbind; idmap's does not. */
Test(isolation, ridmap_maps_submounts_and_idmap_does_not, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *src = ou_harness_path("idmap-src");
	char *sub = ou_harness_path("idmap-src/sub");
	char *file = ou_harness_path("idmap-src/sub/file");
	const char *out;

	require_kernel(6, 3, "idmapped tmpfs mounts");
	use_user_namespace();
	ou_harness_mkdir(sub);
	cr_assert(mount("tmpfs", sub, "tmpfs", 0, "size=1m") == 0, "mount tmpfs: %s",
		  strerror(errno));
	ou_harness_write(file, "x");
	cr_assert(chown(file, 1000, 1000) == 0);
	ou_harness_config_add_mount(ou_harness_config(), "/mnt/i", "bind", src, "rbind", "idmap",
				    NULL);
	ou_harness_config_add_mount(ou_harness_config(), "/mnt/r", "bind", src, "rbind", "ridmap",
				    NULL);
	out = run_ok(
		&res,
		ARGS("sh", "-c",
		     "stat -c '%n %u:%g' /mnt/i/sub/file /mnt/r/sub/file; " OU_HARNESS_PRINT_MOUNTS));
	assert_has(out, "/mnt/i/sub/file 65534:65534\n");
	assert_has(out, "/mnt/r/sub/file 1000:1000\n");
	ou_harness_assert_mount(out, "/mnt/i/sub", "tmpfs", "rw,relatime", "idmapped", NULL);
	ou_harness_assert_mount(out, "/mnt/r/sub", "tmpfs", "rw,relatime,idmapped", NULL, NULL);
	ou_harness_assert_mount(out, "/mnt/i", "ext4", "rw,relatime,idmapped", NULL, NULL);
	ou_harness_assert_mount(out, "/mnt/r", "ext4", "rw,relatime,idmapped", NULL, NULL);
	ou_harness_result_release(&res);
	free(file);
	free(sub);
	free(src);
}

/* The last mount of the current config, for setting its mappings. */
static void set_last_mount(const char *key, const char *json)
{
	struct ou_harness_json *cfg = ou_harness_config();
	size_t n = ou_harness_json_len(ou_harness_json_get(cfg, "mounts"));
	char *path = NULL;

	cr_assert(asprintf(&path, "mounts.%zu.%s", n - 1, key) >= 0);
	ou_harness_json_setf(cfg, path, "%s", json);
	free(path);
}

/*
 * config.md, Mounts: a mount's own uidMappings and gidMappings, here in a
 * container without a user namespace.  Host id 1000 is root inside, host
 * ids 0-9 are 2000-2009 (gids 3000-3009), and a file root makes through the
 * mount belongs to host uid 1000.  Host id 50 is not mapped: nobody.
 */
Test(isolation, idmap_mount_with_its_own_mappings, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *src = owned_dir("idmap-src", "by-0:0", "by-7:7", "by-1000:1000", "by-50:50", NULL);
	char *made = ou_harness_path("idmap-src/made");
	const char *out;

	require_kernel(5, 12, "idmapped mounts");
	/* The container has no CAP_DAC_OVERRIDE: the directory is its root's. */
	cr_assert(chown(src, 1000, 1000) == 0);
	ou_harness_config_add_mount(ou_harness_config(), "/mnt/own", "bind", src, "bind", "idmap",
				    NULL);
	set_last_mount("uidMappings", "[{\"containerID\": 1000, \"hostID\": 0, \"size\": 1}, "
				      "{\"containerID\": 0, \"hostID\": 2000, \"size\": 10}]");
	set_last_mount("gidMappings", "[{\"containerID\": 1000, \"hostID\": 0, \"size\": 1}, "
				      "{\"containerID\": 0, \"hostID\": 3000, \"size\": 10}]");
	out = run_ok(&res, ARGS("sh", "-c",
				"cd /mnt/own && stat -c '%n %u:%g' by-*; "
				"/bin/payload write /mnt/own/made x"));
	assert_has(out, "by-0 2000:3000\n");
	assert_has(out, "by-7 2007:3007\n");
	assert_has(out, "by-1000 0:0\n");
	assert_has(out, "by-50 65534:65534\n");
	assert_has(out, "\nok\n");
	assert_owner(made, 1000, 1000);
	ou_harness_result_release(&res);
	free(made);
	free(src);
}

/* config-linux.md, User namespace mappings: overlapping ranges are refused up front. */
Test(isolation, idmap_overlapping_mappings_are_a_clean_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *src = owned_dir("idmap-src", "f:0", NULL);

	ou_harness_config_add_mount(ou_harness_config(), "/mnt/own", "bind", src, "bind", "idmap",
				    NULL);
	set_last_mount("uidMappings", "[{\"containerID\": 0, \"hostID\": 2000, \"size\": 10}, "
				      "{\"containerID\": 5, \"hostID\": 9000, \"size\": 1}]");
	set_last_mount("gidMappings", "[{\"containerID\": 0, \"hostID\": 3000, \"size\": 10}]");
	assert_error_names(run_clean_failure(&res), "uidMappings[1]: overlaps");
	free(src);
}

/* config.md, Mounts: uidMappings MUST come with gidMappings. */
Test(isolation, idmap_uid_mappings_without_gid_mappings_are_a_clean_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *src = owned_dir("idmap-src", "f:0", NULL);

	ou_harness_config_add_mount(ou_harness_config(), "/mnt/own", "bind", src, "rbind", "ridmap",
				    NULL);
	set_last_mount("uidMappings", "[{\"containerID\": 0, \"hostID\": 2000, \"size\": 10}]");
	assert_error_names(run_clean_failure(&res), "gidMappings");
	free(src);
}

/* config.md, idmap: no mappings and no user namespace MUST be an error. */
Test(isolation, idmap_without_mappings_or_user_namespace_is_a_clean_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *src = owned_dir("idmap-src", "f:0", NULL);

	ou_harness_config_add_mount(ou_harness_config(), "/mnt/i", "bind", src, "rbind", "idmap",
				    NULL);
	assert_error_names(run_clean_failure(&res), "'idmap'");
	free(src);
}

/*
 * A filesystem that cannot be idmapped (proc) makes mount_setattr fail
 * with EINVAL: a clean error naming the option, after the state directory
 * and cgroup were made, and nothing of them left.
 */
Test(isolation, idmap_of_a_filesystem_without_support_is_a_clean_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *err;

	require_kernel(5, 12, "idmapped mounts");
	use_user_namespace();
	ou_harness_config_add_mount(ou_harness_config(), "/mnt/p", "bind", "/proc", "bind", "idmap",
				    NULL);
	err = run_clean_failure(&res);
	assert_error_names(err, "option 'idmap'");
	assert_error_names(err, "does not support idmapped mounts");
}

/* ================= hostile bundles ================= */

/*
 * A host directory of the test and a symlink rootfs/LINK pointing at it by
 * its absolute host path: a runtime that follows the link outside the root
 * reaches the host.  Returns the host directory (caller frees).
 */
static char *hostile_link(const char *link)
{
	char *target = ou_harness_path("host-target");
	char *path = rootfs_path(link);

	ou_harness_mkdir(target);
	cr_assert(symlink(target, path) == 0, "symlink '%s': %s", path, strerror(errno));
	free(path);
	return target;
}

/* The host side is untouched: target empty, no mount on it, same mount count. */
/*
 * The host's whole mount table is not compared: other tests run in
 * parallel and mount things of their own.
 */
static void check_host_untouched(const char *target)
{
	cr_assert_eq(dir_entries(target), 0, "something was made in '%s'", target);
	cr_assert(!host_has_mount_under(target), "a mount on the host at '%s'", target);
}

/* config.md, Mounts: destination is "relative to the container's root"; even via a symlink. */
Test(isolation, symlinked_tmpfs_destination_stays_in_root, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *target = hostile_link("evil");
	const char *out;

	ou_harness_config_add_mount(ou_harness_config(), "/evil", "tmpfs", "tmpfs", "size=1m",
				    NULL);
	out = run_ok(&res,
		     ARGS("sh", "-c", OU_HARNESS_PRINT_MOUNTS "; /bin/payload write /evil/file x"));
	/* Inside, the tmpfs is at the link's target as resolved in the root */
	ou_harness_assert_mount(out, target, "tmpfs", NULL, NULL, NULL);
	cr_assert_not_null(strstr(out, "\nok\n"), "output: %s", out);
	check_host_untouched(target);
	free(target);
}

Test(isolation, symlinked_bind_destination_stays_in_root, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *target = hostile_link("evil");
	char *src = ou_harness_path("bind-src");
	char *src_file = ou_harness_path("bind-src/from-source");

	ou_harness_mkdir(src);
	ou_harness_write(src_file, "source");
	ou_harness_config_add_mount(ou_harness_config(), "/evil", "bind", src, "rbind", "rw", NULL);
	cr_assert_str_eq(run_ok(&res, ARGS("cat", "/evil/from-source")), "source");
	check_host_untouched(target);
	free(src_file);
	free(src);
	free(target);
}

/* The link's target as seen from the host through the rootfs (caller frees). */
static char *in_root(const char *target, const char *rest)
{
	char *path = NULL;

	cr_assert(asprintf(&path, "%s%s%s", ou_harness_rootfs(), target, rest) >= 0);
	return path;
}

/* config-linux.md, Masked Paths: the path is resolved in the root, links included. */
Test(isolation, symlinked_masked_path_stays_in_root, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *target = hostile_link("evil");
	char *secret = ou_harness_path("host-target/secret");
	char *dir = in_root(target, "");
	char *inside = in_root(target, "/secret");
	char *text;

	ou_harness_write(secret, "host secret\n");
	ou_harness_mkdir(dir);
	ou_harness_write(inside, "inside secret\n");
	ou_harness_json_setf(ou_harness_config(), "linux.maskedPaths", "[\"/evil/secret\"]");
	cr_assert_str_eq(run_ok(&res, ARGS("sh", "-c", "cat /evil/secret; echo end")), "end\n");
	text = ou_harness_read(secret);
	cr_assert_str_eq(text, "host secret\n", "the host file changed");
	free(text);
	cr_assert(!host_has_mount_under(target), "a mount on the host at '%s'", target);
	cr_assert_eq(dir_entries(target), 1, "something was made in '%s'", target);
	free(inside);
	free(dir);
	free(secret);
	free(target);
}

/* config.md, POSIX process: cwd is in the container, links included. */
Test(isolation, symlinked_cwd_stays_in_root, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *target = hostile_link("evil");
	char *inside = in_root(target, "");
	char *made = in_root(target, "/cwd-file");

	ou_harness_mkdir(inside);
	ou_harness_json_set_str(ou_harness_config(), "process.cwd", "/evil");
	run_ok(&res, ARGS("/bin/payload", "write", "cwd-file", "x"));
	cr_assert(ou_harness_exists(made), "the file is not in the rootfs");
	check_host_untouched(target);
	free(made);
	free(inside);
	free(target);
}

/* config-linux.md, Devices: path is in the container, links included. */
Test(isolation, symlinked_device_path_stays_in_root, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *target = hostile_link("evil");
	char *made = in_root(target, "/ou-null");
	struct stat st;

	ou_harness_json_setf(ou_harness_config(), "linux.devices",
			     "[{\"path\": \"/evil/ou-null\", \"type\": \"c\", \"major\": 1,"
			     " \"minor\": 3, \"fileMode\": 438, \"uid\": 0, \"gid\": 0}]");
	cr_assert_str_eq(run_ok(&res, ARGS("/bin/payload", "stat", "/evil/ou-null")),
			 "type=char mode=0666 uid=0 gid=0\n");
	check_host_untouched(target);
	/* Made in the rootfs unless the runtime binds it from the host's /dev */
	cr_assert(lstat(made, &st) != 0 || S_ISCHR(st.st_mode), "odd node in the rootfs");
	free(made);
	free(target);
}

/* config.md, Mounts: ".." in a destination cannot climb out of the root. */
Test(isolation, dotdot_mount_destination_stays_in_root, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *base = strrchr(ou_harness_dir(), '/') + 1;
	char *dest = NULL;
	char *inside = NULL;
	char *host = NULL;
	const char *out;

	cr_assert(asprintf(&dest, "/../../../../tmp/%s-x", base) >= 0);
	cr_assert(asprintf(&inside, "/tmp/%s-x", base) >= 0);
	cr_assert(asprintf(&host, "/tmp/%s-x", base) >= 0);
	ou_harness_config_add_mount(ou_harness_config(), dest, "tmpfs", "tmpfs", "size=1m", NULL);
	out = run_ok(&res, ARGS("cat", "/proc/self/mountinfo"));
	ou_harness_assert_mount(out, inside, "tmpfs", NULL, NULL, NULL);
	cr_assert(!ou_harness_exists(host), "'%s' made on the host", host);
	cr_assert(!host_has_mount_under(host), "a mount on the host at '%s'", host);
	free(host);
	free(inside);
	free(dest);
}

/* Content of the runtime binary, to compare before and after an attack. */
static char *runtime_content(size_t *len)
{
	struct ou_error *err = NULL;
	char *data = NULL;

	cr_assert(ou_read_file(ou_harness_runtime(), 0, &data, len, &err) == 0, "read '%s'",
		  ou_harness_runtime());
	return data;
}

/*
 * The CVE-2019-5736 pattern: while the container is created, its pid 1 is
 * still the runtime; a process exec'd into it must not be able to open
 * /proc/1/exe for writing.
 */
Test(isolation, created_init_exe_cannot_be_written_from_exec, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	size_t len_before;
	size_t len_after;
	char *before = runtime_content(&len_before);
	char *after;

	ou_harness_config_set_caps(ou_harness_config(), "CAP_KILL", "CAP_SYS_PTRACE",
				   "CAP_DAC_OVERRIDE", NULL);
	ou_harness_config_args(ou_harness_config(), "true", NULL);
	ou_harness_create(&res, id);
	cr_assert_eq(res.status, 0, "create failed (%d): %s", res.status, res.err);
	ou_harness_result_release(&res);
	ou_harness_rt(&res, "exec", id, "/bin/payload", "open", "/proc/1/exe", "w", NULL);
	cr_assert_str_neq(res.out, "ok\n", "/proc/1/exe opened for writing; stderr: %s", res.err);
	ou_harness_result_release(&res);
	ou_harness_rt(&res, "exec", id, "/bin/payload", "write", "/proc/1/exe", "x", NULL);
	cr_assert_str_neq(res.out, "ok\n", "/proc/1/exe written; stderr: %s", res.err);
	after = runtime_content(&len_after);
	cr_assert(len_after == len_before && memcmp(before, after, len_before) == 0,
		  "the runtime binary changed");
	free(after);
	free(before);
}

Test(isolation, started_process_cannot_write_proc_1_exe, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	size_t len_before;
	size_t len_after;
	char *before = runtime_content(&len_before);
	char *after;

	ou_harness_config_set_caps(ou_harness_config(), "CAP_KILL", "CAP_SYS_PTRACE",
				   "CAP_DAC_OVERRIDE", NULL);
	run_args(&res, ARGS("/bin/payload", "write", "/proc/1/exe", "x"));
	cr_assert_eq(res.status, 1, "exit %d; stdout: %s; stderr: %s", res.status, res.out,
		     res.err);
	cr_assert_str_eq(res.out, "ETXTBSY\n");
	after = runtime_content(&len_after);
	cr_assert(len_after == len_before && memcmp(before, after, len_before) == 0,
		  "the runtime binary changed");
	free(after);
	free(before);
}

/* ================= descriptors ================= */

/* The descriptor numbers in `payload fds` output, as "0 1 2 ". */
static char *fd_numbers(const char *out)
{
	char *nums = calloc(1, strlen(out) + 1);

	cr_assert_not_null(nums);
	for (const char *line = out; *line != '\0';) {
		const char *nl = strchr(line, '\n');
		size_t n = strcspn(line, " \n");

		strncat(nums, line, n);
		strcat(nums, " ");
		line = nl != NULL ? nl + 1 : line + strlen(line);
	}
	return nums;
}

/* Nothing the runtime opened reaches the container process. */
Test(isolation, no_runtime_fd_leaks_into_container, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *nums = fd_numbers(run_ok(&res, ARGS("/bin/payload", "fds")));

	cr_assert_str_eq(nums, "0 1 2 ", "fds: %s", res.out);
	free(nums);
}

/*
 * Create with fd 3 open in the runtime (and --preserve-fds if given), start,
 * and return the `payload fds` output of the container.
 */
static char *fds_after_create(const char *preserve)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *fd3 = test_file("fd3-file", "three");
	char *out = ou_harness_path("fds.out");
	const char *argv[16] = { "/bin/sh",
				 "-c",
				 "exec 3<\"$1\" >\"$2\"; shift 2; exec \"$@\"",
				 "sh",
				 fd3,
				 out,
				 ou_harness_runtime(),
				 "--root",
				 ou_harness_state_root(),
				 "create",
				 "-b",
				 ou_harness_bundle() };
	size_t n = 12;
	char *text;

	if (preserve != NULL) {
		argv[n++] = "--preserve-fds";
		argv[n++] = preserve;
	}
	argv[n] = id;
	ou_harness_config_args(ou_harness_config(), "/bin/payload", "fds", NULL);
	ou_harness_config_write(ou_harness_config(), ou_harness_bundle());
	ou_harness_exec(&res, OU_HARNESS_TIMEOUT, argv);
	cr_assert_eq(res.status, 0, "create failed (%d): %s", res.status, res.err);
	ou_harness_result_release(&res);
	ou_harness_rt(&res, "start", id, NULL);
	cr_assert_eq(res.status, 0, "start failed (%d): %s", res.status, res.err);
	ou_harness_result_release(&res);
	cr_assert(ou_harness_wait_status(id, "stopped", 5000), "container did not stop");
	text = ou_harness_read(out);
	free(out);
	free(fd3);
	return text;
}

Test(isolation, fd_3_of_create_does_not_leak_without_preserve_fds, .timeout = T_TIMEOUT)
{
	char *out = fds_after_create(NULL);
	char *nums = fd_numbers(out);

	cr_assert_str_eq(nums, "0 1 2 ", "fds: %s", out);
	free(nums);
	free(out);
}

Test(isolation, preserve_fds_passes_fd_3, .timeout = T_TIMEOUT)
{
	char *out = fds_after_create("1");
	char *nums = fd_numbers(out);

	cr_assert_str_eq(nums, "0 1 2 3 ", "fds: %s", out);
	cr_assert_not_null(strstr(out, "\n3 /"), "fds: %s", out);
	cr_assert_not_null(strstr(out, "fd3-file\n"), "fds: %s", out);
	free(nums);
	free(out);
}

/*
 * config.md, process.cwd is resolved in the container's root.  A path
 * through a descriptor ("/proc/self/fd/N") must not lead out of it: not
 * through any descriptor the runtime might leave open in the container
 * process (the CVE-2024-21626 shape), and not through a preserved one
 * opened on a host directory.
 */
Test(isolation, cwd_through_a_descriptor_cannot_leave_the_root, .timeout = T_TIMEOUT)
{
	char *host_dir = ou_harness_path("host-dir");
	char *marker = ou_harness_path("host-dir/host-only");
	struct ou_harness_result res;
	const char *id;

	for (int n = 3; n <= 16; n++) {
		char cwd[32];

		snprintf(cwd, sizeof(cwd), "/proc/self/fd/%d", n);
		id = ou_harness_new_id();
		ou_harness_json_set_str(ou_harness_config(), "process.cwd", cwd);
		ou_harness_config_args(ou_harness_config(), "/bin/sh", "-c", "pwd", NULL);
		ou_harness_run(&res, id);
		if (res.status == 0)
			cr_assert_eq(res.out[0], '/',
				     "cwd %s: the container ran outside its root: '%s'", cwd,
				     res.out);
		else
			cr_assert_not_null(strstr(res.err, "process.cwd"), "cwd %s: %s", cwd,
					   res.err);
		ou_harness_result_release(&res);
	}

	cr_assert_eq(mkdir(host_dir, 0755), 0);
	ou_harness_write(marker, "host");
	id = ou_harness_new_id();
	ou_harness_json_set_str(ou_harness_config(), "process.cwd", "/proc/self/fd/3");
	ou_harness_config_args(ou_harness_config(), "/bin/ls", NULL);
	ou_harness_config_write(ou_harness_config(), ou_harness_bundle());
	{
		const char *argv[] = { "/bin/sh",
				       "-c",
				       "exec 3<\"$1\"; shift; exec \"$@\"",
				       "sh",
				       host_dir,
				       ou_harness_runtime(),
				       "--root",
				       ou_harness_state_root(),
				       "run",
				       "--preserve-fds",
				       "1",
				       "-b",
				       ou_harness_bundle(),
				       id,
				       NULL };

		ou_harness_exec(&res, OU_HARNESS_TIMEOUT, argv);
	}
	cr_assert_null(strstr(res.out, "host-only"), "the container listed the host: %s", res.out);
	cr_assert_not_null(strstr(res.err, "process.cwd: '/proc/self/fd/3' leads outside the "
					   "container's root"),
			   "stderr: %s", res.err);
	ou_harness_assert_clean_failure(&res, id);
	ou_harness_result_release(&res);
	free(marker);
	free(host_dir);
}

/*
 * A program of the container that is a script with "/proc/self/exe" as its
 * interpreter must not get the host's ociunion binary run as the container's
 * process (the CVE-2019-5736 shape: the container could then write that
 * binary through /proc/PID/exe once it exits).  "--version" makes it show:
 * the host's binary would print its version and exit 0.  Neither the
 * container's process nor an exec'd one may see it.
 */
Test(isolation, proc_self_exe_interpreter_never_runs_the_host_binary, .timeout = T_TIMEOUT)
{
	char *script = rootfs_path("evil");
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	ou_harness_write(script, "#!/proc/self/exe --version\n");
	cr_assert_eq(chmod(script, 0755), 0);
	ou_harness_config_args(ou_harness_config(), "/evil", NULL);
	ou_harness_run(&res, id);
	cr_assert_null(strstr(res.out, "version"), "the host's binary ran: %s", res.out);
	cr_assert_eq(res.status, 127, "run: status %d: %s%s", res.status, res.out, res.err);
	ou_harness_result_release(&res);

	id = ou_harness_new_id();
	ou_harness_config_args(ou_harness_config(), "/bin/sleep", "30", NULL);
	ou_harness_create(&res, id);
	cr_assert_eq(res.status, 0, "create: %s", res.err);
	ou_harness_result_release(&res);
	ou_harness_rt(&res, "start", id, NULL);
	cr_assert_eq(res.status, 0, "start: %s", res.err);
	ou_harness_result_release(&res);
	ou_harness_rt(&res, "exec", id, "/evil", NULL);
	cr_assert_null(strstr(res.out, "version"), "the host's binary ran: %s", res.out);
	cr_assert_eq(res.status, 127, "exec: status %d: %s%s", res.status, res.out, res.err);
	ou_harness_result_release(&res);
	ou_harness_rt(&res, "delete", "--force", id, NULL);
	ou_harness_result_release(&res);
	free(script);
}

/* ================= Linux security modules ================= */

/*
 * config.md, POSIX process, and config-linux.md, Mount Label: an LSM field
 * is applied when the kernel has the module and an error otherwise, never
 * ignored.  The host's modules are read here, apart from the runtime.
 */
static bool host_has_apparmor(void)
{
	char *text;
	bool on;

	if (access("/sys/module/apparmor/parameters/enabled", F_OK) != 0)
		return false;
	text = ou_harness_read("/sys/module/apparmor/parameters/enabled");
	on = text[0] == 'Y';
	free(text);
	return on;
}

static bool host_has_selinux(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

/* The error case needs a host without the module. */
static void require_no_lsm(bool present, const char *lsm)
{
	if (present)
		skip_test("the kernel has this LSM, so the field is applied, not refused", lsm);
}

/* The applied case needs a host with the module. */
static void require_lsm(bool present, const char *lsm)
{
	if (!present)
		skip_test("the kernel lacks this LSM", lsm);
}

Test(isolation, apparmor_profile_without_apparmor_is_a_clean_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	require_no_lsm(host_has_apparmor(), "AppArmor");
	ou_harness_json_set_str(ou_harness_config(), "process.apparmorProfile", "ou-test");
	assert_error_names(run_clean_failure(&res), "process.apparmorProfile");
}

Test(isolation, selinux_label_without_selinux_is_a_clean_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	require_no_lsm(host_has_selinux(), "SELinux");
	ou_harness_json_set_str(ou_harness_config(), "process.selinuxLabel",
				"system_u:system_r:container_t:s0");
	assert_error_names(run_clean_failure(&res), "process.selinuxLabel");
}

Test(isolation, mount_label_without_selinux_is_a_clean_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	require_no_lsm(host_has_selinux(), "SELinux");
	ou_harness_json_set_str(ou_harness_config(), "linux.mountLabel",
				"system_u:object_r:container_file_t:s0");
	assert_error_names(run_clean_failure(&res), "linux.mountLabel");
}

/* A created container waiting for start, for the exec tests. */
static const char *created_container(void)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	ou_harness_config_args(ou_harness_config(), "true", NULL);
	ou_harness_create(&res, id);
	cr_assert_eq(res.status, 0, "create failed (%d): %s", res.status, res.err);
	ou_harness_result_release(&res);
	return id;
}

/* exec failed cleanly: one line naming field, the container as it was. */
static void assert_exec_refused(struct ou_harness_result *res, const char *id, const char *field)
{
	char *status;

	cr_assert_eq(res->status, 1, "exec: status %d; stdout: %s; stderr: %s", res->status,
		     res->out, res->err);
	assert_error_names(res->err, field);
	if (ou_harness_is_ociunion())
		cr_assert_eq(ou_harness_count_lines(res->err), 1, "stderr: %s", res->err);
	status = ou_harness_state_status(id);
	cr_assert_str_eq(status, "created");
	free(status);
	ou_harness_result_release(res);
	ou_harness_rt(res, "ps", "--format", "json", id, NULL);
	cr_assert_eq(res->status, 0, "ps: %s", res->err);
	cr_assert_eq(ou_harness_count_lines(res->out), 1, "ps: %s", res->out);
	cr_assert_eq(strchr(res->out, ','), NULL, "a process was left: %s", res->out);
	ou_harness_result_release(res);
}

Test(isolation, exec_apparmor_profile_without_apparmor_is_a_clean_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id;
	char *file = test_file("process.json", "{\"args\": [\"true\"], \"cwd\": \"/\","
					       " \"user\": {\"uid\": 0, \"gid\": 0},"
					       " \"apparmorProfile\": \"ou-test\"}");

	require_no_lsm(host_has_apparmor(), "AppArmor");
	id = created_container();
	ou_harness_rt(&res, "exec", "--process", file, id, NULL);
	assert_exec_refused(&res, id, "process.apparmorProfile");
	ou_harness_rt(&res, "exec", "--apparmor", "ou-test", id, "true", NULL);
	assert_exec_refused(&res, id, "process.apparmorProfile");
	free(file);
}

Test(isolation, exec_selinux_label_without_selinux_is_a_clean_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *id;
	char *file = test_file("process.json",
			       "{\"args\": [\"true\"], \"cwd\": \"/\","
			       " \"user\": {\"uid\": 0, \"gid\": 0},"
			       " \"selinuxLabel\": \"system_u:system_r:container_t:s0\"}");

	require_no_lsm(host_has_selinux(), "SELinux");
	id = created_container();
	ou_harness_rt(&res, "exec", "--process", file, id, NULL);
	assert_exec_refused(&res, id, "process.selinuxLabel");
	ou_harness_rt(&res, "exec", "--process-label", "system_u:system_r:container_t:s0", id,
		      "true", NULL);
	assert_exec_refused(&res, id, "process.selinuxLabel");
	free(file);
}

/* With AppArmor, the process runs in its profile ("unconfined" always exists). */
Test(isolation, apparmor_profile_is_applied, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	require_lsm(host_has_apparmor(), "AppArmor");
	ou_harness_json_set_str(ou_harness_config(), "process.apparmorProfile", "unconfined");
	cr_assert_str_eq(run_ok(&res, ARGS("cat", "/proc/self/attr/current")), "unconfined\n");
}

/* With SELinux, the process runs with its label: the host's own, which exists. */
Test(isolation, selinux_label_is_applied, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *label;

	require_lsm(host_has_selinux(), "SELinux");
	label = ou_harness_read("/proc/self/attr/current");
	ou_harness_json_set_str(ou_harness_config(), "process.selinuxLabel", label);
	cr_assert_str_eq(run_ok(&res, ARGS("cat", "/proc/self/attr/current")), label);
	free(label);
}

/* ================= limitations pinned as errors ================= */

/* README, Limitations: only bind mounts are idmapped (config.md, Mounts). */
Test(isolation, idmap_of_a_tmpfs_is_refused, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	ou_harness_config_add_mount(ou_harness_config(), "/mnt/idmap", "tmpfs", "tmpfs", "idmap",
				    NULL);
	ou_harness_config_add_namespace(ou_harness_config(), "user", NULL);
	ou_harness_json_setf(ou_harness_config(), "linux.uidMappings", "[%s]", MAP_100000);
	ou_harness_json_setf(ou_harness_config(), "linux.gidMappings", "[%s]", MAP_100000);
	assert_error_names(run_clean_failure(&res), "only supported for bind mounts");
}

/* README, Limitations: config-linux.md, IntelRdt is not supported. */
Test(isolation, intel_rdt_is_refused, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	ou_harness_json_setf(ou_harness_config(), "linux.intelRdt", "{\"closID\": \"ou-test\"}");
	assert_error_names(run_clean_failure(&res), "intelRdt");
}

/* README, Limitations: a container must have its own mount namespace. */
Test(isolation, config_without_mount_namespace_is_refused, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	ou_harness_config_remove_namespace(ou_harness_config(), "mount");
	assert_error_names(run_clean_failure(&res), "mount");
}
