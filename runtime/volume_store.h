/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_VOLUME_STORE_H
#define OU_RUNTIME_VOLUME_STORE_H

#include <stdbool.h>

#include "runtime/base/error.h"
#include "spec/types.h"
#include "spec/volume_json.h"

/*
 * Volumes on disk: STORAGE/volumes/NAME/_data holds the files and
 * STORAGE/volumes/NAME/meta.json the metadata.  Changes to the metadata
 * are serialised by a lock on STORAGE/volumes (flock), so that several
 * runtimes can share one storage root.
 */
struct ou_volume_store {
	char *dir; /* STORAGE/volumes */
};

#define OU_VOLUME_ANON_LEN 64

/*
 * Open the store below storage_root, making STORAGE/volumes if missing.
 * The caller frees *out with ou_volume_store_free.
 */
int ou_volume_store_open(const char *storage_root, struct ou_volume_store **out,
			 struct ou_error **err);

/* Free the handle; nothing on disk changes.  NULL is fine. */
void ou_volume_store_free(struct ou_volume_store *s);

/* STORAGE/volumes/NAME/_data; the caller frees. */
char *ou_volume_store_data_path(const struct ou_volume_store *s, const char *name);

/*
 * Open STORAGE/volumes/NAME/_data with flags (O_RDONLY, or O_PATH) added
 * to O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, following no symlink below the
 * store: neither NAME nor _data may be one, or the pre-fill would write
 * to, and the container see, a directory outside the storage root.
 * Returns the fd, owned by the caller.  Errors: OU_E_INVALID (a symlink or
 * not a directory), OU_E_NOT_FOUND, OU_E_SYSTEM.
 */
int ou_volume_store_open_data(const struct ou_volume_store *s, const char *name, int flags,
			      struct ou_error **err);

/*
 * A new anonymous volume name: 64 lowercase hex characters from
 * getrandom(2), into buf (at least OU_VOLUME_ANON_LEN + 1 bytes).
 */
int ou_volume_store_anon_name(char *buf, struct ou_error **err);

/*
 * Make volume name with its labels (may be NULL).  With exclusive an
 * existing volume is OU_E_STATE; otherwise it is kept and *created (may be
 * NULL) set to false.  A directory of that name without meta.json (left by
 * a create that was killed) is removed first.  On failure nothing is left.
 */
int ou_volume_store_create(struct ou_volume_store *s, const char *name,
			   const struct ou_kv_list *labels, bool anonymous, bool exclusive,
			   bool *created, struct ou_error **err);

/* Read a volume's metadata into *out; a missing volume is OU_E_NOT_FOUND. */
int ou_volume_store_load(struct ou_volume_store *s, const char *name, struct ou_volume_meta *out,
			 struct ou_error **err);

/* Record that container id uses the volume, or that it no longer does. */
int ou_volume_store_use(struct ou_volume_store *s, const char *name, const char *id,
			struct ou_error **err);
int ou_volume_store_release(struct ou_volume_store *s, const char *name, const char *id,
			    struct ou_error **err);

/*
 * Remove a volume, named or anonymous, with its data.  A volume that a
 * container not deleted uses (usedBy) is refused with OU_E_STATE; a
 * missing one is OU_E_NOT_FOUND.  A directory without meta.json (left by a
 * create that was killed) is removed as a volume would be.
 */
int ou_volume_store_remove(struct ou_volume_store *s, const char *name, struct ou_error **err);

/*
 * The names of all volumes, sorted, leaving out directories without
 * meta.json; the caller releases *out.
 */
int ou_volume_store_list(struct ou_volume_store *s, struct ou_strv *out, struct ou_error **err);

/*
 * Remove every unused anonymous volume, and with all every unused named
 * one too; the names removed are appended to *removed.
 */
int ou_volume_store_prune(struct ou_volume_store *s, bool all, struct ou_strv *removed,
			  struct ou_error **err);

/*
 * Pre-fill volume name from the directory src_dirfd (-1: the image has
 * nothing there) if the volume has never been filled and is empty.  A fill
 * that did not complete is redone; one that completed, or a volume found
 * with content, is never filled again.  Holds a lock on the volume so that
 * concurrent first uses fill once.  Progress goes to stderr if it is a
 * terminal.
 */
int ou_volume_store_fill(struct ou_volume_store *s, const char *name, int src_dirfd,
			 struct ou_error **err);

/*
 * Copy the entry src_name of directory src_dirfd, of any file kind and
 * recursively for directories, to dst_name in dst_dirfd, keeping owner,
 * mode, timestamps, xattrs (not trusted.overlay.*) and hard links.  Never
 * follows a symlink, on either side: a symlink at the destination is
 * refused (ELOOP).  An existing directory is merged into, an existing
 * file replaced.
 */
int ou_volume_store_copy_entry(int src_dirfd, const char *src_name, int dst_dirfd,
			       const char *dst_name, struct ou_error **err);

#endif
