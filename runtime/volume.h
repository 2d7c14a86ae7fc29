/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_VOLUME_H
#define OU_RUNTIME_VOLUME_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"
#include "runtime/base/undo.h"
#include "runtime/mount.h"
#include "spec/types.h"
#include "spec/union.h"
#include "spec/volume_json.h"

/*
 * What a container gets from the storage root: the union root filesystem
 * and the volumes it attaches (named, anonymous, from another container).
 * The plan is built from the config before anything changes on disk,
 * applied by the runtime before the clone, and carried out by the
 * container child inside its mount namespace.
 */

/* One volume mounted into the container. */
struct ou_volume_attach {
	char *name;
	char *destination;
	char *data;	    /* STORAGE/volumes/NAME/_data */
	bool anonymous;	    /* an anonymous volume (own or from another container) */
	bool owned;	    /* an anonymous volume made for this container */
	bool readonly;	    /* volumes-from ID:ro */
	size_t mount_index; /* its entry in spec->mounts, or SIZE_MAX */
};

struct ou_storage_plan {
	char *storage_root;
	struct ou_strv layers_bottom_up; /* absolute */
	const char **lower_top_first;	 /* ou_layers_lowerdir_order of the above */
	char *upper_override;		 /* org.ociunion.rootfs.upper, real path */
	char *upper, *work;		 /* set by apply */
	bool readonly;
	bool rootfs_missing; /* root.path is made by apply */
	size_t n_volumes;
	struct ou_volume_attach *volumes;
};

/*
 * Build the plan of a container from its config: resolve the layers
 * against bundle (OU_E_INVALID for a missing one), choose names for
 * anonymous volumes, look up volumes-from containers under state_root
 * and storage_root (OU_E_NOT_FOUND for an unknown one).  Changes nothing
 * on disk.  Release *out with ou_volume_plan_release, also on failure.
 */
int ou_volume_plan_build(struct ou_storage_plan *out, const struct ou_spec *spec,
			 const struct ou_union *u, const char *bundle, const char *state_root,
			 const char *storage_root, struct ou_error **err);

/* Free what the plan holds; touches no disk. */
void ou_volume_plan_release(struct ou_storage_plan *p);

/*
 * Make what the plan needs for container id: the claim on an
 * org.ociunion.rootfs.upper (ou_layers_claim_upper, for the container's
 * state_dir), root.path if missing, the writable layer, the container's
 * record.json (written before the volumes it lists are made or used), the
 * volumes and their usedBy records.  Each change is pushed on undo, so
 * that a failed create undoes them all.
 */
int ou_volume_plan_apply(struct ou_storage_plan *p, const char *id, const char *rootfs,
			 const char *state_dir, struct ou_undo *undo, struct ou_error **err);

/* Container child: mount the union at rootfs if the plan has layers. */
int ou_volume_plan_mount_root(const struct ou_storage_plan *p, const char *rootfs,
			      struct ou_error **err);

/*
 * Container child: pre-fill and bind-mount the volume of config mount
 * index (options of m apply as for a bind), or with m NULL every volume
 * that comes from no config mount.  rootfd is the root being prepared.
 */
int ou_volume_plan_attach(const struct ou_storage_plan *p, int rootfd, size_t index,
			  const struct ou_mount *m, struct ou_error **err);

/* Read or write STORAGE/containers/ID/record.json; missing: OU_E_NOT_FOUND. */
int ou_volume_record_load(const char *storage_root, const char *id, struct ou_storage_record *r,
			  struct ou_error **err);
int ou_volume_record_save(const char *storage_root, const char *id,
			  const struct ou_storage_record *r, struct ou_error **err);

#endif
