/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_SPEC_STATE_JSON_H
#define OU_SPEC_STATE_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * Render a state as JSON.  With public_only, only the keys of the spec's
 * state (schema/state-schema.json) are written, as "state" prints and hooks
 * read on stdin; otherwise ociunion's private fields follow.  Caller frees.
 */
char *ou_state_json_generate(const struct ou_state *st, bool public_only, size_t *len);

/* Parse a state.json written by ou_state_json_generate(). */
int ou_state_json_parse(const char *json, size_t len, struct ou_state **out,
			struct ou_error **err);

/* Free a state and everything it holds; NULL is fine. */
void ou_state_free(struct ou_state *st);

/* "creating", "created", ... */
const char *ou_status_name(enum ou_status status);

#endif
