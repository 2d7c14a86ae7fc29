/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "runtime/seccomp.h"

#define STRV(...)                                                              \
	((struct ou_strv){ sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *), \
			   (char *[]){ __VA_ARGS__, NULL } })

static char tmpdir[64];

static void make_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/ou-seccomp-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	ou_autoerror struct ou_error *err = NULL;

	ou_remove_tree(tmpdir, &err);
}

TestSuite(seccomp, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 20);

/* A filter of one rule on top of defaultAction */
static struct ou_seccomp one_rule(const char *def, struct ou_seccomp_syscall *sys)
{
	return (struct ou_seccomp){ .default_action = (char *)def,
				    .n_syscalls = sys ? 1 : 0,
				    .syscalls = sys };
}

static struct ou_seccomp_prog *compile_ok(const struct ou_seccomp *sc)
{
	ou_autoerror struct ou_error *err = NULL;
	struct ou_seccomp_prog *prog = NULL;

	cr_assert_eq(ou_seccomp_compile(sc, &prog, &err), 0, "compile: %s", err ? err->msg : "");
	cr_assert_not_null(prog);
	return prog;
}

static enum ou_errkind compile_fails(const struct ou_seccomp *sc)
{
	struct ou_error *err = NULL;
	struct ou_seccomp_prog *prog = NULL;
	enum ou_errkind kind;

	cr_assert_eq(ou_seccomp_compile(sc, &prog, &err), -1);
	cr_assert_null(prog);
	cr_assert_not_null(err);
	kind = err->kind;
	ou_error_free(err);
	return kind;
}

/*
 * Install prog in a forked child with no_new_privs (no root needed) and
 * run fn there; returns fn's result, the child's exit status.
 */
static int run_filtered(const struct ou_seccomp_prog *prog, int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		ou_autoerror struct ou_error *err = NULL;
		int fd;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		if (ou_seccomp_install(prog, &fd, &err) < 0)
			_exit(101);
		if (fd != -1)
			_exit(102);
		_exit(fn());
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child killed, status %#x", status);
	return WEXITSTATUS(status);
}

/* 0 if the call failed with want, else 1 (or 2 if it succeeded) */
static int expect_errno(long rc, int want)
{
	if (rc >= 0)
		return 2;
	return errno == want ? 0 : 1;
}

static int try_mkdir(void)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/d", tmpdir);
	if (expect_errno(mkdir(path, 0755), EPERM) != 0)
		return 1;
	return stat(path, &st) == 0 ? 3 : 0;
}

Test(seccomp, mkdir_denied_with_eperm)
{
	struct ou_seccomp_syscall sys = { .names = STRV("mkdir", "mkdirat"),
					  .action = "SCMP_ACT_ERRNO" };
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct ou_seccomp_prog *prog = compile_ok(&sc);

	cr_expect_eq(run_filtered(prog, try_mkdir), 0);
	cr_expect_not(ou_seccomp_wants_listener(prog));
	ou_seccomp_prog_free(prog);
}

static int try_mkdir_enosys(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/d", tmpdir);
	return expect_errno(mkdir(path, 0755), ENOSYS);
}

Test(seccomp, custom_errno_ret)
{
	struct ou_seccomp_syscall sys = { .names = STRV("mkdir", "mkdirat"),
					  .action = "SCMP_ACT_ERRNO",
					  .has_errno_ret = true,
					  .errno_ret = 38 };
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct ou_seccomp_prog *prog = compile_ok(&sc);

	cr_expect_eq(run_filtered(prog, try_mkdir_enosys), 0);
	ou_seccomp_prog_free(prog);
}

static int try_getpid_exdev(void)
{
	return expect_errno(syscall(SYS_getpid), EXDEV);
}

Test(seccomp, default_errno_ret)
{
	struct ou_seccomp_syscall sys = { .names = STRV("exit_group", "exit"),
					  .action = "SCMP_ACT_ALLOW" };
	struct ou_seccomp sc = one_rule("SCMP_ACT_ERRNO", &sys);
	struct ou_seccomp_prog *prog;

	sc.has_default_errno_ret = true;
	sc.default_errno_ret = EXDEV;
	prog = compile_ok(&sc);
	cr_expect_eq(run_filtered(prog, try_getpid_exdev), 0);
	ou_seccomp_prog_free(prog);
}

static int try_personality(void)
{
	if (expect_errno(personality(0xffffffff), EPERM) != 0)
		return 1;
	/* PER_LINUX is allowed: the rule only matches 0xffffffff */
	return personality(PER_LINUX) < 0 ? 2 : 0;
}

Test(seccomp, argument_filter_matches_value_only)
{
	struct ou_seccomp_arg arg = { .index = 0, .value = 0xffffffff, .op = "SCMP_CMP_EQ" };
	struct ou_seccomp_syscall sys = {
		.names = STRV("personality"), .action = "SCMP_ACT_ERRNO", .n_args = 1, .args = &arg
	};
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct ou_seccomp_prog *prog = compile_ok(&sc);

	cr_expect_eq(run_filtered(prog, try_personality), 0);
	ou_seccomp_prog_free(prog);
}

static int try_write_and(void)
{
	/* fd 99 and count 1: denied; fd 99 with count 2: reaches the kernel */
	if (expect_errno(write(99, "x", 1), EPERM) != 0)
		return 1;
	return expect_errno(write(99, "xx", 2), EBADF);
}

Test(seccomp, args_on_distinct_indexes_are_and)
{
	struct ou_seccomp_arg args[] = { { .index = 0, .value = 99, .op = "SCMP_CMP_EQ" },
					 { .index = 2, .value = 1, .op = "SCMP_CMP_EQ" } };
	struct ou_seccomp_syscall sys = {
		.names = STRV("write"), .action = "SCMP_ACT_ERRNO", .n_args = 2, .args = args
	};
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct ou_seccomp_prog *prog = compile_ok(&sc);

	cr_expect_eq(run_filtered(prog, try_write_and), 0);
	ou_seccomp_prog_free(prog);
}

static int try_write_or(void)
{
	if (expect_errno(write(98, "x", 1), EPERM) != 0)
		return 1;
	if (expect_errno(write(99, "x", 1), EPERM) != 0)
		return 2;
	return expect_errno(write(97, "x", 1), EBADF) != 0 ? 3 : 0;
}

Test(seccomp, args_on_same_index_are_or)
{
	struct ou_seccomp_arg args[] = { { .index = 0, .value = 98, .op = "SCMP_CMP_EQ" },
					 { .index = 0, .value = 99, .op = "SCMP_CMP_EQ" } };
	struct ou_seccomp_syscall sys = {
		.names = STRV("write"), .action = "SCMP_ACT_ERRNO", .n_args = 2, .args = args
	};
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct ou_seccomp_prog *prog = compile_ok(&sc);

	cr_expect_eq(run_filtered(prog, try_write_or), 0);
	ou_seccomp_prog_free(prog);
}

static int try_write_masked(void)
{
	if (expect_errno(write(0x1263, "x", 1), EPERM) != 0)
		return 1;
	return expect_errno(write(0x1363, "x", 1), EBADF) != 0 ? 2 : 0;
}

Test(seccomp, masked_eq_uses_value_as_mask)
{
	struct ou_seccomp_arg arg = {
		.index = 0, .value = 0xff00, .value_two = 0x1200, .op = "SCMP_CMP_MASKED_EQ"
	};
	struct ou_seccomp_syscall sys = {
		.names = STRV("write"), .action = "SCMP_ACT_ERRNO", .n_args = 1, .args = &arg
	};
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct ou_seccomp_prog *prog = compile_ok(&sc);

	cr_expect_eq(run_filtered(prog, try_write_masked), 0);
	ou_seccomp_prog_free(prog);
}

Test(seccomp, unknown_syscall_skipped)
{
	struct ou_seccomp_syscall sys = { .names = STRV("no_such_syscall_ou", "mkdir", "mkdirat"),
					  .action = "SCMP_ACT_ERRNO" };
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct ou_seccomp_prog *prog = compile_ok(&sc);

	cr_expect_eq(run_filtered(prog, try_mkdir), 0);
	ou_seccomp_prog_free(prog);
}

Test(seccomp, architectures_and_flags)
{
	struct ou_seccomp_syscall sys = { .names = STRV("mkdir", "mkdirat"),
					  .action = "SCMP_ACT_ERRNO" };
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct ou_seccomp_prog *prog;

	sc.architectures = STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
				"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
	sc.flags = STRV("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
			"SECCOMP_FILTER_FLAG_SPEC_ALLOW");
	prog = compile_ok(&sc);
	cr_expect_eq(run_filtered(prog, try_mkdir), 0);
	ou_seccomp_prog_free(prog);
}

Test(seccomp, unknown_action_rejected)
{
	struct ou_seccomp_syscall sys[] = {
		{ .names = STRV("mkdir"), .action = "SCMP_ACT_ERRNO" },
		{ .names = STRV("rmdir"), .action = "SCMP_ACT_FOO" },
	};
	struct ou_seccomp sc = { .default_action = "SCMP_ACT_ALLOW",
				 .n_syscalls = 2,
				 .syscalls = sys };
	struct ou_seccomp bad_default = one_rule("SCMP_ACT_NOPE", NULL);

	cr_expect_eq(compile_fails(&sc), OU_E_INVALID);
	cr_expect_eq(compile_fails(&bad_default), OU_E_INVALID);
}

Test(seccomp, bad_fields_rejected)
{
	struct ou_seccomp_arg bad_op = { .index = 0, .value = 1, .op = "SCMP_CMP_ALMOST" };
	struct ou_seccomp_arg bad_index = { .index = 6, .value = 1, .op = "SCMP_CMP_EQ" };
	struct ou_seccomp_syscall sys = { .names = STRV("write"), .action = "SCMP_ACT_ERRNO" };
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);

	sys.n_args = 1;
	sys.args = &bad_op;
	cr_expect_eq(compile_fails(&sc), OU_E_INVALID, "unknown operator");
	sys.args = &bad_index;
	cr_expect_eq(compile_fails(&sc), OU_E_INVALID, "argument index 6");
	sys.n_args = 0;

	sys.action = "SCMP_ACT_ALLOW";
	sys.has_errno_ret = true;
	sys.errno_ret = 1;
	sc.default_action = "SCMP_ACT_ERRNO";
	cr_expect_eq(compile_fails(&sc), OU_E_INVALID, "errnoRet with SCMP_ACT_ALLOW");
	sys.has_errno_ret = false;

	sc.architectures = STRV("SCMP_ARCH_VAX");
	cr_expect_eq(compile_fails(&sc), OU_E_INVALID, "unknown architecture");
	sc.architectures = (struct ou_strv){ 0 };
	sc.flags = STRV("SECCOMP_FILTER_FLAG_FAST");
	cr_expect_eq(compile_fails(&sc), OU_E_INVALID, "unknown flag");
}

Test(seccomp, notify_needs_listener_path)
{
	struct ou_seccomp_syscall sys = { .names = STRV("mkdir"), .action = "SCMP_ACT_NOTIFY" };
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct ou_seccomp notify_default = one_rule("SCMP_ACT_NOTIFY", NULL);

	cr_expect_eq(compile_fails(&sc), OU_E_INVALID);
	notify_default.listener_path = "/tmp/x.sock";
	cr_expect_eq(compile_fails(&notify_default), OU_E_INVALID);
}

static const char state_json[] = "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":1}";

/* Child of the notify test: install, hand the fd to the agent, mkdir */
static void notify_child(const struct ou_seccomp_prog *prog, const char *sock_path)
{
	ou_autoerror struct ou_error *err = NULL;
	char path[128];
	int fd = -1;

	snprintf(path, sizeof(path), "%s/d", tmpdir);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || ou_seccomp_install(prog, &fd, &err) < 0)
		_exit(100);
	if (fd < 0)
		_exit(101);
	if (ou_seccomp_send_listener(sock_path, fd, state_json, strlen(state_json), &err) < 0)
		_exit(102);
	_exit(expect_errno(mkdir(path, 0755), EXDEV));
}

/* Receive the JSON and the fd of one connection */
static int receive_listener(int conn, char *buf, size_t size)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	c = CMSG_FIRSTHDR(&msg);
	cr_assert_not_null(c);
	cr_assert_eq(c->cmsg_type, SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void answer_notification(int fd)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	memset(&req, 0, sizeof(req));
	cr_assert_eq(ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
	cr_expect(req.data.nr == SYS_mkdir || req.data.nr == SYS_mkdirat, "nr %d", req.data.nr);
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.error = -EXDEV;
	cr_assert_eq(ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
}

Test(seccomp, notify_fd_sent_to_listener)
{
	struct ou_seccomp_syscall sys = { .names = STRV("mkdir", "mkdirat"),
					  .action = "SCMP_ACT_NOTIFY" };
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	ou_autoclose int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ou_autoclose int conn = -1, notify_fd = -1;
	struct ou_seccomp_prog *prog;
	char buf[256];
	int status;
	pid_t pid;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/agent.sock", tmpdir);
	cr_assert_eq(bind(lsock, (struct sockaddr *)&addr, sizeof(addr)), 0);
	cr_assert_eq(listen(lsock, 1), 0);
	sc.listener_path = addr.sun_path;
	prog = compile_ok(&sc);
	cr_assert(ou_seccomp_wants_listener(prog));

	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		notify_child(prog, addr.sun_path);
	conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(conn, 0);
	notify_fd = receive_listener(conn, buf, sizeof(buf));
	cr_expect_str_eq(buf, state_json);
	answer_notification(notify_fd);

	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	ou_seccomp_prog_free(prog);
}

Test(seccomp, install_without_fd_pointer)
{
	struct ou_seccomp_syscall sys = { .names = STRV("mkdir"), .action = "SCMP_ACT_NOTIFY" };
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct ou_seccomp_prog *prog;
	struct ou_error *err = NULL;

	/* Refused before the filter is installed, so this process is unharmed */
	sc.listener_path = "/tmp/unused.sock";
	prog = compile_ok(&sc);
	cr_assert_eq(ou_seccomp_install(prog, NULL, &err), -1);
	cr_expect_eq(err->kind, OU_E_INVALID);
	cr_expect_eq(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0, "a filter was installed");
	ou_error_free(err);
	ou_seccomp_prog_free(prog);
}

static int install_null(void)
{
	struct ou_seccomp_syscall sys = { .names = STRV("mkdir", "mkdirat"),
					  .action = "SCMP_ACT_ERRNO" };
	struct ou_seccomp sc = one_rule("SCMP_ACT_ALLOW", &sys);
	struct ou_seccomp_prog *prog = compile_ok(&sc);
	ou_autoerror struct ou_error *err = NULL;

	if (ou_seccomp_install(prog, NULL, &err) < 0)
		return 10;
	ou_seccomp_prog_free(prog);
	return try_mkdir();
}

Test(seccomp, install_null_fd_without_notify_rules)
{
	int status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		_exit(install_null());
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
}

Test(seccomp, send_listener_reports_missing_socket)
{
	char path[128];
	struct ou_error *err = NULL;

	snprintf(path, sizeof(path), "%s/nobody-listens.sock", tmpdir);
	cr_assert_eq(ou_seccomp_send_listener(path, 0, "{}", 2, &err), -1);
	cr_assert_not_null(err);
	cr_expect_eq(err->kind, OU_E_SYSTEM);
	cr_expect_eq(err->errnum, ENOENT);
	ou_error_free(err);
}
