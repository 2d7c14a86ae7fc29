/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The last step of a container's process before its own program: a tiny
 * program without libc that the runtime runs from a sealed memfd copy
 * (runtime/trampoline.c), and that executes the container's program.
 *
 * Why: until that execve the process is the host's ociunion binary.  A
 * script in the container whose interpreter is "/proc/self/exe" would have
 * the kernel run the host's binary again as the container's process, and
 * a process of the container could keep /proc/PID/exe of it open and
 * write the host's binary once it exited (the CVE-2019-5736 shape).  When
 * this program does the execve, /proc/self/exe is its own sealed copy.
 *
 * argv: MARK, report fd, 'f' or 's', sync error type, kind for ENOENT,
 * kind otherwise, path, then the program's own argv.  If the execve
 * fails, the error goes to the report fd in the protocol the runtime's
 * waiting side reads: 'f', start's exec.fifo ("E<kind> <errno> <msg>");
 * 's', exec's sync socket (struct sync_msg of runtime/process.c).  The
 * exit status is then 127 for a missing program, else 126.  Started any
 * other way (say as the interpreter of a script) it exits with 127.
 *
 * Built with -nostdlib (Makefile.am), for x86_64 and aarch64.
 */
#include <asm/unistd.h>
#include <stddef.h>
#include <stdint.h>

#define OU_TRAMPOLINE_PROGRAM
#include "runtime/trampoline.h"

#define ERR_ENOENT  2
#define F_SETFD_    2
#define FD_CLOEXEC_ 1

static long sys3(long n, long a, long b, long c)
{
#if defined(__x86_64__)
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;

	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
#else
#error "exec_trampoline: no system call stub for this architecture"
#endif
}

static __attribute__((noreturn)) void leave(int status)
{
	for (;;)
		sys3(__NR_exit_group, status, 0, 0);
}

static int same(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static long number(const char *s)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

/* Append s at *p, at most up to end; returns the new position. */
static char *put(char *p, const char *end, const char *s)
{
	while (*s != '\0' && p < end)
		*p++ = *s++;
	return p;
}

static char *put_number(char *p, const char *end, long v)
{
	char digits[24];
	int n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && n < (int)sizeof(digits));
	while (n > 0 && p < end)
		*p++ = digits[--n];
	return p;
}

static void report(char **argv, long e)
{
	/* struct sync_msg: type, value, kind, errnum, then the message */
	char buf[16 + OU_TRAMPOLINE_MSG_MAX];
	const char *end = buf + sizeof(buf) - 1;
	long fd = number(argv[1]);
	long kind = number(e == ERR_ENOENT ? argv[4] : argv[5]);
	char *p = buf;

	if (argv[2][0] == 's') {
		int32_t head[4] = { (int32_t)number(argv[3]), 0, (int32_t)kind, (int32_t)e };

		for (size_t i = 0; i < sizeof(head); i++)
			*p++ = ((const char *)head)[i];
	} else {
		p = put(p, end, "E");
		p = put_number(p, end, kind);
		p = put(p, end, " ");
		p = put_number(p, end, e);
		p = put(p, end, " ");
	}
	p = put(p, end, "exec '");
	p = put(p, end, argv[7]);
	p = put(p, end, "'");
	*p++ = '\0';
	sys3(__NR_write, fd, (long)buf, argv[2][0] == 's' ? p - buf : p - buf - 1);
}

__attribute__((noreturn, used)) void ou_trampoline_main(long *sp);

void ou_trampoline_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	long e;

	if (argc < 8 || !same(argv[0], OU_TRAMPOLINE_MARK))
		leave(127);
	/* The report fd must not reach the program; it closes on success. */
	sys3(__NR_fcntl, number(argv[1]), F_SETFD_, FD_CLOEXEC_);
	e = -sys3(__NR_execve, (long)argv[6], (long)(argv + 7), (long)envp);
	report(argv, e);
	leave(e == ERR_ENOENT ? 127 : 126);
}

#if defined(__x86_64__)
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call ou_trampoline_main\n"
	"	hlt\n");
#elif defined(__aarch64__)
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x0, sp\n"
	"	bl ou_trampoline_main\n"
	"	brk #0\n");
#endif
