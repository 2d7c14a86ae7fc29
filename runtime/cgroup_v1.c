/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/cgroup_internal.h"

/*
 * Resource writers for cgroup v1 controllers (kernel
 * Documentation/admin-guide/cgroup-v1).  Each one is called only for a
 * controller bound to a v1 hierarchy; cgroup_v2.c handles the rest.
 */

#define F_MEM "linux.resources.memory."
#define F_CPU "linux.resources.cpu."
#define F_BLK "linux.resources.blockIO."

static int put_i64(const char *dir, const char *file, int64_t v, const char *field,
		   struct ou_error **err)
{
	char buf[32];

	ou_cgroup_fmt_i64(buf, sizeof(buf), v, false);
	return ou_cgroup_write(dir, file, buf, field, err);
}

static int put_u64(const char *dir, const char *file, uint64_t v, const char *field,
		   struct ou_error **err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return ou_cgroup_write(dir, file, buf, field, err);
}

/* runtime-spec config-linux.md, PIDs: -1 is "max", 0 is a real limit. */
static int put_pids(const char *dir, int64_t v, struct ou_error **err)
{
	char buf[32];

	ou_cgroup_fmt_i64(buf, sizeof(buf), v, true);
	return ou_cgroup_write(dir, "pids.max", buf, "linux.resources.pids.limit", err);
}

static int put_bool(const char *dir, const char *file, bool v, const char *field,
		    struct ou_error **err)
{
	return ou_cgroup_write(dir, file, v ? "1" : "0", field, err);
}

/*
 * memory.memsw.limit_in_bytes must never be below memory.limit_in_bytes,
 * so when raising the limit above the old memory+swap limit the swap
 * limit has to go first.
 */
static int memory_limits(const char *dir, const struct ou_memory *m, struct ou_error **err)
{
	struct ou_error *e = NULL;
	const char *sw = "memory.memsw.limit_in_bytes";

	if (m->limit.set &&
	    put_i64(dir, "memory.limit_in_bytes", m->limit.v, F_MEM "limit", &e) < 0) {
		if (!m->swap.set || e->errnum != EINVAL) {
			*err = e;
			return -1;
		}
		ou_error_free(e);
		if (put_i64(dir, sw, m->swap.v, F_MEM "swap", err) < 0)
			return -1;
		return put_i64(dir, "memory.limit_in_bytes", m->limit.v, F_MEM "limit", err);
	}
	if (m->swap.set)
		return put_i64(dir, sw, m->swap.v, F_MEM "swap", err);
	return 0;
}

/* Kernel memory limits are gone from recent kernels; the spec marks them NOT RECOMMENDED. */
static int memory_kernel(const char *dir, const struct ou_memory *m, struct ou_error **err)
{
	struct ou_error *e = NULL;

	if (!m->kernel.set)
		return 0;
	if (put_i64(dir, "memory.kmem.limit_in_bytes", m->kernel.v, F_MEM "kernel", &e) == 0)
		return 0;
	if (e->errnum != ENOENT && e->errnum != EOPNOTSUPP) {
		*err = e;
		return -1;
	}
	ou_log_warning(
		"linux.resources.memory.kernel is ignored: the kernel has no kernel memory limit");
	ou_error_free(e);
	return 0;
}

static int memory_hierarchy(const char *dir, const struct ou_memory *m, struct ou_error **err)
{
	struct ou_error *e = NULL;

	if (!m->has_use_hierarchy)
		return 0;
	if (put_bool(dir, "memory.use_hierarchy", m->use_hierarchy, F_MEM "useHierarchy", &e) == 0)
		return 0;
	/* recent kernels are always hierarchical and refuse to turn it off */
	if (m->use_hierarchy || e->errnum != EINVAL) {
		*err = e;
		return -1;
	}
	ou_log_warning(
		"linux.resources.memory.useHierarchy=false is ignored: the kernel is always hierarchical");
	ou_error_free(e);
	return 0;
}

static int v1_memory(const char *dir, const struct ou_memory *m, struct ou_error **err)
{
	if (memory_limits(dir, m, err) < 0 || memory_kernel(dir, m, err) < 0)
		return -1;
	if (m->reservation.set && put_i64(dir, "memory.soft_limit_in_bytes", m->reservation.v,
					  F_MEM "reservation", err) < 0)
		return -1;
	if (m->kernel_tcp.set && put_i64(dir, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp.v,
					 F_MEM "kernelTCP", err) < 0)
		return -1;
	if (m->swappiness.set &&
	    put_u64(dir, "memory.swappiness", m->swappiness.v, F_MEM "swappiness", err) < 0)
		return -1;
	if (m->has_disable_oom_killer && put_bool(dir, "memory.oom_control", m->disable_oom_killer,
						  F_MEM "disableOOMKiller", err) < 0)
		return -1;
	return memory_hierarchy(dir, m, err);
}

static int v1_cpu(const char *dir, const struct ou_cpu *c, struct ou_error **err)
{
	if (c->shares.set && put_u64(dir, "cpu.shares", c->shares.v, F_CPU "shares", err) < 0)
		return -1;
	if (c->period.set &&
	    put_u64(dir, "cpu.cfs_period_us", c->period.v, F_CPU "period", err) < 0)
		return -1;
	if (c->quota.set && put_i64(dir, "cpu.cfs_quota_us", c->quota.v, F_CPU "quota", err) < 0)
		return -1;
	if (c->burst.set && put_u64(dir, "cpu.cfs_burst_us", c->burst.v, F_CPU "burst", err) < 0)
		return -1;
	if (c->realtime_period.set &&
	    put_u64(dir, "cpu.rt_period_us", c->realtime_period.v, F_CPU "realtimePeriod", err) < 0)
		return -1;
	if (c->realtime_runtime.set && put_i64(dir, "cpu.rt_runtime_us", c->realtime_runtime.v,
					       F_CPU "realtimeRuntime", err) < 0)
		return -1;
	if (c->idle.set && put_i64(dir, "cpu.idle", c->idle.v, F_CPU "idle", err) < 0)
		return -1;
	return 0;
}

static int v1_cpuset(const char *dir, const struct ou_cpu *c, struct ou_error **err)
{
	if (c->cpus != NULL && ou_cgroup_write(dir, "cpuset.cpus", c->cpus, F_CPU "cpus", err) < 0)
		return -1;
	if (c->mems != NULL && ou_cgroup_write(dir, "cpuset.mems", c->mems, F_CPU "mems", err) < 0)
		return -1;
	return 0;
}

/* A missing file reads as empty, so that test trees need no cpuset files. */
static int read_or_empty(const char *dir, const char *file, char **out, struct ou_error **err)
{
	struct ou_error *e = NULL;

	if (ou_cgroup_read(dir, file, out, &e) == 0)
		return 0;
	if (e->kind != OU_E_NOT_FOUND) {
		*err = e;
		return -1;
	}
	ou_error_free(e);
	*out = ou_xstrdup("");
	return 0;
}

static int inherit_one(const char *parent, const char *dir, const char *file, struct ou_error **err)
{
	ou_autofree char *own = NULL;
	ou_autofree char *up = NULL;

	if (read_or_empty(dir, file, &own, err) < 0)
		return -1;
	if (*own != '\0')
		return 0;
	if (read_or_empty(parent, file, &up, err) < 0)
		return -1;
	if (*up == '\0')
		return 0;
	return ou_cgroup_write(dir, file, up, "copy the parent's cpuset", err);
}

int ou_cgroup_v1_cpuset_inherit(const char *parent, const char *name, struct ou_error **err)
{
	ou_autofree char *dir = ou_path_join(parent, name);

	if (inherit_one(parent, dir, "cpuset.cpus", err) < 0 ||
	    inherit_one(parent, dir, "cpuset.mems", err) < 0) {
		ou_error_prefix(err, "cgroup '%s'", dir);
		return -1;
	}
	return 0;
}

/* One "major:minor value" line per device to a throttle file. */
static int put_throttle(const char *dir, const char *file, const struct ou_throttle_list *l,
			const char *field, struct ou_error **err)
{
	for (size_t i = 0; i < l->len; i++) {
		char buf[96];

		snprintf(buf, sizeof(buf), "%lld:%lld %llu", (long long)l->items[i].major,
			 (long long)l->items[i].minor, (unsigned long long)l->items[i].rate);
		if (ou_cgroup_write(dir, file, buf, field, err) < 0)
			return -1;
	}
	return 0;
}

/* blkio.weight is CFQ's; with BFQ only blkio.bfq.weight exists. */
static int put_weight(const char *dir, const char *cfq, const char *bfq, const char *val,
		      const char *field, struct ou_error **err)
{
	struct ou_error *e = NULL;

	if (ou_cgroup_write(dir, cfq, val, field, &e) == 0)
		return 0;
	if (e->errnum != ENOENT) {
		*err = e;
		return -1;
	}
	ou_error_free(e);
	return ou_cgroup_write(dir, bfq, val, field, err);
}

static int blkio_weight_device(const char *dir, const struct ou_weight_device *w,
			       struct ou_error **err)
{
	char buf[96];

	if (w->has_weight) {
		snprintf(buf, sizeof(buf), "%lld:%lld %u", (long long)w->major, (long long)w->minor,
			 w->weight);
		if (put_weight(dir, "blkio.weight_device", "blkio.bfq.weight_device", buf,
			       F_BLK "weightDevice", err) < 0)
			return -1;
	}
	if (w->has_leaf_weight) {
		snprintf(buf, sizeof(buf), "%lld:%lld %u", (long long)w->major, (long long)w->minor,
			 w->leaf_weight);
		if (ou_cgroup_write(dir, "blkio.leaf_weight_device", buf,
				    F_BLK "weightDevice.leafWeight", err) < 0)
			return -1;
	}
	return 0;
}

static int v1_blkio(const char *dir, const struct ou_block_io *b, struct ou_error **err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%u", b->weight);
	if (b->has_weight &&
	    put_weight(dir, "blkio.weight", "blkio.bfq.weight", buf, F_BLK "weight", err) < 0)
		return -1;
	if (b->has_leaf_weight &&
	    put_u64(dir, "blkio.leaf_weight", b->leaf_weight, F_BLK "leafWeight", err) < 0)
		return -1;
	for (size_t i = 0; i < b->n_weight_device; i++) {
		if (blkio_weight_device(dir, &b->weight_device[i], err) < 0)
			return -1;
	}
	if (put_throttle(dir, "blkio.throttle.read_bps_device", &b->throttle_read_bps_device,
			 F_BLK "throttleReadBpsDevice", err) < 0 ||
	    put_throttle(dir, "blkio.throttle.write_bps_device", &b->throttle_write_bps_device,
			 F_BLK "throttleWriteBpsDevice", err) < 0 ||
	    put_throttle(dir, "blkio.throttle.read_iops_device", &b->throttle_read_iops_device,
			 F_BLK "throttleReadIOPSDevice", err) < 0 ||
	    put_throttle(dir, "blkio.throttle.write_iops_device", &b->throttle_write_iops_device,
			 F_BLK "throttleWriteIOPSDevice", err) < 0)
		return -1;
	return 0;
}

static int v1_hugetlb(const char *dir, const struct ou_resources *res, struct ou_error **err)
{
	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const struct ou_hugepage_limit *h = &res->hugepage_limits[i];
		char file[64];

		if (ou_cgroup_check_page_size(h->page_size, err) < 0)
			return -1;
		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", h->page_size);
		if (put_u64(dir, file, h->limit, "linux.resources.hugepageLimits", err) < 0)
			return -1;
	}
	return 0;
}

static int v1_net_prio(const char *dir, const struct ou_network *n, struct ou_error **err)
{
	for (size_t i = 0; i < n->n_priorities; i++) {
		ou_autofree char *line = NULL;

		if (strpbrk(n->priorities[i].name, " \t\n") != NULL)
			return ou_error_set(
				err, OU_E_INVALID, 0,
				"linux.resources.network.priorities: bad interface name '%s'",
				n->priorities[i].name);
		line = ou_xasprintf("%s %u", n->priorities[i].name, n->priorities[i].priority);
		if (ou_cgroup_write(dir, "net_prio.ifpriomap", line,
				    "linux.resources.network.priorities", err) < 0)
			return -1;
	}
	return 0;
}

/* "c 1:3 rwm": '*' for an unset number, "a" alone for every device. */
static void device_rule(const struct ou_device_cgroup *d, char *buf, size_t size)
{
	char major[24] = "*", minor[24] = "*";
	const char *type = d->type != NULL ? d->type : "a";

	if (strcmp(type, "a") == 0) {
		snprintf(buf, size, "a");
		return;
	}
	if (d->has_major && d->major >= 0)
		snprintf(major, sizeof(major), "%lld", (long long)d->major);
	if (d->has_minor && d->minor >= 0)
		snprintf(minor, sizeof(minor), "%lld", (long long)d->minor);
	snprintf(buf, size, "%s %s:%s %s", type, major, minor,
		 d->access != NULL ? d->access : "rwm");
}

/* runtime-spec config-linux.md, Allowed Device list: apply in the listed order. */
static int v1_devices(const char *dir, const struct ou_resources *res, struct ou_error **err)
{
	const char *field = "linux.resources.devices";

	if (ou_cgroup_write(dir, "devices.deny", "a", field, err) < 0)
		return -1;
	for (size_t i = 0; i < res->n_devices; i++) {
		const struct ou_device_cgroup *d = &res->devices[i];
		char rule[80];

		device_rule(d, rule, sizeof(rule));
		if (ou_cgroup_write(dir, d->allow ? "devices.allow" : "devices.deny", rule, field,
				    err) < 0)
			return -1;
	}
	return 0;
}

static int v1_network(struct ou_cgroup *cg, const struct ou_network *n, struct ou_error **err)
{
	const char *cls = ou_cgroup_v1_dir_for(cg, OU_CG_NET_CLS);
	const char *prio = ou_cgroup_v1_dir_for(cg, OU_CG_NET_PRIO);

	if (n->has_class_id && cls != NULL &&
	    put_u64(cls, "net_cls.classid", n->class_id, "linux.resources.network.classID", err) <
		    0)
		return -1;
	if (n->n_priorities > 0 && prio != NULL && v1_net_prio(prio, n, err) < 0)
		return -1;
	return 0;
}

int ou_cgroup_v1_apply(struct ou_cgroup *cg, const struct ou_resources *res, struct ou_error **err)
{
	const char *d;

	if (res->memory != NULL && (d = ou_cgroup_v1_dir_for(cg, OU_CG_MEMORY)) != NULL &&
	    v1_memory(d, res->memory, err) < 0)
		return -1;
	if (res->cpu != NULL && (d = ou_cgroup_v1_dir_for(cg, OU_CG_CPU)) != NULL &&
	    v1_cpu(d, res->cpu, err) < 0)
		return -1;
	if (res->cpu != NULL && (d = ou_cgroup_v1_dir_for(cg, OU_CG_CPUSET)) != NULL &&
	    v1_cpuset(d, res->cpu, err) < 0)
		return -1;
	if (res->has_pids_limit && (d = ou_cgroup_v1_dir_for(cg, OU_CG_PIDS)) != NULL &&
	    put_pids(d, res->pids_limit, err) < 0)
		return -1;
	if (res->block_io != NULL && (d = ou_cgroup_v1_dir_for(cg, OU_CG_BLKIO)) != NULL &&
	    v1_blkio(d, res->block_io, err) < 0)
		return -1;
	if (res->n_hugepage_limits > 0 && (d = ou_cgroup_v1_dir_for(cg, OU_CG_HUGETLB)) != NULL &&
	    v1_hugetlb(d, res, err) < 0)
		return -1;
	if (res->network != NULL && v1_network(cg, res->network, err) < 0)
		return -1;
	if (res->n_devices > 0 && (d = ou_cgroup_v1_dir_for(cg, OU_CG_DEVICES)) != NULL &&
	    v1_devices(d, res, err) < 0)
		return -1;
	if (res->n_rdma > 0 && (d = ou_cgroup_v1_dir_for(cg, OU_CG_RDMA)) != NULL &&
	    ou_cgroup_write_rdma(d, res, err) < 0)
		return -1;
	return 0;
}

/*
 * Freezing can stall while tasks are in uninterruptible sleep; writing
 * the state again retries it.  Bounded to about five seconds.
 */
int ou_cgroup_v1_freeze(const char *dir, bool frozen, struct ou_error **err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	struct ou_error *e = NULL;

	for (int i = 0; i < 1000; i++) {
		ou_autofree char *state = NULL;

		if (ou_cgroup_write(dir, "freezer.state", want, "freeze cgroup", err) < 0 ||
		    ou_cgroup_read(dir, "freezer.state", &state, err) < 0)
			return -1;
		if (strcmp(state, want) == 0)
			return 0;
		ou_sleep_us(i < 10 ? 100 : 5000);
	}
	if (frozen && ou_cgroup_write(dir, "freezer.state", "THAWED", "thaw cgroup", &e) < 0) {
		ou_log_warning("cgroup: thaw '%s' after a failed freeze failed", dir);
		ou_error_free(e);
	}
	return ou_error_set(err, OU_E_SYSTEM, ETIMEDOUT, "%s cgroup '%s': state stays not '%s'",
			    frozen ? "freeze" : "thaw", dir, want);
}
