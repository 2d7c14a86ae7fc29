/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_INIT_H
#define OU_RUNTIME_INIT_H

#include <signal.h>
#include <stdbool.h>

#include "runtime/base/error.h"
#include "runtime/trampoline.h"
#include "spec/types.h"

struct ou_cgroup;
struct ou_cgroup_mnt;
struct ou_seccomp_prog;
struct ou_storage_plan;

/*
 * Everything the container child needs, prepared by the runtime before the
 * clone; the child gets a copy of the runtime's memory, so the pointers
 * stay valid there.
 */
struct ou_init_args {
	const struct ou_spec *spec;
	const char *id;
	const char *rootfs;	 /* absolute host path */
	const char *bundle;	 /* absolute */
	const char *cgroup_path; /* relative to the hierarchies */
	/* The host's cgroup mounts, for a cgroup mount (ou_cgroup_host_mounts). */
	const struct ou_cgroup_mnt *cgroup_mounts;
	size_t n_cgroup_mounts;
	int sync_fd;	    /* the child's end of the sync socket */
	int state_dirfd;    /* the state directory, for exec.fifo */
	int console_fd;	    /* connected console socket, or -1 */
	bool pty_over_sync; /* no console socket: send the pty to the runtime */
	int preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
	bool map_by_owner;    /* an unprivileged runtime writes our uid_map */
	unsigned long cloned; /* CLONE_NEW* flags the clone already applied */
	const struct ou_seccomp_prog *seccomp;
	const struct ou_storage_plan *storage; /* union root and volumes, or NULL */
	int *idmap_trees;		       /* per mount, ou_rootfs_idmap_open */
	sigset_t sigmask;		       /* the runtime's mask before it blocked everything */
	/* Joined first, before anything else (ou_cgroup_join_self), or NULL. */
	struct ou_cgroup *cgroup;
};

/*
 * Status written to exec.fifo: '0' when start is seen, then log records
 * (ou_log_forward), then maybe an error record.
 */
#define OU_FIFO_STARTED '0'
#define OU_FIFO_LOG	'W'
#define OU_FIFO_ERROR	'E'

/*
 * The container child: sets up namespaces, the root filesystem and the
 * process attributes, reports to the runtime over a->sync_fd, waits for
 * start on exec.fifo and execs process.args.  Never returns: on failure it
 * reports the error and exits 1.
 */
void ou_init_main(const struct ou_init_args *a) __attribute__((noreturn));

/*
 * Join the namespaces given by path in the spec (all but pid, which the
 * runtime joins for the clone).  The user namespace is joined first.
 */
int ou_init_join_namespaces(const struct ou_spec *spec, struct ou_error **err);

/*
 * Process attributes of config.md "Process", shared with exec.  prepare:
 * rlimits, umask, cwd (what may fail on the config; before "created").
 * identity: bounding set, user and groups, capabilities, no_new_privs, and
 * the seccomp filter when it must precede the capability drop (no
 * no_new_privs) or has notify rules; call as late as possible.  Both run
 * inside the container, as root of its user namespace.
 */
int ou_init_process_prepare(const struct ou_process *p, struct ou_error **err);
int ou_init_process_identity(const struct ou_process *p, const struct ou_seccomp_prog *sc,
			     bool userns, int *notify_fd, struct ou_error **err);

/*
 * A filter with notify rules is installed by ou_init_process_identity, and
 * its fd lands in *notify_fd (else -1): send it to the runtime over the
 * sync socket (OU_SYNC_FD) and close it.
 */
int ou_init_send_notify_fd(int sync_fd, int notify_fd, struct ou_error **err);

/*
 * Find args[0] in the container's PATH, install the seccomp filter if
 * no_new_privs is set, and execve it through the exec trampoline
 * (runtime/trampoline.h), whose own failure to execute the program goes
 * to report_fd in the given mode.  Returns only on failure.
 */
int ou_init_exec(const struct ou_process *p, const struct ou_seccomp_prog *sc, int report_fd,
		 enum ou_trampoline_report mode, struct ou_error **err);

#endif
