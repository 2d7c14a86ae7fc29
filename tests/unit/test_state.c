/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "runtime/base/util.h"
#include "runtime/state.h"

static char root[64];

static void make_root(void)
{
	strcpy(root, "/tmp/ou-state-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
}

static void drop_root(void)
{
	struct ou_error *err = NULL;

	ou_remove_tree(root, &err);
	ou_error_free(err);
}

TestSuite(state, .init = make_root, .fini = drop_root);

struct watcher {
	const char *path;
	atomic_bool stop;
	atomic_int seen;   /* times the directory could be opened */
	atomic_int caught; /* times it was there and not locked */
};

/* What a racing delete --force does: open ROOT/ID, and lock it if it can. */
static void *watch(void *arg)
{
	struct watcher *w = arg;

	while (!atomic_load(&w->stop)) {
		int fd = open(w->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct stat st;

		if (fd < 0)
			continue;
		atomic_fetch_add(&w->seen, 1);
		/* A directory removed already may be unlocked: it does not count. */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 && st.st_nlink > 0)
			atomic_fetch_add(&w->caught, 1);
		close(fd);
	}
	return NULL;
}

/*
 * ROOT/ID is never there unlocked, so a delete --force cannot remove it
 * under a create.  It was made with mkdir and then locked, and a watcher
 * opening it in a loop found it unlocked in that window.
 */
Test(state, directory_appears_already_locked)
{
	char *path = ou_path_join(root, "c");
	struct watcher w = { .path = path };
	pthread_t t;

	cr_assert_eq(pthread_create(&t, NULL, watch, &w), 0);
	for (int i = 0; i < 2000; i++) {
		struct ou_state_dir *sd = NULL;
		struct ou_error *err = NULL;

		cr_assert_eq(ou_state_dir_create(root, "c", &sd, &err), 0, "%s",
			     err ? err->msg : "");
		cr_assert_eq(ou_state_dir_remove(sd, &err), 0, "%s", err ? err->msg : "");
		ou_state_dir_free(sd);
	}
	atomic_store(&w.stop, true);
	pthread_join(t, NULL);
	cr_expect_gt(atomic_load(&w.seen), 0, "the watcher never saw the directory");
	cr_assert_eq(atomic_load(&w.caught), 0, "ROOT/ID was there unlocked %d times",
		     atomic_load(&w.caught));
	free(path);
}

/* An existing container is refused, and nothing is left of the attempt. */
Test(state, existing_id_refused_without_leftovers)
{
	struct ou_state_dir *sd = NULL, *again = NULL;
	struct ou_error *err = NULL;
	char *other = ou_path_join(root, "c/keep");
	int entries = 0;
	DIR *d;

	cr_assert_eq(ou_state_dir_create(root, "c", &sd, &err), 0);
	cr_assert_eq(ou_write_file(other, "k", 1, 0600, &err), 0);
	cr_assert_eq(ou_state_dir_create(root, "c", &again, &err), -1);
	cr_assert_eq(err->kind, OU_E_STATE);
	cr_assert_str_eq(err->msg, "container 'c' already exists");
	cr_assert_null(again);
	d = opendir(root);
	cr_assert_not_null(d);
	while (readdir(d) != NULL)
		entries++;
	closedir(d);
	cr_assert_eq(entries, 3, "a temporary directory is left beside 'c'");
	cr_assert_eq(access(other, F_OK), 0);
	ou_error_free(err);
	ou_state_dir_free(sd);
	free(other);
}
