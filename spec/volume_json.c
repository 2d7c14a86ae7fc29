/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "spec/volume_json.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "spec/json.h"

static yajl_gen gen_new(bool pretty)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		abort();
	if (pretty)
		yajl_gen_config(g, yajl_gen_beautify, 1);
	return g;
}

static void gen_kv(yajl_gen g, const char *key, const char *value)
{
	ou_json_gen_str(g, key);
	ou_json_gen_str(g, value);
}

static void gen_kbool(yajl_gen g, const char *key, bool value)
{
	ou_json_gen_str(g, key);
	yajl_gen_bool(g, value);
}

static void gen_strv(yajl_gen g, const char *key, const struct ou_strv *v)
{
	ou_json_gen_str(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < v->len; i++)
		ou_json_gen_str(g, v->v[i]);
	yajl_gen_array_close(g);
}

static void gen_labels(yajl_gen g, const struct ou_kv_list *l)
{
	ou_json_gen_str(g, "labels");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < l->len; i++)
		gen_kv(g, l->items[i].key, l->items[i].value);
	yajl_gen_map_close(g);
}

char *ou_volume_json_meta_generate(const struct ou_volume_meta *meta, size_t *len)
{
	yajl_gen g = gen_new(false);

	yajl_gen_map_open(g);
	gen_kv(g, "name", meta->name);
	gen_kv(g, "created", meta->created);
	gen_labels(g, &meta->labels);
	gen_kbool(g, "anonymous", meta->anonymous);
	gen_kbool(g, "filling", meta->filling);
	gen_kbool(g, "filled", meta->filled);
	gen_strv(g, "usedBy", &meta->used_by);
	yajl_gen_map_close(g);
	return ou_json_gen_finish(g, false, len);
}

/*
 * yajl's beautifier opens a line inside an empty map or array; write
 * "{}" and "[]" instead, as people expect.  Strings are left alone.
 */
static void collapse_empty(char *s)
{
	char *out = s;
	bool in_str = false;

	while (*s != '\0') {
		char c = *s++;

		*out++ = c;
		if (in_str) {
			if (c == '\\' && *s != '\0')
				*out++ = *s++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			const char *p = s + strspn(s, " \t\n");

			if (*p == (c == '{' ? '}' : ']')) {
				*out++ = *p;
				s = (char *)p + 1;
			}
		}
	}
	*out = '\0';
}

char *ou_volume_json_inspect(const struct ou_volume_meta *metas, const char *const *mountpoints,
			     size_t n)
{
	char *out;

	yajl_gen g = gen_new(true);

	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		gen_kv(g, "name", metas[i].name);
		gen_kv(g, "mountpoint", mountpoints[i]);
		gen_kv(g, "created", metas[i].created);
		gen_labels(g, &metas[i].labels);
		gen_kbool(g, "anonymous", metas[i].anonymous);
		gen_strv(g, "usedBy", &metas[i].used_by);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	out = ou_json_gen_finish(g, false, NULL);
	collapse_empty(out);
	return out;
}

static void gen_entry(yajl_gen g, const struct ou_volume_record_entry *e)
{
	yajl_gen_map_open(g);
	gen_kv(g, "name", e->name);
	gen_kv(g, "destination", e->destination);
	gen_kbool(g, "anonymous", e->anonymous);
	gen_kbool(g, "owned", e->owned);
	gen_kbool(g, "readonly", e->readonly);
	yajl_gen_map_close(g);
}

char *ou_volume_json_record_generate(const struct ou_storage_record *r, size_t *len)
{
	yajl_gen g = gen_new(false);

	yajl_gen_map_open(g);
	gen_strv(g, "layers", &r->layers_bottom_up);
	if (r->upper != NULL)
		gen_kv(g, "upper", r->upper);
	if (r->work != NULL)
		gen_kv(g, "work", r->work);
	gen_kbool(g, "keepUpper", r->keep_upper);
	gen_kbool(g, "readonly", r->readonly);
	if (r->made_root != NULL)
		gen_kv(g, "madeRoot", r->made_root);
	ou_json_gen_str(g, "volumes");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < r->n_volumes; i++)
		gen_entry(g, &r->volumes[i]);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	return ou_json_gen_finish(g, false, len);
}

/* Parsing */

static int get_strv(yajl_val obj, const char *key, struct ou_strv *out, struct ou_error **err)
{
	yajl_val v = ou_json_lookup(obj, key);

	if (v == NULL)
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return ou_error_set(err, OU_E_INVALID, 0, "%s: must be an array", key);
	out->v = ou_xcalloc(v->u.array.len + 1, sizeof(char *));
	for (size_t i = 0; i < v->u.array.len; i++) {
		if (!YAJL_IS_STRING(v->u.array.values[i]))
			return ou_error_set(err, OU_E_INVALID, 0, "%s[%zu]: must be a string", key,
					    i);
		out->v[out->len++] = ou_xstrdup(v->u.array.values[i]->u.string);
	}
	return 0;
}

static yajl_val parse_tree(const char *json, size_t len, const char *what, struct ou_error **err)
{
	ou_autofree char *copy = ou_xstrndup(json, len);
	char errbuf[256] = "";
	yajl_val tree = yajl_tree_parse(copy, errbuf, sizeof(errbuf));

	if (tree == NULL) {
		errbuf[strcspn(errbuf, "\n")] = '\0';
		ou_error_set(err, OU_E_INVALID, 0, "%s: %s", what,
			     errbuf[0] != '\0' ? errbuf : "parse error");
		return NULL;
	}
	if (!YAJL_IS_OBJECT(tree)) {
		yajl_tree_free(tree);
		ou_error_set(err, OU_E_INVALID, 0, "%s: must be a JSON object", what);
		return NULL;
	}
	return tree;
}

int ou_volume_json_meta_parse(const char *json, size_t len, struct ou_volume_meta *out,
			      struct ou_error **err)
{
	yajl_val t = parse_tree(json, len, "meta.json", err);
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (t == NULL)
		return -1;
	if (ou_json_get_str(t, "name", true, &out->name, err) < 0 ||
	    ou_json_get_str(t, "created", true, &out->created, err) < 0 ||
	    ou_json_get_str_map(t, "labels", &out->labels, err) < 0 ||
	    ou_json_get_bool(t, "anonymous", &out->anonymous, err) < 0 ||
	    ou_json_get_bool(t, "filling", &out->filling, err) < 0 ||
	    ou_json_get_bool(t, "filled", &out->filled, err) < 0 ||
	    get_strv(t, "usedBy", &out->used_by, err) < 0) {
		ou_error_prefix(err, "meta.json");
		ou_volume_json_meta_release(out);
		rc = -1;
	}
	yajl_tree_free(t);
	return rc;
}

void ou_volume_json_meta_release(struct ou_volume_meta *meta)
{
	free(meta->name);
	free(meta->created);
	for (size_t i = 0; i < meta->labels.len; i++) {
		free(meta->labels.items[i].key);
		free(meta->labels.items[i].value);
	}
	free(meta->labels.items);
	ou_strv_release(&meta->used_by);
	memset(meta, 0, sizeof(*meta));
}

static int get_entries(yajl_val t, struct ou_storage_record *r, struct ou_error **err)
{
	yajl_val v = ou_json_lookup(t, "volumes");

	if (v == NULL)
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return ou_error_set(err, OU_E_INVALID, 0, "volumes: must be an array");
	r->volumes = ou_xcalloc(v->u.array.len + 1, sizeof(*r->volumes));
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val o = v->u.array.values[i];
		struct ou_volume_record_entry *e = &r->volumes[i];

		if (!YAJL_IS_OBJECT(o))
			return ou_error_set(err, OU_E_INVALID, 0, "volumes[%zu]: must be an object",
					    i);
		r->n_volumes++;
		if (ou_json_get_str(o, "name", false, &e->name, err) < 0 ||
		    ou_json_get_str(o, "destination", false, &e->destination, err) < 0 ||
		    ou_json_get_bool(o, "anonymous", &e->anonymous, err) < 0 ||
		    ou_json_get_bool(o, "owned", &e->owned, err) < 0 ||
		    ou_json_get_bool(o, "readonly", &e->readonly, err) < 0)
			return -1;
		if (e->name == NULL || e->destination == NULL)
			return ou_error_set(err, OU_E_INVALID, 0,
					    "volumes[%zu]: name and destination are required", i);
	}
	return 0;
}

int ou_volume_json_record_parse(const char *json, size_t len, struct ou_storage_record *out,
				struct ou_error **err)
{
	yajl_val t = parse_tree(json, len, "record.json", err);
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (t == NULL)
		return -1;
	if (get_strv(t, "layers", &out->layers_bottom_up, err) < 0 ||
	    ou_json_get_str(t, "upper", false, &out->upper, err) < 0 ||
	    ou_json_get_str(t, "work", false, &out->work, err) < 0 ||
	    ou_json_get_bool(t, "keepUpper", &out->keep_upper, err) < 0 ||
	    ou_json_get_bool(t, "readonly", &out->readonly, err) < 0 ||
	    ou_json_get_str(t, "madeRoot", false, &out->made_root, err) < 0 ||
	    get_entries(t, out, err) < 0) {
		ou_error_prefix(err, "record.json");
		ou_volume_json_record_release(out);
		rc = -1;
	}
	yajl_tree_free(t);
	return rc;
}

void ou_volume_json_record_release(struct ou_storage_record *r)
{
	ou_strv_release(&r->layers_bottom_up);
	free(r->upper);
	free(r->work);
	free(r->made_root);
	for (size_t i = 0; i < r->n_volumes; i++) {
		free(r->volumes[i].name);
		free(r->volumes[i].destination);
	}
	free(r->volumes);
	memset(r, 0, sizeof(*r));
}
