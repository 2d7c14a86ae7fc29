/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_SPEC_UNION_H
#define OU_SPEC_UNION_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * ociunion's storage extensions of config.json (INTERFACE.md, "Storage
 * extensions in config.json"), read from the annotations and the mounts of
 * "type": "volume".  Nothing here touches the disk.
 */

#define OU_UNION_LAYERS	      "org.ociunion.rootfs.layers"
#define OU_UNION_UPPER	      "org.ociunion.rootfs.upper"
#define OU_UNION_VOLUMES      "org.ociunion.volumes"
#define OU_UNION_VOLUMES_FROM "org.ociunion.volumes-from"

/* Where a requested volume comes from. */
enum ou_union_vol_kind {
	OU_UNION_VOL_NAMED = 0, /* a volume mount with a source */
	OU_UNION_VOL_ANON,	/* a volume mount without one */
	OU_UNION_VOL_IMAGE,	/* an org.ociunion.volumes path no mount covers */
};

/* One volume the config asks for. */
struct ou_union_volume {
	enum ou_union_vol_kind kind;
	char *name;	    /* named volumes only, else NULL */
	char *destination;  /* absolute, without trailing slashes */
	size_t mount_index; /* index in spec->mounts; SIZE_MAX for image paths */
};

/* One entry of org.ociunion.volumes-from. */
struct ou_union_from {
	char *id;
	bool readonly;
};

struct ou_union {
	struct ou_strv layers_bottom_up; /* as written: base first, top last */
	char *upper;			 /* org.ociunion.rootfs.upper, or NULL */
	size_t n_volumes;
	struct ou_union_volume *volumes; /* config mounts first, then image paths */
	size_t n_from;
	struct ou_union_from *from;
};

/*
 * Read the extensions of spec into a new *out (the caller frees it with
 * ou_union_free).  An empty layer, a relative volume path, a bad volume
 * name or a malformed volumes-from entry is OU_E_INVALID naming the
 * annotation or the mount.  On failure *out is untouched.
 */
int ou_union_parse(const struct ou_spec *spec, struct ou_union **out, struct ou_error **err);

/* Free u and everything it holds; NULL is fine.  Touches no disk. */
void ou_union_free(struct ou_union *u);

/* True if the config lists image layers. */
bool ou_union_has_layers(const struct ou_union *u);

/* True if the container needs the storage root at all. */
bool ou_union_uses_storage(const struct ou_union *u);

/* True if the mount is of "type": "volume". */
bool ou_union_is_volume_mount(const struct ou_mount *m);

/* Check a volume name: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 255 bytes. */
int ou_union_check_volume_name(const char *name, struct ou_error **err);

#endif
