/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_CGROUP_INTERNAL_H
#define OU_RUNTIME_CGROUP_INTERNAL_H

/*
 * Declarations shared by cgroup.c (layout, paths, lifecycle), cgroup_v1.c
 * and cgroup_v2.c (the resource writers of each version) and cgroup_bpf.c
 * (the device program of cgroup2).  Not for use outside these files.
 */

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"
#include "runtime/cgroup.h"
#include "spec/types.h"

struct bpf_insn;

/* Controllers ociunion knows by name; in cgroup2, BLKIO stands for "io". */
enum ou_cgroup_ctrl {
	OU_CG_CPU = 0,
	OU_CG_CPUACCT,
	OU_CG_CPUSET,
	OU_CG_MEMORY,
	OU_CG_DEVICES,
	OU_CG_FREEZER,
	OU_CG_BLKIO,
	OU_CG_PIDS,
	OU_CG_HUGETLB,
	OU_CG_NET_CLS,
	OU_CG_NET_PRIO,
	OU_CG_PERF_EVENT,
	OU_CG_RDMA,
	OU_CG_MISC,
	OU_CG__COUNT,
};

#define OU_CG_BIT(c) (1u << (c))

/* One mounted v1 hierarchy. */
struct ou_cgroup_hier {
	char *mnt;     /* mount point, absolute */
	unsigned mask; /* OU_CG_BIT() of the controllers bound to it */
};

/* The host's layout, detected once per process. */
struct ou_cgroup_layout {
	enum ou_cgroup_mode mode;
	bool test; /* a test root is in use: cgroup files are plain files */
	size_t n_v1;
	struct ou_cgroup_hier *v1;
	char *v2_mnt;	  /* NULL without a cgroup2 hierarchy */
	unsigned v2_mask; /* controllers available in cgroup2 */
	/* Every cgroup mount of the host, in mountinfo order (none with a test root). */
	struct ou_cgroup_mnt *mounts;
	size_t n_mounts;
};

struct ou_cgroup {
	char *path;			    /* relative to every root */
	const struct ou_cgroup_layout *lay; /* owned by the process cache */
	char **v1_dirs;			    /* n_v1 entries; NULL: skipped */
	char *v2_dir;			    /* NULL without cgroup2 */
	int v2_fd;			    /* for CLONE_INTO_CGROUP, else -1 */
	int *join_fds;			    /* n_v1 "tasks" fds the child writes, or -1 */
	bool borrowed;			    /* the leaf existed before ou_cgroup_create */
};

/* The cached layout; detects it on first use. */
const struct ou_cgroup_layout *ou_cgroup_layout(struct ou_error **err);

/* The v2 name of a controller ("io" for BLKIO), NULL if it has none. */
const char *ou_cgroup_ctrl_v2_name(enum ou_cgroup_ctrl c);

/*
 * The directory of the container's cgroup in the v1 hierarchy that holds
 * controller c, or NULL if c is not bound in v1 (or that hierarchy was
 * skipped).
 */
const char *ou_cgroup_v1_dir_for(const struct ou_cgroup *cg, enum ou_cgroup_ctrl c);

/*
 * Write val to dir/file in one write(2).  field names the spec field for
 * the message ("linux.resources.memory.limit: write 'memory.max'").  With
 * a test root the file is created if missing.  OU_E_SYSTEM on failure;
 * errnum keeps the errno so callers can test for ENOENT.
 */
int ou_cgroup_write(const char *dir, const char *file, const char *val, const char *field,
		    struct ou_error **err);

/* Read dir/file; trailing newlines are stripped.  Caller frees *out. */
int ou_cgroup_read(const char *dir, const char *file, char **out, struct ou_error **err);

/* Apply the fields that are served by v1 controllers. */
int ou_cgroup_v1_apply(struct ou_cgroup *cg, const struct ou_resources *res, struct ou_error **err);

/*
 * Give the v1 cpuset cgroup parent/name the cpus and mems of parent when its
 * own are empty (an empty cpuset makes joining fail with ENOSPC).
 */
int ou_cgroup_v1_cpuset_inherit(const char *parent, const char *name, struct ou_error **err);

/* v1 freezer: set FROZEN or THAWED and wait until the state reads back. */
int ou_cgroup_v1_freeze(const char *dir, bool frozen, struct ou_error **err);

/* Apply the fields served by cgroup2 (and linux.resources.unified). */
int ou_cgroup_v2_apply(struct ou_cgroup *cg, const struct ou_resources *res, struct ou_error **err);

/* The cgroup2 controllers (OU_CG_BIT mask) that res needs. */
unsigned ou_cgroup_v2_needed(const struct ou_cgroup_layout *lay, const struct ou_resources *res);

/*
 * Enable the controllers of mask in cgroup.subtree_control of every
 * ancestor of path in the cgroup2 hierarchy (root first).  Those of
 * optional are enabled too where the kernel allows it.
 */
int ou_cgroup_v2_enable(const struct ou_cgroup_layout *lay, const char *path, unsigned mask,
			unsigned optional, struct ou_error **err);

/* cgroup2: write cgroup.freeze and wait for cgroup.events to agree. */
int ou_cgroup_v2_freeze(const char *dir, bool frozen, struct ou_error **err);

/* The shares -> cpu.weight conversion of runtime-spec/crun. */
unsigned long long ou_cgroup_v2_shares_to_weight(unsigned long long shares);

/* Check a hugepageLimits pageSize ("2MB", "1GB", "64KB"): OU_E_INVALID. */
int ou_cgroup_check_page_size(const char *size, struct ou_error **err);

/* Write rdma.max in dir, a line per linux.resources.rdma entry (v1 and v2 alike). */
int ou_cgroup_write_rdma(const char *dir, const struct ou_resources *res, struct ou_error **err);

/* Format a signed resource value; negative values become "max" if max_neg. */
void ou_cgroup_fmt_i64(char *buf, size_t size, int64_t v, bool max_neg);

/* A BPF_PROG_TYPE_CGROUP_DEVICE program (struct bpf_insn of linux/bpf.h). */
struct ou_cgroup_bpf_prog {
	struct bpf_insn *insns;
	size_t len;
	size_t cap;
};

/*
 * Translate linux.resources.devices into a device program that grants
 * exactly what a v1 devices cgroup would after cgroup_v1.c wrote the same
 * rules: everything denied first, then each rule in order.  The program
 * returns 1 to allow and 0 to deny.  A bad type, access or number is
 * OU_E_INVALID naming the rule; *prog is then empty.  Release *prog with
 * ou_cgroup_bpf_prog_release().
 */
int ou_cgroup_bpf_devices(const struct ou_device_cgroup *rules, size_t n,
			  struct ou_cgroup_bpf_prog *prog, struct ou_error **err);

/* Free the instructions of prog; touches no kernel object. */
void ou_cgroup_bpf_prog_release(struct ou_cgroup_bpf_prog *prog);

/*
 * Load prog and attach it to the cgroup2 directory dir (BPF_CGROUP_DEVICE,
 * BPF_F_ALLOW_MULTI), then detach the device programs that were attached
 * to dir before.  OU_E_SYSTEM naming linux.resources.devices on failure
 * (the verifier log is logged at debug level); dir then keeps the
 * programs it had.  The kernel detaches the program when dir is removed.
 */
int ou_cgroup_bpf_attach(const char *dir, const struct ou_cgroup_bpf_prog *prog,
			 struct ou_error **err);

#endif
