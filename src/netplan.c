/* Network plan: private socket directory, environment, the helper's
 * listener and bridge words. */
#include "netplan.h"

#include "locate.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct net_plan {
	char *dir;
	char *http_sock, *socks_sock;
	char *socat;
	int ext_http_port, ext_socks_port; /* 0 = our proxy */
	strv env, binds;
	pid_t bridge_pids[2];
	bool cleaned;
};

/* Only characters that need no quoting in a socat address (the helper
 * accepts no others either). */
static bool plain_path(const char *s)
{
	for (; *s; s++)
		if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || ('0' <= *s && *s <= '9') ||
		      strchr("/._-", *s)))
			return false;
	return true;
}

static void env_add(struct net_plan *p, const char *name, const char *value)
{
	strv_push(&p->env, name);
	strv_push(&p->env, value);
}

static void build_env(struct net_plan *p)
{
	static const char *const http_vars[] = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
						"ALL_PROXY", "all_proxy", "GRPC_PROXY", "grpc_proxy",
						"DOCKER_HTTP_PROXY", "DOCKER_HTTPS_PROXY", NULL};
	static const char no_proxy[] = "localhost,127.0.0.1,::1,169.254.0.0/16,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16";
	_cleanup_free_ char *http = xasprintf("http://localhost:%d", NET_SANDBOX_HTTP_PORT);
	_cleanup_free_ char *socks = xasprintf("socks5h://localhost:%d", NET_SANDBOX_SOCKS_PORT);
	_cleanup_free_ char *rsync = xasprintf("localhost:%d", NET_SANDBOX_SOCKS_PORT);
	_cleanup_free_ char *port = xasprintf("%d", NET_SANDBOX_HTTP_PORT);
	_cleanup_free_ char *ssh = xasprintf("ssh -o ControlMaster=no -o ControlPath=none -o ProxyCommand='socat - "
					     "PROXY:localhost:%%h:%%p,proxyport=%d'",
					     NET_SANDBOX_HTTP_PORT);

	env_add(p, "NO_PROXY", no_proxy);
	env_add(p, "no_proxy", no_proxy);
	for (size_t i = 0; http_vars[i]; i++)
		env_add(p, http_vars[i], http);
	env_add(p, "FTP_PROXY", socks);
	env_add(p, "ftp_proxy", socks);
	env_add(p, "RSYNC_PROXY", rsync);
	env_add(p, "GIT_SSH_COMMAND", ssh);
	env_add(p, "CLOUDSDK_PROXY_TYPE", "http");
	env_add(p, "CLOUDSDK_PROXY_ADDRESS", "localhost");
	env_add(p, "CLOUDSDK_PROXY_PORT", port);
	/* Host ports exist only for external proxies: ours have none. */
	if (p->ext_http_port) {
		_cleanup_free_ char *v = xasprintf("%d", p->ext_http_port);
		env_add(p, "CLAUDE_CODE_HOST_HTTP_PROXY_PORT", v);
	}
	if (p->ext_socks_port) {
		_cleanup_free_ char *v = xasprintf("%d", p->ext_socks_port);
		env_add(p, "CLAUDE_CODE_HOST_SOCKS_PROXY_PORT", v);
	}
}

/* Where the socket directory goes: the first usable of base, $TMPDIR,
 * /tmp.  Socket paths must fit sun_path (108) and need no quoting. */
static const char *socket_base(const char *base)
{
	const char *cands[] = { base, getenv("TMPDIR") };
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (cands[i] && cands[i][0] == '/' && strlen(cands[i]) <= 60 && plain_path(cands[i]))
			return cands[i];
	return "/tmp";
}

int net_plan_build(const struct srt_config *cfg, const char *base, struct net_plan **ret, char **ret_err)
{
	struct net_plan *p = xcalloc(1, sizeof(*p));
	const char *tmp = socket_base(base);
	_cleanup_free_ char *templ = NULL;

	p->socat = locate_program(cfg->socat_path ? cfg->socat_path : "socat");
	if (!p->socat) {
		*ret_err = cfg->socat_path ? xasprintf("socatPath %s is not an executable file", cfg->socat_path)
					   : xstrdup("socat not found in PATH: srt needs it for the sandbox network "
						     "(install socat or set socatPath)");
		net_plan_free(p);
		return -1;
	}
	templ = path_join(tmp, "srt-net-XXXXXX");
	if (!mkdtemp(templ)) {
		*ret_err = xasprintf("cannot create the proxy socket directory %s: %s", templ, strerror(errno));
		net_plan_free(p);
		return -1;
	}
	chmod(templ, 0700);
	p->dir = steal_pointer(&templ);
	p->http_sock = path_join(p->dir, "http.sock");
	p->socks_sock = path_join(p->dir, "socks.sock");
	p->ext_http_port = cfg->network.http_proxy_port;
	p->ext_socks_port = cfg->network.socks_proxy_port;
	p->bridge_pids[0] = p->bridge_pids[1] = -1;
	/* Only an in-sandbox socat (external ports) connects to a socket. */
	if (p->ext_http_port || p->ext_socks_port)
		strv_push(&p->binds, p->dir);
	build_env(p);
	*ret = p;
	return 0;
}

const char *net_plan_dir(const struct net_plan *p) { return p->dir; }

const char *net_plan_http_listen_path(const struct net_plan *p)
{
	return p->ext_http_port ? NULL : p->http_sock;
}

const char *net_plan_socks_listen_path(const struct net_plan *p)
{
	return p->ext_socks_port ? NULL : p->socks_sock;
}

static pid_t spawn_bridge(const struct net_plan *p, const char *sock, int port, char **ret_err)
{
	_cleanup_free_ char *listen = xasprintf("UNIX-LISTEN:%s,fork,unlink-early,mode=600", sock);
	_cleanup_free_ char *connect = xasprintf("TCP:localhost:%d,keepalive", port);
	char *argv[] = {p->socat, listen, connect, NULL};
	posix_spawnattr_t attr;
	pid_t pid;
	int r;

	spawnattr_init_clean(&attr);
	r = posix_spawn(&pid, p->socat, NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);

	if (r != 0) {
		*ret_err = xasprintf("cannot start %s: %s", p->socat, strerror(r));
		return -1;
	}
	/* Ready when the socket file exists (observed, bounded to 5 s). */
	for (int i = 0; i < 500; i++) {
		struct stat st;
		struct timespec ts = {0, 10 * 1000 * 1000};
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			*ret_err = xasprintf("the proxy bridge for port %d exited at start", port);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	*ret_err = xasprintf("the proxy bridge for port %d did not create %s", port, sock);
	return -1;
}

int net_plan_start_host_bridges(struct net_plan *p, char **ret_err)
{
	if (p->ext_http_port && (p->bridge_pids[0] = spawn_bridge(p, p->http_sock, p->ext_http_port, ret_err)) < 0)
		return -1;
	if (p->ext_socks_port && (p->bridge_pids[1] = spawn_bridge(p, p->socks_sock, p->ext_socks_port, ret_err)) < 0)
		return -1;
	return 0;
}

const strv *net_plan_env(const struct net_plan *p)
{
	return &p->env;
}

const strv *net_plan_binds(const struct net_plan *p)
{
	return &p->binds;
}

size_t net_plan_own_ports(const struct net_plan *p, unsigned short ports[2])
{
	size_t n = 0;

	if (!p->ext_http_port)
		ports[n++] = NET_SANDBOX_HTTP_PORT;
	if (!p->ext_socks_port)
		ports[n++] = NET_SANDBOX_SOCKS_PORT;
	return n;
}

/* "3128,1080" for the ports srt's proxies take over. */
static char *own_ports_word(const struct net_plan *p)
{
	unsigned short ports[2];
	size_t n = net_plan_own_ports(p, ports);

	return n == 2 ? xasprintf("%u,%u", ports[0], ports[1]) : xasprintf("%u", ports[0]);
}

void net_plan_wrap_helper_command(const struct net_plan *p, strv *cmd, const char *listen_fd)
{
	unsigned short ports[2];
	strv out = {0};

	strv_push(&out, cmd->v[0]);
	if (net_plan_own_ports(p, ports) > 0) {
		_cleanup_free_ char *list = own_ports_word(p);
		_cleanup_free_ char *word = xasprintf("%s:%s", listen_fd, list);
		strv_pushv(&out, (const char *const[]){ "--proxy-listeners", word, NULL });
	}
	if (p->ext_http_port || p->ext_socks_port)
		strv_pushv(&out, (const char *const[]){ "--socat", p->socat, NULL });
	if (p->ext_http_port) {
		_cleanup_free_ char *http = xasprintf("%d:%s", NET_SANDBOX_HTTP_PORT, p->http_sock);
		strv_pushv(&out, (const char *const[]){ "--bridge", http, NULL });
	}
	if (p->ext_socks_port) {
		_cleanup_free_ char *socks = xasprintf("%d:%s", NET_SANDBOX_SOCKS_PORT, p->socks_sock);
		strv_pushv(&out, (const char *const[]){ "--bridge", socks, NULL });
	}
	for (size_t i = 1; i < cmd->n; i++)
		strv_push(&out, cmd->v[i]);
	strv_clear(cmd);
	*cmd = out;
}

/* How the sandbox's connections to PORT reach the proxy. */
static void describe_sandbox_side(const struct net_plan *p, FILE *out, int port, int ext_port, const char *sock,
				  const char *what)
{
	if (ext_port)
		fprintf(out, "  sandbox bridge: %s TCP-LISTEN:%d -> UNIX-CONNECT:%s (started by apply-seccomp)\n",
			p->socat, port, sock);
	else
		fprintf(out, "  sandbox listener: TCP localhost:%d, made by apply-seccomp, accepted by srt's %s "
			     "proxy\n", port, what);
}

void net_plan_describe(const struct net_plan *p, FILE *out)
{
	fprintf(out, "network:\n");
	fprintf(out, "  socket dir: %s (0700, %s)\n", p->dir,
		p->binds.n ? "bound into the sandbox" : "host side only");
	if (p->ext_http_port)
		fprintf(out, "  http proxy: external localhost:%d via host bridge: %s UNIX-LISTEN:%s,fork,unlink-early,"
			     "mode=600 TCP:localhost:%d,keepalive\n",
			p->ext_http_port, p->socat, p->http_sock, p->ext_http_port);
	else
		fprintf(out, "  http proxy: srt on %s\n", p->http_sock);
	if (p->ext_socks_port)
		fprintf(out, "  socks proxy: external localhost:%d via host bridge: %s UNIX-LISTEN:%s,fork,unlink-early,"
			     "mode=600 TCP:localhost:%d,keepalive\n",
			p->ext_socks_port, p->socat, p->socks_sock, p->ext_socks_port);
	else
		fprintf(out, "  socks proxy: srt on %s\n", p->socks_sock);
	describe_sandbox_side(p, out, NET_SANDBOX_HTTP_PORT, p->ext_http_port, p->http_sock, "HTTP");
	describe_sandbox_side(p, out, NET_SANDBOX_SOCKS_PORT, p->ext_socks_port, p->socks_sock, "SOCKS");
	fprintf(out, "  env:\n");
	for (size_t i = 0; i + 1 < p->env.n; i += 2)
		fprintf(out, "    %s=%s\n", p->env.v[i], p->env.v[i + 1]);
}

void net_plan_cleanup(struct net_plan *p)
{
	if (!p || p->cleaned)
		return;
	p->cleaned = true;
	for (int i = 0; i < 2; i++)
		if (p->bridge_pids[i] > 0) {
			kill(p->bridge_pids[i], SIGTERM);
			waitpid(p->bridge_pids[i], NULL, 0);
			p->bridge_pids[i] = -1;
		}
	if (p->http_sock)
		unlink(p->http_sock);
	if (p->socks_sock)
		unlink(p->socks_sock);
	if (p->dir)
		rmdir(p->dir);
}

void net_plan_free(struct net_plan *p)
{
	if (!p)
		return;
	free(p->dir);
	free(p->http_sock);
	free(p->socks_sock);
	free(p->socat);
	strv_clear(&p->env);
	strv_clear(&p->binds);
	free(p);
}
