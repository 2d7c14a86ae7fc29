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
 * Run each hook of list in order: path executed with args (argv[0] is
 * args[0]; path alone if args is empty) and exactly env (an empty
 * environment if none), state_json (len bytes) on its stdin, killed with
 * SIGKILL after its timeout.  The hook gets only fds 0, 1 and 2: its stdout
 * is the runtime's stderr (the runtime's stdout stays clean for engines),
 * its stderr is captured and the last 4 KiB of it go into the error as one
 * line.  A hook that does not read its stdin is fine.  Each hook runs in a
 * process group of its own, and a timeout kills the whole group.  The
 * runtime returns once the hook has exited and been reaped, even if
 * something it started keeps its stderr open.
 *
 * The first failing hook stops the phase with an OU_E_HOOK error:
 * "<phase> hook '<path>': exited with status N: <stderr>" or "...: killed
 * by signal N" or "...: timed out after N s", or "...: execute" with
 * errnum set when execve failed.  OU_E_SYSTEM if a pipe or fork fails.
 * With OU_HOOKS_CONTINUE every hook runs, failures are logged as warnings
 * and the result is 0.  list NULL or empty: nothing to do.
 */
int ou_hooks_run(const struct ou_hook_list *list, const char *phase, const char *state_json,
		 size_t len, unsigned int flags, struct ou_error **err);

#endif
