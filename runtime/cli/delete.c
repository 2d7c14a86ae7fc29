/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/cli/cli.h"

static const struct option delete_opts[] = {
	{ "force", no_argument, NULL, 'f' },
	{ "volumes", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int ou_cli_delete(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	bool force = false, volumes = false;
	int c;

	optind = 1;
	while ((c = ou_cli_getopt("delete", argc, argv, "+fvh", delete_opts, err)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'v':
			volumes = true;
			break;
		case 'h':
			ou_cli_print_help("delete");
			return 0;
		default:
			return -1;
		}
	}
	if (ou_cli_want_args("delete", argc, argv, 1, err) < 0)
		return -1;
	return ou_container_delete(g, argv[optind], force, volumes, err);
}
