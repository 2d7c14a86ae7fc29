/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"

int ou_terminal_connect(const char *path, int *out, struct ou_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ou_autoclose int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ou_error_set(err, OU_E_INVALID, 0, "console socket path '%s' is too long",
				    path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "connect to console socket '%s'",
				    path);
	*out = ou_steal_fd(&fd);
	return 0;
}

static int make_controlling(int slave, struct ou_error **err)
{
	if (setsid() < 0 && errno != EPERM)
		return ou_error_set(err, OU_E_SYSTEM, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "set the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return ou_error_set(err, OU_E_SYSTEM, errno, "dup2 terminal");
	return 0;
}

int ou_terminal_open(bool has_size, unsigned int height, unsigned int width, int *master,
		     struct ou_error **err)
{
	ou_autoclose int m = -1;
	ou_autoclose int s = -1;
	char name[64];

	m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '/dev/ptmx'");
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name)) != 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "unlock the terminal");
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", name);
	if (has_size) {
		struct winsize ws = { .ws_row = (unsigned short)height,
				      .ws_col = (unsigned short)width };

		ioctl(m, TIOCSWINSZ, &ws);
	}
	if (make_controlling(s, err) < 0)
		return -1;
	*master = ou_steal_fd(&m);
	return 0;
}

int ou_terminal_send(int sock, int master, struct ou_error **err)
{
	char name[64] = "/dev/ptmx";

	ptsname_r(master, name, sizeof(name));
	if (ou_send_with_fd(sock, name, strlen(name), master) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno,
				    "send the terminal to the console socket");
	return 0;
}

int ou_terminal_recv(int sock, int *master, struct ou_error **err)
{
	char name[256];
	ssize_t n = ou_recv_with_fd(sock, name, sizeof(name), master);

	if (n < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "receive the terminal");
	if (*master < 0)
		return ou_error_set(err, OU_E_SYSTEM, EPROTO, "no terminal received");
	return 0;
}

int ou_terminal_make_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, saved) < 0)
		return -1;
	t = *saved;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR;
	return tcsetattr(fd, TCSANOW, &t);
}

void ou_terminal_restore(int fd, const struct termios *saved)
{
	tcsetattr(fd, TCSANOW, saved);
}
