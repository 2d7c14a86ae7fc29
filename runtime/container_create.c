/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks/hooks.h"
#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/undo.h"
#include "runtime/base/util.h"
#include "runtime/cgroup.h"
#include "runtime/container_internal.h"
#include "runtime/init.h"
#include "runtime/lsm.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/terminal.h"
#include "runtime/volume.h"
#include "spec/config.h"
#include "spec/state_json.h"
#include "spec/union.h"
#include "spec/validate.h"

static const unsigned long clone_flag_of[OU_NS__COUNT] = {
	[OU_NS_PID] = CLONE_NEWPID, [OU_NS_NETWORK] = CLONE_NEWNET, [OU_NS_MOUNT] = CLONE_NEWNS,
	[OU_NS_IPC] = CLONE_NEWIPC, [OU_NS_UTS] = CLONE_NEWUTS,	    [OU_NS_USER] = CLONE_NEWUSER,
};

void ou_launch_release(struct ou_launch *l)
{
	ou_undo_release(&l->undo);
	if (l->spec != NULL)
		ou_rootfs_idmap_destroy(l->idmap_trees, l->spec->n_mounts);
	ou_spec_free(l->spec);
	free(l->config_json);
	free(l->bundle);
	free(l->rootfs);
	free(l->cgroup_path);
	ou_cgroup_free(l->cg);
	ou_seccomp_prog_free(l->seccomp);
	ou_union_free(l->un);
	if (l->storage != NULL)
		ou_volume_plan_release(l->storage);
	free(l->storage);
	ou_state_dir_free(l->sd);
	ou_state_free(l->st);
	for (int i = 0; i < 2; i++)
		if (l->sync[i] >= 0)
			close(l->sync[i]);
	if (l->console_fd >= 0)
		close(l->console_fd);
	if (l->fifo_dirfd >= 0)
		close(l->fifo_dirfd);
	if (l->pty_master >= 0)
		close(l->pty_master);
}

static int resolve_bundle(struct ou_launch *l, struct ou_error **err)
{
	char buf[PATH_MAX];
	const char *b = l->o->bundle ? l->o->bundle : ".";

	if (realpath(b, buf) == NULL)
		return ou_error_set(err, OU_E_NOT_FOUND, errno, "bundle '%s'", b);
	l->bundle = ou_xstrdup(buf);
	return 0;
}

static int resolve_rootfs(struct ou_launch *l, struct ou_error **err)
{
	ou_autofree char *joined = NULL;
	char buf[PATH_MAX];
	struct stat st;

	if (l->spec->root == NULL || l->spec->root->path == NULL)
		return ou_error_set(err, OU_E_INVALID, 0, "config.json: root.path: required");
	if (l->spec->root->path[0] == '/')
		joined = ou_xstrdup(l->spec->root->path);
	else
		joined = ou_path_join(l->bundle, l->spec->root->path);
	if (realpath(joined, buf) == NULL) {
		/* INTERFACE.md: the union's mount point is made if missing. */
		if (errno == ENOENT && ou_union_has_layers(l->un)) {
			l->storage->rootfs_missing = true;
			l->rootfs = ou_steal_ptr(&joined);
			return 0;
		}
		return ou_error_set(err, OU_E_NOT_FOUND, errno, "config.json: root.path: '%s'",
				    joined);
	}
	if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
		return ou_error_set(err, OU_E_INVALID, 0,
				    "config.json: root.path: '%s' is not a directory", joined);
	l->rootfs = ou_xstrdup(buf);
	return 0;
}

static int check_namespaces(const struct ou_spec *spec, struct ou_error **err)
{
	if (ou_spec_namespace(spec, OU_NS_MOUNT) == NULL)
		return ou_error_set(err, OU_E_UNSUPPORTED, 0,
				    "config.json: linux.namespaces: a mount namespace is required");
	if (spec->hostname != NULL && ou_spec_namespace(spec, OU_NS_UTS) == NULL)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "config.json: hostname: needs a uts namespace");
	return 0;
}

/*
 * The host uid that a new user namespace maps the container's root to;
 * -1 if root is not mapped, -2 without a new user namespace.
 */
static long long root_host_uid(const struct ou_spec *spec)
{
	const struct ou_namespace *user = ou_spec_namespace(spec, OU_NS_USER);
	const struct ou_id_mappings *m;

	if (user == NULL || user->path != NULL)
		return -2;
	m = &spec->linux_->uid_mappings;
	for (size_t i = 0; i < m->len; i++)
		if (m->items[i].container_id == 0 && m->items[i].size > 0)
			return m->items[i].host_id;
	return -1;
}

/*
 * Limitation (README.md, Limitations): the container's side of the storage
 * (the overlay's upper and work directories, a volume's _data) is reached
 * as the container's root.  In a user namespace that maps it to a host
 * uid other than the storage root's owner, it cannot enter the storage
 * root (mode 0700), and the kernel's "Permission denied" came only once
 * the container was half made.
 */
static int check_storage_reachable(const struct ou_launch *l, const char *root,
				   struct ou_error **err)
{
	long long uid = root_host_uid(l->spec);
	struct stat st;
	uid_t owner = stat(root, &st) == 0 ? st.st_uid : geteuid();

	char who[48] = "not mapped";

	if (uid == -2 || uid == (long long)owner)
		return 0;
	if (uid >= 0)
		snprintf(who, sizeof(who), "host uid %lld", uid);
	return ou_error_set(err, OU_E_UNSUPPORTED, 0,
			    "org.ociunion storage (layers, volumes) with a user namespace: the "
			    "container's root is %s, the storage root '%s' belongs to uid %u: not "
			    "supported",
			    who, root, (unsigned)owner);
}

/* The storage extensions: layers and volumes resolved, nothing made yet. */
static int load_storage(struct ou_launch *l, struct ou_error **err)
{
	const char *root = l->g->storage_root ? l->g->storage_root : "/var/lib/ociunion";

	if (ou_union_parse(l->spec, &l->un, err) < 0)
		return -1;
	if (!ou_union_uses_storage(l->un))
		return 0;
	if (check_storage_reachable(l, root, err) < 0)
		return -1;
	l->storage = ou_xcalloc(1, sizeof(*l->storage));
	return ou_volume_plan_build(l->storage, l->spec, l->un, l->bundle, l->g->root, root, err);
}

static int make_storage(struct ou_launch *l, struct ou_error **err)
{
	if (l->storage == NULL)
		return 0;
	return ou_volume_plan_apply(l->storage, l->id, l->rootfs, l->sd->path, &l->undo, err);
}

/* Read and check everything before anything is made on the system. */
static int load_config(struct ou_launch *l, struct ou_error **err)
{
	unsigned int vflags = l->foreground ? OU_VALIDATE_NEED_PROCESS : 0;

	if (ou_container_check_id(l->id, err) < 0 || resolve_bundle(l, err) < 0)
		return -1;
	if (ou_config_read(l->bundle, &l->config_json, &l->config_len, err) < 0)
		return -1;
	if (ou_config_parse(l->config_json, l->config_len, &l->spec, err) < 0) {
		ou_error_prefix(err, "config.json");
		return -1;
	}
	if (ou_validate_spec(l->spec, vflags, err) < 0 ||
	    ou_lsm_check(l->spec->process, l->spec->linux_ ? l->spec->linux_->mount_label : NULL,
			 err) < 0) {
		ou_error_prefix(err, "config.json");
		return -1;
	}
	if (check_namespaces(l->spec, err) < 0 || load_storage(l, err) < 0 ||
	    resolve_rootfs(l, err) < 0)
		return -1;
	if (l->spec->linux_ != NULL && l->spec->linux_->seccomp != NULL &&
	    ou_seccomp_compile(l->spec->linux_->seccomp, &l->seccomp, err) < 0) {
		ou_error_prefix(err, "config.json");
		return -1;
	}
	return 0;
}

static int undo_state_dir(void *arg, struct ou_error **err)
{
	return ou_state_dir_remove(arg, err);
}

/* A borrowed cgroup may hold another's processes by now: it is left alone. */
static int undo_cgroup(void *arg, struct ou_error **err)
{
	if (ou_cgroup_is_borrowed(arg))
		return 0;
	return ou_cgroup_destroy(arg, err);
}

static void init_state(struct ou_launch *l)
{
	char when[64];

	ou_now_rfc3339(when, sizeof(when), true);
	l->st = ou_xcalloc(1, sizeof(*l->st));
	l->st->oci_version = ou_xstrdup(l->spec->oci_version);
	l->st->id = ou_xstrdup(l->id);
	l->st->status = OU_STATUS_CREATING;
	l->st->bundle = ou_xstrdup(l->bundle);
	l->st->created = ou_xstrdup(when);
	l->st->rootfs = ou_xstrdup(l->rootfs);
	l->st->cgroup_path = ou_xstrdup(l->cgroup_path);
	l->st->config_path = ou_path_join(l->bundle, "config.json");
	if (l->storage != NULL)
		l->st->storage_root = ou_xstrdup(l->storage->storage_root);
	l->st->annotations.len = l->spec->annotations.len;
	l->st->annotations.items = ou_xcalloc(l->spec->annotations.len + 1, sizeof(struct ou_kv));
	for (size_t i = 0; i < l->spec->annotations.len; i++) {
		l->st->annotations.items[i].key = ou_xstrdup(l->spec->annotations.items[i].key);
		l->st->annotations.items[i].value = ou_xstrdup(l->spec->annotations.items[i].value);
	}
}

/*
 * The state directory, with the config copy and state.json.  Both are
 * written before anything else is made: state.json names the cgroup and
 * the storage root, so that delete --force after a create killed at any
 * later step finds what there is to remove.  The config copy goes first,
 * so that a delete can still find the cgroup if state.json is unreadable.
 */
static int make_state(struct ou_launch *l, struct ou_error **err)
{
	ou_autofree char *dst = NULL;

	l->cgroup_path =
		ou_cgroup_path_for(l->spec->linux_ ? l->spec->linux_->cgroups_path : NULL, l->id);
	if (l->cgroup_path == NULL)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "config.json: linux.cgroupsPath: climbs above the cgroup root");
	if (ou_state_dir_create(l->g->root, l->id, &l->sd, err) < 0)
		return -1;
	ou_undo_push(&l->undo, "remove state directory", undo_state_dir, l->sd, NULL);
	/* The bytes that were parsed: the file may have changed since. */
	dst = ou_path_join(l->sd->path, OU_STATE_CONFIG);
	if (ou_write_file(dst, l->config_json, l->config_len, 0600, err) < 0)
		return -1;
	init_state(l);
	/* Known before the cgroup is made: a create killed then keeps it. */
	l->st->cgroup_borrowed = ou_cgroup_exists(l->cgroup_path);
	if (ou_state_dir_save(l->sd, l->st, err) < 0)
		return -1;
	/* Writable by the container user: see the comment in init.c. */
	if (mkfifoat(l->sd->dirfd, "exec.fifo", 0600) < 0 ||
	    fchmodat(l->sd->dirfd, "exec.fifo", 0622, 0) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create exec.fifo");
	l->fifo_dirfd = open(l->sd->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (l->fifo_dirfd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", l->sd->path);
	return 0;
}

/*
 * config-linux.md, Default Devices: the runtime supplies them, so the
 * device cgroup must let the container use them whatever the config's own
 * rules deny; so must it every device of linux.devices.
 */
static const struct {
	char type;
	int64_t major, minor;
} default_allow[] = {
	{ 'c', 1, 3 }, { 'c', 1, 5 }, { 'c', 1, 7 }, { 'c', 1, 8 },    { 'c', 1, 9 },
	{ 'c', 5, 0 }, { 'c', 5, 1 }, { 'c', 5, 2 }, { 'c', 136, -1 },
};

static void add_allow(struct ou_device_cgroup *d, char type, int64_t major, int64_t minor)
{
	static const char *const types[] = { "c", "b", "a" };

	d->allow = true;
	d->type = (char *)(type == 'b' ? types[1] : type == 'a' ? types[2] : types[0]);
	d->has_major = major >= 0;
	d->major = major;
	d->has_minor = minor >= 0;
	d->minor = minor;
	d->access = (char *)"rwm";
}

static struct ou_device_cgroup *device_rules(const struct ou_spec *spec,
					     const struct ou_resources *res, size_t *n)
{
	size_t nd = spec->linux_ ? spec->linux_->n_devices : 0;
	size_t nr = res->n_devices;
	size_t ndef = sizeof(default_allow) / sizeof(default_allow[0]);
	struct ou_device_cgroup *v = ou_xcalloc(nr + ndef + nd, sizeof(*v));

	memcpy(v, res->devices, nr * sizeof(*v));
	for (size_t i = 0; i < ndef; i++)
		add_allow(&v[nr + i], default_allow[i].type, default_allow[i].major,
			  default_allow[i].minor);
	for (size_t i = 0; i < nd; i++) {
		const struct ou_device *d = &spec->linux_->devices[i];

		add_allow(&v[nr + ndef + i], d->type == 'b' ? 'b' : 'c', d->major, d->minor);
	}
	*n = nr + ndef + nd;
	return v;
}

static int make_cgroup(struct ou_launch *l, struct ou_error **err)
{
	const struct ou_resources *res = l->spec->linux_ ? l->spec->linux_->resources : NULL;
	struct ou_resources with_defaults;
	ou_autofree struct ou_device_cgroup *rules = NULL;

	if (l->g->systemd_cgroup)
		return ou_error_set(err, OU_E_UNSUPPORTED, 0,
				    "--systemd-cgroup: systemd is not running on this host");
	if (res != NULL && res->n_devices > 0) {
		with_defaults = *res;
		rules = device_rules(l->spec, res, &with_defaults.n_devices);
		with_defaults.devices = rules;
		res = &with_defaults;
	}
	if (ou_cgroup_create(l->cgroup_path, res, l->g->rootless, &l->cg, err) < 0)
		return -1;
	/* Rootless without a writable hierarchy: the state names no cgroup. */
	if (ou_cgroup_is_skipped(l->cg)) {
		free(l->st->cgroup_path);
		l->st->cgroup_path = NULL;
	}
	ou_undo_push(&l->undo, "remove cgroup", undo_cgroup, l->cg, NULL);
	if (ou_cgroup_is_borrowed(l->cg))
		ou_log_debug("cgroup: '%s' existed: delete will keep it", l->cgroup_path);
	/* Made or removed by someone else since make_state looked. */
	if (ou_cgroup_is_borrowed(l->cg) != l->st->cgroup_borrowed) {
		l->st->cgroup_borrowed = ou_cgroup_is_borrowed(l->cg);
		if (ou_state_dir_save(l->sd, l->st, err) < 0)
			return -1;
	}
	/* The layout is detected: its parse listed the mounts the child binds. */
	return ou_cgroup_host_mounts(&l->cgroup_mounts, &l->n_cgroup_mounts, err);
}

static int open_console(struct ou_launch *l, struct ou_error **err)
{
	const struct ou_process *p = l->spec->process;

	if (p == NULL || !p->terminal) {
		if (l->o->console_socket != NULL)
			ou_log_warning("--console-socket given but process.terminal is false");
		return 0;
	}
	if (l->o->console_socket != NULL)
		return ou_terminal_connect(l->o->console_socket, &l->console_fd, err);
	if (!l->foreground)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "process.terminal is true: --console-socket is required");
	return 0;
}

static unsigned long clone_flags(const struct ou_spec *spec)
{
	const struct ou_linux *lx = spec->linux_;
	unsigned long flags = 0;

	for (size_t i = 0; lx != NULL && i < lx->n_namespaces; i++)
		if (lx->namespaces[i].path == NULL)
			flags |= clone_flag_of[lx->namespaces[i].type];
	return flags;
}

static int write_id_map(pid_t pid, const char *file, const struct ou_id_mappings *m,
			struct ou_error **err)
{
	if (ou_process_write_id_map(pid, file, m, err) == 0)
		return 0;
	ou_error_prefix(err, "linux.%s",
			strcmp(file, "uid_map") == 0 ? "uidMappings" : "gidMappings");
	return -1;
}

static int map_user_ns(struct ou_launch *l, struct ou_error **err)
{
	const struct ou_namespace *user = ou_spec_namespace(l->spec, OU_NS_USER);
	const struct ou_linux *lx = l->spec->linux_;

	if (user == NULL || user->path != NULL)
		return 0;
	if (lx->uid_mappings.len == 0 || lx->gid_mappings.len == 0)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "config.json: linux.uidMappings and gidMappings are required "
				    "with a new user namespace");
	if (write_id_map(l->pid, "uid_map", &lx->uid_mappings, err) < 0)
		return -1;
	if (l->g->rootless && getuid() != 0) {
		ou_autofree char *p = ou_xasprintf("/proc/%d/setgroups", (int)l->pid);

		if (ou_write_file(p, "deny", 4, 0, err) < 0)
			return -1;
	}
	return write_id_map(l->pid, "gid_map", &lx->gid_mappings, err);
}

static void child_main(struct ou_launch *l)
{
	struct ou_init_args a = {
		.spec = l->spec,
		.id = l->id,
		.rootfs = l->rootfs,
		.bundle = l->bundle,
		.cgroup_path = l->cgroup_path,
		.cgroup_mounts = l->cgroup_mounts,
		.n_cgroup_mounts = l->n_cgroup_mounts,
		.cgroup = l->cg,
		.sync_fd = l->sync[1],
		.state_dirfd = l->fifo_dirfd,
		.console_fd = l->console_fd,
		.pty_over_sync = l->foreground && l->console_fd < 0,
		.preserve_fds = l->o->preserve_fds,
		.no_pivot = l->o->no_pivot,
		.no_new_keyring = l->o->no_new_keyring,
		.map_by_owner = geteuid() != 0 && (clone_flags(l->spec) & CLONE_NEWUSER),
		.cloned = clone_flags(l->spec),
		.seccomp = l->seccomp,
		.storage = l->storage,
		.idmap_trees = l->idmap_trees,
		.sigmask = l->oldmask,
	};

	close(l->sync[0]);
	close(l->sd->dirfd);
	ou_cgroup_close_v2_fd(l->cg);
	ou_init_main(&a);
}

static int join_pid_ns(const struct ou_spec *spec, int *saved, struct ou_error **err)
{
	const struct ou_namespace *pid = ou_spec_namespace(spec, OU_NS_PID);
	ou_autoclose int fd = -1;

	*saved = -1;
	if (pid == NULL || pid->path == NULL)
		return 0;
	*saved = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	fd = open(pid->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWPID) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "join pid namespace '%s'", pid->path);
	return 0;
}

/*
 * The child waits for OU_SYNC_GO before it makes anything (mounts, volume
 * fills, hooks), and only then: delete --force finds its pid in state.json
 * even where it was not cloned into the cgroup.  The status stays creating.
 */
static int record_pid(struct ou_launch *l, struct ou_error **err)
{
	l->st->pid = l->pid;
	l->st->pid_start_time = ou_process_start_time(l->pid);
	return ou_state_dir_save(l->sd, l->st, err);
}

static int spawn(struct ou_launch *l, struct ou_error **err)
{
	int saved_pidns = -1;
	int rc;

	if (ou_sync_pair(l->sync, err) < 0)
		return -1;
	if (join_pid_ns(l->spec, &saved_pidns, err) < 0)
		return -1;
	rc = ou_process_clone(clone_flags(l->spec), ou_cgroup_v2_fd(l->cg), &l->pid, err);
	if (rc == 0)
		child_main(l);
	/* The child has its copies of the idmapped trees. */
	ou_rootfs_idmap_destroy(l->idmap_trees, l->spec->n_mounts);
	l->idmap_trees = NULL;
	if (saved_pidns >= 0) {
		setns(saved_pidns, CLONE_NEWPID);
		close(saved_pidns);
	}
	if (rc < 0)
		return -1;
	close(l->sync[1]);
	l->sync[1] = -1;
	return record_pid(l, err);
}

static int run_runtime_hooks(struct ou_launch *l, struct ou_error **err)
{
	const struct ou_hooks *h = l->spec->hooks;
	ou_autofree char *json = NULL;
	size_t len = 0;

	json = ou_ctr_hook_state(l->st, OU_STATUS_CREATING, &len);
	if (ou_hooks_run(&h->prestart, "prestart", json, len, 0, err) < 0)
		return -1;
	return ou_hooks_run(&h->create_runtime, "createRuntime", json, len, 0, err);
}

static bool has_runtime_hooks(const struct ou_spec *spec)
{
	return spec->hooks != NULL &&
	       (spec->hooks->prestart.len > 0 || spec->hooks->create_runtime.len > 0);
}

/* Drive the child through its setup until it reports ready. */
static int handshake(struct ou_launch *l, struct ou_error **err)
{
	const struct ou_process *p = l->spec->process;

	if (ou_cgroup_enter_cloned(l->cg, l->pid, err) < 0)
		return -1;
	if (map_user_ns(l, err) < 0)
		return -1;
	if (ou_sync_send(l->sync[0], OU_SYNC_GO, l->pid, err) < 0)
		return -1;
	if (has_runtime_hooks(l->spec)) {
		if (ou_sync_expect(l->sync[0], OU_SYNC_HOOKS, NULL, NULL, err) < 0)
			return -1;
		if (run_runtime_hooks(l, err) < 0)
			return -1;
		if (ou_sync_send(l->sync[0], OU_SYNC_HOOKS_DONE, 0, err) < 0)
			return -1;
	}
	if (p != NULL && p->terminal && l->console_fd < 0 && l->foreground &&
	    ou_sync_expect(l->sync[0], OU_SYNC_FD, NULL, &l->pty_master, err) < 0)
		return -1;
	if (p != NULL && l->seccomp != NULL && ou_seccomp_wants_listener(l->seccomp) &&
	    ou_ctr_pass_listener(l->st, l->spec, l->pid, l->sync[0], err) < 0)
		return -1;
	return ou_sync_expect(l->sync[0], OU_SYNC_READY, NULL, NULL, err);
}

static int write_pid_file(struct ou_launch *l, struct ou_error **err)
{
	ou_autofree char *v = NULL;

	if (l->o->pid_file == NULL)
		return 0;
	v = ou_xasprintf("%d", (int)l->pid);
	if (ou_write_file_atomic(l->o->pid_file, v, strlen(v), 0644, err) < 0) {
		ou_error_prefix(err, "--pid-file");
		return -1;
	}
	return 0;
}

static void kill_child(struct ou_launch *l)
{
	if (l->pid <= 0)
		return;
	kill(l->pid, SIGKILL);
	while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR)
		;
	l->pid = 0;
}

/* runtime-spec lifecycle 3 to 5: a failed create hook goes on at steps 12 and 13. */
static void run_poststop(struct ou_launch *l)
{
	ou_autoerror struct ou_error *e = NULL;
	ou_autofree char *json = NULL;
	size_t len = 0;

	if (l->spec->hooks == NULL || l->spec->hooks->poststop.len == 0)
		return;
	json = ou_ctr_hook_state(l->st, OU_STATUS_STOPPED, &len);
	ou_hooks_run(&l->spec->hooks->poststop, "poststop", json, len, OU_HOOKS_CONTINUE, &e);
}

void ou_launch_init(struct ou_launch *l, const struct ou_global_opts *g, const char *id,
		    const struct ou_create_opts *o, bool foreground)
{
	memset(l, 0, sizeof(*l));
	l->g = g;
	l->id = id;
	l->o = o;
	l->foreground = foreground;
	l->sync[0] = l->sync[1] = -1;
	l->console_fd = -1;
	l->fifo_dirfd = -1;
	l->pty_master = -1;
	ou_undo_init(&l->undo);
}

int ou_launch_create(struct ou_launch *l, struct ou_error **err)
{
	if (load_config(l, err) < 0)
		return -1;
	if (make_state(l, err) < 0 || make_cgroup(l, err) < 0 || open_console(l, err) < 0)
		goto fail;
	if (make_storage(l, err) < 0)
		goto fail;
	if (ou_rootfs_idmap_open(l->spec, l->bundle, &l->idmap_trees, err) < 0)
		goto fail;
	ou_process_block_signals(&l->oldmask);
	if (spawn(l, err) < 0 || handshake(l, err) < 0)
		goto fail;
	l->st->status = OU_STATUS_CREATED;
	if (ou_state_dir_save(l->sd, l->st, err) < 0 || write_pid_file(l, err) < 0)
		goto fail;
	ou_undo_release(&l->undo);
	return 0;
fail:
	kill_child(l);
	ou_undo_run(&l->undo);
	if (*err != NULL && (*err)->kind == OU_E_HOOK)
		run_poststop(l);
	return -1;
}

int ou_container_create(const struct ou_global_opts *g, const char *id,
			const struct ou_create_opts *o, struct ou_error **err)
{
	struct ou_launch l;
	int rc;

	ou_launch_init(&l, g, id, o, false);
	rc = ou_launch_create(&l, err);
	if (rc < 0)
		ou_error_prefix(err, "create '%s'", id);
	ou_launch_release(&l);
	return rc;
}
