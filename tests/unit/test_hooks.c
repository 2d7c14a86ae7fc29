/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "hooks/hooks.h"
#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"

#define STRV(...)                                                              \
	((struct ou_strv){ sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *), \
			   (char *[]){ __VA_ARGS__, NULL } })

static char tmpdir[64];
static const char state[] = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\"}";

static void make_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/ou-hooks-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	ou_autoerror struct ou_error *err = NULL;

	ou_remove_tree(tmpdir, &err);
}

TestSuite(hooks, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 30);

/* Path of name in the temporary directory; caller frees */
static char *tmp_path(const char *name)
{
	return ou_path_join(tmpdir, name);
}

/* Write an executable shell script; caller frees the path */
static char *write_script(const char *name, const char *body)
{
	ou_autoerror struct ou_error *err = NULL;
	ou_autofree char *text = ou_xasprintf("#!/bin/sh\n%s\n", body);
	char *path = tmp_path(name);

	cr_assert_eq(ou_write_file(path, text, strlen(text), 0755, &err), 0);
	return path;
}

static char *read_tmp(const char *name)
{
	ou_autoerror struct ou_error *err = NULL;
	ou_autofree char *path = tmp_path(name);
	char *data = NULL;
	size_t len;

	if (ou_read_file(path, 0, &data, &len, &err) < 0)
		return NULL;
	return data;
}

static int run(struct ou_hook *items, size_t n, unsigned int flags, struct ou_error **err)
{
	struct ou_hook_list list = { .len = n, .items = items };

	return ou_hooks_run(&list, "prestart", state, strlen(state), flags, err);
}

Test(hooks, args_and_env_passed)
{
	ou_autofree char *out = tmp_path("out");
	ou_autofree char *script = ou_xasprintf(
		"tr '\\0' ' ' < /proc/$$/cmdline > %s; echo >> %s; env >> %s", out, out, out);
	struct ou_hook hook = { .path = "/bin/sh",
				.args = STRV("my-hook-name", "-c", script),
				.env = STRV("FOO=bar", "OU_SECOND=two words") };
	ou_autoerror struct ou_error *err = NULL;
	ou_autofree char *text = NULL;

	cr_assert_eq(run(&hook, 1, 0, &err), 0, "%s", err ? err->msg : "");
	text = read_tmp("out");
	cr_assert_not_null(text);
	cr_expect(ou_has_prefix(text, "my-hook-name -c "), "cmdline: %s", text);
	cr_expect_not_null(strstr(text, "\nFOO=bar\n"), "%s", text);
	cr_expect_not_null(strstr(text, "\nOU_SECOND=two words\n"), "%s", text);
	cr_expect_null(strstr(text, "HOME="), "only the given env: %s", text);
	cr_expect_null(strstr(text, "\nPATH="), "only the given env: %s", text);
}

Test(hooks, argv0_is_path_without_args)
{
	ou_autofree char *out = tmp_path("out");
	ou_autofree char *body = ou_xasprintf("echo \"$0\" > %s; env | grep -c = >> %s", out, out);
	ou_autofree char *path = write_script("h.sh", body);
	struct ou_hook hook = { .path = path };
	ou_autoerror struct ou_error *err = NULL;
	ou_autofree char *text = NULL;
	ou_autofree char *want = ou_xasprintf("%s\n", path);

	cr_assert_eq(run(&hook, 1, 0, &err), 0, "%s", err ? err->msg : "");
	text = read_tmp("out");
	cr_assert_not_null(text);
	cr_expect(ou_has_prefix(text, want), "%s", text);
	cr_expect_null(strstr(text, "HOME="));
}

Test(hooks, stdin_receives_state)
{
	ou_autofree char *out = tmp_path("out");
	ou_autofree char *body = ou_xasprintf("cat > %s", out);
	ou_autofree char *path = write_script("h.sh", body);
	struct ou_hook hook = { .path = path };
	ou_autoerror struct ou_error *err = NULL;
	ou_autofree char *text = NULL;

	cr_assert_eq(run(&hook, 1, 0, &err), 0, "%s", err ? err->msg : "");
	text = read_tmp("out");
	cr_assert_not_null(text);
	cr_expect_str_eq(text, state);
}

Test(hooks, hook_not_reading_big_stdin_is_fine)
{
	ou_autofree char *path = write_script("h.sh", "exit 0");
	struct ou_hook hook = { .path = path };
	ou_autoerror struct ou_error *err = NULL;
	size_t len = 4 << 20;
	ou_autofree char *big = ou_xmalloc(len);
	struct ou_hook_list list = { .len = 1, .items = &hook };

	memset(big, 'x', len);
	cr_expect_eq(ou_hooks_run(&list, "poststart", big, len, 0, &err), 0, "%s",
		     err ? err->msg : "");
}

Test(hooks, nonzero_exit_reports_status_and_stderr)
{
	ou_autofree char *path = write_script(
		"h.sh", "echo 'first line' >&2\necho 'bad thing happened' >&2\nexit 3");
	struct ou_hook hook = { .path = path };
	ou_autoerror struct ou_error *err = NULL;

	cr_assert_eq(run(&hook, 1, 0, &err), -1);
	cr_assert_not_null(err);
	cr_expect_eq(err->kind, OU_E_HOOK);
	cr_expect_not_null(strstr(err->msg, "exited with status 3"), "%s", err->msg);
	cr_expect_not_null(strstr(err->msg, "bad thing happened"), "%s", err->msg);
	cr_expect_not_null(strstr(err->msg, "first line"), "%s", err->msg);
	cr_expect_null(strchr(err->msg, '\n'), "one line: %s", err->msg);
}

Test(hooks, killed_by_signal)
{
	ou_autofree char *path = write_script("h.sh", "kill -9 $$");
	struct ou_hook hook = { .path = path };
	ou_autoerror struct ou_error *err = NULL;

	cr_assert_eq(run(&hook, 1, 0, &err), -1);
	cr_expect_eq(err->kind, OU_E_HOOK);
	cr_expect_not_null(strstr(err->msg, "killed by signal 9"), "%s", err->msg);
}

Test(hooks, missing_executable)
{
	ou_autofree char *path = tmp_path("does-not-exist");
	struct ou_hook hook = { .path = path };
	ou_autoerror struct ou_error *err = NULL;

	cr_assert_eq(run(&hook, 1, 0, &err), -1);
	cr_expect_eq(err->kind, OU_E_HOOK);
	cr_expect_eq(err->errnum, ENOENT);
}

static double elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

Test(hooks, timeout_enforced)
{
	ou_autofree char *path = write_script("h.sh", "sleep 10");
	struct ou_hook hook = { .path = path, .has_timeout = true, .timeout = 1 };
	ou_autoerror struct ou_error *err = NULL;
	struct timespec start;
	double took;

	clock_gettime(CLOCK_MONOTONIC, &start);
	cr_assert_eq(run(&hook, 1, 0, &err), -1);
	took = elapsed(&start);
	cr_expect_eq(err->kind, OU_E_HOOK);
	cr_expect_not_null(strstr(err->msg, "timed out after 1 s"), "%s", err->msg);
	cr_expect(took >= 0.9 && took < 3.0, "took %.2f s", took);
}

Test(hooks, background_child_does_not_block)
{
	ou_autofree char *path = write_script("h.sh", "sleep 3 > /dev/null &\nexit 0");
	struct ou_hook hook = { .path = path, .has_timeout = true, .timeout = 10 };
	ou_autoerror struct ou_error *err = NULL;
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	cr_assert_eq(run(&hook, 1, 0, &err), 0, "%s", err ? err->msg : "");
	cr_expect(elapsed(&start) < 2.0, "waited for the background child");
}

Test(hooks, continue_runs_all_hooks)
{
	ou_autofree char *fail = write_script("fail.sh", "echo nope >&2; exit 1");
	ou_autofree char *m1 = tmp_path("m1");
	ou_autofree char *m2 = tmp_path("m2");
	ou_autofree char *b1 = ou_xasprintf("touch %s", m1);
	ou_autofree char *b2 = ou_xasprintf("touch %s", m2);
	ou_autofree char *t1 = write_script("t1.sh", b1);
	ou_autofree char *t2 = write_script("t2.sh", b2);
	struct ou_hook hooks[] = { { .path = t1 }, { .path = fail }, { .path = t2 } };
	ou_autoerror struct ou_error *err = NULL;

	cr_assert_eq(run(hooks, 3, OU_HOOKS_CONTINUE, &err), 0);
	cr_expect_null(err);
	cr_expect_eq(access(m1, F_OK), 0);
	cr_expect_eq(access(m2, F_OK), 0);
}

Test(hooks, failure_stops_the_phase)
{
	ou_autofree char *fail = write_script("fail.sh", "exit 1");
	ou_autofree char *m2 = tmp_path("m2");
	ou_autofree char *b2 = ou_xasprintf("touch %s", m2);
	ou_autofree char *t2 = write_script("t2.sh", b2);
	struct ou_hook hooks[] = { { .path = fail }, { .path = t2 } };
	ou_autoerror struct ou_error *err = NULL;

	cr_assert_eq(run(hooks, 2, 0, &err), -1);
	cr_expect_eq(err->kind, OU_E_HOOK);
	cr_expect_neq(access(m2, F_OK), 0, "second hook must not run");
}

Test(hooks, only_standard_fds_open)
{
	ou_autoclose int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC */
	ou_autofree char *script = NULL;
	struct ou_hook hook = { .path = "/bin/sh" };
	ou_autoerror struct ou_error *err = NULL;

	cr_assert_geq(leak, 0);
	/* test -e uses stat(2) only, so the shell opens no fd of its own */
	script =
		ou_xasprintf("for n in 0 1 2; do test -e /proc/$$/fd/$n || exit 2; done; "
			     "for n in 3 4 5 6 7 8 9 %d; do "
			     "if test -e /proc/$$/fd/$n; then echo \"fd $n open\" >&2; exit 1; fi; "
			     "done",
			     leak);
	hook.args = STRV("sh", "-c", script);
	cr_expect_eq(run(&hook, 1, 0, &err), 0, "%s", err ? err->msg : "");
}

Test(hooks, stdout_goes_to_our_stderr)
{
	ou_autofree char *path = write_script("h.sh", "echo hook-stdout-text");
	ou_autofree char *so = tmp_path("stdout");
	ou_autofree char *se = tmp_path("stderr");
	struct ou_hook hook = { .path = path };
	ou_autoerror struct ou_error *err = NULL;
	ou_autofree char *out_text = NULL, *err_text = NULL;
	int saved1 = dup(1), saved2 = dup(2);
	int rc;

	fflush(stdout);
	fflush(stderr);
	dup2(open(so, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 1);
	dup2(open(se, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 2);
	rc = run(&hook, 1, 0, &err);
	dup2(saved1, 1);
	dup2(saved2, 2);
	cr_assert_eq(rc, 0);
	out_text = read_tmp("stdout");
	err_text = read_tmp("stderr");
	cr_assert(out_text != NULL && err_text != NULL);
	cr_expect_str_eq(out_text, "");
	cr_expect_str_eq(err_text, "hook-stdout-text\n");
}

Test(hooks, empty_list_is_success)
{
	ou_autoerror struct ou_error *err = NULL;
	struct ou_hook_list list = { 0 };

	cr_expect_eq(ou_hooks_run(&list, "poststop", state, strlen(state), 0, &err), 0);
	cr_expect_eq(ou_hooks_run(NULL, "poststop", state, strlen(state), 0, &err), 0);
}
