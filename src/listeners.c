/* Receiving and checking the sandbox's proxy listeners (see listeners.h). */
#include "listeners.h"

#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int int_sockopt(int fd, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, SOL_SOCKET, name, &v, &len) < 0 ? -1 : v;
}

/* A listening TCP socket bound to PORT, or why not. */
static const char *check_listener(int fd, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int domain = int_sockopt(fd, SO_DOMAIN);
	unsigned short bound;

	if (int_sockopt(fd, SO_TYPE) != SOCK_STREAM || int_sockopt(fd, SO_PROTOCOL) != IPPROTO_TCP ||
	    (domain != AF_INET && domain != AF_INET6))
		return "not a TCP socket";
	if (int_sockopt(fd, SO_ACCEPTCONN) != 1)
		return "not listening";
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return "no address";
	bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
	return bound == port ? NULL : "bound to another port";
}

static void close_all(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

int listeners_receive(int sock, const unsigned short *want, size_t n, int *ret_fds, char **ret_err)
{
	/* Room for one descriptor more than asked for, to tell "too many"; the
	 * kernel may fill the space CMSG_SPACE rounds up to as well, so every
	 * descriptor is taken from the message, kept or closed at once. */
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * (LISTENERS_MAX + 1))];
	} ctl;
	uint16_t ports[LISTENERS_MAX + 1];
	struct iovec iov = { .iov_base = ports, .iov_len = sizeof(ports) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	int fds[LISTENERS_MAX + 1];
	size_t n_fds = 0;
	bool too_many = false;
	const char *why = NULL;
	ssize_t got;

	do
		got = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return LISTENERS_NOT_YET;
	if (got < 0) {
		*ret_err = xasprintf("cannot receive the sandbox's proxy listeners: %s", strerror(errno));
		return -1;
	}
	/* Every descriptor that came is ours to close, whatever else is wrong. */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (n_fds < LISTENERS_MAX + 1)
				fds[n_fds++] = fd;
			else {
				close(fd);
				too_many = true;
			}
		}
	}
	if (got == 0 && n_fds == 0)
		return LISTENERS_NONE;
	if (msg.msg_flags & MSG_CTRUNC)
		why = "the descriptors did not fit (srt out of descriptors?)";
	else if ((msg.msg_flags & MSG_TRUNC) || too_many || n > LISTENERS_MAX || n_fds != n ||
		 (size_t)got != n * sizeof(ports[0]))
		why = "not the listeners asked for";
	for (size_t i = 0; !why && i < n; i++)
		why = ports[i] != want[i] ? "not the ports asked for" : check_listener(fds[i], want[i]);
	if (why) {
		close_all(fds, n_fds);
		*ret_err = xasprintf("the sandbox's proxy listeners were refused: %s", why);
		return -1;
	}
	memcpy(ret_fds, fds, n * sizeof(int));
	return LISTENERS_OK;
}
