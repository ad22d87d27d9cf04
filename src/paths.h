/* Path spelling rules for settings paths: "~" expansion, cwd-relative paths,
 * lexical clean-up, symlink resolution ("resolve before mask") and the glob
 * expansion used for every filesystem list.  No policy here. */
#pragma once

#include "strv.h"

#include <stdbool.h>
#include <stddef.h>

/* True if s holds a glob character: * ? [ ] */
bool path_has_glob(const char *s);

/* Lexical normalisation: exactly "~" or a "~/" prefix -> home ("~user" is
 * not expanded and stays cwd-relative), relative -> against cwd, then "//",
 * "/./", trailing "/" and "/." collapsed and ".." folded (never above "/").
 * cwd and home must be absolute.  Returns NULL for an empty path. */
char *path_normalize(const char *p, const char *cwd, const char *home);

/* Number of components: "/" is 0, "/a/b" is 2. */
size_t path_depth(const char *abs);

/* Parent of an absolute normalised path ("/" for "/a" and for "/"). */
char *path_parent(const char *abs);

/* Resolve every symlink of an absolute path, dangling ones included; once a
 * component is missing (or not a directory, or unreadable) the rest is
 * appended lexically.  Returns 0, -ELOOP after 40 links, or -ENAMETOOLONG
 * when the result (or a step of the walk) would not fit PATH_MAX. */
int path_resolve(const char *abs, char **ret);

/* Resolution for paths that grant access (allowWrite/allowRead): the path
 * must exist (-ENOENT otherwise); if it is reached through a symlink whose
 * target "escapes" (resolves to "/", to a one-component path, or to an
 * ancestor of the spelled path) -EXDEV is returned and the entry must be
 * skipped, as the original does. */
int path_resolve_allow(const char *abs, char **ret);

/* Expand an absolute normalised glob against the disk, appending matches
 * (resolved to their real location) to out.  Syntax: '*' within one name,
 * '**' any number of directories (a trailing "/ **" also matches the
 * directory itself), '?', "[set]".  Symlinked directories are not descended.
 * Returns the number of matches, or -E2BIG past max matches. */
int path_glob(const char *pattern, strv *out, size_t max);

/* strcmp, except that '/' sorts first: a directory's descendants follow it. */
int path_cmp(const char *a, const char *b);

/* Sort a list of absolute paths (path_cmp) and drop duplicates. */
void paths_sort_unique(strv *s);

/* Drop every path that lies inside (or equals) another path of the list:
 * the shallowest directories remain.  The list ends sorted. */
void paths_collapse_nested(strv *s);
