/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_CONTAINER_H
#define OU_RUNTIME_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"

/*
 * The lifecycle API that runtime/cli/ calls: one function per command.
 * Every function takes the global options, leaves nothing behind when it
 * fails (runtime.md, Errors) and reports through err.
 */

struct ou_global_opts {
	const char *root;	  /* state directory, default /run/ociunion */
	const char *storage_root; /* default /var/lib/ociunion */
	bool systemd_cgroup;
	bool rootless;
};

struct ou_create_opts {
	const char *bundle; /* NULL: the current directory */
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
};

struct ou_exec_opts {
	const char *process_file; /* --process: a process.json */
	char **args;		  /* or the command line, NULL-terminated */
	bool tty;
	const char *console_socket;
	bool detach;
	const char *pid_file;
	const char *cwd;
	char **env;	  /* -e K=V, NULL-terminated */
	const char *user; /* "UID[:GID]" */
	char **caps;	  /* --cap, NULL-terminated */
	bool no_new_privs;
	int preserve_fds;
	const char *apparmor;	   /* --apparmor: replaces process.apparmorProfile */
	const char *process_label; /* --process-label: replaces process.selinuxLabel */
};

enum ou_list_format {
	OU_LIST_TABLE = 0,
	OU_LIST_JSON,
	OU_LIST_QUIET,
};

/* Check a container ID: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 1024 bytes. */
int ou_container_check_id(const char *id, struct ou_error **err);

/* create: the container is "created", its process waits for start. */
int ou_container_create(const struct ou_global_opts *g, const char *id,
			const struct ou_create_opts *o, struct ou_error **err);

/* start: run the user process of a created container. */
int ou_container_start(const struct ou_global_opts *g, const char *id, struct ou_error **err);

/*
 * run: create and start.  Detached, returns once started; otherwise waits,
 * forwards signals, stores the exit status (128+N for signal N) in
 * *status and deletes the container unless keep.
 */
int ou_container_run(const struct ou_global_opts *g, const char *id, const struct ou_create_opts *o,
		     bool detach, bool keep, int *status, struct ou_error **err);

/* state: the spec's state JSON of the container, caller frees. */
int ou_container_state_json(const struct ou_global_opts *g, const char *id, char **json,
			    struct ou_error **err);

/* kill: send sig to the init process, or with all to every process. */
int ou_container_kill(const struct ou_global_opts *g, const char *id, int sig, bool all,
		      struct ou_error **err);

/* delete: remove a stopped container; force kills a live one first. */
int ou_container_delete(const struct ou_global_opts *g, const char *id, bool force, bool volumes,
			struct ou_error **err);

/* exec: a new process in a running container; *status as for run. */
int ou_container_exec(const struct ou_global_opts *g, const char *id, const struct ou_exec_opts *o,
		      int *status, struct ou_error **err);

/* ps: the container's host pids, as a table or a JSON array on stdout. */
int ou_container_ps(const struct ou_global_opts *g, const char *id, bool json,
		    struct ou_error **err);

/* list: the containers under --root on stdout. */
int ou_container_list(const struct ou_global_opts *g, enum ou_list_format format,
		      struct ou_error **err);

/* pause and resume: freeze or thaw the container's cgroup. */
int ou_container_pause(const struct ou_global_opts *g, const char *id, bool pause,
		       struct ou_error **err);

/* update: new cgroup resources from a linux.resources JSON file ("-": stdin). */
int ou_container_update(const struct ou_global_opts *g, const char *id, const char *resources_file,
			struct ou_error **err);

/* events: JSON records on stdout; with stats, one stats record. */
int ou_container_events(const struct ou_global_opts *g, const char *id, bool stats, int interval,
			struct ou_error **err);

/* features: the spec's features JSON on stdout. */
int ou_container_features(struct ou_error **err);

/* The newest runtime-spec version ociunion knows. */
const char *ou_container_spec_version(void);

/* spec: write a default config.json into bundle (NULL: cwd). */
int ou_container_spec(const char *bundle, bool rootless, struct ou_error **err);

/* Parse a signal given by name ("TERM", "SIGTERM") or number. */
int ou_container_parse_signal(const char *s, int *sig, struct ou_error **err);

/* volume create: a named volume with labels ("K=V", NULL-terminated). */
int ou_volume_create(const struct ou_global_opts *g, const char *name, char *const *labels,
		     struct ou_error **err);

/* volume ls: the volumes under --storage-root on stdout. */
int ou_volume_list(const struct ou_global_opts *g, enum ou_list_format format,
		   struct ou_error **err);

/* volume inspect: a JSON array of the n volumes on stdout. */
int ou_volume_inspect(const struct ou_global_opts *g, char *const *names, size_t n,
		      struct ou_error **err);

/*
 * volume rm: remove the n volumes.  One in use by a container that is not
 * deleted is refused (OU_E_STATE), also with force, which only makes a
 * missing volume no error.
 */
int ou_volume_remove(const struct ou_global_opts *g, char *const *names, size_t n, bool force,
		     struct ou_error **err);

/* volume prune: remove unused anonymous volumes (with all, named ones too). */
int ou_volume_prune(const struct ou_global_opts *g, bool all, struct ou_error **err);

/*
 * cp: copy between the host and a container's filesystem, running or
 * stopped; one of src and dst is "ID:PATH".  PATH never resolves outside
 * the container's root.
 */
int ou_container_cp(const struct ou_global_opts *g, const char *src, const char *dst,
		    struct ou_error **err);

#endif
