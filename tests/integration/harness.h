/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_TESTS_HARNESS_H
#define OU_TESTS_HARNESS_H

/*
 * Helpers shared by the integration suites (STYLE 3.9).
 *
 * Every test runs in its own process (Criterion forks one per test) and uses
 *
 *	TestSuite(run, .init = ou_harness_init, .fini = ou_harness_fini);
 *
 * ou_harness_init() skips the test when not root, makes a fresh temporary
 * directory with a --root state directory and a bundle (busybox rootfs from
 * tests/lib/mkrootfs.sh with the payload at /bin/payload) and an in-memory
 * default config.  ou_harness_fini() runs `delete --force` for every
 * container ID the test made, removes their cgroups, unmounts whatever is
 * still mounted below the temporary directory and removes it.
 *
 * The runtime under test is $OU_RUNTIME if set, else the built ociunion
 * (OU_BINARY).  Helpers that check something call cr_assert and so end the
 * test on failure; nothing here returns an error code to check.
 */

#include <stdbool.h>
#include <stddef.h>

/* Seconds a runtime command may take before it is killed (see _exec). */
#define OU_HARNESS_TIMEOUT 10

/* ---- environment of the current test ---- */

/* .init of every integration test: see the comment at the top. */
void ou_harness_init(void);

/* .fini of every integration test: see the comment at the top. */
void ou_harness_fini(void);

/* Absolute path of the runtime under test ($OU_RUNTIME or OU_BINARY). */
const char *ou_harness_runtime(void);

/* True if the runtime under test is ociunion (its file name starts so). */
bool ou_harness_is_ociunion(void);

/* The test's temporary directory, its --root directory, bundle and rootfs. */
const char *ou_harness_dir(void);
const char *ou_harness_state_root(void);
const char *ou_harness_bundle(void);
const char *ou_harness_rootfs(void);

/* A path inside the test's temporary directory; the caller frees it. */
char *ou_harness_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A fresh container ID "ou-test-<pid>-<n>", remembered for the cleanup in
 * .fini.  The string belongs to the harness and lives until .fini.
 */
const char *ou_harness_new_id(void);

/* Remember an ID the test chose itself, for the cleanup in .fini. */
void ou_harness_track_id(const char *id);

/*
 * A fresh cgroupsPath "/ou-test-<random>", remembered so .fini removes the
 * cgroup if the runtime left it.  Owned by the harness.
 */
const char *ou_harness_new_cgroup_path(void);

/* True if the cgroup path (as in cgroupsPath) exists in any hierarchy. */
bool ou_harness_cgroup_exists(const char *path);

/*
 * Let this test process see a pure cgroup v2 host: in a private mount
 * namespace, /sys/fs/cgroup becomes the cgroup2 hierarchy alone (mounted
 * with the host's cgroup2 options, so none of them changes).  Runtimes
 * started from now on inherit the namespace; the host's mounts stay as
 * they are.  Controllers bound to v1 hierarchies stay unavailable there.
 * Does nothing on a pure v2 host; returns false, changing nothing, when
 * the host has no cgroup2 hierarchy or the namespace cannot be made.
 */
bool ou_harness_simulate_cgroup_v2(void);

/* ---- mounts, read with libmount ---- */

/*
 * A command for a container's script that prints its mount table between
 * two marker lines, for ou_harness_mount_find.
 */
#define OU_HARNESS_MOUNTS_BEGIN "<mountinfo>"
#define OU_HARNESS_MOUNTS_END	"</mountinfo>"
#define OU_HARNESS_PRINT_MOUNTS          \
	"echo '" OU_HARNESS_MOUNTS_BEGIN \
	"'; cat /proc/self/mountinfo; echo '" OU_HARNESS_MOUNTS_END "'"

/* One mount, as libmount reads it from mountinfo. */
struct ou_harness_mount {
	char *target;
	char *fstype;
	char *vfs_options;	   /* per mount: "ro,nosuid,relatime" */
	char *fs_options;	   /* of the superblock: "rw,size=1024k" */
	unsigned long propagation; /* MS_SHARED, MS_SLAVE, MS_UNBINDABLE; 0: private */
};

/*
 * The topmost mount at target in mountinfo text: the lines between the
 * markers of OU_HARNESS_PRINT_MOUNTS if out has them, else all of out (a
 * copy of /proc/PID/mountinfo).  libmount parses it: the tests read mount
 * tables independently of the runtime, which has its own small parser for
 * cgroup detection.  Returns false, *m zeroed, if no mount is at target.
 */
bool ou_harness_mount_find(const char *out, const char *target, struct ou_harness_mount *m);
void ou_harness_mount_release(struct ou_harness_mount *m);

/*
 * Every mount in out (as for ou_harness_mount_find), in order, into *list;
 * returns their number.  Free with ou_harness_mounts_free.
 */
size_t ou_harness_mounts(const char *out, struct ou_harness_mount **list);
void ou_harness_mounts_free(struct ou_harness_mount *list, size_t n);

/* True if the option list has opt ("ro"), or for "name=value" that value. */
bool ou_harness_mount_has_option(const char *options, const char *opt);

/*
 * Assert that out (as for ou_harness_mount_find) has a mount at target of
 * fstype whose per-mount options include each of the comma-separated
 * vfs_has and none of vfs_lacks, and whose superblock options include each
 * of fs_has; NULL checks nothing.
 */
void ou_harness_assert_mount(const char *out, const char *target, const char *fstype,
			     const char *vfs_has, const char *vfs_lacks, const char *fs_has);

/*
 * Make another bundle DIR/NAME with a fresh rootfs; returns its path, owned
 * by the harness.  ou_harness_bundle() is the one made by .init.
 */
const char *ou_harness_new_bundle(const char *name);

/* ---- running programs ---- */

struct ou_harness_result {
	int status;	/* exit code, 128+N if killed by signal N, -1 on timeout */
	bool timed_out; /* the program was killed after the timeout */
	char *out;	/* everything written to stdout, NUL-terminated */
	char *err;	/* everything written to stderr, NUL-terminated */
};

/*
 * Run argv (argv[0] an absolute path) with stdin on /dev/null, stdout and
 * stderr captured, in its own process group.  After timeout seconds the
 * group is killed.  Waits for the program only: a process it leaves behind
 * (a detached container) may keep the capture files open without blocking
 * the caller.  Fills *res (free with ou_harness_result_release()).
 */
void ou_harness_exec(struct ou_harness_result *res, int timeout, const char *const argv[]);

/*
 * Run the runtime under test: RUNTIME --root STATE_ROOT ARG... (NULL ends the
 * list) with the default timeout.
 */
void ou_harness_rt(struct ou_harness_result *res, const char *arg, ...) __attribute__((sentinel));

/* Same with an explicit timeout and a NULL-terminated argument vector. */
void ou_harness_rtv(struct ou_harness_result *res, int timeout, const char *const args[]);

/*
 * Write the default config to the default bundle and run
 * `RUNTIME --root STATE_ROOT run --bundle BUNDLE ID` in the foreground.
 */
void ou_harness_run(struct ou_harness_result *res, const char *id);

/*
 * Write the default config to the default bundle and run
 * `RUNTIME --root STATE_ROOT create --bundle BUNDLE ID`; the container's
 * stdout and stderr go to the result's capture files.
 */
void ou_harness_create(struct ou_harness_result *res, const char *id);

/*
 * Run `state ID`, assert exit status 0 and valid JSON, and return the parsed
 * document; the caller frees it with ou_harness_json_free().
 */
struct ou_harness_json *ou_harness_state(const char *id);

/*
 * Poll `state ID` until its "status" is status ("stopped", ...); false if
 * that does not happen within timeout_ms or state fails.
 */
bool ou_harness_wait_status(const char *id, const char *status, int timeout_ms);

/* Free what the result holds and zero it. */
void ou_harness_result_release(struct ou_harness_result *res);

/* Number of lines in s (a last line without newline counts). */
size_t ou_harness_count_lines(const char *s);

/*
 * Assert a failed command: status 1, and for ociunion exactly one line on
 * stderr starting with "ociunion: " (STYLE 3.6; runc words it differently);
 * and nothing left: no state directory for id under --root, no cgroup
 * "/ID" or "/ociunion/ID", no mount below the test's directory.
 */
void ou_harness_assert_clean_failure(const struct ou_harness_result *res, const char *id);

/* ---- files ---- */

/* True if path exists (lstat). */
bool ou_harness_exists(const char *path);

/* Whole content of a file, NUL-terminated, caller frees; asserts on error. */
char *ou_harness_read(const char *path);

/* Create or truncate path with the text; asserts on error. */
void ou_harness_write(const char *path, const char *text);

/* mkdir -p; asserts on error. */
void ou_harness_mkdir(const char *path);

/* ---- JSON documents (configs, state output) ---- */

/* A JSON value: object, array, string, number, true, false or null. */
struct ou_harness_json;

/* Parse text; NULL if it is not one valid JSON value.  Caller frees. */
struct ou_harness_json *ou_harness_json_parse(const char *text);

/* Free a value and everything below it; NULL is fine. */
void ou_harness_json_free(struct ou_harness_json *v);

/* Serialise v (compact); the caller frees the string. */
char *ou_harness_json_dump(const struct ou_harness_json *v);

/*
 * The value at a dot path below v ("process.user.uid", array elements by
 * index: "process.args.0"), or NULL.  Owned by the document.
 */
struct ou_harness_json *ou_harness_json_get(const struct ou_harness_json *v, const char *path);

/* The string of a string value, or NULL for any other value or NULL. */
const char *ou_harness_json_str(const struct ou_harness_json *v);

/* True and *out set if v is an integer number. */
bool ou_harness_json_int(const struct ou_harness_json *v, long long *out);

/* Number of elements of an array or members of an object; else 0. */
size_t ou_harness_json_len(const struct ou_harness_json *v);

/*
 * Set the value at a dot path (objects along the path are created, an
 * existing member is replaced) to the JSON text built from fmt; asserts that
 * the text parses.  Example: ou_harness_json_setf(cfg, "process.user",
 * "{\"uid\": %d, \"gid\": %d}", 1000, 1000).
 */
void ou_harness_json_setf(struct ou_harness_json *root, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set a string (escaped as needed) at a dot path. */
void ou_harness_json_set_str(struct ou_harness_json *root, const char *path, const char *s);

/* Append the JSON text built from fmt to the array at path (created). */
void ou_harness_json_appendf(struct ou_harness_json *root, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Remove the value at path if there is one. */
void ou_harness_json_unset(struct ou_harness_json *root, const char *path);

/* ---- the config builder ---- */

/*
 * The current test's config, an object owned by the harness.  It starts as
 * the config `runc spec` writes, with these changes: terminal false, a
 * writable root (tests set root.readonly), hostname "ou-test", no cgroup
 * mount, no ambient capabilities, and args ["sh"].
 */
struct ou_harness_json *ou_harness_config(void);

/* A new default config as above; the caller frees it. */
struct ou_harness_json *ou_harness_config_new(void);

/* Replace process.args with the arguments (NULL ends the list). */
void ou_harness_config_args(struct ou_harness_json *cfg, const char *arg, ...)
	__attribute__((sentinel));

/* Replace process.args with a NULL-terminated vector. */
void ou_harness_config_argv(struct ou_harness_json *cfg, const char *const argv[]);

/* Replace process.env with the KEY=VALUE strings (NULL ends the list). */
void ou_harness_config_env(struct ou_harness_json *cfg, const char *kv, ...)
	__attribute__((sentinel));

/* Add a namespace of type (with path if not NULL); replaces one of that type. */
void ou_harness_config_add_namespace(struct ou_harness_json *cfg, const char *type,
				     const char *path);

/* Remove the namespace of that type, if the config has one. */
void ou_harness_config_remove_namespace(struct ou_harness_json *cfg, const char *type);

/* Append a mount; source may be NULL; options end with NULL. */
void ou_harness_config_add_mount(struct ou_harness_json *cfg, const char *destination,
				 const char *type, const char *source, ...)
	__attribute__((sentinel));

/* Add process.rlimits entry (type like "RLIMIT_NOFILE"); replaces that type. */
void ou_harness_config_add_rlimit(struct ou_harness_json *cfg, const char *type,
				  unsigned long long soft, unsigned long long hard);

/*
 * Set all five capability sets (bounding, effective, permitted, inheritable,
 * ambient) to the names given ("CAP_KILL"); NULL ends the list.
 */
void ou_harness_config_set_caps(struct ou_harness_json *cfg, const char *cap, ...)
	__attribute__((sentinel));

/* Set annotation key (dots in it are literal) to value. */
void ou_harness_config_annotate(struct ou_harness_json *cfg, const char *key, const char *value);

/* Write cfg as BUNDLE/config.json; asserts on error. */
void ou_harness_config_write(const struct ou_harness_json *cfg, const char *bundle);

/* ---- lifecycle helpers ---- */

/*
 * True if the JSON text validates against the runtime-spec schema file
 * (e.g. "state-schema.json") by tests/data/config/schema-validate.py; the
 * test is skipped when python3 or its jsonschema module is missing.
 * Failures are logged with cr_log_info.
 */
bool ou_harness_schema_valid(const char *json, const char *schema_file);

/*
 * Start tests/integration/recvtty listening on the unix socket path: it
 * writes input (NULL: nothing) into the pty master it receives and copies
 * what the master yields to out_file.  Returns its pid once the socket
 * accepts connections; asserts on failure.
 */
int ou_harness_recvtty_start(const char *socket, const char *input, const char *out_file);

/*
 * Wait up to timeout_ms for a process started by ou_harness_recvtty_start;
 * its exit status, or -1 after killing it when the time is up.
 */
int ou_harness_recvtty_wait(int pid, int timeout_ms);

/* True if pid names a live process (neither missing nor a zombie). */
bool ou_harness_pid_alive(int pid);

/* The target of /proc/PID/ns/NAME ("pid:[4026531836]"); caller frees. */
char *ou_harness_ns(int pid, const char *name);

/*
 * Write the current config to the default bundle and run `create -b BUNDLE
 * EXTRA... ID` (extra NULL-terminated, may be empty); fills *res.
 */
void ou_harness_create_args(struct ou_harness_result *res, const char *id,
			    const char *const extra[]);

/* create then start id with the current config; asserts both succeed. */
void ou_harness_create_start(const char *id);

/* The pid in `state ID` (asserts there is one). */
int ou_harness_state_pid(const char *id);

/* The status in `state ID`; caller frees. */
char *ou_harness_state_status(const char *id);

/*
 * Poll until the file at path exists and contains text, up to timeout_ms;
 * false if that does not happen.
 */
bool ou_harness_wait_file(const char *path, const char *text, int timeout_ms);

#endif
