/* The seccomp filter of apply-seccomp, built with libseccomp and exported as raw
 * classic BPF.  Shared by the helper (native arch, at run time) and by the
 * build-time generator (x86_64 and aarch64 into share/srt/), so the bytes the
 * helper loads are the bytes srt can hash.  Private to vendor/seccomp-src. */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum {
	FILTER_ALLOW_UNIX_SOCKETS = 1 << 0, /* skip the socket(AF_UNIX/AF_VSOCK) rules */
	FILTER_ALLOW_NESTED_USERNS = 1 << 1, /* skip the namespace and mount rules */
};

/* Builds the filter for one architecture (an AUDIT_ARCH_* / SCMP_ARCH_* token,
 * never SCMP_ARCH_NATIVE).  On success stores a malloc'd buffer of struct
 * sock_filter in *ret_bpf and its byte length in *ret_len and returns 0; on
 * failure returns -errno and points *ret_what at the step that failed. */
int filter_build(uint32_t arch, unsigned flags, void **ret_bpf, size_t *ret_len,
		 const char **ret_what);

/* "x86_64" / "aarch64" for the supported tokens, NULL otherwise. */
const char *filter_arch_name(uint32_t arch);
