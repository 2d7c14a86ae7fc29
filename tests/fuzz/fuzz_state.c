/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.json: ou_state_json_parse; a state that parses is written back
 * (public and private) and the private form must parse again.
 */
#include <config.h>

#include "spec/state_json.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ou_error *err = NULL;
	struct ou_state *st = NULL;
	struct ou_state *again = NULL;
	char *json;
	size_t len;

	if (ou_state_json_parse((const char *)data, size, &st, &err) < 0) {
		ou_fuzz_drop(&err);
		return 0;
	}
	free(ou_state_json_generate(st, true, NULL));
	json = ou_state_json_generate(st, false, &len);
	if (ou_state_json_parse(json, len, &again, &err) < 0)
		abort(); /* what ociunion writes, it must read back */
	ou_state_free(again);
	free(json);
	ou_state_free(st);
	return 0;
}
