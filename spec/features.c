/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "spec/features.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/util.h"

static void key(yajl_gen g, const char *k)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static void str(yajl_gen g, const char *k, const char *v)
{
	key(g, k);
	yajl_gen_string(g, (const unsigned char *)v, strlen(v));
}

static void strv(yajl_gen g, const char *k, const struct ou_strv *v)
{
	key(g, k);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < v->len; i++)
		yajl_gen_string(g, (const unsigned char *)v->v[i], strlen(v->v[i]));
	yajl_gen_array_close(g);
}

static void flag(yajl_gen g, const char *k, bool v)
{
	key(g, k);
	yajl_gen_bool(g, v);
}

static void enabled(yajl_gen g, const char *k, bool v)
{
	key(g, k);
	yajl_gen_map_open(g);
	flag(g, "enabled", v);
	yajl_gen_map_close(g);
}

static void gen_linux(yajl_gen g, const struct ou_features *f)
{
	key(g, "linux");
	yajl_gen_map_open(g);
	strv(g, "namespaces", &f->namespaces);
	strv(g, "capabilities", &f->capabilities);
	key(g, "cgroup");
	yajl_gen_map_open(g);
	flag(g, "v1", f->cgroup_v1);
	flag(g, "v2", f->cgroup_v2);
	flag(g, "systemd", f->cgroup_systemd);
	flag(g, "systemdUser", f->cgroup_systemd_user);
	flag(g, "rdma", f->cgroup_rdma);
	yajl_gen_map_close(g);
	key(g, "seccomp");
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
	key(g, "mountExtensions");
	yajl_gen_map_open(g);
	enabled(g, "idmap", f->idmap);
	yajl_gen_map_close(g);
	enabled(g, "netDevices", f->net_devices);
	yajl_gen_map_close(g);
}

char *ou_features_json(const struct ou_features *f, size_t *len)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf = NULL;
	size_t n = 0;
	char *out;

	if (g == NULL)
		abort();
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	str(g, "ociVersionMin", f->oci_version_min);
	str(g, "ociVersionMax", f->oci_version_max);
	strv(g, "hooks", &f->hooks);
	strv(g, "mountOptions", &f->mount_options);
	gen_linux(g, f);
	key(g, "annotations");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < f->annotations.len; i++)
		str(g, f->annotations.items[i].key, f->annotations.items[i].value);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &n);
	out = ou_xmalloc(n + 1);
	memcpy(out, buf, n);
	out[n] = '\0';
	if (len != NULL)
		*len = n;
	yajl_gen_free(g);
	return out;
}
