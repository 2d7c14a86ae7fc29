/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"

#ifndef PIDFD_GET_MNT_NAMESPACE
#define PIDFD_GET_MNT_NAMESPACE _IO(0xFF, 3)
#endif

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

enum opt_kind {
	OPT_FLAG,  /* sets flag */
	OPT_CLEAR, /* clears flag */
	OPT_PROP,  /* propagation */
	OPT_ATTR,  /* recursive attribute set */
	OPT_ATTR_CLEAR,
	OPT_ATIME, /* recursive atime mode */
	OPT_BIND,
	OPT_RBIND,
	OPT_IDMAP,
	OPT_RIDMAP,
	OPT_COPYUP,
	OPT_IGNORE,
};

struct opt_def {
	const char *name;
	enum opt_kind kind;
	unsigned long flag;
	uint64_t attr;
};

/* config.md, Linux mount options. */
static const struct opt_def opt_table[] = {
	{ "async", OPT_CLEAR, MS_SYNCHRONOUS, 0 },
	{ "atime", OPT_CLEAR, MS_NOATIME, 0 },
	{ "bind", OPT_BIND, 0, 0 },
	{ "defaults", OPT_IGNORE, 0, 0 },
	{ "dev", OPT_CLEAR, MS_NODEV, 0 },
	{ "diratime", OPT_CLEAR, MS_NODIRATIME, 0 },
	{ "dirsync", OPT_FLAG, MS_DIRSYNC, 0 },
	{ "exec", OPT_CLEAR, MS_NOEXEC, 0 },
	{ "iversion", OPT_FLAG, MS_I_VERSION, 0 },
	{ "lazytime", OPT_FLAG, MS_LAZYTIME, 0 },
	{ "loud", OPT_CLEAR, MS_SILENT, 0 },
	{ "mand", OPT_FLAG, MS_MANDLOCK, 0 },
	{ "noatime", OPT_FLAG, MS_NOATIME, 0 },
	{ "nodev", OPT_FLAG, MS_NODEV, 0 },
	{ "nodiratime", OPT_FLAG, MS_NODIRATIME, 0 },
	{ "noexec", OPT_FLAG, MS_NOEXEC, 0 },
	{ "noiversion", OPT_CLEAR, MS_I_VERSION, 0 },
	{ "nolazytime", OPT_CLEAR, MS_LAZYTIME, 0 },
	{ "nomand", OPT_CLEAR, MS_MANDLOCK, 0 },
	{ "norelatime", OPT_CLEAR, MS_RELATIME, 0 },
	{ "nostrictatime", OPT_CLEAR, MS_STRICTATIME, 0 },
	{ "nosuid", OPT_FLAG, MS_NOSUID, 0 },
	{ "nosymfollow", OPT_FLAG, MS_NOSYMFOLLOW, 0 },
	{ "private", OPT_PROP, MS_PRIVATE, 0 },
	{ "ratime", OPT_ATIME, 0, MOUNT_ATTR_RELATIME },
	{ "rbind", OPT_RBIND, 0, 0 },
	{ "rdev", OPT_ATTR_CLEAR, 0, MOUNT_ATTR_NODEV },
	{ "rdiratime", OPT_ATTR_CLEAR, 0, MOUNT_ATTR_NODIRATIME },
	{ "relatime", OPT_FLAG, MS_RELATIME, 0 },
	{ "remount", OPT_FLAG, MS_REMOUNT, 0 },
	{ "rexec", OPT_ATTR_CLEAR, 0, MOUNT_ATTR_NOEXEC },
	{ "ridmap", OPT_RIDMAP, 0, 0 },
	{ "rnoatime", OPT_ATIME, 0, MOUNT_ATTR_NOATIME },
	{ "rnodev", OPT_ATTR, 0, MOUNT_ATTR_NODEV },
	{ "rnodiratime", OPT_ATTR, 0, MOUNT_ATTR_NODIRATIME },
	{ "rnoexec", OPT_ATTR, 0, MOUNT_ATTR_NOEXEC },
	{ "rnorelatime", OPT_ATIME, 0, MOUNT_ATTR_STRICTATIME },
	{ "rnostrictatime", OPT_ATIME, 0, MOUNT_ATTR_RELATIME },
	{ "rnosuid", OPT_ATTR, 0, MOUNT_ATTR_NOSUID },
	{ "rnosymfollow", OPT_ATTR, 0, MOUNT_ATTR_NOSYMFOLLOW },
	{ "ro", OPT_FLAG, MS_RDONLY, 0 },
	{ "rprivate", OPT_PROP, MS_PRIVATE | MS_REC, 0 },
	{ "rrelatime", OPT_ATIME, 0, MOUNT_ATTR_RELATIME },
	{ "rro", OPT_ATTR, 0, MOUNT_ATTR_RDONLY },
	{ "rrw", OPT_ATTR_CLEAR, 0, MOUNT_ATTR_RDONLY },
	{ "rshared", OPT_PROP, MS_SHARED | MS_REC, 0 },
	{ "rslave", OPT_PROP, MS_SLAVE | MS_REC, 0 },
	{ "rstrictatime", OPT_ATIME, 0, MOUNT_ATTR_STRICTATIME },
	{ "rsuid", OPT_ATTR_CLEAR, 0, MOUNT_ATTR_NOSUID },
	{ "rsymfollow", OPT_ATTR_CLEAR, 0, MOUNT_ATTR_NOSYMFOLLOW },
	{ "runbindable", OPT_PROP, MS_UNBINDABLE | MS_REC, 0 },
	{ "rw", OPT_CLEAR, MS_RDONLY, 0 },
	{ "shared", OPT_PROP, MS_SHARED, 0 },
	{ "silent", OPT_FLAG, MS_SILENT, 0 },
	{ "slave", OPT_PROP, MS_SLAVE, 0 },
	{ "strictatime", OPT_FLAG, MS_STRICTATIME, 0 },
	{ "suid", OPT_CLEAR, MS_NOSUID, 0 },
	{ "symfollow", OPT_CLEAR, MS_NOSYMFOLLOW, 0 },
	{ "sync", OPT_FLAG, MS_SYNCHRONOUS, 0 },
	{ "tmpcopyup", OPT_COPYUP, 0, 0 },
	{ "unbindable", OPT_PROP, MS_UNBINDABLE, 0 },
	{ "idmap", OPT_IDMAP, 0, 0 },
};

static const struct opt_def *find_opt(const char *name)
{
	for (size_t i = 0; i < sizeof(opt_table) / sizeof(opt_table[0]); i++)
		if (strcmp(opt_table[i].name, name) == 0)
			return &opt_table[i];
	return NULL;
}

static void apply_opt(const struct opt_def *d, struct ou_mount_opts *o)
{
	switch (d->kind) {
	case OPT_FLAG:
		o->flags |= d->flag;
		o->clear &= ~d->flag;
		break;
	case OPT_CLEAR:
		o->flags &= ~d->flag;
		o->clear |= d->flag;
		break;
	case OPT_PROP:
		o->propagation = d->flag;
		break;
	case OPT_ATTR:
		o->attr_set |= d->attr;
		o->attr_clr &= ~d->attr;
		o->recursive_attr = true;
		break;
	case OPT_ATTR_CLEAR:
		o->attr_clr |= d->attr;
		o->attr_set &= ~d->attr;
		o->recursive_attr = true;
		break;
	case OPT_ATIME:
		/* The atime modes exclude each other: the kernel wants __ATIME cleared. */
		o->attr_clr |= MOUNT_ATTR__ATIME;
		o->attr_set = (o->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | d->attr;
		o->recursive_attr = true;
		break;
	case OPT_BIND:
		o->bind = true;
		break;
	case OPT_RBIND:
		o->bind = true;
		o->rbind = true;
		break;
	case OPT_IDMAP:
		o->idmap = true;
		break;
	case OPT_RIDMAP:
		o->idmap = true;
		o->recursive_idmap = true;
		break;
	case OPT_COPYUP:
		o->copy_up = true;
		break;
	case OPT_IGNORE:
		break;
	}
}

void ou_mount_opts_parse(const struct ou_strv *options, struct ou_mount_opts *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < options->len; i++) {
		const struct opt_def *d = find_opt(options->v[i]);

		if (d != NULL)
			apply_opt(d, out);
		else
			ou_csv_append(&out->data, options->v[i]);
	}
}

void ou_mount_opts_release(struct ou_mount_opts *o)
{
	free(o->data);
	o->data = NULL;
}

int ou_mount_propagation_from_name(const char *name, unsigned long *out)
{
	const struct opt_def *d = find_opt(name);

	if (d == NULL || d->kind != OPT_PROP)
		return -1;
	*out = d->flag;
	return 0;
}

int ou_mount_raw(const char *source, const char *target, const char *type, unsigned long flags,
		 const char *data, struct ou_error **err)
{
	ou_log_debug("mount source '%s' target '%s' type '%s' flags 0x%lx data '%s'",
		     source ? source : "", target, type ? type : "", flags, data ? data : "");
	if (mount(source, target, type, flags, data) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "mount '%s' on '%s' (type '%s')",
				    source ? source : "none", target, type ? type : "none");
	return 0;
}

static char *fd_path(int fd)
{
	return ou_xasprintf("/proc/self/fd/%d", fd);
}

int ou_mount_at_fd(const char *source, int target_fd, const char *shown_target, const char *type,
		   unsigned long flags, const char *data, struct ou_error **err)
{
	ou_autofree char *target = fd_path(target_fd);

	ou_log_debug("mount source '%s' target '%s' type '%s' flags 0x%lx data '%s'",
		     source ? source : "", shown_target, type ? type : "", flags, data ? data : "");
	if (mount(source, target, type, flags, data) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "mount '%s' on '%s' (type '%s')",
				    source ? source : "none", shown_target, type ? type : "none");
	return 0;
}

static int do_setattr(int fd, const char *shown, unsigned int at_flags, uint64_t set, uint64_t clr,
		      struct ou_error **err)
{
	struct mount_attr attr = { .attr_set = set, .attr_clr = clr };

	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | at_flags, &attr, sizeof(attr)) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "set mount attributes of '%s'", shown);
	return 0;
}

static unsigned long vfs_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (fstatvfs(fd, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

#define PER_MOUNT_FLAGS                                                                            \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
	 MS_STRICTATIME | MS_NOSYMFOLLOW)

static int remount_bind(int fd, const char *shown, const struct ou_mount_opts *o,
			struct ou_error **err)
{
	ou_autofree char *target = fd_path(fd);
	unsigned long flags = (vfs_flags(fd) | o->flags) & ~o->clear & PER_MOUNT_FLAGS;

	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "remount '%s'", shown);
	return 0;
}

/* MS_* per-mount flags as mount_setattr attributes. */
static void flags_to_attr(unsigned long set, unsigned long clear, struct mount_attr *a)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY },
		{ MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV },
		{ MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
		{ MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (set & map[i].ms)
			a->attr_set |= map[i].attr;
		else if (clear & map[i].ms)
			a->attr_clr |= map[i].attr;
	}
	if (set & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) {
		a->attr_clr |= MOUNT_ATTR__ATIME;
		if (set & MS_NOATIME)
			a->attr_set |= MOUNT_ATTR_NOATIME;
		else if (set & MS_STRICTATIME)
			a->attr_set |= MOUNT_ATTR_STRICTATIME;
		else
			a->attr_set |= MOUNT_ATTR_RELATIME;
	}
}

/*
 * The flags set here are locked later, with every other mount of the
 * container (ou_mount_lock_flags): until then the container's root could
 * still clear them.
 */
static int setattr_tree(int tree, const char *shown, const struct ou_mount_opts *o,
			struct ou_error **err)
{
	struct mount_attr a = { 0 };
	unsigned int rec = o->rbind ? AT_RECURSIVE : 0;

	flags_to_attr(o->flags, o->clear, &a);
	if ((a.attr_set | a.attr_clr) != 0 &&
	    syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &a, sizeof(a)) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "set mount attributes of '%s'", shown);
	if (o->recursive_attr)
		return do_setattr(tree, shown, AT_RECURSIVE, o->attr_set, o->attr_clr, err);
	return 0;
}

static int set_tree_propagation(int tree, const char *shown, unsigned long prop,
				struct ou_error **err)
{
	struct mount_attr a = { .propagation = prop & ~(unsigned long)MS_REC };
	unsigned int rec = (prop & MS_REC) ? AT_RECURSIVE : 0;

	if (prop == 0)
		return 0;
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &a, sizeof(a)) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "set propagation of '%s'", shown);
	return 0;
}

/* The tree at path from dirfd, or at dirfd itself when path is "". */
static int clone_tree_at(int dirfd, const char *path, const char *source,
			 const struct ou_mount_opts *o, int *out, struct ou_error **err)
{
	ou_autoclose int tree = -1;
	unsigned int rec = o->rbind ? AT_RECURSIVE : 0;
	unsigned int empty = path[0] == '\0' ? AT_EMPTY_PATH : 0;

	tree = (int)syscall(SYS_open_tree, dirfd, path,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec | empty);
	if (tree < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "clone mount tree of '%s'", source);
	if (setattr_tree(tree, source, o, err) < 0)
		return -1;
	*out = ou_steal_fd(&tree);
	return 0;
}

static int clone_tree(const char *source, const struct ou_mount_opts *o, int *out,
		      struct ou_error **err)
{
	return clone_tree_at(AT_FDCWD, source, source, o, out, err);
}

int ou_mount_clone_top(int fd, const char *shown, struct ou_error **err)
{
	int tree = (int)syscall(SYS_open_tree, fd, "",
				OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);

	if (tree < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "clone the mount of '%s'", shown);
	return tree;
}

static const char *name_kind(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return NULL;
	return S_ISDIR(st.st_mode) ? "directory" : "file";
}

/* move_mount(2) says only EINVAL when a directory and a file meet. */
static int explain_attach_failure(int tree, int target_fd, const char *shown_target,
				  struct ou_error **err)
{
	int e = errno;
	const char *from = name_kind(tree);
	const char *to = name_kind(target_fd);

	if (e == EINVAL && from != NULL && to != NULL && strcmp(from, to) != 0)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "attach mount on '%s': a %s cannot be mounted on a %s",
				    shown_target, from, to);
	return ou_error_set(err, OU_E_SYSTEM, e, "attach mount on '%s'", shown_target);
}

int ou_mount_attach_tree(int tree, int target_fd, const char *shown_target,
			 const struct ou_mount_opts *o, struct ou_error **err)
{
	ou_log_debug("attach mount tree on '%s'", shown_target);
	if (syscall(SYS_move_mount, tree, "", target_fd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return explain_attach_failure(tree, target_fd, shown_target, err);
	/* Propagation only means something once attached; tree now names that mount. */
	return set_tree_propagation(tree, shown_target, o->propagation, err);
}

/*
 * Bind mounts use the new mount API: the tree is cloned detached, gets its
 * attributes (recursively for rbind, so "ro" is read-only all the way
 * down), and only then is attached at the resolved target fd.  Nothing is
 * ever visible with the wrong flags, and the target cannot be swapped.
 * This needs open_tree and mount_setattr (Linux 5.12).
 */
int ou_mount_bind_at_fd(const char *source, int target_fd, const char *shown_target,
			const struct ou_mount_opts *o, struct ou_error **err)
{
	ou_autoclose int tree = -1;

	ou_log_debug("bind mount source '%s' target '%s' flags 0x%lx%s", source, shown_target,
		     o->flags, o->rbind ? " recursive" : "");
	if (clone_tree(source, o, &tree, err) < 0)
		return -1;
	if (ou_mount_attach_tree(tree, target_fd, shown_target, o, err) < 0) {
		ou_error_prefix(err, "bind '%s'", source);
		return -1;
	}
	return 0;
}

int ou_mount_bind_fd_at_fd(int source_fd, const char *shown_source, int target_fd,
			   const char *shown_target, const struct ou_mount_opts *o,
			   struct ou_error **err)
{
	ou_autoclose int tree = -1;

	ou_log_debug("bind mount source '%s' target '%s' flags 0x%lx%s", shown_source, shown_target,
		     o->flags, o->rbind ? " recursive" : "");
	if (clone_tree_at(source_fd, "", shown_source, o, &tree, err) < 0)
		return -1;
	if (ou_mount_attach_tree(tree, target_fd, shown_target, o, err) < 0) {
		ou_error_prefix(err, "bind '%s'", shown_source);
		return -1;
	}
	return 0;
}

static int set_idmap(int tree, const char *source, const struct ou_mount_opts *o, int userns_fd,
		     struct ou_error **err)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
	unsigned int rec = o->recursive_idmap ? AT_RECURSIVE : 0;

	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &a, sizeof(a)) == 0)
		return 0;
	if (errno == ENOSYS)
		return ou_error_set(err, OU_E_UNSUPPORTED, errno,
				    "idmapped mounts need Linux 5.12 or later");
	/* mount_setattr(2): EINVAL when a filesystem of the tree cannot be idmapped. */
	if (errno == EINVAL)
		return ou_error_set(err, OU_E_UNSUPPORTED, errno,
				    "the filesystem of '%s'%s does not support idmapped mounts",
				    source, rec ? " or of a mount below it" : "");
	return ou_error_set(err, OU_E_SYSTEM, errno, "set the id mapping of '%s'", source);
}

int ou_mount_idmapped_tree(const char *source, const struct ou_mount_opts *o, int userns_fd,
			   int *out, struct ou_error **err)
{
	ou_autoclose int tree = -1;

	ou_log_debug("idmapped bind mount source '%s' flags 0x%lx%s%s", source, o->flags,
		     o->rbind ? " recursive" : "", o->recursive_idmap ? " recursive idmap" : "");
	if (clone_tree(source, o, &tree, err) < 0)
		return -1;
	if (set_idmap(tree, source, o, userns_fd, err) < 0)
		return -1;
	*out = ou_steal_fd(&tree);
	return 0;
}

int ou_mount_remount_ro(int target_fd, const char *shown_target, bool recursive,
			struct ou_error **err)
{
	struct ou_mount_opts o = { .flags = MS_RDONLY };

	if (recursive)
		return do_setattr(target_fd, shown_target, AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0, err);
	return remount_bind(target_fd, shown_target, &o, err);
}

int ou_mount_set_propagation(const char *target, unsigned long propagation, struct ou_error **err)
{
	ou_log_debug("set propagation 0x%lx of '%s'", propagation, target);
	if (mount(NULL, target, NULL, propagation, NULL) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "set propagation of '%s'", target);
	return 0;
}

static int pivot(const char *new_root, struct ou_error **err)
{
	if (chdir(new_root) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chdir '%s'", new_root);
	/*
	 * pivot_root(".", "."): the old root ends up stacked on "/", then
	 * detached.  It is already a slave (ou_rootfs_prepare), so the detach
	 * does not reach the host; "." here would name the new root, so its
	 * propagation is not touched.
	 */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "pivot_root '%s'", new_root);
	if (umount2(".", MNT_DETACH) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "detach old root");
	if (chdir("/") < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chdir '/'");
	return 0;
}

int ou_mount_pivot_root(const char *new_root, bool no_pivot, struct ou_error **err)
{
	ou_log_debug("%s '%s'", no_pivot ? "move root to" : "pivot_root", new_root);
	if (!no_pivot)
		return pivot(new_root, err);
	if (chdir(new_root) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chdir '%s'", new_root);
	if (mount(new_root, "/", NULL, MS_MOVE, NULL) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "move '%s' to '/'", new_root);
	if (chroot(".") < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chroot '%s'", new_root);
	if (chdir("/") < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chdir '/'");
	return 0;
}

/*
 * Locked mounts.  When a mount namespace is copied into one owned by
 * another user namespace, the kernel locks the flags of every mount
 * (read-only, nosuid, nodev, noexec, atime: MNT_LOCK_*) and makes every
 * mount but the root one impossible to unmount alone (MNT_LOCKED); the
 * locks stay with further copies, and nobody can lift them, not even
 * root of the initial user namespace.  The container's mounts are made
 * in its own namespace, so nothing is locked; to lock them, a helper
 * makes a user namespace nested in ours and a copy of our mount
 * namespace owned by it, we join that copy (we hold every capability in
 * the nested user namespace: it is our child and has our euid as owner)
 * and copy it once more into a namespace of our own user namespace, so
 * that whoever joins the container later (exec) needs no right over the
 * helper's user namespace.  The copies turn shared mounts into slaves
 * (the caller decides whether that is acceptable).  setns through a
 * pidfd (Linux 5.8) needs no /proc, which the container may not have.
 */
static void close_all_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 0)
		syscall(SYS_close_range, 0U, (unsigned int)lo - 1, 0U);
	if (hi > lo + 1)
		syscall(SYS_close_range, (unsigned int)lo + 1, (unsigned int)hi - 1, 0U);
	syscall(SYS_close_range, (unsigned int)hi + 1, ~0U, 0U);
}

/* old_ns: our mount namespace, held until the helper exits, or -1. */
static void lock_helper(int sock, int old_ns)
{
	int e = 0;
	char c;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		e = errno;
	/*
	 * setns through a pidfd checks that we may ptrace the helper: a
	 * process that is not dumpable (the container process until execve)
	 * asks CAP_SYS_PTRACE in the initial user namespace, which the
	 * container's root in a user namespace has not.  The helper runs no
	 * code of the container and lives until we joined; nothing of the
	 * container runs yet (its process starts after "created"), and it
	 * keeps no descriptor but its socket and old_ns.  Even dumpable it
	 * can be traced only with CAP_SYS_PTRACE over its user namespace
	 * (it holds every capability there, more than any other tracer).
	 */
	close_all_but(sock, old_ns >= 0 ? old_ns : sock);
	if (e == 0 && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		e = errno;
	if (write(sock, &e, sizeof(e)) != (ssize_t)sizeof(e) || e != 0)
		_exit(1);
	/* Keep the namespaces alive until the caller has joined them. */
	while (read(sock, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/*
 * An nsfs descriptor of our mount namespace (PIDFD_GET_MNT_NAMESPACE,
 * Linux 6.11), or -1: no path, so nothing the image put at /proc counts.
 */
static int open_own_mntns(void)
{
	ou_autoclose int self = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (self < 0)
		return -1;
	return ioctl(self, PIDFD_GET_MNT_NAMESPACE, 0);
}

static int open_helper_mntns(pid_t pid)
{
	char p[64];
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0 || errno != ENOSYS)
		return fd;
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)pid);
	return open(p, O_RDONLY | O_CLOEXEC);
}

void ou_mount_lock_reap(pid_t helper)
{
	if (helper <= 0)
		return;
	while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Join the helper's copy, then copy it into a namespace of our own. */
static int move_to_locked_copy(pid_t pid, struct ou_error **err)
{
	ou_autoclose int fd = open_helper_mntns(pid);

	if (fd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "lock mounts: open the helper");
	if (setns(fd, CLONE_NEWNS) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno,
				    "lock mounts: join the locked mount namespace");
	if (unshare(CLONE_NEWNS) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno,
				    "lock mounts: copy the locked mount namespace");
	if (chdir("/") < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "lock mounts: chdir '/'");
	return 0;
}

/*
 * Tearing a mount namespace down waits for an RCU grace period, up to a
 * few ms on a busy machine.  Both namespaces we leave (ours and the
 * helper's copy) are therefore last released by the helper as it exits,
 * while we go on: it holds ours through old_ns, and the caller reaps it
 * later (ou_mount_lock_reap).
 */
int ou_mount_lock_flags(pid_t *helper, int *why, struct ou_error **err)
{
	int old_ns = open_own_mntns();
	int sv[2];
	int e = 0;
	int fork_errno;
	pid_t pid;
	char c;

	*helper = -1;
	*why = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		*why = errno;
		if (old_ns >= 0)
			close(old_ns);
		return 0;
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		lock_helper(sv[1], old_ns);
	}
	fork_errno = errno;
	if (old_ns >= 0)
		close(old_ns);
	close(sv[1]);
	if (pid < 0 || read(sv[0], &e, sizeof(e)) != (ssize_t)sizeof(e) || e != 0) {
		*why = pid < 0 ? fork_errno : e != 0 ? e : ECHILD;
		close(sv[0]);
		ou_mount_lock_reap(pid);
		return 0;
	}
	*helper = pid;
	e = move_to_locked_copy(pid, err);
	/*
	 * Let the helper go, and wait until it has closed its end, which it
	 * does exiting: it is then marked as exiting, which ps leaves out (it
	 * is in the container's cgroups), while the namespaces it releases
	 * are still torn down after we go on.
	 */
	shutdown(sv[0], SHUT_WR);
	while (read(sv[0], &c, 1) < 0 && errno == EINTR)
		;
	close(sv[0]);
	return e;
}

int ou_mount_detach(const char *target, struct ou_error **err)
{
	ou_log_debug("umount '%s'", target);
	if (umount2(target, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return ou_error_set(err, OU_E_SYSTEM, errno, "umount '%s'", target);
	return 0;
}

void ou_mount_option_names(struct ou_strv *out)
{
	size_t n = sizeof(opt_table) / sizeof(opt_table[0]);

	out->v = ou_xcalloc(n + 1, sizeof(char *));
	out->len = 0;
	for (size_t i = 0; i < n; i++) {
		/* Decoded but refused at mount time (README, Limitations). */
		if (opt_table[i].kind == OPT_COPYUP)
			continue;
		out->v[out->len++] = (char *)opt_table[i].name;
	}
}

static int fsconfig_str(int fs, const char *key, const char *value)
{
	return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0);
}

/*
 * overlayfs reads a backslash in an upperdir or workdir as an escape, even
 * from fsconfig ("lowerdir+" is taken as it is): a\b would name ab, another
 * directory than the one checked and claimed.
 */
static char *overlay_escape(const char *path)
{
	char *out = ou_xmalloc(2 * strlen(path) + 1), *p = out;

	for (; *path != '\0'; path++) {
		if (*path == '\\')
			*p++ = '\\';
		*p++ = *path;
	}
	*p = '\0';
	return out;
}

static int overlay_upper(int fs, const struct ou_overlay *ov)
{
	ou_autofree char *upper = overlay_escape(ov->upper);
	ou_autofree char *work = overlay_escape(ov->work);

	if (fsconfig_str(fs, "upperdir", upper) < 0)
		return -1;
	return fsconfig_str(fs, "workdir", work);
}

/*
 * New mount API: 0 on success, 1 when the kernel refuses it so that the
 * caller should fall back to mount(2), -1 on any other failure.
 */
static int overlay_new_api(const struct ou_overlay *ov, const char *target, struct ou_error **err)
{
	ou_autoclose int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	ou_autoclose int mnt = -1;

	if (fs < 0)
		return errno == ENOSYS ? 1
				       : ou_error_set(err, OU_E_SYSTEM, errno, "fsopen overlay");
	for (size_t i = 0; i < ov->n_lower; i++) {
		if (fsconfig_str(fs, "lowerdir+", ov->lower_top_first[i]) == 0)
			continue;
		if (errno == EINVAL && i == 0)
			return 1;
		return ou_error_set(err, OU_E_SYSTEM, errno, "overlay: add layer '%s'",
				    ov->lower_top_first[i]);
	}
	if (ov->upper != NULL && overlay_upper(fs, ov) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "overlay: upper '%s' and work '%s'",
				    ov->upper, ov->work);
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create overlay for '%s'", target);
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "fsmount overlay for '%s'", target);
	if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "attach overlay on '%s'", target);
	ou_log_debug("overlay on '%s': %zu layers through fsconfig", target, ov->n_lower);
	return 0;
}

/*
 * The option string of mount(2), or NULL when it would not reach the
 * kernel whole: mount(2) copies one page of options and cuts the rest,
 * and a path with ':', ',' or '\\' in it would need escaping.
 */
static char *overlay_options(const struct ou_overlay *ov)
{
	size_t len =
		sizeof("lowerdir=") + (ov->upper ? strlen(ov->upper) + strlen(ov->work) + 20 : 0);
	char *data, *p;

	for (size_t i = 0; i < ov->n_lower; i++) {
		if (strpbrk(ov->lower_top_first[i], ":,\\") != NULL)
			return NULL;
		len += strlen(ov->lower_top_first[i]) + 1;
	}
	if (ov->upper != NULL && (strpbrk(ov->upper, ":,\\") || strpbrk(ov->work, ":,\\")))
		return NULL;
	if (len > (size_t)sysconf(_SC_PAGESIZE))
		return NULL;
	data = ou_xmalloc(len);
	p = data + sprintf(data, "lowerdir=");
	for (size_t i = 0; i < ov->n_lower; i++)
		p += sprintf(p, "%s%s", i > 0 ? ":" : "", ov->lower_top_first[i]);
	if (ov->upper != NULL)
		sprintf(p, ",upperdir=%s,workdir=%s", ov->upper, ov->work);
	return data;
}

static int overlay_legacy(const struct ou_overlay *ov, const char *target, struct ou_error **err)
{
	ou_autofree char *data = overlay_options(ov);

	if (data == NULL)
		return ou_error_set(
			err, OU_E_SYSTEM, 0,
			"overlay on '%s': %zu layers do not fit in the mount options of "
			"this kernel, which lacks fsopen",
			target, ov->n_lower);
	return ou_mount_raw("overlay", target, "overlay", ov->upper ? 0 : MS_RDONLY, data, err);
}

/*
 * With several layers, one mount(2) naming them all in its option string
 * comes first: fsconfig takes a call per layer (128 calls cost about 0.2
 * ms more here).  When the string does not fit, or mount(2) fails, the
 * fsconfig calls follow; their error names the layer at fault.
 *
 * Limitation (README, Limitations): each container mounts all its layers,
 * and the kernel's work grows with their number; an image's layers are
 * not mounted once and shared, so that a changed layer is seen as it is.
 */
int ou_mount_overlay(const struct ou_overlay *ov, const char *target, struct ou_error **err)
{
	int rc;

	ou_log_debug("overlay on '%s': %zu layers, upper '%s'", target, ov->n_lower,
		     ov->upper ? ov->upper : "");
	if (ov->n_lower > 1) {
		ou_autofree char *data = overlay_options(ov);

		if (data != NULL && mount("overlay", target, "overlay", 0, data) == 0) {
			ou_log_debug("overlay on '%s': %zu layers in one mount(2)", target,
				     ov->n_lower);
			return 0;
		}
		if (data != NULL)
			ou_log_debug("overlay on '%s': mount(2): %s; fsconfig next", target,
				     strerror(errno));
	}
	rc = overlay_new_api(ov, target, err);
	if (rc <= 0)
		return rc;
	return overlay_legacy(ov, target, err);
}
