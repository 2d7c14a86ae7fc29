/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_BASE_CLEANUP_H
#define OU_BASE_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime/base/error.h"

/*
 * Cleanup qualifiers for locals that belong to one function (STYLE 3.5).
 * Initialise every such local (NULL or -1) where it is declared.
 */

static inline void ou_cleanup_free(void *p)
{
	free(*(void **)p);
}

static inline void ou_cleanup_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void ou_cleanup_fclose(FILE **f)
{
	if (*f != NULL)
		fclose(*f);
}

static inline void ou_cleanup_closedir(DIR **d)
{
	if (*d != NULL)
		closedir(*d);
}

static inline void ou_cleanup_error(struct ou_error **e)
{
	ou_error_free(*e);
}

#define ou_autofree	__attribute__((cleanup(ou_cleanup_free)))
#define ou_autoclose	__attribute__((cleanup(ou_cleanup_close)))
#define ou_autofclose	__attribute__((cleanup(ou_cleanup_fclose)))
#define ou_autoclosedir __attribute__((cleanup(ou_cleanup_closedir)))
#define ou_autoerror	__attribute__((cleanup(ou_cleanup_error)))

/* Return *p and reset it to NULL: hands ownership to the caller. */
static inline void *ou_steal_ptr(void *p)
{
	void **pp = p;
	void *v = *pp;

	*pp = NULL;
	return v;
}

/* Return *fd and reset it to -1. */
static inline int ou_steal_fd(int *fd)
{
	int v = *fd;

	*fd = -1;
	return v;
}

#endif
