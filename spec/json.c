/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "spec/json.h"

#include <string.h>

#include "runtime/base/util.h"

yajl_val ou_json_lookup(yajl_val obj, const char *key)
{
	for (size_t i = obj->u.object.len; i > 0; i--)
		if (strcmp(obj->u.object.keys[i - 1], key) == 0)
			return obj->u.object.values[i - 1];
	return NULL;
}

int ou_json_get_str(yajl_val obj, const char *key, bool required, char **out, struct ou_error **err)
{
	yajl_val v = ou_json_lookup(obj, key);

	if (v == NULL && !required)
		return 0;
	if (v == NULL)
		return ou_error_set(err, OU_E_INVALID, 0, "%s: is required", key);
	if (!YAJL_IS_STRING(v))
		return ou_error_set(err, OU_E_INVALID, 0, "%s: must be a string", key);
	*out = ou_xstrdup(v->u.string);
	return 0;
}

int ou_json_get_bool(yajl_val obj, const char *key, bool *out, struct ou_error **err)
{
	yajl_val v = ou_json_lookup(obj, key);

	if (v == NULL)
		return 0;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return ou_error_set(err, OU_E_INVALID, 0, "%s: must be a boolean", key);
	*out = YAJL_IS_TRUE(v);
	return 0;
}

int ou_json_get_str_map(yajl_val obj, const char *key, struct ou_kv_list *out,
			struct ou_error **err)
{
	yajl_val v = ou_json_lookup(obj, key);

	if (v == NULL)
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return ou_error_set(err, OU_E_INVALID, 0, "%s: must be an object", key);
	out->items = ou_xcalloc(v->u.object.len + 1, sizeof(*out->items));
	for (size_t i = 0; i < v->u.object.len; i++) {
		if (!YAJL_IS_STRING(v->u.object.values[i]))
			return ou_error_set(err, OU_E_INVALID, 0, "%s.%s: must be a string", key,
					    v->u.object.keys[i]);
		out->items[i].key = ou_xstrdup(v->u.object.keys[i]);
		out->items[i].value = ou_xstrdup(v->u.object.values[i]->u.string);
		out->len++;
	}
	return 0;
}

void ou_json_gen_str(yajl_gen g, const char *s)
{
	s = s != NULL ? s : "";
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

char *ou_json_gen_finish(yajl_gen g, bool newline, size_t *len)
{
	const unsigned char *buf = NULL;
	size_t n = 0;
	char *out;

	yajl_gen_get_buf(g, &buf, &n);
	out = ou_xmalloc(n + 2);
	memcpy(out, buf, n);
	if (newline && (n == 0 || out[n - 1] != '\n'))
		out[n++] = '\n';
	out[n] = '\0';
	yajl_gen_free(g);
	if (len != NULL)
		*len = n;
	return out;
}
