/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "spec/validate.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "spec/config.h"

/*
 * Semantic checks on a parsed spec.  The parser has checked types, ranges
 * and required fields; here come the enumerations, paths and repetitions of
 * config.md and config-linux.md.  Messages start with the JSON path, as the
 * parser's do.
 */

static const char *const rlimit_names[] = {
	"RLIMIT_AS",
	"RLIMIT_CORE",
	"RLIMIT_CPU",
	"RLIMIT_DATA",
	"RLIMIT_FSIZE",
	"RLIMIT_LOCKS",
	"RLIMIT_MEMLOCK",
	"RLIMIT_MSGQUEUE",
	"RLIMIT_NICE",
	"RLIMIT_NOFILE",
	"RLIMIT_NPROC",
	"RLIMIT_RSS",
	"RLIMIT_RTPRIO",
	"RLIMIT_RTTIME",
	"RLIMIT_SIGPENDING",
	"RLIMIT_STACK",
	NULL,
};

static const char *const seccomp_actions[] = {
	"SCMP_ACT_KILL",	"SCMP_ACT_KILL_PROCESS",
	"SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
	"SCMP_ACT_ERRNO",	"SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW",	"SCMP_ACT_LOG",
	"SCMP_ACT_NOTIFY",	NULL,
};

static const char *const seccomp_ops[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

/* runc also accepts the recursive forms, so do we. */
static const char *const propagations[] = {
	"private", "rprivate",	 "shared",	"rshared", "slave",
	"rslave",  "unbindable", "runbindable", NULL,
};

static const char *const sched_policies[] = {
	"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",       "SCHED_BATCH",
	"SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE", NULL,
};

static const char *const io_classes[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE",
					  NULL };

static const char *const personality_domains[] = { "LINUX", "LINUX32", NULL };

static const char *const clocks[] = { "monotonic", "boottime", NULL };

static bool is_in(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static bool is_absolute(const char *path)
{
	return path != NULL && path[0] == '/';
}

static int fail(struct ou_error **err, const char *path, size_t i, const char *what)
{
	return ou_error_set(err, OU_E_INVALID, 0, "%s[%zu]%s", path, i, what);
}

static int check_rlimits(const struct ou_process *p, struct ou_error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct ou_rlimit *r = &p->rlimits[i];

		if (!is_in(r->type, rlimit_names))
			return ou_error_set(err, OU_E_INVALID, 0,
					    "process.rlimits[%zu].type: unknown rlimit '%s'", i,
					    r->type);
		/* config.md, POSIX process: duplicated rlimit types are an error. */
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->rlimits[j].type, r->type) == 0)
				return ou_error_set(err, OU_E_INVALID, 0,
						    "process.rlimits[%zu].type: '%s' is repeated",
						    i, r->type);
		if (r->soft > r->hard)
			return fail(err, "process.rlimits", i, ": soft must not exceed hard");
	}
	return 0;
}

static bool is_cpu_list(const char *s)
{
	return s == NULL || strspn(s, "0123456789, -") == strlen(s);
}

static int check_process_fields(const struct ou_process *p, struct ou_error **err)
{
	if (p->scheduler != NULL && !is_in(p->scheduler->policy, sched_policies))
		return ou_error_set(err, OU_E_INVALID, 0,
				    "process.scheduler.policy: unknown policy '%s'",
				    p->scheduler->policy);
	if (p->io_priority != NULL && !is_in(p->io_priority->class_, io_classes))
		return ou_error_set(err, OU_E_INVALID, 0,
				    "process.ioPriority.class: unknown class '%s'",
				    p->io_priority->class_);
	if (p->exec_cpu_affinity != NULL && (!is_cpu_list(p->exec_cpu_affinity->initial) ||
					     !is_cpu_list(p->exec_cpu_affinity->final)))
		return ou_error_set(err, OU_E_INVALID, 0,
				    "process.execCPUAffinity: must be a list of CPUs");
	return 0;
}

static int check_process(const struct ou_spec *spec, unsigned int flags, struct ou_error **err)
{
	const struct ou_process *p = spec->process;

	if (p == NULL) {
		if (flags & OU_VALIDATE_NEED_PROCESS)
			return ou_error_set(err, OU_E_INVALID, 0,
					    "process: required to start the container");
		return 0;
	}
	/* config.md, process.args: at least one entry on Linux. */
	if (p->args.len == 0)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "process.args: must be a non-empty array of strings");
	if (!is_absolute(p->cwd))
		return ou_error_set(err, OU_E_INVALID, 0, "process.cwd: must be an absolute path");
	if (check_rlimits(p, err) < 0)
		return -1;
	return check_process_fields(p, err);
}

/* The kernel takes at most this many ranges in a uid_map or gid_map. */
#define MAX_ID_RANGES 340

static bool is_overlap(uint32_t a, uint32_t b, uint32_t size_a, uint32_t size_b)
{
	return (uint64_t)a < (uint64_t)b + size_b && (uint64_t)b < (uint64_t)a + size_a;
}

static int check_id_range(const struct ou_id_mappings *m, size_t j, const char *what,
			  struct ou_error **err)
{
	const struct ou_id_mapping *r = &m->items[j];

	if (r->size == 0)
		return ou_error_set(err, OU_E_INVALID, 0, "%s[%zu].size: must not be 0", what, j);
	if ((uint64_t)r->container_id + r->size > UINT32_MAX ||
	    (uint64_t)r->host_id + r->size > UINT32_MAX)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "%s[%zu]: the range goes past id 4294967294", what, j);
	for (size_t k = 0; k < j; k++) {
		const struct ou_id_mapping *o = &m->items[k];

		if (is_overlap(r->container_id, o->container_id, r->size, o->size) ||
		    is_overlap(r->host_id, o->host_id, r->size, o->size))
			return ou_error_set(err, OU_E_INVALID, 0, "%s[%zu]: overlaps %s[%zu]", what,
					    j, what, k);
	}
	return 0;
}

/* config-linux.md, User namespace mappings: the ranges a kernel accepts. */
static int check_id_mappings(const struct ou_id_mappings *m, size_t i, const char *key,
			     struct ou_error **err)
{
	char what[64];

	snprintf(what, sizeof(what), "mounts[%zu].%s", i, key);
	if (m->len > MAX_ID_RANGES)
		return ou_error_set(err, OU_E_INVALID, 0, "%s: more than %d ranges", what,
				    MAX_ID_RANGES);
	for (size_t j = 0; j < m->len; j++)
		if (check_id_range(m, j, what, err) < 0)
			return -1;
	return 0;
}

static bool has_option(const struct ou_mount *m, const char *name)
{
	for (size_t i = 0; i < m->options.len; i++)
		if (strcmp(m->options.v[i], name) == 0)
			return true;
	return false;
}

static const char *idmap_option(const struct ou_mount *m)
{
	if (has_option(m, "ridmap"))
		return "ridmap";
	return has_option(m, "idmap") ? "idmap" : NULL;
}

/*
 * config.md, Mounts: uidMappings and gidMappings go together; with idmap
 * or ridmap and no mappings of its own, a mount takes those of the
 * container's user namespace, and without one that is an error.
 * Idmapped mounts are made of bind mounts only: another mount type
 * asking for one is refused, not mounted without the mapping.
 */
static int check_mount_idmap(const struct ou_spec *spec, size_t i, struct ou_error **err)
{
	const struct ou_mount *m = &spec->mounts[i];
	const char *opt = idmap_option(m);
	bool has_uid = m->uid_mappings.len > 0, has_gid = m->gid_mappings.len > 0;

	if (has_uid != has_gid)
		return ou_error_set(err, OU_E_INVALID, 0, "mounts[%zu].%s: required with %s", i,
				    has_uid ? "gidMappings" : "uidMappings",
				    has_uid ? "uidMappings" : "gidMappings");
	if (opt == NULL && !has_uid)
		return 0;
	if (!has_option(m, "bind") && !has_option(m, "rbind"))
		return ou_error_set(
			err, OU_E_UNSUPPORTED, 0,
			"mounts[%zu]: idmapped mounts are only supported for bind mounts", i);
	if (!has_uid && ou_spec_namespace(spec, OU_NS_USER) == NULL)
		return ou_error_set(
			err, OU_E_INVALID, 0,
			"mounts[%zu].options: '%s' without uidMappings and gidMappings needs a user namespace",
			i, opt);
	if (check_id_mappings(&m->uid_mappings, i, "uidMappings", err) < 0)
		return -1;
	return check_id_mappings(&m->gid_mappings, i, "gidMappings", err);
}

/*
 * config.md, Mounts: on Linux a relative destination is deprecated but
 * allowed, and means relative to "/"; the runtime resolves it (and any
 * ".." in it) inside the root.  Only an empty one is refused.  Any
 * non-empty type is accepted here: it is a filesystem type, or "bind" or
 * "none" together with bind options, which the mount code interprets.
 */
static int check_mounts(const struct ou_spec *spec, struct ou_error **err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct ou_mount *m = &spec->mounts[i];

		if (m->destination[0] == '\0')
			return fail(err, "mounts", i, ".destination: must not be empty");
		if (m->type != NULL && m->type[0] == '\0')
			return fail(err, "mounts", i, ".type: must not be empty");
		if (check_mount_idmap(spec, i, err) < 0)
			return -1;
	}
	return 0;
}

static int check_hook_list(const struct ou_hook_list *l, const char *phase, struct ou_error **err)
{
	/* config.md, POSIX-platform Hooks: path MUST be absolute. */
	for (size_t i = 0; i < l->len; i++)
		if (!is_absolute(l->items[i].path))
			return ou_error_set(err, OU_E_INVALID, 0,
					    "hooks.%s[%zu].path: must be an absolute path", phase,
					    i);
	return 0;
}

static int check_hooks(const struct ou_hooks *h, struct ou_error **err)
{
	if (h == NULL)
		return 0;
	if (check_hook_list(&h->prestart, "prestart", err) < 0 ||
	    check_hook_list(&h->create_runtime, "createRuntime", err) < 0 ||
	    check_hook_list(&h->create_container, "createContainer", err) < 0 ||
	    check_hook_list(&h->start_container, "startContainer", err) < 0 ||
	    check_hook_list(&h->poststart, "poststart", err) < 0 ||
	    check_hook_list(&h->poststop, "poststop", err) < 0)
		return -1;
	return 0;
}

static int check_namespaces(const struct ou_linux *lx, struct ou_error **err)
{
	bool seen[OU_NS__COUNT] = { false };

	/* config-linux.md, Namespaces: a repeated type is an error. */
	for (size_t i = 0; i < lx->n_namespaces; i++) {
		enum ou_ns_type t = lx->namespaces[i].type;

		if (seen[t])
			return ou_error_set(
				err, OU_E_INVALID, 0,
				"linux.namespaces[%zu].type: namespace '%s' is repeated", i,
				ou_ns_type_name(t));
		seen[t] = true;
	}
	for (size_t i = 0; i < lx->n_time_offsets; i++)
		if (!is_in(lx->time_offsets[i].clock, clocks))
			return ou_error_set(err, OU_E_INVALID, 0,
					    "linux.timeOffsets.%s: unknown clock",
					    lx->time_offsets[i].clock);
	return 0;
}

static int check_devices(const struct ou_linux *lx, struct ou_error **err)
{
	for (size_t i = 0; i < lx->n_devices; i++) {
		const struct ou_device *d = &lx->devices[i];

		if (d->type == '\0' || strchr("cbup", d->type) == NULL)
			return fail(err, "linux.devices", i, ".type: must be one of c, b, u, p");
		if (!is_absolute(d->path))
			return fail(err, "linux.devices", i, ".path: must be an absolute path");
	}
	for (size_t i = 0; i < lx->sysctl.len; i++)
		if (lx->sysctl.items[i].key[0] == '\0')
			return ou_error_set(err, OU_E_INVALID, 0,
					    "linux.sysctl: keys must not be empty");
	return 0;
}

/* pageSize: config-linux.json pattern ^[1-9][0-9]*[KMG]B$ */
static bool is_page_size(const char *s)
{
	size_t digits = strspn(s, "0123456789");

	return s[0] >= '1' && s[0] <= '9' && s[digits] != '\0' && strchr("KMG", s[digits]) &&
	       strcmp(s + digits + 1, "B") == 0;
}

static int check_resources(const struct ou_resources *r, struct ou_error **err)
{
	if (r == NULL)
		return 0;
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		if (!is_page_size(r->hugepage_limits[i].page_size))
			return ou_error_set(
				err, OU_E_INVALID, 0,
				"linux.resources.hugepageLimits[%zu].pageSize: '%s' is not a page size such as '2MB'",
				i, r->hugepage_limits[i].page_size);
	return 0;
}

static int check_syscall(const struct ou_seccomp_syscall *s, size_t i, struct ou_error **err)
{
	const char *p = "linux.seccomp.syscalls";

	if (s->names.len == 0)
		return fail(err, p, i, ".names: must be a non-empty array of strings");
	if (!is_in(s->action, seccomp_actions))
		return ou_error_set(err, OU_E_INVALID, 0, "%s[%zu].action: unknown action '%s'", p,
				    i, s->action);
	for (size_t j = 0; j < s->n_args; j++)
		if (!is_in(s->args[j].op, seccomp_ops))
			return ou_error_set(err, OU_E_INVALID, 0,
					    "%s[%zu].args[%zu].op: unknown operator '%s'", p, i, j,
					    s->args[j].op);
	return 0;
}

static int check_seccomp(const struct ou_seccomp *s, struct ou_error **err)
{
	if (s == NULL)
		return 0;
	if (!is_in(s->default_action, seccomp_actions))
		return ou_error_set(err, OU_E_INVALID, 0,
				    "linux.seccomp.defaultAction: unknown action '%s'",
				    s->default_action);
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (check_syscall(&s->syscalls[i], i, err) < 0)
			return -1;
	/* config-linux.md, Seccomp: metadata only makes sense for a listener. */
	if (s->listener_metadata != NULL && s->listener_path == NULL)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "linux.seccomp.listenerMetadata: needs listenerPath");
	return 0;
}

static int check_linux_fields(const struct ou_linux *lx, struct ou_error **err)
{
	if (lx->rootfs_propagation != NULL && !is_in(lx->rootfs_propagation, propagations))
		return ou_error_set(err, OU_E_INVALID, 0,
				    "linux.rootfsPropagation: unknown propagation '%s'",
				    lx->rootfs_propagation);
	if (lx->personality != NULL && lx->personality->domain != NULL &&
	    !is_in(lx->personality->domain, personality_domains))
		return ou_error_set(err, OU_E_INVALID, 0,
				    "linux.personality.domain: unknown domain '%s'",
				    lx->personality->domain);
	return 0;
}

/*
 * Valid settings that ociunion does not implement (config.md, Valid
 * values: an unsupported value is an error, not ignored).  intelRdt needs
 * resctrl support, netDevices moving host interfaces into the container's
 * network namespace, memoryPolicy set_mempolicy(2) in the child; none of
 * them is done, and the container is not created.
 */
static int check_unsupported(const struct ou_linux *lx, struct ou_error **err)
{
	if (lx->intel_rdt != NULL)
		return ou_error_set(err, OU_E_UNSUPPORTED, 0, "linux.intelRdt is not supported");
	if (lx->has_net_devices)
		return ou_error_set(err, OU_E_UNSUPPORTED, 0, "linux.netDevices is not supported");
	if (lx->has_memory_policy)
		return ou_error_set(err, OU_E_UNSUPPORTED, 0,
				    "linux.memoryPolicy is not supported");
	return 0;
}

static int check_linux(const struct ou_linux *lx, struct ou_error **err)
{
	if (lx == NULL)
		return 0;
	if (check_namespaces(lx, err) < 0 || check_devices(lx, err) < 0 ||
	    check_resources(lx->resources, err) < 0 || check_seccomp(lx->seccomp, err) < 0 ||
	    check_linux_fields(lx, err) < 0)
		return -1;
	return check_unsupported(lx, err);
}

/* config.md, Annotations: keys MUST NOT be empty. */
static int check_annotations(const struct ou_kv_list *a, struct ou_error **err)
{
	for (size_t i = 0; i < a->len; i++)
		if (a->items[i].key[0] == '\0')
			return ou_error_set(err, OU_E_INVALID, 0,
					    "annotations: keys must not be empty");
	return 0;
}

/* The kernel's limit on the names of a uts namespace (utsname(2)). */
#define UTS_NAME_MAX 64

static int check_uts_name(const char *key, const char *name, struct ou_error **err)
{
	size_t len = name != NULL ? strlen(name) : 0;

	if (len > UTS_NAME_MAX)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "%s: %zu bytes, longer than the %d allowed", key, len,
				    UTS_NAME_MAX);
	return 0;
}

int ou_validate_spec(const struct ou_spec *spec, unsigned int flags, struct ou_error **err)
{
	if (spec->root != NULL && spec->root->path[0] == '\0')
		return ou_error_set(err, OU_E_INVALID, 0, "root.path: must not be empty");
	if (check_uts_name("hostname", spec->hostname, err) < 0 ||
	    check_uts_name("domainname", spec->domainname, err) < 0)
		return -1;
	if (check_process(spec, flags, err) < 0 || check_mounts(spec, err) < 0 ||
	    check_hooks(spec->hooks, err) < 0 || check_annotations(&spec->annotations, err) < 0)
		return -1;
	return check_linux(spec->linux_, err);
}
