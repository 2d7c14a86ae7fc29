/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hooks/hooks.h"
#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/lsm.h"
#include "runtime/mount.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/terminal.h"
#include "spec/config.h"
#include "spec/state_json.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const int ns_clone_flag[OU_NS__COUNT] = {
	[OU_NS_PID] = CLONE_NEWPID,	  [OU_NS_NETWORK] = CLONE_NEWNET,
	[OU_NS_MOUNT] = CLONE_NEWNS,	  [OU_NS_IPC] = CLONE_NEWIPC,
	[OU_NS_UTS] = CLONE_NEWUTS,	  [OU_NS_USER] = CLONE_NEWUSER,
	[OU_NS_CGROUP] = CLONE_NEWCGROUP, [OU_NS_TIME] = CLONE_NEWTIME,
};

static int join_one(const struct ou_namespace *ns, struct ou_error **err)
{
	ou_autoclose int fd = open(ns->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open namespace '%s'", ns->path);
	if (setns(fd, ns_clone_flag[ns->type]) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "join %s namespace '%s'",
				    ou_ns_type_name(ns->type), ns->path);
	return 0;
}

int ou_init_join_namespaces(const struct ou_spec *spec, struct ou_error **err)
{
	const struct ou_namespace *user = ou_spec_namespace(spec, OU_NS_USER);
	const struct ou_linux *lx = spec->linux_;

	if (user != NULL && user->path != NULL && join_one(user, err) < 0)
		return -1;
	for (size_t i = 0; lx != NULL && i < lx->n_namespaces; i++) {
		const struct ou_namespace *ns = &lx->namespaces[i];

		if (ns->path == NULL || ns->type == OU_NS_USER || ns->type == OU_NS_PID)
			continue;
		if (join_one(ns, err) < 0)
			return -1;
	}
	return 0;
}

/* Namespaces to make with unshare after the clone: cgroup and time. */
static int unshare_late(const struct ou_spec *spec, struct ou_error **err)
{
	const struct ou_namespace *cg = ou_spec_namespace(spec, OU_NS_CGROUP);
	const struct ou_namespace *tm = ou_spec_namespace(spec, OU_NS_TIME);

	/* After the runtime put us in our cgroup, so that it becomes the root. */
	if (cg != NULL && cg->path == NULL && unshare(CLONE_NEWCGROUP) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create cgroup namespace");
	if (tm == NULL || tm->path != NULL)
		return 0;
	if (unshare(CLONE_NEWTIME) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create time namespace");
	return 0;
}

/* config-linux.md, Offset for Time Namespace: written before anyone enters. */
static int enter_time_ns(const struct ou_spec *spec, struct ou_error **err)
{
	const struct ou_namespace *tm = ou_spec_namespace(spec, OU_NS_TIME);
	const struct ou_linux *lx = spec->linux_;
	ou_autoclose int fd = -1;

	if (tm == NULL || tm->path != NULL)
		return 0;
	for (size_t i = 0; i < lx->n_time_offsets; i++) {
		const struct ou_time_offset *o = &lx->time_offsets[i];
		ou_autofree char *line =
			ou_xasprintf("%s %lld %u\n", o->clock, (long long)o->secs, o->nanosecs);
		ou_autoerror struct ou_error *e = NULL;

		if (ou_write_file("/proc/self/timens_offsets", line, strlen(line), 0, &e) < 0)
			return ou_error_set(err, OU_E_SYSTEM, e->errnum,
					    "linux.timeOffsets.%s: write timens_offsets", o->clock);
	}
	fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWTIME) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "enter time namespace");
	return 0;
}

static int set_names(const struct ou_spec *spec, struct ou_error **err)
{
	if (spec->hostname != NULL && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "hostname: set '%s'", spec->hostname);
	if (spec->domainname != NULL &&
	    setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "domainname: set '%s'",
				    spec->domainname);
	return 0;
}

static int set_oom_score(const struct ou_process *p, struct ou_error **err)
{
	ou_autofree char *v = NULL;
	ou_autoerror struct ou_error *e = NULL;

	if (p == NULL || !p->has_oom_score_adj)
		return 0;
	v = ou_xasprintf("%d", p->oom_score_adj);
	if (ou_write_file("/proc/self/oom_score_adj", v, strlen(v), 0, &e) < 0)
		return ou_error_set(err, OU_E_SYSTEM, e->errnum, "process.oomScoreAdj: set %d",
				    p->oom_score_adj);
	return 0;
}

struct rlimit_name {
	const char *name;
	int resource;
};

static const struct rlimit_name rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static int rlimit_resource(const char *name)
{
	for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (strcmp(rlimit_names[i].name, name) == 0)
			return rlimit_names[i].resource;
	return -1;
}

static int set_rlimits(const struct ou_process *p, struct ou_error **err)
{
	for (size_t i = 0; p != NULL && i < p->n_rlimits; i++) {
		const struct ou_rlimit *r = &p->rlimits[i];
		struct rlimit lim = { .rlim_cur = r->soft, .rlim_max = r->hard };
		struct rlimit cur = { 0 };
		int res = rlimit_resource(r->type);

		if (res < 0)
			return ou_error_set(err, OU_E_INVALID, 0,
					    "process.rlimits[%zu].type: unknown resource '%s'", i,
					    r->type);
		if (setrlimit(res, &lim) == 0)
			continue;
		getrlimit(res, &cur);
		return ou_error_set(
			err, OU_E_SYSTEM, errno,
			"process.rlimits[%zu]: set %s to soft %llu hard %llu "
			"(the hard limit now is %llu; raising it needs CAP_SYS_RESOURCE)",
			i, r->type, (unsigned long long)r->soft, (unsigned long long)r->hard,
			(unsigned long long)cur.rlim_max);
	}
	return 0;
}

static int set_personality(const struct ou_spec *spec, struct ou_error **err)
{
	const struct ou_personality *pe = spec->linux_ ? spec->linux_->personality : NULL;
	unsigned long dom;

	if (pe == NULL)
		return 0;
	if (strcmp(pe->domain, "LINUX") == 0)
		dom = PER_LINUX;
	else if (strcmp(pe->domain, "LINUX32") == 0)
		dom = PER_LINUX32;
	else
		return ou_error_set(err, OU_E_INVALID, 0, "linux.personality.domain: unknown '%s'",
				    pe->domain);
	if (personality(dom) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "linux.personality: set '%s'",
				    pe->domain);
	return 0;
}

/* A sysctl key that the container's own namespaces hold (config-linux.md, Sysctl). */
static bool sysctl_is_namespaced(const struct ou_spec *spec, const char *key)
{
	static const char *const ipc_keys[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};
	const struct ou_namespace *ns;

	for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(ipc_keys[0]); i++)
		if (strcmp(key, ipc_keys[i]) == 0)
			return (ns = ou_spec_namespace(spec, OU_NS_IPC)) != NULL &&
			       ns->path == NULL;
	if (ou_has_prefix(key, "fs.mqueue."))
		return (ns = ou_spec_namespace(spec, OU_NS_IPC)) != NULL;
	if (ou_has_prefix(key, "net."))
		return ou_spec_namespace(spec, OU_NS_NETWORK) != NULL;
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		return ou_spec_namespace(spec, OU_NS_UTS) != NULL;
	return false;
}

static int set_sysctls(const struct ou_spec *spec, struct ou_error **err)
{
	const struct ou_kv_list *l = spec->linux_ ? &spec->linux_->sysctl : NULL;

	for (size_t i = 0; l != NULL && i < l->len; i++) {
		const char *key = l->items[i].key;
		ou_autofree char *path = NULL;
		ou_autoerror struct ou_error *e = NULL;

		if (!sysctl_is_namespaced(spec, key))
			return ou_error_set(
				err, OU_E_INVALID, 0,
				"linux.sysctl: '%s' is not namespaced in this container "
				"and would change the host",
				key);
		path = ou_xasprintf("/proc/sys/%s", key);
		for (char *c = path + strlen("/proc/sys/"); *c; c++)
			if (*c == '.')
				*c = '/';
		if (ou_write_proc_file(path, l->items[i].value, strlen(l->items[i].value), &e) < 0)
			return ou_error_set(err, e->kind, e->errnum, "linux.sysctl: set '%s'%s%s",
					    key, e->kind == OU_E_INVALID ? ": " : "",
					    e->kind == OU_E_INVALID ? e->msg : "");
	}
	return 0;
}

static const char *env_path(const struct ou_process *p)
{
	for (size_t i = 0; i < p->env.len; i++)
		if (ou_has_prefix(p->env.v[i], "PATH="))
			return p->env.v[i] + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static bool is_executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* execvp's search, with PATH from the container's environment. */
static char *find_executable(const struct ou_process *p, struct ou_error **err)
{
	const char *file = p->args.v[0];
	ou_autofree char *copy = NULL;
	char *save = NULL;

	if (strchr(file, '/') != NULL)
		return ou_xstrdup(file);
	copy = ou_xstrdup(env_path(p));
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *cand = ou_path_join(*dir ? dir : ".", file);

		if (is_executable_file(cand))
			return cand;
		free(cand);
	}
	ou_error_set(err, OU_E_NOT_FOUND, 0, "exec '%s': %s", file, OU_MSG_EXEC_NOT_FOUND);
	return NULL;
}

/*
 * At create, in the container's root and cwd: a process.args[0] that
 * start could not execute fails create, not start (the phrases are the
 * ones engines map to exit statuses 127 and 126).
 */
static int check_executable(const struct ou_process *p, struct ou_error **err)
{
	ou_autofree char *path = NULL;
	struct stat st;

	if (p->args.len == 0)
		return 0;
	path = find_executable(p, err);
	if (path == NULL)
		return -1;
	if (stat(path, &st) < 0)
		return ou_error_set(err, errno == ENOENT ? OU_E_NOT_FOUND : OU_E_SYSTEM, errno,
				    "exec '%s'", p->args.v[0]);
	if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0)
		return ou_error_set(err, OU_E_SYSTEM, EACCES, "exec '%s'", p->args.v[0]);
	return 0;
}

static int switch_user(const struct ou_user *u, bool userns, struct ou_error **err)
{
	/* Where setgroups is denied (a rootless user namespace) only "none" is possible. */
	if (setgroups(u->n_additional_gids, (gid_t *)u->additional_gids) < 0 &&
	    !(errno == EPERM && userns && u->n_additional_gids == 0))
		return ou_error_set(err, OU_E_SYSTEM, errno,
				    "process.user.additionalGids: setgroups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "process.user.gid: set %u", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "process.user.uid: set %u", u->uid);
	return 0;
}

/*
 * The cwd must end up inside the container's root.  A path through a
 * descriptor the process holds ("/proc/self/fd/N": a preserved fd, or one
 * the runtime left open) can lead out of it, to a directory of the host
 * (the CVE-2024-21626 shape); getcwd then finds no path from the root and
 * fails with ENOENT (glibc) or names it "(unreachable)".
 */
static int enter_cwd(const struct ou_process *p, struct ou_error **err)
{
	char buf[PATH_MAX];

	if (chdir(p->cwd) < 0)
		return ou_error_set(err, errno == ENOENT ? OU_E_NOT_FOUND : OU_E_SYSTEM, errno,
				    "process.cwd: chdir '%s'", p->cwd);
	if (getcwd(buf, sizeof(buf)) != NULL ? buf[0] != '/' : errno != ERANGE)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "process.cwd: '%s' leads outside the container's root", p->cwd);
	return 0;
}

static char *hook_state(const struct ou_init_args *a, pid_t pid, enum ou_status status, size_t *len)
{
	struct ou_state st = {
		.oci_version = a->spec->oci_version,
		.id = (char *)a->id,
		.status = status,
		.pid = pid,
		.bundle = (char *)a->bundle,
		.annotations = a->spec->annotations,
	};

	return ou_state_json_generate(&st, true, len);
}

static int run_container_hooks(const struct ou_init_args *a, const struct ou_hook_list *l,
			       const char *phase, pid_t pid, enum ou_status status,
			       struct ou_error **err)
{
	ou_autofree char *json = NULL;
	size_t len = 0;

	if (l->len == 0)
		return 0;
	json = hook_state(a, pid, status, &len);
	return ou_hooks_run(l, phase, json, len, 0, err);
}

static bool has_runtime_hooks(const struct ou_spec *spec)
{
	return spec->hooks != NULL &&
	       (spec->hooks->prestart.len > 0 || spec->hooks->create_runtime.len > 0);
}

/* runtime-linux.md, Dev symbolic links and config-linux.md: /dev/console is the terminal. */
static int bind_console(int master, struct ou_error **err)
{
	struct ou_mount_opts o = { .bind = true };
	ou_autoclose int fd = -1;
	char name[64];

	if (ptsname_r(master, name, sizeof(name)) != 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "name the terminal");
	if (ou_rootfs_resolve(AT_FDCWD, "/dev/console", OU_RESOLVE_MKFILE, &fd, err) < 0)
		return -1;
	return ou_mount_bind_at_fd(name, fd, "/dev/console", &o, err);
}

static int setup_terminal(const struct ou_init_args *a, struct ou_error **err)
{
	const struct ou_process *p = a->spec->process;
	ou_autoclose int master = -1;

	if (p == NULL || !p->terminal)
		return 0;
	if (ou_terminal_open(p->has_console_size, p->console_height, p->console_width, &master,
			     err) < 0)
		return -1;
	if (bind_console(master, err) < 0)
		return -1;
	if (a->console_fd >= 0)
		return ou_terminal_send(a->console_fd, master, err);
	if (a->pty_over_sync)
		return ou_sync_send_fd(a->sync_fd, OU_SYNC_FD, master, err);
	return ou_error_set(err, OU_E_INVALID, 0,
			    "process.terminal: needs --console-socket when detached");
}

static int setup_namespaces(const struct ou_init_args *a, bool *userns, struct ou_error **err)
{
	const struct ou_namespace *user = ou_spec_namespace(a->spec, OU_NS_USER);

	*userns = user != NULL;
	if (ou_init_join_namespaces(a->spec, err) < 0)
		return -1;
	if (*userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return ou_error_set(err, OU_E_SYSTEM, errno, "become root in the user namespace");
	if (unshare_late(a->spec, err) < 0 || enter_time_ns(a->spec, err) < 0)
		return -1;
	return set_names(a->spec, err);
}

static int setup_rootfs(const struct ou_init_args *a, bool userns, int32_t pid,
			struct ou_error **err)
{
	const struct ou_namespace *cg = ou_spec_namespace(a->spec, OU_NS_CGROUP);
	struct ou_rootfs_ctx ctx = {
		.spec = a->spec,
		.rootfs = a->rootfs,
		.bundle = a->bundle,
		.userns = userns,
		.cgroupns = cg != NULL,
		.no_pivot = a->no_pivot,
		.cgroup_path = a->cgroup_path,
		.cgroup_mounts = a->cgroup_mounts,
		.n_cgroup_mounts = a->n_cgroup_mounts,
		.storage = a->storage,
		.idmap_trees = a->idmap_trees,
	};

	if (ou_rootfs_prepare(&ctx, err) < 0)
		return -1;
	/* runtime-spec config.md: prestart and createRuntime run before pivot_root. */
	if (has_runtime_hooks(a->spec)) {
		if (ou_sync_send(a->sync_fd, OU_SYNC_HOOKS, 0, err) < 0 ||
		    ou_sync_expect(a->sync_fd, OU_SYNC_HOOKS_DONE, NULL, NULL, err) < 0)
			return -1;
	}
	if (a->spec->hooks != NULL &&
	    run_container_hooks(a, &a->spec->hooks->create_container, "createContainer", pid,
				OU_STATUS_CREATING, err) < 0)
		return -1;
	if (ou_rootfs_pivot(&ctx, err) < 0)
		return -1;
	if (set_sysctls(a->spec, err) < 0)
		return -1;
	return ou_rootfs_finish(&ctx, err);
}

static int name_index(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

/* config.md, Linux Process: ioPriority, applied with ioprio_set(2). */
static int set_io_priority(const struct ou_io_priority *io, struct ou_error **err)
{
	static const char *const classes[] = { NULL, "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
					       "IOPRIO_CLASS_IDLE" };
	int cls;

	if (io == NULL)
		return 0;
	cls = name_index(io->class_, classes, 4);
	if (cls < 0 || io->priority < 0 || io->priority > 7)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "process.ioPriority: '%s' %d is not valid", io->class_,
				    io->priority);
	if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (cls << 13) | io->priority) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "process.ioPriority: set");
	return 0;
}

struct sched_attr_v1 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

/* config.md, Linux Process: scheduler, applied with sched_setattr(2). */
static int set_scheduler(const struct ou_scheduler *sc, struct ou_error **err)
{
	static const char *const policies[] = { "SCHED_OTHER",	 "SCHED_FIFO", "SCHED_RR",
						"SCHED_BATCH",	 "SCHED_ISO",  "SCHED_IDLE",
						"SCHED_DEADLINE" };
	static const char *const flags[] = {
		"SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",     "SCHED_FLAG_DL_OVERRUN",
		"SCHED_FLAG_KEEP_POLICY",    "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
		"SCHED_FLAG_UTIL_CLAMP_MAX",
	};
	struct sched_attr_v1 at = { .size = sizeof(at) };
	int policy;

	if (sc == NULL)
		return 0;
	policy = name_index(sc->policy, policies, 7);
	if (policy < 0)
		return ou_error_set(err, OU_E_INVALID, 0, "process.scheduler.policy: unknown '%s'",
				    sc->policy);
	for (size_t i = 0; i < sc->flags.len; i++) {
		int f = name_index(sc->flags.v[i], flags, 7);

		if (f < 0)
			return ou_error_set(err, OU_E_INVALID, 0,
					    "process.scheduler.flags: unknown '%s'",
					    sc->flags.v[i]);
		at.sched_flags |= UINT64_C(1) << f;
	}
	at.sched_policy = (uint32_t)policy;
	at.sched_nice = sc->nice;
	at.sched_priority = (uint32_t)sc->priority;
	at.sched_runtime = sc->runtime;
	at.sched_deadline = sc->deadline;
	at.sched_period = sc->period;
	if (syscall(SYS_sched_setattr, 0, &at, 0) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "process.scheduler: set '%s'",
				    sc->policy);
	return 0;
}

int ou_init_process_prepare(const struct ou_process *p, struct ou_error **err)
{
	if (set_rlimits(p, err) < 0 || set_io_priority(p->io_priority, err) < 0 ||
	    set_scheduler(p->scheduler, err) < 0)
		return -1;
	umask(p->user.has_umask ? p->user.umask : 022);
	return enter_cwd(p, err);
}

/*
 * The order matters (config-linux.md, Seccomp; issue "Isolation"): the
 * bounding set is dropped and keep-caps set while prctl is surely allowed;
 * without no_new_privs the filter needs CAP_SYS_ADMIN, so it comes before
 * the uid change and capset.  Keep-caps is not cleared again: execve does
 * that, and a filter may deny prctl.
 */
int ou_init_process_identity(const struct ou_process *p, const struct ou_seccomp_prog *sc,
			     bool userns, int *notify_fd, struct ou_error **err)
{
	bool listener = sc != NULL && ou_seccomp_wants_listener(sc);

	*notify_fd = -1;
	if (ou_lsm_apply_exec(p, err) < 0 || ou_caps_drop_bounding(p->capabilities, err) < 0)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "keep capabilities");
	if (!p->no_new_privileges && sc != NULL &&
	    ou_seccomp_install(sc, listener ? notify_fd : NULL, err) < 0)
		return -1;
	if (switch_user(&p->user, userns, err) < 0 || ou_caps_apply(p->capabilities, err) < 0)
		return -1;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "process.noNewPrivileges: set");
	/* A notify filter's fd must reach the runtime for the listener: install it now. */
	if (p->no_new_privileges && listener && ou_seccomp_install(sc, notify_fd, err) < 0)
		return -1;
	return 0;
}

int ou_init_send_notify_fd(int sync_fd, int notify_fd, struct ou_error **err)
{
	int rc;

	if (notify_fd < 0)
		return 0;
	rc = ou_sync_send_fd(sync_fd, OU_SYNC_FD, notify_fd, err);
	close(notify_fd);
	return rc;
}

static bool has_listener(const struct ou_init_args *a)
{
	return a->seccomp != NULL && ou_seccomp_wants_listener(a->seccomp);
}

static int setup_process(const struct ou_init_args *a, bool userns, struct ou_error **err)
{
	int notify_fd = -1;

	if (set_personality(a->spec, err) < 0)
		return -1;
	if (!a->no_new_keyring)
		syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL);
	if (a->spec->process == NULL)
		return 0;
	if (ou_init_process_prepare(a->spec->process, err) < 0 ||
	    check_executable(a->spec->process, err) < 0)
		return -1;
	/* With a listener the filter must be in place while the runtime still listens. */
	if (!has_listener(a))
		return 0;
	if (ou_init_process_identity(a->spec->process, a->seccomp, userns, &notify_fd, err) < 0)
		return -1;
	return ou_init_send_notify_fd(a->sync_fd, notify_fd, err);
}

/*
 * exec.fifo is opened O_PATH while we still see the host's side, then
 * reopened for writing through /proc/self/fd: after pivot_root the state
 * directory is out of reach, and root of a user namespace could not walk
 * the 0700 directory anyway.
 */
static int open_fifo_path(const struct ou_init_args *a, int *out, struct ou_error **err)
{
	*out = openat(a->state_dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
	if (*out < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open exec.fifo");
	close(a->state_dirfd);
	return 0;
}

static int wait_for_start(int fifo_path, int *fifo, struct ou_error **err)
{
	char c = OU_FIFO_STARTED;
	char p[64];

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fifo_path);
	/*
	 * The process now waits for start, maybe for long: keep less mapped.
	 * Last before the open, so that little code runs between the two.
	 */
	ou_process_drop_clean_pages();
	/* Blocks until "start" opens the other end. */
	*fifo = open(p, O_WRONLY | O_CLOEXEC);
	if (*fifo < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open exec.fifo through /proc");
	close(fifo_path);
	if (ou_write_all(*fifo, &c, 1) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "write exec.fifo");
	return 0;
}

/*
 * A copy into another user namespace's mount namespace turns shared
 * mounts into slaves and unbindable ones into private mounts: configs
 * that ask for either keep the namespace they were built in.
 */
static bool asks_lost_propagation(const char *rootfs_propagation, const struct ou_spec *spec)
{
	const unsigned long lost = MS_SHARED | MS_UNBINDABLE;
	unsigned long prop = 0;

	if (rootfs_propagation != NULL &&
	    ou_mount_propagation_from_name(rootfs_propagation, &prop) == 0 && (prop & lost))
		return true;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		struct ou_mount_opts o;
		bool hit;

		ou_mount_opts_parse(&spec->mounts[i].options, &o);
		hit = (o.propagation & lost) != 0;
		ou_mount_opts_release(&o);
		if (hit)
			return true;
	}
	return false;
}

static bool keeps_sys_admin(const struct ou_spec *spec)
{
	const struct ou_capabilities *c = spec->process ? spec->process->capabilities : NULL;

	if (c == NULL)
		return true;
	for (size_t i = 0; i < c->bounding.len; i++)
		if (strcmp(c->bounding.v[i], "CAP_SYS_ADMIN") == 0)
			return true;
	return false;
}

/*
 * The open storage issue: "nothing inside the container can remount [a
 * read-only bind] read-write".  Once every mount is made (but the
 * console's, see init_setup), their flags are locked
 * (ou_mount_lock_flags): no process of the
 * container, whatever its capabilities, can clear ro, nosuid, nodev,
 * noexec or an atime flag, or unmount a mount the runtime made (masked
 * paths stay masked).  It must come after pivot_root, which refuses a
 * locked root.  Not done:
 *  - in a mount namespace the config names by path: the container was
 *    asked to share it, and the lock moves us to a copy;
 *  - with rootfsPropagation or a mount shared or unbindable: the copy
 *    turns shared mounts into slaves, so that mounts would no longer
 *    propagate back, and unbindable ones into private mounts;
 *  - with createContainer hooks: runtime-spec config.md has them run in
 *    the container's mount namespace before pivot_root, which must come
 *    before the lock, so the container would end in another namespace
 *    than the one its hooks were given.
 * Limitation (README, Limitations): where the kernel refuses the nested
 * user namespace (user.max_user_namespaces is 0, the nesting limit, or
 * no fork under pids.max) the container runs unlocked, with a warning if
 * it keeps CAP_SYS_ADMIN, the one capability that could clear the flags.
 */
static int lock_mounts(const struct ou_spec *spec, pid_t *helper, struct ou_error **err)
{
	const struct ou_namespace *mnt = ou_spec_namespace(spec, OU_NS_MOUNT);
	const char *prop = spec->linux_ ? spec->linux_->rootfs_propagation : NULL;
	bool hooks = spec->hooks != NULL && spec->hooks->create_container.len > 0;
	int why = 0;

	if (mnt == NULL || mnt->path != NULL || hooks || asks_lost_propagation(prop, spec))
		return 0;
	if (ou_mount_lock_flags(helper, &why, err) < 0)
		return -1;
	if (why != 0 && keeps_sys_admin(spec))
		ou_log_warning(
			"mounts not locked (nested user namespace: %s); CAP_SYS_ADMIN can undo ro",
			strerror(why));
	return 0;
}

/*
 * Everything up to "created"; pid is our pid in the runtime's namespace,
 * helper a child to reap before execve (ou_mount_lock_reap).
 */
static int init_setup(const struct ou_init_args *a, int32_t *pid, int *fifo_path, pid_t *helper,
		      struct ou_error **err)
{
	bool userns = false;

	if (a->cgroup != NULL && ou_cgroup_join_self(a->cgroup, err) < 0)
		return -1;
	if (ou_sync_expect(a->sync_fd, OU_SYNC_GO, pid, NULL, err) < 0)
		return -1;
	if (a->map_by_owner)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (open_fifo_path(a, fifo_path, err) < 0)
		return -1;
	if (setup_namespaces(a, &userns, err) < 0)
		return -1;
	if (set_oom_score(a->spec->process, err) < 0)
		return -1;
	if (setup_rootfs(a, userns, *pid, err) < 0)
		return -1;
	/*
	 * Before the console: a descriptor opened in the namespace the lock
	 * leaves would name its file relative to a mount we no longer see
	 * ("/0", not "/dev/pts/0").  The /dev/console bind made after it is
	 * the one mount of the runtime that stays unlocked; it only shows
	 * the container's own terminal.
	 */
	if (lock_mounts(a->spec, helper, err) < 0)
		return -1;
	if (setup_terminal(a, err) < 0)
		return -1;
	if (setup_process(a, userns, err) < 0)
		return -1;
	ou_cloexec_from(3 + a->preserve_fds);
	return 0;
}

static void fifo_error(int fd, const struct ou_error *e)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf), "%c%d %d %s", OU_FIFO_ERROR, (int)e->kind, e->errnum,
			 e->msg);

	if (n > (int)sizeof(buf))
		n = sizeof(buf);
	(void)ou_write_all(fd, buf, (size_t)n);
}

int ou_init_exec(const struct ou_process *p, const struct ou_seccomp_prog *sc, int report_fd,
		 enum ou_trampoline_report mode, struct ou_error **err)
{
	ou_autofree char *path = NULL;
	struct ou_trampoline t;

	if (p == NULL)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "process: required to start the container");
	path = find_executable(p, err);
	if (path == NULL)
		return -1;
	ou_trampoline_prepare(&t, report_fd, mode, path, p->args.v);
	/* As late as possible: the filter may deny what the runtime used until now. */
	if (p->no_new_privileges && sc != NULL && !ou_seccomp_wants_listener(sc) &&
	    ou_seccomp_install(sc, NULL, err) < 0)
		return -1;
	ou_trampoline_exec(&t, p->env.v);
	execve(path, p->args.v, p->env.v);
	return ou_error_set(err, errno == ENOENT ? OU_E_NOT_FOUND : OU_E_SYSTEM, errno, "exec '%s'",
			    p->args.v[0]);
}

/* After start: the identity and the filter, as close to execve as they can be. */
static int finish_identity(const struct ou_init_args *a, struct ou_error **err)
{
	bool userns = ou_spec_namespace(a->spec, OU_NS_USER) != NULL;
	int notify_fd = -1;

	return ou_init_process_identity(a->spec->process, a->seccomp, userns, &notify_fd, err);
}

void ou_init_main(const struct ou_init_args *a)
{
	struct ou_error *err = NULL;
	int32_t pid = 0;
	int fifo_path = -1;
	int fifo = -1;
	pid_t helper = -1;

	/*
	 * Until execve this process is the host's ociunion binary: nothing in
	 * the container may open /proc/PID/exe or ptrace it (the runc
	 * /proc/self/exe overwrite class).  execve makes it dumpable again.
	 * A non-dumpable process's /proc files belong to host root, so when
	 * an unprivileged runtime must still write our uid_map, this waits
	 * for OU_SYNC_GO (init_setup): nothing of the container exists yet.
	 */
	if (!a->map_by_owner)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	sigprocmask(SIG_SETMASK, &a->sigmask, NULL);
	if (init_setup(a, &pid, &fifo_path, &helper, &err) < 0 ||
	    ou_sync_send(a->sync_fd, OU_SYNC_READY, 0, &err) < 0) {
		ou_sync_send_error(a->sync_fd, err);
		_exit(1);
	}
	close(a->sync_fd);
	if (wait_for_start(fifo_path, &fifo, &err) < 0)
		_exit(1);
	/* Long gone by now: the container process must not inherit it. */
	ou_mount_lock_reap(helper);
	/* start reads the fifo until execve: it logs our records as its own. */
	ou_log_forward(fifo);
	if (a->spec->hooks != NULL &&
	    run_container_hooks(a, &a->spec->hooks->start_container, "startContainer", pid,
				OU_STATUS_CREATED, &err) < 0) {
		fifo_error(fifo, err);
		_exit(1);
	}
	if (a->spec->process != NULL && !has_listener(a) && finish_identity(a, &err) < 0) {
		fifo_error(fifo, err);
		_exit(1);
	}
	ou_init_exec(a->spec->process, a->seccomp, fifo, OU_TRAMPOLINE_FIFO, &err);
	fifo_error(fifo, err);
	_exit(127);
}
