/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The storage extensions (spec/union.h) without the JSON layer in front:
 * the input's lines are, in order, the annotations
 * org.ociunion.rootfs.layers, org.ociunion.volumes,
 * org.ociunion.volumes-from and org.ociunion.rootfs.upper, then one mount
 * of type "volume" per line as "DESTINATION SOURCE" (no source: an
 * anonymous volume).  The spec is built in memory and given to
 * ou_union_parse.
 */
#include <config.h>

#include "spec/config.h"
#include "spec/union.h"
#include "tests/fuzz/fuzz.h"

#define MAX_MOUNTS 16

static const char *const keys[] = { OU_UNION_LAYERS, OU_UNION_VOLUMES, OU_UNION_VOLUMES_FROM,
				    OU_UNION_UPPER };
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		abort();
	return d;
}

static void add_annotation(struct ou_spec *spec, const char *key, const char *value)
{
	struct ou_kv *kv = &spec->annotations.items[spec->annotations.len++];

	kv->key = dup_or_die(key);
	kv->value = dup_or_die(value);
}

static void add_mount(struct ou_spec *spec, char *line)
{
	struct ou_mount *m = &spec->mounts[spec->n_mounts++];
	char *sp = strchr(line, ' ');

	if (sp != NULL) {
		*sp = '\0';
		m->source = dup_or_die(sp + 1);
	}
	m->destination = dup_or_die(line);
	m->type = dup_or_die("volume");
}

static struct ou_spec *build(char *s)
{
	struct ou_spec *spec = calloc(1, sizeof(*spec));
	char *save = NULL;
	size_t n = 0;

	if (spec == NULL)
		abort();
	spec->annotations.items = calloc(N_KEYS, sizeof(struct ou_kv));
	spec->mounts = calloc(MAX_MOUNTS, sizeof(struct ou_mount));
	if (spec->annotations.items == NULL || spec->mounts == NULL)
		abort();
	for (char *line = strtok_r(s, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (n < N_KEYS)
			add_annotation(spec, keys[n], line);
		else if (spec->n_mounts < MAX_MOUNTS)
			add_mount(spec, line);
		n++;
	}
	return spec;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = ou_fuzz_cstr(data, size);
	struct ou_spec *spec = build(s);
	struct ou_error *err = NULL;
	struct ou_union *u = NULL;

	if (ou_union_parse(spec, &u, &err) < 0)
		ou_fuzz_drop(&err);
	else
		ou_union_free(u);
	ou_spec_free(spec);
	free(s);
	return 0;
}
