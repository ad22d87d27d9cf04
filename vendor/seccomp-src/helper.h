/* apply-seccomp's shared pieces (helper.c).  The helper shares no header
 * with srt's src/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define EXIT_SETUP 1 /* the sandbox cannot be set up: nothing runs */
#define EXIT_USAGE 2

extern bool opt_debug; /* --debug */

/* "apply-seccomp: debug: ..." on stderr, one write, when --debug. */
__attribute__((format(printf, 1, 2))) void debug(const char *fmt, ...);
/* "apply-seccomp: <msg>[: <strerror(errno)>]", then _exit(EXIT_SETUP). */
__attribute__((noreturn, format(printf, 1, 2))) void die_errno(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);

/* 0, or -1 with errno. */
int write_all(int fd, const void *buf, size_t len);
int write_proc_file(const char *path, const char *text);

/* A decimal in [min, max], nothing else: 0, or -1. */
int parse_long(const char *s, long min, long max, long *ret);

/* Empties every capability set (the ambient one too); dies on failure. */
void drop_all_caps(void);
