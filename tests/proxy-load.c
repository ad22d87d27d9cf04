/* Concurrent tunnels through the HTTP proxy's Unix socket.
 *   proxy-load HTTP_SOCK HOST PORT N HOLD_MS
 * Opens N connections at once, CONNECTs each to HOST:PORT (a net-upstream
 * in echo mode), sends "ECHO <i>\n" and waits for it back.  When every
 * tunnel has answered (or failed) it holds them open HOLD_MS, prints
 * "ok=<n> fail=<n> max_open=<n>", closes all and exits 0 iff all worked. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/un.h>

struct t {
	struct bufferevent *bev;
	int i, stage; /* 0 = wait 200, 1 = wait echo, 2 = done */
};

static int n_total, n_ok, n_fail, open_now, max_open;
static struct event_base *base;
static const char *host;
static int port;
static long hold_ms;

static void all_done_check(void)
{
	if (n_ok + n_fail == n_total) {
		struct timeval tv = {.tv_sec = hold_ms / 1000, .tv_usec = (hold_ms % 1000) * 1000};
		event_base_loopexit(base, &tv);
	}
}

static void fail(struct t *t)
{
	if (t->stage < 2) {
		n_fail++;
		t->stage = 2;
		all_done_check();
	}
}

static void readcb(struct bufferevent *bev, void *arg)
{
	struct t *t = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char want[64];

	if (t->stage == 0) {
		struct evbuffer_ptr e = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		char line[13] = {0};
		if (e.pos < 0)
			return;
		evbuffer_copyout(in, line, 12);
		evbuffer_drain(in, (size_t)e.pos + 4);
		if (strncmp(line, "HTTP/1.1 200", 12) != 0) {
			fail(t);
			return;
		}
		evbuffer_add_printf(bufferevent_get_output(bev), "ECHO %d\n", t->i);
		t->stage = 1;
		return;
	}
	if (t->stage == 1) {
		int n = snprintf(want, sizeof(want), "ECHO %d\n", t->i);
		if (evbuffer_get_length(in) < (size_t)n)
			return;
		char got[64] = {0};
		evbuffer_remove(in, got, (size_t)n);
		if (memcmp(got, want, (size_t)n) == 0) {
			n_ok++;
			t->stage = 2;
			all_done_check();
		} else
			fail(t);
	}
}

static void eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct t *t = arg;

	if (what & BEV_EVENT_CONNECTED) {
		if (++open_now > max_open)
			max_open = open_now;
		evbuffer_add_printf(bufferevent_get_output(bev), "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n", host,
				    port, host, port);
		return;
	}
	fail(t);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct rlimit rl;
	struct t *ts;

	if (argc < 6) {
		fprintf(stderr, "usage: proxy-load HTTP_SOCK HOST PORT N HOLD_MS\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	host = argv[2];
	port = atoi(argv[3]);
	n_total = atoi(argv[4]);
	hold_ms = atol(argv[5]);
	base = event_base_new();
	ts = calloc((size_t)n_total, sizeof(*ts));
	for (int i = 0; i < n_total; i++) {
		ts[i].i = i;
		ts[i].bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
		bufferevent_setcb(ts[i].bev, readcb, NULL, eventcb, &ts[i]);
		bufferevent_enable(ts[i].bev, EV_READ | EV_WRITE);
		if (bufferevent_socket_connect(ts[i].bev, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			fail(&ts[i]);
	}
	struct timeval limit = {.tv_sec = 60};
	event_base_loopexit(base, &limit); /* bounded in time */
	event_base_dispatch(base);
	printf("ok=%d fail=%d max_open=%d\n", n_ok, n_fail, max_open);
	for (int i = 0; i < n_total; i++)
		bufferevent_free(ts[i].bev);
	free(ts);
	event_base_free(base);
	return n_ok == n_total ? 0 : 1;
}
