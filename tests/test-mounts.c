/* Rule and precedence tests of the mount plan (mounts.c), on a temp tree
 * made here; ripgrep runs for real. */
#include "fs-test-util.h"

#include <errno.h>
#include <sys/wait.h>
#include <time.h>

#define FS(x) "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},\"filesystem\":{" x "}}"

static bool has(const struct fs_plan *p, const char *rel, enum mount_kind kind, enum mount_why why)
{
	const struct mount_op *op = op_for(p, rel);
	if (!op) {
		printf("# no op for %s\n", rel);
		return false;
	}
	if (op->kind != kind || op->why != why) {
		printf("# op for %s: kind %d why %d (want %d %d)\n", rel, op->kind, op->why, kind, why);
		return false;
	}
	return true;
}

static void check_unique(const struct fs_plan *p, const char *name)
{
	ok(p && dests_unique(p), "%s: one mount per destination", name);
}

static void test_precedence(void)
{
	struct fs_plan *p;

	mk("w/d/inner/");
	mk("w/r/keep/k");
	mk("w/r/w2/");
	mk("w/r/f");
	mk("w/file.txt");
	mk("w/ro/sec/");
	mk("home/");

	p = plan_for(FS("\"allowWrite\":[\"$T/w\",\"$T/w/d/inner\"],\"denyWrite\":[\"$T/w/d\"],\"denyRead\":[]"),
		     "w", "home");
	ok(has(p, "w", MOUNT_BIND, WHY_WRITE), "allowWrite bound writable");
	ok(has(p, "w/d", MOUNT_RO_BIND, WHY_DENY_WRITE), "denyWrite over it read-only");
	ok(op_for(p, "w/d/inner") == NULL, "allowWrite inside denyWrite dropped (deny beats allow)");
	check_unique(p, "deny beats allow");
	plan_done(p);

	p = plan_for(FS("\"allowWrite\":[\"$T/w/d\"],\"denyWrite\":[\"$T/w/d\"],\"denyRead\":[]"), "", "home");
	ok(op_for(p, "w/d") == NULL, "same path allowed and denied: not bound at all (read-only)");
	plan_done(p);

	p = plan_for(FS("\"allowWrite\":[],\"denyWrite\":[],\"denyRead\":[\"$T/w/r\"],\"allowRead\":[\"$T/w/r\"]"),
		     "", "home");
	ok(op_for(p, "w/r") == NULL, "allowRead == denyRead: allow wins, nothing hidden");
	plan_done(p);

	p = plan_for(FS("\"allowWrite\":[],\"denyWrite\":[],\"denyRead\":[\"$T/w/r/f\"],\"allowRead\":[\"$T/w/r\"]"),
		     "", "home");
	ok(has(p, "w/r/f", MOUNT_MASK, WHY_DENY_READ), "a directory allowRead does not lift a deeper file deny");
	plan_done(p);

	p = plan_for(FS("\"allowWrite\":[],\"denyWrite\":[],\"denyRead\":[\"$T/w/r/f\"],\"allowRead\":[\"$T/w/r/f\"]"),
		     "", "home");
	ok(op_for(p, "w/r/f") == NULL, "allowRead naming the file lifts the file deny");
	plan_done(p);

	p = plan_for(FS("\"allowWrite\":[\"$T/w/r/w2\"],\"denyWrite\":[],\"denyRead\":[\"$T/w/r\"],"
			"\"allowRead\":[\"$T/w/r/keep\"]"),
		     "", "home");
	ok(has(p, "w/r", MOUNT_TMPFS, WHY_DENY_READ), "denyRead dir -> tmpfs");
	ok(has(p, "w/r/keep", MOUNT_RO_BIND, WHY_ALLOW_READ), "allowRead inside -> read-only restore");
	ok(has(p, "w/r/w2", MOUNT_BIND, WHY_WRITE), "allowWrite inside denyRead -> restored writable");
	ok(op_index(p, "w/r") < op_index(p, "w/r/keep") && op_index(p, "w/r") < op_index(p, "w/r/w2"),
	   "restores come after the tmpfs");
	ok(op_for(p, "w/r/f") == NULL, "nothing else restored");
	check_unique(p, "read carve-outs");
	plan_done(p);

	p = plan_for(FS("\"allowWrite\":[\"$T/w\"],\"denyWrite\":[\"$T/w/ro\"],\"denyRead\":[\"$T/w/ro/sec\",\"$T/w/r\","
			"\"$T/w/r/keep\"]"),
		     "", "home");
	ok(has(p, "w/ro", MOUNT_RO_BIND, WHY_DENY_WRITE) && has(p, "w/ro/sec", MOUNT_TMPFS, WHY_DENY_READ),
	   "denyRead inside denyWrite: both");
	ok(op_index(p, "w/ro") < op_index(p, "w/ro/sec"), "deeper deny emitted after (never buried)");
	ok(op_for(p, "w/r/keep") == NULL, "denyRead inside a hidden dir: nothing more");
	check_unique(p, "nested denies");
	plan_done(p);

	p = plan_for(FS("\"allowWrite\":[],\"denyWrite\":[\"$T/w/d\"],\"denyRead\":[]"), "", "home");
	ok(op_for(p, "w/d") == NULL, "denyWrite outside every write root: nothing (already read-only)");
	plan_done(p);
}

static void test_placeholders(void)
{
	struct fs_plan *p;
	struct stat st;
	_cleanup_free_ char *newdir = tp("w2/new"), *lock = tp("w2/lock"), *cl = tp("w2/.claude");

	mk("w2/");
	p = plan_for(FS("\"allowWrite\":[\"$T/w2\"],\"denyWrite\":[\"$T/w2/new/inner/file\",\"$T/w2/lock\"],"
			"\"denyRead\":[]"),
		     "", "home");
	ok(has(p, "w2/new", MOUNT_RO_BIND, WHY_PLACEHOLDER), "absent nested deny: dir placeholder at first missing");
	ok(has(p, "w2/lock", MOUNT_MASK, WHY_PLACEHOLDER), "absent file deny: /dev/null placeholder");
	ok(has(p, "w2/.claude", MOUNT_RO_BIND, WHY_PLACEHOLDER), ".claude/commands absent: .claude dir placeholder");
	ok(lstat(newdir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
	   "dir placeholder exists on the host, 0700");
	ok(lstat(lock, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0, "file placeholder exists, empty");
	fs_plan_cleanup(p);
	ok(lstat(newdir, &st) < 0 && lstat(lock, &st) < 0 && lstat(cl, &st) < 0, "placeholders removed by cleanup");
	fs_plan_free(p);

	/* A file srt did not create is kept. */
	p = plan_for(FS("\"allowWrite\":[\"$T/w2\"],\"denyWrite\":[\"$T/w2/lock\"],\"denyRead\":[]"), "", "home");
	unlink(lock);
	mk("w2/lock");
	fs_plan_cleanup(p);
	ok(lstat(lock, &st) == 0, "a file replaced by the user is not removed");
	unlink(lock);
	fs_plan_free(p);

	/* Literal entries keep glob characters. */
	p = plan_for(FS("\"allowWrite\":[\"$T/w2\"],\"denyWrite\":[{\"path\":\"$T/w2/[x]*\",\"literal\":true}],"
			"\"denyRead\":[]"),
		     "", "home");
	ok(has(p, "w2/[x]*", MOUNT_MASK, WHY_PLACEHOLDER), "literal entry taken as spelled");
	plan_done(p);
}

static void test_mandatory(void)
{
	struct fs_plan *p;

	mk("m/.git/hooks/");
	mk("m/.git/config");
	mk("m/.git/HEAD");
	mk("m/a/.bashrc");
	mk("m/a/b/.npmrc");
	mk("m/a/b/c/.zshrc");
	mk("m/a/b/.vscode/settings.json");
	mk("m/node_modules/x/.bashrc");
	mk("m/wt/.git");
	mk("home/.bashrc");
	{
		_cleanup_free_ char *g = tp("m/wt/.git");
		_cleanup_free_ char *line = xasprintf("echo 'gitdir: %s/m/.git/worktrees/wt' > '%s'", T, g);
		if (system(line) != 0)
			ok(false, "write .git file");
	}
	p = plan_for(FS("\"allowWrite\":[\"$T/m\"],\"denyWrite\":[],\"denyRead\":[]"), "m", "home");
	ok(has(p, "m/.git/hooks", MOUNT_RO_BIND, WHY_DENY_WRITE), ".git/hooks denied");
	ok(has(p, "m/.git/config", MOUNT_RO_BIND, WHY_DENY_WRITE), ".git/config denied");
	ok(has(p, "m/.git", MOUNT_BIND, WHY_PIN), ".git pinned");
	ok(has(p, "m/a/.bashrc", MOUNT_RO_BIND, WHY_DENY_WRITE), "depth 2 .bashrc denied");
	ok(has(p, "m/a/b/.npmrc", MOUNT_RO_BIND, WHY_DENY_WRITE), "depth 3 .npmrc denied");
	ok(has(p, "m/a/b/.vscode", MOUNT_RO_BIND, WHY_DENY_WRITE), "depth 3 .vscode denied");
	ok(op_for(p, "m/a/b/c/.zshrc") == NULL, "depth 4 not searched");
	ok(op_for(p, "m/node_modules/x/.bashrc") == NULL, "node_modules skipped");
	ok(has(p, "m/a", MOUNT_BIND, WHY_PIN) && has(p, "m/a/b", MOUNT_BIND, WHY_PIN), "ancestors pinned");
	ok(has(p, "m/wt/.git", MOUNT_RO_BIND, WHY_DENY_WRITE), "worktree .git file read-only");
	ok(op_for(p, "home/.bashrc") == NULL, "home not writable: ~/.bashrc untouched");
	check_unique(p, "mandatory");
	plan_done(p);

	p = plan_for(FS("\"allowWrite\":[\"$T/m\"],\"denyWrite\":[],\"denyRead\":[],\"allowGitConfig\":true"), "m",
		     "home");
	ok(op_for(p, "m/.git/config") == NULL && has(p, "m/.git/hooks", MOUNT_RO_BIND, WHY_DENY_WRITE),
	   "allowGitConfig: config writable, hooks not");
	plan_done(p);

	p = plan_for("{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},\"mandatoryDenySearchDepth\":1,"
		     "\"filesystem\":{\"allowWrite\":[\"$T/m\"],\"denyWrite\":[],\"denyRead\":[]}}",
		     "m", "home");
	ok(op_for(p, "m/a/.bashrc") == NULL, "mandatoryDenySearchDepth 1: depth 2 not denied");
	plan_done(p);

	p = plan_for(FS("\"allowWrite\":[\"~\"],\"denyWrite\":[],\"denyRead\":[]"), "home", "home");
	ok(has(p, "home/.bashrc", MOUNT_RO_BIND, WHY_DENY_WRITE), "allowWrite ~: ~/.bashrc denied");
	plan_done(p);

	struct srt_config *cfg = cfg_from("{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},"
					  "\"ripgrep\":{\"command\":\"/nonexistent/rg\"},"
					  "\"filesystem\":{\"allowWrite\":[\"$T/m\"],\"denyWrite\":[],\"denyRead\":[]}}");
	char *err = NULL;
	_cleanup_free_ char *cwd = tp("m");
	p = NULL;
	is_int(cfg ? fs_plan_build(cfg, cwd, cwd, &p, &err) : 0, -1, "ripgrep missing: plan refused");
	ok(err && strstr(err, "ripgrep.command"), "error names ripgrep.command: %s", err ? err : "");
	free(err);
	config_free(cfg);
}

/* fs_plan_begin / fs_plan_finish: the same plan as fs_plan_build, a spawn
 * failure reported by _finish, and a plan dropped between the two kills and
 * reaps ripgrep and removes the private TMPDIR. */
static void test_begin_finish(void)
{
	const char *w = "\"filesystem\":{\"allowWrite\":[\"$T/m\"],\"denyWrite\":[],\"denyRead\":[]}}";
	_cleanup_free_ char *cwd = tp("m");
	_cleanup_free_ char *slow = tp("slow-rg");
	_cleanup_free_ char *js_ok = xasprintf("{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},%s", w);
	_cleanup_free_ char *js_missing = xasprintf("{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},"
						    "\"ripgrep\":{\"command\":\"/nonexistent/rg\"},%s", w);
	_cleanup_free_ char *js_slow = xasprintf("{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},"
						 "\"ripgrep\":{\"command\":\"%s\"},%s", slow, w);
	struct srt_config *cfg = cfg_from(js_ok);
	struct fs_plan *p = NULL;
	char *err = NULL;
	struct timespec t0, t1;
	char *tmp;
	FILE *f;

	is_int(cfg ? fs_plan_begin(cfg, cwd, cwd, &p, &err) : -1, 0, "begin: ripgrep started");
	ok(p && fs_plan_tmpdir(p) && access(fs_plan_tmpdir(p), F_OK) == 0, "begin: private TMPDIR exists");
	is_int(p ? fs_plan_finish(p, &err) : -1, 0, "finish: plan final");
	ok(p && has(p, "m/a/.bashrc", MOUNT_RO_BIND, WHY_DENY_WRITE), "begin+finish: ripgrep's finding denied");
	is_int(p ? fs_plan_finish(p, &err) : -1, 0, "finish again: no-op");
	plan_done(p);
	config_free(cfg);

	cfg = cfg_from(js_missing);
	p = NULL;
	is_int(cfg ? fs_plan_begin(cfg, cwd, cwd, &p, &err) : -1, 0, "begin with a missing ripgrep: no error yet");
	is_int(p ? fs_plan_settle(p, &err) : -1, 0, "settle with a missing ripgrep: no error yet");
	ok(p && !fs_plan_split(p), "settle with a missing ripgrep: not split (srt fails before bwrap starts)");
	is_int(p ? fs_plan_finish(p, &err) : 0, -1, "finish with a missing ripgrep: plan refused");
	ok(err && strstr(err, "ripgrep.command"), "finish: error names ripgrep.command: %s", err ? err : "");
	free(err);
	err = NULL;
	if (p) {
		fs_plan_cleanup(p);
		fs_plan_free(p);
	}
	config_free(cfg);

	f = fopen(slow, "w");
	if (f) {
		fputs("#!/bin/sh\nexec sleep 30\n", f);
		fclose(f);
	}
	chmod(slow, 0755);
	cfg = cfg_from(js_slow);
	p = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int(cfg ? fs_plan_begin(cfg, cwd, cwd, &p, &err) : -1, 0, "begin with a slow ripgrep");
	tmp = p && fs_plan_tmpdir(p) ? xstrdup(fs_plan_tmpdir(p)) : NULL;
	if (p) {
		fs_plan_cleanup(p);
		fs_plan_free(p);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ok(t1.tv_sec - t0.tv_sec < 5, "dropped before finish: returns at once (ripgrep killed)");
	ok(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "dropped before finish: ripgrep reaped");
	ok(tmp && access(tmp, F_OK) < 0, "dropped before finish: TMPDIR removed");
	free(tmp);
	config_free(cfg);
}

static void test_globs_and_links(void)
{
	struct fs_plan *p;

	mk("g/a/out/");
	mk("g/b/out/");
	mk("g/c/");
	mk("g/k/x.key");
	mk("g/k/y.pem");
	mk("g/real/");
	{
		_cleanup_free_ char *l = tp("g/link");
		if (symlink("real", l) < 0)
			ok(false, "symlink");
	}
	p = plan_for(FS("\"allowWrite\":[\"$T/g/*/out\",\"$T/g/c\"],\"denyWrite\":[\"$T/g/**/*.key\",\"$T/g/link\"],"
			"\"denyRead\":[\"$T/g/**/*.pem\"]"),
		     "", "home");
	ok(has(p, "g/a/out", MOUNT_BIND, WHY_WRITE) && has(p, "g/b/out", MOUNT_BIND, WHY_WRITE),
	   "allowWrite glob expanded");
	ok(op_for(p, "g/k/x.key") == NULL, "denyWrite glob outside write roots: nothing needed");
	ok(has(p, "g/k/y.pem", MOUNT_MASK, WHY_DENY_READ), "denyRead glob expanded");
	plan_done(p);

	p = plan_for(FS("\"allowWrite\":[\"$T/g\"],\"denyWrite\":[\"$T/g/**/*.key\",\"$T/g/link\"],\"denyRead\":[]"),
		     "", "home");
	ok(has(p, "g/k/x.key", MOUNT_RO_BIND, WHY_DENY_WRITE), "denyWrite glob expanded inside a write root");
	ok(has(p, "g/real", MOUNT_RO_BIND, WHY_DENY_WRITE), "symlinked deny resolved to its target");
	ok(has(p, "g/k", MOUNT_BIND, WHY_PIN), "glob match's directory pinned");
	check_unique(p, "globs");
	plan_done(p);

	p = plan_for(FS("\"allowWrite\":[],\"denyWrite\":[],\"denyRead\":[\"/\"],\"allowRead\":[\"/usr\"]"), "",
		     "home");
	bool ok_root = op_for(p, "../../usr") == NULL;
	const struct mount_op *op;
	bool has_etc = false, has_usr = false, has_proc = false;
	for (size_t i = 0; p && (op = fs_plan_op(p, i)); i++) {
		has_etc |= !strcmp(op->dest, "/etc") && op->kind == MOUNT_TMPFS;
		has_usr |= !strcmp(op->dest, "/usr");
		has_proc |= !strcmp(op->dest, "/proc") || !strcmp(op->dest, "/dev") || !strcmp(op->dest, "/sys");
	}
	ok(ok_root && has_etc && !has_usr && !has_proc, "denyRead / -> top-level tmpfs except allowRead, proc, dev, sys");
	ok(p && fs_plan_tmpdir(p) && op_for(p, "x") == NULL, "private TMPDIR planned");
	bool tmp_bound = false;
	for (size_t i = 0; p && (op = fs_plan_op(p, i)); i++)
		tmp_bound |= !strcmp(op->dest, fs_plan_tmpdir(p)) && op->kind == MOUNT_BIND;
	ok(tmp_bound, "TMPDIR restored writable under denyRead /");
	plan_done(p);
}

static void test_defaults(void)
{
	struct fs_plan *p;
	mk("hd/.npm/_logs/");
	p = plan_for(FS("\"allowWrite\":[],\"denyWrite\":[],\"denyRead\":[]"), "", "hd");
	ok(has(p, "hd/.npm/_logs", MOUNT_BIND, WHY_WRITE), "default ~/.npm/_logs bound when it exists");
	plan_done(p);
	p = plan_for(FS("\"allowWrite\":[],\"denyWrite\":[],\"denyRead\":[\"~\"]"), "", "hd");
	ok(op_for(p, "hd/.npm/_logs") == NULL, "default home path dropped under denyRead ~");
	plan_done(p);
}

/* A mandatory path that cannot be resolved (a symlink loop planted as
 * .git/hooks by an earlier sandbox) refuses the plan, naming the path;
 * skipping it would leave .git/hooks writable. */
static void test_mandatory_unresolvable(void)
{
	struct srt_config *cfg = cfg_from(FS("\"allowWrite\":[\"$T/lp\"],\"denyWrite\":[],\"denyRead\":[]"));
	_cleanup_free_ char *cwd = tp("lp"), *hooks = tp("lp/.git/hooks");
	struct fs_plan *p = NULL;
	char *err = NULL;

	mk("lp/.git/HEAD");
	if (symlink(hooks, hooks) < 0)
		ok(false, "symlink loop");
	is_int(cfg ? fs_plan_build(cfg, cwd, cwd, &p, &err) : 0, -1, "unresolvable .git/hooks: plan refused");
	ok(err && strstr(err, hooks) && strstr(err, "refusing"), "error names the path: %s", err ? err : "");
	if (p) {
		fs_plan_cleanup(p);
		fs_plan_free(p);
	}
	free(err);
	config_free(cfg);
}

/* Nested dangerous names that are symlinks: ripgrep lists no link, a walk
 * of the write roots finds them; each is protected at its target and its
 * link pinned, with the directories above the link pinned too. */
static void lnk(const char *target, const char *rel)
{
	_cleanup_free_ char *l = tp("%s", rel);
	if (symlink(target, l) < 0)
		ok(false, "symlink %s", rel);
}

static bool has_link(const struct fs_plan *p, const char *rel)
{
	_cleanup_free_ char *l = tp("%s", rel);
	return strv_contains(fs_plan_links(p), l);
}

static void test_nested_links(void)
{
	struct fs_plan *p;

	mk("nl/realgit/hooks/");
	mk("nl/realgit/HEAD");
	mk("nl/realgit/config");
	mk("nl/dot/bashrc");
	mk("nl/dot/vs.json");
	mk("nl/cl/commands/");
	mk("nl/sub/x");
	mk("nl/sub/.vscode/");
	mk("nl/a/b/c/");
	mk("nl/node_modules/x/");
	mk("nl/d1/d2/");
	lnk("../realgit", "nl/sub/.git");
	lnk("../dot/bashrc", "nl/sub/.bashrc");
	lnk("../cl", "nl/sub/.claude");
	lnk("../../dot/vs.json", "nl/sub/.vscode/settings.json");
	lnk("../../../dot/bashrc", "nl/a/b/c/.zshrc");
	lnk("../../dot/bashrc", "nl/node_modules/x/.bashrc");
	lnk("sub", "nl/lsub");
	lnk("../../dot/nothing", "nl/d1/d2/.npmrc");
	/* A repository ripgrep cannot see: its HEAD is a link. */
	mk("nl/r2/.git/hooks/");
	mk("nl/r2/.git/config");
	mk("nl/dot/HEAD");
	lnk("../../dot/HEAD", "nl/r2/.git/HEAD");
	p = plan_for(FS("\"allowWrite\":[\"$T/nl\"],\"denyWrite\":[],\"denyRead\":[]"), "nl", "home");
	ok(has(p, "nl/realgit/hooks", MOUNT_RO_BIND, WHY_DENY_WRITE), "nested linked .git: hooks denied");
	ok(has(p, "nl/realgit/config", MOUNT_RO_BIND, WHY_DENY_WRITE), "nested linked .git: config denied");
	ok(has(p, "nl/dot/bashrc", MOUNT_RO_BIND, WHY_DENY_WRITE), "nested linked .bashrc: target denied");
	ok(p && has_link(p, "nl/sub/.git") && has_link(p, "nl/sub/.bashrc"), "nested links pinned");
	ok(has(p, "nl/sub", MOUNT_BIND, WHY_PIN), "directory above nested links pinned");
	ok(has(p, "nl/cl/commands", MOUNT_RO_BIND, WHY_DENY_WRITE) && p && has_link(p, "nl/sub/.claude"),
	   "nested linked .claude: commands denied, link pinned");
	ok(has(p, "nl/sub/.vscode", MOUNT_RO_BIND, WHY_DENY_WRITE), ".vscode holding only a link: denied");
	ok(has(p, "nl/dot/vs.json", MOUNT_RO_BIND, WHY_DENY_WRITE), "link inside .vscode: its target denied");
	ok(has(p, "nl/dot/nothing", MOUNT_MASK, WHY_PLACEHOLDER) && p && has_link(p, "nl/d1/d2/.npmrc"),
	   "dangling nested link: placeholder at its target, link pinned");
	ok(has(p, "nl/d1", MOUNT_BIND, WHY_PIN) && has(p, "nl/d1/d2", MOUNT_BIND, WHY_PIN),
	   "every directory above a nested link pinned");
	ok(has(p, "nl/r2/.git/hooks", MOUNT_RO_BIND, WHY_DENY_WRITE) &&
	   has(p, "nl/r2/.git/config", MOUNT_RO_BIND, WHY_DENY_WRITE),
	   "repository whose HEAD is a link: hooks and config denied");
	ok(p && !has_link(p, "nl/a/b/c/.zshrc"), "depth 4 link not searched");
	ok(p && !has_link(p, "nl/node_modules/x/.bashrc"), "node_modules skipped");
	ok(p && !has_link(p, "nl/lsub/.bashrc") && op_for(p, "nl/lsub") == NULL, "linked directory not descended");
	check_unique(p, "nested links");
	plan_done(p);

	/* A denyWrite entry that is a link: the directory holding it is
	 * pinned (renaming it away would let a new one hold a file). */
	mk("dl/real.txt");
	mk("dl/cfg/");
	lnk("../real.txt", "dl/cfg/link");
	p = plan_for(FS("\"allowWrite\":[\"$T/dl\"],\"denyWrite\":[\"$T/dl/cfg/link\"],\"denyRead\":[]"), "",
		     "home");
	ok(has(p, "dl/real.txt", MOUNT_RO_BIND, WHY_DENY_WRITE) && p && has_link(p, "dl/cfg/link"),
	   "denyWrite link: target denied, link pinned");
	ok(has(p, "dl/cfg", MOUNT_BIND, WHY_PIN), "denyWrite link: its directory pinned");
	plan_done(p);
}

/* "kind why src dest" of every op but pins, and of the pins, as lines;
 * for a destination mounted twice (a split plan's helper part over
 * bwrap's), the later op. */
static void effective_ops(const struct fs_plan *p, strv *ops, strv *pins)
{
	const char *tmp = fs_plan_tmpdir(p);
	const struct mount_op *op;

	for (size_t i = 0; (op = fs_plan_op(p, i)); i++) {
		bool later = false;
		for (size_t j = i + 1; fs_plan_op(p, j); j++)
			later |= !strcmp(fs_plan_op(p, j)->dest, op->dest);
		if (later)
			continue;
		if (tmp && !strcmp(op->dest, tmp)) /* each plan has its own */
			strv_push_take(ops, xasprintf("%d %d TMPDIR", op->kind, op->why));
		else
			strv_push_take(op->why == WHY_PIN ? pins : ops,
				       xasprintf("%d %d %s %s", op->kind, op->why, op->src ? op->src : "-", op->dest));
	}
	paths_sort_unique(ops);
	paths_sort_unique(pins);
}

static bool strv_subset(const strv *a, const strv *b, const char *what)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strv_contains(b, a->v[i])) {
			printf("# %s: only in the whole plan: %s\n", what, a->v[i]);
			return false;
		}
	return true;
}

/* srt runs the plan split (fs_plan_settle while ripgrep runs, the rest
 * on top after it): it must make the mounts the whole plan makes (pins:
 * at least those), pin the same links, and hand the helper only mounts
 * it can make from inside. */
static void check_split(const char *json, const char *cwd_rel, const char *home_rel, bool mask_free,
			const char *name)
{
	struct srt_config *cfg = cfg_from(json);
	_cleanup_free_ char *cwd = path_join(T, cwd_rel), *home = path_join(T, home_rel);
	struct fs_plan *whole = plan_for(json, cwd_rel, home_rel), *p = NULL;
	strv ops_w = {0}, pins_w = {0}, links_w = {0}, ops_s = {0}, pins_s = {0}, links_s = {0}, words = {0};
	_cleanup_free_ char *buf = NULL;
	char *err = NULL;
	size_t len = 0;

	if (whole) {
		effective_ops(whole, &ops_w, &pins_w);
		strv_extend(&links_w, fs_plan_links(whole));
		paths_sort_unique(&links_w);
	}
	plan_done(whole); /* its placeholders go, the split plan makes its own */
	if (!cfg || fs_plan_begin(cfg, cwd, home, &p, &err) < 0 || fs_plan_settle(p, &err) < 0 ||
	    fs_plan_finish(p, &err) < 0) {
		ok(false, "%s: split plan: %s", name, err ? err : "no settings");
		free(err);
		plan_done(p);
		config_free(cfg);
		return;
	}
	effective_ops(p, &ops_s, &pins_s);
	strv_extend(&links_s, fs_plan_links(p));
	paths_sort_unique(&links_s);
	ok(fs_plan_split(p) && whole && ops_w.n == ops_s.n && strv_subset(&ops_w, &ops_s, name),
	   "%s: split plan makes the same mounts (%zu)", name, ops_s.n);
	ok(whole && strv_subset(&pins_w, &pins_s, name), "%s: split plan pins at least as much (%zu/%zu)", name,
	   pins_w.n, pins_s.n);
	ok(links_w.n == links_s.n && strv_subset(&links_w, &links_s, name), "%s: same links pinned", name);
	ok(fs_plan_helper_mounts(p, &buf, &len) == 0 && len >= 2 && !strcmp(buf + len - 2, "."),
	   "%s: the helper can make its part", name);
	fs_plan_words(p, &words);
	ok(fs_plan_n_bwrap_links(p) == 0 && words.n > 0 && (!mask_free || !strv_contains(&words, "/dev/null")),
	   "%s: bwrap's part holds no link%s", name, mask_free ? " and no mask" : "");
	strv_clear(&ops_w);
	strv_clear(&pins_w);
	strv_clear(&links_w);
	strv_clear(&ops_s);
	strv_clear(&pins_s);
	strv_clear(&links_s);
	strv_clear(&words);
	plan_done(p);
	config_free(cfg);
}

static void test_split(void)
{
	mk("sp/.vscode/x.json");
	mk("sp/in/.vscode/y.json");
	mk("sp/in/r/.git/HEAD");
	mk("sp/hid/sec/.bashrc");
	mk("sp/hid/keep/.npmrc");
	check_split(FS("\"allowWrite\":[\"$T/m\"],\"denyWrite\":[],\"denyRead\":[]"), "m", "home", true, "mandatory");
	check_split(FS("\"allowWrite\":[\"~\"],\"denyWrite\":[],\"denyRead\":[]"), "home", "home", true, "allowWrite ~");
	check_split(FS("\"allowWrite\":[\"$T/nl\"],\"denyWrite\":[],\"denyRead\":[]"), "nl", "home", true,
		    "nested links");
	check_split(FS("\"allowWrite\":[\"$T/dl\"],\"denyWrite\":[\"$T/dl/cfg/link\"],\"denyRead\":[]"), "",
		    "home", true, "denyWrite link");
	check_split(FS("\"allowWrite\":[\"$T/w\",\"$T/w/d/inner\"],\"denyWrite\":[\"$T/w/d\"],\"denyRead\":[]"),
		    "w", "home", true, "deny beats allow");
	check_split(FS("\"allowWrite\":[\"$T/w2\"],\"denyWrite\":[\"$T/w2/new/inner/file\",\"$T/w2/lock\"],"
		       "\"denyRead\":[]"),
		    "", "home", true, "placeholders");
	/* ripgrep's findings over an allowWrite path, below a pin, inside a
	 * denyRead area with a re-opened part (whose protections bwrap
	 * makes: their source is hidden from the helper). */
	check_split(FS("\"allowWrite\":[\"$T/sp\",\"$T/sp/in/.vscode\",\"$T/sp/hid/keep\"],\"denyWrite\":[],"
		       "\"denyRead\":[\"$T/sp/hid\"],\"allowRead\":[\"$T/sp/hid/keep\"]"),
		    "sp", "home", false, "findings over allowWrite, pins and denyRead");
	/* A write path inside a denyRead area (denyRead ~, allowWrite
	 * ~/proj): the sandbox sees the host there, the helper protects. */
	mk("hr/proj/sub/.vscode/");
	mk("hr/proj/sub/r/.git/HEAD");
	check_split(FS("\"allowWrite\":[\"$T/hr/proj\"],\"denyWrite\":[],\"denyRead\":[\"$T/hr\"]"), "hr/proj",
		    "hr", true, "findings in a write path inside denyRead");
}

/* allowWrite naming a protected directory or a path inside one: the
 * protection wins (deny beats allow). */
static void test_root_itself(void)
{
	struct fs_plan *p;

	mk("ri/.claude/commands/sub/");
	mk("ri/.vscode/a/b/");
	p = plan_for(FS("\"allowWrite\":[\"$T/ri/.claude/commands/sub\",\"$T/ri/.vscode/a/b\"],\"denyWrite\":[],"
			"\"denyRead\":[]"),
		     "", "home");
	ok(op_for(p, "ri/.claude/commands/sub") == NULL && op_for(p, "ri/.vscode/a/b") == NULL,
	   "write roots inside protected directories: not bound writable");
	plan_done(p);
}

int main(void)
{
	fs_test_setup();
	test_precedence();
	test_placeholders();
	test_mandatory();
	test_mandatory_unresolvable();
	test_begin_finish();
	test_globs_and_links();
	test_nested_links();
	test_defaults();
	test_split();
	test_root_itself();
	fs_test_teardown();
	return tap_done();
}
