/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_CLI_CLI_H
#define OU_CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "runtime/base/error.h"
#include "runtime/container.h"

/*
 * One function per command: parses its options and makes one lifecycle
 * call.  Returns the exit status (0, or the container's for run and exec),
 * or -1 with *err set.
 */
struct ou_cli_cmd {
	const char *name;
	int (*fn)(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
	const char *usage;   /* after "ociunion NAME " */
	const char *summary; /* one line */
	const char *options; /* one line an option, for --help */
};

extern const struct ou_cli_cmd ou_cli_commands[];

int ou_cli_create(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_start(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_run(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_state(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_kill(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_delete(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_exec(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_spec(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_ps(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_list(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_pause(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_resume(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_update(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_events(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_features(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_volume(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);
int ou_cli_cp(const struct ou_global_opts *g, int argc, char **argv, struct ou_error **err);

/*
 * Option parsing shared by the commands.  ou_cli_getopt wraps
 * getopt_long_only (runc also takes "-bundle"), turning an unknown option,
 * a missing value or a value given to an option that takes none into an
 * OU_E_INVALID error naming the option and the command (none if cmd is
 * NULL, for the global options); it returns the option, -1 at the end, or
 * '?' with *err set.
 */
int ou_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
		  const struct option *longopts, struct ou_error **err);

/* Exactly n positional arguments remain after the options. */
int ou_cli_want_args(const char *cmd, int argc, char **argv, int n, struct ou_error **err);

/* Print "ociunion CMD --help". */
void ou_cli_print_help(const char *cmd);

/* An integer option value. */
int ou_cli_int(const char *cmd, const char *opt, const char *value, int min, int max, int *out,
	       struct ou_error **err);

#endif
