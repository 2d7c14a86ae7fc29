/*
 * payload: the container process of the integration tests.
 *
 * A small static program (libc only) for the checks where busybox is not
 * precise enough.  Each subcommand prints its result as lines on stdout and
 * exits 0, or prints "usage" or an errno name and exits 2 or 1.  Output is
 * written with write(2) line by line so nothing is lost when the process is
 * killed.
 *
 *   exit N              exit with status N
 *   write PATH TEXT     create or truncate PATH, write TEXT: "ok" or "EROFS"...
 *   open PATH MODE      open PATH with MODE r, w, rw, a or c (create): "ok" or errno
 *   stat PATH           "type=dir mode=0755 uid=0 gid=0" (lstat) or errno
 *   caps                "CapInh=...", "CapPrm=...", "CapEff=...", "CapBnd=...",
 *                       "CapAmb=..." from /proc/self/status
 *   limits              "RLIMIT_NOFILE SOFT HARD" per resource ("unlimited")
 *   fds                 "N TARGET" for every open descriptor
 *   sleep N             sleep N seconds, then print "slept"
 *   signal-wait [N]     print "ready", then the name of each signal received
 *                       ("SIGUSR1"); exits after N signals (default 1) or
 *                       after SIGTERM
 *   umask               the umask in octal, "0022"
 *   ids                 "uid=U euid=U gid=G egid=G groups=A,B"
 *   remount PATH ro|rw  remount the mount at PATH (MS_REMOUNT|MS_BIND,
 *                       with MS_RDONLY for ro): "ok" or errno
 *   umount PATH         umount2 PATH, then with MNT_DETACH if that fails:
 *                       "ok" or the errno of each try ("EINVAL EINVAL")
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0) {
		return;
	}
	if (n > (int)sizeof(buf) - 2) {
		n = (int)sizeof(buf) - 2;
	}
	buf[n++] = '\n';
	if (write(STDOUT_FILENO, buf, (size_t)n) < 0) {
		_exit(3);
	}
}

static const char *errno_name(int e)
{
	const char *name = strerrorname_np(e);

	return name ? name : "EUNKNOWN";
}

static int fail_errno(void)
{
	say("%s", errno_name(errno));
	return 1;
}

static int parse_int(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0') {
		return -1;
	}
	return 0;
}

static int cmd_exit(int argc, char **argv)
{
	long n;

	if (argc != 1 || parse_int(argv[0], &n) < 0) {
		return 2;
	}
	exit((int)n);
}

static int cmd_write(int argc, char **argv)
{
	size_t len;
	int fd;

	if (argc != 2) {
		return 2;
	}
	fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		return fail_errno();
	}
	len = strlen(argv[1]);
	if (write(fd, argv[1], len) != (ssize_t)len) {
		close(fd);
		return fail_errno();
	}
	if (close(fd) < 0) {
		return fail_errno();
	}
	say("ok");
	return 0;
}

static int open_flags(const char *mode)
{
	static const struct {
		const char *name;
		int flags;
	} modes[] = {
		{ "r", O_RDONLY },
		{ "w", O_WRONLY },
		{ "rw", O_RDWR },
		{ "a", O_WRONLY | O_APPEND },
		{ "c", O_WRONLY | O_CREAT | O_EXCL },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(mode, modes[i].name) == 0) {
			return modes[i].flags;
		}
	}
	return -1;
}

static int cmd_open(int argc, char **argv)
{
	int flags;
	int fd;

	if (argc != 2 || (flags = open_flags(argv[1])) < 0) {
		return 2;
	}
	fd = open(argv[0], flags | O_CLOEXEC, 0644);
	if (fd < 0) {
		return fail_errno();
	}
	close(fd);
	say("ok");
	return 0;
}

static const char *file_type(mode_t mode)
{
	if (S_ISDIR(mode)) {
		return "dir";
	}
	if (S_ISREG(mode)) {
		return "file";
	}
	if (S_ISLNK(mode)) {
		return "symlink";
	}
	if (S_ISCHR(mode)) {
		return "char";
	}
	if (S_ISBLK(mode)) {
		return "block";
	}
	if (S_ISFIFO(mode)) {
		return "fifo";
	}
	return "socket";
}

static int cmd_stat(int argc, char **argv)
{
	struct stat st;

	if (argc != 1) {
		return 2;
	}
	if (lstat(argv[0], &st) < 0) {
		return fail_errno();
	}
	say("type=%s mode=%04o uid=%u gid=%u", file_type(st.st_mode),
	    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid);
	return 0;
}

static int cmd_caps(int argc, char **argv)
{
	char line[512];
	FILE *f;

	(void)argv;
	if (argc != 0) {
		return 2;
	}
	f = fopen("/proc/self/status", "re");
	if (f == NULL) {
		return fail_errno();
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[64];
		char value[64];

		if (strncmp(line, "Cap", 3) != 0) {
			continue;
		}
		if (sscanf(line, "%63[^:]: %63s", name, value) == 2) {
			say("%s=%s", name, value);
		}
	}
	fclose(f);
	return 0;
}

static void format_limit(char *buf, size_t size, rlim_t v)
{
	if (v == RLIM_INFINITY) {
		snprintf(buf, size, "unlimited");
	} else {
		snprintf(buf, size, "%llu", (unsigned long long)v);
	}
}

static int cmd_limits(int argc, char **argv)
{
	static const struct {
		const char *name;
		int resource;
	} res[] = {
		{ "RLIMIT_AS", RLIMIT_AS },
		{ "RLIMIT_CORE", RLIMIT_CORE },
		{ "RLIMIT_CPU", RLIMIT_CPU },
		{ "RLIMIT_DATA", RLIMIT_DATA },
		{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
		{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
		{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
		{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
		{ "RLIMIT_NICE", RLIMIT_NICE },
		{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
		{ "RLIMIT_NPROC", RLIMIT_NPROC },
		{ "RLIMIT_RSS", RLIMIT_RSS },
		{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
		{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
		{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
		{ "RLIMIT_STACK", RLIMIT_STACK },
	};

	(void)argv;
	if (argc != 0) {
		return 2;
	}
	for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
		struct rlimit rl;
		char soft[32];
		char hard[32];

		if (getrlimit(res[i].resource, &rl) < 0) {
			return fail_errno();
		}
		format_limit(soft, sizeof(soft), rl.rlim_cur);
		format_limit(hard, sizeof(hard), rl.rlim_max);
		say("%s %s %s", res[i].name, soft, hard);
	}
	return 0;
}

static int cmd_fds(int argc, char **argv)
{
	struct dirent *de;
	DIR *d;

	(void)argv;
	if (argc != 0) {
		return 2;
	}
	d = opendir("/proc/self/fd");
	if (d == NULL) {
		return fail_errno();
	}
	while ((de = readdir(d)) != NULL) {
		char target[PATH_MAX];
		ssize_t n;

		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d)) {
			continue;
		}
		n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		say("%s %s", de->d_name, target);
	}
	closedir(d);
	return 0;
}

static int cmd_sleep(int argc, char **argv)
{
	struct timespec ts;
	long n;

	if (argc != 1 || parse_int(argv[0], &n) < 0 || n < 0) {
		return 2;
	}
	ts.tv_sec = n;
	ts.tv_nsec = 0;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
		continue;
	}
	say("slept");
	return 0;
}

static void ignore_signal(int sig)
{
	(void)sig;
}

static int cmd_signal_wait(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t all;
	long count = 1;

	if (argc > 1 || (argc == 1 && (parse_int(argv[0], &count) < 0 || count < 1))) {
		return 2;
	}
	/*
	 * A handler as well as the mask: pid 1 of a pid namespace never gets a
	 * signal whose action is the default.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore_signal;
	for (int sig = 1; sig < NSIG; sig++) {
		sigaction(sig, &sa, NULL);
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	say("ready");
	for (long got = 0; got < count;) {
		int sig = sigwaitinfo(&all, NULL);

		if (sig < 0) {
			continue;
		}
		say("SIG%s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "UNKNOWN");
		got++;
		if (sig == SIGTERM) {
			break;
		}
	}
	return 0;
}

static int cmd_umask(int argc, char **argv)
{
	mode_t old;

	(void)argv;
	if (argc != 0) {
		return 2;
	}
	old = umask(0);
	umask(old);
	say("%04o", (unsigned)old);
	return 0;
}

static int cmd_ids(int argc, char **argv)
{
	gid_t groups[NGROUPS_MAX];
	char list[NGROUPS_MAX * 12 + 1] = "";
	size_t len = 0;
	int n;

	(void)argv;
	if (argc != 0) {
		return 2;
	}
	n = getgroups(NGROUPS_MAX, groups);
	if (n < 0) {
		return fail_errno();
	}
	for (int i = 0; i < n; i++) {
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u", i ? "," : "",
					(unsigned)groups[i]);
	}
	say("uid=%u euid=%u gid=%u egid=%u groups=%s", (unsigned)getuid(), (unsigned)geteuid(),
	    (unsigned)getgid(), (unsigned)getegid(), list);
	return 0;
}

static int cmd_remount(int argc, char **argv)
{
	unsigned long flags = MS_REMOUNT | MS_BIND;

	if (argc != 2 || (strcmp(argv[1], "ro") != 0 && strcmp(argv[1], "rw") != 0)) {
		return 2;
	}
	if (strcmp(argv[1], "ro") == 0) {
		flags |= MS_RDONLY;
	}
	if (mount(NULL, argv[0], NULL, flags, NULL) < 0) {
		return fail_errno();
	}
	say("ok");
	return 0;
}

static int cmd_umount(int argc, char **argv)
{
	int first;

	if (argc != 1) {
		return 2;
	}
	if (umount2(argv[0], 0) == 0) {
		say("ok");
		return 0;
	}
	first = errno;
	if (umount2(argv[0], MNT_DETACH) == 0) {
		say("ok");
		return 0;
	}
	say("%s %s", errno_name(first), errno_name(errno));
	return 1;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "exit", cmd_exit },	  { "write", cmd_write }, { "open", cmd_open },
	{ "stat", cmd_stat },	  { "caps", cmd_caps },	  { "limits", cmd_limits },
	{ "fds", cmd_fds },	  { "sleep", cmd_sleep }, { "signal-wait", cmd_signal_wait },
	{ "umask", cmd_umask },	  { "ids", cmd_ids },	  { "remount", cmd_remount },
	{ "umount", cmd_umount },
};

int main(int argc, char **argv)
{
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
			if (strcmp(argv[1], commands[i].name) == 0) {
				int rc = commands[i].fn(argc - 2, argv + 2);

				if (rc == 2) {
					say("usage");
				}
				return rc;
			}
		}
	}
	say("usage");
	return 2;
}
