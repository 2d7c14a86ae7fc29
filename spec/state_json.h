/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_SPEC_STATE_JSON_H
#define OU_SPEC_STATE_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * Render a state as compact JSON.  With public_only, only the keys of the
 * spec's state (schema/state-schema.json) are written, as "state" prints
 * and hooks read on stdin: pid is left out when 0 or stopped, annotations
 * when empty.  Otherwise ociunion's private keys follow ("created",
 * "pidStartTime", "cgroupPath", "rootfs", "configPath", "storageRoot",
 * "systemdCgroup";
 * NULL strings are left out) and a non-zero pid is always kept.  NULL
 * public strings are written as "".  Never fails; the caller frees; *len
 * (if not NULL) is the length.
 */
char *ou_state_json_generate(const struct ou_state *st, bool public_only, size_t *len);

/*
 * The container process state of config-linux.md (seccomp listener): the
 * public state of st with one fd named "seccompFd", and metadata if not
 * NULL.  Caller frees.
 */
char *ou_state_json_process_state(const struct ou_state *st, const char *metadata, size_t *len);

/*
 * Parse a state.json written by ou_state_json_generate(), public or
 * private, into a new state owned by the caller.  Invalid JSON, a missing
 * ociVersion, id, status or bundle, an unknown status or a wrong type is
 * OU_E_INVALID with a message starting "state.json: ".  On failure *out is
 * untouched.
 */
int ou_state_json_parse(const char *json, size_t len, struct ou_state **out, struct ou_error **err);

/* Free a state and everything it holds; NULL is fine. */
void ou_state_free(struct ou_state *st);

/* "creating", "created", "running", "stopped", "paused"; "unknown" otherwise. */
const char *ou_status_name(enum ou_status status);

#endif
