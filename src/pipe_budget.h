/* The budget for the relay's enlarged pipes: together at most
 * PIPE_BUDGET_BYTES; an idle enlarged pipe gives its share to a busy one.
 *
 * Pipes enlarged with F_SETPIPE_SZ count against the user's
 * fs.pipe-user-pages-soft (64 MiB by default; every pipe counts, 64 KiB for
 * one of the kernel's size), which the sandboxed command, the same user,
 * shares: past it the command's new pipes shrink to a page or two. */
#pragma once

#include <stddef.h>
#include <time.h>

#define PIPE_BUDGET_BYTES (16 * 1024 * 1024)
/* An enlarged pipe empty and unused this long may be shrunk for another. */
#define PIPE_BUDGET_IDLE_S 1

struct pipe_share {
	struct pipe_share *prev, *next; /* enlarged pipes, most recent first */
	int fd;                         /* the pipe's write end */
	size_t size;                    /* bytes it was enlarged to; 0 = none */
	const size_t *in_pipe;          /* bytes it holds now (the owner's count) */
	time_t last_used;
};

/* Enlarge the pipe whose write end is fd to want bytes if the budget has
 * room, after shrinking an idle one if it has not.  The owner keeps
 * *in_pipe up to date while s is enlarged. */
void pipe_share_enlarge(struct pipe_share *s, int fd, size_t want, const size_t *in_pipe);
/* The pipe moved bytes just now. */
void pipe_share_used(struct pipe_share *s);
/* The pipe is about to be closed: its share goes back to the budget. */
void pipe_share_release(struct pipe_share *s);
/* Bytes the enlarged pipes hold room for, together. */
size_t pipe_budget_in_use(void);
