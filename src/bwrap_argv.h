/* Pure: a request (filesystem plan, environment, namespace switches,
 * command) -> the bwrap argument words.  No I/O. */
#pragma once

#include "mounts.h"
#include "strv.h"

#include <stdbool.h>

/* bubblewrap refuses more arguments than this (its MAX_ARGS), also when
 * they come through --args FD. */
#define BWRAP_MAX_ARGS 9000

struct bwrap_request {
	const struct fs_plan *fs; /* filesystem words come from here (NULL: none) */
	const strv *setenv;       /* NAME VALUE pairs, emitted in order as --setenv */
	const strv *unsetenv;     /* names, emitted as --unsetenv */
	bool unshare_net;
	const strv *net_binds;    /* host unix-socket paths (or their dir) bound read-only at the same path */
	bool weaker_nested;       /* enableWeakerNestedSandbox: --bind /proc /proc instead of --proc /proc */
	bool cap_add_setfcap;     /* root + helper: --cap-add CAP_SETFCAP */
	bool cap_add_sys_admin;   /* root + helper: --cap-add CAP_SYS_ADMIN, so apply-seccomp can
				   * mount a private /proc (see vendor/seccomp-src/apply-seccomp.c) */
	bool disable_userns;
	const strv *command;      /* words after "--" */
};

/* Append the /proc words (kept apart so the arrangement is easy to change). */
void bwrap_argv_proc(bool weaker_nested, strv *out);

/* Build the words (without the bwrap program name) into out.  Returns 0,
 * or -1 with *ret_err (odd setenv list, empty command, more words than
 * bwrap accepts). */
int bwrap_argv_build(const struct bwrap_request *req, strv *out, char **ret_err);
