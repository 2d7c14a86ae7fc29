/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_SPEC_FEATURES_H
#define OU_SPEC_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

#include "spec/types.h"

/*
 * The features document (features.md, features-linux.md).  The runtime
 * fills it from what its modules really implement; this only renders it.
 */
struct ou_features {
	const char *oci_version_min;
	const char *oci_version_max;
	struct ou_strv hooks;
	struct ou_strv mount_options;
	struct ou_strv namespaces;
	struct ou_strv capabilities;
	bool cgroup_v1, cgroup_v2, cgroup_systemd, cgroup_systemd_user, cgroup_rdma;
	bool seccomp;
	struct ou_strv seccomp_actions;
	struct ou_strv seccomp_operators;
	struct ou_strv seccomp_archs;
	struct ou_strv seccomp_flags; /* known and supported alike */
	bool apparmor, selinux, intel_rdt, idmap, net_devices;
	struct ou_kv_list annotations;
};

/* Render features as indented JSON; caller frees. */
char *ou_features_json(const struct ou_features *f, size_t *len);

#endif
