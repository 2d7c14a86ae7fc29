/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "spec/state_json.h"

#define SCHEMA_DIR OU_SHARED_DIR "/runtime-spec/schema"

static char tmpdir[PATH_MAX];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ou-test-state-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	struct ou_error *err = NULL;

	cr_assert_eq(ou_remove_tree(tmpdir, &err), 0);
}

static struct ou_kv kvs[] = { { "a.b", "1" }, { "c", "two" } };

static struct ou_state sample(enum ou_status status, int pid)
{
	struct ou_state st = {
		.oci_version = "1.3.0",
		.id = "web",
		.status = status,
		.pid = pid,
		.pid_start_time = 18446744073709551615ull,
		.bundle = "/srv/bundle",
		.annotations = { 2, kvs },
		.created = "2024-01-02T03:04:05.000000006Z",
		.cgroup_path = "/ociunion/web",
		.rootfs = "/srv/bundle/rootfs",
		.config_path = "/srv/bundle/config.json",
		.systemd_cgroup = true,
	};

	return st;
}

static struct ou_state *parse_ok(const char *json, size_t len)
{
	struct ou_error *err = NULL;
	struct ou_state *st = NULL;

	if (ou_state_json_parse(json, len, &st, &err) < 0)
		cr_assert_fail("parse '%s': %s", json, err->msg);
	return st;
}

static void parse_invalid(const char *json)
{
	ou_autoerror struct ou_error *err = NULL;
	struct ou_state *st = NULL;

	cr_assert_eq(ou_state_json_parse(json, strlen(json), &st, &err), -1, "%s", json);
	cr_assert_eq(err->kind, OU_E_INVALID);
	cr_assert(ou_has_prefix(err->msg, "state.json: "), "%s", err->msg);
	cr_assert_null(strchr(err->msg, '\n'));
	cr_assert_neq(err->msg[strlen(err->msg) - 1], '.', "%s", err->msg);
	cr_assert_null(st);
}

Test(state_json, private_round_trip)
{
	struct ou_state in = sample(OU_STATUS_RUNNING, 4242);
	size_t len = 0;
	ou_autofree char *json = ou_state_json_generate(&in, false, &len);
	struct ou_state *out = parse_ok(json, len);

	cr_assert_eq(strlen(json), len);
	cr_assert_str_eq(out->oci_version, "1.3.0");
	cr_assert_str_eq(out->id, "web");
	cr_assert_eq(out->status, OU_STATUS_RUNNING);
	cr_assert_eq(out->pid, 4242);
	cr_assert_eq(out->pid_start_time, 18446744073709551615ull);
	cr_assert_str_eq(out->bundle, "/srv/bundle");
	cr_assert_eq(out->annotations.len, 2);
	cr_assert_str_eq(out->annotations.items[1].key, "c");
	cr_assert_str_eq(out->annotations.items[1].value, "two");
	cr_assert_str_eq(out->created, in.created);
	cr_assert_str_eq(out->cgroup_path, in.cgroup_path);
	cr_assert_str_eq(out->rootfs, in.rootfs);
	cr_assert_str_eq(out->config_path, in.config_path);
	cr_assert(out->systemd_cgroup);
	ou_state_free(out);
}

Test(state_json, stopped_keeps_pid_privately)
{
	struct ou_state in = sample(OU_STATUS_STOPPED, 77);
	ou_autofree char *priv = ou_state_json_generate(&in, false, NULL);
	ou_autofree char *pub = ou_state_json_generate(&in, true, NULL);
	struct ou_state *out = parse_ok(priv, strlen(priv));

	cr_assert_eq(out->pid, 77);
	cr_assert_eq(out->status, OU_STATUS_STOPPED);
	ou_state_free(out);
	cr_assert_null(strstr(pub, "\"pid\""), "%s", pub);
}

Test(state_json, public_has_only_spec_keys)
{
	struct ou_state in = sample(OU_STATUS_CREATED, 10);
	ou_autofree char *pub = ou_state_json_generate(&in, true, NULL);
	const char *private_keys[] = { "created", "pidStartTime", "cgroupPath",
				       "rootfs",  "configPath",	  "systemdCgroup" };
	struct ou_state *out;

	cr_assert_not_null(strstr(pub, "\"pid\":10"), "%s", pub);
	for (size_t i = 0; i < sizeof(private_keys) / sizeof(private_keys[0]); i++) {
		ou_autofree char *k = ou_xasprintf("\"%s\":", private_keys[i]);

		cr_assert_null(strstr(pub, k), "%s in %s", k, pub);
	}
	out = parse_ok(pub, strlen(pub));
	cr_assert_null(out->created);
	cr_assert_eq(out->pid_start_time, 0);
	cr_assert_not(out->systemd_cgroup);
	ou_state_free(out);
}

Test(state_json, empty_annotations_and_zero_pid_omitted)
{
	struct ou_state in = sample(OU_STATUS_CREATING, 0);
	ou_autofree char *pub = NULL;

	in.annotations.len = 0;
	pub = ou_state_json_generate(&in, true, NULL);
	cr_assert_null(strstr(pub, "annotations"), "%s", pub);
	cr_assert_null(strstr(pub, "\"pid\""), "%s", pub);
}

Test(state_json, json_is_escaped)
{
	struct ou_state in = sample(OU_STATUS_RUNNING, 1);
	ou_autofree char *json = NULL;
	struct ou_state *out;

	in.bundle = "/a \"quoted\"\\path\n";
	json = ou_state_json_generate(&in, false, NULL);
	out = parse_ok(json, strlen(json));
	cr_assert_str_eq(out->bundle, in.bundle);
	ou_state_free(out);
}

Test(state_json, corrupt_input_rejected)
{
	struct ou_state in = sample(OU_STATUS_RUNNING, 1);
	size_t len = 0;
	ou_autofree char *json = ou_state_json_generate(&in, false, &len);
	ou_autofree char *cut = ou_xstrndup(json, len / 2);

	parse_invalid(cut);
	parse_invalid("");
	parse_invalid("not json");
	parse_invalid("[]");
	parse_invalid("{\"id\":\"x\",\"status\":\"running\",\"bundle\":\"/b\"}");
	parse_invalid("{\"ociVersion\":\"1\",\"id\":\"x\",\"status\":\"gone\",\"bundle\":\"/b\"}");
	parse_invalid("{\"ociVersion\":\"1\",\"id\":3,\"status\":\"running\",\"bundle\":\"/b\"}");
	parse_invalid("{\"ociVersion\":\"1\",\"id\":\"x\",\"status\":\"running\",\"bundle\":\"/b\","
		      "\"pid\":-4}");
	parse_invalid("{\"ociVersion\":\"1\",\"id\":\"x\",\"status\":\"running\",\"bundle\":\"/b\","
		      "\"pid\":1.5}");
	parse_invalid("{\"ociVersion\":\"1\",\"id\":\"x\",\"status\":\"running\",\"bundle\":\"/b\","
		      "\"annotations\":{\"a\":1}}");
	parse_invalid("{\"ociVersion\":\"1\",\"id\":\"x\",\"status\":\"running\",\"bundle\":\"/b\","
		      "\"systemdCgroup\":\"yes\"}");
}

Test(state_json, status_names)
{
	const char *names[] = { "creating", "created", "running", "stopped", "paused" };

	for (int i = OU_STATUS_CREATING; i <= OU_STATUS_PAUSED; i++) {
		struct ou_state in = sample((enum ou_status)i, 5);
		ou_autofree char *json = ou_state_json_generate(&in, false, NULL);
		struct ou_state *out = parse_ok(json, strlen(json));

		cr_assert_str_eq(ou_status_name((enum ou_status)i), names[i]);
		cr_assert_eq(out->status, (enum ou_status)i);
		ou_state_free(out);
	}
}

/* 0 valid, 1 invalid; skips the test when jsonschema is not importable. */
static int schema_check(const char *json)
{
	ou_autofree char *path = ou_path_join(tmpdir, "state.json");
	ou_autofree char *cmd = NULL;
	struct ou_error *err = NULL;
	int status;

	cr_assert_eq(ou_write_file(path, json, strlen(json), 0644, &err), 0);
	cmd = ou_xasprintf("python3 '%s/config/schema-validate.py' '%s' state-schema.json '%s'",
			   OU_TEST_DATA, SCHEMA_DIR, path);
	status = system(cmd);
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77 || WEXITSTATUS(status) == 127)
		cr_skip_test("python3 with jsonschema is not available");
	return WEXITSTATUS(status);
}

/*
 * The public form of each status the schema knows validates, and so does
 * the private form (the schema allows extra keys).  "paused" is not in
 * state-schema.json's enum (runtime.md lists it as runtime-specific), so
 * it is expected to fail there.
 */
Test(state_json, schema_valid, .init = make_tmpdir, .fini = remove_tmpdir)
{
	for (int i = OU_STATUS_CREATING; i <= OU_STATUS_PAUSED; i++) {
		struct ou_state in = sample((enum ou_status)i, 99);
		ou_autofree char *pub = ou_state_json_generate(&in, true, NULL);
		ou_autofree char *priv = ou_state_json_generate(&in, false, NULL);
		int want = i == OU_STATUS_PAUSED ? 1 : 0;

		cr_assert_eq(schema_check(pub), want, "%s", pub);
		cr_assert_eq(schema_check(priv), want, "%s", priv);
	}
}
