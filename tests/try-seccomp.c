/* Probe run inside apply-seccomp by tests/test-seccomp*.sh.  Each argument is
 * one check; each prints "<check>=<result>" where result is OK or the errno
 * name (EPERM, ENOSYS, ...).  Special checks:
 *   pids       numeric entries of /proc, sorted, comma-separated
 *   status     NoNewPrivs and Seccomp lines of /proc/self/status
 *   exit:N     exit with status N          raise:N   kill itself with signal N
 *   wait:FILE  write "ready" to FILE, then sleep until a signal ends it */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static void report(const char *name, long r)
{
	if (r >= 0)
		printf("%s=OK\n", name);
	else
		printf("%s=%s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
}

static long try_socket(long domain)
{
	long fd = syscall(SYS_socket, domain, SOCK_STREAM, 0);
	if (fd >= 0)
		close((int)fd);
	return fd;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void list_pids(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int pids[4096], n = 0;

	if (!d) {
		report("pids", -1);
		return;
	}
	while ((e = readdir(d)) && n < 4096)
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			pids[n++] = atoi(e->d_name);
	closedir(d);
	qsort(pids, (size_t)n, sizeof(int), cmp_int);
	printf("pids=");
	for (int i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", pids[i]);
	printf("\n");
}

static void print_status(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "NoNewPrivs:", 11) || !strncmp(line, "Seccomp:", 8))
			fputs(line, stdout);
	fclose(f);
}

/* clone() with FLAGS through the raw syscall; the child exits at once. */
static long try_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0L, 0L, 0L, 0L);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid;
}

static long try_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char c;
	if (fd < 0)
		return -1;
	/* /proc/PID/mem checks access on read too */
	if (read(fd, &c, 0) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void wait_for_signal(const char *file)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	FILE *f;

	/* A background job of a non-interactive shell starts with SIGINT and
	 * SIGQUIT ignored; this probe wants to die of whatever is forwarded. */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	f = fopen(file, "w");
	if (!f || fputs("ready\n", f) < 0 || fclose(f) != 0) {
		perror(file);
		exit(99);
	}
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];
		int sv[2];

		if (!strcmp(c, "socket-unix"))
			report(c, try_socket(AF_UNIX));
		else if (!strcmp(c, "socket-unix-hibits"))
			report(c, try_socket((long)(0xffffffff00000000UL | AF_UNIX)));
		else if (!strcmp(c, "socket-vsock"))
			report(c, try_socket(AF_VSOCK));
		else if (!strcmp(c, "socket-inet"))
			report(c, try_socket(AF_INET));
		else if (!strcmp(c, "socketpair-dgram")) {
			long r = socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv);
			if (r == 0) {
				close(sv[0]);
				close(sv[1]);
			}
			report(c, r);
		} else if (!strcmp(c, "socketpair")) {
			long r = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
			if (r == 0) {
				close(sv[0]);
				close(sv[1]);
			}
			report(c, r);
		} else if (!strcmp(c, "io-uring-setup")) {
			char params[120] = { 0 };
			long fd = syscall(425, 1L, params);
			if (fd >= 0)
				close((int)fd);
			report(c, fd);
		} else if (!strcmp(c, "io-uring-enter"))
			report(c, syscall(426, -1L, 0L, 0L, 0L, 0L, 0L)); /* EBADF if not filtered */
		else if (!strcmp(c, "io-uring-register"))
			report(c, syscall(427, -1L, 0L, 0L, 0L));
		else if (!strcmp(c, "unshare-user"))
			report(c, unshare(CLONE_NEWUSER));
		else if (!strcmp(c, "unshare-mount"))
			report(c, unshare(CLONE_NEWNS));
		else if (!strcmp(c, "clone-newuser"))
			report(c, try_clone(CLONE_NEWUSER));
		else if (!strcmp(c, "clone3"))
			report(c, syscall(435, NULL, 0L)); /* EINVAL/EFAULT if not filtered */
		else if (!strcmp(c, "mount"))
			report(c, mount("none", "/tmp", "tmpfs", 0, NULL));
		else if (!strcmp(c, "umount-proc"))
			report(c, umount2("/proc", MNT_DETACH));
		else if (!strcmp(c, "ptrace-pid1")) {
			long r = ptrace(PTRACE_ATTACH, 1, NULL, NULL);
			if (r == 0)
				ptrace(PTRACE_DETACH, 1, NULL, NULL);
			report(c, r);
		} else if (!strcmp(c, "mem-pid1"))
			report(c, try_open("/proc/1/mem"));
		else if (!strcmp(c, "environ-pid1"))
			report(c, try_open("/proc/1/environ"));
		else if (!strcmp(c, "pids"))
			list_pids();
		else if (!strcmp(c, "status"))
			print_status();
		else if (!strncmp(c, "exit:", 5))
			exit(atoi(c + 5));
		else if (!strncmp(c, "raise:", 6)) {
			signal(atoi(c + 6), SIG_DFL);
			raise(atoi(c + 6));
		} else if (!strncmp(c, "wait:", 5))
			wait_for_signal(c + 5);
		else {
			fprintf(stderr, "try-seccomp: unknown check %s\n", c);
			return 2;
		}
	}
	return 0;
}
