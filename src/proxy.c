/* Proxy server core: listeners (Unix sockets on the host, TCP listeners
 * handed over from inside the sandbox), compiled rules shared by
 * reference, and the dialler (mitmProxy routing, parentProxy, or a direct
 * dial of an address that passed the resolved-address guard). */
#include "proxy_int.h"

#include "locate.h"
#include "log.h"
#include "relay.h"
#include "util.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- connection registry ---- */

void pconn_register(struct proxy_server *p, struct pconn *c, void (*destroy)(struct pconn *))
{
	c->p = p;
	c->id = ++p->next_id;
	c->destroy = destroy;
	c->prev = NULL;
	c->next = p->conns;
	if (p->conns)
		p->conns->prev = c;
	p->conns = c;
	p->active++;
}

void pconn_unregister(struct pconn *c)
{
	struct proxy_server *p = c->p;

	if (c->prev)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	p->active--;
}

/* ---- tunnels (CONNECT, SOCKS5) ---- */

struct tunnel {
	struct pconn base;
	struct relay *relay;
};

static void tunnel_destroy(struct pconn *c)
{
	struct tunnel *t = (struct tunnel *)c;

	pconn_unregister(c);
	relay_cancel(t->relay);
	free(t);
}

static void tunnel_done(const struct relay_result *res, void *arg)
{
	struct tunnel *t = arg;

	t->relay = NULL; /* already freed */
	tunnel_destroy(&t->base);
}

void proxy_tunnel(struct proxy_server *p, struct bufferevent *client, struct bufferevent *up)
{
	struct tunnel *t = xcalloc(1, sizeof(*t));

	pconn_register(p, &t->base, tunnel_destroy);
	t->relay = relay_new(client, up, PROXY_IDLE_TIMEOUT_S, tunnel_done, t);
	if (!t->relay)
		tunnel_destroy(&t->base);
}

unsigned long proxy_active_connections(const struct proxy_server *p)
{
	return p->active;
}

/* A host as received (SOCKS5 sends any 255 bytes) with every byte that is
 * not printable ASCII, and the backslash, as \xHH: it goes to stderr. */
static char *escape_host(const char *host)
{
	char *out = xmalloc(4 * strlen(host) + 1), *o = out;

	for (const unsigned char *c = (const unsigned char *)host; *c; c++) {
		if (*c > 0x20 && *c < 0x7f && *c != '\\')
			*o++ = (char)*c;
		else
			o += sprintf(o, "\\x%02x", *c);
	}
	*o = '\0';
	return out;
}

void proxy_report(struct proxy_server *p, unsigned long id, const char *protocol, const char *host, int port,
		  bool allowed, const char *reason, const char *rule)
{
	_cleanup_free_ char *safe = escape_host(host ? host : "");
	struct proxy_event ev = {
		.id = id, .protocol = protocol, .host = safe, .port = port,
		.allowed = allowed, .reason = reason ? reason : "", .rule = rule,
	};

	if (!p->cb)
		return;
	gettimeofday(&ev.when, NULL);
	p->cb(&ev, p->cb_arg);
}

/* ---- rules ---- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		out[o++] = b64chars[(v >> 18) & 63];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64chars[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* "http://[user:pass@]host[:port][/...]" -> host, port, auth header.
 * Returns 0 or -1. */
static int parse_proxy_url(const char *url, char **ret_host, int *ret_port, char **ret_auth)
{
	const char *s, *at, *end;
	_cleanup_free_ char *hostport = NULL;
	char *colon, *host;
	int port = 80;

	if (str_has_prefix(url, "http://"))
		s = url + 7;
	else
		return -1; /* an https:// parent proxy would need TLS to the proxy itself */
	end = s + strcspn(s, "/?#");
	at = memchr(s, '@', (size_t)(end - s));
	*ret_auth = NULL;
	if (at) {
		_cleanup_free_ char *cred = xstrndup(s, (size_t)(at - s));
		_cleanup_free_ char *enc = base64(cred);
		*ret_auth = xasprintf("Basic %s", enc);
		s = at + 1;
	}
	hostport = xstrndup(s, (size_t)(end - s));
	if (hostport[0] == '[') {
		char *rb = strchr(hostport, ']');
		if (!rb)
			goto fail;
		*rb = '\0';
		host = hostport + 1;
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		host = hostport;
		colon = strrchr(hostport, ':');
		if (colon)
			*colon = '\0';
	}
	if (colon) {
		char *e;
		long v = strtol(colon + 1, &e, 10);
		if (*e || v < 1 || v > 65535)
			goto fail;
		port = (int)v;
	}
	if (!*host)
		goto fail;
	*ret_host = xstrdup(host);
	*ret_port = port;
	return 0;
fail:
	free(*ret_auth);
	*ret_auth = NULL;
	return -1;
}

/* Copy the parentProxy part of compiled rules (it is fixed at start-up). */
static void rules_copy_parent(struct rules *r, const struct rules *from)
{
	r->parent_http_host = from->parent_http_host ? xstrdup(from->parent_http_host) : NULL;
	r->parent_https_host = from->parent_https_host ? xstrdup(from->parent_https_host) : NULL;
	r->parent_http_port = from->parent_http_port;
	r->parent_https_port = from->parent_https_port;
	r->parent_http_auth = from->parent_http_auth ? xstrdup(from->parent_http_auth) : NULL;
	r->parent_https_auth = from->parent_https_auth ? xstrdup(from->parent_https_auth) : NULL;
	for (size_t i = 0; i < from->no_proxy.n; i++)
		strv_push(&r->no_proxy, from->no_proxy.v[i]);
}

/* Compile net.  parent: rules whose parentProxy is kept (a live update
 * does not change it), or NULL to take it from net. */
static struct rules *rules_new(const struct net_settings *net, const struct rules *parent, char **ret_err)
{
	struct rules *r = xcalloc(1, sizeof(*r));

	r->refs = 1;
	r->guard = addrguard_new(net, true, ret_err);
	if (!r->guard)
		goto fail;
	r->policy = policy_new(net);
	if (net->has_mitm_proxy && net->mitm_socket_path) {
		struct net_settings m = {0};
		m.allowed_domains = net->mitm_domains;
		r->mitm = policy_new(&m);
		r->mitm_socket = xstrdup(net->mitm_socket_path);
	}
	if (parent) {
		rules_copy_parent(r, parent);
	} else if (net->has_parent_proxy) {
		if (net->parent_http &&
		    parse_proxy_url(net->parent_http, &r->parent_http_host, &r->parent_http_port, &r->parent_http_auth) < 0) {
			*ret_err = xasprintf("network.parentProxy.http: unsupported proxy URL: %s", net->parent_http);
			goto fail;
		}
		if (net->parent_https && parse_proxy_url(net->parent_https, &r->parent_https_host, &r->parent_https_port,
							 &r->parent_https_auth) < 0) {
			*ret_err = xasprintf("network.parentProxy.https: unsupported proxy URL: %s", net->parent_https);
			goto fail;
		}
		if (net->parent_no_proxy) {
			_cleanup_free_ char *list = xstrdup(net->parent_no_proxy);
			char *save = NULL;
			for (char *tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
				for (char *c = tok; *c; c++)
					*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
				strv_push(&r->no_proxy, tok[0] == '.' ? tok + 1 : tok);
			}
		}
	}
	return r;
fail:
	rules_unref(r);
	return NULL;
}

struct rules *rules_ref(struct rules *r)
{
	r->refs++;
	return r;
}

void rules_unref(struct rules *r)
{
	if (!r || --r->refs > 0)
		return;
	policy_free(r->policy);
	addrguard_free(r->guard);
	policy_free(r->mitm);
	free(r->mitm_socket);
	free(r->parent_http_host);
	free(r->parent_https_host);
	free(r->parent_http_auth);
	free(r->parent_https_auth);
	strv_clear(&r->no_proxy);
	free(r);
}

static bool no_proxy_match(const struct rules *r, const char *host)
{
	size_t hl = strlen(host);

	for (size_t i = 0; i < r->no_proxy.n; i++) {
		const char *e = r->no_proxy.v[i];
		size_t el = strlen(e);
		if (strcmp(e, "*") == 0 || strcmp(e, host) == 0)
			return true;
		if (hl > el && host[hl - el - 1] == '.' && strcmp(host + hl - el, e) == 0)
			return true;
	}
	return false;
}

/* ---- dialler ---- */

struct dial {
	struct proxy_server *p;
	struct rules *rules;
	char *host;
	int port;
	bool is_ip;
	enum dial_mode mode;
	dial_cb cb;
	void *arg;
	struct evdns_getaddrinfo_request *req;
	struct sockaddr_storage *addrs;
	socklen_t *lens;
	size_t n_addrs, next;
	const char *refused_class;
	struct bufferevent *bev;
	bool handshake;          /* CONNECT to an upstream proxy pending */
	bool via_proxy;
	const char *proxy_auth;
	struct event *done_ev;
	struct dial_result res;
	bool cancelled;
};

static void dial_free(struct dial *d)
{
	if (d->bev)
		bufferevent_free(d->bev);
	if (d->done_ev)
		event_free(d->done_ev);
	rules_unref(d->rules);
	free(d->addrs);
	free(d->lens);
	free(d->host);
	free(d);
}

static void dial_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dial *d = arg;

	if (d->res.status == DIAL_OK) {
		d->res.bev = d->bev;
		d->bev = NULL;
		bufferevent_setcb(d->res.bev, NULL, NULL, NULL, NULL);
		bufferevent_set_timeouts(d->res.bev, NULL, NULL);
	}
	d->cb(&d->res, d->arg);
	dial_free(d);
}

static void dial_finish(struct dial *d, enum dial_status st, const char *msg)
{
	d->res.status = st;
	d->res.msg = msg;
	d->res.via_proxy = d->via_proxy;
	d->res.proxy_auth = d->proxy_auth;
	if (st != DIAL_OK && d->bev) {
		bufferevent_free(d->bev);
		d->bev = NULL;
	}
	event_active(d->done_ev, EV_TIMEOUT, 0);
}

static void dial_try_next(struct dial *d);

/* Upstream proxy answered our CONNECT: need "HTTP/1.x 200" and the head. */
static void dial_handshake_readcb(struct bufferevent *bev, void *arg)
{
	struct dial *d = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	char status[16] = {0};

	if (end.pos < 0) {
		if (evbuffer_get_length(in) > PROXY_MAX_HEAD)
			dial_finish(d, DIAL_CONNECT_FAILED, "upstream proxy sent an oversized reply");
		return;
	}
	evbuffer_copyout(in, status, sizeof(status) - 1);
	evbuffer_drain(in, (size_t)end.pos + 4);
	if (strncmp(status, "HTTP/1.", 7) != 0 || strncmp(status + 8, " 200", 4) != 0) {
		dial_finish(d, DIAL_CONNECT_FAILED, "upstream proxy refused the tunnel");
		return;
	}
	dial_finish(d, DIAL_OK, NULL);
}

static void dial_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct dial *d = arg;

	if (what & BEV_EVENT_CONNECTED) {
		if (!d->handshake) {
			dial_finish(d, DIAL_OK, NULL);
			return;
		}
		struct evbuffer *out = bufferevent_get_output(bev);
		bool v6 = strchr(d->host, ':') != NULL;
		evbuffer_add_printf(out, "CONNECT %s%s%s:%d HTTP/1.1\r\nHost: %s%s%s:%d\r\n", v6 ? "[" : "", d->host,
				    v6 ? "]" : "", d->port, v6 ? "[" : "", d->host, v6 ? "]" : "", d->port);
		if (d->proxy_auth)
			evbuffer_add_printf(out, "Proxy-Authorization: %s\r\n", d->proxy_auth);
		evbuffer_add(out, "\r\n", 2);
		bufferevent_setcb(bev, dial_handshake_readcb, NULL, dial_eventcb, d);
		bufferevent_enable(bev, EV_READ);
		return;
	}
	/* error, EOF or timeout */
	if (d->bev) {
		bufferevent_free(d->bev);
		d->bev = NULL;
	}
	if (d->next < d->n_addrs && !d->via_proxy)
		dial_try_next(d);
	else
		dial_finish(d, DIAL_CONNECT_FAILED, d->via_proxy ? "upstream proxy connection failed" : "connection failed");
}

static void dial_connect(struct dial *d, const struct sockaddr *sa, socklen_t len)
{
	struct timeval tv = {.tv_sec = PROXY_CONNECT_TIMEOUT_S};

	d->bev = bufferevent_socket_new(d->p->base, -1, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!d->bev) {
		dial_finish(d, DIAL_CONNECT_FAILED, "out of memory");
		return;
	}
	bufferevent_setcb(d->bev, NULL, NULL, dial_eventcb, d);
	bufferevent_set_timeouts(d->bev, &tv, &tv);
	bufferevent_enable(d->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(d->bev, sa, (int)len) < 0) {
		bufferevent_free(d->bev);
		d->bev = NULL;
		if (d->next < d->n_addrs && !d->via_proxy)
			dial_try_next(d);
		else
			dial_finish(d, DIAL_CONNECT_FAILED, "connection failed");
	}
}

static void dial_try_next(struct dial *d)
{
	size_t i = d->next++;
	dial_connect(d, (struct sockaddr *)&d->addrs[i], d->lens[i]);
}

static void dial_add_addr(struct dial *d, const struct sockaddr *sa, socklen_t len)
{
	d->addrs = xrealloc(d->addrs, (d->n_addrs + 1) * sizeof(*d->addrs));
	d->lens = xrealloc(d->lens, (d->n_addrs + 1) * sizeof(*d->lens));
	memset(&d->addrs[d->n_addrs], 0, sizeof(*d->addrs));
	memcpy(&d->addrs[d->n_addrs], sa, len);
	d->lens[d->n_addrs] = len;
	d->n_addrs++;
}

static void dial_gai_cb(int err, struct evutil_addrinfo *res, void *arg)
{
	struct dial *d = arg;

	d->req = NULL;
	if (err == EVUTIL_EAI_CANCEL) {
		if (res)
			evutil_freeaddrinfo(res);
		dial_free(d);
		return;
	}
	if (err || !res) {
		if (res)
			evutil_freeaddrinfo(res);
		dial_finish(d, DIAL_RESOLVE_FAILED, "name resolution failed");
		return;
	}
	for (struct evutil_addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (d->via_proxy) { /* a parent proxy's own name: no guard */
			dial_add_addr(d, ai->ai_addr, (socklen_t)ai->ai_addrlen);
			continue;
		}
		const char *cls = addrguard_check(d->rules->guard, d->host, d->port, ai->ai_addr);
		if (cls) {
			if (!d->refused_class)
				d->refused_class = cls;
			continue;
		}
		dial_add_addr(d, ai->ai_addr, (socklen_t)ai->ai_addrlen);
	}
	evutil_freeaddrinfo(res);
	if (d->n_addrs == 0) {
		dial_finish(d, DIAL_GUARD_REFUSED, d->refused_class ? d->refused_class : "no usable address");
		return;
	}
	dial_try_next(d);
}

static void dial_resolve(struct dial *d, const char *name, int port)
{
	struct evutil_addrinfo hints = {0};
	char portstr[8];

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(portstr, sizeof(portstr), "%d", port);
	d->req = evdns_getaddrinfo(d->p->dns, name, portstr, &hints, dial_gai_cb, d);
}

struct dial *dial_start(struct proxy_server *p, struct rules *rules, const char *host, bool host_is_ip, int port,
			enum dial_mode mode, dial_cb cb, void *arg)
{
	struct dial *d = xcalloc(1, sizeof(*d));
	struct policy_result mr = {0};
	const char *phost = NULL;
	int pport = 0;

	d->p = p;
	d->rules = rules_ref(rules);
	d->host = xstrdup(host);
	d->is_ip = host_is_ip;
	d->port = port;
	d->mode = mode;
	d->cb = cb;
	d->arg = arg;
	d->done_ev = event_new(p->base, -1, 0, dial_done_cb, d);

	/* mitmProxy: its domains go to the given Unix socket. */
	if (rules->mitm && policy_decide(rules->mitm, host, port, &mr)) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		policy_result_clear(&mr);
		d->via_proxy = true;
		d->handshake = mode == DIAL_TUNNEL;
		if (strlen(rules->mitm_socket) >= sizeof(sun.sun_path)) {
			dial_finish(d, DIAL_CONNECT_FAILED, "mitmProxy.socketPath too long");
			return d;
		}
		strcpy(sun.sun_path, rules->mitm_socket);
		dial_connect(d, (struct sockaddr *)&sun, sizeof(sun));
		return d;
	}
	policy_result_clear(&mr);

	/* parentProxy: tunnels use the https one (else http), requests the http one. */
	if (mode == DIAL_TUNNEL) {
		phost = rules->parent_https_host ? rules->parent_https_host : rules->parent_http_host;
		pport = rules->parent_https_host ? rules->parent_https_port : rules->parent_http_port;
		d->proxy_auth = rules->parent_https_host ? rules->parent_https_auth : rules->parent_http_auth;
	} else {
		phost = rules->parent_http_host;
		pport = rules->parent_http_port;
		d->proxy_auth = rules->parent_http_auth;
	}
	if (phost && !no_proxy_match(rules, host)) {
		d->via_proxy = true;
		d->handshake = mode == DIAL_TUNNEL;
		dial_resolve(d, phost, pport);
		return d;
	}
	d->proxy_auth = NULL;

	if (host_is_ip) { /* literals are not re-judged by the guard */
		struct evutil_addrinfo hints = {0}, *res = NULL;
		char portstr[8];
		hints.ai_flags = EVUTIL_AI_NUMERICHOST;
		hints.ai_socktype = SOCK_STREAM;
		snprintf(portstr, sizeof(portstr), "%d", port);
		if (evutil_getaddrinfo(host, portstr, &hints, &res) != 0 || !res) {
			dial_finish(d, DIAL_RESOLVE_FAILED, "bad address");
			return d;
		}
		dial_add_addr(d, res->ai_addr, (socklen_t)res->ai_addrlen);
		evutil_freeaddrinfo(res);
		dial_try_next(d);
		return d;
	}
	dial_resolve(d, host, port);
	return d;
}

void dial_cancel(struct dial *d)
{
	if (!d)
		return;
	if (d->req) {
		/* The callback runs with EVUTIL_EAI_CANCEL and frees d. */
		struct evdns_getaddrinfo_request *req = d->req;
		d->req = NULL;
		evdns_getaddrinfo_cancel(req);
		return;
	}
	dial_free(d);
}

/* ---- listeners ---- */

static void http_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	proxy_http_accept(arg, fd, false);
}

/* A sandbox client: small answers (a 200 for CONNECT, a 403) go out at once
 * instead of waiting for Nagle's algorithm. */
static void set_nodelay(evutil_socket_t fd)
{
	int on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/* A sandbox connection is loopback inside the sandbox's own network
 * namespace: no loss, an RTT of microseconds.  The bytes srt sends on it
 * use reno: a pacing congestion control such as BBR (a common host default,
 * which a new namespace inherits) only adds timer-driven sends on such a
 * link, and cost the relay 5-10% of its speed (bench/net-throughput.sh).
 * Set on each accepted socket (srt sends nothing before it accepts).
 * Reno is always allowed to unprivileged sockets; on failure the default
 * stays. */
static void use_reno(evutil_socket_t fd)
{
	static const char reno[] = "reno";

	(void)setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, reno, sizeof(reno) - 1);
}

static void http_tcp_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
			       void *arg)
{
	set_nodelay(fd);
	use_reno(fd);
	proxy_http_accept(arg, fd, true);
}

static void socks_tcp_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
				void *arg)
{
	set_nodelay(fd);
	use_reno(fd);
	proxy_socks_accept(arg, fd);
}

static void socks_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	proxy_socks_accept(arg, fd);
}

/* Accepting more than the descriptor limit allows: the listening socket
 * stays readable, so libevent would call accept() again at once, forever.
 * Pause both listeners briefly instead; connections that end free some. */
#define ACCEPT_PAUSE_MS 100

static void accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy_server *p = arg;

	if (p->http_listener)
		evconnlistener_enable(p->http_listener);
	if (p->socks_listener)
		evconnlistener_enable(p->socks_listener);
	for (size_t i = 0; i < p->n_adopted; i++)
		evconnlistener_enable(p->adopted[i]);
}

static void accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct proxy_server *p = arg;
	struct timeval tv = {.tv_usec = ACCEPT_PAUSE_MS * 1000};
	int err = EVUTIL_SOCKET_ERROR();

	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return; /* ECONNABORTED and the like: that one connection only */
	if (p->http_listener)
		evconnlistener_disable(p->http_listener);
	if (p->socks_listener)
		evconnlistener_disable(p->socks_listener);
	for (size_t i = 0; i < p->n_adopted; i++)
		evconnlistener_disable(p->adopted[i]);
	if (!evtimer_pending(p->accept_pause, NULL))
		log_debug("proxy: out of descriptors (%s), not accepting for %d ms", strerror(err), ACCEPT_PAUSE_MS);
	evtimer_add(p->accept_pause, &tv);
}

static struct evconnlistener *listen_unix(struct proxy_server *p, const char *path, evconnlistener_cb cb,
					  char **ret_err)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct evconnlistener *l;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		*ret_err = xasprintf("proxy socket path too long: %s", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	unlink(path);
	l = evconnlistener_new_bind(p->base, cb, p, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 4096,
				    (struct sockaddr *)&sun, sizeof(sun));
	if (!l)
		*ret_err = xasprintf("cannot listen on %s: %s", path, strerror(errno));
	else
		evconnlistener_set_error_cb(l, accept_error_cb);
	return l;
}

struct proxy_server *proxy_start(struct event_base *base, const char *http_socket_path, const char *socks_socket_path,
				 const struct net_settings *net, proxy_event_cb cb, void *cb_arg, char **ret_err)
{
	struct proxy_server *p = xcalloc(1, sizeof(*p));
	const char *hosts;

	p->base = base;
	p->cb = cb;
	p->cb_arg = cb_arg;
	p->rules = rules_new(net, NULL, ret_err);
	if (!p->rules)
		goto fail;
	p->accept_pause = evtimer_new(base, accept_resume_cb, p);
	if (!p->accept_pause) {
		*ret_err = xstrdup("out of memory");
		goto fail;
	}
	p->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (!p->dns) /* no resolv.conf: names from /etc/hosts only */
		p->dns = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (!p->dns) {
		*ret_err = xstrdup("cannot set up the DNS resolver");
		goto fail;
	}
	/* Allowed names are resolved as given: resolv.conf's search domains
	 * would turn an allowed "foo" into some other host's "foo.corp". */
	evdns_base_search_clear(p->dns);
	evdns_base_load_hosts(p->dns, NULL);
	/* Tests map names to addresses with their own hosts file (build tree
	 * only: an installed srt resolves as the host does). */
	hosts = locate_in_build_tree() ? getenv("SRT_TEST_HOSTS_FILE") : NULL;
	if (hosts && *hosts && evdns_base_load_hosts(p->dns, hosts) != 0) {
		*ret_err = xasprintf("cannot read SRT_TEST_HOSTS_FILE %s", hosts);
		goto fail;
	}
	if (http_socket_path) {
		p->http_path = xstrdup(http_socket_path);
		if (!(p->http_listener = listen_unix(p, http_socket_path, http_accept_cb, ret_err)))
			goto fail;
	}
	if (socks_socket_path) {
		p->socks_path = xstrdup(socks_socket_path);
		if (!(p->socks_listener = listen_unix(p, socks_socket_path, socks_accept_cb, ret_err)))
			goto fail;
	}
	return p;
fail:
	proxy_free(p);
	return NULL;
}

int proxy_adopt_listener(struct proxy_server *p, enum proxy_kind kind, int fd, char **ret_err)
{
	struct evconnlistener *l;

	if (p->n_adopted == PROXY_MAX_ADOPTED) {
		close(fd);
		*ret_err = xstrdup("too many sandbox listeners");
		return -1;
	}
	evutil_make_socket_nonblocking(fd);
	/* backlog 0: the socket listens already (made inside the sandbox, with
	 * its own backlog; -1 would listen() again with libevent's 128). */
	l = evconnlistener_new(p->base, kind == PROXY_HTTP ? http_tcp_accept_cb : socks_tcp_accept_cb, p,
			       LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (!l) {
		close(fd);
		*ret_err = xasprintf("cannot accept on the sandbox's listener: %s", strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(l, accept_error_cb);
	p->adopted[p->n_adopted++] = l;
	return 0;
}

int proxy_set_network(struct proxy_server *p, const struct net_settings *net)
{
	char *err = NULL;
	struct rules *r = rules_new(net, p->rules, &err);

	if (!r) {
		log_warn("network settings not applied, previous rules still in force: %s", err);
		free(err);
		return -1;
	}
	rules_unref(p->rules);
	p->rules = r;
	return 0;
}

void proxy_free(struct proxy_server *p)
{
	if (!p)
		return;
	if (p->http_listener) {
		evconnlistener_free(p->http_listener);
		unlink(p->http_path);
	}
	if (p->socks_listener) {
		evconnlistener_free(p->socks_listener);
		unlink(p->socks_path);
	}
	for (size_t i = 0; i < p->n_adopted; i++)
		evconnlistener_free(p->adopted[i]);
	if (p->accept_pause)
		event_free(p->accept_pause);
	while (p->conns)
		p->conns->destroy(p->conns);
	if (p->dns)
		evdns_base_free(p->dns, 1);
	rules_unref(p->rules);
	free(p->http_path);
	free(p->socks_path);
	free(p);
}
