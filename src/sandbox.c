#include "sandbox.h"

#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct sandbox {
	struct event_base *base;
	pid_t bwrap_pid;
	pid_t child_pid; /* host PID of the sandbox's session leader, 0 until known */
	int pending_signal; /* a signal not yet delivered to the command (see deliver_pending) */
	struct event *retry_ev;
	int status_fd;
	struct event *status_ev;
	struct event *chld_ev;
	struct evbuffer *status_buf;
	bool exited;
	int wait_status;
};

/* The bwrap words, NUL-separated, in a sealed memfd that bwrap reads via
 * --args.  Nothing of the plan passes through the kernel's argv limits. */
static int args_memfd(const strv *args, size_t n)
{
	_cleanup_close_ int fd = memfd_create("srt-bwrap-args", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, off = 0;

	if (fd < 0)
		return -1;
	/* One buffer, one write: a plan has hundreds of words. */
	for (size_t i = 0; i < n; i++)
		len += strlen(args->v[i]) + 1; /* the NUL is the separator */
	buf = xmalloc(len);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(args->v[i]) + 1;
		memcpy(buf + off, args->v[i], l);
		off += l;
	}
	if (memfd_fill_seal(fd, buf, len) < 0)
		return -1;
	return steal_fd(&fd);
}

/* Everything the child needs, prepared before vfork(): until it execs it
 * runs on srt's memory, so it may not allocate, print through stdio or
 * touch srt's state, only make system calls. */
struct bwrap_exec {
	const char *path;
	char **argv;
	int args_fd, status_fd;
	int hide_fd, null_fd; /* dup2(null_fd, hide_fd) when hide_fd >= 0 */
	int watch_fd;         /* passed on (close-on-exec cleared) when >= 0 */
	const int *pass_fds;  /* the same, three of them */
	pid_t srt_pid;
};

/* In the vfork()ed child: give bwrap its two descriptors, hide the control
 * fd, put the signal state back to what srt was given, and exec. */
__attribute__((noreturn)) static void exec_bwrap(const struct bwrap_exec *x)
{
	static const char msg[] = "srt: cannot execute bwrap (errno ";
	char num[16];
	size_t n = sizeof(num);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int e;

	/* Die with srt from the very start: bwrap's own --die-with-parent
	 * comes later, and a srt killed in between would leave the sandbox
	 * running unsupervised.  The death signal survives exec. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != x->srt_pid)
		_exit(126);
	/* Every signal is blocked (the parent did it): reset the handlers,
	 * which live in srt's memory, before a signal can get through. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	if (x->hide_fd >= 0 && (x->null_fd < 0 || dup2(x->null_fd, x->hide_fd) < 0))
		_exit(126);
	if (fcntl(x->args_fd, F_SETFD, 0) < 0 || fcntl(x->status_fd, F_SETFD, 0) < 0 ||
	    (x->watch_fd >= 0 && fcntl(x->watch_fd, F_SETFD, 0) < 0))
		_exit(126);
	for (int i = 0; i < 3; i++)
		if (x->pass_fds[i] >= 0 && fcntl(x->pass_fds[i], F_SETFD, 0) < 0)
			_exit(126);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(x->path, x->argv);
	/* No strerror() here (it may take locks srt holds): the number, by hand. */
	e = errno;
	num[--n] = '\n';
	num[--n] = ')';
	do
		num[--n] = (char)('0' + e % 10);
	while ((e /= 10) && n > 0);
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) > 0)
		(void)!write(STDERR_FILENO, num + n, sizeof(num) - n);
	_exit(127);
}

/* vfork: srt waits (a few microseconds) until bwrap is exec'd instead of
 * copying its page tables for a fork.  Returns the pid or -1 with errno. */
static pid_t spawn_bwrap(const struct sandbox_spawn_opts *o, int args_fd, int status_fd, pid_t srt_pid)
{
	size_t first = o->args->n - o->n_command;
	_cleanup_free_ char **argv = xcalloc(o->n_command + 6, sizeof(char *));
	_cleanup_close_ int null_fd = o->hide_fd >= 0 ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1;
	char args_num[16], status_num[16];
	struct bwrap_exec x = {
		.path = o->bwrap_path, .argv = argv, .args_fd = args_fd, .status_fd = status_fd,
		.hide_fd = o->hide_fd, .null_fd = null_fd, .watch_fd = o->watch_fd, .pass_fds = o->pass_fds,
		.srt_pid = srt_pid,
	};
	sigset_t all, old;
	pid_t pid;
	int saved;

	snprintf(args_num, sizeof(args_num), "%d", args_fd);
	snprintf(status_num, sizeof(status_num), "%d", status_fd);
	argv[0] = (char *)o->bwrap_path;
	argv[1] = "--json-status-fd";
	argv[2] = status_num;
	argv[3] = "--args";
	argv[4] = args_num;
	for (size_t i = 0; i < o->n_command; i++)
		argv[5 + i] = o->args->v[first + i];

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0)
		exec_bwrap(&x);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}

/* Close what exec would close: the guardian never execs, and must not keep
 * srt's descriptors (the proxies' sockets, its placeholder record, the write
 * end of the alive pipe) open.  keep[] are close-on-exec but still needed. */
static void close_cloexec_fds(const int *keep, size_t n_keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int dfd;

	if (!d)
		_exit(126);
	dfd = dirfd(d);
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		bool kept = fd == dfd;
		int flags;

		if (end == de->d_name || *end || fd < 3)
			continue;
		for (size_t i = 0; i < n_keep; i++)
			kept = kept || keep[i] == fd;
		flags = fcntl((int)fd, F_GETFD);
		if (!kept && flags >= 0 && (flags & FD_CLOEXEC))
			close((int)fd);
	}
	closedir(d);
}

/* SIGKILL every child of ours (the orphans reparented to us). */
static void kill_children(void)
{
	_cleanup_free_ char *kids = NULL;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
	if (read_file_max(path, 65536, &kids, NULL) < 0)
		return;
	for (char *p = kids, *end;; p = end) {
		long k = strtol(p, &end, 10);
		if (end == p)
			break;
		if (k > 0)
			kill((pid_t)k, SIGKILL);
	}
}

/* The guardian: srt's child, bwrap's parent, a child subreaper.  bwrap sets
 * its PID-namespace init's parent-death signal only after the clone, and
 * that init waits for bwrap to write its uid map: a srt SIGKILLed at that
 * moment took bwrap with it (PR_SET_PDEATHSIG) and left the init blocked
 * forever.  The guardian outlives srt: when the alive pipe (write end held
 * by srt alone) reports EOF it kills bwrap, then every orphan reparented to
 * it (that init), and exits.  When bwrap exits it kills what is left below
 * it and exits with bwrap's status (128+N for signal N). */
__attribute__((noreturn)) static void run_guardian(const struct sandbox_spawn_opts *o, int args_fd,
						   int status_fd, pid_t srt_pid)
{
	int keep[] = {args_fd, status_fd, o->watch_fd, o->pass_fds[0], o->pass_fds[1], o->pass_fds[2]};
	sigset_t chld, blocked;
	struct pollfd pfd[2];
	pid_t bwrap, me = getpid();
	int status = 0, sfd;
	bool bwrap_done = false;

	/* Only the alive pipe tells srt's death: no parent-death signal here. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 || getppid() != srt_pid)
		_exit(126);
	close_cloexec_fds(keep, sizeof(keep) / sizeof(keep[0]));
	/* srt's handlers are libevent's: keep every signal they catch blocked
	 * (srt forwards INT/TERM/HUP itself; bwrap gets a clean state). */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGHUP);
	sigaddset(&blocked, SIGCHLD);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		_exit(126);
	bwrap = spawn_bwrap(o, args_fd, status_fd, me);
	if (bwrap < 0)
		_exit(126);
	close(args_fd);
	close(status_fd);
	/* bwrap has its copies: the far ends must see EOF when bwrap's side goes. */
	for (int i = 0; i < 3; i++)
		if (o->pass_fds[i] >= 0)
			close(o->pass_fds[i]);
	pfd[0] = (struct pollfd){.fd = o->watch_fd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = sfd, .events = POLLIN};
	for (;;) {
		struct signalfd_siginfo si;
		pid_t pid;
		int st;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].fd >= 0 && pfd[0].revents) { /* srt is gone (it never writes) */
			kill(bwrap, SIGKILL);
			pfd[0].fd = -1;
		}
		while (read(sfd, &si, sizeof(si)) > 0)
			;
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			if (pid == bwrap) {
				status = st;
				bwrap_done = true;
			}
		if (pid < 0 && errno == ECHILD)
			break;
		if (bwrap_done || pfd[0].fd < 0)
			kill_children();
	}
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/* Whether the sandbox's init has forked the command yet (its children
 * list in /proc).  Unreadable (no CONFIG_PROC_CHILDREN, init gone): true,
 * i.e. deliver once as before. */
static bool command_forked(pid_t init)
{
	char path[64];
	_cleanup_free_ char *text = NULL;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)init, (int)init);
	if (read_file_max(path, 4096, &text, NULL) < 0)
		return true;
	return text[0] != '\0';
}

static void on_retry(evutil_socket_t fd, short what, void *arg);

/* The signal goes to the sandbox's process group.  Until bwrap's init has
 * forked the command (it mounts first), that group holds only the init,
 * which as a PID-namespace init ignores signals it has no handler for, so
 * the signal would be lost: keep it and try again every millisecond. */
static void deliver_pending(struct sandbox *sb)
{
	static const struct timeval one_ms = { 0, 1000 };
	bool forked;

	if (!sb->pending_signal || sb->child_pid <= 0 || sb->exited)
		return;
	forked = command_forked(sb->child_pid);
	kill(-sb->child_pid, sb->pending_signal);
	if (forked) {
		sb->pending_signal = 0;
		return;
	}
	if (!sb->retry_ev)
		sb->retry_ev = evtimer_new(sb->base, on_retry, sb);
	evtimer_add(sb->retry_ev, &one_ms);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	deliver_pending(arg);
}

/* bwrap's status lines: { "child-pid": N, ... } then { "exit-code": N }. */
static void on_status(evutil_socket_t fd, short what, void *arg)
{
	struct sandbox *sb = arg;
	int r = evbuffer_read(sb->status_buf, fd, 4096);
	char *line;

	if (r <= 0) {
		event_del(sb->status_ev);
		return;
	}
	while ((line = evbuffer_readln(sb->status_buf, NULL, EVBUFFER_EOL_LF))) {
		const char *p = strstr(line, "\"child-pid\"");
		if (p && (p = strchr(p, ':'))) {
			sb->child_pid = (pid_t)strtol(p + 1, NULL, 10);
			log_debug("sandbox init has host pid %d", (int)sb->child_pid);
			deliver_pending(sb);
		}
		free(line);
	}
}

static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct sandbox *sb = arg;
	int st;
	pid_t r;

	/* Only bwrap: other modules reap their own children. */
	if (sb->exited || sb->bwrap_pid <= 0)
		return;
	r = waitpid(sb->bwrap_pid, &st, WNOHANG);
	if (r == sb->bwrap_pid) {
		/* bwrap is gone, so its status pipe holds all it will say: read the
		 * rest now, the loop stops before it would get to it. */
		while (sb->status_ev && event_pending(sb->status_ev, EV_READ, NULL))
			on_status(sb->status_fd, EV_READ, sb);
		sb->exited = true;
		sb->wait_status = st;
		event_base_loopexit(sb->base, NULL);
	}
}

struct sandbox *sandbox_spawn(struct event_base *base, const struct sandbox_spawn_opts *o,
			      char **ret_err)
{
	_cleanup_close_ int args_fd = -1;
	int pipefd[2];
	struct sandbox *sb;
	pid_t pid, srt_pid;

	if (o->n_command > o->args->n) {
		*ret_err = xstrdup("internal error: command longer than the bwrap words");
		return NULL;
	}
	args_fd = args_memfd(o->args, o->args->n - o->n_command);
	if (args_fd < 0) {
		*ret_err = xasprintf("cannot prepare the bwrap arguments: %s", strerror(errno));
		return NULL;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		*ret_err = xasprintf("pipe: %s", strerror(errno));
		return NULL;
	}
	sb = xcalloc(1, sizeof(*sb));
	sb->base = base;
	sb->status_fd = pipefd[0];
	sb->status_buf = evbuffer_new();
	/* SIGCHLD is watched before the fork so an instant exit is not missed. */
	sb->chld_ev = evsignal_new(base, SIGCHLD, on_sigchld, sb);
	event_add(sb->chld_ev, NULL);
	srt_pid = getpid();
	if (o->watch_fd >= 0) {
		/* One fork of srt (the guardian), which then starts bwrap. */
		pid = fork();
		if (pid == 0)
			run_guardian(o, args_fd, pipefd[1], srt_pid);
	} else
		pid = spawn_bwrap(o, args_fd, pipefd[1], srt_pid);
	if (pid < 0) {
		*ret_err = xasprintf("cannot start bwrap: %s", strerror(errno));
		close(pipefd[1]);
		sandbox_free(sb);
		return NULL;
	}
	close(pipefd[1]);
	sb->bwrap_pid = pid;
	evutil_make_socket_nonblocking(sb->status_fd);
	sb->status_ev = event_new(base, sb->status_fd, EV_READ | EV_PERSIST, on_status, sb);
	event_add(sb->status_ev, NULL);
	/* Catch a child that exited before SIGCHLD was routed to the loop. */
	on_sigchld(SIGCHLD, 0, sb);
	return sb;
}

void sandbox_signal(struct sandbox *sb, int sig)
{
	if (sb->exited)
		return;
	sb->pending_signal = sig;
	deliver_pending(sb);
}

void sandbox_kill(struct sandbox *sb)
{
	if (!sb->exited)
		kill(sb->bwrap_pid, SIGKILL); /* --die-with-parent takes the rest */
}

bool sandbox_exited(const struct sandbox *sb) { return sb->exited; }

bool sandbox_started(const struct sandbox *sb) { return sb->child_pid > 0; }

/* An integer from a /proc/sys file, or -1. */
static long read_sysctl(const char *path)
{
	_cleanup_free_ char *text = NULL;
	if (read_file_max(path, 64, &text, NULL) < 0)
		return -1;
	return strtol(text, NULL, 10);
}

const char *sandbox_namespace_hint(void)
{
	if (read_sysctl("/proc/sys/user/max_user_namespaces") == 0)
		return "user namespaces are disabled here (user.max_user_namespaces is 0): "
		       "sudo sysctl -w user.max_user_namespaces=15000";
	if (geteuid() != 0 && read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		return "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone is 0): "
		       "sudo sysctl -w kernel.unprivileged_userns_clone=1";
	if (geteuid() != 0 && read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		return "AppArmor restricts unprivileged user namespaces (Ubuntu 23.10 and later): give bwrap "
		       "an AppArmor profile that allows userns (e.g. /etc/apparmor.d/bwrap-userns-restrict), "
		       "or sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0";
	return "bubblewrap needs to create user, PID, mount and network namespaces; inside a "
	       "container, allow unshare/clone with CLONE_NEWUSER (e.g. docker run --privileged or a "
	       "seccomp profile that permits it)";
}

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442 /* the same number on every architecture */
#endif

/* An empty attribute size is invalid (EINVAL) wherever the call exists; a
 * kernel without it says ENOSYS.  Any other refusal (a filter's EPERM)
 * counts as present: the helper then refuses to run, with the reason. */
bool sandbox_helper_can_mount(void)
{
	return syscall(SYS_mount_setattr, -1, "", 0, NULL, 0) == 0 || errno != ENOSYS;
}

int sandbox_exit_status(const struct sandbox *sb)
{
	if (WIFEXITED(sb->wait_status))
		return WEXITSTATUS(sb->wait_status);
	if (WIFSIGNALED(sb->wait_status))
		return 128 + WTERMSIG(sb->wait_status);
	return 1;
}

void sandbox_free(struct sandbox *sb)
{
	if (!sb)
		return;
	if (sb->bwrap_pid > 0 && !sb->exited) {
		int st;
		while (waitpid(sb->bwrap_pid, &st, 0) < 0 && errno == EINTR)
			;
		sb->exited = true;
		sb->wait_status = st;
	}
	if (sb->status_ev)
		event_free(sb->status_ev);
	if (sb->chld_ev)
		event_free(sb->chld_ev);
	if (sb->retry_ev)
		event_free(sb->retry_ev);
	if (sb->status_buf)
		evbuffer_free(sb->status_buf);
	close_keep_errno(sb->status_fd);
	free(sb);
}
