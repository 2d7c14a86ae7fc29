/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_SECCOMP_H
#define OU_RUNTIME_SECCOMP_H

#include <stddef.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * Seccomp filters (config-linux.md, Seccomp).  The only user of
 * libseccomp.  A filter is compiled to BPF before the container child
 * needs it, so that installing it is a single system call just before
 * execve: the filter may then deny calls the runtime itself uses.
 */

struct ou_seccomp_prog;

/*
 * Compile linux.seccomp into BPF.  Unknown syscall names are skipped with
 * a debug log; an unknown action, architecture, operator or flag is
 * OU_E_INVALID naming the field.
 */
int ou_seccomp_compile(const struct ou_seccomp *sc, struct ou_seccomp_prog **out,
		       struct ou_error **err);

/* True if the program has an SCMP_ACT_NOTIFY rule (needs listenerPath). */
bool ou_seccomp_wants_listener(const struct ou_seccomp_prog *prog);

/*
 * Install the program on the calling thread.  If it has notify rules,
 * *notify_fd receives the listener fd, else -1.  Only system calls, no
 * allocation: safe right before execve.
 */
int ou_seccomp_install(const struct ou_seccomp_prog *prog, int *notify_fd,
		       struct ou_error **err);

/*
 * Send a listener fd to listenerPath (a unix socket) with SCM_RIGHTS, and
 * the container state JSON (with listenerMetadata) as the message, as the
 * spec's "seccomp state" describes.
 */
int ou_seccomp_send_listener(const char *listener_path, int notify_fd, const char *state_json,
			     size_t len, struct ou_error **err);

void ou_seccomp_prog_free(struct ou_seccomp_prog *prog);

#endif
