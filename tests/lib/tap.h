/* A tiny TAP producer for C unit tests (no framework dependency).
 *   ok(cond, "name %d", i);  is_str(got, want, "name");  is_int(...);
 *   return tap_done();       -- prints the plan, exit status 1 on failure */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3))) static inline bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define is_str(got, want, ...)                                                              \
	do {                                                                                \
		const char *g_ = (got), *w_ = (want);                                       \
		if (!ok(g_ == w_ || (g_ && w_ && strcmp(g_, w_) == 0), __VA_ARGS__))         \
			printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)",       \
			       w_ ? w_ : "(null)");                                         \
	} while (0)

#define is_int(got, want, ...)                                                              \
	do {                                                                                \
		long long g_ = (long long)(got), w_ = (long long)(want);                    \
		if (!ok(g_ == w_, __VA_ARGS__))                                             \
			printf("#   got:  %lld\n#   want: %lld\n", g_, w_);                  \
	} while (0)

/* Prints "1..N"; returns the process exit status. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
