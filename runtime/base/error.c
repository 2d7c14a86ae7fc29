/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/base/util.h"

int ou_error_set(struct ou_error **err, enum ou_errkind kind, int errnum, const char *fmt, ...)
{
	struct ou_error *e;
	va_list ap;

	if (err == NULL || *err != NULL)
		return -1;
	e = ou_xcalloc(1, sizeof(*e));
	e->kind = kind;
	e->errnum = errnum;
	va_start(ap, fmt);
	if (vasprintf(&e->msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	*err = e;
	return -1;
}

void ou_error_prefix(struct ou_error **err, const char *fmt, ...)
{
	char *ctx = NULL;
	char *msg;
	va_list ap;

	if (err == NULL || *err == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		abort();
	va_end(ap);
	msg = ou_xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = msg;
}

void ou_error_free(struct ou_error *err)
{
	if (err == NULL)
		return;
	free(err->msg);
	free(err);
}

char *ou_error_format(const struct ou_error *err)
{
	if (err->errnum != 0)
		return ou_xasprintf("%s: %s", err->msg, strerror(err->errnum));
	return ou_xstrdup(err->msg);
}

const char *ou_error_kind_name(enum ou_errkind kind)
{
	switch (kind) {
	case OU_E_INVALID:
		return "invalid";
	case OU_E_UNSUPPORTED:
		return "unsupported";
	case OU_E_NOT_FOUND:
		return "not-found";
	case OU_E_STATE:
		return "state";
	case OU_E_SYSTEM:
		return "system";
	case OU_E_HOOK:
		return "hook";
	}
	return "unknown";
}
