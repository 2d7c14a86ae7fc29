/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_TESTS_FUZZ_H
#define OU_TESTS_FUZZ_H

/*
 * Shared by the libFuzzer targets of tests/fuzz (`make fuzz`).  Each target
 * feeds one parser of untrusted input; a crash, a sanitizer report or a leak
 * is a finding.  Errors the parsers return are expected and freed.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/base/error.h"

/* The entry point libFuzzer calls with each input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input; the caller frees it. */
static inline char *ou_fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Free an error a parser returned, if any, and reset the pointer. */
static inline void ou_fuzz_drop(struct ou_error **err)
{
	ou_error_free(*err);
	*err = NULL;
}

#endif
