/* The mounts init makes in bwrap's user namespace, before it enters its
 * own (so they are locked like bwrap's): the read-only covers of /proc for
 * a uid-0 command, srt's write protections planned while bwrap started
 * (--late-mounts) and the symlink pins (--pin-link). */
#include "init-mounts.h"

#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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
void cover_proc(void)
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
void pin_symlinks(void)
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
void apply_late_mounts(void)
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

int pin_link_add(const char *path)
{
	if (n_pin_links == MAX_PIN_LINKS)
		return -1;
	pin_links[n_pin_links++] = path;
	return 0;
}

bool late_mounts_given(void)
{
	return late_ready_fd >= 0;
}

int late_mounts_set(const char *arg)
{
	return parse_fd_pair(arg, &late_data_fd, &late_ready_fd);
}
