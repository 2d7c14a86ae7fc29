/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"

void *ou_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		abort();
	return p;
}

void *ou_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		abort();
	return p;
}

void *ou_xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (q == NULL)
		abort();
	return q;
}

char *ou_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();
	return p;
}

char *ou_xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		abort();
	return p;
}

char *ou_xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

void ou_bug_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "BUG at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

int ou_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ou_read_all(int fd, char **out, size_t *len, struct ou_error **err)
{
	size_t cap = 4096, used = 0;
	char *buf = ou_xmalloc(cap);

	for (;;) {
		ssize_t n;

		if (cap - used < 2) {
			cap *= 2;
			buf = ou_xrealloc(buf, cap);
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return ou_error_set(err, OU_E_SYSTEM, errno, "read");
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*out = buf;
	if (len != NULL)
		*len = used;
	return 0;
}

int ou_read_file(const char *path, size_t max, char **out, size_t *len, struct ou_error **err)
{
	ou_autoclose int fd = -1;
	size_t n = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ou_error_set(err, errno == ENOENT ? OU_E_NOT_FOUND : OU_E_SYSTEM, errno,
				    "open '%s'", path);
	if (ou_read_all(fd, out, &n, err) < 0) {
		ou_error_prefix(err, "'%s'", path);
		return -1;
	}
	if (max > 0 && n > max) {
		free(*out);
		*out = NULL;
		return ou_error_set(err, OU_E_INVALID, 0, "'%s' is larger than %zu bytes", path,
				    max);
	}
	if (len != NULL)
		*len = n;
	return 0;
}

int ou_write_file(const char *path, const char *data, size_t len, mode_t mode,
		  struct ou_error **err)
{
	ou_autoclose int fd = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", path);
	if (ou_write_all(fd, data, len) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "write '%s'", path);
	return 0;
}

int ou_write_proc_file(const char *path, const char *data, size_t len, struct ou_error **err)
{
	ou_autoclose int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	struct statfs fs;

	if (fd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", path);
	if (fstatfs(fd, &fs) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "statfs '%s'", path);
	if (fs.f_type != PROC_SUPER_MAGIC)
		return ou_error_set(err, OU_E_INVALID, 0,
				    "'%s' is not a file of procfs: something is mounted over /proc",
				    path);
	if (ou_write_all(fd, data, len) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "write '%s'", path);
	return 0;
}

/* Errors name path, the file the caller asked for, not the temporary one. */
static int write_and_rename(const char *path, const char *data, size_t len, mode_t mode, bool sync,
			    struct ou_error **err)
{
	ou_autofree char *tmp = ou_xasprintf("%s.tmp.%d", path, (int)getpid());
	ou_autoclose int fd = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "open '%s'", path);
	if (ou_write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0)) {
		int saved = errno;

		unlink(tmp);
		return ou_error_set(err, OU_E_SYSTEM, saved, "write '%s'", path);
	}
	if (rename(tmp, path) < 0) {
		int saved = errno;

		unlink(tmp);
		return ou_error_set(err, OU_E_SYSTEM, saved, "rename '%s' to '%s'", tmp, path);
	}
	return 0;
}

int ou_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			 struct ou_error **err)
{
	return write_and_rename(path, data, len, mode, true, err);
}

int ou_write_file_replace(const char *path, const char *data, size_t len, mode_t mode,
			  struct ou_error **err)
{
	return write_and_rename(path, data, len, mode, false, err);
}

int ou_mkdir_p(const char *path, mode_t mode, struct ou_error **err)
{
	ou_autofree char *copy = ou_xstrdup(path);
	char *p = copy;

	while (*p == '/')
		p++;
	for (;;) {
		char *slash = strchr(p, '/');

		if (slash != NULL)
			*slash = '\0';
		if (*copy != '\0' && mkdir(copy, mode) < 0 && errno != EEXIST)
			return ou_error_set(err, OU_E_SYSTEM, errno, "mkdir '%s'", copy);
		if (slash == NULL)
			break;
		*slash = '/';
		p = slash + 1;
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
	}
	return 0;
}

int ou_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end = NULL;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

bool ou_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool ou_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

char *ou_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (*b == '\0')
		return ou_xstrndup(a, la);
	if (la == 1 && a[0] == '/')
		return ou_xasprintf("/%s", b);
	return ou_xasprintf("%.*s/%s", (int)la, a, b);
}

int ou_cloexec_from(int from)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)from, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0)
		return 0;
#endif
	for (int fd = from; fd < 65536; fd++) {
		int flags = fcntl(fd, F_GETFD);

		if (flags >= 0 && !(flags & FD_CLOEXEC))
			fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
	}
	return 0;
}

int ou_send_with_fd(int sock, const void *buf, size_t len, int fd)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

ssize_t ou_recv_with_fd(int sock, void *buf, size_t len, int *fd)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			if (*fd >= 0)
				close(*fd);
			memcpy(fd, CMSG_DATA(c), sizeof(int));
		}
	}
	return n;
}

void ou_now_rfc3339(char *buf, size_t len, bool fraction)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (fraction)
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
	else
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void ou_csv_append(char **list, const char *item)
{
	char *joined;

	if (*list == NULL) {
		*list = ou_xstrdup(item);
		return;
	}
	joined = ou_xasprintf("%s,%s", *list, item);
	free(*list);
	*list = joined;
}

void ou_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

/* "name:password:uid:..." with the uid in decimal; NULL if uid differs. */
static char *passwd_line_name(char *line, uid_t uid)
{
	char *name_end = strchr(line, ':');
	char *uid_field = name_end != NULL ? strchr(name_end + 1, ':') : NULL;
	char *uid_end = uid_field != NULL ? strchr(uid_field + 1, ':') : NULL;
	long long v;

	if (uid_end == NULL || name_end == line)
		return NULL;
	*uid_end = '\0';
	if (ou_parse_ll(uid_field + 1, 0, UINT32_MAX, &v) < 0 || (uid_t)v != uid)
		return NULL;
	return ou_xstrndup(line, (size_t)(name_end - line));
}

char *ou_passwd_name(const char *path, uid_t uid)
{
	ou_autofclose FILE *f = fopen(path, "re");
	ou_autofree char *line = NULL;
	size_t cap = 0;
	char *name = NULL;

	if (f == NULL)
		return NULL;
	while (name == NULL && getline(&line, &cap, f) >= 0)
		name = passwd_line_name(line, uid);
	return name;
}
