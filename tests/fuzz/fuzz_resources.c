/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.resources of update --resources: ou_config_parse_resources. */
#include <config.h>

#include "spec/config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ou_error *err = NULL;
	struct ou_resources *r = NULL;

	if (ou_config_parse_resources((const char *)data, size, &r, &err) < 0)
		ou_fuzz_drop(&err);
	ou_resources_free(r);
	return 0;
}
