/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hooks/hooks.h"
#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/cgroup.h"
#include "runtime/container_internal.h"
#include "runtime/process.h"
#include "spec/state_json.h"

/*
 * What delete removes lives here, and only here (STYLE 3.5): the container
 * process and everything in its cgroup, the cgroup, the state directory.
 */

static void wait_gone(const struct ou_state *st)
{
	struct timespec ts = { 0, 1000000 };

	for (int i = 0; i < 5000 && ou_process_is_alive(st->pid, st->pid_start_time); i++)
		nanosleep(&ts, NULL);
}

static int remove_cgroup(const struct ou_state *st, struct ou_error **err)
{
	struct ou_cgroup *cg = NULL;
	int rc;

	if (st->cgroup_path == NULL)
		return 0;
	if (ou_cgroup_open(st->cgroup_path, &cg, err) < 0)
		return -1;
	rc = ou_cgroup_destroy(cg, err);
	ou_cgroup_free(cg);
	return rc;
}

static void run_poststop(struct ou_ctr *c)
{
	ou_autoerror struct ou_error *e = NULL;
	ou_autofree char *json = NULL;
	size_t len = 0;

	if (ou_ctr_load_spec(c, &e) < 0) {
		ou_log_warning("poststop hooks: %s", e->msg);
		return;
	}
	if (c->spec->hooks == NULL || c->spec->hooks->poststop.len == 0)
		return;
	json = ou_ctr_hook_state(c->st, OU_STATUS_STOPPED, &len);
	ou_hooks_run(&c->spec->hooks->poststop, "poststop", json, len, OU_HOOKS_CONTINUE, &e);
}

int ou_ctr_destroy(struct ou_ctr *c, struct ou_error **err)
{
	if (ou_process_is_alive(c->st->pid, c->st->pid_start_time)) {
		kill(c->st->pid, SIGKILL);
		wait_gone(c->st);
	}
	if (remove_cgroup(c->st, err) < 0)
		return -1;
	run_poststop(c);
	return ou_state_dir_remove(c->sd, err);
}

int ou_container_delete(const struct ou_global_opts *g, const char *id, bool force, bool volumes,
			struct ou_error **err)
{
	struct ou_ctr *c = NULL;
	int rc;

	(void)volumes;
	if (ou_ctr_open(g, id, &c, err) < 0) {
		/* containerd deletes with --force what is already gone. */
		if (force && (*err)->kind == OU_E_NOT_FOUND) {
			ou_error_free(*err);
			*err = NULL;
			return 0;
		}
		return -1;
	}
	if (c->status != OU_STATUS_STOPPED && c->status != OU_STATUS_CREATING && !force) {
		rc = ou_error_set(err, OU_E_STATE, 0,
				  "delete '%s': container is %s: stop it first or use --force", id,
				  ou_status_name(c->status));
		ou_ctr_free(c);
		return rc;
	}
	rc = ou_ctr_destroy(c, err);
	ou_ctr_free(c);
	if (rc < 0)
		ou_error_prefix(err, "delete '%s'", id);
	return rc;
}
