/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/layers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "spec/union.h"

char *ou_layers_container_dir(const char *storage_root, const char *id)
{
	return ou_xasprintf("%s/containers/%s", storage_root, id);
}

/*
 * The directory the last layer was found in, resolved once, and when many
 * layers sit in it, the names of its subdirectories: one read of the
 * directory (d_type) costs less than an lstat per layer.
 */
struct parent_cache {
	char *dir;
	char *real;
	char **subdirs; /* sorted; NULL when the directory was not read */
	size_t n_subdirs;
	bool listed; /* the listing was tried, kept or not */
};

/* The most lower layers overlayfs stacks (OVL_MAX_STACK). */
#define OU_LAYERS_MAX 500

/* Below this many layers left in one directory, lstat each of them. */
#define LIST_MIN_LAYERS 8

static void free_subdirs(struct parent_cache *pc)
{
	for (size_t i = 0; i < pc->n_subdirs; i++)
		free(pc->subdirs[i]);
	free(pc->subdirs);
	pc->subdirs = NULL;
	pc->n_subdirs = 0;
}

static void parent_cache_clear(struct parent_cache *pc)
{
	free_subdirs(pc);
	free(pc->dir);
	free(pc->real);
	memset(pc, 0, sizeof(*pc));
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Reads the subdirectory names of pc->real.  A directory much larger than
 * the layers asked of it, or one whose entries carry no d_type, is not
 * kept: each layer then costs its lstat, as without the listing.
 */
static void list_subdirs(struct parent_cache *pc, size_t layers_left)
{
	size_t cap = 0, max_entries = 64 + 8 * layers_left, seen = 0;
	ou_autoclosedir DIR *d = opendir(pc->real);
	struct dirent *de;
	bool ok = d != NULL;

	while (ok && (errno = 0, de = readdir(d)) != NULL) {
		if (++seen > max_entries || de->d_type == DT_UNKNOWN) {
			ok = false;
			break;
		}
		if (de->d_type != DT_DIR)
			continue;
		if (pc->n_subdirs == cap) {
			cap = cap ? cap * 2 : 64;
			pc->subdirs = ou_xrealloc(pc->subdirs, cap * sizeof(char *));
		}
		pc->subdirs[pc->n_subdirs++] = ou_xstrdup(de->d_name);
	}
	if (ok && errno != 0)
		ok = false;
	ou_log_debug("layers: directory '%s' listed: %s", pc->real,
		     ok ? "kept" : "not kept, an lstat per layer");
	if (!ok) {
		free_subdirs(pc);
		return;
	}
	if (pc->subdirs == NULL)
		pc->subdirs = ou_xcalloc(1, sizeof(char *));
	qsort(pc->subdirs, pc->n_subdirs, sizeof(char *), cmp_name);
}

static bool listed_subdir(const struct parent_cache *pc, const char *name)
{
	return pc->subdirs != NULL &&
	       bsearch(&name, pc->subdirs, pc->n_subdirs, sizeof(char *), cmp_name) != NULL;
}

/*
 * The real path of a layer, and whether it is a directory.  realpath
 * costs a readlink for every component of the path; layers usually sit
 * side by side in one directory, so that directory is resolved once, and
 * a layer that is a plain name in it and no symlink costs a single lstat.
 * When a second layer is found in the same directory and layers_left
 * (this one included) are still to check, the directory is listed once
 * and a name it shows as a subdirectory costs nothing more.
 */
static int real_layer_path(const char *joined, struct parent_cache *pc, size_t layers_left,
			   char *buf, bool *is_dir)
{
	const char *slash = strrchr(joined, '/');
	const char *base = slash != NULL ? slash + 1 : "";
	ou_autofree char *dir = NULL;
	struct stat st;

	if (slash == NULL || joined[0] != '/' || base[0] == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0)
		goto slow;
	dir = slash == joined ? ou_xstrdup("/") : ou_xstrndup(joined, (size_t)(slash - joined));
	if (pc->dir == NULL || strcmp(pc->dir, dir) != 0) {
		parent_cache_clear(pc);
		if (realpath(dir, buf) == NULL)
			goto slow;
		pc->dir = ou_steal_ptr(&dir);
		pc->real = ou_xstrdup(buf);
	} else if (!pc->listed && layers_left >= LIST_MIN_LAYERS) {
		/* a second layer in this directory, and more to come */
		pc->listed = true;
		list_subdirs(pc, layers_left);
	}
	if (listed_subdir(pc, base))
		*is_dir = true;
	else if (lstat(joined, &st) < 0 || S_ISLNK(st.st_mode))
		goto slow;
	else
		*is_dir = S_ISDIR(st.st_mode);
	if ((size_t)snprintf(buf, PATH_MAX, "%s/%s", strcmp(pc->real, "/") == 0 ? "" : pc->real,
			     base) >= PATH_MAX)
		return errno = ENAMETOOLONG, -1;
	return 0;
slow:
	if (realpath(joined, buf) == NULL || stat(buf, &st) < 0)
		return -1;
	*is_dir = S_ISDIR(st.st_mode);
	return 0;
}

static int check_layer_path(const char *bundle, const char *layer, struct parent_cache *pc,
			    size_t layers_left, char **out, struct ou_error **err)
{
	ou_autofree char *joined =
		layer[0] == '/' ? ou_xstrdup(layer) : ou_path_join(bundle, layer);
	char buf[PATH_MAX];
	bool is_dir = false;

	if (real_layer_path(joined, pc, layers_left, buf, &is_dir) < 0) {
		if (errno != ENOENT && errno != ENOTDIR) /* a loop, a name too long */
			return ou_error_set(err, OU_E_INVALID, errno, "%s: layer '%s'",
					    OU_UNION_LAYERS, layer);
		return ou_error_set(err, OU_E_INVALID, 0, "%s: layer '%s' does not exist",
				    OU_UNION_LAYERS, layer);
	}
	if (!is_dir)
		return ou_error_set(err, OU_E_INVALID, 0, "%s: layer '%s' is not a directory",
				    OU_UNION_LAYERS, layer);
	*out = ou_xstrdup(buf);
	return 0;
}

/* Paths in the order of their components: '/' sorts before any byte. */
static int cmp_path(const char *a, const char *b)
{
	for (; *a != '\0' && *a == *b; a++, b++)
		;
	if (*a == *b)
		return 0;
	if (*a == '/' || *b == '/')
		return *a == '/' ? (*b == '\0' ? 1 : -1) : (*a == '\0' ? -1 : 1);
	return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
}

struct listed_path {
	const char *path;
	size_t i; /* its place in the list */
};

static int cmp_listed(const void *a, const void *b)
{
	return cmp_path(((const struct listed_path *)a)->path,
			((const struct listed_path *)b)->path);
}

/*
 * A layer listed twice, or inside another (overlayfs refuses that with
 * ELOOP, "too many levels of symbolic links"): the real paths are sorted
 * by components, so a path inside another comes after it with only paths
 * inside it between, and one pass finds a layer of each such group.  The
 * error names the later-listed layer of a pair (of the pairs found, the one
 * whose later layer comes first in the list).
 */
static int check_layer_conflicts(const struct ou_strv *listed, const struct ou_strv *real,
				 struct ou_error **err)
{
	size_t n = real->len, best_later = n, best_earlier = 0, anchor = 0;
	ou_autofree struct listed_path *lp = ou_xcalloc(n ? n : 1, sizeof(*lp));
	bool same = false;

	for (size_t i = 0; i < n; i++)
		lp[i] = (struct listed_path){ real->v[i], i };
	qsort(lp, n, sizeof(*lp), cmp_listed);
	for (size_t k = 1; k < n; k++) {
		const struct listed_path *a = &lp[anchor], *x = &lp[k];
		size_t later = x->i > a->i ? x->i : a->i;

		if (!ou_path_within(x->path, a->path)) {
			anchor = k;
			continue;
		}
		if (later < best_later) {
			best_later = later;
			best_earlier = x->i > a->i ? a->i : x->i;
			same = strcmp(x->path, a->path) == 0;
		}
	}
	if (best_later == n)
		return 0;
	if (same)
		return ou_error_set(err, OU_E_INVALID, 0, "%s: layer '%s' is listed more than once",
				    OU_UNION_LAYERS, listed->v[best_later]);
	return ou_error_set(err, OU_E_INVALID, 0, "%s: layer '%s' overlaps layer '%s'",
			    OU_UNION_LAYERS, listed->v[best_later], real->v[best_earlier]);
}

int ou_layers_resolve(const char *bundle, const struct ou_strv *layers_bottom_up,
		      struct ou_strv *out, struct ou_error **err)
{
	struct ou_strv res = { 0 };
	struct parent_cache pc = { 0 };
	size_t n = layers_bottom_up->len;
	int rc = 0;

	if (n > OU_LAYERS_MAX)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "%s: %zu layers, more than the %d overlayfs stacks",
				    OU_UNION_LAYERS, n, OU_LAYERS_MAX);
	/* sized once: ou_strv_push would grow it by a realloc per layer */
	res.v = ou_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *p = NULL;

		rc = check_layer_path(bundle, layers_bottom_up->v[i], &pc, n - i, &p, err);
		if (rc == 0)
			res.v[res.len++] = p;
	}
	parent_cache_clear(&pc);
	if (rc == 0)
		rc = check_layer_conflicts(layers_bottom_up, &res, err);
	if (rc < 0) {
		ou_strv_release(&res);
		return -1;
	}
	*out = res;
	return 0;
}

const char **ou_layers_lowerdir_order(const struct ou_strv *layers_bottom_up)
{
	size_t n = layers_bottom_up->len;
	const char **top_first = ou_xcalloc(n + 1, sizeof(*top_first));

	for (size_t i = 0; i < n; i++)
		top_first[i] = layers_bottom_up->v[n - 1 - i];
	return top_first;
}

static int check_same_fs(const char *upper, const char *dir, struct ou_error **err)
{
	struct stat a, b;

	if (stat(upper, &a) < 0 || !S_ISDIR(a.st_mode))
		return ou_error_set(err, OU_E_INVALID, 0, "%s: '%s' is not a directory",
				    OU_UNION_UPPER, upper);
	if (stat(dir, &b) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "stat '%s'", dir);
	if (a.st_dev != b.st_dev)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "%s: '%s' is not on the filesystem of the storage root",
				    OU_UNION_UPPER, upper);
	return 0;
}

static int make_dirs(const char *dir, const char *upper_override, char **upper, char **work,
		     struct ou_error **err)
{
	ou_autofree char *u = NULL;
	ou_autofree char *w = ou_path_join(dir, "work");

	if (upper_override != NULL) {
		char buf[PATH_MAX];

		if (check_same_fs(upper_override, dir, err) < 0)
			return -1;
		u = ou_xstrdup(realpath(upper_override, buf) ? buf : upper_override);
	} else {
		u = ou_path_join(dir, "upper");
		if (mkdir(u, 0755) < 0)
			return ou_error_set(err, OU_E_SYSTEM, errno, "create '%s'", u);
	}
	if (mkdir(w, 0700) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create '%s'", w);
	*upper = ou_steal_ptr(&u);
	*work = ou_steal_ptr(&w);
	return 0;
}

int ou_layers_create(const char *storage_root, const char *id, bool writable,
		     const char *upper_override, char **upper, char **work, struct ou_error **err)
{
	ou_autofree char *parent = ou_path_join(storage_root, "containers");
	ou_autofree char *dir = ou_layers_container_dir(storage_root, id);
	ou_autoerror struct ou_error *e = NULL;
	int rc = mkdir(dir, 0700);

	/* The parent is made only the first time: mkdir -p costs a call per component. */
	if (rc < 0 && errno == ENOENT) {
		if (ou_mkdir_p(parent, 0700, err) < 0)
			return -1;
		rc = mkdir(dir, 0700);
	}
	if (rc < 0)
		return ou_error_set(err, errno == EEXIST ? OU_E_STATE : OU_E_SYSTEM, errno,
				    "create writable layer '%s'", dir);
	if (!writable)
		return 0;
	if (make_dirs(dir, upper_override, upper, work, err) < 0) {
		if (ou_remove_tree(dir, &e) < 0)
			ou_log_warning("remove '%s': %s", dir, e->msg);
		return -1;
	}
	ou_log_debug("writable layer '%s'", *upper);
	return 0;
}

int ou_layers_remove(const char *storage_root, const char *id, struct ou_error **err)
{
	ou_autofree char *dir = ou_layers_container_dir(storage_root, id);

	ou_log_debug("remove writable layer '%s'", dir);
	return ou_remove_tree_parallel(dir, err);
}

/* STORAGE/uppers/HASH, HASH a 64-bit FNV-1a of the upper's real path. */
static char *claim_path(const char *storage_root, const char *upper)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)upper; *p != '\0'; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return ou_xasprintf("%s/uppers/%016" PRIx64, storage_root, h);
}

/* The state directory a claim names, or NULL if there is no claim. */
static char *claim_owner(const char *claim)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(claim, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return ou_xstrdup(buf);
}

static int try_claim(const char *claim, const char *upper, const char *state_dir,
		     struct ou_error **err)
{
	/* state_dir is a real path: a relative one would resolve from uppers/ */
	ou_autofree char *owner = NULL;
	struct stat st;

	if (symlink(state_dir, claim) == 0)
		return 0;
	if (errno != EEXIST)
		return ou_error_set(err, OU_E_SYSTEM, errno, "record the use of '%s'", upper);
	owner = claim_owner(claim);
	if (owner != NULL && stat(owner, &st) == 0)
		return ou_error_set(err, OU_E_INVALID, 0, "%s: '%s' is in use by container '%s'",
				    OU_UNION_UPPER, upper, strrchr(owner, '/') + 1);
	/* Its container's state directory is gone: a stale claim. */
	if (unlink(claim) < 0 && errno != ENOENT)
		return ou_error_set(err, OU_E_SYSTEM, errno, "remove '%s'", claim);
	return 1;
}

int ou_layers_claim_upper(const char *storage_root, const char *upper, const char *state_dir,
			  struct ou_error **err)
{
	ou_autofree char *parent = ou_path_join(storage_root, "uppers");
	ou_autofree char *claim = claim_path(storage_root, upper);
	ou_autoclose int lock = -1;
	char dir[PATH_MAX];
	int rc;

	if (realpath(state_dir, dir) == NULL)
		return ou_error_set(err, OU_E_SYSTEM, errno, "resolve '%s'", state_dir);
	state_dir = dir;
	if (ou_mkdir_p(parent, 0700, err) < 0)
		return -1;
	/* Two creates that both find a stale claim must not both replace it. */
	lock = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", parent);
	while (flock(lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return ou_error_set(err, OU_E_SYSTEM, errno, "lock '%s'", parent);
	rc = try_claim(claim, upper, state_dir, err);
	if (rc == 1)
		rc = try_claim(claim, upper, state_dir, err);
	if (rc == 1)
		return ou_error_set(err, OU_E_SYSTEM, EEXIST, "record the use of '%s'", upper);
	return rc;
}

int ou_layers_release_upper(const char *storage_root, const char *upper, const char *state_dir,
			    struct ou_error **err)
{
	ou_autofree char *claim = claim_path(storage_root, upper);
	ou_autofree char *owner = claim_owner(claim);
	char dir[PATH_MAX];

	if (owner == NULL || realpath(state_dir, dir) == NULL || strcmp(owner, dir) != 0)
		return 0;
	if (unlink(claim) < 0 && errno != ENOENT)
		return ou_error_set(err, OU_E_SYSTEM, errno, "remove '%s'", claim);
	return 0;
}
