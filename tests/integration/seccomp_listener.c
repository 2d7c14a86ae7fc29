/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_listener: the listenerPath end of the SCMP_ACT_NOTIFY tests.
 *
 *   seccomp_listener -o JSON_FILE [-e ERRNO] [-t SECONDS] SOCKET
 *
 * Listens on the unix socket SOCKET, accepts one connection and reads the
 * container process state (config-linux.md, "The Container Process State")
 * up to end of file, with the seccomp notify fd attached as SCM_RIGHTS to
 * the first message.  The state is written to JSON_FILE.  Then it answers
 * every notification of that fd with the error ERRNO (default EXDEV) until
 * the filter has no process left or SECONDS (default 30) have passed, and
 * prints "notifications N" on stdout.
 *
 * Exit status: 0 when the state and the fd arrived, 1 on any failure (the
 * reason on stderr), 2 on bad usage.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define STATE_MAX (64 * 1024)

struct options {
	const char *out;
	const char *socket;
	int errnum;
	int seconds;
};

static int fail(const char *what)
{
	fprintf(stderr, "seccomp_listener: %s: %s\n", what, strerror(errno));
	return -1;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	int c;

	o->errnum = EXDEV;
	o->seconds = 30;
	while ((c = getopt(argc, argv, "o:e:t:")) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'e':
			o->errnum = atoi(optarg);
			break;
		case 't':
			o->seconds = atoi(optarg);
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || o->out == NULL || o->errnum <= 0 || o->seconds <= 0)
		return -1;
	o->socket = argv[optind];
	return 0;
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return fail("socket path");
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return fail("socket");
	if (bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(sock, 1) < 0) {
		fail("bind");
		close(sock);
		return -1;
	}
	return sock;
}

/* The first message: data into buf, the fd from SCM_RIGHTS into *fd. */
static ssize_t recv_first(int conn, char *buf, size_t size, int *fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	ssize_t n;

	memset(&control, 0, sizeof(control));
	do {
		n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail("recvmsg");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

/* Accept one connection, read the state to EOF; the notify fd or -1. */
static int receive_state(int sock, char *buf, size_t size)
{
	int conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
	int fd = -1;
	size_t len;
	ssize_t n;

	if (conn < 0)
		return fail("accept");
	n = recv_first(conn, buf, size - 1, &fd);
	len = n > 0 ? (size_t)n : 0;
	while (n > 0 && len < size - 1) {
		n = read(conn, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			n = 1;
		else if (n > 0)
			len += (size_t)n;
	}
	if (n < 0)
		fail("read the state");
	buf[len] = '\0';
	close(conn);
	if (fd < 0)
		fprintf(stderr, "seccomp_listener: no fd with the state\n");
	return fd;
}

static int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return fail("open output");
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return fail("write output");
	}
	return close(fd) < 0 ? fail("close output") : 0;
}

/* Answer one pending notification with -errnum; 1 if answered, 0 if gone. */
static int answer(int fd, int errnum)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	memset(&req, 0, sizeof(req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return errno == EINTR || errno == ENOENT ? 0 : fail("SECCOMP_IOCTL_NOTIF_RECV");
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.error = -errnum;
	/* ENOENT: the caller was killed or the call interrupted meanwhile */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
		return errno == ENOENT ? 0 : fail("SECCOMP_IOCTL_NOTIF_SEND");
	return 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Answer notifications until the filter is unused or the time is up. */
static int serve(int fd, const struct options *o)
{
	long long deadline = now_ms() + (long long)o->seconds * 1000;
	long count = 0;

	while (now_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int rc = poll(&p, 1, (int)(deadline - now_ms()));

		if (rc < 0 && errno != EINTR)
			return fail("poll");
		if (rc <= 0)
			continue;
		if (p.revents & POLLIN) {
			rc = answer(fd, o->errnum);
			if (rc < 0)
				return -1;
			count += rc;
		} else if (p.revents & (POLLHUP | POLLERR)) {
			break;
		}
	}
	printf("notifications %ld\n", count);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static char state[STATE_MAX];
	struct options o = { 0 };
	int sock;
	int fd;

	if (parse_options(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: seccomp_listener -o FILE [-e ERRNO] [-t SECONDS] SOCKET\n");
		return 2;
	}
	sock = listen_on(o.socket);
	if (sock < 0)
		return 1;
	fd = receive_state(sock, state, sizeof(state));
	close(sock);
	if (write_file(o.out, state) < 0 || fd < 0)
		return 1;
	return serve(fd, &o) < 0 ? 1 : 0;
}
