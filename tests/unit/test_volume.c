/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "runtime/container_internal.h"
#include "runtime/volume_store.h"
#include "spec/volume_json.h"

/*
 * The volume store, the pre-fill copy, and the plan of what delete
 * removes (STYLE 3.5, 3.9).  No root needed: everything is in a per-test
 * temporary directory.
 */

static char tmp[64];
static struct ou_volume_store *store;

static void setup(void)
{
	struct ou_error *e = NULL;

	strcpy(tmp, "/tmp/ou-volume-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	cr_assert_eq(ou_volume_store_open(tmp, &store, &e), 0);
}

static void teardown(void)
{
	struct ou_error *e = NULL;

	ou_volume_store_free(store);
	ou_remove_tree(tmp, &e);
	ou_error_free(e);
}

TestSuite(volume, .init = setup, .fini = teardown);

/* TMP/volumes/NAME/REST */
static char *path_in(const char *name, const char *rest)
{
	return ou_xasprintf("%s/volumes/%s/%s", tmp, name, rest);
}

Test(volume, anonymous_names_are_64_hex_and_differ)
{
	char a[OU_VOLUME_ANON_LEN + 1], b[OU_VOLUME_ANON_LEN + 1];
	struct ou_error *e = NULL;

	cr_assert_eq(ou_volume_store_anon_name(a, &e), 0);
	cr_assert_eq(ou_volume_store_anon_name(b, &e), 0);
	cr_assert_eq(strlen(a), 64);
	cr_assert_eq(strspn(a, "0123456789abcdef"), 64);
	cr_assert_str_neq(a, b);
}

Test(volume, create_exclusive_and_shared)
{
	struct ou_error *e = NULL;
	bool created = false;
	char *data = path_in("v1", "_data");

	cr_assert_eq(ou_volume_store_create(store, "v1", NULL, false, true, &created, &e), 0);
	cr_assert(created);
	cr_assert_eq(access(data, F_OK), 0);
	cr_assert_eq(ou_volume_store_create(store, "v1", NULL, false, false, &created, &e), 0);
	cr_assert_not(created);
	cr_assert_eq(ou_volume_store_create(store, "v1", NULL, false, true, &created, &e), -1);
	cr_assert_eq(e->kind, OU_E_STATE);
	ou_error_free(e);
	free(data);
}

Test(volume, bad_name_refused)
{
	struct ou_error *e = NULL;

	cr_assert_eq(ou_volume_store_create(store, "../x", NULL, false, true, NULL, &e), -1);
	cr_assert_eq(e->kind, OU_E_INVALID);
	ou_error_free(e);
}

Test(volume, remove_refused_while_used)
{
	struct ou_error *e = NULL;
	struct ou_volume_meta m;

	cr_assert_eq(ou_volume_store_create(store, "v", NULL, false, true, NULL, &e), 0);
	cr_assert_eq(ou_volume_store_use(store, "v", "c1", &e), 0);
	cr_assert_eq(ou_volume_store_use(store, "v", "c1", &e), 0);
	cr_assert_eq(ou_volume_store_load(store, "v", &m, &e), 0);
	cr_assert_eq(m.used_by.len, 1, "one record per container");
	ou_volume_json_meta_release(&m);
	cr_assert_eq(ou_volume_store_remove(store, "v", &e), -1);
	cr_assert_eq(e->kind, OU_E_STATE);
	ou_error_free(e);
	e = NULL;
	cr_assert_eq(ou_volume_store_release(store, "v", "c1", &e), 0);
	cr_assert_eq(ou_volume_store_remove(store, "v", &e), 0);
	cr_assert_eq(ou_volume_store_load(store, "v", &m, &e), -1);
	cr_assert_eq(e->kind, OU_E_NOT_FOUND);
	ou_error_free(e);
}

static void strv_free(struct ou_strv *v)
{
	for (size_t i = 0; i < v->len; i++)
		free(v->v[i]);
	free(v->v);
}

Test(volume, prune_anonymous_unless_all)
{
	struct ou_error *e = NULL;
	struct ou_strv removed = { 0 }, names = { 0 };

	cr_assert_eq(ou_volume_store_create(store, "named", NULL, false, true, NULL, &e), 0);
	cr_assert_eq(ou_volume_store_create(store, "anon1", NULL, true, true, NULL, &e), 0);
	cr_assert_eq(ou_volume_store_create(store, "anon2", NULL, true, true, NULL, &e), 0);
	cr_assert_eq(ou_volume_store_use(store, "anon2", "c1", &e), 0);
	cr_assert_eq(ou_volume_store_prune(store, false, &removed, &e), 0);
	cr_assert_eq(removed.len, 1);
	cr_assert_str_eq(removed.v[0], "anon1");
	cr_assert_eq(ou_volume_store_prune(store, true, &removed, &e), 0);
	cr_assert_eq(removed.len, 2);
	cr_assert_str_eq(removed.v[1], "named");
	cr_assert_eq(ou_volume_store_list(store, &names, &e), 0);
	cr_assert_eq(names.len, 1);
	cr_assert_str_eq(names.v[0], "anon2");
	strv_free(&removed);
	strv_free(&names);
}

static void make_image(const char *img)
{
	ou_autofree char *p = ou_path_join(img, "file");
	ou_autofree char *hard = ou_path_join(img, "hard");
	ou_autofree char *sub = ou_path_join(img, "sub");
	ou_autofree char *fifo = ou_path_join(img, "sub/fifo");
	ou_autoclose int imgfd = -1;
	struct timespec t[2] = { { 1000000, 0 }, { 1000000, 0 } };
	struct ou_error *e = NULL;

	cr_assert_eq(mkdir(img, 0750), 0);
	cr_assert_eq(ou_write_file(p, "content", 7, 0640, &e), 0);
	cr_assert_eq(chmod(p, 0640), 0);
	cr_assert_eq(utimensat(AT_FDCWD, p, t, 0), 0);
	setxattr(p, "user.test", "v", 1, 0);
	imgfd = open(img, O_PATH);
	cr_assert_eq(symlinkat("file", imgfd, "link"), 0);
	cr_assert_eq(linkat(AT_FDCWD, p, AT_FDCWD, hard, 0), 0);
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
}

static int open_dir(const char *p)
{
	int fd = open(p, O_RDONLY | O_DIRECTORY);

	cr_assert_geq(fd, 0);
	return fd;
}

Test(volume, fill_keeps_kinds_and_metadata)
{
	ou_autofree char *img = ou_path_join(tmp, "img");
	ou_autofree char *img_file = ou_path_join(img, "file");
	ou_autofree char *data = path_in("v", "_data");
	ou_autofree char *f = path_in("v", "_data/file");
	ou_autofree char *h = path_in("v", "_data/hard");
	ou_autofree char *l = path_in("v", "_data/link");
	ou_autofree char *fifo = path_in("v", "_data/sub/fifo");
	struct ou_error *e = NULL;
	struct stat a, b;
	char buf[16] = "";

	make_image(img);
	cr_assert_eq(ou_volume_store_create(store, "v", NULL, false, true, NULL, &e), 0);
	cr_assert_eq(ou_volume_store_fill(store, "v", open_dir(img), &e), 0, "%s", e ? e->msg : "");
	cr_assert_eq(stat(f, &a), 0);
	cr_assert_eq(a.st_mode & 07777, 0640);
	cr_assert_eq(a.st_mtim.tv_sec, 1000000);
	cr_assert_eq(stat(h, &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino, "hard links stay linked");
	cr_assert_eq(readlink(l, buf, sizeof(buf) - 1), 4);
	cr_assert_str_eq(buf, "file");
	cr_assert_eq(lstat(fifo, &a), 0);
	cr_assert(S_ISFIFO(a.st_mode));
	cr_assert_eq(stat(data, &a), 0);
	cr_assert_eq(a.st_mode & 07777, 0750, "the volume root takes the image dir's mode");
	memset(buf, 0, sizeof(buf));
	if (getxattr(img_file, "user.test", buf, sizeof(buf)) == 1) {
		memset(buf, 0, sizeof(buf));
		cr_assert_eq(getxattr(f, "user.test", buf, sizeof(buf)), 1);
		cr_assert_str_eq(buf, "v");
	}
}

/*
 * What cannot be opened keeps its extended attributes too: a symlink and
 * a fifo (trusted.*: root only; user.* is refused on both).
 */
Test(volume, fill_keeps_xattrs_of_symlink_and_fifo)
{
	ou_autofree char *img = ou_path_join(tmp, "img");
	ou_autofree char *src_link = ou_path_join(img, "link");
	ou_autofree char *src_fifo = ou_path_join(img, "sub/fifo");
	ou_autofree char *l = path_in("v", "_data/link");
	ou_autofree char *fifo = path_in("v", "_data/sub/fifo");
	struct ou_error *e = NULL;
	char buf[16] = "";

	if (getuid() != 0)
		cr_skip_test("trusted.* extended attributes need root");
	make_image(img);
	cr_assert_eq(lsetxattr(src_link, "trusted.kind", "link", 4, 0), 0, "%s", strerror(errno));
	cr_assert_eq(lsetxattr(src_fifo, "trusted.kind", "fifo", 4, 0), 0, "%s", strerror(errno));
	cr_assert_eq(ou_volume_store_create(store, "v", NULL, false, true, NULL, &e), 0);
	cr_assert_eq(ou_volume_store_fill(store, "v", open_dir(img), &e), 0, "%s", e ? e->msg : "");
	cr_assert_eq(lgetxattr(l, "trusted.kind", buf, sizeof(buf)), 4);
	cr_assert_str_eq(buf, "link");
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(lgetxattr(fifo, "trusted.kind", buf, sizeof(buf)), 4);
	cr_assert_str_eq(buf, "fifo");
}

Test(volume, fill_once_and_not_over_content)
{
	ou_autofree char *img = ou_path_join(tmp, "img");
	ou_autofree char *f = path_in("v", "_data/file");
	ou_autofree char *mine = path_in("w", "_data/mine");
	ou_autofree char *notcopied = path_in("w", "_data/file");
	struct ou_error *e = NULL;
	struct ou_volume_meta m;

	make_image(img);
	cr_assert_eq(ou_volume_store_create(store, "v", NULL, false, true, NULL, &e), 0);
	cr_assert_eq(ou_volume_store_fill(store, "v", open_dir(img), &e), 0);
	cr_assert_eq(unlink(f), 0);
	cr_assert_eq(ou_volume_store_fill(store, "v", open_dir(img), &e), 0);
	cr_assert_neq(access(f, F_OK), 0, "a filled volume is never filled again");
	cr_assert_eq(ou_volume_store_load(store, "v", &m, &e), 0);
	cr_assert(m.filled);
	ou_volume_json_meta_release(&m);

	cr_assert_eq(ou_volume_store_create(store, "w", NULL, false, true, NULL, &e), 0);
	cr_assert_eq(ou_write_file(mine, "x", 1, 0644, &e), 0);
	cr_assert_eq(ou_volume_store_fill(store, "w", open_dir(img), &e), 0);
	cr_assert_neq(access(notcopied, F_OK), 0, "a volume with content is not filled");
}

Test(volume, interrupted_fill_is_redone)
{
	ou_autofree char *img = ou_path_join(tmp, "img");
	ou_autofree char *meta = path_in("v", "meta.json");
	ou_autofree char *junk = path_in("v", "_data/half");
	ou_autofree char *f = path_in("v", "_data/file");
	struct ou_error *e = NULL;
	struct ou_volume_meta m = { 0 };
	char *json;
	size_t len;

	make_image(img);
	cr_assert_eq(ou_volume_store_create(store, "v", NULL, false, true, NULL, &e), 0);
	cr_assert_eq(ou_volume_store_load(store, "v", &m, &e), 0);
	m.filling = true;
	json = ou_volume_json_meta_generate(&m, &len);
	cr_assert_eq(ou_write_file(meta, json, len, 0600, &e), 0);
	cr_assert_eq(ou_write_file(junk, "x", 1, 0644, &e), 0);
	cr_assert_eq(ou_volume_store_fill(store, "v", open_dir(img), &e), 0);
	cr_assert_neq(access(junk, F_OK), 0, "a half-filled volume starts over");
	cr_assert_eq(access(f, F_OK), 0);
	ou_volume_json_meta_release(&m);
	free(json);
}

Test(volume, copy_refuses_symlink_at_destination)
{
	ou_autofree char *src = ou_path_join(tmp, "src");
	ou_autofree char *dst = ou_path_join(tmp, "dst");
	ou_autofree char *victim = ou_path_join(tmp, "victim");
	struct ou_error *e = NULL;
	ou_autofree char *content = NULL;
	size_t len = 0;

	cr_assert_eq(ou_write_file(src, "evil", 4, 0644, &e), 0);
	cr_assert_eq(ou_write_file(victim, "safe", 4, 0644, &e), 0);
	cr_assert_eq(symlink(victim, dst), 0);
	cr_assert_eq(ou_volume_store_copy_entry(AT_FDCWD, src, AT_FDCWD, dst, &e), -1);
	cr_assert_eq(e->kind, OU_E_SYSTEM);
	ou_error_free(e);
	e = NULL;
	cr_assert_eq(ou_read_file(victim, 0, &content, &len, &e), 0);
	cr_assert_str_eq(content, "safe");
}

static struct ou_volume_record_entry entry(char *name, bool anon, bool owned)
{
	struct ou_volume_record_entry v = { name, "/d", anon, owned, false };

	return v;
}

Test(volume, anonymous_removed_on_delete_with_volumes_only)
{
	struct ou_volume_record_entry v[] = { entry("named", false, false),
					      entry("mine", true, true),
					      entry("theirs", true, false) };
	struct ou_storage_record r = { .n_volumes = 3, .volumes = v };
	struct ou_delete_plan p;

	ou_ctr_delete_plan(&r, false, &p);
	cr_assert(p.remove_layer);
	cr_assert_eq(p.release.len, 3);
	cr_assert_eq(p.remove.len, 0, "plain delete keeps every volume");
	ou_ctr_delete_plan_release(&p);

	ou_ctr_delete_plan(&r, true, &p);
	cr_assert_eq(p.remove.len, 1, "never a named one nor another container's");
	cr_assert_str_eq(p.remove.v[0], "mine");
	ou_ctr_delete_plan_release(&p);
}

Test(volume, record_json_round_trip)
{
	char *layers[] = { "/l/base", "/l/top", NULL };
	struct ou_volume_record_entry v[] = { entry("x", true, true) };
	struct ou_storage_record r = { .layers_bottom_up = { 2, layers },
				       .upper = "/s/upper",
				       .work = "/s/work",
				       .keep_upper = true,
				       .made_root = "/b/merged",
				       .n_volumes = 1,
				       .volumes = v };
	struct ou_storage_record back;
	struct ou_error *e = NULL;
	size_t len = 0;
	char *json = ou_volume_json_record_generate(&r, &len);

	cr_assert_eq(ou_volume_json_record_parse(json, len, &back, &e), 0);
	cr_assert_eq(back.layers_bottom_up.len, 2);
	cr_assert_str_eq(back.layers_bottom_up.v[0], "/l/base");
	cr_assert_str_eq(back.upper, "/s/upper");
	cr_assert(back.keep_upper);
	cr_assert_str_eq(back.made_root, "/b/merged");
	cr_assert_eq(back.n_volumes, 1);
	cr_assert(back.volumes[0].owned);
	ou_volume_json_record_release(&back);
	free(json);
	cr_assert_eq(ou_volume_json_record_parse("[1]", 3, &back, &e), -1);
	cr_assert_eq(e->kind, OU_E_INVALID);
	ou_error_free(e);
}

static void expect_json_error(int rc, struct ou_error *e, const char *msg)
{
	cr_assert_eq(rc, -1);
	cr_assert_eq(e->kind, OU_E_INVALID);
	cr_assert_str_eq(e->msg, msg);
	ou_error_free(e);
}

/* A storage file of the wrong shape is refused, naming the key. */
Test(volume, record_and_meta_wrong_types_named)
{
	static const char *const record[][2] = {
		{ "{\"upper\":7,\"volumes\":[]}", "record.json: upper: must be a string" },
		{ "{\"keepUpper\":\"yes\",\"volumes\":[]}",
		  "record.json: keepUpper: must be a boolean" },
	};
	static const char *const meta[][2] = {
		{ "{\"name\":\"v\",\"created\":\"t\",\"labels\":[]}",
		  "meta.json: labels: must be an object" },
		{ "{\"name\":\"v\",\"created\":\"t\",\"labels\":{\"a\":\"b\",\"c\":1}}",
		  "meta.json: labels.c: must be a string" },
		{ "{\"name\":\"v\",\"created\":\"t\",\"filled\":1}",
		  "meta.json: filled: must be a boolean" },
	};

	for (size_t i = 0; i < sizeof(record) / sizeof(record[0]); i++) {
		struct ou_storage_record r;
		struct ou_error *e = NULL;
		int rc = ou_volume_json_record_parse(record[i][0], strlen(record[i][0]), &r, &e);

		expect_json_error(rc, e, record[i][1]);
		ou_volume_json_record_release(&r);
	}
	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) {
		struct ou_volume_meta m;
		struct ou_error *e = NULL;
		int rc = ou_volume_json_meta_parse(meta[i][0], strlen(meta[i][0]), &m, &e);

		expect_json_error(rc, e, meta[i][1]);
		ou_volume_json_meta_release(&m);
	}
}

/* A meta.json without name or created (edited by hand) is refused. */
Test(volume, meta_json_needs_name_and_created)
{
	const char *bad[] = { "{}", "{\"name\": \"v\"}", "{\"created\": \"t\"}",
			      "{\"name\": null, \"created\": \"t\"}" };
	const char *good = "{\"name\": \"v\", \"created\": \"t\"}";
	struct ou_volume_meta m;
	struct ou_error *e = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(ou_volume_json_meta_parse(bad[i], strlen(bad[i]), &m, &e), -1, "%s",
			     bad[i]);
		cr_assert_eq(e->kind, OU_E_INVALID);
		cr_assert_null(m.name);
		ou_error_free(e);
		e = NULL;
	}
	cr_assert_eq(ou_volume_json_meta_parse(good, strlen(good), &m, &e), 0);
	cr_assert_str_eq(m.name, "v");
	ou_volume_json_meta_release(&m);
}

/*
 * volume inspect writes an empty labels map and usedBy list as {} and [],
 * and leaves braces inside strings alone.
 */
Test(volume, inspect_writes_empty_map_and_list_compactly)
{
	char *users[] = { "c1", NULL };
	struct ou_kv label = { "note", "{ }[\n]\"{" };
	struct ou_volume_meta m[] = {
		{ .name = "v", .created = "2026-12-04T00:00:00Z" },
		{ .name = "w", .labels = { 1, &label }, .used_by = { 1, users } },
	};
	const char *const mps[] = { "/s/v", "/s/w" };
	char *json = ou_volume_json_inspect(m, mps, 2);

	cr_assert_not_null(strstr(json, "\"labels\": {},"), "%s", json);
	cr_assert_not_null(strstr(json, "\"usedBy\": []\n"), "%s", json);
	cr_assert_not_null(strstr(json, "\"note\": \"{ }[\\n]\\\"{\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"usedBy\": [\n"), "a non-empty list keeps its lines: %s",
			   json);
	free(json);
}

/*
 * A tree big enough for the fill to share its files with a worker
 * process: 7 directories (one nested) of 60 files, sizes from 0 to 150 KiB,
 * modes with set-id bits, times and xattrs per file, owners when run as
 * root, hard links within and across directories, and directories with
 * their own modes and times (which creating their files must not change).
 */
static void make_big_image(const char *img)
{
	ou_autofree char *buf = ou_xmalloc(150 * 1024);
	ou_autoerror struct ou_error *e = NULL;
	const mode_t modes[] = { 0644, 0600, 04755, 02750, 0444, 0700 };

	for (size_t i = 0; i < 150 * 1024; i++)
		buf[i] = (char)(i * 7 + i / 251);
	cr_assert_eq(mkdir(img, 0755), 0);
	for (int d = 0; d < 7; d++) {
		ou_autofree char *dir =
			d == 6 ? ou_xasprintf("%s/d5/deep", img) : ou_xasprintf("%s/d%d", img, d);
		struct timespec dt[2] = { { 2000000 + d, 5 }, { 3000000 + d, 7 } };

		cr_assert_eq(mkdir(dir, 0755), 0);
		for (int i = 0; i < 60; i++) {
			ou_autofree char *f = ou_xasprintf("%s/f%d", dir, i);
			ou_autofree char *val = ou_xasprintf("value %d/%d", d, i);
			struct timespec t[2] = { { 1000000 + i, 11 },
						 { 1500000 + 60 * d + i, 13 } };
			size_t size = (size_t)((d * 60 + i) * 367) % (150 * 1024);

			cr_assert_eq(ou_write_file(f, buf + (d + i) % 97, size, 0600, &e), 0);
			if (i % 3 == 0)
				setxattr(f, "user.fill", val, strlen(val), 0);
			if (getuid() == 0)
				cr_assert_eq(chown(f, (uid_t)(1000 + i), (gid_t)(2000 + d)), 0);
			cr_assert_eq(chmod(f, modes[i % 6]), 0);
			cr_assert_eq(utimensat(AT_FDCWD, f, t, 0), 0);
			if (i % 20 == 7) {
				ou_autofree char *same = ou_xasprintf("%s/f%d.link", dir, i);
				ou_autofree char *across = ou_xasprintf("%s/d0/x%d_%d", img, d, i);

				cr_assert_eq(link(f, same), 0);
				cr_assert_eq(link(f, across), 0);
			}
		}
		cr_assert_eq(chmod(dir, d == 2 ? 02775 : 0750), 0);
		if (getuid() == 0)
			cr_assert_eq(chown(dir, (uid_t)(3000 + d), (gid_t)(3000 + d)), 0);
		cr_assert_eq(utimensat(AT_FDCWD, dir, dt, 0), 0);
	}
	/* d5 was changed by making deep: its times again. */
	{
		ou_autofree char *d5 = ou_xasprintf("%s/d5", img);
		struct timespec dt[2] = { { 2000005, 5 }, { 3000005, 7 } };

		cr_assert_eq(utimensat(AT_FDCWD, d5, dt, 0), 0);
	}
}

/* rel below a and b: the same kind, content, owner, mode, mtime and xattrs, recursively. */
static void assert_same_tree(const char *a, const char *b, const char *rel)
{
	ou_autofree char *pa = ou_xasprintf("%s/%s", a, rel);
	ou_autofree char *pb = ou_xasprintf("%s/%s", b, rel);
	ou_autofree char *ca = NULL;
	ou_autofree char *cb = NULL;
	ou_autoerror struct ou_error *e = NULL;
	char xa[256] = "", xb[256] = "";
	ssize_t na, nb;
	size_t la = 0, lb = 0;
	struct stat sa, sb;

	cr_assert_eq(lstat(pa, &sa), 0, "%s", pa);
	cr_assert_eq(lstat(pb, &sb), 0, "%s missing in the copy", rel);
	cr_assert_eq(sa.st_mode, sb.st_mode, "mode of '%s': %o, copy %o", rel, sa.st_mode,
		     sb.st_mode);
	cr_assert_eq(sa.st_uid, sb.st_uid, "owner of '%s'", rel);
	cr_assert_eq(sa.st_gid, sb.st_gid, "group of '%s'", rel);
	cr_assert_eq(sa.st_nlink, sb.st_nlink, "links to '%s'", rel);
	if (rel[0] != '\0') {
		cr_assert_eq(sa.st_mtim.tv_sec, sb.st_mtim.tv_sec, "mtime of '%s'", rel);
		cr_assert_eq(sa.st_mtim.tv_nsec, sb.st_mtim.tv_nsec, "mtime of '%s'", rel);
	}
	na = lgetxattr(pa, "user.fill", xa, sizeof(xa));
	nb = lgetxattr(pb, "user.fill", xb, sizeof(xb));
	cr_assert_eq(na, nb, "xattr of '%s'", rel);
	cr_assert_eq(memcmp(xa, xb, sizeof(xa)), 0, "xattr of '%s'", rel);
	if (S_ISREG(sa.st_mode)) {
		cr_assert_eq(ou_read_file(pa, 8 << 20, &ca, &la, &e), 0);
		cr_assert_eq(ou_read_file(pb, 8 << 20, &cb, &lb, &e), 0);
		cr_assert_eq(la, lb, "size of '%s'", rel);
		cr_assert_eq(memcmp(ca, cb, la), 0, "content of '%s'", rel);
	}
	if (S_ISDIR(sa.st_mode)) {
		ou_autoclosedir DIR *d = opendir(pa);
		struct dirent *de;
		size_t n = 0, m = 0;

		cr_assert_not_null(d);
		while ((de = readdir(d)) != NULL) {
			ou_autofree char *child = NULL;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			child = rel[0] ? ou_xasprintf("%s/%s", rel, de->d_name)
				       : ou_xstrdup(de->d_name);
			assert_same_tree(a, b, child);
			n++;
		}
		closedir(d);
		d = opendir(pb);
		while ((de = readdir(d)) != NULL)
			m++;
		cr_assert_eq(n + 2, m, "entries of '%s'", rel);
	}
}

/* Each file linked in the image is one inode in the copy, linked at the same names. */
static void assert_links(const char *data)
{
	for (int d = 0; d < 7; d++)
		for (int i = 7; i < 60; i += 20) {
			ou_autofree char *dir = d == 6 ? ou_xasprintf("%s/d5/deep", data)
						       : ou_xasprintf("%s/d%d", data, d);
			ou_autofree char *f = ou_xasprintf("%s/f%d", dir, i);
			ou_autofree char *same = ou_xasprintf("%s/f%d.link", dir, i);
			ou_autofree char *across = ou_xasprintf("%s/d0/x%d_%d", data, d, i);
			struct stat a, b, c;

			cr_assert_eq(stat(f, &a), 0);
			cr_assert_eq(stat(same, &b), 0);
			cr_assert_eq(stat(across, &c), 0);
			cr_assert(a.st_ino == b.st_ino && a.st_ino == c.st_ino, "links of '%s'", f);
		}
}

Test(volume, fill_with_worker_keeps_everything)
{
	ou_autofree char *img = ou_path_join(tmp, "img");
	ou_autofree char *data = path_in("v", "_data");
	struct ou_error *e = NULL;
	int status;

	make_big_image(img);
	cr_assert_eq(ou_volume_store_create(store, "v", NULL, false, true, NULL, &e), 0);
	cr_assert_eq(ou_volume_store_fill(store, "v", open_dir(img), &e), 0, "%s", e ? e->msg : "");
	assert_same_tree(img, data, "");
	assert_links(data);
	cr_assert_eq(waitpid(-1, &status, WNOHANG), -1, "the worker was not reaped");
	cr_assert_eq(errno, ECHILD);
}

/*
 * A file that cannot be opened for reading, even by root: a write-only
 * sysfs attribute bound over a file of the image.  Its directory also
 * holds the biggest file, and the costliest chunk of files is the
 * worker's: the error happens in the worker and must come back as the
 * fill's error, the worker reaped, the volume left to be filled again.
 */
Test(volume, fill_error_in_worker_is_reported_and_refilled)
{
	const char *wo = "/sys/bus/pci/rescan";
	ou_autofree char *img = ou_path_join(tmp, "img");
	ou_autofree char *big = ou_path_join(img, "d3/big");
	ou_autofree char *bad = ou_path_join(img, "d3/unreadable");
	ou_autofree char *buf = ou_xcalloc(1, 4 << 20);
	ou_autofree char *data = path_in("v", "_data");
	struct ou_error *e = NULL;
	struct ou_volume_meta m;
	int status;

	if (getuid() != 0 || access(wo, F_OK) != 0)
		cr_skip_test("needs root and %s", wo);
	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
	make_big_image(img);
	cr_assert_eq(ou_write_file(big, buf, 4 << 20, 0644, &e), 0);
	cr_assert_eq(ou_write_file(bad, "x", 1, 0644, &e), 0);
	cr_assert_eq(mount(wo, bad, "none", MS_BIND, NULL), 0);
	cr_assert_lt(open(bad, O_RDONLY), 0, "%s can be read", wo);

	cr_assert_eq(ou_volume_store_create(store, "v", NULL, false, true, NULL, &e), 0);
	cr_assert_eq(ou_volume_store_fill(store, "v", open_dir(img), &e), -1);
	cr_assert_eq(e->kind, OU_E_SYSTEM);
	cr_assert_eq(e->errnum, EACCES, "%s", e->msg);
	cr_assert_not_null(strstr(e->msg, "'d3/unreadable'"), "the path is not named: %s", e->msg);
	ou_error_free(e);
	e = NULL;
	cr_assert_eq(waitpid(-1, &status, WNOHANG), -1, "the worker was not reaped");
	cr_assert_eq(errno, ECHILD);
	cr_assert_eq(ou_volume_store_load(store, "v", &m, &e), 0);
	cr_assert(m.filling && !m.filled, "a failed fill must be redone");
	ou_volume_json_meta_release(&m);

	cr_assert_eq(umount(bad), 0);
	cr_assert_eq(ou_volume_store_fill(store, "v", open_dir(img), &e), 0, "%s", e ? e->msg : "");
	assert_same_tree(img, data, "");
	assert_links(data);
}

/*
 * More directories than the fill holds open at once (256): it copies in
 * batches, and each directory still gets its times after its content.
 * 15 directories of 20 each: the 257th is met inside one of the 15,
 * which must stay open through the batch.
 */
Test(volume, fill_of_many_directories_in_batches)
{
	ou_autofree char *img = ou_path_join(tmp, "img");
	ou_autofree char *data = path_in("v", "_data");
	ou_autoerror struct ou_error *e = NULL;

	cr_assert_eq(mkdir(img, 0755), 0);
	for (int a = 0; a < 15; a++) {
		ou_autofree char *top = ou_xasprintf("%s/a%d", img, a);
		struct timespec t[2] = { { 4000000 + a, 0 }, { 5000000 + a, 0 } };

		cr_assert_eq(mkdir(top, 0755), 0);
		for (int b = 0; b < 20; b++) {
			ou_autofree char *dir = ou_xasprintf("%s/b%d", top, b);
			ou_autofree char *f = ou_xasprintf("%s/f", dir);
			struct timespec dt[2] = { { 6000000 + b, 0 }, { 7000000 + 20 * a + b, 0 } };

			cr_assert_eq(mkdir(dir, 0700 + b % 8), 0);
			cr_assert_eq(ou_write_file(f, dir, strlen(dir), 0644, &e), 0);
			cr_assert_eq(utimensat(AT_FDCWD, dir, dt, 0), 0);
		}
		cr_assert_eq(utimensat(AT_FDCWD, top, t, 0), 0);
	}
	cr_assert_eq(ou_volume_store_create(store, "v", NULL, false, true, NULL, &e), 0);
	cr_assert_eq(ou_volume_store_fill(store, "v", open_dir(img), &e), 0, "%s", e ? e->msg : "");
	assert_same_tree(img, data, "");
}
