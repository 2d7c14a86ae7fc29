/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Leak snapshots and a plain runner for the reliability suites. */
#include <config.h>

#include "tests/integration/reliability.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/integration/harness.h"

static struct ou_rel_snapshot *walking; /* nftw has no user pointer */

static void add(struct ou_rel_snapshot *s, const char *kind, const char *what)
{
	char *item = NULL;

	if (asprintf(&item, "%s %s", kind, what) < 0)
		abort();
	s->items = realloc(s->items, (s->n + 1) * sizeof(*s->items));
	if (s->items == NULL)
		abort();
	s->items[s->n++] = item;
}

static int cgroup_dir(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_D)
		add(walking, "cgroup", path);
	return 0;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ou_rel_snapshot_take(struct ou_rel_snapshot *s)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192];
	char mnt[4096];

	s->n = 0;
	s->items = NULL;
	cr_assert_not_null(f, "open /proc/self/mountinfo");
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			add(s, "mount", mnt);
	fclose(f);
	walking = s;
	nftw("/sys/fs/cgroup", cgroup_dir, 32, FTW_PHYS | FTW_MOUNT);
	walking = NULL;
	qsort(s->items, s->n, sizeof(*s->items), by_str);
}

void ou_rel_snapshot_release(struct ou_rel_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i]);
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

static bool mentions(const char *item, const char *const needles[])
{
	for (size_t i = 0; needles[i] != NULL; i++)
		if (strstr(item, needles[i]) != NULL)
			return true;
	return false;
}

void ou_rel_snapshot_assert_no_new(const struct ou_rel_snapshot *before,
				   const struct ou_rel_snapshot *after, const char *const needles[])
{
	for (size_t i = 0; i < after->n; i++) {
		const char *item = after->items[i];

		if (!mentions(item, needles))
			continue;
		cr_assert_not_null(bsearch(&item, before->items, before->n, sizeof(char *), by_str),
				   "left behind: %s", item);
	}
}

static bool link_below(const char *pid, const char *name, const char *prefix)
{
	char path[64];
	char target[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/%s", pid, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strncmp(target, prefix, strlen(prefix)) == 0;
}

void ou_rel_assert_no_process_below(const char *dir)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (!ou_harness_pid_alive(atoi(e->d_name)))
			continue;
		cr_assert(!link_below(e->d_name, "root", dir) && !link_below(e->d_name, "cwd", dir),
			  "process %s left running below '%s'", e->d_name, dir);
	}
	closedir(d);
}

static bool allowed_name(const char *name, const char *const allowed[])
{
	for (size_t i = 0; allowed != NULL && allowed[i] != NULL; i++)
		if (strcmp(name, allowed[i]) == 0)
			return true;
	return false;
}

void ou_rel_assert_dir_only(const char *dir, const char *const allowed[])
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		cr_assert(allowed_name(e->d_name, allowed), "'%s/%s' left behind", dir, e->d_name);
	}
	closedir(d);
}

static void child_exec(int log_fd, const char *storage, const char *const args[])
{
	const char *argv[64] = { ou_harness_runtime(), "--root", ou_harness_state_root(),
				 "--storage-root", storage };
	size_t n = 5;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	for (size_t i = 0; args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	setpgid(0, 0);
	dup2(null, 0);
	dup2(log_fd, 1);
	dup2(log_fd, 2);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

pid_t ou_rel_rt_spawn(int log_fd, const char *storage, const char *const args[])
{
	pid_t pid = fork();

	if (pid == 0)
		child_exec(log_fd, storage, args);
	return pid;
}

int ou_rel_rt(int log_fd, int timeout, const char *storage, const char *const args[])
{
	struct timespec tick = { 0, 2 * 1000 * 1000 };
	long waited_ms = 0;
	int status;
	pid_t pid = ou_rel_rt_spawn(log_fd, storage, args);

	if (pid < 0)
		return -1;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited_ms >= (long)timeout * 1000) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&tick, NULL);
		waited_ms += 2;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
