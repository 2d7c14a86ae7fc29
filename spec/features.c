/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "spec/features.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/util.h"
#include "spec/json.h"

static void str(yajl_gen g, const char *k, const char *v)
{
	ou_json_gen_str(g, k);
	ou_json_gen_str(g, v);
}

static void strv(yajl_gen g, const char *k, const struct ou_strv *v)
{
	ou_json_gen_str(g, k);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < v->len; i++)
		ou_json_gen_str(g, v->v[i]);
	yajl_gen_array_close(g);
}

static void flag(yajl_gen g, const char *k, bool v)
{
	ou_json_gen_str(g, k);
	yajl_gen_bool(g, v);
}

static void enabled(yajl_gen g, const char *k, bool v)
{
	ou_json_gen_str(g, k);
	yajl_gen_map_open(g);
	flag(g, "enabled", v);
	yajl_gen_map_close(g);
}

static void gen_linux(yajl_gen g, const struct ou_features *f)
{
	ou_json_gen_str(g, "linux");
	yajl_gen_map_open(g);
	strv(g, "namespaces", &f->namespaces);
	strv(g, "capabilities", &f->capabilities);
	ou_json_gen_str(g, "cgroup");
	yajl_gen_map_open(g);
	flag(g, "v1", f->cgroup_v1);
	flag(g, "v2", f->cgroup_v2);
	flag(g, "systemd", f->cgroup_systemd);
	flag(g, "systemdUser", f->cgroup_systemd_user);
	flag(g, "rdma", f->cgroup_rdma);
	yajl_gen_map_close(g);
	ou_json_gen_str(g, "seccomp");
	yajl_gen_map_open(g);
	flag(g, "enabled", f->seccomp);
	strv(g, "actions", &f->seccomp_actions);
	strv(g, "operators", &f->seccomp_operators);
	strv(g, "archs", &f->seccomp_archs);
	strv(g, "knownFlags", &f->seccomp_flags);
	strv(g, "supportedFlags", &f->seccomp_flags);
	yajl_gen_map_close(g);
	enabled(g, "apparmor", f->apparmor);
	enabled(g, "selinux", f->selinux);
	enabled(g, "intelRdt", f->intel_rdt);
	ou_json_gen_str(g, "mountExtensions");
	yajl_gen_map_open(g);
	enabled(g, "idmap", f->idmap);
	yajl_gen_map_close(g);
	enabled(g, "netDevices", f->net_devices);
	yajl_gen_map_close(g);
}

char *ou_features_json(const struct ou_features *f, size_t *len)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		abort();
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	str(g, "ociVersionMin", f->oci_version_min);
	str(g, "ociVersionMax", f->oci_version_max);
	strv(g, "hooks", &f->hooks);
	strv(g, "mountOptions", &f->mount_options);
	gen_linux(g, f);
	ou_json_gen_str(g, "annotations");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < f->annotations.len; i++)
		str(g, f->annotations.items[i].key, f->annotations.items[i].value);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return ou_json_gen_finish(g, false, len);
}
