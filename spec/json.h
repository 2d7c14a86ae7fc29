/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_SPEC_JSON_H
#define OU_SPEC_JSON_H

/* The small yajl helpers every JSON reader and writer of spec/ shares. */

#include <stdbool.h>
#include <stddef.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * The value of key in the object obj, or NULL if absent.  Duplicate keys:
 * the last one wins, as Go's encoding/json does; yajl_tree keeps them all.
 */
yajl_val ou_json_lookup(yajl_val obj, const char *key);

/*
 * The getters of the state and storage files: a key that is absent leaves
 * *out as it is and returns 0 (ou_json_get_str with required set fails);
 * a value of the wrong type fails with an error naming the key.
 */
int ou_json_get_str(yajl_val obj, const char *key, bool required, char **out,
		    struct ou_error **err);
int ou_json_get_bool(yajl_val obj, const char *key, bool *out, struct ou_error **err);

/* An object of strings (annotations, labels), as key/value pairs. */
int ou_json_get_str_map(yajl_val obj, const char *key, struct ou_kv_list *out,
			struct ou_error **err);

/* Write s as a JSON string; NULL is written as "". */
void ou_json_gen_str(yajl_gen g, const char *s);

/*
 * Take what g generated as a NUL-terminated string, ending with a newline
 * if newline is set, and free g; never fails; *len if not NULL.
 */
char *ou_json_gen_finish(yajl_gen g, bool newline, size_t *len);

#endif
