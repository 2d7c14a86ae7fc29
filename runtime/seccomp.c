/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <seccomp.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"

struct ou_seccomp_prog {
	struct sock_fprog fprog;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	bool notify;
};

struct name_value {
	const char *name;
	uint64_t value;
};

static const struct name_value arches[] = {
	{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
	{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
	{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
	{ "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
	{ "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
	{ "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
	{ "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
	{ "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", SCMP_ARCH_S390 },
	{ "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
	{ "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
	{ "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
#ifdef SCMP_ARCH_LOONGARCH64
	{ "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
	{ "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
	{ "SCMP_ARCH_SH", SCMP_ARCH_SH },
	{ "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#endif
	{ NULL, 0 },
};

/* Listed in config-linux.md but unknown to the libseccomp we build with. */
static const char *const arches_unsupported[] = {
	"SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB", NULL,
};

/* Actions taking a number; errnoRet sets it (config-linux.md, Seccomp). */
static const struct name_value actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
	{ "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
	{ NULL, 0 },
};

static const struct name_value ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	{ NULL, 0 },
};

/*
 * The kernel flags of seccomp(2).  ociunion calls seccomp(2) itself, so
 * every flag of the spec's list is passed through, whatever libseccomp
 * knows; SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs kernel 5.19.
 */
static const struct name_value filter_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
#ifdef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
#endif
	{ NULL, 0 },
};

static const struct name_value *lookup(const struct name_value *table, const char *name)
{
	for (; name != NULL && table->name != NULL; table++) {
		if (strcmp(table->name, name) == 0)
			return table;
	}
	return NULL;
}

/*
 * The libseccomp action for name with an optional errno.  field names the
 * JSON path for messages; ret is errnoRet or defaultErrnoRet.
 */
static int parse_action(const char *name, bool has_ret, uint32_t ret, const char *field,
			uint32_t *out, struct ou_error **err)
{
	const struct name_value *a = lookup(actions, name);
	bool takes_ret;

	if (a == NULL)
		return ou_error_set(err, OU_E_INVALID, 0, "%s: unknown action '%s'", field,
				    name ? name : "");
	takes_ret = a->value == SCMP_ACT_ERRNO(0) || a->value == SCMP_ACT_TRACE(0);
	if (has_ret && !takes_ret)
		return ou_error_set(err, OU_E_INVALID, 0, "%s: action '%s' takes no errno value",
				    field, name);
	if (has_ret && ret > 0xffff)
		return ou_error_set(err, OU_E_INVALID, 0, "%s: errno value %u out of range", field,
				    ret);
	*out = (uint32_t)a->value;
	if (takes_ret)
		*out |= has_ret ? ret : EPERM;
	return 0;
}

static int add_arches(scmp_filter_ctx ctx, const struct ou_strv *list, struct ou_error **err)
{
	const struct name_value *a;
	int rc;

	for (size_t i = 0; i < list->len; i++) {
		a = lookup(arches, list->v[i]);
		for (size_t j = 0; a == NULL && arches_unsupported[j] != NULL; j++) {
			if (strcmp(arches_unsupported[j], list->v[i]) == 0)
				return ou_error_set(
					err, OU_E_UNSUPPORTED, 0,
					"linux.seccomp.architectures[%zu]: architecture '%s' is not supported by this libseccomp",
					i, list->v[i]);
		}
		if (a == NULL)
			return ou_error_set(
				err, OU_E_INVALID, 0,
				"linux.seccomp.architectures[%zu]: unknown architecture '%s'", i,
				list->v[i]);
		rc = seccomp_arch_add(ctx, (uint32_t)a->value);
		if (rc < 0 && rc != -EEXIST)
			return ou_error_set(
				err, OU_E_SYSTEM, -rc,
				"linux.seccomp.architectures[%zu]: add architecture '%s'", i,
				list->v[i]);
	}
	return 0;
}

static int parse_flags(const struct ou_strv *list, unsigned int *out, struct ou_error **err)
{
	const struct name_value *f;

	*out = 0;
	for (size_t i = 0; i < list->len; i++) {
		f = lookup(filter_flags, list->v[i]);
		if (f == NULL && strcmp(list->v[i], "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
			return ou_error_set(
				err, OU_E_UNSUPPORTED, 0,
				"linux.seccomp.flags[%zu]: flag '%s' is not supported by these kernel headers",
				i, list->v[i]);
		if (f == NULL)
			return ou_error_set(err, OU_E_INVALID, 0,
					    "linux.seccomp.flags[%zu]: unknown flag '%s'", i,
					    list->v[i]);
		*out |= (unsigned int)f->value;
	}
	return 0;
}

/* One parsed syscalls[] entry. */
struct rule {
	size_t index; /* in linux.seccomp.syscalls */
	uint32_t action;
	unsigned int n_cmp;
	struct scmp_arg_cmp cmp[6];
	bool split; /* an index repeats: one rule per comparison */
};

static int parse_args(const struct ou_seccomp_syscall *sc, struct rule *r, struct ou_error **err)
{
	unsigned int seen[6] = { 0 };
	const struct name_value *op;

	if (sc->n_args > 6)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "linux.seccomp.syscalls[%zu].args: more than 6 arguments",
				    r->index);
	for (size_t i = 0; i < sc->n_args; i++) {
		const struct ou_seccomp_arg *a = &sc->args[i];

		op = lookup(ops, a->op);
		if (op == NULL)
			return ou_error_set(
				err, OU_E_INVALID, 0,
				"linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator '%s'",
				r->index, i, a->op ? a->op : "");
		if (a->index > 5)
			return ou_error_set(
				err, OU_E_INVALID, 0,
				"linux.seccomp.syscalls[%zu].args[%zu].index: %u is not below 6",
				r->index, i, a->index);
		if (seen[a->index]++ > 0)
			r->split = true;
		r->cmp[i] = (struct scmp_arg_cmp){ .arg = a->index,
						   .op = (enum scmp_compare)op->value,
						   .datum_a = a->value,
						   .datum_b = a->value_two };
	}
	r->n_cmp = (unsigned int)sc->n_args;
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct rule *r, const char *name,
		    struct ou_error **err)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc = 0;

	if (nr == __NR_SCMP_ERROR) {
		ou_log_debug("seccomp: skip unknown syscall '%s'", name);
		return 0;
	}
	/*
	 * config-linux.md leaves several args on one index open.  As runc
	 * does (and as Docker's profiles expect), conditions on distinct
	 * indexes are AND-ed in one rule; if any index repeats, each
	 * condition becomes a rule of its own, so they are OR-ed.
	 */
	if (r->split) {
		for (unsigned int i = 0; i < r->n_cmp && rc == 0; i++)
			rc = seccomp_rule_add_array(ctx, r->action, nr, 1, &r->cmp[i]);
	} else {
		rc = seccomp_rule_add_array(ctx, r->action, nr, r->n_cmp, r->cmp);
	}
	if (rc < 0)
		return ou_error_set(err, OU_E_INVALID, -rc,
				    "linux.seccomp.syscalls[%zu]: add rule for syscall '%s'",
				    r->index, name);
	return 0;
}

static int add_syscalls(scmp_filter_ctx ctx, const struct ou_seccomp *sc, uint32_t def,
			bool *notify, struct ou_error **err)
{
	char field[64];

	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct ou_seccomp_syscall *s = &sc->syscalls[i];
		struct rule r = { .index = i };

		snprintf(field, sizeof(field), "linux.seccomp.syscalls[%zu].action", i);
		if (parse_action(s->action, s->has_errno_ret, s->errno_ret, field, &r.action, err) <
		    0)
			return -1;
		if (parse_args(s, &r, err) < 0)
			return -1;
		/* libseccomp refuses rules that repeat the default action */
		if (r.action == def) {
			ou_log_debug("seccomp: syscalls[%zu] has the default action, skipped", i);
			continue;
		}
		if (r.action == SCMP_ACT_NOTIFY)
			*notify = true;
		for (size_t j = 0; j < s->names.len; j++) {
			if (add_rule(ctx, &r, s->names.v[j], err) < 0)
				return -1;
		}
	}
	return 0;
}

/* seccomp_export_bpf() writes to an fd only: go through a memfd. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_fprog *fprog, struct ou_error **err)
{
	ou_autoclose int fd = memfd_create("ociunion-seccomp", MFD_CLOEXEC);
	ou_autofree char *buf = NULL;
	struct stat st;
	size_t n;
	int rc;

	if (fd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno,
				    "create a memfd for the seccomp filter");
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return ou_error_set(err, OU_E_SYSTEM, -rc, "export the seccomp filter");
	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "read the seccomp filter");

	n = (size_t)st.st_size / sizeof(struct sock_filter);
	if (n == 0 || (size_t)st.st_size % sizeof(struct sock_filter) != 0)
		return ou_error_set(err, OU_E_SYSTEM, 0, "export the seccomp filter: bad size %lld",
				    (long long)st.st_size);
	if (n > BPF_MAXINSNS)
		return ou_error_set(
			err, OU_E_INVALID, 0,
			"linux.seccomp: filter needs %zu instructions, the kernel allows %d", n,
			BPF_MAXINSNS);
	buf = ou_xmalloc((size_t)st.st_size);
	if (read(fd, buf, (size_t)st.st_size) != (ssize_t)st.st_size)
		return ou_error_set(err, OU_E_SYSTEM, errno, "read the seccomp filter");
	fprog->len = (unsigned short)n;
	fprog->filter = ou_steal_ptr(&buf);
	return 0;
}

/* Kernel flags for the program, given what the rules need. */
static unsigned int final_flags(unsigned int flags, bool notify)
{
	if (!notify) {
#ifdef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
		/* The flag only changes how a listener waits: without one it has no effect */
		if (flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
			ou_log_warning(
				"linux.seccomp.flags: ignore SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, no SCMP_ACT_NOTIFY rule");
		flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
#endif
		return flags;
	}
	flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	/* seccomp(2): TSYNC with a listener needs TSYNC_ESRCH */
	if (flags & SECCOMP_FILTER_FLAG_TSYNC)
		flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	return flags;
}

static int build(scmp_filter_ctx ctx, const struct ou_seccomp *sc, uint32_t def,
		 struct ou_seccomp_prog *prog, struct ou_error **err)
{
	if (add_arches(ctx, &sc->architectures, err) < 0)
		return -1;
	if (add_syscalls(ctx, sc, def, &prog->notify, err) < 0)
		return -1;
	if (prog->notify && sc->listener_path == NULL)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY");
	prog->flags = final_flags(prog->flags, prog->notify);
	return export_bpf(ctx, &prog->fprog, err);
}

int ou_seccomp_compile(const struct ou_seccomp *sc, struct ou_seccomp_prog **out,
		       struct ou_error **err)
{
	struct ou_seccomp_prog *prog;
	scmp_filter_ctx ctx;
	uint32_t def;
	int rc;

	if (parse_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
			 "linux.seccomp.defaultAction", &def, err) < 0)
		return -1;
	/* The listener would have to answer the runtime's own calls */
	if (def == SCMP_ACT_NOTIFY)
		return ou_error_set(
			err, OU_E_INVALID, 0,
			"linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	prog = ou_xcalloc(1, sizeof(*prog));
	if (parse_flags(&sc->flags, &prog->flags, err) < 0) {
		ou_seccomp_prog_free(prog);
		return -1;
	}
	ctx = seccomp_init(def);
	if (ctx == NULL) {
		ou_seccomp_prog_free(prog);
		return ou_error_set(err, OU_E_SYSTEM, EINVAL, "initialise the seccomp filter");
	}
	rc = build(ctx, sc, def, prog, err);
	seccomp_release(ctx);
	if (rc < 0) {
		ou_seccomp_prog_free(prog);
		return -1;
	}
	ou_log_debug("seccomp: filter of %u instructions, flags %#x", prog->fprog.len, prog->flags);
	*out = prog;
	return 0;
}

bool ou_seccomp_wants_listener(const struct ou_seccomp_prog *prog)
{
	return prog->notify;
}

int ou_seccomp_install(const struct ou_seccomp_prog *prog, int *notify_fd, struct ou_error **err)
{
	long rc;

	/* Without the listener fd, notified calls would fail with ENOSYS */
	if (notify_fd == NULL && prog->notify)
		return ou_error_set(
			err, OU_E_INVALID, 0,
			"install the seccomp filter: SCMP_ACT_NOTIFY rules need the listener fd");
	if (notify_fd != NULL)
		*notify_fd = -1;
	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &prog->fprog);
	if (rc < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "install the seccomp filter");
	if (notify_fd != NULL && prog->notify)
		*notify_fd = (int)rc;
	return 0;
}

static int send_state(int sock, int fd, const char *data, size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control = { 0 };
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;

	/* config-linux.md: fds go with the first sendmsg only */
	for (size_t off = (size_t)n; off < len; off += (size_t)n) {
		n = send(sock, data + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n < 0)
			n = 0;
	}
	return 0;
}

int ou_seccomp_send_listener(const char *listener_path, int notify_fd, const char *state_json,
			     size_t len, struct ou_error **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	ou_autoclose int sock = -1;

	if (strlen(listener_path) >= sizeof(addr.sun_path))
		return ou_error_set(err, OU_E_INVALID, ENAMETOOLONG,
				    "linux.seccomp.listenerPath: path '%s' is too long",
				    listener_path);
	memcpy(addr.sun_path, listener_path, strlen(listener_path) + 1);

	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create a unix socket");
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "connect to seccomp listener '%s'",
				    listener_path);
	if (send_state(sock, notify_fd, state_json, len) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno,
				    "send the seccomp state to listener '%s'", listener_path);
	return 0;
}

void ou_seccomp_prog_free(struct ou_seccomp_prog *prog)
{
	if (prog == NULL)
		return;
	free(prog->fprog.filter);
	free(prog);
}

static void table_names(const struct name_value *t, const char *skip, struct ou_strv *out)
{
	size_t n = 0;

	for (const struct name_value *e = t; e->name != NULL; e++)
		n++;
	out->v = ou_xcalloc(n + 1, sizeof(char *));
	out->len = 0;
	for (const struct name_value *e = t; e->name != NULL; e++)
		if (skip == NULL || strcmp(e->name, skip) != 0)
			out->v[out->len++] = (char *)e->name;
}

void ou_seccomp_features(struct ou_strv *acts, struct ou_strv *operators, struct ou_strv *archs,
			 struct ou_strv *flags)
{
	table_names(actions, NULL, acts);
	table_names(ops, NULL, operators);
	table_names(arches, NULL, archs);
	table_names(filter_flags, NULL, flags);
}
