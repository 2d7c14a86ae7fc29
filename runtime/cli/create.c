/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <string.h>

#include "runtime/cli/cli.h"

enum {
	OPT_PID_FILE = 256,
	OPT_CONSOLE_SOCKET,
	OPT_PRESERVE_FDS,
	OPT_NO_PIVOT,
	OPT_NO_NEW_KEYRING,
	OPT_KEEP,
	OPT_HELP,
};

static const struct option create_opts[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
	{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
	{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
	{ "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
	{ "detach", no_argument, NULL, 'd' },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Options of create and run; detach and keep only for run. */
static int parse(const char *cmd, int argc, char **argv, struct ou_create_opts *o, bool *detach,
		 bool *keep, struct ou_error **err)
{
	int c;

	optind = 1;
	while ((c = ou_cli_getopt(cmd, argc, argv, "+b:dh", create_opts, err)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE_SOCKET:
			o->console_socket = optarg;
			break;
		case OPT_PRESERVE_FDS:
			if (ou_cli_int(cmd, "--preserve-fds", optarg, 0, 1 << 20, &o->preserve_fds,
				       err) < 0)
				return -1;
			break;
		case OPT_NO_PIVOT:
			o->no_pivot = true;
			break;
		case OPT_NO_NEW_KEYRING:
			o->no_new_keyring = true;
			break;
		case 'd':
		case OPT_KEEP:
			if (detach == NULL)
				return ou_error_set(err, OU_E_INVALID, 0, "%s: unknown option '%s'",
						    cmd, argv[optind - 1]);
			*(c == 'd' ? detach : keep) = true;
			break;
		case 'h':
		case OPT_HELP:
			ou_cli_print_help(cmd);
			return 1;
		default:
			return -1;
		}
	}
	return ou_cli_want_args(cmd, argc, argv, 1, err);
}

int ou_cli_create(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	struct ou_create_opts o = { 0 };
	int rc = parse("create", argc, argv, &o, NULL, NULL, err);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return ou_container_create(g, argv[optind], &o, err);
}

int ou_cli_run(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	struct ou_create_opts o = { 0 };
	bool detach = false, keep = false;
	int status = 0;
	int rc = parse("run", argc, argv, &o, &detach, &keep, err);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (ou_container_run(g, argv[optind], &o, detach, keep, &status, err) < 0)
		return -1;
	return status;
}
