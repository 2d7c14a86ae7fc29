/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_HOOKS_HOOKS_H
#define OU_HOOKS_HOOKS_H

#include <stddef.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * Runs the hooks of one phase (config.md, POSIX-platform Hooks).  The
 * caller picks the namespace by calling from the right process.
 */

enum ou_hooks_flags {
	/* Log a failing hook as a warning and go on (poststop). */
	OU_HOOKS_CONTINUE = (1 << 0),
};

/*
 * Run each hook of list in order: path executed with args and env (an
 * empty env if none), state_json on its stdin, killed with SIGKILL after
 * its timeout.  The first failing hook stops the phase with an OU_E_HOOK
 * error: "<phase> hook '<path>': exited with status N: <stderr>" or "...:
 * killed by signal N" or "...: timed out after N s".  With
 * OU_HOOKS_CONTINUE every hook runs and failures are warnings.
 */
int ou_hooks_run(const struct ou_hook_list *list, const char *phase, const char *state_json,
		 size_t len, unsigned int flags, struct ou_error **err);

#endif
