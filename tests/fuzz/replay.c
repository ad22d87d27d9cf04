/* Replay driver for the fuzz harnesses, built with the normal compiler
 * (and so under ASan+UBSan in the sanitizer build): feeds every file of
 * the target's seed corpus to LLVMFuzzerTestOneInput, each in a child
 * process, and prints one TAP line per file.
 *
 *   replay-<target> [DIR|FILE...]    default: $SRT_TEST_SRCDIR/fuzz/corpus/<target> */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the corpus"
#endif

static char **files;
static size_t nfiles;

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add(const char *path)
{
	files = realloc(files, (nfiles + 1) * sizeof(*files));
	if (!files)
		abort();
	files[nfiles++] = strdup(path);
}

static int collect(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		add(path);
		return 0;
	}
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d))) {
		char *p;
		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", path, e->d_name) < 0)
			abort();
		add(p);
		free(p);
	}
	closedir(d);
	return 0;
}

static int run_one(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, r;

	if (!f)
		return -1;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		r = fread(buf + len, 1, cap - len, f);
		len += r;
	} while (r > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc < 2) {
		const char *src = getenv("SRT_TEST_SRCDIR");
		char *dir;
		if (!src) {
			printf("Bail out! SRT_TEST_SRCDIR is not set and no corpus was given\n");
			return 1;
		}
		if (asprintf(&dir, "%s/fuzz/corpus/%s", src, FUZZ_TARGET) < 0)
			abort();
		if (collect(dir) < 0) {
			printf("Bail out! cannot read %s: %s\n", dir, strerror(errno));
			return 1;
		}
		free(dir);
	}
	for (int i = 1; i < argc; i++)
		if (collect(argv[i]) < 0) {
			printf("Bail out! cannot read %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
	if (nfiles == 0) {
		printf("Bail out! empty corpus for %s\n", FUZZ_TARGET);
		return 1;
	}
	qsort(files, nfiles, sizeof(*files), cmp);
	printf("1..%zu\n", nfiles);
	fflush(stdout);
	for (size_t i = 0; i < nfiles; i++) {
		const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		int status = 0;
		pid_t pid = fork();
		if (pid < 0)
			abort();
		if (pid == 0)
			_exit(run_one(files[i]) < 0 ? 2 : 0);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		printf("%sok %zu - %s %s", ok ? "" : "not ", i + 1, FUZZ_TARGET, base);
		if (!ok && WIFSIGNALED(status))
			printf(" (signal %d)", WTERMSIG(status));
		else if (!ok)
			printf(" (exit %d)", WEXITSTATUS(status));
		printf("\n");
		fflush(stdout);
		failed |= !ok;
		free(files[i]);
	}
	free(files);
	return failed;
}
