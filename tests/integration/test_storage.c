/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The storage model (issue 4, ../shared/SCENARIOS.md): union root
 * filesystems of image layers, one writable layer per container, volumes
 * with a life of their own, bind mounts, and cp.  Each scenario of
 * SCENARIOS.md is one test here (scenario_N_...), followed by the edge
 * cases of the issue.  Every test has its own --root and --storage-root.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/integration/harness.h"

#define T_TIMEOUT 60

TestSuite(storage, .init = ou_harness_init, .fini = ou_harness_fini);

/* ---- helpers ---- */

static const char *storage(void)
{
	static char *s;

	if (s == NULL)
		s = ou_harness_path("storage");
	return s;
}

/* RUNTIME --root ROOT --storage-root STORAGE ARG...; NULL ends the list. */
static void rt(struct ou_harness_result *res, const char *arg, ...)
{
	const char *args[64] = { "--storage-root", storage() };
	size_t n = 2;
	va_list ap;

	va_start(ap, arg);
	for (const char *a = arg; a != NULL; a = va_arg(ap, const char *))
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	ou_harness_rtv(res, 30, args);
}

/* Run rt and require exit status 0. */
#define RT_OK(res, ...)                                                                    \
	do {                                                                               \
		rt(res, __VA_ARGS__, NULL);                                                \
		cr_assert_eq((res)->status, 0, "exit %d; out: %s; err: %s", (res)->status, \
			     (res)->out, (res)->err);                                      \
	} while (0)

static void put(const char *path, const char *text)
{
	ou_harness_write(path, text);
}

static char *slurp(const char *path)
{
	return ou_harness_read(path);
}

/* The image's top layer: /etc/app.conf, /data/seed (its VOLUME), /srv/{a,b}. */
static char *make_top(const char *name)
{
	char *top = ou_harness_path("%s", name);
	char *p;

	p = ou_harness_path("%s/etc", name);
	ou_harness_mkdir(p);
	free(p);
	p = ou_harness_path("%s/etc/app.conf", name);
	put(p, "color=blue\n");
	free(p);
	p = ou_harness_path("%s/data", name);
	ou_harness_mkdir(p);
	free(p);
	p = ou_harness_path("%s/data/seed", name);
	put(p, "seed\n");
	free(p);
	p = ou_harness_path("%s/srv", name);
	ou_harness_mkdir(p);
	free(p);
	p = ou_harness_path("%s/srv/a", name);
	put(p, "a\n");
	free(p);
	p = ou_harness_path("%s/srv/b", name);
	put(p, "b\n");
	free(p);
	return top;
}

/* Base (the harness's busybox rootfs) and the top layer. */
static char *image_layers(void)
{
	static char *layers;

	if (layers == NULL) {
		char *top = make_top("layer-top");

		cr_assert(asprintf(&layers, "%s:%s", ou_harness_rootfs(), top) > 0);
		free(top);
	}
	return layers;
}

/* A config whose root is the union of layers at "merged" (made by create). */
static struct ou_harness_json *layered(const char *layers, const char *script)
{
	struct ou_harness_json *cfg = ou_harness_config_new();

	ou_harness_json_set_str(cfg, "root.path", "merged");
	ou_harness_config_annotate(cfg, "org.ociunion.rootfs.layers", layers);
	if (script != NULL)
		ou_harness_config_args(cfg, "sh", "-c", script, NULL);
	return cfg;
}

/* Write cfg into a new bundle directory NAME (no rootfs of its own). */
static char *bundle_of(struct ou_harness_json *cfg, const char *name)
{
	char *dir = ou_harness_path("%s", name);

	ou_harness_mkdir(dir);
	ou_harness_config_write(cfg, dir);
	ou_harness_json_free(cfg);
	return dir;
}

/* run in the foreground; returns the container's stdout (caller frees). */
static char *run_in(const char *bundle, const char *id, bool keep)
{
	struct ou_harness_result res;
	char *out;

	ou_harness_track_id(id);
	if (keep)
		rt(&res, "run", "--keep", "--bundle", bundle, id, NULL);
	else
		rt(&res, "run", "--bundle", bundle, id, NULL);
	cr_assert_eq(res.status, 0, "run '%s': exit %d; out: %s; err: %s", id, res.status, res.out,
		     res.err);
	out = strdup(res.out);
	ou_harness_result_release(&res);
	return out;
}

/* run -d: the container keeps running (its process sleeps). */
static void run_detached(const char *bundle, const char *id)
{
	struct ou_harness_result res;

	ou_harness_track_id(id);
	RT_OK(&res, "run", "-d", "--bundle", bundle, id);
	ou_harness_result_release(&res);
	cr_assert(ou_harness_wait_status(id, "running", 5000));
}

static char *exec_out(const char *id, const char *script)
{
	struct ou_harness_result res;
	char *out;

	RT_OK(&res, "exec", id, "sh", "-c", script);
	out = strdup(res.out);
	ou_harness_result_release(&res);
	return out;
}

static void delete_ctr(const char *id, const char *flag)
{
	struct ou_harness_result res;

	if (flag != NULL)
		RT_OK(&res, "delete", flag, id);
	else
		RT_OK(&res, "delete", id);
	ou_harness_result_release(&res);
}

static char *container_dir(const char *id)
{
	return ou_harness_path("storage/containers/%s", id);
}

/* The names of the volumes, one a line, from volume ls -q. */
static char *volume_names(void)
{
	struct ou_harness_result res;
	char *out;

	RT_OK(&res, "volume", "ls", "-q");
	out = strdup(res.out);
	ou_harness_result_release(&res);
	return out;
}

/* The one anonymous volume a container was given, from its record. */
static char *anon_volume_of(const char *id)
{
	char *rec = ou_harness_path("storage/containers/%s/record.json", id);
	char *text = slurp(rec);
	struct ou_harness_json *j = ou_harness_json_parse(text);
	const char *name;
	char *copy;

	cr_assert_not_null(j);
	name = NULL;
	for (size_t i = 0; name == NULL && i < 16; i++) {
		char key[64];
		struct ou_harness_json *anon;

		snprintf(key, sizeof(key), "volumes.%zu.anonymous", i);
		anon = ou_harness_json_get(j, key);
		snprintf(key, sizeof(key), "volumes.%zu.name", i);
		if (anon != NULL && strcmp(ou_harness_json_dump(anon), "true") == 0)
			name = ou_harness_json_str(ou_harness_json_get(j, key));
	}
	cr_assert_not_null(name, "record: %s", text);
	copy = strdup(name);
	ou_harness_json_free(j);
	free(text);
	free(rec);
	return copy;
}

static char *volume_file(const char *vol, const char *rel)
{
	return ou_harness_path("storage/volumes/%s/_data/%s", vol, rel);
}

/* ---- the scenarios of SCENARIOS.md ---- */

Test(storage, scenario_1_independent_writable_layers, .timeout = T_TIMEOUT)
{
	const char *script = "echo $RANDOM$RANDOM > /random; cat /random";
	char *b1 = bundle_of(layered(image_layers(), script), "b1");
	char *b2 = bundle_of(layered(image_layers(), script), "b2");
	const char *c1 = ou_harness_new_id(), *c2 = ou_harness_new_id();
	char *o1 = run_in(b1, c1, true), *o2 = run_in(b2, c2, true);
	char *u1 = ou_harness_path("storage/containers/%s/upper/random", c1);
	char *u2 = ou_harness_path("storage/containers/%s/upper/random", c2);
	char *in_base = ou_harness_path("bundle/rootfs/random");
	char *in_top = ou_harness_path("layer-top/random");

	cr_log_info("c1 wrote %s, c2 wrote %s", o1, o2);
	cr_assert_str_neq(o1, o2, "two random numbers");
	cr_assert_str_eq(slurp(u1), o1, "c1's writable layer holds c1's file");
	cr_assert_str_eq(slurp(u2), o2, "c2's writable layer holds c2's file");
	cr_assert_not(ou_harness_exists(in_base), "the layers are unchanged");
	cr_assert_not(ou_harness_exists(in_top));
}

Test(storage, scenario_2_copy_out_and_in, .timeout = T_TIMEOUT)
{
	char *b1 = bundle_of(layered(image_layers(), "sleep 1000"), "b1");
	char *b2 = bundle_of(layered(image_layers(), "cat /etc/app.conf"), "b2");
	const char *c1 = ou_harness_new_id(), *c2 = ou_harness_new_id();
	char *out = ou_harness_path("out.conf");
	char *in = ou_harness_path("in.conf");
	char *src = NULL, *ref = NULL, *o;
	struct ou_harness_result res;

	run_detached(b1, c1);
	src = malloc(strlen(c1) + 32);
	sprintf(src, "%s:/etc/app.conf", c1);
	RT_OK(&res, "cp", src, out);
	cr_assert_str_eq(slurp(out), "color=blue\n", "copied out while running");
	put(in, "color=red\n");
	RT_OK(&res, "cp", in, src);
	o = exec_out(c1, "cat /etc/app.conf");
	cr_assert_str_eq(o, "color=red\n", "the container's next read sees the copy");
	cr_assert_str_eq(run_in(b2, c2, false), "color=blue\n", "other containers unaffected");

	RT_OK(&res, "kill", c1, "KILL");
	cr_assert(ou_harness_wait_status(c1, "stopped", 5000));
	unlink(out);
	RT_OK(&res, "cp", src, out);
	cr_assert_str_eq(slurp(out), "color=red\n", "copied out after the process exited");
	put(in, "color=green\n");
	RT_OK(&res, "cp", in, src);
	ref = ou_harness_path("storage/containers/%s/upper/etc/app.conf", c1);
	cr_assert_str_eq(slurp(ref), "color=green\n", "copied in while stopped");
	free(src);
}

Test(storage, scenario_3_writable_layer_dies_with_container, .timeout = T_TIMEOUT)
{
	char *b1 = bundle_of(layered(image_layers(), "echo changed > /etc/app.conf; touch /new"),
			     "b1");
	char *b2 =
		bundle_of(layered(image_layers(), "cat /etc/app.conf; ls /new 2>&1 || true"), "b2");
	const char *c1 = ou_harness_new_id(), *c2 = ou_harness_new_id();
	char *dir = container_dir(c1);
	char *o;

	free(run_in(b1, c1, true));
	cr_assert(ou_harness_exists(dir));
	delete_ctr(c1, NULL);
	cr_assert_not(ou_harness_exists(dir), "the writable layer is gone after delete");
	o = run_in(b2, c2, false);
	cr_assert(strstr(o, "color=blue\n") == o, "original content: %s", o);
	cr_assert(strstr(o, "No such file") != NULL, "no /new: %s", o);
}

/*
 * A container cannot make itself impossible to delete: a writable layer
 * holding 1,500 nested directories goes with delete run under a limit of
 * 256 open files.  One descriptor per level used to fail with EMFILE.
 */
Test(storage, deep_writable_layer_deleted_under_a_low_descriptor_limit, .timeout = T_TIMEOUT)
{
	char *b = bundle_of(layered(image_layers(),
				    "mkdir /deep && cd /deep && i=0; while [ $i -lt 1500 ]; do "
				    "mkdir d && cd d || exit 1; i=$((i+1)); done; touch f"),
			    "b");
	const char *c = ou_harness_new_id();
	char *dir = container_dir(c);
	struct ou_harness_result res;
	struct rlimit old, low;

	free(run_in(b, c, true));
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 256;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	rt(&res, "delete", c, NULL);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	cr_assert_eq(res.status, 0, "delete: exit %d; err: %s", res.status, res.err);
	ou_harness_result_release(&res);
	cr_assert_not(ou_harness_exists(dir), "the writable layer is left");
	free(dir);
	free(b);
}

Test(storage, scenario_4_volumes_outlive_containers, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *c1 = layered(image_layers(), "echo buy milk > /data/todo");
	struct ou_harness_json *c2;
	const char *v1 = ou_harness_new_id(), *v2 = ou_harness_new_id();
	char *b1, *b2, *o;

	ou_harness_config_add_mount(c1, "/data", "volume", "todo-list", NULL);
	b1 = bundle_of(c1, "b1");
	free(run_in(b1, v1, true));
	delete_ctr(v1, "--volumes");
	/* Different layers: the base alone. */
	c2 = layered(ou_harness_rootfs(), "cat /data/todo");
	ou_harness_config_add_mount(c2, "/data", "volume", "todo-list", NULL);
	b2 = bundle_of(c2, "b2");
	o = run_in(b2, v2, false);
	cr_assert_str_eq(o, "buy milk\n");
	cr_assert(strstr(volume_names(), "todo-list\n") != NULL);
}

static struct ou_harness_json *with_volume_decl(const char *script)
{
	struct ou_harness_json *cfg = layered(image_layers(), script);

	ou_harness_config_annotate(cfg, "org.ociunion.volumes", "/data");
	return cfg;
}

Test(storage, scenario_5_anonymous_volume_per_container, .timeout = T_TIMEOUT)
{
	const char *script = "cat /data/seed; hostname > /data/who; echo $$ >> /data/who";
	char *b1 = bundle_of(with_volume_decl(script), "b1");
	char *b2 = bundle_of(with_volume_decl(script), "b2");
	struct ou_harness_json *c3 = layered(image_layers(), "cat /data/who");
	const char *i1 = ou_harness_new_id(), *i2 = ou_harness_new_id(), *i3 = ou_harness_new_id();
	char *v1, *v2, *b3;

	cr_assert_str_eq(run_in(b1, i1, true), "seed\n", "pre-filled from the image");
	cr_assert_str_eq(run_in(b2, i2, true), "seed\n");
	v1 = anon_volume_of(i1);
	v2 = anon_volume_of(i2);
	cr_assert_eq(strlen(v1), 64);
	cr_assert_str_neq(v1, v2, "two different volumes");
	ou_harness_config_annotate(c3, "org.ociunion.volumes-from", i1);
	b3 = bundle_of(c3, "b3");
	cr_assert_str_eq(run_in(b3, i3, false), slurp(volume_file(v1, "who")),
			 "the third sees the first one's data");
}

Test(storage, scenario_6_bind_mounts_work_both_ways, .timeout = T_TIMEOUT)
{
	char *host = ou_harness_path("shared");
	char *from_host = ou_harness_path("shared/from-host");
	char *from_ctr = ou_harness_path("shared/from-container");
	struct ou_harness_json *cfg =
		layered(image_layers(), "cat /mnt/from-host; echo hi > /mnt/from-container");
	const char *id = ou_harness_new_id();

	ou_harness_mkdir(host);
	put(from_host, "hello from the host\n");
	ou_harness_config_add_mount(cfg, "/mnt", "bind", host, "rbind", "rw", NULL);
	cr_assert_str_eq(run_in(bundle_of(cfg, "b1"), id, false), "hello from the host\n");
	cr_assert_str_eq(slurp(from_ctr), "hi\n");
}

Test(storage, scenario_7_read_only_config_bind, .timeout = T_TIMEOUT)
{
	char *cfgdir = ou_harness_path("config");
	char *sub = ou_harness_path("config/sub");
	char *file = ou_harness_path("config/app.conf");
	const char *script = "cat /cfg/app.conf; touch /cfg/x 2>&1; touch /cfg/sub/x 2>&1;"
			     " mount -o remount,rw /cfg 2>&1 && echo REMOUNTED; touch /cfg/y 2>&1;"
			     " true";
	struct ou_harness_json *cfg = layered(image_layers(), script);
	const char *id = ou_harness_new_id();
	char *o;
	const char *p;
	int n = 0;

	ou_harness_mkdir(cfgdir);
	put(file, "mode=strict\n");
	ou_harness_mkdir(sub);
	cr_assert_eq(mount("tmpfs", sub, "tmpfs", 0, "size=1m"), 0, "submount: %s",
		     strerror(errno));
	ou_harness_config_add_mount(cfg, "/cfg", "bind", cfgdir, "rbind", "ro", NULL);
	o = run_in(bundle_of(cfg, "b1"), id, false);
	cr_log_info("%s", o);
	cr_assert(strstr(o, "mode=strict\n") == o, "readable: %s", o);
	for (p = o; (p = strstr(p, "Read-only file system")) != NULL; p++)
		n++;
	cr_assert_eq(n, 3, "every write fails with EROFS, also in the submount: %s", o);
	cr_assert(strstr(o, "REMOUNTED") == NULL, "no remount to rw: %s", o);
	cr_assert_not(ou_harness_exists(ou_harness_path("config/x")));
}

/* ---- locked mounts ---- */

/*
 * What the container tries on a read-only rbind at /cfg with a submount at
 * /cfg/sub (payload remount and umount): the open storage issue says
 * "nothing inside the container can remount them read-write", and the
 * runtime-spec (config.md, Mounts) lets a ro bind be read-only.  Locked
 * flags give EPERM, locked mounts EINVAL for umount with or without
 * MNT_DETACH.  A recursive bind the container makes of /cfg keeps the
 * locks (a plain bind of a mount with locked submounts is refused, EINVAL,
 * as it would uncover what they hide).
 */
#define LOCK_SCRIPT                                                                         \
	"P=/bin/payload; $P remount /cfg rw; $P remount /cfg/sub rw;"                       \
	" $P write /cfg/x x; $P write /cfg/sub/x x; $P write /cfg/app.conf changed;"        \
	" $P umount /cfg/sub; $P umount /cfg; cat /cfg/app.conf;"                           \
	" mkdir /tmp/copy && mount --rbind /cfg /tmp/copy 2>&1 && $P remount /tmp/copy rw;" \
	" $P write /tmp/copy/x x; $P remount /tmp/copy/sub rw; $P write /tmp/copy/sub/x x; true"
#define LOCK_EXPECTED                                                                    \
	"EPERM\nEPERM\nEROFS\nEROFS\nEROFS\nEINVAL EINVAL\nEINVAL EINVAL\nmode=strict\n" \
	"EPERM\nEROFS\nEPERM\nEROFS\n"

/* config/app.conf and a tmpfs at config/sub, owned by uid (the ro bind's source). */
static char *ro_source(uid_t uid)
{
	char *cfgdir = ou_harness_path("config");
	char *sub = ou_harness_path("config/sub");

	ou_harness_mkdir(cfgdir);
	put(ou_harness_path("config/app.conf"), "mode=strict\n");
	ou_harness_mkdir(sub);
	cr_assert_eq(mount("tmpfs", sub, "tmpfs", 0, "size=1m"), 0, "submount: %s",
		     strerror(errno));
	cr_assert(chown(cfgdir, uid, uid) == 0 && chown(sub, uid, uid) == 0, "chown");
	cr_assert(chown(ou_harness_path("config/app.conf"), uid, uid) == 0, "chown");
	return cfgdir;
}

static void assert_source_unchanged(void)
{
	cr_assert_str_eq(slurp(ou_harness_path("config/app.conf")), "mode=strict\n");
	cr_assert_not(ou_harness_exists(ou_harness_path("config/x")));
	cr_assert_not(ou_harness_exists(ou_harness_path("config/sub/x")));
}

Test(storage, ro_rbind_stays_read_only_with_cap_sys_admin, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), LOCK_SCRIPT);
	const char *id = ou_harness_new_id();

	ou_harness_config_set_caps(cfg, "CAP_SYS_ADMIN", NULL);
	ou_harness_config_add_mount(cfg, "/cfg", "bind", ro_source(0), "rbind", "ro", NULL);
	cr_assert_str_eq(run_in(bundle_of(cfg, "b1"), id, false), LOCK_EXPECTED);
	assert_source_unchanged();
}

/*
 * The same in a user namespace, whose root owns the source: only ro stops
 * it.  The harness's plain rootfs (a union's upper is not writable by the
 * namespace's root).
 */
Test(storage, ro_rbind_stays_read_only_in_a_user_namespace, .timeout = T_TIMEOUT)
{
	const char *b = ou_harness_new_bundle("b1");
	struct ou_harness_json *cfg = ou_harness_config_new();
	const char *id = ou_harness_new_id();

	ou_harness_config_args(cfg, "sh", "-c", LOCK_SCRIPT, NULL);
	ou_harness_mkdir(ou_harness_path("b1/rootfs/cfg"));
	ou_harness_config_add_namespace(cfg, "user", NULL);
	ou_harness_json_setf(cfg, "linux.uidMappings",
			     "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]");
	ou_harness_json_setf(cfg, "linux.gidMappings",
			     "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]");
	ou_harness_config_set_caps(cfg, "CAP_SYS_ADMIN", NULL);
	ou_harness_config_add_mount(cfg, "/cfg", "bind", ro_source(100000), "rbind", "ro", NULL);
	ou_harness_config_write(cfg, b);
	ou_harness_json_free(cfg);
	cr_assert_str_eq(run_in(b, id, false), LOCK_EXPECTED);
	assert_source_unchanged();
}

/*
 * Layers in a user namespace whose root is another host uid than the
 * storage root's owner (README, Limitations): refused before anything is
 * made, naming the uids, where the kernel's "Permission denied" used to
 * come from a half-made container.
 */
Test(storage, layers_with_a_remapped_user_namespace_refused_cleanly, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), "true");
	const char *id = ou_harness_new_id();
	struct ou_harness_result res;
	char *layer;
	struct stat st;

	ou_harness_config_add_namespace(cfg, "user", NULL);
	ou_harness_json_setf(cfg, "linux.uidMappings",
			     "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]");
	ou_harness_json_setf(cfg, "linux.gidMappings",
			     "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]");
	rt(&res, "run", "--bundle", bundle_of(cfg, "b1"), id, NULL);
	cr_assert_not_null(strstr(res.err, "with a user namespace: the container's root is host "
					   "uid 100000, the storage root '"),
			   "%s", res.err);
	ou_harness_assert_clean_failure(&res, id);
	ou_harness_result_release(&res);
	layer = ou_harness_path("storage/containers/%s", id);
	cr_assert_eq(stat(layer, &st), -1, "writable layer '%s' left", layer);
	free(layer);
}

/* With --no-pivot the root is moved, not pivoted: the lock holds all the same. */
Test(storage, ro_rbind_stays_read_only_with_no_pivot, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), LOCK_SCRIPT);
	const char *id = ou_harness_new_id();
	struct ou_harness_result res;

	ou_harness_config_set_caps(cfg, "CAP_SYS_ADMIN", NULL);
	ou_harness_config_add_mount(cfg, "/cfg", "bind", ro_source(0), "rbind", "ro", NULL);
	ou_harness_track_id(id);
	rt(&res, "run", "--no-pivot", "--bundle", bundle_of(cfg, "b1"), id, NULL);
	cr_assert_eq(res.status, 0, "run: %s", res.err);
	cr_assert_str_eq(res.out, LOCK_EXPECTED);
	ou_harness_result_release(&res);
	assert_source_unchanged();
}

/*
 * exec joins the locked namespace (runtime-spec runtime.md: exec runs in
 * the container), and cp still writes into a running container's own
 * files and reads its ro bind.
 */
Test(storage, exec_and_cp_in_a_locked_container, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), "sleep 1000");
	const char *id = ou_harness_new_id();
	char *ref = NULL, *got = ou_harness_path("got");
	struct ou_harness_result res;

	ou_harness_config_set_caps(cfg, "CAP_SYS_ADMIN", NULL);
	ou_harness_config_add_mount(cfg, "/cfg", "bind", ro_source(0), "rbind", "ro", NULL);
	run_detached(bundle_of(cfg, "b1"), id);
	cr_assert_str_eq(exec_out(id, "/bin/payload remount /cfg rw; /bin/payload umount /cfg;"
				      " /bin/payload write /cfg/sub/x x; true"),
			 "EPERM\nEINVAL EINVAL\nEROFS\n");
	put(ou_harness_path("in.txt"), "in\n");
	cr_assert(asprintf(&ref, "%s:/srv/in.txt", id) > 0);
	RT_OK(&res, "cp", ou_harness_path("in.txt"), ref);
	ou_harness_result_release(&res);
	cr_assert_str_eq(exec_out(id, "cat /srv/in.txt"), "in\n");
	free(ref);
	cr_assert(asprintf(&ref, "%s:/cfg/app.conf", id) > 0);
	ou_harness_mkdir(got);
	RT_OK(&res, "cp", ref, got);
	ou_harness_result_release(&res);
	cr_assert_str_eq(slurp(ou_harness_path("got/app.conf")), "mode=strict\n");
	assert_source_unchanged();
	free(ref);
}

/* config.md, Root: readonly; the root cannot be made writable again. */
/*
 * The helper that locks the mounts is a child of the container process,
 * in its cgroups, and it tears the old mount namespaces down as it exits,
 * after create has returned.  ps of a created container lists its one
 * process all the same: create waits until the helper is exiting, and
 * ps leaves out a process that is.
 */
Test(storage, created_container_lists_only_its_process, .timeout = T_TIMEOUT)
{
	ou_harness_config_args(ou_harness_config(), "true", NULL);
	for (int i = 0; i < 30; i++) {
		struct ou_harness_result res;
		const char *id = ou_harness_new_id();

		ou_harness_create(&res, id);
		cr_assert_eq(res.status, 0, "create: %s", res.err);
		ou_harness_result_release(&res);
		ou_harness_rt(&res, "ps", "--format", "json", id, NULL);
		cr_assert_eq(res.status, 0, "ps: %s", res.err);
		cr_assert_null(strchr(res.out, ','), "round %d: more than one process: %s", i,
			       res.out);
		ou_harness_result_release(&res);
		delete_ctr(id, "--force");
	}
}

/* The output of script in a layered container given CAP_SYS_ADMIN, with key set to json. */
static char *run_with_sys_admin(const char *script, const char *key, const char *json)
{
	struct ou_harness_json *cfg = layered(image_layers(), script);

	ou_harness_json_setf(cfg, key, "%s", json);
	ou_harness_config_set_caps(cfg, "CAP_SYS_ADMIN", NULL);
	return run_in(bundle_of(cfg, "b1"), ou_harness_new_id(), false);
}

Test(storage, readonly_root_stays_read_only_with_cap_sys_admin, .timeout = T_TIMEOUT)
{
	cr_assert_str_eq(
		run_with_sys_admin("/bin/payload remount / rw; /bin/payload write /x x; true",
				   "root.readonly", "true"),
		"EPERM\nEROFS\n");
}

/* config-linux.md, Masked Paths: a masked directory cannot be uncovered. */
Test(storage, masked_path_stays_masked_with_cap_sys_admin, .timeout = T_TIMEOUT)
{
	cr_assert_str_eq(run_with_sys_admin("ls /srv; /bin/payload umount /srv; ls /srv; echo end",
					    "linux.maskedPaths", "[\"/srv\"]"),
			 "EINVAL EINVAL\nend\n");
}

/*
 * config.md, Mounts: rshared.  A copy of the mount namespace through
 * another user namespace would turn the bind into a slave, so a container
 * with a shared mount is not locked: the bind stays in a peer group.
 */
Test(storage, rshared_bind_stays_shared, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg =
		layered(image_layers(), "grep ' /mnt/sh ' /proc/self/mountinfo");
	const char *id = ou_harness_new_id();
	char *o;

	ou_harness_mkdir(ou_harness_path("sh"));
	ou_harness_config_add_mount(cfg, "/mnt/sh", "bind", ou_harness_path("sh"), "rbind",
				    "rshared", NULL);
	o = run_in(bundle_of(cfg, "b1"), id, false);
	cr_assert(strstr(o, " shared:") != NULL, "a peer group: %s", o);
}

/*
 * cfg (a config that keeps the namespace it was built in, README,
 * Limitations) runs, and its mounts are not locked: a tmpfs the runtime
 * made can be remounted and unmounted.
 */
static void check_runs_unlocked(struct ou_harness_json *cfg)
{
	const char *id = ou_harness_new_id();

	ou_harness_config_args(cfg, "sh", "-c",
			       "/bin/payload remount /srv ro; /bin/payload umount /srv", NULL);
	ou_harness_config_set_caps(cfg, "CAP_SYS_ADMIN", NULL);
	ou_harness_config_add_mount(cfg, "/srv", "tmpfs", "tmpfs", NULL);
	cr_assert_str_eq(run_in(bundle_of(cfg, "b1"), id, false), "ok\nok\n",
			 "the mounts are not locked (README, Limitations)");
}

/* rootfsPropagation shared: no lock either, and the container runs. */
Test(storage, shared_root_propagation_runs_unlocked, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), NULL);

	ou_harness_json_set_str(cfg, "linux.rootfsPropagation", "shared");
	check_runs_unlocked(cfg);
}

/* rootfsPropagation unbindable: a copy would make the root private. */
Test(storage, unbindable_root_propagation_runs_unlocked, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), NULL);

	ou_harness_json_set_str(cfg, "linux.rootfsPropagation", "unbindable");
	check_runs_unlocked(cfg);
}

/*
 * config.md, createContainer hooks run in the container's mount namespace
 * before pivot_root; the container must stay in that namespace.
 */
Test(storage, create_container_hook_runs_unlocked, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), NULL);

	ou_harness_json_setf(cfg, "hooks.createContainer", "[{\"path\": \"/bin/true\"}]");
	check_runs_unlocked(cfg);
}

Test(storage, scenario_8_a_mount_hides_what_was_there, .timeout = T_TIMEOUT)
{
	char *host = ou_harness_path("srv");
	char *c = ou_harness_path("srv/c");
	struct ou_harness_json *with = layered(image_layers(), "ls /srv");
	const char *i1 = ou_harness_new_id(), *i2 = ou_harness_new_id();

	ou_harness_mkdir(host);
	put(c, "c\n");
	ou_harness_config_add_mount(with, "/srv", "bind", host, "rbind", NULL);
	cr_assert_str_eq(run_in(bundle_of(with, "b1"), i1, false), "c\n");
	cr_assert_str_eq(run_in(bundle_of(layered(image_layers(), "ls /srv"), "b2"), i2, false),
			 "a\nb\n", "without the mount the image's files show again");
}

Test(storage, scenario_9_single_file_into_directory_merges, .timeout = T_TIMEOUT)
{
	char *f = ou_harness_path("extra.conf");
	struct ou_harness_json *cfg = layered(image_layers(), "ls /srv");
	const char *id = ou_harness_new_id();

	put(f, "x\n");
	ou_harness_config_add_mount(cfg, "/srv/extra.conf", "bind", f, "bind", "ro", NULL);
	cr_assert_str_eq(run_in(bundle_of(cfg, "b1"), id, false), "a\nb\nextra.conf\n");
}

Test(storage, scenario_10_the_lab, .timeout = T_TIMEOUT)
{
	char *cfgdir = ou_harness_path("labcfg");
	const char *script = ". /cfg/lab.env; echo \"$GREETING $(hostname)\" >> /data/log;"
			     " cat /data/log";
	const char *i1 = ou_harness_new_id(), *i2 = ou_harness_new_id();
	struct ou_harness_json *cfg;
	char *o;

	ou_harness_mkdir(cfgdir);
	put(ou_harness_path("labcfg/lab.env"), "GREETING=hello\n");
	for (int i = 0; i < 2; i++) {
		cfg = layered(image_layers(), script);
		ou_harness_config_add_mount(cfg, "/cfg", "bind", cfgdir, "rbind", "ro", NULL);
		ou_harness_config_add_mount(cfg, "/data", "volume", "lab-data", NULL);
		o = run_in(bundle_of(cfg, i == 0 ? "b1" : "b2"), i == 0 ? i1 : i2, false);
	}
	cr_assert_str_eq(o, "hello ou-test\nhello ou-test\n", "config applied, data kept: %s", o);
}

/*
 * README, Limitations: when no helper can be forked (pids.max 1 counts the
 * container process only) the mounts are not locked, and create warns
 * since the container keeps CAP_SYS_ADMIN.  The ro tmpfs can be made
 * writable then: this pins the limitation.
 */
Test(storage, unlocked_when_no_helper_can_run_warns, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), NULL);
	const char *id = ou_harness_new_id();
	struct ou_harness_result res;

	ou_harness_config_args(cfg, "/bin/payload", "remount", "/srv", "rw", NULL);
	ou_harness_json_setf(cfg, "linux.resources.pids", "{\"limit\": 1}");
	ou_harness_config_set_caps(cfg, "CAP_SYS_ADMIN", NULL);
	ou_harness_config_add_mount(cfg, "/srv", "tmpfs", "tmpfs", "ro", NULL);
	ou_harness_track_id(id);
	/* Warnings are printed from --log-level warning on (STYLE, Logging). */
	rt(&res, "--log-level", "warning", "run", "--bundle", bundle_of(cfg, "b1"), id, NULL);
	cr_assert_eq(res.status, 0, "run: %s", res.err);
	cr_assert_str_eq(res.out, "ok\n");
	cr_assert(strstr(res.err, "mounts not locked") != NULL, "warning: %s", res.err);
	ou_harness_result_release(&res);
}

/* ---- layers ---- */

Test(storage, many_layers_128, .timeout = T_TIMEOUT)
{
	size_t cap = 128 * 64 + 4096;
	char *layers = malloc(cap);
	const char *id = ou_harness_new_id();
	char *o;

	strcpy(layers, ou_harness_rootfs());
	for (int i = 1; i < 128; i++) {
		char *d = ou_harness_path("l%03d", i);
		char *f = ou_harness_path("l%03d/from-%03d", i, i);

		ou_harness_mkdir(d);
		put(f, "x");
		strcat(layers, ":");
		strcat(layers, d);
		free(d);
		free(f);
	}
	o = run_in(bundle_of(layered(layers, "ls / | grep -c from-"), "b1"), id, false);
	cr_assert_str_eq(o, "127\n", "every layer visible: %s", o);
}

/*
 * The base rootfs and n-1 layers named PREFIXnnn, each with its own file
 * and a file "who" that every layer above it replaces.
 */
static char *numbered_layers(const char *prefix, int n)
{
	char *layers = strdup(ou_harness_rootfs());

	cr_assert_not_null(layers);
	for (int i = 1; i < n; i++) {
		char *d = ou_harness_path("%s%03d", prefix, i);
		char *f = ou_harness_path("%s%03d/from-%03d", prefix, i, i);
		char *w = ou_harness_path("%s%03d/who", prefix, i);
		char *num = NULL, *more = NULL;

		cr_assert(asprintf(&num, "%03d\n", i) > 0);
		cr_assert(asprintf(&more, "%s:%s", layers, d) > 0);
		ou_harness_mkdir(d);
		put(f, "x");
		put(w, num);
		free(layers);
		layers = more;
		free(d);
		free(f);
		free(w);
		free(num);
	}
	return layers;
}

/*
 * Layers whose paths fit in a page of mount options go to the kernel in
 * one mount(2); longer ones, or a path with ',' in it, through one
 * fsconfig per layer.  Both give every layer, the top one last.
 */
Test(storage, layer_order_same_through_mount_and_fsconfig, .timeout = T_TIMEOUT)
{
	static const struct {
		const char *prefix, *how;
	} cases[] = {
		{ "o", "60 layers in one mount(2)" },
		{ "a-layer-directory-whose-long-name-takes-the-options-past-a-page-",
		  "60 layers through fsconfig" },
		{ "comma,", "60 layers through fsconfig" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *layers = numbered_layers(cases[i].prefix, 60);
		char name[16];
		const char *id;
		struct ou_harness_result res;
		char *b;

		snprintf(name, sizeof(name), "b%zu", i);
		b = bundle_of(layered(layers, "cat /who; ls / | grep -c from-"), name);
		id = ou_harness_new_id();
		rt(&res, "--log-level", "debug", "run", "--bundle", b, id, NULL);
		cr_assert_eq(res.status, 0, "%s: run: %s", cases[i].prefix, res.err);
		cr_assert_str_eq(res.out, "059\n59\n", "%s: top layer wins, all seen",
				 cases[i].prefix);
		cr_assert(strstr(res.err, cases[i].how) != NULL, "%s: %s", cases[i].how, res.err);
		ou_harness_result_release(&res);
		free(layers);
	}
}

/*
 * Each container mounts its own overlay of the layer directories (README,
 * Limitations: no shared mount of an image's layers), so a file the host
 * changes or adds in a layer between two containers, after the first has
 * looked the names up, is what the second sees.
 */
Test(storage, layer_changed_between_containers_is_seen, .timeout = T_TIMEOUT)
{
	char *layers = numbered_layers("chg", 3);
	char *who = ou_harness_path("chg002/who");
	char *added = ou_harness_path("chg001/added");
	char *b = bundle_of(layered(layers, "cat /who; cat /added 2>&1 || true"), "b1");
	const char *c1 = ou_harness_new_id(), *c2 = ou_harness_new_id();
	char *o;

	o = run_in(b, c1, false);
	cr_assert(strstr(o, "002\n") == o && strstr(o, "No such file") != NULL, "first: %s", o);
	put(who, "changed\n");
	put(added, "added\n");
	o = run_in(b, c2, false);
	cr_assert_str_eq(o, "changed\nadded\n", "second container sees the layers as they are");
	free(layers);
	free(who);
	free(added);
}

Test(storage, whiteouts_and_opaque_dirs_honoured, .timeout = T_TIMEOUT)
{
	char *top = make_top("l1");
	char *l2 = ou_harness_path("l2");
	char *wh = ou_harness_path("l2/etc/app.conf");
	char *opq = ou_harness_path("l2/srv");
	char *mine = ou_harness_path("l2/srv/only");
	char *layers = NULL;
	const char *id = ou_harness_new_id();
	char *o;

	ou_harness_mkdir(ou_harness_path("l2/etc"));
	cr_assert_eq(mknod(wh, S_IFCHR | 0000, makedev(0, 0)), 0);
	ou_harness_mkdir(opq);
	cr_assert_eq(setxattr(opq, "trusted.overlay.opaque", "y", 1, 0), 0);
	put(mine, "o\n");
	cr_assert(asprintf(&layers, "%s:%s:%s", ou_harness_rootfs(), top, l2) > 0);
	o = run_in(bundle_of(layered(layers, "ls /etc/app.conf 2>&1; ls /srv"), "b1"), id, false);
	cr_assert(strstr(o, "No such file") != NULL, "whiteout hides the file: %s", o);
	cr_assert(strstr(o, "\nonly\n") != NULL && strstr(o, "\na\n") == NULL,
		  "opaque dir hides the lower one: %s", o);
}

static void assert_no_storage_left(const char *id)
{
	char *dir = container_dir(id);

	cr_assert_not(ou_harness_exists(dir), "no writable layer left for '%s'", id);
	free(dir);
}

Test(storage, missing_layer_rejected_cleanly, .timeout = T_TIMEOUT)
{
	char *layers = NULL;
	struct ou_harness_json *cfg;
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *b;

	cr_assert(asprintf(&layers, "%s:no-such-layer", ou_harness_rootfs()) > 0);
	cfg = layered(layers, "true");
	ou_harness_config_annotate(cfg, "org.ociunion.volumes", "/data");
	b = bundle_of(cfg, "b1");
	rt(&res, "create", "--bundle", b, id, NULL);
	ou_harness_assert_clean_failure(&res, id);
	cr_assert(
		strstr(res.err, "org.ociunion.rootfs.layers: layer 'no-such-layer' does not exist"),
		"%s", res.err);
	assert_no_storage_left(id);
	cr_assert_str_eq(volume_names(), "", "no anonymous volume left");
	cr_assert_not(ou_harness_exists(ou_harness_path("b1/merged")), "no root.path left");
}

/*
 * A name from the config is written as it is in an error, but a newline
 * in it (a layer "no\nsuch") split the one-line error in two.
 */
Test(storage, layer_name_with_a_newline_keeps_the_error_one_line, .timeout = T_TIMEOUT)
{
	char *layers = NULL;
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	cr_assert(asprintf(&layers, "%s:no\nsuch", ou_harness_rootfs()) > 0);
	rt(&res, "create", "--bundle", bundle_of(layered(layers, "true"), "b1"), id, NULL);
	ou_harness_assert_clean_failure(&res, id);
	cr_assert(strstr(res.err, "layer 'no\\nsuch' does not exist") != NULL, "%s", res.err);
	assert_no_storage_left(id);
	ou_harness_result_release(&res);
	free(layers);
}

/*
 * A layer path that cannot be followed is not one that does not exist: a
 * symbolic link loop and a path longer than PATH_MAX were both reported
 * as "does not exist".
 */
Test(storage, unfollowable_layer_says_why, .timeout = T_TIMEOUT)
{
	char *loop = ou_harness_path("loop");
	char *layers = NULL, *deep = strdup(ou_harness_dir());
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char name[256];
	int fd;

	cr_assert_eq(symlink("loop", loop), 0);
	cr_assert(asprintf(&layers, "%s:%s", ou_harness_rootfs(), loop) > 0);
	rt(&res, "create", "--bundle", bundle_of(layered(layers, "true"), "b1"), id, NULL);
	ou_harness_assert_clean_failure(&res, id);
	cr_assert(strstr(res.err, "layer '/") != NULL &&
			  strstr(res.err, "/loop': Too many levels of symbolic links") != NULL,
		  "%s", res.err);
	ou_harness_result_release(&res);
	free(layers);

	memset(name, 'd', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	fd = open(deep, O_RDONLY | O_DIRECTORY);
	while (strlen(deep) <= PATH_MAX) { /* made one level at a time */
		char *more = NULL;
		int next;

		cr_assert_eq(mkdirat(fd, name, 0755), 0);
		next = openat(fd, name, O_RDONLY | O_DIRECTORY);
		cr_assert_geq(next, 0);
		close(fd);
		fd = next;
		cr_assert(asprintf(&more, "%s/%s", deep, name) > 0);
		free(deep);
		deep = more;
	}
	close(fd);
	cr_assert(asprintf(&layers, "%s:%s", ou_harness_rootfs(), deep) > 0);
	id = ou_harness_new_id();
	rt(&res, "create", "--bundle", bundle_of(layered(layers, "true"), "b2"), id, NULL);
	ou_harness_assert_clean_failure(&res, id);
	cr_assert(strstr(res.err, "': File name too long") != NULL, "%s", res.err);
	ou_harness_result_release(&res);
	free(layers);
	free(deep);
}

/*
 * Layers in a directory with many other entries: its listing stops past
 * 64 + 8 per layer entries and each layer costs its lstat.  The listing is
 * tried once; it was tried again for each layer, reading the directory
 * each time (128 layers among 5000 entries: create took 56 ms, not 10).
 */
Test(storage, crowded_layer_directory_listed_once, .timeout = T_TIMEOUT)
{
	char *layers = strdup(ou_harness_rootfs());
	char *crowd = ou_harness_path("crowd");
	char *line = NULL, *more = NULL;
	const char *id = ou_harness_new_id();
	struct ou_harness_result res;
	char real[PATH_MAX];
	int listings = 0;
	char *b;

	for (int i = 0; i < 2000; i++) {
		char *d = ou_harness_path("crowd/e%04d", i);

		ou_harness_mkdir(d);
		if (i < 20) {
			cr_assert(asprintf(&more, "%s:%s", layers, d) > 0);
			free(layers);
			layers = more;
		}
		free(d);
	}
	b = bundle_of(layered(layers, "true"), "b1");
	ou_harness_track_id(id);
	rt(&res, "--log-level", "debug", "create", "--bundle", b, id, NULL);
	cr_assert_eq(res.status, 0, "create: %s", res.err);
	cr_assert_not_null(realpath(crowd, real));
	cr_assert(asprintf(&line, "directory '%s' listed: not kept", real) > 0);
	for (const char *p = strstr(res.err, line); p != NULL; p = strstr(p + 1, line))
		listings++;
	cr_assert_eq(listings, 1, "the crowded directory was listed %d times: %s", listings,
		     res.err);
	ou_harness_result_release(&res);
	delete_ctr(id, "--force");
	free(line);
	free(crowd);
	free(layers);
}

/*
 * overlayfs stacks at most 500 lower layers.  Past that, its refusal of
 * the 501st fsconfig named the base layer as the one at fault.
 */
Test(storage, more_than_500_layers_refused_by_count, .timeout = T_TIMEOUT)
{
	char *layers = numbered_layers("n", 501);
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *b;

	b = bundle_of(layered(layers, "cat /who"), "b1");
	rt(&res, "create", "--bundle", b, id, NULL);
	ou_harness_assert_clean_failure(&res, id);
	cr_assert(strstr(res.err, "org.ociunion.rootfs.layers: 501 layers, more than the 500 "
				  "overlayfs stacks") != NULL,
		  "%s", res.err);
	assert_no_storage_left(id);
	ou_harness_result_release(&res);
	*strrchr(layers, ':') = '\0';
	b = bundle_of(layered(layers, "cat /who"), "b2");
	cr_assert_str_eq(run_in(b, ou_harness_new_id(), false), "499\n", "500 layers are fine");
}

/*
 * overlayfs refuses a layer inside another with ELOOP, which read "Too
 * many levels of symbolic links"; the error names the two layers.
 */
Test(storage, overlapping_layers_refused, .timeout = T_TIMEOUT)
{
	char *base = numbered_layers("ov", 3);
	/* relative to a bundle in the test's directory, which holds the layers */
	static const char *const cases[][2] = {
		{ "../ov001/inner", "layer '../ov001/inner' overlaps layer '" },
		{ "..", "layer '..' overlaps layer '" },
	};

	ou_harness_mkdir(ou_harness_path("ov001/inner"));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *layers = NULL, *b;
		struct ou_harness_result res;
		const char *id = ou_harness_new_id();
		char name[16];

		cr_assert(asprintf(&layers, "%s:%s", base, cases[i][0]) > 0);
		snprintf(name, sizeof(name), "b%zu", i);
		b = bundle_of(layered(layers, "true"), name);
		rt(&res, "create", "--bundle", b, id, NULL);
		ou_harness_assert_clean_failure(&res, id);
		cr_assert(strstr(res.err, cases[i][1]) != NULL, "%s", res.err);
		assert_no_storage_left(id);
		ou_harness_result_release(&res);
		free(layers);
	}
}

/*
 * A relative --storage-root is the one below the directory create ran in:
 * a delete run from elsewhere removes that writable layer, not nothing.
 */
Test(storage, relative_storage_root_is_taken_from_create_directory, .timeout = T_TIMEOUT)
{
	char *b = bundle_of(layered(image_layers(), "true"), "b1");
	char *base = ou_harness_path("rel");
	char *elsewhere = ou_harness_path("elsewhere");
	const char *id = ou_harness_new_id();
	char *dir = ou_harness_path("rel/st/containers/%s", id);
	struct ou_harness_result res;

	ou_harness_mkdir(base);
	ou_harness_mkdir(elsewhere);
	ou_harness_track_id(id);
	cr_assert_eq(chdir(base), 0);
	ou_harness_rt(&res, "--storage-root", "st", "create", "--bundle", b, id, NULL);
	cr_assert_eq(res.status, 0, "create: %s", res.err);
	ou_harness_result_release(&res);
	cr_assert(ou_harness_exists(dir), "writable layer below the create directory");
	cr_assert_eq(chdir(elsewhere), 0);
	ou_harness_rt(&res, "--storage-root", "st", "delete", "--force", id, NULL);
	cr_assert_eq(res.status, 0, "delete: %s", res.err);
	ou_harness_result_release(&res);
	cr_assert_not(ou_harness_exists(dir), "the writable layer is removed");
	free(dir);
}

Test(storage, writable_layer_gone_after_force_delete, .timeout = T_TIMEOUT)
{
	char *b = bundle_of(layered(image_layers(), "sleep 1000"), "b1");
	const char *id = ou_harness_new_id();
	char *dir = container_dir(id);

	run_detached(b, id);
	cr_assert(ou_harness_exists(dir));
	delete_ctr(id, "--force");
	cr_assert_not(ou_harness_exists(dir));
	free(dir);
	dir = ou_harness_path("b1/merged");
	cr_assert_not(ou_harness_exists(dir), "root.path made by create");
	free(dir);
}

/*
 * INTERFACE.md: root.path is created if missing.  delete removes the one
 * create made (run removes it too, being create, start and delete), and
 * keeps one that was there, with what it holds.
 */
Test(storage, made_root_path_removed_existing_kept, .timeout = T_TIMEOUT)
{
	char *made = bundle_of(layered(image_layers(), "true"), "b1");
	char *had = bundle_of(layered(image_layers(), "test ! -e /mine"), "b2");
	char *root1 = ou_harness_path("b1/merged"), *root2 = ou_harness_path("b2/merged");
	char *mine = ou_harness_path("b2/merged/mine");
	const char *c1 = ou_harness_new_id(), *c2 = ou_harness_new_id();

	free(run_in(made, c1, true));
	cr_assert(ou_harness_exists(root1), "made by create");
	delete_ctr(c1, NULL);
	cr_assert_not(ou_harness_exists(root1), "removed by delete");
	ou_harness_mkdir(root2);
	ou_harness_write(mine, "x");
	free(run_in(had, c2, false));
	cr_assert(ou_harness_exists(mine), "an existing root.path is kept with its files");
	free(mine);
	free(root2);
	free(root1);
	free(had);
	free(made);
}

/*
 * record.json is not synced: a power loss may leave it empty.  delete still
 * removes the writable layer; the volumes stay marked in use (README,
 * Limitations).
 */
Test(storage, delete_with_an_empty_record_removes_the_layer, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), "sleep 1000");
	const char *id = ou_harness_new_id();
	char *dir = container_dir(id);
	char *rec = ou_harness_path("storage/containers/%s/record.json", id);
	char *vol, *meta;

	ou_harness_config_annotate(cfg, "org.ociunion.volumes", "/data");
	run_detached(bundle_of(cfg, "b1"), id);
	vol = anon_volume_of(id);
	cr_assert_eq(truncate(rec, 0), 0);
	delete_ctr(id, "--force");
	cr_assert_not(ou_harness_exists(dir));
	meta = slurp(ou_harness_path("storage/volumes/%s/meta.json", vol));
	cr_assert(strstr(meta, id) != NULL, "still marked in use: %s", meta);
}

Test(storage, failed_create_leaves_nothing, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), "true");
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *text;

	RT_OK(&res, "volume", "create", "keep");
	ou_harness_config_annotate(cfg, "org.ociunion.volumes", "/data");
	ou_harness_config_add_mount(cfg, "/keep", "volume", "keep", NULL);
	ou_harness_config_add_mount(cfg, "/fresh", "volume", "fresh", NULL);
	/* Fails in the container child, after storage, volumes and the union were made. */
	ou_harness_config_add_mount(cfg, "/x", "bind", "/no/such/source", "rbind", NULL);
	rt(&res, "create", "--bundle", bundle_of(cfg, "b1"), id, NULL);
	ou_harness_assert_clean_failure(&res, id);
	assert_no_storage_left(id);
	cr_assert_str_eq(volume_names(), "keep\n", "new volumes removed, named one kept");
	text = slurp(ou_harness_path("storage/volumes/keep/meta.json"));
	cr_assert(strstr(text, "\"usedBy\":[]") != NULL, "no usedBy record left: %s", text);
}

/* ---- volumes ---- */

/*
 * Container id of the base rootfs and layer top, with VOLUME /data: run and
 * kept, its anonymous volume (pre-filled from top's /data) returned.
 */
static char *prefilled_from(const char *top, const char *id)
{
	struct ou_harness_json *cfg;
	char *layers = NULL;

	cr_assert(asprintf(&layers, "%s:%s", ou_harness_rootfs(), top) > 0);
	cfg = layered(layers, "true");
	ou_harness_config_annotate(cfg, "org.ociunion.volumes", "/data");
	free(run_in(bundle_of(cfg, "b1"), id, true));
	free(layers);
	return anon_volume_of(id);
}

Test(storage, prefill_keeps_owner_mode_times_links_xattrs, .timeout = T_TIMEOUT)
{
	char *top = make_top("ltop");
	char *f = ou_harness_path("ltop/data/owned");
	struct timespec t[2] = { { 1234567, 0 }, { 1234567, 0 } };
	const char *id = ou_harness_new_id();
	struct stat a, b;
	char *v, buf[32] = "";

	put(f, "mine\n");
	cr_assert_eq(chown(f, 1000, 1000), 0);
	cr_assert_eq(chmod(f, 0640), 0);
	cr_assert_eq(setxattr(f, "user.origin", "image", 5, 0), 0);
	cr_assert_eq(utimensat(AT_FDCWD, f, t, 0), 0);
	cr_assert_eq(symlink("owned", ou_harness_path("ltop/data/link")), 0);
	cr_assert_eq(link(f, ou_harness_path("ltop/data/hard")), 0);
	v = prefilled_from(top, id);
	cr_assert_eq(lstat(volume_file(v, "owned"), &a), 0);
	cr_assert_eq(a.st_uid, 1000);
	cr_assert_eq(a.st_gid, 1000);
	cr_assert_eq(a.st_mode & 07777, 0640);
	cr_assert_eq(a.st_mtim.tv_sec, 1234567);
	cr_assert_eq(lstat(volume_file(v, "hard"), &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino, "hard link kept");
	cr_assert_eq(readlink(volume_file(v, "link"), buf, sizeof(buf) - 1), 5);
	cr_assert_str_eq(buf, "owned");
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(getxattr(volume_file(v, "owned"), "user.origin", buf, sizeof(buf)), 5);
	cr_assert_str_eq(buf, "image");
	cr_assert_str_eq(slurp(volume_file(v, "seed")), "seed\n");
}

/* Run the runtime with stderr on a new pty (stdin, stdout /dev/null): what the pty got. */
static char *rt_with_pty_stderr(const char *const args[], int *status)
{
	const char *argv[32] = { ou_harness_runtime(), "--root", ou_harness_state_root(),
				 "--storage-root", storage() };
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	size_t n = 5, len = 0;
	char *out = calloc(1, 65536);
	ssize_t r;
	pid_t pid;

	for (size_t i = 0; args[i] != NULL; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cr_assert(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
		int null = open("/dev/null", O_RDWR);

		if (slave < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(slave, 2) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	/* Until every holder of the pty's other end is gone: EIO. */
	while (len < 65535 && (r = read(master, out + len, 65535 - len)) > 0)
		len += (size_t)r;
	cr_assert_eq(waitpid(pid, status, 0), pid);
	close(master);
	return out;
}

/* A long pre-fill shows files and bytes on a terminal, and nothing otherwise. */
/* Directories keep theirs too; chown does not lose set-id bits; sizes from 0 to 3 MiB. */
Test(storage, prefill_keeps_directories_setid_and_contents, .timeout = T_TIMEOUT)
{
	char *top = make_top("ltop");
	char *d = ou_harness_path("ltop/data/sub");
	char *big = ou_harness_path("ltop/data/sub/big");
	char *suid = ou_harness_path("ltop/data/suid");
	struct timespec t[2] = { { 7654321, 0 }, { 7654321, 0 } };
	const char *id = ou_harness_new_id();
	char *v, *copy, *text, buf[32] = "";
	size_t n = 3 << 20;
	struct stat a;

	text = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		text[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	text[n] = '\0';
	ou_harness_mkdir(d);
	put(big, text);
	put(ou_harness_path("ltop/data/empty"), "");
	put(suid, "#!/bin/sh\n");
	cr_assert_eq(chown(suid, 1000, 1000), 0);
	cr_assert_eq(chmod(suid, 04755), 0);
	cr_assert_eq(chown(d, 1000, 2000), 0);
	cr_assert_eq(chmod(d, 0750), 0);
	cr_assert_eq(setxattr(d, "user.dir", "yes", 3, 0), 0);
	cr_assert_eq(utimensat(AT_FDCWD, d, t, 0), 0);
	v = prefilled_from(top, id);
	cr_assert_eq(lstat(volume_file(v, "sub"), &a), 0);
	cr_assert(S_ISDIR(a.st_mode));
	cr_assert_eq(a.st_uid, 1000);
	cr_assert_eq(a.st_gid, 2000);
	cr_assert_eq(a.st_mode & 07777, 0750);
	cr_assert_eq(a.st_mtim.tv_sec, 7654321, "directory time set after its contents");
	cr_assert_eq(getxattr(volume_file(v, "sub"), "user.dir", buf, sizeof(buf)), 3);
	cr_assert_eq(lstat(volume_file(v, "suid"), &a), 0);
	cr_assert_eq(a.st_uid, 1000);
	cr_assert_eq(a.st_mode & 07777, 04755, "set-uid bit kept after chown");
	cr_assert_eq(lstat(volume_file(v, "empty"), &a), 0);
	cr_assert_eq(a.st_size, 0);
	copy = slurp(volume_file(v, "sub/big"));
	cr_assert_eq(strlen(copy), n);
	cr_assert(memcmp(copy, text, n) == 0, "3 MiB copied whole");
	free(copy);
	free(text);
}

Test(storage, prefill_progress_only_on_a_terminal, .timeout = T_TIMEOUT)
{
	char *top = ou_harness_path("ptop");
	char *layers = NULL;
	const char *ids[2] = { ou_harness_new_id(), ou_harness_new_id() };
	struct ou_harness_result res;
	char *b[2], *shown, *first, *last, text[10001];
	int status;

	memset(text, 'x', 10000);
	text[10000] = '\0';
	for (int i = 0; i < 600; i++) {
		char *f = ou_harness_path("ptop/data/d%d/f%d", i / 100, i);

		if (i % 100 == 0) {
			char *d = ou_harness_path("ptop/data/d%d", i / 100);

			ou_harness_mkdir(d);
			free(d);
		}
		put(f, text);
		free(f);
	}
	cr_assert(asprintf(&layers, "%s:%s", ou_harness_rootfs(), top) > 0);
	for (int i = 0; i < 2; i++) {
		struct ou_harness_json *cfg = layered(layers, "ls /data/d5 | wc -l");

		ou_harness_config_annotate(cfg, "org.ociunion.volumes", "/data");
		b[i] = bundle_of(cfg, i == 0 ? "tty-b" : "pipe-b");
		ou_harness_track_id(ids[i]);
	}

	const char *args[] = { "run", "--bundle", b[0], ids[0], NULL };
	shown = rt_with_pty_stderr(args, &status);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "run on a pty: %s", shown);
	/*
	 * 606 entries (6 directories, 600 files of 10,000 bytes, copied by two
	 * processes): a line each time the total passes 256 and 512, then the
	 * total, once, at the end.
	 */
	first = strstr(shown, "pre-filling volume '");
	cr_assert(first != NULL, "pty got: %s", shown);
	cr_assert(strstr(first + 1, "pre-filling volume '") != NULL, "no line before the total: %s",
		  shown);
	last = strstr(shown, ": 606 files, 5.7 MiB\r\n");
	cr_assert(last != NULL, "pty got: %s", shown);
	cr_assert_null(strstr(last + 1, "pre-filling"), "a line after the total: %s", shown);

	rt(&res, "run", "--bundle", b[1], ids[1], NULL);
	cr_assert_eq(res.status, 0, "run: %s", res.err);
	cr_assert_str_eq(res.out, "100\n");
	cr_assert_str_eq(res.err, "", "stderr is a pipe, yet: %s", res.err);
	ou_harness_result_release(&res);
	free(shown);
	free(layers);
	free(top);
}

Test(storage, prefill_skipped_for_non_empty_volume, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), "ls /data");
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	RT_OK(&res, "volume", "create", "full");
	put(volume_file("full", "mine"), "m\n");
	ou_harness_config_add_mount(cfg, "/data", "volume", "full", NULL);
	cr_assert_str_eq(run_in(bundle_of(cfg, "b1"), id, false), "mine\n");
}

Test(storage, concurrent_first_use_fills_once, .timeout = T_TIMEOUT)
{
	pid_t pids[2];
	const char *ids[2] = { ou_harness_new_id(), ou_harness_new_id() };
	char *logs[2];
	int total = 0;

	for (int i = 0; i < 2; i++) {
		struct ou_harness_json *cfg = layered(image_layers(), "ls /data");
		char *b;

		ou_harness_config_add_mount(cfg, "/data", "volume", "race", NULL);
		b = bundle_of(cfg, i == 0 ? "b1" : "b2");
		logs[i] = ou_harness_path("log%d", i);
		ou_harness_track_id(ids[i]);
		pids[i] = fork();
		if (pids[i] == 0) {
			execl(ou_harness_runtime(), "ociunion", "--root", ou_harness_state_root(),
			      "--storage-root", storage(), "--debug", "--log", logs[i], "run",
			      "--bundle", b, ids[i], (char *)NULL);
			_exit(127);
		}
	}
	for (int i = 0; i < 2; i++) {
		int st = 0;
		char *text;
		const char *p;

		cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "run %d failed", i);
		text = slurp(logs[i]);
		for (p = text; (p = strstr(p, "pre-fill volume 'race'")) != NULL; p++)
			total++;
		free(text);
	}
	cr_assert_eq(total, 1, "the volume is filled once");
	cr_assert_str_eq(slurp(volume_file("race", "seed")), "seed\n");
}

Test(storage, volume_rm_refused_while_in_use, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), "true");
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	ou_harness_config_add_mount(cfg, "/data", "volume", "busy", NULL);
	free(run_in(bundle_of(cfg, "b1"), id, true));
	rt(&res, "volume", "rm", "busy", NULL);
	cr_assert_eq(res.status, 1);
	cr_assert(strstr(res.err, "in use by container") != NULL, "%s", res.err);
	rt(&res, "volume", "rm", "-f", "busy", NULL);
	cr_assert_eq(res.status, 1, "-f does not remove a volume in use either");
	RT_OK(&res, "volume", "inspect", "busy");
	cr_assert(strstr(res.out, id) != NULL, "usedBy names the container: %s", res.out);
	delete_ctr(id, NULL);
	RT_OK(&res, "volume", "rm", "busy");
	cr_assert_str_eq(volume_names(), "");
}

Test(storage, volume_create_inspect_ls, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	struct ou_harness_json *j;
	char *mp = ou_harness_path("storage/volumes/v1/_data");

	RT_OK(&res, "volume", "create", "--label", "team=web", "v1");
	rt(&res, "volume", "create", "v1", NULL);
	cr_assert_eq(res.status, 1, "exists");
	RT_OK(&res, "volume", "inspect", "v1");
	j = ou_harness_json_parse(res.out);
	cr_assert_not_null(j, "%s", res.out);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(j, "0.name")), "v1");
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(j, "0.mountpoint")), mp);
	cr_assert_str_eq(ou_harness_json_str(ou_harness_json_get(j, "0.labels.team")), "web");
	cr_assert_not_null(ou_harness_json_get(j, "0.created"));
	cr_assert_eq(ou_harness_json_len(ou_harness_json_get(j, "0.usedBy")), 0);
	RT_OK(&res, "volume", "ls", "--format", "json");
	cr_assert_eq(ou_harness_json_len(ou_harness_json_parse(res.out)), 1);
	rt(&res, "volume", "inspect", "nope", NULL);
	cr_assert_eq(res.status, 1);
}

Test(storage, volume_prune_removes_unused_anonymous, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	const char *i1 = ou_harness_new_id(), *i2 = ou_harness_new_id();
	char *v1, *v2, *names;

	RT_OK(&res, "volume", "create", "named");
	free(run_in(bundle_of(with_volume_decl("true"), "b1"), i1, true));
	free(run_in(bundle_of(with_volume_decl("true"), "b2"), i2, true));
	v1 = anon_volume_of(i1);
	v2 = anon_volume_of(i2);
	delete_ctr(i1, NULL);
	names = volume_names();
	cr_assert(strstr(names, v1) != NULL, "plain delete keeps the anonymous volume");
	RT_OK(&res, "volume", "prune");
	names = volume_names();
	cr_assert(strstr(names, v1) == NULL, "unused anonymous volume pruned");
	cr_assert(strstr(names, v2) != NULL, "a volume in use stays");
	cr_assert(strstr(names, "named\n") != NULL, "named ones stay without --all");
	RT_OK(&res, "volume", "prune", "--all");
	cr_assert(strstr(volume_names(), "named") == NULL);
}

/*
 * prune and ls take no name: one given is refused with one line and
 * nothing removed (prune --all was read as "remove every unused volume",
 * the name ignored); create names what follows its NAME.
 */
Test(storage, volume_prune_and_ls_refuse_a_name, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *names;

	RT_OK(&res, "volume", "create", "keep");
	RT_OK(&res, "volume", "create", "other");
	rt(&res, "volume", "prune", "--all", "other", NULL);
	cr_assert_eq(res.status, 1, "prune --all NAME: exit %d", res.status);
	cr_assert_eq(ou_harness_count_lines(res.err), 1, "stderr: %s", res.err);
	cr_assert_not_null(strstr(res.err, "'other'"), "stderr: %s", res.err);
	names = volume_names();
	cr_assert(strstr(names, "keep\n") != NULL && strstr(names, "other\n") != NULL,
		  "prune removed volumes: %s", names);
	free(names);
	rt(&res, "volume", "ls", "keep", NULL);
	cr_assert_eq(res.status, 1, "ls NAME: exit %d", res.status);
	rt(&res, "volume", "create", "third", "--label", "a=b", NULL);
	cr_assert_eq(res.status, 1, "create NAME --label: exit %d", res.status);
	cr_assert_not_null(strstr(res.err, "'--label'"), "stderr: %s", res.err);
	names = volume_names();
	cr_assert_null(strstr(names, "third"), "create made a volume: %s", names);
	free(names);
}

Test(storage, delete_volumes_removes_own_anonymous_only, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = with_volume_decl("true");
	const char *id = ou_harness_new_id();
	char *v;

	ou_harness_config_add_mount(cfg, "/named", "volume", "keepme", NULL);
	free(run_in(bundle_of(cfg, "b1"), id, true));
	v = anon_volume_of(id);
	delete_ctr(id, "--volumes");
	cr_assert(strstr(volume_names(), v) == NULL, "anonymous volume removed");
	cr_assert_str_eq(volume_names(), "keepme\n", "named volume kept");
}

Test(storage, volumes_from_rw_and_ro, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *c2 =
		layered(image_layers(), "echo more >> /data/seed; cat /data/seed");
	struct ou_harness_json *c3 =
		layered(image_layers(), "cat /data/seed; touch /data/x 2>&1; true");
	struct ou_harness_json *bad = layered(image_layers(), "true");
	const char *i1 = ou_harness_new_id(), *i2 = ou_harness_new_id(), *i3 = ou_harness_new_id();
	struct ou_harness_result res;
	char *ro = NULL, *o;

	free(run_in(bundle_of(with_volume_decl("true"), "b1"), i1, true));
	ou_harness_config_annotate(c2, "org.ociunion.volumes-from", i1);
	cr_assert_str_eq(run_in(bundle_of(c2, "b2"), i2, false), "seed\nmore\n");
	cr_assert(asprintf(&ro, "%s:ro", i1) > 0);
	ou_harness_config_annotate(c3, "org.ociunion.volumes-from", ro);
	o = run_in(bundle_of(c3, "b3"), i3, false);
	cr_assert(strstr(o, "seed\nmore\n") == o && strstr(o, "Read-only file system") != NULL,
		  "read-only volumes-from: %s", o);
	ou_harness_config_annotate(bad, "org.ociunion.volumes-from", "no-such-container");
	rt(&res, "create", "--bundle", bundle_of(bad, "b4"), "ou-bad-from", NULL);
	ou_harness_assert_clean_failure(&res, "ou-bad-from");
	cr_assert(strstr(res.err, "no-such-container") != NULL, "%s", res.err);
}

/* ---- cp ---- */

Test(storage, cp_directories_both_ways, .timeout = T_TIMEOUT)
{
	char *b = bundle_of(layered(image_layers(), "sleep 1000"), "b1");
	const char *id = ou_harness_new_id();
	char *ref = NULL, *dest = ou_harness_path("got");
	struct ou_harness_result res;

	run_detached(b, id);
	cr_assert(asprintf(&ref, "%s:/srv", id) > 0);
	ou_harness_mkdir(dest);
	RT_OK(&res, "cp", ref, dest);
	cr_assert_str_eq(slurp(ou_harness_path("got/srv/a")), "a\n");
	put(ou_harness_path("got/srv/new"), "n\n");
	RT_OK(&res, "cp", ou_harness_path("got/srv"), ref);
	cr_assert_str_eq(exec_out(id, "cat /srv/srv/new"), "n\n");
}

Test(storage, cp_through_hostile_symlink_refused, .timeout = T_TIMEOUT)
{
	char *secret_dir = ou_harness_path("hostsecret");
	char *secret = ou_harness_path("hostsecret/key");
	char *b = bundle_of(layered(image_layers(), "sleep 1000"), "b1");
	const char *id = ou_harness_new_id();
	char *script = NULL, *out = ou_harness_path("leak"), *ref = NULL, *src;
	struct ou_harness_result res;

	ou_harness_mkdir(secret_dir);
	put(secret, "TOPSECRET\n");
	run_detached(b, id);
	cr_assert(asprintf(&script, "ln -s %s /escape; ln -s %s /escape-file", secret_dir, secret) >
		  0);
	free(exec_out(id, script));
	cr_assert(asprintf(&ref, "%s:/escape/key", id) > 0);
	rt(&res, "cp", ref, out, NULL);
	cr_assert_eq(res.status, 1, "reading the host through a symlink is refused");
	cr_assert_not(ou_harness_exists(out));
	src = ou_harness_path("payload.txt");
	put(src, "evil\n");
	rt(&res, "cp", src, ref, NULL);
	cr_assert_eq(res.status, 1, "writing the host through a symlink is refused");
	free(ref);
	cr_assert(asprintf(&ref, "%s:/escape-file", id) > 0);
	rt(&res, "cp", src, ref, NULL);
	cr_assert_eq(res.status, 1, "a symlink as the destination is refused");
	cr_assert_str_eq(slurp(secret), "TOPSECRET\n", "the host file is untouched");
	/* Copying the symlink itself out is fine: cp never read the host's file. */
	rt(&res, "cp", ref, out, NULL);
	if (res.status == 0) {
		struct stat st;

		cr_assert_eq(lstat(out, &st), 0);
		cr_assert(S_ISLNK(st.st_mode), "the symlink is copied, not its target");
	}
}

Test(storage, cp_plain_rootfs_stopped, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = ou_harness_config_new();
	const char *id = ou_harness_new_id();
	char *ref = NULL, *dst = ou_harness_path("passwd");
	struct ou_harness_result res;

	ou_harness_config_args(cfg, "true", NULL);
	ou_harness_config_write(cfg, ou_harness_bundle());
	ou_harness_json_free(cfg);
	free(run_in(ou_harness_bundle(), id, true));
	cr_assert(asprintf(&ref, "%s:/etc/passwd", id) > 0);
	RT_OK(&res, "cp", ref, dst);
	cr_assert(strstr(slurp(dst), "root:x:0:0") != NULL);
}

Test(storage, readonly_root_makes_union_read_only, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), "touch /x 2>&1; cat /etc/app.conf");
	const char *id = ou_harness_new_id();
	char *o;

	ou_harness_json_setf(cfg, "root.readonly", "true");
	o = run_in(bundle_of(cfg, "b1"), id, false);
	cr_assert(strstr(o, "Read-only file system") != NULL, "%s", o);
	cr_assert(strstr(o, "color=blue") != NULL, "%s", o);
}

Test(storage, upper_annotation_kept_and_carried_on, .timeout = T_TIMEOUT)
{
	char *upper = ou_harness_path("storage/my-upper");
	const char *i1 = ou_harness_new_id(), *i2 = ou_harness_new_id();
	struct ou_harness_json *cfg;

	ou_harness_mkdir(upper);
	for (int i = 0; i < 2; i++) {
		cfg = layered(image_layers(), "echo step >> /progress; cat /progress");
		ou_harness_config_annotate(cfg, "org.ociunion.rootfs.upper", upper);
		cr_assert_str_eq(run_in(bundle_of(cfg, i ? "b2" : "b1"), i ? i2 : i1, false),
				 i ? "step\nstep\n" : "step\n", "the second carries on");
	}
	cr_assert_str_eq(slurp(ou_harness_path("storage/my-upper/progress")), "step\nstep\n");
	cr_assert_not(ou_harness_exists(container_dir(i1)), "its own directory is removed");
}

Test(storage, upper_on_another_filesystem_refused, .timeout = T_TIMEOUT)
{
	char *upper = ou_harness_path("tmpfs-upper");
	struct ou_harness_json *cfg = layered(image_layers(), "true");
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();

	ou_harness_mkdir(upper);
	cr_assert_eq(mount("tmpfs", upper, "tmpfs", 0, "size=1m"), 0);
	ou_harness_config_annotate(cfg, "org.ociunion.rootfs.upper", upper);
	rt(&res, "create", "--bundle", bundle_of(cfg, "b1"), id, NULL);
	cr_assert_eq(umount2(upper, MNT_DETACH), 0, "our own tmpfs, not the runtime's");
	ou_harness_assert_clean_failure(&res, id);
	cr_assert(strstr(res.err, "is not on the filesystem of the storage root") != NULL, "%s",
		  res.err);
	assert_no_storage_left(id);
}

/*
 * overlayfs takes a backslash in an upperdir given to fsconfig as an
 * escape: wr\ite would be mounted as write, a directory the checks of the
 * upper never saw.
 */
Test(storage, upper_with_a_backslash_is_that_directory, .timeout = T_TIMEOUT)
{
	char *upper = ou_harness_path("storage/wr\\ite");
	char *other = ou_harness_path("storage/write");
	struct ou_harness_json *cfg = layered(image_layers(), "echo new > /new; cat /new");

	ou_harness_mkdir(upper);
	ou_harness_mkdir(other);
	ou_harness_config_annotate(cfg, "org.ociunion.rootfs.upper", upper);
	cr_assert_str_eq(run_in(bundle_of(cfg, "b1"), ou_harness_new_id(), false), "new\n");
	cr_assert_str_eq(slurp(ou_harness_path("storage/wr\\ite/new")), "new\n");
	cr_assert_not(ou_harness_exists(ou_harness_path("storage/write/new")));
}

/* A config of layered(image_layers(), script) with upper as its upper. */
static char *upper_bundle(const char *name, const char *upper, const char *script)
{
	struct ou_harness_json *cfg = layered(image_layers(), script);

	ou_harness_config_annotate(cfg, "org.ociunion.rootfs.upper", upper);
	return bundle_of(cfg, name);
}

/*
 * Two live containers on one upper directory are undefined for overlayfs:
 * the second create fails, naming the first and leaving nothing; once the
 * first is deleted the upper is free again.
 */
Test(storage, upper_in_use_refused_until_deleted, .timeout = T_TIMEOUT)
{
	char *upper = ou_harness_path("storage/shared-upper");
	const char *i1 = ou_harness_new_id(), *i2 = ou_harness_new_id();
	char *b1, *b2, *want;
	struct ou_harness_result res;

	ou_harness_mkdir(upper);
	b1 = upper_bundle("b1", upper, "sleep 1000");
	b2 = upper_bundle("b2", upper, "sleep 1000");
	run_detached(b1, i1);
	ou_harness_track_id(i2);
	rt(&res, "create", "--bundle", b2, i2, NULL);
	ou_harness_assert_clean_failure(&res, i2);
	cr_assert(asprintf(&want, "org.ociunion.rootfs.upper: '%s' is in use by container '%s'",
			   upper, i1) > 0);
	cr_assert(strstr(res.err, want) != NULL, "%s", res.err);
	assert_no_storage_left(i2);
	ou_harness_result_release(&res);
	delete_ctr(i1, "--force");
	run_detached(b2, i2);
	delete_ctr(i2, "--force");
	free(want);
	cr_assert(asprintf(&want, "test -z \"$(ls -A '%s/uppers')\"", storage()) > 0);
	cr_assert_eq(system(want), 0, "a claim left in %s/uppers", storage());
	free(want);
}

/*
 * A claim whose container is gone without a delete (its state directory
 * lost, as /run is at a reboot) does not block the upper.
 */
Test(storage, upper_claim_of_vanished_container_is_stale, .timeout = T_TIMEOUT)
{
	char *upper = ou_harness_path("storage/stale-upper");
	const char *i1 = ou_harness_new_id(), *i2 = ou_harness_new_id();
	char *state, *cmd;

	ou_harness_mkdir(upper);
	free(run_in(upper_bundle("b1", upper, "true"), i1, true));
	cr_assert(asprintf(&state, "%s/%s", ou_harness_state_root(), i1) > 0);
	cr_assert(ou_harness_exists(state), "no state dir '%s'", state);
	cr_assert(asprintf(&cmd, "rm -rf '%s'", state) > 0);
	cr_assert_eq(system(cmd), 0);
	cr_assert_str_eq(run_in(upper_bundle("b2", upper, "echo ok"), i2, false), "ok\n");
	free(cmd);
	free(state);
}

/* An upper that is or holds a layer, or lies in one, names the annotation. */
static void assert_upper_refused(const char *upper, const char *why, const char *reason)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *b = upper_bundle(id, upper, "true");

	rt(&res, "create", "--bundle", b, id, NULL);
	ou_harness_assert_clean_failure(&res, id);
	cr_assert(strstr(res.err, "org.ociunion.rootfs.upper: ") != NULL &&
			  strstr(res.err, reason) != NULL,
		  "%s: %s", why, res.err);
	assert_no_storage_left(id);
	ou_harness_result_release(&res);
	free(b);
}

Test(storage, upper_overlapping_a_layer_refused, .timeout = T_TIMEOUT)
{
	image_layers();
	assert_upper_refused("/", "the root directory", "overlaps layer");
	assert_upper_refused(ou_harness_path("layer-top"), "a layer", "overlaps layer");
	assert_upper_refused(ou_harness_path("layer-top/srv"), "inside a layer", "overlaps layer");
	assert_upper_refused(ou_harness_dir(), "holding a layer", "overlaps layer");
}

/*
 * The container writes to its upper: it must not be, hold or lie in the
 * state directory, or the storage root's directories of writable layers,
 * volumes and upper claims.  Else a container could rewrite another's
 * writable layer or state.json, or a volume's meta.json.
 */
Test(storage, upper_overlapping_the_runtime_directories_refused, .timeout = T_TIMEOUT)
{
	const char *other = ou_harness_new_id();
	const char *why = "overlaps the runtime's directory";
	struct ou_harness_result res;
	char *b = bundle_of(layered(image_layers(), "true"), "other");
	char *state = NULL;

	ou_harness_track_id(other);
	RT_OK(&res, "create", "--bundle", b, other);
	ou_harness_result_release(&res);
	RT_OK(&res, "volume", "create", "vol");
	ou_harness_result_release(&res);
	assert_upper_refused(ou_harness_path("storage/containers/%s/upper", other),
			     "another container's writable layer", why);
	assert_upper_refused(ou_harness_path("storage/volumes"), "the volumes", why);
	assert_upper_refused(ou_harness_path("storage/volumes/vol/_data"), "a volume", why);
	assert_upper_refused(storage(), "the storage root", why);
	assert_upper_refused(ou_harness_state_root(), "the state directory", why);
	cr_assert(asprintf(&state, "%s/%s", ou_harness_state_root(), other) > 0);
	assert_upper_refused(state, "a container's state", why);
	free(state);
	free(b);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* The names in dir but . and .., sorted, one a line; the caller frees. */
static char *dir_listing(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, not_dots, by_name);
	size_t len = 1;
	char *out;

	cr_assert_geq(n, 0, "list '%s'", dir);
	for (int i = 0; i < n; i++)
		len += strlen(names[i]->d_name) + 1;
	out = calloc(1, len);
	cr_assert_not_null(out);
	for (int i = 0; i < n; i++) {
		strcat(strcat(out, names[i]->d_name), "\n");
		free(names[i]);
	}
	free(names);
	return out;
}

/*
 * create with its own --root or --storage-root: refused for overlapping a
 * layer, which is left as it was.
 */
static void assert_runtime_dir_refused(const char *option, const char *dir, const char *why)
{
	char *layer = ou_harness_path("layer-top");
	char *listing = NULL;
	char *after = NULL;
	char *b = bundle_of(layered(image_layers(), "true"), "b-apart");
	const char *id = ou_harness_new_id();
	bool is_storage = strcmp(option, "--storage-root") == 0;
	const char *argv[] = { ou_harness_runtime(),
			       "--root",
			       is_storage ? ou_harness_state_root() : dir,
			       "--storage-root",
			       is_storage ? dir : storage(),
			       "create",
			       "--bundle",
			       b,
			       id,
			       NULL };
	struct ou_harness_result res;

	listing = dir_listing(layer);
	ou_harness_exec(&res, OU_HARNESS_TIMEOUT, argv);
	cr_assert_eq(res.status, 1, "%s: exit %d; err: %s", why, res.status, res.err);
	cr_assert_eq(ou_harness_count_lines(res.err), 1, "%s", res.err);
	cr_assert(strstr(res.err, "org.ociunion.rootfs.layers: ") != NULL &&
			  strstr(res.err, "overlaps the runtime's directory") != NULL,
		  "%s: %s", why, res.err);
	after = dir_listing(layer);
	cr_assert_str_eq(after, listing, "%s: the layer was changed", why);
	ou_harness_result_release(&res);
	free(after);
	free(listing);
	free(layer);
	free(b);
}

/*
 * A storage root or state directory in a layer, or holding one, would be
 * written into the image and let its containers read every other
 * container's writable layer, volumes and state; a layer in the storage
 * root's containers/ is another container's writable layer.
 */
Test(storage, layers_overlapping_the_runtime_directories_refused, .timeout = T_TIMEOUT)
{
	const char *other = ou_harness_new_id();
	struct ou_harness_result res;
	char *layers = NULL;
	char *b = bundle_of(layered(image_layers(), "true"), "other");
	char *in_layer = ou_harness_path("layer-top/runtime");
	char *layer = ou_harness_path("layer-top");

	assert_runtime_dir_refused("--storage-root", in_layer, "storage root in a layer");
	assert_runtime_dir_refused("--storage-root", layer, "storage root a layer");
	assert_runtime_dir_refused("--root", in_layer, "state directory in a layer");
	ou_harness_track_id(other);
	RT_OK(&res, "create", "--bundle", b, other);
	ou_harness_result_release(&res);
	cr_assert(asprintf(&layers, "%s:%s", ou_harness_rootfs(),
			   ou_harness_path("storage/containers/%s/upper", other)) > 0);
	b = bundle_of(layered(layers, "true"), "on-upper");
	rt(&res, "create", "--bundle", b, ou_harness_new_id(), NULL);
	cr_assert_eq(res.status, 1, "a writable layer as a layer: exit %d", res.status);
	cr_assert(strstr(res.err, "overlaps the runtime's directory") != NULL, "%s", res.err);
	ou_harness_result_release(&res);
	free(layer);
	free(in_layer);
	free(layers);
	free(b);
}

/*
 * An upper that is or holds the bundle would let the container rewrite
 * config.json, whose hooks run on the host at the next create; one on
 * root.path would be mounted over itself.  An upper inside the bundle is
 * fine.
 */
Test(storage, upper_holding_the_bundle_refused, .timeout = T_TIMEOUT)
{
	const char *id = ou_harness_new_id();
	const char *on_root = ou_harness_new_id();
	char *upper = ou_harness_path("%s/upper", id);
	char *config = ou_harness_path("%s/config.json", id);
	char *merged = ou_harness_path("%s/merged", on_root);
	struct ou_harness_result res;
	char *b;

	assert_upper_refused(".", "the bundle", "holds the bundle");
	ou_harness_mkdir(merged);
	b = upper_bundle(on_root, "merged", "true");
	rt(&res, "create", "--bundle", b, on_root, NULL);
	ou_harness_assert_clean_failure(&res, on_root);
	assert_no_storage_left(on_root);
	cr_assert(strstr(res.err, "overlaps root.path") != NULL, "%s", res.err);
	ou_harness_result_release(&res);
	free(b);
	ou_harness_mkdir(upper);
	b = upper_bundle(id, "upper", "echo changed > /config.json");
	cr_assert_str_eq(run_in(b, id, false), "");
	cr_assert_str_neq(slurp(config), "changed\n", "the bundle's config.json was rewritten");
	cr_assert_str_eq(slurp(ou_harness_path("%s/upper/config.json", id)), "changed\n");
	free(merged);
	free(config);
	free(upper);
	free(b);
}

/* ---- a full storage root (issue 8) ---- */

/* A host file of size bytes of 'x' at the test's path name; its path. */
static char *big_file(const char *name, size_t size)
{
	char *path = ou_harness_path("%s", name);
	char *text = malloc(size + 1);

	cr_assert_not_null(text);
	memset(text, 'x', size);
	text[size] = '\0';
	put(path, text);
	free(text);
	return path;
}

static void resize_storage(const char *size)
{
	char *data = NULL;

	cr_assert(asprintf(&data, "size=%s", size) > 0);
	cr_assert_eq(mount("tmpfs", storage(), "tmpfs", MS_REMOUNT, data), 0, "remount: %s",
		     strerror(errno));
	free(data);
}

/* The storage root is a 256 KiB tmpfs: no room for a 1 MiB file. */
static void tiny_storage(void)
{
	ou_harness_mkdir(storage());
	cr_assert_eq(mount("tmpfs", storage(), "tmpfs", 0, "size=256k,mode=0700"), 0, "mount: %s",
		     strerror(errno));
}

/* Mount points below the test's directory other than the tiny storage root. */
static int other_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096], point[4096];
	size_t dlen = strlen(ou_harness_dir());
	int n = 0;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
			continue;
		if (strncmp(point, ou_harness_dir(), dlen) == 0 && strcmp(point, storage()) != 0)
			n++;
	}
	fclose(f);
	return n;
}

/* ou_harness_assert_clean_failure, but our own tmpfs at the storage root is kept. */
static void assert_failed_cleanly(const struct ou_harness_result *res, const char *id)
{
	char *state = NULL;
	char *cg = NULL;

	cr_assert(asprintf(&state, "%s/%s", ou_harness_state_root(), id) > 0);
	cr_assert(asprintf(&cg, "/%s", id) > 0);
	cr_assert_eq(res->status, 1, "exit %d; stderr: %s", res->status, res->err);
	cr_assert_eq(ou_harness_count_lines(res->err), 1, "%s", res->err);
	cr_assert(strncmp(res->err, "ociunion: ", 10) == 0, "%s", res->err);
	cr_assert_not(ou_harness_exists(state), "'%s' left behind", state);
	cr_assert_not(ou_harness_cgroup_exists(cg), "cgroup '%s' left behind", cg);
	cr_assert_eq(other_mounts(), 0, "a mount left behind below '%s'", ou_harness_dir());
	free(state);
	free(cg);
}

Test(storage, prefill_on_full_storage_fails_cleanly_and_recovers, .timeout = T_TIMEOUT)
{
	char *top = ou_harness_path("full-top/data");
	char *layers = NULL;
	struct ou_harness_json *cfg;
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *b;

	ou_harness_mkdir(top);
	free(big_file("full-top/data/blob", 1 << 20));
	cr_assert(asprintf(&layers, "%s:%s", ou_harness_rootfs(), ou_harness_path("full-top")) > 0);
	cfg = layered(layers, "wc -c < /data/blob");
	ou_harness_config_add_mount(cfg, "/data", "volume", "big", NULL);
	b = bundle_of(cfg, "b1");
	tiny_storage();
	rt(&res, "create", "--bundle", b, id, NULL);
	assert_failed_cleanly(&res, id);
	cr_assert(strstr(res.err, "pre-fill volume 'big'") != NULL, "%s", res.err);
	cr_assert(strstr(res.err, strerror(ENOSPC)) != NULL, "%s", res.err);
	assert_no_storage_left(id);
	cr_assert_str_eq(volume_names(), "", "the volume made for it is removed");
	ou_harness_result_release(&res);
	/* With room, the same bundle runs and the volume is filled whole. */
	resize_storage("8m");
	cr_assert_str_eq(run_in(b, ou_harness_new_id(), false), "1048576\n");
	cr_assert_str_eq(volume_names(), "big\n");
	cr_assert_eq(umount2(storage(), MNT_DETACH), 0);
}

Test(storage, copy_up_on_full_storage_fails_cleanly_and_recovers, .timeout = T_TIMEOUT)
{
	char *b = bundle_of(layered(image_layers(), "sleep 1000"), "b1");
	char *blob = big_file("blob", 1 << 20);
	const char *id = ou_harness_new_id();
	struct ou_harness_result res;
	char *dest = NULL;

	tiny_storage();
	run_detached(b, id);
	cr_assert(asprintf(&dest, "%s:/srv/a", id) > 0);
	/* /srv/a is in the image: its new content must go to the full layer. */
	rt(&res, "cp", blob, dest, NULL);
	cr_assert_eq(res.status, 1, "cp to a full layer: exit %d, err %s", res.status, res.err);
	cr_assert_eq(ou_harness_count_lines(res.err), 1, "%s", res.err);
	cr_assert(strncmp(res.err, "ociunion: ", 10) == 0, "%s", res.err);
	cr_assert(strstr(res.err, strerror(ENOSPC)) != NULL, "%s", res.err);
	ou_harness_result_release(&res);
	cr_assert_str_eq(exec_out(id, "cat /srv/a"), "a\n",
			 "the failed copy left /srv/a as it was");
	resize_storage("8m");
	RT_OK(&res, "cp", blob, dest);
	ou_harness_result_release(&res);
	cr_assert_str_eq(exec_out(id, "wc -c < /srv/a"), "1048576\n");
	delete_ctr(id, "--force");
	assert_no_storage_left(id);
	cr_assert_eq(umount2(storage(), MNT_DETACH), 0);
	free(dest);
	free(blob);
}

/*
 * A volume's _data replaced by a symlink to a host directory (by hand, or
 * by anything else that can write to the storage root) is refused: the
 * pre-fill must not copy the image there and the container must not get
 * that directory mounted.  The same for the volume's own directory.
 */
static void assert_volume_link_refused(const char *vol, const char *link_rel)
{
	struct ou_harness_json *cfg = layered(image_layers(), "ls /etc");
	char *host = ou_harness_path("host-%s", vol);
	char *link = ou_harness_path("storage/volumes/%s", link_rel);
	char *host_file = ou_harness_path("host-%s/app.conf", vol);
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *b;

	ou_harness_mkdir(host);
	ou_harness_config_add_mount(cfg, "/etc", "volume", vol, NULL);
	b = bundle_of(cfg, vol);
	cr_assert_eq(rename(link, ou_harness_path("moved-%s", vol)), 0, "move '%s'", link);
	cr_assert_eq(symlink(host, link), 0);
	rt(&res, "run", "--bundle", b, id, NULL);
	assert_failed_cleanly(&res, id);
	assert_no_storage_left(id);
	cr_assert(strstr(res.err, "is a symlink") != NULL, "%s", res.err);
	cr_assert_not(ou_harness_exists(host_file), "the image was copied to '%s'", host);
	ou_harness_result_release(&res);
	free(host_file);
	free(link);
	free(host);
}

Test(storage, volume_data_replaced_by_a_symlink_refused, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;

	RT_OK(&res, "volume", "create", "swapped");
	ou_harness_result_release(&res);
	assert_volume_link_refused("swapped", "swapped/_data");
}

Test(storage, volume_directory_replaced_by_a_symlink_refused, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *meta = ou_harness_path("storage/volumes/vdir/meta.json");
	char *host_meta = ou_harness_path("host-vdir/meta.json");
	char *host_data = ou_harness_path("host-vdir/_data");
	char *text;

	RT_OK(&res, "volume", "create", "vdir");
	ou_harness_result_release(&res);
	/* The host directory looks like the volume: only the link gives it away. */
	ou_harness_mkdir(host_data);
	text = slurp(meta);
	put(host_meta, text);
	assert_volume_link_refused("vdir", "vdir");
	free(text);
	free(host_data);
	free(host_meta);
	free(meta);
}

/*
 * A sparse file of the image stays sparse in the volume: an image can hold
 * a file of a terabyte that takes a few blocks, and writing its holes out
 * as zeros would fill the storage root's filesystem.
 */
Test(storage, prefill_keeps_sparse_files_sparse, .timeout = T_TIMEOUT)
{
	const off_t gib = 1LL << 30;
	char *dir = ou_harness_path("sparse-top/data");
	char *hole = ou_harness_path("sparse-top/data/hole");
	char *layers = NULL;
	struct ou_harness_json *cfg;
	const char *id = ou_harness_new_id();
	struct stat st;
	char *copy;
	int fd;

	ou_harness_mkdir(dir);
	fd = open(hole, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(pwrite(fd, "begin\n", 6, 0), 6);
	cr_assert_eq(pwrite(fd, "end\n", 4, gib), 4);
	cr_assert_eq(fstat(fd, &st), 0);
	close(fd);
	if (st.st_blocks * 512 >= gib)
		cr_skip_test("the filesystem of '%s' keeps no holes", dir);
	cr_assert(asprintf(&layers, "%s:%s", ou_harness_rootfs(), ou_harness_path("sparse-top")) >
		  0);
	cfg = layered(layers, "head -c 6 /data/hole; tail -c 4 /data/hole");
	ou_harness_config_annotate(cfg, "org.ociunion.volumes", "/data");
	cr_assert_str_eq(run_in(bundle_of(cfg, "b1"), id, true), "begin\nend\n");
	copy = volume_file(anon_volume_of(id), "hole");
	cr_assert_eq(stat(copy, &st), 0);
	cr_assert_eq(st.st_size, gib + 4);
	cr_assert_lt(st.st_blocks * 512, 1 << 20, "the copy takes %lld bytes",
		     (long long)st.st_blocks * 512);
	free(copy);
	free(layers);
	free(hole);
	free(dir);
}

/*
 * A create killed between making a volume's directory and writing its
 * meta.json leaves the directory alone.  It is no volume: volume ls shows
 * the others, volume rm removes it, and a container that names it gets a
 * new volume under that name, pre-filled.
 */
Test(storage, volume_left_without_metadata_is_cleared, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), "cat /data/seed");
	char *half = ou_harness_path("storage/volumes/half");
	char *half_data = ou_harness_path("storage/volumes/half/_data");
	struct ou_harness_result res;

	RT_OK(&res, "volume", "create", "whole");
	ou_harness_result_release(&res);
	ou_harness_mkdir(half_data);
	cr_assert_str_eq(volume_names(), "whole\n");
	RT_OK(&res, "volume", "rm", "half");
	cr_assert_str_eq(res.out, "half\n");
	ou_harness_result_release(&res);
	cr_assert_not(ou_harness_exists(half), "'%s' is left", half);
	ou_harness_mkdir(half_data);
	ou_harness_config_add_mount(cfg, "/data", "volume", "half", NULL);
	cr_assert_str_eq(run_in(bundle_of(cfg, "b1"), ou_harness_new_id(), false), "seed\n");
	cr_assert_str_eq(volume_names(), "half\nwhole\n");
	free(half_data);
	free(half);
}

/*
 * A meta.json damaged by hand or by a power loss: `volume ls` leaves that
 * volume out (with a warning) instead of failing for every volume; asked
 * for by name, it is an error naming the file.
 */
Test(storage, volume_ls_leaves_out_an_unreadable_volume, .timeout = T_TIMEOUT)
{
	char *meta = ou_harness_path("storage/volumes/broken/meta.json");
	struct ou_harness_result res;

	RT_OK(&res, "volume", "create", "broken");
	ou_harness_result_release(&res);
	RT_OK(&res, "volume", "create", "fine");
	ou_harness_result_release(&res);
	ou_harness_write(meta, "{\"name\": \"bro");
	cr_assert_str_eq(volume_names(), "fine\n");
	rt(&res, "--log-level", "warning", "volume", "ls", "-q", NULL);
	cr_assert_eq(res.status, 0, "%s", res.err);
	cr_assert_not_null(strstr(res.err, "volume ls: volume 'broken': meta.json: parse error"),
			   "%s", res.err);
	ou_harness_result_release(&res);
	rt(&res, "volume", "inspect", "broken", NULL);
	cr_assert_eq(res.status, 1);
	cr_assert_not_null(strstr(res.err, "meta.json: parse error"), "%s", res.err);
	ou_harness_result_release(&res);
	free(meta);
}

/*
 * The pre-fill copies what the image has at the destination, not what
 * other mounts show there: a VOLUME under /proc or /sys (an image chooses
 * its VOLUME paths) got a copy of the kernel's files, read by the runtime
 * with all its privileges and before the masked paths are masked.
 */
Test(storage, prefill_copies_the_image_not_kernel_filesystems, .timeout = T_TIMEOUT)
{
	struct ou_harness_json *cfg = layered(image_layers(), "cat /srv/a");
	const char *id = ou_harness_new_id();
	char *vol;
	char *listing;

	ou_harness_config_annotate(cfg, "org.ociunion.volumes", "/proc/sys/kernel/random:/srv");
	cr_assert_str_eq(run_in(bundle_of(cfg, "b1"), id, true), "a\n");
	vol = ou_harness_path("storage/volumes/%s/_data", anon_volume_of(id));
	listing = dir_listing(vol);
	/* anon_volume_of gives the first: the one at /proc/sys/kernel/random */
	cr_assert_str_eq(listing, "", "copied from procfs: %s", listing);
	free(listing);
	free(vol);
}

/* A meta.json without a name (edited by hand): volume ls crashed on it. */
Test(storage, volume_metadata_without_a_name_is_an_error, .timeout = T_TIMEOUT)
{
	struct ou_harness_result res;
	char *meta = ou_harness_path("storage/volumes/bare/meta.json");

	RT_OK(&res, "volume", "create", "bare");
	ou_harness_result_release(&res);
	put(meta, "{}");
	/* Listed, it is left out (volume_ls_leaves_out_an_unreadable_volume); by name, an error. */
	rt(&res, "volume", "ls", "-q", NULL);
	cr_assert_eq(res.status, 0, "exit %d; err: %s", res.status, res.err);
	cr_assert_str_eq(res.out, "");
	ou_harness_result_release(&res);
	rt(&res, "volume", "inspect", "bare", NULL);
	cr_assert_eq(res.status, 1, "exit %d; err: %s", res.status, res.err);
	cr_assert_eq(ou_harness_count_lines(res.err), 1, "%s", res.err);
	cr_assert(strstr(res.err, "volume 'bare': meta.json: name: is required") != NULL, "%s",
		  res.err);
	ou_harness_result_release(&res);
	free(meta);
}

/* A failed create whose one line has text, and nothing left of it. */
static void assert_create_refused(struct ou_harness_json *cfg, const char *name, const char *text)
{
	struct ou_harness_result res;
	const char *id = ou_harness_new_id();
	char *b = bundle_of(cfg, name);

	rt(&res, "create", "--bundle", b, id, NULL);
	assert_failed_cleanly(&res, id);
	assert_no_storage_left(id);
	cr_assert(strstr(res.err, text) != NULL, "%s: %s", name, res.err);
	ou_harness_result_release(&res);
	free(b);
}

/*
 * A directory and a file cannot be mounted on each other; the kernel says
 * only "Invalid argument", the error names both kinds.
 */
Test(storage, directory_and_file_mismatch_says_so, .timeout = T_TIMEOUT)
{
	char *file = ou_harness_path("host-file");
	char *dir = ou_harness_path("host-dir");
	struct ou_harness_json *cfg;

	put(file, "x\n");
	ou_harness_mkdir(dir);
	cfg = layered(image_layers(), "true");
	ou_harness_config_add_mount(cfg, "/etc", "bind", file, "rbind", NULL);
	assert_create_refused(cfg, "file-on-dir", "a file cannot be mounted on a directory");
	cfg = layered(image_layers(), "true");
	ou_harness_config_add_mount(cfg, "/etc/passwd", "bind", dir, "rbind", NULL);
	assert_create_refused(cfg, "dir-on-file", "a directory cannot be mounted on a file");
	cfg = layered(image_layers(), "true");
	ou_harness_config_add_mount(cfg, "/etc/passwd", "volume", "on-file", NULL);
	assert_create_refused(cfg, "volume-on-file", "a directory cannot be mounted on a file");
	cr_assert_str_eq(volume_names(), "", "the volume made for it is removed");
	free(dir);
	free(file);
}
