/* The SOCKS5 proxy (RFC 1928): no-auth or username/password (RFC 1929,
 * any credentials: the socket is private), CONNECT only, IPv4 / domain /
 * IPv6 address types; the policy decides, then the tunnel is relayed. */
#include "proxy_int.h"

#include "relay.h"
#include "util.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <string.h>

enum sstate { S_GREETING, S_AUTH, S_REQUEST, S_DIALING, S_CLOSING };

/* Reply codes (RFC 1928 6). */
#define REP_OK 0x00
#define REP_NOT_ALLOWED 0x02
#define REP_HOST_UNREACHABLE 0x04
#define REP_CMD_UNSUPPORTED 0x07
#define REP_ATYP_UNSUPPORTED 0x08

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
		reply(s, REP_NOT_ALLOWED, true);
		return;
	}
	if (res->status != DIAL_OK) {
		reply(s, REP_HOST_UNREACHABLE, true);
		return;
	}
	reply(s, REP_OK, false);
	c = s->client;
	s->client = NULL;
	sconn_close(s);
	proxy_tunnel(p, c, res->bev);
}

/* Returns the number of bytes consumed, 0 when more input is needed, or
 * -1 after the connection was closed. */
static int step_greeting(struct sconn *s, const unsigned char *b, size_t n)
{
	bool noauth = false, userpass = false;
	unsigned char ans[2] = {5, 0xff};

	if (n < 2)
		return 0;
	if (b[0] != 5) {
		finish(s, NULL, 0);
		return -1;
	}
	if (n < 2u + b[1])
		return 0;
	for (size_t i = 0; i < b[1]; i++) {
		noauth |= b[2 + i] == 0x00;
		userpass |= b[2 + i] == 0x02;
	}
	if (noauth) {
		ans[1] = 0x00;
		s->state = S_REQUEST;
	} else if (userpass) {
		ans[1] = 0x02;
		s->state = S_AUTH;
	} else {
		finish(s, ans, 2);
		return -1;
	}
	bufferevent_write(s->client, ans, 2);
	return 2 + b[1];
}

/* RFC 1929: any username/password is accepted (the socket is private). */
static int step_auth(struct sconn *s, const unsigned char *b, size_t n)
{
	static const unsigned char okay[2] = {1, 0};
	size_t ulen, plen;

	if (n < 2)
		return 0;
	if (b[0] != 1) {
		static const unsigned char bad[2] = {1, 1};
		finish(s, bad, 2);
		return -1;
	}
	ulen = b[1];
	if (n < 3 + ulen)
		return 0;
	plen = b[2 + ulen];
	if (n < 3 + ulen + plen)
		return 0;
	bufferevent_write(s->client, okay, 2);
	s->state = S_REQUEST;
	return (int)(3 + ulen + plen);
}

static int step_request(struct sconn *s, const unsigned char *b, size_t n)
{
	char host[INET6_ADDRSTRLEN + 256];
	size_t need, alen;
	struct policy_result pr;

	if (n < 5)
		return 0;
	if (b[0] != 5) {
		finish(s, NULL, 0);
		return -1;
	}
	switch (b[3]) {
	case 1:
		alen = 4;
		break;
	case 3:
		alen = 1 + (size_t)b[4];
		break;
	case 4:
		alen = 16;
		break;
	default:
		reply(s, REP_ATYP_UNSUPPORTED, true);
		return -1;
	}
	need = 4 + alen + 2;
	if (n < need)
		return 0;
	if (b[1] != 1) { /* BIND, UDP ASSOCIATE */
		reply(s, REP_CMD_UNSUPPORTED, true);
		return -1;
	}
	if (b[3] == 1)
		inet_ntop(AF_INET, b + 4, host, sizeof(host));
	else if (b[3] == 4)
		inet_ntop(AF_INET6, b + 4, host, sizeof(host));
	else {
		memcpy(host, b + 5, b[4]);
		host[b[4]] = '\0';
		if (memchr(b + 5, '\0', b[4]))
			host[0] = '\0'; /* embedded NUL: malformed */
	}
	s->port = b[4 + alen] << 8 | b[5 + alen];
	rules_unref(s->rules);
	s->rules = rules_ref(s->base.p->rules);
	if (!policy_decide(s->rules->policy, host, s->port, &pr)) {
		proxy_report(s->base.p, s->base.id, "socks5", pr.host ? pr.host : host, s->port, false, pr.reason,
			     pr.rule);
		policy_result_clear(&pr);
		reply(s, REP_NOT_ALLOWED, true);
		return -1;
	}
	proxy_report(s->base.p, s->base.id, "socks5", pr.host, s->port, true, pr.reason, pr.rule);
	s->host = steal_pointer(&pr.host);
	s->state = S_DIALING;
	event_del(s->timer);
	bufferevent_disable(s->client, EV_READ);
	s->dial = dial_start(s->base.p, s->rules, s->host, pr.host_is_ip, s->port, DIAL_TUNNEL, socks_dial_done, s);
	policy_result_clear(&pr);
	return (int)need;
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
