/* Test driver for the filesystem plan: build the plan for a settings file
 * and a working directory, build the bwrap argv, run bwrap, clean up.
 *   fs-run [--dry-run] [--keep] SETTINGS -- CMD...
 * Runs in the current directory with $HOME.  Forwards SIGINT/SIGTERM to
 * bwrap, cleans up after it exits and exits with its status (128+N for a
 * signal).  Lets the fs e2e tests run before srt itself is wired. */
#include "bwrap_argv.h"
#include "config.h"
#include "log.h"
#include "mounts.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_sig;
static pid_t child;

static void on_sig(int sig)
{
	got_sig = sig;
	if (child > 0)
		kill(child, sig);
}

int main(int argc, char **argv)
{
	struct srt_config *cfg = NULL;
	struct fs_plan *plan = NULL;
	char *err = NULL, *used = NULL;
	char cwd[4096];
	const char *home = getenv("HOME");
	bool dry = false, keep = false;
	strv cmd = { 0 }, env = { 0 }, unenv = { 0 }, words = { 0 };
	int i = 1, status = 0;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-' && argv[i][2]; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry = true;
		else if (!strcmp(argv[i], "--keep"))
			keep = true;
	}
	if (i + 2 > argc || strcmp(argv[i + 1], "--") != 0) {
		fprintf(stderr, "usage: fs-run [--dry-run] SETTINGS -- CMD...\n");
		return 2;
	}
	log_set_debug(getenv("SRT_DEBUG") != NULL);
	if (config_load(argv[i], &cfg, &used, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (!getcwd(cwd, sizeof(cwd)) || !home)
		return 1;
	if (fs_plan_build(cfg, cwd, home, &plan, &err) < 0) {
		fprintf(stderr, "srt: %s\n", err);
		return 1;
	}
	for (int k = i + 2; k < argc; k++)
		strv_push(&cmd, argv[k]);
	strv_pushv(&env, (const char *const[]){ "SANDBOX_RUNTIME", "1", NULL });
	if (fs_plan_tmpdir(plan))
		strv_pushv(&env, (const char *const[]){ "TMPDIR", fs_plan_tmpdir(plan), NULL });
	struct bwrap_request req = {
		.fs = plan,
		.setenv = &env,
		.unsetenv = &unenv,
		.unshare_net = true,
		.weaker_nested = cfg->enable_weaker_nested_sandbox,
		.command = &cmd,
	};
	if (bwrap_argv_build(&req, &words, &err) < 0) {
		fprintf(stderr, "srt: %s\n", err);
		fs_plan_cleanup(plan);
		return 1;
	}
	if (dry) {
		for (size_t k = 0; k < words.n; k++)
			printf("%s\n", words.v[k]);
		if (!keep)
			fs_plan_cleanup(plan);
		fs_plan_free(plan);
		return 0;
	}
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	child = fork();
	if (child == 0) {
		strv full = { 0 };
		strv_push(&full, cfg->bwrap_path ? cfg->bwrap_path : "bwrap");
		strv_extend(&full, &words);
		execvp(full.v[0], strv_argv(&full));
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!keep)
		fs_plan_cleanup(plan);
	fs_plan_free(plan);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
