/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The processes a created container keeps alive and the memory they hold. */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench.h"

struct procmem_entry {
	pid_t pid;
	pid_t ppid;
	char state;
	bool marked;
	char *argv; /* NUL-separated, argv_len bytes */
	size_t argv_len;
};

struct procmem_table {
	struct procmem_entry *e;
	int n;
	int cap;
};

static char *read_small(const char *path, size_t *len)
{
	char *buf = malloc(8192);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	*len = 0;
	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	n = read(fd, buf, 8191);
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* Parent and state from /proc/PID/stat (the comm field may hold spaces). */
static bool read_stat(pid_t pid, pid_t *ppid, char *state)
{
	char path[64], *buf, *p;
	size_t len;
	bool ok = false;
	int pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	buf = read_small(path, &len);
	if (!buf)
		return false;
	p = strrchr(buf, ')');
	if (p && sscanf(p + 1, " %c %d", state, &pp) == 2) {
		*ppid = pp;
		ok = true;
	}
	free(buf);
	return ok;
}

static void add_entry(struct procmem_table *t, pid_t pid)
{
	struct procmem_entry *e;
	char path[64];

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->e = realloc(t->e, sizeof(*t->e) * (size_t)t->cap);
		if (!t->e)
			abort();
	}
	e = &t->e[t->n];
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	if (!read_stat(pid, &e->ppid, &e->state))
		return;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	e->argv = read_small(path, &e->argv_len);
	t->n++;
}

struct procmem_table *procmem_scan(void)
{
	struct procmem_table *t = calloc(1, sizeof(*t));
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!t || !d) {
		if (d)
			closedir(d);
		free(t);
		return NULL;
	}
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end == '\0' && pid > 0)
			add_entry(t, (pid_t)pid);
	}
	closedir(d);
	return t;
}

void procmem_free(struct procmem_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n; i++)
		free(t->e[i].argv);
	free(t->e);
	free(t);
}

static struct procmem_entry *find(struct procmem_table *t, pid_t pid)
{
	for (int i = 0; i < t->n; i++) {
		if (t->e[i].pid == pid)
			return &t->e[i];
	}
	return NULL;
}

static bool has_arg(const struct procmem_entry *e, const char *id)
{
	size_t off = 0;

	while (e->argv && off < e->argv_len) {
		if (strcmp(e->argv + off, id) == 0)
			return true;
		off += strlen(e->argv + off) + 1;
	}
	return false;
}

/* Mark descendants of marked processes until nothing changes (bounded). */
static void mark_descendants(struct procmem_table *t)
{
	bool changed = true;

	for (int round = 0; changed && round < 64; round++) {
		changed = false;
		for (int i = 0; i < t->n; i++) {
			struct procmem_entry *p = find(t, t->e[i].ppid);

			if (!t->e[i].marked && p && p->marked) {
				t->e[i].marked = true;
				changed = true;
			}
		}
	}
}

int procmem_mark(struct procmem_table *t, pid_t pid, const char *id, pid_t stop1, pid_t stop2)
{
	struct procmem_entry *e = find(t, pid);
	int count = 0;

	for (int depth = 0; e && depth < 16; depth++) {
		if (e->pid <= 1 || e->pid == stop1 || e->pid == stop2 || e->pid == getpid())
			break;
		e->marked = true;
		e = find(t, e->ppid);
	}
	for (int i = 0; i < t->n; i++) {
		if (t->e[i].pid != getpid() && t->e[i].pid != stop1 && has_arg(&t->e[i], id))
			t->e[i].marked = true;
	}
	mark_descendants(t);
	for (int i = 0; i < t->n; i++) {
		if (t->e[i].state == 'Z' || t->e[i].state == 'X')
			t->e[i].marked = false;
		count += t->e[i].marked;
	}
	return count;
}

static long pss_of(pid_t pid)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Pss: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

long procmem_pss_kb(const struct procmem_table *t)
{
	long sum = 0;
	int found = 0;

	for (int i = 0; i < t->n; i++) {
		long kb;

		if (!t->e[i].marked)
			continue;
		kb = pss_of(t->e[i].pid);
		if (kb >= 0) {
			sum += kb;
			found++;
		}
	}
	return found ? sum : -1;
}

pid_t procmem_read_pidfile(const char *path)
{
	char buf[32];
	FILE *f = fopen(path, "r");
	int pid = -1;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%d", &pid) != 1)
		pid = -1;
	fclose(f);
	return pid;
}

bool procmem_wait_exit(pid_t pid, int timeout_ms)
{
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < timeout_ms; i++) {
		pid_t ppid;
		char state;

		spawn_reap_orphans();
		if (!read_stat(pid, &ppid, &state) || state == 'Z' || state == 'X')
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}
