/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/container_internal.h"
#include "runtime/layers.h"
#include "runtime/mount.h"
#include "runtime/rootfs.h"
#include "runtime/volume.h"
#include "runtime/volume_store.h"

/*
 * cp between the host and a container's filesystem.  Every container path
 * is resolved inside the container's root (openat2 RESOLVE_IN_ROOT through
 * ou_rootfs_resolve) from a descriptor of that root, and the copy itself
 * works on descriptors with O_NOFOLLOW, so a symlink in the container can
 * never lead the copy to the host's files.
 */

/* "ID:PATH": the ID part has no '/' (so "./a:b" is a host path). */
static bool split_ref(const char *s, char **id, char **path)
{
	const char *colon = strchr(s, ':');

	if (colon == NULL || colon == s || memchr(s, '/', (size_t)(colon - s)) != NULL)
		return false;
	*id = ou_xstrndup(s, (size_t)(colon - s));
	*path = ou_xstrdup(colon[1] != '\0' ? colon + 1 : "/");
	return true;
}

/* Helper child: mount the union in a private mount namespace, pass its root. */
static void overlay_child(int sock, const struct ou_storage_record *r, const char *rootfs)
{
	ou_autoerror struct ou_error *e = NULL;
	ou_autofree const char **top_first = ou_layers_lowerdir_order(&r->layers_bottom_up);
	struct ou_overlay ov = {
		.lower_top_first = top_first,
		.n_lower = r->layers_bottom_up.len,
		.upper = r->upper,
		.work = r->work,
	};
	int fd;

	if (unshare(CLONE_NEWNS) < 0) {
		ou_error_set(&e, OU_E_SYSTEM, errno, "unshare mount namespace");
	} else if (ou_mount_set_propagation("/", MS_PRIVATE | MS_REC, &e) == 0 &&
		   ou_mount_overlay(&ov, rootfs, &e) == 0) {
		fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && ou_send_with_fd(sock, "", 1, fd) == 0)
			_exit(0);
		ou_error_set(&e, OU_E_SYSTEM, errno, "open union root '%s'", rootfs);
	}
	ou_send_with_fd(sock, e->msg, strlen(e->msg) + 1, -1);
	_exit(1);
}

/*
 * The mount namespace of the helper goes away when it exits; the root
 * descriptor keeps the union alive, detached, until it is closed.
 */
static int open_union(const struct ou_storage_record *r, const char *rootfs, int *out,
		      struct ou_error **err)
{
	int sv[2];
	char msg[1024] = "";
	ssize_t n;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "socketpair");
	pid = fork();
	if (pid < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "fork");
	if (pid == 0) {
		close(sv[0]);
		overlay_child(sv[1], r, rootfs);
	}
	close(sv[1]);
	n = ou_recv_with_fd(sv[0], msg, sizeof(msg) - 1, out);
	close(sv[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n > 0 && *out >= 0)
		return 0;
	return ou_error_set(err, OU_E_SYSTEM, 0, "mount the union of the stopped container: %s",
			    n > 0 ? msg : "helper failed");
}

static int open_stopped_root(const struct ou_state *st, int *out, struct ou_error **err)
{
	ou_autoerror struct ou_error *e = NULL;
	struct ou_storage_record r;
	int rc;

	if (st->storage_root != NULL &&
	    ou_volume_record_load(st->storage_root, st->id, &r, &e) == 0) {
		rc = r.layers_bottom_up.len > 0 ? open_union(&r, st->rootfs, out, err) : 1;
		ou_volume_json_record_release(&r);
		if (rc <= 0)
			return rc;
	}
	*out = open(st->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*out < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open rootfs '%s'", st->rootfs);
	return 0;
}

static int open_root(struct ou_ctr *c, int *out, struct ou_error **err)
{
	ou_autofree char *p = NULL;

	if (c->status == OU_STATUS_STOPPED)
		return open_stopped_root(c->st, out, err);
	p = ou_xasprintf("/proc/%d/root", c->st->pid);
	*out = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*out < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open the root of '%s'", c->st->id);
	return 0;
}

static char *base_of(const char *path)
{
	ou_autofree char *copy = ou_xstrdup(path);

	return ou_xstrdup(basename(copy));
}

static char *dir_of(const char *path)
{
	ou_autofree char *copy = ou_xstrdup(path);

	return ou_xstrdup(dirname(copy));
}

/* Where a copy lands: into dest if it is a directory, else as dest. */
static int host_target(const char *dest, const char *name, int *dirfd, char **dname,
		       struct ou_error **err)
{
	struct stat st;
	ou_autofree char *dir = NULL;

	if (stat(dest, &st) == 0 && S_ISDIR(st.st_mode)) {
		dir = ou_xstrdup(dest);
		*dname = ou_xstrdup(name);
	} else {
		dir = dir_of(dest);
		*dname = base_of(dest);
	}
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return ou_error_set(err, OU_E_NOT_FOUND, errno, "destination directory '%s'", dir);
	return 0;
}

static int check_name(const char *name, const char *path, struct ou_error **err)
{
	if (strcmp(name, "/") == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return ou_error_set(err, OU_E_INVALID, 0, "cp: '%s' names no file", path);
	return 0;
}

static int copy_out(int rootfd, const char *path, const char *dest, struct ou_error **err)
{
	ou_autofree char *dir = dir_of(path);
	ou_autofree char *name = base_of(path);
	ou_autofree char *dname = NULL;
	ou_autoclose int sdir = -1;
	ou_autoclose int ddir = -1;

	if (check_name(name, path, err) < 0)
		return -1;
	if (ou_rootfs_resolve(rootfd, dir, 0, &sdir, err) < 0)
		return -1;
	if (faccessat(sdir, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return ou_error_set(err, OU_E_NOT_FOUND, errno, "'%s' in the container", path);
	if (host_target(dest, name, &ddir, &dname, err) < 0)
		return -1;
	return ou_volume_store_copy_entry(sdir, name, ddir, dname, err);
}

/*
 * A file is copied in under a temporary name and renamed over the
 * destination: a copy that fails (a full writable layer) leaves the
 * container's file as it was and no partial one.  A symlink at the
 * destination is refused, as ou_volume_store_copy_entry refuses it.
 */
static int copy_file_in(int sdir, const char *sname, int ddir, const char *dname,
			struct ou_error **err)
{
	ou_autofree char *tmp = ou_xasprintf(".ociunion-cp-%d", (int)getpid());
	struct stat st;
	int e;

	if (fstatat(ddir, dname, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return ou_error_set(err, OU_E_SYSTEM, ELOOP, "create '%s'", dname);
	unlinkat(ddir, tmp, 0);
	if (ou_volume_store_copy_entry(sdir, sname, ddir, tmp, err) < 0) {
		unlinkat(ddir, tmp, 0);
		return -1;
	}
	if (renameat(ddir, tmp, ddir, dname) == 0)
		return 0;
	e = errno;
	unlinkat(ddir, tmp, 0);
	return ou_error_set(err, OU_E_SYSTEM, e, "replace '%s'", dname);
}

static int copy_in(int rootfd, const char *src, const char *path, struct ou_error **err)
{
	ou_autofree char *sdirname = dir_of(src);
	ou_autofree char *sname = base_of(src);
	ou_autofree char *dname = NULL;
	ou_autoclose int sdir = open(sdirname, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ou_autoclose int ddir = -1;
	ou_autoerror struct ou_error *e = NULL;
	struct stat st;

	if (sdir < 0 || fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return ou_error_set(err, OU_E_NOT_FOUND, errno, "source '%s'", src);
	if (ou_rootfs_resolve(rootfd, path, 0, &ddir, &e) == 0 && fstat(ddir, &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		dname = ou_xstrdup(sname);
	} else {
		ou_autofree char *d = dir_of(path);

		if (ddir >= 0)
			close(ddir);
		ddir = -1;
		dname = base_of(path);
		if (check_name(dname, path, err) < 0 ||
		    ou_rootfs_resolve(rootfd, d, 0, &ddir, err) < 0)
			return -1;
	}
	if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		return copy_file_in(sdir, sname, ddir, dname, err);
	return ou_volume_store_copy_entry(sdir, sname, ddir, dname, err);
}

static int do_cp(const struct ou_global_opts *g, const char *id, const char *cpath,
		 const char *host, bool out, struct ou_error **err)
{
	struct ou_ctr *c = NULL;
	ou_autoclose int rootfd = -1;
	int rc;

	if (ou_ctr_open(g, id, &c, err) < 0)
		return -1;
	rc = open_root(c, &rootfd, err);
	if (rc == 0)
		rc = out ? copy_out(rootfd, cpath, host, err) : copy_in(rootfd, host, cpath, err);
	ou_ctr_free(c);
	return rc;
}

int ou_container_cp(const struct ou_global_opts *g, const char *src, const char *dst,
		    struct ou_error **err)
{
	ou_autofree char *sid = NULL;
	ou_autofree char *spath = NULL;
	ou_autofree char *did = NULL;
	ou_autofree char *dpath = NULL;
	bool from = split_ref(src, &sid, &spath);
	bool to = split_ref(dst, &did, &dpath);
	int rc;

	if (from == to)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "cp: exactly one of '%s' and '%s' must be ID:PATH", src, dst);
	rc = from ? do_cp(g, sid, spath, dst, true, err) : do_cp(g, did, dpath, src, false, err);
	if (rc < 0)
		ou_error_prefix(err, "cp '%s'", from ? sid : did);
	return rc;
}
