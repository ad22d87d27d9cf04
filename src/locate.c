#include "locate.h"

#include "util.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>


bool locate_in_build_tree(void)
{
	static int cached = -1;
	char exe[PATH_MAX];
	ssize_t n;

	if (cached >= 0)
		return cached;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cached = 0;
	if (n > 0) {
		exe[n] = '\0';
		cached = strcmp(exe, SRT_ABS_BUILDDIR "/src/srt") == 0 ||
			 str_has_prefix(exe, SRT_ABS_BUILDDIR "/tests/");
	}
	return cached;
}

const char *locate_helper(void)
{
	if (locate_in_build_tree())
		return SRT_ABS_BUILDDIR "/vendor/seccomp-src/apply-seccomp";
	return SRT_LIBEXECDIR "/apply-seccomp";
}

const char *locate_datadir(void)
{
	if (locate_in_build_tree())
		return SRT_ABS_SRCDIR "/share/srt";
	return SRT_PKGDATADIR;
}

char *locate_program(const char *name)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	if (!name || !*name)
		return NULL;
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? realpath(name, NULL) : NULL;
	copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *cand = path_join(*dir ? dir : ".", name);
		if (access(cand, X_OK) == 0)
			return realpath(cand, NULL);
	}
	return NULL;
}

bool locate_helper_is_srts(const char *path)
{
	char *argv[] = { (char *)path, "--help", NULL };
	_cleanup_free_ char *out = NULL;
	size_t len;
	int st = run_capture(argv, true, 4096, &out, &len);

	/* The newest options srt passes: an older helper would refuse them. */
	return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "--late-mounts") &&
	       strstr(out, "--proxy-listeners");
}
