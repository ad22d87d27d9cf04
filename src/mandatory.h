/* Mandatory write denies: the ONE table of dangerous names (shell start-up
 * files, package-manager and git config, editor/agent config directories)
 * and their discovery with ripgrep inside every writable root.
 *
 * Lists produced here hold absolute paths; a path that names a directory
 * (so that its absent form needs a directory placeholder) carries a trailing
 * '/' as a marker.  mandatory_strip_marker() removes it. */
#pragma once

#include "config.h"
#include "strv.h"

#include <stdbool.h>
#include <stddef.h>

enum mandatory_kind { MANDATORY_FILE, MANDATORY_DIR };

struct mandatory_name {
	const char *name; /* relative to a root, lower case; may hold one '/' */
	enum mandatory_kind kind;
};

/* The table (git entries are handled by mandatory_git_protect()). */
extern const struct mandatory_name mandatory_names[];
extern const size_t mandatory_n_names;

/* Append <root>/<name> for every table entry, and the git entries of
 * <root>/.git, to out (with the directory marker). */
/* A write root that is itself a dangerous name, or lies anywhere inside
 * one (allowWrite naming `.vscode`, `.claude/commands/sub`, `.git`): the
 * protection of that name, since deny beats allow. */
void mandatory_root_itself(const char *root, bool allow_git_config, strv *out);

void mandatory_root_candidates(const char *root, bool allow_git_config, strv *out);

/* Git entries of a repository working directory: a .git directory gives
 * .git/hooks/ and (unless allow_git_config) .git/config; a .git *file*
 * (worktree, submodule) gives the file itself plus the hooks and config of
 * the git directory it points to (and of its common directory). */
void mandatory_git_protect(const char *repo, bool allow_git_config, strv *out);

/* Given one file path found under root, append the protected path it
 * reveals (if any, within depth) to out.  Pure; exposed for tests. */
void mandatory_classify(const char *root, const char *found, int depth, bool allow_git_config,
			strv *out);

/* The ripgrep argv (argv[0] included; ripgrep.argv0 when set) that lists
 * candidate files below every root in one run. */
void mandatory_rg_argv(const struct srt_config *cfg, const strv *roots, strv *out);

/* Run ripgrep once over roots and append the protected paths it reveals to
 * out.  No roots: nothing runs.  Returns 0, or -1 with *ret_err (ripgrep
 * missing, killed, timed out, or unusable output). */
int mandatory_discover(const struct srt_config *cfg, const strv *roots, strv *out, char **ret_err);

/* The same in two steps, so ripgrep runs while srt does other work:
 * _begin spawns it (nothing when roots is empty; a spawn failure is
 * reported by _finish), _finish collects its output within the timeout
 * (counted from _begin), appends the protected paths to out and frees the
 * scan; 0, or -1 with *ret_err as mandatory_discover.  cfg and roots must
 * live until _finish.  _abort kills and reaps a scan that will not be
 * finished (error paths); NULL is a no-op. */
struct mandatory_scan;
struct mandatory_scan *mandatory_scan_begin(const struct srt_config *cfg, const strv *roots);
int mandatory_scan_finish(struct mandatory_scan *scan, strv *out, char **ret_err);
void mandatory_scan_abort(struct mandatory_scan *scan);
/* ripgrep could not even be started (_finish will say why). */
bool mandatory_scan_spawn_failed(const struct mandatory_scan *scan);

/* True if p carries the directory marker; strips it in place. */
bool mandatory_strip_marker(char *p);
