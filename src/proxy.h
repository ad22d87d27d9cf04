/* srt's filtering proxies: an HTTP proxy (CONNECT and absolute-form
 * requests) and a SOCKS5 proxy, both on Unix sockets, both asking the
 * policy for every connection and dialling only an address that passed
 * the resolved-address guard.  Runs on the caller's event_base. */
#pragma once

#include "config.h"

#include <stdbool.h>
#include <sys/time.h>

struct event_base;
struct proxy_server;

struct proxy_event {
	struct timeval when;
	unsigned long id;     /* connection id, for debug lines */
	const char *protocol; /* "http", "connect" or "socks5" */
	const char *host;     /* canonical when well-formed, else as received with
			       * bytes other than printable ASCII (and \) as \xHH */
	int port;
	bool allowed;
	const char *reason;   /* deny reason, "allowed", or "resolved to <class>" */
	const char *rule;     /* matching allow/deny entry, or NULL */
};

/* Called for every allowed or refused connection (for -d, violations and
 * receipts).  The strings live only during the call. */
typedef void (*proxy_event_cb)(const struct proxy_event *ev, void *arg);

/* Limits. */
#define PROXY_MAX_HEAD (64 * 1024)     /* request or response head bytes -> 431 / 502 */
#define PROXY_HEAD_TIMEOUT_S 30        /* whole request head (absolute), SOCKS handshake */
#define PROXY_IDLE_TIMEOUT_S 600       /* tunnel with no traffic either way; keep-alive idle */
#define PROXY_CONNECT_TIMEOUT_S 30     /* dialling upstream */

/* Listen on the two Unix socket paths (either may be NULL: not started).
 * Existing files at those paths are replaced.  Returns NULL with *ret_err
 * on failure. */
struct proxy_server *proxy_start(struct event_base *base, const char *http_socket_path, const char *socks_socket_path,
				 const struct net_settings *net, proxy_event_cb cb, void *cb_arg, char **ret_err);

/* Which proxy a listener feeds. */
enum proxy_kind { PROXY_HTTP, PROXY_SOCKS };
#define PROXY_MAX_ADOPTED 4

/* Accept on FD, a listening TCP socket made inside the sandbox (apply-seccomp
 * --proxy-listeners), as KIND's clients.  The proxy owns FD from then on,
 * also on failure.  Returns 0, or -1 with *ret_err. */
int proxy_adopt_listener(struct proxy_server *p, enum proxy_kind kind, int fd, char **ret_err);

/* Live update (--control-fd): new connections use the new rules; existing
 * tunnels keep running.  The proxy keeps its own compiled copy.
 * parentProxy stays as it was at start-up (it is not a live setting).
 * Returns 0, or -1 with a warning when the settings cannot be compiled (a
 * bad deniedResolvedAddresses entry, which config validation should
 * already refuse): the old rules stay in force. */
int proxy_set_network(struct proxy_server *p, const struct net_settings *net);

/* Connections currently open (client side), for tests and benchmarks. */
unsigned long proxy_active_connections(const struct proxy_server *p);

/* Close listeners and every connection, unlink the socket files. */
void proxy_free(struct proxy_server *p);
