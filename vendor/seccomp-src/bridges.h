/* The network bridges and the wait for their listeners (bridges.c). */
#pragma once

#include <stddef.h>

#define MAX_WAIT_PORTS 8

/* --wait-listen: the ports the worker waits for before exec. */
struct listen_wait {
	unsigned short ports[MAX_WAIT_PORTS];
	size_t n;
	long timeout_ms;
};

#define MAX_BRIDGES 4

/* --bridge: one socat from TCP port to Unix socket, per entry. */
struct bridges {
	const char *socat;
	unsigned short ports[MAX_BRIDGES];
	const char *sockets[MAX_BRIDGES];
	size_t n;
};

#define MAX_PROXY_LISTENERS 4

/* --proxy-listeners FD:PORT[,PORT...]: listeners made here, handed to srt. */
struct proxy_listeners {
	int fd; /* srt's socket (SOCK_SEQPACKET), -1 when not given */
	unsigned short ports[MAX_PROXY_LISTENERS];
	size_t n;
};

/* Option values: 0, or -1 when malformed or one too many. */
int parse_ports(const char *s, struct listen_wait *w);
int parse_proxy_listeners(const char *s, struct proxy_listeners *l);
int parse_bridge(const char *s, struct bridges *b);
/* Every bridge port joins the ports to wait for: 0, or -1 when too many. */
int add_bridge_waits(const struct bridges *b, struct listen_wait *w);

/* Makes a TCP listener on each port of L in this network namespace, sends
 * them all to srt over L's socket in one message (the ports as payload,
 * the descriptors as SCM_RIGHTS), and closes every copy here: from then on
 * only srt holds them, and its proxies accept the sandbox's connections
 * directly.  Dies on failure (nothing runs). */
void send_proxy_listeners(const struct proxy_listeners *l);

/* Starts one socat per bridge, capabilities dropped, stdio on /dev/null. */
void start_bridges(const struct bridges *b);

/* Until every port of W listens, at most W's timeout (then warns). */
void wait_for_listeners(const struct listen_wait *w);
