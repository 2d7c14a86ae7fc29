/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_BASE_ERROR_H
#define OU_BASE_ERROR_H

#include <stdarg.h>

/* Phrases that engines match in our messages; keep them stable. */
#define OU_MSG_NOT_EXIST      "does not exist"
#define OU_MSG_NOT_RUNNING    "container not running"
#define OU_MSG_EXEC_NOT_FOUND "executable file not found in $PATH"
#define OU_MSG_BUSY	      "container is busy"

enum ou_errkind {
	OU_E_INVALID = 1,
	OU_E_UNSUPPORTED,
	OU_E_NOT_FOUND,
	OU_E_STATE,
	OU_E_SYSTEM,
	OU_E_HOOK,
};

struct ou_error {
	enum ou_errkind kind;
	int errnum;
	char *msg;
};

/*
 * Set *err to a new error of the given kind.  errnum is an errno value or 0;
 * it is rendered once, by ou_error_format().  If *err is already set, the
 * old error is kept and the new one dropped, so the first failure wins.
 * Always returns -1, so that "return ou_error_set(...)" reads naturally.
 */
int ou_error_set(struct ou_error **err, enum ou_errkind kind, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prefix the message of *err with "<context>: ".  Does nothing if unset. */
void ou_error_prefix(struct ou_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Free an error and everything it holds; NULL is fine. */
void ou_error_free(struct ou_error *err);

/* A newly allocated "msg: strerror(errnum)" line; the caller frees it. */
char *ou_error_format(const struct ou_error *err);

/* A stable lower-case name for a kind, for logs and the sync protocol. */
const char *ou_error_kind_name(enum ou_errkind kind);

#endif
