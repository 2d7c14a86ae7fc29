/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdlib.h>

#include "runtime/base/util.h"
#include "runtime/cli/cli.h"

enum {
	OPT_CONSOLE_SOCKET = 256,
	OPT_PID_FILE,
	OPT_CWD,
	OPT_CAP,
	OPT_NO_NEW_PRIVS,
	OPT_PRESERVE_FDS,
	OPT_PROCESS_LABEL,
	OPT_APPARMOR,
};

static const struct option exec_opts[] = {
	{ "process", required_argument, NULL, 'p' },
	{ "tty", no_argument, NULL, 't' },
	{ "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
	{ "detach", no_argument, NULL, 'd' },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "cwd", required_argument, NULL, OPT_CWD },
	{ "env", required_argument, NULL, 'e' },
	{ "user", required_argument, NULL, 'u' },
	{ "cap", required_argument, NULL, OPT_CAP },
	{ "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
	{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
	{ "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
	{ "apparmor", required_argument, NULL, OPT_APPARMOR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct strlist {
	char **v;
	size_t n;
};

static void push(struct strlist *l, char *s)
{
	l->v = ou_xrealloc(l->v, (l->n + 2) * sizeof(char *));
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

static int parse_one(int c, struct ou_exec_opts *o, struct strlist *env, struct strlist *caps,
		     struct ou_error **err)
{
	switch (c) {
	case 'p':
		o->process_file = optarg;
		break;
	case 't':
		o->tty = true;
		break;
	case OPT_CONSOLE_SOCKET:
		o->console_socket = optarg;
		break;
	case 'd':
		o->detach = true;
		break;
	case OPT_PID_FILE:
		o->pid_file = optarg;
		break;
	case OPT_CWD:
		o->cwd = optarg;
		break;
	case 'e':
		push(env, optarg);
		break;
	case 'u':
		o->user = optarg;
		break;
	case OPT_CAP:
		push(caps, optarg);
		break;
	case OPT_NO_NEW_PRIVS:
		o->no_new_privs = true;
		break;
	case OPT_PROCESS_LABEL:
		o->process_label = optarg;
		break;
	case OPT_APPARMOR:
		o->apparmor = optarg;
		break;
	case OPT_PRESERVE_FDS:
		return ou_cli_int("exec", "--preserve-fds", optarg, 0, 1 << 20, &o->preserve_fds,
				  err);
	default:
		return -1;
	}
	return 0;
}

int ou_cli_exec(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err)
{
	struct ou_exec_opts o = { 0 };
	struct strlist env = { 0 }, caps = { 0 };
	int status = 0, rc = -1, c;

	optind = 1;
	while ((c = ou_cli_getopt("exec", argc, argv, "+p:tde:u:h", exec_opts, err)) != -1) {
		if (c == 'h') {
			ou_cli_print_help("exec");
			rc = 0;
			goto out;
		}
		if (parse_one(c, &o, &env, &caps, err) < 0)
			goto out;
	}
	if (argc - optind < 1) {
		ou_error_set(err, OU_E_INVALID, 0, "exec: missing container id");
		goto out;
	}
	if (o.process_file == NULL && argc - optind < 2) {
		ou_error_set(err, OU_E_INVALID, 0, "exec: give a command or --process");
		goto out;
	}
	o.args = argv + optind + 1;
	o.env = env.v;
	o.caps = caps.v;
	rc = ou_container_exec(g, argv[optind], &o, &status, err);
	if (rc == 0)
		rc = status;
out:
	free(env.v);
	free(caps.v);
	return rc;
}
