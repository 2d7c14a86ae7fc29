/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.json: ou_config_parse, then what create does next with a config
 * that parses: ou_validate_spec and ou_union_parse (the storage annotations
 * and volume mounts).
 */
#include <config.h>

#include "spec/config.h"
#include "spec/union.h"
#include "spec/validate.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ou_error *err = NULL;
	struct ou_spec *spec = NULL;
	struct ou_union *u = NULL;

	if (ou_config_parse((const char *)data, size, &spec, &err) < 0) {
		ou_fuzz_drop(&err);
		return 0;
	}
	if (ou_validate_spec(spec, 0, &err) < 0)
		ou_fuzz_drop(&err);
	if (ou_union_parse(spec, &u, &err) < 0)
		ou_fuzz_drop(&err);
	else
		ou_union_free(u);
	ou_spec_free(spec);
	return 0;
}
