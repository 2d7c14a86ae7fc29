/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_MOUNT_H
#define OU_RUNTIME_MOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * The only caller of mount(2), umount2(2) and the new mount API.
 * Everything else describes mounts as data and calls these functions.
 */

/* Mount options of config.md "Linux mount options", decoded. */
struct ou_mount_opts {
	unsigned long flags;	   /* MS_RDONLY, MS_NOSUID, ... to set */
	unsigned long clear;	   /* flags an option asked to clear (rw, suid, ...) */
	unsigned long propagation; /* one of MS_SHARED, MS_SLAVE, ... | MS_REC, or 0 */
	uint64_t attr_set;	   /* MOUNT_ATTR_* for mount_setattr (rro, ...) */
	uint64_t attr_clr;
	bool recursive_attr; /* an r* attribute option was given */
	bool bind;
	bool rbind;
	bool idmap;	      /* idmap or ridmap */
	bool recursive_idmap; /* ridmap */
	bool copy_up;	      /* tmpcopyup */
	char *data;	      /* unknown options joined with ',', for the filesystem */
};

/*
 * Decode mount options.  Options ociunion does not know are passed to the
 * filesystem as data, as the spec says for filesystem-specific options.
 */
void ou_mount_opts_parse(const struct ou_strv *options, struct ou_mount_opts *out);
void ou_mount_opts_release(struct ou_mount_opts *o);

/* The mount options ociunion honours, for "features"; free only out->v. */
void ou_mount_option_names(struct ou_strv *out);

/* Parse a rootfsPropagation value into MS_* | MS_REC; -1 if unknown. */
int ou_mount_propagation_from_name(const char *name, unsigned long *out);

/* mount(2) with an error naming source, target and type. */
int ou_mount_raw(const char *source, const char *target, const char *type, unsigned long flags,
		 const char *data, struct ou_error **err);

/*
 * Mount onto the O_PATH fd target_fd (through /proc/self/fd, so that the
 * path cannot be swapped between resolution and mount).  shown_target is
 * used in messages.
 */
int ou_mount_at_fd(const char *source, int target_fd, const char *shown_target, const char *type,
		   unsigned long flags, const char *data, struct ou_error **err);

/*
 * Bind mount (recursively with rec) source onto target_fd, then apply the
 * per-mount flags of o with a remount and, when recursive read-only is
 * asked for (ro on an rbind, or rro), mount_setattr with AT_RECURSIVE.
 */
int ou_mount_bind_at_fd(const char *source, int target_fd, const char *shown_target,
			const struct ou_mount_opts *o, struct ou_error **err);

/*
 * A detached copy of the mount at fd alone, rooted where fd is, without
 * the mounts below it: what a directory holds on its own filesystem.
 * Returns the tree's fd (O_CLOEXEC), owned by the caller; closing it
 * unmounts the copy.  Errors: OU_E_SYSTEM.
 */
int ou_mount_clone_top(int fd, const char *shown, struct ou_error **err);

/*
 * As ou_mount_bind_at_fd, the source an open directory (O_PATH will do)
 * rather than a path, so that what was checked is what gets mounted;
 * shown_source names it in messages.
 */
int ou_mount_bind_fd_at_fd(int source_fd, const char *shown_source, int target_fd,
			   const char *shown_target, const struct ou_mount_opts *o,
			   struct ou_error **err);

/*
 * config.md, Linux mount options idmap and ridmap: clone source (with its
 * submounts for rbind) as a detached tree, apply the per-mount flags of o
 * as ou_mount_bind_at_fd does, then the id mapping of the user namespace
 * userns_fd (to every mount of the tree with o->recursive_idmap, else to
 * its top).  *out gets the tree's fd (O_CLOEXEC), owned by the caller:
 * closing it unmounts the tree.  Must run in the initial user namespace.
 * OU_E_UNSUPPORTED when the kernel lacks idmapped mounts or a filesystem
 * refuses them (EINVAL), else OU_E_SYSTEM; nothing is left on failure.
 */
int ou_mount_idmapped_tree(const char *source, const struct ou_mount_opts *o, int userns_fd,
			   int *out, struct ou_error **err);

/*
 * Attach the detached tree (from ou_mount_idmapped_tree) on target_fd and
 * set the propagation of o.  The tree fd stays the caller's.
 */
int ou_mount_attach_tree(int tree, int target_fd, const char *shown_target,
			 const struct ou_mount_opts *o, struct ou_error **err);

/*
 * Remount the mount at target_fd read-only (keeping its other flags), or
 * change its propagation.
 */
int ou_mount_remount_ro(int target_fd, const char *shown_target, bool recursive,
			struct ou_error **err);
int ou_mount_set_propagation(const char *target, unsigned long propagation, struct ou_error **err);

/* An overlay: read-only layers, the topmost first, under a writable one. */
struct ou_overlay {
	const char *const *lower_top_first;
	size_t n_lower;
	const char *upper; /* NULL: a read-only union of the lower layers */
	const char *work;  /* beside upper, on the same filesystem */
};

/*
 * Mount the overlay ov at target with the new mount API, one "lowerdir+"
 * per layer so that any number of layers fits; where the kernel refuses
 * lowerdir+ (EINVAL) or lacks fsopen, mount(2) with a lowerdir string.
 * OU_E_SYSTEM on failure; nothing is mounted then.
 */
int ou_mount_overlay(const struct ou_overlay *ov, const char *target, struct ou_error **err);

/* Make new_root the root: pivot_root, or with no_pivot move + chroot. */
int ou_mount_pivot_root(const char *new_root, bool no_pivot, struct ou_error **err);

/*
 * Lock the flags of every mount of the caller's mount namespace
 * (read-only, nosuid, nodev, noexec, atime) and make every mount but the
 * root one that cannot be unmounted: the caller moves to a copy of its
 * namespace made through a nested user namespace (runtime/mount.c,
 * "Locked mounts").  Afterwards the caller is in a new mount namespace
 * owned by its own user namespace, at "/" of it.  *why is 0 when the
 * mounts are locked; else the errno for which a helper could not make
 * the nested namespaces (a limit of user or mount namespaces, no fork),
 * and the caller is where it was.  *helper gets the pid of a child the
 * caller must reap with ou_mount_lock_reap (before execve), or -1.
 * Returns -1 with OU_E_SYSTEM if the caller could not move after it
 * began: it may then be in a namespace of the helper's and must give up.
 * Needs CAP_SYS_ADMIN and CAP_SYS_CHROOT in the caller's user namespace;
 * single-threaded callers.
 */
int ou_mount_lock_flags(pid_t *helper, int *why, struct ou_error **err);

/* Wait for the helper of ou_mount_lock_flags; nothing if helper <= 0. */
void ou_mount_lock_reap(pid_t helper);

/* umount2 with MNT_DETACH; a missing mount is not an error. */
int ou_mount_detach(const char *target, struct ou_error **err);

#endif
