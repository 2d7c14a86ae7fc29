/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ociunion benchmark driver: see tests/bench/README.md.  Every figure is
 * measured round by round, each runtime once per round and figure, in an
 * order rotated each round, so load drifts hit all runtimes alike.
 */
#include <config.h>

#include "tests/bench/bench.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
	F_RUN = 1 << 0,
	F_CSD = 1 << 1,
	F_SIZE = 1 << 2,
	F_LAYERS = 1 << 3,
	F_VOLUMES = 1 << 4,
	F_MANY = 1 << 5,
	F_ALL = (1 << 6) - 1
};

static const char *const figure_names[] = { "run", "csd", "size", "layers", "volumes", "many" };

#define ARG_MAX_BENCH 32
#define EXTRA_RUN     2 /* run rows: bare /bin/true direct and via the helper */
#define NLAYER_ROWS   4
#define NVOL_ROWS     5

struct live {
	int rt;
	char id[64];
};

struct bench {
	struct bench_runtime rt[RT_COUNT];
	struct bench_prep prep;
	int rounds, many, max_s;
	unsigned figures;
	char *errlog;
	char *state_fs;	  /* where the state roots are: "tmpfs" or why not */
	const char *hint; /* reason shown for a failure without a message */
	char *ov[3], *vol0, *vol1k, *vol10k;
	struct live *live;
	int nlive, live_cap;
	struct stats_series run[RT_COUNT + EXTRA_RUN];
	struct stats_series create[RT_COUNT], start[RT_COUNT], del[RT_COUNT];
	struct stats_series rss[RT_COUNT], pss[RT_COUNT];
	struct stats_series layers[NLAYER_ROWS], lstart[NLAYER_ROWS], ldel[NLAYER_ROWS];
	struct stats_series vol[NVOL_ROWS];
	struct stats_series mcreate[RT_COUNT], mpss[RT_COUNT], mdel[RT_COUNT];
};

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		abort();
	return s;
}

/* ---- running runtime commands ---- */

/* argv: runtime, its global options, then the NULL-terminated args. */
static int rt_exec(struct bench *b, int r, struct bench_result *res, char *const args[])
{
	struct bench_runtime *rt = &b->rt[r];
	struct bench_io io = { NULL, b->errlog };
	char *argv[ARG_MAX_BENCH];
	int n = 0;

	argv[n++] = rt->path;
	argv[n++] = "--root";
	argv[n++] = rt->root;
	if (r == RT_OCIUNION) {
		argv[n++] = "--storage-root";
		argv[n++] = b->prep.storage;
	}
	for (int i = 0; args[i] && n < ARG_MAX_BENCH - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (rt->via_helper)
		return spawn_helper_run(argv, &io, b->prep.timeout_s, res);
	return spawn_timed(argv, &io, b->prep.timeout_s, res);
}

/* The error of the last command, for a "not available" row. */
static char *last_error(struct bench *b, const struct bench_result *res, char *buf, size_t len)
{
	char line[200];

	spawn_last_line(b->errlog, line, sizeof(line));
	if (!line[0])
		snprintf(line, sizeof(line), "%s", b->hint ? b->hint : "nothing on stderr");
	if (res->status < 0)
		snprintf(buf, len, "did not finish: %s", line);
	else
		snprintf(buf, len, "exit %d: %s", res->status, line);
	return buf;
}

static void track(struct bench *b, int r, const char *id)
{
	if (b->nlive == b->live_cap) {
		b->live_cap = b->live_cap ? b->live_cap * 2 : 64;
		b->live = realloc(b->live, sizeof(*b->live) * (size_t)b->live_cap);
		if (!b->live)
			abort();
	}
	b->live[b->nlive].rt = r;
	snprintf(b->live[b->nlive].id, sizeof(b->live[0].id), "%s", id);
	b->nlive++;
}

static void untrack(struct bench *b, int r, const char *id)
{
	for (int i = b->nlive - 1; i >= 0; i--) {
		if (b->live[i].rt == r && strcmp(b->live[i].id, id) == 0) {
			b->live[i] = b->live[--b->nlive];
			return;
		}
	}
}

/* delete --force, untimed; the container is forgotten either way. */
static void force_delete(struct bench *b, int r, const char *id)
{
	char *args[] = { "delete", "--force", (char *)id, NULL };
	struct bench_result res;

	rt_exec(b, r, &res, args);
	untrack(b, r, id);
}

static void cleanup_all(struct bench *b)
{
	while (b->nlive > 0) {
		struct live l = b->live[b->nlive - 1];

		force_delete(b, l.rt, l.id);
	}
	spawn_reap_orphans();
	spawn_helper_stop();
	if (b->prep.work)
		prep_remove(b->prep.work);
}

static bool rt_usable(struct bench *b, int r)
{
	return b->rt[r].path != NULL;
}

/* ---- figure: run ---- */

static void run_floor(struct bench *b, struct stats_series *s)
{
	char *rootfs = xprintf("%s/rootfs", b->prep.bundle);
	char *argv[] = { "unshare", "--pid",  "--ipc", "--uts",	    "--mount", "--net",
			 "--fork",  "chroot", rootfs,  "/bin/true", NULL };
	struct bench_io io = { NULL, b->errlog };
	struct bench_result res;
	char msg[256];

	if (spawn_timed(argv, &io, b->prep.timeout_s, &res) == 0)
		stats_add(s, res.ms);
	else
		stats_fail(s, last_error(b, &res, msg, sizeof(msg)));
	free(rootfs);
}

/* One timed foreground `run` of bundle; the sample goes to s. */
static void run_once(struct bench *b, int r, const char *bundle, const char *tag, int k,
		     struct stats_series *s)
{
	char id[64], msg[256];
	char *args[] = { "run", "-b", (char *)bundle, id, NULL };
	struct bench_result res;

	if (!stats_ok(s))
		return;
	snprintf(id, sizeof(id), "oub-%s-%s-%d", tag, b->rt[r].name, k);
	track(b, r, id);
	if (rt_exec(b, r, &res, args) == 0) {
		stats_add(s, res.ms);
		untrack(b, r, id);
	} else {
		stats_fail(s, last_error(b, &res, msg, sizeof(msg)));
		force_delete(b, r, id);
	}
	spawn_reap_orphans();
}

static void run_bare(bool helper, struct stats_series *s)
{
	char *argv[] = { "/bin/true", NULL };
	struct bench_result res;
	int r;

	r = helper ? spawn_helper_run(argv, NULL, 10, &res) : spawn_timed(argv, NULL, 10, &res);
	if (r == 0)
		stats_add(s, res.ms);
	else
		stats_fail(s, "could not run /bin/true");
}

static void fig_run(struct bench *b, int k)
{
	for (int i = 0; i < RT_COUNT && !bench_stop; i++) {
		int r = (i + k) % RT_COUNT;

		if (!rt_usable(b, r))
			continue;
		if (r == RT_FLOOR)
			run_floor(b, &b->run[r]);
		else
			run_once(b, r, b->prep.bundle, "run", k, &b->run[r]);
	}
	run_bare(false, &b->run[RT_COUNT]);
	if (spawn_helper_pid() > 0)
		run_bare(true, &b->run[RT_COUNT + 1]);
}

/* ---- figure: create, start, delete, peak RSS, Pss ---- */

static long created_pss(const char *pidfile, const char *id)
{
	pid_t pid = procmem_read_pidfile(pidfile);
	struct procmem_table *t;
	long kb = -1;

	if (pid <= 0)
		return -1;
	t = procmem_scan();
	if (t && procmem_mark(t, pid, id, getpid(), spawn_helper_pid()) > 0)
		kb = procmem_pss_kb(t);
	procmem_free(t);
	return kb;
}

static bool csd_step(struct bench *b, int r, char *const args[], struct stats_series *s,
		     struct bench_result *res)
{
	char msg[256];

	if (rt_exec(b, r, res, args) == 0) {
		stats_add(s, res->ms);
		return true;
	}
	stats_fail(s, last_error(b, res, msg, sizeof(msg)));
	return false;
}

static void csd_once(struct bench *b, int r, int k)
{
	char id[64], *pidfile = xprintf("%s/csd.pid", b->prep.work);
	char *cargs[] = { "create", "--pid-file", pidfile, "-b", b->prep.bundle, id, NULL };
	char *sargs[] = { "start", id, NULL };
	char *dargs[] = { "delete", id, NULL };
	struct bench_result res;

	snprintf(id, sizeof(id), "oub-csd-%s-%d", b->rt[r].name, k);
	unlink(pidfile);
	track(b, r, id);
	if (csd_step(b, r, cargs, &b->create[r], &res)) {
		long kb = created_pss(pidfile, id);

		stats_add(&b->rss[r], (double)res.maxrss_kb);
		if (kb >= 0)
			stats_add(&b->pss[r], (double)kb);
		else
			stats_fail(&b->pss[r], "no process of the created container found");
		if (csd_step(b, r, sargs, &b->start[r], &res)) {
			procmem_wait_exit(procmem_read_pidfile(pidfile), 5000);
			if (csd_step(b, r, dargs, &b->del[r], &res))
				untrack(b, r, id);
		}
	} else {
		stats_fail(&b->rss[r], "create failed");
		stats_fail(&b->pss[r], "create failed");
	}
	force_delete(b, r, id);
	free(pidfile);
}

static void fig_csd(struct bench *b, int k)
{
	for (int i = 0; i < RT_COUNT && !bench_stop; i++) {
		int r = (i + k) % RT_COUNT;

		if (r != RT_FLOOR && rt_usable(b, r) && stats_ok(&b->create[r]))
			csd_once(b, r, k);
	}
}

/* ---- figure: overlay layers (ociunion only) ---- */

/*
 * The overlay goal is time added to a container's start, so the
 * figure splits what `run` does: create + start (one sample, their sum)
 * and the delete of the stopped container, the teardown `run` includes.
 */
static void layers_csd_once(struct bench *b, const char *bundle, const char *tag, int k, int j)
{
	char id[64], *pidfile = xprintf("%s/layers.pid", b->prep.work);
	char *cargs[] = { "create", "--pid-file", pidfile, "-b", (char *)bundle, id, NULL };
	char *sargs[] = { "start", id, NULL };
	char *dargs[] = { "delete", id, NULL };
	struct bench_result cres, sres, dres;
	char msg[256];

	snprintf(id, sizeof(id), "oub-cs-%s-%d", tag, k);
	unlink(pidfile);
	track(b, RT_OCIUNION, id);
	if (rt_exec(b, RT_OCIUNION, &cres, cargs) < 0) {
		stats_fail(&b->lstart[j], last_error(b, &cres, msg, sizeof(msg)));
	} else if (rt_exec(b, RT_OCIUNION, &sres, sargs) < 0) {
		stats_fail(&b->lstart[j], last_error(b, &sres, msg, sizeof(msg)));
	} else {
		stats_add(&b->lstart[j], cres.ms + sres.ms);
		procmem_wait_exit(procmem_read_pidfile(pidfile), 5000);
		if (rt_exec(b, RT_OCIUNION, &dres, dargs) == 0) {
			stats_add(&b->ldel[j], dres.ms);
			untrack(b, RT_OCIUNION, id);
		} else {
			stats_fail(&b->ldel[j], last_error(b, &dres, msg, sizeof(msg)));
		}
	}
	if (!stats_ok(&b->lstart[j]))
		stats_fail(&b->ldel[j], "create or start failed");
	force_delete(b, RT_OCIUNION, id);
	spawn_reap_orphans();
	free(pidfile);
}

static void fig_layers(struct bench *b, int k)
{
	const char *bundles[NLAYER_ROWS] = { b->prep.bundle, b->ov[0], b->ov[1], b->ov[2] };
	const char *tags[NLAYER_ROWS] = { "plain", "ov1", "ov10", "ov128" };

	for (int i = 0; i < NLAYER_ROWS && !bench_stop; i++) {
		int j = (i + k) % NLAYER_ROWS;

		if (!bundles[j]) {
			stats_fail(&b->layers[j], "bundle could not be made");
			stats_fail(&b->lstart[j], "bundle could not be made");
			stats_fail(&b->ldel[j], "bundle could not be made");
			continue;
		}
		run_once(b, RT_OCIUNION, bundles[j], tags[j], k, &b->layers[j]);
		prep_remove(b->prep.storage);
		if (bench_stop || !stats_ok(&b->lstart[j]))
			continue;
		layers_csd_once(b, bundles[j], tags[j], k, j);
		prep_remove(b->prep.storage);
	}
}

/* ---- figure: volume pre-fill (ociunion) against cp -a ---- */

static void cp_once(struct bench *b, const char *bundle, struct stats_series *s)
{
	char *src = xprintf("%s/rootfs/data", bundle);
	char *dst = xprintf("%s/cpdst", b->prep.work);
	char *argv[] = { "cp", "-a", "--reflink=auto", src, dst, NULL };
	struct bench_io io = { NULL, b->errlog };
	struct bench_result res;
	char msg[256];

	prep_remove(dst);
	sync();
	if (spawn_timed(argv, &io, b->prep.timeout_s, &res) == 0)
		stats_add(s, res.ms);
	else
		stats_fail(s, last_error(b, &res, msg, sizeof(msg)));
	prep_remove(dst);
	sync();
	free(src);
	free(dst);
}

static void fig_volumes(struct bench *b, int k)
{
	static const char *const tags[NVOL_ROWS] = { "v0", "v1k", "", "v10k", "" };

	for (int i = 0; i < NVOL_ROWS && !bench_stop; i++) {
		int j = (i + k) % NVOL_ROWS;
		const char *vb = j == 0 ? b->vol0 : j <= 2 ? b->vol1k : b->vol10k;

		prep_remove(b->prep.storage);
		sync();
		b->hint = "the container found no filled volume mounted at /data";
		if (!vb)
			stats_fail(&b->vol[j], "bundle could not be made");
		else if (j != 2 && j != 4)
			run_once(b, RT_OCIUNION, vb, tags[j], k, &b->vol[j]);
		else
			cp_once(b, vb, &b->vol[j]);
		b->hint = NULL;
	}
	prep_remove(b->prep.storage);
	sync();
}

/* ---- figure: many containers created and kept waiting ---- */

/* Create b->many containers; returns how many exist, total ms in *ms. */
static int many_create(struct bench *b, int r, int k, double *ms, char *msg, size_t len)
{
	char id[64], pidfile[4096];
	char *args[] = { "create", "--pid-file", pidfile, "-b", b->prep.bundle, id, NULL };
	struct bench_result res;
	int i;

	*ms = 0;
	for (i = 0; i < b->many && !bench_stop; i++) {
		snprintf(id, sizeof(id), "oub-m-%s-%d-%d", b->rt[r].name, k, i);
		snprintf(pidfile, sizeof(pidfile), "%s/m/%d.pid", b->prep.work, i);
		track(b, r, id);
		if (rt_exec(b, r, &res, args) < 0) {
			last_error(b, &res, msg, len);
			force_delete(b, r, id);
			break;
		}
		*ms += res.ms;
	}
	return i;
}

static long many_pss(struct bench *b, int r, int k, int n)
{
	struct procmem_table *t = procmem_scan();
	char id[64], pidfile[4096];
	long kb = -1;

	for (int i = 0; t && i < n; i++) {
		snprintf(id, sizeof(id), "oub-m-%s-%d-%d", b->rt[r].name, k, i);
		snprintf(pidfile, sizeof(pidfile), "%s/m/%d.pid", b->prep.work, i);
		procmem_mark(t, procmem_read_pidfile(pidfile), id, getpid(), spawn_helper_pid());
	}
	if (t)
		kb = procmem_pss_kb(t);
	procmem_free(t);
	return kb;
}

/* delete --force every one, timed; returns the total or -1 if one failed. */
static double many_delete(struct bench *b, int r, int k, int n, char *msg, size_t len)
{
	char id[64];
	char *args[] = { "delete", "--force", id, NULL };
	struct bench_result res;
	double total = 0;
	bool ok = true;

	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "oub-m-%s-%d-%d", b->rt[r].name, k, i);
		if (rt_exec(b, r, &res, args) == 0) {
			untrack(b, r, id);
		} else if (ok) {
			last_error(b, &res, msg, len);
			ok = false;
		}
		total += res.ms;
	}
	spawn_reap_orphans();
	return ok ? total : -1;
}

static void many_once(struct bench *b, int r, int k)
{
	char msg[256] = "", *dir = xprintf("%s/m", b->prep.work);
	double ms;
	int n;
	long kb;

	mkdir(dir, 0755);
	n = many_create(b, r, k, &ms, msg, sizeof(msg));
	kb = n == b->many ? many_pss(b, r, k, n) : -1;
	if (n == b->many) {
		stats_add(&b->mcreate[r], ms);
		if (kb >= 0)
			stats_add(&b->mpss[r], (double)kb / 1024.0);
		else
			stats_fail(&b->mpss[r], "no process of the created containers found");
	} else {
		stats_fail(&b->mcreate[r], bench_stop ? "interrupted" : msg);
		stats_fail(&b->mpss[r], "create failed");
	}
	ms = many_delete(b, r, k, n, msg, sizeof(msg));
	if (n == b->many && ms >= 0)
		stats_add(&b->mdel[r], ms);
	else
		stats_fail(&b->mdel[r], n == b->many ? msg : "create failed");
	while (b->nlive > 0)
		force_delete(b, b->live[b->nlive - 1].rt, b->live[b->nlive - 1].id);
	free(dir);
}

static void fig_many(struct bench *b, int k)
{
	for (int i = 0; i < RT_COUNT && !bench_stop; i++) {
		int r = (i + k) % RT_COUNT;

		if (r != RT_FLOOR && rt_usable(b, r) && stats_ok(&b->mcreate[r]))
			many_once(b, r, k);
	}
}

/* ---- figure: binary size and shared libraries ---- */

static char *find_in_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *found = NULL;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? realpath(name, NULL) : NULL;
	copy = xprintf("%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *c = xprintf("%s/%s", dir, name);

		if (access(c, X_OK) == 0)
			found = realpath(c, NULL);
		free(c);
	}
	free(copy);
	return found;
}

/* Shared libraries ldd lists (the vdso has no file and is not counted). */
static int count_libs(struct bench *b, const char *bin)
{
	char *out = xprintf("%s/ldd.out", b->prep.work);
	char *argv[] = { "ldd", (char *)bin, NULL };
	struct bench_io io = { out, NULL };
	struct bench_result res;
	char line[512];
	FILE *f;
	int n = 0;

	spawn_timed(argv, &io, 30, &res);
	f = fopen(out, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "=> /") || line[strspn(line, " \t")] == '/')
			n++;
	}
	if (f)
		fclose(f);
	free(out);
	return n;
}

static void size_row(struct bench *b, const char *label, const char *bin)
{
	struct stat st;

	if (!bin || stat(bin, &st) < 0) {
		printf("  %-10s not available\n", label);
		return;
	}
	printf("  %-10s %10lld bytes %3d shared libraries  %s\n", label, (long long)st.st_size,
	       count_libs(b, bin), bin);
}

static void fig_size(struct bench *b)
{
	char *unshare = find_in_path("unshare"), *chroot = find_in_path("chroot");

	printf("\nbinary size (bytes) and shared libraries (ldd, vdso not counted)\n");
	for (int r = 0; r < RT_FLOOR; r++)
		size_row(b, b->rt[r].name, b->rt[r].path);
	size_row(b, "unshare", unshare);
	size_row(b, "chroot", chroot);
	free(unshare);
	free(chroot);
}

/* ---- set-up ---- */

static void init_rows(struct bench *b)
{
	static const char *const extra[EXTRA_RUN] = { "bare /bin/true (bench process)",
						      "bare /bin/true (crun helper)" };
	static const char *const lrows[NLAYER_ROWS] = { "plain rootfs", "overlay, 1 layer",
							"overlay, 10 layers",
							"overlay, 128 layers" };
	static const char *const vrows[NVOL_ROWS] = { "run sh check, no volume",
						      "run + volume 1000 files 100 MiB",
						      "cp -a 1000 files 100 MiB",
						      "run + volume 10000 files 1 KiB",
						      "cp -a 10000 files 1 KiB" };
	int n = b->rounds;

	for (int r = 0; r < RT_COUNT; r++) {
		stats_init(&b->run[r], b->rt[r].name, n);
		stats_init(&b->create[r], b->rt[r].name, n);
		stats_init(&b->start[r], b->rt[r].name, n);
		stats_init(&b->del[r], b->rt[r].name, n);
		stats_init(&b->rss[r], b->rt[r].name, n);
		stats_init(&b->pss[r], b->rt[r].name, n);
		stats_init(&b->mcreate[r], b->rt[r].name, n);
		stats_init(&b->mpss[r], b->rt[r].name, n);
		stats_init(&b->mdel[r], b->rt[r].name, n);
	}
	for (int i = 0; i < EXTRA_RUN; i++)
		stats_init(&b->run[RT_COUNT + i], extra[i], n);
	for (int i = 0; i < NLAYER_ROWS; i++) {
		stats_init(&b->layers[i], lrows[i], n);
		stats_init(&b->lstart[i], lrows[i], n);
		stats_init(&b->ldel[i], lrows[i], n);
	}
	for (int i = 0; i < NVOL_ROWS; i++)
		stats_init(&b->vol[i], vrows[i], n);
}

/* Rows of a runtime that is not installed say so instead of a number. */
static void fail_missing(struct bench *b)
{
	struct stats_series *sets[] = { b->run, b->create,  b->start, b->del, b->rss,
					b->pss, b->mcreate, b->mpss,  b->mdel };

	for (int r = 0; r < RT_COUNT; r++) {
		for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]) && !rt_usable(b, r); i++)
			stats_fail(&sets[i][r], "not installed or not selected");
	}
	if (!rt_usable(b, RT_OCIUNION)) {
		for (int i = 0; i < NLAYER_ROWS; i++) {
			stats_fail(&b->layers[i], "ociunion not available");
			stats_fail(&b->lstart[i], "ociunion not available");
			stats_fail(&b->ldel[i], "ociunion not available");
		}
		stats_fail(&b->vol[0], "ociunion not available");
		stats_fail(&b->vol[1], "ociunion not available");
		stats_fail(&b->vol[3], "ociunion not available");
	}
}

static void make_extra_bundles(struct bench *b)
{
	static const int nl[3] = { 1, 10, 128 };
	char msg[512];

	for (int i = 0; i < 3 && (b->figures & F_LAYERS); i++) {
		b->ov[i] = prep_layers(&b->prep, nl[i], msg, sizeof(msg));
		if (!b->ov[i])
			fprintf(stderr, "bench: layers bundle: %s\n", msg);
	}
	if (!(b->figures & F_VOLUMES))
		return;
	b->vol0 = prep_volume_base(&b->prep, msg, sizeof(msg));
	if (!b->vol0)
		fprintf(stderr, "bench: volume bundle: %s\n", msg);
	b->vol1k = prep_volume(&b->prep, "v1k", 1000, 104857, msg, sizeof(msg));
	if (!b->vol1k)
		fprintf(stderr, "bench: volume bundle: %s\n", msg);
	b->vol10k = prep_volume(&b->prep, "v10k", 10000, 1024, msg, sizeof(msg));
	if (!b->vol10k)
		fprintf(stderr, "bench: volume bundle: %s\n", msg);
}

static int make_work(struct bench *b, const char *base)
{
	char msg[512];
	char *run;

	b->prep.work = xprintf("%s/oub.XXXXXX", base);
	if (!mkdtemp(b->prep.work)) {
		perror("bench: mkdtemp");
		free(b->prep.work);
		b->prep.work = NULL;
		return -1;
	}
	b->errlog = xprintf("%s/cmd.err", b->prep.work);
	/*
	 * The state roots go on a tmpfs of their own, as /run is on a usual
	 * host (not on this VM): what a state write costs is then what it
	 * costs where runtimes normally keep state, for every runtime alike.
	 */
	run = xprintf("%s/run", b->prep.work);
	mkdir(run, 0755);
	if (mount("tmpfs", run, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64m") == 0)
		b->state_fs = xstrdup("a tmpfs, as /run usually is");
	else
		b->state_fs =
			xprintf("the work directory's filesystem (tmpfs: %s)", strerror(errno));
	for (int r = 0; r < RT_FLOOR; r++) {
		b->rt[r].root = xprintf("%s/state-%s", run, b->rt[r].name);
		mkdir(b->rt[r].root, 0700);
	}
	free(run);
	if (prep_base(&b->prep, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "bench: base bundle: %s\n", msg);
		return -1;
	}
	make_extra_bundles(b);
	return 0;
}

static void start_helper(struct bench *b)
{
	char msg[256];

	if (!rt_usable(b, RT_CRUN))
		return;
	if (spawn_helper_start(msg, sizeof(msg)) < 0) {
		fprintf(stderr, "bench: crun helper: %s; crun not measured\n", msg);
		free(b->rt[RT_CRUN].path);
		b->rt[RT_CRUN].path = NULL;
		return;
	}
	b->rt[RT_CRUN].via_helper = true;
}

/* ---- report ---- */

static void print_version(struct bench *b, int r)
{
	char *out = xprintf("%s/version.out", b->prep.work);
	char *argv[] = { b->rt[r].path, "--version", NULL };
	struct bench_io io = { out, NULL };
	struct bench_result res;
	char line[256] = "";
	FILE *f;

	spawn_timed(argv, &io, 10, &res);
	f = fopen(out, "r");
	if (f && fgets(line, sizeof(line), f))
		line[strcspn(line, "\n")] = '\0';
	if (f)
		fclose(f);
	printf("  %-9s %s (%s)\n", b->rt[r].name, b->rt[r].path, line);
	free(out);
}

static void print_loadavg(const char *when)
{
	char buf[128] = "";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f && fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
	printf("load average %s: %s\n", when, buf);
}

static void print_header(struct bench *b)
{
	time_t t = time(NULL);
	char date[64];

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
	printf("ociunion benchmark, %s, %d rounds, %ld CPUs\n", date, b->rounds,
	       sysconf(_SC_NPROCESSORS_ONLN));
	print_loadavg("at start");
	printf("bundle: %s (busybox, /bin/true, namespaces pid ipc uts mount network)\n",
	       b->prep.bundle);
	printf("how each runtime is run (own --root under %s/run, on %s; stdin/stdout "
	       "/dev/null):\n",
	       b->prep.work, b->state_fs);
	for (int r = 0; r < RT_FLOOR; r++) {
		if (rt_usable(b, r))
			print_version(b, r);
	}
	printf("  ociunion, runc: fork and exec from the bench, timed to wait4\n");
	if (rt_usable(b, RT_CRUN))
		printf("  crun: fork and exec from a helper that unshared a mount namespace once and "
		       "unmounted /sys/fs/cgroup/unified (crun 1.8 refuses hybrid hosts); the "
		       "helper times it the same way\n");
	printf("  floor: unshare --pid --ipc --uts --mount --net --fork chroot ROOTFS /bin/true\n");
	fflush(stdout);
}

/* Time the pre-fill adds to run, against cp -a of the same tree. */
static void print_fill(struct bench *b, int run_row, int cp_row, const char *what)
{
	double base = stats_median(&b->vol[0]);
	double run = stats_median(&b->vol[run_row]);
	double cp = stats_median(&b->vol[cp_row]);

	if (base < 0 || run < 0 || cp <= 0) {
		printf("  pre-fill %s: not available\n", what);
		return;
	}
	printf("  pre-fill %s: %.2f ms added to run, cp -a %.2f ms, ratio %.2f\n", what, run - base,
	       cp, (run - base) / cp);
}

/* The overlay goal is judged on create+start; `run` adds the teardown. */
static void print_layers(struct bench *b)
{
	static const char run[] = "ociunion run, overlay rootfs against plain";
	static const char start[] =
		"ociunion create+start (a container's start), overlay rootfs against plain";
	static const char del[] =
		"ociunion delete of the stopped container, overlay rootfs against plain";

	stats_print(run, "ms", b->layers, NLAYER_ROWS, 0, 0);
	stats_print(start, "ms", b->lstart, NLAYER_ROWS, 0, 0);
	stats_print(del, "ms", b->ldel, NLAYER_ROWS, 0, 0);
}

static void print_tables(struct bench *b)
{
	int nrun = RT_COUNT + EXTRA_RUN;

	if (b->figures & F_RUN)
		stats_print("run /bin/true, foreground, includes delete", "ms", b->run, nrun,
			    RT_OCIUNION, -1);
	if (b->figures & F_CSD) {
		stats_print("create", "ms", b->create, RT_FLOOR, RT_OCIUNION, -1);
		stats_print("start", "ms", b->start, RT_FLOOR, RT_OCIUNION, -1);
		stats_print("delete (stopped container)", "ms", b->del, RT_FLOOR, RT_OCIUNION, -1);
		stats_print("peak RSS of the create command, wait4 ru_maxrss", "KiB", b->rss,
			    RT_FLOOR, RT_OCIUNION, -1);
		stats_print("memory held by a created container, sum of Pss", "KiB", b->pss,
			    RT_FLOOR, RT_OCIUNION, -1);
	}
	if (b->figures & F_SIZE)
		fig_size(b);
	if (b->figures & F_LAYERS)
		print_layers(b);
	if (b->figures & F_VOLUMES) {
		stats_print("ociunion run with a pre-filled volume; cp -a --reflink=auto of /data",
			    "ms", b->vol, NVOL_ROWS, -1, 0);
		print_fill(b, 1, 2, "1000 files, 100 MiB");
		print_fill(b, 3, 4, "10000 files, 1 KiB each");
	}
	if (b->figures & F_MANY) {
		char title[128];

		snprintf(title, sizeof(title), "%d containers: create all", b->many);
		stats_print(title, "ms total", b->mcreate, RT_FLOOR, RT_OCIUNION, -1);
		snprintf(title, sizeof(title), "%d containers created: sum of Pss", b->many);
		stats_print(title, "MiB", b->mpss, RT_FLOOR, RT_OCIUNION, -1);
		snprintf(title, sizeof(title), "%d containers: delete --force all", b->many);
		stats_print(title, "ms total", b->mdel, RT_FLOOR, RT_OCIUNION, -1);
	}
	printf("\n");
	print_loadavg("at end");
}

/* ---- options and main ---- */

static void usage(FILE *f)
{
	fprintf(f, "usage: bench [-r ROUNDS] [-f FIGURES] [-R RUNTIMES] [--ociunion PATH]\n"
		   "             [--crun PATH] [--runc PATH] [--mkrootfs PATH] [--many N]\n"
		   "             [--timeout S] [--max-seconds S] [--workdir DIR]\n"
		   "FIGURES: comma-separated run,csd,size,layers,volumes,many (default all)\n"
		   "  layers: ociunion only, plain rootfs and overlays of 1, 10 and 128 layers,\n"
		   "  each round: `run` (includes the teardown), create+start summed (a\n"
		   "  container's start, what the overlay goal is judged on) and delete of\n"
		   "  the stopped container (the teardown); three tables, each with the\n"
		   "  time added over the plain rootfs\n"
		   "RUNTIMES: comma-separated ociunion,crun,runc,floor (default all installed)\n");
}

static int parse_list(const char *arg, const char *const names[], int n, unsigned *mask)
{
	char *copy = xstrdup(arg), *save = NULL;
	int r = 0;

	*mask = 0;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < n && strcmp(w, names[i]) != 0; i++)
			;
		if (i == n) {
			fprintf(stderr, "bench: unknown name '%s'\n", w);
			r = -1;
		}
		*mask |= 1u << i;
	}
	free(copy);
	return r;
}

struct opts {
	const char *paths[RT_COUNT];
	const char *workdir;
	unsigned runtimes;
};

static int parse_num(const char *arg, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end || v < lo || v > hi) {
		fprintf(stderr, "bench: '%s' is not a number in %d..%d\n", arg, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static const char *const rt_names[RT_COUNT] = { "ociunion", "crun", "runc", "floor" };

/* One option of parse_opts(); -1 if it is bad. */
static int apply_opt(struct bench *b, struct opts *o, int c)
{
	switch (c) {
	case 'r':
		return parse_num(optarg, 1, 1000, &b->rounds);
	case 'f':
		return parse_list(optarg, figure_names, 6, &b->figures);
	case 'R':
		return parse_list(optarg, rt_names, RT_COUNT, &o->runtimes);
	case 'o':
	case 'c':
	case 'u':
		o->paths[c == 'o' ? RT_OCIUNION : c == 'c' ? RT_CRUN : RT_RUNC] = optarg;
		return 0;
	case 'm':
		b->prep.mkrootfs = xstrdup(optarg);
		return 0;
	case 'n':
		return parse_num(optarg, 1, 1000, &b->many);
	case 't':
		return parse_num(optarg, 1, 3600, &b->prep.timeout_s);
	case 'M':
		return parse_num(optarg, 10, 86400, &b->max_s);
	case 'w':
		o->workdir = optarg;
		return 0;
	case 'h':
		usage(stdout);
		exit(0);
	default:
		return -1;
	}
}

static int parse_opts(struct bench *b, struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rounds", 1, NULL, 'r' },   { "figures", 1, NULL, 'f' },
		{ "runtimes", 1, NULL, 'R' }, { "ociunion", 1, NULL, 'o' },
		{ "crun", 1, NULL, 'c' },     { "runc", 1, NULL, 'u' },
		{ "mkrootfs", 1, NULL, 'm' }, { "many", 1, NULL, 'n' },
		{ "timeout", 1, NULL, 't' },  { "max-seconds", 1, NULL, 'M' },
		{ "workdir", 1, NULL, 'w' },  { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "r:f:R:h", lo, NULL)) != -1)
		bad |= apply_opt(b, o, c);
	return bad || optind != argc ? -1 : 0;
}

static void set_defaults(struct bench *b, struct opts *o)
{
	const char *env = getenv("OCIUNION");

	memset(b, 0, sizeof(*b));
	memset(o, 0, sizeof(*o));
	b->rounds = 20;
	b->many = 100;
	b->max_s = 3600;
	b->figures = F_ALL;
	b->prep.timeout_s = 60;
	o->runtimes = (1u << RT_COUNT) - 1;
	o->workdir = "/tmp";
	o->paths[RT_OCIUNION] = env ? env : "./ociunion";
	for (int r = 0; r < RT_COUNT; r++)
		b->rt[r].name = rt_names[r];
}

static void resolve_runtimes(struct bench *b, const struct opts *o)
{
	static const char *const bins[RT_FLOOR] = { "ociunion", "crun", "runc" };

	for (int r = 0; r < RT_FLOOR; r++) {
		if (o->runtimes & (1u << r))
			b->rt[r].path = find_in_path(o->paths[r] ? o->paths[r] : bins[r]);
		if ((o->runtimes & (1u << r)) && !b->rt[r].path)
			fprintf(stderr, "bench: %s not found; its rows are not available\n",
				b->rt[r].name);
	}
	if (o->runtimes & (1u << RT_FLOOR)) {
		char *u = find_in_path("unshare"), *c = find_in_path("chroot");

		b->rt[RT_FLOOR].path = u && c ? xstrdup(u) : NULL;
		free(u);
		free(c);
	}
	if (b->rt[RT_OCIUNION].path)
		b->prep.ociunion = xstrdup(b->rt[RT_OCIUNION].path);
}

static bool time_left(struct bench *b, time_t end, int k)
{
	if (time(NULL) <= end)
		return true;
	printf("stopped after %d rounds: --max-seconds %d reached\n", k, b->max_s);
	return false;
}

/*
 * The volume figure has rounds of its own, after the others: each of its
 * rounds deletes some 22,000 files, and on an ext4 without a journal every
 * allocation in those block groups then skips the freed inodes one by one
 * for minutes, which would land in the next figures' writable layers
 * (README, "Overlay with many layers").
 */
static void run_rounds(struct bench *b)
{
	time_t end = time(NULL) + b->max_s;

	for (int k = 0; k < b->rounds && !bench_stop && time_left(b, end, k); k++) {
		fprintf(stderr, "bench: round %d/%d\n", k + 1, b->rounds);
		if (b->figures & F_RUN)
			fig_run(b, k);
		if ((b->figures & F_CSD) && !bench_stop)
			fig_csd(b, k);
		if ((b->figures & F_LAYERS) && !bench_stop)
			fig_layers(b, k);
		if ((b->figures & F_MANY) && !bench_stop)
			fig_many(b, k);
	}
	for (int k = 0;
	     (b->figures & F_VOLUMES) && k < b->rounds && !bench_stop && time_left(b, end, k);
	     k++) {
		fprintf(stderr, "bench: volume round %d/%d\n", k + 1, b->rounds);
		fig_volumes(b, k);
	}
	if (bench_stop)
		printf("interrupted: the tables hold the rounds done so far\n");
}

int main(int argc, char **argv)
{
	struct bench b;
	struct opts o;
	int rc = 0;

	set_defaults(&b, &o);
	if (parse_opts(&b, &o, argc, argv) < 0 || !b.prep.mkrootfs) {
		usage(stderr);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench: needs root (namespaces, cgroups, mounts)\n");
		return 77;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	spawn_setup();
	resolve_runtimes(&b, &o);
	if (!b.prep.ociunion) {
		fprintf(stderr, "bench: ociunion is needed for 'spec' and as the reference\n");
		return 1;
	}
	init_rows(&b);
	fail_missing(&b);
	if (make_work(&b, o.workdir) == 0) {
		start_helper(&b);
		fail_missing(&b);
		print_header(&b);
		run_rounds(&b);
		print_tables(&b);
	} else {
		rc = 1;
	}
	cleanup_all(&b);
	return rc;
}
