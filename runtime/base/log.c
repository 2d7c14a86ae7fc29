/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/util.h"

static int log_fd = -1;
static int forward_fd = -1;
static enum ou_log_format log_format = OU_LOG_FORMAT_TEXT;
static enum ou_log_level log_level = OU_LOG_ERROR;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int ou_log_init(const char *path, enum ou_log_format format, enum ou_log_level level,
		struct ou_error **err)
{
	int fd = -1;

	if (path != NULL) {
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return ou_error_set(err, OU_E_SYSTEM, errno, "open log file '%s'", path);
	}
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	log_format = format;
	log_level = level;
	return 0;
}

int ou_log_parse_format(const char *s, enum ou_log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = OU_LOG_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = OU_LOG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

int ou_log_parse_level(const char *s, enum ou_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum ou_log_level)i;
			return 0;
		}
	}
	if (strcmp(s, "warn") == 0) {
		*out = OU_LOG_WARNING;
		return 0;
	}
	return -1;
}

bool ou_log_enabled(enum ou_log_level level)
{
	return level <= log_level;
}

int ou_log_fd(void)
{
	return log_fd;
}

void ou_log_forward(int fd)
{
	forward_fd = fd;
}

/* One record for another process: 'W', the level, a space, msg, a NUL. */
static void write_forward(enum ou_log_level level, const char *msg)
{
	char *rec = NULL;
	int n = asprintf(&rec, "W%d %s", (int)level, msg);

	if (n < 0)
		abort();
	(void)!write(forward_fd, rec, (size_t)n + 1);
	free(rec);
}

void ou_log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

static void write_json(int fd, enum ou_log_level level, const char *msg)
{
	const unsigned char *out = NULL;
	char when[64];
	size_t outlen = 0;
	yajl_gen g;

	ou_now_rfc3339(when, sizeof(when), true);
	g = yajl_gen_alloc(NULL);
	if (g == NULL)
		abort();
	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)"level", 5);
	yajl_gen_string(g, (const unsigned char *)level_names[level], strlen(level_names[level]));
	yajl_gen_string(g, (const unsigned char *)"msg", 3);
	yajl_gen_string(g, (const unsigned char *)msg, strlen(msg));
	yajl_gen_string(g, (const unsigned char *)"time", 4);
	yajl_gen_string(g, (const unsigned char *)when, strlen(when));
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &out, &outlen);
	{
		char *line = ou_xmalloc(outlen + 1);

		memcpy(line, out, outlen);
		line[outlen] = '\n';
		(void)!write(fd, line, outlen + 1);
		free(line);
	}
	yajl_gen_free(g);
}

/*
 * msg with its control characters written as \n or \xHH: a name from a
 * config ("a\nb") must not split a text record in two.  JSON escapes them.
 */
static char *one_line(const char *msg)
{
	char *out = ou_xmalloc(4 * strlen(msg) + 1), *p = out;

	for (const unsigned char *s = (const unsigned char *)msg; *s != '\0'; s++) {
		if (*s == '\n')
			p += sprintf(p, "\\n");
		else if ((*s < 0x20 && *s != '\t') || *s == 0x7f)
			p += sprintf(p, "\\x%02x", *s);
		else
			*p++ = (char)*s;
	}
	*p = '\0';
	return out;
}

static void write_text(int fd, enum ou_log_level level, const char *msg)
{
	char *line = ou_xasprintf("%s: %s\n", level_names[level], msg);

	(void)!write(fd, line, strlen(line));
	free(line);
}

void ou_log(enum ou_log_level level, const char *fmt, ...)
{
	int saved = errno;
	char *msg = NULL, *text;
	va_list ap;

	/* A forwarded record is filtered by the level of the process that logs it. */
	if (!ou_log_enabled(level) && forward_fd < 0)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (forward_fd >= 0) {
		write_forward(level, msg);
		free(msg);
		errno = saved;
		return;
	}
	if (log_fd >= 0 && log_format == OU_LOG_FORMAT_JSON)
		write_json(log_fd, level, msg);
	text = one_line(msg);
	free(msg);
	msg = text;
	if (log_fd >= 0 && log_format != OU_LOG_FORMAT_JSON)
		write_text(log_fd, level, msg);
	if (level == OU_LOG_ERROR) {
		char *line = ou_xasprintf("ociunion: %s\n", msg);

		(void)!write(STDERR_FILENO, line, strlen(line));
		free(line);
	} else if (level == OU_LOG_WARNING || log_fd < 0) {
		/* Warnings, as errors, also reach stderr when there is a log file. */
		write_text(STDERR_FILENO, level, msg);
	}
	free(msg);
	errno = saved;
}
