/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "runtime/base/util.h"
#include "runtime/cgroup.h"
#include "runtime/cgroup_internal.h"

/*
 * Fake cgroup trees in a temporary directory: plain directories and files
 * stand in for the hierarchies (see ou_cgroup_set_test_root()).
 */

static char root[64];

static const char *const v1_ctrls[] = { "cpu",	   "cpuacct", "cpuset", "memory",  "devices",
					"freezer", "blkio",   "pids",	"hugetlb", "systemd" };

static void put_file(const char *rel, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	cr_assert_not_null(f, "create %s", path);
	fputs(content, f);
	fclose(f);
}

static void make_dir(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s", path);
}

/* Contents of root/rel without trailing newline; NULL if missing. */
static char *get_file(const char *rel)
{
	char path[512];
	char *s = NULL;
	size_t len = 0;
	struct ou_error *e = NULL;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (ou_read_file(path, 0, &s, &len, &e) < 0) {
		ou_error_free(e);
		return NULL;
	}
	while (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	return s;
}

static void expect_file(const char *rel, const char *want)
{
	char *got = get_file(rel);

	cr_assert_not_null(got, "file %s missing", rel);
	cr_expect_str_eq(got, want, "%s", rel);
	free(got);
}

static bool exists(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, F_OK) == 0;
}

static void setup(void)
{
	strcpy(root, "/tmp/ou-cgtest-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void teardown(void)
{
	ou_cgroup_set_test_root(NULL);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void build_v1(void)
{
	for (size_t i = 0; i < sizeof(v1_ctrls) / sizeof(v1_ctrls[0]); i++)
		make_dir(v1_ctrls[i]);
	put_file("cpuset/cpuset.cpus", "0-3\n");
	put_file("cpuset/cpuset.mems", "0\n");
	ou_cgroup_set_test_root(root);
}

static void build_v2(void)
{
	put_file("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	put_file("cgroup.subtree_control", "");
	ou_cgroup_set_test_root(root);
}

static void build_hybrid(void)
{
	for (size_t i = 0; i < sizeof(v1_ctrls) / sizeof(v1_ctrls[0]); i++) {
		if (strcmp(v1_ctrls[i], "hugetlb") != 0)
			make_dir(v1_ctrls[i]);
	}
	put_file("cpuset/cpuset.cpus", "0-3\n");
	put_file("cpuset/cpuset.mems", "0\n");
	make_dir("unified");
	put_file("unified/cgroup.controllers", "hugetlb\n");
	ou_cgroup_set_test_root(root);
}

static struct ou_cgroup *create_ok(const char *path, const struct ou_resources *res)
{
	struct ou_cgroup *cg = NULL;
	struct ou_error *e = NULL;
	int r = ou_cgroup_create(path, res, false, &cg, &e);

	cr_assert_eq(r, 0, "create failed: %s", e != NULL ? e->msg : "");
	return cg;
}

static void create_fails(const char *path, const struct ou_resources *res, enum ou_errkind kind)
{
	struct ou_cgroup *cg = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(ou_cgroup_create(path, res, false, &cg, &e), -1);
	cr_assert_not_null(e);
	cr_expect_eq(e->kind, kind, "kind %d, want %d (%s)", e->kind, kind, e->msg);
	cr_expect_null(cg);
	ou_error_free(e);
}

TestSuite(cgroup, .init = setup, .fini = teardown);

static enum ou_cgroup_mode detect(void)
{
	enum ou_cgroup_mode mode = 0;
	struct ou_error *e = NULL;

	cr_assert_eq(ou_cgroup_detect(&mode, &e), 0);
	return mode;
}

Test(cgroup, detects_v1)
{
	build_v1();
	cr_expect_eq(detect(), OU_CGROUP_MODE_V1);
}

Test(cgroup, detects_v2)
{
	build_v2();
	cr_expect_eq(detect(), OU_CGROUP_MODE_V2);
}

Test(cgroup, detects_hybrid)
{
	struct ou_error *e = NULL;
	const struct ou_cgroup_layout *lay;

	build_hybrid();
	cr_expect_eq(detect(), OU_CGROUP_MODE_HYBRID);
	lay = ou_cgroup_layout(&e);
	cr_assert_not_null(lay);
	cr_expect_eq(lay->v2_mask, OU_CG_BIT(OU_CG_HUGETLB));
}

Test(cgroup, empty_root_is_unsupported)
{
	enum ou_cgroup_mode mode = 0;
	struct ou_error *e = NULL;

	ou_cgroup_set_test_root(root);
	cr_assert_eq(ou_cgroup_detect(&mode, &e), -1);
	cr_expect_eq(e->kind, OU_E_UNSUPPORTED);
	ou_error_free(e);
}

static void expect_path(const char *cgroups_path, const char *want)
{
	char *got = ou_cgroup_path_for(cgroups_path, "ctr");

	if (want == NULL) {
		cr_expect_null(got, "'%s' gave '%s'", cgroups_path, got);
	} else {
		cr_assert_not_null(got, "'%s' gave NULL", cgroups_path);
		cr_expect_str_eq(got, want);
	}
	free(got);
}

Test(cgroup, path_for_cases)
{
	build_v1();
	put_file(".self_cgroup", "3:cpu:/cpuparent\n1:name=systemd:/user.slice/me\n0::/\n");
	expect_path(NULL, "/ociunion/ctr");
	expect_path("", "/ociunion/ctr");
	expect_path("/abs/path", "/abs/path");
	expect_path("/abs//x/./y/", "/abs/x/y");
	expect_path("/a/../b", "/b");
	expect_path("/../etc", NULL);
	expect_path("/a/../../b", NULL);
	expect_path("rel/c1", "/user.slice/me/rel/c1");
	expect_path("../sib", "/user.slice/sib");
	expect_path("../../../x", NULL);
}

Test(cgroup, path_for_relative_v2_uses_unified_line)
{
	build_v2();
	put_file(".self_cgroup", "0::/system.slice/rt.service\n");
	expect_path("c1", "/system.slice/rt.service/c1");
}

Test(cgroup, create_rejects_bad_path)
{
	build_v1();
	create_fails("relative", NULL, OU_E_INVALID);
	create_fails("/a/../b", NULL, OU_E_INVALID);
	create_fails("/", NULL, OU_E_INVALID);
}

Test(cgroup, v1_creates_every_hierarchy_and_inherits_cpuset)
{
	struct ou_cgroup *cg;

	build_v1();
	cg = create_ok("/ociunion/c1", NULL);
	for (size_t i = 0; i < sizeof(v1_ctrls) / sizeof(v1_ctrls[0]); i++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "%s/ociunion/c1", v1_ctrls[i]);
		cr_expect(exists(rel), "%s missing", rel);
	}
	expect_file("cpuset/ociunion/cpuset.cpus", "0-3");
	expect_file("cpuset/ociunion/c1/cpuset.cpus", "0-3");
	expect_file("cpuset/ociunion/c1/cpuset.mems", "0");
	cr_expect_eq(ou_cgroup_v2_fd(cg), -1);
	ou_cgroup_free(cg);
}

Test(cgroup, v1_memory_files)
{
	struct ou_memory mem = { .limit = { true, 1048576 },
				 .reservation = { true, 524288 },
				 .swap = { true, 2097152 },
				 .swappiness = { true, 10 },
				 .has_disable_oom_killer = true,
				 .disable_oom_killer = true };
	struct ou_resources res = { .memory = &mem };

	build_v1();
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("memory/c1/memory.limit_in_bytes", "1048576");
	expect_file("memory/c1/memory.soft_limit_in_bytes", "524288");
	expect_file("memory/c1/memory.memsw.limit_in_bytes", "2097152");
	expect_file("memory/c1/memory.swappiness", "10");
	expect_file("memory/c1/memory.oom_control", "1");
	cr_expect_not(exists("memory/c1/memory.kmem.limit_in_bytes"), "unset field written");
}

Test(cgroup, v2_memory_files)
{
	struct ou_memory mem = { .limit = { true, 1048576 },
				 .reservation = { true, 4096 },
				 .swap = { true, 3145728 } };
	struct ou_resources res = { .memory = &mem };

	build_v2();
	ou_cgroup_free(create_ok("/ociunion/c1", &res));
	expect_file("ociunion/c1/memory.max", "1048576");
	expect_file("ociunion/c1/memory.low", "4096");
	expect_file("ociunion/c1/memory.swap.max", "2097152");
	expect_file("cgroup.subtree_control", "+cpu +memory +pids");
	expect_file("ociunion/cgroup.subtree_control", "+cpu +memory +pids");
}

Test(cgroup, v2_memory_unlimited_and_bad_swap)
{
	struct ou_memory mem = { .limit = { true, -1 }, .swap = { true, -1 } };
	struct ou_memory bad = { .limit = { true, 4096 }, .swap = { true, 1024 } };
	struct ou_memory oom = { .has_disable_oom_killer = true, .disable_oom_killer = true };
	struct ou_resources res = { .memory = &mem };

	build_v2();
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("c1/memory.max", "max");
	expect_file("c1/memory.swap.max", "max");
	res.memory = &bad;
	create_fails("/c2", &res, OU_E_INVALID);
	res.memory = &oom;
	create_fails("/c3", &res, OU_E_UNSUPPORTED);
}

Test(cgroup, v1_cpu_files)
{
	struct ou_cpu cpu = { .shares = { true, 512 },
			      .quota = { true, 50000 },
			      .period = { true, 100000 },
			      .cpus = "1-2",
			      .mems = "0" };
	struct ou_resources res = { .cpu = &cpu };

	build_v1();
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("cpu/c1/cpu.shares", "512");
	expect_file("cpu/c1/cpu.cfs_quota_us", "50000");
	expect_file("cpu/c1/cpu.cfs_period_us", "100000");
	expect_file("cpuset/c1/cpuset.cpus", "1-2");
	cr_expect_not(exists("cpu/c1/cpu.rt_runtime_us"));
}

Test(cgroup, v2_shares_to_weight)
{
	cr_expect_eq(ou_cgroup_v2_shares_to_weight(2), 1);
	cr_expect_eq(ou_cgroup_v2_shares_to_weight(1024), 39);
	cr_expect_eq(ou_cgroup_v2_shares_to_weight(262144), 10000);
}

Test(cgroup, v2_cpu_files)
{
	struct ou_cpu cpu = { .shares = { true, 1024 },
			      .quota = { true, 20000 },
			      .period = { true, 100000 },
			      .burst = { true, 1000 } };
	struct ou_cpu unlimited = { .quota = { true, -1 } };
	struct ou_cpu rt = { .realtime_runtime = { true, 1000 } };
	struct ou_resources res = { .cpu = &cpu };

	build_v2();
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("c1/cpu.weight", "39");
	expect_file("c1/cpu.max", "20000 100000");
	expect_file("c1/cpu.max.burst", "1000");
	res.cpu = &unlimited;
	ou_cgroup_free(create_ok("/c2", &res));
	expect_file("c2/cpu.max", "max");
	res.cpu = &rt;
	create_fails("/c3", &res, OU_E_UNSUPPORTED);
}

Test(cgroup, v2_period_alone_keeps_quota)
{
	struct ou_cpu cpu = { .period = { true, 50000 } };
	struct ou_resources res = { .cpu = &cpu };
	struct ou_cgroup *cg;
	struct ou_error *e = NULL;

	build_v2();
	cg = create_ok("/c1", NULL);
	put_file("c1/cpu.max", "30000 100000\n");
	cr_assert_eq(ou_cgroup_update(cg, &res, &e), 0);
	expect_file("c1/cpu.max", "30000 50000");
	ou_cgroup_free(cg);
}

Test(cgroup, pids_limit_values)
{
	struct ou_resources res = { .has_pids_limit = true, .pids_limit = -1 };

	build_v1();
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("pids/c1/pids.max", "max");
	res.pids_limit = 0;
	ou_cgroup_free(create_ok("/c2", &res));
	expect_file("pids/c2/pids.max", "0");
	res.pids_limit = 100;
	ou_cgroup_free(create_ok("/c3", &res));
	expect_file("pids/c3/pids.max", "100");
}

Test(cgroup, v2_pids_limit)
{
	struct ou_resources res = { .has_pids_limit = true, .pids_limit = -1 };

	build_v2();
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("c1/pids.max", "max");
}

static struct ou_throttle_device rbps = { 8, 0, 1000 };

Test(cgroup, v1_blkio_files)
{
	struct ou_block_io b = { .has_weight = true,
				 .weight = 500,
				 .throttle_read_bps_device = { 1, &rbps } };
	struct ou_resources res = { .block_io = &b };

	build_v1();
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("blkio/c1/blkio.weight", "500");
	expect_file("blkio/c1/blkio.throttle.read_bps_device", "8:0 1000");
}

Test(cgroup, v2_io_files)
{
	struct ou_block_io b = { .has_weight = true,
				 .weight = 500,
				 .throttle_read_bps_device = { 1, &rbps } };
	struct ou_block_io leaf = { .has_leaf_weight = true, .leaf_weight = 10 };
	struct ou_resources res = { .block_io = &b };

	build_v2();
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("c1/io.bfq.weight", "default 500");
	expect_file("c1/io.max", "8:0 rbps=1000");
	res.block_io = &leaf;
	create_fails("/c2", &res, OU_E_UNSUPPORTED);
}

static struct ou_hugepage_limit huge_2m = { "2MB", 4194304 };

Test(cgroup, hugetlb_v1_v2_hybrid)
{
	struct ou_resources res = { .n_hugepage_limits = 1, .hugepage_limits = &huge_2m };

	build_hybrid();
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("unified/c1/hugetlb.2MB.max", "4194304");
	expect_file("unified/cgroup.subtree_control", "+hugetlb");
	cr_expect(exists("memory/c1"));
}

Test(cgroup, hugetlb_v1_file)
{
	struct ou_resources res = { .n_hugepage_limits = 1, .hugepage_limits = &huge_2m };

	build_v1();
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("hugetlb/c1/hugetlb.2MB.limit_in_bytes", "4194304");
}

Test(cgroup, hugetlb_bad_page_size)
{
	struct ou_hugepage_limit bad = { "../2MB", 1 };
	struct ou_resources res = { .n_hugepage_limits = 1, .hugepage_limits = &bad };

	build_v2();
	create_fails("/c1", &res, OU_E_INVALID);
	cr_expect_not(exists("c1"));
}

static void unified_case(const char *key, enum ou_errkind kind)
{
	struct ou_kv kv = { (char *)key, (char *)"1" };
	struct ou_resources res = { .unified = { 1, &kv } };

	create_fails("/u", &res, kind);
}

Test(cgroup, unified_key_checks)
{
	struct ou_kv kv = { (char *)"memory.high", (char *)"65536" };
	struct ou_resources res = { .unified = { 1, &kv } };

	build_v2();
	unified_case("../memory.max", OU_E_INVALID);
	unified_case("sub/memory.max", OU_E_INVALID);
	unified_case("..", OU_E_INVALID);
	unified_case("", OU_E_INVALID);
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("c1/memory.high", "65536");
}

Test(cgroup, unified_hybrid_and_v1)
{
	build_hybrid();
	/* memory is bound in v1: not available in the unified hierarchy */
	unified_case("memory.max", OU_E_UNSUPPORTED);
	ou_cgroup_set_test_root(NULL);
	teardown();
	setup();
	build_v1();
	unified_case("memory.max", OU_E_UNSUPPORTED);
}

Test(cgroup, v1_devices_in_order)
{
	struct ou_device_cgroup devs[] = {
		{ .allow = false, .access = (char *)"rwm" },
		{ .allow = true,
		  .type = (char *)"c",
		  .has_major = true,
		  .major = 1,
		  .has_minor = true,
		  .minor = 3,
		  .access = (char *)"rwm" },
		{ .allow = true, .type = (char *)"b", .has_major = true, .major = 8 },
	};
	struct ou_resources res = { .n_devices = 3, .devices = devs };

	build_v1();
	ou_cgroup_free(create_ok("/c1", &res));
	expect_file("devices/c1/devices.deny", "a");
	expect_file("devices/c1/devices.allow", "b 8:* rwm");
}

/*
 * On cgroup2 the rules become a device program; a bad rule is refused
 * before any kernel call, and the directories made are removed again.
 */
Test(cgroup, v2_bad_device_rule_invalid)
{
	struct ou_device_cgroup dev = { .allow = true, .type = (char *)"x" };
	struct ou_resources res = { .n_devices = 1, .devices = &dev };

	build_v2();
	create_fails("/ociunion/c1", &res, OU_E_INVALID);
	cr_expect_not(exists("ociunion"));
}

/* Without a v1 devices hierarchy or cgroup2 there is nowhere to put them. */
Test(cgroup, devices_without_any_devices_hierarchy_unsupported)
{
	struct ou_device_cgroup dev = { .allow = false };
	struct ou_resources res = { .n_devices = 1, .devices = &dev };

	make_dir("memory");
	ou_cgroup_set_test_root(root);
	create_fails("/c1", &res, OU_E_UNSUPPORTED);
	cr_expect_not(exists("memory/c1"));
}

Test(cgroup, unmounted_controller_unsupported)
{
	struct ou_resources res = { .has_pids_limit = true, .pids_limit = 5 };
	struct ou_network net = { .has_class_id = true, .class_id = 7 };

	make_dir("memory");
	ou_cgroup_set_test_root(root);
	create_fails("/c1", &res, OU_E_UNSUPPORTED);
	res.has_pids_limit = false;
	res.network = &net;
	create_fails("/c1", &res, OU_E_UNSUPPORTED);
	cr_expect_not(exists("memory/c1"));
}

Test(cgroup, rollback_removes_only_created_dirs)
{
	struct ou_kv kv = { (char *)"bad/key", (char *)"1" };
	struct ou_resources res = { .unified = { 1, &kv } };

	build_hybrid();
	make_dir("memory/ociunion");
	put_file("memory/ociunion/keep", "x");
	make_dir("pids/ociunion");
	make_dir("pids/ociunion/c1");
	create_fails("/ociunion/c1", &res, OU_E_INVALID);
	cr_expect(exists("memory/ociunion/keep"));
	cr_expect_not(exists("memory/ociunion/c1"));
	cr_expect(exists("pids/ociunion/c1"), "pre-existing leaf removed");
	cr_expect_not(exists("cpu/ociunion"), "created parent left behind");
	cr_expect_not(exists("unified/ociunion"));
}

Test(cgroup, existing_cgroup_with_processes_refused_v1)
{
	build_v1();
	make_dir("pids/shared");
	put_file("pids/shared/cgroup.procs", "4242\n");
	create_fails("/shared", NULL, OU_E_STATE);
	cr_expect(exists("pids/shared/cgroup.procs"), "the other's cgroup was touched");
	cr_expect_not(exists("memory/shared"), "a directory made for the refused create stayed");
}

Test(cgroup, existing_cgroup_with_processes_refused_v2)
{
	build_v2();
	make_dir("shared");
	put_file("shared/cgroup.procs", "4242\n");
	create_fails("/shared", NULL, OU_E_STATE);
	cr_expect(exists("shared/cgroup.procs"));
}

Test(cgroup, existing_cgroup_populated_below_refused_v2)
{
	build_v2();
	make_dir("shared");
	put_file("shared/cgroup.procs", "");
	put_file("shared/cgroup.events", "populated 1\nfrozen 0\n");
	create_fails("/shared", NULL, OU_E_STATE);
}

Test(cgroup, existing_empty_cgroup_is_borrowed)
{
	struct ou_cgroup *cg;

	build_hybrid();
	make_dir("unified/shared");
	put_file("unified/shared/cgroup.procs", "");
	put_file("unified/shared/cgroup.events", "populated 0\nfrozen 0\n");
	cg = create_ok("/shared", NULL);
	cr_expect(ou_cgroup_is_borrowed(cg));
	ou_cgroup_free(cg);
	cg = create_ok("/own", NULL);
	cr_expect_not(ou_cgroup_is_borrowed(cg));
	ou_cgroup_free(cg);
}

Test(cgroup, exists_in_any_hierarchy)
{
	build_hybrid();
	cr_expect_not(ou_cgroup_exists("/shared"));
	make_dir("unified/shared");
	cr_expect(ou_cgroup_exists("/shared"), "only in cgroup2");
	make_dir("pids/other");
	cr_expect(ou_cgroup_exists("/other"), "only in one v1 hierarchy");
}

Test(cgroup, enter_writes_every_hierarchy)
{
	struct ou_cgroup *cg;
	struct ou_error *e = NULL;

	build_hybrid();
	cg = create_ok("/c1", NULL);
	cr_assert_eq(ou_cgroup_enter(cg, 4242, &e), 0);
	expect_file("memory/c1/cgroup.procs", "4242");
	expect_file("systemd/c1/cgroup.procs", "4242");
	expect_file("unified/c1/cgroup.procs", "4242");
	ou_cgroup_free(cg);
}

Test(cgroup, freeze_and_pids_v1)
{
	struct ou_cgroup *cg;
	struct ou_error *e = NULL;
	pid_t *pids = NULL;
	size_t n = 0;

	build_v1();
	cg = create_ok("/c1", NULL);
	cr_assert_eq(ou_cgroup_freeze(cg, true, &e), 0);
	expect_file("freezer/c1/freezer.state", "FROZEN");
	cr_expect(ou_cgroup_is_frozen(cg));
	cr_assert_eq(ou_cgroup_freeze(cg, false, &e), 0);
	cr_expect_not(ou_cgroup_is_frozen(cg));
	put_file("pids/c1/cgroup.procs", "2147483000\n2147483001\n");
	cr_assert_eq(ou_cgroup_pids(cg, &pids, &n, &e), 0);
	cr_assert_eq(n, 2);
	cr_expect_eq(pids[1], 2147483001);
	free(pids);
	ou_cgroup_free(cg);
}

Test(cgroup, destroy_removes_leaf_only)
{
	struct ou_cgroup *cg;
	struct ou_error *e = NULL;

	build_v2();
	cg = create_ok("/ociunion/c1", NULL);
	cr_assert_eq(ou_cgroup_destroy(cg, &e), 0, "%s", e != NULL ? e->msg : "");
	cr_expect_not(exists("ociunion/c1"));
	cr_expect(exists("ociunion"));
	ou_cgroup_free(cg);
}

Test(cgroup, stats_v2)
{
	struct ou_cgroup *cg;
	struct ou_cgroup_stats st;
	struct ou_error *e = NULL;

	build_v2();
	cg = create_ok("/c1", NULL);
	put_file("c1/memory.current", "4096\n");
	put_file("c1/memory.max", "max\n");
	put_file("c1/cpu.stat", "usage_usec 12\nuser_usec 10\n");
	put_file("c1/pids.current", "3\n");
	put_file("c1/pids.max", "64\n");
	cr_assert_eq(ou_cgroup_stats(cg, &st, &e), 0);
	cr_expect_eq(st.memory_usage, 4096);
	cr_expect_eq(st.memory_limit, 0);
	cr_expect_eq(st.cpu_usage_ns, 12000);
	cr_expect_eq(st.pids_current, 3);
	cr_expect_eq(st.pids_limit, 64);
	ou_cgroup_free(cg);
}

/* proc(5), /proc/pid/mountinfo: optional fields, escapes, empty source */
Test(cgroup, cgroup_mounts_are_read_from_mountinfo)
{
	char dir[] = "/tmp/ou-test-cgroup-XXXXXX";
	char path[64];
	struct ou_cgroup_mnt *m = NULL;
	struct ou_error *err = NULL;
	size_t n = 0;
	const char *info =
		"22 27 0:21 / /proc rw,relatime shared:12 - proc proc rw\n"
		"30 25 0:26 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 cgroup2 rw\n"
		"31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw shared:10 master:3 - cgroup cgroup "
		"rw,cpu,cpuacct,clone_children\n"
		"32 25 0:28 / /sys/fs/cgroup/my\\040sd rw - cgroup  rw,xattr,name=systemd\n"
		"33 25 0:29 / /mnt/cgroupish rw - tmpfs cgroup rw\n"
		"34 25 0:30 / /short\n";

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mountinfo", dir);
	cr_assert_eq(ou_write_file(path, info, strlen(info), 0644, &err), 0);

	cr_assert_eq(ou_cgroup_mounts_read(path, &m, &n, &err), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(m[0].mountpoint, "/sys/fs/cgroup/unified");
	cr_assert_str_eq(m[0].name, "unified");
	cr_assert(m[0].v2);
	cr_assert_null(m[0].options);
	cr_assert_str_eq(m[1].mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
	cr_assert_str_eq(m[1].name, "cpu,cpuacct");
	cr_assert_not(m[1].v2);
	cr_assert_str_eq(m[1].options, "cpu,cpuacct");
	cr_assert_str_eq(m[2].mountpoint, "/sys/fs/cgroup/my sd");
	cr_assert_str_eq(m[2].options, "xattr,name=systemd");
	ou_cgroup_mounts_free(m, n);
	unlink(path);
	rmdir(dir);
}

Test(cgroup, missing_mountinfo_is_a_system_error)
{
	struct ou_cgroup_mnt *m = NULL;
	struct ou_error *err = NULL;
	size_t n = 1;

	cr_assert_eq(ou_cgroup_mounts_read("/nonexistent/mountinfo", &m, &n, &err), -1);
	cr_assert_eq(err->kind, OU_E_SYSTEM);
	cr_assert_null(m);
	cr_assert_eq(n, 0);
	ou_error_free(err);
}
