/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_STATE_H
#define OU_RUNTIME_STATE_H

#include <stdbool.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * The state directory of one container, ROOT/ID/: state.json (written
 * atomically), exec.fifo while the container waits for start, and a lock
 * that serializes operations on the container (flock on the directory).
 */
struct ou_state_dir {
	char *path;
	int dirfd; /* O_DIRECTORY, holds the lock */
};

/*
 * Make ROOT/ID and lock it.  The directory is made and locked under a
 * hidden temporary name and renamed into place, so ROOT/ID is never there
 * unlocked.  An existing one is OU_E_STATE "container 'ID' already
 * exists"; on failure nothing is left.
 */
int ou_state_dir_create(const char *root, const char *id, struct ou_state_dir **out,
			struct ou_error **err);

/* Open and lock ROOT/ID; a missing one is OU_E_NOT_FOUND ("... does not exist"). */
int ou_state_dir_open(const char *root, const char *id, struct ou_state_dir **out,
		      struct ou_error **err);

/* Write state.json (temporary file, fsync, rename). */
int ou_state_dir_save(struct ou_state_dir *sd, const struct ou_state *st, struct ou_error **err);

/* Read state.json. */
int ou_state_dir_load(struct ou_state_dir *sd, struct ou_state **out, struct ou_error **err);

/* Remove the directory and everything in it. */
int ou_state_dir_remove(struct ou_state_dir *sd, struct ou_error **err);

/* Unlock and free the handle; nothing on disk changes. */
void ou_state_dir_free(struct ou_state_dir *sd);

/*
 * The status right now: creating while state.json says so (a create in
 * progress, or one that was killed); else a live process (checked against
 * its start time, so a reused pid does not count) is created while
 * exec.fifo exists, paused while its cgroup is frozen, else running; no
 * live process is stopped.
 */
enum ou_status ou_state_dir_status(struct ou_state_dir *sd, const struct ou_state *st);

#endif
