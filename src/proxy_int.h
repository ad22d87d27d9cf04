/* Internals shared by proxy.c, proxy_http.c and proxy_socks.c. */
#pragma once

#include "addrguard.h"
#include "policy.h"
#include "proxy.h"

#include <event2/util.h>
#include <stdbool.h>
#include <stdint.h>

struct bufferevent;
struct evdns_base;
struct evconnlistener;
struct event;

/* One compiled rule set, shared by reference so a live update never frees
 * rules a connection in flight is still using. */
struct rules {
	unsigned refs;
	struct policy *policy;
	struct addrguard *guard;
	struct policy *mitm;     /* mitmProxy.domains as an allow list, or NULL */
	char *mitm_socket;
	/* parentProxy: host and port of the upstream HTTP proxy, NULL = none */
	char *parent_http_host, *parent_https_host;
	int parent_http_port, parent_https_port;
	char *parent_http_auth, *parent_https_auth; /* "Basic ..." or NULL */
	strv no_proxy;
};

struct proxy_server {
	struct event_base *base;
	struct evdns_base *dns;
	struct evconnlistener *http_listener, *socks_listener;   /* Unix sockets (host side) */
	struct evconnlistener *adopted[PROXY_MAX_ADOPTED];       /* the sandbox's TCP listeners */
	size_t n_adopted;
	struct event *accept_pause; /* out of descriptors: listeners resume when it fires */
	char *http_path, *socks_path;
	struct rules *rules;
	proxy_event_cb cb;
	void *cb_arg;
	unsigned long next_id;
	unsigned long active;
	struct pconn *conns; /* every open client connection, for proxy_free */
};

/* Common part of an HTTP or SOCKS client connection. */
struct pconn {
	struct pconn *prev, *next;
	struct proxy_server *p;
	unsigned long id;
	void (*destroy)(struct pconn *c); /* frees the connection */
};

void pconn_register(struct proxy_server *p, struct pconn *c, void (*destroy)(struct pconn *));
void pconn_unregister(struct pconn *c);

/* Hand a client and its dialled upstream over to a relay that stays in
 * the connection list (so proxy_free closes it) until it ends.  Takes both
 * bufferevents. */
void proxy_tunnel(struct proxy_server *p, struct bufferevent *client, struct bufferevent *up);

struct rules *rules_ref(struct rules *r);
void rules_unref(struct rules *r);

void proxy_report(struct proxy_server *p, unsigned long id, const char *protocol, const char *host, int port,
		  bool allowed, const char *reason, const char *rule);

/* Dialling an allowed destination. */
enum dial_status {
	DIAL_OK,
	DIAL_GUARD_REFUSED, /* every address refused by the guard: msg = class */
	DIAL_RESOLVE_FAILED,
	DIAL_CONNECT_FAILED,
};

enum dial_mode {
	DIAL_TUNNEL, /* raw bytes: CONNECT through an upstream proxy when routed */
	DIAL_HTTP,   /* the caller sends an HTTP request; via_proxy says absolute-form */
};

struct dial_result {
	enum dial_status status;
	struct bufferevent *bev; /* connected, owned by the callee on DIAL_OK */
	bool via_proxy;          /* DIAL_HTTP through mitm/parent proxy */
	const char *proxy_auth;  /* Proxy-Authorization value for via_proxy, or NULL */
	const char *msg;         /* class or error text */
};

struct dial;
typedef void (*dial_cb)(const struct dial_result *res, void *arg);

/* Start dialling host (canonical) port after the policy allowed it.  The
 * callback runs exactly once, never from inside dial_start, unless
 * dial_cancel was called first. */
struct dial *dial_start(struct proxy_server *p, struct rules *rules, const char *host, bool host_is_ip, int port,
			enum dial_mode mode, dial_cb cb, void *arg);
void dial_cancel(struct dial *d);

/* Listener callbacks. */
/* tcp: the client is a TCP socket (the sandbox's), not a Unix one. */
void proxy_http_accept(struct proxy_server *p, evutil_socket_t fd, bool tcp);
void proxy_socks_accept(struct proxy_server *p, evutil_socket_t fd);
