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
 * Parse a config.json document of len bytes (no NUL inside) into a newly
 * allocated spec owned by the caller.  Unknown keys, including the objects
 * of other platforms, are ignored (config.md, Extensibility); a JSON null
 * counts as absent; a repeated key takes its last value, as in runc.  A
 * wrong type, an out-of-range integer, a missing required field, an
 * ociVersion outside 1.0.0 to 1.3.x (pre-release and build suffixes
 * allowed), invalid JSON or UTF-8, or nesting deeper than 256 levels is an
 * OU_E_INVALID error whose one-line message names the JSON path, for
 * example "process.args: must be a non-empty array of strings" or
 * "mounts[2].destination: must be a string".  Enumerations and paths are
 * checked later by ou_validate_spec().  On failure *out is untouched.
 */
int ou_config_parse(const char *json, size_t len, struct ou_spec **out, struct ou_error **err);

/*
 * Read BUNDLE/config.json (at most 16 MiB) into *data (NUL-terminated,
 * caller frees) and *len, with the errors of ou_config_load below.  Lets
 * a caller parse and keep the very same bytes.
 */
int ou_config_read(const char *bundle, char **data, size_t *len, struct ou_error **err);

/*
 * Read and parse BUNDLE/config.json (at most 16 MiB).  Errors are prefixed
 * "config.json: ".  A missing bundle or file is OU_E_NOT_FOUND ("open
 * '<path>'" with errnum set), a read failure OU_E_SYSTEM, a larger file or
 * a parse error OU_E_INVALID.  On failure *out is untouched.
 */
int ou_config_load(const char *bundle, struct ou_spec **out, struct ou_error **err);

/*
 * Parse a process object on its own (exec --process) or a linux.resources
 * object (update --resources), with the same rules and messages as
 * ou_config_parse (paths start at the object).  Free with the matching
 * function; NULL is fine there.
 */
int ou_config_parse_process(const char *json, size_t len, struct ou_process **out,
			    struct ou_error **err);
int ou_config_parse_resources(const char *json, size_t len, struct ou_resources **out,
			      struct ou_error **err);
void ou_process_free(struct ou_process *p);
void ou_resources_free(struct ou_resources *r);

/* Free a spec and everything it holds; NULL is fine. */
void ou_spec_free(struct ou_spec *spec);

/* The linux.namespaces entry of type t, or NULL; the result belongs to spec. */
const struct ou_namespace *ou_spec_namespace(const struct ou_spec *spec, enum ou_ns_type t);

/* The value of an annotation, or NULL; the result belongs to spec. */
const char *ou_spec_annotation(const struct ou_spec *spec, const char *key);

/*
 * The config.json that "ociunion spec" writes, NUL-terminated and ending
 * in a newline; *len (if not NULL) is its length.  Modelled on "runc spec":
 * "sh" on a terminal in rootfs (read-only), the usual mounts, namespaces
 * pid, network, ipc, uts, mount and cgroup.  With rootless, as "runc spec
 * --rootless": a user namespace mapping root to getuid()/getgid(), no
 * network namespace, /sys bind-mounted, no gid= devpts option and no
 * device cgroup rule.  Never fails; the caller frees.
 */
char *ou_config_default_json(bool rootless, size_t *len);

/* Namespace type from its config.json name ("pid", "network", ...); -1 if unknown. */
int ou_ns_type_from_name(const char *name);

/* The config.json name of a namespace type (a static string). */
const char *ou_ns_type_name(enum ou_ns_type type);

#endif
