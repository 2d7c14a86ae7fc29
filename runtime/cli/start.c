/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "runtime/cli/cli.h"

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Commands whose only argument is the container id. */
static int parse_id(const char *cmd, int argc, char **argv, struct ou_error **err)
{
	int c;

	optind = 1;
	while ((c = ou_cli_getopt(cmd, argc, argv, "+h", help_only, err)) != -1) {
		if (c == 'h') {
			ou_cli_print_help(cmd);
			return 1;
		}
		return -1;
	}
	return ou_cli_want_args(cmd, argc, argv, 1, err);
}

int ou_cli_start(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	int rc = parse_id("start", argc, argv, err);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return ou_container_start(g, argv[optind], err);
}

int ou_cli_state(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	char *json = NULL;
	int rc = parse_id("state", argc, argv, err);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (ou_container_state_json(g, argv[optind], &json, err) < 0)
		return -1;
	printf("%s\n", json);
	free(json);
	return 0;
}

int ou_cli_pause(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	int rc = parse_id("pause", argc, argv, err);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return ou_container_pause(g, argv[optind], true, err);
}

int ou_cli_resume(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	int rc = parse_id("resume", argc, argv, err);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return ou_container_pause(g, argv[optind], false, err);
}
