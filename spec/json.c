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
