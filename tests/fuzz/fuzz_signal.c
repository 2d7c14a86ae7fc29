/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Signal names and numbers of kill: ou_container_parse_signal. */
#include <config.h>

#include "runtime/container.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = ou_fuzz_cstr(data, size);
	struct ou_error *err = NULL;
	int sig = 0;

	if (ou_container_parse_signal(s, &sig, &err) < 0)
		ou_fuzz_drop(&err);
	else if (sig < 0 || sig > 64)
		abort(); /* a parsed signal is a real one, or 0 (kill's liveness probe) */
	free(s);
	return 0;
}
