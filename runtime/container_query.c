/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/cgroup.h"
#include "runtime/container_internal.h"
#include "runtime/process.h"
#include "spec/listing.h"
#include "spec/state_json.h"

int ou_container_state_json(const struct ou_global_opts *g, const char *id, char **json,
			    struct ou_error **err)
{
	struct ou_ctr *c = NULL;
	struct ou_state copy;

	if (ou_ctr_open(g, id, &c, err) < 0)
		return -1;
	copy = *c->st;
	copy.status = c->status;
	if (c->status == OU_STATUS_STOPPED)
		copy.pid = 0;
	*json = ou_state_json_generate(&copy, true, NULL);
	ou_ctr_free(c);
	return 0;
}

static int open_cgroup(struct ou_ctr *c, struct ou_cgroup **cg, struct ou_error **err)
{
	/* Rootless without a writable hierarchy: nothing lists the processes. */
	if (c->st->cgroup_path == NULL)
		return ou_error_set(err, OU_E_UNSUPPORTED, 0,
				    "container '%s' has no cgroup (rootless, none was writable)",
				    c->st->id);
	return ou_cgroup_open(c->st->cgroup_path, cg, err);
}

static void print_ps_table(const pid_t *pids, size_t n)
{
	printf("PID\n");
	for (size_t i = 0; i < n; i++)
		printf("%d\n", (int)pids[i]);
}

/*
 * A process already in exit runs nothing more: left out.  One is there
 * after create, the helper that locked the mounts (runtime/mount.c), while
 * it releases the namespaces the container process left.
 */
static size_t drop_exiting(pid_t *pids, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++)
		if (!ou_process_is_exiting(pids[i]))
			pids[kept++] = pids[i];
	return kept;
}

int ou_container_ps(const struct ou_global_opts *g, const char *id, bool json,
		    struct ou_error **err)
{
	struct ou_ctr *c = NULL;
	struct ou_cgroup *cg = NULL;
	pid_t *pids = NULL;
	size_t n = 0;
	int rc;

	if (ou_ctr_open(g, id, &c, err) < 0)
		return -1;
	rc = open_cgroup(c, &cg, err);
	if (rc == 0)
		rc = ou_cgroup_pids(cg, &pids, &n, err);
	if (rc == 0)
		n = drop_exiting(pids, n);
	if (rc == 0 && json) {
		ou_autofree char *out = ou_listing_pids_json(pids, n, NULL);

		printf("%s\n", out);
	} else if (rc == 0) {
		print_ps_table(pids, n);
	}
	free(pids);
	ou_cgroup_free(cg);
	ou_ctr_free(c);
	return rc;
}

/* The user owning path, by name from /etc/passwd, else "#uid". */
static char *owner_name(const char *path)
{
	struct stat st;
	char *name;

	if (stat(path, &st) < 0)
		return ou_xstrdup("");
	name = ou_passwd_name("/etc/passwd", st.st_uid);
	return name != NULL ? name : ou_xasprintf("#%u", st.st_uid);
}

struct listing {
	struct ou_listing_entry *e;
	struct ou_ctr **ctrs;
	char **owners;
	size_t n;
};

static void listing_add(struct listing *l, struct ou_ctr *c)
{
	struct ou_listing_entry *e;

	l->e = ou_xrealloc(l->e, (l->n + 1) * sizeof(*l->e));
	l->ctrs = ou_xrealloc(l->ctrs, (l->n + 1) * sizeof(*l->ctrs));
	l->owners = ou_xrealloc(l->owners, (l->n + 1) * sizeof(*l->owners));
	e = &l->e[l->n];
	l->ctrs[l->n] = c;
	l->owners[l->n] = owner_name(c->sd->path);
	e->oci_version = c->st->oci_version;
	e->id = c->st->id;
	e->pid = c->status == OU_STATUS_STOPPED ? 0 : c->st->pid;
	e->status = ou_status_name(c->status);
	e->bundle = c->st->bundle;
	e->rootfs = c->st->rootfs;
	e->created = c->st->created;
	e->owner = l->owners[l->n];
	l->n++;
}

static void listing_release(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++) {
		ou_ctr_free(l->ctrs[i]);
		free(l->owners[i]);
	}
	free(l->e);
	free(l->ctrs);
	free(l->owners);
}

static void print_list(const struct listing *l, enum ou_list_format format)
{
	if (format == OU_LIST_JSON) {
		ou_autofree char *out = ou_listing_containers_json(l->e, l->n, NULL);

		printf("%s\n", out);
		return;
	}
	if (format == OU_LIST_TABLE)
		printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	for (size_t i = 0; i < l->n; i++) {
		const struct ou_listing_entry *e = &l->e[i];

		if (format == OU_LIST_QUIET)
			printf("%s\n", e->id);
		else
			printf("%-20s %-8d %-10s %-40s %-30s %s\n", e->id, (int)e->pid, e->status,
			       e->bundle, e->created, e->owner);
	}
}

/*
 * A container whose state cannot be read is left out of the listing with a
 * warning (delete --force removes it); one deleted or still being made
 * while list reads the directory is left out without.
 */
static void warn_left_out(const struct ou_error *e)
{
	ou_autofree char *msg = NULL;

	if (e->kind == OU_E_NOT_FOUND || e->errnum == ENOENT)
		return;
	msg = ou_error_format(e);
	ou_log_warning("list: left out %s (delete --force removes it)", msg);
}

int ou_container_list(const struct ou_global_opts *g, enum ou_list_format format,
		      struct ou_error **err)
{
	ou_autoclosedir DIR *d = opendir(g->root);
	struct listing l = { 0 };
	struct dirent *de;

	if (d == NULL && errno != ENOENT)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", g->root);
	while (d != NULL && (de = readdir(d)) != NULL) {
		ou_autoerror struct ou_error *e = NULL;
		struct ou_ctr *c = NULL;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		if (ou_ctr_open(g, de->d_name, &c, &e) == 0)
			listing_add(&l, c);
		else
			warn_left_out(e);
	}
	print_list(&l, format);
	listing_release(&l);
	return 0;
}

int ou_container_pause(const struct ou_global_opts *g, const char *id, bool pause,
		       struct ou_error **err)
{
	struct ou_ctr *c = NULL;
	struct ou_cgroup *cg = NULL;
	enum ou_status want = pause ? OU_STATUS_RUNNING : OU_STATUS_PAUSED;
	int rc;

	if (ou_ctr_open(g, id, &c, err) < 0)
		return -1;
	if (c->status != want)
		rc = ou_error_set(err, OU_E_STATE, 0, "%s '%s': container is %s, not %s",
				  pause ? "pause" : "resume", id, ou_status_name(c->status),
				  ou_status_name(want));
	else if ((rc = open_cgroup(c, &cg, err)) == 0)
		rc = ou_cgroup_freeze(cg, pause, err);
	ou_cgroup_free(cg);
	ou_ctr_free(c);
	return rc;
}
