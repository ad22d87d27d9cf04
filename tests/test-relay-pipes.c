/* Unit test of the relay's pipe budget: bulk relays get pipes enlarged to
 * RELAY_PIPE_SIZE until RELAY_PIPE_BUDGET is reached, later ones keep the
 * kernel's size, and a relay that ends gives its share back.  Real relays
 * between Unix socket pairs, run by a real event loop; each carries more
 * than RELAY_SPLICE_AFTER so that it splices. */
#include "relay.h"
#include "lib/tap.h"

#include <event2/event.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define N_RELAYS (RELAY_PIPE_BUDGET / RELAY_PIPE_SIZE + 4)
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

int main(void)
{
	struct event_base *base = event_base_new();
	struct pair pairs[N_RELAYS] = {0};
	int enlarged = RELAY_PIPE_BUDGET / RELAY_PIPE_SIZE;

	for (int i = 0; i < N_RELAYS; i++)
		start(base, &pairs[i]);
	is_int(relay_enlarged_pipe_bytes(), 0, "no pipe before any relay carried bulk data");
	ok(pump(base, pairs, N_RELAYS), "%d relays each carried %d bytes", N_RELAYS, BYTES_EACH);
	is_int(relay_enlarged_pipe_bytes(), (long long)enlarged * RELAY_PIPE_SIZE,
	       "%d pipes enlarged to %d bytes, the budget; %d relays keep the kernel's size", enlarged,
	       RELAY_PIPE_SIZE, N_RELAYS - enlarged);
	relay_cancel(pairs[0].relay);
	is_int(relay_enlarged_pipe_bytes(), (long long)(enlarged - 1) * RELAY_PIPE_SIZE,
	       "a relay that ends gives its pipe's share back");
	for (int i = 1; i < N_RELAYS; i++)
		relay_cancel(pairs[i].relay);
	is_int(relay_enlarged_pipe_bytes(), 0, "nothing counted once every relay ended");
	is_int(relay_count(), 0, "no relay left");
	for (int i = 0; i < N_RELAYS; i++) {
		close(pairs[i].feed);
		close(pairs[i].sink);
	}
	event_base_free(base);
	return tap_done();
}
