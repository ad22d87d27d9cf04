/* The HTTP proxy: parse a request head, ask the policy, then either answer
 * 403, splice a CONNECT tunnel, or forward one absolute-form request and
 * stream its response back.  Keep-alive: each request on a connection is
 * judged on its own. */
#include "proxy_int.h"

#include "http_head.h"
#include "relay.h"
#include "util.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Bytes queued towards one side before reading the other pauses (request
 * head and body, response head: the bufferevent phase). */
#define HTTP_HIGH_WATER (1024 * 1024)
/* Answers queued for a client that does not read them (pipelined denied
 * requests) before the proxy stops reading its requests. */
#define HTTP_ANSWER_BACKLOG (64 * 1024)
/* How often a client that half-closed or pipelined while its request is
 * with upstream is checked for having gone (client_watch_cb). */
#define HTTP_GONE_RECHECK_S 1

enum hstate {
	H_HEAD,     /* waiting for a request head */
	H_DIALING,  /* policy allowed; dialling upstream */
	H_FORWARD,  /* request sent; waiting for the response head */
	H_RELAY,    /* response body streaming back through a relay */
	H_CLOSING,  /* flushing a final answer, then close */
};

struct hconn {
	struct pconn base;
	struct bufferevent *client, *up;
	enum hstate state;
	struct event *head_timer;
	struct event *gone_ev;    /* client fd readable while its reading is off */
	struct event *gone_timer; /* re-check once gone_ev could not be used */
	struct dial *dial;
	struct relay *relay;    /* H_RELAY: borrows the client descriptor, owns upstream */
	struct rules *rules;
	struct evbuffer *req;   /* rewritten request head waiting for the dial */
	char *host;             /* canonical */
	int port;
	bool connect;           /* CONNECT request */
	bool client_close;      /* close after this response */
	bool head_req;          /* HEAD: no response body */
	bool body_chunked;      /* request body framed by chunks: forwarded raw */
	uint64_t body_left;     /* Content-Length bytes still to forward */
	uint64_t resp_left;     /* response body bytes expected (RELAY_UNLIMITED: until close) */
	bool resp_head_done;
	bool up_eof;
	bool tcp_client;        /* the sandbox's TCP socket: a close shows only as EOF */
};

static void hconn_readcb(struct bufferevent *bev, void *arg);
static void hconn_head_writecb(struct bufferevent *bev, void *arg);
static void hconn_process(struct hconn *h);

static void hconn_destroy(struct pconn *c)
{
	struct hconn *h = (struct hconn *)c;

	pconn_unregister(c);
	dial_cancel(h->dial);
	relay_cancel(h->relay);
	if (h->client)
		bufferevent_free(h->client);
	if (h->up)
		bufferevent_free(h->up);
	if (h->head_timer)
		event_free(h->head_timer);
	if (h->gone_ev)
		event_free(h->gone_ev);
	if (h->gone_timer)
		event_free(h->gone_timer);
	if (h->req)
		evbuffer_free(h->req);
	rules_unref(h->rules);
	free(h->host);
	free(h);
}

static void hconn_close(struct hconn *h)
{
	hconn_destroy(&h->base);
}

/* ---- a client that goes away while its request is with upstream ----
 *
 * From the dial until the response ends, the client's reading is off
 * whenever no request body is due: pipelined bytes stay in the socket
 * (backpressure), so its bufferevent would not see it close, and upstream
 * and client would be held until the idle timeout.  gone_ev watches the
 * descriptor without reading it.  On a Unix stream socket a full close of
 * the peer shows as POLLHUP, a half-close (shutdown(SHUT_WR) after the
 * request) only as readable EOF, and such a client still gets its answer.
 * Readable without POLLHUP (half-closed, or pipelined bytes) cannot be
 * waited on without spinning, as the event is level-triggered: it is
 * dropped for a poll every HTTP_GONE_RECHECK_S instead, so a half-close
 * followed by a close costs the descriptors a second, not the idle timeout.
 * A TCP client (the sandbox's) shows a close only as EOF (POLLRDHUP), just
 * like a half-close.  Until the response head has come, its EOF still there
 * at the re-check counts as gone, so a half-closed TCP client gets an answer
 * whose head comes within that second (as nginx and squid treat a client's
 * FIN; the socat bridge srt used before cut the whole connection 0.5 s after
 * the FIN).  Once the response streams, writing it reveals a closed client
 * (its RST), and a half-closed one keeps getting it. */

static bool client_gone(struct hconn *h, bool eof_counts)
{
	struct pollfd pfd = {.fd = bufferevent_getfd(h->client), .events = POLLRDHUP};
	short gone = POLLHUP | POLLERR | POLLNVAL | (eof_counts ? POLLRDHUP : 0);

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & gone);
}

static void client_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *h = arg;
	struct timeval tv = {.tv_sec = HTTP_GONE_RECHECK_S};

	if (client_gone(h, h->tcp_client && !h->resp_head_done && (what & EV_TIMEOUT))) {
		hconn_close(h); /* closes upstream (or cancels the dial) too */
		return;
	}
	if (what & EV_READ) {
		event_del(h->gone_ev);
		event_add(h->gone_timer, &tv);
	}
}

static void client_watch_stop(struct hconn *h)
{
	event_del(h->gone_ev);
	event_del(h->gone_timer);
}

/* Turn the client's reading on or off while its request is with upstream;
 * off arms the watch. */
static void client_reading(struct hconn *h, bool on)
{
	if (on) {
		client_watch_stop(h);
		bufferevent_enable(h->client, EV_READ);
		return;
	}
	bufferevent_disable(h->client, EV_READ);
	if (!event_pending(h->gone_timer, EV_TIMEOUT, NULL))
		event_add(h->gone_ev, NULL);
}

/* Flush what is queued for the client, then close. */
static void hconn_closing_writecb(struct bufferevent *bev, void *arg)
{
	struct hconn *h = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		hconn_close(h);
}

static void hconn_closing_eventcb(struct bufferevent *bev, short what, void *arg)
{
	hconn_close(arg);
}

static void hconn_finish(struct hconn *h)
{
	h->state = H_CLOSING;
	if (h->up) {
		bufferevent_free(h->up);
		h->up = NULL;
	}
	dial_cancel(h->dial);
	h->dial = NULL;
	event_del(h->head_timer);
	client_watch_stop(h);
	bufferevent_disable(h->client, EV_READ);
	bufferevent_setwatermark(h->client, EV_WRITE, 0, 0);
	bufferevent_setcb(h->client, NULL, hconn_closing_writecb, hconn_closing_eventcb, h);
	bufferevent_enable(h->client, EV_WRITE);
	if (evbuffer_get_length(bufferevent_get_output(h->client)) == 0)
		hconn_close(h);
}

static void send_simple(struct hconn *h, const char *status, const char *extra_headers, const char *body, bool close)
{
	struct evbuffer *out = bufferevent_get_output(h->client);

	evbuffer_add_printf(out,
			    "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n%sContent-Length: %zu\r\nConnection: %s\r\n\r\n%s",
			    status, extra_headers ? extra_headers : "", strlen(body), close ? "close" : "keep-alive",
			    body);
}

/* An error answer that ends the connection (4xx/5xx on malformed input). */
static void fail_close(struct hconn *h, const char *status)
{
	_cleanup_free_ char *body = xasprintf("%s\n", status);
	send_simple(h, status, NULL, body, true);
	hconn_finish(h);
}

static void head_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *h = arg;

	if (evbuffer_get_length(bufferevent_get_input(h->client)) == 0 && h->state == H_HEAD) {
		hconn_close(h); /* idle keep-alive connection */
		return;
	}
	fail_close(h, "408 Request Timeout");
}

static void deny_answer(struct hconn *h, const struct policy_result *pr, const char *proto, const char *rawhost,
			int port, bool keep)
{
	proxy_report(h->base.p, h->base.id, proto, pr->host ? pr->host : rawhost, port, false, pr->reason, pr->rule);
	if (h->connect) {
		/* CONNECT: the reason is the status phrase (spec 4.1). */
		struct evbuffer *out = bufferevent_get_output(h->client);
		evbuffer_add_printf(out,
				    "HTTP/1.1 403 %s\r\nContent-Type: text/plain\r\nX-Proxy-Error: blocked-by-allowlist\r\n"
				    "Content-Length: 39\r\nConnection: close\r\n\r\nConnection blocked by network allowlist",
				    pr->reason);
		hconn_finish(h);
		return;
	}
	send_simple(h, "403 Forbidden", "X-Proxy-Error: blocked-by-allowlist\r\n",
		    "Connection blocked by network allowlist\n", !keep);
	if (!keep) {
		hconn_finish(h);
		return;
	}
	/* Keep-alive: wait for the next request (maybe already buffered). */
	struct timeval tv = {.tv_sec = PROXY_HEAD_TIMEOUT_S};
	event_add(h->head_timer, &tv);
	bufferevent_trigger(h->client, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
}

static void dial_done(const struct dial_result *res, void *arg);

/* One complete head is in the client input: handle it. */
static void handle_request(struct hconn *h, char *headbuf)
{
	struct http_head hd;
	_cleanup_free_ char *rawhost = NULL;
	const char *rest;
	struct policy_result pr;
	int port;

	if (http_head_parse(headbuf, &hd, false) < 0) {
		fail_close(h, "400 Bad Request");
		return;
	}
	/* Each request is judged by the rules in force when it arrives. */
	rules_unref(h->rules);
	h->rules = rules_ref(h->base.p->rules);
	h->connect = strcmp(hd.method, "CONNECT") == 0;
	h->client_close = strcmp(hd.version, "HTTP/1.0") == 0 || http_list_has(http_head_get(&hd, "Connection"), "close") ||
			  http_list_has(http_head_get(&hd, "Proxy-Connection"), "close");
	h->head_req = strcmp(hd.method, "HEAD") == 0;

	if (http_request_target(&hd, h->connect, &rawhost, &port, &rest) < 0) {
		fail_close(h, "400 Bad Request");
		return;
	}
	if (!h->connect) {
		uint64_t cl;
		h->body_left = 0;
		if (http_request_framing(&hd, &h->body_chunked, &cl) < 0) {
			fail_close(h, "400 Bad Request");
			return;
		}
		if (cl != HTTP_NO_LENGTH)
			h->body_left = cl;
		/* Build the upstream request now; it is sent once the dial succeeds. */
		h->req = evbuffer_new();
		evbuffer_add_printf(h->req, "%s ", hd.method);
		h->port = port;
		if (*rest == '/')
			evbuffer_add(h->req, rest, strlen(rest));
		else
			evbuffer_add_printf(h->req, "/%s", rest); /* "" or "?query" */
		evbuffer_add_printf(h->req, " HTTP/1.1\r\n");
		const char *conn = http_head_get(&hd, "Connection");
		for (size_t i = 0; i < hd.n; i++) {
			if (http_is_hop_by_hop(hd.hdr[i].name, conn) || strcasecmp(hd.hdr[i].name, "Host") == 0 ||
			    strcasecmp(hd.hdr[i].name, "Content-Length") == 0)
				continue;
			evbuffer_add_printf(h->req, "%s: %s\r\n", hd.hdr[i].name, hd.hdr[i].value);
		}
		if (cl != HTTP_NO_LENGTH) /* once, however often the client repeated it */
			evbuffer_add_printf(h->req, "Content-Length: %llu\r\n", (unsigned long long)cl);
	}

	if (!policy_decide(h->rules->policy, rawhost, port, &pr)) {
		bool has_body = h->body_chunked || h->body_left > 0;
		deny_answer(h, &pr, h->connect ? "connect" : "http", rawhost, port, !h->client_close && !has_body);
		policy_result_clear(&pr);
		if (h->req) {
			evbuffer_free(h->req);
			h->req = NULL;
		}
		return;
	}
	proxy_report(h->base.p, h->base.id, h->connect ? "connect" : "http", pr.host, port, true, pr.reason, pr.rule);
	free(h->host);
	h->host = steal_pointer(&pr.host);
	h->port = port;
	if (h->req) {
		bool v6 = strchr(h->host, ':') != NULL;
		if (port == 80)
			evbuffer_add_printf(h->req, "Host: %s%s%s\r\n", v6 ? "[" : "", h->host, v6 ? "]" : "");
		else
			evbuffer_add_printf(h->req, "Host: %s%s%s:%d\r\n", v6 ? "[" : "", h->host, v6 ? "]" : "", port);
		evbuffer_add_printf(h->req, "Connection: close\r\n\r\n");
	}
	h->state = H_DIALING;
	client_reading(h, false);
	h->dial = dial_start(h->base.p, h->rules, h->host, pr.host_is_ip, port, h->connect ? DIAL_TUNNEL : DIAL_HTTP,
			     dial_done, h);
	policy_result_clear(&pr);
}

/* ---- forwarding one request ---- */

static void forward_body(struct hconn *h)
{
	struct evbuffer *in = bufferevent_get_input(h->client);
	struct evbuffer *out = bufferevent_get_output(h->up);

	if (h->body_chunked) {
		evbuffer_add_buffer(out, in); /* raw until the response ends; no reuse */
		return;
	}
	if (h->body_left > 0) {
		size_t n = evbuffer_get_length(in);
		if (n > h->body_left)
			n = (size_t)h->body_left;
		evbuffer_remove_buffer(in, out, n);
		h->body_left -= n;
	}
}

static void up_readcb(struct bufferevent *bev, void *arg);
static void up_eventcb(struct bufferevent *bev, short what, void *arg);
static void up_writecb(struct bufferevent *bev, void *arg);
static void client_fwd_readcb(struct bufferevent *bev, void *arg);
static void client_fwd_writecb(struct bufferevent *bev, void *arg);
static void client_eventcb(struct bufferevent *bev, short what, void *arg);

static void dial_done(const struct dial_result *res, void *arg)
{
	struct hconn *h = arg;
	struct timeval idle = {.tv_sec = PROXY_IDLE_TIMEOUT_S};

	h->dial = NULL;
	if (res->status != DIAL_OK) {
		if (res->status == DIAL_GUARD_REFUSED) {
			_cleanup_free_ char *reason = xasprintf("resolved to %s", res->msg);
			_cleanup_free_ char *body = xasprintf("Connection to %s blocked: resolved to %s\n", h->host, res->msg);
			proxy_report(h->base.p, h->base.id, h->connect ? "connect" : "http", h->host, h->port, false, reason,
				     NULL);
			struct evbuffer *out = bufferevent_get_output(h->client);
			evbuffer_add_printf(out,
					    "HTTP/1.1 403 %s\r\nContent-Type: text/plain\r\n"
					    "X-Proxy-Error: blocked-by-sandbox-runtime\r\nContent-Length: %zu\r\n"
					    "Connection: close\r\n\r\n%s",
					    h->connect ? reason : "Forbidden", strlen(body), body);
			hconn_finish(h);
			return;
		}
		send_simple(h, "502 Bad Gateway", NULL, "Bad Gateway\n", true);
		hconn_finish(h);
		return;
	}
	h->up = res->bev;
	if (h->connect) {
		struct bufferevent *c = h->client, *u = h->up;
		struct proxy_server *p = h->base.p;
		evbuffer_add_printf(bufferevent_get_output(c), "HTTP/1.1 200 Connection Established\r\n\r\n");
		h->client = NULL;
		h->up = NULL;
		hconn_close(h);
		proxy_tunnel(p, c, u);
		return;
	}
	if (res->via_proxy) {
		/* Through mitm/parent proxy: absolute-form target. */
		struct evbuffer *req = evbuffer_new();
		size_t sp = 0;
		struct evbuffer_ptr p = evbuffer_search(h->req, " ", 1, NULL);
		sp = (size_t)p.pos;
		evbuffer_remove_buffer(h->req, req, sp + 1);
		bool v6 = strchr(h->host, ':') != NULL;
		evbuffer_add_printf(req, "http://%s%s%s:%d", v6 ? "[" : "", h->host, v6 ? "]" : "", h->port);
		evbuffer_add_buffer(req, h->req);
		evbuffer_free(h->req);
		h->req = req;
		if (res->proxy_auth) {
			/* insert before the final blank line */
			size_t len = evbuffer_get_length(h->req);
			struct evbuffer *tmp = evbuffer_new();
			evbuffer_remove_buffer(h->req, tmp, len - 2);
			evbuffer_add_printf(tmp, "Proxy-Authorization: %s\r\n\r\n", res->proxy_auth);
			evbuffer_free(h->req);
			h->req = tmp;
		}
	}
	evbuffer_add_buffer(bufferevent_get_output(h->up), h->req);
	evbuffer_free(h->req);
	h->req = NULL;
	h->state = H_FORWARD;
	h->resp_head_done = false;
	h->up_eof = false;
	forward_body(h);
	bufferevent_setcb(h->up, up_readcb, up_writecb, up_eventcb, h);
	bufferevent_setwatermark(h->up, EV_WRITE, HTTP_HIGH_WATER / 2, 0);
	bufferevent_set_timeouts(h->up, &idle, NULL);
	bufferevent_enable(h->up, EV_READ | EV_WRITE);
	bufferevent_setcb(h->client, client_fwd_readcb, client_fwd_writecb, client_eventcb, h);
	bufferevent_setwatermark(h->client, EV_WRITE, HTTP_HIGH_WATER / 2, 0);
	if (h->body_chunked || h->body_left > 0)
		client_reading(h, true);
}

/* More request body from the client. */
static void client_fwd_readcb(struct bufferevent *bev, void *arg)
{
	struct hconn *h = arg;

	forward_body(h);
	if (!h->body_chunked && h->body_left == 0)
		client_reading(h, false); /* pipelined requests wait */
	else if (evbuffer_get_length(bufferevent_get_output(h->up)) >= HTTP_HIGH_WATER)
		client_reading(h, false);
}

/* Request body drained towards upstream: read more body. */
static void up_writecb(struct bufferevent *bev, void *arg)
{
	struct hconn *h = arg;

	if (h->body_chunked || h->body_left > 0)
		client_reading(h, true);
}

/* Response head: drop hop-by-hop headers, decide whether the client
 * connection can be kept. Returns -1 when the head is malformed. */
static int rewrite_response_head(struct hconn *h, char *buf)
{
	struct http_head hd;
	struct evbuffer *out = bufferevent_get_output(h->client);
	int status;

	if (http_head_parse(buf, &hd, true) < 0)
		return -1;
	status = atoi(hd.method);
	if (status < 100 || status > 999)
		return -1;
	const char *conn = http_head_get(&hd, "Connection");
	uint64_t cl;
	bool cl_sent = false;
	if (http_head_content_length(&hd, &cl) < 0)
		return -1;
	/* The body the client gets is exactly the one the head announces: a
	 * known length is relayed to the byte and the connection may carry
	 * the next request; a body that ends only when upstream closes
	 * (chunked, which is not parsed here, or unframed) ends the client
	 * connection too, so nothing after it can pass for the next answer. */
	h->resp_left = RELAY_UNLIMITED;
	if (status < 200)
		h->client_close = true; /* the final head follows raw */
	else if (h->head_req || status == 204 || status == 304)
		h->resp_left = 0;
	else if (!http_head_get(&hd, "Transfer-Encoding") && cl != HTTP_NO_LENGTH)
		h->resp_left = cl;
	else
		h->client_close = true;
	if (h->body_chunked)
		h->client_close = true; /* the raw chunked request body leaves the connection unusable */
	evbuffer_add_printf(out, "%s %s\r\n", hd.version, hd.method);
	for (size_t i = 0; i < hd.n; i++) {
		if (http_is_hop_by_hop(hd.hdr[i].name, conn))
			continue;
		if (strcasecmp(hd.hdr[i].name, "Content-Length") == 0) {
			if (cl_sent)
				continue; /* repeated with the same value: once */
			cl_sent = true;
		}
		evbuffer_add_printf(out, "%s: %s\r\n", hd.hdr[i].name, hd.hdr[i].value);
	}
	evbuffer_add_printf(out, "Connection: %s\r\n\r\n", h->client_close ? "close" : "keep-alive");
	return 0;
}

static void response_complete(struct hconn *h);

/* The response body finished streaming (upstream closed and everything
 * reached the client), or the relay failed. */
static void body_relay_done(const struct relay_result *res, void *arg)
{
	struct hconn *h = arg;

	h->relay = NULL;
	if (res->failed) {
		hconn_close(h);
		return;
	}
	if (!h->body_chunked)
		h->body_left = res->limit_ab_left;
	/* Upstream closed before the announced length, or sent more than it:
	 * the client cannot tell where the next answer starts. */
	if (h->resp_left != RELAY_UNLIMITED && (res->limit_ba_left > 0 || res->ba_overrun))
		h->client_close = true;
	response_complete(h);
}

/* Response head sent on: stream the rest of the exchange (response body
 * until upstream closes, what is left of the request body) through a
 * relay on the descriptors.  Returns false when h is gone. */
static bool start_body_relay(struct hconn *h)
{
	struct evbuffer *to_client = evbuffer_new(), *to_up = evbuffer_new(), *body = evbuffer_new();
	struct evbuffer *cin = bufferevent_get_input(h->client);
	struct relay_opts o = {
		.idle_timeout_s = PROXY_IDLE_TIMEOUT_S, .limit_ab = RELAY_UNLIMITED, .limit_ba = RELAY_UNLIMITED,
		.borrow_a = true, .done = body_relay_done, .arg = h,
	};
	int ufd;

	if (!to_client || !to_up || !body) {
		if (to_client)
			evbuffer_free(to_client);
		if (to_up)
			evbuffer_free(to_up);
		if (body)
			evbuffer_free(body);
		hconn_close(h);
		return false;
	}
	/* What the client was not sent yet goes first (the bufferevent keeps
	 * its output's start frozen: it alone drains it, this once we do). */
	evbuffer_unfreeze(bufferevent_get_output(h->client), 1);
	evbuffer_add_buffer(to_client, bufferevent_get_output(h->client));
	evbuffer_freeze(bufferevent_get_output(h->client), 1);
	ufd = relay_take_fd(h->up, to_up, body);
	h->up = NULL;
	if (h->resp_left != RELAY_UNLIMITED) {
		size_t n = evbuffer_get_length(body);
		if (n > h->resp_left) {
			/* More than the announced body came with the head: the rest
			 * is dropped and the client connection ends after this response. */
			n = (size_t)h->resp_left;
			h->client_close = true;
		}
		evbuffer_remove_buffer(body, to_client, n);
		h->resp_left -= n;
		o.limit_ba = h->resp_left;
	} else {
		evbuffer_add_buffer(to_client, body);
	}
	evbuffer_free(body);
	if (!h->body_chunked) {
		size_t n = evbuffer_get_length(cin);
		if (n > h->body_left)
			n = (size_t)h->body_left;
		evbuffer_remove_buffer(cin, to_up, n);
		h->body_left -= n;
		o.limit_ab = h->body_left;
	} else {
		evbuffer_add_buffer(to_up, cin);
	}
	/* The client bufferevent sleeps (pipelined bytes stay in its input)
	 * while the relay uses its descriptor. */
	bufferevent_disable(h->client, EV_READ | EV_WRITE);
	bufferevent_setcb(h->client, NULL, NULL, client_eventcb, h);
	/* The relay reads the client only while request body is due: the
	 * watch stays on for a client that goes while the body stalls. */
	if (!event_pending(h->gone_timer, EV_TIMEOUT, NULL))
		event_add(h->gone_ev, NULL);
	h->state = H_RELAY;
	h->relay = relay_start(h->base.p->base, bufferevent_getfd(h->client), to_client, ufd, to_up, &o);
	evbuffer_free(to_client);
	evbuffer_free(to_up);
	if (!h->relay) {
		close(ufd);
		hconn_close(h);
		return false;
	}
	return true;
}

/* Upstream data before the relay: the response head.  Returns false when
 * h is gone. */
static bool up_read(struct hconn *h)
{
	struct evbuffer *in = bufferevent_get_input(h->up);
	struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);

	if (end.pos < 0) {
		if (evbuffer_get_length(in) > PROXY_MAX_HEAD) {
			send_simple(h, "502 Bad Gateway", NULL, "Bad Gateway\n", true);
			hconn_finish(h);
		}
		return true;
	}
	_cleanup_free_ char *buf = xmalloc((size_t)end.pos + 1);
	evbuffer_remove(in, buf, (size_t)end.pos);
	buf[end.pos] = '\0';
	evbuffer_drain(in, 4);
	if (memchr(buf, '\0', (size_t)end.pos) || rewrite_response_head(h, buf) < 0) {
		send_simple(h, "502 Bad Gateway", NULL, "Bad Gateway\n", true);
		hconn_finish(h);
		return true;
	}
	h->resp_head_done = true;
	return start_body_relay(h);
}

static void up_readcb(struct bufferevent *bev, void *arg)
{
	up_read(arg);
}

/* Response ended (upstream closed): next request, or close. */
static void response_complete(struct hconn *h)
{
	if (!h->resp_head_done) {
		send_simple(h, "502 Bad Gateway", NULL, "Bad Gateway\n", true);
		hconn_finish(h);
		return;
	}
	if (h->client_close || h->body_chunked || h->body_left > 0) {
		hconn_finish(h);
		return;
	}
	if (h->up)
		bufferevent_free(h->up);
	h->up = NULL;
	h->state = H_HEAD;
	client_watch_stop(h);
	bufferevent_setcb(h->client, hconn_readcb, hconn_head_writecb, client_eventcb, h);
	bufferevent_setwatermark(h->client, EV_WRITE, 0, 0);
	bufferevent_enable(h->client, EV_READ | EV_WRITE);
	struct timeval tv = {.tv_sec = PROXY_HEAD_TIMEOUT_S};
	event_add(h->head_timer, &tv);
	hconn_process(h); /* pipelined request already buffered */
}

static void client_fwd_writecb(struct bufferevent *bev, void *arg)
{
	struct hconn *h = arg;

	if (h->up_eof) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			response_complete(h);
		return;
	}
	if (h->up && !(bufferevent_get_enabled(h->up) & EV_READ))
		bufferevent_enable(h->up, EV_READ);
}

static void up_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct hconn *h = arg;

	if (what & BEV_EVENT_EOF) {
		if (!up_read(h) || h->state != H_FORWARD)
			return;
		h->up_eof = true;
		bufferevent_disable(bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_output(h->client)) == 0)
			response_complete(h);
		return;
	}
	if (!h->resp_head_done)
		send_simple(h, "502 Bad Gateway", NULL, "Bad Gateway\n", true);
	hconn_finish(h);
}

static void client_eventcb(struct bufferevent *bev, short what, void *arg)
{
	hconn_close(arg);
}

/* ---- head reading ---- */

static void hconn_process(struct hconn *h)
{
	struct evbuffer *in = bufferevent_get_input(h->client);
	struct evbuffer_ptr end;

	if (h->state != H_HEAD)
		return;
	/* A client that sends requests (each one denied) but never reads the
	 * answers: stop reading until it does (hconn_head_writecb). */
	if (evbuffer_get_length(bufferevent_get_output(h->client)) > HTTP_ANSWER_BACKLOG) {
		bufferevent_disable(h->client, EV_READ);
		return;
	}
	/* Skip blank lines between requests (RFC 9112 2.2). */
	while (evbuffer_get_length(in) > 0) {
		char c[2];
		evbuffer_copyout(in, c, 2);
		if (c[0] == '\n')
			evbuffer_drain(in, 1);
		else if (c[0] == '\r' && evbuffer_get_length(in) >= 2 && c[1] == '\n')
			evbuffer_drain(in, 2);
		else
			break;
	}
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos < 0 || end.pos > PROXY_MAX_HEAD) {
		if (evbuffer_get_length(in) > PROXY_MAX_HEAD)
			fail_close(h, "431 Request Header Fields Too Large");
		return;
	}
	char *buf = xmalloc((size_t)end.pos + 1);
	evbuffer_remove(in, buf, (size_t)end.pos);
	buf[end.pos] = '\0';
	evbuffer_drain(in, 4);
	event_del(h->head_timer);
	if (memchr(buf, '\0', (size_t)end.pos)) {
		free(buf);
		fail_close(h, "400 Bad Request"); /* a NUL would hide the rest of its line */
		return;
	}
	handle_request(h, buf);
	free(buf);
}

static void hconn_readcb(struct bufferevent *bev, void *arg)
{
	hconn_process(arg);
}

/* Waiting for a head: the answers queued for the client drained. */
static void hconn_head_writecb(struct bufferevent *bev, void *arg)
{
	struct hconn *h = arg;

	if (h->state != H_HEAD || (bufferevent_get_enabled(bev) & EV_READ))
		return;
	bufferevent_enable(bev, EV_READ);
	hconn_process(h); /* requests already buffered */
}

void proxy_http_accept(struct proxy_server *p, evutil_socket_t fd, bool tcp)
{
	struct hconn *h = xcalloc(1, sizeof(*h));
	struct timeval tv = {.tv_sec = PROXY_HEAD_TIMEOUT_S};

	h->tcp_client = tcp;
	pconn_register(p, &h->base, hconn_destroy);
	h->rules = rules_ref(p->rules);
	h->client = bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	h->head_timer = evtimer_new(p->base, head_timeout_cb, h);
	h->gone_ev = event_new(p->base, fd, EV_READ | EV_PERSIST, client_watch_cb, h);
	h->gone_timer = event_new(p->base, -1, EV_PERSIST, client_watch_cb, h);
	if (!h->client || !h->head_timer || !h->gone_ev || !h->gone_timer) {
		if (!h->client)
			evutil_closesocket(fd);
		hconn_close(h);
		return;
	}
	/* Bound the unparsed input: reading pauses at the head limit + 1. */
	bufferevent_setwatermark(h->client, EV_READ, 0, PROXY_MAX_HEAD + 1);
	bufferevent_setcb(h->client, hconn_readcb, hconn_head_writecb, client_eventcb, h);
	bufferevent_enable(h->client, EV_READ | EV_WRITE);
	event_add(h->head_timer, &tv);
}
