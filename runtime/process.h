/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_PROCESS_H
#define OU_RUNTIME_PROCESS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * Creating the container child, and the sync channel between it and the
 * runtime: a SOCK_SEQPACKET socketpair carrying fixed-size messages.  The
 * child cannot hand back an error object, so it sends {kind, errnum, msg}
 * and the parent rebuilds the error (STYLE 3.4).
 */

enum ou_sync_type {
	OU_SYNC_GO = 1,	    /* parent: cgroup and id maps are done, carry on */
	OU_SYNC_HOOKS,	    /* child: namespaces made, run prestart/createRuntime */
	OU_SYNC_HOOKS_DONE, /* parent: those hooks passed */
	OU_SYNC_READY,	    /* child: set up, waiting for start */
	OU_SYNC_ERROR,	    /* child: failed, see the error */
	OU_SYNC_FD,	    /* child: a terminal master fd travels with it */
	OU_SYNC_PID,	    /* intermediate: the pid of the container child */
};

/* Make the socketpair; both ends close-on-exec. */
int ou_sync_pair(int fds[2], struct ou_error **err);

/* Send a message of type with an optional integer value. */
int ou_sync_send(int fd, enum ou_sync_type type, int32_t value, struct ou_error **err);

/* Send an error (from the child). */
void ou_sync_send_error(int fd, const struct ou_error *e);

/* Send a file descriptor with SCM_RIGHTS. */
int ou_sync_send_fd(int fd, enum ou_sync_type type, int payload, struct ou_error **err);

/*
 * Wait for a message of type expect.  An OU_SYNC_ERROR message becomes the
 * child's error in *err; end of file is "container process exited during
 * setup".  If the message carries an fd, *fd_out receives it (may be NULL).
 */
int ou_sync_expect(int fd, enum ou_sync_type expect, int32_t *value, int *fd_out,
		   struct ou_error **err);

/*
 * Wait for the peer to close its end (it exec'd: the socket is
 * close-on-exec) or to send an error, which becomes *err.
 */
int ou_sync_expect_eof(int fd, struct ou_error **err);

/*
 * clone(2) with fork semantics and the given CLONE_NEW* flags; *pid gets
 * the child's pid in the caller's namespace.  Returns 1 in the parent and
 * 0 in the child.  With cgroup_fd >= 0 the child starts in that cgroup
 * (clone3 CLONE_INTO_CGROUP).
 */
int ou_process_clone(unsigned long flags, int cgroup_fd, pid_t *pid, struct ou_error **err);

/*
 * Write /proc/PID/FILE ("uid_map" or "gid_map") from the mappings m, one
 * "containerID hostID size" line each.  OU_E_SYSTEM if the kernel refuses;
 * the caller prefixes the config field.
 */
int ou_process_write_id_map(pid_t pid, const char *file, const struct ou_id_mappings *m,
			    struct ou_error **err);

/*
 * A user namespace holding the mappings uid and gid, for an idmapped
 * mount.  A helper process is cloned into a new user namespace, the
 * runtime writes its maps and opens its /proc/PID/ns/user, and the helper
 * is reaped before this returns.  *out gets the O_RDONLY | O_CLOEXEC fd,
 * owned by the caller.  OU_E_SYSTEM on failure ("uidMappings: write ...");
 * no process or fd is left then.
 */
int ou_process_userns_fd(const struct ou_id_mappings *uid, const struct ou_id_mappings *gid,
			 int *out, struct ou_error **err);

/*
 * Before a long wait: drop from the page tables the pages of the loaded
 * objects' read-only segments (code and constants of ociunion, libc and
 * ld.so), which are never written.  They stay in the page cache.  Every
 * page of code run after the drop is mapped again, with its neighbours
 * (fault-around maps up to 64 KiB of the file per fault; MADV_RANDOM does
 * not change that), so call this last before the wait.  Writable data,
 * heap and stack are left alone.  Failures are ignored: it only saves
 * memory.
 */
void ou_process_drop_clean_pages(void);

/* The start time of pid (field 22 of /proc/PID/stat), 0 if it is gone. */
unsigned long long ou_process_start_time(pid_t pid);

/* True if pid is alive, not a zombie, and started at start_time. */
bool ou_process_is_alive(pid_t pid, unsigned long long start_time);

/* Whether pid is gone, a zombie, or on its way out (in exit). */
bool ou_process_is_exiting(pid_t pid);

/*
 * Wait for pid while forwarding every catchable signal to it; returns its
 * exit status as a shell would (128+N for signal N).  Signals must be
 * blocked by the caller since before the child was made.
 */
int ou_process_wait_forward(pid_t pid, int pty_master, struct ou_error **err);

/* Block all signals (for forwarding), saving the old mask. */
void ou_process_block_signals(sigset_t *old);

#endif
