/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Timed runs of one command, in this process or in the mount-namespace
 * helper that crun needs on a hybrid cgroup host.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench.h"

volatile int bench_stop;

static pid_t helper_pid;
static int helper_fd = -1;

#define REQ_MAX 65536

static void on_stop(int sig)
{
	(void)sig;
	bench_stop = 1;
}

void spawn_setup(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);

	/* Container processes whose runtime exited come back to us to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void open_on(int fd, const char *path, int flags)
{
	int f = open(path, flags, 0644);

	if (f < 0)
		_exit(127);
	if (f != fd) {
		dup2(f, fd);
		close(f);
	}
}

/*
 * The child: its own process group, default signals, nothing blocked,
 * stdin /dev/null and stdout and stderr to io's files or /dev/null.
 */
static void exec_child(char *const argv[], const struct bench_io *io)
{
	static const int defaults[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD };
	sigset_t none;

	setpgid(0, 0);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		signal(defaults[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	open_on(0, "/dev/null", O_RDONLY);
	open_on(1, io && io->out ? io->out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC);
	open_on(2, io && io->err ? io->err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC);
	execvp(argv[0], argv);
	_exit(127);
}

/* Wait for pid, reaping orphans on the way; false on timeout. */
static bool wait_for(pid_t pid, double deadline, int *status, struct rusage *ru)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		pid_t r = wait4(-1, status, WNOHANG, ru);
		double left = deadline - now_ms();
		struct timespec ts;

		if (r == pid)
			return true;
		if (r > 0) {
			if (r == helper_pid)
				helper_pid = 0;
			continue;
		}
		if (r < 0 && errno != EINTR)
			return false;
		if (left <= 0)
			return false;
		ts.tv_sec = (time_t)(left / 1e3);
		ts.tv_nsec = (long)((left - ts.tv_sec * 1e3) * 1e6);
		sigtimedwait(&set, NULL, &ts);
	}
}

int spawn_timed(char *const argv[], const struct bench_io *io, int timeout_s,
		struct bench_result *res)
{
	struct rusage ru;
	double t0;
	pid_t pid;
	int st = 0;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	t0 = now_ms();
	/*
	 * fork, not posix_spawn: at execve the kernel counts the resident set
	 * of the memory the new program replaces into the child's ru_maxrss.
	 * posix_spawn runs the child on the bench's own memory (vfork), so
	 * every runtime's peak read at least the bench's resident set (1.6 to
	 * 2.2 MiB); a forked child holds only the bench's anonymous pages it
	 * copied, well under any runtime's peak (tests/bench/README.md).
	 */
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		exec_child(argv, io);

	if (!wait_for(pid, t0 + timeout_s * 1e3, &st, &ru)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return -1;
	}
	res->ms = now_ms() - t0;
	res->maxrss_kb = ru.ru_maxrss;
	if (WIFEXITED(st))
		res->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		res->status = 128 + WTERMSIG(st);
	return res->status == 0 ? 0 : -1;
}

/* Request: timeout, out and err paths, argv; all NUL-separated after an int. */
static size_t pack_request(char *buf, char *const argv[], const struct bench_io *io, int timeout_s)
{
	size_t off = sizeof(int);
	const char *hdr[2] = { io && io->out ? io->out : "", io && io->err ? io->err : "" };

	memcpy(buf, &timeout_s, sizeof(int));
	for (int i = 0; i < 2; i++) {
		size_t l = strlen(hdr[i]) + 1;

		if (off + l > REQ_MAX)
			return 0;
		memcpy(buf + off, hdr[i], l);
		off += l;
	}
	for (int i = 0; argv[i]; i++) {
		size_t l = strlen(argv[i]) + 1;

		if (off + l > REQ_MAX)
			return 0;
		memcpy(buf + off, argv[i], l);
		off += l;
	}
	return off;
}

static void serve_one(char *buf, size_t n, int fd)
{
	char *argv[512];
	char *p = buf + sizeof(int), *end = buf + n;
	struct bench_io io;
	struct bench_result res;
	int timeout_s, argc = 0;

	memcpy(&timeout_s, buf, sizeof(int));
	io.out = *p ? p : NULL;
	p += strlen(p) + 1;
	io.err = *p ? p : NULL;
	p += strlen(p) + 1;
	while (p < end && argc < 511) {
		argv[argc++] = p;
		p += strlen(p) + 1;
	}
	argv[argc] = NULL;
	memset(&res, 0, sizeof(res));
	res.status = -1;
	if (argc > 0)
		spawn_timed(argv, &io, timeout_s, &res);
	if (write(fd, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(1);
}

static void helper_main(int fd)
{
	static char buf[REQ_MAX];
	ssize_t n;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		_exit(2);
	if (umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		_exit(3);
	if (write(fd, "k", 1) != 1)
		_exit(1);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		serve_one(buf, (size_t)n, fd);
	_exit(0);
}

int spawn_helper_start(char *msg, size_t len)
{
	int sv[2];
	char c;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(msg, len, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(msg, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		helper_main(sv[1]);
	}
	close(sv[1]);
	helper_pid = pid;
	helper_fd = sv[0];
	if (read(helper_fd, &c, 1) != 1) {
		snprintf(
			msg, len,
			"helper could not unshare a mount namespace or unmount /sys/fs/cgroup/unified");
		spawn_helper_stop();
		return -1;
	}
	return 0;
}

int spawn_helper_run(char *const argv[], const struct bench_io *io, int timeout_s,
		     struct bench_result *res)
{
	static char buf[REQ_MAX];
	size_t n = pack_request(buf, argv, io, timeout_s);

	memset(res, 0, sizeof(*res));
	res->status = -1;
	if (helper_fd < 0 || n == 0)
		return -1;
	if (write(helper_fd, buf, n) != (ssize_t)n)
		return -1;
	for (;;) {
		ssize_t r = read(helper_fd, res, sizeof(*res));

		if (r == (ssize_t)sizeof(*res))
			break;
		if (r < 0 && errno == EINTR)
			continue;
		res->status = -1;
		return -1;
	}
	return res->status == 0 ? 0 : -1;
}

void spawn_helper_stop(void)
{
	if (helper_fd >= 0)
		close(helper_fd);
	helper_fd = -1;
	if (helper_pid > 0) {
		kill(helper_pid, SIGKILL);
		waitpid(helper_pid, NULL, 0);
	}
	helper_pid = 0;
}

pid_t spawn_helper_pid(void)
{
	return helper_pid;
}

void spawn_reap_orphans(void)
{
	pid_t r;

	while ((r = waitpid(-1, NULL, WNOHANG)) > 0) {
		if (r == helper_pid)
			helper_pid = 0;
	}
}

char *spawn_last_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];

	buf[0] = '\0';
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			snprintf(buf, len, "%s", line);
	}
	fclose(f);
	return buf;
}
