/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "tests/integration/harness.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <libmount/libmount.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"

#ifndef OU_BINARY
#error "OU_BINARY must name the built ociunion"
#endif
#ifndef OU_PAYLOAD
#error "OU_PAYLOAD must name the built payload"
#endif
#ifndef OU_MKROOTFS
#error "OU_MKROOTFS must name tests/lib/mkrootfs.sh"
#endif

/* ================= JSON values ================= */

enum json_type {
	JSON_NULL,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct ou_harness_json {
	enum json_type type;
	char *text;			/* string value, or the number's literal */
	char **keys;			/* object member names */
	struct ou_harness_json **items; /* array elements or object values */
	size_t n;
};

#define JSON_MAX_DEPTH 64

static struct ou_harness_json *json_new(enum json_type type, const char *text)
{
	struct ou_harness_json *v = ou_xcalloc(1, sizeof(*v));

	v->type = type;
	if (text != NULL)
		v->text = ou_xstrdup(text);
	return v;
}

void ou_harness_json_free(struct ou_harness_json *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys != NULL)
			free(v->keys[i]);
		ou_harness_json_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->text);
	free(v);
}

/* Append item (owned from now on) to an array, or as member key of an object. */
static void json_push(struct ou_harness_json *v, const char *key, struct ou_harness_json *item)
{
	v->items = ou_xrealloc(v->items, (v->n + 1) * sizeof(*v->items));
	if (v->type == JSON_OBJECT) {
		v->keys = ou_xrealloc(v->keys, (v->n + 1) * sizeof(*v->keys));
		v->keys[v->n] = ou_xstrdup(key);
	}
	v->items[v->n++] = item;
}

static void json_remove_at(struct ou_harness_json *v, size_t i)
{
	ou_harness_json_free(v->items[i]);
	if (v->keys != NULL)
		free(v->keys[i]);
	for (size_t j = i + 1; j < v->n; j++) {
		v->items[j - 1] = v->items[j];
		if (v->keys != NULL)
			v->keys[j - 1] = v->keys[j];
	}
	v->n--;
}

static long json_member_index(const struct ou_harness_json *v, const char *key)
{
	if (v == NULL || v->type != JSON_OBJECT)
		return -1;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return (long)i;
	return -1;
}

/* Set member key of an object, replacing an existing one in place. */
static void json_put(struct ou_harness_json *obj, const char *key, struct ou_harness_json *item)
{
	long i = json_member_index(obj, key);

	if (i < 0) {
		json_push(obj, key, item);
		return;
	}
	ou_harness_json_free(obj->items[i]);
	obj->items[i] = item;
}

/* ---- parser ---- */

struct json_parser {
	const char *p;
};

static void skip_space(struct json_parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static int hex4(const char *s, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		*out = *out * 16 + (unsigned)(isdigit((unsigned char)s[i])
						      ? s[i] - '0'
						      : (tolower(s[i]) - 'a' + 10));
	}
	return 0;
}

static void put_utf8(FILE *f, unsigned cp)
{
	if (cp < 0x80) {
		fputc((int)cp, f);
	} else if (cp < 0x800) {
		fputc((int)(0xc0 | (cp >> 6)), f);
		fputc((int)(0x80 | (cp & 0x3f)), f);
	} else if (cp < 0x10000) {
		fputc((int)(0xe0 | (cp >> 12)), f);
		fputc((int)(0x80 | ((cp >> 6) & 0x3f)), f);
		fputc((int)(0x80 | (cp & 0x3f)), f);
	} else {
		fputc((int)(0xf0 | (cp >> 18)), f);
		fputc((int)(0x80 | ((cp >> 12) & 0x3f)), f);
		fputc((int)(0x80 | ((cp >> 6) & 0x3f)), f);
		fputc((int)(0x80 | (cp & 0x3f)), f);
	}
}

/* A \uXXXX escape (ps->p after the 'u'), with a following low surrogate. */
static int parse_unicode(struct json_parser *ps, FILE *f)
{
	unsigned cp;
	unsigned lo;

	if (hex4(ps->p, &cp) < 0)
		return -1;
	ps->p += 4;
	if (cp >= 0xd800 && cp < 0xdc00) {
		if (ps->p[0] != '\\' || ps->p[1] != 'u' || hex4(ps->p + 2, &lo) < 0 ||
		    lo < 0xdc00 || lo >= 0xe000)
			return -1;
		ps->p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	put_utf8(f, cp);
	return 0;
}

static int parse_escape(struct json_parser *ps, FILE *f)
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	char c = *ps->p++;

	if (c == 'u')
		return parse_unicode(ps, f);
	hit = c != '\0' ? strchr(from, c) : NULL;
	if (hit == NULL)
		return -1;
	fputc(to[hit - from], f);
	return 0;
}

/* A string at ps->p (on the opening quote); NULL on a syntax error. */
static char *parse_string(struct json_parser *ps)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = 0;

	cr_assert_not_null(f, "open_memstream");
	ps->p++;
	while (rc == 0 && *ps->p != '"') {
		char c = *ps->p++;

		if (c == '\0' || (unsigned char)c < 0x20)
			rc = -1;
		else if (c == '\\')
			rc = parse_escape(ps, f);
		else
			fputc(c, f);
	}
	fclose(f);
	if (rc < 0) {
		free(buf);
		return NULL;
	}
	ps->p++;
	return buf;
}

static struct ou_harness_json *parse_number(struct json_parser *ps)
{
	const char *start = ps->p;
	struct ou_harness_json *v;
	char *end = NULL;

	if (*ps->p == '-')
		ps->p++;
	if (!isdigit((unsigned char)*ps->p))
		return NULL;
	strtod(start, &end);
	ps->p = end;
	v = json_new(JSON_NUMBER, NULL);
	v->text = ou_xstrndup(start, (size_t)(end - start));
	return v;
}

static struct ou_harness_json *parse_value(struct json_parser *ps, int depth);

/* Elements of an array or members of an object, ps->p after the bracket. */
static struct ou_harness_json *parse_container(struct json_parser *ps, int depth, bool object)
{
	struct ou_harness_json *v = json_new(object ? JSON_OBJECT : JSON_ARRAY, NULL);
	char close = object ? '}' : ']';

	skip_space(ps);
	if (*ps->p == close) {
		ps->p++;
		return v;
	}
	for (;;) {
		ou_autofree char *key = NULL;
		struct ou_harness_json *item;

		skip_space(ps);
		if (object) {
			if (*ps->p != '"' || (key = parse_string(ps)) == NULL)
				goto fail;
			skip_space(ps);
			if (*ps->p++ != ':')
				goto fail;
		}
		item = parse_value(ps, depth + 1);
		if (item == NULL)
			goto fail;
		json_push(v, key, item);
		skip_space(ps);
		if (*ps->p == close) {
			ps->p++;
			return v;
		}
		if (*ps->p++ != ',')
			goto fail;
	}
fail:
	ou_harness_json_free(v);
	return NULL;
}

static struct ou_harness_json *parse_literal(struct json_parser *ps)
{
	static const struct {
		const char *word;
		enum json_type type;
	} words[] = { { "true", JSON_TRUE }, { "false", JSON_FALSE }, { "null", JSON_NULL } };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t len = strlen(words[i].word);

		if (strncmp(ps->p, words[i].word, len) == 0) {
			ps->p += len;
			return json_new(words[i].type, NULL);
		}
	}
	return NULL;
}

static struct ou_harness_json *string_value(char *s)
{
	struct ou_harness_json *v;

	if (s == NULL)
		return NULL;
	v = json_new(JSON_STRING, NULL);
	v->text = s;
	return v;
}

static struct ou_harness_json *parse_value(struct json_parser *ps, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return NULL;
	skip_space(ps);
	switch (*ps->p) {
	case '{':
		ps->p++;
		return parse_container(ps, depth, true);
	case '[':
		ps->p++;
		return parse_container(ps, depth, false);
	case '"':
		return string_value(parse_string(ps));
	default:
		if (*ps->p == '-' || isdigit((unsigned char)*ps->p))
			return parse_number(ps);
		return parse_literal(ps);
	}
}

struct ou_harness_json *ou_harness_json_parse(const char *text)
{
	struct json_parser ps = { .p = text };
	struct ou_harness_json *v = parse_value(&ps, 0);

	if (v == NULL)
		return NULL;
	skip_space(&ps);
	if (*ps.p != '\0') {
		ou_harness_json_free(v);
		return NULL;
	}
	return v;
}

/* ---- writer ---- */

static void dump_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void dump_value(FILE *f, const struct ou_harness_json *v)
{
	switch (v->type) {
	case JSON_NULL:
		fputs("null", f);
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	case JSON_NUMBER:
		fputs(v->text, f);
		break;
	case JSON_STRING:
		dump_string(f, v->text);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		fputc(v->type == JSON_OBJECT ? '{' : '[', f);
		for (size_t i = 0; i < v->n; i++) {
			if (i > 0)
				fputc(',', f);
			if (v->type == JSON_OBJECT) {
				dump_string(f, v->keys[i]);
				fputc(':', f);
			}
			dump_value(f, v->items[i]);
		}
		fputc(v->type == JSON_OBJECT ? '}' : ']', f);
		break;
	}
}

char *ou_harness_json_dump(const struct ou_harness_json *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f, "open_memstream");
	dump_value(f, v);
	fclose(f);
	return buf;
}

/* ---- paths ---- */

/* The child of v named by one path segment, or NULL. */
static struct ou_harness_json *json_child(const struct ou_harness_json *v, const char *seg)
{
	long long idx;
	long i;

	if (v == NULL)
		return NULL;
	if (v->type == JSON_ARRAY) {
		if (ou_parse_ll(seg, 0, (long long)v->n - 1, &idx) < 0)
			return NULL;
		return v->items[idx];
	}
	i = json_member_index(v, seg);
	return i < 0 ? NULL : v->items[i];
}

struct ou_harness_json *ou_harness_json_get(const struct ou_harness_json *v, const char *path)
{
	ou_autofree char *copy = ou_xstrdup(path);
	char *save = NULL;
	const struct ou_harness_json *cur = v;

	for (char *seg = strtok_r(copy, ".", &save); seg != NULL && cur != NULL;
	     seg = strtok_r(NULL, ".", &save))
		cur = json_child(cur, seg);
	return (struct ou_harness_json *)cur;
}

/*
 * The object that holds the last segment of path, objects created on the
 * way; *last points into *copy (the caller frees *copy).
 */
static struct ou_harness_json *json_parent(struct ou_harness_json *root, const char *path,
					   char **copy, const char **last)
{
	struct ou_harness_json *cur = root;
	char *seg;
	char *dot;

	*copy = ou_xstrdup(path);
	seg = *copy;
	while ((dot = strchr(seg, '.')) != NULL) {
		struct ou_harness_json *next;

		*dot = '\0';
		next = json_child(cur, seg);
		if (next == NULL) {
			cr_assert(cur->type == JSON_OBJECT, "json path '%s': '%s' is not an object",
				  path, seg);
			next = json_new(JSON_OBJECT, NULL);
			json_push(cur, seg, next);
		}
		cur = next;
		seg = dot + 1;
	}
	*last = seg;
	return cur;
}

/* Set the value at path to v (owned from now on). */
static void json_set_node(struct ou_harness_json *root, const char *path, struct ou_harness_json *v)
{
	ou_autofree char *copy = NULL;
	const char *last = NULL;
	struct ou_harness_json *parent = json_parent(root, path, &copy, &last);
	long long idx;

	if (parent->type == JSON_ARRAY &&
	    ou_parse_ll(last, 0, (long long)parent->n - 1, &idx) == 0) {
		ou_harness_json_free(parent->items[idx]);
		parent->items[idx] = v;
		return;
	}
	cr_assert(parent->type == JSON_OBJECT, "json path '%s': no object to set in", path);
	json_put(parent, last, v);
}

static struct ou_harness_json *json_parse_vf(const char *fmt, va_list ap)
{
	ou_autofree char *text = NULL;
	struct ou_harness_json *v;

	cr_assert(vasprintf(&text, fmt, ap) >= 0, "vasprintf");
	v = ou_harness_json_parse(text);
	cr_assert_not_null(v, "not valid JSON: %s", text);
	return v;
}

void ou_harness_json_setf(struct ou_harness_json *root, const char *path, const char *fmt, ...)
{
	struct ou_harness_json *v;
	va_list ap;

	va_start(ap, fmt);
	v = json_parse_vf(fmt, ap);
	va_end(ap);
	json_set_node(root, path, v);
}

void ou_harness_json_set_str(struct ou_harness_json *root, const char *path, const char *s)
{
	json_set_node(root, path, json_new(JSON_STRING, s));
}

/* The array at path, created (empty) if missing. */
static struct ou_harness_json *json_array_at(struct ou_harness_json *root, const char *path)
{
	struct ou_harness_json *arr = ou_harness_json_get(root, path);

	if (arr == NULL) {
		arr = json_new(JSON_ARRAY, NULL);
		json_set_node(root, path, arr);
	}
	cr_assert(arr->type == JSON_ARRAY, "json path '%s' is not an array", path);
	return arr;
}

void ou_harness_json_appendf(struct ou_harness_json *root, const char *path, const char *fmt, ...)
{
	struct ou_harness_json *arr = json_array_at(root, path);
	struct ou_harness_json *v;
	va_list ap;

	va_start(ap, fmt);
	v = json_parse_vf(fmt, ap);
	va_end(ap);
	json_push(arr, NULL, v);
}

void ou_harness_json_unset(struct ou_harness_json *root, const char *path)
{
	ou_autofree char *copy = ou_xstrdup(path);
	char *dot = strrchr(copy, '.');
	struct ou_harness_json *parent = root;
	const char *last = copy;
	long long idx;
	long i;

	if (dot != NULL) {
		*dot = '\0';
		parent = ou_harness_json_get(root, copy);
		last = dot + 1;
	}
	if (parent == NULL)
		return;
	if (parent->type == JSON_ARRAY) {
		if (ou_parse_ll(last, 0, (long long)parent->n - 1, &idx) == 0)
			json_remove_at(parent, (size_t)idx);
		return;
	}
	i = json_member_index(parent, last);
	if (i >= 0)
		json_remove_at(parent, (size_t)i);
}

const char *ou_harness_json_str(const struct ou_harness_json *v)
{
	return v != NULL && v->type == JSON_STRING ? v->text : NULL;
}

bool ou_harness_json_int(const struct ou_harness_json *v, long long *out)
{
	if (v == NULL || v->type != JSON_NUMBER)
		return false;
	return ou_parse_ll(v->text, -0x7fffffffffffffffLL - 1, 0x7fffffffffffffffLL, out) == 0;
}

size_t ou_harness_json_len(const struct ou_harness_json *v)
{
	if (v == NULL || (v->type != JSON_ARRAY && v->type != JSON_OBJECT))
		return 0;
	return v->n;
}

/* ================= the test environment ================= */

struct string_list {
	char **items;
	size_t n;
};

static struct {
	bool ready;
	char *dir;
	char *state_root;
	char *bundle;
	char *rootfs;
	struct ou_harness_json *config;
	struct string_list ids;
	struct string_list cgroups;
	struct string_list bundles;
	unsigned next_id;
} env;

static const char *list_add(struct string_list *l, char *s)
{
	l->items = ou_xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
	l->items[l->n++] = s;
	return s;
}

static void list_release(struct string_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

const char *ou_harness_runtime(void)
{
	const char *rt = getenv("OU_RUNTIME");

	return rt != NULL && *rt != '\0' ? rt : OU_BINARY;
}

bool ou_harness_is_ociunion(void)
{
	const char *rt = ou_harness_runtime();
	const char *base = strrchr(rt, '/');

	return ou_has_prefix(base != NULL ? base + 1 : rt, "ociunion");
}

const char *ou_harness_dir(void)
{
	return env.dir;
}

const char *ou_harness_state_root(void)
{
	return env.state_root;
}

const char *ou_harness_bundle(void)
{
	return env.bundle;
}

const char *ou_harness_rootfs(void)
{
	return env.rootfs;
}

char *ou_harness_path(const char *fmt, ...)
{
	ou_autofree char *rel = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&rel, fmt, ap);
	va_end(ap);
	cr_assert(rc >= 0, "vasprintf");
	return ou_path_join(env.dir, rel);
}

const char *ou_harness_new_id(void)
{
	return list_add(&env.ids, ou_xasprintf("ou-test-%d-%u", (int)getpid(), env.next_id++));
}

void ou_harness_track_id(const char *id)
{
	list_add(&env.ids, ou_xstrdup(id));
}

const char *ou_harness_new_cgroup_path(void)
{
	unsigned long long r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (unsigned long long)getpid() * 2654435761ULL ^ (unsigned long long)time(NULL);
	return list_add(&env.cgroups, ou_xasprintf("/ou-test-%016llx", r));
}

/* Calls fn for the directory of path in every cgroup hierarchy; stops on true. */
static bool each_cgroup_dir(const char *path, bool (*fn)(const char *dir))
{
	ou_autoclosedir DIR *d = NULL;
	struct dirent *de;

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
		ou_autofree char *p = ou_path_join("/sys/fs/cgroup", path);

		return fn(p);
	}
	d = opendir("/sys/fs/cgroup");
	if (d == NULL)
		return false;
	while ((de = readdir(d)) != NULL) {
		ou_autofree char *hier = NULL;
		ou_autofree char *p = NULL;

		if (de->d_name[0] == '.')
			continue;
		hier = ou_path_join("/sys/fs/cgroup", de->d_name);
		p = ou_path_join(hier, path);
		if (fn(p))
			return true;
	}
	return false;
}

static bool dir_exists(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool remove_cgroup_dir(const char *dir)
{
	rmdir(dir);
	return false;
}

bool ou_harness_cgroup_exists(const char *path)
{
	return each_cgroup_dir(path, dir_exists);
}

/* The super options of the first cgroup2 mount ("rw,nsdelegate"); caller frees. */
static char *cgroup2_options(void)
{
	ou_autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192];
	char opts[1024];

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		const char *sep = strstr(line, " - cgroup2 ");

		if (sep != NULL && sscanf(sep, " - cgroup2 %*s %1023s", opts) == 1)
			return ou_xstrdup(opts);
	}
	return NULL;
}

bool ou_harness_simulate_cgroup_v2(void)
{
	ou_autofree char *opts = NULL;

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		return true;
	/*
	 * Mounting cgroup2 from the initial cgroup namespace applies its
	 * options to the hierarchy everywhere: reuse the host's.
	 */
	opts = cgroup2_options();
	if (opts == NULL)
		return false;
	if (unshare(CLONE_NEWNS) < 0)
		return false;
	cr_assert(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0,
		  "make the mounts private: %s", strerror(errno));
	cr_assert(umount2("/sys/fs/cgroup", MNT_DETACH) == 0, "umount /sys/fs/cgroup: %s",
		  strerror(errno));
	cr_assert(mount("none", "/sys/fs/cgroup", "cgroup2", 0, opts) == 0,
		  "mount cgroup2 (%s) at /sys/fs/cgroup: %s", opts, strerror(errno));
	return true;
}

/* The mountinfo lines of out: between the markers if it has them. */
static char *mountinfo_lines(const char *out)
{
	const char *begin = strstr(out, OU_HARNESS_MOUNTS_BEGIN "\n");
	const char *end;

	if (begin == NULL)
		return ou_xstrdup(out);
	begin += strlen(OU_HARNESS_MOUNTS_BEGIN "\n");
	end = strstr(begin, OU_HARNESS_MOUNTS_END "\n");
	return end != NULL ? ou_xstrndup(begin, (size_t)(end - begin)) : ou_xstrdup(begin);
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? ou_xstrdup(s) : NULL;
}

/* libmount's table of the mountinfo lines of out. */
static struct libmnt_table *mount_table(const char *out)
{
	ou_autofree char *text = mountinfo_lines(out);
	struct libmnt_table *tb = mnt_new_table();
	FILE *f;

	cr_assert_not_null(tb, "mnt_new_table");
	cr_assert(text[0] != '\0', "no mountinfo in the output");
	f = fmemopen(text, strlen(text), "r");
	cr_assert_not_null(f, "fmemopen: %s", strerror(errno));
	cr_assert_eq(mnt_table_parse_stream(tb, f, "mountinfo"), 0,
		     "libmount cannot parse the mountinfo:\n%s", text);
	fclose(f);
	return tb;
}

static void mount_fill(struct libmnt_fs *fs, struct ou_harness_mount *m)
{
	m->target = dup_or_null(mnt_fs_get_target(fs));
	m->fstype = dup_or_null(mnt_fs_get_fstype(fs));
	m->vfs_options = dup_or_null(mnt_fs_get_vfs_options(fs));
	m->fs_options = dup_or_null(mnt_fs_get_fs_options(fs));
	cr_assert_eq(mnt_fs_get_propagation(fs, &m->propagation), 0, "propagation of '%s'",
		     m->target);
}

bool ou_harness_mount_find(const char *out, const char *target, struct ou_harness_mount *m)
{
	struct libmnt_table *tb = mount_table(out);
	/* Backward: the last mount at target is the one on top. */
	struct libmnt_fs *fs = mnt_table_find_target(tb, target, MNT_ITER_BACKWARD);

	memset(m, 0, sizeof(*m));
	if (fs != NULL)
		mount_fill(fs, m);
	mnt_unref_table(tb);
	return fs != NULL;
}

size_t ou_harness_mounts(const char *out, struct ou_harness_mount **list)
{
	struct libmnt_table *tb = mount_table(out);
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	size_t n = 0;

	cr_assert_not_null(it, "mnt_new_iter");
	*list = NULL;
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		*list = ou_xrealloc(*list, (n + 1) * sizeof(**list));
		memset(&(*list)[n], 0, sizeof(**list));
		mount_fill(fs, &(*list)[n++]);
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return n;
}

void ou_harness_mount_release(struct ou_harness_mount *m)
{
	free(m->target);
	free(m->fstype);
	free(m->vfs_options);
	free(m->fs_options);
	memset(m, 0, sizeof(*m));
}

void ou_harness_mounts_free(struct ou_harness_mount *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ou_harness_mount_release(&list[i]);
	free(list);
}

bool ou_harness_mount_has_option(const char *options, const char *opt)
{
	ou_autofree char *name = ou_xstrdup(opt);
	char *eq = strchr(name, '=');
	char *value = NULL;
	size_t len = 0;

	if (eq != NULL)
		*eq = '\0';
	if (options == NULL || mnt_optstr_get_option(options, name, &value, &len) != 0)
		return false;
	if (eq == NULL)
		return true;
	return len == strlen(eq + 1) && strncmp(value, eq + 1, len) == 0;
}

/* Each option of the comma-separated list is (has) or is not in options. */
static void assert_options(const char *target, const char *options, const char *list, bool has)
{
	ou_autofree char *copy = list != NULL ? ou_xstrdup(list) : NULL;
	char *save = NULL;

	for (char *o = copy ? strtok_r(copy, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save))
		cr_assert(ou_harness_mount_has_option(options, o) == has,
			  "'%s': option '%s' %s in '%s'", target, o, has ? "missing" : "present",
			  options ? options : "");
}

void ou_harness_assert_mount(const char *out, const char *target, const char *fstype,
			     const char *vfs_has, const char *vfs_lacks, const char *fs_has)
{
	struct ou_harness_mount m;

	cr_assert(ou_harness_mount_find(out, target, &m), "no mount at '%s' in:\n%s", target, out);
	cr_assert_str_eq(m.fstype, fstype, "fstype of '%s'", target);
	assert_options(target, m.vfs_options, vfs_has, true);
	assert_options(target, m.vfs_options, vfs_lacks, false);
	assert_options(target, m.fs_options, fs_has, true);
	ou_harness_mount_release(&m);
}

const char *ou_harness_new_bundle(const char *name)
{
	char *bundle = ou_path_join(env.dir, name);
	ou_autofree char *rootfs = ou_path_join(bundle, "rootfs");
	struct ou_harness_result res = { 0 };
	const char *argv[] = { "/bin/sh", OU_MKROOTFS, rootfs, OU_PAYLOAD, NULL };

	ou_harness_mkdir(bundle);
	ou_harness_exec(&res, 30, argv);
	cr_assert_eq(res.status, 0, "mkrootfs '%s' failed (%d): %s", rootfs, res.status, res.err);
	ou_harness_result_release(&res);
	return list_add(&env.bundles, bundle);
}

static void check_prerequisites(void)
{
	const char *rt = ou_harness_runtime();

	cr_assert(access(rt, X_OK) == 0,
		  "runtime '%s' is not executable: build it (make ociunion) or set OU_RUNTIME", rt);
	cr_assert(access(OU_PAYLOAD, X_OK) == 0,
		  "payload '%s' missing: build it (make tests/integration/payload)", OU_PAYLOAD);
}

void ou_harness_init(void)
{
	char tmpl[] = "/tmp/ou-it-XXXXXX";

	if (geteuid() != 0)
		cr_skip_test("needs root");
	check_prerequisites();
	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp: %s", strerror(errno));
	env.dir = ou_xstrdup(tmpl);
	env.ready = true;
	/* Users other than root inside containers must reach bind sources. */
	cr_assert(chmod(env.dir, 0755) == 0, "chmod '%s'", env.dir);
	env.state_root = ou_path_join(env.dir, "state");
	ou_harness_mkdir(env.state_root);
	env.bundle = (char *)ou_harness_new_bundle("bundle");
	env.rootfs = ou_path_join(env.bundle, "rootfs");
	env.config = ou_harness_config_new();
}

/* The mount points strictly below dir in this mount namespace, in mount order. */
static void mounts_below(const char *dir, struct string_list *out)
{
	ou_autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
	ou_autofree char *prefix = ou_xasprintf("%s/", dir);
	char line[8192];
	char mnt[4096];

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		/* Mount points with odd characters are escaped; they are ours anyway. */
		if (ou_has_prefix(mnt, prefix))
			list_add(out, ou_xstrdup(mnt));
	}
}

static void umount_below(const char *dir)
{
	for (int round = 0; round < 8; round++) {
		struct string_list mnts = { 0 };
		size_t n;

		mounts_below(dir, &mnts);
		n = mnts.n;
		for (size_t i = n; i > 0; i--)
			umount2(mnts.items[i - 1], MNT_DETACH);
		list_release(&mnts);
		if (n == 0)
			return;
	}
}

static void delete_containers(void)
{
	for (size_t i = 0; i < env.ids.n; i++) {
		struct ou_harness_result res = { 0 };
		ou_autofree char *plain = ou_xasprintf("/%s", env.ids.items[i]);
		ou_autofree char *ours = ou_xasprintf("/ociunion/%s", env.ids.items[i]);
		const char *args[] = { "delete", "--force", env.ids.items[i], NULL };

		ou_harness_rtv(&res, 5, args);
		ou_harness_result_release(&res);
		each_cgroup_dir(plain, remove_cgroup_dir);
		each_cgroup_dir(ours, remove_cgroup_dir);
	}
	for (size_t i = 0; i < env.cgroups.n; i++)
		each_cgroup_dir(env.cgroups.items[i], remove_cgroup_dir);
}

void ou_harness_fini(void)
{
	ou_autoerror struct ou_error *err = NULL;

	if (!env.ready)
		return;
	env.ready = false;
	delete_containers();
	umount_below(env.dir);
	if (ou_remove_tree(env.dir, &err) < 0)
		cr_log_warn("harness: remove '%s' failed", env.dir);
	ou_harness_json_free(env.config);
	list_release(&env.ids);
	list_release(&env.cgroups);
	list_release(&env.bundles);
	free(env.rootfs);
	free(env.state_root);
	free(env.dir);
	memset(&env, 0, sizeof(env));
}

/* ================= running programs ================= */

static void exec_child(const char *const argv[], int out, int err)
{
	sigset_t none;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(err, STDERR_FILENO) < 0)
		_exit(126);
	execv(argv[0], (char *const *)argv);
	dprintf(STDERR_FILENO, "harness: exec '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Exit status as the shell reports it; -1 (and *timed_out) after a timeout. */
static int wait_child(pid_t pid, int timeout, bool *timed_out)
{
	long long deadline = now_ms() + (long long)timeout * 1000;
	struct timespec pause = { 0, 2 * 1000 * 1000 };
	int st = 0;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			break;
		cr_assert(r == 0 || errno == EINTR, "waitpid: %s", strerror(errno));
		if (now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			*timed_out = true;
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

static char *read_capture(int fd)
{
	ou_autoerror struct ou_error *err = NULL;
	char *buf = NULL;

	cr_assert(lseek(fd, 0, SEEK_SET) == 0, "lseek capture");
	cr_assert(ou_read_all(fd, &buf, NULL, &err) == 0, "read capture");
	return buf;
}

void ou_harness_exec(struct ou_harness_result *res, int timeout, const char *const argv[])
{
	ou_autoclose int out = memfd_create("ou-stdout", MFD_CLOEXEC);
	ou_autoclose int err = memfd_create("ou-stderr", MFD_CLOEXEC);
	pid_t pid;

	memset(res, 0, sizeof(*res));
	cr_assert(out >= 0 && err >= 0, "memfd_create: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		exec_child(argv, out, err);
	res->status = wait_child(pid, timeout, &res->timed_out);
	res->out = read_capture(out);
	res->err = read_capture(err);
}

void ou_harness_rtv(struct ou_harness_result *res, int timeout, const char *const args[])
{
	size_t n = 0;
	ou_autofree const char **argv = NULL;

	while (args[n] != NULL)
		n++;
	argv = ou_xcalloc(n + 4, sizeof(*argv));
	argv[0] = ou_harness_runtime();
	argv[1] = "--root";
	argv[2] = env.state_root;
	memcpy(argv + 3, args, n * sizeof(*argv));
	ou_harness_exec(res, timeout, argv);
}

void ou_harness_rt(struct ou_harness_result *res, const char *arg, ...)
{
	const char *args[64];
	size_t n = 0;
	va_list ap;

	va_start(ap, arg);
	for (const char *a = arg; a != NULL; a = va_arg(ap, const char *)) {
		cr_assert(n < sizeof(args) / sizeof(args[0]) - 1, "too many arguments");
		args[n++] = a;
	}
	va_end(ap);
	args[n] = NULL;
	ou_harness_rtv(res, OU_HARNESS_TIMEOUT, args);
}

void ou_harness_run(struct ou_harness_result *res, const char *id)
{
	ou_harness_config_write(env.config, env.bundle);
	ou_harness_rt(res, "run", "-b", env.bundle, id, NULL);
}

void ou_harness_create(struct ou_harness_result *res, const char *id)
{
	ou_harness_config_write(env.config, env.bundle);
	ou_harness_rt(res, "create", "-b", env.bundle, id, NULL);
}

struct ou_harness_json *ou_harness_state(const char *id)
{
	struct ou_harness_result res;
	struct ou_harness_json *state;

	ou_harness_rt(&res, "state", id, NULL);
	cr_assert_eq(res.status, 0, "state '%s' failed (%d): %s", id, res.status, res.err);
	state = ou_harness_json_parse(res.out);
	cr_assert_not_null(state, "state '%s' is not JSON: %s", id, res.out);
	ou_harness_result_release(&res);
	return state;
}

/* True if the state document's "status" is status. */
static bool has_status(const char *state_text, const char *status)
{
	struct ou_harness_json *state = ou_harness_json_parse(state_text);
	const char *s = ou_harness_json_str(ou_harness_json_get(state, "status"));
	bool match = s != NULL && strcmp(s, status) == 0;

	ou_harness_json_free(state);
	return match;
}

bool ou_harness_wait_status(const char *id, const char *status, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	for (;;) {
		struct ou_harness_result res;
		bool match;

		ou_harness_rt(&res, "state", id, NULL);
		match = res.status == 0 && has_status(res.out, status);
		ou_harness_result_release(&res);
		if (match)
			return true;
		if (now_ms() >= deadline)
			return false;
		nanosleep(&pause, NULL);
	}
}

void ou_harness_result_release(struct ou_harness_result *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}

size_t ou_harness_count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n' || s[1] == '\0')
			n++;
	return n;
}

void ou_harness_assert_clean_failure(const struct ou_harness_result *res, const char *id)
{
	ou_autofree char *state = ou_path_join(env.state_root, id);
	ou_autofree char *plain = ou_xasprintf("/%s", id);
	ou_autofree char *ours = ou_xasprintf("/ociunion/%s", id);
	struct string_list mnts = { 0 };

	cr_assert_eq(res->status, 1, "expected exit status 1, got %d; stderr: %s", res->status,
		     res->err);
	if (ou_harness_is_ociunion()) {
		cr_assert_eq(ou_harness_count_lines(res->err), 1,
			     "expected one line on stderr, got: '%s'", res->err);
		cr_assert(ou_has_prefix(res->err, "ociunion: "),
			  "stderr does not start with 'ociunion: ': '%s'", res->err);
	}
	cr_assert(!ou_harness_exists(state), "state directory '%s' left behind", state);
	cr_assert(!ou_harness_cgroup_exists(plain), "cgroup '%s' left behind", plain);
	cr_assert(!ou_harness_cgroup_exists(ours), "cgroup '%s' left behind", ours);
	mounts_below(env.dir, &mnts);
	cr_assert_eq(mnts.n, 0, "mount '%s' left behind", mnts.n > 0 ? mnts.items[0] : "");
}

/* ================= files ================= */

bool ou_harness_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

char *ou_harness_read(const char *path)
{
	ou_autoerror struct ou_error *err = NULL;
	char *buf = NULL;

	cr_assert(ou_read_file(path, 0, &buf, NULL, &err) == 0, "read '%s' failed", path);
	return buf;
}

void ou_harness_write(const char *path, const char *text)
{
	ou_autoerror struct ou_error *err = NULL;

	cr_assert(ou_write_file(path, text, strlen(text), 0644, &err) == 0, "write '%s' failed",
		  path);
}

void ou_harness_mkdir(const char *path)
{
	ou_autoerror struct ou_error *err = NULL;

	cr_assert(ou_mkdir_p(path, 0755, &err) == 0, "mkdir '%s' failed", path);
}

/* ================= the config builder ================= */

/*
 * `runc spec` (runc 1.1) with the changes listed in harness.h.  Written with
 * single quotes for readability; they become double quotes before parsing.
 */
static const char default_config[] =
	"{'ociVersion': '1.0.2',"
	" 'process': {'terminal': false, 'user': {'uid': 0, 'gid': 0},"
	"  'args': ['sh'],"
	"  'env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',"
	"          'TERM=xterm'],"
	"  'cwd': '/',"
	"  'capabilities': {"
	"   'bounding': ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],"
	"   'effective': ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],"
	"   'permitted': ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']},"
	"  'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1024, 'soft': 1024}],"
	"  'noNewPrivileges': true},"
	" 'root': {'path': 'rootfs', 'readonly': false},"
	" 'hostname': 'ou-test',"
	" 'mounts': ["
	"  {'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
	"  {'destination': '/dev', 'type': 'tmpfs', 'source': 'tmpfs',"
	"   'options': ['nosuid', 'strictatime', 'mode=755', 'size=65536k']},"
	"  {'destination': '/dev/pts', 'type': 'devpts', 'source': 'devpts',"
	"   'options': ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']},"
	"  {'destination': '/dev/shm', 'type': 'tmpfs', 'source': 'shm',"
	"   'options': ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k']},"
	"  {'destination': '/dev/mqueue', 'type': 'mqueue', 'source': 'mqueue',"
	"   'options': ['nosuid', 'noexec', 'nodev']},"
	"  {'destination': '/sys', 'type': 'sysfs', 'source': 'sysfs',"
	"   'options': ['nosuid', 'noexec', 'nodev', 'ro']}],"
	" 'linux': {"
	"  'resources': {'devices': [{'allow': false, 'access': 'rwm'}]},"
	"  'namespaces': [{'type': 'pid'}, {'type': 'network'}, {'type': 'ipc'},"
	"                 {'type': 'uts'}, {'type': 'mount'}],"
	"  'maskedPaths': ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys',"
	"   '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',"
	"   '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],"
	"  'readonlyPaths': ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys',"
	"   '/proc/sysrq-trigger']}}";

struct ou_harness_json *ou_harness_config(void)
{
	return env.config;
}

struct ou_harness_json *ou_harness_config_new(void)
{
	ou_autofree char *text = ou_xstrdup(default_config);
	struct ou_harness_json *cfg;

	for (char *p = text; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	cfg = ou_harness_json_parse(text);
	cr_assert_not_null(cfg, "harness default config does not parse");
	return cfg;
}

/* A new array of the strings first, then the rest of ap up to NULL. */
static struct ou_harness_json *string_array(const char *first, va_list ap)
{
	struct ou_harness_json *arr = json_new(JSON_ARRAY, NULL);

	for (const char *s = first; s != NULL; s = va_arg(ap, const char *))
		json_push(arr, NULL, json_new(JSON_STRING, s));
	return arr;
}

void ou_harness_config_args(struct ou_harness_json *cfg, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	json_set_node(cfg, "process.args", string_array(arg, ap));
	va_end(ap);
}

void ou_harness_config_argv(struct ou_harness_json *cfg, const char *const argv[])
{
	struct ou_harness_json *arr = json_new(JSON_ARRAY, NULL);

	for (size_t i = 0; argv[i] != NULL; i++)
		json_push(arr, NULL, json_new(JSON_STRING, argv[i]));
	json_set_node(cfg, "process.args", arr);
}

void ou_harness_config_env(struct ou_harness_json *cfg, const char *kv, ...)
{
	va_list ap;

	va_start(ap, kv);
	json_set_node(cfg, "process.env", string_array(kv, ap));
	va_end(ap);
}

/* Remove the elements of the array at path whose member "type" equals type. */
static void remove_typed(struct ou_harness_json *cfg, const char *path, const char *type)
{
	struct ou_harness_json *arr = ou_harness_json_get(cfg, path);

	if (arr == NULL || arr->type != JSON_ARRAY)
		return;
	for (size_t i = arr->n; i > 0; i--) {
		const char *t = ou_harness_json_str(json_child(arr->items[i - 1], "type"));

		if (t != NULL && strcmp(t, type) == 0)
			json_remove_at(arr, i - 1);
	}
}

void ou_harness_config_add_namespace(struct ou_harness_json *cfg, const char *type,
				     const char *path)
{
	struct ou_harness_json *ns = json_new(JSON_OBJECT, NULL);

	remove_typed(cfg, "linux.namespaces", type);
	json_push(ns, "type", json_new(JSON_STRING, type));
	if (path != NULL)
		json_push(ns, "path", json_new(JSON_STRING, path));
	json_push(json_array_at(cfg, "linux.namespaces"), NULL, ns);
}

void ou_harness_config_remove_namespace(struct ou_harness_json *cfg, const char *type)
{
	remove_typed(cfg, "linux.namespaces", type);
}

void ou_harness_config_add_mount(struct ou_harness_json *cfg, const char *destination,
				 const char *type, const char *source, ...)
{
	struct ou_harness_json *m = json_new(JSON_OBJECT, NULL);
	struct ou_harness_json *opts;
	va_list ap;

	json_push(m, "destination", json_new(JSON_STRING, destination));
	if (type != NULL)
		json_push(m, "type", json_new(JSON_STRING, type));
	if (source != NULL)
		json_push(m, "source", json_new(JSON_STRING, source));
	va_start(ap, source);
	opts = string_array(va_arg(ap, const char *), ap);
	va_end(ap);
	if (opts->n > 0)
		json_push(m, "options", opts);
	else
		ou_harness_json_free(opts);
	json_push(json_array_at(cfg, "mounts"), NULL, m);
}

void ou_harness_config_add_rlimit(struct ou_harness_json *cfg, const char *type,
				  unsigned long long soft, unsigned long long hard)
{
	remove_typed(cfg, "process.rlimits", type);
	ou_harness_json_appendf(cfg, "process.rlimits",
				"{\"type\": \"%s\", \"soft\": %llu, \"hard\": %llu}", type, soft,
				hard);
}

void ou_harness_config_set_caps(struct ou_harness_json *cfg, const char *cap, ...)
{
	static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable",
					    "ambient" };
	struct ou_harness_json *arr;
	va_list ap;

	va_start(ap, cap);
	arr = string_array(cap, ap);
	va_end(ap);
	ou_harness_json_unset(cfg, "process.capabilities");
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		ou_autofree char *path = ou_xasprintf("process.capabilities.%s", sets[i]);
		ou_autofree char *text = ou_harness_json_dump(arr);

		json_set_node(cfg, path, ou_harness_json_parse(text));
	}
	ou_harness_json_free(arr);
}

void ou_harness_config_annotate(struct ou_harness_json *cfg, const char *key, const char *value)
{
	struct ou_harness_json *ann = json_child(cfg, "annotations");

	if (ann == NULL) {
		ann = json_new(JSON_OBJECT, NULL);
		json_put(cfg, "annotations", ann);
	}
	cr_assert(ann->type == JSON_OBJECT, "annotations is not an object");
	json_put(ann, key, json_new(JSON_STRING, value));
}

void ou_harness_config_write(const struct ou_harness_json *cfg, const char *bundle)
{
	ou_autofree char *path = ou_path_join(bundle, "config.json");
	ou_autofree char *text = ou_harness_json_dump(cfg);

	ou_harness_write(path, text);
}

/* ================= lifecycle helpers ================= */

#ifndef OU_RECVTTY
#error "OU_RECVTTY must name the built recvtty"
#endif

bool ou_harness_schema_valid(const char *json, const char *schema_file)
{
	ou_autofree char *doc = ou_path_join(env.dir, "schema-document.json");
	ou_autofree char *script = ou_xasprintf("%s/config/schema-validate.py", OU_TEST_DATA);
	ou_autofree char *schemas = ou_xasprintf("%s/runtime-spec/schema", OU_SHARED_DIR);
	const char *argv[] = { "/bin/sh",   "-c",   "exec python3 \"$@\"",
			       "sh",	    script, schemas,
			       schema_file, doc,    NULL };
	struct ou_harness_result res = { 0 };
	bool valid;

	ou_harness_write(doc, json);
	ou_harness_exec(&res, 30, argv);
	if (res.status == 77 || res.status == 127) {
		ou_harness_result_release(&res);
		/* Criterion does not run .fini after a skip in the test body */
		ou_harness_fini();
		cr_skip_test("python3 with the jsonschema module is not available");
	}
	valid = res.status == 0;
	if (!valid)
		cr_log_info("%s: %s: %s", schema_file, json, res.err);
	ou_harness_result_release(&res);
	return valid;
}

/* Wait until path exists, up to timeout_ms. */
static bool wait_path(const char *path, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct timespec pause = { 0, 5 * 1000 * 1000 };

	while (!ou_harness_exists(path)) {
		if (now_ms() >= deadline)
			return false;
		nanosleep(&pause, NULL);
	}
	return true;
}

int ou_harness_recvtty_start(const char *socket, const char *input, const char *out_file)
{
	const char *argv[10] = { OU_RECVTTY, "-o", out_file, "-t", "60" };
	size_t n = 5;
	pid_t pid;

	if (input != NULL) {
		argv[n++] = "-w";
		argv[n++] = input;
	}
	argv[n++] = socket;
	fflush(NULL);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (!wait_path(socket, 5000)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		cr_assert_fail("recvtty did not listen on '%s'", socket);
	}
	return pid;
}

int ou_harness_recvtty_wait(int pid, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	int st = 0;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool ou_harness_pid_alive(int pid)
{
	ou_autofree char *path = ou_xasprintf("/proc/%d/status", pid);
	ou_autofclose FILE *f = NULL;
	char line[256];

	if (pid <= 0)
		return false;
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (ou_has_prefix(line, "State:"))
			return strchr(line, 'Z') == NULL && strchr(line, 'X') == NULL;
	return false;
}

char *ou_harness_ns(int pid, const char *name)
{
	ou_autofree char *path = ou_xasprintf("/proc/%d/ns/%s", pid, name);
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	cr_assert(n > 0, "readlink '%s': %s", path, strerror(errno));
	buf[n] = '\0';
	return ou_xstrdup(buf);
}

void ou_harness_create_args(struct ou_harness_result *res, const char *id,
			    const char *const extra[])
{
	const char *args[32] = { "create", "-b", env.bundle };
	size_t n = 3;

	for (size_t i = 0; extra[i] != NULL; i++) {
		cr_assert(n < sizeof(args) / sizeof(args[0]) - 2, "too many arguments");
		args[n++] = extra[i];
	}
	args[n++] = id;
	args[n] = NULL;
	ou_harness_config_write(env.config, env.bundle);
	ou_harness_rtv(res, OU_HARNESS_TIMEOUT, args);
}

void ou_harness_create_start(const char *id)
{
	struct ou_harness_result res;

	ou_harness_create(&res, id);
	cr_assert_eq(res.status, 0, "create '%s' failed (%d): %s", id, res.status, res.err);
	ou_harness_result_release(&res);
	ou_harness_rt(&res, "start", id, NULL);
	cr_assert_eq(res.status, 0, "start '%s' failed (%d): %s", id, res.status, res.err);
	ou_harness_result_release(&res);
}

int ou_harness_state_pid(const char *id)
{
	struct ou_harness_json *state = ou_harness_state(id);
	long long pid = 0;

	cr_assert(ou_harness_json_int(ou_harness_json_get(state, "pid"), &pid) && pid > 0,
		  "state '%s' has no pid", id);
	ou_harness_json_free(state);
	return (int)pid;
}

char *ou_harness_state_status(const char *id)
{
	struct ou_harness_json *state = ou_harness_state(id);
	const char *s = ou_harness_json_str(ou_harness_json_get(state, "status"));
	char *status;

	cr_assert_not_null(s, "state '%s' has no status", id);
	status = ou_xstrdup(s);
	ou_harness_json_free(state);
	return status;
}

bool ou_harness_wait_file(const char *path, const char *text, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (;;) {
		ou_autoerror struct ou_error *err = NULL;
		ou_autofree char *buf = NULL;

		if (ou_read_file(path, 0, &buf, NULL, &err) == 0 && strstr(buf, text) != NULL)
			return true;
		if (now_ms() >= deadline)
			return false;
		nanosleep(&pause, NULL);
	}
}
