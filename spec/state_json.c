/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "spec/state_json.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "spec/json.h"

/*
 * state.json, both ways.  The public keys are those of runtime.md "State"
 * (schema/state-schema.json); ociunion's private keys follow them in the
 * file it keeps under --root.
 */

static const char *const status_names[] = {
	[OU_STATUS_CREATING] = "creating", [OU_STATUS_CREATED] = "created",
	[OU_STATUS_RUNNING] = "running",   [OU_STATUS_STOPPED] = "stopped",
	[OU_STATUS_PAUSED] = "paused",
};

const char *ou_status_name(enum ou_status status)
{
	if ((unsigned int)status >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[status];
}

/* A string value; a NULL one is written as "" so the key is always there. */
static void gen_key_str(yajl_gen g, const char *key, const char *value)
{
	ou_json_gen_str(g, key);
	ou_json_gen_str(g, value);
}

static void gen_annotations(yajl_gen g, const struct ou_kv_list *l)
{
	if (l->len == 0)
		return;
	ou_json_gen_str(g, "annotations");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < l->len; i++)
		gen_key_str(g, l->items[i].key, l->items[i].value);
	yajl_gen_map_close(g);
}

static void gen_private(yajl_gen g, const struct ou_state *st)
{
	char num[32];

	if (st->created != NULL)
		gen_key_str(g, "created", st->created);
	/* pidStartTime is a uint64: written as a number string yajl passes through. */
	snprintf(num, sizeof(num), "%llu", st->pid_start_time);
	ou_json_gen_str(g, "pidStartTime");
	yajl_gen_number(g, num, strlen(num));
	if (st->cgroup_path != NULL)
		gen_key_str(g, "cgroupPath", st->cgroup_path);
	if (st->rootfs != NULL)
		gen_key_str(g, "rootfs", st->rootfs);
	if (st->config_path != NULL)
		gen_key_str(g, "configPath", st->config_path);
	if (st->storage_root != NULL)
		gen_key_str(g, "storageRoot", st->storage_root);
	ou_json_gen_str(g, "systemdCgroup");
	yajl_gen_bool(g, st->systemd_cgroup);
	if (st->cgroup_borrowed) {
		ou_json_gen_str(g, "cgroupBorrowed");
		yajl_gen_bool(g, true);
	}
}

/*
 * The public form omits pid when it is 0 or the container is stopped
 * (runtime.md, State: pid is required only when created or running).  The
 * private form always keeps a non-zero pid: with pidStartTime it tells
 * whether the process is still the container's.
 */
static void gen_state(yajl_gen g, const struct ou_state *st, bool public_only)
{
	yajl_gen_map_open(g);
	gen_key_str(g, "ociVersion", st->oci_version);
	gen_key_str(g, "id", st->id);
	gen_key_str(g, "status", ou_status_name(st->status));
	if (st->pid > 0 && (!public_only || st->status != OU_STATUS_STOPPED)) {
		ou_json_gen_str(g, "pid");
		yajl_gen_integer(g, st->pid);
	}
	gen_key_str(g, "bundle", st->bundle);
	gen_annotations(g, &st->annotations);
	if (!public_only)
		gen_private(g, st);
	yajl_gen_map_close(g);
}

char *ou_state_json_generate(const struct ou_state *st, bool public_only, size_t *len)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		abort();
	gen_state(g, st, public_only);
	return ou_json_gen_finish(g, false, len);
}

char *ou_state_json_process_state(const struct ou_state *st, const char *metadata, size_t *len)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		abort();
	yajl_gen_map_open(g);
	gen_key_str(g, "ociVersion", st->oci_version);
	ou_json_gen_str(g, "fds");
	yajl_gen_array_open(g);
	ou_json_gen_str(g, "seccompFd");
	yajl_gen_array_close(g);
	ou_json_gen_str(g, "pid");
	yajl_gen_integer(g, st->pid);
	if (metadata != NULL)
		gen_key_str(g, "metadata", metadata);
	ou_json_gen_str(g, "state");
	gen_state(g, st, true);
	yajl_gen_map_close(g);
	return ou_json_gen_finish(g, false, len);
}

/* Parsing */

/* An unsigned integer of at most max, written as a plain decimal. */
static int get_uint(yajl_val obj, const char *key, uint64_t max, uint64_t *out,
		    struct ou_error **err)
{
	yajl_val v = ou_json_lookup(obj, key);
	char *end;

	if (v == NULL)
		return 0;
	if (!YAJL_IS_NUMBER(v) || v->u.number.r[0] == '-')
		return ou_error_set(err, OU_E_INVALID, 0, "%s: must be a non-negative integer",
				    key);
	errno = 0;
	*out = strtoull(v->u.number.r, &end, 10);
	if (errno != 0 || *end != '\0' || *out > max)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "%s: must be an integer between 0 and %ju", key,
				    (uintmax_t)max);
	return 0;
}

static int get_status(yajl_val obj, enum ou_status *out, struct ou_error **err)
{
	ou_autofree char *s = NULL;

	if (ou_json_get_str(obj, "status", true, &s, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum ou_status)i;
			return 0;
		}
	}
	return ou_error_set(err, OU_E_INVALID, 0, "status: unknown status '%s'", s);
}

static int parse_state(yajl_val v, struct ou_state *st, struct ou_error **err)
{
	uint64_t pid = 0, start = 0;

	if (!YAJL_IS_OBJECT(v))
		return ou_error_set(err, OU_E_INVALID, 0, "must be a JSON object");
	if (ou_json_get_str(v, "ociVersion", true, &st->oci_version, err) < 0 ||
	    ou_json_get_str(v, "id", true, &st->id, err) < 0 ||
	    get_status(v, &st->status, err) < 0 || get_uint(v, "pid", INT32_MAX, &pid, err) < 0 ||
	    ou_json_get_str(v, "bundle", true, &st->bundle, err) < 0 ||
	    ou_json_get_str_map(v, "annotations", &st->annotations, err) < 0 ||
	    ou_json_get_str(v, "created", false, &st->created, err) < 0 ||
	    get_uint(v, "pidStartTime", UINT64_MAX, &start, err) < 0 ||
	    ou_json_get_str(v, "cgroupPath", false, &st->cgroup_path, err) < 0 ||
	    ou_json_get_str(v, "rootfs", false, &st->rootfs, err) < 0 ||
	    ou_json_get_str(v, "configPath", false, &st->config_path, err) < 0 ||
	    ou_json_get_str(v, "storageRoot", false, &st->storage_root, err) < 0 ||
	    ou_json_get_bool(v, "systemdCgroup", &st->systemd_cgroup, err) < 0 ||
	    ou_json_get_bool(v, "cgroupBorrowed", &st->cgroup_borrowed, err) < 0)
		return -1;
	st->pid = (int)pid;
	st->pid_start_time = start;
	return 0;
}

int ou_state_json_parse(const char *json, size_t len, struct ou_state **out, struct ou_error **err)
{
	ou_autofree char *copy = NULL;
	struct ou_state *st;
	char errbuf[256] = "";
	yajl_val tree;

	if (memchr(json, '\0', len) != NULL)
		return ou_error_set(err, OU_E_INVALID, 0, "state.json: parse error: NUL byte");
	copy = ou_xstrndup(json, len);
	tree = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	if (tree == NULL) {
		errbuf[strcspn(errbuf, "\n")] = '\0';
		/* yajl ends its messages with a full stop; ours have none. */
		while (errbuf[0] != '\0' && strchr(" .", errbuf[strlen(errbuf) - 1]) != NULL)
			errbuf[strlen(errbuf) - 1] = '\0';
		return ou_error_set(err, OU_E_INVALID, 0, "state.json: %s",
				    errbuf[0] != '\0' ? errbuf : "parse error");
	}
	st = ou_xcalloc(1, sizeof(*st));
	if (parse_state(tree, st, err) < 0) {
		ou_error_prefix(err, "state.json");
		yajl_tree_free(tree);
		ou_state_free(st);
		return -1;
	}
	yajl_tree_free(tree);
	*out = st;
	return 0;
}

void ou_state_free(struct ou_state *st)
{
	if (st == NULL)
		return;
	free(st->oci_version);
	free(st->id);
	free(st->bundle);
	for (size_t i = 0; i < st->annotations.len; i++) {
		free(st->annotations.items[i].key);
		free(st->annotations.items[i].value);
	}
	free(st->annotations.items);
	free(st->created);
	free(st->cgroup_path);
	free(st->rootfs);
	free(st->config_path);
	free(st->storage_root);
	free(st);
}
