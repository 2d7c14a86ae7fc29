/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/base/undo.h"

#include <stdlib.h>

#include "runtime/base/log.h"
#include "runtime/base/util.h"

void ou_undo_init(struct ou_undo *u)
{
	u->steps = NULL;
	u->len = 0;
	u->cap = 0;
}

void ou_undo_push(struct ou_undo *u, const char *what, int (*fn)(void *arg, struct ou_error **err),
		  void *arg, void (*free_arg)(void *arg))
{
	if (u->len == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 8;
		u->steps = ou_xrealloc(u->steps, u->cap * sizeof(*u->steps));
	}
	u->steps[u->len].what = ou_xstrdup(what);
	u->steps[u->len].fn = fn;
	u->steps[u->len].arg = arg;
	u->steps[u->len].free_arg = free_arg;
	u->len++;
}

static void drop_step(struct ou_undo_step *s)
{
	if (s->free_arg != NULL)
		s->free_arg(s->arg);
	free(s->what);
}

void ou_undo_run(struct ou_undo *u)
{
	while (u->len > 0) {
		struct ou_undo_step *s = &u->steps[--u->len];
		struct ou_error *err = NULL;

		if (s->fn(s->arg, &err) < 0) {
			char *msg = ou_error_format(err);

			ou_log_warning("undo '%s': %s", s->what, msg);
			free(msg);
			ou_error_free(err);
		}
		drop_step(s);
	}
	ou_undo_release(u);
}

void ou_undo_release(struct ou_undo *u)
{
	for (size_t i = 0; i < u->len; i++)
		drop_step(&u->steps[i]);
	free(u->steps);
	ou_undo_init(u);
}
