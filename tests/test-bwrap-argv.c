/* Golden argv tests of bwrap_argv.c + the plan words from mounts.c, built
 * from a temp tree made here. */
#include "fs-test-util.h"

#define FS_JSON(extra_fs)                                                                       \
	"{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},\"filesystem\":{" extra_fs "}}"

static void test_argv_order(void)
{
	strv cmd = { 0 }, env = { 0 }, unenv = { 0 }, binds = { 0 }, out = { 0 };
	char *err = NULL;
	struct fs_plan *plan = plan_for(FS_JSON("\"disabled\":true,\"denyRead\":[],\"allowWrite\":[],"
						"\"denyWrite\":[]"),
					"", "");
	strv_pushv(&cmd, (const char *const[]){ "/bin/sh", "-c", "true", NULL });
	strv_pushv(&env, (const char *const[]){ "SANDBOX_RUNTIME", "1", "A", "b c", NULL });
	strv_push(&unenv, "SRT_ALLOW_NESTED_USERNS");
	strv_push(&binds, "/tmp/x.sock");
	struct bwrap_request req = { .fs = plan, .setenv = &env, .unsetenv = &unenv, .unshare_net = true,
				     .net_binds = &binds, .cap_add_setfcap = true, .disable_userns = true,
				     .command = &cmd };
	is_int(bwrap_argv_build(&req, &out, &err), 0, "build ok");
	const char *want[] = { "--new-session", "--die-with-parent", "--unshare-net", "--unsetenv",
			       "SRT_ALLOW_NESTED_USERNS", "--setenv", "SANDBOX_RUNTIME", "1", "--setenv", "A",
			       "b c", "--bind", "/", "/", "--ro-bind", "/tmp/x.sock", "/tmp/x.sock", "--dev",
			       "/dev", "--unshare-pid", "--unshare-user", "--cap-drop", "ALL", "--cap-add",
			       "CAP_SETFCAP", "--proc", "/proc", "--disable-userns", "--", "/bin/sh", "-c",
			       "true", NULL };
	size_t n = 0;
	bool same = true;
	for (; want[n]; n++)
		if (n >= out.n || strcmp(out.v[n], want[n]) != 0) {
			printf("# word %zu: got '%s' want '%s'\n", n, n < out.n ? out.v[n] : "(end)", want[n]);
			same = false;
			break;
		}
	ok(same && n == out.n, "full argv order (disabled fs, every switch)");
	ok(fs_plan_tmpdir(plan) == NULL, "filesystem.disabled: no TMPDIR");
	strv_clear(&out);

	req.weaker_nested = true;
	req.cap_add_setfcap = false;
	is_int(bwrap_argv_build(&req, &out, &err), 0, "weaker nested build");
	bool has_bind_proc = false, has_proc = false, has_disable = false, has_cap = false;
	for (size_t i = 0; i + 2 < out.n; i++) {
		has_bind_proc |= !strcmp(out.v[i], "--bind") && !strcmp(out.v[i + 1], "/proc");
		has_proc |= !strcmp(out.v[i], "--proc");
	}
	for (size_t i = 0; i < out.n; i++) {
		has_disable |= !strcmp(out.v[i], "--disable-userns");
		has_cap |= !strcmp(out.v[i], "--cap-add");
	}
	ok(has_bind_proc && !has_proc, "weaker nested: --bind /proc /proc instead of --proc");
	ok(!has_disable, "weaker nested: never --disable-userns");
	ok(!has_cap, "no --cap-add unless asked");
	strv_clear(&out);

	/* The 9000-word cap. */
	strv big = { 0 };
	for (int i = 0; i < 9000; i++)
		strv_push(&big, "x");
	req.command = &big;
	is_int(bwrap_argv_build(&req, &out, &err), -1, "more than 9000 words refused");
	ok(err && strstr(err, "9000"), "error names bwrap's limit: %s", err ? err : "");
	free(err);
	err = NULL;
	strv empty = { 0 };
	req.command = &empty;
	is_int(bwrap_argv_build(&req, &out, &err), -1, "empty command refused");
	free(err);
	strv_clear(&big);
	strv_clear(&cmd);
	strv_clear(&env);
	strv_clear(&unenv);
	strv_clear(&binds);
	plan_done(plan);
}

/* One complete plan, word for word: a git project as cwd and write root,
 * an existing .bashrc, a denyWrite dir, a denyRead dir with an allowRead
 * carve-out, a denyRead file. */
static void test_golden_project(void)
{
	mk("p/.git/hooks/");
	mk("p/.git/config");
	mk("p/.git/HEAD");
	mk("p/.bashrc");
	mk("p/.claude/");
	mk("p/sub/deeper/x");
	mk("p/secret/keep/k");
	mk("p/secret/s");
	mk("p/.env");
	mk("h/");
	struct fs_plan *plan = plan_for(FS_JSON("\"allowWrite\":[\"$T/p\"],\"denyWrite\":[\"$T/p/sub/deeper\"],"
						"\"denyRead\":[\"$T/p/secret\",\"$T/p/.env\"],"
						"\"allowRead\":[\"$T/p/secret/keep\"]"),
					"p", "h");
	_cleanup_free_ char *got = plan ? plan_text(plan) : NULL;
	/* Shallowest first; at one depth, candidates in path order, then the
	 * pins.  /etc/ssh/ssh_config.d is hidden whenever denyRead is used. */
	bool ssh = access("/etc/ssh/ssh_config.d", F_OK) == 0;
	_cleanup_free_ char *want = xasprintf("--ro-bind\n/\n/\n"
			   "--bind\n$TMP\n$TMP\n%s"
			   "--bind\n$T/p\n$T/p\n"
			   "--ro-bind\n/dev/null\n$T/p/.bash_profile\n"
			   "--ro-bind\n$T/p/.bashrc\n$T/p/.bashrc\n"
			   "--ro-bind\n/dev/null\n$T/p/.env\n"
			   "--ro-bind\n/dev/null\n$T/p/.gitconfig\n"
			   "--ro-bind\n/dev/null\n$T/p/.gitmodules\n"
			   "--ro-bind\n$T/p/.idea\n$T/p/.idea\n"
			   "--ro-bind\n/dev/null\n$T/p/.mcp-settings.json\n"
			   "--ro-bind\n/dev/null\n$T/p/.mcp.json\n"
			   "--ro-bind\n/dev/null\n$T/p/.npmrc\n"
			   "--ro-bind\n/dev/null\n$T/p/.profile\n"
			   "--ro-bind\n/dev/null\n$T/p/.pypirc\n"
			   "--ro-bind\n/dev/null\n$T/p/.ripgreprc\n"
			   "--ro-bind\n$T/p/.vscode\n$T/p/.vscode\n"
			   "--ro-bind\n/dev/null\n$T/p/.yarnrc\n"
			   "--ro-bind\n/dev/null\n$T/p/.yarnrc.yml\n"
			   "--ro-bind\n/dev/null\n$T/p/.zlogin\n"
			   "--ro-bind\n/dev/null\n$T/p/.zprofile\n"
			   "--ro-bind\n/dev/null\n$T/p/.zshenv\n"
			   "--ro-bind\n/dev/null\n$T/p/.zshrc\n"
			   "--tmpfs\n$T/p/secret\n"
			   "--bind\n$T/p/.claude\n$T/p/.claude\n"
			   "--bind\n$T/p/.git\n$T/p/.git\n"
			   "--bind\n$T/p/sub\n$T/p/sub\n"
			   "--ro-bind\n$T/p/.claude/agents\n$T/p/.claude/agents\n"
			   "--ro-bind\n$T/p/.claude/commands\n$T/p/.claude/commands\n"
			   "--ro-bind\n$T/p/.git/commondir\n$T/p/.git/commondir\n"
			   "--ro-bind\n$T/p/.git/config\n$T/p/.git/config\n"
			   "--ro-bind\n$T/p/.git/hooks\n$T/p/.git/hooks\n"
			   "--ro-bind\n$T/p/secret/keep\n$T/p/secret/keep\n"
			   "--ro-bind\n$T/p/sub/deeper\n$T/p/sub/deeper\n",
			   ssh ? "--tmpfs\n/etc/ssh/ssh_config.d\n" : "");
	is_str(got, want, "golden plan for a git project");
	ok(plan && dests_unique(plan), "one mount per destination");
	plan_done(plan);
}

int main(void)
{
	fs_test_setup();
	test_argv_order();
	test_golden_project();
	fs_test_teardown();
	return tap_done();
}
