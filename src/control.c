#include "control.h"

#include "config.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* A settings line is small; anything past this is refused, not buffered. */
#define CONTROL_MAX_LINE (1024 * 1024)
/* Files that cannot be polled are read to the end at once, up to this. */
#define CONTROL_MAX_PLAIN_READ (64 * 1024 * 1024)

struct control {
	int fd;      /* the number the user gave (for messages) */
	int read_fd; /* what we read: our own description when we could reopen */
	bool own_fd;
	bool is_socket;
	bool got_update;
	bool discarding; /* inside an oversized line, dropping until '\n' */
	struct event *ev;
	struct evbuffer *buf;
	control_update_cb on_update;
	control_error_cb on_error;
	void *arg;
};

static bool line_is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n' && *s != '\f' && *s != '\v')
			return false;
	return true;
}

/* One line (without its '\n'; len counts any NUL bytes inside). */
static void handle_line(struct control *c, char *line, size_t len)
{
	struct srt_config *cfg = NULL;
	_cleanup_free_ char *err = NULL;

	if (strlen(line) != len) { /* a NUL byte: never valid JSON text */
		log_raw("Invalid config on control fd %d: ignored, previous config still in force", c->fd);
		log_debug("control fd line rejected: it holds a NUL byte");
		return;
	}
	if (line_is_blank(line))
		return;
	if (config_parse_string(line, &cfg, &err) < 0) {
		log_raw("Invalid config on control fd %d: ignored, previous config still in force", c->fd);
		log_debug("control fd line rejected (%s): %s", err, line);
		return;
	}
	if (log_debug_enabled()) {
		_cleanup_free_ char *json = config_to_json(cfg, false);
		log_debug("Config updated from control fd: %s", json);
	}
	c->got_update = true;
	c->on_update(cfg, c->arg);
}

/* A line over the limit is refused once, then dropped up to its '\n'
 * without being buffered. */
static void oversized_line(struct control *c)
{
	if (!c->discarding) {
		log_raw("Invalid config on control fd %d: ignored, previous config still in force", c->fd);
		log_debug("control fd line longer than %d bytes", CONTROL_MAX_LINE);
	}
	evbuffer_drain(c->buf, evbuffer_get_length(c->buf));
	c->discarding = true;
}

/* Split what has arrived into lines ("\n" or "\r\n"). */
static void drain_lines(struct control *c, bool at_eof)
{
	char *line;
	size_t len;

	for (;;) {
		line = evbuffer_readln(c->buf, &len, EVBUFFER_EOL_LF);
		if (!line)
			break;
		if (c->discarding)
			c->discarding = false; /* the rest of the long line ends here */
		else
			handle_line(c, line, len);
		free(line);
	}
	if (evbuffer_get_length(c->buf) > CONTROL_MAX_LINE)
		oversized_line(c);
	if (at_eof && evbuffer_get_length(c->buf) > 0 && !c->discarding) {
		size_t n = evbuffer_get_length(c->buf);
		_cleanup_free_ char *last = xmalloc(n + 1);
		evbuffer_remove(c->buf, last, n);
		last[n] = '\0';
		handle_line(c, last, n); /* a final line without '\n' */
	}
}

static void stop_reading(struct control *c)
{
	if (c->ev)
		event_del(c->ev);
}

static void report_error(struct control *c, int err)
{
	if (!c->got_update)
		log_raw("Error: control fd %d failed before delivering an update: %s. Refusing to run the "
			"command without the control channel it asks for.",
			c->fd, strerror(err));
	else
		log_raw("Error reading control fd %d: %s. The control channel is closed; no further "
			"updates will be applied.",
			c->fd, strerror(err));
	stop_reading(c);
	c->on_error(!c->got_update, c->arg);
}

/* One read of what is there, never blocking and never setting O_NONBLOCK
 * on a description the writer shares: a socket is read with MSG_DONTWAIT,
 * a shared pipe or tty only once poll says a read will not wait. */
static ssize_t read_chunk(struct control *c, char *buf, size_t size)
{
	struct pollfd pfd = {.fd = c->read_fd, .events = POLLIN};

	if (c->is_socket)
		return recv(c->read_fd, buf, size, MSG_DONTWAIT);
	if (!c->own_fd && poll(&pfd, 1, 0) == 0) {
		errno = EAGAIN;
		return -1;
	}
	return read(c->read_fd, buf, size);
}

/* Read what is there; returns 1 at EOF, -1 on error (errno set), 0
 * otherwise. */
static int read_some(struct control *c)
{
	char buf[65536];
	ssize_t n = read_chunk(c, buf, sizeof(buf));

	if (n > 0) {
		evbuffer_add(c->buf, buf, (size_t)n);
		drain_lines(c, false);
		return 0;
	}
	if (n == 0) {
		drain_lines(c, true);
		log_debug("control fd %d: end of input, keeping the last config", c->fd);
		return 1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -1;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;
	int r = read_some(c);
	if (r == 1)
		stop_reading(c);
	else if (r < 0)
		report_error(c, errno);
}

/* Pipes and FIFOs are reopened through /proc (O_NONBLOCK on srt's own
 * description).  That fails for a pipe another user created (mode 0600):
 * then the shared descriptor is read as it is, see read_chunk(). */
static int open_for_reading(int fd, bool *own)
{
	struct stat st;
	char path[64];
	int nfd;

	*own = false;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		nfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (nfd >= 0) {
			*own = true;
			return nfd;
		}
	}
	return fd;
}

/* epoll refuses what cannot be polled (regular files, /dev/null): those
 * are read with plain reads, as the original does. */
static bool fd_is_pollable(int fd)
{
	struct epoll_event ev = {.events = EPOLLIN};
	_cleanup_close_ int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return true; /* let the event loop report it */
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0 || errno != EPERM;
}

/* Plain reads to the end (bounded: /dev/zero must not hold srt forever). */
static void read_to_end(struct control *c)
{
	size_t total = 0;
	int r;

	while (total < CONTROL_MAX_PLAIN_READ) {
		r = read_some(c);
		if (r == 1)
			return;
		if (r < 0) {
			report_error(c, errno);
			return;
		}
		total += 65536;
	}
	log_debug("control fd %d: stopped reading after %d MiB", c->fd, CONTROL_MAX_PLAIN_READ >> 20);
}

struct control *control_start(struct event_base *base, int fd, control_update_cb on_update,
			      control_error_cb on_error, void *arg)
{
	struct control *c = xcalloc(1, sizeof(*c));
	struct stat st;

	c->fd = fd;
	c->on_update = on_update;
	c->on_error = on_error;
	c->arg = arg;
	c->buf = evbuffer_new();
	c->read_fd = open_for_reading(fd, &c->own_fd);
	c->is_socket = fstat(c->read_fd, &st) == 0 && S_ISSOCK(st.st_mode);
	log_debug("Listening for config updates on fd %d", fd);
	if (!fd_is_pollable(c->read_fd)) {
		read_to_end(c);
		return c;
	}
	c->ev = event_new(base, c->read_fd, EV_READ | EV_PERSIST, on_readable, c);
	if (event_add(c->ev, NULL) < 0)
		report_error(c, errno);
	return c;
}

void control_free(struct control *c)
{
	if (!c)
		return;
	if (c->ev)
		event_free(c->ev);
	evbuffer_free(c->buf);
	if (c->own_fd)
		close(c->read_fd);
	free(c);
}
