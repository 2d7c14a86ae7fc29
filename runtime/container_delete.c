/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hooks/hooks.h"
#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/cgroup.h"
#include "runtime/container_internal.h"
#include "runtime/layers.h"
#include "runtime/process.h"
#include "runtime/volume.h"
#include "runtime/volume_store.h"
#include "spec/state_json.h"
#include "spec/union.h"

/*
 * What delete removes lives here, and only here (STYLE 3.5): the container
 * process and everything in its cgroup, the cgroup, the state directory,
 * the writable layer, the container's use of volumes, and with --volumes
 * its own anonymous volumes.  Named volumes and bind sources stay.
 */

static void wait_gone(const struct ou_state *st)
{
	for (int i = 0; i < 5000 && ou_process_is_alive(st->pid, st->pid_start_time); i++)
		ou_sleep_us(1000);
}

static int remove_cgroup(const struct ou_state *st, struct ou_error **err)
{
	struct ou_cgroup *cg = NULL;
	int rc;

	if (st->cgroup_path == NULL)
		return 0;
	/* Create found it there already: someone else made it, and removes it. */
	if (st->cgroup_borrowed) {
		ou_log_debug("cgroup: kept '%s', which the container did not create",
			     st->cgroup_path);
		return 0;
	}
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

void ou_ctr_delete_plan(const struct ou_storage_record *r, bool volumes, struct ou_delete_plan *out)
{
	memset(out, 0, sizeof(*out));
	out->remove_layer = true;
	for (size_t i = 0; i < r->n_volumes; i++) {
		ou_strv_push(&out->release, ou_xstrdup(r->volumes[i].name));
		if (volumes && r->volumes[i].anonymous && r->volumes[i].owned)
			ou_strv_push(&out->remove, ou_xstrdup(r->volumes[i].name));
	}
}

void ou_ctr_delete_plan_release(struct ou_delete_plan *p)
{
	for (size_t i = 0; i < p->release.len; i++)
		free(p->release.v[i]);
	for (size_t i = 0; i < p->remove.len; i++)
		free(p->remove.v[i]);
	free(p->release.v);
	free(p->remove.v);
	memset(p, 0, sizeof(*p));
}

/* A create killed before it made the volume recorded it: nothing to release. */
static int release_volume(struct ou_volume_store *s, const char *name, const char *id,
			  struct ou_error **err)
{
	ou_autoerror struct ou_error *e = NULL;

	if (ou_volume_store_release(s, name, id, &e) == 0)
		return 0;
	if (e->kind == OU_E_NOT_FOUND)
		return 0;
	*err = ou_steal_ptr(&e);
	return -1;
}

static int carry_out(const struct ou_delete_plan *p, const char *root, const char *id,
		     struct ou_error **err)
{
	struct ou_volume_store *s = NULL;
	int rc = 0;

	if (p->release.len == 0 && p->remove.len == 0)
		return p->remove_layer ? ou_layers_remove(root, id, err) : 0;
	if (ou_volume_store_open(root, &s, err) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < p->release.len; i++)
		rc = release_volume(s, p->release.v[i], id, err);
	for (size_t i = 0; rc == 0 && i < p->remove.len; i++) {
		ou_autoerror struct ou_error *e = NULL;

		/* Still mounted by a container that took it with volumes-from. */
		if (ou_volume_store_remove(s, p->remove.v[i], &e) < 0 && e->kind != OU_E_NOT_FOUND)
			ou_log_warning("delete '%s': keep volume '%s': %s", id, p->remove.v[i],
				       e->msg);
	}
	ou_volume_store_free(s);
	if (rc == 0 && p->remove_layer)
		rc = ou_layers_remove(root, id, err);
	return rc;
}

static int remove_storage(struct ou_ctr *c, struct ou_error **err)
{
	ou_autoerror struct ou_error *e = NULL;
	struct ou_storage_record r;
	struct ou_delete_plan p;
	int rc;

	if (c->st->storage_root == NULL)
		return 0;
	if (ou_volume_record_load(c->st->storage_root, c->st->id, &r, &e) < 0) {
		if (e->kind != OU_E_NOT_FOUND && e->kind != OU_E_INVALID) {
			*err = ou_steal_ptr(&e);
			return -1;
		}
		/*
		 * The record is not synced (ou_volume_record_save): a power loss
		 * on a host whose state root is not a tmpfs can leave it empty.
		 * The writable layer still goes; the volumes it names cannot be
		 * released and stay marked as used by this container.
		 */
		if (e->kind == OU_E_INVALID)
			ou_log_warning(
				"delete '%s': storage record unreadable (%s): volumes not released",
				c->st->id, e->msg);
		return ou_layers_remove(c->st->storage_root, c->st->id, err);
	}
	/* A create that never finished: its anonymous volumes go, as its undo would. */
	ou_ctr_delete_plan(&r, c->remove_volumes || c->status == OU_STATUS_CREATING, &p);
	rc = carry_out(&p, c->st->storage_root, c->st->id, err);
	if (rc == 0 && r.keep_upper && r.upper != NULL)
		rc = ou_layers_release_upper(c->st->storage_root, r.upper, c->sd->path, err);
	/* INTERFACE.md: root.path is created if missing; delete takes it back. */
	if (rc == 0 && r.made_root != NULL && rmdir(r.made_root) < 0 && errno != ENOENT)
		ou_log_warning("delete '%s': keep root.path '%s': %s", c->st->id, r.made_root,
			       strerror(errno));
	ou_ctr_delete_plan_release(&p);
	ou_volume_json_record_release(&r);
	return rc;
}

/*
 * A frozen process dies of SIGKILL only once thawed: a paused container is
 * thawed after the signal, so its process runs nothing more.
 */
static void thaw_killed(const struct ou_ctr *c)
{
	ou_autoerror struct ou_error *e = NULL;
	struct ou_cgroup *cg = NULL;

	if (c->status != OU_STATUS_PAUSED || c->st->cgroup_path == NULL)
		return;
	if (ou_cgroup_open(c->st->cgroup_path, &cg, &e) < 0 || ou_cgroup_freeze(cg, false, &e) < 0)
		ou_log_warning("delete '%s': thaw the killed process: %s", c->st->id, e->msg);
	ou_cgroup_free(cg);
}

int ou_ctr_destroy(struct ou_ctr *c, struct ou_error **err)
{
	if (ou_process_is_alive(c->st->pid, c->st->pid_start_time)) {
		kill(c->st->pid, SIGKILL);
		thaw_killed(c);
		wait_gone(c->st);
	}
	if (remove_cgroup(c->st, err) < 0)
		return -1;
	run_poststop(c);
	if (remove_storage(c, err) < 0)
		return -1;
	return ou_state_dir_remove(c->sd, err);
}

/*
 * What a container made, found without its state.json (corrupt, or never
 * written by a create killed early): the cgroup named by the config copy,
 * which holds its processes, and the storage of --storage-root if the
 * config uses storage.  Create makes nothing before the config copy.
 */
static void guess_state(const struct ou_global_opts *g, struct ou_ctr *c, const char *id)
{
	ou_autoerror struct ou_error *e = NULL;
	struct ou_union *un = NULL;
	const char *cgroups_path;

	c->st = ou_xcalloc(1, sizeof(*c->st));
	c->st->id = ou_xstrdup(id);
	/* Not known to be a create that never finished: --volumes decides. */
	c->status = c->st->status = OU_STATUS_STOPPED;
	if (ou_ctr_load_spec(c, &e) < 0) {
		ou_log_warning("delete '%s': no config copy: %s", id, e->msg);
		return;
	}
	cgroups_path = c->spec->linux_ ? c->spec->linux_->cgroups_path : NULL;
	c->st->cgroup_path = ou_cgroup_path_for(cgroups_path, id);
	if (ou_union_parse(c->spec, &un, &e) == 0 && ou_union_uses_storage(un))
		c->st->storage_root =
			ou_xstrdup(g->storage_root ? g->storage_root : "/var/lib/ociunion");
	ou_union_free(un);
}

/* delete --force of a container whose state.json cannot be read. */
static int open_unreadable(const struct ou_global_opts *g, const char *id, struct ou_ctr **out,
			   struct ou_error **err)
{
	struct ou_ctr *c = ou_xcalloc(1, sizeof(*c));
	struct ou_error *e = NULL;

	if (ou_state_dir_open(g->root, id, &c->sd, &e) < 0) {
		ou_ctr_free(c);
		/* containerd deletes with --force what is already gone. */
		if (e->kind == OU_E_NOT_FOUND) {
			ou_error_free(e);
			ou_error_free(*err);
			*err = NULL;
			return 0;
		}
		ou_error_free(*err);
		*err = e;
		return -1;
	}
	ou_log_warning("delete '%s': state.json unreadable (%s): using the config copy", id,
		       (*err)->msg);
	ou_error_free(*err);
	*err = NULL;
	guess_state(g, c, id);
	*out = c;
	return 0;
}

int ou_container_delete(const struct ou_global_opts *g, const char *id, bool force, bool volumes,
			struct ou_error **err)
{
	struct ou_ctr *c = NULL;
	int rc;

	if (ou_ctr_open(g, id, &c, err) < 0) {
		if (!force || ou_container_check_id(id, NULL) < 0)
			return -1;
		if (open_unreadable(g, id, &c, err) < 0)
			return -1;
		if (c == NULL)
			return 0;
	}
	if (c->status != OU_STATUS_STOPPED && c->status != OU_STATUS_CREATING && !force) {
		rc = ou_error_set(err, OU_E_STATE, 0,
				  "delete '%s': container is %s: stop it first or use --force", id,
				  ou_status_name(c->status));
		ou_ctr_free(c);
		return rc;
	}
	c->remove_volumes = volumes;
	rc = ou_ctr_destroy(c, err);
	ou_ctr_free(c);
	if (rc < 0)
		ou_error_prefix(err, "delete '%s'", id);
	return rc;
}
