/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_SECCOMP_H
#define OU_RUNTIME_SECCOMP_H

#include <stdbool.h>
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
 * Compile linux.seccomp into BPF; on success *out is a new program owned
 * by the caller (ou_seccomp_prog_free).  Unknown syscall names are skipped
 * with a debug log, and so are rules whose action equals the default one.
 * errnoRet and defaultErrnoRet default to EPERM for SCMP_ACT_ERRNO and
 * SCMP_ACT_TRACE; set for any other action they are OU_E_INVALID.
 * An unknown action, architecture, operator or flag is OU_E_INVALID naming
 * the field, e.g. "linux.seccomp.syscalls[3].action: unknown action
 * 'SCMP_ACT_FOO'"; so are SCMP_ACT_NOTIFY as the default action and
 * SCMP_ACT_NOTIFY rules without listenerPath.  A spec-listed architecture
 * this libseccomp lacks is OU_E_UNSUPPORTED.
 *
 * args: conditions on distinct indexes are AND-ed in one rule; if one
 * index appears more than once, every condition becomes a rule of its own
 * and they are OR-ed (runc's behaviour, which Docker's profiles rely on).
 * For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the datum.
 *
 * flags are passed to seccomp(2) as they are; SECCOMP_FILTER_FLAG_
 * WAIT_KILLABLE_RECV without a notify rule is ignored with a warning.
 * On failure *out is untouched and nothing is left allocated.
 */
int ou_seccomp_compile(const struct ou_seccomp *sc, struct ou_seccomp_prog **out,
		       struct ou_error **err);

/* True if the program has an SCMP_ACT_NOTIFY rule (needs listenerPath). */
bool ou_seccomp_wants_listener(const struct ou_seccomp_prog *prog);

/*
 * Install the program on the calling thread with seccomp(2).  If it has
 * notify rules, *notify_fd receives the listener fd (close-on-exec, owned
 * by the caller), else -1.  notify_fd may be NULL for a program without
 * notify rules; with them, NULL is OU_E_INVALID and nothing is installed.  The caller has set
 * no_new_privs or holds CAP_SYS_ADMIN.  On success this is one system call and nothing else: no
 * allocation, so it is safe right before execve.  Failure (OU_E_SYSTEM,
 * e.g. EACCES without no_new_privs) allocates the error and installs
 * nothing.  After it, calls the filter denies fail in the caller too, so
 * the notify fd must be passed on with calls the filter lets through.
 */
int ou_seccomp_install(const struct ou_seccomp_prog *prog, int *notify_fd, struct ou_error **err);

/*
 * Send a listener fd to listenerPath (a unix stream socket) with
 * SCM_RIGHTS, and state_json (len bytes, built by the caller: the
 * container process state of config-linux.md, with "fds": ["seccompFd"]
 * and listenerMetadata as "metadata") as the payload, over one new
 * connection that is then closed.  The fd stays open in the caller.
 * OU_E_INVALID if the path does not fit a unix socket address,
 * OU_E_SYSTEM if connecting or sending fails.
 */
int ou_seccomp_send_listener(const char *listener_path, int notify_fd, const char *state_json,
			     size_t len, struct ou_error **err);

/* Free a program from ou_seccomp_compile(); NULL is fine. */
void ou_seccomp_prog_free(struct ou_seccomp_prog *prog);

/*
 * What "features" reports: the actions, operators, architectures and
 * flags that compile and install.  The strings are static; free only each
 * list's v array.
 */
void ou_seccomp_features(struct ou_strv *acts, struct ou_strv *operators, struct ou_strv *archs,
			 struct ou_strv *flags);

#endif
