/* Build-time generator: writes apply-seccomp's filter as raw classic BPF for
 * x86_64 and aarch64, in every flag combination, into OUTDIR:
 *   seccomp-<arch>[-allow-unix-sockets][-allow-nested-userns].bpf
 * Usage: gen-seccomp-bpf OUTDIR */
#include "seccomp-filter.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_all(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = buf;

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

int main(int argc, char **argv)
{
	static const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64 };

	if (argc != 2) {
		fprintf(stderr, "usage: gen-seccomp-bpf OUTDIR\n");
		return 2;
	}
	for (size_t a = 0; a < sizeof(arches) / sizeof(arches[0]); a++) {
		for (unsigned flags = 0; flags < 4; flags++) {
			char path[4096];
			const char *what;
			void *bpf = NULL;
			size_t len = 0;
			int r = filter_build(arches[a], flags, &bpf, &len, &what);

			if (r < 0) {
				fprintf(stderr, "gen-seccomp-bpf: %s (%s): %s\n", what,
					filter_arch_name(arches[a]), strerror(-r));
				return 1;
			}
			snprintf(path, sizeof(path), "%s/seccomp-%s%s%s.bpf", argv[1],
				 filter_arch_name(arches[a]),
				 flags & FILTER_ALLOW_UNIX_SOCKETS ? "-allow-unix-sockets" : "",
				 flags & FILTER_ALLOW_NESTED_USERNS ? "-allow-nested-userns" : "");
			if (write_all(path, bpf, len) < 0) {
				fprintf(stderr, "gen-seccomp-bpf: %s: %s\n", path, strerror(errno));
				free(bpf);
				return 1;
			}
			free(bpf);
		}
	}
	return 0;
}
