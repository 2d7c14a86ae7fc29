/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/undo.h"
#include "runtime/base/util.h"
#include "runtime/cgroup_internal.h"

/* v1 names of the controllers, indexed by enum ou_cgroup_ctrl. */
static const char *const v1_names[OU_CG__COUNT] = {
	"cpu",	"cpuacct", "cpuset",  "memory",	  "devices",	"freezer", "blkio",
	"pids", "hugetlb", "net_cls", "net_prio", "perf_event", "rdma",	   "misc",
};

static char *test_root;
static struct ou_cgroup_layout layout;
static bool layout_ready;

static void layout_release(struct ou_cgroup_layout *lay)
{
	for (size_t i = 0; i < lay->n_v1; i++)
		free(lay->v1[i].mnt);
	free(lay->v1);
	free(lay->v2_mnt);
	ou_cgroup_mounts_free(lay->mounts, lay->n_mounts);
	memset(lay, 0, sizeof(*lay));
}

void ou_cgroup_set_test_root(const char *dir)
{
	free(test_root);
	test_root = dir != NULL ? ou_xstrdup(dir) : NULL;
	layout_release(&layout);
	layout_ready = false;
}

const char *ou_cgroup_ctrl_v2_name(enum ou_cgroup_ctrl c)
{
	switch (c) {
	case OU_CG_BLKIO:
		return "io";
	case OU_CG_CPU:
	case OU_CG_CPUSET:
	case OU_CG_MEMORY:
	case OU_CG_PIDS:
	case OU_CG_HUGETLB:
	case OU_CG_PERF_EVENT:
	case OU_CG_RDMA:
	case OU_CG_MISC:
		return v1_names[c];
	default:
		return NULL;
	}
}

/* The OU_CG_BIT mask of a list of names separated by any of seps. */
static unsigned mask_of_names(const char *list, const char *seps, bool v2)
{
	ou_autofree char *copy = ou_xstrdup(list);
	char *save = NULL;
	unsigned mask = 0;

	for (char *t = strtok_r(copy, seps, &save); t != NULL; t = strtok_r(NULL, seps, &save)) {
		for (int c = 0; c < OU_CG__COUNT; c++) {
			const char *name = v2 ? ou_cgroup_ctrl_v2_name(c) : v1_names[c];

			if (name != NULL && strcmp(t, name) == 0)
				mask |= OU_CG_BIT(c);
		}
	}
	return mask;
}

static void add_v1(struct ou_cgroup_layout *lay, const char *mnt, unsigned mask)
{
	lay->v1 = ou_xrealloc(lay->v1, (lay->n_v1 + 1) * sizeof(*lay->v1));
	lay->v1[lay->n_v1].mnt = ou_xstrdup(mnt);
	lay->v1[lay->n_v1].mask = mask;
	lay->n_v1++;
}

static void set_v2(struct ou_cgroup_layout *lay, const char *mnt)
{
	ou_autofree char *ctrls = NULL;
	struct ou_error *e = NULL;

	lay->v2_mnt = ou_xstrdup(mnt);
	if (ou_cgroup_read(mnt, "cgroup.controllers", &ctrls, &e) < 0) {
		ou_error_free(e);
		return;
	}
	lay->v2_mask = mask_of_names(ctrls, " \n", true);
}

static void set_mode(struct ou_cgroup_layout *lay)
{
	unsigned v1_mask = 0;

	for (size_t i = 0; i < lay->n_v1; i++)
		v1_mask |= lay->v1[i].mask;
	/* a controller bound in a v1 hierarchy is not available in cgroup2 */
	lay->v2_mask &= ~v1_mask;
	if (lay->v2_mnt == NULL)
		lay->mode = OU_CGROUP_MODE_V1;
	else if (lay->n_v1 == 0)
		lay->mode = OU_CGROUP_MODE_V2;
	else
		lay->mode = OU_CGROUP_MODE_HYBRID;
}

/*
 * Test layout: the root itself is cgroup2 if it holds cgroup.controllers;
 * otherwise each subdirectory is a v1 hierarchy named after its
 * controllers ("cpu,cpuacct"), and "unified" is cgroup2.
 */
static int detect_test(struct ou_cgroup_layout *lay, struct ou_error **err)
{
	ou_autofree char *probe = ou_path_join(test_root, "cgroup.controllers");
	ou_autoclosedir DIR *d = NULL;
	struct dirent *de;

	lay->test = true;
	if (access(probe, F_OK) == 0) {
		set_v2(lay, test_root);
		return 0;
	}
	d = opendir(test_root);
	if (d == NULL)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open cgroup test root '%s'",
				    test_root);
	while ((de = readdir(d)) != NULL) {
		ou_autofree char *mnt = NULL;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		mnt = ou_path_join(test_root, de->d_name);
		if (strcmp(de->d_name, "unified") == 0)
			set_v2(lay, mnt);
		else
			add_v1(lay, mnt, mask_of_names(de->d_name, ",", false));
	}
	return 0;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r != '\0'; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] != '\0' && r[3] != '\0') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static bool have_v1(const struct ou_cgroup_layout *lay, const char *mnt, unsigned mask, bool named)
{
	for (size_t i = 0; i < lay->n_v1; i++) {
		if (strcmp(lay->v1[i].mnt, mnt) == 0)
			return true;
		if (!named && mask != 0 && lay->v1[i].mask == mask)
			return true;
	}
	return false;
}

/* The v1 super options that name the hierarchy: controllers and name=. */
static char *naming_options(const char *sopts)
{
	ou_autofree char *copy = ou_xstrdup(sopts);
	char *save = NULL, *res = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "rw") == 0 || strcmp(t, "ro") == 0 ||
		    ou_has_prefix(t, "release_agent") || strcmp(t, "clone_children") == 0)
			continue;
		ou_csv_append(&res, t);
	}
	return res;
}

static void add_mount(struct ou_cgroup_mnt **out, size_t *n, const char *target, bool v2,
		      const char *sopts)
{
	const char *slash = strrchr(target, '/');
	struct ou_cgroup_mnt *m;

	*out = ou_xrealloc(*out, (*n + 1) * sizeof(**out));
	m = &(*out)[*n];
	m->mountpoint = ou_xstrdup(target);
	m->name = ou_xstrdup(slash ? slash + 1 : target);
	m->v2 = v2;
	m->options = !v2 && sopts != NULL ? naming_options(sopts) : NULL;
	(*n)++;
}

/* Cut the field after the next single space of *p; NULL if there is none. */
static char *next_field(char **p)
{
	char *f = *p;
	char *sp = f != NULL ? strchr(f, ' ') : NULL;

	if (sp == NULL)
		return NULL;
	*sp = '\0';
	*p = sp + 1;
	return f;
}

/*
 * proc(5), /proc/pid/mountinfo: "id parent dev root mountpoint options
 * [optional fields...] - fstype source superopts".  Fields are separated
 * by one space and may be empty (a cgroup source often is).
 */
static void parse_mount_line(char *line, struct ou_cgroup_mnt **out, size_t *n)
{
	char *sep = strstr(line, " - ");
	char *p = line, *target = NULL, *fstype, *sopts;

	if (sep == NULL)
		return;
	*sep = '\0';
	for (int i = 0; i < 5 && p != NULL; i++)
		target = next_field(&p);
	p = sep + 3;
	fstype = next_field(&p);
	if (target == NULL || fstype == NULL || next_field(&p) == NULL)
		return;
	sopts = p;
	sopts[strcspn(sopts, "\n")] = '\0';
	if (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)
		return;
	unescape(target);
	add_mount(out, n, target, strcmp(fstype, "cgroup2") == 0, sopts);
}

int ou_cgroup_mounts_read(const char *mountinfo, struct ou_cgroup_mnt **out, size_t *n,
			  struct ou_error **err)
{
	ou_autofclose FILE *f = fopen(mountinfo, "re");
	ou_autofree char *line = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (f == NULL)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", mountinfo);
	while (getline(&line, &cap, f) >= 0) {
		if (strstr(line, " - cgroup") != NULL)
			parse_mount_line(line, out, n);
	}
	return 0;
}

void ou_cgroup_mounts_free(struct ou_cgroup_mnt *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].mountpoint);
		free(m[i].name);
		free(m[i].options);
	}
	free(m);
}

/*
 * The layout from the host's cgroup mounts: the first cgroup2 mount, and
 * each v1 hierarchy once (a hierarchy bound again elsewhere has the same
 * controllers).  The mounts themselves are kept for the container's
 * /sys/fs/cgroup (ou_cgroup_host_mounts).
 */
static int detect_mountinfo(struct ou_cgroup_layout *lay, struct ou_error **err)
{
	if (ou_cgroup_mounts_read("/proc/self/mountinfo", &lay->mounts, &lay->n_mounts, err) < 0)
		return -1;
	for (size_t i = 0; i < lay->n_mounts; i++) {
		const struct ou_cgroup_mnt *m = &lay->mounts[i];
		unsigned mask;

		if (m->v2) {
			if (lay->v2_mnt == NULL)
				set_v2(lay, m->mountpoint);
			continue;
		}
		mask = m->options != NULL ? mask_of_names(m->options, ",", false) : 0;
		if (!have_v1(lay, m->mountpoint, mask,
			     m->options != NULL && strstr(m->options, "name=") != NULL))
			add_v1(lay, m->mountpoint, mask);
	}
	return 0;
}

int ou_cgroup_host_mounts(const struct ou_cgroup_mnt **out, size_t *n, struct ou_error **err)
{
	const struct ou_cgroup_layout *lay = ou_cgroup_layout(err);

	if (lay == NULL)
		return -1;
	*out = lay->mounts;
	*n = lay->n_mounts;
	return 0;
}

const struct ou_cgroup_layout *ou_cgroup_layout(struct ou_error **err)
{
	int r;

	if (layout_ready)
		return &layout;
	r = test_root != NULL ? detect_test(&layout, err) : detect_mountinfo(&layout, err);
	if (r < 0) {
		layout_release(&layout);
		return NULL;
	}
	if (layout.v2_mnt == NULL && layout.n_v1 == 0) {
		layout_release(&layout);
		ou_error_set(err, OU_E_UNSUPPORTED, 0, "find cgroup hierarchies: none is mounted");
		return NULL;
	}
	set_mode(&layout);
	layout_ready = true;
	return &layout;
}

int ou_cgroup_detect(enum ou_cgroup_mode *mode, struct ou_error **err)
{
	const struct ou_cgroup_layout *lay = ou_cgroup_layout(err);

	if (lay == NULL)
		return -1;
	*mode = lay->mode;
	return 0;
}

const char *ou_cgroup_v1_dir_for(const struct ou_cgroup *cg, enum ou_cgroup_ctrl c)
{
	for (size_t i = 0; i < cg->lay->n_v1; i++) {
		if (cg->lay->v1[i].mask & OU_CG_BIT(c))
			return cg->v1_dirs[i];
	}
	return NULL;
}

static int open_cgroup_file(const char *dir, const char *file, int flags)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (layout.test && (flags & O_WRONLY))
		flags |= O_CREAT | O_TRUNC;
	return open(path, flags | O_CLOEXEC, 0644);
}

int ou_cgroup_write(const char *dir, const char *file, const char *val, const char *field,
		    struct ou_error **err)
{
	ou_autoclose int fd = open_cgroup_file(dir, file, O_WRONLY);
	size_t len = strlen(val);
	ssize_t n;

	if (fd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "%s: open '%s'", field, file);
	do {
		n = write(fd, val, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "%s: write '%s'", field, file);
	if ((size_t)n != len)
		return ou_error_set(err, OU_E_SYSTEM, EIO, "%s: write '%s'", field, file);
	ou_log_debug("cgroup: write '%s' to '%s/%s'", val, dir, file);
	return 0;
}

int ou_cgroup_read(const char *dir, const char *file, char **out, struct ou_error **err)
{
	ou_autoclose int fd = open_cgroup_file(dir, file, O_RDONLY);
	size_t len = 0;

	if (fd < 0)
		return ou_error_set(err, errno == ENOENT ? OU_E_NOT_FOUND : OU_E_SYSTEM, errno,
				    "open '%s/%s'", dir, file);
	if (ou_read_all(fd, out, &len, err) < 0) {
		ou_error_prefix(err, "'%s/%s'", dir, file);
		return -1;
	}
	while (len > 0 && (*out)[len - 1] == '\n')
		(*out)[--len] = '\0';
	return 0;
}

/* Lexically normalise an absolute path; NULL if ".." climbs above "/". */
static char *normalize_path(const char *p)
{
	char *out = ou_xmalloc(strlen(p) + 2);
	size_t len = 0;

	while (*p != '\0') {
		const char *e;
		size_t n;

		while (*p == '/')
			p++;
		e = strchrnul(p, '/');
		n = (size_t)(e - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (len == 0) {
				free(out);
				return NULL;
			}
			while (out[len - 1] != '/')
				len--;
			len--;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p = e;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

/* Is this /proc/self/cgroup line the one that names our own cgroup? */
static bool is_own_line(const char *ctrls, enum ou_cgroup_mode mode, bool fallback)
{
	if (mode == OU_CGROUP_MODE_V2)
		return *ctrls == '\0';
	if (fallback)
		return *ctrls != '\0';
	return strstr(ctrls, "name=systemd") != NULL;
}

static char *find_own_line(char *data, enum ou_cgroup_mode mode, bool fallback)
{
	char *save = NULL;

	for (char *l = strtok_r(data, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':');
		char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

		if (c2 == NULL)
			continue;
		*c2 = '\0';
		if (is_own_line(c1 + 1, mode, fallback))
			return ou_xstrdup(c2 + 1);
	}
	return NULL;
}

/*
 * The cgroup of the calling process.  On pure v2 that is the "0::" line of
 * /proc/self/cgroup; on v1 and hybrid hosts the name=systemd hierarchy's
 * line, else the first controller's.  With a test root, the file
 * "<root>/.self_cgroup" stands in for /proc/self/cgroup ("/" if missing).
 */
static char *own_cgroup(void)
{
	ou_autofree char *data = NULL;
	ou_autofree char *proc = NULL;
	struct ou_error *e = NULL;
	const struct ou_cgroup_layout *lay = ou_cgroup_layout(&e);
	char *own = NULL;

	proc = test_root != NULL ? ou_path_join(test_root, ".self_cgroup")
				 : ou_xstrdup("/proc/self/cgroup");
	if (lay == NULL || ou_read_file(proc, 0, &data, NULL, &e) < 0) {
		ou_error_free(e);
		return ou_xstrdup("/");
	}
	own = find_own_line(data, lay->mode, false);
	if (own == NULL) {
		free(data);
		data = NULL;
		if (ou_read_file(proc, 0, &data, NULL, &e) == 0)
			own = find_own_line(data, lay->mode, true);
		ou_error_free(e);
	}
	return own != NULL ? own : ou_xstrdup("/");
}

char *ou_cgroup_path_for(const char *cgroups_path, const char *id)
{
	ou_autofree char *joined = NULL;
	ou_autofree char *own = NULL;

	if (cgroups_path == NULL || *cgroups_path == '\0')
		joined = ou_xasprintf("/ociunion/%s", id);
	else if (cgroups_path[0] == '/')
		joined = ou_xstrdup(cgroups_path);
	else {
		own = own_cgroup();
		joined = ou_path_join(own, cgroups_path);
	}
	return normalize_path(joined);
}

static int check_path(const char *path, struct ou_error **err)
{
	ou_autofree char *norm = NULL;

	if (path == NULL || path[0] != '/')
		return ou_error_set(err, OU_E_INVALID, 0, "cgroup path '%s' is not absolute",
				    path != NULL ? path : "");
	norm = normalize_path(path);
	if (norm == NULL || strcmp(norm, path) != 0 || strcmp(norm, "/") == 0)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "cgroup path '%s' is not a normalised path below the root",
				    path);
	return 0;
}

static struct ou_cgroup *cgroup_new(const struct ou_cgroup_layout *lay, const char *path)
{
	struct ou_cgroup *cg = ou_xcalloc(1, sizeof(*cg));

	cg->path = ou_xstrdup(path);
	cg->lay = lay;
	cg->v1_dirs = ou_xcalloc(lay->n_v1, sizeof(*cg->v1_dirs));
	for (size_t i = 0; i < lay->n_v1; i++)
		cg->v1_dirs[i] = ou_xasprintf("%s%s", lay->v1[i].mnt, path);
	if (lay->v2_mnt != NULL)
		cg->v2_dir = ou_xasprintf("%s%s", lay->v2_mnt, path);
	cg->v2_fd = -1;
	return cg;
}

static void close_join_fds(struct ou_cgroup *cg)
{
	if (cg->join_fds == NULL)
		return;
	for (size_t i = 0; i < cg->lay->n_v1; i++) {
		if (cg->join_fds[i] >= 0)
			close(cg->join_fds[i]);
	}
	free(cg->join_fds);
	cg->join_fds = NULL;
}

void ou_cgroup_free(struct ou_cgroup *cg)
{
	if (cg == NULL)
		return;
	for (size_t i = 0; i < cg->lay->n_v1; i++)
		free(cg->v1_dirs[i]);
	free(cg->v1_dirs);
	free(cg->v2_dir);
	free(cg->path);
	if (cg->v2_fd >= 0)
		close(cg->v2_fd);
	close_join_fds(cg);
	free(cg);
}

/* With a test root, cgroup files are plain files that rmdir would trip on. */
static void remove_test_files(const char *dir)
{
	ou_autoclosedir DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type == DT_REG)
			unlinkat(dirfd(d), de->d_name, 0);
	}
}

static int remove_dir(const char *dir)
{
	if (layout.test)
		remove_test_files(dir);
	return rmdir(dir);
}

static int undo_rmdir(void *arg, struct ou_error **err)
{
	if (remove_dir(arg) < 0 && errno != ENOENT)
		return ou_error_set(err, OU_E_SYSTEM, errno, "remove cgroup '%s'", (char *)arg);
	return 0;
}

static int make_level(char *buf, bool cpuset, bool *made, struct ou_undo *undo,
		      struct ou_error **err)
{
	char *slash = strrchr(buf, '/');
	int r = 0;

	*made = mkdir(buf, 0755) == 0;
	if (!*made && errno != EEXIST)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create cgroup '%s'", buf);
	if (*made) {
		ou_undo_push(undo, buf, undo_rmdir, ou_xstrdup(buf), free);
		ou_log_debug("cgroup: created '%s'", buf);
	}
	if (cpuset) {
		*slash = '\0';
		r = ou_cgroup_v1_cpuset_inherit(buf, slash + 1, err);
		*slash = '/';
	}
	return r;
}

/*
 * mkdir -p root+path, recording each directory made in undo; *made tells
 * whether the leaf was made here or was there already.
 */
static int make_dirs(const char *root, const char *path, bool cpuset, bool *made,
		     struct ou_undo *undo, struct ou_error **err)
{
	char buf[PATH_MAX];
	size_t rootlen = strlen(root);

	if (snprintf(buf, sizeof(buf), "%s%s", root, path) >= (int)sizeof(buf))
		return ou_error_set(err, OU_E_INVALID, ENAMETOOLONG, "cgroup path '%s%s'", root,
				    path);
	/* Usually the parents exist (/ociunion): one mkdir instead of one per level. */
	if (mkdir(buf, 0755) == 0) {
		char *slash = strrchr(buf, '/');

		*made = true;
		ou_undo_push(undo, buf, undo_rmdir, ou_xstrdup(buf), free);
		if (!cpuset)
			return 0;
		*slash = '\0';
		return ou_cgroup_v1_cpuset_inherit(buf, slash + 1, err);
	}
	if (errno != ENOENT && errno != EEXIST)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create cgroup '%s'", buf);
	for (char *p = buf + rootlen + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (make_level(buf, cpuset, made, undo, err) < 0)
			return -1;
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/*
 * Rootless mode: a hierarchy the user may not write is skipped, and the
 * container runs in the cgroup of its caller there.
 */
static bool rootless_skip(bool rootless, const char *mnt, struct ou_error **e)
{
	int n = (*e)->errnum;

	if (!rootless || (n != EACCES && n != EPERM && n != EROFS))
		return false;
	ou_log_debug("cgroup: skipped '%s', not writable in rootless mode: %s", mnt, (*e)->msg);
	ou_error_free(*e);
	*e = NULL;
	return true;
}

/*
 * A cgroup that already holds processes belongs to someone else: the
 * container would share their limits, and its kill and delete would reach
 * them.  On cgroup2, "populated" also counts processes in child cgroups.
 */
static int check_unused(const char *dir, bool v2, struct ou_error **err)
{
	ou_autofree char *procs = NULL;
	ou_autofree char *events = NULL;
	struct ou_error *e = NULL;

	if (ou_cgroup_read(dir, "cgroup.procs", &procs, &e) < 0) {
		ou_error_free(e);
		e = NULL;
	}
	if (v2 && ou_cgroup_read(dir, "cgroup.events", &events, &e) < 0)
		ou_error_free(e);
	if ((procs != NULL && procs[0] != '\0') ||
	    (events != NULL && strstr(events, "populated 1") != NULL))
		return ou_error_set(
			err, OU_E_STATE, 0,
			"cgroup '%s' already holds processes: a container needs a cgroup of its own",
			dir);
	return 0;
}

static int make_one(struct ou_cgroup *cg, const char *mnt, bool cpuset, bool v2,
		    struct ou_undo *undo, struct ou_error **err)
{
	ou_autofree char *dir = NULL;
	bool made = false;

	if (make_dirs(mnt, cg->path, cpuset, &made, undo, err) < 0)
		return -1;
	if (made)
		return 0;
	dir = ou_xasprintf("%s%s", mnt, cg->path);
	if (check_unused(dir, v2, err) < 0)
		return -1;
	cg->borrowed = true;
	return 0;
}

static int make_all_dirs(struct ou_cgroup *cg, bool rootless, struct ou_undo *undo,
			 struct ou_error **err)
{
	const struct ou_cgroup_layout *lay = cg->lay;
	struct ou_error *e = NULL;

	for (size_t i = 0; i < lay->n_v1; i++) {
		bool cpuset = lay->v1[i].mask & OU_CG_BIT(OU_CG_CPUSET);

		if (make_one(cg, lay->v1[i].mnt, cpuset, false, undo, &e) == 0)
			continue;
		if (!rootless_skip(rootless, lay->v1[i].mnt, &e)) {
			*err = e;
			return -1;
		}
		free(cg->v1_dirs[i]);
		cg->v1_dirs[i] = NULL;
	}
	if (lay->v2_mnt != NULL && make_one(cg, lay->v2_mnt, false, true, undo, &e) < 0) {
		if (!rootless_skip(rootless, lay->v2_mnt, &e)) {
			*err = e;
			return -1;
		}
		free(cg->v2_dir);
		cg->v2_dir = NULL;
	}
	return 0;
}

bool ou_cgroup_is_skipped(const struct ou_cgroup *cg)
{
	for (size_t i = 0; i < cg->lay->n_v1; i++)
		if (cg->v1_dirs[i] != NULL)
			return false;
	return cg->v2_dir == NULL;
}

bool ou_cgroup_is_borrowed(const struct ou_cgroup *cg)
{
	return cg->borrowed;
}

bool ou_cgroup_exists(const char *path)
{
	ou_autoerror struct ou_error *e = NULL;
	const struct ou_cgroup_layout *lay = ou_cgroup_layout(&e);
	ou_autofree char *dir = NULL;

	if (lay == NULL)
		return false;
	for (size_t i = 0; i < lay->n_v1; i++) {
		free(dir);
		dir = ou_xasprintf("%s%s", lay->v1[i].mnt, path);
		if (access(dir, F_OK) == 0)
			return true;
	}
	free(dir);
	dir = lay->v2_mnt != NULL ? ou_xasprintf("%s%s", lay->v2_mnt, path) : NULL;
	return dir != NULL && access(dir, F_OK) == 0;
}

static bool has_skipped_dir(const struct ou_cgroup *cg)
{
	for (size_t i = 0; i < cg->lay->n_v1; i++)
		if (cg->v1_dirs[i] == NULL)
			return true;
	return cg->lay->v2_mnt != NULL && cg->v2_dir == NULL;
}

/*
 * Limits are never dropped silently: with a hierarchy skipped the limit
 * could not be applied.  Device rules are left out: in a user namespace
 * the kernel refuses device nodes anyway.
 */
static bool has_limits(const struct ou_resources *res)
{
	return res != NULL && (res->memory != NULL || res->cpu != NULL || res->has_pids_limit ||
			       res->block_io != NULL || res->n_hugepage_limits > 0 ||
			       res->network != NULL || res->n_rdma > 0 || res->unified.len > 0);
}

static int check_skipped(const struct ou_cgroup *cg, const struct ou_resources *res,
			 struct ou_error **err)
{
	if (!has_skipped_dir(cg) || !has_limits(res))
		return 0;
	return ou_error_set(
		err, OU_E_UNSUPPORTED, 0,
		"linux.resources: cgroup '%s' is not writable in rootless mode, so its limits cannot be applied",
		cg->path);
}

/* Controllers enabled for the stats, where the kernel allows it. */
#define STATS_CTRLS (OU_CG_BIT(OU_CG_MEMORY) | OU_CG_BIT(OU_CG_PIDS) | OU_CG_BIT(OU_CG_CPU))

static int apply(struct ou_cgroup *cg, const struct ou_resources *res, struct ou_error **err)
{
	const struct ou_cgroup_layout *lay = cg->lay;

	if (cg->v2_dir != NULL && ou_cgroup_v2_enable(lay, cg->path, ou_cgroup_v2_needed(lay, res),
						      STATS_CTRLS & lay->v2_mask, err) < 0)
		return -1;
	if (res == NULL)
		return 0;
	if (ou_cgroup_v1_apply(cg, res, err) < 0)
		return -1;
	return ou_cgroup_v2_apply(cg, res, err);
}

static void open_v2_fd(struct ou_cgroup *cg, bool hybrid_too)
{
	bool usable = cg->lay->mode == OU_CGROUP_MODE_V2 || (hybrid_too && !cg->lay->test);

	if (usable && cg->v2_dir != NULL)
		cg->v2_fd = open(cg->v2_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* A hierarchy whose "tasks" cannot be opened is left to ou_cgroup_enter_cloned. */
static void open_join_fds(struct ou_cgroup *cg)
{
	if (cg->lay->test || cg->lay->n_v1 == 0)
		return;
	cg->join_fds = ou_xcalloc(cg->lay->n_v1, sizeof(*cg->join_fds));
	for (size_t i = 0; i < cg->lay->n_v1; i++) {
		const char *dir = cg->v1_dirs[i];

		cg->join_fds[i] = dir != NULL ? open_cgroup_file(dir, "tasks", O_WRONLY) : -1;
	}
}

int ou_cgroup_create(const char *path, const struct ou_resources *res, bool rootless,
		     struct ou_cgroup **out, struct ou_error **err)
{
	const struct ou_cgroup_layout *lay = ou_cgroup_layout(err);
	struct ou_cgroup *cg = NULL;
	struct ou_undo undo;

	if (lay == NULL || check_path(path, err) < 0)
		return -1;
	cg = cgroup_new(lay, path);
	ou_undo_init(&undo);
	if (make_all_dirs(cg, rootless, &undo, err) < 0 || check_skipped(cg, res, err) < 0 ||
	    apply(cg, res, err) < 0) {
		ou_undo_run(&undo);
		ou_cgroup_free(cg);
		return -1;
	}
	ou_undo_release(&undo);
	open_v2_fd(cg, true);
	open_join_fds(cg);
	if (cg->lay->mode == OU_CGROUP_MODE_V2 && cg->v2_fd < 0)
		ou_log_warning("cgroup: open '%s': clone3 into the cgroup is not possible",
			       cg->v2_dir);
	*out = cg;
	return 0;
}

int ou_cgroup_open(const char *path, struct ou_cgroup **out, struct ou_error **err)
{
	const struct ou_cgroup_layout *lay = ou_cgroup_layout(err);
	struct ou_cgroup *cg;

	if (lay == NULL || check_path(path, err) < 0)
		return -1;
	cg = cgroup_new(lay, path);
	open_v2_fd(cg, false);
	*out = cg;
	return 0;
}

int ou_cgroup_v2_fd(const struct ou_cgroup *cg)
{
	return cg->v2_fd;
}

void ou_cgroup_close_v2_fd(struct ou_cgroup *cg)
{
	if (cg != NULL && cg->v2_fd >= 0) {
		close(cg->v2_fd);
		cg->v2_fd = -1;
	}
}

int ou_cgroup_update(struct ou_cgroup *cg, const struct ou_resources *res, struct ou_error **err)
{
	return apply(cg, res, err);
}

static int enter_one(const char *dir, const char *pid, struct ou_error **err)
{
	ou_autofree char *what = NULL;

	if (dir == NULL)
		return 0;
	what = ou_xasprintf("move process %s into cgroup '%s'", pid, dir);
	return ou_cgroup_write(dir, "cgroup.procs", pid, what, err);
}

int ou_cgroup_enter(struct ou_cgroup *cg, pid_t pid, struct ou_error **err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->lay->n_v1; i++) {
		if (enter_one(cg->v1_dirs[i], buf, err) < 0)
			return -1;
	}
	return enter_one(cg->v2_dir, buf, err);
}

int ou_cgroup_join_self(struct ou_cgroup *cg, struct ou_error **err)
{
	int rc = 0;

	for (size_t i = 0; cg->join_fds != NULL && i < cg->lay->n_v1 && rc == 0; i++) {
		if (cg->join_fds[i] >= 0 && ou_write_all(cg->join_fds[i], "0", 1) < 0)
			rc = ou_error_set(err, OU_E_SYSTEM, errno, "move into cgroup '%s'",
					  cg->v1_dirs[i]);
	}
	close_join_fds(cg);
	return rc;
}

int ou_cgroup_enter_cloned(struct ou_cgroup *cg, pid_t pid, struct ou_error **err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->lay->n_v1; i++) {
		if (cg->join_fds != NULL && cg->join_fds[i] >= 0)
			continue;
		if (enter_one(cg->v1_dirs[i], buf, err) < 0)
			return -1;
	}
	close_join_fds(cg);
	return cg->v2_fd >= 0 ? 0 : enter_one(cg->v2_dir, buf, err);
}

static const char *freezer_v1_dir(const struct ou_cgroup *cg)
{
	return ou_cgroup_v1_dir_for(cg, OU_CG_FREEZER);
}

int ou_cgroup_freeze(struct ou_cgroup *cg, bool frozen, struct ou_error **err)
{
	const char *v1 = freezer_v1_dir(cg);

	if (v1 != NULL)
		return ou_cgroup_v1_freeze(v1, frozen, err);
	if (cg->v2_dir != NULL)
		return ou_cgroup_v2_freeze(cg->v2_dir, frozen, err);
	return ou_error_set(err, OU_E_UNSUPPORTED, 0,
			    "%s cgroup '%s': no freezer hierarchy is mounted",
			    frozen ? "freeze" : "thaw", cg->path);
}

bool ou_cgroup_is_frozen(struct ou_cgroup *cg)
{
	ou_autofree char *s = NULL;
	const char *v1 = freezer_v1_dir(cg);
	struct ou_error *e = NULL;

	if (v1 != NULL && ou_cgroup_read(v1, "freezer.state", &s, &e) == 0)
		return strcmp(s, "FROZEN") == 0;
	if (v1 == NULL && cg->v2_dir != NULL &&
	    ou_cgroup_read(cg->v2_dir, "cgroup.events", &s, &e) == 0)
		return strstr(s, "frozen 1") != NULL;
	ou_error_free(e);
	return false;
}

/* The directory whose cgroup.procs lists the container's processes. */
static const char *procs_dir(const struct ou_cgroup *cg)
{
	const char *d;

	if (cg->lay->mode == OU_CGROUP_MODE_V2)
		return cg->v2_dir;
	d = ou_cgroup_v1_dir_for(cg, OU_CG_PIDS);
	if (d == NULL)
		d = ou_cgroup_v1_dir_for(cg, OU_CG_MEMORY);
	for (size_t i = 0; d == NULL && i < cg->lay->n_v1; i++)
		d = cg->v1_dirs[i];
	return d != NULL ? d : cg->v2_dir;
}

static int parse_pids(char *s, pid_t **pids, size_t *n, struct ou_error **err)
{
	char *save = NULL;
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	for (char *t = strtok_r(s, "\n", &save); t != NULL; t = strtok_r(NULL, "\n", &save)) {
		long long v;

		if (ou_parse_ll(t, 1, INT_MAX, &v) < 0) {
			free(*pids);
			*pids = NULL;
			*n = 0;
			return ou_error_set(err, OU_E_SYSTEM, EINVAL,
					    "parse 'cgroup.procs' line '%s'", t);
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*pids = ou_xrealloc(*pids, cap * sizeof(**pids));
		}
		(*pids)[(*n)++] = (pid_t)v;
	}
	return 0;
}

int ou_cgroup_pids(struct ou_cgroup *cg, pid_t **pids, size_t *n, struct ou_error **err)
{
	ou_autofree char *s = NULL;
	struct ou_error *e = NULL;
	const char *dir = procs_dir(cg);

	*pids = NULL;
	*n = 0;
	if (dir == NULL)
		return 0;
	if (ou_cgroup_read(dir, "cgroup.procs", &s, &e) < 0) {
		/* a cgroup that is gone holds no processes */
		if (e->kind == OU_E_NOT_FOUND) {
			ou_error_free(e);
			return 0;
		}
		*err = e;
		return -1;
	}
	return parse_pids(s, pids, n, err);
}

static int signal_all(struct ou_cgroup *cg, int sig, struct ou_error **err)
{
	ou_autofree pid_t *pids = NULL;
	size_t n = 0;

	if (ou_cgroup_pids(cg, &pids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return ou_error_set(err, OU_E_SYSTEM, errno, "send signal %d to process %d",
					    sig, (int)pids[i]);
	}
	return 0;
}

static bool has_cgroup_kill(const struct ou_cgroup *cg)
{
	char path[PATH_MAX];

	if (cg->v2_dir == NULL)
		return false;
	snprintf(path, sizeof(path), "%s/cgroup.kill", cg->v2_dir);
	return access(path, F_OK) == 0;
}

/*
 * SIGKILL uses cgroup.kill where the kernel has it (5.14).  Otherwise each
 * pid is signalled; for SIGKILL on a v1 freezer the cgroup is frozen first
 * so that no process can fork away from the signal.
 */
int ou_cgroup_kill(struct ou_cgroup *cg, int sig, struct ou_error **err)
{
	struct ou_error *e = NULL;
	bool freeze;
	int r;

	if (sig == SIGKILL && has_cgroup_kill(cg))
		return ou_cgroup_write(cg->v2_dir, "cgroup.kill", "1", "kill cgroup", err);
	freeze = sig == SIGKILL && freezer_v1_dir(cg) != NULL && !ou_cgroup_is_frozen(cg);
	if (freeze && ou_cgroup_freeze(cg, true, &e) < 0) {
		ou_error_free(e);
		e = NULL;
		freeze = false;
	}
	r = signal_all(cg, sig, err);
	if (freeze && ou_cgroup_freeze(cg, false, &e) < 0) {
		if (r == 0) {
			*err = e;
			return -1;
		}
		ou_error_free(e);
	}
	return r;
}

/* Read a number from dir/file; "max" and v1's huge "unlimited" read as 0. */
static int read_u64(const char *dir, const char *file, const char *key, uint64_t *out,
		    struct ou_error **err)
{
	ou_autofree char *s = NULL;
	struct ou_error *e = NULL;
	const char *p;

	if (dir == NULL)
		return 0;
	if (ou_cgroup_read(dir, file, &s, &e) < 0) {
		if (e->kind != OU_E_NOT_FOUND) {
			*err = e;
			return -1;
		}
		ou_error_free(e);
		return 0;
	}
	p = s;
	if (key != NULL) {
		p = strstr(s, key);
		if (p == NULL)
			return 0;
		p += strlen(key);
	}
	*out = strncmp(p, "max", 3) == 0 ? 0 : strtoull(p, NULL, 10);
	if (*out >= (1ULL << 62))
		*out = 0;
	return 0;
}

int ou_cgroup_stats(struct ou_cgroup *cg, struct ou_cgroup_stats *st, struct ou_error **err)
{
	const char *mem = ou_cgroup_v1_dir_for(cg, OU_CG_MEMORY);
	const char *acct = ou_cgroup_v1_dir_for(cg, OU_CG_CPUACCT);
	const char *pids = ou_cgroup_v1_dir_for(cg, OU_CG_PIDS);
	uint64_t usec = 0;
	int r = 0;

	memset(st, 0, sizeof(*st));
	if (mem != NULL) {
		r |= read_u64(mem, "memory.usage_in_bytes", NULL, &st->memory_usage, err);
		r |= read_u64(mem, "memory.limit_in_bytes", NULL, &st->memory_limit, err);
	} else {
		r |= read_u64(cg->v2_dir, "memory.current", NULL, &st->memory_usage, err);
		r |= read_u64(cg->v2_dir, "memory.max", NULL, &st->memory_limit, err);
	}
	if (acct != NULL) {
		r |= read_u64(acct, "cpuacct.usage", NULL, &st->cpu_usage_ns, err);
	} else {
		r |= read_u64(cg->v2_dir, "cpu.stat", "usage_usec ", &usec, err);
		st->cpu_usage_ns = usec * 1000;
	}
	if (pids == NULL)
		pids = cg->v2_dir;
	r |= read_u64(pids, "pids.current", NULL, &st->pids_current, err);
	r |= read_u64(pids, "pids.max", NULL, &st->pids_limit, err);
	return r < 0 ? -1 : 0;
}

/* rmdir one cgroup dir, retrying EBUSY while killed processes exit. */
static int remove_cgroup_dir(const char *dir, struct ou_error **err)
{
	for (int tries = 0;; tries++) {
		if (remove_dir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || tries >= 400)
			return ou_error_set(err, OU_E_SYSTEM, errno, "remove cgroup '%s'", dir);
		ou_sleep_us(5000);
	}
}

int ou_cgroup_destroy(struct ou_cgroup *cg, struct ou_error **err)
{
	struct ou_error *e = NULL;

	if (ou_cgroup_is_frozen(cg) && ou_cgroup_freeze(cg, false, &e) < 0) {
		ou_log_warning("cgroup: thaw '%s' before removal failed", cg->path);
		ou_error_free(e);
		e = NULL;
	}
	if (ou_cgroup_kill(cg, SIGKILL, &e) < 0) {
		*err = e;
		return -1;
	}
	for (size_t i = 0; i < cg->lay->n_v1; i++) {
		if (cg->v1_dirs[i] != NULL && remove_cgroup_dir(cg->v1_dirs[i], err) < 0)
			return -1;
	}
	if (cg->v2_dir != NULL && remove_cgroup_dir(cg->v2_dir, err) < 0)
		return -1;
	if (!ou_cgroup_is_skipped(cg))
		ou_log_debug("cgroup: removed '%s'", cg->path);
	return 0;
}

int ou_cgroup_check_page_size(const char *size, struct ou_error **err)
{
	size_t n = strspn(size, "0123456789");

	if (n == 0 || size[n] == '\0' || strchr("KMGTP", size[n]) == NULL ||
	    strcmp(size + n + 1, "B") != 0)
		return ou_error_set(
			err, OU_E_INVALID, 0,
			"linux.resources.hugepageLimits: page size '%s' is not like '2MB'", size);
	return 0;
}

static char *rdma_line(const struct ou_rdma_limit *r, struct ou_error **err)
{
	char handles[32] = "", objects[32] = "";

	if (r->device == NULL || *r->device == '\0' || strpbrk(r->device, " \t\n/") != NULL) {
		ou_error_set(err, OU_E_INVALID, 0, "linux.resources.rdma: bad device name '%s'",
			     r->device != NULL ? r->device : "");
		return NULL;
	}
	if (!r->has_hca_handles && !r->has_hca_objects) {
		ou_error_set(err, OU_E_INVALID, 0,
			     "linux.resources.rdma.%s: neither hcaHandles nor hcaObjects is set",
			     r->device);
		return NULL;
	}
	if (r->has_hca_handles)
		snprintf(handles, sizeof(handles), " hca_handle=%u", r->hca_handles);
	if (r->has_hca_objects)
		snprintf(objects, sizeof(objects), " hca_object=%u", r->hca_objects);
	return ou_xasprintf("%s%s%s", r->device, handles, objects);
}

int ou_cgroup_write_rdma(const char *dir, const struct ou_resources *res, struct ou_error **err)
{
	for (size_t i = 0; i < res->n_rdma; i++) {
		ou_autofree char *line = rdma_line(&res->rdma[i], err);

		if (line == NULL ||
		    ou_cgroup_write(dir, "rdma.max", line, "linux.resources.rdma", err) < 0)
			return -1;
	}
	return 0;
}

void ou_cgroup_fmt_i64(char *buf, size_t size, int64_t v, bool max_neg)
{
	if (v < 0 && max_neg)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%lld", (long long)v);
}
