/* Receipts off the hot path: loopback connections per second through a
 * libevent server that records one network receipt per connection (as the
 * proxies do per decision), with receipts off and on, alternating rounds.
 *   bench/receipts-bench [CONNECTIONS] [ROUNDS] [PAYLOAD_BYTES]
 * Each connection sends a CONNECT line and reads the 200 reply plus
 * PAYLOAD_BYTES (default 0: the worst case, nothing but the decision).
 * Prints each round and the on/off ratio of the medians (target >= 0.90). */
#include "receipts.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct server {
	struct event_base *base;
	struct receipts *r;
	int want, done;
};

static size_t payload; /* bytes sent after the reply */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct server *s = arg;
	bufferevent_free(bev);
	if (++s->done == s->want)
		event_base_loopbreak(s->base);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct server *s = arg;
	size_t len;
	char *line = evbuffer_readln(bufferevent_get_input(bev), &len, EVBUFFER_EOL_CRLF);
	static const char reply[] = "HTTP/1.1 200 Connection Established\r\n\r\n";

	if (!line)
		return;
	free(line);
	/* The decision point: a proxy asks the policy, then records it. */
	receipts_network(s->r, "example.com", 443, "http", true, "example.com");
	bufferevent_setcb(bev, NULL, write_cb, NULL, s);
	bufferevent_write(bev, reply, sizeof(reply) - 1);
	for (size_t left = payload; left > 0;) {
		static const char zeros[16384];
		size_t n = left < sizeof(zeros) ? left : sizeof(zeros);
		bufferevent_write(bev, zeros, n);
		left -= n;
	}
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
		      void *arg)
{
	struct server *s = arg;
	struct bufferevent *bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, read_cb, NULL, NULL, s);
	bufferevent_enable(bev, EV_READ);
}

static void client(int port, int n)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char buf[16384];

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			_exit(1);
		if (write(fd, "CONNECT example.com:443 HTTP/1.1\r\n\r\n", 36) != 36)
			_exit(1);
		/* Read the whole reply, then close (as a client would). */
		size_t want = 39 + payload, got = 0; /* 39: the reply line and blank line */
		ssize_t r;
		while (got < want && (r = read(fd, buf, sizeof(buf))) > 0)
			got += (size_t)r;
		close(fd);
	}
	_exit(0);
}

/* One round: connections per second. */
static double round_rate(const char *dir, const char *key, int n)
{
	struct server s = {.base = event_base_new(), .want = n};
	_cleanup_free_ char *err_msg = NULL;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t slen = sizeof(sin);
	double t0, t1;
	pid_t pid;
	int status;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct evconnlistener *l = evconnlistener_new_bind(
		s.base, accept_cb, &s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
		(struct sockaddr *)&sin, sizeof(sin));
	getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &slen);
	if (dir) {
		s.r = receipts_open(s.base, dir, key, &err_msg);
		if (!s.r) {
			fprintf(stderr, "receipts-bench: %s\n", err_msg);
			exit(1);
		}
	}
	t0 = now_s();
	pid = fork();
	if (pid == 0)
		client(ntohs(sin.sin_port), n);
	event_base_dispatch(s.base);
	receipts_close(s.r); /* the last flush and fsync count too */
	t1 = now_s();
	waitpid(pid, &status, 0);
	evconnlistener_free(l);
	event_base_free(s.base);
	return n / (t1 - t0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	payload = argc > 3 ? (size_t)atol(argv[3]) : 0;
	char tmp[] = "/tmp/srt-receipts-bench.XXXXXX";
	double off[64], on[64];
	char *err = NULL;

	if (rounds < 1 || rounds > 64 || n < 1 || !mkdtemp(tmp))
		return 2;
	char *key = xasprintf("%s/key", tmp), *dir = xasprintf("%s/receipts", tmp);
	if (receipts_keygen(key, &err) < 0) {
		fprintf(stderr, "receipts-bench: %s\n", err);
		return 1;
	}
	round_rate(NULL, NULL, n / 5); /* warm up */
	for (int i = 0; i < rounds; i++) {
		off[i] = round_rate(NULL, NULL, n);
		on[i] = round_rate(dir, key, n);
		printf("round %d: off %.0f conn/s, on %.0f conn/s (payload %zu bytes)\n", i + 1, off[i],
		       on[i], payload);
	}
	qsort(off, (size_t)rounds, sizeof(double), cmp_double);
	qsort(on, (size_t)rounds, sizeof(double), cmp_double);
	printf("median: off %.0f conn/s, on %.0f conn/s, ratio %.3f (target >= 0.90)\n",
	       off[rounds / 2], on[rounds / 2], on[rounds / 2] / off[rounds / 2]);
	_cleanup_free_ char *summary = NULL, *pub = xasprintf("%s.pub", key);
	_cleanup_free_ char *rm = xasprintf("rm -rf '%s'", tmp);
	int status = 0;
	if (receipts_verify(dir, pub, &summary, &err) < 0) {
		fprintf(stderr, "receipts-bench: verify: %s\n", err);
		status = 1;
	} else {
		printf("%s\n", summary);
	}
	free(err);
	free(key);
	free(dir);
	if (system(rm) != 0)
		status = 1;
	return status;
}
