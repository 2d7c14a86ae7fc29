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

/* Paths made by at(), freed by teardown. */
static char *owned[64];
static size_t n_owned;

/* dir/rel, owned by the fixture. */
static char *at(const char *dir, const char *rel)
{
	cr_assert_lt(n_owned, sizeof(owned) / sizeof(owned[0]));
	owned[n_owned] = ou_path_join(dir, rel);
	return owned[n_owned++];
}

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
	while (n_owned > 0)
		free(owned[--n_owned]);
	ou_remove_tree(tmp, &err);
	ou_error_free(err);
	free(root);
	free(outside);
}

/* The same checks without openat2: the component walk of kernels before 5.6. */
static void setup_walk(void)
{
	setup();
	ou_rootfs_use_openat2(false);
}

TestSuite(rootfs, .init = setup, .fini = teardown);
TestSuite(rootfs_walk, .init = setup_walk, .fini = teardown);

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

static void missing_directories_are_made_inside_the_root(void)
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

static void an_absolute_symlink_is_resolved_against_the_root(void)
{
	struct ou_error *err = NULL;
	char *link = at(root, "evil");
	int fd = -1;
	char *p;

	cr_assert_eq(symlink(outside, link), 0);
	cr_assert_eq(ou_rootfs_resolve(rootfd, "/evil/x", OU_RESOLVE_MKDIR, &fd, &err), 0);
	p = where(fd);
	cr_assert(under(p, root), "resolved to %s", p);
	cr_assert(access(at(outside, "x"), F_OK) < 0, "nothing made outside");
	free(p);
	close(fd);
}

static void dotdot_cannot_climb_out(void)
{
	struct ou_error *err = NULL;
	int fd = -1;
	char *p;

	cr_assert_eq(ou_rootfs_resolve(rootfd, "/../../../outside/y", OU_RESOLVE_MKFILE, &fd, &err),
		     0);
	p = where(fd);
	cr_assert(under(p, root), "resolved to %s", p);
	cr_assert(access(at(outside, "y"), F_OK) < 0, "nothing made outside");
	free(p);
	close(fd);
}

static void a_relative_symlink_with_dotdot_stays_inside(void)
{
	struct ou_error *err = NULL;
	char *dir = at(root, "d");
	char *link = at(root, "d/up");
	int fd = -1;
	char *p;

	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(symlink("../../../../outside", link), 0);
	cr_assert_eq(ou_rootfs_resolve(rootfd, "/d/up/z", OU_RESOLVE_MKDIR, &fd, &err), 0);
	p = where(fd);
	cr_assert(under(p, root), "resolved to %s", p);
	free(p);
	close(fd);
}

static void missing_path_without_create_is_not_found(void)
{
	struct ou_error *err = NULL;
	int fd = -1;

	cr_assert_eq(ou_rootfs_resolve(rootfd, "/nope", 0, &fd, &err), -1);
	cr_assert_eq(err->kind, OU_E_NOT_FOUND);
	ou_error_free(err);
}

static void a_file_is_made_for_a_file_destination(void)
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

/* A symlink loop is ELOOP, not a hang. */
static void a_symlink_loop_fails(void)
{
	struct ou_error *err = NULL;
	int fd = -1;

	cr_assert_eq(symlink("b", at(root, "a")), 0);
	cr_assert_eq(symlink("a", at(root, "b")), 0);
	cr_assert_eq(ou_rootfs_resolve(rootfd, "/a/x", 0, &fd, &err), -1);
	cr_assert_not_null(err);
	ou_error_free(err);
}

/* A chain of symlinks, each climbing with "..", ends inside the root. */
static void a_symlink_chain_stays_inside(void)
{
	struct ou_error *err = NULL;
	int fd = -1;
	char *p;

	cr_assert_eq(mkdir(at(root, "d"), 0755), 0);
	cr_assert_eq(mkdir(at(root, "d/e"), 0755), 0);
	cr_assert_eq(symlink("../../../..", at(root, "d/e/up")), 0);
	cr_assert_eq(symlink("/d/e/up/../outside", at(root, "hop")), 0);
	cr_assert_eq(ou_rootfs_resolve(rootfd, "/hop/w", OU_RESOLVE_MKDIR, &fd, &err), 0);
	p = where(fd);
	cr_assert(under(p, root), "resolved to %s", p);
	cr_assert(ou_has_prefix(p + strlen(root), "/outside/w"), "resolved to %s", p);
	cr_assert(access(at(outside, "w"), F_OK) < 0, "nothing made outside");
	free(p);
	close(fd);
}

Test(rootfs, missing_directories_are_made_inside_the_root)
{
	missing_directories_are_made_inside_the_root();
}

Test(rootfs_walk, missing_directories_are_made_inside_the_root)
{
	missing_directories_are_made_inside_the_root();
}

Test(rootfs, an_absolute_symlink_is_resolved_against_the_root)
{
	an_absolute_symlink_is_resolved_against_the_root();
}

Test(rootfs_walk, an_absolute_symlink_is_resolved_against_the_root)
{
	an_absolute_symlink_is_resolved_against_the_root();
}

Test(rootfs, dotdot_cannot_climb_out)
{
	dotdot_cannot_climb_out();
}

Test(rootfs_walk, dotdot_cannot_climb_out)
{
	dotdot_cannot_climb_out();
}

Test(rootfs, a_relative_symlink_with_dotdot_stays_inside)
{
	a_relative_symlink_with_dotdot_stays_inside();
}

Test(rootfs_walk, a_relative_symlink_with_dotdot_stays_inside)
{
	a_relative_symlink_with_dotdot_stays_inside();
}

Test(rootfs, missing_path_without_create_is_not_found)
{
	missing_path_without_create_is_not_found();
}

Test(rootfs_walk, missing_path_without_create_is_not_found)
{
	missing_path_without_create_is_not_found();
}

Test(rootfs, a_file_is_made_for_a_file_destination)
{
	a_file_is_made_for_a_file_destination();
}

Test(rootfs_walk, a_file_is_made_for_a_file_destination)
{
	a_file_is_made_for_a_file_destination();
}

Test(rootfs, a_symlink_loop_fails)
{
	a_symlink_loop_fails();
}

Test(rootfs_walk, a_symlink_loop_fails)
{
	a_symlink_loop_fails();
}

Test(rootfs, a_symlink_chain_stays_inside)
{
	a_symlink_chain_stays_inside();
}

Test(rootfs_walk, a_symlink_chain_stays_inside)
{
	a_symlink_chain_stays_inside();
}
