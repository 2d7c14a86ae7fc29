/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile configs (issue 8): every file of tests/data/hostile is given to
 * `run` and to `create` as the bundle's config.json.  Each must be refused
 * cleanly: exit status 1 (so no crash, which would be 128+N), one line on
 * stderr starting "ociunion: ", within the timeout, and nothing left: no
 * state directory, cgroup or mount (ou_harness_assert_clean_failure), and
 * nothing under the test's own --storage-root (no writable layer, no
 * volume).
 */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/integration/harness.h"

#define H_TIMEOUT 30
#define MIN_FILES 50

TestSuite(hostile, .init = ou_harness_init, .fini = ou_harness_fini);

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_json(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

/* Copy src to dst byte for byte (the files may hold NUL and invalid UTF-8). */
static void copy_file(const char *src, const char *dst)
{
	char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	cr_assert(in >= 0 && out >= 0, "open '%s' or '%s'", src, dst);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n, "write '%s'", dst);
	cr_assert_eq(n, 0, "read '%s'", src);
	close(in);
	close(out);
}

/* Number of entries of dir other than . and ..; 0 if it does not exist. */
static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* The storage root holds no container and no volume. */
static void assert_storage_empty(const char *file)
{
	char *containers = ou_harness_path("storage/containers");
	char *volumes = ou_harness_path("storage/volumes");

	cr_assert_eq(count_entries(containers), 0, "%s: '%s' is not empty", file, containers);
	cr_assert_eq(count_entries(volumes), 0, "%s: '%s' is not empty", file, volumes);
	free(containers);
	free(volumes);
}

/* Give the file to `CMD --bundle BUNDLE ID` and check the refusal. */
static void refuse_one(const char *cmd, const char *bundle, const char *dir, const char *name,
		       const char *storage)
{
	char *src = NULL;
	char *dst = NULL;
	const char *id = ou_harness_new_id();
	struct ou_harness_result res;
	const char *args[] = { "--storage-root", storage, cmd, "--bundle", bundle, id, NULL };

	cr_assert(asprintf(&src, "%s/%s", dir, name) > 0);
	cr_assert(asprintf(&dst, "%s/config.json", bundle) > 0);
	copy_file(src, dst);
	ou_harness_rtv(&res, H_TIMEOUT, args);
	cr_assert(!res.timed_out, "%s %s: no answer within %d s", cmd, name, H_TIMEOUT);
	cr_assert_lt(res.status, 128, "%s %s: killed by signal %d; stderr: %s", cmd, name,
		     res.status - 128, res.err);
	cr_assert_eq(res.status, 1, "%s %s: exit status %d, expected 1; stderr: %s", cmd, name,
		     res.status, res.err);
	ou_harness_assert_clean_failure(&res, id);
	assert_storage_empty(name);
	ou_harness_result_release(&res);
	free(src);
	free(dst);
}

static void refuse_all(const char *cmd)
{
	const char *dir = OU_TEST_DATA "/hostile";
	char *storage = ou_harness_path("storage");
	const char *bundle;
	struct dirent **names;
	int n = scandir(dir, &names, is_json, by_name);

	cr_assert_geq(n, MIN_FILES, "expected at least %d files in '%s', found %d", MIN_FILES, dir,
		      n);
	bundle = ou_harness_new_bundle("hostile-bundle");
	for (int i = 0; i < n; i++) {
		/* create needs no process (config.md: it is required by start) */
		if (strcmp(cmd, "create") != 0 ||
		    strstr(names[i]->d_name, "missing-process") == NULL)
			refuse_one(cmd, bundle, dir, names[i]->d_name, storage);
		free(names[i]);
	}
	free(names);
	free(storage);
}

Test(hostile, run_refuses_every_file, .timeout = 600)
{
	refuse_all("run");
}

Test(hostile, create_refuses_every_file, .timeout = 600)
{
	refuse_all("create");
}

/* A config.json over the 16 MiB limit is refused without being parsed. */
Test(hostile, refuses_a_config_over_16_mib, .timeout = 120)
{
	char *path = ou_harness_path("big-bundle/config.json");
	char *dir = ou_harness_path("big-bundle");
	char *storage = ou_harness_path("storage");
	const char *id = ou_harness_new_id();
	struct ou_harness_result res;
	const char *args[] = { "--storage-root", storage, "run", "--bundle", dir, id, NULL };
	FILE *f;

	ou_harness_mkdir(dir);
	f = fopen(path, "we");
	cr_assert_not_null(f);
	fputs("{\"ociVersion\": \"1.0.2\", \"hostname\": \"", f);
	for (int i = 0; i < 17 * 1024; i++)
		fprintf(f, "%01024d", 0);
	fputs("\"}", f);
	cr_assert_eq(fclose(f), 0);
	ou_harness_rtv(&res, H_TIMEOUT, args);
	cr_assert(!res.timed_out);
	ou_harness_assert_clean_failure(&res, id);
	assert_storage_empty("config.json of 17 MiB");
	ou_harness_result_release(&res);
	free(storage);
	free(dir);
	free(path);
}
