/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_BASE_UTIL_H
#define OU_BASE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "runtime/base/error.h"

/* Allocation helpers: they abort on out-of-memory (STYLE 3.4). */
void *ou_xmalloc(size_t size);
void *ou_xcalloc(size_t n, size_t size);
void *ou_xrealloc(void *p, size_t size);
char *ou_xstrdup(const char *s);
char *ou_xstrndup(const char *s, size_t n);
char *ou_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "BUG at file:line: message" and abort; for programmer errors only. */
#define ou_bug(...) ou_bug_at(__FILE__, __LINE__, __VA_ARGS__)
void ou_bug_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/* Write all of buf to fd, retrying on EINTR and short writes.  -1 + errno. */
int ou_write_all(int fd, const void *buf, size_t len);

/* Read from fd until EOF; *out is NUL-terminated and owned by the caller. */
int ou_read_all(int fd, char **out, size_t *len, struct ou_error **err);

/* Read a whole file (at most max bytes; 0 means no limit). */
int ou_read_file(const char *path, size_t max, char **out, size_t *len, struct ou_error **err);

/* Write a file in one go, creating or truncating it. */
int ou_write_file(const char *path, const char *data, size_t len, mode_t mode,
		  struct ou_error **err);

/*
 * Write data to an existing file of procfs (a sysctl, an LSM attribute):
 * never created, and refused unless the file opened is procfs's, so that
 * a mount over /proc cannot take the write in its place.
 */
int ou_write_proc_file(const char *path, const char *data, size_t len, struct ou_error **err);

/* Write a file atomically: a temporary file beside it, fsync, rename. */
int ou_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			 struct ou_error **err);

/*
 * Replace a file as ou_write_file_atomic does, without the fsync: a reader
 * sees the old content or the new, never a part, and the new content
 * outlives the death of the writing process (it is in the page cache),
 * but not necessarily a power loss.
 */
int ou_write_file_replace(const char *path, const char *data, size_t len, mode_t mode,
			  struct ou_error **err);

/* mkdir -p; existing directories are fine. */
int ou_mkdir_p(const char *path, mode_t mode, struct ou_error **err);

/*
 * rm -rf of path, never crossing into another mounted filesystem and never
 * following symlinks.  A missing path is success.  Any depth works with
 * two descriptors at most (runtime/base/remove_tree.c).  On failure what
 * was removed stays removed, and the one-line error names the entry:
 * "remove 'PATH': unlink 'PATH/a/b/f'".
 */
int ou_remove_tree(const char *path, struct ou_error **err);

/*
 * The same, listing the tree first and then removing its entries with a
 * few threads, a directory once what it held is gone: for trees on a
 * disk, whose removals wait on it (runtime/base/remove_tree.c).  Nothing
 * is removed if the listing fails.  The threads are joined before it
 * returns, but call it where no unshare(CLONE_NEWUSER) or setns of a user
 * namespace follows: the kernel may not have released a joined thread yet.
 */
int ou_remove_tree_parallel(const char *path, struct ou_error **err);

/* Parse a whole decimal string into a long long within [min, max]. */
int ou_parse_ll(const char *s, long long min, long long max, long long *out);

/* True if s starts with prefix. */
bool ou_has_prefix(const char *s, const char *prefix);

/* True if path is dir or below it; both are real paths. */
bool ou_path_within(const char *path, const char *dir);

/* Join two path parts with exactly one '/'; caller frees. */
char *ou_path_join(const char *a, const char *b);

/*
 * sendmsg of buf with fd (if >= 0) attached as SCM_RIGHTS; -1 + errno.
 * recvmsg likewise: a received fd lands in *fd (close-on-exec), else -1.
 * Returns the number of bytes received, 0 at end of file.
 */
int ou_send_with_fd(int sock, const void *buf, size_t len, int fd);
ssize_t ou_recv_with_fd(int sock, void *buf, size_t len, int *fd);

/*
 * The current UTC time as RFC 3339 ("2026-12-03T22:44:23.123456789Z", or
 * without the fraction).  Formatted by hand: strftime would read the
 * time zone files for nothing.
 */
void ou_now_rfc3339(char *buf, size_t len, bool fraction);

/* Append item to the comma-separated list *list (NULL: empty), reallocated. */
void ou_csv_append(char **list, const char *item);

/* Sleep for us microseconds (less if a signal interrupts it). */
void ou_sleep_us(long us);

/*
 * The name of uid in the passwd(5) file at path, from the first line with
 * that uid, or NULL if no line has it or the file cannot be read.  Read
 * by hand, not through NSS: the runtime is linked statically, where glibc
 * would load NSS modules built for the shared libc.  Caller frees.
 */
char *ou_passwd_name(const char *path, uid_t uid);

/* Make every fd >= from close-on-exec. */
int ou_cloexec_from(int from);

#endif
