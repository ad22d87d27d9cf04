/* Test driver: run srt's proxies on two Unix sockets with the network
 * settings of a settings file, outside any sandbox.
 *   proxy-driver SETTINGS HTTP_SOCK SOCKS_SOCK [EVENTS_FILE]
 * Writes "ready\n" on stdout once listening; one line per decision to
 * EVENTS_FILE ("allow|deny PROTO HOST PORT REASON"); exits on SIGTERM/SIGINT.
 * SIGUSR1 re-reads SETTINGS and applies it live (proxy_set_network):
 * "reloaded" or "reload failed" on stdout; SIGUSR2 does the same with an
 * entry the proxy cannot compile added to deniedResolvedAddresses.  On
 * exit, after proxy_free: "relays=N" (tunnels still alive). */
#include "config.h"
#include "cpu_policy.h"
#include "log.h"
#include "proxy.h"
#include "relay.h"
#include "util.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static FILE *events;
static const char *settings_path;
static struct proxy_server *proxy;

static void on_event(const struct proxy_event *ev, void *arg)
{
	if (!events)
		return;
	fprintf(events, "%s %s %s %d %s\n", ev->allowed ? "allow" : "deny", ev->protocol, ev->host, ev->port,
		ev->reason);
	fflush(events);
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

static void on_reload(evutil_socket_t sig, short what, void *arg)
{
	struct srt_config *cfg = NULL;
	char *path = NULL, *err = NULL;

	if (config_load(settings_path, &cfg, &path, &err) < 0) {
		fprintf(stderr, "proxy-driver: %s\n", err);
		free(err);
		return;
	}
	if (sig == SIGUSR2)
		strv_push(&cfg->network.denied_resolved_addresses, "not-an-address");
	int r = proxy_set_network(proxy, &cfg->network);
	config_free(cfg);
	free(path);
	printf(r < 0 ? "reload failed\n" : "reloaded\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct srt_config *cfg = NULL;
	char *path = NULL, *err = NULL;
	struct event_base *base;
	struct rlimit rl;

	if (argc < 4) {
		fprintf(stderr, "usage: proxy-driver SETTINGS HTTP_SOCK SOCKS_SOCK [EVENTS_FILE]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	settings_path = argv[1];
	if (config_load(settings_path, &cfg, &path, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (argc > 4 && !(events = fopen(argv[4], "a"))) {
		perror(argv[4]);
		return 1;
	}
	base = event_base_new();
	proxy = proxy_start(base, argv[2], argv[3], &cfg->network, on_event, NULL, &err);
	if (!proxy) {
		fprintf(stderr, "proxy-driver: %s\n", err);
		return 1;
	}
	struct event *s1 = evsignal_new(base, SIGTERM, on_stop, base);
	struct event *s2 = evsignal_new(base, SIGINT, on_stop, base);
	struct event *s3 = evsignal_new(base, SIGUSR1, on_reload, NULL);
	struct event *s4 = evsignal_new(base, SIGUSR2, on_reload, NULL);
	event_add(s1, NULL);
	event_add(s2, NULL);
	event_add(s3, NULL);
	event_add(s4, NULL);
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	proxy_free(proxy);
	printf("relays=%lu\n", relay_count());
	fflush(stdout);
	event_free(s1);
	event_free(s4);
	event_free(s2);
	event_free(s3);
	cpu_policy_free();
	event_base_free(base);
	config_free(cfg);
	free(path);
	if (events)
		fclose(events);
	return 0;
}
