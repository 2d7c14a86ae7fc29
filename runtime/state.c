/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "runtime/cgroup.h"
#include "runtime/process.h"
#include "spec/state_json.h"

static int lock_dir(struct ou_state_dir *sd, const char *id, struct ou_error **err)
{
	struct stat st;

	if (flock(sd->dirfd, LOCK_EX) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "lock container '%s'", id);
	/* Deleted while we waited for the lock. */
	if (fstat(sd->dirfd, &st) < 0 || st.st_nlink == 0)
		return ou_error_set(err, OU_E_NOT_FOUND, 0, "container '%s' %s", id,
				    OU_MSG_NOT_EXIST);
	return 0;
}

static struct ou_state_dir *new_dir(const char *root, const char *id)
{
	struct ou_state_dir *sd = ou_xcalloc(1, sizeof(*sd));

	sd->path = ou_path_join(root, id);
	sd->dirfd = -1;
	return sd;
}

/*
 * ROOT/ID appears already locked: the directory is made and locked under a
 * temporary name (hidden: list skips it) and renamed into place.  A
 * delete --force racing with create thus finds nothing, or waits for the
 * lock; it can no longer remove the directory between mkdir and flock.
 */
static int make_locked(struct ou_state_dir *sd, const char *root, const char *id,
		       struct ou_error **err)
{
	ou_autofree char *tmp = ou_path_join(root, ".creating-XXXXXX");

	if (mkdtemp(tmp) == NULL)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create state directory for '%s'", id);
	sd->dirfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sd->dirfd < 0) {
		ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", tmp);
		goto out_rmdir;
	}
	if (flock(sd->dirfd, LOCK_EX) < 0) {
		ou_error_set(err, OU_E_SYSTEM, errno, "lock container '%s'", id);
		goto out_rmdir;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, sd->path, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			ou_error_set(err, OU_E_STATE, 0, "container '%s' already exists", id);
		else
			ou_error_set(err, OU_E_SYSTEM, errno, "create state directory for '%s'",
				     id);
		goto out_rmdir;
	}
	return 0;
out_rmdir:
	rmdir(tmp);
	return -1;
}

int ou_state_dir_create(const char *root, const char *id, struct ou_state_dir **out,
			struct ou_error **err)
{
	struct ou_state_dir *sd = NULL;

	if (ou_mkdir_p(root, 0700, err) < 0)
		return -1;
	sd = new_dir(root, id);
	if (make_locked(sd, root, id, err) < 0) {
		ou_state_dir_free(sd);
		return -1;
	}
	*out = sd;
	return 0;
}

int ou_state_dir_open(const char *root, const char *id, struct ou_state_dir **out,
		      struct ou_error **err)
{
	struct ou_state_dir *sd = new_dir(root, id);

	sd->dirfd = open(sd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sd->dirfd < 0) {
		int e = errno;

		ou_state_dir_free(sd);
		if (e == ENOENT)
			return ou_error_set(err, OU_E_NOT_FOUND, 0, "container '%s' %s", id,
					    OU_MSG_NOT_EXIST);
		return ou_error_set(err, OU_E_SYSTEM, e, "open state of container '%s'", id);
	}
	if (lock_dir(sd, id, err) < 0) {
		ou_state_dir_free(sd);
		return -1;
	}
	*out = sd;
	return 0;
}

int ou_state_dir_save(struct ou_state_dir *sd, const struct ou_state *st, struct ou_error **err)
{
	ou_autofree char *path = ou_path_join(sd->path, "state.json");
	ou_autofree char *json = NULL;
	size_t len = 0;

	json = ou_state_json_generate(st, false, &len);
	return ou_write_file_atomic(path, json, len, 0600, err);
}

int ou_state_dir_load(struct ou_state_dir *sd, struct ou_state **out, struct ou_error **err)
{
	ou_autofree char *path = ou_path_join(sd->path, "state.json");
	ou_autofree char *json = NULL;
	size_t len = 0;

	if (ou_read_file(path, 1 << 20, &json, &len, err) < 0)
		return -1;
	return ou_state_json_parse(json, len, out, err);
}

int ou_state_dir_remove(struct ou_state_dir *sd, struct ou_error **err)
{
	return ou_remove_tree(sd->path, err);
}

void ou_state_dir_free(struct ou_state_dir *sd)
{
	if (sd == NULL)
		return;
	if (sd->dirfd >= 0)
		close(sd->dirfd);
	free(sd->path);
	free(sd);
}

static bool cgroup_frozen(const struct ou_state *st)
{
	struct ou_cgroup *cg = NULL;
	ou_autoerror struct ou_error *e = NULL;
	bool frozen;

	if (st->cgroup_path == NULL || ou_cgroup_open(st->cgroup_path, &cg, &e) < 0)
		return false;
	frozen = ou_cgroup_is_frozen(cg);
	ou_cgroup_free(cg);
	return frozen;
}

enum ou_status ou_state_dir_status(struct ou_state_dir *sd, const struct ou_state *st)
{
	struct stat s;

	/* A create that never finished, whether or not its process lives. */
	if (st->status == OU_STATUS_CREATING)
		return OU_STATUS_CREATING;
	if (st->pid <= 0 || !ou_process_is_alive(st->pid, st->pid_start_time))
		return OU_STATUS_STOPPED;
	if (fstatat(sd->dirfd, "exec.fifo", &s, 0) == 0)
		return OU_STATUS_CREATED;
	if (cgroup_frozen(st))
		return OU_STATUS_PAUSED;
	return OU_STATUS_RUNNING;
}
