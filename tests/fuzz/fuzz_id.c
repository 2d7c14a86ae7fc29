/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Container IDs (ou_container_check_id) and volume names
 * (ou_union_check_volume_name): an accepted name never contains a slash
 * and never starts with a dot, so it cannot leave its directory.
 */
#include <config.h>

#include "runtime/container.h"
#include "spec/union.h"
#include "tests/fuzz/fuzz.h"

static void check_name(const char *s, int rc, struct ou_error **err)
{
	if (rc < 0) {
		ou_fuzz_drop(err);
		return;
	}
	if (s[0] == '\0' || s[0] == '.' || strchr(s, '/') != NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = ou_fuzz_cstr(data, size);
	struct ou_error *err = NULL;

	check_name(s, ou_container_check_id(s, &err), &err);
	check_name(s, ou_union_check_volume_name(s, &err), &err);
	free(s);
	return 0;
}
