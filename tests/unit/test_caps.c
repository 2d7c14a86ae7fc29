/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "runtime/caps.h"

#define BIT(n) (UINT64_C(1) << (n))

/* capabilities(7) in number order */
static const char *const all_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

/* The five capability sets of /proc/self/status */
struct status_caps {
	uint64_t inh, prm, eff, bnd, amb;
};

static int kernel_last_cap(void)
{
	ou_autofclose FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int v = -1;

	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%d", &v), 1);
	return v;
}

static uint64_t status_field(const char *text, const char *field)
{
	const char *p = strstr(text, field);

	if (p == NULL)
		return UINT64_MAX;
	return strtoull(p + strlen(field), NULL, 16);
}

static void parse_status(const char *text, struct status_caps *out)
{
	cr_assert_neq(strstr(text, "CapEff:"), NULL, "child output: %s", text);
	out->inh = status_field(text, "CapInh:");
	out->prm = status_field(text, "CapPrm:");
	out->eff = status_field(text, "CapEff:");
	out->bnd = status_field(text, "CapBnd:");
	out->amb = status_field(text, "CapAmb:");
}

/* In the child: all capabilities, as root or in a new user namespace */
static bool get_privileges(void)
{
	if (geteuid() == 0)
		return true;
	return unshare(CLONE_NEWUSER) == 0;
}

static void copy_status(int out)
{
	ou_autoclose int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	char buf[8192];
	ssize_t n;

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		ou_write_all(out, buf, (size_t)n);
}

/*
 * Fork, run fn in the child with privileges and collect the capability sets
 * it ends with.  Child exit status 77 means no privileges were available.
 */
static void run_in_child(int (*fn)(void *), void *arg, bool privileged, struct status_caps *out)
{
	ou_autoerror struct ou_error *err = NULL;
	ou_autofree char *text = NULL;
	int pipefd[2], status;
	size_t len;
	pid_t pid;

	cr_assert_eq(pipe(pipefd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(pipefd[0]);
		if (privileged && !get_privileges())
			_exit(77);
		if (fn(arg) != 0)
			_exit(1);
		copy_status(pipefd[1]);
		_exit(0);
	}
	close(pipefd[1]);
	cr_assert_eq(ou_read_all(pipefd[0], &text, &len, &err), 0);
	close(pipefd[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		cr_skip_test("needs root or unprivileged user namespaces");
	cr_assert_eq(WEXITSTATUS(status), 0, "child failed");
	parse_status(text, out);
}

#define STRV(...)                                                              \
	((struct ou_strv){ sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *), \
			   (char *[]){ __VA_ARGS__, NULL } })

Test(caps, from_name_follows_kernel)
{
	int last = kernel_last_cap();
	int n = (int)(sizeof(all_names) / sizeof(all_names[0]));

	for (int i = 0; i < n; i++)
		cr_expect_eq(ou_caps_from_name(all_names[i]), i <= last ? i : -1, "%s",
			     all_names[i]);
}

Test(caps, from_name_rejects_unknown)
{
	cr_expect_eq(ou_caps_from_name("CAP_FOO"), -1);
	cr_expect_eq(ou_caps_from_name("cap_chown"), -1);
	cr_expect_eq(ou_caps_from_name("chown"), -1);
	cr_expect_eq(ou_caps_from_name("CAP_"), -1);
	cr_expect_eq(ou_caps_from_name("CAP_12"), -1);
	cr_expect_eq(ou_caps_from_name("12"), -1);
	cr_expect_eq(ou_caps_from_name(""), -1);
	cr_expect_eq(ou_caps_from_name(NULL), -1);
}

static void strv_free(struct ou_strv *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->v[i]);
	free(l->v);
}

static bool strv_contains(const struct ou_strv *l, const char *s)
{
	for (size_t i = 0; i < l->len; i++) {
		if (strcmp(l->v[i], s) == 0)
			return true;
	}
	return false;
}

Test(caps, add_names_adds_to_every_set)
{
	struct ou_capabilities caps = { 0 };
	struct ou_strv names = STRV("CAP_NET_ADMIN", "CAP_KILL");
	struct ou_strv *sets[] = { &caps.bounding, &caps.effective, &caps.inheritable,
				   &caps.permitted, &caps.ambient };
	ou_autoerror struct ou_error *err = NULL;

	caps.effective.len = 1;
	caps.effective.v = ou_xcalloc(2, sizeof(char *));
	caps.effective.v[0] = ou_xstrdup("CAP_KILL");

	cr_assert_eq(ou_caps_add_names(&caps, &names, &err), 0);
	for (size_t i = 0; i < 5; i++) {
		cr_expect(strv_contains(sets[i], "CAP_NET_ADMIN"));
		cr_expect(strv_contains(sets[i], "CAP_KILL"));
		cr_expect_null(sets[i]->v[sets[i]->len]);
	}
	cr_expect_eq(caps.effective.len, 2, "CAP_KILL must not be added twice");
	cr_expect_eq(caps.bounding.len, 2);
	for (size_t i = 0; i < 5; i++)
		strv_free(sets[i]);
}

Test(caps, add_names_rejects_unknown)
{
	struct ou_capabilities caps = { 0 };
	struct ou_strv names = STRV("CAP_KILL", "CAP_NOPE");
	ou_autoerror struct ou_error *err = NULL;

	cr_assert_eq(ou_caps_add_names(&caps, &names, &err), -1);
	cr_assert_not_null(err);
	cr_expect_eq(err->kind, OU_E_INVALID);
	cr_expect_eq(caps.bounding.len, 0, "caps must be unchanged on failure");
	cr_expect_eq(caps.ambient.len, 0);
}

static int drop_bounding(void *arg)
{
	ou_autoerror struct ou_error *err = NULL;

	return ou_caps_drop_bounding(arg, &err);
}

Test(caps, drop_bounding_keeps_listed)
{
	struct ou_capabilities caps = { .bounding = STRV("CAP_CHOWN", "CAP_BOGUS", "CAP_KILL",
							 "CAP_SETPCAP") };
	struct status_caps st;

	run_in_child(drop_bounding, &caps, true, &st);
	cr_expect_eq(st.bnd, BIT(0) | BIT(5) | BIT(8), "CapBnd %" PRIx64, st.bnd);
}

static int apply(void *arg)
{
	ou_autoerror struct ou_error *err = NULL;

	if (ou_caps_drop_bounding(arg, &err) < 0)
		return -1;
	return ou_caps_apply(arg, &err);
}

Test(caps, apply_sets_listed_sets)
{
	struct ou_capabilities caps = {
		.bounding = STRV("CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"),
		.effective = STRV("CAP_CHOWN", "CAP_UNKNOWN_ONE"),
		.permitted = STRV("CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"),
		.inheritable = STRV("CAP_KILL", "CAP_NET_RAW"),
		.ambient = STRV("CAP_NET_RAW"),
	};
	struct status_caps st;

	run_in_child(apply, &caps, true, &st);
	cr_expect_eq(st.eff, BIT(0), "CapEff %" PRIx64, st.eff);
	cr_expect_eq(st.prm, BIT(0) | BIT(5) | BIT(13), "CapPrm %" PRIx64, st.prm);
	cr_expect_eq(st.inh, BIT(5) | BIT(13), "CapInh %" PRIx64, st.inh);
	cr_expect_eq(st.amb, BIT(13), "CapAmb %" PRIx64, st.amb);
	cr_expect_eq(st.bnd, BIT(0) | BIT(5) | BIT(13), "CapBnd %" PRIx64, st.bnd);
}

static int apply_twice(void *arg)
{
	struct ou_capabilities first = { .effective = STRV("CAP_CHOWN"),
					 .permitted = STRV("CAP_CHOWN") };
	ou_autoerror struct ou_error *err = NULL;

	if (ou_caps_apply(&first, &err) < 0)
		return -1;
	return ou_caps_apply(arg, &err);
}

Test(caps, apply_skips_ungrantable)
{
	/* CAP_SYS_ADMIN is no longer permitted, inheritable CAP_KILL not either */
	struct ou_capabilities caps = {
		.effective = STRV("CAP_CHOWN", "CAP_SYS_ADMIN"),
		.permitted = STRV("CAP_CHOWN", "CAP_SYS_ADMIN"),
		.inheritable = STRV("CAP_KILL"),
		.ambient = STRV("CAP_CHOWN"),
	};
	struct status_caps st;

	run_in_child(apply_twice, &caps, true, &st);
	cr_expect_eq(st.eff, BIT(0), "CapEff %" PRIx64, st.eff);
	cr_expect_eq(st.prm, BIT(0), "CapPrm %" PRIx64, st.prm);
	cr_expect_eq(st.inh, 0, "CapInh %" PRIx64, st.inh);
	cr_expect_eq(st.amb, 0, "CapAmb %" PRIx64, st.amb);
}

static int apply_null(void *arg)
{
	ou_autoerror struct ou_error *err = NULL;

	(void)arg;
	if (ou_caps_drop_bounding(NULL, &err) < 0)
		return -1;
	return ou_caps_apply(NULL, &err);
}

static int nothing(void *arg)
{
	(void)arg;
	return 0;
}

Test(caps, null_changes_nothing)
{
	struct status_caps before, after;

	run_in_child(nothing, NULL, false, &before);
	run_in_child(apply_null, NULL, false, &after);
	cr_expect_eq(before.eff, after.eff);
	cr_expect_eq(before.prm, after.prm);
	cr_expect_eq(before.bnd, after.bnd);
	cr_expect_eq(before.amb, after.amb);
}

/* The order caps.h prescribes, ending in an execve as user nobody */
static int switch_user_and_exec(void *arg)
{
	ou_autoerror struct ou_error *err = NULL;
	char *argv[] = { "cat", "/proc/self/status", NULL };
	char *envp[] = { NULL };

	if (ou_caps_drop_bounding(arg, &err) < 0)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return -1;
	if (ou_caps_apply(arg, &err) < 0)
		return -1;
	execve("/bin/cat", argv, envp);
	return -1;
}

static void exec_in_child(const struct ou_capabilities *caps, struct status_caps *out)
{
	ou_autoerror struct ou_error *err = NULL;
	ou_autofree char *text = NULL;
	int pipefd[2], status;
	size_t len;
	pid_t pid;

	cr_assert_eq(pipe(pipefd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		switch_user_and_exec((void *)caps);
		_exit(1);
	}
	close(pipefd[1]);
	cr_assert_eq(ou_read_all(pipefd[0], &text, &len, &err), 0);
	close(pipefd[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	parse_status(text, out);
}

Test(caps, ambient_survives_user_switch_and_exec)
{
	struct ou_capabilities caps = {
		.bounding = STRV("CAP_NET_BIND_SERVICE", "CAP_KILL"),
		.effective = STRV("CAP_NET_BIND_SERVICE", "CAP_KILL"),
		.permitted = STRV("CAP_NET_BIND_SERVICE", "CAP_KILL"),
		.inheritable = STRV("CAP_NET_BIND_SERVICE"),
		.ambient = STRV("CAP_NET_BIND_SERVICE"),
	};
	struct status_caps st;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	exec_in_child(&caps, &st);
	cr_expect_eq(st.eff, BIT(10), "CapEff %" PRIx64, st.eff);
	cr_expect_eq(st.prm, BIT(10), "CapPrm %" PRIx64, st.prm);
	cr_expect_eq(st.amb, BIT(10), "CapAmb %" PRIx64, st.amb);
	cr_expect_eq(st.bnd, BIT(5) | BIT(10), "CapBnd %" PRIx64, st.bnd);
}
