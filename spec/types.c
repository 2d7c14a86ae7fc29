/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "spec/types.h"

#include <stdlib.h>

#include "runtime/base/util.h"

void ou_strv_push(struct ou_strv *v, char *s)
{
	/* Grow at len 0, 1, 3, 7, ...: amortised O(1) per push. */
	if (v->v == NULL || ((v->len + 1) & v->len) == 0)
		v->v = ou_xrealloc(v->v, 2 * (v->len + 1) * sizeof(*v->v));
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
