/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/cli/cli.h"

static const struct option cp_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int ou_cli_cp(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	int c;

	optind = 1;
	while ((c = ou_cli_getopt("cp", argc, argv, "+h", cp_opts, err)) != -1) {
		if (c != 'h')
			return -1;
		ou_cli_print_help("cp");
		return 0;
	}
	if (argc - optind != 2)
		return ou_error_set(err, OU_E_INVALID, 0, "cp: needs a source and a destination");
	return ou_container_cp(g, argv[optind], argv[optind + 1], err);
}
