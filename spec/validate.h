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
 * Semantic checks on a parsed spec, without system calls: process.cwd
 * absolute, args non-empty, rlimits known (RLIMIT_*), not repeated and
 * soft <= hard, namespaces not repeated, mount destinations and types not
 * empty (a relative destination is allowed, config.md Mounts), hook paths
 * absolute, device types c/b/u/p and paths absolute, sysctl keys not
 * empty, seccomp actions and operators known, rootfsPropagation,
 * personality domain, timeOffsets clocks, scheduler policy, ioPriority
 * class and hugepage sizes valid; a mount's uidMappings and gidMappings
 * given together, each range non-empty, within 32 bits, not overlapping
 * another and at most 340 of them; idmap or ridmap without mappings of the
 * mount only with a user namespace.  With OU_VALIDATE_NEED_PROCESS a
 * missing process is an error.  Those are OU_E_INVALID.  linux.intelRdt,
 * linux.netDevices and linux.memoryPolicy are valid but not implemented,
 * nor is an idmapped mount that is not a bind mount: OU_E_UNSUPPORTED
 * ("linux.intelRdt is not supported").  Messages name the
 * JSON path, as the parser's do.  The spec is not modified.
 */
int ou_validate_spec(const struct ou_spec *spec, unsigned int flags, struct ou_error **err);

#endif
