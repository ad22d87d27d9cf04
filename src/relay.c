/* Two bufferevents spliced both ways.  Data moves between evbuffers by
 * reference (evbuffer_add_buffer moves chains, no copy); reading from a
 * side pauses while the other side's output holds RELAY_HIGH_WATER bytes
 * and resumes from that side's write callback at half of it. */
#include "relay.h"

#include "util.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sys/socket.h>
#include <time.h>

struct side {
	struct bufferevent *bev;
	bool eof;      /* read side ended */
	bool shut;     /* we sent our FIN to this side */
	uint64_t in;   /* bytes read from this side */
};

struct relay {
	struct side s[2];
	int idle_timeout_s;
	time_t last_activity;
	relay_done_cb done;
	void *arg;
};

static unsigned long live_relays;

unsigned long relay_count(void)
{
	return live_relays;
}

void relay_tune(struct bufferevent *bev)
{
	bufferevent_set_max_single_read(bev, RELAY_READ_CHUNK);
	bufferevent_set_max_single_write(bev, RELAY_READ_CHUNK);
}

static void relay_free(struct relay *r)
{
	uint64_t ab = r->s[0].in, ba = r->s[1].in;
	relay_done_cb done = r->done;
	void *arg = r->arg;

	bufferevent_free(r->s[0].bev);
	bufferevent_free(r->s[1].bev);
	free(r);
	live_relays--;
	if (done)
		done(ab, ba, arg);
}

static int side_of(struct relay *r, struct bufferevent *bev)
{
	return r->s[0].bev == bev ? 0 : 1;
}

/* Done when both sides reached EOF and each FIN was passed on. */
static bool relay_finished(struct relay *r)
{
	return r->s[0].eof && r->s[1].eof && r->s[0].shut && r->s[1].shut;
}

/* Pass on the FIN of side i to the other side once its output drained. */
static void maybe_shutdown(struct relay *r, int i)
{
	struct side *o = &r->s[!i];

	if (r->s[i].eof && !o->shut && evbuffer_get_length(bufferevent_get_output(o->bev)) == 0) {
		shutdown(bufferevent_getfd(o->bev), SHUT_WR);
		o->shut = true;
	}
}

static void relay_move(struct relay *r, int i)
{
	struct evbuffer *in = bufferevent_get_input(r->s[i].bev);
	struct evbuffer *out = bufferevent_get_output(r->s[!i].bev);
	size_t n = evbuffer_get_length(in);

	if (n == 0)
		return;
	r->s[i].in += n;
	evbuffer_add_buffer(out, in);
	if (r->idle_timeout_s)
		r->last_activity = time(NULL);
	if (evbuffer_get_length(out) >= RELAY_HIGH_WATER)
		bufferevent_disable(r->s[i].bev, EV_READ);
}

static void relay_readcb(struct bufferevent *bev, void *arg)
{
	struct relay *r = arg;
	relay_move(r, side_of(r, bev));
}

/* Output of side j drained below the low mark: resume reading the other side. */
static void relay_writecb(struct bufferevent *bev, void *arg)
{
	struct relay *r = arg;
	int j = side_of(r, bev);

	if (!r->s[!j].eof && !(bufferevent_get_enabled(r->s[!j].bev) & EV_READ))
		bufferevent_enable(r->s[!j].bev, EV_READ);
	maybe_shutdown(r, !j);
	if (relay_finished(r))
		relay_free(r);
}

static void relay_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct relay *r = arg;
	int i = side_of(r, bev);

	if (what & BEV_EVENT_TIMEOUT) {
		/* Idle only if nothing moved either way for the whole period. */
		if (time(NULL) - r->last_activity < r->idle_timeout_s) {
			bufferevent_enable(bev, EV_READ);
			return;
		}
		relay_free(r);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		relay_free(r);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		relay_move(r, i);
		r->s[i].eof = true;
		bufferevent_disable(bev, EV_READ);
		maybe_shutdown(r, i);
		if (relay_finished(r))
			relay_free(r);
	}
}

struct relay *relay_new(struct bufferevent *a, struct bufferevent *b, int idle_timeout_s, relay_done_cb done,
			void *arg)
{
	struct relay *r = xcalloc(1, sizeof(*r));
	struct timeval tv = {.tv_sec = idle_timeout_s};

	r->s[0].bev = a;
	r->s[1].bev = b;
	r->idle_timeout_s = idle_timeout_s;
	r->last_activity = time(NULL);
	r->done = done;
	r->arg = arg;
	live_relays++;
	for (int i = 0; i < 2; i++) {
		struct bufferevent *bev = r->s[i].bev;
		relay_tune(bev);
		bufferevent_setcb(bev, relay_readcb, relay_writecb, relay_eventcb, r);
		bufferevent_setwatermark(bev, EV_WRITE, RELAY_HIGH_WATER / 2, 0);
		bufferevent_setwatermark(bev, EV_READ, 0, 0);
		bufferevent_set_timeouts(bev, idle_timeout_s ? &tv : NULL, NULL);
		bufferevent_enable(bev, EV_READ | EV_WRITE);
	}
	relay_move(r, 0);
	relay_move(r, 1);
	return r;
}
