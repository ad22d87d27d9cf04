/* Where srt finds its own files: the build tree when ./src/srt runs from
 * it, else the install directories. */
#pragma once

#include <stdbool.h>

/* True when this binary is the one in the build tree it was compiled in
 * (src/srt or a test program under tests/).  Test hooks (SRT_TEST_*
 * variables) work only then: an installed srt ignores them. */
bool locate_in_build_tree(void);

/* Absolute path of the apply-seccomp helper (not checked for existence). */
const char *locate_helper(void);
/* Whether the program at path is srt's apply-seccomp (its --help names
 * the options srt passes), not the npm package's helper, which takes a
 * different command line.  Runs it once. */
bool locate_helper_is_srts(const char *path);
/* Absolute path of srt's data directory (example settings, filters). */
const char *locate_datadir(void);
/* Find an executable by name in $PATH (or take it as is when it contains a
 * '/').  Returns a malloc'd absolute path or NULL. */
char *locate_program(const char *name);
