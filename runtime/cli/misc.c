/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <string.h>

#include "runtime/base/util.h"
#include "runtime/cli/cli.h"

static const struct option format_opts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_format(const char *cmd, const char *v, enum ou_list_format *f,
			struct ou_error **err)
{
	if (strcmp(v, "table") == 0)
		*f = OU_LIST_TABLE;
	else if (strcmp(v, "json") == 0)
		*f = OU_LIST_JSON;
	else
		return ou_error_set(err, OU_E_INVALID, 0, "%s: --format: '%s' is not table or json",
				    cmd, v);
	return 0;
}

/* ps and list share --format; list also takes -q. Returns 1 for --help. */
static int parse_listing(const char *cmd, int argc, char **argv, enum ou_list_format *f,
			 struct ou_error **err)
{
	int c;

	optind = 1;
	while ((c = ou_cli_getopt(cmd, argc, argv, "+f:qh", format_opts, err)) != -1) {
		if (c == 'f' && parse_format(cmd, optarg, f, err) < 0)
			return -1;
		else if (c == 'q')
			*f = OU_LIST_QUIET;
		else if (c == 'h') {
			ou_cli_print_help(cmd);
			return 1;
		} else if (c != 'f')
			return -1;
	}
	return 0;
}

int ou_cli_ps(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	enum ou_list_format f = OU_LIST_TABLE;
	int rc = parse_listing("ps", argc, argv, &f, err);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	/* runc passes further arguments to ps(1); ociunion lists pids only. */
	if (argc - optind < 1)
		return ou_error_set(err, OU_E_INVALID, 0, "ps: missing container id");
	return ou_container_ps(g, argv[optind], f == OU_LIST_JSON, err);
}

int ou_cli_list(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	enum ou_list_format f = OU_LIST_TABLE;
	int rc = parse_listing("list", argc, argv, &f, err);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (ou_cli_want_args("list", argc, argv, 0, err) < 0)
		return -1;
	return ou_container_list(g, f, err);
}

static const struct option update_opts[] = {
	{ "resources", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int ou_cli_update(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	const char *file = NULL;
	int c;

	optind = 1;
	while ((c = ou_cli_getopt("update", argc, argv, "+r:h", update_opts, err)) != -1) {
		if (c == 'r') {
			file = optarg;
			continue;
		}
		if (c == 'h') {
			ou_cli_print_help("update");
			return 0;
		}
		return -1;
	}
	if (ou_cli_want_args("update", argc, argv, 1, err) < 0)
		return -1;
	return ou_container_update(g, argv[optind], file ? file : "-", err);
}

static const struct option events_opts[] = {
	{ "stats", no_argument, NULL, 's' },
	{ "interval", required_argument, NULL, 'i' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * runc's --interval is a Go duration ("5s"); whole seconds are taken, with
 * the unit s, m or h or without one.
 */
static int parse_interval(const char *value, int *seconds, struct ou_error **err)
{
	static const char units[] = "smh";
	static const int factors[] = { 1, 60, 3600 };
	size_t n = strlen(value);
	const char *unit = n > 1 ? strchr(units, value[n - 1]) : NULL;
	int factor = unit != NULL ? factors[unit - units] : 1;
	char digits[32];
	long long v;

	if (unit != NULL)
		n--;
	if (n < sizeof(digits)) {
		memcpy(digits, value, n);
		digits[n] = '\0';
	}
	if (n >= sizeof(digits) || ou_parse_ll(digits, 1, 86400 / factor, &v) < 0)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "events: --interval: '%s' is not N, Ns, Nm or Nh, 1 s to 24 h",
				    value);
	*seconds = (int)v * factor;
	return 0;
}

int ou_cli_events(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	bool stats = false;
	int interval = 5;
	int c;

	optind = 1;
	while ((c = ou_cli_getopt("events", argc, argv, "+si:h", events_opts, err)) != -1) {
		if (c == 's')
			stats = true;
		else if (c == 'i') {
			if (parse_interval(optarg, &interval, err) < 0)
				return -1;
		} else if (c == 'h') {
			ou_cli_print_help("events");
			return 0;
		} else
			return -1;
	}
	if (ou_cli_want_args("events", argc, argv, 1, err) < 0)
		return -1;
	return ou_container_events(g, argv[optind], stats, interval, err);
}

int ou_cli_features(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	(void)g;
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		ou_cli_print_help("features");
		return 0;
	}
	return ou_container_features(err);
}
