/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hooks/hooks.h"
#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/container_internal.h"
#include "runtime/init.h"
#include "runtime/process.h"
#include "spec/state_json.h"

/* Log the log records at buf as our own; the length they take. */
static size_t log_records(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && buf[i] == OU_FIFO_LOG) {
		const char *end = memchr(buf + i, '\0', len - i);
		int level = 0, off = 0;

		if (end == NULL || sscanf(buf + i + 1, "%d %n", &level, &off) < 1 ||
		    level < OU_LOG_ERROR || level > OU_LOG_DEBUG)
			break;
		ou_log((enum ou_log_level)level, "%s", buf + i + 1 + off);
		i = (size_t)(end - buf) + 1;
	}
	return i;
}

/* Turn what the container process wrote to exec.fifo into a result. */
static int fifo_result(const char *buf, size_t len, struct ou_error **err)
{
	int kind = OU_E_SYSTEM, errnum = 0, off = 0;

	if (len == 0 || buf[0] != OU_FIFO_STARTED)
		return ou_error_set(err, OU_E_STATE, 0, "container process exited before start");
	buf++;
	len--;
	off = (int)log_records(buf, len);
	buf += off;
	len -= (size_t)off;
	if (len == 0)
		return 0;
	if (buf[0] != OU_FIFO_ERROR || sscanf(buf + 1, "%d %d %n", &kind, &errnum, &off) < 2)
		return ou_error_set(err, OU_E_SYSTEM, EPROTO, "exec.fifo: unexpected data");
	return ou_error_set(err, (enum ou_errkind)kind, errnum, "%s", buf + 1 + off);
}

/* Wait until the container process has the fifo open, or is gone. */
static int wait_writer(int fd, const struct ou_state *st, struct ou_error **err)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		int n = poll(&p, 1, 100);

		if (n < 0 && errno != EINTR)
			return ou_error_set(err, OU_E_SYSTEM, errno, "poll exec.fifo");
		if (n > 0)
			break;
		if (!ou_process_is_alive(st->pid, st->pid_start_time))
			return ou_error_set(err, OU_E_STATE, 0,
					    "container process exited before start");
	}
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

static int release_process(struct ou_ctr *c, struct ou_error **err)
{
	ou_autoclose int fd = -1;
	ou_autofree char *buf = NULL;
	size_t len = 0;

	/* Opening the read end lets the waiting process go on. */
	fd = openat(c->sd->dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open exec.fifo");
	unlinkat(c->sd->dirfd, "exec.fifo", 0);
	if (wait_writer(fd, c->st, err) < 0)
		return -1;
	/* End of file comes when execve closes the close-on-exec write end. */
	if (ou_read_all(fd, &buf, &len, err) < 0)
		return -1;
	return fifo_result(buf, len, err);
}

int ou_ctr_start(struct ou_ctr *c, struct ou_error **err)
{
	ou_autofree char *json = NULL;
	size_t len = 0;

	if (c->status != OU_STATUS_CREATED)
		return ou_error_set(err, OU_E_STATE, 0, "container '%s' is %s, not created",
				    c->st->id, ou_status_name(c->status));
	if (ou_ctr_load_spec(c, err) < 0)
		return -1;
	if (c->spec->process == NULL)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "process: required to start the container");
	if (release_process(c, err) < 0)
		return -1;
	/*
	 * Not saved: "running" is what state.json's "created" reads as once
	 * exec.fifo is gone and the process lives (ou_state_dir_status).
	 */
	c->st->status = OU_STATUS_RUNNING;
	c->status = OU_STATUS_RUNNING;
	if (c->spec->hooks == NULL || c->spec->hooks->poststart.len == 0)
		return 0;
	json = ou_ctr_hook_state(c->st, OU_STATUS_RUNNING, &len);
	return ou_hooks_run(&c->spec->hooks->poststart, "poststart", json, len, 0, err);
}

int ou_container_start(const struct ou_global_opts *g, const char *id, struct ou_error **err)
{
	struct ou_ctr *c = NULL;
	bool was_created;
	int rc;

	if (ou_ctr_open(g, id, &c, err) < 0)
		return -1;
	was_created = c->status == OU_STATUS_CREATED;
	rc = ou_ctr_start(c, err);
	if (rc < 0 && was_created && c->spec != NULL && c->spec->process != NULL) {
		/* runtime-spec lifecycle 7 and 9: a failed start destroys the container. */
		ou_autoerror struct ou_error *e = NULL;

		if (ou_ctr_destroy(c, &e) < 0)
			ou_log_warning("destroy container '%s' after failed start: %s", id, e->msg);
	}
	ou_ctr_free(c);
	if (rc < 0)
		ou_error_prefix(err, "start '%s'", id);
	return rc;
}
