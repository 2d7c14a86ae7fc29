/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "runtime/base/error.h"
#include "runtime/base/undo.h"
#include "runtime/base/util.h"
#include "spec/types.h"

static char tmp[64];

static void make_tmp(void)
{
	strcpy(tmp, "/tmp/ou-util-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
}

static void drop_tmp(void)
{
	struct ou_error *err = NULL;

	ou_remove_tree(tmp, &err);
	ou_error_free(err);
}

TestSuite(util, .init = make_tmp, .fini = drop_tmp);

Test(util, error_set_keeps_the_first_error)
{
	struct ou_error *err = NULL;

	cr_assert_eq(ou_error_set(&err, OU_E_INVALID, 0, "first %d", 1), -1);
	ou_error_set(&err, OU_E_SYSTEM, EIO, "second");
	cr_assert_eq(err->kind, OU_E_INVALID);
	cr_assert_str_eq(err->msg, "first 1");
	ou_error_free(err);
}

Test(util, error_prefix_reads_from_the_outside_in)
{
	struct ou_error *err = NULL;
	char *line;

	ou_error_set(&err, OU_E_SYSTEM, ENOENT, "open 'x'");
	ou_error_prefix(&err, "volume '%s'", "data");
	ou_error_prefix(&err, "create '%s'", "web");
	line = ou_error_format(err);
	cr_assert_str_eq(line, "create 'web': volume 'data': open 'x': No such file or directory");
	free(line);
	ou_error_free(err);
}

Test(util, path_join_uses_one_slash)
{
	char *a = ou_path_join("/a/", "/b");
	char *b = ou_path_join("/", "c");
	char *c = ou_path_join("/d", "");

	cr_assert_str_eq(a, "/a/b");
	cr_assert_str_eq(b, "/c");
	cr_assert_str_eq(c, "/d");
	free(a);
	free(b);
	free(c);
}

Test(util, parse_ll_rejects_junk_and_range)
{
	long long v = 0;

	cr_assert_eq(ou_parse_ll("42", 0, 100, &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(ou_parse_ll("42x", 0, 100, &v), -1);
	cr_assert_eq(ou_parse_ll("101", 0, 100, &v), -1);
	cr_assert_eq(ou_parse_ll("", 0, 100, &v), -1);
	cr_assert_eq(ou_parse_ll("-1", 0, 100, &v), -1);
}

Test(util, atomic_write_replaces_the_file_and_leaves_no_temporary)
{
	struct ou_error *err = NULL;
	char *path = ou_path_join(tmp, "state.json");
	char *data = NULL;
	size_t len = 0;

	cr_assert_eq(ou_write_file_atomic(path, "one", 3, 0600, &err), 0);
	cr_assert_eq(ou_write_file_atomic(path, "second", 6, 0600, &err), 0);
	cr_assert_eq(ou_read_file(path, 0, &data, &len, &err), 0);
	cr_assert_str_eq(data, "second");
	cr_assert_eq(len, 6);
	free(data);
	free(path);
	path = ou_xasprintf("%s/state.json.tmp.%d", tmp, (int)getpid());
	cr_assert_eq(access(path, F_OK), -1);
	free(path);
}

Test(util, replace_without_sync_replaces_the_file_and_leaves_no_temporary)
{
	struct ou_error *err = NULL;
	char *path = ou_path_join(tmp, "record.json");
	char *data = NULL;
	struct stat st;
	size_t len = 0;

	cr_assert_eq(ou_write_file_replace(path, "first", 5, 0600, &err), 0);
	cr_assert_eq(ou_write_file_replace(path, "2nd", 3, 0600, &err), 0);
	cr_assert_eq(ou_read_file(path, 0, &data, &len, &err), 0);
	cr_assert_str_eq(data, "2nd");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	free(data);
	free(path);
	path = ou_xasprintf("%s/record.json.tmp.%d", tmp, (int)getpid());
	cr_assert_eq(access(path, F_OK), -1);
	free(path);
	path = ou_path_join(tmp, "no/such/dir/file");
	cr_assert_eq(ou_write_file_replace(path, "x", 1, 0600, &err), -1);
	cr_assert_eq(err->kind, OU_E_SYSTEM);
	ou_error_free(err);
	free(path);
}

Test(util, read_file_of_a_missing_file_is_not_found)
{
	struct ou_error *err = NULL;
	char *data = NULL;
	char *path = ou_path_join(tmp, "missing");

	cr_assert_eq(ou_read_file(path, 0, &data, NULL, &err), -1);
	cr_assert_eq(err->kind, OU_E_NOT_FOUND);
	cr_assert_eq(err->errnum, ENOENT);
	ou_error_free(err);
	free(path);
}

Test(util, mkdir_p_and_remove_tree)
{
	struct ou_error *err = NULL;
	char *deep = ou_xasprintf("%s/a/b/c", tmp);
	char *top = ou_xasprintf("%s/a", tmp);
	char *link = ou_xasprintf("%s/a/b/link", tmp);
	struct stat st;

	cr_assert_eq(ou_mkdir_p(deep, 0755, &err), 0);
	cr_assert_eq(ou_mkdir_p(deep, 0755, &err), 0, "an existing directory is fine");
	cr_assert_eq(symlink("/etc", link), 0);
	cr_assert_eq(ou_remove_tree(top, &err), 0);
	cr_assert_eq(lstat(top, &st), -1);
	cr_assert_eq(stat("/etc/passwd", &st), 0, "a symlink's target is never followed");
	free(deep);
	free(top);
	free(link);
}

static int count_undo(void *arg, struct ou_error **err)
{
	int *order = arg;

	(void)err;
	order[0] = order[0] * 10 + order[1]--;
	return 0;
}

static int failing_undo(void *arg, struct ou_error **err)
{
	(void)arg;
	return ou_error_set(err, OU_E_SYSTEM, EBUSY, "busy");
}

Test(util, undo_runs_newest_first_and_goes_on_after_a_failure)
{
	struct ou_undo u;
	int order[2] = { 0, 2 };

	ou_undo_init(&u);
	ou_undo_push(&u, "first", count_undo, order, NULL);
	ou_undo_push(&u, "broken", failing_undo, NULL, NULL);
	ou_undo_push(&u, "second", count_undo, order, NULL);
	ou_undo_run(&u);
	/* "second" ran with 2, then "first" with 1: 0*10+2 = 2, then 2*10+1 = 21. */
	cr_assert_eq(order[0], 21);
	cr_assert_eq(u.len, 0);
}

Test(util, send_with_fd_passes_a_descriptor)
{
	int sv[2], fd = -1;
	char buf[16] = { 0 };

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	cr_assert_eq(ou_send_with_fd(sv[0], "hi", 2, STDIN_FILENO), 0);
	cr_assert_eq(ou_recv_with_fd(sv[1], buf, sizeof(buf), &fd), 2);
	cr_assert_str_eq(buf, "hi");
	cr_assert_geq(fd, 0);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/* passwd(5): the first line with the uid gives the name */
Test(util, passwd_name_reads_the_first_line_with_the_uid)
{
	char path[sizeof(tmp) + 16];
	const char *pw = "root:x:0:0:root:/root:/bin/sh\n"
			 "broken line\n"
			 ":x:7:7::/:/bin/sh\n"
			 "daemon:x:1x:1::/:/bin/sh\n"
			 "web:x:1000:1000:Web,,,:/home/web:/bin/bash\n"
			 "alias:x:1000:1000::/:/bin/sh\n"
			 "last:x:4294967294:1:no newline";
	char *name;

	snprintf(path, sizeof(path), "%s/passwd", tmp);
	cr_assert_eq(ou_write_file(path, pw, strlen(pw), 0644, NULL), 0);

	name = ou_passwd_name(path, 0);
	cr_assert_str_eq(name, "root");
	free(name);
	name = ou_passwd_name(path, 1000);
	cr_assert_str_eq(name, "web");
	free(name);
	name = ou_passwd_name(path, 4294967294u);
	cr_assert_str_eq(name, "last");
	free(name);
	cr_assert_null(ou_passwd_name(path, 1), "a uid that is not a number names nobody");
	cr_assert_null(ou_passwd_name(path, 7), "a line without a name names nobody");
	cr_assert_null(ou_passwd_name(path, 1001));
	snprintf(path, sizeof(path), "%s/missing", tmp);
	cr_assert_null(ou_passwd_name(path, 0));
}

/* A list read to its exact length (volume usedBy) takes more pushes. */
Test(util, strv_push_grows_a_list_of_exact_length)
{
	struct ou_strv v = { .v = ou_xcalloc(3, sizeof(char *)), .len = 2 };

	v.v[0] = ou_xstrdup("a");
	v.v[1] = ou_xstrdup("b");
	for (int i = 0; i < 5; i++)
		ou_strv_push(&v, ou_xasprintf("n%d", i));
	cr_assert_eq(v.len, 7);
	cr_assert_str_eq(v.v[0], "a");
	cr_assert_str_eq(v.v[2], "n0");
	cr_assert_str_eq(v.v[6], "n4");
	cr_assert_null(v.v[7]);
	ou_strv_release(&v);
}
