/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "spec/types.h"

#include <stdlib.h>

#include "runtime/base/util.h"

void ou_strv_push(struct ou_strv *v, char *s)
{
	/*
	 * Grown on every push: a list may come from any reader, allocated
	 * to its exact length, so no spare room can be assumed (doubling at
	 * len 0, 1, 3, 7 wrote past such a list, e.g. the usedBy of a
	 * volume's meta.json read back with 2 users, then one more pushed).
	 */
	v->v = ou_xrealloc(v->v, (v->len + 2) * sizeof(*v->v));
	v->v[v->len++] = s;
	v->v[v->len] = NULL;
}

void ou_strv_release(struct ou_strv *v)
{
	for (size_t i = 0; i < v->len; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->len = 0;
}
