/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"

/*
 * ou_remove_tree_parallel: the tree is listed first, one node per entry
 * with the number of its children still there; then a few threads take
 * the nodes that have none left (files, empty directories), remove them,
 * and hand on a parent whose last child went.  Where each freed block
 * waits on the disk (a synchronous discard on ext4 mounted "discard"
 * without a journal), the waits overlap: 1,000 files in 10 directories
 * go in half the time.  A small tree, such as the empty writable layer
 * of a container (5 entries), is removed by this thread alone: starting
 * threads cost there what the overlap saves.
 */

#define RM_MAX_THREADS		 4
#define RM_MIN_NODES_FOR_THREADS 64

struct rm_node {
	char *path;
	size_t parent;	/* SIZE_MAX for the top */
	size_t pending; /* children not yet removed */
	bool dir;
};

struct rm_job {
	struct rm_node *nodes;
	size_t n, cap;
	size_t *ready; /* a stack of nodes with nothing left below them */
	size_t n_ready;
	size_t left; /* nodes not yet removed */
	bool too_long;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct ou_error *err;
};

static size_t add_node(struct rm_job *j, char *path, size_t parent, bool dir)
{
	if (j->n == j->cap) {
		j->cap = j->cap ? 2 * j->cap : 16;
		j->nodes = ou_xrealloc(j->nodes, j->cap * sizeof(*j->nodes));
	}
	j->nodes[j->n] = (struct rm_node){ .path = path, .parent = parent, .dir = dir };
	if (parent != SIZE_MAX)
		j->nodes[parent].pending++;
	return j->n++;
}

/* List the directory open as fd (node self) into j; fd is taken. */
static int list_dir(struct rm_job *j, int fd, size_t self, dev_t dev)
{
	ou_autoclosedir DIR *dir = fdopendir(fd);
	struct dirent *de;

	if (dir == NULL) {
		close(fd);
		return ou_error_set(&j->err, OU_E_SYSTEM, errno, "opendir '%s'",
				    j->nodes[self].path);
	}
	while ((errno = 0, de = readdir(dir)) != NULL) {
		struct stat st;
		char *path;
		size_t child;
		int sub;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		path = ou_xasprintf("%s/%s", j->nodes[self].path, de->d_name);
		if (strlen(path) >= PATH_MAX)
			j->too_long = true;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) {
			add_node(j, path, self, false);
			continue;
		}
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			free(path);
			if (errno == ENOENT)
				continue;
			return ou_error_set(&j->err, OU_E_SYSTEM, errno, "stat '%s/%s'",
					    j->nodes[self].path, de->d_name);
		}
		child = add_node(j, path, self, S_ISDIR(st.st_mode));
		if (!S_ISDIR(st.st_mode))
			continue;
		if (st.st_dev != dev)
			return ou_error_set(&j->err, OU_E_SYSTEM, EBUSY, "'%s' is another mount",
					    path);
		sub = openat(dirfd(dir), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return ou_error_set(&j->err, OU_E_SYSTEM, errno, "open '%s'", path);
		if (list_dir(j, sub, child, dev) < 0)
			return -1;
	}
	if (errno != 0)
		return ou_error_set(&j->err, OU_E_SYSTEM, errno, "read '%s'", j->nodes[self].path);
	return 0;
}

static void *rm_worker(void *arg)
{
	struct rm_job *j = arg;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		struct rm_node *nd;
		int rc, e;

		while (j->n_ready == 0 && j->left > 0 && j->err == NULL)
			pthread_cond_wait(&j->changed, &j->lock);
		if (j->n_ready == 0 || j->err != NULL)
			break;
		nd = &j->nodes[j->ready[--j->n_ready]];
		pthread_mutex_unlock(&j->lock);
		rc = nd->dir ? rmdir(nd->path) : unlink(nd->path);
		e = errno;
		pthread_mutex_lock(&j->lock);
		if (rc < 0 && e != ENOENT && j->err == NULL)
			ou_error_set(&j->err, OU_E_SYSTEM, e, "%s '%s'",
				     nd->dir ? "rmdir" : "unlink", nd->path);
		j->left--;
		if (nd->parent != SIZE_MAX && --j->nodes[nd->parent].pending == 0)
			j->ready[j->n_ready++] = nd->parent;
		pthread_cond_broadcast(&j->changed);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/* Remove what j lists with up to RM_MAX_THREADS threads, this one included. */
static void remove_listed(struct rm_job *j)
{
	pthread_t threads[RM_MAX_THREADS - 1];
	size_t n_threads = 0, want = 1;

	j->ready = ou_xcalloc(j->n, sizeof(*j->ready));
	for (size_t i = j->n; i > 0; i--)
		if (j->nodes[i - 1].pending == 0)
			j->ready[j->n_ready++] = i - 1;
	j->left = j->n;
	/* Counted before the first thread starts taking nodes; more threads
	 * than nodes ready at the start would only wait. */
	if (j->n >= RM_MIN_NODES_FOR_THREADS)
		want = j->n_ready < RM_MAX_THREADS ? j->n_ready : RM_MAX_THREADS;
	while (n_threads + 1 < want && pthread_create(&threads[n_threads], NULL, rm_worker, j) == 0)
		n_threads++;
	rm_worker(j);
	for (size_t i = 0; i < n_threads; i++)
		pthread_join(threads[i], NULL);
	free(j->ready);
}

int ou_remove_tree_parallel(const char *path, struct ou_error **err)
{
	struct rm_job j = { .lock = PTHREAD_MUTEX_INITIALIZER,
			    .changed = PTHREAD_COND_INITIALIZER };
	struct stat st;
	int fd, rc = 0;

	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return ou_remove_tree(path, err);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ou_remove_tree(path, err);
	add_node(&j, ou_xstrdup(path), SIZE_MAX, true);
	if (list_dir(&j, fd, 0, st.st_dev) == 0 && !j.too_long)
		remove_listed(&j);
	if (j.err != NULL) {
		ou_error_prefix(&j.err, "remove '%s'", path);
		if (*err == NULL)
			*err = j.err;
		else
			ou_error_free(j.err);
		rc = -1;
	} else if (j.too_long) {
		/* A path past PATH_MAX: the descriptor-relative walk copes with it. */
		rc = ou_remove_tree(path, err);
	}
	for (size_t i = 0; i < j.n; i++)
		free(j.nodes[i].path);
	free(j.nodes);
	return rc;
}
