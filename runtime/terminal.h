/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_TERMINAL_H
#define OU_RUNTIME_TERMINAL_H

#include <stdbool.h>
#include <termios.h>

#include "runtime/base/error.h"

/*
 * The container's terminal (config.md, process.terminal).  The pty is
 * opened inside the container, from its own devpts, and its master is
 * handed out over the console socket as runc does.
 */

/* Connect to the unix socket at path (--console-socket). */
int ou_terminal_connect(const char *path, int *out, struct ou_error **err);

/*
 * In the container process: open a new pty from /dev/ptmx, make its slave
 * the controlling terminal and stdin/stdout/stderr (after setsid), set the
 * size if given, and return the master in *master.
 */
int ou_terminal_open(bool has_size, unsigned int height, unsigned int width, int *master,
		     struct ou_error **err);

/* Send the master to a console socket with SCM_RIGHTS, the pty name as data. */
int ou_terminal_send(int sock, int master, struct ou_error **err);

/* Receive a master from a console socket peer. */
int ou_terminal_recv(int sock, int *master, struct ou_error **err);

/* Put fd in raw mode, saving the old settings; restore them. */
int ou_terminal_make_raw(int fd, struct termios *saved);
void ou_terminal_restore(int fd, const struct termios *saved);

#endif
