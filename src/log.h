/* Logging for srt: one prefix, debug gated by -d, fatal errors only from
 * the top layer (main and event callbacks). */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

void log_set_debug(bool on);
bool log_debug_enabled(void);

/* "srt: <msg>" on stderr. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "[SandboxDebug] <msg>" on stderr (the original's prefix), only with -d / SRT_DEBUG. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A message with no prefix, e.g. the spec's exact "Error: ..." lines. */
void log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "srt: <msg>" and exit(1).  Only for main-level code. */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
/* Same, appending ": strerror(errno)". */
__attribute__((noreturn, format(printf, 1, 2))) void die_errno(const char *fmt, ...);
__attribute__((noreturn)) void die_oom(void);
