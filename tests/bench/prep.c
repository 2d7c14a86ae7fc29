/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bundles for the benchmark: plain, overlay layers, volume trees. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/bench/bench.h"

/* The same process and namespaces for every runtime (README "Bundles"). */
static const char base_filter[] =
	".ociVersion = \"1.0.2-dev\" | .process.terminal = false"
	" | .process.args = [\"/bin/true\"]"
	" | .linux.namespaces = [{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
	"{\"type\":\"mount\"},{\"type\":\"network\"}]";

/* "a/b", malloc'd. */
static char *join(const char *a, const char *b)
{
	char *s;

	if (asprintf(&s, "%s/%s", a, b) < 0)
		abort();
	return s;
}

/* Run a preparation command; its stderr's last line goes to msg. */
static int run_prep(struct bench_prep *p, char *const argv[], const char *out, char *msg,
		    size_t len)
{
	char *errf = join(p->work, "prep.err");
	struct bench_io io = { out, errf };
	struct bench_result res;
	char line[256];
	int r = spawn_timed(argv, &io, p->timeout_s * 4, &res);

	if (r < 0)
		snprintf(msg, len, "%s: exit %d: %s", argv[0], res.status,
			 spawn_last_line(errf, line, sizeof(line)));
	free(errf);
	return r;
}

/* bundle/config.json = jq FILTER (with $v1 and $v2) applied to src. */
static int write_config(struct bench_prep *p, const char *src, const char *bundle,
			const char *filter, const char *const v[2], char *msg, size_t len)
{
	char *dst = join(bundle, "config.json");
	char *tmp = join(bundle, "config.json.new");
	char *argv[] = { "jq",
			 "--arg",
			 "v1",
			 (char *)(v && v[0] ? v[0] : ""),
			 "--arg",
			 "v2",
			 (char *)(v && v[1] ? v[1] : ""),
			 (char *)filter,
			 (char *)src,
			 NULL };
	int r = run_prep(p, argv, tmp, msg, len);

	if (r == 0 && rename(tmp, dst) < 0) {
		snprintf(msg, len, "rename '%s': %s", tmp, strerror(errno));
		r = -1;
	}
	free(dst);
	free(tmp);
	return r;
}

int prep_base(struct bench_prep *p, char *msg, size_t len)
{
	char *rootfs, *cfg;
	char *mk[] = { "sh", p->mkrootfs, NULL, NULL };
	char *spec[] = { p->ociunion, "spec", "-b", NULL, NULL };
	int r;

	p->bundle = join(p->work, "b");
	p->storage = join(p->work, "storage");
	rootfs = join(p->bundle, "rootfs");
	cfg = join(p->bundle, "config.json");
	mkdir(p->bundle, 0755);
	mk[2] = rootfs;
	spec[3] = p->bundle;
	r = run_prep(p, mk, NULL, msg, len);
	if (r == 0)
		r = run_prep(p, spec, NULL, msg, len);
	if (r == 0)
		r = write_config(p, cfg, p->bundle, base_filter, NULL, msg, len);
	free(rootfs);
	free(cfg);
	return r;
}

static int copy_tree(struct bench_prep *p, const char *src, const char *dst, char *msg, size_t len)
{
	char *argv[] = { "cp", "-a", (char *)src, (char *)dst, NULL };

	return run_prep(p, argv, NULL, msg, len);
}

static int write_file(const char *path, size_t size, unsigned seed)
{
	static char buf[65536];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + (i * 7 + seed) % 26);
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		done += n;
	}
	return close(fd);
}

/* Layers 1..n-1 (0 is the busybox tree): one file each. */
static int make_layers(struct bench_prep *p, int n, char *msg, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/l", p->work);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/l/0", p->work);
	if (access(path, F_OK) < 0) {
		char *src = join(p->bundle, "rootfs");
		int r = copy_tree(p, src, path, msg, len);

		free(src);
		if (r < 0)
			return -1;
	}
	for (int i = 1; i < n; i++) {
		snprintf(path, sizeof(path), "%s/l/%d", p->work, i);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/l/%d/etc", p->work, i);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/l/%d/etc/layer-%d", p->work, i, i);
		if (write_file(path, 64, (unsigned)i) < 0) {
			snprintf(msg, len, "write '%s': %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

char *prep_layers(struct bench_prep *p, int nlayers, char *msg, size_t len)
{
	char name[32], *bundle, *rootfs, *src, *list = NULL;
	size_t cap = 0;
	FILE *f = open_memstream(&list, &cap);
	int r;

	snprintf(name, sizeof(name), "ov%d", nlayers);
	bundle = join(p->work, name);
	rootfs = join(bundle, "rootfs");
	src = join(p->bundle, "config.json");
	for (int i = 0; i < nlayers; i++)
		fprintf(f, "%s%s/l/%d", i ? ":" : "", p->work, i);
	fclose(f);
	mkdir(bundle, 0755);
	mkdir(rootfs, 0755);
	r = make_layers(p, nlayers, msg, len);
	if (r == 0)
		r = write_config(p, src, bundle,
				 ".annotations[\"org.ociunion.rootfs.layers\"] = $v1",
				 (const char *const[2]){ list, NULL }, msg, len);
	free(rootfs);
	free(src);
	free(list);
	if (r < 0) {
		free(bundle);
		return NULL;
	}
	return bundle;
}

/* rootfs/data/dNN/fNNN: nfiles files of size bytes, 100 per directory. */
static int make_data(const char *rootfs, int nfiles, size_t size, char *msg, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/data", rootfs);
	mkdir(path, 0755);
	for (int i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/data/d%03d", rootfs, i / 100);
		if (i % 100 == 0 && mkdir(path, 0755) < 0 && errno != EEXIST)
			goto fail;
		snprintf(path, sizeof(path), "%s/data/d%03d/f%03d", rootfs, i / 100, i % 100);
		if (write_file(path, size, (unsigned)i) < 0)
			goto fail;
	}
	return 0;
fail:
	snprintf(msg, len, "write '%s': %s", path, strerror(errno));
	return -1;
}

/* The check a volume bundle runs: /data is a mount point and was filled. */
static char *volume_check(int nfiles, bool must)
{
	char *c;

	if (asprintf(&c, "grep -q ' /data ' /proc/self/mountinfo %s test -f /data/d%03d/f%03d%s",
		     must ? "&&" : ";", (nfiles - 1) / 100, (nfiles - 1) % 100,
		     must ? "" : "; exit 0") < 0)
		abort();
	return c;
}

static const char volume_filter[] = ".process.args = [\"/bin/sh\", \"-c\", $v2]"
				    " | if $v1 == \"\" then . else"
				    " .annotations[\"org.ociunion.volumes\"] = $v1 end";

char *prep_volume(struct bench_prep *p, const char *name, int nfiles, size_t size, char *msg,
		  size_t len)
{
	char *bundle = join(p->work, name);
	char *rootfs = join(bundle, "rootfs");
	char *src = join(p->bundle, "rootfs");
	char *cfg = join(p->bundle, "config.json");
	char *check = volume_check(nfiles, true);
	int r;

	mkdir(bundle, 0755);
	r = copy_tree(p, src, rootfs, msg, len);
	if (r == 0)
		r = make_data(rootfs, nfiles, size, msg, len);
	if (r == 0)
		r = write_config(p, cfg, bundle, volume_filter,
				 (const char *const[2]){ "/data", check }, msg, len);
	free(rootfs);
	free(src);
	free(cfg);
	free(check);
	sync();
	if (r < 0) {
		free(bundle);
		return NULL;
	}
	return bundle;
}

char *prep_volume_base(struct bench_prep *p, char *msg, size_t len)
{
	char *bundle = join(p->work, "v0");
	char *cfg = join(p->bundle, "config.json");
	char *check = volume_check(1000, false);
	char *filter;
	int r;

	if (asprintf(&filter, "%s | .root.path = \"%s/rootfs\"", volume_filter, p->bundle) < 0)
		abort();
	mkdir(bundle, 0755);
	r = write_config(p, cfg, bundle, filter, (const char *const[2]){ "", check }, msg, len);
	free(cfg);
	free(check);
	free(filter);
	if (r < 0) {
		free(bundle);
		return NULL;
	}
	return bundle;
}

static int cmp_len_desc(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);

	return (x < y) - (x > y);
}

void prep_unmount_below(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[8192], mp[4096], *list[1024];
	size_t dl = strlen(dir);
	int n = 0;

	if (!f)
		return;
	while (n < 1024 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		if (strncmp(mp, dir, dl) == 0 && (mp[dl] == '/' || mp[dl] == '\0'))
			list[n++] = strdup(mp);
	}
	fclose(f);
	qsort(list, (size_t)n, sizeof(char *), cmp_len_desc);
	for (int i = 0; i < n; i++) {
		if (list[i])
			umount2(list[i], MNT_DETACH);
		free(list[i]);
	}
}

void prep_remove(const char *path)
{
	char *argv[] = { "rm", "-rf", "--one-file-system", (char *)path, NULL };
	struct bench_result res;

	prep_unmount_below(path);
	spawn_timed(argv, NULL, 300, &res);
}
