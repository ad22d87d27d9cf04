/* A miniature srt for the network e2e tests: settings -> net plan ->
 * proxies on the plan's sockets -> bwrap --unshare-net with the plan's
 * binds, env and bridge launcher -> CMD.  Exits with CMD's status.
 *   netplan-run SETTINGS EVENTS_FILE CMD...    (NETPLAN_DESCRIBE=1: print the plan first) */
#include "config.h"
#include "netplan.h"
#include "proxy.h"
#include "strv.h"
#include "util.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static FILE *events;
static pid_t child;
static int status;

static void on_event(const struct proxy_event *ev, void *arg)
{
	if (events) {
		fprintf(events, "%s %s %s %d %s\n", ev->allowed ? "allow" : "deny", ev->protocol, ev->host, ev->port,
			ev->reason);
		fflush(events);
	}
}

static void on_chld(evutil_socket_t sig, short what, void *arg)
{
	if (waitpid(child, &status, WNOHANG) == child)
		event_base_loopexit(arg, NULL);
}

int main(int argc, char **argv)
{
	struct srt_config *cfg = NULL;
	char *path = NULL, *err = NULL;
	struct net_plan *plan = NULL;
	struct event_base *base;
	struct proxy_server *proxy;
	strv cmd = {0}, bw = {0};
	const strv *env, *binds;

	if (argc < 4) {
		fprintf(stderr, "usage: netplan-run SETTINGS EVENTS CMD...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (config_load(argv[1], &cfg, &path, &err) < 0 || net_plan_build(cfg, &plan, &err) < 0) {
		fprintf(stderr, "netplan-run: %s\n", err);
		return 1;
	}
	events = fopen(argv[2], "a");
	base = event_base_new();
	proxy = proxy_start(base, net_plan_http_listen_path(plan), net_plan_socks_listen_path(plan), &cfg->network,
			    on_event, NULL, &err);
	if (!proxy || net_plan_start_host_bridges(plan, &err) < 0) {
		fprintf(stderr, "netplan-run: %s\n", err);
		net_plan_cleanup(plan);
		return 1;
	}
	if (getenv("NETPLAN_DESCRIBE"))
		net_plan_describe(plan, stdout);
	fflush(stdout);
	for (int i = 3; i < argc; i++)
		strv_push(&cmd, argv[i]);
	net_plan_wrap_command(plan, &cmd);
	strv_pushv(&bw, (const char *const[]){"bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
					       "--tmpfs", "/tmp", "--unshare-net", "--unshare-pid", "--die-with-parent",
					       NULL});
	binds = net_plan_binds(plan);
	for (size_t i = 0; i < binds->n; i++)
		strv_pushv(&bw, (const char *const[]){"--bind", binds->v[i], binds->v[i], NULL});
	env = net_plan_env(plan);
	for (size_t i = 0; i + 1 < env->n; i += 2)
		strv_pushv(&bw, (const char *const[]){"--setenv", env->v[i], env->v[i + 1], NULL});
	strv_push(&bw, "--");
	strv_extend(&bw, &cmd);

	struct event *sc = evsignal_new(base, SIGCHLD, on_chld, base);
	event_add(sc, NULL);
	child = fork();
	if (child == 0) {
		execvp("bwrap", strv_argv(&bw));
		_exit(127);
	}
	event_base_dispatch(base);
	proxy_free(proxy);
	net_plan_cleanup(plan);
	net_plan_free(plan);
	event_free(sc);
	event_base_free(base);
	config_free(cfg);
	free(path);
	strv_clear(&cmd);
	strv_clear(&bw);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
