/* The SOCKS5 proxy (RFC 1928): no-auth or username/password (RFC 1929,
 * any credentials: the socket is private), CONNECT only, IPv4 / domain /
 * IPv6 address types; the policy decides, then the tunnel is relayed. */
#include "proxy_int.h"

#include "relay.h"
#include "socks_parse.h"
#include "util.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <string.h>

enum sstate { S_GREETING, S_AUTH, S_REQUEST, S_DIALING, S_CLOSING };

struct sconn {
	struct pconn base;
	struct bufferevent *client;
	enum sstate state;
	struct event *timer;
	struct dial *dial;
	struct rules *rules;
	char *host;
	int port;
};

static void sconn_destroy(struct pconn *c)
{
	struct sconn *s = (struct sconn *)c;

	pconn_unregister(c);
	dial_cancel(s->dial);
	if (s->client)
		bufferevent_free(s->client);
	if (s->timer)
		event_free(s->timer);
	rules_unref(s->rules);
	free(s->host);
	free(s);
}

static void sconn_close(struct sconn *s)
{
	sconn_destroy(&s->base);
}

static void closing_writecb(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		sconn_close(arg);
}

static void closing_eventcb(struct bufferevent *bev, short what, void *arg)
{
	sconn_close(arg);
}

/* Queue bytes, flush them, then close. */
static void finish(struct sconn *s, const void *data, size_t len)
{
	s->state = S_CLOSING;
	dial_cancel(s->dial);
	s->dial = NULL;
	event_del(s->timer);
	if (len)
		bufferevent_write(s->client, data, len);
	bufferevent_disable(s->client, EV_READ);
	bufferevent_setcb(s->client, NULL, closing_writecb, closing_eventcb, s);
	bufferevent_enable(s->client, EV_WRITE);
	if (evbuffer_get_length(bufferevent_get_output(s->client)) == 0)
		sconn_close(s);
}

static void reply(struct sconn *s, unsigned char code, bool close)
{
	const unsigned char r[10] = {5, code, 0, 1, 0, 0, 0, 0, 0, 0};

	if (close)
		finish(s, r, sizeof(r));
	else
		bufferevent_write(s->client, r, sizeof(r));
}

static void socks_dial_done(const struct dial_result *res, void *arg)
{
	struct sconn *s = arg;
	struct bufferevent *c;
	struct proxy_server *p = s->base.p;

	s->dial = NULL;
	if (res->status == DIAL_GUARD_REFUSED) {
		_cleanup_free_ char *reason = xasprintf("resolved to %s", res->msg);
		proxy_report(s->base.p, s->base.id, "socks5", s->host, s->port, false, reason, NULL);
		reply(s, SOCKS_REP_NOT_ALLOWED, true);
		return;
	}
	if (res->status != DIAL_OK) {
		reply(s, SOCKS_REP_HOST_UNREACHABLE, true);
		return;
	}
	reply(s, SOCKS_REP_OK, false);
	c = s->client;
	s->client = NULL;
	sconn_close(s);
	proxy_tunnel(p, c, res->bev);
}

/* Returns the number of bytes consumed, 0 when more input is needed, or
 * -1 after the connection was closed. */
static int step_greeting(struct sconn *s, const unsigned char *b, size_t n)
{
	unsigned char ans[2] = {5, SOCKS_METHOD_NONE};
	int used = socks_parse_greeting(b, n, &ans[1]);

	if (used < 0) {
		finish(s, NULL, 0);
		return -1;
	}
	if (used == 0)
		return 0;
	if (ans[1] == SOCKS_METHOD_NONE) {
		finish(s, ans, 2);
		return -1;
	}
	s->state = ans[1] == SOCKS_METHOD_NOAUTH ? S_REQUEST : S_AUTH;
	bufferevent_write(s->client, ans, 2);
	return used;
}

/* RFC 1929: any username/password is accepted (the socket is private). */
static int step_auth(struct sconn *s, const unsigned char *b, size_t n)
{
	static const unsigned char okay[2] = {1, 0}, bad[2] = {1, 1};
	int used = socks_parse_auth(b, n);

	if (used < 0) {
		finish(s, bad, 2);
		return -1;
	}
	if (used == 0)
		return 0;
	bufferevent_write(s->client, okay, 2);
	s->state = S_REQUEST;
	return used;
}

static int step_request(struct sconn *s, const unsigned char *b, size_t n)
{
	struct socks_request req;
	unsigned char rep;
	struct policy_result pr;
	int used = socks_parse_request(b, n, &req, &rep);

	if (used < 0) {
		if (rep == SOCKS_REP_NONE)
			finish(s, NULL, 0);
		else
			reply(s, rep, true);
		return -1;
	}
	if (used == 0)
		return 0;
	s->port = req.port;
	rules_unref(s->rules);
	s->rules = rules_ref(s->base.p->rules);
	if (!policy_decide(s->rules->policy, req.host, s->port, &pr)) {
		proxy_report(s->base.p, s->base.id, "socks5", pr.host ? pr.host : req.host, s->port, false, pr.reason,
			     pr.rule);
		policy_result_clear(&pr);
		reply(s, SOCKS_REP_NOT_ALLOWED, true);
		return -1;
	}
	proxy_report(s->base.p, s->base.id, "socks5", pr.host, s->port, true, pr.reason, pr.rule);
	s->host = steal_pointer(&pr.host);
	s->state = S_DIALING;
	event_del(s->timer);
	bufferevent_disable(s->client, EV_READ);
	s->dial = dial_start(s->base.p, s->rules, s->host, pr.host_is_ip, s->port, DIAL_TUNNEL, socks_dial_done, s);
	policy_result_clear(&pr);
	return used;
}

static void socks_readcb(struct bufferevent *bev, void *arg)
{
	struct sconn *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	for (;;) {
		size_t n = evbuffer_get_length(in);
		const unsigned char *b;
		int used;

		if (n == 0 || s->state > S_REQUEST)
			return;
		if (n > 600) /* no handshake message is this long */
			n = 600;
		b = evbuffer_pullup(in, (ssize_t)n);
		switch (s->state) {
		case S_GREETING:
			used = step_greeting(s, b, n);
			break;
		case S_AUTH:
			used = step_auth(s, b, n);
			break;
		default:
			used = step_request(s, b, n);
			break;
		}
		if (used <= 0)
			return; /* need more, or closed (s may be gone) */
		evbuffer_drain(in, (size_t)used);
		if (s->state == S_DIALING)
			return; /* bytes after the request wait in the buffer for the relay */
	}
}

static void socks_eventcb(struct bufferevent *bev, short what, void *arg)
{
	sconn_close(arg);
}

static void socks_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	sconn_close(arg);
}

void proxy_socks_accept(struct proxy_server *p, evutil_socket_t fd)
{
	struct sconn *s = xcalloc(1, sizeof(*s));
	struct timeval tv = {.tv_sec = PROXY_HEAD_TIMEOUT_S};

	pconn_register(p, &s->base, sconn_destroy);
	s->rules = rules_ref(p->rules);
	s->client = bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	s->timer = evtimer_new(p->base, socks_timeout_cb, s);
	if (!s->client || !s->timer) {
		if (!s->client)
			evutil_closesocket(fd);
		sconn_close(s);
		return;
	}
	bufferevent_setwatermark(s->client, EV_READ, 0, 4096);
	bufferevent_setcb(s->client, socks_readcb, NULL, socks_eventcb, s);
	bufferevent_enable(s->client, EV_READ | EV_WRITE);
	event_add(s->timer, &tv);
}
