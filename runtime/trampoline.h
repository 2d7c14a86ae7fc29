/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_TRAMPOLINE_H
#define OU_RUNTIME_TRAMPOLINE_H

/*
 * The exec trampoline (runtime/exec_trampoline.c): the container's program
 * is executed by a tiny program run from a sealed memfd, so that the host's
 * ociunion binary is never what /proc/self/exe names when the container's
 * program starts.  This header is shared with that program: no libc there.
 */

#define OU_TRAMPOLINE_MARK "ociunion-exec-trampoline"
/* The longest error message it sends; the receivers read up to 3072 bytes. */
#define OU_TRAMPOLINE_MSG_MAX 1024

#ifndef OU_TRAMPOLINE_PROGRAM

#include <stddef.h>

/* The trampoline program's bytes (runtime/trampoline_blob.c, generated). */
extern const unsigned char ou_trampoline_blob[];
extern const size_t ou_trampoline_blob_len;

/* Where a failed execve is reported: start's exec.fifo or exec's sync socket. */
enum ou_trampoline_report {
	OU_TRAMPOLINE_FIFO = 'f',
	OU_TRAMPOLINE_SYNC = 's',
};

struct ou_trampoline {
	int fd; /* the sealed memfd, or -1: execute the program directly */
	int report_fd;
	char **argv;
	char numbers[4][16];
	char mode[2];
};

/*
 * Make the sealed copy and its argv for executing path with argv, a
 * failure reported on report_fd: before the seccomp filter, which may deny
 * memfd_create.  Without a copy (an architecture without the program, a
 * kernel that refuses executable memfds) t->fd is -1.
 */
void ou_trampoline_prepare(struct ou_trampoline *t, int report_fd, enum ou_trampoline_report mode,
			   const char *path, char *const argv[]);

/*
 * Execute the trampoline with envp; returns only if that execve failed
 * (then the caller executes the program directly), with errno set.
 */
void ou_trampoline_exec(struct ou_trampoline *t, char *const envp[]);

#endif
#endif
