/* Unit tests of listeners_receive(): what srt accepts as the sandbox's proxy
 * listeners over the SOCK_SEQPACKET channel, and that whatever it refuses
 * leaves no descriptor behind.  Real sockets on loopback (ephemeral ports). */
#include "listeners.h"
#include "lib/tap.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* A TCP socket on 127.0.0.1, listening or not; its port in *port. */
static int tcp_socket(bool listening, unsigned short *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || (listening && listen(fd, 4) < 0) ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		abort();
	*port = ntohs(a.sin_port);
	return fd;
}

/* Send PORTS (payload) and FDS over s[1]; the sent fds are closed here. */
static void send_msg(int s, const uint16_t *ports, size_t n_ports, int *fds, size_t n_fds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} ctl;
	struct iovec iov = { .iov_base = (void *)ports, .iov_len = n_ports * sizeof(*ports) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(&ctl, 0, sizeof(ctl));
	if (n_fds) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	if (sendmsg(s, &msg, 0) < 0)
		abort();
	for (size_t i = 0; i < n_fds; i++)
		close(fds[i]);
}

struct pair {
	int s[2];
};

static struct pair channel(void)
{
	struct pair p;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p.s) < 0)
		abort();
	return p;
}

/* One refused message: -1, a message naming WHY, no descriptor left. */
static void refused(const char *name, const unsigned short *want, size_t n, const uint16_t *ports, size_t n_ports,
		    int *fds, size_t n_fds, const char *why)
{
	struct pair p = channel();
	int before = count_fds() - (int)n_fds, got[LISTENERS_MAX];
	char *err = NULL;
	int rc;

	send_msg(p.s[1], ports, n_ports, fds, n_fds);
	rc = listeners_receive(p.s[0], want, n, got, &err);
	is_int(rc, -1, "%s: refused", name);
	ok(err && strstr(err, why), "%s: says '%s' (%s)", name, why, err ? err : "no message");
	is_int(count_fds(), before, "%s: every received descriptor closed", name);
	free(err);
	close(p.s[0]);
	close(p.s[1]);
}

int main(void)
{
	unsigned short a, b, u;
	int got[LISTENERS_MAX], rc;
	char *err = NULL;

	/* Nothing yet, then the helper's end closed without a message. */
	struct pair p = channel();
	unsigned short none[1] = { 1 };
	is_int(listeners_receive(p.s[0], none, 1, got, &err), LISTENERS_NOT_YET, "nothing sent yet: not yet");
	close(p.s[1]);
	is_int(listeners_receive(p.s[0], none, 1, got, &err), LISTENERS_NONE, "helper gone without sending: none");
	close(p.s[0]);

	/* The good case: two listeners, in the order asked for. */
	{
		int fds[2] = { tcp_socket(true, &a), tcp_socket(true, &b) };
		unsigned short want[2] = { a, b };
		uint16_t ports[2] = { a, b };
		p = channel();
		int before = count_fds() - 2;
		send_msg(p.s[1], ports, 2, fds, 2);
		rc = listeners_receive(p.s[0], want, 2, got, &err);
		is_int(rc, LISTENERS_OK, "two listeners: accepted");
		is_int(count_fds(), before + 2, "two listeners: both descriptors are srt's now");
		ok(rc == 0 && (fcntl(got[0], F_GETFD) & FD_CLOEXEC) && (fcntl(got[1], F_GETFD) & FD_CLOEXEC),
		   "two listeners: close-on-exec");
		if (rc == 0) {
			close(got[0]);
			close(got[1]);
		}
		close(p.s[0]);
		close(p.s[1]);
	}

	/* What is refused. */
	{
		int fds[2] = { tcp_socket(true, &a), tcp_socket(true, &b) };
		unsigned short want[2] = { a, b };
		uint16_t ports[2] = { b, a };
		refused("ports swapped in the payload", want, 2, ports, 2, fds, 2, "not the ports asked for");
	}
	{
		int fds[2] = { tcp_socket(true, &a), tcp_socket(true, &b) };
		unsigned short want[2] = { b, a };
		uint16_t ports[2] = { b, a };
		refused("descriptors not on the ports they are named for", want, 2, ports, 2, fds, 2,
			"bound to another port");
	}
	{
		int fds[1] = { tcp_socket(false, &a) };
		unsigned short want[1] = { a };
		uint16_t ports[1] = { a };
		refused("a TCP socket that does not listen", want, 1, ports, 1, fds, 1, "not listening");
	}
	{
		int fds[1] = { socket(AF_INET, SOCK_DGRAM, 0) };
		unsigned short want[1] = { 3128 };
		uint16_t ports[1] = { 3128 };
		refused("a UDP socket", want, 1, ports, 1, fds, 1, "not a TCP socket");
	}
	{
		int pfd[2];
		if (pipe(pfd) < 0)
			abort();
		close(pfd[1]);
		unsigned short want[1] = { 3128 };
		uint16_t ports[1] = { 3128 };
		refused("a pipe", want, 1, ports, 1, pfd, 1, "not a TCP socket");
	}
	{
		int fds[1] = { socket(AF_UNIX, SOCK_STREAM, 0) };
		unsigned short want[1] = { 3128 };
		uint16_t ports[1] = { 3128 };
		refused("a Unix socket", want, 1, ports, 1, fds, 1, "not a TCP socket");
	}
	{
		int fds[3] = { tcp_socket(true, &a), tcp_socket(true, &b), tcp_socket(true, &u) };
		unsigned short want[2] = { a, b };
		uint16_t ports[2] = { a, b };
		refused("one descriptor too many", want, 2, ports, 2, fds, 3, "not the listeners asked for");
	}
	{
		/* CMSG_SPACE rounds up: the kernel may hand over one more still. */
		int fds[4] = { tcp_socket(true, &a), tcp_socket(true, &b), tcp_socket(true, &u),
			       socket(AF_INET, SOCK_STREAM, 0) };
		unsigned short want[1] = { a };
		uint16_t ports[1] = { a };
		refused("four descriptors for one", want, 1, ports, 1, fds, 4, "not the listeners asked for");
	}
	{
		int fds[1] = { tcp_socket(true, &a) };
		unsigned short want[2] = { a, 1 };
		uint16_t ports[2] = { a, 1 };
		refused("one descriptor too few", want, 2, ports, 2, fds, 1, "not the listeners asked for");
	}
	{
		unsigned short want[1] = { 3128 };
		uint16_t ports[1] = { 3128 };
		refused("no descriptor at all", want, 1, ports, 1, NULL, 0, "not the listeners asked for");
	}
	{
		int fds[1] = { tcp_socket(true, &a) };
		unsigned short want[1] = { a };
		uint16_t ports[2] = { a, a };
		refused("a longer payload", want, 1, ports, 2, fds, 1, "not the listeners asked for");
	}
	return tap_done();
}
