/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "runtime/base/util.h"
#include "runtime/rootfs.h"

/*
 * Resolution inside the container root (STYLE 3.9; issue "Isolation",
 * safe paths): whatever the rootfs holds, a path never leaves it.
 */

static char tmp[64];
static char *root;
static char *outside;
static int rootfd = -1;

static void setup(void)
{
	strcpy(tmp, "/tmp/ou-rootfs-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	root = ou_path_join(tmp, "root");
	outside = ou_path_join(tmp, "outside");
	cr_assert_eq(mkdir(root, 0755), 0);
	cr_assert_eq(mkdir(outside, 0755), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY);
	cr_assert_geq(rootfd, 0);
}

static void teardown(void)
{
	struct ou_error *err = NULL;

	close(rootfd);
	ou_remove_tree(tmp, &err);
	ou_error_free(err);
	free(root);
	free(outside);
}

TestSuite(rootfs, .init = setup, .fini = teardown);

/* Path of fd as the kernel sees it. */
static char *where(int fd)
{
	char link[64], buf[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	return ou_xstrdup(buf);
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

Test(rootfs, missing_directories_are_made_inside_the_root)
{
	struct ou_error *err = NULL;
	int fd = -1;
	char *p;

	cr_assert_eq(ou_rootfs_resolve(rootfd, "/a/b/c", OU_RESOLVE_MKDIR, &fd, &err), 0);
	p = where(fd);
	cr_assert(under(p, root), "%s", p);
	cr_assert(ou_has_prefix(p + strlen(root), "/a/b/c"));
	free(p);
	close(fd);
}

Test(rootfs, an_absolute_symlink_is_resolved_against_the_root)
{
	struct ou_error *err = NULL;
	char *link = ou_path_join(root, "evil");
	int fd = -1;
	char *p;

	cr_assert_eq(symlink(outside, link), 0);
	cr_assert_eq(ou_rootfs_resolve(rootfd, "/evil/x", OU_RESOLVE_MKDIR, &fd, &err), 0);
	p = where(fd);
	cr_assert(under(p, root), "resolved to %s", p);
	cr_assert(access(ou_path_join(outside, "x"), F_OK) < 0, "nothing made outside");
	free(p);
	free(link);
	close(fd);
}

Test(rootfs, dotdot_cannot_climb_out)
{
	struct ou_error *err = NULL;
	int fd = -1;
	char *p;

	cr_assert_eq(ou_rootfs_resolve(rootfd, "/../../../outside/y", OU_RESOLVE_MKFILE, &fd, &err),
		     0);
	p = where(fd);
	cr_assert(under(p, root), "resolved to %s", p);
	cr_assert(access(ou_path_join(outside, "y"), F_OK) < 0, "nothing made outside");
	free(p);
	close(fd);
}

Test(rootfs, a_relative_symlink_with_dotdot_stays_inside)
{
	struct ou_error *err = NULL;
	char *dir = ou_path_join(root, "d");
	char *link = ou_path_join(root, "d/up");
	int fd = -1;
	char *p;

	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(symlink("../../../../outside", link), 0);
	cr_assert_eq(ou_rootfs_resolve(rootfd, "/d/up/z", OU_RESOLVE_MKDIR, &fd, &err), 0);
	p = where(fd);
	cr_assert(under(p, root), "resolved to %s", p);
	free(p);
	free(dir);
	free(link);
	close(fd);
}

Test(rootfs, missing_path_without_create_is_not_found)
{
	struct ou_error *err = NULL;
	int fd = -1;

	cr_assert_eq(ou_rootfs_resolve(rootfd, "/nope", 0, &fd, &err), -1);
	cr_assert_eq(err->kind, OU_E_NOT_FOUND);
	ou_error_free(err);
}

Test(rootfs, a_file_is_made_for_a_file_destination)
{
	struct ou_error *err = NULL;
	struct stat st;
	int fd = -1;

	cr_assert_eq(ou_rootfs_resolve(rootfd, "/etc/resolv.conf", OU_RESOLVE_MKFILE, &fd, &err),
		     0);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	close(fd);
}
