/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.json of exec --process: ou_config_parse_process. */
#include <config.h>

#include "spec/config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ou_error *err = NULL;
	struct ou_process *p = NULL;

	if (ou_config_parse_process((const char *)data, size, &p, &err) < 0)
		ou_fuzz_drop(&err);
	ou_process_free(p);
	return 0;
}
