/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/cgroup.h"
#include "runtime/lsm.h"
#include "runtime/mount.h"
#include "runtime/process.h"
#include "runtime/volume.h"
#include "spec/config.h"

/* Whether openat2 can be used; cleared when the kernel lacks it (or by tests). */
static bool use_openat2 = true;

void ou_rootfs_use_openat2(bool use)
{
	use_openat2 = use;
}

/* The directories walked so far: fds[0] is the root, fds[n - 1] the current one. */
struct walk {
	int fds[256];
	size_t n;
};

static void walk_pop_to(struct walk *w, size_t n)
{
	while (w->n > n)
		close(w->fds[--w->n]);
}

/*
 * One component of the walk: "." and "" stay, ".." goes up but never above
 * the root, a name is opened without following it.  A symlink is not
 * entered: its target goes in front of the rest of the path (*rest), from
 * the root when absolute.  -1 with errno on failure.
 */
static int walk_step(struct walk *w, const char *name, char **rest, int *links)
{
	char target[4096];
	struct stat st;
	ssize_t len;
	char *next;
	int fd;

	if (name[0] == '\0' || strcmp(name, ".") == 0)
		return 0;
	if (strcmp(name, "..") == 0) {
		walk_pop_to(w, w->n > 1 ? w->n - 1 : 1);
		return 0;
	}
	if (w->n == sizeof(w->fds) / sizeof(w->fds[0]))
		return errno = ENAMETOOLONG, -1;
	fd = openat(w->fds[w->n - 1], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISLNK(st.st_mode)) {
		w->fds[w->n++] = fd;
		return 0;
	}
	len = readlinkat(fd, "", target, sizeof(target) - 1);
	close(fd);
	if (len < 0)
		return -1;
	if (++*links > 40)
		return errno = ELOOP, -1;
	target[len] = '\0';
	if (target[0] == '/')
		walk_pop_to(w, 1);
	next = ou_xasprintf("%s/%s", target, *rest != NULL ? *rest : "");
	free(*rest);
	*rest = next;
	return 0;
}

/*
 * RESOLVE_IN_ROOT without openat2 (Linux before 5.6, or a sandbox that
 * refuses the call): the path is walked one component at a time from
 * rootfd with O_PATH | O_NOFOLLOW, so no symlink is followed by the kernel.
 * A symlink's target is resolved again from the root or from where the
 * walk is, ".." is taken from the walk's own list of directories (it never
 * climbs above the root, and never asks the kernel for ".."), a magic link
 * of /proc is read as the text it shows, and 40 symlinks make ELOOP.  Unlike
 * openat2, it cannot tell that a directory it holds was moved out of the
 * root while it walks; only the container's own processes could move one.
 */
static int open_in_root_walk(int rootfd, const char *path, int *out)
{
	struct walk w = { .n = 1 };
	char *rest = ou_xstrdup(path);
	int links = 0, rc = 0;

	w.fds[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (w.fds[0] < 0) {
		free(rest);
		return -1;
	}
	while (rc == 0 && rest != NULL) {
		char *slash = strchr(rest, '/');
		char *name = rest;
		char *tail = NULL;

		if (slash != NULL) {
			*slash = '\0';
			tail = slash[1] != '\0' ? ou_xstrdup(slash + 1) : NULL;
		}
		rest = tail;
		rc = walk_step(&w, name, &rest, &links);
		free(name);
	}
	free(rest);
	if (rc < 0) {
		int saved = errno;

		walk_pop_to(&w, 0);
		errno = saved;
		return -1;
	}
	*out = w.fds[--w.n];
	walk_pop_to(&w, 0);
	return 0;
}

static int open_in_root(int rootfd, const char *path, int *out)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	if (!use_openat2)
		return open_in_root_walk(rootfd, path, out);
	do
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0 && errno == ENOSYS) {
		ou_log_debug(
			"openat2: not in this kernel: paths are resolved one component at a time");
		use_openat2 = false;
		return open_in_root_walk(rootfd, path, out);
	}
	if (fd < 0)
		return -1;
	*out = (int)fd;
	return 0;
}

static int create_last(int parentfd, const char *base, bool file, const char *path,
		       struct ou_error **err)
{
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(base, "/") == 0)
		return 0;
	if (file) {
		int fd = openat(parentfd, base,
				O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);

		if (fd < 0 && errno != EEXIST)
			return ou_error_set(err, OU_E_SYSTEM, errno, "create file '%s'", path);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (mkdirat(parentfd, base, 0755) < 0 && errno != EEXIST)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create directory '%s'", path);
	return 0;
}

/* A dangling symlink's target, as a path inside the root; NULL if base is no symlink. */
static char *link_target(int parentfd, const char *dir, const char *base)
{
	char buf[4096];
	ssize_t n = readlinkat(parentfd, base, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf[0] == '/' ? ou_xstrdup(buf) : ou_path_join(dir, buf);
}

static int resolve_depth(int rootfd, const char *path, unsigned int flags, int depth, int *out,
			 struct ou_error **err)
{
	ou_autofree char *dir = NULL;
	ou_autofree char *copy = NULL;
	ou_autofree char *target = NULL;
	ou_autoclose int parentfd = -1;
	const char *base;

	if (open_in_root(rootfd, path, out) == 0)
		return 0;
	if (errno != ENOENT || !(flags & (OU_RESOLVE_MKDIR | OU_RESOLVE_MKFILE)))
		return ou_error_set(err, errno == ENOENT ? OU_E_NOT_FOUND : OU_E_SYSTEM, errno,
				    "resolve '%s' in the container root", path);
	if (depth > 40)
		return ou_error_set(err, OU_E_INVALID, ELOOP, "resolve '%s' in the container root",
				    path);
	/* dirname may return a static "." and leave its argument as it was. */
	copy = ou_xstrdup(path);
	dir = ou_xstrdup(dirname(copy));
	free(copy);
	copy = ou_xstrdup(path);
	base = basename(copy);
	if (resolve_depth(rootfd, dir, OU_RESOLVE_MKDIR, depth + 1, &parentfd, err) < 0)
		return -1;
	/* A dangling symlink: make what it points to, inside the root. */
	target = link_target(parentfd, dir, base);
	if (target != NULL)
		return resolve_depth(rootfd, target, flags, depth + 1, out, err);
	if (create_last(parentfd, base, flags & OU_RESOLVE_MKFILE, path, err) < 0)
		return -1;
	if (open_in_root(rootfd, path, out) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "resolve '%s' in the container root",
				    path);
	return 0;
}

int ou_rootfs_resolve(int rootfd, const char *path, unsigned int flags, int *out,
		      struct ou_error **err)
{
	return resolve_depth(rootfd, path, flags, 0, out, err);
}

static bool source_is_dir(const char *source)
{
	struct stat st;

	return stat(source, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *bind_source(const char *bundle, const char *source)
{
	if (source == NULL)
		return NULL;
	if (source[0] == '/')
		return ou_xstrdup(source);
	return ou_path_join(bundle, source);
}

static int mount_bind(const struct ou_rootfs_ctx *ctx, int rootfd, const struct ou_mount *m,
		      const struct ou_mount_opts *o, struct ou_error **err)
{
	ou_autofree char *source = bind_source(ctx->bundle, m->source);
	ou_autoclose int fd = -1;
	unsigned int flags;

	if (source == NULL)
		return ou_error_set(err, OU_E_INVALID, 0, "bind mount needs a source");
	if (access(source, F_OK) < 0)
		return ou_error_set(err, OU_E_NOT_FOUND, errno, "bind source '%s'", source);
	flags = source_is_dir(source) ? OU_RESOLVE_MKDIR : OU_RESOLVE_MKFILE;
	if (ou_rootfs_resolve(rootfd, m->destination, flags, &fd, err) < 0)
		return -1;
	return ou_mount_bind_at_fd(source, fd, m->destination, o, err);
}

static int mount_cgroup_hierarchy(const struct ou_rootfs_ctx *ctx, int dirfd,
				  const struct ou_cgroup_mnt *cm, unsigned long flags,
				  const char *shown, struct ou_error **err)
{
	ou_autofree char *host = NULL;
	ou_autoerror struct ou_error *e = NULL;
	ou_autoclose int fd = -1;
	struct ou_mount_opts o = { .flags = flags, .bind = true, .rbind = true };

	if (mkdirat(dirfd, cm->name, 0755) < 0 && errno != EEXIST)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create '%s/%s'", shown, cm->name);
	fd = openat(dirfd, cm->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s/%s'", shown, cm->name);
	if (ctx->cgroupns) {
		if (ou_mount_at_fd(cm->v2 ? "cgroup2" : "cgroup", fd, shown,
				   cm->v2 ? "cgroup2" : "cgroup", flags, cm->options, &e) == 0)
			return 0;
	}
	/* No cgroup namespace, or mounting refused: bind the container's own cgroup. */
	host = ou_path_join(cm->mountpoint, ctx->cgroup_path ? ctx->cgroup_path : "/");
	if (access(host, F_OK) < 0) {
		free(host);
		host = ou_xstrdup(cm->mountpoint);
	}
	return ou_mount_bind_at_fd(host, fd, shown, &o, err);
}

static int mount_cgroup(const struct ou_rootfs_ctx *ctx, int rootfd, const struct ou_mount *m,
			const struct ou_mount_opts *o, struct ou_error **err)
{
	const struct ou_cgroup_mnt *cms = ctx->cgroup_mounts;
	size_t n = ctx->n_cgroup_mounts;
	ou_autoclose int fd = -1;
	ou_autoclose int dirfd = -1;

	if (ou_rootfs_resolve(rootfd, m->destination, OU_RESOLVE_MKDIR, &fd, err) < 0)
		return -1;
	if (n == 1 && cms[0].v2) {
		/* Pure v2: the one hierarchy is /sys/fs/cgroup itself. */
		struct ou_cgroup_mnt one = cms[0];

		one.name = (char *)".";
		return mount_cgroup_hierarchy(ctx, fd, &one, o->flags, m->destination, err);
	}
	if (ou_mount_at_fd("tmpfs", fd, m->destination, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			   "mode=755", err) < 0)
		return -1;
	if (ou_rootfs_resolve(rootfd, m->destination, 0, &dirfd, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (mount_cgroup_hierarchy(ctx, dirfd, &cms[i], o->flags, m->destination, err) < 0)
			return -1;
	if (o->flags & MS_RDONLY)
		return ou_mount_remount_ro(dirfd, m->destination, false, err);
	return 0;
}

/* label: linux.mountLabel, or NULL. */
static int mount_fs(int rootfd, const struct ou_mount *m, const struct ou_mount_opts *o,
		    const char *label, struct ou_error **err)
{
	ou_autoclose int fd = -1;
	ou_autoclose int top = -1;
	ou_autofree char *p = NULL;
	ou_autofree char *labelled = ou_lsm_mount_data(m->type, o->data, label);

	if (ou_rootfs_resolve(rootfd, m->destination, OU_RESOLVE_MKDIR, &fd, err) < 0)
		return -1;
	if (ou_mount_at_fd(m->source ? m->source : m->type, fd, m->destination, m->type, o->flags,
			   labelled != NULL ? labelled : o->data, err) < 0)
		return -1;
	if (o->propagation == 0)
		return 0;
	/* Resolving again from the root finds the new mount, not what it covers. */
	if (ou_rootfs_resolve(rootfd, m->destination, 0, &top, err) < 0)
		return -1;
	p = ou_xasprintf("/proc/self/fd/%d", top);
	return ou_mount_set_propagation(p, o->propagation, err);
}

static const char *mount_label(const struct ou_spec *spec)
{
	return spec->linux_ != NULL ? spec->linux_->mount_label : NULL;
}

/*
 * The kernel mounts sysfs in a user namespace only for a network namespace
 * that user namespace owns.  Without one (a rootless config keeps the
 * host's network), the host's /sys is bound instead, with the options of
 * the entry, as it was the only way to show one; this is said in a warning.
 */
static int mount_sysfs(const struct ou_rootfs_ctx *ctx, int rootfd, const struct ou_mount *m,
		       struct ou_mount_opts *o, struct ou_error **err)
{
	static char host_sys[] = "/sys";
	struct ou_mount bind = *m;
	struct ou_error *e = NULL;

	if (mount_fs(rootfd, m, o, NULL, &e) == 0)
		return 0;
	if (!ctx->userns || e->errnum != EPERM) {
		*err = e;
		return -1;
	}
	ou_error_free(e);
	ou_log_warning("mount sysfs on '%s' refused in the user namespace: binding the host's /sys",
		       m->destination);
	bind.source = host_sys;
	o->bind = true;
	o->rbind = true;
	return mount_bind(ctx, rootfd, &bind, o, err);
}

static int mount_one(const struct ou_rootfs_ctx *ctx, int rootfd, const struct ou_mount *m,
		     struct ou_error **err)
{
	struct ou_mount_opts o;
	int rc;

	ou_mount_opts_parse(&m->options, &o);
	if (o.copy_up)
		rc = ou_error_set(err, OU_E_UNSUPPORTED, 0, "option 'tmpcopyup' is not supported");
	else if (o.bind)
		rc = mount_bind(ctx, rootfd, m, &o, err);
	else if (m->type != NULL && strcmp(m->type, "cgroup") == 0)
		rc = mount_cgroup(ctx, rootfd, m, &o, err);
	else if (m->type == NULL || m->type[0] == '\0')
		rc = ou_error_set(err, OU_E_INVALID, 0, "a mount that is not a bind needs a type");
	else if (strcmp(m->type, "sysfs") == 0)
		rc = mount_sysfs(ctx, rootfd, m, &o, err);
	else
		rc = mount_fs(rootfd, m, &o, mount_label(ctx->spec), err);
	ou_mount_opts_release(&o);
	return rc;
}

struct default_dev {
	const char *name;
	unsigned int major, minor;
};

static const struct default_dev default_devs[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },	 { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static mode_t dev_type_mode(char type)
{
	switch (type) {
	case 'b':
		return S_IFBLK;
	case 'p':
		return S_IFIFO;
	default:
		return S_IFCHR;
	}
}

/*
 * config-linux.md, Devices: a file already at the path that is not the
 * requested device is an error.  Returns 1 if the very device is there.
 */
static int check_existing(int parentfd, const char *name, const struct ou_device *d,
			  struct ou_error **err)
{
	struct stat st;

	if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if ((st.st_mode & S_IFMT) == dev_type_mode(d->type) &&
	    (d->type == 'p' || st.st_rdev == makedev((unsigned)d->major, (unsigned)d->minor)))
		return 1;
	return ou_error_set(err, OU_E_INVALID, EEXIST,
			    "'%s' already exists and is not the requested device", d->path);
}

static int make_device(const struct ou_rootfs_ctx *ctx, int rootfd, const struct ou_device *d,
		       bool replace, struct ou_error **err)
{
	ou_autofree char *dir = ou_xstrdup(d->path);
	ou_autofree char *base = ou_xstrdup(d->path);
	ou_autoclose int parentfd = -1;
	ou_autoclose int fd = -1;
	mode_t mode = (d->has_file_mode ? d->file_mode : 0666) & 07777;
	dev_t dev = makedev((unsigned)d->major, (unsigned)d->minor);
	const char *name;

	if (ou_rootfs_resolve(rootfd, dirname(dir), OU_RESOLVE_MKDIR, &parentfd, err) < 0)
		return -1;
	if (ctx->userns) {
		struct ou_mount_opts o = { .bind = true };

		/* No mknod in a user namespace: bind the host's node instead. */
		if (ou_rootfs_resolve(rootfd, d->path, OU_RESOLVE_MKFILE, &fd, err) < 0)
			return -1;
		return ou_mount_bind_at_fd(d->path, fd, d->path, &o, err);
	}
	name = basename(base);
	if (!replace) {
		int rc = check_existing(parentfd, name, d, err);

		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	unlinkat(parentfd, name, 0);
	if (mknodat(parentfd, name, mode | dev_type_mode(d->type), dev) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "mknod '%s'", d->path);
	if (fchmodat(parentfd, name, mode, 0) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chmod '%s'", d->path);
	if ((d->has_uid || d->has_gid) &&
	    fchownat(parentfd, name, d->has_uid ? d->uid : (uid_t)-1,
		     d->has_gid ? d->gid : (gid_t)-1, AT_SYMLINK_NOFOLLOW) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chown '%s'", d->path);
	return 0;
}

static bool dev_is_host_bind(const struct ou_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct ou_mount *m = &spec->mounts[i];

		if (strcmp(m->destination, "/dev") == 0 && m->source != NULL &&
		    strcmp(m->source, "/dev") == 0)
			return true;
	}
	return false;
}

static int make_devices(const struct ou_rootfs_ctx *ctx, int rootfd, struct ou_error **err)
{
	const struct ou_linux *lx = ctx->spec->linux_;

	if (dev_is_host_bind(ctx->spec))
		return 0;
	for (size_t i = 0; i < sizeof(default_devs) / sizeof(default_devs[0]); i++) {
		ou_autofree char *path = ou_xasprintf("/dev/%s", default_devs[i].name);
		struct ou_device d = {
			.path = path,
			.type = 'c',
			.major = default_devs[i].major,
			.minor = default_devs[i].minor,
			.has_file_mode = true,
			.file_mode = 0666,
			.has_uid = true,
			.has_gid = true,
		};

		if (make_device(ctx, rootfd, &d, true, err) < 0)
			return -1;
	}
	for (size_t i = 0; lx != NULL && i < lx->n_devices; i++) {
		if (make_device(ctx, rootfd, &lx->devices[i], false, err) < 0) {
			ou_error_prefix(err, "linux.devices[%zu]", i);
			return -1;
		}
	}
	return 0;
}

static int make_dev_links(int rootfd, struct ou_error **err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },	 { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "pts/ptmx", "ptmx" },
	};
	ou_autoclose int devfd = -1;

	if (ou_rootfs_resolve(rootfd, "/dev", OU_RESOLVE_MKDIR, &devfd, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (strcmp(links[i][1], "ptmx") == 0)
			unlinkat(devfd, "ptmx", 0);
		if (symlinkat(links[i][0], devfd, links[i][1]) < 0 && errno != EEXIST)
			return ou_error_set(err, OU_E_SYSTEM, errno, "symlink '/dev/%s'",
					    links[i][1]);
	}
	return 0;
}

static unsigned long initial_propagation(const struct ou_spec *spec)
{
	unsigned long prop = 0;
	const char *name = spec->linux_ ? spec->linux_->rootfs_propagation : NULL;

	if (name == NULL || ou_mount_propagation_from_name(name, &prop) < 0)
		return MS_SLAVE | MS_REC;
	/*
	 * pivot_root refuses a shared parent, and an unbindable root cannot be
	 * bound onto itself: start as a slave, set the asked one after pivot.
	 */
	if (prop & (MS_SHARED | MS_UNBINDABLE))
		return MS_SLAVE | MS_REC;
	return prop | MS_REC;
}

/* The runtime made the tree (ou_rootfs_idmap_open): put it in place. */
static int mount_idmapped(int rootfd, const struct ou_mount *m, int tree, struct ou_error **err)
{
	struct ou_mount_opts o;
	ou_autoclose int fd = -1;
	struct stat st;
	int rc;

	if (fstat(tree, &st) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "stat the idmapped mount of '%s'",
				    m->source);
	if (ou_rootfs_resolve(rootfd, m->destination,
			      S_ISDIR(st.st_mode) ? OU_RESOLVE_MKDIR : OU_RESOLVE_MKFILE, &fd,
			      err) < 0)
		return -1;
	ou_mount_opts_parse(&m->options, &o);
	rc = ou_mount_attach_tree(tree, fd, m->destination, &o, err);
	ou_mount_opts_release(&o);
	return rc;
}

static int mount_entry(const struct ou_rootfs_ctx *ctx, int rootfd, size_t i, struct ou_error **err)
{
	const struct ou_mount *m = &ctx->spec->mounts[i];
	int rc;

	if (ou_rootfs_wants_idmap(m)) {
		if (ctx->idmap_trees == NULL || ctx->idmap_trees[i] < 0)
			ou_bug("idmapped mount %zu was not prepared", i);
		rc = mount_idmapped(rootfd, m, ctx->idmap_trees[i], err);
		close(ctx->idmap_trees[i]);
		ctx->idmap_trees[i] = -1;
		return rc;
	}
	if (!ou_union_is_volume_mount(m))
		return mount_one(ctx, rootfd, m, err);
	if (ctx->storage == NULL)
		return ou_error_set(err, OU_E_INVALID, 0, "a volume mount needs a storage root");
	return ou_volume_plan_attach(ctx->storage, rootfd, i, m, err);
}

int ou_rootfs_prepare(const struct ou_rootfs_ctx *ctx, struct ou_error **err)
{
	ou_autoclose int rootfd = -1;

	if (ou_mount_set_propagation("/", initial_propagation(ctx->spec), err) < 0)
		return -1;
	if (ctx->storage != NULL && ou_volume_plan_mount_root(ctx->storage, ctx->rootfs, err) < 0)
		return -1;
	if (ou_mount_raw(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL, err) < 0)
		return -1;
	rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open rootfs '%s'", ctx->rootfs);
	for (size_t i = 0; i < ctx->spec->n_mounts; i++) {
		if (mount_entry(ctx, rootfd, i, err) < 0) {
			ou_error_prefix(err, "mounts[%zu] '%s'", i,
					ctx->spec->mounts[i].destination);
			return -1;
		}
	}
	/* Volumes of org.ociunion.volumes and volumes-from: after the config's. */
	if (ctx->storage != NULL && ou_volume_plan_attach(ctx->storage, rootfd, 0, NULL, err) < 0)
		return -1;
	if (make_devices(ctx, rootfd, err) < 0)
		return -1;
	return make_dev_links(rootfd, err);
}

bool ou_rootfs_wants_idmap(const struct ou_mount *m)
{
	for (size_t i = 0; i < m->options.len; i++)
		if (strcmp(m->options.v[i], "idmap") == 0 || strcmp(m->options.v[i], "ridmap") == 0)
			return true;
	return m->uid_mappings.len > 0 || m->gid_mappings.len > 0;
}

struct idmap_plan {
	const struct ou_spec *spec;
	const char *bundle;
	int container_userns; /* the mapping of the container, made once */
};

/*
 * config.md, idmap: without mappings of its own a mount takes those of the
 * container's user namespace, the one it joins or the one it makes.
 */
static int open_container_userns(struct idmap_plan *p, struct ou_error **err)
{
	const struct ou_linux *lx = p->spec->linux_;
	const struct ou_namespace *user = ou_spec_namespace(p->spec, OU_NS_USER);

	if (p->container_userns >= 0)
		return 0;
	if (user != NULL && user->path != NULL) {
		p->container_userns = open(user->path, O_RDONLY | O_CLOEXEC);
		if (p->container_userns < 0)
			return ou_error_set(err, OU_E_SYSTEM, errno, "open user namespace '%s'",
					    user->path);
		return 0;
	}
	if (lx == NULL || lx->uid_mappings.len == 0 || lx->gid_mappings.len == 0)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "needs linux.uidMappings and linux.gidMappings");
	if (ou_process_userns_fd(&lx->uid_mappings, &lx->gid_mappings, &p->container_userns, err) <
	    0) {
		ou_error_prefix(err, "linux");
		return -1;
	}
	return 0;
}

static int open_idmap_tree(struct idmap_plan *p, const struct ou_mount *m,
			   const struct ou_mount_opts *o, int *out, struct ou_error **err)
{
	ou_autofree char *source = bind_source(p->bundle, m->source);
	ou_autoclose int own_userns = -1;
	int userns;

	if (source == NULL)
		return ou_error_set(err, OU_E_INVALID, 0, "bind mount needs a source");
	if (access(source, F_OK) < 0)
		return ou_error_set(err, OU_E_NOT_FOUND, errno, "bind source '%s'", source);
	if (m->uid_mappings.len > 0) {
		if (ou_process_userns_fd(&m->uid_mappings, &m->gid_mappings, &own_userns, err) < 0)
			return -1;
		userns = own_userns;
	} else {
		if (open_container_userns(p, err) < 0)
			return -1;
		userns = p->container_userns;
	}
	return ou_mount_idmapped_tree(source, o, userns, out, err);
}

/* What asked for the idmapped mount, for messages. */
static const char *idmap_field(const struct ou_mount_opts *o)
{
	if (!o->idmap)
		return "uidMappings";
	return o->recursive_idmap ? "option 'ridmap'" : "option 'idmap'";
}

static int open_idmap_entry(struct idmap_plan *p, size_t i, int *out, struct ou_error **err)
{
	const struct ou_mount *m = &p->spec->mounts[i];
	struct ou_mount_opts o;
	int rc;

	ou_mount_opts_parse(&m->options, &o);
	if (!o.bind || ou_union_is_volume_mount(m))
		rc = ou_error_set(err, OU_E_UNSUPPORTED, 0,
				  "idmapped mounts are only supported for bind mounts");
	else
		rc = open_idmap_tree(p, m, &o, out, err);
	if (rc < 0)
		ou_error_prefix(err, "%s", idmap_field(&o));
	ou_mount_opts_release(&o);
	return rc;
}

int ou_rootfs_idmap_open(const struct ou_spec *spec, const char *bundle, int **trees,
			 struct ou_error **err)
{
	struct idmap_plan p = { .spec = spec, .bundle = bundle, .container_userns = -1 };
	int *t = ou_xcalloc(spec->n_mounts + 1, sizeof(int));
	int rc = 0;

	for (size_t i = 0; i < spec->n_mounts; i++)
		t[i] = -1;
	for (size_t i = 0; i < spec->n_mounts && rc == 0; i++) {
		if (!ou_rootfs_wants_idmap(&spec->mounts[i]))
			continue;
		rc = open_idmap_entry(&p, i, &t[i], err);
		if (rc < 0)
			ou_error_prefix(err, "mounts[%zu] '%s'", i, spec->mounts[i].destination);
	}
	if (p.container_userns >= 0)
		close(p.container_userns);
	if (rc < 0) {
		ou_rootfs_idmap_destroy(t, spec->n_mounts);
		return -1;
	}
	*trees = t;
	return 0;
}

void ou_rootfs_idmap_destroy(int *trees, size_t n)
{
	for (size_t i = 0; trees != NULL && i < n; i++)
		if (trees[i] >= 0)
			close(trees[i]);
	free(trees);
}

int ou_rootfs_pivot(const struct ou_rootfs_ctx *ctx, struct ou_error **err)
{
	return ou_mount_pivot_root(ctx->rootfs, ctx->no_pivot, err);
}

static int mask_path(const char *path, struct ou_error **err)
{
	ou_autoerror struct ou_error *e = NULL;
	ou_autoclose int fd = -1;
	struct stat st;

	if (ou_rootfs_resolve(AT_FDCWD, path, 0, &fd, &e) < 0) {
		if (e->kind == OU_E_NOT_FOUND)
			return 0;
		*err = ou_steal_ptr(&e);
		return -1;
	}
	if (fstat(fd, &st) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "stat '%s'", path);
	if (S_ISDIR(st.st_mode))
		return ou_mount_at_fd("tmpfs", fd, path, "tmpfs", MS_RDONLY, "size=0", err);
	{
		struct ou_mount_opts o = { .bind = true };

		return ou_mount_bind_at_fd("/dev/null", fd, path, &o, err);
	}
}

static int readonly_path(const char *path, struct ou_error **err)
{
	ou_autoerror struct ou_error *e = NULL;
	ou_autoclose int fd = -1;
	ou_autofree char *src = NULL;
	struct ou_mount_opts o = { .bind = true, .rbind = true, .flags = MS_RDONLY };

	if (ou_rootfs_resolve(AT_FDCWD, path, 0, &fd, &e) < 0) {
		if (e->kind == OU_E_NOT_FOUND)
			return 0;
		*err = ou_steal_ptr(&e);
		return -1;
	}
	src = ou_xasprintf("/proc/self/fd/%d", fd);
	return ou_mount_bind_at_fd(src, fd, path, &o, err);
}

static int remount_root_ro(struct ou_error **err)
{
	ou_autoclose int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '/'");
	return ou_mount_remount_ro(fd, "/", false, err);
}

int ou_rootfs_finish(const struct ou_rootfs_ctx *ctx, struct ou_error **err)
{
	const struct ou_linux *lx = ctx->spec->linux_;
	unsigned long prop = 0;

	for (size_t i = 0; lx != NULL && i < lx->masked_paths.len; i++)
		if (mask_path(lx->masked_paths.v[i], err) < 0) {
			ou_error_prefix(err, "linux.maskedPaths[%zu]", i);
			return -1;
		}
	for (size_t i = 0; lx != NULL && i < lx->readonly_paths.len; i++)
		if (readonly_path(lx->readonly_paths.v[i], err) < 0) {
			ou_error_prefix(err, "linux.readonlyPaths[%zu]", i);
			return -1;
		}
	if (ctx->spec->root != NULL && ctx->spec->root->readonly && remount_root_ro(err) < 0)
		return -1;
	if (lx != NULL && lx->rootfs_propagation != NULL &&
	    ou_mount_propagation_from_name(lx->rootfs_propagation, &prop) == 0)
		return ou_mount_set_propagation("/", prop, err);
	return 0;
}
