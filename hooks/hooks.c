/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "hooks/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"

/* How much of a hook's stderr goes into the error message (the tail). */
#define STDERR_KEEP 4096

/* One running hook, seen from the runtime. */
struct hook_run {
	pid_t pid;
	int pidfd;   /* readable once the hook exits; -1 if pidfd_open is missing */
	int in_fd;   /* write end of the hook's stdin, -1 once done */
	int err_fd;  /* read end of the hook's stderr, -1 at EOF */
	int exec_fd; /* read end of the exec status pipe */
	const char *data;
	size_t len, off;
	char err_buf[2 * STDERR_KEEP];
	size_t err_len;
	bool exited;
	int status;
	bool timed_out;
};

static char *const empty_env[] = { NULL };

/* In the child: only 0, 1, 2 and the exec status pipe (on fd 3) stay. */
static void close_other_fds(void)
{
	long max = sysconf(_SC_OPEN_MAX);

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 4U, ~0U, 0U) == 0)
		return;
#endif
	if (max < 0 || max > 65536)
		max = 65536;
	for (long fd = 4; fd < max; fd++)
		close((int)fd);
}

/* In the child, after fork: only async-signal-safe calls. */
static void __attribute__((noreturn))
exec_hook(const struct ou_hook *hook, int in_fd, int err_fd, int exec_fd)
{
	char *default_argv[] = { hook->path, NULL };
	char *const *argv = hook->args.len > 0 ? hook->args.v : default_argv;
	char *const *envp = hook->env.len > 0 ? hook->env.v : empty_env;
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int e;

	/* A group of its own, so that a timeout kills what it started too */
	setpgid(0, 0);
	/* Out of the way of 0..3 first, so that no dup2 below clobbers them */
	in_fd = fcntl(in_fd, F_DUPFD_CLOEXEC, 10);
	err_fd = fcntl(err_fd, F_DUPFD_CLOEXEC, 10);
	exec_fd = fcntl(exec_fd, F_DUPFD_CLOEXEC, 10);
	if (in_fd < 0 || err_fd < 0 || exec_fd < 0)
		_exit(127);
	/* The hook's stdout is our stderr: our stdout belongs to the engine */
	if (dup2(2, 1) < 0 || dup2(in_fd, 0) < 0 || dup2(err_fd, 2) < 0 || dup2(exec_fd, 3) < 0 ||
	    fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		goto fail;
	close_other_fds();
	exec_fd = 3;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(hook->path, argv, envp);
fail:
	e = errno;
	if (write(exec_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void feed_stdin(struct hook_run *r)
{
	ssize_t n;

	while (r->in_fd >= 0 && r->off < r->len) {
		n = write(r->in_fd, r->data + r->off, r->len - r->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		/* EPIPE and the like: the hook does not read its stdin, fine */
		if (n < 0)
			break;
		r->off += (size_t)n;
	}
	close_fd(&r->in_fd);
}

static void read_stderr(struct hook_run *r)
{
	ssize_t n;

	while (r->err_fd >= 0) {
		/* Keep the tail: the last lines usually say what went wrong */
		if (r->err_len > sizeof(r->err_buf) - 512) {
			memmove(r->err_buf, r->err_buf + r->err_len - STDERR_KEEP, STDERR_KEEP);
			r->err_len = STDERR_KEEP;
		}
		n = read(r->err_fd, r->err_buf + r->err_len, sizeof(r->err_buf) - r->err_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		r->err_len += (size_t)n;
	}
	close_fd(&r->err_fd);
}

static void check_exit(struct hook_run *r)
{
	if (!r->exited && waitpid(r->pid, &r->status, WNOHANG) == r->pid)
		r->exited = true;
}

static void kill_hook(struct hook_run *r)
{
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
	while (waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR)
		;
	r->exited = true;
}

/* Poll until the hook exits (not until EOF: a daemon it starts may keep stderr) */
static int wait_hook(struct hook_run *r, const struct ou_hook *hook, struct ou_error **err)
{
	long deadline = hook->has_timeout ? now_ms() + hook->timeout * 1000L : 0;
	struct pollfd p[3];
	int n, wait_ms;
	long left;

	for (check_exit(r); !r->exited; check_exit(r)) {
		n = 0;
		if (r->in_fd >= 0)
			p[n++] = (struct pollfd){ .fd = r->in_fd, .events = POLLOUT };
		if (r->err_fd >= 0)
			p[n++] = (struct pollfd){ .fd = r->err_fd, .events = POLLIN };
		if (r->pidfd >= 0)
			p[n++] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
		wait_ms = r->pidfd >= 0 ? -1 : 10;
		left = deadline - now_ms();
		if (hook->has_timeout && left <= 0) {
			r->timed_out = true;
			kill_hook(r);
			break;
		}
		if (hook->has_timeout && (wait_ms < 0 || left < wait_ms))
			wait_ms = (int)left;
		if (poll(p, (nfds_t)n, wait_ms) < 0 && errno != EINTR) {
			ou_error_set(err, OU_E_SYSTEM, errno, "wait for hook '%s'", hook->path);
			kill_hook(r);
			return -1;
		}
		feed_stdin(r);
		read_stderr(r);
	}
	close_fd(&r->in_fd);
	read_stderr(r);
	return 0;
}

/* The stderr tail as one line: newlines become "; ", trailing space goes */
static char *stderr_line(const struct hook_run *r)
{
	size_t start = r->err_len > STDERR_KEEP ? r->err_len - STDERR_KEEP : 0;
	size_t end = r->err_len, o = 0;
	char *line;

	while (end > start && strchr(" \t\r\n", r->err_buf[end - 1]) != NULL)
		end--;
	while (start < end && strchr(" \t\r\n", r->err_buf[start]) != NULL)
		start++;
	line = ou_xmalloc(2 * (end - start) + 1);
	for (size_t i = start; i < end; i++) {
		char c = r->err_buf[i];

		if (c == '\n' || c == '\r') {
			if (o > 0 && line[o - 1] != ' ') {
				line[o++] = ';';
				line[o++] = ' ';
			}
			continue;
		}
		line[o++] = (unsigned char)c < ' ' ? ' ' : c;
	}
	line[o] = '\0';
	return line;
}

static int report(const struct hook_run *r, const struct ou_hook *hook, const char *phase,
		  int exec_errno, struct ou_error **err)
{
	ou_autofree char *text = NULL;

	if (exec_errno != 0)
		return ou_error_set(err, OU_E_HOOK, exec_errno, "%s hook '%s': execute", phase,
				    hook->path);
	if (r->timed_out)
		return ou_error_set(err, OU_E_HOOK, 0, "%s hook '%s': timed out after %d s", phase,
				    hook->path, hook->timeout);
	text = stderr_line(r);
	if (WIFSIGNALED(r->status))
		return ou_error_set(err, OU_E_HOOK, 0, "%s hook '%s': killed by signal %d%s%s",
				    phase, hook->path, WTERMSIG(r->status), *text ? ": " : "",
				    text);
	if (WIFEXITED(r->status) && WEXITSTATUS(r->status) != 0)
		return ou_error_set(err, OU_E_HOOK, 0, "%s hook '%s': exited with status %d%s%s",
				    phase, hook->path, WEXITSTATUS(r->status), *text ? ": " : "",
				    text);
	return 0;
}

/* The errno of a failed execve, or 0 if the hook was executed */
static int exec_status(int fd)
{
	ssize_t n;
	int e = 0;

	do {
		n = read(fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

static int open_pipes(int in[2], int errp[2], int ex[2], struct ou_error **err)
{
	if (pipe2(in, O_CLOEXEC) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create a pipe for a hook");
	if (pipe2(errp, O_CLOEXEC) < 0) {
		ou_error_set(err, OU_E_SYSTEM, errno, "create a pipe for a hook");
		close(in[0]);
		close(in[1]);
		return -1;
	}
	if (pipe2(ex, O_CLOEXEC) < 0) {
		ou_error_set(err, OU_E_SYSTEM, errno, "create a pipe for a hook");
		for (int i = 0; i < 2; i++) {
			close(in[i]);
			close(errp[i]);
		}
		return -1;
	}
	return 0;
}

/* Fork the hook; on success r holds our ends of its pipes. */
static int start_hook(struct hook_run *r, const struct ou_hook *hook, struct ou_error **err)
{
	int in[2], errp[2], ex[2];

	if (open_pipes(in, errp, ex, err) < 0)
		return -1;
	r->pid = fork();
	if (r->pid == 0)
		exec_hook(hook, in[0], errp[1], ex[1]);
	close(in[0]);
	close(errp[1]);
	close(ex[1]);
	r->in_fd = in[1];
	r->err_fd = errp[0];
	r->exec_fd = ex[0];
	if (r->pid < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "fork for hook '%s'", hook->path);
	fcntl(r->in_fd, F_SETFL, O_NONBLOCK);
	fcntl(r->err_fd, F_SETFL, O_NONBLOCK);
#ifdef SYS_pidfd_open
	r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
#endif
	return 0;
}

static void release(struct hook_run *r)
{
	close_fd(&r->in_fd);
	close_fd(&r->err_fd);
	close_fd(&r->exec_fd);
	close_fd(&r->pidfd);
}

/*
 * Writing to a hook that does not read its stdin raises SIGPIPE: keep it
 * blocked while the hook runs and discard one we caused.
 */
static void block_sigpipe(sigset_t *old, bool *was_pending)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, old);
	sigpending(&pending);
	*was_pending = sigismember(&pending, SIGPIPE) == 1;
}

static void restore_sigpipe(const sigset_t *old, bool was_pending)
{
	struct timespec zero = { 0, 0 };
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigpending(&pending);
	if (!was_pending && sigismember(&pending, SIGPIPE) == 1)
		sigtimedwait(&set, NULL, &zero);
	sigprocmask(SIG_SETMASK, old, NULL);
}

/*
 * The run state is on the stack: a hook child whose execve fails calls
 * _exit, and a heap block only the parent's frames point to would be
 * reported lost in it by valgrind.
 */
static int run_one(const struct ou_hook *hook, const char *phase, const char *data, size_t len,
		   struct ou_error **err)
{
	struct hook_run r = { .pid = -1,
			      .pidfd = -1,
			      .in_fd = -1,
			      .err_fd = -1,
			      .exec_fd = -1,
			      .data = data,
			      .len = len };
	bool was_pending;
	sigset_t old;
	int rc;

	ou_log_debug("run %s hook '%s'", phase, hook->path);
	block_sigpipe(&old, &was_pending);
	rc = start_hook(&r, hook, err);
	if (rc == 0)
		rc = wait_hook(&r, hook, err);
	restore_sigpipe(&old, was_pending);
	if (rc == 0) {
		rc = report(&r, hook, phase, exec_status(r.exec_fd), err);
		ou_log_debug("%s hook '%s' finished, wait status %#x", phase, hook->path, r.status);
	}
	release(&r);
	return rc;
}

int ou_hooks_run(const struct ou_hook_list *list, const char *phase, const char *state_json,
		 size_t len, unsigned int flags, struct ou_error **err)
{
	for (size_t i = 0; list != NULL && i < list->len; i++) {
		struct ou_error *herr = NULL;
		char *msg;

		if (run_one(&list->items[i], phase, state_json, len, &herr) == 0)
			continue;
		if (!(flags & OU_HOOKS_CONTINUE)) {
			if (*err == NULL)
				*err = herr;
			else
				ou_error_free(herr);
			return -1;
		}
		msg = ou_error_format(herr);
		ou_log_warning("%s", msg);
		free(msg);
		ou_error_free(herr);
	}
	return 0;
}
