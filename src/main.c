/* srt: orchestration only.  Options → settings → plans (filesystem,
 * network) → proxies → bwrap argv → spawn → event loop → cleanup → exit
 * status.  Nothing forks before every plan is final. */
#include "bwrap_argv.h"
#include "audit.h"
#include "cli.h"
#include "config.h"
#include "control.h"
#include "cpu_policy.h"
#include "listeners.h"
#include "locate.h"
#include "log.h"
#include "mounts.h"
#include "netplan.h"
#include "paths.h"
#include "placeholder.h"
#include "proxy.h"
#include "sandbox.h"
#include "util.h"
#include "violations.h"

#include <errno.h>
#include <fcntl.h>
#include <event2/event.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Everything one run owns, so every exit path can tear it down. */
struct run {
	struct srt_opts opts;
	struct srt_config *cfg;      /* as loaded: the filesystem plan's source */
	struct srt_config *live_cfg; /* last --control-fd update (network rules), or NULL */
	char *settings_path;
	char *command;
	char *cwd;
	char *home;
	char *registry_dir; /* srt's own state: hidden from the sandbox */
	char *receipts_dir; /* absolute; NULL without receipts */
	char *receipts_key;
	const char *helper;
	struct fs_plan *fs;
	struct net_plan *net;
	struct event_base *base;
	struct proxy_server *proxy;
	struct violations *violations;
	struct control *control;
	struct audit *audit;
	struct sandbox *sandbox;
	struct event *signal_events[3];
	struct event *kill_timer;
	int alive[2]; /* srt holds [1] alone: EOF on [0] tells the sandbox srt is gone */
	/* The helper's part of a split filesystem plan (apply-seccomp
	 * --late-mounts): a memfd filled once ripgrep is done, then a byte on
	 * the pipe releases it. */
	int late_data, late_ready[2];
	/* The sandbox's proxy listeners come on [0] (apply-seccomp
	 * --proxy-listeners has [1]); -1 when srt runs no proxy of its own. */
	int listen_sock[2];
	struct event *listen_ev;
	int interrupted_by; /* a signal that arrived before the command could start */
	bool released;      /* the helper has its mounts: the command starts */
	bool control_failed; /* the control channel died before its first update */
	bool listeners_failed; /* the sandbox's proxy listeners were refused */
};

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_FORWARDED (sizeof(forwarded_signals) / sizeof(forwarded_signals[0]))

static void run_cleanup(struct run *r)
{
	for (size_t i = 0; i < N_FORWARDED; i++)
		if (r->signal_events[i])
			event_free(r->signal_events[i]);
	if (r->kill_timer)
		event_free(r->kill_timer);
	control_free(r->control);
	/* A helper still waiting for the late mounts gives up (no go byte). */
	close_keep_errno(r->late_ready[1]);
	close_keep_errno(r->late_ready[0]);
	close_keep_errno(r->late_data);
	if (r->listen_ev)
		event_free(r->listen_ev);
	close_keep_errno(r->listen_sock[0]);
	close_keep_errno(r->listen_sock[1]);
	sandbox_free(r->sandbox);
	close_keep_errno(r->alive[0]);
	close_keep_errno(r->alive[1]);
	audit_close(r->audit);
	proxy_free(r->proxy);
	violations_close(r->violations);
	if (r->net) {
		net_plan_cleanup(r->net);
		net_plan_free(r->net);
	}
	if (r->fs) {
		fs_plan_cleanup(r->fs);
		fs_plan_free(r->fs);
	}
	cpu_policy_free();
	if (r->base)
		event_base_free(r->base);
	config_free(r->live_cfg);
	config_free(r->cfg);
	free(r->settings_path);
	free(r->command);
	free(r->cwd);
	free(r->home);
	free(r->registry_dir);
	free(r->receipts_dir);
	free(r->receipts_key);
	memset(r, 0, sizeof(*r));
	r->alive[0] = r->alive[1] = -1;
	r->late_data = r->late_ready[0] = r->late_ready[1] = -1;
	r->listen_sock[0] = r->listen_sock[1] = -1;
}

/* Print the message, tear everything down (placeholders, sockets, temp
 * dirs), exit 1. */
__attribute__((noreturn, format(printf, 2, 3))) static void run_fail(struct run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	run_cleanup(r);
	exit(1);
}

static bool env_truthy(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0") != 0 && strcmp(v, "false") != 0;
}

static void load_settings(struct run *r)
{
	char *err = NULL;

	if (config_load(r->opts.settings_path, &r->cfg, &r->settings_path, &err) < 0)
		run_fail(r, "%s", err);
	log_debug("settings: %s", r->settings_path);
	config_log_ignored_keys(r->cfg);
	if (config_check_enforceable(r->cfg, &err) < 0)
		run_fail(r, "Error: %s", err);
}

static void check_control_fd(struct run *r)
{
	int fd = r->opts.control_fd, e;

	if (fd < 0)
		return;
	e = cli_probe_control_fd(fd);
	if (e < 0)
		run_fail(r,
			 "Error: --control-fd %d is not usable: %s. Refusing to run the command without "
			 "the control channel it asks for.",
			 fd, strerror(-e));
}

static void find_cwd_and_home(struct run *r)
{
	const char *home = getenv("HOME");

	r->cwd = getcwd(NULL, 0);
	if (!r->cwd)
		run_fail(r, "srt: cannot determine the working directory: %s", strerror(errno));
	r->home = xstrdup(home && home[0] == '/' ? home : "/");
}

/* As root, bwrap's user namespace maps uid 0, and apply-seccomp needs two
 * capabilities there (not on the host): CAP_SETFCAP to map uid 0 in its
 * nested user namespace (Linux >= 5.12) and CAP_SYS_ADMIN to mount the
 * command's private /proc before it drops every capability. */
static bool root_helper_cap(int cap)
{
	return geteuid() == 0 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
}

/* seccomp.applyPath, else the helper next to srt (build tree or libexec).
 * As the original, an applyPath that does not exist falls back to the
 * installed helper; one that exists must be srt's: the npm package's
 * helper (which settings written for the original may name) takes another
 * command line and would leave the sandbox half made. */
static void find_helper(struct run *r)
{
	const char *apply = r->cfg->seccomp_apply_path;

	if (apply && access(apply, F_OK) < 0 && errno == ENOENT) {
		log_debug("seccomp.applyPath %s does not exist: using the installed helper", apply);
		apply = NULL;
	}
	r->helper = apply ? apply : locate_helper();
	if (access(r->helper, X_OK) < 0)
		run_fail(r,
			 "srt: the apply-seccomp helper %s is not usable (%s); refusing to run without "
			 "Unix-socket and namespace isolation",
			 r->helper, strerror(errno));
	if (apply && !locate_helper_is_srts(apply))
		run_fail(r,
			 "srt: seccomp.applyPath %s is not srt's apply-seccomp (it does not take srt's options; "
			 "the npm package's helper cannot make this sandbox): remove the key or name srt's "
			 "helper (%s)",
			 apply, locate_helper());
}

/* The helper's flags: which of its rules the settings lift. */
static void helper_flags(const struct run *r, strv *flags)
{
	if (r->cfg->network.allow_all_unix_sockets)
		strv_push(flags, "--allow-unix-sockets");
	if (r->cfg->allow_nested_user_namespaces)
		strv_push(flags, "--allow-nested-userns");
}

/* The words after bwrap's "--": helper (with the bridges), shell, command. */
static void build_inner_command(struct run *r, strv *cmd, bool for_display)
{
	_cleanup_free_ char *shell = locate_program("bash");
	strv flags = {0};

	if (!shell)
		run_fail(r, "Error: Shell 'bash' not found in PATH");
	if (r->cfg->network.allow_all_unix_sockets)
		log_debug("allowAllUnixSockets: the AF_UNIX socket rule is not applied");
	strv_push(cmd, r->helper);
	helper_flags(r, &flags);
	strv_extend(cmd, &flags);
	strv_clear(&flags);
	const strv *links = fs_plan_links(r->fs);
	for (size_t i = 0; i < fs_plan_n_bwrap_links(r->fs); i++)
		strv_pushv(cmd, (const char *const[]){ "--pin-link", links->v[i], NULL });
	if (fs_plan_split(r->fs)) {
		_cleanup_free_ char *fds = for_display ? xstrdup("<fd>,<fd>")
						       : xasprintf("%d,%d", r->late_data, r->late_ready[0]);
		strv_pushv(cmd, (const char *const[]){"--late-mounts", fds, NULL});
	}
	if (for_display || r->alive[0] >= 0) {
		_cleanup_free_ char *fd = for_display ? xstrdup("<fd>") : xasprintf("%d", r->alive[0]);
		strv_pushv(cmd, (const char *const[]){"--watch-fd", fd, NULL});
	}
	strv_push(cmd, "--");
	strv_push(cmd, shell);
	strv_push(cmd, "-c");
	strv_push(cmd, r->command ? r->command : (for_display ? "<command>" : "true"));
	_cleanup_free_ char *listen_fd = for_display ? xstrdup("<fd>") : xasprintf("%d", r->listen_sock[1]);
	net_plan_wrap_helper_command(r->net, cmd, listen_fd);
}

static void build_env(struct run *r, strv *env)
{
	const char *tmp = fs_plan_tmpdir(r->fs);

	strv_pushv(env, (const char *const[]){"SANDBOX_RUNTIME", "1", NULL});
	if (tmp)
		strv_pushv(env, (const char *const[]){"TMPDIR", tmp, NULL});
	if (r->opts.debug)
		strv_pushv(env, (const char *const[]){"SRT_DEBUG", "true", NULL});
	strv_extend(env, net_plan_env(r->net));
}

/* Keep an existing file read-only inside (an absent one would need a
 * placeholder, and an empty settings file would stop concurrent runs). */
static void deny_write_if_exists(struct run *r, const char *path)
{
	struct stat st;
	if (path && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		config_add_fs_entry(&r->cfg->filesystem.deny_write, path, true);
}

/* What the sandbox must never change, whatever allowWrite says: srt's
 * registry (placeholder records, the proxies' sockets) is hidden, and the
 * settings that will confine the next run stay read-only. */
static void protect_srt_state(struct run *r)
{
	_cleanup_free_ char *settings = path_normalize(r->settings_path, r->cwd, r->home);
	_cleanup_free_ char *default_settings = path_join(r->home, ".srt-settings.json");

	r->registry_dir = ph_default_dir();
	config_add_fs_entry(&r->cfg->filesystem.deny_read, r->registry_dir, true);
	deny_write_if_exists(r, default_settings);
	if (settings && strcmp(settings, default_settings) != 0)
		deny_write_if_exists(r, settings);
}

static void build_plans(struct run *r)
{
	char *err = NULL;
	int e;

	find_helper(r);
	if (!r->cfg->filesystem.disabled)
		protect_srt_state(r);
	/* ripgrep runs from here until finish_fs_plan(). */
	if (fs_plan_begin(r->cfg, r->cwd, r->home, &r->fs, &err) < 0)
		run_fail(r, "srt: %s", err);
	if (net_plan_build(r->cfg, fs_plan_disabled(r->fs) ? NULL : r->registry_dir, &r->net, &err) < 0)
		run_fail(r, "srt: %s", err);
	/* A SIGKILLed srt cannot remove its sockets: the next run will. */
	e = fs_plan_record_private_dir(r->fs, net_plan_dir(r->net));
	if (e < 0)
		run_fail(r, "srt: cannot record %s: %s", net_plan_dir(r->net), strerror(-e));
}

/* Everything but ripgrep's findings, while it runs, so bwrap can start
 * meanwhile; the memfd and pipe that will carry the rest to the helper.
 * A helper that could not mount them leaves the plan whole: bwrap then
 * waits for ripgrep and makes every mount. */
static void settle_fs_plan(struct run *r)
{
	char *err = NULL;

	if (!sandbox_helper_can_mount()) {
		log_debug("no mount_setattr (Linux < 5.12): bwrap makes the whole filesystem plan");
		return;
	}
	if (fs_plan_settle(r->fs, &err) < 0)
		run_fail(r, "srt: %s", err);
	if (!fs_plan_split(r->fs) || r->opts.dry_run)
		return;
	r->late_data = memfd_create("srt-late-mounts", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (r->late_data < 0 || pipe2(r->late_ready, O_CLOEXEC) < 0)
		run_fail(r, "srt: cannot prepare the helper's mounts: %s", strerror(errno));
}

/* A sandbox started before its plan was complete is given up by closing
 * what only srt holds: the helper gets no go byte and refuses, and the
 * guardian, seeing the alive pipe end, kills bwrap and whatever bwrap
 * left (its init may still wait for a uid map). */
static void abandon_sandbox(struct run *r)
{
	close_keep_errno(r->late_ready[1]);
	close_keep_errno(r->alive[1]);
	r->late_ready[1] = r->alive[1] = -1;
}

/* ripgrep's findings and the placeholders: the filesystem plan is final. */
static void finish_fs_plan(struct run *r)
{
	char *err = NULL;

	if (fs_plan_finish(r->fs, &err) < 0) {
		abandon_sandbox(r);
		run_fail(r, "srt: %s", err);
	}
}

/* A signal that came before the command could start ends the run. */
static void check_interrupted(struct run *r)
{
	event_base_loop(r->base, EVLOOP_NONBLOCK);
	if (r->interrupted_by) {
		abandon_sandbox(r);
		run_fail(r, "Error: interrupted by %s", sigabbrev_np(r->interrupted_by));
	}
}

/* The helper's part into the memfd, sealed, then the go byte. */
static void release_late_mounts(struct run *r)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int e;

	if (r->late_data < 0)
		return;
	e = fs_plan_helper_mounts(r->fs, &buf, &len);
	if (e == 0 && (memfd_fill_seal(r->late_data, buf, len) < 0 || write(r->late_ready[1], "", 1) != 1))
		e = -errno;
	/* No reader left: the helper never started (bwrap failed) or is gone,
	 * and nothing runs without the byte; bwrap's exit, awaited next, says
	 * why (a namespace failure gets its hint there). */
	if (e == -EPIPE)
		log_debug("the helper is gone before its mounts were handed over");
	else if (e < 0) {
		abandon_sandbox(r);
		run_fail(r, "srt: cannot hand the helper its mounts: %s",
			 e == -EINVAL ? "a mount it cannot make (internal error)" : strerror(-e));
	}
	close_keep_errno(r->late_ready[1]);
	close_keep_errno(r->late_data);
	r->late_ready[1] = r->late_data = -1;
}

/* Fill out with every bwrap word; returns how many trailing words are "--"
 * and the command (bwrap reads options from --args, the command from argv). */
static size_t build_bwrap_args(struct run *r, strv *out, bool for_display)
{
	strv env = {0}, cmd = {0};
	char *err = NULL;
	size_t n_command;
	struct bwrap_request req = {
		.fs = r->fs,
		.setenv = &env,
		.unshare_net = true,
		.net_binds = net_plan_binds(r->net),
		.weaker_nested = r->cfg->enable_weaker_nested_sandbox,
		.cap_add_setfcap = root_helper_cap(CAP_SETFCAP),
		.cap_add_sys_admin = root_helper_cap(CAP_SYS_ADMIN),
		.command = &cmd,
	};

	build_env(r, &env);
	build_inner_command(r, &cmd, for_display);
	if (bwrap_argv_build(&req, out, &err) < 0)
		run_fail(r, "srt: %s", err);
	n_command = cmd.n + 1;
	strv_clear(&env);
	strv_clear(&cmd);
	return n_command;
}

static char *bwrap_path(struct run *r)
{
	char *p = locate_program(r->cfg->bwrap_path ? r->cfg->bwrap_path : "bwrap");
	if (!p)
		run_fail(r,
			 "srt: bubblewrap (%s) not found: install it (Debian/Ubuntu: apt-get install "
			 "bubblewrap) or set bwrapPath",
			 r->cfg->bwrap_path ? r->cfg->bwrap_path : "bwrap in PATH");
	return p;
}

/* The helper's part of a split plan, a line per record. */
static void print_late_mounts(struct run *r)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (!fs_plan_split(r->fs))
		return;
	if (fs_plan_helper_mounts(r->fs, &buf, &len) < 0)
		run_fail(r, "srt: internal error: a mount the helper cannot make");
	printf("# apply-seccomp --late-mounts (write protections and pins, made after bwrap's mounts)\n");
	for (size_t i = 0; i < len && buf[i] != '.'; i += strlen(buf + i + 1) + 2) {
		const char *what = buf[i] == 'r' ? "read-only" : buf[i] == 'b' ? "pin" : buf[i] == 'm' ? "mask" : "pin-link";
		printf("%s %s\n", what, buf + i + 1);
	}
}

static void print_plan(struct run *r)
{
	strv args = {0};
	_cleanup_free_ char *bwrap = bwrap_path(r);
	_cleanup_free_ char *json = config_to_json(r->cfg, true);

	build_bwrap_args(r, &args, true);
	printf("# settings (%s)\n%s\n", r->settings_path, json);
	printf("# network\n");
	net_plan_describe(r->net, stdout);
	printf("# bwrap argv\n%s\n", bwrap);
	for (size_t i = 0; i < args.n; i++)
		printf("%s\n", args.v[i]);
	strv_clear(&args);
	print_late_mounts(r);
}

static void on_proxy_event(const struct proxy_event *ev, void *arg)
{
	struct run *r = arg;
	violations_record(r->violations, ev);
	audit_network(r->audit, ev);
}

/* A valid --control-fd line: new network rules for new connections. */
static void on_control_update(struct srt_config *cfg, void *arg)
{
	struct run *r = arg;

	/* Rules the proxy refused leave everything as it was: violations keep
	 * their rules and no control receipt claims the update. */
	if (proxy_set_network(r->proxy, &cfg->network) < 0) {
		config_free(cfg);
		return;
	}
	violations_set_rules(r->violations, cfg);
	audit_control(r->audit, cfg);
	config_free(r->live_cfg);
	r->live_cfg = cfg;
}

static void on_kill_timer(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	sandbox_kill(r->sandbox);
}

/* The channel died before any update: stop the command (TERM, KILL after
 * 2 s) and exit 1, as the original does. */
static void on_control_error(bool before_first_update, void *arg)
{
	struct run *r = arg;
	struct timeval two_s = {2, 0};

	if (!before_first_update || !r->sandbox)
		return;
	r->control_failed = true;
	sandbox_signal(r->sandbox, SIGTERM);
	r->kill_timer = evtimer_new(r->base, on_kill_timer, r);
	evtimer_add(r->kill_timer, &two_s);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct run *r = arg;

	if (r->sandbox && r->released) {
		log_debug("forwarding signal %d to the sandbox", (int)sig);
		sandbox_signal(r->sandbox, (int)sig);
	} else {
		r->interrupted_by = (int)sig;
	}
}

/* Signals are blocked from the start of main and routed to the event loop,
 * so an interrupt at any moment still ends in run_cleanup(). */
static void watch_signals(struct run *r)
{
	for (size_t i = 0; i < N_FORWARDED; i++) {
		r->signal_events[i] = evsignal_new(r->base, forwarded_signals[i], on_signal, r);
		event_add(r->signal_events[i], NULL);
	}
}

static void set_signal_mask(int how)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaddset(&set, forwarded_signals[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(how, &set, NULL);
}

/* Each proxied connection holds two descriptors. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The sandbox's network cannot work: stop the command, exit 1 (loudly:
 * an empty network would look like refusals). */
static void listeners_failed(struct run *r, const char *why)
{
	log_warn("%s; stopping the sandbox", why);
	r->listeners_failed = true;
	if (r->sandbox)
		sandbox_kill(r->sandbox);
}

/* The helper's listeners arrived: srt's proxies accept on them.  No
 * message means the helper failed before (it said why, and nothing runs);
 * descriptors that are not the listeners asked for stop the run. */
static void on_listeners(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	unsigned short ports[LISTENERS_MAX];
	size_t n = net_plan_own_ports(r->net, ports);
	int fds[LISTENERS_MAX];
	char *err = NULL;
	int rc = listeners_receive(r->listen_sock[0], ports, n, fds, &err);

	if (rc == LISTENERS_NOT_YET)
		return;
	event_free(r->listen_ev);
	r->listen_ev = NULL;
	close_keep_errno(r->listen_sock[0]);
	r->listen_sock[0] = -1;
	if (rc == LISTENERS_NONE) { /* the helper did not get that far, and said why */
		log_debug("the helper handed over no listeners");
		return;
	}
	if (rc < 0) {
		listeners_failed(r, err);
		free(err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		enum proxy_kind kind = ports[i] == NET_SANDBOX_HTTP_PORT ? PROXY_HTTP : PROXY_SOCKS;
		if (proxy_adopt_listener(r->proxy, kind, fds[i], &err) < 0) {
			listeners_failed(r, err);
			free(err);
		}
	}
	log_debug("proxies accept on the sandbox's %zu listener(s)", n);
}

/* The socket the helper hands its listeners over, when srt runs a proxy of
 * its own (a SOCK_SEQPACKET pair: one message, nothing else). */
static void open_listener_channel(struct run *r)
{
	unsigned short ports[LISTENERS_MAX];

	if (net_plan_own_ports(r->net, ports) == 0)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, r->listen_sock) < 0)
		run_fail(r, "srt: socketpair: %s", strerror(errno));
	r->listen_ev = event_new(r->base, r->listen_sock[0], EV_READ | EV_PERSIST, on_listeners, r);
	if (!r->listen_ev || event_add(r->listen_ev, NULL) < 0)
		run_fail(r, "srt: cannot watch the sandbox's listener channel");
}

static void start_network(struct run *r)
{
	char *err = NULL;

	r->violations = violations_open(r->opts.violations_path, r->command, &err);
	if (!r->violations)
		run_fail(r, "srt: %s", err);
	violations_set_rules(r->violations, r->cfg);
	r->proxy = proxy_start(r->base, net_plan_http_listen_path(r->net), net_plan_socks_listen_path(r->net),
			       &r->cfg->network, on_proxy_event, r, &err);
	if (!r->proxy)
		run_fail(r, "srt: %s", err);
	if (net_plan_start_host_bridges(r->net, &err) < 0)
		run_fail(r, "srt: %s", err);
	open_listener_channel(r);
}

/* Receipts: flags win over the settings' "receipts" object.  The sandbox
 * may neither read the signing key (it could forge a trail) nor write the
 * trail: both join the filesystem plan before it is built. */
static void plan_receipts(struct run *r)
{
	const char *dir = r->opts.receipts_dir ? r->opts.receipts_dir : r->cfg->receipts_dir;
	const char *key = r->opts.receipt_key ? r->opts.receipt_key : r->cfg->receipts_key;

	if (!dir && !key)
		return;
	if (!dir || !key)
		run_fail(r, "srt: receipts need both a directory (--receipts / receipts.dir) and a key "
			    "(--receipt-key / receipts.key)");
	r->receipts_dir = path_normalize(dir, r->cwd, r->home);
	r->receipts_key = path_normalize(key, r->cwd, r->home);
	/* It must exist before the plan, so no placeholder takes its place
	 * (--dry-run creates nothing). */
	if (!r->opts.dry_run && mkdir(r->receipts_dir, 0700) < 0 && errno != EEXIST)
		run_fail(r, "srt: --receipts %s: %s", r->receipts_dir, strerror(errno));
	config_add_fs_entry(&r->cfg->filesystem.deny_read, r->receipts_key, true);
	config_add_fs_entry(&r->cfg->filesystem.deny_write, r->receipts_dir, true);
}

static void open_receipts(struct run *r)
{
	char *err = NULL;

	r->audit = audit_open(r->base, r->receipts_dir, r->receipts_key, &err);
	if (!r->audit && err)
		run_fail(r, "srt: %s", err);
}

static void record_start(struct run *r, const strv *args)
{
	strv flags = {0};
	struct audit_plan plan = {
		.cfg = r->cfg,
		.command = r->command,
		.bwrap_argv = args,
		.helper = r->helper,
		.helper_flags = &flags,
		.fs = r->fs,
	};

	if (!r->audit)
		return;
	helper_flags(r, &flags);
	audit_start(r->audit, &plan);
	strv_clear(&flags);
}

static int run_sandbox(struct run *r)
{
	strv args = {0};
	char *err = NULL;
	_cleanup_free_ char *bwrap = bwrap_path(r);
	struct sandbox_spawn_opts so = {
		.bwrap_path = bwrap, .args = &args, .hide_fd = r->opts.control_fd, .watch_fd = -1,
		.pass_fds = {-1, -1, -1}};
	int status;

	raise_fd_limit();
	r->base = event_base_new();
	if (!r->base)
		run_fail(r, "srt: cannot create the event loop");
	watch_signals(r);
	open_receipts(r);
	start_network(r);
	settle_fs_plan(r);
	if (!fs_plan_split(r->fs))
		finish_fs_plan(r);
	/* The guardian and the helper's watcher kill the sandbox when srt
	 * dies, even while bwrap is still starting. */
	if (pipe2(r->alive, O_CLOEXEC) < 0)
		run_fail(r, "srt: pipe: %s", strerror(errno));
	so.watch_fd = r->alive[0];
	so.pass_fds[0] = r->late_data;
	so.pass_fds[1] = r->late_ready[0];
	so.pass_fds[2] = r->listen_sock[1];
	so.n_command = build_bwrap_args(r, &args, false);
	set_signal_mask(SIG_UNBLOCK); /* pending signals now reach the loop */
	check_interrupted(r);
	r->sandbox = sandbox_spawn(r->base, &so, &err);
	close_keep_errno(r->alive[0]); /* the guardian and bwrap have it now */
	close_keep_errno(r->late_ready[0]);
	close_keep_errno(r->listen_sock[1]);
	r->alive[0] = r->late_ready[0] = r->listen_sock[1] = -1;
	if (!r->sandbox) {
		strv_clear(&args);
		run_fail(r, "srt: %s", err);
	}
	/* bwrap starts while ripgrep finishes; the helper waits for the rest. */
	finish_fs_plan(r);
	check_interrupted(r);
	release_late_mounts(r);
	r->released = true;
	record_start(r, &args);
	strv_clear(&args);
	if (r->opts.control_fd >= 0)
		r->control = control_start(r->base, r->opts.control_fd, on_control_update, on_control_error, r);
	while (!sandbox_exited(r->sandbox))
		if (event_base_dispatch(r->base) < 0)
			break;
	status = r->control_failed || r->listeners_failed ? 1 : sandbox_exit_status(r->sandbox);
	/* 127: bwrap itself could not be executed (said above), no namespace matter. */
	if (!sandbox_started(r->sandbox) && status != 0 && status != 127)
		log_warn("bubblewrap could not create the sandbox (its message is above); %s",
			 sandbox_namespace_hint());
	audit_exit(r->audit, status);
	return status;
}

/* For bench/startup.sh: srt's own peak RSS (children not included). */
static void log_peak_rss(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		log_debug("srt peak RSS %ld KiB", ru.ru_maxrss);
}

int main(int argc, char **argv)
{
	struct run r = {.alive = {-1, -1}, .late_data = -1, .late_ready = {-1, -1}, .listen_sock = {-1, -1}};
	int status;

	set_signal_mask(SIG_BLOCK);
	signal(SIGPIPE, SIG_IGN);
	cli_parse(argc, argv, &r.opts);
	log_set_debug(r.opts.debug || env_truthy("SRT_DEBUG"));
	if (r.opts.subcommand == SUBCMD_KEYGEN)
		return audit_keygen_main(r.opts.words[1]);
	if (r.opts.subcommand == SUBCMD_VERIFY)
		return audit_verify_main(r.opts.words[1], r.opts.pubkey_path);
	load_settings(&r);
	check_control_fd(&r);
	r.command = cli_command_string(&r.opts);
	if (!r.command && !r.opts.dry_run)
		run_fail(&r, "Error: No command specified. Use -c <command> or provide command arguments.");
	/* The original's wording: scripts grep for it. */
	if (r.opts.command_string)
		log_debug("Command string mode (-c): %s", r.command);
	else
		log_debug("Original command: %s", r.command ? r.command : "(none)");
	find_cwd_and_home(&r);
	plan_receipts(&r);
	build_plans(&r);
	if (r.opts.dry_run) {
		settle_fs_plan(&r);
		finish_fs_plan(&r);
		print_plan(&r);
		run_cleanup(&r);
		return 0;
	}
	status = run_sandbox(&r);
	run_cleanup(&r);
	log_peak_rss();
	return status;
}
