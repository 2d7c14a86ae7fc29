/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <signal.h>

#include "runtime/cli/cli.h"

static const struct option kill_opts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int ou_cli_kill(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	bool all = false;
	int sig = SIGTERM;
	int c;

	optind = 1;
	while ((c = ou_cli_getopt("kill", argc, argv, "+ah", kill_opts, err)) != -1) {
		if (c == 'a') {
			all = true;
			continue;
		}
		if (c == 'h') {
			ou_cli_print_help("kill");
			return 0;
		}
		return -1;
	}
	if (argc - optind < 1 || argc - optind > 2)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "kill: expected a container id and an optional signal");
	if (argc - optind == 2 && ou_container_parse_signal(argv[optind + 1], &sig, err) < 0)
		return -1;
	return ou_container_kill(g, argv[optind], sig, all, err);
}
