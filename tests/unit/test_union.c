/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "runtime/base/util.h"
#include "runtime/layers.h"
#include "spec/config.h"
#include "spec/union.h"

/*
 * The storage extensions of config.json (INTERFACE.md, "Storage extensions
 * in config.json") and the layer order of the overlay (STYLE 3.2).
 */

static char tmp[64];

static void setup(void)
{
	strcpy(tmp, "/tmp/ou-union-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
	struct ou_error *e = NULL;

	ou_remove_tree(tmp, &e);
	ou_error_free(e);
}

TestSuite(union_, .init = setup, .fini = teardown);

/* A spec from the annotations and mounts given as JSON fragments. */
static struct ou_spec *spec_of(const char *annotations, const char *mounts)
{
	char *json = ou_xasprintf("{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},"
				  " \"annotations\": {%s}, \"mounts\": [%s]}",
				  annotations, mounts);
	struct ou_spec *spec = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(ou_config_parse(json, strlen(json), &spec, &e), 0, "%s", e ? e->msg : "");
	free(json);
	return spec;
}

static int parse(const char *annotations, const char *mounts, struct ou_union **u,
		 struct ou_error **e)
{
	struct ou_spec *spec = spec_of(annotations, mounts);
	int rc = ou_union_parse(spec, u, e);

	ou_spec_free(spec);
	return rc;
}

Test(union_, no_extensions_uses_no_storage)
{
	struct ou_union *u = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(parse("", "", &u, &e), 0);
	cr_assert_not(ou_union_uses_storage(u));
	cr_assert_not(ou_union_has_layers(u));
	ou_union_free(u);
}

Test(union_, layers_keep_image_order)
{
	struct ou_union *u = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(parse("\"org.ociunion.rootfs.layers\": \"base:mid:/abs/top\"", "", &u, &e), 0);
	cr_assert_eq(u->layers_bottom_up.len, 3);
	cr_assert_str_eq(u->layers_bottom_up.v[0], "base");
	cr_assert_str_eq(u->layers_bottom_up.v[2], "/abs/top");
	cr_assert(ou_union_has_layers(u));
	ou_union_free(u);
}

Test(union_, empty_layer_is_invalid)
{
	struct ou_union *u = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(parse("\"org.ociunion.rootfs.layers\": \"base::top\"", "", &u, &e), -1);
	cr_assert_eq(e->kind, OU_E_INVALID);
	cr_assert_null(u);
	ou_error_free(e);
}

Test(union_, upper_needs_layers)
{
	struct ou_union *u = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(parse("\"org.ociunion.rootfs.upper\": \"/x\"", "", &u, &e), -1);
	cr_assert_eq(e->kind, OU_E_INVALID);
	ou_error_free(e);
}

Test(union_, volume_mounts_named_and_anonymous)
{
	struct ou_union *u = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(
		parse("",
		      "{\"destination\": \"/data/\", \"type\": \"volume\", \"source\": \"todo\"},"
		      "{\"destination\": \"/tmp\", \"type\": \"tmpfs\"},"
		      "{\"destination\": \"/cache\", \"type\": \"volume\"}",
		      &u, &e),
		0);
	cr_assert_eq(u->n_volumes, 2);
	cr_assert_eq(u->volumes[0].kind, OU_UNION_VOL_NAMED);
	cr_assert_str_eq(u->volumes[0].name, "todo");
	cr_assert_str_eq(u->volumes[0].destination, "/data");
	cr_assert_eq(u->volumes[0].mount_index, 0);
	cr_assert_eq(u->volumes[1].kind, OU_UNION_VOL_ANON);
	cr_assert_null(u->volumes[1].name);
	cr_assert_eq(u->volumes[1].mount_index, 2);
	ou_union_free(u);
}

Test(union_, bad_volume_name_is_invalid)
{
	struct ou_union *u = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(parse("",
			   "{\"destination\": \"/d\", \"type\": \"volume\", \"source\": \"../x\"}",
			   &u, &e),
		     -1);
	cr_assert_eq(e->kind, OU_E_INVALID);
	ou_error_free(e);
}

Test(union_, image_volume_skipped_where_a_mount_is)
{
	struct ou_union *u = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(parse("\"org.ociunion.volumes\": \"/data:/logs:/data\"",
			   "{\"destination\": \"/logs\", \"type\": \"bind\", \"source\": \"/tmp\"}",
			   &u, &e),
		     0);
	cr_assert_eq(u->n_volumes, 1);
	cr_assert_eq(u->volumes[0].kind, OU_UNION_VOL_IMAGE);
	cr_assert_str_eq(u->volumes[0].destination, "/data");
	cr_assert_eq(u->volumes[0].mount_index, SIZE_MAX);
	ou_union_free(u);
}

Test(union_, relative_image_volume_is_invalid)
{
	struct ou_union *u = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(parse("\"org.ociunion.volumes\": \"data\"", "", &u, &e), -1);
	cr_assert_eq(e->kind, OU_E_INVALID);
	ou_error_free(e);
}

Test(union_, volumes_from_with_modes)
{
	struct ou_union *u = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(parse("\"org.ociunion.volumes-from\": \"a,b:ro,c:rw\"", "", &u, &e), 0);
	cr_assert_eq(u->n_from, 3);
	cr_assert_str_eq(u->from[0].id, "a");
	cr_assert_not(u->from[0].readonly);
	cr_assert_str_eq(u->from[1].id, "b");
	cr_assert(u->from[1].readonly);
	cr_assert_not(u->from[2].readonly);
	cr_assert(ou_union_uses_storage(u));
	ou_union_free(u);
}

Test(union_, volumes_from_bad_mode_is_invalid)
{
	struct ou_union *u = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(parse("\"org.ociunion.volumes-from\": \"a:rx\"", "", &u, &e), -1);
	cr_assert_eq(e->kind, OU_E_INVALID);
	ou_error_free(e);
}

Test(union_, lowerdir_order_is_top_first)
{
	char *v[] = { "base", "mid", "top", NULL };
	struct ou_strv bottom_up = { 3, v };
	const char **top_first = ou_layers_lowerdir_order(&bottom_up);

	cr_assert_str_eq(top_first[0], "top");
	cr_assert_str_eq(top_first[1], "mid");
	cr_assert_str_eq(top_first[2], "base");
	cr_assert_null(top_first[3]);
	free(top_first);
}

static struct ou_strv layers_of(char **v, size_t n)
{
	struct ou_strv s = { n, v };

	return s;
}

/* The layers in (relative to tmp) are refused with a message holding why. */
static void assert_layers_refused(char **v, size_t n, const char *why)
{
	struct ou_strv in = layers_of(v, n), out = { 0 };
	struct ou_error *e = NULL;

	cr_assert_eq(ou_layers_resolve(tmp, &in, &out, &e), -1, "%s", why);
	cr_assert(strstr(e->msg, why) != NULL, "%s", e->msg);
	ou_error_free(e);
}

Test(union_, layers_resolve_against_bundle)
{
	char *a = ou_path_join(tmp, "a");
	char *v[] = { "a", NULL };
	struct ou_strv in = layers_of(v, 1), out = { 0 };
	struct ou_error *e = NULL;

	cr_assert_eq(mkdir(a, 0755), 0);
	cr_assert_eq(ou_layers_resolve(tmp, &in, &out, &e), 0);
	cr_assert_eq(out.len, 1);
	cr_assert_str_eq(out.v[0], a);
	free(out.v[0]);
	free(out.v);
	free(a);
}

Test(union_, missing_layer_is_invalid)
{
	char *v[] = { "nope", NULL };
	struct ou_strv in = layers_of(v, 1), out = { 0 };
	struct ou_error *e = NULL;

	cr_assert_eq(ou_layers_resolve(tmp, &in, &out, &e), -1);
	cr_assert_eq(e->kind, OU_E_INVALID);
	cr_assert(strstr(e->msg, "layer 'nope' does not exist") != NULL);
	ou_error_free(e);
}

Test(union_, repeated_or_file_layer_is_invalid)
{
	char *a = ou_path_join(tmp, "a");
	char *f = ou_path_join(tmp, "f");
	char *rep[] = { "a", "./a", NULL };
	char *file[] = { "f", NULL };
	struct ou_strv in = layers_of(rep, 2), out = { 0 };
	struct ou_error *e = NULL;

	cr_assert_eq(mkdir(a, 0755), 0);
	cr_assert_eq(ou_layers_resolve(tmp, &in, &out, &e), -1);
	cr_assert_eq(e->kind, OU_E_INVALID);
	ou_error_free(e);
	e = NULL;
	cr_assert_eq(ou_write_file(f, "x", 1, 0644, &e), 0);
	in = layers_of(file, 1);
	cr_assert_eq(ou_layers_resolve(tmp, &in, &out, &e), -1);
	cr_assert_eq(e->kind, OU_E_INVALID);
	ou_error_free(e);
	free(a);
	free(f);
}

/* The parent directory is resolved once: every answer still matches realpath. */
Test(union_, layer_paths_are_real_paths)
{
	char *v[] = { "x/a", "lnk/b", "y/c", "y/../x/d", "x/lc", NULL };
	char *dup[] = { "x/a", "lnk/a", NULL };
	const char *dirs[] = { "x", "y", "x/a", "x/b", "y/c", "x/d" };
	struct ou_strv in = layers_of(v, 5), out = { 0 };
	struct ou_error *e = NULL;
	char *p;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		p = ou_path_join(tmp, dirs[i]);
		cr_assert_eq(mkdir(p, 0755), 0);
		free(p);
	}
	p = ou_path_join(tmp, "lnk");
	cr_assert_eq(symlink("x", p), 0);
	free(p);
	p = ou_path_join(tmp, "x/lc");
	cr_assert_eq(symlink("../y/c", p), 0);
	free(p);
	in.len = 4;
	cr_assert_eq(ou_layers_resolve(tmp, &in, &out, &e), 0);
	cr_assert_eq(out.len, 4);
	for (size_t i = 0; i < out.len; i++) {
		char *joined = ou_path_join(tmp, v[i]);
		char buf[PATH_MAX];

		cr_assert_not_null(realpath(joined, buf));
		cr_assert_str_eq(out.v[i], buf, "layer %zu", i);
		free(joined);
		free(out.v[i]);
	}
	free(out.v);
	/* x/lc is a symlink to y/c, listed already. */
	assert_layers_refused(v, 5, "layer 'x/lc' is listed more than once");
	assert_layers_refused(dup, 2, "layer 'lnk/a' is listed more than once");
}

/*
 * Many layers in one directory: the directory is listed once instead of
 * an lstat per layer.  Subdirectories, a symlink to one, and names that
 * are no directory must be told apart as the lstat path tells them.
 */
static void make_layer_dir(const char *name, int i)
{
	char *p = ou_xasprintf("%s/many/%s%d", tmp, name, i);

	cr_assert_eq(mkdir(p, 0755), 0, "%s", p);
	free(p);
}

static int resolve_many(const char *const *names, size_t n, struct ou_strv *out,
			struct ou_error **e)
{
	char **v = ou_xcalloc(n + 1, sizeof(char *));
	struct ou_strv in = { n, v };
	int rc;

	for (size_t i = 0; i < n; i++)
		v[i] = ou_xasprintf("%s/many/%s", tmp, names[i]);
	rc = ou_layers_resolve(tmp, &in, out, e);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}

static void assert_refused(const char *const *names, size_t n, const char *why)
{
	struct ou_strv out = { 0 };
	struct ou_error *e = NULL;

	cr_assert_eq(resolve_many(names, n, &out, &e), -1, "%s", why);
	cr_assert(strstr(e->msg, why) != NULL, "%s", e->msg);
	ou_error_free(e);
}

Test(union_, many_layers_in_one_directory)
{
	const char *ok[] = { "l0", "l1", "l2", "l3", "ln", "l4", "l5", "l6", "l7", "l8", "l9" };
	const char *file[] = { "l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7", "f", "l8" };
	const char *lnkfile[] = { "l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7", "lf", "l8" };
	const char *missing[] = { "l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7", "nope", "l8" };
	const char *twice[] = { "l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7", "l9", "ln" };
	struct ou_strv out = { 0 };
	struct ou_error *e = NULL;
	char *p = ou_path_join(tmp, "many");

	cr_assert_eq(mkdir(p, 0755), 0);
	free(p);
	for (int i = 0; i < 10; i++)
		make_layer_dir("l", i);
	for (int i = 0; i < 40; i++) /* other entries of the directory */
		make_layer_dir("other", i);
	p = ou_path_join(tmp, "many/ln");
	cr_assert_eq(symlink("l9", p), 0);
	free(p);
	p = ou_path_join(tmp, "many/f");
	cr_assert_eq(ou_write_file(p, "x", 1, 0644, &e), 0);
	free(p);
	p = ou_path_join(tmp, "many/lf");
	cr_assert_eq(symlink("f", p), 0);
	free(p);

	/* ln and l9 are the same directory: the list without l9 is valid */
	cr_assert_eq(resolve_many(ok, 10, &out, &e), 0, "%s", e ? e->msg : "");
	cr_assert_eq(out.len, 10);
	for (size_t i = 0; i < out.len; i++) {
		char *joined = ou_xasprintf("%s/many/%s", tmp, ok[i]);
		char buf[PATH_MAX];

		cr_assert_not_null(realpath(joined, buf));
		cr_assert_str_eq(out.v[i], buf, "layer %zu", i);
		free(joined);
	}
	ou_strv_release(&out);
	assert_refused(ok, 11, "/many/l9' is listed more than once");
	assert_refused(twice, 10, "/many/ln' is listed more than once");
	assert_refused(file, 10, "/many/f' is not a directory");
	assert_refused(lnkfile, 10, "/many/lf' is not a directory");
	assert_refused(missing, 10, "/many/nope' does not exist");
}

/*
 * Overlapping layers are found by sorting the real paths by components:
 * "a-b" and "ab" sort between "a" and "a/c" byte by byte, and must not
 * hide that a/c is inside a.
 */
Test(union_, overlapping_layers_found_past_siblings)
{
	const char *dirs[] = { "a", "a-b", "ab", "a/c" };
	char *fine[] = { "a-b", "ab", "a", NULL };
	char *inside[] = { "a", "a-b", "ab", "a/c", NULL };
	char *around[] = { "a/c", "a-b", "a", NULL };
	struct ou_strv in = layers_of(fine, 3), out = { 0 };
	struct ou_error *e = NULL;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *p = ou_path_join(tmp, dirs[i]);

		cr_assert_eq(mkdir(p, 0755), 0);
		free(p);
	}
	cr_assert_eq(ou_layers_resolve(tmp, &in, &out, &e), 0, "%s", e ? e->msg : "");
	ou_strv_release(&out);
	assert_layers_refused(inside, 4, "layer 'a/c' overlaps layer '");
	in = layers_of(around, 3);
	cr_assert_eq(ou_layers_resolve(tmp, &in, &out, &e), -1);
	cr_assert(strstr(e->msg, "layer 'a' overlaps layer '") != NULL, "%s", e->msg);
	cr_assert(strstr(e->msg, "/a/c'") != NULL, "%s", e->msg);
	ou_error_free(e);
}

Test(union_, writable_layer_made_and_removed)
{
	char *upper = NULL, *work = NULL;
	char *dir = ou_layers_container_dir(tmp, "c1");
	struct ou_error *e = NULL;
	struct stat a, b;

	cr_assert_eq(ou_layers_create(tmp, "c1", true, NULL, &upper, &work, &e), 0);
	cr_assert_eq(stat(upper, &a), 0);
	cr_assert_eq(stat(work, &b), 0);
	cr_assert_eq(a.st_dev, b.st_dev, "upper and work on one filesystem");
	cr_assert(ou_has_prefix(upper, dir));
	cr_assert_eq(ou_layers_create(tmp, "c1", true, NULL, &upper, &work, &e), -1);
	cr_assert_eq(e->kind, OU_E_STATE);
	ou_error_free(e);
	e = NULL;
	cr_assert_eq(ou_layers_remove(tmp, "c1", &e), 0);
	cr_assert_neq(access(dir, F_OK), 0);
	free(upper);
	free(work);
	free(dir);
}

Test(union_, upper_override_kept_at_remove)
{
	char *mine = ou_path_join(tmp, "mine");
	char *upper = NULL, *work = NULL;
	struct ou_error *e = NULL;

	cr_assert_eq(mkdir(mine, 0755), 0);
	cr_assert_eq(ou_layers_create(tmp, "c2", true, mine, &upper, &work, &e), 0);
	cr_assert_str_eq(upper, mine);
	cr_assert_eq(ou_layers_remove(tmp, "c2", &e), 0);
	cr_assert_eq(access(mine, F_OK), 0);
	cr_assert_neq(access(work, F_OK), 0);
	free(upper);
	free(work);
	free(mine);
}
