/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "runtime/base/util.h"
#include "runtime/cli/cli.h"

/* The long option whose value is val, for a message; NULL if there is none. */
static const char *long_name(const struct option *longopts, int val)
{
	for (const struct option *o = longopts; o->name != NULL; o++)
		if (o->val == val)
			return o->name;
	return NULL;
}

/*
 * After getopt returned ':' or '?': what was wrong with the option.  A
 * missing value comes back as ':' because of the ':' getopt_options puts
 * first; a '?' with optopt set is a short option that does not exist or,
 * for a known one, a value given to an option that takes none.
 */
static void set_option_error(const char *shortopts, const struct option *longopts, int c,
			     char **argv, struct ou_error **err)
{
	const char *name = long_name(longopts, optopt);

	if (c == ':')
		ou_error_set(err, OU_E_INVALID, 0, "option '%s' needs a value", argv[optind - 1]);
	else if (optopt == 0)
		ou_error_set(err, OU_E_INVALID, 0, "unknown option '%s'", argv[optind - 1]);
	else if (optopt < 256 && strchr(shortopts, optopt) == NULL)
		ou_error_set(err, OU_E_INVALID, 0, "unknown option '-%c'", optopt);
	else if (name != NULL)
		ou_error_set(err, OU_E_INVALID, 0, "option '--%s' takes no value", name);
	else
		ou_error_set(err, OU_E_INVALID, 0, "option '-%c' takes no value", optopt);
}

/* shortopts with ':' after a leading '+', so that getopt tells a missing value apart. */
static const char *getopt_options(const char *shortopts, char *buf, size_t size)
{
	bool plus = shortopts[0] == '+';
	int n = snprintf(buf, size, "%s:%s", plus ? "+" : "", shortopts + plus);

	if (n < 0 || (size_t)n >= size)
		ou_bug("short options '%s' are too long", shortopts);
	return buf;
}

int ou_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
		  const struct option *longopts, struct ou_error **err)
{
	char opts[64];
	int c;

	opterr = 0;
	c = getopt_long_only(argc, argv, getopt_options(shortopts, opts, sizeof(opts)), longopts,
			     NULL);
	if (c == '?' || c == ':') {
		set_option_error(shortopts, longopts, c, argv, err);
		if (cmd != NULL)
			ou_error_prefix(err, "%s", cmd);
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
