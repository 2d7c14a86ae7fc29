/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_ROOTFS_H
#define OU_RUNTIME_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * The container's root filesystem, set up by the container child inside
 * its new mount namespace: mounts in config order, devices, /dev links,
 * then pivot_root, masked and read-only paths.
 */

struct ou_storage_plan;

struct ou_rootfs_ctx {
	const struct ou_spec *spec;
	const char *rootfs; /* absolute host path */
	const char *bundle; /* absolute; relative bind sources start here */
	bool userns;	    /* in a new user namespace: no mknod */
	bool cgroupns;	    /* in a new cgroup namespace */
	bool no_pivot;
	const char *cgroup_path; /* the container's cgroup, for cgroup binds */
	/* The host's cgroup mounts (ou_cgroup_host_mounts), for a cgroup mount. */
	const struct ou_cgroup_mnt *cgroup_mounts;
	size_t n_cgroup_mounts;
	/* The union root and the volumes (runtime/volume.h), or NULL. */
	const struct ou_storage_plan *storage;
	/* From ou_rootfs_idmap_open, one per mount; closed once attached. */
	int *idmap_trees;
};

enum ou_rootfs_resolve_flags {
	OU_RESOLVE_MKDIR = (1 << 0),  /* create missing directories */
	OU_RESOLVE_MKFILE = (1 << 1), /* create the last component as an empty file */
};

/*
 * Resolve path inside the tree of rootfd, never leaving it (symlinks and
 * ".." are resolved as if rootfd were "/", openat2 RESOLVE_IN_ROOT), and
 * return an O_PATH fd of the result.  With the create flags, missing
 * components are made (directories 0755, a file 0644).
 */
int ou_rootfs_resolve(int rootfd, const char *path, unsigned int flags, int *out,
		      struct ou_error **err);

/*
 * Whether ou_rootfs_resolve may use openat2 (true at start).  Without it,
 * or after the kernel answered ENOSYS, paths are walked one component at a
 * time with the same rules (runtime/rootfs.c, open_in_root_walk).  Tests
 * turn it off to check that walk.
 */
void ou_rootfs_use_openat2(bool use);

/* True if m asks for an idmapped mount: idmap, ridmap or mappings of its own. */
bool ou_rootfs_wants_idmap(const struct ou_mount *m);

/*
 * Idmapped bind mounts (config.md, Mounts: idmap, ridmap, uidMappings and
 * gidMappings), made by the runtime before the container child is cloned:
 * mount_setattr(MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN in the initial user
 * namespace, which the child, in its own user namespace, has not.  The
 * mapping is the mount's own, else the container's user namespace.
 * *trees gets an array of spec->n_mounts fds, a detached mount tree for
 * each mount that wants one and -1 for the others; the caller owns it
 * (ou_rootfs_idmap_destroy) and ou_rootfs_prepare attaches the trees.
 * Errors name the mount and the option or field: OU_E_UNSUPPORTED for a
 * mount that is not a bind mount and a filesystem or kernel that refuses,
 * OU_E_NOT_FOUND for a missing source, OU_E_INVALID or OU_E_SYSTEM else.
 * On failure nothing is left: no mount, process or fd.
 */
int ou_rootfs_idmap_open(const struct ou_spec *spec, const char *bundle, int **trees,
			 struct ou_error **err);

/* Close the n fds of trees (a tree not attached goes away) and free it. */
void ou_rootfs_idmap_destroy(int *trees, size_t n);

/*
 * Mounts, devices and /dev links below the rootfs, before pivot_root.
 * With a storage plan, the union is first mounted at the rootfs.
 */
int ou_rootfs_prepare(const struct ou_rootfs_ctx *ctx, struct ou_error **err);

/* pivot_root (or move + chroot). */
int ou_rootfs_pivot(const struct ou_rootfs_ctx *ctx, struct ou_error **err);

/* After pivot_root: masked and read-only paths, read-only root, propagation. */
int ou_rootfs_finish(const struct ou_rootfs_ctx *ctx, struct ou_error **err);

#endif
