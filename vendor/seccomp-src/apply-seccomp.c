/* apply-seccomp: the last link of srt's chain inside bwrap.
 *
 *   apply-seccomp [--allow-unix-sockets] [--allow-nested-userns] [--debug]
 *                 [--proxy-listeners FD:PORT[,PORT...]]
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
 * --proxy-listeners FD:PORTS: the very first thing, the helper makes a TCP
 * listener on each PORT in this network namespace (dual-stack where IPv6
 * works, else 127.0.0.1), sends them to srt over the socket FD in one
 * SCM_RIGHTS message and closes its copies and FD: srt's proxies accept the
 * sandbox's connections on them directly, and since they listen before
 * anything else runs, the command never waits for them.
 * --bridge PORT:SOCKET (with --socat PATH): srt's network bridges (only for
 * an external proxy port now).  First
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
 * Standalone: links only libseccomp and shares no header with srt's src/.
 * This file: options, the stub, PID 1 and the worker; bridges.c the socat
 * bridges and the wait for their listeners; init-mounts.c what init mounts
 * before it locks the mounts; helper.c messages and small utilities. */
#include "bridges.h"
#include "helper.h"
#include "init-mounts.h"
#include "seccomp-filter.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals passed down the chain stub -> PID 1 -> command. */
static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

/* What the caller gave us, restored in the worker before exec. */
static struct sigaction saved_actions[N_FORWARDED];
static sigset_t saved_mask;

__attribute__((noreturn)) static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: apply-seccomp [--allow-unix-sockets] [--allow-nested-userns] [--debug]\n"
		"                     [--proxy-listeners FD:PORT[,PORT...]]\n"
		"                     [--socat PATH --bridge PORT:SOCKET ...]\n"
		"                     [--wait-listen PORT[,PORT...]] [--wait-timeout MS]\n"
		"                     [--pin-link PATH ...] [--late-mounts DATA,READY] [--watch-fd FD]\n"
		"                     [--export-bpf FILE] [--] PROGRAM [ARGS...]\n");
	exit(status);
}

static bool have_effective_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0, 0, 0 } };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
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
		{ "proxy-listeners", required_argument, NULL, 'P' },
		{ "pin-link", required_argument, NULL, 'l' },
		{ "watch-fd", required_argument, NULL, 'W' },
		{ "late-mounts", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *export_path = NULL;
	struct listen_wait wait = { .timeout_ms = 5000 };
	struct bridges bridges = { 0 };
	struct proxy_listeners listeners = { .fd = -1 };
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
		case 'P':
			if (parse_proxy_listeners(optarg, &listeners) < 0) {
				fprintf(stderr, "apply-seccomp: --proxy-listeners %s: %s\n", optarg,
					listeners.fd >= 0 ? "used multiple times"
							  : "expected FD:PORT[,PORT...] (at most 4 ports)");
				usage(EXIT_USAGE);
			}
			break;
		case 'l':
			if (optarg[0] != '/' || pin_link_add(optarg) < 0) {
				fprintf(stderr, "apply-seccomp: --pin-link %s: %s\n", optarg,
					optarg[0] != '/' ? "expected an absolute path" : "too many");
				usage(EXIT_USAGE);
			}
			break;
		case 'W':
			if (watch_fd >= 0 || parse_long(optarg, 0, INT_MAX, &watch_fd) < 0) {
				fprintf(stderr, "apply-seccomp: --watch-fd %s: %s\n", optarg,
					watch_fd >= 0 ? "used multiple times" : "expected a descriptor number");
				usage(EXIT_USAGE);
			}
			break;
		case 'L':
			if (late_mounts_given() || late_mounts_set(optarg) < 0) {
				fprintf(stderr, "apply-seccomp: --late-mounts %s: %s\n", optarg,
					late_mounts_given() ? "used multiple times"
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

	if (export_path && (bridges.n || listeners.n))
		usage(EXIT_USAGE);
	/* Before any fork, so no other process here ever holds them; the
	 * socats next, so they load while we build the filter and namespaces. */
	send_proxy_listeners(&listeners);
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

