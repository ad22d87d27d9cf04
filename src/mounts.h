/* The filesystem plan: settings + cwd + home + discovered dangerous paths
 * -> an ordered list of typed mount operations for bwrap.
 *
 * Rules (see mounts.c for the reasoning):
 *  - "/" read-only; allowWrite and the default write paths bound writable;
 *  - denyWrite and the mandatory denies read-only over them (deny beats
 *    allow); absent ones get a placeholder at the first missing component;
 *  - denyRead: tmpfs over directories, /dev/null over files; allowRead
 *    re-opens inside (allow beats deny), write paths inside are restored;
 *  - every existing directory that could be renamed to move a write deny
 *    away is pinned with a bind mount onto itself;
 *  - exactly one mount per destination, emitted shallowest first, so no
 *    mount ever buries a deeper one. */
#pragma once

#include "config.h"
#include "strv.h"

#include <stdbool.h>
#include <stddef.h>

enum mount_kind {
	MOUNT_BIND,    /* --bind SRC DEST */
	MOUNT_RO_BIND, /* --ro-bind SRC DEST */
	MOUNT_TMPFS,   /* --tmpfs DEST */
	MOUNT_MASK,    /* --ro-bind /dev/null DEST */
};

enum mount_why {
	WHY_ROOT,
	WHY_WRITE,       /* allowWrite, default write path, private TMPDIR */
	WHY_PIN,         /* ancestor of a write deny, bound onto itself */
	WHY_DENY_READ,   /* tmpfs or mask */
	WHY_ALLOW_READ,  /* re-opened inside a denied directory */
	WHY_DENY_WRITE,  /* existing deny path, read-only */
	WHY_PLACEHOLDER, /* absent deny path: srt-created mount point */
	WHY_HELD,        /* a file on the way to an absent deny path */
};

struct mount_op {
	enum mount_kind kind;
	enum mount_why why;
	char *src; /* NULL for tmpfs and masks */
	char *dest;
};

struct fs_plan;

/* Build the plan.  Runs ripgrep over the writable roots, creates the
 * private TMPDIR and the placeholders (recorded in the registry), but does
 * not start bwrap.  Returns 0, or -1 with *ret_err. */
int fs_plan_build(const struct srt_config *cfg, const char *cwd, const char *home, struct fs_plan **ret,
		  char **ret_err);

/* fs_plan_build in two steps, so ripgrep runs while srt sets up the rest:
 * _begin resolves the settings' paths, starts ripgrep, opens the
 * placeholder registry and creates the private TMPDIR (on failure it cleans
 * up itself and returns -1 with *ret_err); _finish waits for ripgrep and
 * makes every decision (placeholders included).  Until _finish returned 0
 * only fs_plan_tmpdir, fs_plan_cleanup and fs_plan_free may be used; after
 * a failed _finish, call fs_plan_cleanup and fs_plan_free.  cfg must live
 * until _finish.  _finish on a finished plan returns 0. */
int fs_plan_begin(const struct srt_config *cfg, const char *cwd, const char *home, struct fs_plan **ret,
		  char **ret_err);
int fs_plan_finish(struct fs_plan *plan, char **ret_err);

/* Between _begin and _finish, while ripgrep still runs: plan everything
 * but its findings (placeholders included), so bwrap can start.  _finish
 * then plans the findings on top, for the helper to apply from inside
 * before the command starts (fs_plan_helper_mounts).  A ripgrep that could
 * not even start leaves the plan whole (not split: _finish reports it).
 * 0, or -1 with *ret_err (then call fs_plan_cleanup and fs_plan_free). */
int fs_plan_settle(struct fs_plan *plan, char **ret_err);
bool fs_plan_split(const struct fs_plan *plan); /* settled */

/* After _finish on a settled plan: the helper's part, the records of
 * apply-seccomp --late-mounts, each a kind letter, a path and a NUL, in
 * order ("r" read-only bind of the path onto itself, recursive; "b" a bind
 * of the path onto itself, a pin; "m" /dev/null read-only onto the path;
 * "l" pin the symlink), then "." for complete.  The buffer is the caller's.
 * 0, or -EINVAL if an op cannot be applied from inside (never planned). */
int fs_plan_helper_mounts(const struct fs_plan *plan, char **ret_buf, size_t *ret_len);

/* Record another directory this run created (the proxies' socket
 * directory) so that, should srt be SIGKILLed, the next run removes it
 * like the private TMPDIR.  0 or -errno. */
int fs_plan_record_private_dir(struct fs_plan *plan, const char *path);

/* Private temp dir for TMPDIR: exists, writable inside the sandbox, removed
 * by fs_plan_cleanup.  NULL if filesystem.disabled. */
const char *fs_plan_tmpdir(const struct fs_plan *plan);

bool fs_plan_disabled(const struct fs_plan *plan);
size_t fs_plan_n_ops(const struct fs_plan *plan);
const struct mount_op *fs_plan_op(const struct fs_plan *plan, size_t i);

/* Append the bwrap words of the plan ("--ro-bind / /" ...) to out: its
 * bwrap part when split. */
void fs_plan_words(const struct fs_plan *plan, strv *out);

/* After the command exits (also on the SIGINT/SIGTERM paths): remove the
 * placeholders srt created that no other live srt uses, and the TMPDIR.
 * Safe to call more than once. */
void fs_plan_cleanup(struct fs_plan *plan);

/* Frees the plan (does not clean up: call fs_plan_cleanup first). */
void fs_plan_free(struct fs_plan *plan);

/* Protected names (mandatory) that are symlinks: their targets are
 * denied like any path, and the links themselves are for the helper to pin
 * (apply-seccomp --pin-link), so they cannot be replaced. */
const strv *fs_plan_links(const struct fs_plan *plan);
/* How many of them are bwrap's part (--pin-link in its argv); all unless split. */
size_t fs_plan_n_bwrap_links(const struct fs_plan *plan);

/* The registry directory used (tests; NULL when disabled). */
const char *fs_plan_registry_dir(const struct fs_plan *plan);
