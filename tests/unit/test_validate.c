/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "spec/config.h"
#include "spec/validate.h"

/* A valid config with a process; %s is spliced into "process", %s into the top level. */
#define BASE                                                                                   \
	"{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"cwd\":\"/\"," \
	"\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}%s}%s}"

/* Parse and validate; returns 0 or the error kind.  The parse must succeed. */
static int run_validate(const char *proc, const char *top, unsigned int flags, char **msg)
{
	ou_autofree char *json = ou_xasprintf(BASE, proc, top);
	ou_autoerror struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;
	int ret;

	if (ou_config_parse(json, strlen(json), &spec, &err) < 0)
		cr_assert_fail("parse '%s': %s", json, err->msg);
	ret = ou_validate_spec(spec, flags, &err);
	ou_spec_free(spec);
	if (ret == 0) {
		cr_assert_null(err);
		return 0;
	}
	cr_assert_eq(ret, -1);
	cr_assert_not_null(err);
	if (msg != NULL)
		*msg = ou_xstrdup(err->msg);
	return (int)err->kind;
}

static void expect_ok(const char *proc, const char *top)
{
	ou_autofree char *msg = NULL;

	cr_assert_eq(run_validate(proc, top, 0, &msg), 0, "%s%s: %s", proc, top, msg);
}

static void expect_invalid(const char *proc, const char *top)
{
	cr_assert_eq(run_validate(proc, top, 0, NULL), OU_E_INVALID, "%s%s", proc, top);
}

static void expect_message(const char *proc, const char *top, enum ou_errkind kind,
			   const char *want)
{
	ou_autofree char *msg = NULL;

	cr_assert_eq(run_validate(proc, top, 0, &msg), (int)kind, "%s%s", proc, top);
	cr_assert_str_eq(msg, want);
}

static int validate_json(const char *json, unsigned int flags)
{
	ou_autoerror struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;
	int ret;

	cr_assert_eq(ou_config_parse(json, strlen(json), &spec, &err), 0);
	ret = ou_validate_spec(spec, flags, &err);
	ou_spec_free(spec);
	return ret == 0 ? 0 : (int)err->kind;
}

Test(validate, base_config_is_valid)
{
	expect_ok("", "");
	cr_assert_eq(run_validate("", "", OU_VALIDATE_NEED_PROCESS, NULL), 0);
}

Test(validate, missing_process)
{
	const char *json = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"}}";
	ou_autoerror struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;

	cr_assert_eq(validate_json(json, 0), 0);
	cr_assert_eq(ou_config_parse(json, strlen(json), &spec, &err), 0);
	cr_assert_eq(ou_validate_spec(spec, OU_VALIDATE_NEED_PROCESS, &err), -1);
	cr_assert_eq(err->kind, OU_E_INVALID);
	cr_assert_str_eq(err->msg, "process: required to start the container");
	ou_spec_free(spec);
}

Test(validate, relative_cwd)
{
	const char *json = "{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"tmp\","
			   "\"args\":[\"sh\"]}}";
	ou_autoerror struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;

	cr_assert_eq(ou_config_parse(json, strlen(json), &spec, &err), 0);
	cr_assert_eq(ou_validate_spec(spec, 0, &err), -1);
	cr_assert_eq(err->kind, OU_E_INVALID);
	cr_assert_str_eq(err->msg, "process.cwd: must be an absolute path");
	ou_spec_free(spec);
}

Test(validate, empty_or_missing_args)
{
	const char *empty = "{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"args\":[]}}";
	const char *missing = "{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\"}}";
	ou_autoerror struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;

	cr_assert_eq(validate_json(empty, 0), OU_E_INVALID);
	cr_assert_eq(validate_json(missing, 0), OU_E_INVALID);
	cr_assert_eq(ou_config_parse(empty, strlen(empty), &spec, &err), 0);
	cr_assert_eq(ou_validate_spec(spec, 0, &err), -1);
	cr_assert_str_eq(err->msg, "process.args: must be a non-empty array of strings");
	ou_spec_free(spec);
}

Test(validate, rlimits)
{
	expect_ok(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":2},"
		  "{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0}]",
		  "");
	expect_message(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":2},"
		       "{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1}]",
		       "", OU_E_INVALID, "process.rlimits[1].type: 'RLIMIT_NOFILE' is repeated");
	expect_message(",\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":2}]", "",
		       OU_E_INVALID, "process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'");
	expect_invalid(",\"rlimits\":[{\"type\":\"nofile\",\"soft\":1,\"hard\":2}]", "");
	expect_invalid(",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":3,\"hard\":2}]", "");
}

Test(validate, duplicate_namespace)
{
	expect_message("",
		       ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},"
		       "{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"}]}",
		       OU_E_INVALID, "linux.namespaces[2].type: namespace 'pid' is repeated");
}

/*
 * config.md, Mounts: a relative destination is deprecated but allowed on
 * Linux (relative to "/"), and ".." is resolved by the runtime inside the
 * root; only an empty destination or type is refused.
 */
Test(validate, mount_destinations_and_types)
{
	expect_ok("", ",\"mounts\":[{\"destination\":\"tmp\",\"type\":\"tmpfs\"},"
		      "{\"destination\":\"/a/../b\",\"type\":\"bind\",\"source\":\"/x\","
		      "\"options\":[\"rbind\"]},{\"destination\":\"/c\",\"type\":\"weirdfs\"}]");
	expect_message("", ",\"mounts\":[{\"destination\":\"/a\"},{\"destination\":\"\"}]",
		       OU_E_INVALID, "mounts[1].destination: must not be empty");
	expect_invalid("", ",\"mounts\":[{\"destination\":\"/a\",\"type\":\"\"}]");
}

Test(validate, devices)
{
	expect_ok("", ",\"linux\":{\"devices\":[{\"path\":\"/dev/a\",\"type\":\"c\",\"major\":1,"
		      "\"minor\":3},{\"path\":\"/dev/p\",\"type\":\"p\"}]}");
	expect_message("", ",\"linux\":{\"devices\":[{\"path\":\"/dev/a\",\"type\":\"x\"}]}",
		       OU_E_INVALID, "linux.devices[0].type: must be one of c, b, u, p");
	expect_invalid("", ",\"linux\":{\"devices\":[{\"path\":\"/dev/a\",\"type\":\"cc\"}]}");
	expect_invalid("", ",\"linux\":{\"devices\":[{\"path\":\"dev/a\",\"type\":\"c\"}]}");
}

Test(validate, sysctl_keys)
{
	expect_ok("", ",\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}}");
	expect_invalid("", ",\"linux\":{\"sysctl\":{\"\":\"1\"}}");
}

Test(validate, seccomp_actions)
{
	const char *actions[] = { "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
				  "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",	     "SCMP_ACT_TRACE",
				  "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",	     "SCMP_ACT_NOTIFY" };

	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		ou_autofree char *top = ou_xasprintf(
			",\"linux\":{\"seccomp\":{\"defaultAction\":\"%s\",\"syscalls\":"
			"[{\"names\":[\"read\"],\"action\":\"%s\"}]}}",
			actions[i], actions[i]);

		expect_ok("", top);
	}
	expect_message("", ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOPE\"}}",
		       OU_E_INVALID, "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_NOPE'");
	expect_invalid("", ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			   "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"allow\"}]}}");
	expect_invalid("", ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			   "\"syscalls\":[{\"names\":[],\"action\":\"SCMP_ACT_LOG\"}]}}");
	expect_invalid("", ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			   "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_LOG\","
			   "\"args\":[{\"index\":0,\"value\":1,\"op\":\"EQ\"}]}]}}");
}

Test(validate, rootfs_propagation)
{
	const char *ok[] = { "private", "rprivate", "shared",	  "rshared",
			     "slave",	"rslave",   "unbindable", "runbindable" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ou_autofree char *top =
			ou_xasprintf(",\"linux\":{\"rootfsPropagation\":\"%s\"}", ok[i]);

		expect_ok("", top);
	}
	expect_invalid("", ",\"linux\":{\"rootfsPropagation\":\"recursive\"}");
}

Test(validate, personality_and_time_offsets)
{
	expect_ok("", ",\"linux\":{\"personality\":{\"domain\":\"LINUX32\"},\"timeOffsets\":"
		      "{\"monotonic\":{\"secs\":1},\"boottime\":{\"secs\":2}}}");
	expect_invalid("", ",\"linux\":{\"personality\":{\"domain\":\"WIN32\"}}");
	expect_invalid("", ",\"linux\":{\"timeOffsets\":{\"realtime\":{\"secs\":1}}}");
}

Test(validate, process_enumerations)
{
	expect_ok(",\"scheduler\":{\"policy\":\"SCHED_BATCH\"},\"ioPriority\":"
		  "{\"class\":\"IOPRIO_CLASS_IDLE\"},\"execCPUAffinity\":{\"initial\":\"0-1, 3\"}",
		  "");
	expect_invalid(",\"scheduler\":{\"policy\":\"SCHED_NOPE\"}", "");
	expect_invalid(",\"ioPriority\":{\"class\":\"RT\"}", "");
	expect_invalid(",\"execCPUAffinity\":{\"final\":\"all\"}", "");
}

Test(validate, hook_paths_absolute)
{
	expect_ok("", ",\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\"}]}");
	expect_message("", ",\"hooks\":{\"createRuntime\":[{\"path\":\"true\"}]}", OU_E_INVALID,
		       "hooks.createRuntime[0].path: must be an absolute path");
}

Test(validate, hugepage_page_size)
{
	expect_ok("", ",\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"2MB\","
		      "\"limit\":1},{\"pageSize\":\"1GB\",\"limit\":0}]}}");
	expect_invalid("", ",\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":"
			   "\"64kB\",\"limit\":1}]}}");
	expect_invalid("", ",\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":"
			   "\"02MB\",\"limit\":1}]}}");
	expect_invalid("", ",\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":"
			   "\"MB\",\"limit\":1}]}}");
}

/* Limitations (README): these valid settings are refused as unsupported. */
Test(validate, unsupported_linux_features)
{
	expect_message("", ",\"linux\":{\"intelRdt\":{\"closID\":\"g\"}}", OU_E_UNSUPPORTED,
		       "linux.intelRdt is not supported");
	expect_message("", ",\"linux\":{\"netDevices\":{\"eth0\":{}}}", OU_E_UNSUPPORTED,
		       "linux.netDevices is not supported");
	expect_message("", ",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\"}}",
		       OU_E_UNSUPPORTED, "linux.memoryPolicy is not supported");
}

Test(validate, empty_root_path)
{
	cr_assert_eq(validate_json("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"\"}}", 0),
		     OU_E_INVALID);
}

/* config.md, Annotations: keys MUST NOT be empty. */
Test(validate, empty_annotation_key)
{
	expect_ok("", ",\"annotations\":{\"a\":\"b\"}");
	expect_message("", ",\"annotations\":{\"\":\"b\"}", OU_E_INVALID,
		       "annotations: keys must not be empty");
}

/* config-linux.md, Seccomp: listenerMetadata without listenerPath is an error. */
Test(validate, listener_metadata_needs_a_path)
{
	expect_ok("", ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		      "\"listenerPath\":\"/run/l.sock\",\"listenerMetadata\":\"x\"}}");
	expect_message("",
		       ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		       "\"listenerMetadata\":\"x\"}}",
		       OU_E_INVALID, "linux.seccomp.listenerMetadata: needs listenerPath");
}

/* One bind mount with options opts and then maps spliced in, and linux_. */
static char *idmap_top(const char *opts, const char *maps, const char *linux_)
{
	return ou_xasprintf(",\"mounts\":[{\"destination\":\"/m\",\"type\":\"bind\","
			    "\"source\":\"/s\",\"options\":[%s]%s}],\"linux\":{%s}",
			    opts, maps, linux_);
}

#define MAP(c, h, n) "{\"containerID\":" #c ",\"hostID\":" #h ",\"size\":" #n "}"
#define MAPS(u, g)   ",\"uidMappings\":[" u "],\"gidMappings\":[" g "]"
#define USERNS	     "\"namespaces\":[{\"type\":\"user\"},{\"type\":\"mount\"}]"
#define MOUNTNS	     "\"namespaces\":[{\"type\":\"mount\"}]"

static void expect_idmap(const char *opts, const char *maps, const char *linux_,
			 enum ou_errkind kind, const char *want)
{
	ou_autofree char *top = idmap_top(opts, maps, linux_);

	if (want == NULL)
		expect_ok("", top);
	else
		expect_message("", top, kind, want);
}

/* config.md, Mounts: idmap and ridmap on a bind mount, with or without mappings. */
Test(validate, idmapped_mounts_accepted)
{
	expect_idmap("\"rbind\",\"idmap\"", "", USERNS, 0, NULL);
	expect_idmap("\"bind\",\"ridmap\"", "", USERNS, 0, NULL);
	expect_idmap("\"rbind\",\"ridmap\"", MAPS(MAP(0, 2000, 10), MAP(0, 3000, 10)), MOUNTNS, 0,
		     NULL);
	/* Mappings without the option (which the spec recommends) still map. */
	expect_idmap("\"bind\"", MAPS(MAP(0, 2000, 10) "," MAP(10, 5000, 1), MAP(0, 3000, 10)),
		     MOUNTNS, 0, NULL);
	expect_idmap("\"bind\"", MAPS(MAP(0, 1, 4294967294), MAP(4294967293, 0, 2)), MOUNTNS, 0,
		     NULL);
}

/* config.md, Mounts: uidMappings MUST be given along with gidMappings, and back. */
Test(validate, mount_mappings_go_in_pairs)
{
	expect_idmap("\"bind\",\"idmap\"", ",\"uidMappings\":[" MAP(0, 2000, 10) "]", MOUNTNS,
		     OU_E_INVALID, "mounts[0].gidMappings: required with uidMappings");
	expect_idmap("\"bind\",\"idmap\"", ",\"gidMappings\":[" MAP(0, 2000, 10) "]", MOUNTNS,
		     OU_E_INVALID, "mounts[0].uidMappings: required with gidMappings");
}

/* config.md, idmap: no mappings and no user namespace MUST be an error. */
Test(validate, idmap_without_mappings_needs_a_user_namespace)
{
	expect_idmap(
		"\"rbind\",\"idmap\"", "", MOUNTNS, OU_E_INVALID,
		"mounts[0].options: 'idmap' without uidMappings and gidMappings needs a user namespace");
	expect_idmap(
		"\"rbind\",\"ridmap\"", "", MOUNTNS, OU_E_INVALID,
		"mounts[0].options: 'ridmap' without uidMappings and gidMappings needs a user namespace");
}

/* config-linux.md, User namespace mappings: ranges the kernel would refuse. */
Test(validate, malformed_mount_mappings)
{
	expect_idmap("\"bind\"", MAPS(MAP(0, 2000, 0), MAP(0, 2000, 1)), MOUNTNS, OU_E_INVALID,
		     "mounts[0].uidMappings[0].size: must not be 0");
	expect_idmap("\"bind\"", MAPS(MAP(0, 2000, 1), MAP(0, 4294967295, 1)), MOUNTNS,
		     OU_E_INVALID, "mounts[0].gidMappings[0]: the range goes past id 4294967294");
	expect_idmap("\"bind\"", MAPS(MAP(4294967290, 0, 6), MAP(0, 0, 1)), MOUNTNS, OU_E_INVALID,
		     "mounts[0].uidMappings[0]: the range goes past id 4294967294");
	expect_idmap("\"bind\"", MAPS(MAP(0, 2000, 10) "," MAP(5, 9000, 10), MAP(0, 0, 1)), MOUNTNS,
		     OU_E_INVALID, "mounts[0].uidMappings[1]: overlaps mounts[0].uidMappings[0]");
	expect_idmap("\"bind\"", MAPS(MAP(0, 2000, 1), MAP(0, 2000, 10) "," MAP(20, 2009, 1)),
		     MOUNTNS, OU_E_INVALID,
		     "mounts[0].gidMappings[1]: overlaps mounts[0].gidMappings[0]");
}

/* The kernel's limit of 340 ranges per map. */
Test(validate, too_many_mount_mapping_ranges)
{
	char *ranges = ou_xstrdup(MAP(0, 1000, 1));
	ou_autofree char *maps = NULL;

	for (int i = 1; i <= 340; i++) {
		char *more = ou_xasprintf("%s,{\"containerID\":%d,\"hostID\":%d,\"size\":1}",
					  ranges, i, 1000 + i);

		free(ranges);
		ranges = more;
	}
	maps = ou_xasprintf(MAPS("%s", MAP(0, 0, 1)), ranges);
	expect_idmap("\"bind\"", maps, MOUNTNS, OU_E_INVALID,
		     "mounts[0].uidMappings: more than 340 ranges");
	free(ranges);
}

/* README, Limitations: only bind mounts are idmapped. */
Test(validate, idmap_of_a_mount_that_is_not_a_bind_is_unsupported)
{
	expect_message("",
		       ",\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\","
		       "\"options\":[\"idmap\"]}],\"linux\":{" USERNS "}",
		       OU_E_UNSUPPORTED,
		       "mounts[0]: idmapped mounts are only supported for bind mounts");
	expect_message("",
		       ",\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\"" MAPS(
			       MAP(0, 1, 1), MAP(0, 1, 1)) "}]",
		       OU_E_UNSUPPORTED,
		       "mounts[0]: idmapped mounts are only supported for bind mounts");
}

/* utsname(2): the kernel takes at most 64 bytes; the name is not echoed. */
Test(validate, hostname_and_domainname_at_most_64_bytes)
{
	char name[66];
	ou_autofree char *ok = NULL;
	ou_autofree char *host = NULL;
	ou_autofree char *domain = NULL;

	memset(name, 'h', 65);
	name[65] = '\0';
	host = ou_xasprintf(",\"hostname\":\"%s\"", name);
	domain = ou_xasprintf(",\"domainname\":\"%s\"", name);
	name[64] = '\0';
	ok = ou_xasprintf(",\"hostname\":\"%s\",\"domainname\":\"%s\"", name, name);
	expect_ok("", ok);
	expect_message("", host, OU_E_INVALID, "hostname: 65 bytes, longer than the 64 allowed");
	expect_message("", domain, OU_E_INVALID,
		       "domainname: 65 bytes, longer than the 64 allowed");
}
