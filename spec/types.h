/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_SPEC_TYPES_H
#define OU_SPEC_TYPES_H

/*
 * OCI runtime-spec types (config.json and the state).  Field names are the
 * JSON keys in snake_case.  An optional scalar has a has_<field> flag; an
 * optional object is a pointer that is NULL when absent; an array is a
 * pointer with a length.  Every string is owned by the struct that holds it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ou_strv {
	size_t len;
	char **v; /* len strings, then NULL */
};

/* Append s, which the vector then owns; v may be of any origin (exact size). */
void ou_strv_push(struct ou_strv *v, char *s);
/* Free every string and the array, leaving v empty. */
void ou_strv_release(struct ou_strv *v);

struct ou_kv {
	char *key;
	char *value;
};

struct ou_kv_list {
	size_t len;
	struct ou_kv *items;
};

struct ou_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct ou_id_mappings {
	size_t len;
	struct ou_id_mapping *items;
};

struct ou_root {
	char *path; /* as written in config.json */
	bool readonly;
};

struct ou_mount {
	char *destination;
	char *source; /* NULL if absent */
	char *type;   /* NULL if absent */
	struct ou_strv options;
	struct ou_id_mappings uid_mappings;
	struct ou_id_mappings gid_mappings;
};

struct ou_rlimit {
	char *type;
	uint64_t hard;
	uint64_t soft;
};

struct ou_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask;
	size_t n_additional_gids;
	uint32_t *additional_gids;
	char *username;
};

struct ou_capabilities {
	struct ou_strv bounding;
	struct ou_strv effective;
	struct ou_strv inheritable;
	struct ou_strv permitted;
	struct ou_strv ambient;
};

struct ou_scheduler {
	char *policy;
	int32_t nice;
	int32_t priority;
	struct ou_strv flags;
	uint64_t runtime;
	uint64_t deadline;
	uint64_t period;
};

struct ou_io_priority {
	char *class_;
	int32_t priority;
};

struct ou_exec_cpu_affinity {
	char *initial;
	char *final;
};

struct ou_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height;
	uint32_t console_width;
	struct ou_user user;
	struct ou_strv args;
	char *command_line;
	struct ou_strv env;
	char *cwd;
	struct ou_capabilities *capabilities;
	size_t n_rlimits;
	struct ou_rlimit *rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *selinux_label;
	struct ou_scheduler *scheduler;
	struct ou_io_priority *io_priority;
	struct ou_exec_cpu_affinity *exec_cpu_affinity;
};

struct ou_hook {
	char *path;
	struct ou_strv args;
	struct ou_strv env;
	bool has_timeout;
	int timeout; /* seconds, > 0 */
};

struct ou_hook_list {
	size_t len;
	struct ou_hook *items;
};

struct ou_hooks {
	struct ou_hook_list prestart;
	struct ou_hook_list create_runtime;
	struct ou_hook_list create_container;
	struct ou_hook_list start_container;
	struct ou_hook_list poststart;
	struct ou_hook_list poststop;
};

enum ou_ns_type {
	OU_NS_PID = 0,
	OU_NS_NETWORK,
	OU_NS_MOUNT,
	OU_NS_IPC,
	OU_NS_UTS,
	OU_NS_USER,
	OU_NS_CGROUP,
	OU_NS_TIME,
	OU_NS__COUNT,
};

struct ou_namespace {
	enum ou_ns_type type;
	char *path; /* NULL: a new namespace */
};

struct ou_device {
	char *path;
	char type; /* 'c', 'b', 'u' or 'p' */
	int64_t major;
	int64_t minor;
	bool has_file_mode;
	uint32_t file_mode;
	bool has_uid;
	uint32_t uid;
	bool has_gid;
	uint32_t gid;
};

struct ou_device_cgroup {
	bool allow;
	char *type; /* NULL or "a", "c", "b" */
	bool has_major;
	int64_t major;
	bool has_minor;
	int64_t minor;
	char *access; /* NULL or "rwm" subset */
};

/* An optional int64/uint64 resource value. */
struct ou_opt_i64 {
	bool set;
	int64_t v;
};

struct ou_opt_u64 {
	bool set;
	uint64_t v;
};

struct ou_memory {
	struct ou_opt_i64 limit;
	struct ou_opt_i64 reservation;
	struct ou_opt_i64 swap;
	struct ou_opt_i64 kernel;
	struct ou_opt_i64 kernel_tcp;
	struct ou_opt_u64 swappiness;
	bool has_disable_oom_killer;
	bool disable_oom_killer;
	bool has_use_hierarchy;
	bool use_hierarchy;
	bool has_check_before_update;
	bool check_before_update;
};

struct ou_cpu {
	struct ou_opt_u64 shares;
	struct ou_opt_i64 quota;
	struct ou_opt_u64 burst;
	struct ou_opt_u64 period;
	struct ou_opt_i64 realtime_runtime;
	struct ou_opt_u64 realtime_period;
	char *cpus;
	char *mems;
	struct ou_opt_i64 idle;
};

struct ou_weight_device {
	int64_t major;
	int64_t minor;
	bool has_weight;
	uint16_t weight;
	bool has_leaf_weight;
	uint16_t leaf_weight;
};

struct ou_throttle_device {
	int64_t major;
	int64_t minor;
	uint64_t rate;
};

struct ou_throttle_list {
	size_t len;
	struct ou_throttle_device *items;
};

struct ou_block_io {
	bool has_weight;
	uint16_t weight;
	bool has_leaf_weight;
	uint16_t leaf_weight;
	size_t n_weight_device;
	struct ou_weight_device *weight_device;
	struct ou_throttle_list throttle_read_bps_device;
	struct ou_throttle_list throttle_write_bps_device;
	struct ou_throttle_list throttle_read_iops_device;
	struct ou_throttle_list throttle_write_iops_device;
};

struct ou_hugepage_limit {
	char *page_size;
	uint64_t limit;
};

struct ou_net_priority {
	char *name;
	uint32_t priority;
};

struct ou_network {
	bool has_class_id;
	uint32_t class_id;
	size_t n_priorities;
	struct ou_net_priority *priorities;
};

struct ou_rdma_limit {
	char *device;
	bool has_hca_handles;
	uint32_t hca_handles;
	bool has_hca_objects;
	uint32_t hca_objects;
};

struct ou_resources {
	size_t n_devices;
	struct ou_device_cgroup *devices;
	struct ou_memory *memory;
	struct ou_cpu *cpu;
	bool has_pids_limit;
	int64_t pids_limit;
	struct ou_block_io *block_io;
	size_t n_hugepage_limits;
	struct ou_hugepage_limit *hugepage_limits;
	struct ou_network *network;
	size_t n_rdma;
	struct ou_rdma_limit *rdma;
	struct ou_kv_list unified;
};

struct ou_seccomp_arg {
	uint32_t index;
	uint64_t value;
	uint64_t value_two;
	char *op;
};

struct ou_seccomp_syscall {
	struct ou_strv names;
	char *action;
	bool has_errno_ret;
	uint32_t errno_ret;
	size_t n_args;
	struct ou_seccomp_arg *args;
};

struct ou_seccomp {
	char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	struct ou_strv architectures;
	struct ou_strv flags;
	char *listener_path;
	char *listener_metadata;
	size_t n_syscalls;
	struct ou_seccomp_syscall *syscalls;
};

struct ou_personality {
	char *domain;
	struct ou_strv flags;
};

struct ou_time_offset {
	char *clock; /* "monotonic" or "boottime" */
	int64_t secs;
	uint32_t nanosecs;
};

struct ou_intel_rdt {
	char *clos_id;
	char *l3_cache_schema;
	char *mem_bw_schema;
};

struct ou_linux {
	size_t n_namespaces;
	struct ou_namespace *namespaces;
	struct ou_id_mappings uid_mappings;
	struct ou_id_mappings gid_mappings;
	size_t n_time_offsets;
	struct ou_time_offset *time_offsets;
	size_t n_devices;
	struct ou_device *devices;
	char *cgroups_path;
	struct ou_resources *resources;
	struct ou_kv_list sysctl;
	struct ou_seccomp *seccomp;
	char *rootfs_propagation;
	struct ou_strv masked_paths;
	struct ou_strv readonly_paths;
	char *mount_label;
	struct ou_personality *personality;
	struct ou_intel_rdt *intel_rdt;
	bool has_net_devices;	/* linux.netDevices present: not supported */
	bool has_memory_policy; /* linux.memoryPolicy present: not supported */
};

struct ou_spec {
	char *oci_version;
	struct ou_root *root;
	size_t n_mounts;
	struct ou_mount *mounts;
	struct ou_process *process;
	char *hostname;
	char *domainname;
	struct ou_hooks *hooks;
	struct ou_kv_list annotations;
	struct ou_linux *linux_; /* "linux" is a predefined macro in GNU C */
};

/* The status values of runtime.md "State". */
enum ou_status {
	OU_STATUS_CREATING = 0,
	OU_STATUS_CREATED,
	OU_STATUS_RUNNING,
	OU_STATUS_STOPPED,
	OU_STATUS_PAUSED,
};

/* state.json as ociunion keeps it: the spec's state plus private fields. */
struct ou_state {
	char *oci_version;
	char *id;
	enum ou_status status;
	int pid;
	unsigned long long pid_start_time; /* /proc/PID/stat field 22 */
	char *bundle;
	struct ou_kv_list annotations;
	char *created;	   /* RFC 3339 */
	char *cgroup_path; /* the container's cgroup, relative to each root */
	char *rootfs;	   /* absolute host path of the container's root */
	char *config_path; /* absolute path of the bundle's config.json */
	/* the --storage-root of create, if the container uses storage */
	char *storage_root;
	bool systemd_cgroup;
	bool cgroup_borrowed; /* the cgroup existed before create: delete keeps it */
};

#endif
