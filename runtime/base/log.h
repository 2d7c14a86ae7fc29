/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_BASE_LOG_H
#define OU_BASE_LOG_H

#include <stdbool.h>

#include "runtime/base/error.h"

enum ou_log_level {
	OU_LOG_ERROR = 0,
	OU_LOG_WARNING,
	OU_LOG_INFO,
	OU_LOG_DEBUG,
};

enum ou_log_format {
	OU_LOG_FORMAT_TEXT = 0,
	OU_LOG_FORMAT_JSON,
};

/*
 * Configure logging.  path may be NULL (stderr only).  The file is opened
 * O_APPEND so that records of the parent and of the container child never
 * interleave.  On failure nothing changes.
 */
int ou_log_init(const char *path, enum ou_log_format format, enum ou_log_level level,
		struct ou_error **err);

/* Parse "text"/"json" and "error"/"warning"/"info"/"debug"; -1 if unknown. */
int ou_log_parse_format(const char *s, enum ou_log_format *out);
int ou_log_parse_level(const char *s, enum ou_log_level *out);

/* True if records at level would be written. */
bool ou_log_enabled(enum ou_log_level level);

/*
 * Write one record.  Text records go to stderr as "level: msg" unless a log
 * file is set; JSON records are {"level","msg","time"} lines.  An error
 * record is always written to stderr as "ociunion: msg", and a warning as
 * "warning: msg", also when the log goes to a file.  With a forward fd set,
 * records go only there (ou_log_forward).
 */
void ou_log(enum ou_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ou_log_debug(...) \
	(ou_log_enabled(OU_LOG_DEBUG) ? ou_log(OU_LOG_DEBUG, __VA_ARGS__) : (void)0)
#define ou_log_warning(...) ou_log(OU_LOG_WARNING, __VA_ARGS__)

/* The descriptor of the log file, or -1; kept open across exec of helpers. */
int ou_log_fd(void);

/*
 * Send every later record to fd instead, as "W<level> <msg>" ending in a
 * NUL, for another process to log (the container process after start,
 * whose stderr is the container's); -1 stops.
 */
void ou_log_forward(int fd);

/* Close the log file, e.g. just before the container process is exec'd. */
void ou_log_close(void);

#endif
