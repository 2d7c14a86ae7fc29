/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_CGROUP_H
#define OU_RUNTIME_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * The container's cgroup on v1, v2 and hybrid hosts.  The layout of the
 * host is detected from /proc/self/mountinfo once per process (never
 * assumed): pure v2 (cgroup2 at the cgroup root), pure v1, or hybrid (v1
 * controllers plus a cgroup2 hierarchy, usually /sys/fs/cgroup/unified,
 * that may hold some controllers or none).
 */

enum ou_cgroup_mode {
	OU_CGROUP_MODE_V1 = 1,
	OU_CGROUP_MODE_V2,
	OU_CGROUP_MODE_HYBRID,
};

struct ou_cgroup;

struct ou_cgroup_stats {
	uint64_t memory_usage;
	uint64_t memory_limit; /* 0: unlimited */
	uint64_t cpu_usage_ns;
	uint64_t pids_current;
	uint64_t pids_limit; /* 0: unlimited */
};

/*
 * For tests: look for hierarchies under this directory instead of reading
 * /proc/self/mountinfo (each subdirectory is taken as a v1 controller
 * mount, "unified" as a cgroup2 hierarchy, or the directory itself as
 * cgroup2 if it holds cgroup.controllers).  The file "<dir>/.self_cgroup"
 * stands in for /proc/self/cgroup ("/" if missing).  Cgroup files are
 * plain files there and are created when written.  NULL restores
 * detection.
 */
void ou_cgroup_set_test_root(const char *dir);

/*
 * Detect the host's cgroup layout (cached for the process).
 * OU_E_UNSUPPORTED if no cgroup hierarchy is mounted, OU_E_SYSTEM if
 * /proc/self/mountinfo cannot be read.
 */
int ou_cgroup_detect(enum ou_cgroup_mode *mode, struct ou_error **err);

/* One cgroup hierarchy mounted on the host. */
struct ou_cgroup_mnt {
	char *mountpoint; /* /sys/fs/cgroup/memory */
	char *name;	  /* the last path part: memory, unified, ... */
	char *options;	  /* v1 super options naming the controllers, or NULL */
	bool v2;
};

/*
 * The host's cgroup mounts, in the order of /proc/self/mountinfo, from the
 * parse that detected the layout (ou_cgroup_detect): the container's
 * /sys/fs/cgroup is made of them.  Owned by the process cache; none with
 * a test root.  Fails as ou_cgroup_detect does.
 */
int ou_cgroup_host_mounts(const struct ou_cgroup_mnt **out, size_t *n, struct ou_error **err);

/*
 * The cgroup mounts listed in the mountinfo file at path (tests use a
 * fixture); the caller frees *out with ou_cgroup_mounts_free.
 * OU_E_SYSTEM if the file cannot be opened; *out is NULL and *n 0 then.
 */
int ou_cgroup_mounts_read(const char *mountinfo, struct ou_cgroup_mnt **out, size_t *n,
			  struct ou_error **err);
void ou_cgroup_mounts_free(struct ou_cgroup_mnt *m, size_t n);

/*
 * The cgroup path of a container, relative to every hierarchy's root:
 * cgroupsPath as given if absolute; a relative cgroupsPath below the
 * runtime's own cgroup ("0::" line of /proc/self/cgroup on pure v2, the
 * name=systemd line, else the first controller's, on v1 and hybrid);
 * "/ociunion/<id>" when absent or empty.  The result is normalised ("."
 * and ".." resolved, no trailing '/').  NULL if ".." would climb above
 * the hierarchy root.  Caller frees.
 */
char *ou_cgroup_path_for(const char *cgroups_path, const char *id);

/*
 * Create the cgroup in every hierarchy that ociunion uses and apply res
 * (may be NULL).  A value the kernel refuses is an error naming the field
 * (e.g. "linux.resources.memory.limit: write 'memory.limit_in_bytes'").
 * A field whose controller is not mounted is OU_E_UNSUPPORTED.  Device
 * rules go to the v1 devices hierarchy where there is one, else into an
 * eBPF device program attached to the cgroup2 directory.  path must be
 * normalised and not "/" (OU_E_INVALID).  With rootless, hierarchies
 * that are not writable are skipped.  A cgroup that exists already is
 * used only if it holds no process (else OU_E_STATE naming its
 * directory); ou_cgroup_is_borrowed() then tells the caller not to
 * destroy it.  On failure every directory this call made is removed
 * again, and only those.  *out is freed with ou_cgroup_free().
 */
int ou_cgroup_create(const char *path, const struct ou_resources *res, bool rootless,
		     struct ou_cgroup **out, struct ou_error **err);

/*
 * True if rootless mode skipped every hierarchy of cg (ou_cgroup_create):
 * the container then has no cgroup of its own.
 */
bool ou_cgroup_is_skipped(const struct ou_cgroup *cg);

/*
 * True if the cgroup's directory existed, empty, in some hierarchy before
 * ou_cgroup_create: the container did not make it, so neither the undo
 * of a failed create nor delete may kill through it or remove it.
 */
bool ou_cgroup_is_borrowed(const struct ou_cgroup *cg);

/*
 * True if path (as for ou_cgroup_create) has a directory in some
 * hierarchy; false also where the layout cannot be detected.
 */
bool ou_cgroup_exists(const char *path);

/* Open the cgroup of an existing container; a missing one is not an error. */
int ou_cgroup_open(const char *path, struct ou_cgroup **out, struct ou_error **err);

/* Move a process into the cgroup in every hierarchy. */
int ou_cgroup_enter(struct ou_cgroup *cg, pid_t pid, struct ou_error **err);

/*
 * A directory fd of the cgroup2 hierarchy's cgroup usable with clone3's
 * CLONE_INTO_CGROUP, or -1.  A cgroup from ou_cgroup_create has one on
 * pure v2 and hybrid hosts, one from ou_cgroup_open on pure v2 only.
 * Owned by cg.
 */
int ou_cgroup_v2_fd(const struct ou_cgroup *cg);

/* In the cloned child: the descriptor served the clone and must not reach the container. */
void ou_cgroup_close_v2_fd(struct ou_cgroup *cg);

/*
 * Called first thing in the process cloned for a cgroup made by
 * ou_cgroup_create: moves the calling process, which must have a single
 * thread, into each v1 hierarchy whose "tasks" file ou_cgroup_create
 * opened, and closes those files.  Writing "0" (the caller's own thread)
 * to "tasks" is the one move for which the kernel does not take its
 * global threadgroup lock, whose RCU grace period made the runtime's
 * write of the pid to cgroup.procs take 5 to 40 ms on a loaded host.
 * OU_E_SYSTEM on failure, with the process in some hierarchies.
 */
int ou_cgroup_join_self(struct ou_cgroup *cg, struct ou_error **err);

/*
 * The runtime's side of the same step, after clone: moves pid into the
 * hierarchies it is not in yet, those whose "tasks" file could not be
 * opened and cgroup2 when ou_cgroup_v2_fd() was -1 at clone time.  Closes
 * the runtime's copies of the "tasks" files.  Call it once.
 */
int ou_cgroup_enter_cloned(struct ou_cgroup *cg, pid_t pid, struct ou_error **err);

/*
 * Apply new resources to a live container (update).  Device rules replace
 * the earlier ones; on cgroup2 the new device program is attached before
 * the old one is detached (see ou_cgroup_bpf_attach()).
 */
int ou_cgroup_update(struct ou_cgroup *cg, const struct ou_resources *res, struct ou_error **err);

/* Freeze (pause) or thaw (resume); waits until the kernel reports it done. */
int ou_cgroup_freeze(struct ou_cgroup *cg, bool frozen, struct ou_error **err);

/* True if the cgroup is frozen. */
bool ou_cgroup_is_frozen(struct ou_cgroup *cg);

/* Host pids of every process in the cgroup; caller frees *pids. */
int ou_cgroup_pids(struct ou_cgroup *cg, pid_t **pids, size_t *n, struct ou_error **err);

/*
 * Send sig to every process in the cgroup.  SIGKILL goes through
 * cgroup.kill where the kernel has it; otherwise each pid is signalled
 * (for SIGKILL, with a v1 freezer frozen around it so nothing forks away).
 */
int ou_cgroup_kill(struct ou_cgroup *cg, int sig, struct ou_error **err);

/* Resource usage for "events --stats". */
int ou_cgroup_stats(struct ou_cgroup *cg, struct ou_cgroup_stats *st, struct ou_error **err);

/*
 * Remove the cgroup from every hierarchy.  Processes still inside are
 * killed with SIGKILL first, and removal waits (bounded, about 2 s per
 * hierarchy) for them to go.  Only the leaf is removed, never a parent.
 * A hierarchy where the cgroup is already gone is fine.
 */
int ou_cgroup_destroy(struct ou_cgroup *cg, struct ou_error **err);

/* Free the handle; touches nothing on disk. */
void ou_cgroup_free(struct ou_cgroup *cg);

#endif
