/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_BASE_UNDO_H
#define OU_BASE_UNDO_H

#include <stddef.h>

#include "runtime/base/error.h"

/*
 * A list of completed system changes (mounts, directories, cgroups) that a
 * failed operation undoes in reverse order (STYLE 3.5).  Each step is a
 * function and an argument it owns; the list frees the argument with
 * free_arg (may be NULL) when the step is run or dropped.
 */
struct ou_undo_step {
	char *what;
	int (*fn)(void *arg, struct ou_error **err);
	void *arg;
	void (*free_arg)(void *arg);
};

struct ou_undo {
	struct ou_undo_step *steps;
	size_t len, cap;
};

void ou_undo_init(struct ou_undo *u);

/* Record a completed step; what names it in a warning if undoing it fails. */
void ou_undo_push(struct ou_undo *u, const char *what, int (*fn)(void *arg, struct ou_error **err),
		  void *arg, void (*free_arg)(void *arg));

/* Undo every step, newest first.  A failing step is logged as a warning. */
void ou_undo_run(struct ou_undo *u);

/* Forget every step without running it (the operation succeeded). */
void ou_undo_release(struct ou_undo *u);

#endif
