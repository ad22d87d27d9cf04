/* Allocation, cleanup attributes and small helpers shared by every module. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Scoped cleanup for locals (bubblewrap/systemd style). */
static inline void cleanup_freep(void *p) { free(*(void **)p); }
void cleanup_closep(int *fd);
void cleanup_fclosep(FILE **f);
#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))

/* Hand ownership out of a _cleanup_ variable. */
#define steal_pointer(pp) ({ __typeof__(*(pp)) _p = *(pp); *(pp) = NULL; _p; })
#define steal_fd(fdp) ({ int _fd = *(fdp); *(fdp) = -1; _fd; })

/* Spawn attributes that undo srt's signal state in a child: an empty mask
 * and default dispositions (srt blocks INT/TERM/HUP/CHLD and ignores PIPE,
 * and both survive exec).  Destroy with posix_spawnattr_destroy(). */
void spawnattr_init_clean(posix_spawnattr_t *attr);

/* Run argv[0] (a path) with argv, its standard output read into a
 * malloc'd, NUL-terminated buffer of at most max bytes (the rest is not
 * read), stderr on /dev/null when quiet.  Returns the wait status, or -1
 * when it could not start (*ret_buf then NULL). */
int run_capture(char *const argv[], bool quiet, size_t max, char **ret_buf, size_t *ret_len);

/* Write buf whole into the memfd (made with MFD_ALLOW_SEALING), seal it
 * against any change and rewind it.  0, or -1 with errno. */
int memfd_fill_seal(int fd, const void *buf, size_t len);

/* close() that keeps errno and ignores -1. */
void close_keep_errno(int fd);

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);

/* True if path equals dir or lies below it (both absolute, normalised). */
bool path_is_within(const char *path, const char *dir);
/* Join two path parts with exactly one '/'. */
char *path_join(const char *a, const char *b);

/* Read a whole file (up to max bytes) into a NUL-terminated buffer.
 * Returns 0 or -errno (-EFBIG when larger than max). */
int read_file_max(const char *path, size_t max, char **ret_data, size_t *ret_len);
/* The same for files a sandboxed program may have replaced (anything in a
 * writable tree): never blocks on open, and only a regular file is read
 * (-EINVAL for a FIFO, socket or device; -EISDIR for a directory).
 * read_file_max() stays for files the user names, which may be pipes. */
int read_regular_file_max(const char *path, size_t max, char **ret_data, size_t *ret_len);
