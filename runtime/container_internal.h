/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_CONTAINER_INTERNAL_H
#define OU_RUNTIME_CONTAINER_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/base/error.h"
#include "runtime/base/undo.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "spec/types.h"

/* What the container_*.c operations share: a container opened and locked. */
struct ou_ctr {
	struct ou_state_dir *sd;
	struct ou_state *st;
	struct ou_spec *spec; /* the config as it was at create (state dir copy) */
	enum ou_status status;
	bool remove_volumes; /* delete --volumes */
};

/* Open, lock and load a container; "container 'ID' does not exist" if absent. */
int ou_ctr_open(const struct ou_global_opts *g, const char *id, struct ou_ctr **out,
		struct ou_error **err);

/* Load the config copy the state directory keeps (for hooks at start and delete). */
int ou_ctr_load_spec(struct ou_ctr *c, struct ou_error **err);

/* Unlock and free. */
void ou_ctr_free(struct ou_ctr *c);

/* The state JSON that hooks read on stdin; caller frees. */
char *ou_ctr_hook_state(const struct ou_state *st, enum ou_status status, size_t *len);

/*
 * Read the exec.fifo of a created container: opening it releases the
 * container process, and what it writes tells whether the user process
 * was exec'd.  Then run the poststart hooks (runtime-spec lifecycle 9).
 */
int ou_ctr_start(struct ou_ctr *c, struct ou_error **err);

/*
 * Destroy a container whose process is gone or being killed: kill what is
 * left, remove the cgroup and the state directory, run poststop hooks
 * (lifecycle 12 and 13).
 */
int ou_ctr_destroy(struct ou_ctr *c, struct ou_error **err);

struct ou_cgroup;
struct ou_seccomp_prog;
struct ou_union;
struct ou_storage_plan;

/* A container being created: by create, and by run in the foreground. */
struct ou_launch {
	const struct ou_global_opts *g;
	const char *id;
	const struct ou_create_opts *o;
	bool foreground; /* run without -d: stays the parent, owns the terminal */
	char *bundle;
	char *rootfs;
	char *cgroup_path;
	struct ou_spec *spec;
	char *config_json; /* the bytes spec was parsed from: the state's copy */
	size_t config_len;
	struct ou_state_dir *sd;
	struct ou_state *st;
	struct ou_cgroup *cg;
	/* The host's cgroup mounts, handed to the child (owned by the cgroup cache). */
	const struct ou_cgroup_mnt *cgroup_mounts;
	size_t n_cgroup_mounts;
	struct ou_seccomp_prog *seccomp;
	struct ou_union *un;		 /* the storage extensions of the config */
	struct ou_storage_plan *storage; /* NULL if the config uses none */
	int *idmap_trees;		 /* ou_rootfs_idmap_open, until the clone */
	struct ou_undo undo;
	int sync[2];
	int console_fd;
	int fifo_dirfd; /* O_PATH state dir for the child: the lock stays ours */
	int pty_master; /* foreground with a terminal: the master we proxy */
	pid_t pid;
	sigset_t oldmask;
};

/* Set up l for create or run. */
void ou_launch_init(struct ou_launch *l, const struct ou_global_opts *g, const char *id,
		    const struct ou_create_opts *o, bool foreground);

/*
 * Create the container of l and leave it "created".  On failure everything
 * made is undone and the container process is gone.
 */
int ou_launch_create(struct ou_launch *l, struct ou_error **err);

/* Free what l holds; on-disk state stays. */
void ou_launch_release(struct ou_launch *l);

/*
 * Receive a seccomp notify fd over the sync socket and send it with the
 * container process state (pid: the process that installed the filter) to
 * linux.seccomp.listenerPath.
 */
int ou_ctr_pass_listener(const struct ou_state *st, const struct ou_spec *spec, pid_t pid,
			 int sync_fd, struct ou_error **err);

struct ou_storage_record;

/* What delete removes from the storage root (STYLE 3.5). */
struct ou_delete_plan {
	bool remove_layer;	/* STORAGE/containers/ID with upper/ and work/ */
	struct ou_strv release; /* volumes whose usedBy record loses the container */
	struct ou_strv remove;	/* anonymous volumes made for it: delete --volumes */
};

/*
 * The plan of what deleting a container with record r removes: its
 * writable layer (never an org.ociunion.rootfs.upper directory, which
 * lives outside it), its use of every volume, and with volumes its own
 * anonymous volumes; never a named volume, never another container's
 * anonymous one.  Release with ou_ctr_delete_plan_release.
 */
void ou_ctr_delete_plan(const struct ou_storage_record *r, bool volumes,
			struct ou_delete_plan *out);
void ou_ctr_delete_plan_release(struct ou_delete_plan *p);

/* Name of the config copy in the state directory. */
#define OU_STATE_CONFIG "config.json"

#endif
