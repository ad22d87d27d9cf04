/* Running bwrap: spawn with the argument vector in a sealed memfd
 * (--args FD, so large plans never hit E2BIG), learn the sandbox's host PID
 * from --json-status-fd, forward signals to the sandbox, and turn the
 * outcome into srt's exit status. */
#pragma once

#include "strv.h"

#include <stdbool.h>
#include <sys/types.h>

struct event_base;
struct sandbox;

struct sandbox_spawn_opts {
	const char *bwrap_path; /* absolute */
	const strv *args;       /* bwrap words (no program name), ending in "--" COMMAND... */
	size_t n_command;       /* how many trailing words are "--" and the command:
				 * bwrap takes options from --args but not the command */
	int hide_fd;            /* fd number to point at /dev/null in the child, or -1 */
	int watch_fd;           /* fd to pass on to bwrap (close-on-exec cleared), or -1 */
	int pass_fds[3];        /* more fds to pass on the same way (-1: none) */
};

/* Fork and exec bwrap.  Returns NULL with *ret_err on failure.  The
 * sandbox reports its exit through the event loop: sandbox_exited() turns
 * true and the loop is asked to exit. */
struct sandbox *sandbox_spawn(struct event_base *base, const struct sandbox_spawn_opts *opts,
			      char **ret_err);

/* Forward a signal to every process of the sandbox session (the command,
 * its helpers), not to bwrap itself, so the command's own status comes back. */
void sandbox_signal(struct sandbox *sb, int sig);

/* Stop the sandbox now (used when srt itself must give up): SIGKILL. */
void sandbox_kill(struct sandbox *sb);

bool sandbox_exited(const struct sandbox *sb);

/* True once bwrap reported the sandbox's init: the namespaces exist.  A
 * bwrap that exits before that could not create the sandbox. */
bool sandbox_started(const struct sandbox *sb);

/* Why bwrap most likely could not create its namespaces here, with the
 * fix (reads the user-namespace sysctls). */
const char *sandbox_namespace_hint(void);

/* Whether the helper can make read-only copies of mounts (mount_setattr,
 * Linux 5.12): without it bwrap makes the whole filesystem plan. */
bool sandbox_helper_can_mount(void);

/* srt's exit status: the command's exit code, 128+N when it (or bwrap)
 * died of signal N. */
int sandbox_exit_status(const struct sandbox *sb);

/* Reap bwrap if still running (blocking) and free. */
void sandbox_free(struct sandbox *sb);
