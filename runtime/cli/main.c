/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/base/log.h"
#include "runtime/cli/cli.h"

const struct ou_cli_cmd ou_cli_commands[] = {
	{ "create", ou_cli_create, "[OPTIONS] ID",
	  "Create a container and leave it waiting for start.",
	  "  -b, --bundle DIR        the bundle (default: the current directory)\n"
	  "      --pid-file FILE     write the container process's pid to FILE\n"
	  "      --console-socket S  send the terminal's master fd to the unix socket S\n"
	  "      --preserve-fds N    pass fds 3 to N+2 to the container process\n"
	  "      --no-pivot          use move + chroot instead of pivot_root\n"
	  "      --no-new-keyring    keep the runtime's session keyring\n" },
	{ "start", ou_cli_start, "ID", "Run the user process of a created container.", "" },
	{ "run", ou_cli_run, "[OPTIONS] ID", "Create and start a container.",
	  "  -b, --bundle DIR        the bundle (default: the current directory)\n"
	  "  -d, --detach            return once started instead of waiting\n"
	  "      --pid-file FILE     write the container process's pid to FILE\n"
	  "      --console-socket S  send the terminal's master fd to the unix socket S\n"
	  "      --preserve-fds N    pass fds 3 to N+2 to the container process\n"
	  "      --keep              do not delete the container after it exits\n"
	  "      --no-pivot          use move + chroot instead of pivot_root\n"
	  "      --no-new-keyring    keep the runtime's session keyring\n" },
	{ "state", ou_cli_state, "ID", "Print the state of a container as JSON.", "" },
	{ "kill", ou_cli_kill, "[OPTIONS] ID [SIGNAL]",
	  "Send a signal (name or number, default SIGTERM) to the container.",
	  "  -a, --all               signal every process of the container\n" },
	{ "delete", ou_cli_delete, "[OPTIONS] ID", "Delete a stopped container.",
	  "  -f, --force             kill a live container first; absent is not an error\n"
	  "  -v, --volumes           also remove the container's anonymous volumes\n" },
	{ "exec", ou_cli_exec, "[OPTIONS] ID [COMMAND [ARG...]]",
	  "Run a new process in a running container.",
	  "  -p, --process FILE      the process as a process.json\n"
	  "  -t, --tty               give the process a terminal\n"
	  "      --console-socket S  send the terminal's master fd to the unix socket S\n"
	  "  -d, --detach            return once the process has started\n"
	  "      --pid-file FILE     write the process's pid to FILE\n"
	  "      --cwd DIR           working directory\n"
	  "  -e, --env K=V           add an environment variable\n"
	  "  -u, --user UID[:GID]    user and group ids\n"
	  "      --cap CAP           add a capability\n"
	  "      --no-new-privs      set no_new_privs\n"
	  "      --preserve-fds N    pass fds 3 to N+2 to the process\n"
	  "      --apparmor PROFILE  the AppArmor profile of the process\n"
	  "      --process-label L   the SELinux label of the process\n" },
	{ "ps", ou_cli_ps, "[OPTIONS] ID", "List the processes of a container.",
	  "  -f, --format FMT        table or json (an array of host pids)\n" },
	{ "list", ou_cli_list, "[OPTIONS]", "List the containers.",
	  "  -f, --format FMT        table or json\n"
	  "  -q, --quiet             print the ids only\n" },
	{ "pause", ou_cli_pause, "ID", "Freeze every process of a container.", "" },
	{ "resume", ou_cli_resume, "ID", "Thaw a paused container.", "" },
	{ "update", ou_cli_update, "[OPTIONS] ID", "Change the cgroup resources of a container.",
	  "  -r, --resources FILE    linux.resources as JSON (- for stdin)\n" },
	{ "events", ou_cli_events, "[OPTIONS] ID", "Print events and statistics as JSON.",
	  "      --stats             print statistics once\n"
	  "      --interval N        seconds between statistics (also Ns, Nm, Nh)\n" },
	{ "features", ou_cli_features, "", "Print the features JSON of the runtime spec.", "" },
	{ "spec", ou_cli_spec, "[OPTIONS]", "Write a default config.json.",
	  "  -b, --bundle DIR        where to write it (default: the current directory)\n"
	  "      --rootless          a configuration for an unprivileged user\n" },
	{ "volume", ou_cli_volume, "SUBCOMMAND [OPTIONS] [NAME...]",
	  "Manage volumes: create, ls, inspect, rm, prune.",
	  "  create [--label K=V] NAME   make a named volume\n"
	  "  ls [--format table|json] [-q]  list the volumes\n"
	  "  inspect NAME...             print the volumes as a JSON array\n"
	  "  rm [-f] NAME...             remove volumes; one in use by a container that is\n"
	  "                              not deleted is refused, also with -f (which only\n"
	  "                              makes a missing volume no error)\n"
	  "  prune [--all]               remove unused anonymous volumes (--all: named too)\n" },
	{ "cp", ou_cli_cp, "ID:PATH DEST | SRC ID:PATH",
	  "Copy files or directories out of or into a container's filesystem.", "" },
	{ NULL, NULL, NULL, NULL, NULL },
};

enum {
	OPT_ROOT = 256,
	OPT_STORAGE_ROOT,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_LOG_LEVEL,
	OPT_DEBUG,
	OPT_SYSTEMD_CGROUP,
	OPT_ROOTLESS,
	OPT_CRIU,
	OPT_VERSION,
	OPT_HELP,
};

static const struct option global_opts[] = {
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "storage-root", required_argument, NULL, OPT_STORAGE_ROOT },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "debug", no_argument, NULL, OPT_DEBUG },
	{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
	{ "rootless", required_argument, NULL, OPT_ROOTLESS },
	{ "criu", required_argument, NULL, OPT_CRIU },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void print_usage(void)
{
	printf("Usage: ociunion [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
	       "An OCI container runtime with union root filesystems and volumes.\n\n"
	       "Commands:\n");
	for (const struct ou_cli_cmd *c = ou_cli_commands; c->name != NULL; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	printf("\nGlobal options:\n"
	       "  --root DIR             state directory (default /run/ociunion;\n"
	       "                         $XDG_RUNTIME_DIR/ociunion when not root)\n"
	       "  --storage-root DIR     writable layers and volumes (default /var/lib/ociunion;\n"
	       "                         $XDG_DATA_HOME/ociunion when not root)\n"
	       "  --log FILE             also write log records to FILE\n"
	       "  --log-format FMT       text or json\n"
	       "  --log-level LEVEL      error, warning or debug\n"
	       "  --debug                log debug records\n"
	       "  --systemd-cgroup       cgroupsPath is slice:prefix:name (needs systemd)\n"
	       "  --rootless true|false|auto  rootless mode (auto: when not root)\n"
	       "  --version              print the version, spec version and features\n"
	       "  --help                 print this help\n\n"
	       "Run 'ociunion COMMAND --help' for a command's options.\n");
}

static void print_version(void)
{
	printf("ociunion version %s\nspec: %s\n"
	       "features: +UNION-ROOTFS +SECCOMP +CAP +CGROUPS-V1 +CGROUPS-V2 +CGROUPS-HYBRID\n",
	       PACKAGE_VERSION, ou_container_spec_version());
}

struct log_cfg {
	const char *path;
	enum ou_log_format format;
	enum ou_log_level level;
};

static int parse_log_opt(int c, struct log_cfg *l, struct ou_error **err)
{
	if (c == OPT_LOG) {
		l->path = optarg;
	} else if (c == OPT_LOG_FORMAT) {
		if (ou_log_parse_format(optarg, &l->format) < 0)
			return ou_error_set(err, OU_E_INVALID, 0,
					    "--log-format: '%s' is not text or json", optarg);
	} else if (c == OPT_LOG_LEVEL) {
		if (ou_log_parse_level(optarg, &l->level) < 0)
			return ou_error_set(err, OU_E_INVALID, 0, "--log-level: unknown level '%s'",
					    optarg);
	} else {
		l->level = OU_LOG_DEBUG;
	}
	return 0;
}

/* "auto", the default, means rootless when not root, as runc. */
static int parse_rootless(const char *value, bool *rootless, struct ou_error **err)
{
	if (strcmp(value, "true") == 0)
		*rootless = true;
	else if (strcmp(value, "false") == 0)
		*rootless = false;
	else if (strcmp(value, "auto") == 0)
		*rootless = geteuid() != 0;
	else
		return ou_error_set(err, OU_E_INVALID, 0,
				    "--rootless: '%s' is not true, false or auto", value);
	return 0;
}

/* Returns 1 when --version or --help was handled. */
static int parse_global(int argc, char **argv, struct ou_global_opts *g, struct log_cfg *l,
			struct ou_error **err)
{
	int c;

	optind = 1;
	while ((c = ou_cli_getopt(NULL, argc, argv, "+hv", global_opts, err)) != -1) {
		switch (c) {
		case OPT_ROOT:
			g->root = optarg;
			break;
		case OPT_STORAGE_ROOT:
			g->storage_root = optarg;
			break;
		case OPT_LOG:
		case OPT_LOG_FORMAT:
		case OPT_LOG_LEVEL:
		case OPT_DEBUG:
			if (parse_log_opt(c, l, err) < 0)
				return -1;
			break;
		case OPT_SYSTEMD_CGROUP:
			g->systemd_cgroup = true;
			break;
		case OPT_ROOTLESS:
			if (parse_rootless(optarg, &g->rootless, err) < 0)
				return -1;
			break;
		case OPT_CRIU:
			break;
		case 'v':
		case OPT_VERSION:
			print_version();
			return 1;
		case 'h':
		case OPT_HELP:
			print_usage();
			return 1;
		default:
			return -1;
		}
	}
	return 0;
}

static const struct ou_cli_cmd *find_command(const char *name)
{
	for (const struct ou_cli_cmd *c = ou_cli_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* dir/ociunion in buf if dir (an environment variable's value) is usable. */
static const char *user_dir(char *buf, size_t size, const char *dir, const char *below)
{
	int n;

	/* The XDG base directory specification: relative paths are ignored. */
	if (dir == NULL || dir[0] != '/')
		return NULL;
	n = snprintf(buf, size, "%s%s/ociunion", dir, below);
	return n > 0 && (size_t)n < size ? buf : NULL;
}

/*
 * A user other than root cannot write /run and /var/lib: as runc does, the
 * state goes below $XDG_RUNTIME_DIR, the storage below $XDG_DATA_HOME (or
 * ~/.local/share).  Without those variables the system paths stay and the
 * first command that writes there fails naming the directory.
 */
static void default_dirs(struct ou_global_opts *g)
{
	static char root[4096], storage[4096];
	const char *r, *s;

	g->root = "/run/ociunion";
	g->storage_root = "/var/lib/ociunion";
	if (geteuid() == 0)
		return;
	r = user_dir(root, sizeof(root), getenv("XDG_RUNTIME_DIR"), "");
	s = user_dir(storage, sizeof(storage), getenv("XDG_DATA_HOME"), "");
	if (s == NULL)
		s = user_dir(storage, sizeof(storage), getenv("HOME"), "/.local/share");
	if (r != NULL)
		g->root = r;
	if (s != NULL)
		g->storage_root = s;
}

/*
 * A relative --root or --storage-root is taken from the current directory
 * once, as runc does: the state records the storage root, and a later
 * command run from elsewhere must find the same directories.
 */
static int make_absolute(const char *opt, const char **path, char *buf, size_t size,
			 struct ou_error **err)
{
	char cwd[4096];
	int n;

	if ((*path)[0] == '/')
		return 0;
	if ((*path)[0] == '\0')
		return ou_error_set(err, OU_E_INVALID, 0, "%s: empty path", opt);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return ou_error_set(err, OU_E_SYSTEM, errno, "%s '%s': current directory", opt,
				    *path);
	n = snprintf(buf, size, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, *path);
	if (n < 0 || (size_t)n >= size)
		return ou_error_set(err, OU_E_INVALID, ENAMETOOLONG, "%s '%s'", opt, *path);
	*path = buf;
	return 0;
}

static int dispatch(int argc, char **argv, struct ou_error **err)
{
	static char root_buf[4096], storage_buf[4096];
	struct ou_global_opts g = { .rootless = geteuid() != 0 };
	struct log_cfg l = { NULL, OU_LOG_FORMAT_TEXT, OU_LOG_ERROR };
	const struct ou_cli_cmd *cmd;
	int rc;

	default_dirs(&g);
	rc = parse_global(argc, argv, &g, &l, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (make_absolute("--root", &g.root, root_buf, sizeof(root_buf), err) < 0 ||
	    make_absolute("--storage-root", &g.storage_root, storage_buf, sizeof(storage_buf),
			  err) < 0)
		return -1;
	if (ou_log_init(l.path, l.format, l.level, err) < 0)
		return -1;
	if (optind >= argc) {
		print_usage();
		return ou_error_set(err, OU_E_INVALID, 0, "no command given");
	}
	cmd = find_command(argv[optind]);
	if (cmd == NULL)
		return ou_error_set(err, OU_E_INVALID, 0, "unknown command '%s'", argv[optind]);
	argv += optind;
	argc -= optind;
	return cmd->fn(&g, argc, argv, err);
}

int main(int argc, char **argv)
{
	struct ou_error *err = NULL;
	int rc = dispatch(argc, argv, &err);

	if (rc >= 0)
		return rc;
	if (err != NULL) {
		char *msg = ou_error_format(err);

		/* The single error printer (STYLE 3.6): one line, to stderr and the log. */
		ou_log(OU_LOG_ERROR, "%s", msg);
		free(msg);
		ou_error_free(err);
	}
	return 1;
}
