/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "runtime/mount.h"

static void parse(struct ou_mount_opts *o, const char *const *opts, size_t n)
{
	struct ou_strv v = { .len = n, .v = (char **)opts };

	ou_mount_opts_parse(&v, o);
}

#define PARSE(o, ...)                                  \
	parse(o, (const char *const[]){ __VA_ARGS__ }, \
	      sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *))

/* config.md, Linux mount options */
Test(mount, flags_are_set_and_cleared_in_order)
{
	struct ou_mount_opts o;

	PARSE(&o, "ro", "nosuid", "nodev", "noexec", "rw");
	cr_assert_eq(o.flags & MS_RDONLY, 0, "a later rw clears ro");
	cr_assert(o.clear & MS_RDONLY);
	cr_assert(o.flags & MS_NOSUID);
	cr_assert(o.flags & MS_NODEV);
	cr_assert(o.flags & MS_NOEXEC);
	cr_assert_null(o.data);
	ou_mount_opts_release(&o);
}

Test(mount, bind_and_rbind_are_recognised)
{
	struct ou_mount_opts o;

	PARSE(&o, "bind");
	cr_assert(o.bind);
	cr_assert_not(o.rbind);
	ou_mount_opts_release(&o);
	PARSE(&o, "rbind", "ro");
	cr_assert(o.bind && o.rbind);
	cr_assert(o.flags & MS_RDONLY);
	ou_mount_opts_release(&o);
}

Test(mount, unknown_options_go_to_the_filesystem)
{
	struct ou_mount_opts o;

	PARSE(&o, "mode=755", "nosuid", "size=65536k");
	cr_assert_str_eq(o.data, "mode=755,size=65536k");
	cr_assert(o.flags & MS_NOSUID);
	ou_mount_opts_release(&o);
}

Test(mount, propagation_options)
{
	struct ou_mount_opts o;
	unsigned long p = 0;

	PARSE(&o, "rslave");
	cr_assert_eq(o.propagation, MS_SLAVE | MS_REC);
	ou_mount_opts_release(&o);
	cr_assert_eq(ou_mount_propagation_from_name("rprivate", &p), 0);
	cr_assert_eq(p, MS_PRIVATE | MS_REC);
	cr_assert_eq(ou_mount_propagation_from_name("shared", &p), 0);
	cr_assert_eq(p, MS_SHARED);
	cr_assert_eq(ou_mount_propagation_from_name("nosuid", &p), -1);
	cr_assert_eq(ou_mount_propagation_from_name("bogus", &p), -1);
}

Test(mount, recursive_attributes)
{
	struct ou_mount_opts o;

	PARSE(&o, "rro", "rnosuid", "rexec");
	cr_assert(o.recursive_attr);
	cr_assert(o.attr_set & MOUNT_ATTR_RDONLY);
	cr_assert(o.attr_set & MOUNT_ATTR_NOSUID);
	cr_assert(o.attr_clr & MOUNT_ATTR_NOEXEC);
	ou_mount_opts_release(&o);
}

Test(mount, idmap_and_tmpcopyup_are_flagged_not_passed)
{
	struct ou_mount_opts o;

	PARSE(&o, "idmap", "tmpcopyup");
	cr_assert(o.idmap);
	cr_assert_not(o.recursive_idmap);
	cr_assert(o.copy_up);
	cr_assert_null(o.data, "neither goes to mount(2)");
	ou_mount_opts_release(&o);
}

/* config.md, Linux mount options: ridmap is idmap applied recursively. */
Test(mount, ridmap_is_a_recursive_idmap_not_passed)
{
	struct ou_mount_opts o;

	PARSE(&o, "rbind", "ridmap");
	cr_assert(o.idmap);
	cr_assert(o.recursive_idmap);
	cr_assert(o.rbind);
	cr_assert_null(o.data, "ridmap does not go to mount(2)");
	ou_mount_opts_release(&o);
}

Test(mount, features_list_has_idmap_and_omits_unsupported_options)
{
	struct ou_strv v = { 0 };
	bool has_ro = false, has_idmap = false, has_ridmap = false;

	ou_mount_option_names(&v);
	for (size_t i = 0; i < v.len; i++) {
		cr_assert_str_neq(v.v[i], "tmpcopyup");
		has_ro = has_ro || strcmp(v.v[i], "ro") == 0;
		has_idmap = has_idmap || strcmp(v.v[i], "idmap") == 0;
		has_ridmap = has_ridmap || strcmp(v.v[i], "ridmap") == 0;
	}
	cr_assert(has_ro);
	cr_assert(has_idmap);
	cr_assert(has_ridmap);
	free(v.v);
}

/* config.md, Linux mount options: the recursive atime modes exclude each other. */
Test(mount, recursive_atime_modes_clear_the_atime_field)
{
	struct ou_mount_opts o;

	PARSE(&o, "rnoatime");
	cr_assert(o.attr_clr & MOUNT_ATTR__ATIME);
	cr_assert_eq(o.attr_set & MOUNT_ATTR__ATIME, MOUNT_ATTR_NOATIME);
	ou_mount_opts_release(&o);
	PARSE(&o, "rstrictatime", "rrelatime");
	cr_assert(o.attr_clr & MOUNT_ATTR__ATIME);
	cr_assert_eq(o.attr_set & MOUNT_ATTR__ATIME, MOUNT_ATTR_RELATIME, "the last one wins");
	ou_mount_opts_release(&o);
}
