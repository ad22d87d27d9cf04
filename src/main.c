/* srt: orchestration only.  Options → settings → plans (filesystem,
 * network) → bwrap argv → spawn → event loop → cleanup → exit status.
 * Nothing forks before every plan is final. */
#include "bwrap_argv.h"
#include "cli.h"
#include "config.h"
#include "locate.h"
#include "log.h"
#include "mounts.h"
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <linux/capability.h>
#include <event2/event.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Everything one run owns, so every exit path can tear it down. */
struct run {
	struct srt_opts opts;
	struct srt_config *cfg;
	char *settings_path;
	char *command;
	char *cwd;
	char *home;
	struct fs_plan *fs;
	struct event_base *base;
	struct sandbox *sandbox;
	struct event *signal_events[3];
	int interrupted_by; /* a signal that arrived before the sandbox existed */
};

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void run_cleanup(struct run *r)
{
	for (size_t i = 0; i < 3; i++)
		if (r->signal_events[i])
			event_free(r->signal_events[i]);
	sandbox_free(r->sandbox);
	if (r->fs) {
		fs_plan_cleanup(r->fs);
		fs_plan_free(r->fs);
	}
	if (r->base)
		event_base_free(r->base);
	config_free(r->cfg);
	free(r->settings_path);
	free(r->command);
	free(r->cwd);
	free(r->home);
}

/* Exit after tearing everything down (placeholders, sockets, temp dirs). */
__attribute__((noreturn)) static void run_fail(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void run_fail(struct run *r, const char *fmt, ...)
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

static const char *helper_path(struct run *r)
{
	const char *p = r->cfg->seccomp_apply_path ? r->cfg->seccomp_apply_path : locate_helper();

	if (access(p, X_OK) < 0)
		run_fail(r,
			 "srt: the apply-seccomp helper %s is not usable (%s); refusing to run without "
			 "Unix-socket and namespace isolation",
			 p, strerror(errno));
	return p;
}

/* The words after bwrap's "--": bridge launcher, helper, shell, command. */
static void build_inner_command(struct run *r, strv *cmd, bool for_display)
{
	_cleanup_free_ char *shell = locate_program("bash");

	if (!shell)
		run_fail(r, "Error: Shell 'bash' not found in PATH");
	strv_push(cmd, helper_path(r));
	if (r->cfg->network.allow_all_unix_sockets) {
		log_debug("allowAllUnixSockets: the AF_UNIX socket rule is not applied");
		strv_push(cmd, "--allow-unix-sockets");
	}
	if (r->cfg->allow_nested_user_namespaces)
		strv_push(cmd, "--allow-nested-userns");
	strv_push(cmd, "--");
	strv_push(cmd, shell);
	strv_push(cmd, "-c");
	strv_push(cmd, r->command ? r->command : (for_display ? "<command>" : "true"));
}

static void build_env(struct run *r, strv *env)
{
	const char *tmp = r->fs ? fs_plan_tmpdir(r->fs) : NULL;

	strv_push(env, "SANDBOX_RUNTIME");
	strv_push(env, "1");
	if (tmp) {
		strv_push(env, "TMPDIR");
		strv_push(env, tmp);
	}
	if (r->opts.debug) {
		strv_push(env, "SRT_DEBUG");
		strv_push(env, "true");
	}
}

static void build_plans(struct run *r)
{
	char *err = NULL;

	if (fs_plan_build(r->cfg, r->cwd, r->home, &r->fs, &err) < 0)
		run_fail(r, "srt: %s", err);
}

/* Returns how many trailing words are "--" and the command. */
static size_t build_bwrap_args(struct run *r, strv *out, bool for_display)
{
	size_t n_command;
	strv env = {0}, unset = {0}, cmd = {0};
	char *err = NULL;
	struct bwrap_request req = {
		.fs = r->fs,
		.setenv = &env,
		.unsetenv = &unset,
		.unshare_net = true,
		.net_binds = NULL,
		.weaker_nested = r->cfg->enable_weaker_nested_sandbox,
		.cap_add_setfcap = root_helper_cap(CAP_SETFCAP),
		.cap_add_sys_admin = root_helper_cap(CAP_SYS_ADMIN),
		.disable_userns = false,
		.command = &cmd,
	};

	build_env(r, &env);
	build_inner_command(r, &cmd, for_display);
	if (bwrap_argv_build(&req, out, &err) < 0)
		run_fail(r, "srt: %s", err);
	n_command = cmd.n + 1;
	strv_clear(&env);
	strv_clear(&unset);
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

static void print_plan(struct run *r)
{
	strv args = {0};
	_cleanup_free_ char *bwrap = bwrap_path(r);
	_cleanup_free_ char *json = config_to_json(r->cfg, true);

	build_bwrap_args(r, &args, true);
	printf("# settings (%s)\n%s\n", r->settings_path, json);
	printf("# bwrap argv\n%s\n", bwrap);
	for (size_t i = 0; i < args.n; i++)
		printf("%s\n", args.v[i]);
	strv_clear(&args);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct run *r = arg;

	log_debug("forwarding signal %d to the sandbox", (int)sig);
	if (r->sandbox)
		sandbox_signal(r->sandbox, (int)sig);
	else
		r->interrupted_by = (int)sig;
}

/* Signals are blocked from the start and routed to the event loop, so an
 * interrupt at any moment still ends in run_cleanup(). */
static void watch_signals(struct run *r)
{
	for (size_t i = 0; i < 3; i++) {
		r->signal_events[i] = evsignal_new(r->base, forwarded_signals[i], on_signal, r);
		event_add(r->signal_events[i], NULL);
	}
}

static void set_signal_mask(int how)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < 3; i++)
		sigaddset(&set, forwarded_signals[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(how, &set, NULL);
}

static int run_sandbox(struct run *r)
{
	strv args = {0};
	char *err = NULL;
	_cleanup_free_ char *bwrap = bwrap_path(r);
	struct sandbox_spawn_opts so = {.bwrap_path = bwrap, .args = &args, .hide_fd = r->opts.control_fd};

	r->base = event_base_new();
	if (!r->base)
		run_fail(r, "srt: cannot create the event loop");
	watch_signals(r);
	so.n_command = build_bwrap_args(r, &args, false);
	set_signal_mask(SIG_UNBLOCK); /* pending signals now reach the loop */
	event_base_loop(r->base, EVLOOP_NONBLOCK);
	if (r->interrupted_by)
		run_fail(r, "Error: interrupted by %s", strsignal(r->interrupted_by));
	r->sandbox = sandbox_spawn(r->base, &so, &err);
	strv_clear(&args);
	if (!r->sandbox)
		run_fail(r, "srt: %s", err);
	while (!sandbox_exited(r->sandbox))
		if (event_base_dispatch(r->base) < 0)
			break;
	return sandbox_exit_status(r->sandbox);
}

int main(int argc, char **argv)
{
	struct run r = {0};
	int status;

	set_signal_mask(SIG_BLOCK);
	signal(SIGPIPE, SIG_IGN);
	cli_parse(argc, argv, &r.opts);
	log_set_debug(r.opts.debug || env_truthy("SRT_DEBUG"));
	if (r.opts.subcommand != SUBCMD_RUN)
		run_fail(&r, "srt: %s is not available yet", r.opts.words[0]);
	load_settings(&r);
	check_control_fd(&r);
	r.command = cli_command_string(&r.opts);
	if (!r.command && !r.opts.dry_run)
		run_fail(&r, "Error: No command specified. Use -c <command> or provide command arguments.");
	log_debug("command: %s", r.command ? r.command : "(none)");
	find_cwd_and_home(&r);
	build_plans(&r);
	if (r.opts.dry_run) {
		print_plan(&r);
		run_cleanup(&r);
		return 0;
	}
	status = run_sandbox(&r);
	run_cleanup(&r);
	return status;
}
