/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_CAPS_H
#define OU_RUNTIME_CAPS_H

#include <stdbool.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * Capabilities of the container process (config.md, Linux Process).  The
 * only user of libcap.  Names the kernel does not know are logged as
 * warnings and skipped (the spec says runtimes SHOULD NOT fail on them),
 * and so are capabilities the process cannot be granted.
 *
 * The container init calls, in this order:
 *   1. ou_caps_drop_bounding(), still as the namespace's root with
 *      CAP_SETPCAP in its effective set;
 *   2. prctl(PR_SET_KEEPCAPS, 1), so that the permitted set survives
 *      the uid change;
 *   3. setgroups(), setgid(), setuid() to process.user;
 *   4. ou_caps_apply(), which also restores the effective set that the
 *      uid change cleared (PR_SET_KEEPCAPS may be reset afterwards);
 *   5. execve().  For a non-root user only the ambient set survives it
 *      (capabilities(7)); for uid 0 the kernel recomputes the sets.
 * A seccomp filter that needs CAP_SYS_ADMIN (no noNewPrivileges) must be
 * installed before step 4 drops it.
 */

/*
 * Capability number of a capabilities(7) name such as "CAP_CHOWN" (upper
 * case, exact), or -1 if the name is unknown or the running kernel
 * (/proc/sys/kernel/cap_last_cap) does not have it.  Never fails.
 */
int ou_caps_from_name(const char *name);

/*
 * Drop every capability not in caps->bounding from the bounding set.  Call
 * before changing uid, while CAP_SETPCAP is held.  caps NULL: no change.
 * Unknown names are warnings.  A failed drop is OU_E_SYSTEM; the
 * capabilities dropped before it stay dropped.
 */
int ou_caps_drop_bounding(const struct ou_capabilities *caps, struct ou_error **err);

/*
 * Set the effective, permitted and inheritable sets to exactly the listed
 * capabilities (cap_set_proc), then clear the ambient set and raise the
 * listed ambient ones.  Call after the uid change (with PR_SET_KEEPCAPS
 * set across it).  caps NULL: no change.  A capability the kernel would
 * refuse (not in the current permitted set; inheritable outside the
 * bounding set; ambient not both permitted and inheritable) is skipped
 * with a warning.  OU_E_SYSTEM if the sets cannot be read or written; the
 * process capabilities are then unspecified, so the caller must fail.
 */
int ou_caps_apply(const struct ou_capabilities *caps, struct ou_error **err);

/*
 * Parse a list of names into a capability set, for "exec --cap"; the result
 * is added to every set of caps (bounding, effective, inheritable,
 * permitted, ambient), skipping names a set already holds.  The strings
 * are copied; caps keeps owning its lists.  An unknown name is
 * OU_E_INVALID and leaves caps unchanged.
 */
int ou_caps_add_names(struct ou_capabilities *caps, const struct ou_strv *names,
		      struct ou_error **err);

/* Every capability name this kernel has; caller frees the strings and v. */
void ou_caps_known(struct ou_strv *out);

#endif
