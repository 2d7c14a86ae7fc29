/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "runtime/base/util.h"
#include "runtime/cli/cli.h"

static const struct option vol_opts[] = {
	{ "label", required_argument, NULL, 'l' },
	{ "format", required_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "force", no_argument, NULL, 'F' },
	{ "all", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct vol_args {
	char **labels;
	size_t n_labels;
	enum ou_list_format format;
	bool quiet, force, all;
};

static int parse_format(const char *v, struct vol_args *a, struct ou_error **err)
{
	if (strcmp(v, "table") == 0)
		a->format = OU_LIST_TABLE;
	else if (strcmp(v, "json") == 0)
		a->format = OU_LIST_JSON;
	else
		return ou_error_set(err, OU_E_INVALID, 0,
				    "volume: --format: '%s' is not table or json", v);
	return 0;
}

/* 1: --help was printed.  For rm, -f is --force; elsewhere --format. */
static int parse_opts(int argc, char **argv, struct vol_args *a, struct ou_error **err)
{
	bool rm = strcmp(argv[0], "rm") == 0 || strcmp(argv[0], "remove") == 0;
	int c;

	optind = 1;
	while ((c = ou_cli_getopt("volume", argc, argv, rm ? "+fh" : "+l:f:qah", vol_opts, err)) !=
	       -1) {
		if (c == 'l') {
			a->labels = ou_xrealloc(a->labels, (a->n_labels + 2) * sizeof(char *));
			a->labels[a->n_labels++] = optarg;
			a->labels[a->n_labels] = NULL;
		} else if (c == 'F' || (c == 'f' && rm)) {
			a->force = true;
		} else if (c == 'f') {
			if (parse_format(optarg, a, err) < 0)
				return -1;
		} else if (c == 'q' || c == 'a') {
			*(c == 'q' ? &a->quiet : &a->all) = true;
		} else if (c == 'h') {
			ou_cli_print_help("volume");
			return 1;
		} else {
			return -1;
		}
	}
	return 0;
}

static int need_names(const char *sub, int argc, struct ou_error **err)
{
	if (argc - optind < 1)
		return ou_error_set(err, OU_E_INVALID, 0, "volume %s: missing volume name", sub);
	return 0;
}

/* ls and prune take no name: one given is refused, not ignored (prune --all NAME removes all). */
static int want_no_names(const char *sub, int argc, char **argv, struct ou_error **err)
{
	if (argc - optind > 0)
		return ou_error_set(err, OU_E_INVALID, 0, "volume %s: unexpected argument '%s'",
				    sub, argv[optind]);
	return 0;
}

static int run_sub(const struct ou_global_opts *g, const char *sub, int argc, char **argv,
		   struct vol_args *a, struct ou_error **err)
{
	size_t n = (size_t)(argc - optind);

	if (strcmp(sub, "create") == 0) {
		if (argc - optind > 1)
			return ou_error_set(err, OU_E_INVALID, 0,
					    "volume create: unexpected '%s' after NAME",
					    argv[optind + 1]);
		if (argc - optind != 1)
			return ou_error_set(err, OU_E_INVALID, 0, "volume create: needs one NAME");
		return ou_volume_create(g, argv[optind], a->labels, err);
	}
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
		return want_no_names(sub, argc, argv, err) < 0
			       ? -1
			       : ou_volume_list(g, a->quiet ? OU_LIST_QUIET : a->format, err);
	if (strcmp(sub, "inspect") == 0)
		return need_names(sub, argc, err) < 0 ? -1
						      : ou_volume_inspect(g, argv + optind, n, err);
	if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0)
		return need_names(sub, argc, err) < 0
			       ? -1
			       : ou_volume_remove(g, argv + optind, n, a->force, err);
	if (strcmp(sub, "prune") == 0)
		return want_no_names(sub, argc, argv, err) < 0 ? -1
							       : ou_volume_prune(g, a->all, err);
	return ou_error_set(err, OU_E_INVALID, 0, "volume: unknown subcommand '%s'", sub);
}

int ou_cli_volume(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	struct vol_args a = { 0 };
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		ou_cli_print_help("volume");
		return argc < 2 ? ou_error_set(err, OU_E_INVALID, 0, "volume: missing subcommand")
				: 0;
	}
	rc = parse_opts(argc - 1, argv + 1, &a, err);
	if (rc == 0)
		rc = run_sub(g, argv[1], argc - 1, argv + 1, &a, err);
	free(a.labels);
	return rc == 1 ? 0 : rc;
}
