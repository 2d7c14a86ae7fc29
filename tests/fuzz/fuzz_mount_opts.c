/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mount options of config.json: the input is split at commas and newlines
 * into the options array given to ou_mount_opts_parse.
 */
#include <config.h>

#include "runtime/mount.h"
#include "tests/fuzz/fuzz.h"

#define MAX_OPTS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = ou_fuzz_cstr(data, size);
	char *v[MAX_OPTS + 1];
	struct ou_strv opts = { 0, v };
	struct ou_mount_opts o;
	char *save = NULL;

	for (char *t = strtok_r(s, ",\n", &save); t != NULL && opts.len < MAX_OPTS;
	     t = strtok_r(NULL, ",\n", &save))
		v[opts.len++] = t;
	v[opts.len] = NULL;
	memset(&o, 0, sizeof(o));
	ou_mount_opts_parse(&opts, &o);
	ou_mount_opts_release(&o);
	free(s);
	return 0;
}
