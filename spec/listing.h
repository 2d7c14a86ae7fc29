/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_SPEC_LISTING_H
#define OU_SPEC_LISTING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec/types.h"

/* JSON documents the runtime prints: "ps --format json" and "list --format json". */

/* A JSON array of pids, as containerd reads it; caller frees. */
char *ou_listing_pids_json(const pid_t *pids, size_t n, size_t *len);

/* One container of "list": the fields runc prints. */
struct ou_listing_entry {
	const char *oci_version; /* of the container's config */
	const char *id;
	pid_t pid;
	const char *status;
	const char *bundle;
	const char *rootfs;
	const char *created;
	const char *owner;
};

/* A JSON array of list entries; caller frees. */
char *ou_listing_containers_json(const struct ou_listing_entry *e, size_t n, size_t *len);

/* The figures of one "events --stats" record. */
struct ou_listing_stats {
	uint64_t cpu_usage_ns;
	uint64_t memory_usage;
	uint64_t memory_limit;
	uint64_t pids_current;
	uint64_t pids_limit;
};

/* {"type":"stats","id":ID,"data":{...}} as runc prints it; caller frees. */
char *ou_listing_stats_json(const char *id, const struct ou_listing_stats *s, size_t *len);

#endif
