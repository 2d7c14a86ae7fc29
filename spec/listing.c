/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "spec/listing.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/util.h"
#include "spec/json.h"

static yajl_gen new_gen(void)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		abort();
	return g;
}

static void put_str(yajl_gen g, const char *key, const char *value)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
	if (value == NULL)
		value = "";
	yajl_gen_string(g, (const unsigned char *)value, strlen(value));
}

char *ou_listing_pids_json(const pid_t *pids, size_t n, size_t *len)
{
	yajl_gen g = new_gen();

	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++)
		yajl_gen_integer(g, pids[i]);
	yajl_gen_array_close(g);
	return ou_json_gen_finish(g, false, len);
}

char *ou_listing_containers_json(const struct ou_listing_entry *e, size_t n, size_t *len)
{
	yajl_gen g = new_gen();

	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		put_str(g, "ociVersion", e[i].oci_version);
		put_str(g, "id", e[i].id);
		yajl_gen_string(g, (const unsigned char *)"pid", 3);
		yajl_gen_integer(g, e[i].pid);
		put_str(g, "status", e[i].status);
		put_str(g, "bundle", e[i].bundle);
		put_str(g, "rootfs", e[i].rootfs);
		put_str(g, "created", e[i].created);
		put_str(g, "owner", e[i].owner);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	return ou_json_gen_finish(g, false, len);
}

static void put_u64(yajl_gen g, const char *key, uint64_t v)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
	yajl_gen_integer(g, (long long)v);
}

static void open_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
	yajl_gen_map_open(g);
}

char *ou_listing_stats_json(const char *id, const struct ou_listing_stats *s, size_t *len)
{
	yajl_gen g = new_gen();

	yajl_gen_map_open(g);
	put_str(g, "type", "stats");
	put_str(g, "id", id);
	open_key(g, "data");
	open_key(g, "cpu");
	open_key(g, "usage");
	put_u64(g, "total", s->cpu_usage_ns);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	open_key(g, "memory");
	open_key(g, "usage");
	put_u64(g, "usage", s->memory_usage);
	put_u64(g, "limit", s->memory_limit);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	open_key(g, "pids");
	put_u64(g, "current", s->pids_current);
	put_u64(g, "limit", s->pids_limit);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return ou_json_gen_finish(g, false, len);
}
