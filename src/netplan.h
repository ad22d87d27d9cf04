/* The network plan: where srt's proxies listen, what the sandbox gets
 * (proxy environment variables; TCP listeners on localhost:3128/1080 that
 * apply-seccomp makes inside and hands to srt's proxies, so the sandbox's
 * connections reach them with no process in between), and, only for an
 * external httpProxyPort/socksProxyPort, a socat bridge inside from that
 * port to a Unix socket in a private 0700 directory, served by a host-side
 * socat.  srt's proxies listen on Unix sockets in that directory too (the
 * user's own way in from the host).  Built before anything forks;
 * --dry-run prints it. */
#pragma once

#include "config.h"
#include "strv.h"

#include <stdio.h>

#define NET_SANDBOX_HTTP_PORT 3128
#define NET_SANDBOX_SOCKS_PORT 1080

struct net_plan;

/* Resolve socat, create the private socket directory (0700) under base
 * (srt's registry directory, which no sandbox can see or write: a writable
 * socket directory would let a sandboxed command swap a socket for a
 * symlink; NULL = $TMPDIR or /tmp).  Returns 0, or -1 with *ret_err. */
int net_plan_build(const struct srt_config *cfg, const char *base, struct net_plan **ret, char **ret_err);

/* The private socket directory (0700). */
const char *net_plan_dir(const struct net_plan *plan);

/* Socket paths for proxy_start(): NULL when that side is an external proxy
 * (then a host-side socat serves the path instead). */
const char *net_plan_http_listen_path(const struct net_plan *plan);
const char *net_plan_socks_listen_path(const struct net_plan *plan);

/* Start host-side socat bridges for external proxy ports (none when srt
 * runs both proxies) and wait until their sockets exist.  Returns 0 or -1
 * with *ret_err. */
int net_plan_start_host_bridges(struct net_plan *plan, char **ret_err);

/* NAME VALUE pairs for bwrap --setenv. */
const strv *net_plan_env(const struct net_plan *plan);
/* Paths to bind into the sandbox (the socket directory, when a bridge
 * needs it); bind them after
 * every filesystem mount so a tmpfs over /tmp cannot hide them. */
const strv *net_plan_binds(const struct net_plan *plan);

/* The in-sandbox ports whose listeners srt's own proxies take over (3128
 * unless httpProxyPort, 1080 unless socksProxyPort), in the order the
 * helper hands them over; returns how many (0-2). */
size_t net_plan_own_ports(const struct net_plan *plan, unsigned short ports[2]);

/* For a command that starts with srt's apply-seccomp helper (cmd->v[0]):
 * HELPER [--proxy-listeners FD:PORTS] [--socat SOCAT --bridge PORT:SOCK...]
 * <rest...>.  FD (a word: "<fd>" for --dry-run) is the helper's end of the
 * socket that carries the listeners; the bridges are for external ports
 * only (the helper starts them first, its worker waits until they listen). */
void net_plan_wrap_helper_command(const struct net_plan *plan, strv *cmd, const char *listen_fd);

/* --dry-run: ports, listeners, sockets, bridge commands, env. */
void net_plan_describe(const struct net_plan *plan, FILE *out);

/* Stop host bridges, remove sockets and the directory.  Idempotent; only
 * async-signal-safe calls (kill, unlink, rmdir), so it can run from a
 * signal handler. */
void net_plan_cleanup(struct net_plan *plan);
void net_plan_free(struct net_plan *plan);
