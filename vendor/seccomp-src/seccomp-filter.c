/* apply-seccomp's filter, described once as a table and compiled by libseccomp.
 *
 * Rules (default action ALLOW):
 *   any other architecture (and x32 numbers on x86_64) -> KILL_PROCESS
 *   socket(AF_UNIX | AF_VSOCK, ...)                   -> EPERM  (unless allow-unix-sockets)
 *   socketpair(.., SOCK_DGRAM, ..)                    -> EPERM  (unless allow-unix-sockets:
 *                                                        a datagram end can be connect()ed or
 *                                                        sendto() any host socket path)
 *   io_uring_setup / io_uring_enter / io_uring_register -> EPERM (io_uring ops bypass seccomp)
 *   unless allow-nested-userns:
 *     unshare / clone with CLONE_NEWUSER or CLONE_NEWNS -> EPERM
 *     clone3                                          -> ENOSYS (flags live in memory seccomp
 *                                                        cannot read; libc falls back to clone)
 *     mount, umount2, pivot_root, setns and the new mount API
 *     (open_tree, move_mount, fsopen, fsconfig, fsmount, fspick,
 *      mount_setattr, open_tree_attr)                 -> EPERM
 * Stream and seqpacket socketpair() stay allowed: a connected pair cannot be
 * pointed anywhere else (EISCONN).
 * Argument checks compare only the low 32 bits, as the kernel does for an int. */
#include "seccomp-filter.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

struct rule {
	const char *name;
	int fallback_nr; /* unified number (>= 424) when libseccomp is too old, else -1 */
	uint32_t action;
	unsigned arg_mask; /* 0: no argument condition */
	unsigned arg_value;
	unsigned skip_if; /* FILTER_* flag that drops this rule */
	unsigned arg;     /* which argument the condition looks at (0 or 1) */
};

#define EPERM_ACT SCMP_ACT_ERRNO(EPERM)

static const struct rule rules[] = {
	{ "socket", -1, EPERM_ACT, 0xffffffffu, AF_UNIX, FILTER_ALLOW_UNIX_SOCKETS, 0 },
	{ "socket", -1, EPERM_ACT, 0xffffffffu, AF_VSOCK, FILTER_ALLOW_UNIX_SOCKETS, 0 },
	{ "socketpair", -1, EPERM_ACT, 0xf, SOCK_DGRAM, FILTER_ALLOW_UNIX_SOCKETS, 1 },
	{ "io_uring_setup", 425, EPERM_ACT, 0, 0, 0, 0 },
	{ "io_uring_enter", 426, EPERM_ACT, 0, 0, 0, 0 },
	{ "io_uring_register", 427, EPERM_ACT, 0, 0, 0, 0 },
	{ "unshare", -1, EPERM_ACT, CLONE_NEWUSER, CLONE_NEWUSER, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "unshare", -1, EPERM_ACT, CLONE_NEWNS, CLONE_NEWNS, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "clone", -1, EPERM_ACT, CLONE_NEWUSER, CLONE_NEWUSER, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "clone", -1, EPERM_ACT, CLONE_NEWNS, CLONE_NEWNS, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "clone3", 435, SCMP_ACT_ERRNO(ENOSYS), 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "mount", -1, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "umount", -1, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "umount2", -1, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "pivot_root", -1, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "setns", -1, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "open_tree", 428, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "move_mount", 429, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "fsopen", 430, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "fsconfig", 431, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "fsmount", 432, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "fspick", 433, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "mount_setattr", 442, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
	{ "open_tree_attr", 467, EPERM_ACT, 0, 0, FILTER_ALLOW_NESTED_USERNS, 0 },
};

const char *filter_arch_name(uint32_t arch)
{
	switch (arch) {
	case SCMP_ARCH_X86_64:
		return "x86_64";
	case SCMP_ARCH_AARCH64:
		return "aarch64";
	default:
		return NULL;
	}
}

/* Adds one table rule; a syscall the target arch does not have is skipped.
 * libseccomp takes native numbers and translates them by name, so a syscall it
 * does not know can only be added by number when building for the native arch
 * (libseccomp 2.5 predates open_tree_attr). */
static int add_rule(scmp_filter_ctx ctx, uint32_t arch, const struct rule *r)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, r->name);
	struct scmp_arg_cmp cmp = r->arg == 1 ? SCMP_A1(SCMP_CMP_MASKED_EQ, r->arg_mask, r->arg_value)
					      : SCMP_A0(SCMP_CMP_MASKED_EQ, r->arg_mask, r->arg_value);

	if (nr == __NR_SCMP_ERROR) {
		if (r->fallback_nr < 0 || arch != seccomp_arch_native())
			return 0;
		nr = r->fallback_nr;
	} else if (nr < 0) {
		return 0; /* not a syscall on this arch */
	} else {
		nr = seccomp_syscall_resolve_name(r->name);
	}
	if (r->arg_mask)
		return seccomp_rule_add(ctx, r->action, nr, 1, cmp);
	return seccomp_rule_add(ctx, r->action, nr, 0);
}

/* seccomp_export_bpf() only writes to an fd (libseccomp < 2.6): go through a memfd. */
static int export_to_memory(scmp_filter_ctx ctx, void **ret_bpf, size_t *ret_len)
{
	int fd = memfd_create("apply-seccomp-bpf", MFD_CLOEXEC);
	off_t len;
	void *buf;
	int r;

	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		goto out;
	len = lseek(fd, 0, SEEK_END);
	if (len <= 0 || len % 8 != 0 || len > 65536) {
		r = -EINVAL;
		goto out;
	}
	buf = malloc((size_t)len);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	if (pread(fd, buf, (size_t)len, 0) != len) {
		r = -EIO;
		free(buf);
		goto out;
	}
	*ret_bpf = buf;
	*ret_len = (size_t)len;
	r = 0;
out:
	close(fd);
	return r;
}

int filter_build(uint32_t arch, unsigned flags, void **ret_bpf, size_t *ret_len,
		 const char **ret_what)
{
	scmp_filter_ctx ctx;
	int r;

	*ret_what = "seccomp_init";
	if (!filter_arch_name(arch))
		return -EAFNOSUPPORT;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;

	/* Exactly one architecture; everything else (i386, x32) is killed. */
	*ret_what = "seccomp_arch_add";
	if (arch != seccomp_arch_native()) {
		r = seccomp_arch_add(ctx, arch);
		if (r < 0)
			goto out;
		r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
		if (r < 0)
			goto out;
	}
	*ret_what = "seccomp_attr_set";
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		goto out;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		goto out;

	*ret_what = "seccomp_rule_add";
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (rules[i].skip_if & flags)
			continue;
		r = add_rule(ctx, arch, &rules[i]);
		if (r < 0)
			goto out;
	}

	*ret_what = "seccomp_export_bpf";
	r = export_to_memory(ctx, ret_bpf, ret_len);
out:
	seccomp_release(ctx);
	return r;
}
