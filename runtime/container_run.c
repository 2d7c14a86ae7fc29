/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/container_internal.h"
#include "runtime/process.h"
#include "runtime/terminal.h"

/* The launch's state directory, lock and state become an opened container. */
static struct ou_ctr *ctr_from_launch(struct ou_launch *l)
{
	struct ou_ctr *c = ou_xcalloc(1, sizeof(*c));

	c->sd = ou_steal_ptr(&l->sd);
	c->st = ou_steal_ptr(&l->st);
	c->spec = ou_steal_ptr(&l->spec);
	c->status = OU_STATUS_CREATED;
	return c;
}

static int wait_foreground(struct ou_launch *l, struct ou_ctr *c, struct ou_error **err)
{
	struct termios saved;
	bool raw = l->pty_master >= 0 && isatty(STDIN_FILENO) &&
		   ou_terminal_make_raw(STDIN_FILENO, &saved) == 0;
	int status;

	/* Let others (state, kill, exec) reach the container while it runs. */
	ou_state_dir_free(c->sd);
	c->sd = NULL;
	status = ou_process_wait_forward(l->pid, l->pty_master, err);
	if (raw)
		ou_terminal_restore(STDIN_FILENO, &saved);
	return status;
}

static int delete_after(const struct ou_global_opts *g, const char *id, struct ou_error **err)
{
	return ou_container_delete(g, id, true, false, err);
}

int ou_container_run(const struct ou_global_opts *g, const char *id, const struct ou_create_opts *o,
		     bool detach, bool keep, int *status, struct ou_error **err)
{
	struct ou_launch l;
	struct ou_ctr *c = NULL;
	int rc;

	ou_launch_init(&l, g, id, o, !detach);
	if (ou_launch_create(&l, err) < 0) {
		ou_error_prefix(err, "run '%s'", id);
		ou_launch_release(&l);
		return -1;
	}
	c = ctr_from_launch(&l);
	rc = ou_ctr_start(c, err);
	if (rc == 0 && !detach)
		rc = wait_foreground(&l, c, err);
	if (rc >= 0)
		*status = detach ? 0 : rc;
	ou_ctr_free(c);
	if ((rc < 0 || !detach) && !keep) {
		ou_autoerror struct ou_error *e = NULL;

		if (delete_after(g, id, rc < 0 ? &e : err) < 0 && rc >= 0)
			rc = -1;
		else if (e != NULL)
			ou_log_warning("delete '%s' after failed run: %s", id, e->msg);
	}
	ou_launch_release(&l);
	if (rc < 0)
		ou_error_prefix(err, "run '%s'", id);
	return rc < 0 ? -1 : 0;
}
