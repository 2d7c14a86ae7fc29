/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <signal.h>

#include "runtime/base/util.h"
#include "runtime/cgroup.h"
#include "runtime/container_internal.h"
#include "spec/state_json.h"

static int kill_all(const struct ou_state *st, bool stopped, int sig, struct ou_error **err)
{
	struct ou_cgroup *cg = NULL;
	int rc;

	/*
	 * Rootless without a writable cgroup: the container's processes
	 * cannot be found, so only its pid 1 is signalled (in a pid namespace
	 * of its own, SIGKILL to it ends all of them).  A stopped one's pid
	 * may belong to another process by now.
	 */
	if (st->cgroup_path == NULL) {
		if (!stopped && kill(st->pid, sig) < 0 && errno != ESRCH)
			return ou_error_set(err, OU_E_SYSTEM, errno, "kill '%s'", st->id);
		return 0;
	}
	if (ou_cgroup_open(st->cgroup_path, &cg, err) < 0)
		return -1;
	rc = ou_cgroup_kill(cg, sig, err);
	ou_cgroup_free(cg);
	return rc;
}

int ou_container_kill(const struct ou_global_opts *g, const char *id, int sig, bool all,
		      struct ou_error **err)
{
	struct ou_ctr *c = NULL;
	int rc = 0;

	if (ou_ctr_open(g, id, &c, err) < 0)
		return -1;
	/*
	 * runtime.md, Kill: an error unless the container is created or
	 * running.  --all is not the spec's kill: it signals whatever is still
	 * in the cgroup, and a stopped container without its own pid namespace
	 * can leave processes there once pid 1 is gone (containerd's shim
	 * sends "kill --all ID 9" at that moment).
	 */
	if (c->status == OU_STATUS_CREATING || (c->status == OU_STATUS_STOPPED && !all))
		rc = ou_error_set(err, OU_E_STATE, 0, "kill '%s': %s", id, OU_MSG_NOT_RUNNING);
	else if (all)
		rc = kill_all(c->st, c->status == OU_STATUS_STOPPED, sig, err);
	else if (kill(c->st->pid, sig) < 0)
		rc = ou_error_set(err, OU_E_SYSTEM, errno, "kill '%s'", id);
	ou_ctr_free(c);
	return rc;
}
