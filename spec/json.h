/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_SPEC_JSON_H
#define OU_SPEC_JSON_H

/* The small yajl helpers every JSON reader and writer of spec/ shares. */

#include <stdbool.h>
#include <stddef.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/*
 * The value of key in the object obj, or NULL if absent.  Duplicate keys:
 * the last one wins, as Go's encoding/json does; yajl_tree keeps them all.
 */
yajl_val ou_json_lookup(yajl_val obj, const char *key);

/* Write s as a JSON string; NULL is written as "". */
void ou_json_gen_str(yajl_gen g, const char *s);

/*
 * Take what g generated as a NUL-terminated string, ending with a newline
 * if newline is set, and free g; never fails; *len if not NULL.
 */
char *ou_json_gen_finish(yajl_gen g, bool newline, size_t *len);

#endif
