/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "spec/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "spec/json.h"

/*
 * config.json parser.  The document is parsed into a yajl tree and then
 * walked by hand, one function per object of config.md.  struct walk
 * carries the JSON path of the value being read, so that every error names
 * it ("linux.namespaces[1].type: ...").
 */

/* A config.json larger than this is refused before parsing. */
#define CONFIG_MAX_SIZE (16u * 1024 * 1024)

static const char *const ns_names[OU_NS__COUNT] = {
	[OU_NS_PID] = "pid",	   [OU_NS_NETWORK] = "network", [OU_NS_MOUNT] = "mount",
	[OU_NS_IPC] = "ipc",	   [OU_NS_UTS] = "uts",		[OU_NS_USER] = "user",
	[OU_NS_CGROUP] = "cgroup", [OU_NS_TIME] = "time",
};

int ou_ns_type_from_name(const char *name)
{
	for (int i = 0; i < OU_NS__COUNT; i++)
		if (strcmp(ns_names[i], name) == 0)
			return i;
	return -1;
}

const char *ou_ns_type_name(enum ou_ns_type type)
{
	if ((int)type < 0 || type >= OU_NS__COUNT)
		return "unknown";
	return ns_names[type];
}

/*
 * Nesting deeper than this is refused before yajl sees the document:
 * yajl_tree_free() recurses once per level, and no config.json object is
 * nested more than a handful of levels.
 */
#define JSON_MAX_DEPTH 256

struct walk {
	char path[1024];
	size_t len;
	struct ou_error **err;
};

static size_t path_push(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t path_push(struct walk *w, const char *fmt, ...)
{
	size_t old = w->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(w->path + w->len, sizeof(w->path) - w->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->len += (size_t)n;
	if (w->len >= sizeof(w->path))
		w->len = sizeof(w->path) - 1;
	return old;
}

static size_t path_push_key(struct walk *w, const char *key)
{
	return path_push(w, "%s%s", w->len > 0 ? "." : "", key);
}

static size_t path_push_index(struct walk *w, size_t i)
{
	return path_push(w, "[%zu]", i);
}

static void path_pop(struct walk *w, size_t old)
{
	w->len = old;
	w->path[old] = '\0';
}

static int fail_at(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An OU_E_INVALID error "<path>: <message>". */
static int fail_at(struct walk *w, const char *fmt, ...)
{
	ou_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	return ou_error_set(w->err, OU_E_INVALID, 0, "%s: %s", w->path, msg);
}

static int fail_missing(struct walk *w, const char *key)
{
	path_push_key(w, key);
	return fail_at(w, "is required");
}

/*
 * The value of key in obj, or NULL if absent.  A JSON null counts as
 * absent, as it does for runc.  Duplicate keys: the last one wins, which is
 * what Go's encoding/json (runc) does; yajl_tree keeps all of them.
 */
static yajl_val lookup(yajl_val obj, const char *key)
{
	yajl_val v = ou_json_lookup(obj, key);

	return v != NULL && YAJL_IS_NULL(v) ? NULL : v;
}

/* True if v is an integer literal: no fraction, no exponent. */
static bool is_integer_literal(yajl_val v)
{
	return YAJL_IS_NUMBER(v) && strpbrk(v->u.number.r, ".eE") == NULL;
}

/* Check that v is an integer in [0, max]; the error names the current path. */
static int check_uint(struct walk *w, yajl_val v, uint64_t max, uint64_t *out)
{
	const char *s;
	char *end;

	if (!is_integer_literal(v))
		return fail_at(w, "must be an integer between 0 and %ju", (uintmax_t)max);
	s = v->u.number.r;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (*s == '-' || errno != 0 || *end != '\0' || *out > max)
		return fail_at(w, "must be an integer between 0 and %ju", (uintmax_t)max);
	return 0;
}

/* Check that v is an integer in [min, max]. */
static int check_int(struct walk *w, yajl_val v, int64_t min, int64_t max, int64_t *out)
{
	char *end;

	errno = 0;
	if (is_integer_literal(v))
		*out = strtoll(v->u.number.r, &end, 10);
	if (!is_integer_literal(v) || errno != 0 || *end != '\0' || *out < min || *out > max)
		return fail_at(w, "must be an integer between %jd and %jd", (intmax_t)min,
			       (intmax_t)max);
	return 0;
}

static int get_uint(struct walk *w, yajl_val obj, const char *key, bool required, uint64_t max,
		    bool *has, uint64_t *out)
{
	yajl_val v = lookup(obj, key);
	size_t old;

	if (v == NULL)
		return required ? fail_missing(w, key) : 0;
	old = path_push_key(w, key);
	if (check_uint(w, v, max, out) < 0)
		return -1;
	path_pop(w, old);
	if (has != NULL)
		*has = true;
	return 0;
}

static int get_int(struct walk *w, yajl_val obj, const char *key, bool required, int64_t min,
		   int64_t max, bool *has, int64_t *out)
{
	yajl_val v = lookup(obj, key);
	size_t old;

	if (v == NULL)
		return required ? fail_missing(w, key) : 0;
	old = path_push_key(w, key);
	if (check_int(w, v, min, max, out) < 0)
		return -1;
	path_pop(w, old);
	if (has != NULL)
		*has = true;
	return 0;
}

static int get_u64(struct walk *w, yajl_val obj, const char *key, bool required, bool *has,
		   uint64_t *out)
{
	return get_uint(w, obj, key, required, UINT64_MAX, has, out);
}

static int get_u32(struct walk *w, yajl_val obj, const char *key, bool required, bool *has,
		   uint32_t *out)
{
	uint64_t v = *out;

	if (get_uint(w, obj, key, required, UINT32_MAX, has, &v) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int get_u16(struct walk *w, yajl_val obj, const char *key, bool *has, uint16_t *out)
{
	uint64_t v = *out;

	if (get_uint(w, obj, key, false, UINT16_MAX, has, &v) < 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int get_i64(struct walk *w, yajl_val obj, const char *key, bool required, bool *has,
		   int64_t *out)
{
	return get_int(w, obj, key, required, INT64_MIN, INT64_MAX, has, out);
}

static int get_i32(struct walk *w, yajl_val obj, const char *key, bool *has, int32_t *out)
{
	int64_t v = *out;

	if (get_int(w, obj, key, false, INT32_MIN, INT32_MAX, has, &v) < 0)
		return -1;
	*out = (int32_t)v;
	return 0;
}

static int get_opt_i64(struct walk *w, yajl_val obj, const char *key, struct ou_opt_i64 *out)
{
	return get_i64(w, obj, key, false, &out->set, &out->v);
}

static int get_opt_u64(struct walk *w, yajl_val obj, const char *key, struct ou_opt_u64 *out)
{
	return get_u64(w, obj, key, false, &out->set, &out->v);
}

static int get_bool(struct walk *w, yajl_val obj, const char *key, bool *has, bool *out)
{
	yajl_val v = lookup(obj, key);

	if (v == NULL)
		return 0;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) {
		path_push_key(w, key);
		return fail_at(w, "must be a boolean");
	}
	*out = YAJL_IS_TRUE(v);
	if (has != NULL)
		*has = true;
	return 0;
}

static int get_string(struct walk *w, yajl_val obj, const char *key, bool required, char **out)
{
	yajl_val v = lookup(obj, key);

	if (v == NULL)
		return required ? fail_missing(w, key) : 0;
	if (!YAJL_IS_STRING(v)) {
		path_push_key(w, key);
		return fail_at(w, "must be a string");
	}
	free(*out);
	*out = ou_xstrdup(v->u.string);
	return 0;
}

static bool is_strv(yajl_val v)
{
	if (!YAJL_IS_ARRAY(v))
		return false;
	for (size_t i = 0; i < v->u.array.len; i++)
		if (!YAJL_IS_STRING(v->u.array.values[i]))
			return false;
	return true;
}

static int get_strv(struct walk *w, yajl_val obj, const char *key, struct ou_strv *out)
{
	yajl_val v = lookup(obj, key);
	size_t n;

	if (v == NULL)
		return 0;
	if (!is_strv(v)) {
		path_push_key(w, key);
		return fail_at(w, "must be an array of strings");
	}
	n = v->u.array.len;
	out->v = ou_xcalloc(n + 1, sizeof(char *));
	out->len = n;
	for (size_t i = 0; i < n; i++)
		out->v[i] = ou_xstrdup(v->u.array.values[i]->u.string);
	return 0;
}

/* *out is the array at key, or NULL if absent. */
static int get_array(struct walk *w, yajl_val obj, const char *key, yajl_val *out)
{
	yajl_val v = lookup(obj, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!YAJL_IS_ARRAY(v)) {
		path_push_key(w, key);
		return fail_at(w, "must be an array");
	}
	*out = v;
	return 0;
}

/* Parse the object at key, if present, into *p with fn. */
static int get_object(struct walk *w, yajl_val obj, const char *key,
		      int (*fn)(struct walk *, yajl_val, void *), void *p)
{
	yajl_val v = lookup(obj, key);
	size_t old;

	if (v == NULL)
		return 0;
	old = path_push_key(w, key);
	if (!YAJL_IS_OBJECT(v))
		return fail_at(w, "must be an object");
	if (fn(w, v, p) < 0)
		return -1;
	path_pop(w, old);
	return 0;
}

/* Like get_object, into a new zeroed struct of size bytes stored in *out. */
static int get_new_object(struct walk *w, yajl_val obj, const char *key,
			  int (*fn)(struct walk *, yajl_val, void *), size_t size, void **out)
{
	if (lookup(obj, key) == NULL)
		return 0;
	*out = ou_xcalloc(1, size);
	return get_object(w, obj, key, fn, *out);
}

/*
 * Parse the array of objects at key into a new array of *n items of size
 * bytes.  On failure the items parsed so far stay in *items for the free
 * functions, the others are zeroed.
 */
static int get_object_array(struct walk *w, yajl_val obj, const char *key, size_t size,
			    int (*fn)(struct walk *, yajl_val, void *), void **items, size_t *n)
{
	yajl_val arr;
	size_t old;
	char *buf;

	if (get_array(w, obj, key, &arr) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	old = path_push_key(w, key);
	buf = ou_xcalloc(arr->u.array.len, size);
	*items = buf;
	*n = arr->u.array.len;
	for (size_t i = 0; i < arr->u.array.len; i++) {
		size_t o2 = path_push_index(w, i);

		if (!YAJL_IS_OBJECT(arr->u.array.values[i]))
			return fail_at(w, "must be an object");
		if (fn(w, arr->u.array.values[i], buf + i * size) < 0)
			return -1;
		path_pop(w, o2);
	}
	path_pop(w, old);
	return 0;
}

/*
 * An object whose members are objects (timeOffsets, resources.rdma): an
 * item of size bytes per member, filled by fn from its name and value.
 */
static int get_object_map(struct walk *w, yajl_val obj, const char *key, size_t size,
			  int (*fn)(struct walk *, const char *, yajl_val, void *), void **items,
			  size_t *n)
{
	yajl_val map = lookup(obj, key);
	size_t old;
	char *buf;

	if (map == NULL)
		return 0;
	old = path_push_key(w, key);
	if (!YAJL_IS_OBJECT(map))
		return fail_at(w, "must be an object");
	buf = ou_xcalloc(map->u.object.len, size);
	*items = buf;
	*n = map->u.object.len;
	for (size_t i = 0; i < map->u.object.len; i++) {
		size_t o2 = path_push_key(w, map->u.object.keys[i]);

		if (!YAJL_IS_OBJECT(map->u.object.values[i]))
			return fail_at(w, "must be an object");
		if (fn(w, map->u.object.keys[i], map->u.object.values[i], buf + i * size) < 0)
			return -1;
		path_pop(w, o2);
	}
	path_pop(w, old);
	return 0;
}

struct key_pos {
	const char *key;
	size_t pos;
};

static int compare_key_pos(const void *a, const void *b)
{
	const struct key_pos *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* keep[i] is false if key i of obj appears again later (the later one wins). */
static bool *find_last_keys(yajl_val obj)
{
	size_t n = obj->u.object.len;
	ou_autofree struct key_pos *kp = ou_xcalloc(n, sizeof(*kp));
	bool *keep = ou_xcalloc(n, sizeof(*keep));

	for (size_t i = 0; i < n; i++) {
		kp[i].key = obj->u.object.keys[i];
		kp[i].pos = i;
	}
	qsort(kp, n, sizeof(*kp), compare_key_pos);
	for (size_t i = 0; i < n; i++)
		keep[kp[i].pos] = i + 1 == n || strcmp(kp[i].key, kp[i + 1].key) != 0;
	return keep;
}

/*
 * A string-to-string object (annotations, sysctl, unified).  A repeated
 * key keeps its last value, at the position of the last occurrence.
 */
static int get_map(struct walk *w, yajl_val obj, const char *key, struct ou_kv_list *out)
{
	yajl_val v = lookup(obj, key);
	ou_autofree bool *keep = NULL;
	size_t old;

	if (v == NULL)
		return 0;
	old = path_push_key(w, key);
	if (!YAJL_IS_OBJECT(v))
		return fail_at(w, "must be an object");
	keep = find_last_keys(v);
	out->items = ou_xcalloc(v->u.object.len, sizeof(*out->items));
	for (size_t i = 0; i < v->u.object.len; i++) {
		yajl_val val = v->u.object.values[i];

		if (!YAJL_IS_STRING(val)) {
			path_push_key(w, v->u.object.keys[i]);
			return fail_at(w, "must be a string");
		}
		if (!keep[i])
			continue;
		out->items[out->len].key = ou_xstrdup(v->u.object.keys[i]);
		out->items[out->len].value = ou_xstrdup(val->u.string);
		out->len++;
	}
	path_pop(w, old);
	return 0;
}

/* True if the document nests arrays and objects deeper than max. */
static bool is_too_deep(const char *s, size_t len, unsigned int max)
{
	unsigned int depth = 0;
	bool in_string = false, escaped = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				return true;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return false;
}

/*
 * Parse a JSON document with yajl_tree.  yajl rejects invalid UTF-8 in
 * strings; yajl_tree_parse() also accepts comments, which we leave as is.
 * Its error text spans several lines (the input and an arrow): only the
 * first line is kept.
 */
static int parse_tree(const char *json, size_t len, yajl_val *out, struct ou_error **err)
{
	ou_autofree char *copy = NULL;
	char errbuf[256] = "";

	if (memchr(json, '\0', len) != NULL)
		return ou_error_set(err, OU_E_INVALID, 0, "parse error: NUL byte in document");
	if (is_too_deep(json, len, JSON_MAX_DEPTH))
		return ou_error_set(err, OU_E_INVALID, 0,
				    "parse error: nested deeper than %d levels", JSON_MAX_DEPTH);
	copy = ou_xstrndup(json, len);
	*out = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	if (*out == NULL) {
		errbuf[strcspn(errbuf, "\n")] = '\0';
		while (errbuf[0] != '\0' && errbuf[strlen(errbuf) - 1] == ' ')
			errbuf[strlen(errbuf) - 1] = '\0';
		return ou_error_set(err, OU_E_INVALID, 0, "%s",
				    errbuf[0] != '\0' ? errbuf : "parse error");
	}
	return 0;
}

/* Root */

static int parse_root(struct walk *w, yajl_val v, void *p)
{
	struct ou_root *root = p;

	if (get_string(w, v, "path", true, &root->path) < 0)
		return -1;
	return get_bool(w, v, "readonly", NULL, &root->readonly);
}

/* Mounts and ID mappings */

static int parse_idmap(struct walk *w, yajl_val v, void *p)
{
	struct ou_id_mapping *m = p;

	if (get_u32(w, v, "containerID", true, NULL, &m->container_id) < 0 ||
	    get_u32(w, v, "hostID", true, NULL, &m->host_id) < 0 ||
	    get_u32(w, v, "size", true, NULL, &m->size) < 0)
		return -1;
	return 0;
}

static int parse_idmaps(struct walk *w, yajl_val v, const char *key, struct ou_id_mappings *out)
{
	return get_object_array(w, v, key, sizeof(*out->items), parse_idmap, (void **)&out->items,
				&out->len);
}

static int parse_mount(struct walk *w, yajl_val v, void *p)
{
	struct ou_mount *m = p;

	if (get_string(w, v, "destination", true, &m->destination) < 0 ||
	    get_string(w, v, "source", false, &m->source) < 0 ||
	    get_string(w, v, "type", false, &m->type) < 0 ||
	    get_strv(w, v, "options", &m->options) < 0 ||
	    parse_idmaps(w, v, "uidMappings", &m->uid_mappings) < 0 ||
	    parse_idmaps(w, v, "gidMappings", &m->gid_mappings) < 0)
		return -1;
	return 0;
}

/* Process */

static int parse_console_size(struct walk *w, yajl_val v, void *p)
{
	struct ou_process *proc = p;

	proc->has_console_size = true;
	if (get_u32(w, v, "height", true, NULL, &proc->console_height) < 0 ||
	    get_u32(w, v, "width", true, NULL, &proc->console_width) < 0)
		return -1;
	return 0;
}

static int parse_gids(struct walk *w, yajl_val v, struct ou_user *user)
{
	yajl_val arr = NULL;
	size_t old;

	if (get_array(w, v, "additionalGids", &arr) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	old = path_push_key(w, "additionalGids");
	user->additional_gids = ou_xcalloc(arr->u.array.len, sizeof(uint32_t));
	user->n_additional_gids = arr->u.array.len;
	for (size_t i = 0; i < arr->u.array.len; i++) {
		size_t o2 = path_push_index(w, i);
		uint64_t g;

		if (check_uint(w, arr->u.array.values[i], UINT32_MAX, &g) < 0)
			return -1;
		user->additional_gids[i] = (uint32_t)g;
		path_pop(w, o2);
	}
	path_pop(w, old);
	return 0;
}

static int parse_user(struct walk *w, yajl_val v, void *p)
{
	struct ou_user *user = p;

	if (get_u32(w, v, "uid", true, NULL, &user->uid) < 0 ||
	    get_u32(w, v, "gid", true, NULL, &user->gid) < 0 ||
	    get_u32(w, v, "umask", false, &user->has_umask, &user->umask) < 0 ||
	    parse_gids(w, v, user) < 0 || get_string(w, v, "username", false, &user->username) < 0)
		return -1;
	return 0;
}

static int parse_caps(struct walk *w, yajl_val v, void *p)
{
	struct ou_capabilities *c = p;

	if (get_strv(w, v, "bounding", &c->bounding) < 0 ||
	    get_strv(w, v, "effective", &c->effective) < 0 ||
	    get_strv(w, v, "inheritable", &c->inheritable) < 0 ||
	    get_strv(w, v, "permitted", &c->permitted) < 0 ||
	    get_strv(w, v, "ambient", &c->ambient) < 0)
		return -1;
	return 0;
}

static int parse_rlimit(struct walk *w, yajl_val v, void *p)
{
	struct ou_rlimit *r = p;

	if (get_string(w, v, "type", true, &r->type) < 0 ||
	    get_u64(w, v, "soft", true, NULL, &r->soft) < 0 ||
	    get_u64(w, v, "hard", true, NULL, &r->hard) < 0)
		return -1;
	return 0;
}

static int parse_scheduler(struct walk *w, yajl_val v, void *p)
{
	struct ou_scheduler *s = p;

	if (get_string(w, v, "policy", true, &s->policy) < 0 ||
	    get_i32(w, v, "nice", NULL, &s->nice) < 0 ||
	    get_i32(w, v, "priority", NULL, &s->priority) < 0 ||
	    get_strv(w, v, "flags", &s->flags) < 0 ||
	    get_u64(w, v, "runtime", false, NULL, &s->runtime) < 0 ||
	    get_u64(w, v, "deadline", false, NULL, &s->deadline) < 0 ||
	    get_u64(w, v, "period", false, NULL, &s->period) < 0)
		return -1;
	return 0;
}

static int parse_io_priority(struct walk *w, yajl_val v, void *p)
{
	struct ou_io_priority *io = p;

	if (get_string(w, v, "class", true, &io->class_) < 0 ||
	    get_i32(w, v, "priority", NULL, &io->priority) < 0)
		return -1;
	return 0;
}

static int parse_cpu_affinity(struct walk *w, yajl_val v, void *p)
{
	struct ou_exec_cpu_affinity *a = p;

	if (get_string(w, v, "initial", false, &a->initial) < 0 ||
	    get_string(w, v, "final", false, &a->final) < 0)
		return -1;
	return 0;
}

static int parse_args(struct walk *w, yajl_val v, struct ou_strv *out)
{
	yajl_val a = lookup(v, "args");

	if (a != NULL && !is_strv(a)) {
		path_push_key(w, "args");
		return fail_at(w, "must be a non-empty array of strings");
	}
	return get_strv(w, v, "args", out);
}

/* A process without "user" runs as uid 0, gid 0, as it does with runc. */
static int parse_process_objects(struct walk *w, yajl_val v, struct ou_process *proc)
{
	if (get_object(w, v, "consoleSize", parse_console_size, proc) < 0 ||
	    get_object(w, v, "user", parse_user, &proc->user) < 0)
		return -1;
	if (get_new_object(w, v, "capabilities", parse_caps, sizeof(*proc->capabilities),
			   (void **)&proc->capabilities) < 0 ||
	    get_new_object(w, v, "scheduler", parse_scheduler, sizeof(*proc->scheduler),
			   (void **)&proc->scheduler) < 0 ||
	    get_new_object(w, v, "ioPriority", parse_io_priority, sizeof(*proc->io_priority),
			   (void **)&proc->io_priority) < 0 ||
	    get_new_object(w, v, "execCPUAffinity", parse_cpu_affinity,
			   sizeof(*proc->exec_cpu_affinity), (void **)&proc->exec_cpu_affinity) < 0)
		return -1;
	return get_object_array(w, v, "rlimits", sizeof(*proc->rlimits), parse_rlimit,
				(void **)&proc->rlimits, &proc->n_rlimits);
}

static int parse_process(struct walk *w, yajl_val v, void *p)
{
	struct ou_process *proc = p;
	int32_t oom = 0;

	if (get_bool(w, v, "terminal", NULL, &proc->terminal) < 0 ||
	    parse_args(w, v, &proc->args) < 0 ||
	    get_string(w, v, "commandLine", false, &proc->command_line) < 0 ||
	    get_strv(w, v, "env", &proc->env) < 0 ||
	    get_string(w, v, "cwd", true, &proc->cwd) < 0 ||
	    get_bool(w, v, "noNewPrivileges", NULL, &proc->no_new_privileges) < 0 ||
	    get_string(w, v, "apparmorProfile", false, &proc->apparmor_profile) < 0 ||
	    get_i32(w, v, "oomScoreAdj", &proc->has_oom_score_adj, &oom) < 0 ||
	    get_string(w, v, "selinuxLabel", false, &proc->selinux_label) < 0)
		return -1;
	proc->oom_score_adj = oom;
	return parse_process_objects(w, v, proc);
}

/* Hooks */

static int parse_hook(struct walk *w, yajl_val v, void *p)
{
	struct ou_hook *h = p;
	int64_t timeout = 0;

	if (get_string(w, v, "path", true, &h->path) < 0 || get_strv(w, v, "args", &h->args) < 0 ||
	    get_strv(w, v, "env", &h->env) < 0 ||
	    get_int(w, v, "timeout", false, 1, INT32_MAX, &h->has_timeout, &timeout) < 0)
		return -1;
	h->timeout = (int)timeout;
	return 0;
}

static int parse_hook_list(struct walk *w, yajl_val v, const char *key, struct ou_hook_list *l)
{
	return get_object_array(w, v, key, sizeof(*l->items), parse_hook, (void **)&l->items,
				&l->len);
}

static int parse_hooks(struct walk *w, yajl_val v, void *p)
{
	struct ou_hooks *h = p;

	if (parse_hook_list(w, v, "prestart", &h->prestart) < 0 ||
	    parse_hook_list(w, v, "createRuntime", &h->create_runtime) < 0 ||
	    parse_hook_list(w, v, "createContainer", &h->create_container) < 0 ||
	    parse_hook_list(w, v, "startContainer", &h->start_container) < 0 ||
	    parse_hook_list(w, v, "poststart", &h->poststart) < 0 ||
	    parse_hook_list(w, v, "poststop", &h->poststop) < 0)
		return -1;
	return 0;
}

/* Linux: namespaces, devices, time offsets */

static int parse_namespace(struct walk *w, yajl_val v, void *p)
{
	struct ou_namespace *ns = p;
	ou_autofree char *type = NULL;
	int t;

	if (get_string(w, v, "type", true, &type) < 0 ||
	    get_string(w, v, "path", false, &ns->path) < 0)
		return -1;
	t = ou_ns_type_from_name(type);
	if (t < 0) {
		path_push_key(w, "type");
		return fail_at(w, "unknown namespace type '%s'", type);
	}
	ns->type = (enum ou_ns_type)t;
	return 0;
}

static int parse_device(struct walk *w, yajl_val v, void *p)
{
	struct ou_device *d = p;
	ou_autofree char *type = NULL;
	int64_t mode = 0;

	if (get_string(w, v, "path", true, &d->path) < 0 ||
	    get_string(w, v, "type", true, &type) < 0 ||
	    get_i64(w, v, "major", false, NULL, &d->major) < 0 ||
	    get_i64(w, v, "minor", false, NULL, &d->minor) < 0 ||
	    get_int(w, v, "fileMode", false, 0, 0777, &d->has_file_mode, &mode) < 0 ||
	    get_u32(w, v, "uid", false, &d->has_uid, &d->uid) < 0 ||
	    get_u32(w, v, "gid", false, &d->has_gid, &d->gid) < 0)
		return -1;
	/* A type that is not one character is kept as '\0': validate rejects it. */
	d->type = strlen(type) == 1 ? type[0] : '\0';
	d->file_mode = (uint32_t)mode;
	return 0;
}

static int parse_time_offset(struct walk *w, const char *clock, yajl_val v, void *p)
{
	struct ou_time_offset *t = p;

	t->clock = ou_xstrdup(clock);
	if (get_i64(w, v, "secs", false, NULL, &t->secs) < 0 ||
	    get_u32(w, v, "nanosecs", false, NULL, &t->nanosecs) < 0)
		return -1;
	return 0;
}

/* Linux: resources */

static int parse_device_cgroup(struct walk *w, yajl_val v, void *p)
{
	struct ou_device_cgroup *d = p;

	if (lookup(v, "allow") == NULL)
		return fail_missing(w, "allow");
	if (get_bool(w, v, "allow", NULL, &d->allow) < 0 ||
	    get_string(w, v, "type", false, &d->type) < 0 ||
	    get_i64(w, v, "major", false, &d->has_major, &d->major) < 0 ||
	    get_i64(w, v, "minor", false, &d->has_minor, &d->minor) < 0 ||
	    get_string(w, v, "access", false, &d->access) < 0)
		return -1;
	return 0;
}

static int parse_memory(struct walk *w, yajl_val v, void *p)
{
	struct ou_memory *m = p;

	if (get_opt_i64(w, v, "limit", &m->limit) < 0 ||
	    get_opt_i64(w, v, "reservation", &m->reservation) < 0 ||
	    get_opt_i64(w, v, "swap", &m->swap) < 0 ||
	    get_opt_i64(w, v, "kernel", &m->kernel) < 0 ||
	    get_opt_i64(w, v, "kernelTCP", &m->kernel_tcp) < 0 ||
	    get_opt_u64(w, v, "swappiness", &m->swappiness) < 0 ||
	    get_bool(w, v, "disableOOMKiller", &m->has_disable_oom_killer, &m->disable_oom_killer) <
		    0 ||
	    get_bool(w, v, "useHierarchy", &m->has_use_hierarchy, &m->use_hierarchy) < 0 ||
	    get_bool(w, v, "checkBeforeUpdate", &m->has_check_before_update,
		     &m->check_before_update) < 0)
		return -1;
	return 0;
}

static int parse_cpu(struct walk *w, yajl_val v, void *p)
{
	struct ou_cpu *c = p;

	if (get_opt_u64(w, v, "shares", &c->shares) < 0 ||
	    get_opt_i64(w, v, "quota", &c->quota) < 0 ||
	    get_opt_u64(w, v, "burst", &c->burst) < 0 ||
	    get_opt_u64(w, v, "period", &c->period) < 0 ||
	    get_opt_i64(w, v, "realtimeRuntime", &c->realtime_runtime) < 0 ||
	    get_opt_u64(w, v, "realtimePeriod", &c->realtime_period) < 0 ||
	    get_string(w, v, "cpus", false, &c->cpus) < 0 ||
	    get_string(w, v, "mems", false, &c->mems) < 0 ||
	    get_opt_i64(w, v, "idle", &c->idle) < 0)
		return -1;
	return 0;
}

static int parse_pids(struct walk *w, yajl_val v, void *p)
{
	struct ou_resources *r = p;

	return get_i64(w, v, "limit", true, &r->has_pids_limit, &r->pids_limit);
}

static int parse_weight_device(struct walk *w, yajl_val v, void *p)
{
	struct ou_weight_device *d = p;

	if (get_i64(w, v, "major", true, NULL, &d->major) < 0 ||
	    get_i64(w, v, "minor", true, NULL, &d->minor) < 0 ||
	    get_u16(w, v, "weight", &d->has_weight, &d->weight) < 0 ||
	    get_u16(w, v, "leafWeight", &d->has_leaf_weight, &d->leaf_weight) < 0)
		return -1;
	return 0;
}

static int parse_throttle(struct walk *w, yajl_val v, void *p)
{
	struct ou_throttle_device *d = p;

	if (get_i64(w, v, "major", true, NULL, &d->major) < 0 ||
	    get_i64(w, v, "minor", true, NULL, &d->minor) < 0 ||
	    get_u64(w, v, "rate", false, NULL, &d->rate) < 0)
		return -1;
	return 0;
}

static int parse_throttle_list(struct walk *w, yajl_val v, const char *key,
			       struct ou_throttle_list *l)
{
	return get_object_array(w, v, key, sizeof(*l->items), parse_throttle, (void **)&l->items,
				&l->len);
}

static int parse_block_io(struct walk *w, yajl_val v, void *p)
{
	struct ou_block_io *b = p;

	if (get_u16(w, v, "weight", &b->has_weight, &b->weight) < 0 ||
	    get_u16(w, v, "leafWeight", &b->has_leaf_weight, &b->leaf_weight) < 0 ||
	    get_object_array(w, v, "weightDevice", sizeof(*b->weight_device), parse_weight_device,
			     (void **)&b->weight_device, &b->n_weight_device) < 0 ||
	    parse_throttle_list(w, v, "throttleReadBpsDevice", &b->throttle_read_bps_device) < 0 ||
	    parse_throttle_list(w, v, "throttleWriteBpsDevice", &b->throttle_write_bps_device) <
		    0 ||
	    parse_throttle_list(w, v, "throttleReadIOPSDevice", &b->throttle_read_iops_device) <
		    0 ||
	    parse_throttle_list(w, v, "throttleWriteIOPSDevice", &b->throttle_write_iops_device) <
		    0)
		return -1;
	return 0;
}

static int parse_hugepage(struct walk *w, yajl_val v, void *p)
{
	struct ou_hugepage_limit *h = p;

	if (get_string(w, v, "pageSize", true, &h->page_size) < 0 ||
	    get_u64(w, v, "limit", true, NULL, &h->limit) < 0)
		return -1;
	return 0;
}

static int parse_net_priority(struct walk *w, yajl_val v, void *p)
{
	struct ou_net_priority *n = p;

	if (get_string(w, v, "name", true, &n->name) < 0 ||
	    get_u32(w, v, "priority", true, NULL, &n->priority) < 0)
		return -1;
	return 0;
}

static int parse_network(struct walk *w, yajl_val v, void *p)
{
	struct ou_network *n = p;

	if (get_u32(w, v, "classID", false, &n->has_class_id, &n->class_id) < 0)
		return -1;
	return get_object_array(w, v, "priorities", sizeof(*n->priorities), parse_net_priority,
				(void **)&n->priorities, &n->n_priorities);
}

/* resources.rdma maps a device name to its limits. */
static int parse_rdma(struct walk *w, const char *device, yajl_val v, void *p)
{
	struct ou_rdma_limit *l = p;

	l->device = ou_xstrdup(device);
	if (get_u32(w, v, "hcaHandles", false, &l->has_hca_handles, &l->hca_handles) < 0 ||
	    get_u32(w, v, "hcaObjects", false, &l->has_hca_objects, &l->hca_objects) < 0)
		return -1;
	return 0;
}

static int parse_resources(struct walk *w, yajl_val v, void *p)
{
	struct ou_resources *r = p;

	if (get_object_array(w, v, "devices", sizeof(*r->devices), parse_device_cgroup,
			     (void **)&r->devices, &r->n_devices) < 0 ||
	    get_new_object(w, v, "memory", parse_memory, sizeof(*r->memory), (void **)&r->memory) <
		    0 ||
	    get_new_object(w, v, "cpu", parse_cpu, sizeof(*r->cpu), (void **)&r->cpu) < 0 ||
	    get_object(w, v, "pids", parse_pids, r) < 0 ||
	    get_new_object(w, v, "blockIO", parse_block_io, sizeof(*r->block_io),
			   (void **)&r->block_io) < 0 ||
	    get_object_array(w, v, "hugepageLimits", sizeof(*r->hugepage_limits), parse_hugepage,
			     (void **)&r->hugepage_limits, &r->n_hugepage_limits) < 0 ||
	    get_new_object(w, v, "network", parse_network, sizeof(*r->network),
			   (void **)&r->network) < 0 ||
	    get_object_map(w, v, "rdma", sizeof(*r->rdma), parse_rdma, (void **)&r->rdma,
			   &r->n_rdma) < 0 ||
	    get_map(w, v, "unified", &r->unified) < 0)
		return -1;
	return 0;
}

/* Linux: seccomp */

static int parse_seccomp_arg(struct walk *w, yajl_val v, void *p)
{
	struct ou_seccomp_arg *a = p;

	if (get_u32(w, v, "index", true, NULL, &a->index) < 0 ||
	    get_u64(w, v, "value", true, NULL, &a->value) < 0 ||
	    get_u64(w, v, "valueTwo", false, NULL, &a->value_two) < 0 ||
	    get_string(w, v, "op", true, &a->op) < 0)
		return -1;
	return 0;
}

static int parse_syscall(struct walk *w, yajl_val v, void *p)
{
	struct ou_seccomp_syscall *s = p;

	if (lookup(v, "names") == NULL)
		return fail_missing(w, "names");
	if (get_strv(w, v, "names", &s->names) < 0 ||
	    get_string(w, v, "action", true, &s->action) < 0 ||
	    get_u32(w, v, "errnoRet", false, &s->has_errno_ret, &s->errno_ret) < 0)
		return -1;
	return get_object_array(w, v, "args", sizeof(*s->args), parse_seccomp_arg,
				(void **)&s->args, &s->n_args);
}

static int parse_seccomp(struct walk *w, yajl_val v, void *p)
{
	struct ou_seccomp *s = p;

	if (get_string(w, v, "defaultAction", true, &s->default_action) < 0 ||
	    get_u32(w, v, "defaultErrnoRet", false, &s->has_default_errno_ret,
		    &s->default_errno_ret) < 0 ||
	    get_strv(w, v, "architectures", &s->architectures) < 0 ||
	    get_strv(w, v, "flags", &s->flags) < 0 ||
	    get_string(w, v, "listenerPath", false, &s->listener_path) < 0 ||
	    get_string(w, v, "listenerMetadata", false, &s->listener_metadata) < 0)
		return -1;
	return get_object_array(w, v, "syscalls", sizeof(*s->syscalls), parse_syscall,
				(void **)&s->syscalls, &s->n_syscalls);
}

/* Linux: personality, intelRdt and the fields ociunion only type-checks */

static int parse_personality(struct walk *w, yajl_val v, void *p)
{
	struct ou_personality *pers = p;

	if (get_string(w, v, "domain", false, &pers->domain) < 0 ||
	    get_strv(w, v, "flags", &pers->flags) < 0)
		return -1;
	return 0;
}

static int parse_intel_rdt(struct walk *w, yajl_val v, void *p)
{
	struct ou_intel_rdt *rdt = p;
	struct ou_strv schemata = { 0 };
	bool monitoring = false;
	int ret;

	/* schemata and enableMonitoring are type-checked, not kept. */
	ret = 0;
	if (get_string(w, v, "closID", false, &rdt->clos_id) < 0 ||
	    get_string(w, v, "l3CacheSchema", false, &rdt->l3_cache_schema) < 0 ||
	    get_string(w, v, "memBwSchema", false, &rdt->mem_bw_schema) < 0 ||
	    get_strv(w, v, "schemata", &schemata) < 0 ||
	    get_bool(w, v, "enableMonitoring", NULL, &monitoring) < 0)
		ret = -1;
	ou_strv_release(&schemata);
	return ret;
}

static int parse_net_device(struct walk *w, yajl_val v, void *p)
{
	ou_autofree char *name = NULL;

	(void)p;
	return get_string(w, v, "name", false, &name);
}

/*
 * linux.netDevices is only type-checked and flagged: ociunion does not move
 * network devices, and validate reports it as unsupported.
 */
static int parse_net_devices(struct walk *w, yajl_val v, struct ou_linux *lx)
{
	yajl_val obj = lookup(v, "netDevices");
	size_t old;

	if (obj == NULL)
		return 0;
	lx->has_net_devices = true;
	old = path_push_key(w, "netDevices");
	if (!YAJL_IS_OBJECT(obj))
		return fail_at(w, "must be an object");
	for (size_t i = 0; i < obj->u.object.len; i++) {
		if (get_object(w, obj, obj->u.object.keys[i], parse_net_device, NULL) < 0)
			return -1;
	}
	path_pop(w, old);
	return 0;
}

/* linux.memoryPolicy: type-checked and flagged, see parse_net_devices. */
static int parse_memory_policy(struct walk *w, yajl_val v, void *p)
{
	ou_autofree char *mode = NULL;
	ou_autofree char *nodes = NULL;
	struct ou_strv flags = { 0 };
	int ret;

	(void)p;
	ret = 0;
	if (get_string(w, v, "mode", false, &mode) < 0 ||
	    get_string(w, v, "nodes", false, &nodes) < 0 || get_strv(w, v, "flags", &flags) < 0)
		ret = -1;
	ou_strv_release(&flags);
	return ret;
}

static int parse_linux_objects(struct walk *w, yajl_val v, struct ou_linux *lx)
{
	if (get_new_object(w, v, "resources", parse_resources, sizeof(*lx->resources),
			   (void **)&lx->resources) < 0 ||
	    get_new_object(w, v, "seccomp", parse_seccomp, sizeof(*lx->seccomp),
			   (void **)&lx->seccomp) < 0 ||
	    get_new_object(w, v, "personality", parse_personality, sizeof(*lx->personality),
			   (void **)&lx->personality) < 0 ||
	    get_new_object(w, v, "intelRdt", parse_intel_rdt, sizeof(*lx->intel_rdt),
			   (void **)&lx->intel_rdt) < 0 ||
	    parse_net_devices(w, v, lx) < 0)
		return -1;
	lx->has_memory_policy = lookup(v, "memoryPolicy") != NULL;
	return get_object(w, v, "memoryPolicy", parse_memory_policy, NULL);
}

static int parse_linux(struct walk *w, yajl_val v, void *p)
{
	struct ou_linux *lx = p;

	if (get_object_array(w, v, "namespaces", sizeof(*lx->namespaces), parse_namespace,
			     (void **)&lx->namespaces, &lx->n_namespaces) < 0 ||
	    parse_idmaps(w, v, "uidMappings", &lx->uid_mappings) < 0 ||
	    parse_idmaps(w, v, "gidMappings", &lx->gid_mappings) < 0 ||
	    get_object_map(w, v, "timeOffsets", sizeof(*lx->time_offsets), parse_time_offset,
			   (void **)&lx->time_offsets, &lx->n_time_offsets) < 0 ||
	    get_object_array(w, v, "devices", sizeof(*lx->devices), parse_device,
			     (void **)&lx->devices, &lx->n_devices) < 0 ||
	    get_string(w, v, "cgroupsPath", false, &lx->cgroups_path) < 0 ||
	    get_map(w, v, "sysctl", &lx->sysctl) < 0 ||
	    get_string(w, v, "rootfsPropagation", false, &lx->rootfs_propagation) < 0 ||
	    get_strv(w, v, "maskedPaths", &lx->masked_paths) < 0 ||
	    get_strv(w, v, "readonlyPaths", &lx->readonly_paths) < 0 ||
	    get_string(w, v, "mountLabel", false, &lx->mount_label) < 0)
		return -1;
	return parse_linux_objects(w, v, lx);
}

/* ociVersion: SemVer, major 1, minor 0 to 3, any pre-release or build. */
static bool is_supported_version(const char *s)
{
	unsigned long part[3];
	const char *p = s;

	for (int i = 0; i < 3; i++) {
		char *end;

		if (*p < '0' || *p > '9')
			return false;
		part[i] = strtoul(p, &end, 10);
		if (i < 2 && *end != '.')
			return false;
		p = end + (i < 2);
	}
	if (*p != '\0' && *p != '-' && *p != '+')
		return false;
	return part[0] == 1 && part[1] <= 3;
}

static int parse_oci_version(struct walk *w, yajl_val v, struct ou_spec *spec)
{
	if (get_string(w, v, "ociVersion", true, &spec->oci_version) < 0)
		return -1;
	if (!is_supported_version(spec->oci_version)) {
		path_push_key(w, "ociVersion");
		return fail_at(w, "'%s' is not supported (1.0.0 to 1.3.x)", spec->oci_version);
	}
	return 0;
}

static int parse_spec(struct walk *w, yajl_val v, struct ou_spec *spec)
{
	if (!YAJL_IS_OBJECT(v))
		return ou_error_set(w->err, OU_E_INVALID, 0, "must be a JSON object");
	if (parse_oci_version(w, v, spec) < 0 ||
	    get_new_object(w, v, "root", parse_root, sizeof(*spec->root), (void **)&spec->root) <
		    0 ||
	    get_object_array(w, v, "mounts", sizeof(*spec->mounts), parse_mount,
			     (void **)&spec->mounts, &spec->n_mounts) < 0 ||
	    get_new_object(w, v, "process", parse_process, sizeof(*spec->process),
			   (void **)&spec->process) < 0 ||
	    get_string(w, v, "hostname", false, &spec->hostname) < 0 ||
	    get_string(w, v, "domainname", false, &spec->domainname) < 0 ||
	    get_new_object(w, v, "hooks", parse_hooks, sizeof(*spec->hooks),
			   (void **)&spec->hooks) < 0 ||
	    get_map(w, v, "annotations", &spec->annotations) < 0)
		return -1;
	/*
	 * Keys of other platforms ("windows", "solaris", "vm", "zos",
	 * "freebsd") are ignored like any unknown key (config.md,
	 * Extensibility): ociunion runs Linux containers only.
	 */
	return get_new_object(w, v, "linux", parse_linux, sizeof(*spec->linux_),
			      (void **)&spec->linux_);
}

int ou_config_parse(const char *json, size_t len, struct ou_spec **out, struct ou_error **err)
{
	struct walk w = { .err = err };
	struct ou_spec *spec;
	yajl_val tree;

	if (parse_tree(json, len, &tree, err) < 0)
		return -1;
	spec = ou_xcalloc(1, sizeof(*spec));
	if (parse_spec(&w, tree, spec) < 0) {
		yajl_tree_free(tree);
		ou_spec_free(spec);
		return -1;
	}
	yajl_tree_free(tree);
	*out = spec;
	return 0;
}

/* Read at most max bytes of path; a larger file is refused. */
static int read_limited(const char *path, size_t max, char **out, size_t *len,
			struct ou_error **err)
{
	ou_autoclose int fd = -1;
	ou_autofree char *buf = NULL;
	size_t used = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ou_error_set(
			err, errno == ENOENT || errno == ENOTDIR ? OU_E_NOT_FOUND : OU_E_SYSTEM,
			errno, "open '%s'", path);
	buf = ou_xmalloc(max + 2);
	while (used <= max) {
		ssize_t n = read(fd, buf + used, max + 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ou_error_set(err, OU_E_SYSTEM, errno, "read '%s'", path);
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max)
		return ou_error_set(err, OU_E_INVALID, 0, "'%s' is larger than %zu bytes", path,
				    max);
	buf[used] = '\0';
	*len = used;
	*out = ou_steal_ptr(&buf);
	return 0;
}

int ou_config_read(const char *bundle, char **data, size_t *len, struct ou_error **err)
{
	ou_autofree char *path = ou_path_join(bundle, "config.json");

	if (read_limited(path, CONFIG_MAX_SIZE, data, len, err) < 0) {
		ou_error_prefix(err, "config.json");
		return -1;
	}
	return 0;
}

int ou_config_load(const char *bundle, struct ou_spec **out, struct ou_error **err)
{
	ou_autofree char *data = NULL;
	size_t len = 0;

	if (ou_config_read(bundle, &data, &len, err) < 0)
		return -1;
	if (ou_config_parse(data, len, out, err) < 0) {
		ou_error_prefix(err, "config.json");
		return -1;
	}
	return 0;
}

const struct ou_namespace *ou_spec_namespace(const struct ou_spec *spec, enum ou_ns_type t)
{
	const struct ou_linux *lx = spec->linux_;

	for (size_t i = 0; lx != NULL && i < lx->n_namespaces; i++)
		if (lx->namespaces[i].type == t)
			return &lx->namespaces[i];
	return NULL;
}

const char *ou_spec_annotation(const struct ou_spec *spec, const char *key)
{
	if (spec == NULL)
		return NULL;
	/* The parser keeps one entry per key (the last one written). */
	for (size_t i = 0; i < spec->annotations.len; i++)
		if (strcmp(spec->annotations.items[i].key, key) == 0)
			return spec->annotations.items[i].value;
	return NULL;
}

/* Freeing */

static void free_kv_list(struct ou_kv_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
}

static void free_mount(struct ou_mount *m)
{
	free(m->destination);
	free(m->source);
	free(m->type);
	ou_strv_release(&m->options);
	free(m->uid_mappings.items);
	free(m->gid_mappings.items);
}

static void free_process(struct ou_process *p)
{
	if (p == NULL)
		return;
	free(p->user.additional_gids);
	free(p->user.username);
	ou_strv_release(&p->args);
	free(p->command_line);
	ou_strv_release(&p->env);
	free(p->cwd);
	if (p->capabilities != NULL) {
		ou_strv_release(&p->capabilities->bounding);
		ou_strv_release(&p->capabilities->effective);
		ou_strv_release(&p->capabilities->inheritable);
		ou_strv_release(&p->capabilities->permitted);
		ou_strv_release(&p->capabilities->ambient);
		free(p->capabilities);
	}
	for (size_t i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	if (p->scheduler != NULL) {
		free(p->scheduler->policy);
		ou_strv_release(&p->scheduler->flags);
		free(p->scheduler);
	}
	if (p->io_priority != NULL)
		free(p->io_priority->class_);
	free(p->io_priority);
	if (p->exec_cpu_affinity != NULL) {
		free(p->exec_cpu_affinity->initial);
		free(p->exec_cpu_affinity->final);
	}
	free(p->exec_cpu_affinity);
	free(p);
}

static void free_hook_list(struct ou_hook_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		free(l->items[i].path);
		ou_strv_release(&l->items[i].args);
		ou_strv_release(&l->items[i].env);
	}
	free(l->items);
}

static void free_hooks(struct ou_hooks *h)
{
	if (h == NULL)
		return;
	free_hook_list(&h->prestart);
	free_hook_list(&h->create_runtime);
	free_hook_list(&h->create_container);
	free_hook_list(&h->start_container);
	free_hook_list(&h->poststart);
	free_hook_list(&h->poststop);
	free(h);
}

static void free_block_io(struct ou_block_io *b)
{
	if (b == NULL)
		return;
	free(b->weight_device);
	free(b->throttle_read_bps_device.items);
	free(b->throttle_write_bps_device.items);
	free(b->throttle_read_iops_device.items);
	free(b->throttle_write_iops_device.items);
	free(b);
}

static void free_resources(struct ou_resources *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_devices; i++) {
		free(r->devices[i].type);
		free(r->devices[i].access);
	}
	free(r->devices);
	free(r->memory);
	if (r->cpu != NULL) {
		free(r->cpu->cpus);
		free(r->cpu->mems);
	}
	free(r->cpu);
	free_block_io(r->block_io);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	if (r->network != NULL) {
		for (size_t i = 0; i < r->network->n_priorities; i++)
			free(r->network->priorities[i].name);
		free(r->network->priorities);
	}
	free(r->network);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	free_kv_list(&r->unified);
	free(r);
}

static void free_seccomp(struct ou_seccomp *s)
{
	if (s == NULL)
		return;
	free(s->default_action);
	ou_strv_release(&s->architectures);
	ou_strv_release(&s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		ou_strv_release(&s->syscalls[i].names);
		free(s->syscalls[i].action);
		for (size_t j = 0; j < s->syscalls[i].n_args; j++)
			free(s->syscalls[i].args[j].op);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s);
}

static void free_linux(struct ou_linux *lx)
{
	if (lx == NULL)
		return;
	for (size_t i = 0; i < lx->n_namespaces; i++)
		free(lx->namespaces[i].path);
	free(lx->namespaces);
	free(lx->uid_mappings.items);
	free(lx->gid_mappings.items);
	for (size_t i = 0; i < lx->n_time_offsets; i++)
		free(lx->time_offsets[i].clock);
	free(lx->time_offsets);
	for (size_t i = 0; i < lx->n_devices; i++)
		free(lx->devices[i].path);
	free(lx->devices);
	free(lx->cgroups_path);
	free_resources(lx->resources);
	free_kv_list(&lx->sysctl);
	free_seccomp(lx->seccomp);
	free(lx->rootfs_propagation);
	ou_strv_release(&lx->masked_paths);
	ou_strv_release(&lx->readonly_paths);
	free(lx->mount_label);
	if (lx->personality != NULL) {
		free(lx->personality->domain);
		ou_strv_release(&lx->personality->flags);
	}
	free(lx->personality);
	if (lx->intel_rdt != NULL) {
		free(lx->intel_rdt->clos_id);
		free(lx->intel_rdt->l3_cache_schema);
		free(lx->intel_rdt->mem_bw_schema);
	}
	free(lx->intel_rdt);
	free(lx);
}

void ou_spec_free(struct ou_spec *spec)
{
	if (spec == NULL)
		return;
	free(spec->oci_version);
	if (spec->root != NULL)
		free(spec->root->path);
	free(spec->root);
	for (size_t i = 0; i < spec->n_mounts; i++)
		free_mount(&spec->mounts[i]);
	free(spec->mounts);
	free_process(spec->process);
	free(spec->hostname);
	free(spec->domainname);
	free_hooks(spec->hooks);
	free_kv_list(&spec->annotations);
	free_linux(spec->linux_);
	free(spec);
}

/* The default config.json of "ociunion spec" */

struct default_mount {
	const char *destination;
	const char *type;
	const char *source;
	const char *const *options;
};

static const char *const caps_default[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					    NULL };
static const char *const env_default[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL
};
static const char *const opts_dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
static const char *const opts_pts[] = { "nosuid",    "noexec", "newinstance", "ptmxmode=0666",
					"mode=0620", "gid=5",  NULL };
/* Rootless: no gid=5, the tty group is not mapped in the user namespace. */
static const char *const opts_pts_rootless[] = { "nosuid",	  "noexec",    "newinstance",
						 "ptmxmode=0666", "mode=0620", NULL };
static const char *const opts_shm[] = { "nosuid",    "noexec",	    "nodev",
					"mode=1777", "size=65536k", NULL };
static const char *const opts_nsx[] = { "nosuid", "noexec", "nodev", NULL };
static const char *const opts_sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
/* Rootless: sysfs cannot be mounted without owning the network namespace. */
static const char *const opts_sys_rootless[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
static const char *const opts_cgroup[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };

static const struct default_mount mounts_default[] = {
	{ "/proc", "proc", "proc", NULL },
	{ "/dev", "tmpfs", "tmpfs", opts_dev },
	{ "/dev/pts", "devpts", "devpts", opts_pts },
	{ "/dev/shm", "tmpfs", "shm", opts_shm },
	{ "/dev/mqueue", "mqueue", "mqueue", opts_nsx },
	{ "/sys", "sysfs", "sysfs", opts_sys },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", opts_cgroup },
};

static const char *const masked_default[] = { "/proc/acpi",
					      "/proc/asound",
					      "/proc/kcore",
					      "/proc/keys",
					      "/proc/latency_stats",
					      "/proc/timer_list",
					      "/proc/timer_stats",
					      "/proc/sched_debug",
					      "/sys/firmware",
					      "/proc/scsi",
					      NULL };
static const char *const readonly_default[] = { "/proc/bus",	       "/proc/fs",
						"/proc/irq",	       "/proc/sys",
						"/proc/sysrq-trigger", NULL };

static void gen_key_str(yajl_gen g, const char *key, const char *value)
{
	ou_json_gen_str(g, key);
	ou_json_gen_str(g, value);
}

static void gen_key_int(yajl_gen g, const char *key, long long value)
{
	ou_json_gen_str(g, key);
	yajl_gen_integer(g, value);
}

static void gen_key_bool(yajl_gen g, const char *key, bool value)
{
	ou_json_gen_str(g, key);
	yajl_gen_bool(g, value);
}

static void gen_key_strv(yajl_gen g, const char *key, const char *const *v)
{
	ou_json_gen_str(g, key);
	yajl_gen_array_open(g);
	for (; *v != NULL; v++)
		ou_json_gen_str(g, *v);
	yajl_gen_array_close(g);
}

static void gen_default_process(yajl_gen g)
{
	static const char *const sets[] = { "bounding", "effective", "permitted", "ambient" };
	static const char *const args[] = { "sh", NULL };

	ou_json_gen_str(g, "process");
	yajl_gen_map_open(g);
	gen_key_bool(g, "terminal", true);
	ou_json_gen_str(g, "user");
	yajl_gen_map_open(g);
	gen_key_int(g, "uid", 0);
	gen_key_int(g, "gid", 0);
	yajl_gen_map_close(g);
	gen_key_strv(g, "args", args);
	gen_key_strv(g, "env", env_default);
	gen_key_str(g, "cwd", "/");
	ou_json_gen_str(g, "capabilities");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		gen_key_strv(g, sets[i], caps_default);
	yajl_gen_map_close(g);
	ou_json_gen_str(g, "rlimits");
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	gen_key_str(g, "type", "RLIMIT_NOFILE");
	gen_key_int(g, "hard", 1024);
	gen_key_int(g, "soft", 1024);
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
	gen_key_bool(g, "noNewPrivileges", true);
	yajl_gen_map_close(g);
}

static void gen_default_mounts(yajl_gen g, bool rootless)
{
	ou_json_gen_str(g, "mounts");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < sizeof(mounts_default) / sizeof(mounts_default[0]); i++) {
		struct default_mount m = mounts_default[i];

		if (rootless && m.options == opts_pts)
			m.options = opts_pts_rootless;
		if (rootless && m.options == opts_sys) {
			m.type = "none";
			m.source = "/sys";
			m.options = opts_sys_rootless;
		}
		yajl_gen_map_open(g);
		gen_key_str(g, "destination", m.destination);
		gen_key_str(g, "type", m.type);
		gen_key_str(g, "source", m.source);
		if (m.options != NULL)
			gen_key_strv(g, "options", m.options);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_id_mapping(yajl_gen g, const char *key, unsigned int host_id)
{
	ou_json_gen_str(g, key);
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	gen_key_int(g, "containerID", 0);
	gen_key_int(g, "hostID", host_id);
	gen_key_int(g, "size", 1);
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
}

/*
 * As "runc spec --rootless": the calling user is root in a new user
 * namespace, the network namespace is shared with the host (a new one
 * would have no connectivity), and no device cgroup rule is written since
 * an unprivileged user cannot set one.
 */
static void gen_default_linux(yajl_gen g, bool rootless)
{
	static const char *const ns_root[] = { "pid",	"network", "ipc", "uts",
					       "mount", "cgroup",  NULL };
	static const char *const ns_rootless[] = { "pid",    "ipc",  "uts", "mount",
						   "cgroup", "user", NULL };

	ou_json_gen_str(g, "linux");
	yajl_gen_map_open(g);
	if (rootless) {
		gen_id_mapping(g, "uidMappings", getuid());
		gen_id_mapping(g, "gidMappings", getgid());
	} else {
		ou_json_gen_str(g, "resources");
		yajl_gen_map_open(g);
		ou_json_gen_str(g, "devices");
		yajl_gen_array_open(g);
		yajl_gen_map_open(g);
		gen_key_bool(g, "allow", false);
		gen_key_str(g, "access", "rwm");
		yajl_gen_map_close(g);
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	}
	ou_json_gen_str(g, "namespaces");
	yajl_gen_array_open(g);
	for (const char *const *ns = rootless ? ns_rootless : ns_root; *ns != NULL; ns++) {
		yajl_gen_map_open(g);
		gen_key_str(g, "type", *ns);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	gen_key_strv(g, "maskedPaths", masked_default);
	gen_key_strv(g, "readonlyPaths", readonly_default);
	yajl_gen_map_close(g);
}

/* A document whose top level is one object parsed by fn (process.json, resources). */
static int parse_document(const char *json, size_t len, int (*fn)(struct walk *, yajl_val, void *),
			  void *obj, struct ou_error **err)
{
	struct walk w = { .err = err };
	yajl_val tree;
	int rc;

	if (parse_tree(json, len, &tree, err) < 0)
		return -1;
	if (!YAJL_IS_OBJECT(tree)) {
		yajl_tree_free(tree);
		return ou_error_set(err, OU_E_INVALID, 0, "must be a JSON object");
	}
	rc = fn(&w, tree, obj);
	yajl_tree_free(tree);
	return rc;
}

int ou_config_parse_process(const char *json, size_t len, struct ou_process **out,
			    struct ou_error **err)
{
	struct ou_process *p = ou_xcalloc(1, sizeof(*p));

	if (parse_document(json, len, parse_process, p, err) < 0) {
		free_process(p);
		return -1;
	}
	*out = p;
	return 0;
}

int ou_config_parse_resources(const char *json, size_t len, struct ou_resources **out,
			      struct ou_error **err)
{
	struct ou_resources *r = ou_xcalloc(1, sizeof(*r));

	if (parse_document(json, len, parse_resources, r, err) < 0) {
		free_resources(r);
		return -1;
	}
	*out = r;
	return 0;
}

void ou_process_free(struct ou_process *p)
{
	free_process(p);
}

void ou_resources_free(struct ou_resources *r)
{
	free_resources(r);
}

char *ou_config_default_json(bool rootless, size_t *len)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		abort();
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "\t");
	yajl_gen_map_open(g);
	gen_key_str(g, "ociVersion", OU_SPEC_VERSION);
	gen_default_process(g);
	ou_json_gen_str(g, "root");
	yajl_gen_map_open(g);
	gen_key_str(g, "path", "rootfs");
	gen_key_bool(g, "readonly", true);
	yajl_gen_map_close(g);
	gen_key_str(g, "hostname", "ociunion");
	gen_default_mounts(g, rootless);
	gen_default_linux(g, rootless);
	yajl_gen_map_close(g);
	return ou_json_gen_finish(g, true, len);
}
