/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/process.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"

#define SYNC_MSG_MAX 3072

struct sync_msg {
	uint32_t type;
	int32_t value;
	int32_t kind;
	int32_t errnum;
	char msg[SYNC_MSG_MAX];
};

int ou_sync_pair(int fds[2], struct ou_error **err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create sync socket");
	return 0;
}

static int send_msg(int fd, const struct sync_msg *m, int pass_fd)
{
	size_t len = offsetof(struct sync_msg, msg) + strnlen(m->msg, SYNC_MSG_MAX - 1) + 1;

	return ou_send_with_fd(fd, m, len, pass_fd);
}

int ou_sync_send(int fd, enum ou_sync_type type, int32_t value, struct ou_error **err)
{
	struct sync_msg m = { .type = type, .value = value };

	if (send_msg(fd, &m, -1) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "send on sync socket");
	return 0;
}

void ou_sync_send_error(int fd, const struct ou_error *e)
{
	struct sync_msg m = { .type = OU_SYNC_ERROR, .kind = e->kind, .errnum = e->errnum };

	snprintf(m.msg, sizeof(m.msg), "%s", e->msg);
	(void)send_msg(fd, &m, -1);
}

int ou_sync_send_fd(int fd, enum ou_sync_type type, int payload, struct ou_error **err)
{
	struct sync_msg m = { .type = type };

	if (send_msg(fd, &m, payload) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "send fd on sync socket");
	return 0;
}

static ssize_t recv_msg(int fd, struct sync_msg *m, int *fd_out)
{
	int got = -1;
	ssize_t n = ou_recv_with_fd(fd, m, sizeof(*m), &got);

	if (got >= 0) {
		if (fd_out != NULL)
			*fd_out = got;
		else
			close(got);
	}
	m->msg[SYNC_MSG_MAX - 1] = '\0';
	return n;
}

int ou_sync_expect(int fd, enum ou_sync_type expect, int32_t *value, int *fd_out,
		   struct ou_error **err)
{
	struct sync_msg m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	n = recv_msg(fd, &m, fd_out);
	if (n < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "read sync socket");
	if (n == 0)
		return ou_error_set(err, OU_E_SYSTEM, 0, "container process exited during setup");
	if (m.type == OU_SYNC_ERROR)
		return ou_error_set(err, (enum ou_errkind)m.kind, m.errnum, "%s", m.msg);
	if (m.type != (uint32_t)expect)
		return ou_error_set(err, OU_E_SYSTEM, EPROTO,
				    "sync socket: message %u where %u was expected", m.type,
				    (unsigned)expect);
	if (value != NULL)
		*value = m.value;
	return 0;
}

int ou_sync_expect_eof(int fd, struct ou_error **err)
{
	struct sync_msg m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	n = recv_msg(fd, &m, NULL);
	if (n < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "read sync socket");
	if (n == 0)
		return 0;
	if (m.type == OU_SYNC_ERROR)
		return ou_error_set(err, (enum ou_errkind)m.kind, m.errnum, "%s", m.msg);
	return ou_error_set(err, OU_E_SYSTEM, EPROTO, "sync socket: unexpected message %u", m.type);
}

int ou_process_clone(unsigned long flags, int cgroup_fd, pid_t *pid, struct ou_error **err)
{
	struct clone_args args = {
		.flags = flags,
		.exit_signal = SIGCHLD,
	};
	long rc;

	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	rc = syscall(SYS_clone3, &args, sizeof(args));
	if (rc < 0 && errno == ENOSYS && cgroup_fd < 0)
		rc = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (rc < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "clone the container process");
	if (rc == 0)
		return 0;
	*pid = (pid_t)rc;
	return 1;
}

int ou_process_write_id_map(pid_t pid, const char *file, const struct ou_id_mappings *m,
			    struct ou_error **err)
{
	ou_autofree char *path = ou_xasprintf("/proc/%d/%s", (int)pid, file);
	ou_autofree char *buf = ou_xmalloc(m->len * 40 + 1);
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->len; i++)
		used += (size_t)sprintf(buf + used, "%u %u %u\n", m->items[i].container_id,
					m->items[i].host_id, m->items[i].size);
	return ou_write_file(path, buf, used, 0, err);
}

/* The helper of ou_process_userns_fd: wait for the runtime to close the pipe. */
static void __attribute__((noreturn)) hold_userns(int pipe_fds[2])
{
	char c;

	close(pipe_fds[1]);
	while (read(pipe_fds[0], &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int map_helper(pid_t pid, const struct ou_id_mappings *uid, const struct ou_id_mappings *gid,
		      int *out, struct ou_error **err)
{
	ou_autofree char *ns = ou_xasprintf("/proc/%d/ns/user", (int)pid);
	ou_autofree char *setgroups = ou_xasprintf("/proc/%d/setgroups", (int)pid);

	if (ou_process_write_id_map(pid, "uid_map", uid, err) < 0) {
		ou_error_prefix(err, "uidMappings");
		return -1;
	}
	/* Without CAP_SETGID in the parent namespace, gid_map needs setgroups denied. */
	if (geteuid() != 0 && ou_write_file(setgroups, "deny", 4, 0, err) < 0)
		return -1;
	if (ou_process_write_id_map(pid, "gid_map", gid, err) < 0) {
		ou_error_prefix(err, "gidMappings");
		return -1;
	}
	*out = open(ns, O_RDONLY | O_CLOEXEC);
	if (*out < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", ns);
	return 0;
}

int ou_process_userns_fd(const struct ou_id_mappings *uid, const struct ou_id_mappings *gid,
			 int *out, struct ou_error **err)
{
	int pipe_fds[2];
	pid_t pid = 0;
	int rc;

	if (pipe2(pipe_fds, O_CLOEXEC) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "create a pipe");
	rc = ou_process_clone(CLONE_NEWUSER, -1, &pid, err);
	if (rc == 0)
		hold_userns(pipe_fds);
	close(pipe_fds[0]);
	if (rc > 0)
		rc = map_helper(pid, uid, gid, out, err);
	/* The helper's end of the pipe sees end of file and it exits. */
	close(pipe_fds[1]);
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return rc < 0 ? -1 : 0;
}

/*
 * Read /proc/PID/stat into buf; returns its third field (the state) and
 * the fields after it, past the command, which may hold spaces and
 * parentheses.  NULL if the process is gone.
 */
static const char *stat_after_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	char *p;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return (p != NULL && p[1] == ' ') ? p + 2 : NULL;
}

/* Field n (proc(5), 1-based) of /proc/pid/stat, from its field 3 at p. */
static const char *stat_field(const char *p, int n)
{
	for (int field = 3; field < n && p != NULL; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	return p;
}

unsigned long long ou_process_start_time(pid_t pid)
{
	char buf[1024];
	const char *p = stat_field(stat_after_comm(pid, buf, sizeof(buf)), 22);

	return p != NULL ? strtoull(p, NULL, 10) : 0;
}

/* PF_EXITING of include/linux/sched.h, shown in field 9, flags. */
#define OU_PF_EXITING 0x4UL

bool ou_process_is_exiting(pid_t pid)
{
	char buf[1024];
	const char *p = stat_after_comm(pid, buf, sizeof(buf));
	const char *flags = stat_field(p, 9);

	if (p == NULL || *p == 'Z' || *p == 'X')
		return true;
	return flags != NULL && (strtoul(flags, NULL, 10) & OU_PF_EXITING) != 0;
}

static char process_state(pid_t pid)
{
	char buf[512];
	const char *p = stat_after_comm(pid, buf, sizeof(buf));

	return p != NULL ? *p : 0;
}

bool ou_process_is_alive(pid_t pid, unsigned long long start_time)
{
	char st;

	if (pid <= 0)
		return false;
	st = process_state(pid);
	if (st == 0 || st == 'Z' || st == 'X')
		return false;
	return start_time == 0 || ou_process_start_time(pid) == start_time;
}

void ou_process_block_signals(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, old);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static void copy_once(int from, int to, bool *open_flag)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0) {
		*open_flag = false;
		return;
	}
	if (ou_write_all(to, buf, (size_t)n) < 0)
		*open_flag = false;
}

static void resize_pty(int master)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* A signal arrived: reap, forward or resize. Returns 1 once pid has exited. */
static int handle_signal(int sfd, pid_t pid, int pty_master, int *status)
{
	struct signalfd_siginfo si;
	int wst;
	pid_t r;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGWINCH && pty_master >= 0) {
		resize_pty(pty_master);
		return 0;
	}
	if (si.ssi_signo != SIGCHLD) {
		kill(pid, (int)si.ssi_signo);
		return 0;
	}
	while ((r = waitpid(-1, &wst, WNOHANG)) > 0) {
		if (r == pid) {
			*status = exit_code(wst);
			return 1;
		}
	}
	return 0;
}

int ou_process_wait_forward(pid_t pid, int pty_master, struct ou_error **err)
{
	ou_autoclose int sfd = -1;
	bool in_open = pty_master >= 0, out_open = pty_master >= 0;
	sigset_t all;
	int status = 1;

	sigfillset(&all);
	sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "signalfd");
	if (pty_master >= 0)
		resize_pty(pty_master);
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = out_open ? pty_master : -1, .events = POLLIN },
		};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return ou_error_set(err, OU_E_SYSTEM, errno, "poll");
		}
		if ((p[0].revents & POLLIN) && handle_signal(sfd, pid, pty_master, &status))
			break;
		if (p[1].revents & (POLLIN | POLLHUP))
			copy_once(STDIN_FILENO, pty_master, &in_open);
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			copy_once(pty_master, STDOUT_FILENO, &out_open);
	}
	/* Drain what the terminal still holds after the process ended. */
	if (out_open) {
		int fl = fcntl(pty_master, F_GETFL);

		fcntl(pty_master, F_SETFL, fl | O_NONBLOCK);
		while (out_open)
			copy_once(pty_master, STDOUT_FILENO, &out_open);
	}
	return status;
}

/* Text relocations would make a read-only segment hold written pages. */
static bool has_text_relocations(const struct dl_phdr_info *info)
{
	const ElfW(Dyn) *d = NULL;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			d = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	}
	for (; d != NULL && d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_TEXTREL ||
		    (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)))
			return true;
	}
	return false;
}

/* Whole pages of read-only segments, gathered before any is dropped. */
#define CLEAN_RANGES_MAX 32

struct clean_ranges {
	uintptr_t start[CLEAN_RANGES_MAX];
	uintptr_t end[CLEAN_RANGES_MAX];
	size_t n;
};

static int collect_object_pages(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct clean_ranges *c = arg;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	(void)size;
	if (info->dlpi_addr == getauxval(AT_SYSINFO_EHDR) || has_text_relocations(info))
		return 0;
	for (int i = 0; i < info->dlpi_phnum && c->n < CLEAN_RANGES_MAX; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		uintptr_t end = start + ph->p_memsz;

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		/* Only whole pages inside the segment: never a neighbour's. */
		start = (start + page - 1) & ~(page - 1);
		end &= ~(page - 1);
		if (end <= start)
			continue;
		c->start[c->n] = start;
		c->end[c->n] = end;
		c->n++;
	}
	return 0;
}

/*
 * Every page of code run after a drop comes back, and with fault-around
 * (64 KiB of the file per fault) so do its neighbours: the walk over the
 * loaded objects is done first, and the drops follow in one short loop.
 */
void ou_process_drop_clean_pages(void)
{
	struct clean_ranges c = { .n = 0 };

	dl_iterate_phdr(collect_object_pages, &c);
	for (size_t i = 0; i < c.n; i++)
		(void)madvise((void *)c.start[i], c.end[i] - c.start[i], MADV_DONTNEED);
}
