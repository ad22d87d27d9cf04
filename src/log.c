#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool debug_on;

void log_set_debug(bool on) { debug_on = on; }

bool log_debug_enabled(void) { return debug_on; }

static void vlog(const char *prefix, const char *fmt, va_list ap, int errnum)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("srt: ", fmt, ap, 0);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;
	if (!debug_on)
		return;
	va_start(ap, fmt);
	vlog("[SandboxDebug] ", fmt, ap, 0);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("", fmt, ap, 0);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("srt: ", fmt, ap, 0);
	va_end(ap);
	exit(1);
}

void die_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog("srt: ", fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void die_oom(void)
{
	fputs("srt: out of memory\n", stderr);
	exit(1);
}
