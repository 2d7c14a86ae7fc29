/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "spec/config.h"
#include "spec/validate.h"

#define SCHEMA_DIR OU_SHARED_DIR "/runtime-spec/schema"

static char tmpdir[PATH_MAX];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ou-test-config-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	struct ou_error *err = NULL;

	cr_assert_eq(ou_remove_tree(tmpdir, &err), 0);
}

/* Parse json, which must succeed. */
static struct ou_spec *parse_ok(const char *json)
{
	struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;

	if (ou_config_parse(json, strlen(json), &spec, &err) < 0)
		cr_assert_fail("parse failed: %s", err->msg);
	cr_assert_not_null(spec);
	return spec;
}

/* Parse json, which must fail with kind; returns the error. */
static struct ou_error *parse_fail(const char *json, enum ou_errkind kind)
{
	struct ou_error *err = NULL;
	struct ou_spec *spec = (struct ou_spec *)0x1;

	cr_assert_eq(ou_config_parse(json, strlen(json), &spec, &err), -1, "accepted: %s", json);
	cr_assert_not_null(err);
	cr_assert_eq(err->kind, kind, "kind %d, message '%s'", err->kind, err->msg);
	cr_assert_eq(spec, (struct ou_spec *)0x1, "*out changed on failure");
	cr_assert_null(strchr(err->msg, '\n'), "message spans lines: '%s'", err->msg);
	return err;
}

static void expect_message(const char *json, const char *msg)
{
	ou_autoerror struct ou_error *err = parse_fail(json, OU_E_INVALID);

	cr_assert_str_eq(err->msg, msg);
}

static char *read_fixture(const char *dir, const char *name, size_t *len)
{
	ou_autofree char *path = ou_xasprintf("%s/config/%s/%s", OU_TEST_DATA, dir, name);
	struct ou_error *err = NULL;
	char *data = NULL;

	cr_assert_eq(ou_read_file(path, 0, &data, len, &err), 0, "read %s", path);
	return data;
}

/*
 * spec-example.json and zos-example.json of the runtime-spec declare
 * ociVersion "0.5.0-dev", which ociunion refuses (it supports 1.0.0 to
 * 1.3.x); the test checks that refusal and then parses the document with
 * the version replaced by "1.0.0".
 */
static void fix_old_version(const char *name, char *data, size_t len)
{
	char *v = strstr(data, "\"0.5.0-dev\"");
	struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;

	if (v == NULL)
		return;
	cr_assert_eq(ou_config_parse(data, len, &spec, &err), -1, "%s", name);
	cr_assert_eq(err->kind, OU_E_INVALID);
	ou_error_free(err);
	memcpy(v, "\"1.0.0\"    ", 11);
}

/*
 * Every good example parses and validates, except linux-netdevice.json:
 * linux.netDevices is valid but not supported, so validate reports
 * OU_E_UNSUPPORTED.  The FreeBSD and z/OS examples parse and validate
 * because their platform objects are ignored like unknown keys and
 * nothing Linux-specific in them is wrong.
 */
Test(config, good_fixtures_parse_and_validate)
{
	ou_autoclosedir DIR *d = opendir(OU_TEST_DATA "/config/good");
	struct dirent *de;
	int count = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL) {
		ou_autofree char *data = NULL;
		struct ou_error *err = NULL;
		struct ou_spec *spec = NULL;
		size_t len = 0;
		int ret;

		if (strstr(de->d_name, ".json") == NULL)
			continue;
		data = read_fixture("good", de->d_name, &len);
		fix_old_version(de->d_name, data, len);
		ret = ou_config_parse(data, len, &spec, &err);
		cr_assert_eq(ret, 0, "%s: %s", de->d_name, err != NULL ? err->msg : "");
		ret = ou_validate_spec(spec, 0, &err);
		if (strcmp(de->d_name, "linux-netdevice.json") == 0) {
			cr_assert_eq(ret, -1);
			cr_assert_eq(err->kind, OU_E_UNSUPPORTED);
			ou_error_free(err);
		} else {
			cr_assert_eq(ret, 0, "%s: %s", de->d_name, err != NULL ? err->msg : "");
		}
		ou_spec_free(spec);
		count++;
	}
	cr_assert_eq(count, 9);
}

/*
 * Every bad example is refused with OU_E_INVALID by the parser or by
 * validate, except freebsd-vnet-disable.json: its error is in the
 * "freebsd" object, which a Linux runtime ignores (config.md,
 * Extensibility), so it is accepted.
 */
Test(config, bad_fixtures_rejected)
{
	ou_autoclosedir DIR *d = opendir(OU_TEST_DATA "/config/bad");
	struct dirent *de;
	int count = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL) {
		ou_autofree char *data = NULL;
		struct ou_error *err = NULL;
		struct ou_spec *spec = NULL;
		size_t len = 0;
		int ret;

		if (strstr(de->d_name, ".json") == NULL)
			continue;
		data = read_fixture("bad", de->d_name, &len);
		ret = ou_config_parse(data, len, &spec, &err);
		if (ret == 0)
			ret = ou_validate_spec(spec, 0, &err);
		ou_spec_free(spec);
		count++;
		if (strcmp(de->d_name, "freebsd-vnet-disable.json") == 0) {
			cr_assert_eq(ret, 0);
			continue;
		}
		cr_assert_eq(ret, -1, "%s accepted", de->d_name);
		cr_assert_eq(err->kind, OU_E_INVALID, "%s: %s", de->d_name, err->msg);
		ou_error_free(err);
	}
	cr_assert_eq(count, 5);
}

Test(config, spec_example_fields)
{
	ou_autofree char *data = NULL;
	struct ou_spec *s;
	size_t len = 0;

	data = read_fixture("good", "spec-example.json", &len);
	fix_old_version("spec-example.json", data, len);
	s = parse_ok(data);
	cr_assert_str_eq(s->root->path, "rootfs");
	cr_assert(s->root->readonly);
	cr_assert_eq(s->process->user.n_additional_gids, 2);
	cr_assert_eq(s->process->user.additional_gids[1], 6);
	cr_assert_eq(s->process->n_rlimits, 2);
	cr_assert_str_eq(s->process->rlimits[1].type, "RLIMIT_NOFILE");
	cr_assert_not_null(s->process->capabilities);
	cr_assert_gt(s->process->capabilities->bounding.len, 0);
	cr_assert_null(
		s->process->capabilities->bounding.v[s->process->capabilities->bounding.len]);
	cr_assert_eq(s->hooks->prestart.len, 2);
	cr_assert_eq(s->hooks->prestart.items[0].args.len, 3);
	cr_assert_not(s->hooks->prestart.items[1].has_timeout);
	cr_assert_gt(s->linux_->n_namespaces, 3);
	cr_assert_eq(s->linux_->n_time_offsets, 2);
	cr_assert_not_null(s->linux_->resources->memory);
	cr_assert(s->linux_->resources->memory->limit.set);
	cr_assert(s->linux_->resources->has_pids_limit);
	cr_assert_not_null(s->linux_->resources->block_io);
	cr_assert_gt(s->linux_->resources->n_hugepage_limits, 0);
	cr_assert_not_null(s->linux_->seccomp);
	cr_assert_gt(s->linux_->seccomp->n_syscalls, 0);
	cr_assert_gt(s->linux_->sysctl.len, 0);
	cr_assert_gt(s->linux_->masked_paths.len, 0);
	cr_assert_str_eq(ou_spec_annotation(s, "com.example.key1"), "value1");
	cr_assert_null(ou_spec_annotation(s, "no.such.key"));
	ou_spec_free(s);
}

Test(config, full_process_fields)
{
	struct ou_spec *s = parse_ok(
		"{\"ociVersion\":\"1.3.0\",\"process\":{\"terminal\":true,"
		"\"consoleSize\":{\"height\":24,\"width\":80},\"cwd\":\"/\",\"args\":[\"a\",\"b\"],"
		"\"user\":{\"uid\":4294967295,\"gid\":2,\"umask\":18,\"username\":\"u\"},"
		"\"commandLine\":\"a b\",\"env\":[\"A=1\"],\"noNewPrivileges\":true,"
		"\"apparmorProfile\":\"p\",\"oomScoreAdj\":-1000,\"selinuxLabel\":\"l\","
		"\"scheduler\":{\"policy\":\"SCHED_FIFO\",\"priority\":5,\"flags\":[\"x\"]},"
		"\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":3},"
		"\"execCPUAffinity\":{\"initial\":\"0\",\"final\":\"0-3\"},"
		"\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":0,"
		"\"hard\":18446744073709551615}]}}");
	struct ou_process *p = s->process;

	cr_assert(p->terminal && p->has_console_size);
	cr_assert_eq(p->console_height, 24);
	cr_assert_eq(p->user.uid, 4294967295u);
	cr_assert(p->user.has_umask);
	cr_assert_eq(p->user.umask, 18);
	cr_assert_eq(p->args.len, 2);
	cr_assert_str_eq(p->args.v[1], "b");
	cr_assert(p->has_oom_score_adj);
	cr_assert_eq(p->oom_score_adj, -1000);
	cr_assert_eq(p->scheduler->priority, 5);
	cr_assert_eq(p->io_priority->priority, 3);
	cr_assert_str_eq(p->exec_cpu_affinity->final, "0-3");
	cr_assert_eq(p->rlimits[0].hard, UINT64_MAX);
	cr_assert(p->no_new_privileges);
	ou_spec_free(s);
}

Test(config, missing_bundle_is_not_found)
{
	struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;

	cr_assert_eq(ou_config_load("/nonexistent/ou-bundle", &spec, &err), -1);
	cr_assert_eq(err->kind, OU_E_NOT_FOUND);
	cr_assert_str_eq(err->msg, "config.json: open '/nonexistent/ou-bundle/config.json'");
	cr_assert_neq(err->errnum, 0);
	ou_error_free(err);
}

Test(config, missing_config_is_not_found, .init = make_tmpdir, .fini = remove_tmpdir)
{
	struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;

	cr_assert_eq(ou_config_load(tmpdir, &spec, &err), -1);
	cr_assert_eq(err->kind, OU_E_NOT_FOUND);
	ou_error_free(err);
}

Test(config, load_reads_bundle, .init = make_tmpdir, .fini = remove_tmpdir)
{
	ou_autofree char *path = ou_path_join(tmpdir, "config.json");
	const char *json = "{\"ociVersion\":\"1.0.0\",\"hostname\":\"h\"}";
	struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;

	cr_assert_eq(ou_write_file(path, json, strlen(json), 0644, &err), 0);
	cr_assert_eq(ou_config_load(tmpdir, &spec, &err), 0);
	cr_assert_str_eq(spec->hostname, "h");
	ou_spec_free(spec);
}

Test(config, invalid_json_is_one_line, .init = make_tmpdir, .fini = remove_tmpdir)
{
	ou_autofree char *path = ou_path_join(tmpdir, "config.json");
	struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;

	cr_assert_eq(ou_write_file(path, "{]\n", 3, 0644, &err), 0);
	cr_assert_eq(ou_config_load(tmpdir, &spec, &err), -1);
	cr_assert_eq(err->kind, OU_E_INVALID);
	cr_assert(ou_has_prefix(err->msg, "config.json: "), "%s", err->msg);
	cr_assert_null(strchr(err->msg, '\n'));
	ou_error_free(err);
	ou_error_free(parse_fail("{\"ociVersion\":", OU_E_INVALID));
	ou_error_free(parse_fail("", OU_E_INVALID));
	ou_error_free(parse_fail("[1]", OU_E_INVALID));
}

Test(config, too_large_config_refused, .init = make_tmpdir, .fini = remove_tmpdir)
{
	ou_autofree char *path = ou_path_join(tmpdir, "config.json");
	size_t size = 16u * 1024 * 1024 + 1;
	ou_autofree char *big = ou_xmalloc(size);
	struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;

	memset(big, ' ', size);
	cr_assert_eq(ou_write_file(path, big, size, 0644, &err), 0);
	cr_assert_eq(ou_config_load(tmpdir, &spec, &err), -1);
	cr_assert_eq(err->kind, OU_E_INVALID);
	ou_error_free(err);
}

Test(config, wrong_type_names_path)
{
	expect_message("{\"ociVersion\":\"1.0.0\",\"mounts\":[{\"destination\":\"/a\"},"
		       "{\"destination\":\"/b\"},{\"destination\":5}]}",
		       "mounts[2].destination: must be a string");
	expect_message("{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"args\":\"sh\"}}",
		       "process.args: must be a non-empty array of strings");
	expect_message("{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"args\":[1]}}",
		       "process.args: must be a non-empty array of strings");
	expect_message("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\",\"readonly\":1}}",
		       "root.readonly: must be a boolean");
	expect_message("{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"memory\":"
		       "{\"limit\":\"1G\"}}}}",
		       "linux.resources.memory.limit: must be an integer between "
		       "-9223372036854775808 and 9223372036854775807");
	expect_message("{\"ociVersion\":\"1.0.0\",\"annotations\":{\"a\":1}}",
		       "annotations.a: must be a string");
	expect_message("{\"ociVersion\":\"1.0.0\",\"linux\":[]}", "linux: must be an object");
	/* Objects of objects: the map, and then the member, named by its key. */
	expect_message("{\"ociVersion\":\"1.0.0\",\"linux\":{\"timeOffsets\":[]}}",
		       "linux.timeOffsets: must be an object");
	expect_message("{\"ociVersion\":\"1.0.0\",\"linux\":{\"timeOffsets\":"
		       "{\"monotonic\":{\"secs\":1},\"boottime\":3}}}",
		       "linux.timeOffsets.boottime: must be an object");
	expect_message("{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"rdma\":"
		       "{\"mlx\":{\"hcaObjects\":\"9\"}}}}}",
		       "linux.resources.rdma.mlx.hcaObjects: must be an integer between 0 and "
		       "4294967295");
	expect_message("{\"ociVersion\":1}", "ociVersion: must be a string");
}

Test(config, missing_required_field_names_path)
{
	expect_message("{}", "ociVersion: is required");
	expect_message("{\"ociVersion\":\"1.0.0\",\"root\":{}}", "root.path: is required");
	expect_message("{\"ociVersion\":\"1.0.0\",\"mounts\":[{\"type\":\"tmpfs\"}]}",
		       "mounts[0].destination: is required");
	expect_message("{\"ociVersion\":\"1.0.0\",\"process\":{\"args\":[\"sh\"]}}",
		       "process.cwd: is required");
	expect_message(
		"{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":0}}}",
		"process.user.gid: is required");
	expect_message("{\"ociVersion\":\"1.0.0\",\"hooks\":{\"poststop\":[{\"args\":[]}]}}",
		       "hooks.poststop[0].path: is required");
	expect_message("{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"rlimits\":"
		       "[{\"type\":\"RLIMIT_CORE\",\"soft\":1}]}}",
		       "process.rlimits[0].hard: is required");
	expect_message("{\"ociVersion\":\"1.0.0\",\"linux\":{\"namespaces\":[{\"path\":\"/p\"}]}}",
		       "linux.namespaces[0].type: is required");
	expect_message("{\"ociVersion\":\"1.0.0\",\"linux\":{\"devices\":[{\"path\":\"/dev/x\"}]}}",
		       "linux.devices[0].type: is required");
	expect_message("{\"ociVersion\":\"1.0.0\",\"linux\":{\"seccomp\":{}}}",
		       "linux.seccomp.defaultAction: is required");
	expect_message("{\"ociVersion\":\"1.0.0\",\"linux\":{\"uidMappings\":"
		       "[{\"containerID\":0,\"hostID\":0}]}}",
		       "linux.uidMappings[0].size: is required");
	expect_message("{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"devices\":[{}]}}}",
		       "linux.resources.devices[0].allow: is required");
}

Test(config, unknown_namespace_type)
{
	expect_message("{\"ociVersion\":\"1.0.0\",\"linux\":{\"namespaces\":"
		       "[{\"type\":\"pid\"},{\"type\":\"foo\"}]}}",
		       "linux.namespaces[1].type: unknown namespace type 'foo'");
}

/* config.md, Mounts: uidMappings and gidMappings of a mount. */
Test(config, mount_id_mappings)
{
	struct ou_spec *s =
		parse_ok("{\"ociVersion\":\"1.0.0\",\"mounts\":[{\"destination\":\"/m\","
			 "\"type\":\"bind\",\"source\":\"/s\",\"options\":[\"rbind\",\"ridmap\"],"
			 "\"uidMappings\":[{\"containerID\":0,\"hostID\":2000,\"size\":10},"
			 "{\"containerID\":10,\"hostID\":5000,\"size\":1}],"
			 "\"gidMappings\":[{\"containerID\":0,\"hostID\":3000,\"size\":10}]}]}");

	cr_assert_eq(s->n_mounts, 1);
	cr_assert_eq(s->mounts[0].uid_mappings.len, 2);
	cr_assert_eq(s->mounts[0].uid_mappings.items[1].container_id, 10);
	cr_assert_eq(s->mounts[0].uid_mappings.items[1].host_id, 5000);
	cr_assert_eq(s->mounts[0].uid_mappings.items[1].size, 1);
	cr_assert_eq(s->mounts[0].gid_mappings.len, 1);
	cr_assert_eq(s->mounts[0].gid_mappings.items[0].host_id, 3000);
	cr_assert_str_eq(s->mounts[0].options.v[1], "ridmap");
	ou_spec_free(s);
	expect_message("{\"ociVersion\":\"1.0.0\",\"mounts\":[{\"destination\":\"/m\","
		       "\"uidMappings\":[{\"containerID\":0,\"size\":1}]}]}",
		       "mounts[0].uidMappings[0].hostID: is required");
	expect_message(
		"{\"ociVersion\":\"1.0.0\",\"mounts\":[{\"destination\":\"/m\","
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":-1,\"size\":1}]}]}",
		"mounts[0].gidMappings[0].hostID: must be an integer between 0 and 4294967295");
}

Test(config, supported_versions)
{
	const char *ok[] = { "1.0.0", "1.0.2-dev", "1.2.0+git", "1.3.0", "1.3.9", "1.1.0-rc.1" };
	const char *bad[] = { "0.9.0", "1.4.0", "2.0.0", "abc", "1.0", "1.0.0.0", "", "1.a.0" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ou_autofree char *json = ou_xasprintf("{\"ociVersion\":\"%s\"}", ok[i]);

		ou_spec_free(parse_ok(json));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ou_autofree char *json = ou_xasprintf("{\"ociVersion\":\"%s\"}", bad[i]);

		ou_error_free(parse_fail(json, OU_E_INVALID));
	}
	expect_message("{\"ociVersion\":\"2.0.0\"}",
		       "ociVersion: '2.0.0' is not supported (1.0.0 to 1.3.x)");
}

Test(config, integer_ranges)
{
	expect_message("{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"user\":"
		       "{\"uid\":-1,\"gid\":0}}}",
		       "process.user.uid: must be an integer between 0 and 4294967295");
	expect_message("{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"user\":"
		       "{\"uid\":4294967296,\"gid\":0}}}",
		       "process.user.uid: must be an integer between 0 and 4294967295");
	ou_error_free(parse_fail("{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"user\":"
				 "{\"uid\":1.5,\"gid\":0}}}",
				 OU_E_INVALID));
	ou_error_free(parse_fail("{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\","
				 "\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":0,"
				 "\"hard\":18446744073709551616}]}}",
				 OU_E_INVALID));
	ou_error_free(parse_fail("{\"ociVersion\":\"1.0.0\",\"linux\":{\"devices\":[{\"path\":"
				 "\"/d\",\"type\":\"c\",\"major\":9223372036854775808}]}}",
				 OU_E_INVALID));
	ou_error_free(parse_fail("{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\","
				 "\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[1,-2]}}}",
				 OU_E_INVALID));
	ou_error_free(parse_fail("{\"ociVersion\":\"1.0.0\",\"hooks\":{\"prestart\":"
				 "[{\"path\":\"/h\",\"timeout\":0}]}}",
				 OU_E_INVALID));
	ou_error_free(parse_fail("{\"ociVersion\":\"1.0.0\",\"linux\":{\"devices\":[{\"path\":"
				 "\"/d\",\"type\":\"c\",\"fileMode\":512}]}}",
				 OU_E_INVALID));
}

Test(config, int64_extremes_accepted)
{
	struct ou_spec *s = parse_ok("{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{"
				     "\"memory\":{\"limit\":9223372036854775807,"
				     "\"swap\":-9223372036854775808}}}}");

	cr_assert_eq(s->linux_->resources->memory->limit.v, INT64_MAX);
	cr_assert_eq(s->linux_->resources->memory->swap.v, INT64_MIN);
	cr_assert_not(s->linux_->resources->memory->reservation.set);
	ou_spec_free(s);
}

Test(config, deep_nesting_refused)
{
	size_t n = 100000;
	ou_autofree char *deep = ou_xmalloc(2 * n + 64);
	ou_autofree char *ok = NULL;
	size_t len;

	memset(deep, '[', n);
	deep[n] = '\0';
	ou_error_free(parse_fail(deep, OU_E_INVALID));
	len = (size_t)sprintf(deep, "{\"ociVersion\":\"1.0.0\",\"x\":");
	memset(deep + len, '[', n);
	memset(deep + len + n, ']', n);
	strcpy(deep + len + 2 * n, "}");
	ou_error_free(parse_fail(deep, OU_E_INVALID));
	/* A moderately nested unknown key is fine, and brackets in strings do not count. */
	ok = ou_xasprintf("{\"ociVersion\":\"1.0.0\",\"x\":[[[[[[[[[[]]]]]]]]]],"
			  "\"hostname\":\"%0300d\"}",
			  0);
	memset(strstr(ok, "000"), '[', 300);
	ou_spec_free(parse_ok(ok));
}

/* Duplicate keys: the last one wins, as with runc (Go's encoding/json). */
Test(config, duplicate_keys_last_wins)
{
	struct ou_spec *s = parse_ok(
		"{\"ociVersion\":\"1.0.0\",\"hostname\":\"a\",\"hostname\":\"b\","
		"\"annotations\":{\"k\":\"1\",\"j\":\"x\",\"k\":\"2\"},\"ociVersion\":\"1.3.0\"}");

	cr_assert_str_eq(s->hostname, "b");
	cr_assert_str_eq(s->oci_version, "1.3.0");
	cr_assert_eq(s->annotations.len, 2);
	cr_assert_str_eq(ou_spec_annotation(s, "k"), "2");
	cr_assert_str_eq(s->annotations.items[0].key, "j");
	ou_spec_free(s);
}

Test(config, unknown_keys_and_null_ignored)
{
	struct ou_spec *s =
		parse_ok("{\"ociVersion\":\"1.0.0\",\"vendor.x\":{\"a\":[1,2]},\"hostname\":null,"
			 "\"windows\":{\"whatever\":true},"
			 "\"linux\":{\"newThing\":1,\"cgroupsPath\":\"/c\"}}");

	cr_assert_null(s->hostname);
	cr_assert_null(s->process);
	cr_assert_str_eq(s->linux_->cgroups_path, "/c");
	ou_spec_free(s);
}

Test(config, invalid_utf8_and_nul_refused)
{
	const char utf8[] = "{\"ociVersion\":\"1.0.0\",\"hostname\":\"\xff\xfe\"}";
	const char nul[] = "{\"ociVersion\":\"1.0.0\"}\0";
	struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;

	ou_error_free(parse_fail(utf8, OU_E_INVALID));
	cr_assert_eq(ou_config_parse(nul, sizeof(nul) - 1, &spec, &err), -1);
	cr_assert_eq(err->kind, OU_E_INVALID);
	ou_error_free(err);
}

Test(config, linux_sections)
{
	struct ou_spec *s = parse_ok(
		"{\"ociVersion\":\"1.2.0\",\"linux\":{"
		"\"namespaces\":[{\"type\":\"time\"},{\"type\":\"network\",\"path\":\"/n\"}],"
		"\"timeOffsets\":{\"boottime\":{\"secs\":-5,\"nanosecs\":7}},"
		"\"devices\":[{\"path\":\"/dev/f\",\"type\":\"c\",\"major\":1,\"minor\":2,"
		"\"fileMode\":438,\"uid\":3}],"
		"\"resources\":{\"rdma\":{\"mlx\":{\"hcaHandles\":4}},\"unified\":{\"a.b\":\"c\"},"
		"\"network\":{\"classID\":9,\"priorities\":[{\"name\":\"e\",\"priority\":1}]},"
		"\"blockIO\":{\"weight\":10,\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
		"\"rate\":100}]},\"cpu\":{\"cpus\":\"0-1\",\"quota\":-1}},"
		"\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
		"\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
		"[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]},"
		"\"personality\":{\"domain\":\"LINUX\"},\"intelRdt\":{\"closID\":\"g\"},"
		"\"netDevices\":{\"eth0\":{\"name\":\"e\"}},"
		"\"memoryPolicy\":{\"mode\":\"MPOL_BIND\"}"
		"}}");
	struct ou_linux *lx = s->linux_;

	cr_assert_eq(lx->namespaces[0].type, OU_NS_TIME);
	cr_assert_str_eq(lx->namespaces[1].path, "/n");
	cr_assert_str_eq(lx->time_offsets[0].clock, "boottime");
	cr_assert_eq(lx->time_offsets[0].secs, -5);
	cr_assert_eq(lx->devices[0].type, 'c');
	cr_assert_eq(lx->devices[0].file_mode, 438);
	cr_assert(lx->devices[0].has_uid && !lx->devices[0].has_gid);
	cr_assert_str_eq(lx->resources->rdma[0].device, "mlx");
	cr_assert(lx->resources->rdma[0].has_hca_handles);
	cr_assert_str_eq(lx->resources->unified.items[0].value, "c");
	cr_assert_eq(lx->resources->network->class_id, 9);
	cr_assert_eq(lx->resources->block_io->throttle_read_bps_device.items[0].rate, 100);
	cr_assert_eq(lx->resources->cpu->quota.v, -1);
	cr_assert_eq(lx->seccomp->syscalls[0].args[0].value, 1);
	cr_assert_str_eq(lx->personality->domain, "LINUX");
	cr_assert_str_eq(lx->intel_rdt->clos_id, "g");
	cr_assert(lx->has_net_devices && lx->has_memory_policy);
	ou_spec_free(s);
}

Test(config, namespace_names)
{
	for (int i = 0; i < OU_NS__COUNT; i++)
		cr_assert_eq(ou_ns_type_from_name(ou_ns_type_name((enum ou_ns_type)i)), i);
	cr_assert_eq(ou_ns_type_from_name("net"), -1);
	cr_assert_eq(ou_ns_type_from_name("network"), OU_NS_NETWORK);
	cr_assert_str_eq(ou_ns_type_name(OU_NS_MOUNT), "mount");
}

/* 0 valid, 1 invalid; skips the test when jsonschema is not importable. */
static int schema_check(const char *schema, const char *json, size_t len)
{
	ou_autofree char *path = ou_path_join(tmpdir, "doc.json");
	ou_autofree char *cmd = NULL;
	struct ou_error *err = NULL;
	int status;

	cr_assert_eq(ou_write_file(path, json, len, 0644, &err), 0);
	cmd = ou_xasprintf("python3 '%s/config/schema-validate.py' '%s' '%s' '%s'", OU_TEST_DATA,
			   SCHEMA_DIR, schema, path);
	status = system(cmd);
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77 || WEXITSTATUS(status) == 127)
		cr_skip_test("python3 with jsonschema is not available");
	return WEXITSTATUS(status);
}

static void check_default(bool rootless)
{
	size_t len = 0;
	ou_autofree char *json = ou_config_default_json(rootless, &len);
	struct ou_error *err = NULL;
	struct ou_spec *s = NULL;

	cr_assert_eq(strlen(json), len);
	cr_assert_eq(ou_config_parse(json, len, &s, &err), 0);
	cr_assert_eq(ou_validate_spec(s, OU_VALIDATE_NEED_PROCESS, &err), 0);
	cr_assert_str_eq(s->oci_version, OU_SPEC_VERSION);
	cr_assert(s->process->terminal && s->process->no_new_privileges);
	cr_assert_str_eq(s->process->args.v[0], "sh");
	cr_assert_str_eq(s->process->cwd, "/");
	cr_assert_eq(s->process->rlimits[0].soft, 1024);
	cr_assert(s->root->readonly);
	cr_assert_eq(s->n_mounts, 7);
	cr_assert_str_eq(s->mounts[6].destination, "/sys/fs/cgroup");
	cr_assert_eq(s->linux_->masked_paths.len, 10);
	cr_assert_eq(s->linux_->readonly_paths.len, 5);
	ou_spec_free(s);
	cr_assert_eq(schema_check("config-schema.json", json, len), 0, "%s", json);
}

Test(config, default_spec_valid, .init = make_tmpdir, .fini = remove_tmpdir)
{
	ou_autofree char *json = ou_config_default_json(false, NULL);
	struct ou_spec *s = parse_ok(json);
	bool has_net = false;

	cr_assert_eq(s->linux_->n_namespaces, 6);
	for (size_t i = 0; i < s->linux_->n_namespaces; i++)
		has_net |= s->linux_->namespaces[i].type == OU_NS_NETWORK;
	cr_assert(has_net);
	cr_assert_str_eq(s->mounts[2].options.v[5], "gid=5");
	cr_assert_str_eq(s->mounts[5].type, "sysfs");
	cr_assert_eq(s->linux_->resources->n_devices, 1);
	cr_assert_eq(s->linux_->uid_mappings.len, 0);
	ou_spec_free(s);
	check_default(false);
}

Test(config, default_rootless_spec_valid, .init = make_tmpdir, .fini = remove_tmpdir)
{
	ou_autofree char *json = ou_config_default_json(true, NULL);
	struct ou_spec *s = parse_ok(json);
	bool has_user = false;

	for (size_t i = 0; i < s->linux_->n_namespaces; i++) {
		cr_assert_neq(s->linux_->namespaces[i].type, OU_NS_NETWORK);
		has_user |= s->linux_->namespaces[i].type == OU_NS_USER;
	}
	cr_assert(has_user);
	cr_assert_eq(s->linux_->uid_mappings.len, 1);
	cr_assert_eq(s->linux_->uid_mappings.items[0].host_id, getuid());
	cr_assert_eq(s->linux_->gid_mappings.items[0].host_id, getgid());
	cr_assert_eq(s->linux_->uid_mappings.items[0].size, 1);
	for (size_t i = 0; i < s->mounts[2].options.len; i++)
		cr_assert(!ou_has_prefix(s->mounts[2].options.v[i], "gid="));
	cr_assert_str_eq(s->mounts[5].source, "/sys");
	cr_assert_str_eq(s->mounts[5].options.v[0], "rbind");
	cr_assert_null(s->linux_->resources);
	ou_spec_free(s);
	check_default(true);
}
