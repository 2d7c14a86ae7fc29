/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/cli/cli.h"

enum {
	OPT_ROOTLESS = 256,
};

static const struct option spec_opts[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "rootless", no_argument, NULL, OPT_ROOTLESS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int ou_cli_spec(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	const char *bundle = NULL;
	bool rootless = g->rootless;
	int c;

	optind = 1;
	while ((c = ou_cli_getopt("spec", argc, argv, "+b:h", spec_opts, err)) != -1) {
		switch (c) {
		case 'b':
			bundle = optarg;
			break;
		case OPT_ROOTLESS:
			rootless = true;
			break;
		case 'h':
			ou_cli_print_help("spec");
			return 0;
		default:
			return -1;
		}
	}
	if (ou_cli_want_args("spec", argc, argv, 0, err) < 0)
		return -1;
	return ou_container_spec(bundle, rootless, err);
}
