/* The relay: two directions, each a small loop run from its source's
 * read event and its destination's write event (persistent events, added
 * and removed only when what the direction waits for changes):
 *   1. write queued bytes (evbuffer), then bytes sitting in the pipe;
 *   2. once both are empty, read the source again (splice into the pipe,
 *      or read into a shared scratch buffer and write straight on).
 * A direction never reads while it still holds bytes for its destination,
 * so at most one pipe (or RELAY_CHUNK of queued bytes) is in flight per
 * direction: that is the backpressure. */
#include "relay.h"

#include "cpu_policy.h"
#include "pipe_budget.h"
#include "util.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct dir {
	struct relay *r;
	int src, dst;
	struct event *rd, *wr; /* src readable, dst writable */
	bool want_rd, want_wr;
	struct evbuffer *queue; /* bytes for dst, written before anything else */
	int pipe[2];            /* splice mode once set up, else -1 */
	size_t in_pipe;
	struct pipe_share share; /* the pipe's part of the budget for enlarged pipes */
	bool no_pipe;           /* pipe2 failed (descriptor limit): keep copying */
	uint64_t limit;         /* bytes still allowed from src */
	uint64_t moved;         /* bytes read from src */
	bool eof;               /* src ended */
	bool shut;              /* EOF passed on to dst (or never will be) */
};

struct relay {
	struct dir d[2]; /* 0: a -> b, 1: b -> a */
	int fd_a, fd_b;
	bool borrow_a;
	bool owns_fds; /* false until relay_start succeeded */
	struct event *timer;
	int idle_timeout_s;
	time_t last_activity;
	relay_done_cb done;
	void *arg;
};

static unsigned long live_relays;
static char scratch[RELAY_CHUNK];

unsigned long relay_count(void)
{
	return live_relays;
}

size_t relay_enlarged_pipe(const struct relay *r, bool from_a)
{
	return r->d[from_a ? 0 : 1].share.size;
}

static void dir_close_pipe(struct dir *d)
{
	if (d->pipe[0] < 0)
		return;
	pipe_share_release(&d->share);
	close(d->pipe[0]);
	close(d->pipe[1]);
	d->pipe[0] = d->pipe[1] = -1;
}

static void dir_release(struct dir *d)
{
	if (!d->r)
		return; /* never initialised (relay_start failed before it) */
	if (d->rd)
		event_free(d->rd);
	if (d->wr)
		event_free(d->wr);
	if (d->queue)
		evbuffer_free(d->queue);
	dir_close_pipe(d);
}

static void relay_free(struct relay *r)
{
	dir_release(&r->d[0]);
	dir_release(&r->d[1]);
	if (r->timer)
		event_free(r->timer);
	if (r->owns_fds) {
		if (!r->borrow_a)
			close(r->fd_a);
		close(r->fd_b);
	}
	free(r);
	live_relays--;
}

/* Free r and report how it ended. */
static void relay_end(struct relay *r, bool failed)
{
	struct relay_result res = {
		.bytes_ab = r->d[0].moved, .bytes_ba = r->d[1].moved,
		.limit_ab_left = r->d[0].limit, .limit_ba_left = r->d[1].limit, .failed = failed,
	};
	char c;

	/* Bytes b sent beyond its limit are never read; say whether some wait. */
	if (!failed && r->d[1].limit == 0 && !r->d[1].eof &&
	    recv(r->fd_b, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
		res.ba_overrun = true;
	relay_done_cb done = r->done;
	void *arg = r->arg;

	relay_free(r);
	if (done)
		done(&res, arg);
}

void relay_cancel(struct relay *r)
{
	if (r)
		relay_free(r);
}

static void dir_want(struct dir *d, bool rd, bool wr)
{
	if (rd != d->want_rd) {
		if (rd)
			event_add(d->rd, NULL);
		else
			event_del(d->rd);
		d->want_rd = rd;
	}
	if (wr != d->want_wr) {
		if (wr)
			event_add(d->wr, NULL);
		else
			event_del(d->wr);
		d->want_wr = wr;
	}
}

/* A bulk direction gets its pipe; without one it keeps copying. */
static void dir_setup_pipe(struct dir *d)
{
	if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		d->pipe[0] = d->pipe[1] = -1;
		d->no_pipe = true;
		return;
	}
	pipe_share_enlarge(&d->share, d->pipe[1], RELAY_PIPE_SIZE, &d->in_pipe);
	/* Towards the client only: upstream may be far away, and a fixed
	 * buffer there would cap an upload at buffer / RTT. */
	if (RELAY_SNDBUF && d == &d->r->d[1]) {
		int v = RELAY_SNDBUF;
		(void)setsockopt(d->dst, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	}
}

static bool would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* After a failed read, write or splice: 1 = retry now (EINTR), 0 = wait
 * until the descriptor is ready (events armed), -1 = a real error. */
static int io_failed(struct dir *d, bool reading)
{
	if (errno == EINTR)
		return 1;
	if (!would_block())
		return -1;
	dir_want(d, reading, !reading);
	return 0;
}

/* Move what can move now.  Returns -1 on an error of either descriptor. */
static int dir_run(struct dir *d)
{
	size_t budget = RELAY_BUDGET;

	for (;;) {
		while (evbuffer_get_length(d->queue) > 0) {
			if (evbuffer_write(d->queue, d->dst) < 0) {
				int f = io_failed(d, false);
				if (f > 0)
					continue;
				return f;
			}
		}
		while (d->in_pipe > 0) {
			ssize_t n = splice(d->pipe[0], NULL, d->dst, NULL, d->in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n < 0) {
				int f = io_failed(d, false);
				if (f > 0)
					continue;
				return f;
			}
			d->in_pipe -= (size_t)n;
		}
		if (d->eof || d->limit == 0) {
			dir_want(d, false, false);
			return 0;
		}
		if (budget == 0) {
			dir_want(d, true, false); /* still readable: the next loop round comes back */
			return 0;
		}
		if (d->pipe[0] < 0 && !d->no_pipe && d->moved >= RELAY_SPLICE_AFTER)
			dir_setup_pipe(d);

		size_t chunk = d->pipe[0] >= 0 ? RELAY_PIPE_SIZE : RELAY_CHUNK;
		size_t want = d->limit < chunk ? (size_t)d->limit : chunk;
		ssize_t n;
		if (d->pipe[0] >= 0)
			n = splice(d->src, NULL, d->pipe[1], NULL, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		else
			n = read(d->src, scratch, want);
		if (n < 0) {
			int f = io_failed(d, true);
			if (f > 0)
				continue;
			return f;
		}
		if (n == 0) {
			d->eof = true;
			continue;
		}
		d->moved += (uint64_t)n;
		d->limit -= (uint64_t)n;
		budget = (size_t)n < budget ? budget - (size_t)n : 0;
		if (d->pipe[0] >= 0) {
			d->in_pipe = (size_t)n;
			pipe_share_used(&d->share);
			cpu_policy_bulk_moved(event_get_base(d->rd), (size_t)n);
			continue;
		}
		/* Copy mode: straight on; what the destination cannot take yet is queued. */
		ssize_t w = write(d->dst, scratch, (size_t)n);
		if (w < 0 && !would_block() && errno != EINTR)
			return -1;
		if (w < 0)
			w = 0;
		if (w < n && evbuffer_add(d->queue, scratch + w, (size_t)(n - w)) < 0)
			return -1;
	}
}

/* Has the relay run its course? */
static bool relay_finished(struct relay *r)
{
	if (r->borrow_a)
		return r->d[1].shut;
	return r->d[0].shut && r->d[1].shut;
}

/* Pass a direction's EOF on once everything before it was written. */
static void dir_maybe_shut(struct dir *d)
{
	struct relay *r = d->r;

	bool borrowed_dst = r->borrow_a && d->dst == r->fd_a;
	/* Towards a borrowed a, a used-up limit ends the direction (a response
	 * of known length); elsewhere only EOF does. */
	bool ended = d->eof || (borrowed_dst && d->limit == 0);

	if (!ended || d->shut || evbuffer_get_length(d->queue) > 0 || d->in_pipe > 0)
		return;
	d->shut = true;
	dir_close_pipe(d); /* the direction is done: its pipe's share is free */
	if (borrowed_dst)
		return; /* the borrowed side stays open for the next request */
	shutdown(d->dst, SHUT_WR);
}

static void dir_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dir *d = arg;
	struct relay *r = d->r;

	if (dir_run(d) < 0) {
		relay_end(r, true);
		return;
	}
	if (r->idle_timeout_s)
		r->last_activity = time(NULL);
	dir_maybe_shut(d);
	if (relay_finished(r))
		relay_end(r, false);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;

	if (time(NULL) - r->last_activity >= r->idle_timeout_s)
		relay_end(r, true);
}

static int dir_init(struct relay *r, struct event_base *base, int i, int src, int dst, struct evbuffer *queued)
{
	struct dir *d = &r->d[i];

	d->r = r;
	d->src = src;
	d->dst = dst;
	d->pipe[0] = d->pipe[1] = -1;
	d->limit = RELAY_UNLIMITED;
	d->queue = evbuffer_new();
	d->rd = event_new(base, src, EV_READ | EV_PERSIST, dir_cb, d);
	d->wr = event_new(base, dst, EV_WRITE | EV_PERSIST, dir_cb, d);
	if (!d->queue || !d->rd || !d->wr)
		return -1;
	if (queued)
		evbuffer_add_buffer(d->queue, queued);
	return 0;
}

struct relay *relay_start(struct event_base *base, int fd_a, struct evbuffer *to_a, int fd_b, struct evbuffer *to_b,
			  const struct relay_opts *opts)
{
	struct relay *r = calloc(1, sizeof(*r));
	struct timeval tv = {.tv_sec = opts->idle_timeout_s};

	if (!r)
		return NULL;
	r->fd_a = fd_a;
	r->fd_b = fd_b;
	r->borrow_a = opts->borrow_a;
	r->idle_timeout_s = opts->idle_timeout_s;
	r->last_activity = time(NULL);
	r->done = opts->done;
	r->arg = opts->arg;
	live_relays++;
	if (dir_init(r, base, 0, fd_a, fd_b, to_b) < 0 || dir_init(r, base, 1, fd_b, fd_a, to_a) < 0)
		goto fail;
	r->d[0].limit = opts->limit_ab;
	r->d[1].limit = opts->limit_ba;
	if (opts->idle_timeout_s) {
		r->timer = event_new(base, -1, EV_PERSIST, timer_cb, r);
		if (!r->timer || event_add(r->timer, &tv) < 0)
			goto fail;
	}
	/* Start both directions from the loop: the callback must not run
	 * before relay_start has returned. */
	event_active(r->d[0].wr, EV_WRITE, 0);
	event_active(r->d[1].wr, EV_WRITE, 0);
	r->owns_fds = true;
	return r;
fail:
	relay_free(r); /* the descriptors stay with the caller */
	return NULL;
}

int relay_take_fd(struct bufferevent *bev, struct evbuffer *out_to_fd, struct evbuffer *in_from_fd)
{
	int fd = bufferevent_getfd(bev);

	bufferevent_setfd(bev, -1); /* so BEV_OPT_CLOSE_ON_FREE leaves it open */
	/* A socket bufferevent freezes its output's start and its input's end. */
	evbuffer_unfreeze(bufferevent_get_output(bev), 1);
	evbuffer_unfreeze(bufferevent_get_input(bev), 0);
	if (out_to_fd)
		evbuffer_add_buffer(out_to_fd, bufferevent_get_output(bev));
	if (in_from_fd)
		evbuffer_add_buffer(in_from_fd, bufferevent_get_input(bev));
	bufferevent_free(bev);
	return fd;
}

struct relay *relay_new(struct bufferevent *a, struct bufferevent *b, int idle_timeout_s, relay_done_cb done,
			void *arg)
{
	struct event_base *base = bufferevent_get_base(a);
	struct evbuffer *to_a = evbuffer_new(), *to_b = evbuffer_new();
	struct evbuffer *from_a = evbuffer_new(), *from_b = evbuffer_new();
	struct relay_opts o = {
		.idle_timeout_s = idle_timeout_s, .limit_ab = RELAY_UNLIMITED, .limit_ba = RELAY_UNLIMITED,
		.done = done, .arg = arg,
	};
	struct relay *r = NULL;
	int fa, fb;

	if (!to_a || !to_b || !from_a || !from_b) {
		bufferevent_free(a);
		bufferevent_free(b);
		goto out;
	}
	fa = relay_take_fd(a, to_a, from_a);
	fb = relay_take_fd(b, to_b, from_b);
	evbuffer_add_buffer(to_a, from_b);
	evbuffer_add_buffer(to_b, from_a);
	r = relay_start(base, fa, to_a, fb, to_b, &o);
	if (!r) {
		close(fa);
		close(fb);
	}
out:
	if (to_a)
		evbuffer_free(to_a);
	if (to_b)
		evbuffer_free(to_b);
	if (from_a)
		evbuffer_free(from_a);
	if (from_b)
		evbuffer_free(from_b);
	return r;
}
