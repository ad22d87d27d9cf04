/* Decodes the generated share/srt/seccomp-*.bpf programs and checks their rules:
 * every instruction is walked (known opcodes, jumps in range, a RET at the end,
 * the architecture check first), then the program is run by a small classic-BPF
 * interpreter over hand-made struct seccomp_data for each rule.  Syscall
 * numbers are written out here, independently of libseccomp. */
#include "tap.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/utsname.h>

#define CLONE_NEWNS_ 0x00020000u
#define CLONE_NEWUSER_ 0x10000000u
#define CLONE_NEWNET_ 0x40000000u
#define AF_UNIX_ 1
#define AF_INET_ 2
#define AF_INET6_ 10
#define AF_VSOCK_ 40

#define ALLOW SECCOMP_RET_ALLOW
#define KILL SECCOMP_RET_KILL_PROCESS
#define EPERM_ (SECCOMP_RET_ERRNO | EPERM)
#define ENOSYS_ (SECCOMP_RET_ERRNO | ENOSYS)

struct arch_nrs {
	const char *name;
	uint32_t audit;
	int socket, socketpair, unshare, clone, mount, umount2, pivot_root, setns, read, openat,
		getpid;
};

static const struct arch_nrs arches[] = {
	{ "x86_64", AUDIT_ARCH_X86_64, 41, 53, 272, 56, 165, 166, 155, 308, 0, 257, 39 },
	{ "aarch64", AUDIT_ARCH_AARCH64, 198, 199, 97, 220, 40, 39, 41, 268, 63, 56, 172 },
};

/* Syscalls numbered alike on every arch since Linux 5.1. */
enum { IO_URING_SETUP = 425, IO_URING_ENTER, IO_URING_REGISTER, OPEN_TREE, MOVE_MOUNT,
       FSOPEN, FSCONFIG, FSMOUNT, FSPICK, CLONE3 = 435, MOUNT_SETATTR = 442,
       OPEN_TREE_ATTR = 467 };

struct prog {
	struct sock_filter *insns;
	size_t n;
};

static int load(const char *dir, const char *file, struct prog *p)
{
	char path[8192];
	FILE *f;
	long len;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		return -1;
	f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	if (len <= 0 || len % (long)sizeof(struct sock_filter) || len > 65536) {
		fclose(f);
		return -1;
	}
	p->insns = malloc((size_t)len);
	p->n = (size_t)len / sizeof(struct sock_filter);
	if (!p->insns || fread(p->insns, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Walks the program: known opcodes only, forward jumps inside it, loads at
 * aligned offsets of seccomp_data, RET last.  Returns NULL or what is wrong. */
static const char *validate(const struct prog *p)
{
	for (size_t pc = 0; pc < p->n; pc++) {
		const struct sock_filter *i = &p->insns[pc];
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k % 4 || i->k >= sizeof(struct seccomp_data))
				return "load outside seccomp_data";
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_K:
			if (pc + 1 + i->jt >= p->n || pc + 1 + i->jf >= p->n)
				return "conditional jump out of the program";
			break;
		case BPF_JMP | BPF_JA:
			if (pc + 1 + i->k >= p->n)
				return "jump out of the program";
			break;
		case BPF_ALU | BPF_AND | BPF_K:
		case BPF_RET | BPF_K:
			break;
		default:
			return "unexpected opcode";
		}
	}
	if (p->n == 0 || p->insns[p->n - 1].code != (BPF_RET | BPF_K))
		return "does not end in RET";
	return NULL;
}

/* Runs the program over DATA; returns the SECCOMP_RET_* value or ~0 on error. */
static uint32_t run(const struct prog *p, const struct seccomp_data *data)
{
	const unsigned char *bytes = (const unsigned char *)data;
	uint32_t a = 0;

	for (size_t pc = 0; pc < p->n; pc++) {
		const struct sock_filter *i = &p->insns[pc];
		bool cond;

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			memcpy(&a, bytes + i->k, 4);
			continue;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= i->k;
			continue;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			continue;
		case BPF_RET | BPF_K:
			return i->k;
		case BPF_JMP | BPF_JEQ | BPF_K:
			cond = a == i->k;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			cond = a > i->k;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			cond = a >= i->k;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			cond = (a & i->k) != 0;
			break;
		default:
			return ~0u;
		}
		pc += cond ? i->jt : i->jf;
	}
	return ~0u;
}

static uint32_t call(const struct prog *p, uint32_t arch, int nr, uint64_t a0, uint64_t a1)
{
	struct seccomp_data d;

	memset(&d, 0, sizeof(d));
	d.nr = nr;
	d.arch = arch;
	d.instruction_pointer = 0x400000;
	d.args[0] = a0;
	d.args[1] = a1;
	return run(p, &d);
}

#define expect(p, nr, a0, want, what)                                                       \
	do {                                                                                \
		uint32_t got_ = call(p, A->audit, nr, a0, 1);                               \
		if (!ok(got_ == (want), "%s %s: %s", A->name, file, what))                  \
			printf("#   got 0x%08x, want 0x%08x\n", got_, (uint32_t)(want));       \
	} while (0)

/* The same with a chosen second argument. */
#define expect_a1(p, nr, a0, a1, want, what)                                                \
	do {                                                                                \
		uint32_t got_ = call(p, A->audit, nr, a0, a1);                              \
		if (!ok(got_ == (want), "%s %s: %s", A->name, file, what))                  \
			printf("#   got 0x%08x, want 0x%08x\n", got_, (uint32_t)(want));       \
	} while (0)

static void check_file(const char *dir, const struct arch_nrs *A, bool unix_ok, bool ns_ok,
		       bool native)
{
	char file[128];
	struct prog prog = { NULL, 0 };
	const struct prog *p = &prog;
	const char *bad;
	uint32_t sock = unix_ok ? ALLOW : EPERM_, ns = ns_ok ? ALLOW : EPERM_;

	snprintf(file, sizeof(file), "seccomp-%s%s%s.bpf", A->name,
		 unix_ok ? "-allow-unix-sockets" : "", ns_ok ? "-allow-nested-userns" : "");
	if (!ok(load(dir, file, &prog) == 0, "%s: loaded from %s", file, dir))
		return;
	bad = validate(p);
	if (!ok(!bad, "%s: %zu instructions decode", file, prog.n))
		printf("#   %s\n", bad);

	/* The architecture check comes first and kills. */
	ok(p->insns[0].code == (BPF_LD | BPF_W | BPF_ABS) &&
		   p->insns[0].k == offsetof(struct seccomp_data, arch) &&
		   p->insns[1].code == (BPF_JMP | BPF_JEQ | BPF_K) && p->insns[1].k == A->audit,
	   "%s: starts with the arch check", file);
	ok(call(p, AUDIT_ARCH_I386, 41, 0, 0) == KILL && call(p, AUDIT_ARCH_X86_64 ^ A->audit ^
			AUDIT_ARCH_AARCH64, A->socket, AF_UNIX_, 0) == KILL,
	   "%s: a foreign architecture is killed", file);
	if (A->audit == AUDIT_ARCH_X86_64)
		ok(call(p, A->audit, 0x40000000 | 41, AF_UNIX_, 1) == KILL,
		   "%s: x32 syscall numbers are killed", file);

	expect(p, A->socket, AF_UNIX_, sock, "socket(AF_UNIX)");
	expect(p, A->socket, 0xffffffff00000000ull | AF_UNIX_, sock, "socket(AF_UNIX | high bits)");
	expect(p, A->socket, AF_VSOCK_, sock, "socket(AF_VSOCK)");
	expect(p, A->socket, AF_INET_, ALLOW, "socket(AF_INET) allowed");
	expect(p, A->socket, AF_INET6_, ALLOW, "socket(AF_INET6) allowed");
	expect(p, A->socketpair, AF_UNIX_, ALLOW, "socketpair(AF_UNIX) allowed");
	expect_a1(p, A->socketpair, AF_UNIX_, 5 /* SOCK_SEQPACKET */, ALLOW, "socketpair(SEQPACKET) allowed");
	expect_a1(p, A->socketpair, AF_UNIX_, 2 /* SOCK_DGRAM */, sock, "socketpair(SOCK_DGRAM)");
	expect_a1(p, A->socketpair, AF_UNIX_, 2 | 0x80000 /* SOCK_CLOEXEC */, sock,
		  "socketpair(SOCK_DGRAM | SOCK_CLOEXEC)");
	expect(p, IO_URING_SETUP, 1, EPERM_, "io_uring_setup");
	expect(p, IO_URING_ENTER, 3, EPERM_, "io_uring_enter");
	expect(p, IO_URING_REGISTER, 3, EPERM_, "io_uring_register");

	expect(p, A->unshare, CLONE_NEWUSER_, ns, "unshare(CLONE_NEWUSER)");
	expect(p, A->unshare, CLONE_NEWUSER_ | CLONE_NEWNET_, ns, "unshare(NEWUSER|NEWNET)");
	expect(p, A->unshare, CLONE_NEWNS_, ns, "unshare(CLONE_NEWNS)");
	expect(p, A->unshare, CLONE_NEWNET_, ALLOW, "unshare(CLONE_NEWNET) allowed");
	expect(p, A->clone, CLONE_NEWUSER_ | 17, ns, "clone(CLONE_NEWUSER)");
	expect(p, A->clone, CLONE_NEWNS_ | 17, ns, "clone(CLONE_NEWNS)");
	expect(p, A->clone, 0x003d0f00, ALLOW, "clone(thread flags) allowed");
	expect(p, CLONE3, 0, ns_ok ? ALLOW : ENOSYS_, "clone3 -> ENOSYS");
	expect(p, A->mount, 0, ns, "mount");
	expect(p, A->umount2, 0, ns, "umount2");
	expect(p, A->pivot_root, 0, ns, "pivot_root");
	expect(p, A->setns, 0, ns, "setns");
	expect(p, OPEN_TREE, 0, ns, "open_tree");
	expect(p, MOVE_MOUNT, 0, ns, "move_mount");
	expect(p, FSOPEN, 0, ns, "fsopen");
	expect(p, FSCONFIG, 0, ns, "fsconfig");
	expect(p, FSMOUNT, 0, ns, "fsmount");
	expect(p, FSPICK, 0, ns, "fspick");
	expect(p, MOUNT_SETATTR, 0, ns, "mount_setattr");
	/* libseccomp 2.5 does not know open_tree_attr, so the generator can add it
	 * only for the build machine's own arch (see seccomp-filter.c). */
	if (native || ns_ok || call(p, A->audit, OPEN_TREE_ATTR, 0, 0) != ALLOW)
		expect(p, OPEN_TREE_ATTR, 0, ns, "open_tree_attr");
	else
		printf("# %s: open_tree_attr not filtered (foreign arch, old libseccomp)\n", file);

	expect(p, A->read, 0, ALLOW, "read allowed");
	expect(p, A->openat, 0, ALLOW, "openat allowed");
	expect(p, A->getpid, 0, ALLOW, "getpid allowed");
	free(prog.insns);
}

int main(void)
{
	const char *builddir = getenv("SRT_TEST_BUILDDIR");
	char dir[4096];
	struct utsname u;

	uname(&u);
	snprintf(dir, sizeof(dir), "%s/../share/srt", builddir ? builddir : "tests");
	for (size_t a = 0; a < sizeof(arches) / sizeof(arches[0]); a++)
		for (int flags = 0; flags < 4; flags++)
			check_file(dir, &arches[a], flags & 1, flags & 2,
				   strcmp(u.machine, arches[a].name) == 0);
	return tap_done();
}
