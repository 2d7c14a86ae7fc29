/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_CAPS_H
#define OU_RUNTIME_CAPS_H

#include <stdbool.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * Capabilities of the container process (config.md, Linux Process).  The
 * only user of libcap.  Names the kernel does not know are logged as
 * warnings and skipped (the spec says runtimes SHOULD NOT fail on them).
 */

/* Capability number of "CAP_CHOWN" etc., or -1. */
int ou_caps_from_name(const char *name);

/*
 * Drop every capability not in caps->bounding from the bounding set.  Call
 * before changing uid, while CAP_SETPCAP is held.  caps NULL: no change.
 */
int ou_caps_drop_bounding(const struct ou_capabilities *caps, struct ou_error **err);

/*
 * Set the effective, permitted and inheritable sets, then raise the
 * ambient ones.  Call after the uid change (with PR_SET_KEEPCAPS set
 * across it).  caps NULL: no change.
 */
int ou_caps_apply(const struct ou_capabilities *caps, struct ou_error **err);

/*
 * Parse a list of names into a capability set, for "exec --cap"; the result
 * is added to every set of caps.  Unknown names are OU_E_INVALID.
 */
int ou_caps_add_names(struct ou_capabilities *caps, const struct ou_strv *names,
		      struct ou_error **err);

#endif
