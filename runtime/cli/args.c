/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "runtime/base/util.h"
#include "runtime/cli/cli.h"

int ou_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
		  const struct option *longopts, struct ou_error **err)
{
	int c;

	opterr = 0;
	c = getopt_long_only(argc, argv, shortopts, longopts, NULL);
	if (c == '?' || c == ':') {
		if (optopt != 0 && c == ':')
			ou_error_set(err, OU_E_INVALID, 0, "%s: option '-%c' needs a value", cmd,
				     optopt);
		else if (optopt != 0)
			ou_error_set(err, OU_E_INVALID, 0, "%s: unknown option '-%c'", cmd, optopt);
		else
			ou_error_set(err, OU_E_INVALID, 0,
				     "%s: unknown option or missing value '%s'", cmd,
				     argv[optind - 1]);
		return '?';
	}
	return c;
}

int ou_cli_want_args(const char *cmd, int argc, char **argv, int n, struct ou_error **err)
{
	if (argc - optind < n)
		return ou_error_set(err, OU_E_INVALID, 0, "%s: missing container id", cmd);
	if (argc - optind > n)
		return ou_error_set(err, OU_E_INVALID, 0, "%s: unexpected argument '%s'", cmd,
				    argv[optind + n]);
	return 0;
}

int ou_cli_int(const char *cmd, const char *opt, const char *value, int min, int max, int *out,
	       struct ou_error **err)
{
	long long v = 0;

	if (ou_parse_ll(value, min, max, &v) < 0)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "%s: %s: '%s' is not a number from %d to %d", cmd, opt, value,
				    min, max);
	*out = (int)v;
	return 0;
}

void ou_cli_print_help(const char *cmd)
{
	for (const struct ou_cli_cmd *c = ou_cli_commands; c->name != NULL; c++) {
		if (strcmp(c->name, cmd) != 0)
			continue;
		printf("Usage: ociunion %s %s\n\n%s\n", c->name, c->usage, c->summary);
		if (c->options != NULL && c->options[0] != '\0')
			printf("\nOptions:\n%s", c->options);
		return;
	}
}
