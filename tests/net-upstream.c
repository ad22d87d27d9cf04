/* Loopback upstream for network tests and benchmarks.
 *   net-upstream [PORT] [HITS_FILE]
 * Listens on 127.0.0.1:PORT (0 = any), prints the port on stdout.
 * HTTP: "GET /bytes/N" answers N bytes; any other path answers
 * "hello from upstream <path>\n"; each request appends
 * "<METHOD> <path> host=<Host>" to HITS_FILE.  A connection whose first
 * line starts with "ECHO" is echoed back verbatim (tunnel tests). */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#define CHUNK (256 * 1024)

static FILE *hits;
static char zeros[CHUNK];

struct conn {
	struct bufferevent *bev;
	int echo;              /* -1 unknown, 0 http, 1 echo */
	unsigned long long left; /* body bytes still to send */
	int close_after;
};

static void conn_free(struct conn *c)
{
	bufferevent_free(c->bev);
	free(c);
}

static void refill(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	while (c->left > 0 && evbuffer_get_length(out) < 4 * CHUNK) {
		size_t n = c->left < CHUNK ? (size_t)c->left : CHUNK;
		evbuffer_add_reference(out, zeros, n, NULL, NULL);
		c->left -= n;
	}
}

static void writecb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	if (c->left > 0) {
		refill(c);
		return;
	}
	if (c->close_after && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void handle_http(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);

	while (c->left == 0) {
		struct evbuffer_ptr e = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		if (e.pos < 0)
			return;
		char *head = malloc((size_t)e.pos + 1);
		evbuffer_remove(in, head, (size_t)e.pos);
		head[e.pos] = '\0';
		evbuffer_drain(in, 4);
		char method[32] = "", path[4096] = "", host[512] = "-";
		sscanf(head, "%31s %4095s", method, path);
		for (char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
			if (strncasecmp(l + 2, "Host:", 5) == 0)
				sscanf(l + 7, " %511[^\r\n]", host);
			if (strncasecmp(l + 2, "Connection: close", 17) == 0)
				c->close_after = 1;
		}
		free(head);
		if (hits) {
			fprintf(hits, "%s %s host=%s\n", method, path, host);
			fflush(hits);
		}
		if (strncmp(path, "/bytes/", 7) == 0) {
			c->left = strtoull(path + 7, NULL, 10);
			evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
					    "Content-Length: %llu\r\n\r\n", c->left);
			refill(c);
		} else {
			char body[4200];
			int n = snprintf(body, sizeof(body), "hello from upstream %s\n", path);
			evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n",
					    n);
			if (strcmp(method, "HEAD") != 0)
				evbuffer_add(out, body, (size_t)n);
		}
	}
}

static void readcb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (c->echo < 0) {
		if (evbuffer_get_length(in) < 4)
			return;
		char p[4];
		evbuffer_copyout(in, p, 4);
		c->echo = memcmp(p, "ECHO", 4) == 0;
	}
	if (c->echo) {
		evbuffer_add_buffer(bufferevent_get_output(bev), in);
		return;
	}
	handle_http(c);
}

static void eventcb(struct bufferevent *bev, short what, void *arg)
{
	conn_free(arg);
}

static void acceptcb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	struct conn *c = calloc(1, sizeof(*c));
	c->echo = -1;
	c->bev = bufferevent_socket_new(arg, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_set_max_single_write(c->bev, CHUNK);
	bufferevent_set_max_single_read(c->bev, CHUNK);
	bufferevent_setcb(c->bev, readcb, writecb, eventcb, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, CHUNK, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct event_base *base = event_base_new();
	struct evconnlistener *l;
	socklen_t sl = sizeof(sin);
	struct rlimit rl;

	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(argc > 1 ? (unsigned short)atoi(argv[1]) : 0);
	if (argc > 2)
		hits = fopen(argv[2], "a");
	l = evconnlistener_new_bind(base, acceptcb, base, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 4096,
				    (struct sockaddr *)&sin, sizeof(sin));
	if (!l) {
		perror("listen");
		return 1;
	}
	getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &sl);
	printf("%d\n", ntohs(sin.sin_port));
	fflush(stdout);
	event_base_dispatch(base);
	return 0;
}
