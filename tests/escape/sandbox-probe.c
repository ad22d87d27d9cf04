/* Escape attempts that need raw system calls, run inside srt by
 * tests/escape/sandbox-*.sh (and a few on the host to prepare them).
 *
 *   sandbox-probe CHECK [ARGS...]
 *
 * Prints one line "CHECK=OK" when the attempt worked, "CHECK=<ERRNO>" (EPERM,
 * EACCES, ...) when the kernel refused it, or "CHECK=SIG<N>" when the
 * attempt killed the process; exits 0 only when the attempt worked, so a
 * test asserting that an escape fails asserts a nonzero status and reads
 * the line for why.
 *
 * Checks (PATH, PID and FD are arguments):
 *   socket-unix socket-vsock      socket(AF_UNIX / AF_VSOCK, SOCK_STREAM)
 *   socketpair-dgram socketpair-seqpacket socketpair-stream
 *   connect-unix PATH             socket(AF_UNIX) + connect to PATH
 *   io-uring                      io_uring_setup; on success also
 *                                 IORING_OP_SOCKET(AF_UNIX) through the ring
 *   io-uring-register             io_uring_register(-1): EPERM = filtered
 *   int80-socket                  socketcall(SOCKET, AF_UNIX) through the
 *                                 32-bit int 0x80 ABI (a foreign arch)
 *   x32-socket                    socket(AF_UNIX) through the x32 ABI
 *   ptrace-attach PID  ptrace-seize PID  vm-read PID  mem-read PID
 *   pidfd-getfd PID               steal PID's fd 0 with pidfd_getfd
 *   kill PID                      kill(PID, 0)
 *   mount-tmpfs DIR  umount DIR  remount-rw DIR  bind-rw SRC DST
 *   pivot-root DIR  unshare-user unshare-mnt clone-newuser
 *   setns PATH  open-tree PATH  fsopen
 *   tiocsti FD                    push "id\n" into the terminal on FD
 *   steal-tty FD                  setsid + TIOCSCTTY on FD, then TIOCSTI
 *   reopen-rw PATH                open O_RDONLY, reopen /proc/self/fd/N O_RDWR
 *   opath-read PATH               open O_PATH, reopen /proc/self/fd/N to read
 *   openat2-read PATH             openat2(RESOLVE_NO_SYMLINKS) and read
 *   handle-of PATH                (host) print PATH's file handle as hex
 *   handle-read MOUNTPATH HEX     open_by_handle_at and read
 *   mknod-blk PATH MAJ MIN        mknod a block device and read it
 *   rename A B  exchange A B      renameat2 (no copy fallback, unlike mv);
 *                                 exchange = RENAME_EXCHANGE
 *   link A B  unlink A  rmdir A   the raw calls
 *   setxattr PATH  chown PATH     user.srt=1 / chown to 65534
 *   key-session DESC SECRET CMD...  (host) join a new session keyring, add
 *                                 a "user" key DESC=SECRET to it, exec CMD
 *   key-read DESC                 find key DESC in the session keyring (or
 *                                 by its id in /proc/keys) and read it
 *   write-fds LINE                write LINE to every open fd >= 3; prints
 *                                 "write-fds=OK <fds>" if any took it */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static const char *check;

static int result(long r)
{
	if (r >= 0) {
		printf("%s=OK\n", check);
		return 0;
	}
	printf("%s=%s\n", check, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	return 1;
}

static long sock_then_close(int domain, int type)
{
	long fd = syscall(SYS_socket, domain, type, 0);
	if (fd >= 0)
		close((int)fd);
	return fd;
}

static long pair(int type)
{
	int sv[2];
	long r = syscall(SYS_socketpair, AF_UNIX, type, 0, sv);
	if (r == 0) {
		close(sv[0]);
		close(sv[1]);
	}
	return r;
}

static long connect_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	long fd = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	return connect((int)fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* io_uring_setup, and if the kernel hands out a ring, a real
 * IORING_OP_SOCKET(AF_UNIX) submitted through it: success of either is an
 * escape of the socket rule. */
static long uring(void)
{
	struct io_uring_params p;
	long fd;

	memset(&p, 0, sizeof(p));
	fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0)
		return -1;
#ifdef IORING_OP_SOCKET
	{
		size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
		size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
		char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, IORING_OFF_SQ_RING);
		char *cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, IORING_OFF_CQ_RING);
		struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
						 MAP_SHARED, (int)fd, IORING_OFF_SQES);
		unsigned *tail, *array;
		struct io_uring_cqe *cqe;

		if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
			printf("# ring set up but not mappable\n");
			return 0;
		}
		memset(&sqes[0], 0, sizeof(sqes[0]));
		sqes[0].opcode = IORING_OP_SOCKET;
		sqes[0].fd = AF_UNIX;
		sqes[0].off = SOCK_STREAM;
		tail = (unsigned *)(sq + p.sq_off.tail);
		array = (unsigned *)(sq + p.sq_off.array);
		array[*tail & *(unsigned *)(sq + p.sq_off.ring_mask)] = 0;
		__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
		if (syscall(__NR_io_uring_enter, (int)fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
			printf("# io_uring_enter: %s\n", strerror(errno));
			return 0;
		}
		cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
		printf("# IORING_OP_SOCKET(AF_UNIX) gave %d\n", cqe[0].res);
	}
#endif
	return 0;
}

/* socketcall(SYS_SOCKET, {AF_UNIX, SOCK_STREAM, 0}) by the i386 ABI, in a
 * child: a foreign-arch call must kill it (or at least fail). */
static int int80_socket(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return result(-1);
	if (pid == 0) {
		static unsigned int args[3] = { AF_UNIX, SOCK_STREAM, 0 };
		long ret;
		/* The 32-bit ABI takes a 32-bit pointer: map a page below 4 GiB. */
		unsigned int *low = mmap((void *)0x10000000, 4096, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (low == MAP_FAILED)
			_exit(3);
		memcpy(low, args, sizeof(args));
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(102), "b"(1), "c"(low) : "memory");
		_exit(ret >= 0 ? 0 : 2);
	}
	if (waitpid(pid, &st, 0) < 0)
		return result(-1);
	if (WIFSIGNALED(st)) {
		printf("%s=SIG%d\n", check, WTERMSIG(st));
		return 1;
	}
	if (WEXITSTATUS(st) == 0) {
		printf("%s=OK\n", check);
		return 0;
	}
	printf("%s=FAILED%d\n", check, WEXITSTATUS(st));
	return 1;
}

/* socket(AF_UNIX) with the x32 bit set, in a child: must be killed. */
static int x32_socket(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return result(-1);
	if (pid == 0)
		_exit(syscall(0x40000000L | SYS_socket, AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 2);
	if (waitpid(pid, &st, 0) < 0)
		return result(-1);
	if (WIFSIGNALED(st)) {
		printf("%s=SIG%d\n", check, WTERMSIG(st));
		return 1;
	}
	printf("%s=%s\n", check, WEXITSTATUS(st) == 0 ? "OK" : "FAILED");
	return WEXITSTATUS(st) == 0 ? 0 : 1;
}

static long vm_read(pid_t pid)
{
	char buf[64];
	struct iovec local = {buf, sizeof(buf)}, remote = {(void *)0x400000, sizeof(buf)};
	return process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

static long mem_read(pid_t pid)
{
	char path[64], buf[16];
	int fd;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	return pread(fd, buf, sizeof(buf), 0x400000) < 0 && errno != EIO ? -1 : 0;
}

static long pidfd_steal(pid_t pid)
{
	long pfd = syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return -1;
	return syscall(SYS_pidfd_getfd, (int)pfd, 0, 0);
}

static long read_some(int fd)
{
	char buf[256];
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	printf("# read: %s\n", buf);
	return 0;
}

static long reopen(const char *path, int first, int second)
{
	char p[64];
	int fd = open(path, first);
	int fd2;

	if (fd < 0)
		return -1;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	fd2 = open(p, second);
	if (fd2 < 0)
		return -1;
	if ((second & O_ACCMODE) == O_RDONLY)
		return read_some(fd2);
	return write(fd2, "x\n", 2);
}

static long openat2_read(const char *path)
{
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS};
	return read_some((int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how)));
}

static int handle_of(const char *path)
{
	char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	struct file_handle *h = (struct file_handle *)buf;
	int mnt;

	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, h, &mnt, 0) < 0)
		return result(-1);
	printf("%d:", h->handle_type);
	for (unsigned i = 0; i < h->handle_bytes; i++)
		printf("%02x", h->f_handle[i]);
	printf("\n");
	return 0;
}

static long handle_read(const char *mpath, const char *hex)
{
	char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	struct file_handle *h = (struct file_handle *)buf;
	int mfd = open(mpath, O_RDONLY | O_DIRECTORY);
	char *colon;
	unsigned n = 0;

	if (mfd < 0)
		return -1;
	h->handle_type = (int)strtol(hex, &colon, 10);
	if (*colon != ':')
		return errno = EINVAL, -1;
	for (const char *p = colon + 1; p[0] && p[1] && n < MAX_HANDLE_SZ; p += 2) {
		unsigned v;
		sscanf(p, "%2x", &v);
		h->f_handle[n++] = (unsigned char)v;
	}
	h->handle_bytes = n;
	return read_some(open_by_handle_at(mfd, h, O_RDONLY));
}

static long tiocsti(int fd)
{
	const char *s = "id\n";
	for (; *s; s++)
		if (ioctl(fd, TIOCSTI, s) < 0)
			return -1;
	return 0;
}

static long steal_tty(int fd)
{
	if (setsid() < 0 && errno != EPERM)
		return -1;
	if (ioctl(fd, TIOCSCTTY, 1) < 0)
		printf("# TIOCSCTTY: %s\n", strerrorname_np(errno));
	return tiocsti(fd);
}

static int write_fds(const char *line)
{
	char fds[4096] = "";
	size_t len = 0;

	for (int fd = 3; fd < 1024; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		if (write(fd, line, strlen(line)) > 0 && len + 16 < sizeof(fds))
			len += (size_t)snprintf(fds + len, sizeof(fds) - len, " %d", fd);
	}
	if (len) {
		printf("%s=OK%s\n", check, fds);
		return 0;
	}
	printf("%s=NONE\n", check);
	return 1;
}

static long mknod_read(const char *path, const char *maj, const char *min)
{
	if (mknod(path, S_IFBLK | 0600, makedev(atoi(maj), atoi(min))) < 0)
		return -1;
	return read_some(open(path, O_RDONLY));
}

int main(int argc, char **argv)
{
	const char *a1 = argc > 2 ? argv[2] : "";
	const char *a2 = argc > 3 ? argv[3] : "";
	pid_t pid = (pid_t)atoi(a1);

	if (argc < 2) {
		fprintf(stderr, "usage: sandbox-probe CHECK [ARGS...]\n");
		return 2;
	}
	check = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
#define IS(s) (strcmp(check, s) == 0)
	if (IS("socket-unix"))
		return result(sock_then_close(AF_UNIX, SOCK_STREAM));
	if (IS("socket-unix-dgram"))
		return result(sock_then_close(AF_UNIX, SOCK_DGRAM));
	if (IS("socket-vsock"))
		return result(sock_then_close(AF_VSOCK, SOCK_STREAM));
	if (IS("socketpair-dgram"))
		return result(pair(SOCK_DGRAM));
	if (IS("socketpair-seqpacket"))
		return result(pair(SOCK_SEQPACKET));
	if (IS("socketpair-stream"))
		return result(pair(SOCK_STREAM));
	if (IS("connect-unix"))
		return result(connect_unix(a1));
	if (IS("io-uring"))
		return result(uring());
	if (IS("io-uring-register"))
		return result(syscall(__NR_io_uring_register, -1, 0, NULL, 0));
	if (IS("int80-socket"))
		return int80_socket();
	if (IS("x32-socket"))
		return x32_socket();
	if (IS("ptrace-attach"))
		return result(ptrace(PTRACE_ATTACH, pid, 0, 0));
	if (IS("ptrace-seize"))
		return result(ptrace(PTRACE_SEIZE, pid, 0, 0));
	if (IS("vm-read"))
		return result(vm_read(pid));
	if (IS("mem-read"))
		return result(mem_read(pid));
	if (IS("pidfd-getfd"))
		return result(pidfd_steal(pid));
	if (IS("kill"))
		return result(kill(pid, 0));
	if (IS("mount-tmpfs"))
		return result(mount("none", a1, "tmpfs", 0, NULL));
	if (IS("umount"))
		return result(umount2(a1, MNT_DETACH));
	if (IS("remount-rw"))
		return result(mount(NULL, a1, NULL, MS_REMOUNT | MS_BIND, NULL));
	if (IS("bind-rw"))
		return result(mount(a1, a2, NULL, MS_BIND, NULL));
	if (IS("pivot-root"))
		return result(syscall(SYS_pivot_root, a1, a1));
	if (IS("unshare-user"))
		return result(unshare(CLONE_NEWUSER));
	if (IS("unshare-mnt"))
		return result(unshare(CLONE_NEWNS));
	if (IS("clone-newuser")) {
		long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(0);
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
		return result(r);
	}
	if (IS("setns")) {
		int fd = open(a1, O_RDONLY);
		return result(fd < 0 ? -1 : setns(fd, 0));
	}
	if (IS("open-tree"))
		return result(syscall(SYS_open_tree, AT_FDCWD, a1, 1 /* OPEN_TREE_CLONE */));
	if (IS("fsopen"))
		return result(syscall(SYS_fsopen, "tmpfs", 0));
	if (IS("tiocsti"))
		return result(tiocsti(atoi(a1)));
	if (IS("steal-tty"))
		return result(steal_tty(atoi(a1)));
	if (IS("reopen-rw"))
		return result(reopen(a1, O_RDONLY, O_RDWR | O_APPEND));
	if (IS("opath-read"))
		return result(reopen(a1, O_PATH, O_RDONLY));
	if (IS("openat2-read"))
		return result(openat2_read(a1));
	if (IS("handle-of"))
		return handle_of(a1);
	if (IS("handle-read"))
		return result(handle_read(a1, a2));
	if (IS("mknod-blk"))
		return result(mknod_read(a1, a2, argc > 4 ? argv[4] : "0"));
	if (IS("rename"))
		return result(renameat2(AT_FDCWD, a1, AT_FDCWD, a2, 0));
	if (IS("exchange"))
		return result(renameat2(AT_FDCWD, a1, AT_FDCWD, a2, RENAME_EXCHANGE));
	if (IS("link"))
		return result(link(a1, a2));
	if (IS("unlink"))
		return result(unlink(a1));
	if (IS("rmdir"))
		return result(rmdir(a1));
	if (IS("setxattr"))
		return result(setxattr(a1, "user.srt", "1", 1, 0));
	if (IS("chown"))
		return result(chown(a1, 65534, 65534));
	if (IS("key-session")) {
		if (argc < 5)
			return 2;
		if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL) < 0 ||
		    syscall(SYS_add_key, "user", a1, a2, strlen(a2), -3 /* KEY_SPEC_SESSION_KEYRING */) < 0)
			return result(-1);
		execvp(argv[4], argv + 4);
		return result(-1);
	}
	if (IS("key-read")) {
		char buf[256];
		long id = syscall(SYS_keyctl, 10 /* KEYCTL_SEARCH */, -3, "user", a1, 0);
		if (id < 0) { /* not possessed: by its id, as /proc/keys lists it */
			FILE *f = fopen("/proc/keys", "r");
			char line[512], desc[256];
			unsigned long kid;
			while (f && fgets(line, sizeof(line), f))
				if (sscanf(line, "%lx %*s %*s %*s %*s %*s %*s %*s %255[^:]", &kid, desc) == 2 &&
				    strcmp(desc, a1) == 0)
					id = (long)kid;
			if (f)
				fclose(f);
			if (id < 0)
				errno = ENOKEY;
		}
		long n = id < 0 ? -1 : syscall(SYS_keyctl, 11 /* KEYCTL_READ */, id, buf, sizeof(buf) - 1);
		if (n >= 0) {
			buf[n < (long)sizeof(buf) ? n : (long)sizeof(buf) - 1] = '\0';
			printf("# read: %s\n", buf);
		}
		return result(n);
	}
	if (IS("write-fds"))
		return write_fds(a1);
	fprintf(stderr, "sandbox-probe: unknown check %s\n", check);
	return 2;
}
