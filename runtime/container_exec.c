/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/container_internal.h"
#include "runtime/init.h"
#include "runtime/lsm.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "runtime/terminal.h"
#include "spec/config.h"
#include "spec/state_json.h"

/*
 * exec: a new process in every namespace and the cgroup of a running
 * container.  The runtime forks a helper that joins the namespaces with
 * setns on a pidfd of the container process, and the helper forks the
 * process itself, so that it is inside the container's pid namespace.
 * The runtime is a child subreaper, so the process becomes its child when
 * the helper exits, and exec can wait for it.
 */

struct exec_ctx {
	const struct ou_exec_opts *o;
	struct ou_ctr *c;
	struct ou_process *file_proc; /* from --process */
	struct ou_process proc;	      /* what runs; borrows from the spec or file_proc */
	struct ou_capabilities caps;
	char **env;
	struct ou_seccomp_prog *sc;
	int pidfd;
	int nsflags;
	bool userns;
	int sync[2];
	int console_fd;
	int pty_master;
	pid_t pid;
	sigset_t oldmask;
};

static void ctx_release(struct exec_ctx *x)
{
	ou_process_free(x->file_proc);
	free(x->env);
	free(x->caps.bounding.v);
	free(x->caps.effective.v);
	free(x->caps.inheritable.v);
	free(x->caps.permitted.v);
	free(x->caps.ambient.v);
	ou_seccomp_prog_free(x->sc);
	ou_ctr_free(x->c);
	for (int i = 0; i < 2; i++)
		if (x->sync[i] >= 0)
			close(x->sync[i]);
	if (x->pidfd >= 0)
		close(x->pidfd);
	if (x->console_fd >= 0)
		close(x->console_fd);
	if (x->pty_master >= 0)
		close(x->pty_master);
}

static int load_process_file(struct exec_ctx *x, struct ou_error **err)
{
	ou_autofree char *json = NULL;
	size_t len = 0;

	if (ou_read_file(x->o->process_file, 1 << 24, &json, &len, err) < 0)
		return -1;
	if (ou_config_parse_process(json, len, &x->file_proc, err) < 0) {
		ou_error_prefix(err, "--process '%s'", x->o->process_file);
		return -1;
	}
	return 0;
}

static void strv_copy(struct ou_strv *dst, const struct ou_strv *src)
{
	dst->len = src->len;
	dst->v = ou_xcalloc(src->len + 1, sizeof(char *));
	memcpy(dst->v, src->v, src->len * sizeof(char *));
}

/* Capabilities of the process plus --cap names, in arrays exec owns. */
static int merge_caps(struct exec_ctx *x, struct ou_error **err)
{
	const struct ou_capabilities *base = x->proc.capabilities;
	struct ou_strv names = { 0 };

	if (x->o->caps == NULL)
		return 0;
	if (base != NULL) {
		strv_copy(&x->caps.bounding, &base->bounding);
		strv_copy(&x->caps.effective, &base->effective);
		strv_copy(&x->caps.inheritable, &base->inheritable);
		strv_copy(&x->caps.permitted, &base->permitted);
		strv_copy(&x->caps.ambient, &base->ambient);
	}
	while (x->o->caps[names.len] != NULL)
		names.len++;
	names.v = x->o->caps;
	x->proc.capabilities = &x->caps;
	return ou_caps_add_names(&x->caps, &names, err);
}

static void merge_env(struct exec_ctx *x)
{
	size_t n = x->proc.env.len, extra = 0;

	while (x->o->env != NULL && x->o->env[extra] != NULL)
		extra++;
	x->env = ou_xcalloc(n + extra + 1, sizeof(char *));
	if (n > 0)
		memcpy(x->env, x->proc.env.v, n * sizeof(char *));
	for (size_t i = 0; i < extra; i++)
		x->env[n + i] = x->o->env[i];
	x->proc.env.v = x->env;
	x->proc.env.len = n + extra;
}

/*
 * A uid or gid in decimal digits only, at most 4294967294: (uid_t)-1 means
 * "no change" to setresuid, so "-1" (which sscanf's %u takes for it) would
 * leave the process root.
 */
static int parse_id(const char *s, size_t len, const char *what, const char *arg, uint32_t *out,
		    struct ou_error **err)
{
	ou_autofree char *digits = ou_xstrndup(s, len);
	long long v;

	if (len == 0 || strspn(digits, "0123456789") != len ||
	    ou_parse_ll(digits, 0, UINT32_MAX - 1, &v) < 0)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "--user '%s': %s '%s' is not a number from 0 to 4294967294",
				    arg, what, digits);
	*out = (uint32_t)v;
	return 0;
}

static int parse_user(const char *s, struct ou_user *u, struct ou_error **err)
{
	const char *colon = strchr(s, ':');
	uint32_t uid, gid;

	if (colon == NULL)
		return parse_id(s, strlen(s), "uid", s, &u->uid, err);
	if (parse_id(s, (size_t)(colon - s), "uid", s, &uid, err) < 0 ||
	    parse_id(colon + 1, strlen(colon + 1), "gid", s, &gid, err) < 0)
		return -1;
	u->uid = uid;
	u->gid = gid;
	return 0;
}

/* The process: --process, or the container's own with the command-line changes. */
static int build_process(struct exec_ctx *x, struct ou_error **err)
{
	const struct ou_exec_opts *o = x->o;

	if (o->process_file != NULL) {
		if (load_process_file(x, err) < 0)
			return -1;
		x->proc = *x->file_proc;
	} else {
		x->proc = *x->c->spec->process;
		x->proc.args.v = o->args;
		for (x->proc.args.len = 0; o->args[x->proc.args.len] != NULL; x->proc.args.len++)
			;
		x->proc.terminal = o->tty;
	}
	if (o->cwd != NULL)
		x->proc.cwd = (char *)o->cwd;
	if (o->user != NULL && parse_user(o->user, &x->proc.user, err) < 0)
		return -1;
	if (o->no_new_privs)
		x->proc.no_new_privileges = true;
	if (o->apparmor != NULL)
		x->proc.apparmor_profile = (char *)o->apparmor;
	if (o->process_label != NULL)
		x->proc.selinux_label = (char *)o->process_label;
	if (x->proc.args.len == 0 || x->proc.cwd == NULL || x->proc.cwd[0] != '/')
		return ou_error_set(err, OU_E_INVALID, 0,
				    "the process needs args and an absolute cwd");
	merge_env(x);
	return merge_caps(x, err);
}

static const struct {
	const char *name;
	int flag;
} ns_files[] = {
	{ "user", CLONE_NEWUSER },     { "mnt", CLONE_NEWNS },
	{ "pid", CLONE_NEWPID },       { "net", CLONE_NEWNET },
	{ "ipc", CLONE_NEWIPC },       { "uts", CLONE_NEWUTS },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", 0x00000080 /* CLONE_NEWTIME */ },
};

/* The namespaces the container has that we are not in. */
static int container_ns_flags(pid_t pid, bool *userns)
{
	int flags = 0;

	*userns = false;
	for (size_t i = 0; i < sizeof(ns_files) / sizeof(ns_files[0]); i++) {
		char theirs[64], ours[64];
		struct stat a, b;

		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, ns_files[i].name);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns_files[i].name);
		if (stat(theirs, &a) < 0 || stat(ours, &b) < 0 || a.st_ino == b.st_ino)
			continue;
		flags |= ns_files[i].flag;
		if (ns_files[i].flag == CLONE_NEWUSER)
			*userns = true;
	}
	return flags;
}

static int open_target(struct exec_ctx *x, struct ou_error **err)
{
	const struct ou_state *st = x->c->st;

	x->pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (x->pidfd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open the container process");
	/* The pidfd pins the process; make sure it is still the container's. */
	if (!ou_process_is_alive(st->pid, st->pid_start_time))
		return ou_error_set(err, OU_E_STATE, 0, "%s", OU_MSG_NOT_RUNNING);
	x->nsflags = container_ns_flags(st->pid, &x->userns);
	return 0;
}

static int setup_terminal(struct exec_ctx *x, struct ou_error **err)
{
	ou_autoclose int master = -1;

	if (!x->proc.terminal)
		return 0;
	if (ou_terminal_open(x->proc.has_console_size, x->proc.console_height,
			     x->proc.console_width, &master, err) < 0)
		return -1;
	if (x->console_fd >= 0)
		return ou_terminal_send(x->console_fd, master, err);
	return ou_sync_send_fd(x->sync[1], OU_SYNC_FD, master, err);
}

/* The exec'd process, inside every namespace of the container. */
static void process_main(struct exec_ctx *x)
{
	struct ou_error *err = NULL;
	int notify_fd = -1;

	if (ou_sync_expect(x->sync[1], OU_SYNC_GO, NULL, NULL, &err) < 0)
		_exit(1);
	sigprocmask(SIG_SETMASK, &x->oldmask, NULL);
	if ((x->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) ||
	    setup_terminal(x, &err) < 0 || ou_init_process_prepare(&x->proc, &err) < 0 ||
	    ou_init_process_identity(&x->proc, x->sc, x->userns, &notify_fd, &err) < 0 ||
	    ou_init_send_notify_fd(x->sync[1], notify_fd, &err) < 0) {
		if (err == NULL)
			ou_error_set(&err, OU_E_SYSTEM, errno, "become root in the user namespace");
		goto fail;
	}
	ou_cloexec_from(3 + x->o->preserve_fds);
	ou_init_exec(&x->proc, x->sc, x->sync[1], OU_TRAMPOLINE_SYNC, &err);
fail:
	ou_sync_send_error(x->sync[1], err);
	_exit(err->kind == OU_E_NOT_FOUND ? 127 : 126);
}

/* The helper: joins the namespaces, forks the process, reports its pid. */
static void helper_main(struct exec_ctx *x)
{
	struct ou_error *err = NULL;
	pid_t pid;

	close(x->sync[0]);
	/* Nothing in the container may reach this binary through /proc (the CVE-2019-5736 class).
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (x->nsflags != 0 && setns(x->pidfd, x->nsflags) < 0) {
		ou_error_set(&err, OU_E_SYSTEM, errno, "join the namespaces of the container");
		ou_sync_send_error(x->sync[1], err);
		_exit(1);
	}
	pid = fork();
	if (pid == 0)
		process_main(x);
	if (pid < 0) {
		ou_error_set(&err, OU_E_SYSTEM, errno, "fork");
		ou_sync_send_error(x->sync[1], err);
		_exit(1);
	}
	ou_sync_send(x->sync[1], OU_SYNC_PID, pid, &err);
	_exit(0);
}

static int enter_cgroup(struct exec_ctx *x, struct ou_error **err)
{
	struct ou_cgroup *cg = NULL;
	int rc;

	if (x->c->st->cgroup_path == NULL)
		return 0;
	if (ou_cgroup_open(x->c->st->cgroup_path, &cg, err) < 0)
		return -1;
	rc = ou_cgroup_enter(cg, x->pid, err);
	ou_cgroup_free(cg);
	return rc;
}

static int spawn(struct exec_ctx *x, struct ou_error **err)
{
	int32_t pid = 0;
	pid_t helper;
	int status;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "become a child subreaper");
	if (ou_sync_pair(x->sync, err) < 0)
		return -1;
	ou_process_block_signals(&x->oldmask);
	helper = fork();
	if (helper < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "fork");
	if (helper == 0)
		helper_main(x);
	close(x->sync[1]);
	x->sync[1] = -1;
	if (ou_sync_expect(x->sync[0], OU_SYNC_PID, &pid, NULL, err) < 0) {
		waitpid(helper, &status, 0);
		return -1;
	}
	waitpid(helper, &status, 0);
	x->pid = pid;
	return 0;
}

static void kill_process(struct exec_ctx *x)
{
	if (x->pid > 0) {
		kill(x->pid, SIGKILL);
		waitpid(x->pid, NULL, 0);
	}
}

/* Place the process, let it go, and see it exec. */
static int release(struct exec_ctx *x, struct ou_error **err)
{
	if (enter_cgroup(x, err) < 0 || ou_sync_send(x->sync[0], OU_SYNC_GO, 0, err) < 0)
		return -1;
	if (x->proc.terminal && x->console_fd < 0 &&
	    ou_sync_expect(x->sync[0], OU_SYNC_FD, NULL, &x->pty_master, err) < 0)
		return -1;
	if (x->sc != NULL && ou_seccomp_wants_listener(x->sc) &&
	    ou_ctr_pass_listener(x->c->st, x->c->spec, x->pid, x->sync[0], err) < 0)
		return -1;
	return ou_sync_expect_eof(x->sync[0], err);
}

static int prepare(struct exec_ctx *x, const struct ou_global_opts *g, const char *id,
		   struct ou_error **err)
{
	const struct ou_linux *lx;

	if (ou_ctr_open(g, id, &x->c, err) < 0 || ou_ctr_load_spec(x->c, err) < 0)
		return -1;
	if (x->c->status != OU_STATUS_RUNNING && x->c->status != OU_STATUS_CREATED)
		return ou_error_set(err, OU_E_STATE, 0, "%s", OU_MSG_NOT_RUNNING);
	if (x->c->spec->process == NULL && x->o->process_file == NULL)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "the container has no process: use --process");
	if (build_process(x, err) < 0 || ou_lsm_check(&x->proc, NULL, err) < 0 ||
	    open_target(x, err) < 0)
		return -1;
	lx = x->c->spec->linux_;
	if (lx != NULL && lx->seccomp != NULL && ou_seccomp_compile(lx->seccomp, &x->sc, err) < 0)
		return -1;
	/* Others may act on the container while this process runs. */
	ou_state_dir_free(x->c->sd);
	x->c->sd = NULL;
	if (x->proc.terminal && x->o->console_socket != NULL)
		return ou_terminal_connect(x->o->console_socket, &x->console_fd, err);
	if (x->proc.terminal && x->o->detach)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "--tty with --detach needs --console-socket");
	return 0;
}

static int write_pid_file(const char *path, pid_t pid, struct ou_error **err)
{
	ou_autofree char *v = NULL;

	if (path == NULL)
		return 0;
	v = ou_xasprintf("%d", (int)pid);
	if (ou_write_file_atomic(path, v, strlen(v), 0644, err) < 0) {
		ou_error_prefix(err, "--pid-file");
		return -1;
	}
	return 0;
}

static int wait_process(struct exec_ctx *x, struct ou_error **err)
{
	struct termios saved;
	bool raw = x->pty_master >= 0 && isatty(STDIN_FILENO) &&
		   ou_terminal_make_raw(STDIN_FILENO, &saved) == 0;
	int status = ou_process_wait_forward(x->pid, x->pty_master, err);

	if (raw)
		ou_terminal_restore(STDIN_FILENO, &saved);
	return status;
}

int ou_container_exec(const struct ou_global_opts *g, const char *id, const struct ou_exec_opts *o,
		      int *status, struct ou_error **err)
{
	struct exec_ctx x = {
		.o = o, .pidfd = -1, .sync = { -1, -1 }, .console_fd = -1, .pty_master = -1
	};
	int rc = -1;

	if (prepare(&x, g, id, err) < 0 || spawn(&x, err) < 0)
		goto out;
	if (release(&x, err) < 0 || write_pid_file(o->pid_file, x.pid, err) < 0) {
		kill_process(&x);
		goto out;
	}
	*status = 0;
	rc = 0;
	if (!o->detach) {
		rc = wait_process(&x, err);
		*status = rc < 0 ? 0 : rc;
		rc = rc < 0 ? -1 : 0;
	}
out:
	if (rc < 0)
		ou_error_prefix(err, "exec '%s'", id);
	ctx_release(&x);
	return rc;
}
