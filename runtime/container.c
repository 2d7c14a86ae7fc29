/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/container.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"
#include "runtime/container_internal.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "spec/config.h"
#include "spec/state_json.h"

int ou_container_check_id(const char *id, struct ou_error **err)
{
	size_t len = strlen(id);

	/* It names the state directory: NAME_MAX */
	if (len == 0 || len > 255)
		return ou_error_set(err, OU_E_INVALID, 0, "container id must be 1 to 255 bytes");
	if (!isalnum((unsigned char)id[0]))
		return ou_error_set(err, OU_E_INVALID, 0,
				    "container id '%s' must start with a letter or digit", id);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)id[i];

		if (!isalnum(c) && c != '_' && c != '.' && c != '+' && c != '-')
			return ou_error_set(err, OU_E_INVALID, 0,
					    "container id '%s' has an invalid character", id);
	}
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP },	 { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },	 { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
	{ "FPE", SIGFPE },	 { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },	 { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },	 { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
	{ "XCPU", SIGXCPU },	 { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },	 { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

static int parse_rt_signal(const char *s, int *sig)
{
	long long off = 0;

	if (strcmp(s, "RTMIN") == 0 || strcmp(s, "RTMAX") == 0) {
		*sig = s[2] == 'M' && s[3] == 'I' ? SIGRTMIN : SIGRTMAX;
		return 0;
	}
	if (ou_has_prefix(s, "RTMIN+") && ou_parse_ll(s + 6, 0, SIGRTMAX - SIGRTMIN, &off) == 0) {
		*sig = SIGRTMIN + (int)off;
		return 0;
	}
	if (ou_has_prefix(s, "RTMAX-") && ou_parse_ll(s + 6, 0, SIGRTMAX - SIGRTMIN, &off) == 0) {
		*sig = SIGRTMAX - (int)off;
		return 0;
	}
	return -1;
}

int ou_container_parse_signal(const char *s, int *sig, struct ou_error **err)
{
	const char *name = s;
	long long n = 0;

	/* 0 sends nothing: kill only checks that the process exists */
	if (ou_parse_ll(s, 0, SIGRTMAX, &n) == 0) {
		*sig = (int)n;
		return 0;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (strcasecmp(name, signals[i].name) == 0) {
			*sig = signals[i].sig;
			return 0;
		}
	}
	if (parse_rt_signal(name, sig) == 0)
		return 0;
	return ou_error_set(err, OU_E_INVALID, 0, "unknown signal '%s'", s);
}

int ou_ctr_open(const struct ou_global_opts *g, const char *id, struct ou_ctr **out,
		struct ou_error **err)
{
	struct ou_ctr *c = NULL;

	if (ou_container_check_id(id, err) < 0)
		return -1;
	c = ou_xcalloc(1, sizeof(*c));
	if (ou_state_dir_open(g->root, id, &c->sd, err) < 0) {
		ou_ctr_free(c);
		return -1;
	}
	if (ou_state_dir_load(c->sd, &c->st, err) < 0) {
		ou_error_prefix(err, "container '%s'", id);
		ou_ctr_free(c);
		return -1;
	}
	c->status = ou_state_dir_status(c->sd, c->st);
	*out = c;
	return 0;
}

int ou_ctr_load_spec(struct ou_ctr *c, struct ou_error **err)
{
	ou_autofree char *path = NULL;
	ou_autofree char *json = NULL;
	size_t len = 0;

	if (c->spec != NULL)
		return 0;
	path = ou_path_join(c->sd->path, OU_STATE_CONFIG);
	if (ou_read_file(path, 0, &json, &len, err) < 0)
		return -1;
	return ou_config_parse(json, len, &c->spec, err);
}

void ou_ctr_free(struct ou_ctr *c)
{
	if (c == NULL)
		return;
	ou_state_dir_free(c->sd);
	ou_state_free(c->st);
	ou_spec_free(c->spec);
	free(c);
}

char *ou_ctr_hook_state(const struct ou_state *st, enum ou_status status, size_t *len)
{
	struct ou_state copy = *st;

	copy.status = status;
	return ou_state_json_generate(&copy, true, len);
}

int ou_container_spec(const char *bundle, bool rootless, struct ou_error **err)
{
	ou_autofree char *path = ou_path_join(bundle ? bundle : ".", "config.json");
	ou_autofree char *json = NULL;
	size_t len = 0;

	if (access(path, F_OK) == 0)
		return ou_error_set(err, OU_E_STATE, 0, "'%s' already exists", path);
	json = ou_config_default_json(rootless, &len);
	return ou_write_file(path, json, len, 0644, err);
}

int ou_ctr_pass_listener(const struct ou_state *st, const struct ou_spec *spec, pid_t pid,
			 int sync_fd, struct ou_error **err)
{
	const struct ou_seccomp *sc = spec->linux_->seccomp;
	ou_autoclose int fd = -1;
	ou_autofree char *json = NULL;
	struct ou_state copy = *st;
	size_t len = 0;

	if (ou_sync_expect(sync_fd, OU_SYNC_FD, NULL, &fd, err) < 0)
		return -1;
	copy.pid = pid;
	json = ou_state_json_process_state(&copy, sc->listener_metadata, &len);
	if (ou_seccomp_send_listener(sc->listener_path, fd, json, len, err) < 0) {
		ou_error_prefix(err, "linux.seccomp.listenerPath");
		return -1;
	}
	return 0;
}
