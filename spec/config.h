/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_SPEC_CONFIG_H
#define OU_SPEC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/* The runtime-spec version ociunion implements and writes in "spec". */
#define OU_SPEC_VERSION "1.3.0"

/*
 * Parse a config.json document into a newly allocated spec owned by the
 * caller.  Unknown keys are ignored (config.md, Extensibility).  A wrong type,
 * a missing required field or an unsupported ociVersion is an OU_E_INVALID
 * error whose message names the JSON path, for example
 * "process.args: must be a non-empty array of strings".  On failure *out is
 * untouched.
 */
int ou_config_parse(const char *json, size_t len, struct ou_spec **out, struct ou_error **err);

/*
 * Read and parse BUNDLE/config.json.  Errors are prefixed "config.json: ".
 * A missing bundle or file is OU_E_NOT_FOUND.
 */
int ou_config_load(const char *bundle, struct ou_spec **out, struct ou_error **err);

/* Free a spec and everything it holds; NULL is fine. */
void ou_spec_free(struct ou_spec *spec);

/* The value of an annotation, or NULL. */
const char *ou_spec_annotation(const struct ou_spec *spec, const char *key);

/* The config.json that "ociunion spec" writes; caller frees. */
char *ou_config_default_json(bool rootless, size_t *len);

/* Namespace type from its config.json name ("pid", "network", ...); -1 if unknown. */
int ou_ns_type_from_name(const char *name);
const char *ou_ns_type_name(enum ou_ns_type type);

#endif
