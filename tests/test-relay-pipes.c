/* Unit test of the relay's pipe budget (pipe_budget.h): bulk relays get
 * pipes enlarged to RELAY_PIPE_SIZE until PIPE_BUDGET_BYTES is reached,
 * later ones keep the kernel's size; a direction that ended gives its share
 * back, and so does one left idle when another needs it.  Real relays
 * between Unix socket pairs, run by a real event loop; each carries more
 * than RELAY_SPLICE_AFTER so that it splices. */
#include "pipe_budget.h"
#include "relay.h"
#include "lib/tap.h"

#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define ENLARGED (PIPE_BUDGET_BYTES / RELAY_PIPE_SIZE)
#define N_RELAYS (ENLARGED + 4)
#define BYTES_EACH (RELAY_SPLICE_AFTER + 512 * 1024)

struct pair {
	int feed, sink;    /* the test's ends: written to, read from */
	size_t fed, drained;
	struct relay *relay;
};

static char buf[64 * 1024];

static void socket_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
}

static void start(struct event_base *base, struct pair *p)
{
	int a[2], b[2];
	struct relay_opts o = {.limit_ab = RELAY_UNLIMITED, .limit_ba = RELAY_UNLIMITED};

	socket_pair(a);
	socket_pair(b);
	p->feed = a[0];
	p->sink = b[0];
	p->relay = relay_start(base, a[1], NULL, b[1], NULL, &o);
	if (!p->relay)
		abort();
}

/* Feed and drain every pair (the relay moves a -> b in between) until each
 * has carried BYTES_EACH; false if that takes too long. */
static bool pump(struct event_base *base, struct pair *pairs, int n)
{
	for (int round = 0; round < 200000; round++) {
		bool all = true;
		for (int i = 0; i < n; i++) {
			struct pair *p = &pairs[i];
			if (p->fed < BYTES_EACH) {
				size_t want = BYTES_EACH - p->fed < sizeof(buf) ? BYTES_EACH - p->fed : sizeof(buf);
				ssize_t w = write(p->feed, buf, want);
				if (w > 0)
					p->fed += (size_t)w;
			}
			ssize_t r = read(p->sink, buf, sizeof(buf));
			if (r > 0)
				p->drained += (size_t)r;
			all = all && p->drained >= BYTES_EACH;
		}
		if (all)
			return true;
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	return false;
}

static int count_enlarged(struct pair *pairs, int from, int to)
{
	int n = 0;

	for (int i = from; i < to; i++)
		n += relay_enlarged_pipe(pairs[i].relay, true) == RELAY_PIPE_SIZE;
	return n;
}

/* Can this user enlarge a pipe at all (fs.pipe-max-size, the soft limit)? */
static bool can_enlarge(void)
{
	int p[2];
	bool can;

	if (pipe(p) < 0)
		abort();
	can = fcntl(p[1], F_SETPIPE_SZ, RELAY_PIPE_SIZE) >= RELAY_PIPE_SIZE;
	close(p[0]);
	close(p[1]);
	return can;
}

int main(void)
{
	struct event_base *base = event_base_new();
	struct pair pairs[N_RELAYS + 1] = {0};

	if (!can_enlarge()) {
		printf("1..0 # SKIP this user cannot enlarge a pipe to %d bytes (fs.pipe-max-size)\n", RELAY_PIPE_SIZE);
		return 0;
	}
	for (int i = 0; i < N_RELAYS; i++)
		start(base, &pairs[i]);
	is_int(pipe_budget_in_use(), 0, "no pipe enlarged before any relay carried bulk data");
	ok(pump(base, pairs, N_RELAYS), "%d relays each carried %d bytes", N_RELAYS, BYTES_EACH);
	is_int(pipe_budget_in_use(), PIPE_BUDGET_BYTES, "the enlarged pipes fill the budget");
	is_int(count_enlarged(pairs, 0, N_RELAYS), ENLARGED, "%d pipes enlarged to %d bytes; %d keep the kernel's size",
	       ENLARGED, RELAY_PIPE_SIZE, N_RELAYS - ENLARGED);

	/* An enlarged relay's client ends its side: once the EOF is through,
	 * its share is free. */
	int e = 0;
	while (e < N_RELAYS - 1 && !relay_enlarged_pipe(pairs[e].relay, true))
		e++;
	shutdown(pairs[e].feed, SHUT_WR);
	for (int i = 0; i < 1000 && relay_enlarged_pipe(pairs[e].relay, true); i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	is_int(relay_enlarged_pipe(pairs[e].relay, true), 0, "a direction that ended gives its share back");
	is_int(pipe_budget_in_use(), PIPE_BUDGET_BYTES - RELAY_PIPE_SIZE, "the budget has room for one again");
	int idle = count_enlarged(pairs, 0, N_RELAYS);

	/* The others sit idle: a new bulk relay takes the free share, and one
	 * more (the budget full again) an idle relay's. */
	sleep(PIPE_BUDGET_IDLE_S + 1);
	struct pair *fresh = &pairs[N_RELAYS];
	start(base, fresh);
	ok(pump(base, fresh, 1), "a new relay carried %d bytes", BYTES_EACH);
	is_int(relay_enlarged_pipe(fresh->relay, true), RELAY_PIPE_SIZE, "it got the free share");
	relay_cancel(pairs[e].relay);
	close(pairs[e].feed);
	close(pairs[e].sink);
	start(base, &pairs[e]);
	pairs[e].fed = pairs[e].drained = 0;
	ok(pump(base, &pairs[e], 1), "one more relay carried %d bytes with the budget full", BYTES_EACH);
	is_int(relay_enlarged_pipe(pairs[e].relay, true), RELAY_PIPE_SIZE, "it got an enlarged pipe too");
	is_int(count_enlarged(pairs, 0, N_RELAYS), idle, "an idle relay's pipe was shrunk for it");
	is_int(pipe_budget_in_use(), PIPE_BUDGET_BYTES, "the budget is never exceeded");

	for (int i = 0; i <= N_RELAYS; i++)
		relay_cancel(pairs[i].relay);
	is_int(pipe_budget_in_use(), 0, "nothing counted once every relay ended");
	is_int(relay_count(), 0, "no relay left");
	for (int i = 0; i <= N_RELAYS; i++) {
		close(pairs[i].feed);
		close(pairs[i].sink);
	}
	event_base_free(base);
	return tap_done();
}
