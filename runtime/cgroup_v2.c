/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/cgroup_internal.h"

/*
 * Resource writers for cgroup2 (kernel Documentation/admin-guide/
 * cgroup-v2.rst).  On a hybrid host only the controllers that are not
 * bound to a v1 hierarchy are served here; a field whose controller is in
 * neither place is OU_E_UNSUPPORTED.
 */

#define F_MEM "linux.resources.memory."
#define F_CPU "linux.resources.cpu."
#define F_BLK "linux.resources.blockIO."

static bool in_v1(const struct ou_cgroup_layout *lay, enum ou_cgroup_ctrl c)
{
	for (size_t i = 0; i < lay->n_v1; i++) {
		if (lay->v1[i].mask & OU_CG_BIT(c))
			return true;
	}
	return false;
}

/*
 * Where controller c is served for field: 1 with *dir set to the cgroup2
 * directory, 0 when a v1 hierarchy serves it, -1 with an error when no
 * hierarchy does.
 */
static int serve(const struct ou_cgroup *cg, enum ou_cgroup_ctrl c, const char *field,
		 const char **dir, struct ou_error **err)
{
	if (in_v1(cg->lay, c)) {
		if (ou_cgroup_v1_dir_for(cg, c) != NULL)
			return 0;
		return ou_error_set(err, OU_E_UNSUPPORTED, 0,
				    "%s: the cgroup of controller '%s' is not writable", field,
				    ou_cgroup_ctrl_v2_name(c));
	}
	if (cg->v2_dir == NULL || !(cg->lay->v2_mask & OU_CG_BIT(c)))
		return ou_error_set(err, OU_E_UNSUPPORTED, 0,
				    "%s: the '%s' controller is not mounted", field,
				    ou_cgroup_ctrl_v2_name(c));
	*dir = cg->v2_dir;
	return 1;
}

unsigned long long ou_cgroup_v2_shares_to_weight(unsigned long long shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

static int put(const char *dir, const char *file, const char *field, struct ou_error **err,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int put(const char *dir, const char *file, const char *field, struct ou_error **err,
	       const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return ou_cgroup_write(dir, file, buf, field, err);
}

static int put_i64(const char *dir, const char *file, int64_t v, const char *field,
		   struct ou_error **err)
{
	char buf[32];

	ou_cgroup_fmt_i64(buf, sizeof(buf), v, true);
	return ou_cgroup_write(dir, file, buf, field, err);
}

/* OCI swap is memory+swap; memory.swap.max is swap alone. */
static int memory_swap(const char *dir, const struct ou_memory *m, struct ou_error **err)
{
	if (m->swap.v < 0)
		return ou_cgroup_write(dir, "memory.swap.max", "max", F_MEM "swap", err);
	if (!m->limit.set || m->limit.v < 0)
		return ou_error_set(
			err, OU_E_INVALID, 0,
			"linux.resources.memory.swap: a swap limit needs memory.limit on cgroup v2");
	if (m->swap.v < m->limit.v)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "linux.resources.memory.swap: %lld is below memory.limit %lld",
				    (long long)m->swap.v, (long long)m->limit.v);
	return put(dir, "memory.swap.max", F_MEM "swap", err, "%lld",
		   (long long)(m->swap.v - m->limit.v));
}

/* Deprecated v1 knobs without a cgroup2 counterpart are ignored with a warning. */
static void memory_ignored(const struct ou_memory *m)
{
	if (m->kernel.set)
		ou_log_warning("linux.resources.memory.kernel is ignored on cgroup v2");
	if (m->kernel_tcp.set)
		ou_log_warning("linux.resources.memory.kernelTCP is ignored on cgroup v2");
	if (m->swappiness.set)
		ou_log_warning("linux.resources.memory.swappiness is ignored on cgroup v2");
	if (m->has_use_hierarchy && !m->use_hierarchy)
		ou_log_warning(
			"linux.resources.memory.useHierarchy=false is ignored: cgroup v2 is always hierarchical");
}

static int v2_memory(const char *dir, const struct ou_memory *m, struct ou_error **err)
{
	/* cgroup2 has no switch to turn the OOM killer off */
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		return ou_error_set(
			err, OU_E_UNSUPPORTED, 0,
			"linux.resources.memory.disableOOMKiller is not supported on cgroup v2");
	if (m->limit.set && put_i64(dir, "memory.max", m->limit.v, F_MEM "limit", err) < 0)
		return -1;
	if (m->reservation.set &&
	    put_i64(dir, "memory.low", m->reservation.v, F_MEM "reservation", err) < 0)
		return -1;
	if (m->swap.set && memory_swap(dir, m, err) < 0)
		return -1;
	memory_ignored(m);
	return 0;
}

/* cpu.max is "quota period"; a period alone keeps the quota there is. */
static int cpu_max(const char *dir, const struct ou_cpu *c, struct ou_error **err)
{
	ou_autofree char *cur = NULL;
	char quota[32];

	if (c->quota.set) {
		ou_cgroup_fmt_i64(quota, sizeof(quota), c->quota.v, true);
		if (!c->period.set)
			return ou_cgroup_write(dir, "cpu.max", quota, F_CPU "quota", err);
		return put(dir, "cpu.max", F_CPU "quota", err, "%s %llu", quota,
			   (unsigned long long)c->period.v);
	}
	if (ou_cgroup_read(dir, "cpu.max", &cur, err) < 0)
		return -1;
	cur[strcspn(cur, " ")] = '\0';
	return put(dir, "cpu.max", F_CPU "period", err, "%s %llu", *cur ? cur : "max",
		   (unsigned long long)c->period.v);
}

static int v2_cpu(const char *dir, const struct ou_cpu *c, struct ou_error **err)
{
	if (c->realtime_runtime.set || c->realtime_period.set)
		return ou_error_set(
			err, OU_E_UNSUPPORTED, 0,
			"linux.resources.cpu.realtimeRuntime and realtimePeriod are not supported on cgroup v2");
	if (c->shares.set && put(dir, "cpu.weight", F_CPU "shares", err, "%llu",
				 ou_cgroup_v2_shares_to_weight(c->shares.v)) < 0)
		return -1;
	if ((c->quota.set || c->period.set) && cpu_max(dir, c, err) < 0)
		return -1;
	if (c->burst.set && put(dir, "cpu.max.burst", F_CPU "burst", err, "%llu",
				(unsigned long long)c->burst.v) < 0)
		return -1;
	if (c->idle.set &&
	    put(dir, "cpu.idle", F_CPU "idle", err, "%lld", (long long)c->idle.v) < 0)
		return -1;
	return 0;
}

static int v2_cpuset(const char *dir, const struct ou_cpu *c, struct ou_error **err)
{
	if (c->cpus != NULL && ou_cgroup_write(dir, "cpuset.cpus", c->cpus, F_CPU "cpus", err) < 0)
		return -1;
	if (c->mems != NULL && ou_cgroup_write(dir, "cpuset.mems", c->mems, F_CPU "mems", err) < 0)
		return -1;
	return 0;
}

/* io.bfq.weight takes the OCI range 10..1000; io.weight is 1..10000. */
static int io_weight(const char *dir, const char *dev, unsigned w, const char *field,
		     struct ou_error **err)
{
	struct ou_error *e = NULL;
	unsigned long conv = 1 + ((unsigned long)(w < 10 ? 10 : w) - 10) * 9999 / 990;

	if (put(dir, "io.bfq.weight", field, &e, "%s %u", dev, w) == 0)
		return 0;
	if (e->errnum != ENOENT) {
		*err = e;
		return -1;
	}
	ou_error_free(e);
	return put(dir, "io.weight", field, err, "%s %lu", dev, conv);
}

static int io_max(const char *dir, const struct ou_throttle_list *l, const char *key,
		  const char *field, struct ou_error **err)
{
	for (size_t i = 0; i < l->len; i++) {
		const struct ou_throttle_device *t = &l->items[i];

		if (put(dir, "io.max", field, err, "%lld:%lld %s=%llu", (long long)t->major,
			(long long)t->minor, key, (unsigned long long)t->rate) < 0)
			return -1;
	}
	return 0;
}

static int v2_io(const char *dir, const struct ou_block_io *b, struct ou_error **err)
{
	bool leaf = b->has_leaf_weight;

	for (size_t i = 0; i < b->n_weight_device; i++)
		leaf = leaf || b->weight_device[i].has_leaf_weight;
	if (leaf)
		return ou_error_set(
			err, OU_E_UNSUPPORTED, 0,
			"linux.resources.blockIO.leafWeight is not supported on cgroup v2");
	if (b->has_weight && io_weight(dir, "default", b->weight, F_BLK "weight", err) < 0)
		return -1;
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct ou_weight_device *w = &b->weight_device[i];
		char dev[48];

		snprintf(dev, sizeof(dev), "%lld:%lld", (long long)w->major, (long long)w->minor);
		if (w->has_weight && io_weight(dir, dev, w->weight, F_BLK "weightDevice", err) < 0)
			return -1;
	}
	if (io_max(dir, &b->throttle_read_bps_device, "rbps", F_BLK "throttleReadBpsDevice", err) <
		    0 ||
	    io_max(dir, &b->throttle_write_bps_device, "wbps", F_BLK "throttleWriteBpsDevice",
		   err) < 0 ||
	    io_max(dir, &b->throttle_read_iops_device, "riops", F_BLK "throttleReadIOPSDevice",
		   err) < 0 ||
	    io_max(dir, &b->throttle_write_iops_device, "wiops", F_BLK "throttleWriteIOPSDevice",
		   err) < 0)
		return -1;
	return 0;
}

static int v2_hugetlb(const char *dir, const struct ou_resources *res, struct ou_error **err)
{
	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const struct ou_hugepage_limit *h = &res->hugepage_limits[i];
		char file[64];

		if (ou_cgroup_check_page_size(h->page_size, err) < 0)
			return -1;
		snprintf(file, sizeof(file), "hugetlb.%s.max", h->page_size);
		if (put(dir, file, "linux.resources.hugepageLimits", err, "%llu",
			(unsigned long long)h->limit) < 0)
			return -1;
	}
	return 0;
}

/* The controller a unified key belongs to ("memory.max": memory), or -1. */
static int unified_ctrl(const char *key)
{
	size_t len = strcspn(key, ".");

	for (int c = 0; c < OU_CG__COUNT; c++) {
		const char *name = ou_cgroup_ctrl_v2_name(c);

		if (name != NULL && strlen(name) == len && strncmp(key, name, len) == 0)
			return c;
	}
	return -1;
}

/* runtime-spec config-linux.md, Unified: unknown keys are written as well. */
static int v2_unified(const struct ou_cgroup *cg, const struct ou_kv_list *u, struct ou_error **err)
{
	if (cg->v2_dir == NULL)
		return ou_error_set(err, OU_E_UNSUPPORTED, 0,
				    "linux.resources.unified: no cgroup2 hierarchy is mounted");
	for (size_t i = 0; i < u->len; i++) {
		const char *key = u->items[i].key;
		int c = unified_ctrl(key);
		ou_autofree char *field = NULL;

		if (*key == '\0' || strchr(key, '/') != NULL || strstr(key, "..") != NULL ||
		    strcmp(key, ".") == 0)
			return ou_error_set(err, OU_E_INVALID, 0,
					    "linux.resources.unified: bad file name '%s'", key);
		if (c >= 0 && !(cg->lay->v2_mask & OU_CG_BIT(c)))
			return ou_error_set(
				err, OU_E_UNSUPPORTED, 0,
				"linux.resources.unified.%s: the '%s' controller is not available in cgroup v2",
				key, ou_cgroup_ctrl_v2_name(c));
		field = ou_xasprintf("linux.resources.unified.%s", key);
		if (ou_cgroup_write(cg->v2_dir, key, u->items[i].value, field, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * Device rules: a host with a v1 devices hierarchy (v1 or hybrid) keeps
 * using it, since that is what confines the container there; otherwise
 * the rules become a device program on the cgroup2 directory, which needs
 * no controller to be enabled.
 */
static int v2_devices(const struct ou_cgroup *cg, const struct ou_resources *res,
		      struct ou_error **err)
{
	struct ou_cgroup_bpf_prog prog;
	int r;

	if (res->n_devices == 0 || in_v1(cg->lay, OU_CG_DEVICES))
		return 0;
	if (cg->v2_dir == NULL)
		return ou_error_set(
			err, OU_E_UNSUPPORTED, 0,
			"linux.resources.devices: neither a v1 devices hierarchy nor cgroup2 is available");
	if (ou_cgroup_bpf_devices(res->devices, res->n_devices, &prog, err) < 0)
		return -1;
	r = ou_cgroup_bpf_attach(cg->v2_dir, &prog, err);
	ou_cgroup_bpf_prog_release(&prog);
	return r;
}

/* Fields only v1 controllers have; on cgroup2 they are refused. */
static int v1_only(const struct ou_cgroup *cg, const struct ou_resources *res,
		   struct ou_error **err)
{
	const struct ou_network *n = res->network;

	if (n != NULL && n->has_class_id && !in_v1(cg->lay, OU_CG_NET_CLS))
		return ou_error_set(
			err, OU_E_UNSUPPORTED, 0,
			"linux.resources.network.classID: the 'net_cls' controller is not mounted");
	if (n != NULL && n->n_priorities > 0 && !in_v1(cg->lay, OU_CG_NET_PRIO))
		return ou_error_set(
			err, OU_E_UNSUPPORTED, 0,
			"linux.resources.network.priorities: the 'net_prio' controller is not mounted");
	return 0;
}

static bool cpu_sched_set(const struct ou_cpu *c)
{
	return c->shares.set || c->quota.set || c->period.set || c->burst.set || c->idle.set ||
	       c->realtime_runtime.set || c->realtime_period.set;
}

static int v2_cpu_all(const struct ou_cgroup *cg, const struct ou_cpu *c, struct ou_error **err)
{
	const char *d = NULL;
	int r;

	if (cpu_sched_set(c)) {
		r = serve(cg, OU_CG_CPU, "linux.resources.cpu", &d, err);
		if (r < 0 || (r > 0 && v2_cpu(d, c, err) < 0))
			return -1;
	}
	if (c->cpus != NULL || c->mems != NULL) {
		r = serve(cg, OU_CG_CPUSET, "linux.resources.cpu.cpus", &d, err);
		if (r < 0 || (r > 0 && v2_cpuset(d, c, err) < 0))
			return -1;
	}
	return 0;
}

int ou_cgroup_v2_apply(struct ou_cgroup *cg, const struct ou_resources *res, struct ou_error **err)
{
	const char *d = NULL;
	int r;

	if (v1_only(cg, res, err) < 0 || v2_devices(cg, res, err) < 0)
		return -1;
	if (res->memory != NULL) {
		r = serve(cg, OU_CG_MEMORY, "linux.resources.memory", &d, err);
		if (r < 0 || (r > 0 && v2_memory(d, res->memory, err) < 0))
			return -1;
	}
	if (res->cpu != NULL && v2_cpu_all(cg, res->cpu, err) < 0)
		return -1;
	if (res->has_pids_limit) {
		r = serve(cg, OU_CG_PIDS, "linux.resources.pids", &d, err);
		if (r < 0 || (r > 0 && put_i64(d, "pids.max", res->pids_limit,
					       "linux.resources.pids.limit", err) < 0))
			return -1;
	}
	if (res->block_io != NULL) {
		r = serve(cg, OU_CG_BLKIO, "linux.resources.blockIO", &d, err);
		if (r < 0 || (r > 0 && v2_io(d, res->block_io, err) < 0))
			return -1;
	}
	if (res->n_hugepage_limits > 0) {
		r = serve(cg, OU_CG_HUGETLB, "linux.resources.hugepageLimits", &d, err);
		if (r < 0 || (r > 0 && v2_hugetlb(d, res, err) < 0))
			return -1;
	}
	if (res->n_rdma > 0) {
		r = serve(cg, OU_CG_RDMA, "linux.resources.rdma", &d, err);
		if (r < 0 || (r > 0 && ou_cgroup_write_rdma(d, res, err) < 0))
			return -1;
	}
	if (res->unified.len > 0 && v2_unified(cg, &res->unified, err) < 0)
		return -1;
	return 0;
}

unsigned ou_cgroup_v2_needed(const struct ou_cgroup_layout *lay, const struct ou_resources *res)
{
	unsigned m = 0;

	if (res == NULL)
		return 0;
	if (res->memory != NULL)
		m |= OU_CG_BIT(OU_CG_MEMORY);
	if (res->cpu != NULL && cpu_sched_set(res->cpu))
		m |= OU_CG_BIT(OU_CG_CPU);
	if (res->cpu != NULL && (res->cpu->cpus != NULL || res->cpu->mems != NULL))
		m |= OU_CG_BIT(OU_CG_CPUSET);
	if (res->has_pids_limit)
		m |= OU_CG_BIT(OU_CG_PIDS);
	if (res->block_io != NULL)
		m |= OU_CG_BIT(OU_CG_BLKIO);
	if (res->n_hugepage_limits > 0)
		m |= OU_CG_BIT(OU_CG_HUGETLB);
	if (res->n_rdma > 0)
		m |= OU_CG_BIT(OU_CG_RDMA);
	for (size_t i = 0; i < res->unified.len; i++) {
		int c = unified_ctrl(res->unified.items[i].key);

		if (c >= 0)
			m |= OU_CG_BIT(c);
	}
	return m & lay->v2_mask;
}

static void ctrl_list(unsigned mask, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int c = 0; c < OU_CG__COUNT; c++) {
		const char *name = ou_cgroup_ctrl_v2_name(c);

		if ((mask & OU_CG_BIT(c)) && name != NULL && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s+%s", len ? " " : "",
						name);
	}
}

static int enable_at(const char *dir, unsigned mask, unsigned optional, struct ou_error **err)
{
	struct ou_error *e = NULL;
	char list[256];

	ctrl_list(mask | optional, list, sizeof(list));
	if (ou_cgroup_write(dir, "cgroup.subtree_control", list, "enable controllers", &e) == 0)
		return 0;
	ou_error_free(e);
	if (mask == 0)
		return 0;
	ctrl_list(mask, list, sizeof(list));
	if (ou_cgroup_write(dir, "cgroup.subtree_control", list, "enable controllers", err) < 0) {
		ou_error_prefix(err, "cgroup '%s'", dir);
		return -1;
	}
	return 0;
}

int ou_cgroup_v2_enable(const struct ou_cgroup_layout *lay, const char *path, unsigned mask,
			unsigned optional, struct ou_error **err)
{
	char dir[PATH_MAX];
	size_t rootlen;
	char *leaf;

	if (lay->v2_mnt == NULL || (mask | optional) == 0)
		return 0;
	rootlen = strlen(lay->v2_mnt);
	if (snprintf(dir, sizeof(dir), "%s%s", lay->v2_mnt, path) >= (int)sizeof(dir))
		return ou_error_set(err, OU_E_INVALID, ENAMETOOLONG, "cgroup path '%s'", path);
	leaf = strrchr(dir, '/');
	for (char *p = dir + rootlen; p <= leaf; p++) {
		int r;

		if (*p != '/')
			continue;
		*p = '\0';
		r = enable_at(dir, mask, optional, err);
		*p = '/';
		if (r < 0)
			return -1;
	}
	return 0;
}

int ou_cgroup_v2_freeze(const char *dir, bool frozen, struct ou_error **err)
{
	const char *want = frozen ? "frozen 1" : "frozen 0";

	if (ou_cgroup_write(dir, "cgroup.freeze", frozen ? "1" : "0", "freeze cgroup", err) < 0)
		return -1;
	for (int i = 0; i < 1000; i++) {
		ou_autofree char *events = NULL;

		if (ou_cgroup_read(dir, "cgroup.events", &events, err) < 0)
			return -1;
		if (strstr(events, want) != NULL)
			return 0;
		ou_sleep_us(i < 10 ? 100 : 5000);
	}
	return ou_error_set(err, OU_E_SYSTEM, ETIMEDOUT,
			    "%s cgroup '%s': 'cgroup.events' never shows '%s'",
			    frozen ? "freeze" : "thaw", dir, want);
}
