/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * recvtty: the other end of --console-socket for the integration tests.
 *
 *   recvtty [-o FILE] [-w TEXT] [-t SECONDS] SOCKET
 *
 * Listens on the unix socket SOCKET (bound under a temporary name and
 * renamed into place once it listens, so a client that sees the path can
 * connect), accepts one connection and receives a pty master sent with
 * SCM_RIGHTS.  Writes TEXT into the master if -w is given, then copies
 * everything read from the master to FILE (or stdout) until the last slave
 * is closed.  Exits 0 then; 1 on an error; 124 after SECONDS (default 30).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_alarm(int sig)
{
	(void)sig;
	_exit(124);
}

/* A listening socket at path, visible only once it listens. */
static int listen_at(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char tmp[sizeof(addr.sun_path)];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		die(path);
	}
	unlink(tmp);
	strcpy(addr.sun_path, tmp);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("bind");
	if (listen(fd, 1) < 0)
		die("listen");
	if (rename(tmp, path) < 0)
		die("rename");
	return fd;
}

/* The descriptor carried by one message on conn. */
static int receive_fd(int conn)
{
	char name[256];
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control,
			      .msg_controllen = sizeof(control) };
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
		die("recvmsg");
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
		errno = EBADMSG;
		die("no descriptor in the message");
	}
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	return fd;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("write");
		buf += n;
		len -= (size_t)n;
	}
}

/* Copy master to out until EOF or EIO (no slave left open). */
static void copy_out(int master, int out)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n < 0 && errno == EIO))
			return;
		if (n < 0)
			die("read");
		write_all(out, buf, (size_t)n);
	}
}

int main(int argc, char **argv)
{
	const char *input = NULL;
	const char *file = NULL;
	unsigned seconds = 30;
	int out = STDOUT_FILENO;
	int opt;
	int lfd;
	int conn;
	int master;

	while ((opt = getopt(argc, argv, "o:w:t:")) != -1) {
		if (opt == 'o')
			file = optarg;
		else if (opt == 'w')
			input = optarg;
		else if (opt == 't')
			seconds = (unsigned)strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: recvtty [-o FILE] [-w TEXT] [-t SECONDS] SOCKET\n");
		return 2;
	}
	signal(SIGALRM, on_alarm);
	alarm(seconds);
	if (file != NULL && (out = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		die(file);
	lfd = listen_at(argv[optind]);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		die("accept");
	master = receive_fd(conn);
	close(conn);
	close(lfd);
	if (input != NULL)
		write_all(master, input, strlen(input));
	copy_out(master, out);
	return 0;
}
