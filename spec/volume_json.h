/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_SPEC_VOLUME_JSON_H
#define OU_SPEC_VOLUME_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * The JSON documents of the storage root (INTERFACE.md, "Storage layout"):
 * a volume's meta.json, a container's record of its writable layer and
 * volumes, and what "volume inspect" and "volume ls --format json" print.
 */

/* STORAGE/volumes/NAME/meta.json */
struct ou_volume_meta {
	char *name;
	char *created; /* RFC 3339 */
	struct ou_kv_list labels;
	bool anonymous;
	bool filling;		/* a pre-fill started and has not completed */
	bool filled;		/* pre-filled, or found not empty: never filled again */
	struct ou_strv used_by; /* IDs of containers not deleted that mount it */
};

/* One volume a container mounts. */
struct ou_volume_record_entry {
	char *name;
	char *destination;
	bool anonymous;
	bool owned; /* an anonymous volume made for this container */
	bool readonly;
};

/* STORAGE/containers/ID/record.json */
struct ou_storage_record {
	struct ou_strv layers_bottom_up; /* absolute paths */
	char *upper;			 /* NULL without layers */
	char *work;
	bool keep_upper; /* org.ociunion.rootfs.upper: kept at delete */
	bool readonly;	 /* root.readonly */
	char *made_root; /* root.path when create made it: removed at delete */
	size_t n_volumes;
	struct ou_volume_record_entry *volumes;
};

/* Render meta as JSON; never fails; the caller frees; *len if not NULL. */
char *ou_volume_json_meta_generate(const struct ou_volume_meta *meta, size_t *len);

/*
 * Parse a meta.json into *out (release it with ou_volume_json_meta_release).
 * Invalid JSON or a wrong type is OU_E_INVALID; *out is then left empty.
 */
int ou_volume_json_meta_parse(const char *json, size_t len, struct ou_volume_meta *out,
			      struct ou_error **err);

/* Free what meta holds and zero it; touches no disk. */
void ou_volume_json_meta_release(struct ou_volume_meta *meta);

/* Render a record as JSON; never fails; the caller frees. */
char *ou_volume_json_record_generate(const struct ou_storage_record *r, size_t *len);

/* Parse a record.json into *out; as for meta.json. */
int ou_volume_json_record_parse(const char *json, size_t len, struct ou_storage_record *out,
				struct ou_error **err);

/* Free what r holds and zero it; touches no disk. */
void ou_volume_json_record_release(struct ou_storage_record *r);

/*
 * The JSON array "volume inspect" prints: for each volume an object with
 * name, mountpoint (mountpoints[i]), created, labels, anonymous, usedBy.
 * Never fails; the caller frees.
 */
char *ou_volume_json_inspect(const struct ou_volume_meta *metas, const char *const *mountpoints,
			     size_t n);

#endif
