/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
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
	char *mnt = ou_xasprintf("%s/big/d3/sub/empty", tmp);

	/* Left mounted if remove_tree_parallel_refuses_a_mount_inside failed. */
	umount2(mnt, MNT_DETACH);
	free(mnt);
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

/*
 * A tree big enough for ou_remove_tree_parallel to use threads: 8
 * directories of 3 levels, each with 12 files, a fifo, a symlink out of
 * the tree and an empty directory (8 * 3 * 15 + 1 entries).
 */
static char *make_big_tree(const char *outside)
{
	char *top = ou_xasprintf("%s/big", tmp);

	cr_assert_eq(mkdir(top, 0755), 0);
	for (int d = 0; d < 8; d++) {
		char *dir = ou_xasprintf("%s/d%d", top, d);

		for (int level = 0; level < 3; level++) {
			char *next = ou_xasprintf("%s/sub", dir);

			cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s: %s", dir, strerror(errno));
			for (int f = 0; f < 12; f++) {
				char *file = ou_xasprintf("%s/f%d", dir, f);

				cr_assert_eq(ou_write_file(file, "x", 1, 0644, NULL), 0);
				free(file);
			}
			char *fifo = ou_xasprintf("%s/fifo", dir);
			char *link = ou_xasprintf("%s/out", dir);
			char *empty = ou_xasprintf("%s/empty", dir);

			cr_assert_eq(mkfifo(fifo, 0600), 0);
			cr_assert_eq(symlink(outside, link), 0);
			cr_assert_eq(mkdir(empty, 0755), 0);
			free(fifo);
			free(link);
			free(empty);
			free(dir);
			dir = next;
		}
		free(dir);
	}
	return top;
}

Test(util, remove_tree_parallel_removes_all_and_follows_nothing)
{
	char *outside = ou_xasprintf("%s/outside", tmp);
	char *kept = ou_xasprintf("%s/outside/kept", tmp);
	struct ou_error *err = NULL;
	struct stat st;
	char *top;

	cr_assert_eq(mkdir(outside, 0755), 0);
	cr_assert_eq(ou_write_file(kept, "k", 1, 0644, NULL), 0);
	top = make_big_tree(outside);
	cr_assert_eq(ou_remove_tree_parallel(top, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(lstat(top, &st), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(stat(kept, &st), 0, "a symlink's target is never followed");
	cr_assert_eq(ou_remove_tree_parallel(top, &err), 0, "a missing tree is success");
	free(top);
	free(kept);
	free(outside);
}

/* Nothing is removed when the listing meets another filesystem. */
Test(util, remove_tree_parallel_refuses_a_mount_inside_before_removing)
{
	char *mnt = ou_xasprintf("%s/big/d3/sub/empty", tmp);
	char *inner = ou_xasprintf("%s/big/d3/sub/empty/inner", tmp);
	struct ou_error *err = NULL;
	struct stat st;
	char *top;

	if (geteuid() != 0)
		cr_skip_test("needs root to mount a tmpfs");
	top = make_big_tree("/nonexistent");
	cr_assert_eq(mount("tmpfs", mnt, "tmpfs", 0, "size=64k"), 0, "%s", strerror(errno));
	cr_assert_eq(ou_write_file(inner, "i", 1, 0644, NULL), 0);
	cr_assert_eq(ou_remove_tree_parallel(top, &err), -1);
	cr_assert_not_null(strstr(err->msg, "is another mount"), "%s", err->msg);
	cr_assert_eq(err->errnum, EBUSY);
	cr_assert_eq(stat(inner, &st), 0, "the other filesystem is untouched");
	cr_assert_eq(stat(top, &st), 0);
	cr_assert_eq(umount(mnt), 0);
	ou_error_free(err);
	err = NULL;
	cr_assert_eq(ou_remove_tree_parallel(top, &err), 0, "%s", err ? err->msg : "");
	free(inner);
	free(mnt);
	free(top);
}

/* A path past PATH_MAX is removed through descriptors instead. */
Test(util, remove_tree_parallel_copes_with_paths_past_path_max)
{
	char name[201];
	char *top = ou_xasprintf("%s/deep", tmp);
	struct ou_error *err = NULL;
	struct stat st;
	int fd;

	memset(name, 'n', 200);
	name[200] = '\0';
	cr_assert_eq(mkdir(top, 0755), 0);
	fd = open(top, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < 25; i++) {
		int next;

		cr_assert_eq(mkdirat(fd, name, 0755), 0, "%s", strerror(errno));
		next = openat(fd, name, O_RDONLY | O_DIRECTORY);
		cr_assert_geq(next, 0);
		close(fd);
		fd = next;
	}
	cr_assert_eq(mkdirat(fd, "last", 0755), 0);
	close(fd);
	cr_assert_eq(ou_remove_tree_parallel(top, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(lstat(top, &st), -1);
	free(top);
}

/* An entry that cannot be removed fails the call, naming it. */
Test(util, remove_tree_parallel_names_what_it_could_not_remove)
{
	char *outside = ou_xasprintf("%s/outside", tmp);
	char *stuck = ou_xasprintf("%s/big/d5/sub/f7", tmp);
	struct ou_error *err = NULL;
	int flags = FS_IMMUTABLE_FL, fd;
	char *top;

	cr_assert_eq(mkdir(outside, 0755), 0);
	top = make_big_tree(outside);
	fd = open(stuck, O_RDONLY);
	cr_assert_geq(fd, 0);
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0) {
		close(fd);
		cr_skip_test("this filesystem or user cannot make a file immutable: %s",
			     strerror(errno));
	}
	cr_assert_eq(ou_remove_tree_parallel(top, &err), -1);
	flags = 0;
	ioctl(fd, FS_IOC_SETFLAGS, &flags);
	close(fd);
	cr_assert_not_null(strstr(err->msg, "unlink '"), "%s", err->msg);
	cr_assert_not_null(strstr(err->msg, "/big/d5/sub/f7'"), "%s", err->msg);
	cr_assert_eq(err->errnum, EPERM);
	ou_error_free(err);
	free(top);
	free(stuck);
	free(outside);
}

/*
 * A chain of depth directories called name below top, with a file "f" in
 * each; made through descriptors, one open at a time.  Returns the path
 * of the last file.
 */
static char *make_deep_tree(const char *top, const char *name, int depth)
{
	size_t len = strlen(top) + (strlen(name) + 1) * (size_t)depth + 3;
	char *last = ou_xmalloc(len);
	int fd;

	cr_assert_eq(mkdir(top, 0755), 0, "mkdir %s: %s", top, strerror(errno));
	fd = open(top, O_RDONLY | O_DIRECTORY);
	strcpy(last, top);
	for (int i = 0; i < depth; i++) {
		int next;

		cr_assert_eq(mkdirat(fd, name, 0755), 0, "level %d: %s", i, strerror(errno));
		next = openat(fd, name, O_RDONLY | O_DIRECTORY);
		cr_assert_geq(next, 0);
		close(fd);
		fd = next;
		strcat(last, "/");
		strcat(last, name);
		close(openat(fd, "f", O_WRONLY | O_CREAT, 0644));
	}
	close(fd);
	strcat(last, "/f");
	return last;
}

static void limit_descriptors(rlim_t n)
{
	struct rlimit rl;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = n;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0, "%s", strerror(errno));
}

/*
 * No depth runs out of descriptors: 300 levels go under a limit of 64 open
 * files, for both removers, and 400 of 16-byte names (past PATH_MAX, where
 * the parallel one hands over to the walk).  One descriptor per level used
 * to fail with EMFILE.
 */
Test(util, remove_tree_any_depth_with_few_descriptors)
{
	const char *tops[] = { "walk", "listed", "pastmax" };
	const char *names[] = { "d", "d", "dddddddddddddddd" };
	const int depths[] = { 300, 300, 400 };
	struct ou_error *err = NULL;
	struct stat st;

	for (int i = 0; i < 3; i++) {
		char *top = ou_xasprintf("%s/%s", tmp, tops[i]);

		free(make_deep_tree(top, names[i], depths[i]));
		limit_descriptors(64);
		if (i == 0)
			cr_assert_eq(ou_remove_tree(top, &err), 0, "%s", err ? err->msg : "");
		else
			cr_assert_eq(ou_remove_tree_parallel(top, &err), 0, "%s",
				     err ? err->msg : "");
		limit_descriptors(1024);
		cr_assert_eq(lstat(top, &st), -1, "'%s' is left", top);
		free(top);
	}
}

/* What could not be removed, deep down, is named once, on one line. */
Test(util, remove_tree_deep_failure_is_one_line)
{
	char *top = ou_xasprintf("%s/stuck", tmp);
	char *last = make_deep_tree(top, "d", 300);
	char *want = ou_xasprintf("remove '%s': unlink '%s'", top, last);
	struct ou_error *err = NULL;
	int flags = FS_IMMUTABLE_FL, fd;

	fd = open(last, O_RDONLY);
	cr_assert_geq(fd, 0);
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0) {
		close(fd);
		cr_skip_test("this filesystem or user cannot make a file immutable: %s",
			     strerror(errno));
	}
	limit_descriptors(64);
	cr_assert_eq(ou_remove_tree(top, &err), -1);
	limit_descriptors(1024);
	flags = 0;
	ioctl(fd, FS_IOC_SETFLAGS, &flags);
	close(fd);
	cr_assert_eq(err->errnum, EPERM, "%s", err->msg);
	cr_assert_str_eq(err->msg, want);
	ou_error_free(err);
	free(want);
	free(last);
	free(top);
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
