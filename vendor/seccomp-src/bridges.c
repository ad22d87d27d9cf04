/* The sandbox's way to the proxies.  For srt's own proxies: one TCP
 * listener per in-sandbox proxy port, made here and handed to srt, whose
 * proxies then accept on it (no process in between).  For an external
 * proxy port: one socat per port (TCP listener in the sandbox's network
 * namespace -> the Unix socket of srt's host-side bridge), and the worker's
 * wait until those ports listen (--wait-listen). */
#include "bridges.h"

#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TCP_STATE_LISTEN 10 /* TCP_LISTEN in the kernel's enum */

/* One sock_diag dump of FAMILY's listening TCP sockets (this network
 * namespace only); marks found[i] for each wanted port seen.  Only the
 * listening hash is walked (the kernel skips the established table when only
 * LISTEN is asked for), so a dump costs microseconds, where /proc/net/tcp
 * walks the whole established table on every read.  Returns 0 or -errno. */
static int diag_listeners(int fd, int family, const struct listen_wait *w, bool *found)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	long buf[2048];

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.req.sdiag_family = (unsigned char)family;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	msg.req.idiag_states = 1u << TCP_STATE_LISTEN;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		int len = (int)got;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			return -EPROTO;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return e->error ? e->error : -EPROTO;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || m->idiag_state != TCP_STATE_LISTEN)
				continue;
			for (size_t i = 0; i < w->n; i++)
				if (ntohs(m->id.idiag_sport) == w->ports[i])
					found[i] = true;
		}
	}
}

/* Fallback without sock_diag: LISTEN lines ("sl local rem st", state 0A) of
 * /proc/net/tcp{,6}.  Slow (see above), so only when netlink is refused. */
static void proc_listeners(const char *path, const struct listen_wait *w, bool *found)
{
	FILE *f = fopen(path, "re");
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char local[128];
		unsigned port, state;

		if (sscanf(line, " %*s %127s %*s %x", local, &state) != 2 || state != 0x0A)
			continue;
		if (!strchr(local, ':') || sscanf(strchr(local, ':') + 1, "%x", &port) != 1)
			continue;
		for (size_t i = 0; i < w->n; i++)
			if (port == w->ports[i])
				found[i] = true;
	}
	fclose(f);
}

/* Whether every port of W has a listener now.  A family the kernel does not
 * have (no IPv6) answers with an error and just finds nothing. */
static bool all_listening(int nl_fd, const struct listen_wait *w, const char **ret_how)
{
	bool found[MAX_WAIT_PORTS] = { false };
	int r4 = -EAFNOSUPPORT, r6 = -EAFNOSUPPORT;

	if (nl_fd >= 0) {
		r4 = diag_listeners(nl_fd, AF_INET, w, found);
		r6 = diag_listeners(nl_fd, AF_INET6, w, found);
	}
	*ret_how = "sock_diag";
	if (r4 < 0 && r6 < 0) {
		*ret_how = "/proc/net/tcp{,6}";
		proc_listeners("/proc/net/tcp", w, found);
		proc_listeners("/proc/net/tcp6", w, found);
	}
	for (size_t i = 0; i < w->n; i++)
		if (!found[i])
			return false;
	return true;
}

static long elapsed_us(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000000L + (now.tv_nsec - t0->tv_nsec) / 1000;
}

/* Sleeps 200 us between checks (no busy loop); after the timeout, warns and
 * returns: the command then runs without working bridges, whose absence only
 * makes its network calls fail. */
void wait_for_listeners(const struct listen_wait *w)
{
	const struct timespec pause = { 0, 200 * 1000 };
	struct timespec t0;
	const char *how = "";
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	long us;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!all_listening(fd, w, &how)) {
		if (elapsed_us(&t0) > w->timeout_ms * 1000L) {
			char ports[8 * MAX_WAIT_PORTS] = "";
			for (size_t i = 0; i < w->n; i++)
				snprintf(ports + strlen(ports), sizeof(ports) - strlen(ports), "%s%u",
					 i ? "," : "", (unsigned)w->ports[i]);
			fprintf(stderr, "apply-seccomp: warning: nothing listens on TCP port(s) %s after %ld ms "
				"(the sandbox's network bridge did not start); running the command anyway, "
				"its network connections will fail\n", ports, w->timeout_ms);
			break;
		}
		nanosleep(&pause, NULL);
	}
	us = elapsed_us(&t0);
	if (fd >= 0)
		close(fd);
	debug("worker: waited %ld us for the listeners (%s)", us, how);
}

/* "3128,1080" -> ports. */
int parse_ports(const char *s, struct listen_wait *w)
{
	char buf[64], *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	w->n = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long port;

		if (w->n == MAX_WAIT_PORTS || parse_long(tok, 1, 65535, &port) < 0)
			return -1;
		w->ports[w->n++] = (unsigned short)port;
	}
	return w->n ? 0 : -1;
}

/* "3128:/run/user/1000/srt/srt-net-x/http.sock" -> one more bridge.  The
 * socket path goes into a socat address, so only plain characters. */
int parse_bridge(const char *s, struct bridges *b)
{
	const char *colon = strchr(s, ':');
	char port[8];
	long n;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(port) || b->n == MAX_BRIDGES)
		return -1;
	memcpy(port, s, (size_t)(colon - s));
	port[colon - s] = '\0';
	if (parse_long(port, 1, 65535, &n) < 0 || colon[1] != '/' ||
	    strspn(colon + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-") !=
		    strlen(colon + 1))
		return -1;
	b->ports[b->n] = (unsigned short)n;
	b->sockets[b->n++] = colon + 1;
	return 0;
}

/* "FD:3128,1080" -> the socket to srt and the ports. */
int parse_proxy_listeners(const char *s, struct proxy_listeners *l)
{
	const char *colon = strchr(s, ':');
	struct listen_wait ports = { .n = 0 };
	char fd[16];
	long n;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(fd) || l->fd >= 0)
		return -1;
	memcpy(fd, s, (size_t)(colon - s));
	fd[colon - s] = '\0';
	if (parse_long(fd, 0, INT_MAX, &n) < 0 || parse_ports(colon + 1, &ports) < 0 ||
	    ports.n > MAX_PROXY_LISTENERS)
		return -1;
	l->fd = (int)n;
	l->n = ports.n;
	memcpy(l->ports, ports.ports, ports.n * sizeof(ports.ports[0]));
	return 0;
}

/* Dual-stack listener where the kernel has IPv6, else IPv4 on loopback. */
static bool have_ipv6(void)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6 };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), off = 0;
	bool ok;

	if (fd < 0)
		return false;
	/* What socat will do: a dual-stack bind (the kernel may refuse it,
	 * e.g. with IPv6 disabled on every interface). */
	ok = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0 &&
	     bind(fd, (struct sockaddr *)&any, sizeof(any)) == 0;
	close(fd);
	return ok;
}

/* A listening TCP socket on PORT: dual-stack [::] when V6, else
 * 127.0.0.1 (the only interface of this network namespace is lo). */
static int make_listener(unsigned short port, bool v6)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1, off = 0;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) ||
	    bind(fd, v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4, v6 ? sizeof(a6) : sizeof(a4)) < 0 ||
	    listen(fd, 4096) < 0)
		die_errno("the sandbox's proxy listener on TCP port %u", (unsigned)port);
	return fd;
}

void send_proxy_listeners(const struct proxy_listeners *l)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * MAX_PROXY_LISTENERS)];
	} ctl;
	struct iovec iov = { .iov_base = (void *)l->ports, .iov_len = l->n * sizeof(l->ports[0]) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = CMSG_SPACE(sizeof(int) * l->n) };
	struct cmsghdr *c;
	int fds[MAX_PROXY_LISTENERS];
	bool v6;

	if (l->fd < 0)
		return;
	v6 = have_ipv6();
	for (size_t i = 0; i < l->n; i++)
		fds[i] = make_listener(l->ports[i], v6);
	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * l->n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * l->n);
	while (sendmsg(l->fd, &msg, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			die_errno("handing the proxy listeners to srt");
	for (size_t i = 0; i < l->n; i++)
		close(fds[i]);
	close(l->fd);
	debug("listeners: %zu TCP port(s) from %u on handed to srt (%s)", l->n, (unsigned)l->ports[0],
	      v6 ? "dual-stack" : "IPv4 loopback");
}

/* Child of a bridge: no capabilities, stdio on /dev/null, exec socat.  An
 * exec failure is reported on the caller's stderr (kept aside, close-on-exec);
 * socat's own messages would only interleave with the command's output. */
__attribute__((noreturn)) static void exec_bridge(const char *socat, char *listen, char *connect)
{
	char *argv[] = { (char *)socat, "-b", "262144", listen, connect, NULL };
	int err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(127);
	drop_all_caps();
	execv(socat, argv);
	if (err >= 0)
		dprintf(err, "apply-seccomp: cannot start the network bridge %s: %s\n", socat, strerror(errno));
	_exit(127);
}

/* Starts every bridge; the stub reaps them (they outlive nothing: bwrap's
 * PID namespace ends with the command). */
void start_bridges(const struct bridges *b)
{
	bool v6 = b->n && have_ipv6();

	for (size_t i = 0; i < b->n; i++) {
		char listen[96], connect[PATH_MAX + 16];
		pid_t pid;

		if (v6)
			snprintf(listen, sizeof(listen),
				 "TCP6-LISTEN:%u,ipv6only=0,reuseaddr,fork,backlog=4096", (unsigned)b->ports[i]);
		else
			snprintf(listen, sizeof(listen),
				 "TCP4-LISTEN:%u,bind=127.0.0.1,reuseaddr,fork,backlog=4096", (unsigned)b->ports[i]);
		snprintf(connect, sizeof(connect), "UNIX-CONNECT:%s", b->sockets[i]);
		pid = fork();
		if (pid < 0)
			die_errno("fork (network bridge)");
		if (pid == 0)
			exec_bridge(b->socat, listen, connect);
		debug("bridge: %s %s -> %s (pid %d)", b->socat, listen, connect, (int)pid);
	}
}

/* Every bridge port joins the ports the worker waits for. */
int add_bridge_waits(const struct bridges *b, struct listen_wait *w)
{
	for (size_t i = 0; i < b->n; i++) {
		bool known = false;

		for (size_t j = 0; j < w->n; j++)
			known |= w->ports[j] == b->ports[i];
		if (known)
			continue;
		if (w->n == MAX_WAIT_PORTS)
			return -1;
		w->ports[w->n++] = b->ports[i];
	}
	return 0;
}
