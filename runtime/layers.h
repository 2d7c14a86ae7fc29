/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_LAYERS_H
#define OU_RUNTIME_LAYERS_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * Image layers and the container's writable layer, STORAGE/containers/ID/
 * (INTERFACE.md, "Storage layout"): upper/ and work/ for the overlay, and
 * the record of what the container uses (record.json).
 */

#define OU_LAYERS_RECORD "record.json"

/* The container's directory under the storage root; caller frees. */
char *ou_layers_container_dir(const char *storage_root, const char *id);

/*
 * Resolve the layers (relative ones against bundle) to absolute real
 * paths, keeping the bottom-up order.  A missing layer, one that is not a
 * directory, or one listed twice is OU_E_INVALID ("layer 'x' does not
 * exist").  *out is owned by the caller; nothing is made on disk.
 */
int ou_layers_resolve(const char *bundle, const struct ou_strv *layers_bottom_up,
		      struct ou_strv *out, struct ou_error **err);

/*
 * The one conversion of layer order (STYLE 3.2): image order, the base
 * first, into overlay lowerdir order, the topmost first.  The result is an
 * array of n pointers into layers_bottom_up; the caller frees the array.
 */
const char **ou_layers_lowerdir_order(const struct ou_strv *layers_bottom_up);

/*
 * Make STORAGE/containers/ID/ and, if writable, work/ in it and, unless
 * upper_override is given, upper/ (*upper and *work stay NULL otherwise).  An override must be an
 * existing directory on the filesystem of the storage root (OU_E_INVALID otherwise).  *upper and
 * *work are set to new strings the caller frees.  An existing directory
 * for ID is OU_E_STATE.  On failure nothing is left.
 */
int ou_layers_create(const char *storage_root, const char *id, bool writable,
		     const char *upper_override, char **upper, char **work, struct ou_error **err);

/*
 * Remove STORAGE/containers/ID/ with the writable layer in it; an upper
 * directory given by org.ociunion.rootfs.upper lives elsewhere and stays.
 * A missing directory is success.
 */
int ou_layers_remove(const char *storage_root, const char *id, struct ou_error **err);

/*
 * Record in STORAGE/uppers/ that the container whose state directory is
 * state_dir uses upper, an org.ociunion.rootfs.upper real path.
 * OU_E_INVALID, naming the container, if a container whose state directory
 * still exists holds it; a claim whose state directory is gone is stale
 * and replaced, so a crash never blocks an upper for good.
 */
int ou_layers_claim_upper(const char *storage_root, const char *upper, const char *state_dir,
			  struct ou_error **err);

/* Drop the claim on upper if state_dir holds it; none is success. */
int ou_layers_release_upper(const char *storage_root, const char *upper, const char *state_dir,
			    struct ou_error **err);

#endif
