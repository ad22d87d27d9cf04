/* apply-seccomp's shared pieces: one-line messages, fatal exits, writes,
 * capabilities, number parsing. */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

bool opt_debug;

/* One line on stderr with a single write(2): the helper's processes and the
 * command share that descriptor, and a line written in pieces would
 * interleave with theirs. */
static void emit_line(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s", prefix);

	if (n >= 0 && (size_t)n < sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s\n", suffix);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

__attribute__((format(printf, 1, 2))) void debug(const char *fmt, ...)
{
	va_list ap;

	if (!opt_debug)
		return;
	va_start(ap, fmt);
	emit_line("apply-seccomp: debug: ", fmt, ap, "");
	va_end(ap);
}

/* Prints "apply-seccomp: <msg>: <strerror(errno)>" and exits.  _exit: the
 * resident processes must not run atexit handlers (LeakSanitizer would try to
 * ptrace a non-dumpable process and change the exit status). */
__attribute__((noreturn, format(printf, 1, 2))) void die_errno(const char *fmt, ...)
{
	int saved = errno;
	char suffix[256];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(saved));
	va_start(ap, fmt);
	emit_line("apply-seccomp: ", fmt, ap, suffix);
	va_end(ap);
	_exit(EXIT_SETUP);
}

__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_line("apply-seccomp: ", fmt, ap, "");
	va_end(ap);
	_exit(EXIT_SETUP);
}

int write_all(int fd, const void *buf, size_t len)
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

/* Writes TEXT to the /proc file PATH, which must exist. */
int write_proc_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = write_all(fd, text, strlen(text));
	if (r < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/* Empties the effective, permitted and inheritable sets (and the ambient set). */
void drop_all_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0, 0, 0 } };

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die_errno("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
	if (syscall(SYS_capset, &hdr, data) < 0)
		die_errno("capset");
}

/* A decimal in [min, max], nothing else. */
int parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}
