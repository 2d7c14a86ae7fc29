/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/trampoline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/base/error.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/process.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/*
 * Limitation (README.md, Limitations): without the program for this
 * architecture, or where memfd_create or execveat is refused, the
 * container's program is executed directly.
 */
static int sealed_copy(void)
{
#ifdef OU_HAVE_TRAMPOLINE
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int fd = memfd_create("ociunion-exec", flags | MFD_EXEC);

	/* Before Linux 6.3 there is no MFD_EXEC, and every memfd may be executed. */
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("ociunion-exec", flags);
	if (fd < 0)
		return -1;
	if (ou_write_all(fd, ou_trampoline_blob, ou_trampoline_blob_len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
#else
	errno = ENOSYS;
	return -1;
#endif
}

void ou_trampoline_prepare(struct ou_trampoline *t, int report_fd, enum ou_trampoline_report mode,
			   const char *path, char *const argv[])
{
	size_t n = 0;

	memset(t, 0, sizeof(*t));
	t->report_fd = report_fd;
	t->fd = sealed_copy();
	if (t->fd < 0) {
#ifdef OU_HAVE_TRAMPOLINE
		ou_log_warning("no sealed copy of the exec trampoline (%s): executing directly",
			       strerror(errno));
#endif
		return;
	}
	while (argv[n] != NULL)
		n++;
	snprintf(t->numbers[0], sizeof(t->numbers[0]), "%d", report_fd);
	snprintf(t->numbers[1], sizeof(t->numbers[1]), "%d", (int)OU_SYNC_ERROR);
	snprintf(t->numbers[2], sizeof(t->numbers[2]), "%d", (int)OU_E_NOT_FOUND);
	snprintf(t->numbers[3], sizeof(t->numbers[3]), "%d", (int)OU_E_SYSTEM);
	t->mode[0] = (char)mode;
	t->argv = ou_xcalloc(n + 8, sizeof(char *));
	t->argv[0] = OU_TRAMPOLINE_MARK;
	t->argv[1] = t->numbers[0];
	t->argv[2] = t->mode;
	t->argv[3] = t->numbers[1];
	t->argv[4] = t->numbers[2];
	t->argv[5] = t->numbers[3];
	t->argv[6] = (char *)path;
	memcpy(t->argv + 7, argv, (n + 1) * sizeof(char *));
}

void ou_trampoline_exec(struct ou_trampoline *t, char *const envp[])
{
	int saved;

	if (t->fd < 0)
		return;
	/* The trampoline needs the report fd, and closes it on exec itself. */
	if (fcntl(t->report_fd, F_SETFD, 0) < 0)
		return;
	syscall(SYS_execveat, t->fd, "", t->argv, envp, AT_EMPTY_PATH);
	saved = errno;
	fcntl(t->report_fd, F_SETFD, FD_CLOEXEC);
	ou_log_warning("exec through the sealed trampoline failed (%s): executing directly",
		       strerror(saved));
	errno = saved;
}
