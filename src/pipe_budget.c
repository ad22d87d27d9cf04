/* The budget for enlarged relay pipes (see pipe_budget.h): a list of the
 * enlarged ones, so that an idle one can be found and shrunk. */
#include "pipe_budget.h"

#include <fcntl.h>
#include <unistd.h>

static struct pipe_share *enlarged;
static size_t in_use;

static time_t now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return t.tv_sec;
}

static void unlink_share(struct pipe_share *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		enlarged = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	in_use -= s->size;
	s->size = 0;
}

/* Shrink one empty enlarged pipe unused for PIPE_BUDGET_IDLE_S back to the
 * kernel's size (a page per slot, 16 slots). */
static void reclaim_idle(void)
{
	time_t now = now_s();

	for (struct pipe_share *s = enlarged; s; s = s->next) {
		if (*s->in_pipe > 0 || now - s->last_used < PIPE_BUDGET_IDLE_S)
			continue;
		if (fcntl(s->fd, F_SETPIPE_SZ, 16 * getpagesize()) < 0)
			continue;
		unlink_share(s);
		return;
	}
}

void pipe_share_enlarge(struct pipe_share *s, int fd, size_t want, const size_t *in_pipe)
{
	int size;

	s->fd = fd;
	s->in_pipe = in_pipe;
	s->last_used = now_s();
	if (in_use + want > PIPE_BUDGET_BYTES)
		reclaim_idle();
	if (in_use + want > PIPE_BUDGET_BYTES)
		return;
	size = fcntl(fd, F_SETPIPE_SZ, (int)want);
	if (size <= 0)
		return;
	if (in_use + (size_t)size > PIPE_BUDGET_BYTES) {
		/* The kernel rounds up to a power of two pages: too much. */
		(void)fcntl(fd, F_SETPIPE_SZ, 16 * getpagesize());
		return;
	}
	s->size = (size_t)size;
	in_use += s->size;
	s->prev = NULL;
	s->next = enlarged;
	if (enlarged)
		enlarged->prev = s;
	enlarged = s;
}

void pipe_share_used(struct pipe_share *s)
{
	if (s->size)
		s->last_used = now_s();
}

void pipe_share_release(struct pipe_share *s)
{
	if (s->size)
		unlink_share(s);
}

size_t pipe_budget_in_use(void)
{
	return in_use;
}
