/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/cgroup_internal.h"

/*
 * The device controller of cgroup2 is a BPF_PROG_TYPE_CGROUP_DEVICE
 * program attached to the cgroup (kernel Documentation/admin-guide/
 * cgroup-v2.rst, Device controller).  The rule list is first played
 * through a model of the v1 controller (security/device_cgroup.c: a
 * default behaviour plus a list of exceptions), exactly as the writes of
 * cgroup_v1.c would leave a v1 cgroup, and the program then checks the
 * final state.  The same config therefore confines the same way on v1
 * and on v2.
 */

#define FIELD "linux.resources.devices"

/* One v1 exception: BPF_DEVCG_DEV_* type, ~0 for a wildcard number. */
struct dev_ex {
	uint32_t type;
	uint32_t major;
	uint32_t minor;
	uint32_t access; /* BPF_DEVCG_ACC_* bits */
};

/* What a v1 devices cgroup holds: the default and the exceptions to it. */
struct dev_model {
	bool allow_all;
	size_t n;
	struct dev_ex *ex;
};

static int parse_number(bool has, int64_t v, const char *what, size_t i, uint32_t *out,
			struct ou_error **err)
{
	/* config-linux.md, Allowed Device list: unset or -1 means all */
	if (!has || v < 0) {
		*out = UINT32_MAX;
		return 0;
	}
	if (v > UINT32_MAX)
		return ou_error_set(err, OU_E_INVALID, 0, FIELD "[%zu].%s: %lld is out of range", i,
				    what, (long long)v);
	*out = (uint32_t)v;
	return 0;
}

static int parse_access(const char *s, size_t i, uint32_t *out, struct ou_error **err)
{
	*out = 0;
	if (s == NULL) {
		*out = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
		return 0;
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == 'r')
			*out |= BPF_DEVCG_ACC_READ;
		else if (*p == 'w')
			*out |= BPF_DEVCG_ACC_WRITE;
		else if (*p == 'm')
			*out |= BPF_DEVCG_ACC_MKNOD;
		else
			return ou_error_set(err, OU_E_INVALID, 0,
					    FIELD "[%zu].access: '%s' is not made of r, w and m", i,
					    s);
	}
	return 0;
}

/* A rule as a v1 exception; *all is set for type "a" (or none). */
static int parse_rule(const struct ou_device_cgroup *d, size_t i, bool *all, struct dev_ex *ex,
		      struct ou_error **err)
{
	const char *type = d->type != NULL ? d->type : "a";

	*all = strcmp(type, "a") == 0;
	if (*all)
		return 0;
	if (strcmp(type, "b") == 0)
		ex->type = BPF_DEVCG_DEV_BLOCK;
	else if (strcmp(type, "c") == 0)
		ex->type = BPF_DEVCG_DEV_CHAR;
	else
		return ou_error_set(err, OU_E_INVALID, 0, FIELD "[%zu].type: '%s' is not a, b or c",
				    i, type);
	if (parse_number(d->has_major, d->major, "major", i, &ex->major, err) < 0 ||
	    parse_number(d->has_minor, d->minor, "minor", i, &ex->minor, err) < 0)
		return -1;
	return parse_access(d->access, i, &ex->access, err);
}

static bool is_same_device(const struct dev_ex *a, const struct dev_ex *b)
{
	return a->type == b->type && a->major == b->major && a->minor == b->minor;
}

/* v1 adds access to an exception for the same numbers, or appends one. */
static void model_add(struct dev_model *m, const struct dev_ex *ex)
{
	for (size_t i = 0; i < m->n; i++) {
		if (is_same_device(&m->ex[i], ex)) {
			m->ex[i].access |= ex->access;
			return;
		}
	}
	m->ex[m->n++] = *ex;
}

/* v1 takes access away from exceptions for exactly these numbers only. */
static void model_remove(struct dev_model *m, const struct dev_ex *ex)
{
	size_t w = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (is_same_device(&m->ex[i], ex))
			m->ex[i].access &= ~ex->access;
		if (!is_same_device(&m->ex[i], ex) || m->ex[i].access != 0)
			m->ex[w++] = m->ex[i];
	}
	m->n = w;
}

/*
 * Play the rules through the v1 model.  cgroup_v1.c first writes "a" to
 * devices.deny, so the model starts denying everything.  A rule of type
 * "a" sets the default and clears the exceptions; a rule that agrees with
 * the default removes exceptions, one that disagrees adds one.
 */
static int build_model(const struct ou_device_cgroup *rules, size_t n, struct dev_model *m,
		       struct ou_error **err)
{
	m->allow_all = false;
	m->n = 0;
	m->ex = ou_xcalloc(n + 1, sizeof(*m->ex));
	for (size_t i = 0; i < n; i++) {
		struct dev_ex ex = { 0 };
		bool all = false;

		if (parse_rule(&rules[i], i, &all, &ex, err) < 0) {
			free(m->ex);
			m->ex = NULL;
			return -1;
		}
		if (all) {
			m->allow_all = rules[i].allow;
			m->n = 0;
		} else if (rules[i].allow == m->allow_all) {
			model_remove(m, &ex);
		} else {
			model_add(m, &ex);
		}
	}
	return 0;
}

static void emit(struct ou_cgroup_bpf_prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
		 int32_t imm)
{
	struct bpf_insn *in;

	if (p->len == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->insns = ou_xrealloc(p->insns, p->cap * sizeof(*p->insns));
	}
	in = &p->insns[p->len++];
	memset(in, 0, sizeof(*in));
	in->code = code;
	in->dst_reg = dst & 0xf;
	in->src_reg = src & 0xf;
	in->off = off;
	in->imm = imm;
}

/* Registers of the program; R1 holds the context on entry. */
enum bpf_reg {
	R0 = 0,
	R1,
	R_ACCESS,
	R_TYPE,
	R_MAJOR,
	R_MINOR
};

static void emit_load_ctx(struct ou_cgroup_bpf_prog *p)
{
	emit(p, BPF_LDX | BPF_W | BPF_MEM, R_ACCESS, R1,
	     offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
	emit(p, BPF_LDX | BPF_W | BPF_MEM, R_MAJOR, R1, offsetof(struct bpf_cgroup_dev_ctx, major),
	     0);
	emit(p, BPF_LDX | BPF_W | BPF_MEM, R_MINOR, R1, offsetof(struct bpf_cgroup_dev_ctx, minor),
	     0);
	/* access_type is (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_* */
	emit(p, BPF_ALU | BPF_MOV | BPF_X, R_TYPE, R_ACCESS, 0, 0);
	emit(p, BPF_ALU | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
}

static void emit_return(struct ou_cgroup_bpf_prog *p, int allow)
{
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, allow);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/*
 * One exception: if the device matches it, return the opposite of the
 * default.  With a deny default the whole access asked for must be in
 * the exception (v1 match_exception); with an allow default any overlap
 * denies (v1 match_exception_partial).
 */
static void emit_exception(struct ou_cgroup_bpf_prog *p, const struct dev_ex *ex, bool allow_all)
{
	size_t jumps[4];
	size_t nj = 0;

	jumps[nj++] = p->len;
	emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_TYPE, 0, 0, (int32_t)ex->type);
	if (ex->major != UINT32_MAX) {
		jumps[nj++] = p->len;
		emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_MAJOR, 0, 0, (int32_t)ex->major);
	}
	if (ex->minor != UINT32_MAX) {
		jumps[nj++] = p->len;
		emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_MINOR, 0, 0, (int32_t)ex->minor);
	}
	emit(p, BPF_ALU | BPF_MOV | BPF_X, R0, R_ACCESS, 0, 0);
	emit(p, BPF_ALU | BPF_AND | BPF_K, R0, 0, 0,
	     allow_all ? (int32_t)ex->access : (int32_t)~ex->access);
	jumps[nj++] = p->len;
	emit(p, BPF_JMP32 | (allow_all ? BPF_JEQ : BPF_JNE) | BPF_K, R0, 0, 0, 0);
	emit_return(p, allow_all ? 0 : 1);
	for (size_t i = 0; i < nj; i++)
		p->insns[jumps[i]].off = (int16_t)(p->len - jumps[i] - 1);
}

int ou_cgroup_bpf_devices(const struct ou_device_cgroup *rules, size_t n,
			  struct ou_cgroup_bpf_prog *prog, struct ou_error **err)
{
	struct dev_model m;

	memset(prog, 0, sizeof(*prog));
	if (build_model(rules, n, &m, err) < 0)
		return -1;
	emit_load_ctx(prog);
	for (size_t i = 0; i < m.n; i++) {
		/* an exception without access matches nothing in v1 */
		if (m.ex[i].access != 0)
			emit_exception(prog, &m.ex[i], m.allow_all);
	}
	emit_return(prog, m.allow_all ? 1 : 0);
	free(m.ex);
	return 0;
}

void ou_cgroup_bpf_prog_release(struct ou_cgroup_bpf_prog *prog)
{
	free(prog->insns);
	memset(prog, 0, sizeof(*prog));
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Load again with a log, only to show the verifier's reasons. */
static void log_verifier(const struct ou_cgroup_bpf_prog *prog)
{
	ou_autofree char *log = NULL;
	union bpf_attr a;
	char *save = NULL;
	int fd;

	if (!ou_log_enabled(OU_LOG_DEBUG))
		return;
	log = ou_xcalloc(1, 1 << 16);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)prog->insns;
	a.insn_cnt = (uint32_t)prog->len;
	a.license = (uintptr_t) "GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = 1 << 16;
	a.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		close(fd);
	for (char *l = strtok_r(log, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save))
		ou_log_debug(FIELD ": verifier: %s", l);
}

/*
 * The program uses no helper, so any license string would do; "GPL"
 * matches ociunion's own license.
 */
static int load(const struct ou_cgroup_bpf_prog *prog, struct ou_error **err)
{
	union bpf_attr a;
	int fd, saved;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)prog->insns;
	a.insn_cnt = (uint32_t)prog->len;
	a.license = (uintptr_t) "GPL";
	strncpy(a.prog_name, "ou_devices", sizeof(a.prog_name) - 1);
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	saved = errno;
	log_verifier(prog);
	return ou_error_set(err, OU_E_SYSTEM, saved, FIELD ": load the eBPF device program");
}

static int attach(int cgfd, int progfd, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)progfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = flags;
	return sys_bpf(BPF_PROG_ATTACH, &a);
}

static int detach(int cgfd, int progfd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)progfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	return sys_bpf(BPF_PROG_DETACH, &a);
}

/* The device programs attached to this cgroup itself (not inherited). */
static int query(int cgfd, uint32_t **ids, uint32_t *n)
{
	union bpf_attr a;

	*ids = NULL;
	*n = 0;
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return -1;
	if (a.query.prog_cnt == 0)
		return 0;
	*ids = ou_xcalloc(a.query.prog_cnt, sizeof(**ids));
	a.query.prog_ids = (uintptr_t)*ids;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0) {
		free(*ids);
		*ids = NULL;
		return -1;
	}
	*n = a.query.prog_cnt;
	return 0;
}

static void close_progs(int *fds, uint32_t n)
{
	for (uint32_t i = 0; fds != NULL && i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
	}
	free(fds);
}

/* Open the programs by id; one that is already gone is -1 and skipped. */
static int open_progs(const uint32_t *ids, uint32_t n, int **out)
{
	int *fds = ou_xcalloc(n + 1, sizeof(*fds));

	for (uint32_t i = 0; i < n; i++) {
		union bpf_attr a;

		memset(&a, 0, sizeof(a));
		a.prog_id = ids[i];
		fds[i] = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
		if (fds[i] < 0 && errno != ENOENT) {
			int saved = errno;

			close_progs(fds, i);
			errno = saved;
			return -1;
		}
	}
	*out = fds;
	return 0;
}

/*
 * Detach the old programs.  If one refuses, the ones already detached are
 * attached again and the new one is detached, so that the cgroup keeps
 * the rules it had.
 */
static int detach_old(const char *dir, int cgfd, int newfd, int *old, uint32_t n,
		      struct ou_error **err)
{
	for (uint32_t i = 0; i < n; i++) {
		int saved;

		if (old[i] < 0 || detach(cgfd, old[i]) == 0 || errno == ENOENT)
			continue;
		saved = errno;
		while (i-- > 0) {
			if (old[i] >= 0 && attach(cgfd, old[i], BPF_F_ALLOW_MULTI) < 0)
				ou_log_warning(FIELD
					       ": reattach an old device program to '%s' failed",
					       dir);
		}
		if (detach(cgfd, newfd) < 0)
			ou_log_warning(
				FIELD ": detach the new eBPF device program from '%s' failed", dir);
		return ou_error_set(err, OU_E_SYSTEM, saved,
				    FIELD ": detach the old eBPF device program from '%s'", dir);
	}
	return 0;
}

/*
 * The new program is attached before the old ones are detached: while
 * both are attached a device must pass both, so the container never
 * holds more than either rule list grants.
 */
int ou_cgroup_bpf_attach(const char *dir, const struct ou_cgroup_bpf_prog *prog,
			 struct ou_error **err)
{
	ou_autoclose int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ou_autoclose int progfd = -1;
	ou_autofree uint32_t *ids = NULL;
	int *old = NULL;
	uint32_t n = 0;
	int r;

	if (cgfd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, FIELD ": open cgroup '%s'", dir);
	if (query(cgfd, &ids, &n) < 0 || open_progs(ids, n, &old) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno,
				    FIELD ": find the eBPF device programs of '%s'", dir);
	progfd = load(prog, err);
	if (progfd < 0) {
		close_progs(old, n);
		return -1;
	}
	if (attach(cgfd, progfd, BPF_F_ALLOW_MULTI) < 0) {
		close_progs(old, n);
		return ou_error_set(err, OU_E_SYSTEM, errno,
				    FIELD ": attach the eBPF device program to '%s'", dir);
	}
	r = detach_old(dir, cgfd, progfd, old, n, err);
	close_progs(old, n);
	if (r == 0)
		ou_log_debug(
			"cgroup: attached an eBPF device program of %zu instructions to '%s', replacing %u",
			prog->len, dir, n);
	return r;
}
