/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_SPEC_VALIDATE_H
#define OU_SPEC_VALIDATE_H

#include <stdbool.h>

#include "runtime/base/error.h"
#include "spec/types.h"

enum ou_validate_flags {
	OU_VALIDATE_NEED_PROCESS = (1 << 0), /* run and start need process */
};

/*
 * Semantic checks that need no system calls beyond stat of the bundle:
 * process.cwd absolute, args non-empty, rlimits known and not repeated,
 * namespaces not repeated, mount destinations absolute, and the like.
 * Values allowed by the spec that ociunion does not implement are
 * OU_E_UNSUPPORTED (config.md, Valid values); others are OU_E_INVALID.
 * Messages name the JSON path, as the parser's do.
 */
int ou_validate_spec(const struct ou_spec *spec, unsigned int flags, struct ou_error **err);

#endif
