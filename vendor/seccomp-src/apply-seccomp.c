/* apply-seccomp: the last link of srt's chain inside bwrap.
 *
 *   apply-seccomp [--allow-unix-sockets] [--allow-nested-userns] [--debug]
 *                 [--socat PATH --bridge PORT:SOCKET ...]
 *                 [--wait-listen PORT[,PORT...]] [--wait-timeout MS]
 *                 [--pin-link PATH ...] [--late-mounts DATA,READY] [--watch-fd FD]
 *                 [--export-bpf FILE] [--] PROGRAM [ARGS...]
 *
 * Runs PROGRAM in a nested user + PID + mount namespace with a private /proc,
 * under a seccomp filter (seccomp-filter.c): socket(AF_UNIX/AF_VSOCK) and
 * io_uring fail with EPERM; unless --allow-nested-userns, new user/mount
 * namespaces and every mount call are refused too; a foreign arch is killed.
 * --allow-unix-sockets drops the socket rule (srt's allowAllUnixSockets).
 * --export-bpf FILE ("-" = stdout) writes the exact BPF program that would be
 * loaded with the same flags and exits 0 (srt hashes it).
 * --bridge PORT:SOCKET (with --socat PATH): srt's network bridges.  First
 * thing, before any namespace work, the helper starts one socat per bridge
 * (TCP listener on PORT in this network namespace -> the Unix SOCKET of srt's
 * proxy), with no capabilities and its stdio on /dev/null, so the socats'
 * start (mostly dynamic linking) overlaps the helper's own setup; no shell
 * is involved.  Each bridge port is added to --wait-listen.
 * --wait-listen PORTS: the worker, filter loaded, waits until a TCP socket
 * listens on each PORT in its network namespace, at most --wait-timeout MS
 * (default 5000); then it warns and runs PROGRAM anyway (its network then
 * fails closed: nothing else listens there).
 * --pin-link PATH: make the symlink PATH a mount point of itself, so the
 * command cannot unlink, rename or replace it (srt passes the protected
 * names that are symlinks; their targets are read-only binds already).
 * --late-mounts DATA,READY: more read-only binds, masks, pins and links to
 * pin, which srt plans from ripgrep's findings while bwrap starts: init
 * waits for them (apply_late_mounts) and applies them from inside, next
 * to the link pins; nothing runs if srt does not complete the list.
 * --watch-fd FD: the read end of a pipe whose write end only the caller (srt)
 * holds.  A watcher process (start_watcher) kills the sandbox when it reads
 * EOF, i.e. when srt is gone, even SIGKILLed while bwrap was still starting
 * (bwrap sets --die-with-parent only after its clone).  The command never
 * inherits FD.
 *
 * Processes:
 *   stub   (caller's PID ns) forwards TERM/INT/HUP/QUIT/USR1/USR2 to PID 1 and
 *          exits with its status; it has to stay, since unshare(CLONE_NEWPID)
 *          only places the children in the new namespace.
 *   PID 1  mounts the private /proc, then drops into a fresh user + mount ns
 *          (so every mount, /proc included, is locked to its parent), turns
 *          non-dumpable (the command cannot ptrace it or read its memory),
 *          reaps every orphan, forwards signals and exits with the command's
 *          status, or 128+N when the command died of signal N.
 *   worker (PID 2) sets no-new-privs, loads the filter and execs PROGRAM.
 * Exit status: PROGRAM's; 1 when the sandbox cannot be set up (nothing runs
 * without isolation); 126/127 when PROGRAM cannot be executed; 2 usage.
 *
 * /proc and the bwrap flags it needs.  The kernel lets a user namespace mount
 * procfs only while an existing procfs mount in that mount namespace is fully
 * visible (fs/namespace.c mount_too_revealing): no locked mount may cover a
 * non-empty directory of it.  bwrap's `--proc` bind-mounts /proc/irq and
 * /proc/bus read-only over themselves whenever it may write them, which it may
 * when host uid 0 is mapped into its namespace, i.e. when srt runs as root.
 * Copied into our nested user namespace those covers become locked, so a
 * second procfs mount fails with EPERM and the original silently kept bwrap's
 * /proc (the command then saw bwrap's init and the socat bridges).  Hence:
 *   unprivileged caller: bwrap --unshare-user --unshare-pid --cap-drop ALL
 *                        --proc /proc   (no covers: the kernel's check passes)
 *   root caller:         the same plus --cap-add CAP_SETFCAP (to map uid 0 in
 *                        the nested user ns) and --cap-add CAP_SYS_ADMIN.
 * With CAP_SYS_ADMIN the stub makes the new mount + PID namespaces inside
 * bwrap's own user namespace, where bwrap's covers are not locked, so the
 * mount is allowed; PID 1 then enters the nested user namespace, and the stub
 * and PID 1 drop all capabilities (a uid-0 command keeps, as upstream, only
 * the nested namespace's); the socat bridges drop them all before exec.
 * Without CAP_SYS_ADMIN the stub first makes a user namespace of its own.
 * If /proc still cannot be mounted the helper refuses to run.
 * `--bind /proc /proc` (enableWeakerNestedSandbox) also works; `--disable-userns`
 * must not be given (the helper then refuses: it needs a nested user ns).
 *
 * Standalone: links only libseccomp and shares no header with srt's src/. */
#include "seccomp-filter.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/inet_diag.h>
#include <linux/keyctl.h>
#include <linux/mount.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_SETUP 1
#define EXIT_USAGE 2

static bool opt_debug;

#define MAX_WAIT_PORTS 8
#define TCP_STATE_LISTEN 10 /* TCP_LISTEN in the kernel's enum */

/* --wait-listen: the ports the worker waits for before exec. */
struct listen_wait {
	unsigned short ports[MAX_WAIT_PORTS];
	size_t n;
	long timeout_ms;
};

#define MAX_BRIDGES 4

/* --bridge: one socat from TCP port to Unix socket, per entry. */
struct bridges {
	const char *socat;
	unsigned short ports[MAX_BRIDGES];
	const char *sockets[MAX_BRIDGES];
	size_t n;
};

/* Signals passed down the chain stub -> PID 1 -> command. */
static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

/* What the caller gave us, restored in the worker before exec. */
static struct sigaction saved_actions[N_FORWARDED];
static sigset_t saved_mask;

/* One line on stderr with a single write(2): the helper's processes and the
 * command share that descriptor, and a line written in pieces would
 * interleave with theirs. */
static void emit_line(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s", prefix);

	if (n >= 0 && (size_t)n < sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s\n", suffix);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

__attribute__((format(printf, 1, 2))) static void debug(const char *fmt, ...)
{
	va_list ap;

	if (!opt_debug)
		return;
	va_start(ap, fmt);
	emit_line("apply-seccomp: debug: ", fmt, ap, "");
	va_end(ap);
}

/* Prints "apply-seccomp: <msg>: <strerror(errno)>" and exits.  _exit: the
 * resident processes must not run atexit handlers (LeakSanitizer would try to
 * ptrace a non-dumpable process and change the exit status). */
__attribute__((noreturn, format(printf, 1, 2))) static void die_errno(const char *fmt, ...)
{
	int saved = errno;
	char suffix[256];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(saved));
	va_start(ap, fmt);
	emit_line("apply-seccomp: ", fmt, ap, suffix);
	va_end(ap);
	_exit(EXIT_SETUP);
}

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_line("apply-seccomp: ", fmt, ap, "");
	va_end(ap);
	_exit(EXIT_SETUP);
}

__attribute__((noreturn)) static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: apply-seccomp [--allow-unix-sockets] [--allow-nested-userns] [--debug]\n"
		"                     [--socat PATH --bridge PORT:SOCKET ...]\n"
		"                     [--wait-listen PORT[,PORT...]] [--wait-timeout MS]\n"
		"                     [--pin-link PATH ...] [--late-mounts DATA,READY] [--watch-fd FD]\n"
		"                     [--export-bpf FILE] [--] PROGRAM [ARGS...]\n");
	exit(status);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes TEXT to the /proc file PATH, which must exist. */
static int write_proc_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = write_all(fd, text, strlen(text));
	if (r < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

static bool have_effective_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0, 0, 0 } };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* Empties the effective, permitted and inheritable sets (and the ambient set). */
static void drop_all_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0, 0, 0 } };

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die_errno("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
	if (syscall(SYS_capset, &hdr, data) < 0)
		die_errno("capset");
}

/* unshare(CLONE_NEWUSER) mapping our own uid and gid onto themselves (root:
 * "0 0 1", which needs CAP_SETFCAP in the parent namespace, Linux >= 5.12).
 * The maps are writable only while we are dumpable, which a mode-0111 binary
 * or an earlier PR_SET_DUMPABLE 0 would prevent. */
static void enter_user_ns(const char *who)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int was_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	char map[64];

	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		die_errno("%s: prctl(PR_SET_DUMPABLE)", who);
	if (unshare(CLONE_NEWUSER) < 0)
		die_errno("%s: unshare(CLONE_NEWUSER) (cannot create the nested user namespace; "
			  "refusing to run the command without isolation)", who);
	if (write_proc_file("/proc/self/setgroups", "deny") < 0)
		die_errno("%s: write /proc/self/setgroups", who);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_proc_file("/proc/self/uid_map", map) < 0)
		die_errno("%s: write /proc/self/uid_map \"%u %u 1\"%s", who, (unsigned)uid,
			  (unsigned)uid,
			  uid == 0 ? " (as root, run bwrap with --cap-add CAP_SETFCAP)" : "");
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (write_proc_file("/proc/self/gid_map", map) < 0)
		die_errno("%s: write /proc/self/gid_map", who);
	if (prctl(PR_SET_DUMPABLE, was_dumpable == 1, 0, 0, 0) < 0)
		die_errno("%s: prctl(PR_SET_DUMPABLE)", who);
	debug("%s: new user namespace, uid_map \"%u %u 1\"", who, (unsigned)uid, (unsigned)uid);
}

static void noop_handler(int sig)
{
	(void)sig;
}

/* Blocks the forwarded signals and SIGCHLD and gives them a handler, so a
 * PID-namespace init still receives them; the loops take them with sigwaitinfo. */
static void catch_signals(sigset_t *ret_set)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = noop_handler;
	sigemptyset(ret_set);
	sigaddset(ret_set, SIGCHLD);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaddset(ret_set, forwarded[i]);
	sigprocmask(SIG_BLOCK, ret_set, NULL);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
}

static int status_to_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_SETUP;
}

/* Forwards signals to CHILD and reaps every child until CHILD has exited;
 * returns CHILD's exit code (128+N for death by signal N). */
static int supervise(pid_t child, const sigset_t *set)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si);

		if (sig < 0)
			continue; /* EINTR */
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		for (;;) {
			int status;
			pid_t pid = waitpid(-1, &status, WNOHANG);

			if (pid <= 0)
				break;
			if (pid == child)
				return status_to_exit_code(status);
		}
	}
}

/* One sock_diag dump of FAMILY's listening TCP sockets (this network
 * namespace only); marks found[i] for each wanted port seen.  Only the
 * listening hash is walked (the kernel skips the established table when only
 * LISTEN is asked for), so a dump costs microseconds, where /proc/net/tcp
 * walks the whole established table on every read.  Returns 0 or -errno. */
static int diag_listeners(int fd, int family, const struct listen_wait *w, bool *found)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	long buf[2048];

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.req.sdiag_family = (unsigned char)family;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	msg.req.idiag_states = 1u << TCP_STATE_LISTEN;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		int len = (int)got;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			return -EPROTO;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return e->error ? e->error : -EPROTO;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || m->idiag_state != TCP_STATE_LISTEN)
				continue;
			for (size_t i = 0; i < w->n; i++)
				if (ntohs(m->id.idiag_sport) == w->ports[i])
					found[i] = true;
		}
	}
}

/* Fallback without sock_diag: LISTEN lines ("sl local rem st", state 0A) of
 * /proc/net/tcp{,6}.  Slow (see above), so only when netlink is refused. */
static void proc_listeners(const char *path, const struct listen_wait *w, bool *found)
{
	FILE *f = fopen(path, "re");
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char local[128];
		unsigned port, state;

		if (sscanf(line, " %*s %127s %*s %x", local, &state) != 2 || state != 0x0A)
			continue;
		if (!strchr(local, ':') || sscanf(strchr(local, ':') + 1, "%x", &port) != 1)
			continue;
		for (size_t i = 0; i < w->n; i++)
			if (port == w->ports[i])
				found[i] = true;
	}
	fclose(f);
}

/* Whether every port of W has a listener now.  A family the kernel does not
 * have (no IPv6) answers with an error and just finds nothing. */
static bool all_listening(int nl_fd, const struct listen_wait *w, const char **ret_how)
{
	bool found[MAX_WAIT_PORTS] = { false };
	int r4 = -EAFNOSUPPORT, r6 = -EAFNOSUPPORT;

	if (nl_fd >= 0) {
		r4 = diag_listeners(nl_fd, AF_INET, w, found);
		r6 = diag_listeners(nl_fd, AF_INET6, w, found);
	}
	*ret_how = "sock_diag";
	if (r4 < 0 && r6 < 0) {
		*ret_how = "/proc/net/tcp{,6}";
		proc_listeners("/proc/net/tcp", w, found);
		proc_listeners("/proc/net/tcp6", w, found);
	}
	for (size_t i = 0; i < w->n; i++)
		if (!found[i])
			return false;
	return true;
}

static long elapsed_us(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000000L + (now.tv_nsec - t0->tv_nsec) / 1000;
}

/* Sleeps 200 us between checks (no busy loop); after the timeout, warns and
 * returns: the command then runs without working bridges, whose absence only
 * makes its network calls fail. */
static void wait_for_listeners(const struct listen_wait *w)
{
	const struct timespec pause = { 0, 200 * 1000 };
	struct timespec t0;
	const char *how = "";
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	long us;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!all_listening(fd, w, &how)) {
		if (elapsed_us(&t0) > w->timeout_ms * 1000L) {
			char ports[8 * MAX_WAIT_PORTS] = "";
			for (size_t i = 0; i < w->n; i++)
				snprintf(ports + strlen(ports), sizeof(ports) - strlen(ports), "%s%u",
					 i ? "," : "", (unsigned)w->ports[i]);
			fprintf(stderr, "apply-seccomp: warning: nothing listens on TCP port(s) %s after %ld ms "
				"(the sandbox's network bridge did not start); running the command anyway, "
				"its network connections will fail\n", ports, w->timeout_ms);
			break;
		}
		nanosleep(&pause, NULL);
	}
	us = elapsed_us(&t0);
	if (fd >= 0)
		close(fd);
	debug("worker: waited %ld us for the listeners (%s)", us, how);
}

/* After a failed join: true when no keyctl works here at all (no keyrings
 * in the kernel, or a container's seccomp profile refusing keyctl, as
 * Docker's default does), so the command cannot reach the caller's keys
 * either and may run. */
static bool keyrings_unreachable(void)
{
	if (errno == ENOSYS)
		return true;
	return errno == EPERM && syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) < 0 &&
	       (errno == EPERM || errno == ENOSYS);
}

/* The command: restore what the caller gave us, lock the process down, exec. */
__attribute__((noreturn)) static void run_worker(char **argv, const struct sock_fprog *prog,
						 const struct listen_wait *wait)
{
	for (size_t i = 0; i < N_FORWARDED; i++) {
		struct sigaction sa = saved_actions[i];
		if (sa.sa_handler != SIG_IGN)
			sa.sa_handler = SIG_DFL;
		sigaction(forwarded[i], &sa, NULL);
	}
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);

	unsetenv("SRT_OBSERVE_SOCK");
	unsetenv("SRT_ENCODED_CMD");
	unsetenv("SRT_ALLOW_NESTED_USERNS");
	unsetenv("SRT_HELPER_FEATURES");

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die_errno("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
	/* A session keyring of its own: keyrings are not namespaced, and
	 * possessing the caller's (Kerberos tickets, tokens stored with
	 * keyctl) would let the command read and replace its keys. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && !keyrings_unreachable())
		die_errno("keyctl(KEYCTL_JOIN_SESSION_KEYRING)");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_errno("prctl(PR_SET_NO_NEW_PRIVS)");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0) < 0)
		die_errno("prctl(PR_SET_SECCOMP)");
	if (wait->n)
		wait_for_listeners(wait);
	execvp(argv[0], argv);
	fprintf(stderr, "apply-seccomp: execvp %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* A fresh procfs lacks the read-only covers bwrap's --proc puts over
 * /proc/sys, /proc/sysrq-trigger, /proc/irq and /proc/bus.  Sysctl writes
 * are checked against the writer's global uid only (no capability), so a
 * uid-0 command (srt run as root) could otherwise set host-wide sysctls
 * (kernel.core_pattern: code execution as root on the next crash; the host
 * UTS domain name; vm.drop_caches) and IRQ affinities.  Bound read-only
 * over themselves here, in bwrap's user namespace, they are locked once
 * init enters its own.  Only for euid 0: an unprivileged command cannot
 * write them anyway, and the covers would stop a nested sandbox
 * (allowNestedUserNamespaces) from mounting its own procfs. */
static void cover_proc(void)
{
	static const char *const covers[] = { "/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus" };

	if (geteuid() != 0)
		return;
	for (size_t i = 0; i < sizeof(covers) / sizeof(covers[0]); i++) {
		if (access(covers[i], F_OK) < 0)
			continue;
		if (mount(covers[i], covers[i], NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, covers[i], NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			die_errno("init: cannot make %s read-only, refusing to run", covers[i]);
	}
	debug("init: /proc/sys and friends read-only");
}

/* user.max_user_namespaces = 0 for init's own user namespace (the sysctl
 * is per namespace and looked up by the caller's), through /proc/sys/user
 * opened before the covers. */
static int limit_user_namespaces(int sys_user)
{
	int fd, saved;

	if (sys_user < 0)
		return write_proc_file("/proc/sys/user/max_user_namespaces", "0");
	fd = openat(sys_user, "max_user_namespaces", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write_all(fd, "0", 1) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/* --pin-link: symlinks to make mount points of, so they cannot be unlinked
 * or renamed over (EBUSY), as srt's read-only binds do for files and
 * directories.  bwrap cannot mount on a symlink (its mount(2) follows
 * it); open_tree + move_mount on O_PATH|O_NOFOLLOW descriptors can. */
#define MAX_PIN_LINKS 1024
static const char *pin_links[MAX_PIN_LINKS];
static size_t n_pin_links;

/* Bind each link over itself, in init's mount namespace before it enters
 * its own user namespace (so the binds are locked).  A link that is gone
 * (ENOENT) or no longer a link is skipped; any other failure refuses to
 * run: the link could be replaced inside. */
static void pin_symlinks(void)
{
	for (size_t i = 0; i < n_pin_links; i++) {
		int dst = open(pin_links[i], O_PATH | O_NOFOLLOW | O_CLOEXEC), src = -1;
		struct stat st;

		if (dst < 0 || fstat(dst, &st) < 0 || !S_ISLNK(st.st_mode)) {
			if (dst < 0 && errno != ENOENT)
				die_errno("cannot open the symlink %s to pin it, refusing to run with it "
					  "replaceable", pin_links[i]);
			debug("init: %s is not a symlink now, not pinned", pin_links[i]);
			if (dst >= 0)
				close(dst);
			continue;
		}
		src = (int)syscall(SYS_open_tree, dst, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (src < 0 || syscall(SYS_move_mount, src, "", dst, "",
				       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
			if (errno != ENOENT)
				die_errno("cannot pin the symlink %s (a mount of itself), refusing to run with "
					  "it replaceable", pin_links[i]);
			debug("init: symlink %s gone, not pinned", pin_links[i]);
		} else {
			debug("init: symlink %s pinned", pin_links[i]);
		}
		if (src >= 0)
			close(src);
		close(dst);
	}
}

/* --late-mounts DATA,READY: the mounts srt plans from ripgrep's findings,
 * which it learns only after bwrap started (ripgrep ran meanwhile).  srt
 * writes the records (src/mounts.h, fs_plan_helper_mounts) into the memfd
 * DATA, seals it, then writes one byte to the pipe READY.  EOF on READY
 * first means srt gave up or died: nothing runs. */
static int late_data_fd = -1, late_ready_fd = -1;

#define MAX_LATE_BYTES (64u << 20)

/* A recursive copy of what the sandbox sees at FROM (bwrap's mounts below
 * it come along), nosuid and nodev as bwrap's binds (so /dev/null bound
 * onto a file cannot even be opened), read-only unless a pin, mounted onto
 * PATH. */
static void bind_onto(const char *from, const char *path, bool read_only)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (read_only ? MOUNT_ATTR_RDONLY : 0),
	};
	int src = (int)syscall(SYS_open_tree, AT_FDCWD, from,
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW);

	if (src < 0)
		die_errno("init: cannot copy the mount at %s to protect %s, refusing to run", from, path);
	if (syscall(SYS_mount_setattr, src, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		die_errno("init: cannot set the mount flags for %s, refusing to run%s", path,
			  errno == ENOSYS ? " (mount_setattr needs Linux 5.12; srt gives such a kernel's "
					"mounts to bwrap)" : "");
	if (syscall(SYS_move_mount, src, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		die_errno("init: cannot mount over %s to protect it, refusing to run", path);
	close(src);
}

/* Waits for srt's go, then reads the sealed records. */
static char *read_late_mounts(size_t *ret_len)
{
	struct stat st;
	char byte, *buf;
	ssize_t n;
	int seals;

	do
		n = read(late_ready_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		die("init: srt did not complete the filesystem plan, refusing to run");
	close(late_ready_fd);
	seals = fcntl(late_data_fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_WRITE) || fstat(late_data_fd, &st) < 0 || st.st_size < 2 ||
	    (size_t)st.st_size > MAX_LATE_BYTES)
		die("init: --late-mounts: not a sealed list of mounts, refusing to run");
	buf = malloc((size_t)st.st_size);
	if (!buf || pread(late_data_fd, buf, (size_t)st.st_size, 0) != st.st_size)
		die_errno("init: --late-mounts: read");
	close(late_data_fd);
	*ret_len = (size_t)st.st_size;
	return buf;
}

/* In init's mount namespace, before it enters its own user namespace (so
 * these mounts are locked like bwrap's): every record, in order; links
 * join --pin-link's.  Any failure refuses to run. */
static void apply_late_mounts(void)
{
	size_t len, n_mounts = 0;
	char *buf;

	if (late_ready_fd < 0)
		return;
	buf = read_late_mounts(&len);
	if (buf[len - 1] != '\0' || buf[len - 2] != '.' || (len > 2 && buf[len - 3] != '\0'))
		die("init: --late-mounts: the list is incomplete, refusing to run");
	for (size_t i = 0; i < len;) {
		char kind = buf[i];
		const char *path = buf + i + 1;

		i += strlen(path) + 2;
		if (kind == '.')
			break;
		if (path[0] != '/')
			die("init: --late-mounts: a record without an absolute path, refusing to run");
		switch (kind) {
		case 'r':
			bind_onto(path, path, true);
			break;
		case 'b':
			bind_onto(path, path, false);
			break;
		case 'm':
			bind_onto("/dev/null", path, true);
			break;
		case 'l':
			if (n_pin_links == MAX_PIN_LINKS)
				die("init: more than %d symlinks to pin, refusing to run", MAX_PIN_LINKS);
			pin_links[n_pin_links++] = path; /* buf lives on: init execs or exits */
			continue;
		default:
			die("init: --late-mounts: unknown record '%c', refusing to run", kind);
		}
		n_mounts++;
	}
	/* The working directory bwrap chose sits below any mount made on it
	 * or above it since: look it up again, through them. */
	if (n_mounts > 0) {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
			die("init: cannot tell the working directory to enter it again after the mounts, "
			    "refusing to run");
		if (chdir(cwd) < 0)
			die_errno("init: cannot enter %s again after its mounts, refusing to run", cwd);
	}
	debug("init: %zu write protections and pins mounted", n_mounts);
}

/* PID 1 of the new PID namespace. */
__attribute__((noreturn)) static void run_init(char **argv, const struct sock_fprog *prog,
					       unsigned flags, const struct listen_wait *wait,
					       int stub_alive_fd)
{
	struct pollfd pfd = { .fd = stub_alive_fd, .events = POLLIN };
	char self[32];
	ssize_t n;
	sigset_t set;
	pid_t worker;
	int sys_user;

	/* Die with the stub (it holds the write end of the pipe). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die_errno("prctl(PR_SET_PDEATHSIG)");
	if (poll(&pfd, 1, 0) > 0)
		_exit(EXIT_SETUP);
	close(stub_alive_fd);

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die_errno("mount(/, MS_REC|MS_PRIVATE)");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die_errno("cannot mount a private /proc for the command's PID namespace, refusing "
			  "to run it where it could see the processes outside (as root, run bwrap "
			  "with --cap-add CAP_SYS_ADMIN; see apply-seccomp.c)");
	n = readlink("/proc/self", self, sizeof(self) - 1);
	if (n < 0 || (self[n] = '\0', strcmp(self, "1") != 0))
		die("/proc does not show the new PID namespace, refusing to run");
	debug("init: private /proc mounted");
	/* The per-user-namespace limit below is written after the covers,
	 * through a directory opened before them. */
	sys_user = open("/proc/sys/user", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cover_proc();
	apply_late_mounts();
	pin_symlinks();

	/* A user namespace of our own, and a mount namespace owned by it: every
	 * mount is now locked to its parent, so nothing can be unmounted to
	 * uncover bwrap's /proc, the covers or a denied path. */
	enter_user_ns("init");
	if (unshare(CLONE_NEWNS) < 0)
		die_errno("init: unshare(CLONE_NEWNS)");
	if (!(flags & FILTER_ALLOW_NESTED_USERNS) && limit_user_namespaces(sys_user) < 0)
		debug("init: cannot limit max_user_namespaces: %s", strerror(errno));
	if (sys_user >= 0)
		close(sys_user);

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die_errno("prctl(PR_SET_DUMPABLE, 0)");

	catch_signals(&set);
	worker = fork();
	if (worker < 0)
		die_errno("fork");
	if (worker == 0)
		run_worker(argv, prog, wait);
	/* The worker keeps the nested namespace's capabilities, which a uid-0
	 * command retains across exec (as upstream); PID 1 keeps none. */
	drop_all_caps();
	debug("init: command is pid %d", (int)worker);
	_exit(supervise(worker, &set));
}

/* The watcher of --watch-fd: a child of the stub, in bwrap's namespaces (so
 * forked before the stub makes its own).  It blocks reading FD; EOF (or an
 * error) means srt has exited, which in a normal run happens only after the
 * sandbox is gone, this process included.  It then kills its process group:
 * bwrap --new-session made its PID-namespace init (PID 1 here) a session and
 * group leader, and this stub, its socat bridges and the watcher belong to
 * that group; the command's PID 1 dies with the stub (PR_SET_PDEATHSIG), and
 * with it the command's whole PID namespace; bwrap's init, left without
 * children, exits.  Outside such a session (the group's leader is not PID 1
 * of this namespace) only the stub is killed: never a group of the caller's. */
static void start_watcher(int fd)
{
	pid_t stub = getpid(), pid;
	int null_fd;
	char byte;
	ssize_t n;

	if (fcntl(fd, F_GETFD) < 0)
		die_errno("--watch-fd %d", fd);
	pid = fork();
	if (pid < 0)
		die_errno("fork (watcher)");
	if (pid > 0) {
		close(fd);
		return;
	}
	null_fd = open("/dev/null", O_RDWR);
	for (int i = 0; i < 3 && null_fd >= 0; i++)
		if (i != fd)
			dup2(null_fd, i);
	for (int i = 3; i < 1024; i++) /* nothing of the sandbox's stays open here */
		if (i != fd)
			close(i);
	for (size_t i = 0; i < N_FORWARDED; i++)
		signal(forwarded[i], SIG_IGN);
	while ((n = read(fd, &byte, 1)) > 0 || (n < 0 && errno == EINTR))
		;
	kill(getsid(0) == 1 && getpgrp() == 1 ? 0 : stub, SIGKILL);
	_exit(0);
}

/* A decimal in [min, max], nothing else. */
static int parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

/* "DATA,READY" -> two open descriptors, made close-on-exec (no socat and
 * no command inherits them). */
static int parse_fd_pair(const char *s, int *ret_a, int *ret_b)
{
	char buf[32], *comma;
	long a, b;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	comma = strchr(buf, ',');
	if (!comma)
		return -1;
	*comma = '\0';
	if (parse_long(buf, 0, INT_MAX, &a) < 0 || parse_long(comma + 1, 0, INT_MAX, &b) < 0 || a == b ||
	    fcntl((int)a, F_SETFD, FD_CLOEXEC) < 0 || fcntl((int)b, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	*ret_a = (int)a;
	*ret_b = (int)b;
	return 0;
}

/* "3128,1080" -> ports. */
static int parse_ports(const char *s, struct listen_wait *w)
{
	char buf[64], *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	w->n = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long port;

		if (w->n == MAX_WAIT_PORTS || parse_long(tok, 1, 65535, &port) < 0)
			return -1;
		w->ports[w->n++] = (unsigned short)port;
	}
	return w->n ? 0 : -1;
}

/* "3128:/run/user/1000/srt/srt-net-x/http.sock" -> one more bridge.  The
 * socket path goes into a socat address, so only plain characters. */
static int parse_bridge(const char *s, struct bridges *b)
{
	const char *colon = strchr(s, ':');
	char port[8];
	long n;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(port) || b->n == MAX_BRIDGES)
		return -1;
	memcpy(port, s, (size_t)(colon - s));
	port[colon - s] = '\0';
	if (parse_long(port, 1, 65535, &n) < 0 || colon[1] != '/' ||
	    strspn(colon + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-") !=
		    strlen(colon + 1))
		return -1;
	b->ports[b->n] = (unsigned short)n;
	b->sockets[b->n++] = colon + 1;
	return 0;
}

/* Dual-stack listener where the kernel has IPv6, else IPv4 on loopback. */
static bool have_ipv6(void)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6 };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), off = 0;
	bool ok;

	if (fd < 0)
		return false;
	/* What socat will do: a dual-stack bind (the kernel may refuse it,
	 * e.g. with IPv6 disabled on every interface). */
	ok = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0 &&
	     bind(fd, (struct sockaddr *)&any, sizeof(any)) == 0;
	close(fd);
	return ok;
}

/* Child of a bridge: no capabilities, stdio on /dev/null, exec socat.  An
 * exec failure is reported on the caller's stderr (kept aside, close-on-exec);
 * socat's own messages would only interleave with the command's output. */
__attribute__((noreturn)) static void exec_bridge(const char *socat, char *listen, char *connect)
{
	char *argv[] = { (char *)socat, "-b", "262144", listen, connect, NULL };
	int err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(127);
	drop_all_caps();
	execv(socat, argv);
	if (err >= 0)
		dprintf(err, "apply-seccomp: cannot start the network bridge %s: %s\n", socat, strerror(errno));
	_exit(127);
}

/* Starts every bridge; the stub reaps them (they outlive nothing: bwrap's
 * PID namespace ends with the command). */
static void start_bridges(const struct bridges *b)
{
	bool v6 = b->n && have_ipv6();

	for (size_t i = 0; i < b->n; i++) {
		char listen[96], connect[PATH_MAX + 16];
		pid_t pid;

		if (v6)
			snprintf(listen, sizeof(listen),
				 "TCP6-LISTEN:%u,ipv6only=0,reuseaddr,fork,backlog=4096", (unsigned)b->ports[i]);
		else
			snprintf(listen, sizeof(listen),
				 "TCP4-LISTEN:%u,bind=127.0.0.1,reuseaddr,fork,backlog=4096", (unsigned)b->ports[i]);
		snprintf(connect, sizeof(connect), "UNIX-CONNECT:%s", b->sockets[i]);
		pid = fork();
		if (pid < 0)
			die_errno("fork (network bridge)");
		if (pid == 0)
			exec_bridge(b->socat, listen, connect);
		debug("bridge: %s %s -> %s (pid %d)", b->socat, listen, connect, (int)pid);
	}
}

/* Every bridge port joins the ports the worker waits for. */
static int add_bridge_waits(const struct bridges *b, struct listen_wait *w)
{
	for (size_t i = 0; i < b->n; i++) {
		bool known = false;

		for (size_t j = 0; j < w->n; j++)
			known |= w->ports[j] == b->ports[i];
		if (known)
			continue;
		if (w->n == MAX_WAIT_PORTS)
			return -1;
		w->ports[w->n++] = b->ports[i];
	}
	return 0;
}

static int export_bpf(const char *path, const void *bpf, size_t len)
{
	int fd = strcmp(path, "-") == 0 ? STDOUT_FILENO
					: open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write_all(fd, bpf, len) < 0 || (fd != STDOUT_FILENO && close(fd) < 0)) {
		fprintf(stderr, "apply-seccomp: %s: %s\n", path, strerror(errno));
		return EXIT_SETUP;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "allow-unix-sockets", no_argument, NULL, 'u' },
		{ "allow-nested-userns", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "export-bpf", required_argument, NULL, 'e' },
		{ "wait-listen", required_argument, NULL, 'w' },
		{ "wait-timeout", required_argument, NULL, 't' },
		{ "socat", required_argument, NULL, 's' },
		{ "bridge", required_argument, NULL, 'b' },
		{ "pin-link", required_argument, NULL, 'l' },
		{ "watch-fd", required_argument, NULL, 'W' },
		{ "late-mounts", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *export_path = NULL;
	struct listen_wait wait = { .timeout_ms = 5000 };
	struct bridges bridges = { 0 };
	bool have_wait = false, have_timeout = false;
	unsigned flags = 0;
	const char *what;
	struct sock_fprog prog;
	void *bpf = NULL;
	size_t len = 0;
	int alive[2];
	sigset_t set;
	pid_t init;
	long watch_fd = -1;
	int c, r;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			flags |= FILTER_ALLOW_UNIX_SOCKETS;
			break;
		case 'n':
			flags |= FILTER_ALLOW_NESTED_USERNS;
			break;
		case 'd':
			opt_debug = true;
			break;
		case 'e':
			if (export_path) {
				fprintf(stderr, "apply-seccomp: --export-bpf used multiple times\n");
				usage(EXIT_USAGE);
			}
			export_path = optarg;
			break;
		case 'w':
			if (have_wait || parse_ports(optarg, &wait) < 0) {
				fprintf(stderr, "apply-seccomp: --wait-listen %s: %s\n", optarg,
					have_wait ? "used multiple times" : "expected PORT[,PORT...] (1-65535, at most 8)");
				usage(EXIT_USAGE);
			}
			have_wait = true;
			break;
		case 't':
			if (have_timeout || parse_long(optarg, 0, 3600 * 1000, &wait.timeout_ms) < 0) {
				fprintf(stderr, "apply-seccomp: --wait-timeout %s: %s\n", optarg,
					have_timeout ? "used multiple times" : "expected milliseconds (0-3600000)");
				usage(EXIT_USAGE);
			}
			have_timeout = true;
			break;
		case 's':
			if (bridges.socat || optarg[0] != '/') {
				fprintf(stderr, "apply-seccomp: --socat %s: %s\n", optarg,
					bridges.socat ? "used multiple times" : "expected an absolute path");
				usage(EXIT_USAGE);
			}
			bridges.socat = optarg;
			break;
		case 'b':
			if (parse_bridge(optarg, &bridges) < 0) {
				fprintf(stderr, "apply-seccomp: --bridge %s: expected PORT:/SOCKET (at most %d, "
					"plain path characters)\n", optarg, MAX_BRIDGES);
				usage(EXIT_USAGE);
			}
			break;
		case 'l':
			if (n_pin_links == MAX_PIN_LINKS || optarg[0] != '/') {
				fprintf(stderr, "apply-seccomp: --pin-link %s: %s\n", optarg,
					optarg[0] != '/' ? "expected an absolute path" : "too many");
				usage(EXIT_USAGE);
			}
			pin_links[n_pin_links++] = optarg;
			break;
		case 'W':
			if (watch_fd >= 0 || parse_long(optarg, 0, INT_MAX, &watch_fd) < 0) {
				fprintf(stderr, "apply-seccomp: --watch-fd %s: %s\n", optarg,
					watch_fd >= 0 ? "used multiple times" : "expected a descriptor number");
				usage(EXIT_USAGE);
			}
			break;
		case 'L':
			if (late_ready_fd >= 0 || parse_fd_pair(optarg, &late_data_fd, &late_ready_fd) < 0) {
				fprintf(stderr, "apply-seccomp: --late-mounts %s: %s\n", optarg,
					late_ready_fd >= 0 ? "used multiple times"
							   : "expected DATA,READY (two open descriptors)");
				usage(EXIT_USAGE);
			}
			break;
		case 'h':
			usage(0);
		default:
			usage(EXIT_USAGE);
		}
	}
	if (!export_path && optind >= argc)
		usage(EXIT_USAGE);
	argv += optind;
	if (!bridges.socat != !bridges.n) {
		fprintf(stderr, "apply-seccomp: --socat and --bridge go together\n");
		usage(EXIT_USAGE);
	}
	if (add_bridge_waits(&bridges, &wait) < 0) {
		fprintf(stderr, "apply-seccomp: more than %d ports to wait for\n", MAX_WAIT_PORTS);
		usage(EXIT_USAGE);
	}

	if (export_path && bridges.n)
		usage(EXIT_USAGE);
	/* First, so the socats load while we build the filter and namespaces. */
	if (watch_fd >= 0 && !export_path)
		start_watcher((int)watch_fd);
	start_bridges(&bridges);

	r = filter_build(seccomp_arch_native(), flags, &bpf, &len, &what);
	if (r == -EAFNOSUPPORT)
		die("unsupported architecture (only x86_64 and aarch64 are filtered)");
	if (r < 0) {
		errno = -r;
		die_errno("building the seccomp filter: %s", what);
	}
	if (flags & FILTER_ALLOW_UNIX_SOCKETS)
		debug("allowAllUnixSockets: socket(AF_UNIX/AF_VSOCK) is not blocked");
	if (flags & FILTER_ALLOW_NESTED_USERNS)
		debug("allowNestedUserNamespaces: namespace and mount calls are not blocked");
	debug("filter: %zu instructions", len / sizeof(struct sock_filter));
	if (export_path) {
		int status = export_bpf(export_path, bpf, len);
		free(bpf); /* LeakSanitizer builds would otherwise fail the export */
		return status;
	}
	prog.len = (unsigned short)(len / sizeof(struct sock_filter));
	prog.filter = bpf;

	sigprocmask(SIG_SETMASK, NULL, &saved_mask);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], NULL, &saved_actions[i]);

	/* See the top of the file for why CAP_SYS_ADMIN changes the order. */
	if (have_effective_cap(CAP_SYS_ADMIN))
		debug("stub: CAP_SYS_ADMIN: namespaces made in the caller's user namespace");
	else
		enter_user_ns("stub");
	if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0)
		die_errno("unshare(CLONE_NEWPID|CLONE_NEWNS) (refusing to run the command without "
			  "isolation)");

	if (pipe2(alive, O_CLOEXEC) < 0)
		die_errno("pipe2");
	catch_signals(&set);
	init = fork();
	if (init < 0)
		die_errno("fork");
	if (init == 0) {
		close(alive[1]);
		run_init(argv, &prog, flags, &wait, alive[0]);
	}
	close(alive[0]);
	free(bpf);
	drop_all_caps();
	_exit(supervise(init, &set));
}
