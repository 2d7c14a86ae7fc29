/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/volume_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "spec/union.h"

#define META_FILE "meta.json"

int ou_volume_store_open(const char *storage_root, struct ou_volume_store **out,
			 struct ou_error **err)
{
	ou_autofree char *dir = ou_path_join(storage_root, "volumes");
	struct ou_volume_store *s;

	if (ou_mkdir_p(dir, 0700, err) < 0)
		return -1;
	s = ou_xcalloc(1, sizeof(*s));
	s->dir = ou_steal_ptr(&dir);
	*out = s;
	return 0;
}

void ou_volume_store_free(struct ou_volume_store *s)
{
	if (s == NULL)
		return;
	free(s->dir);
	free(s);
}

char *ou_volume_store_data_path(const struct ou_volume_store *s, const char *name)
{
	return ou_xasprintf("%s/%s/_data", s->dir, name);
}

static char *vol_path(const struct ou_volume_store *s, const char *name, const char *file)
{
	if (file == NULL)
		return ou_xasprintf("%s/%s", s->dir, name);
	return ou_xasprintf("%s/%s/%s", s->dir, name, file);
}

/* openat that follows no symlink, and says which name was one. */
static int open_below(int dirfd, const char *name, int flags, const char *shown,
		      struct ou_error **err)
{
	int fd = openat(dirfd, name, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return ou_error_set(err, OU_E_NOT_FOUND, errno, "open '%s'", shown);
	if (errno != ELOOP && errno != ENOTDIR)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", shown);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return ou_error_set(err, OU_E_INVALID, 0, "'%s' is a symlink", shown);
	return ou_error_set(err, OU_E_INVALID, 0, "'%s' is not a directory", shown);
}

int ou_volume_store_open_data(const struct ou_volume_store *s, const char *name, int flags,
			      struct ou_error **err)
{
	ou_autofree char *dir = vol_path(s, name, NULL);
	ou_autofree char *data = vol_path(s, name, "_data");
	ou_autoclose int store = open(s->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ou_autoclose int vol = -1;

	if (store < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", s->dir);
	vol = open_below(store, name, O_PATH, dir, err);
	if (vol < 0)
		return -1;
	return open_below(vol, "_data", flags, data, err);
}

/* A fresh descriptor per lock: flock belongs to the open file description. */
static int lock_dir(const char *dir, struct ou_error **err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return ou_error_set(err, errno == ENOENT ? OU_E_NOT_FOUND : OU_E_SYSTEM, errno,
				    "open '%s'", dir);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			ou_error_set(err, OU_E_SYSTEM, errno, "lock '%s'", dir);
			close(fd);
			return -1;
		}
	}
	return fd;
}

int ou_volume_store_anon_name(char *buf, struct ou_error **err)
{
	unsigned char raw[OU_VOLUME_ANON_LEN / 2];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0 && errno != EINTR)
			return ou_error_set(err, OU_E_SYSTEM, errno, "getrandom");
		if (n > 0)
			got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		sprintf(buf + 2 * i, "%02x", raw[i]);
	return 0;
}

static int read_meta(const struct ou_volume_store *s, const char *name, struct ou_volume_meta *m,
		     struct ou_error **err)
{
	ou_autofree char *path = vol_path(s, name, META_FILE);
	ou_autofree char *json = NULL;
	size_t len = 0;

	if (access(path, F_OK) < 0)
		return ou_error_set(err, OU_E_NOT_FOUND, errno, "volume '%s' %s", name,
				    OU_MSG_NOT_EXIST);
	if (ou_read_file(path, 0, &json, &len, err) < 0)
		return -1;
	if (ou_volume_json_meta_parse(json, len, m, err) < 0) {
		ou_error_prefix(err, "volume '%s'", name);
		return -1;
	}
	return 0;
}

/*
 * meta.json is synced when a volume is made and when a container starts or
 * stops using it: a named volume outlives a reboot, and a lost "release"
 * would leave it marked in use after one.  The pre-fill marks ("filling",
 * "filled") are only renamed into place, atomic for readers and kept by
 * the page cache when a process dies: an fsync would not make them true
 * at a power loss, since the copied data is not synced (ext4 allocates it
 * later), and a fill cut short by the death of a process is still found
 * by its "filling" mark and done again.
 */
static int write_meta(const struct ou_volume_store *s, const char *name,
		      const struct ou_volume_meta *m, bool sync, struct ou_error **err)
{
	ou_autofree char *path = vol_path(s, name, META_FILE);
	size_t len = 0;
	ou_autofree char *json = ou_volume_json_meta_generate(m, &len);

	if (sync)
		return ou_write_file_atomic(path, json, len, 0600, err);
	return ou_write_file_replace(path, json, len, 0600, err);
}

static void copy_labels(const struct ou_kv_list *from, struct ou_kv_list *to)
{
	if (from == NULL || from->len == 0)
		return;
	to->items = ou_xcalloc(from->len, sizeof(*to->items));
	for (size_t i = 0; i < from->len; i++) {
		to->items[i].key = ou_xstrdup(from->items[i].key);
		to->items[i].value = ou_xstrdup(from->items[i].value);
	}
	to->len = from->len;
}

static int make_volume(struct ou_volume_store *s, const char *name, const struct ou_kv_list *labels,
		       bool anonymous, struct ou_error **err)
{
	ou_autofree char *dir = vol_path(s, name, NULL);
	ou_autofree char *data = vol_path(s, name, "_data");
	struct ou_volume_meta m = { 0 };
	char when[64];
	int rc;

	if (mkdir(dir, 0700) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create volume '%s'", name);
	ou_now_rfc3339(when, sizeof(when), false);
	m.name = (char *)name;
	m.created = when;
	m.anonymous = anonymous;
	copy_labels(labels, &m.labels);
	rc = mkdir(data, 0755) < 0 ? ou_error_set(err, OU_E_SYSTEM, errno, "create '%s'", data)
				   : write_meta(s, name, &m, true, err);
	m.name = m.created = NULL;
	ou_volume_json_meta_release(&m);
	if (rc < 0) {
		ou_autoerror struct ou_error *e = NULL;

		if (ou_remove_tree(dir, &e) < 0)
			ou_log_warning("remove volume '%s': %s", name, e->msg);
	}
	return rc;
}

/*
 * A volume's directory without meta.json is what a create killed between
 * its mkdir and the rename of meta.json leaves.  Creates hold the store's
 * lock, so under that lock such a directory is no volume: it is removed.
 * 1 if there was one, 0 if not.
 */
static int clear_half_made(const struct ou_volume_store *s, const char *name, struct ou_error **err)
{
	ou_autofree char *dir = vol_path(s, name, NULL);
	ou_autofree char *meta = vol_path(s, name, META_FILE);
	struct stat st;

	if (lstat(meta, &st) == 0 || errno != ENOENT || lstat(dir, &st) < 0)
		return 0;
	ou_log_debug("volume '%s': remove what a create that did not finish left", name);
	return ou_remove_tree(dir, err) < 0 ? -1 : 1;
}

int ou_volume_store_create(struct ou_volume_store *s, const char *name,
			   const struct ou_kv_list *labels, bool anonymous, bool exclusive,
			   bool *created, struct ou_error **err)
{
	ou_autofree char *meta = vol_path(s, name, META_FILE);
	ou_autoclose int lock = -1;

	if (created != NULL)
		*created = false;
	if (ou_union_check_volume_name(name, err) < 0)
		return -1;
	lock = lock_dir(s->dir, err);
	if (lock < 0)
		return -1;
	if (access(meta, F_OK) == 0) {
		if (exclusive)
			return ou_error_set(err, OU_E_STATE, 0, "volume '%s' already exists", name);
		return 0;
	}
	if (clear_half_made(s, name, err) < 0 || make_volume(s, name, labels, anonymous, err) < 0)
		return -1;
	ou_log_debug("volume create '%s'%s", name, anonymous ? " (anonymous)" : "");
	if (created != NULL)
		*created = true;
	return 0;
}

int ou_volume_store_load(struct ou_volume_store *s, const char *name, struct ou_volume_meta *out,
			 struct ou_error **err)
{
	ou_autoclose int lock = lock_dir(s->dir, err);

	if (lock < 0)
		return -1;
	return read_meta(s, name, out, err);
}

typedef void (*meta_fn)(struct ou_volume_meta *m, const char *arg);

static int update_meta(struct ou_volume_store *s, const char *name, meta_fn fn, const char *arg,
		       bool sync, struct ou_error **err)
{
	ou_autoclose int lock = lock_dir(s->dir, err);
	struct ou_volume_meta m;
	int rc;

	if (lock < 0 || read_meta(s, name, &m, err) < 0)
		return -1;
	fn(&m, arg);
	rc = write_meta(s, name, &m, sync, err);
	ou_volume_json_meta_release(&m);
	return rc;
}

static void drop_user(struct ou_volume_meta *m, const char *id)
{
	size_t j = 0;

	for (size_t i = 0; i < m->used_by.len; i++) {
		if (strcmp(m->used_by.v[i], id) == 0)
			free(m->used_by.v[i]);
		else
			m->used_by.v[j++] = m->used_by.v[i];
	}
	m->used_by.len = j;
	if (m->used_by.v != NULL)
		m->used_by.v[j] = NULL;
}

static void add_user(struct ou_volume_meta *m, const char *id)
{
	drop_user(m, id);
	ou_strv_push(&m->used_by, ou_xstrdup(id));
}

int ou_volume_store_use(struct ou_volume_store *s, const char *name, const char *id,
			struct ou_error **err)
{
	ou_log_debug("volume '%s' used by '%s'", name, id);
	return update_meta(s, name, add_user, id, true, err);
}

int ou_volume_store_release(struct ou_volume_store *s, const char *name, const char *id,
			    struct ou_error **err)
{
	ou_log_debug("volume '%s' released by '%s'", name, id);
	return update_meta(s, name, drop_user, id, true, err);
}

static int remove_locked(struct ou_volume_store *s, const char *name, struct ou_error **err)
{
	ou_autofree char *dir = vol_path(s, name, NULL);
	struct ou_volume_meta m;
	int rc = 0;

	if (read_meta(s, name, &m, err) < 0)
		return -1;
	if (m.used_by.len > 0)
		rc = ou_error_set(err, OU_E_STATE, 0,
				  "remove volume '%s': in use by container '%s'", name,
				  m.used_by.v[0]);
	ou_volume_json_meta_release(&m);
	if (rc < 0)
		return -1;
	ou_log_debug("volume remove '%s'", name);
	return ou_remove_tree_parallel(dir, err);
}

int ou_volume_store_remove(struct ou_volume_store *s, const char *name, struct ou_error **err)
{
	ou_autoclose int lock = -1;
	int rc;

	if (ou_union_check_volume_name(name, err) < 0)
		return -1;
	lock = lock_dir(s->dir, err);
	if (lock < 0)
		return -1;
	rc = clear_half_made(s, name, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return remove_locked(s, name, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ou_volume_store_list(struct ou_volume_store *s, struct ou_strv *out, struct ou_error **err)
{
	ou_autoclosedir DIR *d = opendir(s->dir);
	struct dirent *de;

	memset(out, 0, sizeof(*out));
	if (d == NULL)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", s->dir);
	while ((de = readdir(d)) != NULL) {
		ou_autofree char *meta = NULL;

		if (de->d_name[0] == '.' || strchr(de->d_name, '.') != NULL)
			continue;
		/* Without meta.json, it is what a killed create left (clear_half_made). */
		meta = ou_path_join(de->d_name, META_FILE);
		if (faccessat(dirfd(d), meta, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			ou_strv_push(out, ou_xstrdup(de->d_name));
	}
	if (out->len > 0)
		qsort(out->v, out->len, sizeof(char *), cmp_str);
	return 0;
}

static bool is_prunable(struct ou_volume_store *s, const char *name, bool all)
{
	ou_autoerror struct ou_error *e = NULL;
	struct ou_volume_meta m;
	bool yes;

	if (read_meta(s, name, &m, &e) < 0)
		return false;
	yes = m.used_by.len == 0 && (all || m.anonymous);
	ou_volume_json_meta_release(&m);
	return yes;
}

int ou_volume_store_prune(struct ou_volume_store *s, bool all, struct ou_strv *removed,
			  struct ou_error **err)
{
	struct ou_strv names;
	ou_autoclose int lock = -1;
	int rc = 0;

	if (ou_volume_store_list(s, &names, err) < 0)
		return -1;
	lock = lock_dir(s->dir, err);
	for (size_t i = 0; lock >= 0 && rc == 0 && i < names.len; i++) {
		if (!is_prunable(s, names.v[i], all))
			continue;
		rc = remove_locked(s, names.v[i], err);
		if (rc == 0)
			ou_strv_push(removed, ou_xstrdup(names.v[i]));
	}
	for (size_t i = 0; i < names.len; i++)
		free(names.v[i]);
	free(names.v);
	return lock < 0 ? -1 : rc;
}

/* Pre-fill and copy */

struct copy_link {
	dev_t dev;
	ino_t ino;
	char *rel; /* path of the first copy, relative to dst_root */
};

/* Counts of the worker, shown by the main process's progress line. */
struct fill_shared {
	unsigned long files;
	unsigned long long bytes;
};

struct copy_ctx {
	int dst_root;
	struct copy_link *links;
	size_t n_links;
	bool no_clone; /* FICLONE was refused once: not tried again */
	unsigned long files;
	unsigned long long bytes;	/* of regular files copied */
	unsigned long shown_files;	/* files at the last progress line */
	unsigned long long shown_bytes; /* bytes at the last progress line */
	bool shown;			/* a progress line was printed */
	const char *progress;		/* volume name when stderr is a terminal, else NULL */
	struct fill_shared *shared;	/* the copy worker's counts, while one runs */
};

/* A pre-fill on a terminal shows a line every 256 files or 16 MiB. */
#define PROGRESS_FILES 256
#define PROGRESS_BYTES (16ULL << 20)

static int copy_at(struct copy_ctx *c, int sdir, const char *sname, int ddir, const char *dname,
		   const char *rel, struct ou_error **err);

/* The filesystems refuse FICLONE for every file (EINVAL can be one file's). */
static bool is_clone_refused(int e)
{
	return e == EOPNOTSUPP || e == EXDEV || e == ENOTTY || e == ENOSYS;
}

/* pread and pwrite, for a filesystem that refuses copy_file_range. */
static ssize_t copy_by_reads(int sfd, int dfd, off_t off, size_t len)
{
	char buf[65536];
	ssize_t n = pread(sfd, buf, len < sizeof(buf) ? len : sizeof(buf), off);

	for (ssize_t done = 0; n > 0 && done < n;) {
		ssize_t w = pwrite(dfd, buf + done, (size_t)(n - done), off + done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += w;
	}
	return n;
}

/* Bytes [off, end) of sfd to the same offsets of dfd; stops early at EOF. */
static int copy_range(int sfd, int dfd, off_t off, off_t end, bool *by_reads)
{
	while (off < end) {
		size_t len = (size_t)(end - off);
		off_t in = off, out = off;
		ssize_t n;

		if (*by_reads)
			n = copy_by_reads(sfd, dfd, off, len);
		else
			n = copy_file_range(sfd, &in, dfd, &out, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		/* copy_file_range refused (another filesystem type): plain reads. */
		if (n < 0 && !*by_reads &&
		    (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
			*by_reads = true;
			continue;
		}
		if (n <= 0)
			return n < 0 ? -1 : 0;
		off += n;
	}
	return 0;
}

/*
 * FICLONE, else the data extents one by one (SEEK_DATA, SEEK_HOLE) with
 * copy_file_range, else with reads and writes, and the size set last: a
 * hole stays a hole.  An image can hold a file of a terabyte that takes a
 * few blocks; written out as zeros it would fill the storage root.  The
 * copy stops at the size the stat saw.
 */
static int copy_data(struct copy_ctx *c, int sfd, int dfd, const struct stat *st, const char *shown,
		     struct ou_error **err)
{
	bool by_reads = false;
	off_t size = st->st_size, data = 0, hole;

	if (!c->no_clone) {
		if (ioctl(dfd, FICLONE, sfd) == 0)
			return 0;
		c->no_clone = is_clone_refused(errno);
	}
	/* As many blocks as bytes: no hole, so no extent walk and no truncate. */
	if ((off_t)st->st_blocks * 512 >= size) {
		if (copy_range(sfd, dfd, 0, size, &by_reads) < 0)
			return ou_error_set(err, OU_E_SYSTEM, errno, "copy '%s'", shown);
		return 0;
	}
	while (data < size) {
		data = lseek(sfd, data, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;
		hole = data < 0 ? -1 : lseek(sfd, data, SEEK_HOLE);
		if (hole < 0 ||
		    copy_range(sfd, dfd, data, hole < size ? hole : size, &by_reads) < 0)
			return ou_error_set(err, OU_E_SYSTEM, errno, "copy '%s'", shown);
		data = hole;
	}
	if (ftruncate(dfd, size) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "copy '%s'", shown);
	return 0;
}

static bool skip_xattr(const char *name)
{
	return ou_has_prefix(name, "trusted.overlay.");
}

/*
 * The extended attributes of one file onto its copy, through fds (sp and
 * dp NULL: a file that can be opened) or, not following a symlink,
 * through paths (a symlink or a device node, which cannot be).  One list
 * call when it has none.
 */
static int copy_xattrs_of(int sfd, const char *sp, int dfd, const char *dp, const char *dname,
			  struct ou_error **err)
{
	ou_autofree char *names = NULL;
	ou_autofree char *val = NULL;
	ssize_t len = sp ? llistxattr(sp, NULL, 0) : flistxattr(sfd, NULL, 0);

	if (len <= 0)
		return 0;
	names = ou_xmalloc((size_t)len);
	len = sp ? llistxattr(sp, names, (size_t)len) : flistxattr(sfd, names, (size_t)len);
	for (ssize_t off = 0; off < len; off += (ssize_t)strlen(names + off) + 1) {
		const char *n = names + off;
		ssize_t vl = sp ? lgetxattr(sp, n, NULL, 0) : fgetxattr(sfd, n, NULL, 0);
		int rc;

		if (vl < 0 || skip_xattr(n))
			continue;
		val = ou_xrealloc(val, (size_t)vl + 1);
		vl = sp ? lgetxattr(sp, n, val, (size_t)vl) : fgetxattr(sfd, n, val, (size_t)vl);
		if (vl < 0)
			continue;
		rc = dp ? lsetxattr(dp, n, val, (size_t)vl, 0)
			: fsetxattr(dfd, n, val, (size_t)vl, 0);
		if (rc < 0 && errno != ENOTSUP && errno != EPERM)
			return ou_error_set(err, OU_E_SYSTEM, errno, "set xattr '%s' of '%s'", n,
					    dname);
	}
	return 0;
}

static int copy_xattrs_fd(int sfd, int dfd, const char *dname, struct ou_error **err)
{
	return copy_xattrs_of(sfd, NULL, dfd, NULL, dname, err);
}

static int copy_xattrs(int sdir, const char *sname, int ddir, const char *dname,
		       struct ou_error **err)
{
	ou_autofree char *sp = ou_xasprintf("/proc/self/fd/%d/%s", sdir, sname);
	ou_autofree char *dp = ou_xasprintf("/proc/self/fd/%d/%s", ddir, dname);

	return copy_xattrs_of(-1, sp, -1, dp, dname, err);
}

static int copy_meta(int sdir, const char *sname, const struct stat *st, int ddir,
		     const char *dname, struct ou_error **err)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };

	/* Ownership first: chown clears set-id bits that chmod then restores. */
	if (fchownat(ddir, dname, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != EPERM && errno != EINVAL)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chown '%s'", dname);
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, dname, st->st_mode & 07777, 0) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chmod '%s'", dname);
	if (copy_xattrs(sdir, sname, ddir, dname, err) < 0)
		return -1;
	if (utimensat(ddir, dname, times, AT_SYMLINK_NOFOLLOW) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "set times of '%s'", dname);
	return 0;
}

/* copy_meta through open descriptors, in the same order: no path is looked up again. */
static int copy_meta_fd(int sfd, const struct stat *st, int dfd, const char *dname,
			struct ou_error **err)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };

	if (fchown(dfd, st->st_uid, st->st_gid) < 0 && errno != EPERM && errno != EINVAL)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chown '%s'", dname);
	if (fchmod(dfd, st->st_mode & 07777) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chmod '%s'", dname);
	if (copy_xattrs_fd(sfd, dfd, dname, err) < 0)
		return -1;
	if (futimens(dfd, times) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "set times of '%s'", dname);
	return 0;
}

/* A regular file; errors name it by rel, its path in the copy. */
static int copy_reg(struct copy_ctx *c, int sdir, const char *sname, const struct stat *st,
		    int ddir, const char *dname, const char *rel, struct ou_error **err)
{
	ou_autoclose int sfd = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ou_autoclose int dfd = -1;

	if (sfd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", rel);
	dfd = openat(ddir, dname, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dfd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create '%s'", rel);
	if (copy_data(c, sfd, dfd, st, rel, err) < 0)
		return -1;
	return copy_meta_fd(sfd, st, dfd, rel, err);
}

static int copy_dir_contents(struct copy_ctx *c, int sfd, int dfd, const char *rel,
			     struct ou_error **err)
{
	ou_autoclosedir DIR *d = NULL;
	struct dirent *de;
	int dup_fd = dup(sfd);

	if (dup_fd < 0 || (d = fdopendir(dup_fd)) == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return ou_error_set(err, OU_E_SYSTEM, errno, "read directory '%s'", rel);
	}
	while ((de = readdir(d)) != NULL) {
		ou_autofree char *child = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		child = rel[0] ? ou_xasprintf("%s/%s", rel, de->d_name) : ou_xstrdup(de->d_name);
		if (copy_at(c, sfd, de->d_name, dfd, de->d_name, child, err) < 0)
			return -1;
	}
	return 0;
}

static int copy_dir(struct copy_ctx *c, int sdir, const char *sname, const struct stat *st,
		    int ddir, const char *dname, const char *rel, struct ou_error **err)
{
	ou_autoclose int sfd = -1;
	ou_autoclose int dfd = -1;

	if (mkdirat(ddir, dname, 0700) < 0 && errno != EEXIST)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create directory '%s'", dname);
	sfd = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open directory '%s'", sname);
	dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open directory '%s'", dname);
	if (copy_dir_contents(c, sfd, dfd, rel, err) < 0)
		return -1;
	/* Directory times last, after their contents changed them. */
	return copy_meta_fd(sfd, st, dfd, dname, err);
}

static const struct copy_link *find_link(const struct copy_ctx *c, const struct stat *st)
{
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino)
			return &c->links[i];
	return NULL;
}

static void remember_link(struct copy_ctx *c, const struct stat *st, const char *rel)
{
	c->links = ou_xrealloc(c->links, (c->n_links + 1) * sizeof(*c->links));
	c->links[c->n_links].dev = st->st_dev;
	c->links[c->n_links].ino = st->st_ino;
	c->links[c->n_links].rel = ou_xstrdup(rel);
	c->n_links++;
}

static int copy_symlink(int sdir, const char *sname, int ddir, const char *dname,
			struct ou_error **err)
{
	char target[4096];
	ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);

	if (n < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "read symlink '%s'", sname);
	target[n] = '\0';
	unlinkat(ddir, dname, 0);
	if (symlinkat(target, ddir, dname) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create symlink '%s'", dname);
	return 0;
}

static int copy_node(const struct stat *st, int ddir, const char *dname, struct ou_error **err)
{
	unlinkat(ddir, dname, 0);
	if (mknodat(ddir, dname, st->st_mode, st->st_rdev) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create node '%s'", dname);
	return 0;
}

/* What this process copied, and the copy worker while one runs. */
static void progress_totals(const struct copy_ctx *c, unsigned long *files,
			    unsigned long long *bytes)
{
	*files = c->files;
	*bytes = c->bytes;
	if (c->shared != NULL) {
		*files += __atomic_load_n(&c->shared->files, __ATOMIC_RELAXED);
		*bytes += __atomic_load_n(&c->shared->bytes, __ATOMIC_RELAXED);
	}
}

static void print_progress(const struct copy_ctx *c, const char *end)
{
	unsigned long files;
	unsigned long long bytes;

	progress_totals(c, &files, &bytes);
	fprintf(stderr, "\rpre-filling volume '%s': %lu files, %.1f MiB%s", c->progress, files,
		(double)bytes / (1 << 20), end);
}

/* A line when the totals passed another PROGRESS_FILES files or PROGRESS_BYTES bytes. */
static void update_progress(struct copy_ctx *c)
{
	unsigned long files;
	unsigned long long bytes;

	progress_totals(c, &files, &bytes);
	if (files / PROGRESS_FILES == c->shown_files / PROGRESS_FILES &&
	    bytes - c->shown_bytes < PROGRESS_BYTES)
		return;
	c->shown_files = files;
	c->shown_bytes = bytes;
	c->shown = true;
	print_progress(c, "");
}

/* Count one entry of the copy (bytes: what it copies); on a terminal, show it. */
static void show_progress(struct copy_ctx *c, unsigned long long bytes)
{
	if (c->progress == NULL)
		return;
	c->files++;
	c->bytes += bytes;
	update_progress(c);
}

static int copy_at(struct copy_ctx *c, int sdir, const char *sname, int ddir, const char *dname,
		   const char *rel, struct ou_error **err)
{
	const struct copy_link *l;
	struct stat st;
	int rc;

	if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "stat '%s'", sname);
	if (S_ISREG(st.st_mode) && st.st_nlink > 1 && (l = find_link(c, &st)) != NULL) {
		show_progress(c, 0);
		unlinkat(ddir, dname, 0);
		if (linkat(c->dst_root, l->rel, ddir, dname, 0) < 0)
			return ou_error_set(err, OU_E_SYSTEM, errno, "link '%s'", rel);
		return 0;
	}
	show_progress(c, S_ISREG(st.st_mode) ? (unsigned long long)st.st_size : 0);
	if (S_ISDIR(st.st_mode))
		return copy_dir(c, sdir, sname, &st, ddir, dname, rel, err);
	if (S_ISREG(st.st_mode))
		rc = copy_reg(c, sdir, sname, &st, ddir, dname, rel, err);
	else if (S_ISLNK(st.st_mode))
		rc = copy_symlink(sdir, sname, ddir, dname, err);
	else
		rc = copy_node(&st, ddir, dname, err);
	if (rc < 0)
		return -1;
	if (S_ISREG(st.st_mode)) {
		if (st.st_nlink > 1)
			remember_link(c, &st, rel);
		return 0;
	}
	return copy_meta(sdir, sname, &st, ddir, dname, err);
}

static void copy_ctx_release(struct copy_ctx *c)
{
	for (size_t i = 0; i < c->n_links; i++)
		free(c->links[i].rel);
	free(c->links);
	if (c->shown)
		print_progress(c, "\n");
}

int ou_volume_store_copy_entry(int src_dirfd, const char *src_name, int dst_dirfd,
			       const char *dst_name, struct ou_error **err)
{
	struct copy_ctx c = { .dst_root = dst_dirfd };
	int rc = copy_at(&c, src_dirfd, src_name, dst_dirfd, dst_name, dst_name, err);

	copy_ctx_release(&c);
	return rc;
}

/*
 * The fill copies in two passes.  The walk makes the directories and
 * copies symlinks, nodes and hard-linked files itself, and lists every
 * other regular file; the files are then copied, by this process alone or
 * shared with one forked worker when there are enough of them to pay for
 * the fork; the directories take their owner, mode and times last, so
 * that nothing created in them changes their times afterwards.  At most
 * FILL_BATCH_DIRS directories are held open: a batch is copied and its
 * walked directories closed when the walk reaches that many.
 */
struct fill_dir {
	int sfd, dfd;
	char *rel;
	struct stat st;
	bool walked; /* its entries are all listed */
};

struct fill_file {
	struct fill_dir *dir;
	char *rel;	  /* its path in the copy */
	const char *name; /* in dir: the end of rel */
	struct stat st;
	bool to_worker;
};

struct fill_plan {
	struct fill_dir **dirs;
	size_t n_dirs;
	struct fill_file *files;
	size_t n_files, cap_files;
	unsigned long long bytes;
};

/* What the worker reports through its pipe at its end. */
struct fill_report {
	int ok;
	int errnum;
	char msg[1024];
};

#define FILL_BATCH_DIRS 256
/*
 * A worker is forked for at least this many files or bytes (a fork and
 * its reaping took 1 to 3.4 ms at load 5; a file of 1 KiB 0.3 to 0.9 ms
 * in the benchmark).
 */
#define FILL_WORKER_FILES 200
#define FILL_WORKER_BYTES (16ULL << 20)
/*
 * To share the files out, one file costs as much as this many bytes of
 * data, and a chunk is at most this many files of one directory.
 */
#define FILL_FILE_COST	 16384
#define FILL_CHUNK_FILES 128

static void fill_dir_free(struct fill_dir *d)
{
	if (d->sfd >= 0)
		close(d->sfd);
	if (d->dfd >= 0)
		close(d->dfd);
	free(d->rel);
	free(d);
}

static void fill_plan_release(struct fill_plan *p)
{
	for (size_t i = 0; i < p->n_dirs; i++)
		fill_dir_free(p->dirs[i]);
	free(p->dirs);
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i].rel);
	free(p->files);
}

static unsigned long long fill_cost(const struct fill_file *f)
{
	return (unsigned long long)f->st.st_size + FILL_FILE_COST;
}

struct fill_chunk {
	size_t first, n;
	unsigned long long cost;
};

static int cmp_chunk(const void *a, const void *b)
{
	const struct fill_chunk *x = a, *y = b;

	return x->cost < y->cost ? 1 : x->cost > y->cost ? -1 : 0;
}

/*
 * Share the files out by chunks of one directory (two processes creating
 * in one directory wait on each other), the costliest first, each to the
 * side with less so far; ties go to the worker.
 */
static void fill_share(struct fill_plan *p)
{
	ou_autofree struct fill_chunk *ch = ou_xmalloc(p->n_files * sizeof(*ch));
	unsigned long long mine = 0, its = 0;
	size_t n = 0;

	for (size_t i = 0; i < p->n_files; i++) {
		if (n == 0 || p->files[i].dir != p->files[ch[n - 1].first].dir ||
		    ch[n - 1].n == FILL_CHUNK_FILES)
			ch[n++] = (struct fill_chunk){ .first = i };
		ch[n - 1].n++;
		ch[n - 1].cost += fill_cost(&p->files[i]);
	}
	qsort(ch, n, sizeof(*ch), cmp_chunk);
	for (size_t i = 0; i < n; i++) {
		bool to_worker = its <= mine;

		for (size_t j = ch[i].first; j < ch[i].first + ch[i].n; j++)
			p->files[j].to_worker = to_worker;
		*(to_worker ? &its : &mine) += ch[i].cost;
	}
}

static int fill_copy_file(struct copy_ctx *c, const struct fill_file *f, struct ou_error **err)
{
	show_progress(c, (unsigned long long)f->st.st_size);
	return copy_reg(c, f->dir->sfd, f->name, &f->st, f->dir->dfd, f->name, f->rel, err);
}

static int fill_copy_side(struct copy_ctx *c, const struct fill_plan *p, bool worker,
			  struct ou_error **err)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i].to_worker == worker && fill_copy_file(c, &p->files[i], err) < 0)
			return -1;
	return 0;
}

static __attribute__((noreturn)) void fill_worker(struct copy_ctx *c, const struct fill_plan *p,
						  pid_t parent, int report_fd)
{
	ou_autoerror struct ou_error *e = NULL;
	struct fill_report r = { .ok = 1 };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	/* Its progress goes to the shared counts, not to the terminal. */
	c->progress = NULL;
	c->files = 0;
	c->bytes = 0;
	for (size_t i = 0; i < p->n_files; i++) {
		const struct fill_file *f = &p->files[i];

		if (!f->to_worker)
			continue;
		if (copy_reg(c, f->dir->sfd, f->name, &f->st, f->dir->dfd, f->name, f->rel, &e) < 0)
			break;
		if (c->shared != NULL) {
			__atomic_add_fetch(&c->shared->bytes, (unsigned long long)f->st.st_size,
					   __ATOMIC_RELAXED);
			__atomic_add_fetch(&c->shared->files, 1, __ATOMIC_RELAXED);
		}
	}
	if (e != NULL) {
		r.ok = 0;
		r.errnum = e->errnum;
		snprintf(r.msg, sizeof(r.msg), "%s", e->msg);
	}
	_exit(ou_write_all(report_fd, &r, sizeof(r)) < 0 || !r.ok);
}

/* The worker's report; on a terminal, the progress line goes on while it is awaited. */
static int fill_await(struct copy_ctx *c, pid_t pid, int report_fd, struct ou_error **err)
{
	struct fill_report r = { 0 };
	size_t got = 0;
	int status;

	while (got < sizeof(r)) {
		struct pollfd pfd = { .fd = report_fd, .events = POLLIN };
		ssize_t n;

		if (c->progress != NULL && poll(&pfd, 1, 200) == 0) {
			update_progress(c);
			continue;
		}
		n = read(report_fd, (char *)&r + got, sizeof(r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ou_error_set(err, OU_E_SYSTEM, errno, "wait for the copy worker");
	if (got == sizeof(r) && !r.ok)
		return ou_error_set(err, OU_E_SYSTEM, r.errnum, "%s", r.msg);
	if (got < sizeof(r) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ou_error_set(err, OU_E_SYSTEM, 0,
				    "the copy worker ended without a report (status %d)", status);
	return 0;
}

/* Copy the listed files, shared with a worker when there are enough. */
static int fill_files(struct copy_ctx *c, struct fill_plan *p, struct ou_error **err)
{
	int pipefd[2];
	pid_t pid, self = getpid();
	int rc;

	if (p->n_files < FILL_WORKER_FILES && p->bytes < FILL_WORKER_BYTES)
		return fill_copy_side(c, p, false, err);
	fill_share(p);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create a pipe for the copy worker");
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return ou_error_set(err, OU_E_SYSTEM, errno, "fork the copy worker");
	}
	if (pid == 0) {
		close(pipefd[0]);
		fill_worker(c, p, self, pipefd[1]);
	}
	close(pipefd[1]);
	rc = fill_copy_side(c, p, false, err);
	if (rc < 0)
		kill(pid, SIGKILL);
	if (fill_await(c, pid, pipefd[0], rc < 0 ? NULL : err) < 0)
		rc = -1;
	close(pipefd[0]);
	return rc;
}

/*
 * Copy the files listed so far, then give the directories whose entries
 * are all listed their owner, mode and times (the deepest first: each
 * comes after its parent in the list) and close them.
 */
static int fill_flush(struct copy_ctx *c, struct fill_plan *p, struct ou_error **err)
{
	size_t kept = 0;

	if (fill_files(c, p, err) < 0)
		return -1;
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i].rel);
	p->n_files = 0;
	p->bytes = 0;
	for (size_t i = p->n_dirs; i-- > 0;) {
		struct fill_dir *d = p->dirs[i];

		if (d->walked && copy_meta_fd(d->sfd, &d->st, d->dfd, d->rel, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < p->n_dirs; i++) {
		if (p->dirs[i]->walked)
			fill_dir_free(p->dirs[i]);
		else
			p->dirs[kept++] = p->dirs[i];
	}
	p->n_dirs = kept;
	return 0;
}

static int fill_walk(struct copy_ctx *c, struct fill_plan *p, struct fill_dir *dir,
		     struct ou_error **err);

static int fill_walk_dir(struct copy_ctx *c, struct fill_plan *p, struct fill_dir *parent,
			 const char *name, const struct stat *st, const char *rel,
			 struct ou_error **err)
{
	struct fill_dir *d = ou_xcalloc(1, sizeof(*d));

	d->rel = ou_xstrdup(rel);
	d->st = *st;
	d->dfd = -1;
	p->dirs = ou_xrealloc(p->dirs, (p->n_dirs + 1) * sizeof(*p->dirs));
	p->dirs[p->n_dirs++] = d;
	d->sfd = openat(parent->sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->sfd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open directory '%s'", rel);
	if (mkdirat(parent->dfd, name, 0700) < 0 && errno != EEXIST)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create directory '%s'", rel);
	d->dfd = openat(parent->dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->dfd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open directory '%s'", rel);
	show_progress(c, 0);
	return fill_walk(c, p, d, err);
}

/* List the regular files below dir; copy the rest of its entries. */
static int fill_walk(struct copy_ctx *c, struct fill_plan *p, struct fill_dir *dir,
		     struct ou_error **err)
{
	ou_autoclosedir DIR *d = NULL;
	struct dirent *de;
	int dup_fd = dup(dir->sfd);

	if (dup_fd < 0 || (d = fdopendir(dup_fd)) == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return ou_error_set(err, OU_E_SYSTEM, errno, "read directory '%s'", dir->rel);
	}
	while ((de = readdir(d)) != NULL) {
		ou_autofree char *child = NULL;
		struct fill_file *f;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		child = dir->rel[0] ? ou_xasprintf("%s/%s", dir->rel, de->d_name)
				    : ou_xstrdup(de->d_name);
		if (fstatat(dir->sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return ou_error_set(err, OU_E_SYSTEM, errno, "stat '%s'", child);
		if (S_ISDIR(st.st_mode)) {
			if (p->n_dirs >= FILL_BATCH_DIRS && fill_flush(c, p, err) < 0)
				return -1;
			if (fill_walk_dir(c, p, dir, de->d_name, &st, child, err) < 0)
				return -1;
			continue;
		}
		if (!S_ISREG(st.st_mode) || st.st_nlink > 1) {
			if (copy_at(c, dir->sfd, de->d_name, dir->dfd, de->d_name, child, err) < 0)
				return -1;
			continue;
		}
		if (p->n_files == p->cap_files) {
			p->cap_files = p->cap_files ? 2 * p->cap_files : 256;
			p->files = ou_xrealloc(p->files, p->cap_files * sizeof(*p->files));
		}
		f = &p->files[p->n_files++];
		*f = (struct fill_file){ .dir = dir, .st = st };
		f->rel = ou_steal_ptr(&child);
		f->name = f->rel + strlen(f->rel) - strlen(de->d_name);
		p->bytes += (unsigned long long)st.st_size;
	}
	dir->walked = true;
	return 0;
}

static int fill_contents(const char *name, int src_dirfd, int data_fd, struct ou_error **err)
{
	struct copy_ctx c = { .dst_root = data_fd, .progress = isatty(2) ? name : NULL };
	struct fill_dir root = { .sfd = src_dirfd, .dfd = data_fd, .rel = (char *)"" };
	struct fill_plan p = { 0 };
	struct stat st;
	int rc;

	if (c.progress != NULL) {
		c.shared = mmap(NULL, sizeof(*c.shared), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (c.shared == MAP_FAILED)
			c.shared = NULL;
	}
	rc = fill_walk(&c, &p, &root, err);
	if (rc == 0)
		rc = fill_flush(&c, &p, err);
	fill_plan_release(&p);
	if (c.shared != NULL) {
		c.files += c.shared->files;
		c.bytes += c.shared->bytes;
		munmap(c.shared, sizeof(*c.shared));
		c.shared = NULL;
	}
	copy_ctx_release(&c);
	if (rc < 0)
		return -1;
	/* The volume's root takes the owner and mode of the image's directory. */
	if (fstat(src_dirfd, &st) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "stat source of volume '%s'", name);
	if (fchown(data_fd, st.st_uid, st.st_gid) < 0 && errno != EPERM && errno != EINVAL)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chown volume '%s'", name);
	if (fchmod(data_fd, st.st_mode & 07777) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "chmod volume '%s'", name);
	return 0;
}

static bool dir_is_empty(int fd)
{
	ou_autoclosedir DIR *d = NULL;
	struct dirent *de;
	int dup_fd = dup(fd);

	if (dup_fd < 0 || (d = fdopendir(dup_fd)) == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return false;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			return false;
	return true;
}

static void set_filling(struct ou_volume_meta *m, const char *arg)
{
	(void)arg;
	m->filling = true;
}

static void set_filled(struct ou_volume_meta *m, const char *arg)
{
	(void)arg;
	m->filling = false;
	m->filled = true;
}

/* A fill that was interrupted: start over from an empty _data. */
static int reset_data(struct ou_volume_store *s, const char *name, int *data_fd,
		      struct ou_error **err)
{
	ou_autofree char *data = ou_volume_store_data_path(s, name);

	close(*data_fd);
	*data_fd = -1;
	if (ou_remove_tree(data, err) < 0)
		return -1;
	if (mkdir(data, 0755) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create '%s'", data);
	*data_fd = ou_volume_store_open_data(s, name, O_RDONLY, err);
	return *data_fd < 0 ? -1 : 0;
}

/*
 * A fill that failed (a full storage root) gives back the space it took,
 * so that the volume's metadata can still be written and the create be
 * undone; the volume stays marked filling and is filled again on next use.
 */
static void drop_partial_fill(struct ou_volume_store *s, const char *name, int *data_fd)
{
	ou_autoerror struct ou_error *e = NULL;

	if (reset_data(s, name, data_fd, &e) < 0)
		ou_log_warning("volume '%s': remove a partial pre-fill: %s", name, e->msg);
}

static int fill_locked(struct ou_volume_store *s, const char *name, int src_dirfd,
		       const struct ou_volume_meta *m, struct ou_error **err)
{
	ou_autoclose int data_fd = ou_volume_store_open_data(s, name, O_RDONLY, err);

	if (data_fd < 0)
		return -1;
	if (!m->filling && (!dir_is_empty(data_fd) || src_dirfd < 0))
		return update_meta(s, name, set_filled, NULL, false, err);
	if (m->filling && reset_data(s, name, &data_fd, err) < 0)
		return -1;
	if (src_dirfd < 0)
		return update_meta(s, name, set_filled, NULL, false, err);
	if (update_meta(s, name, set_filling, NULL, false, err) < 0)
		return -1;
	ou_log_debug("pre-fill volume '%s'", name);
	if (fill_contents(name, src_dirfd, data_fd, err) < 0) {
		drop_partial_fill(s, name, &data_fd);
		return -1;
	}
	/* Not synced: see write_meta. */
	return update_meta(s, name, set_filled, NULL, false, err);
}

int ou_volume_store_fill(struct ou_volume_store *s, const char *name, int src_dirfd,
			 struct ou_error **err)
{
	ou_autofree char *dir = vol_path(s, name, NULL);
	ou_autoclose int vlock = lock_dir(dir, err);
	struct ou_volume_meta m;
	int rc;

	if (vlock < 0 || ou_volume_store_load(s, name, &m, err) < 0)
		return -1;
	rc = m.filled ? 0 : fill_locked(s, name, src_dirfd, &m, err);
	ou_volume_json_meta_release(&m);
	if (rc < 0)
		ou_error_prefix(err, "pre-fill volume '%s'", name);
	return rc;
}
