/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/container_internal.h"
#include "runtime/lsm.h"
#include "runtime/mount.h"
#include "runtime/seccomp.h"
#include "spec/config.h"
#include "spec/features.h"
#include "spec/listing.h"

static int read_resources(const char *file, struct ou_resources **out, struct ou_error **err)
{
	ou_autofree char *json = NULL;
	size_t len = 0;
	int rc;

	if (strcmp(file, "-") == 0)
		rc = ou_read_all(STDIN_FILENO, &json, &len, err);
	else
		rc = ou_read_file(file, 1 << 24, &json, &len, err);
	if (rc < 0 || ou_config_parse_resources(json, len, out, err) < 0) {
		ou_error_prefix(err, "--resources '%s'", file);
		return -1;
	}
	return 0;
}

static int open_live_cgroup(struct ou_ctr *c, struct ou_cgroup **cg, struct ou_error **err)
{
	if (c->status == OU_STATUS_STOPPED || c->status == OU_STATUS_CREATING)
		return ou_error_set(err, OU_E_STATE, 0, "%s", OU_MSG_NOT_RUNNING);
	/* Rootless without a writable hierarchy: no limits, no statistics. */
	if (c->st->cgroup_path == NULL)
		return ou_error_set(err, OU_E_UNSUPPORTED, 0,
				    "the container has no cgroup (rootless, none was writable)");
	return ou_cgroup_open(c->st->cgroup_path, cg, err);
}

int ou_container_update(const struct ou_global_opts *g, const char *id, const char *resources_file,
			struct ou_error **err)
{
	struct ou_resources *res = NULL;
	struct ou_cgroup *cg = NULL;
	struct ou_ctr *c = NULL;
	int rc = -1;

	if (read_resources(resources_file, &res, err) < 0)
		goto out;
	if (ou_ctr_open(g, id, &c, err) < 0 || open_live_cgroup(c, &cg, err) < 0)
		goto out;
	rc = ou_cgroup_update(cg, res, err);
out:
	if (rc < 0)
		ou_error_prefix(err, "update '%s'", id);
	ou_cgroup_free(cg);
	ou_ctr_free(c);
	ou_resources_free(res);
	return rc;
}

static int print_stats(struct ou_cgroup *cg, const char *id, struct ou_error **err)
{
	struct ou_cgroup_stats st = { 0 };
	struct ou_listing_stats ls;
	ou_autofree char *json = NULL;

	if (ou_cgroup_stats(cg, &st, err) < 0)
		return -1;
	ls.cpu_usage_ns = st.cpu_usage_ns;
	ls.memory_usage = st.memory_usage;
	ls.memory_limit = st.memory_limit;
	ls.pids_current = st.pids_current;
	ls.pids_limit = st.pids_limit;
	json = ou_listing_stats_json(id, &ls, NULL);
	printf("%s\n", json);
	fflush(stdout);
	return 0;
}

/* Still there and alive? The lock is not held between records. */
static bool still_running(const struct ou_global_opts *g, const char *id)
{
	ou_autoerror struct ou_error *e = NULL;
	struct ou_ctr *c = NULL;
	bool live;

	if (ou_ctr_open(g, id, &c, &e) < 0)
		return false;
	live = c->status != OU_STATUS_STOPPED;
	ou_ctr_free(c);
	return live;
}

int ou_container_events(const struct ou_global_opts *g, const char *id, bool stats, int interval,
			struct ou_error **err)
{
	struct ou_cgroup *cg = NULL;
	struct ou_ctr *c = NULL;
	int rc;

	if (ou_ctr_open(g, id, &c, err) < 0)
		return -1;
	rc = open_live_cgroup(c, &cg, err);
	ou_ctr_free(c);
	/* Without --stats: a record every interval until the container stops. */
	while (rc == 0) {
		struct timespec ts = { .tv_sec = interval };

		rc = print_stats(cg, id, err);
		if (rc < 0 || stats)
			break;
		nanosleep(&ts, NULL);
		if (!still_running(g, id))
			break;
	}
	ou_cgroup_free(cg);
	if (rc < 0)
		ou_error_prefix(err, "events '%s'", id);
	return rc;
}

static void fill_features(struct ou_features *f)
{
	static char *hooks[] = { "prestart",
				 "createRuntime",
				 "createContainer",
				 "startContainer",
				 "poststart",
				 "poststop",
				 NULL };
	static char *namespaces[] = { "cgroup", "ipc", "mount", "network", "pid",
				      "user",	"uts", "time",	NULL };

	memset(f, 0, sizeof(*f));
	f->oci_version_min = "1.0.0";
	f->oci_version_max = OU_SPEC_VERSION;
	f->hooks = (struct ou_strv){ 6, hooks };
	f->namespaces = (struct ou_strv){ 8, namespaces };
	ou_mount_option_names(&f->mount_options);
	ou_caps_known(&f->capabilities);
	f->cgroup_v1 = true;
	f->cgroup_v2 = true;
	f->cgroup_rdma = true;
	f->idmap = true;
	f->apparmor = ou_lsm_has_apparmor();
	f->selinux = ou_lsm_has_selinux();
	f->seccomp = true;
	ou_seccomp_features(&f->seccomp_actions, &f->seccomp_operators, &f->seccomp_archs,
			    &f->seccomp_flags);
}

int ou_container_features(struct ou_error **err)
{
	struct ou_features f;
	ou_autofree char *json = NULL;

	(void)err;
	fill_features(&f);
	json = ou_features_json(&f, NULL);
	printf("%s\n", json);
	for (size_t i = 0; i < f.capabilities.len; i++)
		free(f.capabilities.v[i]);
	free(f.capabilities.v);
	free(f.mount_options.v);
	free(f.seccomp_actions.v);
	free(f.seccomp_operators.v);
	free(f.seccomp_archs.v);
	free(f.seccomp_flags.v);
	return 0;
}

const char *ou_container_spec_version(void)
{
	return OU_SPEC_VERSION;
}
