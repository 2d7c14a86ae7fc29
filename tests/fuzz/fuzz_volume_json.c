/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The storage root's JSON (spec/volume_json.h): a volume's meta.json and a
 * container's record.json.  Every input goes to both parsers; what parses
 * is written back and must parse again.
 */
#include <config.h>

#include "spec/volume_json.h"
#include "tests/fuzz/fuzz.h"

static void meta(const char *json, size_t size)
{
	struct ou_error *err = NULL;
	struct ou_volume_meta m;
	struct ou_volume_meta again;
	char *out;
	size_t len;

	memset(&m, 0, sizeof(m));
	memset(&again, 0, sizeof(again));
	if (ou_volume_json_meta_parse(json, size, &m, &err) < 0) {
		ou_fuzz_drop(&err);
		ou_volume_json_meta_release(&m);
		return;
	}
	out = ou_volume_json_meta_generate(&m, &len);
	if (ou_volume_json_meta_parse(out, len, &again, &err) < 0)
		abort();
	free(out);
	ou_volume_json_meta_release(&again);
	ou_volume_json_meta_release(&m);
}

static void record(const char *json, size_t size)
{
	struct ou_error *err = NULL;
	struct ou_storage_record r;
	struct ou_storage_record again;
	char *out;
	size_t len;

	memset(&r, 0, sizeof(r));
	memset(&again, 0, sizeof(again));
	if (ou_volume_json_record_parse(json, size, &r, &err) < 0) {
		ou_fuzz_drop(&err);
		ou_volume_json_record_release(&r);
		return;
	}
	out = ou_volume_json_record_generate(&r, &len);
	if (ou_volume_json_record_parse(out, len, &again, &err) < 0)
		abort();
	free(out);
	ou_volume_json_record_release(&again);
	ou_volume_json_record_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	meta((const char *)data, size);
	record((const char *)data, size);
	return 0;
}
